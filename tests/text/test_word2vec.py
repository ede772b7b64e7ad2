"""Unit tests of ``mlsd_lib.text.word2vec``."""

from __future__ import annotations

import numpy as np
import pytest
import torch


def test_word2vec_learns_shared_contexts_and_one_seed_gives_one_model():
    from mlsd_lib.text import Word2Vec

    docs = [[c, p, "review"] for c in ("red", "blue", "green") for p in ("bag", "coat")] * 15 + [["beach", "sand"]] * 30
    a = Word2Vec(dim=8, epochs=30, lr=0.05, batch_size=64, seed=1).fit(docs)
    torch.randn(5)                                           # other code drew from the global generator
    b = Word2Vec(dim=8, epochs=30, lr=0.05, batch_size=64, seed=1).fit(docs)
    np.testing.assert_array_equal(a.vectors_, b.vectors_)
    assert a.history_.train_loss[-1] < a.history_.train_loss[0]
    assert {w for w, _ in a.most_similar("red", k=2)} == {"blue", "green"}   # the same contexts
    np.testing.assert_allclose(a.transform([["red", "bag", "zebra"]])[0],
                               (a.vectors_[a.index_["red"]] + a.vectors_[a.index_["bag"]]) / 2, rtol=1e-6)
    with pytest.raises(ValueError, match="not fitted"):
        Word2Vec().transform([["red"]])
    with pytest.raises(ValueError, match="vocabulary"):
        a.most_similar("zebra")
