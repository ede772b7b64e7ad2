"""Loaders of the book's real data sets. Each returns data plus a :class:`Provenance`.

Every source is also described in ``data/README.md`` (origin, licence, size, loader).
Nothing here downloads: data comes from installed packages or from ``data/``.
"""

from mlsd_lib.data.fashion_mnist import CLASS_NAMES, graded_relevance, load_fashion_mnist
from mlsd_lib.data.provenance import Provenance
from mlsd_lib.data.shipped import check_data_request, shipped_counts
from mlsd_lib.data.tabular import load_credit_data, load_movielens_ratings
from mlsd_lib.data.text_encoder import encode_sentences, load_sentence_encoder

__all__ = [
    "CLASS_NAMES", "Provenance", "check_data_request", "encode_sentences", "graded_relevance",
    "load_credit_data",
    "load_fashion_mnist", "load_movielens_ratings", "load_sentence_encoder", "shipped_counts",
]
