"""Unit tests of ``mlsd_lib.claims.rules``."""

from __future__ import annotations

import pytest

from mlsd_lib import claims
from mlsd_lib.claims import Effect, Rule

from ._helpers import EQ, INC, _eff

DEC = Rule("latency, A minus B", "decrease", margin=0.01)


@pytest.mark.parametrize(
    ("rule", "effect", "verdict"),
    [
        (INC, _eff(0.03, 0.02, 0.04), "supported"),
        (INC, _eff(0.011, 0.001, 0.021), "supported"),      # excludes 0, estimate reaches the margin
        (INC, _eff(0.006, 0.001, 0.011), "inconclusive"),   # excludes 0 but short of the margin
        (INC, _eff(0.002, -0.004, 0.008), "refuted"),       # within ± margin: too small to matter
        (INC, _eff(-0.03, -0.04, -0.02), "refuted"),        # the other way
        (INC, _eff(0.02, -0.01, 0.05), "inconclusive"),
        (DEC, _eff(-0.03, -0.04, -0.02), "supported"),
        (DEC, _eff(0.03, 0.02, 0.04), "refuted"),
        (EQ, _eff(1e-6, -1e-5, 2e-5), "supported"),
        (EQ, _eff(1e-3, 5e-4, 2e-3), "refuted"),
        (EQ, _eff(1e-4, -1e-5, 3e-4), "inconclusive"),
        (INC, claims.exact_effect(3.8), "supported"),
        (INC, claims.exact_effect(0.0), "refuted"),
        (Rule("m", "increase", 0.0), claims.exact_effect(0.0), "refuted"),
        (EQ, claims.exact_effect(3e-8), "supported"),
    ],
)
def test_rule_verdicts(rule, effect, verdict):
    assert rule.verdict(effect) == verdict


def test_flipping_the_effect_flips_a_decided_verdict():
    e = _eff(0.03, 0.02, 0.04)
    flipped = _eff(-0.03, -0.04, -0.02)
    assert (INC.verdict(e), INC.verdict(flipped)) == ("supported", "refuted")


def test_conditions_combine_into_depends():
    d = claims.decide("C1.4", INC, {"small": _eff(0.05, 0.03, 0.07, confidence=0.975),
                                    "large": _eff(0.0, -0.005, 0.005, confidence=0.975)},
                      condition="training-set size")
    assert d.verdict == "depends" and d.verdicts() == {"small": "supported", "large": "refuted"}
    assert "small:" in d.describe() and "(refuted)" in d.describe()
    mixed = claims.decide("C1.4", INC, {"a": _eff(0.05, 0.03, 0.07, confidence=0.975),
                                        "b": _eff(0.02, -0.01, 0.05, confidence=0.975)}, "x")
    assert mixed.verdict == "inconclusive" and "about" in mixed.what_would_decide()


NO_LOSS = Rule("PR-AUC, compressed minus teacher", "no decrease", margin=0.02)


@pytest.mark.parametrize(
    ("rule", "effect", "verdict"),
    [
        (NO_LOSS, _eff(0.013, 0.0, 0.026), "supported"),        # a gain is no loss
        (NO_LOSS, _eff(-0.005, -0.015, 0.004), "supported"),    # a loss, but surely under the margin
        (NO_LOSS, _eff(-0.05, -0.06, -0.04), "refuted"),        # surely more than the margin
        (NO_LOSS, _eff(-0.02, -0.03, -0.01), "inconclusive"),
        (Rule("latency", "no increase", 1.0), _eff(0.5, 0.2, 0.8), "supported"),
        (Rule("latency", "no increase", 1.0), _eff(2.0, 1.5, 2.5), "refuted"),
    ],
)
def test_one_sided_no_loss_rules(rule, effect, verdict):
    assert rule.verdict(effect) == verdict


# ----------------------------------------------------------------------------- conjunctions


def test_a_two_part_claim_is_refuted_by_one_refuted_part_where_conditions_would_say_depends():
    parts = {"slower": "supported", "more accurate": "refuted"}
    assert claims.combine_verdicts(parts) == "depends"        # the old reading of two parts
    assert claims.conjunction(parts) == "refuted"             # what "slower AND more accurate" means
    assert claims.conjunction({"a": "supported", "b": "supported"}) == "supported"
    assert claims.conjunction({"a": "supported", "b": "inconclusive"}) == "inconclusive"
    assert claims.conjunction({"a": "depends", "b": "supported"}) == "depends"


def test_a_decision_with_conjuncts_combines_them_as_all_must_hold():
    rules = {"speed": INC, "accuracy": INC}
    effects = {"speed": Effect(0.05, 0.03, 0.07, 5, "seeds"), "accuracy": Effect(-0.05, -0.07, -0.03, 5, "seeds")}
    conj = claims.decide("C3.2", rules, effects, "part", conjuncts={"speed": "speed", "accuracy": "accuracy"})
    assert conj.verdict == "refuted" and conj.is_conjunction()
    # as conditions of one measure the same evidence would need Bonferroni coverage ...
    with pytest.raises(ValueError, match="Bonferroni"):
        claims.decide("C3.2", rules, effects, "condition")


def test_conditions_inside_a_conjunct_depend_and_the_conjunction_carries_it():
    level = claims.adjusted_confidence(2)
    rules = {"latency": INC, "stale, slow world": INC, "stale, fast world": INC}
    effects = {"latency": Effect(0.05, 0.03, 0.07, 5, "seeds"),
               "stale, slow world": Effect(0.0, -0.002, 0.002, 5, "seeds", confidence=level),
               "stale, fast world": Effect(0.05, 0.03, 0.07, 5, "seeds", confidence=level)}
    d = claims.decide("C1.11", rules, effects, "part",
                      conjuncts={"latency": "faster", "stale, slow world": "staler", "stale, fast world": "staler"})
    assert d.groups() == {"faster": ["latency"], "staler": ["stale, slow world", "stale, fast world"]}
    assert d.verdict == "depends"


def test_expect_fails_only_on_the_opposite_verdict():
    sup = claims.decide("C1.1", INC, Effect(0.05, 0.03, 0.07, 5, "seeds"))
    ref = claims.decide("C1.1", INC, Effect(-0.05, -0.07, -0.03, 5, "seeds"))
    unsure = claims.decide("C1.1", INC, Effect(0.02, -0.01, 0.05, 5, "seeds"))
    assert sup.expect("supported") is sup and unsure.expect("supported") is unsure
    assert unsure.expect("refuted") is unsure
    with pytest.raises(AssertionError, match="reads this claim as supported"):
        ref.expect("supported")
    with pytest.raises(ValueError, match="verdict must be"):
        sup.expect("depends")
