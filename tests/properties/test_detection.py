"""Property tests of mlsd_lib.detection and the box-moving augmentation (the contract of
tests/contracts/_contract.py)."""

from __future__ import annotations

import importlib
import tempfile

import numpy as np
import pytest
import torch
from contracts._contract import Case, finite_array, probability
from hypothesis import strategies as st

from mlsd_lib.detection import anchors as AN
from mlsd_lib.detection import baselines as BL
from mlsd_lib.detection import blur as BLUR
from mlsd_lib.detection import boxes as BX
from mlsd_lib.detection import evaluate as EV
from mlsd_lib.detection import lineage as LI
from mlsd_lib.detection import mining as MI
from mlsd_lib.detection import models as MO
from mlsd_lib.detection import photo as PH
from mlsd_lib.detection import pipeline as PL
from mlsd_lib.detection import roi as ROI
from mlsd_lib.detection import scenes as SC
from mlsd_lib.detection import train as TR
from mlsd_lib.vision import augment as AU

NMS = importlib.import_module("mlsd_lib.detection.suppression")


@st.composite
def xyxy(draw, n_min=1, n_max=8, side=64.0):
    n = draw(st.integers(n_min, n_max))
    seed = draw(st.integers(0, 10_000))
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, side * 0.7, (n, 2))
    return np.c_[xy, xy + rng.uniform(2, side * 0.3, (n, 2))]


@st.composite
def det_gt(draw, n_images=3):
    seed = draw(st.integers(0, 10_000))
    rng = np.random.default_rng(seed)
    dets, gts = [], []
    for _ in range(n_images):
        g = draw(xyxy(0, 4))
        d = np.concatenate([g + rng.normal(0, 2, g.shape), draw(xyxy(0, 3))])
        d = np.c_[np.minimum(d[:, :2], d[:, 2:]), np.maximum(d[:, :2], d[:, 2:])]
        dets.append({"boxes": d, "scores": rng.random(len(d)), "labels": rng.integers(1, 3, len(d))})
        gts.append({"boxes": g, "labels": rng.integers(1, 3, len(g))})
    return {"detections": dets, "ground_truth": gts}


def _iou_check(r, kw):
    finite_array(r, 0.0, 1.0, shape=(len(kw["a"]), len(kw["b"])))


BOXES = [
    Case(BX.xywh_to_xyxy, xyxy().map(lambda b: {"boxes": BX.xyxy_to_xywh(b)}),
         lambda r, kw: finite_array(r, shape=kw["boxes"].shape)),
    Case(BX.xyxy_to_xywh, xyxy().map(lambda b: {"boxes": b}), lambda r, kw: finite_array(r[:, 2:], 0.0),
         {"boxes": "boxes"}),
    Case(BX.box_iou, st.tuples(xyxy(), xyxy()).map(lambda t: {"a": t[0], "b": t[1]}), _iou_check,
         {"a": "boxes", "b": "boxes"}),
    Case(BX.encode_boxes, st.tuples(xyxy(3, 3), xyxy(3, 3)).map(lambda t: {"boxes": t[0], "anchors": t[1]}),
         lambda r, kw: finite_array(r, shape=(3, 4)), {"boxes": "boxes", "anchors": "boxes"}),
    Case(BX.decode_boxes, st.tuples(xyxy(3, 3), xyxy(3, 3)).map(
        lambda t: {"deltas": BX.encode_boxes(t[0], t[1]), "anchors": t[1]}),
        lambda r, kw: finite_array(r, shape=(3, 4)), {"anchors": "boxes"}),
]

ANCHORS = [
    Case(AN.make_anchors, st.integers(1, 6).map(lambda f: {"feature_size": f, "stride": 4, "shapes": [(8, 8), (12, 4)]}),
         lambda r, kw: finite_array(r, shape=(kw["feature_size"] ** 2 * 2, 4)),
         {"feature_size": "count", "stride": "count"}),
    Case(AN.match_anchors, xyxy(0, 4).map(lambda g: {"anchors": AN.make_anchors(8, 8, [(8, 8), (16, 6)]),
                                                     "gt_boxes": g, "gt_labels": np.ones(len(g), int),
                                                     "pos_iou": 0.5}),
         lambda r, kw: (finite_array(r.labels, -1, 2), finite_array(r.iou, 0, 1)) and None,
         {"pos_iou": "prob", "anchors": "boxes", "gt_boxes": "boxes"}, covers=(AN.AnchorMatch,)),
    Case(AN.match_batch, st.lists(xyxy(0, 4), min_size=1, max_size=3).map(
        lambda gs: {"anchors": AN.make_anchors(8, 8, [(8, 8), (16, 6)]), "gt_boxes": gs,
                    "gt_labels": [np.arange(len(g)) % 2 + 1 for g in gs], "pos_iou": 0.5}),
         lambda r, kw: _same_as_image_by_image(r, kw), {"pos_iou": "prob", "anchors": "boxes"}),
]


def _same_as_image_by_image(result, kw):
    """match_batch is match_anchors run on each image: the same labels and the same deltas."""
    labels, deltas = result
    for i, (g, v) in enumerate(zip(kw["gt_boxes"], kw["gt_labels"], strict=True)):
        one = AN.match_anchors(kw["anchors"], g, v, kw["pos_iou"])
        np.testing.assert_array_equal(labels[i], one.labels)
        np.testing.assert_allclose(deltas[i], one.deltas)

NMS_CASES = [
    Case(NMS.nms, xyxy(1, 30).map(lambda b: {"boxes": b, "scores": np.linspace(1, 0.1, len(b)), "iou_threshold": 0.5}),
         lambda r, kw: finite_array(r, 0, len(kw["boxes"]) - 1), {"iou_threshold": "prob"}),
    Case(NMS.batched_nms, xyxy(1, 30).map(lambda b: {"boxes": b, "scores": np.linspace(1, 0.1, len(b)),
                                                     "labels": np.arange(len(b)) % 2 + 1, "iou_threshold": 0.5}),
         lambda r, kw: finite_array(r, 0, len(kw["boxes"]) - 1), {"iou_threshold": "prob"}),
]


def _rois(b):
    return np.c_[np.zeros(len(b)), b]


ROIS = [
    Case(ROI.roi_pool, xyxy(1, 4, side=16).map(lambda b: {"features": torch.randn(1, 2, 8, 8), "rois": _rois(b),
                                                          "output_size": 2, "spatial_scale": 0.5}),
         lambda r, kw: finite_array(r.numpy(), shape=(len(kw["rois"]), 2, 2, 2)),
         {"output_size": "count", "spatial_scale": "pos"}, examples=5),
    Case(ROI.roi_align, xyxy(1, 4, side=16).map(lambda b: {"features": torch.randn(1, 2, 8, 8), "rois": _rois(b),
                                                           "output_size": 3, "spatial_scale": 0.5}),
         lambda r, kw: finite_array(r.numpy(), shape=(len(kw["rois"]), 2, 3, 3)),
         {"output_size": "count", "spatial_scale": "pos", "features": "tensor"}, examples=5),
]


def _pr(r, kw):
    p, rec, s, n = r
    finite_array(p, 0, 1)
    finite_array(rec, 0, 1)


EVALUATE = [
    Case(EV.precision_from_ious, st.lists(st.floats(0, 1), min_size=1, max_size=8).map(
        lambda x: {"ious": np.array(x), "iou_threshold": 0.5}), lambda r, kw: probability(r),
        {"ious": "array", "iou_threshold": "prob"}),
    Case(EV.check_detections, det_gt(), lambda r, kw: None),
    Case(EV.match_image, det_gt(1).map(lambda d: {"det_boxes": d["detections"][0]["boxes"],
                                                  "det_scores": d["detections"][0]["scores"],
                                                  "gt_boxes": d["ground_truth"][0]["boxes"]}),
         lambda r, kw: finite_array(r[1], -1)),
    Case(EV.pr_curve, det_gt().map(lambda d: {**d, "label": 1}), _pr),
    Case(EV.box_ap, st.lists(st.booleans(), min_size=1, max_size=20).map(
        lambda t: {"precision": np.cumsum(t) / np.arange(1, len(t) + 1), "recall": np.cumsum(t) / max(len(t), 1),
                   "method": "all"}), lambda r, kw: probability(r), {"method": "choice"}),
    Case(EV.evaluate_detections, det_gt().map(lambda d: {**d, "labels": [1, 2], "iou_thresholds": (0.5, 0.75)}),
         lambda r, kw: finite_array(r.to_numpy(), 0, 1)),
    Case(EV.box_map, det_gt().map(lambda d: {**d, "labels": [1, 2]}), lambda r, kw: probability(r)),
    Case(EV.error_breakdown, det_gt(), lambda r, kw: (isinstance(r, dict) and min(r.values()) >= 0) or None),
    Case(EV.per_image_counts, det_gt(), lambda r, kw: finite_array(r, 0, shape=(3, 3))),
]

BLURS = [
    Case(BLUR.blur_regions, xyxy(0, 3, side=32).map(lambda b: {"image": np.random.default_rng(0).random((32, 32)),
                                                               "boxes": b, "method": "pixelate"}),
         lambda r, kw: finite_array(r, 0, 1, shape=(32, 32)), {"method": "choice", "boxes": "boxes"}),
    Case(BLUR.nearest_identity, st.integers(1, 4).map(lambda n: {"crops": np.random.default_rng(n).random((n, 9, 7)),
                                                                 "gallery": np.random.default_rng(9).random((5, 8, 8))}),
         lambda r, kw: finite_array(r, 0, 4), {"gallery": "array"}),
    Case(BLUR.identity_leak, st.integers(1, 4).map(lambda n: {
        "images": [np.pad(f, 4) for f in np.random.default_rng(n).random((n, 8, 8))],
        "boxes": [[4, 4, 12, 12]] * n, "identities": np.arange(n), "gallery": np.random.default_rng(n).random((5, 8, 8)),
        "settings": [(None, 0), ("gaussian", 0.5)], "pad": 0.1}),
         lambda r, kw: (finite_array(r["rate"].to_numpy(), 0, 1), finite_array(r["p_above_guess"].to_numpy(), 0, 1))
         and None, {"identities": "ids", "gallery": "array", "pad": "prob", "boxes": "boxes"}),
]

SCENES = [
    Case(SC.make_scenes, st.integers(1, 3).map(lambda n: {"n": n, "seed": n, "signs": 1.0, "split": "test",
                                                         "occlusion": 0.5}),
         lambda r, kw: (finite_array(r.images, 0, 1, shape=(kw["n"], 64, 64)), r.annotations()) and None,
         {"n": "count", "split": "choice", "occlusion": "prob"}, covers=(SC.SceneSet, SC.ObjectSources), examples=3),
    Case(SC.render_plate, st.integers(8, 30).map(lambda w: {"width": w, "height": max(2, w // 3), "seed": w}),
         lambda r, kw: finite_array(r[0], 0, 1), {"width": "count"}),
    Case(SC.render_sign, st.integers(8, 30).map(lambda w: {"width": w, "height": max(2, w // 3), "seed": w}),
         lambda r, kw: finite_array(r[0], 0, 1), {"width": "count"}),
    Case(SC.load_sources, st.just({}), lambda r, kw: finite_array(r.faces, 0, 1), examples=1),
    Case(BL.haar_detect, st.just({"images": SC.make_scenes(2, seed=0).images, "upscale": 2}),
         lambda r, kw: (len(r) == 2 and all(d["boxes"].shape[1] == 4 for d in r)) or None,
         {"images": "array", "upscale": "count"}, examples=1, bad_examples=1),
]


def _scenes_and_reports(n):
    s = SC.make_scenes(n, seed=n)
    dets = [{"boxes": b + 1.0, "scores": np.full(len(b), 0.9), "labels": lab} for b, lab in zip(s.boxes, s.labels, strict=True)]
    return s, dets


MINING = [
    Case(MI.simulate_reports, st.integers(2, 4).map(lambda n: dict(zip(("scenes", "detections"), _scenes_and_reports(n), strict=True),
                                                                 report_rate=1.0)),
         lambda r, kw: (set(r["kind"]) <= {"wrong blur", "not blurred"}) or None, {"report_rate": "prob"}, examples=3),
    Case(MI.mine_hard_examples, st.integers(2, 4).map(lambda n: {"scenes": SC.make_scenes(n, seed=n),
                                                                 "reports": __import__("pandas").DataFrame({"image": [0, 1]}),
                                                                 "copies": 2}),
         lambda r, kw: (len(r) == 4) or None, {"copies": "count"}, examples=2),
]


def _batch(n):
    s = SC.make_scenes(n, seed=n)
    return {"images": s.images, "boxes": s.boxes, "labels": s.labels, "anchors": MO.OneStageDetector().anchors}


def _detect(cls):
    def call(kw):
        torch.manual_seed(0)
        return cls(**kw).detect(np.zeros((2, 64, 64), np.float32), score_threshold=0.0)
    return call


MODELS = [
    Case(TR.training_flops_per_image, st.sampled_from([MO.OneStageDetector, MO.TwoStageDetector]).map(
        lambda cls: {"model": cls(), "scenes": SC.make_scenes(2, seed=0), "batch_size": 2}),
         lambda r, kw: None if r > 0 else pytest.fail(r), {"batch_size": "count"}, examples=2, bad_examples=1),
    Case(MO.make_batch, st.integers(1, 3).map(_batch),
         lambda r, kw: finite_array(r["anchor_deltas"].numpy()), examples=3),
    Case(MO.Backbone, st.integers(2, 8).map(lambda w: {"width": w}),
         lambda r, kw: (tuple(r(torch.zeros(1, 1, 16, 16)).shape) == (1, kw["width"], 4, 4)) or None,
         {"width": "count"}, examples=3),
    Case(MO.OneStageDetector, st.just({"image_size": 64}), lambda r, kw: (len(r) == 2) or None,
         {"image_size": "count"}, call=_detect(MO.OneStageDetector), examples=1, bad_examples=1),
    Case(MO.TwoStageDetector, st.just({"image_size": 64}), lambda r, kw: (len(r) == 2) or None,
         {"image_size": "count"}, call=_detect(MO.TwoStageDetector), examples=1, bad_examples=1),
    Case(TR.train_detector, st.just({"scenes": SC.make_scenes(4, seed=0), "epochs": 1, "batch_size": 2}),
         lambda r, kw: (len(r.history.train_loss) == 1 and r.train_seconds > 0) or None,
         {"epochs": "count", "batch_size": "count"},
         call=lambda kw: TR.train_detector(MO.OneStageDetector(), **kw), covers=(TR.DetectorRun,),
         examples=1, bad_examples=1),
    Case(TR.augment_offline, st.integers(1, 2).map(lambda c: {"scenes": SC.make_scenes(2, seed=c), "copies": c}),
         lambda r, kw: (len(r) == 2 * (kw["copies"] + 1)) or None, {"copies": "count"}, examples=2),
]

PIPELINE = [
    Case(PL.encode_image, st.integers(1, 3).map(lambda s: {"image": np.zeros((16, 16)), "scale": s}),
         lambda r, kw: (isinstance(r, bytes) and len(r) > 0) or None, {"scale": "count"}, examples=3),
    Case(PL.preprocess, st.integers(8, 32).map(lambda n: {"raw": PL.encode_image(np.zeros((n, n))), "size": 16}),
         lambda r, kw: finite_array(r[0], 0, 1, shape=(16, 16)), {"size": "count"}, examples=3),
    Case(PL.run_batch, st.integers(1, 3).map(lambda n: {"items": {f"i{k}": PL.encode_image(np.zeros((64, 64)))
                                                                  for k in range(n)} | {"bad": b"x"},
                                                        "detector": MO.OneStageDetector(), "out_dir": tempfile.mkdtemp()}),
         lambda r, kw: (len(r.written) == len(kw["items"]) - 1 and list(r.failed) == ["bad"]) or None,
         covers=(PL.PipelineReport,), examples=2),
    Case(PL.pipeline_stages, st.sampled_from(["gaussian", "pixelate"]).map(
        lambda m: {"detector": MO.OneStageDetector(), "out_dir": tempfile.mkdtemp(), "method": m}),
         lambda r, kw: ([name for name, _, _ in r] == list(PL.STAGES) and all(callable(f) for _, f, _ in r)) or None,
         {"method": "choice"}, examples=2),
    Case(PL.stage_scaling, st.integers(1, 2).map(
        lambda b: {"items": {f"i{k}": PL.encode_image(np.zeros((64, 64))) for k in range(2)},
                   "detector": MO.OneStageDetector(), "workers": [1], "batch_size": b}),
         lambda r, kw: finite_array(r.to_numpy(), 0.0, shape=(1, 2)), {"batch_size": "count"}, examples=2),
]

AUGMENT = [
    Case(AU.augment_with_boxes, xyxy(1, 3, side=32).map(lambda b: {"images": np.zeros((1, 32, 32), np.float32),
                                                                   "boxes": [b]}),
         lambda r, kw: finite_array(r[1][0], 0, 32)),
    Case(AU.transform_boxes, xyxy(1, 3, side=32).map(lambda b: {"boxes": b, "theta": torch.tensor([[0.8, 0.1, 0.1],
                                                                                                    [-0.1, 0.8, 0.0]]),
                                                                "height": 32, "width": 32}),
         lambda r, kw: finite_array(r[0], 0, 32), {"height": "count", "width": "count", "boxes": "boxes"}),
]

def _photo(kw):
    torch.manual_seed(0)
    return PH.blur_photo(detector=MO.OneStageDetector(), **kw)


PHOTO = [
    Case(PH.blur_photo, st.tuples(st.integers(8, 90), st.integers(8, 90), st.sampled_from([(), (3,)])).map(
        lambda t: {"image": np.random.default_rng(t[0]).integers(0, 256, (t[0], t[1], *t[2])).astype(np.uint8),
                   "score_threshold": 0.9, "method": "pixelate", "min_face": 16.0}),
         lambda r, kw: (finite_array(r.boxes, 0, max(kw["image"].shape)), finite_array(r.scores, 0, 1),
                        r.image.shape == kw["image"].shape or pytest.fail(r.image.shape)) and None,
         {"image": "array", "score_threshold": "prob", "method": "choice"}, call=_photo, covers=(PH.PhotoBlur,),
         examples=4, bad_examples=1),
    Case(PH.detect_photo, st.integers(8, 90).map(lambda n: {"image": np.zeros((n, 70), np.uint8), "score_threshold": 0.9}),
         lambda r, kw: finite_array(r["boxes"], 0, 90), {"image": "array", "score_threshold": "prob"},
         call=lambda kw: PH.detect_photo(detector=MO.OneStageDetector(), **kw), examples=2, bad_examples=1),
    Case(PH.photo_scales, st.tuples(st.integers(16, 600), st.integers(16, 600)).map(
        lambda t: {"height": t[0], "width": t[1], "min_face": 16.0}),
         lambda r, kw: finite_array(np.array(r), 0, 1), {"height": "count", "width": "count", "min_face": "pos"}),
    Case(PH.score_blurs, st.tuples(xyxy(0, 5), xyxy(0, 3)).map(lambda t: {"boxes": t[0], "faces": t[1],
                                                                             "min_cover": 0.5}),
         lambda r, kw: (finite_array(r[0].astype(float), 0, 1, shape=(len(kw["faces"]),)),
                        0 <= r[1] <= len(kw["boxes"]) or pytest.fail(r)) and None,
         {"min_cover": "prob"}),
    Case(PH.score_photos, st.tuples(xyxy(0, 5), st.floats(0.05, 1)).map(
        lambda t: {"found": {"p": {"boxes": t[0], "scores": np.linspace(1, 0.1, len(t[0])),
                                   "labels": np.ones(len(t[0]), int)}},
                   "photos": [{"name": "p", "pose": "frontal", "faces": np.array([[4.0, 4.0, 12.0, 12.0]])}],
                   "min_iou": t[1]}),
         lambda r, kw: (r["faces hidden"].between(0, 1).all() and r["faces located"].between(0, 1).all()
                        and r["false blurs"].between(0, len(kw["found"]["p"]["boxes"])).all()) or pytest.fail(r),
         {"min_iou": "prob"}),
    Case(PH.load_real_photos, st.just({}),
         lambda r, kw: [finite_array(p["faces"], 0, max(p["image"].shape)) for p in r] and None, examples=1),
    Case(BL.cascade_faces, st.sampled_from([True, False]).map(
        lambda p: {"image": np.random.default_rng(1).integers(0, 256, (60, 80, 3)).astype(np.uint8), "profile": p}),
         lambda r, kw: finite_array(r["boxes"], 0, 80), {"image": "array"}, examples=2, bad_examples=1),
    Case(BL.ssd_faces, st.floats(0.05, 1).map(
        lambda t: {"image": np.random.default_rng(2).integers(0, 256, (60, 80, 3)).astype(np.uint8),
                   "score_threshold": t}),
         lambda r, kw: finite_array(r["boxes"], 0, 80) and finite_array(r["scores"], kw["score_threshold"], 1),
         {"image": "array", "score_threshold": "prob"}, examples=2, bad_examples=1),
    Case(SC.turn_face, st.floats(-1, 1).map(lambda a: {"patch": np.random.default_rng(0).random((9, 12)),
                                                        "amount": a}),
         lambda r, kw: finite_array(r, 0, 1, shape=(9, 12)), {"amount": "float"}),
    Case(LI.candidate_windows, st.integers(1, 8).map(lambda k: {"image_size": 8 * k, "stride": 8}),
         lambda r, kw: finite_array(r, 0, kw["image_size"], shape=(k_windows(kw), 4)),
         {"image_size": "count", "stride": "count"}),
    Case(LI.time_lineage, st.just({"images": np.zeros((2, 64, 64), np.float32), "repeats": 1}),
         lambda r, kw: finite_array(r.to_numpy(), 0.0, shape=(3, 3)), {"repeats": "count"},
         call=lambda kw: LI.time_lineage(MO.TwoStageDetector(), **kw), examples=1, bad_examples=1),
]


def k_windows(kw):
    return (kw["image_size"] // kw["stride"]) ** 2 * len(MO.ANCHOR_SHAPES)


ALL = (BOXES + ANCHORS + NMS_CASES + ROIS + EVALUATE + BLURS + SCENES + MINING + MODELS + PIPELINE + AUGMENT
       + PHOTO)


