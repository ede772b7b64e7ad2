"""One interface over exact and approximate nearest-neighbour search (source ch. 2, "Serving").

Every index has the same verbs as faiss — ``add``, ``search`` — and is built from a short
name, so swapping algorithms is one word:

>>> import numpy as np
>>> xb = np.random.default_rng(0).normal(size=(1000, 16)).astype("float32")
>>> index = build("hnsw", xb, M=16)
>>> ids, scores = index.search(xb[:3], k=1)
>>> ids[:, 0].tolist()
[0, 1, 2]

``metric`` is ``"l2"`` (squared Euclidean distance, smaller is closer), ``"ip"`` (inner
product, larger is closer) or ``"cosine"`` (vectors are L2-normalised, then inner product).
Indexes that must be trained (IVF, PQ) are trained on the vectors passed to ``build``;
vectors ``add``-ed later are searchable at once — the indexing service's job.

Introduced in chapter 2, "Serving"; chapter 6 reuses it for candidate generation.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_choice, check_int

METRICS = ("l2", "ip", "cosine")
KINDS = ("flat", "ivf", "ivfpq", "pq", "hnsw", "lsh", "rpforest")


def _as_vectors(x: ArrayLike, name: str, dim: int | None = None) -> np.ndarray:
    arr = as_array(x, name, ndim=2)
    if dim is not None and arr.shape[1] != dim:
        raise ValueError(f"{name} must have {dim} columns (the index dimension), got {arr.shape[1]}")
    return np.ascontiguousarray(arr, dtype=np.float32)


def _normalise(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    if (norms == 0).any():
        raise ValueError("cosine metric needs non-zero vectors; drop all-zero rows")
    return x / norms


@dataclass
class BuildStats:
    """What building the index cost."""

    train_seconds: float
    add_seconds: float


class AnnIndex:
    """A faiss index plus the metric bookkeeping; build one with :func:`build`."""

    def __init__(self, kind: str, index, metric: str, dim: int, stats: BuildStats) -> None:
        self.kind = kind
        self.index = index
        self.metric = metric
        self.dim = dim
        self.stats = stats
        self.shards: list[AnnIndex] | None = None

    @property
    def ntotal(self) -> int:
        """Number of vectors in the index."""
        return int(self.index.ntotal)

    def _prep(self, x: ArrayLike, name: str) -> np.ndarray:
        arr = _as_vectors(x, name, self.dim)
        return _normalise(arr) if self.metric == "cosine" else arr

    def add(self, vectors: ArrayLike) -> np.ndarray:
        """Append vectors; returns their ids (consecutive, continuing from ``ntotal``)."""
        arr = self._prep(vectors, "vectors")
        start = self.ntotal
        if self.shards is not None:
            # New uploads go to the newest shard; faiss IndexShards cannot append with
            # global ids, so the merged view is rebuilt (it only holds pointers).
            self.shards[-1].index.add(arr)
            self.index = _merge_shards(self.dim, self.shards)
        else:
            self.index.add(arr)
        return np.arange(start, self.ntotal)

    def search(self, queries: ArrayLike, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` ids and scores per query.

        Scores are squared L2 distances for ``"l2"`` (ascending) and similarities for
        ``"ip"``/``"cosine"`` (descending). Missing neighbours have id ``-1``.
        """
        if self.ntotal == 0:
            raise ValueError("the index is empty; add vectors before searching")
        k = check_int(k, "k", low=1)
        q = self._prep(np.atleast_2d(np.asarray(queries, dtype=np.float32)), "queries")
        scores, ids = self.index.search(q, k)
        return ids, scores

    def set_params(self, **params: int) -> AnnIndex:
        """Set search-time knobs: ``nprobe`` (IVF family), ``efSearch`` (HNSW) or
        ``search_k`` (random-projection forest)."""
        import faiss

        if self.shards is not None:  # a knob applies to every machine's shard alike
            for shard in self.shards:
                shard.set_params(**params)
            return self
        for name, value in params.items():
            check_choice(name, "parameter", ("nprobe", "efSearch", "search_k"))
            value = check_int(value, name, low=1)
            if name == "search_k":
                if self.kind != "rpforest":
                    raise ValueError(f"search_k applies to rpforest indexes, not {self.kind!r}")
                self.index.search_k = value
            elif name == "nprobe":
                ivf = faiss.extract_index_ivf(self.index) if self.kind in ("ivf", "ivfpq") else None
                if ivf is None:
                    raise ValueError(f"nprobe applies to ivf/ivfpq indexes, not {self.kind!r}")
                ivf.nprobe = value
            else:
                if self.kind != "hnsw":
                    raise ValueError(f"efSearch applies to hnsw indexes, not {self.kind!r}")
                self.index.hnsw.efSearch = value
        return self

    def memory_bytes(self) -> int:
        """Size of the serialised index: what a serving machine must hold in RAM."""
        import faiss

        if self.shards is not None:  # each machine holds one shard; the total is their sum
            return sum(s.memory_bytes() for s in self.shards)
        if self.kind == "rpforest":
            return self.index.nbytes
        return int(faiss.serialize_index(self.index).nbytes)

    def __repr__(self) -> str:
        return f"AnnIndex(kind={self.kind!r}, metric={self.metric!r}, dim={self.dim}, ntotal={self.ntotal})"


def build(
    kind: str,
    vectors: ArrayLike,
    metric: str = "l2",
    *,
    nlist: int | None = None,
    nprobe: int = 8,
    m: int = 8,
    nbits: int = 8,
    M: int = 32,
    efConstruction: int = 80,
    efSearch: int = 64,
    lsh_bits: int | None = None,
    n_trees: int = 10,
    leaf_size: int = 32,
    search_k: int | None = None,
    seed: int = 0,
) -> AnnIndex:
    """Build an index of ``kind`` over ``vectors``.

    Parameters
    ----------
    kind : ``"flat"`` (exact), ``"ivf"`` (clustering), ``"ivfpq"`` (clustering + product
        quantisation), ``"pq"`` (product quantisation, exhaustive), ``"hnsw"`` (graph) or
        ``"lsh"`` (random hyperplanes; ``"ip"``/``"cosine"`` only make sense on normalised data)
        or ``"rpforest"`` (a forest of random-projection trees, Annoy style, in NumPy; see
        :mod:`mlsd_lib.rpforest`).
    vectors : (n, d) array; the index is trained on it (when needed) and holds it.
    metric : ``"l2"``, ``"ip"`` or ``"cosine"``.
    nlist : number of IVF cells; default ``4 * sqrt(n)``.
    nprobe : IVF cells visited per query.
    m, nbits : PQ sub-vectors and bits per code (``d`` must be divisible by ``m``).
    M, efConstruction, efSearch : HNSW graph degree and beam widths.
    lsh_bits : hash length for LSH; default ``4 * d``.
    n_trees, leaf_size, search_k : random-projection forest size and candidates per query.
    seed : seed of k-means training and of the forest's random splits.
    """
    import faiss

    check_choice(kind, "kind", KINDS)
    check_choice(metric, "metric", METRICS)
    x = _as_vectors(vectors, "vectors")
    if metric == "cosine":
        x = _normalise(x)
    n, d = x.shape
    faiss_metric = faiss.METRIC_L2 if metric == "l2" else faiss.METRIC_INNER_PRODUCT
    if kind in ("ivf", "ivfpq"):
        nlist = check_int(nlist if nlist is not None else max(1, int(4 * np.sqrt(n))), "nlist", low=1)
        if nlist > n:
            raise ValueError(f"nlist ({nlist}) must not exceed the number of training vectors ({n})")
    if kind in ("ivfpq", "pq"):
        m = check_int(m, "m", low=1)
        if d % m:
            raise ValueError(f"PQ needs the dimension ({d}) to be divisible by m ({m})")
        if n < 2 ** check_int(nbits, "nbits", low=1, high=16):
            raise ValueError(f"PQ with nbits={nbits} needs at least {2 ** nbits} training vectors, got {n}")

    if kind == "flat":
        index = faiss.IndexFlat(d, faiss_metric)
    elif kind == "ivf":
        index = faiss.IndexIVFFlat(faiss.IndexFlat(d, faiss_metric), d, nlist, faiss_metric)
    elif kind == "ivfpq":
        index = faiss.IndexIVFPQ(faiss.IndexFlat(d, faiss_metric), d, nlist, m, nbits, faiss_metric)
    elif kind == "pq":
        index = faiss.IndexPQ(d, m, nbits, faiss_metric)
    elif kind == "rpforest":
        from mlsd_lib.rpforest import RPForest

        index = RPForest(d, n_trees=n_trees, leaf_size=leaf_size, search_k=search_k,
                         metric="l2" if metric == "l2" else "ip", seed=check_int(seed, "seed", low=0))
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(d, check_int(M, "M", low=2), faiss_metric)
        index.hnsw.efConstruction = check_int(efConstruction, "efConstruction", low=1)
        index.hnsw.efSearch = check_int(efSearch, "efSearch", low=1)
    else:  # lsh
        index = faiss.IndexLSH(d, check_int(lsh_bits or 4 * d, "lsh_bits", low=1))
    if kind in ("ivf", "ivfpq"):
        index.cp.seed = seed
        index.nprobe = check_int(nprobe, "nprobe", low=1)
    _quiet_kmeans(index)
    t0 = time.perf_counter()
    if not index.is_trained:
        index.train(x)
    t1 = time.perf_counter()
    index.add(x)
    t2 = time.perf_counter()
    return AnnIndex(kind, index, metric, d, BuildStats(t1 - t0, t2 - t1))


def _quiet_kmeans(index) -> None:
    """Silence faiss's "please provide at least N training points" k-means warning.

    faiss prints it (on stderr, from C++) whenever there are fewer than 39 training points
    per centroid; the chapter's small smoke-size corpora trigger it on purpose, and the
    only thing the setting changes is that message.
    """
    for obj in (index, getattr(index, "pq", None)):
        cp = getattr(obj, "cp", None)
        if cp is not None:
            cp.min_points_per_centroid = 1


def build_sharded(kind: str, vectors: ArrayLike, n_shards: int, metric: str = "l2", **params) -> AnnIndex:
    """Split ``vectors`` into ``n_shards`` contiguous shards, index each, and search them as one.

    Each shard stands for one machine's slice of the catalogue; a query goes to every shard
    and the per-shard top-k lists are merged (faiss ``IndexShards``). Ids stay global.
    ``params`` are passed to :func:`build` for every shard.

    Examples
    --------
    >>> import numpy as np
    >>> xb = np.random.default_rng(0).normal(size=(300, 8)).astype("float32")
    >>> sharded = build_sharded("flat", xb, n_shards=3)
    >>> sharded.search(xb[[5, 250]], k=1)[0][:, 0].tolist()
    [5, 250]
    """

    x = _as_vectors(vectors, "vectors")
    n_shards = check_int(n_shards, "n_shards", low=1, high=len(x))
    parts = np.array_split(np.arange(len(x)), n_shards)
    shards = [build(kind, x[p], metric, **params) for p in parts]
    merged = _merge_shards(x.shape[1], shards)
    stats = BuildStats(sum(s.stats.train_seconds for s in shards), sum(s.stats.add_seconds for s in shards))
    out = AnnIndex(kind, merged, metric, x.shape[1], stats)
    out.shards = shards  # keeps the shard indexes alive: IndexShards does not own them
    return out


def _merge_shards(d: int, shards: list[AnnIndex]):
    import faiss

    merged = faiss.IndexShards(d, False, True)  # not threaded; successive (global) ids
    for s in shards:
        merged.add_shard(s.index)
    return merged


def recall_at_k(approx_ids: ArrayLike, exact_ids: ArrayLike, k: int) -> float:
    """Fraction of the exact top-``k`` neighbours that the approximate search also returned.

    Examples
    --------
    >>> recall_at_k([[1, 2, 9]], [[1, 2, 3]], k=3)
    0.6666666666666666
    """
    a = as_array(approx_ids, "approx_ids", ndim=2, dtype="int")
    e = as_array(exact_ids, "exact_ids", ndim=2, dtype="int")
    k = check_int(k, "k", low=1)
    if a.shape[0] != e.shape[0]:
        raise ValueError(f"approx_ids and exact_ids need the same number of queries, got {a.shape[0]} and {e.shape[0]}")
    if a.shape[1] < k or e.shape[1] < k:
        raise ValueError(f"both id arrays need at least k={k} columns")
    hits = sum(len(np.intersect1d(ar[:k], er[:k])) for ar, er in zip(a, e, strict=True))
    return hits / (k * a.shape[0])
