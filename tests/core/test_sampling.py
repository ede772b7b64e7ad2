"""Unit tests of ``mlsd_lib.sampling``."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st

from mlsd_lib import sampling
from mlsd_lib.data import load_movielens_ratings
from mlsd_lib.sampling import temporal_split_per_user


def test_temporal_split_leaks_nothing_on_movielens():
    from mlsd_lib.data.tabular import load_movielens_ratings

    df, _ = load_movielens_ratings()
    train, test = temporal_split_per_user(df, "userId", "timestamp", 0.2)
    assert len(train) + len(test) == len(df)
    first_test = test.groupby("userId").timestamp.min()
    last_train = train.groupby("userId").timestamp.max().reindex(first_test.index)
    assert (first_test >= last_train).all()
    # and every test user also has training history
    assert set(test.userId) <= set(train.userId)


def test_reservoir_sample_is_uniform():
    counts = Counter()
    for seed in range(3000):
        counts.update(sampling.reservoir_sample(range(20), k=5, seed=seed))
    freq = np.array([counts[i] for i in range(20)]) / 3000
    # Each item is kept with probability k/n = 0.25; a chi-square test must not reject uniformity.
    chi2 = st.chisquare([counts[i] for i in range(20)])
    assert chi2.pvalue > 0.001 and np.abs(freq - 0.25).max() < 0.04


def test_stratified_split_keeps_class_shares():
    y = np.r_[np.zeros(900), np.ones(100)].astype(int)
    tr, te = sampling.train_test_split_indices(1000, 0.2, stratify=y, seed=0)
    assert len(np.intersect1d(tr, te)) == 0 and len(tr) + len(te) == 1000
    assert y[te].mean() == pytest.approx(0.1) and y[tr].mean() == pytest.approx(0.1)


def test_temporal_split_on_movielens_never_tests_the_past():
    ratings, _ = load_movielens_ratings()
    train, test = sampling.temporal_split_per_user(ratings, "userId", "timestamp", 0.2)
    assert len(train) + len(test) == len(ratings)
    first_test = test.groupby("userId")["timestamp"].min()
    last_train = train.groupby("userId")["timestamp"].max().reindex(first_test.index)
    assert (first_test >= last_train).all()
    assert set(test.userId) <= set(train.userId)           # min_train keeps every user in train
    gtrain, gtest = sampling.global_temporal_split(ratings, "timestamp", 0.2)
    assert gtrain.timestamp.max() <= gtest.timestamp.min()


def test_resampling_balances_classes():
    X = np.arange(20, dtype=float).reshape(10, 2)
    y = np.array([0] * 8 + [1] * 2)
    Xo, yo = sampling.random_oversample(X, y, seed=0)
    Xu, yu = sampling.random_undersample(X, y, seed=0)
    assert np.bincount(yo).tolist() == [8, 8] and np.bincount(yu).tolist() == [2, 2]
    assert set(map(tuple, Xo[yo == 1])) == set(map(tuple, X[y == 1]))


def test_oversampling_stops_at_the_ratio_asked():
    X = np.arange(20, dtype=float).reshape(10, 2)
    y = np.array([0] * 8 + [1] * 2)
    assert np.bincount(sampling.random_oversample(X, y, seed=0, ratio=0.5)[1]).tolist() == [8, 4]
    assert np.bincount(sampling.random_oversample(X, y, seed=0, ratio=0.1)[1]).tolist() == [8, 2]   # never shrinks
    with pytest.raises(ValueError, match="ratio"):
        sampling.random_oversample(X, y, seed=0, ratio=1.5)


def test_corrupt_targets_plants_exactly_the_fraction():
    y = np.random.default_rng(0).normal(size=1000)
    yc, mask = sampling.corrupt_targets(y, 0.05, scale=10, seed=1)
    assert mask.sum() == 50 and (yc[~mask] == y[~mask]).all() and (yc[mask] > y[mask] + 9 * y.std()).all()


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: sampling.reservoir_sample(range(3), k=5), ValueError, "fewer than k"),
        (lambda: sampling.reservoir_sample(range(3), k=0), ValueError, "k must be >= 1"),
        (lambda: sampling.train_test_split_indices(10, 1.5), ValueError, "test_fraction must be <"),
        (lambda: sampling.train_test_split_indices(10, 0.2, stratify=[0, 1]), ValueError, "n=10"),
        (lambda: sampling.temporal_split_per_user(pd.DataFrame({"u": [1]}), "u", "t"), ValueError, "time_col"),
        (lambda: sampling.temporal_split_per_user([1], "u", "t"), TypeError, "DataFrame"),
        (lambda: sampling.random_oversample([[1.0], [2.0]], [0, 0]), ValueError, "one class only"),
        (lambda: sampling.random_oversample([[1.0]], [0, 1]), ValueError, "same length"),
        (lambda: sampling.corrupt_targets([1.0, 2.0], 2.0), ValueError, "fraction must be <= 1"),
        (lambda: list(sampling.batches(10, 0)), ValueError, "batch_size must be >= 1"),
        (lambda: sampling.reservoir_sample(range(3), 1, seed=-1), ValueError, "non-negative"),
    ],
)
def test_sampling_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
