"""Figures the chapters share: distributions, curves, confusion matrices, comparisons.

Every function draws on a Matplotlib ``Axes`` it is given (or a new figure) and returns the
figure, so notebooks compose them freely. Introduced in chapter 1.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from mlsd_lib.metrics.classification import (
    average_precision,
    precision_recall_curve,
    roc_auc,
    roc_curve,
)


def _axes(ax, figsize=(5, 3.5)):
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
        return fig, ax
    return ax.figure, ax


def plot_histograms(named_values: Mapping[str, ArrayLike], bins: int = 40, title: str = ""):
    """One histogram per entry, side by side: a feature under several transformations."""
    if not named_values:
        raise ValueError("named_values is empty")
    fig, axes = plt.subplots(1, len(named_values), figsize=(3.1 * len(named_values), 2.6), squeeze=False)
    for i, (ax, (name, values)) in enumerate(zip(axes[0], named_values.items(), strict=True)):
        v = np.asarray(values, dtype=float)
        ax.hist(v[~np.isnan(v)], bins=bins, color=f"C{i}", alpha=0.85)
        ax.set_title(name, fontsize=9)
        ax.set_yticks([])
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def plot_roc_pr(y_true: ArrayLike, scores: Mapping[str, ArrayLike]):
    """ROC and precision–recall curves of several scorers on the same labels."""
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.6))
    base = float(np.mean(y_true))
    for name, s in scores.items():
        fpr, tpr, _ = roc_curve(y_true, s)
        a1.plot(fpr, tpr, label=f"{name} (AUC {roc_auc(y_true, s):.3f})")
        p, r, _ = precision_recall_curve(y_true, s)
        a2.step(np.r_[0, r], np.r_[p[0], p], where="pre", label=f"{name} (AP {average_precision(y_true, s):.3f})")
    a1.plot([0, 1], [0, 1], ls=":", c="grey")
    a2.axhline(base, ls=":", c="grey", label=f"chance ({base:.2f})")
    a1.set(xlabel="false-positive rate", ylabel="true-positive rate", title="ROC")
    a2.set(xlabel="recall", ylabel="precision", title="Precision–recall", ylim=(0, 1.02))
    a1.legend(fontsize=8, loc="lower right")
    a2.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return fig


def plot_confusion(cm: ArrayLike, labels: Sequence[str] = ("good", "bad"), ax=None, title: str = ""):
    """A 2×2 confusion matrix with counts (rows: truth, columns: prediction)."""
    fig, ax = _axes(ax, (3.2, 3))
    m = np.asarray(cm)
    ax.imshow(m, cmap="Blues")
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            ax.text(j, i, f"{m[i, j]:,}", ha="center", va="center",
                    color="white" if m[i, j] > m.max() / 2 else "black", fontsize=11)
    ax.set_xticks(range(len(labels)), [f"pred {x}" for x in labels])
    ax.set_yticks(range(len(labels)), [f"true {x}" for x in labels])
    ax.set_title(title, fontsize=10)
    return fig


def plot_learning_curves(histories: Mapping[str, object], ax=None, title: str = "validation loss"):
    """Training (dashed) and validation (solid) loss per epoch for several runs."""
    fig, ax = _axes(ax, (6, 3.5))
    for i, (name, h) in enumerate(histories.items()):
        ax.plot(h.train_loss, ls="--", c=f"C{i}", alpha=0.6)
        ax.plot(h.val_loss, c=f"C{i}", label=name)
    ax.set(xlabel="epoch", ylabel="loss", title=title)
    ax.legend(fontsize=8)
    return fig


def plot_metric_bars(table: pd.DataFrame, metrics: Sequence[str], ax=None, title: str = "", ylim=None):
    """Grouped bars: one group per row of ``table`` (its index), one bar per metric column."""
    if not isinstance(table, pd.DataFrame):
        raise TypeError("table must be a pandas DataFrame")
    missing = [m for m in metrics if m not in table.columns]
    if missing:
        raise ValueError(f"metrics not in table: {missing}")
    fig, ax = _axes(ax, (7, 3.2))
    width = 0.8 / len(metrics)
    x = np.arange(len(table))
    for j, m in enumerate(metrics):
        bars = ax.bar(x + j * width, table[m].to_numpy(float), width, label=m)
        ax.bar_label(bars, fmt="%.2f", fontsize=7)
    labels = [textwrap.fill(str(name), 14) for name in table.index]
    ax.set_xticks(x + width * (len(metrics) - 1) / 2, labels, fontsize=8)
    ax.set_title(title, fontsize=10)
    if ylim:
        ax.set_ylim(*ylim)
    ax.legend(fontsize=8, ncols=len(metrics))
    return fig
