"""Monitoring a deployed model (source ch. 1, "Monitoring"): drift statistics, a drift
monitor over input features, and a planted-shift generator for experiments.

Introduced in chapter 1, "Monitoring and talking points".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_float, check_int, check_random_state


def population_stability_index(expected: ArrayLike, actual: ArrayLike, bins: int = 10, eps: float = 1e-4) -> float:
    """PSI = Σ (a_i − e_i) · ln(a_i / e_i) over bins cut at the reference's quantiles.

    Rules of thumb from credit scoring: < 0.1 stable, 0.1–0.25 moderate shift, > 0.25 large.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> ref = rng.normal(size=5000)
    >>> population_stability_index(ref, rng.normal(size=5000)) < 0.02
    True
    >>> population_stability_index(ref, rng.normal(1.0, size=5000)) > 0.25
    True
    """
    e = as_array(expected, "expected", ndim=1)
    a = as_array(actual, "actual", ndim=1)
    bins = check_int(bins, "bins", low=2)
    # eps stands in for an empty bin's share; it must be a small positive fraction.
    eps = check_float(eps, "eps", low=0.0, high=1.0 / bins, low_open=True)
    edges = np.unique(np.quantile(e, np.linspace(0, 1, bins + 1)))
    if len(edges) < 3:
        raise ValueError("expected has too few distinct values to form bins; use a categorical check")
    inner = edges[1:-1]
    e_frac = np.bincount(np.searchsorted(inner, e, side="right"), minlength=len(inner) + 1) / len(e)
    a_frac = np.bincount(np.searchsorted(inner, a, side="right"), minlength=len(inner) + 1) / len(a)
    e_frac, a_frac = np.clip(e_frac, eps, None), np.clip(a_frac, eps, None)
    return float(np.sum((a_frac - e_frac) * np.log(a_frac / e_frac)))


def ks_statistic(expected: ArrayLike, actual: ArrayLike) -> tuple[float, float]:
    """Two-sample Kolmogorov–Smirnov statistic (max gap between the two ECDFs) and p-value.

    Examples
    --------
    >>> ks_statistic([1, 2, 3, 4], [1, 2, 3, 4])[0]
    0.0
    """
    from scipy import stats

    result = stats.ks_2samp(as_array(expected, "expected", ndim=1), as_array(actual, "actual", ndim=1))
    return float(result.statistic), float(result.pvalue)


@dataclass
class DriftReport:
    """Per-feature drift statistics of one batch and whether the monitor alerts."""

    table: pd.DataFrame
    alert: bool

    @property
    def drifted(self) -> list[str]:
        return self.table.index[self.table["drift"]].tolist()


class DriftMonitor:
    """Watches input features for distribution shift against a reference window.

    A feature drifts when its PSI exceeds ``psi_threshold`` *and* its KS test rejects at
    level ``alpha`` after a Bonferroni correction over features. Requiring both keeps the
    monitor quiet on large batches where KS flags trivial differences.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> ref = pd.DataFrame({"x": rng.normal(size=2000)})
    >>> mon = DriftMonitor().fit(ref)
    >>> mon.check(pd.DataFrame({"x": rng.normal(size=2000)})).alert
    False
    >>> mon.check(pd.DataFrame({"x": rng.normal(2, size=2000)})).alert
    True
    """

    def __init__(self, psi_threshold: float = 0.2, alpha: float = 0.01, bins: int = 10) -> None:
        self.psi_threshold = check_float(psi_threshold, "psi_threshold", low=0, low_open=True)
        self.alpha = check_float(alpha, "alpha", low=0, high=1, low_open=True, high_open=True)
        self.bins = check_int(bins, "bins", low=2)
        self.reference_: pd.DataFrame | None = None

    def fit(self, reference: pd.DataFrame) -> DriftMonitor:
        if not isinstance(reference, pd.DataFrame) or reference.empty:
            raise ValueError("reference must be a non-empty DataFrame of numeric features")
        non_numeric = [c for c in reference.columns if not pd.api.types.is_numeric_dtype(reference[c])]
        if non_numeric:
            raise TypeError(f"reference: DriftMonitor watches numeric features; encode or drop {non_numeric}")
        # Missing values are skipped when comparing (see check), but a feature needs some values.
        empty = [c for c in reference.columns if reference[c].notna().sum() == 0]
        if empty:
            raise ValueError(f"reference has no observed values in {empty}; drop those columns")
        infinite = [c for c in reference.columns if np.isinf(reference[c].to_numpy(float)).any()]
        if infinite:
            raise ValueError(f"reference contains inf in {infinite}; clip or drop infinite values first")
        # check() bins each feature at the reference's quantiles: refuse now what it cannot bin later
        for c in reference.columns:
            x = reference[c].dropna().to_numpy(float)
            if len(np.unique(np.quantile(x, np.linspace(0, 1, self.bins + 1)))) < 3:
                raise ValueError(f"reference[{c!r}] has too few distinct values to form bins; "
                                 "watch it with a categorical check instead")
        self.reference_ = reference.copy()
        return self

    def check(self, batch: pd.DataFrame) -> DriftReport:
        if self.reference_ is None:
            raise ValueError("DriftMonitor is not fitted; call fit(reference) first")
        if not isinstance(batch, pd.DataFrame) or batch.empty:
            raise ValueError("batch must be a non-empty DataFrame")
        missing = [c for c in self.reference_.columns if c not in batch.columns]
        if missing:
            raise ValueError(f"batch lacks monitored features {missing}")
        level = self.alpha / len(self.reference_.columns)
        rows = []
        for col in self.reference_.columns:
            ref, cur = self.reference_[col].dropna().to_numpy(float), batch[col].dropna().to_numpy(float)
            psi = population_stability_index(ref, cur, self.bins)
            d, p = ks_statistic(ref, cur)
            rows.append({"feature": col, "psi": psi, "ks_d": d, "ks_p": p,
                         "drift": bool(psi > self.psi_threshold and p < level)})
        table = pd.DataFrame(rows).set_index("feature")
        return DriftReport(table, bool(table["drift"].any()))


def shift_features(
    df: pd.DataFrame, scale: dict[str, float] | None = None, shift: dict[str, float] | None = None,
    noise: float = 0.0, seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Planted covariate shift: multiply and/or offset chosen columns (labels untouched).

    ``scale={"Income": 0.25}`` mimics an upstream change of unit (monthly → weekly);
    ``noise`` adds relative Gaussian noise to the shifted columns.

    Examples
    --------
    >>> shift_features(pd.DataFrame({"a": [1.0, 2.0]}), scale={"a": 2.0})["a"].tolist()
    [2.0, 4.0]
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    if df.empty:
        raise ValueError("df is empty; pass at least one row")
    for name, value in (("scale", scale), ("shift", shift)):
        if value is not None and not isinstance(value, dict):
            raise TypeError(f"{name} must be a dict of column -> number, got {type(value).__name__}")
    scale, shift = dict(scale or {}), dict(shift or {})
    unknown = [c for c in [*scale, *shift] if c not in df.columns]
    if unknown:
        raise ValueError(f"columns to shift are not in df: {unknown}")
    noise = check_float(noise, "noise", low=0)
    rng = check_random_state(seed)
    out = df.copy()
    for col in sorted(set(scale) | set(shift)):
        vals = out[col].astype(float) * check_float(scale.get(col, 1.0), f"scale[{col}]") + check_float(
            shift.get(col, 0.0), f"shift[{col}]")
        if noise:
            vals = vals * (1 + noise * rng.standard_normal(len(vals)))
        out[col] = vals
    return out


def sliding_windows(n: int, window: int, step: int | None = None) -> list[slice]:
    """Slices of ``window`` consecutive rows every ``step`` rows (default: non-overlapping).

    Examples
    --------
    >>> sliding_windows(10, 4)
    [slice(0, 4, None), slice(4, 8, None)]
    """
    n = check_int(n, "n", low=1)
    window = check_int(window, "window", low=1, high=n)
    step = check_int(step if step is not None else window, "step", low=1)
    return [slice(s, s + window) for s in range(0, n - window + 1, step)]

