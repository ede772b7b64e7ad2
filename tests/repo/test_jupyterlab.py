"""JupyterLab starts from the set-up environment and offers the chapters and the book's kernel."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from conftest import NOTEBOOK_DIR, ROOT, chapter_notebooks


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, token: str) -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(req, timeout=10) as resp:  # loopback only
        return resp.status, resp.read()


@pytest.mark.timeout(180)
def test_jupyter_lab_serves_the_notebooks_and_the_mlsd_kernel(tmp_path):
    port, token = _free_port(), "mlsd-test-token"
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTER_CONFIG_DIR=str(tmp_path / "config"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ROOT}", "--ServerApp.open_browser=False",
         "--allow-root", "--LabApp.extension_manager=readonly"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                status, page = _get(f"{base}/lab", token)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"jupyter lab did not answer on {base}: {proc.stderr.read()[-2000:] if proc.poll() is not None else 'timeout'}")
                time.sleep(0.5)
        assert status == 200 and b"JupyterLab" in page
        _, listing = _get(f"{base}/api/contents/notebooks", token)
        names = {item["name"] for item in json.loads(listing)["content"]}
        assert {nb.name for nb in chapter_notebooks()} <= names, names
        _, specs = _get(f"{base}/api/kernelspecs", token)
        kernels = {s["spec"]["display_name"]: s["spec"] for s in json.loads(specs)["kernelspecs"].values()}
        assert "Python 3 (mlsd)" in kernels, sorted(kernels)
        # A reader who starts JupyterLab by hand gets the Makefile's thread and offline settings
        # from the kernel itself (no OpenBLAS warning from `implicit`, no hub lookups).
        env = kernels["Python 3 (mlsd)"].get("env", {})
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "HF_HUB_OFFLINE"):
            assert env.get(name) == "1", (name, env)
        assert "TQDM_DISABLE" not in env, "progress bars belong in JupyterLab"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert NOTEBOOK_DIR.exists()
