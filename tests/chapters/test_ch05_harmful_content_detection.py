"""Chapter 5 (ch05_harmful_content_detection): its notebook, run end to end at the small size by the six
checks of ``notebook_checks``, and the identities its text relies on.

Chapter 5's identities: claims that follow from arithmetic, checked here instead of by a run.
"""

from __future__ import annotations

import pytest

from chapters.notebook_checks import *  # noqa: F403  the six checks every chapter passes
from chapters.notebook_checks import chapter
from mlsd_lib.moderation import FusionNet, city_weights
from mlsd_lib.training import count_parameters

nb = chapter("ch05_harmful_content_detection")


@pytest.mark.parametrize(("n_cities", "hidden", "dim"), [(300, 128, 8), (50, 16, 4), (1000, 64, 8)])
@pytest.mark.parametrize("fusion", ["early", "late"])
def test_city_one_hot_against_embedding_weights(n_cities, hidden, dim, fusion):
    """C5.8's size half: one-hot costs K h weights, an embedding K d + d h, as the networks count them."""
    dims = {"text": 5, "image": 3, "author": 2}

    def size(**city):
        return count_parameters(FusionNet(dims, 5, fusion=fusion, hidden=hidden, city_dim=dim, **city))

    none = size()
    w = city_weights(n_cities, hidden, dim)
    assert size(n_cities=n_cities, city="one-hot") - none == w["one-hot"] == n_cities * hidden
    assert size(n_cities=n_cities, city="embedding") - none == w["embedding"] == n_cities * dim + dim * hidden


def test_city_weight_ratio_tends_to_hidden_over_embedding_width():
    """The one-hot / embedding ratio grows with the number of cities towards h / d (16 at 128 / 8)."""
    ratios = [city_weights(k, 128)["one-hot"] / city_weights(k, 128)["embedding"] for k in (30, 300, 30_000, 3_000_000)]
    assert all(a < b for a, b in zip(ratios, ratios[1:], strict=False))
    assert ratios[-1] == pytest.approx(16, rel=1e-3)
    assert city_weights(300, 128) == {"one-hot": 38_400, "embedding": 3_424}


@pytest.mark.parametrize(("kw", "match"), [({"n_cities": 0, "hidden": 8}, "n_cities"),
                                           ({"n_cities": 3, "hidden": 0}, "hidden"),
                                           ({"n_cities": 3, "hidden": 8, "embedding_dim": 0}, "embedding_dim")])
def test_city_weights_validates(kw, match):
    with pytest.raises(ValueError, match=match):
        city_weights(**kw)
