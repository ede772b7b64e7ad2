"""Unit tests of ``mlsd_lib.video_search.widgets``."""

from __future__ import annotations

import pandas as pd
import pytest


def test_search_box_refreshes_with_the_query_and_weight():
    from mlsd_lib.video_search.widgets import search_box
    calls = []
    w = search_box(lambda q, wt: calls.append((q, wt)) or pd.DataFrame({"q": [q]}), "red", 0.3)
    box, knob = w.children[0].children
    box.value = "blue coat"
    knob.value = 0.8
    assert calls == [("red", 0.3), ("blue coat", 0.3), ("blue coat", 0.8)]
    with pytest.raises(ValueError, match="weight"):
        search_box(lambda q, wt: None, "", 2.0)
