"""Cold start: recommending to new users and recommending new videos.

A new user has a handful of likes and no trained embedding; a new video has no interaction
at all. Collaborative filtering needs a fold-in (one least-squares solve with the other
side's embeddings fixed), the two-tower reads features, content-based filtering reads the
video itself (source ch. 6, "Challenges: cold start").

Introduced in chapter 6, "Cold start".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_ids, check_int, check_sets
from mlsd_lib.recsys.base import check_feedback, top_k
from mlsd_lib.recsys.content import ContentRecommender
from mlsd_lib.recsys.evaluate import precision_per_user
from mlsd_lib.recsys.feedback import FeedbackMatrix, withhold_items
from mlsd_lib.recsys.mf import MatrixFactorization, als_step


def cold_start_lists(mf_model, tt_model, liked: Sequence[ArrayLike], n_likes: int, context_times: ArrayLike,
                     exclude, fallback: ArrayLike, k: int = 10) -> dict[str, np.ndarray]:
    """Lists for new users who revealed their first ``n_likes`` likes: popularity (``fallback``),
    MF with a fold-in, and the two-tower from the same likes.

    With no like MF's fold-in is all zeros, so MF falls back to ``fallback`` too.

    Introduced in chapter 6, "Cold start: new users".
    """
    n_likes = check_int(n_likes, "n_likes", low=0)
    fallback = as_array(fallback, "fallback", ndim=2, dtype="int")
    if len(fallback) != len(liked):
        raise ValueError(f"fallback has {len(fallback)} rows but liked has {len(liked)}; pass one per user")
    hist = [h[:n_likes] for h in liked]
    if n_likes:
        mf = top_k(mf_model.fold_in(hist) @ mf_model.item_factors_.T, k, exclude)
    else:
        mf = fallback
    tt = top_k(tt_model.user_embeddings(hist, context_times) @ tt_model.item_embeddings().T, k, exclude)
    return {"most popular": fallback, "MF + fold-in": mf, "two-tower": tt}


def first_likes(events: pd.DataFrame, fm: FeedbackMatrix, new_items: ArrayLike, n: int = 3, *,
                user_col: str = "userId", item_col: str = "movieId", time_col: str = "timestamp") -> sp.csr_matrix:
    """Users × new items matrix of each new item's first ``n`` positive ``events``, by time.

    ``events`` are positive interactions (one row each); ``new_items`` are column positions of
    ``fm``. Column ``j`` of the result is ``new_items[j]``.

    Introduced in chapter 6, "Cold start: new videos".

    Examples
    --------
    >>> fm = FeedbackMatrix(sp.csr_matrix((2, 3)), np.array([7, 8]), np.array([10, 11, 12]))
    >>> ev = pd.DataFrame({"userId": [8, 7, 7], "movieId": [12, 12, 10], "timestamp": [2, 1, 5]})
    >>> first_likes(ev, fm, [2], n=1).toarray().tolist()
    [[1.0], [0.0]]
    """
    if not isinstance(events, pd.DataFrame):
        raise TypeError(f"events must be a pandas DataFrame, got {type(events).__name__}")
    if events.empty:
        raise ValueError("events has no rows; a new video needs at least one like to fold in")
    missing = [c for c in (user_col, item_col, time_col) if c not in events.columns]
    if missing:
        raise ValueError(f"events lacks the columns {missing}; pass user_col/item_col/time_col")
    new_items = check_ids(new_items, "new_items", fm.shape[1], of="items of fm")
    n = check_int(n, "n", low=1)
    new_ids = fm.item_ids[new_items]
    if (np.diff(new_ids) <= 0).any():
        raise ValueError("new_items must be sorted and distinct (np.sort(np.unique(...)))")
    first = events[events[item_col].isin(new_ids)].sort_values(time_col).groupby(item_col).head(n)
    rows = fm.user_index(first[user_col].to_numpy())
    if (rows < 0).any():
        raise ValueError("events holds users that are not rows of fm; filter them out first")
    cols = np.searchsorted(new_ids, first[item_col].to_numpy())
    return sp.csr_matrix((np.ones(len(first)), (rows, cols)), shape=(fm.shape[0], len(new_items)))


def new_item_cold_start(R, new_items: ArrayLike, likes: sp.spmatrix, relevant: Sequence[set[int]],
                        item_vectors: ArrayLike, users: ArrayLike, *, n_factors: int, epochs: int, seed: int,
                        loss: str = "weighted", w: float = 0.1, reg: float = 1.0, k: int = 10) -> dict[str, np.ndarray]:
    """Per-user precision@``k`` on new videos, content-based versus collaborative filtering.

    ``new_items`` (column positions of ``R``) are withheld from training. Each of ``users`` ranks
    the new videos only, judged against ``relevant`` (their liked new videos, as positions in
    ``new_items``). Two moments are measured:

    - no like yet: content-based filtering scores each new video against the user's profile;
      collaborative filtering can only tie, so its best order is chance;
    - after ``likes`` (users × new videos, e.g. :func:`first_likes`): CF folds each new video
      in (one least-squares solve, user embeddings fixed), content-based filtering adds the
      likes to its profiles; the likes themselves are not scored.

    Returns the per-user arrays ``"content, no like"``, ``"chance, no like"``,
    ``"content, after likes"`` and ``"CF fold-in, after likes"``.

    Introduced in chapter 6, "Cold start: new videos".
    """
    R = check_feedback(R)
    new_items = check_ids(new_items, "new_items", R.shape[1], of="items of R")
    users = check_ids(users, "users", R.shape[0], of="rows of R")
    relevant = check_sets(relevant, "relevant")
    likes = check_feedback(likes, "likes", allow_empty=True)
    if likes.shape != (R.shape[0], len(new_items)):
        raise ValueError(f"likes must be users x new items {(R.shape[0], len(new_items))}, got {likes.shape}")
    if len(relevant) != len(users):
        raise ValueError(f"relevant has {len(relevant)} sets for {len(users)} users; pass one per user")
    R_old = withhold_items(R, new_items)
    cf = MatrixFactorization(n_factors, loss=loss, w=w, reg=reg, epochs=epochs, seed=seed).fit(R_old)
    S_cb0 = ContentRecommender(item_vectors).fit(R_old).score(users)[:, new_items]
    out = {"content, no like": precision_per_user(top_k(S_cb0, k), relevant, k),
           "chance, no like": np.array([len(s) / len(new_items) for s in relevant if s])}
    V_fold = als_step(likes.T.tocsr(), np.zeros((len(new_items), n_factors)), cf.user_factors_, cf.w, cf.reg,
                      cg_steps=None)
    to_catalogue = sp.csr_matrix((np.ones(len(new_items)), (np.arange(len(new_items)), new_items)),
                                 shape=(len(new_items), R.shape[1]))
    S_cb = ContentRecommender(item_vectors).fit(R_old + likes @ to_catalogue).score(users)[:, new_items]
    liked_rows = likes[users]
    after = [s - set(liked_rows[i].indices.tolist()) for i, s in enumerate(relevant)]
    out["content, after likes"] = precision_per_user(top_k(S_cb, k, liked_rows), after, k)
    out["CF fold-in, after likes"] = precision_per_user(top_k(cf.user_factors_[users] @ V_fold.T, k, liked_rows),
                                                    after, k)
    return out
