"""The one training loop, mlsd_lib.training.fit: history, validation, early stopping, errors."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mlsd_lib import training


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
