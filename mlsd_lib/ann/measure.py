"""Measuring ANN indexes, and synthetic corpora as hard as the real embeddings.

Introduced in chapter 2, "Serving"; the benchmark in ``tests/benchmarks`` reuses it.
"""

from __future__ import annotations

import time

import numpy as np
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_float, check_int, check_random_state
from mlsd_lib.ann.index import AnnIndex, neighbour_recall
from mlsd_lib.vectors import normalize_rows


def nn_distance_ratio(vectors: ArrayLike, n_queries: int = 300, seed: int = 0) -> float:
    """Mean ratio of a point's nearest-neighbour distance to its mean distance to all points.

    Near 0: tight, well-separated neighbourhoods (easy for ANN); near 1: every point about
    equally far (the curse of dimensionality, hard for ANN). A sample of ``n_queries`` points
    is compared against all points, itself excluded.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(500, 64))
    >>> 0.7 < nn_distance_ratio(x, n_queries=50) < 1.0
    True
    """
    import faiss

    x = np.ascontiguousarray(as_array(vectors, "vectors", ndim=2), dtype=np.float32)
    n_queries = check_int(n_queries, "n_queries", low=1)
    if len(x) < 3:
        raise ValueError("vectors needs at least 3 points")
    rng = check_random_state(seed)
    q_idx = rng.choice(len(x), min(n_queries, len(x)), replace=False)
    index = faiss.IndexFlatL2(x.shape[1])
    index.add(x)
    d2, _ = index.search(x[q_idx], 2)
    nn = np.sqrt(np.maximum(d2[:, 1], 0))
    q = x[q_idx].astype(np.float64)
    sq = (q**2).sum(1)[:, None] + (x.astype(np.float64) ** 2).sum(1)[None, :] - 2 * q @ x.T.astype(np.float64)
    mean = np.sqrt(np.maximum(sq, 0)).sum(1) / (len(x) - 1)
    return float(np.mean(nn / mean))


def clustered_vectors(
    n: int, d: int, n_clusters: int = 100, spread: float = 1.0, seed: int = 0,
    intrinsic_dim: int | None = None,
) -> np.ndarray:
    """Unit-norm vectors drawn around ``n_clusters`` random centres (a Gaussian mixture).

    ``spread`` is the noise scale relative to the distance between centres: small values give
    well-separated clusters that flatter every ANN index, large values approach isotropic
    Gaussian noise, which makes every ANN index look bad. Calibrate it with
    :func:`calibrate_spread` to resemble real embeddings.

    ``intrinsic_dim`` confines each cluster's noise to its own random subspace of that
    dimension (learned embeddings vary along a few directions, not all ``d``); ``None``
    spreads it over all ``d`` dimensions. Match it to :func:`intrinsic_dimension` of the real
    embeddings: quantisers and partitions behave very differently on the two.

    Examples
    --------
    >>> clustered_vectors(10, 4, n_clusters=2, seed=0).shape
    (10, 4)
    """
    n = check_int(n, "n", low=1)
    d = check_int(d, "d", low=1)
    n_clusters = check_int(n_clusters, "n_clusters", low=1)
    spread = check_float(spread, "spread", low=0.0, high=1e6)
    rng = check_random_state(seed)
    if intrinsic_dim is not None:
        intrinsic_dim = check_int(intrinsic_dim, "intrinsic_dim", low=1, high=d)
    centres = rng.normal(size=(n_clusters, d)).astype(np.float32)
    # Uneven cluster sizes, as in real catalogues (a few popular categories).
    weights = rng.dirichlet(np.full(n_clusters, 2.0))
    assign = rng.choice(n_clusters, size=n, p=weights)
    out = np.empty((n, d), dtype=np.float32)
    if intrinsic_dim is None:
        for start in range(0, n, 100_000):  # chunks keep the temporaries small
            sl = slice(start, min(n, start + 100_000))
            noise = rng.standard_normal((sl.stop - sl.start, d), dtype=np.float32)
            out[sl] = centres[assign[sl]] + spread * noise
    else:
        # One orthonormal basis per cluster; the noise has the same total variance as the
        # isotropic case, concentrated in intrinsic_dim directions.
        bases = np.linalg.qr(rng.normal(size=(n_clusters, d, intrinsic_dim)))[0].astype(np.float32)
        z = rng.standard_normal((n, intrinsic_dim), dtype=np.float32) * np.float32(np.sqrt(d / intrinsic_dim))
        for c in range(n_clusters):
            members = np.flatnonzero(assign == c)
            out[members] = centres[c] + spread * (z[members] @ bases[c].T)
    return normalize_rows(out, "vectors")


def intrinsic_dimension(
    vectors: ArrayLike, n_neighbours: int = 50, n_queries: int = 200, variance: float = 0.9, seed: int = 0
) -> float:
    """Local intrinsic dimension: principal components needed to explain ``variance`` of the
    offsets from a point to its ``n_neighbours`` nearest neighbours, averaged over a sample.

    A point whose neighbours all coincide with it (duplicates) has no spread to explain and
    counts as dimension 0, rather than dividing 0 by 0.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> flat2d = rng.normal(size=(2000, 2)) @ rng.normal(size=(2, 20))   # a plane in 20-d
    >>> intrinsic_dimension(flat2d, n_queries=20)
    2.0
    """
    import faiss

    x = np.ascontiguousarray(as_array(vectors, "vectors", ndim=2), dtype=np.float32)
    n_neighbours = check_int(n_neighbours, "n_neighbours", low=2, high=len(x) - 1)
    n_queries = check_int(n_queries, "n_queries", low=1)
    variance = check_float(variance, "variance", low=0.0, high=1.0, low_open=True)
    rng = check_random_state(seed)
    q_idx = rng.choice(len(x), min(n_queries, len(x)), replace=False)
    index = faiss.IndexFlatL2(x.shape[1])
    index.add(x)
    _, nn = index.search(x[q_idx], n_neighbours + 1)
    dims = []
    for qi, row in zip(q_idx, nn, strict=True):
        offsets = (x[row[1:]] - x[qi]).astype(np.float64)
        ev = np.linalg.svd(offsets - offsets.mean(0), compute_uv=False) ** 2
        if ev.sum() <= 0:
            dims.append(0)
            continue
        dims.append(int(np.searchsorted(np.cumsum(ev) / ev.sum(), variance - 1e-12) + 1))
    return float(np.mean(dims))


def calibrate_spread(
    target_ratio: float, n: int, d: int, n_clusters: int = 100, seed: int = 0, iters: int = 12,
    intrinsic_dim: int | None = None,
) -> float:
    """Bisect the ``spread`` of :func:`clustered_vectors` so its :func:`nn_distance_ratio`
    at ``n`` points matches ``target_ratio`` (e.g. the real embeddings' ratio).

    Examples
    --------
    >>> s = calibrate_spread(0.5, n=500, d=16, n_clusters=10, iters=6)
    >>> 0 < s < 5
    True
    """
    target = check_float(target_ratio, "target_ratio", low=0.0, high=1.0, low_open=True, high_open=True)
    iters = check_int(iters, "iters", low=1)
    lo, hi = 0.0, 4.0
    for _ in range(iters):
        mid = (lo + hi) / 2
        r = nn_distance_ratio(clustered_vectors(n, d, n_clusters, mid, seed, intrinsic_dim), seed=seed)
        lo, hi = (mid, hi) if r < target else (lo, mid)
    return (lo + hi) / 2


def measure_index(
    index: AnnIndex, queries: ArrayLike, exact_ids: ArrayLike, k: int = 10, label: str | None = None
) -> dict[str, float | str]:
    """Build time, memory, batched queries per second and recall@k of one index.

    Examples
    --------
    >>> import numpy as np
    >>> from mlsd_lib import ann
    >>> x = np.random.default_rng(0).normal(size=(200, 8)).astype("float32")
    >>> exact = ann.build("flat", x).search(x[:10], 5)[0]
    >>> measure_index(ann.build("flat", x), x[:10], exact, k=5)["recall@5"]
    1.0
    """
    k = check_int(k, "k", low=1)
    q = np.ascontiguousarray(as_array(queries, "queries", ndim=2), dtype=np.float32)
    t0 = time.perf_counter()
    ids, _ = index.search(q, k)
    elapsed = time.perf_counter() - t0
    return {
        "index": label or index.kind,
        "build_s": index.stats.train_seconds + index.stats.add_seconds,
        "memory_mb": index.memory_bytes() / 1e6,
        "qps": len(q) / max(elapsed, 1e-9),
        f"recall@{k}": neighbour_recall(ids, exact_ids, k),
    }


def memory_table(n_images: ArrayLike, d: int = 128, pq_bytes: int = 16, id_bytes: int = 8):
    """Index RAM for ``n_images`` vectors: float32 (flat/HNSW payload) vs PQ codes.

    Examples
    --------
    >>> round(float(memory_table([1e9], d=128)["flat_TB"].iloc[0]), 3)
    0.52
    """
    import pandas as pd

    n = as_array(n_images, "n_images", ndim=1)
    if (n < 0).any():
        raise ValueError("n_images must be non-negative counts")
    d = check_int(d, "d", low=1)
    pq_bytes = check_int(pq_bytes, "pq_bytes", low=1)
    id_bytes = check_int(id_bytes, "id_bytes", low=0)
    flat = n * (4 * d + id_bytes)
    pq = n * (pq_bytes + id_bytes)
    return pd.DataFrame({
        "images": n, "flat_TB": flat / 1e12, f"pq{pq_bytes}_TB": pq / 1e12,
        "machines_flat_512GB": np.ceil(flat / 512e9), f"machines_pq{pq_bytes}_512GB": np.ceil(pq / 512e9),
    })


def memory_bandwidth_gbs(n_bytes: int = 400_000_000, repeats: int = 3) -> float:
    """Measured single-thread read bandwidth (GB/s): best of ``repeats`` sums over a large array.

    Examples
    --------
    >>> memory_bandwidth_gbs(8_000_000, repeats=1) > 0
    True
    """
    n_bytes = check_int(n_bytes, "n_bytes", low=8)
    repeats = check_int(repeats, "repeats", low=1)
    a = np.ones(n_bytes // 4, dtype=np.float32)
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.dot(a, a)  # one streaming pass through BLAS: read-bandwidth bound, not ALU bound
        best = min(best, time.perf_counter() - t0)
    return a.nbytes / best / 1e9


def distance_computations(index: AnnIndex, queries: ArrayLike, k: int = 10, per_query: bool = False):
    """Mean number of vector distances one query costs: a machine-independent cost measure.

    Flat search computes ``ntotal``; IVF computes ``nlist`` centroid distances plus the probed
    lists; HNSW counts the graph nodes it scores (faiss's own counters). Deterministic on one
    thread, so the notebook can assert on it where a timing would be flaky.

    With ``per_query=True`` it returns one count per query (each query searched on its own),
    so that a cost can be bootstrapped over queries.

    Examples
    --------
    >>> import numpy as np
    >>> from mlsd_lib import ann
    >>> x = np.random.default_rng(0).normal(size=(300, 8)).astype("float32")
    >>> distance_computations(ann.build("flat", x), x[:5])
    300.0
    >>> distance_computations(ann.build("hnsw", x), x[:3], per_query=True).shape
    (3,)
    """
    import faiss

    q = np.ascontiguousarray(as_array(queries, "queries", ndim=2), dtype=np.float32)
    if per_query:
        return np.array([distance_computations(index, q[i:i + 1], k) for i in range(len(q))])
    if index.kind == "flat":
        return float(index.ntotal)
    if index.kind in ("ivf", "ivfpq"):
        faiss.cvar.indexIVF_stats.reset()
        index.search(q, k)
        nlist = faiss.extract_index_ivf(index.index).nlist
        return float(faiss.cvar.indexIVF_stats.ndis) / len(q) + nlist
    if index.kind == "hnsw":
        faiss.cvar.hnsw_stats.reset()
        index.search(q, k)
        return float(faiss.cvar.hnsw_stats.ndis) / len(q)
    raise ValueError(f"distance counts are available for flat, ivf, ivfpq and hnsw, not {index.kind!r}")


def recall_profile(
    vectors: ArrayLike, queries: ArrayLike, configs: dict[str, dict], k: int = 10, metric: str = "cosine"
) -> dict[str, float]:
    """recall@k against exact search of several index configurations on one corpus.

    ``configs`` maps a label to :func:`mlsd_lib.ann.build` keyword arguments (with ``kind``).
    Comparing profiles tells whether a synthetic corpus is as hard as the real one.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(500, 8)).astype("float32")
    >>> recall_profile(x[:450], x[450:], {"hnsw": {"kind": "hnsw"}})
    {'hnsw': 1.0}
    """
    from mlsd_lib.ann.index import build

    k = check_int(k, "k", low=1)
    if not isinstance(configs, dict) or not configs:
        raise ValueError("configs must be a non-empty dict of label -> build() keyword arguments")
    exact = build("flat", vectors, metric).search(queries, k)[0]
    return {label: neighbour_recall(build(vectors=vectors, metric=metric, **cfg).search(queries, k)[0], exact, k)
            for label, cfg in configs.items()}


