"""Chapter 2 (ch02_visual_search): its notebook, run end to end at the small size by the six
checks of ``notebook_checks``, and the identities its text relies on.

Identities chapter 2 once asserted as evidence, and the measures its claims now rest on.

The chapter's asserts guard what the experiments measure. What holds by arithmetic or by
construction lives here instead: exact search costs N distances, exact shards merge to
exact search, recall@k cannot exceed k / (relevant items), PQ16 codes are 32x smaller than
float32 vectors, and the source's nDCG and MRR worked examples.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from chapters.notebook_checks import *  # noqa: F403  the six checks every chapter passes
from chapters.notebook_checks import chapter
from mlsd_lib import ann
from mlsd_lib.ann import clustered_vectors, distance_computations, recall_per_query
from mlsd_lib.metrics import dcg_at_k, mean_reciprocal_rank, ndcg_at_k, recall_at_k
from mlsd_lib.vision.augment import TRAIN_AUGMENT, AugmentConfig, random_augment

nb = chapter("ch02_visual_search")


def _vectors(n, d=16, seed=0):
    return np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)


def test_exact_search_cost_grows_exactly_with_the_corpus():
    # Chapter 2 once asserted growth["flat"] == 16.0: exact search scores every vector.
    x, q = _vectors(3200), _vectors(20, seed=1)
    small, large = ann.build("flat", x[:200], "cosine"), ann.build("flat", x, "cosine")
    assert distance_computations(large, q) / distance_computations(small, q) == 16.0
    assert distance_computations(large, q, per_query=True).tolist() == [3200.0] * 20


@pytest.mark.parametrize("kind", ["ivf", "hnsw"])
def test_per_query_distance_counts_average_to_the_batch_count(kind):
    x = clustered_vectors(4000, 16, n_clusters=20, spread=0.5, seed=0)
    q = clustered_vectors(30, 16, n_clusters=20, spread=0.5, seed=1)
    index = ann.build(kind, x, "cosine", seed=0)
    per = distance_computations(index, q, per_query=True)
    assert per.shape == (30,) and (per > 0).all()
    assert per.mean() == pytest.approx(distance_computations(index, q), rel=1e-9)
    assert per.mean() < 4000  # approximate search scores a fraction of the corpus


def test_sharded_exact_search_equals_unsharded_exact_search():
    # Chapter 2 once asserted this on its catalogue; it is a property of merging exact top-k lists.
    x, q = _vectors(2000, seed=2), _vectors(50, seed=3)
    exact_ids, exact_scores = ann.build("flat", x, "cosine").search(q, 10)
    sharded_ids, sharded_scores = ann.build_sharded("flat", x, n_shards=4, metric="cosine").search(q, 10)
    np.testing.assert_allclose(sharded_scores, exact_scores, rtol=1e-5, atol=1e-6)
    assert ann.neighbour_recall(sharded_ids, exact_ids, 10) == 1.0


def test_recall_at_k_is_bounded_by_k_over_the_relevant_count():
    rng = np.random.default_rng(0)
    rel = rng.integers(0, 2, size=(100, 10))
    n_rel = rng.integers(10, 1000, size=100)
    r = recall_at_k(rel, 10, n_rel)
    assert (r <= 10 / n_rel + 1e-12).all()
    assert recall_at_k(np.ones((1, 10), int), 10, [1000])[0] == pytest.approx(0.01)


def test_source_worked_examples():
    # Source ch. 2, Figs. 2.14 and 2.17-2.18; the source prints IDCG as 8.9543.
    assert round(dcg_at_k([0, 5, 1, 4, 2]), 3) == 6.151
    assert dcg_at_k([5, 4, 2, 1, 0]) == pytest.approx(5 + 4 / np.log2(3) + 1 + 1 / np.log2(5))
    assert round(dcg_at_k([5, 4, 2, 1, 0]), 6) == 8.954396
    assert round(ndcg_at_k([0, 5, 1, 4, 2]), 4) == 0.6869
    assert mean_reciprocal_rank([[0, 1, 1, 1, 0]]) == mean_reciprocal_rank([[0, 1, 0, 0, 0]]) == 0.5


def test_pq16_memory_is_an_order_of_magnitude_below_float32():
    # Each vector added costs 512 bytes flat, 16 bytes of codes + an 8-byte id with PQ16; the
    # fixed part (codebooks, IVF centroids) is what the chapter's measured ratio adds to that.
    x = clustered_vectors(20_000, 128, n_clusters=50, spread=0.5, seed=0)
    flat, ivfpq = ann.build("flat", x[:10_000], "cosine"), ann.build("ivfpq", x[:10_000], "cosine", m=16, seed=0)
    before = flat.memory_bytes(), ivfpq.memory_bytes()
    flat.add(x[10_000:])
    ivfpq.add(x[10_000:])
    per_flat = (flat.memory_bytes() - before[0]) / 10_000
    per_pq = (ivfpq.memory_bytes() - before[1]) / 10_000
    assert per_flat == pytest.approx(512, abs=1) and per_pq == pytest.approx(24, abs=1)
    assert per_flat / per_pq > 10


def test_recall_per_query_averages_to_recall_at_k():
    rng = np.random.default_rng(0)
    exact = np.argsort(rng.random((40, 50)), axis=1)[:, :10]
    approx = np.where(rng.random((40, 10)) < 0.7, exact, 100 + np.arange(10))
    per = recall_per_query(approx, exact, 10)
    assert per.mean() == pytest.approx(ann.neighbour_recall(approx, exact, 10))
    assert ((per >= 0) & (per <= 1)).all()
    with pytest.raises(ValueError, match="one row per query"):
        recall_per_query(approx[:3], exact, 10)
    with pytest.raises(ValueError, match="exceeds"):
        recall_per_query(approx, exact, 11)


def _product(n=6):
    """Dark background, a bright 'product' filling the central 20x20 pixels."""
    x = np.zeros((n, 28, 28), np.uint8)
    x[:, 4:24, 4:24] = 200
    return x


def test_view_coverage_does_not_change_the_views():
    g1, g2 = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    plain = random_augment(_product(), TRAIN_AUGMENT, generator=g1)
    views, coverage = random_augment(_product(), TRAIN_AUGMENT, generator=g2, return_coverage=True)
    assert torch.equal(plain, views)
    assert coverage.shape == (6,) and ((coverage >= 0) & (coverage <= 1)).all()


def test_view_coverage_matches_the_share_of_the_product_inside_the_crop():
    identity = AugmentConfig(min_zoom=1.0, max_shift=0.0, max_rotation=0.0, flip=0.0, brightness=0.0, contrast=0.0)
    _, cov = random_augment(_product(), identity, generator=torch.Generator().manual_seed(0), return_coverage=True)
    np.testing.assert_allclose(cov, 1.0, atol=1e-6)
    # A product filling the whole frame: every crop lies inside it, so the share kept is the
    # crop's area, zoom ** 2, with zoom drawn uniformly from [min_zoom, 1].
    frame = np.full((400, 28, 28), 200, np.uint8)
    half = AugmentConfig(min_zoom=0.5, max_shift=0.0, max_rotation=0.0, flip=0.0, brightness=0.0, contrast=0.0)
    _, cov = random_augment(frame, half, generator=torch.Generator().manual_seed(0), return_coverage=True)
    zoom = np.sqrt(cov)
    assert zoom.min() >= 0.5 - 1e-3 and zoom.max() <= 1 + 1e-6
    assert zoom.mean() == pytest.approx(0.75, abs=0.02) and zoom.std() == pytest.approx(0.5 / np.sqrt(12), abs=0.02)


def test_relative_contrast_of_uniform_points_falls_with_dimension():
    # C2.2 is an identity: for i.i.d. coordinates (farthest - nearest) / nearest tends to 0 as d
    # grows (Beyer et al., 1999). Uniform random points meet the condition by construction.
    from mlsd_lib.visual_search import relative_contrast

    dims = [2, 16, 128, 1024]
    for seed in (0, 1, 2):
        rc = relative_contrast(dims, n_points=500, n_queries=50, seed=seed)
        assert (np.diff(rc) < 0).all(), rc
        assert rc[0] > 10 * rc[-1], rc   # more than a tenfold fall from d = 2 to d = 1,024


def test_ivf_cost_exponent_is_one_half_by_its_cell_schedule():
    # C2.5 judges only HNSW's cost: with nlist = 4 sqrt(N) cells of about sqrt(N) / 4 vectors and
    # nprobe fixed, IVF scores nlist + nprobe * N / nlist = (4 + nprobe / 4) sqrt(N) distances.
    x = clustered_vectors(16_000, 16, n_clusters=40, spread=0.5, seed=0)
    q = clustered_vectors(100, 16, n_clusters=40, spread=0.5, seed=1)
    small, large = (ann.build("ivf", x[:n], "cosine", nprobe=8, seed=0) for n in (1_000, 16_000))
    ratio = distance_computations(large, q) / distance_computations(small, q)
    exponent = np.log(ratio) / np.log(16)
    assert exponent == pytest.approx(0.5, abs=0.1), exponent
    expected = (4 + 8 / 4) * np.sqrt(16_000)
    assert distance_computations(large, q) == pytest.approx(expected, rel=0.35)


def test_recall_gap_is_the_precision_gap_shrunk_by_k_over_relevant():
    # C2.4 is an identity: per query recall@k = hits / R and precision@k = hits / k, so
    # recall@k = precision@k * k / R. It cannot exceed k / R, and any gap between two engines
    # shrinks by k / R: with R in the hundreds, recall@10 cannot show what precision@10 shows.
    from mlsd_lib.visual_search import per_query_retrieval

    rng = np.random.default_rng(0)
    cat_y = rng.integers(0, 10, 5000)
    q_ids = np.arange(0, 5000, 25)
    ranked = {name: np.array([rng.choice(np.flatnonzero((cat_y == cat_y[q]) if rng.random() < p else (cat_y != cat_y[q])),
                                         10, replace=False) for q in q_ids])
              for name, p in (("good", 0.9), ("poor", 0.2))}
    per = {name: per_query_retrieval(ids, cat_y[q_ids], cat_y, k=10, exclude=q_ids) for name, ids in ranked.items()}
    n_rel = np.array([(cat_y == cat_y[q]).sum() - 1 for q in q_ids])
    for p in per.values():
        np.testing.assert_allclose(p["recall@10"], p["precision@10"] * 10 / n_rel)
        assert (p["recall@10"] <= 10 / n_rel + 1e-12).all()
    precision_gap = per["good"]["precision@10"] - per["poor"]["precision@10"]
    recall_gap = per["good"]["recall@10"] - per["poor"]["recall@10"]
    np.testing.assert_allclose(recall_gap, precision_gap * 10 / n_rel)
    assert precision_gap.mean() > 0.5 and abs(recall_gap.mean()) < 0.02   # a plain gap, unreadable in recall
