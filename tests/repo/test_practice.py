"""The end of every chapter: measured trade-offs, interview practice, a serving diagram, formulas.

Each chapter closes with ``## Trade-offs, measured`` (a table from the run's own numbers) and
then ``## Interview practice``, its last level-2 section: 6-10 questions, each a markdown cell
``**Qn.** ...`` holding a collapsed ``{dropdown} Model answer`` that quotes the chapter's
measured figures through ``{eval}`` roles on ``quoted.<name>``, and a ``### Predict, then run`` subsection with at least
two exercises. The serving section draws its architecture with ``viz.architecture_diagram``
and the chapter writes its metrics and losses as ``$$`` formulas. Chapters still being written
are held to the same shape as they land. Static checks only: nothing is executed.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import chapter_notebooks

NOTEBOOKS = chapter_notebooks()
PRACTICE = "Interview practice"
TRADE_OFFS = "Trade-offs, measured"
PREDICT = "Predict, then run"

QUESTION = re.compile(r"^\*\*Q(\d+)\.\*\*")
EXERCISE = re.compile(r"^\*\*Exercise (\d+)\.\*\*")
# ```{dropdown} Model answer ... ``` (backtick fence of 3+) or :::{dropdown} Model answer ... :::
DROPDOWN = re.compile(r"^(?P<fence>`{3,}|:{3,})\{dropdown\}[ \t]+Model answer[^\n]*\n(?P<body>.*?)^(?P=fence)[ \t]*$",
                      re.M | re.S)
# {eval}`quoted.name` or {eval}`f"{quoted.name:.3f}"` (mlsd_lib/prose.py; the regex in _config.yml)
EVAL_REF = re.compile(r'\{eval\}`(?:f"\{)?quoted\.([A-Za-z_]\w*)(?::[^"{}`]+\}")?`')
ANY_ROLE = re.compile(r"\{(eval|glue[:\w]*)\}`([^`]*)`")
QUOTE_CALL = re.compile(r"\bquote\(\s*(f?)(['\"])(.+?)\2")
QUOTE_BY_NAME = re.compile(r"\bquote\(\s*[A-Za-z_]\w*\s*,")
STRING = re.compile(r"(['\"])([A-Za-z_]\w*)\1")


def _cells(nb):
    return json.loads(nb.read_text())["cells"]


def _src(cell) -> str:
    return "".join(cell["source"])


def _headings(cells):
    """(cell index, level, title) of every markdown heading outside fenced blocks."""
    out = []
    for i, c in enumerate(cells):
        if c["cell_type"] != "markdown":
            continue
        fence = None
        for line in _src(c).splitlines():
            m = re.match(r"^\s*(`{3,}|:{3,})", line)
            if m:
                fence = None if fence and m.group(1).startswith(fence) else (fence or m.group(1))
                continue
            h = re.match(r"^(#{1,6}) (.+?)\s*$", line)
            if h and not fence:
                out.append((i, len(h.group(1)), h.group(2)))
    return out


def quoted_names(cells) -> tuple[set[str], list[re.Pattern]]:
    """Names the code cells quote: literal ``quote("name", ...)`` calls, f-string names as
    patterns, and, where a cell quotes a variable (``for name, v in {...}.items(): quote(name, v)``),
    every identifier-like string literal of that cell."""
    names, patterns = set(), []
    for c in cells:
        if c["cell_type"] != "code":
            continue
        src = _src(c)
        for is_f, _, text in QUOTE_CALL.findall(src):
            if is_f:
                parts = re.split(r"\{[^{}]*\}", text)
                patterns.append(re.compile("^" + ".+?".join(map(re.escape, parts)) + "$"))
            else:
                names.add(text)
        if QUOTE_BY_NAME.search(src):
            names.update(m.group(2) for m in STRING.finditer(src))
    return names, patterns


def _is_quoted(name: str, names: set[str], patterns: list[re.Pattern]) -> bool:
    return name in names or any(p.match(name) for p in patterns)


def _section(cells, title, level=2):
    """The cells from the heading ``title`` (at ``level``) to the next heading of that level or higher."""
    heads = _headings(cells)
    starts = [i for i, lvl, t in heads if lvl == level and t == title]
    if not starts:
        return None
    start = starts[0]
    ends = [i for i, lvl, _ in heads if lvl <= level and i > start]
    return cells[start:ends[0] if ends else len(cells)]


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_interview_practice_is_the_last_section(nb):
    level2 = [t for _, lvl, t in _headings(_cells(nb)) if lvl == 2]
    assert PRACTICE in level2, f"{nb.name}: no '## {PRACTICE}' section"
    assert level2[-1] == PRACTICE, f"{nb.name}: '## {PRACTICE}' must be the last level-2 section, found {level2[-1]!r}"
    assert TRADE_OFFS in level2, f"{nb.name}: no '## {TRADE_OFFS}' section"
    assert level2.index(TRADE_OFFS) < level2.index(PRACTICE), f"{nb.name}: trade-offs come before the practice"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_questions_have_model_answers_that_quote_the_run(nb):
    cells = _cells(nb)
    section = _section(cells, PRACTICE)
    assert section, f"{nb.name}: no '## {PRACTICE}' section"
    names, patterns = quoted_names(cells)
    questions = [c for c in section if c["cell_type"] == "markdown" and QUESTION.match(_src(c).lstrip())]
    numbers = [int(QUESTION.match(_src(c).lstrip()).group(1)) for c in questions]
    assert 6 <= len(questions) <= 10, f"{nb.name}: {len(questions)} questions; a chapter asks 6 to 10"
    assert numbers == list(range(1, len(numbers) + 1)), f"{nb.name}: questions numbered {numbers}"
    for n, c in zip(numbers, questions, strict=True):
        answers = list(DROPDOWN.finditer(_src(c)))
        assert len(answers) == 1, f"{nb.name}: Q{n} needs one collapsed '{{dropdown}} Model answer' in its cell"
        refs = EVAL_REF.findall(answers[0].group("body"))
        assert refs, f"{nb.name}: Q{n}'s model answer quotes no measured figure ({{eval}}`quoted.name`)"
        unknown = [r for r in refs if not _is_quoted(r, names, patterns)]
        assert not unknown, f"{nb.name}: Q{n} quotes {unknown}, which no code cell quotes"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_predict_then_run_exercises(nb):
    section = _section(_cells(nb), PRACTICE) or []
    subs = [t for _, lvl, t in _headings(section) if lvl == 3]
    assert subs == [PREDICT], f"{nb.name}: '## {PRACTICE}' holds exactly one '### {PREDICT}', found {subs}"
    tail = _section(section, PREDICT, level=3)
    numbers = [int(EXERCISE.match(_src(c).lstrip()).group(1)) for c in tail
               if c["cell_type"] == "markdown" and EXERCISE.match(_src(c).lstrip())]
    assert len(numbers) >= 2 and numbers == list(range(1, len(numbers) + 1)), (
        f"{nb.name}: '### {PREDICT}' needs **Exercise 1.**, **Exercise 2.**...; found {numbers}")


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_serving_diagram_and_formulas(nb):
    cells = _cells(nb)
    code = "\n".join(_src(c) for c in cells if c["cell_type"] == "code")
    markdown = "\n".join(_src(c) for c in cells if c["cell_type"] == "markdown")
    assert re.search(r"\barchitecture_diagram\(", code), f"{nb.name}: draw the serving system with viz.architecture_diagram"
    assert re.search(r"\$\$.+?\$\$", markdown, re.S), f"{nb.name}: write the chapter's metrics and losses as $$ formulas"
    serving = _section(cells, "Serving") or []
    subs = [t for _, lvl, t in _headings(serving) if lvl == 3]
    assert "Capacity at the source's scale" in subs, f"{nb.name}: the serving section needs its capacity estimate"


def test_quoted_names_reads_literals_f_strings_and_loops():
    cells = [{"cell_type": "code", "source": ['quote("a_1", x)\n', 'quote(f"c_{k}_lo", y)\n']},
             {"cell_type": "code", "source": ['for name, v in {"d_2": 1}.items():\n', '    quote(name, v)\n']}]
    names, patterns = quoted_names(cells)
    assert {"a_1", "d_2"} <= names
    assert _is_quoted("c_flat_lo", names, patterns) and not _is_quoted("c_flat_hi", names, patterns)
    cell = '**Q1.** Why?\n\n```{dropdown} Model answer\nBecause {eval}`f"{quoted.a_1:.2f}"`.\n```\n'
    body = DROPDOWN.search(cell).group("body")
    assert EVAL_REF.findall(body) == ["a_1"]
    assert EVAL_REF.findall("{eval}`quoted.d_2` and {eval}`f\"{quoted.c_x_lo:+.1%}\"`") == ["d_2", "c_x_lo"]


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_number_in_the_prose_is_an_eval_of_a_value_quoted_above_it(nb):
    """The prose's values come from ``{eval}`` roles that read ``quoted.<name>`` in one of the two
    forms the book's ``nb_eval_name_regex`` admits. Both the book (myst-nb, inline execution) and
    JupyterLab (jupyterlab-myst) evaluate a markdown cell when the run reaches it, so a code cell
    above it must have quoted the name: a typo or a forward reference fails here, not in the build."""
    cells = _cells(nb)
    md = "\n".join(_src(c) for c in cells if c["cell_type"] == "markdown")
    roles = ANY_ROLE.findall(md)
    assert roles, f"{nb.name}: the prose quotes no measured value"
    bad = [f"{{{r}}}`{t}`" for r, t in roles if r != "eval" or not EVAL_REF.fullmatch(f"{{eval}}`{t}`")]
    assert not bad, f"{nb.name}: roles the book cannot evaluate (write {{eval}}`quoted.name`): {bad[:5]}"
    early = []
    for i, c in enumerate(cells):
        if c["cell_type"] != "markdown":
            continue
        names, patterns = quoted_names(cells[:i])
        early += [f"cell {i}: {n}" for n in EVAL_REF.findall(_src(c)) if not _is_quoted(n, names, patterns)]
    assert not early, f"{nb.name}: the prose reads names no code cell above it quotes: {early[:8]}"
