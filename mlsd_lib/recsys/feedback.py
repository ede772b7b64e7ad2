"""The user-video feedback matrix (source ch. 6, "Feedback matrix", Fig. 6.11).

Introduced in chapter 6, "Model development: feedback matrix".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_float


@dataclass
class FeedbackMatrix:
    """A sparse users × items matrix plus the ids that name its rows and columns.

    ``matrix[u, i]`` is the feedback value (1.0 = relevant); absent entries are unobserved.
    """

    matrix: sp.csr_matrix
    user_ids: np.ndarray
    item_ids: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape

    @property
    def density(self) -> float:
        """Fraction of (user, item) pairs that are observed."""
        n_users, n_items = self.matrix.shape
        return self.matrix.nnz / (n_users * n_items)

    def user_index(self, ids: ArrayLike) -> np.ndarray:
        """Row positions of user ids; ``-1`` for ids not in the matrix."""
        return _positions(self.user_ids, ids, "ids")

    def item_index(self, ids: ArrayLike) -> np.ndarray:
        """Column positions of item ids; ``-1`` for ids not in the matrix."""
        return _positions(self.item_ids, ids, "ids")


def _positions(known: np.ndarray, ids: ArrayLike, name: str) -> np.ndarray:
    q = as_array(ids, name, ndim=1, dtype="int", allow_empty=True)
    pos = np.searchsorted(known, q)
    pos = np.clip(pos, 0, max(len(known) - 1, 0))
    ok = (len(known) > 0) & (known[pos] == q) if len(known) else np.zeros(len(q), bool)
    return np.where(ok, pos, -1)


def _check_columns(df: pd.DataFrame, **cols: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    for arg, col in cols.items():
        if col not in df.columns:
            raise ValueError(f"{arg}={col!r} is not a column of df (columns: {list(df.columns)})")


def build_feedback(
    df: pd.DataFrame,
    *,
    user_col: str = "userId",
    item_col: str = "movieId",
    rating_col: str = "rating",
    threshold: float = 4.0,
    user_ids: ArrayLike | None = None,
    item_ids: ArrayLike | None = None,
) -> FeedbackMatrix:
    """Binary feedback matrix: 1 where a user rated an item at least ``threshold``.

    A rating is explicit feedback and having rated at all is implicit (the user watched);
    combining them as "watched and rated >= threshold" follows the source's choice of a
    relevance defined from both signals. Rows and columns default to the sorted ids found in
    ``df``; pass ``user_ids``/``item_ids`` to fix them (rows of unknown ids are dropped).

    Examples
    --------
    >>> df = pd.DataFrame({"userId": [1, 1, 2], "movieId": [10, 20, 20], "rating": [5, 2, 4]})
    >>> fm = build_feedback(df)
    >>> fm.matrix.toarray().tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    _check_columns(df, user_col=user_col, item_col=item_col, rating_col=rating_col)
    if df.empty:
        raise ValueError("df is empty; pass at least one interaction")
    threshold = check_float(threshold, "threshold")
    users = (np.unique(df[user_col].to_numpy()) if user_ids is None
             else np.unique(as_array(user_ids, "user_ids", ndim=1, dtype="int")))
    items = (np.unique(df[item_col].to_numpy()) if item_ids is None
             else np.unique(as_array(item_ids, "item_ids", ndim=1, dtype="int")))
    pos = df[df[rating_col].to_numpy() >= threshold]
    r = _positions(users, pos[user_col].to_numpy(), "users")
    c = _positions(items, pos[item_col].to_numpy(), "items")
    keep = (r >= 0) & (c >= 0)
    m = sp.csr_matrix((np.ones(keep.sum()), (r[keep], c[keep])), shape=(len(users), len(items)))
    m.sum_duplicates()
    m.data[:] = 1.0  # a re-rated movie is still one relevant pair
    return FeedbackMatrix(m, users, items)


def relevant_sets(
    df: pd.DataFrame,
    fm: FeedbackMatrix,
    *,
    user_col: str = "userId",
    item_col: str = "movieId",
    rating_col: str = "rating",
    threshold: float = 4.0,
) -> list[set[int]]:
    """For each row of ``fm``, the set of column positions the user found relevant in ``df``.

    Items outside ``fm``'s catalogue are left out: no model could recommend them.

    Examples
    --------
    >>> tr = pd.DataFrame({"userId": [1, 2], "movieId": [10, 20], "rating": [5, 5]})
    >>> te = pd.DataFrame({"userId": [1, 1], "movieId": [20, 99], "rating": [4, 5]})
    >>> relevant_sets(te, build_feedback(tr))
    [{1}, set()]
    """
    _check_columns(df, user_col=user_col, item_col=item_col, rating_col=rating_col)
    pos = df[df[rating_col].to_numpy() >= check_float(threshold, "threshold")]
    r = fm.user_index(pos[user_col].to_numpy())
    c = fm.item_index(pos[item_col].to_numpy())
    out: list[set[int]] = [set() for _ in range(fm.shape[0])]
    for u, i in zip(r, c, strict=True):
        if u >= 0 and i >= 0:
            out[u].add(int(i))
    return out
