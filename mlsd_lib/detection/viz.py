"""Figures of chapter 3: scenes with boxes, precision–recall curves, errors by kind.

Introduced in chapter 3, "Data preparation".
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
