"""The data schema of step 8: what the training data looks like, as an editable,
saveable object.

:func:`schema` infers a :class:`Schema` from a table: per column its type
(``int``, ``float``, ``bool``, ``category``, ``text``, ``datetime``), whether it
may be missing and how often it was, the range of numbers and dates, the allowed
categories of low-cardinality text, and unique-id columns. A schema is a plain
frozen object: edit it with :meth:`Schema.with_column` (or ``to_dict`` → edit →
:meth:`Schema.from_dict`), save it as JSON (:meth:`Schema.save`), load it back
(:meth:`Schema.load`), and turn it into the pandera ``DataFrameSchema`` it stands
for (:meth:`Schema.to_pandera`, ``validate`` extra).

Column names are kept as the table holds them (text, integers, tuples); in JSON a
tuple name is written ``{"tuple": [...]}`` so it comes back a tuple.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...core import frames
from ...errors import DataValidationError, MissingDependencyError, MlnbValueError

__all__ = [
    "schema",
    "Schema",
    "ColumnSchema",
    "TYPES",
    "SCHEMA_VERSION",
    "DEFAULT_CATEGORICAL_MAX",
    "ID_MIN_ROWS",
]

#: The column types a schema knows.
TYPES = ("int", "float", "bool", "category", "text", "datetime")
#: Version of the JSON layout written by :meth:`Schema.save`.
SCHEMA_VERSION = 1
#: A text column with at most this many distinct values is a category column
#: with an allowed list (TFDV's default domain inference keeps string domains of
#: up to 100 values... only when they repeat; here the cap is explicit).
DEFAULT_CATEGORICAL_MAX = 100
#: Unique-id columns are detected automatically only on at least this many rows
#: (on fewer, every small integer column would look like an id).
ID_MIN_ROWS = 20
_FORMAT = "mlnb.schema"


@dataclass(frozen=True)
class ColumnSchema:
    """What one column may hold.

    Attributes
    ----------
    name:
        The column's name, as the table names it.
    type:
        One of :data:`TYPES`.
    nullable:
        Whether missing values are allowed.
    missing_rate:
        Share of missing values in the training data.
    min, max:
        Range of numbers (``int``/``float``) or dates (``datetime``, ISO 8601
        text); ``None`` for other types.
    categories:
        Allowed values of a ``category`` column (a tuple), else ``None``.
    unique:
        The values must all differ (an id column).
    note:
        Why the column has the type it has (e.g. "312 distinct values, above
        categorical_max=100: text without a category list").
    """

    name: Any
    type: str
    nullable: bool = True
    missing_rate: float = 0.0
    min: Any = None
    max: Any = None
    categories: tuple | None = None
    unique: bool = False
    note: str = ""

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise MlnbValueError(
                f"column {frames._short_repr(self.name)}: type must be one of "
                f"{', '.join(TYPES)}; got {self.type!r}"
            )
        if self.categories is not None:
            if isinstance(self.categories, (str, bytes)) or not hasattr(
                self.categories, "__iter__"
            ):
                raise MlnbValueError(
                    f"column {frames._short_repr(self.name)}: categories must be a "
                    f"list of allowed values, e.g. ['a', 'b']; got "
                    f"{type(self.categories).__name__}"
                )
            object.__setattr__(self, "categories", tuple(self.categories))
        for arg in ("nullable", "unique"):
            if not isinstance(getattr(self, arg), (bool, np.bool_)):
                raise MlnbValueError(
                    f"column {frames._short_repr(self.name)}: {arg} must be True or "
                    f"False; got {getattr(self, arg)!r}"
                )
            object.__setattr__(self, arg, bool(getattr(self, arg)))
        rate = self.missing_rate
        if (
            isinstance(rate, bool)
            or not isinstance(rate, (int, float, np.number))
            or not 0 <= float(rate) <= 1
        ):
            raise MlnbValueError(
                f"column {frames._short_repr(self.name)}: missing_rate must be a "
                f"share between 0 and 1; got {rate!r}"
            )
        object.__setattr__(self, "missing_rate", float(rate))

    def to_dict(self) -> dict[str, Any]:
        """The column as JSON-safe values (the name encoded as in the file)."""
        out = dataclasses.asdict(self)
        out["name"] = _encode_name(self.name)
        out["categories"] = (
            None if self.categories is None else [_plain(c) for c in self.categories]
        )
        out["min"] = _plain(self.min)
        out["max"] = _plain(self.max)
        return out


@dataclass(frozen=True)
class Schema:
    """A data set's schema: one :class:`ColumnSchema` per column, in table order.

    Build one with :func:`schema`; edit with :meth:`with_column`; save with
    :meth:`save` and load with :meth:`load`. ``n_rows`` is the number of training
    rows it was inferred from (informative only).
    """

    columns: tuple = ()
    n_rows: int = 0
    version: int = SCHEMA_VERSION
    _index: dict = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        cols = tuple(self.columns)
        for c in cols:
            if not isinstance(c, ColumnSchema):
                raise MlnbValueError(
                    f"Schema columns must be ColumnSchema objects; got "
                    f"{type(c).__name__} (build a schema with mlnb.schema(df))"
                )
        names = [c.name for c in cols]
        for i, n in enumerate(names):
            if any(frames.same_name(n, m) for m in names[:i]):
                raise MlnbValueError(
                    f"Schema: column {frames._short_repr(n)} appears twice; each "
                    "column must be described once"
                )
        object.__setattr__(self, "columns", cols)
        object.__setattr__(self, "_index", {_key(c.name): c for c in cols})

    # -- access -----------------------------------------------------------------
    @property
    def names(self) -> list:
        """The column names, in order."""
        return [c.name for c in self.columns]

    def __getitem__(self, name: Any) -> ColumnSchema:
        try:
            return self._index[_key(name)]
        except (KeyError, TypeError):
            raise MlnbValueError(
                f"no column {frames._short_repr(name)} in the schema; its columns: "
                f"{frames.describe_names(self.names)}"
            ) from None

    def __contains__(self, name: Any) -> bool:
        try:
            return _key(name) in self._index
        except TypeError:
            return False

    def __len__(self) -> int:
        return len(self.columns)

    # -- editing ----------------------------------------------------------------
    def with_column(self, name: Any, **changes: Any) -> Schema:
        """A copy with column ``name`` changed (``type=``, ``nullable=``, ``min=``,
        ``max=``, ``categories=``, ``unique=``, ``missing_rate=``, ``note=``).

        Raises
        ------
        MlnbValueError
            No such column, or an unknown field.
        """
        col = self[name]
        known = {f.name for f in dataclasses.fields(ColumnSchema)} - {"name"}
        bad = sorted(set(changes) - known)
        if bad:
            raise MlnbValueError(
                f"with_column(): unknown field(s) {', '.join(bad)}; the fields a "
                f"column has: {', '.join(sorted(known))}"
            )
        if changes.get("type") in ("text", "int", "float", "bool", "datetime") and (
            "categories" not in changes
        ):
            changes["categories"] = None
        new = dataclasses.replace(col, **changes)
        return dataclasses.replace(
            self,
            columns=tuple(new if c is col else c for c in self.columns),
        )

    def without_column(self, name: Any) -> Schema:
        """A copy without column ``name``."""
        col = self[name]
        return dataclasses.replace(
            self, columns=tuple(c for c in self.columns if c is not col)
        )

    # -- JSON -------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The schema as JSON-safe data (what :meth:`save` writes)."""
        return {
            "format": _FORMAT,
            "version": self.version,
            "n_rows": int(self.n_rows),
            "columns": [c.to_dict() for c in self.columns],
        }

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "schema") -> Schema:
        """The schema ``data`` describes (as :meth:`to_dict` writes it).

        Raises
        ------
        MlnbValueError
            ``data`` is not a schema, has another version, or a column is malformed.
        """
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            got = (
                f"keys {sorted(map(str, data))[:10]}"
                if isinstance(data, dict)
                else type(data).__name__
            )
            raise MlnbValueError(
                f"{source} is not an mlnb schema (expected a JSON object with "
                f'"format": "{_FORMAT}"; got {got}); build one with '
                "mlnb.schema(train_df).save(path)"
            )
        version = data.get("version")
        if version != SCHEMA_VERSION:
            raise MlnbValueError(
                f"{source} has schema version {version!r}; this mlnb reads version "
                f"{SCHEMA_VERSION} — infer the schema again with mlnb.schema(train_df)"
            )
        cols = data.get("columns")
        if not isinstance(cols, list):
            raise MlnbValueError(
                f'{source}: "columns" must be a list of column objects; got '
                f"{type(cols).__name__} — the file is damaged, infer it again with "
                "mlnb.schema(train_df)"
            )
        out = []
        known = {f.name for f in dataclasses.fields(ColumnSchema)}
        for i, c in enumerate(cols):
            if not isinstance(c, dict) or "name" not in c or "type" not in c:
                raise MlnbValueError(
                    f'{source}: column {i} must be an object with "name" and "type"; '
                    f"got {str(c)[:80]!r} — fix the file or infer the schema "
                    "again with mlnb.schema(train_df)"
                )
            extra = sorted(set(c) - known)
            if extra:
                raise MlnbValueError(
                    f"{source}: column {i} has unknown field(s) {', '.join(extra)}; "
                    f"known fields: {', '.join(sorted(known))}"
                )
            kw = dict(c)
            kw["name"] = _decode_name(kw["name"])
            try:
                out.append(ColumnSchema(**kw))
            except (MlnbValueError, TypeError) as e:
                raise MlnbValueError(
                    f"{source}: {e} — fix the file or infer the schema again with "
                    "mlnb.schema(train_df)"
                ) from None
        n_rows = data.get("n_rows", 0)
        return cls(columns=tuple(out), n_rows=int(n_rows or 0))

    def to_json(self) -> str:
        """The schema as JSON text."""
        return json.dumps(self.to_dict(), indent=2, allow_nan=False)

    def save(self, path: str | os.PathLike, *, overwrite: bool = False) -> str:
        """Write the schema as JSON to ``path``; returns the path.

        Raises
        ------
        MlnbValueError
            ``path`` exists and ``overwrite`` is False.
        """
        path = os.fspath(path)
        if os.path.exists(path) and not overwrite:
            raise MlnbValueError(
                f"path {path!r} already exists; pass overwrite=True to replace it, "
                "or choose another path"
            )
        text = self.to_json()
        tmp = f"{path}.tmp-{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> Schema:
        """The schema saved at ``path``.

        Raises
        ------
        MlnbValueError
            The file is missing, is not valid JSON, is not a schema, or was
            written by another schema version.
        """
        path = os.fspath(path)
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except FileNotFoundError:
            raise MlnbValueError(
                f"path {path!r}: no such file; save a schema first with "
                "mlnb.schema(train_df).save(path)"
            ) from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise MlnbValueError(
                f"path {path!r} is not valid JSON ({e.msg} at line {e.lineno}, "
                f"column {e.colno}); fix the file or save the schema again"
            ) from None
        return cls.from_dict(data, source=f"path {path!r}")

    # -- pandera ----------------------------------------------------------------
    def to_pandera(self, *, strict: bool = False) -> Any:
        """The ``pandera.DataFrameSchema`` this schema stands for: per column its
        dtype family, ``nullable``, ``unique``, an ``in_range`` check for numbers
        and dates and an ``isin`` check for categories (``validate`` extra).

        ``strict=True`` also refuses columns the schema lacks.
        """
        pa = _pandera()
        cols = {}
        for c in self.columns:
            cols[c.name] = pa.Column(
                _PANDERA_DTYPES.get(c.type),
                checks=pandera_checks(c, pa),
                nullable=c.nullable,
                unique=c.unique,
                coerce=False,
                required=True,
            )
        return pa.DataFrameSchema(cols, strict=strict, name="mlnb schema")

    # -- display ----------------------------------------------------------------
    def to_frame(self):
        """One row per column: ``column``, ``type``, ``nullable``,
        ``missing_rate``, ``min``, ``max``, ``n_categories``, ``categories``,
        ``unique``, ``note``."""
        import pandas as pd

        rows = [
            {
                "column": c.name,
                "type": c.type,
                "nullable": c.nullable,
                "missing_rate": c.missing_rate,
                "min": c.min,
                "max": c.max,
                "n_categories": None if c.categories is None else len(c.categories),
                "categories": c.categories,
                "unique": c.unique,
                "note": c.note,
            }
            for c in self.columns
        ]
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        types = {}
        for c in self.columns:
            types[c.type] = types.get(c.type, 0) + 1
        kinds = ", ".join(f"{n} {t}" for t, n in types.items())
        return f"<Schema: {len(self.columns)} columns ({kinds}); {self.n_rows:,} rows>"

    def _repr_html_(self) -> str:
        from ...render.validation import schema_html

        return schema_html(self)


_PANDERA_DTYPES = {
    "int": "int64",
    "float": "float64",
    "bool": "bool",
    "datetime": "datetime64[ns]",
    "category": None,
    "text": None,
}


def _pandera():
    try:
        import pandera.pandas as pa
    except ImportError:  # pragma: no cover - depends on the environment
        try:
            import pandera as pa
        except ImportError:
            raise MissingDependencyError(
                "pandera", "validate", "data validation"
            ) from None
    return pa


def pandera_checks(c: ColumnSchema, pa: Any) -> list:
    """The pandera checks of one column: range and allowed categories."""
    checks = []
    if c.type in ("int", "float") and (c.min is not None or c.max is not None):
        lo = -math.inf if c.min is None else c.min
        hi = math.inf if c.max is None else c.max
        checks.append(pa.Check.in_range(lo, hi, name="out_of_range"))
    elif c.type == "datetime" and (c.min is not None or c.max is not None):
        import pandas as pd

        lo = pd.Timestamp.min if c.min is None else pd.Timestamp(c.min)
        hi = pd.Timestamp.max if c.max is None else pd.Timestamp(c.max)
        checks.append(pa.Check.in_range(lo, hi, name="out_of_range"))
    if c.type == "category" and c.categories is not None:
        checks.append(pa.Check.isin(list(c.categories), name="new_category"))
    return checks


# ---------------------------------------------------------------------------------
def _key(name: Any) -> Any:
    """A dict key telling 1 from "1" and True from 1."""
    return (type(name).__name__, name)


def _encode_name(name: Any) -> Any:
    if isinstance(name, tuple):
        return {"tuple": [_encode_name(n) for n in name]}
    if isinstance(name, np.generic):
        return name.item()
    return name


def _decode_name(name: Any) -> Any:
    if isinstance(name, dict) and set(name) == {"tuple"}:
        return tuple(_decode_name(n) for n in name["tuple"])
    if isinstance(name, list):
        return tuple(_decode_name(n) for n in name)
    return name


def _plain(v: Any) -> Any:
    """A JSON-safe scalar (numpy → Python, timestamps → ISO text)."""
    if v is None:
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


# -- inference ----------------------------------------------------------------------
def column_kind(values: Any) -> str:
    """The type family of a pandas Series by its dtype: ``int``, ``float``,
    ``bool``, ``datetime`` or ``string`` (text or categories: a pandas
    Categorical is ``string`` whatever its values; object columns of numbers
    count as their numbers)."""
    import pandas as pd
    from pandas.api import types as T

    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        # a pandas Categorical (or an Arrow dictionary column) holds categories,
        # whatever the type of their values
        return "string"
    if T.is_bool_dtype(dtype):
        return "bool"
    if T.is_integer_dtype(dtype):
        return "int"
    if T.is_float_dtype(dtype):
        return "float"
    if T.is_datetime64_any_dtype(dtype):
        return "datetime"
    if T.is_timedelta64_dtype(dtype):
        return "float"
    if T.is_object_dtype(dtype):
        inferred = pd.api.types.infer_dtype(values, skipna=True)
        return {
            "integer": "int",
            "floating": "float",
            "mixed-integer-float": "float",
            "decimal": "float",
            "boolean": "bool",
            "datetime": "datetime",
            "datetime64": "datetime",
            "empty": "string",
        }.get(inferred, "string")
    return "string"


def _check_categorical_max(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
        raise MlnbValueError(
            f"categorical_max must be a whole number >= 1 (the most distinct values "
            f"a category column may have), e.g. categorical_max=100; got {v!r}"
        )
    return int(v)


def schema(
    train_df: Any,
    *,
    categorical_max: int = DEFAULT_CATEGORICAL_MAX,
    id_columns: list[Any] | None = None,
) -> Schema:
    """Infer the schema of the training data.

    Parameters
    ----------
    train_df:
        The training table (pandas or polars DataFrame, pyarrow Table, dict of
        arrays); column names of any hashable kind.
    categorical_max:
        A text column with at most this many distinct values becomes a
        ``category`` column with the list of its values; above it, a ``text``
        column with no list (its note says so).
    id_columns:
        Columns whose values must be unique. ``None`` (default): detected — an
        ``int`` or text column with no missing value and every value distinct,
        on at least :data:`ID_MIN_ROWS` rows. ``[]``: none.

    Returns
    -------
    Schema

    Raises
    ------
    MlnbValueError
        A bad argument, or an id column that is not in the data.
    DataValidationError
        The table has no rows or no columns, or a column name appears twice.

    Examples
    --------
    >>> s = mlnb.schema(train)  # doctest: +SKIP
    >>> s = s.with_column("age", min=0, max=120)  # doctest: +SKIP
    >>> s.save("schema.json")  # doctest: +SKIP
    """
    import pandas as pd

    categorical_max = _check_categorical_max(categorical_max)
    df = frames.to_pandas(train_df, role="train_df")
    names = list(df.columns)
    if not names or len(df) == 0:
        raise DataValidationError(
            f"train_df must have rows and columns to infer a schema from; got "
            f"{len(df):,} rows × {len(names)} columns"
        )
    check_unique_names(names, "train_df")
    if id_columns is not None:
        if isinstance(id_columns, (str, bytes)) or not hasattr(id_columns, "__iter__"):
            id_columns = [id_columns]
        id_columns = list(id_columns)
        for n in id_columns:
            if not any(frames.same_name(n, m) for m in names):
                raise MlnbValueError(
                    f"id_columns: no column {frames._short_repr(n)} in train_df; its "
                    f"columns: {frames.describe_names(names)} — pass id_columns=[] "
                    "for none, or None to detect them"
                )
    n = len(df)
    na_counts = df.isna().sum().to_numpy()
    out = []
    for pos, name in enumerate(names):
        s = df.iloc[:, pos]
        kind = column_kind(s)
        n_missing = int(na_counts[pos])
        rate = n_missing / n
        note = ""
        lo = hi = None
        cats = None
        present = s.dropna() if n_missing else s
        if kind in ("int", "float"):
            typ = kind
            arr = pd.to_numeric(present, errors="coerce").to_numpy(
                dtype=np.float64, na_value=np.nan
            )
            arr = arr[np.isfinite(arr)]
            if len(arr):
                lo, hi = arr.min(), arr.max()
                if kind == "int":
                    lo, hi = int(lo), int(hi)
                else:
                    lo, hi = float(lo), float(hi)
        elif kind == "bool":
            typ = "bool"
        elif kind == "datetime":
            typ = "datetime"
            if len(present):
                ts = pd.to_datetime(present)
                lo, hi = ts.min().isoformat(), ts.max().isoformat()
        else:
            uniq = pd.unique(present.astype(object).to_numpy())
            if len(uniq) <= categorical_max:
                typ = "category"
                try:
                    cats = tuple(sorted(uniq.tolist()))
                except TypeError:
                    cats = tuple(sorted(uniq.tolist(), key=repr))
                cats = tuple(_plain(c) for c in cats)
            else:
                typ = "text"
                note = (
                    f"{len(uniq):,} distinct values, above categorical_max="
                    f"{categorical_max}: text with no category list"
                )
        if id_columns is None:
            unique = (
                typ in ("int", "text", "category")
                and n >= ID_MIN_ROWS
                and n_missing == 0
                and bool(s.is_unique)
            )
            if unique:
                note = (note + "; " if note else "") + "every value distinct: an id"
                if typ == "category":
                    typ, cats = "text", None
        else:
            unique = any(frames.same_name(name, m) for m in id_columns)
            if unique and typ == "category":
                typ, cats = "text", None
        out.append(
            ColumnSchema(
                name=name,
                type=typ,
                nullable=n_missing > 0,
                missing_rate=rate,
                min=lo,
                max=hi,
                categories=cats,
                unique=unique,
                note=note,
            )
        )
    return Schema(columns=tuple(out), n_rows=n)


def check_unique_names(names: list, argument: str) -> None:
    seen = set()
    for n in names:
        try:
            k = _key(n)
        except TypeError:  # pragma: no cover - names are hashable
            continue
        if k in seen:
            raise DataValidationError(
                f"{argument}: column {frames._short_repr(n)} appears twice; rename "
                "one of them (df.columns = [...])"
            )
        seen.add(k)
