"""Unit tests of ``mlsd_lib.recsys.two_tower``."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from mlsd_lib.recsys.two_tower import TwoTowerModel, TwoTowerRecommender


def test_two_tower_learns_block_structure_and_serves_new_users():
    # Two groups of users each like half of their own block of items; a new user who likes
    # two items of a block must get that block's items first, with no retraining. (Users who
    # like a *whole* block would let the tower learn "the item missing from my history".)
    rng = np.random.default_rng(0)
    M = np.zeros((40, 16))
    for u in range(40):
        M[u, (u // 20) * 8 + rng.choice(8, 4, replace=False)] = 1
    R = sp.csr_matrix(M)
    tt = TwoTowerRecommender(np.eye(16), dim=8, hidden=32, epochs=30, batch_size=16, temperature=0.2, seed=0)
    tt.fit(R, np.zeros(R.nnz))
    assert tt.history_[-1] < tt.history_[0]
    S = tt.user_embeddings([[8, 9], [0, 1]], [0.0, 0.0]) @ tt.item_embeddings().T
    assert S[0, 10:16].mean() > S[0, :8].mean() + 0.2 and S[1, 2:8].mean() > S[1, 8:].mean() + 0.2
    assert tt.recommend_from_history([[8, 9]], k=1, context_times=[0.0])[0, 0] in range(10, 16)


def test_two_tower_unknown_items_use_features_only():
    m = TwoTowerModel(n_items=3, item_dim=2, context_dim=4, dim=4)
    import torch

    assert torch.all(m.item_id(torch.tensor([3])) == 0)


def test_two_tower_errors():
    R = sp.csr_matrix(np.eye(4))
    with pytest.raises(ValueError, match="dim must be >= 1"):
        TwoTowerRecommender(np.eye(4), dim=0)
    with pytest.raises(ValueError, match="weight_decay must be >= 0"):
        TwoTowerRecommender(np.eye(4), weight_decay=-1.0)
    with pytest.raises(ValueError, match="item_features has 3 rows"):
        TwoTowerRecommender(np.eye(3)).fit(R, np.zeros(4))
    with pytest.raises(ValueError, match="one entry per positive"):
        TwoTowerRecommender(np.eye(4)).fit(R, np.zeros(2))
    with pytest.raises(ValueError, match="not fitted; call fit"):
        TwoTowerRecommender(np.eye(4)).item_embeddings()
    tt = TwoTowerRecommender(np.eye(4), epochs=1, batch_size=2).fit(R, np.zeros(4))
    with pytest.raises(ValueError, match="one time per history"):
        tt.user_embeddings([[0]], [0, 1])
    with pytest.raises(ValueError, match="outside"):
        tt.user_embeddings([[9]], [0])


def test_two_tower_in_batch_loss_and_logq_correction():
    # With one positive per user and a perfect score for it, the in-batch loss is small; the
    # log-Q correction must not change which item a user prefers when all items are equally
    # popular, and validate sees every epoch.
    R = sp.csr_matrix(np.kron(np.eye(2), np.ones((10, 8))))
    seen = []
    a = TwoTowerRecommender(np.eye(16), dim=8, hidden=32, epochs=4, batch_size=16, seed=0).fit(
        R, np.zeros(R.nnz), validate=lambda m: seen.append(len(seen) + 1) or float(len(seen)))
    b = TwoTowerRecommender(np.eye(16), dim=8, hidden=32, epochs=4, batch_size=16, seed=0,
                            logq_correction=False).fit(R, np.zeros(R.nnz))
    assert seen == [1, 2, 3, 4] and a.val_history_ == [1.0, 2.0, 3.0, 4.0]
    # every item has the same count, so log Q is a constant shift: identical training
    np.testing.assert_allclose(a.history_, b.history_, rtol=1e-5)
    E = a.item_embeddings()
    np.testing.assert_allclose(np.linalg.norm(E, axis=1), 1.0, atol=1e-5)   # cosine scores
