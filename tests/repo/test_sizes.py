"""Every chapter's sizes ask only for data that ships, and a bad size stops at the top.

The size cell (tagged ``sizes``) of each notebook is executed on its own, right after the
parameters cell, with ``SIZE`` set to each value a reader may choose: no model is trained, so
a full-size request for more images than ``data/`` holds fails here in seconds instead of ten
minutes into ``make book``.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import chapter_notebooks

from mlsd_lib.data import check_data_request, load_fashion_mnist, shipped_counts

NOTEBOOKS = chapter_notebooks()


def _cells(nb):
    return json.loads(nb.read_text())["cells"]


def _tagged(nb, tag):
    code = [c for c in _cells(nb) if c["cell_type"] == "code"]
    idx = [i for i, c in enumerate(code) if tag in c.get("metadata", {}).get("tags", [])]
    assert len(idx) == 1, f"{nb.name}: exactly one code cell must be tagged {tag!r}"
    return idx[0], "".join(code[idx[0]]["source"])


def _run_size_cells(nb, size):
    p_idx, params = _tagged(nb, "parameters")
    s_idx, sizes = _tagged(nb, "sizes")
    assert s_idx == p_idx + 1, f"{nb.name}: the sizes cell must follow the parameters cell"
    ns: dict = {}
    exec(compile(params, f"{nb.name}:parameters", "exec"), ns)
    ns["SIZE"] = size  # what papermill's injected cell does
    exec(compile(sizes, f"{nb.name}:sizes", "exec"), ns)
    return ns


@pytest.mark.parametrize("size", ["smoke", "full"])
@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_size_cell_asks_only_for_shipped_data(nb, size):
    ns = _run_size_cells(nb, size)
    assert ns["FULL"] is (size == "full")
    _, sizes = _tagged(nb, "sizes")
    assert "check_data_request(" in sizes, f"{nb.name}: the sizes cell must call check_data_request"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_unknown_size_stops_at_the_size_cell(nb):
    with pytest.raises(ValueError, match="SIZE must be 'smoke' or 'full'"):
        _run_size_cells(nb, "medium")


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_fashion_mnist_load_uses_a_checked_count(nb):
    """A loader call may only ask for a count the sizes cell has checked."""
    _, sizes = _tagged(nb, "sizes")
    checked = set(re.findall(r"fashion_mnist_\w+=(\w+)", sizes))
    code = "\n".join("".join(c["source"]) for c in _cells(nb) if c["cell_type"] == "code")
    for call in re.findall(r"load_fashion_mnist\(([^)]*)\)", code):
        n = re.search(r"n=([^,)]+)", call)
        assert n and n.group(1).strip() in checked, (
            f"{nb.name}: load_fashion_mnist({call}) asks for a count the sizes cell does not check"
        )


def test_shipped_counts_match_the_loaders():
    counts = shipped_counts()
    assert counts["fashion_mnist_train"] == len(load_fashion_mnist("train")[1]) == 20_000
    assert counts["fashion_mnist_test"] == len(load_fashion_mnist("test")[1]) == 10_000
    assert counts["credit_data_rows"] == 4_454
    assert counts["movielens_users"] == 671


def test_loader_reads_only_what_ships(monkeypatch):
    """A fuller copy elsewhere on the machine must not change the data (issue: fresh machines)."""
    x, y, prov = load_fashion_mnist("train")
    assert len(x) == 20_000 and "data/fashion-mnist" in prov.loaded_from
    with pytest.raises(ValueError, match="exceeds the 20,000 images of the train split"):
        load_fashion_mnist("train", n=20_001)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({}, ValueError, "name at least one source"),
        ({"imagenet": 5}, ValueError, "unknown data source 'imagenet'"),
        ({"fashion_mnist_test": 0}, ValueError, "fashion_mnist_test must be at least 1"),
        ({"fashion_mnist_test": 10_001}, ValueError, "asks for 10,001 Fashion-MNIST test images"),
        ({"fashion_mnist_test": 2.5}, TypeError, "fashion_mnist_test must be an integer"),
        ({"movielens_users": True}, TypeError, "movielens_users must be an integer"),
    ],
)
def test_check_data_request_rejects_bad_requests(kwargs, error, match):
    with pytest.raises(error, match=match):
        check_data_request(**kwargs)


def test_check_data_request_fills_in_whole_sources():
    assert check_data_request(movielens_users=None, fashion_mnist_train=100) == {
        "movielens_users": 671, "fashion_mnist_train": 100,
    }
