"""Unit tests of ``mlsd_lib.metrics.regression``."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.metrics as skm

from mlsd_lib import metrics


def test_regression_metrics_match_sklearn():
    rng = np.random.default_rng(0)
    t, p = rng.normal(size=50), rng.normal(size=50)
    assert metrics.mean_squared_error(t, p) == pytest.approx(skm.mean_squared_error(t, p))
    assert metrics.mean_absolute_error(t, p) == pytest.approx(skm.mean_absolute_error(t, p))
    assert metrics.root_mean_squared_error(t, p) == pytest.approx(skm.root_mean_squared_error(t, p))
