"""Chapter-5 comparison figures draw from tiny inputs and refuse bad input by name."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from mlsd_lib.claims.effects import effect_over_seeds, insufficient_effect
from mlsd_lib.moderation.viz import plot_day_orders, plot_label_noise, plot_seed_comparison


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


VALUES = {"20 examples": {"multi-task": [0.3, 0.35, 0.4], "own": [0.2, 0.25, 0.3]},
          "60 examples": {"multi-task": [0.5, 0.55, 0.6], "own": [0.5, 0.5, 0.52]}}


def test_seed_comparison_with_effects():
    effects = {"20 examples": effect_over_seeds([0.3, 0.35, 0.4], [0.2, 0.25, 0.3]),
               "60 examples": insufficient_effect([], evidence="draws", needed=3)}
    fig = plot_seed_comparison(VALUES, effects, margin=0.02)
    seeds, eff = fig.axes
    assert [t.get_text() for t in seeds.get_xticklabels()] == ["20 examples", "60 examples"]
    assert "not run" in [t.get_text() for t in eff.texts]          # an undecidable effect is marked
    assert len(plot_seed_comparison(VALUES).axes) == 1               # effects are optional


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"values": [[0.1]]}, "values"),
    ({"values": {}}, "values"),
    ({"values": {"a": {"x": [0.1]}, "b": {"y": [0.2]}}}, "values"),
    ({"values": {"a": {"x": [np.inf]}}}, "values"),
    ({"values": VALUES, "effects": {"a": 0.1}}, "effects"),
    ({"values": VALUES, "margin": -1.0}, "margin"),
])
def test_seed_comparison_refuses_by_name(kwargs, name):
    with pytest.raises((ValueError, TypeError), match=name):
        plot_seed_comparison(**kwargs)


def test_label_noise_three_panels():
    v = {c: {"hand labels": [0.8, 0.82], "natural labels": [0.7, 0.75]} for c in ("spam", "violence")}
    fig = plot_label_noise(v, effect_over_seeds([0.1, 0.12, 0.11]), effect_over_seeds([0.05, 0.07]), margin=0.01,
                           noise_margin=0.05)
    assert len(fig.axes) == 3
    assert len(fig.axes[1].patches) == 1                             # the noise-rate bar


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"values": None}, "values"),
    ({"noise": 0.1}, "noise"),
    ({"quality": "x"}, "quality"),
    ({"noise_margin": float("nan")}, "noise_margin"),
])
def test_label_noise_refuses_by_name(kwargs, name):
    good = {"values": {"spam": {"hand": [0.8], "natural": [0.7]}}, "noise": effect_over_seeds([0.1, 0.1]),
            "quality": effect_over_seeds([0.05, 0.06])}
    with pytest.raises((ValueError, TypeError), match=name):
        plot_label_noise(**{**good, **kwargs})


def _days():
    cols = pd.MultiIndex.from_product([["prevalence", "harmful impressions", "people exposed"], ["score", "reach"]])
    return pd.DataFrame([[0.1, 0.1, 9e4, 2e3, 6e4, 1e3],      # impressions agree, prevalence ties (disagrees)
                         [0.2, 0.1, 5e3, 4e3, 3e3, 2e3],      # both agree
                         [0.1, 0.2, 5e3, 6e3, 3e3, 3e3]],     # the truth ties: both agree
                        columns=cols)


def test_day_orders_counts_agreement():
    fig = plot_day_orders(_days())
    prev, imp = fig.axes
    assert [t.get_text() for t in prev.get_legend().get_texts()] == ["agrees with the truth (2 days)", "does not (1 days)"]
    assert [t.get_text() for t in imp.get_legend().get_texts()][0] == "agrees with the truth (3 days)"


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"days": np.zeros((3, 6))}, "days"),
    ({"days": _days().droplevel(1, axis=1)}, "days"),
    ({"metrics": "prevalence"}, "metrics"),
    ({"metrics": ["reach"]}, "metrics"),
    ({"truth": "users"}, "truth"),
    ({"orders": ("score",)}, "orders"),
])
def test_day_orders_refuses_by_name(kwargs, name):
    with pytest.raises((ValueError, TypeError), match=name):
        plot_day_orders(**{"days": _days(), **kwargs})
