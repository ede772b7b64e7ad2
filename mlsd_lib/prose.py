"""Prose that quotes the run: measured values handed to the chapter's markdown.

A chapter never types a measured number into its text. It hands the value to the prose with
:func:`quote`, which binds it as ``quoted.<name>`` in the notebook's namespace, and the
markdown shows it with the MyST inline role ``{eval}`f"{quoted.name:.3f}"``` (or
``{eval}`quoted.name``` for a word or a count). The same role renders in both places a reader
meets the chapter: in the built book, where myst-nb evaluates it while executing the notebook
(``nb_execution_mode: inline``), and in JupyterLab, where jupyterlab-myst evaluates it when the
markdown cell runs. Text and figures come from the same execution. When the words themselves
depend on the outcome, :func:`phrase` picks them from the verdict the declared rule computed,
so no sentence asserts a result the run did not produce.

Introduced in chapter 1, "Clarifying requirements" (the set-up cell).
"""

from __future__ import annotations

import numbers
from types import SimpleNamespace

import numpy as np

from mlsd_lib.claims import VERDICTS, Decision

NAMESPACE = "quoted"   # the name the markdown's {eval} roles read the values under


class QuotedText(str):
    """A quoted word or phrase: it shows as itself, without the quotes of a string's repr."""

    __slots__ = ()

    def __repr__(self) -> str:
        return str(self)


class QuotedValues(SimpleNamespace):
    """Every value a chapter's prose quotes, as attributes: ``quoted.c11_split_sd``."""

    def __repr__(self) -> str:
        return f"QuotedValues({', '.join(sorted(vars(self)))})"


def quote(name: str, value, namespace: dict | None = None) -> None:
    """Bind ``value`` as ``quoted.<name>`` for the markdown's ``{eval}`` roles.

    ``namespace`` is the notebook's namespace; by default the running IPython kernel's. Outside
    a kernel (a plain interpreter, a doctest) the call only validates. NumPy scalars become
    plain Python numbers, and text shows without quotes. Quoting a name again replaces its value:
    the prose reads the value current when its cell runs.

    Examples
    --------
    >>> ns = {}
    >>> quote("c11_gain", np.float64(0.0123), ns)
    >>> f"{ns['quoted'].c11_gain:.1%}"
    '1.2%'
    >>> quote("c11_word", "held", ns); ns["quoted"].c11_word
    held
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be a Python identifier for the markdown to use, got {name!r}")
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real | str):
        raise TypeError(f"{name}: value must be a number or a string, got {type(value).__name__}")
    if isinstance(value, numbers.Real) and not np.isfinite(value):
        raise ValueError(f"{name}: value is {value}; only finite measurements can be quoted")
    if namespace is None:
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover - IPython ships with the pinned environment
            return
        shell = get_ipython()
        if shell is None:  # a plain interpreter (tests, doctests): nothing to bind into
            return
        namespace = shell.user_ns
    if not isinstance(namespace, dict):
        raise TypeError(f"namespace must be a dict (the notebook's namespace), got {type(namespace).__name__}")
    values = namespace.setdefault(NAMESPACE, QuotedValues())
    if not isinstance(values, QuotedValues):
        raise ValueError(f"the notebook's variable {NAMESPACE!r} is not the quoted values; rename that "
                         f"variable, the prose reads {NAMESPACE}.<name>")
    setattr(values, name, QuotedText(value) if isinstance(value, str) else value)


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
