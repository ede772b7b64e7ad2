"""Unit tests of ``mlsd_lib.recsys.content``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlsd_lib.recsys.content import ContentRecommender, content_vectors, genre_matrix, time_context

from ._helpers import _R


def test_genre_matrix_and_content_vectors():
    M, names = genre_matrix(pd.Series(["Action|Comedy", "(no genres listed)", None]))
    assert names == ["Action", "Comedy"] and M.tolist() == [[1, 1], [0, 0], [0, 0]]
    V = content_vectors(M, np.ones((3, 2)))
    np.testing.assert_allclose(np.linalg.norm(V, axis=1), 1.0)
    with pytest.raises(TypeError, match="not one string"):
        genre_matrix("Action")
    with pytest.raises(ValueError, match="one row per item"):
        content_vectors(np.ones((2, 2)), np.ones((3, 2)))


def test_content_recommender_matches_loop():
    rng = np.random.default_rng(0)
    V = rng.normal(size=(40, 6))
    R = _R(2)
    cb = ContentRecommender(V).fit(R)
    unit = V / np.linalg.norm(V, axis=1, keepdims=True)
    for u in range(5):
        liked = R[u].indices
        prof = unit[liked].mean(0) if len(liked) else np.zeros(6)
        np.testing.assert_allclose(cb.score([u])[0], unit @ prof, atol=1e-12)
    with pytest.raises(ValueError, match="item_vectors has 3 rows"):
        ContentRecommender(np.ones((3, 2))).fit(R)
    with pytest.raises(ValueError, match="not fitted; call fit"):
        ContentRecommender(V).score([0])


def test_time_context():
    noon_sat = 86400 * 2 + 12 * 3600          # 1970-01-03 was a Saturday
    c = time_context([noon_sat])[0]
    np.testing.assert_allclose(c[:2], [0, -1], atol=1e-12)
    np.testing.assert_allclose(c[2:], [np.sin(2 * np.pi * 5 / 7), np.cos(2 * np.pi * 5 / 7)], atol=1e-12)
