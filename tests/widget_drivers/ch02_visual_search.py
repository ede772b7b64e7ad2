# Chapter 2: the query picker (image and crop sliders) and the ANN index explorer.
import re as _re

from mlsd_lib.vision.augment import crop_and_resize as _crop
from mlsd_lib.vision.widgets import index_explorer as _index_explorer
from mlsd_lib.vision.widgets import query_picker as _query_picker


def _picked_image(new_id):
    widget, _ = _query_picker(pipeline, cat_x, cat_y, CLASS_NAMES, k=8, image_id=0, box=(4, 4, 20, 20))
    image_slider = widget.children[0].children[0]
    with capture() as seen:
        image_slider.value = new_id            # what picking another catalogue image does
    fig = last_figure(seen)
    title = fig.axes[0].get_title()
    if f"#{new_id}" not in title:
        return f"query panel titled {title!r} after picking image {new_id}"
    query = _crop(cat_x[new_id], (4, 4, 20, 20))    # the picker's box: rows and columns 4-24
    results = [r for r in pipeline.search(query, k=9) if r.item_id != new_id][:8]
    expected = [CLASS_NAMES[cat_y[r.item_id]] for r in results if r.item_id < len(cat_x)]
    shown = [ax.get_title().split("\n")[-1] for ax in fig.axes[1:] if ax.get_title()]
    return True if shown == expected else f"result panels {shown}, the pipeline returns {expected}"


def _knob_recall():
    indexes = {"ivf": (syn_indexes["ivf"], "nprobe", [1, 4, 16, 64])}
    widget, table = _index_explorer(indexes, syn_q[:200], syn_exact[:200], k=K)
    knob, label = widget.children[0].children[1], widget.children[1]
    before = label.value
    knob.value = 64                              # what sliding nprobe to 64 does
    shown = float(_re.search(r"recall@\d+</b> ([0-9.]+)", label.value).group(1))
    expected = float(table.loc[table.knob == "nprobe=64", f"recall@{K}"].iloc[0])
    if label.value == before:
        return "the label did not change"
    return True if abs(shown - expected) < 1e-3 else f"label shows recall {shown}, the index gives {expected:.3f}"


check("picking another image searches with its crop", lambda: _picked_image(int(first[3])))
check("the nprobe slider reports that setting's recall", _knob_recall)
print("WIDGET-REPORT " + _json.dumps(_widget_report))
