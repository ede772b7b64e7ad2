"""Figures of chapter 4's serving section.

Each function takes plain numbers, checks them and returns the Matplotlib figure.
Introduced in chapter 4, "Serving".
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_float, check_int

__all__ = ["plot_duplicate_rules"]


def _named_arrays(values, name: str) -> dict[str, np.ndarray]:
    if not isinstance(values, Mapping):
        raise TypeError(f"{name} must be a dict of label -> values, got {type(values).__name__}")
    if not values:
        raise ValueError(f"{name} is empty; pass at least one entry")
    return {str(k): as_array(v, f"{name}[{k!r}]", ndim=1) for k, v in values.items()}


def plot_duplicate_rules(nearest: Mapping[str, ArrayLike], bars: Mapping[str, float],
                         shown: Mapping[str, ArrayLike], k: int,
                         copies: Mapping[str, ArrayLike] | None = None):
    """Compare near-duplicate rules: how close each item's nearest other item is under each
    rule's similarity, and how many of ``k`` results each rule leaves a query.

    Parameters
    ----------
    nearest : rule -> each catalogue item's similarity to its nearest *other* item.
    bars : rule -> the similarity above which the rule hides a result as a duplicate.
    shown : rule -> results shown per query (integers in ``[0, k]``).
    k : results a query asks for.
    copies : optional label -> similarity of known copies to their originals (drawn in the
        left panel: a rule catches the copies that fall left of its bar).

    The left panel plots ``1 - similarity`` on a log scale, so values near 1 spread out;
    a rule hides whatever falls left of its bar. A rule keeps its colour in both panels.

    Examples
    --------
    >>> fig = plot_duplicate_rules({"embedding": [0.9999, 0.99999], "fingerprint": [0.4, 0.6]},
    ...                            {"embedding": 0.995, "fingerprint": 0.98},
    ...                            {"embedding": [6, 7], "fingerprint": [10, 10]}, k=10)
    >>> len(fig.axes)
    2
    """
    nearest, shown = _named_arrays(nearest, "nearest"), _named_arrays(shown, "shown")
    if not isinstance(bars, Mapping):
        raise TypeError(f"bars must be a dict of rule -> similarity bar, got {type(bars).__name__}")
    if not (list(nearest) == [str(r) for r in bars] == list(shown)):
        raise ValueError(f"nearest, bars and shown must name the same rules in the same order; got "
                         f"{list(nearest)}, {[str(r) for r in bars]} and {list(shown)}")
    bar_at = {str(r): check_float(b, f"bars[{r!r}]", low=-1.0, high=1.0) for r, b in bars.items()}
    k = check_int(k, "k", low=1)
    for rule, n in shown.items():
        if (n < 0).any() or (n > k).any() or (n != np.round(n)).any():
            raise ValueError(f"shown[{rule!r}] must hold whole counts of results in [0, {k}]")
    copies = {} if copies is None else _named_arrays(copies, "copies")
    colour = {label: f"C{i}" for i, label in enumerate([*nearest, *copies])}

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
    bins = np.logspace(-7, 0, 50)
    drawn = [(f"nearest other item, {r}", v, colour[r]) for r, v in nearest.items()]
    drawn += [(label, v, colour[label]) for label, v in copies.items()]
    for label, values, c in drawn:
        left.hist(np.clip(1 - values, 1e-7, 1), bins=bins, alpha=0.6, color=c, label=label)
    for rule, b in bar_at.items():
        left.axvline(max(1 - b, 1e-7), color=colour[rule], ls="--", lw=1.2, label=f"{rule} bar {b:g}")
    left.set(xscale="log", xlabel="1 - similarity (log scale; left of a rule's bar: hidden as a duplicate)",
             ylabel="catalogue items", title="how close is the nearest item?")
    left.legend(fontsize=7, loc="upper left")
    counts, width = np.arange(k + 1), 0.8 / len(shown)
    for i, (rule, n) in enumerate(shown.items()):
        offset = (i - (len(shown) - 1) / 2) * width
        right.bar(counts + offset, np.bincount(n.astype(int), minlength=k + 1), width=width,
                  color=colour[rule], label=f"duplicates by {rule}")
    right.set(xlabel=f"results shown (of {k})", ylabel="queries", title="what each duplicate rule leaves to show")
    right.legend(fontsize=7)
    fig.tight_layout()
    return fig
