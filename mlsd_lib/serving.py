"""Deployment and serving (source ch. 1, "Deployment and serving"): model compression,
latency measurement, batch versus online prediction, and back-of-envelope capacity at scale.

Introduced in chapter 1, "Serving".
"""

from __future__ import annotations

import copy
import io
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from numpy.typing import ArrayLike
from torch import nn

from mlsd_lib._validation import as_array, check_float, check_ids, check_int, check_sequence


def model_size_bytes(model: nn.Module) -> int:
    """Bytes of the serialised ``state_dict``: what ships to a server or a phone.

    Examples
    --------
    >>> model_size_bytes(nn.Linear(100, 10)) > 4 * 1010
    True
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch nn.Module, got {type(model).__name__}")
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    return buf.getbuffer().nbytes


def _check_module(model: object, name: str = "model") -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(f"{name} must be a torch nn.Module, got {type(model).__name__}")
    return model


def sparse_size_bytes(model: nn.Module, index_bytes: int = 4) -> int:
    """Bytes to store the model's weights in a sparse (CSR-like) format: value + index per non-zero.

    Pruning only saves memory when zeros are not stored; this is that saving.
    """
    _check_module(model)
    index_bytes = check_int(index_bytes, "index_bytes", low=0)
    total = 0
    for p in model.state_dict().values():
        if p.is_floating_point():
            total += int((p != 0).sum()) * (p.element_size() + index_bytes)
    return total


def quantize_dynamic_int8(model: nn.Module) -> nn.Module:
    """Post-training dynamic quantisation of every ``nn.Linear`` to int8 weights.

    Weights are stored in 8 bits (a quarter of float32); activations are quantised on the
    fly at inference. No retraining and no calibration data are needed.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch nn.Module, got {type(model).__name__}")
    from torch.ao.quantization import quantize_dynamic

    return quantize_dynamic(copy.deepcopy(model).eval(), {nn.Linear}, dtype=torch.qint8)


def prune_magnitude(model: nn.Module, amount: float) -> nn.Module:
    """Global magnitude pruning: zero the ``amount`` fraction of Linear weights smallest in |w|.

    Returns a pruned copy with the zeros baked in (no pruning masks left behind).
    """
    from torch.nn.utils import prune

    _check_module(model)
    amount = check_float(amount, "amount", low=0, high=1, high_open=True)
    pruned = copy.deepcopy(model)
    params = [(m, "weight") for m in pruned.modules() if isinstance(m, nn.Linear)]
    if not params:
        raise ValueError("model has no nn.Linear layers to prune")
    prune.global_unstructured(params, pruning_method=prune.L1Unstructured, amount=amount)
    for m, name in params:
        prune.remove(m, name)
    return pruned


def distill(
    teacher: nn.Module,
    student: nn.Module,
    X: ArrayLike,
    y: ArrayLike | None = None,
    *,
    temperature: float = 2.0,
    alpha: float = 0.5,
    epochs: int = 30,
    lr: float = 1e-3,
    batch_size: int = 128,
    seed: int = 0,
) -> nn.Module:
    """Knowledge distillation for a binary classifier (Hinton et al., 2015).

    The student minimises ``alpha`` × cross-entropy to the teacher's temperature-softened
    probabilities plus ``1 - alpha`` × cross-entropy to the true labels ``y`` (if given).
    Soft targets carry the teacher's confidence, which a 0/1 label does not.
    """
    from mlsd_lib.sampling import batches
    from mlsd_lib.training import fit

    _check_module(teacher, "teacher")
    _check_module(student, "student")
    Xa = torch.as_tensor(as_array(X, "X", ndim=2), dtype=torch.float32)
    temperature = check_float(temperature, "temperature", low=0, low_open=True, high=1e6)
    alpha = check_float(alpha, "alpha", low=0, high=1)
    yt = None
    if y is not None:
        yt = torch.as_tensor(as_array(y, "y", ndim=1, dtype="bool"), dtype=torch.float32)
        if len(yt) != len(Xa):
            raise ValueError(f"X and y must have the same length, got {len(Xa)} and {len(yt)}")
    teacher.eval()
    with torch.no_grad():
        soft = torch.sigmoid(teacher(Xa).squeeze(-1) / temperature)
    rng = np.random.default_rng(seed)
    bce = nn.functional.binary_cross_entropy_with_logits
    batch_size = check_int(batch_size, "batch_size", low=1)

    def step(idx: np.ndarray) -> torch.Tensor:
        z = student(Xa[idx]).squeeze(-1)
        # T^2 keeps the soft-target gradient on the same scale as the hard-label one.
        loss = alpha * temperature**2 * bce(z / temperature, soft[idx])
        if yt is not None and alpha < 1:
            loss = loss + (1 - alpha) * bce(z, yt[idx])
        return loss

    fit(student, step, lambda epoch: batches(len(Xa), batch_size, seed=rng),
        epochs=check_int(epochs, "epochs", low=1), seed=seed,
        optimizer=torch.optim.Adam(student.parameters(), lr=check_float(lr, "lr", low=0, low_open=True, high=1e6)))
    student.eval()
    return student


def latency_samples(fn: Callable[[object], object], requests: Sequence, warmup: int = 2) -> np.ndarray:
    """Run ``fn`` on each request (after ``warmup`` untimed calls) and return each call's
    latency in milliseconds, in request order: the per-request sample a bootstrap resamples.

    :func:`measure_latency` times one call repeated; this times a stream of requests.

    Examples
    --------
    >>> latency_samples(lambda r: r, [1, 2, 3]).shape
    (3,)
    """
    if not callable(fn):
        raise TypeError("fn must be callable with one request")
    requests = check_sequence(requests, "requests")
    if len(requests) == 0:
        raise ValueError("requests is empty; pass at least one request")
    warmup = check_int(warmup, "warmup", low=0)
    for r in list(requests)[:warmup]:
        fn(r)
    times = np.empty(len(requests))
    for i, r in enumerate(requests):
        t0 = time.perf_counter()
        fn(r)
        times[i] = 1e3 * (time.perf_counter() - t0)
    return times


def latency_percentiles(samples_ms: ArrayLike, percentiles: tuple[float, ...] = (50, 90, 99)) -> dict[str, float]:
    """The one latency summary of the book: percentiles and mean, in milliseconds.

    Keys are ``"p50_ms"``, ``"p90_ms"``, ``"p99_ms"`` (one per entry of ``percentiles``) and
    ``"mean_ms"``. Every chapter summarises its timings with this function.

    Examples
    --------
    >>> {k: round(v, 2) for k, v in latency_percentiles(np.arange(1, 101)).items()}
    {'p50_ms': 50.5, 'p90_ms': 90.1, 'p99_ms': 99.01, 'mean_ms': 50.5}
    """
    s = as_array(samples_ms, "samples_ms", ndim=1)
    if (s < 0).any():
        raise ValueError("samples_ms must be non-negative latencies")
    out = {f"p{p:g}_ms": float(np.percentile(s, p)) for p in percentiles}
    out["mean_ms"] = float(s.mean())
    return out


def measure_latency(fn: Callable[[], object], repeats: int = 200, warmup: int = 10) -> np.ndarray:
    """Wall-clock milliseconds of ``repeats`` calls of ``fn`` after ``warmup`` untimed calls."""
    if not callable(fn):
        raise TypeError("fn must be callable with no arguments")
    repeats = check_int(repeats, "repeats", low=1)
    for _ in range(check_int(warmup, "warmup", low=0)):
        fn()
    out = np.empty(repeats)
    for i in range(repeats):
        t0 = time.perf_counter()
        fn()
        out[i] = (time.perf_counter() - t0) * 1e3
    return out


@dataclass
class PredictionService:
    """The prediction pipeline of one model: preprocess → score → decide.

    ``preprocess`` turns raw request rows (a DataFrame) into a feature matrix, ``score``
    turns features into probabilities, and a request is flagged when its probability
    reaches ``threshold``.
    """

    preprocess: Callable
    score: Callable
    threshold: float = 0.5

    def predict(self, requests) -> tuple[np.ndarray, np.ndarray]:
        """Probabilities and decisions for a batch of requests."""
        check_float(self.threshold, "threshold", low=0, high=1)
        p = np.asarray(self.score(self.preprocess(requests)), dtype=float)
        if p.ndim != 1 or not np.isfinite(p).all():
            raise ValueError("score must return one finite score per request (1-D, no NaN or inf)")
        return p, p >= self.threshold


@dataclass
class BatchVsOnlineResult:
    """Latency and staleness of the two prediction modes over a simulated day."""

    batch_latency_ms: np.ndarray
    online_latency_ms: np.ndarray
    batch_staleness_h: np.ndarray
    batch_agreement: float
    batch_agrees: np.ndarray | None = None  # per request: did the batch answer match the fresh one?


def simulate_batch_vs_online(
    service: PredictionService,
    snapshots: list,
    request_hours: ArrayLike,
    request_rows: ArrayLike,
    refresh_hours: float = 24.0,
    time_online: bool = True,
) -> BatchVsOnlineResult:
    """Serve the same requests from precomputed (batch) and fresh (online) predictions.

    ``snapshots[h]`` is the feature table at hour ``h`` (features change over the day). Batch
    prediction scores every row once per ``refresh_hours`` and answers by lookup; online
    prediction scores the row's current features at request time. Returns per-request
    latency, the age of the prediction served, and whether the two modes agreed (per request
    and overall).

    With ``time_online=False`` the fresh answers are computed without timing each request:
    each hour's requested rows are scored in one call (the same features, so the same
    decisions), and ``online_latency_ms`` is NaN. Use it where only the agreement is wanted.
    """
    import pandas as pd

    if not isinstance(service, PredictionService):
        raise TypeError(f"service must be a PredictionService, got {type(service).__name__}")
    snapshots = check_sequence(snapshots, "snapshots")
    if not snapshots or not all(isinstance(s, pd.DataFrame) for s in snapshots):
        raise TypeError("snapshots must be a non-empty list of DataFrames, one per hour")
    n_rows = min(len(s) for s in snapshots)
    hours = check_ids(request_hours, "request_hours", len(snapshots), of="hours of snapshots")
    rows = check_ids(request_rows, "request_rows", n_rows, of="rows of every snapshot")
    if len(hours) != len(rows):
        raise ValueError("request_hours and request_rows must have the same length")
    refresh = check_float(refresh_hours, "refresh_hours", low=0, low_open=True)
    if not isinstance(time_online, bool):
        raise TypeError(f"time_online must be True or False, got {type(time_online).__name__}")
    fresh: dict[int, dict[int, bool]] = {}
    if not time_online:
        for h in np.unique(hours):
            at_h = rows[hours == h]
            fresh[int(h)] = dict(zip(at_h.tolist(), service.predict(snapshots[h].iloc[at_h])[1].tolist(), strict=True))
    cache: dict[int, np.ndarray] = {}
    b_lat, o_lat, stale, agree = [], [], [], []
    for h, r in zip(hours, rows, strict=True):
        built = int(h // refresh * refresh)
        if built not in cache:  # the nightly job: score the whole table, off the request path
            cache[built] = service.predict(snapshots[built])[1]
        t0 = time.perf_counter()
        batch_answer = bool(cache[built][r])
        b_lat.append((time.perf_counter() - t0) * 1e3)
        if time_online:
            t0 = time.perf_counter()
            online_answer = bool(service.predict(snapshots[h].iloc[[r]])[1][0])
            o_lat.append((time.perf_counter() - t0) * 1e3)
        else:
            online_answer = bool(fresh[int(h)][int(r)])
            o_lat.append(np.nan)
        stale.append(h - built)
        agree.append(batch_answer == online_answer)
    agrees = np.array(agree, dtype=bool)
    return BatchVsOnlineResult(np.array(b_lat), np.array(o_lat), np.array(stale, dtype=float), float(agrees.mean()), agrees)


def evolving_snapshots(df, n_hours: int, column: str, update_fraction: float = 0.02,
                       max_change: float = 1.0, seed: int | np.random.Generator | None = None) -> list:
    """Hourly copies of a feature table in which ``column`` keeps changing (planted ground truth).

    Each hour a random ``update_fraction`` of rows change ``column`` by a factor drawn
    uniformly from ``[1, 1 + max_change]`` (say, debts growing as customers take new credit).
    Snapshot ``h`` is the table as it stands at hour ``h``.

    Examples
    --------
    >>> import pandas as pd
    >>> snaps = evolving_snapshots(pd.DataFrame({"d": [1.0] * 100}), 3, "d", 0.1, seed=0)
    >>> [int((s["d"] != 1.0).sum()) for s in snaps]
    [0, 10, 20]
    """
    import pandas as pd

    from mlsd_lib._validation import check_random_state

    if not isinstance(df, pd.DataFrame) or df.empty:
        raise ValueError("df must be a non-empty DataFrame")
    if column not in df.columns:
        raise ValueError(f"column {column!r} is not in df")
    n_hours = check_int(n_hours, "n_hours", low=1)
    frac = check_float(update_fraction, "update_fraction", low=0, high=1)
    max_change = check_float(max_change, "max_change", low=0)
    rng = check_random_state(seed)
    snaps = [df.copy()]
    for _ in range(n_hours - 1):
        cur = snaps[-1].copy()
        rows = rng.random(len(cur)) < frac
        vals = cur[column].astype(float).to_numpy().copy()
        base = np.where(np.isnan(vals), 0.0, vals)
        # Zero debts grow from a typical amount, not from 0, so every update is a real change.
        base = np.where(base == 0, np.nanmedian(np.where(vals > 0, vals, np.nan)), base)
        vals[rows] = base[rows] * (1 + max_change * rng.random(rows.sum()))
        cur[column] = vals
        snaps.append(cur)
    return snaps


def capacity_estimate(n_items: float, bytes_per_item: float, qps: float, ms_per_query: float, *,
                      measured_items: float | None = None, cost_exponent: float = 1.0,
                      machine_memory_gb: float = 256.0, cores_per_machine: int = 32) -> dict[str, float]:
    """Back-of-envelope serving capacity at the source's scale, from figures measured on a small run.

    The ``n_items`` stored items (embeddings, index entries, precomputed answers) take
    ``bytes_per_item`` each and are split into shards that fit one machine's
    ``machine_memory_gb``; a query fans out to every shard in parallel. ``ms_per_query`` is the
    single-core time of one query measured on a store of ``measured_items`` items; on a shard
    of ``items_per_shard`` items it is scaled by ``(items_per_shard / measured_items) **
    cost_exponent`` (1 for an exact scan, about 0.5 for IVF with ~sqrt(N) cells, less for a
    graph index). With ``measured_items=None`` a query's cost does not grow with the store
    (scoring one request, a key-value lookup). Each shard is replicated until its machines'
    ``cores_per_machine`` cores keep up with ``qps``.

    Returns floats: ``storage_GB``, ``shards``, ``items_per_shard``, ``latency_ms`` (one query
    on one shard: the fan-out's compute latency, network not included), ``cores_busy`` (all
    shards together, at ``qps``), ``replicas`` (copies of each shard) and ``machines``.

    Introduced in chapter 1, "Capacity at the source's scale"; chapters 2 and 6 use it too.

    Examples
    --------
    >>> est = capacity_estimate(1e9, 512, qps=1000, ms_per_query=1.0, measured_items=1e6, cost_exponent=0.5)
    >>> {k: round(v, 1) for k, v in est.items()}  # doctest: +NORMALIZE_WHITESPACE
    {'storage_GB': 512.0, 'shards': 2.0, 'items_per_shard': 500000000.0, 'latency_ms': 22.4,
     'cores_busy': 44.7, 'replicas': 1.0, 'machines': 2.0}
    """
    n_items = check_float(n_items, "n_items", low=0, low_open=True)
    bytes_per_item = check_float(bytes_per_item, "bytes_per_item", low=0, low_open=True)
    qps = check_float(qps, "qps", low=0)
    ms_per_query = check_float(ms_per_query, "ms_per_query", low=0)
    if measured_items is not None:
        measured_items = check_float(measured_items, "measured_items", low=0, low_open=True)
    cost_exponent = check_float(cost_exponent, "cost_exponent", low=0, high=2)
    machine_memory_gb = check_float(machine_memory_gb, "machine_memory_gb", low=0, low_open=True)
    cores_per_machine = check_int(cores_per_machine, "cores_per_machine", low=1)
    storage_gb = n_items * bytes_per_item / 1e9
    if not np.isfinite(storage_gb / machine_memory_gb * max(qps, 1.0) * max(ms_per_query, 1.0)):
        raise ValueError(f"n_items ({n_items:g}) times bytes_per_item ({bytes_per_item:g}) is too large to estimate "
                         "(the arithmetic overflows); give figures below about 1e150 each")
    shards = float(max(1, int(np.ceil(storage_gb / machine_memory_gb))))
    items_per_shard = n_items / shards
    latency = ms_per_query if measured_items is None else ms_per_query * (items_per_shard / measured_items) ** cost_exponent
    cores_per_shard = qps * latency / 1e3
    replicas = float(max(1, int(np.ceil(cores_per_shard / cores_per_machine))))
    return {"storage_GB": storage_gb, "shards": shards, "items_per_shard": items_per_shard, "latency_ms": latency,
            "cores_busy": cores_per_shard * shards, "replicas": replicas, "machines": shards * replicas}
