# Chapter 4: the search box (type a query) and the fusing layer's weight slider.
from mlsd_lib.video.widgets import search_box as _search_box


def _frames(seen):
    frames = [o for o in seen if isinstance(o, pd.DataFrame)]
    assert frames, "the widget displayed no table"
    return frames[-1]


def _drive(setter, query, weight, extra=None):
    widget = _search_box(results, "red trousers moving up", weight=best_w)
    box, knob = widget.children[0].children
    with capture() as seen:
        setter(box, knob)
    shown, expected = _frames(seen), results(query, weight)
    if not shown.equals(expected):
        return f"table {shown.iloc[:, 1].tolist()[:4]} != {expected.iloc[:, 1].tolist()[:4]}"
    return extra(shown) if extra else True


def _text_only(shown):
    # at weight 1 the list is text search's: the best text score first, fused equal to text
    ok = shown.text.iloc[0] == shown.text.max() and (shown.fused - shown.text).abs().max() < 1e-9
    return True if ok else f"weight 1 should rank by text score: {shown[['text', 'fused']].head(3).to_dict()}"


def _set_query(box, knob):
    box.value = "blue bag moving left"


def _set_weight(box, knob):
    knob.value = 1.0


def _set_bad(box, knob):
    box.value = "?!?!"


check("typing a query shows its results", lambda: _drive(_set_query, "blue bag moving left", best_w))
check("weight 1 ranks by text search alone", lambda: _drive(_set_weight, "red trousers moving up", 1.0, _text_only))
check("a punctuation-only query gets a message",
      lambda: _drive(_set_bad, "?!?!", best_w, lambda s: True if "message" in s.columns else f"columns {list(s.columns)}"))
print("WIDGET-REPORT " + _json.dumps(_widget_report))
