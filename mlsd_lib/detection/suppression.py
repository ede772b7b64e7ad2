"""Non-maximum suppression (source ch. 3, "Overlapping bounding boxes", Fig. 3.11).

Greedy NMS: take the highest-scoring box, drop every remaining box that overlaps it by more
than ``iou_threshold``, repeat. Each round compares the kept box with all boxes still alive
in one vectorised pass, so the Python loop runs once per *kept* box, never per pair. That is
fast where each kept box removes many others (dense clusters of detections). Once a kept box
removes only a few, the rest is sparse and a second route takes over: a sweep along x finds
the few pairs of boxes that can overlap at all (a sorted search, no n-by-n matrix), their
IoUs are computed in one pass, and the greedy pass walks only the boxes that overlap a
lower-ranked one. The class-aware form runs NMS
separately within each class (a face never suppresses a plate).

Introduced in chapter 3, "Serving".
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_float, check_same_length

__all__ = ["nms", "batched_nms"]

_MAX_PAIRS = 4_000_000   # candidate pairs held at once (about 100 MB); beyond, one pass per kept box
_DENSE = 8               # a kept box that removes this many others still pays for its own pass


def _overlap_pairs(x1, y1, x2, y2, area, t) -> tuple[np.ndarray, np.ndarray] | None:
    """Pairs ``(i, j)``, ``i < j`` in score rank, whose IoU exceeds ``t``; None if too many candidates.

    A sweep along x: after sorting by the left edge, the boxes that can overlap box ``i`` are
    the ones whose left edge lies before ``i``'s right edge, a contiguous run found by one
    ``searchsorted``. Only those candidate pairs get an IoU, so sparse scenes cost about
    n log n instead of n squared.
    """
    n = len(x1)
    by_x = np.argsort(x1, kind="stable")
    x1, y1, x2, y2, area = (v[by_x] for v in (x1, y1, x2, y2, area))    # positions in x order from here
    first = np.arange(1, n + 1)
    count = np.maximum(np.searchsorted(x1, x2, side="left") - first, 0)
    total = int(count.sum())
    if total > _MAX_PAIRS:
        return None
    # the p-th box's candidates are the positions p + 1 ... p + count[p]
    b = np.arange(total) - np.repeat(np.cumsum(count) - count - first, count)
    top, bottom = np.repeat(y1, count), np.repeat(y2, count)
    h = np.minimum(bottom, y2[b]) - np.maximum(top, y1[b])
    meets = h > 0                                   # most candidates miss in y: drop them before the rest
    a, b, h = np.repeat(np.arange(n), count)[meets], b[meets], h[meets]
    w = np.minimum(x2[a], x2[b]) - x1[b]            # x1[b] >= x1[a] in x order
    inter = np.clip(w, 0, None) * h
    over = inter > t * (area[a] + area[b] - inter)
    a, b = by_x[a[over]], by_x[b[over]]
    return np.minimum(a, b), np.maximum(a, b)


def _greedy(n: int, winner: np.ndarray, loser: np.ndarray) -> np.ndarray:
    """Greedy NMS over an overlap graph: visit winners in rank order, each removes its losers."""
    # a stable sort of small integers is a radix sort: linear in the number of pairs
    order = np.argsort(winner.astype(np.uint16 if n < 2**16 else np.int64), kind="stable")
    loser = loser[order]
    stops = np.cumsum(np.bincount(winner, minlength=n))
    starts = np.r_[0, stops[:-1]]
    heads = np.flatnonzero(stops - starts)
    removed = np.zeros(n, bool)
    for i, lo, hi in zip(heads.tolist(), starts[heads].tolist(), stops[heads].tolist(), strict=True):
        if not removed[i]:
            removed[loser[lo:hi]] = True
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
    alive, keep, sweep = np.arange(len(order)), [], True
    while alive.size:
        i, rest = alive[0], alive[1:]
        keep.append(i)
        # overlap of the best remaining box with every box still alive, in one vector pass
        w = np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest])
        h = np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest])
        inter = np.clip(w, 0, None) * np.clip(h, 0, None)
        union = area[i] + area[rest] - inter
        alive = rest[(inter <= iou_threshold * union) | (union <= 0)]   # IoU > threshold: suppressed
        if sweep and alive.size and len(rest) - len(alive) < _DENSE:
            # this box removed few others: the rest is sparse, where the sweep beats a pass per box
            a = alive
            pairs = _overlap_pairs(x1[a], y1[a], x2[a], y2[a], area[a], iou_threshold)
            if pairs is not None:
                keep.extend(a[_greedy(len(a), *pairs)].tolist())
                break
            sweep = False
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
