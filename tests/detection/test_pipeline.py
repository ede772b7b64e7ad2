"""Unit tests of ``mlsd_lib.detection.pipeline``."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from mlsd_lib.detection import boxes as BX
from mlsd_lib.detection.models import OneStageDetector
from mlsd_lib.detection.scenes import make_scenes

from ._helpers import _BlobDetector

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
