"""Feature engineering for structured data (source ch. 1, "Feature engineering operations").

Transformers follow scikit-learn's ``fit`` / ``transform`` verbs so that statistics are
learnt on training data only and re-applied unchanged at serving time — computing a mean on
the test set is a small leak of the future.

Introduced in chapter 1, "Data preparation".
"""

from __future__ import annotations

from collections.abc import Sequence

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
    if isinstance(columns, str | bytes) or not hasattr(columns, "__iter__"):
        raise TypeError(f"{name} must be a list of column names, got {type(columns).__name__}")
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
    if isinstance(labels, str | bytes) or not hasattr(labels, "__len__"):
        raise TypeError(f"labels must be a list of bucket names or None, got {type(labels).__name__}")
    if len(labels) != len(e) - 1:
        raise ValueError(f"labels must have len(edges) - 1 = {len(e) - 1} entries, got {len(labels)}")
    return np.asarray(labels, dtype=object)[idx]


def _text_or_nan(df: pd.DataFrame) -> np.ndarray:
    # Categories as text, so the encoders see one type; missing ones (None, pd.NA or NaN) as
    # NaN, the only missing marker SimpleImputer recognises in an object array.
    a = np.array(df, dtype=object)
    missing = pd.isna(a)
    a = a.astype(str).astype(object)
    a[missing] = np.nan
    return a


def _as_float32(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float32)


def _log_positions(x: np.ndarray, positions: tuple[int, ...]) -> np.ndarray:
    x = np.array(x, dtype=float, copy=True)
    if positions:
        x[:, list(positions)] = log_scale(x[:, list(positions)])
    return x


def tabular_encoder(numeric: Sequence[str], categorical: Sequence[str] = (), *, encoding: str = "onehot",
                    log_columns: Sequence[str] = (), impute: str = "median"):
    """A scikit-learn ``ColumnTransformer`` that imputes, scales and encodes a frame.

    Numeric columns: missing values get the training ``impute`` statistic (``"median"``,
    ``"mean"`` or ``"mode"``), ``log_columns`` are log-scaled, then all are standardised.
    Categorical columns are read as text (``1`` and ``"1"`` are one category); missing values
    get the training mode (ties go to the first in text order), then ``encoding``:

    - ``"onehot"`` — one 0/1 column per category seen in training; an unseen one is all 0;
    - ``"integer"`` — one column of category codes 0..K-1, standardised like a number: the
      false order the source warns about;
    - ``"codes"`` — integer codes (as floats) for an embedding layer; an unseen category gets
      the most frequent one's code, a serving-time fallback. See :func:`cardinalities`.

    Every statistic is learnt by ``fit`` on the training rows and reapplied unchanged by
    ``transform``: the encoder is the same object at training and serving time.

    Introduced in chapter 1, "Feature engineering".

    Examples
    --------
    >>> df = pd.DataFrame({"x": [1.0, 2.0, None], "c": ["a", "b", "a"]})
    >>> enc = tabular_encoder(["x"], ["c"]).fit(df)
    >>> enc.get_feature_names_out().tolist()
    ['x', 'c_a', 'c_b']
    >>> enc.transform(df)[2].round(2).tolist()        # the missing x became the median, 1.5
    [0.0, 1.0, 0.0]
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import (
        FunctionTransformer,
        OneHotEncoder,
        OrdinalEncoder,
        StandardScaler,
    )

    check_choice(encoding, "encoding", ("onehot", "integer", "codes"))
    check_choice(impute, "impute", ("median", "mean", "mode"))
    numeric, categorical, log_columns = (_check_names(c, n) for c, n in (
        (numeric, "numeric"), (categorical, "categorical"), (log_columns, "log_columns")))
    if not set(log_columns) <= set(numeric):
        raise ValueError("log_columns must be a subset of numeric")
    if not numeric and not categorical:
        raise ValueError("give at least one numeric or categorical column")
    parts = []
    # float32, as torch models and faiss take it; the statistics are still computed in float64
    to32 = FunctionTransformer(_as_float32, feature_names_out="one-to-one")
    if numeric:
        logged = tuple(j for j, c in enumerate(numeric) if c in log_columns)
        parts.append(("num", make_pipeline(
            SimpleImputer(strategy="most_frequent" if impute == "mode" else impute),
            FunctionTransformer(_log_positions, kw_args={"positions": logged}, feature_names_out="one-to-one"),
            StandardScaler(), to32), numeric))
    if categorical:
        fill = [FunctionTransformer(_text_or_nan, feature_names_out="one-to-one"),
                SimpleImputer(strategy="most_frequent")]
        if encoding == "onehot":
            steps = [*fill, OneHotEncoder(handle_unknown="ignore", sparse_output=False, dtype=np.float32)]
        elif encoding == "integer":
            steps = [*fill, OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan),
                     SimpleImputer(strategy="most_frequent"), StandardScaler(), to32]
        else:
            steps = [*fill, OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan),
                     SimpleImputer(strategy="most_frequent"), to32]
        parts.append(("cat", make_pipeline(*steps), categorical))
    return ColumnTransformer(parts, verbose_feature_names_out=False, sparse_threshold=0.0)


def _check_names(columns: Sequence[str], name: str) -> list[str]:
    if isinstance(columns, str | bytes) or not hasattr(columns, "__iter__"):
        raise TypeError(f"{name} must be a list of column names, got {type(columns).__name__}")
    columns = list(columns)
    bad = [c for c in columns if not isinstance(c, str)]
    if bad:
        raise TypeError(f"{name} must hold column names (strings), got {bad}")
    return columns


def cardinalities(encoder) -> list[int]:
    """Number of categories per categorical column of a fitted :func:`tabular_encoder`.

    The sizes of the embedding tables that its ``"codes"`` output indexes.

    Introduced in chapter 1, "Embedding learning".

    Examples
    --------
    >>> df = pd.DataFrame({"c": ["a", "b", "a"], "d": ["x", "x", "x"]})
    >>> cardinalities(tabular_encoder([], ["c", "d"], encoding="codes").fit(df))
    [2, 1]
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder

    if not isinstance(encoder, ColumnTransformer) or not hasattr(encoder, "transformers_"):
        raise TypeError("encoder must be a fitted tabular_encoder(...); call .fit(train_df) first")
    if "cat" not in encoder.named_transformers_:
        return []
    step = next(s for s in encoder.named_transformers_["cat"] if isinstance(s, (OneHotEncoder, OrdinalEncoder)))
    return [len(c) for c in step.categories_]
