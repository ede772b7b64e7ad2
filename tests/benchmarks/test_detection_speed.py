"""Chapter 3's kernels side by side with OpenCV (``make bench``; not in the default run).

- NMS at 10^3 and 10^4 boxes: ``mlsd_lib.detection.suppression.nms`` against ``cv2.dnn.NMSBoxes``
  on the same boxes (the unit tests prove they keep the same boxes), scattered uniformly and
  clustered ten to an object as a detector emits them;
- IoU of 100 x 100 box pairs: the vectorised ``box_iou`` against OpenCV's rectangle
  intersection (``cv2.rotatedRectangleIntersection`` with zero angle), pair by pair;
- detector inference (images per second, both detectors, untrained weights: the cost does
  not depend on them) and the batch pipeline's images per second per stage, in one coupled
  worker and on the Dask stage engine, with each pool (CPU, model) grown alone from 1 to 2
  workers (``stage_scaling``; at most the machine's free cores can show up as a gain).

The summary writes the ratios to ``_build/benchmarks/detection.json`` and checks every
layout's NMS ratio against at most 1x OpenCV's time. On the 2-core machine (5 Dec 2026, with
other work running) the banded sweep and the round-based greedy pass gave 0.08x at 10^3
scattered boxes and 0.01x at 10^4, and, clustered, 0.83x at 10^3 and 0.10x at 10^4 (the
previous per-kept-box loop: 1.8-2.8x clustered at 10^3, where NumPy's per-call overhead
outweighed OpenCV's C++ loop over few kept boxes).
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from mlsd_lib import set_threads
from mlsd_lib.batch import StageEngine
from mlsd_lib.detection.boxes import box_iou
from mlsd_lib.detection.models import OneStageDetector, TwoStageDetector
from mlsd_lib.detection.pipeline import encode_image, run_batch, stage_scaling
from mlsd_lib.detection.scenes import make_scenes
from mlsd_lib.detection.suppression import nms

RESULTS: dict[str, float] = {}
OUT = Path(__file__).resolve().parents[2] / "_build" / "benchmarks" / "detection.json"


def _boxes(n, seed=0, layout="uniform"):
    """Random boxes at a fixed density; ``"clustered"``: ten jittered boxes per object, as a detector emits."""
    rng = np.random.default_rng(seed)
    side = 1000 * np.sqrt(n / 1000)           # keep the density of boxes fixed as n grows
    if layout == "uniform":
        xy, wh = rng.uniform(0, side, (n, 2)), rng.uniform(10, 60, (n, 2))
    else:
        centre, size = rng.uniform(0, side, (n // 10, 2)), rng.uniform(20, 60, (n // 10, 2))
        obj = np.repeat(np.arange(n // 10), 10)
        xy, wh = centre[obj] + rng.normal(0, 4, (n, 2)), size[obj] * rng.uniform(0.85, 1.15, (n, 2))
    return np.c_[xy, xy + wh], np.c_[xy, wh].tolist(), rng.random(n)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    set_threads(1)


LAYOUTS = [("uniform", 1_000), ("uniform", 10_000), ("clustered", 1_000), ("clustered", 10_000)]


@pytest.mark.parametrize("layout,n", LAYOUTS)
def test_nms_mlsd(benchmark, layout, n):
    xyxy, _, s = _boxes(n, layout=layout)
    benchmark.pedantic(nms, args=(xyxy, s, 0.5), rounds=5, iterations=1)
    RESULTS[f"nms_mlsd_s_{_key(layout, n)}"] = benchmark.stats.stats.min


@pytest.mark.parametrize("layout,n", LAYOUTS)
def test_nms_opencv(benchmark, layout, n):
    _, xywh, s = _boxes(n, layout=layout)
    scores = s.tolist()
    benchmark.pedantic(cv2.dnn.NMSBoxes, args=(xywh, scores, 0.0, 0.5), rounds=5, iterations=1)
    RESULTS[f"nms_opencv_s_{_key(layout, n)}"] = benchmark.stats.stats.min


def _key(layout, n):
    return str(n) if layout == "uniform" else f"{layout}_{n}"


def _cv_iou(a, b):
    out = np.zeros((len(a), len(b)))
    for i, p in enumerate(a):
        rp = ((float(p[0] + p[2]) / 2, float(p[1] + p[3]) / 2), (float(p[2] - p[0]), float(p[3] - p[1])), 0.0)
        for j, q in enumerate(b):
            rq = ((float(q[0] + q[2]) / 2, float(q[1] + q[3]) / 2), (float(q[2] - q[0]), float(q[3] - q[1])), 0.0)
            kind, pts = cv2.rotatedRectangleIntersection(rp, rq)
            if kind != cv2.INTERSECT_NONE and pts is not None:
                inter = cv2.contourArea(pts)
                out[i, j] = inter / (rp[1][0] * rp[1][1] + rq[1][0] * rq[1][1] - inter)
    return out


def test_iou_mlsd(benchmark):
    a, _, _ = _boxes(100, 1)
    benchmark.pedantic(box_iou, args=(a, a), rounds=20, iterations=1)
    RESULTS["iou_mlsd_s_100x100"] = benchmark.stats.stats.min


def test_iou_opencv(benchmark):
    a, _, _ = _boxes(100, 1)
    ref = benchmark.pedantic(_cv_iou, args=(a, a), rounds=2, iterations=1)
    assert np.allclose(ref, box_iou(a, a), atol=1e-4)
    RESULTS["iou_opencv_s_100x100"] = benchmark.stats.stats.min


@pytest.mark.parametrize("cls", [TwoStageDetector, OneStageDetector], ids=["two-stage", "one-stage"])
def test_detector_images_per_second(benchmark, cls):
    images = make_scenes(64, seed=0).images
    model = cls()
    benchmark.pedantic(model.detect, args=(images,), rounds=5, iterations=1, warmup_rounds=1)
    RESULTS[f"{cls.__name__}_images_per_s"] = 64 / benchmark.stats.stats.min


def test_pipeline_stages(benchmark):
    scenes = make_scenes(64, seed=1)
    items = {f"t{i}": encode_image(im, scale=8) for i, im in enumerate(scenes.images)}
    out = tempfile.mkdtemp()
    rep = benchmark.pedantic(run_batch, args=(items, TwoStageDetector(), out), kwargs={"batch_size": 16},
                             rounds=1, iterations=1)
    RESULTS.update({f"pipeline_{k}_images_per_s": float(v) for k, v in rep.throughput().items()})
    RESULTS["pipeline_coupled_wall_images_per_s"] = rep.images_per_second()
    with StageEngine({"cpu": 2, "detect": 1}) as engine:
        staged = run_batch(items, TwoStageDetector(), tempfile.mkdtemp(), batch_size=16, engine=engine)
    RESULTS["pipeline_engine_cpu2_detect1_wall_images_per_s"] = staged.images_per_second()


def test_pipeline_pools_scale_alone(benchmark):
    scenes = make_scenes(96, seed=1)
    items = {f"t{i}": encode_image(im, scale=8) for i, im in enumerate(scenes.images)}
    table = benchmark.pedantic(stage_scaling, args=(items, TwoStageDetector()), kwargs={"workers": (1, 2)},
                               rounds=1, iterations=1)
    for n, row in table.iterrows():
        RESULTS.update({f"pool_{k}_{n}_workers_images_per_s": float(v) for k, v in row.items()})


def test_summary(benchmark):
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)   # skipped with the benchmarks
    keys = [_key(layout, n) for layout, n in LAYOUTS]
    if any(f"nms_{w}_s_{k}" not in RESULTS for w in ("mlsd", "opencv") for k in keys):
        pytest.skip("run the whole module")
    for k in keys:
        RESULTS[f"nms_ratio_{k}"] = RESULTS[f"nms_mlsd_s_{k}"] / RESULTS[f"nms_opencv_s_{k}"]
    if "iou_opencv_s_100x100" in RESULTS:
        RESULTS["iou_speedup_over_opencv_pairwise"] = RESULTS["iou_opencv_s_100x100"] / RESULTS["iou_mlsd_s_100x100"]
    RESULTS["measured_at"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(RESULTS, indent=2))
    print(json.dumps(RESULTS, indent=2))
    # at most OpenCV's time in every layout, the clustered one (detector output) included
    assert max(RESULTS[f"nms_ratio_{k}"] for k in keys) <= 1.0, RESULTS
