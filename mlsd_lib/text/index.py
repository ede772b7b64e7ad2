"""An inverted index with BM25 scoring: the text-search component of source ch. 4 (the
role Elasticsearch plays there, Fig. 4.5).

For each term the index keeps a posting list (document ids and term counts). A query touches
only the posting lists of its own terms, so its cost grows with how many documents contain
them, not with the corpus. Scores are Okapi BM25 as Lucene and Elasticsearch compute it:

    score(q, d) = sum over query terms t of idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * |d| / avgdl))
    idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5))

with ``k1 = 1.2`` and ``b = 0.75`` (Elasticsearch's defaults). Lucene 8 and later drop the
constant ``(k1 + 1)``, which rescales every score alike and changes no ranking. The scores
equal the ``bm25s`` library's with ``method="atire", idf_method="lucene"`` (a unit test). A repeated query term counts
once per occurrence. Documents can be added at any time; the statistics (N, df, avgdl) are
read at query time, so a new upload is searchable at once, without a rebuild.

Introduced in chapter 4, "Serving".
"""

from __future__ import annotations

import sys

import numpy as np

from mlsd_lib._validation import check_float, check_int, check_token_lists, check_tokens


class InvertedIndex:
    """Posting lists and BM25 scores over tokenised documents.

    Examples
    --------
    >>> idx = InvertedIndex()
    >>> idx.add([["red", "sneaker"], ["blue", "sneaker", "sneaker"], ["red", "bag"]]).tolist()
    [0, 1, 2]
    >>> ids, scores = idx.search(["red", "sneaker"], k=2)
    >>> ids.tolist()                                  # 'sneaker' twice outscores 'red' once
    [0, 1]
    >>> idx.search(["zebra"], k=2)[0].tolist()       # no term in the index: no result
    []
    """

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = check_float(k1, "k1", low=0.0)
        self.b = check_float(b, "b", low=0.0, high=1.0)
        self._postings: dict[str, tuple[list[int], list[int]]] = {}
        self._lengths: list[int] = []
        self._cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        # Each term's BM25 weights depend on N and the mean length, so they are computed at
        # the first query after an add and kept until the next add: a query then sums a few
        # cached vectors, as an eagerly scored index does, and a new upload still counts at once.
        self._weights: dict[str, np.ndarray] = {}
        self._norm: np.ndarray | None = None

    @property
    def n_docs(self) -> int:
        """Documents indexed so far."""
        return len(self._lengths)

    def add(self, docs: list[list[str]]) -> np.ndarray:
        """Index tokenised documents; returns their ids (consecutive, after the existing ones)."""
        docs = check_token_lists(docs)
        start = self.n_docs
        for offset, tokens in enumerate(docs):
            doc = start + offset
            terms, counts = np.unique(np.array(tokens, dtype=object), return_counts=True) if tokens else ([], [])
            for t, c in zip(terms, counts, strict=True):
                ids, tfs = self._postings.setdefault(t, ([], []))
                ids.append(doc)
                tfs.append(int(c))
                self._cache.pop(t, None)
            self._lengths.append(len(tokens))
        if len(docs):
            self._weights.clear()
            self._norm = None
        return np.arange(start, self.n_docs)

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """Document ids and term counts of ``term`` (empty arrays if no document has it)."""
        if not isinstance(term, str):
            raise TypeError(f"term must be a str, got {type(term).__name__}")
        if term not in self._cache:
            ids, tfs = self._postings.get(term, ([], []))
            self._cache[term] = (np.asarray(ids, dtype=np.int64), np.asarray(tfs, dtype=np.float64))
        return self._cache[term]

    def idf(self, term: str) -> float:
        """Lucene's BM25 idf of ``term``: ``ln(1 + (N - df + 0.5) / (df + 0.5))``."""
        df = len(self.postings(term)[0])
        return float(np.log(1.0 + (self.n_docs - df + 0.5) / (df + 0.5)))

    def scores(self, query: list[str]) -> np.ndarray:
        """BM25 score of every document for the tokenised ``query`` (0 where no term matches)."""
        query = check_tokens(query, "query")
        out = np.zeros(self.n_docs)
        for t in query:
            ids, w = self._term_weights(t)
            out[ids] += w
        return out

    def _term_weights(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """Posting ids of ``term`` and each one's BM25 weight under the current statistics."""
        ids, tf = self.postings(term)
        w = self._weights.get(term)
        if w is None:
            if self._norm is None:
                lengths = np.asarray(self._lengths, dtype=np.float64)
                avgdl = max(lengths.mean(), 1e-12) if len(lengths) else 1.0
                self._norm = self.k1 * (1.0 - self.b + self.b * lengths / avgdl)
            w = self.idf(term) * tf * (self.k1 + 1.0) / (tf + self._norm[ids]) if len(ids) else tf
            self._weights[term] = w
        return ids, w

    def search(self, query: list[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` document ids and scores, best first; only documents sharing a term.

        Ties are broken by the lower id. Fewer than ``k`` results (possibly none) come back
        when fewer documents match.
        """
        k = check_int(k, "k", low=1)
        s = self.scores(query)
        hit = np.flatnonzero(s > 0)
        if len(hit) > k:
            # only scores at or above the k-th best can make the list (ties kept for the id order)
            kth = np.partition(s[hit], len(hit) - k)[len(hit) - k]
            hit = hit[s[hit] >= kth]
        order = hit[np.lexsort((hit, -s[hit]))][:k]
        return order, s[order]

    def memory_bytes(self) -> int:
        """Approximate bytes of the posting lists (terms, 8-byte ids and counts) and lengths."""
        return (sum(sys.getsizeof(t) + 16 * len(ids) for t, (ids, _) in self._postings.items())
                + 8 * len(self._lengths))
