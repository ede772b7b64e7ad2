"""The claims ledger API: evidence, declared rules, verdicts, records on disk, the page."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats

from mlsd_lib import claims
from mlsd_lib.claims import Effect, Rule

INC = Rule("metric, A minus B", "increase", margin=0.01)
DEC = Rule("latency, A minus B", "decrease", margin=0.01)
EQ = Rule("weights, DDP minus single process", "equivalent", margin=1e-4)


def _eff(mean, low, high, n=5, evidence="seeds", confidence=0.95):
    return Effect(mean, low, high, n, evidence, confidence=confidence)


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


def test_conditions_combine_into_depends():
    d = claims.decide("C1.4", INC, {"small": _eff(0.05, 0.03, 0.07, confidence=0.975),
                                    "large": _eff(0.0, -0.005, 0.005, confidence=0.975)},
                      condition="training-set size")
    assert d.verdict == "depends" and d.verdicts() == {"small": "supported", "large": "refuted"}
    assert "small:" in d.describe() and "(refuted)" in d.describe()
    mixed = claims.decide("C1.4", INC, {"a": _eff(0.05, 0.03, 0.07, confidence=0.975),
                                        "b": _eff(0.02, -0.01, 0.05, confidence=0.975)}, "x")
    assert mixed.verdict == "inconclusive" and "about" in mixed.what_would_decide()


def _recorder(tmp_path, size="smoke", **kw):
    rules = {"C1.1": INC, "C1.2": EQ}
    return claims.ClaimsRecorder("ch01_framework", size, rules, directory=tmp_path, registry=False, **kw)


def test_recorder_writes_validated_records(tmp_path):
    rec = _recorder(tmp_path, seed=1)
    d = rec.decide("C1.1", claims.effect_over_seeds([0.05, 0.06, 0.07]))
    rec.record(d, "A finding.", figures={"a": 0.5, "n": 3})
    payload = json.loads((tmp_path / "ch01_framework.json").read_text())
    assert payload["size"] == "smoke" and payload["declared"] == ["C1.1", "C1.2"] and payload["seed"] == 1
    r = payload["records"][0]
    assert r["verdict"] == "supported" and r["figures"] == {"a": 0.5, "n": 3.0}
    assert r["effects"][""]["n"] == 3 and r["rule"]["margin"] == 0.01 and r["anchor"] == "claim-c1-1"
    with pytest.raises(AssertionError, match="C1.2"):
        rec.check_complete()
    rec.record(rec.decide("C1.2", claims.exact_effect(3e-8)), "Another.")
    rec.check_complete()
    summary = rec.summary()
    assert list(summary["claim"]) == ["C1.1", "C1.2"] and "95% CI" in summary["effect (95% CI)"][0]


def test_recorder_takes_a_slice_of_a_results_table(tmp_path):
    import pandas as pd

    table = pd.DataFrame({"pr_auc": [0.66, 0.65], "roc_auc": [0.8, 0.79]}, index=["impute", "delete"])
    rec = _recorder(tmp_path)
    r = rec.record(rec.decide("C1.1", claims.exact_effect(0.2)), "x", figures=table.loc["impute"])
    assert r.figures == {"pr_auc": 0.66, "roc_auc": 0.8}
    with pytest.raises(ValueError, match="one row"):
        rec.record(rec.decide("C1.1", claims.exact_effect(0.2)), "x", figures=table)


def test_recorder_refuses_typed_verdicts_and_undeclared_rules(tmp_path):
    rec = _recorder(tmp_path)
    with pytest.raises(TypeError, match="never typed"):
        rec.record("supported", "x")
    with pytest.raises(ValueError, match="not registered"):
        rec.decide("C1.5", claims.exact_effect(1.0))
    foreign = claims.decide("C1.1", Rule("m", "increase", 0.0), claims.exact_effect(1.0))
    with pytest.raises(ValueError, match="rule registered for it"):
        rec.record(foreign, "x")


def test_recorder_refuses_a_verdict_that_disagrees_with_its_evidence(tmp_path):
    rec = _recorder(tmp_path)
    rec.record(rec.decide("C1.1", _eff(0.002, -0.004, 0.008)), "Too small to matter.")
    path = tmp_path / "ch01_framework.json"
    payload = json.loads(path.read_text())
    assert payload["records"][0]["verdict"] == "refuted"
    payload["records"][0]["verdict"] = "supported"
    path.write_text(json.dumps(payload))
    with pytest.raises(ValueError, match="its rule applied to its effects gives 'refuted'"):
        claims.load_records(tmp_path)
    payload["records"][0]["verdict"] = "refuted"
    payload["records"][0]["effects"][""]["low"] = 0.02   # evidence edited after the fact
    path.write_text(json.dumps(payload))
    with pytest.raises(ValueError, match="low <= mean <= high"):
        claims.load_records(tmp_path)


@pytest.mark.parametrize(
    ("figures", "finding", "match"),
    [
        ({"a": float("nan")}, "x", "finite number"),
        ({"a": "high"}, "x", "finite number"),
        ({"a": 1}, "", "one-line sentence"),
        ({"a": 1}, "two\nlines", "one line"),
    ],
)
def test_bad_records_are_refused(tmp_path, figures, finding, match):
    rec = _recorder(tmp_path)
    with pytest.raises(ValueError, match=match):
        rec.record(rec.decide("C1.1", claims.exact_effect(1.0)), finding, figures=figures)


def test_recorder_argument_errors(tmp_path):
    with pytest.raises(ValueError, match="notebook stem"):
        claims.ClaimsRecorder("chapter one", "smoke", {"C1.1": INC}, tmp_path, registry=False)
    with pytest.raises(ValueError, match="size must be"):
        claims.ClaimsRecorder("ch01_framework", "medium", {"C1.1": INC}, tmp_path, registry=False)
    with pytest.raises(ValueError, match="not in the catalogue"):
        claims.ClaimsRecorder("ch01_framework", "smoke", {"C7.1": INC}, tmp_path, registry=False)
    with pytest.raises(ValueError, match="declared up front"):
        claims.ClaimsRecorder("ch01_framework", "smoke", {}, tmp_path, registry=False)
    with pytest.raises(TypeError, match="must be a Rule, or a mapping"):
        claims.ClaimsRecorder("ch01_framework", "smoke", {"C1.1": "increase"}, tmp_path, registry=False)
    with pytest.raises(ValueError, match="claim_id must look like"):
        claims.chapter_of("1.4")


def test_new_recorder_starts_the_file_afresh(tmp_path):
    rec = _recorder(tmp_path, size="full")
    rec.record(rec.decide("C1.1", claims.exact_effect(1.0)), "x")
    _recorder(tmp_path, size="full")
    assert json.loads((tmp_path / "ch01_framework.json").read_text())["records"] == []


def test_ledger_lists_every_claim_with_effect_interval_and_rule(tmp_path):
    rules = {"C1.4": {"recall": INC, "PR-AUC": INC}, "C1.5": INC, "C1.6": INC}
    rec = claims.ClaimsRecorder("ch01_framework", "full", rules, tmp_path, registry=False)
    rec.record(rec.decide("C1.4", {"recall": _eff(0.25, 0.2, 0.3, 20, "splits", 0.975),
                                    "PR-AUC": _eff(0.0, -0.004, 0.004, 20, "splits", 0.975)}, "metric"),
               "Moves the operating point.", figures={"recall_gain": 0.27})
    rec.record(rec.decide("C1.5", _eff(-0.02, -0.03, -0.01)), "Did not hold.")
    rec.record(rec.decide("C1.6", _eff(0.02, -0.01, 0.05)), "Too noisy to tell.")
    page = claims.render_ledger(tmp_path, comparisons={})
    for cid in claims.claim_catalog():
        assert f"| {cid} |" in page
    assert "**3 of 53 claims are decided by an executed experiment.**" in page
    assert "Ch. 1 (Framework): 3/12" in page and "Ch. 6 (Video recommendation): 0/10" in page
    assert "{ref}`decided in ch01_framework <claim-c1-4>`" in page
    assert "recall gain = 0.27" in page and "| **depends** |" in page and "by metric:" in page
    assert "95% CI [-0.03, -0.01], 5 seeds" in page and "increase of at least 0.01" in page
    assert "More evidence would decide it" in page and "97.5% CI" in page
    assert page.count("*not yet tested*") + page.count("*not yet shown*") == 50
    assert "1 refuted" in page and "1 depends" in page and "1 inconclusive" in page


def test_verdicts_in_reads_back(tmp_path):
    rec = _recorder(tmp_path)
    rec.record(rec.decide("C1.1", _eff(0.03, 0.02, 0.04)), "x")
    assert claims.verdicts_in(tmp_path) == {"C1.1": "supported"}


def test_empty_ledger_renders(tmp_path):
    page = claims.render_ledger(tmp_path, comparisons={})
    assert "**0 of 53 claims are decided by an executed experiment.**" in page
    assert "### Changes to registered rules" in page


def test_catalogue_has_every_chapter():
    cat = claims.claim_catalog()
    assert {claims.chapter_of(c) for c in cat} == {1, 2, 3, 4, 5, 6}
    assert len([c for c in cat if c.startswith("C1.")]) == 12
    assert claims.anchor_of("C6.10") == "claim-c6-10"


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


def test_per_condition_rules_decide_each_condition_in_its_own_units(tmp_path):
    rules = {"C1.11": {"latency (ms)": Rule("latency, batch minus online (ms)", "decrease", margin=0.5),
                       "agreement, fast data": Rule("agreement with a fresh decision", "decrease", margin=0.01),
                       "agreement, slow data": Rule("agreement with a fresh decision", "decrease", margin=0.01)}}
    rec = claims.ClaimsRecorder("ch01_framework", "full", rules, directory=tmp_path, registry=False)
    level = claims.adjusted_confidence(3)
    effects = {"latency (ms)": _eff(-6.8, -6.9, -6.6, confidence=level),
               "agreement, fast data": _eff(-0.05, -0.07, -0.03, confidence=level),
               "agreement, slow data": _eff(-0.003, -0.007, 0.0, confidence=level)}
    d = rec.decide("C1.11", effects, condition="what is compared, and how fast the data changes")
    assert d.verdicts() == {"latency (ms)": "supported", "agreement, fast data": "supported",
                            "agreement, slow data": "refuted"}
    assert d.verdict == "depends" and "latency (ms): latency, batch minus online (ms)" in d.measure
    rec.record(d, "Batch is faster; it is staler only when data moves fast.")
    assert claims.verdicts_in(tmp_path) == {"C1.11": "depends"}
    page = claims.render_ledger(tmp_path, comparisons={})
    assert "latency (ms): decrease of at least 0.5" in page
    with pytest.raises(ValueError, match="must match"):
        rec.decide("C1.11", {"latency (ms)": _eff(-6.8, -6.9, -6.6)}, condition="x")
    with pytest.raises(TypeError, match="per-condition rules"):
        claims.ClaimsRecorder("ch01_framework", "full", {"C1.11": {"a": "decrease"}}, directory=tmp_path,
                              registry=False)
