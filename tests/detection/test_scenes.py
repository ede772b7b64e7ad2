"""Unit tests of ``mlsd_lib.detection.scenes``."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from mlsd_lib.detection.scenes import SPLITS, load_sources, make_scenes, render_plate, turn_face

# ---------------------------------------------------------------------------------- scenes


def test_scenes_are_seeded_and_boxes_lie_inside():
    a, b = make_scenes(20, seed=3), make_scenes(20, seed=3)
    assert np.array_equal(a.images, b.images)
    for boxes, labels in zip(a.boxes, a.labels, strict=True):
        assert ((boxes >= 0) & (boxes <= 64)).all() and set(labels.tolist()) <= {1, 2}
    table = a.annotations()
    assert list(table.columns) == ["image", "object", "bounding box [x, y, w, h]"]
    assert len(table) == sum(len(x) for x in a.boxes)


def test_train_val_and_test_scenes_use_different_people():
    s = load_sources()
    assert [(s.face_split == k).sum() for k in (0, 2, 1)] == [55, 15, 30]
    seen = {split: set(np.concatenate(make_scenes(40, seed=1, split=split, pose=0.5, oval=True).sources).tolist()) - {-1}
            for split in ("train", "val", "test")}
    assert not (seen["train"] & seen["val"]) and not (seen["train"] & seen["test"]) and not (seen["val"] & seen["test"])
    for split, people in seen.items():
        assert (s.face_split[list(people)] == SPLITS[split]).all()
    only = make_scenes(20, seed=2, split="test", people=[int(np.flatnonzero(s.face_split == 1)[0])])
    assert set(np.concatenate(only.sources).tolist()) - {-1} <= {int(np.flatnonzero(s.face_split == 1)[0])}
    with pytest.raises(ValueError, match="people"):
        make_scenes(2, split="test", people=[int(np.flatnonzero(s.face_split == 0)[0])])


def test_pose_zero_leaves_the_scenes_as_they_were():
    a, b = make_scenes(5, seed=4), make_scenes(5, seed=4, pose=0.0, oval=False)
    assert np.array_equal(a.images, b.images)
    c = make_scenes(5, seed=4, pose=1.0, oval=True)
    assert c.images.shape == a.images.shape and not np.array_equal(c.images, a.images)


def test_turn_face_keeps_the_edges_and_moves_the_midline():
    patch = np.tile(np.linspace(0, 1, 21, dtype=np.float32), (5, 1))
    assert np.allclose(turn_face(patch, 0.0), patch)
    right, left = turn_face(patch, 0.5), turn_face(patch, -0.5)
    assert np.isclose(right[0, 0], 0) and np.isclose(right[0, -1], 1)      # the face's edges stay put
    assert right[0, 5] > patch[0, 5] and left[0, 15] < patch[0, 15]        # one half squeezed, by side
    assert turn_face(np.zeros((6, 8, 3), np.uint8), 0.3).dtype == np.uint8
    with pytest.raises(ValueError, match="amount"):
        turn_face(patch, 1.5)


def test_planted_faces_are_the_pixels_in_their_boxes():
    s = make_scenes(30, seed=0, occlusion=0.0, textures=0.0)
    src = load_sources()
    for img, boxes, labels, who in zip(s.images, s.boxes, s.labels, s.sources, strict=True):
        for (x1, y1, x2, y2), c, planted in zip(boxes.astype(int), labels, who, strict=True):
            if c != 1:
                continue
            crop = cv2.resize(img[y1:y2, x1:x2], (25, 25), interpolation=cv2.INTER_LINEAR)
            z = (crop - crop.mean()) / crop.std()
            faces = src.faces.reshape(100, -1)
            fz = (faces - faces.mean(1, keepdims=True)) / faces.std(1, keepdims=True)
            corr = fz @ z.ravel() / z.size
            assert corr.argmax() == planted and corr.max() > 0.7      # the box holds the planted real face


def test_plate_render_and_errors():
    p, m = render_plate(30, 10, seed=1)
    assert p.shape == m.shape == (10, 30) and 0 <= p.min() and p.max() <= 1
    with pytest.raises(ValueError, match="split"):
        make_scenes(2, split="validation")
