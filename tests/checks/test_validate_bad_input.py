"""Bad input for schema() and validate_data(), table-driven: each case asserts the
error type and that the message names the argument and the fix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlnb import DataValidationError, MlnbValueError
from mlnb.checks.deployment import ColumnSchema, Schema, schema, validate_data

pytestmark = pytest.mark.extra("validate", module="pandera")

DF = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "x"]})
SCHEMA = schema(DF)
DUP = pd.DataFrame([[1, 2]], columns=["a", "a"])

SCHEMA_CASES = [
    # (id, call, error, words in the message)
    (
        "not a table",
        lambda: schema([[1, 2]]),
        MlnbValueError,
        ["train_df", "DataFrame"],
    ),
    (
        "numpy 2-D",
        lambda: schema(np.ones((3, 2))),
        MlnbValueError,
        ["train_df", "wrap"],
    ),
    ("no rows", lambda: schema(DF.head(0)), DataValidationError, ["train_df", "rows"]),
    (
        "no columns",
        lambda: schema(pd.DataFrame()),
        DataValidationError,
        ["train_df", "columns"],
    ),
    (
        "duplicate names",
        lambda: schema(DUP),
        DataValidationError,
        ["train_df", "twice", "rename"],
    ),
    (
        "categorical_max 0",
        lambda: schema(DF, categorical_max=0),
        MlnbValueError,
        ["categorical_max", ">= 1", "e.g."],
    ),
    (
        "categorical_max float",
        lambda: schema(DF, categorical_max=2.5),
        MlnbValueError,
        ["categorical_max", "whole number"],
    ),
    (
        "categorical_max bool",
        lambda: schema(DF, categorical_max=True),
        MlnbValueError,
        ["categorical_max"],
    ),
    (
        "unknown id column",
        lambda: schema(DF, id_columns=["nope"]),
        MlnbValueError,
        ["id_columns", "'nope'", "'a'", "id_columns=[]"],
    ),
]

VALIDATE_CASES = [
    (
        "schema is a dict",
        lambda: validate_data(DF, SCHEMA.to_dict(), publish=False),
        MlnbValueError,
        ["schema", "mlnb.schema(train_df)", "dict"],
    ),
    (
        "schema is a path",
        lambda: validate_data(DF, "schema.json", publish=False),
        MlnbValueError,
        ["schema", "Schema.load"],
    ),
    (
        "df not a table",
        lambda: validate_data([1, 2], SCHEMA, publish=False),
        MlnbValueError,
        ["df", "DataFrame"],
    ),
    (
        "no rows",
        lambda: validate_data(DF.head(0), SCHEMA, publish=False),
        DataValidationError,
        ["df", "no rows", "pass the batch"],
    ),
    (
        "duplicate names",
        lambda: validate_data(DUP, SCHEMA, publish=False),
        DataValidationError,
        ["df", "twice", "rename"],
    ),
    (
        "negative skew threshold",
        lambda: validate_data(DF, SCHEMA, skew_threshold=-1, publish=False),
        MlnbValueError,
        ["skew_threshold", ">= 0", "e.g."],
    ),
    (
        "NaN skew threshold",
        lambda: validate_data(DF, SCHEMA, skew_threshold=float("nan"), publish=False),
        MlnbValueError,
        ["skew_threshold"],
    ),
    (
        "text jump",
        lambda: validate_data(DF, SCHEMA, missing_rate_jump="10%", publish=False),
        MlnbValueError,
        ["missing_rate_jump", "0.1"],
    ),
    (
        "severities not a dict",
        lambda: validate_data(DF, SCHEMA, severities=["error"], publish=False),
        MlnbValueError,
        ["severities", "dict"],
    ),
    (
        "unknown anomaly kind",
        lambda: validate_data(DF, SCHEMA, severities={"oops": "error"}, publish=False),
        MlnbValueError,
        ["severities", "'oops'", "new_category"],
    ),
    (
        "unknown severity",
        lambda: validate_data(DF, SCHEMA, severities={"skew": "fatal"}, publish=False),
        MlnbValueError,
        ["severities", "'error' or 'warning'"],
    ),
    (
        "conditions not conditions",
        lambda: validate_data(DF, SCHEMA, conditions=["x"], publish=False),
        MlnbValueError,
        ["condition"],
    ),
]

EDIT_CASES = [
    (
        "unknown column",
        lambda: SCHEMA.with_column("zz", min=0),
        MlnbValueError,
        ["'zz'", "'a'"],
    ),
    (
        "unknown field",
        lambda: SCHEMA.with_column("a", lower=0),
        MlnbValueError,
        ["lower", "min"],
    ),
    (
        "bad type",
        lambda: SCHEMA.with_column("a", type="number"),
        MlnbValueError,
        ["type", "int", "float"],
    ),
    (
        "categories text",
        lambda: SCHEMA.with_column("b", categories="xy"),
        MlnbValueError,
        ["categories", "list"],
    ),
    (
        "nullable text",
        lambda: SCHEMA.with_column("a", nullable="yes"),
        MlnbValueError,
        ["nullable", "True or False"],
    ),
    (
        "missing_rate 2",
        lambda: SCHEMA.with_column("a", missing_rate=2),
        MlnbValueError,
        ["missing_rate", "between 0 and 1"],
    ),
    (
        "column twice",
        lambda: Schema(columns=(ColumnSchema("a", "int"), ColumnSchema("a", "int"))),
        MlnbValueError,
        ["'a'", "twice"],
    ),
    (
        "not a column",
        lambda: Schema(columns=({"name": "a"},)),
        MlnbValueError,
        ["ColumnSchema", "mlnb.schema"],
    ),
]


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [c[1:] for c in SCHEMA_CASES + VALIDATE_CASES + EDIT_CASES],
    ids=[c[0] for c in SCHEMA_CASES + VALIDATE_CASES + EDIT_CASES],
)
def test_bad_input(call, error, words):
    with pytest.raises(error) as e:
        call()
    message = str(e.value)
    for w in words:
        assert w in message, message


def test_numbers_as_text_are_a_type_change():
    df = DF.assign(a=DF["a"].astype(str))
    a = validate_data(df, SCHEMA, publish=False).anomalies
    assert a["kind"].tolist() == ["type_change"]


def test_missing_pandera_names_the_extra(monkeypatch):
    from mlnb import MissingDependencyError

    monkeypatch.setitem(__import__("sys").modules, "pandera", None)
    monkeypatch.setitem(__import__("sys").modules, "pandera.pandas", None)
    with pytest.raises(MissingDependencyError, match=r"mlnb\[validate\]"):
        validate_data(DF, SCHEMA, publish=False)
    with pytest.raises(MissingDependencyError, match="pandera"):
        SCHEMA.to_pandera()
    # inferring, editing and saving a schema need no pandera
    assert schema(DF).with_column("a", max=10)["a"].max == 10
