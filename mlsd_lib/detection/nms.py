"""Non-maximum suppression (source ch. 3, "Overlapping bounding boxes", Fig. 3.11).

Greedy NMS: take the highest-scoring box, drop every remaining box that overlaps it by more
than ``iou_threshold``, repeat. Each round compares the kept box with all boxes still alive
in one vectorised pass, so the Python loop runs once per *kept* box, never per pair, and
boxes suppressed early are never looked at again. Up to 1,500 boxes the whole overlap matrix
is computed at once instead, and the greedy pass visits only the boxes that overlap another. The class-aware form runs NMS separately
within each class (a face never suppresses a plate).

Introduced in chapter 3, "Serving".
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_float, check_same_length

__all__ = ["nms", "batched_nms"]

_SMALL = 1500   # up to this many boxes, the whole overlap matrix fits in a few MB


def _nms_matrix(x1, y1, x2, y2, area, t) -> np.ndarray:
    """Greedy NMS on score-sorted boxes from their whole overlap matrix, for small inputs.

    ``over[i, j]``: box i outranks box j and overlaps it by more than ``t``. The greedy pass
    then visits only the boxes that overlap some lower-ranked box, each in one vector OR.
    """
    f = np.float32
    x1, y1, x2, y2, area = (v.astype(f) for v in (x1, y1, x2, y2, area))
    w = np.minimum(x2[:, None], x2[None]) - np.maximum(x1[:, None], x1[None])
    np.clip(w, 0, None, out=w)
    h = np.minimum(y2[:, None], y2[None]) - np.maximum(y1[:, None], y1[None])
    np.clip(h, 0, None, out=h)
    inter = w * h
    over = inter > f(t) * (area[:, None] + area[None] - inter)
    over &= np.triu(np.ones_like(over), k=1)
    removed = np.zeros(len(x1), bool)
    for i in np.flatnonzero(over.any(1)):
        if not removed[i]:
            removed |= over[i]
    return np.flatnonzero(~removed)


def _inputs(boxes, scores):
    b = as_array(boxes, "boxes", ndim=2, allow_empty=True)
    if b.size == 0:
        b = b.reshape(0, 4)
    if b.shape[1] != 4:
        raise ValueError(f"boxes must be (n, 4) xyxy, got shape {b.shape}")
    if (b[:, 2:] < b[:, :2]).any():
        raise ValueError("boxes must be xyxy with x2 >= x1 and y2 >= y1")
    s = as_array(scores, "scores", ndim=1, allow_empty=True)
    check_same_length(boxes=b, scores=s)
    return b, s


def nms(boxes: ArrayLike, scores: ArrayLike, iou_threshold: float = 0.5,
        score_threshold: float | None = None) -> np.ndarray:
    """Indices of the boxes greedy NMS keeps, highest score first.

    A box is dropped when its IoU with a kept, higher-scoring box is *greater than*
    ``iou_threshold`` (OpenCV's ``cv2.dnn.NMSBoxes`` convention). Boxes scoring below
    ``score_threshold`` are dropped first.

    Examples
    --------
    >>> nms([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30]], [0.9, 0.8, 0.7], 0.5).tolist()
    [0, 2]
    """
    b, s = _inputs(boxes, scores)
    iou_threshold = check_float(iou_threshold, "iou_threshold", low=0.0, high=1.0)
    if score_threshold is not None:
        check_float(score_threshold, "score_threshold")
    idx = np.arange(len(s))
    if score_threshold is not None:
        idx = idx[s >= score_threshold]
    if len(idx) == 0:
        return np.zeros(0, dtype=np.int64)
    order = idx[np.argsort(-s[idx], kind="stable")]
    x1, y1, x2, y2 = (np.ascontiguousarray(b[order, k]) for k in range(4))
    area = (x2 - x1) * (y2 - y1)
    if len(order) <= _SMALL:
        return order[_nms_matrix(x1, y1, x2, y2, area, iou_threshold)]
    alive = np.arange(len(order))
    keep = []
    while alive.size:
        i, rest = alive[0], alive[1:]
        keep.append(i)
        # overlap of the best remaining box with every box still alive, in one vector pass
        w = np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest])
        h = np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest])
        inter = np.clip(w, 0, None) * np.clip(h, 0, None)
        union = area[i] + area[rest] - inter
        alive = rest[(inter <= iou_threshold * union) | (union <= 0)]   # IoU > threshold: suppressed
    return order[np.asarray(keep, dtype=np.int64)]


def batched_nms(boxes: ArrayLike, scores: ArrayLike, labels: ArrayLike, iou_threshold: float = 0.5,
                score_threshold: float | None = None) -> np.ndarray:
    """Class-aware NMS: boxes of different ``labels`` never suppress each other.

    Implemented by shifting each class's boxes to their own region of the plane (so boxes of
    different classes cannot overlap) and running :func:`nms` once.

    Examples
    --------
    >>> batched_nms([[0, 0, 10, 10], [1, 1, 11, 11]], [0.9, 0.8], [0, 1], 0.5).tolist()
    [0, 1]
    """
    b, s = _inputs(boxes, scores)
    lab = as_array(labels, "labels", ndim=1, dtype="int", allow_empty=True)
    check_same_length(boxes=b, labels=lab)
    if len(b) == 0:
        return np.zeros(0, dtype=np.int64)
    span = float(b.max() - min(b.min(), 0.0)) + 1.0
    shifted = b + (lab - lab.min())[:, None].astype(float) * span
    return nms(shifted, s, iou_threshold, score_threshold)
