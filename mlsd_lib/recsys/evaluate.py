"""Offline evaluation of recommendation lists with the book's shared ranking metrics.

Introduced in chapter 6, "Evaluation".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array
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
        out["similarity"] = float(np.mean(intra_list_similarity(rec[:, :K], item_vectors)))
    if n_items is not None:
        out["coverage"] = catalogue_coverage(rec[:, :K], n_items)
    return out
