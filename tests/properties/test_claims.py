"""Property tests of the claims ledger and the prose helpers (see tests/contracts/_contract.py).

Beyond the shared contract (finite results, errors that name the argument), the verdict rule
itself has properties that must hold for every effect: mirrored effects under mirrored
directions get the same verdict, a verdict never moves the wrong way as the interval shifts
towards the claim, and a recorded verdict always agrees with its own evidence.
"""

from __future__ import annotations

import tempfile

import numpy as np
import pytest
from contracts._contract import FINITE, PROFILE, Case, finite_float
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsd_lib import claims as C
from mlsd_lib import prose as P
from mlsd_lib.claims import ledger as L
from mlsd_lib.claims import registry as R

DIRECTIONS = st.sampled_from(C.DIRECTIONS)
MARGIN = st.floats(0.001, 10.0, allow_nan=False)


@st.composite
def effects(draw):
    mean = draw(FINITE)
    below, above = draw(st.floats(0, 100)), draw(st.floats(0, 100))
    return C.Effect(mean, mean - below, mean + above, draw(st.integers(2, 50)), "seeds")


@st.composite
def rules(draw):
    return C.Rule("effect", draw(DIRECTIONS), draw(MARGIN))


def _interval(e, kw):
    assert isinstance(e, C.Effect) and e.low <= e.mean <= e.high
    finite_float(e.mean)
    finite_float(e.low)
    finite_float(e.high)


def _with_recorder(fn):
    def call(kw):
        with tempfile.TemporaryDirectory() as tmp:
            ledger = C.ClaimsRecorder("ch01_framework", "smoke", {"C1.1": kw["rule"]}, directory=tmp, registry=False)
            return fn(ledger, kw, tmp)
    return call


def _record_and_render(ledger, kw, tmp):
    rec = ledger.record(ledger.decide("C1.1", kw["effect"]), "A finding.", figures={"x": 1.0})
    assert C.verdicts_in(tmp) == {"C1.1": rec.verdict}
    assert "C1.1" in C.load_records(tmp)["ch01_framework"]["declared"]
    assert f"**{rec.verdict}**" in C.render_ledger(tmp, comparisons={})
    assert C.main([tmp]) == 0
    C.validate_record(rec)
    return rec


VECTOR = st.lists(FINITE, min_size=2, max_size=30).map(np.asarray)

def _quote_into(kw):
    namespace = {}
    P.quote(kw["name"], kw["value"], namespace)
    return namespace["quoted"]


CASES = [
    Case(C.effect_over_seeds, VECTOR.map(lambda v: {"values": v}), _interval, {"values": "sample"},
         covers=(C.Effect,)),
    Case(C.effect_over_splits, VECTOR.map(lambda v: {"values": v, "test_fraction": 0.25}), _interval,
         {"values": "sample", "test_fraction": "prob"}),
    Case(C.bootstrap_effect, VECTOR.map(lambda v: {"values": v, "baseline": v[::-1], "n_resamples": 200}),
         _interval, {"values": "sample", "baseline": "array_opt"}),
    Case(C.bootstrap_over_seeds, st.lists(VECTOR, min_size=3, max_size=5).map(
        lambda vs: {"values": vs, "n_resamples": 100}), _interval, {"n_resamples": "count"}, examples=10),
    Case(C.insufficient_effect, st.lists(FINITE, max_size=1).map(lambda v: {"values": v, "evidence": "units"}),
         lambda r, kw: None if not r.decidable else pytest.fail(str(r)), {"values": "sample"}),
    Case(C.adjusted_confidence, st.integers(1, 20).map(lambda k: {"k": k}),
         lambda r, kw: None if 0.95 <= r < 1 else pytest.fail(r), {"k": "count"}),
    Case(C.quote_effect, effects().map(lambda e: {"effect": e}), lambda r, kw: None if r.startswith(("+", "-")) else pytest.fail(r)),
    Case(C.conjunction, st.dictionaries(st.text(min_size=1, max_size=3), st.sampled_from(C.VERDICTS),
                                        min_size=1, max_size=4).map(lambda d: {"verdicts": d}),
         lambda r, kw: None if r in C.VERDICTS else pytest.fail(r)),
    Case(C.tune_each_arm, st.lists(FINITE, min_size=2, max_size=4).map(
        lambda v: {"arms": {"a": {str(i): (lambda x=x: x) for i, x in enumerate(v)},
                            "b": {str(i): (lambda x=x: -x) for i, x in enumerate(v)}}}),
         lambda r, kw: None if set(r) == {"a", "b"} else pytest.fail(r), covers=(C.ArmChoice,)),
    Case(C.compare_verdicts, st.tuples(*[st.dictionaries(st.sampled_from(["C1.1", "C2.3", "C6.10"]),
                                                         st.sampled_from(C.VERDICTS)) for _ in range(2)]).map(
        lambda t: {"first": t[0], "second": t[1]}), lambda r, kw: None if set(r) == {"opposite", "unstable", "missing"}
         else pytest.fail(r)),
    Case(C.exact_effect, FINITE.map(lambda v: {"value": v}), _interval, {"value": "float"}),
    Case(C.Rule, st.tuples(DIRECTIONS, MARGIN).map(lambda t: {"measure": "m", "direction": t[0], "margin": t[1]}),
         lambda r, kw: None, {"margin": "nonneg_float", "direction": "choice"}),
    Case(C.combine_verdicts, st.dictionaries(st.text(min_size=1, max_size=3),
                                              st.sampled_from(["supported", "refuted", "inconclusive"]),
                                              min_size=1, max_size=4).map(lambda d: {"verdicts": d}),
         lambda r, kw: None if r in C.VERDICTS else pytest.fail(r)),
    Case(C.decide, st.tuples(rules(), effects()).map(lambda t: {"claim_id": "C1.1", "rule": t[0], "effect": t[1]}),
         lambda r, kw: None if r.verdict == kw["rule"].verdict(kw["effect"]) else pytest.fail(str(r)),
         covers=(C.Decision,)),
    Case(C.ClaimsRecorder, st.tuples(rules(), effects()).map(lambda t: {"rule": t[0], "effect": t[1]}),
         lambda r, kw: None, call=_with_recorder(_record_and_render),
         covers=(C.ClaimRecord, C.validate_record, C.load_records, C.verdicts_in, C.render_ledger, C.main),
         examples=8),
    Case(C.claim_catalog, st.just({}), lambda r, kw: None if len(r) == 53 else pytest.fail(len(r)), examples=1),
    Case(C.chapter_of, st.integers(1, 6).map(lambda n: {"claim_id": f"C{n}.1"}),
         lambda r, kw: None if 1 <= r <= 6 else pytest.fail(r), {"claim_id": "choice"}),
    Case(C.anchor_of, st.integers(1, 6).map(lambda n: {"claim_id": f"C{n}.2"}),
         lambda r, kw: None if r.startswith("claim-c") else pytest.fail(r), {"claim_id": "choice"}),
    Case(C.default_claims_dir, st.just({}), lambda r, kw: None, examples=1),
    Case(R.load_registry, st.just({}), lambda r, kw: None if len(r) == 53 else pytest.fail(len(r)), examples=1,
         covers=(R.ClaimSpec, R.parse_claim, R.fingerprint, R.deviations, R.current_fingerprints,
                 R.render_deviations, R.main, R.check_registry, L.other_runs, L.main)),
    Case(R.chapter_registry, st.sampled_from(["ch01_framework", "ch06_video_recommendation"]).map(
        lambda c: {"chapter": c}), lambda r, kw: None if r else pytest.fail(r), {"chapter": "choice"}, examples=2),
    Case(P.quote, FINITE.map(lambda v: {"name": "x", "value": v}), lambda r, kw: None, {"name": "choice"}),
    # into a notebook's namespace: the markdown reads quoted.x back, text without a string's quotes
    Case(P.quote, st.one_of(FINITE, st.text(min_size=1, max_size=6)).map(lambda v: {"name": "x", "value": v}),
         lambda r, kw: None if (r.x == kw["value"] and (not isinstance(r.x, str) or repr(r.x) == kw["value"])
                                and "x" in repr(r)) else pytest.fail(repr(r.x)),
         {"name": "choice"}, call=_quote_into, covers=(P.QuotedText, P.QuotedValues)),
    Case(P.phrase, st.sampled_from(C.VERDICTS).map(lambda v: {"decision": v, "supported": "a", "refuted": "b",
                                                              "otherwise": "c"}),
         lambda r, kw: None if r in "abc" else pytest.fail(r), {"decision": "choice"}),
]


_MIRROR = {"increase": "decrease", "decrease": "increase", "no decrease": "no increase",
           "no increase": "no decrease", "equivalent": "equivalent"}


@settings(PROFILE, max_examples=200)
@given(rules(), effects())
def test_mirrored_effect_under_mirrored_direction_gets_the_same_verdict(rule, e):
    mirrored = C.Effect(-e.mean, -e.high, -e.low, e.n, e.evidence)
    assert rule.verdict(e) == C.Rule("m", _MIRROR[rule.direction], rule.margin).verdict(mirrored)


@settings(PROFILE, max_examples=200)
@given(st.sampled_from(["increase", "no decrease"]), MARGIN, effects(), st.floats(0, 50))
def test_moving_the_evidence_towards_the_claim_never_weakens_the_verdict(direction, margin, e, shift):
    rank = {"refuted": 0, "inconclusive": 1, "supported": 2}
    rule = C.Rule("m", direction, margin)
    better = C.Effect(e.mean + shift, e.low + shift, e.high + shift, e.n, e.evidence)
    assert rank[rule.verdict(better)] >= rank[rule.verdict(e)]


@pytest.mark.parametrize("bad", [None, float("nan"), float("inf"), [1.0], True])
def test_quote_refuses_what_the_prose_cannot_show(bad):
    with pytest.raises((ValueError, TypeError), match="x: value"):
        P.quote("x", bad)
