"""Unit tests of ``mlsd_lib.moderation.features``."""

from __future__ import annotations

import numpy as np
import pytest

from mlsd_lib.moderation import features as feat
from mlsd_lib.moderation.simulator import (
    comment_vocabulary,
    sentence_vocabulary,
)

from ._helpers import world

# ----------------------------------------------------------------------------- features


def test_hour_buckets_and_errors():
    assert feat.hour_bucket(np.arange(24)).tolist() == [0] * 6 + [1] * 5 + [2] * 3 + [3] * 4 + [4] * 4 + [0] * 2
    with pytest.raises(ValueError, match="hours"):
        feat.hour_bucket([25])


def test_featurizer_blocks_and_scaling():
    posts, fz, F = world()
    assert F.dims() == {"text": 5, "image": 6, "comments": 4, "reactions": 4, "author": 7, "context": 11}
    np.testing.assert_allclose(F.blocks["reactions"].mean(0), 0, atol=1e-5)      # standardised on training posts
    no_comments = np.array([len(c) == 0 for c in posts.comment_ids])
    assert np.abs(F.blocks["comments"][no_comments]).max() == 0
    assert F.dense(["text", "image"]).shape == (len(posts), 11)
    with pytest.raises(ValueError, match="not fitted"):
        feat.PostFeaturizer(np.zeros((200, 2)), text_embeddings=np.zeros((len(sentence_vocabulary()), 2)),
                            comment_embeddings=np.zeros((len(comment_vocabulary()), 2))).transform(posts)
    with pytest.raises(ValueError, match="blocks"):
        F.dense(["nope"])
    with pytest.raises(ValueError, match="text_embeddings"):
        feat.PostFeaturizer(np.zeros((5, 2)), text_embeddings=np.zeros((3, 2)), comment_embeddings=np.zeros((26, 2)))


def test_fused_features_validate_country_codes():
    blocks = {"text": np.zeros((3, 2), np.float32)}
    f = feat.FusedFeatures(blocks, np.zeros(3, int), np.array([0, 2, 1]), 1)
    assert f.n_countries == 3 and f.subset(np.array([0])).n_countries == 3
    assert feat.FusedFeatures(blocks, np.zeros(3, int), np.array([0, 2, 1]), 1, {}, 10).n_countries == 10
    with pytest.raises(ValueError, match="country has 2 codes"):
        feat.FusedFeatures(blocks, np.zeros(3, int), np.array([0, 1]), 1)
    with pytest.raises(ValueError, match=">= 0"):
        feat.FusedFeatures(blocks, np.zeros(3, int), np.array([0, -1, 1]), 1)
    with pytest.raises(ValueError, match="below n_countries"):
        feat.FusedFeatures(blocks, np.zeros(3, int), np.array([0, 5, 1]), 1, {}, 3)
    with pytest.raises(TypeError, match="country"):
        feat.FusedFeatures(blocks, np.zeros(3, int), "abc", 1)


def test_featurizer_maps_unseen_countries_to_code_zero():
    posts, fz, F = world()
    assert F.n_countries == fz.n_countries_ == posts.frame["country"].max() + 1
    other = posts.subset(np.arange(5))
    other.frame.loc[0, "country"] = 10_000
    assert fz.transform(other).country[0] == 0
