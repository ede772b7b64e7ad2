"""Row operations on embedding matrices that every chapter shares.

Introduced in chapter 2, "Which similarity?" (cosine on unit vectors).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_choice


def normalize_rows(x: ArrayLike, name: str = "x", *, zero_rows: str = "raise") -> np.ndarray:
    """Scale every row of ``x`` to unit L2 norm (the vectors cosine similarity compares).

    Parameters
    ----------
    x : (n, d) array of vectors.
    name : the argument's name in error messages.
    zero_rows : ``"raise"`` (cosine is undefined for an all-zero vector, so refuse it) or
        ``"keep"`` (leave such rows at zero: an empty profile that matches nothing).

    Returns
    -------
    float array of the same shape and floating dtype (float32 stays float32).

    Examples
    --------
    >>> normalize_rows([[3.0, 4.0], [0.0, 2.0]]).tolist()
    [[0.6, 0.8], [0.0, 1.0]]
    >>> normalize_rows([[0.0, 0.0], [1.0, 1.0]], zero_rows="keep")[0].tolist()
    [0.0, 0.0]
    """
    check_choice(zero_rows, "zero_rows", ("raise", "keep"))
    dtype = np.asarray(x).dtype if np.issubdtype(np.asarray(x).dtype, np.floating) else np.float64
    arr = as_array(x, name, ndim=2).astype(dtype, copy=False)
    norms = np.linalg.norm(arr, axis=1, keepdims=True)
    zero = norms[:, 0] == 0
    if zero.any() and zero_rows == "raise":
        rows = np.flatnonzero(zero)[:5].tolist()
        raise ValueError(f"{name} has all-zero rows {rows}; cosine needs non-zero vectors, so drop them")
    return np.divide(arr, norms, out=np.zeros_like(arr), where=norms > 0)
