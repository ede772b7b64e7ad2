"""The user-video feedback matrix (source ch. 6, "Feedback matrix", Fig. 6.11).

Introduced in chapter 6, "Model development: feedback matrix".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_float, check_ids, check_sets


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
    if df.empty:
        raise ValueError("df is empty; pass at least one interaction")
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
    if not isinstance(fm, FeedbackMatrix):
        raise TypeError(f"fm must be a FeedbackMatrix (from build_feedback), got {type(fm).__name__}")
    pos = df[df[rating_col].to_numpy() >= check_float(threshold, "threshold")]
    r = fm.user_index(pos[user_col].to_numpy())
    c = fm.item_index(pos[item_col].to_numpy())
    out: list[set[int]] = [set() for _ in range(fm.shape[0])]
    for u, i in zip(r, c, strict=True):
        if u >= 0 and i >= 0:
            out[u].add(int(i))
    return out


def row_items(M: sp.spmatrix) -> list[np.ndarray]:
    """The column positions stored in each row of a CSR matrix (each user's history).

    Introduced in chapter 6, "The two-tower network".

    Examples
    --------
    >>> [h.tolist() for h in row_items(sp.csr_matrix([[1, 0, 1], [0, 0, 0]]))]
    [[0, 2], []]
    """
    if not sp.issparse(M):
        raise TypeError(f"M must be a scipy sparse matrix, got {type(M).__name__}; wrap it in sp.csr_matrix")
    M = sp.csr_matrix(M)
    return [M.indices[M.indptr[u]:M.indptr[u + 1]] for u in range(M.shape[0])]


def positive_times(
    df: pd.DataFrame,
    fm: FeedbackMatrix,
    M: sp.spmatrix,
    *,
    threshold: float = 4.0,
    user_col: str = "userId",
    item_col: str = "movieId",
    rating_col: str = "rating",
    time_col: str = "timestamp",
) -> np.ndarray:
    """The time of each positive of ``M``, in ``M``'s CSR order (for the two-tower's context).

    ``df``'s ratings of at least ``threshold`` by ``fm``'s users are placed at ``fm``'s
    positions; they must be exactly the stored entries of ``M``. A pair rated positively
    more than once is one positive, timed at its first positive rating (its timestamps are
    not added up).

    Introduced in chapter 6, "The two-tower network".

    Examples
    --------
    >>> d = pd.DataFrame({"userId": [1, 1], "movieId": [20, 10], "rating": [5, 4], "timestamp": [7, 3]})
    >>> fm = build_feedback(d)
    >>> positive_times(d, fm, fm.matrix).tolist()
    [3.0, 7.0]
    """
    _check_columns(df, user_col=user_col, item_col=item_col, rating_col=rating_col, time_col=time_col)
    if not sp.issparse(M):
        raise TypeError(f"M must be a scipy sparse matrix, got {type(M).__name__}")
    if M.shape != fm.shape:
        raise ValueError(f"M has shape {M.shape} but fm has shape {fm.shape}; pass the matching feedback matrix")
    threshold = check_float(threshold, "threshold")
    pos = df[(df[rating_col] >= threshold) & df[user_col].isin(fm.user_ids)]
    if pos[time_col].isna().any() or not np.isfinite(pos[time_col].to_numpy(dtype=float)).all():
        raise ValueError(f"{time_col} holds missing or infinite times among the positives")
    # A re-rated pair is one entry of M; a sparse matrix would sum its duplicate times.
    pos = pos.sort_values(time_col, kind="mergesort").drop_duplicates([user_col, item_col], keep="first")
    rows, cols = fm.user_index(pos[user_col]), fm.item_index(pos[item_col])
    if (cols < 0).any():
        raise ValueError("df holds positives of items outside fm; filter df to fm's items first")
    T = sp.csr_matrix((pos[time_col].astype(float), (rows, cols)), shape=M.shape)
    T.sort_indices()
    if T.nnz != M.nnz:
        raise ValueError(f"df's positives fill {T.nnz} cells but M has {M.nnz}; build M from the same df")
    return T.data


def items_by_time(
    df: pd.DataFrame,
    item_ids: ArrayLike,
    *,
    user_col: str = "userId",
    item_col: str = "movieId",
    time_col: str = "timestamp",
) -> list[np.ndarray]:
    """Each user's items (as positions in sorted ``item_ids``), oldest first, users in id order.

    Introduced in chapter 6, "Cold start: new users".

    Examples
    --------
    >>> d = pd.DataFrame({"userId": [2, 1, 1], "movieId": [30, 20, 10], "timestamp": [1, 9, 5]})
    >>> [h.tolist() for h in items_by_time(d, [10, 20, 30])]
    [[0, 1], [2]]
    """
    _check_columns(df, user_col=user_col, item_col=item_col, time_col=time_col)
    items = as_array(item_ids, "item_ids", ndim=1, dtype="int")
    if np.any(np.diff(items) <= 0):
        raise ValueError("item_ids must be sorted and unique; pass np.sort(np.unique(item_ids))")
    if not df[item_col].isin(items).all():
        raise ValueError(f"df holds {item_col} values outside item_ids; filter df first")
    return [np.searchsorted(items, g.sort_values(time_col)[item_col].to_numpy())
            for _, g in df.groupby(user_col)]


def withhold_items(R: sp.spmatrix, items: ArrayLike) -> sp.csr_matrix:
    """``R`` with the columns ``items`` emptied, as if those items had never been seen.

    Introduced in chapter 6, "Cold start: new videos".

    Examples
    --------
    >>> withhold_items(sp.csr_matrix([[1.0, 1.0], [0.0, 1.0]]), [1]).toarray().tolist()
    [[1.0, 0.0], [0.0, 0.0]]
    """
    from mlsd_lib.recsys.base import check_feedback

    R = check_feedback(R, "R", allow_empty=True)
    idx = check_ids(items, "items", R.shape[1], allow_empty=True, of="column positions of R")
    mask = np.ones(R.shape[1])
    mask[idx] = 0
    out = sp.csr_matrix(R @ sp.diags(mask))
    out.eliminate_zeros()
    return out


def restrict_relevant(relevant: list[set[int]], items: ArrayLike) -> list[set[int]]:
    """Each relevant set cut to ``items`` and renumbered to positions in sorted ``items``.

    Introduced in chapter 6, "Cold start: new videos".

    Examples
    --------
    >>> restrict_relevant([{1, 5, 7}, {2}], [5, 7])
    [{0, 1}, set()]
    """
    keep = as_array(items, "items", ndim=1, dtype="int")
    if np.any(np.diff(keep) <= 0):
        raise ValueError("items must be sorted and unique; pass np.sort(np.unique(items))")
    relevant = check_sets(relevant, "relevant")
    member = set(keep)
    return [{int(np.searchsorted(keep, i)) for i in s if i in member} for s in relevant]
