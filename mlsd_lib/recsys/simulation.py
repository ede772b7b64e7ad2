"""A simulated user, for the online metrics of source ch. 6 ("Online metrics").

**Everything here is simulated**, clearly labelled as such in the chapter: MovieLens has no
impressions, clicks or watch time. The simulated user looks down the list with a position
bias, clicks an item with a higher probability when it is among the movies they will in
fact rate highly later (their held-out future), watches it to the end more often when it is,
and "likes" it when their real future rating is at least 4.5. Watch time uses the movie's
length in minutes. The rules are stated so a reader can judge how much the numbers mean:
they rank policies by how well they anticipate real future ratings, no more.

Introduced in chapter 6, "Evaluation: online metrics".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_float, check_ids, check_random_state, check_sets


def simulate_online(
    recommended: ArrayLike,
    future_relevant: Sequence[set[int]],
    future_loved: Sequence[set[int]],
    lengths_min: ArrayLike,
    *,
    p_click_relevant: float = 0.5,
    p_click_other: float = 0.05,
    p_complete_relevant: float = 0.7,
    p_complete_other: float = 0.2,
    position_decay: float = 0.85,
    seed: int | np.random.Generator | None = 0,
) -> dict[str, float]:
    """CTR, completed videos, watch time and likes per user for one homepage list each.

    ``recommended`` holds item positions that index ``lengths_min``; ``-1`` is an empty
    slot (a list padded by :func:`~mlsd_lib.recsys.pipeline.recommend_many`): nothing is
    shown there, so it is never clicked, though it still counts in the CTR's denominator.

    Examples
    --------
    >>> out = simulate_online([[0, 1]], [{0}], [{0}], [100, 90], p_click_relevant=1.0,
    ...                       p_click_other=0.0, p_complete_relevant=1.0, position_decay=1.0)
    >>> out["ctr"], out["completed_per_user"], out["watch_min_per_user"], out["likes_per_user"]
    (0.5, 1.0, 100.0, 1.0)
    """
    L = as_array(lengths_min, "lengths_min", ndim=1)
    if (L < 0).any():
        raise ValueError("lengths_min must be non-negative running times in minutes")
    rec = check_ids(recommended, "recommended", len(L), ndim=2, missing=-1, of="entries of lengths_min")
    future_relevant = check_sets(future_relevant, "future_relevant", len(rec))
    future_loved = check_sets(future_loved, "future_loved", len(rec))
    probs = [check_float(p, n, low=0, high=1) for p, n in (
        (p_click_relevant, "p_click_relevant"), (p_click_other, "p_click_other"),
        (p_complete_relevant, "p_complete_relevant"), (p_complete_other, "p_complete_other"),
        (position_decay, "position_decay"))]
    pcr, pco, pdr, pdo, decay = probs
    rng = check_random_state(seed)
    n, k = rec.shape
    is_rel = np.array([[i in future_relevant[u] for i in rec[u]] for u in range(n)])
    is_loved = np.array([[i in future_loved[u] for i in rec[u]] for u in range(n)])
    seen = decay ** np.arange(k)[None, :]
    click = (rng.random((n, k)) < seen * np.where(is_rel, pcr, pco)) & (rec >= 0)
    complete = click & (rng.random((n, k)) < np.where(is_rel, pdr, pdo))
    # A partial view watches a uniform fraction of the movie.
    frac = np.where(complete, 1.0, np.where(click, rng.random((n, k)), 0.0))
    return {
        "ctr": float(click.mean()),
        "completed_per_user": float(complete.sum(1).mean()),
        "watch_min_per_user": float((frac * np.where(rec >= 0, L[rec], 0.0)).sum(1).mean()),
        "likes_per_user": float((complete & is_loved).sum(1).mean()),
    }
