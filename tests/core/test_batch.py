"""Unit tests of mlsd_lib.batch (the Dask stage engine) and of chapter 3's pipeline on it."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from mlsd_lib.batch import StageEngine, StageRun
from mlsd_lib.detection.models import OneStageDetector
from mlsd_lib.detection.pipeline import STAGES, encode_image, run_batch
from mlsd_lib.detection.scenes import make_scenes


def _worker_name():
    from distributed import get_worker

    return get_worker().name


def test_each_stage_runs_only_on_its_own_pool():
    with StageEngine({"cpu": 2, "model": 1}) as engine:
        run = engine.run(list(range(12)), [("a", lambda b: [_worker_name()], "cpu"),
                                            ("b", lambda seen: [*seen, _worker_name()], "model")])
    assert isinstance(run, StageRun) and len(run.results) == 12
    assert {r[0] for r in run.results} <= {"cpu-0", "cpu-1"}
    assert {r[1] for r in run.results} == {"model-0"}
    assert set(run.stage_seconds) == {"a", "b"} and all(len(v) == 12 for v in run.stage_seconds.values())


def test_results_keep_batch_order_and_the_cluster_closes():
    engine = StageEngine({"p": 2})
    run = engine.run([[3], [1], [2]], [("double", lambda b: [2 * x for x in b], "p")])
    assert run.results == [[6], [2], [4]] and run.pools == {"p": 2}
    engine.close()
    assert engine._cluster is None
    engine.close()                                   # closing twice is harmless


class _Meeting:
    """Batches running at once, counted by the batches themselves (workers are threads here)."""

    lock = threading.Lock()
    running = 0
    most = 0
    barrier: threading.Barrier | None = None


def _meet(b):
    with _Meeting.lock:
        _Meeting.running += 1
        _Meeting.most = max(_Meeting.most, _Meeting.running)
    if _Meeting.barrier is not None:
        _Meeting.barrier.wait(timeout=30)    # breaks (an error) unless a second batch arrives
    with _Meeting.lock:
        _Meeting.running -= 1
    return b


def test_a_bigger_pool_runs_its_stage_concurrently():
    """Two workers of a pool run two batches of a stage at once; one worker runs them in turn.

    Decided by what the batches see, not by a clock: each batch counts the batches running
    beside it, and with two workers a pair must meet at a barrier before either may finish.
    """
    most = {}
    for n, barrier in ((1, None), (2, threading.Barrier(2))):
        _Meeting.running, _Meeting.most, _Meeting.barrier = 0, 0, barrier
        with StageEngine({"io": n}) as engine:
            engine.run(list(range(4)), [("meet", _meet, "io")])
        most[n] = _Meeting.most
    _Meeting.barrier = None
    assert most == {1: 1, 2: 2}


def test_bad_input_is_named():
    with pytest.raises(TypeError, match="pools"):
        StageEngine({})
    with pytest.raises(ValueError, match="pools"):
        StageEngine({"cpu": 0})
    with pytest.raises(TypeError, match="threads_per_worker"):
        StageEngine({"cpu": 1}, threads_per_worker=1.5)
    with pytest.raises(TypeError, match="client"):
        StageEngine(client=object())
    with StageEngine({"cpu": 1}) as engine:
        with pytest.raises(ValueError, match="pool 'gpu'"):
            engine.run([1], [("s", abs, "gpu")])
        with pytest.raises(TypeError, match="stages"):
            engine.run([1], [("s", "not callable", "cpu")])
        with pytest.raises(ValueError, match="stages"):
            engine.run([1], [])
        with pytest.raises(TypeError, match="batches"):
            engine.run(None, [("s", abs, "cpu")])


def test_a_failing_stage_raises_its_error():
    def boom(b):
        raise RuntimeError(f"bad batch {b}")

    with StageEngine({"cpu": 1}) as engine, pytest.raises(RuntimeError, match="bad batch"):
        engine.run([1], [("s", boom, "cpu")])


def test_pipeline_on_the_engine_equals_the_coupled_loop(tmp_path):
    """Same images written, same boxes, same failures, whether one worker runs every stage or
    the stages run on separate pools."""
    scenes = make_scenes(10, seed=0)
    items = {f"t{i}": encode_image(im, scale=2) for i, im in enumerate(scenes.images)}
    items["empty"] = b""
    model = OneStageDetector()
    coupled = run_batch(items, model, tmp_path / "a", batch_size=4, score_threshold=0.0)
    with StageEngine({"cpu": 2, "detect": 1}) as engine:
        staged = run_batch(items, model, tmp_path / "b", batch_size=4, score_threshold=0.0, engine=engine)
    with StageEngine({"one": 1}) as engine:
        single = run_batch(items, model, tmp_path / "c", batch_size=4, score_threshold=0.0, engine=engine)
    for rep in (staged, single):
        assert [p.split("/")[-1] for p in rep.written] == [p.split("/")[-1] for p in coupled.written]
        assert rep.failed == coupled.failed and rep.batch_sizes == coupled.batch_sizes
        for name, d in coupled.detections.items():
            np.testing.assert_allclose(rep.detections[name]["boxes"], d["boxes"], atol=1e-5)
        assert set(rep.stage_seconds) == set(STAGES) and rep.images_per_second() > 0
    assert staged.pools == {"cpu": 2, "detect": 1} and single.pools == {"one": 1}
    assert coupled.pools == {"coupled": 1}
    with pytest.raises(TypeError, match="engine"):
        run_batch(items, model, tmp_path, engine="dask")
    with pytest.raises(ValueError, match="stage_pools"):
        run_batch(items, model, tmp_path, stage_pools={"preprocess": "cpu"})


def test_no_thread_is_left_behind():
    before = threading.active_count()
    with StageEngine({"cpu": 2}) as engine:
        engine.run([1, 2], [("s", abs, "cpu")])
    # Dask keeps at most its shared offload threads; the rest wind down, which takes a moment
    deadline = time.monotonic() + 30
    while threading.active_count() > before + 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threading.active_count() <= before + 2


def test_chapter5_batch_path_on_the_engine_equals_one_call():
    """Chapter 5's batch path: chunks scored on one pool and decided on another give the same
    actions and reasons as one call over all posts."""
    import pandas as pd

    moderation = pytest.importorskip("mlsd_lib.moderation")     # chapter 5's package, where present
    HARM_CLASSES, EnforcementPolicy = moderation.HARM_CLASSES, moderation.EnforcementPolicy

    rng = np.random.default_rng(0)
    proba = rng.random((500, len(HARM_CLASSES)))
    policy = EnforcementPolicy(np.full(len(HARM_CLASSES), 0.9), np.full(len(HARM_CLASSES), 0.6), HARM_CLASSES)
    with StageEngine({"model": 1, "cpu": 2}) as engine:
        run = engine.run(np.array_split(proba, 7), [("score", np.asarray, "model"), ("decide", policy.decide, "cpu")])
    pd.testing.assert_frame_equal(pd.concat(run.results, ignore_index=True), policy.decide(proba))


def test_an_existing_cluster_is_used_as_it_is():
    """``client=``: the pools are read from the workers' resources, and closing the engine
    leaves the cluster running (it belongs to whoever started it)."""
    from distributed import Client, LocalCluster

    from mlsd_lib.batch import StageEngine as Engine

    with Engine({"boot": 1}):                       # names in-process addresses offline first
        pass
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None,
                      resources={"cpu": 1}) as cluster, Client(cluster, set_as_default=False) as client:
        engine = Engine(client=client)
        assert engine.pools == {"cpu": 2}
        assert engine.run([[1, 2]], [("sum", sum, "cpu")]).results == [3]
        engine.close()
        assert client.submit(abs, -1).result() == 1
