"""Baselines every recommender must beat: most-popular and ``implicit``'s ALS.

Introduced in chapter 6, "Evaluation: baselines".
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from mlsd_lib._validation import check_float, check_ids, check_int
from mlsd_lib.recsys.base import TopKRecommender, check_feedback


class MostPopular(TopKRecommender):
    """Recommend the items with the most relevant interactions, the same list for everyone.

    Examples
    --------
    >>> R = sp.csr_matrix(np.array([[1, 1, 0], [0, 1, 0], [0, 1, 1.0]]))
    >>> MostPopular().fit(R).recommend([1], k=2, exclude=R).tolist()
    [[0, 2]]
    >>> MostPopular().fit(R).recommend([0], k=2, exclude=R).tolist()   # one unseen item left
    [[2, -1]]
    """

    def fit(self, R: sp.spmatrix) -> MostPopular:
        R = check_feedback(R)
        self.counts_ = np.asarray((R > 0).sum(axis=0)).ravel().astype(float)
        self.n_users_ = R.shape[0]
        return self

    def _n_users(self) -> int:
        if not hasattr(self, "counts_"):
            raise ValueError("the model is not fitted; call fit(R) before using it")
        return self.n_users_

    def score(self, users: ArrayLike) -> np.ndarray:
        """The same popularity scores for every user row in ``users``."""
        u = check_ids(users, "users", self._n_users(), of="rows of the training matrix")
        # A tiny index-based tie-break keeps the order deterministic across platforms.
        base = self.counts_ - np.arange(len(self.counts_)) * 1e-9
        return np.broadcast_to(base, (len(u), len(base))).copy()


class ImplicitALS(TopKRecommender):
    """``implicit``'s conjugate-gradient ALS (Hu, Koren & Volinsky 2008), single-threaded.

    A peer implementation of the weighted loss: observed pairs get confidence
    ``1 + alpha * a_ij``, unobserved pairs weight 1. ``num_threads=1`` keeps its timings
    comparable with the NumPy WALS of :mod:`mlsd_lib.recsys.mf`.
    """

    def __init__(self, n_factors: int = 64, *, reg: float = 0.01, alpha: float = 1.0,
                 epochs: int = 15, seed: int = 0) -> None:
        self.n_factors = check_int(n_factors, "n_factors", low=1)
        self.reg = check_float(reg, "reg", low=0)
        self.alpha = check_float(alpha, "alpha", low=0, low_open=True)
        self.epochs = check_int(epochs, "epochs", low=1)
        self.seed = seed

    def fit(self, R: sp.spmatrix) -> ImplicitALS:
        from implicit.cpu.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits

        R = check_feedback(R)
        model = AlternatingLeastSquares(
            factors=self.n_factors, regularization=self.reg, alpha=self.alpha,
            iterations=self.epochs, random_state=self.seed, num_threads=1,
            calculate_training_loss=False,
        )
        with threadpool_limits(1):
            model.fit(R.astype(np.float32), show_progress=False)
        self.user_factors_ = np.asarray(model.user_factors, dtype=np.float64)
        self.item_factors_ = np.asarray(model.item_factors, dtype=np.float64)
        return self

    def _n_users(self) -> int:
        if not hasattr(self, "user_factors_"):
            raise ValueError("the model is not fitted; call fit(R) before using it")
        return len(self.user_factors_)

    def score(self, users: ArrayLike) -> np.ndarray:
        """``U_i . V_j`` of every item for each user row in ``users``."""
        u = check_ids(users, "users", self._n_users(), of="rows of the training matrix")
        return self.user_factors_[u] @ self.item_factors_.T
