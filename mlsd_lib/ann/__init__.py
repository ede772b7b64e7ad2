"""Approximate nearest-neighbour search: one interface over faiss and a NumPy RP forest.

- ``index`` — :func:`build` any index from a short name (flat, IVF, PQ, IVF-PQ, HNSW, LSH,
  RP forest) behind faiss's verbs (``add``, ``search``); sharding; :func:`neighbour_recall` and :func:`recall_per_query`
- ``rpforest`` — the random-projection forest (Annoy style), written for reading
- ``measure`` — recall, queries per second, memory and distance counts of an index, and
  synthetic corpora calibrated to be as hard as real embeddings

Introduced in chapter 2, "Serving"; chapter 6 uses it for candidate generation.
"""

from mlsd_lib.ann.index import (
    KINDS,
    AnnIndex,
    BuildStats,
    build,
    build_sharded,
    default_pq_m,
    neighbour_recall,
    recall_per_query,
)
from mlsd_lib.ann.measure import (
    calibrate_spread,
    clustered_vectors,
    distance_computations,
    intrinsic_dimension,
    measure_index,
    memory_bandwidth_gbs,
    memory_table,
    nn_distance_ratio,
    recall_profile,
)
from mlsd_lib.ann.rpforest import RPForest

__all__ = [
    "KINDS", "AnnIndex", "BuildStats", "build", "build_sharded", "default_pq_m", "neighbour_recall",
    "calibrate_spread", "clustered_vectors", "distance_computations", "intrinsic_dimension",
    "measure_index", "memory_bandwidth_gbs", "memory_table", "nn_distance_ratio", "recall_per_query",
    "recall_profile", "RPForest",
]
