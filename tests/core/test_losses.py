"""Losses against closed forms and torch references."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mlsd_lib import losses


def test_focal_loss_reduces_to_bce_and_downweights_easy_examples():
    torch.manual_seed(0)
    z, y = torch.randn(50), (torch.rand(50) > 0.5).float()
    assert torch.isclose(losses.focal_loss(z, y, gamma=0.0), F.binary_cross_entropy_with_logits(z, y))
    # Closed form for one example: -(1 - p)^gamma * log p with p = sigmoid(z) for a positive.
    p = torch.sigmoid(torch.tensor(1.5))
    expected = -((1 - p) ** 2) * torch.log(p)
    assert torch.isclose(losses.focal_loss(torch.tensor([1.5]), torch.tensor([1.0]), gamma=2.0), expected)
    easy, hard = torch.tensor([4.0]), torch.tensor([-1.0])
    one = torch.tensor([1.0])
    ratio_focal = losses.focal_loss(easy, one) / losses.focal_loss(hard, one)
    ratio_bce = F.binary_cross_entropy_with_logits(easy, one) / F.binary_cross_entropy_with_logits(hard, one)
    assert ratio_focal < ratio_bce / 10


def test_class_balanced_weights_limits():
    y = np.r_[np.zeros(90), np.ones(10)].astype(int)
    np.testing.assert_allclose(losses.class_balanced_weights(y, beta=0.0), [1, 1])
    w = losses.class_balanced_weights(y, beta=0.999999)
    assert w[1] / w[0] == pytest.approx(9, rel=1e-3)        # beta -> 1: inverse frequency
