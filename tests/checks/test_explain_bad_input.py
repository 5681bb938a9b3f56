"""mlnb.explain: every bad input raises an MlnbError that names the argument and
the fix; other table types and column names give the same numbers as plain
pandas input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import PCA
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline

from mlnb.checks.explainability import explain
from mlnb.errors import DataValidationError, MlnbError, MlnbValueError, PredictionError


def frame(n=60, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.normal(size=(n, 3)), columns=["a", "b", "c"])


def labels(n=60):
    return (frame(n)["a"] > 0).astype(int)


def fitted_logistic():
    return LogisticRegression().fit(frame(), labels())


def fitted_pca():
    return make_pipeline(PCA(2), LogisticRegression()).fit(frame(), labels())


def raising(df):
    raise RuntimeError("the service is down")


def with_nan():
    X = frame()
    X.loc[3, "b"] = np.nan
    return X


CASES = [
    # (id, model builder, X builder, keyword arguments, error type, pattern)
    (
        "unfitted model",
        LogisticRegression,
        frame,
        {},
        MlnbValueError,
        r"model \(LogisticRegression\) is not fitted: call model\.fit\(X, y\)",
    ),
    (
        "NaN in X",
        fitted_logistic,
        with_nan,
        {},
        DataValidationError,
        r"X has missing values .* 'b'.*impute them",
    ),
    (
        "NaN in background",
        fitted_logistic,
        frame,
        {"background": with_nan()},
        DataValidationError,
        r"background has missing values .* 'b'.*impute",
    ),
    (
        "unknown method",
        fitted_logistic,
        frame,
        {"method": "shapley"},
        MlnbValueError,
        r"method must be 'auto' or one of 'linear', 'tree', 'sampling', "
        r"'gradients'; got 'shapley'",
    ),
    (
        "tree for a linear model",
        fitted_logistic,
        frame,
        {"method": "tree"},
        MlnbValueError,
        r"method='tree' needs a tree ensemble.*LogisticRegression — use "
        r"method='linear' or method='auto'",
    ),
    (
        "gradients for a scikit-learn model",
        fitted_logistic,
        frame,
        {"method": "gradients"},
        MlnbValueError,
        r"method='gradients' needs a Keras model.*use method='linear'",
    ),
    (
        "linear through a mixing pipeline",
        fitted_pca,
        frame,
        {"method": "linear"},
        MlnbValueError,
        r"method='linear' cannot explain this model: .*PCA.*use method='sampling'",
    ),
    (
        "linear for a predict function",
        lambda: lambda df: df["a"].to_numpy(),
        frame,
        {"method": "linear"},
        MlnbValueError,
        r"method='linear' needs a scikit-learn linear model.*method='sampling'",
    ),
    (
        "background with other columns",
        fitted_logistic,
        frame,
        {"background": frame().rename(columns={"c": "d"})},
        MlnbValueError,
        r"background must have the columns of X; missing 'c'; unexpected 'd'.*pass "
        r"rows of the same table",
    ),
    (
        "empty X",
        fitted_logistic,
        lambda: frame().iloc[:0],
        {},
        MlnbValueError,
        r"X is empty \(0 rows, 3 columns\); pass the feature rows",
    ),
    (
        "X not a table",
        fitted_logistic,
        lambda: [[1, 2, 3]],
        {},
        MlnbValueError,
        r"X must be a table of feature rows .*got list",
    ),
    (
        "predict function that raises",
        lambda: raising,
        frame,
        {},
        PredictionError,
        r"model \(raising\) raised RuntimeError .*the service is down.*Fix the model",
    ),
    (
        "predict function of the wrong shape",
        lambda: lambda df: np.zeros(3),
        frame,
        {},
        MlnbValueError,
        r"model returned 3 rows for 60 input rows; a model must return one",
    ),
    (
        "n_permutations zero",
        fitted_logistic,
        frame,
        {"n_permutations": 0},
        MlnbValueError,
        r"n_permutations must be ≥ 2; got 0",
    ),
    (
        "max_rows not an integer",
        fitted_logistic,
        frame,
        {"max_rows": 10.5},
        MlnbValueError,
        r"max_rows must be an integer ≥ 1; got 10\.5",
    ),
    (
        "unknown integral",
        fitted_logistic,
        frame,
        {"integral": "simpson"},
        MlnbValueError,
        r"integral must be 'trapezoid', 'left', 'right' or 'midpoint'; got 'simpson'",
    ),
]


@pytest.mark.parametrize(
    "make_model,make_X,kwargs,error,pattern",
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_bad_input(make_model, make_X, kwargs, error, pattern):
    with pytest.raises(error, match=pattern) as info:
        explain(make_model(), make_X(), progress=False, publish=False, **kwargs)
    assert isinstance(info.value, MlnbError)


def test_result_accessors_name_the_argument():
    e = explain(fitted_logistic(), frame(), progress=False, publish=False)
    with pytest.raises(MlnbValueError, match=r"i must be a row position 0\.\.59"):
        e.local_frame(60)
    with pytest.raises(MlnbValueError, match=r"i must be a row position"):
        e.example("a")
    with pytest.raises(MlnbValueError, match=r"class_values\(cls\) is for a multi"):
        e.class_values(1)


# -- same numbers whatever the table -----------------------------------------------


def plain():
    X = frame(40)
    X["d"] = np.arange(40) % 3
    return X


def nonlinear(df):
    v = df.to_numpy(dtype=float)
    return v[:, 0] * v[:, 1] + np.sin(v[:, 2]) + v[:, 3]


def renamed(names):
    def make():
        X = plain()
        X.columns = pd.Index(names, tupleize_cols=False)
        return X

    return make


def polars_frame():
    pl = pytest.importorskip("polars")
    return pl.from_pandas(plain())


def arrow_table():
    pa = pytest.importorskip("pyarrow")
    return pa.Table.from_pandas(plain(), preserve_index=False)


def nullable():
    X = plain()
    X["d"] = X["d"].astype("Int64")
    return X


SAME = [
    ("int names", renamed([0, 1, 2, 3])),
    ("tuple names", renamed([("x", 1), ("x", 2), ("y", 1), ("y", 2)])),
    ("polars", polars_frame),
    ("pyarrow", arrow_table),
    ("nullable Int64", nullable),
    ("dict of columns", lambda: {k: v.to_numpy() for k, v in plain().items()}),
]


@pytest.mark.parametrize("make", [s[1] for s in SAME], ids=[s[0] for s in SAME])
def test_same_numbers_as_plain_pandas(make):
    ref = explain(nonlinear, plain(), n_permutations=16, progress=False, publish=False)
    got = explain(nonlinear, make(), n_permutations=16, progress=False, publish=False)
    assert got.method == ref.method == "sampling"
    np.testing.assert_allclose(got.values, ref.values, rtol=1e-12)
    np.testing.assert_allclose(got.standard_errors, ref.standard_errors, rtol=1e-12)
    assert len(got.feature_names) == 4


@pytest.mark.parametrize(
    "names", [[0, 1, 2, 3], [("x", 1), ("x", 2), ("y", 1), ("y", 2)]]
)
def test_linear_with_int_and_tuple_names(names):
    X = plain()
    model = LinearRegression().fit(X.to_numpy(), nonlinear(X))
    ref = explain(model, X.to_numpy(), progress=False, publish=False)
    other = X.copy()
    other.columns = pd.Index(names, tupleize_cols=False)
    got = explain(model, other, progress=False, publish=False)
    assert got.method == "linear"
    np.testing.assert_allclose(got.values, ref.values, rtol=1e-12)
    assert list(got.importance.index) == [
        names[list(ref.feature_names).index(f)] for f in ref.importance.index
    ]
