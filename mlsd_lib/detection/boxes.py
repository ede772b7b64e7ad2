"""Bounding boxes: formats, intersection over union, and the regression offsets.

Two formats: ``xywh`` is the source's annotation form (top-left x and y, then width and
height; source ch. 3, Table 3.1); ``xyxy`` (left, top, right, bottom) is what the geometry
uses. Coordinates are continuous pixels: a box ``[0, 0, 2, 2]`` (xyxy) covers pixels 0 and 1.

Introduced in chapter 3, "Evaluation".
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mlsd_lib._validation import check_boxes

__all__ = ["xywh_to_xyxy", "xyxy_to_xywh", "box_iou", "encode_boxes", "decode_boxes"]

_CLIP = float(np.log(1000.0 / 16))   # largest log-scale change a decoded box may take


def _boxes(b: ArrayLike, name: str, *, ordered: bool = True) -> np.ndarray:
    return check_boxes(b, name, ordered=ordered)


def xywh_to_xyxy(boxes: ArrayLike) -> np.ndarray:
    """``[x, y, w, h]`` (source Table 3.1) → ``[x1, y1, x2, y2]``.

    Examples
    --------
    >>> xywh_to_xyxy([[10, 10, 25, 50]]).tolist()
    [[10.0, 10.0, 35.0, 60.0]]
    """
    b = _boxes(boxes, "boxes", ordered=False)
    if (b[:, 2:] < 0).any():
        raise ValueError("boxes must have non-negative width and height")
    return np.concatenate([b[:, :2], b[:, :2] + b[:, 2:]], axis=1)


def xyxy_to_xywh(boxes: ArrayLike) -> np.ndarray:
    """``[x1, y1, x2, y2]`` → ``[x, y, w, h]``.

    Examples
    --------
    >>> xyxy_to_xywh([[10, 10, 35, 60]]).tolist()
    [[10.0, 10.0, 25.0, 50.0]]
    """
    b = _boxes(boxes, "boxes")
    if (b[:, 2:] < b[:, :2]).any():
        raise ValueError("boxes must have x2 >= x1 and y2 >= y1 (xyxy form)")
    return np.concatenate([b[:, :2], b[:, 2:] - b[:, :2]], axis=1)


def box_iou(a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """Pairwise intersection over union of two sets of xyxy boxes, shape ``(len(a), len(b))``.

    $$\\mathrm{IoU}(A, B) = \\frac{|A \\cap B|}{|A \\cup B|}$$ (source ch. 3, Fig. 3.9). Two
    empty boxes have IoU 0.

    Examples
    --------
    >>> box_iou([[0, 0, 2, 2]], [[1, 1, 3, 3], [0, 0, 2, 2]]).round(3).tolist()
    [[0.143, 1.0]]
    """
    a, b = _boxes(a, "a"), _boxes(b, "b")
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    wh = np.clip(rb - lt, 0, None)
    inter = wh[..., 0] * wh[..., 1]
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def encode_boxes(boxes: ArrayLike, anchors: ArrayLike) -> np.ndarray:
    """Regression targets of ``boxes`` relative to ``anchors`` (both xyxy, paired row by row).

    ``(dx, dy, dw, dh) = ((cx - cx_a) / w_a, (cy - cy_a) / h_a, log(w / w_a), log(h / h_a))``,
    the parameterisation of Faster R-CNN: the offsets are scale-free, so one regressor serves
    small and large boxes. :func:`decode_boxes` inverts it.

    Examples
    --------
    >>> encode_boxes([[2, 2, 6, 6]], [[0, 0, 4, 4]]).tolist()
    [[0.5, 0.5, 0.0, 0.0]]
    """
    b, a = _boxes(boxes, "boxes"), _boxes(anchors, "anchors")
    if len(b) != len(a):
        raise ValueError(f"boxes ({len(b)}) and anchors ({len(a)}) must be paired row by row")
    wa, ha = a[:, 2] - a[:, 0], a[:, 3] - a[:, 1]
    w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    if (wa <= 0).any() or (ha <= 0).any() or (w <= 0).any() or (h <= 0).any():
        raise ValueError("boxes and anchors must have positive width and height to encode")
    return np.stack([((b[:, 0] + b[:, 2]) - (a[:, 0] + a[:, 2])) / 2 / wa,
                     ((b[:, 1] + b[:, 3]) - (a[:, 1] + a[:, 3])) / 2 / ha,
                     np.log(w / wa), np.log(h / ha)], axis=1)


def decode_boxes(deltas: ArrayLike, anchors: ArrayLike) -> np.ndarray:
    """Boxes (xyxy) from regression offsets relative to ``anchors``; inverse of :func:`encode_boxes`.

    Examples
    --------
    >>> decode_boxes([[0.5, 0.5, 0.0, 0.0]], [[0, 0, 4, 4]]).tolist()
    [[2.0, 2.0, 6.0, 6.0]]
    """
    d, a = _boxes(deltas, "deltas", ordered=False), _boxes(anchors, "anchors")
    if len(d) != len(a):
        raise ValueError(f"deltas ({len(d)}) and anchors ({len(a)}) must be paired row by row")
    wa, ha = a[:, 2] - a[:, 0], a[:, 3] - a[:, 1]
    with np.errstate(over="ignore", invalid="ignore"):   # an overflow is refused just below
        cx, cy = (a[:, 0] + a[:, 2]) / 2 + d[:, 0] * wa, (a[:, 1] + a[:, 3]) / 2 + d[:, 1] * ha
        w, h = wa * np.exp(np.clip(d[:, 2], -_CLIP, _CLIP)), ha * np.exp(np.clip(d[:, 3], -_CLIP, _CLIP))
        out = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    if not np.isfinite(out).all():
        raise ValueError("deltas and anchors give boxes too large to represent (the decoded corners overflow)")
    return out
