"""Measured effects with their uncertainty: the evidence a rule is applied to.

Pick the estimator by where the variation comes from:

- :func:`effect_over_seeds`: one number per independent run (seed, simulated test, split that
  shares no test rows with another). Student-t interval.
- :func:`effect_over_splits`: one number per *repeated hold-out split* of one data set. The
  splits overlap, so their results are correlated and a plain t interval is too narrow; this
  uses the corrected resampled t of Nadeau & Bengio (2003).
- :func:`bootstrap_effect`: one fixed system judged on many independent units (users,
  queries, loans). Use it only when nothing was trained differently between the arms; when
  the arms are trained models, training variance counts too:
- :func:`bootstrap_over_seeds`: each arm retrained over at least three seeds and judged on
  many units per seed; a two-stage bootstrap resamples seeds, then units within each seed, so
  the interval covers both.
- :func:`exact_effect`: a quantity no seed can move (a count, a size in bytes).

A sample too small for an interval (fewer than two units because of the seed's draw) is not an
error: :func:`insufficient_effect` returns an effect that every rule calls inconclusive, with
the size that would decide it.

Every estimator takes ``confidence``: a claim decided under *k* conditions uses
:func:`adjusted_confidence` (Bonferroni) for each, so that "depends" is not found by chance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Effect:
    """A measured effect: its estimate, interval and the evidence behind them.

    Build one with the estimators of this module rather than by hand.

    Attributes
    ----------
    mean : the estimate (mean over seeds, or the statistic on the full sample).
    low, high : the interval at ``confidence``.
    n : independent units behind the estimate: seeds, splits, or users/queries/rows resampled.
    evidence : what ``n`` counts, e.g. ``"seeds"``, ``"users (bootstrap)"``, ``"exact"``.
    resamples : bootstrap resamples (0 for seeds and exact effects).
    confidence : the interval's coverage (0.95 unless adjusted for several conditions).
    decidable : ``False`` when the sample was too small for an interval; every rule then
        says inconclusive, and ``needed`` says how many units would be enough.
    needed : for an undecidable effect, the smallest ``n`` the estimator accepts.

    Examples
    --------
    >>> format(Effect(0.02, 0.01, 0.03, 5, "seeds"), ".2f")
    '0.02 [0.01, 0.03]'
    """

    mean: float
    low: float
    high: float
    n: int
    evidence: str
    resamples: int = 0
    confidence: float = CONFIDENCE
    decidable: bool = True
    needed: int = 0

    def __post_init__(self) -> None:
        for name in ("mean", "low", "high"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise ValueError(f"Effect.{name} must be a finite number, got {value!r}")
        if not self.low <= self.mean <= self.high:
            raise ValueError(f"Effect needs low <= mean <= high, got {self.low}, {self.mean}, {self.high}")
        if isinstance(self.n, bool) or not isinstance(self.n, int) or self.n < 0:
            raise ValueError(f"Effect.n must be a non-negative integer, got {self.n!r}")
        if not isinstance(self.evidence, str) or not self.evidence.strip():
            raise ValueError("Effect.evidence must say what n counts, e.g. 'seeds'")
        if isinstance(self.confidence, bool) or not isinstance(self.confidence, int | float) \
                or not 0.5 <= self.confidence < 1:
            raise ValueError(f"Effect.confidence must be in [0.5, 1), got {self.confidence!r}")
        if not isinstance(self.decidable, bool):
            raise TypeError(f"Effect.decidable must be True or False, got {self.decidable!r}")
        if self.decidable:
            if self.n == 0 or (self.n == 1 and self.evidence != "exact"):
                raise ValueError("an effect from one draw has no interval; use more seeds, exact_effect, "
                                 "or insufficient_effect")
        elif isinstance(self.needed, bool) or not isinstance(self.needed, int) or self.needed <= self.n:
            raise ValueError(f"an undecidable Effect must say how many units would do (needed > n), "
                             f"got needed={self.needed!r}, n={self.n}")

    def __format__(self, spec: str) -> str:
        spec = spec or ".3g"
        if not self.decidable:
            return f"{self.mean:{spec}} (n = {self.n}, too few for an interval)"
        if self.low == self.high:
            return f"{self.mean:{spec}} (exact)"
        return f"{self.mean:{spec}} [{self.low:{spec}}, {self.high:{spec}}]"

    def describe(self) -> str:
        """``"+0.006, 95% CI [+0.001, +0.011], 20 seeds"``."""
        if not self.decidable:
            return (f"{_fmt_signed(self.mean)} from {self.n:,} {self.evidence}: too few for an interval "
                    f"(at least {self.needed:,} needed)")
        if self.evidence == "exact":
            return f"{_fmt_signed(self.mean)} (exact)"
        extra = f", {self.resamples:,} resamples" if self.resamples else ""
        level = f"{100 * self.confidence:.4g}%"
        return (f"{_fmt_signed(self.mean)}, {level} CI [{_fmt_signed(self.low)}, {_fmt_signed(self.high)}], "
                f"{self.n:,} {self.evidence}{extra}")


def adjusted_confidence(k: int, confidence: float = CONFIDENCE) -> float:
    """Bonferroni: the coverage each of ``k`` conditions needs for ``confidence`` over all of them.

    Examples
    --------
    >>> round(adjusted_confidence(3), 4)
    0.9833
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be a positive integer (the number of conditions), got {k!r}")
    _check_confidence(confidence)
    return 1 - (1 - float(confidence)) / int(k)


def _check_confidence(confidence) -> float:
    if isinstance(confidence, bool) or not isinstance(confidence, int | float | np.floating) \
            or not 0.5 <= confidence < 1:
        raise ValueError(f"confidence must be a number in [0.5, 1), got {confidence!r}")
    return float(confidence)


def _as_finite_1d(values, name: str, allow_empty: bool = False) -> np.ndarray:
    if isinstance(values, str | bytes) or values is None:
        raise TypeError(f"{name} must be a sequence of numbers, got {type(values).__name__}")
    if np.iscomplexobj(values):
        raise TypeError(f"{name} must hold real numbers, got complex values")
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a sequence of numbers: {exc}") from exc
    if arr.ndim != 1 or (arr.size == 0 and not allow_empty):
        raise ValueError(f"{name} must be a non-empty 1-D sequence, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or inf; every run must produce a number")
    return arr


def _paired(values, baseline, name: str, allow_empty: bool = False) -> np.ndarray:
    x = _as_finite_1d(values, name, allow_empty)
    if baseline is None:
        return x
    b = _as_finite_1d(baseline, "baseline", allow_empty)
    if len(b) != len(x):
        raise ValueError(f"{name} ({len(x)}) and baseline ({len(b)}) must be paired: same length")
    return x - b


def insufficient_effect(values, *, evidence: str, needed: int = 2) -> Effect:
    """The effect of a sample too small for an interval: every rule calls it inconclusive.

    Examples
    --------
    >>> e = insufficient_effect([0.3], evidence="test images")
    >>> e.decidable, e.n, e.needed
    (False, 1, 2)
    """
    x = _as_finite_1d(values, "values", allow_empty=True)
    if isinstance(needed, bool) or not isinstance(needed, int) or needed < max(2, len(x) + 1):
        raise ValueError(f"needed must be an integer above the sample size ({len(x)}) and >= 2, got {needed!r}")
    mean = float(x.mean()) if len(x) else 0.0
    return Effect(mean, mean, mean, len(x), evidence, decidable=False, needed=needed)


def effect_over_seeds(values, baseline=None, *, evidence: str = "seeds", confidence: float = CONFIDENCE) -> Effect:
    """Mean and Student-t interval of a per-seed effect.

    Parameters
    ----------
    values : the measurement under the treatment, one per seed (or the effect itself when
        ``baseline`` is ``None``).
    baseline : the same measurement under the baseline, paired with ``values`` seed by seed;
        the effect is then ``values - baseline``.
    evidence : what one value stands for (``"seeds"``, ``"simulated tests"``).
    confidence : the interval's coverage.

    Examples
    --------
    >>> e = effect_over_seeds([0.70, 0.72, 0.71], baseline=[0.68, 0.69, 0.70])
    >>> round(e.mean, 3), e.n, round(e.low, 3), round(e.high, 3)
    (0.02, 3, -0.005, 0.045)
    """
    confidence = _check_confidence(confidence)
    diff = _paired(values, baseline, "values", allow_empty=True)
    if len(diff) < 2:
        return insufficient_effect(diff, evidence=evidence)
    return _t_interval(diff, diff.std(ddof=1) / math.sqrt(len(diff)), evidence, confidence)


def _t_interval(diff: np.ndarray, se: float, evidence: str, confidence: float) -> Effect:
    from scipy import stats

    mean = float(diff.mean())
    half = float(stats.t.ppf(0.5 + confidence / 2, len(diff) - 1) * se)
    return Effect(mean, mean - half, mean + half, len(diff), evidence, confidence=confidence)


def effect_over_splits(values, baseline=None, *, test_fraction: float, evidence: str = "repeated splits",
                       confidence: float = CONFIDENCE) -> Effect:
    """Mean and corrected resampled t interval over repeated hold-out splits (Nadeau & Bengio, 2003).

    Repeated random splits of one data set share training and test rows, so their results are
    positively correlated, and the plain t interval of :func:`effect_over_seeds` is far too
    narrow. The correction multiplies the variance of the mean by
    ``1/J + n_test/n_train`` in place of ``1/J`` (``J`` splits).

    Parameters
    ----------
    values, baseline : per-split results, paired split by split.
    test_fraction : the share of rows each split holds out for testing, in (0, 1).

    Examples
    --------
    >>> naive = effect_over_seeds([0.02, 0.03, 0.01, 0.025, 0.015])
    >>> fixed = effect_over_splits([0.02, 0.03, 0.01, 0.025, 0.015], test_fraction=0.25)
    >>> fixed.high - fixed.low > naive.high - naive.low
    True
    """
    confidence = _check_confidence(confidence)
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, int | float | np.floating) \
            or not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be the held-out share of rows, in (0, 1), got {test_fraction!r}")
    diff = _paired(values, baseline, "values", allow_empty=True)
    if len(diff) < 2:
        return insufficient_effect(diff, evidence=evidence)
    ratio = float(test_fraction) / (1 - float(test_fraction))
    se = diff.std(ddof=1) * math.sqrt(1 / len(diff) + ratio)
    return _t_interval(diff, se, evidence, confidence)


def bootstrap_effect(
    values,
    baseline=None,
    *,
    evidence: str = "units (bootstrap)",
    n_resamples: int = 2000,
    seed: int = 0,
    confidence: float = CONFIDENCE,
) -> Effect:
    """Mean of a per-unit effect with a percentile-bootstrap interval.

    Use it when one fixed system is judged on many independent units (users, queries, loans)
    and nothing was trained differently between the arms; each unit's value (or paired
    difference) is resampled with replacement. Trained arms need :func:`bootstrap_over_seeds`.

    Examples
    --------
    >>> e = bootstrap_effect([1.0, 0.0, 1.0, 1.0], baseline=[0.0, 0.0, 1.0, 0.0], evidence="users")
    >>> e.mean, e.n, e.resamples
    (0.5, 4, 2000)
    """
    confidence = _check_confidence(confidence)
    diff = _paired(values, baseline, "values", allow_empty=True)
    _check_resamples(n_resamples)
    if len(diff) < 2:
        return insufficient_effect(diff, evidence=evidence)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(diff), size=(n_resamples, len(diff)))
    return _percentile(diff[idx].mean(axis=1), float(diff.mean()), len(diff), evidence, n_resamples, confidence)


def _check_resamples(n_resamples) -> None:
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int) or n_resamples < 100:
        raise ValueError(f"n_resamples must be an integer >= 100, got {n_resamples!r}")


def _percentile(stats_: np.ndarray, mean: float, n: int, evidence: str, n_resamples: int,
                confidence: float) -> Effect:
    alpha = (1 - confidence) / 2
    low, high = np.quantile(stats_, [alpha, 1 - alpha])
    return Effect(mean, min(float(low), mean), max(float(high), mean), n, evidence, n_resamples,
                  confidence=confidence)


def bootstrap_over_seeds(
    values,
    baseline=None,
    *,
    units: str = "units",
    n_resamples: int = 2000,
    seed: int = 0,
    confidence: float = CONFIDENCE,
) -> Effect:
    """An effect between trained arms, with an interval over training seeds *and* test units.

    Each arm is retrained once per seed and judged on that seed's test units; ``values[s]``
    holds seed ``s``'s per-unit results (and ``baseline[s]`` the other arm's, paired unit by
    unit). The two-stage bootstrap draws seeds with replacement, then units within each drawn
    seed, and takes the mean of the per-seed means, so a lucky training run cannot pass for a
    real effect. At least three seeds are required.

    Parameters
    ----------
    values, baseline : a sequence with one 1-D array per seed (seeds may have different
        numbers of units), or a 2-D array ``(n_seeds, n_units)``.
    units : what one unit is (``"queries"``), for the evidence label.

    Examples
    --------
    >>> a = [[0.3, 0.4, 0.5], [0.35, 0.45, 0.4], [0.3, 0.5, 0.45]]
    >>> b = [[0.2, 0.3, 0.4], [0.25, 0.3, 0.35], [0.2, 0.35, 0.3]]
    >>> e = bootstrap_over_seeds(a, b, units="queries")
    >>> e.n, e.evidence, round(e.mean, 3)
    (3, 'seeds × queries (two-stage bootstrap)', 0.111)
    """
    confidence = _check_confidence(confidence)
    _check_resamples(n_resamples)
    if not isinstance(units, str) or not units.strip():
        raise ValueError("units must name what one test unit is, e.g. 'queries'")
    per_seed = _per_seed(values, "values")
    if baseline is not None:
        base = _per_seed(baseline, "baseline")
        if len(base) != len(per_seed):
            raise ValueError(f"values ({len(per_seed)} seeds) and baseline ({len(base)} seeds) must be paired")
        per_seed = [_paired(v, b, f"values[{i}]", allow_empty=True) for i, (v, b) in enumerate(zip(per_seed, base,
                                                                                                 strict=True))]
    if len(per_seed) < 3:
        raise ValueError(f"values must hold at least 3 seeds (one array per training seed), got {len(per_seed)}; "
                         "retrain each arm over more seeds")
    evidence = f"seeds × {units} (two-stage bootstrap)"
    per_seed = [x for x in per_seed if len(x)]
    if len(per_seed) < 2 or sum(map(len, per_seed)) < 2:
        return insufficient_effect([x.mean() for x in per_seed], evidence=evidence, needed=3)
    rng = np.random.default_rng(seed)
    k = len(per_seed)
    out = np.empty(n_resamples)
    for r in range(n_resamples):
        picks = rng.integers(0, k, size=k)
        out[r] = np.mean([per_seed[s][rng.integers(0, len(per_seed[s]), size=len(per_seed[s]))].mean()
                          for s in picks])
    mean = float(np.mean([x.mean() for x in per_seed]))
    return _percentile(out, mean, k, evidence, n_resamples, confidence)


def _per_seed(values, name: str) -> list[np.ndarray]:
    if isinstance(values, str | bytes) or values is None:
        raise TypeError(f"{name} must hold one array of per-unit results per seed, got {type(values).__name__}")
    if isinstance(values, np.ndarray):
        if values.ndim != 2:
            raise ValueError(f"{name} as an array must be 2-D (seeds, units), got shape {values.shape}")
        rows = list(values)
    else:
        try:
            rows = list(values)
        except TypeError as exc:
            raise TypeError(f"{name} must hold one array of per-unit results per seed") from exc
    return [_as_finite_1d(r, f"{name}[{i}]", allow_empty=True) for i, r in enumerate(rows)]


def exact_effect(value: float) -> Effect:
    """An effect no seed can move (a closed-form count, a size in bytes): no interval.

    Examples
    --------
    >>> exact_effect(3.8).describe()
    '+3.8 (exact)'
    """
    if isinstance(value, bool) or not isinstance(value, int | float | np.number) or np.iscomplexobj(value):
        raise TypeError(f"value must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"value must be finite, got {value}")
    return Effect(value, value, value, 1, "exact")


def quote_effect(effect: Effect, fmt: str = ".3f") -> str:
    """``"+0.021 [+0.004, +0.038]"``: an effect for a table or a caption.

    Examples
    --------
    >>> quote_effect(Effect(0.02, 0.01, 0.03, 5, "seeds"), ".2f")
    '+0.02 [+0.01, +0.03]'
    """
    if not isinstance(effect, Effect):
        raise TypeError(f"effect must be an Effect, got {type(effect).__name__}")
    if not isinstance(fmt, str) or not fmt:
        raise ValueError(f"fmt must be a format spec such as '.3f', got {fmt!r}")
    f = fmt if fmt.startswith("+") else "+" + fmt
    if not effect.decidable:
        return f"{effect.mean:{f}} (n = {effect.n})"
    if effect.low == effect.high:
        return f"{effect.mean:{f}}"
    return f"{effect.mean:{f}} [{effect.low:{f}}, {effect.high:{f}}]"


def _fmt(value: float) -> str:
    if isinstance(value, int) or (abs(value) >= 100 and float(value).is_integer()):
        return f"{int(value):,}"
    if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
        return f"{value:.3g}"
    return f"{value:.4g}"


def _fmt_signed(value: float) -> str:
    text = _fmt(value)
    return text if text.startswith("-") or value == 0 else "+" + text
