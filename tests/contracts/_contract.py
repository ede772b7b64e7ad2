"""The contract every public function of mlsd_lib keeps, as reusable property checks.

In the spirit of scikit-learn's estimator checks, each public callable gets a :class:`Case`:

- a hypothesis strategy of *valid* keyword arguments, and a ``check`` of the result: finite,
  of the documented type and range (a probability in [0, 1], a recall <= 1, an nDCG <= 1);
- a ``spec`` naming the kind of each argument; :func:`run_bad` replaces one argument at a
  time by every bad value of its kind (NaN, +-inf, None, a string, the wrong rank, an empty
  array, an out-of-range or negative id...) and requires a ``ValueError`` or ``TypeError``
  whose message names that argument. Any other exception type fails the test, and so does
  bad input that is accepted.

Runs are derandomised with a fixed example budget per case (``Case.examples``), so the suite
is the same on every machine and stays well under a minute.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

PROFILE = settings(
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
    print_blob=False,
    phases=(Phase.explicit, Phase.generate, Phase.shrink),
)

# Every public callable a property test exercises, as "module.name"; filled at import time of
# the tests/properties/test_*.py modules and read by tests/properties/test_coverage.py.
COVERED: set[str] = set()
# Every Case, in order of creation (the argument sweep of tests/properties/test_adversarial.py runs them).
CASES: list = []


def qualname(obj: object) -> str:
    return f"{obj.__module__}.{obj.__qualname__}"


# ----------------------------------------------------------------------------- strategies

FINITE = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, width=64)
UNIT = st.floats(0.0, 1.0, allow_nan=False, width=64)


def floats_array(shape, lo: float = -1e3, hi: float = 1e3) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.float64, shape, elements=st.floats(lo, hi, allow_nan=False, width=64))


def int_array(shape, lo: int, hi: int) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.int64, shape, elements=st.integers(lo, hi))


def unit_rows(n: int, d: int) -> st.SearchStrategy[np.ndarray]:
    """(n, d) float32 rows of unit norm (no all-zero row)."""
    def norm(x: np.ndarray) -> np.ndarray:
        x = x + np.eye(n, d) * 1e-3 + 1e-3  # never all zero
        return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    return floats_array((n, d), -1, 1).map(norm)


@st.composite
def binary_labels(draw, n: int) -> np.ndarray:
    """0/1 labels holding both classes."""
    y = draw(int_array(n, 0, 1))
    y[0], y[-1] = 0, 1
    return y


@st.composite
def sparse_feedback(draw, m: int | None = None, n: int | None = None, density: float = 0.3) -> sp.csr_matrix:
    """A users x items 0/1 CSR matrix with at least one entry per row."""
    m = m or draw(st.integers(2, 8))
    n = n or draw(st.integers(3, 10))
    A = draw(hnp.arrays(np.float64, (m, n), elements=st.sampled_from([0.0, 0.0, 1.0])))
    A[np.arange(m), np.arange(m) % n] = 1.0
    return sp.csr_matrix(A)


def sets_of_ids(n_rows: int, n_items: int, min_size: int = 0) -> st.SearchStrategy[list[set[int]]]:
    return st.lists(st.sets(st.integers(0, n_items - 1), min_size=min_size, max_size=n_items),
                    min_size=n_rows, max_size=n_rows)


# ---------------------------------------------------------------------------- bad values


def _same_shape(value, fill: float):
    arr = np.asarray(value, dtype=float)
    return np.full(arr.shape if arr.size else (2,), fill)


def _bad_array(value) -> list:
    arr = np.asarray(value)
    out = [None, "abc", _same_shape(value, np.nan), _same_shape(value, np.inf), arr[None, ..., None],
           np.zeros((0,) + arr.shape[1:])]
    if arr.ndim >= 1:
        out.append(np.full(arr.shape, 1 + 1j))
    return out


def _bad_int_values(value) -> list:
    arr = np.asarray(value)
    shape = arr.shape if arr.size else (1,)
    return [None, "abc", np.full(shape, np.inf), np.full(shape, -np.inf), np.full(shape, np.nan),
            np.full(shape, 0.5)]


def _bad_ids(value) -> list:
    shape = np.asarray(value).shape or (1,)
    # booleans are not positions (True would silently mean row 1); a fractional id is no id
    return _bad_int_values(value) + [np.full(shape, -5), np.full(shape, 10**6),
                                     np.ones(shape, bool), np.full(shape, 1.5)]


def _bad_boxes(value) -> list:
    """Arrays that are not (n, 4) finite xyxy boxes: flat numbers, the wrong width, corners
    swapped, NaN, inf, text."""
    b = np.asarray(value, dtype=float).reshape(-1, 4) if np.asarray(value).size else np.array([[1.0, 1, 5, 5]])
    swap_x, swap_y = b.copy(), b.copy()
    swap_x[0, [0, 2]] = b[0, 2] + 1, b[0, 0]
    swap_y[0, [1, 3]] = b[0, 3] + 1, b[0, 1]
    return [None, "abc", np.arange(8.0) + 1, np.ones((4, 5)), np.ones((2, 3)), swap_x, swap_y,
            np.where(np.arange(b.size).reshape(b.shape) == 0, np.nan, b),
            np.where(np.arange(b.size).reshape(b.shape) == 2, np.inf, b)]


def _bad_names(value) -> list:
    """Where a collection of names is expected: a bare string (read letter by letter if
    accepted), a misspelt name, a non-string, None."""
    first = next(iter(value), "x") if not isinstance(value, str) else value
    return [None, str(first), (str(first) + "e_misspelt",), [3]]


BAD: dict[str, Callable[[object], list]] = {
    # float arrays: missing, text, NaN, inf, one rank too many, empty, complex
    "array": _bad_array,
    # non-negative float arrays (relevance, counts): also a negative entry
    "nonneg": lambda v: _bad_array(v) + [_same_shape(v, -1.0)],
    "nonneg_opt": lambda v: _bad_array(v)[1:] + [_same_shape(v, -1.0)],   # None is allowed
    # integer positions into a collection: also negative, out of range, fractional
    "ids": _bad_ids,
    # integer labels or ids that are not positions (any integer is fine, inf/NaN/0.5 are not)
    "int_values": _bad_int_values,
    "int_values_opt": lambda v: _bad_int_values(v)[1:],                   # None is allowed
    # 0/1 labels
    "labels": lambda v: [None, "abc", _same_shape(v, np.nan), _same_shape(v, np.inf), _same_shape(v, 2),
                         _same_shape(v, 0.5)],
    "int": lambda v: [None, "3", 2.5, float("nan"), -(10**6)],
    "labels_opt": lambda v: BAD["labels"](v)[1:],                          # None is allowed
    "count": lambda v: [None, "3", 2.5, 0, -1],            # an integer >= 1
    "cutoff": lambda v: ["3", 2.5, 0, -1],                  # an integer >= 1, or None
    "seed": lambda v: ["abc", 2.5, -1],
    "prob": lambda v: [None, "x", float("nan"), float("inf"), -0.5, 1.5],
    "pos": lambda v: [None, "x", float("nan"), float("inf"), -1.0, 0.0],   # > 0
    "nonneg_float": lambda v: [None, "x", float("nan"), float("inf"), -1.0],
    "float": lambda v: [None, "x", float("nan"), float("inf")],
    "float_opt": lambda v: ["x", float("nan"), float("inf")],                # None is allowed
    "pos_opt": lambda v: ["x", float("nan"), float("inf"), -1.0, 0.0],       # None is allowed
    "choice": lambda v: ["no-such-option", None, 3],
    "choice_opt": lambda v: ["no-such-option", 3],                         # None is allowed
    "frame": lambda v: [None, "abc", np.zeros((2, 2)), v.iloc[:0]],
    "sets": lambda v: [None, "abc", 3, [[[1]]] * max(1, len(v)), [{"a"}] * max(1, len(v))],
    "sparse": lambda v: [None, "abc", np.ones((2, 2)), sp.csr_matrix((2, 0))],
    "array_opt": lambda v: _bad_array(v)[1:],                               # None is allowed
    # a sample that may be empty (too few units is an undecidable effect, not an error)
    "sample": lambda v: _bad_array(v)[:-2] + _bad_array(v)[-1:] if np.asarray(v).ndim >= 1 else _bad_array(v)[:-1],
    "slots": lambda v: _bad_int_values(v) + [np.full(np.asarray(v).shape or (1,), -5)],   # ids or -1, unbounded
    "sparse_any": lambda v: [None, "abc", np.ones((2, 2))],               # any shape is fine
    "tensor": lambda v: [None, np.asarray(v.detach().numpy() if hasattr(v, "detach") else v),
                         v * float("nan"), v + float("inf")],
    "callable": lambda v: [None, 3, "abc"],
    "column": lambda v: ["no_such_column", None],
    # (n, 4) xyxy boxes
    "boxes": _bad_boxes,
    # a tuple or list of names from a known set
    "names": _bad_names,
}


# ------------------------------------------------------------------ adversarial families
# Reusable strategies for inputs a careful user might pass by mistake, shared by every
# tests/properties/test_*.py module (and the stateful tests).

#: huge but finite magnitudes: results must stay finite, or the call must refuse by name
HUGE = st.sampled_from([1e300, -1e300, 1e38, 3.5e38, 1e154])
#: ids that are not positions into a collection of ``size`` items
def bad_ids(size: int) -> st.SearchStrategy:
    return st.sampled_from([-1, -size - 1, size, size + 10**6, 0.5, 1.5, True, False, "0", None, float("nan")])


#: strings where a sequence of strings is expected (a string is not a tuple of letters)
def string_for_sequence(names) -> st.SearchStrategy[str]:
    names = list(names)
    return st.sampled_from(names + [",".join(names), " ".join(names)])


def malformed_boxes(n_max: int = 4) -> st.SearchStrategy[np.ndarray]:
    """Arrays that must be refused where (n, 4) xyxy boxes are expected."""
    good = st.integers(1, n_max).flatmap(lambda n: floats_array((n, 4), 0, 50).map(np.sort))
    return st.one_of(
        st.integers(1, 3).map(lambda m: np.arange(4.0 * m + 4) + 1),                     # flat, more than one box
        st.integers(1, n_max).map(lambda n: np.ones((4, n + 4))),                         # (4, n) read as rows
        good.map(lambda b: b[:, [2, 1, 0, 3]] + np.array([1.0, 0, 0, 0])),               # x2 < x1
        good.map(lambda b: b[:, [0, 3, 2, 1]] + np.array([0, 1.0, 0, 0])),               # y2 < y1
        good.map(lambda b: np.where(np.eye(*b.shape, dtype=bool), np.nan, b)),            # NaN
        good.map(lambda b: np.where(np.eye(*b.shape, dtype=bool), np.inf, b)),            # inf
    )


def numeric_dtypes(arrays: st.SearchStrategy[np.ndarray], *, integral: bool = False) -> st.SearchStrategy[np.ndarray]:
    """The same arrays as float64, float32 and (when their values allow) int64: every
    numeric dtype a user may hold must be accepted alike."""
    out = [arrays.map(lambda a: a.astype(np.float64)), arrays.map(lambda a: a.astype(np.float32))]
    if integral:
        out.append(arrays.map(lambda a: np.round(a).astype(np.int64)))
    return st.one_of(*out)


def refuses_or_finite(call: Callable[[], object], name: str, bad: object) -> object:
    """For huge but finite input: either a finite result or a ``ValueError``/``TypeError`` naming ``name``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = call()
        except (ValueError, TypeError) as exc:
            assert name in str(exc), f"{name}={_short(bad)}: the error does not name {name!r}: {exc}"
            return None
    if isinstance(result, dict):
        for key, v in result.items():
            assert is_finite(v), f"{name}={_short(bad)} gave a non-finite {key}: {v}"
    else:
        assert is_finite(result), f"{name}={_short(bad)} gave a non-finite result"
    return result


def _short(x: object) -> str:
    r = repr(x)
    return r if len(r) < 60 else r[:57] + "..."


def rejects(call: Callable[[], object], name: str, bad: object) -> None:
    """``call()`` must raise ``ValueError``/``TypeError`` naming ``name``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            call()
        except (ValueError, TypeError) as exc:
            msg = str(exc)
            assert name in msg, f"{name}={_short(bad)}: the error does not name {name!r}: {msg}"
            return
    pytest.fail(f"{name}={_short(bad)} was accepted; it must raise ValueError or TypeError")


# --------------------------------------------------------------------------------- checks


def is_finite(x: object) -> bool:
    if isinstance(x, bool | np.bool_):
        return True
    if isinstance(x, numbers.Number):
        return math.isfinite(float(x))
    arr = np.asarray(x)
    if arr.dtype == object:
        return all(is_finite(v) for v in arr.ravel())
    if np.issubdtype(arr.dtype, np.number):
        return bool(np.isfinite(arr).all())
    return True


def finite_float(x: object, lo: float = -np.inf, hi: float = np.inf) -> None:
    assert isinstance(x, float), f"expected a float, got {type(x).__name__}"
    assert math.isfinite(x), f"non-finite result {x}"
    assert lo - 1e-9 <= x <= hi + 1e-9, f"{x} outside [{lo}, {hi}]"


def finite_array(x: object, lo: float = -np.inf, hi: float = np.inf, shape=None) -> None:
    assert isinstance(x, np.ndarray), f"expected an ndarray, got {type(x).__name__}"
    assert is_finite(x), f"non-finite values in {x}"
    if x.size and np.issubdtype(x.dtype, np.number):
        assert x.min() >= lo - 1e-9 and x.max() <= hi + 1e-9, f"values outside [{lo}, {hi}]: {x}"
    if shape is not None:
        assert x.shape == shape, f"shape {x.shape}, expected {shape}"


def probability(x: object) -> None:
    finite_float(x, 0.0, 1.0)


def finite_dict(d: dict, lo: float = -np.inf, hi: float = np.inf) -> None:
    assert isinstance(d, dict)
    for key, v in d.items():
        assert is_finite(v), f"{key} = {v} is not finite"
        if isinstance(v, numbers.Real) and not isinstance(v, bool):
            assert lo - 1e-9 <= v <= hi + 1e-9, f"{key} = {v} outside [{lo}, {hi}]"


# ----------------------------------------------------------------------------------- cases


@dataclass
class Case:
    """One public callable (or a class and its methods) under the contract.

    ``strategy`` draws a dict of valid arguments; ``call(kwargs)`` runs the callable on them
    (default: ``target(**kwargs)``); ``check(result, kwargs)`` asserts the documented result.
    ``spec`` maps argument names to a kind of :data:`BAD`, or to ``(kind, name)`` when the
    error message names the argument differently (a method's ``self`` attribute, say). ``covers`` lists further public objects the case exercises (methods'
    classes, result dataclasses).
    """

    target: Callable
    strategy: st.SearchStrategy[dict]
    check: Callable[[object, dict], None] = lambda result, kwargs: None
    spec: dict[str, str | tuple[str, str]] = field(default_factory=dict)
    call: Callable[[dict], object] | None = None
    covers: tuple = ()
    examples: int = 15
    bad_examples: int = 2
    id: str | None = None
    # arguments the generic sweep leaves alone (a bound whose own error rightly names the value)
    no_sweep: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for obj in (self.target, *self.covers):
            COVERED.add(qualname(obj))
        CASES.append(self)

    def run(self, kwargs: dict):
        return self.call(kwargs) if self.call is not None else self.target(**kwargs)

    @property
    def name(self) -> str:
        return self.id or getattr(self.target, "__name__", str(self.target))


def run_valid(case: Case) -> None:
    @settings(PROFILE, max_examples=case.examples)
    @given(case.strategy)
    def inner(kwargs):
        with warnings.catch_warnings():
            # no silent NaN, overflow or empty mean (third-party advice warnings pass)
            warnings.filterwarnings("error", category=RuntimeWarning,
                                    message=".*(invalid value|divide by zero|overflow|empty slice|Degrees of freedom)")
            result = case.run(dict(kwargs))
        case.check(result, kwargs)

    inner()


def run_bad(case: Case) -> None:
    if not case.spec:
        return

    @settings(PROFILE, max_examples=case.bad_examples)
    @given(case.strategy)
    def inner(kwargs):
        for arg, kind in case.spec.items():
            kind, named = kind if isinstance(kind, tuple) else (kind, arg)
            for bad in BAD[kind](kwargs[arg]):
                kw = dict(kwargs)
                kw[arg] = bad
                rejects(lambda kw=kw: case.run(kw), named, bad)

    inner()


#: the sweep's generic bad values: nothing, text, a NaN, a negative, a huge finite number, a boolean
SWEEP = (None, "abc", float("nan"), -1, 1e300, True)
#: exception types a refused call may raise; anything else (IndexError, KeyError, RuntimeError,
#: OverflowError, MemoryError, AssertionError, cv2.error...) is a contract violation
_REFUSALS = (ValueError, TypeError)


def run_sweep(case: Case) -> list[str]:
    """Replace each argument in turn by every value of :data:`SWEEP`.

    The call may accept the value (``None`` is often a documented default) or refuse it with
    a ``ValueError``/``TypeError`` naming the argument; any other exception, or an error that
    does not name the argument, is returned as a violation.
    """
    found: list[str] = []

    @settings(PROFILE, max_examples=1, phases=(Phase.generate,))
    @given(case.strategy)
    def inner(kwargs):
        aliases = {arg: (kind[1] if isinstance(kind, tuple) else arg) for arg, kind in case.spec.items()}
        for arg in kwargs:
            if arg in case.no_sweep:
                continue
            for bad in SWEEP:
                kw = dict(kwargs)
                kw[arg] = bad
                named = aliases.get(arg, arg)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    try:
                        case.run(kw)
                    except _REFUSALS as exc:
                        if named not in str(exc):
                            found.append(f"{case.name}({arg}={bad!r}): {type(exc).__name__} does not name it: "
                                         f"{str(exc)[:90]}")
                    except Exception as exc:  # noqa: BLE001 -- every other type is the finding
                        found.append(f"{case.name}({arg}={bad!r}): {type(exc).__name__}: {str(exc)[:90]}")

    inner()
    return found


def parametrize(cases: list[Case]):
    return pytest.mark.parametrize("case", cases, ids=[c.name for c in cases])
