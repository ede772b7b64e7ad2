"""Unit tests of ``mlsd_lib.vision.viz``."""

import matplotlib

matplotlib.use("Agg")
import pandas as pd
import pytest

from mlsd_lib.vision.viz import plot_frontier, show_grid, show_results

from ._helpers import _catalogue


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
