"""Property tests of mlsd_lib.recsys: feedback, models, evaluation, candidates, re-ranking,
the serving pipeline and the simulated user (the contract of tests/contracts/_contract.py)."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from contracts._contract import (
    UNIT,
    Case,
    finite_array,
    finite_dict,
    finite_float,
    floats_array,
    int_array,
    probability,
    sets_of_ids,
    sparse_feedback,
    unit_rows,
)
from hypothesis import strategies as st

from mlsd_lib import serving as SV
from mlsd_lib.recsys import base as BS
from mlsd_lib.recsys import baselines as B
from mlsd_lib.recsys import candidates as CG
from mlsd_lib.recsys import cold_start as CS
from mlsd_lib.recsys import content as CT
from mlsd_lib.recsys import evaluate as EV
from mlsd_lib.recsys import feedback as FB
from mlsd_lib.recsys import mf as MF
from mlsd_lib.recsys import pipeline as PL
from mlsd_lib.recsys import rerank as RR
from mlsd_lib.recsys import simulation as SIM
from mlsd_lib.recsys import tuning as TU
from mlsd_lib.recsys import two_tower as TT

# --------------------------------------------------------------------------------- fixtures


@functools.cache
def tiny():
    """A small fitted world: 6 users x 8 items, MF, content model and a two-tower."""
    rng = np.random.default_rng(0)
    A = (rng.random((6, 8)) < 0.35).astype(float)
    A[np.arange(6), np.arange(6)] = 1.0
    R = sp.csr_matrix(A)
    feats = np.eye(8)[:, :4] + 0.1
    tt = TT.TwoTowerRecommender(feats, dim=4, hidden=8, epochs=1, batch_size=8).fit(R, np.arange(R.nnz) * 3600.0)
    mf = MF.MatrixFactorization(3, epochs=2).fit(R)
    return {"R": R, "feats": feats, "tt": tt, "mf": mf, "vectors": rng.normal(size=(8, 4))}


@st.composite
def ratings_frame(draw):
    n = draw(st.integers(2, 15))
    return pd.DataFrame({"userId": draw(int_array(n, 1, 4)), "movieId": draw(int_array(n, 10, 15)),
                         "rating": draw(st.lists(st.sampled_from([1.0, 3.5, 4.0, 5.0]), min_size=n, max_size=n)),
                         "timestamp": draw(int_array(n, 0, 10**6))})


def is_sets(r, n=None):
    assert isinstance(r, list) and all(isinstance(s, set) for s in r)
    if n is not None:
        assert len(r) == n


# --------------------------------------------------------------------------------- feedback


def _build(kw):
    fm = FB.build_feedback(kw["df"], threshold=kw["threshold"])
    return fm, fm.density, fm.user_index(kw["df"]["userId"]), fm.item_index(kw["df"]["movieId"])


def _positive_times(kw):
    fm = FB.build_feedback(kw["df"], threshold=-1)
    return FB.positive_times(kw["df"], fm, fm.matrix, threshold=-1)


FEEDBACK = [
    Case(FB.build_feedback, ratings_frame().map(lambda df: {"df": df, "threshold": 4.0}),
         lambda r, kw: (isinstance(r[0], FB.FeedbackMatrix), probability(r[1]),
                        (r[2] >= 0).all() or pytest.fail("known user not found")) and None,
         {"df": "frame", "threshold": "float"}, call=_build, covers=(FB.FeedbackMatrix,)),
    Case(FB.relevant_sets, ratings_frame().map(lambda df: {"df": df, "fm": FB.build_feedback(df, threshold=-1),
                                                            "threshold": 4.0}),
         lambda r, kw: is_sets(r, kw["fm"].shape[0]), {"df": "frame", "threshold": "float"}),
    Case(FB.row_items, sparse_feedback().map(lambda R: {"M": R}),
         lambda r, kw: (len(r) == kw["M"].shape[0]) or pytest.fail("rows"), {"M": "sparse_any"}),
    Case(FB.positive_times, ratings_frame().map(lambda df: {"df": df}),
         lambda r, kw: finite_array(r, 0), {"df": "frame"}, call=_positive_times),
    Case(FB.items_by_time, ratings_frame().map(lambda df: {"df": df, "item_ids": np.sort(df["movieId"].unique())}),
         lambda r, kw: sum(len(h) for h in r) == len(kw["df"]) or pytest.fail("rows lost"),
         {"df": "frame", "item_ids": "int_values"}),
    Case(FB.withhold_items, sparse_feedback().flatmap(lambda R: int_array(2, 0, R.shape[1] - 1).map(
        lambda items: {"R": R, "items": items})),
         lambda r, kw: (r[:, kw["items"]].nnz == 0) or pytest.fail("not withheld"), {"R": "sparse", "items": "ids"}),
    Case(FB.restrict_relevant, sets_of_ids(3, 10).map(lambda s: {"relevant": s, "items": np.array([2, 5, 7])}),
         lambda r, kw: is_sets(r, 3), {"relevant": "sets", "items": "int_values"}),
]


def test_positive_times_of_a_re_rated_pair_is_one_time():
    d = pd.DataFrame({"userId": [1, 1, 1], "movieId": [10, 10, 20], "rating": [5, 4, 4], "timestamp": [7, 3, 9]})
    fm = FB.build_feedback(d)
    assert FB.positive_times(d, fm, fm.matrix).tolist() == [3.0, 9.0]     # was [10.0, 9.0]


# -------------------------------------------------------------------------------------- MF


@st.composite
def mf_inputs(draw):
    return {"R": draw(sparse_feedback()), "loss": draw(st.sampled_from(["observed", "all", "weighted"])),
            "solver": draw(st.sampled_from(["wals", "sgd"])), "reg": draw(st.sampled_from([0.0, 0.1])),
            "cg_steps": draw(st.sampled_from([None, 2])), "k": draw(st.integers(1, 3))}


def _mf(kw):
    m = MF.MatrixFactorization(2, loss=kw["loss"], solver=kw["solver"], reg=kw["reg"], cg_steps=kw["cg_steps"],
                               epochs=2).fit(kw["R"])
    users = np.arange(kw["R"].shape[0])
    return m, m.recommend(users, kw["k"], kw["R"]), m.fold_in([[], [0]]), m.score(users)


def check_mf(r, kw):
    m, lists, folded, scores = r
    finite_array(np.array(m.history_), 0)
    finite_array(folded)
    finite_array(scores)
    assert np.allclose(folded[0], 0)                       # no like: a zero embedding, as documented
    R = kw["R"].toarray()
    for u, row in enumerate(lists):
        shown = row[row >= 0]
        assert not R[u, shown].any(), "recommended an excluded item"
        assert len(shown) == min(kw["k"], (R[u] == 0).sum()), "padding where unseen items remain"


@st.composite
def mf_parts(draw):
    R = draw(sparse_feedback())
    k = draw(st.integers(1, 3))
    U = draw(floats_array((R.shape[0], k), -1, 1))
    V = draw(floats_array((R.shape[1], k), -1, 1))
    return {"R": R, "U": U, "V": V, "w": draw(UNIT), "reg": draw(st.floats(0, 1))}


MFS = [
    Case(MF.MatrixFactorization, mf_inputs(), check_mf,
         {"R": "sparse", "loss": "choice", "solver": "choice", "reg": "nonneg_float", "k": "count"},
         call=_mf, covers=(BS.TopKRecommender,), examples=15),
    Case(BS.check_feedback, sparse_feedback().map(lambda R: {"R": R}),
         lambda r, kw: sp.isspmatrix_csr(r) or pytest.fail("not CSR"), {"R": "sparse"}),
    Case(MF.unobserved_weight, st.tuples(st.sampled_from(["observed", "all", "weighted"]), st.floats(0.01, 1)).map(
        lambda t: {"loss": t[0], "w": t[1]}), lambda r, kw: probability(r), {"loss": "choice"}),
    Case(MF.unobserved_weight, st.floats(0.01, 1).map(lambda w: {"loss": "weighted", "w": w}),
         lambda r, kw: probability(r), {"w": "prob"}, id="unobserved_weight-weighted"),
    Case(MF.mf_objective, mf_parts(), lambda r, kw: finite_float(r, 0),
         {"R": "sparse", "U": "array", "V": "array", "w": "prob", "reg": "nonneg_float"}),
    Case(MF.check_factors, mf_parts().map(lambda kw: {"U": kw["U"], "V": kw["V"], "R": kw["R"]}),
         lambda r, kw: finite_array(r[0], shape=kw["U"].shape),
         {"R": "sparse", "U": "array", "V": "array"}),
    Case(MF.als_step, mf_parts().map(lambda kw: {"R": kw["R"], "X": kw["U"], "Y": kw["V"], "w": kw["w"],
                                                 "reg": kw["reg"], "cg_steps": None}),
         lambda r, kw: finite_array(r, shape=kw["X"].shape),
         {"R": "sparse", "X": "array", "Y": "array", "w": "prob", "reg": "nonneg_float"}),
    Case(BS.top_k, floats_array((3, 5)).flatmap(lambda s: st.integers(1, 5).map(
        lambda k: {"scores": s, "k": k, "exclude": sp.csr_matrix(np.eye(3, 5))})),
         lambda r, kw: finite_array(r, -1, 4, shape=(3, kw["k"])), {"scores": "array", "k": "count"}),
    Case(MF.observed_mean_scores, mf_parts().map(lambda kw: {**kw, "R": sp.csr_matrix(np.eye(*kw["R"].shape))}),
         lambda r, kw: (finite_float(r[0]), finite_float(r[1])) and None, {"R": "sparse", "U": "array", "V": "array"},
         call=lambda kw: MF.observed_mean_scores(kw["U"], kw["V"], kw["R"])),
]


def test_mf_without_regularisation_solves_exactly():
    R = sp.csr_matrix(np.array([[1.0, 0, 0], [0, 1, 0], [0, 0, 0]]))
    m = MF.MatrixFactorization(2, loss="observed", reg=0.0, cg_steps=None, epochs=2).fit(R)   # was "Singular matrix"
    assert np.isfinite(m.user_factors_).all()
    assert m.fold_in([[]]).tolist() == [[0.0, 0.0]]     # the docstring's promise


def test_recommend_pads_instead_of_repeating_seen_items():
    R = sp.csr_matrix(np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 0.0]]))
    lists = B.MostPopular().fit(R).recommend([0, 1], k=3, exclude=R)
    assert lists.tolist() == [[2, -1, -1], [0, 2, -1]]


def test_sgd_default_learning_rate_learns_a_planted_low_rank_problem():
    rng = np.random.default_rng(0)
    U, V = rng.normal(size=(200, 4)), rng.normal(size=(150, 4))
    S = U @ V.T
    A = (S >= np.quantile(S, 0.9, axis=1, keepdims=True)).astype(float)
    train = rng.random(A.shape) < 0.8
    R = sp.csr_matrix(A * train)
    relevant = [set(np.flatnonzero(row)) for row in A * ~train]
    m = MF.MatrixFactorization(8, solver="sgd", epochs=30, seed=0).fit(R)
    p10 = EV.evaluate_lists(m.recommend(np.arange(200), 10, R), relevant, ks=(10,))["precision@10"]
    assert m.history_[-1] < 0.5 * m.history_[0], m.history_[::10]      # was 6500 -> 6483 at lr=0.05
    assert p10 > 3 * EV.random_precision(relevant, 150), p10           # was random level


def test_sgd_divergence_is_an_error_not_nan():
    R = sp.csr_matrix(np.eye(30) + np.eye(30, k=1))
    with pytest.raises(ValueError, match="learning_rate"):
        MF.MatrixFactorization(4, solver="sgd", learning_rate=1e6, epochs=3).fit(R)


# ------------------------------------------------------------------------- models & content


def _baseline(kw):
    model = {"popular": B.MostPopular(), "content": CT.ContentRecommender(tiny()["vectors"])}[kw["model"]]
    R = tiny()["R"]
    return model.fit(R).recommend(kw["users"], kw["k"], R)


MODELS = [
    Case(B.MostPopular, st.tuples(st.sampled_from(["popular", "content"]), int_array(3, 0, 5), st.integers(1, 8)).map(
        lambda t: {"model": t[0], "users": t[1], "k": t[2]}),
         lambda r, kw: finite_array(r, -1, 7, shape=(3, kw["k"])), {"users": "ids", "k": "count"},
         call=_baseline, covers=(CT.ContentRecommender,)),
    Case(B.ImplicitALS, st.just({"R": tiny()["R"], "users": np.arange(3), "reg": 0.01}),
         lambda r, kw: finite_array(r, -1, 7), {"users": "ids", "reg": "nonneg_float"},
         call=lambda kw: B.ImplicitALS(2, reg=kw["reg"], epochs=2).fit(kw["R"]).recommend(kw["users"], 3, kw["R"]),
         examples=1, bad_examples=1),
    Case(CT.genre_matrix, st.lists(st.sampled_from(["Comedy|Drama", "Drama", "(no genres listed)", "", None]),
                                   min_size=1, max_size=6).map(lambda g: {"genres": g}),
         lambda r, kw: finite_array(r[0], 0, 1), {"genres": ("sets", "genres")}),
    Case(CT.content_vectors, st.integers(1, 6).flatmap(lambda n: st.tuples(floats_array((n, 3), 0, 1),
                                                                           floats_array((n, 5), -1, 1)).map(
        lambda t: {"genres": t[0], "title_embeddings": t[1], "genre_weight": 1.0})),
         lambda r, kw: finite_array(r, -1, 1), {"genres": "array", "title_embeddings": "array",
                                                "genre_weight": "nonneg_float"}),
    Case(CT.time_context, floats_array(5, 0, 2e9).map(lambda t: {"timestamps": t}),
         lambda r, kw: finite_array(r, -1, 1, shape=(5, 4)), {"timestamps": "array"}),
    # Joins ggplot2movies (58,788 rows) once; one example.
    Case(CT.movie_lengths, st.just({"titles": ["Toy Story", "Not A Movie"], "years": [1995, 2000]}),
         lambda r, kw: (finite_array(r[0], 0), r[1].tolist() == [True, False] or pytest.fail(str(r))) and None,
         {"titles": ("sets", "titles")}, examples=1, bad_examples=1),
]


def _two_tower(kw):
    t = tiny()
    tt = t["tt"]
    U = tt.user_embeddings(kw["histories"], kw["context_times"])
    lists = tt.recommend_from_history(kw["histories"], kw["k"], context_times=kw["context_times"])
    return U, lists, tt.item_embeddings(np.arange(3))


TWO_TOWER = [
    Case(TT.TwoTowerRecommender, st.tuples(st.lists(st.lists(st.integers(0, 7), max_size=3), min_size=1, max_size=3),
                                           st.integers(1, 5)).map(
        lambda t: {"histories": t[0], "context_times": np.zeros(len(t[0])), "k": t[1]}),
         lambda r, kw: (finite_array(r[0], -1, 1), finite_array(r[1], 0, 7), finite_array(r[2], -1, 1)) and None,
         {"histories": "sets", "context_times": "array", "k": "count"}, call=_two_tower,
         covers=(TT.TwoTowerModel,), examples=6),
    Case(TU.race_solvers, st.just({"epochs": 2, "slack": 0.02}),
         lambda r, kw: (isinstance(r, TU.SolverRace) and set(r.runs) == {"WALS", "SGD"}
                        and finite_array(r.table["seconds to target"].to_numpy(), 0) is None) or pytest.fail(str(r)),
         {"epochs": "count", "slack": "nonneg_float"},
         call=lambda kw: TU.race_solvers(tiny()["R"], n_factors=2, seeds=[0, 1], sgd_steps=[0.01, 0.02], **kw),
         covers=(TU.SolverRace,), examples=1, bad_examples=1),
    Case(TU.select_two_tower, st.just({"temperatures": [0.2], "epochs": 1, "k": 2}),
         lambda r, kw: finite_array(np.array(r[0][0.2]), 0, 1) or None,
         {"temperatures": "sets", "epochs": "count", "k": "count"},
         call=lambda kw: TU.select_two_tower(tiny()["feats"], tiny()["R"], np.zeros(tiny()["R"].nnz), seed=0,
                                             histories=FB.row_items(tiny()["R"]), context_times=np.zeros(6),
                                             exclude=tiny()["R"], relevant=[{7}] * 6, **kw),
         examples=1, bad_examples=1),
]


def test_two_tower_fit_checks_its_inputs():
    t = tiny()
    tt = TT.TwoTowerRecommender(t["feats"], epochs=1)
    with pytest.raises(ValueError, match="times"):
        tt.fit(t["R"], np.full(t["R"].nnz, np.nan))
    with pytest.raises(ValueError, match="learning_rate"):
        TT.TwoTowerRecommender(t["feats"], learning_rate=np.inf)
    with pytest.raises(ValueError, match="histories"):
        t["tt"].user_embeddings([[9]], [0.0])


# ------------------------------------------------------------------------------- evaluation


@st.composite
def lists_and_sets(draw, n_items=10):
    n, K = draw(st.integers(1, 5)), draw(st.integers(1, 6))
    rec = draw(int_array((n, K), -1, n_items - 1))
    rel = draw(sets_of_ids(n, n_items))
    rel[0].add(0)            # at least one user with a relevant item
    return {"recommended": rec, "relevant": rel, "ks": (1, K), "n_items": n_items,
            "item_vectors": draw(unit_rows(n_items, 3)), "other": draw(int_array((n, K), -1, n_items - 1))}


def check_lists(r, kw):
    finite_dict({k: v for k, v in r.items() if k != "similarity"}, 0, 1)
    if np.isnan(r["similarity"]):    # documented: no list with two items
        assert ((kw["recommended"] >= 0).sum(1) < 2).all()


def _paired(kw):
    return EV.paired_precision_difference(kw["recommended"], kw["other"], kw["relevant"], k=kw["ks"][-1])


def check_paired(r, kw):
    d, se = r
    finite_float(d, -1, 1)
    # NaN is documented for one user with a relevant item, and only there.
    n_users = sum(1 for s in kw["relevant"] if s)
    assert np.isnan(se) == (n_users == 1)


@st.composite
def histories(draw):
    h = draw(st.lists(st.floats(0, 100), min_size=2, max_size=10))
    return {"history": h, "target": draw(st.floats(0, 100))}


EVALUATE = [
    Case(EV.evaluate_lists, lists_and_sets().map(lambda kw: {k: v for k, v in kw.items() if k != "other"}), check_lists,
         {"recommended": "ids", "relevant": "sets", "ks": "sets", "n_items": "cutoff", "item_vectors": "array_opt"}),
    Case(EV.paired_precision_difference, lists_and_sets(), check_paired,
         {"recommended": ("slots", "recommended_a"), "other": ("slots", "recommended_b"), "relevant": "sets"},
         call=_paired),
    Case(EV.precision_per_user, lists_and_sets().map(lambda kw: {"recommended": kw["recommended"],
                                                                  "relevant": kw["relevant"], "k": kw["ks"][-1]}),
         lambda r, kw: finite_array(r, 0, 1), {"recommended": "slots", "relevant": "sets", "k": "count"}),
    Case(EV.mean_scores_per_user, mf_parts().map(lambda kw: {"U": kw["U"], "V": kw["V"],
                                                               "R": sp.csr_matrix(np.eye(*kw["R"].shape))}),
         lambda r, kw: (finite_array(r[0]), finite_array(r[1])) and None, {"U": "array", "V": "array", "R": "sparse"}),
    Case(TU.sgd_learning_rate, sparse_feedback().map(lambda R: {"R": R, "per_pair_step": 0.02, "batch_size": 8}),
         lambda r, kw: finite_float(r, 0), {"R": "sparse", "per_pair_step": "pos", "batch_size": "count"}),
    Case(TU.time_to_target, histories().map(lambda kw: {**kw, "seconds": 3.0}),
         lambda r, kw: finite_float(float(r[0]), 0), {"history": "array", "seconds": "nonneg_float", "target": "float"}),
    Case(TU.epochs_to_target, histories(), lambda r, kw: None, {"history": "array", "target": "float"}),
    Case(TU.fit_and_evaluate_mf, sparse_feedback(6, 12).map(lambda R: {"R": R, "exclude": R,
                                                                         "relevant": [{(i + 2) % 12} for i in range(6)]}),
         lambda r, kw: finite_dict(r[1], 0, 1), {"R": "sparse", "relevant": "sets"},
         call=lambda kw: TU.fit_and_evaluate_mf(**kw, n_factors=2, loss="all", w=1.0, reg=0.1, epochs=2, seed=0, k=3),
         examples=3, bad_examples=1),
    Case(TU.mf_grid_search, st.just({"R": sp.csr_matrix(np.eye(6, 12) + np.eye(6, 12, k=1)), "ws": [0.1, 1.0],
                                     "regs": [1.0]}),
         lambda r, kw: finite_array(r.to_numpy(), 0, 1), {"ws": "sets", "regs": "sets"},
         call=lambda kw: TU.mf_grid_search(kw["R"], kw["R"], [{9}] * 6, kw["ws"], kw["regs"], n_factors=2, epochs=1,
                                           seed=0),
         examples=1, bad_examples=1),
    Case(EV.compare_lists, lists_and_sets().map(lambda kw: {"lists": {"x": kw["recommended"], "y": kw["recommended"]},
                                                            "relevant": kw["relevant"], "a": "x", "b": "y",
                                                            "k": kw["ks"][-1]}),
         lambda r, kw: finite_dict({k: v for k, v in r.items() if k != "± s.e."}, -1, 1),
         {"lists": ("sets", "lists"), "relevant": "sets", "a": "column", "k": "count"}),
    Case(EV.random_precision, sets_of_ids(4, 6, min_size=1).map(lambda s: {"relevant": s, "n_items": 6}),
         lambda r, kw: probability(r), {"relevant": "sets", "n_items": "count"}),
    Case(EV.candidate_stats, st.lists(int_array(3, 0, 5), min_size=1, max_size=4).map(
        lambda c: {"candidates": c, "item_vectors": np.eye(6), "n_items": 6}),
         lambda r, kw: finite_dict(r, 0), {"candidates": "sets", "item_vectors": "array", "n_items": "count"}),
]


def test_evaluate_lists_counts_a_repeated_id_once_and_skips_padding():
    r = EV.evaluate_lists([[1, 1, 2]], [{1, 5}], ks=(3,), n_items=6)
    assert r["recall@3"] == 0.5 and r["precision@3"] == pytest.approx(1 / 3)    # was 1.0 and 2/3
    assert EV.evaluate_lists([[1, -1]], [{1}], ks=(2,), n_items=4)["coverage"] == 0.25


def test_random_precision_and_candidate_coverage_stay_in_range():
    with pytest.raises(ValueError, match="relevant"):
        EV.random_precision([{0, 1, 2}], 2)               # was 1.5
    with pytest.raises(ValueError, match="candidates"):
        EV.candidate_stats([[0, -1]], np.eye(3), 3)      # -1 counted as an item
    assert EV.candidate_stats([[0, 1], [2]], np.eye(3), 3)["candidate coverage"] == 1.0


# --------------------------------------------------------------------- candidates & re-rank


def _generators(kw):
    V = tiny()["vectors"]
    req = CG.Request(V[0], history=kw["history"], time=86400.0 * 10)
    gens = [CG.EmbeddingGenerator(V, kind="flat"), CG.PopularGenerator(np.arange(8.0)),
            CG.TrendingGenerator(np.arange(8), np.arange(8) * 86400.0, window_days=5),
            CG.SameGenreGenerator(np.eye(8)[:, :3] + np.eye(8)[:, 3:6], np.arange(8.0))]
    lists = {g.name: g.generate(req, kw["k"]) for g in gens}
    return lists, CG.merge_candidates(lists, exclude=kw["history"])


def check_generators(r, kw):
    lists, (ids, src) = r
    for name, ids_ in lists.items():
        assert len(ids_) <= kw["k"] and ((ids_ >= 0) & (ids_ < 8)).all(), name
    assert len(set(ids.tolist())) == len(ids) and not set(ids.tolist()) & set(kw["history"].tolist())


CANDIDATES = [
    Case(CG.EmbeddingGenerator, st.tuples(int_array(2, 0, 7),
                                          st.integers(1, 6)).map(lambda t: {"history": t[0], "k": t[1]}),
         check_generators, {"history": ("ids", "request.history"), "k": "count"}, call=_generators,
         covers=(CG.Request, CG.PopularGenerator, CG.TrendingGenerator, CG.SameGenreGenerator, CG.merge_candidates)),
    Case(RR.filter_blocked, int_array(4, 0, 5).map(lambda c: {"candidates": c, "blocked": np.array([0, 1] * 3)}),
         lambda r, kw: (r.dtype == bool) or pytest.fail("not a mask"), {"candidates": "ids", "blocked": "labels"}),
    Case(RR.freshness_boost, floats_array(4).flatmap(lambda s: floats_array(4, 0, 50).map(
        lambda a: {"scores": s, "age_years": a, "weight": 0.1, "half_life": 5.0})),
         lambda r, kw: finite_array(r), {"scores": "array", "age_years": "array", "weight": "nonneg_float",
                                         "half_life": "pos"}),
    Case(RR.dedupe, int_array(5, 0, 7).map(lambda c: {"candidates": c, "item_vectors": tiny()["vectors"],
                                                      "threshold": 0.9}),
         lambda r, kw: (r.dtype == bool and (len(r) == 0 or r[0])) or pytest.fail("first dropped"),
         {"candidates": "ids", "item_vectors": "array", "threshold": "float"}),
    Case(RR.mmr, st.tuples(st.permutations(range(8)), st.integers(1, 8), UNIT).map(
        lambda t: {"candidates": np.array(t[0][:5]), "scores": np.linspace(1, 0, 5), "item_vectors": tiny()["vectors"],
                   "k": t[1], "lam": t[2]}),
         lambda r, kw: (len(set(r.tolist())) == len(r) == min(kw["k"], 5)) or pytest.fail(str(r)),
         {"candidates": "ids", "scores": "array", "item_vectors": "array", "k": "count", "lam": "prob"}),
]


def test_rerankers_range_check_candidates():
    V = np.eye(3)
    for call in (lambda c: RR.filter_blocked(c, [0, 1, 0]), lambda c: RR.dedupe(c, V),
                 lambda c: RR.mmr(c, np.ones(len(c)), V, 1)):
        for bad in ([3], [-1]):                           # IndexError / wrap-around before
            with pytest.raises(ValueError, match="candidates"):
                call(bad)
    with pytest.raises(ValueError, match="request.history"):
        CG.SameGenreGenerator(np.eye(3), [1, 2, 3]).generate(CG.Request(np.zeros(2), history=np.array([-1])), 1)


def test_scorers_and_recommenders_range_check_ids():
    t = tiny()
    req = CG.Request(t["vectors"][0], history=np.array([0]))
    for bad in ([8], [-1]):                               # IndexError / wrap-around before
        with pytest.raises(ValueError, match="candidates"):
            PL.EmbeddingScorer(t["vectors"])(req, np.array(bad))
        with pytest.raises(ValueError, match="candidates"):
            PL.TwoTowerScorer(t["tt"])(req, np.array(bad))
    for model in (t["mf"], B.MostPopular().fit(t["R"]), CT.ContentRecommender(t["vectors"]).fit(t["R"])):
        for bad in ([6], [-1], [np.inf]):
            with pytest.raises(ValueError, match="users"):
                model.recommend(bad, 2)


# ---------------------------------------------------------------------------- the pipeline


def _pipeline(kw):
    t = tiny()
    V = t["vectors"]
    gens = {"ann": (CG.EmbeddingGenerator(V, kind="flat"), 5), "popular": (CG.PopularGenerator(np.arange(8.0)), 3)}
    scorer = PL.BlendScorer([(PL.EmbeddingScorer(V), 0.5), (PL.TwoTowerScorer(t["tt"]), 0.5)])
    pipe = PL.RecommendationPipeline(gens, scorer, V, k=kw["k"], lam=kw["lam"], blocked={"x": np.eye(8)[0] > 0},
                                     item_years=np.full(8, 2000.0), freshness_weight=0.1)
    reqs = [CG.Request(V[i], history=np.array([i]), time=1e9, region="x") for i in range(3)]
    many = PL.recommend_many(pipe, reqs)
    rec = pipe.recommend(reqs[0])
    return many, rec, rec.to_frame([f"t{i}" for i in range(8)]), SV.latency_samples(pipe.recommend, reqs[:2]), \
        SV.latency_percentiles(SV.latency_samples(pipe.recommend, reqs[:2])), PL.ExactScan(t["tt"], t["tt"].item_embeddings())(reqs[0], 3)


def check_pipeline(r, kw):
    many, rec, frame, samples, pct, scan = r
    finite_array(many, -1, 7, shape=(3, kw["k"]))
    assert 0 not in many and isinstance(rec, PL.Recommendation) and len(frame) == len(rec.items)
    finite_array(samples, 0)
    finite_dict(pct, 0)
    finite_array(scan, 0, 7)


PIPELINE = [
    Case(PL.RecommendationPipeline, st.tuples(st.integers(1, 6), UNIT).map(lambda t: {"k": t[0], "lam": t[1]}),
         check_pipeline, {"k": "count", "lam": "prob"}, call=_pipeline,
         covers=(PL.BlendScorer, PL.EmbeddingScorer, PL.TwoTowerScorer, PL.Recommendation, PL.recommend_many,
                 SV.latency_samples, PL.ExactScan), examples=6),
    Case(PL.standardise_rows, floats_array((3, 4)).map(lambda S: {"S": S + np.arange(4)}),
         lambda r, kw: finite_array(r), {"S": "array"}),
    Case(PL.blend_top_k, st.tuples(floats_array((2, 5)), floats_array((2, 5)), UNIT, st.integers(1, 5)).map(
        lambda t: {"scores_a": t[0] + np.arange(5), "scores_b": t[1] - np.arange(5), "weight_b": t[2], "k": t[3]}),
         lambda r, kw: finite_array(r, 0, 4, shape=(2, kw["k"])),
         {"scores_a": "array", "scores_b": "array", "weight_b": "prob", "k": "count"}),
    Case(PL.rerank_candidates, st.tuples(int_array((2, 4), 0, 5), floats_array((2, 6)), st.integers(1, 4)).map(
        lambda t: {"candidates": t[0], "scores": t[1], "k": t[2]}),
         lambda r, kw: finite_array(r, 0, 5, shape=(2, kw["k"])), {"candidates": "ids", "scores": "array", "k": "count"}),
    Case(CS.cold_start_lists, st.tuples(st.integers(0, 3), st.integers(1, 4)).map(
        lambda t: {"n_likes": t[0], "k": t[1]}),
         lambda r, kw: all(finite_array(v, -1, 7) is None for v in r.values()) or None,
         {"n_likes": "int", "k": "count"},
         call=lambda kw: CS.cold_start_lists(tiny()["mf"], tiny()["tt"], [[0, 1, 2], [3]], kw["n_likes"], [0.0, 0.0],
                                             None, np.zeros((2, 4), int), kw["k"]),
         examples=4),
    Case(CS.first_likes, ratings_frame().map(lambda df: {"events": df, "n": 2}),
         lambda r, kw: (sp.issparse(r) and r.shape == (4, 2) and r.sum(axis=0).max() <= kw["n"]) or pytest.fail(str(r)),
         {"events": "frame", "n": "count"},
         call=lambda kw: CS.first_likes(kw["events"], FB.FeedbackMatrix(sp.csr_matrix((4, 6)), np.arange(1, 5),
                                                                        np.arange(10, 16)), [2, 5], kw["n"])),
    Case(CS.new_item_cold_start, st.integers(1, 2).map(lambda k: {"k": k, "n_factors": 2, "epochs": 1}),
         lambda r, kw: all(finite_array(v, 0, 1) is None for v in r.values()) or None,
         {"k": "count", "n_factors": "count", "epochs": "count"},
         call=lambda kw: CS.new_item_cold_start(tiny()["R"], [6, 7], sp.csr_matrix(np.eye(6, 2)), [{0, 1}, {1}] + [{0}] * 4,
                                                tiny()["vectors"], np.arange(6), seed=0, **kw),
         examples=2, bad_examples=1),
    Case(PL.latency_table, st.just({"requests": [CG.Request(np.zeros(4), history=np.array([0]), time=0.0)],
                                    "source_items": np.arange(300) % 8}),
         lambda r, kw: finite_array(r[["p50_ms", "p99_ms"]].to_numpy(), 0), {"requests": "sets", "source_items": "ids"},
         # a synthetic catalogue of 300 items borrowing the 8 real items' features, as in chapter 6
         call=lambda kw: PL.latency_table(
             tiny()["tt"], kw["requests"],
             tiny()["tt"].item_embeddings()[np.arange(300) % 8] + np.random.default_rng(0).normal(0, 0.01, (300, 4)),
             kw["source_items"], np.arange(8.0), tiny()["vectors"]),
         examples=1, bad_examples=1),
]


# ------------------------------------------------------------------------------- simulation


@st.composite
def online_inputs(draw):
    n, k = draw(st.integers(1, 4)), draw(st.integers(1, 5))
    return {"recommended": draw(int_array((n, k), -1, 7)), "future_relevant": draw(sets_of_ids(n, 8)),
            "future_loved": draw(sets_of_ids(n, 8)), "lengths_min": draw(floats_array(8, 1, 200)),
            "p_click_relevant": draw(UNIT)}


def check_online(r, kw):
    finite_dict(r, 0)
    probability(r["ctr"])
    shown = (kw["recommended"] >= 0).sum(1).max()
    assert r["completed_per_user"] <= shown


SIMULATION = [
    Case(SIM.simulate_online, online_inputs(), check_online,
         {"recommended": "ids", "future_relevant": "sets", "future_loved": "sets", "lengths_min": "nonneg",
          "p_click_relevant": "prob"}),
]


def test_simulate_online_never_clicks_an_empty_slot():
    out = SIM.simulate_online([[-1, -1]], [{7}], [{7}], np.full(8, 100.0), p_click_relevant=1.0, p_click_other=1.0,
                              position_decay=1.0)
    assert out["ctr"] == 0 and out["watch_min_per_user"] == 0      # -1 was the last item


ALL = FEEDBACK + MFS + MODELS + TWO_TOWER + EVALUATE + CANDIDATES + PIPELINE + SIMULATION


