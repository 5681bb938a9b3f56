"""Integer codes for a column of categories, fast on strings.

:func:`factorize` gives what ``pandas.factorize(values)`` gives (codes in order of
first appearance, -1 where a value is missing, and the distinct values), for any
column a check reads: a NumPy array, a pandas Series of any dtype (object,
``string[python]``, ``string[pyarrow]``, pandas 3's ``str``, ``ArrowDtype``,
``category``), a pyarrow Array or ChunkedArray.

Why not ``pandas.factorize`` alone: on an object column of strings it hashes every
Python string, holding the GIL, which made string features 4-5x slower to profile
than the same data as ``category``. Two faster routes:

- object arrays: the strings of a column read from a file are usually a few
  objects repeated (``read_csv`` and pyarrow's ``to_pandas`` share one object per
  distinct string; ``astype(object)`` of a categorical shares the categories). So
  the array's object *addresses* are factorized first, as integers, and only one
  object per distinct address is hashed by value. Equal strings held by different
  objects still get one code (the second, value-level factorization merges them);
  when nearly every row is its own object, the plain value factorization runs.
- Arrow-backed strings (``string[pyarrow]``, pandas 3's ``str``, ``ArrowDtype``,
  pyarrow arrays): Arrow's ``dictionary_encode``, without converting to Python
  strings.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["count_values", "factorize", "is_arrow_backed"]

#: Use the address route when at most this share of rows are distinct objects.
_MAX_DISTINCT_OBJECT_SHARE = 0.5
#: Rows searched first for where each distinct object first appears.
_HEAD = 1 << 16


def factorize(values: Any, *, sort: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, uniques)``, as ``pandas.factorize(values, sort=sort)`` gives them.

    Parameters
    ----------
    values:
        One column: NumPy array, pandas Series / Index / array, pyarrow Array or
        ChunkedArray, or a list.
    sort:
        Order ``uniques`` (and number the codes) by value instead of by first
        appearance.

    Returns
    -------
    codes:
        ``intp`` array, one code per value; -1 where the value is missing (None,
        NaN, ``pd.NA``, NaT, an Arrow null).
    uniques:
        NumPy array of the distinct present values (``object`` for strings).

    Examples
    --------
    >>> import numpy as np
    >>> codes, uniques = factorize(np.array(["b", "a", None, "b"], dtype=object))
    >>> codes.tolist(), uniques.tolist()
    ([0, 1, -1, 0], ['b', 'a'])
    """
    import pandas as pd

    arrow = _arrow_array(values)
    if arrow is not None:
        codes, uniques = _factorize_arrow(arrow)
    else:
        if isinstance(values, (pd.Series, pd.Index)):
            # a NumPy dtype: its array as it is (no copy); else the pandas array
            numpy_dtype = isinstance(values.dtype, np.dtype)
            values = values.to_numpy() if numpy_dtype else values.array
        if isinstance(values, pd.api.extensions.ExtensionArray):
            if isinstance(values.dtype, pd.StringDtype):  # python storage
                values = np.asarray(values)  # its object array, not copied
            else:  # categorical, nullable numbers, dates: pandas' own way
                codes, uniques = pd.factorize(values, use_na_sentinel=True, sort=sort)
                return codes.astype(np.intp, copy=False), np.asarray(uniques)
        arr = values if isinstance(values, np.ndarray) else np.asarray(values)
        if arr.dtype == object and arr.ndim == 1:
            codes, uniques = _factorize_objects(arr)
        else:
            codes, uniques = pd.factorize(arr, use_na_sentinel=True)
            uniques = np.asarray(uniques)
    codes = codes.astype(np.intp, copy=False)
    return _sorted(codes, uniques) if sort else (codes, uniques)


def is_arrow_backed(values: Any) -> bool:
    """True for a pyarrow Array/ChunkedArray or a pandas column stored in Arrow."""
    return _arrow_array(values) is not None


def _sorted(codes: np.ndarray, uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Renumber so that ``uniques`` is in pandas' sort order."""
    import pandas as pd

    if len(uniques) < 2:
        return codes, uniques
    rank, ordered = pd.factorize(uniques, sort=True, use_na_sentinel=True)
    remap = np.append(rank.astype(np.intp), -1)  # code -1 stays -1
    return remap[codes], np.asarray(ordered)


def _addresses(arr: np.ndarray) -> np.ndarray:
    """The object addresses an object array holds, read as integers (no Python
    object is touched, so no reference counts change)."""

    class _View:
        pass

    view = _View()
    view.owner = arr  # keeps ``arr`` (and so every address) alive with the view
    view.__array_interface__ = {
        "version": 3,
        "data": (arr.ctypes.data, True),
        "shape": arr.shape,
        "strides": arr.strides,
        "typestr": np.dtype(np.intp).str,
    }
    return np.asarray(view)


def _by_address(arr: np.ndarray):
    """``(by_address, objects)``: each row's code among the distinct object
    addresses (numbered in order of first appearance) and one object per address;
    None when most rows are objects of their own (nothing to gain)."""
    import pandas as pd

    n = len(arr)
    if n < 1024:
        return None
    by_address, addresses = pd.factorize(_addresses(arr))  # integers, no GIL
    k = len(addresses)
    if k > n * _MAX_DISTINCT_OBJECT_SHARE:
        return None
    # the row where each address first appears: codes are numbered in order of
    # first appearance, so that is where their running maximum steps up. The
    # distinct objects nearly always all show up early: look there first.
    head = by_address[:_HEAD]
    if head.max() < k - 1:
        head = by_address
    running = np.maximum.accumulate(head)
    first = np.concatenate(([0], np.flatnonzero(running[1:] != running[:-1]) + 1))
    return by_address, arr[first]


def _factorize_objects(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import pandas as pd

    grouped = _by_address(arr)
    if grouped is None:
        codes, uniques = pd.factorize(arr, use_na_sentinel=True)
        return codes, np.asarray(uniques, dtype=object)
    by_address, objects = grouped
    # by value, one object per address (keeps the order of first appearance)
    by_value, uniques = pd.factorize(objects, use_na_sentinel=True)
    return by_value[by_address], np.asarray(uniques, dtype=object)


def count_values(values: Any) -> tuple[np.ndarray, np.ndarray, int]:
    """``(uniques, counts, n_missing)``: the distinct present values of one column
    (as :func:`factorize` orders them), how many rows hold each, and how many rows
    are missing. Takes any column :func:`factorize` takes."""
    import pandas as pd

    arr = values
    if isinstance(values, (pd.Series, pd.Index)):
        dtype = values.dtype
        if isinstance(dtype, np.dtype):
            arr = values.to_numpy()
        elif isinstance(dtype, pd.StringDtype) and dtype.storage == "python":
            arr = np.asarray(values.array)
    if isinstance(arr, np.ndarray) and arr.dtype == object and arr.ndim == 1:
        grouped = _by_address(arr)
        if grouped is not None:  # count addresses, then merge equal values
            by_address, objects = grouped
            per_address = np.bincount(by_address, minlength=len(objects))
            by_value, uniques = pd.factorize(objects, use_na_sentinel=True)
            counts = np.bincount(by_value + 1, per_address, len(uniques) + 1)
            counts = counts.astype(np.int64)
            return np.asarray(uniques, dtype=object), counts[1:], int(counts[0])
    arrow = _arrow_array(values)
    if arrow is not None:  # Arrow counts on its own memory, without the GIL
        return _count_arrow(arrow)
    codes, uniques = factorize(values)
    counts = np.bincount(codes + 1, minlength=len(uniques) + 1)
    return uniques, counts[1:], int(counts[0])


def _count_arrow(values: Any) -> tuple[np.ndarray, np.ndarray, int]:
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    if len(values) == 0:
        return np.zeros(0, dtype=object), np.zeros(0, dtype=np.int64), 0
    counted = pc.value_counts(values)
    uniques = counted.field("values")
    counts = counted.field("counts").to_numpy(zero_copy_only=False).astype(np.int64)
    present = np.asarray(uniques.is_valid().to_numpy(zero_copy_only=False))
    uniques = uniques.to_numpy(zero_copy_only=False)
    if pa.types.is_floating(values.type):  # NaN is missing, as in pandas
        present &= ~np.isnan(uniques.astype(np.float64))
    n_missing = int(counts[~present].sum())
    return uniques[present], counts[present], n_missing


def _arrow_array(values: Any) -> Any:
    """``values`` as a pyarrow Array/ChunkedArray when they are stored in Arrow,
    else None (imports pyarrow only when the values already come from it)."""
    module = type(values).__module__
    if module.startswith("pyarrow"):
        import pyarrow as pa

        if isinstance(values, (pa.Array, pa.ChunkedArray)):
            return values
        return None
    if not module.startswith("pandas"):
        return None
    import pandas as pd

    dtype = getattr(values, "dtype", None)
    arrow_string = isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"
    if not (arrow_string or isinstance(dtype, pd.ArrowDtype)):
        return None
    import pyarrow as pa

    if isinstance(values, (pd.Series, pd.Index)):
        values = values.array
    return pa.array(values)  # Arrow-backed: no copy


def _factorize_arrow(values: Any) -> tuple[np.ndarray, np.ndarray]:
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    if len(values) == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=object)
    encoded = pc.dictionary_encode(values, null_encoding="mask")
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
    uniques = encoded.dictionary.to_numpy(zero_copy_only=False)
    if pa.types.is_floating(values.type):  # NaN is missing, as in pandas
        nan = np.isnan(uniques)
        if nan.any():
            remap = np.full(len(uniques) + 1, -1, dtype=np.intp)
            remap[np.flatnonzero(~nan)] = np.arange(np.count_nonzero(~nan))
            codes = remap[codes]
            uniques = uniques[~nan]
    return codes.astype(np.intp, copy=False), uniques
