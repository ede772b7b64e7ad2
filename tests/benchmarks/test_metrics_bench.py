"""mlsd_lib.metrics side by side with scikit-learn (``make bench``; not in the default run).

Each pair of benchmarks scores the same 10^6 predictions (or 10^4 ranked lists); compare
the ``mean`` column of the two rows of a group for the ratio.
"""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.metrics as skm

from mlsd_lib import metrics, set_threads

N = 1_000_000


@pytest.fixture(scope="module")
def scored():
    set_threads(1)
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, N)
    return y, np.round(rng.random(N) * 0.7 + 0.3 * y, 4)


@pytest.fixture(scope="module")
def graded():
    rng = np.random.default_rng(1)
    return rng.integers(0, 6, size=(10_000, 20)), np.tile(np.arange(20, 0, -1), (10_000, 1))


@pytest.mark.benchmark(group="pr_auc 1e6")
def test_average_precision_mlsd(benchmark, scored):
    benchmark(metrics.average_precision, *scored)


@pytest.mark.benchmark(group="pr_auc 1e6")
def test_average_precision_sklearn(benchmark, scored):
    benchmark(skm.average_precision_score, *scored)


@pytest.mark.benchmark(group="roc_auc 1e6")
def test_roc_auc_mlsd(benchmark, scored):
    benchmark(metrics.roc_auc, *scored)


@pytest.mark.benchmark(group="roc_auc 1e6")
def test_roc_auc_sklearn(benchmark, scored):
    benchmark(skm.roc_auc_score, *scored)


@pytest.mark.benchmark(group="ndcg 1e4 lists")
def test_ndcg_mlsd(benchmark, graded):
    rel, _ = graded
    benchmark(metrics.ndcg_at_k, rel, 10)


@pytest.mark.benchmark(group="ndcg 1e4 lists")
def test_ndcg_sklearn(benchmark, graded):
    rel, score = graded
    benchmark(skm.ndcg_score, rel, score, k=10)
