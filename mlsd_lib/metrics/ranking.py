"""Ranking metrics shared by every chapter (source ch. 1 Table 1.4, ch. 2 "Offline metrics").

Each metric takes ``relevance``: the relevance of the returned items *in ranked order*,
either one list (1-D, returns a float) or one list per query (2-D, returns one value per
query; average it for the mean over queries). Relevance is binary (0/1) or graded (0-5 in
the source's nDCG example); for the binary metrics any grade above 0 counts as relevant.
``relevance_from_ids`` turns retrieved ids plus ground-truth sets into that array.

Introduced in chapter 1, "Evaluation"; used by chapters 2, 4 and 6.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_k, check_sets


def _relevance(relevance: ArrayLike) -> tuple[np.ndarray, bool]:
    rel = as_array(relevance, "relevance", ndim=(1, 2))
    if (rel < 0).any():
        raise ValueError("relevance must be non-negative (0 = not relevant)")
    one = rel.ndim == 1
    return (rel[None, :] if one else rel), one


def _cut(rel: np.ndarray, k: int | None) -> np.ndarray:
    if k is None:
        return rel
    return rel[:, : check_k(k)]


def _n_relevant(n_relevant: ArrayLike | None, rel: np.ndarray, name: str) -> np.ndarray:
    if n_relevant is None:
        return (rel > 0).sum(axis=1).astype(float)
    n = as_array(n_relevant, name, ndim=(0, 1)).reshape(-1)
    if n.size == 1:
        n = np.full(rel.shape[0], n[0])
    if n.size != rel.shape[0]:
        raise ValueError(f"{name} must have one entry per query ({rel.shape[0]}), got {n.size}")
    if (n < 0).any():
        raise ValueError(f"{name} must be non-negative")
    return n


def _out(values: np.ndarray, one: bool) -> float | np.ndarray:
    return float(values[0]) if one else values


def relevance_from_ids(
    retrieved: ArrayLike, relevant: Sequence[Iterable[int]] | Iterable[int]
) -> np.ndarray:
    """Binary relevance of retrieved ids, given each query's set of relevant ids.

    Parameters
    ----------
    retrieved : (n_queries, k) or (k,) array of item ids in ranked order.
    relevant : for 2-D ``retrieved``, one iterable of relevant ids per query;
        for 1-D, one iterable.

    An id repeated within a list is relevant at its first position only: showing the same
    item twice finds nothing new, so it must not count as a second hit.

    Examples
    --------
    >>> relevance_from_ids([[3, 1, 2]], [{1, 9}]).tolist()
    [[0, 1, 0]]
    """
    ids = as_array(retrieved, "retrieved", ndim=(1, 2), dtype="int")
    one = ids.ndim == 1
    ids2 = ids[None, :] if one else ids
    if one:
        sets = check_sets([relevant], "relevant")
    else:
        sets = check_sets(relevant, "relevant")
    if len(sets) != ids2.shape[0]:
        raise ValueError(f"relevant must have one set per query ({ids2.shape[0]}), got {len(sets)}")
    out = np.zeros(ids2.shape, dtype=np.int64)
    for i, (row, rel) in enumerate(zip(ids2, sets, strict=True)):
        out[i] = np.isin(row, np.fromiter(rel, dtype=np.int64, count=len(rel)))
    out[_repeats(ids2)] = 0
    return out[0] if one else out


def _repeats(ids: np.ndarray) -> np.ndarray:
    """Mask of the entries of each row that repeat an id seen earlier in the row."""
    order = np.argsort(ids, axis=1, kind="stable")  # stable: the first occurrence sorts first
    s = np.take_along_axis(ids, order, axis=1)
    dup_sorted = np.zeros(ids.shape, dtype=bool)
    dup_sorted[:, 1:] = s[:, 1:] == s[:, :-1]
    dup = np.empty_like(dup_sorted)
    np.put_along_axis(dup, order, dup_sorted, axis=1)
    return dup


def precision_at_k(relevance: ArrayLike, k: int) -> float | np.ndarray:
    """Fraction of the top ``k`` results that are relevant.

    A list shorter than ``k`` counts the missing slots as not relevant.

    Examples
    --------
    >>> precision_at_k([1, 0, 1, 0, 0], k=5)
    0.4
    """
    rel, one = _relevance(relevance)
    k = check_k(k)
    return _out((_cut(rel, k) > 0).sum(axis=1) / k, one)


def recall_at_k(relevance: ArrayLike, k: int, n_relevant: ArrayLike) -> float | np.ndarray:
    """Fraction of all ``n_relevant`` relevant items that appear in the top ``k``.

    Examples
    --------
    >>> recall_at_k([1, 0, 1, 0, 0], k=5, n_relevant=4)
    0.5
    """
    rel, one = _relevance(relevance)
    k = check_k(k)
    if n_relevant is None:
        raise TypeError("n_relevant is required: recall divides by every relevant item of the "
                        "query, not only those in the list")
    n = _n_relevant(n_relevant, rel, "n_relevant")
    hits = (_cut(rel, k) > 0).sum(axis=1)
    if (hits > n).any():
        raise ValueError("n_relevant is smaller than the relevant items found in the list")
    return _out(np.divide(hits, n, out=np.zeros_like(n), where=n > 0), one)


def reciprocal_rank(relevance: ArrayLike, k: int | None = None) -> float | np.ndarray:
    """1 / rank of the first relevant item (0 when none is in the list).

    Examples
    --------
    >>> reciprocal_rank([0, 0, 1, 1])
    0.3333333333333333
    """
    rel, one = _relevance(relevance)
    hit = _cut(rel, k) > 0
    first = hit.argmax(axis=1)
    return _out(np.where(hit.any(axis=1), 1.0 / (first + 1), 0.0), one)


def mean_reciprocal_rank(relevance: ArrayLike, k: int | None = None) -> float:
    """Mean of reciprocal ranks over queries (source ch. 2, Fig. 2.13).

    Examples
    --------
    >>> mean_reciprocal_rank([[1, 0, 0], [0, 1, 0], [0, 0, 0], [0, 0, 1]])
    0.4583333333333333
    """
    rr = reciprocal_rank(relevance, k)
    return float(np.mean(rr))


def average_precision_at_k(
    relevance: ArrayLike, k: int | None = None, n_relevant: ArrayLike | None = None
) -> float | np.ndarray:
    """Average of precision@i over the ranks i that hold a relevant item.

    The sum is divided by ``min(n_relevant, k)`` when ``n_relevant`` is given (the usual
    AP@k), else by the number of relevant items found in the list. ``n_relevant`` counts
    every relevant item of the query, so it may not be smaller than the hits in the list
    (that would give an AP above 1); such input raises ``ValueError``, as in
    :func:`recall_at_k`.

    Examples
    --------
    >>> round(average_precision_at_k([1, 0, 1, 0, 1]), 4)   # (1 + 2/3 + 3/5) / 3
    0.7556
    """
    rel, one = _relevance(relevance)
    hit = (_cut(rel, k) > 0).astype(float)
    ranks = np.arange(1, hit.shape[1] + 1)
    prec_at_hits = (np.cumsum(hit, axis=1) / ranks) * hit
    if n_relevant is None:
        denom = hit.sum(axis=1)
    else:
        denom = _n_relevant(n_relevant, rel, "n_relevant")
        if (hit.sum(axis=1) > denom).any():
            raise ValueError("n_relevant is smaller than the relevant items found in the list; "
                             "pass the number of all relevant items of each query")
        if k is not None:
            denom = np.minimum(denom, k)
    ap = np.divide(prec_at_hits.sum(axis=1), denom, out=np.zeros(len(hit)), where=denom > 0)
    return _out(ap, one)


def mean_average_precision(
    relevance: ArrayLike, k: int | None = None, n_relevant: ArrayLike | None = None
) -> float:
    """mAP: average precision averaged over queries.

    Examples
    --------
    >>> round(mean_average_precision([[1, 0, 1], [0, 1, 0]]), 4)
    0.6667
    """
    return float(np.mean(average_precision_at_k(relevance, k, n_relevant)))


def dcg_at_k(relevance: ArrayLike, k: int | None = None) -> float | np.ndarray:
    """Discounted cumulative gain: sum of rel_i / log2(i + 1) over the top ``k`` ranks.

    Examples
    --------
    >>> round(dcg_at_k([0, 5, 1, 4, 2]), 3)    # source ch. 2, Fig. 2.17
    6.151
    """
    rel, one = _relevance(relevance)
    rel = _cut(rel, k)
    discounts = 1.0 / np.log2(np.arange(2, rel.shape[1] + 2))
    return _out(rel @ discounts, one)


def ndcg_at_k(
    relevance: ArrayLike, k: int | None = None, ideal_relevance: ArrayLike | None = None
) -> float | np.ndarray:
    """Normalised DCG: DCG of the ranking over DCG of the ideal ranking.

    Parameters
    ----------
    relevance : graded relevance in ranked order.
    k : cut-off; ``None`` uses the whole list.
    ideal_relevance : grades of *all* relevant items for the query (any order). By default
        the ideal ranking re-sorts the returned list, as in the source's worked example; pass
        the full set when relevant items may be missing from the list. It must hold at
        least the grades found in the list (else nDCG would exceed 1: ``ValueError``).

    Examples
    --------
    >>> round(ndcg_at_k([0, 5, 1, 4, 2]), 4)    # source ch. 2, Figs. 2.17-2.18
    0.6869
    """
    rel, one = _relevance(relevance)
    if ideal_relevance is None:
        ideal = rel
    else:
        ideal, _ = _relevance(ideal_relevance)
        if ideal.shape[0] != rel.shape[0]:
            raise ValueError("ideal_relevance must have one row per query of relevance")
    ideal = -np.sort(-ideal, axis=1)
    dcg = np.atleast_1d(dcg_at_k(rel, k))
    idcg = np.atleast_1d(dcg_at_k(ideal, k))
    if (dcg > idcg * (1 + 1e-9) + 1e-12).any():
        raise ValueError("ideal_relevance must hold the grades of every relevant item, including "
                         "those in relevance; its DCG is below the ranking's")
    return _out(np.divide(dcg, idcg, out=np.zeros_like(dcg), where=idcg > 0), one)


def ranking_report(
    relevance: ArrayLike, k: int, n_relevant: ArrayLike | None = None
) -> dict[str, float]:
    """Mean precision@k, recall@k, MRR, mAP@k and nDCG@k over queries, in one dict.

    Examples
    --------
    >>> ranking_report([[1, 0], [0, 1]], k=2)["mrr"]
    0.75
    """
    rel, _ = _relevance(relevance)
    n = _n_relevant(n_relevant, rel, "n_relevant")
    report = {
        f"precision@{k}": float(np.mean(precision_at_k(rel, k))),
        f"recall@{k}": float(np.mean(recall_at_k(rel, k, n))),
        "mrr": mean_reciprocal_rank(rel, k),
        f"map@{k}": mean_average_precision(rel, k, n if n_relevant is not None else None),
        f"ndcg@{k}": float(np.mean(ndcg_at_k(rel, k))),
    }
    return report
