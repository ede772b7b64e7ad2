"""Unit tests of ``mlsd_lib.claims.ledger``."""

from __future__ import annotations

from mlsd_lib import claims

from ._helpers import INC, _eff


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


def test_empty_ledger_renders(tmp_path):
    page = claims.render_ledger(tmp_path, comparisons={})
    assert "**0 of 53 claims are decided by an executed experiment.**" in page
    assert "### Changes to registered rules" in page
