"""The one input path: every table kind gives the same columns, names of any
hashable type, errors that list names and never values."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest

from mlnb.core import frames as F
from mlnb.errors import DataValidationError, MlnbValueError

pa = pytest.importorskip("pyarrow")
pl = pytest.importorskip("polars")

SECRET = "SECRET-VALUE-7f3a"


def test_doctests():
    result = doctest.testmod(F, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def as_list(col) -> list:
    """A column's values as a Python list, whatever held them."""
    for attr in ("to_pylist", "to_list", "tolist"):
        if hasattr(col, attr):
            return list(getattr(col, attr)())
    return list(col)


COLUMNS = {
    "y": [0, 1, 1, 0],
    "score": [0.1, 0.9, 0.8, 0.3],
    "group": ["a", "b", "a", "c"],
}


def all_kinds(columns: dict) -> dict:
    """The same string-named data as every table kind mlnb reads."""
    table = pa.table(columns)
    return {
        "pandas": pd.DataFrame(columns),
        "polars": pl.DataFrame(columns),
        "arrow_table": table,
        "arrow_batch": table.to_batches()[0],
        "arrow_chunked": pa.concat_tables([table.slice(0, 2), table.slice(2)]),
        "dict_numpy": {k: np.asarray(v) for k, v in columns.items()},
        "dict_lists": {k: list(v) for k, v in columns.items()},
        "dict_series": {k: pd.Series(v) for k, v in columns.items()},
        "dict_arrow": {k: pa.chunked_array([v[:1], v[1:]]) for k, v in columns.items()},
        "dict_polars": {k: pl.Series(v) for k, v in columns.items()},
    }


@pytest.mark.parametrize("kind", list(all_kinds(COLUMNS)))
def test_every_kind_gives_the_same_columns(kind):
    data = all_kinds(COLUMNS)[kind]
    assert F.is_table(data)
    assert F.column_names(data) == list(COLUMNS)
    assert F.row_count(data) == 4
    for name, values in COLUMNS.items():
        assert F.has_column(data, name)
        col = F.get_column(data, name, role="label")
        assert as_list(col) == values
        assert as_list(F.column_or_values(data, name, role="label")) == values
        assert np.asarray(col).tolist() == values
    frame = F.to_pandas(data)
    assert list(frame.columns) == list(COLUMNS)
    assert {k: frame[k].tolist() for k in COLUMNS} == COLUMNS


def test_arrow_chunked_column_is_combined():
    table = pa.concat_tables(
        [pa.table(COLUMNS).slice(0, 2), pa.table(COLUMNS).slice(2)]
    )
    assert table.column(0).num_chunks == 2
    col = F.get_column(table, "y")
    assert isinstance(col, pa.Array) and col.to_pylist() == COLUMNS["y"]
    col = F.get_column({"y": table.column(0)}, "y")
    assert isinstance(col, pa.Array)


def test_numpy_2d_array_is_not_a_table():
    data = np.zeros((3, 2))
    assert not F.is_table(data)
    with pytest.raises(MlnbValueError) as info:
        F.get_column(data, 0, role="label")
    msg = str(info.value)
    assert "label=0 names a column" in msg and "ndarray" in msg
    assert "Pass the label values themselves" in msg
    with pytest.raises(MlnbValueError, match=r"pandas.DataFrame\(array\)"):
        F.to_pandas(data)
    with pytest.raises(MlnbValueError, match="expected a table"):
        F.column_names([1, 2])


# -- names of any hashable type --------------------------------------------------------


MIXED_NAMES = ["0", 1, 2.5, True, ("a", "x")]


def mixed_frame() -> pd.DataFrame:
    """Columns named by a str, an int, a float, a bool and a tuple (1 and True
    both: a dict could not hold them, they hash alike)."""
    index = pd.Index(MIXED_NAMES, dtype=object, tupleize_cols=False)
    return pd.DataFrame([["str", "int", "float", "bool", "tuple"]] * 2, columns=index)


@pytest.mark.parametrize(
    "name, found",
    [
        ("0", "str"),
        (1, "int"),
        (np.int64(1), "int"),
        (np.int8(1), "int"),
        (1.0, "int"),  # equal numbers are one name, as in a dict and in pandas
        (2.5, "float"),
        (np.float32(2.5), "float"),
        (True, "bool"),
        (np.True_, "bool"),
        (("a", "x"), "tuple"),
    ],
)
@pytest.mark.parametrize("as_dict", [False, True])
def test_names_are_found_by_value_and_kind(name, found, as_dict):
    data = mixed_frame()
    assert F.column_names(data) == MIXED_NAMES
    if as_dict:
        if found in ("int", "bool"):  # a dict holds only one of 1 and True
            drop = "int" if found == "bool" else "bool"
            keep = [i for i in range(5) if data.iloc[0, i] != drop]
        else:
            keep = range(5)
        data = {MIXED_NAMES[i]: data.iloc[:, i].to_numpy() for i in keep}
    assert as_list(F.get_column(data, name))[0] == found
    assert F.is_column_name(data, name)


@pytest.mark.parametrize(
    "name, hint",
    [
        (0, "'0' of type str: pass label='0'"),  # 0 is not "0"
        ("1", "1 of type int: pass label=1"),  # ... and "1" is not 1
        ("2.5", "2.5 of type float: pass label=2.5"),
        ("True", "True of type bool: pass label=True"),
        (False, None),
        ("('a', 'x')", "('a', 'x') of type tuple"),
        ("a", None),  # a MultiIndex level is not a column
        (("a",), None),
        (("a", "x", ""), None),
    ],
)
def test_names_of_another_kind_are_not_found(name, hint):
    with pytest.raises(MlnbValueError) as info:
        F.get_column(mixed_frame(), name, role="label")
    msg = str(info.value)
    assert f"label column {name!r} is not in the data" in msg
    assert "the columns are: '0', 1, 2.5, True, ('a', 'x')" in msg
    if hint:
        assert hint in msg
    else:
        assert "there is a column" not in msg


def test_true_is_not_one():
    df = pd.DataFrame({1: [10], 0: [20]})
    with pytest.raises(MlnbValueError, match="label column True is not in the data"):
        F.get_column(df, True, role="label")
    with pytest.raises(MlnbValueError):
        F.get_column(df, np.False_, role="label")
    df = pd.DataFrame({True: [10]})
    with pytest.raises(MlnbValueError):
        F.get_column(df, 1, role="label")


def test_integer_names_from_numpy():
    df = pd.DataFrame(np.arange(6).reshape(3, 2))
    assert F.column_names(df) == [0, 1]
    assert F.get_column(df, 1).tolist() == [1, 3, 5]
    assert F.get_column(df, np.int64(0)).tolist() == [0, 2, 4]


@pytest.mark.parametrize("kind", ["pandas_multiindex", "dict"])
def test_tuple_names(kind):
    if kind == "pandas_multiindex":
        cols = pd.MultiIndex.from_tuples([("a", "x"), ("a", "y"), ("b", "x")])
        data = pd.DataFrame([[1, 2, 3], [4, 5, 6]], columns=cols)
    else:
        data = {("a", "x"): [1, 4], ("a", "y"): [2, 5], ("b", "x"): [3, 6]}
    assert F.column_names(data) == [("a", "x"), ("a", "y"), ("b", "x")]
    assert as_list(F.get_column(data, ("a", "y"))) == [2, 5]
    assert as_list(F.column_or_values(data, ("b", "x"), role="score")) == [3, 6]
    frame = F.to_pandas(data)
    assert frame[("a", "y")].tolist() == [2, 5]
    with pytest.raises(MlnbValueError, match=r"\('a', 'x'\), \('a', 'y'\)"):
        F.get_column(data, ("c", "x"))


# -- duplicates and unknown columns ----------------------------------------------------


@pytest.mark.parametrize(
    "data, name",
    [
        (pd.DataFrame([[1, 2, 3]], columns=["a", "b", "a"]), "a"),
        (pd.DataFrame([[1, 2]], columns=pd.Index([0, 0.0], dtype=object)), 0),
        (pa.table([pa.array([1]), pa.array([2])], names=["a", "a"]), "a"),
    ],
)
def test_duplicate_names(data, name):
    with pytest.raises(DataValidationError) as info:
        F.get_column(data, name, role="score")
    msg = str(info.value)
    assert f"score column {name!r} appears 2 times" in msg and "rename" in msg
    assert F.has_column(data, name)


def wide(kind: str, n_cols: int = 30):
    columns = {f"col_{i:02d}": [f"{SECRET}-{i}", "x"] for i in range(n_cols)}
    columns["col_00"] = [SECRET, SECRET]
    return all_kinds(columns)[kind]


@pytest.mark.parametrize("kind", list(all_kinds(COLUMNS)))
def test_unknown_column_lists_names_never_values(kind):
    with pytest.raises(MlnbValueError) as info:
        F.get_column(wide(kind), "label", role="label")
    msg = str(info.value)
    assert SECRET not in msg
    assert "label column 'label' is not in the data" in msg
    listed = [f"'col_{i:02d}'" for i in range(30) if f"'col_{i:02d}'" in msg]
    assert listed == [f"'col_{i:02d}'" for i in range(20)]
    assert "… and 10 more" in msg


def test_describe_names():
    assert F.describe_names([]) == "(none)"
    assert F.describe_names(list(range(3))) == "0, 1, 2"
    assert F.describe_names(list(range(F.MAX_NAMES_SHOWN))).endswith("19")
    many = F.describe_names(list(range(1234)))
    assert many.endswith("19 … and 1,214 more")
    assert len(F.describe_names(["x" * 500])) < 70


def test_column_or_values():
    df = pd.DataFrame({"s": [0.1, 0.2], 0: [1, 2]})
    values = [0.5, 0.6]
    assert F.column_or_values(df, None, role="score") is None
    assert F.column_or_values(df, values, role="score") is values
    arr = np.array(values)
    assert F.column_or_values(df, arr, role="score") is arr
    series = pd.Series(values)
    assert F.column_or_values(df, series, role="score") is series
    assert F.column_or_values(None, arr, role="score") is arr
    assert F.column_or_values(df, "s", role="score").tolist() == [0.1, 0.2]
    assert F.column_or_values(df, 0, role="score").tolist() == [1, 2]
    with pytest.raises(MlnbValueError) as info:
        F.column_or_values(None, "s", role="score")
    assert "score='s' names a column, but no data was given" in str(info.value)
    with pytest.raises(MlnbValueError, match="score column 'nope'"):
        F.column_or_values(df, "nope", role="score")


@pytest.mark.parametrize(
    "spec, is_name",
    [
        ("a", True),
        (np.str_("a"), True),
        (0, True),
        (np.int64(0), True),
        (np.float64(0.5), True),
        (True, True),
        (np.True_, True),
        (("a", "b"), True),
        (None, False),
        ([0, 1], False),
        (np.array([0, 1]), False),
        (pd.Series([0, 1]), False),
        (pa.array([0, 1]), False),
        ({"a": 1}, False),
    ],
)
def test_is_column_name(spec, is_name):
    assert F.is_column_name(None, spec) is is_name


def test_column_or_values_with_numpy_string_name():
    df = pd.DataFrame({"a": [1, 2]})
    assert F.column_or_values(df, np.str_("a"), role="label").tolist() == [1, 2]


# -- row_count -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, n",
    [
        (None, None),
        (pd.DataFrame({"a": range(5)}), 5),
        (pl.DataFrame({"a": range(5)}), 5),
        (pa.table({"a": range(5)}), 5),
        (pa.table({"a": range(5)}).to_batches()[0], 5),
        ({"a": [1, 2], "b": np.zeros(2)}, 2),
        ({"a": [1, 2], "b": [1]}, None),
        ({"a": 1}, None),
        ({}, None),
        (np.zeros((7, 2)), 7),
        (np.zeros(4), 4),
        (np.float64(1.0), None),
        ([1, 2, 3], None),
    ],
)
def test_row_count(data, n):
    assert F.row_count(data) == n


# -- to_pandas -------------------------------------------------------------------------


def test_to_pandas_returns_a_pandas_frame_as_it_is():
    df = pd.DataFrame({"a": [1]})
    assert F.to_pandas(df) is df


def test_to_pandas_keeps_nullable_dtypes():
    string_pa = pd.StringDtype("pyarrow")
    cols = {
        "i": pd.array([1, None, 3], dtype="Int64"),
        "b": pd.array([True, None, False], dtype="boolean"),
        "s": pd.array(["x", None, "z"], dtype=string_pa),
    }
    df = pd.DataFrame(cols)
    for data in (
        df,
        cols,
        {k: pd.Series(v, index=[7, 8, 9]) for k, v in cols.items()},
    ):
        out = F.to_pandas(data)
        assert out["i"].dtype == "Int64" and out["b"].dtype == "boolean"
        assert out["s"].dtype == string_pa
        assert out["i"].isna().tolist() == [False, True, False]
        assert list(out.index) == [0, 1, 2]  # by position: no index alignment


@pytest.mark.parametrize("kind", ["arrow", "polars", "dict_arrow", "dict_polars"])
def test_to_pandas_arrow_nulls_stay_integers(kind):
    cols = {
        "i": pa.array([1, None, 3], pa.int64()),
        "u": pa.array([1, None, 3], pa.uint8()),
        "b": pa.array([True, None, False]),
        "s": pa.array(["x", None, "z"]),
        "f": pa.array([1.5, None, 2.5]),
        "n": pa.array([1, 2, 3]),
    }
    data = {
        "arrow": pa.table(cols),
        "polars": pl.from_arrow(pa.table(cols)),
        "dict_arrow": cols,
        "dict_polars": {k: pl.from_arrow(v) for k, v in cols.items()},
    }[kind]
    out = F.to_pandas(data)
    assert out["i"].dtype == "Int64" and out["u"].dtype == "UInt8"
    assert out["b"].dtype == "boolean"
    assert out["f"].dtype == "float64" and out["n"].dtype == "int64"
    assert pd.api.types.is_string_dtype(out["s"]) or out["s"].dtype == object
    assert out["i"].tolist()[::2] == [1, 3] and out["i"].isna().sum() == 1
    assert out["s"].tolist()[::2] == ["x", "z"] and pd.isna(out["s"][1])


def test_to_pandas_dict_keeps_names_of_any_kind():
    data = {0: [1, 2], "0": [3, 4], ("a", "b"): [5, 6], True: [7, 8]}
    out = F.to_pandas(data)
    assert list(out.columns) == [0, "0", ("a", "b"), True]
    assert F.get_column(out, 0).tolist() == [1, 2]
    assert F.get_column(out, "0").tolist() == [3, 4]
    assert F.get_column(out, True).tolist() == [7, 8]


def test_to_pandas_rejects_unequal_lengths_without_values():
    with pytest.raises(MlnbValueError) as info:
        F.to_pandas({"a": [SECRET] * 3, "b": [SECRET] * 2}, role="data")
    msg = str(info.value)
    assert "data: the arrays of a dict must have one length" in msg
    assert "'a': 3, 'b': 2" in msg and SECRET not in msg


@pytest.mark.parametrize(
    "data, words",
    [
        ({"a": 1}, ["column 'a' is a int", "array or list"]),
        ({"a": np.zeros((2, 2))}, ["column 'a' must be one value per row (1-D)"]),
        ([1, 2], ["must be a pandas or polars DataFrame", "list"]),
        ("a,b", ["got str"]),
    ],
)
def test_to_pandas_errors(data, words):
    with pytest.raises(MlnbValueError) as info:
        F.to_pandas(data, role="reference")
    msg = str(info.value)
    assert msg.startswith("reference")
    for word in words:
        assert word in msg


def test_to_pandas_empty_dict():
    out = F.to_pandas({})
    assert out.shape == (0, 0)
