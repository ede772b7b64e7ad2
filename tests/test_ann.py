"""ANN search: the RP forest, sharding, and measuring indexes against brute force."""

import faiss
import numpy as np
import pytest
from sklearn.metrics.pairwise import euclidean_distances

from mlsd_lib import ann
from mlsd_lib.ann import (
    RPForest,
    calibrate_spread,
    clustered_vectors,
    distance_computations,
    intrinsic_dimension,
    measure_index,
    memory_bandwidth_gbs,
    memory_table,
    nn_distance_ratio,
    recall_profile,
)

RNG = np.random.default_rng(0)


def _data(n=2000, d=16, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(20, d))
    return (centres[rng.integers(0, 20, n)] + 0.3 * rng.normal(size=(n, d))).astype("float32")


def _exact(x, q, k, metric="l2"):
    index = faiss.IndexFlatL2(x.shape[1]) if metric == "l2" else faiss.IndexFlatIP(x.shape[1])
    index.add(x)
    return index.search(q, k)[1]


def test_exhaustive_forest_equals_flat_search():
    # search_k >= n visits every leaf: the forest must then return the exact answer.
    x = _data()
    f = ann.build("rpforest", x, n_trees=3, leaf_size=16, search_k=len(x))
    ids, d = f.search(x[:50], 10)
    np.testing.assert_array_equal(ids, _exact(x, x[:50], 10))
    ref = ((x[:50, None, :] - x[ids]) ** 2).sum(-1)
    np.testing.assert_allclose(d, ref, rtol=1e-4, atol=1e-4)


def test_recall_grows_with_search_k_and_cosine_works():
    x = _data(seed=1)
    q = _data(200, seed=2)
    exact = ann.build("flat", x, "cosine").search(q, 10)[0]
    f = ann.build("rpforest", x, "cosine", n_trees=8, leaf_size=16)
    recalls = [ann.neighbour_recall(f.set_params(search_k=s).search(q, 10)[0], exact, 10) for s in (16, 64, 512)]
    assert recalls == sorted(recalls) and recalls[-1] > 0.9


def test_forest_incremental_add_is_searchable():
    x = _data()
    f = ann.build("rpforest", x[:1500], n_trees=4)
    new_ids = f.add(x[1500:])
    assert f.ntotal == 2000
    assert (f.search(x[1500:1520], 1)[0][:, 0] == new_ids[:20]).all()
    assert f.memory_bytes() > x.nbytes


def test_forest_handles_duplicates_and_short_lists():
    x = np.ones((100, 4), dtype="float32")  # identical points: splits fall back to halves
    f = RPForest(4, n_trees=2, leaf_size=8)
    f.add(x)
    assert (f.search(x[:1], 5)[1] >= 0).all()
    small = RPForest(4, n_trees=1, leaf_size=8)
    small.add(x[:5])
    ids = small.search(x[:1], 8)[1]
    assert (ids[0, :5] >= 0).all() and (ids[0, 5:] == -1).all()  # fewer points than k


def test_forest_errors():
    with pytest.raises(ValueError, match="n_trees must be >= 1"):
        RPForest(4, n_trees=0)
    with pytest.raises(ValueError, match="metric must be one of"):
        RPForest(4, metric="cosine")
    f = RPForest(4)
    with pytest.raises(ValueError, match="vectors must have 4 columns"):
        f.add(np.zeros((3, 5)))
    idx = ann.build("flat", _data(100))
    with pytest.raises(ValueError, match="search_k applies to rpforest"):
        idx.set_params(search_k=5)
    with pytest.raises(ValueError, match="parameter must be one of"):
        idx.set_params(nlist=5)


@pytest.mark.parametrize("kind", ["flat", "ivf", "hnsw"])
def test_sharded_index_matches_unsharded(kind):
    x = _data(3000, seed=3)
    q = x[:40] + 0.01
    params = {"nlist": 16, "nprobe": 16} if kind == "ivf" else {}
    sharded = ann.build_sharded(kind, x, n_shards=3, **params)
    assert sharded.ntotal == 3000 and len(sharded.shards) == 3
    ids, _ = sharded.search(q, 5)
    assert ann.neighbour_recall(ids, _exact(x, q, 5), 5) > 0.95
    new = sharded.add(np.full((1, 16), 9.0))
    assert new.tolist() == [3000] and sharded.search(np.full((1, 16), 9.0), 1)[0][0, 0] == 3000
    if kind == "ivf":
        sharded.set_params(nprobe=2)
        assert all(faiss.extract_index_ivf(s.index).nprobe == 2 for s in sharded.shards)
    assert sharded.memory_bytes() == sum(s.memory_bytes() for s in sharded.shards)


def test_sharded_errors():
    with pytest.raises(ValueError, match="n_shards must be <= 10"):
        ann.build_sharded("flat", _data(10), n_shards=11)
    with pytest.raises(ValueError, match="kind must be one of"):
        ann.build_sharded("annoy", _data(10), n_shards=2)


def test_small_ivf_training_does_not_warn(capfd):
    ann.build("ivf", _data(200), nlist=16)
    ann.build("ivfpq", _data(300), nlist=4, m=4, nbits=8)
    assert "WARNING" not in capfd.readouterr().err


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

    assert memory_bandwidth_gbs(4_000_000, repeats=1) > 0
    with pytest.raises(ValueError, match="n_bytes must be >= 8"):
        memory_bandwidth_gbs(4)
