"""Serving: compression, distillation, latency timing, batch vs online, against references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from mlsd_lib import serving, training


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


def test_batch_vs_online_simulation_counts_staleness():
    df = pd.DataFrame({"x": np.linspace(0, 1, 50)})
    snaps = [df.assign(x=df.x + h / 10) for h in range(10)]
    svc = serving.PredictionService(preprocess=lambda d: d["x"].to_numpy(), score=lambda x: x, threshold=0.9)
    res = serving.simulate_batch_vs_online(svc, snaps, [0, 5, 9], [49, 40, 10], refresh_hours=5)
    assert res.batch_staleness_h.tolist() == [0.0, 0.0, 4.0]
    assert res.batch_agreement == pytest.approx(2 / 3)      # row 10 crosses the threshold after the hour-5 batch


def test_batch_vs_online_untimed_gives_the_same_answers_without_latencies():
    df = pd.DataFrame({"x": np.linspace(0, 1, 50)})
    snaps = [df.assign(x=df.x + h / 10) for h in range(10)]
    svc = serving.PredictionService(preprocess=lambda d: d["x"].to_numpy(), score=lambda x: x, threshold=0.9)
    hours, rows = [0, 5, 9, 9, 3, 5], [49, 40, 10, 10, 30, 2]
    timed = serving.simulate_batch_vs_online(svc, snaps, hours, rows, refresh_hours=5)
    untimed = serving.simulate_batch_vs_online(svc, snaps, hours, rows, refresh_hours=5, time_online=False)
    assert untimed.batch_agrees.tolist() == timed.batch_agrees.tolist()
    assert untimed.batch_staleness_h.tolist() == timed.batch_staleness_h.tolist()
    assert np.isnan(untimed.online_latency_ms).all() and (timed.online_latency_ms >= 0).all()
    with pytest.raises(TypeError, match="time_online must be True or False"):
        serving.simulate_batch_vs_online(svc, snaps, hours, rows, time_online="no")


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: serving.model_size_bytes("model"), TypeError, "nn.Module"),
        (lambda: serving.prune_magnitude(torch.nn.ReLU(), 0.5), ValueError, "no nn.Linear"),
        (lambda: serving.prune_magnitude(training.make_mlp(2), 1.0), ValueError, "amount must be < 1"),
        (lambda: serving.latency_percentiles([-1.0]), ValueError, "non-negative"),
        (lambda: serving.measure_latency(3), TypeError, "callable"),
        (lambda: serving.evolving_snapshots(pd.DataFrame({"a": [1.0]}), 2, "b"), ValueError, "not in df"),
    ],
)
def test_serving_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


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
