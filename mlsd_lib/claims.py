"""The claims ledger: each chapter decides the source's claims by a rule declared in advance.

A claim is decided in three steps, and no step lets a person type the verdict:

1. **Declare** the rule before measuring, when the chapter creates its recorder: what is
   measured (the effect), which direction the source claims, and the smallest effect that
   matters (the margin)::

       ledger = ClaimsRecorder("ch01_framework", SIZE, rules={
           "C1.1": Rule("PR-AUC, median imputation minus row deletion", "increase", margin=0.005),
       })

2. **Measure** the effect with its uncertainty: over seeds (:func:`effect_over_seeds`), by a
   bootstrap over users, queries or rows (:func:`bootstrap_effect`), or, for a quantity a
   seed cannot move, exactly (:func:`exact_effect`).

3. **Decide and record**: ``ledger.decide("C1.1", effect)`` applies the declared rule
   (:meth:`Rule.verdict`) and ``ledger.record(decision, finding)`` stores it. The recorder
   recomputes the verdict from the stored rule and effect whenever it writes or reads a
   record, so a record whose verdict disagrees with its own evidence is refused.

The verdict rule, for a claimed *increase* (a *decrease* mirrors it):

- **supported**: the 95% interval excludes zero on the claimed side, and the estimate reaches
  the margin;
- **refuted**: the interval lies entirely on the other side of zero, or entirely within
  ± margin of zero (the gain the source promises is, with confidence, too small to matter);
- **inconclusive**: neither; the ledger says how much more evidence would decide it.

A claim of *no meaningful difference* ("equivalent") is supported when the interval lies
within ± margin, refuted when it lies entirely outside. A claim that something costs at most
a little ("no decrease": the effect stays above −margin; "no increase" mirrors it) is the
one-sided version: supported when the whole interval clears −margin, refuted when it lies
entirely beyond. A claim decided under several named, measured conditions is **depends**
when it is supported under one and refuted under another; each condition may declare its own
rule when the conditions measure different things (a latency in ms, a share of decisions).

Records land in ``<claims dir>/<chapter>.json`` as the notebook runs, so the ledger page
(``book/claims_ledger.md``, rendered by ``book/_ext/claims_ledger.py``) shows the figures of
the same execution that rendered the chapter. The claim catalogue is ``claims_catalog.md``,
a copy of the project's ``CLAIMS.md``.

Introduced with the claims ledger page.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

VERDICTS = ("supported", "refuted", "depends", "inconclusive")
DIRECTIONS = ("increase", "decrease", "equivalent", "no decrease", "no increase")
CONFIDENCE = 0.95
_CATALOG = Path(__file__).with_name("claims_catalog.md")
_CLAIM_LINE = re.compile(r"^- (C(\d+)\.(\d+)) (.+)$")


# --------------------------------------------------------------------------- evidence


@dataclass(frozen=True)
class Effect:
    """A measured effect: its estimate, 95% interval and the evidence behind them.

    Build one with :func:`effect_over_seeds`, :func:`bootstrap_effect` or
    :func:`exact_effect` rather than by hand.

    Attributes
    ----------
    mean : the estimate (mean over seeds, or the statistic on the full sample).
    low, high : the 95% interval.
    n : independent units behind the estimate: seeds, or users/queries/rows resampled.
    evidence : what ``n`` counts, e.g. ``"seeds"``, ``"users (bootstrap)"``, ``"exact"``.
    resamples : bootstrap resamples (0 for seeds and exact effects).
    """

    mean: float
    low: float
    high: float
    n: int
    evidence: str
    resamples: int = 0

    def __post_init__(self) -> None:
        for name in ("mean", "low", "high"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise ValueError(f"Effect.{name} must be a finite number, got {value!r}")
        if not self.low <= self.mean <= self.high:
            raise ValueError(f"Effect needs low <= mean <= high, got {self.low}, {self.mean}, {self.high}")
        if isinstance(self.n, bool) or not isinstance(self.n, int) or self.n < 1:
            raise ValueError(f"Effect.n must be a positive integer, got {self.n!r}")
        if not isinstance(self.evidence, str) or not self.evidence.strip():
            raise ValueError("Effect.evidence must say what n counts, e.g. 'seeds'")
        if self.n == 1 and self.evidence != "exact":
            raise ValueError("an effect from one draw has no interval; use more seeds or exact_effect")

    def __format__(self, spec: str) -> str:
        spec = spec or ".3g"
        if self.low == self.high:
            return f"{self.mean:{spec}} (exact)"
        return f"{self.mean:{spec}} [{self.low:{spec}}, {self.high:{spec}}]"

    def describe(self) -> str:
        """``"+0.006, 95% CI [+0.001, +0.011], 20 seeds"``."""
        if self.evidence == "exact":
            return f"{_fmt_signed(self.mean)} (exact)"
        extra = f", {self.resamples:,} resamples" if self.resamples else ""
        return (f"{_fmt_signed(self.mean)}, 95% CI [{_fmt_signed(self.low)}, {_fmt_signed(self.high)}], "
                f"{self.n:,} {self.evidence}{extra}")


def _as_finite_1d(values, name: str) -> np.ndarray:
    if isinstance(values, str | bytes) or values is None:
        raise TypeError(f"{name} must be a sequence of numbers, got {type(values).__name__}")
    if np.iscomplexobj(values):
        raise TypeError(f"{name} must hold real numbers, got complex values")
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a sequence of numbers: {exc}") from exc
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or inf; every run must produce a number")
    return arr


def _paired(values, baseline, name: str) -> np.ndarray:
    x = _as_finite_1d(values, name)
    if baseline is None:
        return x
    b = _as_finite_1d(baseline, "baseline")
    if len(b) != len(x):
        raise ValueError(f"{name} ({len(x)}) and baseline ({len(b)}) must be paired: same length")
    return x - b


def effect_over_seeds(values, baseline=None, *, evidence: str = "seeds") -> Effect:
    """Mean and Student-t 95% interval of a per-seed effect.

    Parameters
    ----------
    values : the measurement under the treatment, one per seed (or the effect itself when
        ``baseline`` is ``None``).
    baseline : the same measurement under the baseline, paired with ``values`` seed by seed;
        the effect is then ``values - baseline``.
    evidence : what one value stands for (``"seeds"``, ``"splits"``, ``"simulated tests"``).

    Examples
    --------
    >>> e = effect_over_seeds([0.70, 0.72, 0.71], baseline=[0.68, 0.69, 0.70])
    >>> round(e.mean, 3), e.n, round(e.low, 3), round(e.high, 3)
    (0.02, 3, -0.005, 0.045)
    """
    diff = _paired(values, baseline, "values")
    if len(diff) < 2:
        raise ValueError("effect_over_seeds needs at least 2 seeds for an interval; run more seeds")
    from scipy import stats

    mean = float(diff.mean())
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, len(diff) - 1) * diff.std(ddof=1) / math.sqrt(len(diff)))
    return Effect(mean, mean - half, mean + half, len(diff), evidence)


def bootstrap_effect(
    values,
    baseline=None,
    *,
    evidence: str = "units (bootstrap)",
    n_resamples: int = 2000,
    seed: int = 0,
) -> Effect:
    """Mean of a per-unit effect with a percentile-bootstrap 95% interval.

    Use it when one trained system is judged on many independent units (users, queries,
    loans): each unit's value (or paired difference) is resampled with replacement.

    Examples
    --------
    >>> e = bootstrap_effect([1.0, 0.0, 1.0, 1.0], baseline=[0.0, 0.0, 1.0, 0.0], evidence="users")
    >>> e.mean, e.n, e.resamples
    (0.5, 4, 2000)
    """
    diff = _paired(values, baseline, "values")
    if len(diff) < 2:
        raise ValueError("bootstrap_effect needs at least 2 units to resample")
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int) or n_resamples < 100:
        raise ValueError(f"n_resamples must be an integer >= 100, got {n_resamples!r}")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(diff), size=(n_resamples, len(diff)))
    means = diff[idx].mean(axis=1)
    alpha = (1 - CONFIDENCE) / 2
    low, high = np.quantile(means, [alpha, 1 - alpha])
    mean = float(diff.mean())
    return Effect(mean, min(float(low), mean), max(float(high), mean), len(diff), evidence, n_resamples)


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


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Rule:
    """How a claim is decided, declared before the measurement.

    Parameters
    ----------
    measure : the effect in words, with its sign convention
        (``"PR-AUC, median imputation minus row deletion"``).
    direction : what the source claims of that effect: ``"increase"`` (positive),
        ``"decrease"`` (negative), ``"equivalent"`` (no difference that matters), ``"no
        decrease"`` (it costs at most ``margin``: effect > −margin) or ``"no increase"``
        (effect < margin).
    margin : the smallest effect that matters, in the measure's units (>= 0; > 0 for the
        ``"equivalent"`` and ``"no ..."`` directions).

    Examples
    --------
    >>> rule = Rule("precision@10, A minus B", "increase", margin=0.01)
    >>> rule.verdict(Effect(0.03, 0.02, 0.04, 5, "seeds"))
    'supported'
    >>> rule.verdict(Effect(0.002, -0.004, 0.008, 5, "seeds"))
    'refuted'
    >>> rule.verdict(Effect(0.02, -0.01, 0.05, 5, "seeds"))
    'inconclusive'
    """

    measure: str
    direction: str
    margin: float

    def __post_init__(self) -> None:
        if not isinstance(self.measure, str) or not self.measure.strip():
            raise ValueError("Rule.measure must name the effect, e.g. 'PR-AUC, A minus B'")
        if self.direction not in DIRECTIONS:
            raise ValueError(f"Rule.direction must be one of {DIRECTIONS}, got {self.direction!r}")
        if isinstance(self.margin, bool) or not isinstance(self.margin, int | float) \
                or not math.isfinite(self.margin) or self.margin < 0:
            raise ValueError(f"Rule.margin must be a finite number >= 0, got {self.margin!r}")
        if self.direction in ("equivalent", "no decrease", "no increase") and self.margin == 0:
            raise ValueError(f"a {self.direction!r} claim needs a margin > 0: how small a change counts as none")

    def verdict(self, effect: Effect) -> str:
        """Apply the rule to one effect: supported, refuted or inconclusive."""
        if not isinstance(effect, Effect):
            raise TypeError(f"effect must be an Effect, got {type(effect).__name__}")
        low, high, mean, m = effect.low, effect.high, effect.mean, float(self.margin)
        within = -m < low and high < m if m > 0 else False
        if self.direction == "equivalent":
            if within:
                return "supported"
            if low >= m or high <= -m:
                return "refuted"
            return "inconclusive"
        if self.direction in ("no decrease", "no increase"):
            sign = 1.0 if self.direction == "no decrease" else -1.0
            s_low, s_high = sorted((sign * low, sign * high))
            if s_low > -m:
                return "supported"
            if s_high < -m:
                return "refuted"
            return "inconclusive"
        sign = 1.0 if self.direction == "increase" else -1.0
        s_low, s_high = sorted((sign * low, sign * high))
        if s_low > 0 and sign * mean >= m:
            return "supported"
        if s_high < 0 or within:
            return "refuted"
        if effect.evidence == "exact":  # no interval: an exact effect short of the margin fails it
            return "refuted"
        return "inconclusive"

    def describe(self) -> str:
        """``"increase of at least 0.005"``, for the ledger."""
        if self.direction == "equivalent":
            return f"no difference beyond ±{_fmt(self.margin)}"
        if self.direction == "no decrease":
            return f"no decrease beyond {_fmt(self.margin)}"
        if self.direction == "no increase":
            return f"no increase beyond {_fmt(self.margin)}"
        return f"{self.direction} of at least {_fmt(self.margin)}" if self.margin else f"any {self.direction}"


def combine_verdicts(verdicts: Mapping[str, str]) -> str:
    """One verdict from the verdicts under several conditions.

    All alike gives that verdict; supported under one condition and refuted under another
    gives ``"depends"``; any other mix is ``"inconclusive"``.

    Examples
    --------
    >>> combine_verdicts({"small data": "supported", "large data": "refuted"})
    'depends'
    >>> combine_verdicts({"a": "supported", "b": "inconclusive"})
    'inconclusive'
    """
    values = set(verdicts.values())
    if not values or not values <= {"supported", "refuted", "inconclusive"}:
        raise ValueError(f"verdicts must map condition -> supported/refuted/inconclusive, got {dict(verdicts)}")
    if len(values) == 1:
        return values.pop()
    return "depends" if {"supported", "refuted"} <= values else "inconclusive"


def _check_rule_spec(claim_id: str, rule) -> None:
    if isinstance(rule, Rule):
        return
    if not isinstance(rule, Mapping) or not rule:
        raise TypeError(f"{claim_id}: the rule must be a Rule, or a mapping condition -> Rule")
    bad = [name for name, r in rule.items() if not isinstance(name, str) or not isinstance(r, Rule)]
    if bad:
        raise TypeError(f"{claim_id}: per-condition rules must map condition names to Rule objects; bad: {bad}")


@dataclass(frozen=True)
class Decision:
    """A claim's verdict together with the rule(s) and the evidence that produced it.

    ``rule`` is one :class:`Rule` for every condition, or a mapping condition → Rule when
    the conditions measure different things; then every measured condition needs its rule.
    """

    claim_id: str
    rule: Rule | Mapping[str, Rule]
    effects: dict[str, Effect]
    condition: str = ""
    verdict: str = field(init=False)

    def __post_init__(self) -> None:
        _check_rule_spec(self.claim_id, self.rule)
        if not self.effects:
            raise ValueError(f"{self.claim_id}: a decision needs at least one measured effect")
        for name, eff in self.effects.items():
            if not isinstance(name, str) or not isinstance(eff, Effect):
                raise TypeError(f"{self.claim_id}: effects must map condition name -> Effect")
        if len(self.effects) > 1 and not self.condition.strip():
            raise ValueError(f"{self.claim_id}: name the condition that varies across {list(self.effects)}")
        if not isinstance(self.rule, Rule) and set(self.rule) != set(self.effects):
            raise ValueError(f"{self.claim_id}: rules were declared for {sorted(self.rule)} but effects "
                             f"measured for {sorted(self.effects)}; they must match")
        object.__setattr__(self, "verdict", combine_verdicts(self.verdicts()))

    def rule_for(self, condition: str) -> Rule:
        """The rule that decides ``condition``."""
        return self.rule if isinstance(self.rule, Rule) else self.rule[condition]

    def _grouped(self, text) -> str:
        # Conditions that share one rule are named together: "a / b / c: measure".
        if isinstance(self.rule, Rule):
            return text(self.rule)
        groups: dict[Rule, list[str]] = {}
        for name, r in self.rule.items():
            groups.setdefault(r, []).append(name)
        return "; ".join(f"{' / '.join(names)}: {text(r)}" for r, names in groups.items())

    @property
    def measure(self) -> str:
        """What was measured, in words (per group of conditions when the rules differ)."""
        return self._grouped(lambda r: r.measure)

    def describe_rule(self) -> str:
        """The declared rule(s) in words."""
        return self._grouped(lambda r: r.describe())

    @property
    def effect(self) -> Effect:
        """The effect, when the claim was decided under one condition."""
        if len(self.effects) != 1:
            raise ValueError(f"{self.claim_id} was decided under {len(self.effects)} conditions; use .effects")
        return next(iter(self.effects.values()))

    def verdicts(self) -> dict[str, str]:
        """Condition → the rule's verdict under it."""
        return {name: self.rule_for(name).verdict(eff) for name, eff in self.effects.items()}

    def describe(self) -> str:
        """The evidence in one line, condition by condition."""
        if len(self.effects) == 1:
            return self.effect.describe()
        return "; ".join(f"{name}: {eff.describe()} ({v})" for (name, eff), v in
                         zip(self.effects.items(), self.verdicts().values(), strict=True))

    def what_would_decide(self) -> str:
        """For an inconclusive verdict: roughly how much more evidence would settle it."""
        if self.verdict != "inconclusive":
            return ""
        parts = []
        for name, eff in self.effects.items():
            if self.rule_for(name).verdict(eff) != "inconclusive":
                continue
            half = (eff.high - eff.low) / 2
            m = self.rule_for(name).margin
            # the interval must shrink to the distance between the estimate and the nearest boundary
            gap = max(min(abs(eff.mean - b) for b in (0.0, m, -m)), 1e-12)
            factor = math.ceil(min((half / gap) ** 2, 1e6))
            label = f"{name}: " if len(self.effects) > 1 else ""
            parts.append(f"{label}about {max(factor, 2)}× the {eff.evidence} (n = {eff.n:,} now)")
        return "More evidence would decide it: " + "; ".join(parts) + "."

    def _repr_markdown_(self) -> str:
        return f"{_BADGES[self.verdict]} **{self.claim_id} {self.verdict}** — {self.measure}: {self.describe()}"


_BADGES = {"supported": "✅", "refuted": "❌", "depends": "⚖️", "inconclusive": "❔"}


def decide(claim_id: str, rule: Rule | Mapping[str, Rule], effect: Effect | Mapping[str, Effect],
           condition: str = "") -> Decision:
    """Apply ``rule`` to a measured effect (or to one effect per named condition).

    Examples
    --------
    >>> rule = Rule("recall, weighted minus unweighted", "increase", margin=0.02)
    >>> decide("C1.4", rule, Effect(0.25, 0.2, 0.3, 20, "splits")).verdict
    'supported'
    >>> d = decide("C1.4", rule, {"recall at 0.5": Effect(0.25, 0.2, 0.3, 20, "splits"),
    ...                            "PR-AUC": Effect(0.0, -0.005, 0.005, 20, "splits")},
    ...            condition="metric")
    >>> d.verdict, d.verdicts()["PR-AUC"]
    ('depends', 'refuted')
    """
    _check_rule_spec(claim_id, rule)
    effects = {"": effect} if isinstance(effect, Effect) else dict(effect) if isinstance(effect, Mapping) else None
    if effects is None:
        raise TypeError(f"effect must be an Effect or a mapping condition -> Effect, got {type(effect).__name__}")
    return Decision(claim_id, rule, effects, condition)


# --------------------------------------------------------------------------- catalogue


def claim_catalog(path: str | os.PathLike | None = None) -> dict[str, str]:
    """Claim ID → statement, in catalogue order, parsed from ``claims_catalog.md``.

    Examples
    --------
    >>> claim_catalog()["C2.3"].startswith("MRR looks only at the first relevant item")
    True
    """
    text = Path(path or _CATALOG).read_text(encoding="utf-8")
    out = {}
    for line in text.splitlines():
        m = _CLAIM_LINE.match(line.strip())
        if m:
            out[m.group(1)] = m.group(4).strip()
    return out


def chapter_of(claim_id: str) -> int:
    """Chapter number of a claim ID (``"C6.10"`` → 6)."""
    m = re.fullmatch(r"C(\d+)\.(\d+)", claim_id) if isinstance(claim_id, str) else None
    if not m:
        raise ValueError(f"claim_id must look like 'C1.4', got {claim_id!r}")
    return int(m.group(1))


def anchor_of(claim_id: str) -> str:
    """The MyST target a chapter places where it decides a claim (``C1.4`` → ``claim-c1-4``)."""
    chapter_of(claim_id)
    return "claim-" + claim_id.lower().replace(".", "-")


def default_claims_dir() -> Path:
    """``$MLSD_CLAIMS_DIR`` if set, else ``<repository>/_build/claims``."""
    env = os.environ.get("MLSD_CLAIMS_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1] / "_build" / "claims"


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class ClaimRecord:
    """One decided claim as stored on disk: verdict, rule, evidence and what it means."""

    claim_id: str
    verdict: str
    rule: dict
    effects: dict[str, dict]
    condition: str
    figures: dict[str, float]
    finding: str
    chapter: str
    anchor: str
    size: str
    seed: int
    recorded_at: str = field(default="", repr=False, compare=False)  # keeps reruns' output identical

    def decision(self) -> Decision:
        """Rebuild the decision from the stored rule and effects (recomputes the verdict)."""
        try:
            rule = ({name: Rule(**r) for name, r in self.rule["conditions"].items()}
                    if "conditions" in self.rule else Rule(**self.rule))
            effects = {name: Effect(**e) for name, e in self.effects.items()}
        except TypeError as exc:
            raise ValueError(f"{self.claim_id}: malformed rule or effects in the record: {exc}") from exc
        return Decision(self.claim_id, rule, effects, self.condition)

    def _repr_markdown_(self) -> str:
        d = self.decision()
        extra = f" {d.what_would_decide()}" if self.verdict == "inconclusive" else ""
        return (f"{_BADGES[self.verdict]} **{self.claim_id} {self.verdict}.** {self.finding}{extra}  \n"
                f"<small>{d.measure}: {d.describe()}; rule: {d.describe_rule()}.</small>")


def validate_record(record: ClaimRecord, catalog: dict[str, str] | None = None) -> None:
    """Raise ``ValueError`` unless ``record`` is complete and its verdict follows its rule."""
    catalog = catalog if catalog is not None else claim_catalog()
    if record.claim_id not in catalog:
        raise ValueError(f"unknown claim id {record.claim_id!r}; see claims_catalog.md")
    if record.verdict not in VERDICTS:
        raise ValueError(f"verdict must be one of {VERDICTS}, got {record.verdict!r}")
    recomputed = record.decision().verdict
    if recomputed != record.verdict:
        raise ValueError(
            f"{record.claim_id}: the record says {record.verdict!r} but its rule applied to its "
            f"effects gives {recomputed!r}; verdicts are computed by claims.decide, never typed"
        )
    if not isinstance(record.figures, dict):
        raise ValueError(f"{record.claim_id}: figures must be a dict of measured numbers")
    for key, value in record.figures.items():
        if not isinstance(key, str) or not key:
            raise ValueError(f"{record.claim_id}: figure names must be non-empty strings")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"{record.claim_id}: figure {key!r} must be a finite number, got {value!r}")
    if not isinstance(record.finding, str) or not record.finding.strip():
        raise ValueError(f"{record.claim_id}: finding must be a one-line sentence")
    if "\n" in record.finding or len(record.finding) > 400:
        raise ValueError(f"{record.claim_id}: finding must be one line of at most 400 characters")


class ClaimsRecorder:
    """Holds one chapter's declared rules and writes its decisions to ``<directory>/<chapter>.json``.

    Creating a recorder starts the chapter's file afresh, so a rerun never mixes records of
    two executions.

    Parameters
    ----------
    chapter : notebook stem, e.g. ``"ch01_framework"``.
    size : the notebook's size switch (``"smoke"`` or ``"full"``), stored with each record.
    rules : claim ID → :class:`Rule` (or condition → Rule, when a claim's conditions measure
        different things), declared before anything is measured; these are the
        claims the chapter promises to decide (:meth:`check_complete`).
    directory : where to write; ``default_claims_dir()`` when ``None``.
    seed : the notebook's seed, stored with each record.

    Examples
    --------
    >>> import tempfile
    >>> ledger = ClaimsRecorder("ch01_framework", "smoke", directory=tempfile.mkdtemp(), rules={
    ...     "C1.5": Rule("test MAE with outliers, MSE minus Huber", "increase", margin=5.0)})
    >>> decision = ledger.decide("C1.5", effect_over_seeds([190.0, 210.0, 205.0]))
    >>> ledger.record(decision, "Huber cut test MAE by about 200 with 5% of labels corrupted.").verdict
    'supported'
    """

    def __init__(
        self,
        chapter: str,
        size: str,
        rules: Mapping[str, Rule | Mapping[str, Rule]],
        directory: str | os.PathLike | None = None,
        seed: int = 0,
    ) -> None:
        if not isinstance(chapter, str) or not re.fullmatch(r"ch\d\d_[a-z0-9_]+", chapter):
            raise ValueError(f"chapter must be a notebook stem like 'ch01_framework', got {chapter!r}")
        if size not in ("smoke", "full"):
            raise ValueError(f"size must be 'smoke' or 'full', got {size!r}")
        if not isinstance(rules, Mapping) or not rules:
            raise ValueError("rules must map each claim the chapter decides to its Rule, declared up front")
        self.catalog = claim_catalog()
        unknown = [c for c in rules if c not in self.catalog]
        if unknown:
            raise ValueError(f"claims not in the catalogue: {unknown}")
        for claim_id, rule in rules.items():
            _check_rule_spec(claim_id, rule)
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        self.chapter = chapter
        self.size = size
        self.seed = int(seed)
        self.rules = dict(rules)
        self.path = Path(directory or default_claims_dir()) / f"{chapter}.json"
        self.records: dict[str, ClaimRecord] = {}
        self._write()

    @property
    def declared(self) -> tuple[str, ...]:
        """The claims this chapter declared rules for."""
        return tuple(self.rules)

    def decide(self, claim_id: str, effect: Effect | Mapping[str, Effect], condition: str = "") -> Decision:
        """Apply the rule declared for ``claim_id`` to the measured effect(s)."""
        if claim_id not in self.rules:
            raise ValueError(f"{claim_id!r} has no declared rule in {self.chapter}; declare it when "
                             "creating the ClaimsRecorder, before measuring")
        return decide(claim_id, self.rules[claim_id], effect, condition)

    def record(self, decision: Decision, finding: str, figures: Mapping[str, float] | None = None) -> ClaimRecord:
        """Store one decision with its one-line finding and any supporting figures.

        ``figures`` may be a dict of numbers or a pandas Series / one-row DataFrame (a slice
        of a results table).
        """
        if isinstance(decision, str):
            raise TypeError("record takes a Decision from ledger.decide(...); verdicts are computed, never typed")
        if not isinstance(decision, Decision):
            raise TypeError(f"decision must be a Decision from ledger.decide, got {type(decision).__name__}")
        if decision.claim_id not in self.rules or decision.rule != self.rules[decision.claim_id]:
            raise ValueError(f"{decision.claim_id}: the decision must use the rule declared for it in "
                             f"{self.chapter}; use ledger.decide")
        rec = ClaimRecord(
            claim_id=decision.claim_id,
            verdict=decision.verdict,
            rule=(asdict(decision.rule) if isinstance(decision.rule, Rule)
                  else {"conditions": {name: asdict(r) for name, r in decision.rule.items()}}),
            effects={name: asdict(e) for name, e in decision.effects.items()},
            condition=decision.condition,
            figures=_figures(figures),
            finding=finding.strip() if isinstance(finding, str) else finding,
            chapter=self.chapter,
            anchor=anchor_of(decision.claim_id),
            size=self.size,
            seed=self.seed,
            recorded_at=_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        )
        validate_record(rec, self.catalog)
        self.records[decision.claim_id] = rec
        self._write()
        return rec

    def check_complete(self) -> None:
        """Raise ``AssertionError`` if a declared claim has not been recorded."""
        missing = [c for c in self.rules if c not in self.records]
        assert not missing, f"{self.chapter} declared but did not record: {missing}"

    def summary(self):
        """The chapter's records as a pandas DataFrame, for display in the notebook."""
        import pandas as pd

        rows = []
        for r in self.records.values():
            d = r.decision()
            rows.append({"claim": r.claim_id, "verdict": r.verdict, "measure": d.measure,
                         "effect (95% CI)": d.describe(), "rule": d.describe_rule(), "finding": r.finding})
        return pd.DataFrame(rows, columns=["claim", "verdict", "measure", "effect (95% CI)", "rule", "finding"])

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "chapter": self.chapter,
            "size": self.size,
            "seed": self.seed,
            "declared": list(self.rules),
            "records": [asdict(r) for r in self.records.values()],
        }
        tmp = self.path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(payload, indent=2), encoding="utf-8")
        tmp.replace(self.path)


def _figures(figures) -> dict[str, float]:
    if figures is None:
        return {}
    if hasattr(figures, "to_dict") and hasattr(figures, "ndim"):  # pandas Series / DataFrame
        if figures.ndim == 2:
            if len(figures) != 1:
                raise ValueError("figures as a DataFrame must be one row; pass a Series or a dict")
            figures = figures.iloc[0]
        figures = figures.to_dict()
    if not isinstance(figures, Mapping):
        raise TypeError(f"figures must be a dict of numbers or a pandas Series, got {type(figures).__name__}")
    out = {}
    for k, v in figures.items():
        key = str(k) if not isinstance(k, str) else k
        out[key] = float(v) if not isinstance(v, bool) and hasattr(v, "__float__") else v
    return out


def load_records(directory: str | os.PathLike | None = None) -> dict[str, dict]:
    """Read every chapter file in ``directory``; returns chapter → payload, validated."""
    directory = Path(directory or default_claims_dir())
    catalog = claim_catalog()
    out = {}
    for path in sorted(directory.glob("ch*.json")):
        payload = json.loads(path.read_text(encoding="utf-8"))
        for raw in payload.get("records", []):
            try:
                rec = ClaimRecord(**raw)
            except TypeError as exc:
                raise ValueError(f"{path.name}: a record has missing or unknown fields: {exc}") from exc
            validate_record(rec, catalog)
        out[payload["chapter"]] = payload
    return out


def verdicts_in(directory: str | os.PathLike | None = None) -> dict[str, str]:
    """Claim ID → verdict for every record in ``directory`` (for comparing two runs)."""
    return {r["claim_id"]: r["verdict"] for p in load_records(directory).values() for r in p["records"]}


# --------------------------------------------------------------------------- the page


def _fmt(value: float) -> str:
    if isinstance(value, int) or (abs(value) >= 100 and float(value).is_integer()):
        return f"{int(value):,}"
    if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
        return f"{value:.3g}"
    return f"{value:.4g}"


def _fmt_signed(value: float) -> str:
    text = _fmt(value)
    return text if text.startswith("-") or value == 0 else "+" + text


_CHAPTER_TITLES = {
    1: "Framework", 2: "Visual search", 3: "Street View blurring", 4: "Video search",
    5: "Harmful content detection", 6: "Video recommendation",
}


def render_ledger(directory: str | os.PathLike | None = None) -> str:
    """Markdown (MyST) body of the claims ledger page, built from the recorded files.

    Every claim of the catalogue appears: decided ones with verdict, effect and 95% interval,
    the evidence count, the declared rule, the finding and a link to the section that decides
    them; the rest as "not yet tested".
    """
    catalog = claim_catalog()
    payloads = load_records(directory)
    decided = {}
    sizes = set()
    for payload in payloads.values():
        sizes.add(payload.get("size"))
        for raw in payload["records"]:
            decided[raw["claim_id"]] = ClaimRecord(**raw)
    lines = []
    counts = {}
    for cid in catalog:
        ch = chapter_of(cid)
        n_all, n_dec = counts.get(ch, (0, 0))
        counts[ch] = (n_all + 1, n_dec + (cid in decided))
    total = sum(d for _, d in counts.values())
    lines.append(
        f"**{total} of {len(catalog)} claims decided by an executed experiment.** "
        + " · ".join(
            f"Ch. {ch} ({_CHAPTER_TITLES.get(ch, '')}): {d}/{n}" for ch, (n, d) in sorted(counts.items())
        )
    )
    lines.append("")
    verdict_counts = {v: sum(r.verdict == v for r in decided.values()) for v in VERDICTS}
    lines.append(
        "Verdicts: " + ", ".join(f"{n} {v}" for v, n in verdict_counts.items())
        + f"; {len(catalog) - total} not yet tested."
    )
    for ch in sorted(counts):
        lines += ["", f"### Chapter {ch}: {_CHAPTER_TITLES.get(ch, '')}", ""]
        lines.append("| Claim | Statement | Verdict | Effect, 95% interval, evidence and rule | What the experiment found |")
        lines.append("|---|---|---|---|---|")
        for cid, statement in catalog.items():
            if chapter_of(cid) != ch:
                continue
            rec = decided.get(cid)
            if rec is None:
                lines.append(f"| {cid} | {_cell(statement)} | *not yet tested* | — | — |")
                continue
            d = rec.decision()
            effects = (d.effect.describe() if len(d.effects) == 1 else
                       "<br>".join(f"*{name}*: {e.describe()} → {v}" for (name, e), v in
                                   zip(d.effects.items(), d.verdicts().values(), strict=True)))
            if d.condition:
                effects = f"by {d.condition}:<br>{effects}"
            finding = rec.finding + (f" {d.what_would_decide()}" if rec.verdict == "inconclusive" else "")
            figs = " · ".join(f"{k.replace('_', ' ')} = {_fmt(v)}" for k, v in rec.figures.items())
            link = f"{{ref}}`decided in {rec.chapter} <{rec.anchor}>`"
            lines.append(
                f"| {cid} | {_cell(statement)} | **{rec.verdict}** | {_cell(d.measure)}: {_cell(effects)}"
                f"<br>*rule:* {_cell(d.describe_rule())} | {_cell(finding)}"
                + (f"<br><small>{_cell(figs)}</small>" if figs else "") + f"<br>{link} |"
            )
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def main(argv: list[str] | None = None) -> int:
    """``python -m mlsd_lib.claims [DIR]`` prints the ledger body (for a quick look)."""
    import sys

    argv = sys.argv[1:] if argv is None else argv
    print(render_ledger(argv[0] if argv else None))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
