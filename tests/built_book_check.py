"""Checks of a built book (run by .ci/run after `make book`, not by the default suite).

    pytest -o addopts="" tests/built_book_check.py --html-dir _build/html
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def html_dir(request) -> Path:
    path = Path(request.config.getoption("--html-dir"))
    if not path.is_absolute():
        path = ROOT / path
    assert (path / "index.html").exists(), f"no built book at {path}"
    return path


def _pages():
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part["chapters"]]
    return files


@pytest.mark.parametrize("page", _pages())
def test_page_built_without_error_output(html_dir, page):
    html = (html_dir / f"{page}.html").read_text()
    for bad in ("Traceback (most recent call last)", "output_error", "AssertionError"):
        assert bad not in html, f"{page}.html shows {bad!r}"
    if page.startswith("notebooks/"):
        assert len(re.findall(r"<img ", html)) >= 3, f"{page}.html has too few figures"


def test_ledger_page_shows_counts_and_recorded_claims(html_dir):
    html = (html_dir / "book" / "claims_ledger.html").read_text()
    assert re.search(r"\d+ of \d+ claims are decided by an executed experiment", html)
    for heading in ("Experiments", "Demonstrations", "Identities", "Changes to registered rules"):
        assert heading in html, f"the ledger has no {heading!r} section"
    built = [p for p in _pages() if p.startswith("notebooks/")]
    for page in built:
        n = int(page.split("/ch")[1][:2])
        m = re.search(rf"Ch\. {n} \([^)]*\): (\d+)/(\d+)", html)
        assert m, f"the ledger shows no count for chapter {n}"


def test_no_verdict_flips_between_the_small_run_and_the_book(html_dir):
    """Sizes must not flip a verdict, in either direction; a decided/inconclusive change is shown.

    Every claim is compared. Supported at one size and refuted at the other fails; a claim
    decided at one size and inconclusive at the other must be marked on the ledger page.
    """
    from mlsd_lib.claims import compare_verdicts, verdicts_in

    smoke_dir, full_dir = ROOT / "_build" / "executed" / "claims", ROOT / "_build" / "claims"
    if not (smoke_dir.exists() and full_dir.exists()):
        pytest.skip("needs the test run's records and the full build's")
    diff = compare_verdicts(verdicts_in(full_dir), verdicts_in(smoke_dir))
    assert not diff["opposite"], f"verdicts that flip between the book and the small run (book, small): {diff['opposite']}"
    html = (html_dir / "book" / "claims_ledger.html").read_text()
    for claim, (_, small) in diff["unstable"].items():
        assert re.search(rf"unstable at the small size, seed [0-9, ]+: {small}", html), (
            f"{claim} is {small} at the small size but the ledger does not say so")


def test_no_link_points_at_a_repository_that_does_not_exist(html_dir):
    """Repository and launch buttons appear only when $MLSD_REPOSITORY_URL names a real one."""
    import os

    repo = os.environ.get("MLSD_REPOSITORY_URL", "").strip()
    for page in _pages():
        html = (html_dir / f"{page}.html").read_text()
        hrefs = re.findall(r'href="([^"]+)"', html)
        assert not [h for h in hrefs if "mlsd-book/mlsd" in h], f"{page}.html links to a repository that does not exist"
        if not repo:
            stray = [h for h in hrefs if re.search(r"github\.com|mybinder\.org|colab\.research", h)]
            assert not stray, f"{page}.html links to {stray} with no repository configured"


def _chapter_pages():
    return [p for p in _pages() if p.startswith("notebooks/")]


def _soup(html_dir: Path, page: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup((html_dir / f"{page}.html").read_text(), "html.parser")


# A directory of the build machine: a stranger's path on a published site.
_MACHINE_PATH = re.compile(r"(?<![\w.])(?:/(?:home|work|tmp|root|Users|opt|var|usr)/[\w.-]+/|[A-Z]:\\\\)")
# tqdm, Hugging Face and pip bars: "100%|█████| 3/3 [00:01<00:00, 2.1it/s]", "Loading weights: 100%".
_PROGRESS = re.compile(r"\d{1,3}%\|.*\||[\d.]+\s?(?:it|s)/(?:s|it)\]|[█▉▊▋▌▍▎▏]{3,}|Loading weights:")


@pytest.mark.parametrize("page", _chapter_pages())
def test_outputs_name_no_machine_path_and_keep_no_progress_bar(html_dir, page):
    soup = _soup(html_dir, page)
    outputs = [o.get_text(" ") for o in soup.select("div.cell_output")]
    assert outputs, f"{page}.html has no cell outputs"
    paths = sorted({m.group(0) for text in outputs for m in _MACHINE_PATH.finditer(text)})
    assert not paths, f"{page}.html prints paths of the build machine: {paths[:5]}"
    assert str(ROOT) not in soup.get_text(), f"{page}.html names the repository's absolute path"
    bars = sorted({m.group(0) for text in outputs for m in _PROGRESS.finditer(text)})
    assert not bars, f"{page}.html keeps progress-bar residue: {bars[:5]}"


@pytest.mark.parametrize("page", _chapter_pages())
def test_first_screen_is_prose_with_the_set_up_folded(html_dir, page):
    """Title, stamp and introduction come first; every code cell before the first section is folded."""
    article = _soup(html_dir, page).find("article")
    title = article.find("h1") if article else None
    assert title is not None, f"{page}.html has no title in its article"
    folded = {"tag_hide-input", "tag_hide-cell", "tag_remove-input", "tag_remove-cell"}
    seen_prose = False
    for el in title.find_all_next():
        if el.name == "h2":
            break
        if el.name == "p" and len(el.get_text(strip=True)) > 80 and not el.find_parent("div", class_="cell"):
            seen_prose = True
        classes = set(el.get("class") or [])
        if el.name == "div" and "cell" in classes:
            assert classes & folded, (
                f"{page}.html shows an unfolded code cell before its first section: "
                f"{el.get_text(' ', strip=True)[:80]!r}; tag it hide-input (set-up) or hide-cell")
            assert seen_prose, f"{page}.html shows code before its introduction"
    else:
        pytest.fail(f"{page}.html has no section heading after its title")


@pytest.mark.parametrize("page", _chapter_pages())
def test_prose_numbers_are_filled_in(html_dir, page):
    """Every ``{eval}`` role became text: no raw role, no empty inline output, and the chapter's
    prose carries its measured values (myst-nb renders them as ``span.output.text_plain``)."""
    soup = _soup(html_dir, page)
    text = soup.get_text(" ")
    raw = sorted(set(re.findall(r"\{(?:eval|glue)[:\w]*\}`[^`]*`", text)))
    assert not raw, f"{page}.html shows raw roles: {raw[:5]}"
    inline = [s.get_text() for s in soup.select("p span.output.text_plain, li span.output.text_plain")]
    assert len(inline) >= 50, f"{page}.html fills in only {len(inline)} values in its prose"
    empty = [i for i, t in enumerate(inline) if not t.strip()]
    assert not empty, f"{page}.html has {len(empty)} empty values in its prose"


def test_chapter_3_blurs_the_three_quarter_face_in_the_book(html_dir):
    """The book's run (full size) must blur the three-quarter view through the shipped path; the
    small size trains too little to find a real face, so only the built book can show it."""
    text = " ".join(_soup(html_dir, "notebooks/ch03_street_view_blurring").get_text(" ").split())
    assert "On the three-quarter view the shipped path hid it" in text, (
        "chapter 3's shipped path did not blur the three-quarter face in the book's run")
