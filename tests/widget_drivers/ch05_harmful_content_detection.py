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


check("moving the thresholds counts the review queue for them", _moved_threshold)
check("picking another class loads its thresholds and curve", _switched_class)
print("WIDGET-REPORT " + _json.dumps(_widget_report))
