"""Repository rules: pins agree, notebooks are stripped and listed, chapters share one shape."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from conftest import NOTEBOOK_DIR, ROOT, chapter_notebooks

HEADINGS = [
    "Clarifying requirements",
    "Framing the problem as an ML task",
    "Data preparation",
    "Model development",
    "Evaluation",
    "Serving",
    "Monitoring and talking points",
]
NOTEBOOKS = chapter_notebooks()


def _pins(lines):
    pins = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*==\s*([^\s;]+)", line)
        if m:
            pins[m.group(1).lower().replace("_", "-")] = m.group(2)
    return pins


def test_requirements_and_environment_yml_agree():
    req = _pins((ROOT / "requirements.txt").read_text().splitlines())
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    assert _pins(pip_section) == req, "environment.yml pip pins differ from requirements.txt"
    assert any(d.startswith("python=3.11") for d in conda)


def test_every_requirement_is_pinned_and_torch_is_2_13():
    lines = [ln.split("#", 1)[0].strip() for ln in (ROOT / "requirements.txt").read_text().splitlines()]
    lines = [ln for ln in lines if ln]
    unpinned = [ln for ln in lines if "==" not in ln]
    assert not unpinned, f"unpinned requirements: {unpinned}"
    assert _pins(lines)["torch"] == "2.13.0"


def test_notebooks_listed_in_toc():
    toc = (ROOT / "_toc.yml").read_text()
    for nb in NOTEBOOKS:
        assert f"notebooks/{nb.stem}" in toc, f"{nb.name} is not in _toc.yml"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_stripped(nb):
    cells = json.loads(nb.read_text())["cells"]
    dirty = [i for i, c in enumerate(cells) if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))]
    assert not dirty, f"{nb.name}: cells {dirty} carry outputs; strip them before committing"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_shape(nb):
    cells = json.loads(nb.read_text())["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert code, f"{nb.name} has no code"
    first = code[0]
    assert "parameters" in first.get("metadata", {}).get("tags", []), "first code cell must be tagged 'parameters'"
    src = "".join(first["source"])
    assert re.search(r'SIZE\s*=\s*os\.environ\.get\("MLSD_SIZE",\s*"full"\)', src), "SIZE must default to $MLSD_SIZE or 'full'"
    assert re.search(r"SEED\s*=\s*\d+", src), "the parameters cell must set SEED"
    heads = [
        line.lstrip("#").strip()
        for c in cells if c["cell_type"] == "markdown"
        for line in "".join(c["source"]).splitlines() if re.match(r"^## ", line)
    ]
    found = [h for h in HEADINGS if any(x.startswith(h) for x in heads)]
    assert found == HEADINGS, f"{nb.name}: second-level headings must include, in order, {HEADINGS}; found {heads}"
    order = [next(i for i, x in enumerate(heads) if x.startswith(h)) for h in HEADINGS]
    assert order == sorted(order), f"{nb.name}: the seven steps are out of order"
    all_code = "\n".join("".join(c["source"]) for c in code)
    checks = re.findall(r"^\s*assert |\.expect\(", all_code, re.M)
    assert len(checks) >= 3, f"{nb.name}: a chapter must check its figures (asserts, decision.expect)"
    assert "NBVAL_CHECK_OUTPUT" in all_code, f"{nb.name}: mark the key-figure cells with # NBVAL_CHECK_OUTPUT"


def test_claim_catalogue_matches_shared_copy():
    shared = ROOT.parent / "shared" / "CLAIMS.md"
    if not shared.exists():
        pytest.skip("no ../shared/CLAIMS.md beside this checkout")
    assert (ROOT / "mlsd_lib" / "claims" / "catalog.md").read_text() == shared.read_text(), (
        "mlsd_lib/claims/catalog.md is out of date: copy ../shared/CLAIMS.md over it"
    )


def test_data_readme_names_every_loader():
    readme = (ROOT / "data" / "README.md").read_text()
    import mlsd_lib.data as data

    for name in data.__all__:
        if name.startswith("load_"):
            assert name in readme, f"data/README.md does not document {name}"
    big = [p for p in (ROOT / "data").rglob("*") if p.is_file() and p.stat().st_size > 20e6]
    assert not big, f"data files over 20 MB: {big}"
    total = sum(p.stat().st_size for p in (ROOT / "data").rglob("*") if p.is_file())
    assert total < 40e6, f"data/ holds {total / 1e6:.1f} MB; keep it under 40 MB"


def test_no_runtime_downloads_in_code():
    pat = re.compile(r"urlretrieve|requests\.get\(|download\s*=\s*True|hf_hub_download|torch\.hub\.load|snapshot_download")
    offenders = [
        str(p.relative_to(ROOT))
        for p in list((ROOT / "mlsd_lib").rglob("*.py")) + list(NOTEBOOK_DIR.glob("*.ipynb"))
        if pat.search(p.read_text())
    ]
    assert not offenders, f"run-time downloads found in {offenders}"


VERDICT_WORDS = ("supported", "refuted", "depends", "inconclusive")
WORKSHOP_WORDS = re.compile(r"\bsmoke\b|\bfull[- ]size\b|\bfull run\b|\(aim\b|\baim(s|ed)? (at|for|of)\b|"
                            r"\btarget(s|ed)? (time|budget|speed)\b|\bissue #?\d+", re.I)


def _string_literals(code: str):
    import io
    import tokenize

    lines = [ln for ln in code.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    try:
        for tok in tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline):
            if tok.type == tokenize.STRING:
                yield tok.string
    except (tokenize.TokenError, IndentationError):
        return


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_no_notebook_types_a_verdict(nb):
    """Verdicts come from the declared rule (claims.decide), never from a string literal."""
    cells = json.loads(nb.read_text())["cells"]
    typed = []
    for i, c in enumerate(cells):
        if c["cell_type"] != "code":
            continue
        # decision.expect("supported") states the reading the prose relies on; it fails only on
        # the opposite verdict, so its argument is not a typed verdict
        source = re.sub(r"\.expect\(\s*[\"'](supported|refuted)[\"']\s*\)", ".expect()", "".join(c["source"]))
        for lit in _string_literals(source):
            body = lit.strip("rbfuRBFU").strip("'\"").strip().lower()
            if body in VERDICT_WORDS:
                typed.append((i, lit))
    assert not typed, f"{nb.name}: literal verdict strings in code cells {typed}"
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert "ledger.record(" in code and "ledger.decide(" in code


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_reader_text_has_no_workshop_words(nb):
    cells = json.loads(nb.read_text())["cells"]
    found = []
    for i, c in enumerate(cells):
        if c["cell_type"] == "markdown":
            found += [(i, m.group(0)) for m in WORKSHOP_WORDS.finditer("".join(c["source"]))]
    assert not found, f"{nb.name}: workshop words in reader-facing markdown {found}"


def test_package_docstring_maps_every_module():
    import pkgutil

    import mlsd_lib

    missing = [m.name for m in pkgutil.walk_packages(mlsd_lib.__path__, "mlsd_lib.")
               if f"``{m.name.rsplit('.', 1)[-1]}``" not in mlsd_lib.__doc__]
    assert not missing, f"add {missing} to the module table in mlsd_lib/__init__.py"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_headings_never_skip_a_level(nb):
    """Sphinx (-W) fails the book on an H1 -> H3 jump; catch it here in a second."""
    level, jumps = 0, []
    for c in json.loads(nb.read_text())["cells"]:
        if c["cell_type"] != "markdown":
            continue
        in_fence = False
        for line in "".join(c["source"]).splitlines():
            if line.lstrip().startswith(("```", ":::")):
                in_fence = not in_fence
            m = re.match(r"^(#{1,6}) ", line)
            if m and not in_fence:
                new = len(m.group(1))
                if new > level + 1:
                    jumps.append(line)
                level = new
    assert not jumps, f"{nb.name}: headings that skip a level: {jumps}"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_no_code_cell_is_removed_from_the_run(nb):
    """The book executes inline (myst-nb), which skips a ``remove-cell`` code cell altogether, so
    its quotes and variables would exist in JupyterLab and the tests but not in the book. A cell
    that should not show uses ``remove-input`` (it runs, and shows nothing when it prints nothing)."""
    cells = json.loads(nb.read_text())["cells"]
    removed = [i for i, c in enumerate(cells)
               if c["cell_type"] == "code" and "remove-cell" in c.get("metadata", {}).get("tags", [])]
    assert not removed, f"{nb.name}: code cells {removed} are tagged remove-cell; tag them remove-input"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_first_screen_is_prose_and_set_up_is_folded(nb):
    """A chapter opens with its title and introduction; set-up code sits behind a toggle."""
    cells = json.loads(nb.read_text())["cells"]
    assert cells[0]["cell_type"] == "markdown" and "".join(cells[0]["source"]).startswith("# "), (
        f"{nb.name}: the first cell must be the title and introduction")
    folded = {"hide-input", "hide-cell", "remove-input", "remove-cell"}
    unfolded = []
    for i, c in enumerate(cells):
        if c["cell_type"] == "markdown" and re.search(r"^## ", "".join(c["source"]), re.M):
            break
        if c["cell_type"] == "code" and not folded & set(c.get("metadata", {}).get("tags", [])):
            unfolded.append(i)
    assert not unfolded, (f"{nb.name}: code cells {unfolded} come before the first section unfolded; "
                          "tag set-up cells hide-input (parameters, sizes) or hide-cell (imports)")
