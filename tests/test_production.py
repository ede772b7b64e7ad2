"""Serving, monitoring and online experiments: references (SciPy, brute force) and errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st
import torch

from mlsd_lib import experiments, monitoring, serving, training
from mlsd_lib.recsys.rating_baseline import BiasRatingModel


def test_quantisation_shrinks_linear_layers_about_fourfold():
    torch.manual_seed(0)
    model = training.make_mlp(32, (256, 256))
    q = serving.quantize_dynamic_int8(model)
    ratio = serving.model_size_bytes(model) / serving.model_size_bytes(q)
    assert 3 < ratio < 4.1
    x = torch.randn(20, 32)
    with torch.no_grad():
        assert torch.allclose(model(x), q(x), atol=0.05)


def test_pruning_zeroes_the_requested_fraction_of_the_smallest_weights():
    torch.manual_seed(0)
    model = training.make_mlp(10, (50,))
    pruned = serving.prune_magnitude(model, 0.8)
    weights = torch.cat([m.weight.flatten() for m in pruned.modules() if isinstance(m, torch.nn.Linear)])
    orig = torch.cat([m.weight.flatten() for m in model.modules() if isinstance(m, torch.nn.Linear)])
    assert (weights == 0).float().mean().item() == pytest.approx(0.8, abs=0.01)
    survivors = orig[weights != 0].abs()
    assert survivors.min() >= orig[weights == 0].abs().max()          # magnitude order kept
    assert serving.sparse_size_bytes(pruned) < serving.sparse_size_bytes(model) / 2


def test_distilled_student_tracks_the_teacher():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 4)).astype(np.float32)
    y = (X[:, 0] - X[:, 1] > 0).astype(int)
    torch.manual_seed(0)
    teacher = training.make_mlp(4, (32,))
    training.train_network(teacher, X, y, epochs=30, lr=1e-2)
    student = serving.distill(teacher, training.make_mlp(4, (4,)), X, y, epochs=40, lr=1e-2)
    agree = ((training.predict(student, X) > 0.5) == (training.predict(teacher, X) > 0.5)).mean()
    assert agree > 0.9


def test_latency_helpers():
    assert serving.latency_percentiles([1, 2, 3, 4])["p50_ms"] == 2.5
    lat = serving.measure_latency(lambda: sum(range(100)), repeats=20, warmup=2)
    assert lat.shape == (20,) and (lat >= 0).all()


def test_capacity_estimate_shards_scales_and_replicates():
    # 1e10 vectors of 256 bytes on 256 GB machines: 2,560 GB in 10 shards of 1e9 each.
    est = serving.capacity_estimate(1e10, 256, qps=2000, ms_per_query=2.0, measured_items=1e6,
                                    cost_exponent=1.0, machine_memory_gb=256, cores_per_machine=32)
    assert est["storage_GB"] == pytest.approx(2560) and est["shards"] == 10
    assert est["items_per_shard"] == pytest.approx(1e9)
    assert est["latency_ms"] == pytest.approx(2.0 * 1000)              # an exact scan grows linearly
    assert est["cores_busy"] == pytest.approx(2000 * 2.0 * 10)          # qps x seconds per query x shards
    assert est["replicas"] == np.ceil(2000 * 2.0 / 32) and est["machines"] == 10 * est["replicas"]
    sub = serving.capacity_estimate(1e10, 256, qps=2000, ms_per_query=2.0, measured_items=1e6, cost_exponent=0.5)
    assert sub["latency_ms"] == pytest.approx(2.0 * 1000 ** 0.5)        # ~sqrt(N) for IVF
    flat = serving.capacity_estimate(1e6, 100, qps=10, ms_per_query=5.0)  # a cost that does not grow
    assert flat["latency_ms"] == 5.0 and flat["shards"] == 1 and flat["machines"] == 1


@pytest.mark.parametrize("kwargs, name", [
    ({"n_items": 0}, "n_items"), ({"bytes_per_item": -1}, "bytes_per_item"), ({"qps": float("nan")}, "qps"),
    ({"ms_per_query": -0.1}, "ms_per_query"), ({"measured_items": 0}, "measured_items"),
    ({"cost_exponent": 3}, "cost_exponent"), ({"machine_memory_gb": 0}, "machine_memory_gb"),
    ({"cores_per_machine": 0}, "cores_per_machine")])
def test_capacity_estimate_rejects_bad_figures(kwargs, name):
    args = {"n_items": 1e9, "bytes_per_item": 512, "qps": 100, "ms_per_query": 1.0, "measured_items": 1e6}
    with pytest.raises(ValueError, match=name):
        serving.capacity_estimate(**{**args, **kwargs})

def test_batch_vs_online_simulation_counts_staleness():
    df = pd.DataFrame({"x": np.linspace(0, 1, 50)})
    snaps = [df.assign(x=df.x + h / 10) for h in range(10)]
    svc = serving.PredictionService(preprocess=lambda d: d["x"].to_numpy(), score=lambda x: x, threshold=0.9)
    res = serving.simulate_batch_vs_online(svc, snaps, [0, 5, 9], [49, 40, 10], refresh_hours=5)
    assert res.batch_staleness_h.tolist() == [0.0, 0.0, 4.0]
    assert res.batch_agreement == pytest.approx(2 / 3)      # row 10 crosses the threshold after the hour-5 batch


def test_psi_and_ks_against_references():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=3000), rng.normal(0.3, 1.2, size=2000)
    d, p = monitoring.ks_statistic(a, b)
    ref = st.ks_2samp(a, b)
    assert d == pytest.approx(ref.statistic) and p == pytest.approx(ref.pvalue)
    # PSI by brute force with the same decile edges.
    edges = np.quantile(a, np.linspace(0, 1, 11))
    e = np.histogram(np.clip(a, edges[0], edges[-1]), edges)[0] / len(a)
    f = np.histogram(np.clip(b, edges[0], edges[-1]), edges)[0] / len(b)
    assert monitoring.population_stability_index(a, b) == pytest.approx(np.sum((f - e) * np.log(f / e)), rel=0.02)
    assert monitoring.population_stability_index(a, a) == pytest.approx(0.0, abs=1e-12)


def test_drift_monitor_alerts_only_on_the_shifted_feature():
    rng = np.random.default_rng(1)
    ref = pd.DataFrame({"a": rng.normal(size=2000), "b": rng.lognormal(size=2000)})
    mon = monitoring.DriftMonitor().fit(ref)
    same = pd.DataFrame({"a": rng.normal(size=1000), "b": rng.lognormal(size=1000)})
    assert not mon.check(same).alert
    shifted = monitoring.shift_features(same, scale={"b": 0.25})
    report = mon.check(shifted)
    assert report.alert and report.drifted == ["b"]


def test_sample_size_and_power_are_consistent():
    n = experiments.sample_size_two_proportions(0.2, 0.25)
    assert experiments.analytic_power(0.2, 0.25, n) == pytest.approx(0.8, abs=0.01)
    assert experiments.detection_rate(0.2, 0.25, n, 3000, seed=0) == pytest.approx(0.8, abs=0.04)
    assert experiments.detection_rate(0.2, 0.2, n, 3000, seed=1) == pytest.approx(0.05, abs=0.015)


def test_z_test_matches_chi_square_without_correction():
    z, p = experiments.two_proportion_z_test(120, 1000, 150, 1000)
    chi2, p_ref, _, _ = st.chi2_contingency([[120, 880], [150, 850]], correction=False)
    assert z**2 == pytest.approx(chi2) and p == pytest.approx(p_ref)


def test_rollout_strategies():
    shadow = experiments.simulate_rollout("shadow", 10_000, 0.3, 0.2, seed=0)
    canary = experiments.simulate_rollout("canary", 10_000, 0.3, 0.2, fraction=0.05, seed=0)
    assert shadow.served_by_new == 0 and shadow.predictions_computed == 20_000
    assert 400 < canary.served_by_new < 600 and canary.predictions_computed == 10_000


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
        (lambda: serving.model_size_bytes("model"), TypeError, "nn.Module"),
        (lambda: serving.prune_magnitude(torch.nn.ReLU(), 0.5), ValueError, "no nn.Linear"),
        (lambda: serving.prune_magnitude(training.make_mlp(2), 1.0), ValueError, "amount must be < 1"),
        (lambda: serving.latency_percentiles([-1.0]), ValueError, "non-negative"),
        (lambda: serving.measure_latency(3), TypeError, "callable"),
        (lambda: serving.evolving_snapshots(pd.DataFrame({"a": [1.0]}), 2, "b"), ValueError, "not in df"),
        (lambda: monitoring.population_stability_index([1.0] * 10, [1.0]), ValueError, "too few distinct"),
        (lambda: monitoring.DriftMonitor().check(pd.DataFrame({"a": [1.0]})), ValueError, "not fitted"),
        (lambda: monitoring.DriftMonitor().fit(pd.DataFrame({"a": ["x"]})), TypeError, "numeric features"),
        (lambda: monitoring.DriftMonitor(alpha=1.5), ValueError, "alpha must be < 1"),
        (lambda: monitoring.shift_features(pd.DataFrame({"a": [1.0]}), scale={"b": 2}), ValueError, "not in df"),
        (lambda: monitoring.sliding_windows(5, 6), ValueError, "window must be <= 5"),
        (lambda: experiments.sample_size_two_proportions(0.1, 0.1), ValueError, "no lift"),
        (lambda: experiments.sample_size_two_proportions(0.1, 1.2), ValueError, "p_treatment must be < 1"),
        (lambda: experiments.two_proportion_z_test(11, 10, 1, 10), ValueError, "conv_a must be <= 10"),
        (lambda: experiments.simulate_rollout("blue-green", 10, 0.1, 0.1), ValueError, "strategy must be one of"),
        (lambda: BiasRatingModel().predict(pd.DataFrame({"userId": [1], "movieId": [1]})), ValueError, "not fitted"),
        (lambda: BiasRatingModel().fit(pd.DataFrame({"userId": [1]})), ValueError, "lacks columns"),
    ],
)
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_tabular_logistic_is_a_paired_repeated_holdout():
    from mlsd_lib.data import load_credit_data
    from mlsd_lib.model_selection import drop_incomplete_rows, repeated_holdout, tabular_logistic

    df, _ = load_credit_data()
    y = (df.pop("Status") == "bad").astype(int).to_numpy()
    num, cat = ["Age", "Income", "Debt"], ["Home", "Records"]
    base = repeated_holdout(df, y, tabular_logistic(num, cat), 2, seed=0)
    again = repeated_holdout(df, y, tabular_logistic(num, cat), 2, seed=0)
    pd.testing.assert_frame_equal(base, again)                 # same seed, same splits, same scores
    weighted = repeated_holdout(df, y, tabular_logistic(num, cat, rebalance="class-balanced"), 2, seed=0)
    assert (weighted["recall"] > base["recall"]).all()
    deleted = repeated_holdout(df, y, tabular_logistic(num, cat, prepare=drop_incomplete_rows), 2, seed=0)
    assert len(deleted) == 2 and deleted["pr_auc"].between(0.3, 1).all()
    with pytest.raises(ValueError, match="rebalance must be one of"):
        tabular_logistic(num, rebalance="smote")
    with pytest.raises(ValueError, match="impute must be one of"):
        tabular_logistic(num, impute="max")
    with pytest.raises(ValueError, match="one score per test row"):
        repeated_holdout(df, y, lambda tr, ytr, te: np.zeros(3), 1)
