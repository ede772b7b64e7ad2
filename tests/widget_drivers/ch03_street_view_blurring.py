# Chapter 3: the IoU / NMS threshold explorer and the before/after blur viewer.
import re as _re

from mlsd_lib.detection.widgets import blur_viewer as _blur_viewer
from mlsd_lib.detection.widgets import threshold_explorer as _threshold_explorer
from mlsd_lib.detection.widgets import threshold_state as _threshold_state


def _label_numbers(text):
    m = _re.search(r"precision at IoU ([0-9.]+)</b> ([0-9.]+) \((\d+) of (\d+) boxes\); NMS (\S+)", text)
    assert m, f"label reads {text!r}"
    return float(m.group(1)), float(m.group(2)), int(m.group(3)), int(m.group(4)), m.group(5)


def _nms_slider():
    widget, _ = _threshold_explorer(test.images[:4], raw[:4], gt_test[:4], iou=0.5, nms_iou=0.5,
                                    score_threshold=SCORE)
    nms_slider, label = widget.children[0].children[1], widget.children[1]
    before = _label_numbers(label.value)
    with capture() as seen:
        nms_slider.value = 1.0                     # what switching NMS off does
    after = _label_numbers(label.value)
    _, expected = _threshold_state(test.images[:4], raw[:4], gt_test[:4], 0.5, 1.0, SCORE)
    fig = last_figure(seen)
    if after[4] != "off" or "NMS off" not in fig._suptitle.get_text():
        return f"label/figure do not say NMS is off: {label.value!r}, {fig._suptitle.get_text()!r}"
    if after[3] != expected["detections"] or abs(after[1] - expected["precision"]) > 1e-3:
        return f"label shows {after}, the detections give {expected}"
    return True if after[3] >= before[3] else f"switching NMS off lowered the box count {before[3]} -> {after[3]}"


def _iou_slider():
    widget, _ = _threshold_explorer(test.images[:4], raw[:4], gt_test[:4], iou=0.5, nms_iou=0.5,
                                    score_threshold=SCORE)
    iou_slider, label = widget.children[0].children[0], widget.children[1]
    iou_slider.value = 0.75                        # what asking for tighter boxes does
    shown = _label_numbers(label.value)
    _, expected = _threshold_state(test.images[:4], raw[:4], gt_test[:4], 0.75, 0.5, SCORE)
    if abs(shown[0] - 0.75) > 1e-9:
        return f"label reports IoU {shown[0]}"
    return True if abs(shown[1] - expected["precision"]) < 1e-3 else f"label {shown}, expected {expected}"


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


check("switching NMS off shows the extra boxes and their precision", _nms_slider)
check("the match-IoU slider reports that threshold's precision", _iou_slider)
check("the blur viewer shows the picked photo, then its pixelated version", _blur_viewer_switch)
print("WIDGET-REPORT " + _json.dumps(_widget_report))
