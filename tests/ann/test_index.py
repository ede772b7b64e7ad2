"""Unit tests of ``mlsd_lib.ann.index``."""

import faiss
import numpy as np
import pytest

from mlsd_lib import ann

from ._helpers import _data


def _exact(x, q, k, metric="l2"):
    index = faiss.IndexFlatL2(x.shape[1]) if metric == "l2" else faiss.IndexFlatIP(x.shape[1])
    index.add(x)
    return index.search(q, k)[1]


def test_exhaustive_forest_equals_flat_search():
    # search_k >= n visits every leaf: the forest must then return the exact answer.
    x = _data()
    f = ann.build("rpforest", x, n_trees=3, leaf_size=16, search_k=len(x))
    ids, d = f.search(x[:50], 10)
    np.testing.assert_array_equal(ids, _exact(x, x[:50], 10))
    ref = ((x[:50, None, :] - x[ids]) ** 2).sum(-1)
    np.testing.assert_allclose(d, ref, rtol=1e-4, atol=1e-4)


def test_recall_grows_with_search_k_and_cosine_works():
    x = _data(seed=1)
    q = _data(200, seed=2)
    exact = ann.build("flat", x, "cosine").search(q, 10)[0]
    f = ann.build("rpforest", x, "cosine", n_trees=8, leaf_size=16)
    recalls = [ann.neighbour_recall(f.set_params(search_k=s).search(q, 10)[0], exact, 10) for s in (16, 64, 512)]
    assert recalls == sorted(recalls) and recalls[-1] > 0.9


def test_forest_incremental_add_is_searchable():
    x = _data()
    f = ann.build("rpforest", x[:1500], n_trees=4)
    new_ids = f.add(x[1500:])
    assert f.ntotal == 2000
    assert (f.search(x[1500:1520], 1)[0][:, 0] == new_ids[:20]).all()
    assert f.memory_bytes() > x.nbytes


@pytest.mark.parametrize("kind", ["flat", "ivf", "hnsw"])
def test_sharded_index_matches_unsharded(kind):
    x = _data(3000, seed=3)
    q = x[:40] + 0.01
    params = {"nlist": 16, "nprobe": 16} if kind == "ivf" else {}
    sharded = ann.build_sharded(kind, x, n_shards=3, **params)
    assert sharded.ntotal == 3000 and len(sharded.shards) == 3
    ids, _ = sharded.search(q, 5)
    assert ann.neighbour_recall(ids, _exact(x, q, 5), 5) > 0.95
    new = sharded.add(np.full((1, 16), 9.0))
    assert new.tolist() == [3000] and sharded.search(np.full((1, 16), 9.0), 1)[0][0, 0] == 3000
    if kind == "ivf":
        sharded.set_params(nprobe=2)
        assert all(faiss.extract_index_ivf(s.index).nprobe == 2 for s in sharded.shards)
    assert sharded.memory_bytes() == sum(s.memory_bytes() for s in sharded.shards)


def test_sharded_errors():
    with pytest.raises(ValueError, match="n_shards must be <= 10"):
        ann.build_sharded("flat", _data(10), n_shards=11)
    with pytest.raises(ValueError, match="kind must be one of"):
        ann.build_sharded("annoy", _data(10), n_shards=2)


def test_small_ivf_training_does_not_warn(capfd):
    ann.build("ivf", _data(200), nlist=16)
    ann.build("ivfpq", _data(300), nlist=4, m=4, nbits=8)
    assert "WARNING" not in capfd.readouterr().err
