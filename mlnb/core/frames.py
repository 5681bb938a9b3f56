"""One input path: read columns from any table a user holds, the same way everywhere.

Every check reads its inputs through this module, so a pandas DataFrame, a polars
DataFrame, a pyarrow Table, or a plain dict of arrays give the same numbers, and a
column can be named by any hashable — the integers of ``pd.DataFrame(numpy_array)``,
tuples, strings. Names are never converted to strings to be found: ``0`` and
``"0"`` are different columns, and ``True`` is not ``1``.

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


def _same_name(a: Any, b: Any) -> bool:
    """Equal names of the same kind: ``0`` matches ``np.int64(0)`` but not ``"0"``,
    ``0.0``'s string, or ``False``."""
    if isinstance(a, bool) != isinstance(b, bool):
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
    return [i for i, c in enumerate(names) if _same_name(c, name)]


def describe_names(names: list[Any]) -> str:
    """At most :data:`MAX_NAMES_SHOWN` names, repr'd, with how many more exist."""
    shown = ", ".join(repr(c) for c in names[:MAX_NAMES_SHOWN])
    if len(names) > MAX_NAMES_SHOWN:
        shown += f" … and {len(names) - MAX_NAMES_SHOWN:,} more"
    return shown or "(none)"


def is_column_name(data: Any, spec: Any) -> bool:
    """Whether ``spec`` could name a column of ``data`` (a hashable scalar or tuple
    that is not array-like), whether or not such a column exists."""
    if spec is None or not isinstance(spec, Hashable):
        return False
    if hasattr(spec, "__array__") and not isinstance(spec, numbers.Number):
        return False
    return isinstance(spec, (str, numbers.Number, tuple)) or not hasattr(
        spec, "__len__"
    )


def has_column(data: Any, name: Any) -> bool:
    """Whether ``data`` has exactly one column called ``name``."""
    return is_table(data) and len(_positions(column_names(data), name)) >= 1


def get_column(data: Any, name: Any, *, role: str = "column") -> Any:
    """Column ``name`` of ``data`` (a pandas Series, polars Series or pyarrow
    array); ``role`` names the argument in errors (``"label"``, ``"score"``).

    Raises
    ------
    MlnbValueError
        ``data`` is not a table; no column or several columns are called ``name``.
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
        text = [c for c in names if not isinstance(c, str) and str(c) == str(name)]
        if text:
            hint = (
                f" (there is a column {text[0]!r} of type {type(text[0]).__name__}: "
                f"pass {role}={text[0]!r})"
            )
        raise MlnbValueError(
            f"{role} column {name!r} is not in the data{hint}; the columns are: "
            f"{describe_names(names)}"
        )
    if len(pos) > 1:
        raise DataValidationError(
            f"{role} column {name!r} appears {len(pos)} times in the data; rename the "
            "duplicates (e.g. df.columns = [...]) so each name is unique"
        )
    i = pos[0]
    if _is_pandas(data):
        return data.iloc[:, i]
    if _is_polars(data):
        return data.to_series(i)
    if _is_arrow(data):
        col = data.column(i)
        return col.combine_chunks() if hasattr(col, "combine_chunks") else col
    return data[names[i]]


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
    """Rows of a table (``None`` for no data)."""
    if data is None:
        return None
    if hasattr(data, "num_rows"):
        return int(data.num_rows)
    if hasattr(data, "shape"):
        return int(data.shape[0])
    if isinstance(data, Mapping):
        lengths = {len(v) for v in data.values()}
        return lengths.pop() if len(lengths) == 1 else None
    return None


def to_pandas(data: Any, *, role: str = "data"):
    """A pandas DataFrame of ``data`` keeping its column names and dtypes
    (polars and pyarrow strings stay strings, nullable integers stay nullable)."""
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, Mapping):
        lengths = {k: len(v) for k, v in data.items()}
        if len(set(lengths.values())) > 1:
            raise MlnbValueError(
                f"{role}: the arrays of a dict must have one length; got "
                + ", ".join(f"{k!r}: {n:,}" for k, n in list(lengths.items())[:10])
            )
        return pd.DataFrame(dict(data))
    if _is_polars(data) or _is_arrow(data):
        return data.to_pandas()
    raise MlnbValueError(
        f"{role} must be a pandas or polars DataFrame, a pyarrow Table or a dict of "
        f"arrays; got {type(data).__name__}"
    )
