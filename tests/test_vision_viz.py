"""Chapter-2 figures and widgets render headless and show what they claim."""

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd
import pytest

from mlsd_lib import ann
from mlsd_lib.vision.encoders import embed_pixels
from mlsd_lib.vision.viz import plot_frontier, show_grid, show_results
from mlsd_lib.vision.widgets import index_explorer, query_picker
from mlsd_lib.visual_search.services import (
    EmbeddingService,
    IndexingService,
    NearestNeighbourService,
    ReRankingService,
    VisualSearchPipeline,
)


def _catalogue(n=60):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, 28, 28)).astype(np.uint8)
    return images, rng.integers(0, 10, n)


def test_grid_and_results_figures():
    imgs, _ = _catalogue(5)
    fig = show_grid(imgs, [str(i) for i in range(5)], ncols=3)
    assert len(fig.axes) == 6 and fig.axes[0].get_title() == "0"
    fig = show_results(imgs[0], imgs[1:4], [0.9, 0.8, 0.7], ["a", "b", "c"])
    assert [ax.get_title() for ax in fig.axes[:2]] == ["query", "0.90\na"]
    with pytest.raises(ValueError, match="one entry per result"):
        show_results(imgs[0], imgs[1:4], [0.9])
    with pytest.raises(ValueError, match="titles must have one entry per image"):
        show_grid(imgs, ["a"])


def test_frontier_plot():
    table = pd.DataFrame({"index": ["flat", "ivf nprobe=1", "ivf nprobe=8"], "recall@10": [1.0, 0.5, 0.9],
                          "qps": [10.0, 1000.0, 200.0]})
    ax = plot_frontier(table)
    assert len(ax.lines) == 2 and ax.get_yscale() == "log"
    with pytest.raises(ValueError, match="no column 'qps'"):
        plot_frontier(table.drop(columns="qps"))


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
