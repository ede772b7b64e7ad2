"""Fixtures shared by the tests of ``mlsd_lib.video_search``."""

from __future__ import annotations

import numpy as np
import pytest

from mlsd_lib.video_search import corpus as vc


@pytest.fixture(scope="module")
def corpus():
    x = np.random.default_rng(0).integers(0, 255, (60, 28, 28)).astype(np.uint8)
    return vc.make_video_corpus(x, np.arange(60) % 10, {"train": 40, "validation": 10, "test": 10}, seed=3)
