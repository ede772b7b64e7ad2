"""Unit tests of ``mlsd_lib.recsys.tuning``."""

from __future__ import annotations

import numpy as np
import pytest

from mlsd_lib.recsys.base import top_k
from mlsd_lib.recsys.mf import MatrixFactorization
from mlsd_lib.recsys.two_tower import TwoTowerRecommender

from ._helpers import _R, _random_R


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


def test_fit_and_evaluate_and_grid_match_manual_fits():
    from mlsd_lib.recsys.evaluate import evaluate_lists
    from mlsd_lib.recsys.tuning import fit_and_evaluate_mf, mf_grid_search

    R = _random_R(4, m=20, n=30)
    rel = [set(np.random.default_rng(u).choice(30, 2, replace=False).tolist()) for u in range(20)]
    kw = dict(n_factors=3, epochs=3, seed=0)
    m, res = fit_and_evaluate_mf(R, R, rel, loss="weighted", w=0.3, reg=1.0, **kw)
    ref = MatrixFactorization(3, loss="weighted", w=0.3, reg=1.0, epochs=3, seed=0).fit(R)
    assert np.array_equal(m.item_factors_, ref.item_factors_)
    assert res == evaluate_lists(top_k(ref.score(np.arange(20)), 10, R), rel)
    g = mf_grid_search(R, R, rel, [0.3, 1.0], [0.1, 1.0], **kw)
    for w in (0.3, 1.0):
        for reg in (0.1, 1.0):
            loss = "all" if w == 1 else "weighted"
            want = fit_and_evaluate_mf(R, R, rel, loss=loss, w=w, reg=reg, **kw)[1]["precision@10"]
            assert g.loc[w, reg] == want
    with pytest.raises(ValueError, match="one set per row of R"):
        fit_and_evaluate_mf(R, R, rel[:3], loss="all", w=1.0, reg=1.0, **kw)
    with pytest.raises(TypeError, match="R must be a scipy sparse"):
        fit_and_evaluate_mf(R.toarray(), R, rel, loss="all", w=1.0, reg=1.0, **kw)
    with pytest.raises(ValueError, match="at least one value"):
        mf_grid_search(R, R, rel, [], [1.0], **kw)


def test_epoch_helper():
    from mlsd_lib.recsys.tuning import epochs_to_target

    h = [5.0, 3.0, 2.0, 2.5, 1.0]
    for target in (6.0, 2.0, 1.5, 0.5):
        want = min([e for e, v in enumerate(h) if v <= target], default=np.inf)
        assert epochs_to_target(h, target) == want
    with pytest.raises(ValueError, match="history must be 1-D"):
        epochs_to_target([[1.0]], 1.0)
    with pytest.raises(TypeError, match="target must be a number"):
        epochs_to_target([1.0], "1")
