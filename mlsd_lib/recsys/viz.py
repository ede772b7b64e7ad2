"""Figures of chapter 6 that take more than a few lines.

Introduced in chapter 6.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from mlsd_lib.recsys.tuning import SolverRace


def plot_solver_race(race: SolverRace, epochs: int):
    """Two panels: the SGD step grid against WALS by epoch (first seed), and loss against wall
    time for every seed, with the first seed's target as a dotted line.

    Introduced in chapter 6, "SGD or WALS".
    """
    if not isinstance(race, SolverRace):
        raise TypeError(f"race must be a SolverRace (from race_solvers), got {type(race).__name__}")
    fig, ax = plt.subplots(1, 2, figsize=(10, 3))
    for step, (m, _) in race.sgd_grid.items():
        ax[0].plot(m.history_, lw=2 if step == race.best_step else 0.8, label=f"SGD, step {step}")
    ax[0].plot(race.runs["WALS"][0][0].history_, "k", lw=2, label="WALS")
    ax[0].set(yscale="log", xlabel="epoch", ylabel="training loss",
              title=f"seed {race.table.seed.iloc[0]}: the SGD grid")
    ax[0].legend(fontsize=7)
    for k, col in (("WALS", "k"), ("SGD", "C1")):
        for m, secs in race.runs[k]:
            ax[1].plot(np.arange(len(m.history_)) * secs / epochs, m.history_, c=col, alpha=0.7)
        ax[1].plot([], [], c=col, label=k)
    ax[1].axhline(race.table.target.iloc[0], ls=":", c="gray")
    ax[1].set(yscale="log", xlabel="wall time (s)", title=f"tuned SGD and WALS, {len(race.runs['WALS'])} seeds")
    ax[1].legend()
    fig.tight_layout()
    return fig
