"""Unit tests of ``mlsd_lib.text.normalize``."""

from __future__ import annotations

import pytest

from mlsd_lib.text import (
    char_tokenize,
    normalize_text,
    word_tokenize,
)


def test_montreal_pair_reduces_to_one_form():
    a = normalize_text("A person walking with his dog in Montréal !")
    b = normalize_text("a person walks with his dog, in Montreal.")
    assert a == b == "a person walk with his dog in montreal"


@pytest.mark.parametrize("text", ["", "?!...", "   ", "\t\n"])
def test_empty_and_punctuation_only_text_normalises_to_nothing(text):
    assert normalize_text(text) == "" and word_tokenize(text) == [] and char_tokenize(text) == []


def test_other_scripts_survive_normalisation():
    assert normalize_text("東京 ЗИМА") == "東京 зима"


@pytest.mark.parametrize("bad", [None, 3, b"bytes", ["a"]])
def test_normalize_rejects_non_strings(bad):
    with pytest.raises(TypeError, match="text"):
        normalize_text(bad)
