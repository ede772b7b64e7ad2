"""Unit tests of ``mlsd_lib.text.hashing``."""

from __future__ import annotations

from mlsd_lib.text import (
    Vocabulary,
    collision_rate,
    hash_ids,
)


def test_lookup_table_vs_hashing():
    v = Vocabulary().fit([["red", "shoe"], ["blue"]])
    assert v.ids(["zebra"]).tolist() == [0] and v.tokens(v.ids(["red"])) == ["red"]
    assert v.memory_bytes() > 0 and len(v) == 4
    assert hash_ids(["zebra"], 16)[0] == hash_ids(["zebra"], 16)[0] < 16      # any token gets an id
    words = [f"w{i}" for i in range(200)]
    assert collision_rate(words, 10) == 1.0 and collision_rate(words, 10**7) == 0.0
