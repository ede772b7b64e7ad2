"""Figures of chapter 5: the comparisons its claims rest on, with every seed shown.

Each function takes plain numbers (dicts of per-seed values, effects, DataFrames), checks
them, and returns the Matplotlib figure. Introduced in chapter 5.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from mlsd_lib._validation import as_array, check_sequence
from mlsd_lib.claims.effects import Effect

__all__ = ["plot_seed_comparison", "plot_label_noise", "plot_day_orders"]


def _groups(values, name: str) -> dict[str, dict[str, np.ndarray]]:
    """``{group: {arm: per-seed values}}``, checked: every group names the same arms."""
    if not isinstance(values, Mapping):
        raise TypeError(f"{name} must be a dict of group -> {{arm: per-seed values}}, got {type(values).__name__}")
    if not values:
        raise ValueError(f"{name} is empty; pass at least one group")
    out, arms = {}, None
    for g, by_arm in values.items():
        if not isinstance(by_arm, Mapping) or not by_arm:
            raise TypeError(f"{name}[{g!r}] must be a non-empty dict of arm -> per-seed values")
        out[str(g)] = {str(a): as_array(v, f"{name}[{g!r}][{a!r}]", ndim=(0, 1)).reshape(-1)
                       for a, v in by_arm.items()}
        if arms is None:
            arms = list(out[str(g)])
        elif list(out[str(g)]) != arms:
            raise ValueError(f"{name}: every group must name the same arms in the same order; "
                             f"{g!r} has {list(out[str(g)])}, the first group {arms}")
    return out


def _effects(effects, name: str) -> dict[str, Effect]:
    if not isinstance(effects, Mapping):
        raise TypeError(f"{name} must be a dict of label -> Effect, got {type(effects).__name__}")
    if not effects:
        raise ValueError(f"{name} is empty; pass at least one effect or None")
    for k, e in effects.items():
        if not isinstance(e, Effect):
            raise TypeError(f"{name}[{k!r}] must be an Effect (mlsd_lib.claims.effects), got {type(e).__name__}")
    return {str(k): e for k, e in effects.items()}


def _margin(margin, name: str = "margin") -> float | None:
    if margin is None:
        return None
    if isinstance(margin, bool) or not isinstance(margin, int | float) or not np.isfinite(margin) or margin < 0:
        raise ValueError(f"{name} must be a finite number >= 0 or None, got {margin!r}")
    return float(margin)


def _draw_seeds(ax, groups: dict[str, dict[str, np.ndarray]], metric: str) -> None:
    """Per group, one column of points per arm (each seed) and the mean as a black bar."""
    arms = list(next(iter(groups.values())))
    width = 0.8 / len(arms)
    for j, arm in enumerate(arms):
        for i, by_arm in enumerate(groups.values()):
            v = by_arm[arm]
            x = i + (j - (len(arms) - 1) / 2) * width
            ax.scatter(np.full(len(v), x), v, color=f"C{j}", s=20, alpha=0.7,
                       label=arm if i == 0 else None)
            ax.scatter([x], [v.mean()], marker="_", s=300, c="black", zorder=3,
                       label="mean over seeds" if i == 0 and j == 0 else None)
    ax.set_xticks(range(len(groups)), [textwrap.fill(g, 14) for g in groups], fontsize=8)
    ax.set_ylabel(metric)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7)


def _draw_effects(ax, effects: dict[str, Effect], label: str, margin: float | None) -> None:
    """One row per effect: its mean and interval, against zero and the margin."""
    y = np.arange(len(effects))[::-1]
    for yi, e in zip(y, effects.values(), strict=True):
        if not e.decidable:
            ax.text(0, yi, "not run", ha="center", va="center", fontsize=8, color="grey")
            continue
        ax.errorbar([e.mean], [yi], xerr=[[e.mean - e.low], [e.high - e.mean]], fmt="o", c="black", capsize=4)
    ax.axvline(0, c="grey", lw=0.8)
    if margin:
        for m in (-margin, margin):
            ax.axvline(m, c="tab:red", ls=":", lw=1)
        ax.plot([], [], c="tab:red", ls=":", label=f"margin ±{margin:g}")
        ax.legend(fontsize=7)
    ax.set_yticks(y, [textwrap.fill(k, 18) for k in effects], fontsize=8)
    ax.set_ylim(-0.7, len(effects) - 0.3)
    ax.set_xlabel(label)
    conf = {e.confidence for e in effects.values()}
    ax.set_title(f"{max(conf):.1%} intervals" if len(conf) == 1 else "intervals", fontsize=9)


def plot_seed_comparison(values, effects=None, *, metric: str = "PR-AUC", effect_label: str = "difference",
                         margin: float | None = None, title: str = ""):
    """Two arms compared per group, every seed shown; and, beside it, the effects with intervals.

    ``values`` maps a group (a data size, a class) to ``{arm: per-seed values}``; every group
    names the same arms. ``effects`` (optional) maps a label to an
    :class:`~mlsd_lib.claims.effects.Effect`, drawn as its mean and interval against zero and,
    when given, ``±margin`` (the smallest effect that counts). An effect that could not be
    measured (``decidable=False``) is marked "not run".

    Introduced in chapter 5, "Multi-task learning and the data-poor class" (also focal loss).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from mlsd_lib.claims.effects import effect_over_seeds
    >>> v = {"50 examples": {"multi-task": [0.3, 0.4], "own": [0.2, 0.25]}}
    >>> fig = plot_seed_comparison(v, {"50 examples": effect_over_seeds([0.3, 0.4], [0.2, 0.25])},
    ...                            margin=0.02)
    >>> len(fig.axes)
    2
    """
    groups = _groups(values, "values")
    eff = None if effects is None else _effects(effects, "effects")
    margin = _margin(margin)
    ncols = 1 if eff is None else 2
    fig, axes = plt.subplots(1, ncols, figsize=(4.4 + 3.4 * (ncols - 1), 3.2), squeeze=False,
                             gridspec_kw={"width_ratios": [1.4, 1][:ncols]})
    _draw_seeds(axes[0][0], groups, str(metric))
    if eff is not None:
        _draw_effects(axes[0][1], eff, str(effect_label), margin)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def plot_label_noise(values, noise: Effect, quality: Effect, *, metric: str = "PR-AUC",
                     margin: float | None = None, noise_margin: float | None = None, title: str = ""):
    """Hand against natural labels: per-class quality by seed, the label noise rate, the cost.

    ``values`` maps each class to ``{"hand labels": per-seed values, "natural labels": ...}``
    (any two arm names); ``noise`` is the share of training posts whose natural labels differ
    from the hand labels, ``quality`` the pooled difference in ``metric`` (hand minus natural),
    both :class:`~mlsd_lib.claims.effects.Effect` objects with intervals. ``margin`` and
    ``noise_margin`` (optional) mark the smallest quality cost and noise rate that count.

    Introduced in chapter 5, "Natural labels against hand labels".

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from mlsd_lib.claims.effects import effect_over_seeds
    >>> v = {"spam": {"hand labels": [0.8, 0.82], "natural labels": [0.7, 0.72]}}
    >>> fig = plot_label_noise(v, effect_over_seeds([0.1, 0.12]), effect_over_seeds([0.1, 0.1]))
    >>> len(fig.axes)
    3
    """
    groups = _groups(values, "values")
    for name, e in (("noise", noise), ("quality", quality)):
        if not isinstance(e, Effect):
            raise TypeError(f"{name} must be an Effect (mlsd_lib.claims.effects), got {type(e).__name__}")
    margin = _margin(margin)
    noise_margin = _margin(noise_margin, "noise_margin")
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.2), gridspec_kw={"width_ratios": [2, 0.8, 1.2]})
    _draw_seeds(axes[0], groups, str(metric))
    axes[0].set_title(f"{metric} by class, each training seed", fontsize=9)
    ax = axes[1]
    ax.bar([0], [noise.mean], color="tab:orange", alpha=0.8, width=0.6)
    if noise.decidable:
        ax.errorbar([0], [noise.mean], yerr=[[noise.mean - noise.low], [noise.high - noise.mean]],
                    c="black", capsize=5)
    if noise_margin:
        ax.axhline(noise_margin, c="tab:red", ls=":", lw=1, label=f"margin {noise_margin:g}")
        ax.legend(fontsize=7)
    ax.set_xticks([0], ["natural ≠ hand"], fontsize=8)
    ax.set_xlim(-0.8, 0.8)
    ax.set_ylim(0, max(noise.high, noise.mean, noise_margin or 0, 1e-9) * 1.3)
    ax.set(ylabel="share of training posts", title="label noise")
    ax.title.set_fontsize(9)
    _draw_effects(axes[2], {f"{metric}, hand minus natural": quality}, f"{metric} difference", margin)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def plot_day_orders(days, *, truth: str = "people exposed", metrics=("prevalence", "harmful impressions"),
                    orders=("score", "reach"), title: str = ""):
    """Which order each metric prefers, day by day, against the truth.

    ``days`` has one row per day and two-level columns ``(measure, order)``, as
    ``DataFrame.pivot(index="day", columns="order")`` gives. Each panel plots, per day, the
    change in the truth (second order minus first) against the change in one metric. A day
    agrees (green; the shaded quadrants) when the metric falls exactly when the truth falls,
    or the truth does not change: the count of claim C5.6.

    Introduced in chapter 5, "Online metrics" (harmful impressions or prevalence).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> cols = pd.MultiIndex.from_product([["prevalence", "harmful impressions", "people exposed"],
    ...                                    ["score", "reach"]])
    >>> days = pd.DataFrame([[0.1, 0.1, 9e4, 2e3, 6e4, 1e3], [0.2, 0.1, 5e3, 4e3, 3e3, 2e3]], columns=cols)
    >>> len(plot_day_orders(days).axes)
    2
    """
    if not isinstance(days, pd.DataFrame):
        raise TypeError(f"days must be a pandas DataFrame with (measure, order) columns, got {type(days).__name__}")
    if days.columns.nlevels != 2 or days.empty:
        raise ValueError("days must be a non-empty DataFrame with two-level (measure, order) columns")
    if isinstance(metrics, str):
        raise TypeError("metrics must be a list of measure names, got a single string; wrap it in a list")
    metrics = [str(m) for m in check_sequence(metrics, "metrics")]
    orders = [str(o) for o in check_sequence(orders, "orders")]
    if len(orders) != 2:
        raise ValueError(f"orders must name exactly two orders (first, second), got {orders}")
    if not metrics:
        raise ValueError("metrics is empty; name at least one measure of days")
    for name, wanted in (("truth", [str(truth)]), ("metrics", metrics)):
        for m in wanted:
            for o in orders:
                if (m, o) not in days.columns:
                    raise ValueError(f"{name}: days has no column ({m!r}, {o!r})")

    def change(m):
        a = as_array(days[(m, orders[1])].to_numpy(), f"days[{m!r}]", ndim=1)
        return a - as_array(days[(m, orders[0])].to_numpy(), f"days[{m!r}]", ndim=1)

    t = change(str(truth))
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.3 * len(metrics), 3.4), squeeze=False, sharex=True)
    for ax, m in zip(axes[0], metrics, strict=True):
        d = change(m)
        right = (t == 0) | ((d < 0) == (t < 0))
        xl = np.abs(t).max(initial=0) * 1.15 or 1.0
        yl = np.abs(d).max(initial=0) * 1.15 or 1.0
        ax.fill_between([0, xl], 0, yl, color="tab:green", alpha=0.08, lw=0)
        ax.fill_between([-xl, 0], -yl, 0, color="tab:green", alpha=0.08, lw=0)
        ax.scatter(t[right], d[right], s=18, c="tab:green", label=f"agrees with the truth ({right.sum()} days)")
        ax.scatter(t[~right], d[~right], s=18, c="tab:red", marker="x",
                   label=f"does not ({(~right).sum()} days)")
        ax.axhline(0, c="grey", lw=0.7)
        ax.axvline(0, c="grey", lw=0.7)
        ax.set(xlim=(-xl, xl), ylim=(-yl, yl), xlabel=f"{truth}: {orders[1]} minus {orders[0]}",
               ylabel=f"{m}: {orders[1]} minus {orders[0]}")
        ax.set_title(m, fontsize=9)
        ax.ticklabel_format(style="plain", useOffset=False)
        ax.legend(fontsize=7, loc="best")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
