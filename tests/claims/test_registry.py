"""Unit tests of ``mlsd_lib.claims.registry``."""

from __future__ import annotations

import re
import shutil

import pytest
from conftest import ROOT

from mlsd_lib import claims
from mlsd_lib.claims import Rule
from mlsd_lib.claims import registry as reg

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
