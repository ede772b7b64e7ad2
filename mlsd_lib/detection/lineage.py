"""The R-CNN lineage, timed: per-region CNN, shared features with RoI pooling, learned proposals.

Source ch. 3 walks R-CNN -> Fast R-CNN -> Faster R-CNN. All three are built here from the
chapter's :class:`~mlsd_lib.detection.models.TwoStageDetector`, so they share one backbone
and one region classifier and differ only in the step each generation changed:

- **R-CNN**: a fixed, unlearned set of candidate windows (a sliding grid of the anchor shapes
  at stride 8, standing in for selective search); each window is cut out of the *image*,
  resized and run through the backbone on its own;
- **Fast R-CNN**: the same windows, but the backbone runs once per image and each window is
  cut out of the shared *feature map* with RoI pooling (here RoI align);
- **Faster R-CNN**: the chapter's two-stage detector: the region proposal network learns a
  few proposals from the shared map (:meth:`TwoStageDetector.detect`).

Only the time is compared: the point is what each change saves, on the same scenes.

Introduced in chapter 3, "Model development: the R-CNN lineage".
"""

from __future__ import annotations

import time

import numpy as np

from mlsd_lib._validation import check_int

__all__ = ["candidate_windows", "time_lineage"]


def candidate_windows(image_size: int = 64, stride: int = 8) -> np.ndarray:
    """An unlearned grid of candidate boxes: every anchor shape centred every ``stride`` px.

    Examples
    --------
    >>> candidate_windows(64, 8).shape
    (256, 4)
    """
    from mlsd_lib.detection.models import ANCHOR_SHAPES

    image_size = check_int(image_size, "image_size", low=8)
    stride = check_int(stride, "stride", low=1, high=image_size)
    c = np.arange(stride / 2, image_size, stride)
    cx, cy = np.meshgrid(c, c)
    boxes = [np.stack([cx.ravel() - w / 2, cy.ravel() - h / 2, cx.ravel() + w / 2, cy.ravel() + h / 2], 1)
             for w, h in ANCHOR_SHAPES]
    return np.clip(np.concatenate(boxes), 0, image_size)


def time_lineage(model, images, stride: int = 8, repeats: int = 3):
    """Milliseconds per image of R-CNN, Fast R-CNN and Faster R-CNN built from ``model``.

    ``model`` is a :class:`~mlsd_lib.detection.models.TwoStageDetector` (trained or not: only
    time is measured); ``images`` grey scenes ``(n, s, s)`` of its ``image_size``. The two
    older designs classify every window of :func:`candidate_windows` with the model's own
    region head; each design runs ``repeats`` times and the fastest run counts (the least
    disturbed by other work). Returns a DataFrame: one row per design, with ``ms per image``,
    ``regions per image`` and ``backbone runs per image``.

    Examples
    --------
    >>> from mlsd_lib.detection.models import TwoStageDetector
    >>> t = time_lineage(TwoStageDetector(), np.zeros((2, 64, 64), np.float32), repeats=1)
    >>> t.index.tolist(), int(t.loc["R-CNN", "backbone runs per image"])
    (['R-CNN', 'Fast R-CNN', 'Faster R-CNN'], 256)
    """
    import pandas as pd
    import torch
    from torch.nn import functional as F

    from mlsd_lib.detection.models import STRIDE, TwoStageDetector, _images
    from mlsd_lib.detection.roi import roi_align

    if not isinstance(model, TwoStageDetector):
        raise TypeError(f"model must be a TwoStageDetector, got {type(model).__name__}")
    x = _images(images)
    if x.shape[-1] != model.image_size:
        raise ValueError(f"images must be {model.image_size} px scenes, got {x.shape[-1]} px")
    repeats = check_int(repeats, "repeats", low=1)
    windows = candidate_windows(model.image_size, stride)
    n_win = len(windows)
    crop = model.pool * STRIDE                    # a crop this size gives the head its pool x pool map
    win_t = torch.from_numpy(windows.astype(np.float32))

    def classify(pooled):
        h = model.roi_head(pooled)
        return model.roi_cls(h).softmax(-1), model.roi_reg(h)

    @torch.no_grad()
    def rcnn():
        for img in x:
            # every window cut out of the image, warped to a fixed size, and run through the CNN
            table = torch.cat([torch.zeros(n_win, 1), win_t], 1)
            crops = roi_align(img[None], table, crop, 1.0, 2)
            classify(F.adaptive_avg_pool2d(model.backbone(crops), model.pool))

    @torch.no_grad()
    def fast_rcnn():
        f = model.backbone(x)
        idx = torch.arange(len(x), dtype=torch.float32).repeat_interleave(n_win)[:, None]
        table = torch.cat([idx, win_t.repeat(len(x), 1)], 1)
        classify(roi_align(f, table, model.pool, 1.0 / STRIDE, 2))

    def faster_rcnn():
        model.detect(x)

    was = model.training
    model.eval()
    rows = {}
    try:
        for name, fn, regions, runs in (("R-CNN", rcnn, n_win, n_win), ("Fast R-CNN", fast_rcnn, n_win, 1),
                                        ("Faster R-CNN", faster_rcnn, model.proposals, 1)):
            fn()                                  # warm-up
            best = np.inf
            for _ in range(repeats):
                t = time.perf_counter()
                fn()
                best = min(best, time.perf_counter() - t)
            rows[name] = {"ms per image": 1e3 * best / len(x), "regions per image": regions,
                          "backbone runs per image": runs}
    finally:
        model.train(was)
    return pd.DataFrame(rows).T.rename_axis("design")
