"""Stateful property tests: a rejected call leaves an index or a fitted model as it was.

For each class of mlsd_lib that holds an index or learned state, a hypothesis
``RuleBasedStateMachine`` interleaves valid calls (add, fit, push, mark...) with calls that
must be refused (bad shapes, strings, NaN, huge values, ids out of range, negative,
fractional or boolean). After every refused call the object's whole state, fingerprinted
attribute by attribute (arrays, sparse matrices, tensors, faiss indexes, frames), must be
unchanged; after every step the object must still answer a valid query. Issue 26's first
case was a search engine that stored a vector, then refused the tokens, and was broken
from then on.

Example counts are small (a few seconds per machine); the runs are derandomised.
"""

from __future__ import annotations

import functools
import hashlib
import pickle
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from contracts._contract import (
    COVERED,
    PROFILE,
    bad_ids,
    floats_array,
    numeric_dtypes,
    qualname,
    rejects,
)
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from mlsd_lib import ann
from mlsd_lib.ann.rpforest import RPForest
from mlsd_lib.moderation import enforcement as EN
from mlsd_lib.moderation import features as FE
from mlsd_lib.moderation import models as MM
from mlsd_lib.moderation import simulator as SI
from mlsd_lib.monitoring import DriftMonitor
from mlsd_lib.recsys.baselines import ImplicitALS, MostPopular
from mlsd_lib.recsys.content import ContentRecommender
from mlsd_lib.recsys.mf import MatrixFactorization
from mlsd_lib.recsys.rating_baseline import BiasRatingModel
from mlsd_lib.recsys.two_tower import TwoTowerRecommender
from mlsd_lib.text import InvertedIndex
from mlsd_lib.text.hashing import Vocabulary
from mlsd_lib.text.tokenize import BPETokenizer
from mlsd_lib.text.vectorize import TextVectorizer
from mlsd_lib.training import LinearClassifier
from mlsd_lib.video_search import engine as S
from mlsd_lib.video_search.tagging import AutoTagger
from mlsd_lib.visual_search.services import IndexingService

# ------------------------------------------------------------------------ fingerprints


def fingerprint(x: object, _seen: dict | None = None) -> object:
    """A comparable summary of everything an object holds (recursively)."""
    # id -> object: holding the objects keeps their ids from being reused by temporaries
    # (state_dict() builds new tensors), which would read as false cycles
    seen = {} if _seen is None else _seen
    if isinstance(x, str | bytes | int | float | bool | type(None) | np.generic):
        return x
    if id(x) in seen:
        return ("<cycle>", type(x).__name__)
    seen[id(x)] = x
    if isinstance(x, np.ndarray):
        if x.dtype == object:
            return ("nd-object", x.shape, tuple(fingerprint(v, seen) for v in x.ravel()))
        return ("nd", x.dtype.str, x.shape, hashlib.sha1(np.ascontiguousarray(x).tobytes()).hexdigest())
    if sp.issparse(x):
        return ("sparse", x.shape, fingerprint(x.toarray(), seen))
    if isinstance(x, torch.Tensor):
        return ("tensor", fingerprint(x.detach().cpu().numpy(), seen))
    if isinstance(x, torch.nn.Module):
        return ("module", x.training, tuple((k, fingerprint(v, seen)) for k, v in x.state_dict().items()))
    if isinstance(x, pd.DataFrame | pd.Series | pd.Index):
        return ("pandas", hashlib.sha1(pickle.dumps(x)).hexdigest())
    if type(x).__module__.startswith("faiss"):
        import faiss

        try:
            return ("faiss", x.ntotal, hashlib.sha1(faiss.serialize_index(x).tobytes()).hexdigest())
        except Exception:  # an index faiss cannot serialise (a shard view): its size
            return ("faiss", x.ntotal)
    if isinstance(x, dict):
        return ("dict", tuple((repr(k), fingerprint(v, seen)) for k, v in x.items()))
    if isinstance(x, list | tuple | set | frozenset):
        items = sorted(x, key=repr) if isinstance(x, set | frozenset) else x
        return (type(x).__name__, tuple(fingerprint(v, seen) for v in items))
    if callable(x) and not hasattr(x, "__dict__"):
        return ("callable", getattr(x, "__qualname__", repr(type(x))))
    if hasattr(x, "__dict__"):
        return (type(x).__name__, fingerprint(vars(x), seen))
    return ("opaque", type(x).__name__)


# ---------------------------------------------------------------------------- machines


@dataclass
class Machine:
    """A stateful object under test: how to make it, its valid and its refused calls.

    ``good`` strategies draw ``fn(obj)`` calls that must succeed; ``bad`` strategies draw
    ``(fn(obj), name, value)``: the call must raise ``ValueError``/``TypeError`` naming
    ``name`` and leave ``fingerprint(obj)`` unchanged. ``probe(obj)`` is a valid query run
    after every step.
    """

    name: str
    make: Callable[[], object]
    good: st.SearchStrategy
    bad: st.SearchStrategy
    probe: Callable[[object], object]
    covers: tuple = ()
    steps: int = 6
    examples: int = 4

    def __post_init__(self) -> None:
        for obj in self.covers:
            COVERED.add(qualname(obj))


def bad_call(method: str, name: str, values, **fixed) -> st.SearchStrategy:
    """``obj.method(name=value, **fixed)`` for each bad value (a list or a strategy)."""
    values = values if isinstance(values, st.SearchStrategy) else st.sampled_from(values)
    return values.map(lambda v: (lambda obj: getattr(obj, method)(**{name: v}, **fixed), name, v))


def machine_class(m: Machine) -> type[RuleBasedStateMachine]:
    class StateKept(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.obj = m.make()

        @rule(call=m.good)
        def valid_call(self, call) -> None:
            call(self.obj)

        @rule(call=m.bad)
        def refused_call_changes_nothing(self, call) -> None:
            fn, name, value = call
            before = fingerprint(self.obj)
            rejects(lambda: fn(self.obj), name, value)
            assert fingerprint(self.obj) == before, f"{m.name}: a refused call ({name}={value!r:.60}) changed the state"

        @invariant()
        def still_answers(self) -> None:
            m.probe(self.obj)

    StateKept.__name__ = f"StateKept_{m.name}"
    return StateKept


# ------------------------------------------------------------------------- the objects

D = 4
VECS = np.random.default_rng(0).normal(size=(12, D)).astype(np.float32)
BAD_VECTORS = [None, "abc", np.ones((2, D + 1)), np.full((1, D), np.nan), np.full((1, D), np.inf),
               np.full((1, D), 1e300), np.zeros((0, D)), np.ones((2, 2, D)), [[1, 2], [3]]]
# float64, float32 and int vectors alike (an index stores float32 whatever it is given)
GOOD_VECTORS = st.integers(1, 3).flatmap(lambda n: numeric_dtypes(floats_array((n, D), 1, 3), integral=True))


def _ann(kind: str, metric: str = "l2", **params) -> Machine:
    return Machine(
        f"AnnIndex[{kind}]", lambda: ann.build(kind, VECS, metric, **params),
        GOOD_VECTORS.map(lambda v: lambda ix: ix.add(v)),
        bad_call("add", "vectors", BAD_VECTORS + ([np.zeros((1, D))] if metric == "cosine" else [])),
        lambda ix: ix.search(VECS[:2], k=3), covers=(ann.AnnIndex,))


def _rpforest() -> Machine:
    def make():
        f = RPForest(D, n_trees=2, leaf_size=4)
        f.add(VECS)
        return f
    return Machine("RPForest", make, GOOD_VECTORS.map(lambda v: lambda f: f.add(v.astype(np.float32))),
                   bad_call("add", "x", BAD_VECTORS[:-1]).map(lambda t: (t[0], "vectors", t[2])),
                   lambda f: f.search(VECS[:2], 2), covers=(RPForest,))


def _store() -> Machine:
    n = len(VECS)
    ids = st.one_of(bad_ids(n), st.sampled_from([[0, n], np.array([True, False]), [0.5], "0"]))
    return Machine(
        "IndexingService", lambda: IndexingService(ann.build("flat", VECS, "ip"), VECS),
        st.one_of(GOOD_VECTORS.map(lambda v: lambda s: s.add(v)),
                  st.integers(0, n - 1).map(lambda i: lambda s: s.set_private([i])),
                  st.integers(0, n - 1).map(lambda i: lambda s: s.block(i))),
        st.one_of(bad_call("add", "vectors", BAD_VECTORS),
                  bad_call("add", "private", ["yes", None, 2], vectors=VECS[:1]),
                  bad_call("set_private", "ids", ids), bad_call("block", "ids", ids)),
        lambda s: s.index.search(VECS[:1], 2), covers=(IndexingService,))


TOKENS = st.lists(st.sampled_from(["red", "bag", "blue", "coat", "new"]), max_size=4)
BAD_DOCS = ["red bag", None, 3, ["red", "bag"], [["red", 3]], [[None]], {"a": ["b"]}, [b"red"]]


def _inverted() -> Machine:
    def make():
        idx = InvertedIndex()
        idx.add([["red", "bag"], ["blue", "coat"]])
        return idx
    return Machine("InvertedIndex", make, st.lists(TOKENS, min_size=1, max_size=3).map(lambda d: lambda ix: ix.add(d)),
                   bad_call("add", "docs", BAD_DOCS), lambda ix: ix.search(["red"], 3), covers=(InvertedIndex,))


def _engine() -> S.VideoSearchEngine:
    vecs = np.eye(4, dtype="float32")
    idx = InvertedIndex()
    idx.add([["red", "bag"], ["blue", "coat"], ["red", "coat"], ["bag"]])
    store = IndexingService(ann.build("flat", vecs, "ip"), vecs)
    return S.VideoSearchEngine(idx, lambda q: q.lower().split(), lambda q: vecs[2], store, weight=0.5, candidates=3)


def _video_engine() -> Machine:
    emb = np.eye(4, dtype="float32")[1]
    bad = st.one_of(
        st.sampled_from(["red bag", None, 3, [["red"]], [1, 2]]).map(
            lambda t: (lambda e: e.add_video(emb, t), "tokens", t)),
        st.sampled_from([None, "abc", np.ones(5), np.ones((2, 4)), np.full(4, np.nan), np.full(4, 1e300)]).map(
            lambda v: (lambda e: e.add_video(v, ["new"]), "embedding", v)))

    def probe(e):
        assert e.store.index.ntotal == e.text_index.n_docs
        e.search("red coat", k=3)
    return Machine("VideoSearchEngine", _engine,
                   st.tuples(floats_array(4, 0.1, 1), TOKENS).map(lambda t: lambda e: e.add_video(t[0], t[1])),
                   bad, probe, covers=(S.VideoSearchEngine,))


R = sp.csr_matrix(np.kron(np.eye(2), np.ones((3, 3))))
BAD_R = [None, "abc", np.ones((2, 2, 2)), sp.csr_matrix((6, 0)), sp.csr_matrix(np.full((6, 6), np.nan))]


def _recommender(name, make, fit=lambda m, R: m.fit(R), score=lambda m: m.recommend([0, 1], k=2),
                 bad_query=lambda u: (lambda m: m.recommend(u, k=2), "users", u), bad_fit=None) -> Machine:
    def made():
        return fit(make(), R)
    return Machine(name, made, st.integers(0, 2).map(lambda s: lambda m: fit(m, sp.csr_matrix(np.roll(R.toarray(), s, 1)))),
                   st.one_of(st.sampled_from(BAD_R).map(lambda b: (lambda m: fit(m, b), "R", b)),
                             st.sampled_from([[-1], [6], [0.5], [True], "0"]).map(bad_query),
                             bad_fit if bad_fit is not None else st.nothing()),
                   score, covers=(type(made()),), steps=4, examples=3)


def _tt_fit(m, R):
    return m.fit(R, np.zeros(R.nnz)) if sp.issparse(R) else m.fit(R, np.zeros(1))


@functools.cache
def _posts():
    posts = SI.simulate_posts(80, n_images=20, seed=0)
    rng = np.random.default_rng(0)
    fz = FE.PostFeaturizer(rng.normal(size=(20, 3)), text_embeddings=rng.normal(size=(len(SI.sentence_vocabulary()), 3)),
                           comment_embeddings=rng.normal(size=(len(SI.comment_vocabulary()), 2)))
    return posts, fz


def _featurizer() -> Machine:
    posts, fz = _posts()

    def make():
        import copy
        return copy.deepcopy(fz).fit(posts)
    return Machine("PostFeaturizer", make, st.integers(20, 80).map(lambda n: lambda f: f.fit(posts.subset(np.arange(n)))),
                   st.sampled_from([None, "posts", posts.frame, 3]).map(lambda b: (lambda f: f.fit(b), "posts", b)),
                   lambda f: f.transform(posts.subset([0, 1])), covers=(FE.PostFeaturizer,), steps=3, examples=2)


def _harm_classifier() -> Machine:
    posts, fz = _posts()
    feats = fz.fit(posts).transform(posts)
    y = posts.hand_labels
    bad_y = [None, "abc", y[:-1], np.full_like(y, 2), y * np.nan]

    def make():
        return MM.HarmClassifier(epochs=1, hidden=4, head_hidden=2).fit(feats, y)
    return Machine("HarmClassifier", make, st.just(lambda c: c.fit(feats, y)),
                   st.sampled_from(bad_y).map(lambda b: (lambda c: c.fit(feats, b), "labels", b)),
                   lambda c: c.predict_proba(feats), covers=(MM.HarmClassifier,), steps=3, examples=2)


def _review_queue() -> Machine:
    def make():
        q = EN.ReviewQueue(3)
        q.push([1, 2], [0.5, 0.9])
        return q
    bad = st.sampled_from([("post_ids", ["a"], [0.5]), ("post_ids", [1.5], [0.5]), ("priority", [1], [np.nan]),
                           ("priority", [1], "high"), ("post_ids", [1, 2], [0.5]), ("post_ids", None, [0.5])])
    return Machine("ReviewQueue", make,
                   st.tuples(st.integers(0, 50), st.floats(0, 1)).map(lambda t: lambda q: q.push([t[0]], [t[1]])),
                   bad.map(lambda b: (lambda q: q.push(b[1], b[2]), b[0], b[1:])),
                   lambda q: len(q), covers=(EN.ReviewQueue,))


def _refit(name, make, good_args, bad_args, probe, covers) -> Machine:
    """A model whose ``fit`` replaces its learned state: a refused refit must keep the old one."""
    return Machine(name, lambda: make().fit(*good_args[0]),
                   st.sampled_from(good_args).map(lambda a: lambda m: m.fit(*a)),
                   st.sampled_from(bad_args).map(lambda b: (lambda m: m.fit(*b[1]), b[0], b[1])),
                   probe, covers=covers, steps=4, examples=3)


DOCS = [[["red", "bag"], ["blue", "coat", "coat"]], [["new", "red"], ["bag"]]]
BAD_TOKEN_DOCS = [("docs", ("red bag",)), ("docs", (None,)), ("docs", ([["red", 3]],)), ("docs", (3,))]
X = np.random.default_rng(1).normal(size=(12, 3))
Y = np.arange(12) % 2
META = pd.DataFrame({"label": [0, 7] * 6, "colour": ["red", "blue"] * 6, "background": ["beach", "night"] * 6})
RATINGS = pd.DataFrame({"userId": [1, 1, 2, 3], "movieId": [10, 11, 10, 12], "rating": [5.0, 3.0, 4.0, 2.0]})

MACHINES = [
    _ann("flat"), _ann("hnsw", M=4), _ann("flat", "cosine"), _ann("rpforest"), _rpforest(), _store(), _inverted(),
    _video_engine(),
    _recommender("MostPopular", MostPopular),
    _recommender("ImplicitALS", lambda: ImplicitALS(n_factors=2, epochs=2)),
    _recommender("ContentRecommender", lambda: ContentRecommender(np.eye(6))),
    _recommender("MatrixFactorization", lambda: MatrixFactorization(n_factors=2, epochs=2)),
    _recommender("TwoTowerRecommender", lambda: TwoTowerRecommender(np.eye(6), dim=2, hidden=4, epochs=1, batch_size=6),
                 fit=_tt_fit, score=lambda m: m.recommend_from_history([[0, 1]], k=2, context_times=[0]),
                 bad_query=lambda u: (lambda m: m.recommend_from_history([u], k=2, context_times=[0]), "histories", u),
                 bad_fit=st.sampled_from([np.ones(5, bool), np.full(6, 2)]).map(
                     lambda b: (lambda m: m.fit(R, np.zeros(R.nnz), known_items=b), "known_items", b))),
    _featurizer(), _harm_classifier(), _review_queue(),
    _refit("Vocabulary", Vocabulary, [(d,) for d in DOCS], BAD_TOKEN_DOCS, lambda v: v.ids(["red"]), (Vocabulary,)),
    _refit("TextVectorizer", TextVectorizer, [(d,) for d in DOCS], BAD_TOKEN_DOCS,
           lambda v: v.transform(DOCS[0]), (TextVectorizer,)),
    _refit("BPETokenizer", lambda: BPETokenizer(vocab_size=30), [(["red bag", "blue bags"],), (["new red"],)],
           [("texts", ("red bag",)), ("texts", ([3],)), ("texts", (None,))], lambda b: b.tokenize("red"),
           (BPETokenizer,)),
    _refit("LinearClassifier", LinearClassifier, [(X, Y), (X[::-1], Y)],
           [("X", (np.full_like(X, np.nan), Y)), ("y", (X, Y + 2)), ("y", (X, Y[:-1])), ("X", ("abc", Y))],
           lambda c: c.predict_proba(X), (LinearClassifier,)),
    _refit("AutoTagger", AutoTagger, [(X, META), (X[::-1], META)],
           [("label", (X, META.assign(label=[-1, 7] * 6))), ("label", (X, META.assign(label=[0.5, 7] * 6))),
            ("embeddings", (X[:-1], META)), ("meta", (X, "meta"))],
           lambda t: t.tags(X[:2]), (AutoTagger,)),
    _refit("BiasRatingModel", lambda: BiasRatingModel(reg=1.0), [(RATINGS,), (RATINGS.iloc[::-1],)],
           [("df", (RATINGS.assign(rating=["5", "3", "4", "2"]),)), ("df", (RATINGS.assign(rating=np.nan),)),
            ("df", (RATINGS.iloc[:0],)), ("df", ("ratings",))],
           lambda m: m.predict(RATINGS), (BiasRatingModel,)),
    _refit("DriftMonitor", DriftMonitor, [(pd.DataFrame({"x": np.arange(50.0)}),), (pd.DataFrame({"x": np.arange(50.0) ** 2}),)],
           [("reference", (pd.DataFrame({"x": [np.nan] * 5}),)), ("reference", ("abc",)),
            ("reference", (pd.DataFrame(),)), ("reference", (pd.DataFrame({"x": np.ones(50)}),))],
           lambda m: m.check(pd.DataFrame({"x": np.arange(50.0)})), (DriftMonitor,)),
]


@pytest.mark.parametrize("m", MACHINES, ids=[m.name for m in MACHINES])
def test_a_refused_call_leaves_the_state_as_it_was(m):
    run_state_machine_as_test(machine_class(m), settings=settings(PROFILE, max_examples=m.examples,
                                                                  stateful_step_count=m.steps))


def test_the_stage_engine_survives_a_refused_run():
    from mlsd_lib.batch import StageEngine

    stages = [("double", lambda xs: [2 * x for x in xs], "cpu")]
    with StageEngine({"cpu": 1}) as engine:
        pools = dict(engine.pools)
        for bad, name in ((None, "stages"), ([("x", 3, "cpu")], "stages"), ([("x", len, "gpu")], "stages"),
                          ("abc", "batches")):
            kw = {"batches": [[1]], "stages": stages}
            kw[name] = bad
            rejects(lambda kw=kw: engine.run(kw["batches"], kw["stages"]), name, bad)
            assert engine.pools == pools
        assert engine.run([[1, 2]], stages).results == [[2, 4]]


def test_a_refused_training_call_leaves_the_detector_as_it_was():
    from mlsd_lib.detection import models as DM
    from mlsd_lib.detection import scenes as DS
    from mlsd_lib.detection import train as DT

    scenes = DS.make_scenes(2, seed=0)
    for cls in (DM.OneStageDetector, DM.TwoStageDetector):
        model = cls()
        before = fingerprint(model)
        for name, bad in (("epochs", {"epochs": 0}), ("batch_size", {"batch_size": True}),
                          ("lr", {"lr": float("nan")}), ("lr", {"lr": 1e300}), ("scenes", {"scenes": "abc"})):
            kw = {"scenes": scenes, "epochs": 1, "batch_size": 2, **bad}
            rejects(lambda kw=kw, model=model: DT.train_detector(model, **kw), name, bad)
            assert fingerprint(model) == before, f"{cls.__name__}: a refused train_detector({name}) changed the weights"
        rejects(lambda cls=cls: DT.train_detector(cls(image_size=32), scenes, epochs=1), "px", "64 px scenes")
