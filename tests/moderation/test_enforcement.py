"""Unit tests of ``mlsd_lib.moderation.enforcement``."""

from __future__ import annotations

import numpy as np
import pytest

from mlsd_lib.moderation import enforcement as enf
from mlsd_lib.moderation import features as feat
from mlsd_lib.moderation.models import (
    HarmClassifier,
)
from mlsd_lib.moderation.simulator import (
    HARM_CLASSES,
    sentence_vocabulary,
    simulate_posts,
)

from ._helpers import world

# --------------------------------------------------------------------------- enforcement


def test_policy_and_queue():
    pol = enf.EnforcementPolicy([0.9] * 5, [0.5] * 5)
    d = pol.decide([[0.95, 0.6, 0, 0, 0], [0.1, 0.7, 0.55, 0, 0], [0.1] * 5])
    assert d["action"].tolist() == ["remove", "demote", "allow"]
    assert d["reason"][0] == "violence (95%)" and d["reason"][1] == "nudity (70%), hate (55%)"
    with pytest.raises(ValueError, match="demote thresholds"):
        enf.EnforcementPolicy([0.5] * 5, [0.6] * 5)
    q = enf.ReviewQueue(2)
    q.push([1, 2, 3], [0.1, 0.3, 0.2])
    q.push([4], [0.25])
    assert q.review_day() == [2, 4] and q.review_day() == [3, 1] and q.review_day() == []


def test_simulate_platform_bookkeeping():
    posts = simulate_posts(1000, n_images=100, seed=2)
    harmful = posts.hand_labels.any(1)
    pol = enf.EnforcementPolicy([0.9] * 5, [0.5] * 5)
    perfect = enf.simulate_platform(posts, posts.hand_labels * 0.95, pol, review_budget=0)
    assert perfect["prevalence"] == 0 and perfect["valid_appeals"] == 0 and perfect["proactive_rate"] == 1
    blind = enf.simulate_platform(posts, np.zeros((1000, 5)), pol, review_budget=0)
    assert np.isclose(blind["prevalence"], harmful.mean())
    assert np.isclose(blind["harmful_impressions"], posts.frame["impressions"][harmful].sum())
    assert blind["proactive_rate"] == 0
    # review by reach takes the high-reach post first
    P = np.where(posts.hand_labels.any(1, keepdims=True), 0.6, 0.0) * np.ones((1, 5))
    reach = enf.simulate_platform(posts, P, pol, review_budget=1, priority="reach")
    top = np.flatnonzero(harmful)[np.argmax(posts.frame["early_impressions"].to_numpy()[harmful])]
    assert reach["reviewed"].tolist() == [top]


def _scorer(monkeypatch):
    posts, fz, F = world()
    clf = HarmClassifier(epochs=1, hidden=8).fit(F, posts.hand_labels)
    monkeypatch.setattr(feat, "encode_sentences", lambda s, cache_dir=None: np.ones((len(s), 5), np.float32))
    return enf.PostScorer(fz, clf, enf.EnforcementPolicy([0.9] * 5, [0.5] * 5))


def test_post_scorer_refuses_malformed_posts_by_name(monkeypatch):
    scorer = _scorer(monkeypatch)
    s = scorer.score({"text": sentence_vocabulary()[0], "image_id": 3})
    assert s.action in enf.ACTIONS and set(s.proba) == set(HARM_CLASSES) and s.notes == [] or s.notes
    for post, err, match in [("text", TypeError, "post must be a dict"), ({"text": ""}, ValueError, "text or an image"),
                             ({"text": 3}, TypeError, "post\\['text'\\]"), ({"image_id": 10_000}, ValueError, "image_id"),
                             ({"text": "hi", "likes": -1}, ValueError, "likes"),
                             ({"text": "hi", "followers": "many"}, TypeError, "followers"),
                             ({"text": "hi", "hour": 30}, ValueError, "hour"),
                             ({"text": "hi", "comments": "nice"}, TypeError, "comments")]:
        with pytest.raises(err, match=match):
            scorer.score(post)


def test_post_scorer_fallbacks_are_reported(monkeypatch):
    scorer = _scorer(monkeypatch)
    long = scorer.score({"text": "x" * (enf.MAX_TEXT_CHARS + 5), "city": 10**6})
    assert any("cut" in n for n in long.notes) and any("unknown city" in n for n in long.notes)
    picture_only = scorer.score({"image_id": 0})
    assert picture_only.action in enf.ACTIONS


def test_post_scorer_maps_an_unknown_country_and_says_so(monkeypatch):
    scorer = _scorer(monkeypatch)
    s = scorer.score({"text": "hi", "country": 10**6})
    assert any("unknown country" in n for n in s.notes)
    with pytest.raises(ValueError, match="country"):
        scorer.score({"text": "hi", "country": -2})
