"""A random-projection forest in NumPy: the tree-based ANN family, Annoy style.

Each tree splits the points recursively by the hyperplane halfway between two random points
of the node, until a leaf holds at most ``leaf_size`` points (source ch. 2, Figs. 2.22-2.23).
A query descends every tree at once through one priority queue ordered by its margin to the
splitting planes, so the nodes it almost fell into are visited too, until ``search_k``
candidates are collected; the candidates are then ranked exactly. More trees or a larger
``search_k`` buy recall with time.

The class mimics the faiss index interface (``d``, ``ntotal``, ``is_trained``, ``train``,
``add``, ``search``) so :func:`mlsd_lib.ann.build` can wrap it like any faiss index. It is
written for reading, not speed: its search loop is Python, so compare its recall per
candidate with the faiss indexes, not its queries per second.

Introduced in chapter 2, "Serving".
"""

from __future__ import annotations

import heapq

import numpy as np

from mlsd_lib._validation import as_array, check_choice, check_int


class RPForest:
    """Forest of random-projection trees over float32 vectors.

    Parameters
    ----------
    d : dimension.
    n_trees : number of trees.
    leaf_size : largest leaf.
    search_k : candidates gathered per query before exact ranking (default ``n_trees * leaf_size``).
    metric : ``"l2"`` (squared distance, ascending) or ``"ip"`` (inner product, descending).
    seed : seed of the random splits.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(500, 8)).astype("float32")
    >>> f = RPForest(8, n_trees=4, leaf_size=16)
    >>> f.add(x)
    >>> f.search(x[:2], 1)[1][:, 0].tolist()
    [0, 1]
    """

    def __init__(self, d: int, n_trees: int = 10, leaf_size: int = 32, search_k: int | None = None,
                 metric: str = "l2", seed: int = 0) -> None:
        self.d = check_int(d, "d", low=1)
        self.n_trees = check_int(n_trees, "n_trees", low=1)
        self.leaf_size = check_int(leaf_size, "leaf_size", low=1)
        self.search_k = check_int(search_k if search_k is not None else n_trees * leaf_size, "search_k", low=1)
        self.metric = check_choice(metric, "metric", ("l2", "ip"))
        self.seed = check_int(seed, "seed", low=0)
        self.is_trained = True
        self.xb = np.zeros((0, self.d), dtype=np.float32)
        self.trees: list[dict] = []

    @property
    def ntotal(self) -> int:
        return len(self.xb)

    def train(self, x: np.ndarray) -> None:  # nothing to learn before ``add``: faiss parity
        return None

    def _build_tree(self, ids: np.ndarray, rng: np.random.Generator) -> dict:
        normals, offsets, children, leaves = [], [], [], []

        def grow(node_ids: np.ndarray) -> int:
            if len(node_ids) <= self.leaf_size:
                leaves.append(list(node_ids))
                return -len(leaves)  # negative = leaf number (1-based)
            pts = self.xb[node_ids]
            for _ in range(5):  # a split that puts everything on one side is retried
                a, b = pts[rng.choice(len(pts), 2, replace=False)]
                normal = a - b
                offset = float(normal @ (a + b) / 2)
                side = pts @ normal > offset
                if 0 < side.sum() < len(side):
                    break
            else:  # duplicates: split arbitrarily in half
                normal, offset = np.zeros(self.d, np.float32), 0.0
                side = np.arange(len(pts)) >= len(pts) // 2
            node = len(normals)
            normals.append(normal.astype(np.float32))
            offsets.append(offset)
            children.append([0, 0])
            children[node][0] = grow(node_ids[~side])
            children[node][1] = grow(node_ids[side])
            return node

        root = grow(ids)
        return {"root": root, "normals": np.array(normals, np.float32).reshape(-1, self.d),
                "offsets": np.array(offsets), "children": children, "leaves": leaves}

    def add(self, x: np.ndarray) -> None:
        """Add vectors. The first call grows the trees; later ones drop points into leaves."""
        x = np.ascontiguousarray(as_array(x, "vectors", ndim=2), dtype=np.float32)
        if x.shape[1] != self.d:
            raise ValueError(f"vectors must have {self.d} columns, got {x.shape[1]}")
        if not np.isfinite(x).all():
            raise ValueError("vectors holds values too large for float32 (|x| > 3.4e38); rescale them")
        start = self.ntotal
        self.xb = np.vstack([self.xb, x])
        if not self.trees:
            rng = np.random.default_rng(self.seed)
            ids = np.arange(self.ntotal)
            self.trees = [self._build_tree(ids, rng) for _ in range(self.n_trees)]
            return
        # Incremental add (the indexing service): route each new point to its leaf in
        # every tree; leaves may outgrow leaf_size until the next full rebuild.
        for i in range(start, self.ntotal):
            for t in self.trees:
                node = t["root"]
                while node >= 0:
                    node = t["children"][node][int(self.xb[i] @ t["normals"][node] > t["offsets"][node])]
                t["leaves"][-node - 1].append(i)

    def _candidates(self, q: np.ndarray) -> np.ndarray:
        heap = [(-np.inf, ti, t["root"]) for ti, t in enumerate(self.trees)]
        heapq.heapify(heap)
        found: list[int] = []
        while heap and len(found) < self.search_k:
            neg_pri, ti, node = heapq.heappop(heap)
            t = self.trees[ti]
            if node < 0:
                found.extend(t["leaves"][-node - 1])
                continue
            margin = float(q @ t["normals"][node] - t["offsets"][node])
            pri = -neg_pri
            left, right = t["children"][node]
            heapq.heappush(heap, (-min(pri, -margin), ti, left))
            heapq.heappush(heap, (-min(pri, margin), ti, right))
        return np.unique(np.asarray(found, dtype=np.int64))

    def search(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """faiss-style search: returns ``(scores, ids)``, each (n_queries, k); missing = -1."""
        k = check_int(k, "k", low=1)
        q = np.ascontiguousarray(as_array(q, "queries", ndim=2), dtype=np.float32)
        D = np.full((len(q), k), np.inf if self.metric == "l2" else -np.inf, dtype=np.float32)
        Ids = np.full((len(q), k), -1, dtype=np.int64)
        for i, qi in enumerate(q):
            cand = self._candidates(qi)
            vecs = self.xb[cand]
            score = ((vecs - qi) ** 2).sum(1) if self.metric == "l2" else -(vecs @ qi)
            top = np.argsort(score, kind="stable")[:k]
            Ids[i, : len(top)] = cand[top]
            D[i, : len(top)] = score[top] if self.metric == "l2" else -score[top]
        return D, Ids

    @property
    def nbytes(self) -> int:
        """Vectors plus tree structure (split planes, offsets, child links, leaf ids)."""
        total = self.xb.nbytes
        for t in self.trees:
            total += t["normals"].nbytes + t["offsets"].nbytes + 8 * len(t["children"])
            total += 8 * sum(len(leaf) for leaf in t["leaves"])
        return int(total)
