"""Fashion-MNIST: 70,000 28x28 grey product photos of Zalando articles in 10 classes.

The book ships the 10,000-image test split and the first 20,000 training images in
``data/fashion-mnist/`` (IDX files, gzip), and reads only those: a fuller copy that happens to
be installed on a machine never changes the data a chapter uses, so every machine gets the
same figures.

Introduced in chapter 2, "Data preparation".
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

from mlsd_lib._validation import as_array, check_choice, check_int
from mlsd_lib.data.provenance import DATA_DIR, Provenance

CLASS_NAMES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
# Classes a shopper would accept as "related" to each other: partial credit in nDCG.
RELATED_GROUPS = ((0, 2, 4, 6), (5, 7, 9))
BUNDLED_DIR = DATA_DIR / "fashion-mnist"
_FILES = {
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
    "train": ("train-images-idx3-ubyte-first20000.gz", "train-labels-idx1-ubyte-first20000.gz"),
}


def _read_idx(path: Path) -> np.ndarray:
    """Parse one gzip IDX file (the MNIST format: big-endian header, then uint8 data)."""
    with gzip.open(path, "rb") as fh:
        raw = fh.read()
    magic = struct.unpack(">I", raw[:4])[0]
    ndim = magic & 0xFF
    if magic >> 8 != 0x08:  # 0x08 = unsigned byte, the only type Fashion-MNIST uses
        raise ValueError(f"{path.name}: not a uint8 IDX file (magic {magic:#x})")
    shape = struct.unpack(">" + "I" * ndim, raw[4 : 4 + 4 * ndim])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    return data.reshape(shape)


def load_fashion_mnist(
    split: str = "test", n: int | None = None
) -> tuple[np.ndarray, np.ndarray, Provenance]:
    """Load Fashion-MNIST images and labels, offline.

    Parameters
    ----------
    split : ``"test"`` (10,000 images) or ``"train"`` (the first 20,000 of the 60,000).
    n : keep the first ``n`` images (``None`` keeps all).

    Returns
    -------
    images : (n, 28, 28) uint8 array, 0 = background.
    labels : (n,) int64 array of class ids; names in :data:`CLASS_NAMES`.
    provenance : where the data came from.

    Examples
    --------
    >>> x, y, prov = load_fashion_mnist("test", n=5)
    >>> x.shape, y.tolist()
    ((5, 28, 28), [9, 2, 1, 1, 6])
    """
    check_choice(split, "split", ("test", "train"))
    if n is not None:
        n = check_int(n, "n", low=1)
    img_name, lab_name = _FILES[split]
    folder = BUNDLED_DIR
    images = _read_idx(folder / img_name)
    labels = _read_idx(folder / lab_name).astype(np.int64)
    if n is not None:
        if n > len(images):
            raise ValueError(
                f"n={n:,} exceeds the {len(images):,} images of the {split} split that ship in "
                f"data/fashion-mnist; ask for at most {len(images):,}"
            )
        images, labels = images[:n], labels[:n]
    prov = Provenance(
        name=f"Fashion-MNIST ({split})",
        origin="Zalando Research (H. Xiao, K. Rasul, R. Vollgraf, 2017), copied from Debian dataset-fashion-mnist into data/",
        licence="MIT (Expat)",
        loaded_from=str(folder / img_name),
        rows=len(images),
    )
    return images, labels, prov


def graded_relevance(query_labels, item_labels) -> np.ndarray:
    """Graded relevance (0-5, as in source ch. 2, Fig. 2.12) from class labels.

    5 for the same class, 2 for a related class (upper-body garments: T-shirt, pullover,
    coat, shirt; footwear: sandal, sneaker, ankle boot), 0 otherwise. Broadcasts like NumPy.

    Examples
    --------
    >>> graded_relevance(0, [0, 6, 1]).tolist()
    [5, 2, 0]
    """
    q = as_array(query_labels, "query_labels", dtype="ids", ndim=(0, 1, 2))
    it = as_array(item_labels, "item_labels", dtype="ids", ndim=(0, 1, 2))
    group = np.full(10, -1)
    for g, members in enumerate(RELATED_GROUPS):
        group[list(members)] = g
    for name, lab in (("query_labels", q), ("item_labels", it)):
        if ((lab < 0) | (lab > 9)).any():
            raise ValueError(f"{name} must be Fashion-MNIST class ids in 0..9")
    same = q == it
    related = (group[q] == group[it]) & (group[q] >= 0)
    return np.where(same, 5, np.where(related, 2, 0)).astype(np.int64)
