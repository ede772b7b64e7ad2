"""Unit tests of ``mlsd_lib.visual_search.measures``."""

import numpy as np
import pytest
from sklearn.metrics.pairwise import cosine_similarity, euclidean_distances

from mlsd_lib.visual_search.measures import relative_contrast, similarity

from ._helpers import A, B


def test_similarity_matches_sklearn():
    np.testing.assert_allclose(similarity(A, B, "cosine"), cosine_similarity(A, B), atol=1e-10)
    np.testing.assert_allclose(similarity(A, B, "euclidean"), -euclidean_distances(A, B), atol=1e-8)
    np.testing.assert_allclose(similarity(A, B, "dot"), A @ B.T)


def test_relative_contrast_shrinks_with_dimension():
    rc = relative_contrast([2, 16, 128, 1024], n_points=300, n_queries=20)
    assert (np.diff(rc) < 0).all()


def test_similarity_errors():
    with pytest.raises(ValueError, match="metric must be one of"):
        similarity(A, B, "manhattan")
    with pytest.raises(ValueError, match="same dimension"):
        similarity(A, B[:, :3])
    with pytest.raises(ValueError, match="all-zero"):
        similarity(np.zeros((1, 7)), B)
    with pytest.raises(ValueError, match="dims must be positive"):
        relative_contrast([0, 2])


def test_nearest_other_similarity_skips_the_row_itself():
    from mlsd_lib.visual_search.measures import nearest_other_similarity

    x = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    assert nearest_other_similarity(x).tolist() == [1.0, 1.0, 0.0]
    assert nearest_other_similarity(2 * x, "dot").tolist() == [4.0, 4.0, 0.0]
    with pytest.raises(ValueError, match="at least two rows"):
        nearest_other_similarity(x[:1])
