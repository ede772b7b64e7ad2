"""Unit tests of ``mlsd_lib.detection.models``."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlsd_lib.detection.models import OneStageDetector, TwoStageDetector, make_batch
from mlsd_lib.detection.scenes import make_scenes

# -------------------------------------------------------------------------------- models


@pytest.mark.parametrize("cls", [OneStageDetector, TwoStageDetector])
def test_detector_loss_is_finite_and_trains(cls):
    torch.manual_seed(0)
    s = make_scenes(8, seed=0)
    model = cls(image_size=64)
    batch = make_batch(s.images, s.boxes, s.labels, model.anchors)
    loss = model.loss(batch, lam=1.0)
    assert torch.isfinite(loss) and loss.ndim == 0
    loss.backward()
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)
    model.zero_grad()
    # lambda = 0 leaves only the classification terms
    assert model.loss(batch, lam=0.0) < loss + 1e-3 or cls is TwoStageDetector
    dets = model.detect(s.images[:2], score_threshold=0.0)
    assert len(dets) == 2 and all(d["boxes"].shape[1] == 4 for d in dets)
    assert all(len(d["scores"]) <= 20 for d in dets)


def test_detector_input_errors():
    m = OneStageDetector(image_size=64)
    with pytest.raises(ValueError, match="images"):
        m.detect(np.zeros((2, 63, 63), np.float32))
    with pytest.raises(TypeError, match="images"):
        m.detect(np.zeros((2, 64, 64), np.uint8))
    with pytest.raises(ValueError, match="score_threshold"):
        m.detect(np.zeros((1, 64, 64), np.float32), score_threshold=2.0)
