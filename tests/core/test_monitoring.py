"""Monitoring: drift statistics against SciPy, and the drift monitor."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st

from mlsd_lib import monitoring


def test_psi_and_ks_against_references():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=3000), rng.normal(0.3, 1.2, size=2000)
    d, p = monitoring.ks_statistic(a, b)
    ref = st.ks_2samp(a, b)
    assert d == pytest.approx(ref.statistic) and p == pytest.approx(ref.pvalue)
    # PSI by brute force with the same decile edges.
    edges = np.quantile(a, np.linspace(0, 1, 11))
    e = np.histogram(np.clip(a, edges[0], edges[-1]), edges)[0] / len(a)
    f = np.histogram(np.clip(b, edges[0], edges[-1]), edges)[0] / len(b)
    assert monitoring.population_stability_index(a, b) == pytest.approx(np.sum((f - e) * np.log(f / e)), rel=0.02)
    assert monitoring.population_stability_index(a, a) == pytest.approx(0.0, abs=1e-12)


def test_drift_monitor_alerts_only_on_the_shifted_feature():
    rng = np.random.default_rng(1)
    ref = pd.DataFrame({"a": rng.normal(size=2000), "b": rng.lognormal(size=2000)})
    mon = monitoring.DriftMonitor().fit(ref)
    same = pd.DataFrame({"a": rng.normal(size=1000), "b": rng.lognormal(size=1000)})
    assert not mon.check(same).alert
    shifted = monitoring.shift_features(same, scale={"b": 0.25})
    report = mon.check(shifted)
    assert report.alert and report.drifted == ["b"]


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: monitoring.population_stability_index([1.0] * 10, [1.0]), ValueError, "too few distinct"),
        (lambda: monitoring.DriftMonitor().check(pd.DataFrame({"a": [1.0]})), ValueError, "not fitted"),
        (lambda: monitoring.DriftMonitor().fit(pd.DataFrame({"a": ["x"]})), TypeError, "numeric features"),
        (lambda: monitoring.DriftMonitor(alpha=1.5), ValueError, "alpha must be < 1"),
        (lambda: monitoring.shift_features(pd.DataFrame({"a": [1.0]}), scale={"b": 2}), ValueError, "not in df"),
        (lambda: monitoring.sliding_windows(5, 6), ValueError, "window must be <= 5"),
    ],
)
def test_monitoring_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
