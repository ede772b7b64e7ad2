"""Interactive demos of chapter 3: the IoU and NMS thresholds, and a before/after blur viewer.

Each returns an ``ipywidgets`` box whose output area already holds its initial view, drawn
once at construction: a live kernel redraws that area in place, and a headless run (papermill,
the book build) saves it with the widget's state, so the page shows the same single view.

Introduced in chapter 3, "Serving".
"""

from __future__ import annotations

import numpy as np

from mlsd_lib.detection.blur import blur_regions
from mlsd_lib.detection.evaluate import per_image_counts
from mlsd_lib.detection.suppression import batched_nms
from mlsd_lib.detection.viz import show_detections


def threshold_state(images, raw_detections, ground_truth, iou: float, nms_iou: float, score_threshold: float):
    """Detections after NMS at ``nms_iou`` and precision at ``iou`` over the shown images."""
    kept = []
    for d in raw_detections:
        keep = batched_nms(d["boxes"], d["scores"], d["labels"], nms_iou) if nms_iou < 1 else np.arange(len(d["scores"]))
        kept.append({k: v[keep] for k, v in d.items()})
    c = per_image_counts(kept, ground_truth, iou, score_threshold).sum(0)
    return kept, {"true positives": int(c[0]), "detections": int(c[1]),
                  "precision": float(c[0] / c[1]) if c[1] else 0.0}


def threshold_explorer(images, raw_detections, ground_truth, iou: float = 0.5, nms_iou: float = 0.5,
                       score_threshold: float = 0.3):
    """Sliders for the IoU a match needs and the NMS threshold; the boxes and the precision redraw.

    ``raw_detections`` are the detector's output before NMS; boxes scoring below
    ``score_threshold`` are neither drawn nor counted. Returns ``(widget, figure)``: the figure
    is the initial state, already shown inside the widget's output area (and closed), so
    display the widget only, not the figure again.
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt
    from IPython.display import display

    iou_s = w.FloatSlider(value=iou, min=0.1, max=0.9, step=0.05, description="match IoU")
    nms_s = w.FloatSlider(value=nms_iou, min=0.1, max=1.0, step=0.05, description="NMS IoU")
    label = w.HTML()
    out = w.Output()

    def render():
        kept, stats = threshold_state(images, raw_detections, ground_truth, iou_s.value, nms_s.value, score_threshold)
        nms_text = "off" if nms_s.value >= 1 else f"{nms_s.value:.2f}"
        label.value = (f"<b>precision at IoU {iou_s.value:.2f}</b> {stats['precision']:.3f} "
                       f"({stats['true positives']} of {stats['detections']} boxes); NMS {nms_text}")
        fig, axes = plt.subplots(1, len(images), figsize=(2.2 * len(images), 2.4))
        for ax, img, d, g in zip(np.atleast_1d(axes), images, kept, ground_truth, strict=True):
            show_detections(ax, img, d, g, score_threshold=score_threshold, scores=False)
        fig.suptitle(f"NMS {nms_text}: {stats['detections']} boxes, precision@{iou_s.value:.2f} = "
                     f"{stats['precision']:.2f}", fontsize=9)
        return fig

    def update(*_):
        with out:
            out.clear_output(wait=True)
            fig = render()
            display(fig)
            plt.close(fig)
        return fig

    iou_s.observe(update, names="value")
    nms_s.observe(update, names="value")
    return w.VBox([w.HBox([iou_s, nms_s]), label, out]), update()


def blur_viewer(images: dict, boxes: dict, method: str = "gaussian", strength: float = 0.5):
    """Pick an image, a method and a strength; see it before and after blurring.

    Returns ``(widget, figure)``: the figure is the initial state, already shown inside the
    widget's output area (and closed), so display the widget only, not the figure again.
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt
    from IPython.display import display

    pick = w.Dropdown(options=list(images), description="image")
    how = w.ToggleButtons(options=["gaussian", "pixelate"], value=method, description="method")
    amount = w.FloatSlider(value=strength, min=0.05, max=1.0, step=0.05, description="strength")
    out = w.Output()

    def render():
        img, b = images[pick.value], boxes[pick.value]
        fig, ax = plt.subplots(1, 2, figsize=(6, 3))
        show_detections(ax[0], img, {"boxes": b, "scores": np.ones(len(b)), "labels": np.ones(len(b), int)},
                        title=f"{pick.value}: {len(b)} regions found", scores=False)
        show_detections(ax[1], blur_regions(img, b, how.value, amount.value), title=f"{how.value}, strength {amount.value:.2f}")
        return fig

    def update(*_):
        with out:
            out.clear_output(wait=True)
            fig = render()
            display(fig)
            plt.close(fig)
        return fig

    for ctrl in (pick, how, amount):
        ctrl.observe(update, names="value")
    return w.VBox([w.HBox([pick, how]), amount, out]), update()
