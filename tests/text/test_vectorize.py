"""Unit tests of ``mlsd_lib.text.vectorize``."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import (
    CountVectorizer,
    HashingVectorizer,
    TfidfTransformer,
    TfidfVectorizer,
)

from mlsd_lib.text import (
    TextVectorizer,
    word_tokenize,
)

from ._helpers import DOCS


@pytest.mark.parametrize("weighting", ["count", "tfidf"])
def test_vectorizer_equals_scikit_learn(weighting):
    docs = [word_tokenize(d) for d in DOCS]
    ours = TextVectorizer(weighting).fit(docs)
    ref_cls = TfidfVectorizer if weighting == "tfidf" else CountVectorizer
    kw = {} if weighting == "tfidf" else {}
    ref = ref_cls(analyzer=lambda d: d, **kw).fit(docs)
    new = [word_tokenize("red sneaker zebra"), []]
    a, b = ours.transform(docs + new).toarray(), ref.transform(docs + new).toarray()
    if weighting == "count":
        b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-300)
    np.testing.assert_allclose(a, b, atol=1e-12)
    assert ours.vocabulary_.id_to_token_[1:] == list(ref.get_feature_names_out())


def test_hashed_tfidf_equals_scikit_learn_hashing_vectorizer():
    docs = [word_tokenize(d) for d in DOCS]
    ours = TextVectorizer("tfidf", n_buckets=64).fit(docs).transform(docs).toarray()
    counts = HashingVectorizer(analyzer=lambda d: d, n_features=64, alternate_sign=False, norm=None).transform(docs)
    ref = TfidfTransformer().fit(counts).transform(counts).toarray()
    np.testing.assert_allclose(ours, ref, atol=1e-12)


def test_bow_ignores_word_order():
    a, b = word_tokenize("let's watch TV after work"), word_tokenize("let's work after watch TV")
    v = TextVectorizer("count").fit([a, b])
    assert (v.transform([a]) != v.transform([b])).nnz == 0
