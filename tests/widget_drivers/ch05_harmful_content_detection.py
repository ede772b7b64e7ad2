# Chapter 5: the post composer (text, comment, picture, author history) and the threshold explorer.
import numpy as _np

from mlsd_lib.moderation.widgets import post_composer as _composer
from mlsd_lib.moderation.widgets import threshold_explorer as _explorer


def _composed(set_control, post):
    widget, _ = _composer(scorer, images, picture_choices, text="Loving this weather today")
    text_box, comment, row = widget.children[:3]
    pick, violations, account = row.children
    with capture() as seen:
        set_control(text_box, comment, pick, violations, account)
    title = last_figure(seen).axes[1].get_title()
    expected = scorer.score(post)
    want = expected.action.upper() + (f": {expected.reason}" if expected.reason else "")
    return True if title == want else f"figure says {title!r}, the scorer says {want!r}"


_first_pic = list(picture_choices)[0]
_threat = "I am going to hurt you tonight"
check("typing a threat shows the scorer's decision for it",
      lambda: _composed(lambda t, c, p, v, a: setattr(t, "value", _threat),
                        {"text": _threat, "image_id": picture_choices[_first_pic], "violations": 0,
                         "account_age_days": 365}))
check("a comment under the post changes the decision shown to the scorer's",
      lambda: _composed(lambda t, c, p, v, a: setattr(c, "value", "This is a threat, calling the police"),
                        {"text": "Loving this weather today", "image_id": picture_choices[_first_pic],
                         "violations": 0, "account_age_days": 365,
                         "comments": ["This is a threat, calling the police"]}))
check("a violation history is passed to the scorer",
      lambda: _composed(lambda t, c, p, v, a: setattr(v, "value", 15),
                        {"text": "Loving this weather today", "image_id": picture_choices[_first_pic],
                         "violations": 15, "account_age_days": 365}))


def _moved_threshold():
    widget, _ = _explorer(Y_val, p_val, moderation.HARM_CLASSES, policy, cls="violence")
    pick, rem, dem = widget.children[0].children
    with capture() as seen:
        dem.value = 0.2
        rem.value = 0.7
    title = last_figure(seen).axes[0].get_title()
    s = p_val[:, moderation.HARM_CLASSES.index("violence")]
    queued = int(((s >= 0.2) & (s < 0.7)).sum())
    return True if title == f"violence: {queued} posts to review" else f"title {title!r}, expected {queued} posts"


def _switched_class():
    widget, _ = _explorer(Y_val, p_val, moderation.HARM_CLASSES, policy, cls="violence")
    pick, rem, dem = widget.children[0].children
    with capture() as seen:
        pick.value = "spam"
    j = moderation.HARM_CLASSES.index("spam")
    ok = _np.isclose(rem.value, min(policy.remove[j], 1.0)) and last_figure(seen).axes[0].get_title().startswith("spam")
    return True if ok else f"sliders at {rem.value}, the policy removes spam at {policy.remove[j]}"


def _opens_at_the_policy():
    """The explorer opens on one figure, at exactly the violence thresholds the chapter quotes."""
    with capture() as seen:
        widget, _ = _explorer(Y_val, p_val, moderation.HARM_CLASSES, policy, cls="violence")
    fig = only_view(seen)
    j = moderation.HARM_CLASSES.index("violence")
    pick, rem, dem = widget.children[0].children
    if (rem.value, dem.value) != (float(min(policy.remove[j], 1.0)), float(min(policy.demote[j], 1.0))):
        return f"boxes at {rem.value}, {dem.value}; the policy {policy.remove[j]}, {policy.demote[j]}"
    s, y = p_val[:, j], Y_val[:, j]
    hit = s >= policy.remove[j]
    precision = y[hit].mean() if hit.any() else 1.0
    recall = y[hit].sum() / max(y.sum(), 1)
    want = f"remove ≥ {policy.remove[j]:.3f}: precision {precision:.2f}, recall {recall:.2f}"
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    return True if want in labels else f"legend {labels}, the quoted operating point {want!r}"


def _composer_opens_on_one_view():
    with capture() as seen:
        _, first = _composer(scorer, images, picture_choices, text="I am going to kill it on stage tonight")
    title = only_view(seen).axes[1].get_title()
    want = first.action.upper() + (f": {first.reason}" if first.reason else "")
    return True if title == want else f"figure says {title!r}, the scorer says {want!r}"


check("the threshold explorer opens on one view at the quoted policy thresholds", _opens_at_the_policy)
check("the post composer opens on one view, the scorer's decision", _composer_opens_on_one_view)


check("moving the thresholds counts the review queue for them", _moved_threshold)
check("picking another class loads its thresholds and curve", _switched_class)
print("WIDGET-REPORT " + _json.dumps(_widget_report))
