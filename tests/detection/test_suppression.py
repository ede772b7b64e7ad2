"""Unit tests of ``mlsd_lib.detection.suppression``."""

from __future__ import annotations

import importlib

import cv2
import numpy as np
import pytest

NMS = importlib.import_module("mlsd_lib.detection.suppression")


# -------------------------------------------------------------------------------------- NMS


@pytest.mark.parametrize("n,threshold", [(10, 0.5), (300, 0.3), (2000, 0.5), (3000, 0.7)])
def test_nms_equals_opencv(n, threshold):
    rng = np.random.default_rng(n)
    xy, wh = rng.uniform(0, 200, (n, 2)), rng.uniform(5, 40, (n, 2))
    scores = rng.permutation(n) / n + 0.001           # distinct scores: no tie-breaking question
    ref = np.asarray(cv2.dnn.NMSBoxes(np.c_[xy, wh].tolist(), scores.tolist(), 0.0, threshold)).ravel()
    ours = NMS.nms(np.c_[xy, xy + wh], scores, threshold)
    assert np.array_equal(ours, ref)


@pytest.mark.parametrize("route", ["per kept box", "sweep", "mixed"])
@pytest.mark.parametrize("clustered", [False, True])
def test_every_nms_route_keeps_what_opencv_keeps(monkeypatch, route, clustered):
    """The pass per kept box, the sweep over candidate pairs, and a switch between them agree."""
    rng = np.random.default_rng(7)
    n = 1500
    if clustered:                                     # ten jittered boxes per object, as a detector emits
        xy = np.repeat(rng.uniform(0, 400, (n // 10, 2)), 10, axis=0) + rng.normal(0, 3, (n, 2))
    else:
        xy = rng.uniform(0, 400, (n, 2))
    wh = rng.uniform(5, 40, (n, 2))
    scores = rng.permutation(n) / n + 0.001
    if route == "per kept box":
        monkeypatch.setattr(NMS, "_MAX_PAIRS", -1)     # the sweep never fits
    elif route == "sweep":
        monkeypatch.setattr(NMS, "_DENSE", n + 1)      # the first kept box hands over at once
    ref = np.asarray(cv2.dnn.NMSBoxes(np.c_[xy, wh].tolist(), scores.tolist(), 0.0, 0.5)).ravel()
    assert np.array_equal(NMS.nms(np.c_[xy, xy + wh], scores, 0.5), ref)


def test_nms_score_threshold_and_empty():
    assert NMS.nms(np.zeros((0, 4)), np.zeros(0)).tolist() == []
    b = [[0, 0, 10, 10], [20, 20, 30, 30]]
    assert NMS.nms(b, [0.9, 0.2], 0.5, score_threshold=0.5).tolist() == [0]


def test_class_aware_nms_keeps_overlapping_boxes_of_other_classes():
    b = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [0, 0, 10, 10]], float)
    s = np.array([0.9, 0.8, 0.7])
    assert NMS.batched_nms(b, s, [1, 1, 2], 0.5).tolist() == [0, 2]
    assert NMS.nms(b, s, 0.5).tolist() == [0]
