"""Beyond-accuracy metrics of recommendation lists (source ch. 6, "Offline metrics").

Introduced in chapter 6, "Evaluation".
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_ids, check_int
from mlsd_lib.vectors import normalize_rows


def intra_list_similarity(recommended: ArrayLike, item_vectors: ArrayLike) -> float | np.ndarray:
    """Average pairwise cosine similarity of the items in each list (lower = more diverse).

    Parameters
    ----------
    recommended : (k,) or (n_lists, k) item positions; ``-1`` marks an empty slot. A list
        with fewer than two items gives NaN.
    item_vectors : (n_items, d) item features used to compare items.

    Examples
    --------
    >>> vec = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    >>> intra_list_similarity([0, 1], vec), intra_list_similarity([0, 2], vec)
    (1.0, 0.0)
    """
    vec = as_array(item_vectors, "item_vectors", ndim=2)
    ids = check_ids(recommended, "recommended", len(vec), ndim=(1, 2), missing=-1,
                    of=f"item_vectors has {len(vec)} rows")
    one = ids.ndim == 1
    ids = ids[None, :] if one else ids
    unit = normalize_rows(vec, "item_vectors", zero_rows="keep")
    out = np.zeros(len(ids))
    for i, row in enumerate(ids):
        row = row[row >= 0]
        n = len(row)
        if n < 2:
            out[i] = np.nan  # nothing to compare; evaluate_lists averages with nanmean
            continue
        # sum of all pairwise cosines = |sum of unit vectors|^2, minus the diagonal: O(n d),
        # not O(n^2 d), so a few hundred candidates cost no more than a top-10 list.
        u = unit[row]
        total = u.sum(axis=0)
        out[i] = (float(total @ total) - float(np.einsum("ij,ij->", u, u))) / (n * (n - 1))
    return float(out[0]) if one else out


def catalogue_coverage(recommended: ArrayLike, n_items: int) -> float:
    """Fraction of the catalogue that appears in at least one recommendation list.

    ``recommended`` holds positions in ``[0, n_items)``; ``-1`` (an empty slot) is not an item.

    Examples
    --------
    >>> catalogue_coverage([[0, 1], [1, 2]], n_items=10)
    0.3
    """
    n_items = check_int(n_items, "n_items", low=1)
    ids = check_ids(recommended, "recommended", n_items, ndim=(1, 2), missing=-1, of=f"n_items={n_items}")
    return len(np.unique(ids[ids >= 0])) / n_items
