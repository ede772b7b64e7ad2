"""Online metrics of video search from simulated users (source ch. 4, "Online metrics").

A user examines rank r with probability ``position_decay ** (r - 1)`` (position bias) and
clicks an examined video with a probability that depends on relevance *and* on the title:
a clickbait title draws clicks whether or not the video is what the user wanted. A clicked
relevant video is watched to the end more often than an irrelevant one. CTR, completion rate
and watch time therefore disagree about which system is best, as the source warns.

Introduced in chapter 4, "Evaluation".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_float, check_random_state


def simulate_sessions(relevance: ArrayLike, clickbait: ArrayLike, *, seed: int | np.random.Generator = 0,
                      position_decay: float = 0.85, click_relevant: float = 0.6, click_clickbait: float = 0.3,
                      click_other: float = 0.05, complete_relevant: float = 0.7, complete_other: float = 0.1,
                      video_seconds: float = 60.0) -> pd.DataFrame:
    """Simulate one search session per row of ``relevance`` (queries x displayed ranks).

    ``clickbait`` (same shape, 0/1) marks displayed videos with a clickbait title. Returns one
    row per query: ``ctr`` (1 if any click), ``clicks``, ``completions`` and ``watch_s``.

    Examples
    --------
    >>> s = simulate_sessions([[1, 0, 0], [0, 0, 0]], [[0, 1, 0], [0, 0, 0]], seed=0)
    >>> list(s.columns)
    ['ctr', 'clicks', 'completions', 'watch_s']
    """
    rel = as_array(relevance, "relevance", ndim=2, dtype="bool")
    bait = as_array(clickbait, "clickbait", ndim=2, dtype="bool")
    if rel.shape != bait.shape:
        raise ValueError(f"clickbait {bait.shape} must have the shape of relevance {rel.shape}")
    for name, v in (("position_decay", position_decay), ("click_relevant", click_relevant),
                    ("click_clickbait", click_clickbait), ("click_other", click_other),
                    ("complete_relevant", complete_relevant), ("complete_other", complete_other)):
        check_float(v, name, low=0.0, high=1.0)
    seconds = check_float(video_seconds, "video_seconds", low=0.0, low_open=True)
    rng = check_random_state(seed)
    examine = position_decay ** np.arange(rel.shape[1])[None, :]
    p_click = np.where(rel > 0, click_relevant, np.where(bait > 0, click_clickbait, click_other))
    clicks = rng.random(rel.shape) < examine * p_click
    complete = clicks & (rng.random(rel.shape) < np.where(rel > 0, complete_relevant, complete_other))
    partial = clicks & ~complete
    watched = seconds * (complete + partial * rng.uniform(0.05, 0.5, rel.shape))
    return pd.DataFrame({"ctr": clicks.any(1).astype(float), "clicks": clicks.sum(1),
                         "completions": complete.sum(1), "watch_s": watched.sum(1)})
