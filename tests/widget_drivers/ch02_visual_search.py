# Chapter 2: the query picker (image and crop sliders) and the ANN index explorer.
import re as _re

import pandas as _pd

from mlsd_lib.vision.augment import crop_and_resize as _crop
from mlsd_lib.vision.widgets import index_explorer as _index_explorer
from mlsd_lib.vision.widgets import query_picker as _query_picker

_BOX = (4, 4, 20, 20)    # the chapter's crop box: rows and columns 4-24


def _search_titles(image_id):
    query = _crop(cat_x[image_id], _BOX)
    results = [r for r in pipeline.search(query, k=9) if r.item_id != image_id][:8]
    return [CLASS_NAMES[cat_y[r.item_id]] for r in results if r.item_id < len(cat_x)]


def _panels(fig, image_id):
    title = fig.axes[0].get_title()
    if f"#{image_id}" not in title:
        return f"query panel titled {title!r}, not image {image_id}"
    shown = [ax.get_title().split("\n")[-1] for ax in fig.axes[1:] if ax.get_title()]
    expected = _search_titles(image_id)
    return True if shown == expected else f"result panels {shown}, the pipeline returns {expected}"


def _picker_initial():
    """The chapter's picker opens on one figure: its first query and what the pipeline returns."""
    with capture() as seen:
        _query_picker(pipeline, cat_x, cat_y, CLASS_NAMES, k=8, image_id=int(first[0]), box=_BOX)
    return _panels(only_view(seen), int(first[0]))


def _picked_image(new_id):
    widget, _ = _query_picker(pipeline, cat_x, cat_y, CLASS_NAMES, k=8, image_id=0, box=_BOX)
    image_slider = widget.children[0].children[0]
    with capture() as seen:
        image_slider.value = new_id            # what picking another catalogue image does
    return _panels(only_view(seen), new_id)


def _recall_in(label):
    return _re.search(r"recall@\d+</b> ([0-9.]+)", label.value).group(1)


def _explorer_initial():
    """One table under the controls, and the line above it quotes that table's row."""
    indexes = {"ivf": (syn_indexes["ivf"], "nprobe", [1, 4, 16, 64]),
               "hnsw": (syn_indexes["hnsw"], "efSearch", [16, 64, 256])}
    with capture() as seen:
        widget, table = _index_explorer(indexes, syn_q[:200], syn_exact[:200], k=K)
    shown = only_view(seen, _pd.DataFrame)
    if not shown.equals(table.round(3)):
        return "the widget's table is not its measurements"
    row = shown.loc[(shown["index"] == "ivf") & (shown["knob"] == "nprobe=1"), f"recall@{K}"]
    quoted, line = f"{row.iloc[0]:.3f}", _recall_in(widget.children[1])
    return True if line == quoted else f"the line says recall {line}, the table {quoted}"


def _knob_recall():
    indexes = {"ivf": (syn_indexes["ivf"], "nprobe", [1, 4, 16, 64])}
    widget, table = _index_explorer(indexes, syn_q[:200], syn_exact[:200], k=K)
    knob, label = widget.children[0].children[1], widget.children[1]
    before = label.value
    with capture() as seen:
        knob.value = 64                          # what sliding nprobe to 64 does
    only_view(seen, _pd.DataFrame)
    shown = float(_recall_in(label))
    expected = float(table.loc[table.knob == "nprobe=64", f"recall@{K}"].iloc[0])
    if label.value == before:
        return "the label did not change"
    if abs(shown - expected) >= 1e-3:
        return f"label shows recall {shown}, the index gives {expected:.3f}"
    return True


check("the picker opens on one figure of the chapter's query", _picker_initial)
check("picking another image searches with its crop", lambda: _picked_image(int(first[3])))
check("the index explorer's line quotes its own table", _explorer_initial)
check("the nprobe slider reports that setting's recall", _knob_recall)
print("WIDGET-REPORT " + _json.dumps(_widget_report))
