"""Offline evaluation of recommendation lists with the book's shared ranking metrics.

Introduced in chapter 6, "Evaluation".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_float, check_int
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
    recommended : (n_users, K) item positions in ranked order, ``K >= max(ks)``.
    relevant : one set of relevant item positions per row.
    item_vectors : when given, adds ``"similarity"`` (mean intra-list cosine similarity).
    n_items : when given, adds ``"coverage"`` (fraction of the catalogue recommended).

    Examples
    --------
    >>> r = evaluate_lists([[1, 2], [3, 4]], [{1}, {4}], ks=(1, 2))
    >>> r["precision@1"], r["precision@2"], r["map@2"]
    (0.5, 0.5, 0.75)
    """
    rec = as_array(recommended, "recommended", ndim=2, dtype="int")
    if len(relevant) != len(rec):
        raise ValueError(f"relevant must have one set per row of recommended ({len(rec)}), got {len(relevant)}")
    ks = sorted(set(ks))
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
        out["similarity"] = float(np.nanmean(intra_list_similarity(rec[:, :K], item_vectors)))
    if n_items is not None:
        out["coverage"] = catalogue_coverage(rec[:, :K], n_items)
    return out


def paired_precision_difference(
    recommended_a: ArrayLike, recommended_b: ArrayLike, relevant: Sequence[set[int]], k: int = 10
) -> tuple[float, float]:
    """Mean per-user difference of precision@k, list A minus list B, and its standard error.

    Both lists are judged on the same users (those with a relevant item), so the difference
    is paired; a difference within about two standard errors is not one a verdict should
    rest on.

    Examples
    --------
    >>> d, se = paired_precision_difference([[1, 2], [3, 4]], [[5, 6], [3, 5]], [{1}, {3}], k=2)
    >>> float(d), round(float(se), 3)
    (0.25, 0.25)
    """
    a = as_array(recommended_a, "recommended_a", ndim=2, dtype="int")
    b = as_array(recommended_b, "recommended_b", ndim=2, dtype="int")
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


def verdict_from_difference(diff: float, se: float, z: float = 2.0) -> str:
    """``"supported"`` if ``diff > z * se``, ``"refuted"`` if ``diff < -z * se``, else ``"depends"``.

    Examples
    --------
    >>> verdict_from_difference(0.01, 0.002), verdict_from_difference(0.001, 0.002)
    ('supported', 'depends')
    """
    diff = check_float(diff, "diff")
    se = check_float(se, "se", low=0)
    z = check_float(z, "z", low=0)
    if diff > z * se:
        return "supported"
    if diff < -z * se:
        return "refuted"
    return "depends"
