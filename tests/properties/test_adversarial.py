"""Adversarial property tests: the inputs a careful user passes by mistake (issue 26).

Each numbered case of the issue has a regression test here (``test_case01_...`` to
``test_case10_...``, then the smaller ones); each draws its bad input from the shared
families of tests/contracts/_contract.py (strings for sequences, flat or malformed boxes, ids out of
range, negative, fractional or boolean, float64 and int input, huge finite values, sizes at
their edges). Stateful objects are covered by tests/properties/test_stateful.py.
"""

from __future__ import annotations

import functools
import tempfile

import numpy as np
import pandas as pd
import pytest
import torch
from contracts._contract import (
    COVERED,
    HUGE,
    PROFILE,
    bad_ids,
    floats_array,
    malformed_boxes,
    numeric_dtypes,
    qualname,
    refuses_or_finite,
    rejects,
    string_for_sequence,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsd_lib import _validation as V
from mlsd_lib import ann
from mlsd_lib.detection import anchors as AN
from mlsd_lib.detection import blur as BLUR
from mlsd_lib.detection import boxes as BX
from mlsd_lib.detection import mining as MI
from mlsd_lib.detection import models as MO
from mlsd_lib.detection import pipeline as PL
from mlsd_lib.detection import roi as ROI
from mlsd_lib.detection import scenes as SC
from mlsd_lib.moderation import enforcement as EN
from mlsd_lib.moderation import features as FE
from mlsd_lib.moderation import simulator as SI
from mlsd_lib.recsys import rating_baseline as RB
from mlsd_lib.serving import capacity_estimate
from mlsd_lib.text import InvertedIndex
from mlsd_lib.video_search import corpus as C
from mlsd_lib.video_search import encoders as E
from mlsd_lib.video_search import engine as S
from mlsd_lib.video_search import tagging as T
from mlsd_lib.vision import augment as AU
from mlsd_lib.visual_search.services import IndexingService

# the shared checks of _validation are public helpers: these tests are their property tests
for _f in (V.check_boxes, V.check_names, V.check_selection):
    COVERED.add(qualname(_f))

FEW = settings(PROFILE, max_examples=8)
ATTRS = {"label": 7, "colour": "red", "direction": "left", "speed": "fast", "background": "beach", "topic": "review"}


@functools.cache
def posts():
    return SI.simulate_posts(60, n_images=20, seed=0)


def _engine():
    vecs = np.eye(4, dtype="float32")
    idx = InvertedIndex()
    idx.add([["red", "bag"], ["blue", "coat"], ["red", "coat"], ["bag"]])
    store = IndexingService(ann.build("flat", vecs, "ip"), vecs)
    return S.VideoSearchEngine(idx, lambda q: q.lower().split(), lambda q: vecs[2], store, weight=0.5, candidates=3)


# ------------------------------------------------------------------------ 1. state kept


@FEW
@given(st.one_of(st.text(max_size=5), st.integers(), st.just(None), st.just([1, 2])),
       st.sampled_from(["tokens", "embedding"]))
def test_case01_a_rejected_add_video_leaves_the_engine_usable(bad, which):
    eng = _engine()
    emb, tokens = np.eye(4, dtype="float32")[1], ["new", "coat"]
    if which == "tokens":
        tokens = bad
    else:
        emb = np.ones(7) if bad is None else bad
    rejects(lambda: eng.add_video(emb, tokens), which, bad)
    assert eng.store.index.ntotal == eng.text_index.n_docs == 4
    assert eng.add_video(np.eye(4, dtype="float32")[1], ["new"]) == 4       # was "the two indexes disagree"
    assert 4 in eng.search("new", k=5).hits.video.tolist()


# ------------------------------------------------------------ 2. strings are not sequences


@FEW
@given(string_for_sequence(SI.HARM_CLASSES))
def test_case02_realtime_classes_refuse_a_bare_string(name):
    p = posts()
    pol = EN.EnforcementPolicy([0.9] * 5, [0.5] * 5)
    rejects(lambda: EN.simulate_platform(p, p.hand_labels * 0.95, pol, review_budget=5, realtime_classes=name),
            "realtime_classes", name)


def test_case02_realtime_classes_refuse_a_misspelt_class():
    p = posts()
    pol = EN.EnforcementPolicy([0.9] * 5, [0.5] * 5)
    with pytest.raises(ValueError, match="realtime_classes.*violense"):
        EN.simulate_platform(p, p.hand_labels * 0.95, pol, review_budget=5, realtime_classes=("violense",))
    as_list = EN.simulate_platform(p, p.hand_labels * 0.95, pol, review_budget=5, realtime_classes=["violence"])
    as_tuple = EN.simulate_platform(p, p.hand_labels * 0.95, pol, review_budget=5, realtime_classes=("violence",))
    assert all(np.array_equal(as_list[k], as_tuple[k]) for k in as_tuple if k != "reports")
    with pytest.raises(TypeError, match="class_names"):
        EN.EnforcementPolicy([0.9] * 2, [0.5] * 2, class_names="ab")


# ---------------------------------------------------- 3, 4. box arrays are (n, 4) xyxy boxes


def _box_calls():
    img = np.random.default_rng(0).random((32, 32))
    feats = torch.randn(1, 2, 8, 8)
    theta = torch.tensor([[0.8, 0.1, 0.1], [-0.1, 0.8, 0.0]])
    anchors = AN.make_anchors(4, 8, [(8, 8)])
    return {
        "blur_regions": (lambda b: BLUR.blur_regions(img, b), "boxes"),
        "transform_boxes": (lambda b: AU.transform_boxes(b, theta, 32, 32), "boxes"),
        "augment_with_boxes": (lambda b: AU.augment_with_boxes(np.zeros((1, 32, 32), np.float32), [b]), "boxes[0]"),
        "decode_boxes(anchors)": (lambda b: BX.decode_boxes(np.zeros((len(np.atleast_2d(b)), 4)), b), "anchors"),
        "encode_boxes": (lambda b: BX.encode_boxes(b, b), "boxes"),
        "box_iou": (lambda b: BX.box_iou(b, [[0, 0, 4, 4]]), "a"),
        "xyxy_to_xywh": (lambda b: BX.xyxy_to_xywh(b), "boxes"),
        "match_anchors(anchors)": (lambda b: AN.match_anchors(b, np.zeros((0, 4)), np.zeros(0, int)), "anchors"),
        "match_anchors(gt_boxes)": (lambda b: AN.match_anchors(anchors, b, np.ones(len(np.atleast_2d(b)), int)),
                                    "gt_boxes"),
        "roi_align": (lambda b: ROI.roi_align(feats, np.c_[np.zeros(len(np.atleast_2d(b))), np.atleast_2d(b)]),
                      "rois"),
        "roi_pool": (lambda b: ROI.roi_pool(feats, np.c_[np.zeros(len(np.atleast_2d(b))), np.atleast_2d(b)]),
                     "rois"),
        "identity_leak": (lambda b: BLUR.identity_leak([np.zeros((16, 16))] * len(np.atleast_2d(b)), b,
                                                        np.zeros(len(np.atleast_2d(b)), int), np.ones((2, 4, 4)),
                                                        [(None, 0)]), "boxes"),
    }


@pytest.mark.parametrize("fn", list(_box_calls()))
def test_case03_04_malformed_boxes_are_refused(fn):
    call, name = _box_calls()[fn]

    @FEW
    @given(malformed_boxes())
    def inner(bad):
        # roi_* take (n, 5) rows; a flat array or a (4, n) one is refused for its shape already
        if name == "rois" and (bad.ndim == 1 or bad.shape[1] != 4):
            return
        rejects(lambda: call(bad), name, bad)

    inner()


def test_case03_flat_numbers_are_not_boxes():
    img = np.zeros((16, 16))
    with pytest.raises(ValueError, match="boxes must be an \\(n, 4\\)"):
        BLUR.blur_regions(img, np.arange(8.0))                       # was read as 2 boxes
    with pytest.raises(ValueError, match="boxes must be an \\(n, 4\\)"):
        AU.transform_boxes(np.ones((4, 5)), torch.eye(2, 3), 16, 16)  # was read as 5 boxes
    assert BLUR.blur_regions(img, [2, 2, 6, 6]).shape == (16, 16)    # one flat box is still one box


def test_case04_decode_boxes_never_returns_a_malformed_box():
    with pytest.raises(ValueError, match="anchors must be xyxy"):
        BX.decode_boxes([[0.0, 0, 0, 0]], [[4, 0, 0, 4]])
    with pytest.raises(ValueError, match="deltas"):
        BX.decode_boxes([[1e300, 0, 0, 0]], [[0, 0, 1e10, 4]])


@FEW
@given(st.integers(1, 4).flatmap(lambda n: floats_array((n, 4), -1e3, 1e3)), floats_array((4, 4), 0, 20))
def test_case04_decoded_boxes_are_ordered_and_finite(deltas, raw):
    anchors = np.c_[raw[:, :2], raw[:, :2] + raw[:, 2:]][: len(deltas)]
    deltas = deltas[: len(anchors)]
    out = BX.decode_boxes(deltas, anchors)
    assert np.isfinite(out).all() and (out[:, 2] >= out[:, 0]).all() and (out[:, 3] >= out[:, 1]).all()


# ----------------------------------------------------------------------- 5. ids are checked


@FEW
@given(bad_ids(60))
def test_case05_posts_subset_refuses_bad_ids(bad):
    p = posts()
    rejects(lambda: p.subset([bad]), "idx", bad)


def test_case05_posts_subset_masks_and_positions():
    p = posts()
    with pytest.raises(ValueError, match="idx"):
        p.subset(np.ones(len(p) - 1, bool))                            # a mask of the wrong length
    assert len(p.subset(np.arange(len(p)) < 3)) == 3
    assert p.subset([2]).frame.equals(p.frame.iloc[[2]].reset_index(drop=True))
    assert len(p.subset([])) == 0


@pytest.fixture(scope="module")
def scenes():
    return SC.make_scenes(3, seed=0)


@pytest.fixture(scope="module")
def corpus():
    img = np.full((2, 28, 28), 200, np.uint8)
    return C.make_video_corpus(img, np.array([0, 7]), split_sizes={"train": 1, "test": 1}, n_frames=2)


def test_case05_video_text_scenes_and_mining_refuse_bad_ids(scenes, corpus):
    @FEW
    @given(bad_ids(3))
    def inner(bad):
        rejects(lambda: corpus.text([bad]), "rows", bad)
        rejects(lambda: scenes.subset([bad]), "idx", bad)
        rejects(lambda: MI.mine_hard_examples(scenes, pd.DataFrame({"image": [bad]}), copies=1), "reports", bad)

    inner()
    assert len(corpus.text([1])) == 1 and len(scenes.subset([2, 0])) == 2


# ---------------------------------------------------------------- 6. labels in class range


@FEW
@given(st.sampled_from([-1, 10, 12, 0.5, 7.0 + 1e-9, True, "7", None]))
def test_case06_labels_outside_the_classes_are_refused(label):
    a = {**ATTRS, "label": label}
    rejects(lambda: C.describe_upload(a, np.random.default_rng(0)), "label", label)
    rejects(lambda: C.make_query(a, np.random.default_rng(0)), "label", label)


@FEW
@given(st.sampled_from([-1, 10, 12]))
def test_case06_auto_tagger_refuses_labels_outside_the_classes(label):
    emb = np.random.default_rng(0).normal(size=(6, 3))
    meta = pd.DataFrame({"label": [0, 7, 0, 7, 0, label], "colour": ["red"] * 6, "background": ["beach"] * 6})
    rejects(lambda: T.AutoTagger().fit(emb, meta), "label", label)


def test_case06_auto_tagger_with_one_class_and_misspelt_attributes():
    emb = np.random.default_rng(0).normal(size=(4, 3))
    meta = pd.DataFrame({"label": [3] * 4, "colour": ["red"] * 4, "background": ["beach"] * 4})
    assert T.AutoTagger().fit(emb, meta).tags(emb[:1]) == [[*C.CLASS_WORDS[3][:2], "red", "beach"]]
    for key in ("colour", "direction", "speed", "background", "topic"):
        with pytest.raises(ValueError, match=f"attrs\\['{key}'\\]"):
            C.describe_upload({**ATTRS, key: "no-such"}, np.random.default_rng(0))


# ------------------------------------------------------------ 7. PostScorer's own promises


@functools.cache
def scorer():
    from properties.test_moderation import tiny  # the moderation suite's small fitted pipeline

    _, fz, _, clf = tiny()
    return EN.PostScorer(fz, clf, EN.EnforcementPolicy([0.9] * 5, [0.5] * 5))


@FEW
@given(st.sampled_from([("device", 9), ("device", 3), ("gender", 7), ("profane_rate", 2.0), ("hour", 12.5),
                        ("hour", 24), ("likes", 1.5), ("followers", 0.25)]))
def test_case07_post_scorer_refuses_impossible_values_by_field(field_value):
    key, value = field_value
    rejects(lambda: scorer().score({"text": SI.sentence_vocabulary()[0], key: value}), f"post[{key!r}]", value)


def test_case07_hour_error_names_hour():
    with pytest.raises(ValueError, match=r"post\['hour'\]"):
        scorer().score({"text": SI.sentence_vocabulary()[0], "hour": 12.5})
    assert scorer().score({"text": SI.sentence_vocabulary()[0], "hour": 23, "device": 2, "gender": 2, "profane_rate": 1.0}).action


# ------------------------------------------------------------- 8. embeddings on any dtype


@FEW
@given(numeric_dtypes(floats_array((3, 5), -2, 2), integral=True))
def test_case08_embed_accepts_float64_float32_and_int_alike(x):
    tower = E.SparseTextTower(5, 2)
    out = E.embed(tower, x)
    ref = E.embed(tower, torch.as_tensor(np.asarray(x, np.float32)))
    assert out.dtype == np.float32 and np.allclose(out, ref, atol=1e-6)
    assert np.allclose(E.embed(tower, torch.as_tensor(np.asarray(x, np.float64))), ref, atol=1e-6)


@FEW
@given(st.sampled_from([np.nan, np.inf, -np.inf, 1e300]), st.booleans())
def test_case08_embed_refuses_non_finite_input(bad, as_tensor):
    x = np.zeros((2, 3))
    x[1, 1] = bad
    rejects(lambda: E.embed(E.SparseTextTower(3, 2), torch.as_tensor(x) if as_tensor else x), "x", bad)


# ---------------------------------------------------------------- 9. valid edges just work


@settings(PROFILE, max_examples=6)
@given(st.integers(2, 6), st.integers(10, 40))
def test_case09_simulate_posts_with_few_cities(n_cities, n):
    p = SI.simulate_posts(n, n_images=22, n_cities=n_cities, n_countries=min(n_cities, 2), seed=1)
    assert len(p) == n and p.frame["city"].max() < n_cities


def test_case09_simulate_posts_from_the_issue():
    assert len(SI.simulate_posts(34, n_images=22, n_cities=2)) == 34


# --------------------------------------------------------- 10. sizes and huge magnitudes


@pytest.mark.parametrize("cls", [MO.OneStageDetector, MO.TwoStageDetector])
def test_case10_detector_refuses_images_of_another_size(cls):
    det = cls(image_size=32)
    with pytest.raises(ValueError, match="image_size"):
        det.detect(np.zeros((1, 64, 64), np.float32))
    assert len(det.detect(np.zeros((1, 32, 32), np.float32))) == 1


def test_case10_run_batch_refuses_a_size_the_detector_was_not_built_for():
    items = {"a": PL.encode_image(np.zeros((64, 64)))}
    with pytest.raises(ValueError, match="size must equal the detector's image_size"):
        PL.run_batch(items, MO.OneStageDetector(image_size=32), tempfile.mkdtemp(), size=64)
    rep = PL.run_batch(items, MO.OneStageDetector(image_size=32), tempfile.mkdtemp(), size=32)
    assert len(rep.written) == 1


@FEW
@given(HUGE.filter(lambda v: v > 0), HUGE.filter(lambda v: v > 0))
def test_case10_capacity_estimate_on_huge_figures(n_items, bytes_per_item):
    refuses_or_finite(lambda: capacity_estimate(n_items, bytes_per_item, qps=10, ms_per_query=1.0), "n_items",
                      (n_items, bytes_per_item))


@FEW
@given(st.lists(st.one_of(st.integers(1, 30).map(float), st.sampled_from([1e12, 1e300, np.inf])), min_size=1,
                max_size=6))
def test_case10_rank_metrics_on_huge_ranks_is_exact_and_small(ranks):
    from mlsd_lib.metrics import mean_reciprocal_rank

    out = S.rank_metrics(ranks)                       # [1, 1e12] asked for 14.6 TiB
    r = np.asarray(ranks)
    assert out["recall@1"] == np.mean(r <= 1) and out["recall@10"] == np.mean(r <= 10)
    small = np.where(r <= 40, r, np.inf)              # the reference builds the 0/1 lists
    rel = np.zeros((len(r), 41), int)
    rel[np.flatnonzero(np.isfinite(small)), small[np.isfinite(small)].astype(int) - 1] = 1
    assert out["mrr"] == pytest.approx(mean_reciprocal_rank(rel) + np.mean(np.where(r > 40, 1 / r, 0)), abs=1e-12)


def test_case10_rank_metrics_refuses_fractional_ranks():
    with pytest.raises(ValueError, match="ranks"):
        S.rank_metrics([1.5])
    with pytest.raises(TypeError, match="ks"):
        S.rank_metrics([1], ks="10")


# ----------------------------------------------------------------------- the smaller cases


def test_image_pool_features_of_identical_images_is_zero():
    x = np.repeat(np.random.default_rng(0).integers(0, 255, (1, 28, 28)).astype(np.uint8), 4, 0)
    assert np.abs(FE.image_pool_features(x, dim=8)).max() == 0.0        # was float noise amplified to 0.03


def test_bias_rating_model_refuses_text_ratings():
    df = pd.DataFrame({"userId": [1, 2], "movieId": [10, 10], "rating": ["4", "5"]})
    with pytest.raises(TypeError, match="df\\['rating'\\].*pd.to_numeric"):
        RB.BiasRatingModel().fit(df)
    assert RB.BiasRatingModel(reg=0).fit(df.assign(rating=pd.to_numeric(df.rating))).mu_ == 4.5


@pytest.mark.parametrize("call, name", [
    (lambda b: EN.ReviewQueue(2).push(b, [0.5]), "post_ids"),
    (lambda b: S.ranks_from_scores([[0.1, 0.2]], b), "targets"),
    (lambda b: S.fuse_candidates(b, [1.0], [0], [1.0], 0.5), "text_ids"),
    (lambda b: S.target_ranks([[1]], b), "targets"),
], ids=["ReviewQueue.push", "ranks_from_scores", "fuse_candidates", "target_ranks"])
def test_case05_boolean_ids_are_refused_everywhere(call, name):
    rejects(lambda: call(np.array([True])), name, [True])


def test_case06_detection_labels_are_whole_classes():
    d = [{"boxes": np.array([[0, 0, 4, 4.0]]), "scores": np.array([0.9]), "labels": np.array([1])}]
    g = [{"boxes": np.array([[0, 0, 4, 4.0]]), "labels": np.array([1])}]
    from mlsd_lib.detection import evaluate as DEV

    for bad in ([True], [1.5], [0]):
        rejects(lambda bad=bad: DEV.box_map(d, g, labels=bad), "labels", bad)


# --------------------------------------------------------------- valid sizes at their edges


def test_edge_sizes_one_item_one_class_one_query():
    one = np.ones((1, 3), np.float32)
    for kind in ("flat", "hnsw"):
        ids, _ = ann.build(kind, one, "l2").search(one, k=3)              # k larger than the index
        assert ids[0, 0] == 0 and (ids[0, 1:] == -1).all()
    idx = InvertedIndex()
    idx.add([["only"]])
    assert idx.search(["only"], k=5)[0].tolist() == [0]
    assert S.rank_metrics([1]) == {"recall@1": 1.0, "recall@10": 1.0, "mrr": 1.0}
    assert len(posts().subset([0])) == 1 and len(SI.simulate_posts(10, n_images=10, n_cities=2, seed=0)) == 10
    assert BX.box_iou([0, 0, 1, 1], [0, 0, 1, 1]).tolist() == [[1.0]]
    assert len(EN.ReviewQueue(1)) == 0


# ------------------------------------------------------- every argument, every bad family


def _sweep_cases():
    import importlib

    from contracts._contract import CASES

    from properties.test_coverage import PROPERTY_MODULES

    for name in PROPERTY_MODULES:
        if name not in ("properties.test_adversarial", "properties.test_stateful"):
            importlib.import_module(name)
    # direct calls only (a wrapper's arguments are the test's, not the API's), and not the
    # cases that train a model per call (they are swept by their own bad-input specs)
    return [c for c in CASES if c.call is None and c.examples >= 3]


SWEPT = _sweep_cases()


@pytest.mark.parametrize("case", SWEPT, ids=[f"{c.name}#{i}" for i, c in enumerate(SWEPT)])
def test_every_argument_is_refused_by_name_or_accepted(case):
    """Each argument in turn set to None, text, NaN, -1, 1e300 or True: accepted, or refused by a
    ValueError/TypeError that names it; never an IndexError, AttributeError, OverflowError..."""
    from contracts._contract import run_sweep

    found = run_sweep(case)
    assert not found, "\n".join(found)


# ---------------------------------------------------- the shared checks of _validation


@FEW
@given(st.sampled_from([True, np.array([True, False]), np.array([0.5]), -1, 3]))
def test_check_ids_refuses_booleans_fractions_and_out_of_range(bad):
    rejects(lambda: V.check_ids(np.atleast_1d(bad), "ids", 3), "ids", bad)


def test_check_names_and_selection():
    assert V.check_names(("a",), "names", ("a", "b")) == ("a",)
    with pytest.raises(ValueError, match="names.*'c'"):
        V.check_names(["c"], "names", ("a", "b"))
    assert V.check_selection(np.array([1, 0]), "idx", 2).tolist() == [1, 0]
    with pytest.raises(ValueError, match="idx"):
        V.check_selection([True], "idx", 2)
    assert V.check_boxes([], "boxes").shape == (0, 4)
