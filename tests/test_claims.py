"""The claims ledger API: recording, validation, files on disk, and the rendered page."""

from __future__ import annotations

import json

import pytest

from mlsd_lib import claims


def test_catalogue_has_every_chapter():
    cat = claims.claim_catalog()
    assert {claims.chapter_of(c) for c in cat} == {1, 2, 3, 4, 5, 6}
    assert len([c for c in cat if c.startswith("C1.")]) == 12
    assert claims.anchor_of("C6.10") == "claim-c6-10"


def test_recorder_writes_validated_records(tmp_path):
    rec = claims.ClaimsRecorder("ch01_framework", "smoke", tmp_path, declared=["C1.1", "C1.2"])
    rec.record("C1.1", "supported", {"a": 0.5, "n": 3}, "A finding.")
    payload = json.loads((tmp_path / "ch01_framework.json").read_text())
    assert payload["size"] == "smoke" and payload["declared"] == ["C1.1", "C1.2"]
    assert payload["records"][0]["figures"] == {"a": 0.5, "n": 3.0}
    assert payload["records"][0]["anchor"] == "claim-c1-1"
    with pytest.raises(AssertionError, match="C1.2"):
        rec.check_complete()
    rec.record("C1.2", "depends", {"b": 1.0}, "Another.")
    rec.check_complete()
    assert list(rec.summary()["claim"]) == ["C1.1", "C1.2"]


def test_new_recorder_starts_the_file_afresh(tmp_path):
    claims.ClaimsRecorder("ch01_framework", "full", tmp_path).record("C1.1", "supported", {"a": 1}, "x")
    claims.ClaimsRecorder("ch01_framework", "full", tmp_path)
    assert json.loads((tmp_path / "ch01_framework.json").read_text())["records"] == []


@pytest.mark.parametrize(
    "claim_id, verdict, figures, finding, match",
    [
        ("C9.9", "supported", {"a": 1}, "x", "unknown claim id"),
        ("C1.1", "true", {"a": 1}, "x", "verdict must be one of"),
        ("C1.1", "supported", {}, "x", "non-empty dict"),
        ("C1.1", "supported", {"a": float("nan")}, "x", "finite number"),
        ("C1.1", "supported", {"a": "high"}, "x", "finite number"),
        ("C1.1", "supported", {"a": 1}, "", "one-line sentence"),
        ("C1.1", "supported", {"a": 1}, "two\nlines", "one line"),
    ],
)
def test_bad_records_are_refused(tmp_path, claim_id, verdict, figures, finding, match):
    rec = claims.ClaimsRecorder("ch01_framework", "smoke", tmp_path)
    with pytest.raises(ValueError, match=match):
        rec.record(claim_id, verdict, figures, finding)


def test_recorder_argument_errors(tmp_path):
    with pytest.raises(ValueError, match="notebook stem"):
        claims.ClaimsRecorder("chapter one", "smoke", tmp_path)
    with pytest.raises(ValueError, match="size must be"):
        claims.ClaimsRecorder("ch01_framework", "medium", tmp_path)
    with pytest.raises(ValueError, match="not in the catalogue"):
        claims.ClaimsRecorder("ch01_framework", "smoke", tmp_path, declared=["C7.1"])
    with pytest.raises(ValueError, match="look like"):
        claims.chapter_of("1.4")


def test_tampered_file_fails_to_load(tmp_path):
    rec = claims.ClaimsRecorder("ch01_framework", "smoke", tmp_path)
    rec.record("C1.1", "supported", {"a": 1}, "x")
    path = tmp_path / "ch01_framework.json"
    payload = json.loads(path.read_text())
    payload["records"][0]["verdict"] = "probably"
    path.write_text(json.dumps(payload))
    with pytest.raises(ValueError, match="verdict"):
        claims.load_records(tmp_path)


def test_ledger_lists_every_claim_and_counts_decided(tmp_path):
    rec = claims.ClaimsRecorder("ch01_framework", "smoke", tmp_path)
    rec.record("C1.4", "depends", {"recall_gain": 0.27}, "Moves the operating point.")
    rec.record("C1.5", "refuted", {"x": 2}, "Did not hold.")
    page = claims.render_ledger(tmp_path)
    for cid in claims.claim_catalog():
        assert f"| {cid} |" in page
    assert "**2 of 53 claims decided" in page
    assert "Ch. 1 (Framework): 2/12" in page and "Ch. 6 (Video recommendation): 0/10" in page
    assert "{ref}`decided in ch01_framework <claim-c1-4>`" in page
    assert "recall gain = 0.27" in page and "| **depends** |" in page
    assert page.count("*not yet tested*") == 51
    assert "1 refuted" in page and "1 depends" in page


def test_empty_ledger_renders(tmp_path):
    page = claims.render_ledger(tmp_path)
    assert "**0 of 53 claims decided" in page
