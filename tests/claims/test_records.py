"""Unit tests of ``mlsd_lib.claims.records``."""

from __future__ import annotations

import json

import pytest

from mlsd_lib import claims
from mlsd_lib.claims import Rule

from ._helpers import EQ, INC, _eff


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


def test_verdicts_in_reads_back(tmp_path):
    rec = _recorder(tmp_path)
    rec.record(rec.decide("C1.1", _eff(0.03, 0.02, 0.04)), "x")
    assert claims.verdicts_in(tmp_path) == {"C1.1": "supported"}


def test_catalogue_has_every_chapter():
    cat = claims.claim_catalog()
    assert {claims.chapter_of(c) for c in cat} == {1, 2, 3, 4, 5, 6}
    assert len([c for c in cat if c.startswith("C1.")]) == 12
    assert claims.anchor_of("C6.10") == "claim-c6-10"


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


def test_compare_verdicts_in_both_directions():
    first = {"C1.1": "supported", "C1.2": "inconclusive", "C1.3": "refuted", "C1.4": "depends"}
    second = {"C1.1": "refuted", "C1.2": "supported", "C1.3": "refuted", "C1.4": "inconclusive", "C1.5": "supported"}
    diff = claims.compare_verdicts(first, second)
    assert diff["opposite"] == {"C1.1": ("supported", "refuted")}
    assert diff["unstable"] == {"C1.2": ("inconclusive", "supported"), "C1.4": ("depends", "inconclusive")}
    assert diff["missing"] == {"C1.5": (None, "supported")}
