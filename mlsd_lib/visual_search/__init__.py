"""Visual search services and their evaluation (chapter 2; chapter 4 reuses them).

- ``measures`` — dot product, cosine and Euclidean scores; each item's nearest other; distance concentration
- ``evaluation`` — ranking metrics of a retrieval run, simulated clicks
- ``services`` — embedding generation, nearest-neighbour, re-ranking and indexing services

Measuring ANN indexes lives in :mod:`mlsd_lib.ann`. Every public name is re-exported here.
"""

from mlsd_lib.visual_search.evaluation import (
    evaluate_retrieval,
    per_query_retrieval,
    search_excluding,
    simulate_clicks,
)
from mlsd_lib.visual_search.measures import (
    nearest_other_similarity,
    relative_contrast,
    similarity,
)
from mlsd_lib.visual_search.services import (
    EmbeddingService,
    IndexingService,
    NearestNeighbourService,
    ReRankingService,
    Result,
    VisualSearchPipeline,
)

__all__ = [
    "nearest_other_similarity", "relative_contrast", "similarity", "evaluate_retrieval", "per_query_retrieval", "search_excluding", "simulate_clicks",
    "EmbeddingService", "IndexingService", "NearestNeighbourService", "ReRankingService", "Result",
    "VisualSearchPipeline",
]
