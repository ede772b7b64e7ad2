"""The batch blurring pipeline, as separate stages (source ch. 3, Fig. 3.12).

``preprocess`` (CPU: decode, grey, resize, scale) → ``detect`` (the model, batched) →
``suppress`` (NMS) → ``blur`` (on the full-resolution image) → ``write`` (the blurred image
to an output folder standing in for object storage). :func:`run_batch` runs them over
batches of images with a plain loop and times each stage separately; each stage is a
function of a batch, so an engine that runs stages on separately sized worker pools (Dask
``distributed``, Ray, Beam) can take the same functions unchanged.

A bad input (empty or corrupt bytes, the wrong shape or dtype) gets an error that says what
is wrong; :func:`run_batch` records it, skips that image, and writes the rest.

Introduced in chapter 3, "Serving".
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mlsd_lib._validation import check_choice, check_float, check_int
from mlsd_lib.detection.blur import blur_regions
from mlsd_lib.detection.nms import batched_nms

__all__ = ["encode_image", "preprocess", "run_batch", "PipelineReport", "STAGES"]

STAGES = ("preprocess", "detect", "suppress", "blur", "write")


def encode_image(image, scale: int = 4, quality: int = 90) -> bytes:
    """A grey float scene in [0, 1] as JPEG bytes, ``scale`` times larger: a raw street image.

    Examples
    --------
    >>> raw = encode_image(np.zeros((64, 64), np.float32))
    >>> raw[:2] == b"\\xff\\xd8"
    True
    """
    import cv2

    img = np.asarray(image)
    if img.ndim != 2 or not np.issubdtype(img.dtype, np.floating):
        raise ValueError(f"image must be a 2-D float array in [0, 1], got shape {img.shape} and dtype {img.dtype}")
    scale = check_int(scale, "scale", low=1)
    quality = check_int(quality, "quality", low=1, high=100)
    big = cv2.resize((np.clip(img, 0, 1) * 255).astype(np.uint8), None, fx=scale, fy=scale,
                     interpolation=cv2.INTER_CUBIC)
    ok, buf = cv2.imencode(".jpg", big, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return buf.tobytes()


def preprocess(raw, size: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Decode one raw image (JPEG/PNG bytes, or a uint8 array) into the model's input.

    Returns ``(model_input, original)``: a ``size``² float32 grey image in [0, 1], and the
    decoded full-resolution uint8 image that will be blurred. Raises ``ValueError`` for empty
    or undecodable bytes and ``TypeError``/``ValueError`` for arrays of the wrong dtype or
    shape, each saying what was expected.

    Examples
    --------
    >>> x, orig = preprocess(encode_image(np.zeros((64, 64), np.float32)))
    >>> x.shape, orig.shape
    ((64, 64), (256, 256))
    """
    import cv2

    size = check_int(size, "size", low=8)
    if isinstance(raw, bytes | bytearray | memoryview):
        if len(raw) == 0:
            raise ValueError("raw is empty (0 bytes): the file was not written or was truncated")
        img = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_GRAYSCALE)
        if img is None:
            raise ValueError(f"raw ({len(raw)} bytes) is not a decodable JPEG or PNG image: the file is corrupt")
    elif isinstance(raw, np.ndarray):
        if raw.dtype != np.uint8:
            raise TypeError(f"raw must be a uint8 image array, got dtype {raw.dtype}")
        if raw.ndim == 3 and raw.shape[2] == 3:
            img = cv2.cvtColor(raw, cv2.COLOR_RGB2GRAY)
        elif raw.ndim == 2:
            img = raw
        else:
            raise ValueError(f"raw must be (h, w) or (h, w, 3), got shape {raw.shape}")
    else:
        raise TypeError(f"raw must be image bytes or a uint8 array, got {type(raw).__name__}")
    if min(img.shape) < 8:
        raise ValueError(f"raw is {img.shape[1]}x{img.shape[0]} px; at least 8x8 is needed")
    x = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    return x, img


@dataclass
class PipelineReport:
    """What :func:`run_batch` did: files written, failures by name, and seconds per stage and batch."""

    written: list = field(default_factory=list)
    failed: dict = field(default_factory=dict)
    detections: dict = field(default_factory=dict)
    stage_seconds: dict = field(default_factory=lambda: {s: [] for s in STAGES})
    batch_sizes: list = field(default_factory=list)

    def throughput(self):
        """Images per second of each stage alone, over all batches, as a pandas Series."""
        import pandas as pd

        n = sum(self.batch_sizes)
        return pd.Series({s: n / max(sum(v), 1e-9) for s, v in self.stage_seconds.items()}, name="images/s")


def run_batch(items: dict, detector, out_dir, batch_size: int = 16, method: str = "gaussian",
              score_threshold: float = 0.5, iou_threshold: float = 0.5, size: int = 64) -> PipelineReport:
    """Blur every image of ``items`` (name → raw bytes or array) and write it to ``out_dir``.

    Examples
    --------
    >>> import tempfile
    >>> from mlsd_lib.detection.models import OneStageDetector
    >>> items = {"a": encode_image(np.zeros((64, 64), np.float32)), "bad": b""}
    >>> rep = run_batch(items, OneStageDetector(), tempfile.mkdtemp())
    >>> [Path(p).name for p in rep.written], list(rep.failed)
    (['a.jpg'], ['bad'])
    """
    import cv2

    if not isinstance(items, dict):
        raise TypeError(f"items must be a dict of name -> raw image, got {type(items).__name__}")
    if not hasattr(detector, "detect"):
        raise TypeError("detector must have a detect(images, score_threshold, iou_threshold) method")
    batch_size = check_int(batch_size, "batch_size", low=1)
    method = check_choice(method, "method", ("gaussian", "pixelate"))
    st = check_float(score_threshold, "score_threshold", low=0.0, high=1.0)
    it = check_float(iou_threshold, "iou_threshold", low=0.0, high=1.0)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rep = PipelineReport()
    names = list(items)
    for lo in range(0, len(names), batch_size):
        chunk = names[lo:lo + batch_size]
        t = time.perf_counter()
        inputs, originals, ok = [], [], []
        for name in chunk:
            try:
                x, orig = preprocess(items[name], size)
            except (ValueError, TypeError) as exc:
                rep.failed[name] = str(exc)
                continue
            inputs.append(x)
            originals.append(orig)
            ok.append(name)
        rep.stage_seconds["preprocess"].append(time.perf_counter() - t)
        if not ok:
            for s in STAGES[1:]:
                rep.stage_seconds[s].append(0.0)
            rep.batch_sizes.append(0)
            continue
        t = time.perf_counter()
        raw = detector.detect(np.stack(inputs), score_threshold=st, iou_threshold=1.0, max_detections=200)
        rep.stage_seconds["detect"].append(time.perf_counter() - t)
        t = time.perf_counter()
        kept = [{k: v[batched_nms(d["boxes"], d["scores"], d["labels"], it)] for k, v in d.items()} for d in raw]
        rep.stage_seconds["suppress"].append(time.perf_counter() - t)
        t = time.perf_counter()
        blurred = []
        for d, orig in zip(kept, originals, strict=True):
            scale = np.array([orig.shape[1], orig.shape[0]] * 2, float) / size
            blurred.append(blur_regions(orig, d["boxes"] * scale, method))
        rep.stage_seconds["blur"].append(time.perf_counter() - t)
        t = time.perf_counter()
        for name, img, d in zip(ok, blurred, kept, strict=True):
            path = out / f"{name}.jpg"
            cv2.imwrite(str(path), img, [cv2.IMWRITE_JPEG_QUALITY, 90])
            rep.written.append(str(path))
            rep.detections[name] = d
        rep.stage_seconds["write"].append(time.perf_counter() - t)
        rep.batch_sizes.append(len(ok))
    return rep
