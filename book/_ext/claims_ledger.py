"""Sphinx extension: render ``book/claims_ledger.md`` from the claims the chapters recorded.

Notebooks execute while Sphinx reads them, and each writes its claim records to the claims
directory (``mlsd_lib.claims.default_claims_dir``). This extension makes Sphinx read the
ledger page last, and re-read it on every build, then replaces its placeholder with the
table built from those records — so the ledger always shows the figures of the execution
that rendered the chapters.
"""

from __future__ import annotations

LEDGER_DOCNAME = "book/claims_ledger"
PLACEHOLDER = "<!-- claims-ledger-table -->"


def _outdated(app, env, added, changed, removed):
    return [LEDGER_DOCNAME] if LEDGER_DOCNAME in env.found_docs else []


def _read_ledger_last(app, env, docnames):
    if LEDGER_DOCNAME in docnames:
        docnames.remove(LEDGER_DOCNAME)
        docnames.append(LEDGER_DOCNAME)


def _fill_ledger(app, docname, source):
    if docname != LEDGER_DOCNAME:
        return
    from mlsd_lib.claims import render_ledger

    if PLACEHOLDER not in source[0]:
        raise RuntimeError(f"{LEDGER_DOCNAME}.md lost its placeholder {PLACEHOLDER}")
    source[0] = source[0].replace(PLACEHOLDER, render_ledger())


def setup(app):
    app.connect("env-get-outdated", _outdated)
    app.connect("env-before-read-docs", _read_ledger_last)
    app.connect("source-read", _fill_ledger)
    return {"version": "0.1", "parallel_read_safe": False, "parallel_write_safe": True}
