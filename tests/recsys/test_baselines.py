"""Unit tests of ``mlsd_lib.recsys.baselines``."""

from __future__ import annotations

import numpy as np
import pytest

from mlsd_lib.recsys.baselines import ImplicitALS, MostPopular
from mlsd_lib.recsys.mf import MatrixFactorization

from ._helpers import _R


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


def test_baseline_errors():
    with pytest.raises(ValueError, match="not fitted; call fit"):
        MostPopular().score([0])
    with pytest.raises(ValueError, match="alpha must be > 0"):
        ImplicitALS(alpha=0)
