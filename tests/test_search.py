"""mlsd_lib.visual_search: similarity, evaluation, services and ANN measurement."""

import numpy as np
import pytest
from sklearn.metrics import ndcg_score
from sklearn.metrics.pairwise import cosine_similarity, euclidean_distances

from mlsd_lib import ann
from mlsd_lib.data.fashion_mnist import graded_relevance
from mlsd_lib.metrics import mean_reciprocal_rank
from mlsd_lib.visual_search.evaluation import evaluate_retrieval, search_excluding, simulate_clicks
from mlsd_lib.visual_search.measures import relative_contrast, similarity
from mlsd_lib.visual_search.services import (
    EmbeddingService,
    IndexingService,
    NearestNeighbourService,
    ReRankingService,
    VisualSearchPipeline,
)

RNG = np.random.default_rng(0)
A, B = RNG.normal(size=(5, 7)), RNG.normal(size=(9, 7))


def test_similarity_matches_sklearn():
    np.testing.assert_allclose(similarity(A, B, "cosine"), cosine_similarity(A, B), atol=1e-10)
    np.testing.assert_allclose(similarity(A, B, "euclidean"), -euclidean_distances(A, B), atol=1e-8)
    np.testing.assert_allclose(similarity(A, B, "dot"), A @ B.T)


def test_relative_contrast_shrinks_with_dimension():
    rc = relative_contrast([2, 16, 128, 1024], n_points=300, n_queries=20)
    assert (np.diff(rc) < 0).all()


def test_similarity_errors():
    with pytest.raises(ValueError, match="metric must be one of"):
        similarity(A, B, "manhattan")
    with pytest.raises(ValueError, match="same dimension"):
        similarity(A, B[:, :3])
    with pytest.raises(ValueError, match="all-zero"):
        similarity(np.zeros((1, 7)), B)
    with pytest.raises(ValueError, match="dims must be positive"):
        relative_contrast([0, 2])


def test_search_excluding_matches_brute_force():
    x = RNG.normal(size=(300, 8)).astype("float32")
    ids, scores = search_excluding(x[:20], x, k=5, exclude=np.arange(20))
    sims = x[:20] @ x.T
    sims[np.arange(20), np.arange(20)] = -np.inf
    np.testing.assert_array_equal(ids, np.argsort(-sims, axis=1)[:, :5])
    np.testing.assert_allclose(scores, np.sort(sims, axis=1)[:, ::-1][:, :5], rtol=1e-5)


def test_evaluate_retrieval_against_sklearn_and_hand_counts():
    cat_labels = np.array([0, 0, 1, 6, 0, 5, 7])
    retrieved = np.array([[3, 0, 2], [5, 6, 1]])
    q_labels = np.array([0, 7])
    r = evaluate_retrieval(retrieved, q_labels, cat_labels, k=3, grade=graded_relevance)
    assert r["precision@3"] == pytest.approx((1 / 3 + 1 / 3) / 2)
    assert r["recall@3"] == pytest.approx((1 / 3 + 1 / 1) / 2)
    assert r["mrr"] == pytest.approx((1 / 2 + 1 / 2) / 2)
    # nDCG with the ideal drawn from the whole catalogue equals sklearn's ndcg_score.
    true = graded_relevance(q_labels[:, None], cat_labels[None, :])
    score = np.zeros((2, 7))
    for i, row in enumerate(retrieved):
        score[i, row] = [3, 2, 1]
    assert r["ndcg@3"] == pytest.approx(ndcg_score(true, score, k=3))


def test_evaluation_errors():
    with pytest.raises(ValueError, match="one label per query"):
        evaluate_retrieval([[0, 1]], [0, 1], [0, 1, 1], k=2)
    with pytest.raises(ValueError, match="no -1 placeholders"):
        evaluate_retrieval([[0, -1]], [0], [0, 1], k=2)
    with pytest.raises(ValueError, match="k must be <= 2"):
        evaluate_retrieval([[0, 1]], [0], [0, 1], k=3)
    with pytest.raises(ValueError, match="one id per query"):
        search_excluding(A.astype("float32"), B.astype("float32"), k=2, exclude=[1])


def test_simulated_clicks_follow_the_model():
    rel = np.tile([1, 0], (20000, 1))
    clicks = simulate_clicks(rel, seed=0, click_if_relevant=0.6, click_if_not=0.1, position_decay=0.5)
    np.testing.assert_allclose(clicks.mean(0), [0.6, 0.5 * 0.1], atol=0.01)
    with pytest.raises(ValueError, match="click_if_relevant must be <= 1"):
        simulate_clicks(rel, click_if_relevant=2)


def test_mrr_shortcoming_example():
    # source ch. 2, Fig. 2.14: three relevant items vs one, both first hit at rank 2.
    assert mean_reciprocal_rank([[0, 1, 1, 1, 0]]) == mean_reciprocal_rank([[0, 1, 0, 0, 0]]) == 0.5


def _pipeline(n=50, d=8):
    x = RNG.normal(size=(n, d)).astype("float32")
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    store = IndexingService(ann.build("flat", x, "cosine"), x)
    pipe = VisualSearchPipeline(EmbeddingService(lambda a: np.asarray(a, "float32")),
                                NearestNeighbourService(store), ReRankingService(store, 0.99))
    return x, store, pipe


def test_pipeline_indexing_and_reranking_rules():
    x, store, pipe = _pipeline()
    assert pipe.search(x[7], k=1)[0].item_id == 7
    new = store.add(x[7] * 1.0001)  # a planted near-duplicate of image 7
    assert [r.item_id for r in pipe.search(x[7], k=2)][0] in (7, int(new[0]))
    assert int(new[0]) not in [r.item_id for r in pipe.search(x[7], k=5)][1:]
    store.set_private(7)
    store.block(int(new[0]))
    ids = [r.item_id for r in pipe.search(x[7], k=5)]
    assert 7 not in ids and int(new[0]) not in ids and len(ids) == 5
    fresh = RNG.normal(size=(1, 8)).astype("float32")
    fid = store.add(fresh)
    assert pipe.search(fresh[0], k=1)[0].item_id == int(fid[0])
    p = pipe.latency_percentiles()
    assert p["p99_ms"] >= p["p50_ms"] > 0


def test_service_errors():
    x, store, pipe = _pipeline()
    with pytest.raises(TypeError, match="embed_fn must be callable"):
        EmbeddingService(3)
    with pytest.raises(ValueError, match="must match the index size"):
        IndexingService(store.index, x[:3])
    with pytest.raises(ValueError, match=r"ids must be positions in"):
        store.set_private(10_000)
    with pytest.raises(ValueError, match="duplicate_threshold must be <= 1"):
        ReRankingService(store, 2.0)
    empty = VisualSearchPipeline(pipe.embedder, pipe.neighbours, pipe.reranker)
    with pytest.raises(ValueError, match="no searches recorded"):
        empty.latency_percentiles()


def test_per_query_retrieval_averages_to_evaluate_retrieval():
    from mlsd_lib.visual_search import per_query_retrieval

    rng = np.random.default_rng(0)
    cat_y = rng.integers(0, 5, 300)
    q_ids = np.arange(0, 300, 10)
    ids = np.array([rng.choice(np.delete(np.arange(300), q), 10, replace=False) for q in q_ids])
    per = per_query_retrieval(ids, cat_y[q_ids], cat_y, k=10, exclude=q_ids)
    rep = evaluate_retrieval(ids, cat_y[q_ids], cat_y, k=10, exclude=q_ids)
    for name in ("precision@10", "recall@10"):
        assert per[name].mean() == pytest.approx(rep[name])
    assert per["ap@10"].mean() == pytest.approx(rep["map@10"])
    rel = cat_y[ids] == cat_y[q_ids][:, None]
    first = np.where(rel.any(1), rel.argmax(1) + 1, 0)
    assert per["first_hit"].tolist() == first.tolist()
    with pytest.raises(ValueError, match="one id per query"):
        per_query_retrieval(ids, cat_y[q_ids], cat_y, k=10, exclude=q_ids[:3])
