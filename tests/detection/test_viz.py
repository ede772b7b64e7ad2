"""Chapter-3 comparison figures draw from tiny inputs and refuse bad input by name."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from mlsd_lib.detection.viz import plot_accuracy_speed, plot_arms_by_seed, plot_mined_examples


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_accuracy_speed_plane():
    fig = plot_accuracy_speed({"two-stage": [0.5, 0.52, 0.55], "one-stage": [0.4, 0.42, 0.41]},
                              {"two-stage": [3.0, 3.1, 3.3], "one-stage": [1.0, 1.1, 1.2]})
    ax = fig.axes[0]
    assert ax.get_xlabel() == "ms per image"
    assert len(ax.get_legend().get_texts()) == 2          # one marker per detector
    assert len(ax.collections) == 4                       # seeds and mean, per detector


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"accuracy": [0.5], "ms_per_image": {"a": [1.0]}}, "accuracy"),
    ({"accuracy": {"a": [0.5]}, "ms_per_image": {"b": [1.0]}}, "ms_per_image"),
    ({"accuracy": {"a": [0.5, 0.6]}, "ms_per_image": {"a": [1.0]}}, "ms_per_image"),
    ({"accuracy": {"a": [np.nan]}, "ms_per_image": {"a": [1.0]}}, "accuracy"),
    ({"accuracy": {"a": [0.5]}, "ms_per_image": {"a": [-1.0]}}, "ms_per_image"),
])
def test_accuracy_speed_refuses_by_name(kwargs, name):
    with pytest.raises((ValueError, TypeError), match=name):
        plot_accuracy_speed(**kwargs)


def test_mined_examples_grid():
    imgs = [np.full((16, 16), 80, np.uint8)] * 5
    boxes = [[[1, 1, 6, 6]], [[2, 2, 9, 9], [10, 10, 14, 14]], np.zeros((0, 4)), [[0, 0, 3, 3]], [[4, 4, 8, 8]]]
    fig = plot_mined_examples(imgs, boxes, titles=list("abcde"), ncols=3)
    assert len(fig.axes) == 5                             # empty grid slots are removed
    assert [len(ax.patches) for ax in fig.axes] == [1, 2, 0, 1, 1]


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"images": None, "boxes": []}, "images"),
    ({"images": [np.zeros(4)], "boxes": [[]]}, "images"),
    ({"images": [np.zeros((4, 4))], "boxes": [[3, 0, 1, 2]]}, "boxes"),
    ({"images": [np.zeros((4, 4))], "boxes": []}, "boxes"),
    ({"images": [np.zeros((4, 4))], "boxes": [[]], "titles": ["a", "b"]}, "titles"),
    ({"images": [np.zeros((4, 4))], "boxes": [[]], "ncols": 0}, "ncols"),
])
def test_mined_examples_refuse_by_name(kwargs, name):
    with pytest.raises((ValueError, TypeError), match=name):
        plot_mined_examples(**kwargs)


def _arms():
    return pd.DataFrame({"arm": ["before", "before", "mined", "mined", "control", "control"],
                         "seed": [0, 1] * 3, "wrong blurs": [0.5, 0.6, 0.1, 0.2, 0.4, 0.45],
                         "mAP": [0.7, 0.71, 0.7, 0.69, 0.72, 0.7]}).set_index(["arm", "seed"])


def test_arms_by_seed_panels():
    fig = plot_arms_by_seed(_arms(), ["wrong blurs", "mAP"])
    assert len(fig.axes) == 2
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["before", "mined", "control"]   # index order kept
    assert len(ax.lines) == 2                              # one line per seed
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [0.5, 0.1, 0.4])


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"table": np.zeros((2, 2)), "metrics": ["mAP"]}, "table"),
    ({"table": _arms().reset_index(), "metrics": ["mAP"]}, "table"),
    ({"table": _arms(), "metrics": "mAP"}, "metrics"),
    ({"table": _arms(), "metrics": ["recall"]}, "metrics"),
])
def test_arms_by_seed_refuses_by_name(kwargs, name):
    with pytest.raises((ValueError, TypeError), match=name):
        plot_arms_by_seed(**kwargs)
