"""Matrix factorisation with the source's three losses, fitted by SGD or WALS.

The three losses of source ch. 6 (Figs. 6.14-6.16) are one family, the weighted loss

    L(U, V) = sum_observed (A_ij - U_i . V_j)^2 + w * sum_unobserved (U_i . V_j)^2
              + reg * (|U|^2 + |V|^2)

with ``w = 0`` (observed pairs only), ``w = 1`` (all pairs, unobserved = 0) and
``0 < w < 1`` (the weighted combination). WALS fixes one factor matrix and solves the
other's least-squares problem row by row; because the unobserved term covers every pair,
each row's normal equations are ``(w V'V + (1 - w) V_O'V_O + reg I) u = V_O' a_O``, where
``V'V`` is shared by every row and only the small observed part differs.

Introduced in chapter 6, "Model development: matrix factorisation".
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from mlsd_lib._validation import (
    as_array,
    check_choice,
    check_float,
    check_ids,
    check_int,
    check_positive,
    check_random_state,
)
from mlsd_lib.recsys.base import TopKRecommender, check_feedback

LOSSES = ("observed", "all", "weighted")
SOLVERS = ("wals", "sgd")
PAIR_STEP = 0.02  # SGD step per observed pair when learning_rate is None (see MatrixFactorization)


def unobserved_weight(loss: str, w: float) -> float:
    """The weight of unobserved pairs that ``loss`` implies (0, 1 or ``w``)."""
    check_choice(loss, "loss", LOSSES)
    if loss == "observed":
        return 0.0
    if loss == "all":
        return 1.0
    return check_float(w, "w", low=0, high=1, low_open=True)


def check_factors(U: ArrayLike, V: ArrayLike, R: sp.spmatrix) -> tuple[np.ndarray, np.ndarray, sp.csr_matrix]:
    """Validate user factors ``U`` (m × k) and item factors ``V`` (n × k) against ``R`` (m × n).

    Examples
    --------
    >>> U, V, R = check_factors(np.ones((2, 1)), np.ones((3, 1)), sp.csr_matrix(np.eye(2, 3)))
    >>> U.shape, V.shape, R.shape
    ((2, 1), (3, 1), (2, 3))
    """
    R = check_feedback(R)
    U = as_array(U, "U", ndim=2)
    V = as_array(V, "V", ndim=2)
    if U.shape[0] != R.shape[0] or V.shape[0] != R.shape[1] or U.shape[1] != V.shape[1]:
        raise ValueError(f"U {U.shape} and V {V.shape} do not factor R {R.shape}; "
                         "U needs one row per user, V one per item, both the same width")
    return U, V, R


def mf_objective(R: sp.spmatrix, U: ArrayLike, V: ArrayLike, w: float, reg: float) -> float:
    """The weighted MF loss ``L(U, V)`` above, without materialising ``U V'``.

    The sum over unobserved pairs is the sum over all pairs, ``trace(U'U V'V)``, minus the
    observed ones, so the cost is O(nnz k + (m + n) k^2).

    Examples
    --------
    >>> R = sp.csr_matrix(np.array([[1.0, 0.0], [0.0, 1.0]]))
    >>> ones = np.ones((2, 1))
    >>> mf_objective(R, ones, ones, w=0.0, reg=0.0)   # the degenerate all-ones solution
    0.0
    >>> mf_objective(R, ones, ones, w=1.0, reg=0.0)   # ...pays for it over all pairs
    2.0
    """
    U, V, R = check_factors(U, V, R)
    return _objective(R, U, V, check_float(w, "w", low=0, high=1), check_float(reg, "reg", low=0))


def _objective(R: sp.csr_matrix, U: np.ndarray, V: np.ndarray, w: float, reg: float) -> float:
    # mf_objective's core, for callers that validated R, U and V once at their own door
    rows = np.repeat(np.arange(R.shape[0]), np.diff(R.indptr))
    pred = np.einsum("ij,ij->i", U[rows], V[R.indices])
    observed = float(np.sum((R.data - pred) ** 2))
    all_pairs = float(np.sum((U.T @ U) * (V.T @ V)))
    unobserved = all_pairs - float(np.sum(pred ** 2))
    return observed + w * unobserved + reg * float(np.sum(U ** 2) + np.sum(V ** 2))


def als_step(
    R: sp.csr_matrix, X: np.ndarray, Y: np.ndarray, w: float, reg: float, cg_steps: int | None = 3
) -> np.ndarray:
    """One half-step of WALS: the rows ``X`` that minimise the loss with ``Y`` fixed.

    ``cg_steps=None`` solves every row's normal equations exactly (batched Cholesky-free
    ``np.linalg.solve``); an integer runs that many conjugate-gradient steps from the current
    ``X`` for all rows at once, as ``implicit`` does — each step costs one sparse product.

    Examples
    --------
    >>> R = sp.csr_matrix(np.array([[1.0, 0.0, 1.0]]))
    >>> Y = np.array([[1.0], [2.0], [3.0]])
    >>> float(als_step(R, np.zeros((1, 1)), Y, w=0.0, reg=0.0, cg_steps=None)[0, 0])
    0.4

    With ``reg = 0`` a row with no observed entry has no unique solution under
    ``w = 0``; the exact solver returns the minimum-norm one, a zero row.
    """
    R = check_feedback(R, allow_empty=True)
    Y = as_array(Y, "Y", ndim=2)
    X = as_array(X, "X", ndim=2)
    if Y.shape[0] != R.shape[1] or X.shape != (R.shape[0], Y.shape[1]):
        raise ValueError(f"X {X.shape} and Y {Y.shape} do not match R {R.shape}; X needs one row "
                         "per row of R, Y one per column, both the same width")
    w = check_float(w, "w", low=0, high=1)
    reg = check_float(reg, "reg", low=0)
    if cg_steps is not None:
        cg_steps = check_int(cg_steps, "cg_steps", low=1)
    return _als_step(R, X, Y, w, reg, cg_steps)


def _als_step(R: sp.csr_matrix, X: np.ndarray, Y: np.ndarray, w: float, reg: float,
              cg_steps: int | None) -> np.ndarray:
    # als_step's core: the fit loop calls it twice an epoch on matrices it checked once
    k = Y.shape[1]
    G = w * (Y.T @ Y) + reg * np.eye(k)
    if cg_steps is None:
        B = R @ Y  # V_O' a_O for every row at once
        rows = np.repeat(np.arange(R.shape[0]), np.diff(R.indptr))
        A = np.broadcast_to(G, (R.shape[0], k, k)).copy()
        # Chunks bound the (nnz, k, k) outer products to a few tens of MB.
        step = max(1, 4_000_000 // (k * k))
        for s in range(0, R.nnz, step):
            yv = Y[R.indices[s:s + step]]
            np.add.at(A, rows[s:s + step], (1 - w) * yv[:, :, None] * yv[:, None, :])
        try:
            return np.linalg.solve(A, B[:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:
            # reg = 0 and a row (or Y) without enough observed entries: the normal
            # equations are singular; the pseudo-inverse gives the minimum-norm solution.
            return (np.linalg.pinv(A) @ B[:, :, None])[:, :, 0]

    return _cg_half_step(_float32(R), X.astype(np.float32), Y.astype(np.float32), G, w, cg_steps).astype(np.float64)


def _float32(R: sp.csr_matrix) -> sp.csr_matrix:
    return sp.csr_matrix((R.data.astype(np.float32), R.indices, R.indptr), shape=R.shape)


def _cg_half_step(S: sp.csr_matrix, X: np.ndarray, Y: np.ndarray, G: np.ndarray, w: float,
                  cg_steps: int) -> np.ndarray:
    """``cg_steps`` conjugate-gradient steps for every row of ``X`` at once (float32, validated inputs).

    ``S`` is the float32 feedback matrix and ``G = w Y'Y + reg I`` (float64). Returns the new
    float32 ``X``.
    """
    import warnings

    import torch

    # Hu, Koren & Volinsky (2008): (w Y'Y + reg I) is shared by every row, so a matrix-vector
    # product with row i's system costs only its observed entries: the weights (1 - w) y_j . p_i
    # on the observed pattern (a sampled dense product, never the dense m x n one), then one
    # sparse product. float32, as in ``implicit``, halves the memory traffic that dominates.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)   # torch calls its sparse CSR support beta
        A = torch.sparse_csr_tensor(torch.from_numpy(S.indptr.astype(np.int64)),
                                    torch.from_numpy(S.indices.astype(np.int64)),
                                    torch.from_numpy(S.data), size=S.shape)
    Yt = torch.from_numpy(Y)
    Gf = torch.from_numpy(G.astype(np.float32))
    scale = 1.0 - w

    def matvec(P: torch.Tensor) -> torch.Tensor:
        weights = torch.sparse.sampled_addmm(A, P, Yt.T, beta=0.0, alpha=scale)
        return torch.addmm(weights @ Yt, P, Gf)

    with torch.no_grad():
        Xt = torch.from_numpy(X).clone()
        r = (A @ Yt) - matvec(Xt)                    # A @ Y: V_O' a_O for every row at once
        p = r.clone()
        rs = (r * r).sum(1)
        for _ in range(cg_steps):
            Ap = matvec(p)
            denom = (p * Ap).sum(1)
            alpha = torch.where(denom > 1e-20, rs / denom.clamp_min(1e-20), 0.0)[:, None]
            Xt.add_(alpha * p)
            r.sub_(alpha * Ap)
            rs_new = (r * r).sum(1)
            beta = torch.where(rs > 1e-20, rs_new / rs.clamp_min(1e-20), 0.0)[:, None]
            p.mul_(beta).add_(r)
            rs = rs_new
    return Xt.numpy()


class MatrixFactorization(TopKRecommender):
    """Embed users and items so that ``U_i . V_j`` approximates the feedback matrix.

    Parameters
    ----------
    n_factors : embedding size ``k``.
    loss : ``"observed"``, ``"all"`` or ``"weighted"`` (source Figs. 6.14-6.16).
    w : weight of unobserved pairs for ``loss="weighted"``, in (0, 1].
    reg : L2 regularisation ``reg * (|U|^2 + |V|^2)``.
    solver : ``"wals"`` (alternating least squares) or ``"sgd"`` (mini-batch SGD).
    epochs : WALS sweeps (each updates U then V) or SGD passes over the observed pairs.
    learning_rate, batch_size, negatives : SGD only; ``negatives`` uniformly sampled pairs per
        observed pair estimate the all-pairs term. Each step follows the gradient of the loss
        averaged over the batch, scaled by ``sqrt(nnz / batch)``; ``learning_rate=None`` (the
        default) picks ``PAIR_STEP * batch / sqrt(nnz / batch)``, which is a step of
        ``PAIR_STEP = 0.02`` per observed pair, the usual rate of per-pair (Funk) SGD. No
        fixed number serves every size, since the scaling depends on ``nnz``: the former
        default of 0.05 is a per-pair step of 0.0001-0.0004 on the matrices below and barely
        moves the loss in 30 epochs. Measured on planted rank-4 problems (each user's top
        5-10% of items relevant, 80% of them for training), 30 epochs, 8-32 factors,
        precision@10 on the held-out 20% (random in brackets): 100 x 80: 0.05 → 0.03,
        auto → 0.16 (0.03); 400 x 300: 0.05 → 0.02, auto → 0.48 (0.02); 2000 x 1000:
        0.05 → 0.04, auto → 0.74
        (0.01). A diverging run raises ``ValueError``.
    cg_steps : WALS conjugate-gradient steps per half-sweep; ``None`` solves exactly.
    init_scale : standard deviation of the random initial embeddings.
    seed : random seed.

    Examples
    --------
    >>> R = sp.csr_matrix(np.eye(4))
    >>> mf = MatrixFactorization(n_factors=4, loss="weighted", w=0.1, reg=0.01, epochs=5).fit(R)
    >>> mf.recommend([0], k=1, exclude=None).tolist()
    [[0]]
    """

    def __init__(
        self,
        n_factors: int = 32,
        *,
        loss: str = "weighted",
        w: float = 0.1,
        reg: float = 0.1,
        solver: str = "wals",
        epochs: int = 10,
        learning_rate: float | None = None,
        batch_size: int = 1024,
        negatives: int = 4,
        cg_steps: int | None = 3,
        init_scale: float = 0.1,
        seed: int = 0,
    ) -> None:
        self.n_factors = check_int(n_factors, "n_factors", low=1)
        self.loss = check_choice(loss, "loss", LOSSES)
        self.w = unobserved_weight(loss, w)
        self.reg = check_float(reg, "reg", low=0)
        self.solver = check_choice(solver, "solver", SOLVERS)
        self.epochs = check_int(epochs, "epochs", low=1)
        self.learning_rate = None if learning_rate is None else check_positive(learning_rate, "learning_rate")
        self.batch_size = check_int(batch_size, "batch_size", low=1)
        self.negatives = check_int(negatives, "negatives", low=1)
        self.cg_steps = None if cg_steps is None else check_int(cg_steps, "cg_steps", low=1)
        self.init_scale = check_float(init_scale, "init_scale", low=0, low_open=True)
        self.seed = seed
        self.history_: list[float] = []

    def fit(self, R: sp.spmatrix, progress: bool = False, track_loss: bool = True) -> MatrixFactorization:
        """Learn ``user_factors_`` and ``item_factors_``; ``history_`` holds the loss per epoch.

        ``history_[0]`` is the loss at initialisation, ``history_[e]`` after epoch ``e``.
        ``track_loss=False`` skips the loss (``history_`` stays empty), which keeps timed
        iterations to the optimisation itself.
        """
        R = check_feedback(R)
        rng = check_random_state(self.seed)
        m, n = R.shape
        self.user_factors_ = rng.normal(0, self.init_scale, (m, self.n_factors))
        self.item_factors_ = rng.normal(0, self.init_scale, (n, self.n_factors))
        self.history_ = [self._loss(R)] if track_loss else []
        epochs = range(self.epochs)
        if progress:
            from mlsd_lib.runtime import progress as progress_bar

            epochs = progress_bar(epochs, desc=f"MF {self.solver} ({self.loss})", leave=False)
        Rt = R.T.tocsr()
        if self.solver == "wals" and self.cg_steps is not None:
            # validated once here, so each half-step goes straight to the float32 kernel
            S, St = _float32(R), _float32(Rt)
        for _ in epochs:
            if self.solver == "wals" and self.cg_steps is not None:
                self.user_factors_ = self._half_step(S, self.user_factors_, self.item_factors_)
                self.item_factors_ = self._half_step(St, self.item_factors_, self.user_factors_)
            elif self.solver == "wals":
                self.user_factors_ = _als_step(R, self.user_factors_, self.item_factors_,
                                               self.w, self.reg, self.cg_steps)
                self.item_factors_ = _als_step(Rt, self.item_factors_, self.user_factors_,
                                               self.w, self.reg, self.cg_steps)
            else:
                with np.errstate(over="ignore", invalid="ignore"):
                    self._sgd_epoch(R, rng)
                # A fit's embeddings stay O(1) (scores approximate 0/1 feedback); 1e6 is runaway.
                big = max(np.abs(self.user_factors_).max(), np.abs(self.item_factors_).max())
                if not np.isfinite(big) or big > 1e6:
                    raise ValueError(f"SGD diverged (non-finite embeddings) at learning_rate="
                                     f"{self.learning_rate}; lower it, or pass None for the default")
            if track_loss:
                self.history_.append(self._loss(R))
        return self

    def _loss(self, R: sp.csr_matrix) -> float:
        # R was checked once by fit; the factors are the model's own
        return _objective(R, self.user_factors_, self.item_factors_, self.w, self.reg)

    def _half_step(self, S: sp.csr_matrix, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
        # what als_step does, without validating the same matrices again every half-step
        G = self.w * (Y.T @ Y) + self.reg * np.eye(Y.shape[1])
        X32 = _cg_half_step(S, X.astype(np.float32), Y.astype(np.float32), G, self.w, self.cg_steps)
        return X32.astype(np.float64)

    def _sgd_epoch(self, R: sp.csr_matrix, rng: np.random.Generator) -> None:
        # Gradient of L / nnz: observed pairs exactly per batch, the w * sum_all term
        # estimated from uniformly sampled pairs scaled by (m n) / samples.
        U, V = self.user_factors_, self.item_factors_
        m, n = R.shape
        nnz = R.nnz
        rows = np.repeat(np.arange(m), np.diff(R.indptr))
        cols, vals = R.indices, R.data
        n_batches = max(1, nnz // self.batch_size)
        b = nnz / n_batches
        lr = self.learning_rate if self.learning_rate is not None else PAIR_STEP * b / np.sqrt(nnz / b)
        for batch in np.array_split(rng.permutation(nnz), n_batches):
            r, c, a = rows[batch], cols[batch], vals[batch]
            pred = np.einsum("ij,ij->i", U[r], V[c])
            # d/dpred of (a - pred)^2 - w pred^2, scaled to the mean over observed pairs
            g = (-2 * (a - pred) - 2 * self.w * pred) / len(batch)
            gU = np.zeros_like(U)
            gV = np.zeros_like(V)
            np.add.at(gU, r, g[:, None] * V[c])
            np.add.at(gV, c, g[:, None] * U[r])
            if self.w > 0:
                s = len(batch) * self.negatives
                ru, cv = rng.integers(0, m, s), rng.integers(0, n, s)
                p = np.einsum("ij,ij->i", U[ru], V[cv])
                gs = 2 * self.w * p * (m * n / s) / nnz
                np.add.at(gU, ru, gs[:, None] * V[cv])
                np.add.at(gV, cv, gs[:, None] * U[ru])
            gU += 2 * self.reg / nnz * U
            gV += 2 * self.reg / nnz * V
            U -= lr * gU * (nnz / len(batch)) ** 0.5
            V -= lr * gV * (nnz / len(batch)) ** 0.5

    def objective(self, R: sp.spmatrix) -> float:
        """The training loss of the current embeddings on ``R``."""
        self._check_fitted()
        return mf_objective(R, self.user_factors_, self.item_factors_, self.w, self.reg)

    def _check_fitted(self) -> None:
        if not hasattr(self, "user_factors_"):
            raise ValueError("the model is not fitted; call fit(R) before using it")

    def _n_users(self) -> int:
        self._check_fitted()
        return len(self.user_factors_)

    def score(self, users: ArrayLike) -> np.ndarray:
        """Relevance ``U_i . V_j`` of every item for each user row in ``users`` (source Fig. 6.17)."""
        u = check_ids(users, "users", self._n_users(), of="rows of the training matrix")
        return self.user_factors_[u] @ self.item_factors_.T

    def fold_in(self, liked: list[ArrayLike]) -> np.ndarray:
        """Embeddings for new users from the items they liked, items fixed (one WALS row each).

        This is how MF meets a user it was not trained on: no retraining, but it needs at
        least one interaction; with none, the embedding is zero and every score is 0.
        """
        self._check_fitted()
        if isinstance(liked, np.ndarray) and liked.ndim == 2:
            liked = list(liked)
        if not isinstance(liked, list | tuple) or len(liked) == 0:
            raise TypeError(f"liked must be a non-empty list of item-position lists (one per new user), "
                            f"got {type(liked).__name__}" + (" of length 0" if isinstance(liked, list | tuple) else ""))
        n = len(self.item_factors_)
        rows, cols = [], []
        for i, items in enumerate(liked):
            ids = check_ids(items, f"liked[{i}]", n, allow_empty=True, of="items of the model")
            rows += [i] * len(ids)
            cols += ids.tolist()
        R = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(liked), n))
        R.sum_duplicates()
        R.data[:] = 1.0
        return als_step(R, np.zeros((len(liked), self.n_factors)), self.item_factors_,
                        self.w, self.reg, cg_steps=None)



def observed_mean_scores(U: ArrayLike, V: ArrayLike, R: sp.spmatrix) -> tuple[float, float]:
    """Mean predicted score ``U_i . V_j`` over the observed pairs of ``R`` and over the rest.

    Dense (``m × n``): meant for the chapter's small matrices.

    Introduced in chapter 6, "Three losses for matrix factorisation".

    Examples
    --------
    >>> observed_mean_scores(np.ones((2, 1)), np.ones((2, 1)), sp.csr_matrix([[1, 0], [0, 0]]))
    (1.0, 1.0)
    """
    U, V, R = check_factors(U, V, R)
    S = U @ V.T
    obs = np.asarray(R.toarray(), bool)
    if obs.all() or not obs.any():
        raise ValueError("R must have both observed and unobserved pairs")
    return float(S[obs].mean()), float(S[~obs].mean())
