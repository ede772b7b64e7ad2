"""Reproducibility and thread settings every notebook calls in its first cells.

Introduced in chapter 1, "Clarifying requirements" (the set-up cell).
"""

from __future__ import annotations

import os
import random

import numpy as np

from mlsd_lib._validation import check_int


def seed_everything(seed: int) -> np.random.Generator:
    """Seed Python, NumPy and torch; return a NumPy ``Generator`` for explicit use.

    Examples
    --------
    >>> rng = seed_everything(0)
    >>> float(rng.random()) == float(seed_everything(0).random())
    True
    """
    seed = check_int(seed, "seed", low=0)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 -- seeds third-party code that still uses the legacy global RNG
    try:
        import torch

        torch.manual_seed(seed)
    except ImportError:  # torch is optional for the pure-NumPy parts
        pass
    return np.random.default_rng(seed)


def set_threads(n: int | None = None) -> int:
    """Pin torch, faiss and BLAS/OpenMP to ``n`` threads (default: ``$OMP_NUM_THREADS`` or 1).

    torch, faiss and OpenBLAS each keep an OpenMP pool; on a 2-core machine three pools of
    two threads oversubscribe the cores and make faiss several times slower.

    Examples
    --------
    >>> set_threads(1)
    1
    """
    if n is None:
        n = int(os.environ.get("OMP_NUM_THREADS", "1") or 1)
    n = check_int(n, "n", low=1, high=os.cpu_count() or 1)
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=n)
    try:
        import torch

        torch.set_num_threads(n)
    except ImportError:
        pass
    try:
        import faiss

        faiss.omp_set_num_threads(n)
    except ImportError:
        pass
    return n


def resolve_size(size: str) -> str:
    """Check a notebook's size switch: ``"smoke"`` (tests) or ``"full"`` (the book)."""
    if size not in ("smoke", "full"):
        raise ValueError(f"SIZE must be 'smoke' or 'full' (set MLSD_SIZE; the size argument), got {size!r}")
    return size


def progress(iterable, desc: str | None = None, **options):
    """A ``tqdm.auto`` bar over ``iterable`` for a reader in JupyterLab, and none in executed copies.

    ``make test`` and ``make book`` set ``TQDM_DISABLE=1``; tqdm's notebook bar draws its
    widget before it reads that variable, so the switch is applied here, explicitly.

    Examples
    --------
    >>> list(progress(range(3), desc="demo", disable=True))
    [0, 1, 2]
    """
    from tqdm.auto import tqdm

    if desc is not None and not isinstance(desc, str):
        raise TypeError(f"desc must be a string or None, got {type(desc).__name__}")
    bars_off = os.environ.get("TQDM_DISABLE", "").lower() not in ("", "0", "false")
    options["disable"] = bool(options.get("disable", False)) or bars_off
    return tqdm(iterable, desc=desc, **options)
