"""Unit tests of ``mlsd_lib.detection.evaluate``."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval
from sklearn.metrics import average_precision_score

from mlsd_lib.detection import evaluate as EV

# ------------------------------------------------------------------------------- metrics


def test_source_precision_example():
    ious = [0.92, 0.78, 0.62, 0.24, 0.08, 0.0]     # source Fig. 3.10: six detections, two objects
    assert [round(EV.precision_from_ious(ious, t), 2) for t in (0.7, 0.5, 0.1)] == [0.33, 0.5, 0.67]


def _random_detections(rng, n_images=30, n_gt=3, n_det=6):
    dets, gts = [], []
    for _ in range(n_images):
        xy = rng.uniform(0, 50, (n_gt, 2))
        g = np.c_[xy, xy + rng.uniform(5, 15, (n_gt, 2))]
        jitter = g[rng.integers(0, n_gt, n_det)] + rng.normal(0, 3, (n_det, 4))
        d = np.c_[np.minimum(jitter[:, :2], jitter[:, 2:]), np.maximum(jitter[:, :2], jitter[:, 2:])]
        dets.append({"boxes": d, "scores": rng.random(n_det), "labels": np.ones(n_det, int)})
        gts.append({"boxes": g, "labels": np.ones(n_gt, int)})
    return dets, gts


@pytest.mark.parametrize("seed", range(5))
def test_step_ap_equals_scikit_learn(seed):
    """Un-interpolated AP is scikit-learn's average precision over the ranked detections,
    scaled by the share of objects that any detection found."""
    dets, gts = _random_detections(np.random.default_rng(seed))
    p, r, s, n_gt = EV.pr_curve(dets, gts, 1, 0.5)
    tp = np.concatenate([EV.match_image(d["boxes"], d["scores"], g["boxes"], 0.5)[0]
                         for d, g in zip(dets, gts, strict=True)])
    scores = np.concatenate([d["scores"] for d in dets])
    ref = average_precision_score(tp, scores) * tp.sum() / n_gt
    assert EV.box_ap(p, r, "step") == pytest.approx(ref, abs=1e-12)


def test_interpolated_ap_hand_computed():
    # ranked: TP, FP, TP, FP, TP with 4 objects
    tp = np.array([1, 0, 1, 0, 1])
    p, r = np.cumsum(tp) / np.arange(1, 6), np.cumsum(tp) / 4
    # envelope: 1 up to recall .25, 2/3 up to .5, 3/5 up to .75, 0 after
    assert EV.box_ap(p, r, "all") == pytest.approx(0.25 * (1 + 2 / 3 + 3 / 5))
    voc = (3 * 1 + 3 * (2 / 3) + 2 * (3 / 5)) / 11      # r = 0, .1, .2 | .3, .4, .5 | .6, .7; .8-1: 0
    assert EV.box_ap(p, r, "voc11") == pytest.approx(voc)
    coco = (26 * 1 + 25 * (2 / 3) + 25 * (3 / 5)) / 101
    assert EV.box_ap(p, r, "coco101") == pytest.approx(coco)
    assert EV.box_ap(p, r, "step") <= EV.box_ap(p, r, "all")


def test_interpolated_ap_is_the_envelope_area_by_brute_force():
    rng = np.random.default_rng(3)
    tp = rng.random(40) < 0.5
    p, r = np.cumsum(tp) / np.arange(1, 41), np.cumsum(tp) / 30
    grid = np.linspace(0, 1, 200_001)[1:]
    env = np.array([p[r >= x].max() if (r >= x).any() else 0.0 for x in grid[::100]])
    assert EV.box_ap(p, r, "all") == pytest.approx(env.mean(), abs=2e-3)


def _coco_case(seed, n_gt_per_class, n_img=40):
    """Random scenes: ``n_gt_per_class[c - 1]`` objects of class c scattered over the images;
    detections are jittered copies (some duplicates, one in ten with the wrong class) plus
    background boxes, with random scores. Float coordinates, so no IoU or score ties."""
    rng = np.random.default_rng(seed)
    gts = [{"boxes": np.zeros((0, 4)), "labels": np.zeros(0, int)} for _ in range(n_img)]
    for c, n in enumerate(n_gt_per_class, start=1):
        for i in rng.integers(0, n_img, n):
            xy = rng.uniform(0, 200, 2)
            gts[i]["boxes"] = np.r_[gts[i]["boxes"], [np.r_[xy, xy + rng.uniform(8, 60, 2)]]]
            gts[i]["labels"] = np.r_[gts[i]["labels"], c]
    n_cls, dets = len(n_gt_per_class), []
    for g in gts:
        src = rng.integers(0, len(g["labels"]), rng.integers(0, 2 * len(g["labels"]) + 1)) if len(g["labels"]) else []
        db = (g["boxes"][src] + rng.normal(0, 2.5, (len(src), 4))).reshape(-1, 4)
        dl = np.where(rng.random(len(src)) < 0.9, g["labels"][src], rng.integers(1, n_cls + 1, len(src)))
        xy = rng.uniform(0, 200, (nb := int(rng.integers(0, 4)), 2))
        db = np.r_[db, np.c_[xy, xy + rng.uniform(8, 60, (nb, 2))]]
        db[:, 2:] = np.maximum(db[:, 2:], db[:, :2] + 1.0)
        dets.append({"boxes": db, "scores": rng.random(len(db)),
                     "labels": np.r_[dl, rng.integers(1, n_cls + 1, nb)].astype(int)})
    return dets, gts


def _cocoeval(dets, gts, n_cls, rec_thrs=None):
    """pycocotools' COCOeval on the same boxes (given to it as xywh), every area, its default
    cap of 100 detections per image and class (the cases stay far below it: no cap is hit);
    returns the evaluator after ``accumulate``."""
    anns, res = [], []
    assert max(np.bincount(d["labels"]).max(initial=0) for d in dets) < 100
    for i, (d, g) in enumerate(zip(dets, gts, strict=True), start=1):
        for b, lab in zip(g["boxes"], g["labels"], strict=True):
            w, h = b[2] - b[0], b[3] - b[1]
            anns.append({"id": len(anns) + 1, "image_id": i, "category_id": int(lab), "bbox": [b[0], b[1], w, h],
                         "area": w * h, "iscrowd": 0})
        for b, sc, lab in zip(d["boxes"], d["scores"], d["labels"], strict=True):
            res.append({"image_id": i, "category_id": int(lab), "score": float(sc),
                        "bbox": [b[0], b[1], b[2] - b[0], b[3] - b[1]]})
    gt = COCO()
    gt.dataset = {"images": [{"id": i} for i in range(1, len(gts) + 1)], "annotations": anns,
                  "categories": [{"id": c} for c in range(1, n_cls + 1)]}
    with contextlib.redirect_stdout(io.StringIO()):
        gt.createIndex()
        ev = COCOeval(gt, gt.loadRes(res), "bbox")
        ev.params.areaRng, ev.params.areaRngLbl = [[0, 1e10]], ["all"]
        if rec_thrs is not None:
            ev.params.recThrs = rec_thrs
        ev.evaluate()
        ev.accumulate()
    return ev


def _coco_ap(ev):
    """AP per IoU threshold (rows) and class (columns) from COCOeval's precision array."""
    prec = ev.eval["precision"][:, :, :, 0, -1]        # thresholds x recall points x classes
    assert (prec > -1).all()                            # every class has objects
    return prec.mean(axis=1)


@pytest.mark.parametrize("seed", range(4))
def test_coco101_ap_equals_pycocotools(seed):
    """Issue 12: per-class AP (COCO's 101 points) at each of COCO's ten IoU thresholds, and
    mAP@[.5:.95], equal pycocotools' COCOeval on random detections, to 1e-12.

    The conventions agree: greedy matching by score, an object claimed once (a duplicate is a
    false positive), IoU >= t, IoU on continuous coordinates without VOC's +1 pixel, the
    precision envelope read at the first rank reaching each recall point, 0 past the last
    recall. Here every class has 13, 17 or 19 objects, so no recall k/n lands on a grid point
    strictly inside (0, 1); see the next test for what happens when one does.
    """
    n_cls = 3
    dets, gts = _coco_case(seed, (13, 17, 19))
    ev = _cocoeval(dets, gts, n_cls)
    ref = _coco_ap(ev)
    ours = EV.evaluate_detections(dets, gts, [1, 2, 3], iou_thresholds=ev.params.iouThrs.tolist(),
                                  method="coco101").to_numpy()
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)
    assert 0.1 < ref.mean() < 0.9                       # a case with something to get right
    with contextlib.redirect_stdout(io.StringIO()):
        ev.summarize()
    ours_map = EV.box_map(dets, gts, [1, 2, 3], EV.COCO_THRESHOLDS, "coco101")
    assert ours_map == pytest.approx(ev.stats[0], abs=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_recall_grid_convention_against_pycocotools(seed):
    """Where we differ from pycocotools, and by exactly what.

    pycocotools reads precision at ``np.linspace(0, 1, 101)``, whose floats are not exactly
    j/100: 0.35 is stored as 0.35000000000000003. With 20 objects, a recall of 7/20 = 0.35
    then does not "reach" the point 0.35 in COCOeval, which takes the next rank's precision
    instead. :func:`box_ap` reads each point with a 1e-12 tolerance, so a recall
    equal to j/100 reaches it. Both sides agree exactly once COCOeval's grid carries the same
    tolerance; the same holds for the 11-point VOC form (COCOeval on 11 recall points).
    """
    dets, gts = _coco_case(seed, (20, 25, 40))          # recalls k/20, k/25, k/40 hit grid points
    for method, n_points in (("coco101", 101), ("voc11", 11)):
        grid = np.linspace(0.0, 1.0, n_points)
        ev = _cocoeval(dets, gts, 3, rec_thrs=grid - 1e-12)
        ours = EV.evaluate_detections(dets, gts, [1, 2, 3], iou_thresholds=ev.params.iouThrs.tolist(),
                                      method=method).to_numpy()
        np.testing.assert_allclose(ours, _coco_ap(ev), rtol=0, atol=1e-12)
        plain = _coco_ap(_cocoeval(dets, gts, 3, rec_thrs=grid))
        assert (ours >= plain - 1e-12).all()            # the float grid only ever skips a point


def test_duplicates_are_false_positives_and_map():
    gt = [{"boxes": np.array([[0, 0, 10, 10]]), "labels": np.array([1])}]
    det = [{"boxes": np.array([[0, 0, 10, 10], [0, 0, 10, 9]]), "scores": np.array([0.9, 0.8]),
            "labels": np.array([1, 1])}]
    p, r, _, _ = EV.pr_curve(det, gt, 1)
    assert p.tolist() == [1.0, 0.5] and r.tolist() == [1.0, 1.0]
    assert EV.box_map(det, gt, [1], EV.COCO_THRESHOLDS) == pytest.approx(1.0)
    assert EV.error_breakdown(det, gt)["duplicate"] == 1
    assert EV.per_image_counts(det, gt).tolist() == [[1, 2, 1]]


def test_error_kinds():
    gt = [{"boxes": np.array([[0, 0, 10, 10], [20, 0, 30, 10]]), "labels": np.array([1, 2])}]
    det = [{"boxes": np.array([[0, 0, 10, 10], [20, 0, 30, 10], [0, 0, 10, 30], [40, 40, 50, 50]]),
            "scores": np.array([0.9, 0.9, 0.9, 0.9]), "labels": np.array([1, 1, 1, 2])}]
    out = EV.error_breakdown(det, gt)
    assert out == {"correct": 1, "duplicate": 0, "wrong class": 1, "mislocalised": 1, "background": 1,
                   "missed": 1}


def test_detections_are_validated():
    with pytest.raises(TypeError, match="detections"):
        EV.check_detections([{"boxes": [[0, 0, 1, 1]]}], [{"boxes": [[0, 0, 1, 1]], "labels": [1]}])
    with pytest.raises(ValueError, match="one entry per image"):
        EV.check_detections([], [{"boxes": [[0, 0, 1, 1]], "labels": [1]}])
    with pytest.raises(ValueError, match="method"):
        EV.box_ap([1.0], [1.0], "voc12")
