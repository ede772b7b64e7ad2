"""Small models with their own optimiser: a logistic classifier trained by full-batch L-BFGS
or gradient descent, and the learning-curve helpers chapter 1 reads its speed from.

Introduced in chapter 1, "Model development".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from numpy.typing import ArrayLike
from torch import nn

from mlsd_lib._validation import (
    as_array,
    check_choice,
    check_float,
    check_int,
    check_same_length,
)
from mlsd_lib.losses import focal_loss
from mlsd_lib.training.loop import _xy


@dataclass
class LinearClassifier:
    """Logistic regression fitted by full-batch L-BFGS with a choice of loss.

    ``loss="bce"`` is ordinary logistic regression; ``"focal"`` uses :func:`focal_loss` with
    ``gamma`` and ``alpha`` (``alpha`` weights the positive class, ``None`` weights both alike).
    ``sample_weight`` re-weights the loss per example (class-balanced weighting).

    Examples
    --------
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
    >>> LinearClassifier().fit(X, y).predict_proba(X).round(1).tolist()[0] < 0.5
    True
    """

    loss: str = "bce"
    gamma: float = 2.0
    l2: float = 1e-3
    max_iter: int = 200
    alpha: float | None = None
    weight_: torch.Tensor | None = field(default=None, init=False, repr=False)

    def fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> LinearClassifier:
        check_choice(self.loss, "loss", ("bce", "focal"))
        l2 = check_float(self.l2, "l2", low=0)
        Xt, yt = _xy(X, y, binary=True)
        w_s = None
        if sample_weight is not None:
            ws = as_array(sample_weight, "sample_weight", ndim=1)
            check_same_length(X=Xt, sample_weight=ws)
            if (ws < 0).any():
                raise ValueError("sample_weight must be non-negative")
            w_s = torch.as_tensor(ws, dtype=torch.float32)
        torch.manual_seed(0)
        w = torch.zeros(Xt.shape[1] + 1, requires_grad=True)
        opt = torch.optim.LBFGS([w], lr=1.0, max_iter=check_int(self.max_iter, "max_iter", low=1),
                                line_search_fn="strong_wolfe", tolerance_grad=1e-9, tolerance_change=1e-12)

        def closure():
            opt.zero_grad()
            z = Xt @ w[:-1] + w[-1]
            if self.loss == "focal":
                loss = focal_loss(z, yt, gamma=self.gamma, alpha=self.alpha, weight=w_s)
            elif w_s is not None:
                loss = (nn.functional.binary_cross_entropy_with_logits(z, yt, reduction="none") * w_s).sum() / w_s.sum()
            else:
                loss = nn.functional.binary_cross_entropy_with_logits(z, yt)
            loss = loss + l2 * (w[:-1] ** 2).sum()
            loss.backward()
            return loss

        opt.step(closure)
        self.weight_ = w.detach()
        return self

    def decision_function(self, X: ArrayLike) -> np.ndarray:
        if self.weight_ is None:
            raise ValueError("LinearClassifier is not fitted; call fit first")
        Xa = as_array(X, "X", ndim=2)
        if Xa.shape[1] != len(self.weight_) - 1:
            raise ValueError(f"X must have {len(self.weight_) - 1} columns, got {Xa.shape[1]}")
        return (torch.as_tensor(Xa, dtype=torch.float32) @ self.weight_[:-1] + self.weight_[-1]).numpy()

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Probability of the positive class, shape (n,)."""
        return 1.0 / (1.0 + np.exp(-self.decision_function(X)))


def logistic_gd_curve(X: ArrayLike, y: ArrayLike, lr: float = 0.5, epochs: int = 500,
                      return_weights: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Training loss of logistic regression after each step of full-batch gradient descent.

    Used to compare how fast optimisation converges on differently scaled features. With
    ``return_weights=True`` it also returns the final weights (bias last), e.g. to score a
    validation split when choosing the learning rate.

    Examples
    --------
    >>> curve = logistic_gd_curve([[0.0], [1.0]], [0, 1], epochs=3)
    >>> bool(curve[-1] < curve[0])
    True
    >>> curve, w = logistic_gd_curve([[0.0], [1.0]], [0, 1], epochs=3, return_weights=True)
    >>> w.shape
    (2,)
    """
    Xa = as_array(X, "X", ndim=2)
    ya = as_array(y, "y", ndim=1, dtype="bool").astype(float)
    check_same_length(X=Xa, y=ya)
    lr = check_float(lr, "lr", low=0, low_open=True, high=1e6)
    epochs = check_int(epochs, "epochs", low=1)
    Xb = np.hstack([Xa, np.ones((len(Xa), 1))])
    w = np.zeros(Xb.shape[1])
    losses = np.empty(epochs)
    for t in range(epochs):
        z = Xb @ w
        p = 1 / (1 + np.exp(-z))
        losses[t] = np.mean(np.logaddexp(0, z) - ya * z)
        w -= lr * Xb.T @ (p - ya) / len(ya)
    if return_weights:
        return losses, w
    return losses


def epochs_to_reach(curve: ArrayLike, target: float) -> int:
    """First epoch (1-based) at which a loss curve is at or below ``target``; ``len+1`` if never.

    Examples
    --------
    >>> epochs_to_reach([3.0, 2.0, 1.0], 2.0)
    2
    """
    c = as_array(curve, "curve", ndim=1)
    target = check_float(target, "target")
    hit = np.flatnonzero(c <= target)
    return int(hit[0] + 1) if len(hit) else len(c) + 1
