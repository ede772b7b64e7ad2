"""Property tests of chapter 4's text package and video search (the contract of tests/contracts/_contract.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from contracts._contract import (
    BAD,
    Case,
    finite_array,
    finite_dict,
    probability,
)
from hypothesis import strategies as st

from mlsd_lib import ann
from mlsd_lib.text import hashing as H
from mlsd_lib.text import index as IX
from mlsd_lib.text import normalize as N
from mlsd_lib.text import tokenize as TK
from mlsd_lib.text import vectorize as V
from mlsd_lib.text import word2vec as W2V
from mlsd_lib.video_search import corpus as C
from mlsd_lib.video_search import encoders as E
from mlsd_lib.video_search import engine as S
from mlsd_lib.video_search import evaluation as EV
from mlsd_lib.video_search import fingerprint as FP
from mlsd_lib.video_search import online as O
from mlsd_lib.video_search import system as SY
from mlsd_lib.video_search import tagging as T
from mlsd_lib.visual_search.services import IndexingService

# text arguments: not a string; token lists: not a list of strings
BAD.setdefault("text", lambda v: [None, 3, b"bytes", ["a"]])
BAD.setdefault("tokens", lambda v: [None, "a b", [1, 2], b"x"])
BAD.setdefault("token_lists", lambda v: [None, "a b", [["a"], "b"], [[1]], 3])
BAD.setdefault("texts", lambda v: [None, "a b", [1], 3])
BAD.setdefault("attrs", lambda v: [None, {}, {"label": 0}, "red"])

WORDS = st.sampled_from(["red", "sneakers", "Montréal", "walking", "DOG!", "bag,", "東京", "", "the", "coat"])
TEXT = st.lists(WORDS, max_size=6).map(" ".join)
TOKENS = st.lists(st.sampled_from(["red", "bag", "coat", "blue", "sneaker", "z"]), max_size=6)
DOCS = st.lists(TOKENS, min_size=1, max_size=6)


def _str_list(r, kw):
    assert isinstance(r, list) and all(isinstance(t, str) and t for t in r)


TEXT_CASES = [
    Case(N.strip_accents, TEXT.map(lambda t: {"text": t}),
         lambda r, kw: isinstance(r, str) and not any(c in r for c in "éè") or pytest.fail(r), {"text": "text"}),
    Case(N.light_stem, WORDS.map(lambda w: {"word": w}),
         lambda r, kw: (isinstance(r, str) and len(r) <= len(kw["word"])) or pytest.fail(r), {"word": "text"}),
    Case(N.normalize_text, TEXT.map(lambda t: {"text": t, "stem": True}),
         lambda r, kw: (r == r.lower().strip() and "  " not in r) or pytest.fail(r), {"text": "text"}),
    Case(TK.word_tokenize, TEXT.map(lambda t: {"text": t}), _str_list, {"text": "text"}),
    Case(TK.char_tokenize, TEXT.map(lambda t: {"text": t}),
         lambda r, kw: all(len(c) == 1 for c in r) or pytest.fail(r), {"text": "text"}),
    Case(TK.BPETokenizer, st.lists(TEXT, min_size=1, max_size=5).map(lambda ts: {"texts": ts + ["red bag"], "query": ts[0]}),
         _str_list, {"texts": "texts", "query": ("text", "text")},
         call=lambda kw: TK.BPETokenizer(30).fit(kw["texts"]).tokenize(kw["query"])),
    Case(H.hash_ids, TOKENS.map(lambda t: {"tokens": t, "n_buckets": 64}),
         lambda r, kw: finite_array(r, 0, 63, shape=(len(kw["tokens"]),)), {"tokens": "tokens", "n_buckets": "count"}),
    Case(H.collision_rate, TOKENS.filter(bool).map(lambda t: {"tokens": t, "n_buckets": 4}),
         lambda r, kw: probability(r), {"tokens": "tokens", "n_buckets": "count"}),
    Case(H.Vocabulary, DOCS.map(lambda d: {"docs": d, "tokens": d[0]}),
         lambda r, kw: finite_array(r, 0), {"docs": "token_lists", "tokens": "tokens"},
         call=lambda kw: H.Vocabulary().fit(kw["docs"]).ids(kw["tokens"])),
    Case(V.TextVectorizer, DOCS.map(lambda d: {"docs": d, "weighting": "tfidf"}),
         lambda r, kw: finite_array(r.toarray(), 0, 1), {"docs": "token_lists", "weighting": "choice"},
         call=lambda kw: V.TextVectorizer(kw["weighting"]).fit_transform(kw["docs"])),
    Case(IX.InvertedIndex, DOCS.map(lambda d: {"docs": d, "query": d[0] + ["red"], "k": 3}),
         lambda r, kw: finite_array(r[1], 0), {"docs": "token_lists", "query": "tokens", "k": "count"},
         call=lambda kw: _index_search(kw)),
]


def _index_search(kw):
    idx = IX.InvertedIndex()
    idx.add(kw["docs"])
    return idx.search(kw["query"], kw["k"])


ATTRS = st.fixed_dictionaries({"label": st.integers(0, 9), "colour": st.sampled_from(list(C.COLOURS)),
                               "direction": st.sampled_from(list(C.DIRECTIONS)), "speed": st.sampled_from(list(C.SPEEDS)),
                               "background": st.sampled_from(list(C.BACKGROUNDS)), "topic": st.sampled_from(list(C.TOPICS))})
IMAGE = np.full((28, 28), 200, np.uint8)

CORPUS = [
    Case(C.UploadHabits, st.floats(0, 1).map(lambda p: {"missing_tags": p}),
         lambda r, kw: probability(r.missing_tags), {"missing_tags": "prob"}),
    Case(C.render_background, st.sampled_from(list(C.BACKGROUNDS)).map(lambda b: {"name": b, "size": 8, "rng": np.random.default_rng(0)}),
         lambda r, kw: finite_array(r, 0, 1, shape=(8, 8, 3)), {"name": "choice", "size": "count"}),
    Case(C.render_clip, ATTRS.map(lambda a: {"image": IMAGE, "colour": a["colour"], "direction": a["direction"],
                                             "speed": a["speed"], "background": a["background"], "n_frames": 3}),
         lambda r, kw: finite_array(r, 0, 255, shape=(3, 32, 32, 3)),
         {"image": "array", "colour": "choice", "direction": "choice", "n_frames": "count"}, examples=5),
    Case(C.describe_upload, ATTRS.map(lambda a: {"attrs": a, "rng": np.random.default_rng(0)}),
         lambda r, kw: (isinstance(r[0], str) and isinstance(r[1], list)) or pytest.fail(str(r)), {"attrs": "attrs"}),
    Case(C.make_query, ATTRS.map(lambda a: {"attrs": a, "rng": np.random.default_rng(1), "paraphrase": True}),
         lambda r, kw: (isinstance(r, str) and r) or pytest.fail(r), {"attrs": "attrs", "rng": ("seed", "rng")}),
    Case(C.reverse_query, ATTRS.map(lambda a: {"query": C.make_query(a, np.random.default_rng(2)), "direction": a["direction"]}),
         lambda r, kw: isinstance(r, str) or pytest.fail(r), {"query": "text", "direction": "choice"}),
    Case(C.make_video_corpus, st.integers(2, 4).map(lambda n: {"images": np.repeat(IMAGE[None], n + 1, 0),
                                                              "labels": np.arange(n + 1) % 10,
                                                              "split_sizes": {"train": n, "test": 1}, "n_frames": 2}),
         lambda r, kw: (isinstance(r, C.VideoCorpus) and len(r.meta) == len(r.clips)
                        and len(r.text()) == len(r.meta)) or pytest.fail("corpus"),
         {"images": "array", "labels": "int_values", "split_sizes": "count"}, covers=(C.VideoCorpus,), examples=3),
]

CLIPS = st.integers(1, 3).map(lambda n: {"clips": np.random.default_rng(n).integers(0, 255, (n, 4, 16, 16, 3)).astype(np.uint8)})


def _tower_case(cls, make_input, **kw):
    return Case(cls, st.integers(1, 3).map(lambda n: {"n": n}),
                lambda r, _: finite_array(r.detach().numpy(), shape=(r.shape[0], 4)), {},
                call=lambda a: cls(**kw, dim=4)(make_input(a["n"])), examples=2)


ENCODERS = [
    Case(E.reset_weights, st.integers(0, 100).map(lambda s: {"model": E.SparseTextTower(4, dim=3), "seed": s}),
         lambda r, kw: None if torch.isfinite(r.linear.weight).all() else pytest.fail("non-finite weights"),
         {"seed": "seed"}, examples=5),
    Case(E.preprocess_clips, CLIPS.map(lambda kw: {**kw, "n_frames": 2}),
         lambda r, kw: finite_array(r.numpy(), shape=(len(kw["clips"]), 3, 2, 16, 16)),
         {"clips": "array", "n_frames": "cutoff"}),
    Case(E.motion_track, CLIPS.map(lambda kw: {"x": E.preprocess_clips(kw["clips"])}),
         lambda r, kw: finite_array(r.numpy(), -1, 1, shape=(len(kw["x"]), 3, 2)), {"x": "tensor"}),
    _tower_case(E.FrameEncoder, lambda n: torch.zeros(n, 3, 2, 16, 16)),
    _tower_case(E.TwoStreamEncoder, lambda n: torch.zeros(n, 3, 4, 16, 16), n_frames=4),
    _tower_case(E.SpatioTemporalEncoder, lambda n: torch.zeros(n, 3, 4, 16, 16)),
    _tower_case(E.SparseTextTower, lambda n: torch.zeros(n, 5), n_features=5),
    _tower_case(E.EmbeddingBagTower, lambda n: torch.ones(n, 3, dtype=torch.long), n_tokens=5),
    _tower_case(E.TransformerTower, lambda n: torch.ones(n, 3, dtype=torch.long), n_tokens=5, max_len=4, heads=2),
    _tower_case(E.ProjectionTower, lambda n: torch.zeros(n, 6), in_dim=6),
    Case(E.pad_ids, DOCS.map(lambda d: {"token_lists": d, "max_len": 4}),
         lambda r, kw: finite_array(r.numpy(), 0, shape=(len(kw["token_lists"]), 4)),
         {"token_lists": "token_lists", "max_len": "count"},
         call=lambda kw: E.pad_ids(kw["token_lists"], H.Vocabulary().fit([["red", "bag"]]), kw["max_len"])),
    Case(E.train_dual_encoder, st.integers(3, 5).map(lambda n: {"text_x": torch.eye(n), "pair_video": np.arange(n),
                                                                "video_x": torch.eye(n), "epochs": 2, "batch_size": n,
                                                                "lr": 1e-2}),
         lambda r, kw: finite_array(np.array(r.train_loss), 0, shape=(2,)),
         {"pair_video": "ids", "epochs": "count", "batch_size": "count", "lr": "pos"},
         call=lambda kw: E.train_dual_encoder(E.SparseTextTower(len(kw["text_x"]), len(kw["text_x"])), **kw),
         examples=2, bad_examples=1),
    Case(E.embed, st.integers(1, 4).map(lambda n: {"x": torch.rand(n, 3), "batch_size": 2}),
         lambda r, kw: finite_array(r, -1, 1, shape=(len(kw["x"]), 2)), {"batch_size": "count"},
         call=lambda kw: E.embed(E.SparseTextTower(3, 2), **kw)),
    Case(E.count_macs, st.integers(1, 4).map(lambda n: {"x": torch.zeros(1, n)}),
         lambda r, kw: (isinstance(r, int) and r == 2 * kw["x"].shape[1]) or pytest.fail(str(r)), {},
         call=lambda kw: E.count_macs(torch.nn.Linear(kw["x"].shape[1], 2), kw["x"])),
]

HITS = st.integers(1, 5).map(lambda n: {"text_ids": np.arange(n), "text_scores": np.linspace(1, 2, n),
                                        "visual_ids": np.arange(1, n + 2), "visual_scores": np.linspace(0.1, 0.9, n + 1),
                                        "weight": 0.5})


def _engine(kw):
    vecs = np.eye(4, dtype="float32")
    idx = IX.InvertedIndex()
    idx.add([["red", "bag"], ["blue", "coat"], ["red", "coat"], ["bag"]])
    store = IndexingService(ann.build("flat", vecs, "ip"), vecs)
    eng = S.VideoSearchEngine(idx, lambda q: q.lower().split(), lambda q: vecs[2], store, weight=kw["weight"], candidates=3)
    out = eng.search(kw["query"], kw["k"])
    eng.add_video(vecs[0], ["new"])
    return out


SEARCH = [
    Case(S.normalize_scores, st.lists(st.floats(-5, 5), min_size=1, max_size=6).map(lambda s: {"scores": np.array(s)}),
         lambda r, kw: finite_array(r, 0, 1), {"scores": "array"}),
    Case(S.fuse_candidates, HITS, lambda r, kw: finite_array(r[["fused", "text", "visual"]].to_numpy(), 0, 1),
         {"text_ids": "int_values", "visual_ids": "int_values", "weight": "prob"}),
    Case(S.fused_ranks, HITS.map(lambda kw: {**kw, "targets": np.array([1])}), lambda r, kw: (r >= 1).all() or pytest.fail(str(r)), {"targets": "int_values", "weight": "prob"},
         call=lambda kw: S.fused_ranks([(kw["text_ids"], kw["text_scores"])], [(kw["visual_ids"], kw["visual_scores"])],
                                       kw["targets"], kw["weight"])),
    Case(S.ranks_from_scores, st.integers(2, 5).map(lambda n: {"scores": np.random.default_rng(n).random((3, n)),
                                                               "targets": np.array([0, 1, n - 1])}),
         lambda r, kw: finite_array(r, 1, kw["scores"].shape[1]), {"scores": "array", "targets": "int_values"}),
    Case(S.rank_metrics, st.lists(st.integers(1, 30), min_size=1, max_size=8).map(lambda r: {"ranks": np.array(r, float)}),
         lambda r, kw: finite_dict(r, 0, 1), {}),
    Case(S.target_ranks, st.integers(1, 4).map(lambda n: {"ranked_ids": [list(range(n))] * 2, "targets": np.array([0, n])}),
         lambda r, kw: (r[0] == 1 and np.isinf(r[1])) or pytest.fail(str(r)), {"targets": "int_values"}),
    Case(S.VideoSearchEngine, st.sampled_from(["red coat", "", "?!", "東京", "bag " * 80]).map(
        lambda q: {"query": q, "k": 2, "weight": 0.5}),
         lambda r, kw: (isinstance(r, S.SearchResponse) and len(r.hits) <= 2) or pytest.fail(str(r)),
         {"query": "text", "k": "count", "weight": "prob"}, call=_engine, covers=(S.SearchResponse,), examples=5),
    Case(FP.clip_fingerprints, st.tuples(st.integers(1, 4), st.integers(0, 3)).map(
        lambda t: {"clips": np.random.default_rng(t[1]).integers(0, 256, (t[0], 2, 4, 4, 3)).astype(np.uint8)}),
         lambda r, kw: (finite_array(r, -1, 1, shape=(len(kw["clips"]), 96)),
                        np.allclose(np.linalg.norm(r, axis=1), 1, atol=1e-4) or pytest.fail("rows not unit")) and None,
         {"clips": "array"}),
    Case(T.AutoTagger, st.integers(0, 3).map(lambda s: {"embeddings": np.random.default_rng(s).normal(size=(12, 3)),
                                                        "meta": pd.DataFrame({"label": [0, 7] * 6, "colour": ["red", "blue"] * 6,
                                                                              "background": ["beach", "night"] * 6})}),
         lambda r, kw: (len(r) == 12 and all(len(t) == 4 for t in r)) or pytest.fail(str(r)),
         {"embeddings": "array", "meta": "frame"},
         call=lambda kw: T.AutoTagger().fit(kw["embeddings"], kw["meta"]).tags(kw["embeddings"]), examples=3),
    Case(O.simulate_sessions, st.integers(1, 4).map(lambda n: {"relevance": np.eye(n, 5, dtype=int),
                                                               "clickbait": np.zeros((n, 5), int), "seed": 0,
                                                               "position_decay": 0.85}),
         lambda r, kw: (probability(r.ctr.mean()), finite_array(r.watch_s.to_numpy(), 0)) and None,
         {"relevance": "labels", "clickbait": "labels", "position_decay": "prob"},
         call=lambda kw: O.simulate_sessions(**kw)),
]

_SMALL_CORPUS = C.make_video_corpus(np.random.default_rng(0).integers(0, 255, (12, 28, 28)), np.arange(12) % 10,
                                   {"train": 8, "validation": 2, "test": 2}, n_frames=4)
SCORES_AND_SETS = st.integers(2, 6).map(lambda n: {"scores": np.random.default_rng(n).random((3, n)),
                                                    "relevant": [[0], [1, n - 1], []]})

EVALUATION = [
    Case(C.compose_query, ATTRS.map(lambda a: {"attrs": a, "rng": np.random.default_rng(1)}),
         lambda r, kw: (isinstance(r[0], str) and r[1]["label"] == kw["attrs"]["label"]
                        and all(kw["attrs"][k] == v for k, v in r[1].items())) or pytest.fail(str(r)),
         {"attrs": "attrs", "rng": ("seed", "rng")}),
    Case(C.VideoCorpus.relevant, st.integers(2, 4).map(lambda n: {"n": n}),
         lambda r, kw: all(len(x) >= 1 for x in r) or pytest.fail(str(r)), {},
         call=lambda kw: C.make_video_corpus(np.repeat(IMAGE[None], kw["n"] + 1, 0), np.arange(kw["n"] + 1) % 10,
                                             {"train": kw["n"], "test": 1}, n_frames=2).relevant([0, 1], [0, 1]),
         examples=2),
    Case(W2V.Word2Vec, st.integers(0, 3).map(lambda s: {"seed": s}),
         lambda r, kw: (finite_array(r[0], shape=(2, 4)), (r[0][1] == 0).all() or pytest.fail("unknown word"),
                        len(r[1]) == 2 or pytest.fail(str(r[1]))) and None,
         {"seed": "seed"},
         call=lambda kw: (lambda m: (m.transform([["red", "bag"], ["zebra"]]), m.most_similar("red", 2)))(
             W2V.Word2Vec(dim=4, epochs=2, **kw).fit([["red", "bag"], ["blue", "bag"], ["red", "coat"]])),
         examples=3, bad_examples=1),
    Case(C.inject_wrong_tags, st.floats(0, 1).map(lambda r: {"tags": [["bag", "red"], [], ["tee"]], "labels": [8, 1, 0],
                                                             "rate": r, "seed": 0}),
         lambda r, kw: (len(r[0]) == 3 and r[0][1] == [] and not r[1][1]) or pytest.fail(str(r)),
         {"labels": "int_values", "rate": "prob", "seed": "seed"}),
    Case(EV.ranked_relevance, SCORES_AND_SETS, lambda r, kw: finite_array(r, 0, 1, shape=kw["scores"].shape),
         {"scores": "array"}),
    Case(EV.first_relevant_ranks, SCORES_AND_SETS,
         lambda r, kw: (r[0] >= 1 and np.isinf(r[2])) or pytest.fail(str(r)), {"scores": "array"}),
    Case(EV.fused_lists, HITS, lambda r, kw: (len(r) == 1 and len(np.unique(r[0])) == len(r[0])) or pytest.fail(str(r)),
         {"weight": "prob"},
         call=lambda kw: EV.fused_lists([(kw["text_ids"], kw["text_scores"])], [(kw["visual_ids"], kw["visual_scores"])],
                                        kw["weight"])),
    Case(EV.lists_relevance, st.integers(1, 4).map(lambda n: {"ranked_ids": [list(range(n)), [n]], "relevant": [[0], [9]]}),
         lambda r, kw: (r[0, 0] == 1 and r[1].sum() == 0) or pytest.fail(str(r)), {}),
    Case(EV.first_relevant_in_lists, st.integers(1, 4).map(lambda n: {"ranked_ids": [list(range(n))] * 2,
                                                                     "relevant": [[n - 1], [n]]}),
         lambda r, kw: (r[0] == len(kw["ranked_ids"][0]) and np.isinf(r[1])) or pytest.fail(str(r)), {}),
    Case(SY.build_search_system, st.integers(0, 2).map(lambda s: {"seed": s}),
         lambda r, kw: (isinstance(r, SY.SearchSystem) and 0 <= r.weight <= 1 and len(r.catalogue) == 2)
         or pytest.fail(str(r)), {"seed": "seed"},
         call=lambda kw: SY.build_search_system(_SMALL_CORPUS, dim=4, epochs=1, **kw),
         covers=(SY.SearchSystem, SY.train_search_towers), examples=2, bad_examples=1),
    Case(EV.popularity_buckets, st.lists(st.floats(0, 100), min_size=1, max_size=8).map(lambda p: {"popularity": np.array(p)}),
         lambda r, kw: (len(r) == len(kw["popularity"]) and set(r) <= {"head", "torso", "tail"}) or pytest.fail(str(r)),
         {"popularity": "array"}),
    Case(C.VideoCorpus.query_popularity, st.floats(0, 2).map(lambda e: {"exponent": e}),
         lambda r, kw: finite_array(r, 0, shape=(3,)), {"exponent": "nonneg_float"},
         call=lambda kw: _SMALL_CORPUS.query_popularity([0, 1, 2], **kw), examples=3, bad_examples=1),
    Case(EV.set_metrics, st.integers(1, 5).map(lambda k: {"relevance": np.array([[1, 0, 1, 0], [0, 0, 0, 0]]),
                                                          "relevant": [[0, 1, 2], [3]], "k": k}),
         lambda r, kw: finite_array(r.to_numpy(), 0, 1, shape=(2, 4)), {"relevance": "array", "k": "count"}),
]

ALL = TEXT_CASES + CORPUS + ENCODERS + SEARCH + EVALUATION


