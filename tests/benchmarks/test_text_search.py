"""Chapter 4's text search side by side with references (``make bench``; not in the default run).

- BM25: our posting-list :class:`mlsd_lib.text.InvertedIndex` against the ``bm25s`` library
  (pinned; ``method="atire", idf_method="lucene"``, float64, numpy backend, one thread: the
  variant whose scores equal ours, checked first) and against a precomputed document x word
  BM25 weight matrix (SciPy sparse, one matrix product per query batch, built from
  scikit-learn's ``CountVectorizer``). The same 500 queries, top 10, in the same run.
- TF-IDF: :class:`mlsd_lib.text.TextVectorizer` against scikit-learn's ``TfidfVectorizer``
  on the same tokens.
- The served engine: end-to-end queries per second of :class:`~mlsd_lib.video_search.engine.VideoSearchEngine`
  with a stand-in text tower (random projection of TF-IDF), so only our serving code is timed.

Corpus: 5,000 uploads and 500 queries from :func:`mlsd_lib.video_search.corpus.make_video_corpus`'s
metadata generator. Compare the ``mean`` column of the rows of a group; the summary test writes
the BM25 time ratios (ours over bm25s, ours over the sparse matrix) to
``_build/benchmarks/text_search.json`` and holds ours to at most 1x bm25s's time. Each term's
BM25 weights are computed at its first query after an upload and cached until the next one,
so a query sums a few cached vectors and keeps only the scores that can reach the top k: on
the 2-core machine (5 Dec 2026, with other work running) 0.48x bm25s, where recomputing the
weights per query had been 1.3-4.7x. Run the whole module for the summary.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import bm25s
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from mlsd_lib import ann, set_threads
from mlsd_lib.text import InvertedIndex, TextVectorizer, word_tokenize
from mlsd_lib.video_search import corpus as vc
from mlsd_lib.video_search.engine import VideoSearchEngine
from mlsd_lib.visual_search.services import IndexingService

N_DOCS, N_QUERIES, K = 5000, 500, 10
RESULTS: dict[str, float] = {}
OUT = Path(__file__).resolve().parents[2] / "_build" / "benchmarks" / "text_search.json"


@pytest.fixture(scope="module")
def texts():
    set_threads(1)
    rng = np.random.default_rng(0)
    docs, queries = [], []
    for i in range(N_DOCS):
        attrs = {"label": int(rng.integers(10)), "colour": str(rng.choice(list(vc.COLOURS))),
                 "direction": str(rng.choice(list(vc.DIRECTIONS))), "speed": str(rng.choice(list(vc.SPEEDS))),
                 "background": str(rng.choice(list(vc.BACKGROUNDS))), "topic": str(rng.choice(list(vc.TOPICS)))}
        title, tags, desc = vc.describe_upload(attrs, rng)
        docs.append(word_tokenize(f"{title} {' '.join(tags)} {desc}"))
        if i < N_QUERIES:
            queries.append(word_tokenize(vc.make_query(attrs, rng)))
    return docs, queries


def bm25_matrix(docs, k1=1.2, b=0.75):
    """Reference: the document x word BM25 weights, from scikit-learn's counts."""
    cv = CountVectorizer(analyzer=lambda d: d)
    tf = cv.fit_transform(docs).tocsr().astype(float)
    n, lengths = tf.shape[0], np.asarray(tf.sum(1)).ravel()
    df = np.bincount(tf.indices, minlength=tf.shape[1])
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
    rows = np.repeat(np.arange(n), np.diff(tf.indptr))
    norm = k1 * (1 - b + b * lengths[rows] / lengths.mean())
    w = tf.copy()
    w.data = idf[tf.indices] * tf.data * (k1 + 1) / (tf.data + norm)
    return cv, w.T.tocsr()


@pytest.fixture(scope="module")
def indexes(texts):
    docs, queries = texts
    ours = InvertedIndex()
    ours.add(docs)
    cv, wt = bm25_matrix(docs)
    q = cv.transform(queries)
    np.testing.assert_allclose((q @ wt).toarray()[:20], np.stack([ours.scores(x) for x in queries[:20]]), atol=1e-9)
    ref = bm25s.BM25(k1=1.2, b=0.75, method="atire", idf_method="lucene", dtype="float64", backend="numpy")
    ref.index(docs, show_progress=False)
    np.testing.assert_allclose(np.stack([ref.get_scores(x) for x in queries[:20]]),
                               np.stack([ours.scores(x) for x in queries[:20]]), atol=1e-9)
    return ours, cv, wt, ref


@pytest.mark.benchmark(group="BM25, 500 queries over 5,000 uploads")
def test_bm25_inverted_index(benchmark, texts, indexes):
    benchmark(lambda: [indexes[0].search(q, K) for q in texts[1]])
    RESULTS["bm25_mlsd_s"] = benchmark.stats.stats.mean


@pytest.mark.benchmark(group="BM25, 500 queries over 5,000 uploads")
def test_bm25_bm25s_library(benchmark, texts, indexes):
    ref = indexes[3]
    benchmark(lambda: ref.retrieve(texts[1], k=K, show_progress=False, n_threads=1))
    RESULTS["bm25_bm25s_s"] = benchmark.stats.stats.mean


@pytest.mark.benchmark(group="BM25, 500 queries over 5,000 uploads")
def test_bm25_sparse_matrix_reference(benchmark, texts, indexes):
    _, cv, wt, _ = indexes

    def run():
        scores = (cv.transform(texts[1]) @ wt).toarray()
        return np.argsort(-scores, axis=1)[:, :K]
    benchmark(run)
    RESULTS["bm25_sparse_matrix_s"] = benchmark.stats.stats.mean


@pytest.mark.benchmark(group="TF-IDF fit + transform, 5,000 uploads")
def test_tfidf_mlsd(benchmark, texts):
    benchmark(lambda: TextVectorizer("tfidf").fit_transform(texts[0]))


@pytest.mark.benchmark(group="TF-IDF fit + transform, 5,000 uploads")
def test_tfidf_sklearn(benchmark, texts):
    benchmark(lambda: TfidfVectorizer(analyzer=lambda d: d).fit_transform(texts[0]))


@pytest.mark.benchmark(group="served engine, 100 queries")
def test_engine_end_to_end(benchmark, texts, indexes):
    docs, queries = texts
    vec = TextVectorizer("tfidf").fit(docs)
    proj = np.random.default_rng(0).normal(size=(vec.n_features, 64)).astype(np.float32)
    emb = sp.csr_matrix(vec.transform(docs)) @ proj
    emb /= np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-9)
    store = IndexingService(ann.build("hnsw", emb, "cosine", M=16), emb)
    engine = VideoSearchEngine(indexes[0], word_tokenize,
                               lambda q: np.asarray(vec.transform([word_tokenize(q)]) @ proj), store, weight=0.5)
    raw = [" ".join(q) for q in queries[:100]]
    benchmark(lambda: [engine.search(q, K) for q in raw])


def test_summary(benchmark):
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)   # skipped with the benchmarks
    if any(k not in RESULTS for k in ("bm25_mlsd_s", "bm25_bm25s_s", "bm25_sparse_matrix_s")):
        pytest.skip("run the whole module")
    RESULTS["bm25_ratio_over_bm25s"] = RESULTS["bm25_mlsd_s"] / RESULTS["bm25_bm25s_s"]
    RESULTS["bm25_ratio_over_sparse_matrix"] = RESULTS["bm25_mlsd_s"] / RESULTS["bm25_sparse_matrix_s"]
    RESULTS["bm25_mlsd_queries_per_s"] = N_QUERIES / RESULTS["bm25_mlsd_s"]
    RESULTS["bm25_bm25s_queries_per_s"] = N_QUERIES / RESULTS["bm25_bm25s_s"]
    RESULTS["measured_at"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(RESULTS, indent=2))
    print(json.dumps(RESULTS, indent=2))
    assert RESULTS["bm25_ratio_over_bm25s"] <= 1.0, RESULTS
