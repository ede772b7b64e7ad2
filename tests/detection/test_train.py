"""Unit tests of ``mlsd_lib.detection.train``."""

from __future__ import annotations

import numpy as np
import pytest

from mlsd_lib.detection.models import OneStageDetector
from mlsd_lib.detection.scenes import make_scenes


def test_training_through_fit_lowers_the_loss_and_offline_copies_keep_boxes():
    from mlsd_lib.detection.train import augment_offline, train_detector

    s = make_scenes(24, seed=0)
    run = train_detector(OneStageDetector(), s, epochs=3, batch_size=8, seed=0)
    assert run.history.train_loss[-1] < run.history.train_loss[0]
    assert len(run.epoch_seconds) == len(run.epoch_cpu_seconds) == 3 and run.train_seconds > 0 < run.train_cpu_seconds
    again = train_detector(OneStageDetector(), s, epochs=3, batch_size=8, seed=0)
    assert np.allclose(again.history.train_loss, run.history.train_loss)    # seeded end to end
    off = augment_offline(s, copies=2, seed=0)
    assert len(off) == 72 and all(len(b) <= len(o) for b, o in zip(off.boxes[24:48], s.boxes, strict=True))
    with pytest.raises(TypeError, match="model"):
        train_detector("not a model", s, epochs=1)


def test_training_flops_per_image_counts_each_detector_and_checks_its_inputs():
    from mlsd_lib.detection.models import OneStageDetector, TwoStageDetector
    from mlsd_lib.detection.scenes import make_scenes
    from mlsd_lib.detection.train import training_flops_per_image

    s = make_scenes(8, seed=1)
    one, two = training_flops_per_image(OneStageDetector(), s), training_flops_per_image(TwoStageDetector(), s)
    assert two > one > 0                                   # the second stage adds work on top of the same backbone
    assert training_flops_per_image(OneStageDetector(), s, batch_size=4) == pytest.approx(one, rel=1e-6)
    with pytest.raises(TypeError, match="model must be"):
        training_flops_per_image(object(), s)
    with pytest.raises(ValueError, match="batch_size"):
        training_flops_per_image(OneStageDetector(), s, batch_size=0)
