"""The auto-tagger of source ch. 4 ("Text indexing pipeline"): tags for videos uploaded without any.

A classifier per attribute (product class, colour, background) reads the video embedding and
writes the words an uploader would have used as tags. Its tags may be wrong, like manual
ones; whether they still make untagged videos findable is measured in the chapter.

Introduced in chapter 4, "Serving".
"""

from __future__ import annotations

import pandas as pd
from numpy.typing import ArrayLike
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression

from mlsd_lib._validation import as_array, check_ids, check_positive
from mlsd_lib.video_search.corpus import CLASS_WORDS

ATTRIBUTES = ("label", "colour", "background")


class AutoTagger:
    """Logistic regressions from video embeddings to class, colour and background tags.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> meta = pd.DataFrame({"label": [0, 7] * 20, "colour": ["red", "blue"] * 20, "background": ["beach", "night"] * 20})
    >>> emb = np.where(meta.label.to_numpy()[:, None] == 7, 1.0, -1.0) + rng.normal(0, 0.1, (40, 4))
    >>> AutoTagger().fit(emb, meta).tags(emb[:2])
    [['t-shirt', 'tee', 'red', 'beach'], ['sneakers', 'trainers', 'blue', 'night']]
    """

    def __init__(self, C: float = 1.0) -> None:
        self.C = check_positive(C, "C")
        self.models_: dict[str, LogisticRegression | DummyClassifier] | None = None

    def fit(self, embeddings: ArrayLike, meta: pd.DataFrame) -> AutoTagger:
        """Learn each attribute of ``meta`` (columns label, colour, background) from ``embeddings``."""
        x = as_array(embeddings, "embeddings", ndim=2)
        if not isinstance(meta, pd.DataFrame) or not set(ATTRIBUTES) <= set(meta.columns):
            raise TypeError(f"meta must be a DataFrame with columns {ATTRIBUTES}")
        if len(meta) != len(x):
            raise ValueError(f"meta ({len(meta)}) must describe each row of embeddings ({len(x)})")
        targets = {"label": check_ids(meta["label"].to_numpy(), "meta['label']", len(CLASS_WORDS), of="product classes")}
        for a in ATTRIBUTES[1:]:
            col = meta[a].to_numpy()
            if not all(isinstance(v, str) for v in col):
                raise TypeError(f"meta['{a}'] must hold names (str), e.g. 'red'")
            targets[a] = col
        # Built in full before it replaces the fitted models: a rejected fit leaves them as they were.
        # An attribute with one value seen is predicted as that value (logistic regression needs two).
        self.models_ = {a: (LogisticRegression(C=self.C, max_iter=500) if len(set(y.tolist())) > 1
                            else DummyClassifier(strategy="most_frequent")).fit(x, y) for a, y in targets.items()}
        self.n_features_ = x.shape[1]
        return self

    def predict(self, embeddings: ArrayLike) -> pd.DataFrame:
        """The predicted attributes, one row per video."""
        if self.models_ is None:
            raise ValueError("this AutoTagger is not fitted yet; call fit(embeddings, meta) first")
        x = as_array(embeddings, "embeddings", ndim=2)
        if x.shape[1] != self.n_features_:
            raise ValueError(f"embeddings must have {self.n_features_} columns (as in fit), got {x.shape[1]}")
        return pd.DataFrame({a: m.predict(x) for a, m in self.models_.items()})

    def tags(self, embeddings: ArrayLike) -> list[list[str]]:
        """Tags for each video: the class's two common words, the colour and the background."""
        pred = self.predict(embeddings)
        return [[*CLASS_WORDS[int(r.label)][:2], str(r.colour), str(r.background)] for r in pred.itertuples()]
