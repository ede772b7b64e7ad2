"""Helpers shared by the tests of ``mlsd_lib.claims``."""

from __future__ import annotations

from mlsd_lib.claims import Effect, Rule

INC = Rule("metric, A minus B", "increase", margin=0.01)


EQ = Rule("weights, DDP minus single process", "equivalent", margin=1e-4)


def _eff(mean, low, high, n=5, evidence="seeds", confidence=0.95):
    return Effect(mean, low, high, n, evidence, confidence=confidence)
