"""Image augmentations for self-supervised training and for simulating user queries.

One random affine warp per image (crop-and-zoom, shift, rotation, horizontal flip) followed by
a random brightness/contrast change, applied to a whole batch at once with
``torch.nn.functional.grid_sample``. The same machinery, with milder deterministic settings,
turns catalogue images into the *transformed* queries users submit (source ch. 2, Fig. 2.8).

Introduced in chapter 2, "Model development".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_finite, check_float, check_int


@dataclass(frozen=True)
class AugmentConfig:
    """Ranges of the random transform.

    Parameters
    ----------
    min_zoom : smallest side fraction of the random crop (1 = no crop).
    max_shift : largest shift as a fraction of the image side.
    max_rotation : largest rotation in degrees (either direction).
    flip : probability of a horizontal flip.
    brightness, contrast : largest relative change (0.3 = +-30 %).
    """

    min_zoom: float = 0.6
    max_shift: float = 0.15
    max_rotation: float = 20.0
    flip: float = 0.5
    brightness: float = 0.4
    contrast: float = 0.4

    def __post_init__(self) -> None:
        check_float(self.min_zoom, "min_zoom", low=0.1, high=1.0)
        check_float(self.max_shift, "max_shift", low=0.0, high=0.5)
        check_float(self.max_rotation, "max_rotation", low=0.0, high=180.0)
        check_float(self.flip, "flip", low=0.0, high=1.0)
        check_float(self.brightness, "brightness", low=0.0, high=1.0)
        check_float(self.contrast, "contrast", low=0.0, high=1.0)


TRAIN_AUGMENT = AugmentConfig()
# What users do to a photo before searching with it: milder than training, and no flips
# (a mirrored shoe is still the same shoe, but users rarely mirror their photos).
QUERY_TRANSFORM = AugmentConfig(min_zoom=0.7, max_shift=0.1, max_rotation=15.0, flip=0.0,
                                brightness=0.3, contrast=0.3)


def to_tensor(images: ArrayLike):
    """uint8 (n, h, w) or float images in [0, 1] → float32 torch tensor (n, 1, h, w).

    NaN or infinite pixels raise ``ValueError`` (a warp would spread them over the image).
    """
    import torch

    if isinstance(images, torch.Tensor):
        if not (images.is_floating_point() or images.dtype == torch.uint8):
            raise TypeError(f"images must be a float or uint8 tensor, got {images.dtype}")
        if images.numel() == 0:
            raise ValueError("images is empty; pass at least one image")
        x = check_finite(images.float(), "images")
    else:
        arr = as_array(images, "images", ndim=(2, 3, 4), dtype="any")
        if not np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.complexfloating):
            raise TypeError(f"images must hold real numbers, got dtype {arr.dtype}")
        check_finite(arr, "images")
        x = torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32))
        if arr.dtype == np.uint8:
            x = x / 255.0
    if x.ndim == 2:
        x = x[None]
    if x.ndim == 3:
        x = x[:, None]
    if x.ndim != 4 or x.shape[1] != 1:
        raise ValueError(f"images must be (n, h, w) or (n, 1, h, w), got shape {tuple(x.shape)}")
    if min(x.shape[2:]) < 1:
        raise ValueError(f"images must be at least 1 x 1 pixels, got shape {tuple(x.shape)}")
    return x


def random_augment(images: ArrayLike, config: AugmentConfig = TRAIN_AUGMENT, generator=None,
                   return_coverage: bool = False):
    """Apply one random crop/shift/rotation/flip/lighting change to every image.

    Parameters
    ----------
    images : (n, h, w) uint8 or (n, 1, h, w) float tensor in [0, 1].
    config : ranges of the transform.
    generator : ``torch.Generator`` for reproducible draws (``None`` uses torch's global RNG).
    return_coverage : also return, per image, the share of its pixel mass (the product, on a
        dark background) that lies inside the view: the zoomed crop keeps ``zoom**2`` of the
        frame, rotation and flip keep area, so the share is ``zoom**2`` times the warped mass
        over the original mass (before the lighting change). The draws, and so the views, are
        the same with or without it.

    Returns
    -------
    torch.Tensor of shape (n, 1, h, w), values in [0, 1]; with ``return_coverage``, also a
    float64 NumPy array of n shares in [0, 1].

    Examples
    --------
    >>> import torch, numpy as np
    >>> g = torch.Generator().manual_seed(0)
    >>> random_augment(np.zeros((2, 28, 28), np.uint8), generator=g).shape
    torch.Size([2, 1, 28, 28])
    """
    import torch
    import torch.nn.functional as F

    if not isinstance(config, AugmentConfig):
        raise TypeError(f"config must be an AugmentConfig, got {type(config).__name__}")
    x = to_tensor(images)
    n = x.shape[0]

    def uniform(lo: float, hi: float):
        return lo + (hi - lo) * torch.rand(n, generator=generator)

    zoom = uniform(config.min_zoom, 1.0)
    angle = uniform(-config.max_rotation, config.max_rotation) * math.pi / 180
    flip = torch.where(torch.rand(n, generator=generator) < config.flip, -1.0, 1.0)
    # The crop must stay inside the image: the shift range shrinks as the zoom grows.
    room = (1 - zoom) + 2 * config.max_shift
    tx = uniform(-1, 1) * room
    ty = uniform(-1, 1) * room
    cos, sin = torch.cos(angle), torch.sin(angle)
    theta = torch.stack([
        torch.stack([zoom * cos * flip, -zoom * sin, tx], dim=1),
        torch.stack([zoom * sin * flip, zoom * cos, ty], dim=1),
    ], dim=1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    out = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    if return_coverage:
        mass = x.sum(dim=(1, 2, 3)).double()
        kept = out.sum(dim=(1, 2, 3)).double() * zoom.double() ** 2
        coverage = torch.where(mass > 0, kept / mass.clamp(min=1e-12), torch.ones_like(mass)).clamp(0.0, 1.0)
    bright = uniform(1 - config.brightness, 1 + config.brightness)[:, None, None, None]
    contrast = uniform(1 - config.contrast, 1 + config.contrast)[:, None, None, None]
    mean = out.mean(dim=(2, 3), keepdim=True)
    out = ((out - mean) * contrast + mean) * bright
    if return_coverage:
        return out.clamp(0.0, 1.0), coverage.numpy()
    return out.clamp(0.0, 1.0)


def transform_queries(images: ArrayLike, seed: int = 0, config: AugmentConfig = QUERY_TRANSFORM):
    """Deterministic "user-submitted" versions of catalogue images (crops, shifts, tilts, light).

    Returns a float32 NumPy array (n, h, w) in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> a = transform_queries(np.full((1, 28, 28), 200, np.uint8), seed=1)
    >>> a.shape, bool(np.allclose(a, transform_queries(np.full((1, 28, 28), 200, np.uint8), seed=1)))
    ((1, 28, 28), True)
    """
    import torch

    seed = check_int(seed, "seed", low=0)
    g = torch.Generator().manual_seed(seed)
    return random_augment(images, config, generator=g)[:, 0].numpy()


def crop_and_resize(image: ArrayLike, box: tuple[int, int, int, int], size: int | None = None):
    """Cut ``box = (top, left, height, width)`` out of one image and resize it to ``size``.

    This is how a crop query (source ch. 2, Fig. 2.1) enters the encoder: the selected
    region is stretched back to the encoder's input size. ``size`` defaults to the image side.

    Examples
    --------
    >>> import numpy as np
    >>> crop_and_resize(np.ones((28, 28)), (0, 0, 14, 14)).shape
    (28, 28)
    """
    import torch
    import torch.nn.functional as F

    img = as_array(image, "image", ndim=2)
    h, w = img.shape
    if len(box) != 4:
        raise ValueError(f"box must be (top, left, height, width), got {box!r}")
    top, left = check_int(box[0], "top", low=0), check_int(box[1], "left", low=0)
    bh, bw = check_int(box[2], "height", low=2), check_int(box[3], "width", low=2)
    if top + bh > h or left + bw > w:
        raise ValueError(f"box {box} does not fit inside the {h}x{w} image")
    size = h if size is None else check_int(size, "size", low=2)
    scale = 255.0 if np.asarray(image).dtype == np.uint8 else 1.0  # same convention as to_tensor
    crop = torch.from_numpy(np.ascontiguousarray(img[top:top + bh, left:left + bw] / scale, dtype=np.float32))
    out = F.interpolate(crop[None, None], size=(size, size), mode="bilinear", align_corners=False)
    return out[0, 0].numpy()
