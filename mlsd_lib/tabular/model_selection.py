"""Comparing modelling choices fairly: repeated stratified hold-out evaluation.

One train/test split of 4,000 rows moves PR-AUC by a few points on its own; a design choice
is only decided when its difference survives several splits. Introduced in chapter 1.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_int
from mlsd_lib.metrics.classification import classification_report
from mlsd_lib.sampling import train_test_split_indices

_HOLDOUT_METRICS = ("pr_auc", "roc_auc", "precision", "recall", "f1")


def repeated_holdout(
    df: pd.DataFrame,
    y: ArrayLike,
    fit_predict: Callable[[pd.DataFrame, np.ndarray, pd.DataFrame], np.ndarray],
    n_repeats: int = 5,
    test_fraction: float = 0.25,
    seed: int = 0,
    threshold: float = 0.5,
) -> pd.DataFrame:
    """Evaluate ``fit_predict(train_df, y_train, test_df) -> test scores`` on repeated splits.

    Splits are stratified on ``y`` and drawn from ``seed``, so two strategies evaluated with
    the same seed see exactly the same train/test partitions (a paired comparison).
    Returns one row per repeat: PR-AUC, ROC-AUC, and precision, recall and F1 at
    ``threshold`` (:func:`mlsd_lib.metrics.classification_report` without accuracy).
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    ya = as_array(y, "y", ndim=1, dtype="bool")
    if len(ya) != len(df):
        raise ValueError(f"y has {len(ya)} labels but df has {len(df)} rows")
    if not callable(fit_predict):
        raise TypeError(f"fit_predict must be callable (train_df, y_train, test_df) -> scores, got {type(fit_predict).__name__}")
    n_repeats = check_int(n_repeats, "n_repeats", low=1)
    rows = []
    for r in range(n_repeats):
        tr, te = train_test_split_indices(len(df), test_fraction, stratify=ya, seed=seed + r)
        scores = np.asarray(fit_predict(df.iloc[tr], ya[tr], df.iloc[te]), dtype=float)
        if scores.shape != (len(te),):
            raise ValueError(f"fit_predict must return one score per test row ({len(te)}), got {scores.shape}")
        report = classification_report(ya[te], scores, threshold)
        rows.append({"repeat": r, **{k: report[k] for k in _HOLDOUT_METRICS}})
    return pd.DataFrame(rows)


def summarize(results: dict[str, pd.DataFrame], metrics: tuple[str, ...] = ("pr_auc", "recall", "f1")) -> pd.DataFrame:
    """Mean of each metric per strategy (rows), from ``{name: repeated_holdout(...)}``."""
    if not isinstance(results, dict):
        raise TypeError(f"results must be a dict of name -> repeated_holdout() frame, got {type(results).__name__}")
    if not results:
        raise ValueError("results is empty")
    if isinstance(metrics, str):
        raise TypeError("metrics must be a tuple of metric names, not one string")
    for name, r in results.items():
        if not isinstance(r, pd.DataFrame):
            raise TypeError(f"results[{name!r}] must be a DataFrame, got {type(r).__name__}")
        missing = [m for m in metrics if m not in r.columns]
        if missing:
            raise ValueError(f"metrics {missing} are not columns of results[{name!r}] ({list(r.columns)})")
    return pd.DataFrame({name: r[list(metrics)].mean() for name, r in results.items()}).T


def tabular_logistic(
    numeric: Sequence[str],
    categorical: Sequence[str] = (),
    *,
    prepare: Callable[[pd.DataFrame, np.ndarray], tuple[pd.DataFrame, np.ndarray]] | None = None,
    impute: str = "median",
    rebalance: str | None = None,
    loss: str = "bce",
    beta: float = 0.9999,
    seed: int = 0,
    gamma: float = 2.0,
    alpha: float | None = None,
    ratio: float = 1.0,
    **encoder_options,
) -> Callable[[pd.DataFrame, np.ndarray, pd.DataFrame], np.ndarray]:
    """A ``fit_predict`` for :func:`repeated_holdout`: encode a frame, fit logistic regression.

    Every statistic (imputation values, scaling, categories) is learnt on the training rows
    only, then applied to the test rows, as a deployed model would.

    Parameters
    ----------
    numeric, categorical : columns passed to :func:`~mlsd_lib.tabular.features.tabular_encoder`.
    prepare : optional ``(train, y_train) -> (train, y_train)`` applied first (e.g. row deletion).
    impute : ``"median"``, ``"mean"`` or ``"mode"`` for the numeric columns.
    rebalance : ``None``, ``"oversample"``, ``"undersample"`` or ``"class-balanced"`` weights.
    loss : ``"bce"`` or ``"focal"``.
    beta : the class-balanced loss's β (Cui et al., 2019).
    gamma, alpha : the focal loss's γ and α (α weights the bad class; ``None`` weighs both alike).
    ratio : for ``rebalance="oversample"``, the minority's share of the majority's count after it.
    encoder_options : more :func:`~mlsd_lib.tabular.features.tabular_encoder` options
        (``encoding``, ``log_columns``).

    Examples
    --------
    >>> df = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0] * 5})
    >>> y = np.array([0, 0, 1, 1] * 5)
    >>> tabular_logistic(["x"])(df, y, df.iloc[:2]).round(2).tolist()[0] < 0.5
    True
    """
    from mlsd_lib._validation import check_choice
    from mlsd_lib.losses import class_balanced_weights
    from mlsd_lib.sampling import random_oversample, random_undersample
    from mlsd_lib.tabular.features import tabular_encoder
    from mlsd_lib.training import LinearClassifier

    check_choice(impute, "impute", ("median", "mean", "mode"))
    check_choice(rebalance, "rebalance", (None, "oversample", "undersample", "class-balanced"))
    check_choice(loss, "loss", ("bce", "focal"))

    def fit_predict(train: pd.DataFrame, y_train: np.ndarray, test: pd.DataFrame) -> np.ndarray:
        if prepare is not None:
            train, y_train = prepare(train, y_train)
        encoder = tabular_encoder(numeric, categorical, impute=impute, **encoder_options)
        X, weights = encoder.fit_transform(train), None   # one pass: fit() alone also transforms, then drops it
        if rebalance == "oversample":
            X, y_train = random_oversample(X, y_train, seed=seed, ratio=ratio)
        elif rebalance == "undersample":
            X, y_train = random_undersample(X, y_train, seed=seed)
        elif rebalance == "class-balanced":
            weights = class_balanced_weights(y_train, beta=beta)[y_train]
        model = LinearClassifier(loss=loss, gamma=gamma, alpha=alpha)
        return model.fit(X, y_train, sample_weight=weights).predict_proba(encoder.transform(test))

    return fit_predict


def drop_incomplete_rows(train: pd.DataFrame, y_train: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Row deletion as a ``prepare`` step: keep training rows with no missing value."""
    if not isinstance(train, pd.DataFrame):
        raise TypeError(f"train must be a pandas DataFrame, got {type(train).__name__}")
    y = as_array(y_train, "y_train", ndim=1, dtype="bool", allow_empty=True)
    if len(y) != len(train):
        raise ValueError(f"y_train has {len(y)} labels but train has {len(train)} rows")
    keep = train.notna().all(axis=1).to_numpy()
    return train[keep], y[keep]
