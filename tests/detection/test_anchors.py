"""Unit tests of ``mlsd_lib.detection.anchors``."""

from __future__ import annotations

import numpy as np

from mlsd_lib.detection import anchors as AN

# ------------------------------------------------------------------------------- anchors


def test_anchor_grid_hand_computed():
    a = AN.make_anchors(2, 4, [(4, 4), (8, 2)])
    assert a.shape == (8, 4)
    assert a[0].tolist() == [0, 0, 4, 4] and a[1].tolist() == [-2, 1, 6, 3]   # cell (0, 0), both shapes
    assert a[2].tolist() == [4, 0, 8, 4]                                      # cell (0, 1): x moves first


def test_anchor_matching_hand_computed():
    anchors = np.array([[0, 0, 4, 4], [1, 0, 5, 4], [3, 0, 7, 4], [20, 20, 24, 24]], float)
    gt = np.array([[0, 0, 4, 4]], float)
    m = AN.match_anchors(anchors, gt, [1], pos_iou=0.5, neg_iou=0.3)
    # IoUs 1, 12/20 = 0.6, 4/28 = 0.14, 0: positive, positive, background, background
    assert np.allclose(m.iou, [1.0, 0.6, 4 / 28, 0.0])
    assert m.labels.tolist() == [1, 1, 0, 0]
    assert m.matched.tolist() == [0, 0, -1, -1]
    assert np.allclose(m.deltas[1], [-0.25, 0, 0, 0])
    # between the thresholds: ignored
    m = AN.match_anchors(anchors, gt, [2], pos_iou=0.7, neg_iou=0.3)
    assert m.labels.tolist() == [2, -1, 0, 0]


def test_every_object_claims_its_best_anchor():
    anchors = np.array([[0, 0, 10, 10], [20, 0, 30, 10]], float)
    gt = np.array([[22, 2, 26, 6]], float)        # IoU 0.16 with its best anchor: below pos_iou
    assert AN.match_anchors(anchors, gt, [1]).labels.tolist() == [0, 1]


def test_matching_without_objects_is_all_background():
    m = AN.match_anchors(AN.make_anchors(2, 4, [(4, 4)]), np.zeros((0, 4)), [])
    assert (m.labels == 0).all() and (m.matched == -1).all()


def test_match_batch_is_match_anchors_image_by_image_on_training_scenes():
    """On real training batches (crowded, empty and overlapping objects), the batched matching
    gives every image the labels and deltas the one-image rule gives it."""
    from mlsd_lib.detection.anchors import match_anchors, match_batch
    from mlsd_lib.detection.models import OneStageDetector
    from mlsd_lib.detection.scenes import make_scenes

    scenes = make_scenes(48, seed=3, pose=0.5, oval=True, max_faces=4, max_plates=3)
    anchors = OneStageDetector().anchors
    boxes, labels = list(scenes.boxes) + [np.zeros((0, 4))], list(scenes.labels) + [np.zeros(0, int)]
    got_labels, got_deltas = match_batch(anchors, boxes, labels)
    assert any(len(b) == 0 for b in boxes) and max(len(b) for b in boxes) >= 3
    for i, (b, v) in enumerate(zip(boxes, labels, strict=True)):
        one = match_anchors(anchors, b, v)
        np.testing.assert_array_equal(got_labels[i], one.labels)
        np.testing.assert_allclose(got_deltas[i], one.deltas)
