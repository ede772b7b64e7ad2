# Chapter 6: the recommendation explorer (user picker, new-user likes, MMR λ slider).
from mlsd_lib.recsys.widgets import recommendation_explorer as _explorer


def _initial():
    """The chapter's explorer opens on one table: the first user's list at λ = 0.7."""
    with capture() as seen:
        _explorer(explore, list(warm_users[:50]), popular_titles, lam=0.7)
    return same_table(only_view(seen, pd.DataFrame), explore(warm_users[0], [], 0.7))


def _drive(setter, expected_args):
    widget = _explorer(explore, list(warm_users[:50]), popular_titles, lam=0.7)
    pick, knob = widget.children[0].children
    liked = widget.children[1]
    with capture() as seen:
        setter(pick, knob, liked)
    return same_table(only_view(seen, pd.DataFrame), explore(*expected_args))


def _set_user(pick, knob, liked):
    pick.value = warm_users[3]


def _set_lambda(pick, knob, liked):
    knob.value = 0.3


def _set_likes(pick, knob, liked):
    liked.value = tuple(popular_titles[:3])


check("the explorer opens on one table, the first user's at λ 0.7", _initial)
check("picking another user shows that user's list",
      lambda: _drive(_set_user, (warm_users[3], [], 0.7)))
check("the λ slider re-ranks with the new λ", lambda: _drive(_set_lambda, (warm_users[0], [], 0.3)))
check("choosing liked movies builds a new user's list",
      lambda: _drive(_set_likes, (warm_users[0], list(popular_titles[:3]), 0.7)))
print("WIDGET-REPORT " + _json.dumps(_widget_report))
