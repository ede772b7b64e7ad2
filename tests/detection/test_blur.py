"""Unit tests of ``mlsd_lib.detection.blur``."""

from __future__ import annotations

import numpy as np
import pytest

from mlsd_lib.detection.blur import blur_regions, identity_leak, nearest_identity

# ---------------------------------------------------------------------------------- blur


def test_blur_changes_only_the_boxes():
    img = np.random.default_rng(0).random((32, 32)).astype(np.float32)
    for method in ("gaussian", "pixelate"):
        out = blur_regions(img, [[4, 4, 12, 12]], method, pad=0.0)
        changed = out != img
        assert changed[4:12, 4:12].mean() > 0.9 and not changed[12:].any() and not changed[:, 12:].any()
        assert out[4:12, 4:12].std() < img[4:12, 4:12].std() / 2
    with pytest.raises(ValueError, match="method"):
        blur_regions(img, [[0, 0, 2, 2]], "median")
    with pytest.raises(ValueError, match="image"):
        blur_regions(np.zeros((4, 4, 5)), [[0, 0, 2, 2]])


def test_identity_leak_counts_hits_against_a_guess():
    rng = np.random.default_rng(3)
    gallery = rng.random((40, 12, 12))
    images = [np.pad(f, 6) for f in gallery]
    table = identity_leak(images, [[6, 6, 18, 18]] * 40, np.arange(40), gallery,
                          [(None, 0), ("gaussian", 0.1), ("pixelate", 1.0)], pad=0.0).set_index("method")
    assert table.loc["none", "named"] == 40 and table.loc["none", "p_above_guess"] < 1e-9
    # one block over the whole box: a flat patch, which correlates 0 with every face
    assert table.loc["pixelate", "named"] <= 1 and table.loc["pixelate", "p_above_guess"] > 0.3
    assert (table["low"] <= table["rate"]).all() and (table["rate"] <= table["high"]).all()
    flat = np.full((12, 12), 0.5)
    assert nearest_identity([flat, flat + 1e-12], gallery).tolist() == [0, 0]
    with pytest.raises(ValueError, match="settings"):
        identity_leak(images, [[6, 6, 18, 18]] * 40, np.arange(40), gallery, [])
    with pytest.raises(ValueError, match="identities"):
        identity_leak(images[:2], [[6, 6, 18, 18]] * 2, [0, 40], gallery, [(None, 0)])


def test_nearest_identity_with_shifts_finds_a_shifted_mirrored_face():
    g = np.random.default_rng(3).random((6, 12, 12))
    crop = np.roll(g[4], 2, axis=1)[:, ::-1]
    assert nearest_identity([crop], g, max_shift=2, mirror=True).tolist() == [4]
    with pytest.raises(ValueError, match="max_shift"):
        nearest_identity([crop], g, max_shift=50)
