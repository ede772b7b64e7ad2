"""mlsd_lib.search: similarity, evaluation, services and ANN measurement."""

import faiss
import numpy as np
import pytest
from sklearn.metrics import ndcg_score
from sklearn.metrics.pairwise import cosine_similarity, euclidean_distances

from mlsd_lib import ann
from mlsd_lib.data.fashion_mnist import graded_relevance
from mlsd_lib.metrics import mean_reciprocal_rank
from mlsd_lib.search.ann_eval import (
    calibrate_spread,
    clustered_vectors,
    measure_index,
    memory_table,
    nn_distance_ratio,
)
from mlsd_lib.search.evaluation import evaluate_retrieval, search_excluding, simulate_clicks
from mlsd_lib.search.services import (
    EmbeddingService,
    IndexingService,
    NearestNeighbourService,
    ReRankingService,
    VisualSearchPipeline,
)
from mlsd_lib.search.similarity import relative_contrast, similarity

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


def test_nn_ratio_against_brute_force_and_calibration():
    x = RNG.normal(size=(400, 6))
    d = euclidean_distances(x, x)
    np.fill_diagonal(d, np.inf)
    nn = d.min(1)
    np.fill_diagonal(d, 0)
    ref = np.mean(nn / (d.sum(1) / 399))
    assert nn_distance_ratio(x, n_queries=400) == pytest.approx(ref, rel=1e-4)
    tight = nn_distance_ratio(clustered_vectors(2000, 32, 20, 0.05, seed=1))
    loose = nn_distance_ratio(clustered_vectors(2000, 32, 20, 2.0, seed=1))
    assert tight < loose
    s = calibrate_spread(0.5, n=1000, d=32, n_clusters=20, iters=8)
    assert nn_distance_ratio(clustered_vectors(1000, 32, 20, s)) == pytest.approx(0.5, abs=0.05)


def test_measure_index_and_memory_table():
    x = clustered_vectors(3000, 16, 10, 0.5, seed=0)
    exact = ann.build("flat", x).search(x[:30], 10)[0]
    row = measure_index(ann.build("flat", x), x[:30], exact, k=10)
    assert row["recall@10"] == 1.0 and row["memory_mb"] == pytest.approx(3000 * 16 * 4 / 1e6, rel=0.01)
    fi = faiss.IndexFlatL2(16)
    fi.add(x)
    t = memory_table([1e11, 2e11], d=128, pq_bytes=16)
    assert t["flat_TB"].tolist() == pytest.approx([1e11 * 520 / 1e12, 2e11 * 520 / 1e12])
    with pytest.raises(ValueError, match="spread must be >= 0"):
        clustered_vectors(10, 4, spread=-1)
    with pytest.raises(ValueError, match="target_ratio must be < 1"):
        calibrate_spread(1.0, n=10, d=2)


def test_intrinsic_dimension_recovers_planted_subspaces():
    from mlsd_lib.search.ann_eval import intrinsic_dimension

    rng = np.random.default_rng(3)
    for k in (2, 5):
        x = rng.normal(size=(3000, k)) @ rng.normal(size=(k, 40))
        assert intrinsic_dimension(x, n_queries=30) == pytest.approx(k, abs=0.5)
    x = clustered_vectors(4000, 64, 10, 0.5, seed=0, intrinsic_dim=4)
    assert intrinsic_dimension(x, n_queries=50) < intrinsic_dimension(clustered_vectors(4000, 64, 10, 0.5, seed=0), n_queries=50)
    with pytest.raises(ValueError, match="variance must be > 0"):
        intrinsic_dimension(x, variance=0)
    with pytest.raises(ValueError, match="intrinsic_dim must be <= 64"):
        clustered_vectors(10, 64, intrinsic_dim=65)


def test_recall_profile_and_distance_counts():
    from mlsd_lib.search.ann_eval import distance_computations, recall_profile

    x = clustered_vectors(3000, 16, 10, 0.5, seed=2)
    prof = recall_profile(x[:2800], x[2800:], {"flat": {"kind": "flat"}, "ivf1": {"kind": "ivf", "nprobe": 1}})
    assert prof["flat"] == 1.0 and 0 < prof["ivf1"] <= 1.0
    ivf = ann.build("ivf", x, nlist=20, nprobe=2)
    # Independent count: the sizes of the 2 probed lists, found with faiss's own quantiser.
    _, probed = ivf.index.quantizer.search(x[:5], 2)
    sizes = np.array([ivf.index.invlists.list_size(int(c)) for c in range(20)])
    assert distance_computations(ivf, x[:5]) == pytest.approx(sizes[probed].sum() / 5 + 20)
    assert distance_computations(ann.build("flat", x), x[:3]) == 3000.0
    with pytest.raises(ValueError, match="distance counts are available"):
        distance_computations(ann.build("lsh", x), x[:3])
    with pytest.raises(ValueError, match="configs must be a non-empty dict"):
        recall_profile(x, x[:3], {})


def test_memory_bandwidth_is_positive():
    from mlsd_lib.search.ann_eval import memory_bandwidth_gbs

    assert memory_bandwidth_gbs(4_000_000, repeats=1) > 0
    with pytest.raises(ValueError, match="n_bytes must be >= 8"):
        memory_bandwidth_gbs(4)
