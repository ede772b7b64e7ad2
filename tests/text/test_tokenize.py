"""Unit tests of ``mlsd_lib.text.tokenize``."""

from __future__ import annotations

from mlsd_lib.text import (
    BPETokenizer,
)

from ._helpers import DOCS


def test_bpe_splits_unseen_words_into_known_pieces():
    bpe = BPETokenizer(vocab_size=60).fit(DOCS * 3)
    pieces = bpe.tokenize("sneakerz")
    assert "".join(pieces).replace("</w>", "") == "sneakerz" and len(pieces) < len("sneakerz")
    assert all(p in bpe.vocab_ or len(p.replace("</w>", "")) == 1 for p in pieces)
