"""Unit tests of ``mlsd_lib.detection.roi``."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlsd_lib.detection import roi as ROI

# --------------------------------------------------------------------------------- RoI ops


def test_roi_pool_hand_computed():
    f = torch.arange(16.0).reshape(1, 1, 4, 4)
    assert ROI.roi_pool(f, [[0, 0, 0, 3, 3]], 2)[0, 0].tolist() == [[5, 7], [13, 15]]
    # a region of the right half, at stride 2: image box (4, 0, 8, 8) -> cells 2-3 (after rounding)
    assert ROI.roi_pool(f, [[0, 4, 0, 7, 7]], 2, spatial_scale=0.5)[0, 0].tolist() == [[6, 7], [14, 15]]


def test_roi_align_hand_computed():
    # feature value = 10 * row + column: bilinear sampling of a linear map is exact
    f = (10 * torch.arange(4.0)[:, None] + torch.arange(4.0)[None]).reshape(1, 1, 4, 4)
    out = ROI.roi_align(f, [[0, 1, 1, 3, 3]], output_size=2, sampling_ratio=2)[0, 0]
    # bins cover [1, 2] and [2, 3]; their centres 1.5, 2.5 sit at cells 1.0, 2.0 (centre at +0.5)
    assert torch.allclose(out, torch.tensor([[11.0, 12.0], [21.0, 22.0]]))


def test_roi_align_batch_index_and_gradients():
    f = torch.randn(2, 3, 8, 8, requires_grad=True)
    out = ROI.roi_align(f, [[1, 0, 0, 8, 8], [0, 2, 2, 6, 6]], output_size=3)
    assert out.shape == (2, 3, 3, 3)
    out.sum().backward()
    assert f.grad[1].abs().sum() > 0 and f.grad[0].abs().sum() > 0
    with pytest.raises(ValueError, match="batch indices"):
        ROI.roi_align(f.detach(), [[2, 0, 0, 1, 1]])


def test_roi_align_equals_bilinear_grid_sampling_and_its_gradient():
    """The separable form (two small matrix products per image) against the direct one: every bin
    the mean of s x s bilinear samples taken by ``grid_sample`` (border padding), values and
    gradients, on random maps, regions inside and outside the map, scales and grid sizes."""
    import torch.nn.functional as F

    def direct(f, rois, p, scale, s):
        r = torch.as_tensor(rois, dtype=torch.float32).to(f.dtype)
        n, h, w = len(r), f.shape[2], f.shape[3]
        box = r[:, 1:] * scale
        frac = (torch.arange(p * s, dtype=f.dtype) + 0.5) / (p * s)
        xs = box[:, 0:1] + frac[None] * (box[:, 2:3] - box[:, 0:1])
        ys = box[:, 1:2] + frac[None] * (box[:, 3:4] - box[:, 1:2])
        grid = torch.stack([(xs / w * 2 - 1)[:, None, :].expand(n, p * s, p * s),
                            (ys / h * 2 - 1)[:, :, None].expand(n, p * s, p * s)], -1)
        samples = F.grid_sample(f[r[:, 0].long()], grid, mode="bilinear", padding_mode="border",
                                align_corners=False)
        return F.avg_pool2d(samples, kernel_size=s)

    rng = np.random.default_rng(0)
    for _ in range(60):
        b, c, h, w = rng.integers(1, 4), rng.integers(1, 4), rng.integers(1, 10), rng.integers(1, 10)
        scale, p, s, n = float(rng.choice([1.0, 0.5, 0.25])), int(rng.integers(1, 6)), int(rng.integers(1, 4)), int(rng.integers(1, 7))
        x1, y1 = rng.uniform(-4, w / scale + 4, n), rng.uniform(-4, h / scale + 4, n)
        rois = np.c_[rng.integers(0, b, n), x1, y1, x1 + rng.uniform(0, 16, n), y1 + rng.uniform(0, 16, n)]
        f = torch.randn(b, c, h, w, dtype=torch.float64, generator=torch.Generator().manual_seed(int(rng.integers(1e6))))
        fa, fb = f.clone().requires_grad_(), f.clone().requires_grad_()
        out_a, out_b = ROI.roi_align(fa, rois, p, scale, s), direct(fb, rois, p, scale, s)
        torch.testing.assert_close(out_a, out_b)
        weight = torch.randn(out_a.shape, dtype=torch.float64)
        (out_a * weight).sum().backward()
        (out_b * weight).sum().backward()
        torch.testing.assert_close(fa.grad, fb.grad)
