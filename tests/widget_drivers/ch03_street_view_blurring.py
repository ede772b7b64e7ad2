# Chapter 3: the IoU / NMS threshold explorer and the before/after blur viewer.
import re as _re

import numpy as _np

from mlsd_lib.detection.widgets import blur_viewer as _blur_viewer
from mlsd_lib.detection.widgets import threshold_explorer as _threshold_explorer
from mlsd_lib.detection.widgets import threshold_state as _threshold_state


def _label_numbers(text):
    m = _re.search(r"precision at IoU ([0-9.]+)</b> ([0-9.]+) \((\d+) of (\d+) boxes\); NMS (\S+)", text)
    assert m, f"label reads {text!r}"
    return float(m.group(1)), float(m.group(2)), int(m.group(3)), int(m.group(4)), m.group(5)


def _explorer():
    return _threshold_explorer(ex_images, ex_raw, ex_gt, iou=0.5, nms_iou=0.5, score_threshold=EX_SCORE)


def _opens_on_boxes():
    """One figure, with at least one box, whose numbers are the ones the chapter quotes."""
    with capture() as seen:
        widget, _ = _explorer()
    fig = only_view(seen)
    iou, precision, tp, n, nms = _label_numbers(widget.children[1].value)
    # detections are solid rectangles; ground truth is dashed
    drawn = sum(p.get_linestyle() != "--" for ax in fig.axes for p in ax.patches)
    quoted = (ex_stats["detections"], round(ex_stats["precision"], 3))
    if (iou, nms) != (0.5, "0.50"):
        return f"opens at match IoU {iou}, NMS {nms}, not 0.5 and 0.50"
    if n < 1 or drawn != n:
        return f"opens on {n} boxes in the label and {drawn} drawn"
    if (n, precision) != quoted:
        return f"label says {n} boxes at precision {precision}, the chapter quotes {quoted}"
    title = fig._suptitle.get_text()
    if f"{n} boxes" not in title or f"{ex_stats['precision']:.2f}" not in title:
        return f"figure titled {title!r}, the chapter quotes {quoted}"
    if not (EX_SCORE <= SCORE and (EX_SCORE == SCORE or ex_counts[:, 1].sum() >= min(8, len(ranked)))):
        return f"score bar {EX_SCORE} for the chapter's {SCORE}"
    top = _np.sort(ex_counts[:, 1])[::-1][:4].sum()
    return True if n == top else f"the explorer's scenes hold {n} boxes, the four fullest {top}"


def _nms_slider():
    widget, _ = _explorer()
    nms_slider, label = widget.children[0].children[1], widget.children[1]
    before = _label_numbers(label.value)
    with capture() as seen:
        nms_slider.value = 1.0                     # what switching NMS off does
    after = _label_numbers(label.value)
    _, expected = _threshold_state(ex_images, ex_raw, ex_gt, 0.5, 1.0, EX_SCORE)
    fig = last_figure(seen)
    if after[4] != "off" or "NMS off" not in fig._suptitle.get_text():
        return f"label/figure do not say NMS is off: {label.value!r}, {fig._suptitle.get_text()!r}"
    if after[3] != expected["detections"] or abs(after[1] - expected["precision"]) > 1e-3:
        return f"label shows {after}, the detections give {expected}"
    return True if after[3] >= before[3] else f"switching NMS off lowered the box count {before[3]} -> {after[3]}"


def _iou_slider():
    widget, _ = _explorer()
    iou_slider, label = widget.children[0].children[0], widget.children[1]
    iou_slider.value = 0.75                        # what asking for tighter boxes does
    shown = _label_numbers(label.value)
    _, expected = _threshold_state(ex_images, ex_raw, ex_gt, 0.75, 0.5, EX_SCORE)
    if abs(shown[0] - 0.75) > 1e-9:
        return f"label reports IoU {shown[0]}"
    return True if abs(shown[1] - expected["precision"]) < 1e-3 else f"label {shown}, expected {expected}"


def _blur_viewer_opens():
    """One figure: the first image, before and after the shipped blur."""
    with capture() as seen:
        _blur_viewer(demo_images, demo_boxes, BLUR_METHOD, BLUR_STRENGTH)
    fig, first = only_view(seen), next(iter(demo_images))
    left, right = (ax.get_title() for ax in fig.axes)
    if not left.startswith(first) or not right.startswith(f"{BLUR_METHOD}, strength {BLUR_STRENGTH:.2f}"):
        return f"opens on panels {left!r} / {right!r}"
    return True


def _blur_viewer_switch():
    widget, _ = _blur_viewer(demo_images, demo_boxes)
    pick, how = widget.children[0].children
    with capture() as seen:
        pick.value = "grace_hopper"
    fig = last_figure(seen)
    title = fig.axes[0].get_title()
    if not title.startswith("grace_hopper") or f"{len(demo_boxes['grace_hopper'])} regions" not in title:
        return f"left panel titled {title!r} after picking grace_hopper"
    with capture() as seen:
        how.value = "pixelate"
    right = last_figure(seen).axes[1]
    img = right.get_images()[0].get_array()
    if not right.get_title().startswith("pixelate"):
        return f"right panel titled {right.get_title()!r}"
    expected = det.blur_regions(demo_images["grace_hopper"], demo_boxes["grace_hopper"], "pixelate", 0.5)
    return True if (abs(img.astype(float) - expected.astype(float)).max() < 1e-6) else "the shown image is not the pixelated one"


check("the explorer opens on one figure with boxes, the quoted count and precision", _opens_on_boxes)
check("switching NMS off shows the extra boxes and their precision", _nms_slider)
check("the match-IoU slider reports that threshold's precision", _iou_slider)
check("the blur viewer opens on one figure, the first image and the shipped blur", _blur_viewer_opens)
check("the blur viewer shows the picked photo, then its pixelated version", _blur_viewer_switch)
print("WIDGET-REPORT " + _json.dumps(_widget_report))
