"""Chapter 3's bookkeeping, checked once here rather than asserted in the notebook."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlsd_lib.detection import evaluate as ev
from mlsd_lib.detection.boxes import xywh_to_xyxy, xyxy_to_xywh
from mlsd_lib.detection.models import OneStageDetector, TwoStageDetector, make_batch
from mlsd_lib.detection.scenes import make_scenes


def test_the_source_precision_example():
    ious = [0.92, 0.78, 0.62, 0.24, 0.08, 0.0]       # six detections around two objects (Fig. 3.10)
    assert [ev.precision_from_ious(ious, t) for t in (0.7, 0.5, 0.1)] == [2 / 6, 3 / 6, 4 / 6]


def test_table_3_1_rows():
    rows = np.array([[10, 10, 25, 50], [120, 180, 40, 70], [80, 95, 35, 10],
                     [170, 190, 30, 80], [25, 30, 210, 220], [30, 40, 30, 60]], float)
    assert np.array_equal(xyxy_to_xywh(xywh_to_xyxy(rows)), rows)


@pytest.mark.parametrize("cls", [OneStageDetector, TwoStageDetector])
def test_loss_is_classification_plus_lambda_times_regression(cls):
    """L(λ) = L_cls + λ·L_reg is affine in λ: the step from λ = 0 to 1 equals the step from 1 to 2."""
    s = make_scenes(6, seed=4)
    model = cls()
    batch = make_batch(s.images, s.boxes, s.labels, model.anchors)

    def loss(lam):
        torch.manual_seed(0)                            # the same sampled anchors and regions
        with torch.no_grad():
            return float(model.loss(batch, lam))

    l0, l1, l2 = loss(0.0), loss(1.0), loss(2.0)
    assert l1 - l0 == pytest.approx(l2 - l1, rel=1e-4, abs=1e-5)
    assert l1 >= l0                                     # the regression term is a sum of squares


def test_map_is_the_mean_of_the_class_aps():
    rng = np.random.default_rng(0)
    dets, gts = [], []
    for _ in range(10):
        g = np.c_[rng.uniform(0, 40, (3, 2)), rng.uniform(0, 40, (3, 2)) + 45]
        d = g + rng.normal(0, 3, g.shape)
        dets.append({"boxes": d, "scores": rng.random(3), "labels": np.array([1, 2, 2])})
        gts.append({"boxes": g, "labels": np.array([1, 2, 2])})
    table = ev.evaluate_detections(dets, gts, [1, 2], ev.COCO_THRESHOLDS)
    assert ev.mean_average_precision(dets, gts, [1, 2], ev.COCO_THRESHOLDS) == pytest.approx(table.to_numpy().mean())
