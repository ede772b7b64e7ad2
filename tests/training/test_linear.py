"""Unit tests of ``mlsd_lib.training.linear``."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

from mlsd_lib import training


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


def test_focal_alpha_on_the_positive_class_shifts_probabilities_up():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 2))
    y = (X[:, 0] + rng.normal(size=400) > 1).astype(int)
    plain = training.LinearClassifier(loss="focal").fit(X, y).predict_proba(X).mean()
    weighted = training.LinearClassifier(loss="focal", alpha=0.8).fit(X, y).predict_proba(X).mean()
    assert weighted > plain + 0.05


def test_gradient_descent_returns_the_weights_its_curve_ends_with():
    X = np.random.default_rng(3).normal(size=(100, 2))
    y = (X[:, 1] > 0).astype(int)
    curve, w = training.logistic_gd_curve(X, y, lr=0.5, epochs=30, return_weights=True)
    np.testing.assert_allclose(curve, training.logistic_gd_curve(X, y, lr=0.5, epochs=30))
    z = X @ w[:-1] + w[-1]
    assert np.mean(np.logaddexp(0, z) - y * z) <= curve[-1]    # one more step past the last recorded loss


def test_gradient_descent_curve_decreases_and_epochs_to_reach():
    X = np.random.default_rng(2).normal(size=(200, 3))
    y = (X[:, 0] > 0).astype(int)
    curve = training.logistic_gd_curve(X, y, lr=0.5, epochs=200)
    assert np.all(np.diff(curve) <= 1e-12)
    assert training.epochs_to_reach(curve, curve[-1]) <= 200
    assert training.epochs_to_reach([1.0, 0.9], 0.1) == 3
