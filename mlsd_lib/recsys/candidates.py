"""Candidate generators (source ch. 6, "Candidate generation", Figs. 6.24-6.25).

Each generator answers one :class:`Request` with up to ``k`` item positions, cheaply.
The embedding generator searches the chapter-2 ANN service (:mod:`mlsd_lib.ann`); the others
(popular, trending, same-genre) add videos a user might want for other reasons, which is
what widens the final list. :func:`merge_candidates` unions them and remembers which
generator proposed each item.

Introduced in chapter 6, "Serving: candidate generation".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from mlsd_lib import ann
from mlsd_lib._validation import as_array, check_float, check_ids, check_int


@dataclass
class Request:
    """One homepage load: who (an embedding and a history), when, and from where."""

    user_vector: np.ndarray
    history: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    time: float = 0.0
    region: str = "default"
    seen: np.ndarray | None = None  # items never to show again (default: the history)


def _check_request(request: object) -> None:
    if not isinstance(request, Request):
        raise TypeError(f"request must be a Request, got {type(request).__name__}")
    check_float(request.time, "request.time")


def _seen(request: Request) -> np.ndarray:
    seen = request.history if request.seen is None else request.seen
    return as_array(seen, "request.seen" if request.seen is not None else "request.history",
                    ndim=1, dtype="int", allow_empty=True)


class EmbeddingGenerator:
    """Nearest item embeddings to the user's embedding, by inner product, via :func:`mlsd_lib.ann.build`.

    Examples
    --------
    >>> V = np.eye(4, dtype="float32")
    >>> g = EmbeddingGenerator(V, kind="flat")
    >>> g.generate(Request(np.array([0, 0, 1.0, 0])), k=1).tolist()
    [2]
    """

    name = "embedding (ANN)"

    def __init__(self, item_vectors: ArrayLike, kind: str = "hnsw", **build_kwargs) -> None:
        self.index = ann.build(kind, as_array(item_vectors, "item_vectors", ndim=2), metric="ip", **build_kwargs)

    def generate(self, request: Request, k: int) -> np.ndarray:
        _check_request(request)
        k = check_int(k, "k", low=1)
        seen = _seen(request)
        # Over-fetch by the number of seen items: a heavy user's nearest videos are mostly
        # ones they already watched, which the merge step drops.
        u = as_array(request.user_vector, "request.user_vector", ndim=1)
        if len(u) != self.index.dim:
            raise ValueError(f"request.user_vector must have {self.index.dim} entries (the item vectors' "
                             f"dimension), got {len(u)}")
        ids, _ = self.index.search(u[None, :], min(k + len(seen), self.index.ntotal))
        ids = ids[0][ids[0] >= 0]
        return ids[~np.isin(ids, seen)][:k]


class PopularGenerator:
    """The most-interacted items overall.

    Examples
    --------
    >>> PopularGenerator([5, 9, 1]).generate(Request(np.zeros(2)), k=2).tolist()
    [1, 0]
    """

    name = "popular"

    def __init__(self, counts: ArrayLike) -> None:
        c = as_array(counts, "counts", ndim=1)
        self.order = np.argsort(-c, kind="stable")

    def generate(self, request: Request, k: int) -> np.ndarray:
        _check_request(request)
        return self.order[: check_int(k, "k", low=1)]


class TrendingGenerator:
    """Items with the most interactions in the ``window_days`` before the request time.

    Examples
    --------
    >>> g = TrendingGenerator(items=[0, 1, 1, 2], times=[0, 86400 * 9, 86400 * 9.5, 86400 * 9.9], window_days=2)
    >>> g.generate(Request(np.zeros(2), time=86400 * 10), k=2).tolist()
    [1, 2]
    """

    name = "trending"

    def __init__(self, items: ArrayLike, times: ArrayLike, window_days: float = 30.0) -> None:
        self.items = as_array(items, "items", ndim=1, dtype="int")
        self.times = as_array(times, "times", ndim=1)
        if len(self.items) != len(self.times):
            raise ValueError(f"items ({len(self.items)}) and times ({len(self.times)}) must have the same length")
        order = np.argsort(self.times, kind="stable")
        self.items, self.times = self.items[order], self.times[order]
        self.window = check_float(window_days, "window_days", low=0, low_open=True) * 86400

    def generate(self, request: Request, k: int) -> np.ndarray:
        _check_request(request)
        k = check_int(k, "k", low=1)
        lo, hi = np.searchsorted(self.times, [request.time - self.window, request.time])
        # Only the past counts: an interaction after the request would be a leak.
        ids, counts = np.unique(self.items[lo:hi], return_counts=True)
        return ids[np.argsort(-counts, kind="stable")][:k]


class SameGenreGenerator:
    """The most popular items of the genre the user's history holds most.

    Examples
    --------
    >>> G = np.array([[1, 0], [1, 0], [0, 1], [0, 1.0]])
    >>> g = SameGenreGenerator(G, counts=[1, 2, 5, 3])
    >>> g.generate(Request(np.zeros(2), history=np.array([2])), k=2).tolist()
    [2, 3]
    """

    name = "same genre"

    def __init__(self, genres: ArrayLike, counts: ArrayLike) -> None:
        self.genres = as_array(genres, "genres", ndim=2)
        c = as_array(counts, "counts", ndim=1)
        if len(c) != len(self.genres):
            raise ValueError(f"counts ({len(c)}) needs one entry per row of genres ({len(self.genres)})")
        self.by_genre = [np.flatnonzero(self.genres[:, g] > 0)[np.argsort(-c[self.genres[:, g] > 0], kind="stable")]
                         for g in range(self.genres.shape[1])]

    def generate(self, request: Request, k: int) -> np.ndarray:
        _check_request(request)
        k = check_int(k, "k", low=1)
        hist = check_ids(request.history, "request.history", len(self.genres), allow_empty=True,
                         of="rows of genres")
        if len(hist) == 0:
            return np.zeros(0, dtype=np.int64)
        top = int(np.argmax(self.genres[hist].sum(axis=0)))
        return self.by_genre[top][:k]


def merge_candidates(lists: dict[str, ArrayLike], exclude: ArrayLike | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Union of generators' lists, first proposer wins; returns ``(ids, source names)``.

    Examples
    --------
    >>> ids, src = merge_candidates({"ann": [3, 1], "popular": [1, 7]}, exclude=[7])
    >>> ids.tolist(), src.tolist()
    ([3, 1], ['ann', 'ann'])
    """
    if not isinstance(lists, dict):
        raise TypeError(f"lists must be a dict of generator name -> item positions, got {type(lists).__name__}")
    if not lists:
        raise ValueError("lists must be a non-empty dict of generator name -> item positions")
    ex = set() if exclude is None else set(
        as_array(exclude, "exclude", ndim=1, dtype="int", allow_empty=True).tolist())
    seen: dict[int, str] = {}
    for name, ids in lists.items():
        for i in as_array(ids, f"lists[{name!r}]", ndim=1, dtype="int", allow_empty=True).tolist():
            if i not in seen and i not in ex:
                seen[i] = name
    return np.fromiter(seen.keys(), dtype=np.int64, count=len(seen)), np.array(list(seen.values()), dtype=object)
