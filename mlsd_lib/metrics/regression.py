"""Offline metrics for regression (source ch. 1, Table 1.4).

Introduced in chapter 1, "Evaluation".
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_same_length


def _pair(y_true: ArrayLike, y_pred: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    t = as_array(y_true, "y_true", ndim=1)
    p = as_array(y_pred, "y_pred", ndim=1)
    check_same_length(y_true=t, y_pred=p)
    return t, p


def mean_squared_error(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Mean of squared errors.

    Examples
    --------
    >>> mean_squared_error([1, 2, 3], [1, 2, 5])
    1.3333333333333333
    """
    t, p = _pair(y_true, y_pred)
    return float(np.mean((t - p) ** 2))


def mean_absolute_error(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Mean of absolute errors.

    Examples
    --------
    >>> mean_absolute_error([1, 2, 3], [1, 2, 5])
    0.6666666666666666
    """
    t, p = _pair(y_true, y_pred)
    return float(np.mean(np.abs(t - p)))


def root_mean_squared_error(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Square root of the mean squared error, in the target's own units.

    Examples
    --------
    >>> round(root_mean_squared_error([1, 2, 3], [1, 2, 5]), 4)
    1.1547
    """
    return float(np.sqrt(mean_squared_error(y_true, y_pred)))
