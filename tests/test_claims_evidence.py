"""The verdict standard: each statistical safeguard changes a verdict exactly where it should.

Conjunctions, corrected intervals over overlapping splits, training seeds, adjusted conditions,
undecidable samples, the opposite-only guard, the registry and its deviations log.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from mlsd_lib import claims
from mlsd_lib.claims import Effect, Rule
from mlsd_lib.claims import registry as reg

ROOT = Path(__file__).resolve().parents[1]
INC = Rule("metric, A minus B", "increase", margin=0.01)


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


# ------------------------------------------------------------------------------ fair arms


def test_equal_tuning_turns_a_win_of_the_tuned_arm_into_a_refutation():
    """A rival left at a poor default loses; given the same budget it ties, and the claim fails."""
    rng = np.random.default_rng(3)
    noise = rng.normal(0, 0.002, size=(2, 5))          # five seeds of validation and test noise

    def quality(method, lr):                          # both methods peak at 0.80 when tuned
        best = {"new": 0.1, "old": 0.01}[method]
        return 0.80 - 0.5 * abs(np.log10(lr / best)) ** 2 * 0.1

    grid = (0.001, 0.01, 0.1)
    untuned = claims.effect_over_seeds(quality("new", 0.1) + noise[0], quality("old", 0.1) + noise[1])
    assert INC.verdict(untuned) == "supported"         # the old method at the new one's learning rate
    picks = claims.tune_each_arm({m: {f"lr={lr}": (lambda m=m, lr=lr: quality(m, lr)) for lr in grid}
                                  for m in ("new", "old")})
    assert picks["old"].best == "lr=0.01" and picks["new"].best == "lr=0.1"
    lr = {m: float(picks[m].best.split("=")[1]) for m in picks}
    tuned = claims.effect_over_seeds(quality("new", lr["new"]) + noise[0], quality("old", lr["old"]) + noise[1])
    assert INC.verdict(tuned) == "refuted"
    with pytest.raises(ValueError, match="same tuning budget"):
        claims.tune_each_arm({"new": {"a": lambda: 1.0, "b": lambda: 0.5}, "old": {"a": lambda: 1.0}})


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


def test_compare_verdicts_in_both_directions():
    first = {"C1.1": "supported", "C1.2": "inconclusive", "C1.3": "refuted", "C1.4": "depends"}
    second = {"C1.1": "refuted", "C1.2": "supported", "C1.3": "refuted", "C1.4": "inconclusive", "C1.5": "supported"}
    diff = claims.compare_verdicts(first, second)
    assert diff["opposite"] == {"C1.1": ("supported", "refuted")}
    assert diff["unstable"] == {"C1.2": ("inconclusive", "supported"), "C1.4": ("depends", "inconclusive")}
    assert diff["missing"] == {"C1.5": (None, "supported")}


# ------------------------------------------------------------------------ registry and log


def test_the_registry_matches_its_log_and_covers_every_claim():
    claims.check_registry()
    specs = claims.load_registry()
    assert set(specs) == set(claims.claim_catalog())
    for spec in specs.values():
        assert spec.kind in claims.KINDS and spec.why and spec.why != "TODO", spec.claim_id
        if spec.kind == "demonstration":
            assert spec.planted.strip(), spec.claim_id


def test_every_identity_names_a_unit_test_that_exists():
    for spec in claims.load_registry().values():
        if spec.kind != "identity":
            continue
        path, name = spec.test.split("::")
        text = (ROOT / path).read_text()
        assert re.search(rf"^def {name}\(", text, re.M), f"{spec.claim_id}: {spec.test} does not exist"


def _copy_registry(tmp_path):
    target = tmp_path / "registry"
    shutil.copytree(reg.REGISTRY_DIR, target)
    return target / "ch01_framework.toml"


def test_a_rule_changed_without_a_log_entry_fails_the_check(tmp_path):
    path = _copy_registry(tmp_path)
    text = path.read_text()
    margin = re.search(r'\[claims\."C1\.5"\][^\[]*?margin = ([0-9.e-]+)', text, re.S)
    path.write_text(text[:margin.start(1)] + "99.0" + text[margin.end(1):])
    with pytest.raises(ValueError, match="without a deviations entry"):
        reg.check_registry(path.parent)
    fp = reg.current_fingerprints(path.parent)["ch01_framework"]
    path.write_text(path.read_text() + f'''
[[deviations]]
date = "2026-12-05"
claims = ["C1.5"]
old = "a smaller margin"
new = "margin 99"
reason = "a test of the log"
verdict_before = "supported"
verdict_after = "refuted"
fingerprint = "{fp}"
''')
    reg.check_registry(path.parent)
    reworded = path.read_text().replace('why = "', 'why = "Reworded: ', 1)
    path.write_text(reworded)
    reg.check_registry(path.parent)      # a reason may be reworded without a log entry


def test_notebook_rules_must_equal_the_registry(tmp_path):
    registered = claims.load_registry()["C1.5"].rule
    claims.ClaimsRecorder("ch01_framework", "smoke", {"C1.5": registered}, tmp_path)
    moved = Rule(registered.measure, registered.direction, registered.margin * 2)
    with pytest.raises(ValueError, match="differs from the registry"):
        claims.ClaimsRecorder("ch01_framework", "smoke", {"C1.5": moved}, tmp_path)


@pytest.mark.parametrize(
    ("table", "match"),
    [
        ({"kind": "guess", "why": "x", "measure": "m", "direction": "increase", "margin": 1.0}, "kind must be"),
        ({"kind": "experiment", "why": "measured 0.02", "measure": "m", "direction": "increase", "margin": 1.0},
         "not a measured value"),
        ({"kind": "demonstration", "why": "x", "measure": "m", "direction": "increase", "margin": 1.0}, "planted"),
        ({"kind": "identity", "why": "x"}, "unit test"),
        ({"kind": "identity", "why": "x", "test": "tests/t.py::test_a", "measure": "m"}, "no rule"),
        ({"kind": "experiment", "why": "x", "parts": {"a": {"measure": "m", "direction": "increase",
                                                             "margin": 1.0, "conjunct": "c"},
                                                       "b": {"measure": "m", "direction": "increase",
                                                             "margin": 1.0}}}, "needs combine"),
    ],
)
def test_bad_registry_entries_are_refused(table, match):
    with pytest.raises(ValueError, match=match):
        reg.parse_claim("C1.1", "ch01_framework", table)


def test_notebooks_read_their_rules_from_the_registry():
    import json

    for nb in sorted((ROOT / "notebooks").glob("ch*.ipynb")):
        code = "\n".join("".join(c["source"]) for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "code")
        assert "Rule(" not in code, f"{nb.name} declares a rule; rules live in mlsd_lib/claims/registry/"
        assert f'ClaimsRecorder.from_registry("{nb.stem}"' in code, f"{nb.name} must read its rules from the registry"
