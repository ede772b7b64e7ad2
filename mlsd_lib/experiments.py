"""Testing in production (source ch. 1, "Test in production"): A/B tests with a power
calculation, and shadow / canary traffic splits.

Introduced in chapter 1, "Evaluation: online evaluation".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from mlsd_lib._validation import check_choice, check_float, check_int, check_random_state


def sample_size_two_proportions(p_control: float, p_treatment: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """Users per arm for a two-sided two-proportion z-test to detect ``p_control → p_treatment``.

    n = (z_{1-α/2} √(2 p̄ q̄) + z_{power} √(p₁q₁ + p₂q₂))² / (p₂ − p₁)²

    Examples
    --------
    >>> sample_size_two_proportions(0.10, 0.11)
    14751
    """
    p1 = check_float(p_control, "p_control", low=0, high=1, low_open=True, high_open=True)
    p2 = check_float(p_treatment, "p_treatment", low=0, high=1, low_open=True, high_open=True)
    if p1 == p2:
        raise ValueError("p_control and p_treatment are equal: no lift to detect")
    alpha = check_float(alpha, "alpha", low=0, high=1, low_open=True, high_open=True)
    power = check_float(power, "power", low=0, high=1, low_open=True, high_open=True)
    z_a, z_b = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)
    p_bar = (p1 + p2) / 2
    num = (z_a * np.sqrt(2 * p_bar * (1 - p_bar)) + z_b * np.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2
    return int(np.ceil(num / (p2 - p1) ** 2))


def two_proportion_z_test(conv_a: int, n_a: int, conv_b: int, n_b: int) -> tuple[float, float]:
    """Pooled two-proportion z statistic and two-sided p-value for B versus A.

    Examples
    --------
    >>> z, p = two_proportion_z_test(100, 1000, 130, 1000)
    >>> round(z, 3), round(p, 4)
    (2.103, 0.0355)
    """
    n_a, n_b = check_int(n_a, "n_a", low=1), check_int(n_b, "n_b", low=1)
    conv_a = check_int(conv_a, "conv_a", low=0, high=n_a)
    conv_b = check_int(conv_b, "conv_b", low=0, high=n_b)
    pa, pb = conv_a / n_a, conv_b / n_b
    pooled = (conv_a + conv_b) / (n_a + n_b)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    if se == 0:
        return 0.0, 1.0
    z = (pb - pa) / se
    return float(z), float(2 * stats.norm.sf(abs(z)))


@dataclass(frozen=True)
class ABTestResult:
    """Outcome of one simulated A/B test."""

    n_per_arm: int
    rate_control: float
    rate_treatment: float
    lift: float
    ci_low: float
    ci_high: float
    p_value: float
    significant: bool


def simulate_ab_test(p_control: float, p_treatment: float, n_per_arm: int, alpha: float = 0.05,
                     seed: int | np.random.Generator | None = None) -> ABTestResult:
    """Run one A/B test on simulated users with a *planted* true lift.

    Each arm's users convert independently with its true rate; the test reports the
    observed lift, its 95% (Wald) interval and the z-test's p-value.

    Examples
    --------
    >>> simulate_ab_test(0.10, 0.12, 20_000, seed=0).significant
    True
    """
    p1 = check_float(p_control, "p_control", low=0, high=1)
    p2 = check_float(p_treatment, "p_treatment", low=0, high=1)
    n = check_int(n_per_arm, "n_per_arm", low=1)
    alpha = check_float(alpha, "alpha", low=0, high=1, low_open=True, high_open=True)
    rng = check_random_state(seed)
    ca, cb = int(rng.binomial(n, p1)), int(rng.binomial(n, p2))
    _, p = two_proportion_z_test(ca, n, cb, n)
    ra, rb = ca / n, cb / n
    se = np.sqrt(ra * (1 - ra) / n + rb * (1 - rb) / n)
    z = stats.norm.ppf(1 - alpha / 2)
    return ABTestResult(n, ra, rb, rb - ra, rb - ra - z * se, rb - ra + z * se, p, bool(p < alpha))


def detection_rate(p_control: float, p_treatment: float, n_per_arm: int, n_experiments: int = 1000,
                   alpha: float = 0.05, seed: int | np.random.Generator | None = None) -> float:
    """Fraction of ``n_experiments`` simulated A/B tests that declare a significant lift.

    With a real lift this is the test's empirical power; with none, its false-positive rate.

    Examples
    --------
    >>> 0.0 <= detection_rate(0.1, 0.1, 1000, 200, seed=0) <= 0.1
    True
    """
    return float(np.mean(simulate_detections(p_control, p_treatment, n_per_arm, n_experiments, alpha, seed)))


def simulate_detections(p_control: float, p_treatment: float, n_per_arm: int, n_experiments: int = 1000,
                        alpha: float = 0.05, seed: int | np.random.Generator | None = None) -> np.ndarray:
    """Outcome of each of ``n_experiments`` simulated A/B tests: ``True`` where it was significant.

    Power is a rate, so it is estimated from many simulated tests; one boolean per test lets
    the caller put an interval on that rate (a bootstrap over tests, or a binomial interval).

    Examples
    --------
    >>> hits = simulate_detections(0.10, 0.12, 20_000, 50, seed=0)
    >>> hits.shape, bool(hits.mean() > 0.9)
    ((50,), True)
    """
    p1 = check_float(p_control, "p_control", low=0, high=1)
    p2 = check_float(p_treatment, "p_treatment", low=0, high=1)
    n = check_int(n_per_arm, "n_per_arm", low=1)
    m = check_int(n_experiments, "n_experiments", low=1)
    alpha = check_float(alpha, "alpha", low=0, high=1, low_open=True, high_open=True)
    rng = check_random_state(seed)
    ca, cb = rng.binomial(n, p1, size=m), rng.binomial(n, p2, size=m)
    pooled = (ca + cb) / (2 * n)
    se = np.sqrt(pooled * (1 - pooled) * 2 / n)
    z = np.divide(cb - ca, n * se, out=np.zeros(m), where=se > 0)
    return 2 * stats.norm.sf(np.abs(z)) < alpha


def analytic_power(p_control: float, p_treatment: float, n_per_arm: int, alpha: float = 0.05) -> float:
    """Power of the two-sided two-proportion z-test (normal approximation).

    Examples
    --------
    >>> round(analytic_power(0.10, 0.11, 14751), 2)
    0.8
    """
    p1 = check_float(p_control, "p_control", low=0, high=1, low_open=True, high_open=True)
    p2 = check_float(p_treatment, "p_treatment", low=0, high=1, low_open=True, high_open=True)
    n = check_int(n_per_arm, "n_per_arm", low=1)
    z_a = stats.norm.ppf(1 - check_float(alpha, "alpha", low=0, high=1, low_open=True, high_open=True) / 2)
    p_bar = (p1 + p2) / 2
    se0 = np.sqrt(2 * p_bar * (1 - p_bar) / n)
    se1 = np.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / n)
    d = abs(p2 - p1)
    return float(stats.norm.sf((z_a * se0 - d) / se1) + stats.norm.cdf((-z_a * se0 - d) / se1))


@dataclass(frozen=True)
class RolloutResult:
    """What users experienced during a rollout of a new model."""

    strategy: str
    requests: int
    served_by_new: int
    predictions_computed: int
    bad_answers_served: int
    new_model_error_rate_estimate: float


def simulate_rollout(strategy: str, n_requests: int, new_error_rate: float, old_error_rate: float,
                     fraction: float = 0.05, seed: int | np.random.Generator | None = None) -> RolloutResult:
    """Route simulated traffic for a ``"shadow"``, ``"canary"`` or ``"ab"`` rollout.

    Shadow: both models score every request, only the old one's answer is served (double the
    compute, no user sees the new model). Canary / A/B: a random ``fraction`` of requests is
    served by the new model (canary: small, to limit the damage of a bad model). Returns what
    was served and what the team learns about the new model's error rate; that estimate is
    NaN when no request reached the new model (a canary or A/B test with ``fraction`` 0, or
    too few requests), because nothing was observed.
    """
    check_choice(strategy, "strategy", ("shadow", "canary", "ab"))
    n = check_int(n_requests, "n_requests", low=1)
    new_e = check_float(new_error_rate, "new_error_rate", low=0, high=1)
    old_e = check_float(old_error_rate, "old_error_rate", low=0, high=1)
    fraction = check_float(fraction, "fraction", low=0, high=1)
    rng = check_random_state(seed)
    old_wrong = rng.random(n) < old_e
    new_wrong = rng.random(n) < new_e
    if strategy == "shadow":
        to_new = np.zeros(n, dtype=bool)
        computed = 2 * n
        observed = new_wrong  # logged, never served
    else:
        to_new = rng.random(n) < fraction
        computed = n
        observed = new_wrong[to_new]
    served_wrong = np.where(to_new, new_wrong, old_wrong)
    est = float(observed.mean()) if observed.size else float("nan")
    return RolloutResult(strategy, n, int(to_new.sum()), computed, int(served_wrong.sum()), est)
