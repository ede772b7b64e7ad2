"""Unit tests of ``mlsd_lib.vision.encoders``."""

import copy

import numpy as np
import pytest
import torch

from mlsd_lib.vision.encoders import (
    SmallCNN,
    embed_images,
    embed_pixels,
    info_nce_loss,
    random_encoder,
    supervised_contrastive_loss,
    train_contrastive,
)

from ._helpers import _imgs


def test_info_nce_matches_manual_softmax_cross_entropy():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(5, 4, generator=g), torch.randn(5, 4, generator=g)
    an, bn = a / a.norm(dim=1, keepdim=True), b / b.norm(dim=1, keepdim=True)
    s = (an @ bn.T).numpy() / 0.5
    def ce(m):
        m = m - m.max(1, keepdims=True)
        return -np.mean(np.diag(m) - np.log(np.exp(m).sum(1)))
    assert float(info_nce_loss(a, b, 0.5)) == pytest.approx(0.5 * (ce(s) + ce(s.T)), rel=1e-5)


def test_supcon_reduces_to_infonce_pairs_when_labels_unique():
    # With unique labels the only positive of a view is its twin: the 2N-view NT-Xent loss.
    g = torch.Generator().manual_seed(1)
    a, b = torch.randn(4, 3, generator=g), torch.randn(4, 3, generator=g)
    z = torch.nn.functional.normalize(torch.cat([a, b]), dim=1)
    logits = z @ z.T / 0.3
    logits.fill_diagonal_(-1e9)
    target = torch.cat([torch.arange(4, 8), torch.arange(0, 4)])
    ref = torch.nn.functional.cross_entropy(logits, target)
    assert float(supervised_contrastive_loss(a, b, torch.arange(4), 0.3)) == pytest.approx(float(ref), rel=1e-5)


def test_loss_errors():
    z = torch.zeros(3, 2)
    with pytest.raises(ValueError, match="same shape"):
        info_nce_loss(z, torch.zeros(2, 2))
    with pytest.raises(ValueError, match="temperature must be > 0"):
        info_nce_loss(z, z, 0.0)
    with pytest.raises(ValueError, match="same batch"):
        supervised_contrastive_loss(z, z, torch.tensor([0, 1]))


def test_training_is_deterministic_and_lowers_the_loss():
    x = _imgs(128)
    r1 = train_contrastive(x, epochs=3, batch_size=64, dim=8, progress=False, seed=0)
    r2 = train_contrastive(x, epochs=3, batch_size=64, dim=8, progress=False, seed=0)
    assert r1.losses == r2.losses
    assert np.mean(r1.losses[-2:]) < r1.losses[0]


def test_channels_last_layout_computes_what_nchw_computes():
    torch.manual_seed(0)
    net = SmallCNN(dim=8)
    x = torch.rand(16, 1, 28, 28)
    assert net.features[0].weight.is_contiguous(memory_format=torch.channels_last)
    ref = copy.deepcopy(net).to(memory_format=torch.contiguous_format)
    nchw = ref.head(ref.features(x).mean(dim=(2, 3)))     # the same layers in PyTorch's default layout
    out = net(x)
    torch.testing.assert_close(out, nchw, rtol=1e-4, atol=1e-5)
    out.sum().backward()
    nchw.sum().backward()
    torch.testing.assert_close(net.features[0].weight.grad, ref.features[0].weight.grad, rtol=1e-4, atol=1e-5)


def test_training_errors():
    with pytest.raises(ValueError, match="batch_size"):
        train_contrastive(_imgs(4), batch_size=8, progress=False)
    with pytest.raises(ValueError, match="labels must have one entry per image"):
        train_contrastive(_imgs(8), labels=[0, 1], batch_size=4, progress=False)
    with pytest.raises(ValueError, match="epochs must be >= 1"):
        train_contrastive(_imgs(8), epochs=0, progress=False)
    with pytest.raises(ValueError, match="widths must hold three"):
        SmallCNN(widths=(4, 4))


def test_embeddings_are_unit_norm_and_pixels_match_numpy():
    e = embed_images(random_encoder(dim=6), _imgs(5))
    np.testing.assert_allclose(np.linalg.norm(e, axis=1), 1, atol=1e-5)
    p = embed_pixels(_imgs(5))
    ref = _imgs(5).reshape(5, -1) / np.linalg.norm(_imgs(5).reshape(5, -1), axis=1, keepdims=True)
    np.testing.assert_allclose(p, ref, atol=1e-6)
