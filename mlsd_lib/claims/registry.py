"""The rules registry: every claim's rule, registered before the run, and the log of its changes.

One TOML file per chapter under ``registry/`` holds, for each claim the chapter decides:

- ``kind``: what sort of evidence decides it (:data:`KINDS`):

  - **experiment**: the outcome could have gone either way (real data, or a simulator that
    does not encode the mechanism under test);
  - **demonstration**: the set-up plants the mechanism and the run measures how large it is;
    ``planted`` says in one sentence what is planted;
  - **identity**: it follows from a definition or arithmetic; the chapter shows a worked
    example, ``test`` names the unit test that checks it, and it gets no verdict.

- the rule: ``measure``, ``direction`` and ``margin`` (see :class:`~mlsd_lib.claims.Rule`), or
  ``parts`` with one rule each, combined as ``combine = "conditions"`` (one measure under named
  conditions: may *depend*) or ``combine = "all"`` (a conjunction; parts that share a
  ``conjunct`` name are conditions of that conjunct);
- ``why``: the practical reason for the margin ("one relevant image in ten"), never a measured
  value.

A chapter's notebook never writes a rule: ``ClaimsRecorder.from_registry`` reads them. A change
to a registered rule is an entry in the same file's ``[[deviations]]`` log (date, claims, old and
new rule, reason, the verdict before and after) whose ``fingerprint`` is the rules' fingerprint
after the change; :func:`check_registry` (run by the tests) fails when the rules changed
without such an entry. ``python -m mlsd_lib.claims.registry`` prints each chapter's current
fingerprint.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from mlsd_lib.claims.rules import DIRECTIONS, Rule

KINDS = ("experiment", "demonstration", "identity")
REGISTRY_DIR = Path(__file__).with_name("registry")
_RULE_KEYS = {"measure", "direction", "margin"}
_CLAIM_KEYS = _RULE_KEYS | {"kind", "why", "planted", "test", "combine", "parts", "shows"}
_PART_KEYS = _RULE_KEYS | {"why", "conjunct"}
_DEVIATION_KEYS = {"date", "claims", "old", "new", "reason", "verdict_before", "verdict_after", "fingerprint"}


@dataclass(frozen=True)
class ClaimSpec:
    """One claim's registered rule and the kind of evidence that decides it.

    Attributes
    ----------
    claim_id : ``"C1.4"``.
    chapter : the notebook stem that decides it.
    kind : ``"experiment"``, ``"demonstration"`` or ``"identity"``.
    why : the practical reason for the margin (or, for an identity, why it needs no run).
    rule : one :class:`Rule`, a mapping part → Rule, or ``None`` for an identity.
    conjuncts : part → conjunct name for a conjunction (``combine = "all"``), else ``None``.
    planted : for a demonstration, what the set-up plants.
    test : for an identity, the unit test that checks it (``path::name``).
    part_why : part → its own reason, where a part has one.
    shows : a half of the claim that is arithmetic, shown as a worked example and unit-tested
        rather than judged (e.g. the storage half of "faster but costs storage").
    """

    claim_id: str
    chapter: str
    kind: str
    why: str
    rule: Rule | Mapping[str, Rule] | None
    conjuncts: Mapping[str, str] | None = None
    planted: str = ""
    test: str = ""
    part_why: Mapping[str, str] | None = None
    shows: str = ""

    def parts(self) -> dict[str, Rule]:
        """Part name → Rule (``{"": rule}`` for a one-rule claim, empty for an identity)."""
        if self.rule is None:
            return {}
        return {"": self.rule} if isinstance(self.rule, Rule) else dict(self.rule)

    def conditions_of(self, part: str) -> list[str]:
        """The parts compared as conditions alongside ``part`` (itself included)."""
        parts = self.parts()
        if part not in parts:
            raise ValueError(f"{self.claim_id} has no part {part!r}; its parts are {sorted(parts)}")
        if self.conjuncts is None:
            return list(parts)
        return [p for p in parts if self.conjuncts[p] == self.conjuncts[part]]

    def why_of(self, part: str) -> str:
        """The reason for ``part``'s margin (the claim's own reason when the part has none)."""
        return (self.part_why or {}).get(part) or self.why


def _rule(claim_id: str, where: str, table: Mapping) -> Rule:
    missing = _RULE_KEYS - set(table)
    if missing:
        raise ValueError(f"{claim_id}{where}: the rule needs {sorted(missing)}")
    if table["direction"] not in DIRECTIONS:
        raise ValueError(f"{claim_id}{where}: direction must be one of {DIRECTIONS}, got {table['direction']!r}")
    margin = table["margin"]
    return Rule(str(table["measure"]), str(table["direction"]), float(margin) if isinstance(margin, int) else margin)


def parse_claim(claim_id: str, chapter: str, table: Mapping) -> ClaimSpec:
    """Build a :class:`ClaimSpec` from one ``[claims."C1.4"]`` table of a registry file."""
    if not isinstance(table, Mapping):
        raise TypeError(f"{claim_id}: the registry entry must be a table")
    unknown = set(table) - _CLAIM_KEYS
    if unknown:
        raise ValueError(f"{claim_id}: unknown registry keys {sorted(unknown)}; allowed: {sorted(_CLAIM_KEYS)}")
    kind = table.get("kind")
    if kind not in KINDS:
        raise ValueError(f"{claim_id}: kind must be one of {KINDS}, got {kind!r}")
    why = table.get("why", "")
    if not isinstance(why, str) or not why.strip():
        raise ValueError(f"{claim_id}: 'why' must give the practical reason for the margin")
    if re.search(r"\bmeasured\b", why):
        raise ValueError(f"{claim_id}: 'why' must be a practical reason, not a measured value: {why!r}")
    planted, test = table.get("planted", ""), table.get("test", "")
    if kind == "demonstration" and not str(planted).strip():
        raise ValueError(f"{claim_id}: a demonstration names what its set-up plants ('planted')")
    if kind == "identity":
        if not re.fullmatch(r"tests/[\w/]+\.py::\w+", str(test)):
            raise ValueError(f"{claim_id}: an identity names the unit test that checks it, "
                             f"'tests/<file>.py::<test>', got {test!r}")
        if set(table) & (_RULE_KEYS | {"parts", "combine"}):
            raise ValueError(f"{claim_id}: an identity gets no verdict, so it has no rule")
        return ClaimSpec(claim_id, chapter, kind, why.strip(), None, None, str(planted), str(test),
                         shows=str(table.get("shows", "")))
    if "parts" in table:
        if set(table) & _RULE_KEYS:
            raise ValueError(f"{claim_id}: give either one rule or 'parts', not both")
        parts = table["parts"]
        if not isinstance(parts, Mapping) or len(parts) < 2:
            raise ValueError(f"{claim_id}: 'parts' must hold at least two named rules")
        rules, conj, part_why = {}, {}, {}
        for name, spec in parts.items():
            extra = set(spec) - _PART_KEYS
            if extra:
                raise ValueError(f"{claim_id} part {name!r}: unknown keys {sorted(extra)}")
            rules[name] = _rule(claim_id, f" part {name!r}", spec)
            conj[name] = spec.get("conjunct", name)
            if spec.get("why"):
                part_why[name] = str(spec["why"])
        combine = table.get("combine", "conditions")
        if combine not in ("conditions", "all"):
            raise ValueError(f"{claim_id}: combine must be 'conditions' or 'all', got {combine!r}")
        if combine == "conditions" and any("conjunct" in spec for spec in parts.values()):
            raise ValueError(f"{claim_id}: 'conjunct' needs combine = 'all'")
        return ClaimSpec(claim_id, chapter, kind, why.strip(), rules,
                         conj if combine == "all" else None, str(planted), str(test), part_why or None,
                         str(table.get("shows", "")))
    if "combine" in table:
        raise ValueError(f"{claim_id}: 'combine' needs 'parts'")
    return ClaimSpec(claim_id, chapter, kind, why.strip(), _rule(claim_id, "", table), None, str(planted), str(test),
                     shows=str(table.get("shows", "")))


def _files(directory: Path | None) -> list[Path]:
    return sorted(Path(directory or REGISTRY_DIR).glob("ch*.toml"))


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path.name}: not valid TOML: {exc}") from exc


_PROSE_KEYS = {"why", "planted", "test", "shows"}


def _rules_only(table):
    if isinstance(table, Mapping):
        return {k: _rules_only(v) for k, v in table.items() if k not in _PROSE_KEYS}
    return table


def fingerprint(claims_table: Mapping) -> str:
    """A short hash of a chapter's rules: kinds, measures, directions, margins and how parts combine.

    The reasons and descriptions (``why``, ``planted``, ``test``) can be reworded without a log entry.
    """
    if not isinstance(claims_table, Mapping):
        raise TypeError(f"claims_table must be a chapter's 'claims' table, got {type(claims_table).__name__}")
    text = json.dumps(_rules_only(claims_table), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@lru_cache(maxsize=8)
def _load(directory: str) -> tuple[dict[str, ClaimSpec], tuple[dict, ...]]:
    specs: dict[str, ClaimSpec] = {}
    log: list[dict] = []
    for path in _files(Path(directory)):
        data = _read(path)
        chapter = data.get("chapter")
        if not isinstance(chapter, str) or not path.stem.startswith(chapter[:4]):
            raise ValueError(f"{path.name}: 'chapter' must be the notebook stem it registers, got {chapter!r}")
        for claim_id, table in data.get("claims", {}).items():
            if claim_id in specs:
                raise ValueError(f"{claim_id} is registered twice")
            specs[claim_id] = parse_claim(claim_id, chapter, table)
        for entry in data.get("deviations", []):
            log.append({"chapter": chapter, **entry})
    return specs, tuple(log)


def load_registry(directory: str | Path | None = None) -> dict[str, ClaimSpec]:
    """Claim ID → :class:`ClaimSpec` for every registered claim.

    Examples
    --------
    >>> load_registry()["C1.1"].kind
    'experiment'
    """
    return dict(_load(str(Path(directory or REGISTRY_DIR).resolve()))[0])


def chapter_registry(chapter: str, directory: str | Path | None = None) -> dict[str, ClaimSpec]:
    """The registered claims of one chapter (notebook stem), in registry order."""
    if not isinstance(chapter, str):
        raise TypeError(f"chapter must be a notebook stem such as 'ch01_framework', got {type(chapter).__name__}")
    specs = {c: s for c, s in load_registry(directory).items() if s.chapter == chapter}
    if not specs:
        raise ValueError(f"chapter {chapter!r} has no registered claims; add registry/{chapter[:4]}*.toml")
    return specs


def deviations(directory: str | Path | None = None) -> list[dict]:
    """Every logged change of a registered rule, oldest first within each chapter."""
    return [dict(e) for e in _load(str(Path(directory or REGISTRY_DIR).resolve()))[1]]


def current_fingerprints(directory: str | Path | None = None) -> dict[str, str]:
    """Chapter → the fingerprint of its registered rules as they are now."""
    return {_read(p)["chapter"]: fingerprint(_read(p).get("claims", {})) for p in _files(directory)}


def check_registry(directory: str | Path | None = None) -> None:
    """Raise ``ValueError`` unless every chapter's rules match its last logged fingerprint.

    A file without deviations carries its registration's fingerprint in ``[registration]``;
    after that, the newest ``[[deviations]]`` entry's ``fingerprint`` must be the current one.
    """
    for path in _files(directory):
        data = _read(path)
        now = fingerprint(data.get("claims", {}))
        log = data.get("deviations", [])
        for i, entry in enumerate(log):
            missing = {"date", "claims", "old", "new", "reason", "verdict_before", "verdict_after"} - set(entry)
            extra = set(entry) - _DEVIATION_KEYS
            if missing or extra:
                raise ValueError(f"{path.name}: deviation {i + 1} lacks {sorted(missing)} or has unknown "
                                 f"{sorted(extra)}")
        pinned = log[-1].get("fingerprint") if log else data.get("registration", {}).get("fingerprint")
        if pinned != now:
            raise ValueError(f"{path.name}: the registered rules changed (fingerprint {now}) without a deviations "
                             f"entry; log the change (date, claims, old, new, reason, verdicts) with "
                             f"fingerprint = \"{now}\"")
    load_registry(directory)


def render_deviations(directory: str | Path | None = None) -> str:
    """The deviations log as a Markdown table, for the ledger page."""
    rows = ["| Date | Claims | Rule before | Rule after | Why | Verdict before → after |", "|---|---|---|---|---|---|"]
    for e in sorted(deviations(directory), key=lambda e: (str(e["date"]), e["chapter"])):
        rows.append("| " + " | ".join(_cell(str(x)) for x in (
            e["date"], ", ".join(e["claims"]), e["old"], e["new"], e["reason"],
            f"{e['verdict_before']} → {e['verdict_after']}")) + " |")
    return "\n".join(rows) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def main() -> int:
    """Print each chapter's current fingerprint (to pin after logging a change)."""
    for chapter, fp in current_fingerprints().items():
        print(f"{chapter}: {fp}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
