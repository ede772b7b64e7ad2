"""Chapter 4 (ch04_video_search): its notebook, run end to end at the small size by the six
checks of ``notebook_checks``, and the identities its text relies on.

Chapter 4's identities (C4.3, C4.7), checked here rather than decided in the notebook.
"""

from __future__ import annotations

import numpy as np
import torch

from chapters.notebook_checks import *  # noqa: F403  the six checks every chapter passes
from chapters.notebook_checks import chapter
from mlsd_lib import text
from mlsd_lib.metrics import precision_at_k, recall_at_k, reciprocal_rank
from mlsd_lib.video_search import SparseTextTower, rank_metrics

nb = chapter("ch04_video_search")


def test_bag_of_words_gives_both_word_orders_one_vector():
    """C4.3: counts forget order, so any model on them scores both orders alike."""
    rng = np.random.default_rng(0)
    docs = [text.word_tokenize(s) for s in ("red bag from left to right", "blue coat moving up", "green shoes")]
    for weighting in ("count", "tfidf"):
        vec = text.TextVectorizer(weighting).fit(docs)
        tower = SparseTextTower(vec.n_features, dim=4)
        for words in docs:
            for _ in range(5):
                shuffled = list(rng.permutation(words))
                a, b = (vec.transform([w]).toarray() for w in (words, shuffled))
                assert np.array_equal(a, b)
                with torch.no_grad():
                    assert torch.equal(tower(torch.as_tensor(a, dtype=torch.float32)),
                                       tower(torch.as_tensor(b, dtype=torch.float32)))
    left, right = (vec.transform([text.word_tokenize(q)]).toarray()
                   for q in ("red bag from left to right", "red bag from right to left"))
    assert np.array_equal(left, right)


def test_precision_cap_and_recall_blind_beyond_k():
    """C4.7: one relevant item caps precision@k at 1/k; recall@k cannot tell two ranks beyond k apart."""
    rng = np.random.default_rng(1)
    k, length = 10, 60
    ranks = rng.integers(1, length + 1, size=200)
    rel = np.zeros((len(ranks), length), int)
    rel[np.arange(len(ranks)), ranks - 1] = 1
    p = precision_at_k(rel, k)
    assert (p <= 1 / k + 1e-12).all() and np.allclose(p[ranks <= k], 1 / k)
    beyond = ranks[ranks > k]
    other = rng.integers(k + 1, length + 1, size=len(beyond))
    rel_other = np.zeros((len(other), length), int)
    rel_other[np.arange(len(other)), other - 1] = 1
    assert np.array_equal(recall_at_k(rel[ranks > k], k, np.ones(len(beyond))),
                          recall_at_k(rel_other, k, np.ones(len(other))))
    differ = beyond != other
    assert (reciprocal_rank(rel[ranks > k])[differ] != reciprocal_rank(rel_other)[differ]).all()
    # the source's example: ranks 15 and 50 tie on recall@10 and not on MRR
    a, b = rank_metrics([15]), rank_metrics([50])
    assert a["recall@10"] == b["recall@10"] == 0 and a["mrr"] > b["mrr"]
