"""Similarity measures and the curse of dimensionality (source ch. 2, "Choosing the loss function").

Introduced in chapter 2, "Model development".
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_choice, check_int, check_random_state
from mlsd_lib.vectors import normalize_rows


def similarity(queries: ArrayLike, items: ArrayLike, metric: str = "cosine") -> np.ndarray:
    """Score matrix (n_queries, n_items); larger always means more similar.

    ``"dot"`` is the inner product, ``"cosine"`` the inner product of unit vectors and
    ``"euclidean"`` the *negative* Euclidean distance (so that every metric sorts the same way).

    Examples
    --------
    >>> similarity([[1.0, 0.0]], [[2.0, 0.0], [0.0, 1.0]], "dot").tolist()
    [[2.0, 0.0]]
    >>> similarity([[1.0, 0.0]], [[2.0, 0.0]], "euclidean").tolist()
    [[-1.0]]
    """
    check_choice(metric, "metric", ("dot", "cosine", "euclidean"))
    q = as_array(queries, "queries", ndim=2)
    x = as_array(items, "items", ndim=2)
    if q.shape[1] != x.shape[1]:
        raise ValueError(f"queries and items must have the same dimension, got {q.shape[1]} and {x.shape[1]}")
    if metric == "dot":
        return q @ x.T
    if metric == "cosine":
        return normalize_rows(q, "queries") @ normalize_rows(x, "items").T
    sq = (q**2).sum(1)[:, None] + (x**2).sum(1)[None, :] - 2 * q @ x.T
    return -np.sqrt(np.maximum(sq, 0.0))


def nearest_other_similarity(vectors: ArrayLike, metric: str = "cosine") -> np.ndarray:
    """Each row's highest similarity with any *other* row, (n,): how close its nearest neighbour is.

    ``metric`` as in :func:`similarity`; ``"dot"`` on rows already at unit length (or zero)
    is their cosine without a second normalisation.

    Examples
    --------
    >>> nearest_other_similarity([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]]).round(2).tolist()
    [0.8, 0.8, 0.6]
    """
    x = as_array(vectors, "vectors", ndim=2)
    if len(x) < 2:
        raise ValueError(f"vectors must hold at least two rows to have a nearest other, got {len(x)}")
    s = similarity(x, x, metric)
    np.fill_diagonal(s, -np.inf)
    return s.max(axis=1)


def relative_contrast(
    dims: ArrayLike, n_points: int = 1000, n_queries: int = 50, seed: int | np.random.Generator = 0
) -> np.ndarray:
    """Mean (farthest - nearest) / nearest Euclidean distance of uniform random points, per dimension.

    In low dimension the nearest point is much nearer than the farthest; as the dimension
    grows the ratio falls towards zero (Beyer et al., 1999): every point is about equally far.

    Examples
    --------
    >>> rc = relative_contrast([2, 512], n_points=200, n_queries=10)
    >>> bool(rc[0] > 10 * rc[1])
    True
    """
    d = as_array(dims, "dims", ndim=1, dtype="int")
    if (d < 1).any():
        raise ValueError("dims must be positive integers")
    n_points = check_int(n_points, "n_points", low=2)
    n_queries = check_int(n_queries, "n_queries", low=1)
    rng = check_random_state(seed)
    out = []
    for dim in d:
        x = rng.random((n_points, int(dim)))
        q = rng.random((n_queries, int(dim)))
        dist = -similarity(q, x, "euclidean")
        out.append(float(np.mean((dist.max(1) - dist.min(1)) / dist.min(1))))
    return np.array(out)
