"""Helpers shared by the tests of ``mlsd_lib.moderation``."""

from __future__ import annotations

import functools

import numpy as np

from mlsd_lib.moderation import features as feat
from mlsd_lib.moderation.simulator import (
    comment_vocabulary,
    sentence_vocabulary,
    simulate_posts,
)


@functools.cache
def world(n=1500, seed=0):
    posts = simulate_posts(n, n_images=200, seed=seed)
    rng = np.random.default_rng(0)
    fz = feat.PostFeaturizer(rng.normal(size=(200, 6)), text_embeddings=rng.normal(size=(len(sentence_vocabulary()), 5)),
                             comment_embeddings=rng.normal(size=(len(comment_vocabulary()), 4))).fit(posts)
    return posts, fz, fz.transform(posts)
