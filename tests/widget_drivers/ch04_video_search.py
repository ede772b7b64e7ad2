# Chapter 4: the search box (type a query) and the fusing layer's weight slider.
from mlsd_lib.video_search.widgets import search_box as _search_box

_QUERY = "red trousers moving up"   # the query the chapter's widget opens on



def _initial():
    """The widget opens on one table: the chapter's query at the quoted weight system_w."""
    with capture() as seen:
        widget = _search_box(results, _QUERY, weight=system.weight)
    box, knob = widget.children[0].children
    if (box.value, knob.value) != (_QUERY, system.weight):
        return f"opens on {box.value!r} at w = {knob.value}, not {_QUERY!r} at w = {system.weight}"
    return same_table(only_view(seen, pd.DataFrame), results(_QUERY, system.weight), column=1)


def _drive(setter, query, weight, extra=None):
    widget = _search_box(results, _QUERY, weight=system.weight)
    box, knob = widget.children[0].children
    with capture() as seen:
        setter(box, knob)
    shown = only_view(seen, pd.DataFrame)
    same = same_table(shown, results(query, weight), column=1)
    if same is not True:
        return same
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


check("the widget opens on one table, the chapter's query at w = system_w", _initial)
check("typing a query shows its results", lambda: _drive(_set_query, "blue bag moving left", system.weight))
check("weight 1 ranks by text search alone", lambda: _drive(_set_weight, _QUERY, 1.0, _text_only))
check("a punctuation-only query gets a message",
      lambda: _drive(_set_bad, "?!?!", system.weight,
                     lambda s: True if "message" in s.columns else f"columns {list(s.columns)}"))
print("WIDGET-REPORT " + _json.dumps(_widget_report))
