"""Unit tests of ``mlsd_lib.claims.effects``."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from mlsd_lib import claims
from mlsd_lib.claims import Effect, Rule

from ._helpers import INC, _eff


def test_effect_over_seeds_matches_a_t_interval():
    rng = np.random.default_rng(0)
    a, b = rng.normal(1, 0.1, 7), rng.normal(0.9, 0.1, 7)
    e = claims.effect_over_seeds(a, baseline=b)
    low, high = stats.t.interval(0.95, 6, loc=(a - b).mean(), scale=stats.sem(a - b))
    assert e.n == 7 and e.evidence == "seeds"
    np.testing.assert_allclose([e.mean, e.low, e.high], [(a - b).mean(), low, high], rtol=1e-12)


def test_bootstrap_effect_is_seeded_and_covers_the_mean():
    x = np.random.default_rng(1).normal(0.2, 1.0, 500)
    e1 = claims.bootstrap_effect(x, evidence="users", seed=3)
    e2 = claims.bootstrap_effect(x, evidence="users", seed=3)
    assert e1 == e2 and e1.n == 500 and e1.resamples == 2000
    half = 1.96 * x.std(ddof=1) / np.sqrt(len(x))
    assert abs((e1.high - e1.low) / 2 - half) < 0.2 * half   # bootstrap ≈ normal interval
    assert e1.low < x.mean() < e1.high


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: claims.effect_over_seeds([0.1, np.nan]), ValueError, "NaN or inf"),
        (lambda: claims.effect_over_seeds([0.1, 0.2], baseline=[0.1]), ValueError, "paired"),
        (lambda: claims.effect_over_seeds("ab"), TypeError, "sequence of numbers"),
        (lambda: claims.bootstrap_effect([1.0, 2.0], n_resamples=5), ValueError, "n_resamples"),
        (lambda: claims.exact_effect("3"), TypeError, "must be a real number"),
        (lambda: Effect(0.5, 0.6, 0.7, 3, "seeds"), ValueError, "low <= mean <= high"),
        (lambda: Effect(0.5, 0.4, 0.7, 1, "seeds"), ValueError, "one draw has no interval"),
        (lambda: Rule("m", "better", 0.1), ValueError, "direction must be one of"),
        (lambda: Rule("m", "increase", -0.1), ValueError, "margin must be"),
        (lambda: Rule("m", "equivalent", 0.0), ValueError, "margin > 0"),
        (lambda: Rule("", "increase", 0.1), ValueError, "measure must name"),
        (lambda: claims.decide("C1.1", INC, 0.3), TypeError, "Effect or a mapping"),
        (lambda: claims.decide("C1.1", INC, {"a": _eff(0, -1, 1), "b": _eff(0, -1, 1)}), ValueError,
         "name the condition"),
    ],
)
def test_evidence_and_rule_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ------------------------------------------------------------------- overlapping splits


def test_corrected_resampled_t_matches_nadeau_bengio():
    x = np.array([0.02, 0.03, 0.01, 0.025, 0.015, 0.018, 0.022])
    e = claims.effect_over_splits(x, test_fraction=0.25)
    se = x.std(ddof=1) * np.sqrt(1 / len(x) + 0.25 / 0.75)
    half = stats.t.ppf(0.975, len(x) - 1) * se
    np.testing.assert_allclose([e.low, e.high], [x.mean() - half, x.mean() + half], rtol=1e-12)


def test_overlapping_splits_turn_a_naive_support_into_inconclusive():
    z = np.random.default_rng(0).normal(size=30)
    x = 0.012 + 0.012 * (z - z.mean()) / z.std(ddof=1)         # 30 repeated 25% hold-out splits
    assert INC.verdict(claims.effect_over_seeds(x, evidence="splits")) == "supported"
    corrected = claims.effect_over_splits(x, test_fraction=0.25)
    assert INC.verdict(corrected) == "inconclusive"
    naive = claims.effect_over_seeds(x)
    ratio = (corrected.high - corrected.low) / (naive.high - naive.low)
    assert ratio == pytest.approx(np.sqrt(1 + 30 / 3), rel=1e-9)   # sqrt(1 + J·n_test/n_train)


# --------------------------------------------------------------------------- training seeds


def test_training_variance_turns_a_one_model_bootstrap_into_inconclusive():
    rng = np.random.default_rng(1)
    # per-query gains of three trained models: seed-to-seed swings dwarf the per-query noise
    seed_shift = [0.08, -0.03, 0.01]
    per_seed = [s + rng.normal(0, 0.05, 400) for s in seed_shift]
    one_model = claims.bootstrap_effect(per_seed[0], evidence="queries (bootstrap)")
    assert INC.verdict(one_model) == "supported"
    both = claims.bootstrap_over_seeds(per_seed, units="queries")
    assert INC.verdict(both) == "inconclusive" and both.n == 3
    assert both.high - both.low > 4 * (one_model.high - one_model.low)


def test_two_stage_bootstrap_needs_three_seeds_and_accepts_ragged_seeds():
    with pytest.raises(ValueError, match="at least 3 seeds"):
        claims.bootstrap_over_seeds([[0.1, 0.2], [0.2, 0.3]])
    e = claims.bootstrap_over_seeds([[0.1, 0.2, 0.3], [0.2, 0.3], [0.25, 0.15, 0.2, 0.3]], n_resamples=200)
    assert e.low <= e.mean <= e.high and e.resamples == 200


# ----------------------------------------------------------------------- adjusted conditions


def test_bonferroni_turns_a_chance_depends_into_inconclusive():
    z = np.random.default_rng(2).normal(size=12)
    z = (z - z.mean()) / z.std(ddof=1)
    a, b = 0.012 + 0.018 * z, 0.002 * z
    unadjusted = {"A": claims.effect_over_seeds(a), "B": claims.effect_over_seeds(b)}
    assert {k: INC.verdict(e) for k, e in unadjusted.items()} == {"A": "supported", "B": "refuted"}
    level = claims.adjusted_confidence(2)
    adjusted = {"A": claims.effect_over_seeds(a, confidence=level), "B": claims.effect_over_seeds(b, confidence=level)}
    with pytest.raises(ValueError, match="97.5% coverage"):
        claims.decide("C2.6", INC, unadjusted, "corpus")
    # the wider intervals no longer support A: the "depends" was luck of the 95% level
    d = claims.decide("C2.6", INC, adjusted, "corpus")
    assert d.verdicts()["A"] == "inconclusive" and d.verdict == "inconclusive"


# --------------------------------------------------------------------------- any seed


def test_too_small_a_sample_is_inconclusive_with_the_size_that_would_decide_it():
    for e in (claims.bootstrap_effect([0.4]), claims.effect_over_seeds([]), claims.effect_over_splits([0.1],
                                                                                                      test_fraction=0.2)):
        assert not e.decidable and INC.verdict(e) == "inconclusive"
    d = claims.decide("C3.1", INC, claims.bootstrap_effect([0.4], evidence="test images"))
    assert d.verdict == "inconclusive" and "at least 2 test images (n = 1 now)" in d.what_would_decide()
