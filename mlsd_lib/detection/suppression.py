"""Non-maximum suppression (source ch. 3, "Overlapping bounding boxes", Fig. 3.11).

Greedy NMS: take the highest-scoring box, drop every remaining box that overlaps it by more
than ``iou_threshold``, repeat. Written that way it is a Python loop per kept box. Here a
banded sweep first finds every pair of boxes that overlaps by more than the threshold (a
sorted search, no n-by-n matrix), and greedy NMS then runs over that pair graph in a few
vectorised rounds, with the same result as the loop. Only a dense pile of boxes, with more
overlapping candidates than memory allows, falls back to one vectorised pass per kept box.
The class-aware form runs NMS separately within each class (a face never suppresses a plate).

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

    A banded sweep. Boxes are cut into horizontal bands as tall as the tallest box, so two
    boxes can overlap only within one band or between neighbouring bands. Sorted by band,
    then by left edge, the boxes that can overlap box ``i`` form two contiguous runs: the
    later boxes of its own band whose left edge lies before ``i``'s right edge, and the boxes
    of the next band whose left edge lies within one box width of ``i``. Each run is found by
    one ``searchsorted``. Only candidate pairs get an IoU, so sparse scenes cost about
    n log n instead of n squared, and the bands keep the candidates few when boxes crowd
    along x (about a sixth of a plain sweep's on detector output).
    """
    n = len(x1)
    if n < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    tallest, widest = float((y2 - y1).max()), float((x2 - x1).max())
    left = x1 - x1.min()
    band = np.floor((y1 - y1.min()) * (1.0 / tallest)) if tallest > 0 else np.zeros(n)
    span = float(left.max()) + 2 * widest + 1.0        # a band's keys never reach the next band's
    base = band * span
    key = base + left
    by = np.argsort(key)
    key, base, left = key[by], base[by], left[by]
    x1, y1, x2, y2, area = x1[by], y1[by], x2[by], y2[by], area[by]   # positions in key order
    right = left + (x2 - x1)
    # one search for the three run ends: own band's stop, next band's start and stop
    found = np.searchsorted(key, np.concatenate(
        [base + right, base + (span - widest) + left, base + span + right]))
    pos = np.arange(n)
    start = np.concatenate([pos + 1, found[n:2 * n]])
    count = np.concatenate([found[:n], found[2 * n:]]) - start
    np.maximum(count, 0, out=count)
    total = int(count.sum())
    if total > _MAX_PAIRS:
        return None
    # the r-th run's candidates are the positions start[r] ... start[r] + count[r] - 1
    a = np.repeat(np.concatenate([pos, pos]), count)
    b = np.arange(total) - np.repeat(np.cumsum(count) - count - start, count)
    h = np.minimum(y2[a], y2[b])
    h -= np.maximum(y1[a], y1[b])
    meets = np.flatnonzero(h > 0)        # most candidates miss in y: drop them before the rest
    a, b, h = a[meets], b[meets], h[meets]
    inter = np.minimum(x2[a], x2[b])
    inter -= np.maximum(x1[a], x1[b])
    np.maximum(inter, 0, out=inter)
    inter *= h
    over = inter > t * (area[a] + area[b] - inter)
    a, b = by[a[over]], by[b[over]]
    return np.minimum(a, b), np.maximum(a, b)


def _greedy(n: int, winner: np.ndarray, loser: np.ndarray) -> np.ndarray:
    """Greedy NMS over an overlap graph, decided in rounds instead of box by box.

    A box is kept when every higher-ranked box that overlaps it was removed, and removed
    when one of them is kept. Each round keeps every undecided box that no undecided box
    outranks, lets those remove their losers, and drops the edges that are settled. The best
    undecided box is always kept, so the rounds end; on real detections a handful suffice,
    because suppression chains (a beats b, b would beat c) are short.
    """
    state = np.zeros(n, np.int8)                      # 0 undecided, 1 kept, 2 removed
    while winner.size:
        blocked = np.zeros(n, bool)
        blocked[loser] = True
        state[(state == 0) & ~blocked] = 1
        state[loser[state[winner] == 1]] = 2
        open_ = (state[winner] == 0) & (state[loser] == 0)
        winner, loser = winner[open_], loser[open_]
    state[state == 0] = 1                             # nothing undecided outranks them now
    return np.flatnonzero(state == 1)


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
    # the sweep finds every overlapping pair at once, so greedy runs over the pair graph
    pairs = _overlap_pairs(x1, y1, x2, y2, area, iou_threshold)
    if pairs is not None:
        return order[_greedy(len(order), *pairs)]
    # too many overlapping candidates (a dense pile): one vector pass per kept box
    alive, keep, sweep = np.arange(len(order)), [], True
    while alive.size:
        i, rest = alive[0], alive[1:]
        keep.append(i)
        w = np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest])
        h = np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest])
        inter = np.clip(w, 0, None) * np.clip(h, 0, None)
        union = area[i] + area[rest] - inter
        alive = rest[(inter <= iou_threshold * union) | (union <= 0)]   # IoU > threshold: suppressed
        if sweep and alive.size and len(rest) - len(alive) < _DENSE:
            # this box removed few others: what is left may be sparse enough for the sweep now
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
