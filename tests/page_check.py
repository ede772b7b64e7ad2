"""What a reader sees: every built page opened in headless Chromium, with the network cut.

Run by ``.ci/run`` (and ``make page-test``) after the book is built; not part of the default
suite, which has no built book::

    pytest -o addopts="" tests/page_check.py --html-dir _build/html

The book is served over HTTP on loopback (widgets do not render from ``file://``). Each page
must typeset its math, render every widget snapshot as widget DOM, load every image, log no
console error, and request nothing from any host but the local one. A screenshot of each page
is saved under ``_build/page_screens/`` for review. Chromium and its driver come from the
operating system's packages (``.ci/run`` installs them); without them the test is skipped.
"""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCREENS = ROOT / "_build" / "page_screens"
RESULTS = ROOT / "_build" / "page_check.json"
CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
DRIVER = shutil.which("chromedriver")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_results: dict[str, dict] = {}


def _pages() -> list[str]:
    import os

    import yaml

    toc = yaml.safe_load(Path(os.environ.get("MLSD_TOC", ROOT / "_toc.yml")).read_text())
    files = [toc["root"]]
    for part in toc.get("parts", [{"chapters": toc.get("chapters", [])}]):
        files += [c["file"] for c in part["chapters"]]
    return files


@pytest.fixture(scope="module")
def site(request):
    html_dir = Path(request.config.getoption("--html-dir"))
    html_dir = html_dir if html_dir.is_absolute() else ROOT / html_dir
    assert (html_dir / "index.html").exists(), f"no built book at {html_dir}"
    handler = functools.partial(_QuietHandler, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    SCREENS.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(_results, indent=2))


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # the test reports what matters
        pass


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM and DRIVER):
        pytest.skip("no Chromium/chromedriver on this machine (apt-get install chromium chromium-driver); "
                    "the page test runs in CI")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,2000", "--no-first-run", "--disable-extensions"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    driver.set_page_load_timeout(120)
    driver.set_script_timeout(120)
    yield driver
    driver.quit()


_WAIT_FOR_RENDERING = """
const done = arguments[arguments.length - 1];
const t0 = Date.now();
async function settle() {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    try { await MathJax.startup.promise; } catch (e) {}
  }
  const views = document.querySelectorAll('script[type="WIDGET_VIEW"]').length;
  while (Date.now() - t0 < 60000) {
    const rendered = Array.from(document.querySelectorAll('.jupyter-widgets')).filter(
        e => !e.parentElement.closest('.jupyter-widgets')).length;
    const imgs = Array.from(document.images);
    const imagesDone = imgs.every(i => i.complete);
    if ((views === 0 || rendered >= views) && imagesDone) break;
    await new Promise(r => setTimeout(r, 250));
  }
  done(true);
}
settle();
""".replace("WIDGET_VIEW", WIDGET_VIEW)

_INSPECT = """
const views = Array.from(document.querySelectorAll('script[type="WIDGET_VIEW"]'));
const top = Array.from(document.querySelectorAll('.jupyter-widgets')).filter(
    e => !e.parentElement.closest('.jupyter-widgets'));
const text = document.querySelector('main') ? document.querySelector('main').innerText : document.body.innerText;
return {
  widget_views: views.length,
  widgets_rendered: top.length,
  widget_text_raw: /"model_id"\\s*:/.test(text),
  math_typeset: document.querySelectorAll('mjx-container').length,
  raw_math: (text.match(/\\\\\\(|\\\\\\[|\\$\\$/g) || []).length,
  images: document.images.length,
  images_broken: Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src),
  loading_text: /Loading widget|Error displaying widget/.test(text),
};
""".replace("WIDGET_VIEW", WIDGET_VIEW)


@pytest.mark.parametrize("page", _pages())
def test_page_renders_offline(site, browser, page):
    host = urlparse(site).netloc
    browser.get_log("performance")  # drop what earlier pages logged
    browser.get_log("browser")
    browser.get(f"{site}/{page}.html")
    browser.execute_async_script(_WAIT_FOR_RENDERING)
    info = browser.execute_script(_INSPECT)
    SCREENS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENS / f"{page.replace('/', '__')}.png"))

    requests = set()
    for entry in browser.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            requests.add(msg["params"]["request"]["url"])
    foreign = sorted(u for u in requests if urlparse(u).scheme in ("http", "https", "ws", "wss")
                     and urlparse(u).netloc != host)
    # The browser asks for /favicon.ico by itself; the page did not.
    errors = [e["message"] for e in browser.get_log("browser")
              if e["level"] == "SEVERE" and "/favicon.ico" not in e["message"]]
    info.update(requests=len(requests), foreign_requests=foreign, console_errors=errors)
    _results[page] = info

    assert not foreign, f"{page}: requests left the book's own site: {foreign}"
    assert not errors, f"{page}: console errors: {errors}"
    assert not info["images_broken"], f"{page}: images that did not load: {info['images_broken']}"
    assert info["raw_math"] == 0, f"{page}: {info['raw_math']} formulas left as raw TeX"
    assert info["widgets_rendered"] >= info["widget_views"], (
        f"{page}: {info['widget_views']} widget snapshots but {info['widgets_rendered']} rendered widgets")
    assert not info["widget_text_raw"] and not info["loading_text"], f"{page}: widget shown as raw JSON or stuck loading"
    if page.startswith("notebooks/"):
        assert info["images"] >= 3, f"{page}: only {info['images']} images"
