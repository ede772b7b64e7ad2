"""Feature engineering and dataset construction: values against references, and errors."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, StandardScaler

from mlsd_lib import features, sampling
from mlsd_lib.data import load_credit_data, load_movielens_ratings


def test_scalers_match_sklearn():
    x = np.random.default_rng(0).lognormal(size=(200, 3))
    np.testing.assert_allclose(features.min_max_scale(x), MinMaxScaler().fit_transform(x))
    np.testing.assert_allclose(features.standardize(x), StandardScaler().fit_transform(x))
    np.testing.assert_allclose(features.log_scale(x), np.log1p(x))
    assert features.skewness(x[:, 0]) == pytest.approx(st.skew(x[:, 0]))


def test_bucketize_reproduces_table_1_3():
    assert features.bucketize([0, 9, 10, 19, 20, 39, 40, 59, 60, 99]).tolist() == [
        "0-9", "0-9", "10-19", "10-19", "20-39", "20-39", "40-59", "40-59", "60+", "60+"]
    assert features.bucketize([15], edges=[0, 10, 20], labels=None).tolist() == [1]


def test_imputer_learns_on_train_only():
    train = pd.DataFrame({"x": [1.0, 2.0, 100.0, None], "c": ["a", "a", "b", None]})
    test = pd.DataFrame({"x": [None], "c": [None]})
    out = features.Imputer("median").fit(train).transform(test)
    assert out.loc[0, "x"] == 2.0 and out.loc[0, "c"] == "a"
    assert features.Imputer("mean").fit(train).transform(test).loc[0, "x"] == pytest.approx(103 / 3)


def test_tabular_encoder_matches_sklearn_onehot_and_handles_unseen():
    df, _ = load_credit_data()
    enc = features.TabularEncoder(["Age", "Income"], ["Home", "Job"]).fit(df.iloc[:3000])
    X = enc.transform(df.iloc[3000:])
    filled = df[["Home", "Job"]].fillna(df.iloc[:3000][["Home", "Job"]].mode().iloc[0])
    ref = OneHotEncoder(sparse_output=False).fit(filled.iloc[:3000].astype(str)).transform(filled.iloc[3000:].astype(str))
    np.testing.assert_array_equal(X[:, 2:], ref)
    assert X.dtype == np.float32 and not np.isnan(X).any()
    unseen = df.iloc[:2].assign(Home="castle")
    assert enc.transform(unseen)[:, 2:2 + len(enc.categories_["Home"])].sum() == 0
    codes = features.TabularEncoder(["Age"], ["Home"], encoding="codes").fit(df).transform_codes(unseen)
    assert codes.shape == (2, 1) and codes.max() < len(df["Home"].dropna().unique())


def test_integer_encoding_is_one_column_per_category():
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0], "c": ["a", "b", "c"]})
    enc = features.TabularEncoder(["x"], ["c"], encoding="integer").fit(df)
    assert enc.feature_names_ == ["x", "c"] and enc.transform(df).shape == (3, 2)


def test_data_type_inventory_on_credit_data():
    df, _ = load_credit_data()
    inv = features.data_type_inventory(df.drop(columns="Status")).set_index("column")
    assert inv.loc["Home", "ml_type"] == "categorical, nominal"
    assert inv.loc["Age", "ml_type"] == "numeric, discrete"
    assert inv.loc["Income", "missing"] == 381


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: features.min_max_scale([1.0, 1.0]), ValueError, "constant"),
        (lambda: features.log_scale([-2.0]), ValueError, "x \\+ offset > 0"),
        (lambda: features.bucketize([-1]), ValueError, "outside"),
        (lambda: features.bucketize([1], edges=[0, 5, 3]), ValueError, "strictly increasing"),
        (lambda: features.Imputer("max").fit(pd.DataFrame({"a": [1]})), ValueError, "strategy must be one of"),
        (lambda: features.Imputer().transform(pd.DataFrame({"a": [1]})), ValueError, "not fitted"),
        (lambda: features.Imputer().fit(pd.DataFrame({"a": [None]})), ValueError, "entirely missing"),
        (lambda: features.TabularEncoder(["nope"]).fit(pd.DataFrame({"a": [1]})), ValueError, "not in the frame"),
        (lambda: features.TabularEncoder("a").fit(pd.DataFrame({"a": [1]})), TypeError, "not a string"),
        (lambda: features.data_type_inventory([1, 2]), TypeError, "DataFrame"),
        (lambda: features.skewness([1.0, 2.0]), ValueError, "at least 3"),
    ],
)
def test_feature_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


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
