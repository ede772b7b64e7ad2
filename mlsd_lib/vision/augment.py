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

from mlsd_lib._validation import as_array, check_boxes, check_finite, check_float, check_int


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
# Street scenes (chapter 3): milder crops and tilts, so that objects stay in the frame.
DETECTION_AUGMENT = AugmentConfig(min_zoom=0.75, max_shift=0.1, max_rotation=10.0, flip=0.5,
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


def _draw_affine(n: int, config: AugmentConfig, generator):
    """One random affine warp per image, as ``affine_grid``'s theta (output -> input coordinates)."""
    import torch

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
    return theta, zoom


def _relight(out, config: AugmentConfig, generator):
    """A random brightness and contrast change per image."""
    import torch

    n = out.shape[0]
    bright = (1 - config.brightness + 2 * config.brightness * torch.rand(n, generator=generator))[:, None, None, None]
    contrast = (1 - config.contrast + 2 * config.contrast * torch.rand(n, generator=generator))[:, None, None, None]
    mean = out.mean(dim=(2, 3), keepdim=True)
    return ((out - mean) * contrast + mean) * bright


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
    theta, zoom = _draw_affine(n, config, generator)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    out = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    if return_coverage:
        mass = x.sum(dim=(1, 2, 3)).double()
        kept = out.sum(dim=(1, 2, 3)).double() * zoom.double() ** 2
        coverage = torch.where(mass > 0, kept / mass.clamp(min=1e-12), torch.ones_like(mass)).clamp(0.0, 1.0)
    out = _relight(out, config, generator)
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
    if isinstance(box, str | bytes) or not hasattr(box, "__len__") or len(box) != 4:
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


def transform_boxes(boxes: ArrayLike, theta, height: int, width: int, min_visible: float = 0.5):
    """Move xyxy pixel boxes the way ``affine_grid(theta)`` moves the image they sit on.

    ``theta`` (2 x 3) maps *output* normalised coordinates to *input* ones, so each box
    corner is mapped back through its inverse; the new box is the axis-aligned box around the
    four moved corners, clipped to the frame. Returns ``(boxes, keep)``: ``keep`` marks boxes
    with at least ``min_visible`` of their moved area still inside the frame (the others
    left the picture and are dropped from the returned boxes).

    Examples
    --------
    >>> import torch
    >>> flip = torch.tensor([[-1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])      # a horizontal flip
    >>> b, keep = transform_boxes([[0, 0, 4, 2]], flip, 8, 8)
    >>> b.tolist(), keep.tolist()
    ([[4.0, 0.0, 8.0, 2.0]], [True])
    """
    import torch

    b = check_boxes(boxes, "boxes")
    height, width = check_int(height, "height", low=1), check_int(width, "width", low=1)
    min_visible = check_float(min_visible, "min_visible", low=0.0, high=1.0)
    if isinstance(theta, str | bytes) or theta is None:
        raise TypeError(f"theta must be a (2, 3) affine matrix, got {type(theta).__name__}")
    try:
        t = torch.as_tensor(theta, dtype=torch.float64).reshape(2, 3).numpy()
    except (TypeError, ValueError, RuntimeError) as exc:
        raise ValueError(f"theta must be a (2, 3) affine matrix: {exc}") from exc
    if not np.isfinite(t).all():
        raise ValueError("theta contains NaN or inf")
    a, shift = t[:, :2], t[:, 2]
    if abs(np.linalg.det(a)) < 1e-9:
        raise ValueError("theta must be an invertible affine map")
    if len(b) == 0:
        return b, np.zeros(0, bool)
    corners = np.stack([b[:, [0, 1]], b[:, [2, 1]], b[:, [2, 3]], b[:, [0, 3]]], axis=1)   # (n, 4, 2)
    scale = np.array([width, height], float)
    norm_in = corners / scale * 2 - 1
    norm_out = (norm_in - shift) @ np.linalg.inv(a).T
    px = (norm_out + 1) / 2 * scale
    moved = np.concatenate([px.min(1), px.max(1)], axis=1)
    clipped = np.clip(moved, 0, [width, height, width, height])
    area = np.prod(moved[:, 2:] - moved[:, :2], axis=1)
    inside = np.prod(np.clip(clipped[:, 2:] - clipped[:, :2], 0, None), axis=1)
    keep = inside >= min_visible * np.maximum(area, 1e-12)
    return clipped[keep], keep


def augment_with_boxes(images: ArrayLike, boxes: list, config: AugmentConfig = DETECTION_AUGMENT,
                       generator=None, move_boxes: bool = True, min_visible: float = 0.5):
    """Augment a batch of scenes and move each image's boxes with it (source ch. 3, "Data augmentation").

    The same random crop, shift, rotation and flip as :func:`random_augment`, then a
    brightness/contrast change (the scenes are grey, so there is no saturation to change).
    With ``move_boxes=False`` the boxes are returned unmoved: the mistake the source warns
    against, kept to measure what it costs.

    Returns ``(images, boxes, keep)``: a float tensor (n, 1, h, w), and per image the moved
    xyxy boxes and the mask of the input boxes that stayed in the frame (to filter labels).

    Examples
    --------
    >>> import torch, numpy as np
    >>> g = torch.Generator().manual_seed(0)
    >>> x, b, keep = augment_with_boxes(np.zeros((1, 32, 32), np.float32), [np.array([[8, 8, 16, 16]])], generator=g)
    >>> tuple(x.shape), b[0].shape[1], keep[0].tolist()
    ((1, 1, 32, 32), 4, [True])
    """
    import torch.nn.functional as F

    if not isinstance(config, AugmentConfig):
        raise TypeError(f"config must be an AugmentConfig, got {type(config).__name__}")
    x = to_tensor(images)
    n, h, w = x.shape[0], x.shape[2], x.shape[3]
    if not isinstance(boxes, list | tuple) or len(boxes) != n:
        raise ValueError(f"boxes must be a list with one (m, 4) array per image ({n})")
    boxes = [check_boxes(b, f"boxes[{i}]") for i, b in enumerate(boxes)]
    min_visible = check_float(min_visible, "min_visible", low=0.0, high=1.0)
    theta, _ = _draw_affine(n, config, generator)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    out = _relight(F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False),
                   config, generator).clamp(0.0, 1.0)
    new_boxes, keeps = [], []
    for i in range(n):
        if move_boxes:
            b, keep = transform_boxes(boxes[i], theta[i], h, w, min_visible)
        else:
            b = boxes[i]
            keep = np.ones(len(b), bool)
        new_boxes.append(b)
        keeps.append(keep)
    return out, new_boxes, keeps
