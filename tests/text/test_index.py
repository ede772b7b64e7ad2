"""Unit tests of ``mlsd_lib.text.index``."""

from __future__ import annotations

import bm25s
import numpy as np
import pytest

from mlsd_lib.text import (
    BPETokenizer,
    InvertedIndex,
    TextVectorizer,
    Vocabulary,
    collision_rate,
    hash_ids,
    word_tokenize,
)

from ._helpers import DOCS


def _reference_bm25(docs, query, k1=1.2, b=0.75):
    """BM25 from the formula, dense, term by term (Lucene's idf)."""
    n, avgdl = len(docs), np.mean([len(d) for d in docs])
    out = np.zeros(n)
    for t in query:
        df = sum(t in d for d in docs)
        idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
        for i, d in enumerate(docs):
            tf = d.count(t)
            out[i] += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(d) / avgdl))
    return out


@pytest.mark.parametrize(("k1", "b"), [(1.2, 0.75), (1.5, 0.5), (0.9, 0.0)])
def test_bm25_equals_the_formula(k1, b):
    rng = np.random.default_rng(0)
    words = [f"t{i}" for i in range(30)]
    docs = [list(rng.choice(words, rng.integers(1, 20))) for _ in range(60)]
    idx = InvertedIndex(k1, b)
    idx.add(docs)
    for _ in range(20):
        q = list(rng.choice(words + ["unseen"], rng.integers(1, 5)))
        np.testing.assert_allclose(idx.scores(q), _reference_bm25(docs, q, k1, b), atol=1e-12)


@pytest.mark.parametrize(("k1", "b"), [(1.2, 0.75), (1.5, 0.5), (0.9, 0.0), (2.0, 1.0)])
def test_bm25_equals_the_bm25s_library(k1, b):
    """Issue 13: our scores equal ``bm25s`` (a pinned test dependency) on the same corpus.

    ``bm25s`` names its variants after Kamphuis et al. (2020). Ours is Lucene's idf,
    ``ln(1 + (N - df + 0.5) / (df + 0.5))``, with the classic ``(k1 + 1)`` factor in the term
    part: that is ``idf_method="lucene"`` with ``method="atire"``'s term part. (bm25s's plain
    ``"lucene"`` drops the ``(k1 + 1)``, as Lucene 8+ does; that rescales every score by the same
    constant and changes no ranking.) Skewed word frequencies give common and rare terms;
    queries repeat words and hold unseen ones.
    """
    rng = np.random.default_rng(1)
    words = [f"w{i}" for i in range(80)]
    p = 1.0 / np.arange(1, 81)
    docs = [list(rng.choice(words, rng.integers(1, 40), p=p / p.sum())) for _ in range(400)]
    ours = InvertedIndex(k1, b)
    ours.add(docs)
    ref = bm25s.BM25(k1=k1, b=b, method="atire", idf_method="lucene", dtype="float64")
    ref.index(docs, show_progress=False)
    plain = bm25s.BM25(k1=k1, b=b, method="lucene", dtype="float64")
    plain.index(docs, show_progress=False)
    for _ in range(100):
        q = list(rng.choice(words + ["unseen"], rng.integers(1, 7)))
        np.testing.assert_allclose(ours.scores(q), ref.get_scores(q), rtol=0, atol=1e-9)
        np.testing.assert_allclose(ours.scores(q), (k1 + 1) * plain.get_scores(q), rtol=0, atol=1e-9)


def test_incremental_add_equals_a_rebuild():
    docs = [word_tokenize(d) for d in DOCS]
    grown = InvertedIndex()
    grown.add(docs[:3])
    grown.search(["red"], 3)          # fills the posting cache before the next upload
    new_ids = grown.add(docs[3:])
    rebuilt = InvertedIndex()
    rebuilt.add(docs)
    assert new_ids.tolist() == list(range(3, len(docs)))
    for q in (["red"], ["sneaker", "review"], ["coat", "montreal"]):
        np.testing.assert_allclose(grown.scores(q), rebuilt.scores(q))
    assert grown.search(["montreal"], 1)[0].tolist() == [4]


def test_top_k_equals_a_full_sort_with_ties_broken_by_id():
    rng = np.random.default_rng(0)
    vocab = ["red", "blue", "bag", "coat", "shoe"]
    docs = [list(rng.choice(vocab, size=int(rng.integers(1, 4)))) for _ in range(300)]
    idx = InvertedIndex()
    idx.add(docs)
    for q in (["red"], ["bag", "coat"], ["shoe", "shoe", "blue"]):
        s = idx.scores(q)
        hit = np.flatnonzero(s > 0)
        full = hit[np.lexsort((hit, -s[hit]))]   # many exact ties: documents with equal tokens
        for k in (1, 7, 50, 1000):
            assert idx.search(q, k)[0].tolist() == full[:k].tolist()


def test_search_on_empty_query_or_index_returns_nothing():
    assert InvertedIndex().search(["red"], 5)[0].tolist() == []
    idx = InvertedIndex()
    idx.add([["a"]])
    assert idx.search([], 5)[0].tolist() == []


@pytest.mark.parametrize(("call", "match"), [
    (lambda: InvertedIndex(k1=-1), "k1"), (lambda: InvertedIndex(b=2), "b"),
    (lambda: InvertedIndex().add("red shoe"), "docs"), (lambda: InvertedIndex().search("red", 3), "query"),
    (lambda: InvertedIndex().search(["red"], 0), "k"), (lambda: TextVectorizer("bm25"), "weighting"),
    (lambda: TextVectorizer().transform([["a"]]), "fit"), (lambda: hash_ids(["a"], 0), "n_buckets"),
    (lambda: Vocabulary().ids(["a"]), "fit"), (lambda: BPETokenizer().tokenize("a"), "fit"),
    (lambda: BPETokenizer(vocab_size=1), "vocab_size"), (lambda: collision_rate([], 4), "tokens"),
])
def test_bad_input_is_named(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
