"""Anchors: the fixed reference boxes a detector classifies and refines.

A grid of anchors of a few sizes and aspect ratios sits on every cell of the feature map
(Faster R-CNN's RPN, SSD). Training needs each anchor's label: the class of the ground-truth
box it overlaps most when that IoU reaches ``pos_iou``, background below ``neg_iou``, and
"ignore" between. Every ground-truth box also claims its best anchor, so no object goes
without a positive anchor however badly it sits on the grid.

Introduced in chapter 3, "Model development".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_boxes, check_float, check_int
from mlsd_lib.detection.boxes import box_iou, encode_boxes

__all__ = ["make_anchors", "match_anchors", "match_batch", "AnchorMatch"]

IGNORE = -1


def make_anchors(feature_size: int, stride: int, shapes: ArrayLike) -> np.ndarray:
    """Anchors (xyxy) centred on every cell of a ``feature_size``² map, ``len(shapes)`` per cell.

    ``shapes`` is a list of ``(width, height)`` in pixels. Anchors are ordered by row, column,
    then shape: the layout of a conv head's ``(A, H, W)`` output flattened as ``(H, W, A)``.

    Examples
    --------
    >>> make_anchors(2, 8, [(8, 8)]).tolist()
    [[0.0, 0.0, 8.0, 8.0], [8.0, 0.0, 16.0, 8.0], [0.0, 8.0, 8.0, 16.0], [8.0, 8.0, 16.0, 16.0]]
    """
    feature_size = check_int(feature_size, "feature_size", low=1)
    stride = check_int(stride, "stride", low=1)
    wh = as_array(shapes, "shapes", ndim=2)
    if wh.shape[1] != 2 or (wh <= 0).any():
        raise ValueError("shapes must be (width, height) pairs of positive numbers")
    c = (np.arange(feature_size) + 0.5) * stride
    cy, cx = np.meshgrid(c, c, indexing="ij")
    centres = np.stack([cx, cy], -1).reshape(-1, 1, 2)
    half = wh[None] / 2
    return np.concatenate([centres - half, centres + half], axis=-1).reshape(-1, 4)


@dataclass(frozen=True)
class AnchorMatch:
    """Result of :func:`match_anchors`.

    ``labels``: per anchor, the class (1, 2, ...) of its ground-truth box, 0 for background,
    -1 to ignore. ``matched``: index of the matched ground-truth box (-1 for none).
    ``deltas``: regression targets (zeros where not positive). ``iou``: best IoU per anchor.
    """

    labels: np.ndarray
    matched: np.ndarray
    deltas: np.ndarray
    iou: np.ndarray


def _check_anchors(anchors) -> np.ndarray:
    return check_boxes(as_array(anchors, "anchors", ndim=2), "anchors", allow_empty=False)


def _check_ground_truth(gt_boxes, gt_labels) -> tuple[np.ndarray, np.ndarray]:
    g = check_boxes(gt_boxes, "gt_boxes")
    lab = as_array(gt_labels, "gt_labels", ndim=1, dtype="int", allow_empty=True)
    if len(lab) != len(g):
        raise ValueError(f"gt_labels ({len(lab)}) must give one class per gt_boxes row ({len(g)})")
    if (lab < 1).any():
        raise ValueError("gt_labels must be object classes >= 1 (0 is background)")
    return g, lab


def match_anchors(anchors: ArrayLike, gt_boxes: ArrayLike, gt_labels: ArrayLike, pos_iou: float = 0.5,
                  neg_iou: float = 0.4) -> AnchorMatch:
    """Label every anchor against the ground truth of one image.

    Examples
    --------
    >>> m = match_anchors([[0, 0, 4, 4], [4, 0, 8, 4], [0, 4, 4, 8]], [[0, 0, 4, 4]], [2])
    >>> m.labels.tolist(), m.matched.tolist()
    ([2, 0, 0], [0, -1, -1])
    """
    a = _check_anchors(anchors)
    g, lab = _check_ground_truth(gt_boxes, gt_labels)
    pos_iou = check_float(pos_iou, "pos_iou", low=0.0, high=1.0, low_open=True)
    neg_iou = check_float(neg_iou, "neg_iou", low=0.0, high=pos_iou)
    n = len(a)
    if len(g) == 0:
        return AnchorMatch(np.zeros(n, np.int64), np.full(n, -1, np.int64), np.zeros((n, 4)), np.zeros(n))
    iou = box_iou(a, g)
    best = iou.argmax(1)
    best_iou = iou[np.arange(n), best]
    labels = np.full(n, IGNORE, np.int64)
    labels[best_iou < neg_iou] = 0
    pos = best_iou >= pos_iou
    # each ground-truth box claims the anchor that overlaps it most
    claim = iou.argmax(0)
    ok = iou[claim, np.arange(len(g))] > 0
    best[claim[ok]] = np.arange(len(g))[ok]
    pos[claim[ok]] = True
    labels[pos] = lab[best[pos]]
    matched = np.where(pos, best, -1)
    deltas = np.zeros((n, 4))
    if pos.any():
        deltas[pos] = encode_boxes(g[best[pos]], a[pos])
    return AnchorMatch(labels, matched, deltas, best_iou)


def match_batch(anchors: ArrayLike, gt_boxes: list, gt_labels: list, pos_iou: float = 0.5,
                neg_iou: float = 0.4) -> tuple[np.ndarray, np.ndarray]:
    """:func:`match_anchors` for a batch of images at once: ``(labels (B, n), deltas (B, n, 4))``.

    The same rule, image by image, computed as one ``(B, n_anchors, max_objects)`` IoU array, so
    a training step pays for a few array operations rather than a few per image. Images with
    no objects get background everywhere, as in :func:`match_anchors`.

    Examples
    --------
    >>> labels, deltas = match_batch([[0, 0, 4, 4], [4, 0, 8, 4]], [[[0, 0, 4, 4]], []], [[2], []])
    >>> labels.tolist(), deltas.shape
    ([[2, 0], [0, 0]], (2, 2, 4))
    """
    a = _check_anchors(anchors)
    if not isinstance(gt_boxes, list | tuple) or not isinstance(gt_labels, list | tuple) \
            or len(gt_boxes) != len(gt_labels):
        raise ValueError("gt_boxes and gt_labels must be lists with one entry per image")
    checked = [_check_ground_truth(g, v) for g, v in zip(gt_boxes, gt_labels, strict=True)]
    pos_iou = check_float(pos_iou, "pos_iou", low=0.0, high=1.0, low_open=True)
    neg_iou = check_float(neg_iou, "neg_iou", low=0.0, high=pos_iou)
    b, n = len(checked), len(a)
    k = max((len(g) for g, _ in checked), default=0)
    labels, deltas = np.zeros((b, n), np.int64), np.zeros((b, n, 4))
    if k == 0:
        return labels, deltas
    g_all, lab_all, valid = np.zeros((b, k, 4)), np.zeros((b, k), np.int64), np.zeros((b, k), bool)
    for i, (g, v) in enumerate(checked):
        g_all[i, :len(g)], lab_all[i, :len(g)], valid[i, :len(g)] = g, v, True
    lt = np.maximum(a[None, :, None, :2], g_all[:, None, :, :2])
    rb = np.minimum(a[None, :, None, 2:], g_all[:, None, :, 2:])
    wh = np.clip(rb - lt, 0, None)
    inter = wh[..., 0] * wh[..., 1]
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_g = (g_all[..., 2] - g_all[..., 0]) * (g_all[..., 3] - g_all[..., 1])
    union = area_a[None, :, None] + area_g[:, None, :] - inter
    iou = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    iou[~np.broadcast_to(valid[:, None, :], iou.shape)] = -1.0      # padding is never anyone's best
    best = iou.argmax(2)                                             # (b, n)
    best_iou = np.take_along_axis(iou, best[..., None], 2)[..., 0]
    labels[:] = IGNORE
    labels[best_iou < neg_iou] = 0
    pos = best_iou >= pos_iou
    # each object claims the anchor that overlaps it most; a later object wins a shared anchor
    claim = iou.argmax(1)                                            # (b, k)
    claimed = np.take_along_axis(iou, claim[:, None, :], 1)[:, 0]
    for j in range(k):
        rows = np.flatnonzero(valid[:, j] & (claimed[:, j] > 0))
        best[rows, claim[rows, j]] = j
        pos[rows, claim[rows, j]] = True
    img, anc = np.nonzero(pos)
    labels[img, anc] = lab_all[img, best[img, anc]]
    if len(img):
        deltas[img, anc] = encode_boxes(g_all[img, best[img, anc]], a[anc])
    return labels, deltas
