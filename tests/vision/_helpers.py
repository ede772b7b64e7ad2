"""Helpers shared by the tests of ``mlsd_lib.vision``."""

import numpy as np


def _imgs(n=8, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, 28, 28)).astype(np.uint8)


def _catalogue(n=60):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, 28, 28)).astype(np.uint8)
    return images, rng.integers(0, 10, n)
