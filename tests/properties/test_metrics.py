"""Property tests of mlsd_lib.metrics: every metric keeps its range on any valid input and
rejects bad input by name (the contract of tests/contracts/_contract.py)."""

from __future__ import annotations

import numpy as np
import pytest
from contracts._contract import (
    Case,
    binary_labels,
    finite_array,
    finite_dict,
    finite_float,
    floats_array,
    int_array,
    probability,
    sets_of_ids,
    unit_rows,
)
from hypothesis import strategies as st

from mlsd_lib.metrics import classification as C
from mlsd_lib.metrics import diversity as D
from mlsd_lib.metrics import ranking as R
from mlsd_lib.metrics import regression as G


@st.composite
def labels_and_preds(draw):
    n = draw(st.integers(2, 30))
    return {"y_true": draw(binary_labels(n)), "y_pred": draw(int_array(n, 0, 1))}


@st.composite
def labels_and_scores(draw):
    n = draw(st.integers(2, 30))
    # Few distinct scores: ties are where curve implementations go wrong.
    score = draw(st.lists(st.sampled_from([0.0, 0.1, 0.35, 0.4, 0.8, 1.0]), min_size=n, max_size=n))
    return {"y_true": draw(binary_labels(n)), "y_score": np.array(score)}


@st.composite
def regression_pair(draw):
    n = draw(st.integers(1, 30))
    return {"y_true": draw(floats_array(n)), "y_pred": draw(floats_array(n))}


@st.composite
def relevance(draw, graded: bool = False, with_k: bool = True):
    q = draw(st.integers(1, 5))
    n = draw(st.integers(1, 8))
    rel = draw(int_array((q, n), 0, 5 if graded else 1)).astype(float)
    if draw(st.booleans()):
        rel = rel[0]  # one list
    out = {"relevance": rel}
    if with_k:
        out["k"] = draw(st.integers(1, n + 3))   # k beyond the list: missing slots not relevant
    return out


@st.composite
def relevance_with_n(draw):
    out = draw(relevance())
    rel = np.atleast_2d(out["relevance"])
    hits = (rel[:, : out["k"]] > 0).sum(1)
    n = hits + draw(int_array(len(hits), 0, 4))
    out["n_relevant"] = n if out["relevance"].ndim == 2 else int(n[0])
    return out


def unit_interval(result, kwargs):
    if isinstance(result, np.ndarray):
        finite_array(result, 0.0, 1.0)
    else:
        probability(result)


def curve_check(result, kwargs):
    for part in result[:2]:
        finite_array(part, 0.0, 1.0)


@st.composite
def ids_and_sets(draw):
    q, k, n = draw(st.integers(1, 4)), draw(st.integers(1, 6)), draw(st.integers(1, 12))
    retrieved = draw(int_array((q, k), 0, n - 1))
    return {"retrieved": retrieved, "relevant": draw(sets_of_ids(q, n))}


@st.composite
def lists_and_vectors(draw):
    n_items, d = draw(st.integers(2, 8)), draw(st.integers(1, 4))
    q, k = draw(st.integers(1, 4)), draw(st.integers(1, 5))
    rec = draw(int_array((q, k), -1, n_items - 1))
    return {"recommended": rec, "item_vectors": draw(unit_rows(n_items, d))}


@st.composite
def lists_and_n(draw):
    n_items = draw(st.integers(1, 10))
    rec = draw(int_array((draw(st.integers(1, 4)), draw(st.integers(1, 5))), -1, n_items - 1))
    return {"recommended": rec, "n_items": n_items}


def similarity_check(result, kwargs):
    vals = np.atleast_1d(result)
    rows = np.atleast_2d(kwargs["recommended"])
    n_valid = (rows >= 0).sum(1)
    # NaN is documented for a list with fewer than two items, and only there.
    assert np.array_equal(np.isnan(vals), n_valid < 2)
    ok = vals[~np.isnan(vals)]
    assert ((ok >= -1 - 1e-6) & (ok <= 1 + 1e-6)).all()


CLASSIFICATION = [
    Case(C.confusion_matrix, labels_and_preds(),
         lambda r, kw: finite_array(r, 0, len(kw["y_true"]), shape=(2, 2)) or None,
         {"y_true": "labels", "y_pred": "labels"}),
    Case(C.accuracy, labels_and_preds(), lambda r, kw: probability(r), {"y_true": "labels", "y_pred": "labels"}),
    Case(C.precision, labels_and_preds(), lambda r, kw: probability(r), {"y_true": "labels", "y_pred": "labels"}),
    Case(C.recall, labels_and_preds(), lambda r, kw: probability(r), {"y_true": "labels", "y_pred": "labels"}),
    Case(C.f1_score, labels_and_preds(), lambda r, kw: probability(r), {"y_true": "labels", "y_pred": "labels"}),
    Case(C.roc_curve, labels_and_scores(), curve_check, {"y_true": "labels", "y_score": "array"}),
    Case(C.roc_auc, labels_and_scores(), lambda r, kw: probability(r), {"y_true": "labels", "y_score": "array"}),
    Case(C.precision_recall_curve, labels_and_scores(), curve_check, {"y_true": "labels", "y_score": "array"}),
    Case(C.average_precision, labels_and_scores(), lambda r, kw: probability(r),
         {"y_true": "labels", "y_score": "array"}),
    Case(C.classification_report, labels_and_scores().map(lambda kw: {**kw, "threshold": 0.5}),
         lambda r, kw: finite_dict(r, 0, 1), {"y_true": "labels", "y_score": "array", "threshold": "float"}),
    Case(G.mean_squared_error, regression_pair(), lambda r, kw: finite_float(r, 0),
         {"y_true": "array", "y_pred": "array"}),
    Case(G.mean_absolute_error, regression_pair(), lambda r, kw: finite_float(r, 0),
         {"y_true": "array", "y_pred": "array"}),
    Case(G.root_mean_squared_error, regression_pair(), lambda r, kw: finite_float(r, 0),
         {"y_true": "array", "y_pred": "array"}),
]

RANKING = [
    Case(R.relevance_from_ids, ids_and_sets(),
         lambda r, kw: finite_array(r, 0, 1, shape=kw["retrieved"].shape),
         {"retrieved": "int_values", "relevant": "sets"}),
    Case(R.precision_at_k, relevance(), unit_interval, {"relevance": "nonneg", "k": "count"}),
    Case(R.recall_at_k, relevance_with_n(), unit_interval,
         {"relevance": "nonneg", "k": "count", "n_relevant": "nonneg"}),
    Case(R.reciprocal_rank, relevance(), unit_interval, {"relevance": "nonneg", "k": "cutoff"}),
    Case(R.mean_reciprocal_rank, relevance(), lambda r, kw: probability(r), {"relevance": "nonneg", "k": "cutoff"}),
    Case(R.average_precision_at_k, relevance_with_n(), unit_interval,
         {"relevance": "nonneg", "k": "cutoff", "n_relevant": "nonneg_opt"}),
    Case(R.average_precision_at_k, relevance(), unit_interval, id="average_precision_at_k-found"),
    Case(R.mean_average_precision, relevance_with_n(), lambda r, kw: probability(r),
         {"relevance": "nonneg", "k": "cutoff", "n_relevant": "nonneg_opt"}),
    Case(R.dcg_at_k, relevance(graded=True),
         lambda r, kw: finite_array(np.atleast_1d(r), 0) if isinstance(r, np.ndarray) else finite_float(r, 0),
         {"relevance": "nonneg", "k": "cutoff"}),
    Case(R.ndcg_at_k, relevance(graded=True), unit_interval, {"relevance": "nonneg", "k": "cutoff"}),
    Case(R.ranking_report, relevance_with_n().map(lambda kw: {**kw, "relevance": np.atleast_2d(kw["relevance"]),
                                                             "n_relevant": np.atleast_1d(kw["n_relevant"])}),
         lambda r, kw: finite_dict(r, 0, 1), {"relevance": "nonneg", "k": "count", "n_relevant": "nonneg_opt"}),
    Case(D.intra_list_similarity, lists_and_vectors(), similarity_check,
         {"recommended": "ids", "item_vectors": "array"}),
    Case(D.catalogue_coverage, lists_and_n(), lambda r, kw: probability(r),
         {"recommended": "ids", "n_items": "count"}),
]


# ---- regression tests of the wrong results the fuzz found (issue 11)


def test_average_precision_rejects_n_relevant_below_the_hits():
    with pytest.raises(ValueError, match="n_relevant is smaller"):
        R.average_precision_at_k([1, 1, 1], n_relevant=1)       # was 3.0
    with pytest.raises(ValueError, match="n_relevant is smaller"):
        R.mean_average_precision([[1, 1], [1, 0]], 2, [1, 1])  # was 1.5


def test_ndcg_rejects_an_ideal_list_below_the_ranking():
    with pytest.raises(ValueError, match="ideal_relevance"):
        R.ndcg_at_k([1, 1], ideal_relevance=[1])


def test_a_repeated_id_is_one_hit():
    assert R.relevance_from_ids([1, 1, 2], {1, 5}).tolist() == [1, 0, 0]


def test_coverage_ignores_empty_slots_and_never_exceeds_one():
    assert D.catalogue_coverage([[0, -1], [-1, -1]], 4) == 0.25
    with pytest.raises(ValueError, match="recommended"):
        D.catalogue_coverage([[0, -2]], 4)


def test_integer_ids_reject_infinity_instead_of_wrapping():
    with pytest.raises(ValueError, match="retrieved contains inf"):
        R.relevance_from_ids([[np.inf, 1.0]], [{1}])
