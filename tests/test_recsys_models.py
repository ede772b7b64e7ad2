"""Baselines, content-based filtering and the two-tower network."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from mlsd_lib.recsys.baselines import ImplicitALS, MostPopular
from mlsd_lib.recsys.content import ContentRecommender, content_vectors, genre_matrix, time_context
from mlsd_lib.recsys.mf import MatrixFactorization
from mlsd_lib.recsys.two_tower import TwoTowerModel, TwoTowerRecommender


def _R(seed=0, m=30, n=40, density=0.15):
    return sp.random(m, n, density=density, random_state=seed, format="csr", data_rvs=lambda s: np.ones(s))


def test_most_popular_by_counting():
    R = _R()
    counts = R.toarray().sum(0)
    got = MostPopular().fit(R).recommend([0], k=5)[0]
    assert sorted(counts[got], reverse=True) == sorted(counts, reverse=True)[:5]


def test_implicit_als_agrees_with_our_wals_on_the_same_loss():
    # implicit minimises sum_all c_ij (p_ij - x.y)^2 + reg(|X|^2+|Y|^2) with c = 1 + alpha on
    # observed pairs and 1 elsewhere; dividing by (1 + alpha) gives our weighted loss with
    # w = 1/(1+alpha) and reg/(1+alpha). Same minimiser, so the top items should agree.
    R = _R(1)
    alpha, reg = 3.0, 0.1
    ours = MatrixFactorization(8, loss="weighted", w=1 / (1 + alpha), reg=reg / (1 + alpha), epochs=30,
                               cg_steps=None).fit(R)
    theirs = ImplicitALS(8, reg=reg, alpha=alpha, epochs=30).fit(R)
    a = ours.score(np.arange(30))
    b = theirs.score(np.arange(30))
    lo = ours.objective(R)
    lt = MatrixFactorization(8, loss="weighted", w=1 / (1 + alpha), reg=reg / (1 + alpha))
    lt.user_factors_, lt.item_factors_ = theirs.user_factors_, theirs.item_factors_
    # Both reach (about) the same loss value and rank items alike.
    assert lt.objective(R) == pytest.approx(lo, rel=0.05)
    corr = np.mean([np.corrcoef(x, y)[0, 1] for x, y in zip(a, b, strict=True)])
    assert corr > 0.8


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


def test_baseline_errors():
    with pytest.raises(ValueError, match="not fitted; call fit"):
        MostPopular().score([0])
    with pytest.raises(ValueError, match="alpha must be > 0"):
        ImplicitALS(alpha=0)


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


def test_select_two_tower_tracks_validation_by_hand():
    from mlsd_lib.recsys.base import top_k
    from mlsd_lib.recsys.evaluate import evaluate_lists
    from mlsd_lib.recsys.feedback import row_items
    from mlsd_lib.recsys.tuning import select_two_tower

    R = _R(2, m=20, n=16, density=0.3)
    F = np.eye(16)
    rel = [{(u + 1) % 16, (u + 5) % 16} for u in range(20)]
    hist, t = row_items(R), np.zeros(20)
    curves, best = select_two_tower(F, R, np.zeros(R.nnz), temperatures=[0.2, 0.5], epochs=3, seed=0,
                                    histories=hist, context_times=t, exclude=R, relevant=rel)
    assert sorted(curves) == [0.2, 0.5] and all(len(c) == 3 for c in curves.values())
    # Re-training with the best epoch count reproduces that epoch's validation scores.
    for temp, c in curves.items():
        e = len(c) - int(np.argmax(c[::-1]))      # the later epoch on ties
        m = TwoTowerRecommender(F, temperature=temp, epochs=e, seed=0).fit(R, np.zeros(R.nnz))
        S = m.user_embeddings(hist, t) @ m.item_embeddings().T
        assert np.allclose(S, best[temp], atol=1e-5)
        assert evaluate_lists(top_k(S, 10, R), rel)["precision@10"] == pytest.approx(max(c))
    with pytest.raises(ValueError, match="temperatures is empty"):
        select_two_tower(F, R, np.zeros(R.nnz), temperatures=[], epochs=3, seed=0,
                         histories=hist, context_times=t, exclude=R, relevant=rel)
    with pytest.raises(ValueError, match="same users"):
        select_two_tower(F, R, np.zeros(R.nnz), temperatures=[0.2], epochs=3, seed=0,
                         histories=hist, context_times=t, exclude=R, relevant=rel[:5])
    with pytest.raises(ValueError, match="epochs must be >= 1"):
        select_two_tower(F, R, np.zeros(R.nnz), temperatures=[0.2], epochs=0, seed=0,
                         histories=hist, context_times=t, exclude=R, relevant=rel)
