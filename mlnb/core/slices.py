"""Turn slice specifications into integer group codes with readable labels.

``slice_by`` accepts one column name, a list of names (each sliced on its own),
tuples of names (crossed slices, e.g. ``("sex", "race")``), or a dict of
``name -> array`` when the data is given as arrays. Numeric columns with many
distinct values are cut into quantile bins with readable labels (``"[28, 37)"``);
missing values form their own slice, labelled ``"missing"``; in a binned numeric
column, ``-inf`` and ``inf`` form their own slices, labelled ``"-inf"`` and
``"inf"`` (first and last), and the quantile bins are cut from the finite values.
Labels never collide: when two different values print alike (the string
``"missing"`` and a missing value, ``1`` and ``"1"``), the strings among them are
shown quoted (``'missing'``, ``'1'``); in a cross, a value that contains the
separator `` × `` is shown quoted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import DataValidationError, MlnbValueError
from . import frames
from .factorize import factorize

__all__ = [
    "SliceColumn",
    "resolve_slices",
    "column_values",
    "column_or_values",
    "row_count",
    "missing_mask",
    "DEFAULT_MAX_SLICES",
]

#: Most slices one slice column may have; more is almost always an id column.
DEFAULT_MAX_SLICES = 1000
#: A numeric column with more distinct values than this is bucketed into bins.
NUMERIC_AS_CATEGORY_MAX = 20
MISSING = "missing"


@dataclass(frozen=True)
class SliceColumn:
    """One way of slicing the rows.

    Attributes
    ----------
    name:
        Display name: the column name, or ``"sex × race"`` for a cross.
    columns:
        The source columns.
    codes:
        int32 code per row, 0..len(values)-1.
    values:
        Display label per code (readable, never two alike).
    raw:
        The value itself per code, with its type (``1`` and ``"1"`` stay apart;
        ``None`` for the missing slice; ``(low, high)`` for a numeric bin, ``-inf``
        / ``inf`` for the infinite slices; a tuple of the parts' values for a
        cross). Empty when unknown.
    """

    name: str
    columns: tuple[str, ...]
    codes: np.ndarray
    values: tuple[str, ...]
    raw: tuple = ()

    @property
    def n_slices(self) -> int:
        return len(self.values)


def column_values(data: Any, name: Any, *, role: str) -> np.ndarray | Any:
    """Column ``name`` of any table (see :mod:`mlnb.core.frames`)."""
    return frames.get_column(data, name, role=role)


def column_or_values(data: Any, spec: Any, role: str) -> Any:
    """``spec`` as given (values), or the column it names in ``data``."""
    return frames.column_or_values(data, spec, role=role)


row_count = frames.row_count


def missing_mask(arr: np.ndarray) -> np.ndarray:
    """True where a value is missing (NaN/None/NaT); a 2-d array row by row."""
    if arr.dtype.kind == "f":
        return np.isnan(arr) if arr.ndim == 1 else np.isnan(arr).any(axis=1)
    if arr.dtype.kind in "iub":
        return np.zeros(len(arr), dtype=bool)
    import pandas as pd

    return np.asarray(pd.isna(arr))


def resolve_slices(
    data: Any,
    slice_by: Any,
    n_rows: int,
    *,
    bins: Any = 4,
    max_slices: int = DEFAULT_MAX_SLICES,
) -> list[SliceColumn]:
    """Encode every requested slicing as a :class:`SliceColumn`."""
    if slice_by is None:
        raise MlnbValueError(
            "slice_by is required: a column name, a list of names, tuples of names "
            "for crossed slices, or a dict of name -> array"
        )
    source = data
    if isinstance(slice_by, dict):
        source = dict(slice_by)
        specs: list[Any] = list(source)
    elif isinstance(slice_by, (list, set)) or (
        hasattr(slice_by, "__iter__") and not isinstance(slice_by, (str, tuple))
    ):
        specs = list(slice_by)
    else:  # one column name (any hashable) or one tuple of names
        specs = [slice_by]
    if not specs:
        raise MlnbValueError("slice_by is empty; name at least one column to slice by")
    if source is None:
        raise MlnbValueError(
            "slice_by names columns but no data was given; pass data=DataFrame or "
            "slice_by={name: array}"
        )
    cache: dict[Any, SliceColumn] = {}
    out: list[SliceColumn] = []
    for spec in specs:
        cols = spec if isinstance(spec, tuple) else (spec,)
        try:
            bad = not cols or not all(isinstance(hash(c), int) for c in cols)
        except TypeError:  # lists, dicts, sets: not column names
            bad = True
        if bad:
            raise MlnbValueError(
                f"cannot slice by {spec!r}: use a column name or a tuple of names"
            )
        parts = []
        for c in cols:
            if c not in cache:
                values = column_values(source, c, role="slice")
                bins_for = bins.get(c, 4) if isinstance(bins, dict) else bins
                cache[c] = encode(
                    values, str(c), n_rows, bins=bins_for, max_slices=max_slices
                )
            parts.append(cache[c])
        out.append(parts[0] if len(parts) == 1 else cross(parts, max_slices=max_slices))
    return out


def _to_numpy(values: Any) -> np.ndarray:
    if hasattr(values, "to_numpy") and not isinstance(values, np.ndarray):
        try:
            return values.to_numpy()
        except (TypeError, ValueError):
            return values.to_numpy(zero_copy_only=False)
    return np.asarray(values)


def _is_text(values: Any) -> bool:
    """A pandas ``string`` column (either storage, or pandas 3's ``str``), or an
    Arrow string column (pandas ``ArrowDtype`` or a pyarrow array)."""
    dtype = getattr(values, "dtype", None)
    module = type(dtype).__module__
    if module.startswith("pandas"):
        import pandas as pd

        if isinstance(dtype, pd.StringDtype):
            return True
        dtype = getattr(dtype, "pyarrow_dtype", None)  # pandas.ArrowDtype
    elif type(values).__module__.startswith("pyarrow"):
        dtype = getattr(values, "type", None)
    else:
        return False
    if dtype is None:
        return False
    import pyarrow as pa

    return bool(
        pa.types.is_string(dtype)
        or pa.types.is_large_string(dtype)
        or getattr(pa.types, "is_string_view", lambda _: False)(dtype)
    )


def encode(
    values: Any, name: str, n_rows: int, *, bins: Any = 4, max_slices: int
) -> SliceColumn:
    """Codes and labels for one column (categories, or quantile bins if numeric)."""
    import pandas as pd

    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        cat = values.cat
        codes = cat.codes.to_numpy().astype(np.int32)
        cats = list(cat.categories)
        labels = _distinct_labels(cats)
        raw = [_native(v) for v in cats]
        return _finish(name, codes, labels, n_rows, max_slices, raw=raw)
    if _is_text(values):  # string dtypes and Arrow strings: no Python strings
        if len(values) != n_rows:
            raise MlnbValueError(
                f"slice column {name!r} has {len(values):,} values but the data has "
                f"{n_rows:,} rows; pass one value per row"
            )
        codes, uniques = factorize(values, sort=True)
        labels = _distinct_labels(list(uniques))
        raw = [_native(v) for v in uniques]
        return _finish(
            name, codes.astype(np.int32), labels, n_rows, max_slices, raw=raw
        )
    arr = _to_numpy(values)
    if arr.ndim != 1 or len(arr) != n_rows:
        raise MlnbValueError(
            f"slice column {name!r} has {len(arr):,} values but the data has "
            f"{n_rows:,} rows; pass one value per row"
        )
    if arr.dtype.kind in "iuf" and not (arr.dtype.kind == "f" and bins is None):
        missing = np.isnan(arr) if arr.dtype.kind == "f" else None
        present = arr[~missing] if missing is not None else arr
        n_distinct = len(np.unique(present[: min(len(present), 1_000_000)]))
        if isinstance(bins, (list, tuple, np.ndarray)) or (
            n_distinct > NUMERIC_AS_CATEGORY_MAX and bins
        ):
            return _numeric_bins(name, arr, missing, bins, n_rows, max_slices)
    if arr.dtype.kind in "iub" and len(arr):
        lo, hi = int(arr.min()), int(arr.max())
        if hi - lo <= 1_000_000:  # small range: count instead of hashing
            shifted = arr.astype(np.int64, copy=False) - lo
            present = np.flatnonzero(np.bincount(shifted, minlength=hi - lo + 1))
            remap = np.full(hi - lo + 1, -1, dtype=np.int32)
            remap[present] = np.arange(len(present), dtype=np.int32)
            raw = [
                int(v) + lo if arr.dtype.kind != "b" else bool(v + lo) for v in present
            ]
            labels = [str(v) for v in raw]
            return _finish(name, remap[shifted], labels, n_rows, max_slices, raw=raw)
    codes, uniques = factorize(arr, sort=True)  # as pandas.factorize, faster
    fin = np.isfinite(uniques) if uniques.dtype.kind == "f" else None
    if fin is not None and np.all(np.mod(uniques[fin], 1) == 0):
        # whole numbers stored as floats (e.g. integers with missing values):
        # label them as integers, whatever the missingness; ±inf as "inf"/"-inf"
        labels = [str(int(v)) if ok else str(v) for v, ok in zip(uniques, fin)]
    else:
        labels = _distinct_labels(list(uniques))
    raw = [_native(v) for v in uniques]
    return _finish(name, codes.astype(np.int32), labels, n_rows, max_slices, raw=raw)


def _native(v: Any) -> Any:
    """A Python scalar for a numpy/pandas scalar (``np.int64(1)`` → ``1``)."""
    item = getattr(v, "item", None)
    if item is not None and not isinstance(v, (str, bytes)):
        try:
            return item()
        except (TypeError, ValueError):
            return v
    return v


def _distinct_labels(values: list) -> list[str]:
    """``str`` of each value; where two values (or a value and the ``missing``
    slice) print alike, the strings among them are quoted (``repr``), and what
    still collides gets its type appended."""
    labels = [str(v) for v in values]
    seen = [*labels, MISSING]
    if len(set(seen)) == len(seen):
        return labels
    from collections import Counter

    counts = Counter(seen)
    out = [
        repr(str(v)) if counts[lab] > 1 and isinstance(v, str) else lab
        for v, lab in zip(values, labels)
    ]
    counts = Counter([*out, MISSING])
    out = [
        f"{lab} ({type(v).__name__})" if counts[lab] > 1 else lab
        for v, lab in zip(values, out)
    ]
    counts = Counter(out)
    return [f"{lab} #{i}" if counts[lab] > 1 else lab for i, lab in enumerate(out)]


def _finish(name, codes, labels, n_rows, max_slices, *, raw=None) -> SliceColumn:
    raw = list(labels) if raw is None else list(raw)
    if (codes < 0).any():
        codes = codes.copy()
        codes[codes < 0] = len(labels)
        labels = [*labels, MISSING]
        raw = [*raw, None]
    if len(labels) > max_slices:
        raise DataValidationError(
            f"slice column {name!r} has {len(labels):,} distinct values; at most "
            f"{max_slices:,} slices per column are allowed (an id column?). Bucket "
            f"it first, or pass max_slices={len(labels)} if you need them all."
        )
    if n_rows == 0:
        raise DataValidationError("the data is empty; need at least one row")
    return SliceColumn(name, (name,), codes, tuple(labels), tuple(raw))


def _fmt_edge(x: float, digits: int = 4) -> str:
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    return f"{x:.{digits}g}"


def _edge_labels(edges: np.ndarray) -> list[str]:
    """The shortest formatting (4 to 17 significant digits) that keeps every edge
    distinct, so neighbouring bins never share a label."""
    for digits in range(4, 18):
        texts = [_fmt_edge(e, digits) for e in edges]
        if len(set(texts)) == len(texts):
            return texts
    return [repr(float(e)) for e in edges]


def _numeric_bins(name, arr, missing, bins, n_rows, max_slices) -> SliceColumn:
    values = arr.astype(np.float64, copy=False)
    present = values[~missing] if missing is not None else values
    if len(present) == 0:
        raise DataValidationError(
            f"slice column {name!r} is entirely missing; nothing to slice by"
        )
    explicit = isinstance(bins, (list, tuple, np.ndarray))
    # ±inf: their own slices ("-inf" first, "inf" last) unless explicit edges
    # reach them; quantile bins come from the finite values
    neg = np.isneginf(values)
    pos = np.isposinf(values)
    if explicit:
        edges = np.unique(np.asarray(bins, dtype=np.float64))
        if edges[0] == -np.inf:
            neg = np.zeros_like(neg)
        if edges[-1] == np.inf:
            pos = np.zeros_like(pos)
    finite = present[np.isfinite(present)] if (neg.any() or pos.any()) else present
    if explicit:
        inside = present[~(np.isneginf(present) & neg.any())]
        inside = inside[~(np.isposinf(inside) & pos.any())]
        if len(inside):
            lo, hi = inside.min(), inside.max()
            if lo < edges[0] or hi > edges[-1]:
                raise MlnbValueError(
                    f"bins for {name!r} span [{edges[0]:g}, {edges[-1]:g}] but the "
                    f"values range over [{lo:g}, {hi:g}]; widen the first and last "
                    "edge"
                )
    elif len(finite) == 0:
        edges = np.array([], dtype=np.float64)
    else:
        k = int(bins)
        if k < 2:
            raise MlnbValueError(f"bins must be >= 2 or a list of edges; got {bins!r}")
        edges = np.unique(np.quantile(finite, np.linspace(0, 1, k + 1)))
        if len(edges) < 2:
            edges = np.array([finite.min(), finite.max()])
    labels = []
    raw: list = []
    if len(edges):
        inner = edges[1:-1]
        codes = np.searchsorted(inner, values, side="right").astype(np.int32)
        texts = _edge_labels(edges)
        for i in range(len(edges) - 1):
            closing = "]" if i == len(edges) - 2 else ")"
            labels.append(f"[{texts[i]}, {texts[i + 1]}{closing}")
            raw.append((float(edges[i]), float(edges[i + 1])))
        if len(edges) == 2 and edges[0] == edges[1]:
            labels = [_fmt_edge(edges[0])]
            raw = [float(edges[0])]
            codes[:] = 0
    else:
        codes = np.zeros(len(values), dtype=np.int32)
    if neg.any():
        codes = codes + 1
        codes[neg] = 0
        labels = ["-inf", *labels]
        raw = [-math.inf, *raw]
    if pos.any():
        codes[pos] = len(labels)
        labels = [*labels, "inf"]
        raw = [*raw, math.inf]
    if missing is not None and missing.any():
        codes[missing] = -1
    return _finish(name, codes, labels, n_rows, max_slices, raw=raw)


def cross(parts: list[SliceColumn], *, max_slices: int) -> SliceColumn:
    """Every combination of the parts' slices that occurs in the data."""
    codes = np.zeros(len(parts[0].codes), dtype=np.int64)
    for p in parts:
        codes = codes * p.n_slices + p.codes
    present, compact = np.unique(codes, return_inverse=True)
    labels = []
    raw = []
    for c in present:
        pieces = []
        raws = []
        for p in reversed(parts):
            k = int(c % p.n_slices)
            piece = p.values[k]
            # a value holding the separator is quoted, so crosses never collide
            pieces.append(repr(piece) if " × " in piece else piece)
            raws.append(p.raw[k] if p.raw else piece)
            c //= p.n_slices
        labels.append(" × ".join(reversed(pieces)))
        raw.append(tuple(reversed(raws)))
    name = " × ".join(p.name for p in parts)
    if len(labels) > max_slices:
        raise DataValidationError(
            f"crossing {name} gives {len(labels):,} slices; at most {max_slices:,} "
            f"are allowed. Cross fewer columns or pass max_slices={len(labels)}."
        )
    cols = tuple(c for p in parts for c in p.columns)
    return SliceColumn(name, cols, compact.astype(np.int32), tuple(labels), tuple(raw))
