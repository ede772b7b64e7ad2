"""Helpers shared by the tests of ``mlsd_lib.detection``."""

from __future__ import annotations

import numpy as np

# ---------------------------------------------------------------------------------- real photographs


class _BlobDetector:
    """A stand-in detector for 64 px tiles: one box around the bright pixels, if they fit a face's size."""

    image_size = 64

    def detect(self, images, score_threshold=0.05, iou_threshold=0.5, max_detections=20):
        out = []
        for img in np.asarray(images):
            ys, xs = np.nonzero(img > 0.5)
            ok = len(xs) and 8 <= xs.max() - xs.min() + 1 <= 24 and xs.min() > 0 and xs.max() < 63 \
                and ys.min() > 0 and ys.max() < 63
            b = np.array([[xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]], float) if ok else np.zeros((0, 4))
            out.append({"boxes": b, "scores": np.full(len(b), 0.9), "labels": np.ones(len(b), np.int64)})
        return out
