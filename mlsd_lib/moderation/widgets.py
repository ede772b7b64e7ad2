"""Interactive demos of chapter 5: a post composer and a threshold explorer.

Both return an ``ipywidgets`` box for a live kernel together with their initial state (a
decision, a figure). The threshold explorer draws its initial view inside its own output area,
so a headless run saves that one view with the widget's state.

Introduced in chapter 5, "Serving".
"""

from __future__ import annotations

import numpy as np

from mlsd_lib.metrics import precision_recall_curve

__all__ = ["draw_decision", "draw_thresholds", "post_composer", "threshold_explorer"]


def draw_decision(scored, image, title: str = ""):
    """Bar chart of one post's class probabilities, its picture, the decision and the notice."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 2, figsize=(8, 2.4), gridspec_kw={"width_ratios": [1, 3]})
    if image is None:
        ax[0].text(0.5, 0.5, "no picture", ha="center", va="center")
    else:
        ax[0].imshow(image, cmap="gray_r")
    ax[0].axis("off")
    names, probs = list(scored.proba), list(scored.proba.values())
    colours = {"remove": "tab:red", "demote": "tab:orange", "allow": "tab:green"}
    ax[1].barh(names, probs, color=colours[scored.action])
    ax[1].set(xlim=(0, 1), xlabel="probability")
    notice = f"{scored.action.upper()}" + (f": {scored.reason}" if scored.reason else "")
    ax[1].set_title(f"{title}\n{notice}" if title else notice, fontsize=9)
    plt.tight_layout()
    return fig


def post_composer(scorer, images: np.ndarray, picture_choices: dict, text: str = "", picture=None):
    """Type a post, pick its picture and set the author's history; see the decision.

    ``picture_choices`` maps a label to an image id of the scorer's pool. Returns
    ``(widget, ScoredPost)`` for the initial post, whose decision is already drawn inside the
    widget's output area: display the widget only.
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt
    from IPython.display import display

    options = {"(no picture)": None, **picture_choices}
    wide = {"description_width": "initial"}   # the whole label, not cut at the default width
    text_box = w.Text(value=text, description="text", layout=w.Layout(width="480px"))
    pick = w.Dropdown(options=list(options), value=picture if picture in options else list(options)[1],
                      description="picture")
    violations = w.IntSlider(value=0, min=0, max=20, description="violations", style=wide)
    account = w.IntSlider(value=365, min=1, max=3650, description="account days", style=wide)
    comment = w.Text(value="", description="a comment", layout=w.Layout(width="480px"))
    out = w.Output()

    def post():
        p = {"text": text_box.value, "image_id": options[pick.value], "violations": violations.value,
             "account_age_days": account.value}
        if comment.value:
            p["comments"] = [comment.value]
        return p

    def update(*_):
        with out:
            out.clear_output(wait=True)
            try:
                scored = scorer.score(post())
            except (TypeError, ValueError) as exc:
                print(f"refused: {exc}")
                return None
            img_id = options[pick.value]
            fig = draw_decision(scored, None if img_id is None else images[img_id])
            display(fig)
            plt.close(fig)
        return scored

    for ctrl in (text_box, pick, violations, account, comment):
        ctrl.observe(update, names="value")
    first = update()
    if first is None:
        raise ValueError(f"the scorer refused the initial post; pass a text it accepts, got {text!r}")
    return w.VBox([text_box, comment, w.HBox([pick, violations, account]), out]), first


def draw_thresholds(y_true, y_score, remove: float, demote: float, name: str = ""):
    """PR curve of one class with the remove and demote operating points marked."""
    import matplotlib.pyplot as plt

    prec, rec, thr = precision_recall_curve(y_true, y_score)
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.plot(rec, prec, color="gray")
    s = np.asarray(y_score)
    y = np.asarray(y_true)
    for t, colour, label in ((remove, "tab:red", "remove"), (demote, "tab:orange", "demote")):
        hit = s >= t
        p = y[hit].mean() if hit.any() else 1.0
        r = y[hit].sum() / max(y.sum(), 1)
        ax.plot(r, p, "o", color=colour, label=f"{label} ≥ {t:.3f}: precision {p:.2f}, recall {r:.2f}")
    queued = int(((s >= demote) & (s < remove)).sum())
    ax.set(xlabel="recall", ylabel="precision", ylim=(0, 1.05),
           title=f"{name}: {queued} posts to review")
    ax.legend(fontsize=7, loc="lower left")
    plt.tight_layout()
    return fig


def threshold_explorer(y_true, y_score, class_names, policy, cls: str):
    """Boxes for one class's remove and demote thresholds over its validation PR curve.

    ``y_true``/``y_score`` are (n, classes) arrays. The boxes open at the policy's own
    thresholds, unrounded (a slider would snap them to its step and draw another operating
    point than the policy's), and move by 0.01 with the arrows. Returns ``(widget, figure)``:
    the figure is the initial view, already shown inside the widget's output area (and
    closed), so a live kernel redraws it in place and a headless run saves it with the widget's
    state. Display the widget only, not the figure again.
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt
    from IPython.display import display

    names = list(class_names)
    pick = w.Dropdown(options=names, value=cls, description="class")
    j0 = names.index(cls)
    box = {"min": 0.0, "max": 1.0, "step": 0.01, "layout": w.Layout(width="180px")}
    rem = w.BoundedFloatText(value=float(min(policy.remove[j0], 1.0)), description="remove at", **box)
    dem = w.BoundedFloatText(value=float(min(policy.demote[j0], 1.0)), description="demote at", **box)
    out = w.Output()

    def update(*_):
        j = names.index(pick.value)
        with out:
            out.clear_output(wait=True)
            fig = draw_thresholds(np.asarray(y_true)[:, j], np.asarray(y_score)[:, j], rem.value,
                                  min(dem.value, rem.value), pick.value)
            display(fig)
            plt.close(fig)
        return fig

    def new_class(change):
        j = names.index(change["new"])
        rem.unobserve(update, names="value")
        dem.unobserve(update, names="value")
        rem.value, dem.value = float(min(policy.remove[j], 1.0)), float(min(policy.demote[j], 1.0))
        for ctrl in (rem, dem):
            ctrl.observe(update, names="value")
        update()

    pick.observe(new_class, names="value")
    for ctrl in (rem, dem):
        ctrl.observe(update, names="value")
    return w.VBox([w.HBox([pick, rem, dem]), out]), update()
