"""A staged batch engine on Dask ``distributed``: one worker pool per stage.

A batch job is a chain of **stages** (functions of one batch), and each stage is bound to a
**pool** of workers sized on its own: four CPU workers that decode images can feed one worker
that holds the model, as in source ch. 3, Fig. 3.12 (preprocessing scaled apart from the
blurring service). A worker of pool ``p`` carries the Dask resource ``{p: 1}``; a stage on
pool ``p`` asks for ``{p: 1}``, so the scheduler runs it only there. Batches stream: batch 2
is preprocessed while batch 1 is on the model.

Here the pools are workers of a local cluster (threads of this process by default: the
kernels used, OpenCV and torch, release the GIL, and threads need no copies or start-up;
``processes=True`` gives each worker its own process). On a real cluster the same
:meth:`StageEngine.run` is used with ``StageEngine(client=Client("tcp://scheduler:8786"))``
and workers started as ``dask worker ... --resources "detect=1"``. Nothing listens on a
public port: no dashboard, in-process transport for threads, 127.0.0.1 for processes.

Introduced in chapter 3, "Serving"; chapter 5's batch path runs on it too.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from mlsd_lib._validation import check_int, check_sequence

__all__ = ["StageEngine", "StageRun"]


@dataclass
class StageRun:
    """What :meth:`StageEngine.run` did: the last stage's output per batch (in batch order),
    each stage's busy seconds per batch, the wall-clock seconds, and the pool sizes."""

    results: list
    stage_seconds: dict[str, list[float]]
    wall_seconds: float
    pools: dict[str, int] = field(default_factory=dict)

    def busy(self) -> dict[str, float]:
        """Seconds each stage spent working, summed over batches (and so over its workers)."""
        return {s: float(sum(v)) for s, v in self.stage_seconds.items()}


def _first(fn: Callable, batch):
    t = time.perf_counter()
    out = fn(batch)
    return out, [time.perf_counter() - t]


def _next(fn: Callable, prev):
    value, seconds = prev
    t = time.perf_counter()
    out = fn(value)
    return out, [*seconds, time.perf_counter() - t]


class StageEngine:
    """Run chains of stages over batches on Dask ``distributed``, one worker pool per stage.

    Parameters
    ----------
    pools : mapping of str to int
        Pool name -> number of workers (each with ``threads_per_worker`` threads). Ignored
        when ``client`` is given: that cluster's workers already carry their pool resources.
    threads_per_worker : int
        Threads of each worker.
    processes : bool
        Workers in their own processes (``True``) or as threads of this one (``False``).
    client : distributed.Client, optional
        An existing cluster's client; its workers must have been started with
        ``--resources "<pool>=1"``. The engine then neither starts nor closes a cluster.

    Use it as a context manager (or call :meth:`close`) so the cluster shuts down.

    Examples
    --------
    >>> with StageEngine({"cpu": 2, "model": 1}) as engine:
    ...     run = engine.run([[1, 2], [3]], [("square", lambda b: [x * x for x in b], "cpu"),
    ...                                       ("total", sum, "model")])
    >>> run.results, sorted(run.stage_seconds), run.pools
    ([5, 9], ['square', 'total'], {'cpu': 2, 'model': 1})
    """

    def __init__(self, pools: Mapping[str, int] | None = None, *, threads_per_worker: int = 1,
                 processes: bool = False, client=None) -> None:
        self.threads_per_worker = check_int(threads_per_worker, "threads_per_worker", low=1)
        if not isinstance(processes, bool):
            raise TypeError(f"processes must be True or False, got {type(processes).__name__}")
        self._cluster = None
        if client is not None:
            if not hasattr(client, "submit") or not hasattr(client, "scheduler_info"):
                raise TypeError("client must be a distributed.Client connected to a cluster")
            self.client = client
            workers = client.scheduler_info()["workers"].values()
            self.pools = {}
            for w in workers:
                for p in w.get("resources", {}):
                    self.pools[p] = self.pools.get(p, 0) + 1
            self._owns = False
            return
        if not isinstance(pools, Mapping) or not pools:
            raise TypeError("pools must be a non-empty dict of pool name -> number of workers, "
                            "e.g. {'preprocess': 2, 'detect': 1}")
        self.pools = {}
        for name, n in pools.items():
            if not isinstance(name, str) or not name:
                raise TypeError(f"pools keys must be non-empty pool names (str), got {name!r}")
            self.pools[name] = check_int(n, f"pools[{name!r}]", low=1)
        self._start(processes)
        self._owns = True

    def _start(self, processes: bool) -> None:
        from distributed import Client, Nanny, Scheduler, SpecCluster, Worker

        if not processes:
            # The in-process transport names its addresses after the machine's IP, which
            # distributed finds by routing a UDP socket towards 8.8.8.8. Offline, name them
            # after the loopback address instead (the address is only a label here).
            from distributed.comm import inproc

            if not getattr(inproc.global_manager, "_ip", None):
                inproc.global_manager._ip = "127.0.0.1"
        proto, host = ("tcp://", "127.0.0.1") if processes else ("inproc://", None)
        common = {"protocol": proto, "host": host, "dashboard": False, "dashboard_address": None}
        workers = {
            f"{p}-{i}": {"cls": Nanny if processes else Worker,
                         "options": {**common, "nthreads": self.threads_per_worker, "resources": {p: 1},
                                     "name": f"{p}-{i}", **({"silence_logs": 40} if processes else {})}}
            for p, n in self.pools.items() for i in range(n)}
        scheduler = {"cls": Scheduler, "options": {**common, "port": 0}}
        self._cluster = SpecCluster(workers=workers, scheduler=scheduler, silence_logs=40)
        self.client = Client(self._cluster, set_as_default=False)

    def run(self, batches: Sequence, stages: Sequence[tuple[str, Callable, str]]) -> StageRun:
        """Push every batch through ``stages`` (``(name, function, pool)`` in order).

        Each function takes the previous stage's output for one batch (the first takes the
        batch). Stages of different batches overlap; a batch's stages run in order. Returns a
        :class:`StageRun` with the last stage's outputs in batch order.
        """
        batches = check_sequence(batches, "batches")
        stages = check_sequence(stages, "stages")
        if not stages:
            raise ValueError("stages is empty; give at least one (name, function, pool)")
        names = []
        for st in stages:
            if not (isinstance(st, tuple) and len(st) == 3 and isinstance(st[0], str) and callable(st[1])):
                raise TypeError("stages must be (name, function, pool) tuples with a callable function")
            if st[2] not in self.pools:
                raise ValueError(f"stages: stage {st[0]!r} asks for pool {st[2]!r}; the pools are {sorted(self.pools)}")
            if st[0] in names:
                raise ValueError(f"stages: the name {st[0]!r} is used twice")
            names.append(st[0])
        t0 = time.perf_counter()
        finals = []
        for batch in batches:
            (_, fn, pool), *rest = stages
            fut = self.client.submit(_first, fn, batch, resources={pool: 1}, pure=False)
            for _, fn, pool in rest:
                fut = self.client.submit(_next, fn, fut, resources={pool: 1}, pure=False)
            finals.append(fut)
        done = self.client.gather(finals)
        wall = time.perf_counter() - t0
        seconds = {n: [d[1][i] for d in done] for i, n in enumerate(names)}
        return StageRun([d[0] for d in done], seconds, wall, dict(self.pools))

    def close(self) -> None:
        """Shut the cluster down (if this engine started it)."""
        if self._owns and self._cluster is not None:
            # Shutting down can close a comm in the middle of a send; distributed logs that at
            # INFO with a traceback (and the machine's paths), which is noise in a chapter.
            quiet = logging.getLogger("distributed")
            level = quiet.level
            quiet.setLevel(logging.ERROR)
            try:
                self.client.close()
                self._cluster.close()
            finally:
                quiet.setLevel(level)
            self._cluster = None

    def __enter__(self) -> StageEngine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
