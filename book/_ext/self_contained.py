"""Sphinx extension: pages that need nothing from outside the book's own site.

Three jobs, all at build time:

1. **Scripts served locally.** MathJax 3, require.js and the ipywidgets HTML manager come
   from ``book/assets/node_modules`` (installed from ``book/assets/package-lock.json`` by the
   set-up step, ``make env``). They are copied into ``_static/vendor/`` and Sphinx's
   ``mathjax_path`` and myst-nb's ``nb_ipywidgets_js`` point at those copies, without the
   CDN's ``integrity`` hashes. Without npm the build keeps the CDN URLs and says so loudly,
   so a reader's own build still works online.
2. **Links that exist.** The repository button and the Binder/Colab launch buttons appear
   only when ``$MLSD_REPOSITORY_URL`` names the book's public repository.
3. **A reproducibility stamp** under each chapter's title: when the notebook was executed,
   how long it took, on how many cores, and with which versions of the key packages.
"""

from __future__ import annotations

import datetime as _dt
import os
import shutil
from importlib import metadata
from pathlib import Path

from docutils import nodes
from sphinx.util import logging
from sphinx.util.console import red

logger = logging.getLogger(__name__)

ASSETS = Path(__file__).resolve().parents[1] / "assets"
# (package folder in node_modules, files or folders to copy, target under _static/vendor/)
VENDOR = {
    "mathjax": ("mathjax/es5", ["tex-mml-chtml.js", "input", "output", "ui", "a11y", "adaptors", "sre"]),
    "requirejs": ("requirejs", ["require.js"]),
    "html-manager": ("@jupyter-widgets/html-manager/dist", None),  # None: every file but source maps
}
KEY_PACKAGES = ("torch", "faiss-cpu", "scikit-learn", "numpy")


def vendor_ready(modules: Path = ASSETS / "node_modules") -> bool:
    """Whether ``npm ci`` has installed every asset the pages serve themselves."""
    return all((modules / src).is_dir() for src, _ in VENDOR.values())


# Runs between require.js and the widget manager. (1) require.js resolves the manager's own
# files (fonts, lazily loaded chunks) from its module name: map that name to the local copy,
# relative to wherever this script is served. (2) ipywidgets typesets widget labels through
# MathJax 2's `MathJax.Hub.Queue`; the book loads MathJax 3, so forward to its typesetter.
_WIDGET_SETUP_JS = """\
(function () {
  var here = document.currentScript.src.replace(/[^/]*$/, "");
  require.config({paths: {"@jupyter-widgets/html-manager/dist": here + "html-manager"}});
  document.addEventListener("DOMContentLoaded", function () {
    var mj = window.MathJax;
    if (mj && mj.version && !mj.Hub) {
      mj.Hub = {Queue: function (job) {
        if (mj.typesetPromise && job && job[2]) { mj.typesetPromise([job[2]]).catch(function () {}); }
      }};
    }
  });
})();
"""


def _stage_vendor(modules: Path, staged: Path) -> None:
    target = staged / "vendor"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    (target / "widget-setup.js").write_text(_WIDGET_SETUP_JS)
    for name, (src, items) in VENDOR.items():
        src_dir, dst_dir = modules / src, target / name
        dst_dir.mkdir(parents=True, exist_ok=True)
        for item in items if items is not None else [p.name for p in src_dir.iterdir()]:
            path = src_dir / item
            if path.suffix == ".map":
                continue
            if path.is_dir():
                shutil.copytree(path, dst_dir / item)
            else:
                shutil.copy2(path, dst_dir / item)


def _config_inited(app, config) -> None:
    repo = os.environ.get("MLSD_REPOSITORY_URL", "").strip()
    options = dict(config.html_theme_options)
    launch = dict(options.get("launch_buttons", {}))
    if repo:
        options.update(repository_url=repo, use_repository_button=True)
        launch.update(binderhub_url="https://mybinder.org", colab_url="https://colab.research.google.com")
    else:
        options.pop("repository_url", None)
        options["use_repository_button"] = False
        launch.update(binderhub_url="", colab_url="", jupyterhub_url="", deepnote_url="")
    options["launch_buttons"] = launch
    config.html_theme_options = options
    # An empty colour mode makes the theme log a console error on every page.
    config.html_context = {"default_mode": "light", **config.html_context}

    modules = ASSETS / "node_modules"
    if not vendor_ready(modules):
        # Not a Sphinx warning: `-W` would turn it into an error, and a reader's build online is fine.
        logger.info(red(
            "mlsd: book/assets/node_modules is missing (no npm?): the pages will load MathJax "
            "and the widget manager from a CDN and need the network to render math and widgets"
        ))
        return
    staged = Path(app.outdir).parent / "vendor_static"
    _stage_vendor(modules, staged)
    config.html_static_path = [*config.html_static_path, str(staged)]
    config.mathjax_path = "vendor/mathjax/tex-mml-chtml.js"
    config.nb_ipywidgets_js = {
        "vendor/requirejs/require.js": {},
        "vendor/widget-setup.js": {},
        "vendor/html-manager/embed-amd.js": {"crossorigin": "anonymous"},
    }


def _versions() -> str:
    found = []
    for name in KEY_PACKAGES:
        try:
            found.append(f"{name.removesuffix('-cpu')} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return ", ".join(found)


def _stamp(app, doctree, docname) -> None:
    exec_data = getattr(app.env, "nb_metadata", {}).get(docname, {}).get("exec_data")
    if not exec_data or not exec_data.get("succeeded"):
        return
    when = _dt.datetime.fromtimestamp(exec_data["mtime"], _dt.UTC).strftime("%d %B %Y, %H:%M UTC")
    runtime = exec_data.get("runtime")
    took = f" in {runtime / 60:.1f} minutes" if runtime and runtime >= 90 else f" in {runtime:.0f} s" if runtime else ""
    threads = os.environ.get("OMP_NUM_THREADS", "")
    cores = f"{os.cpu_count()} CPU cores" + (f" ({threads} thread per library)" if threads == "1" else "")
    text = f"Executed {when}{took} on {cores}, with {_versions()}."
    para = nodes.paragraph(text, "", nodes.emphasis(text, text), classes=["mlsd-stamp"])
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is not None and section.children and isinstance(section[0], nodes.title):
        section.insert(1, para)
    else:
        doctree.insert(0, para)


def _dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    # sphinx-thebe and sphinx-togglebutton each register their inline settings twice under
    # jupyter-book; the second `const THEBE_JS_URL` is a SyntaxError in the browser console.
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for js in scripts:
        name = getattr(js, "filename", js) or ""  # inline scripts come as None or ""
        key = (str(name), repr(sorted(getattr(js, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    scripts[:] = unique


def setup(app):
    app.connect("config-inited", _config_inited)
    # Early: `html-page-context` stops at the first handler that returns a template name.
    app.connect("html-page-context", _dedupe_scripts, priority=100)
    app.connect("doctree-resolved", _stamp)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
