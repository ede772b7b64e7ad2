"""Figures the chapters share: distributions, curves, confusion matrices, comparisons.

Every function draws on a Matplotlib ``Axes`` it is given (or a new figure) and returns the
figure, so notebooks compose them freely. Introduced in chapter 1.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from mlsd_lib.metrics.classification import (
    average_precision,
    precision_recall_curve,
    roc_auc,
    roc_curve,
)


def _axes(ax, figsize=(5, 3.5)):
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
        return fig, ax
    return ax.figure, ax


def plot_histograms(named_values: Mapping[str, ArrayLike], bins: int = 40, title: str = ""):
    """One histogram per entry, side by side: a feature under several transformations."""
    if not named_values:
        raise ValueError("named_values is empty")
    fig, axes = plt.subplots(1, len(named_values), figsize=(3.1 * len(named_values), 2.6), squeeze=False)
    for i, (ax, (name, values)) in enumerate(zip(axes[0], named_values.items(), strict=True)):
        v = np.asarray(values, dtype=float)
        ax.hist(v[~np.isnan(v)], bins=bins, color=f"C{i}", alpha=0.85)
        ax.set_title(name, fontsize=9)
        ax.set_yticks([])
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def plot_roc_pr(y_true: ArrayLike, scores: Mapping[str, ArrayLike]):
    """ROC and precision–recall curves of several scorers on the same labels."""
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.6))
    base = float(np.mean(y_true))
    for name, s in scores.items():
        fpr, tpr, _ = roc_curve(y_true, s)
        a1.plot(fpr, tpr, label=f"{name} (AUC {roc_auc(y_true, s):.3f})")
        p, r, _ = precision_recall_curve(y_true, s)
        a2.step(np.r_[0, r], np.r_[p[0], p], where="pre", label=f"{name} (AP {average_precision(y_true, s):.3f})")
    a1.plot([0, 1], [0, 1], ls=":", c="grey")
    a2.axhline(base, ls=":", c="grey", label=f"chance ({base:.2f})")
    a1.set(xlabel="false-positive rate", ylabel="true-positive rate", title="ROC")
    a2.set(xlabel="recall", ylabel="precision", title="Precision–recall", ylim=(0, 1.02))
    a1.legend(fontsize=8, loc="lower right")
    a2.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return fig


def plot_confusion(cm: ArrayLike, labels: Sequence[str] = ("good", "bad"), ax=None, title: str = ""):
    """A 2×2 confusion matrix with counts (rows: truth, columns: prediction)."""
    fig, ax = _axes(ax, (3.2, 3))
    m = np.asarray(cm)
    ax.imshow(m, cmap="Blues")
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            ax.text(j, i, f"{m[i, j]:,}", ha="center", va="center",
                    color="white" if m[i, j] > m.max() / 2 else "black", fontsize=11)
    ax.set_xticks(range(len(labels)), [f"pred {x}" for x in labels])
    ax.set_yticks(range(len(labels)), [f"true {x}" for x in labels])
    ax.set_title(title, fontsize=10)
    return fig


def plot_learning_curves(histories: Mapping[str, object], ax=None, title: str = "validation loss"):
    """Training (dashed) and validation (solid) loss per epoch for several runs."""
    fig, ax = _axes(ax, (6, 3.5))
    for i, (name, h) in enumerate(histories.items()):
        ax.plot(h.train_loss, ls="--", c=f"C{i}", alpha=0.6)
        ax.plot(h.val_loss, c=f"C{i}", label=name)
    ax.set(xlabel="epoch", ylabel="loss", title=title)
    ax.legend(fontsize=8)
    return fig


def plot_metric_bars(table: pd.DataFrame, metrics: Sequence[str], ax=None, title: str = "", ylim=None):
    """Grouped bars: one group per row of ``table`` (its index), one bar per metric column."""
    if not isinstance(table, pd.DataFrame):
        raise TypeError("table must be a pandas DataFrame")
    missing = [m for m in metrics if m not in table.columns]
    if missing:
        raise ValueError(f"metrics not in table: {missing}")
    fig, ax = _axes(ax, (7, 3.2))
    width = 0.8 / len(metrics)
    x = np.arange(len(table))
    for j, m in enumerate(metrics):
        bars = ax.bar(x + j * width, table[m].to_numpy(float), width, label=m)
        ax.bar_label(bars, fmt="%.2f", fontsize=7)
    labels = [textwrap.fill(str(name), 14) for name in table.index]
    ax.set_xticks(x + width * (len(metrics) - 1) / 2, labels, fontsize=8)
    ax.set_title(title, fontsize=10)
    if ylim:
        ax.set_ylim(*ylim)
    ax.legend(fontsize=8, ncols=len(metrics))
    return fig


def parse_architecture(spec: str) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """Nodes and edges of an architecture written as text, one edge per line.

    A line reads ``Source -> Target`` or ``Source -> Target : label``; ``[Name]`` marks a data
    store (kind ``"store"``), any other name a component (kind ``"component"``). Blank lines
    and lines starting with ``#`` are skipped. Nodes keep the order they first appear in.

    Introduced in chapter 1, "Serving".

    Examples
    --------
    >>> nodes, edges = parse_architecture("Client -> API : query\\nAPI -> [Index]")
    >>> nodes
    {'Client': 'component', 'API': 'component', 'Index': 'store'}
    >>> edges
    [('Client', 'API', 'query'), ('API', 'Index', '')]
    """
    if not isinstance(spec, str):
        raise TypeError(f"spec must be a string of 'Source -> Target : label' lines, got {type(spec).__name__}")
    nodes: dict[str, str] = {}
    edges: list[tuple[str, str, str]] = []

    def node(token: str, line_no: int) -> str:
        token = token.strip()
        store = token.startswith("[") and token.endswith("]")
        name = token[1:-1].strip() if store else token
        if not name:
            raise ValueError(f"spec line {line_no}: a node name is empty; write 'Source -> Target'")
        nodes.setdefault(name, "store" if store else "component")
        return name

    for line_no, raw in enumerate(spec.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        arrow, _, label = line.partition(":")
        if arrow.count("->") != 1:
            raise ValueError(f"spec line {line_no} ({line!r}) needs exactly one '->', as in 'Source -> Target : label'")
        src, dst = arrow.split("->")
        edges.append((node(src, line_no), node(dst, line_no), label.strip()))
    if not edges:
        raise ValueError("spec has no edges; write one 'Source -> Target' per line")
    return nodes, edges


def _layers(nodes: Sequence[str], edges: Sequence[tuple[str, str, str]]) -> tuple[dict[str, int], set[int]]:
    """Column of each node (longest path from a source) and the edges that close a cycle."""
    out: dict[str, list[tuple[int, str]]] = {n: [] for n in nodes}
    for e, (s, d, _) in enumerate(edges):
        out[s].append((e, d))
    state: dict[str, int] = {}
    back: set[int] = set()

    def visit(n: str) -> None:  # depth-first, in spec order: an edge to an open node is a back edge
        state[n] = 1
        for e, d in out[n]:
            if state.get(d) == 1:
                back.add(e)
            elif d not in state:
                visit(d)
        state[n] = 2

    for n in nodes:
        if n not in state:
            visit(n)
    layer = dict.fromkeys(nodes, 0)
    for _ in nodes:  # longest path over the acyclic edges; len(nodes) rounds always suffice
        for e, (s, d, _) in enumerate(edges):
            if e not in back:
                layer[d] = max(layer[d], layer[s] + 1)
    fed = {d for e, (_, d, _) in enumerate(edges) if e not in back}
    for n in nodes:  # a pure source (a feature store, a log) sits just before what it feeds
        targets = [layer[d] for e, (s, d, _) in enumerate(edges) if s == n and e not in back]
        if n not in fed and targets:
            layer[n] = min(targets) - 1
    return layer, back


def _loop_bend(a: tuple[float, float], b: tuple[float, float]) -> float:
    """arc3 bend of a feedback edge: it rises about 0.35 above the chord whatever its length."""
    return 0.7 / max(1.0, float(np.hypot(b[0] - a[0], b[1] - a[1])))


def architecture_diagram(spec: str, *, title: str | None = None, ax=None):
    """Draw a serving architecture from its text spec (see :func:`parse_architecture`).

    Components are boxes, data stores shaded boxes, laid out left to right by the longest path
    from a source; an edge that closes a loop (a feedback path, e.g. logs back to training) is
    drawn dashed and curved. The picture is rebuilt from the text at every run, so the book keeps
    no image files and the diagram cannot drift from its description.

    Introduced in chapter 1, "Serving".

    Examples
    --------
    >>> fig = architecture_diagram("User -> Service : request\\nService -> [Store]")
    >>> len(fig.axes)
    1
    """
    from matplotlib.patches import FancyArrowPatch

    nodes, edges = parse_architecture(spec)
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a string or None, got {type(title).__name__}")
    layer, back = _layers(list(nodes), edges)
    columns: dict[int, list[str]] = {}
    for n in nodes:
        columns.setdefault(layer[n], []).append(n)
    depth, height = max(columns) + 1, max(len(c) for c in columns.values())
    fig, ax = _axes(ax, figsize=(min(2.3 * depth, 14), max(1.1 * height + 0.6, 2.4)))
    pos = {n: (float(col), (len(names) - 1) / 2 - row) for col, names in columns.items() for row, n in enumerate(names)}
    ax.set_xlim(-0.6, depth - 0.4)
    ax.set_ylim(-(height - 1) / 2 - 0.7, (height - 1) / 2 + (1.1 if back else 0.7))
    ax.axis("off")
    boxes = {}
    for n, kind in nodes.items():
        store = kind == "store"
        boxes[n] = ax.text(*pos[n], textwrap.fill(n, 14), ha="center", va="center", fontsize=8.5, zorder=3,
                           bbox={"boxstyle": "round,pad=0.45" if not store else "round4,pad=0.45",
                                 "fc": "#dfe8f3" if not store else "#ececec", "ec": "#33506e" if not store else "#666"})
    for e, (s, d, label) in enumerate(edges):
        loop = e in back
        arrow = FancyArrowPatch(pos[s], pos[d], patchA=boxes[s].get_bbox_patch(), patchB=boxes[d].get_bbox_patch(),
                                arrowstyle="-|>", mutation_scale=11, lw=1.0, color="#444", zorder=2,
                                linestyle="--" if loop else "-",
                                connectionstyle=f"arc3,rad={_loop_bend(pos[s], pos[d]):.3f}" if loop else "arc3")
        ax.add_patch(arrow)
        if label:
            (x0, y0), (x1, y1) = pos[s], pos[d]
            # the midpoint of matplotlib's arc3 Bezier lies half the bend off the chord
            f = _loop_bend(pos[s], pos[d]) if loop else 0.0
            ax.text((x0 + x1) / 2 + f * (y1 - y0) / 2, (y0 + y1) / 2 - f * (x1 - x0) / 2 + 0.1,
                    textwrap.fill(label, 18), fontsize=7,
                    ha="center", va="bottom", color="#333", zorder=4)
    if title:
        ax.set_title(title, fontsize=10)
    return fig
