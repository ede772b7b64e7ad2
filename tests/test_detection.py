"""Unit tests of mlsd_lib.detection: geometry against hand-computed cases, NMS against OpenCV,
AP against scikit-learn and pycocotools, augmentation that moves boxes with the pixels, the detectors' losses."""

from __future__ import annotations

import contextlib
import importlib
import io

import cv2
import numpy as np
import pytest
import torch
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval
from sklearn.metrics import average_precision_score

from mlsd_lib.detection import anchors as AN
from mlsd_lib.detection import boxes as BX
from mlsd_lib.detection import evaluate as EV
from mlsd_lib.detection import roi as ROI
from mlsd_lib.detection.baselines import cascade_faces
from mlsd_lib.detection.blur import blur_regions, identity_leak, nearest_identity
from mlsd_lib.detection.lineage import candidate_windows, time_lineage
from mlsd_lib.detection.models import OneStageDetector, TwoStageDetector, make_batch
from mlsd_lib.detection.photo import blur_photo, load_real_photos, photo_scales, score_blurs
from mlsd_lib.detection.scenes import SPLITS, load_sources, make_scenes, render_plate, turn_face
from mlsd_lib.vision.augment import AugmentConfig, augment_with_boxes, transform_boxes

NMS = importlib.import_module("mlsd_lib.detection.suppression")

# ------------------------------------------------------------------------------ boxes, IoU


def test_table_3_1_boxes_round_trip():
    xywh = np.array([[10, 10, 25, 50], [120, 180, 40, 70], [80, 95, 35, 10]], float)
    xyxy = BX.xywh_to_xyxy(xywh)
    assert xyxy[1].tolist() == [120, 180, 160, 250]
    assert np.array_equal(BX.xyxy_to_xywh(xyxy), xywh)


def test_iou_hand_computed():
    a = np.array([[0, 0, 4, 4]])
    b = np.array([[2, 2, 6, 6], [0, 0, 4, 2], [4, 4, 8, 8], [10, 10, 12, 12]])
    # overlap 2x2=4 of union 28; half of a; touching corners; disjoint
    assert np.allclose(BX.box_iou(a, b), [[4 / 28, 0.5, 0.0, 0.0]])
    assert BX.box_iou(a, np.zeros((0, 4))).shape == (1, 0)


def test_encode_decode_round_trip():
    rng = np.random.default_rng(0)
    anchors = np.c_[rng.uniform(0, 50, (20, 2)), rng.uniform(0, 50, (20, 2)) + 60]
    boxes = np.c_[rng.uniform(0, 50, (20, 2)), rng.uniform(0, 50, (20, 2)) + 55]
    assert np.allclose(BX.decode_boxes(BX.encode_boxes(boxes, anchors), anchors), boxes)


def test_box_errors_name_the_argument():
    with pytest.raises(ValueError, match="boxes"):
        BX.xywh_to_xyxy([[0, 0, -1, 2]])
    with pytest.raises(ValueError, match="a must be xyxy"):
        BX.box_iou([[3, 0, 1, 2]], [[0, 0, 1, 1]])
    with pytest.raises(ValueError, match="paired"):
        BX.encode_boxes([[0, 0, 1, 1]], [[0, 0, 1, 1], [0, 0, 2, 2]])


# ------------------------------------------------------------------------------- anchors


def test_anchor_grid_hand_computed():
    a = AN.make_anchors(2, 4, [(4, 4), (8, 2)])
    assert a.shape == (8, 4)
    assert a[0].tolist() == [0, 0, 4, 4] and a[1].tolist() == [-2, 1, 6, 3]   # cell (0, 0), both shapes
    assert a[2].tolist() == [4, 0, 8, 4]                                      # cell (0, 1): x moves first


def test_anchor_matching_hand_computed():
    anchors = np.array([[0, 0, 4, 4], [1, 0, 5, 4], [3, 0, 7, 4], [20, 20, 24, 24]], float)
    gt = np.array([[0, 0, 4, 4]], float)
    m = AN.match_anchors(anchors, gt, [1], pos_iou=0.5, neg_iou=0.3)
    # IoUs 1, 12/20 = 0.6, 4/28 = 0.14, 0: positive, positive, background, background
    assert np.allclose(m.iou, [1.0, 0.6, 4 / 28, 0.0])
    assert m.labels.tolist() == [1, 1, 0, 0]
    assert m.matched.tolist() == [0, 0, -1, -1]
    assert np.allclose(m.deltas[1], [-0.25, 0, 0, 0])
    # between the thresholds: ignored
    m = AN.match_anchors(anchors, gt, [2], pos_iou=0.7, neg_iou=0.3)
    assert m.labels.tolist() == [2, -1, 0, 0]


def test_every_object_claims_its_best_anchor():
    anchors = np.array([[0, 0, 10, 10], [20, 0, 30, 10]], float)
    gt = np.array([[22, 2, 26, 6]], float)        # IoU 0.16 with its best anchor: below pos_iou
    assert AN.match_anchors(anchors, gt, [1]).labels.tolist() == [0, 1]


def test_matching_without_objects_is_all_background():
    m = AN.match_anchors(AN.make_anchors(2, 4, [(4, 4)]), np.zeros((0, 4)), [])
    assert (m.labels == 0).all() and (m.matched == -1).all()


# --------------------------------------------------------------------------------- RoI ops


def test_roi_pool_hand_computed():
    f = torch.arange(16.0).reshape(1, 1, 4, 4)
    assert ROI.roi_pool(f, [[0, 0, 0, 3, 3]], 2)[0, 0].tolist() == [[5, 7], [13, 15]]
    # a region of the right half, at stride 2: image box (4, 0, 8, 8) -> cells 2-3 (after rounding)
    assert ROI.roi_pool(f, [[0, 4, 0, 7, 7]], 2, spatial_scale=0.5)[0, 0].tolist() == [[6, 7], [14, 15]]


def test_roi_align_hand_computed():
    # feature value = 10 * row + column: bilinear sampling of a linear map is exact
    f = (10 * torch.arange(4.0)[:, None] + torch.arange(4.0)[None]).reshape(1, 1, 4, 4)
    out = ROI.roi_align(f, [[0, 1, 1, 3, 3]], output_size=2, sampling_ratio=2)[0, 0]
    # bins cover [1, 2] and [2, 3]; their centres 1.5, 2.5 sit at cells 1.0, 2.0 (centre at +0.5)
    assert torch.allclose(out, torch.tensor([[11.0, 12.0], [21.0, 22.0]]))


def test_roi_align_batch_index_and_gradients():
    f = torch.randn(2, 3, 8, 8, requires_grad=True)
    out = ROI.roi_align(f, [[1, 0, 0, 8, 8], [0, 2, 2, 6, 6]], output_size=3)
    assert out.shape == (2, 3, 3, 3)
    out.sum().backward()
    assert f.grad[1].abs().sum() > 0 and f.grad[0].abs().sum() > 0
    with pytest.raises(ValueError, match="batch indices"):
        ROI.roi_align(f.detach(), [[2, 0, 0, 1, 1]])


# -------------------------------------------------------------------------------------- NMS


@pytest.mark.parametrize("n,threshold", [(10, 0.5), (300, 0.3), (2000, 0.5), (3000, 0.7)])
def test_nms_equals_opencv(n, threshold):
    rng = np.random.default_rng(n)
    xy, wh = rng.uniform(0, 200, (n, 2)), rng.uniform(5, 40, (n, 2))
    scores = rng.permutation(n) / n + 0.001           # distinct scores: no tie-breaking question
    ref = np.asarray(cv2.dnn.NMSBoxes(np.c_[xy, wh].tolist(), scores.tolist(), 0.0, threshold)).ravel()
    ours = NMS.nms(np.c_[xy, xy + wh], scores, threshold)
    assert np.array_equal(ours, ref)


@pytest.mark.parametrize("route", ["per kept box", "sweep", "mixed"])
@pytest.mark.parametrize("clustered", [False, True])
def test_every_nms_route_keeps_what_opencv_keeps(monkeypatch, route, clustered):
    """The pass per kept box, the sweep over candidate pairs, and a switch between them agree."""
    rng = np.random.default_rng(7)
    n = 1500
    if clustered:                                     # ten jittered boxes per object, as a detector emits
        xy = np.repeat(rng.uniform(0, 400, (n // 10, 2)), 10, axis=0) + rng.normal(0, 3, (n, 2))
    else:
        xy = rng.uniform(0, 400, (n, 2))
    wh = rng.uniform(5, 40, (n, 2))
    scores = rng.permutation(n) / n + 0.001
    if route == "per kept box":
        monkeypatch.setattr(NMS, "_MAX_PAIRS", -1)     # the sweep never fits
    elif route == "sweep":
        monkeypatch.setattr(NMS, "_DENSE", n + 1)      # the first kept box hands over at once
    ref = np.asarray(cv2.dnn.NMSBoxes(np.c_[xy, wh].tolist(), scores.tolist(), 0.0, 0.5)).ravel()
    assert np.array_equal(NMS.nms(np.c_[xy, xy + wh], scores, 0.5), ref)


def test_nms_score_threshold_and_empty():
    assert NMS.nms(np.zeros((0, 4)), np.zeros(0)).tolist() == []
    b = [[0, 0, 10, 10], [20, 20, 30, 30]]
    assert NMS.nms(b, [0.9, 0.2], 0.5, score_threshold=0.5).tolist() == [0]


def test_class_aware_nms_keeps_overlapping_boxes_of_other_classes():
    b = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [0, 0, 10, 10]], float)
    s = np.array([0.9, 0.8, 0.7])
    assert NMS.batched_nms(b, s, [1, 1, 2], 0.5).tolist() == [0, 2]
    assert NMS.nms(b, s, 0.5).tolist() == [0]


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


# ----------------------------------------------------------------- augmentation with boxes


def test_a_moved_box_still_covers_the_same_object_pixels():
    """Paint one bright object per image, augment, and check that the moved box holds the
    object's pixels (and not much else)."""
    rng = np.random.default_rng(0)
    n, size = 64, 64
    images = np.zeros((n, size, size), np.float32)
    boxes = []
    for i in range(n):
        w, h = rng.integers(8, 20, 2)
        x, y = rng.integers(10, size - 30, 2)
        images[i, y:y + h, x:x + w] = 1.0
        boxes.append(np.array([[x, y, x + w, y + h]], float))
    config = AugmentConfig(min_zoom=0.75, max_shift=0.1, max_rotation=15.0, flip=0.5, brightness=0.0, contrast=0.0)
    out, moved, keep = augment_with_boxes(images, boxes, config, generator=torch.Generator().manual_seed(0))
    unmoved = augment_with_boxes(images, boxes, config, generator=torch.Generator().manual_seed(0),
                                 move_boxes=False)[1]
    inside_share, unmoved_share = [], []
    for i in range(n):
        obj = out[i, 0].numpy() > 0.5
        if not keep[i][0] or obj.sum() < 10:
            continue
        x1, y1, x2, y2 = moved[i][0]
        mask = np.zeros_like(obj)
        mask[int(np.floor(y1)):int(np.ceil(y2)), int(np.floor(x1)):int(np.ceil(x2))] = True
        inside_share.append((obj & mask).sum() / obj.sum())
        # the box is tight: a rotated rectangle fills at least half of its enclosing box
        assert obj.sum() >= 0.45 * mask.sum(), (i, obj.sum(), mask.sum())
        u = unmoved[i][0]
        umask = np.zeros_like(obj)
        umask[int(u[1]):int(u[3]), int(u[0]):int(u[2])] = True
        unmoved_share.append((obj & umask).sum() / obj.sum())
    assert len(inside_share) > 40
    assert min(inside_share) > 0.97
    assert np.mean(unmoved_share) < 0.7          # without moving, boxes miss much of the object


def test_transform_boxes_drops_boxes_that_leave_the_frame():
    shift = torch.tensor([[1.0, 0.0, 1.5], [0.0, 1.0, 0.0]])     # view moved 3/4 of the width right
    b, keep = transform_boxes([[0, 0, 4, 4], [28, 0, 32, 4]], shift, 32, 32)
    assert keep.tolist() == [False, True] and b.tolist() == [[4.0, 0.0, 8.0, 4.0]]


# ---------------------------------------------------------------------------------- scenes


def test_scenes_are_seeded_and_boxes_lie_inside():
    a, b = make_scenes(20, seed=3), make_scenes(20, seed=3)
    assert np.array_equal(a.images, b.images)
    for boxes, labels in zip(a.boxes, a.labels, strict=True):
        assert ((boxes >= 0) & (boxes <= 64)).all() and set(labels.tolist()) <= {1, 2}
    table = a.annotations()
    assert list(table.columns) == ["image", "object", "bounding box [x, y, w, h]"]
    assert len(table) == sum(len(x) for x in a.boxes)


def test_train_val_and_test_scenes_use_different_people():
    s = load_sources()
    assert [(s.face_split == k).sum() for k in (0, 2, 1)] == [55, 15, 30]
    seen = {split: set(np.concatenate(make_scenes(40, seed=1, split=split, pose=0.5, oval=True).sources).tolist()) - {-1}
            for split in ("train", "val", "test")}
    assert not (seen["train"] & seen["val"]) and not (seen["train"] & seen["test"]) and not (seen["val"] & seen["test"])
    for split, people in seen.items():
        assert (s.face_split[list(people)] == SPLITS[split]).all()
    only = make_scenes(20, seed=2, split="test", people=[int(np.flatnonzero(s.face_split == 1)[0])])
    assert set(np.concatenate(only.sources).tolist()) - {-1} <= {int(np.flatnonzero(s.face_split == 1)[0])}
    with pytest.raises(ValueError, match="people"):
        make_scenes(2, split="test", people=[int(np.flatnonzero(s.face_split == 0)[0])])


def test_pose_zero_leaves_the_scenes_as_they_were():
    a, b = make_scenes(5, seed=4), make_scenes(5, seed=4, pose=0.0, oval=False)
    assert np.array_equal(a.images, b.images)
    c = make_scenes(5, seed=4, pose=1.0, oval=True)
    assert c.images.shape == a.images.shape and not np.array_equal(c.images, a.images)


def test_turn_face_keeps_the_edges_and_moves_the_midline():
    patch = np.tile(np.linspace(0, 1, 21, dtype=np.float32), (5, 1))
    assert np.allclose(turn_face(patch, 0.0), patch)
    right, left = turn_face(patch, 0.5), turn_face(patch, -0.5)
    assert np.isclose(right[0, 0], 0) and np.isclose(right[0, -1], 1)      # the face's edges stay put
    assert right[0, 5] > patch[0, 5] and left[0, 15] < patch[0, 15]        # one half squeezed, by side
    assert turn_face(np.zeros((6, 8, 3), np.uint8), 0.3).dtype == np.uint8
    with pytest.raises(ValueError, match="amount"):
        turn_face(patch, 1.5)


def test_planted_faces_are_the_pixels_in_their_boxes():
    s = make_scenes(30, seed=0, occlusion=0.0, textures=0.0)
    src = load_sources()
    for img, boxes, labels, who in zip(s.images, s.boxes, s.labels, s.sources, strict=True):
        for (x1, y1, x2, y2), c, planted in zip(boxes.astype(int), labels, who, strict=True):
            if c != 1:
                continue
            crop = cv2.resize(img[y1:y2, x1:x2], (25, 25), interpolation=cv2.INTER_LINEAR)
            z = (crop - crop.mean()) / crop.std()
            faces = src.faces.reshape(100, -1)
            fz = (faces - faces.mean(1, keepdims=True)) / faces.std(1, keepdims=True)
            corr = fz @ z.ravel() / z.size
            assert corr.argmax() == planted and corr.max() > 0.7      # the box holds the planted real face


def test_plate_render_and_errors():
    p, m = render_plate(30, 10, seed=1)
    assert p.shape == m.shape == (10, 30) and 0 <= p.min() and p.max() <= 1
    with pytest.raises(ValueError, match="split"):
        make_scenes(2, split="validation")


# ---------------------------------------------------------------------------------- blur


def test_blur_changes_only_the_boxes():
    img = np.random.default_rng(0).random((32, 32)).astype(np.float32)
    for method in ("gaussian", "pixelate"):
        out = blur_regions(img, [[4, 4, 12, 12]], method, pad=0.0)
        changed = out != img
        assert changed[4:12, 4:12].mean() > 0.9 and not changed[12:].any() and not changed[:, 12:].any()
        assert out[4:12, 4:12].std() < img[4:12, 4:12].std() / 2
    with pytest.raises(ValueError, match="method"):
        blur_regions(img, [[0, 0, 2, 2]], "median")
    with pytest.raises(ValueError, match="image"):
        blur_regions(np.zeros((4, 4, 5)), [[0, 0, 2, 2]])


def test_identity_leak_counts_hits_against_a_guess():
    rng = np.random.default_rng(3)
    gallery = rng.random((40, 12, 12))
    images = [np.pad(f, 6) for f in gallery]
    table = identity_leak(images, [[6, 6, 18, 18]] * 40, np.arange(40), gallery,
                          [(None, 0), ("gaussian", 0.1), ("pixelate", 1.0)], pad=0.0).set_index("method")
    assert table.loc["none", "named"] == 40 and table.loc["none", "p_above_guess"] < 1e-9
    # one block over the whole box: a flat patch, which correlates 0 with every face
    assert table.loc["pixelate", "named"] <= 1 and table.loc["pixelate", "p_above_guess"] > 0.3
    assert (table["low"] <= table["rate"]).all() and (table["rate"] <= table["high"]).all()
    flat = np.full((12, 12), 0.5)
    assert nearest_identity([flat, flat + 1e-12], gallery).tolist() == [0, 0]
    with pytest.raises(ValueError, match="settings"):
        identity_leak(images, [[6, 6, 18, 18]] * 40, np.arange(40), gallery, [])
    with pytest.raises(ValueError, match="identities"):
        identity_leak(images[:2], [[6, 6, 18, 18]] * 2, [0, 40], gallery, [(None, 0)])


# -------------------------------------------------------------------------------- models


@pytest.mark.parametrize("cls", [OneStageDetector, TwoStageDetector])
def test_detector_loss_is_finite_and_trains(cls):
    torch.manual_seed(0)
    s = make_scenes(8, seed=0)
    model = cls(image_size=64)
    batch = make_batch(s.images, s.boxes, s.labels, model.anchors)
    loss = model.loss(batch, lam=1.0)
    assert torch.isfinite(loss) and loss.ndim == 0
    loss.backward()
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)
    model.zero_grad()
    # lambda = 0 leaves only the classification terms
    assert model.loss(batch, lam=0.0) < loss + 1e-3 or cls is TwoStageDetector
    dets = model.detect(s.images[:2], score_threshold=0.0)
    assert len(dets) == 2 and all(d["boxes"].shape[1] == 4 for d in dets)
    assert all(len(d["scores"]) <= 20 for d in dets)


def test_detector_input_errors():
    m = OneStageDetector(image_size=64)
    with pytest.raises(ValueError, match="images"):
        m.detect(np.zeros((2, 63, 63), np.float32))
    with pytest.raises(TypeError, match="images"):
        m.detect(np.zeros((2, 64, 64), np.uint8))
    with pytest.raises(ValueError, match="score_threshold"):
        m.detect(np.zeros((1, 64, 64), np.float32), score_threshold=2.0)


# ------------------------------------------------------------ pipeline, mining, baselines


def test_pipeline_reports_bad_inputs_and_writes_the_rest(tmp_path):
    from mlsd_lib.detection.pipeline import encode_image, preprocess, run_batch

    scenes = make_scenes(5, seed=0)
    items = {f"ok{i}": encode_image(im, scale=2) for i, im in enumerate(scenes.images)}
    items.update({"empty": b"", "corrupt": b"\x00\x01garbage", "float": np.zeros((8, 8)),
                  "shape": np.zeros((8, 8, 4), np.uint8), "text": "not an image"})
    rep = run_batch(items, OneStageDetector(), tmp_path, batch_size=3)
    assert sorted(p.split("/")[-1] for p in rep.written) == [f"ok{i}.jpg" for i in range(5)]
    assert set(rep.failed) == {"empty", "corrupt", "float", "shape", "text"}
    assert "0 bytes" in rep.failed["empty"] and "corrupt" in rep.failed["corrupt"]
    assert "dtype" in rep.failed["float"] and "shape" in rep.failed["shape"]
    assert (rep.throughput() > 0).all()
    x, orig = preprocess(items["ok0"], 64)
    assert x.shape == (64, 64) and orig.shape == (128, 128) and 0 <= x.min() and x.max() <= 1


def test_blurred_output_differs_only_where_boxes_were(tmp_path):
    from mlsd_lib.detection.pipeline import encode_image, run_batch

    class Fixed:                                    # a stand-in detector with one known box
        def detect(self, images, score_threshold, iou_threshold, max_detections):
            return [{"boxes": np.array([[8.0, 8.0, 24.0, 24.0]]), "scores": np.array([0.9]),
                     "labels": np.array([1])} for _ in images]

    img = make_scenes(1, seed=2).images[0]
    rep = run_batch({"a": encode_image(img, scale=2)}, Fixed(), tmp_path)
    out = cv2.imread(rep.written[0], cv2.IMREAD_GRAYSCALE).astype(float)
    raw = cv2.imdecode(np.frombuffer(encode_image(img, scale=2), np.uint8), cv2.IMREAD_GRAYSCALE).astype(float)
    inside = np.abs(out - raw)[16:48, 16:48].mean()
    outside = np.abs(out - raw)[60:, 60:].mean()     # JPEG noise only
    assert inside > 3 * outside
    # the blur setting reaches the blur stage: one block over the box leaves a flat patch
    flat = run_batch({"a": encode_image(img, scale=2)}, Fixed(), tmp_path / "flat", method="pixelate", strength=1.0)
    patch = cv2.imread(flat.written[0], cv2.IMREAD_GRAYSCALE).astype(float)[18:46, 18:46]
    assert patch.std() < 0.25 * out[16:48, 16:48].std() + 2


def test_reports_and_mining():
    from mlsd_lib.detection.mining import mine_hard_examples, simulate_reports

    s = make_scenes(6, seed=1, signs=1.0)
    empty = {"boxes": np.zeros((0, 4)), "scores": np.zeros(0), "labels": np.zeros(0, int)}
    wrong = [{"boxes": np.array([[0.0, 0.0, 3.0, 3.0]]), "scores": np.array([0.9]), "labels": np.array([1])}
             if i == 2 else empty for i in range(6)]
    rep = simulate_reports(wrong, s, report_rate=1.0)
    n_objects = sum(len(b) for b in s.boxes)
    assert (rep["kind"] == "not blurred").sum() == n_objects
    assert (rep["kind"] == "wrong blur").sum() == int(box_iou_free(s.boxes[2]))
    mined = mine_hard_examples(s, rep, copies=2)
    assert len(mined) == 2 * rep["image"].nunique()
    with pytest.raises(ValueError, match="empty"):
        mine_hard_examples(s, rep.iloc[:0])


def box_iou_free(boxes):
    """1 when the box (0, 0, 3, 3) overlaps no object by IoU 0.3, else 0."""
    return len(boxes) == 0 or BX.box_iou([[0, 0, 3, 3]], boxes).max() < 0.3


def test_haar_finds_a_real_face():
    from skimage.data import astronaut

    from mlsd_lib.detection.baselines import haar_detect

    grey = cv2.cvtColor(astronaut(), cv2.COLOR_RGB2GRAY)
    small = cv2.resize(grey, (128, 128), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
    d = haar_detect(small[None], upscale=2)[0]
    faces = d["boxes"][d["labels"] == 1]
    assert len(faces) >= 1
    # Eileen Collins' face sits around x 40-60, y 15-45 of the 128 px image
    cx, cy = (faces[:, 0] + faces[:, 2]) / 2, (faces[:, 1] + faces[:, 3]) / 2
    assert ((cx > 35) & (cx < 75) & (cy > 10) & (cy < 50)).any(), faces


def test_training_through_fit_lowers_the_loss_and_offline_copies_keep_boxes():
    from mlsd_lib.detection.train import augment_offline, train_detector

    s = make_scenes(24, seed=0)
    run = train_detector(OneStageDetector(), s, epochs=3, batch_size=8, seed=0)
    assert run.history.train_loss[-1] < run.history.train_loss[0]
    assert len(run.epoch_seconds) == len(run.epoch_cpu_seconds) == 3 and run.train_seconds > 0 < run.train_cpu_seconds
    again = train_detector(OneStageDetector(), s, epochs=3, batch_size=8, seed=0)
    assert np.allclose(again.history.train_loss, run.history.train_loss)    # seeded end to end
    off = augment_offline(s, copies=2, seed=0)
    assert len(off) == 72 and all(len(b) <= len(o) for b, o in zip(off.boxes[24:48], s.boxes, strict=True))
    with pytest.raises(TypeError, match="model"):
        train_detector("not a model", s, epochs=1)


def test_training_flops_per_image_counts_each_detector_and_checks_its_inputs():
    from mlsd_lib.detection.models import OneStageDetector, TwoStageDetector
    from mlsd_lib.detection.scenes import make_scenes
    from mlsd_lib.detection.train import training_flops_per_image

    s = make_scenes(8, seed=1)
    one, two = training_flops_per_image(OneStageDetector(), s), training_flops_per_image(TwoStageDetector(), s)
    assert two > one > 0                                   # the second stage adds work on top of the same backbone
    assert training_flops_per_image(OneStageDetector(), s, batch_size=4) == pytest.approx(one, rel=1e-6)
    with pytest.raises(TypeError, match="model must be"):
        training_flops_per_image(object(), s)
    with pytest.raises(ValueError, match="batch_size"):
        training_flops_per_image(OneStageDetector(), s, batch_size=0)


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


@pytest.mark.parametrize("side", [30, 70, 150])
@pytest.mark.parametrize("colour", [False, True])
def test_blur_photo_finds_a_face_of_any_size_where_it_is(side, colour):
    h, w = 300, 420
    img = np.zeros((h, w), np.uint8)
    img[100:100 + side, 200:200 + side] = 255
    if colour:
        img = np.repeat(img[..., None], 3, axis=2)
    out = blur_photo(img, _BlobDetector(), min_face=24, score_threshold=0.5)
    assert out.image.shape == img.shape and out.image.dtype == img.dtype
    true = np.array([[200, 100, 200 + side, 100 + side]], float)
    assert len(out.boxes) >= 1 and BX.box_iou(out.boxes, true).max() > 0.8, out.boxes
    assert len(out.boxes) == 1                    # the scales and tiles that saw it were merged by NMS
    hidden, false = score_blurs(out.boxes, true)
    assert hidden.all() and false == 0
    assert not np.array_equal(out.image, img)    # and it was blurred


def test_blur_photo_reads_float_photos_and_refuses_bad_ones():
    img = np.zeros((120, 90), np.float32)
    img[40:80, 20:60] = 1.0
    out = blur_photo(img, _BlobDetector())
    assert out.image.dtype == np.float32 and len(out.boxes) == 1
    for bad, match in ((np.full((120, 90), 2.0), "\\[0, 1\\]"), (np.zeros((4, 90)), "8x8"),
                       (np.zeros((20, 20, 2)), "shape"), ("photo.jpg", "numpy array"),
                       (np.zeros((20, 20), complex), "dtype")):
        with pytest.raises((ValueError, TypeError), match=match):
            blur_photo(bad, _BlobDetector())
    with pytest.raises(TypeError, match="detector"):
        blur_photo(img, object())
    with pytest.raises(ValueError, match="labels"):
        blur_photo(img, _BlobDetector(), labels=[3])


def test_the_batch_pipeline_reads_full_size_tiles_through_the_pyramid(tmp_path):
    from mlsd_lib.detection.pipeline import run_batch

    img = np.zeros((512, 512), np.uint8)
    img[300:400, 100:200] = 255
    raw = cv2.imencode(".png", img)[1].tobytes()
    rep = run_batch({"tile": raw}, _BlobDetector(), tmp_path, score_threshold=0.5, pyramid={"min_face": 32})
    boxes = rep.detections["tile"]["boxes"]
    assert len(boxes) == 1 and BX.box_iou(boxes, np.array([[100, 300, 200, 400]], float)).max() > 0.8
    with pytest.raises(ValueError, match="pyramid"):
        run_batch({"tile": raw}, _BlobDetector(), tmp_path, pyramid={"scale": 2})


def test_photo_scales_cover_every_face_size_between_min_and_max():
    scales = photo_scales(600, 800, min_face=20, max_face=600, step=1.5)
    assert np.isclose(scales[0], 15 / 20) and all(np.isclose(a / b, 1.5) for a, b in zip(scales[:-1], scales[1:], strict=True))
    assert 15 / scales[-1] <= 600 * 1.5 and 15 / scales[-1] >= 600 / 1.5


def test_score_blurs_matches_a_pixel_count():
    rng = np.random.default_rng(0)
    for _ in range(20):
        faces, boxes = (np.c_[xy, xy + rng.integers(1, 20, (len(xy), 2))].astype(float)
                        for xy in (rng.integers(0, 40, (3, 2)), rng.integers(0, 40, (4, 2))))
        canvas = np.zeros((60, 60), bool)
        for x1, y1, x2, y2 in boxes.astype(int):
            canvas[y1:y2, x1:x2] = True
        hidden, false = score_blurs(boxes, faces)
        for (x1, y1, x2, y2), h in zip(faces.astype(int), hidden, strict=True):
            assert h == (canvas[y1:y2, x1:x2].mean() >= 0.5)
        assert 0 <= false <= len(boxes)


def test_real_photos_and_the_cascades():
    photos = {p["name"]: p for p in load_real_photos()}
    assert set(photos) == {"astronaut", "camera", "grace_hopper", "astronaut_turned"}
    camera = photos["camera"]                                  # a man in near-profile
    assert not score_blurs(cascade_faces(camera["image"], profile=False)["boxes"], camera["faces"])[0].any()
    assert score_blurs(cascade_faces(camera["image"])["boxes"], camera["faces"])[0].all()   # the profile cascade


def test_nearest_identity_with_shifts_finds_a_shifted_mirrored_face():
    g = np.random.default_rng(3).random((6, 12, 12))
    crop = np.roll(g[4], 2, axis=1)[:, ::-1]
    assert nearest_identity([crop], g, max_shift=2, mirror=True).tolist() == [4]
    with pytest.raises(ValueError, match="max_shift"):
        nearest_identity([crop], g, max_shift=50)


def test_lineage_times_three_designs_on_the_same_windows():
    assert len(candidate_windows(64, 8)) == 8 * 8 * 4
    t = time_lineage(TwoStageDetector(), np.zeros((2, 64, 64), np.float32), repeats=1)
    assert list(t.index) == ["R-CNN", "Fast R-CNN", "Faster R-CNN"] and (t["ms per image"] > 0).all()
    with pytest.raises(TypeError, match="TwoStageDetector"):
        time_lineage(OneStageDetector(), np.zeros((2, 64, 64), np.float32))
