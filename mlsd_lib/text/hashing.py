"""Tokens to ids: a lookup table or feature hashing (source ch. 4, "Tokens to IDs", Table 4.2).

The lookup table stores every token it has seen and maps anything else to one unknown id;
feature hashing stores nothing and maps any token to ``murmurhash3(token) mod n_buckets``
(scikit-learn's ``HashingVectorizer`` hash), at the price of collisions.

Introduced in chapter 4, "Data preparation".
"""

from __future__ import annotations

import sys
from collections import Counter

import numpy as np
from sklearn.utils import murmurhash3_32

from mlsd_lib._validation import check_int, check_token_lists, check_tokens

UNKNOWN = "<unk>"


def hash_ids(tokens: list[str], n_buckets: int) -> np.ndarray:
    """Bucket of each token: ``abs(murmurhash3_32(token, seed=0)) % n_buckets``.

    The same formula as scikit-learn's ``HashingVectorizer`` (without the alternating sign).

    Examples
    --------
    >>> hash_ids(["red", "sneaker", "red"], 1024).tolist()
    [259, 538, 259]
    """
    tokens = check_tokens(tokens)
    n_buckets = check_int(n_buckets, "n_buckets", low=1)
    return np.array([abs(murmurhash3_32(t, seed=0)) % n_buckets for t in tokens], dtype=np.int64)


def collision_rate(tokens: list[str], n_buckets: int) -> float:
    """Share of the distinct ``tokens`` that share their bucket with another distinct token.

    Examples
    --------
    >>> collision_rate(["a", "b", "c", "d"], 1)
    1.0
    >>> collision_rate(["a", "a"], 8)
    0.0
    """
    distinct = sorted(set(check_tokens(tokens)))
    if not distinct:
        raise ValueError("tokens is empty; pass at least one token")
    buckets = hash_ids(distinct, n_buckets)
    counts = np.bincount(buckets)
    return float((counts[buckets] > 1).mean())


class Vocabulary:
    """The lookup table: token -> id, with id 0 reserved for tokens never seen in ``fit``.

    Examples
    --------
    >>> v = Vocabulary().fit([["red", "shoe"], ["blue", "shoe"]])
    >>> v.ids(["shoe", "red", "zebra"]).tolist(), v.tokens([1, 2])
    ([3, 2, 0], ['blue', 'red'])
    """

    def __init__(self, min_count: int = 1) -> None:
        self.min_count = check_int(min_count, "min_count", low=1)
        self.token_to_id_: dict[str, int] | None = None
        self.id_to_token_: list[str] | None = None

    def fit(self, docs: list[list[str]]) -> Vocabulary:
        """Give every token seen at least ``min_count`` times an id (sorted, from 1)."""
        counts = Counter(t for d in check_token_lists(docs) for t in d)
        kept = sorted(t for t, c in counts.items() if c >= self.min_count)
        self.id_to_token_ = [UNKNOWN, *kept]
        self.token_to_id_ = {t: i for i, t in enumerate(self.id_to_token_)}
        return self

    def _fitted(self) -> dict[str, int]:
        if self.token_to_id_ is None:
            raise ValueError("this Vocabulary is not fitted yet; call fit(docs) first")
        return self.token_to_id_

    def __len__(self) -> int:
        return len(self._fitted())

    def ids(self, tokens: list[str]) -> np.ndarray:
        """Id of each token; 0 for a token the table has never seen."""
        table = self._fitted()
        return np.array([table.get(t, 0) for t in check_tokens(tokens)], dtype=np.int64)

    def tokens(self, ids) -> list[str]:
        """The reverse lookup, id -> token (what hashing cannot do)."""
        self._fitted()
        from mlsd_lib._validation import check_ids

        return [self.id_to_token_[i] for i in np.atleast_1d(check_ids(ids, "ids", len(self.id_to_token_),
                                                                      ndim=(0, 1), of="vocabulary ids"))]

    def memory_bytes(self) -> int:
        """Bytes the table holds in Python: the dict, its keys and the reverse list."""
        table = self._fitted()
        return (sys.getsizeof(table) + sys.getsizeof(self.id_to_token_)
                + sum(sys.getsizeof(t) + sys.getsizeof(i) for t, i in table.items()))
