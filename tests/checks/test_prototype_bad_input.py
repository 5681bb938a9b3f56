"""mlnb.prototype: every bad input raises an MlnbError that names the argument or
column and the fix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlnb.checks.prototype import prototype
from mlnb.errors import DataValidationError, MlnbError, MlnbValueError


def frame(n=100, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.choice(["x", "y"], n),
            "when": pd.date_range("2024-01-01", periods=n, freq="h").astype(str),
            "y": rng.integers(0, 2, n),
        }
    )


def wide(n=60):
    df = pd.DataFrame({f"col{i}": np.arange(n) % 5 for i in range(30)})
    df["y"] = np.arange(n) % 2
    return df


def edit(**changes):
    def make():
        df = frame()
        for k, v in changes.items():
            df[k] = v(df) if callable(v) else v
        return df

    return make


CASES = [
    # (id, data builder, keyword arguments, error type, pattern)
    (
        "label in features",
        frame,
        {"features": ["a", "y"]},
        MlnbValueError,
        r"label column 'y' is in features.*Remove it from features",
    ),
    (
        "unknown label",
        wide,
        {"label": "target"},
        MlnbValueError,
        r"label column 'target' is not in the data; the columns are: 'col0', .*"
        r"'col19' … and 11 more",
    ),
    (
        "unknown feature",
        frame,
        {"features": ["a", "zz"]},
        MlnbValueError,
        r"features has columns that are not in the data \('zz'\); the columns are: "
        r"'a', 'b', 'when', 'y'",
    ),
    (
        "features all missing",
        edit(a=np.nan, b=None),
        {"features": ["a", "b"]},
        DataValidationError,
        r"every feature is missing on every row \('a', 'b'\).*Check how",
    ),
    (
        "label with one class",
        edit(y=1),
        {},
        DataValidationError,
        r"label column 'y' has a single class \(1\).*Check the label column",
    ),
    (
        "time column does not parse",
        edit(when=lambda d: ["not a date"] * len(d)),
        {"time_column": "when"},
        DataValidationError,
        r"time column 'when' does not parse as times \(e\.g\. 'not a date'\).*"
        r"pd\.to_datetime",
    ),
    (
        "missing times",
        edit(when=lambda d: d["when"].where(d.index != 5)),
        {"time_column": "when"},
        DataValidationError,
        r"time column 'when' has 1 missing values.*Drop those rows",
    ),
    (
        "boolean time column",
        edit(when=lambda d: d.index % 2 == 0),
        {"time_column": "when"},
        DataValidationError,
        r"time column 'when' holds booleans.*datetimes",
    ),
    (
        "one time for every row",
        edit(when="2024-01-01"),
        {"time_column": "when"},
        DataValidationError,
        r"time column 'when' has a single time.*finer time column",
    ),
    (
        "NaN labels",
        edit(y=lambda d: d["y"].where(d.index != 3)),
        {},
        DataValidationError,
        r"label column 'y' has 1 missing values \(the first at row 3\).*dropna",
    ),
    (
        "too few rows",
        lambda: frame(8),
        {},
        DataValidationError,
        r"data has 8 rows; prototype\(\) needs at least 10.*more rows",
    ),
    (
        "unknown model kind",
        frame,
        {"models": ("linear", "svm")},
        MlnbValueError,
        r"unknown model kind 'svm' in models; the kinds are 'linear', 'boosted'",
    ),
    (
        "no models",
        frame,
        {"models": ()},
        MlnbValueError,
        r"models must be a non-empty tuple of model kinds",
    ),
    (
        "group column with one group",
        edit(g="same"),
        {"group_column": "g"},
        DataValidationError,
        r"group column 'g' has a single group.*Pass another group_column",
    ),
    (
        "time and group column",
        edit(g="same"),
        {"group_column": "g", "time_column": "when"},
        MlnbValueError,
        r"pass time_column= or group_column=, not both",
    ),
    (
        "time column is the label",
        frame,
        {"time_column": "y"},
        MlnbValueError,
        r"time_column names the label column 'y'; pass another column",
    ),
    (
        "test_size",
        frame,
        {"test_size": 1.5},
        MlnbValueError,
        r"test_size must be .* strictly between 0 and 1 such as 0\.2; got 1\.5",
    ),
    (
        "task",
        frame,
        {"task": "ranking"},
        MlnbValueError,
        r"task must be None \(inferred from the label\) or one of 'binary'",
    ),
    (
        "unknown metric",
        frame,
        {"metric": "auc"},
        MlnbValueError,
        r"unknown metric 'auc'; registered metrics are .*roc_auc",
    ),
    (
        "metric for another task",
        frame,
        {"metric": "rmse"},
        MlnbValueError,
        r"metric 'rmse' is for regression tasks but this label is binary; pick one "
        r"of .*roc_auc",
    ),
    (
        "descriptive metric",
        frame,
        {"metric": "label_rate"},
        MlnbValueError,
        r"metric 'label_rate' describes data and cannot rank models; pick one of",
    ),
    (
        "not a table",
        lambda: frame().to_numpy(),
        {},
        MlnbValueError,
        r"data must be a pandas or polars DataFrame.*pandas\.DataFrame\(array\)",
    ),
    (
        "string labels without positive_label",
        edit(y=lambda d: np.where(d["y"] == 1, "yes", "no")),
        {},
        MlnbValueError,
        r"label column 'y' has labels \['no', 'yes'\]; say which one is the "
        r"positive class, e\.g\. positive_label=",
    ),
    (
        "positive_label that does not occur",
        frame,
        {"positive_label": 7},
        MlnbValueError,
        r"positive_label=7 does not occur in label column 'y'",
    ),
    (
        "binary task with three classes",
        edit(y=lambda d: d.index % 3),
        {"task": "binary"},
        MlnbValueError,
        r"label column 'y' has 3 classes but task='binary'; pass positive_label=",
    ),
    (
        "regression on strings",
        edit(y=lambda d: np.where(d["y"] == 1, "yes", "no")),
        {"task": "regression"},
        DataValidationError,
        r"label column 'y' is not numeric .*task='binary' or 'multiclass'",
    ),
    (
        "duplicate column names",
        lambda: frame().set_axis(["a", "a", "when", "y"], axis=1),
        {},
        DataValidationError,
        r"column 'a' appears 2 times in the data; rename the duplicates",
    ),
    (
        "empty features",
        frame,
        {"features": []},
        MlnbValueError,
        r"features is empty; pass at least one column name",
    ),
    (
        "random_state",
        frame,
        {"random_state": -3},
        MlnbValueError,
        r"random_state must be None or an int >= 0; got -3",
    ),
    (
        "publish",
        frame,
        {"publish": "yes"},
        MlnbValueError,
        r"publish must be True or False; got 'yes'",
    ),
    (
        "progress",
        frame,
        {"progress": 1},
        MlnbValueError,
        r"progress must be None \(on in a notebook\), True or False; got 1",
    ),
]


@pytest.mark.parametrize(
    ("make", "kwargs", "error", "pattern"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_bad_input(make, kwargs, error, pattern):
    kwargs = {"label": "y", "models": ("linear",), "publish": False, **kwargs}
    with pytest.raises(error, match=pattern) as info:
        prototype(make(), **kwargs)
    assert isinstance(info.value, MlnbError)


def test_an_unknown_column_message_never_shows_values():
    df = frame()
    df["secret"] = "p@ssw0rd"
    with pytest.raises(MlnbValueError) as info:
        prototype(df, label="nope", publish=False)
    assert "p@ssw0rd" not in str(info.value)
