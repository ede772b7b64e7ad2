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
