"""Unit tests of ``mlsd_lib.visual_search.services``."""

import numpy as np
import pytest

from mlsd_lib import ann
from mlsd_lib.visual_search.services import (
    EmbeddingService,
    IndexingService,
    NearestNeighbourService,
    ReRankingService,
    VisualSearchPipeline,
)

from ._helpers import RNG


def _pipeline(n=50, d=8):
    x = RNG.normal(size=(n, d)).astype("float32")
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    store = IndexingService(ann.build("flat", x, "cosine"), x)
    pipe = VisualSearchPipeline(EmbeddingService(lambda a: np.asarray(a, "float32")),
                                NearestNeighbourService(store), ReRankingService(store, 0.99))
    return x, store, pipe


def test_pipeline_indexing_and_reranking_rules():
    x, store, pipe = _pipeline()
    assert pipe.search(x[7], k=1)[0].item_id == 7
    new = store.add(x[7] * 1.0001)  # a planted near-duplicate of image 7
    assert [r.item_id for r in pipe.search(x[7], k=2)][0] in (7, int(new[0]))
    assert int(new[0]) not in [r.item_id for r in pipe.search(x[7], k=5)][1:]
    store.set_private(7)
    store.block(int(new[0]))
    ids = [r.item_id for r in pipe.search(x[7], k=5)]
    assert 7 not in ids and int(new[0]) not in ids and len(ids) == 5
    fresh = RNG.normal(size=(1, 8)).astype("float32")
    fid = store.add(fresh)
    assert pipe.search(fresh[0], k=1)[0].item_id == int(fid[0])
    p = pipe.latency_percentiles()
    assert p["p99_ms"] >= p["p50_ms"] > 0


def test_service_errors():
    x, store, pipe = _pipeline()
    with pytest.raises(TypeError, match="embed_fn must be callable"):
        EmbeddingService(3)
    with pytest.raises(ValueError, match="must match the index size"):
        IndexingService(store.index, x[:3])
    with pytest.raises(ValueError, match=r"ids must be positions in"):
        store.set_private(10_000)
    with pytest.raises(ValueError, match="duplicate_threshold must be <= 1"):
        ReRankingService(store, 2.0)
    empty = VisualSearchPipeline(pipe.embedder, pipe.neighbours, pipe.reranker)
    with pytest.raises(ValueError, match="no searches recorded"):
        empty.latency_percentiles()


def test_a_store_with_fingerprints_finds_duplicates_on_them_not_on_the_vectors():
    # two different items the embedding cannot tell apart, and a re-upload of the first
    vecs = np.array([[1, 0], [1, 1e-4], [0, 1]], "float32")
    prints = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], "float32")
    store = IndexingService(ann.build("flat", vecs, "ip"), vecs, fingerprints=prints)
    rerank = ReRankingService(store, 0.98)
    assert [r.item_id for r in rerank.rerank([0, 1, 2], [3.0, 2.0, 1.0], 3)] == [0, 1, 2]
    dup = int(store.add([[0.9, 0.0]], fingerprints=[[2, 0.01, 0]])[0])
    assert [r.item_id for r in rerank.rerank([dup, 0, 1], [3.0, 3.0, 2.0], 3)] == [dup, 1]
    # without fingerprints the vectors decide, and the two different items collapse into one
    plain = IndexingService(ann.build("flat", vecs, "ip"), vecs)
    assert [r.item_id for r in ReRankingService(plain, 0.98).rerank([0, 1, 2], [3.0, 2.0, 1.0], 3)] == [0, 2]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({}, "pass fingerprints="),
    ({"fingerprints": [[1, 0]]}, "fingerprints must have 3 columns"),
    ({"fingerprints": [[1, 0, 0], [0, 1, 0]]}, "one row per vector"),
    ({"fingerprints": [[np.nan, 0, 0]]}, "fingerprints contains NaN"),
])
def test_a_rejected_add_leaves_a_fingerprinted_store_as_it_was(kwargs, message):
    vecs = np.eye(2, dtype="float32")
    store = IndexingService(ann.build("flat", vecs, "ip"), vecs, fingerprints=np.eye(2, 3))
    with pytest.raises(ValueError, match=message):
        store.add([[0.6, 0.8]], **kwargs)
    assert store.index.ntotal == len(store.vectors) == len(store.fingerprints) == len(store.blocked) == 2


def test_a_store_without_fingerprints_refuses_one_for_an_upload():
    vecs = np.eye(2, dtype="float32")
    store = IndexingService(ann.build("flat", vecs, "ip"), vecs)
    with pytest.raises(ValueError, match="keeps no fingerprints"):
        store.add([[0.6, 0.8]], fingerprints=[[1.0, 0.0]])
    with pytest.raises(ValueError, match="one row per vector"):
        IndexingService(ann.build("flat", vecs, "ip"), vecs, fingerprints=np.eye(3))
    assert store.index.ntotal == 2
