"""The two-tower network (source ch. 6, Figs. 6.19-6.22), in torch.

The video tower maps an item's ID embedding plus its features (genres, MiniLM title
embedding, year) to a vector; the user tower maps the user's history (mean ID embedding and
mean features of the items they liked) plus the request context (time of day, day of week)
to a vector in the same space. Training is softmax cross-entropy of each positive pair
against the other positives of its batch ("in-batch negatives"), with the log-Q correction
of Yi et al. (2019): an item's logit is lowered by the log of how often it appears as a
positive, because popular items turn up as in-batch negatives in proportion to their
popularity, and without the correction the model learns to push them down.

The user tower reads features, not a user ID, so a user who was not in training gets an
embedding from a handful of interactions — the cold-start property the source claims.

Introduced in chapter 6, "Model development: two-tower network".
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
import torch
from numpy.typing import ArrayLike
from torch import nn

from mlsd_lib._validation import as_array, check_float, check_ids, check_int, check_sequence
from mlsd_lib.recsys.base import check_feedback
from mlsd_lib.training import fit


class TwoTowerModel(nn.Module):
    """The two encoders. ``item_ids == n_items`` is the "unknown item" slot (a zero embedding).

    Examples
    --------
    >>> m = TwoTowerModel(n_items=5, item_dim=3, context_dim=4, dim=8)
    >>> m.item_tower(torch.tensor([0, 5]), torch.zeros(2, 3)).shape
    torch.Size([2, 8])
    """

    def __init__(self, n_items: int, item_dim: int, context_dim: int, dim: int = 32, hidden: int = 128) -> None:
        super().__init__()
        self.n_items = check_int(n_items, "n_items", low=1)
        check_int(item_dim, "item_dim", low=1)
        check_int(context_dim, "context_dim", low=0)
        check_int(dim, "dim", low=1)
        check_int(hidden, "hidden", low=1)
        self.item_id = nn.Embedding(n_items + 1, dim, padding_idx=n_items)
        self.history_id = nn.Embedding(n_items + 1, dim, padding_idx=n_items)
        nn.init.normal_(self.item_id.weight, std=0.05)
        nn.init.normal_(self.history_id.weight, std=0.05)
        with torch.no_grad():
            self.item_id.weight[n_items].zero_()
            self.history_id.weight[n_items].zero_()
        self.item_mlp = nn.Sequential(nn.Linear(item_dim, hidden), nn.ReLU(), nn.Linear(hidden, dim))
        self.user_mlp = nn.Sequential(nn.Linear(dim + item_dim + context_dim, hidden), nn.ReLU(),
                                      nn.Linear(hidden, dim))

    def item_tower(self, item_ids: torch.Tensor, item_features: torch.Tensor) -> torch.Tensor:
        return self.item_id(item_ids) + self.item_mlp(item_features)

    def user_tower(self, history_ids_mean: torch.Tensor, history_features_mean: torch.Tensor,
                   context: torch.Tensor) -> torch.Tensor:
        return self.user_mlp(torch.cat([history_ids_mean, history_features_mean, context], dim=1))


class TwoTowerRecommender:
    """Fit/recommend wrapper around :class:`TwoTowerModel`.

    Parameters
    ----------
    item_features : (n_items, f) item feature matrix (genres, title embedding, year...).
    dim, hidden : embedding size and hidden width of both towers.
    epochs, batch_size, learning_rate, weight_decay : training settings; each positive's
        negatives are the other positives of its batch (``batch_size - 1`` of them).
    temperature : softmax temperature on the (cosine) logits.
    normalize : unit-normalise both towers' outputs, so scores are cosines.
    logq_correction : subtract log Q(item) from each in-batch logit (Yi et al. 2019).
    seed : torch and NumPy seed.

    Examples
    --------
    >>> R = sp.csr_matrix(np.kron(np.eye(2), np.ones((3, 3))))   # two blocks of taste
    >>> tt = TwoTowerRecommender(np.eye(6), dim=4, hidden=16, epochs=30, batch_size=6).fit(R, np.zeros(R.nnz))
    >>> tt.recommend_from_history([[0, 1]], k=1, context_times=[0], exclude_history=True).tolist()
    [[2]]
    """

    def __init__(self, item_features: ArrayLike, *, dim: int = 64, hidden: int = 256, epochs: int = 20,
                 batch_size: int = 512, learning_rate: float = 3e-3, temperature: float = 0.05,
                 weight_decay: float = 0.0, normalize: bool = True, logq_correction: bool = True,
                 seed: int = 0) -> None:
        self.item_features = torch.as_tensor(as_array(item_features, "item_features", ndim=2), dtype=torch.float32)
        self.dim = check_int(dim, "dim", low=1)
        self.hidden = check_int(hidden, "hidden", low=1)
        self.epochs = check_int(epochs, "epochs", low=1)
        self.batch_size = check_int(batch_size, "batch_size", low=1)
        self.learning_rate = check_float(learning_rate, "learning_rate", low=0, low_open=True, high=1e6)
        self.temperature = check_float(temperature, "temperature", low=0, low_open=True)
        self.weight_decay = check_float(weight_decay, "weight_decay", low=0)
        self.normalize = bool(normalize)
        self.logq_correction = bool(logq_correction)
        self.seed = check_int(seed, "seed", low=0)
        self.history_: list[float] = []
        self.val_history_: list[float] = []

    @property
    def n_items(self) -> int:
        return len(self.item_features)

    def _context(self, times: ArrayLike) -> torch.Tensor:
        from mlsd_lib.recsys.content import time_context

        return torch.as_tensor(time_context(times), dtype=torch.float32)

    def fit(self, R: sp.spmatrix, times: ArrayLike, progress: bool = False,
            known_items: ArrayLike | None = None,
            validate: Callable[[TwoTowerRecommender], float] | None = None) -> TwoTowerRecommender:
        """Train on the positives of ``R``; ``times`` gives each positive's Unix time, in
        ``R``'s CSR order, for the context features. ``known_items`` (a boolean mask) marks
        items whose ID embedding may be learned; others are served from features only.

        Each batch holds ``batch_size`` positives ``(user, item)``; the user's history for
        that example leaves the item out (else the tower learns to find it in its own input).
        ``history_`` holds the mean in-batch cross-entropy per epoch. ``validate(self)``, if
        given, is called after each epoch (e.g. validation precision); ``val_history_`` holds
        its values. Training runs through :func:`mlsd_lib.training.fit`.
        """
        R = check_feedback(R)
        if R.shape[1] != self.n_items:
            raise ValueError(f"R has {R.shape[1]} items but item_features has {self.n_items} rows")
        t = as_array(times, "times", ndim=1)
        if len(t) != R.nnz:
            raise ValueError(f"times needs one entry per positive in R ({R.nnz}), got {len(t)}")
        known = np.ones(self.n_items, bool) if known_items is None else as_array(
            known_items, "known_items", ndim=1, dtype="bool").astype(bool)
        if len(known) != self.n_items:
            raise ValueError(f"known_items must mark each of the {self.n_items} items, got {len(known)}")
        # everything is checked: only now is the fitted model replaced
        torch.manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        self.model = TwoTowerModel(self.n_items, self.item_features.shape[1], 4, self.dim, self.hidden)
        self._id_map = torch.as_tensor(np.where(known, np.arange(self.n_items), self.n_items))
        rows = np.repeat(np.arange(R.shape[0]), np.diff(R.indptr))
        cols = R.indices.astype(np.int64)
        counts = np.diff(R.indptr).astype(np.float32)
        Rt = torch.sparse_coo_tensor(torch.as_tensor(np.vstack([rows, cols])),
                                     torch.ones(R.nnz), size=R.shape, check_invariants=True).coalesce()
        feat_sum = torch.as_tensor(R @ self.item_features.numpy(), dtype=torch.float32)
        ctx_all = self._context(t)
        # log Q(item): the chance an item is a batch's positive, i.e. its share of positives.
        item_freq = np.bincount(cols, minlength=self.n_items).astype(np.float64)
        log_q = torch.as_tensor(np.log(np.maximum(item_freq, 1) / R.nnz), dtype=torch.float32)
        if not self.logq_correction:
            log_q = torch.zeros_like(log_q)
        opt = torch.optim.Adam(self.model.parameters(), lr=self.learning_rate, weight_decay=self.weight_decay)

        def step(batch: np.ndarray) -> torch.Tensor:
            u = torch.as_tensor(rows[batch])
            i = torch.as_tensor(cols[batch])
            n_hist = torch.as_tensor(np.maximum(counts[rows[batch]] - 1, 1))[:, None]
            id_sum = torch.sparse.mm(Rt, self.model.history_id.weight[: self.n_items])
            hist_id = (id_sum[u] - self.model.history_id(self._id_map[i])) / n_hist
            hist_feat = (feat_sum[u] - self.item_features[i]) / n_hist
            users = self._normalise(self.model.user_tower(hist_id, hist_feat, ctx_all[batch]))
            items = self._normalise(self.model.item_tower(self._id_map[i], self.item_features[i]))
            logits = users @ items.T / self.temperature - log_q[i][None, :]
            # The same item twice in a batch is not a negative of itself.
            same = (i[:, None] == i[None, :]) & ~torch.eye(len(batch), dtype=torch.bool)
            return nn.functional.cross_entropy(logits.masked_fill(same, float("-inf")), torch.arange(len(batch)))

        def epoch_batches(epoch: int) -> list[np.ndarray]:
            return np.array_split(rng.permutation(R.nnz), max(1, R.nnz // self.batch_size))

        hist = fit(self.model, step, epoch_batches, epochs=self.epochs, optimizer=opt,
                   validate=None if validate is None else (lambda _model: validate(self)), mode="max",
                   progress="two-tower" if progress else False)
        self.history_, self.val_history_ = hist.train_loss, hist.val_score
        return self

    def _normalise(self, X: torch.Tensor) -> torch.Tensor:
        # Unit vectors make the temperature the only scale knob (Yi et al. 2019).
        return nn.functional.normalize(X, dim=1) if self.normalize else X

    def _check_fitted(self) -> None:
        if not hasattr(self, "model"):
            raise ValueError("the model is not fitted; call fit(R, times) before using it")

    @torch.no_grad()
    def item_embeddings(self, items: ArrayLike | None = None) -> np.ndarray:
        """Video-tower outputs for item positions (all items by default)."""
        self._check_fitted()
        idx = torch.arange(self.n_items) if items is None else torch.as_tensor(
            check_ids(items, "items", self.n_items, allow_empty=True, of="items"))
        return self._normalise(self.model.item_tower(self._id_map[idx], self.item_features[idx])).numpy()

    @torch.no_grad()
    def user_embeddings(self, histories: list[ArrayLike], context_times: ArrayLike) -> np.ndarray:
        """User-tower outputs from each user's liked item positions and request time."""
        self._check_fitted()
        histories = check_sequence(histories, "histories")
        t = as_array(context_times, "context_times", ndim=1)
        if len(t) != len(histories):
            raise ValueError(f"context_times needs one time per history ({len(histories)}), got {len(t)}")
        ids = np.zeros((len(histories), self.dim), np.float32)
        feats = np.zeros((len(histories), self.item_features.shape[1]), np.float32)
        W = self.model.history_id.weight
        for r, h in enumerate(histories):
            h = check_ids(h, f"histories[{r}]", self.n_items, allow_empty=True, of="items")
            if len(h):
                ids[r] = W[self._id_map[torch.as_tensor(h)]].mean(0).numpy()
                feats[r] = self.item_features[torch.as_tensor(h)].mean(0).numpy()
        return self._normalise(self.model.user_tower(torch.as_tensor(ids), torch.as_tensor(feats),
                                                     self._context(t))).numpy()

    def recommend_from_history(self, histories: list[ArrayLike], k: int = 10, *,
                               context_times: ArrayLike, exclude_history: bool = True,
                               candidates: ArrayLike | None = None) -> np.ndarray:
        """Top-``k`` item positions per user, scored over ``candidates`` (default: all items)."""
        from mlsd_lib.recsys.base import top_k

        histories = check_sequence(histories, "histories")
        U = self.user_embeddings(histories, context_times)
        cand = np.arange(self.n_items) if candidates is None else check_ids(candidates, "candidates", self.n_items,
                                                                             of="items")
        S = U @ self.item_embeddings(cand).T
        if exclude_history:
            pos = {int(c): j for j, c in enumerate(cand)}
            for r, h in enumerate(histories):
                cols = [pos[int(i)] for i in np.asarray(h, dtype=int) if int(i) in pos]
                S[r, cols] = -1e30  # finite: top_k rejects inf
        return cand[top_k(S, k)]
