"""The classic rating baseline: global mean + user bias + item bias (Koren, 2008).

Used in chapter 1 to show how a random split of time-ordered ratings flatters a model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlsd_lib._validation import check_float, check_int


class BiasRatingModel:
    """Predict ``mu + b_user + b_item``, biases fitted by alternating ridge updates.

    Unknown users or items get a bias of 0 (the global mean), as at serving time. Ratings
    must be numbers: text such as ``"4"`` is refused with a ``TypeError`` rather than converted.

    Examples
    --------
    >>> df = pd.DataFrame({"userId": [1, 1, 2], "movieId": [10, 11, 10], "rating": [5.0, 3.0, 4.0]})
    >>> BiasRatingModel(reg=0.0).fit(df).predict(df).round(2).tolist()
    [5.0, 3.0, 4.0]
    """

    def __init__(self, reg: float = 5.0, n_iter: int = 10, user_col: str = "userId",
                 item_col: str = "movieId", rating_col: str = "rating") -> None:
        self.reg = check_float(reg, "reg", low=0)
        self.n_iter = check_int(n_iter, "n_iter", low=1)
        self.user_col, self.item_col, self.rating_col = user_col, item_col, rating_col

    def _check(self, df: pd.DataFrame, need_rating: bool) -> None:
        if not isinstance(df, pd.DataFrame) or df.empty:
            raise ValueError("df must be a non-empty DataFrame of ratings")
        cols = [self.user_col, self.item_col] + ([self.rating_col] if need_rating else [])
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise ValueError(f"df lacks columns {missing}")
        for c in (self.user_col, self.item_col):
            if df[c].isna().any():
                raise ValueError(f"df[{c!r}] has missing ids; drop those rows first")
        if need_rating:
            col = df[self.rating_col]
            # Text ratings such as "4" are refused, not converted: they mean the file was read
            # without dtypes, and a silent conversion would hide that.
            if not (pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)):
                raise TypeError(f"df[{self.rating_col!r}] must hold numbers, got dtype {col.dtype}; "
                                f"convert text ratings with pd.to_numeric first")
            r = col.to_numpy(float)
            if not np.isfinite(r).all():
                raise ValueError(f"df[{self.rating_col!r}] must hold finite numeric ratings (no NaN or inf)")

    def fit(self, df: pd.DataFrame) -> BiasRatingModel:
        self._check(df, need_rating=True)
        r = df[self.rating_col].to_numpy(float)
        u_codes, users = pd.factorize(df[self.user_col])
        i_codes, items = pd.factorize(df[self.item_col])
        self.mu_ = float(r.mean())
        bu, bi = np.zeros(len(users)), np.zeros(len(items))
        nu = np.bincount(u_codes, minlength=len(users))
        ni = np.bincount(i_codes, minlength=len(items))
        for _ in range(self.n_iter):
            bi = np.bincount(i_codes, r - self.mu_ - bu[u_codes], len(items)) / (ni + self.reg)
            bu = np.bincount(u_codes, r - self.mu_ - bi[i_codes], len(users)) / (nu + self.reg)
        self.user_bias_ = pd.Series(bu, index=users)
        self.item_bias_ = pd.Series(bi, index=items)
        return self

    def predict(self, df: pd.DataFrame) -> np.ndarray:
        if not hasattr(self, "mu_"):
            raise ValueError("BiasRatingModel is not fitted; call fit(train_df) first")
        self._check(df, need_rating=False)
        bu = df[self.user_col].map(self.user_bias_).fillna(0.0).to_numpy(float)
        bi = df[self.item_col].map(self.item_bias_).fillna(0.0).to_numpy(float)
        return np.clip(self.mu_ + bu + bi, 0.5, 5.0)
