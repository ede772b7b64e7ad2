"""Fair arms: every arm of a comparison gets the same tuning budget, spent on validation data.

A comparison between a tuned method and an untuned rival measures the tuning, not the method.
:func:`tune_each_arm` takes, for each arm, the same number of candidate settings, scores each
on validation data, and returns each arm's best; the test data is never seen. It refuses arms
with unequal budgets.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class ArmChoice:
    """One arm's tuning outcome.

    Attributes
    ----------
    arm : the arm's name.
    best : the label of the setting chosen on validation.
    score : its validation score.
    scores : label → validation score of every setting tried.
    """

    arm: str
    best: str
    score: float
    scores: Mapping[str, float]


def tune_each_arm(arms: Mapping[str, Mapping[str, Callable[[], float]]], *,
                  higher_is_better: bool = True) -> dict[str, ArmChoice]:
    """Score every candidate setting of every arm on validation data; pick each arm's best.

    Parameters
    ----------
    arms : arm name → {setting label → a zero-argument callable that trains that setting and
        returns its *validation* score}. Every arm must offer the same number of settings.
    higher_is_better : whether a larger validation score is better (``False`` for a loss).

    Returns
    -------
    arm name → :class:`ArmChoice`; ties go to the first setting listed.

    Examples
    --------
    >>> picks = tune_each_arm({"sgd": {"lr=0.01": lambda: 0.61, "lr=0.1": lambda: 0.70},
    ...                        "adam": {"lr=0.001": lambda: 0.68, "lr=0.01": lambda: 0.66}})
    >>> picks["sgd"].best, picks["adam"].best
    ('lr=0.1', 'lr=0.001')
    """
    if not isinstance(arms, Mapping) or len(arms) < 2:
        raise ValueError("arms must map at least two arm names to their candidate settings")
    if not isinstance(higher_is_better, bool):
        raise TypeError(f"higher_is_better must be True or False, got {higher_is_better!r}")
    sizes = {}
    for name, settings in arms.items():
        if not isinstance(name, str) or not isinstance(settings, Mapping) or not settings:
            raise ValueError(f"arms: {name!r} must map setting labels to callables, at least one")
        if not all(isinstance(k, str) and callable(f) for k, f in settings.items()):
            raise TypeError(f"arms: {name!r}'s settings must map string labels to zero-argument callables")
        sizes[name] = len(settings)
    if len(set(sizes.values())) > 1:
        raise ValueError(f"arms must get the same tuning budget; settings per arm: {sizes}")
    out = {}
    sign = 1.0 if higher_is_better else -1.0
    for name, settings in arms.items():
        scores = {}
        for label, run in settings.items():
            value = run()
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(float(value)):
                raise ValueError(f"arms: {name!r} setting {label!r} returned {value!r}; a validation score must be "
                                 "a finite number")
            scores[label] = float(value)
        best = max(scores, key=lambda k: sign * scores[k])
        out[name] = ArmChoice(name, best, scores[best], scores)
    return out
