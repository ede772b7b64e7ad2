"""Unit tests of ``mlsd_lib.recsys.cold_start``."""

from __future__ import annotations

import numpy as np
import pytest


class _FakeMF:
    item_factors_ = np.eye(5)

    def fold_in(self, hist):
        return np.array([np.bincount(h, minlength=5).astype(float) for h in hist])


class _FakeTT:
    def user_embeddings(self, hist, times):
        return np.array([np.bincount(h, minlength=5)[::-1].astype(float) for h in hist])

    def item_embeddings(self):
        return np.eye(5)


def test_cold_start_lists_by_hand():
    from mlsd_lib.recsys.base import top_k
    from mlsd_lib.recsys.cold_start import cold_start_lists

    liked = [np.array([3, 1, 1]), np.array([0])]
    pop = np.array([[4, 3], [4, 3]])
    zero = cold_start_lists(_FakeMF(), _FakeTT(), liked, 0, [0.0, 0.0], None, pop, k=2)
    assert zero["MF + fold-in"] is zero["most popular"]
    one = cold_start_lists(_FakeMF(), _FakeTT(), liked, 1, [0.0, 0.0], None, pop, k=2)
    assert one["MF + fold-in"][:, 0].tolist() == [3, 0]
    want_tt = top_k(np.array([[0, 1.0, 0, 0, 0], [0, 0, 0, 0, 1.0]]), 2)
    assert np.array_equal(one["two-tower"], want_tt)
    with pytest.raises(ValueError, match="n_likes must be >= 0"):
        cold_start_lists(_FakeMF(), _FakeTT(), liked, -1, [0.0, 0.0], None, pop)
    with pytest.raises(ValueError, match="one per user"):
        cold_start_lists(_FakeMF(), _FakeTT(), liked, 1, [0.0, 0.0], None, pop[:1])
