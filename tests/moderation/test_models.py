"""Unit tests of ``mlsd_lib.moderation.models``."""

from __future__ import annotations

import numpy as np
import pytest

from mlsd_lib.moderation import features as feat
from mlsd_lib.moderation.models import (
    BlendedHarmClassifier,
    BlendedNet,
    FusionNet,
    HarmClassifier,
    blend_weights,
    class_explanations,
)
from mlsd_lib.moderation.simulator import (
    HARM_CLASSES,
)

from ._helpers import world

# -------------------------------------------------------------------------------- models


def test_framings_have_the_documented_outputs_and_sizes():
    posts, _, F = world()
    Y = posts.hand_labels
    out = {fr: HarmClassifier(fr, epochs=1, hidden=16).fit(F, Y) for fr in ("single", "per-class", "multi-label",
                                                                          "multi-task")}
    assert out["single"].predict_proba(F).shape == (len(posts), 1)
    for fr in ("per-class", "multi-label", "multi-task"):
        P = out[fr].predict_proba(F)
        assert P.shape == Y.shape and (P >= 0).all() and (P <= 1).all()
    assert len(out["per-class"].nets_) == 5
    assert out["multi-task"].n_parameters_ > out["multi-label"].n_parameters_


def test_one_hot_city_costs_hidden_width_per_city():
    posts, _, F = world()
    emb = HarmClassifier(city="embedding", epochs=1, hidden=16).fit(F, posts.hand_labels)
    oh = HarmClassifier(city="one-hot", epochs=1, hidden=16).fit(F, posts.hand_labels)
    none = HarmClassifier(city=None, epochs=1, hidden=16).fit(F, posts.hand_labels)
    assert oh.n_parameters_ - none.n_parameters_ == F.n_cities * 16
    assert emb.n_parameters_ - none.n_parameters_ == F.n_cities * 8 + 8 * 16


def test_late_fusion_keeps_modalities_apart_until_the_decision():
    net = FusionNet({"text": 3, "image": 2, "author": 2}, n_out=2, fusion="late")
    assert set(net.towers) == {"text", "image", "other"}
    x = {"text": np.zeros((4, 3)), "image": np.zeros((4, 2)), "author": np.zeros((4, 2))}
    import torch

    out = net({k: torch.as_tensor(v, dtype=torch.float32) for k, v in x.items()}, None)
    assert out.shape == (4, 2)


def test_classifier_errors_name_the_problem():
    posts, _, F = world()
    with pytest.raises(ValueError, match="framing"):
        HarmClassifier("ensemble")
    with pytest.raises(ValueError, match="not fitted"):
        HarmClassifier().predict_proba(F)
    with pytest.raises(ValueError, match="labels has"):
        HarmClassifier(epochs=1).fit(F, posts.hand_labels[:10])
    with pytest.raises(TypeError, match="features"):
        HarmClassifier(epochs=1).fit(np.zeros((3, 3)), posts.hand_labels[:3])


def test_class_explanations_order_by_probability():
    assert class_explanations([[0.6, 0.9, 0.1]], ["a", "b", "c"]) == ["b, a"]
    with pytest.raises(ValueError, match="class_names"):
        class_explanations([[0.6, 0.9]], ["a"])


def test_sample_weight_zero_drops_a_post_and_is_validated():
    posts, _, F = world()
    Y = posts.hand_labels
    w = np.ones(len(Y))
    w[:100] = 0.0
    Y_noisy = Y.copy()
    Y_noisy[:100] = 1 - Y_noisy[:100]          # labels the zero weights must hide
    a = HarmClassifier(epochs=2, hidden=8, seed=1).fit(F, Y_noisy, sample_weight=w).predict_proba(F)
    b = HarmClassifier(epochs=2, hidden=8, seed=1).fit(F, Y, sample_weight=w).predict_proba(F)
    np.testing.assert_allclose(a, b, atol=1e-5)
    with pytest.raises(ValueError, match="sample_weight"):
        HarmClassifier(epochs=1).fit(F, Y, sample_weight=-np.ones(len(Y)))


def test_alpha_weights_positives_in_either_loss():
    """Class-weighted cross-entropy is focal loss at gamma = 0 with the same alpha."""
    posts, _, F = world()
    Y = posts.hand_labels
    kw = {"epochs": 1, "hidden": 8, "seed": 3}
    ce_w = HarmClassifier(alpha=0.8, **kw).fit(F, Y).predict_proba(F)
    fl_0 = HarmClassifier(loss="focal", gamma=0.0, alpha=0.8, **kw).fit(F, Y).predict_proba(F)
    np.testing.assert_allclose(ce_w, fl_0, atol=1e-6)
    plain = HarmClassifier(**kw).fit(F, Y).predict_proba(F)
    assert np.abs(ce_w - plain).max() > 1e-3     # the weight changes what is learnt
    for bad in (0.0, 1.0, 1.5):
        with pytest.raises(ValueError, match="alpha"):
            HarmClassifier(alpha=bad)


def test_country_one_hot_and_embedding_cost_what_they_should():
    posts, _, F = world()
    Y, K = posts.hand_labels, F.n_countries
    none = HarmClassifier(city=None, country=None, epochs=1, hidden=16).fit(F, Y)
    oh = HarmClassifier(city=None, country="one-hot", epochs=1, hidden=16).fit(F, Y)
    emb = HarmClassifier(city=None, country="embedding", epochs=1, hidden=16).fit(F, Y)
    assert oh.n_parameters_ - none.n_parameters_ == K * 16
    assert emb.n_parameters_ - none.n_parameters_ == K * 4 + 4 * 16
    # the country changes the score: the same post in two countries scores differently
    a, b = F.subset(np.arange(3)), F.subset(np.arange(3))
    b.country[:] = (a.country + 1) % K
    assert not np.allclose(oh.predict_proba(a), oh.predict_proba(b))
    assert np.allclose(none.predict_proba(a), none.predict_proba(b))


def test_country_errors_name_the_problem():
    import torch

    posts, _, F = world()
    with pytest.raises(ValueError, match="country"):
        HarmClassifier(country="zip-code")
    with pytest.raises(ValueError, match="country"):
        FusionNet({"text": 3}, n_out=1, n_countries=2, country="zip")
    net = FusionNet({"text": 3}, n_out=1, n_countries=2)
    with pytest.raises(ValueError, match="pass country"):
        net({"text": torch.zeros(2, 3)}, None)
    clf = HarmClassifier(epochs=1, hidden=8).fit(F, posts.hand_labels)
    wider = feat.FusedFeatures(F.blocks, F.city, F.country, F.n_cities, F.names, F.n_countries + 5)
    with pytest.raises(ValueError, match="country codes"):
        clf.predict_proba(wider)


def test_pairwise_layer_reads_text_and_picture_together():
    net = FusionNet({"text": 3, "image": 2, "author": 1}, 2, interaction=4)
    x = {"text": torch_zeros(5, 3), "image": torch_zeros(5, 2), "author": torch_zeros(5, 1)}
    assert net(x, None).shape == (5, 2)
    assert net.towers["all"][0].in_features == 3 + 2 + 1 + 4
    with pytest.raises(ValueError, match="interaction"):
        FusionNet({"text": 3, "image": 2}, 1, fusion="late", interaction=4)
    with pytest.raises(ValueError, match="interaction"):
        FusionNet({"text": 3}, 1, interaction=4)
    with pytest.raises(ValueError, match="interaction"):
        HarmClassifier(fusion="late", interaction=4)


def torch_zeros(*shape):
    import torch

    return torch.zeros(*shape)


# ---------------------------------------------------------------------------- gradient blending


def test_blend_weights_sum_to_one_and_favour_the_head_that_overfits_less():
    before = {"text": 0.7, "image": 0.7, "fused": 0.7}
    # text and image gain the same on held-out posts; text's train-held-out gap grows three times as much
    w = blend_weights(before, before, {"text": 0.2, "image": 0.4, "fused": 0.3},
                      {"text": 0.6, "image": 0.6, "fused": 0.5})
    assert abs(sum(w.values()) - 1) < 1e-12 and all(v >= 0 for v in w.values())
    assert w["text"] < w["image"]
    assert w["text"] == pytest.approx(w["image"] * (0.2 / 0.4) ** 2 / 1)   # G / O**2: same G, O 0.4 against 0.2
    # a head whose held-out loss did not fall gets nothing; none falling at all: equal weights
    w = blend_weights(before, before, before, {"text": 0.8, "image": 0.6, "fused": 0.6})
    assert w["text"] == 0 and abs(sum(w.values()) - 1) < 1e-12
    assert blend_weights(before, before, before, before) == pytest.approx(dict.fromkeys(before, 1 / 3))


def test_blend_weights_refuse_mismatched_heads_by_name():
    a = {"text": 0.5, "image": 0.5}
    with pytest.raises(ValueError, match="val_after"):
        blend_weights(a, a, a, {"text": 0.5})
    with pytest.raises(TypeError, match="train_before"):
        blend_weights([0.5], a, a, a)
    with pytest.raises(ValueError, match="train_after"):
        blend_weights(a, a, {"text": float("nan"), "image": 0.5}, a)


def test_blended_classifier_fits_predicts_and_never_sees_the_held_out_share_twice():
    posts, _, F = world()
    clf = BlendedHarmClassifier(epochs=2, hidden=8, head_hidden=4, blend_epochs=1, seed=1).fit(F, posts.hand_labels)
    P = clf.predict_proba(F)
    assert P.shape == (len(posts), len(HARM_CLASSES)) and np.isfinite(P).all() and ((P >= 0) & (P <= 1)).all()
    assert set(clf.blend_weights_) == {"text", "image", "other", "fused"}
    assert abs(sum(clf.blend_weights_.values()) - 1) < 1e-9
    assert isinstance(clf.nets_[0], BlendedNet) and clf.nets_[0].net.fusion == "late"
    single = BlendedHarmClassifier("single", epochs=1, hidden=4, city=None).fit(F, posts.hand_labels)
    assert single.predict_proba(F).shape == (len(posts), 1)
    again = BlendedHarmClassifier(epochs=2, hidden=8, head_hidden=4, blend_epochs=1, seed=1).fit(F, posts.hand_labels)
    assert np.allclose(again.predict_proba(F), P) and again.blend_weights_ == clf.blend_weights_


def test_blended_classifier_refuses_what_it_cannot_train():
    with pytest.raises(ValueError, match="per-class"):
        BlendedHarmClassifier("per-class")
    with pytest.raises(ValueError, match="fusion"):
        BlendedHarmClassifier(fusion="early")
    with pytest.raises(ValueError, match="holdout"):
        BlendedHarmClassifier(holdout=0.9)
    with pytest.raises(ValueError, match="fusion='late'"):
        BlendedNet(FusionNet({"text": 3}, 1))
