"""Unit tests of ``mlsd_lib.metrics.ranking``."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.metrics as skm

from mlsd_lib import metrics
from mlsd_lib.metrics import mean_reciprocal_rank


def test_ndcg_worked_example_and_sklearn():
    # Source ch. 2, Figs. 2.17-2.18.
    assert metrics.dcg_at_k([0, 5, 1, 4, 2]) == pytest.approx(6.151, abs=5e-4)
    assert metrics.dcg_at_k([5, 4, 2, 1, 0]) == pytest.approx(8.9544, abs=5e-5)
    assert round(metrics.ndcg_at_k([0, 5, 1, 4, 2]), 4) == 0.6869
    rng = np.random.default_rng(1)
    for _ in range(20):
        rel = rng.integers(0, 6, size=(3, 12))
        for k in (3, 5, None):
            # sklearn ranks by score; giving decreasing scores reproduces our ranked order.
            ref = [skm.ndcg_score([r], [np.arange(12, 0, -1)], k=k) for r in rel]
            np.testing.assert_allclose(metrics.ndcg_at_k(rel, k), ref, atol=1e-12)


def test_ranking_metrics_on_a_small_example():
    rel = [1, 0, 1, 0, 0]
    assert metrics.precision_at_k(rel, 1) == 1.0
    assert metrics.precision_at_k(rel, 5) == 0.4
    assert metrics.precision_at_k(rel, 10) == 0.2          # missing slots count as misses
    assert metrics.recall_at_k(rel, 3, n_relevant=4) == 0.5
    assert metrics.reciprocal_rank([0, 0, 1]) == pytest.approx(1 / 3)
    assert metrics.reciprocal_rank([0, 0, 0]) == 0.0
    assert metrics.average_precision_at_k(rel) == pytest.approx((1 + 2 / 3) / 2)
    assert metrics.average_precision_at_k(rel, k=5, n_relevant=4) == pytest.approx((1 + 2 / 3) / 4)


def test_mrr_cannot_tell_apart_lists_of_different_quality():
    # Source ch. 2, Fig. 2.14: equal MRR, different quality.
    model_1 = [[1, 1, 1, 0, 0]]
    model_2 = [[1, 0, 0, 0, 0]]
    assert metrics.mean_reciprocal_rank(model_1) == metrics.mean_reciprocal_rank(model_2) == 1.0
    assert metrics.mean_average_precision(model_1, k=5, n_relevant=3) > metrics.mean_average_precision(model_2, k=5, n_relevant=3)


def test_average_precision_matches_sklearn_on_full_rankings():
    rng = np.random.default_rng(2)
    for _ in range(20):
        y = rng.integers(0, 2, 30)
        y[0] = 1
        s = rng.random(30)
        ranked = y[np.argsort(-s)]
        assert metrics.average_precision_at_k(ranked) == pytest.approx(skm.average_precision_score(y, s))


def test_batch_versions_return_one_value_per_query():
    rel = np.array([[1, 0, 0], [0, 0, 1], [0, 0, 0]])
    np.testing.assert_allclose(metrics.reciprocal_rank(rel), [1, 1 / 3, 0])
    assert metrics.mean_reciprocal_rank(rel) == pytest.approx(4 / 9)
    report = metrics.ranking_report(rel, k=3)
    assert report["precision@3"] == pytest.approx(2 / 9)
    assert metrics.relevance_from_ids([[3, 1, 2], [5, 6, 7]], [{1}, {7, 9}]).tolist() == [[0, 1, 0], [0, 0, 1]]


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: metrics.precision_at_k([1, 0], 0), "k must be >= 1"),
        (lambda: metrics.precision_at_k([], 1), "relevance is empty"),
        (lambda: metrics.precision_at_k([[[1]]], 1), "relevance must be 1-D or 2-D"),
        (lambda: metrics.ndcg_at_k([1, -1]), "non-negative"),
        (lambda: metrics.recall_at_k([1, 1], 2, n_relevant=1), "smaller than the relevant items"),
        (lambda: metrics.recall_at_k([[1, 1]], 2, n_relevant=[1, 2]), "one entry per query"),
        (lambda: metrics.precision_at_k([1, np.nan], 1), "NaN"),
        (lambda: metrics.relevance_from_ids([[1, 2]], [{1}, {2}]), "one set per query"),
        (lambda: metrics.roc_auc([1, 1, 1], [0.1, 0.2, 0.3]), "one class only"),
        (lambda: metrics.accuracy([0, 1], [0, 1, 1]), "same length"),
        (lambda: metrics.accuracy([0, 2], [0, 1]), "binary"),
        (lambda: metrics.mean_squared_error([1.0], [np.inf]), "inf"),
    ],
)
def test_errors_name_the_problem(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_type_errors():
    with pytest.raises(TypeError, match="array-like"):
        metrics.precision_at_k("101", 1)
    with pytest.raises(TypeError, match="k must be an integer"):
        metrics.precision_at_k([1, 0], 1.5)
    with pytest.raises(TypeError, match="must hold numbers"):
        metrics.accuracy(["a", "b"], [0, 1])


def test_mrr_shortcoming_example():
    # source ch. 2, Fig. 2.14: three relevant items vs one, both first hit at rank 2.
    assert mean_reciprocal_rank([[0, 1, 1, 1, 0]]) == mean_reciprocal_rank([[0, 1, 0, 0, 0]]) == 0.5
