"""Unit tests of ``mlsd_lib.video_search.encoders``."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlsd_lib.video_search import corpus as vc
from mlsd_lib.video_search import encoders as ve


def test_frame_level_model_cannot_tell_a_clip_from_its_reverse():
    torch.manual_seed(0)
    x = torch.randn(3, 3, 8, 32, 32)
    frame, video = ve.FrameEncoder(8), ve.TwoStreamEncoder(8)
    sampled = x[:, :, [0, 2, 5, 7]]
    torch.testing.assert_close(frame(sampled), frame(sampled.flip(2)), atol=1e-5, rtol=0)
    assert not torch.allclose(video(x), video(x.flip(2)), atol=1e-4)


def test_motion_track_points_the_way_the_item_moves():
    img = np.full((28, 28), 255, np.uint8)
    for d, (dy, dx) in {"left": (0, -1), "right": (0, 1), "up": (-1, 0), "down": (1, 0)}.items():
        clip = ve.preprocess_clips(vc.render_clip(img, "white", d, "fast", "night", seed=1)[None])
        step = ve.motion_track(clip)[0].sum(0).numpy()
        assert np.where(np.abs(step) > 0.05, np.sign(step), 0).tolist() == [dy, dx], (d, step)


def test_video_level_costs_more_macs_than_sampled_frames():
    frame, video = ve.FrameEncoder(8), ve.TwoStreamEncoder(8)
    m_frame = ve.count_macs(frame, torch.zeros(1, 3, 4, 32, 32))
    m_video = ve.count_macs(video, torch.zeros(1, 3, 8, 32, 32))
    assert 1.9 < m_video / m_frame < 2.2


def test_reversed_pairs_need_a_video_tower_and_matching_shape():
    with pytest.raises(ValueError, match="reverse_text_x"):
        ve.train_dual_encoder(ve.SparseTextTower(3, 3), torch.eye(3), [0, 1, 2], video_x=torch.eye(3),
                              reverse_text_x=torch.eye(3))
    with pytest.raises(ValueError, match="video_x"):
        ve.train_dual_encoder(ve.SparseTextTower(3, 3), torch.eye(3), [0, 1, 2])


def test_joint_training_with_reversed_clips_runs_and_learns():
    torch.manual_seed(0)
    clips = torch.randn(8, 3, 4, 16, 16)
    h = ve.train_dual_encoder(ve.SparseTextTower(8, 4), torch.eye(8), np.arange(8), video_tower=ve.TwoStreamEncoder(4, n_frames=4),
                              video_x=clips, reverse_text_x=torch.eye(8).roll(1, 0), epochs=15, batch_size=8, seed=0)
    assert h.train_loss[-1] < h.train_loss[0]


def test_same_seed_same_model_whatever_was_built_before():
    def train(seed, draws_before):
        torch.manual_seed(draws_before)
        torch.randn(draws_before + 1)                      # other code drew from the global generator
        text_tower, video_tower = ve.TransformerTower(10, dim=8, max_len=4), ve.TwoStreamEncoder(8, n_frames=4)
        ve.train_dual_encoder(text_tower, torch.arange(1, 9).reshape(4, 2), np.arange(4), video_tower=video_tower,
                              video_x=clips, epochs=2, batch_size=4, seed=seed)
        return torch.cat([p.flatten() for p in [*text_tower.parameters(), *video_tower.parameters()]])

    clips = torch.randn(4, 3, 4, 16, 16)
    state = torch.random.get_rng_state()
    assert torch.equal(train(3, 0), train(3, 5))
    assert not torch.equal(train(3, 0), train(4, 0))
    torch.random.set_rng_state(state)


def test_reset_weights_redraws_every_layer_and_keeps_the_global_generator():
    a, b = ve.TransformerTower(10, dim=8, max_len=4), ve.TransformerTower(10, dim=8, max_len=4)
    state = torch.random.get_rng_state()
    ve.reset_weights(a, 1), ve.reset_weights(b, 1)
    assert torch.equal(torch.random.get_rng_state(), state)
    for (name, pa), pb in zip(a.named_parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb), name
    assert a.tok.weight[0].abs().sum() == 0                 # the padding row stays zero
    with pytest.raises(TypeError, match="reinit"):
        ve.train_dual_encoder(ve.SparseTextTower(3, 3), torch.eye(3), [0, 1, 2], video_x=torch.eye(3), reinit=1)
    with pytest.raises(TypeError, match="model"):
        ve.reset_weights("not a model", 0)
