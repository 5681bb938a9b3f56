"""validate_data reads nullable pandas dtypes, polars, pyarrow and dicts like plain
pandas (same anomalies), and columns named by integers or tuples."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from mlnb.checks.deployment import schema, validate_data

pytestmark = pytest.mark.extra("validate", module="pandera")

N = 30


def train() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "n": np.arange(N) % 10,
            "x": np.linspace(0.0, 1.0, N),
            "c": np.array(["a", "b", "c"] * (N // 3), dtype=object),
            "f": np.arange(N) % 2 == 0,
        }
    )


def serving() -> pd.DataFrame:
    df = train()
    df["n"] = df["n"].astype(float)
    df.loc[0, "n"] = 50.0  # out of range
    df.loc[1, "n"] = np.nan  # missing in a column that had none
    df.loc[2, "c"] = "zzz"  # new category
    df.loc[[3, 4], "c"] = None  # missing in a column that had none
    return df


SCHEMA = schema(train())


def key(result):
    a = result.anomalies
    return sorted(
        zip(
            a["column"].astype(str), a["kind"], a["severity"], a["count"].astype(object)
        )
    )


@functools.cache
def plain():
    """The anomalies of the plain pandas frame (computed in a test, not at import:
    without pandera the module is skipped, not an import error)."""
    return key(validate_data(serving(), SCHEMA, publish=False))


def test_plain_expectation():
    assert (
        sorted(
            [
                ("n", "out_of_range", "warning", 1),
                ("n", "missing_values", "error", 1),
                ("c", "new_category", "error", 1),
                ("c", "missing_values", "error", 2),
            ]
        )
        == plain()
    )


def nullable(df):
    out = df.copy()
    out["n"] = pd.array([None if pd.isna(v) else int(v) for v in df["n"]], "Int64")
    out["x"] = out["x"].astype("Float64")
    out["c"] = out["c"].astype("string")
    out["f"] = out["f"].astype("boolean")
    return out


def arrow_backed(df):
    out = nullable(df)
    out["c"] = out["c"].astype("string[pyarrow]")
    return out


def to_polars(df):
    pl = pytest.importorskip("polars")
    return pl.from_pandas(nullable(df))


def to_arrow(df):
    pa = pytest.importorskip("pyarrow")
    return pa.Table.from_pandas(nullable(df), preserve_index=False)


def to_dict(df):
    return {k: nullable(df)[k].to_numpy() for k in df.columns}


def categorical(df):
    out = df.copy()
    out["c"] = out["c"].astype("category")
    return out


@pytest.mark.parametrize(
    "convert", [nullable, arrow_backed, to_polars, to_arrow, to_dict, categorical]
)
def test_same_anomalies(convert):
    if convert is arrow_backed:
        pytest.importorskip("pyarrow")
    got = key(validate_data(convert(serving()), SCHEMA, publish=False))
    assert got == plain()


@pytest.mark.parametrize(
    "convert", [nullable, arrow_backed, to_polars, to_arrow, categorical]
)
def test_same_schema(convert):
    if convert is arrow_backed:
        pytest.importorskip("pyarrow")
    s = schema(convert(train()))
    assert [(c.name, c.type, c.min, c.max, c.categories) for c in s.columns] == [
        (c.name, c.type, c.min, c.max, c.categories) for c in SCHEMA.columns
    ]


def test_int_and_tuple_column_names():
    plain = serving()
    names = [0, ("c", 1), "0", 3]
    t = train()
    t.columns = pd.Index(names, tupleize_cols=False)
    s = schema(t)
    cur = plain.copy()
    cur.columns = pd.Index(names, tupleize_cols=False)
    a = validate_data(cur, s, publish=False).anomalies
    rename = dict(zip(["n", "x", "c", "f"], names))
    expected = sorted((str(rename[c]), k, sev, n) for c, k, sev, n in _plain_rows())
    got = sorted(zip(a["column"].astype(str), a["kind"], a["severity"], a["count"]))
    assert got == expected
    # 0 and "0" are different columns
    cur2 = cur.drop(columns=[0])
    a2 = validate_data(cur2, s, publish=False).anomalies
    missing = a2[a2["kind"] == "missing_column"]["column"].tolist()
    assert missing == [0] and not isinstance(missing[0], str)


def _plain_rows():
    a = validate_data(serving(), SCHEMA, publish=False).anomalies
    return list(zip(a["column"], a["kind"], a["severity"], a["count"]))
