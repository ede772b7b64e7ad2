"""RoI pooling and RoI align in plain torch (torchvision's ops are not available here).

Both cut a fixed ``output_size``² grid of features out of a feature map for every region of
interest, so a classifier with a fixed input size can read regions of any size (Fast R-CNN).
``rois`` are ``(batch_index, x1, y1, x2, y2)`` rows in image pixels; ``spatial_scale``
(1 / stride) maps them onto the feature map.

- :func:`roi_pool` (Fast R-CNN) rounds the region to whole feature cells and takes the
  maximum of each bin: the rounding shifts boxes by up to half a stride.
- :func:`roi_align` (Mask R-CNN) keeps the region's exact coordinates and averages
  ``sampling_ratio``² bilinear samples per bin: no rounding, and it is differentiable with
  respect to the features everywhere. The two-stage detector uses it.

Introduced in chapter 3, "Model development".
"""

from __future__ import annotations

import math

import numpy as np

from mlsd_lib._validation import as_array, check_boxes, check_finite, check_float, check_int

__all__ = ["roi_pool", "roi_align"]


def _check(features, rois, output_size, spatial_scale):
    import torch

    if not isinstance(features, torch.Tensor) or features.ndim != 4 or not features.is_floating_point():
        raise TypeError("features must be a float torch tensor of shape (batch, channels, height, width)")
    check_finite(features, "features")
    if not isinstance(rois, torch.Tensor):
        rois = torch.as_tensor(as_array(rois, "rois", ndim=2, allow_empty=True).astype(np.float32))
    if rois.ndim != 2 or rois.shape[1] != 5:
        raise ValueError(f"rois must be (n, 5) rows of (batch_index, x1, y1, x2, y2), got {tuple(rois.shape)}")
    check_finite(rois, "rois")
    check_boxes(rois[:, 1:].detach().numpy(), "rois[:, 1:]")
    rois = rois.to(features.dtype)
    b = rois[:, 0]
    if len(rois) and (b.min() < 0 or b.max() >= features.shape[0] or (b != b.round()).any()):
        raise ValueError(f"rois batch indices must be integers in [0, {features.shape[0]})")
    output_size = check_int(output_size, "output_size", low=1)
    spatial_scale = check_float(spatial_scale, "spatial_scale", low=0.0, low_open=True)
    return rois, output_size, spatial_scale


def roi_pool(features, rois, output_size: int = 2, spatial_scale: float = 1.0):
    """Max-pool each region into ``output_size``² bins after rounding it to whole cells.

    Returns a tensor ``(n_rois, channels, output_size, output_size)``.

    Examples
    --------
    >>> import torch
    >>> f = torch.arange(16.0).reshape(1, 1, 4, 4)
    >>> roi_pool(f, [[0, 0, 0, 3, 3]], output_size=2)[0, 0].tolist()
    [[5.0, 7.0], [13.0, 15.0]]
    """

    rois, p, scale = _check(features, rois, output_size, spatial_scale)
    n, c, h, w = len(rois), features.shape[1], features.shape[2], features.shape[3]
    out = features.new_zeros((n, c, p, p))
    for r in range(n):
        bi = int(rois[r, 0])
        x1, y1, x2, y2 = (int(round(float(v) * scale)) for v in rois[r, 1:])
        x1, y1 = min(max(x1, 0), w - 1), min(max(y1, 0), h - 1)
        x2, y2 = min(max(x2, x1), w - 1), min(max(y2, y1), h - 1)
        rh, rw = y2 - y1 + 1, x2 - x1 + 1          # rounded region, inclusive of its end cell
        for i in range(p):
            ys, ye = y1 + math.floor(i * rh / p), y1 + math.ceil((i + 1) * rh / p)
            for j in range(p):
                xs, xe = x1 + math.floor(j * rw / p), x1 + math.ceil((j + 1) * rw / p)
                out[r, :, i, j] = features[bi, :, ys:ye, xs:xe].amax(dim=(1, 2))
    return out


def roi_align(features, rois, output_size: int = 5, spatial_scale: float = 1.0, sampling_ratio: int = 2):
    """Average ``sampling_ratio``² bilinear samples in each of the ``output_size``² bins.

    Feature cell ``(i, j)`` is taken to sit at the point ``(j + 0.5, i + 0.5)`` in feature
    coordinates (the "aligned" convention), so a region's coordinates are used unrounded.

    Examples
    --------
    >>> import torch
    >>> f = torch.arange(4.0).repeat(4, 1)[None, None]     # value = column index
    >>> roi_align(f, [[0, 0, 0, 4, 4]], output_size=2, sampling_ratio=2)[0, 0].tolist()
    [[0.5, 2.5], [0.5, 2.5]]
    """
    import torch
    import torch.nn.functional as F

    rois, p, scale = _check(features, rois, output_size, spatial_scale)
    s = check_int(sampling_ratio, "sampling_ratio", low=1)
    n, h, w = len(rois), features.shape[2], features.shape[3]
    if n == 0:
        return features.new_zeros((0, features.shape[1], p, p))
    box = rois[:, 1:] * scale
    # sample positions inside each bin, as fractions of the region: (p * s,)
    frac = (torch.arange(p * s, dtype=features.dtype) + 0.5) / (p * s)
    xs = box[:, 0:1] + frac[None] * (box[:, 2:3] - box[:, 0:1])       # (n, p*s)
    ys = box[:, 1:2] + frac[None] * (box[:, 3:4] - box[:, 1:2])
    # feature coordinates -> grid_sample's normalised [-1, 1] (align_corners=False)
    gx = xs / w * 2 - 1
    gy = ys / h * 2 - 1
    grid = torch.stack([gx[:, None, :].expand(n, p * s, p * s), gy[:, :, None].expand(n, p * s, p * s)], -1)
    picked = features[rois[:, 0].long()]
    samples = F.grid_sample(picked, grid, mode="bilinear", padding_mode="border", align_corners=False)
    return F.avg_pool2d(samples, kernel_size=s)
