"""Offline evaluation of harm classifiers: per-class tables, per-positive terms, thresholds.

PR-AUC (average precision) and ROC-AUC are both means over the positive examples:

$$\\mathrm{AP} = \\frac{1}{|P|}\\sum_{i\\in P} \\mathrm{precision}(s_i), \\qquad
\\mathrm{AUC} = \\frac{1}{|P|}\\sum_{i\\in P} \\frac{|\\{j\\in N: s_j < s_i\\}| + \\tfrac12|\\{j\\in N: s_j = s_i\\}|}{|N|},$$

so two models scored on the same posts can be compared positive by positive, and the
difference bootstrapped over positives (:func:`mlsd_lib.claims.bootstrap_effect`).

Introduced in chapter 5, "Evaluation".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlsd_lib._validation import as_array, check_float, check_same_length
from mlsd_lib.metrics.classification import classification_report, precision_recall_curve

__all__ = ["auc_at_positives", "class_report", "modality_reliance", "precision_at_positives", "threshold_for_precision"]


def _check(y_true, y_score) -> tuple[np.ndarray, np.ndarray]:
    y = as_array(y_true, "y_true", ndim=1, dtype="bool")
    s = as_array(y_score, "y_score", ndim=1)
    check_same_length(y_true=y, y_score=s)
    if y.sum() == 0 or y.sum() == len(y):
        raise ValueError("y_true must hold both positives and negatives")
    return y, s


def precision_at_positives(y_true, y_score) -> np.ndarray:
    """Precision at each positive's score; their mean is the average precision (PR-AUC).

    Examples
    --------
    >>> precision_at_positives([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]).round(3).tolist()
    [0.667, 1.0]
    """
    y, s = _check(y_true, y_score)
    sp = s[y == 1]
    n_at = len(s) - np.searchsorted(np.sort(s), sp, side="left")        # posts scored >= s_i
    p_at = len(sp) - np.searchsorted(np.sort(sp), sp, side="left")      # positives scored >= s_i
    return p_at / n_at


def auc_at_positives(y_true, y_score) -> np.ndarray:
    """Share of negatives each positive outscores (ties count half); their mean is ROC-AUC.

    Examples
    --------
    >>> auc_at_positives([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]).tolist()
    [0.5, 1.0]
    """
    y, s = _check(y_true, y_score)
    neg = np.sort(s[y == 0])
    below = np.searchsorted(neg, s[y == 1], side="left")
    ties = np.searchsorted(neg, s[y == 1], side="right") - below
    return (below + 0.5 * ties) / len(neg)


def class_report(labels, proba, class_names, threshold: float = 0.5) -> pd.DataFrame:
    """Precision, recall, F1 (at ``threshold``), PR-AUC and ROC-AUC per class, and their mean:
    :func:`mlsd_lib.metrics.classification_report` with one column per class.

    A class without positives (or without negatives) among ``labels`` has no recall, F1,
    PR-AUC or ROC-AUC: they are NaN, and the mean row averages the classes that have them
    (a small validation split can miss a rare class).

    Examples
    --------
    >>> t = class_report([[1, 0], [0, 1], [1, 1], [0, 0]], [[.9, .2], [.3, .8], [.6, .4], [.1, .1]], ["a", "b"])
    >>> float(t.loc["a", "pr_auc"]), float(t.loc["b", "recall"])
    (1.0, 0.5)
    """
    # one implementation: the per-class form of metrics.classification_report (checked here
    # first, so that errors name this function's arguments)
    as_array(labels, "labels", ndim=2, dtype="bool")
    as_array(proba, "proba", ndim=2)
    return classification_report(labels, proba, threshold, class_names)


def threshold_for_precision(y_true, y_score, target: float) -> float:
    """The lowest score threshold whose precision reaches ``target`` (highest recall there).

    Returns ``inf`` (remove nothing) when no threshold reaches it.

    Examples
    --------
    >>> threshold_for_precision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], 0.6)
    0.35
    >>> threshold_for_precision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], 1.0)
    0.8
    """
    y, s = _check(y_true, y_score)
    target = check_float(target, "target", low=0, high=1, low_open=True)
    p, _, thr = precision_recall_curve(y, s)
    ok = np.flatnonzero(p >= target)
    return float(thr[ok[-1]]) if len(ok) else float("inf")


def modality_reliance(model, features, labels, modalities=None) -> pd.Series:
    """Mean PR-AUC a model loses when one modality is blanked at test time (modality dropout).

    Each modality's blocks are set to zero (for the standardised blocks, their training mean;
    for the embeddings, no text or no comments) and the mean PR-AUC over classes is measured
    again. A large loss for one modality and none for the others is the sign the source warns
    about: one modality dominated training and the model ignores the rest.

    Parameters
    ----------
    model : a fitted model with ``predict_proba(features)`` (e.g. a ``HarmClassifier``).
    features : :class:`~mlsd_lib.moderation.FusedFeatures` of the test posts.
    labels : (n, n_classes) 0/1 hand labels.
    modalities : modality name → its block names (``None``: ``MODALITIES``, text, image, other).

    Introduced in chapter 5, "Model development".

    Examples
    --------
    >>> from mlsd_lib.moderation.features import FusedFeatures
    >>> class Text:                                      # a model that reads only the text
    ...     def predict_proba(self, f):
    ...         return f.blocks["text"][:, :1]
    >>> f = FusedFeatures({"text": np.array([[1.], [0.], [2.], [0.]]), "image": np.ones((4, 1))},
    ...                   np.zeros(4, int), np.zeros(4, int), 1)
    >>> modality_reliance(Text(), f, [[1], [0], [1], [0]], {"text": ("text",), "image": ("image",)}).round(2).tolist()
    [0.5, 0.0]
    """
    from mlsd_lib.moderation.features import MODALITIES, FusedFeatures

    if not isinstance(features, FusedFeatures):
        raise TypeError(f"features must be FusedFeatures, got {type(features).__name__}")
    if not hasattr(model, "predict_proba"):
        raise TypeError(f"model must have predict_proba(features), got {type(model).__name__}")
    Y = as_array(labels, "labels", ndim=2, dtype="bool")
    if len(Y) != len(features):
        raise ValueError(f"labels has {len(Y)} rows but features has {len(features)}")
    mods = dict(MODALITIES if modalities is None else modalities)
    unknown = sorted({b for bs in mods.values() for b in bs} - set(features.blocks))
    if unknown or not mods:
        raise ValueError(f"modalities name blocks {unknown} that features lacks; choose from {list(features.blocks)}")
    names = [str(j) for j in range(Y.shape[1])]
    full = class_report(Y, model.predict_proba(features), names).loc["mean", "pr_auc"]
    out = {}
    for m, bs in mods.items():
        blank = {k: (np.zeros_like(v) if k in bs else v) for k, v in features.blocks.items()}
        f = FusedFeatures(blank, features.city, features.country, features.n_cities, features.names,
                          features.n_countries)
        out[m] = full - class_report(Y, model.predict_proba(f), names).loc["mean", "pr_auc"]
    return pd.Series(out, name="mean PR-AUC lost without it")
