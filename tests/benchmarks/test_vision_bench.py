"""Chapter 2's contrastive training step in the two memory layouts (``make bench``).

``SmallCNN`` keeps its weights and activations channels-last. The reference row is the same
network and the same step in PyTorch's default NCHW layout: one InfoNCE step (two augmented
views of 256 images, forward, backward, Adam) on one thread. Compare the ``mean`` column of
the two rows for the ratio (a comment in ``SmallCNN.__init__`` quotes it). That the two layouts
compute the same step to float rounding is a unit test, ``tests/vision/test_encoders.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlsd_lib import set_threads
from mlsd_lib.vision.augment import TRAIN_AUGMENT, random_augment, to_tensor
from mlsd_lib.vision.encoders import SmallCNN, info_nce_loss


@pytest.fixture(scope="module")
def images():
    set_threads(1)
    return to_tensor(np.random.default_rng(0).integers(0, 256, (256, 28, 28)).astype(np.uint8))


def _step_fn(images, layout):
    torch.manual_seed(0)
    net = SmallCNN()
    if layout == "nchw":   # the same layers, without the switch to channels-last
        net.to(memory_format=torch.contiguous_format)
        net.forward = lambda x: net.head(net.features(x.contiguous()).mean(dim=(2, 3)))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(0)

    def step():
        loss = info_nce_loss(net(random_augment(images, TRAIN_AUGMENT, generator=g)),
                             net(random_augment(images, TRAIN_AUGMENT, generator=g)))
        opt.zero_grad()
        loss.backward()
        opt.step()
        return float(loss)

    return step


@pytest.mark.benchmark(group="contrastive step, 256 images")
def test_training_step_channels_last_mlsd(benchmark, images):
    assert np.isfinite(benchmark(_step_fn(images, "channels_last")))


@pytest.mark.benchmark(group="contrastive step, 256 images")
def test_training_step_nchw_reference(benchmark, images):
    assert np.isfinite(benchmark(_step_fn(images, "nchw")))
