"""Property tests of the ANN indexes, visual search and vision modules (the contract of
tests/contracts/_contract.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from contracts._contract import (
    Case,
    finite_array,
    finite_dict,
    finite_float,
    floats_array,
    int_array,
    probability,
    unit_rows,
)
from hypothesis import strategies as st

from mlsd_lib import ann
from mlsd_lib.ann import measure as AE
from mlsd_lib.ann import rpforest as RP
from mlsd_lib.vision import augment as AU
from mlsd_lib.vision import encoders as EN
from mlsd_lib.visual_search import evaluation as EV
from mlsd_lib.visual_search import measures as SIM
from mlsd_lib.visual_search import services as SS

# ------------------------------------------------------------------------------- indexes

KIND_PARAMS = {
    "flat": {}, "ivf": {"nlist": 4}, "ivfpq": {"nlist": 4, "m": 2, "nbits": 4}, "pq": {"m": 2, "nbits": 4},
    "hnsw": {"M": 4}, "lsh": {"lsh_bits": 16}, "rpforest": {"n_trees": 2, "leaf_size": 8},
}


@st.composite
def index_inputs(draw, kinds=tuple(KIND_PARAMS)):
    kind = draw(st.sampled_from(kinds))
    n, d = draw(st.integers(40, 80)), draw(st.sampled_from([4, 8]))
    x = draw(unit_rows(n, d))
    return {"kind": kind, "vectors": x, "metric": draw(st.sampled_from(["l2", "ip", "cosine"])),
            "queries": x[:3], "k": draw(st.integers(1, 5)), **KIND_PARAMS[kind]}


def _build_and_search(kw):
    kw = dict(kw)
    queries, k = kw.pop("queries"), kw.pop("k")
    index = ann.build(**kw)
    ids, scores = index.search(queries, k)
    return index, ids, scores


def check_search(result, kw):
    index, ids, scores = result
    assert ids.shape == scores.shape == (len(kw["queries"]), kw["k"])
    assert ((ids >= -1) & (ids < len(kw["vectors"]))).all()
    found = ids >= 0
    assert np.isfinite(scores[found]).all()
    if kw["kind"] in ("flat", "hnsw", "ivf", "rpforest") and kw["k"] <= len(kw["vectors"]):
        assert found[:, 0].all()
    if kw["metric"] == "cosine" and kw["kind"] != "lsh":
        assert (scores[found] <= 1 + 1e-3).all() and (scores[found] >= -1 - 1e-3).all()
    assert isinstance(index.stats, ann.BuildStats) and index.memory_bytes() > 0
    assert index.ntotal == len(kw["vectors"]) and repr(index)


@st.composite
def sharded_inputs(draw):
    kw = draw(index_inputs(("flat", "hnsw", "rpforest", "pq")))
    kw["n_shards"] = draw(st.integers(1, 3))
    return kw


def _sharded(kw):
    kw = dict(kw)
    queries, k = kw.pop("queries"), kw.pop("k")
    index = ann.build_sharded(kw.pop("kind"), kw.pop("vectors"), kw.pop("n_shards"), kw.pop("metric"), **kw)
    ids, scores = index.search(queries, k)
    index.add(queries)   # the indexing service's uploads land in the newest shard
    return index, ids, scores


@st.composite
def id_pairs(draw):
    q, k = draw(st.integers(1, 4)), draw(st.integers(1, 5))
    return {"approx_ids": draw(int_array((q, k), -1, 20)), "exact_ids": draw(int_array((q, k), 0, 20)), "k": k}


ANN = [
    Case(ann.build, index_inputs(), check_search,
         {"kind": "choice", "vectors": "array", "metric": "choice", "queries": "array", "k": "count"},
         call=_build_and_search, covers=(ann.AnnIndex, ann.BuildStats), examples=25, bad_examples=2),
    Case(ann.build_sharded, sharded_inputs(),
         lambda r, kw: check_search(r, {**kw, "vectors": np.vstack([kw["vectors"], kw["queries"]])})
         if False else finite_array(r[1], -1),
         {"kind": "choice", "vectors": "array", "n_shards": "count"}, call=_sharded, examples=10),
    Case(ann.neighbour_recall, id_pairs(), lambda r, kw: probability(r),
         {"approx_ids": "int_values", "exact_ids": "int_values", "k": "count"}),
    Case(ann.default_pq_m, st.integers(1, 512).map(lambda d: {"d": d}),
         lambda r, kw: (kw["d"] % r == 0 and 2 * r >= kw["d"] - (kw["d"] % 2) * kw["d"]) or pytest.fail(str(r)),
         {"d": "count"}),
    Case(RP.RPForest, index_inputs(("rpforest",)).map(lambda kw: {**kw, "n_trees": 3}),
         lambda r, kw: finite_array(r[0]) or None,
         {"n_trees": "count", "leaf_size": "count", "queries": "array", "k": "count"},
         call=lambda kw: _forest(kw)),
]


def _forest(kw):
    f = RP.RPForest(kw["vectors"].shape[1], n_trees=kw["n_trees"], leaf_size=kw["leaf_size"])
    f.add(kw["vectors"])
    f.add(kw["vectors"][:2])   # incremental add: points drop into the trees' leaves
    return f.search(kw["queries"], kw["k"])


def test_set_params_checks_knob_and_value():
    x = np.random.default_rng(0).normal(size=(60, 4)).astype("float32")
    idx = ann.build("ivf", x, nlist=4)
    for bad in ({"nprobe": 0}, {"nprobe": np.inf}, {"efSearch": 8}, {"foo": 1}):
        with pytest.raises((ValueError, TypeError), match=next(iter(bad)) if "foo" not in bad else "parameter"):
            idx.set_params(**bad)


def test_pq_with_two_bit_codes_is_rejected_at_build():
    x = np.random.default_rng(0).normal(size=(300, 8)).astype("float32")
    with pytest.raises(ValueError, match="nbits"):
        ann.build("pq", x, nbits=2)     # was accepted, then search failed inside faiss


def test_rpforest_can_be_sharded():
    x = np.random.default_rng(0).normal(size=(300, 8)).astype("float32")
    idx = ann.build_sharded("rpforest", x, 3, n_trees=4, leaf_size=8)   # was a low-level TypeError
    assert idx.search(x[[5, 150, 299]], 1)[0][:, 0].tolist() == [5, 150, 299]
    idx.set_params(search_k=64)
    assert idx.memory_bytes() > x.nbytes


def test_lsh_bits_zero_is_rejected_not_replaced():
    with pytest.raises(ValueError, match="lsh_bits"):
        ann.build("lsh", np.eye(4, dtype="float32"), lsh_bits=0)


def test_compressed_defaults_follow_the_code_size_rule():
    from mlsd_lib.ann import clustered_vectors

    x = clustered_vectors(3000, 16, 20, spread=1.0, seed=0)
    xb, xq = x[:2900], x[2900:]
    exact = ann.build("flat", xb, "cosine").search(xq, 10)[0]
    pq = ann.build("pq", xb, "cosine")
    assert pq.index.pq.M == 8                      # d / 2 sub-quantisers, 8 bits each
    assert ann.build("lsh", xb, "cosine").index.nbits == 64   # 4 d bits: the same d / 2 bytes
    # The measured recall of the default beats the former default (m=8 would be d/2 here;
    # compare with m=2) and cosine scores stay similarities.
    r_default = ann.neighbour_recall(pq.search(xq, 10)[0], exact, 10)
    r_small = ann.neighbour_recall(ann.build("pq", xb, "cosine", m=2).search(xq, 10)[0], exact, 10)
    assert r_default > r_small + 0.1, (r_default, r_small)
    scores = pq.search(xq, 3)[1]
    assert (scores <= 1.01).all() and (np.diff(scores, axis=1) <= 1e-6).all()


# ----------------------------------------------------------------------------- ann.measure


@st.composite
def corpus(draw, n_min=30):
    n, d = draw(st.integers(n_min, 60)), draw(st.sampled_from([2, 4, 6]))
    return draw(unit_rows(n, d))


def _measure(kw):
    x = kw["vectors"]
    exact = ann.build("flat", x).search(x[:4], kw["k"])[0]
    idx = ann.build(kw["kind"], x, **KIND_PARAMS[kw["kind"]])
    return (AE.measure_index(idx, x[:4], exact, kw["k"]),
            AE.distance_computations(idx, x[:4], kw["k"]) if kw["kind"] in ("flat", "ivf", "hnsw") else 1.0,
            ann.recall_per_query(idx.search(x[:4], kw["k"])[0], exact, kw["k"]))


ANN_EVAL = [
    Case(AE.nn_distance_ratio, corpus().map(lambda x: {"vectors": x, "n_queries": 10, "seed": 0}),
         lambda r, kw: finite_float(r, 0), {"vectors": "array", "n_queries": "count", "seed": "seed"}),
    Case(AE.clustered_vectors, st.tuples(st.integers(1, 50), st.integers(1, 8), st.integers(1, 5),
                                         st.floats(0, 3), st.one_of(st.none(), st.just(1))).map(
        lambda t: {"n": t[0], "d": t[1], "n_clusters": t[2], "spread": t[3], "seed": 0, "intrinsic_dim": t[4]}),
         lambda r, kw: finite_array(r, -1, 1, shape=(kw["n"], kw["d"])),
         {"n": "count", "d": "count", "n_clusters": "count", "spread": "nonneg_float", "seed": "seed"}),
    Case(AE.intrinsic_dimension, corpus().map(lambda x: {"vectors": x, "n_neighbours": 5, "n_queries": 5,
                                                          "variance": 0.9, "seed": 0}),
         lambda r, kw: finite_float(r, 0, kw["vectors"].shape[1]),
         {"vectors": "array", "n_neighbours": "count", "n_queries": "count", "variance": "prob"}),
    Case(AE.calibrate_spread, st.floats(0.2, 0.9).map(lambda t: {"target_ratio": t, "n": 40, "d": 4, "n_clusters": 3,
                                                                 "iters": 2, "seed": 0}),
         lambda r, kw: finite_float(r, 0, 4), {"target_ratio": "prob", "n": "count", "iters": "count"}, examples=3,
         bad_examples=1),
    Case(AE.measure_index, corpus().flatmap(lambda x: st.tuples(st.sampled_from(["flat", "ivf", "hnsw", "pq"]),
                                                                 st.integers(1, 4)).map(
        lambda t: {"vectors": x, "kind": t[0], "k": t[1]})),
         lambda r, kw: (finite_dict({k: v for k, v in r[0].items() if k != "index"}, 0),
                        probability(r[0][f"recall@{kw['k']}"]), finite_float(r[1], 0), finite_array(r[2], 0, 1))
         and None,
         call=_measure, covers=(AE.distance_computations, ann.recall_per_query), examples=8),
    Case(AE.memory_table, st.tuples(floats_array(3, 1, 1e12), st.integers(1, 512)).map(
        lambda t: {"n_images": t[0], "d": t[1], "pq_bytes": 16, "id_bytes": 8}),
         lambda r, kw: finite_array(r.to_numpy(dtype=float), 0),
         {"n_images": "nonneg", "d": "count", "pq_bytes": "count", "id_bytes": "int"}),
    Case(AE.memory_bandwidth_gbs, st.just({"n_bytes": 80_000, "repeats": 1}), lambda r, kw: finite_float(r, 0),
         {"n_bytes": "count", "repeats": "count"}, examples=1),
    Case(AE.recall_profile, corpus(n_min=40).map(lambda x: {"vectors": x[:-5], "queries": x[-5:], "k": 3,
                                                            "configs": {"hnsw": {"kind": "hnsw", "M": 4}}}),
         lambda r, kw: probability(r["hnsw"]), {"vectors": "array", "queries": "array", "k": "count"}, examples=3),
]


def test_distance_computations_and_recall_per_query_reject_bad_input():
    x = np.eye(6, dtype="float32")
    with pytest.raises(ValueError, match="distance counts"):
        AE.distance_computations(ann.build("lsh", x), x)
    with pytest.raises(ValueError, match="queries"):
        AE.distance_computations(ann.build("flat", x), np.full((1, 6), np.nan))
    with pytest.raises(ValueError, match="approx_ids"):
        ann.recall_per_query([[np.inf]], [[1]], 1)


def test_intrinsic_dimension_of_duplicates_is_zero_not_nan():
    x = np.repeat(np.eye(3), 10, axis=0)                 # every neighbourhood is one point
    assert AE.intrinsic_dimension(x, n_neighbours=5, n_queries=5) == 0.0   # was 0/0 -> 1.0


# ------------------------------------------------------------------- retrieval evaluation


@st.composite
def retrieval_run(draw):
    n_cat, q = draw(st.integers(3, 20)), draw(st.integers(1, 5))
    k = draw(st.integers(1, min(5, n_cat)))
    cat = draw(int_array(n_cat, 0, 3))
    retrieved = np.stack([draw(st.permutations(range(n_cat)))[:k] for _ in range(q)])
    return {"retrieved": retrieved, "query_labels": draw(int_array(q, 0, 3)), "catalogue_labels": cat, "k": k}


EVALUATION = [
    Case(EV.per_query_retrieval, retrieval_run(),
         lambda r, kw: [finite_array(v, 0, kw["retrieved"].shape[1] if name == "first_hit" else 1)
                        for name, v in r.items()] and None,
         {"retrieved": "ids", "query_labels": "int_values", "catalogue_labels": "int_values", "k": "count"}),
    Case(EV.search_excluding, corpus().flatmap(lambda x: st.integers(1, 3).map(
        lambda k: {"query_vectors": x[:4], "catalogue_vectors": x, "k": k, "exclude": np.arange(4)})),
         lambda r, kw: (finite_array(r[0], 0, len(kw["catalogue_vectors"]) - 1),
                        (r[0] != kw["exclude"][:, None]).all() or pytest.fail("excluded id returned")) and None,
         {"query_vectors": "array", "catalogue_vectors": "array", "k": "count", "exclude": "int_values_opt"}),
    Case(EV.evaluate_retrieval, retrieval_run(), lambda r, kw: finite_dict(r, 0, 1),
         {"retrieved": "ids", "query_labels": "int_values", "catalogue_labels": "int_values", "k": "count"}),
    Case(EV.simulate_clicks, floats_array((3, 4), 0, 5).map(lambda rel: {"relevance": rel, "seed": 0,
                                                                          "click_if_relevant": 0.5}),
         lambda r, kw: finite_array(r, 0, 1, shape=kw["relevance"].shape),
         {"relevance": "array", "seed": "seed", "click_if_relevant": "prob"}),
    Case(SIM.similarity, st.tuples(floats_array((2, 3), 0.1, 2), floats_array((4, 3), 0.1, 2),
                                   st.sampled_from(["dot", "cosine", "euclidean"])).map(
        lambda t: {"queries": t[0], "items": t[1], "metric": t[2]}),
         lambda r, kw: finite_array(r, -1 - 1e-9 if kw["metric"] == "cosine" else -np.inf,
                                    1 + 1e-9 if kw["metric"] == "cosine" else np.inf, shape=(2, 4)),
         {"queries": "array", "items": "array", "metric": "choice"}),
    Case(SIM.nearest_other_similarity, st.tuples(st.integers(2, 6), st.integers(0, 3)).map(
        lambda t: {"vectors": np.random.default_rng(t[1]).normal(size=(t[0], 3)) + 0.1, "metric": "cosine"}),
         lambda r, kw: finite_array(r, -1 - 1e-9, 1 + 1e-9, shape=(len(kw["vectors"]),)),
         {"vectors": "array", "metric": "choice"}),
    Case(SIM.relative_contrast, st.lists(st.integers(1, 16), min_size=1, max_size=3).map(
        lambda d: {"dims": np.array(d), "n_points": 20, "n_queries": 3, "seed": 0}),
         lambda r, kw: finite_array(r, 0), {"dims": "int_values", "n_points": "count", "n_queries": "count"}),
]


def test_evaluate_retrieval_ndcg_counts_every_relevant_item():
    r = EV.evaluate_retrieval([[0, 1]], [0], [0, 0, 1], k=2)
    assert r["ndcg@2"] == pytest.approx(1.0)            # was 1.63: ideal list held one item
    r = EV.evaluate_retrieval([[2, 0]], [0], [0, 0, 1], k=2)
    assert 0 < r["ndcg@2"] < 1


# --------------------------------------------------------------------------------- services


def _store(x):
    return SS.IndexingService(ann.build("flat", x, "ip"), x)


@st.composite
def pipeline_inputs(draw):
    x = draw(unit_rows(draw(st.integers(4, 12)), 4))
    return {"vectors": x, "image": x[draw(st.integers(0, len(x) - 1))], "k": draw(st.integers(1, 4)),
            "duplicate_threshold": draw(st.floats(-1, 1))}


def _search(kw):
    store = _store(kw["vectors"])
    store.add(kw["vectors"][:1], private=True)
    store.block([0])
    pipe = SS.VisualSearchPipeline(SS.EmbeddingService(lambda b: np.asarray(b, "float32").reshape(len(b), -1)),
                                   SS.NearestNeighbourService(store),
                                   SS.ReRankingService(store, kw["duplicate_threshold"]))
    out = pipe.search(kw["image"], kw["k"])
    return out, pipe.latency_percentiles(), store


def check_results(r, kw):
    results, lat, store = r
    assert all(isinstance(x, SS.Result) for x in results) and len(results) <= kw["k"]
    ids = [x.item_id for x in results]
    assert len(set(ids)) == len(ids) and 0 not in ids and len(kw["vectors"]) not in ids   # blocked / private
    finite_dict(lat, 0)


def _rerank(kw):
    store = _store(kw["vectors"])
    return SS.ReRankingService(store).rerank(kw["ids"], kw["scores"], kw["k"])


SERVICES = [
    Case(SS.VisualSearchPipeline, pipeline_inputs(), check_results, {"k": "count", "duplicate_threshold": "float"},
         call=_search,
         covers=(SS.EmbeddingService, SS.IndexingService, SS.NearestNeighbourService, SS.Result, SS.ReRankingService)),
    Case(SS.ReRankingService.rerank, pipeline_inputs().flatmap(lambda kw: int_array(5, -1, len(kw["vectors"]) - 1).map(
        lambda ids: {"vectors": kw["vectors"], "ids": ids, "scores": np.linspace(1, 0, 5), "k": kw["k"]})),
         lambda r, kw: len(r) <= kw["k"] or pytest.fail("too many"),
         {"ids": "ids", "scores": "array", "k": "count"}, call=_rerank, id="ReRankingService.rerank"),
    Case(SS.EmbeddingService.embed, floats_array((2, 3, 3), 0, 1).map(lambda im: {"images": im}),
         lambda r, kw: finite_array(r, -1, 1, shape=(2, 9)), {"images": "array"},
         call=lambda kw: SS.EmbeddingService(lambda b: b.reshape(len(b), -1) + 1).embed(kw["images"]),
         id="EmbeddingService.embed"),
]


def test_embedding_service_rejects_non_finite_embeddings():
    svc = SS.EmbeddingService(lambda b: np.full((len(b), 2), np.nan))
    with pytest.raises(ValueError, match="embed_fn"):
        svc.embed(np.zeros((1, 3, 3)))                    # was a silent NaN embedding
    with pytest.raises(ValueError, match="images"):
        SS.EmbeddingService(lambda b: b).embed(np.full((1, 2, 2), np.nan))


def test_reranking_range_checks_ids():
    store = _store(np.eye(3, dtype="float32"))
    for bad in ([3], [-2]):                               # IndexError / silent wrap-around before
        with pytest.raises(ValueError, match="ids"):
            SS.ReRankingService(store).rerank(bad, [1.0], 1)


# ------------------------------------------------------------------------------------ vision


@st.composite
def images(draw, n_min=1, n_max=3, side=8):
    n = draw(st.integers(n_min, n_max))
    return draw(int_array((n, side, side), 0, 255)).astype(np.uint8)


AUGMENT = [
    Case(AU.to_tensor, images().map(lambda im: {"images": im}), lambda r, kw: finite_array(r.numpy(), 0, 1), {"images": "array"}),
    Case(AU.random_augment, images().map(lambda im: {"images": im}), lambda r, kw: finite_array(r.numpy(), 0, 1), {"images": "array"},
         call=lambda kw: AU.random_augment(kw["images"], generator=torch.Generator().manual_seed(0)),
         covers=(AU.AugmentConfig,)),
    Case(AU.transform_queries, images().map(lambda im: {"images": im, "seed": 0}),
         lambda r, kw: finite_array(r, 0, 1, shape=kw["images"].shape), {"images": "array", "seed": "seed"}),
    Case(AU.crop_and_resize, st.tuples(st.integers(0, 4), st.integers(0, 4), st.integers(2, 4), st.integers(2, 4)).map(
        lambda b: {"image": np.arange(64.0).reshape(8, 8) / 64, "box": b, "size": 6}),
         lambda r, kw: finite_array(r, 0, 1, shape=(6, 6)), {"image": "array", "size": "cutoff"}),
]


def test_augmentations_reject_non_finite_pixels():
    x = np.full((1, 8, 8), np.nan, dtype=np.float32)
    for fn in (AU.to_tensor, AU.random_augment, AU.transform_queries, EN.embed_pixels,
               lambda im: EN.train_contrastive(np.repeat(im, 4, 0), batch_size=2, dim=2, progress=False)):
        with pytest.raises(ValueError, match="images"):
            fn(x)                                            # was a silent NaN image / NaN loss
    with pytest.raises(ValueError, match="images"):
        AU.to_tensor(torch.full((1, 8, 8), float("inf")))


@st.composite
def embeddings(draw):
    n, d = draw(st.integers(2, 6)), draw(st.integers(2, 5))
    z = torch.tensor(draw(floats_array((n, d), -3, 3)) + np.eye(n, d), dtype=torch.float32)
    return {"z_query": z, "z_positive": z.flip(0), "labels": torch.tensor(np.arange(n) % 2),
            "temperature": draw(st.floats(0.05, 2))}


ENCODERS = [
    Case(EN.info_nce_loss, embeddings().map(lambda kw: {k: v for k, v in kw.items() if k != "labels"}),
         lambda r, kw: finite_float(float(r), 0), {"z_query": "tensor", "z_positive": "tensor", "temperature": "pos"}),
    Case(EN.supervised_contrastive_loss, embeddings(), lambda r, kw: finite_float(float(r), 0),
         {"z_query": "tensor", "z_positive": "tensor", "labels": "int_values", "temperature": "pos"}),
    Case(EN.random_encoder, st.integers(1, 8).map(lambda d: {"dim": d, "seed": 0}),
         lambda r, kw: isinstance(r, EN.SmallCNN) or pytest.fail("wrong type"), {"dim": "count", "seed": "seed"},
         covers=(EN.SmallCNN,), examples=2),
    Case(EN.embed_images, images().map(lambda im: {"images": im, "batch_size": 2}),
         lambda r, kw: finite_array(r, -1, 1, shape=(len(kw["images"]), 4)), {"images": "array", "batch_size": "count"},
         call=lambda kw: EN.embed_images(EN.random_encoder(dim=4, widths=(2, 2, 2)), **kw), examples=4),
    Case(EN.embed_pixels, images().map(lambda im: {"images": im}),
         lambda r, kw: finite_array(r, 0, 1, shape=(len(kw["images"]), 64)), {"images": "array"}),
    Case(EN.train_contrastive, images(4, 6).map(lambda im: {"images": im, "labels": None, "epochs": 1,
                                                            "batch_size": 2, "lr": 1e-3}),
         lambda r, kw: (isinstance(r, EN.TrainResult), finite_array(np.array(r.losses), 0)) and None,
         {"images": "array", "epochs": "count", "batch_size": "count", "lr": "pos"},
         call=lambda kw: EN.train_contrastive(**kw, dim=4, widths=(2, 2, 2), progress=False),
         covers=(EN.TrainResult,), examples=2, bad_examples=1),
]


ALL = ANN + ANN_EVAL + EVALUATION + SERVICES + AUGMENT + ENCODERS


