"""Repeated hold-out comparisons of tabular models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def test_tabular_logistic_is_a_paired_repeated_holdout():
    from mlsd_lib.data import load_credit_data
    from mlsd_lib.tabular.model_selection import (
        drop_incomplete_rows,
        repeated_holdout,
        tabular_logistic,
    )

    df, _ = load_credit_data()
    y = (df.pop("Status") == "bad").astype(int).to_numpy()
    num, cat = ["Age", "Income", "Debt"], ["Home", "Records"]
    base = repeated_holdout(df, y, tabular_logistic(num, cat), 2, seed=0)
    again = repeated_holdout(df, y, tabular_logistic(num, cat), 2, seed=0)
    pd.testing.assert_frame_equal(base, again)                 # same seed, same splits, same scores
    weighted = repeated_holdout(df, y, tabular_logistic(num, cat, rebalance="class-balanced"), 2, seed=0)
    assert (weighted["recall"] > base["recall"]).all()
    deleted = repeated_holdout(df, y, tabular_logistic(num, cat, prepare=drop_incomplete_rows), 2, seed=0)
    assert len(deleted) == 2 and deleted["pr_auc"].between(0.3, 1).all()
    with pytest.raises(ValueError, match="rebalance must be one of"):
        tabular_logistic(num, rebalance="smote")
    with pytest.raises(ValueError, match="impute must be one of"):
        tabular_logistic(num, impute="max")
    with pytest.raises(ValueError, match="one score per test row"):
        repeated_holdout(df, y, lambda tr, ytr, te: np.zeros(3), 1)
