"""Feature engineering for structured data (source ch. 1, "Feature engineering operations").

Transformers follow scikit-learn's ``fit`` / ``transform`` verbs so that statistics are
learnt on training data only and re-applied unchanged at serving time — computing a mean on
the test set is a small leak of the future.

Introduced in chapter 1, "Data preparation".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_choice, check_float, check_int

# Source ch. 1, Table 1.3: age buckets 0-9, 10-19, 20-39, 40-59, 60+.
AGE_BUCKET_EDGES = (0, 10, 20, 40, 60, np.inf)
AGE_BUCKET_LABELS = ("0-9", "10-19", "20-39", "40-59", "60+")


def _check_frame(df: object, name: str = "df") -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(df).__name__}")
    if df.empty:
        raise ValueError(f"{name} is empty")
    return df


def _check_columns(df: pd.DataFrame, columns: Sequence[str], name: str) -> list[str]:
    if isinstance(columns, str):
        raise TypeError(f"{name} must be a list of column names, not a string")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{name} names columns not in the frame: {missing}")
    return list(columns)


def data_type_inventory(df: pd.DataFrame, ordinal: Sequence[str] = (), max_discrete: int = 100) -> pd.DataFrame:
    """Classify each column as the source's Fig. 1.9 does.

    Numeric columns are *continuous* if they hold non-integral values or more than
    ``max_discrete`` distinct integers, else *discrete*. Non-numeric columns are *nominal*
    unless listed in ``ordinal``.

    Examples
    --------
    >>> inv = data_type_inventory(pd.DataFrame({"a": [1.5, 2.0], "b": ["x", "y"]}))
    >>> inv["ml_type"].tolist()
    ['numeric, continuous', 'categorical, nominal']
    """
    df = _check_frame(df)
    ordinal = _check_columns(df, ordinal, "ordinal")
    max_discrete = check_int(max_discrete, "max_discrete", low=0)
    rows = []
    for col in df.columns:
        s = df[col]
        if pd.api.types.is_numeric_dtype(s):
            vals = s.dropna().to_numpy(dtype=float)
            integral = np.all(vals == np.round(vals))
            kind = "numeric, discrete" if integral and s.nunique() <= max_discrete else "numeric, continuous"
        else:
            kind = "categorical, ordinal" if col in ordinal else "categorical, nominal"
        rows.append({"column": col, "ml_type": kind, "distinct": int(s.nunique()),
                     "missing": int(s.isna().sum()), "example": s.dropna().iloc[0] if s.notna().any() else None})
    return pd.DataFrame(rows)


def drop_columns_with_missing(df: pd.DataFrame, max_fraction: float = 0.0) -> pd.DataFrame:
    """Column deletion (source Fig. 1.11): drop columns whose missing fraction exceeds ``max_fraction``.

    Examples
    --------
    >>> drop_columns_with_missing(pd.DataFrame({"a": [1, None], "b": [1, 2]})).columns.tolist()
    ['b']
    """
    df = _check_frame(df)
    max_fraction = check_float(max_fraction, "max_fraction", low=0, high=1)
    keep = df.columns[df.isna().mean() <= max_fraction]
    return df[keep]


@dataclass
class Imputer:
    """Fill missing values with a statistic learnt on the training data.

    ``strategy`` is ``"mean"``, ``"median"`` (numeric columns) or ``"mode"`` (any column).
    With ``"mean"``/``"median"``, non-numeric columns fall back to the mode.

    Examples
    --------
    >>> Imputer("median").fit(pd.DataFrame({"a": [1.0, None, 5.0, 2.0]})).transform(
    ...     pd.DataFrame({"a": [None]}))["a"].tolist()
    [2.0]
    """

    strategy: str = "median"
    fill_values_: dict = field(default_factory=dict, init=False, repr=False)

    def fit(self, df: pd.DataFrame) -> Imputer:
        df = _check_frame(df)
        check_choice(self.strategy, "strategy", ("mean", "median", "mode"))
        self.fill_values_ = {}
        for col in df.columns:
            s = df[col].dropna()
            if s.empty:
                raise ValueError(f"column {col!r} is entirely missing; drop it before imputing")
            if self.strategy != "mode" and pd.api.types.is_numeric_dtype(s):
                self.fill_values_[col] = float(s.mean() if self.strategy == "mean" else s.median())
            else:
                self.fill_values_[col] = s.mode().iloc[0]
        return self

    def transform(self, df: pd.DataFrame) -> pd.DataFrame:
        if not self.fill_values_:
            raise ValueError("Imputer is not fitted; call fit(train_df) first")
        df = _check_frame(df)
        missing = [c for c in self.fill_values_ if c not in df.columns]
        if missing:
            raise ValueError(f"columns seen in fit are missing: {missing}")
        return df.fillna(self.fill_values_)

    def fit_transform(self, df: pd.DataFrame) -> pd.DataFrame:
        return self.fit(df).transform(df)


def min_max_scale(x: ArrayLike, low: float | None = None, high: float | None = None) -> np.ndarray:
    """Normalisation to [0, 1]: (x - min) / (max - min); ``low``/``high`` override min/max.

    Examples
    --------
    >>> min_max_scale([2.0, 4.0, 6.0]).tolist()
    [0.0, 0.5, 1.0]
    """
    xa = as_array(x, "x", ndim=(1, 2))
    lo = xa.min(axis=0) if low is None else _column_stat(low, "low", xa)
    hi = xa.max(axis=0) if high is None else _column_stat(high, "high", xa)
    span = np.asarray(hi - lo, dtype=float)
    if np.any(span < 0):
        raise ValueError("high must be greater than low")
    if np.any(span == 0):
        raise ValueError("x is constant (max == min), or low == high; min-max scaling is undefined")
    return (xa - lo) / span


def _column_stat(value: object, name: str, xa: np.ndarray) -> np.ndarray:
    """A training statistic: a finite number, or one per column of ``xa``."""
    v = as_array(value, name, ndim=(0, 1))
    if v.ndim == 1 and (xa.ndim == 1 or len(v) != xa.shape[1]):
        raise ValueError(f"{name} must be one number, or one per column of x "
                         f"({xa.shape[1] if xa.ndim == 2 else 'x is 1-D'}); got {len(v)} values")
    return v


def standardize(x: ArrayLike, mean: float | None = None, std: float | None = None) -> np.ndarray:
    """Z-score: (x - mean) / std; pass the training ``mean``/``std`` to transform new data.

    Examples
    --------
    >>> standardize([1.0, 2.0, 3.0]).round(3).tolist()
    [-1.225, 0.0, 1.225]
    """
    xa = as_array(x, "x", ndim=(1, 2))
    mu = xa.mean(axis=0) if mean is None else _column_stat(mean, "mean", xa)
    sd = xa.std(axis=0) if std is None else _column_stat(std, "std", xa)
    if np.any(sd < 0):
        raise ValueError("std must be positive")
    if np.any(np.asarray(sd) == 0):
        raise ValueError("x has zero standard deviation (or std=0 was passed); standardisation is undefined")
    return (xa - mu) / sd


def log_scale(x: ArrayLike, offset: float = 1.0) -> np.ndarray:
    """Log scaling log(x + offset); the default offset of 1 keeps zeros (no assets, no debt) finite.

    Examples
    --------
    >>> log_scale([0.0, np.e - 1]).tolist()
    [0.0, 1.0]
    """
    xa = as_array(x, "x", ndim=(1, 2))
    offset = check_float(offset, "offset", low=0)
    if np.any(xa + offset <= 0):
        raise ValueError("log scaling needs x + offset > 0; raise offset or drop negative values")
    return np.log(xa + offset)


def skewness(x: ArrayLike) -> float:
    """Sample skewness (Fisher-Pearson, biased): the third standardised moment.

    Examples
    --------
    >>> round(skewness([1.0, 2.0, 3.0, 10.0]), 3)
    1.018
    """
    xa = as_array(x, "x", ndim=1)
    if len(xa) < 3:
        raise ValueError("skewness needs at least 3 values")
    if np.ptp(xa) == 0:
        raise ValueError("x is constant; skewness is undefined")
    from scipy import stats

    return float(stats.skew(xa, bias=True))


def bucketize(x: ArrayLike, edges: Sequence[float] = AGE_BUCKET_EDGES,
              labels: Sequence[str] | None = AGE_BUCKET_LABELS) -> np.ndarray:
    """Discretise ``x`` into buckets ``[edges[i], edges[i+1])`` (default: Table 1.3's ages).

    Returns bucket labels (or indices when ``labels`` is ``None``).

    Examples
    --------
    >>> bucketize([5, 25, 61]).tolist()
    ['0-9', '20-39', '60+']
    """
    xa = as_array(x, "x", ndim=1)
    e = as_array(edges, "edges", ndim=1, allow_inf=True)
    if len(e) < 2 or np.any(np.diff(e) <= 0):
        raise ValueError("edges must hold at least two strictly increasing values")
    if np.any((xa < e[0]) | (xa >= e[-1])):
        raise ValueError(f"x has values outside [{e[0]}, {e[-1]}); widen edges")
    idx = np.searchsorted(e, xa, side="right") - 1
    if labels is None:
        return idx
    if len(labels) != len(e) - 1:
        raise ValueError(f"labels must have len(edges) - 1 = {len(e) - 1} entries, got {len(labels)}")
    return np.asarray(labels, dtype=object)[idx]


@dataclass
class TabularEncoder:
    """Impute, scale and encode a frame into a numeric matrix, learning everything on ``fit``.

    Parameters
    ----------
    numeric : numeric columns; missing values get the training median, then z-scores.
    categorical : nominal columns; missing values get the training mode, then ``encoding``.
    encoding : ``"onehot"`` (one 0/1 column per category seen in training; unseen → all 0),
        ``"integer"`` (one column of category codes 0..K-1, scaled like a number — the false
        order the source warns about) or ``"codes"`` (integer codes left for an embedding
        layer, returned separately by :meth:`transform_codes`).
    log_columns : numeric columns to log-scale before standardising.

    Examples
    --------
    >>> df = pd.DataFrame({"x": [1.0, 2.0, None], "c": ["a", "b", "a"]})
    >>> enc = TabularEncoder(["x"], ["c"]).fit(df)
    >>> enc.feature_names_
    ['x', 'c=a', 'c=b']
    """

    numeric: Sequence[str]
    categorical: Sequence[str] = ()
    encoding: str = "onehot"
    log_columns: Sequence[str] = ()
    feature_names_: list[str] = field(default_factory=list, init=False)

    def fit(self, df: pd.DataFrame) -> TabularEncoder:
        df = _check_frame(df)
        check_choice(self.encoding, "encoding", ("onehot", "integer", "codes"))
        self.numeric = _check_columns(df, self.numeric, "numeric")
        self.categorical = _check_columns(df, self.categorical, "categorical")
        self.log_columns = _check_columns(df, self.log_columns, "log_columns")
        if not set(self.log_columns) <= set(self.numeric):
            raise ValueError("log_columns must be a subset of numeric")
        if not self.numeric and not self.categorical:
            raise ValueError("give at least one numeric or categorical column")
        self._num_imputer = Imputer("median").fit(df[self.numeric]) if self.numeric else None
        self._cat_imputer = Imputer("mode").fit(df[self.categorical]) if self.categorical else None
        num = self._numeric_block(df, fitting=True)
        self.categories_ = {}
        if self.categorical:
            cat = self._cat_imputer.transform(df[self.categorical])
            for col in self.categorical:
                self.categories_[col] = sorted(cat[col].astype(str).unique())
        names = list(self.numeric)
        if self.encoding == "onehot":
            names += [f"{c}={v}" for c in self.categorical for v in self.categories_[c]]
        elif self.encoding == "integer" and self.categorical:
            names += list(self.categorical)
            codes = self._codes(df).astype(float)
            self._code_mean, self._code_std = codes.mean(axis=0), codes.std(axis=0) + 1e-12
        self.feature_names_ = names
        del num
        return self

    def _numeric_block(self, df: pd.DataFrame, fitting: bool = False) -> np.ndarray:
        if not self.numeric:
            return np.empty((len(df), 0))
        block = self._num_imputer.transform(df[self.numeric]).astype(float)
        for col in self.log_columns:
            block[col] = log_scale(block[col].to_numpy())
        values = block.to_numpy()
        if fitting:
            self._mean, self._std = values.mean(axis=0), values.std(axis=0)
            self._std[self._std == 0] = 1.0
        return (values - self._mean) / self._std

    def _codes(self, df: pd.DataFrame) -> np.ndarray:
        if not self.categorical:
            return np.empty((len(df), 0), dtype=np.int64)
        cat = self._cat_imputer.transform(df[self.categorical])
        out = np.empty((len(df), len(self.categorical)), dtype=np.int64)
        for j, col in enumerate(self.categorical):
            lookup = {v: i for i, v in enumerate(self.categories_[col])}
            # Unseen categories map to the most frequent one's code: a serving-time fallback.
            fallback = lookup[str(self._cat_imputer.fill_values_[col])]
            out[:, j] = [lookup.get(v, fallback) for v in cat[col].astype(str)]
        return out

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        """Numeric feature matrix (n, len(feature_names_)) as float32."""
        if not self.feature_names_:
            raise ValueError("TabularEncoder is not fitted; call fit(train_df) first")
        df = _check_frame(df)
        _check_columns(df, list(self.numeric) + list(self.categorical), "fitted columns")
        blocks = [self._numeric_block(df)]
        if self.categorical and self.encoding == "onehot":
            cat = self._cat_imputer.transform(df[self.categorical])
            for col in self.categorical:
                vals = cat[col].astype(str).to_numpy()
                blocks.append(np.stack([vals == v for v in self.categories_[col]], axis=1).astype(float))
        elif self.categorical and self.encoding == "integer":
            blocks.append((self._codes(df) - self._code_mean) / self._code_std)
        return np.hstack(blocks).astype(np.float32)

    def transform_codes(self, df: pd.DataFrame) -> np.ndarray:
        """Integer category codes (n, n_categorical) for an embedding layer."""
        if not self.feature_names_ and not self.categories_:
            raise ValueError("TabularEncoder is not fitted; call fit(train_df) first")
        return self._codes(_check_frame(df))

    def fit_transform(self, df: pd.DataFrame) -> np.ndarray:
        return self.fit(df).transform(df)

    @property
    def cardinalities(self) -> list[int]:
        """Number of categories per categorical column (for embedding tables)."""
        return [len(self.categories_[c]) for c in self.categorical]
