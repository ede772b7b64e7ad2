"""The three-stage serving pipeline (source ch. 6, Fig. 6.23) and its latency.

candidate generation (several cheap generators, merged) → scoring (the heavier model over a
few hundred candidates) → re-ranking (filters, de-duplication, diversity).

Introduced in chapter 6, "Serving".
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_float, check_ids, check_int, check_sequence
from mlsd_lib.recsys.candidates import Request, merge_candidates
from mlsd_lib.recsys.rerank import dedupe, filter_blocked, freshness_boost, mmr
from mlsd_lib.serving import latency_percentiles, latency_samples


class TwoTowerScorer:
    """Score candidates with the two-tower model, running the video tower on their features at
    request time (the "heavier" content-aware scorer of source Fig. 6.26).

    ``source_items`` maps catalogue positions to the rows of the model's item features, which
    lets a synthetic catalogue reuse real items' features; chunks bound memory when scoring
    the whole catalogue.
    """

    def __init__(self, model, source_items: ArrayLike | None = None, chunk: int = 65536) -> None:
        self.model = model
        n = getattr(model, "n_items", None)
        self.source_items = None if source_items is None else (
            check_ids(source_items, "source_items", n, of="items of the model") if n is not None
            else as_array(source_items, "source_items", ndim=1, dtype="ids"))
        self.chunk = check_int(chunk, "chunk", low=1)

    def __call__(self, request: Request, candidates: np.ndarray) -> np.ndarray:
        u = self.model.user_embeddings([request.history], [request.time])[0]
        n_rows = self.model.n_items if self.source_items is None else len(self.source_items)
        cand = check_ids(candidates, "candidates", n_rows, allow_empty=True,
                         of="catalogue positions" if self.source_items is not None else "items of the model")
        rows = cand if self.source_items is None else self.source_items[cand]
        out = np.empty(len(rows), dtype=np.float32)
        for s in range(0, len(rows), self.chunk):
            out[s:s + self.chunk] = self.model.item_embeddings(rows[s:s + self.chunk]) @ u
        return out


class EmbeddingScorer:
    """Score candidates by the dot product of ``request.user_vector`` with their embeddings.

    Examples
    --------
    >>> from mlsd_lib.recsys.candidates import Request
    >>> EmbeddingScorer(np.eye(3))(Request(np.array([0.0, 2.0, 1.0])), np.array([2, 1])).tolist()
    [1.0, 2.0]
    """

    def __init__(self, item_vectors: ArrayLike) -> None:
        self.item_vectors = as_array(item_vectors, "item_vectors", ndim=2)

    def __call__(self, request: Request, candidates: np.ndarray) -> np.ndarray:
        cand = check_ids(candidates, "candidates", len(self.item_vectors), allow_empty=True,
                         of="rows of item_vectors")
        u = as_array(request.user_vector, "request.user_vector", ndim=1)
        if len(u) != self.item_vectors.shape[1]:
            raise ValueError(f"request.user_vector must have {self.item_vectors.shape[1]} entries, got {len(u)}")
        return self.item_vectors[cand] @ u


class BlendScorer:
    """A weighted sum of several scorers, each standardised over the request's candidates.

    Standardising per request puts models with different score scales (a cosine, an MF dot
    product) on one footing, so a weight means the same for every user.

    Examples
    --------
    >>> from mlsd_lib.recsys.candidates import Request
    >>> a = lambda req, c: np.array([1.0, 2.0, 3.0])
    >>> b = lambda req, c: np.array([30.0, 20.0, 10.0])
    >>> BlendScorer([(a, 0.5), (b, 0.5)])(Request(np.zeros(1)), np.arange(3)).tolist()
    [0.0, 0.0, 0.0]
    """

    def __init__(self, scorers: Sequence[tuple[Callable, float]]) -> None:
        if not scorers:
            raise ValueError("scorers must be a non-empty list of (scorer, weight) pairs")
        self.scorers = [(f, check_float(w, f"weight of scorer {i}", low=0)) for i, (f, w) in enumerate(scorers)]

    def __call__(self, request: Request, candidates: np.ndarray) -> np.ndarray:
        total = np.zeros(len(candidates))
        for f, w in self.scorers:
            s = np.asarray(f(request, candidates), dtype=float)
            sd = s.std()
            total += w * ((s - s.mean()) / sd if sd > 0 else np.zeros_like(s))
        return total


@dataclass
class Recommendation:
    """A pipeline answer: items, their scores and sources, and the time each stage took."""

    items: np.ndarray
    scores: np.ndarray
    sources: np.ndarray
    n_candidates: int
    stage_ms: dict[str, float]
    candidates: np.ndarray | None = None  # the merged candidate set, before scoring

    def to_frame(self, titles: Sequence[str] | None = None) -> pd.DataFrame:
        df = pd.DataFrame({"item": self.items, "score": np.round(self.scores, 3), "generator": self.sources})
        if titles is not None:
            df.insert(1, "title", [titles[i] for i in self.items])
        return df


class RecommendationPipeline:
    """Candidate generation → scoring → re-ranking, with per-stage timing.

    Parameters
    ----------
    generators : ``{name: (generator, k)}``; each generator has ``generate(request, k)``.
    scorer : ``scorer(request, candidates) -> scores``.
    item_vectors : item vectors for de-duplication and MMR diversity.
    k : length of the final list.
    lam : MMR relevance weight (1 = no diversity re-ranking).
    blocked : ``{region: boolean mask of items not licensed there}``.
    dedupe_threshold : cosine above which two items count as near-duplicates.
    source_items : optional map from catalogue position to a row of ``item_vectors`` (lets a
        synthetic catalogue reuse real items' vectors without copying them).
    item_years, freshness_weight, freshness_half_life : when ``item_years`` is given and the
        weight is positive, each score gets :func:`~mlsd_lib.recsys.rerank.freshness_boost`
        for the item's age in years at the request time, before re-ranking.
    """

    def __init__(self, generators: dict, scorer: Callable, item_vectors: ArrayLike, *, k: int = 10,
                 lam: float = 1.0, blocked: dict[str, ArrayLike] | None = None,
                 dedupe_threshold: float = 0.98, source_items: ArrayLike | None = None,
                 item_years: ArrayLike | None = None, freshness_weight: float = 0.0,
                 freshness_half_life: float = 5.0) -> None:
        if not isinstance(generators, dict) or not generators:
            raise ValueError("generators must be a non-empty dict of name -> (generator, k)")
        self.generators = generators
        self.scorer = scorer
        self.item_vectors = as_array(item_vectors, "item_vectors", ndim=2)
        self.k = check_int(k, "k", low=1)
        self.lam = check_float(lam, "lam", low=0, high=1)
        self.blocked = blocked or {}
        self.dedupe_threshold = check_float(dedupe_threshold, "dedupe_threshold", low=-1, high=1)
        self.source_items = None if source_items is None else check_ids(
            source_items, "source_items", len(self.item_vectors), of="rows of item_vectors")
        self.item_years = None if item_years is None else as_array(item_years, "item_years", ndim=1)
        if self.item_years is not None and len(self.item_years) != len(self.item_vectors):
            raise ValueError(f"item_years needs one year per row of item_vectors ({len(self.item_vectors)}), "
                             f"got {len(self.item_years)}")
        self.freshness_weight = check_float(freshness_weight, "freshness_weight", low=0)
        self.freshness_half_life = check_float(freshness_half_life, "freshness_half_life", low=0, low_open=True)

    def _vectors(self, items: np.ndarray) -> np.ndarray:
        # Only the candidates' vectors: touching the whole catalogue per request would cost
        # O(n_items) and defeat the point of candidate generation.
        return self.item_vectors[items if self.source_items is None else self.source_items[items]]

    def recommend(self, request: Request, lam: float | None = None) -> Recommendation:
        lam = self.lam if lam is None else check_float(lam, "lam", low=0, high=1)
        t0 = time.perf_counter()
        lists = {name: gen.generate(request, k) for name, (gen, k) in self.generators.items()}
        cand, src = merge_candidates(lists, exclude=request.history if request.seen is None else request.seen)
        merged = cand
        t1 = time.perf_counter()
        scores = np.asarray(self.scorer(request, cand), dtype=float)
        if self.item_years is not None and self.freshness_weight > 0 and len(cand):
            rows = cand if self.source_items is None else self.source_items[cand]
            age = 1970 + request.time / 31_557_600 - self.item_years[rows]  # Julian years
            scores = freshness_boost(scores, age, self.freshness_weight, self.freshness_half_life)
        t2 = time.perf_counter()
        keep = np.ones(len(cand), bool)
        if request.region in self.blocked:
            keep &= filter_blocked(cand, self.blocked[request.region])
        order = np.argsort(-scores, kind="stable")
        cand, src, scores, keep = cand[order], src[order], scores[order], keep[order]
        cand, src, scores = cand[keep], src[keep], scores[keep]
        # De-duplicate only the head: near-duplicates matter where the user can see them.
        head = min(len(cand), 5 * self.k)
        keep = np.ones(len(cand), bool)
        if head:
            keep[:head] = dedupe(np.arange(head), self._vectors(cand[:head]), self.dedupe_threshold)
        cand, src, scores = cand[keep], src[keep], scores[keep]
        pool = min(len(cand), 5 * self.k)
        if lam < 1 and pool:
            picked = cand[mmr(np.arange(pool), scores[:pool], self._vectors(cand[:pool]), self.k, lam)]
        else:
            picked = cand[: self.k]
        pos = {int(c): j for j, c in enumerate(cand)}
        idx = np.array([pos[int(c)] for c in picked], dtype=np.int64)
        t3 = time.perf_counter()
        stage = {"candidates": 1e3 * (t1 - t0), "scoring": 1e3 * (t2 - t1), "re-ranking": 1e3 * (t3 - t2)}
        return Recommendation(cand[idx], scores[idx], src[idx], len(order), stage, merged)


class ExactScan:
    """Serve a request by an exact inner-product scan over **precomputed** video embeddings.

    This is how a production system "scores every video" with a two-tower model: the video
    tower runs offline once per video, and a request costs one user-tower pass plus a
    brute-force top-``k`` search (the chapter-2 ``flat`` index of :mod:`mlsd_lib.ann`).

    Introduced in chapter 6, "Latency".

    Examples
    --------
    >>> from mlsd_lib.recsys.candidates import Request
    >>> class _TT:
    ...     def user_embeddings(self, histories, times):
    ...         return np.array([[0.0, 1.0]])
    >>> scan = ExactScan(_TT(), np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.5]]))
    >>> scan(Request(np.zeros(2), history=np.array([1])), k=1).tolist()
    [2]
    """

    def __init__(self, model, item_embeddings: ArrayLike) -> None:
        from mlsd_lib.recsys import candidates as cg

        self.model = model
        self.generator = cg.EmbeddingGenerator(as_array(item_embeddings, "item_embeddings", ndim=2), kind="flat")

    def __call__(self, request: Request, k: int = 10) -> np.ndarray:
        u = self.model.user_embeddings([request.history], [request.time])[0]
        return self.generator.generate(Request(u, request.history, request.time, request.region, request.seen), k)


def recommend_many(pipeline: RecommendationPipeline, requests: Sequence[Request], lam: float | None = None,
                   progress: bool = False, return_candidates: bool = False):
    """The pipeline's final list for each request, as an ``(n, k)`` array padded with ``-1``;
    with ``return_candidates``, also the list of each request's merged candidate set."""
    it = requests
    if progress:
        from mlsd_lib.runtime import progress as progress_bar

        it = progress_bar(requests, desc="pipeline", leave=False)
    out = np.full((len(requests), pipeline.k), -1, dtype=np.int64)
    cands = []
    for r, req in enumerate(it):
        rec = pipeline.recommend(req, lam)
        out[r, : len(rec.items)] = rec.items
        cands.append(rec.candidates)
    return (out, cands) if return_candidates else out


def standardise_rows(S: ArrayLike) -> np.ndarray:
    """Each row of ``S`` minus its mean, divided by its standard deviation (per-user z-scores).

    Introduced in chapter 6, "Content, collaborative, hybrid".

    Examples
    --------
    >>> standardise_rows([[1.0, 3.0]]).tolist()
    [[-1.0, 1.0]]
    """
    checked = as_array(S, "S", ndim=2)
    raw = np.asarray(S)
    S = raw if np.issubdtype(raw.dtype, np.floating) else checked  # keep float32 as float32
    sd = S.std(1, keepdims=True)
    if (sd == 0).any():
        raise ValueError("S has a constant row; its z-scores are undefined, drop or perturb that row")
    return (S - S.mean(1, keepdims=True)) / sd


def blend_top_k(scores_a: ArrayLike, scores_b: ArrayLike, weight_b: float, k: int, exclude=None) -> np.ndarray:
    """Top-``k`` of ``(1 - weight_b) * z(scores_a) + weight_b * z(scores_b)``, ``z`` being
    :func:`standardise_rows`; ``exclude``'s entries skipped.

    Introduced in chapter 6, "Content, collaborative, hybrid".

    Examples
    --------
    >>> blend_top_k([[0.0, 1.0, 2.0]], [[2.0, 1.0, 0.0]], 0.25, k=1).tolist()
    [[2]]
    """
    from mlsd_lib.recsys.base import top_k

    as_array(scores_a, "scores_a", ndim=2)
    as_array(scores_b, "scores_b", ndim=2)
    a, b = np.asarray(scores_a), np.asarray(scores_b)
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(f"scores_a {a.shape} and scores_b {b.shape} must be 2-D of the same shape")
    weight_b = check_float(weight_b, "weight_b", low=0, high=1)
    return top_k((1 - weight_b) * standardise_rows(a) + weight_b * standardise_rows(b), k, exclude)


def rerank_candidates(candidates: ArrayLike, scores: ArrayLike, k: int) -> np.ndarray:
    """Re-order each row of ``candidates`` by ``scores`` (a full users × items matrix) and keep
    the best ``k``; ties keep the candidates' order.

    Introduced in chapter 6, "Content, collaborative, hybrid".

    Examples
    --------
    >>> rerank_candidates([[0, 1, 2]], [[0.1, 0.2, 0.9]], k=2).tolist()
    [[2, 1]]
    """
    cand = as_array(candidates, "candidates", ndim=2, dtype="ids")
    S = as_array(scores, "scores", ndim=2)
    if len(cand) != len(S):
        raise ValueError(f"candidates has {len(cand)} rows but scores has {len(S)}; pass one row per user")
    if cand.min() < 0 or cand.max() >= S.shape[1]:
        raise ValueError(f"candidates must be item positions in [0, {S.shape[1]})")
    k = check_int(k, "k", low=1, high=cand.shape[1])
    order = np.argsort(-np.take_along_axis(S, cand, 1), 1, kind="stable")[:, :k]
    return np.take_along_axis(cand, order, 1)


def latency_table(tt_model, requests: Sequence[Request], item_vecs: ArrayLike, source_items: ArrayLike,
                  counts: ArrayLike, item_vectors: ArrayLike, *, exact_scan: bool = False,
                  rerun_requests: int = 3, return_samples: bool = False):
    """p50/p99 latency of the pipeline with flat and IVF candidates, and of scoring every item.

    ``item_vecs`` are the ANN's item embeddings (one per served item), ``source_items`` maps
    each served item to the real item whose features it borrows, ``counts`` are the real
    items' popularity counts. Scoring every item is timed two ways: with ``exact_scan``, by
    an :class:`ExactScan` over the two-tower video embeddings precomputed for every served
    item (the fair way); and, on the first ``rerun_requests`` requests (0 skips it), by
    re-running the video tower on every item per request (row ``"score every video"``).
    ``return_samples`` also returns ``{row: per-request latencies in ms}``.

    Introduced in chapter 6, "Latency".

    Examples
    --------
    >>> # latency_table(tt, requests[:30], V, np.arange(len(V)), counts, item_vectors)
    """
    from mlsd_lib.recsys import candidates as cg

    requests = check_sequence(requests, "requests")
    if len(requests) == 0:
        raise ValueError("requests is empty; pass at least one request")
    if not all(isinstance(r, Request) for r in requests):
        raise TypeError("requests must hold Request objects")
    src = as_array(source_items, "source_items", ndim=1, dtype="ids")
    vecs = np.asarray(item_vecs)
    if len(vecs) != len(src):
        raise ValueError(f"item_vecs has {len(vecs)} rows but source_items {len(src)}; pass one per item")
    rerun_requests = check_int(rerun_requests, "rerun_requests", low=0)
    counts = as_array(counts, "counts", ndim=1)
    check_ids(src, "source_items", len(counts), of="real items counted in counts")
    sc = TwoTowerScorer(tt_model, source_items=src)
    samples = {}
    for kind in ("flat", "ivf"):
        g = cg.EmbeddingGenerator(vecs, kind=kind, **({"nlist": 256, "nprobe": 8} if kind == "ivf" else {}))
        p = RecommendationPipeline({"ann": (g, 200), "popular": (cg.PopularGenerator(counts[src]), 50)}, sc,
                                   item_vectors, source_items=src)
        samples[f"{kind} candidates + scoring"] = latency_samples(p.recommend, requests)
    if exact_scan:
        real = np.unique(src)
        emb_real = np.asarray(tt_model.item_embeddings(real), np.float32)
        emb = np.zeros((int(src.max()) + 1, emb_real.shape[1]), np.float32)
        emb[real] = emb_real
        scan = ExactScan(tt_model, emb[src])  # the offline pass: one video-tower output per item
        samples["exact scan, precomputed embeddings"] = latency_samples(scan, requests)
    if rerun_requests:
        every = np.arange(len(src))
        samples["score every video"] = latency_samples(lambda r: np.argpartition(-sc(r, every), 10)[:10],
                                                       requests[:rerun_requests], warmup=1)
    table = pd.DataFrame({k: {**latency_percentiles(t), "n": len(t)} for k, t in samples.items()}).T.assign(items=len(src))
    return (table, samples) if return_samples else table
