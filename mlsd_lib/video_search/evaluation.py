"""Offline metrics when a query has several relevant videos (source ch. 4, "Offline metrics").

A generated query names some of a video's planted facts ("red bag moving left"); every video
of the catalogue that matches all of them is relevant (:meth:`VideoCorpus.relevant`). These
helpers turn scores or ranked lists plus those sets into the binary relevance of each
ranked list and score it with :mod:`mlsd_lib.metrics`:

- :func:`ranked_relevance` — 0/1 relevance of a score matrix's ranking, ties against the relevant;
- :func:`first_relevant_ranks` — rank of each query's best-placed relevant video (``inf``: none);
- :func:`fused_lists` — the fusing layer's ranked lists for many queries at one weight;
- :func:`set_metrics` — precision@k, recall@k, reciprocal rank and average precision per query;
- :func:`popularity_buckets` — head, torso and tail queries by their share of searches.

Introduced in chapter 4, "Evaluation".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_int
from mlsd_lib.metrics import average_precision_at_k, precision_at_k, recall_at_k, reciprocal_rank


def _check_relevant(relevant, n_queries: int, n_videos: int | None = None) -> list[np.ndarray]:
    if isinstance(relevant, str | bytes | np.ndarray) or not hasattr(relevant, "__len__"):
        raise TypeError("relevant must be a list with one array of relevant video ids per query")
    if len(relevant) != n_queries:
        raise ValueError(f"relevant must hold one set per query ({n_queries}), got {len(relevant)}")
    out = []
    for r in relevant:
        ids = np.unique(as_array(r, "relevant", ndim=1, dtype="int", allow_empty=True))
        if (ids < 0).any() or (n_videos is not None and (ids >= n_videos).any()):
            raise ValueError(f"relevant ids must be videos in [0, {n_videos if n_videos is not None else 'n'})")
        out.append(ids)
    return out


def ranked_relevance(scores: ArrayLike, relevant, *, require_positive: bool = False) -> np.ndarray:
    """0/1 relevance, in ranked order, of every video for every query of a score matrix.

    Videos are sorted by score, best first; among equal scores the relevant ones come last,
    so a scorer that gives everything one score earns no credit. ``require_positive`` drops
    videos scored 0 or less from the list (a keyword search does not return them): their
    slots count as not relevant.

    Examples
    --------
    >>> ranked_relevance([[0.1, 0.9, 0.5], [0.0, 0.0, 1.0]], [[0, 2], [0]], require_positive=True).tolist()
    [[0, 1, 1], [0, 0, 0]]
    """
    s = as_array(scores, "scores", ndim=2)
    sets = _check_relevant(relevant, len(s), s.shape[1])
    if not isinstance(require_positive, bool):
        raise TypeError(f"require_positive must be True or False, got {require_positive!r}")
    is_rel = np.zeros(s.shape, bool)
    for i, r in enumerate(sets):
        is_rel[i, r] = True
    order = np.lexsort((is_rel, -s), axis=1)
    rel = np.take_along_axis(is_rel, order, axis=1)
    if require_positive:
        rel &= np.take_along_axis(s, order, axis=1) > 0
    return rel.astype(int)


def first_relevant_ranks(scores: ArrayLike, relevant, *, require_positive: bool = False) -> np.ndarray:
    """1-based rank of each query's best-placed relevant video; ``inf`` if none is returned.

    With one relevant video per query this is :func:`mlsd_lib.video_search.ranks_from_scores`.

    Examples
    --------
    >>> first_relevant_ranks([[0.1, 0.9, 0.5], [0.0, 0.0, 1.0]], [[0, 2], [0]], require_positive=True).tolist()
    [2.0, inf]
    """
    return _first(ranked_relevance(scores, relevant, require_positive=require_positive))


def _first(rel: np.ndarray) -> np.ndarray:
    hit = rel > 0
    return np.where(hit.any(1), hit.argmax(1) + 1.0, np.inf)


def fused_lists(text_hits: list, visual_hits: list, weight: float) -> list[np.ndarray]:
    """The fusing layer's ranked video ids for each query (:func:`mlsd_lib.video_search.fuse_candidates`).

    ``text_hits`` and ``visual_hits`` hold one ``(ids, scores)`` pair per query.

    Examples
    --------
    >>> fused_lists([([3], [8.0])], [([1, 3], [0.9, 0.5])], weight=0.7)[0].tolist()
    [3, 1]
    """
    from mlsd_lib.video_search.engine import _fuse

    if len(text_hits) != len(visual_hits):
        raise ValueError(f"text_hits ({len(text_hits)}) and visual_hits ({len(visual_hits)}) must hold one "
                         "(ids, scores) pair per query each")
    return [_fuse(ti, ts, vi, vs, weight)[0] for (ti, ts), (vi, vs) in zip(text_hits, visual_hits, strict=True)]


def lists_relevance(ranked_ids: list, relevant, length: int | None = None) -> np.ndarray:
    """0/1 relevance of ranked id lists, padded with zeros to ``length`` (default: the longest).

    Examples
    --------
    >>> lists_relevance([[4, 2], [1]], [[2, 7], [5]]).tolist()
    [[0, 1], [0, 0]]
    """
    if isinstance(ranked_ids, str | bytes) or not hasattr(ranked_ids, "__len__"):
        raise TypeError("ranked_ids must be a list with one ranked array of video ids per query")
    sets = _check_relevant(relevant, len(ranked_ids))
    lists = [as_array(ids, "ranked_ids", ndim=1, dtype="int", allow_empty=True) for ids in ranked_ids]
    width = max([len(x) for x in lists] + [1]) if length is None else check_int(length, "length", low=1)
    rel = np.zeros((len(lists), width), int)
    for i, (ids, r) in enumerate(zip(lists, sets, strict=True)):
        ids = ids[:width]
        rel[i, : len(ids)] = np.isin(ids, r)
    return rel


def first_relevant_in_lists(ranked_ids: list, relevant) -> np.ndarray:
    """1-based rank of each query's first relevant video in its ranked list; ``inf`` if absent.

    Examples
    --------
    >>> first_relevant_in_lists([[4, 2, 9], [1]], [[9, 2], [7]]).tolist()
    [2.0, inf]
    """
    return _first(lists_relevance(ranked_ids, relevant))


def set_metrics(relevance: ArrayLike, relevant, k: int = 10) -> pd.DataFrame:
    """Precision@k, recall@k, reciprocal rank and average precision of each query.

    Parameters
    ----------
    relevance : (queries, length) 0/1 relevance in ranked order (:func:`ranked_relevance`,
        :func:`lists_relevance`).
    relevant : each query's set of relevant videos: its size divides recall and AP, so a
        relevant video the list never returns still counts against them.
    k : the cut-off of precision and recall. Average precision reads the whole list.

    The means of the columns are precision@k, recall@k, MRR and mAP.

    Examples
    --------
    >>> set_metrics([[1, 0, 1, 0]], [[0, 5, 9]], k=2).round(3).to_dict("records")
    [{'precision@2': 0.5, 'recall@2': 0.333, 'rr': 1.0, 'ap': 0.556}]
    """
    rel = as_array(relevance, "relevance", ndim=2)
    sets = _check_relevant(relevant, len(rel))
    k = check_int(k, "k", low=1)
    n = np.array([len(r) for r in sets], float)
    return pd.DataFrame({f"precision@{k}": precision_at_k(rel, k), f"recall@{k}": recall_at_k(rel, k, n),
                         "rr": reciprocal_rank(rel), "ap": average_precision_at_k(rel, None, n)})


def popularity_buckets(popularity: ArrayLike, shares: tuple[float, float] = (0.5, 0.3)) -> np.ndarray:
    """"head", "torso" or "tail" for each query, by its share of all searches.

    Queries are sorted by popularity, most searched first; the head is the most searched
    queries that together make the first ``shares[0]`` of searches, the torso the next
    ``shares[1]``, the tail the rest (a query straddling a boundary goes to the earlier bucket).

    Examples
    --------
    >>> popularity_buckets([50, 1, 30, 10, 9]).tolist()
    ['head', 'tail', 'torso', 'tail', 'tail']
    """
    p = as_array(popularity, "popularity", ndim=1)
    if (p < 0).any():
        raise ValueError("popularity must be non-negative (searches per query)")
    if isinstance(shares, str | bytes) or len(shares) != 2:
        raise TypeError("shares must be two numbers: the head's and the torso's share of searches")
    head, torso = (float(x) for x in shares)
    if head <= 0 or torso < 0 or head + torso > 1:
        raise ValueError(f"shares must be positive and sum to at most 1, got {shares}")
    order = np.argsort(-p, kind="stable")
    before = np.concatenate([[0.0], np.cumsum(p[order])[:-1]]) / max(p.sum(), 1e-300)
    out = np.empty(len(p), dtype=object)
    out[order] = np.where(before < head, "head", np.where(before < head + torso, "torso", "tail"))
    return out.astype(str)
