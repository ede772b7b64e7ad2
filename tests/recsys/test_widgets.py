"""Unit tests of ``mlsd_lib.recsys.widgets``."""

from __future__ import annotations

import pytest


def test_widget_builds_headless():
    from mlsd_lib.recsys.widgets import recommendation_explorer

    calls = []
    w = recommendation_explorer(lambda u, liked, lam: calls.append((u, liked, lam)) or "table", [1, 2], ["A", "B"], lam=0.5)
    assert calls == [(1, [], 0.5)] and w is not None
    with pytest.raises(ValueError, match="users is empty"):
        recommendation_explorer(lambda *a: None, [], [])
    with pytest.raises(ValueError, match="lam must be in"):
        recommendation_explorer(lambda *a: None, [1], [], lam=2)
