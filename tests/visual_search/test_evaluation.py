"""Unit tests of ``mlsd_lib.visual_search.evaluation``."""

import numpy as np
import pytest
from sklearn.metrics import ndcg_score

from mlsd_lib.data.fashion_mnist import graded_relevance
from mlsd_lib.visual_search.evaluation import evaluate_retrieval, search_excluding, simulate_clicks

from ._helpers import RNG, A, B


def test_search_excluding_matches_brute_force():
    x = RNG.normal(size=(300, 8)).astype("float32")
    ids, scores = search_excluding(x[:20], x, k=5, exclude=np.arange(20))
    sims = x[:20] @ x.T
    sims[np.arange(20), np.arange(20)] = -np.inf
    np.testing.assert_array_equal(ids, np.argsort(-sims, axis=1)[:, :5])
    np.testing.assert_allclose(scores, np.sort(sims, axis=1)[:, ::-1][:, :5], rtol=1e-5)


def test_evaluate_retrieval_against_sklearn_and_hand_counts():
    cat_labels = np.array([0, 0, 1, 6, 0, 5, 7])
    retrieved = np.array([[3, 0, 2], [5, 6, 1]])
    q_labels = np.array([0, 7])
    r = evaluate_retrieval(retrieved, q_labels, cat_labels, k=3, grade=graded_relevance)
    assert r["precision@3"] == pytest.approx((1 / 3 + 1 / 3) / 2)
    assert r["recall@3"] == pytest.approx((1 / 3 + 1 / 1) / 2)
    assert r["mrr"] == pytest.approx((1 / 2 + 1 / 2) / 2)
    # nDCG with the ideal drawn from the whole catalogue equals sklearn's ndcg_score.
    true = graded_relevance(q_labels[:, None], cat_labels[None, :])
    score = np.zeros((2, 7))
    for i, row in enumerate(retrieved):
        score[i, row] = [3, 2, 1]
    assert r["ndcg@3"] == pytest.approx(ndcg_score(true, score, k=3))


def test_evaluation_errors():
    with pytest.raises(ValueError, match="one label per query"):
        evaluate_retrieval([[0, 1]], [0, 1], [0, 1, 1], k=2)
    with pytest.raises(ValueError, match="no -1 placeholders"):
        evaluate_retrieval([[0, -1]], [0], [0, 1], k=2)
    with pytest.raises(ValueError, match="k must be <= 2"):
        evaluate_retrieval([[0, 1]], [0], [0, 1], k=3)
    with pytest.raises(ValueError, match="one id per query"):
        search_excluding(A.astype("float32"), B.astype("float32"), k=2, exclude=[1])


def test_simulated_clicks_follow_the_model():
    rel = np.tile([1, 0], (20000, 1))
    clicks = simulate_clicks(rel, seed=0, click_if_relevant=0.6, click_if_not=0.1, position_decay=0.5)
    np.testing.assert_allclose(clicks.mean(0), [0.6, 0.5 * 0.1], atol=0.01)
    with pytest.raises(ValueError, match="click_if_relevant must be <= 1"):
        simulate_clicks(rel, click_if_relevant=2)


def test_per_query_retrieval_averages_to_evaluate_retrieval():
    from mlsd_lib.visual_search import per_query_retrieval

    rng = np.random.default_rng(0)
    cat_y = rng.integers(0, 5, 300)
    q_ids = np.arange(0, 300, 10)
    ids = np.array([rng.choice(np.delete(np.arange(300), q), 10, replace=False) for q in q_ids])
    per = per_query_retrieval(ids, cat_y[q_ids], cat_y, k=10, exclude=q_ids)
    rep = evaluate_retrieval(ids, cat_y[q_ids], cat_y, k=10, exclude=q_ids)
    for name in ("precision@10", "recall@10"):
        assert per[name].mean() == pytest.approx(rep[name])
    assert per["ap@10"].mean() == pytest.approx(rep["map@10"])
    rel = cat_y[ids] == cat_y[q_ids][:, None]
    first = np.where(rel.any(1), rel.argmax(1) + 1, 0)
    assert per["first_hit"].tolist() == first.tolist()
    with pytest.raises(ValueError, match="one id per query"):
        per_query_retrieval(ids, cat_y[q_ids], cat_y, k=10, exclude=q_ids[:3])
