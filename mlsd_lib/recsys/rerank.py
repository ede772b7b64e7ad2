"""Re-ranking (source ch. 6, "Re-ranking"): filters, freshness, de-duplication and MMR.

Introduced in chapter 6, "Serving: re-ranking".
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_float, check_ids, check_int
from mlsd_lib.vectors import normalize_rows


def _unit(X: np.ndarray) -> np.ndarray:
    return normalize_rows(X, "item_vectors", zero_rows="keep")


def filter_blocked(candidates: ArrayLike, blocked: ArrayLike) -> np.ndarray:
    """Boolean mask of candidates that may be shown (``blocked[item]`` False), e.g. region rights.

    Examples
    --------
    >>> filter_blocked([0, 2, 1], blocked=[False, True, False]).tolist()
    [True, True, False]
    """
    b = as_array(blocked, "blocked", ndim=1, dtype="bool")
    c = check_ids(candidates, "candidates", len(b), allow_empty=True, of="entries of blocked")
    return ~b[c].astype(bool)


def freshness_boost(scores: ArrayLike, age_years: ArrayLike, weight: float = 0.1, half_life: float = 5.0) -> np.ndarray:
    """Add ``weight * 0.5 ** (age / half_life)`` to each score: newer videos float up.

    Examples
    --------
    >>> freshness_boost([1.0, 1.0], age_years=[0, 5], weight=0.2).tolist()
    [1.2, 1.1]
    """
    s = as_array(scores, "scores", ndim=1, allow_empty=True)
    a = as_array(age_years, "age_years", ndim=1, allow_empty=True)
    if len(s) != len(a):
        raise ValueError(f"scores ({len(s)}) and age_years ({len(a)}) must have the same length")
    weight = check_float(weight, "weight", low=0)
    half_life = check_float(half_life, "half_life", low=0, low_open=True)
    return s + weight * 0.5 ** (np.maximum(a, 0) / half_life)


def dedupe(candidates: ArrayLike, item_vectors: ArrayLike, threshold: float = 0.95) -> np.ndarray:
    """Mask that keeps each candidate unless it is a near-duplicate (cosine >= ``threshold``)
    of an earlier, kept one; pass candidates best first.

    Examples
    --------
    >>> V = np.array([[1.0, 0.0], [0.99, 0.01], [0.0, 1.0]])
    >>> dedupe([0, 1, 2], V).tolist()
    [True, False, True]
    """
    V = _unit(as_array(item_vectors, "item_vectors", ndim=2))
    c = check_ids(candidates, "candidates", len(V), allow_empty=True, of="rows of item_vectors")
    threshold = check_float(threshold, "threshold", low=-1, high=1)
    keep = np.ones(len(c), bool)
    if len(c) == 0:
        return keep
    S = V[c] @ V[c].T
    for j in range(1, len(c)):
        if (S[j, :j][keep[:j]] >= threshold).any():
            keep[j] = False
    return keep


def mmr(candidates: ArrayLike, scores: ArrayLike, item_vectors: ArrayLike, k: int, lam: float = 0.7) -> np.ndarray:
    """Maximal marginal relevance (Carbonell & Goldstein 1998): greedily pick the item with the
    best ``lam * relevance - (1 - lam) * max cosine similarity to the items already picked``.

    ``lam = 1`` is the plain relevance order; smaller ``lam`` trades relevance for diversity.
    Relevance is min-max scaled to [0, 1] so that ``lam`` means the same for any scorer.

    Examples
    --------
    >>> V = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    >>> mmr([0, 1, 2], [0.9, 0.8, 0.1], V, k=2, lam=1.0).tolist()
    [0, 1]
    >>> mmr([0, 1, 2], [0.9, 0.8, 0.1], V, k=2, lam=0.5).tolist()
    [0, 2]
    """
    vec = as_array(item_vectors, "item_vectors", ndim=2)
    c = check_ids(candidates, "candidates", len(vec), of="rows of item_vectors")
    s = as_array(scores, "scores", ndim=1)
    if len(c) != len(s):
        raise ValueError(f"candidates ({len(c)}) and scores ({len(s)}) must have the same length")
    k = check_int(k, "k", low=1)
    lam = check_float(lam, "lam", low=0, high=1)
    V = _unit(vec[c])
    span = s.max() - s.min()
    rel = (s - s.min()) / span if span > 0 else np.zeros_like(s)
    chosen: list[int] = []
    max_sim = np.full(len(c), -np.inf)
    free = np.ones(len(c), bool)
    for _ in range(min(k, len(c))):
        penalty = np.where(np.isfinite(max_sim), max_sim, 0.0)
        value = np.where(free, lam * rel - (1 - lam) * penalty, -np.inf)
        j = int(np.argmax(value))
        chosen.append(j)
        free[j] = False
        max_sim = np.maximum(max_sim, V @ V[j])
    return c[chosen]
