"""Choosing hyperparameters and solvers on validation data: the MF grid, the two-tower
temperature, and the SGD-versus-WALS race.

Model modules never import evaluation; tuning sits above both and joins them.

Introduced in chapter 6, "Model development".
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_float, check_int, check_sequence, check_sets
from mlsd_lib.recsys.base import check_feedback, top_k
from mlsd_lib.recsys.evaluate import evaluate_lists
from mlsd_lib.recsys.mf import MatrixFactorization
from mlsd_lib.recsys.two_tower import TwoTowerRecommender


def sgd_learning_rate(R, per_pair_step: float, batch_size: int = 1024) -> float:
    """The ``learning_rate`` of ``MatrixFactorization(solver="sgd")`` that moves each observed
    pair by ``per_pair_step`` per epoch on ``R`` (the default is a step of
    :data:`~mlsd_lib.recsys.mf.PAIR_STEP`).

    A grid of per-pair steps means the same at every matrix size; a grid of raw learning
    rates does not, since the solver scales each batch's gradient by ``sqrt(nnz / batch)``.

    Introduced in chapter 6, "SGD or WALS".

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> round(sgd_learning_rate(sp.csr_matrix(np.eye(4096)), 0.02), 3)
    10.24
    """
    nnz = check_feedback(R).nnz
    per_pair_step = check_float(per_pair_step, "per_pair_step", low=0, low_open=True)
    batch_size = check_int(batch_size, "batch_size", low=1)
    n_batches = max(1, nnz // batch_size)
    b = nnz / n_batches
    return float(per_pair_step * b / np.sqrt(nnz / b))


def time_to_target(history: Sequence[float], seconds: float, target: float) -> tuple[float, bool]:
    """Wall time a training run took to first reach ``target`` loss, and whether it did.

    ``history`` is the loss at initialisation and after each epoch (``history_`` of
    :class:`~mlsd_lib.recsys.mf.MatrixFactorization`), ``seconds`` the wall time of the whole
    run; an epoch is charged ``seconds / epochs``. A run that never reaches ``target`` is
    charged its whole time and flagged ``False``: its true time is at least that (censored).

    Introduced in chapter 6, "SGD or WALS".

    Examples
    --------
    >>> time_to_target([9.0, 5.0, 2.0, 1.0], 3.0, 2.0), time_to_target([9.0, 5.0], 1.0, 2.0)
    ((2.0, True), (1.0, False))
    """
    h = as_array(history, "history", ndim=1)
    if len(h) < 2:
        raise ValueError("history needs the initial loss and at least one epoch")
    seconds = check_float(seconds, "seconds", low=0, low_open=True)
    e = epochs_to_target(h, target)
    per_epoch = seconds / (len(h) - 1)
    return (float(e * per_epoch), True) if np.isfinite(e) else (float(seconds), False)


def epochs_to_target(history: Sequence[float], target: float) -> float:
    """The first epoch (0-based) whose loss is at most ``target``; ``inf`` if none reaches it.

    Introduced in chapter 6, "SGD or WALS".

    Examples
    --------
    >>> epochs_to_target([3.0, 2.0, 1.0], 2.0), epochs_to_target([3.0], 1.0)
    (1, inf)
    """
    h = as_array(history, "history", ndim=1)
    target = check_float(target, "target")
    return next((e for e, v in enumerate(h) if v <= target), np.inf)


def fit_and_evaluate_mf(
    R,
    exclude,
    relevant: Sequence[set[int]],
    *,
    n_factors: int,
    loss: str,
    w: float,
    reg: float,
    epochs: int,
    seed: int,
    k: int = 10,
    item_vectors: ArrayLike | None = None,
    n_items: int | None = None,
):
    """Fit :class:`~mlsd_lib.recsys.mf.MatrixFactorization` on ``R`` and evaluate its top-``k``
    lists for every row (``exclude``'s entries skipped) against ``relevant``.

    Returns ``(model, metrics)`` with ``metrics`` from :func:`evaluate_lists`.

    Introduced in chapter 6, "The weighted combination, tuned".

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> R = sp.csr_matrix(np.eye(12)[:, :12] + np.eye(12, k=1))
    >>> m, r = fit_and_evaluate_mf(R, R, [{(i + 2) % 12} for i in range(12)], n_factors=2,
    ...                            loss="all", w=1.0, reg=0.1, epochs=2, seed=0, k=1, n_items=12)
    >>> sorted(r)[:2]
    ['coverage', 'map@1']
    """
    R = check_feedback(R)
    relevant = check_sets(relevant, "relevant")
    if len(relevant) != R.shape[0]:
        raise ValueError(f"relevant must have one set per row of R ({R.shape[0]}), got {len(relevant)}")
    model = MatrixFactorization(n_factors, loss=loss, w=w, reg=reg, epochs=epochs, seed=seed).fit(R)
    lists = model.recommend(np.arange(R.shape[0]), k, exclude)
    ks = (1, 5, 10) if k == 10 else (k,)
    return model, evaluate_lists(lists, relevant, ks=ks, item_vectors=item_vectors, n_items=n_items)


def mf_grid_search(
    R,
    exclude,
    relevant: Sequence[set[int]],
    ws: Sequence[float],
    regs: Sequence[float],
    *,
    n_factors: int,
    epochs: int,
    seed: int,
):
    """Validation precision@10 of MF for each unobserved weight ``w`` (rows) and ``reg`` (columns).

    ``w = 1`` fits the all-pairs loss, any other ``w`` the weighted loss.

    Introduced in chapter 6, "The weighted combination, tuned".

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> R = sp.csr_matrix(np.eye(12) + np.eye(12, k=1))
    >>> g = mf_grid_search(R, R, [{(i + 2) % 12} for i in range(12)], [0.1, 1.0], [1.0],
    ...                    n_factors=2, epochs=2, seed=0)
    >>> g.shape, g.index.name, g.columns.name
    ((2, 1), 'w', 'λ')
    """
    ws = [check_float(w, "ws", low=0, high=1, low_open=True) for w in check_sequence(ws, "ws")]
    regs = [check_float(r, "regs", low=0) for r in check_sequence(regs, "regs")]
    if len(ws) == 0 or len(regs) == 0:
        raise ValueError("ws and regs must each hold at least one value")
    cells = [[fit_and_evaluate_mf(R, exclude, relevant, n_factors=n_factors, loss="all" if w == 1 else "weighted",
                                  w=w, reg=reg, epochs=epochs, seed=seed)[1]["precision@10"]
              for reg in regs] for w in ws]
    return pd.DataFrame(cells, index=pd.Index(ws, name="w"), columns=pd.Index(regs, name="λ"))


def select_two_tower(
    item_features: ArrayLike,
    R: sp.spmatrix,
    times: ArrayLike,
    *,
    temperatures: list[float],
    epochs: int,
    seed: int,
    histories: list[ArrayLike],
    context_times: ArrayLike,
    exclude: sp.spmatrix,
    relevant: list[set[int]],
    k: int = 10,
    progress: bool = False,
) -> tuple[dict[float, list[float]], dict[float, np.ndarray]]:
    """Train one two-tower per temperature on ``R`` and track validation precision@``k`` per epoch.

    After each epoch the users (``histories`` at ``context_times``) are scored against every
    item, ``exclude``'s entries skipped, and the top-``k`` lists judged against ``relevant``.

    Returns ``(curves, best_scores)``: per temperature, the validation precision after each
    epoch, and the validation score matrix of its best epoch (the later one on ties).

    Introduced in chapter 6, "The two-tower network".

    Examples
    --------
    >>> # curves, best = select_two_tower(F, R_in, t, temperatures=[0.2], epochs=6, seed=0,
    >>> #                                 histories=row_items(R_in), context_times=t_val,
    >>> #                                 exclude=seen_in, relevant=rel_val)
    """
    temperatures = [check_float(t, "temperatures", low=0, low_open=True)
                    for t in check_sequence(temperatures, "temperatures")]
    if len(temperatures) == 0:
        raise ValueError("temperatures is empty; pass at least one temperature, e.g. [0.2]")
    histories = check_sequence(histories, "histories")
    relevant = check_sets(relevant, "relevant")
    epochs = check_int(epochs, "epochs", low=1)
    k = check_int(k, "k", low=1)
    if len(histories) != len(relevant):
        raise ValueError(f"histories ({len(histories)}) and relevant ({len(relevant)}) must describe the same users")
    ks = (1, 5, 10) if k == 10 else (k,)
    curves: dict[float, list[float]] = {}
    best: dict[float, np.ndarray] = {}

    def track(temp: float):
        def validate(m: TwoTowerRecommender) -> float:
            S = m.user_embeddings(histories, context_times) @ m.item_embeddings().T
            curves.setdefault(temp, []).append(evaluate_lists(top_k(S, k, exclude), relevant, ks=ks)[f"precision@{k}"])
            if curves[temp][-1] >= max(curves[temp]):
                best[temp] = S
            return curves[temp][-1]
        return validate

    for temp in temperatures:
        TwoTowerRecommender(item_features, temperature=temp, epochs=epochs, seed=seed).fit(
            R, times, progress=progress, validate=track(temp))
    return curves, best


@dataclass
class SolverRace:
    """SGD against WALS on one loss: the SGD step grid, the runs per seed, the times to target.

    ``sgd_grid`` maps each per-pair step that did not diverge to its ``(model, seconds)`` at the
    first seed; ``runs`` maps ``"WALS"`` and ``"SGD"`` (the best step) to one ``(model,
    seconds)`` per seed; ``table`` has one row per seed and solver.
    """

    sgd_grid: dict[float, tuple[MatrixFactorization, float]]
    best_step: float
    runs: dict[str, list[tuple[MatrixFactorization, float]]]
    table: pd.DataFrame


def race_solvers(R, *, n_factors: int, epochs: int, seeds: Sequence[int], sgd_steps: Sequence[float],
                 loss: str = "weighted", w: float = 0.1, reg: float = 1.0, slack: float = 0.02) -> SolverRace:
    """Wall time for SGD and WALS to reach the same loss, with SGD's step tuned first.

    SGD gets its best chance: each per-pair step of ``sgd_steps`` (see
    :func:`sgd_learning_rate`) is tried at ``seeds[0]`` and the lowest final loss wins; those grid
    runs count as that seed's SGD runs. Per seed the target is within ``slack`` of the lowest
    loss either solver reached; a run that never reaches it is charged its whole time.

    Introduced in chapter 6, "SGD or WALS".

    Examples
    --------
    >>> R = sp.random(60, 40, density=0.2, random_state=0, format="csr"); R.data[:] = 1
    >>> race = race_solvers(R, n_factors=4, epochs=3, seeds=[0], sgd_steps=[0.02])
    >>> sorted(race.runs), race.table.shape
    (['SGD', 'WALS'], (2, 6))
    """
    R = check_feedback(R)
    seeds = [check_int(s, "seeds", low=0) for s in check_sequence(seeds, "seeds")]
    steps = [check_float(s, "sgd_steps", low=0, low_open=True) for s in check_sequence(sgd_steps, "sgd_steps")]
    if not seeds or not steps:
        raise ValueError("seeds and sgd_steps must each hold at least one value")
    slack = check_float(slack, "slack", low=0)
    n_factors, epochs = check_int(n_factors, "n_factors", low=1), check_int(epochs, "epochs", low=1)
    cfg = dict(loss=loss, w=w, reg=reg)

    def timed_fit(seed: int, **kw) -> tuple[MatrixFactorization, float]:
        t0 = time.perf_counter()
        m = MatrixFactorization(n_factors, epochs=epochs, seed=seed, **cfg, **kw).fit(R)
        return m, time.perf_counter() - t0

    lrs = {s: sgd_learning_rate(R, s) for s in steps}
    grid = {}
    for step, lr in lrs.items():
        try:
            grid[step] = timed_fit(seeds[0], solver="sgd", learning_rate=lr)
        except ValueError as exc:  # the step diverged: out of the running
            if "diverged" not in str(exc):
                raise
    if not grid:
        raise ValueError(f"every SGD step in {steps} diverged; try smaller steps")
    best = min(grid, key=lambda s: grid[s][0].history_[-1])
    runs = {"WALS": [timed_fit(s) for s in seeds],
            "SGD": [grid[best]] + [timed_fit(s, solver="sgd", learning_rate=lrs[best]) for s in seeds[1:]]}
    rows = []
    for i, seed in enumerate(seeds):
        target = (1 + slack) * min(min(runs[k][i][0].history_) for k in runs)
        for k in runs:
            m, secs = runs[k][i]
            t, reached = time_to_target(m.history_, secs, target)
            rows.append({"seed": seed, "solver": k, "seconds to target": t, "reached": reached,
                         "epochs to target": epochs_to_target(m.history_, target), "target": target})
    return SolverRace(grid, best, runs, pd.DataFrame(rows))
