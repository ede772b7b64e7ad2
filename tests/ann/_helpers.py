"""Helpers shared by the tests of ``mlsd_lib.ann``."""

import numpy as np


def _data(n=2000, d=16, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(20, d))
    return (centres[rng.integers(0, 20, n)] + 0.3 * rng.normal(size=(n, d))).astype("float32")
