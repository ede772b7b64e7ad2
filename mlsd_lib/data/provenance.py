"""Provenance record attached to every data set the book loads."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[2] / "data"


@dataclass(frozen=True)
class Provenance:
    """Where a data set comes from and under which terms.

    Examples
    --------
    >>> Provenance("x", "o", "MIT", str(DATA_DIR / "a.gz"), 3).loaded_from
    'data/a.gz'
    """

    name: str
    origin: str
    licence: str
    loaded_from: str
    rows: int

    def __post_init__(self) -> None:
        # A published page must not show the build machine's directories: a file inside the
        # repository is named by its path from the repository's root.
        path = Path(self.loaded_from)
        if path.is_absolute():
            try:
                object.__setattr__(self, "loaded_from", path.resolve().relative_to(DATA_DIR.parent).as_posix())
            except ValueError:
                pass

    def as_markdown(self) -> str:
        """One-line summary for a notebook cell."""
        return (
            f"**{self.name}** — {self.rows:,} rows; origin: {self.origin}; "
            f"licence: {self.licence}; loaded from `{self.loaded_from}`."
        )

    def _repr_markdown_(self) -> str:
        return self.as_markdown()
