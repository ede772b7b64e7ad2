"""Dataset construction: sampling strategies, splits and class rebalancing (source ch. 1,
"Model development: constructing the dataset", Figs. 1.15-1.18).

Introduced in chapter 1, "Model development"; chapter 6 reuses ``temporal_split_per_user``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator
from typing import TypeVar

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from mlsd_lib._validation import (
    as_array,
    check_float,
    check_int,
    check_random_state,
    check_same_length,
)

T = TypeVar("T")


def reservoir_sample(stream: Iterable[T], k: int, seed: int | np.random.Generator | None = None) -> list[T]:
    """Uniform sample of ``k`` items from a stream of unknown length, in one pass.

    Each item of the stream ends up in the sample with probability ``k / n`` while only
    ``k`` items are ever held in memory. Vitter's algorithm R draws a random number for
    every item; this is Li's algorithm L (1994), which draws how many items to *skip* before
    the next replacement, so the random draws number about ``k log(n / k)`` instead of ``n``
    and the skipped items are consumed without Python-level work.

    Examples
    --------
    >>> len(reservoir_sample(range(10_000), k=5, seed=0))
    5
    """
    k = check_int(k, "k", low=1)
    if stream is None or isinstance(stream, str | bytes) or not hasattr(stream, "__iter__"):
        raise TypeError(f"stream must be an iterable of items, got {type(stream).__name__}")
    rng = check_random_state(seed)
    it = iter(stream)
    reservoir: list[T] = list(itertools.islice(it, k))
    if len(reservoir) < k:
        raise ValueError(f"the stream held {len(reservoir)} items, fewer than k={k}")
    # W is the largest of k uniform keys kept so far; the gap to the next item whose key beats
    # it is geometric with success probability W, which one log-uniform draw gives directly
    w = math.exp(math.log(1.0 - rng.random()) / k)
    missing = object()
    while True:
        skip = math.floor(math.log(1.0 - rng.random()) / math.log1p(-w)) if w < 1.0 else 0
        item = next(itertools.islice(it, skip, None), missing)
        if item is missing:
            return reservoir
        reservoir[int(rng.integers(k))] = item
        w *= math.exp(math.log(1.0 - rng.random()) / k)


def train_test_split_indices(
    n: int,
    test_fraction: float = 0.2,
    *,
    stratify: ArrayLike | None = None,
    seed: int | np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Random (optionally stratified) split of ``range(n)`` into sorted train and test indices.

    Stratifying keeps each class's share equal in both parts, which matters for a rare class.
    The split is scikit-learn's ``train_test_split``; this wrapper returns positions and
    explains its errors in the book's terms.

    Examples
    --------
    >>> tr, te = train_test_split_indices(10, 0.3, seed=0)
    >>> len(tr), len(te)
    (7, 3)
    """
    from sklearn.model_selection import train_test_split

    n = check_int(n, "n", low=2)
    test_fraction = check_float(test_fraction, "test_fraction", low=0, high=1, low_open=True, high_open=True)
    n_test = int(np.ceil(n * test_fraction))
    if n_test >= n:
        raise ValueError(f"test_fraction={test_fraction} leaves no training row out of n={n}; lower it")
    labels = None
    if stratify is not None:
        labels = as_array(stratify, "stratify", ndim=1, dtype="any")
        if len(labels) != n:
            raise ValueError(f"stratify must have n={n} entries, got {len(labels)}")
        _, counts = np.unique(labels, return_counts=True)
        if counts.min() < 2:
            raise ValueError("stratify has a class with a single row, which cannot be on both sides; "
                             "merge rare classes or split without stratify")
        if n_test < len(counts) or n - n_test < len(counts):
            raise ValueError(f"stratify has {len(counts)} classes but the split gives {n_test} test and "
                             f"{n - n_test} training rows; each side needs one row per class")
    if seed is None or isinstance(seed, np.random.Generator):
        state = int(check_random_state(seed).integers(2**31))
    else:
        state = check_int(seed, "seed", low=0)
    train, test = train_test_split(np.arange(n), test_size=test_fraction, stratify=labels, random_state=state)
    return np.sort(train), np.sort(test)


def temporal_split_per_user(
    df: pd.DataFrame,
    user_col: str = "userId",
    time_col: str = "timestamp",
    test_fraction: float = 0.2,
    min_train: int = 1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split each user's interactions by time: the earliest go to train, the latest to test.

    No test interaction of a user precedes any of that user's training interactions, so the
    model never trains on its own future. Users with fewer than ``min_train + 1``
    interactions stay entirely in train.

    Examples
    --------
    >>> df = pd.DataFrame({"userId": [1, 1, 1, 1, 1], "timestamp": [5, 1, 4, 2, 3]})
    >>> tr, te = temporal_split_per_user(df, test_fraction=0.4)
    >>> sorted(tr.timestamp), sorted(te.timestamp)
    ([1, 2, 3], [4, 5])
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    for col, name in ((user_col, "user_col"), (time_col, "time_col")):
        if col not in df.columns:
            raise ValueError(f"{name}={col!r} is not a column of df (columns: {list(df.columns)})")
    if df.empty:
        raise ValueError("df is empty")
    test_fraction = check_float(test_fraction, "test_fraction", low=0, high=1, low_open=True, high_open=True)
    min_train = check_int(min_train, "min_train", low=1)
    # Stable sort on (user, time, original order) makes ties deterministic.
    ordered = df.sort_values([user_col, time_col], kind="mergesort")
    rank = ordered.groupby(user_col, sort=False).cumcount()
    size = ordered.groupby(user_col, sort=False)[time_col].transform("size")
    n_test = np.floor(size * test_fraction).astype(int)
    n_test = np.where(size - n_test < min_train, np.maximum(size - min_train, 0), n_test)
    is_test = rank >= (size - n_test)
    return ordered[~is_test].sort_index(), ordered[is_test].sort_index()


def global_temporal_split(
    df: pd.DataFrame, time_col: str = "timestamp", test_fraction: float = 0.2
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split at one cut-off time: everything before it is train, everything after is test.

    This is how a model meets production: trained on the past, served on the future.

    Examples
    --------
    >>> df = pd.DataFrame({"timestamp": [3, 1, 2, 4]})
    >>> tr, te = global_temporal_split(df, test_fraction=0.25)
    >>> sorted(tr.timestamp), sorted(te.timestamp)
    ([1, 2, 3], [4])
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    if time_col not in df.columns:
        raise ValueError(f"time_col={time_col!r} is not a column of df")
    if df.empty:
        raise ValueError("df is empty")
    test_fraction = check_float(test_fraction, "test_fraction", low=0, high=1, low_open=True, high_open=True)
    order = np.argsort(df[time_col].to_numpy(), kind="mergesort")
    n_test = max(1, round(len(df) * test_fraction))
    test_pos = order[len(df) - n_test:]
    mask = np.zeros(len(df), dtype=bool)
    mask[test_pos] = True
    return df[~mask], df[mask]


def random_oversample(
    X: ArrayLike, y: ArrayLike, seed: int | np.random.Generator | None = None, ratio: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Duplicate random minority-class rows until both classes are equally frequent (Fig. 1.17).

    ``ratio`` < 1 stops earlier: the minority class grows to ``ratio`` times the majority's
    count (never below its own).

    Examples
    --------
    >>> Xr, yr = random_oversample([[0], [1], [2], [3]], [0, 0, 0, 1], seed=0)
    >>> int(yr.sum()), len(yr)
    (3, 6)
    >>> Xr, yr = random_oversample([[0]] * 8 + [[1]] * 2, [0] * 8 + [1] * 2, seed=0, ratio=0.5)
    >>> int(yr.sum()), len(yr)
    (4, 12)
    """
    Xa, ya = _xy(X, y)
    rng = check_random_state(seed)
    ratio = check_float(ratio, "ratio", low=0, low_open=True, high=1)
    minority = int(np.argmin(np.bincount(ya, minlength=2)))
    idx_min = np.flatnonzero(ya == minority)
    idx_maj = np.flatnonzero(ya != minority)
    extra = rng.choice(idx_min, size=max(int(round(ratio * len(idx_maj))) - len(idx_min), 0), replace=True)
    keep = np.concatenate([np.arange(len(ya)), extra])
    return Xa[keep], ya[keep]


def random_undersample(
    X: ArrayLike, y: ArrayLike, seed: int | np.random.Generator | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Drop random majority-class rows until both classes are equally frequent (Fig. 1.18).

    Examples
    --------
    >>> Xr, yr = random_undersample([[0], [1], [2], [3]], [0, 0, 0, 1], seed=0)
    >>> int(yr.sum()), len(yr)
    (1, 2)
    """
    Xa, ya = _xy(X, y)
    rng = check_random_state(seed)
    minority = int(np.argmin(np.bincount(ya, minlength=2)))
    idx_min = np.flatnonzero(ya == minority)
    idx_maj = rng.choice(np.flatnonzero(ya != minority), size=len(idx_min), replace=False)
    keep = np.sort(np.concatenate([idx_min, idx_maj]))
    return Xa[keep], ya[keep]


def corrupt_targets(
    y: ArrayLike, fraction: float, scale: float = 10.0, seed: int | np.random.Generator | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Replace a ``fraction`` of regression targets by gross outliers (planted ground truth).

    Chosen targets become ``y + scale * std(y) * u`` with ``u`` uniform in [1, 2]: large,
    one-sided errors such as unit mix-ups or data-entry slips. Returns the corrupted targets
    and the boolean mask of the corrupted rows.

    Examples
    --------
    >>> yc, mask = corrupt_targets(np.arange(100.0), 0.05, seed=0)
    >>> int(mask.sum())
    5
    """
    ya = as_array(y, "y", ndim=1)
    fraction = check_float(fraction, "fraction", low=0, high=1)
    scale = check_float(scale, "scale", low=0)
    rng = check_random_state(seed)
    n_bad = round(len(ya) * fraction)
    mask = np.zeros(len(ya), dtype=bool)
    mask[rng.choice(len(ya), size=n_bad, replace=False)] = True
    out = ya.copy()
    out[mask] += scale * ya.std() * rng.uniform(1, 2, size=n_bad)
    return out, mask


def batches(n: int, batch_size: int, seed: int | np.random.Generator | None = None) -> Iterator[np.ndarray]:
    """Shuffled mini-batch index arrays covering ``range(n)`` once (one epoch).

    Examples
    --------
    >>> [len(b) for b in batches(10, 4, seed=0)]
    [4, 4, 2]
    """
    n = check_int(n, "n", low=1)
    batch_size = check_int(batch_size, "batch_size", low=1)
    perm = check_random_state(seed).permutation(n)
    for start in range(0, n, batch_size):
        yield perm[start:start + batch_size]


def _xy(X: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    Xa = as_array(X, "X", ndim=2)
    ya = as_array(y, "y", ndim=1, dtype="bool")
    check_same_length(X=Xa, y=ya)
    if len(np.unique(ya)) < 2:
        raise ValueError("y holds one class only; resampling needs both classes")
    return Xa, ya
