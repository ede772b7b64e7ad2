"""Unit tests of ``mlsd_lib.detection.lineage``."""

from __future__ import annotations

import numpy as np
import pytest

from mlsd_lib.detection.lineage import candidate_windows, time_lineage
from mlsd_lib.detection.models import OneStageDetector, TwoStageDetector


def test_lineage_times_three_designs_on_the_same_windows():
    assert len(candidate_windows(64, 8)) == 8 * 8 * 4
    t = time_lineage(TwoStageDetector(), np.zeros((2, 64, 64), np.float32), repeats=1)
    assert list(t.index) == ["R-CNN", "Fast R-CNN", "Faster R-CNN"] and (t["ms per image"] > 0).all()
    with pytest.raises(TypeError, match="TwoStageDetector"):
        time_lineage(OneStageDetector(), np.zeros((2, 64, 64), np.float32))
