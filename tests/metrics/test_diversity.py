"""Unit tests of ``mlsd_lib.metrics.diversity``."""

from __future__ import annotations

import numpy as np
import pytest

from mlsd_lib.metrics.diversity import catalogue_coverage, intra_list_similarity


def test_diversity_against_loops():
    rng = np.random.default_rng(0)
    V = rng.normal(size=(20, 5))
    lists = rng.integers(0, 20, (4, 6))
    got = intra_list_similarity(lists, V)
    for g, row in zip(got, lists, strict=True):
        sims = [V[a] @ V[b] / np.linalg.norm(V[a]) / np.linalg.norm(V[b])
                for x, a in enumerate(row) for y, b in enumerate(row) if x != y]
        assert g == pytest.approx(np.mean(sims))
    assert np.isnan(intra_list_similarity([3, -1], V))
    assert catalogue_coverage(lists, 20) == pytest.approx(len(set(lists.ravel())) / 20)


def test_diversity_errors():
    with pytest.raises(ValueError, match="item_vectors has 2 rows"):
        intra_list_similarity([0, 5], np.eye(2))
    with pytest.raises(ValueError, match="n_items=3"):
        catalogue_coverage([[0, 5]], 3)
    with pytest.raises(ValueError, match="n_items must be >= 1"):
        catalogue_coverage([[0]], 0)
