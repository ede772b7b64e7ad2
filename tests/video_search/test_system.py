"""Unit tests of ``mlsd_lib.video_search.system``."""

from __future__ import annotations

import numpy as np
import pytest
import torch


def test_one_call_builds_the_system_and_one_seed_gives_one_system(corpus):
    from mlsd_lib.video_search.system import build_search_system, train_search_towers

    def towers(seed, draws_before):
        torch.manual_seed(draws_before)
        torch.randn(draws_before + 3)                        # other code drew from the global generator
        return train_search_towers(corpus, video_tower="video-level", dim=8, epochs=1, seed=seed)

    (enc_a, emb_a), (enc_b, emb_b) = towers(2, 0), towers(2, 9)
    np.testing.assert_array_equal(emb_a, emb_b)
    np.testing.assert_array_equal(enc_a(["red bag moving left"]), enc_b(["red bag moving left"]))
    system = build_search_system(corpus, enc_a, emb_a, weights=[0.3, 0.7])
    assert system.weight in (0.3, 0.7) and list(system.validation.index) == [0.3, 0.7]
    assert system.weight == system.validation.idxmax()
    hits = system.engine.search("red bag", k=3).hits
    assert len(hits) and hits.video.between(0, len(system.catalogue) - 1).all()
    with pytest.raises(ValueError, match="pass both"):
        build_search_system(corpus, enc_a)
    with pytest.raises(ValueError, match="one row per video"):
        build_search_system(corpus, enc_a, emb_a[:3])
    with pytest.raises(TypeError, match="corpus"):
        build_search_system("corpus")


def test_the_served_engine_keeps_every_distinct_video_and_hides_a_re_upload(corpus):
    from mlsd_lib.text import word_tokenize
    from mlsd_lib.video_search.fingerprint import clip_fingerprints
    from mlsd_lib.video_search.system import build_search_system

    rows = np.flatnonzero(corpus.meta.split == "test")
    # an embedding that collapses every video onto two points: the re-ranker must not read
    # that as ten duplicates
    emb = np.zeros((len(corpus.meta), 4), np.float32)
    emb[:, 0], emb[::2, 1] = 1.0, 1e-3
    system = build_search_system(corpus, lambda qs: np.tile([[1, 0, 0, 0]], (len(qs), 1)), emb, weights=[0.0])
    engine = system.engine
    assert len(engine.search("bag", k=len(rows)).hits) == len(rows)
    first = int(engine.search("bag", k=1).hits.video[0])
    own = corpus.clips[rows[first]][None]
    with pytest.raises(ValueError, match="pass fingerprints="):
        engine.add_video(emb[rows[first]], ["bag"])
    assert engine.store.index.ntotal == engine.text_index.n_docs == len(rows)
    dup = engine.add_video(emb[rows[first]], word_tokenize(corpus.text(rows[first:first + 1])[0]),
                           fingerprint=clip_fingerprints(own))
    shown = engine.search("bag", k=len(rows) + 1).hits.video.tolist()
    assert dup not in shown and first in shown and len(shown) == len(rows)
