"""Chapter 3 (ch03_street_view_blurring): its notebook, run end to end at the small size by the six
checks of ``notebook_checks``, and the identities its text relies on.

Chapter 3's bookkeeping, checked once here rather than asserted in the notebook.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from chapters.notebook_checks import *  # noqa: F403  the six checks every chapter passes
from chapters.notebook_checks import chapter
from mlsd_lib.detection import evaluate as ev
from mlsd_lib.detection.boxes import xywh_to_xyxy, xyxy_to_xywh
from mlsd_lib.detection.models import OneStageDetector, TwoStageDetector, make_batch
from mlsd_lib.detection.scenes import make_scenes

nb = chapter("ch03_street_view_blurring")


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
    assert ev.box_map(dets, gts, [1, 2], ev.COCO_THRESHOLDS) == pytest.approx(table.to_numpy().mean())


def _random_image(rng, n_objects=3, n_dets=8):
    g = np.c_[rng.uniform(0, 40, (n_objects, 2)), np.zeros((n_objects, 2))]
    g[:, 2:] = g[:, :2] + rng.uniform(8, 20, (n_objects, 2))
    near = g[rng.integers(0, n_objects, n_dets)] + rng.normal(0, 3, (n_dets, 4))
    near[:, 2:] = np.maximum(near[:, 2:], near[:, :2] + 1)
    return ({"boxes": near, "scores": rng.random(n_dets), "labels": rng.integers(1, 3, n_dets)},
            {"boxes": g, "labels": rng.integers(1, 3, n_objects)})


def test_precision_cannot_rise_with_the_iou_threshold():
    """C3.1: the same boxes, a stricter match: true positives can only fall, the box count stays."""
    rng = np.random.default_rng(1)
    dets, gts = zip(*(_random_image(rng) for _ in range(40)), strict=True)
    ths = np.round(np.arange(0.1, 0.96, 0.05), 2)
    counts = np.stack([ev.per_image_counts(list(dets), list(gts), t, 0.3) for t in ths])
    assert (np.diff(counts[:, :, 0], axis=0) <= 0).all()           # per image, per step of the threshold
    assert (counts[:, :, 1] == counts[0, :, 1]).all()                # the denominator never moves
    assert counts[:, :, 0].sum() > 0 and counts[-1, :, 0].sum() < counts[0, :, 0].sum()   # not vacuous
    ious = rng.random(50)                                             # and the source's per-detection form
    prec = [ev.precision_from_ious(ious, t) for t in ths]
    assert all(a >= b for a, b in zip(prec, prec[1:], strict=False))


def test_duplicates_are_false_positives_that_nms_removes():
    """C3.3: k boxes on one object are 1 true positive and k - 1 false positives; NMS keeps the one."""
    from mlsd_lib.detection.suppression import batched_nms

    obj = np.array([[10.0, 10.0, 30.0, 30.0]])
    for k in (2, 3, 5):
        boxes = obj + np.linspace(0, 2, k)[:, None]                  # all overlap the object by IoU > 0.8
        d = {"boxes": boxes, "scores": np.linspace(0.9, 0.5, k), "labels": np.ones(k, int)}
        g = {"boxes": obj, "labels": np.array([1])}
        assert ev.per_image_counts([d], [g], 0.5, 0.3).tolist() == [[1, k, 1]]
        keep = batched_nms(d["boxes"], d["scores"], d["labels"], 0.5)
        kept = {key: v[keep] for key, v in d.items()}
        assert ev.per_image_counts([kept], [g], 0.5, 0.3).tolist() == [[1, 1, 1]]
    rng = np.random.default_rng(2)                                    # on random images NMS drops boxes only,
    for _ in range(40):                                               # and never more true positives than boxes
        d, g = _random_image(rng)
        keep = batched_nms(d["boxes"], d["scores"], d["labels"], 0.5)
        kept = {key: v[keep] for key, v in d.items()}
        before, after = ev.per_image_counts([d], [g], 0.5, 0.0)[0], ev.per_image_counts([kept], [g], 0.5, 0.0)[0]
        assert after[1] <= before[1] and before[0] - after[0] <= before[1] - after[1]


def test_offline_augmentation_stores_copies_plus_one_images():
    """C3.5's storage half: k offline copies store k + 1 images (and boxes) per original."""
    from mlsd_lib.detection.train import augment_offline

    s = make_scenes(6, seed=3)
    for k in (1, 4):
        stored = augment_offline(s, k, seed=0)
        assert len(stored) == (k + 1) * len(s) and stored.images.nbytes == (k + 1) * s.images.nbytes
        assert np.array_equal(stored.images[:len(s)], s.images)      # the originals are kept as they were
