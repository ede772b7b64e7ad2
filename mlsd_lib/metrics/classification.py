"""Offline metrics for binary classification (source ch. 1, Table 1.4).

Introduced in chapter 1, "Evaluation". Every function is cross-checked against
scikit-learn in ``tests/metrics/test_classification.py``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_float, check_same_length


def _labels_and_predictions(y_true: ArrayLike, y_pred: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    t = as_array(y_true, "y_true", ndim=1, dtype="bool")
    p = as_array(y_pred, "y_pred", ndim=1, dtype="bool")
    check_same_length(y_true=t, y_pred=p)
    return t, p


def _labels_and_scores(y_true: ArrayLike, y_score: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    t = as_array(y_true, "y_true", ndim=1, dtype="bool")
    s = as_array(y_score, "y_score", ndim=1)
    check_same_length(y_true=t, y_score=s)
    if t.min() == t.max():
        raise ValueError("y_true holds one class only; ranking metrics need both 0 and 1")
    return t, s


def confusion_matrix(y_true: ArrayLike, y_pred: ArrayLike) -> np.ndarray:
    """2×2 confusion matrix ``[[TN, FP], [FN, TP]]`` (rows: truth, columns: prediction).

    Examples
    --------
    >>> confusion_matrix([0, 1, 1, 0], [0, 1, 0, 1]).tolist()
    [[1, 1], [1, 1]]
    """
    t, p = _labels_and_predictions(y_true, y_pred)
    return np.bincount(2 * t + p, minlength=4).reshape(2, 2)


def accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Fraction of predictions equal to the label.

    Examples
    --------
    >>> accuracy([0, 1, 1, 0], [0, 1, 0, 0])
    0.75
    """
    t, p = _labels_and_predictions(y_true, y_pred)
    return float(np.mean(t == p))


def precision(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """TP / (TP + FP); 0.0 when nothing is predicted positive.

    Examples
    --------
    >>> precision([0, 1, 1, 0], [1, 1, 0, 0])
    0.5
    """
    (_, fp), (_, tp) = confusion_matrix(y_true, y_pred)
    return float(tp / (tp + fp)) if tp + fp else 0.0


def recall(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """TP / (TP + FN); 0.0 when there is no positive label.

    Examples
    --------
    >>> recall([0, 1, 1, 0], [1, 1, 0, 0])
    0.5
    """
    _, (fn, tp) = confusion_matrix(y_true, y_pred)
    return float(tp / (tp + fn)) if tp + fn else 0.0


def f1_score(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Harmonic mean of precision and recall.

    Examples
    --------
    >>> f1_score([0, 1, 1, 0], [1, 1, 0, 0])
    0.5
    """
    p, r = precision(y_true, y_pred), recall(y_true, y_pred)
    return 2 * p * r / (p + r) if p + r else 0.0


def roc_curve(y_true: ArrayLike, y_score: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """False-positive rate, true-positive rate and thresholds, one point per distinct score.

    Examples
    --------
    >>> fpr, tpr, thr = roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> fpr.tolist(), tpr.tolist()
    ([0.0, 0.0, 0.5, 0.5, 1.0], [0.0, 0.5, 0.5, 1.0, 1.0])
    """
    t, s = _labels_and_scores(y_true, y_score)
    tps, fps, thresholds = _cumulative_counts(t, s)
    tpr = np.r_[0.0, tps / tps[-1]]
    fpr = np.r_[0.0, fps / fps[-1]]
    return fpr, tpr, np.r_[np.inf, thresholds]


def roc_auc(y_true: ArrayLike, y_score: ArrayLike) -> float:
    """Area under the ROC curve (trapezoidal rule; ties count one half).

    Examples
    --------
    >>> roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    fpr, tpr, _ = roc_curve(y_true, y_score)
    return float(np.trapezoid(tpr, fpr))


def precision_recall_curve(
    y_true: ArrayLike, y_score: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision and recall at every distinct score threshold, by decreasing threshold.

    Examples
    --------
    >>> p, r, thr = precision_recall_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> p.round(3).tolist(), r.tolist()
    ([1.0, 0.5, 0.667, 0.5], [0.5, 0.5, 1.0, 1.0])
    """
    t, s = _labels_and_scores(y_true, y_score)
    tps, fps, thresholds = _cumulative_counts(t, s)
    return tps / (tps + fps), tps / tps[-1], thresholds


def average_precision(y_true: ArrayLike, y_score: ArrayLike) -> float:
    """PR-AUC as average precision: sum over thresholds of (R_n - R_{n-1}) · P_n.

    This is the step-wise area scikit-learn reports; it does not interpolate, which
    would be optimistic.

    Examples
    --------
    >>> round(average_precision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 4)
    0.8333
    """
    p, r, _ = precision_recall_curve(y_true, y_score)
    return float(np.sum(np.diff(np.r_[0.0, r]) * p))


def classification_report(
    y_true: ArrayLike, y_score: ArrayLike, threshold: float = 0.5, class_names: Sequence[str] | None = None
):
    """All of Table 1.4's classification metrics at one decision threshold.

    With one label per row (``y_true`` 1-D) the result is a dict: accuracy, and precision,
    recall and F1 at ``threshold``, ROC-AUC and PR-AUC. With several labels per row (2-D
    ``y_true`` and ``y_score``, one column per class, as in multi-label moderation) it is a
    table: one row per class of ``class_names`` (positives, precision, recall, F1, PR-AUC,
    ROC-AUC) and a ``mean`` row. A class without positives, or without negatives, has no
    recall, F1, PR-AUC or ROC-AUC: they are NaN, and the mean averages the classes that
    have them (a small validation split can miss a rare class).

    Examples
    --------
    >>> classification_report([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])["roc_auc"]
    0.75
    >>> t = classification_report([[1, 0], [0, 1], [1, 1], [0, 0]],
    ...                           [[.9, .2], [.3, .8], [.6, .4], [.1, .1]], class_names=["a", "b"])
    >>> float(t.loc["a", "pr_auc"]), float(t.loc["b", "recall"])
    (1.0, 0.5)
    """
    threshold = check_float(threshold, "threshold")
    if np.ndim(y_true) == 2 or class_names is not None:
        return _per_class_report(y_true, y_score, threshold, class_names)
    t, s = _labels_and_scores(y_true, y_score)
    pred = (s >= threshold).astype(int)
    return {
        "accuracy": accuracy(t, pred),
        "precision": precision(t, pred),
        "recall": recall(t, pred),
        "f1": f1_score(t, pred),
        "roc_auc": roc_auc(t, s),
        "pr_auc": average_precision(t, s),
    }


def _per_class_report(labels, scores, threshold: float, class_names):
    import pandas as pd

    from mlsd_lib._validation import check_names

    Y = as_array(labels, "y_true", ndim=2, dtype="bool")
    P = as_array(scores, "y_score", ndim=2)
    if Y.shape != P.shape:
        raise ValueError(f"y_true {Y.shape} and y_score {P.shape} must have the same shape")
    if class_names is None:
        raise ValueError("class_names is required with one column per class; pass a name for each")
    names = list(check_names(class_names, "class_names"))
    if len(names) != Y.shape[1]:
        raise ValueError(f"class_names has {len(names)} names but y_true has {Y.shape[1]} columns")
    rows = {}
    for j, name in enumerate(names):
        y, s = Y[:, j], P[:, j]
        pred = (s >= threshold).astype(int)
        if 0 < y.sum() < len(y):
            rows[name] = {"positives": int(y.sum()), "precision": precision(y, pred), "recall": recall(y, pred),
                          "f1": f1_score(y, pred), "pr_auc": average_precision(y, s), "roc_auc": roc_auc(y, s)}
        else:
            rows[name] = {"positives": int(y.sum()), "precision": precision(y, pred) if pred.any() else np.nan,
                          "recall": np.nan, "f1": np.nan, "pr_auc": np.nan, "roc_auc": np.nan}
    table = pd.DataFrame(rows).T
    table.loc["mean"] = table.mean()
    table.loc["mean", "positives"] = Y.sum()
    return table


def _cumulative_counts(t: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    order = np.argsort(-s, kind="mergesort")
    s_sorted, t_sorted = s[order], t[order]
    # One point per distinct score: ties must move together or the curve depends on row order.
    last_of_tie = np.r_[np.flatnonzero(np.diff(s_sorted)), len(s_sorted) - 1]
    tps = np.cumsum(t_sorted)[last_of_tie].astype(float)
    fps = (last_of_tie + 1 - tps).astype(float)
    return tps, fps, s_sorted[last_of_tie]
