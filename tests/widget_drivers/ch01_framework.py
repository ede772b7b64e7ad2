# Chapter 1: the threshold explorer and the drift explorer.
from mlsd_lib.metrics.classification import confusion_matrix as _confusion
from mlsd_lib.tabular import widgets as _widgets


def _threshold_counts(t):
    explorer = _widgets.threshold_explorer(y_test, production_scores, initial=0.5)
    with capture() as seen:
        explorer.children[0].value = t          # what dragging the slider does
    fig = only_view(seen)
    shown = sorted(int(x.get_text().replace(",", "")) for x in fig.axes[0].texts)
    expected = sorted(_confusion(y_test, (production_scores >= t).astype(int)).ravel().tolist())
    return True if shown == expected else f"confusion counts {shown}, expected {expected}"


def _threshold_initial():
    """The view the book shows at 0.5 quotes the report table of the same threshold."""
    with capture() as seen:
        _widgets.threshold_explorer(y_test, production_scores, initial=0.5)
    bars = only_view(seen).axes[1].containers[0]
    shown = [round(b.get_height(), 6) for b in bars]
    quoted = metrics.classification_report(y_test, production_scores, threshold=0.5)
    expected = [round(quoted[m], 6) for m in ("precision", "recall", "f1")]
    return True if shown == expected else f"bars {shown}, the report at 0.5 says {expected}"


def _drift_initial():
    with capture() as seen:
        _widgets.drift_explorer(reference, y_test, score_raw, "Income", monitor,
                                metrics.average_precision, sweep_curve)
    title = only_view(seen).axes[0].get_title()
    alert = monitor.check(reference[NUMERIC]).alert
    return True if (("ALERT" in title) == bool(alert)) else f"title {title!r} but alert={alert}"


def _drift_alert(factor):
    explorer = _widgets.drift_explorer(reference, y_test, score_raw, "Income", monitor,
                                       metrics.average_precision, sweep_curve)
    if explorer.children[0].value == factor:   # an unchanged value fires no update
        explorer.children[0].value = 1.5
    with capture() as seen:
        explorer.children[0].value = factor
    title = only_view(seen).axes[0].get_title()
    shifted = monitoring.shift_features(reference, scale={"Income": factor})
    alert = monitor.check(shifted[NUMERIC]).alert
    return True if (("ALERT" in title) == bool(alert)) else f"title {title!r} but monitor alert={alert}"


check("the threshold view opens on the report's figures at 0.5", _threshold_initial)
check("threshold slider to 0.30 redraws the confusion matrix", lambda: _threshold_counts(0.30))
check("threshold slider to 0.70 redraws the confusion matrix", lambda: _threshold_counts(0.70))
check("the drift view opens on one figure of unshifted traffic", _drift_initial)
check("drift slider to 0.50 raises the monitor's alert", lambda: _drift_alert(0.50))
check("drift slider to 1.00 shows no alert", lambda: _drift_alert(1.00))
print("WIDGET-REPORT " + _json.dumps(_widget_report))
