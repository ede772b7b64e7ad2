"""Shared fixtures: repository paths, the notebook list, and an in-process network guard.

`make test` runs pytest inside a network namespace with only loopback up (see Makefile), so
notebook kernels are cut off too. The guard below adds the same rule inside this process, so
a plain `pytest` also fails loudly on an attempted download instead of hanging.
"""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
import socket
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
import kernel_wakeup  # noqa: E402  -- papermill runs kernels in this process

kernel_wakeup.install()
NOTEBOOK_DIR = ROOT / "notebooks"
EXECUTED_DIR = ROOT / "_build" / "executed"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


# The notebooks' second-seed run draws its seed afresh for every test run; a failure names it,
# and MLSD_SECOND_SEED=N replays it.
SECOND_SEED = int(os.environ.get("MLSD_SECOND_SEED") or 1 + secrets.randbelow(10_000))
# pytest-xdist starts its workers after the controller has read this file, and they inherit its
# environment: every worker runs the chapters under the same second seed.
os.environ["MLSD_SECOND_SEED"] = str(SECOND_SEED)


# One id per test run, shared by every worker the same way: a chapter's follow-on tests find
# what its first run left on disk in this run, whichever worker ran it.
RUN_ID = os.environ.get("MLSD_TEST_RUN_ID") or secrets.token_hex(6)
os.environ["MLSD_TEST_RUN_ID"] = RUN_ID


def pytest_report_header(config):
    return f"notebook second-seed runs use SEED={SECOND_SEED} (replay with MLSD_SECOND_SEED={SECOND_SEED})"


def chapter_notebooks() -> list[Path]:
    return sorted(NOTEBOOK_DIR.glob("ch*.ipynb"))


class NetworkBlocked(OSError):
    """Raised by the test guard when code tries to reach a non-loopback address."""


_real_connect = socket.socket.connect
_real_create_connection = socket.create_connection


def _is_local(address) -> bool:
    if isinstance(address, str | bytes):  # AF_UNIX path
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: resolving it is already a network access


def _guarded_connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address):
        raise NetworkBlocked(f"network access blocked in tests: connect to {address!r}")
    return _real_connect(self, address)


def _guarded_create_connection(address, *args, **kwargs):
    if not _is_local(address):
        raise NetworkBlocked(f"network access blocked in tests: connect to {address!r}")
    return _real_create_connection(address, *args, **kwargs)


@pytest.fixture(autouse=True, scope="session")
def block_network():
    socket.socket.connect = _guarded_connect
    socket.create_connection = _guarded_create_connection
    yield
    socket.socket.connect = _real_connect
    socket.create_connection = _real_create_connection


def pytest_addoption(parser):
    parser.addoption("--html-dir", default="_build/html", help="built book for built_book_check.py")


def pytest_collection_modifyitems(config, items):
    """Chapter test files first, the longest chapter first (tests/smoke_budget.json).

    `make test` hands whole files to its two workers in this order (``--dist loadfile
    --no-loadscope-reorder``): the long chapters start at once, one per worker, and the
    library's quick tests fill the gaps at the end. Order within a file is kept.
    """
    budget = json.loads((ROOT / "tests" / "smoke_budget.json").read_text())

    def key(item):
        path = Path(str(item.path))
        if path.parent.name == "chapters" and path.stem.startswith("test_ch"):
            return (0, -budget.get(path.stem.removeprefix("test_"), {}).get("measured_s", 0))
        return (1, 0)

    items.sort(key=key)
