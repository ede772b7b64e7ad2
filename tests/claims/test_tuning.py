"""Unit tests of ``mlsd_lib.claims.tuning``."""

from __future__ import annotations

import numpy as np
import pytest

from mlsd_lib import claims

from ._helpers import INC

# ------------------------------------------------------------------------------ fair arms


def test_equal_tuning_turns_a_win_of_the_tuned_arm_into_a_refutation():
    """A rival left at a poor default loses; given the same budget it ties, and the claim fails."""
    rng = np.random.default_rng(3)
    noise = rng.normal(0, 0.002, size=(2, 5))          # five seeds of validation and test noise

    def quality(method, lr):                          # both methods peak at 0.80 when tuned
        best = {"new": 0.1, "old": 0.01}[method]
        return 0.80 - 0.5 * abs(np.log10(lr / best)) ** 2 * 0.1

    grid = (0.001, 0.01, 0.1)
    untuned = claims.effect_over_seeds(quality("new", 0.1) + noise[0], quality("old", 0.1) + noise[1])
    assert INC.verdict(untuned) == "supported"         # the old method at the new one's learning rate
    picks = claims.tune_each_arm({m: {f"lr={lr}": (lambda m=m, lr=lr: quality(m, lr)) for lr in grid}
                                  for m in ("new", "old")})
    assert picks["old"].best == "lr=0.01" and picks["new"].best == "lr=0.1"
    lr = {m: float(picks[m].best.split("=")[1]) for m in picks}
    tuned = claims.effect_over_seeds(quality("new", lr["new"]) + noise[0], quality("old", lr["old"]) + noise[1])
    assert INC.verdict(tuned) == "refuted"
    with pytest.raises(ValueError, match="same tuning budget"):
        claims.tune_each_arm({"new": {"a": lambda: 1.0, "b": lambda: 0.5}, "old": {"a": lambda: 1.0}})
