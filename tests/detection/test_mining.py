"""Unit tests of ``mlsd_lib.detection.mining``."""

from __future__ import annotations

import numpy as np
import pytest

from mlsd_lib.detection import boxes as BX
from mlsd_lib.detection.scenes import make_scenes


def test_reports_and_mining():
    from mlsd_lib.detection.mining import mine_hard_examples, simulate_reports

    s = make_scenes(6, seed=1, signs=1.0)
    empty = {"boxes": np.zeros((0, 4)), "scores": np.zeros(0), "labels": np.zeros(0, int)}
    wrong = [{"boxes": np.array([[0.0, 0.0, 3.0, 3.0]]), "scores": np.array([0.9]), "labels": np.array([1])}
             if i == 2 else empty for i in range(6)]
    rep = simulate_reports(wrong, s, report_rate=1.0)
    n_objects = sum(len(b) for b in s.boxes)
    assert (rep["kind"] == "not blurred").sum() == n_objects
    assert (rep["kind"] == "wrong blur").sum() == int(box_iou_free(s.boxes[2]))
    mined = mine_hard_examples(s, rep, copies=2)
    assert len(mined) == 2 * rep["image"].nunique()
    with pytest.raises(ValueError, match="empty"):
        mine_hard_examples(s, rep.iloc[:0])


def box_iou_free(boxes):
    """1 when the box (0, 0, 3, 3) overlaps no object by IoU 0.3, else 0."""
    return len(boxes) == 0 or BX.box_iou([[0, 0, 3, 3]], boxes).max() < 0.3
