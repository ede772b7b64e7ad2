"""The chapter's interactive demo: a search box and the fusing layer's weight.

Introduced in chapter 4, "Serving".
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd


def search_box(search: Callable[[str, float], pd.DataFrame], query: str = "", weight: float = 0.5):
    """An ipywidgets panel: type a query, move the text-search weight; the table below shows
    each result with its text-search, visual-search and fused scores.

    ``search(query, weight)`` returns the table. Returns the widget, whose output area already
    holds the initial table: a live kernel redraws it in place, and a headless run (the book
    build) saves it with the widget's state, so callers display the widget only.
    """
    import ipywidgets as W
    from IPython.display import display

    if not callable(search):
        raise TypeError("search must be callable: search(query, weight) -> DataFrame")
    if not isinstance(query, str):
        raise TypeError(f"query must be a str, got {type(query).__name__}")
    if not 0 <= weight <= 1:
        raise ValueError(f"weight must be in [0, 1], got {weight}")
    box = W.Text(value=query, description="search", continuous_update=False)
    knob = W.FloatSlider(value=weight, min=0.0, max=1.0, step=0.05, description="text weight")
    out = W.Output()

    def refresh(_=None) -> None:
        with out:
            out.clear_output(wait=True)
            display(search(box.value, knob.value))

    for w in (box, knob):
        w.observe(refresh, names="value")
    refresh()
    return W.VBox([W.HBox([box, knob]), out])
