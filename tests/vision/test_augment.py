"""Unit tests of ``mlsd_lib.vision.augment``."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlsd_lib.vision.augment import (
    AugmentConfig,
    augment_with_boxes,
    crop_and_resize,
    random_augment,
    to_tensor,
    transform_boxes,
    transform_queries,
)

from ._helpers import _imgs

# ----------------------------------------------------------------- augmentation with boxes


def test_a_moved_box_still_covers_the_same_object_pixels():
    """Paint one bright object per image, augment, and check that the moved box holds the
    object's pixels (and not much else)."""
    rng = np.random.default_rng(0)
    n, size = 64, 64
    images = np.zeros((n, size, size), np.float32)
    boxes = []
    for i in range(n):
        w, h = rng.integers(8, 20, 2)
        x, y = rng.integers(10, size - 30, 2)
        images[i, y:y + h, x:x + w] = 1.0
        boxes.append(np.array([[x, y, x + w, y + h]], float))
    config = AugmentConfig(min_zoom=0.75, max_shift=0.1, max_rotation=15.0, flip=0.5, brightness=0.0, contrast=0.0)
    out, moved, keep = augment_with_boxes(images, boxes, config, generator=torch.Generator().manual_seed(0))
    unmoved = augment_with_boxes(images, boxes, config, generator=torch.Generator().manual_seed(0),
                                 move_boxes=False)[1]
    inside_share, unmoved_share = [], []
    for i in range(n):
        obj = out[i, 0].numpy() > 0.5
        if not keep[i][0] or obj.sum() < 10:
            continue
        x1, y1, x2, y2 = moved[i][0]
        mask = np.zeros_like(obj)
        mask[int(np.floor(y1)):int(np.ceil(y2)), int(np.floor(x1)):int(np.ceil(x2))] = True
        inside_share.append((obj & mask).sum() / obj.sum())
        # the box is tight: a rotated rectangle fills at least half of its enclosing box
        assert obj.sum() >= 0.45 * mask.sum(), (i, obj.sum(), mask.sum())
        u = unmoved[i][0]
        umask = np.zeros_like(obj)
        umask[int(u[1]):int(u[3]), int(u[0]):int(u[2])] = True
        unmoved_share.append((obj & umask).sum() / obj.sum())
    assert len(inside_share) > 40
    assert min(inside_share) > 0.97
    assert np.mean(unmoved_share) < 0.7          # without moving, boxes miss much of the object


def test_transform_boxes_drops_boxes_that_leave_the_frame():
    shift = torch.tensor([[1.0, 0.0, 1.5], [0.0, 1.0, 0.0]])     # view moved 3/4 of the width right
    b, keep = transform_boxes([[0, 0, 4, 4], [28, 0, 32, 4]], shift, 32, 32)
    assert keep.tolist() == [False, True] and b.tolist() == [[4.0, 0.0, 8.0, 4.0]]


def test_identity_config_leaves_images_unchanged():
    ident = AugmentConfig(min_zoom=1.0, max_shift=0.0, max_rotation=0.0, flip=0.0, brightness=0.0, contrast=0.0)
    x = _imgs()
    out = random_augment(x, ident, generator=torch.Generator().manual_seed(0))
    np.testing.assert_allclose(out[:, 0].numpy(), x / 255.0, atol=1e-5)


def test_flip_only_mirrors_columns():
    flip = AugmentConfig(min_zoom=1.0, max_shift=0.0, max_rotation=0.0, flip=1.0, brightness=0.0, contrast=0.0)
    x = _imgs()
    out = random_augment(x, flip, generator=torch.Generator().manual_seed(0))
    np.testing.assert_allclose(out[:, 0].numpy(), x[:, :, ::-1] / 255.0, atol=1e-5)


def test_augment_is_seeded_and_bounded():
    a = transform_queries(_imgs(), seed=3)
    b = transform_queries(_imgs(), seed=3)
    np.testing.assert_array_equal(a, b)
    assert a.min() >= 0 and a.max() <= 1 and not np.allclose(a, _imgs() / 255.0)


def test_crop_and_resize_matches_block_upsampling():
    img = np.kron(np.arange(4, dtype=float).reshape(2, 2), np.ones((14, 14)))
    out = crop_and_resize(img, (0, 14, 14, 14), size=28)  # the top-right block is constant 1
    np.testing.assert_allclose(out, 1.0, atol=1e-6)
    u8 = crop_and_resize(np.full((28, 28), 255, np.uint8), (2, 2, 10, 10), size=20)
    assert u8.shape == (20, 20) and np.allclose(u8, 1.0)


@pytest.mark.parametrize(
    ("kwargs", "err", "match"),
    [
        ({"box": (0, 0, 30, 5)}, ValueError, "does not fit"),
        ({"box": (0, 0, 5)}, ValueError, "box must be"),
        ({"box": (-1, 0, 5, 5)}, ValueError, "top must be >= 0"),
        ({"box": (0, 0, 5, 5), "size": 1}, ValueError, "size must be >= 2"),
    ],
)
def test_crop_errors(kwargs, err, match):
    with pytest.raises(err, match=match):
        crop_and_resize(np.zeros((28, 28)), **kwargs)


def test_augment_errors():
    with pytest.raises(ValueError, match="min_zoom must be >= 0.1"):
        AugmentConfig(min_zoom=0.0)
    with pytest.raises(TypeError, match="config must be an AugmentConfig"):
        random_augment(_imgs(), config={"flip": 1})
    with pytest.raises(ValueError, match=r"images must be \(n, h, w\)"):
        to_tensor(np.zeros((2, 3, 28, 28)))
    with pytest.raises(TypeError, match="images must be array-like"):
        to_tensor("cat.png")
