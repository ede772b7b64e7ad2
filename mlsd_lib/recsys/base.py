"""What every recommender shares: the feedback-matrix check, top-k lists, ``recommend``.

Matrix factorisation, the baselines, content-based filtering and the two-tower all turn
scores into lists the same way, so the way lives here once.

Introduced in chapter 6, "Model development".
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_ids, check_int


def check_feedback(R: object, name: str = "R", *, allow_empty: bool = False) -> sp.csr_matrix:
    """Return ``R`` as a CSR float matrix, or raise naming the problem.

    ``allow_empty`` accepts a matrix with no observed entry (a fold-in of users without
    interactions), though still not one with no row or column.
    """
    if not sp.issparse(R):
        raise TypeError(f"{name} must be a scipy sparse matrix (users x items), got {type(R).__name__}")
    try:
        R = sp.csr_matrix(R, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must hold real numbers: {exc}") from exc
    if R.shape[0] == 0 or R.shape[1] == 0:
        raise ValueError(f"{name} has shape {R.shape}; it needs at least one user and one item")
    if R.nnz == 0 and not allow_empty:
        raise ValueError(f"{name} has no observed entries; nothing to learn from")
    if not np.isfinite(R.data).all():
        raise ValueError(f"{name} contains NaN or inf values")
    R.sort_indices()
    return R


def top_k(scores: ArrayLike, k: int, exclude: sp.spmatrix | None = None) -> np.ndarray:
    """Indices of the ``k`` largest scores per row, best first; ``exclude``'s entries skipped.

    Skipped means never returned: a row with fewer than ``k`` items left after ``exclude``
    is padded with ``-1`` (an empty slot, which the evaluation helpers understand).

    Examples
    --------
    >>> top_k(np.array([[0.1, 0.9, 0.5]]), k=2).tolist()
    [[1, 2]]
    >>> top_k(np.array([[0.1, 0.9, 0.5]]), k=2, exclude=sp.csr_matrix([[0, 1, 0]])).tolist()
    [[2, 0]]
    >>> top_k(np.array([[0.1, 0.9, 0.5]]), k=2, exclude=sp.csr_matrix([[1, 1, 0]])).tolist()
    [[2, -1]]
    """
    s = np.array(as_array(scores, "scores", ndim=2), copy=True)
    k = check_int(k, "k", low=1, high=s.shape[1])
    if exclude is not None:
        if not sp.issparse(exclude) and not isinstance(exclude, np.ndarray):
            raise TypeError(f"exclude must be a scipy sparse matrix shaped like scores, got {type(exclude).__name__}")
        ex = sp.csr_matrix(exclude)
        if ex.shape != s.shape:
            raise ValueError(f"exclude has shape {ex.shape}, scores {s.shape}; they must match")
        r, c = ex.nonzero()
        s[r, c] = -np.inf
    part = np.argpartition(-s, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(s, part, axis=1), axis=1, kind="stable")
    out = np.take_along_axis(part, order, axis=1)
    if exclude is not None:
        out[np.isneginf(np.take_along_axis(s, out, axis=1))] = -1  # excluded: an empty slot
    return out


class TopKRecommender:
    """``recommend`` for any model with ``score(users) -> (n_users, n_items)``.

    Shared by matrix factorisation, the baselines and content-based filtering, so that every
    recommender turns scores into lists, and skips already-seen items, the same way.
    """

    def recommend(self, users: ArrayLike, k: int = 10, exclude: sp.spmatrix | None = None) -> np.ndarray:
        """Top-``k`` item positions per user, skipping items in the users' rows of ``exclude``.

        ``users`` are row positions of the training matrix. A user with fewer than ``k``
        items left after ``exclude`` gets a list padded with ``-1`` (see :func:`top_k`).
        """
        u = check_ids(users, "users", self._n_users(), of="rows of the training matrix")
        if exclude is not None:
            if not sp.issparse(exclude):
                raise TypeError(f"exclude must be a scipy sparse matrix (users x items), got {type(exclude).__name__}")
            if exclude.shape[0] != self._n_users():
                raise ValueError(f"exclude has {exclude.shape[0]} rows but the model has {self._n_users()} users")
            exclude = sp.csr_matrix(exclude)[u]
        return top_k(self.score(u), k, exclude)

    def _n_users(self) -> int:
        raise NotImplementedError
