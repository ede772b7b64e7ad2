"""Unit tests of ``mlsd_lib.ann.rpforest``."""

import numpy as np
import pytest

from mlsd_lib import ann
from mlsd_lib.ann import (
    RPForest,
)

from ._helpers import _data


def test_forest_handles_duplicates_and_short_lists():
    x = np.ones((100, 4), dtype="float32")  # identical points: splits fall back to halves
    f = RPForest(4, n_trees=2, leaf_size=8)
    f.add(x)
    assert (f.search(x[:1], 5)[1] >= 0).all()
    small = RPForest(4, n_trees=1, leaf_size=8)
    small.add(x[:5])
    ids = small.search(x[:1], 8)[1]
    assert (ids[0, :5] >= 0).all() and (ids[0, 5:] == -1).all()  # fewer points than k


def test_forest_errors():
    with pytest.raises(ValueError, match="n_trees must be >= 1"):
        RPForest(4, n_trees=0)
    with pytest.raises(ValueError, match="metric must be one of"):
        RPForest(4, metric="cosine")
    f = RPForest(4)
    with pytest.raises(ValueError, match="vectors must have 4 columns"):
        f.add(np.zeros((3, 5)))
    idx = ann.build("flat", _data(100))
    with pytest.raises(ValueError, match="search_k applies to rpforest"):
        idx.set_params(search_k=5)
    with pytest.raises(ValueError, match="parameter must be one of"):
        idx.set_params(nlist=5)
