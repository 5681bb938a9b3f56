"""gate() under bad and unusual input: every bad input raises an MlnbError whose
message names the argument and the fix; nullable dtypes, polars, pyarrow and int
column names give the same numbers as plain pandas input."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

from mlnb.checks.deployment import ChangeThreshold, ValueThreshold, gate
from mlnb.core.conditions import Condition
from mlnb.errors import MlnbError, MlnbValueError, PredictionError

N = 300


def _frame():
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "a": rng.normal(size=N),
            "b": rng.normal(size=N),
            "g": rng.choice(["x", "y"], N),
        }
    )
    df["y"] = ((df.a + df.b + rng.normal(size=N)) > 0).astype(int)
    return df


DF = _frame()
MODEL = LogisticRegression().fit(DF[["a", "b"]], DF.y)
OTHER = LogisticRegression().fit(DF[["a"]], DF.y)
REG = LinearRegression().fit(DF[["a", "b"]], DF.y)
VT = ValueThreshold("roc_auc", lower=0.5)


def _unfitted():
    return LogisticRegression()


THRESHOLD_CASES = [
    # (callable building the bad object, error type, regex the message must match)
    (lambda: ValueThreshold("roc_auc"), MlnbValueError, r"no bound.*lower="),
    (
        lambda: ValueThreshold("roc_auc", lower=0.9, upper=0.1),
        MlnbValueError,
        r"lower 0\.9 is above upper.*Swap",
    ),
    (
        lambda: ValueThreshold("roc_auc", lower=float("nan")),
        MlnbValueError,
        r"lower must be a number.*lower=0\.8",
    ),
    (lambda: ValueThreshold("roc_auc", lower="0.8"), MlnbValueError, r"lower must"),
    (lambda: ValueThreshold("roc_auc", lower=True), MlnbValueError, r"lower must"),
    (
        lambda: ValueThreshold("rocauc", lower=0.8),
        MlnbValueError,
        r"unknown metric.*roc_auc",
    ),
    (
        lambda: ValueThreshold(None, lower=0.8),
        MlnbValueError,
        r"metric must be a metric name",
    ),
    (lambda: ChangeThreshold("roc_auc"), MlnbValueError, r"no bound.*absolute="),
    (
        lambda: ChangeThreshold("roc_auc", absolute=0.1, direction="up"),
        MlnbValueError,
        r"direction must be 'higher_is_better' or 'lower_is_better'",
    ),
    (
        lambda: ChangeThreshold("roc_auc", relative=float("nan")),
        MlnbValueError,
        r"relative must be a number",
    ),
    (
        lambda: ValueThreshold("roc_auc", lower=0.5, slice="g"),
        MlnbValueError,
        r"slice must be None.*\('sex', 'F'\)",
    ),
    (
        lambda: ValueThreshold("roc_auc", lower=0.5, slice={"g": "x", "h": 1}),
        MlnbValueError,
        r"slice must name one slice",
    ),
]


@pytest.mark.parametrize("build,err,pattern", THRESHOLD_CASES)
def test_bad_thresholds(build, err, pattern):
    with pytest.raises(err, match=pattern):
        build()


GATE_CASES = [
    # (kwargs replacing the good call's, error type, regex)
    (
        {"thresholds": None},
        MlnbValueError,
        r"thresholds.*would bless anything.*ValueThreshold",
    ),
    ({"thresholds": []}, MlnbValueError, r"thresholds is empty.*give at least one"),
    ({"thresholds": "roc_auc"}, MlnbValueError, r"thresholds must.*ValueThreshold"),
    (
        {"thresholds": {"roc_auc": 0.8}},
        MlnbValueError,
        r"thresholds must.*ValueThreshold",
    ),
    ({"thresholds": 0.8}, MlnbValueError, r"thresholds must be a list.*ValueThreshold"),
    (
        {"thresholds": [Condition("roc_auc", ">=", 0.8)]},
        MlnbValueError,
        r"item 0 is a Condition.*takes ValueThreshold",
    ),
    (
        {"thresholds": [ChangeThreshold("roc_auc", absolute=-0.01)]},
        MlnbValueError,
        r"baseline is None; pass the model in service as baseline=",
    ),
    (
        {"thresholds": [ValueThreshold("mae", upper=1.0)]},
        MlnbValueError,
        r"thresholds: 'mae' is not a metric of a binary model; use one of .*roc_auc",
    ),
    (
        {"thresholds": [ValueThreshold("accuracy", lower=0.5, slice=("g", "zz"))]},
        MlnbValueError,
        r"slice g=zz, which gate\(slices=\) does not produce; slices are: g=x, g=y",
    ),
    ({"data": np.zeros((3, 3))}, MlnbValueError, r"data must be a table"),
    ({"data": DF.iloc[:0]}, MlnbError, r"(?i)empty"),
    ({"label": "nope"}, MlnbValueError, r"nope.*'a'"),
    ({"candidate": None}, MlnbValueError, r"candidate must be a fitted model"),
    ({"candidate": "model.pkl"}, MlnbValueError, r"candidate must be a fitted model"),
    ({"candidate": _unfitted()}, MlnbValueError, r"candidate.*fit"),
    ({"baseline": _unfitted()}, MlnbValueError, r"baseline.*fit"),
    ({"baseline": REG}, MlnbValueError, r"baseline predicts regression.*same task"),
    ({"model_type": "clf"}, MlnbValueError, r"model_type must be one of"),
    ({"features": ["a", "zz"]}, MlnbValueError, r"zz"),
]


def _good(**kw):
    args = {
        "candidate": MODEL,
        "baseline": None,
        "data": DF,
        "label": "y",
        "thresholds": [VT],
        "slices": "g",
        "publish": False,
    }
    args.update(kw)
    cand = args.pop("candidate")
    base = args.pop("baseline")
    return gate(cand, base, **args)


@pytest.mark.parametrize("kw,err,pattern", GATE_CASES)
def test_bad_gate_calls(kw, err, pattern):
    with pytest.raises(err, match=pattern) as info:
        _good(**kw)
    assert isinstance(info.value, MlnbError)


def test_baseline_on_other_columns_names_baseline_and_the_fix():
    bad = LogisticRegression().fit(DF.assign(c=1.0)[["a", "c"]], DF.y)
    with pytest.raises(PredictionError, match=r"baseline.*features="):
        _good(baseline=bad)


# -- same numbers as plain input -------------------------------------------------------
THS = [
    ValueThreshold("roc_auc", lower=0.5),
    ChangeThreshold("accuracy", absolute=-0.05),
]


def _numbers(d):
    f = d.to_frame()
    return f[["metric", "slice", "count", "candidate", "baseline", "passed"]]


PLAIN = _numbers(_good(baseline=OTHER, thresholds=THS))


def _same(d):
    pd.testing.assert_frame_equal(_numbers(d), PLAIN)


def test_nullable_dtypes_same_numbers():
    df = DF.astype({"y": "Int64", "a": "Float64", "b": "Float64", "g": "string"})
    _same(_good(data=df, baseline=OTHER, thresholds=THS))


def test_boolean_label_same_numbers():
    m = LogisticRegression().fit(DF[["a", "b"]], DF.y.astype(bool))
    o = LogisticRegression().fit(DF[["a"]], DF.y.astype(bool))
    d = _good(
        candidate=m, baseline=o, data=DF.assign(y=DF.y.astype(bool)), thresholds=THS
    )
    _same(d)


def test_polars_same_numbers(require):
    pl = require("polars", "polars")
    _same(_good(data=pl.from_pandas(DF), baseline=OTHER, thresholds=THS))


def test_pyarrow_same_numbers(require):
    pa = require("pyarrow", "polars")
    _same(_good(data=pa.Table.from_pandas(DF), baseline=OTHER, thresholds=THS))


def test_dict_of_arrays_same_numbers():
    data = {c: DF[c].to_numpy() for c in DF.columns}
    _same(_good(data=data, baseline=OTHER, thresholds=THS))


def test_int_column_names_same_numbers():
    df = DF.rename(columns={"a": 0, "b": 1, "g": 2, "y": 3})
    m = LogisticRegression().fit(DF[["a", "b"]].to_numpy(), DF.y)
    o = LogisticRegression().fit(DF[["a"]].to_numpy(), DF.y)

    def cand(X):
        return m.predict_proba(X[[0, 1]].to_numpy())[:, 1]

    def base(X):
        return o.predict_proba(X[[0]].to_numpy())[:, 1]

    ths = [
        ValueThreshold("roc_auc", lower=0.5),
        ChangeThreshold("accuracy", absolute=-0.05),
    ]
    with pytest.warns(UserWarning, match="cannot be pickled"):
        d = gate(cand, base, data=df, label=3, thresholds=ths, slices=2, publish=False)
    got = _numbers(d).assign(slice=lambda f: f.slice.str.replace("2=", "g="))
    pd.testing.assert_frame_equal(got, PLAIN)
    assert re.search(r"2=x", " ".join(d.to_frame().slice))
