"""Figures of chapter 3: scenes with boxes, precision–recall curves, errors by kind.

Introduced in chapter 3, "Data preparation"; the trade-off plane and the mining figures in
"Two-stage against one-stage" and "The data pipeline".
"""

from __future__ import annotations

import numpy as np

from mlsd_lib.detection.scenes import CLASS_NAMES

COLOURS = {1: "tab:red", 2: "tab:cyan"}


def show_detections(ax, image, detections=None, ground_truth=None, title: str | None = None,
                    score_threshold: float = 0.5, scores: bool = True):
    """Draw a grey image, its ground truth (dashed white) and its detections (red faces, cyan plates)."""
    import matplotlib.patches as mpatches

    ax.imshow(image, cmap="gray", vmin=0, vmax=255 if np.asarray(image).dtype == np.uint8 else 1)
    if ground_truth is not None:
        for b in np.asarray(ground_truth["boxes"]).reshape(-1, 4):
            ax.add_patch(mpatches.Rectangle(b[:2], b[2] - b[0], b[3] - b[1], fill=False, ec="white", ls="--", lw=1))
    if detections is not None:
        keep = np.asarray(detections["scores"]) >= score_threshold
        for b, s, c in zip(np.asarray(detections["boxes"])[keep], np.asarray(detections["scores"])[keep],
                           np.asarray(detections["labels"])[keep], strict=True):
            ax.add_patch(mpatches.Rectangle(b[:2], b[2] - b[0], b[3] - b[1], fill=False, ec=COLOURS[int(c)], lw=1.2))
            if scores:
                ax.text(b[0], b[1] - 0.5, f"{s:.2f}", color=COLOURS[int(c)], fontsize=6, va="bottom")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=8)
    return ax


def plot_pr_curves(curves: dict, ax=None, title: str = ""):
    """``curves`` maps a label to ``(precision, recall)``; one step line each."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 3.2))
    for label, (p, r) in curves.items():
        ax.step(np.concatenate([[0], r]), np.concatenate([[1], p]), where="post", label=label)
    ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1.02), ylim=(0, 1.02), title=title)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return ax


def plot_error_kinds(table, ax=None, title: str = "detections above 0.5 by kind, and objects missed"):
    """A stacked bar per detector (rows of ``table``) of the error kinds (columns)."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 2.8))
    left = np.zeros(len(table))
    for col in table.columns:
        ax.barh(table.index, table[col], left=left, label=col)
        left += table[col].to_numpy()
    ax.set(xlabel="count over the test scenes", title=title)
    ax.legend(fontsize=7, ncol=3, loc="lower right")
    return ax


def class_legend() -> str:
    """The colour key, for figure captions."""
    return ", ".join(f"{CLASS_NAMES[c]}: {col.split(':')[1]}" for c, col in COLOURS.items())


def _per_seed(values, name: str) -> dict[str, np.ndarray]:
    """A mapping of label -> per-seed numbers, each checked finite and non-empty."""
    from collections.abc import Mapping

    from mlsd_lib._validation import as_array

    if not isinstance(values, Mapping):
        raise TypeError(f"{name} must be a dict of label -> per-seed values, got {type(values).__name__}")
    if not values:
        raise ValueError(f"{name} is empty; pass at least one label with its per-seed values")
    return {str(k): as_array(v, f"{name}[{k!r}]", ndim=(0, 1)).reshape(-1) for k, v in values.items()}


def plot_accuracy_speed(accuracy, ms_per_image, ax=None, title: str = "accuracy against time per image",
                        xlabel: str = "ms per image", ylabel: str = "mAP@[.5:.95]"):
    """The trade-off plane: accuracy against time per image, one marker per detector.

    ``accuracy`` and ``ms_per_image`` map a detector's name to its per-seed values (paired by
    seed). Each seed is a small point; the detector's mean over seeds is a large marker,
    with a line to each of its seeds. Up and to the left is better.

    Introduced in chapter 3, "Two-stage against one-stage".

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> fig = plot_accuracy_speed({"two-stage": [0.5, 0.52], "one-stage": [0.4, 0.41]},
    ...                           {"two-stage": [3.0, 3.2], "one-stage": [1.1, 1.0]})
    >>> fig.axes[0].get_xlabel()
    'ms per image'
    """
    import matplotlib.pyplot as plt

    acc = _per_seed(accuracy, "accuracy")
    ms = _per_seed(ms_per_image, "ms_per_image")
    if set(acc) != set(ms):
        raise ValueError(f"accuracy and ms_per_image must name the same detectors, got {sorted(acc)} "
                         f"and {sorted(ms)}")
    for name in acc:
        if len(acc[name]) != len(ms[name]):
            raise ValueError(f"accuracy[{name!r}] and ms_per_image[{name!r}] must hold one value per seed each, "
                             f"got {len(acc[name])} and {len(ms[name])}")
        if (ms[name] <= 0).any():
            raise ValueError(f"ms_per_image[{name!r}] must be positive times")
    if ax is None:
        fig, ax = plt.subplots(figsize=(5, 3.4))
    else:
        fig = ax.figure
    for i, (name, a) in enumerate(acc.items()):
        t, c = ms[name], f"C{i}"
        mx, my = t.mean(), a.mean()
        for x, y in zip(t, a, strict=True):
            ax.plot([mx, x], [my, y], c=c, lw=0.6, alpha=0.5)
        ax.scatter(t, a, s=18, color=c, alpha=0.6)
        ax.scatter([mx], [my], s=110, color=c, edgecolor="black", marker="D", zorder=3,
                   label=f"{name} (mean of {len(a)} seeds)")
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.set_xlim(left=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    return fig


def plot_mined_examples(images, boxes, titles=None, ncols: int = 4,
                        title: str = "reported wrong blurs the miner found"):
    """A grid of mined scenes, each with the reported boxes (red) it was mined for, drawn by
    :func:`show_detections`.

    ``images`` is a sequence of 2-D grey images, ``boxes`` the matching sequence of ``(n, 4)``
    xyxy boxes (the reports of each scene), ``titles`` an optional caption per image.

    Introduced in chapter 3, "The data pipeline: user reports and hard-negative mining".

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> fig = plot_mined_examples([np.zeros((8, 8)), np.ones((8, 8))], [[[1, 1, 4, 4]], np.zeros((0, 4))])
    >>> len(fig.axes)
    2
    """
    import matplotlib.pyplot as plt

    from mlsd_lib._validation import as_array, check_boxes, check_int, check_sequence

    imgs = [as_array(im, f"images[{i}]", ndim=2) for i, im in enumerate(check_sequence(images, "images"))]
    bxs = [check_boxes(b, f"boxes[{i}]") for i, b in enumerate(check_sequence(boxes, "boxes"))]
    if not imgs:
        raise ValueError("images is empty; pass at least one mined scene")
    if len(bxs) != len(imgs):
        raise ValueError(f"boxes must hold one array of boxes per image: {len(bxs)} for {len(imgs)} images")
    if titles is not None:
        titles = [str(t) for t in check_sequence(titles, "titles")]
        if len(titles) != len(imgs):
            raise ValueError(f"titles must hold one caption per image: {len(titles)} for {len(imgs)} images")
    ncols = min(check_int(ncols, "ncols", low=1), len(imgs))
    nrows = -(-len(imgs) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.1 * ncols, 2.2 * nrows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        if i >= len(imgs):
            ax.remove()
            continue
        # a reported box as a face-coloured detection, without a score to print
        reported = {"boxes": bxs[i], "scores": np.ones(len(bxs[i])), "labels": np.ones(len(bxs[i]), int)}
        show_detections(ax, imgs[i], reported, title=None if titles is None else titles[i],
                        score_threshold=0.0, scores=False)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig


def plot_arms_by_seed(table, metrics, title: str = ""):
    """Arms side by side, one panel per metric: each seed's value (joined across arms) and the mean.

    ``table`` is a DataFrame indexed by ``(arm, seed)``, with one column per metric; the arms
    keep their order in the index. Lines join one seed's values (a colour per seed), so the
    reader sees both the effect and its spread; the black bar is the mean over seeds.

    Introduced in chapter 3, "The data pipeline: user reports and hard-negative mining".

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> t = pd.DataFrame({"arm": ["a", "a", "b", "b"], "seed": [0, 1, 0, 1],
    ...                   "errors": [0.3, 0.4, 0.1, 0.2]}).set_index(["arm", "seed"])
    >>> len(plot_arms_by_seed(t, ["errors"]).axes)
    1
    """
    import textwrap

    import matplotlib.pyplot as plt
    import pandas as pd

    from mlsd_lib._validation import as_array, check_sequence

    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a pandas DataFrame indexed by (arm, seed), got {type(table).__name__}")
    if table.index.nlevels != 2 or table.empty:
        raise ValueError("table must be a non-empty DataFrame indexed by (arm, seed)")
    if isinstance(metrics, str):
        raise TypeError("metrics must be a list of column names, got a single string; wrap it in a list")
    metrics = [str(m) for m in check_sequence(metrics, "metrics")]
    missing = [m for m in metrics if m not in table.columns]
    if not metrics or missing:
        raise ValueError(f"metrics must name columns of table; not there: {missing or 'none given'}")
    arms = list(dict.fromkeys(table.index.get_level_values(0)))
    fig, axes = plt.subplots(1, len(metrics), figsize=(3.6 * len(metrics), 3.2), squeeze=False)
    for ax, m in zip(axes[0], metrics, strict=True):
        wide = table[m].unstack(0).reindex(columns=arms)
        vals = as_array(wide.to_numpy(), f"table[{m!r}]", ndim=2, allow_nan=True)
        x = np.arange(len(arms))
        for j, (seed, row) in enumerate(zip(wide.index, vals, strict=True)):
            ax.plot(x, row, "o-", c=f"C{j}", alpha=0.6, lw=0.8, ms=4, label=f"seed {seed}")
        ax.scatter(x, np.nanmean(vals, axis=0), marker="_", s=600, c="black", zorder=3, label="mean")
        ax.set_xticks(x, [textwrap.fill(str(a), 16) for a in arms], fontsize=7)
        ax.set_title(m, fontsize=9)
        ax.set_xlim(-0.5, len(arms) - 0.5)
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].legend(fontsize=7)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
