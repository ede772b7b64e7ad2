"""Unit tests of ``mlsd_lib.recsys.feedback``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlsd_lib.recsys.feedback import build_feedback, relevant_sets

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
