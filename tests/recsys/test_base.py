"""Unit tests of ``mlsd_lib.recsys.base``."""

from __future__ import annotations

import numpy as np

from mlsd_lib.recsys.base import top_k

from ._helpers import _random_R


def test_top_k_matches_sort_and_excludes():
    rng = np.random.default_rng(3)
    S = rng.normal(size=(5, 20))
    ex = _random_R(6, 5, 20, 0.3)
    got = top_k(S, 4, ex)
    for i in range(5):
        s = S[i].copy()
        s[ex[i].indices] = -np.inf
        assert got[i].tolist() == np.argsort(-s)[:4].tolist()
