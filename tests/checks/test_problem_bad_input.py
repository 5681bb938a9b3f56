"""Step 1 bad input, table-driven: each case names the argument or column and the
fix; and "the same numbers as plain" for polars, pyarrow, pandas nullable dtypes,
categories, and int and tuple column names."""

from __future__ import annotations

import importlib
import math

import numpy as np
import pandas as pd
import pytest

from mlnb.checks.problem import baselines, goal
from mlnb.errors import DataValidationError, MlnbError, MlnbValueError

goal_module = importlib.import_module("mlnb.checks.problem.goal")


@pytest.fixture(autouse=True)
def no_goal():
    goal_module._set_current(None)
    yield
    goal_module._set_current(None)


Y01 = np.array([0, 1, 0, 1, 1, 0])
FLOATS = np.array([0.5, 1.7, 2.2, 3.9])

GOAL_CASES = [
    (
        "unknown task",
        {"task": "classification", "metric": "accuracy", "target": 0.9},
        MlnbValueError,
        r"task must be one of 'binary', 'multiclass', 'regression'; got "
        r"'classification'",
    ),
    (
        "unknown metric lists the valid ones",
        {"task": "binary", "metric": "auc", "target": 0.9},
        MlnbValueError,
        r"unknown metric 'auc'; for task='binary' the valid ones are .*roc_auc",
    ),
    (
        "metric of another task names the tasks it fits",
        {"task": "regression", "metric": "roc_auc", "target": 0.9},
        MlnbValueError,
        r"metric 'roc_auc' fits task 'binary', not 'regression'; .*pick one of "
        r"mae, rmse",
    ),
    (
        "descriptive metric",
        {"task": "binary", "metric": "label_rate", "target": 0.5},
        MlnbValueError,
        r"'label_rate' describes the data.*pick one of",
    ),
    (
        "target above the range",
        {"task": "binary", "metric": "accuracy", "target": 1.5},
        MlnbValueError,
        r"target=1.5 is outside the range of accuracy \[0, 1\]; pass a value inside",
    ),
    (
        "negative error target",
        {"task": "regression", "metric": "mae", "target": -1.0},
        MlnbValueError,
        r"target=-1.0 is outside the range of mae \[0, ∞\]",
    ),
    (
        "target not a number",
        {"task": "binary", "metric": "accuracy", "target": "high"},
        MlnbValueError,
        r"target must be a number, the accuracy the model must reach \(e.g. "
        r"target=0.85\); got 'high'",
    ),
    (
        "target NaN",
        {"task": "binary", "metric": "accuracy", "target": math.nan},
        MlnbValueError,
        r"target must be a number",
    ),
    (
        "target is the worst value",
        {"task": "binary", "metric": "recall", "target": 0.0},
        MlnbValueError,
        r"target=0.0 is the worst possible recall; every model reaches it",
    ),
    (
        "ROC AUC at chance",
        {"task": "binary", "metric": "roc_auc", "target": 0.5},
        MlnbValueError,
        r"0.5 is what a random ranking scores.*pass a value above 0.5",
    ),
    (
        "users not text",
        {"task": "binary", "metric": "roc_auc", "target": 0.8, "users": ["a"]},
        MlnbValueError,
        r"users must be a sentence \(a string\), e.g. users=",
    ),
    (
        "positive_label on regression",
        {"task": "regression", "metric": "mae", "target": 1.0, "positive_label": 1},
        MlnbValueError,
        r"positive_label applies to a binary task.*Drop positive_label",
    ),
    (
        "publish not a bool",
        {"task": "binary", "metric": "roc_auc", "target": 0.8, "publish": "yes"},
        MlnbValueError,
        r"publish must be True or False",
    ),
]


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [c[1:] for c in GOAL_CASES],
    ids=[c[0] for c in GOAL_CASES],
)
def test_goal_bad_input(kwargs, error, pattern):
    with pytest.raises(error, match=pattern) as info:
        goal(**kwargs)
    assert isinstance(info.value, MlnbError)
    assert goal_module.current_goal() is None


def _df_missing():
    return pd.DataFrame({"a": [np.nan] * 6, "b": [None] * 6})


BASELINE_CASES = [
    (
        "unknown metric lists the valid ones",
        lambda: baselines(Y01, Y01, metric="auc"),
        MlnbValueError,
        r"unknown metric 'auc'; for task='binary' the valid ones are .*roc_auc",
    ),
    (
        "classification metric on a regression label",
        lambda: baselines(FLOATS, FLOATS, metric="roc_auc"),
        MlnbValueError,
        r"metric 'roc_auc' fits task 'binary', but these labels are regression; "
        r"for task='regression' pick one of mae, rmse",
    ),
    (
        "log loss on a regression label names both tasks it fits",
        lambda: baselines(FLOATS, FLOATS, metric="log_loss"),
        MlnbValueError,
        r"metric 'log_loss' fits task 'binary' or 'multiclass', but these labels "
        r"are regression",
    ),
    (
        "positive_label on a regression label",
        lambda: baselines(FLOATS, FLOATS, positive_label=1),
        MlnbValueError,
        r"positive_label=1 applies to a binary task, but the task is regression; "
        r"drop positive_label",
    ),
    (
        "positive_label on a multiclass task",
        lambda: baselines([0, 1, 2], [0, 1, 2], task="multiclass", positive_label=1),
        MlnbValueError,
        r"the task is multiclass; drop positive_label, or pass task='binary'",
    ),
    (
        "a label with one class",
        lambda: baselines([1, 1, 1], [1, 1]),
        DataValidationError,
        r"the labels have a single class \(1 in y_train and y_test\).*Check the "
        r"label column or the split",
    ),
    (
        "one class in y_train",
        lambda: baselines([0, 0, 0], [0, 1]),
        DataValidationError,
        r"y_train has a single class.*stratify=y",
    ),
    (
        "NaN in labels",
        lambda: baselines([0.0, 1.0, np.nan], [0.0, 1.0]),
        DataValidationError,
        r"y_train has 1 missing values \(NaN/None\).*Drop those rows",
    ),
    (
        "None in labels",
        lambda: baselines(["a", "b"], ["a", None]),
        DataValidationError,
        r"y_test has 1 missing values.*Drop those rows",
    ),
    (
        "inf in labels",
        lambda: baselines([0.5, np.inf, 2.5], [1.5, 2.5]),
        DataValidationError,
        r"y_train has 1 infinite values.*np.isinf\(y_train\)",
    ),
    (
        "empty y_test",
        lambda: baselines([0, 1], []),
        DataValidationError,
        r"y_test is empty; need at least one labelled row",
    ),
    (
        "mismatched X and y",
        lambda: baselines(
            Y01,
            Y01,
            X_train=pd.DataFrame({"a": range(5)}),
            X_test=pd.DataFrame({"a": range(6)}),
        ),
        MlnbValueError,
        r"X_train has 5 rows but y_train has 6; pass the features of the same rows",
    ),
    (
        "X_test without X_train",
        lambda: baselines(Y01, Y01, X_test=pd.DataFrame({"a": range(6)})),
        MlnbValueError,
        r"X_train is missing: pass both X_train and X_test",
    ),
    (
        "X columns differ",
        lambda: baselines(
            Y01,
            Y01,
            X_train=pd.DataFrame({"a": range(6)}),
            X_test=pd.DataFrame({"b": range(6)}),
        ),
        MlnbValueError,
        r"X_train and X_test must have the same columns.*only in X_train: 'a'",
    ),
    (
        "features all missing",
        lambda: baselines(Y01, Y01, X_train=_df_missing(), X_test=_df_missing()),
        DataValidationError,
        r"every feature of X_train is missing in every row \('a', 'b'\).*Check how",
    ),
    (
        "huge-cardinality string label",
        lambda: baselines([f"id{i}" for i in range(500)], ["id1", "id2"]),
        DataValidationError,
        r"more than 100 distinct values.*an id or free text\?.*task='regression'",
    ),
    (
        "huge-cardinality multiclass label",
        lambda: baselines(np.arange(500), np.arange(3), task="multiclass"),
        DataValidationError,
        r"y_train has 500 distinct values, more than 100.*an id.*task='regression'",
    ),
    (
        "non-integer numbers as classes",
        lambda: baselines(FLOATS, FLOATS, task="multiclass"),
        DataValidationError,
        r"y_train holds non-integer numbers.*pass task='regression'",
    ),
    (
        "strings for regression",
        lambda: baselines(["a", "b"], ["a", "b"], task="regression"),
        DataValidationError,
        r"y_train must be numbers for a regression task.*task='binary'",
    ),
    (
        "string labels without positive_label",
        lambda: baselines(["no", "yes", "no"], ["yes", "no"]),
        MlnbValueError,
        r"say which one is the positive class with positive_label=\.\.\., e.g. "
        r"positive_label='yes'",
    ),
    (
        "binary with three classes",
        lambda: baselines([0, 1, 2], [0, 1], task="binary"),
        DataValidationError,
        r"task='binary' but the labels have 3 classes.*pass positive_label=",
    ),
    (
        "positive_label that does not occur",
        lambda: baselines(Y01, Y01, positive_label=7),
        MlnbValueError,
        r"positive_label=7 does not occur in y_train or y_test; the labels are "
        r"\[0, 1\]",
    ),
    (
        "unknown task",
        lambda: baselines(Y01, Y01, task="classification"),
        MlnbValueError,
        r"task must be one of 'binary', 'multiclass', 'regression' or None",
    ),
    (
        "sample_weight of another length",
        lambda: baselines(Y01, Y01, sample_weight=[1.0, 2.0]),
        MlnbValueError,
        r"sample_weight has 2 values but the data has 6 rows; pass one weight",
    ),
    (
        "negative train_weight",
        lambda: baselines(Y01, Y01, train_weight=[-1.0] * 6),
        DataValidationError,
        r"train_weight contains 6 negative values; weights must be >= 0",
    ),
    (
        "labels given as a table",
        lambda: baselines(pd.DataFrame({"y": Y01}), Y01),
        MlnbValueError,
        r"y_train is a table \(DataFrame\); pass the label column itself",
    ),
    (
        "labels None",
        lambda: baselines(None, Y01),
        MlnbValueError,
        r"y_train is None; pass the labels",
    ),
    (
        "bad random_state",
        lambda: baselines(Y01, Y01, random_state=-1),
        MlnbValueError,
        r"random_state must be None or an int in \[0, 2\*\*32\)",
    ),
    (
        "progress not a bool",
        lambda: baselines(Y01, Y01, progress="yes"),
        MlnbValueError,
        r"progress must be True or False; got 'yes'",
    ),
    (
        "descriptive metric",
        lambda: baselines(Y01, Y01, metric="label_rate"),
        MlnbValueError,
        r"'label_rate' describes the data.*pick one of",
    ),
    (
        "2-D labels",
        lambda: baselines(np.zeros((3, 2)), Y01),
        MlnbValueError,
        r"y_train must be one-dimensional",
    ),
]


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [c[1:] for c in BASELINE_CASES],
    ids=[c[0] for c in BASELINE_CASES],
)
def test_baselines_bad_input(call, error, pattern):
    with pytest.raises(error, match=pattern) as info:
        call()
    assert isinstance(info.value, MlnbError)


def test_result_accessors_bad_input():
    r = baselines(Y01, Y01, publish=False)
    with pytest.raises(MlnbValueError, match=r"no baseline called 'mode'; the "):
        r.score("mode")
    with pytest.raises(MlnbValueError, match=r"metric 'mae' was not scored; the "):
        r.best("mae")
    with pytest.raises(MlnbValueError, match=r"kind must be 'trivial', 'model'"):
        r.best(kind="simple")
    with pytest.raises(MlnbValueError, match=r"no model baseline has a defined"):
        r.best(kind="model")
    with pytest.raises(MlnbValueError, match="the status record of mlnb.goal"):
        goal_module.Goal.from_record(r.record())


# -- the same numbers as plain ---------------------------------------------------------

RNG = np.random.default_rng(0)
YTR = RNG.integers(0, 2, 400)
YTE = RNG.integers(0, 2, 150)


def frame_of(r):
    return r.to_frame()[["name", "metric", "score"]].reset_index(drop=True)


def plain():
    return frame_of(baselines(YTR, YTE, publish=False))


def test_same_numbers_polars():
    pl = pytest.importorskip("polars")
    got = frame_of(baselines(pl.Series(YTR), pl.Series(YTE), publish=False))
    pd.testing.assert_frame_equal(got, plain())


def test_same_numbers_pyarrow():
    pa = pytest.importorskip("pyarrow")
    got = frame_of(baselines(pa.array(YTR), pa.chunked_array([YTE]), publish=False))
    pd.testing.assert_frame_equal(got, plain())


@pytest.mark.parametrize("dtype", ["Int64", "Int32", "Float64", "boolean"])
def test_same_numbers_nullable(dtype):
    if dtype == "boolean":
        a, b = (
            pd.Series(YTR.astype(bool), dtype=dtype),
            pd.Series(YTE.astype(bool), dtype=dtype),
        )
        ref = frame_of(baselines(YTR.astype(bool), YTE.astype(bool), publish=False))
    else:
        a, b = pd.Series(YTR, dtype=dtype), pd.Series(YTE, dtype=dtype)
        ref = plain()
    pd.testing.assert_frame_equal(frame_of(baselines(a, b, publish=False)), ref)


def test_nullable_with_missing_raises():
    a = pd.Series([0, 1, None], dtype="Int64")
    with pytest.raises(DataValidationError, match="y_train has 1 missing"):
        baselines(a, [0, 1])


@pytest.mark.parametrize("dtype", ["string", "category", "object"])
def test_same_numbers_string_like(dtype):
    names = np.array(["no", "yes"], dtype=object)
    a = pd.Series(names[YTR], dtype=dtype)
    b = pd.Series(names[YTE], dtype=dtype)
    got = frame_of(baselines(a, b, positive_label="yes", publish=False))
    pd.testing.assert_frame_equal(got, plain())


def _features(n, seed):
    rng = np.random.default_rng(seed)
    return {
        "num": rng.normal(size=n),
        "cat": rng.choice(["a", "b", "c"], n),
    }


@pytest.mark.parametrize("names", [("num", "cat"), (0, 1), (("x", 1), ("x", 2))])
def test_same_numbers_for_column_names(names):
    ftr, fte = _features(400, 1), _features(150, 2)
    ref = frame_of(
        baselines(
            YTR, YTE, X_train=pd.DataFrame(ftr), X_test=pd.DataFrame(fte), publish=False
        )
    )

    def renamed(f):
        df = pd.DataFrame({"num": f["num"], "cat": f["cat"]})
        df.columns = pd.Index(list(names), tupleize_cols=False)
        return df

    r = baselines(YTR, YTE, X_train=renamed(ftr), X_test=renamed(fte), publish=False)
    pd.testing.assert_frame_equal(frame_of(r), ref)
    assert r.one_feature in names


def test_same_numbers_for_polars_and_pyarrow_features():
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    ftr, fte = _features(400, 1), _features(150, 2)
    ref = frame_of(
        baselines(
            YTR, YTE, X_train=pd.DataFrame(ftr), X_test=pd.DataFrame(fte), publish=False
        )
    )
    r = baselines(
        YTR, YTE, X_train=pl.DataFrame(ftr), X_test=pa.table(fte), publish=False
    )
    pd.testing.assert_frame_equal(frame_of(r), ref)
    r = baselines(YTR, YTE, X_train=ftr, X_test=fte, publish=False)  # dict of arrays
    pd.testing.assert_frame_equal(frame_of(r), ref)
