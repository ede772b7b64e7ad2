"""Property tests of mlsd_lib.moderation: simulator, features, models, evaluation and
enforcement (the contract of tests/contracts/_contract.py)."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from contracts._contract import (
    Case,
    binary_labels,
    finite_array,
    floats_array,
    int_array,
    probability,
)
from hypothesis import strategies as st

from mlsd_lib.moderation import enforcement as EN
from mlsd_lib.moderation import evaluate as EV
from mlsd_lib.moderation import features as FE
from mlsd_lib.moderation import models as MO
from mlsd_lib.moderation import simulator as SI


@functools.cache
def tiny():
    posts = SI.simulate_posts(300, n_images=40, seed=0)
    rng = np.random.default_rng(0)
    fz = FE.PostFeaturizer(rng.normal(size=(40, 3)), text_embeddings=rng.normal(size=(len(SI.sentence_vocabulary()), 3)),
                           comment_embeddings=rng.normal(size=(len(SI.comment_vocabulary()), 2))).fit(posts)
    F = fz.transform(posts)
    clf = MO.HarmClassifier(epochs=1, hidden=4, head_hidden=2).fit(F, posts.hand_labels)
    return posts, fz, F, clf


@st.composite
def scored(draw, n_min=4):
    n = draw(st.integers(n_min, 30))
    y = draw(binary_labels(n))
    return {"y_true": y, "y_score": draw(floats_array(n, 0, 1))}


def _is_posts(r, kw):
    assert isinstance(r, SI.Posts) and len(r) == kw["n"]
    assert set(np.unique(r.hand_labels)) <= {0, 1} and set(np.unique(r.natural_labels)) <= {0, 1}


def _featurize(kw):
    posts = SI.simulate_posts(kw["n"], n_images=40, seed=kw["seed"])
    return tiny()[1].transform(posts)


def _classifier(kw):
    posts, _, F, _ = tiny()
    clf = MO.HarmClassifier(kw["framing"], fusion=kw["fusion"], city=kw["city"], country=kw.get("country", "one-hot"),
                            loss=kw["loss"], epochs=1, hidden=4, head_hidden=2).fit(F, posts.hand_labels)
    return clf.predict_proba(F)


def _fusion(kw):
    import torch

    net = MO.FusionNet({"text": 3, "image": 2}, kw["n_out"], fusion=kw["fusion"], heads=kw["heads"], hidden=4,
                       n_countries=kw.get("n_countries", 0), country=kw.get("country", "one-hot"))
    return net({"text": torch.zeros(5, 3), "image": torch.ones(5, 2)}, None,
               torch.zeros(5, dtype=torch.long)).detach().numpy()


def _platform(kw):
    posts = tiny()[0]
    P = np.clip(posts.hand_labels * kw["scale"], 0, 1)
    return EN.simulate_platform(posts, P, EN.EnforcementPolicy([0.9] * 5, [0.5] * 5), review_budget=kw["review_budget"],
                                priority=kw["priority"], realtime_classes=kw.get("realtime_classes", ("violence",)))


def _check_platform(r, kw):
    for k in ("prevalence", "valid_appeals", "proactive_rate"):
        probability(r[k])
    assert r["harmful_impressions"] >= 0 and len(r["reviewed"]) <= kw["review_budget"]


def _score(kw):
    posts, fz, _, clf = tiny()
    scorer = EN.PostScorer(fz, clf, EN.EnforcementPolicy([0.9] * 5, [0.5] * 5))
    return scorer.score({"text": SI.sentence_vocabulary()[kw["text_id"]], "image_id": kw["image_id"]})


def _memes(kw):
    return SI.meme_confounders(tiny()[0], np.arange(40) % 10, n_memes=kw["n_memes"],
                               other_pictures=kw["other_pictures"], seed=kw["seed"])


def _is_meme_set(r, kw):
    assert len(r) == kw["n_memes"] * (4 + kw["other_pictures"]) and r.hand_labels[:, 2].sum() == kw["n_memes"]
    assert (r.frame[["likes", "shares", "comments", "early_reports"]].to_numpy() == 0).all()


def _ssl(kw):
    x = np.random.default_rng(0).integers(0, 255, (32, 28, 28)).astype(np.uint8)
    enc = FE.pretrained_image_encoder(x, epochs=1, dim=4, batch_size=16, seed=kw["seed"])
    return FE.image_pool_features(x[:8], encoder=enc)


def _reliance(kw):
    posts, _, F, clf = tiny()
    return EV.modality_reliance(clf, F, posts.hand_labels)


def _blended(kw):
    posts, _, F, _ = tiny()
    clf = MO.BlendedHarmClassifier(kw["framing"], city=kw["city"], loss=kw["loss"], epochs=1, hidden=4,
                                   head_hidden=2).fit(F, posts.hand_labels)
    assert abs(sum(clf.blend_weights_.values()) - 1) < 1e-9
    return clf.predict_proba(F)


def _blended_net(kw):
    import torch

    net = MO.BlendedNet(MO.FusionNet({"text": 3, "image": 2}, kw["n_out"], fusion="late", heads=kw["heads"], hidden=4))
    return net({"text": torch.zeros(5, 3), "image": torch.ones(5, 2)}, None).detach().numpy()


def _weights_sum_to_one(r, kw):
    assert set(r) == set(kw["val_before"]) and all(v >= 0 for v in r.values())
    assert abs(sum(r.values()) - 1) < 1e-9, r


@st.composite
def head_losses(draw):
    heads = draw(st.lists(st.sampled_from(["text", "image", "other", "fused"]), min_size=1, max_size=4, unique=True))
    loss = st.floats(0, 5)
    return {k: {h: draw(loss) for h in heads} for k in ("train_before", "val_before", "train_after", "val_after")}


def _queue(kw):
    q = EN.ReviewQueue(kw["daily_budget"])
    q.push(kw["post_ids"], kw["priority"])
    return q.review_day()


CASES = [
    Case(MO.city_weights, st.tuples(st.integers(1, 500), st.integers(1, 256)).map(
        lambda t: {"n_cities": t[0], "hidden": t[1]}),
         lambda r, kw: None if r["one-hot"] == kw["n_cities"] * kw["hidden"] else pytest.fail(r),
         {"n_cities": "count", "hidden": "count"}),
    Case(SI.sentence_vocabulary, st.just({}), lambda r, kw: len(r) == len(set(r)) or pytest.fail("duplicates")),
    Case(SI.comment_vocabulary, st.just({}), lambda r, kw: len(r) == len(set(r)) or pytest.fail("duplicates")),
    Case(SI.simulate_posts, st.tuples(st.integers(10, 80), st.integers(0, 3)).map(
        lambda t: {"n": t[0], "n_images": 30, "seed": t[1]}), _is_posts, {"n": "count", "seed": "seed"},
         covers=(SI.Posts,), examples=4),
    Case(SI.country_spam_factor, st.integers(1, 60).map(lambda n: {"n_countries": n}),
         lambda r, kw: finite_array(r, 0, np.inf, shape=(kw["n_countries"],)), {"n_countries": "count"}),
    Case(SI.meme_confounders, st.tuples(st.integers(1, 6), st.integers(0, 4), st.integers(0, 3)).map(
        lambda t: {"n_memes": t[0], "other_pictures": t[1], "seed": t[2]}), _is_meme_set,
         {"n_memes": "count", "seed": "seed"}, call=_memes, examples=4, bad_examples=1),
    Case(FE.pretrained_image_encoder, st.integers(0, 2).map(lambda s: {"seed": s}),
         lambda r, kw: finite_array(r, shape=(8, 4)), {"seed": "seed"}, call=_ssl, examples=1, bad_examples=1),
    Case(FE.hour_bucket, int_array(5, 0, 23).map(lambda h: {"hours": h}), lambda r, kw: finite_array(r, 0, 4),
         {"hours": "int_values"}),
    Case(FE.PostFeaturizer, st.tuples(st.integers(10, 40), st.integers(0, 2)).map(lambda t: {"n": t[0], "seed": t[1]}),
         lambda r, kw: [finite_array(b) for b in r.blocks.values()] and None, call=_featurize,
         covers=(FE.FusedFeatures,), examples=3),
    Case(FE.image_pool_features, int_array((3, 28, 28), 0, 255).map(lambda x: {"images": x.astype(np.uint8), "dim": 4}),
         lambda r, kw: finite_array(r, shape=(3, 4)), {"images": "array", "dim": "count"}, examples=2, bad_examples=1),
    Case(MO.HarmClassifier, st.fixed_dictionaries({
        "framing": st.sampled_from(MO.FRAMINGS), "fusion": st.sampled_from(["early", "late"]),
        "city": st.sampled_from(["embedding", "one-hot", None]), "loss": st.sampled_from(["bce", "focal"]),
        "country": st.sampled_from(["embedding", "one-hot", None])}),
         lambda r, kw: finite_array(r, 0, 1), {"framing": "choice", "fusion": "choice", "loss": "choice",
                                              "country": "choice_opt"},
         call=_classifier, examples=6, bad_examples=1),
    Case(MO.FusionNet, st.fixed_dictionaries({"n_out": st.integers(1, 4), "fusion": st.sampled_from(["early", "late"]),
                                               "heads": st.sampled_from(["linear", "task"]),
                                               "n_countries": st.integers(0, 4),
                                               "country": st.sampled_from(["embedding", "one-hot"])}),
         lambda r, kw: finite_array(r, shape=(5, kw["n_out"])), {"n_out": "count", "fusion": "choice", "heads": "choice",
                                                                  "country": "choice"},
         call=_fusion, examples=6, bad_examples=1),
    Case(MO.blend_weights, head_losses(), _weights_sum_to_one, examples=10),
    Case(MO.BlendedHarmClassifier, st.fixed_dictionaries({
        "framing": st.sampled_from(["single", "multi-label", "multi-task"]),
        "city": st.sampled_from(["embedding", "one-hot", None]), "loss": st.sampled_from(["bce", "focal"])}),
         lambda r, kw: finite_array(r, 0, 1), {"framing": "choice", "loss": "choice"},
         call=_blended, examples=3, bad_examples=1),
    Case(MO.BlendedNet, st.fixed_dictionaries({"n_out": st.integers(1, 4), "heads": st.sampled_from(["linear", "task"])}),
         lambda r, kw: finite_array(r, shape=(5, kw["n_out"])), {"n_out": "count", "heads": "choice"},
         call=_blended_net, examples=3, bad_examples=1),
    Case(MO.class_explanations, floats_array((4, 3), 0, 1).map(lambda p: {"proba": p, "class_names": ["a", "b", "c"]}),
         lambda r, kw: len(r) == 4 or pytest.fail("one reason per row"), {"proba": "array"}),
    Case(EV.precision_at_positives, scored(), lambda r, kw: finite_array(r, 0, 1, shape=(int(kw["y_true"].sum()),)),
         {"y_true": "labels", "y_score": "array"}),
    Case(EV.auc_at_positives, scored(), lambda r, kw: finite_array(r, 0, 1, shape=(int(kw["y_true"].sum()),)),
         {"y_true": "labels", "y_score": "array"}),
    Case(EV.modality_reliance, st.integers(0, 3).map(lambda s: {"seed": s}),
         lambda r, kw: finite_array(r.to_numpy(), -1, 1, shape=(3,)), call=_reliance, examples=2),
    Case(EV.threshold_for_precision, scored().flatmap(lambda kw: st.floats(0.1, 1).map(lambda t: {**kw, "target": t})),
         lambda r, kw: isinstance(r, float) or pytest.fail("float"), {"y_true": "labels", "y_score": "array",
                                                                      "target": "prob"}),
    Case(EV.class_report, scored(6).map(lambda kw: {"labels": np.column_stack([kw["y_true"], kw["y_true"][::-1]]),
                                                    "proba": np.column_stack([kw["y_score"], kw["y_score"]]),
                                                    "class_names": ["a", "b"]}),
         lambda r, kw: finite_array(r[["pr_auc", "roc_auc"]].to_numpy(), 0, 1), {"proba": "array"}),
    Case(EN.EnforcementPolicy, floats_array((6, 5), 0, 1).map(lambda p: {"proba": p}),
         lambda r, kw: set(r["action"]) <= set(EN.ACTIONS) or pytest.fail("action"), {"proba": "array"},
         call=lambda kw: EN.EnforcementPolicy([0.8] * 5, [0.4] * 5).decide(kw["proba"])),
    Case(EN.ReviewQueue, st.integers(1, 8).flatmap(lambda n: st.tuples(int_array(n, 0, 99), floats_array(n, 0, 1))).map(
        lambda t: {"post_ids": t[0], "priority": t[1], "daily_budget": 3}),
         lambda r, kw: len(r) == min(3, len(kw["post_ids"])) or pytest.fail("budget"),
         {"post_ids": "int_values", "priority": "array", "daily_budget": "int"}, call=_queue),
    Case(EN.simulate_platform, st.fixed_dictionaries({"scale": st.floats(0, 1), "review_budget": st.integers(0, 20),
                                                       "priority": st.sampled_from(["score", "reach"]),
                                                       "realtime_classes": st.lists(st.sampled_from(SI.HARM_CLASSES),
                                                                                    max_size=2, unique=True)}),
         _check_platform, {"review_budget": "int", "priority": "choice", "realtime_classes": "names"},
         call=_platform, examples=5, bad_examples=1),
    Case(SI.Posts.subset, st.lists(st.integers(0, 299), min_size=1, max_size=4).map(
        lambda ids: {"idx": np.array(ids, dtype=np.int64)}),
         lambda r, kw: (len(r) == len(kw["idx"])) or pytest.fail("one post per id"), {"idx": "ids"},
         call=lambda kw: tiny()[0].subset(kw["idx"]), id="Posts.subset", examples=4),
    Case(SI.simulate_posts, st.tuples(st.integers(2, 6), st.integers(10, 40)).map(   # cities at their edge
        lambda t: {"n": t[1], "n_images": 22, "n_cities": t[0], "n_countries": min(t[0], 2)}), _is_posts,
         {"n_cities": "count"}, id="simulate_posts[few cities]", examples=3, bad_examples=1),
    Case(EN.PostScorer, st.tuples(st.integers(0, 50), st.integers(0, 39)).map(
        lambda t: {"text_id": t[0], "image_id": t[1]}),
         lambda r, kw: [probability(float(v)) for v in r.proba.values()] and None, call=_score,
         covers=(EN.ScoredPost,), examples=4),
]




# ------------------------------------------------------------------------ figures (moderation.viz)
# A figure's contract: it draws from any valid input (one panel per part), and refuses bad input
# by name. Each call closes its figure.

from mlsd_lib.claims import effects as EF  # noqa: E402
from mlsd_lib.moderation import viz as MV  # noqa: E402


def _panels(fig) -> int:
    import matplotlib.pyplot as plt

    n = len(fig.axes)
    plt.close(fig)
    return n


_SEEDS = st.lists(st.floats(0, 1), min_size=1, max_size=4)


@st.composite
def arm_values(draw, arms=("multi-task", "own classifier")):
    groups = draw(st.lists(st.sampled_from(["20 examples", "60 examples", "spam", "violence"]), min_size=1,
                           max_size=3, unique=True))
    return {g: {a: draw(_SEEDS) for a in arms} for g in groups}


def _effect(draw_values):
    return draw_values.map(lambda v: EF.effect_over_seeds(v) if len(v) > 1 else EF.exact_effect(v[0]))


@st.composite
def day_table(draw):
    import pandas as pd

    n = draw(st.integers(1, 6))
    cols = pd.MultiIndex.from_product([["prevalence", "harmful impressions", "people exposed"], ["score", "reach"]])
    return pd.DataFrame(np.array(draw(st.lists(st.lists(st.floats(0, 1e5), min_size=6, max_size=6),
                                               min_size=n, max_size=n))), columns=cols)


CASES += [
    Case(MV.plot_seed_comparison, st.fixed_dictionaries(
        {"values": arm_values(), "margin": st.one_of(st.none(), st.floats(0, 0.1))}).flatmap(
        lambda kw: st.one_of(st.none(), st.just({g: EF.effect_over_seeds(v["multi-task"] + [0.5])
                                                  for g, v in kw["values"].items()})).map(
            lambda e: {**kw, "effects": e})),
         lambda r, kw: r == (1 if kw["effects"] is None else 2) or pytest.fail(f"{r} panels"),
         {"margin": "float_opt"}, call=lambda kw: _panels(MV.plot_seed_comparison(**kw)), examples=4,
         bad_examples=1),
    Case(MV.plot_label_noise, st.fixed_dictionaries(
        {"values": arm_values(("hand labels", "natural labels")),
         "noise": _effect(st.lists(st.floats(0, 1), min_size=1, max_size=4)),
         "quality": _effect(st.lists(st.floats(-1, 1), min_size=1, max_size=4))}),
         lambda r, kw: r == 3 or pytest.fail(f"{r} panels"), call=lambda kw: _panels(MV.plot_label_noise(**kw)),
         examples=4, bad_examples=1),
    Case(MV.plot_day_orders, day_table().map(lambda d: {"days": d}),
         lambda r, kw: r == 2 or pytest.fail(f"{r} panels"), {"days": "frame"},
         call=lambda kw: _panels(MV.plot_day_orders(**kw)), examples=4, bad_examples=1),
]
