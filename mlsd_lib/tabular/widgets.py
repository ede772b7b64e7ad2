"""Interactive demos (ipywidgets) with a static view for the rendered book.

Each demo pairs a ``draw_*`` function, which renders one state as a Matplotlib figure (what
the book shows), with a widget that calls it live as a slider moves (what a reader gets in
JupyterLab). Introduced in chapter 1.
"""

from __future__ import annotations

from collections.abc import Callable

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_float, check_same_length
from mlsd_lib.metrics.classification import (
    confusion_matrix,
    f1_score,
    precision,
    precision_recall_curve,
    recall,
)
from mlsd_lib.monitoring import DriftMonitor, shift_features
from mlsd_lib.viz import plot_confusion


def draw_threshold_view(y_true: ArrayLike, y_score: ArrayLike, threshold: float):
    """Confusion matrix, precision/recall/F1 and the PR curve at one decision threshold."""
    t = as_array(y_true, "y_true", ndim=1, dtype="bool")
    s = as_array(y_score, "y_score", ndim=1)
    check_same_length(y_true=t, y_score=s)
    threshold = check_float(threshold, "threshold", low=0, high=1)
    pred = (s >= threshold).astype(int)
    fig, (a1, a2, a3) = plt.subplots(1, 3, figsize=(11, 3.2))
    plot_confusion(confusion_matrix(t, pred), ax=a1, title=f"threshold {threshold:.2f}")
    vals = [precision(t, pred), recall(t, pred), f1_score(t, pred)]
    bars = a2.bar(["precision", "recall", "F1"], vals, color=["C0", "C1", "C2"])
    a2.bar_label(bars, fmt="%.2f")
    a2.set_ylim(0, 1.05)
    p, r, thr = precision_recall_curve(t, s)
    a3.plot(r, p, c="grey")
    i = int(np.argmin(np.abs(thr - threshold)))
    a3.plot(r[i], p[i], "o", c="C3", ms=8)
    a3.set(xlabel="recall", ylabel="precision", title="operating point on the PR curve", ylim=(0, 1.02))
    fig.tight_layout()
    return fig


def threshold_explorer(y_true: ArrayLike, y_score: ArrayLike, initial: float = 0.5):
    """A slider over the decision threshold redrawing :func:`draw_threshold_view`."""
    import ipywidgets as w

    slider = w.FloatSlider(value=initial, min=0.02, max=0.98, step=0.02, description="threshold",
                           continuous_update=False)
    return w.interactive(lambda threshold: _show(draw_threshold_view(y_true, y_score, threshold)),
                         threshold=slider)


def draw_drift_view(reference: pd.DataFrame, y: ArrayLike, score: Callable[[pd.DataFrame], np.ndarray],
                    feature: str, factor: float, monitor: DriftMonitor, metric: Callable, curve: pd.DataFrame | None = None):
    """Reference vs shifted histogram of ``feature``, the monitor's verdict, and the metric.

    ``factor`` multiplies ``feature`` in the incoming traffic (1.0 = no shift). ``curve``
    (columns ``factor``, ``metric``, ``psi``) draws the whole sweep for context.
    """
    factor = check_float(factor, "factor", low=0, low_open=True)
    shifted = shift_features(reference, scale={feature: factor})
    report = monitor.check(shifted)
    value = metric(y, score(shifted))
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.2))
    ref = reference[feature].dropna()
    bins = np.histogram_bin_edges(np.r_[ref, shifted[feature].dropna()], bins=40)
    a1.hist(ref, bins=bins, alpha=0.6, label="training window")
    a1.hist(shifted[feature].dropna(), bins=bins, alpha=0.6, label=f"incoming (× {factor:.2f})")
    psi = report.table.loc[feature, "psi"]
    a1.set_title(f"{feature}: PSI {psi:.2f} → {'ALERT' if report.alert else 'ok'}", fontsize=10,
                 color="C3" if report.alert else "C2")
    a1.legend(fontsize=8)
    if curve is not None:
        a2.plot(curve["factor"], curve["metric"], c="grey")
    a2.plot([factor], [value], "o", c="C3" if report.alert else "C2", ms=9)
    a2.set(xlabel=f"scale of {feature} in incoming traffic", ylabel="PR-AUC", title="model quality")
    fig.tight_layout()
    return fig


def drift_explorer(reference: pd.DataFrame, y: ArrayLike, score: Callable[[pd.DataFrame], np.ndarray],
                   feature: str, monitor: DriftMonitor, metric: Callable, curve: pd.DataFrame | None = None):
    """A slider over the size of a planted unit change of ``feature``, redrawing the monitor."""
    import ipywidgets as w

    slider = w.FloatSlider(value=1.0, min=0.1, max=2.0, step=0.05, description="scale",
                           continuous_update=False)
    return w.interactive(
        lambda factor: _show(draw_drift_view(reference, y, score, feature, factor, monitor, metric, curve)),
        factor=slider)


def _show(fig) -> None:
    from IPython.display import display

    display(fig)
    plt.close(fig)
