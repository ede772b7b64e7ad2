"""Serving video search: text search, visual search, the fusing layer and re-ranking
(source ch. 4, "Serving", Figs. 4.19–4.20).

- :func:`normalize_scores` and :func:`fuse_candidates` — the fusing layer: a weighted sum of
  each component's scores, each scaled to [0, 1] over the candidates the two components return;
- :class:`VideoSearchEngine` — the prediction pipeline: BM25 over titles, tags and
  descriptions (:class:`mlsd_lib.text.InvertedIndex`) and nearest neighbours of the encoded
  query among video embeddings (:mod:`mlsd_lib.visual_search.services`), fused, then re-ranked by
  policy filters and near-duplicate removal (on the clips' content fingerprints where the
  store keeps them); its ``add_video`` is both indexing pipelines;
- :func:`target_ranks`, :func:`ranks_from_scores`, :func:`fused_ranks`, :func:`rank_metrics` —
  where each query's one relevant video landed, and recall@k and MRR from that.

Introduced in chapter 4, "Serving".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_float, check_int, check_tokens
from mlsd_lib.serving import latency_percentiles
from mlsd_lib.text.index import InvertedIndex
from mlsd_lib.visual_search.services import (
    IndexingService,
    NearestNeighbourService,
    ReRankingService,
)


def normalize_scores(scores: ArrayLike) -> np.ndarray:
    """Min-max scale 1-D scores to [0, 1]; constant scores become 0.

    Examples
    --------
    >>> normalize_scores([2.0, 4.0, 3.0]).tolist()
    [0.0, 1.0, 0.5]
    >>> normalize_scores([5.0, 5.0]).tolist()
    [0.0, 0.0]
    """
    s = as_array(scores, "scores", ndim=1)
    lo, hi = s.min(), s.max()
    return (s - lo) / (hi - lo) if hi > lo else np.zeros_like(s)


def fuse_candidates(text_ids: ArrayLike, text_scores: ArrayLike, visual_ids: ArrayLike, visual_scores: ArrayLike,
                    weight: float) -> pd.DataFrame:
    """The fusing layer for one query: ``weight * text + (1 - weight) * visual`` over the union.

    Text scores are divided by the best text score among the candidates; visual scores are
    min-max scaled (:func:`normalize_scores`). A video text search did not return scores 0
    for text (BM25 found none of the query's words); one visual search did not return gets
    visual search's lowest candidate score.

    Returns a frame sorted best first (ties: lower id first) with columns ``video``,
    ``fused``, ``text``, ``visual`` (the scaled component scores).

    Examples
    --------
    >>> fuse_candidates([3, 1], [8.0, 2.0], [1, 5], [0.9, 0.5], weight=0.5).video.tolist()
    [1, 3, 5]
    """
    ids, fused, t_n, v_n = _fuse(text_ids, text_scores, visual_ids, visual_scores, weight)
    return pd.DataFrame({"video": ids, "fused": fused, "text": t_n, "visual": v_n})


def _fuse(text_ids, text_scores, visual_ids, visual_scores, weight):
    w = check_float(weight, "weight", low=0.0, high=1.0)
    t_ids = as_array(text_ids, "text_ids", ndim=1, dtype="ids", allow_empty=True)
    v_ids = as_array(visual_ids, "visual_ids", ndim=1, dtype="ids", allow_empty=True)
    t_s = as_array(text_scores, "text_scores", ndim=1, allow_empty=True)
    v_s = as_array(visual_scores, "visual_scores", ndim=1, allow_empty=True)
    if len(t_ids) != len(t_s) or len(v_ids) != len(v_s):
        raise ValueError("each component needs one score per id: text_ids/text_scores and visual_ids/visual_scores "
                         "must have equal lengths")
    if len(np.unique(t_ids)) != len(t_ids) or len(np.unique(v_ids)) != len(v_ids):
        raise ValueError("text_ids and visual_ids must each list a video at most once")
    union = np.union1d(t_ids, v_ids)
    text = np.zeros(len(union))
    text[np.searchsorted(union, t_ids)] = t_s
    visual = np.full(len(union), v_s.min() if len(v_s) else 0.0)
    visual[np.searchsorted(union, v_ids)] = v_s
    t_n = text / text.max() if len(text) and text.max() > 0 else np.zeros(len(union))
    v_n = normalize_scores(visual) if len(visual) else visual
    fused = w * t_n + (1 - w) * v_n
    order = np.lexsort((union, -fused))
    return union[order], fused[order], t_n[order], v_n[order]


def fused_ranks(text_hits: list, visual_hits: list, targets: ArrayLike, weight: float) -> np.ndarray:
    """Rank of each query's relevant video after fusing; ``inf`` if neither component found it.

    ``text_hits`` and ``visual_hits`` hold one ``(ids, scores)`` pair per query.

    Examples
    --------
    >>> fused_ranks([([3], [8.0])], [([1, 3], [0.9, 0.5])], [3], weight=0.7).tolist()
    [1.0]
    """
    t = as_array(targets, "targets", ndim=1, dtype="ids")
    if len(text_hits) != len(t) or len(visual_hits) != len(t):
        raise ValueError(f"text_hits and visual_hits must hold one (ids, scores) pair per target ({len(t)})")
    lists = [_fuse(ti, ts, vi, vs, weight)[0] for (ti, ts), (vi, vs) in zip(text_hits, visual_hits, strict=True)]
    return target_ranks(lists, t)


def ranks_from_scores(scores: ArrayLike, targets: ArrayLike, *, require_positive: bool = False) -> np.ndarray:
    """1-based rank of each query's target in a (queries, videos) score matrix.

    Ties count against the target (it ranks below every video with an equal score), so a
    scorer that gives everything the same score earns no credit. ``require_positive`` treats
    a target scored 0 or less as not retrieved (``inf``), as a keyword search would.

    Examples
    --------
    >>> ranks_from_scores([[0.1, 0.9, 0.5], [0.0, 0.0, 0.0]], [2, 0], require_positive=True).tolist()
    [2.0, inf]
    """
    s = as_array(scores, "scores", ndim=2)
    t = as_array(targets, "targets", ndim=1, dtype="ids")
    if len(t) != len(s) or t.min() < 0 or t.max() >= s.shape[1]:
        raise ValueError(f"targets must give one column of scores ({s.shape[1]}) per query ({len(s)})")
    own = s[np.arange(len(t)), t][:, None]
    ranks = (s >= own).sum(1).astype(float)
    if require_positive:
        ranks[own[:, 0] <= 0] = np.inf
    return ranks


def rank_metrics(ranks: ArrayLike, ks: tuple[int, ...] = (1, 10)) -> dict[str, float]:
    """Recall@k and MRR for one relevant video per query, from its ranks (``inf``: not found).

    Recall@k is computed with :mod:`mlsd_lib.metrics` on the 0/1 relevance of each list's
    top ``max(ks)``; MRR is the mean of ``1 / rank`` (what :func:`mlsd_lib.metrics.mean_reciprocal_rank`
    gives for one relevant video), so a rank of ``1e12`` costs no memory.

    Examples
    --------
    >>> rank_metrics([1, 2, np.inf, 20])
    {'recall@1': 0.25, 'recall@10': 0.5, 'mrr': 0.3875}
    """
    from mlsd_lib.metrics import recall_at_k

    r = as_array(ranks, "ranks", ndim=1, allow_inf=True)
    if (r < 1).any():
        raise ValueError("ranks must be >= 1 (inf for a video not retrieved)")
    found = np.isfinite(r)
    if (r[found] != np.round(r[found])).any():
        raise ValueError("ranks must be whole numbers (1 = first), or inf for a video not retrieved")
    if isinstance(ks, str | bytes) or not hasattr(ks, "__iter__"):
        raise TypeError(f"ks must be a tuple of cut-offs, got {type(ks).__name__}")
    ks = tuple(check_int(k, "ks", low=1) for k in ks)
    if not ks:
        raise ValueError("ks is empty; pass at least one cut-off, e.g. (1, 10)")
    width = max(ks)
    rel = np.zeros((len(r), width), int)
    top = found & (r <= width)
    rel[np.flatnonzero(top), r[top].astype(int) - 1] = 1
    out = {f"recall@{k}": float(np.mean(recall_at_k(rel, k, np.ones(len(r))))) for k in ks}
    out["mrr"] = float(np.mean(np.where(found, 1.0 / r, 0.0)))
    return out


def target_ranks(ranked_ids: list, targets: ArrayLike) -> np.ndarray:
    """1-based rank of each query's relevant video in its ranked list; ``inf`` if absent.

    Examples
    --------
    >>> target_ranks([[4, 2, 9], [1]], [2, 7]).tolist()
    [2.0, inf]
    """
    t = as_array(targets, "targets", ndim=1, dtype="ids")
    if isinstance(ranked_ids, str | bytes) or not hasattr(ranked_ids, "__len__") or len(ranked_ids) != len(t):
        raise ValueError(f"ranked_ids must hold one ranked list per target ({len(t)})")
    out = np.full(len(t), np.inf)
    for i, (ids, target) in enumerate(zip(ranked_ids, t, strict=True)):
        hit = np.flatnonzero(np.asarray(ids) == target)
        if len(hit):
            out[i] = hit[0] + 1
    return out


@dataclass(frozen=True)
class SearchResponse:
    """What the engine answers: the hits (a frame, best first) and a message for the user."""

    query: str
    hits: pd.DataFrame
    message: str = ""


@dataclass
class VideoSearchEngine:
    """Text search + visual search -> fusing layer -> re-ranking (source Fig. 4.19).

    Parameters
    ----------
    text_index : the inverted index over each video's title, tags and description.
    tokenize : str -> tokens, the same analyser the index was built with.
    encode_query : str -> (d,) or (1, d) unit query embedding (the text tower).
    store : the indexing service holding the video embeddings and the ANN index.
    weight : the fusing layer's weight on text search.
    candidates : how many videos each component passes to the fusing layer.
    max_query_chars : longer queries are cut to this length (and the user told).
    duplicate_threshold : a result whose duplicate key (the store's fingerprint, or its
        embedding if the store keeps none) has cosine above this with a higher-ranked
        result's is a near-duplicate and is not shown. 0.98 on clip fingerprints keeps a
        re-upload with light re-encoding noise (about 2 grey levels) above it.

    Examples
    --------
    >>> from mlsd_lib import ann
    >>> from mlsd_lib.text import InvertedIndex, word_tokenize
    >>> vecs = np.eye(3, dtype="float32")
    >>> idx = InvertedIndex(); _ = idx.add([["red", "bag"], ["blue", "coat"], ["red", "coat"]])
    >>> store = IndexingService(ann.build("flat", vecs, "ip"), vecs)
    >>> eng = VideoSearchEngine(idx, word_tokenize, lambda q: vecs[2], store, weight=0.5, candidates=3)
    >>> eng.search("red coat", k=2).hits.video.tolist()
    [2, 0]
    >>> eng.search("?!").message
    'type a few words to search'
    """

    text_index: InvertedIndex
    tokenize: Callable[[str], list[str]]
    encode_query: Callable[[str], np.ndarray]
    store: IndexingService
    weight: float = 0.5
    candidates: int = 100
    max_query_chars: int = 200
    duplicate_threshold: float = 0.98
    latencies_ms: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not isinstance(self.text_index, InvertedIndex):
            raise TypeError(f"text_index must be an InvertedIndex, got {type(self.text_index).__name__}")
        for name in ("tokenize", "encode_query"):
            if not callable(getattr(self, name)):
                raise TypeError(f"{name} must be callable")
        if not isinstance(self.store, IndexingService):
            raise TypeError(f"store must be an IndexingService, got {type(self.store).__name__}")
        self.weight = check_float(self.weight, "weight", low=0.0, high=1.0)
        self.candidates = check_int(self.candidates, "candidates", low=1)
        self.max_query_chars = check_int(self.max_query_chars, "max_query_chars", low=1)
        self.neighbours = NearestNeighbourService(self.store)
        self.reranker = ReRankingService(self.store, duplicate_threshold=self.duplicate_threshold)

    def _empty(self, query: str, message: str) -> SearchResponse:
        return SearchResponse(query, pd.DataFrame(columns=["rank", "video", "fused", "text", "visual"]), message)

    def search(self, query: str, k: int = 10, weight: float | None = None) -> SearchResponse:
        """Ranked videos for a text query. Bad input gets a message and no hits, never an error."""
        if not isinstance(query, str):
            raise TypeError(f"query must be a str, got {type(query).__name__}")
        k = check_int(k, "k", low=1)
        w = self.weight if weight is None else check_float(weight, "weight", low=0.0, high=1.0)
        t0 = time.perf_counter()
        message = ""
        if len(query) > self.max_query_chars:
            query, message = query[: self.max_query_chars], f"query shortened to {self.max_query_chars} characters"
        tokens = self.tokenize(query)
        if not tokens:
            return self._empty(query, "type a few words to search")
        if not any(c.isascii() for t in tokens for c in t):
            return self._empty(query, "only English queries are supported")
        t_ids, t_scores = self.text_index.search(tokens, self.candidates)
        q = np.asarray(self.encode_query(query), dtype=np.float32).reshape(1, -1)
        v_ids, v_scores = self.neighbours.search(q, min(self.candidates, self.store.index.ntotal))
        keep = v_ids[0] >= 0
        fused = fuse_candidates(t_ids, t_scores, v_ids[0][keep], v_scores[0][keep], w)
        kept = self.reranker.rerank(fused.video.to_numpy(), fused.fused.to_numpy(), k)
        hits = fused.set_index("video").loc[[r.item_id for r in kept]].reset_index()
        hits.insert(0, "rank", np.arange(1, len(hits) + 1))
        self.latencies_ms.append(1e3 * (time.perf_counter() - t0))
        return SearchResponse(query, hits, message)

    def add_video(self, embedding: ArrayLike, tokens: list[str], fingerprint: ArrayLike | None = None) -> int:
        """Both indexing pipelines at once: the video's embedding and its text; returns its id.

        ``fingerprint`` is the clip's content fingerprint
        (:func:`~mlsd_lib.video_search.fingerprint.clip_fingerprints`), required when the
        store keeps fingerprints for the near-duplicate rule.
        """
        # Validate everything before either index changes: a rejected call leaves both as they were.
        emb = np.atleast_2d(as_array(embedding, "embedding", ndim=(1, 2))).astype(np.float32)
        if len(emb) != 1:
            raise ValueError(f"embedding must be one video's vector, got {len(emb)} rows")
        dim = getattr(self.store.index, "dim", self.store.vectors.shape[1])
        if emb.shape[1] != dim:
            raise ValueError(f"embedding must have {dim} numbers (the index dimension), got {emb.shape[1]}")
        if not np.isfinite(emb).all():
            raise ValueError("embedding holds values too large for float32")
        tokens = check_tokens(tokens, "tokens")
        if self.store.index.ntotal != self.text_index.n_docs:
            raise RuntimeError(f"the two indexes disagree on the number of videos ({self.store.index.ntotal} vs "
                               f"{self.text_index.n_docs}); rebuild the engine")
        fp = None if fingerprint is None else np.atleast_2d(as_array(fingerprint, "fingerprint", ndim=(1, 2)))
        if fp is not None and len(fp) != 1:
            raise ValueError(f"fingerprint must be one clip's fingerprint, got {len(fp)} rows")
        vid = int(self.store.add(emb, fingerprints=fp)[0])   # checks the fingerprint before it adds
        tid = int(self.text_index.add([tokens])[0])
        if vid != tid:
            raise RuntimeError(f"the two indexes disagree on the new video's id ({vid} vs {tid})")
        return vid

    def latency_percentiles(self) -> dict[str, float]:
        """p50/p90/p99 of the recorded search latencies (ms)."""
        if not self.latencies_ms:
            raise ValueError("no searches recorded yet; call search() first")
        return latency_percentiles(self.latencies_ms)
