"""Unit tests of ``mlsd_lib.video_search.evaluation``."""

from __future__ import annotations

import numpy as np
import pytest

from mlsd_lib.video_search.engine import (
    fused_ranks,
    ranks_from_scores,
    target_ranks,
)


def test_set_metrics_match_sklearn_and_brute_force_per_query():
    import sklearn.metrics as skm

    from mlsd_lib.video_search import evaluation as ev

    rng = np.random.default_rng(4)
    scores = rng.random((40, 25))                       # continuous: no ties, so the order is unique
    relevant = [rng.choice(25, size=rng.integers(1, 8), replace=False) for _ in range(40)]
    table = ev.set_metrics(ev.ranked_relevance(scores, relevant), relevant, k=5)
    for i, (s, r) in enumerate(zip(scores, relevant, strict=True)):
        mask = np.isin(np.arange(25), r)
        top5 = np.argsort(-s)[:5]
        assert table["ap"][i] == pytest.approx(skm.average_precision_score(mask, s), abs=1e-12)
        assert table["precision@5"][i] == pytest.approx(mask[top5].sum() / 5)
        assert table["recall@5"][i] == pytest.approx(mask[top5].sum() / len(r))
        assert table["rr"][i] == pytest.approx(1 / (1 + np.flatnonzero(mask[np.argsort(-s)])[0]))
    with pytest.raises(ValueError, match="one set per query"):
        ev.set_metrics(np.zeros((2, 3)), [[0]])


def test_first_relevant_ranks_with_one_relevant_video_are_the_target_ranks():
    from mlsd_lib.video_search import evaluation as ev

    s = np.random.default_rng(5).integers(0, 4, (30, 12)).astype(float)   # many ties: they count against
    t = np.random.default_rng(6).integers(0, 12, 30)
    for positive in (False, True):
        np.testing.assert_array_equal(ev.first_relevant_ranks(s, [[x] for x in t], require_positive=positive),
                                      ranks_from_scores(s, t, require_positive=positive))
    lists = [np.argsort(-row, kind="stable") for row in s]
    np.testing.assert_array_equal(ev.first_relevant_in_lists(lists, [[x] for x in t]), target_ranks(lists, t))
    hits = [(np.array([3, 1]), np.array([8.0, 2.0]))]
    vis = [(np.array([1, 5]), np.array([0.9, 0.5]))]
    np.testing.assert_array_equal(ev.first_relevant_in_lists(ev.fused_lists(hits, vis, 0.5), [[5]]),
                                  fused_ranks(hits, vis, [5], 0.5))
