"""Online experiments: sample sizes, the z-test against the chi-square test, rollouts."""

from __future__ import annotations

import pytest
import scipy.stats as st

from mlsd_lib import experiments


def test_sample_size_and_power_are_consistent():
    n = experiments.sample_size_two_proportions(0.2, 0.25)
    assert experiments.analytic_power(0.2, 0.25, n) == pytest.approx(0.8, abs=0.01)
    assert experiments.detection_rate(0.2, 0.25, n, 3000, seed=0) == pytest.approx(0.8, abs=0.04)
    assert experiments.detection_rate(0.2, 0.2, n, 3000, seed=1) == pytest.approx(0.05, abs=0.015)


def test_z_test_matches_chi_square_without_correction():
    z, p = experiments.two_proportion_z_test(120, 1000, 150, 1000)
    chi2, p_ref, _, _ = st.chi2_contingency([[120, 880], [150, 850]], correction=False)
    assert z**2 == pytest.approx(chi2) and p == pytest.approx(p_ref)


def test_rollout_strategies():
    shadow = experiments.simulate_rollout("shadow", 10_000, 0.3, 0.2, seed=0)
    canary = experiments.simulate_rollout("canary", 10_000, 0.3, 0.2, fraction=0.05, seed=0)
    assert shadow.served_by_new == 0 and shadow.predictions_computed == 20_000
    assert 400 < canary.served_by_new < 600 and canary.predictions_computed == 10_000


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: experiments.sample_size_two_proportions(0.1, 0.1), ValueError, "no lift"),
        (lambda: experiments.sample_size_two_proportions(0.1, 1.2), ValueError, "p_treatment must be < 1"),
        (lambda: experiments.two_proportion_z_test(11, 10, 1, 10), ValueError, "conv_a must be <= 10"),
        (lambda: experiments.simulate_rollout("blue-green", 10, 0.1, 0.1), ValueError, "strategy must be one of"),
    ],
)
def test_experiments_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
