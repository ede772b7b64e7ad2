"""Feedback matrix, relevant sets, evaluation, diversity metrics, and the real-data split."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlsd_lib.metrics.diversity import catalogue_coverage, intra_list_similarity
from mlsd_lib.recsys.evaluate import evaluate_lists
from mlsd_lib.recsys.feedback import build_feedback, relevant_sets
from mlsd_lib.sampling import temporal_split_per_user

DF = pd.DataFrame({"userId": [1, 1, 2, 2, 3], "movieId": [10, 20, 20, 30, 10], "rating": [5, 3, 4, 4.5, 1]})


def test_feedback_matrix_values_by_loop():
    fm = build_feedback(DF)
    A = fm.matrix.toarray()
    for r in DF.itertuples():
        u, i = fm.user_index([r.userId])[0], fm.item_index([r.movieId])[0]
        assert A[u, i] == (1.0 if r.rating >= 4 else 0.0)
    assert fm.shape == (3, 3) and fm.density == pytest.approx(3 / 9)
    assert fm.item_index([99]).tolist() == [-1]


def test_feedback_fixed_ids_and_relevant_sets():
    fm = build_feedback(DF, user_ids=[1, 2], item_ids=[10, 20])
    assert fm.matrix.toarray().tolist() == [[1, 0], [0, 1]]
    test = pd.DataFrame({"userId": [1, 2, 2, 9], "movieId": [20, 10, 30, 10], "rating": [4, 5, 5, 5]})
    assert relevant_sets(test, fm) == [{1}, {0}]


def test_feedback_errors():
    with pytest.raises(TypeError, match="DataFrame"):
        build_feedback([1, 2])
    with pytest.raises(ValueError, match="user_col='user'"):
        build_feedback(DF, user_col="user")
    with pytest.raises(ValueError, match="df is empty"):
        build_feedback(DF.iloc[:0])
    with pytest.raises(TypeError, match="threshold must be a number"):
        build_feedback(DF, threshold="4")


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


def test_diversity_against_loops():
    rng = np.random.default_rng(0)
    V = rng.normal(size=(20, 5))
    lists = rng.integers(0, 20, (4, 6))
    got = intra_list_similarity(lists, V)
    for g, row in zip(got, lists, strict=True):
        sims = [V[a] @ V[b] / np.linalg.norm(V[a]) / np.linalg.norm(V[b])
                for x, a in enumerate(row) for y, b in enumerate(row) if x != y]
        assert g == pytest.approx(np.mean(sims))
    assert np.isnan(intra_list_similarity([3, -1], V))
    assert catalogue_coverage(lists, 20) == pytest.approx(len(set(lists.ravel())) / 20)


def test_diversity_errors():
    with pytest.raises(ValueError, match="item_vectors has 2 rows"):
        intra_list_similarity([0, 5], np.eye(2))
    with pytest.raises(ValueError, match="n_items=3"):
        catalogue_coverage([[0, 5]], 3)
    with pytest.raises(ValueError, match="n_items must be >= 1"):
        catalogue_coverage([[0]], 0)


def test_temporal_split_leaks_nothing_on_movielens():
    from mlsd_lib.data.tabular import load_movielens_ratings

    df, _ = load_movielens_ratings()
    train, test = temporal_split_per_user(df, "userId", "timestamp", 0.2)
    assert len(train) + len(test) == len(df)
    first_test = test.groupby("userId").timestamp.min()
    last_train = train.groupby("userId").timestamp.max().reindex(first_test.index)
    assert (first_test >= last_train).all()
    # and every test user also has training history
    assert set(test.userId) <= set(train.userId)


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


# --- helpers lifted out of the chapter-6 notebook -------------------------------------------

def test_row_items_and_positive_times_by_loop():
    import scipy.sparse as sp

    from mlsd_lib.recsys.feedback import positive_times, row_items

    d = pd.DataFrame({"userId": [1, 1, 2, 2, 3], "movieId": [30, 10, 20, 30, 10],
                      "rating": [5, 4, 4, 2, 5], "timestamp": [9, 4, 7, 1, 3]})
    fm = build_feedback(d)
    hist = row_items(fm.matrix)
    dense = fm.matrix.toarray()
    assert [h.tolist() for h in hist] == [np.flatnonzero(r).tolist() for r in dense]
    got = positive_times(d, fm, fm.matrix)
    want = []
    for u, h in zip(fm.user_ids, hist, strict=True):
        for i in h:
            row = d[(d.userId == u) & (d.movieId == fm.item_ids[i]) & (d.rating >= 4)]
            want.append(float(row.timestamp.iloc[0]))
    assert got.tolist() == want
    with pytest.raises(TypeError, match="M must be a scipy sparse"):
        row_items(dense)
    with pytest.raises(ValueError, match="shape"):
        positive_times(d, fm, sp.csr_matrix((1, 1)))
    with pytest.raises(ValueError, match="M has"):
        positive_times(d[d.userId != 3], fm, fm.matrix)
    with pytest.raises(ValueError, match="timestamp"):
        positive_times(d.drop(columns="timestamp"), fm, fm.matrix)


def test_items_by_time_by_loop_and_errors():
    from mlsd_lib.recsys.feedback import items_by_time

    d = pd.DataFrame({"userId": [5, 2, 2, 2], "movieId": [30, 20, 10, 30], "timestamp": [1, 9, 5, 7]})
    items = np.array([10, 20, 30])
    got = [h.tolist() for h in items_by_time(d, items)]
    want = []
    for u in sorted(d.userId.unique()):
        g = d[d.userId == u].sort_values("timestamp")
        want.append([items.tolist().index(m) for m in g.movieId])
    assert got == want == [[0, 2, 1], [2]]
    with pytest.raises(ValueError, match="sorted and unique"):
        items_by_time(d, [30, 10, 20])
    with pytest.raises(ValueError, match="outside item_ids"):
        items_by_time(d, [10, 20])


def test_withhold_items_and_restrict_relevant():
    import scipy.sparse as sp

    from mlsd_lib.recsys.feedback import restrict_relevant, withhold_items

    R = sp.random(6, 5, density=0.5, random_state=1, format="csr")
    got = withhold_items(R, [1, 3]).toarray()
    want = R.toarray().copy()
    want[:, [1, 3]] = 0
    assert np.array_equal(got, want)
    assert withhold_items(R, [1, 3]).nnz == np.count_nonzero(want)
    rel = [{0, 1, 3}, {2}, set()]
    assert restrict_relevant(rel, [1, 3]) == [{0, 1}, set(), set()]
    with pytest.raises(TypeError, match="R must be a scipy sparse"):
        withhold_items(R.toarray(), [1])
    with pytest.raises(ValueError, match="column positions"):
        withhold_items(R, [7])
    with pytest.raises(ValueError, match="sorted and unique"):
        restrict_relevant(rel, [3, 1])
    with pytest.raises(TypeError, match="list of sets"):
        restrict_relevant({0: {1}}, [1])


def test_epoch_helper():
    from mlsd_lib.recsys.tuning import epochs_to_target

    h = [5.0, 3.0, 2.0, 2.5, 1.0]
    for target in (6.0, 2.0, 1.5, 0.5):
        want = min([e for e, v in enumerate(h) if v <= target], default=np.inf)
        assert epochs_to_target(h, target) == want
    with pytest.raises(ValueError, match="history must be 1-D"):
        epochs_to_target([[1.0]], 1.0)
    with pytest.raises(TypeError, match="target must be a number"):
        epochs_to_target([1.0], "1")


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
