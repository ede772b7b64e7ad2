"""Unit tests of ``mlsd_lib.video_search.engine``."""

from __future__ import annotations

import numpy as np
import pytest

from mlsd_lib import ann
from mlsd_lib.metrics import mean_reciprocal_rank
from mlsd_lib.text import InvertedIndex, word_tokenize
from mlsd_lib.video_search.engine import (
    VideoSearchEngine,
    fuse_candidates,
    fused_ranks,
    rank_metrics,
    ranks_from_scores,
    target_ranks,
)
from mlsd_lib.visual_search.services import IndexingService


def test_fusion_endpoints_are_the_single_components():
    t_ids, t_s, v_ids, v_s = [3, 1, 7], [9.0, 4.0, 1.0], [1, 5, 3], [0.9, 0.8, 0.1]
    assert fuse_candidates(t_ids, t_s, v_ids, v_s, 1.0).video.tolist()[:3] == [3, 1, 7]
    assert fuse_candidates(t_ids, t_s, v_ids, v_s, 0.0).video.tolist()[:3] == [1, 5, 3]
    assert fused_ranks([(t_ids, t_s)], [(v_ids, v_s)], [9], 0.5).tolist() == [np.inf]


def test_rank_metrics_agree_with_the_metrics_module():
    ranks = np.array([1, 3, np.inf, 12])
    rel = np.zeros((4, 12), int)
    rel[0, 0] = rel[1, 2] = rel[3, 11] = 1
    assert rank_metrics(ranks)["mrr"] == pytest.approx(mean_reciprocal_rank(rel))
    assert rank_metrics(ranks)["recall@10"] == 0.5
    assert ranks_from_scores([[1.0, 1.0, 0.5]], [0]).tolist() == [2.0]    # ties count against the target
    assert target_ranks([[5, 6]], [6]).tolist() == [2.0]


@pytest.fixture()
def engine():
    vecs = np.eye(4, dtype="float32")
    idx = InvertedIndex()
    idx.add([["red", "bag"], ["blue", "coat"], ["red", "coat"], ["green", "hat"]])
    store = IndexingService(ann.build("flat", vecs, "ip"), vecs)
    return VideoSearchEngine(idx, word_tokenize, lambda q: vecs[1], store, weight=0.5, candidates=4)


@pytest.mark.parametrize(("query", "message"), [
    ("", "type a few words"), ("   ", "type a few words"), ("?!...", "type a few words"),
    ("東京 ファッション", "only English"), ("красный", "only English")])
def test_bad_queries_get_a_message_not_an_error(engine, query, message):
    r = engine.search(query)
    assert r.hits.empty and message in r.message


def test_over_long_query_is_shortened(engine):
    r = engine.search("red coat " * 500)
    assert "shortened" in r.message and len(r.query) == engine.max_query_chars and not r.hits.empty


def test_new_upload_is_searchable_without_rebuild(engine):
    vid = engine.add_video(np.array([0.6, 0.8, 0, 0], "float32"), ["purple", "scarf"])
    assert vid == 4 and engine.search("purple scarf").hits.video.iloc[0] == 4


def test_blocked_and_duplicate_videos_are_not_shown(engine):
    top = engine.search("red coat").hits.video.tolist()
    dup = engine.add_video(np.eye(4, dtype="float32")[top[0]], [["red", "bag"], ["blue", "coat"], ["red", "coat"]][top[0]])
    engine.store.block(top[1])
    after = engine.search("red coat").hits.video.tolist()
    assert dup not in after and top[1] not in after and after[0] == top[0]
