"""The book's Sphinx extensions: self-contained pages and honest links (no build needed)."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "book" / "_ext"))
import self_contained  # noqa: E402


def _config():
    return SimpleNamespace(
        html_theme_options={"repository_url": "https://github.com/executablebooks/jupyter-book",
                            "use_repository_button": True,
                            "launch_buttons": {"binderhub_url": "https://mybinder.org", "colab_url": "x"}},
        html_context={}, html_static_path=[], mathjax_path="https://cdn/mathjax.js", nb_ipywidgets_js={},
    )


def test_no_repository_url_means_no_repository_or_launch_buttons(monkeypatch, tmp_path):
    monkeypatch.delenv("MLSD_REPOSITORY_URL", raising=False)
    monkeypatch.setattr(self_contained, "ASSETS", tmp_path)  # no node_modules: CDN fallback
    config = _config()
    self_contained._config_inited(SimpleNamespace(outdir=str(tmp_path / "html")), config)
    opts = config.html_theme_options
    assert "repository_url" not in opts and opts["use_repository_button"] is False
    assert opts["launch_buttons"]["binderhub_url"] == "" and opts["launch_buttons"]["colab_url"] == ""
    assert config.mathjax_path.startswith("https://") and config.html_context["default_mode"] == "light"


def test_a_configured_repository_gets_its_buttons(monkeypatch, tmp_path):
    monkeypatch.setenv("MLSD_REPOSITORY_URL", "https://example.org/me/mlsd")
    monkeypatch.setattr(self_contained, "ASSETS", tmp_path)
    config = _config()
    self_contained._config_inited(SimpleNamespace(outdir=str(tmp_path / "html")), config)
    assert config.html_theme_options["repository_url"] == "https://example.org/me/mlsd"
    assert config.html_theme_options["launch_buttons"]["binderhub_url"].startswith("https://")


@pytest.mark.skipif(not self_contained.vendor_ready(), reason="npm assets not installed (make env installs them)")
def test_local_assets_replace_the_cdn(monkeypatch, tmp_path):
    monkeypatch.delenv("MLSD_REPOSITORY_URL", raising=False)
    config = _config()
    self_contained._config_inited(SimpleNamespace(outdir=str(tmp_path / "html")), config)
    staged = Path(config.html_static_path[-1]) / "vendor"
    assert config.mathjax_path == "vendor/mathjax/tex-mml-chtml.js"
    assert (staged / "mathjax" / "tex-mml-chtml.js").exists()
    assert (staged / "html-manager" / "embed-amd.js").exists() and (staged / "requirejs" / "require.js").exists()
    assert list(config.nb_ipywidgets_js) == ["vendor/requirejs/require.js", "vendor/widget-setup.js",
                                             "vendor/html-manager/embed-amd.js"]
    assert not any("integrity" in attrs for attrs in config.nb_ipywidgets_js.values())
    assert not list(staged.rglob("*.map"))


def test_duplicate_inline_scripts_are_dropped():
    from sphinx.builders.html._assets import _JavaScript

    scripts = [_JavaScript(None, body="const A = 1"), _JavaScript("", body="const A = 1"),
               _JavaScript("_static/x.js"), _JavaScript("_static/x.js", **{"async": "async"})]
    context = {"script_files": list(scripts)}
    self_contained._dedupe_scripts(None, "page", "page.html", context, None)
    assert len(context["script_files"]) == 3
