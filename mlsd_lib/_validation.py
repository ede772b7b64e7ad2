"""Input checks shared by every public function of mlsd_lib.

Each check raises ``TypeError`` for the wrong kind of input and ``ValueError`` for the right
kind with the wrong content, and names the argument and the fix, in the manner of
scikit-learn's ``check_array``.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike


def as_array(
    x: ArrayLike,
    name: str,
    *,
    ndim: int | tuple[int, ...] | None = None,
    dtype: str = "float",
    allow_empty: bool = False,
    allow_nan: bool = False,
    allow_inf: bool = False,
) -> np.ndarray:
    """Convert ``x`` to a NumPy array and check its rank, dtype, emptiness and NaNs.

    ``dtype`` is ``"float"`` (any real number, returned as float64), ``"int"`` (integers,
    returned as int64), ``"bool"`` (0/1 or booleans, returned as int64) or ``"any"``.
    """
    if isinstance(x, str | bytes) or x is None:
        raise TypeError(f"{name} must be array-like of numbers, got {type(x).__name__}")
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be array-like of numbers: {exc}") from exc
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if arr.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be {want}, got an array of shape {arr.shape}")
    if not allow_empty and arr.size == 0:
        raise ValueError(f"{name} is empty; pass at least one value")
    if dtype == "any":
        return arr
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise TypeError(f"{name} must hold numbers, got dtype {arr.dtype}")
    if dtype == "float":
        arr = arr.astype(np.float64, copy=False)
        if not allow_nan and np.isnan(arr).any():
            raise ValueError(f"{name} contains NaN; impute or drop missing values first")
        if not allow_inf and np.isinf(arr).any():
            raise ValueError(f"{name} contains inf; clip or drop infinite values first")
        return arr
    if dtype in ("int", "bool"):
        if np.issubdtype(arr.dtype, np.floating):
            if np.isnan(arr).any():
                raise ValueError(f"{name} contains NaN; pass integer labels")
            if not np.all(arr == np.round(arr)):
                raise TypeError(f"{name} must hold integers, got non-integral floats")
        arr = arr.astype(np.int64)
        if dtype == "bool" and not np.isin(arr, (0, 1)).all():
            bad = np.unique(arr[~np.isin(arr, (0, 1))])[:5]
            raise ValueError(f"{name} must be binary (0/1), found values {bad.tolist()}")
        return arr
    raise ValueError(f"unknown dtype spec {dtype!r}")


def check_same_length(**arrays: np.ndarray) -> int:
    """Check that all arrays have the same first dimension and return it."""
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        desc = ", ".join(f"{n}={v}" for n, v in lengths.items())
        raise ValueError(f"inputs must have the same length, got {desc}")
    return next(iter(lengths.values()))


def check_int(
    value: object, name: str, *, low: int | None = None, high: int | None = None
) -> int:
    """Check that ``value`` is an integer in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    value = int(value)
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}, got {value}")
    return value


def check_float(
    value: object,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Check that ``value`` is a finite real number in the given interval."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if low is not None and (value < low or (low_open and value == low)):
        op = ">" if low_open else ">="
        raise ValueError(f"{name} must be {op} {low}, got {value}")
    if high is not None and (value > high or (high_open and value == high)):
        op = "<" if high_open else "<="
        raise ValueError(f"{name} must be {op} {high}, got {value}")
    return value


def check_k(k: object, name: str = "k") -> int:
    """Check a ranking cut-off: a positive integer."""
    return check_int(k, name, low=1)


def check_choice(value: object, name: str, choices: tuple[str, ...]) -> str:
    """Check that ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value  # type: ignore[return-value]


def check_random_state(seed: object) -> np.random.Generator:
    """Turn ``None``, an int or a Generator into a ``np.random.Generator``."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        if seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed}")
        return np.random.default_rng(int(seed))
    raise TypeError(f"seed must be None, an int or a numpy Generator, got {type(seed).__name__}")
