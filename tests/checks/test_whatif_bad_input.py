"""The What-If computations under bad input, table-driven: each case asserts the
error type and that the message names the argument (or column) and the fix."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

from mlnb.checks.whatif import (
    fair_thresholds,
    nearest_counterfactual,
    partial_dependence,
)
from mlnb.errors import DataValidationError, MlnbError, MlnbValueError, PredictionError

RNG = np.random.default_rng(13)
N = 200
Y = (RNG.random(N) < 0.4).astype(int)
S = np.clip(0.3 * Y + RNG.uniform(0, 0.7, N), 0, 1)
G = np.where(RNG.random(N) < 0.5, "a", "b")
X = pd.DataFrame(
    {
        "a": RNG.normal(size=N),
        "b": RNG.uniform(0, 10, N),
        "c": RNG.integers(0, 3, N).astype(float),
    }
)
YX = (X["a"] + 0.2 * X["b"] > 1).astype(int)
MODEL = LogisticRegression().fit(X, YX)
REG = LinearRegression().fit(X, X["b"])
LABELS = YX.to_numpy()


def _with(a, i, v):
    a = np.array(a, dtype=float if isinstance(v, float) else object)
    a[i] = v
    return a


def _ft(*args, **kw):
    kw.setdefault("publish", False)
    if not args:
        args = (Y, S, G)
    return lambda: fair_thresholds(*args, **kw)


def _at(arg):
    r = fair_thresholds(Y, S, G, publish=False)
    return lambda: r.at(arg)


def _cf(model=MODEL, data=X, index=0, **kw):
    return lambda: nearest_counterfactual(model, data, index, **kw)


def _pd(model=MODEL, data=X, feature="a", **kw):
    return lambda: partial_dependence(model, data, feature, **kw)


def _raises(rows):
    raise RuntimeError("model server down")


def _labels(rows):
    return np.where(rows["a"].to_numpy() > 0, "yes", "no")


def _wrong_rows(rows):
    return np.full(len(rows) + 1, 0.5)


def _nan_out(rows):
    out = np.full(len(rows), 0.5)
    out[0] = np.nan
    return out


def _zero_one(rows):
    return (rows["a"].to_numpy() > 0).astype(float)


def _dist_raises(row, rows):
    raise KeyError("nope")


def _dist_short(row, rows):
    return np.zeros(3)


NAN_X = X.assign(a=_with(X["a"], 5, np.nan))
DUP = X.set_axis([0] * N)
INT_NAMES = X.set_axis([0, 1, 2], axis=1)
TUPLES = X.set_axis(pd.MultiIndex.from_tuples([("f", 1), ("f", 2), ("g", 1)]), axis=1)
FLAT = pd.DataFrame({"a": np.r_[np.zeros(1000), np.arange(1.0, 31.0)], "b": 1.0})
FLAT_MODEL = LogisticRegression().fit(FLAT, np.r_[np.zeros(1020), np.ones(10)])
CAT_X = X.assign(k=pd.Categorical(np.where(X["a"] > 0, "u", "v")))
Y_NO_POS_IN_B = np.where(G == "b", 0, Y)

# (id, call, error type, regexes the message must match)
CASES = [
    # -- fair_thresholds -----------------------------------------------------------
    ("ft y None", _ft(None, S, G), MlnbValueError, [r"y_true", r"None"]),
    ("ft y NaN", _ft(_with(Y, 2, np.nan), S, G), DataValidationError,
     [r"y_true", r"missing", r"dropna"]),
    ("ft y one class", _ft(np.ones(N, int), S, G), DataValidationError,
     [r"y_true", r"class"]),
    ("ft y three classes", _ft(np.arange(N) % 3, S, G), DataValidationError,
     [r"y_true", r"3 classes", r"positive_label"]),
    ("ft y text without positive_label", _ft(np.where(Y, "x", "z"), S, G),
     MlnbValueError, [r"y_true", r"positive_label="]),
    ("ft score NaN", _ft(Y, _with(S, 7, np.nan), G), DataValidationError,
     [r"y_score", r"NaN", r"position 7", r"[Dd]rop"]),
    ("ft score inf", _ft(Y, _with(S, 7, np.inf), G), DataValidationError,
     [r"y_score", r"infinite", r"isinf"]),
    ("ft score 2-d proba", _ft(Y, np.c_[1 - S, S], G), MlnbValueError,
     [r"y_score", r"one-dimensional", r"proba\[:, 1\]"]),
    ("ft score text", _ft(Y, np.array(["hi"] * N), G), DataValidationError,
     [r"y_score", r"numeric", r"predict_proba"]),
    ("ft score short", _ft(Y, S[:-1], G), MlnbValueError,
     [r"y_score has 199", r"one score per row"]),
    ("ft one group", _ft(Y, S, np.full(N, "a")), DataValidationError,
     [r"groups", r"single group", r"at least two", r"mlnb.thresholds"]),
    ("ft groups missing", _ft(Y, S, _with(G, 4, None)), DataValidationError,
     [r"groups", r"missing", r"position 4", r"fillna"]),
    ("ft groups short", _ft(Y, S, G[:10]), MlnbValueError,
     [r"groups has 10", r"one group"]),
    ("ft strategy", _ft(strategy="parity"), MlnbValueError,
     [r"strategy", r"'demographic_parity'", r"'parity'"]),
    ("ft cost_ratio 0", _ft(cost_ratio=0), MlnbValueError,
     [r"cost_ratio", r"> 0", r"false positive"]),
    ("ft cost_ratio nan", _ft(cost_ratio=float("nan")), MlnbValueError,
     [r"cost_ratio", r"finite"]),
    ("ft cost_ratio text", _ft(cost_ratio="2"), MlnbValueError, [r"cost_ratio"]),
    ("ft grid 1", _ft(grid=1), MlnbValueError, [r"grid", r">= 2"]),
    ("ft grid NaN", _ft(grid=[0.1, np.nan, 0.5]), MlnbValueError,
     [r"grid", r"finite", r"linspace"]),
    ("ft grid text", _ft(grid=["low", "high"]), MlnbValueError,
     [r"grid must be", r"thresholds"]),
    ("ft weights negative", _ft(sample_weight=_with(np.ones(N), 3, -1.0)),
     DataValidationError, [r"sample_weight", r"negative", r">= 0"]),
    ("ft weights zero group",
     _ft(sample_weight=np.where(G == "a", 0.0, 1.0)), DataValidationError,
     [r"groups \['a'\]", r"zero total sample_weight"]),
    ("ft opportunity without positives",
     _ft(Y_NO_POS_IN_B, S, G, strategy="equal_opportunity"), DataValidationError,
     [r"\['b'\]", r"no positive labels", r"demographic_parity"]),
    ("ft publish", _ft(publish="yes"), MlnbValueError, [r"publish", r"True or False"]),
    ("ft at missing group", _at({"a": 0.5}), MlnbValueError,
     [r"no value for group 'b'", r"one per group"]),
    ("ft at unknown group", _at({"a": 0.5, "b": 0.5, "z": 1}), MlnbValueError,
     [r"'z'", r"do not exist"]),
    ("ft at text", _at("0.5"), MlnbValueError, [r"thresholds must be a number"]),
    # -- nearest_counterfactual ----------------------------------------------------
    ("cf X None", _cf(data=None), MlnbValueError, [r"\bX\b", r"None", r"table"]),
    ("cf X numpy", _cf(data=X.to_numpy()), MlnbValueError,
     [r"\bX\b", r"pandas.DataFrame\(array\)"]),
    ("cf X empty", _cf(data=X.iloc[:0]), DataValidationError, [r"\bX\b", r"no rows"]),
    ("cf index out of range", _cf(index=10_000), MlnbValueError,
     [r"index=10000", r"not a row label", r"X.index\[p\]"]),
    ("cf index duplicated", _cf(data=DUP, index=0, predictions=LABELS), MlnbValueError,
     [r"index=0", r"several rows", r"reset_index"]),
    ("cf unknown feature", _cf(features=["a", "zzz"]), MlnbValueError,
     [r"features column 'zzz'", r"columns are: 'a', 'b', 'c'"]),
    ("cf int name as text", _cf(data=INT_NAMES, features=["0"], predictions=LABELS),
     MlnbValueError, [r"'0'", r"column 0 of type int", r"features=0"]),
    ("cf unknown tuple name",
     _cf(data=TUPLES, features=[("f", 9)], predictions=LABELS), MlnbValueError,
     [r"\('f', 9\)", r"\('f', 1\)"]),
    ("cf distance", _cf(distance="cosine"), MlnbValueError,
     [r"distance", r"'l1', 'l2'", r"'cosine'"]),
    ("cf threshold", _cf(threshold="high"), MlnbValueError,
     [r"threshold", r"finite number"]),
    ("cf predictions short", _cf(predictions=[0, 1, 1]), MlnbValueError,
     [r"predictions has 3", r"X has 200", r"every row|one prediction"]),
    ("cf predictions NaN", _cf(predictions=_with(S, 1, np.nan)), DataValidationError,
     [r"predictions", r"NaN", r"finite"]),
    ("cf all same prediction", _cf(predictions=np.zeros(N, int)), DataValidationError,
     [r"same prediction", r"threshold"]),
    ("cf regression without threshold", _cf(model=REG), MlnbValueError,
     [r"regression", r"threshold="]),
    ("cf no model no predictions", _cf(model=None), MlnbValueError,
     [r"model is None", r"predictions="]),
    ("cf unfitted", _cf(model=LogisticRegression()), MlnbValueError,
     [r"model", r"not fitted", r"\.fit\("]),
    ("cf model raises", _cf(model=_raises), PredictionError,
     [r"model", r"RuntimeError", r"model server down"]),
    ("cf model labels", _cf(model=_labels), MlnbValueError,
     [r"model", r"labels", r"probabilities"]),
    ("cf model wrong rows", _cf(model=_wrong_rows), MlnbValueError,
     [r"model", r"201 rows", r"one\s+prediction per row"]),
    ("cf model NaN", _cf(model=_nan_out), DataValidationError,
     [r"model", r"NaN"]),
    ("cf model 0/1", _cf(model=_zero_one), MlnbValueError,
     [r"model", r"only 0 and 1", r"predict_proba"]),
    ("cf NaN feature", _cf(data=NAN_X, predictions=LABELS), DataValidationError,
     [r"feature 'a'", r"missing", r"fillna", r"features="]),
    ("cf distance raises", _cf(distance=_dist_raises, predictions=LABELS),
     MlnbValueError, [r"_dist_raises", r"KeyError", r"f\(row, rows\)"]),
    ("cf distance short", _cf(distance=_dist_short, predictions=LABELS),
     MlnbValueError, [r"3 values for 200", r"one distance per row"]),
    # -- partial_dependence --------------------------------------------------------
    ("pd X None", _pd(data=None), MlnbValueError, [r"\bX\b", r"None"]),
    ("pd unknown feature", _pd(feature="zzz"), MlnbValueError,
     [r"feature column 'zzz'", r"columns are"]),
    ("pd int name as text", _pd(data=INT_NAMES, feature="1"), MlnbValueError,
     [r"'1'", r"column 1 of type int", r"feature=1"]),
    ("pd tuple name unknown", _pd(data=TUPLES, feature=("g", 2)), MlnbValueError,
     [r"\('g', 2\)", r"\('g', 1\)"]),
    ("pd kind", _pd(kind="ice"), MlnbValueError, [r"kind", r"'individual'"]),
    ("pd grid_resolution", _pd(grid_resolution=1), MlnbValueError,
     [r"grid_resolution", r">= 2"]),
    ("pd percentiles", _pd(percentiles=(0.9, 0.1)), MlnbValueError,
     [r"percentiles", r"low < high"]),
    ("pd max_rows", _pd(max_rows=0), MlnbValueError, [r"max_rows", r">= 1"]),
    ("pd progress", _pd(progress="yes"), MlnbValueError, [r"progress"]),
    ("pd NaN feature", _pd(data=NAN_X), DataValidationError,
     [r"feature 'a'", r"missing", r"grid="]),
    ("pd grid text for numbers", _pd(grid=["x", "y"]), MlnbValueError,
     [r"feature 'a' is numeric", r"numbers"]),
    ("pd grid empty", _pd(grid=[]), MlnbValueError, [r"grid is empty"]),
    ("pd grid scalar", _pd(grid=3), MlnbValueError, [r"grid must be a list"]),
    ("pd grid unknown category", _pd(data=CAT_X, feature="k", grid=["u", "zz"]),
     MlnbValueError, [r"\['zz'\]", r"feature 'k'", r"add_categories"]),
    ("pd percentiles too close", _pd(model=FLAT_MODEL, data=FLAT), DataValidationError,
     [r"feature 'a'", r"percentiles", r"further apart"]),
    ("pd unfitted", _pd(model=LogisticRegression()), MlnbValueError,
     [r"not fitted", r"\.fit\("]),
    ("pd model raises", _pd(model=_raises), PredictionError,
     [r"model", r"model server down"]),
    ("pd model labels", _pd(model=_labels), MlnbValueError, [r"model", r"labels"]),
    ("pd model wrong rows", _pd(model=_wrong_rows), MlnbValueError,
     [r"model", r"one\s+prediction per row"]),
    ("pd not a model", _pd(model="LogisticRegression"), MlnbValueError,
     [r"model must be a fitted model", r"not its predictions"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("call", "error", "patterns"),
    [pytest.param(c, e, p, id=i) for i, c, e, p in CASES],
)
def test_bad_input_raises_a_clear_error(call, error, patterns):
    with pytest.raises(error) as info:
        call()
    assert isinstance(info.value, MlnbError)
    message = str(info.value)
    for pattern in patterns:
        assert re.search(pattern, message), (pattern, message)


def test_the_models_error_is_the_cause():
    with pytest.raises(PredictionError) as info:
        partial_dependence(_raises, X, "a")
    assert isinstance(info.value.__cause__, RuntimeError)
