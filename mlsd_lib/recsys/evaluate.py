"""Offline evaluation of recommendation lists with the book's shared ranking metrics.

Introduced in chapter 6, "Evaluation".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from mlsd_lib._validation import (
    as_array,
    check_ids,
    check_int,
    check_k,
    check_sequence,
    check_sets,
)
from mlsd_lib.metrics.diversity import catalogue_coverage, intra_list_similarity
from mlsd_lib.metrics.ranking import (
    mean_average_precision,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
    relevance_from_ids,
)


def evaluate_lists(
    recommended: ArrayLike,
    relevant: Sequence[set[int]],
    *,
    ks: Sequence[int] = (1, 5, 10),
    item_vectors: ArrayLike | None = None,
    n_items: int | None = None,
) -> dict[str, float]:
    """precision@k for each ``k``, recall, mAP and nDCG at the largest ``k``, over the users
    that have at least one relevant item; plus diversity and coverage when asked.

    Parameters
    ----------
    recommended : (n_users, K) item positions in ranked order, ``K >= max(ks)``; ``-1``
        marks an empty slot (a list shorter than ``K``). An id repeated in a row counts once,
        at its first position.
    relevant : one set of relevant item positions per row.
    item_vectors : when given, adds ``"similarity"`` (mean intra-list cosine similarity over
        the lists with at least two items; NaN when no list has two).
    n_items : when given, adds ``"coverage"`` (fraction of the catalogue recommended, empty
        slots left out) and every id must be a position in ``[0, n_items)``.

    Examples
    --------
    >>> r = evaluate_lists([[1, 2], [3, 4]], [{1}, {4}], ks=(1, 2))
    >>> r["precision@1"], r["precision@2"], r["map@2"]
    (0.5, 0.5, 0.75)
    """
    rec = as_array(recommended, "recommended", ndim=2, dtype="ids")
    if n_items is not None:
        n_items = check_int(n_items, "n_items", low=1)
        check_ids(rec, "recommended", n_items, ndim=2, missing=-1, of="n_items")
    elif (rec < -1).any():
        raise ValueError("recommended must hold item positions (>= 0), or -1 for an empty slot")
    relevant = check_sets(relevant, "relevant")
    if len(relevant) != len(rec):
        raise ValueError(f"relevant must have one set per row of recommended ({len(rec)}), got {len(relevant)}")
    ks = sorted({check_k(k, "ks") for k in check_sequence(ks, "ks")})
    if not ks:
        raise ValueError("ks is empty; pass at least one cut-off, e.g. ks=(10,)")
    K = ks[-1]
    if rec.shape[1] < K:
        raise ValueError(f"recommended has {rec.shape[1]} columns; it needs max(ks) = {K}")
    has = np.array([len(s) > 0 for s in relevant])
    if not has.any():
        raise ValueError("no user has a relevant item; nothing to evaluate")
    sets = [relevant[i] for i in np.flatnonzero(has)]
    rel = relevance_from_ids(rec[has, :K], sets)
    n_rel = np.array([len(s) for s in sets], dtype=float)
    out = {f"precision@{k}": float(np.mean(precision_at_k(rel, k))) for k in ks}
    out[f"recall@{K}"] = float(np.mean(recall_at_k(rel, K, n_rel)))
    out[f"map@{K}"] = mean_average_precision(rel, K, n_rel)
    # The ideal list holds every relevant item, not just the ones the model found.
    ideal = (np.arange(K)[None, :] < np.minimum(n_rel, K)[:, None]).astype(float)
    out[f"ndcg@{K}"] = float(np.mean(ndcg_at_k(rel, K, ideal)))
    if item_vectors is not None:
        sims = intra_list_similarity(rec[:, :K], item_vectors)
        out["similarity"] = float(np.nanmean(sims)) if not np.isnan(sims).all() else float("nan")
    if n_items is not None:
        out["coverage"] = catalogue_coverage(rec[:, :K], n_items)
    return out


def paired_precision_difference(
    recommended_a: ArrayLike, recommended_b: ArrayLike, relevant: Sequence[set[int]], k: int = 10
) -> tuple[float, float]:
    """Mean per-user difference of precision@k, list A minus list B, and its standard error.

    Both lists are judged on the same users (those with a relevant item), so the difference
    is paired; a difference within about two standard errors is not one a verdict should
    rest on. With a single such user the standard error is undefined and returned as NaN.

    Examples
    --------
    >>> d, se = paired_precision_difference([[1, 2], [3, 4]], [[5, 6], [3, 5]], [{1}, {3}], k=2)
    >>> float(d), round(float(se), 3)
    (0.25, 0.25)
    """
    a = as_array(recommended_a, "recommended_a", ndim=2, dtype="int")
    b = as_array(recommended_b, "recommended_b", ndim=2, dtype="int")
    for name, x in (("recommended_a", a), ("recommended_b", b)):
        if (x < -1).any():
            raise ValueError(f"{name} must hold item positions (>= 0), or -1 for an empty slot")
    relevant = check_sets(relevant, "relevant")
    if a.shape[0] != b.shape[0] or len(relevant) != len(a):
        raise ValueError(f"recommended_a ({len(a)} rows), recommended_b ({len(b)} rows) and relevant "
                         f"({len(relevant)} sets) must describe the same users")
    k = check_int(k, "k", low=1, high=min(a.shape[1], b.shape[1]))
    has = np.array([len(s) > 0 for s in relevant])
    if not has.any():
        raise ValueError("no user has a relevant item; nothing to compare")
    sets = [relevant[i] for i in np.flatnonzero(has)]
    pa = precision_at_k(relevance_from_ids(a[has, :k], sets), k)
    pb = precision_at_k(relevance_from_ids(b[has, :k], sets), k)
    d = np.asarray(pa, dtype=float) - np.asarray(pb, dtype=float)
    se = float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else float("nan")
    return float(d.mean()), se


def precision_per_user(recommended: ArrayLike, relevant: Sequence[set[int]], k: int = 10) -> np.ndarray:
    """precision@``k`` of each user that has at least one relevant item, in row order.

    Two lists judged against the same ``relevant`` sets give arrays of the same users, so
    their difference is paired user by user (the unit a bootstrap over users resamples).

    Introduced in chapter 6, "Three losses for matrix factorisation".

    Examples
    --------
    >>> precision_per_user([[1, 2], [3, 4], [5, 6]], [{1}, set(), {5, 6}], k=2).tolist()
    [0.5, 1.0]
    """
    rec = as_array(recommended, "recommended", ndim=2, dtype="ids")
    if (rec < -1).any():
        raise ValueError("recommended must hold item positions (>= 0), or -1 for an empty slot")
    relevant = check_sets(relevant, "relevant")
    if len(relevant) != len(rec):
        raise ValueError(f"relevant must have one set per row of recommended ({len(rec)}), got {len(relevant)}")
    k = check_int(k, "k", low=1, high=rec.shape[1])
    has = np.array([len(s) > 0 for s in relevant])
    if not has.any():
        raise ValueError("no user has a relevant item; nothing to evaluate")
    sets = [relevant[i] for i in np.flatnonzero(has)]
    return np.asarray(precision_at_k(relevance_from_ids(rec[has, :k], sets), k), dtype=float)


def mean_scores_per_user(U: ArrayLike, V: ArrayLike, R) -> tuple[np.ndarray, np.ndarray]:
    """Per user, the mean predicted score ``U_i . V_j`` over the user's observed pairs of ``R``
    and over the unobserved ones; only users with both kinds of pair are returned.

    Dense (``m × n``): meant for the chapter's small matrices.

    Introduced in chapter 6, "Three losses for matrix factorisation".

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> obs, unobs = mean_scores_per_user(np.ones((2, 1)), np.array([[1.0], [0.5]]),
    ...                                   sp.csr_matrix([[1, 0], [1, 1]]))
    >>> obs.tolist(), unobs.tolist()
    ([1.0], [0.5])
    """
    from mlsd_lib.recsys.mf import check_factors

    U, V, R = check_factors(U, V, R)
    S = U @ V.T
    obs = np.asarray((R != 0).toarray(), bool)
    n_obs = obs.sum(1)
    both = (n_obs > 0) & (n_obs < R.shape[1])
    if not both.any():
        raise ValueError("no user has both observed and unobserved pairs")
    s_obs = np.where(obs, S, 0.0).sum(1)
    s_all = S.sum(1)
    return ((s_obs / np.maximum(n_obs, 1))[both],
            ((s_all - s_obs) / np.maximum(R.shape[1] - n_obs, 1))[both])


def compare_lists(
    lists: dict[str, ArrayLike], relevant: Sequence[set[int]], a: str, b: str, k: int = 10
) -> dict[str, float]:
    """precision@``k`` of each list, plus the paired difference ``a − b`` and its standard error
    (keys ``"a − b"`` and ``"± s.e."``).

    Introduced in chapter 6, "Cold start: new users".

    Examples
    --------
    >>> compare_lists({"x": [[1], [3]], "y": [[2], [3]]}, [{1}, {3}], "x", "y", k=1)
    {'x': 1.0, 'y': 0.5, 'x − y': 0.5, '± s.e.': 0.5}
    """
    if not isinstance(lists, dict):
        raise TypeError(f"lists must be a dict of name -> recommendation array, got {type(lists).__name__}")
    for name, arg in (("a", a), ("b", b)):
        if arg not in lists:
            raise ValueError(f"{name}={arg!r} is not a key of lists; pick one of {sorted(lists)}")
    ks = (1, 5, 10) if k == 10 else (k,)
    out = {name: evaluate_lists(v, relevant, ks=ks)[f"precision@{k}"] for name, v in lists.items()}
    diff = paired_precision_difference(lists[a], lists[b], relevant, k=k)
    out.update(zip([f"{a} − {b}", "± s.e."], diff, strict=True))
    return out


def random_precision(relevant: Sequence[set[int]], n_items: int) -> float:
    """Expected precision of a random ranking of ``n_items``: mean ``|relevant| / n_items`` over
    the users with at least one relevant item.

    Introduced in chapter 6, "Cold start: new videos".

    Examples
    --------
    >>> random_precision([{0, 1}, set(), {2}], 4)
    0.375
    """
    n_items = check_int(n_items, "n_items", low=1)
    relevant = check_sets(relevant, "relevant")
    for i, s in enumerate(relevant):
        if s:
            check_ids(sorted(s), f"relevant[{i}]", n_items, of="n_items")
    sizes = [len(s) for s in relevant if len(s) > 0]
    if not sizes:
        raise ValueError("no user has a relevant item; nothing to evaluate")
    return float(np.mean([s / n_items for s in sizes]))


def candidate_stats(candidates: Sequence[ArrayLike], item_vectors: ArrayLike, n_items: int) -> dict[str, float]:
    """Mean size, mean intra-set similarity and catalogue coverage of per-request candidate sets.

    Candidates are item positions in ``[0, n_items)`` that index ``item_vectors``. The
    similarity averages the requests with at least two candidates; it is NaN when no
    request has two (there is no pair to compare).

    Introduced in chapter 6, "Candidate generation and scoring".

    Examples
    --------
    >>> candidate_stats([[0, 1], [1, 2, 3]], np.eye(4), 8)
    {'candidates per user': 2.5, 'candidate similarity': 0.0, 'candidate coverage': 0.5}
    """
    n_items = check_int(n_items, "n_items", low=1)
    candidates = check_sequence(candidates, "candidates")
    if len(candidates) == 0:
        raise ValueError("candidates is empty; pass one candidate set per request")
    vec = as_array(item_vectors, "item_vectors", ndim=2)
    sets = [check_ids(c, f"candidates[{i}]", min(n_items, len(vec)), allow_empty=True,
                      of="n_items and rows of item_vectors")
            for i, c in enumerate(candidates)]
    sims = [intra_list_similarity(c, vec) if len(c) > 1 else np.nan for c in sets]
    # A request with fewer than two candidates has no pair to compare: NaN, left out of the mean.
    return {"candidates per user": float(np.mean([len(c) for c in sets])),
            "candidate similarity": float(np.nanmean(sims)) if not np.isnan(sims).all() else float("nan"),
            "candidate coverage": len(np.unique(np.concatenate(sets))) / n_items}
