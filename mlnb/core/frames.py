"""One input path: read columns from any table a user holds, the same way everywhere.

Every check reads its inputs through this module, so a pandas DataFrame, a polars
DataFrame, a pyarrow Table, or a plain dict of arrays give the same numbers, and a
column can be named by any hashable — the integers of ``pd.DataFrame(numpy_array)``,
tuples, strings. Names are never converted to strings to be found: ``0`` and
``"0"`` are different columns, and ``True`` is not ``1``. Numbers that are equal
are the same name, as in a Python dict and in pandas: ``0``, ``np.int64(0)`` and
``0.0`` all find column ``0`` (a table holding both ``0`` and ``0.0`` has that name
twice). MultiIndex columns of pandas are tuples: ``("a", "x")``.

An unknown column raises an :class:`~mlnb.errors.MlnbValueError` that lists at most
:data:`MAX_NAMES_SHOWN` of the columns that exist (their names, never the data).

    >>> import pandas as pd
    >>> from mlnb.core import frames
    >>> df = pd.DataFrame([[1, 2], [3, 4]])
    >>> frames.column_names(df)
    [0, 1]
    >>> frames.get_column(df, 1, role="label").tolist()
    [2, 4]
"""

from __future__ import annotations

import numbers
from collections.abc import Hashable, Mapping
from typing import Any

from ..errors import DataValidationError, MlnbValueError

__all__ = [
    "MAX_NAMES_SHOWN",
    "is_table",
    "column_names",
    "has_column",
    "get_column",
    "column_or_values",
    "is_column_name",
    "row_count",
    "to_pandas",
    "describe_names",
    "same_name",
]

#: At most this many column names are listed in an error message.
MAX_NAMES_SHOWN = 20


def _is_pandas(data: Any) -> bool:
    mod = type(data).__module__
    return mod.startswith("pandas") and hasattr(data, "iloc") and data.ndim == 2


def _is_polars(data: Any) -> bool:
    return type(data).__module__.startswith("polars") and hasattr(data, "to_series")


def _is_arrow(data: Any) -> bool:
    return type(data).__module__.startswith("pyarrow") and hasattr(data, "column_names")


def is_table(data: Any) -> bool:
    """Whether ``data`` is a table mlnb reads columns from (pandas or polars
    DataFrame, pyarrow Table or RecordBatch, or a mapping of column → values)."""
    return (
        _is_pandas(data)
        or _is_polars(data)
        or _is_arrow(data)
        or isinstance(data, Mapping)
    )


def column_names(data: Any) -> list[Any]:
    """The column names as the table holds them (any hashable, in table order)."""
    if _is_arrow(data):
        return list(data.column_names)
    if isinstance(data, Mapping):
        return list(data.keys())
    if _is_pandas(data) or _is_polars(data):
        return list(data.columns)
    raise MlnbValueError(
        f"expected a table (pandas or polars DataFrame, pyarrow Table or a dict of "
        f"arrays); got {type(data).__name__}"
    )


def _is_bool(v: Any) -> bool:
    t = type(v)
    return isinstance(v, bool) or (
        t.__module__ == "numpy" and t.__name__ in ("bool", "bool_")
    )


def same_name(a: Any, b: Any) -> bool:
    """Equal names of the same kind: ``0`` matches ``np.int64(0)`` and ``0.0`` but
    not ``"0"`` or ``False``."""
    if _is_bool(a) != _is_bool(b):
        return False
    if isinstance(a, str) != isinstance(b, str):
        return False
    if isinstance(a, tuple) != isinstance(b, tuple):
        return False
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - names whose == raises are not equal
        return False


def _positions(names: list[Any], name: Any) -> list[int]:
    return [i for i, c in enumerate(names) if same_name(c, name)]


def _short_repr(name: Any, limit: int = 60) -> str:
    text = repr(name)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe_names(names: list[Any]) -> str:
    """At most :data:`MAX_NAMES_SHOWN` names, repr'd (each cut to 60 characters),
    with how many more exist."""
    shown = ", ".join(_short_repr(c) for c in names[:MAX_NAMES_SHOWN])
    if len(names) > MAX_NAMES_SHOWN:
        shown += f" … and {len(names) - MAX_NAMES_SHOWN:,} more"
    return shown or "(none)"


def is_column_name(data: Any, spec: Any) -> bool:
    """Whether ``spec`` could name a column of ``data`` (a hashable scalar or tuple
    that is not array-like), whether or not such a column exists."""
    if spec is None or not isinstance(spec, Hashable):
        return False
    if isinstance(spec, (str, numbers.Number, tuple)) or _is_bool(spec):
        return True
    if hasattr(spec, "__array__"):  # a numpy scalar names; an array holds values
        return getattr(spec, "ndim", 1) == 0
    return not hasattr(spec, "__len__")


def has_column(data: Any, name: Any) -> bool:
    """Whether ``data`` is a table with a column called ``name`` (one or more)."""
    return is_table(data) and len(_positions(column_names(data), name)) >= 1


def get_column(data: Any, name: Any, *, role: str = "column") -> Any:
    """Column ``name`` of ``data`` (a pandas Series, polars Series or pyarrow
    array; for a dict, the value as it is, a pyarrow ChunkedArray combined into one
    array); ``role`` names the argument in errors (``"label"``, ``"score"``).

    Raises
    ------
    MlnbValueError
        ``data`` is not a table, or no column is called ``name`` (the message lists
        at most :data:`MAX_NAMES_SHOWN` names, never values, and points out a name
        that differs only in type, such as ``"0"`` for ``0``).
    DataValidationError
        Several columns are called ``name``.
    """
    if not is_table(data):
        raise MlnbValueError(
            f"{role}={name!r} names a column, so the data must be a table (pandas or "
            f"polars DataFrame, pyarrow Table or a dict of arrays); got "
            f"{type(data).__name__}. Pass the {role} values themselves instead."
        )
    names = column_names(data)
    pos = _positions(names, name)
    if not pos:
        hint = ""
        text = [c for c in names if str(c) == str(name)]
        if text:
            hint = (
                f" (there is a column {_short_repr(text[0])} of type "
                f"{type(text[0]).__name__}: pass {role}={_short_repr(text[0])})"
            )
        raise MlnbValueError(
            f"{role} column {_short_repr(name)} is not in the data{hint}; the "
            f"columns are: {describe_names(names)}"
        )
    if len(pos) > 1:
        raise DataValidationError(
            f"{role} column {_short_repr(name)} appears {len(pos)} times in the data; "
            "rename the duplicates (e.g. df.columns = [...]) so each name is unique"
        )
    i = pos[0]
    if _is_pandas(data):
        return data.iloc[:, i]
    if _is_polars(data):
        return data.to_series(i)
    col = data.column(i) if _is_arrow(data) else data[names[i]]
    if type(col).__module__.startswith("pyarrow") and hasattr(col, "combine_chunks"):
        return col.combine_chunks()  # a ChunkedArray: one array
    return col


def column_or_values(data: Any, spec: Any, *, role: str) -> Any:
    """``spec`` itself when it holds values, or the column of ``data`` it names.

    A name (any hashable scalar or tuple) with no ``data`` is an error that says to
    pass the table or the values.
    """
    if spec is None:
        return None
    if is_column_name(data, spec):
        if data is None:
            raise MlnbValueError(
                f"{role}={spec!r} names a column, but no data was given; pass the "
                "table as the first argument or the values themselves"
            )
        return get_column(data, spec, role=role)
    return spec


def row_count(data: Any) -> int | None:
    """Rows of a table (``None`` for no data, or a dict whose values differ in
    length or are not arrays)."""
    if data is None:
        return None
    if hasattr(data, "num_rows"):
        return int(data.num_rows)
    if hasattr(data, "shape") and len(data.shape):
        return int(data.shape[0])
    if isinstance(data, Mapping):
        try:
            lengths = {len(v) for v in data.values()}
        except TypeError:
            return None
        return lengths.pop() if len(lengths) == 1 else None
    return None


def _arrow_nullable(table: Any) -> dict[int, Any]:
    """pandas nullable columns for the integer and boolean columns of a pyarrow
    table that hold nulls (pyarrow's default would make them float64 / object)."""
    import pandas as pd
    import pyarrow as pa

    out = {}
    for i in range(table.num_columns):
        col = table.column(i)
        t = col.type
        if not col.null_count:
            continue
        if pa.types.is_boolean(t):
            dtype = pd.BooleanDtype()
        elif pa.types.is_integer(t):
            unsigned = "U" if pa.types.is_unsigned_integer(t) else ""
            dtype = pd.api.types.pandas_dtype(f"{unsigned}Int{t.bit_width}")
        else:
            continue
        mapper = {t: dtype}.get
        out[i] = col.to_pandas(types_mapper=mapper)
    return out


def _arrow_to_pandas(table: Any):
    frame = table.to_pandas()
    for i, values in _arrow_nullable(table).items():
        frame.isetitem(i, values.array)
    return frame


def _values_for_pandas(value: Any, name: Any, role: str) -> Any:
    """One value of a dict of columns as something ``pd.DataFrame`` takes by
    position (no index alignment) without losing its dtype."""
    import pandas as pd

    if isinstance(value, (pd.Series, pd.Index)):
        return value.array
    mod = type(value).__module__
    if mod.startswith("polars") and hasattr(value, "to_arrow"):
        value = value.to_arrow()
        mod = type(value).__module__
    if mod.startswith("pyarrow") and hasattr(value, "to_pylist"):
        import pyarrow as pa

        return _arrow_to_pandas(pa.table({"v": value})).iloc[:, 0].array
    if getattr(value, "ndim", 1) != 1:
        raise MlnbValueError(
            f"{role}: column {_short_repr(name)} must be one value per row (1-D); "
            f"got shape {getattr(value, 'shape', None)}"
        )
    return value


def to_pandas(data: Any, *, role: str = "data"):
    """A pandas DataFrame of ``data`` keeping its column names and dtypes.

    A pandas DataFrame is returned as it is. The values of a dict are placed by
    position (a pandas Series' index is not aligned) and keep their dtype
    (``Int64``, ``boolean``, ``string[pyarrow]``). pyarrow and polars strings stay
    strings; their integer and boolean columns with nulls become pandas' nullable
    ``Int64`` / ``boolean`` (not float64 / object).

    Raises
    ------
    MlnbValueError
        ``data`` is not a table; the arrays of a dict differ in length or are not
        1-D arrays.
    """
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, Mapping):
        lengths = {}
        for k, v in data.items():
            try:
                lengths[k] = len(v)
            except TypeError:
                raise MlnbValueError(
                    f"{role}: each value of a dict must be the column's values (an "
                    f"array or list); column {_short_repr(k)} is a {type(v).__name__}"
                ) from None
        if len(set(lengths.values())) > 1:
            raise MlnbValueError(
                f"{role}: the arrays of a dict must have one length; got "
                + ", ".join(
                    f"{_short_repr(k)}: {n:,}" for k, n in list(lengths.items())[:10]
                )
            )
        columns = list(data.keys())
        frame = pd.DataFrame(
            {i: _values_for_pandas(data[k], k, role) for i, k in enumerate(columns)},
            index=pd.RangeIndex(next(iter(lengths.values()), 0)),
        )
        frame.columns = pd.Index(columns, tupleize_cols=False)
        return frame
    if _is_polars(data):
        return _arrow_to_pandas(data.to_arrow())
    if _is_arrow(data):
        return _arrow_to_pandas(data)
    hint = ""
    if getattr(data, "ndim", None) == 2:
        hint = " (wrap a 2-D array in pandas.DataFrame(array) to name its columns)"
    raise MlnbValueError(
        f"{role} must be a pandas or polars DataFrame, a pyarrow Table or a dict of "
        f"arrays; got {type(data).__name__}{hint}"
    )
