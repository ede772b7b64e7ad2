"""Rules and decisions: how a measured effect becomes a verdict.

A :class:`Rule` is declared before the measurement (in the registry, ``registry/*.toml``):
the effect in words, the direction the source claims, and the margin, the smallest effect
that matters. :func:`decide` applies it.

For a claimed *increase* (a *decrease* mirrors it):

- **supported**: the interval excludes zero on the claimed side, and the estimate reaches
  the margin;
- **refuted**: the interval lies entirely on the other side of zero, or entirely within
  ± margin of zero (the gain the source promises is, with confidence, too small to matter);
- **inconclusive**: neither; the ledger says how much more evidence would decide it.

A claim of *no meaningful difference* ("equivalent") is supported when the interval lies
within ± margin, refuted when it lies entirely outside. A claim that something costs at most
a little ("no decrease": the effect stays above −margin; "no increase" mirrors it) is the
one-sided version.

A claim with several parts combines them in one of two ways, and the two must not be confused:

- **conditions** of one measure (a data size, a query type): supported under one and refuted
  under another is **depends** (:func:`combine_verdicts`). Each condition's interval is
  widened for the number of conditions (Bonferroni, :func:`adjusted_confidence`), so that a
  "depends" is not found by chance.
- **conjuncts** of a two-part claim ("slower *and* more accurate"): supported only when every
  part is, refuted when any part is, otherwise inconclusive (:func:`conjunction`). A conjunct
  may itself be measured under conditions; it then counts as "depends".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from mlsd_lib.claims.effects import Effect, _fmt, adjusted_confidence

VERDICTS = ("supported", "refuted", "depends", "inconclusive")
DIRECTIONS = ("increase", "decrease", "equivalent", "no decrease", "no increase")
OPPOSITE = {"supported": "refuted", "refuted": "supported"}


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
        if not effect.decidable:
            return "inconclusive"
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
    if not isinstance(verdicts, Mapping):
        raise TypeError(f"verdicts must map condition -> verdict, got {type(verdicts).__name__}")
    values = set(verdicts.values())
    if not values or not values <= {"supported", "refuted", "inconclusive"}:
        raise ValueError(f"verdicts must map condition -> supported/refuted/inconclusive, got {dict(verdicts)}")
    if len(values) == 1:
        return values.pop()
    return "depends" if {"supported", "refuted"} <= values else "inconclusive"


def conjunction(verdicts: Mapping[str, str]) -> str:
    """One verdict for a claim that needs every part to hold ("slower *and* more accurate").

    Supported only when every part is; refuted when any part is; a part that depends on a
    condition, with the rest supported, makes the whole depend on it; otherwise inconclusive.
    Supported + refuted is therefore *refuted*, never "depends".

    Examples
    --------
    >>> conjunction({"slower": "supported", "more accurate": "refuted"})
    'refuted'
    >>> conjunction({"slower": "supported", "more accurate": "inconclusive"})
    'inconclusive'
    >>> conjunction({"faster": "supported", "staler": "depends"})
    'depends'
    """
    if not isinstance(verdicts, Mapping):
        raise TypeError(f"verdicts must map part -> verdict, got {type(verdicts).__name__}")
    values = set(verdicts.values())
    if not values or not values <= set(VERDICTS):
        raise ValueError(f"verdicts must map part -> one of {VERDICTS}, got {dict(verdicts)}")
    if "refuted" in values:
        return "refuted"
    if values == {"supported"}:
        return "supported"
    if values <= {"supported", "depends"}:
        return "depends"
    return "inconclusive"


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
    conjuncts: Mapping[str, str] | None = None
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
        if self.conjuncts is not None:
            if not isinstance(self.conjuncts, Mapping) or set(self.conjuncts) != set(self.effects) \
                    or not all(isinstance(v, str) and v for v in self.conjuncts.values()):
                raise ValueError(f"{self.claim_id}: conjuncts must name the conjunct of every measured part "
                                 f"{sorted(self.effects)}")
            object.__setattr__(self, "conjuncts", dict(self.conjuncts))
        for group in self.groups().values():
            if len(group) < 2:
                continue
            level = adjusted_confidence(len(group))
            low = [p for p in group if self.effects[p].decidable and self.effects[p].evidence != "exact"
                   and self.effects[p].confidence < level - 1e-9]
            if low:
                raise ValueError(f"{self.claim_id}: {len(group)} conditions are compared, so each interval needs "
                                 f"{100 * level:.4g}% coverage (Bonferroni); measure {low} with "
                                 f"confidence=ledger.confidence({self.claim_id!r})")
        object.__setattr__(self, "verdict", self._combine())

    def groups(self) -> dict[str, list[str]]:
        """Conjunct → the parts (conditions) measured for it; one group when there are no conjuncts."""
        if self.conjuncts is None:
            return {"": list(self.effects)}
        out: dict[str, list[str]] = {}
        for part in self.effects:
            out.setdefault(self.conjuncts[part], []).append(part)
        return out

    def _combine(self) -> str:
        per_part = self.verdicts()
        per_group = {g: combine_verdicts({p: per_part[p] for p in parts}) for g, parts in self.groups().items()}
        return per_group[""] if self.conjuncts is None else conjunction(per_group)

    def is_conjunction(self) -> bool:
        """Whether the parts are conjuncts (all must hold) rather than conditions of one measure."""
        return self.conjuncts is not None and len(self.groups()) > 1

    def expect(self, verdict: str) -> Decision:
        """Guard the chapter's reading of the result: fail only on the *opposite* verdict.

        An inconclusive or "depends" outcome passes (the prose is chosen from the verdict);
        a supported claim the chapter expected to be refuted, or the reverse, stops the build.

        Examples
        --------
        >>> d = decide("C1.4", Rule("recall gain", "increase", 0.02), Effect(0.01, -0.01, 0.03, 5, "seeds"))
        >>> d.expect("supported").verdict
        'inconclusive'
        """
        if verdict not in ("supported", "refuted"):
            raise ValueError(f"verdict must be 'supported' or 'refuted', got {verdict!r}")
        if self.verdict == OPPOSITE[verdict]:
            raise AssertionError(f"{self.claim_id}: the chapter's text reads this claim as {verdict}, but the run "
                                 f"{self.verdict} it: {self.describe()}")
        return self

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
            label = f"{name}: " if len(self.effects) > 1 else ""
            if not eff.decidable:
                parts.append(f"{label}at least {eff.needed:,} {eff.evidence} (n = {eff.n:,} now)")
                continue
            half = (eff.high - eff.low) / 2
            m = self.rule_for(name).margin
            # the interval must shrink to the distance between the estimate and the nearest boundary
            gap = max(min(abs(eff.mean - b) for b in (0.0, m, -m)), 1e-12)
            factor = math.ceil(min((half / gap) ** 2, 1e6))
            parts.append(f"{label}about {max(factor, 2)}× the {eff.evidence} (n = {eff.n:,} now)")
        return "More evidence would decide it: " + "; ".join(parts) + "."

    def _repr_markdown_(self) -> str:
        return f"{_BADGES[self.verdict]} **{self.claim_id} {self.verdict}** — {self.measure}: {self.describe()}"


_BADGES = {"supported": "✅", "refuted": "❌", "depends": "⚖️", "inconclusive": "❔"}


def decide(claim_id: str, rule: Rule | Mapping[str, Rule], effect: Effect | Mapping[str, Effect],
           condition: str = "", conjuncts: Mapping[str, str] | None = None) -> Decision:
    """Apply ``rule`` to a measured effect (or to one effect per named condition).

    Examples
    --------
    >>> rule = Rule("recall, weighted minus unweighted", "increase", margin=0.02)
    >>> decide("C1.4", rule, Effect(0.25, 0.2, 0.3, 20, "splits")).verdict
    'supported'
    >>> d = decide("C1.4", rule, {"recall at 0.5": Effect(0.25, 0.2, 0.3, 20, "splits", confidence=0.975),
    ...                            "PR-AUC": Effect(0.0, -0.005, 0.005, 20, "splits", confidence=0.975)},
    ...            condition="metric")
    >>> d.verdict, d.verdicts()["PR-AUC"]
    ('depends', 'refuted')
    """
    _check_rule_spec(claim_id, rule)
    effects = {"": effect} if isinstance(effect, Effect) else dict(effect) if isinstance(effect, Mapping) else None
    if effects is None:
        raise TypeError(f"effect must be an Effect or a mapping condition -> Effect, got {type(effect).__name__}")
    return Decision(claim_id, rule, effects, condition, conjuncts)


