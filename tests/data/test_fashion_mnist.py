"""Fashion-MNIST loader and graded relevance."""

import gzip

import numpy as np
import pytest

from mlsd_lib.data import load_fashion_mnist
from mlsd_lib.data.fashion_mnist import BUNDLED_DIR, CLASS_NAMES, _read_idx, graded_relevance


def test_test_split_shape_balance_and_provenance():
    x, y, prov = load_fashion_mnist("test")
    assert x.shape == (10_000, 28, 28) and x.dtype == np.uint8
    assert np.bincount(y).tolist() == [1000] * 10  # the published test split is balanced
    assert prov.rows == 10_000 and "MIT" in prov.licence
    assert len(CLASS_NAMES) == 10


def test_idx_parser_matches_raw_bytes():
    # Independent reference: the IDX layout is a 16-byte header then row-major pixels.
    with gzip.open(BUNDLED_DIR / "t10k-images-idx3-ubyte.gz") as fh:
        raw = np.frombuffer(fh.read(), np.uint8)
    x = _read_idx(BUNDLED_DIR / "t10k-images-idx3-ubyte.gz")
    np.testing.assert_array_equal(x[3].ravel(), raw[16 + 3 * 784: 16 + 4 * 784])


def test_train_subset_is_the_prefix():
    x, y, _ = load_fashion_mnist("train", n=100)
    assert x.shape == (100, 28, 28) and y.shape == (100,)
    assert set(np.unique(y)) <= set(range(10))


def test_graded_relevance_values():
    g = graded_relevance(np.arange(10)[:, None], np.arange(10)[None, :])
    assert (np.diag(g) == 5).all()
    assert g[0, 6] == 2 and g[5, 9] == 2 and g[0, 5] == 0 and g[1, 3] == 0 and g[8, 8] == 5
    assert (g == g.T).all()


@pytest.mark.parametrize(
    ("kwargs", "err", "match"),
    [
        ({"split": "val"}, ValueError, "split must be one of"),
        ({"n": 0}, ValueError, "n must be >= 1"),
        ({"n": 1.5}, TypeError, "n must be an integer"),
        ({"n": 10_001}, ValueError, "exceeds"),
    ],
)
def test_loader_errors(kwargs, err, match):
    with pytest.raises(err, match=match):
        load_fashion_mnist(**kwargs)


def test_graded_relevance_errors():
    with pytest.raises(ValueError, match="class ids in 0..9"):
        graded_relevance(0, [10])
    with pytest.raises(TypeError, match="must hold integers"):
        graded_relevance(0.5, [1])
