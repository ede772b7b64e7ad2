"""Feature engineering: scalers and the encoder against scikit-learn, bucketing, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, StandardScaler

from mlsd_lib.data import load_credit_data
from mlsd_lib.tabular import features


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


def test_encoder_imputes_with_training_statistics_only():
    train = pd.DataFrame({"x": [1.0, 2.0, 100.0, None], "c": ["a", "a", "b", None]})
    test = pd.DataFrame({"x": [None], "c": [None]})
    enc = features.tabular_encoder(["x"], ["c"]).fit(train)
    x_scaled = (2.0 - np.mean([1.0, 2.0, 100.0, 2.0])) / np.std([1.0, 2.0, 100.0, 2.0])
    np.testing.assert_allclose(enc.transform(test), [[x_scaled, 1.0, 0.0]])   # median 2, mode "a"
    mean = features.tabular_encoder(["x"], impute="mean").fit(train)
    assert mean.named_transformers_["num"][0].statistics_[0] == pytest.approx(103 / 3)


def test_tabular_encoder_matches_sklearn_onehot_and_handles_unseen():
    df, _ = load_credit_data()
    enc = features.tabular_encoder(["Age", "Income"], ["Home", "Job"]).fit(df.iloc[:3000])
    X = enc.transform(df.iloc[3000:])
    filled = df[["Home", "Job"]].fillna(df.iloc[:3000][["Home", "Job"]].mode().iloc[0])
    ref = OneHotEncoder(sparse_output=False).fit(filled.iloc[:3000].astype(str)).transform(filled.iloc[3000:].astype(str))
    np.testing.assert_array_equal(X[:, 2:], ref)
    assert not np.isnan(X).any()
    unseen = df.iloc[:2].assign(Home="castle")
    n_home = features.cardinalities(enc)[0]
    assert enc.transform(unseen)[:, 2:2 + n_home].sum() == 0
    codes_enc = features.tabular_encoder([], ["Home"], encoding="codes").fit(df)
    codes = codes_enc.transform(unseen)
    mode_code = sorted(df["Home"].dropna().unique()).index(df["Home"].mode()[0])
    assert codes.shape == (2, 1) and (codes == mode_code).all()      # unseen -> the most frequent


def test_encoder_reads_categories_as_text_and_fit_transform_is_fit_then_transform():
    df = pd.DataFrame({"x": [1.0, None, 3.0, 4.0, 5.0],
                       "c": pd.array(["a", pd.NA, "b", "b", None], dtype="string"),
                       "k": [1, 2, 2, None, 1.0]})
    for encoding in ("onehot", "integer", "codes"):
        X = features.tabular_encoder(["x"], ["c", "k"], encoding=encoding).fit_transform(df)
        np.testing.assert_array_equal(X, features.tabular_encoder(["x"], ["c", "k"], encoding=encoding).fit(df).transform(df))
    enc = features.tabular_encoder([], ["c", "k"]).fit(df)
    # pd.NA and None both count as missing and get the mode, "b"; the numbers become the text "1.0"/"2.0"
    assert enc.get_feature_names_out().tolist() == ["c_a", "c_b", "k_1.0", "k_2.0"]
    assert enc.transform(df)[[1, 4], :2].tolist() == [[0.0, 1.0], [0.0, 1.0]]


def test_integer_encoding_is_one_column_per_category():
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0], "c": ["a", "b", "c"]})
    enc = features.tabular_encoder(["x"], ["c"], encoding="integer").fit(df)
    assert enc.get_feature_names_out().tolist() == ["x", "c"] and enc.transform(df).shape == (3, 2)


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
        (lambda: features.tabular_encoder(["a"], impute="max"), ValueError, "impute must be one of"),
        (lambda: features.tabular_encoder(["a"], encoding="bag"), ValueError, "encoding must be one of"),
        (lambda: features.tabular_encoder("a"), TypeError, "numeric must be a list of column names"),
        (lambda: features.tabular_encoder([1]), TypeError, "column names"),
        (lambda: features.tabular_encoder(["a"], log_columns=["b"]), ValueError, "subset of numeric"),
        (lambda: features.tabular_encoder([]), ValueError, "at least one numeric or categorical"),
        (lambda: features.cardinalities(features.tabular_encoder(["a"])), TypeError, "call .fit"),
        (lambda: features.data_type_inventory([1, 2]), TypeError, "DataFrame"),
        (lambda: features.skewness([1.0, 2.0]), ValueError, "at least 3"),
    ],
)
def test_feature_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
