"""The chapter's interactive demo: pick a user or build a new one, move the diversity knob.

Introduced in chapter 6, "Serving: try it".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd


def recommendation_explorer(recommend: Callable[[object, list, float], pd.DataFrame],
                            users: Sequence, movies: Sequence[str], lam: float = 1.0):
    """An ipywidgets panel: a user dropdown, a "new user" multi-select of liked movies and an
    MMR λ slider; the table below shows the recommendations, the generator each came from
    and why.

    ``recommend(user, liked_titles, lam)`` returns the table; when ``liked_titles`` is non-empty
    it describes a new user and ``user`` is ignored. Returns the widget, whose output area
    already holds the initial table: a live kernel redraws it in place, and a headless run (the
    book build) saves it with the widget's state, so callers display the widget only.
    """
    import ipywidgets as W
    from IPython.display import display

    if not users:
        raise ValueError("users is empty; pass at least one user to choose from")
    if not 0 <= lam <= 1:
        raise ValueError(f"lam must be in [0, 1], got {lam}")
    pick = W.Dropdown(options=list(users), description="user")
    liked = W.SelectMultiple(options=list(movies), rows=6, description="new user likes")
    knob = W.FloatSlider(value=lam, min=0.0, max=1.0, step=0.1, description="MMR λ")
    out = W.Output()

    def refresh(_=None) -> None:
        with out:
            out.clear_output(wait=True)
            display(recommend(pick.value, list(liked.value), knob.value))

    for w in (pick, liked, knob):
        w.observe(refresh, names="value")
    refresh()
    return W.VBox([W.HBox([pick, knob]), liked, out])
