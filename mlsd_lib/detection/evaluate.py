"""Detection metrics: precision at an IoU threshold, AP, mAP, and the errors by kind.

Detections and ground truth are lists with one entry per image: a detection entry is a dict
``{"boxes": (n, 4) xyxy, "scores": (n,), "labels": (n,)}``, a ground-truth entry
``{"boxes": (m, 4) xyxy, "labels": (m,)}``. Classes are integers >= 1.

A detection is a true positive at threshold $t$ when its IoU with a ground-truth box of its
class reaches $t$ and that box was not already claimed by a higher-scoring detection (the
PASCAL VOC rule): a duplicate is a false positive. Then, ranking detections by score,

$$P_k = \\frac{TP_k}{k}, \\qquad R_k = \\frac{TP_k}{N_{gt}}$$

and AP is the area under the precision–recall curve, read three ways:

- ``"voc11"`` (PASCAL VOC 2007): $\\frac{1}{11}\\sum_{r \\in \\{0, 0.1, \\dots, 1\\}} \\max_{R_k \\ge r} P_k$;
- ``"all"`` (VOC 2010 on): the exact area under the precision envelope
  $\\hat P(r) = \\max_{R_k \\ge r} P_k$;
- ``"coco101"`` (COCO): the envelope read at 101 recall points $0, 0.01, \\dots, 1$;
- ``"step"``: $\\sum_k (R_k - R_{k-1}) P_k$ without the envelope (scikit-learn's
  ``average_precision_score``, scaled by the share of objects ever detected).

With ``"coco101"`` the per-class AP and mAP@[.5:.95] equal pycocotools' ``COCOeval``
(area "all", no detection cap reached) on random detections to 1e-15 (a unit test), with
one difference of convention: a recall point is read with a 1e-12 tolerance, so a recall of
exactly 7/20 reaches the point 0.35, which COCOeval's float grid stores as 0.35000000000000003
and so skips. Classes without ground truth get AP 0 here; COCOeval leaves them out.

mAP averages AP over classes, $\\mathrm{mAP} = \\frac{1}{C}\\sum_c AP_c$, and COCO's
mAP@[.5:.95] also over the IoU thresholds 0.50, 0.55, ..., 0.95. The two are ``box_ap`` and
``box_map``: box-matching metrics, named apart from ``mlsd_lib.metrics.average_precision``
(PR-AUC of scored labels) and ``mlsd_lib.metrics.mean_average_precision`` (ranked lists).

Introduced in chapter 3, "Evaluation".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_choice, check_float, check_int, check_sequence
from mlsd_lib.detection.boxes import box_iou

__all__ = ["precision_from_ious", "check_detections", "match_image", "pr_curve", "box_ap",
           "evaluate_detections", "box_map", "error_breakdown", "per_image_counts"]

AP_METHODS = ("voc11", "all", "coco101", "step")
COCO_THRESHOLDS = tuple(np.round(np.arange(0.5, 0.96, 0.05), 2))


def precision_from_ious(ious: ArrayLike, iou_threshold: float) -> float:
    """The source's precision: the share of detections whose IoU reaches the threshold.

    Each detection counts as correct when its IoU with a ground-truth box is at least
    ``iou_threshold`` (source ch. 3, Fig. 3.10), whether or not another detection already
    covers that object.

    $$\\text{Precision}_t = \\frac{\\#\\{\\text{detections with IoU} \\ge t\\}}{\\#\\text{detections}}$$

    Examples
    --------
    >>> ious = [0.92, 0.78, 0.62, 0.24, 0.08, 0.0]
    >>> [round(precision_from_ious(ious, t), 2) for t in (0.7, 0.5, 0.1)]
    [0.33, 0.5, 0.67]
    """
    x = as_array(ious, "ious", ndim=1)
    if (x < 0).any() or (x > 1).any():
        raise ValueError("ious must lie in [0, 1]")
    t = check_float(iou_threshold, "iou_threshold", low=0.0, high=1.0)
    return float((x >= t).mean())


def _entry(e, name: str, with_scores: bool):
    if not isinstance(e, dict) or "boxes" not in e or "labels" not in e or (with_scores and "scores" not in e):
        keys = '"boxes", "scores", "labels"' if with_scores else '"boxes", "labels"'
        raise TypeError(f"{name} entries must be dicts with keys {keys}")
    b = as_array(e["boxes"], f"{name} boxes", ndim=(1, 2), allow_empty=True).reshape(-1, 4)
    lab = as_array(e["labels"], f"{name} labels", ndim=1, dtype="int", allow_empty=True)
    if len(lab) != len(b) or (lab < 1).any():
        raise ValueError(f"{name} labels must give one class >= 1 per box")
    if (b[:, 2:] < b[:, :2]).any():
        raise ValueError(f"{name} boxes must be xyxy with x2 >= x1 and y2 >= y1")
    out = {"boxes": b, "labels": lab}
    if with_scores:
        s = as_array(e["scores"], f"{name} scores", ndim=1, allow_empty=True)
        if len(s) != len(b):
            raise ValueError(f"{name} scores must give one score per box")
        out["scores"] = s
    return out


def check_detections(detections: Sequence, ground_truth: Sequence) -> tuple[list[dict], list[dict]]:
    """Validate per-image detections and ground truth (same number of images); return copies as arrays.

    Examples
    --------
    >>> d, g = check_detections([{"boxes": [[0, 0, 2, 2]], "scores": [0.9], "labels": [1]}],
    ...                         [{"boxes": [[0, 0, 2, 2]], "labels": [1]}])
    >>> d[0]["boxes"].shape, g[0]["labels"].tolist()
    ((1, 4), [1])
    """
    dets = [_entry(e, "detections", True) for e in check_sequence(detections, "detections")]
    gts = [_entry(e, "ground_truth", False) for e in check_sequence(ground_truth, "ground_truth")]
    if len(dets) != len(gts):
        raise ValueError(f"detections ({len(dets)}) and ground_truth ({len(gts)}) must hold one entry per image")
    if not dets:
        raise ValueError("detections is empty; pass at least one image")
    return dets, gts


def match_image(det_boxes: ArrayLike, det_scores: ArrayLike, gt_boxes: ArrayLike,
                iou_threshold: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Greedy VOC matching in one image and one class.

    Returns ``(tp, matched)`` in the order of the detections as given: ``tp[i]`` is True when
    detection ``i`` claims a still-free ground-truth box with IoU >= the threshold,
    ``matched[i]`` that box's index (or -1). Higher scores claim first.

    Examples
    --------
    >>> tp, m = match_image([[0, 0, 10, 10], [1, 0, 11, 10]], [0.8, 0.9], [[0, 0, 10, 10]])
    >>> tp.tolist(), m.tolist()
    ([False, True], [-1, 0])
    """
    db = as_array(det_boxes, "det_boxes", ndim=(1, 2), allow_empty=True).reshape(-1, 4)
    ds = as_array(det_scores, "det_scores", ndim=1, allow_empty=True)
    gb = as_array(gt_boxes, "gt_boxes", ndim=(1, 2), allow_empty=True).reshape(-1, 4)
    if len(ds) != len(db):
        raise ValueError("det_scores must give one score per det_boxes row")
    t = check_float(iou_threshold, "iou_threshold", low=0.0, high=1.0)
    tp = np.zeros(len(db), bool)
    matched = np.full(len(db), -1, np.int64)
    if len(db) == 0 or len(gb) == 0:
        return tp, matched
    iou = box_iou(db, gb)
    free = np.ones(len(gb), bool)
    for i in np.argsort(-ds, kind="stable"):
        cand = np.where(free, iou[i], -1.0)
        j = int(cand.argmax())
        if cand[j] >= t and cand[j] > 0:
            tp[i], matched[i], free[j] = True, j, False
    return tp, matched


def pr_curve(detections: Sequence, ground_truth: Sequence, label: int, iou_threshold: float = 0.5):
    """Precision and recall down the score-ranked detections of one class, over all images.

    Returns ``(precision, recall, scores, n_gt)``: arrays of one entry per detection of the
    class, ranked by score, and the number of ground-truth objects of that class.

    Examples
    --------
    >>> p, r, s, n = pr_curve([{"boxes": [[0, 0, 2, 2], [5, 5, 6, 6]], "scores": [0.9, 0.5], "labels": [1, 1]}],
    ...                       [{"boxes": [[0, 0, 2, 2]], "labels": [1]}], label=1)
    >>> p.tolist(), r.tolist(), n
    ([1.0, 0.5], [1.0, 1.0], 1)
    """
    dets, gts = check_detections(detections, ground_truth)
    if isinstance(label, bool) or not isinstance(label, int | np.integer) or label < 1:
        raise ValueError(f"label must be a class integer >= 1, got {label!r}")
    scores, tps, n_gt = [], [], 0
    for d, g in zip(dets, gts, strict=True):
        dm, gm = d["labels"] == label, g["labels"] == label
        n_gt += int(gm.sum())
        tp, _ = match_image(d["boxes"][dm], d["scores"][dm], g["boxes"][gm], iou_threshold)
        scores.append(d["scores"][dm])
        tps.append(tp)
    s, tp = np.concatenate(scores), np.concatenate(tps)
    order = np.argsort(-s, kind="stable")
    s, tp = s[order], tp[order]
    ctp = np.cumsum(tp)
    precision = ctp / np.arange(1, len(tp) + 1)
    recall = ctp / n_gt if n_gt else np.zeros(len(tp))
    return precision.astype(float), recall.astype(float), s, n_gt


def box_ap(precision: ArrayLike, recall: ArrayLike, method: str = "all") -> float:
    """AP from a ranked precision–recall curve (see the module docstring for the four methods).

    Named ``box_ap`` to keep it apart from :func:`mlsd_lib.metrics.average_precision`, the
    PR-AUC of scored labels: here a point of the curve counts boxes matched at an IoU threshold.

    Examples
    --------
    >>> p, r = [1.0, 0.5, 0.75], [0.5, 0.5, 1.0]
    >>> round(box_ap(p, r, "all"), 3), round(box_ap(p, r, "voc11"), 3)
    (0.875, 0.886)
    """
    p = as_array(precision, "precision", ndim=1, allow_empty=True)
    r = as_array(recall, "recall", ndim=1, allow_empty=True)
    if len(p) != len(r):
        raise ValueError("precision and recall must be paired: the same length")
    if ((p < 0) | (p > 1)).any() or ((r < 0) | (r > 1)).any():
        raise ValueError("precision and recall must lie in [0, 1]")
    if (np.diff(r) < -1e-12).any():
        raise ValueError("recall must not decrease down the ranking")
    method = check_choice(method, "method", AP_METHODS)
    if len(p) == 0:
        return 0.0
    if method == "step":
        return float(np.sum(np.diff(np.concatenate([[0.0], r])) * p))
    envelope = np.maximum.accumulate(p[::-1])[::-1]     # best precision at this recall or beyond
    if method == "all":
        rr = np.concatenate([[0.0], r])
        return float(np.sum(np.diff(rr) * envelope))
    points = np.linspace(0, 1, 11 if method == "voc11" else 101)
    idx = np.searchsorted(r, points - 1e-12, side="left")
    reach = idx < len(r)
    return float(np.where(reach, envelope[np.minimum(idx, len(r) - 1)], 0.0).mean())


def evaluate_detections(detections: Sequence, ground_truth: Sequence, labels: Sequence[int],
                        iou_thresholds: Sequence[float] = (0.5,), method: str = "all"):
    """AP per class and IoU threshold, as a DataFrame (rows: thresholds; columns: classes).

    Examples
    --------
    >>> t = evaluate_detections([{"boxes": [[0, 0, 2, 2]], "scores": [0.9], "labels": [1]}],
    ...                         [{"boxes": [[0, 0, 2, 2]], "labels": [1]}], labels=[1])
    >>> float(t.loc[0.5, 1])
    1.0
    """
    import pandas as pd

    labs = [check_int(v, "labels", low=1) for v in check_sequence(labels, "labels")]
    if not labs or min(labs) < 1:
        raise ValueError("labels must list at least one class >= 1")
    ths = [check_float(t, "iou_thresholds", low=0.0, high=1.0) for t in check_sequence(iou_thresholds, "iou_thresholds")]
    if not ths:
        raise ValueError("iou_thresholds must list at least one threshold")
    dets, gts = check_detections(detections, ground_truth)
    rows = {}
    for t in ths:
        rows[t] = {c: box_ap(*pr_curve(dets, gts, c, t)[:2], method=method) for c in labs}
    return pd.DataFrame(rows).T.rename_axis("IoU threshold")


def box_map(detections: Sequence, ground_truth: Sequence, labels: Sequence[int],
            iou_thresholds: Sequence[float] = (0.5,), method: str = "all") -> float:
    """mAP: AP averaged over ``labels`` and over ``iou_thresholds`` (``COCO_THRESHOLDS`` for COCO's).

    Examples
    --------
    >>> box_map([{"boxes": [[0, 0, 2, 2]], "scores": [0.9], "labels": [1]}],
    ...         [{"boxes": [[0, 0, 2, 2]], "labels": [1]}], labels=[1])
    1.0
    """
    return float(evaluate_detections(detections, ground_truth, labels, iou_thresholds, method).to_numpy().mean())


def error_breakdown(detections: Sequence, ground_truth: Sequence, iou_threshold: float = 0.5,
                    score_threshold: float = 0.5, background_iou: float = 0.1) -> dict[str, int]:
    """Count the detections above ``score_threshold`` by kind, and the objects missed.

    Kinds (in this order of precedence): **correct** (a true positive); **duplicate** (IoU >=
    the threshold with an object of its class already claimed); **wrong class** (IoU >= the
    threshold with an object of another class only); **mislocalised** (best IoU with an
    object of its class between ``background_iou`` and the threshold); **background** (no
    object overlaps it by ``background_iou``). **missed**: objects no detection claimed.

    Examples
    --------
    >>> error_breakdown([{"boxes": [[0, 0, 2, 2], [0, 0, 2, 2], [8, 8, 9, 9]], "scores": [0.9, 0.8, 0.7],
    ...                   "labels": [1, 1, 1]}], [{"boxes": [[0, 0, 2, 2], [4, 4, 6, 6]], "labels": [1, 1]}])
    {'correct': 1, 'duplicate': 1, 'wrong class': 0, 'mislocalised': 0, 'background': 1, 'missed': 1}
    """
    dets, gts = check_detections(detections, ground_truth)
    t = check_float(iou_threshold, "iou_threshold", low=0.0, high=1.0, low_open=True)
    st = check_float(score_threshold, "score_threshold")
    bg = check_float(background_iou, "background_iou", low=0.0, high=t)
    out = dict.fromkeys(("correct", "duplicate", "wrong class", "mislocalised", "background", "missed"), 0)
    for d, g in zip(dets, gts, strict=True):
        keep = d["scores"] >= st
        db, ds, dl = d["boxes"][keep], d["scores"][keep], d["labels"][keep]
        claimed = np.zeros(len(g["boxes"]), bool)
        iou = box_iou(db, g["boxes"]) if len(db) and len(g["boxes"]) else np.zeros((len(db), len(g["boxes"])))
        for c in np.unique(np.concatenate([dl, g["labels"]])):
            dm, gm = np.flatnonzero(dl == c), np.flatnonzero(g["labels"] == c)
            tp, m = match_image(db[dm], ds[dm], g["boxes"][gm], t)
            claimed[gm[m[tp]]] = True
            for i, ok in zip(dm, tp, strict=True):
                if ok:
                    out["correct"] += 1
                    continue
                same = iou[i, gm].max(initial=0.0)
                other = iou[i, g["labels"] != c].max(initial=0.0)
                if same >= t:
                    out["duplicate"] += 1
                elif other >= t:
                    out["wrong class"] += 1
                elif same >= bg:
                    out["mislocalised"] += 1
                else:
                    out["background"] += 1
        out["missed"] += int((~claimed).sum())
    return out


def per_image_counts(detections: Sequence, ground_truth: Sequence, iou_threshold: float = 0.5,
                     score_threshold: float = 0.5) -> np.ndarray:
    """Per image: (true positives, detections, objects) above ``score_threshold``, shape (n, 3).

    The units for a bootstrap over images of precision or recall.

    Examples
    --------
    >>> per_image_counts([{"boxes": [[0, 0, 2, 2], [0, 0, 2, 2]], "scores": [0.9, 0.8], "labels": [1, 1]}],
    ...                  [{"boxes": [[0, 0, 2, 2]], "labels": [1]}]).tolist()
    [[1, 2, 1]]
    """
    dets, gts = check_detections(detections, ground_truth)
    t = check_float(iou_threshold, "iou_threshold", low=0.0, high=1.0)
    st = check_float(score_threshold, "score_threshold")
    rows = []
    for d, g in zip(dets, gts, strict=True):
        keep = d["scores"] >= st
        tp = 0
        for c in np.unique(d["labels"][keep]):
            dm, gm = keep & (d["labels"] == c), g["labels"] == c
            tp += int(match_image(d["boxes"][dm], d["scores"][dm], g["boxes"][gm], t)[0].sum())
        rows.append((tp, int(keep.sum()), len(g["labels"])))
    return np.asarray(rows, dtype=np.int64).reshape(-1, 3)
