"""The batch blurring pipeline, as separate stages (source ch. 3, Fig. 3.12).

``preprocess`` (CPU: decode, grey, resize, scale) → ``detect`` (the model, batched) →
``suppress`` (NMS) → ``blur`` (on the full-resolution image) → ``write`` (the blurred image
to an output folder standing in for object storage). Each stage is a function of a batch
(:func:`pipeline_stages`). :func:`run_batch` runs them over batches either in one coupled
worker (a plain loop) or on :class:`mlsd_lib.batch.StageEngine`, Dask ``distributed`` with a
worker pool for the CPU stages and one for the model, each sized on its own.

A bad input (empty or corrupt bytes, the wrong shape or dtype) gets an error that says what
is wrong; :func:`run_batch` records it, skips that image, and writes the rest.

Introduced in chapter 3, "Serving".
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mlsd_lib._validation import check_choice, check_float, check_int
from mlsd_lib.detection.blur import blur_regions
from mlsd_lib.detection.suppression import batched_nms

__all__ = ["encode_image", "preprocess", "pipeline_stages", "run_batch", "PipelineReport", "stage_scaling", "STAGES",
           "STAGE_POOLS"]

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


STAGE_POOLS = {"preprocess": "cpu", "detect": "detect", "suppress": "detect", "blur": "cpu", "write": "cpu"}


@dataclass
class PipelineReport:
    """What :func:`run_batch` did: files written, failures by name, seconds per stage and
    batch (time a worker spent in it), and the wall-clock seconds of the whole run."""

    written: list = field(default_factory=list)
    failed: dict = field(default_factory=dict)
    detections: dict = field(default_factory=dict)
    stage_seconds: dict = field(default_factory=lambda: {s: [] for s in STAGES})
    batch_sizes: list = field(default_factory=list)
    wall_seconds: float = 0.0
    pools: dict = field(default_factory=dict)

    def throughput(self):
        """Images per second of each stage alone, over all batches, as a pandas Series."""
        import pandas as pd

        n = sum(self.batch_sizes)
        return pd.Series({s: n / max(sum(v), 1e-9) for s, v in self.stage_seconds.items()}, name="images/s")

    def images_per_second(self) -> float:
        """Images written per wall-clock second of the whole run."""
        return sum(self.batch_sizes) / max(self.wall_seconds, 1e-9)


def _stage_preprocess(chunk, size):
    state = {"names": [], "inputs": [], "originals": [], "failed": {}}
    for name, raw in chunk:
        try:
            x, orig = preprocess(raw, size)
        except (ValueError, TypeError) as exc:
            state["failed"][name] = str(exc)
            continue
        state["names"].append(name)
        state["inputs"].append(x)
        state["originals"].append(orig)
    return state


def _stage_detect(state, detector, score_threshold, pyramid=None):
    state = dict(state)
    if pyramid is not None:
        # the full-size image through the image pyramid: boxes come back in its own pixels
        from mlsd_lib.detection.photo import detect_photo

        state["raw"] = [detect_photo(orig, detector, score_threshold=score_threshold, **pyramid)
                        for orig in state["originals"]]
        state["full_res"] = True
        return state
    state["raw"] = (detector.detect(np.stack(state["inputs"]), score_threshold=score_threshold, iou_threshold=1.0,
                                    max_detections=200) if state["inputs"] else [])
    return state


def _stage_suppress(state, iou_threshold):
    state = dict(state)
    state["kept"] = [{k: v[batched_nms(d["boxes"], d["scores"], d["labels"], iou_threshold)] for k, v in d.items()}
                     for d in state.pop("raw")]
    return state


def _stage_blur(state, method, strength, size):
    state = dict(state)
    state["blurred"] = []
    full_res = state.pop("full_res", False)
    for d, orig in zip(state["kept"], state.pop("originals"), strict=True):
        scale = 1.0 if full_res else np.array([orig.shape[1], orig.shape[0]] * 2, float) / size
        state["blurred"].append(blur_regions(orig, d["boxes"] * scale, method, strength))
    return state


def _stage_write(state, out_dir):
    import cv2

    out = {"written": [], "detections": {}, "failed": state["failed"], "n": len(state["names"])}
    for name, img, d in zip(state["names"], state.pop("blurred"), state["kept"], strict=True):
        path = Path(out_dir) / f"{name}.jpg"
        cv2.imwrite(str(path), img, [cv2.IMWRITE_JPEG_QUALITY, 90])
        out["written"].append(str(path))
        out["detections"][name] = d
    return out


def pipeline_stages(detector, out_dir, method: str = "gaussian", score_threshold: float = 0.5,
                    iou_threshold: float = 0.5, size: int = 64, stage_pools: dict | None = None,
                    strength: float = 0.5, pyramid: dict | None = None) -> list:
    """The pipeline as ``(name, function, pool)`` stages for :class:`mlsd_lib.batch.StageEngine`.

    Each function takes the previous stage's output for one batch; the first takes a list of
    ``(name, raw image)`` pairs. ``stage_pools`` maps each of :data:`STAGES` to a pool
    (default :data:`STAGE_POOLS`: the model's stages on ``"detect"``, the rest on ``"cpu"``).
    ``method`` and ``strength`` set the blur (see :func:`~mlsd_lib.detection.blur.blur_regions`).
    ``pyramid`` (a dict of :func:`~mlsd_lib.detection.photo.detect_photo` settings, e.g.
    ``{"min_face": 32}``) makes the detection stage read each full-size image through
    the image pyramid of :func:`~mlsd_lib.detection.photo.blur_photo` instead of one shrunk copy.

    Examples
    --------
    >>> [(name, pool) for name, _, pool in pipeline_stages(None, ".")][:2]
    [('preprocess', 'cpu'), ('detect', 'detect')]
    """
    from functools import partial

    method = check_choice(method, "method", ("gaussian", "pixelate"))
    if not isinstance(out_dir, str | os.PathLike):
        raise TypeError(f"out_dir must be a folder path (str or Path), got {type(out_dir).__name__}")
    strength = check_float(strength, "strength", low=0.0, high=1.0, low_open=True)
    st = check_float(score_threshold, "score_threshold", low=0.0, high=1.0)
    it = check_float(iou_threshold, "iou_threshold", low=0.0, high=1.0)
    size = check_int(size, "size", low=8)
    own = getattr(detector, "image_size", None)
    if own is not None and pyramid is None and size != own:   # a pyramid tiles at the detector's own size
        raise ValueError(f"size must equal the detector's image_size ({own}): images are resized to size before "
                         f"detection, got size={size}")
    if not isinstance(stage_pools, dict | None) or set(stage_pools or STAGE_POOLS) != set(STAGES):
        raise ValueError(f"stage_pools must map every stage {STAGES} to a pool name")
    pools = dict(STAGE_POOLS if stage_pools is None else stage_pools)
    fns = {"preprocess": partial(_stage_preprocess, size=size),
           "detect": partial(_stage_detect, detector=detector, score_threshold=st, pyramid=_pyramid(pyramid)),
           "suppress": partial(_stage_suppress, iou_threshold=it),
           "blur": partial(_stage_blur, method=method, strength=strength, size=size),
           "write": partial(_stage_write, out_dir=str(out_dir))}
    return [(s, fns[s], pools[s]) for s in STAGES]


def _pyramid(pyramid):
    if pyramid is None:
        return None
    if not isinstance(pyramid, dict):
        raise TypeError(f"pyramid must be a dict of detect_photo settings or None, got {type(pyramid).__name__}")
    allowed = {"iou_threshold", "min_face", "max_face", "step", "overlap", "batch_size", "labels"}
    if set(pyramid) - allowed:
        raise ValueError(f"pyramid has unknown settings {sorted(set(pyramid) - allowed)}; use some of {sorted(allowed)}")
    return dict(pyramid)


def run_batch(items: dict, detector, out_dir, batch_size: int = 16, method: str = "gaussian",
              score_threshold: float = 0.5, iou_threshold: float = 0.5, size: int = 64,
              engine=None, stage_pools: dict | None = None, strength: float = 0.5,
              pyramid: dict | None = None) -> PipelineReport:
    """Blur every image of ``items`` (name → raw bytes or array) and write it to ``out_dir``.

    Without ``engine`` one worker runs every stage of a batch in turn (a *coupled* worker).
    With a :class:`mlsd_lib.batch.StageEngine`, the stages run on its pools (see
    :func:`pipeline_stages`; an engine with a single pool runs every stage there).
    ``method`` and ``strength`` set the blur; ``pyramid`` reads full-size images through the
    image pyramid of :func:`~mlsd_lib.detection.photo.blur_photo` (see :func:`pipeline_stages`).

    Examples
    --------
    >>> import tempfile
    >>> from mlsd_lib.detection.models import OneStageDetector
    >>> items = {"a": encode_image(np.zeros((64, 64), np.float32)), "bad": b""}
    >>> rep = run_batch(items, OneStageDetector(), tempfile.mkdtemp())
    >>> [Path(p).name for p in rep.written], list(rep.failed)
    (['a.jpg'], ['bad'])
    """
    if not isinstance(items, dict):
        raise TypeError(f"items must be a dict of name -> raw image, got {type(items).__name__}")
    if not hasattr(detector, "detect"):
        raise TypeError("detector must have a detect(images, score_threshold, iou_threshold) method")
    batch_size = check_int(batch_size, "batch_size", low=1)
    if engine is not None and not (hasattr(engine, "run") and hasattr(engine, "pools")):
        raise TypeError("engine must be a mlsd_lib.batch.StageEngine (or None for one coupled worker)")
    if engine is not None and stage_pools is None and len(engine.pools) == 1:
        stage_pools = dict.fromkeys(STAGES, next(iter(engine.pools)))
    stages = pipeline_stages(detector, out_dir, method, score_threshold, iou_threshold, size, stage_pools, strength,
                             pyramid)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pairs = list(items.items())
    chunks = [pairs[lo:lo + batch_size] for lo in range(0, len(pairs), batch_size)]
    rep = PipelineReport()
    t0 = time.perf_counter()
    if engine is None:
        results = []
        for chunk in chunks:
            value = chunk
            for name, fn, _ in stages:
                t = time.perf_counter()
                value = fn(value)
                rep.stage_seconds[name].append(time.perf_counter() - t)
            results.append(value)
        rep.pools = {"coupled": 1}
    else:
        run = engine.run(chunks, stages)
        results, rep.stage_seconds, rep.pools = run.results, run.stage_seconds, run.pools
    rep.wall_seconds = time.perf_counter() - t0
    for r in results:
        rep.written += r["written"]
        rep.failed.update(r["failed"])
        rep.detections.update(r["detections"])
        rep.batch_sizes.append(r["n"])
    return rep


def stage_scaling(items: dict, detector, workers=(1, 2), batch_size: int = 16, size: int = 64,
                  repeats: int = 3):
    """Images per second of the CPU stage and of the model stage, each alone on a pool of
    ``n`` workers for each ``n`` in ``workers`` (a :class:`mlsd_lib.batch.StageEngine`).

    The preprocessing run reads the raw images; the detection run reads inputs preprocessed
    beforehand, so neither stage waits on the other and each pool's own scaling shows. A
    warm-up batch runs first on every engine, and each run is repeated ``repeats`` times,
    keeping the fastest (the least disturbed by other work on the machine). Returns a DataFrame (rows: workers; columns:
    the two stages) of images per second.

    Examples
    --------
    >>> from mlsd_lib.detection.models import OneStageDetector
    >>> items = {f"i{k}": encode_image(np.zeros((64, 64), np.float32)) for k in range(4)}
    >>> stage_scaling(items, OneStageDetector(), workers=(1,), batch_size=2).columns.tolist()
    ['preprocess', 'detect']
    """
    import pandas as pd

    from mlsd_lib._validation import check_sequence
    from mlsd_lib.batch import StageEngine

    if not isinstance(items, dict) or not items:
        raise TypeError("items must be a non-empty dict of name -> raw image")
    if not hasattr(detector, "detect"):
        raise TypeError("detector must have a detect(images, score_threshold, iou_threshold) method")
    ns = [check_int(n, "workers", low=1) for n in check_sequence(workers, "workers")]
    if not ns:
        raise ValueError("workers must list at least one pool size")
    batch_size = check_int(batch_size, "batch_size", low=1)
    repeats = check_int(repeats, "repeats", low=1)
    stages = {name: fn for name, fn, _ in pipeline_stages(detector, ".", size=size)}
    pairs = list(items.items())
    chunks = [pairs[lo:lo + batch_size] for lo in range(0, len(pairs), batch_size)]
    inputs = [s for s in (stages["preprocess"](c) for c in chunks) if s["inputs"]]
    n_ok = sum(len(s["inputs"]) for s in inputs)
    rows = {}
    for n in ns:
        with StageEngine({"cpu": n, "detect": n}) as engine:
            engine.run(chunks[:1], [("preprocess", stages["preprocess"], "cpu")])
            engine.run(inputs[:1], [("detect", stages["detect"], "detect")])
            pre = min(engine.run(chunks, [("preprocess", stages["preprocess"], "cpu")]).wall_seconds
                      for _ in range(repeats))
            det = min(engine.run(inputs, [("detect", stages["detect"], "detect")]).wall_seconds
                      for _ in range(repeats))
        rows[n] = {"preprocess": len(pairs) / pre, "detect": n_ok / det}
    return pd.DataFrame(rows).T.rename_axis("workers in the pool")
