"""Unit tests of ``mlsd_lib.training.distributed``."""

from __future__ import annotations

import numpy as np

from mlsd_lib import training


def test_ddp_matches_single_process():
    X = np.random.default_rng(5).normal(size=(256, 6))
    y = (X[:, 0] > 0).astype(int)
    out = training.compare_ddp_to_single_process(X, y, world_size=2, steps=5, global_batch=32)
    assert out["max_abs_weight_diff"] < 1e-6 and out["max_abs_weight_change"] > 1e-3
