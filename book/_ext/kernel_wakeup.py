"""Keep notebook execution from hanging on cells that display ipywidgets.

nbclient waits for a cell's reply with ``shell_channel.get_msg(timeout=None)`` while, from
another coroutine, its Output-widget handler *sends* on that same zmq.asyncio socket. A send
can consume the socket's edge-triggered readiness signal, so the pending wait may never wake
although the reply has arrived: the kernel sits idle and the execution hangs until its
timeout (nbclient issue 312). Waiting in one-second slices re-checks the socket each second,
so a swallowed signal costs at most a second instead of the whole build.

Loaded as a Sphinx extension by the book (``_config.yml``) and imported by
``tests/conftest.py``, which run notebooks in-process through jupyter-cache and papermill.
"""

from __future__ import annotations

from queue import Empty
from time import monotonic

from jupyter_client.channels import AsyncZMQSocketChannel

SLICE_S = 1.0
_original_get_msg = AsyncZMQSocketChannel.get_msg


async def _get_msg_in_slices(self, timeout: float | None = None):
    deadline = None if timeout is None else monotonic() + timeout
    while True:
        wait = SLICE_S if deadline is None else max(0.0, min(SLICE_S, deadline - monotonic()))
        try:
            return await _original_get_msg(self, timeout=wait)
        except Empty:
            if deadline is not None and monotonic() >= deadline:
                raise


def install() -> None:
    """Patch jupyter_client's asyncio channel (idempotent)."""
    if AsyncZMQSocketChannel.get_msg is not _get_msg_in_slices:
        AsyncZMQSocketChannel.get_msg = _get_msg_in_slices


def setup(app):
    install()
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
