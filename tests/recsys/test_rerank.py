"""Unit tests of ``mlsd_lib.recsys.rerank``."""

from __future__ import annotations

import numpy as np
import pytest

from mlsd_lib.recsys.rerank import dedupe, filter_blocked, freshness_boost, mmr


def _mmr_reference(c, s, V, k, lam):
    U = V / np.linalg.norm(V, axis=1, keepdims=True)
    rel = (s - s.min()) / (s.max() - s.min())
    chosen = []
    while len(chosen) < k:
        best, best_val = None, -np.inf
        for j in range(len(c)):
            if j in chosen:
                continue
            div = max((U[j] @ U[i] for i in chosen), default=0.0)
            val = lam * rel[j] - (1 - lam) * div
            if val > best_val:
                best, best_val = j, val
        chosen.append(best)
    return [c[j] for j in chosen]


@pytest.mark.parametrize("lam", [1.0, 0.7, 0.3, 0.0])
def test_mmr_matches_loop(lam):
    rng = np.random.default_rng(1)
    V = rng.normal(size=(25, 4))
    s = rng.normal(size=25)
    c = np.arange(100, 125)
    assert mmr(c, s, np.vstack([np.zeros((100, 4)), V]), 8, lam).tolist() == _mmr_reference(c, s, V, 8, lam)


def test_filters():
    assert dedupe([2, 0, 1], np.array([[1, 0], [0, 1], [1, 0.001]])).tolist() == [True, False, True]
    np.testing.assert_allclose(freshness_boost([0, 0], [0, 10], weight=1, half_life=10), [1, 0.5])
    assert filter_blocked([1, 0], [True, False]).tolist() == [True, False]


def test_rerank_errors():
    with pytest.raises(ValueError, match="lam must be <= 1"):
        mmr([0], [1.0], np.eye(1), 1, lam=2)
    with pytest.raises(ValueError, match="same length"):
        mmr([0, 1], [1.0], np.eye(2), 1)
    with pytest.raises(ValueError, match="half_life must be > 0"):
        freshness_boost([1.0], [1.0], half_life=0)
    with pytest.raises(ValueError, match="threshold must be <= 1"):
        dedupe([0], np.eye(1), threshold=2)
