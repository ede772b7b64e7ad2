# Shared preamble of every widget driver (prepended to it): record what widgets display.
import contextlib as _contextlib
import json as _json

import matplotlib.pyplot as _plt
from IPython import get_ipython as _get_ipython


@_contextlib.contextmanager
def capture():
    """Collect every object the kernel displays while active (figures, frames, HTML).

    Wraps the shell's display formatter, which every display path goes through, however the
    widget imported ``display``.
    """
    seen = []
    formatter = _get_ipython().display_formatter
    original = formatter.format

    def recording(obj, *args, **kwargs):
        seen.append(obj)
        return original(obj, *args, **kwargs)

    formatter.format = recording
    try:
        yield seen
    finally:
        formatter.format = original


_widget_report = {}


def check(name, fn):
    """Run one check; record "ok", or the reason it failed."""
    try:
        result = fn()
        _widget_report[name] = "ok" if result is True or result is None else f"failed: {result}"
    except Exception as exc:  # the report, not the chapter, carries the failure
        _widget_report[name] = f"error: {type(exc).__name__}: {exc}"


def last_figure(seen):
    figs = [o for o in seen if isinstance(o, _plt.Figure)]
    assert figs, "the widget displayed no figure"
    return figs[-1]


def only_view(seen, kind=_plt.Figure):
    """The one ``kind`` (a figure, a table) the widget displayed: a second would stack under it."""
    views = [o for o in seen if isinstance(o, kind)]
    assert len(views) == 1, f"the widget displayed {len(views)} {kind.__name__} objects, not one"
    return views[0]


def same_table(shown, expected, column=0):
    """True when the widget's table equals the expected one; else a short message naming the
    first rows of ``column`` on both sides (for the driver's report)."""
    if shown.equals(expected):
        return True
    return f"table {shown.iloc[:, column].tolist()[:5]} != {expected.iloc[:, column].tolist()[:5]}"
