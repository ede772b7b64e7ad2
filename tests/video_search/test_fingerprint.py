"""Unit tests of ``mlsd_lib.video_search.fingerprint``."""

from __future__ import annotations

import numpy as np
import pytest

from mlsd_lib.data import load_fashion_mnist
from mlsd_lib.video_search import make_video_corpus
from mlsd_lib.video_search.fingerprint import clip_fingerprints


def test_a_re_upload_scores_one_and_brightness_or_contrast_do_not_move_it():
    clip = np.random.default_rng(0).integers(0, 200, (1, 3, 6, 6, 3)).astype(np.uint8)
    variants = np.concatenate([clip, clip, (clip * 1.2 + 10).astype(np.uint8)])
    f = clip_fingerprints(variants)
    assert f.dtype == np.float32 and f.shape == (3, 3 * 6 * 6 * 3)
    assert np.allclose(f @ f[0], 1.0, atol=1e-3)
    assert np.allclose(np.linalg.norm(f, axis=1), 1.0, atol=1e-5)


def test_a_flat_clip_has_no_pattern_and_duplicates_nothing():
    f = clip_fingerprints(np.full((2, 2, 4, 4, 3), 7, np.uint8))
    assert not f.any()


def test_different_uploads_of_the_same_thing_stay_below_the_engines_bar_and_re_encodes_above_it():
    # real Fashion-MNIST items, rendered the way chapter 4 renders its catalogue
    x, y, _ = load_fashion_mnist("train", n=400)
    clips = make_video_corpus(x, y, {"train": 200, "validation": 50, "test": 150}, seed=1).clips
    f = clip_fingerprints(clips)
    sims = f @ f.T
    np.fill_diagonal(sims, -1)
    assert sims.max() < 0.98
    noisy = clips + np.random.default_rng(0).normal(0, 1.0, clips.shape)   # re-encoding noise of one grey level
    assert ((clip_fingerprints(np.clip(noisy, 0, 255)) * f).sum(1) > 0.98).all()


@pytest.mark.parametrize(("clips", "error", "message"), [
    (np.zeros((2, 4, 4, 3)), ValueError, "clips must be 5-D"),
    (np.zeros((0, 2, 4, 4, 3)), ValueError, "clips is empty"),
    (np.full((1, 2, 4, 4, 3), np.nan), ValueError, "NaN"),
    (np.zeros((1, 2, 4, 4, 3), bool), TypeError, "pixel numbers"),
    ("clip", TypeError, "clips must be array-like"),
])
def test_bad_clips_are_refused_by_name(clips, error, message):
    with pytest.raises(error, match=message):
        clip_fingerprints(clips)
