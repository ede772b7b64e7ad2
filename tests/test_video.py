"""Chapter 4's video search: the planted corpus, the towers, the fusing layer and the engine."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from mlsd_lib import ann
from mlsd_lib.metrics import mean_reciprocal_rank
from mlsd_lib.text import InvertedIndex, word_tokenize
from mlsd_lib.video_search import corpus as vc
from mlsd_lib.video_search import encoders as ve
from mlsd_lib.video_search.engine import (
    VideoSearchEngine,
    fuse_candidates,
    fused_ranks,
    rank_metrics,
    ranks_from_scores,
    target_ranks,
)
from mlsd_lib.video_search.online import simulate_sessions
from mlsd_lib.visual_search.services import IndexingService


@pytest.fixture(scope="module")
def corpus():
    x = np.random.default_rng(0).integers(0, 255, (60, 28, 28)).astype(np.uint8)
    return vc.make_video_corpus(x, np.arange(60) % 10, {"train": 40, "validation": 10, "test": 10}, seed=3)


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


def test_frame_level_model_cannot_tell_a_clip_from_its_reverse():
    torch.manual_seed(0)
    x = torch.randn(3, 3, 8, 32, 32)
    frame, video = ve.FrameEncoder(8), ve.TwoStreamEncoder(8)
    sampled = x[:, :, [0, 2, 5, 7]]
    torch.testing.assert_close(frame(sampled), frame(sampled.flip(2)), atol=1e-5, rtol=0)
    assert not torch.allclose(video(x), video(x.flip(2)), atol=1e-4)


def test_motion_track_points_the_way_the_item_moves():
    img = np.full((28, 28), 255, np.uint8)
    for d, (dy, dx) in {"left": (0, -1), "right": (0, 1), "up": (-1, 0), "down": (1, 0)}.items():
        clip = ve.preprocess_clips(vc.render_clip(img, "white", d, "fast", "night", seed=1)[None])
        step = ve.motion_track(clip)[0].sum(0).numpy()
        assert np.where(np.abs(step) > 0.05, np.sign(step), 0).tolist() == [dy, dx], (d, step)


def test_video_level_costs_more_macs_than_sampled_frames():
    frame, video = ve.FrameEncoder(8), ve.TwoStreamEncoder(8)
    m_frame = ve.count_macs(frame, torch.zeros(1, 3, 4, 32, 32))
    m_video = ve.count_macs(video, torch.zeros(1, 3, 8, 32, 32))
    assert 1.9 < m_video / m_frame < 2.2


def test_reversed_pairs_need_a_video_tower_and_matching_shape():
    with pytest.raises(ValueError, match="reverse_text_x"):
        ve.train_dual_encoder(ve.SparseTextTower(3, 3), torch.eye(3), [0, 1, 2], video_x=torch.eye(3),
                              reverse_text_x=torch.eye(3))
    with pytest.raises(ValueError, match="video_x"):
        ve.train_dual_encoder(ve.SparseTextTower(3, 3), torch.eye(3), [0, 1, 2])


def test_joint_training_with_reversed_clips_runs_and_learns():
    torch.manual_seed(0)
    clips = torch.randn(8, 3, 4, 16, 16)
    h = ve.train_dual_encoder(ve.SparseTextTower(8, 4), torch.eye(8), np.arange(8), video_tower=ve.TwoStreamEncoder(4, n_frames=4),
                              video_x=clips, reverse_text_x=torch.eye(8).roll(1, 0), epochs=15, batch_size=8, seed=0)
    assert h.train_loss[-1] < h.train_loss[0]


def test_same_seed_same_model_whatever_was_built_before():
    def train(seed, draws_before):
        torch.manual_seed(draws_before)
        torch.randn(draws_before + 1)                      # other code drew from the global generator
        text_tower, video_tower = ve.TransformerTower(10, dim=8, max_len=4), ve.TwoStreamEncoder(8, n_frames=4)
        ve.train_dual_encoder(text_tower, torch.arange(1, 9).reshape(4, 2), np.arange(4), video_tower=video_tower,
                              video_x=clips, epochs=2, batch_size=4, seed=seed)
        return torch.cat([p.flatten() for p in [*text_tower.parameters(), *video_tower.parameters()]])

    clips = torch.randn(4, 3, 4, 16, 16)
    state = torch.random.get_rng_state()
    assert torch.equal(train(3, 0), train(3, 5))
    assert not torch.equal(train(3, 0), train(4, 0))
    torch.random.set_rng_state(state)


def test_reset_weights_redraws_every_layer_and_keeps_the_global_generator():
    a, b = ve.TransformerTower(10, dim=8, max_len=4), ve.TransformerTower(10, dim=8, max_len=4)
    state = torch.random.get_rng_state()
    ve.reset_weights(a, 1), ve.reset_weights(b, 1)
    assert torch.equal(torch.random.get_rng_state(), state)
    for (name, pa), pb in zip(a.named_parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb), name
    assert a.tok.weight[0].abs().sum() == 0                 # the padding row stays zero
    with pytest.raises(TypeError, match="reinit"):
        ve.train_dual_encoder(ve.SparseTextTower(3, 3), torch.eye(3), [0, 1, 2], video_x=torch.eye(3), reinit=1)
    with pytest.raises(TypeError, match="model"):
        ve.reset_weights("not a model", 0)


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


def test_clickbait_raises_ctr_but_not_completions():
    rel = np.zeros((4000, 10), int)
    plain = simulate_sessions(rel, np.zeros_like(rel), seed=0)
    bait = simulate_sessions(rel, np.ones_like(rel), seed=0)
    assert bait.ctr.mean() > plain.ctr.mean() + 0.3
    assert bait.completions.sum() / bait.clicks.sum() < 0.15


def test_search_box_refreshes_with_the_query_and_weight():
    from mlsd_lib.video_search.widgets import search_box
    calls = []
    w = search_box(lambda q, wt: calls.append((q, wt)) or pd.DataFrame({"q": [q]}), "red", 0.3)
    box, knob = w.children[0].children
    box.value = "blue coat"
    knob.value = 0.8
    assert calls == [("red", 0.3), ("blue coat", 0.3), ("blue coat", 0.8)]
    with pytest.raises(ValueError, match="weight"):
        search_box(lambda q, wt: None, "", 2.0)


def test_set_metrics_match_sklearn_and_brute_force_per_query():
    import sklearn.metrics as skm

    from mlsd_lib.video_search import evaluation as ev

    rng = np.random.default_rng(4)
    scores = rng.random((40, 25))                       # continuous: no ties, so the order is unique
    relevant = [rng.choice(25, size=rng.integers(1, 8), replace=False) for _ in range(40)]
    table = ev.set_metrics(ev.ranked_relevance(scores, relevant), relevant, k=5)
    for i, (s, r) in enumerate(zip(scores, relevant, strict=True)):
        mask = np.isin(np.arange(25), r)
        top5 = np.argsort(-s)[:5]
        assert table["ap"][i] == pytest.approx(skm.average_precision_score(mask, s), abs=1e-12)
        assert table["precision@5"][i] == pytest.approx(mask[top5].sum() / 5)
        assert table["recall@5"][i] == pytest.approx(mask[top5].sum() / len(r))
        assert table["rr"][i] == pytest.approx(1 / (1 + np.flatnonzero(mask[np.argsort(-s)])[0]))
    with pytest.raises(ValueError, match="one set per query"):
        ev.set_metrics(np.zeros((2, 3)), [[0]])


def test_first_relevant_ranks_with_one_relevant_video_are_the_target_ranks():
    from mlsd_lib.video_search import evaluation as ev

    s = np.random.default_rng(5).integers(0, 4, (30, 12)).astype(float)   # many ties: they count against
    t = np.random.default_rng(6).integers(0, 12, 30)
    for positive in (False, True):
        np.testing.assert_array_equal(ev.first_relevant_ranks(s, [[x] for x in t], require_positive=positive),
                                      ranks_from_scores(s, t, require_positive=positive))
    lists = [np.argsort(-row, kind="stable") for row in s]
    np.testing.assert_array_equal(ev.first_relevant_in_lists(lists, [[x] for x in t]), target_ranks(lists, t))
    hits = [(np.array([3, 1]), np.array([8.0, 2.0]))]
    vis = [(np.array([1, 5]), np.array([0.9, 0.5]))]
    np.testing.assert_array_equal(ev.first_relevant_in_lists(ev.fused_lists(hits, vis, 0.5), [[5]]),
                                  fused_ranks(hits, vis, [5], 0.5))


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
