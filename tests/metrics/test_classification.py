"""Unit tests of ``mlsd_lib.metrics.classification``."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.metrics as skm

from mlsd_lib import metrics


@pytest.fixture(params=range(5))
def scored(request):
    rng = np.random.default_rng(request.param)
    n = int(rng.integers(20, 400))
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]
    # Rounded scores create ties, the case where curve implementations usually differ.
    s = np.round(rng.random(n) * 0.6 + 0.4 * y * rng.random(n), 2)
    return y, s


def test_threshold_metrics_match_sklearn(scored):
    y, s = scored
    pred = (s >= 0.5).astype(int)
    assert metrics.accuracy(y, pred) == pytest.approx(skm.accuracy_score(y, pred))
    assert metrics.precision(y, pred) == pytest.approx(skm.precision_score(y, pred, zero_division=0))
    assert metrics.recall(y, pred) == pytest.approx(skm.recall_score(y, pred))
    assert metrics.f1_score(y, pred) == pytest.approx(skm.f1_score(y, pred, zero_division=0))
    assert (metrics.confusion_matrix(y, pred) == skm.confusion_matrix(y, pred, labels=[0, 1])).all()


def test_curve_metrics_match_sklearn(scored):
    y, s = scored
    assert metrics.roc_auc(y, s) == pytest.approx(skm.roc_auc_score(y, s), abs=1e-12)
    assert metrics.average_precision(y, s) == pytest.approx(skm.average_precision_score(y, s), abs=1e-12)
    fpr, tpr, _ = metrics.roc_curve(y, s)
    fpr_ref, tpr_ref, _ = skm.roc_curve(y, s, drop_intermediate=False)
    np.testing.assert_allclose(fpr, fpr_ref)
    np.testing.assert_allclose(tpr, tpr_ref)
    p, r, _ = metrics.precision_recall_curve(y, s)
    p_ref, r_ref, _ = skm.precision_recall_curve(y, s, drop_intermediate=False)
    np.testing.assert_allclose(p, p_ref[:-1][::-1])
    np.testing.assert_allclose(r, r_ref[:-1][::-1])


def test_classification_report_per_class_equals_sklearn_column_by_column():
    rng = np.random.default_rng(0)
    Y = rng.random((200, 3)) < [0.1, 0.5, 0.0]           # the third class has no positives
    P = np.clip(Y * 0.3 + rng.random((200, 3)) * 0.7, 0, 1)
    table = metrics.classification_report(Y, P, 0.5, class_names=["a", "b", "c"])
    for j, name in enumerate("ab"):
        pred = P[:, j] >= 0.5
        assert table.loc[name, "pr_auc"] == pytest.approx(skm.average_precision_score(Y[:, j], P[:, j]))
        assert table.loc[name, "roc_auc"] == pytest.approx(skm.roc_auc_score(Y[:, j], P[:, j]))
        assert table.loc[name, "f1"] == pytest.approx(skm.f1_score(Y[:, j], pred))
    assert np.isnan(table.loc["c", "recall"]) and np.isnan(table.loc["c", "pr_auc"])
    assert table.loc["mean", "pr_auc"] == pytest.approx(table.loc[["a", "b"], "pr_auc"].mean())
    assert table.loc["mean", "positives"] == Y.sum()
    with pytest.raises(ValueError, match="class_names"):
        metrics.classification_report(Y, P, 0.5)
    with pytest.raises(ValueError, match="class_names"):
        metrics.classification_report(Y, P, 0.5, class_names=["a", "b"])
    with pytest.raises(ValueError, match="y_score"):
        metrics.classification_report(Y, P[:, :2], 0.5, class_names=["a", "b", "c"])
