"""Unit tests of ``mlsd_lib.moderation.evaluate``."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from mlsd_lib.metrics import average_precision, roc_auc
from mlsd_lib.moderation.evaluate import (
    auc_at_positives,
    class_report,
    precision_at_positives,
    threshold_for_precision,
)

from ._helpers import world

# ------------------------------------------------------------------------------- metrics


@pytest.mark.parametrize("seed", range(5))
def test_per_positive_terms_average_to_ap_and_auc(seed):
    rng = np.random.default_rng(seed)
    y = (rng.random(300) < 0.2).astype(int)
    s = np.round(rng.random(300) + y * 0.3, 1)              # coarse scores: many ties
    assert np.isclose(precision_at_positives(y, s).mean(), average_precision(y, s))
    assert np.isclose(precision_at_positives(y, s).mean(), average_precision_score(y, s))
    assert np.isclose(auc_at_positives(y, s).mean(), roc_auc(y, s))
    assert np.isclose(auc_at_positives(y, s).mean(), roc_auc_score(y, s))


def test_class_report_leaves_a_class_without_positives_out_of_the_mean():
    Y = np.array([[1, 0], [0, 0], [1, 0], [0, 0]])
    P = np.array([[.9, .2], [.3, .8], [.6, .4], [.1, .1]])
    t = class_report(Y, P, ["a", "b"])
    assert np.isnan(t.loc["b", "pr_auc"]) and np.isnan(t.loc["b", "roc_auc"])
    assert t.loc["mean", "pr_auc"] == t.loc["a", "pr_auc"] == 1.0
    assert t.loc["mean", "positives"] == 2


def test_threshold_for_precision_reaches_the_target():
    rng = np.random.default_rng(0)
    y = (rng.random(500) < 0.3).astype(int)
    s = rng.random(500) + y * 0.5
    t = threshold_for_precision(y, s, 0.9)
    assert y[s >= t].mean() >= 0.9
    assert y[s >= np.max(s[s < t])].mean() < 0.9              # the next lower threshold falls short
    assert threshold_for_precision([0, 1], [0.9, 0.1], 1.0) == float("inf")
    with pytest.raises(ValueError, match="both"):
        threshold_for_precision([1, 1], [0.2, 0.3], 0.5)


def test_class_report_matches_sklearn():
    rng = np.random.default_rng(1)
    Y = (rng.random((200, 3)) < 0.3).astype(int)
    P = rng.random((200, 3)) * 0.5 + Y * 0.4
    t = class_report(Y, P, ["a", "b", "c"])
    for j, c in enumerate("abc"):
        assert np.isclose(t.loc[c, "pr_auc"], average_precision_score(Y[:, j], P[:, j]))
    assert np.isclose(t.loc["mean", "roc_auc"], np.mean([roc_auc_score(Y[:, j], P[:, j]) for j in range(3)]))
    with pytest.raises(ValueError, match="class_names"):
        class_report(Y, P, ["a"])


def test_modality_reliance_finds_the_block_a_model_reads():
    from mlsd_lib.moderation.evaluate import modality_reliance

    posts, _, F = world()
    y = posts.hand_labels[:, :2]

    class ReadsImage:
        def predict_proba(self, f):
            return np.column_stack([f.blocks["image"][:, 0], f.blocks["image"][:, 1]]) + 1e-3 * np.arange(len(f))[:, None]

    r = modality_reliance(ReadsImage(), F, y)
    assert r["text"] == pytest.approx(0) and r["other"] == pytest.approx(0) and list(r.index) == ["text", "image", "other"]
    with pytest.raises(ValueError, match="modalities"):
        modality_reliance(ReadsImage(), F, y, {"video": ("video",)})
    with pytest.raises(ValueError, match="labels"):
        modality_reliance(ReadsImage(), F, y[:5])
    with pytest.raises(TypeError, match="features"):
        modality_reliance(ReadsImage(), "F", y)
