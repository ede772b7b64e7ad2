"""Unit tests of ``mlsd_lib.detection.baselines``."""

from __future__ import annotations

import cv2
import numpy as np


def test_haar_finds_a_real_face():
    from skimage.data import astronaut

    from mlsd_lib.detection.baselines import haar_detect

    grey = cv2.cvtColor(astronaut(), cv2.COLOR_RGB2GRAY)
    small = cv2.resize(grey, (128, 128), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
    d = haar_detect(small[None], upscale=2)[0]
    faces = d["boxes"][d["labels"] == 1]
    assert len(faces) >= 1
    # Eileen Collins' face sits around x 40-60, y 15-45 of the 128 px image
    cx, cy = (faces[:, 0] + faces[:, 2]) / 2, (faces[:, 1] + faces[:, 3]) / 2
    assert ((cx > 35) & (cx < 75) & (cy > 10) & (cy < 50)).any(), faces


def test_the_pretrained_ssd_finds_real_faces_and_nothing_in_noise():
    from skimage.data import astronaut

    from mlsd_lib.detection.baselines import ssd_faces

    d = ssd_faces(astronaut())
    assert len(d["boxes"]) >= 1 and d["scores"][0] >= 0.9
    x1, y1, x2, y2 = d["boxes"][0]                   # Eileen Collins' face: about x 170-270, y 75-180
    assert 150 < (x1 + x2) / 2 < 280 and 70 < (y1 + y2) / 2 < 190
    assert (np.diff(d["scores"]) <= 0).all()
    # grey and float photos read the same way as uint8 colour
    grey = cv2.cvtColor(astronaut(), cv2.COLOR_RGB2GRAY)
    assert len(ssd_faces(grey.astype(np.float32) / 255)["boxes"]) >= 1
    noise = np.random.default_rng(0).integers(0, 256, (200, 300, 3)).astype(np.uint8)
    assert len(ssd_faces(noise)["boxes"]) == 0


def test_photo_baselines_refuse_bad_images():
    import pytest

    from mlsd_lib.detection.baselines import cascade_faces, ssd_faces

    for fn in (ssd_faces, cascade_faces):
        with pytest.raises(ValueError, match="0-255"):
            fn(np.full((20, 20), 300, np.int32))
        with pytest.raises(ValueError, match=r"\[0, 1\]"):
            fn(np.full((20, 20), 1.5))
        with pytest.raises(ValueError, match="8x8"):
            fn(np.zeros((4, 20), np.uint8))
    with pytest.raises(ValueError, match="score_threshold"):
        ssd_faces(np.zeros((20, 20), np.uint8), score_threshold=2)
