"""The catalogue of claims, the records a chapter writes, and the recorder that writes them.

``ClaimsRecorder.from_registry(chapter, size, seed=...)`` reads the chapter's registered rules
(:mod:`mlsd_lib.claims.registry`); ``ledger.decide`` applies one to a measured effect and
``ledger.record`` stores the decision, recomputing the verdict from the stored rule and
effects whenever it writes or reads a record, so a record whose verdict disagrees with its own
evidence is refused. An identity is recorded with ``ledger.record_identity``: its worked
example, no verdict.

Records land in ``<claims dir>/<chapter>.json`` as the notebook runs, so the ledger page shows
the figures of the same execution that rendered the chapter.
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

from mlsd_lib.claims.effects import Effect, adjusted_confidence
from mlsd_lib.claims.registry import KINDS, ClaimSpec, chapter_registry
from mlsd_lib.claims.rules import VERDICTS, Decision, Rule, _check_rule_spec, decide

IDENTITY = "identity"   # what an identity's record holds in place of a verdict
_CATALOG = Path(__file__).with_name("catalog.md")
_CLAIM_LINE = re.compile(r"^- (C(\d+)\.(\d+)) (.+)$")


def claim_catalog(path: str | os.PathLike | None = None) -> dict[str, str]:
    """Claim ID → statement, in catalogue order, parsed from ``catalog.md``.

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
    return Path(__file__).resolve().parents[2] / "_build" / "claims"


@dataclass(frozen=True)
class ClaimRecord:
    """One decided claim as stored on disk: verdict, rule, evidence, kind and what it means."""

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
    kind: str = "experiment"
    planted: str = ""
    why: str = ""
    test: str = ""
    shows: str = ""

    def decision(self) -> Decision:
        """Rebuild the decision from the stored rule and effects (recomputes the verdict)."""
        if self.kind == IDENTITY:
            raise ValueError(f"{self.claim_id} is an identity: it has no decision")
        try:
            rule = ({name: Rule(**r) for name, r in self.rule["conditions"].items()}
                    if "conditions" in self.rule else Rule(**self.rule))
            effects = {name: Effect(**e) for name, e in self.effects.items()}
        except TypeError as exc:
            raise ValueError(f"{self.claim_id}: malformed rule or effects in the record: {exc}") from exc
        return Decision(self.claim_id, rule, effects, self.condition, self.rule.get("conjuncts"))

    def _repr_markdown_(self) -> str:
        if self.kind == IDENTITY:
            return (f"🟰 **{self.claim_id} is an identity** (no verdict; checked by `{self.test}`). "
                    f"{self.finding}")
        d = self.decision()
        extra = f" {d.what_would_decide()}" if self.verdict == "inconclusive" else ""
        label = "" if self.kind == "experiment" else f" ({self.kind})"
        return (f"{_BADGES[self.verdict]} **{self.claim_id} {self.verdict}{label}.** {self.finding}{extra}  \n"
                f"<small>{d.measure}: {d.describe()}; rule: {d.describe_rule()}.</small>")


_BADGES = {"supported": "✅", "refuted": "❌", "depends": "⚖️", "inconclusive": "❔"}


def validate_record(record: ClaimRecord, catalog: dict[str, str] | None = None) -> None:
    """Raise ``ValueError`` unless ``record`` is complete and its verdict follows its rule."""
    catalog = catalog if catalog is not None else claim_catalog()
    if record.claim_id not in catalog:
        raise ValueError(f"unknown claim id {record.claim_id!r}; see claims/catalog.md")
    if record.kind not in KINDS:
        raise ValueError(f"{record.claim_id}: kind must be one of {KINDS}, got {record.kind!r}")
    if record.kind == IDENTITY:
        if record.verdict != IDENTITY or record.effects or record.rule:
            raise ValueError(f"{record.claim_id}: an identity carries no rule, effect or verdict")
    else:
        if record.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {record.verdict!r}")
        recomputed = record.decision().verdict
        if recomputed != record.verdict:
            raise ValueError(
                f"{record.claim_id}: the record says {record.verdict!r} but its rule applied to its "
                f"effects gives {recomputed!r}; verdicts are computed by claims.decide, never typed"
            )
    if record.kind == "demonstration" and not record.planted.strip():
        raise ValueError(f"{record.claim_id}: a demonstration's record names what is planted")
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
    """Holds one chapter's registered rules and writes its decisions to ``<directory>/<chapter>.json``.

    Creating a recorder starts the chapter's file afresh, so a rerun never mixes records of
    two executions. Chapters build it with :meth:`from_registry`; passing ``rules`` by hand is
    for library users and tests, and with ``registry=True`` (the default) every rule passed must
    equal the registered one.

    Parameters
    ----------
    chapter : notebook stem, e.g. ``"ch01_framework"``.
    size : the notebook's size switch (``"smoke"`` or ``"full"``), stored with each record.
    rules : claim ID → :class:`Rule` (or part → Rule); ``None`` reads the registry.
    directory : where to write; ``default_claims_dir()`` when ``None``.
    seed : the notebook's seed, stored with each record.
    registry : compare ``rules`` with the registry (``False`` for claims outside it, in tests).

    Examples
    --------
    >>> import tempfile
    >>> ledger = ClaimsRecorder.from_registry("ch01_framework", "smoke", directory=tempfile.mkdtemp())
    >>> ledger.specs["C1.5"].kind
    'experiment'
    """

    def __init__(
        self,
        chapter: str,
        size: str,
        rules: Mapping[str, Rule | Mapping[str, Rule]] | None = None,
        directory: str | os.PathLike | None = None,
        seed: int = 0,
        registry: bool = True,
    ) -> None:
        if not isinstance(chapter, str) or not re.fullmatch(r"ch\d\d_[a-z0-9_]+", chapter):
            raise ValueError(f"chapter must be a notebook stem like 'ch01_framework', got {chapter!r}")
        if size not in ("smoke", "full"):
            raise ValueError(f"size must be 'smoke' or 'full', got {size!r}")
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        if not isinstance(registry, bool):
            raise TypeError(f"registry must be True or False, got {registry!r}")
        self.catalog = claim_catalog()
        if rules is None:
            if not registry:
                raise ValueError("rules=None reads the registry; pass registry=True or give the rules")
            specs = chapter_registry(chapter)
        else:
            if not isinstance(rules, Mapping) or not rules:
                raise ValueError("rules must map each claim the chapter decides to its Rule, declared up front")
            unknown = [c for c in rules if c not in self.catalog]
            if unknown:
                raise ValueError(f"claims not in the catalogue: {unknown}")
            for claim_id, rule in rules.items():
                _check_rule_spec(claim_id, rule)
            specs = {}
            registered = chapter_registry(chapter) if registry else {}
            for claim_id, rule in rules.items():
                spec = registered.get(claim_id)
                if registry and (spec is None or spec.rule != (rule if isinstance(rule, Rule) else dict(rule))):
                    raise ValueError(f"rules: {claim_id}'s rule differs from the registry "
                                     f"(mlsd_lib/claims/registry/); change it there and log a deviation, "
                                     "or use ClaimsRecorder.from_registry")
                specs[claim_id] = spec or ClaimSpec(claim_id, chapter, "experiment", "set by the caller", rule)
        self.chapter = chapter
        self.size = size
        self.seed = int(seed)
        self.specs: dict[str, ClaimSpec] = dict(specs)
        self.rules = {c: s.rule for c, s in self.specs.items() if s.kind != IDENTITY}
        self.path = Path(directory or default_claims_dir()) / f"{chapter}.json"
        self.records: dict[str, ClaimRecord] = {}
        self._write()

    @classmethod
    def from_registry(cls, chapter: str, size: str, *, directory: str | os.PathLike | None = None,
                      seed: int = 0) -> ClaimsRecorder:
        """The recorder for ``chapter`` with every claim the registry holds for it."""
        return cls(chapter, size, None, directory, seed)

    @property
    def declared(self) -> tuple[str, ...]:
        """The claims this chapter registered (identities included)."""
        return tuple(self.specs)

    def _spec(self, claim_id: str) -> ClaimSpec:
        if claim_id not in self.specs:
            raise ValueError(f"claim_id: {claim_id!r} is not registered for {self.chapter}; add it to "
                             "mlsd_lib/claims/registry/ before measuring")
        return self.specs[claim_id]

    def rule(self, claim_id: str) -> Rule | Mapping[str, Rule]:
        """The registered rule of ``claim_id`` (a Rule, or part → Rule)."""
        spec = self._spec(claim_id)
        if spec.rule is None:
            raise ValueError(f"claim_id: {claim_id} is an identity; it has no rule")
        return spec.rule

    def confidence(self, claim_id: str, part: str | None = None, *, conditions: int | None = None) -> float:
        """The coverage each interval of ``claim_id`` needs: 95%, Bonferroni-adjusted for its conditions.

        The conditions are the registered parts that share ``part``'s conjunct; a claim with one
        registered rule measured under several named conditions passes their number as
        ``conditions``.

        Examples
        --------
        >>> import tempfile
        >>> ledger = ClaimsRecorder.from_registry("ch01_framework", "smoke", directory=tempfile.mkdtemp())
        >>> ledger.confidence("C1.1")
        0.95
        >>> ledger.confidence("C1.5", conditions=2)
        0.975
        """
        spec = self._spec(claim_id)
        parts = spec.parts()
        if not parts:
            raise ValueError(f"claim_id: {claim_id} is an identity; it has no interval")
        if conditions is not None:
            if not isinstance(spec.rule, Rule):
                raise ValueError(f"conditions: {claim_id} registers its parts; name the part instead")
            if isinstance(conditions, bool) or not isinstance(conditions, int) or conditions < 1:
                raise ValueError(f"conditions must be a positive integer, got {conditions!r}")
            return adjusted_confidence(conditions)
        if part is None:
            sizes = {len(spec.conditions_of(p)) for p in parts}
            if len(sizes) > 1:
                raise ValueError(f"part: {claim_id}'s conjuncts have different numbers of conditions; name the part")
            return adjusted_confidence(sizes.pop())
        if part not in parts:
            raise ValueError(f"part: {claim_id} has no part {part!r}; its parts are {sorted(parts)}")
        return adjusted_confidence(len(spec.conditions_of(part)))

    def decide(self, claim_id: str, effect: Effect | Mapping[str, Effect], condition: str = "") -> Decision:
        """Apply the rule registered for ``claim_id`` to the measured effect(s)."""
        spec = self._spec(claim_id)
        if spec.rule is None:
            raise ValueError(f"claim_id: {claim_id} is an identity; record its worked example with record_identity")
        if not condition and not isinstance(spec.rule, Rule):
            condition = "part" if spec.conjuncts is not None else "condition"
        return decide(claim_id, spec.rule, effect, condition, spec.conjuncts)

    def record(self, decision: Decision, finding: str, figures: Mapping[str, float] | None = None) -> ClaimRecord:
        """Store one decision with its one-line finding and any supporting figures.

        ``figures`` may be a dict of numbers or a pandas Series / one-row DataFrame (a slice
        of a results table).
        """
        if isinstance(decision, str):
            raise TypeError("record takes a Decision from ledger.decide(...); verdicts are computed, never typed")
        if not isinstance(decision, Decision):
            raise TypeError(f"decision must be a Decision from ledger.decide, got {type(decision).__name__}")
        spec = self.specs.get(decision.claim_id)
        if spec is None or spec.rule is None or decision.rule != spec.rule or decision.conjuncts != (
                dict(spec.conjuncts) if spec.conjuncts is not None else None):
            raise ValueError(f"decision: {decision.claim_id} must be decided by the rule registered for it in "
                             f"{self.chapter}; use ledger.decide")
        rule = (asdict(decision.rule) if isinstance(decision.rule, Rule)
                else {"conditions": {name: asdict(r) for name, r in decision.rule.items()}})
        if decision.conjuncts is not None:
            rule["conjuncts"] = dict(decision.conjuncts)
        return self._store(ClaimRecord(
            claim_id=decision.claim_id, verdict=decision.verdict, rule=rule,
            effects={name: asdict(e) for name, e in decision.effects.items()},
            condition=decision.condition, figures=_figures(figures),
            finding=finding.strip() if isinstance(finding, str) else finding,
            chapter=self.chapter, anchor=anchor_of(decision.claim_id), size=self.size, seed=self.seed,
            recorded_at=_now(), kind=spec.kind, planted=spec.planted, why=spec.why, test=spec.test,
            shows=spec.shows,
        ))

    def record_identity(self, claim_id: str, finding: str, figures: Mapping[str, float] | None = None) -> ClaimRecord:
        """Store an identity's worked example: what it shows, with its figures, and no verdict."""
        spec = self._spec(claim_id)
        if spec.kind != IDENTITY:
            raise ValueError(f"claim_id: {claim_id} is registered as {spec.kind}, not an identity; use decide/record")
        return self._store(ClaimRecord(
            claim_id=claim_id, verdict=IDENTITY, rule={}, effects={}, condition="", figures=_figures(figures),
            finding=finding.strip() if isinstance(finding, str) else finding, chapter=self.chapter,
            anchor=anchor_of(claim_id), size=self.size, seed=self.seed, recorded_at=_now(),
            kind=IDENTITY, planted=spec.planted, why=spec.why, test=spec.test,
        ))

    def _store(self, rec: ClaimRecord) -> ClaimRecord:
        validate_record(rec, self.catalog)
        self.records[rec.claim_id] = rec
        self._write()
        return rec

    def check_complete(self) -> None:
        """Raise ``AssertionError`` if a registered claim has not been recorded."""
        missing = [c for c in self.specs if c not in self.records]
        assert not missing, f"{self.chapter} registered but did not record: {missing}"

    def rules_table(self):
        """The chapter's registered rules as a pandas DataFrame: what is measured, the rule and why."""
        import pandas as pd

        rows = []
        for claim_id, spec in self.specs.items():
            if spec.rule is None:
                rows.append({"claim": claim_id, "part": "", "kind": spec.kind,
                             "measure": f"worked example; checked by {spec.test}", "the source claims": "—",
                             "why this margin": spec.why})
                continue
            for part, r in spec.parts().items():
                rows.append({"claim": claim_id, "part": part, "kind": spec.kind, "measure": r.measure,
                             "the source claims": r.describe(), "why this margin": spec.why_of(part)})
        return pd.DataFrame(rows).set_index(["claim", "part"])

    def summary(self):
        """The chapter's records as a pandas DataFrame, for display in the notebook."""
        import pandas as pd

        rows = []
        for r in self.records.values():
            if r.kind == IDENTITY:
                rows.append({"claim": r.claim_id, "kind": r.kind, "verdict": "— (identity)", "measure": "",
                             "effect (95% CI)": "", "rule": f"checked by {r.test}", "finding": r.finding})
                continue
            d = r.decision()
            rows.append({"claim": r.claim_id, "kind": r.kind, "verdict": r.verdict, "measure": d.measure,
                         "effect (95% CI)": d.describe(), "rule": d.describe_rule(), "finding": r.finding})
        return pd.DataFrame(rows, columns=["claim", "kind", "verdict", "measure", "effect (95% CI)", "rule",
                                           "finding"])

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "chapter": self.chapter,
            "size": self.size,
            "seed": self.seed,
            "declared": list(self.specs),
            "records": [asdict(r) for r in self.records.values()],
        }
        tmp = self.path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(payload, indent=2), encoding="utf-8")
        tmp.replace(self.path)


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


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
    """Claim ID → verdict for every record in ``directory`` (``"identity"`` for identities)."""
    return {r["claim_id"]: r["verdict"] for p in load_records(directory).values() for r in p["records"]}


def compare_verdicts(first: Mapping[str, str], second: Mapping[str, str]) -> dict[str, dict[str, tuple]]:
    """Sort the differences between two runs' verdicts into contradictions and instabilities.

    ``"opposite"``: supported in one run and refuted in the other (a failure);
    ``"unstable"``: decided in one run, inconclusive or "depends" in the other (reported);
    ``"missing"``: recorded in one run only. Every claim is compared, in both directions.

    Examples
    --------
    >>> compare_verdicts({"C1.1": "supported", "C1.2": "inconclusive"}, {"C1.1": "refuted", "C1.2": "supported"})
    {'opposite': {'C1.1': ('supported', 'refuted')}, 'unstable': {'C1.2': ('inconclusive', 'supported')}, \
'missing': {}}
    """
    for name, m in (("first", first), ("second", second)):
        if not isinstance(m, Mapping):
            raise TypeError(f"{name} must map claim ID -> verdict, got {type(m).__name__}")
    out: dict[str, dict[str, tuple]] = {"opposite": {}, "unstable": {}, "missing": {}}
    for claim in sorted(set(first) | set(second), key=lambda c: tuple(int(x) for x in c[1:].split("."))):
        a, b = first.get(claim), second.get(claim)
        if a is None or b is None:
            out["missing"][claim] = (a, b)
        elif a != b:
            out["opposite" if {a, b} == {"supported", "refuted"} else "unstable"][claim] = (a, b)
    return out
