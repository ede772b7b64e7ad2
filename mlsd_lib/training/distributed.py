"""Data-parallel training on torch.distributed (DDP over processes on one machine), checked
against the same steps in one process: the source's "distributed training" made measurable.

Introduced in chapter 1, "Model development".
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Sequence

import torch
from numpy.typing import ArrayLike
from torch import nn

from mlsd_lib._validation import (
    check_finite,
    check_float,
    check_int,
    check_sequence,
)
from mlsd_lib.training.loop import _xy, make_mlp


def _ddp_worker(rank: int, world_size: int, init_file: str, X: torch.Tensor, y: torch.Tensor,
                hidden: int, steps: int, global_batch: int, lr: float, seeds: tuple[int, ...], out: str) -> None:
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    torch.set_num_threads(1)
    if sys.platform.startswith("linux"):
        # Bind gloo to loopback: in a sandbox without network (our tests) the host name may not resolve.
        os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world_size)
    local = global_batch // world_size
    for seed in seeds:  # one process group, several seeded runs: spawning costs more than training
        torch.manual_seed(seed)
        model = DistributedDataParallel(make_mlp(X.shape[1], (hidden,)))
        opt = torch.optim.SGD(model.parameters(), lr=lr)
        for step in range(steps):
            start = (step * global_batch) % (len(X) - global_batch + 1)
            # Each rank takes its own contiguous shard of the same global batch.
            sl = slice(start + rank * local, start + (rank + 1) * local)
            opt.zero_grad()
            loss = nn.functional.binary_cross_entropy_with_logits(model(X[sl]).squeeze(-1), y[sl])
            loss.backward()  # DDP all-reduces (averages) gradients across ranks here
            opt.step()
        if rank == 0:
            torch.save(model.module.state_dict(), f"{out}.{seed}")
    dist.barrier()
    dist.destroy_process_group()


def _check_ddp_args(X, y, hidden, steps, global_batch, lr, seed) -> tuple[torch.Tensor, torch.Tensor]:
    for name, t in (("X", X), ("y", y)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must be a torch tensor, got {type(t).__name__}")
    check_finite(X, "X")
    check_finite(y, "y")
    check_int(hidden, "hidden", low=1)
    check_int(steps, "steps", low=1)
    check_int(global_batch, "global_batch", low=1, high=len(X))
    check_float(lr, "lr", low=0, low_open=True, high=1e6)
    check_int(seed, "seed", low=0)
    return X, y


def train_single_process(X: torch.Tensor, y: torch.Tensor, hidden: int, steps: int, global_batch: int,
                         lr: float, seed: int) -> nn.Module:
    """The reference run: one process, the whole global batch per SGD step."""
    X, y = _check_ddp_args(X, y, hidden, steps, global_batch, lr, seed)
    torch.manual_seed(seed)
    model = make_mlp(X.shape[1], (hidden,))
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    for step in range(steps):
        start = (step * global_batch) % (len(X) - global_batch + 1)
        sl = slice(start, start + global_batch)
        opt.zero_grad()
        nn.functional.binary_cross_entropy_with_logits(model(X[sl]).squeeze(-1), y[sl]).backward()
        opt.step()
    return model


def compare_ddp_to_single_process(
    X: ArrayLike, y: ArrayLike, world_size: int = 2, hidden: int = 16, steps: int = 20,
    global_batch: int = 64, lr: float = 0.1, seed: int = 0,
) -> dict[str, float]:
    """Train the same MLP with DDP on ``world_size`` gloo processes and in one process.

    Both see the same global batch each step; DDP splits it across ranks and averages the
    gradients, which for a mean loss over equal shards is the full-batch gradient. Returns the
    largest absolute difference between the two runs' final weights.
    """
    return compare_ddp_over_seeds(X, y, [seed], world_size=world_size, hidden=hidden, steps=steps,
                                  global_batch=global_batch, lr=lr)[0]


def compare_ddp_over_seeds(
    X: ArrayLike, y: ArrayLike, seeds: Sequence[int], world_size: int = 2, hidden: int = 16, steps: int = 20,
    global_batch: int = 64, lr: float = 0.1,
) -> list[dict[str, float]]:
    """:func:`compare_ddp_to_single_process` for several seeds, in one set of worker processes.

    Returns one result dict per seed (with its ``seed``), so the agreement can be judged over
    seeds rather than from one run.
    """
    seeds = tuple(check_int(s, "seeds", low=0) for s in check_sequence(seeds, "seeds"))
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be a non-empty sequence of distinct integers, got {seeds}")
    Xt, yt = _xy(X, y, binary=True)
    hidden = check_int(hidden, "hidden", low=1)
    steps = check_int(steps, "steps", low=1)
    lr = check_float(lr, "lr", low=0, low_open=True, high=1e6)
    world_size = check_int(world_size, "world_size", low=1, high=8)
    global_batch = check_int(global_batch, "global_batch", low=world_size)
    if global_batch % world_size:
        raise ValueError(f"global_batch ({global_batch}) must be divisible by world_size ({world_size})")
    if global_batch > len(Xt):
        raise ValueError(f"global_batch ({global_batch}) exceeds the number of rows ({len(Xt)})")
    import torch.multiprocessing as mp

    with tempfile.TemporaryDirectory() as tmp:
        init_file, out = os.path.join(tmp, "rendezvous"), os.path.join(tmp, "ddp.pt")
        mp.start_processes(
            _ddp_worker, args=(world_size, init_file, Xt, yt, hidden, steps, global_batch, lr, seeds, out),
            nprocs=world_size, join=True, start_method="spawn",
        )
        ddp_states = {seed: torch.load(f"{out}.{seed}") for seed in seeds}
    results = []
    for seed in seeds:
        single = train_single_process(Xt, yt, hidden, steps, global_batch, lr, seed).state_dict()
        diff = max((ddp_states[seed][k] - single[k]).abs().max().item() for k in single)
        change = max((single[k] - make_mlp_state(Xt.shape[1], hidden, seed)[k]).abs().max().item() for k in single)
        results.append({"max_abs_weight_diff": diff, "max_abs_weight_change": change, "world_size": world_size,
                        "seed": seed})
    return results


def make_mlp_state(in_dim: int, hidden: int, seed: int) -> dict[str, torch.Tensor]:
    """Initial weights of the seeded MLP (to show training actually moved them)."""
    in_dim, hidden = check_int(in_dim, "in_dim", low=1), check_int(hidden, "hidden", low=1)
    torch.manual_seed(check_int(seed, "seed", low=0))
    return make_mlp(in_dim, (hidden,)).state_dict()
