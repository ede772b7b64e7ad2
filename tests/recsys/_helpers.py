"""Helpers shared by the tests of ``mlsd_lib.recsys``."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def _R(seed=0, m=30, n=40, density=0.15):
    return sp.random(m, n, density=density, random_state=seed, format="csr", data_rvs=lambda s: np.ones(s))


def _random_R(seed=0, m=12, n=15, density=0.3):
    return sp.random(m, n, density=density, random_state=seed, format="csr", data_rvs=lambda s: np.ones(s))
