"""The claims ledger: each chapter records the design claims it decides by experiment.

A chapter's check cell first ``assert``s the figure that guards a claim, then records it:

>>> ledger = ClaimsRecorder("ch01_framework", size="smoke", directory=tmp)  # doctest: +SKIP
>>> ledger.record("C1.5", "supported", {"mse_test_mae": 0.41, "huber_test_mae": 0.29},
...               "Huber cut test MAE by 29% with 5% of labels corrupted.")  # doctest: +SKIP

Records land in ``<claims dir>/<chapter>.json`` as the notebook runs, so the ledger page
(``book/claims_ledger.md``, rendered by ``book/_ext/claims_ledger.py``) is produced by the
same execution that renders the chapter. The claim catalogue is ``claims_catalog.md``, a
copy of the project's ``CLAIMS.md``.

Introduced with the claims ledger page.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

VERDICTS = ("supported", "refuted", "depends")
_CATALOG = Path(__file__).with_name("claims_catalog.md")
_CLAIM_LINE = re.compile(r"^- (C(\d+)\.(\d+)) (.+)$")


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
    m = re.fullmatch(r"C(\d+)\.(\d+)", claim_id)
    if not m:
        raise ValueError(f"claim id must look like 'C1.4', got {claim_id!r}")
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


@dataclass(frozen=True)
class ClaimRecord:
    """One decided claim: what was measured and what the book concludes."""

    claim_id: str
    verdict: str
    figures: dict[str, float]
    finding: str
    chapter: str
    anchor: str
    size: str
    recorded_at: str = field(default="")

    def _repr_markdown_(self) -> str:
        badge = {"supported": "✅", "refuted": "❌", "depends": "⚖️"}.get(self.verdict, "")
        figs = ", ".join(f"`{k}` = {_fmt(v)}" for k, v in self.figures.items())
        return f"{badge} **{self.claim_id} {self.verdict}.** {self.finding}  \n<small>Recorded for the claims ledger: {figs}</small>"


def validate_record(record: ClaimRecord, catalog: dict[str, str] | None = None) -> None:
    """Raise ``ValueError`` unless ``record`` names a known claim, a valid verdict, figures."""
    catalog = catalog if catalog is not None else claim_catalog()
    if record.claim_id not in catalog:
        raise ValueError(f"unknown claim id {record.claim_id!r}; see claims_catalog.md")
    if record.verdict not in VERDICTS:
        raise ValueError(f"verdict must be one of {VERDICTS}, got {record.verdict!r}")
    if not isinstance(record.figures, dict) or not record.figures:
        raise ValueError(f"{record.claim_id}: figures must be a non-empty dict of measured numbers")
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
    """Collects one chapter's claim records and writes them to ``<directory>/<chapter>.json``.

    Creating a recorder starts the chapter's file afresh, so a rerun never mixes records of
    two executions.

    Parameters
    ----------
    chapter : notebook stem, e.g. ``"ch01_framework"``.
    size : the notebook's size switch (``"smoke"`` or ``"full"``), stored with each record.
    directory : where to write; ``default_claims_dir()`` when ``None``.
    declared : the claim IDs this chapter promises to decide; ``check_complete`` enforces it.
    """

    def __init__(
        self,
        chapter: str,
        size: str,
        directory: str | os.PathLike | None = None,
        declared: list[str] | tuple[str, ...] = (),
    ) -> None:
        if not re.fullmatch(r"ch\d\d_[a-z0-9_]+", chapter or ""):
            raise ValueError(f"chapter must be a notebook stem like 'ch01_framework', got {chapter!r}")
        if size not in ("smoke", "full"):
            raise ValueError(f"size must be 'smoke' or 'full', got {size!r}")
        self.chapter = chapter
        self.size = size
        self.catalog = claim_catalog()
        unknown = [c for c in declared if c not in self.catalog]
        if unknown:
            raise ValueError(f"declared claims not in the catalogue: {unknown}")
        self.declared = tuple(declared)
        self.path = Path(directory or default_claims_dir()) / f"{chapter}.json"
        self.records: dict[str, ClaimRecord] = {}
        self._write()

    def record(
        self, claim_id: str, verdict: str, figures: dict[str, float], finding: str
    ) -> ClaimRecord:
        """Validate and store one claim's outcome; returns the record."""
        figures = {k: (float(v) if not isinstance(v, bool) and hasattr(v, "__float__") else v)
                   for k, v in dict(figures).items()}
        rec = ClaimRecord(
            claim_id=claim_id,
            verdict=verdict,
            figures=figures,
            finding=finding.strip() if isinstance(finding, str) else finding,
            chapter=self.chapter,
            anchor=anchor_of(claim_id) if isinstance(claim_id, str) else "",
            size=self.size,
            recorded_at=_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        )
        validate_record(rec, self.catalog)
        self.records[claim_id] = rec
        self._write()
        return rec

    def check_complete(self) -> None:
        """Raise ``AssertionError`` if a declared claim has not been recorded."""
        missing = [c for c in self.declared if c not in self.records]
        assert not missing, f"{self.chapter} declared but did not record: {missing}"

    def summary(self):
        """The chapter's records as a pandas DataFrame, for display in the notebook."""
        import pandas as pd

        rows = [
            {"claim": r.claim_id, "verdict": r.verdict, "finding": r.finding,
             "figures": ", ".join(f"{k} = {_fmt(v)}" for k, v in r.figures.items())}
            for r in self.records.values()
        ]
        return pd.DataFrame(rows, columns=["claim", "verdict", "figures", "finding"])

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "chapter": self.chapter,
            "size": self.size,
            "declared": list(self.declared),
            "records": [asdict(r) for r in self.records.values()],
        }
        tmp = self.path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(payload, indent=2), encoding="utf-8")
        tmp.replace(self.path)


def load_records(directory: str | os.PathLike | None = None) -> dict[str, dict]:
    """Read every chapter file in ``directory``; returns chapter → payload, validated."""
    directory = Path(directory or default_claims_dir())
    catalog = claim_catalog()
    out = {}
    for path in sorted(directory.glob("ch*.json")):
        payload = json.loads(path.read_text(encoding="utf-8"))
        for raw in payload.get("records", []):
            validate_record(ClaimRecord(**raw), catalog)
        out[payload["chapter"]] = payload
    return out


def _fmt(value: float) -> str:
    if isinstance(value, int) or (abs(value) >= 100 and float(value).is_integer()):
        return f"{int(value):,}"
    if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
        return f"{value:.3g}"
    return f"{value:.4g}"


_CHAPTER_TITLES = {
    1: "Framework", 2: "Visual search", 3: "Street View blurring", 4: "Video search",
    5: "Harmful content detection", 6: "Video recommendation",
}


def render_ledger(directory: str | os.PathLike | None = None) -> str:
    """Markdown (MyST) body of the claims ledger page, built from the recorded files.

    Every claim of the catalogue appears: decided ones with verdict, figures, finding and a
    link to the section that decides them; the rest as "not yet tested".
    """
    catalog = claim_catalog()
    payloads = load_records(directory)
    decided = {}
    sizes = set()
    for payload in payloads.values():
        sizes.add(payload.get("size"))
        for raw in payload["records"]:
            decided[raw["claim_id"]] = raw
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
    verdict_counts = {v: sum(r["verdict"] == v for r in decided.values()) for v in VERDICTS}
    lines.append(
        "Verdicts: " + ", ".join(f"{n} {v}" for v, n in verdict_counts.items())
        + f"; {len(catalog) - total} not yet tested."
        + (f" Figures from the `{'`/`'.join(sorted(s for s in sizes if s))}` size of each chapter." if sizes else "")
    )
    for ch in sorted(counts):
        lines += ["", f"## Chapter {ch}: {_CHAPTER_TITLES.get(ch, '')}", ""]
        lines.append("| Claim | Statement | Verdict | What the experiment found |")
        lines.append("|---|---|---|---|")
        for cid, statement in catalog.items():
            if chapter_of(cid) != ch:
                continue
            rec = decided.get(cid)
            if rec is None:
                lines.append(f"| {cid} | {_cell(statement)} | *not yet tested* | — |")
                continue
            figs = " · ".join(f"{k.replace('_', ' ')} = {_fmt(v)}" for k, v in rec["figures"].items())
            link = f"{{ref}}`decided in {rec['chapter']} <{rec['anchor']}>`"
            lines.append(
                f"| {cid} | {_cell(statement)} | **{rec['verdict']}** | {_cell(rec['finding'])}"
                f"<br><small>{_cell(figs)}</small><br>{link} |"
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
