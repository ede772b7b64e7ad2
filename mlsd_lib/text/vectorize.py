"""Bag-of-words and TF-IDF vectors over token lists (source ch. 4, "Statistical methods").

:class:`TextVectorizer` follows scikit-learn's ``TfidfVectorizer`` formulas exactly (smoothed
idf ``ln((1 + n) / (1 + df)) + 1``, raw term counts, rows scaled to unit L2 norm), so the two
agree to rounding on the same tokens (a unit test holds them to it). Its columns are either a
lookup table's ids or hash buckets (:mod:`mlsd_lib.text.hashing`).

Introduced in chapter 4, "Model development".
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from mlsd_lib._validation import check_choice, check_int, check_token_lists
from mlsd_lib.text.hashing import Vocabulary, hash_ids


class TextVectorizer:
    """Sparse document vectors: ``weighting`` "count" (bag-of-words) or "tfidf".

    Parameters
    ----------
    weighting : "count" for raw term counts (BoW), "tfidf" for scikit-learn's TF-IDF.
    n_buckets : ``None`` for a lookup table built in ``fit`` (unseen tokens are dropped),
        or the number of hash buckets for feature hashing (no table; any token has a column).
    normalize : scale each row to unit L2 norm (scikit-learn's ``norm="l2"``).

    Examples
    --------
    >>> docs = [["this", "person", "is", "nice", "very", "nice"], ["today", "is", "holiday"]]
    >>> bow = TextVectorizer("count", normalize=False).fit(docs)
    >>> bow.transform(docs).toarray()[0].tolist()     # columns: holiday is nice person this today very
    [0.0, 1.0, 2.0, 1.0, 1.0, 0.0, 1.0]
    """

    def __init__(self, weighting: str = "tfidf", n_buckets: int | None = None, normalize: bool = True) -> None:
        self.weighting = check_choice(weighting, "weighting", ("count", "tfidf"))
        self.n_buckets = None if n_buckets is None else check_int(n_buckets, "n_buckets", low=1)
        if not isinstance(normalize, bool):
            raise TypeError(f"normalize must be True or False, got {type(normalize).__name__}")
        self.normalize = normalize
        self.vocabulary_: Vocabulary | None = None
        self.idf_: np.ndarray | None = None

    @property
    def n_features(self) -> int:
        """Columns of the output: vocabulary size (without the unknown id) or bucket count."""
        if self.n_buckets is not None:
            return self.n_buckets
        if self.vocabulary_ is None:
            raise ValueError("this TextVectorizer is not fitted yet; call fit(docs) first")
        return len(self.vocabulary_) - 1

    def _counts(self, docs: list[list[str]]) -> sp.csr_matrix:
        rows, cols = [], []
        for r, d in enumerate(docs):
            ids = hash_ids(d, self.n_buckets) if self.n_buckets is not None else self.vocabulary_.ids(d) - 1
            ids = ids[ids >= 0]          # lookup table: unseen tokens (id 0 -> -1) have no column
            rows.append(np.full(len(ids), r))
            cols.append(ids)
        rows_a = np.concatenate(rows) if rows else np.zeros(0, int)
        cols_a = np.concatenate(cols) if cols else np.zeros(0, int)
        m = sp.csr_matrix((np.ones(len(rows_a)), (rows_a, cols_a)), shape=(len(docs), self.n_features))
        m.sum_duplicates()
        return m

    def fit(self, docs: list[list[str]]) -> TextVectorizer:
        """Build the lookup table (unless hashing) and the idf weights from ``docs``."""
        docs = check_token_lists(docs)
        self.vocabulary_ = Vocabulary().fit(docs) if self.n_buckets is None else None  # hashing: no table
        df = np.bincount(self._counts(docs).indices, minlength=self.n_features)
        self.idf_ = np.log((1 + len(docs)) / (1 + df)) + 1.0
        return self

    def transform(self, docs: list[list[str]]) -> sp.csr_matrix:
        """One sparse row per document."""
        if self.idf_ is None:
            raise ValueError("this TextVectorizer is not fitted yet; call fit(docs) first")
        m = self._counts(check_token_lists(docs, allow_empty=True))
        if self.weighting == "tfidf":
            m = m @ sp.diags(self.idf_)
        m = sp.csr_matrix(m)
        if self.normalize:
            norms = np.sqrt(np.asarray(m.multiply(m).sum(1)).ravel())
            m = sp.diags(1.0 / np.where(norms > 0, norms, 1.0)) @ m
        return sp.csr_matrix(m)

    def fit_transform(self, docs: list[list[str]]) -> sp.csr_matrix:
        """``fit(docs).transform(docs)``."""
        return self.fit(docs).transform(docs)
