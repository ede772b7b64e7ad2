"""The bias rating model against least squares."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlsd_lib.recsys.rating_baseline import BiasRatingModel


def test_bias_rating_model_matches_least_squares():
    rng = np.random.default_rng(0)
    users, items = rng.integers(0, 20, 500), rng.integers(0, 15, 500)
    ratings = 3 + rng.normal(0, 0.5, 20)[users] + rng.normal(0, 0.5, 15)[items] + rng.normal(0, 0.1, 500)
    df = pd.DataFrame({"userId": users, "movieId": items, "rating": np.clip(ratings, 0.5, 5)})
    model = BiasRatingModel(reg=0.0, n_iter=200).fit(df)
    # Unregularised alternating updates converge to the least-squares fit of mu + b_u + b_i.
    A = np.hstack([np.ones((500, 1)), np.eye(20)[users], np.eye(15)[items]])
    coef = np.linalg.lstsq(A, df.rating, rcond=None)[0]
    np.testing.assert_allclose(model.predict(df), np.clip(A @ coef, 0.5, 5), atol=1e-3)
    assert model.predict(pd.DataFrame({"userId": [999], "movieId": [999]}))[0] == pytest.approx(model.mu_)


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: BiasRatingModel().predict(pd.DataFrame({"userId": [1], "movieId": [1]})), ValueError, "not fitted"),
        (lambda: BiasRatingModel().fit(pd.DataFrame({"userId": [1]})), ValueError, "lacks columns"),
    ],
)
def test_rating_baseline_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
