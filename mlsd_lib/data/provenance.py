"""Provenance record attached to every data set the book loads."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[2] / "data"


@dataclass(frozen=True)
class Provenance:
    """Where a data set comes from and under which terms."""

    name: str
    origin: str
    licence: str
    loaded_from: str
    rows: int

    def as_markdown(self) -> str:
        """One-line summary for a notebook cell."""
        return (
            f"**{self.name}** — {self.rows:,} rows; origin: {self.origin}; "
            f"licence: {self.licence}; loaded from `{self.loaded_from}`."
        )

    def _repr_markdown_(self) -> str:
        return self.as_markdown()
