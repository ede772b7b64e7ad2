"""Offline evaluation of a retrieval run, and simulated clicks for the online metrics.

Introduced in chapter 2, "Evaluation".
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_float, check_int, check_random_state
from mlsd_lib.metrics.ranking import ranking_report


def search_excluding(
    query_vectors: ArrayLike, catalogue_vectors: ArrayLike, k: int, exclude: ArrayLike | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Exact inner-product top-``k`` (faiss flat), skipping each query's own catalogue id.

    ``exclude[i]`` is the catalogue id to drop from query i's results (the image the query
    was made from), or -1 for none.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.eye(3, dtype="float32")
    >>> search_excluding(x, x, k=1, exclude=[0, 1, 2])[0].shape
    (3, 1)
    """
    import faiss

    q = np.ascontiguousarray(as_array(query_vectors, "query_vectors", ndim=2), dtype=np.float32)
    c = np.ascontiguousarray(as_array(catalogue_vectors, "catalogue_vectors", ndim=2), dtype=np.float32)
    if q.shape[1] != c.shape[1]:
        raise ValueError(f"query and catalogue vectors differ in dimension: {q.shape[1]} vs {c.shape[1]}")
    k = check_int(k, "k", low=1, high=len(c) - 1)
    ex = np.full(len(q), -1) if exclude is None else as_array(exclude, "exclude", ndim=1, dtype="int")
    if len(ex) != len(q):
        raise ValueError(f"exclude must have one id per query ({len(q)}), got {len(ex)}")
    index = faiss.IndexFlatIP(c.shape[1])
    index.add(c)
    scores, ids = index.search(q, k + 1)
    keep = ids != ex[:, None]
    # Drop the excluded id where it appears, else the last (k+1-th) result.
    keep[keep.all(axis=1), -1] = False
    return ids[keep].reshape(len(q), k), scores[keep].reshape(len(q), k)


def evaluate_retrieval(
    retrieved: ArrayLike,
    query_labels: ArrayLike,
    catalogue_labels: ArrayLike,
    k: int = 10,
    grade=None,
    exclude: ArrayLike | None = None,
) -> dict[str, float]:
    """All ranking metrics of one run: precision@k, recall@k, MRR, mAP@k (binary: same label)
    and nDCG@k (graded by ``grade(query_labels, item_labels)``; default 1 for same label).

    The ideal ranking for nDCG is the best the *whole catalogue* could give (k items of the
    top grade when the class has at least k members), not a re-sort of the returned list.

    Examples
    --------
    >>> r = evaluate_retrieval([[0, 1], [2, 0]], [0, 1], [0, 0, 1], k=2)
    >>> r["precision@2"], r["mrr"]
    (0.75, 1.0)
    """
    from mlsd_lib.metrics.ranking import ndcg_at_k

    ids, ql, cl, k, binary, n_rel = _binary_relevance(retrieved, query_labels, catalogue_labels, k, exclude)
    report = ranking_report(binary, k, n_relevant=n_rel)
    if grade is None:
        # The ideal list holds min(n_rel, k) items of grade 1: every same-label item the
        # catalogue could return, not just one (which let nDCG exceed 1).
        graded = binary
        best = (np.arange(k)[None, :] < np.minimum(n_rel, k)[:, None]).astype(int)
    else:
        graded = np.asarray(grade(ql[:, None], cl[ids]))
        best = np.asarray(grade(ql[:, None], cl[None, :]))  # every catalogue item's grade
        best = -np.sort(-best, axis=1)[:, : k + 1]
    report[f"ndcg@{k}"] = float(np.mean(ndcg_at_k(graded, k, ideal_relevance=best)))
    return report


def _binary_relevance(retrieved, query_labels, catalogue_labels, k, exclude):
    """Validated ids and labels, each returned item's same-label relevance, and each query's
    number of relevant items in the catalogue (less its excluded id)."""
    ids = as_array(retrieved, "retrieved", ndim=2, dtype="ids")
    ql = as_array(query_labels, "query_labels", ndim=1, dtype="int")
    cl = as_array(catalogue_labels, "catalogue_labels", ndim=1, dtype="int")
    k = check_int(k, "k", low=1, high=ids.shape[1])
    if len(ql) != len(ids):
        raise ValueError(f"query_labels must have one label per query ({len(ids)}), got {len(ql)}")
    if ids.min() < 0 or ids.max() >= len(cl):
        raise ValueError("retrieved ids must index catalogue_labels (no -1 placeholders)")
    ids = ids[:, :k]
    binary = (cl[ids] == ql[:, None]).astype(int)
    n_rel = (cl[None, :] == ql[:, None]).sum(1)
    if exclude is not None:
        ex = as_array(exclude, "exclude", ndim=1, dtype="int")
        if len(ex) != len(ql):
            raise ValueError(f"exclude must have one id per query ({len(ql)}), got {len(ex)}")
        n_rel = n_rel - np.array([e >= 0 and cl[e] == q for e, q in zip(ex, ql, strict=True)])
    return ids, ql, cl, k, binary, n_rel


def per_query_retrieval(
    retrieved: ArrayLike,
    query_labels: ArrayLike,
    catalogue_labels: ArrayLike,
    k: int = 10,
    exclude: ArrayLike | None = None,
) -> dict[str, np.ndarray]:
    """Each query's binary ranking metrics (same label = relevant): what a per-query comparison needs.

    Returns a dict of 1-D arrays, one value per query: ``"precision@k"``, ``"recall@k"``,
    ``"ap@k"`` and ``"first_hit"`` (the rank, from 1, of the first relevant result; 0 when the
    list holds none). Their means are the figures :func:`evaluate_retrieval` reports.
    Introduced in chapter 2, "Four encoders on clean and transformed queries".

    Examples
    --------
    >>> r = per_query_retrieval([[0, 1], [2, 0]], [0, 1], [0, 0, 1], k=2)
    >>> r["precision@2"].tolist(), r["first_hit"].tolist()
    ([1.0, 0.5], [1, 1])
    """
    from mlsd_lib.metrics.ranking import average_precision_at_k, recall_at_k

    ids, ql, cl, k, binary, n_rel = _binary_relevance(retrieved, query_labels, catalogue_labels, k, exclude)
    found = binary.any(axis=1)
    return {
        f"precision@{k}": binary.mean(axis=1).astype(float),
        f"recall@{k}": np.asarray(recall_at_k(binary, k, n_rel), dtype=float),
        f"ap@{k}": np.asarray(average_precision_at_k(binary, k, n_rel), dtype=float),
        "first_hit": np.where(found, binary.argmax(axis=1) + 1, 0),
    }


def simulate_clicks(
    relevance: ArrayLike,
    seed: int | np.random.Generator = 0,
    click_if_relevant: float = 0.5,
    click_if_not: float = 0.05,
    position_decay: float = 0.85,
) -> np.ndarray:
    """Position-biased clicks on displayed results (a cascade-free examination model).

    A user examines rank r with probability ``position_decay ** (r - 1)`` and clicks an
    examined result with probability ``click_if_relevant`` if it is relevant, else
    ``click_if_not`` (the noise the source warns about). Returns a 0/1 array like ``relevance``.

    Examples
    --------
    >>> simulate_clicks([[1, 0, 0]], seed=0).shape
    (1, 3)
    """
    rel = as_array(relevance, "relevance", ndim=2)
    p1 = check_float(click_if_relevant, "click_if_relevant", low=0, high=1)
    p0 = check_float(click_if_not, "click_if_not", low=0, high=1)
    decay = check_float(position_decay, "position_decay", low=0, high=1)
    rng = check_random_state(seed)
    examine = decay ** np.arange(rel.shape[1])[None, :]
    p = examine * np.where(rel > 0, p1, p0)
    return (rng.random(rel.shape) < p).astype(np.int64)
