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
product, larger is closer) or ``"cosine"`` (vectors are L2-normalised, then inner product;
the compressed ``"pq"``/``"ivfpq"`` indexes search such unit vectors by L2, which ranks them
identically, ``|x - q|^2 = 2 - 2 x.q``, and report ``1 - d/2`` as the similarity: product
quantisers approximate L2 distances much better than inner products, see :func:`build`).
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
from mlsd_lib.vectors import normalize_rows

METRICS = ("l2", "ip", "cosine")
KINDS = ("flat", "ivf", "ivfpq", "pq", "hnsw", "lsh", "rpforest")
COSINE_VIA_L2 = ("pq", "ivfpq")  # compressed kinds that serve cosine as L2 on unit vectors


def default_pq_m(d: int) -> int:
    """Sub-quantisers of the default PQ code: ``d / 2`` when ``d`` is even, else ``d``.

    With 8-bit codes that is one byte per two dimensions (an 8x compression of float32),
    or one per dimension when ``d`` is odd; see :func:`build` for the recall it buys.

    Examples
    --------
    >>> default_pq_m(128), default_pq_m(7)
    (64, 7)
    """
    d = check_int(d, "d", low=1)
    return d // 2 if d % 2 == 0 else d


def _as_vectors(x: ArrayLike, name: str, dim: int | None = None) -> np.ndarray:
    arr = as_array(x, name, ndim=2)
    if dim is not None and arr.shape[1] != dim:
        raise ValueError(f"{name} must have {dim} columns (the index dimension), got {arr.shape[1]}")
    out = np.ascontiguousarray(arr, dtype=np.float32)
    if not np.isfinite(out).all():
        raise ValueError(f"{name} holds values too large for float32 (|x| > 3.4e38); rescale them")
    return out


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
        # cosine served by an L2 index over unit vectors (the compressed kinds): distances
        # are turned back into similarities in search().
        self.cosine_via_l2 = metric == "cosine" and kind in COSINE_VIA_L2

    @property
    def ntotal(self) -> int:
        """Number of vectors in the index."""
        return int(self.index.ntotal)

    def _prep(self, x: ArrayLike, name: str) -> np.ndarray:
        arr = _as_vectors(x, name, self.dim)
        return normalize_rows(arr, name) if self.metric == "cosine" else arr

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
        q = as_array(queries, "queries", ndim=(1, 2))
        q = self._prep(q[None, :] if q.ndim == 1 else q, "queries")
        scores, ids = self.index.search(q, k)
        if self.cosine_via_l2:
            scores = np.where(ids >= 0, 1.0 - scores / 2.0, -np.inf).astype(np.float32)
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
    m: int | None = None,
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
        :mod:`mlsd_lib.ann.rpforest`).
    vectors : (n, d) array; the index is trained on it (when needed) and holds it.
    metric : ``"l2"``, ``"ip"`` or ``"cosine"``.
    nlist : number of IVF cells; default ``4 * sqrt(n)``.
    nprobe : IVF cells visited per query.
    m, nbits : PQ sub-vectors and bits per sub-vector code (``d`` must be divisible by
        ``m``; ``nbits`` from 3 to 16, and at least ``2**nbits`` training vectors).
        Default ``m``: :func:`default_pq_m`, i.e. ``d / 2``.
    M, efConstruction, efSearch : HNSW graph degree and beam widths.
    lsh_bits : hash length for LSH; default ``4 * d``.

    The compressed kinds share one code-size rule: **d / 2 bytes per vector** by default
    (PQ and IVFPQ: ``m = d / 2`` sub-quantisers of 8 bits; LSH: ``4 d`` bits), an eighth of
    the float32 vector. Under ``"cosine"``, PQ and IVFPQ quantise the unit vectors under L2
    (same ranking; much better codes than inner-product PQ). The frontier this sits on,
    recall@10 against exact cosine search of 500 queries over 20,000 unit vectors of
    ``ann.clustered_vectors(20500, 64, 100, spread=1.0, seed=0)``, with
    isotropic noise / with ``intrinsic_dim=8``, and bytes per vector as
    :meth:`AnnIndex.memory_bytes` counts them (codes, ids, codebooks):

    =============================  ===========  =============  ===========
    index (d = 64)                 recall@10    recall@10      bytes/vec
                                   isotropic    intrinsic 8
    =============================  ===========  =============  ===========
    flat (exact, float32)          1.00         1.00           256
    pq m=8, IP (former default)    0.31         0.55           11
    pq m=8                         0.35         0.65           11
    pq m=16                        0.59         0.83           19
    **pq m=32 (default)**          **0.84**     **0.94**       **35**
    ivfpq m=8, IP (former)         0.41         0.68           27
    ivfpq m=16                     0.66         0.89           35
    **ivfpq m=32 (default)**       **0.87**     **0.97**       **51**
    lsh 128 bits                   0.32         0.66           18
    **lsh 256 bits (default)**     **0.43**     **0.74**       **35**
    lsh 512 bits                   0.55         0.80           71
    lsh 1024 bits                  0.65         0.86           141
    =============================  ===========  =============  ===========

    (IVFPQ at the default ``nprobe=8`` of ``4 sqrt(n)`` cells.) LSH's sign bits rank by
    Hamming distance and trail PQ at equal size: it buys simplicity, not recall.
    n_trees, leaf_size, search_k : random-projection forest size and candidates per query.
    seed : seed of k-means training and of the forest's random splits.
    """
    import faiss

    check_choice(kind, "kind", KINDS)
    check_choice(metric, "metric", METRICS)
    x = _as_vectors(vectors, "vectors")
    if metric == "cosine":
        x = normalize_rows(x, "vectors")
    n, d = x.shape
    via_l2 = metric == "l2" or (metric == "cosine" and kind in COSINE_VIA_L2)
    faiss_metric = faiss.METRIC_L2 if via_l2 else faiss.METRIC_INNER_PRODUCT
    if kind in ("ivf", "ivfpq"):
        nlist = check_int(nlist if nlist is not None else max(1, int(4 * np.sqrt(n))), "nlist", low=1)
        if nlist > n:
            raise ValueError(f"nlist ({nlist}) must not exceed the number of training vectors ({n})")
    if kind in ("ivfpq", "pq"):
        m = default_pq_m(d) if m is None else check_int(m, "m", low=1)
        if d % m:
            raise ValueError(f"PQ needs the dimension ({d}) to be divisible by m ({m})")
        # faiss's 2-dimension sub-vector kernels need a multiple of 8 centroids (nbits >= 3).
        if n < 2 ** check_int(nbits, "nbits", low=3, high=16):
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
        from mlsd_lib.ann.rpforest import RPForest

        index = RPForest(d, n_trees=n_trees, leaf_size=leaf_size, search_k=search_k,
                         metric="l2" if metric == "l2" else "ip", seed=check_int(seed, "seed", low=0))
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(d, check_int(M, "M", low=2), faiss_metric)
        index.hnsw.efConstruction = check_int(efConstruction, "efConstruction", low=1)
        index.hnsw.efSearch = check_int(efSearch, "efSearch", low=1)
    else:  # lsh
        index = faiss.IndexLSH(d, check_int(4 * d if lsh_bits is None else lsh_bits, "lsh_bits", low=1))
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

    check_choice(kind, "kind", KINDS)
    x = _as_vectors(vectors, "vectors")
    n_shards = check_int(n_shards, "n_shards", low=1, high=len(x))
    parts = np.array_split(np.arange(len(x)), n_shards)
    shards = [build(kind, x[p], metric, **params) for p in parts]
    merged = _merge_shards(x.shape[1], shards)
    stats = BuildStats(sum(s.stats.train_seconds for s in shards), sum(s.stats.add_seconds for s in shards))
    out = AnnIndex(kind, merged, metric, x.shape[1], stats)
    out.cosine_via_l2 = shards[0].cosine_via_l2
    out.shards = shards  # keeps the shard indexes alive: IndexShards does not own them
    return out


def _merge_shards(d: int, shards: list[AnnIndex]):
    import faiss

    if shards[0].kind == "rpforest":  # not a faiss index: IndexShards cannot hold it
        return _ShardMerge(d, [s.index for s in shards], ascending=shards[0].metric == "l2")
    merged = faiss.IndexShards(d, False, True)  # not threaded; successive (global) ids
    for s in shards:
        merged.add_shard(s.index)
    return merged


class _ShardMerge:
    """faiss ``IndexShards`` for indexes written in Python: query every shard, offset its
    ids to global ones, keep the best ``k``."""

    def __init__(self, d: int, indexes: list, ascending: bool) -> None:
        self.d, self.indexes, self.ascending = d, indexes, ascending

    @property
    def ntotal(self) -> int:
        return sum(ix.ntotal for ix in self.indexes)

    def search(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        scores, ids, start = [], [], 0
        for ix in self.indexes:
            D, Ids = ix.search(q, k)
            ids.append(np.where(Ids >= 0, Ids + start, -1))
            scores.append(D)
            start += ix.ntotal
        D, Ids = np.hstack(scores), np.hstack(ids)
        order = np.argsort(D if self.ascending else -D, axis=1, kind="stable")[:, :k]
        return np.take_along_axis(D, order, 1), np.take_along_axis(Ids, order, 1)


def neighbour_recall(approx_ids: ArrayLike, exact_ids: ArrayLike, k: int) -> float:
    """Fraction of the exact top-``k`` neighbours that the approximate search also returned.

    The mean over queries of :func:`recall_per_query`.

    Examples
    --------
    >>> neighbour_recall([[1, 2, 9]], [[1, 2, 3]], k=3)
    0.6666666666666666
    """
    return float(recall_per_query(approx_ids, exact_ids, k).mean())


def recall_per_query(approx_ids: ArrayLike, exact_ids: ArrayLike, k: int = 10) -> np.ndarray:
    """recall@k of each query: the share of its exact top-``k`` that the index returned.

    The mean over queries is :func:`neighbour_recall`; one value per query lets a
    comparison of two indexes be bootstrapped over queries.

    Examples
    --------
    >>> recall_per_query([[1, 2], [3, 9]], [[2, 1], [3, 4]], k=2).tolist()
    [1.0, 0.5]
    """
    k = check_int(k, "k", low=1)
    a = as_array(approx_ids, "approx_ids", ndim=2, dtype="int")
    e = as_array(exact_ids, "exact_ids", ndim=2, dtype="int")
    if len(a) != len(e):
        raise ValueError(f"approx_ids and exact_ids must have one row per query, got {len(a)} and {len(e)}")
    if a.shape[1] < k or e.shape[1] < k:
        raise ValueError(f"k ({k}) exceeds the number of returned ids")
    return np.array([len(set(ar[:k].tolist()) & set(er[:k].tolist())) / k for ar, er in zip(a, e, strict=True)])
