"""Unit tests of ``mlsd_lib.vision.widgets``."""

import matplotlib

matplotlib.use("Agg")
import numpy as np

from mlsd_lib import ann
from mlsd_lib.vision.encoders import embed_pixels
from mlsd_lib.vision.widgets import index_explorer, query_picker
from mlsd_lib.visual_search.services import (
    EmbeddingService,
    IndexingService,
    NearestNeighbourService,
    ReRankingService,
    VisualSearchPipeline,
)

from ._helpers import _catalogue


def test_widgets_build_and_snapshot():
    imgs, labels = _catalogue()
    emb = embed_pixels(imgs)
    store = IndexingService(ann.build("flat", emb, "cosine"), emb)
    pipe = VisualSearchPipeline(EmbeddingService(embed_pixels), NearestNeighbourService(store), ReRankingService(store))
    widget, fig = query_picker(pipe, imgs, labels, [str(i) for i in range(10)], k=4, image_id=3)
    assert fig is not None and len(fig.axes) == 5 and widget.children
    x = np.random.default_rng(1).normal(size=(500, 8)).astype("float32")
    hnsw = ann.build("hnsw", x)
    exact = ann.build("flat", x).search(x[:20], 5)[0]
    widget, table = index_explorer({"hnsw": (hnsw, "efSearch", [4, 64])}, x[:20], exact, k=5)
    assert list(table["knob"]) == ["efSearch=4", "efSearch=64"]
    assert table["recall@5"].iloc[1] >= table["recall@5"].iloc[0]
