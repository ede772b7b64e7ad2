"""Unit tests of ``mlsd_lib.video_search.viz``."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from mlsd_lib.video_search.viz import plot_duplicate_rules


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


RULES = {"nearest": {"embedding": [0.99999, 0.9999, 0.999], "fingerprint": [0.3, 0.5, 0.9]},
         "bars": {"embedding": 0.995, "fingerprint": 0.98},
         "shown": {"embedding": [6, 7, 10], "fingerprint": [10, 10, 10]}, "k": 10}


def test_each_rule_keeps_its_colour_and_its_bar_in_both_panels():
    fig = plot_duplicate_rules(**RULES, copies={"re-encoded copy": [0.999, 0.99]})
    left, right = fig.axes
    labels = left.get_legend_handles_labels()[1]
    assert labels[:3] == ["nearest other item, embedding", "nearest other item, fingerprint", "re-encoded copy"]
    assert labels[3:] == ["embedding bar 0.995", "fingerprint bar 0.98"]
    assert [round(line.get_xdata()[0], 3) for line in left.lines] == [0.005, 0.02]
    bars = right.containers
    assert [c.patches[0].get_facecolor() for c in bars] == [
        matplotlib.colors.to_rgba(line.get_color()) for line in left.lines]
    # the fingerprint rule showed all 10 results for all three queries
    assert bars[1].patches[10].get_height() == 3 and bars[0].patches[6].get_height() == 1


@pytest.mark.parametrize(("change", "message"), [
    ({"bars": {"fingerprint": 0.98, "embedding": 0.995}}, "same rules in the same order"),
    ({"shown": {"embedding": [11, 0, 0], "fingerprint": [10, 10, 10]}}, r"shown\['embedding'\] must hold whole counts"),
    ({"k": 0}, "k must be >= 1"),
    ({"nearest": {}}, "nearest is empty"),
    ({"bars": {"embedding": 2.0, "fingerprint": 0.98}}, r"bars\['embedding'\] must be <= 1"),
])
def test_bad_input_is_refused_by_name(change, message):
    with pytest.raises(ValueError, match=message):
        plot_duplicate_rules(**{**RULES, **change})
