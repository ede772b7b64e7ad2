"""Helpers shared by the tests of ``mlsd_lib.visual_search``."""

import numpy as np

RNG = np.random.default_rng(0)


A, B = RNG.normal(size=(5, 7)), RNG.normal(size=(9, 7))
