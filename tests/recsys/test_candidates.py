"""Unit tests of ``mlsd_lib.recsys.candidates``."""

from __future__ import annotations

import numpy as np
import pytest

from mlsd_lib.recsys import candidates as cg


def test_embedding_generator_flat_matches_brute_force():
    rng = np.random.default_rng(0)
    V = rng.normal(size=(200, 8)).astype(np.float32)
    q = rng.normal(size=8).astype(np.float32)
    got = cg.EmbeddingGenerator(V, kind="flat").generate(cg.Request(q), k=10)
    assert got.tolist() == np.argsort(-(V @ q))[:10].tolist()


def test_trending_counts_only_the_window_before_the_request():
    items = [0, 0, 0, 1, 1, 2]
    days = np.array([1, 2, 3, 9, 9.5, 11]) * 86400   # item 2 is in the future
    got = cg.TrendingGenerator(items, days, window_days=5).generate(cg.Request(np.zeros(1), time=10 * 86400), k=3)
    assert got.tolist() == [1]


def test_same_genre_and_merge():
    G = np.array([[1, 0], [1, 0], [0, 1], [0, 1]])
    g = cg.SameGenreGenerator(G, counts=[3, 1, 2, 9])
    assert g.generate(cg.Request(np.zeros(1), history=np.array([0, 1])), k=5).tolist() == [0, 1]
    assert g.generate(cg.Request(np.zeros(1)), k=5).tolist() == []
    ids, src = cg.merge_candidates({"a": [1, 2], "b": [2, 3], "c": [4]}, exclude=[4])
    assert ids.tolist() == [1, 2, 3] and src.tolist() == ["a", "a", "b"]


def test_generator_errors():
    with pytest.raises(ValueError, match="same length"):
        cg.TrendingGenerator([0, 1], [0.0])
    with pytest.raises(ValueError, match="window_days must be > 0"):
        cg.TrendingGenerator([0], [0.0], window_days=0)
    with pytest.raises(ValueError, match="one entry per row of genres"):
        cg.SameGenreGenerator(np.eye(2), counts=[1])
    with pytest.raises(ValueError, match="non-empty dict"):
        cg.merge_candidates({})
    with pytest.raises(ValueError, match="k must be >= 1"):
        cg.PopularGenerator([1, 2]).generate(cg.Request(np.zeros(1)), k=0)
