"""Unit tests of ``mlsd_lib.video_search.corpus``."""

from __future__ import annotations

import numpy as np
import pytest

from mlsd_lib.text import word_tokenize
from mlsd_lib.video_search import corpus as vc


def test_queries_never_copy_titles_and_paraphrases_share_no_word(corpus):
    m, p = corpus.meta, corpus.pairs
    from mlsd_lib.text import normalize_text
    assert not any(normalize_text(q) == normalize_text(m.title[r]) for q, r in zip(p["query"], p.row, strict=True))
    uploads = {w for t in corpus.text() for w in word_tokenize(t)}
    literal = {w for q in p["query"][p.kind == "literal"] for w in word_tokenize(q)}
    para = {w for q in p["query"][p.kind == "paraphrase"] for w in word_tokenize(q)}
    assert para and not para & (uploads | literal)


def test_split_sizes_and_pairs_follow_table_4_1(corpus):
    assert corpus.meta.split.value_counts().to_dict() == {"train": 40, "validation": 10, "test": 10}
    assert corpus.pairs.groupby("split").size().to_dict() == {"train": 120, "validation": 20, "test": 20}


def test_clip_positions_are_symmetric_so_only_order_shows_direction():
    img = np.full((28, 28), 255, np.uint8)
    fwd = vc.render_clip(img, "white", "right", "fast", "studio", seed=5)
    back = vc.render_clip(img, "white", "left", "fast", "studio", seed=5)
    assert np.array_equal(fwd[::-1], back)     # same start draw: left is right played backwards


def test_reverse_query_swaps_every_motion_phrase():
    for d, (_, word, order, para) in vc.DIRECTIONS.items():
        o = vc.OPPOSITE[d]
        assert vc.reverse_query(f"red bag {word}", d) == f"red bag {vc.DIRECTIONS[o][1]}"
        assert vc.reverse_query(f"red bag {order}", d) == f"red bag {vc.DIRECTIONS[o][2]}"
        assert vc.reverse_query(f"red bag {para}", d) == f"red bag {vc.DIRECTIONS[o][3]}"


def test_relevant_videos_match_every_fact_the_query_names(corpus):
    test = np.flatnonzero(corpus.meta.split == "test")
    rows = np.flatnonzero(corpus.pairs.split == "test")
    for pr, rel in zip(rows, corpus.relevant(rows, test), strict=True):
        facts = corpus.pairs.facts.iloc[pr]
        own = int(np.flatnonzero(test == corpus.pairs.row.iloc[pr])[0])
        assert own in rel
        brute = [j for j, r in enumerate(test) if all(corpus.meta.iloc[r][a] == v for a, v in facts.items())]
        assert list(rel) == brute
    a = dict(label=7, colour="red", direction="left", speed="fast", background="beach", topic="review")
    assert vc.compose_query(a, np.random.default_rng(3))[0] == vc.make_query(a, np.random.default_rng(3))
    with pytest.raises(ValueError, match="pair_rows"):
        corpus.relevant([len(corpus.pairs)], test)
