"""Chapter 6 (ch06_video_recommendation): its notebook, run end to end at the small size by the six
checks of ``notebook_checks``, and the identities its text relies on.

Identities and bookkeeping that chapter 6 once asserted as evidence.

Each of these holds by construction (arithmetic, or what the solver does with a column that
has no entry), so the chapter cannot learn anything from them; they are checked here, and the
chapter's asserts guard what the experiments measure.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from chapters.notebook_checks import *  # noqa: F403  the six checks every chapter passes
from chapters.notebook_checks import chapter
from mlsd_lib.recsys.base import top_k
from mlsd_lib.recsys.evaluate import mean_scores_per_user, precision_per_user
from mlsd_lib.recsys.feedback import withhold_items
from mlsd_lib.recsys.mf import PAIR_STEP, MatrixFactorization, mf_objective
from mlsd_lib.recsys.tuning import sgd_learning_rate, time_to_target

nb = chapter("ch06_video_recommendation")


def _sparse(m=60, n=80, density=0.08, seed=0):
    rng = np.random.default_rng(seed)
    R = sp.random(m, n, density=density, random_state=rng, format="csr")
    R.data[:] = 1.0
    return R


def test_source_fig_6_18_worked_example():
    """Chapter 6, "Framing": user 2 and video 5 score 0.32 (source Fig. 6.18)."""
    U = np.array([[0.9, 0.0], [-0.7, 0.1], [0.0, 0.8]])
    V = np.array([[0.6, -0.4], [1, 0.9], [-1, -0.2], [-1, 1], [-0.5, -0.3]])
    assert (U @ V.T)[1, 4] == pytest.approx(0.32)


@pytest.mark.parametrize("k", [1, 16, 64])
def test_constant_embeddings_fit_observed_only_loss_exactly(k):
    """C6.1's degenerate solution: equal unit-norm embeddings score every pair 1, zero loss."""
    R = _sparse()
    U = np.full((R.shape[0], k), 1 / np.sqrt(k))
    V = np.full((R.shape[1], k), 1 / np.sqrt(k))
    assert mf_objective(R, U, V, w=0.0, reg=0.0) == pytest.approx(0.0, abs=1e-9)
    assert mf_objective(R, U, V, w=1.0, reg=0.0) == pytest.approx(R.shape[0] * R.shape[1] - R.nnz)


def test_withheld_items_get_zero_cf_factors_and_tie():
    """C6.6: exact WALS leaves an item without interactions at the zero vector, so every
    user scores all new items alike and CF's order among them is tie order (chance)."""
    R = _sparse(seed=1)
    new = np.array([3, 17, 40, 41])
    mf = MatrixFactorization(8, w=0.1, reg=1.0, epochs=4, cg_steps=None, seed=0).fit(withhold_items(R, new))
    assert np.abs(mf.item_factors_[new]).max() == 0.0
    scores = mf.score(np.arange(R.shape[0]))[:, new]
    assert (scores == 0.0).all()


def test_sgd_learning_rate_reproduces_the_default_step():
    R = _sparse(m=200, n=150, density=0.05, seed=2)
    kw = dict(solver="sgd", epochs=3, w=0.1, reg=1.0, seed=0)
    default = MatrixFactorization(8, **kw).fit(R)
    explicit = MatrixFactorization(8, learning_rate=sgd_learning_rate(R, PAIR_STEP), **kw).fit(R)
    assert np.allclose(default.history_, explicit.history_)
    assert sgd_learning_rate(R, 2 * PAIR_STEP) == pytest.approx(2 * sgd_learning_rate(R, PAIR_STEP))
    with pytest.raises(ValueError):
        sgd_learning_rate(R, 0.0)


def test_time_to_target_charges_epochs_and_censors():
    assert time_to_target([10.0, 4.0, 3.0, 2.0, 1.0], 8.0, 3.0) == (4.0, True)
    assert time_to_target([10.0, 4.0], 8.0, 3.0) == (8.0, False)
    with pytest.raises(ValueError, match="at least one epoch"):
        time_to_target([1.0], 1.0, 1.0)


def test_per_user_helpers_match_loops():
    rng = np.random.default_rng(3)
    R = _sparse(m=30, n=40, density=0.1, seed=4)
    U, V = rng.normal(size=(30, 4)), rng.normal(size=(40, 4))
    obs, unobs = mean_scores_per_user(U, V, R)
    S, A = U @ V.T, R.toarray() > 0
    keep = [i for i in range(30) if 0 < A[i].sum() < 40]
    assert np.allclose(obs, [S[i, A[i]].mean() for i in keep])
    assert np.allclose(unobs, [S[i, ~A[i]].mean() for i in keep])
    lists = top_k(S, 5)
    rel = [set(np.flatnonzero(A[i]).tolist()) for i in range(30)]
    want = [len(set(lists[i]) & rel[i]) / 5 for i in range(30) if rel[i]]
    assert np.allclose(precision_per_user(lists, rel, k=5), want)


def test_exact_scan_equals_brute_force_top_k():
    from mlsd_lib.recsys.candidates import Request
    from mlsd_lib.recsys.pipeline import ExactScan

    rng = np.random.default_rng(5)
    E = rng.normal(size=(500, 8)).astype(np.float32)
    u = rng.normal(size=8).astype(np.float32)

    class _TT:
        def user_embeddings(self, histories, times):
            return u[None, :]

    hist = np.array([int(np.argmax(E @ u))])
    got = ExactScan(_TT(), E)(Request(np.zeros(8), hist, 0.0), k=10)
    s = E @ u
    s[hist] = -np.inf
    assert got.tolist() == np.argsort(-s)[:10].tolist()
