"""Unit tests of ``mlsd_lib.detection.boxes``."""

from __future__ import annotations

import numpy as np
import pytest

from mlsd_lib.detection import boxes as BX

# ------------------------------------------------------------------------------ boxes, IoU


def test_table_3_1_boxes_round_trip():
    xywh = np.array([[10, 10, 25, 50], [120, 180, 40, 70], [80, 95, 35, 10]], float)
    xyxy = BX.xywh_to_xyxy(xywh)
    assert xyxy[1].tolist() == [120, 180, 160, 250]
    assert np.array_equal(BX.xyxy_to_xywh(xyxy), xywh)


def test_iou_hand_computed():
    a = np.array([[0, 0, 4, 4]])
    b = np.array([[2, 2, 6, 6], [0, 0, 4, 2], [4, 4, 8, 8], [10, 10, 12, 12]])
    # overlap 2x2=4 of union 28; half of a; touching corners; disjoint
    assert np.allclose(BX.box_iou(a, b), [[4 / 28, 0.5, 0.0, 0.0]])
    assert BX.box_iou(a, np.zeros((0, 4))).shape == (1, 0)


def test_encode_decode_round_trip():
    rng = np.random.default_rng(0)
    anchors = np.c_[rng.uniform(0, 50, (20, 2)), rng.uniform(0, 50, (20, 2)) + 60]
    boxes = np.c_[rng.uniform(0, 50, (20, 2)), rng.uniform(0, 50, (20, 2)) + 55]
    assert np.allclose(BX.decode_boxes(BX.encode_boxes(boxes, anchors), anchors), boxes)


def test_box_errors_name_the_argument():
    with pytest.raises(ValueError, match="boxes"):
        BX.xywh_to_xyxy([[0, 0, -1, 2]])
    with pytest.raises(ValueError, match="a must be xyxy"):
        BX.box_iou([[3, 0, 1, 2]], [[0, 0, 1, 1]])
    with pytest.raises(ValueError, match="paired"):
        BX.encode_boxes([[0, 0, 1, 1]], [[0, 0, 1, 1], [0, 0, 2, 2]])
