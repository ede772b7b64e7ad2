"""Chapter 5's per-positive metric terms side by side with scikit-learn (``make bench``).

The terms are what the chapter bootstraps; their means are PR-AUC and ROC-AUC, so the
reference is scikit-learn's ``average_precision_score`` / ``roc_auc_score`` on the same 10^6
scores. Compare the ``mean`` column of the two rows of a group for the ratio.
"""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.metrics as skm

from mlsd_lib import set_threads
from mlsd_lib.moderation.evaluate import auc_at_positives, precision_at_positives

N = 1_000_000


@pytest.fixture(scope="module")
def scored():
    set_threads(1)
    rng = np.random.default_rng(0)
    y = (rng.random(N) < 0.05).astype(int)          # harm is rare
    return y, np.round(rng.random(N) * 0.7 + 0.3 * y, 4)


@pytest.mark.benchmark(group="pr_auc terms 1e6")
def test_precision_at_positives_mlsd(benchmark, scored):
    terms = benchmark(precision_at_positives, *scored)
    assert np.isclose(terms.mean(), skm.average_precision_score(*scored))


@pytest.mark.benchmark(group="pr_auc terms 1e6")
def test_average_precision_sklearn(benchmark, scored):
    benchmark(skm.average_precision_score, *scored)


@pytest.mark.benchmark(group="roc_auc terms 1e6")
def test_auc_at_positives_mlsd(benchmark, scored):
    terms = benchmark(auc_at_positives, *scored)
    assert np.isclose(terms.mean(), skm.roc_auc_score(*scored))


@pytest.mark.benchmark(group="roc_auc terms 1e6")
def test_roc_auc_sklearn(benchmark, scored):
    benchmark(skm.roc_auc_score, *scored)
