"""Loss functions the book trains with (source ch. 1, "Choosing the loss function").

Introduced in chapter 1, "Model development"; chapter 5 reuses the focal loss.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from numpy.typing import ArrayLike

from mlsd_lib._validation import (
    as_array,
    check_choice,
    check_finite,
    check_float,
    check_probability,
)


def focal_loss(
    logits: torch.Tensor,
    targets: torch.Tensor,
    gamma: float = 2.0,
    alpha: float | None = None,
    weight: torch.Tensor | None = None,
) -> torch.Tensor:
    """Binary focal loss (Lin et al., 2017): cross-entropy scaled by ``(1 - p_t) ** gamma``.

    Well-classified examples (``p_t`` near 1) contribute little, so the many easy majority
    examples stop dominating the gradient. ``gamma = 0`` and ``alpha = None`` give plain
    binary cross-entropy. ``alpha`` weights the positive class (``1 - alpha`` the negative).

    Examples
    --------
    >>> z, y = torch.tensor([2.0, -1.0]), torch.tensor([1.0, 0.0])
    >>> bool(torch.isclose(focal_loss(z, y, gamma=0.0), F.binary_cross_entropy_with_logits(z, y)))
    True
    """
    for name, t in (("logits", logits), ("targets", targets)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"logits and targets must be torch tensors; {name} is a {type(t).__name__}")
    if not logits.is_floating_point():
        raise TypeError(f"logits must be a floating-point tensor, got {logits.dtype}")
    if logits.shape != targets.shape:
        raise ValueError(f"logits {tuple(logits.shape)} and targets {tuple(targets.shape)} must have the same shape")
    if logits.numel() == 0:
        raise ValueError("logits is empty; pass at least one example")
    check_finite(logits.detach(), "logits")
    targets = targets.to(logits.dtype)
    check_finite(targets, "targets")
    if bool(((targets < 0) | (targets > 1)).any()):
        raise ValueError("targets must be probabilities in [0, 1] (0/1 labels or soft targets)")
    gamma = check_float(gamma, "gamma", low=0)
    ce = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    p = torch.sigmoid(logits)
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce * (1 - p_t) ** gamma
    if alpha is not None:
        alpha = check_probability(alpha, "alpha")
        loss = loss * (alpha * targets + (1 - alpha) * (1 - targets))
    if weight is not None:
        if not isinstance(weight, torch.Tensor):
            raise TypeError(f"weight must be a torch tensor, got {type(weight).__name__}")
        if weight.shape != logits.shape:
            raise ValueError(f"weight {tuple(weight.shape)} must have the shape of logits {tuple(logits.shape)}")
        check_finite(weight, "weight")
        if bool((weight < 0).any()) or not bool(weight.sum() > 0):
            raise ValueError("weight must be non-negative with a positive sum")
        loss = loss * weight
        return loss.sum() / weight.sum()
    return loss.mean()


def class_balanced_weights(labels: ArrayLike, beta: float = 0.999) -> np.ndarray:
    """Per-class weights from the *effective number* of samples (Cui et al., 2019).

    ``w_c ∝ (1 - beta) / (1 - beta ** n_c)``, normalised so the weights average to 1 over
    the classes. ``beta → 1`` tends to inverse frequency; ``beta = 0`` gives equal weights.

    Examples
    --------
    >>> class_balanced_weights([0, 0, 0, 1], beta=0.9999).round(2).tolist()
    [0.5, 1.5]
    """
    y = as_array(labels, "labels", ndim=1, dtype="int")
    if y.min() < 0:
        raise ValueError("labels must be class indices 0..C-1")
    beta = check_float(beta, "beta", low=0, high=1, high_open=True)
    counts = np.bincount(y)
    if (counts == 0).any():
        raise ValueError(f"every class 0..{len(counts) - 1} needs at least one example; counts {counts.tolist()}")
    effective = (1 - beta**counts) / (1 - beta) if beta > 0 else np.ones_like(counts, dtype=float)
    w = 1.0 / effective
    return w * len(counts) / w.sum()


def regression_loss(name: str, delta: float = 1.0) -> torch.nn.Module:
    """``"mse"``, ``"mae"`` or ``"huber"`` (quadratic within ``delta``, linear beyond).

    Examples
    --------
    >>> regression_loss("huber")(torch.tensor([3.0]), torch.tensor([0.0])).item()
    2.5
    """
    check_choice(name, "name", ("mse", "mae", "huber"))
    if name == "mse":
        return torch.nn.MSELoss()
    if name == "mae":
        return torch.nn.L1Loss()
    return torch.nn.HuberLoss(delta=check_float(delta, "delta", low=0, low_open=True))
