"""Unit tests of ``mlsd_lib.recsys.simulation``."""

from __future__ import annotations

import numpy as np
import pytest

from mlsd_lib.recsys.simulation import simulate_online


def test_simulation_expectations():
    rng_rec = np.tile(np.arange(10), (4000, 1))
    rel = [{0, 1}] * 4000
    out = simulate_online(rng_rec, rel, [{0}] * 4000, np.full(10, 100.0), position_decay=1.0, seed=0)
    # expected CTR: (2 * 0.5 + 8 * 0.05) / 10 = 0.14
    assert out["ctr"] == pytest.approx(0.14, abs=0.005)
    assert out["likes_per_user"] == pytest.approx(0.5 * 0.7, abs=0.03)
    with pytest.raises(ValueError, match="one set per row"):
        simulate_online([[0]], [], [], [1.0])
    with pytest.raises(ValueError, match="p_click_relevant must be <= 1"):
        simulate_online([[0]], [set()], [set()], [1.0], p_click_relevant=2)
