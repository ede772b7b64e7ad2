"""What a reader of the notebooks sees: each chapter run in JupyterLab, in headless Chromium.

Run by ``.ci/run`` (and ``make lab-test``) with the network cut; not part of the default suite::

    pytest -o addopts="" tests/jupyterlab_check.py

JupyterLab is started from this environment at the small size (``MLSD_SIZE=smoke``), with its
own settings, workspace, checkpoint and runtime folders and autosave off; progress bars stay
on, as for a reader. Each chapter notebook is opened, all its cells are run, and then:

1. no code cell shows an error or a warning (a ``...Warning`` line on stderr);
2. no rendered markdown cell shows raw MyST (a ``{glue``/``{eval``/``{dropdown``, a
   ``(label)=`` line, an "Unknown Directive"), every ``{eval}`` role was evaluated without an
   error, and no cell holds glue markup, which JupyterLab shows as its bare argument;
3. every widget output renders as widget controls, not as an error or a "Loading widget" stub
   (a progress bar the kernel closed leaves an empty output, which is fine);
4. one control of every widget that has controls is moved as a reader would (slider keys, a
   dropdown choice, a click, typed text) and the widget's output changes, without an error.

The notebook is then closed without saving and its kernel shut down. Screenshots land in
``_build/lab_screens/`` and a summary in ``_build/lab_check.json``. At the end every
``notebooks/*.ipynb`` must be byte-identical to before: the committed notebooks carry no
outputs. Chromium and its driver come from the operating system's packages (``.ci/run``
installs them); without them the test is skipped.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SCREENS = ROOT / "_build" / "lab_screens"
RESULTS = ROOT / "_build" / "lab_check.json"
CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
DRIVER = shutil.which("chromedriver")
CHAPTERS = sorted(p.stem for p in NOTEBOOKS.glob("ch0*.ipynb"))
RUN_TIMEOUT = float(os.environ.get("MLSD_LAB_TIMEOUT", 360))  # seconds per chapter; the machine is shared
WIDGET_TIMEOUT = 20  # seconds for a widget's output to answer a moved control
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
RAW_MYST = re.compile(r"\{glue|\{eval|\{dropdown|^\([\w.:-]+\)=\s*$|Unknown (?:Directive|Role)", re.M)
# Lab settings: no autosave (nothing is written back into notebooks/), every cell attached to
# the page (so each is rendered and readable), and no news fetched from the web.
SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/extensionmanager-extension/plugin": {"enabled": False},
}
_results: dict[str, dict] = {}


def _hashes() -> dict[str, str]:
    """Every file under notebooks/ by its hash (a new folder, such as checkpoints, shows too)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "folder"
            for p in sorted(NOTEBOOKS.iterdir()) if p.name != ".ruff_cache"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_results() -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(_results, indent=2))


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if not (CHROMIUM and DRIVER):
        pytest.skip("no Chromium/chromedriver on this machine (apt-get install chromium chromium-driver); "
                    "the JupyterLab test runs in CI")
    tmp = tmp_path_factory.mktemp("lab")
    settings = tmp / "settings"
    for plugin, values in SETTINGS.items():
        path = settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    before = _hashes()
    port, token = _free_port(), os.urandom(12).hex()
    # A reader's kernel shows progress bars (as widgets): the Makefile's switches that hide them
    # for executed copies stay out of here.
    env = {k: v for k, v in os.environ.items() if k not in ("TQDM_DISABLE", "HF_HUB_DISABLE_PROGRESS_BARS")}
    env.update(MLSD_SIZE="smoke", MLSD_CLAIMS_DIR=str(tmp / "claims"),
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), JUPYTER_CONFIG_DIR=str(tmp / "config"),
               JUPYTER_DATA_DIR=str(tmp / "data"), JUPYTERLAB_SETTINGS_DIR=str(settings),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"), IPYTHONDIR=str(tmp / "ipython"))
    log = (tmp / "lab.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ROOT}",
         # JupyterLab checkpoints a notebook when it opens it: not into notebooks/
         f"--FileCheckpoints.checkpoint_dir={tmp / 'checkpoints'}",
         "--LabApp.expose_app_in_browser=True", "--allow-root"],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + 120
    while True:
        try:
            with opener.open(f"{url}/api/status?token={token}", timeout=5):
                break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"JupyterLab did not start; its log:\n{(tmp / 'lab.log').read_text()[-3000:]}")
            time.sleep(0.5)
    try:
        yield {"url": url, "token": token, "log": tmp / "lab.log"}
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        _write_results()
    after = _hashes()
    changed = sorted(n for n in before.keys() | after.keys() if before.get(n) != after.get(n))
    executed = [n for n in changed if n.endswith(".ipynb") and (NOTEBOOKS / n).exists() and any(
        c.get("outputs") or c.get("execution_count") for c in json.loads((NOTEBOOKS / n).read_text())["cells"])]
    assert not changed, (f"files in notebooks/ changed while JupyterLab ran: {changed}; "
                         f"now holding outputs or execution counts: {executed or 'none'}")


@pytest.fixture(scope="module")
def browser(lab):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,2000", "--no-first-run", "--disable-extensions"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    driver.set_page_load_timeout(120)
    driver.set_script_timeout(120)
    driver.get(f"{lab['url']}/lab?token={lab['token']}")
    deadline = time.monotonic() + 120
    while not driver.execute_script("return !!window.jupyterapp"):
        assert time.monotonic() < deadline, "JupyterLab's page did not load (no window.jupyterapp)"
        time.sleep(0.5)
    driver.execute_async_script(
        "const done = arguments[arguments.length - 1]; window.jupyterapp.restored.then(() => done(true));")
    yield driver
    driver.quit()


_OPEN = """
const [path, done] = arguments;
(async () => {
  try {
    const app = window.jupyterapp;
    const panel = await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
    await panel.context.ready;
    await panel.sessionContext.ready;
    app.shell.activateById(panel.id);
    window._mlsdPanel = panel;
    done({ok: true});
  } catch (e) { done({ok: false, error: String(e)}); }
})();
"""

_RUN_ALL = """
const done = arguments[arguments.length - 1];
const app = window.jupyterapp, panel = window._mlsdPanel;
app.shell.activateById(panel.id);
if (app.shell.currentWidget !== panel) { done('the notebook is not the current widget'); }
else { app.commands.execute('notebook:run-all-cells').then(() => done(''), e => done(String(e))); }
"""

_STATE = """
const panel = window._mlsdPanel;
const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
let code = 0, counted = 0;
const errors = [], warnings = [];
panel.content.widgets.forEach((cell, i) => {
  if (cell.model.type !== 'code') return;
  code += 1;
  if (cell.model.executionCount !== null) counted += 1;
  for (const o of cell.model.outputs.toJSON()) {
    if (o.output_type === 'error') errors.push({cell: i, error: `${o.ename}: ${o.evalue}`});
    const text = o.output_type === 'stream' && o.name === 'stderr' ?
        (Array.isArray(o.text) ? o.text.join('') : o.text) : '';
    const warning = text.split('\\n').find(line => /Warning\\b|warnings\\.warn/.test(line));
    if (warning) warnings.push({cell: i, warning: warning.slice(0, 200)});
  }
});
return {status: kernel ? kernel.status : null, code, counted, errors, warnings};
"""

_MARKDOWN = """
const panel = window._mlsdPanel;
const cells = [];
panel.content.widgets.forEach((cell, i) => {
  if (cell.model.type !== 'markdown') return;
  const results = cell.model.getMetadata('user_expressions') || [];
  const source = cell.model.sharedModel.getSource();
  cells.push({
    cell: i, rendered: !!cell.rendered,
    // the editor is hidden once the cell is rendered, so this is what the reader sees
    text: cell.node.innerText,
    roles: (source.match(/\\{eval\\}`/g) || []).length,
    // glue roles and directives need the book's build: JupyterLab's MyST renders a glue role as
    // its bare argument ("name:.3f") and a glue directive as an unknown one
    glue: source.match(/\\{glue(:\\w+)?\\}`?[^`\\n]*`?/g) || [],
    evaluated: results.length,
    failed: results.filter(e => !e.result || e.result.status !== 'ok').map(e => e.expression + ': ' +
        (e.result && e.result.ename ? `${e.result.ename}: ${e.result.evalue}` : 'no result')),
  });
});
return cells;
"""

_WIDGETS = """
const panel = window._mlsdPanel;
const found = [];
panel.content.widgets.forEach((cell, i) => {
  if (cell.model.type !== 'code') return;
  const outputs = cell.model.outputs;
  for (let k = 0; k < outputs.length; k++) {
    if (!('WIDGET_VIEW' in outputs.get(k).data)) continue;
    const child = cell.outputArea.widgets[k];
    const node = child ? child.node : null;
    const text = node ? node.innerText : '';
    found.push({
      cell: i, output: k, node,
      widget_nodes: node ? node.querySelectorAll('.jupyter-widgets').length : 0,
      controls: node ? node.querySelectorAll('[class*="widget-"]').length : 0,
      broken: /Error displaying widget|Loading widget/.test(text),
      // the kernel closed it (a finished progress bar with leave=False): its view is gone
      closed: !!node && !node.querySelector('.jupyter-widgets') && !text.trim(),
      // a progress bar or a label only shows; a reader moves nothing there
      interactive: !!(node && node.querySelector('input, select, textarea, button, .noUi-handle')),
      kind: node && node.querySelector('.jupyter-widgets') ?
          node.querySelector('.jupyter-widgets').className.split(' ').filter(c => c.startsWith('widget-')).join(' ') : '',
    });
  }
});
return found;
""".replace("WIDGET_VIEW", WIDGET_VIEW)

# What a widget shows besides its controls: the text of its labels and output areas and the
# images in them, hashed, and whether any of it is an error. The controls themselves (with the
# readout that shows the value just moved) are left out, so only a redraw counts as a change:
# a label that names the new setting, a new table, a new figure.
_SIGNATURE = """
const node = arguments[0];
const areas = Array.from(node.querySelectorAll('.widget-output'));
const shown = node.cloneNode(true);
shown.querySelectorAll('.widget-readout, .widget-slider, .widget-hslider, .widget-dropdown, ' +
    '.widget-toggle-buttons, .widget-text, .widget-checkbox, select, input, textarea, button')
    .forEach(e => e.remove());
const s = shown.textContent + '|' + Array.from(node.querySelectorAll('img')).map(i => i.src).join('|');
let h = 0;
for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
const text = node.innerText;
const error = /Traceback \\(most recent call last\\)|Error displaying widget/.test(text) ||
    !!node.querySelector('[data-mime-type="application/vnd.jupyter.stderr"]');
return {sig: `${h}:${s.length}`, error, images: areas.reduce((n, a) => n + a.querySelectorAll('img').length, 0),
        text: text.slice(0, 200)};
"""

_CLOSE = """
const done = arguments[arguments.length - 1];
const panel = window._mlsdPanel;
(async () => {
  try { await panel.sessionContext.shutdown(); } catch (e) {}
  panel.context.model.dirty = false;  // close without saving (and without a dialog)
  panel.dispose();
  window._mlsdPanel = null;
  done(true);
})();
"""


def _move_one_control(driver, node) -> str | None:
    """Move the first control a reader would reach for; return what was moved (None: nothing)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    def first(css):
        found = node.find_elements(By.CSS_SELECTOR, css)
        return found[0] if found else None

    def center(el):
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", el)

    handle = first(".widget-slider .noUi-handle, .widget-hslider .noUi-handle")
    if handle is not None:
        slider = handle.find_element(By.XPATH, "./ancestor::*[contains(@class, 'widget-slider') "
                                               "or contains(@class, 'widget-hslider')][1]")
        readout = slider.find_elements(By.CSS_SELECTOR, ".widget-readout")

        def value():
            return readout[0].text if readout else handle.get_attribute("aria-valuenow")

        center(handle)
        before = value()
        for key in (Keys.ARROW_RIGHT, Keys.ARROW_LEFT, Keys.ARROW_LEFT):
            driver.execute_script("arguments[0].focus();", handle)
            ActionChains(driver).send_keys(key).perform()
            time.sleep(0.3)
            if value() != before:
                label = slider.find_elements(By.CSS_SELECTOR, ".widget-label")
                name = label[0].text if label else "slider"
                return f"slider {name!r}: {before} -> {value()}"
        return None
    select = first(".widget-dropdown select")
    if select is not None:
        center(select)
        choice = Select(select)
        current = choice.first_selected_option.get_attribute("value")
        options = [o.get_attribute("value") for o in choice.options]
        other = next((o for o in options if o != current), None)
        if other is None:
            return None
        choice.select_by_value(other)
        driver.execute_script("arguments[0].dispatchEvent(new Event('change', {bubbles: true}));", select)
        return f"dropdown: {choice.first_selected_option.text!r}"
    toggle = first(".widget-toggle-buttons button:not(.mod-active)")
    if toggle is not None:
        center(toggle)
        toggle.click()
        return f"toggle button {toggle.text!r}"
    for css, what in ((".widget-checkbox input", "checkbox"), ("button.jupyter-button", "button")):
        el = first(css)
        if el is not None:
            center(el)
            el.click()
            return what
    box = first(".widget-text input")
    if box is not None:
        center(box)
        box.send_keys(" again", Keys.ENTER)
        return "text box: typed ' again' + Enter"
    return None


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_in_jupyterlab(lab, browser, chapter):
    driver = browser
    problems: list[str] = []
    info: dict = {"problems": problems}
    _results[chapter] = info
    opened = driver.execute_async_script(_OPEN, f"notebooks/{chapter}.ipynb")
    assert opened["ok"], f"{chapter}: could not open the notebook: {opened.get('error')}"
    try:
        deadline = time.monotonic() + 120
        while driver.execute_script(_STATE)["status"] != "idle":
            assert time.monotonic() < deadline, f"{chapter}: the kernel did not become idle after starting"
            time.sleep(0.5)
        t0 = time.monotonic()
        failed = driver.execute_async_script(_RUN_ALL)
        assert not failed, f"{chapter}: run all cells failed: {failed}"
        quiet = 0
        while True:
            state = driver.execute_script(_STATE)
            finished = state["counted"] == state["code"] or state["errors"]
            quiet = quiet + 1 if finished and state["status"] == "idle" else 0
            if quiet >= 2:
                break
            assert time.monotonic() - t0 < RUN_TIMEOUT, (
                f"{chapter}: {state['counted']} of {state['code']} code cells ran in {RUN_TIMEOUT:.0f} s "
                f"(kernel {state['status']})")
            time.sleep(1)
        info["run_s"] = round(time.monotonic() - t0, 1)
        info["code_cells"] = state["code"]

        # 1. no code cell shows an error
        problems += [f"{chapter} cell {e['cell']}: error output {e['error']}" for e in state["errors"]]
        # ... and no library warning: the kernel JupyterLab starts is as quiet as the tests' one
        problems += [f"{chapter} cell {w['cell']}: a warning {w['warning']!r}" for w in state.get("warnings", [])]

        # 2. every markdown cell rendered, with no MyST left raw
        markdown = driver.execute_script(_MARKDOWN)
        info["markdown_cells"] = len(markdown)
        info["inline_expressions"] = sum(c["evaluated"] for c in markdown)
        for cell in markdown:
            if not cell["rendered"]:
                problems.append(f"{chapter} cell {cell['cell']}: markdown cell not rendered")
            raw = sorted({m.group(0).strip() for m in RAW_MYST.finditer(cell["text"])})
            if raw:
                problems.append(f"{chapter} cell {cell['cell']}: raw MyST in the rendered markdown: {raw[:5]}")
            if cell["glue"]:
                problems.append(f"{chapter} cell {cell['cell']}: glue markup, which JupyterLab shows as its bare "
                                f"argument instead of a value: {cell['glue'][:3]}")
            if cell["evaluated"] < cell["roles"]:
                problems.append(f"{chapter} cell {cell['cell']}: {cell['evaluated']} of {cell['roles']} "
                                "{eval} roles evaluated")
            problems += [f"{chapter} cell {cell['cell']}: {{eval}} {f}" for f in cell["failed"]]

        # 3. every widget output is widget controls; 4. moving one control changes its output
        deadline = time.monotonic() + 30  # the widget views render after the kernel is idle
        while True:
            widgets = driver.execute_script(_WIDGETS)
            pending = [w for w in widgets if w["broken"] or not (w["widget_nodes"] or w["closed"])]
            if not pending or time.monotonic() > deadline:
                break
            time.sleep(1)
        info["widgets_found"] = len(widgets)
        info["widgets_moved"] = 0
        info["widgets_closed"] = [w["cell"] for w in widgets if w["closed"]]
        info["widgets_display_only"] = [f"cell {w['cell']}: {w['kind']}" for w in widgets
                                        if not (w["interactive"] or w["closed"])]
        info["moves"] = []
        for w in pending:
            problems.append(f"{chapter} cell {w['cell']}: widget not rendered as controls "
                            f"({'error or loading text' if w['broken'] else 'no widget DOM'})")
        for w in widgets:
            if w in pending or not w["interactive"]:
                continue
            where = f"{chapter} cell {w['cell']}"
            before = driver.execute_script(_SIGNATURE, w["node"])
            if before["error"]:
                problems.append(f"{where}: the widget shows an error before it is touched: {before['text']!r}")
            moved = _move_one_control(driver, w["node"])
            if moved is None:
                problems.append(f"{where}: no control of the widget could be moved")
                continue
            deadline = time.monotonic() + WIDGET_TIMEOUT
            after = before
            while after["sig"] == before["sig"] and time.monotonic() < deadline:
                time.sleep(0.5)
                after = driver.execute_script(_SIGNATURE, w["node"])
            if after["sig"] == before["sig"]:
                problems.append(f"{where}: moved {moved} but the output did not change in {WIDGET_TIMEOUT} s")
                continue
            # let the redraw finish (clear_output(wait=True) then the new figure)
            settled = time.monotonic() + WIDGET_TIMEOUT
            while time.monotonic() < settled:
                time.sleep(1)
                latest = driver.execute_script(_SIGNATURE, w["node"])
                if latest["sig"] == after["sig"]:
                    break
                after = latest
            if after["error"]:
                problems.append(f"{where}: moved {moved} and the output shows an error: {after['text']!r}")
                continue
            info["widgets_moved"] += 1
            info["moves"].append(f"cell {w['cell']}: {moved}")

        shown = [w for w in widgets if w["interactive"]] or widgets  # the screenshot opens on a demo
        if shown:
            driver.execute_script("arguments[0].closest('.jp-Cell').scrollIntoView({block: 'start'});",
                                  shown[0]["node"])
            time.sleep(0.5)
        SCREENS.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(SCREENS / f"{chapter}.png"))
    finally:
        driver.execute_async_script(_CLOSE)
        _write_results()

    assert info["widgets_found"] > 0, f"{chapter}: no widget found"
    assert not problems, "\n".join(problems)
