"""The prediction and indexing pipelines of source ch. 2, Fig. 2.19, as small services.

- :class:`EmbeddingService` — preprocess an image and run the encoder (Fig. 2.20)
- :class:`NearestNeighbourService` — top-k over an :mod:`mlsd_lib.ann` index (Fig. 2.21)
- :class:`ReRankingService` — business rules: drop private images, policy-blocked images
  and near-duplicates of a higher-ranked result
- :class:`IndexingService` — make newly uploaded images searchable without a rebuild
- :class:`VisualSearchPipeline` — the four wired together, timing each query

Examples
--------
>>> import numpy as np
>>> from mlsd_lib import ann
>>> vecs = np.eye(4, dtype="float32")
>>> store = IndexingService(ann.build("flat", vecs, "ip"), vecs)
>>> pipe = VisualSearchPipeline(EmbeddingService(lambda x: np.asarray(x, "float32")),
...                             NearestNeighbourService(store), ReRankingService(store))
>>> [r.item_id for r in pipe.search(np.eye(4)[2], k=1)]
[2]

Introduced in chapter 2, "Serving".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_finite, check_float, check_ids, check_int
from mlsd_lib.serving import latency_percentiles
from mlsd_lib.vectors import normalize_rows


class EmbeddingService:
    """Turn raw query images into normalised embeddings with ``embed_fn`` (batch in, (n, d) out)."""

    def __init__(self, embed_fn: Callable[[np.ndarray], np.ndarray]) -> None:
        if not callable(embed_fn):
            raise TypeError(f"embed_fn must be callable, got {type(embed_fn).__name__}")
        self.embed_fn = embed_fn

    def embed(self, images: ArrayLike) -> np.ndarray:
        """Embeddings of one image (h, w) or a batch (n, h, w); always returns (n, d).

        NaN or infinite pixels, and an ``embed_fn`` that returns them, raise ``ValueError``.
        """
        x = as_array(images, "images", ndim=(1, 2, 3, 4), dtype="any")
        if not np.issubdtype(x.dtype, np.number) or np.issubdtype(x.dtype, np.complexfloating):
            raise TypeError(f"images must hold real numbers, got dtype {x.dtype}")
        check_finite(x, "images")
        if x.ndim in (1, 2):
            x = x[None]
        try:
            out = np.atleast_2d(np.asarray(self.embed_fn(x), dtype=np.float32))
        except (TypeError, ValueError) as exc:
            raise TypeError(f"embed_fn must return an (n, d) array of numbers: {exc}") from exc
        if out.ndim != 2 or out.shape[0] != len(x) or out.shape[1] == 0:
            raise ValueError(f"embed_fn must return one row per image ({len(x)}, d), got shape {out.shape}")
        check_finite(out, "embed_fn's output")
        return normalize_rows(out, "embed_fn's output", zero_rows="keep")  # cosine: the index holds unit vectors


class IndexingService:
    """Owns the ANN index plus a copy of the vectors and per-image flags (private, blocked).

    Parameters
    ----------
    index : an :class:`mlsd_lib.ann.AnnIndex` already holding ``vectors``.
    vectors : (n, d) vectors the index was built on, in id order.
    fingerprints : optional (n, f) content fingerprints, one row per vector, that the
        re-ranking service compares to find near-duplicates (kept as unit rows; an all-zero
        row is a duplicate of nothing). ``None`` compares the search vectors themselves,
        which is right only where the embedding separates distinct items; a store built with
        fingerprints needs one for every later upload.

    Examples
    --------
    >>> from mlsd_lib import ann
    >>> vecs = np.eye(2, dtype="float32")
    >>> store = IndexingService(ann.build("flat", vecs, "ip"), vecs, fingerprints=[[1, 0, 0], [0, 1, 0]])
    >>> store.add([[0.6, 0.8]], fingerprints=[[0, 0, 3]]).tolist(), store.duplicate_keys([2]).tolist()
    ([2], [[0.0, 0.0, 1.0]])
    """

    def __init__(self, index, vectors: ArrayLike, fingerprints: ArrayLike | None = None) -> None:
        if not all(hasattr(index, a) for a in ("ntotal", "add", "search")):
            raise TypeError(f"index must be an mlsd_lib.ann.AnnIndex (from ann.build), got {type(index).__name__}")
        v = as_array(vectors, "vectors", ndim=2).astype(np.float32)
        if len(v) != index.ntotal:
            raise ValueError(f"vectors ({len(v)}) must match the index size ({index.ntotal})")
        self.index = index
        self.vectors = v
        self.fingerprints = None if fingerprints is None else self._check_fingerprints(fingerprints, len(v), None)
        self.private = np.zeros(len(v), dtype=bool)
        self.blocked = np.zeros(len(v), dtype=bool)

    @staticmethod
    def _check_fingerprints(fingerprints: ArrayLike, n: int, width: int | None) -> np.ndarray:
        f = np.atleast_2d(as_array(fingerprints, "fingerprints", ndim=(1, 2))).astype(np.float32)
        if len(f) != n:
            raise ValueError(f"fingerprints must hold one row per vector ({n}), got {len(f)}")
        if width is not None and f.shape[1] != width:
            raise ValueError(f"fingerprints must have {width} columns (the store's fingerprint size), got {f.shape[1]}")
        check_finite(f, "fingerprints")
        return normalize_rows(f, "fingerprints", zero_rows="keep")

    def add(self, vectors: ArrayLike, private: bool = False, fingerprints: ArrayLike | None = None) -> np.ndarray:
        """Index new uploads at once (no rebuild); returns their ids.

        ``fingerprints`` (one row per vector) is required when the store keeps fingerprints
        and refused when it does not.
        """
        v = np.atleast_2d(as_array(vectors, "vectors", ndim=(1, 2))).astype(np.float32)
        if not isinstance(private, bool | np.bool_):
            raise TypeError(f"private must be True or False, got {type(private).__name__}")
        if v.shape[1] != self.vectors.shape[1]:
            raise ValueError(f"vectors must have {self.vectors.shape[1]} columns (the index dimension), "
                             f"got {v.shape[1]}")
        if (fingerprints is None) != (self.fingerprints is None):
            raise ValueError("this store keeps a content fingerprint per item: pass fingerprints=, one row per vector"
                             if fingerprints is None else
                             "this store compares its vectors for near-duplicates and keeps no fingerprints: "
                             "drop fingerprints=, or build the store with fingerprints")
        f = None if fingerprints is None else self._check_fingerprints(fingerprints, len(v), self.fingerprints.shape[1])
        ids = self.index.add(v)   # validates the rest (a cosine index refuses zero rows) before it adds
        self.vectors = np.vstack([self.vectors, v])
        if f is not None:
            self.fingerprints = np.vstack([self.fingerprints, f])
        self.private = np.concatenate([self.private, np.full(len(v), bool(private))])
        self.blocked = np.concatenate([self.blocked, np.zeros(len(v), bool)])
        return ids

    def duplicate_keys(self, ids: ArrayLike) -> np.ndarray:
        """Unit rows the re-ranking service compares for near-duplicates: the fingerprints if the
        store keeps them, else the search vectors."""
        i = self._ids(ids)
        if self.fingerprints is not None:
            return self.fingerprints[i]
        return normalize_rows(self.vectors[i], "vectors", zero_rows="keep")

    def set_private(self, ids: ArrayLike, value: bool = True) -> None:
        """Mark images private (the owner changed a setting): they stay indexed but hidden."""
        self.private[self._ids(ids)] = value

    def block(self, ids: ArrayLike) -> None:
        """Mark images as violating a content policy."""
        self.blocked[self._ids(ids)] = True

    def _ids(self, ids: ArrayLike) -> np.ndarray:
        return np.atleast_1d(check_ids(ids, "ids", len(self.vectors), ndim=(0, 1), of="indexed images"))


class NearestNeighbourService:
    """Top-``k`` candidate ids and scores for query embeddings, from the indexing service's index."""

    def __init__(self, store: IndexingService) -> None:
        if not isinstance(store, IndexingService):
            raise TypeError(f"store must be an IndexingService, got {type(store).__name__}")
        self.store = store

    def search(self, vectors: ArrayLike, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = check_int(k, "k", low=1)
        return self.store.index.search(vectors, k)


@dataclass(frozen=True)
class Result:
    """One displayed result."""

    item_id: int
    score: float


class ReRankingService:
    """Apply business rules to a candidate list, keeping order.

    Parameters
    ----------
    store : the indexing service (flags and vectors).
    duplicate_threshold : cosine similarity of the store's duplicate keys (its fingerprints if it
        keeps them, else its vectors; :meth:`IndexingService.duplicate_keys`) above which a
        candidate is a near-duplicate of a higher-ranked result and is dropped.
    """

    def __init__(self, store: IndexingService, duplicate_threshold: float = 0.98) -> None:
        if not isinstance(store, IndexingService):
            raise TypeError(f"store must be an IndexingService, got {type(store).__name__}")
        self.store = store
        self.duplicate_threshold = check_float(duplicate_threshold, "duplicate_threshold", low=-1, high=1)

    def rerank(self, ids: ArrayLike, scores: ArrayLike, k: int) -> list[Result]:
        """Filter one query's candidates (1-D ``ids``/``scores``) down to at most ``k`` results."""
        ids = check_ids(ids, "ids", len(self.store.vectors), missing=-1, allow_empty=True,
                        of="indexed images")
        scores = as_array(scores, "scores", ndim=1, allow_empty=True, allow_inf=True)
        if len(ids) != len(scores):
            raise ValueError(f"ids ({len(ids)}) and scores ({len(scores)}) must have the same length")
        if not np.isfinite(scores[ids >= 0]).all():
            raise ValueError("scores must be finite for every real id (only -1 slots may hold inf)")
        k = check_int(k, "k", low=1)
        real = ids >= 0
        shown = real.copy()
        shown[real] = ~(self.store.private[ids[real]] | self.store.blocked[ids[real]])
        ids, scores = ids[shown], scores[shown]
        keys = self.store.duplicate_keys(ids) if len(ids) else np.zeros((0, 0), np.float32)
        kept: list[Result] = []
        kept_rows: list[int] = []
        for row, (i, s) in enumerate(zip(ids, scores, strict=True)):
            if kept_rows and float((keys[kept_rows] @ keys[row]).max()) > self.duplicate_threshold:
                continue
            kept.append(Result(int(i), float(s)))
            kept_rows.append(row)
            if len(kept) == k:
                break
        return kept


@dataclass
class VisualSearchPipeline:
    """Embedding → nearest neighbours (``k * overfetch`` candidates) → re-ranking.

    ``latencies_ms`` collects the wall time of every ``search`` call.
    """

    embedder: EmbeddingService
    neighbours: NearestNeighbourService
    reranker: ReRankingService
    overfetch: int = 3
    latencies_ms: list[float] = field(default_factory=list)

    def search(self, image: ArrayLike, k: int = 10) -> list[Result]:
        """Results for one query image (or an already-cropped region of one)."""
        k = check_int(k, "k", low=1)
        t0 = time.perf_counter()
        q = self.embedder.embed(image)
        ids, scores = self.neighbours.search(q, k * check_int(self.overfetch, "overfetch", low=1))
        out = self.reranker.rerank(ids[0], scores[0], k)
        self.latencies_ms.append(1e3 * (time.perf_counter() - t0))
        return out

    def latency_percentiles(self) -> dict[str, float]:
        """The recorded latencies summarised by :func:`mlsd_lib.serving.latency_percentiles`."""
        if not self.latencies_ms:
            raise ValueError("no searches recorded yet; call search() first")
        return latency_percentiles(self.latencies_ms)
