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
