"""Unit tests of ``mlsd_lib.video_search.online``."""

from __future__ import annotations

import numpy as np

from mlsd_lib.video_search.online import simulate_sessions


def test_clickbait_raises_ctr_but_not_completions():
    rel = np.zeros((4000, 10), int)
    plain = simulate_sessions(rel, np.zeros_like(rel), seed=0)
    bait = simulate_sessions(rel, np.ones_like(rel), seed=0)
    assert bait.ctr.mean() > plain.ctr.mean() + 0.3
    assert bait.completions.sum() / bait.clicks.sum() < 0.15
