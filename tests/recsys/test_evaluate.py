"""Unit tests of ``mlsd_lib.recsys.evaluate``."""

from __future__ import annotations

import numpy as np
import pytest

from mlsd_lib.recsys.evaluate import evaluate_lists


def test_evaluate_lists_against_manual_values():
    rec = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    rel = [{2, 3, 99}, {4}, set()]  # the third user has nothing relevant and is skipped
    r = evaluate_lists(rec, rel, ks=(1, 3))
    assert r["precision@1"] == pytest.approx(0.5)
    assert r["precision@3"] == pytest.approx((2 / 3 + 1 / 3) / 2)
    assert r["recall@3"] == pytest.approx((2 / 3 + 1) / 2)
    ap1 = (1 / 2 + 2 / 3) / 3
    assert r["map@3"] == pytest.approx((ap1 + 1) / 2)
    dcg = 1 / np.log2(3) + 1 / np.log2(4)
    idcg = 1 + 1 / np.log2(3) + 1 / np.log2(4)
    assert r["ndcg@3"] == pytest.approx((dcg / idcg + 1) / 2)


def test_evaluate_lists_errors():
    with pytest.raises(ValueError, match="one set per row"):
        evaluate_lists([[1, 2]], [{1}, {2}], ks=(1,))
    with pytest.raises(ValueError, match="max\\(ks\\)"):
        evaluate_lists([[1, 2]], [{1}], ks=(5,))
    with pytest.raises(ValueError, match="no user has a relevant item"):
        evaluate_lists([[1, 2]], [set()], ks=(1,))


def test_paired_precision_difference_matches_loop():
    from mlsd_lib.recsys.evaluate import paired_precision_difference

    rng = np.random.default_rng(0)
    rel = [set(rng.integers(0, 30, 5).tolist()) if i % 7 else set() for i in range(40)]
    A = np.array([rng.permutation(30)[:10] for _ in range(40)])
    B = np.array([rng.permutation(30)[:10] for _ in range(40)])
    d = np.array([(len(set(a) & r) - len(set(b) & r)) / 10 for a, b, r in zip(A, B, rel, strict=True) if r])
    diff, se = paired_precision_difference(A, B, rel, k=10)
    assert diff == pytest.approx(d.mean())
    assert se == pytest.approx(d.std(ddof=1) / np.sqrt(len(d)))
    with pytest.raises(ValueError, match="same users"):
        paired_precision_difference(A, B[:5], rel)
    with pytest.raises(ValueError, match="no user has a relevant item"):
        paired_precision_difference(A, B, [set()] * 40)


def test_compare_lists_random_precision_and_candidate_stats_by_loop():
    from mlsd_lib.recsys.evaluate import (
        candidate_stats,
        compare_lists,
        paired_precision_difference,
        random_precision,
    )

    rng = np.random.default_rng(0)
    rel = [set(rng.choice(20, 3, replace=False).tolist()) for _ in range(8)] + [set()]
    lists = {n: np.array([rng.permutation(20)[:10] for _ in range(9)]) for n in "ab"}
    got = compare_lists(lists, rel, "a", "b")
    for name, L in lists.items():
        want = np.mean([len(set(L[u]) & rel[u]) / 10 for u in range(8)])
        assert got[name] == pytest.approx(want)
    assert (got["a − b"], got["± s.e."]) == paired_precision_difference(lists["a"], lists["b"], rel)
    assert random_precision(rel, 20) == pytest.approx(3 / 20)
    vec = rng.normal(size=(20, 4))
    cands = [np.array([0, 1, 2]), np.array([2, 5])]
    st = candidate_stats(cands, vec, 20)
    unit = vec / np.linalg.norm(vec, axis=1, keepdims=True)
    sims = [np.mean([unit[i] @ unit[j] for i in c for j in c if i != j]) for c in cands]
    assert st == pytest.approx({"candidates per user": 2.5, "candidate similarity": np.mean(sims),
                                "candidate coverage": 4 / 20})
    with pytest.raises(ValueError, match="is not a key of lists"):
        compare_lists(lists, rel, "a", "c")
    with pytest.raises(TypeError, match="lists must be a dict"):
        compare_lists([lists["a"]], rel, "a", "b")
    with pytest.raises(ValueError, match="no user has a relevant item"):
        random_precision([set()], 5)
    with pytest.raises(ValueError, match="n_items must be >= 1"):
        random_precision(rel, 0)
    with pytest.raises(ValueError, match="candidates is empty"):
        candidate_stats([], vec, 20)
