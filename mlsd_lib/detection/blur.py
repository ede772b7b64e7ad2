"""Blurring the detected regions: Gaussian blur or pixelation, strong enough to anonymise.

The blur scales with the box: a Gaussian whose sigma is ``strength`` times the box's shorter
side, or blocks of ``strength`` times that side. A fixed kernel would leave a large face
recognisable and wipe out a small one's surroundings.

Introduced in chapter 3, "Serving".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_boxes, check_choice, check_float, check_int

__all__ = ["blur_regions", "nearest_identity", "identity_leak"]


def blur_regions(image: ArrayLike, boxes: ArrayLike, method: str = "gaussian", strength: float = 0.5,
                 pad: float = 0.1) -> np.ndarray:
    """A copy of ``image`` (grey ``(h, w)`` or colour ``(h, w, 3)``) with every box blurred.

    ``boxes`` are xyxy in pixels; each is grown by ``pad`` of its size on every side and
    clipped to the image. ``method`` is ``"gaussian"`` or ``"pixelate"``.

    Examples
    --------
    >>> img = np.zeros((8, 8), np.float32); img[2:4, 2:4] = 1
    >>> out = blur_regions(img, [[0, 0, 8, 8]], "pixelate", strength=0.5, pad=0)
    >>> float(out[0, 0]), float(img.sum()) == float(out.sum())
    (0.25, True)
    """
    import cv2

    img = as_array(image, "image", ndim=(2, 3), dtype="any")
    if not np.issubdtype(img.dtype, np.number) or np.issubdtype(img.dtype, np.complexfloating):
        raise TypeError(f"image must hold real numbers, got dtype {img.dtype}")
    if img.ndim == 3 and img.shape[2] not in (1, 3):
        raise ValueError(f"image must be (h, w) or (h, w, 3), got shape {img.shape}")
    if np.issubdtype(img.dtype, np.floating) and not np.isfinite(img).all():
        raise ValueError("image contains NaN or inf")
    b = check_boxes(boxes, "boxes")
    method = check_choice(method, "method", ("gaussian", "pixelate"))
    strength = check_float(strength, "strength", low=0.0, high=1.0, low_open=True)
    pad = check_float(pad, "pad", low=0.0, high=1.0)
    out = img.copy()
    h, w = img.shape[:2]
    for x1, y1, x2, y2 in b:
        bw, bh = x2 - x1, y2 - y1
        xa, ya = int(max(0, np.floor(x1 - pad * bw))), int(max(0, np.floor(y1 - pad * bh)))
        xb, yb = int(min(w, np.ceil(x2 + pad * bw))), int(min(h, np.ceil(y2 + pad * bh)))
        if xb - xa < 1 or yb - ya < 1:
            continue
        region = out[ya:yb, xa:xb].astype(np.float32)
        side = min(xb - xa, yb - ya)
        if method == "gaussian":
            sigma = max(0.5, strength * side)
            k = int(2 * np.ceil(3 * sigma) + 1)
            blurred = cv2.GaussianBlur(region, (k, k), sigma, borderType=cv2.BORDER_REFLECT)
        else:
            block = max(1, int(round(strength * side)))
            small = cv2.resize(region, (max(1, (xb - xa) // block), max(1, (yb - ya) // block)),
                               interpolation=cv2.INTER_AREA)
            blurred = cv2.resize(small, (xb - xa, yb - ya), interpolation=cv2.INTER_NEAREST)
        out[ya:yb, xa:xb] = blurred.reshape(region.shape).astype(img.dtype)
    return out


def nearest_identity(crops: ArrayLike, gallery: ArrayLike, max_shift: int = 0, mirror: bool = False) -> np.ndarray:
    """For each crop, the gallery face it correlates with best: a minimal face matcher.

    Crops and gallery images are resized to the gallery's size and standardised (zero mean,
    unit variance), so brightness and contrast do not matter; the match is the gallery row
    with the highest Pearson correlation (a flat crop correlates 0 with every face; the tie
    goes to row 0). A blur that anonymises must defeat it.

    ``max_shift`` > 0 also tries every shift of the crop by up to that many pixels (at the
    gallery's size; edges repeated) and keeps each face's best correlation, and
    ``mirror=True`` also tries the mirrored crop: a matcher that a slightly misplaced box or a
    face turned the other way does not fool.

    Examples
    --------
    >>> g = np.random.default_rng(0).random((5, 8, 8))
    >>> nearest_identity(g[[3, 1]] * 0.5 + 0.2, g).tolist()
    [3, 1]
    """
    import cv2

    gal = as_array(gallery, "gallery", ndim=3)
    h, w = gal.shape[1:]
    if not isinstance(crops, list | tuple):
        crops = list(as_array(crops, "crops", ndim=3))
    if len(crops) == 0:
        return np.zeros(0, np.int64)

    def z(a):
        a = a.reshape(len(a), -1)
        a = a - a.mean(1, keepdims=True)
        sd = a.std(1, keepdims=True)
        # a flat crop carries no pattern: it correlates 0 with every face (ties go to row 0)
        return a / np.where(sd > 1e-6 * (1 + np.abs(a).max(1, keepdims=True)), sd, np.inf)

    rows = []
    for c in crops:
        c = as_array(c, "crops", ndim=2).astype(np.float32)
        if min(c.shape) < 2:
            raise ValueError(f"crops must be at least 2x2 pixels, got {c.shape}")
        rows.append(cv2.resize(c, (w, h), interpolation=cv2.INTER_AREA))
    max_shift = check_int(max_shift, "max_shift", low=0, high=max(0, min(h, w) // 2))
    if not isinstance(mirror, bool | np.bool_):
        raise TypeError(f"mirror must be True or False, got {mirror!r}")
    stack, zg = np.stack(rows), z(gal).T
    best = np.full((len(stack), len(gal)), -np.inf)
    padded = np.pad(stack, ((0, 0), (max_shift, max_shift), (max_shift, max_shift)), mode="edge")
    for view in (padded, padded[:, :, ::-1]) if mirror else (padded,):
        for dy in range(2 * max_shift + 1):
            for dx in range(2 * max_shift + 1):
                best = np.maximum(best, z(np.ascontiguousarray(view[:, dy:dy + h, dx:dx + w])) @ zg)
    return best.argmax(1).astype(np.int64)


def identity_leak(images: Sequence[np.ndarray], boxes: ArrayLike, identities: ArrayLike, gallery: ArrayLike,
                  settings: Sequence[tuple[str | None, float]], pad: float = 0.1, max_shift: int = 0,
                  mirror: bool = False):
    """How often :func:`nearest_identity` still names each face after each blur setting.

    ``images[i]`` holds one face in ``boxes[i]`` (xyxy) of person ``identities[i]``, a row of
    ``gallery``. Each ``(method, strength)`` of ``settings`` blurs every box with
    :func:`blur_regions` (``(None, 0)``: no blur), cuts the box out and asks the matcher
    (``max_shift`` and ``mirror`` as in :func:`nearest_identity`). A
    guess names the person with probability ``1 / len(gallery)``; ``p_above_guess`` is the
    one-sided binomial test of the hits against it, so a large value means the matcher did
    no better than guessing; ``low`` and ``high`` bound the rate (95% Wilson interval).
    Returns a DataFrame, one row per setting.

    Examples
    --------
    >>> g = np.random.default_rng(0).random((20, 8, 8))
    >>> imgs = [np.pad(f, 4) for f in g]
    >>> t = identity_leak(imgs, [[4, 4, 12, 12]] * 20, np.arange(20), g, [(None, 0), ("pixelate", 1.0)])
    >>> int(t.loc[0, "named"]), bool(t.loc[1, "p_above_guess"] > 0.05)   # a flat patch: no better than a guess
    (20, True)
    """
    import pandas as pd
    from scipy.stats import binomtest

    gal = as_array(gallery, "gallery", ndim=3)
    ids = as_array(identities, "identities", ndim=1, dtype="ids")
    b = check_boxes(boxes, "boxes", allow_empty=False)
    if not isinstance(images, list | tuple) or len(images) != len(b) or len(b) != len(ids):
        raise ValueError("images (a list), boxes and identities must have one entry per face")
    if len(ids) == 0:
        raise ValueError("give at least one face")
    if ids.min() < 0 or ids.max() >= len(gal):
        raise ValueError(f"identities must index gallery rows 0..{len(gal) - 1}")
    if (isinstance(settings, str | bytes) or not isinstance(settings, list | tuple) or not settings
            or not all(isinstance(s, list | tuple) and len(s) == 2 for s in settings)):
        raise ValueError("settings must list at least one (method, strength) pair, e.g. [('gaussian', 0.5)]")
    guess = 1 / len(gal)
    rows = []
    for method, strength in settings:
        crops = []
        for img, (x1, y1, x2, y2) in zip(images, b.astype(int), strict=True):
            shown = img if method is None else blur_regions(img, [[x1, y1, x2, y2]], method, strength, pad)
            crops.append(shown[y1:y2, x1:x2])
        named = int((nearest_identity(crops, gal, max_shift, mirror) == ids).sum())
        low, high = binomtest(named, len(ids), guess).proportion_ci(0.95, method="wilson")
        test = binomtest(named, len(ids), guess, alternative="greater")
        rows.append({"method": method or "none", "strength": float(strength), "faces": len(ids), "named": named,
                     "rate": named / len(ids), "low": low, "high": high, "p_above_guess": test.pvalue})
    return pd.DataFrame(rows)
