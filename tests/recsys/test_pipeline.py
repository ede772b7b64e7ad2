"""Unit tests of ``mlsd_lib.recsys.pipeline``."""

from __future__ import annotations

import numpy as np
import pytest

from mlsd_lib.recsys import candidates as cg
from mlsd_lib.recsys.pipeline import RecommendationPipeline, recommend_many
from mlsd_lib.serving import latency_percentiles, latency_samples


def _toy_pipeline(**kw):
    V = np.eye(6, dtype=np.float32)
    gens = {"ann": (cg.EmbeddingGenerator(V, kind="flat"), 3), "popular": (cg.PopularGenerator([0, 0, 0, 0, 5, 9]), 2)}
    return RecommendationPipeline(gens, lambda r, c: (V[c] @ r.user_vector).astype(float) + 0.01 * c, V, k=3, **kw)


def test_pipeline_stages_sources_and_region():
    p = _toy_pipeline()
    req = cg.Request(np.array([0, 0, 1, 0.5, 0, 0], dtype=np.float32), history=np.array([2]))
    rec = p.recommend(req)
    assert 2 not in rec.items and rec.items[0] == 3
    assert set(rec.stage_ms) == {"candidates", "scoring", "re-ranking"}
    assert dict(zip(rec.items.tolist(), rec.sources.tolist(), strict=True))[5] == "popular"
    blocked = np.zeros(6, bool)
    blocked[3] = True
    p2 = _toy_pipeline(blocked={"EU": blocked})
    assert 3 not in p2.recommend(cg.Request(req.user_vector, req.history, region="EU")).items
    lists = recommend_many(p, [req, req])
    assert lists.shape == (2, 3)
    lat = latency_percentiles(latency_samples(p.recommend, [req] * 5))
    assert lat["p50_ms"] <= lat["p99_ms"] <= lat["mean_ms"] * 5 + 1e3


def test_pipeline_errors():
    with pytest.raises(ValueError, match="non-empty dict"):
        RecommendationPipeline({}, lambda r, c: c, np.eye(2))
    with pytest.raises(ValueError, match="lam must be <= 1"):
        _toy_pipeline(lam=3)
    with pytest.raises(ValueError, match="requests is empty"):
        latency_samples(lambda r: r, [])


def test_blend_scorer_matches_standardised_sum_and_embedding_scorer():
    from mlsd_lib.recsys.pipeline import BlendScorer, EmbeddingScorer

    rng = np.random.default_rng(3)
    V = rng.normal(size=(20, 4))
    req = cg.Request(rng.normal(size=4))
    cand = np.array([3, 7, 1, 12, 5])
    emb = EmbeddingScorer(V)(req, cand)
    np.testing.assert_allclose(emb, [V[c] @ req.user_vector for c in cand])
    other = lambda r, c: np.arange(len(c), dtype=float) ** 2  # noqa: E731
    got = BlendScorer([(EmbeddingScorer(V), 0.3), (other, 0.7)])(req, cand)
    z = lambda s: (s - s.mean()) / s.std()  # noqa: E731
    np.testing.assert_allclose(got, 0.3 * z(emb) + 0.7 * z(other(req, cand)))
    with pytest.raises(ValueError, match="non-empty"):
        BlendScorer([])
    with pytest.raises(ValueError, match="weight of scorer 0 must be >= 0"):
        BlendScorer([(other, -1.0)])


def test_pipeline_freshness_and_candidates():
    V = np.eye(6, dtype="float32")
    user = np.array([1.0, 0.9, 0, 0, 0, 0], dtype="float32")
    gen = {"ann": (cg.EmbeddingGenerator(V, kind="flat"), 6)}
    scorer = lambda req, c: V[c] @ req.user_vector  # noqa: E731
    years = np.array([1950.0, 2015, 2000, 2000, 2000, 2000])
    req = cg.Request(user, time=(2016 - 1970) * 31_557_600.0)
    plain = RecommendationPipeline(gen, scorer, V, k=2).recommend(req)
    assert plain.items.tolist() == [0, 1]
    assert sorted(plain.candidates.tolist()) == list(range(6))
    fresh = RecommendationPipeline(gen, scorer, V, k=2, item_years=years, freshness_weight=0.5).recommend(req)
    assert fresh.items.tolist() == [1, 0]          # the 2015 film overtakes the 1950 one
    lists, cands = recommend_many(RecommendationPipeline(gen, scorer, V, k=2), [req, req], return_candidates=True)
    assert lists.shape == (2, 2) and len(cands) == 2
    with pytest.raises(ValueError, match="freshness_weight must be >= 0"):
        RecommendationPipeline(gen, scorer, V, freshness_weight=-1)


def test_standardise_blend_and_rerank_by_loop():
    import scipy.sparse as sp

    from mlsd_lib.recsys.pipeline import blend_top_k, rerank_candidates, standardise_rows

    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(4, 9)), rng.normal(size=(4, 9)).astype(np.float32)
    Z = standardise_rows(A)
    for r in range(4):
        assert np.allclose(Z[r], (A[r] - A[r].mean()) / A[r].std())
    assert standardise_rows(B).dtype == np.float32
    ex = sp.csr_matrix(np.eye(4, 9))
    got = blend_top_k(A, B, 0.25, 3, ex)
    for r in range(4):
        s = 0.75 * standardise_rows(A)[r] + 0.25 * standardise_rows(B)[r]
        s[r] = -np.inf
        assert got[r].tolist() == np.argsort(-s, kind="stable")[:3].tolist()
    cand = np.array([[3, 1, 8, 0], [2, 2, 5, 7], [0, 1, 2, 3], [8, 7, 6, 5]])
    got = rerank_candidates(cand, A, 2)
    for r in range(4):
        assert got[r].tolist() == sorted(cand[r], key=lambda i: -A[r, i])[:2]
    with pytest.raises(ValueError, match="constant row"):
        standardise_rows(np.ones((2, 3)))
    with pytest.raises(ValueError, match="same shape"):
        blend_top_k(A, B[:2], 0.5, 3)
    with pytest.raises(ValueError, match="weight_b must be <= 1"):
        blend_top_k(A, B, 1.5, 3)
    with pytest.raises(ValueError, match="item positions"):
        rerank_candidates([[0, 99]], A[:1], 1)
    with pytest.raises(ValueError, match="one row per user"):
        rerank_candidates(cand, A[:2], 1)
    with pytest.raises(ValueError, match="k must be <= 4"):
        rerank_candidates(cand, A, 5)


class _TwoTowerStub:
    """Just the two methods ``latency_table`` calls on a trained two-tower model."""

    def item_embeddings(self, items=None):
        return np.eye(300, 8)[items] if items is not None else np.eye(300, 8)

    def user_embeddings(self, histories, times):
        return np.ones((len(histories), 8))


def test_latency_table_rows_and_errors():
    from mlsd_lib.recsys.pipeline import latency_table

    rng = np.random.default_rng(0)
    vecs = rng.normal(size=(300, 8)).astype(np.float32)
    reqs = [cg.Request(vecs[i], np.array([i]), 0.0) for i in range(4)]
    tab = latency_table(_TwoTowerStub(), reqs, vecs, np.arange(300), np.arange(300.0), rng.normal(size=(300, 4)))
    assert list(tab.index) == ["flat candidates + scoring", "ivf candidates + scoring", "score every video"]
    assert (tab["items"] == 300).all() and tab.loc["score every video", "n"] == 3
    with pytest.raises(ValueError, match="requests is empty"):
        latency_table(_TwoTowerStub(), [], vecs, np.arange(300), np.arange(300.0), vecs)
    with pytest.raises(ValueError, match="one per item"):
        latency_table(_TwoTowerStub(), reqs, vecs, np.arange(10), np.arange(300.0), vecs)


def test_latency_table_exact_scan_and_samples():
    from mlsd_lib.recsys.pipeline import latency_table

    rng = np.random.default_rng(0)
    vecs = rng.normal(size=(600, 8)).astype(np.float32)
    src = np.arange(600) % 300
    reqs = [cg.Request(vecs[i], np.array([i]), 0.0) for i in range(4)]
    tab, samples = latency_table(_TwoTowerStub(), reqs, vecs, src, np.arange(300.0), rng.normal(size=(300, 4)),
                                 exact_scan=True, rerun_requests=0, return_samples=True)
    assert list(tab.index) == ["flat candidates + scoring", "ivf candidates + scoring",
                               "exact scan, precomputed embeddings"]
    assert all(len(t) == 4 for t in samples.values()) and (tab["items"] == 600).all()
