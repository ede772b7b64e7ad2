"""Unit tests of ``mlsd_lib.ann.measure``."""

import faiss
import numpy as np
import pytest
from sklearn.metrics.pairwise import euclidean_distances

from mlsd_lib import ann
from mlsd_lib.ann import (
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
