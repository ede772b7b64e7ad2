"""word2vec: skip-gram with negative sampling, in plain torch (source ch. 4, "Text encoders").

Each word gets two vectors, one as a centre word and one as a context word. Training asks the
centre vector of a word to score each word within ``window`` positions of it above
``negatives`` words drawn at random from the corpus (unigram counts to the power 0.75):

.. math:: -\\log\\sigma(u_c^\\top v_o) - \\sum_{n=1}^{N}\\log\\sigma(-u_c^\\top v_n).

Words that appear in the same contexts end with similar centre vectors. A text is encoded
as the mean of its words' vectors (words never seen are skipped), like an embedding bag.

Introduced in chapter 4, "Model development".
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import torch
from torch import nn

from mlsd_lib._validation import check_float, check_int, check_token_lists
from mlsd_lib.training import History, fit


class Word2Vec:
    """Skip-gram word vectors trained with negative sampling through :func:`mlsd_lib.training.fit`.

    Parameters
    ----------
    dim : size of the word vectors.
    window : context words on each side of the centre word.
    negatives : random words each true pair is scored against.
    min_count : words seen fewer times are left out of the vocabulary.
    epochs, lr, batch_size : Adam's training budget.
    seed : draws the initial vectors, the negatives and the batches: one seed, one model.

    Examples
    --------
    >>> docs = [["red", "bag"], ["red", "coat"], ["blue", "bag"], ["blue", "coat"]] * 20
    >>> w2v = Word2Vec(dim=8, epochs=40, lr=0.05, batch_size=32).fit(docs)
    >>> w2v.transform([["red", "bag"], ["zebra"]]).shape
    (2, 8)
    >>> [w for w, _ in w2v.most_similar("red", k=1)]
    ['blue']
    """

    def __init__(self, dim: int = 32, window: int = 2, negatives: int = 5, min_count: int = 1, epochs: int = 5,
                 lr: float = 0.01, batch_size: int = 512, seed: int = 0) -> None:
        self.dim = check_int(dim, "dim", low=1)
        self.window = check_int(window, "window", low=1)
        self.negatives = check_int(negatives, "negatives", low=1)
        self.min_count = check_int(min_count, "min_count", low=1)
        self.epochs = check_int(epochs, "epochs", low=1)
        self.lr = check_float(lr, "lr", low=0.0, low_open=True)
        self.batch_size = check_int(batch_size, "batch_size", low=1)
        self.seed = check_int(seed, "seed", low=0)
        self.words_: list[str] | None = None

    def fit(self, token_lists: list[list[str]]) -> Word2Vec:
        """Learn word vectors from tokenised texts; returns ``self``. A rejected call changes nothing."""
        docs = check_token_lists(token_lists, "token_lists")
        counts = Counter(w for d in docs for w in d)
        words = sorted(w for w, c in counts.items() if c >= self.min_count)
        if len(words) < 2:
            raise ValueError(f"token_lists must hold at least two distinct words seen {self.min_count}+ times")
        index = {w: i for i, w in enumerate(words)}
        centre, context = [], []
        for d in docs:
            ids = [index[w] for w in d if w in index]
            for i, c in enumerate(ids):
                for j in range(max(0, i - self.window), min(len(ids), i + self.window + 1)):
                    if j != i:
                        centre.append(c)
                        context.append(ids[j])
        if not centre:
            raise ValueError("token_lists have no two known words within a window of each other; pass longer texts")
        centre_t, context_t = torch.as_tensor(centre), torch.as_tensor(context)
        noise = np.array([counts[w] for w in words], float) ** 0.75
        noise /= noise.sum()
        rng = np.random.default_rng(self.seed)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            model = nn.ModuleDict({"centre": nn.Embedding(len(words), self.dim),
                                   "context": nn.Embedding(len(words), self.dim)})
            nn.init.uniform_(model["centre"].weight, -0.5 / self.dim, 0.5 / self.dim)
            nn.init.zeros_(model["context"].weight)

        def batches(epoch: int):
            order = rng.permutation(len(centre))
            neg = rng.choice(len(words), size=(len(centre), self.negatives), p=noise)
            return [(order[i:i + self.batch_size], neg[order[i:i + self.batch_size]])
                    for i in range(0, len(order), self.batch_size)]

        def step(batch) -> torch.Tensor:
            rows, neg = batch
            u = model["centre"](centre_t[rows])                                  # (b, d)
            pos = (u * model["context"](context_t[rows])).sum(1)
            negs = torch.einsum("bd,bnd->bn", u, model["context"](torch.as_tensor(neg)))
            return -(nn.functional.logsigmoid(pos).mean() + nn.functional.logsigmoid(-negs).sum(1).mean())

        opt = torch.optim.Adam(model.parameters(), lr=self.lr)
        self.history_: History = fit(model, step, batches, epochs=self.epochs, optimizer=opt, seed=self.seed)
        self.words_, self.index_ = words, index
        self.vectors_ = model["centre"].weight.detach().numpy().copy()
        return self

    def _check_fitted(self) -> None:
        if self.words_ is None:
            raise ValueError("this Word2Vec is not fitted yet; call fit(token_lists) first")

    def transform(self, token_lists: list[list[str]]) -> np.ndarray:
        """(n, dim) mean word vector of each text; a text with no known word gets zeros."""
        self._check_fitted()
        docs = check_token_lists(token_lists, "token_lists")
        out = np.zeros((len(docs), self.dim), np.float32)
        for i, d in enumerate(docs):
            ids = [self.index_[w] for w in d if w in self.index_]
            if ids:
                out[i] = self.vectors_[ids].mean(0)
        return out

    def most_similar(self, word: str, k: int = 5) -> list[tuple[str, float]]:
        """The ``k`` words whose vectors have the highest cosine with ``word``'s, best first."""
        self._check_fitted()
        if not isinstance(word, str):
            raise TypeError(f"word must be a str, got {type(word).__name__}")
        if word not in self.index_:
            raise ValueError(f"word {word!r} is not in the vocabulary (it was not seen {self.min_count}+ times)")
        k = check_int(k, "k", low=1)
        unit = self.vectors_ / np.maximum(np.linalg.norm(self.vectors_, axis=1, keepdims=True), 1e-12)
        cos = unit @ unit[self.index_[word]]
        cos[self.index_[word]] = -np.inf
        top = np.argsort(-cos, kind="stable")[:k]
        return [(self.words_[j], float(cos[j])) for j in top]
