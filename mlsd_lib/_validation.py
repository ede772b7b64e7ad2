"""Input checks shared by every public function of mlsd_lib.

Each check raises ``TypeError`` for the wrong kind of input and ``ValueError`` for the right
kind with the wrong content, and names the argument and the fix, in the manner of
scikit-learn's ``check_array``.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable

import numpy as np
from numpy.typing import ArrayLike


def as_array(
    x: ArrayLike,
    name: str,
    *,
    ndim: int | tuple[int, ...] | None = None,
    dtype: str = "float",
    allow_empty: bool = False,
    allow_nan: bool = False,
    allow_inf: bool = False,
) -> np.ndarray:
    """Convert ``x`` to a NumPy array and check its rank, dtype, emptiness and NaNs.

    ``dtype`` is ``"float"`` (any real number, returned as float64), ``"int"`` (integers,
    returned as int64), ``"ids"`` (integers as for ``"int"``, but booleans refused: a mask is
    not a list of positions), ``"bool"`` (0/1 or booleans, returned as int64) or ``"any"``.
    """
    if isinstance(x, str | bytes) or x is None:
        raise TypeError(f"{name} must be array-like of numbers, got {type(x).__name__}")
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be array-like of numbers: {exc}") from exc
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if not isinstance(allowed, tuple) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0
                                                      for d in allowed):
            raise TypeError(f"ndim must be an int or a tuple of ints, got {ndim!r}")
        if arr.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be {want}, got an array of shape {arr.shape}")
    if not allow_empty and arr.size == 0:
        raise ValueError(f"{name} is empty; pass at least one value")
    if dtype == "any":
        return arr
    if dtype == "ids":
        if arr.dtype == np.bool_:
            raise TypeError(f"{name} must be integer ids, got booleans; "
                            "turn a mask into positions with np.flatnonzero(mask)")
        dtype = "int"
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise TypeError(f"{name} must hold numbers, got dtype {arr.dtype}")
    if not (arr.flags.c_contiguous or arr.flags.f_contiguous):
        arr = arr.copy()   # a reversed or strided view (X[::-1]): torch and faiss refuse negative strides
    if dtype == "float":
        arr = arr.astype(np.float64, copy=False)
        if not allow_nan and np.isnan(arr).any():
            raise ValueError(f"{name} contains NaN; impute or drop missing values first")
        if not allow_inf and np.isinf(arr).any():
            raise ValueError(f"{name} contains inf; clip or drop infinite values first")
        return arr
    if dtype in ("int", "bool"):
        if np.issubdtype(arr.dtype, np.floating):
            if np.isnan(arr).any():
                raise ValueError(f"{name} contains NaN; pass integers (ids, labels or counts)")
            # Casting inf to int64 gives -2**63 with only a RuntimeWarning: ids would go
            # negative downstream, so infinity is refused here, by name.
            if np.isinf(arr).any():
                raise ValueError(f"{name} contains inf; pass finite integers (ids, labels or counts)")
            if np.abs(arr).max(initial=0) >= 2.0**63:
                raise ValueError(f"{name} holds values too large for a 64-bit integer")
            if not np.all(arr == np.round(arr)):
                raise TypeError(f"{name} must hold integers, got non-integral floats")
        arr = arr.astype(np.int64)
        if dtype == "bool" and not np.isin(arr, (0, 1)).all():
            bad = np.unique(arr[~np.isin(arr, (0, 1))])[:5]
            raise ValueError(f"{name} must be binary (0/1), found values {bad.tolist()}")
        return arr
    raise ValueError(f"unknown dtype spec {dtype!r}")


def check_same_length(**arrays: np.ndarray) -> int:
    """Check that all arrays have the same first dimension and return it."""
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        desc = ", ".join(f"{n}={v}" for n, v in lengths.items())
        raise ValueError(f"inputs must have the same length, got {desc}")
    return next(iter(lengths.values()))


def check_int(
    value: object, name: str, *, low: int | None = None, high: int | None = None
) -> int:
    """Check that ``value`` is an integer in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    for bound, label in ((low, "low"), (high, "high")):
        if bound is not None and (isinstance(bound, bool) or not isinstance(bound, numbers.Real)):
            raise TypeError(f"{label} must be a number or None, got {type(bound).__name__}")
    value = int(value)
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}, got {value}")
    return value


def check_float(
    value: object,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Check that ``value`` is a finite real number in the given interval."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if low is not None and (value < low or (low_open and value == low)):
        op = ">" if low_open else ">="
        raise ValueError(f"{name} must be {op} {low}, got {value}")
    if high is not None and (value > high or (high_open and value == high)):
        op = "<" if high_open else "<="
        raise ValueError(f"{name} must be {op} {high}, got {value}")
    return value


def check_k(k: object, name: str = "k") -> int:
    """Check a ranking cut-off: a positive integer."""
    return check_int(k, name, low=1)


def check_choice(value: object, name: str, choices: tuple[str, ...]) -> str:
    """Check that ``value`` is one of ``choices``."""
    if isinstance(choices, str | bytes) or not isinstance(choices, tuple | list | frozenset | set | dict):
        raise TypeError(f"choices must be a tuple of options, got {type(choices).__name__}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value  # type: ignore[return-value]


def check_random_state(seed: object, name: str = "seed") -> np.random.Generator:
    """Turn ``None``, an int or a Generator into a ``np.random.Generator``; ``name`` is the
    argument's name in error messages (``"rng"`` where a function calls it that)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        if seed < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {seed}")
        return np.random.default_rng(int(seed))
    raise TypeError(f"{name} must be None, an int or a numpy Generator, got {type(seed).__name__}")


def check_ids(
    ids: ArrayLike,
    name: str,
    size: int,
    *,
    ndim: int | tuple[int, ...] = 1,
    allow_empty: bool = False,
    missing: int | None = None,
    of: str | None = None,
) -> np.ndarray:
    """Integer positions into a collection of ``size`` entries, each in ``[0, size)``.

    Negative ids are refused rather than wrapped around (NumPy would read ``-1`` as the last
    entry) and ids ``>= size`` are refused rather than left to raise ``IndexError``.
    ``missing`` names one sentinel value (``-1`` for an empty slot of a padded list) that is
    accepted as well; ``of`` says what ``size`` counts, for the message.

    Examples
    --------
    >>> check_ids([0, 2], "items", 3).tolist()
    [0, 2]
    >>> check_ids([0, 3], "items", 3, of="rows of item_vectors")
    Traceback (most recent call last):
    ...
    ValueError: items must be positions in [0, 3) (rows of item_vectors); found 3, outside that range
    """
    size = check_int(size, f"size of {name}", low=0)
    if isinstance(ids, bool | np.bool_) or np.asarray(ids).dtype == np.bool_:
        raise TypeError(f"{name} must be integer positions, got booleans; "
                        "turn a mask into positions with np.flatnonzero(mask)")
    arr = as_array(ids, name, ndim=ndim, dtype="int", allow_empty=allow_empty)
    bad = (arr < 0) | (arr >= size)
    if missing is not None:
        bad &= arr != missing
    if bad.any():
        where = f" ({of})" if of else ""
        extra = f", or {missing} for an empty slot" if missing is not None else ""
        raise ValueError(f"{name} must be positions in [0, {size}){where}{extra}; "
                         f"found {int(arr[bad].flat[0])}, outside that range")
    return arr


def check_probability(p: object, name: str, *, low_open: bool = False, high_open: bool = False) -> float:
    """Check that ``p`` is a probability: a finite number in [0, 1] (ends optionally open)."""
    return check_float(p, name, low=0.0, high=1.0, low_open=low_open, high_open=high_open)


def check_positive(value: object, name: str, *, strict: bool = True) -> float:
    """Check a finite positive (``strict``) or non-negative number such as a learning rate."""
    return check_float(value, name, low=0.0, low_open=strict)


def check_finite(x: object, name: str) -> object:
    """Raise ``ValueError`` if an array or torch tensor holds NaN or inf; return it unchanged.

    For inputs that are kept in their own type (tensors, float32 arrays) where
    :func:`as_array` would convert.
    """
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is pinned
        torch = None
    if torch is not None and isinstance(x, torch.Tensor):
        if x.is_floating_point() and not bool(torch.isfinite(x).all()):
            raise ValueError(f"{name} contains NaN or inf; clip or drop non-finite values first")
        return x
    arr = np.asarray(x)
    if np.issubdtype(arr.dtype, np.inexact) and not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or inf; clip or drop non-finite values first")
    return x


def check_sets(sets: object, name: str, n: int | None = None) -> list[set[int]]:
    """A sequence of collections of integer ids (one per user or query), as a list of sets.

    Refuses ``None``, strings, and elements that are not collections of integers, naming
    ``name`` (``'NoneType' object is not iterable`` says nothing about which argument).
    """
    if sets is None or isinstance(sets, str | bytes | dict) or not hasattr(sets, "__len__"):
        raise TypeError(f"{name} must be a list of sets of ids (one per row), got {type(sets).__name__}")
    out = []
    for i, s in enumerate(sets):
        if isinstance(s, str | bytes) or not hasattr(s, "__iter__"):
            raise TypeError(f"{name}[{i}] must be a set of integer ids, got {type(s).__name__}")
        ids = set()
        for v in s:
            if isinstance(v, bool) or not isinstance(v, numbers.Integral):
                raise TypeError(f"{name}[{i}] must hold integer ids, got {type(v).__name__} {v!r}")
            ids.add(int(v))
        out.append(ids)
    if n is not None and len(out) != n:
        raise ValueError(f"{name} must hold one set per row ({n}), got {len(out)}")
    return out


def check_sequence(x: object, name: str) -> list:
    """A sized sequence (list, tuple, array...) as a list; refuses ``None`` and strings by name."""
    if x is None or isinstance(x, str | bytes | dict) or not hasattr(x, "__len__") or not hasattr(x, "__iter__"):
        raise TypeError(f"{name} must be a list or array, got {type(x).__name__}")
    return list(x)


def check_boxes(
    boxes: ArrayLike,
    name: str,
    *,
    allow_empty: bool = True,
    ordered: bool = True,
) -> np.ndarray:
    """Boxes as an ``(n, 4)`` float array: finite, and with ``x1 <= x2`` and ``y1 <= y2``.

    A single box may be given flat (4 numbers); any other flat array is refused rather than
    cut into rows of four (8 flat numbers are not two boxes). ``ordered=False`` skips the
    corner check, for rows that are offsets rather than boxes.

    Examples
    --------
    >>> check_boxes([0, 0, 2, 3], "boxes").tolist()
    [[0.0, 0.0, 2.0, 3.0]]
    >>> check_boxes([2, 0, 1, 3], "boxes")
    Traceback (most recent call last):
    ...
    ValueError: boxes must be xyxy with x1 <= x2 and y1 <= y2; row 0 is [2.0, 0.0, 1.0, 3.0]
    """
    arr = as_array(boxes, name, ndim=(1, 2), allow_empty=allow_empty)
    if arr.ndim == 1:
        if arr.size == 0:
            return arr.reshape(0, 4)
        if arr.size != 4:
            raise ValueError(f"{name} must be an (n, 4) array of xyxy boxes (or one box of 4 numbers), "
                             f"got a flat array of {arr.size} numbers; reshape it to (-1, 4) if that is meant")
        arr = arr[None]
    if arr.shape[1] != 4:
        raise ValueError(f"{name} must be an (n, 4) array of xyxy boxes, got shape {arr.shape}")
    if ordered:
        bad = np.flatnonzero((arr[:, 2] < arr[:, 0]) | (arr[:, 3] < arr[:, 1]))
        if len(bad):
            raise ValueError(f"{name} must be xyxy with x1 <= x2 and y1 <= y2; "
                             f"row {int(bad[0])} is {arr[bad[0]].tolist()}")
    return arr


def check_names(
    values: object,
    name: str,
    choices: tuple[str, ...] | None = None,
    *,
    allow_empty: bool = True,
) -> tuple[str, ...]:
    """A collection of names (class names, columns) as a tuple of str.

    A bare string is refused rather than read letter by letter (``"violence"`` is not
    ``("v", "i", ...)``); with ``choices``, a name outside them (a misspelling) is refused.

    Examples
    --------
    >>> check_names(["a"], "classes", ("a", "b"))
    ('a',)
    >>> check_names("a", "classes")
    Traceback (most recent call last):
    ...
    TypeError: classes must be a list or tuple of names, got a str; wrap one name as ('a',)
    """
    if isinstance(values, str | bytes):
        raise TypeError(f"{name} must be a list or tuple of names, got a str; wrap one name as ({values!r},)")
    if values is None or isinstance(values, dict) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a list or tuple of names, got {type(values).__name__}")
    out = tuple(values)
    for v in out:
        if not isinstance(v, str):
            raise TypeError(f"{name} must hold names (str), found {type(v).__name__} {v!r}")
    if choices is not None:
        unknown = [v for v in out if v not in choices]
        if unknown:
            raise ValueError(f"{name} has unknown name(s) {unknown}; choose from {', '.join(map(repr, choices))}")
    if not out and not allow_empty:
        raise ValueError(f"{name} is empty; pass at least one name")
    return out


def check_selection(idx: ArrayLike, name: str, size: int, *, of: str | None = None) -> np.ndarray:
    """Integer positions from a boolean mask of length ``size`` or from integer positions.

    A mask must have exactly ``size`` entries; positions must be integers in ``[0, size)``
    (no wrap-around of ``-1``, no rounding of ``0.5``), as in :func:`check_ids`.

    Examples
    --------
    >>> check_selection([True, False, True], "idx", 3).tolist()
    [0, 2]
    >>> check_selection([2, 0], "idx", 3).tolist()
    [2, 0]
    """
    if isinstance(idx, str | bytes) or idx is None:
        raise TypeError(f"{name} must be a boolean mask or integer positions, got {type(idx).__name__}")
    try:
        arr = np.asarray(idx)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be a boolean mask or integer positions: {exc}") from exc
    if arr.dtype == np.bool_:
        if arr.ndim != 1 or len(arr) != size:
            where = f" ({of})" if of else ""
            raise ValueError(f"{name} as a boolean mask must have one entry per item{where}: "
                             f"{size}, got shape {arr.shape}")
        return np.flatnonzero(arr)
    return check_ids(arr, name, size, allow_empty=True, of=of)


# Text: strings and lists of tokens (chapter 4's text package and everything that reads text).


def check_text(text: object, name: str = "text") -> str:
    """``text`` must be a ``str`` (an empty one is allowed: it normalises to nothing)."""
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a str, got {type(text).__name__}; decode bytes or join tokens first")
    return text


def check_texts(texts: object, name: str = "texts", *, allow_empty: bool = False) -> list[str]:
    """A non-string iterable of strings, as a list."""
    if isinstance(texts, str | bytes) or not isinstance(texts, Iterable):
        raise TypeError(f"{name} must be a list of strings, got {type(texts).__name__}")
    out = list(texts)
    if not out and not allow_empty:
        raise ValueError(f"{name} is empty; pass at least one string")
    for i, t in enumerate(out):
        if not isinstance(t, str):
            raise TypeError(f"{name}[{i}] must be a str, got {type(t).__name__}")
    return out


def check_tokens(tokens: object, name: str = "tokens") -> list[str]:
    """One document's tokens: a list (or tuple) of strings; it may be empty."""
    if isinstance(tokens, str | bytes) or not isinstance(tokens, list | tuple):
        raise TypeError(f"{name} must be a list of token strings (tokenise the text first), "
                        f"got {type(tokens).__name__}")
    for t in tokens:
        if not isinstance(t, str):
            raise TypeError(f"{name} must hold strings, found {type(t).__name__}")
    return list(tokens)


def check_token_lists(docs: object, name: str = "docs", *, allow_empty: bool = False) -> list[list[str]]:
    """Several documents' tokens: a list of token lists."""
    if isinstance(docs, str | bytes) or not isinstance(docs, Iterable):
        raise TypeError(f"{name} must be a list of token lists, got {type(docs).__name__}")
    out = [check_tokens(d, f"{name}[{i}]") for i, d in enumerate(docs)]
    if not out and not allow_empty:
        raise ValueError(f"{name} is empty; pass at least one document")
    return out
