"""Interactive demos of chapter 2: a query picker with crop box, and an index-knob explorer.

Both return an ``ipywidgets`` box whose output area already holds its initial view, drawn
once at construction: a live kernel redraws that area in place, and a headless run (papermill,
the book build) saves it with the widget's state, so the page shows the same single view.

Introduced in chapter 2, "Serving".
"""

from __future__ import annotations

import time

import numpy as np

from mlsd_lib._validation import check_int
from mlsd_lib.vision.augment import crop_and_resize
from mlsd_lib.vision.viz import show_results


def query_picker(pipeline, images: np.ndarray, labels: np.ndarray, class_names, k: int = 8,
                 image_id: int = 0, box: tuple[int, int, int, int] = (0, 0, 28, 28)):
    """Pick a catalogue image and a crop box; see the top-``k`` results with their scores.

    Returns ``(widget, figure)``. The figure is the initial state, already shown inside the
    widget's output area (and closed): display the widget only, not the figure again.
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt
    from IPython.display import display

    k = check_int(k, "k", low=1)
    pick = w.IntSlider(value=image_id, min=0, max=len(images) - 1, description="image id")
    rows = w.IntRangeSlider(value=(box[0], box[0] + box[2]), min=0, max=28, description="crop rows")
    cols = w.IntRangeSlider(value=(box[1], box[1] + box[3]), min=0, max=28, description="crop cols")
    out = w.Output()

    def render(*_):
        top, bottom = rows.value
        left, right = cols.value
        if bottom - top < 2 or right - left < 2:
            return None
        query = crop_and_resize(images[pick.value], (top, left, bottom - top, right - left))
        results = [r for r in pipeline.search(query, k=k + 1) if r.item_id != pick.value][:k]
        ids = [r.item_id for r in results if r.item_id < len(images)]
        fig = show_results(query, images[ids], [r.score for r in results if r.item_id < len(images)],
                           [class_names[labels[i]] for i in ids], query_title=f"crop of #{pick.value}")
        return fig

    def update(*_):
        with out:
            out.clear_output(wait=True)
            fig = render()
            if fig is not None:
                display(fig)
                plt.close(fig)
        return fig

    for ctrl in (pick, rows, cols):
        ctrl.observe(update, names="value")
    return w.VBox([w.HBox([pick, rows, cols]), out]), update()


def index_explorer(indexes: dict, queries: np.ndarray, exact_ids: np.ndarray, k: int = 10):
    """Choose an index and its knob (nprobe / efSearch / search_k); see recall@k and latency.

    ``indexes`` maps a name to ``(AnnIndex, knob_name, knob_values)``. Every setting is
    measured once when the explorer is built; moving a control measures the chosen setting
    again. Returns ``(widget, table)``: the widget shows one line for the chosen setting above
    the table of every setting, both read from the same measurements (rounded to three
    decimals), so they always agree. ``table`` is those measurements as first taken, unrounded.
    """
    import ipywidgets as w
    import pandas as pd
    from IPython.display import display

    from mlsd_lib.ann import neighbour_recall

    k = check_int(k, "k", low=1)
    col = f"recall@{k}"

    def measure(name: str, value: int) -> dict:
        index, knob, _ = indexes[name]
        index.set_params(**{knob: value})
        t0 = time.perf_counter()
        ids, _ = index.search(queries, k)
        ms = 1e3 * (time.perf_counter() - t0) / len(queries)
        return {"index": name, "knob": f"{knob}={value}", col: neighbour_recall(ids, exact_ids, k),
                "ms_per_query": ms}

    names = list(indexes)
    choose = w.Dropdown(options=names, description="index")
    knob = w.SelectionSlider(options=list(indexes[names[0]][2]), description=indexes[names[0]][1])
    label = w.HTML()
    out = w.Output()
    table = pd.DataFrame([measure(n, v) for n in names for v in indexes[n][2]])
    latest = table.copy()

    def show() -> None:
        # One rounding for the line and the table: a recall of 0.5535 must not read 0.553 in
        # one place and 0.554 in the other.
        shown = latest.round(3)
        row = shown[(shown["index"] == choose.value) & (shown["knob"] == f"{knob.description}={knob.value}")]
        if len(row):
            r = row.iloc[0]
            label.value = (f"<b>{r['index']} {r['knob']}</b> &nbsp; <b>{col}</b> {r[col]:.3f} &nbsp; "
                           f"<b>latency</b> {r['ms_per_query']:.3f} ms/query")
        with out:
            out.clear_output(wait=True)
            display(shown)

    def update(*_):
        r = measure(choose.value, knob.value)
        at = (latest["index"] == r["index"]) & (latest["knob"] == r["knob"])
        latest.loc[at, [col, "ms_per_query"]] = [r[col], r["ms_per_query"]]
        show()

    def switch(*_):
        _, name, values = indexes[choose.value]
        with knob.hold_trait_notifications():
            knob.options, knob.description = list(values), name
        update()

    choose.observe(switch, names="value")
    knob.observe(update, names="value")
    show()
    return w.VBox([w.HBox([choose, knob]), label, out]), table
