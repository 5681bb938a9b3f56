"""``mlnb.diagnose`` under bad and unusual input, table-driven.

Each bad case asserts the error type and that the message names the argument (or
value) and the fix. Legitimate unusual inputs — polars, pyarrow, pandas nullable
dtypes, integer and tuple column names, numpy arrays — give the same numbers as
the plain pandas equivalent.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import make_pipeline

import mlnb
from mlnb.errors import DataValidationError, MlnbValueError


@pytest.fixture(autouse=True)
def _one_thread():
    """Histogram gradient boosting's OpenMP threads spin for seconds on a shared,
    oversubscribed CI machine; one thread keeps these small fits fast."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


RNG = np.random.default_rng(12)
N = 120
X = pd.DataFrame(
    {"a": RNG.normal(size=N), "b": RNG.normal(size=N), "c": RNG.normal(size=N)}
)
Y = (X["a"] + RNG.normal(scale=0.8, size=N) > 0).astype(int).to_numpy()
LR = LogisticRegression()


def _diag(estimator=LR, X=X, y=Y, **kw):
    kw.setdefault("publish", False)
    kw.setdefault("progress", False)
    kw.setdefault("families", ())
    kw.setdefault("ablate", ())
    return lambda: mlnb.diagnose(estimator, X, y, **kw)


class KerasLike:
    """Has fit and predict but no get_params, like a Keras model."""

    def fit(self, X, y):
        return self

    def predict(self, X):
        return np.zeros(len(X))


KerasLike.__module__ = "keras.src.models.model"


class NoPredict:
    def fit(self, X, y):
        return self

    def get_params(self, deep=True):
        return {}


def _rare_class_y():
    y = np.zeros(N, dtype=int)
    y[:3] = 1
    return y


def _with(y, i, v):
    y = y.astype(float).copy()
    y[i] = v
    return y


CASES = [
    ("not an estimator", _diag(estimator=object()), MlnbValueError,
     [r"estimator", r"scikit-learn", r"Pipeline"]),
    ("estimator class", _diag(estimator=LogisticRegression), MlnbValueError,
     [r"instance", r"LogisticRegression\(\)"]),
    ("keras model", _diag(estimator=KerasLike()), MlnbValueError,
     [r"cloned", r"scikeras"]),
    ("no predict", _diag(estimator=NoPredict()), MlnbValueError,
     [r"predict", r"scikit-learn estimator"]),
    ("length mismatch", _diag(y=Y[:-1]), MlnbValueError,
     [r"X has 120 rows", r"y has 119", r"same rows"]),
    ("one class", _diag(y=np.ones(N, dtype=int)), DataValidationError,
     [r"single class", r"at least two"]),
    ("NaN in y", _diag(y=_with(Y, 5, np.nan)), DataValidationError,
     [r"\by\b", r"missing", r"position 5", r"notna"]),
    ("None in y", _diag(y=np.array([0, 1, None] * 40, dtype=object)),
     DataValidationError, [r"missing", r"position 2"]),
    ("inf in y", _diag(y=_with(Y, 7, np.inf)), DataValidationError,
     [r"infinite", r"isinf"]),
    ("unknown scoring", _diag(scoring="roc"), MlnbValueError,
     [r"scoring='roc'", r"roc_auc", r"get_scorer_names"]),
    ("scoring wrong type", _diag(scoring=3), MlnbValueError,
     [r"scoring must be", r"callable"]),
    ("scoring for another task", _diag(scoring="rmse"), MlnbValueError,
     [r"rmse", r"regression", r"binary", r"roc_auc"]),
    ("cv above a class count", _diag(y=_rare_class_y()), MlnbValueError,
     [r"cv=5", r"class 1 has 3", r"cv=3"]),
    ("cv 1", _diag(cv=1), MlnbValueError, [r"cv must be a whole number >= 2"]),
    ("cv needs groups", _diag(cv=GroupKFold(3)),
     MlnbValueError, [r"groups", r"list\(GroupKFold"]),
    ("cv string", _diag(cv="five"), MlnbValueError, [r"cv must be", r"splitter"]),
    ("cv above rows", _diag(X=X.iloc[:4], y=Y[:4], cv=5), MlnbValueError,
     [r"cv=5", r"only 4 rows"]),
    ("X_valid alone", _diag(X_valid=X), MlnbValueError,
     [r"X_valid was given without y_valid", r"both"]),
    ("y_valid alone", _diag(y_valid=Y), MlnbValueError,
     [r"y_valid was given without X_valid"]),
    ("X_valid other columns", _diag(X_valid=X[["a"]], y_valid=Y), MlnbValueError,
     [r"X_valid has 1 columns", r"X has 3"]),
    ("X_valid length", _diag(X_valid=X, y_valid=Y[:10]), MlnbValueError,
     [r"X_valid has 120 rows", r"y_valid has 10"]),
    ("y_valid unseen class", _diag(X_valid=X, y_valid=np.full(N, 7)),
     DataValidationError, [r"y_valid holds classes", r"7"]),
    ("empty X", _diag(X=X.iloc[:0], y=Y[:0]), DataValidationError,
     [r"X is empty", r"0 rows"]),
    ("no columns", _diag(X=X[[]]), DataValidationError,
     [r"X is empty", r"0 columns"]),
    ("features all missing", _diag(X=X * np.nan), DataValidationError,
     [r"every value of X is missing"]),
    ("X 1-D", _diag(X=np.arange(N)), MlnbValueError, [r"2-D", r"reshape"]),
    ("X None", _diag(X=None), MlnbValueError, [r"X is None"]),
    ("y a table", _diag(y=pd.DataFrame({"y": Y})), MlnbValueError,
     [r"not a table", r"df\['label'\]"]),
    ("families string", _diag(families="linear"), MlnbValueError,
     [r"families must be a tuple", r"boosted"]),
    ("families unknown", _diag(families=("svm",)), MlnbValueError,
     [r"'svm'", r"linear, boosted, forest, knn"]),
    ("n_repeats 0", _diag(n_repeats=0), MlnbValueError, [r"n_repeats", r">= 1"]),
    ("random_state", _diag(random_state=-1), MlnbValueError,
     [r"random_state", r"2\*\*32"]),
    ("progress", _diag(progress="yes"), MlnbValueError, [r"progress must be"]),
    ("n_jobs 0", _diag(n_jobs=0), MlnbValueError, [r"n_jobs"]),
    ("train_sizes 0", _diag(train_sizes=[0.0, 0.5]), MlnbValueError,
     [r"train_sizes", r"\(0, 1\]"]),
    ("train_sizes too many rows", _diag(train_sizes=[10, 500]), MlnbValueError,
     [r"train_sizes", r"\[1, 96\]"]),
    ("train_sizes text", _diag(train_sizes=["a"]), MlnbValueError,
     [r"train_sizes must be"]),
    ("ablate unknown", _diag(ablate=["zzz"]), MlnbValueError,
     [r"ablate names feature 'zzz'", r"'a', 'b', 'c'"]),
    ("publish", _diag(publish=1), MlnbValueError, [r"publish must be"]),
]  # fmt: skip


@pytest.mark.parametrize(
    "call, error, patterns", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input(call, error, patterns):
    with pytest.raises(error) as info:
        call()
    assert isinstance(info.value, mlnb.MlnbError)
    for pattern in patterns:
        assert re.search(pattern, str(info.value)), (
            pattern,
            str(info.value),
        )


# -- same numbers as plain pandas ---------------------------------------------------

PLAIN = pd.DataFrame(
    {
        "a": X["a"].to_numpy(),
        "b": X["b"].to_numpy(),
        "n": RNG.integers(0, 5, N).astype(float),
    }
)
PLAIN.loc[[3, 17], "n"] = np.nan
EST = make_pipeline(SimpleImputer(), LogisticRegression())


def _numbers(d):
    lc = d.learning_curve.to_numpy(dtype=float)
    models = d.models[["valid_score", "valid_score_std", "train_score", "gain"]]
    imp = d.importance[["importance_mean", "importance_std", "ablation_gain"]]
    return lc, models.to_numpy(dtype=float), imp.to_numpy(dtype=float)


def _diagnose(X, y):
    return mlnb.diagnose(
        EST,
        X,
        y,
        families=("linear",),
        ablate=True,
        progress=False,
        publish=False,
    )


@pytest.fixture(scope="module")
def plain():
    return _numbers(_diagnose(PLAIN, Y))


def _nullable():
    df = PLAIN.copy()
    df["n"] = df["n"].astype("Int64")
    df["a"] = df["a"].astype("Float64")
    return df, pd.array(Y, dtype="Int64")


def _polars():
    pl = pytest.importorskip("polars")
    return pl.from_pandas(PLAIN), pl.Series("y", Y)


def _arrow():
    pa = pytest.importorskip("pyarrow")
    return pa.Table.from_pandas(PLAIN, preserve_index=False), pa.array(Y)


def _int_names():
    df = PLAIN.copy()
    df.columns = [0, 1, 2]
    return df, Y


def _tuple_names():
    df = PLAIN.copy()
    df.columns = [("x", "a"), ("x", "b"), ("y", 0)]
    return df, Y


def _dict():
    return {k: PLAIN[k].to_numpy() for k in PLAIN.columns}, list(Y)


def _numpy():
    return PLAIN.to_numpy(), Y


@pytest.mark.parametrize(
    "make",
    [_nullable, _polars, _arrow, _int_names, _tuple_names, _dict, _numpy],
    ids=["nullable", "polars", "pyarrow", "int names", "tuple names", "dict", "numpy"],
)
def test_same_numbers_as_plain(plain, make):
    Xo, yo = make()
    got = _numbers(_diagnose(Xo, yo))
    for a, b in zip(plain, got):
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12)


def test_string_labels_and_categorical_features():
    df = pd.DataFrame(
        {
            "x": X["a"].to_numpy(),
            "city": pd.Categorical(np.where(Y == 1, "p", "q")),
        }
    )
    labels = np.where(Y == 1, ">50K", "<=50K")
    from mlnb.checks import modeling

    est = modeling.pipeline("linear", df, task="binary")
    d = mlnb.diagnose(est, df, labels, families=(), progress=False, publish=False)
    assert d.task == "binary" and d.valid_score > 0.9


def test_a_feature_without_values_is_noted():
    df = X.copy()
    df["empty"] = np.nan
    est = make_pipeline(SimpleImputer(keep_empty_features=True), LogisticRegression())
    d = mlnb.diagnose(est, df, Y, families=(), progress=False, publish=False)
    assert any("'empty'" in n and "no value" in n for n in d.notes)
    assert "&#x27;empty&#x27;" in d._repr_html_()
