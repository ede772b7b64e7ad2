"""The claims ledger page: every claim, grouped by the kind of evidence that decides it.

``render_ledger`` builds the page body from the records the chapters wrote while they executed.
Experiments come first and alone make the headline count; demonstrations say what their set-up
planted; identities carry no verdict and name the unit test that checks them. When the records
of other runs are at hand (the test suite's small-size runs under two seeds), each verdict that
came out differently there is marked *unstable*, and the log of changes to registered rules
closes the page.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from mlsd_lib.claims.effects import _fmt
from mlsd_lib.claims.records import (
    IDENTITY,
    ClaimRecord,
    chapter_of,
    claim_catalog,
    compare_verdicts,
    default_claims_dir,
    load_records,
    verdicts_in,
)
from mlsd_lib.claims.registry import KINDS, deviations, load_registry, render_deviations
from mlsd_lib.claims.rules import VERDICTS

CHAPTER_TITLES = {
    1: "Framework", 2: "Visual search", 3: "Street View blurring", 4: "Video search",
    5: "Harmful content detection", 6: "Video recommendation",
}
_KIND_HEADINGS = {
    "experiment": "Experiments: the outcome could have gone either way",
    "demonstration": "Demonstrations: the set-up plants the mechanism, the run measures its size",
    "identity": "Identities: true by definition or arithmetic, checked by a unit test",
}


def other_runs(directory: str | os.PathLike | None = None) -> dict[str, Path]:
    """The test suite's small-size record folders beside the book's, labelled by size and seed.

    ``<build>/executed/claims`` (the small size, default seed) and ``claims_seed*`` (the small
    size under another seed), when the tests ran in the same checkout.
    """
    base = Path(directory or default_claims_dir()).resolve().parent / "executed"
    out = {}
    for folder in [base / "claims", *sorted(base.glob("claims_seed*"))]:
        if folder.is_dir() and any(folder.glob("ch*.json")):
            seeds = {p.get("seed") for p in load_records(folder).values()}
            out[f"the small size, seed {', '.join(map(str, sorted(s for s in seeds if s is not None)))}"] = folder
    return out


def render_ledger(directory: str | os.PathLike | None = None,
                  comparisons: Mapping[str, str | os.PathLike] | None = None) -> str:
    """Markdown (MyST) body of the claims ledger page, built from the recorded files.

    Parameters
    ----------
    directory : the records the page shows (``default_claims_dir()`` when ``None``).
    comparisons : label → another run's record folder; a verdict that differs there is
        marked. ``None`` looks for the test suite's runs beside ``directory``
        (:func:`other_runs`); ``{}`` compares with nothing.
    """
    catalog = claim_catalog()
    registry = load_registry()
    decided: dict[str, ClaimRecord] = {}
    for payload in load_records(directory).values():
        for raw in payload["records"]:
            decided[raw["claim_id"]] = ClaimRecord(**raw)
    here = {c: r.verdict for c, r in decided.items()}
    marks: dict[str, list[str]] = {}
    folders = other_runs(directory) if comparisons is None else dict(comparisons)
    for label, folder in folders.items():
        diff = compare_verdicts(here, verdicts_in(folder))
        for kind, word in (("opposite", "contradicted"), ("unstable", "unstable")):
            for claim, (_, there) in diff[kind].items():
                marks.setdefault(claim, []).append(f"{word} at {label}: {there}")

    def kind_of(cid: str) -> str:
        if cid in decided:
            return decided[cid].kind
        return registry[cid].kind if cid in registry else "experiment"

    by_kind = {k: [c for c in catalog if kind_of(c) == k] for k in KINDS}
    n_exp = sum(c in decided for c in by_kind["experiment"])
    n_demo = sum(c in decided for c in by_kind["demonstration"])
    n_id = sum(c in decided for c in by_kind["identity"])
    lines = [
        f"**{n_exp} of {len(catalog)} claims are decided by an executed experiment.** "
        f"{n_demo} more are demonstrations, which measure how large a mechanism the set-up planted is, "
        f"and {n_id} are identities, true by arithmetic and checked by unit tests rather than judged; "
        f"{len(catalog) - len(decided)} not yet tested.",
        "",
        "Experiments by chapter: " + " · ".join(
            f"Ch. {ch} ({CHAPTER_TITLES.get(ch, '')}): "
            f"{sum(c in decided for c in by_kind['experiment'] if chapter_of(c) == ch)}"
            f"/{sum(1 for c in catalog if chapter_of(c) == ch)}"
            for ch in sorted({chapter_of(c) for c in catalog})),
        "",
    ]
    for kind in ("experiment", "demonstration"):
        counts = {v: sum(decided[c].verdict == v for c in by_kind[kind] if c in decided) for v in VERDICTS}
        lines.append(f"Verdicts of the {kind}s: " + ", ".join(f"{n} {v}" for v, n in counts.items()) + ".")
        lines.append("")
    if folders:
        n_marked = len(marks)
        lines.append(f"Compared with {', '.join(folders)}: {n_marked} verdict{'s' if n_marked != 1 else ''} "
                     "came out differently there (marked below).")
        lines.append("")
    for kind in KINDS:
        lines += ["", f"### {_KIND_HEADINGS[kind]}", ""]
        if not by_kind[kind]:
            lines.append("None at present.")
            continue
        if kind == IDENTITY:
            lines.append("| Claim | Statement | What the worked example shows | Checked by |")
            lines.append("|---|---|---|---|")
        else:
            lines.append("| Claim | Statement | Verdict | Effect, interval, evidence and rule | What the run found |")
            lines.append("|---|---|---|---|---|")
        for cid in by_kind[kind]:
            lines.append(_row(cid, catalog[cid], decided.get(cid), registry.get(cid), marks.get(cid, [])))
    lines += ["", "### Changes to registered rules", "",
              "Every change to a rule after it was registered is logged here with its reason and the verdict "
              "before and after; the tests fail when a rule changes without an entry.", "",
              render_deviations() if deviations() else "No rule has changed since it was registered."]
    return "\n".join(lines) + "\n"


def _row(cid: str, statement: str, rec: ClaimRecord | None, spec, marks: list[str]) -> str:
    if rec is None:
        if spec is not None and spec.kind == IDENTITY:
            return f"| {cid} | {_cell(statement)} | *not yet shown* | `{spec.test}` |"
        return f"| {cid} | {_cell(statement)} | *not yet tested* | — | — |"
    link = f"{{ref}}`shown in {rec.chapter} <{rec.anchor}>`"
    figs = " · ".join(f"{k.replace('_', ' ')} = {_fmt(v)}" for k, v in rec.figures.items())
    if rec.kind == IDENTITY:
        return (f"| {cid} | {_cell(statement)} | {_cell(rec.finding)}"
                + (f"<br><small>{_cell(figs)}</small>" if figs else "") + f"<br>{link} | `{rec.test}` |")
    d = rec.decision()
    if len(d.effects) == 1:
        effects = d.effect.describe()
    else:
        effects = "<br>".join(f"*{name}*: {e.describe()} → {v}" for (name, e), v in
                              zip(d.effects.items(), d.verdicts().values(), strict=True))
        how = "all parts must hold" if d.is_conjunction() else f"by {d.condition}"
        effects = f"{how}:<br>{effects}"
    finding = rec.finding + (f" {d.what_would_decide()}" if rec.verdict == "inconclusive" else "")
    if rec.kind == "demonstration":
        finding = f"*Planted:* {rec.planted}<br>{finding}"
    verdict = f"**{rec.verdict}**" + "".join(f"<br><small>{_cell(m)}</small>" for m in marks)
    why = f"<br>*why this margin:* {_cell(rec.why)}" if rec.why else ""
    if rec.shows:
        why += f"<br>*shown, not judged (arithmetic):* {_cell(rec.shows)}"
        if rec.test:
            why += f" (`{rec.test}`)"
    return (f"| {cid} | {_cell(statement)} | {verdict} | {_cell(d.measure)}: {_cell(effects)}"
            f"<br>*rule:* {_cell(d.describe_rule())}{why} | {_cell(finding)}"
            + (f"<br><small>{_cell(figs)}</small>" if figs else "") + f"<br>{link.replace('shown', 'decided')} |")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def main(argv: list[str] | None = None) -> int:
    """``python -m mlsd_lib.claims [DIR]`` prints the ledger body (for a quick look)."""
    import sys

    argv = sys.argv[1:] if argv is None else argv
    print(render_ledger(argv[0] if argv else None, comparisons={}))
    return 0
