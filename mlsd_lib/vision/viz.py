"""Figures of chapter 2: image grids, augmented views, search results, the ANN frontier.

Introduced in chapter 2.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_int


def show_grid(images: ArrayLike, titles: list[str] | None = None, ncols: int = 8, size: float = 1.3, suptitle: str | None = None):
    """Plot grey images in a grid; returns the matplotlib figure.

    Examples
    --------
    >>> import numpy as np
    >>> fig = show_grid(np.zeros((3, 28, 28)), ["a", "b", "c"], ncols=3)
    >>> len(fig.axes)
    3
    """
    import matplotlib.pyplot as plt

    imgs = as_array(images, "images", ndim=3)
    ncols = check_int(ncols, "ncols", low=1)
    if titles is not None and len(titles) != len(imgs):
        raise ValueError(f"titles must have one entry per image ({len(imgs)}), got {len(titles)}")
    n = len(imgs)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows * 1.15), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    vmax = 255 if imgs.max() > 1 else 1
    for i, img in enumerate(imgs):
        ax = axes.ravel()[i]
        ax.imshow(img, cmap="gray_r", vmin=0, vmax=vmax)
        if titles is not None:
            ax.set_title(titles[i], fontsize=7)
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    fig.tight_layout()
    return fig


def show_results(query: ArrayLike, results: ArrayLike, scores: ArrayLike, labels: list[str] | None = None,
                 query_title: str = "query", ax_row=None):
    """One row: the query, then the top-k results annotated with similarity scores.

    Examples
    --------
    >>> import numpy as np
    >>> fig = show_results(np.zeros((28, 28)), np.zeros((3, 28, 28)), [0.9, 0.8, 0.7])
    >>> len(fig.axes)
    4
    """
    q = as_array(query, "query", ndim=2)
    res = as_array(results, "results", ndim=3, allow_empty=True)
    sc = as_array(scores, "scores", ndim=1, allow_empty=True)
    if len(sc) != len(res):
        raise ValueError(f"scores must have one entry per result ({len(res)}), got {len(sc)}")
    titles = [query_title] + [
        f"{s:.2f}" + (f"\n{labels[i]}" if labels is not None else "") for i, s in enumerate(sc)
    ]
    qv = q / 255.0 if q.max() > 1 else q
    rv = res / 255.0 if res.size and res.max() > 1 else res
    return show_grid(np.concatenate([qv[None], rv]), titles, ncols=len(res) + 1)


def plot_frontier(table, recall_col: str = "recall@10", qps_col: str = "qps", label_col: str = "index", ax=None):
    """Recall (x) against queries per second (log y), one labelled point per configuration.

    Examples
    --------
    >>> import pandas as pd
    >>> ax = plot_frontier(pd.DataFrame({"index": ["flat"], "recall@10": [1.0], "qps": [100.0]}))
    >>> ax.get_yscale()
    'log'
    """
    import matplotlib.pyplot as plt

    for col in (recall_col, qps_col, label_col):
        if col not in table:
            raise ValueError(f"table has no column {col!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 4))
    families = table[label_col].str.split(" ").str[0]
    for fam in dict.fromkeys(families):
        sub = table[families == fam]
        ax.plot(sub[recall_col], sub[qps_col], "o-", label=fam)
        for _, row in sub.iterrows():
            ax.annotate(row[label_col].split(" ", 1)[-1] if " " in row[label_col] else "",
                        (row[recall_col], row[qps_col]), fontsize=6, xytext=(3, 3), textcoords="offset points")
    ax.set_yscale("log")
    ax.set_xlabel(recall_col + " against exact search")
    ax.set_ylabel("queries per second (1 thread, batched)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax
