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


def _bin_weights(lo, hi, p: int, s: int, size: int):
    """Bilinear weights that average ``s`` samples in each of ``p`` bins of ``[lo, hi]``: ``(n, p, size)``.

    Sample ``k`` of a region sits at ``lo + (k + 0.5) / (p s) (hi - lo)`` in feature
    coordinates, where cell ``i`` is centred on ``i + 0.5``; outside the map it takes the
    edge cell's value (``grid_sample``'s ``padding_mode="border"``).
    """
    import torch

    frac = (torch.arange(p * s, dtype=lo.dtype) + 0.5) / (p * s)
    pos = (lo[:, None] + frac[None] * (hi - lo)[:, None] - 0.5).clamp(0, size - 1)     # (n, p*s)
    left = pos.floor()
    right_w = pos - left
    left = left.long()
    right = (left + 1).clamp(max=size - 1)
    w = torch.zeros((len(lo), p * s, size), dtype=lo.dtype)
    w.scatter_add_(2, left[..., None], (1 - right_w)[..., None])
    w.scatter_add_(2, right[..., None], right_w[..., None])
    return w.reshape(len(lo), p, s, size).mean(2)


def roi_align(features, rois, output_size: int = 5, spatial_scale: float = 1.0, sampling_ratio: int = 2):
    """Average ``sampling_ratio``² bilinear samples in each of the ``output_size``² bins.

    Feature cell ``(i, j)`` is taken to sit at the point ``(j + 0.5, i + 0.5)`` in feature
    coordinates (the "aligned" convention), so a region's coordinates are used unrounded.
    Bilinear sampling on a grid is separable, so each region's bins are two small matrix
    products with its image's feature map, ``Wy F Wxᵀ``: no per-region copy of the map.

    Examples
    --------
    >>> import torch
    >>> f = torch.arange(4.0).repeat(4, 1)[None, None]     # value = column index
    >>> roi_align(f, [[0, 0, 0, 4, 4]], output_size=2, sampling_ratio=2)[0, 0].tolist()
    [[0.5, 2.5], [0.5, 2.5]]
    """
    import torch

    rois, p, scale = _check(features, rois, output_size, spatial_scale)
    s = check_int(sampling_ratio, "sampling_ratio", low=1)
    n, c, h, w = len(rois), features.shape[1], features.shape[2], features.shape[3]
    if n == 0:
        return features.new_zeros((0, c, p, p))
    box = rois[:, 1:] * scale
    if not torch.isfinite(box).all():
        raise ValueError(f"spatial_scale={spatial_scale!r} maps the rois beyond float range; "
                         "pass 1 / the feature stride (e.g. 0.25)")
    wy = _bin_weights(box[:, 1], box[:, 3], p, s, h)           # (n, p, h)
    wx = _bin_weights(box[:, 0], box[:, 2], p, s, w)           # (n, p, w)
    image = rois[:, 0].long()
    out = []
    order = torch.argsort(image, stable=True)
    for b in image[order].unique_consecutive():
        idx = order[image[order] == b]
        k = len(idx)
        # rows: (k p, h) @ (h, c w) -> (k, p, c, w); then columns: (k, c, p, w) @ (k, w, p)
        rows = (wy[idx].reshape(k * p, h) @ features[b].permute(1, 0, 2).reshape(h, c * w)).reshape(k, p, c, w)
        out.append(torch.matmul(rows.permute(0, 2, 1, 3), wx[idx].transpose(1, 2)[:, None]))
    pooled = torch.cat(out)
    return pooled[torch.argsort(order)]
