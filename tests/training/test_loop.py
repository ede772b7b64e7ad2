"""Unit tests of ``mlsd_lib.training.loop``."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from mlsd_lib import losses, training


def _line_problem(lr: float = 0.1):
    torch.manual_seed(0)
    net = nn.Linear(1, 1)
    X = torch.linspace(-1, 1, 20)[:, None]
    y = 2 * X + 1
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    return net, X, y, opt


def test_fit_records_a_weighted_epoch_mean_of_the_step_losses():
    net, X, y, opt = _line_problem()
    # batches of 8, 8 and 4: the epoch loss weights each step by its batch size
    hist = training.fit(net, lambda i: nn.functional.mse_loss(net(X[i]), y[i]),
                        lambda epoch: torch.arange(20).split(8), epochs=3, optimizer=opt)
    assert len(hist.step_loss) == 9 and len(hist.train_loss) == 3
    first = hist.step_loss[:3]
    assert hist.train_loss[0] == pytest.approx((8 * first[0] + 8 * first[1] + 4 * first[2]) / 20)
    assert hist.val_score == [] and hist.best_epoch is None and not net.training


def test_fit_logs_the_value_a_step_reports_but_minimises_its_loss():
    net, X, y, opt = _line_problem()
    hist = training.fit(net, lambda i: (nn.functional.mse_loss(net(X[i]), y[i]), 7.0),
                        lambda epoch: [torch.arange(20)], epochs=2, optimizer=opt)
    assert hist.train_loss == [7.0, 7.0]


def test_early_stopping_restores_the_best_epoch():
    net, X, y, opt = _line_problem()
    scores = iter([0.5, 0.9, 0.4, 0.3, 0.2, 0.1])
    weights = []

    def validate(model):
        weights.append(model.weight.detach().clone())
        return next(scores)

    hist = training.fit(net, lambda i: nn.functional.mse_loss(net(X[i]), y[i]), lambda e: [torch.arange(20)],
                        epochs=6, optimizer=opt, validate=validate, mode="max", patience=2)
    assert hist.stopped_early and hist.val_score == [0.5, 0.9, 0.4, 0.3] and hist.best_epoch == 2
    assert torch.equal(net.weight, weights[1])


def test_validating_less_often_leaves_the_weights_unchanged():
    def run(every):
        torch.manual_seed(0)
        net = training.make_mlp(3, (8,), dropout=0.5)
        X, y = np.random.default_rng(0).normal(size=(40, 3)), np.arange(40) % 2
        hist = training.train_network(net, X, y, epochs=5, batch_size=8, X_val=X[:10], y_val=y[:10],
                                      validate_every=every, seed=1)
        return hist, [p.detach().clone() for p in net.parameters()]

    (h1, w1), (h2, w2), (h5, w5) = run(1), run(2), run(5)
    assert len(h1.val_loss) == 5 and len(h2.val_loss) == 3 and len(h5.val_loss) == 1   # epochs 2, 4 and the last
    assert h2.val_loss == [h1.val_loss[1], h1.val_loss[3], h1.val_loss[4]] and h5.val_loss == h1.val_loss[-1:]
    assert all(torch.equal(a, b) and torch.equal(a, c) for a, b, c in zip(w1, w2, w5, strict=True))


def test_fit_seeds_dropout():
    def run():
        net = nn.Sequential(nn.Dropout(0.5), nn.Linear(4, 1))
        with torch.no_grad():
            net[1].weight.fill_(1.0)
            net[1].bias.zero_()
        X = torch.ones(8, 4)
        hist = training.fit(net, lambda i: net(X[i]).sum(), lambda e: [torch.arange(8)], epochs=2,
                            optimizer=torch.optim.SGD(net.parameters(), lr=0.0), seed=3)
        return hist.step_loss

    assert run() == run()


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"epochs": 0}, ValueError, "epochs must be >= 1"),
    ({"mode": "best"}, ValueError, "mode must be one of"),
    ({"validate_every": 0}, ValueError, "validate_every must be >= 1"),
    ({"patience": 2}, ValueError, "patience needs validate"),
    ({"optimizer": "adam"}, TypeError, "optimizer must be a torch.optim.Optimizer"),
    ({"step": None}, TypeError, "step must be callable"),
    ({"batches": lambda e: []}, ValueError, "yielded no batch"),
    ({"step": lambda i: torch.tensor(float("nan"), requires_grad=True)}, ValueError, "lower the learning rate"),
])
def test_fit_rejects_bad_arguments_with_a_clear_message(kwargs, error, match):
    net, X, y, opt = _line_problem()
    args = {"model": net, "step": lambda i: nn.functional.mse_loss(net(X[i]), y[i]),
            "batches": lambda e: [torch.arange(20)], "epochs": 2, "optimizer": opt, **kwargs}
    with pytest.raises(error, match=match):
        training.fit(**args)


def test_train_network_overfits_a_tiny_problem_and_records_history():
    X = np.random.default_rng(3).normal(size=(64, 5)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    model = training.make_mlp(5, (16,))
    hist = training.train_network(model, X, y, epochs=60, lr=1e-2, X_val=X, y_val=y, seed=0)
    assert hist.train_loss[-1] < 0.2 * hist.train_loss[0] and len(hist.val_loss) == 60
    assert ((training.predict(model, X) > 0.5) == y).mean() > 0.95


def test_training_is_deterministic():
    X = np.random.default_rng(4).normal(size=(50, 3)).astype(np.float32)
    y = (X[:, 1] > 0).astype(int)
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        m = training.make_mlp(3, (8,), dropout=0.2)
        training.train_network(m, X, y, epochs=5, seed=0)
        runs.append(training.predict(m, X))
    np.testing.assert_array_equal(*runs)


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: losses.focal_loss(torch.zeros(3), torch.zeros(2)), ValueError, "same shape"),
        (lambda: losses.focal_loss(np.zeros(3), torch.zeros(3)), TypeError, "torch tensors"),
        (lambda: losses.focal_loss(torch.zeros(3), torch.zeros(3), gamma=-1), ValueError, "gamma must be >= 0"),
        (lambda: losses.class_balanced_weights([0, 2]), ValueError, "at least one example"),
        (lambda: losses.class_balanced_weights([0, 1], beta=1.0), ValueError, "beta must be < 1"),
        (lambda: losses.regression_loss("l3"), ValueError, "name must be one of"),
        (lambda: training.LinearClassifier(loss="hinge").fit([[0.0], [1.0]], [0, 1]), ValueError, "loss must be one of"),
        (lambda: training.LinearClassifier().fit([[0.0], [1.0]], [0, 1], sample_weight=[1, -1]), ValueError, "non-negative"),
        (lambda: training.LinearClassifier().predict_proba([[0.0]]), ValueError, "not fitted"),
        (lambda: training.LinearClassifier().fit([[0.0], [1.0]], [0, 1]).predict_proba([[0.0, 1.0]]), ValueError, "1 columns"),
        (lambda: training.make_mlp(0), ValueError, "in_dim must be >= 1"),
        (lambda: training.make_mlp(3, dropout=1.0), ValueError, "dropout must be < 1"),
        (lambda: training.train_network(training.make_mlp(1), [[0.0]], [0], task="rank"), ValueError, "task must be one of"),
        (lambda: training.train_network(training.make_mlp(1), [[0.0]], [0], epochs=0), ValueError, "epochs must be >= 1"),
        (lambda: training.compare_ddp_to_single_process([[0.0]] * 10, [0, 1] * 5, global_batch=3), ValueError, "divisible"),
        (lambda: training.compare_ddp_to_single_process([[0.0]] * 10, [0, 1] * 5, global_batch=64), ValueError, "exceeds"),
    ],
)
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
