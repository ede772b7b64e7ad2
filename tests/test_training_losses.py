"""Losses and training utilities against closed forms, scikit-learn and torch references."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.linear_model import LogisticRegression

from mlsd_lib import losses, training


def test_focal_loss_reduces_to_bce_and_downweights_easy_examples():
    torch.manual_seed(0)
    z, y = torch.randn(50), (torch.rand(50) > 0.5).float()
    assert torch.isclose(losses.focal_loss(z, y, gamma=0.0), F.binary_cross_entropy_with_logits(z, y))
    # Closed form for one example: -(1 - p)^gamma * log p with p = sigmoid(z) for a positive.
    p = torch.sigmoid(torch.tensor(1.5))
    expected = -((1 - p) ** 2) * torch.log(p)
    assert torch.isclose(losses.focal_loss(torch.tensor([1.5]), torch.tensor([1.0]), gamma=2.0), expected)
    easy, hard = torch.tensor([4.0]), torch.tensor([-1.0])
    one = torch.tensor([1.0])
    ratio_focal = losses.focal_loss(easy, one) / losses.focal_loss(hard, one)
    ratio_bce = F.binary_cross_entropy_with_logits(easy, one) / F.binary_cross_entropy_with_logits(hard, one)
    assert ratio_focal < ratio_bce / 10


def test_class_balanced_weights_limits():
    y = np.r_[np.zeros(90), np.ones(10)].astype(int)
    np.testing.assert_allclose(losses.class_balanced_weights(y, beta=0.0), [1, 1])
    w = losses.class_balanced_weights(y, beta=0.999999)
    assert w[1] / w[0] == pytest.approx(9, rel=1e-3)        # beta -> 1: inverse frequency


def test_linear_classifier_matches_sklearn_logistic_regression():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    y = (X @ [1.0, -2.0, 0.5, 0.0] + rng.normal(size=300) > 0).astype(int)
    ours = training.LinearClassifier(l2=1e-3).fit(X, y)
    # sklearn minimises C * sum(logloss) + 0.5 * |w|^2; ours mean(logloss) + l2 * |w|^2.
    ref = LogisticRegression(C=1 / (2 * 1e-3 * len(y)), tol=1e-10, max_iter=1000).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X)[:, 1], atol=1e-4)


def test_sample_weights_shift_probabilities_up():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 2))
    y = (X[:, 0] + rng.normal(size=400) > 1).astype(int)
    plain = training.LinearClassifier().fit(X, y).predict_proba(X).mean()
    weighted = training.LinearClassifier().fit(X, y, sample_weight=np.where(y == 1, 4.0, 1.0)).predict_proba(X).mean()
    assert weighted > plain + 0.1


def test_gradient_descent_curve_decreases_and_epochs_to_reach():
    X = np.random.default_rng(2).normal(size=(200, 3))
    y = (X[:, 0] > 0).astype(int)
    curve = training.logistic_gd_curve(X, y, lr=0.5, epochs=200)
    assert np.all(np.diff(curve) <= 1e-12)
    assert training.epochs_to_reach(curve, curve[-1]) <= 200
    assert training.epochs_to_reach([1.0, 0.9], 0.1) == 3


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


def test_ddp_matches_single_process():
    X = np.random.default_rng(5).normal(size=(256, 6))
    y = (X[:, 0] > 0).astype(int)
    out = training.compare_ddp_to_single_process(X, y, world_size=2, steps=5, global_batch=32)
    assert out["max_abs_weight_diff"] < 1e-6 and out["max_abs_weight_change"] > 1e-3


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
