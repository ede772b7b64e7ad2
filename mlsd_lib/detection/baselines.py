"""The classical baseline: OpenCV's Haar cascades for frontal faces and licence plates.

Viola–Jones cascades of boosted Haar-like features, the detectors of the 2000s. They ship
with ``opencv-python-headless`` (``cv2.data.haarcascades``): the frontal-face cascade and
the Russian-plate cascade. Their training windows (24 x 24 faces, 60 x 20 plates) are larger
than the chapter's small scenes, so the scenes are upscaled before detection and the boxes
scaled back. A cascade gives a level weight rather than a probability; it serves as the
score that ranks detections for AP.

Introduced in chapter 3, "Model development".
"""

from __future__ import annotations

from functools import cache

import numpy as np

from mlsd_lib._validation import as_array, check_int

__all__ = ["haar_detect"]

CASCADES = {1: "haarcascade_frontalface_default.xml", 2: "haarcascade_russian_plate_number.xml"}


@cache
def _cascade(name: str):
    import cv2

    c = cv2.CascadeClassifier(cv2.data.haarcascades + name)
    if c.empty():  # pragma: no cover - the files ship with the wheel
        raise FileNotFoundError(f"OpenCV cascade {name} is missing from cv2.data.haarcascades")
    return c


def haar_detect(images, upscale: int = 4, min_neighbors: int = 3) -> list[dict]:
    """Haar-cascade detections (face = 1, plate = 2) for grey float scenes ``(n, h, w)`` in [0, 1].

    Examples
    --------
    >>> d = haar_detect(np.zeros((1, 64, 64), np.float32))
    >>> d[0]["boxes"].shape
    (0, 4)
    """
    import cv2

    x = as_array(images, "images", ndim=3)
    upscale = check_int(upscale, "upscale", low=1, high=8)
    min_neighbors = check_int(min_neighbors, "min_neighbors", low=0)
    out = []
    for img in x:
        big = cv2.resize((np.clip(img, 0, 1) * 255).astype(np.uint8), None, fx=upscale, fy=upscale,
                         interpolation=cv2.INTER_LINEAR)
        boxes, scores, labels = [], [], []
        for label, name in CASCADES.items():
            rects, _, weights = _cascade(name).detectMultiScale3(big, scaleFactor=1.1, minNeighbors=min_neighbors,
                                                                 outputRejectLevels=True)
            for (bx, by, bw, bh), wgt in zip(np.asarray(rects).reshape(-1, 4), np.asarray(weights).ravel(),
                                             strict=True):
                boxes.append(np.array([bx, by, bx + bw, by + bh], float) / upscale)
                scores.append(float(wgt))
                labels.append(label)
        out.append({"boxes": np.asarray(boxes, float).reshape(-1, 4), "scores": np.asarray(scores, float),
                    "labels": np.asarray(labels, np.int64)})
    return out
