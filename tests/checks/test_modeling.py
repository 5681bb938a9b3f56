"""mlnb.checks.modeling: the pipelines steps 2 and 5 fit, against hand-built
scikit-learn pipelines."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from mlnb.checks import modeling
from mlnb.errors import MlnbValueError


@pytest.fixture(autouse=True)
def _one_thread():
    """Histogram gradient boosting's OpenMP threads spin for seconds on a shared,
    oversubscribed CI machine; one thread keeps these small fits fast."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


def frame(n=400, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.integers(0, 5, n),
            "c": rng.choice(["x", "y", "z"], n),
            "d": rng.random(n) < 0.3,
        }
    )
    X.loc[::9, "a"] = np.nan
    X.loc[::13, "c"] = None
    y = ((X["a"].fillna(0) + (X["c"] == "x") + rng.normal(size=n)) > 0.5).astype(int)
    return X, y.to_numpy()


def test_column_kinds_reads_the_dtypes():
    X = pd.DataFrame(
        {
            "f": [1.0, 2.0],
            "i": pd.array([1, None], dtype="Int64"),
            "b": [True, False],
            "nb": pd.array([True, None], dtype="boolean"),
            "s": ["a", "b"],
            "cat": pd.Categorical(["a", "b"]),
            "st": pd.array(["a", None], dtype="string"),
        }
    )
    assert modeling.column_kinds(X) == ([0, 1, 2, 3], [4, 5, 6])


@pytest.mark.parametrize(
    ("kind", "task", "cls"),
    [
        ("linear", "binary", LogisticRegression),
        ("linear", "regression", Ridge),
        ("boosted", "multiclass", HistGradientBoostingClassifier),
        ("boosted", "regression", HistGradientBoostingRegressor),
        ("forest", "binary", RandomForestClassifier),
        ("forest", "regression", RandomForestRegressor),
        ("knn", "binary", KNeighborsClassifier),
        ("knn", "regression", KNeighborsRegressor),
        ("dummy", "binary", DummyClassifier),
        ("dummy", "regression", DummyRegressor),
    ],
)
def test_model_kinds(kind, task, cls):
    assert type(modeling.model(kind, task=task, random_state=3)) is cls


def test_linear_pipeline_equals_the_hand_built_one():
    X, y = frame()
    ours = modeling.pipeline("linear", X, task="binary").fit(X, y)
    filled = X.copy()
    filled["c"] = filled["c"].fillna(modeling.MISSING_CATEGORY)
    hand = make_pipeline(
        ColumnTransformer(
            [
                (
                    "num",
                    make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
                    ["a", "b", "d"],
                ),
                ("cat", OneHotEncoder(handle_unknown="ignore"), ["c"]),
            ]
        ),
        LogisticRegression(max_iter=1000),
    )
    hand.fit(filled.astype({"d": float}), y)
    np.testing.assert_allclose(
        ours.predict_proba(X)[:, 1],
        hand.predict_proba(filled.astype({"d": float}))[:, 1],
        rtol=1e-6,
        atol=1e-8,
    )


def test_boosted_pipeline_equals_the_hand_built_one():
    X, y = frame()
    ours = modeling.pipeline("boosted", X, task="binary", random_state=1).fit(X, y)
    filled = X.copy()
    filled["c"] = filled["c"].fillna(modeling.MISSING_CATEGORY)
    codes = OrdinalEncoder().fit_transform(filled[["c"]])
    Xh = np.column_stack([filled[["a", "b"]].to_numpy(float), filled["d"], codes])
    hand = HistGradientBoostingClassifier(
        random_state=1, categorical_features=[False, False, False, True]
    ).fit(Xh, y)
    np.testing.assert_allclose(ours.predict_proba(X), hand.predict_proba(Xh))


@pytest.mark.parametrize("kind", modeling.KINDS)
@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_every_kind_fits_and_predicts_with_unknown_categories(kind, task):
    X, y = frame(200)
    if task == "multiclass":
        y = y + (X["b"].to_numpy() > 2)
    elif task == "regression":
        y = y + X["b"].to_numpy() * 0.5
    pipe = modeling.pipeline(kind, X, task=task).fit(X, y)
    new = X.head(5).copy()
    new["c"] = ["never", "seen", None, "x", "y"]
    assert pipe.predict(new).shape == (5,)


def test_one_hot_width_is_capped_for_id_like_strings():
    X = pd.DataFrame({"id": [f"u{i}" for i in range(500)], "v": np.arange(500.0)})
    pre = modeling.preprocessor(X).fit(X)
    assert pre.transform(X).shape[1] <= 1 + modeling.MAX_ONEHOT_CATEGORIES


def test_fitted_pipeline_pickles():
    X, y = frame()
    pipe = modeling.pipeline("boosted", X, task="binary").fit(X, y)
    again = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_array_equal(again.predict_proba(X), pipe.predict_proba(X))
    # in a fresh interpreter too
    import subprocess
    import sys

    code = (
        "import pickle, sys; p = pickle.loads(sys.stdin.buffer.read()); "
        "print(type(p.steps[0][1].steps[0][1]).__name__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        input=pickle.dumps(pipe),
        capture_output=True,
        check=True,
    )
    assert out.stdout.decode().strip() == "TableReader"


def _same_predictions(data, X, y, kind="linear"):
    plain = modeling.pipeline(kind, X, task="binary").fit(X, y)
    other = modeling.pipeline(kind, data, task="binary").fit(data, y)
    np.testing.assert_allclose(other.predict_proba(data), plain.predict_proba(X))


@pytest.mark.parametrize("kind", ["linear", "boosted"])
def test_polars_and_pyarrow_give_the_same_numbers(kind):
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    X, y = frame()
    _same_predictions(pl.from_pandas(X), X, y, kind)
    _same_predictions(pa.Table.from_pandas(X, preserve_index=False), X, y, kind)
    _same_predictions({k: X[k].to_numpy() for k in X.columns}, X, y, kind)


def test_nullable_dtypes_and_odd_names_give_the_same_numbers():
    X, y = frame()
    nullable = X.astype({"b": "Int64", "c": "string", "d": "boolean"})
    nullable.loc[::17, "b"] = pd.NA
    plain = X.copy()
    plain["b"] = plain["b"].astype(float)
    plain.loc[::17, "b"] = np.nan
    _same_predictions(nullable, plain, y)
    int_names = plain.copy()
    int_names.columns = [0, 1, 2, 3]
    _same_predictions(int_names, plain, y)
    tuples = plain.copy()
    names = [("n", "a"), ("n", "b"), ("c", 1), ("d", 2)]
    tuples.columns = pd.MultiIndex.from_tuples(names)
    _same_predictions(tuples, plain, y)
    cat = plain.astype({"c": "category"})
    _same_predictions(cat, plain, y)


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda X: modeling.model("svm", task="binary"), r"kind.*'linear'.*svm"),
        (lambda X: modeling.model("linear", task="ranking"), r"task.*'binary'"),
        (
            lambda X: modeling.model("linear", task="binary", random_state=-1),
            r"random_state.*int",
        ),
        (lambda X: modeling.preprocessor(X, encoding="hash"), r"encoding.*'onehot'"),
        (lambda X: modeling.preprocessor(X, scale="yes"), r"scale must be True"),
        (
            lambda X: modeling.preprocessor(X, encoding="ordinal", max_categories=300),
            r"max_categories.*\[2, 254\]",
        ),
        (lambda X: modeling.preprocessor(X.to_numpy()), r"X must be a pandas"),
        (lambda X: modeling.preprocessor(X.iloc[:, :0]), r"X has no columns"),
        (lambda X: modeling.pipeline("tree", X, task="binary"), r"model kind"),
    ],
)
def test_bad_input(call, pattern):
    X, _ = frame(20)
    with pytest.raises(MlnbValueError, match=pattern):
        call(X)


@pytest.mark.parametrize("kind", ["linear", "boosted", "forest"])
def test_infinity_is_a_missing_value_and_empty_columns_fit(kind):
    X, y = frame()
    with_inf = X.copy()
    with_inf.loc[::7, "a"] = np.inf
    with_nan = X.copy()
    with_nan.loc[::7, "a"] = np.nan
    a = modeling.pipeline(kind, with_inf, task="binary").fit(with_inf, y)
    b = modeling.pipeline(kind, with_nan, task="binary").fit(with_nan, y)
    np.testing.assert_allclose(a.predict_proba(with_inf), b.predict_proba(with_nan))
    empty = X.assign(e=np.nan)
    pipe = modeling.pipeline(kind, empty, task="binary").fit(empty, y)
    assert pipe.predict(empty.assign(e=1.0)).shape == (len(X),)
