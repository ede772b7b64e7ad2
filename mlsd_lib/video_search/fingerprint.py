"""Content fingerprints of clips, for the re-ranking service's near-duplicate rule
(source ch. 4, "Re-ranking service"; the source's further reading points to learned
near-duplicate video detection).

The search embedding is the wrong test for a duplicate: it is trained to put every clip of
the same product, colour and motion in one place, so two different uploads of a red bag
moving left sit at cosine 0.9999 and one of them would be dropped. A fingerprint of the
pixels tells a re-upload from a different video of the same thing.

- :func:`clip_fingerprints` — every pixel of a clip, mean removed, at unit length: the dot
  product of two fingerprints is the Pearson correlation of the two clips' pixels.

Introduced in chapter 4, "Serving".
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array
from mlsd_lib.vectors import normalize_rows


def clip_fingerprints(clips: ArrayLike) -> np.ndarray:
    """Content fingerprints of a batch of clips, (n, frames * height * width * channels) float32.

    Each clip's pixels are flattened, their mean removed and the row scaled to unit length,
    so the dot product of two rows is the correlation of the two clips' pixels. A re-upload
    of the same clip scores 1; a change of brightness or contrast leaves the score at 1; light
    re-encoding noise lowers it a little; a different clip scores lower, however alike its
    topic. A clip of one flat colour has no pattern to correlate and gets an all-zero row,
    a duplicate of nothing.

    Parameters
    ----------
    clips : (n, frames, height, width, channels) pixels, uint8 or float (one clip:
        ``clip[None]``).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> clip = rng.integers(0, 256, (4, 8, 8, 3)).astype(np.uint8)
    >>> brighter = np.clip(clip * 0.9 + 20, 0, 255).astype(np.uint8)
    >>> other = rng.integers(0, 256, (4, 8, 8, 3)).astype(np.uint8)
    >>> f = clip_fingerprints(np.stack([clip, brighter, other]))
    >>> f.shape, round(float(f[0] @ f[1]), 2), bool(abs(f[0] @ f[2]) < 0.2)
    ((3, 768), 1.0, True)
    """
    x = as_array(clips, "clips", ndim=5, dtype="any")
    if not np.issubdtype(x.dtype, np.integer) and not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"clips must hold pixel numbers (uint8 or float), got dtype {x.dtype}")
    flat = x.reshape(len(x), -1).astype(np.float32)
    if not np.isfinite(flat).all():
        raise ValueError("clips hold NaN or infinite pixels; fingerprint finite pixel values")
    flat -= flat.mean(axis=1, keepdims=True)
    return normalize_rows(flat, "clips", zero_rows="keep")
