"""Property tests of the tabular and production modules: features, sampling, monitoring,
experiments, model selection, losses, training, serving, the rating baseline, runtime, data
loaders and the shared validators (the contract of tests/contracts/_contract.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from contracts._contract import (
    FINITE,
    UNIT,
    Case,
    binary_labels,
    finite_array,
    finite_dict,
    finite_float,
    floats_array,
    int_array,
    probability,
)
from hypothesis import strategies as st

from mlsd_lib import _validation as V
from mlsd_lib import batch as BA
from mlsd_lib import experiments as E
from mlsd_lib import losses as L
from mlsd_lib import monitoring as M
from mlsd_lib import runtime as RT
from mlsd_lib import sampling as S
from mlsd_lib import serving as SV
from mlsd_lib import training as T
from mlsd_lib import vectors as VEC
from mlsd_lib.data import fashion_mnist as FM
from mlsd_lib.data import provenance as PV
from mlsd_lib.data import shipped as SH
from mlsd_lib.data import tabular as TB
from mlsd_lib.data import text_encoder as TE
from mlsd_lib.recsys import rating_baseline as RB
from mlsd_lib.tabular import features as F
from mlsd_lib.tabular import model_selection as MS

# ------------------------------------------------------------------------------ strategies


@st.composite
def frames(draw, min_rows: int = 2, missing: bool = True):
    n = draw(st.integers(min_rows, 12))
    x = draw(floats_array(n, -100, 100))
    c = np.array(draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=n, max_size=n)), dtype=object)
    if missing and n > 2:
        x[draw(st.integers(1, n - 1))] = np.nan
        c[draw(st.integers(1, n - 1))] = None
    return pd.DataFrame({"x": x, "c": c, "k": np.arange(n) % 3})


@st.composite
def vector(draw, lo=-100.0, hi=100.0, min_size=1):
    return draw(floats_array(draw(st.integers(min_size, 20)), lo, hi))


@st.composite
def spread_vector(draw, min_size=2):
    """A 1-D array that is not constant."""
    x = draw(vector(min_size=min_size))
    x[0], x[-1] = -1.0, 1.0
    return x


@st.composite
def xy(draw, n_min: int = 4):
    n = draw(st.integers(n_min, 16))
    return {"X": draw(floats_array((n, 2), -3, 3)), "y": draw(binary_labels(n))}


@st.composite
def ratings(draw):
    n = draw(st.integers(2, 15))
    return pd.DataFrame({"userId": draw(int_array(n, 1, 4)), "movieId": draw(int_array(n, 10, 14)),
                         "rating": draw(st.lists(st.sampled_from([0.5, 2.0, 3.5, 5.0]), min_size=n, max_size=n)),
                         "timestamp": draw(int_array(n, 0, 10**6))})


def tensors(n_min=1, n_max=12, lo=-20.0, hi=20.0):
    return st.integers(n_min, n_max).flatmap(
        lambda n: floats_array(n, lo, hi).map(lambda a: torch.tensor(a, dtype=torch.float32)))


def is_frame(r, kw=None):
    assert isinstance(r, pd.DataFrame)


# ----------------------------------------------------------------------------- validators


def ids_case():
    return st.integers(1, 10).flatmap(
        lambda n: int_array(3, 0, n - 1).map(lambda ids: {"ids": ids, "name": "items", "size": n}))


VALIDATORS = [
    Case(V.as_array, vector().map(lambda x: {"x": x, "name": "x", "ndim": 1}), lambda r, kw: finite_array(r),
         {"x": "array"}),
    Case(V.check_same_length, vector().map(lambda x: {"a": x, "b": x}), lambda r, kw: None),
    Case(V.check_int, st.integers(0, 9).map(lambda v: {"value": v, "name": "n", "low": 0}),
         lambda r, kw: None, {"value": ("int", "n")}, no_sweep=("low",)),
    Case(V.check_float, FINITE.map(lambda v: {"value": v, "name": "t"}), lambda r, kw: finite_float(r),
         {"value": ("float", "t")}),
    Case(V.check_k, st.integers(1, 9).map(lambda v: {"k": v}), lambda r, kw: None, {"k": "count"}),
    Case(V.check_choice, st.sampled_from(["a", "b"]).map(lambda v: {"value": v, "name": "opt", "choices": ("a", "b")}),
         lambda r, kw: None, {"value": ("choice", "opt")}),
    Case(V.check_random_state, st.integers(0, 9).map(lambda v: {"seed": v}),
         lambda r, kw: isinstance(r, np.random.Generator), {"seed": "seed"}),
    Case(V.check_ids, ids_case(), lambda r, kw: finite_array(r, 0, kw["size"] - 1), {"ids": ("ids", "items")}),
    Case(V.check_probability, UNIT.map(lambda p: {"p": p, "name": "p"}), lambda r, kw: probability(r),
         {"p": "prob"}),
    Case(V.check_positive, st.floats(1e-3, 1e3).map(lambda v: {"value": v, "name": "lr"}),
         lambda r, kw: finite_float(r, 0), {"value": ("pos", "lr")}),
    Case(V.check_finite, vector().map(lambda x: {"x": x, "name": "x"}), lambda r, kw: None),
    Case(V.check_sets, st.lists(st.sets(st.integers(0, 5)), min_size=1, max_size=4).map(
        lambda s: {"sets": s, "name": "relevant"}), lambda r, kw: None, {"sets": ("sets", "relevant")}),
    Case(V.check_sequence, st.lists(st.integers(), max_size=3).map(lambda s: {"x": s, "name": "xs"}),
         lambda r, kw: None),
    Case(V.check_text, st.text(max_size=8).map(lambda t: {"text": t, "name": "query"}),
         lambda r, kw: r == kw["text"] or pytest.fail(repr(r)), no_sweep=("text", "name")),
    Case(V.check_texts, st.lists(st.text(max_size=5), min_size=1, max_size=3).map(
        lambda t: {"texts": t, "name": "titles"}), lambda r, kw: r == kw["texts"] or pytest.fail(repr(r)),
         no_sweep=("texts", "name", "allow_empty")),
    Case(V.check_tokens, st.lists(st.text(max_size=5), max_size=3).map(lambda t: {"tokens": t, "name": "query"}),
         lambda r, kw: r == list(kw["tokens"]) or pytest.fail(repr(r)), no_sweep=("tokens", "name")),
    Case(V.check_token_lists, st.lists(st.lists(st.text(max_size=4), max_size=3), min_size=1, max_size=3).map(
        lambda d: {"docs": d, "name": "docs"}), lambda r, kw: r == kw["docs"] or pytest.fail(repr(r)),
         no_sweep=("docs", "name", "allow_empty")),
]
VALIDATORS[1].call = lambda kw: V.check_same_length(a=kw["a"], b=kw["b"])


def test_text_checks_refuse_what_is_not_text_by_name():
    for bad in (None, b"bytes", 3, ["a"]):
        with pytest.raises(TypeError, match="query"):
            V.check_text(bad, "query")
    for bad in ("one string", None, 3, ["a", 3]):
        with pytest.raises(TypeError, match="titles"):
            V.check_texts(bad, "titles")
        with pytest.raises(TypeError, match="docs"):
            V.check_token_lists([bad] if not isinstance(bad, list) else [bad], "docs")
    for bad in ("red bag", None, [1, 2]):
        with pytest.raises(TypeError, match="query"):
            V.check_tokens(bad, "query")
    with pytest.raises(ValueError, match="titles is empty"):
        V.check_texts([], "titles")
    assert V.check_texts([], "titles", allow_empty=True) == []


def test_check_finite_and_sequence_reject_by_name():
    for bad in ([1.0, np.nan], [np.inf]):
        with pytest.raises(ValueError, match="scores contains NaN or inf"):
            V.check_finite(np.array(bad), "scores")
    with pytest.raises(ValueError, match="logits"):
        V.check_finite(torch.tensor([float("nan")]), "logits")
    for bad in (None, "abc", 3):
        with pytest.raises(TypeError, match="requests"):
            V.check_sequence(bad, "requests")
    with pytest.raises(ValueError, match="inputs must have the same length, got a=1, b=2"):
        V.check_same_length(a=np.zeros(1), b=np.zeros(2))


def test_integer_conversion_rejects_infinity_with_the_name():
    # The one cause of ~50 fuzz findings: inf cast to int64 is -2**63 (with a mere warning).
    for bad in ([np.inf], [-np.inf], [1e30]):
        with pytest.raises(ValueError, match="users"):
            V.as_array(bad, "users", dtype="int")
    with pytest.raises(ValueError, match="labels"):
        V.as_array([np.inf], "labels", dtype="bool")


def test_check_ids_refuses_negative_and_out_of_range_ids():
    with pytest.raises(ValueError, match=r"items must be positions in \[0, 3\)"):
        V.check_ids([-1], "items", 3)              # NumPy would read -1 as the last item
    with pytest.raises(ValueError, match="found 3"):
        V.check_ids([0, 3], "items", 3)            # would be an IndexError
    assert V.check_ids([0, -1], "slots", 3, missing=-1).tolist() == [0, -1]


# -------------------------------------------------------------------------------- features

FEATURES = [
    Case(F.data_type_inventory, frames().map(lambda df: {"df": df, "ordinal": ["c"], "max_discrete": 100}),
         lambda r, kw: is_frame(r) or None, {"df": "frame", "max_discrete": "int"}),
    Case(F.drop_columns_with_missing, frames().flatmap(lambda df: UNIT.map(lambda f: {"df": df, "max_fraction": f})),
         lambda r, kw: is_frame(r) or None, {"df": "frame", "max_fraction": "prob"}),
    Case(F.min_max_scale, spread_vector().map(lambda x: {"x": x}),
         lambda r, kw: finite_array(r, 0, 1), {"x": "array"}),
    Case(F.min_max_scale, spread_vector().map(lambda x: {"x": x, "low": -200.0, "high": 200.0}),
         lambda r, kw: finite_array(r, 0, 1), {"low": "float_opt", "high": "float_opt"}, id="min_max_scale-low-high"),
    Case(F.standardize, spread_vector().map(lambda x: {"x": x}), lambda r, kw: finite_array(r), {"x": "array"}),
    Case(F.standardize, spread_vector().map(lambda x: {"x": x, "mean": 1.0, "std": 2.0}),
         lambda r, kw: finite_array(r), {"mean": "float_opt", "std": "pos_opt"}, id="standardize-mean-std"),
    Case(F.log_scale, vector(0, 1e6).map(lambda x: {"x": x, "offset": 1.0}), lambda r, kw: finite_array(r, 0),
         {"x": "nonneg", "offset": "nonneg_float"}),
    Case(F.skewness, spread_vector(min_size=3).map(lambda x: {"x": x}), lambda r, kw: finite_float(r), {"x": "array"}),
    Case(F.bucketize, vector(0, 120).map(lambda x: {"x": x, "labels": None}), lambda r, kw: finite_array(r, 0, 4),
         {"x": "array"}),
    Case(F.tabular_encoder,
         frames().flatmap(lambda df: st.tuples(st.sampled_from(["onehot", "integer", "codes"]),
                                               st.sampled_from(["median", "mean", "mode"])).map(
             lambda t: {"df": df, "encoding": t[0], "impute": t[1]})),
         lambda r, kw: finite_array(r), {"encoding": "choice", "impute": "choice"},
         call=lambda kw: F.tabular_encoder(["x", "k"], ["c"], encoding=kw["encoding"], impute=kw["impute"])
         .fit_transform(kw["df"]), covers=(F.cardinalities,)),
]


def test_tabular_encoder_without_categorical_columns():
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    for enc in ("onehot", "integer", "codes"):      # "integer" raised AttributeError
        e = F.tabular_encoder(["x"], [], encoding=enc).fit(df)
        assert e.transform(df).shape == (3, 1) and F.cardinalities(e) == []


def test_scaling_statistics_are_checked():
    with pytest.raises(ValueError, match="low"):
        F.min_max_scale([1.0, 2.0], low=np.nan, high=3.0)
    with pytest.raises(ValueError, match="high must be greater than low"):
        F.min_max_scale([1.0, 2.0], low=3.0, high=1.0)
    with pytest.raises(ValueError, match="std"):
        F.standardize([1.0, 2.0], mean=0.0, std=-1.0)
    with pytest.raises(ValueError, match="mean"):
        F.standardize([1.0, 2.0], mean=np.inf, std=1.0)


# -------------------------------------------------------------------------------- sampling

SAMPLING = [
    Case(S.reservoir_sample, st.integers(1, 5).map(lambda k: {"stream": range(20), "k": k, "seed": 0}),
         lambda r, kw: len(r) == kw["k"] or pytest.fail("wrong size"),
         {"stream": ("callable", "stream"), "k": "count", "seed": "seed"}),
    Case(S.train_test_split_indices, st.tuples(st.integers(2, 30), st.floats(0.01, 0.5)).map(
        lambda t: {"n": t[0], "test_fraction": t[1], "seed": 0}),
         lambda r, kw: (len(r[0]) >= 1 and len(r[1]) >= 1 and len(r[0]) + len(r[1]) == kw["n"])
         or pytest.fail(f"bad split sizes {len(r[0])}, {len(r[1])}"),
         {"n": "count", "test_fraction": "prob", "seed": "seed"}),
    Case(S.temporal_split_per_user, ratings().map(lambda df: {"df": df, "user_col": "userId", "time_col": "timestamp",
                                                               "test_fraction": 0.3, "min_train": 1}),
         lambda r, kw: len(r[0]) + len(r[1]) == len(kw["df"]) or pytest.fail("rows lost"),
         {"df": "frame", "user_col": "column", "time_col": "column", "test_fraction": "prob", "min_train": "count"}),
    Case(S.global_temporal_split, ratings().map(lambda df: {"df": df, "time_col": "timestamp", "test_fraction": 0.3}),
         lambda r, kw: len(r[0]) + len(r[1]) == len(kw["df"]) or pytest.fail("rows lost"),
         {"df": "frame", "time_col": "column", "test_fraction": "prob"}),
    Case(S.random_oversample, xy().map(lambda kw: {**kw, "seed": 0}),
         lambda r, kw: finite_array(r[0]) or None, {"X": "array", "y": "labels", "seed": "seed"}),
    Case(S.random_undersample, xy().map(lambda kw: {**kw, "seed": 0}),
         lambda r, kw: finite_array(r[0]) or None, {"X": "array", "y": "labels", "seed": "seed"}),
    Case(S.corrupt_targets, vector().flatmap(lambda y: UNIT.map(lambda f: {"y": y, "fraction": f, "scale": 10.0, "seed": 0})),
         lambda r, kw: finite_array(r[0]) or None,
         {"y": "array", "fraction": "prob", "scale": "nonneg_float", "seed": "seed"}),
    Case(S.batches, st.tuples(st.integers(1, 20), st.integers(1, 8)).map(lambda t: {"n": t[0], "batch_size": t[1], "seed": 0}),
         lambda r, kw: sorted(np.concatenate(r).tolist()) == list(range(kw["n"])) or pytest.fail("not a partition"),
         {"n": "count", "batch_size": "count", "seed": "seed"},
         call=lambda kw: list(S.batches(**kw))),
]


def test_split_never_leaves_training_empty():
    with pytest.raises(ValueError, match="leaves no training row"):
        S.train_test_split_indices(2, 0.8, seed=0)
    train, test = S.train_test_split_indices(4, 0.5, stratify=[0, 0, 1, 1], seed=0)
    assert len(train) == 2 and len(test) == 2
    with pytest.raises(ValueError, match="a class with a single row"):
        S.train_test_split_indices(3, 0.5, stratify=[0, 1, 2], seed=0)
    with pytest.raises(ValueError, match="each side needs one row per class"):
        S.train_test_split_indices(6, 0.2, stratify=[0, 0, 1, 1, 2, 2], seed=0)


# ------------------------------------------------------------------------------ monitoring


@st.composite
def two_samples(draw):
    n = draw(st.integers(20, 60))
    e = np.linspace(-3, 3, n) + draw(floats_array(n, 0, 0.01))   # distinct values for the bins
    return {"expected": e, "actual": draw(floats_array(draw(st.integers(1, 40)), -5, 5))}


MONITORING = [
    Case(M.population_stability_index, two_samples().map(lambda kw: {**kw, "bins": 4, "eps": 1e-4}),
         lambda r, kw: finite_float(r, 0), {"expected": "array", "actual": "array", "bins": "count", "eps": "pos"}),
    Case(M.ks_statistic, two_samples(), lambda r, kw: (probability(r[0]), probability(r[1])) and None,
         {"expected": "array", "actual": "array"}),
    Case(M.DriftMonitor, two_samples().map(lambda kw: {"reference": pd.DataFrame({"x": kw["expected"]}),
                                                        "batch": pd.DataFrame({"x": kw["actual"]}),
                                                        "psi_threshold": 0.2, "alpha": 0.01}),
         lambda r, kw: (isinstance(r, M.DriftReport), finite_array(r.table[["psi", "ks_d", "ks_p"]].to_numpy()))
         and None,
         {"reference": "frame", "batch": "frame", "psi_threshold": "pos", "alpha": "prob"},
         call=lambda kw: M.DriftMonitor(kw["psi_threshold"], kw["alpha"], bins=4).fit(kw["reference"]).check(kw["batch"]),
         covers=(M.DriftReport,)),
    Case(M.shift_features, frames(missing=False).map(lambda df: {"df": df, "scale": {"x": 2.0}, "shift": {"x": 1.0},
                                                                   "noise": 0.1, "seed": 0}),
         lambda r, kw: finite_array(r["x"].to_numpy()), {"df": "frame", "noise": "nonneg_float", "seed": "seed"}),
    Case(M.sliding_windows, st.tuples(st.integers(1, 30), st.integers(1, 30)).filter(lambda t: t[1] <= t[0]).map(
        lambda t: {"n": t[0], "window": t[1], "step": None}),
         lambda r, kw: all(s.stop <= kw["n"] for s in r) or pytest.fail("window past n"),
         {"n": "count", "window": "count"}),
]

# ----------------------------------------------------------------------------- experiments

OPEN = st.floats(0.01, 0.99)

EXPERIMENTS = [
    Case(E.sample_size_two_proportions, st.tuples(OPEN, OPEN).filter(lambda t: abs(t[0] - t[1]) > 1e-3).map(
        lambda t: {"p_control": t[0], "p_treatment": t[1], "alpha": 0.05, "power": 0.8}),
         lambda r, kw: (isinstance(r, int) and r >= 1) or pytest.fail(str(r)),
         {"p_control": "prob", "p_treatment": "prob", "alpha": "prob", "power": "prob"}),
    Case(E.two_proportion_z_test, st.tuples(st.integers(1, 500), st.integers(1, 500)).flatmap(
        lambda t: st.tuples(st.integers(0, t[0]), st.integers(0, t[1])).map(
            lambda c: {"conv_a": c[0], "n_a": t[0], "conv_b": c[1], "n_b": t[1]})),
         lambda r, kw: (finite_float(r[0]), probability(r[1])) and None,
         {"conv_a": "int", "n_a": "count", "conv_b": "int", "n_b": "count"}),
    Case(E.simulate_ab_test, st.tuples(UNIT, UNIT, st.integers(1, 5000)).map(
        lambda t: {"p_control": t[0], "p_treatment": t[1], "n_per_arm": t[2], "alpha": 0.05, "seed": 0}),
         lambda r, kw: (isinstance(r, E.ABTestResult), probability(r.p_value), probability(r.rate_control)) and None,
         {"p_control": "prob", "p_treatment": "prob", "n_per_arm": "count", "alpha": "prob", "seed": "seed"},
         covers=(E.ABTestResult,)),
    Case(E.detection_rate, st.tuples(UNIT, UNIT, st.integers(1, 2000)).map(
        lambda t: {"p_control": t[0], "p_treatment": t[1], "n_per_arm": t[2], "n_experiments": 50, "seed": 0}),
         lambda r, kw: probability(r),
         {"p_control": "prob", "p_treatment": "prob", "n_per_arm": "count", "n_experiments": "count", "seed": "seed"}),
    Case(E.simulate_detections, st.tuples(UNIT, UNIT, st.integers(1, 2000)).map(
        lambda t: {"p_control": t[0], "p_treatment": t[1], "n_per_arm": t[2], "n_experiments": 50, "seed": 0}),
         lambda r, kw: (r.shape == (50,) and r.dtype == bool) or pytest.fail(str(r)),
         {"p_control": "prob", "p_treatment": "prob", "n_per_arm": "count", "n_experiments": "count", "seed": "seed"}),
    Case(E.analytic_power, st.tuples(OPEN, OPEN, st.integers(1, 10**5)).map(
        lambda t: {"p_control": t[0], "p_treatment": t[1], "n_per_arm": t[2], "alpha": 0.05}),
         lambda r, kw: probability(r),
         {"p_control": "prob", "p_treatment": "prob", "n_per_arm": "count", "alpha": "prob"}),
    Case(E.simulate_rollout, st.tuples(st.sampled_from(["shadow", "canary", "ab"]), st.integers(1, 500), UNIT, UNIT,
                                       UNIT).map(
        lambda t: {"strategy": t[0], "n_requests": t[1], "new_error_rate": t[2], "old_error_rate": t[3],
                   "fraction": t[4], "seed": 0}),
         lambda r, kw: (isinstance(r, E.RolloutResult),
                        # NaN is documented, and only when no request reached the new model
                        (np.isnan(r.new_model_error_rate_estimate) == (kw["strategy"] != "shadow" and r.served_by_new == 0))
                        or pytest.fail(str(r))) and None,
         {"strategy": "choice", "n_requests": "count", "new_error_rate": "prob", "old_error_rate": "prob",
          "fraction": "prob", "seed": "seed"},
         covers=(E.RolloutResult,)),
]

# ------------------------------------------------------------------------- model selection


@st.composite
def scored(draw):
    n = draw(st.integers(2, 20))
    return {"y_true": draw(binary_labels(n)), "y_score": draw(floats_array(n, 0, 1)), "threshold": 0.5}


def _holdout(kw):
    df = pd.DataFrame({"x": np.arange(len(kw["y"]), dtype=float)})
    return MS.repeated_holdout(kw["df"] if "df" in kw else df, kw["y"], kw["fit_predict"], n_repeats=kw["n_repeats"],
                               test_fraction=kw["test_fraction"], seed=0)


MODEL_SELECTION = [
    Case(MS.repeated_holdout, st.integers(8, 20).map(lambda n: {
        "df": pd.DataFrame({"x": np.arange(n, dtype=float)}), "y": np.arange(n) % 2,
        "fit_predict": lambda tr, y, te: te["x"].to_numpy() / 100, "n_repeats": 2, "test_fraction": 0.3}),
         lambda r, kw: finite_array(r[["pr_auc", "roc_auc"]].to_numpy(), 0, 1),
         {"df": "frame", "y": "labels", "fit_predict": "callable", "n_repeats": "count", "test_fraction": "prob"},
         call=_holdout, examples=5),
    Case(MS.summarize, st.just({"results": {"a": pd.DataFrame({"pr_auc": [0.5, 0.7], "recall": [1.0, 0.5],
                                                                "f1": [0.2, 0.4]})}}),
         lambda r, kw: finite_array(r.to_numpy()), examples=1),
    Case(MS.tabular_logistic, st.sampled_from([None, "oversample", "undersample", "class-balanced"]).flatmap(
        lambda rb: st.sampled_from(["bce", "focal"]).map(lambda loss: {"rebalance": rb, "loss": loss})),
         lambda r, kw: finite_array(r, 0, 1),
         {"rebalance": "choice_opt", "loss": "choice"},
         call=lambda kw: MS.tabular_logistic(["x"], ["c"], rebalance=kw["rebalance"], loss=kw["loss"])(
             pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0] * 3, "c": list("abab") * 3}), np.array([0, 0, 1, 1] * 3),
             pd.DataFrame({"x": [0.5, 2.5], "c": ["a", "b"]})),
         examples=4, bad_examples=1),
    Case(MS.drop_incomplete_rows, frames().map(lambda df: {"train": df, "y_train": np.arange(len(df)) % 2}),
         lambda r, kw: len(r[0]) == len(r[1]) or pytest.fail("misaligned"), {"train": "frame", "y_train": "labels"}),
]


def test_summarize_rejects_unknown_metrics_by_name():
    with pytest.raises(ValueError, match="metrics"):
        MS.summarize({"a": pd.DataFrame({"pr_auc": [0.5]})}, metrics=("nope",))
    with pytest.raises(TypeError, match="results"):
        MS.summarize(None)


# ----------------------------------------------------------------------- losses & training


@st.composite
def logits_targets(draw):
    z = draw(tensors())
    y = torch.tensor(draw(int_array(len(z), 0, 1)), dtype=torch.float32)
    return {"logits": z, "targets": y, "gamma": draw(st.floats(0, 5)), "alpha": draw(st.one_of(st.none(), UNIT))}


LOSSES = [
    Case(L.focal_loss, logits_targets(),
         lambda r, kw: finite_float(float(r), 0), {"logits": "tensor", "targets": "tensor", "gamma": "nonneg_float"}),
    Case(L.class_balanced_weights, st.integers(1, 4).flatmap(lambda c: int_array(12, 0, c - 1).map(
        lambda y: {"labels": np.r_[np.arange(c), y], "beta": 0.99})),
         lambda r, kw: finite_array(r, 0), {"labels": "int_values", "beta": "prob"}),
    Case(L.regression_loss, st.tuples(st.sampled_from(["mse", "mae", "huber"]), st.floats(0.1, 5)).map(
        lambda t: {"name": t[0], "delta": t[1]}),
         lambda r, kw: isinstance(r, torch.nn.Module) or pytest.fail("not a module"),
         {"name": "choice"}),
]


def test_focal_loss_rejects_non_finite_input():
    z, y = torch.tensor([0.5, float("nan")]), torch.tensor([1.0, 0.0])
    with pytest.raises(ValueError, match="logits"):
        L.focal_loss(z, y)                                    # was a silent NaN
    with pytest.raises(ValueError, match="targets"):
        L.focal_loss(torch.zeros(2), torch.tensor([0.0, float("inf")]))
    with pytest.raises(ValueError, match="targets must be probabilities"):
        L.focal_loss(torch.zeros(2), torch.tensor([0.0, 2.0]))
    with pytest.raises(ValueError, match="weight"):
        L.focal_loss(torch.zeros(2), torch.zeros(2), weight=torch.tensor([1.0, float("nan")]))


def _mlp_xy(n=12):
    return {"X": np.linspace(-1, 1, 2 * n).reshape(n, 2), "y": np.arange(n) % 2}


def _fit_line(**kw):
    """T.fit on y = 2x with a linear model; validation is the negated training loss."""
    net = torch.nn.Linear(1, 1)
    X = torch.linspace(-1, 1, 16)[:, None]
    loss = lambda idx: torch.nn.functional.mse_loss(net(X[idx]), 2 * X[idx])  # noqa: E731
    return T.fit(net, loss, lambda epoch: torch.arange(16).split(4), optimizer=torch.optim.SGD(net.parameters(), lr=0.1),
                 validate=lambda m: -float(loss(torch.arange(16))), **kw)


TRAINING = [
    Case(T.make_mlp, st.tuples(st.integers(1, 5), st.lists(st.integers(1, 4), max_size=2), st.floats(0, 0.9)).map(
        lambda t: {"in_dim": t[0], "hidden": t[1], "dropout": t[2]}),
         lambda r, kw: T.count_parameters(r) > 0 or pytest.fail("no parameters"),
         {"in_dim": "count", "dropout": "prob"}, covers=(T.count_parameters,)),
    Case(T.LinearClassifier, xy().map(lambda kw: {**kw, "loss": "bce"}) | xy().map(lambda kw: {**kw, "loss": "focal"}),
         lambda r, kw: finite_array(r, 0, 1), {"X": "array", "y": "labels", "loss": "choice"},
         call=lambda kw: T.LinearClassifier(loss=kw["loss"], max_iter=20).fit(kw["X"], kw["y"]).predict_proba(kw["X"]),
         examples=6),
    Case(T.logistic_gd_curve, xy().map(lambda kw: {**kw, "lr": 0.5, "epochs": 5}),
         lambda r, kw: finite_array(r, 0), {"X": "array", "y": "labels", "lr": "pos", "epochs": "count"}),
    Case(T.epochs_to_reach, vector(0, 10).map(lambda c: {"curve": c, "target": 5.0}),
         lambda r, kw: (isinstance(r, int) and 1 <= r <= len(kw["curve"]) + 1) or pytest.fail(str(r)),
         {"curve": "array", "target": "float"}),
    Case(T.train_network, st.sampled_from([("binary", "bce"), ("binary", "focal"), ("regression", "huber")]).map(
        lambda t: {**_mlp_xy(), "task": t[0], "loss": t[1], "epochs": 2, "lr": 1e-2, "batch_size": 4,
                   "validate_every": 1}),
         lambda r, kw: (isinstance(r, T.History), finite_array(np.array(r.train_loss), 0)) and None,
         {"X": "array", "y": "array", "task": "choice", "epochs": "count", "lr": "pos", "batch_size": "count",
          "validate_every": "count"},
         call=lambda kw: T.train_network(T.make_mlp(2, (4,)), **kw), covers=(T.History,), examples=3, bad_examples=1),
    Case(T.fit, st.sampled_from([None, 2]).map(lambda p: {"epochs": 3, "mode": "max", "patience": p, "seed": 0}),
         lambda r, kw: (finite_array(np.array(r.step_loss)),
                        (isinstance(r, T.History) and len(r.train_loss) <= kw["epochs"]) or pytest.fail(str(r))) and None,
         {"epochs": "count", "mode": "choice", "seed": "seed"}, call=lambda kw: _fit_line(**kw),
         examples=2, bad_examples=1),
    Case(T.predict, st.just(_mlp_xy()), lambda r, kw: finite_array(r, 0, 1), {"X": "array"},
         call=lambda kw: T.predict(T.make_mlp(2, (4,)), kw["X"]), examples=1),
    Case(T.fit_embedding_classifier, st.just({"codes": np.arange(12).reshape(6, 2) % 3, "numeric": np.ones((6, 1)),
                                              "y": np.arange(6) % 2, "cardinalities": [3, 3], "lr": 1e-2, "epochs": 2}),
         lambda r, kw: isinstance(r, T.EmbeddingClassifier) or pytest.fail("wrong type"),
         {"codes": "ids", "numeric": "array", "y": "labels", "lr": "pos", "epochs": "count"},
         covers=(T.EmbeddingClassifier,), examples=1, bad_examples=1),
    Case(T.train_single_process, st.just({"X": torch.randn(8, 2), "y": torch.tensor([0.0, 1.0] * 4), "hidden": 3,
                                          "steps": 2, "global_batch": 4, "lr": 0.1, "seed": 0}),
         lambda r, kw: isinstance(r, torch.nn.Module) or pytest.fail("wrong type"),
         {"hidden": "count", "steps": "count", "global_batch": "count", "lr": "pos", "seed": "seed"},
         examples=1, bad_examples=1),
    Case(T.make_mlp_state, st.just({"in_dim": 2, "hidden": 3, "seed": 0}),
         lambda r, kw: isinstance(r, dict) or pytest.fail("wrong type"),
         {"in_dim": "count", "hidden": "count", "seed": "seed"}, examples=1, bad_examples=1),
]

# Spawning gloo worker processes takes seconds; their valid path is tested once in
# tests/training/test_distributed.py. Here: every argument is checked before anything spawns.
DDP = [
    Case(T.compare_ddp_to_single_process, st.just({**_mlp_xy(8), "world_size": 2, "global_batch": 4, "lr": 0.1}),
         spec={"X": "array", "y": "labels", "world_size": "count", "global_batch": "count", "lr": "pos"},
         examples=0, bad_examples=1),
    Case(T.compare_ddp_over_seeds, st.just({**_mlp_xy(8), "seeds": [0, 1], "world_size": 2, "global_batch": 4}),
         spec={"X": "array", "y": "labels", "seeds": "sets", "world_size": "count", "global_batch": "count"},
         examples=0, bad_examples=1),
]

# --------------------------------------------------------------------------------- serving


def _tiny_model():
    torch.manual_seed(0)
    return T.make_mlp(3, (6,))


SERVING = [
    Case(SV.model_size_bytes, st.just({"model": _tiny_model()}), lambda r, kw: r > 0 or pytest.fail(str(r)),
         {"model": "callable"}, examples=1),
    Case(SV.sparse_size_bytes, st.just({"model": _tiny_model(), "index_bytes": 4}),
         lambda r, kw: r > 0 or pytest.fail(str(r)), {"model": "callable", "index_bytes": "int"}, examples=1),
    Case(SV.quantize_dynamic_int8, st.just({"model": _tiny_model()}),
         lambda r, kw: isinstance(r, torch.nn.Module) or pytest.fail("wrong type"), {"model": "callable"}, examples=1),
    Case(SV.prune_magnitude, st.floats(0, 0.99).map(lambda a: {"model": _tiny_model(), "amount": a}),
         lambda r, kw: isinstance(r, torch.nn.Module) or pytest.fail("wrong type"),
         {"model": "callable", "amount": "prob"}, examples=3),
    Case(SV.distill, st.just({"teacher": _tiny_model(), "student": _tiny_model(), "X": np.ones((6, 3)),
                              "y": np.arange(6) % 2, "temperature": 2.0, "alpha": 0.5, "epochs": 1, "lr": 1e-2,
                              "batch_size": 4}),
         lambda r, kw: isinstance(r, torch.nn.Module) or pytest.fail("wrong type"),
         {"teacher": "callable", "student": "callable", "X": "array", "y": "labels_opt", "temperature": "pos",
          "alpha": "prob", "epochs": "count", "lr": "pos", "batch_size": "count"}, examples=1, bad_examples=1),
    Case(VEC.normalize_rows, floats_array((3, 4), 0.1, 5).map(lambda x: {"x": x, "zero_rows": "raise"}),
         lambda r, kw: finite_array(r, -1, 1, shape=kw["x"].shape), {"x": "array", "zero_rows": "choice"}),
    Case(SV.latency_samples, st.integers(1, 4).map(lambda n: {"fn": lambda r: r, "requests": list(range(n)), "warmup": 1}),
         lambda r, kw: finite_array(r, 0, shape=(len(kw["requests"]),)), {"fn": "callable", "warmup": "int"}),
    Case(SV.latency_percentiles, vector(0, 1e3).map(lambda s: {"samples_ms": s}),
         lambda r, kw: finite_dict(r, 0), {"samples_ms": "nonneg"}),
    Case(SV.measure_latency, st.integers(1, 5).map(lambda r: {"fn": lambda: None, "repeats": r, "warmup": 1}),
         lambda r, kw: finite_array(r, 0, shape=(kw["repeats"],)),
         {"fn": "callable", "repeats": "count", "warmup": "int"}, examples=3),
    Case(SV.PredictionService, frames(missing=False).map(lambda df: {"requests": df, "threshold": 0.5}),
         lambda r, kw: finite_array(r[0], 0, 1), {"threshold": "prob"},
         call=lambda kw: SV.PredictionService(lambda d: d[["x"]].to_numpy(),
                                              lambda X: 1 / (1 + np.exp(-X[:, 0] / 100)), kw["threshold"]).predict(kw["requests"]),
         examples=5),
    Case(SV.simulate_batch_vs_online, st.integers(1, 4).map(lambda h: {
        "snapshots": [pd.DataFrame({"x": np.linspace(0, 1, 5) + i / 10}) for i in range(h)],
        "request_hours": np.arange(h), "request_rows": np.arange(h) % 5, "refresh_hours": 2.0}),
         lambda r, kw: (isinstance(r, SV.BatchVsOnlineResult), probability(r.batch_agreement),
                        finite_array(r.batch_staleness_h, 0)) and None,
         {"snapshots": "sets", "request_hours": "ids", "request_rows": "ids", "refresh_hours": "pos"},
         call=lambda kw: SV.simulate_batch_vs_online(
             SV.PredictionService(lambda d: d["x"].to_numpy(), lambda x: x / 2), **kw),
         covers=(SV.BatchVsOnlineResult,), examples=4),
    Case(SV.evolving_snapshots, st.tuples(st.integers(1, 4), UNIT).map(lambda t: {
        "df": pd.DataFrame({"d": [0.0, 1.0, np.nan, 2.0]}), "n_hours": t[0], "column": "d", "update_fraction": t[1],
        "max_change": 1.0, "seed": 0}),
         lambda r, kw: len(r) == kw["n_hours"] or pytest.fail("wrong count"),
         {"df": "frame", "n_hours": "count", "column": "column", "update_fraction": "prob",
          "max_change": "nonneg_float", "seed": "seed"}),
    Case(SV.capacity_estimate, st.tuples(st.floats(1e3, 1e12), st.floats(1, 4096), st.floats(0, 1e6), st.floats(0, 1e3),
                                         st.floats(0, 1.5)).map(lambda t: {
        "n_items": t[0], "bytes_per_item": t[1], "qps": t[2], "ms_per_query": t[3], "measured_items": 1e4,
        "cost_exponent": t[4], "machine_memory_gb": 256.0, "cores_per_machine": 32}),
         lambda r, kw: (finite_dict(r, 0), r["machines"] >= r["shards"] >= 1 or pytest.fail(str(r))) and None,
         {"n_items": "pos", "bytes_per_item": "pos", "qps": "nonneg_float", "ms_per_query": "nonneg_float",
          "measured_items": "pos_opt", "cost_exponent": "nonneg_float", "machine_memory_gb": "pos",
          "cores_per_machine": "count"}),
]


def test_batch_vs_online_range_checks_rows():
    svc = SV.PredictionService(lambda d: d["x"].to_numpy(), lambda x: x)
    snaps = [pd.DataFrame({"x": [0.1, 0.2]})]
    for rows in ([2], [-1]):     # an IndexError / a silent wrap-around before
        with pytest.raises(ValueError, match="request_rows"):
            SV.simulate_batch_vs_online(svc, snaps, [0], rows)


# ---------------------------------------------------------------------- baseline & runtime

OTHER = [
    Case(RB.BiasRatingModel, ratings().map(lambda df: {"df": df, "reg": 1.0, "n_iter": 3}),
         lambda r, kw: finite_array(r, 0.5, 5.0, shape=(len(kw["df"]),)),
         {"df": "frame", "reg": "nonneg_float", "n_iter": "count"},
         call=lambda kw: RB.BiasRatingModel(kw["reg"], kw["n_iter"]).fit(kw["df"]).predict(kw["df"])),
    Case(RT.seed_everything, st.integers(0, 2**31).map(lambda s: {"seed": s}),
         lambda r, kw: isinstance(r, np.random.Generator) or pytest.fail("wrong type"), {"seed": "seed"}),
    Case(RT.set_threads, st.just({"n": 1}), lambda r, kw: r == 1 or pytest.fail(str(r)), {"n": "cutoff"},
         examples=1),
    Case(RT.progress, st.integers(0, 5).map(lambda n: {"iterable": range(n), "desc": "x", "disable": True}),
         lambda r, kw: None if list(r) == list(kw["iterable"]) else pytest.fail("the bar changed the items")),
    Case(RT.resolve_size, st.sampled_from(["smoke", "full"]).map(lambda s: {"size": s}),
         lambda r, kw: r == kw["size"] or pytest.fail(r), {"size": "choice"}),
]


def test_bias_model_rejects_missing_ratings_and_ids():
    df = pd.DataFrame({"userId": [1, 2], "movieId": [10, 11], "rating": [4.0, np.nan]})
    with pytest.raises(ValueError, match="rating"):
        RB.BiasRatingModel().fit(df)                            # was a silent NaN prediction
    with pytest.raises(ValueError, match="userId"):
        RB.BiasRatingModel().fit(df.assign(rating=4.0, userId=[1, None]))


# ------------------------------------------------------------------------------------ data

DATA = [
    Case(FM.load_fashion_mnist, st.tuples(st.sampled_from(["test", "train"]), st.integers(1, 50)).map(
        lambda t: {"split": t[0], "n": t[1]}),
         lambda r, kw: (finite_array(r[0], 0, 255, shape=(kw["n"], 28, 28)), finite_array(r[1], 0, 9),
                        isinstance(r[2], PV.Provenance) and r[2].as_markdown()) and None,
         {"split": "choice", "n": "cutoff"}, covers=(PV.Provenance,), examples=3),
    Case(FM.graded_relevance, st.tuples(st.integers(0, 9), int_array(5, 0, 9)).map(
        lambda t: {"query_labels": t[0], "item_labels": t[1]}),
         lambda r, kw: finite_array(r, 0, 5), {"query_labels": "ids", "item_labels": "ids"}),
    Case(SH.check_data_request, st.integers(1, 100).map(lambda n: {"fashion_mnist_test": n}),
         lambda r, kw: r == kw or pytest.fail(str(r)), {"fashion_mnist_test": "cutoff"}, examples=3),
    Case(SH.shipped_counts, st.just({}),
         lambda r, kw: (all(isinstance(v, int) and v > 0 for v in r.values())) or pytest.fail(str(r)), examples=1),
    Case(TB.load_credit_data, st.just({}), lambda r, kw: (is_frame(r[0]), isinstance(r[1], PV.Provenance)) and None,
         examples=1),
    Case(TB.load_movielens_ratings, st.just({}),
         lambda r, kw: (is_frame(r[0]), isinstance(r[1], PV.Provenance)) and None, examples=1),
    # Loading MiniLM takes seconds; the valid path runs in chapter 6 and tests/recsys/.
    Case(TE.load_sentence_encoder, st.just({"device": "cpu"}), spec={"device": "choice"}, examples=0),
    Case(TE.encode_sentences, st.just({"sentences": ["a"], "batch_size": 4}),
         spec={"sentences": ("sets", "sentences"), "batch_size": "count"}, examples=0),
]

BATCH = [
    Case(BA.StageEngine, st.tuples(st.integers(1, 2), st.integers(0, 3)).map(
        lambda t: {"pools": {"cpu": t[0]}, "batches": list(range(t[1])), "threads_per_worker": 1}),
         lambda r, kw: (r.results == [x * x for x in kw["batches"]] and r.wall_seconds >= 0
                        and all(len(v) == len(kw["batches"]) for v in r.stage_seconds.values())) or None,
         {"threads_per_worker": "count"},
         call=lambda kw: _engine_run(kw), covers=(BA.StageRun,), examples=2),
]


def _engine_run(kw):
    with BA.StageEngine(kw["pools"], threads_per_worker=kw["threads_per_worker"]) as engine:
        return engine.run(kw["batches"], [("square", lambda b: b * b, "cpu")])


ALL = VALIDATORS + FEATURES + SAMPLING + MONITORING + EXPERIMENTS + MODEL_SELECTION + LOSSES + TRAINING + DDP \
    + SERVING + OTHER + DATA + BATCH


