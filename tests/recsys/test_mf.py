"""Unit tests of ``mlsd_lib.recsys.mf``."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from mlsd_lib.recsys.base import top_k
from mlsd_lib.recsys.mf import MatrixFactorization, als_step, mf_objective, unobserved_weight

from ._helpers import _random_R


def test_objective_matches_dense_loop():
    rng = np.random.default_rng(0)
    R = _random_R()
    U, V = rng.normal(size=(12, 3)), rng.normal(size=(15, 3))
    A = R.toarray()
    obs = A > 0
    for w in (0.0, 0.3, 1.0):
        ref = 0.0
        for i in range(12):
            for j in range(15):
                p = U[i] @ V[j]
                ref += (A[i, j] - p) ** 2 if obs[i, j] else w * p ** 2
        ref += 0.5 * ((U ** 2).sum() + (V ** 2).sum())
        assert mf_objective(R, U, V, w, 0.5) == pytest.approx(ref)


def test_degenerate_all_ones_solution():
    R = _random_R(1)
    k = 4
    ones_u, ones_v = np.full((12, k), 0.5), np.full((15, k), 0.5)
    assert mf_objective(R, ones_u, ones_v, 0.0, 0.0) == pytest.approx(0.0)
    assert mf_objective(R, ones_u, ones_v, 1.0, 0.0) == pytest.approx(12 * 15 - R.nnz)


@pytest.mark.parametrize("w", [0.0, 0.2, 1.0])
def test_exact_als_step_is_weighted_least_squares(w):
    rng = np.random.default_rng(1)
    R = _random_R(2)
    Y = rng.normal(size=(15, 4))
    reg = 0.3
    X = als_step(R, np.zeros((12, 4)), Y, w, reg, cg_steps=None)
    A = R.toarray()
    for i in range(12):
        weights = np.where(A[i] > 0, 1.0, w)
        # argmin sum_j weights_j (a_j - x.y_j)^2 + reg |x|^2, by stacking sqrt-weighted rows
        M = np.vstack([np.sqrt(weights)[:, None] * Y, np.sqrt(reg) * np.eye(4)])
        b = np.concatenate([np.sqrt(weights) * A[i], np.zeros(4)])
        ref = np.linalg.lstsq(M, b, rcond=None)[0]
        np.testing.assert_allclose(X[i], ref, atol=1e-8)


def test_cg_converges_to_exact_solution():
    rng = np.random.default_rng(2)
    R = _random_R(3)
    Y = rng.normal(size=(15, 4))
    exact = als_step(R, np.zeros((12, 4)), Y, 0.1, 0.2, cg_steps=None)
    cg = als_step(R, np.zeros((12, 4)), Y, 0.1, 0.2, cg_steps=4)  # CG is exact in k steps
    # ... in exact arithmetic: the half-step runs in float32, whose rounding after four steps
    # reaches about 1e-6 on some processors' kernels
    np.testing.assert_allclose(cg, exact, atol=1e-5)


def test_wals_decreases_loss_and_beats_sgd_in_epochs():
    R = _random_R(4, 40, 50, 0.1)
    wals = MatrixFactorization(4, loss="weighted", w=0.1, reg=0.1, epochs=5).fit(R)
    sgd = MatrixFactorization(4, loss="weighted", w=0.1, reg=0.1, epochs=5, solver="sgd", batch_size=32).fit(R)
    assert all(b <= a + 1e-9 for a, b in zip(wals.history_, wals.history_[1:], strict=False))
    assert wals.history_[-1] < sgd.history_[-1]
    assert sgd.history_[-1] < sgd.history_[0]


def test_fold_in_matches_user_row_of_exact_step():
    R = _random_R(5)
    mf = MatrixFactorization(3, loss="weighted", w=0.2, reg=0.1, epochs=3).fit(R)
    row = R.indices[R.indptr[0]:R.indptr[1]]
    full = als_step(R, mf.user_factors_, mf.item_factors_, 0.2, 0.1, cg_steps=None)
    np.testing.assert_allclose(mf.fold_in([row])[0], full[0], atol=1e-10)
    np.testing.assert_allclose(mf.fold_in([[]])[0], 0.0)


def test_unobserved_weight_mapping():
    assert unobserved_weight("observed", 0.5) == 0.0
    assert unobserved_weight("all", 0.5) == 1.0
    assert unobserved_weight("weighted", 0.5) == 0.5


@pytest.mark.parametrize("kwargs, match", [
    ({"n_factors": 0}, "n_factors must be >= 1"),
    ({"loss": "huber"}, "loss must be one of"),
    ({"solver": "adam"}, "solver must be one of"),
    ({"w": 0.0}, "w must be > 0"),
    ({"reg": -1.0}, "reg must be >= 0"),
    ({"epochs": 0}, "epochs must be >= 1"),
    ({"cg_steps": 0}, "cg_steps must be >= 1"),
])
def test_constructor_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MatrixFactorization(**kwargs)


def test_fit_and_use_errors():
    mf = MatrixFactorization(2)
    with pytest.raises(TypeError, match="scipy sparse"):
        mf.fit(np.eye(3))
    with pytest.raises(ValueError, match="no observed entries"):
        mf.fit(sp.csr_matrix((3, 3)))
    with pytest.raises(ValueError, match="not fitted; call fit"):
        mf.score([0])
    mf.fit(sp.csr_matrix(np.eye(3)))
    with pytest.raises(ValueError, match="users must be positions in"):
        mf.score([5])
    with pytest.raises(ValueError, match="outside"):
        mf.fold_in([[7]])
    with pytest.raises(ValueError, match="do not factor R"):
        mf_objective(sp.csr_matrix(np.eye(3)), np.ones((2, 2)), np.ones((3, 2)), 0.1, 0.1)
    with pytest.raises(ValueError, match="k must be <="):
        top_k(np.ones((1, 3)), 4)
    with pytest.raises(ValueError, match="exclude has shape"):
        top_k(np.ones((1, 3)), 2, sp.csr_matrix((2, 3)))


def test_observed_mean_scores_by_loop():
    from mlsd_lib.recsys.mf import observed_mean_scores

    R = _random_R(3)
    rng = np.random.default_rng(0)
    U, V = rng.normal(size=(12, 3)), rng.normal(size=(15, 3))
    D = R.toarray()
    obs = [U[i] @ V[j] for i in range(12) for j in range(15) if D[i, j]]
    unobs = [U[i] @ V[j] for i in range(12) for j in range(15) if not D[i, j]]
    assert observed_mean_scores(U, V, R) == pytest.approx((np.mean(obs), np.mean(unobs)))
    with pytest.raises(ValueError, match="do not factor R"):
        observed_mean_scores(U[:5], V, R)
    with pytest.raises(TypeError, match="R must be a scipy sparse"):
        observed_mean_scores(U, V, D)
    with pytest.raises(ValueError, match="both observed and unobserved"):
        observed_mean_scores(np.ones((2, 1)), np.ones((2, 1)), sp.csr_matrix(np.ones((2, 2))))


@pytest.mark.parametrize("cg_steps", [None, 3])
def test_fit_checks_the_feedback_matrix_once_not_every_epoch(monkeypatch, cg_steps):
    """Validate once, at the door: the epoch loop runs on the private, unchecked cores."""
    from mlsd_lib.recsys import base, mf

    calls = []
    real = base.check_feedback

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(mf, "check_feedback", counting)
    R = sp.csr_matrix(np.eye(6) + np.eye(6, k=1))
    mf.MatrixFactorization(2, loss="weighted", w=0.5, epochs=5, cg_steps=cg_steps, seed=0).fit(R)
    assert len(calls) == 1
