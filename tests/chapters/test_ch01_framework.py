"""Chapter 1 (ch01_framework): its notebook, run end to end at the small size by the six
checks of ``notebook_checks``, and the identities its text relies on.

Identities and simulator bookkeeping that chapter 1 once asserted inline.

They hold by construction (two implementations of one number, counts a simulator fixes, a
property of a sampling algorithm), so they are unit tests here; the chapter's own asserts
guard what the system measurably does.
"""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.metrics as skm

from chapters.notebook_checks import *  # noqa: F403  the six checks every chapter passes
from chapters.notebook_checks import chapter
from mlsd_lib import experiments, metrics, sampling
from mlsd_lib.data import load_credit_data

nb = chapter("ch01_framework")


def _scores(n=400, seed=0, ties=False):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(int)
    s = 1 / (1 + np.exp(-(1.5 * y + rng.normal(-1.0, 1.0, n))))
    return y, (np.round(s, 1) if ties else s)


def test_ranked_queue_average_precision_is_pr_auc_without_ties():
    for seed in range(5):
        y, s = _scores(seed=seed)
        assert len(np.unique(s)) == len(s)
        queue = y[np.argsort(-s, kind="mergesort")]
        assert metrics.average_precision_at_k(queue) == pytest.approx(metrics.average_precision(y, s), abs=1e-12)


def test_ranked_queue_average_precision_with_ties_depends_on_the_tie_order():
    y, s = _scores(seed=1, ties=True)
    assert len(np.unique(s)) < len(s) / 10
    order = np.lexsort((-y, -s))                      # ties broken in the bad loans' favour
    best = metrics.average_precision_at_k(y[order])
    worst = metrics.average_precision_at_k(y[np.lexsort((y, -s))])
    tied = metrics.average_precision(y, s)            # PR-AUC counts a tied group as one step
    assert worst < tied < best
    # Breaking the ties in the queue's own order restores the identity.
    queue_order = np.argsort(-s, kind="mergesort")
    tie_break = np.empty(len(s))
    tie_break[queue_order] = -np.arange(len(s)) * 1e-9
    assert metrics.average_precision_at_k(y[queue_order]) == pytest.approx(metrics.average_precision(y, s + tie_break))


def test_classification_report_matches_sklearn_on_the_credit_queue():
    y, s = _scores(n=1000, seed=3)
    report = metrics.classification_report(y, s, threshold=0.5)
    pred = (s >= 0.5).astype(int)
    reference = {"accuracy": skm.accuracy_score(y, pred), "precision": skm.precision_score(y, pred),
                 "recall": skm.recall_score(y, pred), "f1": skm.f1_score(y, pred),
                 "roc_auc": skm.roc_auc_score(y, s), "pr_auc": skm.average_precision_score(y, s)}
    for key, value in reference.items():
        assert report[key] == pytest.approx(value, abs=1e-12), key
    assert (metrics.confusion_matrix(y, pred) == skm.confusion_matrix(y, pred)).all()


def test_ndcg_worked_example_of_the_source():
    worked = [0, 5, 1, 4, 2]          # source ch. 2, Figs. 2.17-2.18
    dcg, idcg = metrics.dcg_at_k(worked), metrics.dcg_at_k(sorted(worked, reverse=True))
    assert round(dcg, 3) == 6.151
    assert idcg == pytest.approx(8.954396, abs=1e-6)      # the source prints 8.9543 (truncated)
    assert round(metrics.ndcg_at_k(worked), 4) == 0.6869
    assert metrics.ndcg_at_k(worked) == pytest.approx(skm.ndcg_score([worked], [[5, 4, 3, 2, 1]]), abs=1e-12)


def test_credit_data_loses_415_rows_to_row_deletion():
    raw, _ = load_credit_data()
    assert len(raw) == 4454 and len(raw) - len(raw.drop(columns="Status").dropna()) == 415


def test_stratified_test_share_wanders_far_less_than_random_on_credit_data():
    raw, _ = load_credit_data()
    y = (raw["Status"] == "bad").astype(int).to_numpy()
    rand = [y[sampling.train_test_split_indices(len(y), 0.25, seed=s)[1]].mean() for s in range(100)]
    strat = [y[sampling.train_test_split_indices(len(y), 0.25, stratify=y, seed=s)[1]].mean() for s in range(100)]
    assert np.std(strat) < np.std(rand) / 5


def test_reservoir_keeps_early_and_late_positions_equally_often():
    kept = np.zeros(4454)
    for run in range(300):
        kept[sampling.reservoir_sample(range(4454), k=500, seed=run)] += 1
    inclusion = kept / 300
    assert abs(inclusion[:1000].mean() - 500 / 4454) < 0.01 and abs(inclusion[-1000:].mean() - 500 / 4454) < 0.01


def test_rollout_traffic_shares_and_error_estimates():
    runs = {s: experiments.simulate_rollout(s, 100_000, new_error_rate=0.30, old_error_rate=0.20, fraction=f, seed=0)
            for s, f in [("shadow", 0.0), ("canary", 0.05), ("ab", 0.5)]}
    assert runs["shadow"].served_by_new == 0 and runs["shadow"].predictions_computed == 200_000
    assert abs(runs["canary"].served_by_new / 100_000 - 0.05) < 0.005
    for r in runs.values():          # every strategy learns the new model's true error rate
        assert abs(r.new_model_error_rate_estimate - 0.30) < 0.02
    extra = {s: r.bad_answers_served - runs["shadow"].bad_answers_served for s, r in runs.items()}
    assert extra["canary"] < extra["ab"] / 5


def test_simulated_detections_match_power_and_alpha():
    n = experiments.sample_size_two_proportions(0.10, 0.11)
    assert n == 14751
    hits = experiments.simulate_detections(0.10, 0.11, n, 4000, seed=0)
    assert hits.dtype == bool and hits.shape == (4000,)
    assert hits.mean() == pytest.approx(experiments.analytic_power(0.10, 0.11, n), abs=0.03)
    for size in (500, 5000, 25000):   # no lift: the z-test's false-positive rate is alpha
        assert experiments.simulate_detections(0.10, 0.10, size, 4000, seed=size).mean() < 0.08
    same = experiments.simulate_detections(0.1, 0.11, 1000, 500, seed=4).mean()
    assert experiments.detection_rate(0.1, 0.11, 1000, 500, seed=4) == pytest.approx(same)


def test_power_formula_makes_small_ab_tests_inconclusive():
    """C1.9: the power of a two-proportion test follows from its formula, so an under-powered test is inconclusive.

    The sample size the formula asks for gives the promised power, power grows with the users
    per arm, and with 1,000 per arm a 10% → 11% lift is detected in few tests; a simulation of
    many tests agrees with the formula within binomial noise.
    """
    p1, p2 = 0.10, 0.11
    n_needed = experiments.sample_size_two_proportions(p1, p2, alpha=0.05, power=0.8)
    assert experiments.analytic_power(p1, p2, n_needed) == pytest.approx(0.8, abs=0.005)
    assert experiments.analytic_power(p1, p2, n_needed - 200) < 0.8
    sizes = [500, 1000, 2500, 5000, 10_000, n_needed, 25_000]
    powers = [experiments.analytic_power(p1, p2, n) for n in sizes]
    assert all(a < b for a, b in zip(powers, powers[1:], strict=False))      # more users, more power
    assert powers[1] < 0.2                                                    # 1,000 per arm: mostly inconclusive
    # the formula's hand computation (two-sided z-test, normal approximation)
    from scipy import stats
    p_bar = (p1 + p2) / 2
    z_a, z_b = stats.norm.ppf(0.975), stats.norm.ppf(0.8)
    n_formula = (z_a * np.sqrt(2 * p_bar * (1 - p_bar)) + z_b * np.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / (p2 - p1) ** 2
    assert n_needed == int(np.ceil(n_formula))
    for n, power in ((1000, powers[1]), (n_needed, 0.8)):
        hits = experiments.simulate_detections(p1, p2, n, 2000, seed=11)
        assert abs(hits.mean() - power) < 4 * np.sqrt(power * (1 - power) / 2000) + 0.01, n
    # no lift: the test is significant at about its level, whatever the size
    assert experiments.simulate_detections(p1, p1, 1000, 2000, seed=12).mean() < 0.05 + 4 * np.sqrt(0.05 * 0.95 / 2000)
