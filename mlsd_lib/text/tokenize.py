"""Tokenisers: word, character and a byte-pair-encoding (BPE) subword model trained here
(source ch. 4, "Tokenization").

Each works on normalised text (:func:`mlsd_lib.text.normalize.normalize_text`), so they
split what the index will match.

Introduced in chapter 4, "Data preparation".
"""

from __future__ import annotations

from collections import Counter

from mlsd_lib._validation import check_int, check_text, check_texts
from mlsd_lib.text.normalize import normalize_text

END = "</w>"   # marks the end of a word, so "ing" at a word's end differs from "ing" inside


def word_tokenize(text: str, *, stem: bool = True) -> list[str]:
    """Normalise ``text`` and split it on whitespace.

    Examples
    --------
    >>> word_tokenize("I have an interview tomorrow!")
    ['i', 'have', 'an', 'interview', 'tomorrow']
    >>> word_tokenize("  ?!  ")
    []
    """
    return normalize_text(check_text(text), stem=stem).split()


def char_tokenize(text: str) -> list[str]:
    """Normalise ``text`` (no stemming) and split it into characters, "_" between words.

    Examples
    --------
    >>> char_tokenize("Red shoe")
    ['r', 'e', 'd', '_', 's', 'h', 'o', 'e']
    """
    return list(normalize_text(check_text(text), stem=False).replace(" ", "_"))


class BPETokenizer:
    """Byte-pair encoding (Sennrich et al., 2016) learned on a corpus of short texts.

    ``fit`` starts from characters and repeatedly merges the most frequent adjacent pair
    until the vocabulary holds ``vocab_size`` symbols (or no pair occurs twice);
    ``tokenize`` applies the learned merges in order. A word never seen in training still
    splits into known pieces, down to single characters.

    Examples
    --------
    >>> bpe = BPETokenizer(vocab_size=40).fit(["red sneaker", "red sneakers", "blue sneaker", "sneak peek"])
    >>> bpe.tokenize("sneaker"), bpe.tokenize("sneakers")
    (['sneaker</w>'], ['sneake', 'r', 's</w>'])
    >>> bpe.tokenize("zebra")[-1]            # an unseen word falls back to known pieces
    'a</w>'
    """

    def __init__(self, vocab_size: int = 500) -> None:
        self.vocab_size = check_int(vocab_size, "vocab_size", low=2)
        self.merges_: list[tuple[str, str]] | None = None
        self.vocab_: set[str] | None = None

    def fit(self, texts: list[str]) -> BPETokenizer:
        """Learn merges from ``texts`` (a list of strings, normalised here without stemming)."""
        texts = check_texts(texts)
        words = Counter(w for t in texts for w in normalize_text(t, stem=False).split())
        corpus = {tuple(w[:-1]) + (w[-1] + END,): c for w, c in words.items()}
        vocab = {s for seq in corpus for s in seq}
        merges: list[tuple[str, str]] = []
        while len(vocab) < self.vocab_size:
            pairs: Counter = Counter()
            for seq, c in corpus.items():
                for a, b in zip(seq, seq[1:], strict=False):
                    pairs[a, b] += c
            if not pairs:
                break
            (a, b), count = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))
            if count < 2:
                break
            merges.append((a, b))
            vocab.add(a + b)
            corpus = {self._merge(seq, a, b): c for seq, c in corpus.items()}
        self.merges_, self.vocab_ = merges, vocab
        return self

    @staticmethod
    def _merge(seq: tuple[str, ...], a: str, b: str) -> tuple[str, ...]:
        out, i = [], 0
        while i < len(seq):
            if i + 1 < len(seq) and seq[i] == a and seq[i + 1] == b:
                out.append(a + b)
                i += 2
            else:
                out.append(seq[i])
                i += 1
        return tuple(out)

    def tokenize(self, text: str) -> list[str]:
        """Subword tokens of ``text``; the last piece of each word ends in ``</w>``."""
        if self.merges_ is None:
            raise ValueError("this BPETokenizer is not fitted yet; call fit(texts) first")
        out: list[str] = []
        for w in normalize_text(check_text(text), stem=False).split():
            seq = tuple(w[:-1]) + (w[-1] + END,)
            for a, b in self.merges_:
                if len(seq) == 1:
                    break
                if a in seq:
                    seq = self._merge(seq, a, b)
            out.extend(seq)
        return out
