"""The one training loop, :func:`fit`, and the networks trained through it (source ch. 1,
"Model development"): small MLPs, the embedding classifier, ``train_network`` and ``predict``.

Introduced in chapter 1, "Model development". Everything is seeded and runs on the CPU.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from numpy.typing import ArrayLike
from torch import nn

from mlsd_lib._validation import (
    as_array,
    check_choice,
    check_float,
    check_ids,
    check_int,
    check_same_length,
    check_sequence,
)
from mlsd_lib.losses import focal_loss, regression_loss
from mlsd_lib.sampling import batches as index_batches


def _xy(X: ArrayLike, y: ArrayLike, binary: bool) -> tuple[torch.Tensor, torch.Tensor]:
    Xa = as_array(X, "X", ndim=2)
    ya = as_array(y, "y", ndim=1, dtype="bool" if binary else "float")
    check_same_length(X=Xa, y=ya)
    return torch.as_tensor(Xa, dtype=torch.float32), torch.as_tensor(ya, dtype=torch.float32)


def make_mlp(in_dim: int, hidden: Sequence[int] = (64, 32), dropout: float = 0.0, out_dim: int = 1) -> nn.Sequential:
    """A ReLU multilayer perceptron with optional dropout after each hidden layer.

    Examples
    --------
    >>> sum(p.numel() for p in make_mlp(10, (8,)).parameters())
    97
    """
    in_dim = check_int(in_dim, "in_dim", low=1)
    out_dim = check_int(out_dim, "out_dim", low=1)
    dropout = check_float(dropout, "dropout", low=0, high=1, high_open=True)
    hidden = check_sequence(hidden, "hidden")
    layers: list[nn.Module] = []
    width = in_dim
    for h in hidden:
        layers += [nn.Linear(width, check_int(h, "hidden", low=1)), nn.ReLU()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        width = h
    layers.append(nn.Linear(width, out_dim))
    return nn.Sequential(*layers)


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


@dataclass
class History:
    """What :func:`fit` recorded.

    ``train_loss`` holds one mean loss per epoch (weighted by batch size), ``step_loss`` one loss
    per optimiser step, ``val_score`` one ``validate(model)`` value per validation (every epoch by
    default); ``best_epoch`` (1-based) is the epoch whose weights the model holds at the end
    when ``restore_best``.
    """

    train_loss: list[float] = field(default_factory=list)
    step_loss: list[float] = field(default_factory=list)
    val_score: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False

    @property
    def val_loss(self) -> list[float]:
        """``val_score`` under the name a loss-valued validation reads best with."""
        return self.val_score


def _batch_size_of(batch: object) -> int:
    if isinstance(batch, (tuple, list)) and batch:
        batch = batch[0]
    return len(batch) if hasattr(batch, "__len__") else 1


def fit(
    model: nn.Module,
    step: Callable[[Any], torch.Tensor | tuple[torch.Tensor, float]],
    batches: Callable[[int], Iterable[Any]],
    *,
    epochs: int,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    seed: int | None = None,
    validate: Callable[[nn.Module], float] | None = None,
    validate_every: int = 1,
    mode: str = "min",
    patience: int | None = None,
    restore_best: bool = True,
    progress: bool | str = False,
) -> History:
    """The one mini-batch training loop of the library.

    Each epoch iterates ``batches(epoch)``; each batch goes to ``step(batch)``, which returns the
    loss to minimise (or ``(loss, value)`` to log ``value`` instead, e.g. the loss without its
    penalty). ``fit`` owns what every loop needs: seeding torch's global generator (dropout), the
    ``tqdm.auto`` bar (``progress`` may be its label), the loss history, a guard against a
    diverged loss, ``model.train()``/``model.eval()``, an optional ``validate(model)`` every
    ``validate_every`` epochs and after the last (``mode`` "min" or "max" says which way is
    better) and early stopping after ``patience`` validations without improvement, restoring
    the best epoch's weights. A ``validate`` that draws no random numbers (as
    :func:`train_network`'s) leaves the trained weights the same however often it runs.
    The caller keeps the data order: ``batches`` draws from its own seeded generator.

    Introduced in chapter 1, "Model development".

    Examples
    --------
    >>> net = nn.Linear(1, 1)
    >>> X = torch.linspace(-1, 1, 32)[:, None]; y = 3 * X
    >>> opt = torch.optim.SGD(net.parameters(), lr=0.5)
    >>> hist = fit(net, lambda i: nn.functional.mse_loss(net(X[i]), y[i]),
    ...            lambda epoch: torch.arange(32).split(8), epochs=20, optimizer=opt, seed=0)
    >>> len(hist.train_loss), len(hist.step_loss), hist.train_loss[-1] < 1e-3
    (20, 80, True)
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
    for name, fn in (("step", step), ("batches", batches)):
        if not callable(fn):
            raise TypeError(f"{name} must be callable, got {type(fn).__name__}")
    if validate is not None and not callable(validate):
        raise TypeError(f"validate must be callable or None, got {type(validate).__name__}")
    epochs = check_int(epochs, "epochs", low=1)
    validate_every = check_int(validate_every, "validate_every", low=1)
    check_choice(mode, "mode", ("min", "max"))
    if patience is not None:
        patience = check_int(patience, "patience", low=1)
        if validate is None:
            raise ValueError("patience needs validate: early stopping watches the validation score")
    if seed is not None:
        torch.manual_seed(check_int(seed, "seed", low=0))
    from mlsd_lib.runtime import progress as progress_bar

    hist = History()
    sign = 1.0 if mode == "min" else -1.0
    best, best_state, waited = math.inf, None, 0
    bar = progress_bar(range(epochs), desc=progress if isinstance(progress, str) else "training",
                       disable=not progress, leave=False)
    for epoch in bar:
        model.train()
        total, seen = 0.0, 0
        for batch in batches(epoch):
            out = step(batch)
            loss, value = out if isinstance(out, tuple) else (out, None)
            loss_value = float(loss.detach())
            if not math.isfinite(loss_value):
                raise ValueError(f"training diverged (loss {loss_value}) in epoch {epoch + 1}; "
                                 "lower the learning rate")
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            value = loss_value if value is None else float(value)
            n = _batch_size_of(batch)
            hist.step_loss.append(value)
            total += value * n
            seen += n
        if seen == 0:
            raise ValueError(f"batches({epoch}) yielded no batch; it must cover the training data")
        hist.train_loss.append(total / seen)
        bar.set_postfix(loss=f"{hist.train_loss[-1]:.4g}", refresh=False)
        if validate is None or ((epoch + 1) % validate_every and epoch + 1 < epochs):
            continue
        model.eval()
        with torch.no_grad():
            score = float(validate(model))
        hist.val_score.append(score)
        if sign * score < best:
            best, waited, hist.best_epoch = sign * score, 0, epoch + 1
            if restore_best and patience is not None:
                best_state = copy.deepcopy(model.state_dict())
        else:
            waited += 1
            if patience is not None and waited >= patience:
                hist.stopped_early = True
                break
    bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return hist


def train_network(
    model: nn.Module,
    X: ArrayLike,
    y: ArrayLike,
    *,
    task: str = "binary",
    loss: str = "bce",
    epochs: int = 20,
    lr: float = 1e-3,
    batch_size: int = 64,
    weight_decay: float = 0.0,
    l1: float = 0.0,
    X_val: ArrayLike | None = None,
    y_val: ArrayLike | None = None,
    validate_every: int = 1,
    seed: int = 0,
    progress: bool | str = False,
) -> History:
    """Mini-batch Adam training with optional L2 (``weight_decay``) and L1 penalties.

    ``task="binary"`` with ``loss`` ``"bce"`` or ``"focal"``; ``task="regression"`` with
    ``"mse"``, ``"mae"`` or ``"huber"``. Validation loss (unpenalised) is recorded every
    ``validate_every`` epochs and after the last when ``X_val``/``y_val`` are given (a learning
    curve needs every epoch; a final score only the last). ``progress`` shows a ``tqdm`` bar
    (a string is its label).
    """
    check_choice(task, "task", ("binary", "regression"))
    if task == "binary":
        check_choice(loss, "loss", ("bce", "focal"))
    Xt, yt = _xy(X, y, binary=task == "binary")
    has_val = X_val is not None and y_val is not None
    if has_val:
        Xv, yv = _xy(X_val, y_val, binary=task == "binary")
    epochs = check_int(epochs, "epochs", low=1)
    batch_size = check_int(batch_size, "batch_size", low=1)
    l1 = check_float(l1, "l1", low=0)
    crit = _criterion(task, loss)
    opt = torch.optim.Adam(model.parameters(), lr=check_float(lr, "lr", low=0, low_open=True, high=1e6),
                           weight_decay=check_float(weight_decay, "weight_decay", low=0))
    rng = np.random.default_rng(seed)

    def step(idx: np.ndarray) -> tuple[torch.Tensor, float]:
        data_loss = crit(model(Xt[idx]).squeeze(-1), yt[idx])
        if l1 == 0:
            return data_loss, float(data_loss.detach())
        penalty = sum(p.abs().sum() for n, p in model.named_parameters() if "weight" in n)
        return data_loss + l1 * penalty, float(data_loss.detach())

    validate = (lambda m: crit(m(Xv).squeeze(-1), yv).item()) if has_val else None
    return fit(model, step, lambda epoch: index_batches(len(Xt), batch_size, seed=rng), epochs=epochs,
               optimizer=opt, seed=seed, validate=validate, validate_every=validate_every, progress=progress)


def _criterion(task: str, loss: str):
    if task == "regression":
        return regression_loss(loss)
    if loss == "focal":
        return focal_loss
    return nn.functional.binary_cross_entropy_with_logits


def predict(model: nn.Module, X: ArrayLike, proba: bool = True) -> np.ndarray:
    """Model outputs for ``X`` (sigmoid probabilities when ``proba``), shape (n,)."""
    Xa = as_array(X, "X", ndim=2)
    model.eval()
    with torch.no_grad():
        out = model(torch.as_tensor(Xa, dtype=torch.float32)).squeeze(-1)
    return (torch.sigmoid(out) if proba else out).numpy()


class EmbeddingClassifier(nn.Module):
    """Binary classifier over numeric features plus one learnt embedding per categorical column.

    Each category id is looked up in a trainable table of ``dim``-dimensional vectors (source
    ch. 1, "Embedding learning"); the vectors are concatenated with the numeric features.
    """

    def __init__(self, cardinalities: Sequence[int], n_numeric: int, dim: int = 4, hidden: int = 32) -> None:
        super().__init__()
        if not cardinalities:
            raise ValueError("cardinalities must list at least one categorical column")
        self.embeddings = nn.ModuleList(nn.Embedding(check_int(c, "cardinality", low=1), check_int(dim, "dim", low=1))
                                        for c in cardinalities)
        width = len(cardinalities) * dim + check_int(n_numeric, "n_numeric", low=0)
        self.head = nn.Sequential(nn.Linear(width, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, codes: torch.Tensor, numeric: torch.Tensor) -> torch.Tensor:
        parts = [emb(codes[:, j]) for j, emb in enumerate(self.embeddings)]
        return self.head(torch.cat([*parts, numeric], dim=1)).squeeze(-1)


def fit_embedding_classifier(
    codes: ArrayLike, numeric: ArrayLike, y: ArrayLike, cardinalities: Sequence[int],
    dim: int = 4, epochs: int = 30, lr: float = 1e-2, batch_size: int = 128, seed: int = 0,
) -> EmbeddingClassifier:
    """Train an :class:`EmbeddingClassifier` with binary cross-entropy and Adam."""
    card = [check_int(c, "cardinalities", low=1) for c in check_sequence(cardinalities, "cardinalities")]
    codes = as_array(codes, "codes", ndim=2, dtype="ids")
    if codes.shape[1] != len(card):
        raise ValueError(f"codes has {codes.shape[1]} columns but cardinalities lists {len(card)}")
    c = torch.as_tensor(np.column_stack([check_ids(codes[:, j], "codes", n, of=f"categories of column {j}")
                                         for j, n in enumerate(card)]) if card else codes)
    Xn = torch.as_tensor(as_array(numeric, "numeric", ndim=2), dtype=torch.float32)
    yt = torch.as_tensor(as_array(y, "y", ndim=1, dtype="bool"), dtype=torch.float32)
    check_same_length(codes=c, numeric=Xn, y=yt)
    lr = check_float(lr, "lr", low=0, low_open=True, high=1e6)
    batch_size = check_int(batch_size, "batch_size", low=1)
    torch.manual_seed(check_int(seed, "seed", low=0))
    model = EmbeddingClassifier(card, Xn.shape[1], dim=dim)
    rng = np.random.default_rng(seed)
    fit(model, lambda idx: nn.functional.binary_cross_entropy_with_logits(model(c[idx], Xn[idx]), yt[idx]),
        lambda epoch: index_batches(len(yt), batch_size, seed=rng), epochs=check_int(epochs, "epochs", low=1),
        optimizer=torch.optim.Adam(model.parameters(), lr=lr))
    return model


# --- Distributed data-parallel training -------------------------------------------------
