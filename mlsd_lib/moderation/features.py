"""The fused feature vector of a post (source ch. 5, "Feature engineering", Fig. 5.15).

Text and comments are embedded by the bundled MiniLM sentence encoder, each distinct sentence
once (the vocabulary is fixed, so the result is cached on disk); pictures by a convolutional
network; counts are log-scaled and standardised; time of day is bucketed and one-hot encoded
with the device and gender; city and country stay integer codes, for an embedding layer or a
one-hot block (unknown codes at transform time map to code 0).

Introduced in chapter 5, "Data preparation".
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
from sklearn.preprocessing import OneHotEncoder

from mlsd_lib._validation import as_array, check_int
from mlsd_lib.data.text_encoder import encode_sentences
from mlsd_lib.moderation.simulator import Posts, comment_vocabulary, sentence_vocabulary
from mlsd_lib.tabular.features import log_scale, standardize

__all__ = ["FusedFeatures", "PostFeaturizer", "hour_bucket", "image_pool_features",
           "pretrained_image_encoder"]

COUNT_COLUMNS = ("likes", "shares", "comments", "early_reports")
AUTHOR_COLUMNS = ("violations", "author_reports", "profane_rate", "age", "account_age_days", "followers",
                  "following")
HOUR_EDGES = (0, 6, 11, 14, 18, 22, 24)           # night, morning, noon, afternoon, evening, night
HOUR_BUCKETS = ("night", "morning", "noon", "afternoon", "evening", "night")
REACTION_BLOCKS = ("comments", "reactions")
MODALITIES = {"text": ("text",), "image": ("image",), "other": ("comments", "reactions", "author", "context")}


def hour_bucket(hours) -> np.ndarray:
    """Time of day in six buckets (night, morning, noon, afternoon, evening, night again → 0..4).

    Examples
    --------
    >>> hour_bucket([0, 7, 12, 15, 20, 23]).tolist()
    [0, 1, 2, 3, 4, 0]
    """
    h = as_array(hours, "hours", ndim=1, dtype="int")
    if h.min() < 0 or h.max() > 23:
        raise ValueError("hours must be whole hours in 0..23")
    b = np.searchsorted(np.asarray(HOUR_EDGES[1:]), h, side="right")
    return np.where(b == 5, 0, b)


@dataclass
class FusedFeatures:
    """Feature blocks of a set of posts, and the city/country codes.

    ``blocks`` maps a block name (``text``, ``image``, ``comments``, ``reactions``,
    ``author``, ``context``) to an (n, d) float32 array. ``n_countries`` is the number of
    country codes a model must reserve (``None``: one more than the largest code present).

    Examples
    --------
    >>> f = FusedFeatures({"text": np.zeros((3, 2), np.float32)}, np.zeros(3, int), np.array([0, 2, 1]), 1)
    >>> f.n_countries, len(f.subset([0, 1]))
    (3, 2)
    """

    blocks: dict[str, np.ndarray]
    city: np.ndarray
    country: np.ndarray
    n_cities: int
    names: dict[str, list[str]] = field(default_factory=dict)
    n_countries: int | None = None

    def __post_init__(self) -> None:
        self.country = as_array(self.country, "country", ndim=1, dtype="int", allow_empty=True)
        if len(self.country) != len(self.city):
            raise ValueError(f"country has {len(self.country)} codes but city has {len(self.city)}; "
                             "pass one country code per post")
        top = int(self.country.max()) if len(self.country) else 0
        if len(self.country) and self.country.min() < 0:
            raise ValueError("country codes must be >= 0")
        self.n_countries = check_int(top + 1 if self.n_countries is None else self.n_countries, "n_countries", low=1)
        if top >= self.n_countries:
            raise ValueError(f"country codes must be below n_countries ({self.n_countries}); map unknown "
                             "countries to a known code or raise n_countries")

    def __len__(self) -> int:
        return len(self.city)

    def subset(self, idx) -> FusedFeatures:
        """The rows at ``idx``."""
        return FusedFeatures({k: v[idx] for k, v in self.blocks.items()}, self.city[idx], self.country[idx],
                             self.n_cities, self.names, self.n_countries)

    def dense(self, blocks=None) -> np.ndarray:
        """The chosen blocks side by side (all blocks by default)."""
        names = list(self.blocks) if blocks is None else list(blocks)
        unknown = [b for b in names if b not in self.blocks]
        if unknown:
            raise ValueError(f"blocks {unknown} unknown; choose from {list(self.blocks)}")
        return np.hstack([self.blocks[b] for b in names]).astype(np.float32)

    def dims(self) -> dict[str, int]:
        """Width of each block."""
        return {k: v.shape[1] for k, v in self.blocks.items()}


class PostFeaturizer:
    """Turn :class:`Posts` into :class:`FusedFeatures`; scaling statistics are learnt on ``fit``.

    Parameters
    ----------
    image_features : (n_images, d) features of the image pool (from a CNN).
    cache_dir : where the sentence embeddings are cached (``None``: no cache).

    Examples
    --------
    >>> from mlsd_lib.moderation.simulator import simulate_posts
    >>> p = simulate_posts(200, n_images=50)
    >>> f = PostFeaturizer(np.zeros((50, 4)), text_embeddings=np.zeros((len(sentence_vocabulary()), 3)),
    ...                    comment_embeddings=np.zeros((len(comment_vocabulary()), 3))).fit(p)
    >>> f.transform(p).dims()["text"]
    3
    """

    def __init__(self, image_features, cache_dir: str | os.PathLike | None = None, *,
                 text_embeddings=None, comment_embeddings=None) -> None:
        self.image_features = as_array(image_features, "image_features", ndim=2).astype(np.float32)
        self.cache_dir = cache_dir
        self.text_embeddings = (encode_sentences(sentence_vocabulary(), cache_dir) if text_embeddings is None
                                else as_array(text_embeddings, "text_embeddings", ndim=2))
        self.comment_embeddings = (encode_sentences(comment_vocabulary(), cache_dir) if comment_embeddings is None
                                   else as_array(comment_embeddings, "comment_embeddings", ndim=2))
        if len(self.text_embeddings) != len(sentence_vocabulary()):
            raise ValueError(f"text_embeddings needs one row per vocabulary sentence ({len(sentence_vocabulary())})")
        if len(self.comment_embeddings) != len(comment_vocabulary()):
            raise ValueError(f"comment_embeddings needs one row per comment sentence ({len(comment_vocabulary())})")

    def _numeric(self, posts: Posts) -> tuple[np.ndarray, np.ndarray]:
        f = posts.frame
        counts = log_scale(f[list(COUNT_COLUMNS)].to_numpy(float))
        author = f[list(AUTHOR_COLUMNS)].to_numpy(float)
        author[:, [0, 1, 4, 5, 6]] = log_scale(author[:, [0, 1, 4, 5, 6]])
        return counts, author

    def fit(self, posts: Posts) -> PostFeaturizer:
        """Learn count and author scaling and the one-hot categories from training posts."""
        if not isinstance(posts, Posts):
            raise TypeError(f"posts must be Posts from simulate_posts, got {type(posts).__name__}")
        counts, author = self._numeric(posts)
        self.stats_ = {"counts": (counts.mean(0), counts.std(0) + 1e-6), "author": (author.mean(0), author.std(0) + 1e-6)}
        self.onehot_ = OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(self._context(posts))
        self.n_cities_ = int(posts.frame["city"].max()) + 1
        self.n_countries_ = int(posts.frame["country"].max()) + 1
        return self

    @staticmethod
    def _context(posts: Posts) -> np.ndarray:
        f = posts.frame
        return np.column_stack([hour_bucket(f["hour"].to_numpy()), f["device"], f["gender"]])

    def transform(self, posts: Posts) -> FusedFeatures:
        """Features of ``posts`` with the training statistics."""
        if not hasattr(self, "stats_"):
            raise ValueError("this PostFeaturizer is not fitted; call fit(train_posts) first")
        if not isinstance(posts, Posts):
            raise TypeError(f"posts must be Posts from simulate_posts, got {type(posts).__name__}")
        n = len(posts)
        text = np.zeros((n, self.text_embeddings.shape[1]), np.float32)
        has_text = posts.text_ids >= 0
        text[has_text] = self.text_embeddings[posts.text_ids[has_text]]
        image = np.zeros((n, self.image_features.shape[1]), np.float32)
        has_image = posts.image_ids >= 0
        image[has_image] = self.image_features[posts.image_ids[has_image]]
        comments = np.zeros((n, self.comment_embeddings.shape[1]), np.float32)
        for i, ids in enumerate(posts.comment_ids):
            if len(ids):
                comments[i] = self.comment_embeddings[ids].mean(0)
        counts, author = self._numeric(posts)
        counts = standardize(counts, *self.stats_["counts"])
        author = standardize(author, *self.stats_["author"])
        context = self.onehot_.transform(self._context(posts))
        city = np.where(posts.frame["city"].to_numpy() < self.n_cities_, posts.frame["city"].to_numpy(), 0)
        country = posts.frame["country"].to_numpy()
        country = np.where(country < self.n_countries_, country, 0)
        blocks = {"text": text, "image": image, "comments": comments, "reactions": counts.astype(np.float32),
                  "author": author.astype(np.float32), "context": context.astype(np.float32)}
        names = {"reactions": list(COUNT_COLUMNS), "author": list(AUTHOR_COLUMNS),
                 "context": [str(c) for c in self.onehot_.get_feature_names_out(["time", "device", "gender"])]}
        return FusedFeatures(blocks, city.astype(np.int64), country.astype(np.int64), self.n_cities_, names,
                             self.n_countries_)

    def fit_transform(self, posts: Posts) -> FusedFeatures:
        return self.fit(posts).transform(posts)


def image_pool_features(images, dim: int = 64, seed: int = 0, encoder=None) -> np.ndarray:
    """Standardised features of pool images from a convolutional network.

    ``encoder`` is a frozen image encoder (e.g. from :func:`pretrained_image_encoder`); without
    one, an untrained :class:`~mlsd_lib.vision.SmallCNN` of width ``dim`` (seeded by ``seed``)
    stands in, the baseline the pretrained encoder is measured against.

    Examples
    --------
    >>> image_pool_features(np.zeros((3, 28, 28), np.uint8), dim=4).shape
    (3, 4)
    """
    from mlsd_lib.vision.encoders import SmallCNN, embed_images, random_encoder

    x = as_array(images, "images", ndim=3)
    dim = check_int(dim, "dim", low=1)
    if encoder is not None and not isinstance(encoder, SmallCNN):
        raise TypeError(f"encoder must be a SmallCNN (see pretrained_image_encoder), got {type(encoder).__name__}")
    e = embed_images(random_encoder(dim=dim, seed=seed) if encoder is None else encoder, x.astype(np.uint8))
    sd = e.std(0)
    # A feature that is constant over the pool (identical images, a dead unit) carries no
    # information: it standardises to 0, not to its float noise divided by 1e-6.
    flat = sd <= 1e-5 * (np.abs(e).max(0) + 1e-12)
    return np.where(flat, 0.0, (e - e.mean(0)) / (sd + 1e-6)).astype(np.float32)


def pretrained_image_encoder(images, *, epochs: int = 4, dim: int = 64, batch_size: int = 256, seed: int = 0,
                             cache_dir: str | os.PathLike | None = None):
    """A self-supervised image encoder, pretrained once and loaded frozen (source ch. 5, Fig. 5.15).

    Trains chapter 2's :class:`~mlsd_lib.vision.SmallCNN` with its contrastive recipe
    (:func:`mlsd_lib.vision.train_contrastive`, InfoNCE on two augmented views, no labels) on
    ``images``, which should be pictures the posts never use. With ``cache_dir`` the weights are
    stored under a hash of the images and the settings, so later runs load them instead of
    training. The returned encoder is in eval mode with its weights frozen.

    Introduced in chapter 5, "Feature engineering".

    Examples
    --------
    >>> x = np.random.default_rng(0).integers(0, 255, (64, 28, 28)).astype(np.uint8)
    >>> enc = pretrained_image_encoder(x, epochs=1, dim=4, batch_size=32)
    >>> enc.dim, any(p.requires_grad for p in enc.parameters())
    (4, False)
    """
    import hashlib
    from pathlib import Path

    import torch

    from mlsd_lib.vision.encoders import SmallCNN, train_contrastive

    x = as_array(images, "images", ndim=3).astype(np.uint8)
    epochs, dim = check_int(epochs, "epochs", low=1), check_int(dim, "dim", low=1)
    batch_size, seed = check_int(batch_size, "batch_size", low=2), check_int(seed, "seed", low=0)
    if batch_size > len(x):
        raise ValueError(f"batch_size ({batch_size}) must not exceed the number of images ({len(x)})")
    path = None
    if cache_dir is not None:
        key = hashlib.sha256(x.tobytes() + f"{x.shape}|{epochs}|{dim}|{batch_size}|{seed}".encode()).hexdigest()[:16]
        path = Path(cache_dir) / f"ch05_ssl_encoder_{key}.pt"
    if path is not None and path.exists():
        encoder = SmallCNN(dim=dim)
        encoder.load_state_dict(torch.load(path, weights_only=True))
    else:
        encoder = train_contrastive(x, epochs=epochs, batch_size=batch_size, dim=dim, seed=seed,
                                    progress=False).encoder
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            torch.save(encoder.state_dict(), path)
    encoder.eval().requires_grad_(False)
    return encoder
