"""Prose that quotes the run: measured values handed to the chapter's markdown.

A chapter never types a measured number into its text. It hands the value to the prose with
:func:`quote` (myst-nb's ``glue``), and the markdown inserts it with
``{glue:text}`name:.3f```, so the text and the figures come from the same execution. When
the words themselves depend on the outcome, :func:`phrase` picks them from the verdict the
declared rule computed, so no sentence asserts a result the run did not produce.

Introduced in chapter 1, "Clarifying requirements" (the set-up cell).
"""

from __future__ import annotations

import numbers

import numpy as np

from mlsd_lib.claims import VERDICTS, Decision


def quote(name: str, value) -> None:
    """Glue ``value`` under ``name`` for the markdown, without displaying it here.

    NumPy scalars become plain Python numbers: myst-nb formats ``{glue:text}`name:.3f``` from
    the value's text form, which for ``np.float64`` is ``"np.float64(...)"``.

    Examples
    --------
    >>> quote("c11_gain", np.float64(0.0123))   # outside a kernel this only validates
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be a Python identifier for the markdown to use, got {name!r}")
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real | str):
        raise TypeError(f"{name}: value must be a number or a string, got {type(value).__name__}")
    if isinstance(value, numbers.Real) and not np.isfinite(value):
        raise ValueError(f"{name}: value is {value}; only finite measurements can be quoted")
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the pinned environment
        return
    if get_ipython() is None:  # a plain interpreter (tests, doctests): nothing to glue into
        return
    from myst_nb import glue

    glue(name, value, display=False)


def phrase(decision: Decision | str, supported: str, refuted: str, otherwise: str,
           depends: str | None = None) -> str:
    """The words that match the computed verdict (a :class:`Decision` or one verdict string).

    ``otherwise`` covers "inconclusive", and "depends" too unless ``depends`` gives its own words.

    Examples
    --------
    >>> phrase("refuted", "held", "did not hold", "was not settled")
    'did not hold'
    >>> phrase("depends", "held", "did not hold", "was not settled", depends="held for some queries")
    'held for some queries'
    """
    verdict = decision.verdict if isinstance(decision, Decision) else decision
    if verdict not in VERDICTS:
        raise ValueError(f"decision must be a Decision or one of {VERDICTS}, got {verdict!r}")
    if depends is not None and not isinstance(depends, str):
        raise TypeError(f"depends must be a string or None, got {type(depends).__name__}")
    words = {"supported": supported, "refuted": refuted, "depends": depends if depends is not None else otherwise}
    return words.get(verdict, otherwise)
