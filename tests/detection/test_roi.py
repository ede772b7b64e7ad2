"""Unit tests of ``mlsd_lib.detection.roi``."""

from __future__ import annotations

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
