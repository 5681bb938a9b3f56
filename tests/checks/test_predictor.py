"""mlnb.checks.predictor: one way to call a model, with checked outputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from mlnb.checks.predictor import CHUNK_ROWS, Predictor
from mlnb.errors import DataValidationError, MlnbValueError, PredictionError


@pytest.fixture(scope="module")
def binary():
    X, y = make_classification(n_samples=300, n_features=4, random_state=0)
    X = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    return X, y, LogisticRegression().fit(X, y)


def test_binary_estimator_scores_equal_predict_proba(binary):
    X, y, model = binary
    p = Predictor.of(model)
    assert p.kind == "classification" and p.classes == (0, 1) and p.probabilistic
    np.testing.assert_array_equal(p.scores(X), model.predict_proba(X)[:, 1])
    np.testing.assert_array_equal(p.predict_label(X), model.predict(X))
    assert p.positive_label == 1 and p.n_calls == 2 and p.n_rows == 600


def test_multiclass_string_classes_and_pipeline():
    X, y = make_classification(
        n_samples=300,
        n_features=5,
        n_informative=3,
        n_redundant=0,
        n_classes=3,
        random_state=1,
    )
    y = np.array(["x", "y", "z"])[y]
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    p = Predictor.of(model)
    np.testing.assert_array_equal(p.scores(X), model.predict_proba(X))
    np.testing.assert_array_equal(p.predict_label(X), model.predict(X))
    assert p.classes == ("x", "y", "z") and p.n_outputs == 3


def test_regression_estimator_and_function():
    X, y = make_regression(n_samples=200, n_features=3, random_state=0)
    X = pd.DataFrame(X)
    model = RandomForestRegressor(n_estimators=5, random_state=0).fit(X, y)
    p = Predictor.of(model)
    assert p.kind == "regression" and p.classes is None
    np.testing.assert_array_equal(p.scores(X), model.predict(X))
    f = Predictor.of(lambda rows: rows[0].to_numpy() * 2.0 + 5)
    np.testing.assert_array_equal(f.scores(X), X[0].to_numpy() * 2 + 5)
    assert f.kind == "regression"
    with pytest.raises(MlnbValueError, match="regression model"):
        p.predict_label(X)


def test_decision_function_classifier_and_columns_reordered(binary):
    X, y, _ = binary
    svm = LinearSVC(random_state=0).fit(X, y)
    p = Predictor.of(svm)
    assert not p.probabilistic
    np.testing.assert_allclose(
        p.scores(X[["d", "c", "b", "a"]]), svm.decision_function(X)
    )
    np.testing.assert_array_equal(p.predict_label(X), svm.predict(X))


def test_function_probabilities_two_columns_and_chunks(binary):
    X, y, model = binary
    big = pd.concat([X] * (CHUNK_ROWS // len(X) + 2), ignore_index=True)
    p = Predictor.of(model.predict_proba)
    s = p.scores(big)
    np.testing.assert_array_equal(s, model.predict_proba(big)[:, 1])
    assert p.n_calls == 2 and p.kind == "classification"


def _fn(out):
    return lambda rows: out(len(rows))


BAD = [
    # (model, X, error, words the message must hold)
    (LogisticRegression(), "X", MlnbValueError, ["not fitted", "fit(X, y)"]),
    ("scores", "X", MlnbValueError, ["model must be", "not its predictions"]),
    (object(), "X", MlnbValueError, ["predict_proba", "function of the rows"]),
    (_fn(lambda n: np.zeros(n - 1) + 0.5), "X", MlnbValueError, ["one prediction"]),
    (_fn(lambda n: 0.5), "X", MlnbValueError, ["single value"]),
    (_fn(lambda n: np.full(n, np.nan)), "X", DataValidationError, ["NaN", "rows"]),
    (_fn(lambda n: np.arange(n) % 2), "X", MlnbValueError, ["labels", "predict_proba"]),
    (_fn(lambda n: np.array(["a"] * n)), "X", MlnbValueError, ["labels"]),
    (_fn(lambda n: np.ones((n, 3))), "X", MlnbValueError, ["sum to 1", "softmax"]),
    (_fn(lambda n: np.ones((n, 2, 2))), "X", MlnbValueError, ["shape"]),
]


@pytest.mark.parametrize("model,Xname,error,words", BAD)
def test_bad_models(binary, model, Xname, error, words):
    X = binary[0]
    with pytest.raises(error) as info:
        Predictor.of(model).scores(X)
    for w in words:
        assert w in str(info.value), (w, str(info.value))


def test_model_that_raises_keeps_the_cause(binary):
    X = binary[0]

    def broken(rows):
        raise KeyError("column 'zz'")

    with pytest.raises(PredictionError, match="raised KeyError") as info:
        Predictor.of(broken, argument="predict_fn").scores(X)
    assert "predict_fn" in str(info.value)
    assert isinstance(info.value.__cause__, KeyError)


def test_missing_columns_named(binary):
    X, _, model = binary
    with pytest.raises(MlnbValueError, match="lack.*'d'"):
        Predictor.of(model).scores(X[["a", "b", "c"]])


def test_classification_outside_unit_interval_and_model_type():
    f = Predictor.of(lambda r: np.linspace(-1, 2, len(r)), model_type="classification")
    with pytest.raises(MlnbValueError, match="outside \\[0, 1\\]"):
        f.scores(pd.DataFrame({"a": range(5)}))
    with pytest.raises(MlnbValueError, match="model_type"):
        Predictor.of(lambda r: r, model_type="ranking")
    g = Predictor.of(lambda r: np.arange(len(r)) % 2, model_type="regression")
    np.testing.assert_array_equal(g.scores(pd.DataFrame({"a": range(4)})), [0, 1, 0, 1])


def test_polars_rows_give_the_same_scores(binary):
    pl = pytest.importorskip("polars")
    X, _, model = binary
    p = Predictor.of(model)
    np.testing.assert_allclose(
        p.scores(pl.from_pandas(X)), p.scores(X), rtol=1e-12, atol=1e-15
    )


def test_linear_regression_int_column_names():
    X = pd.DataFrame(np.random.default_rng(0).normal(size=(50, 2)))
    y = X[0] * 3 - X[1]
    m = LinearRegression().fit(X, y)
    np.testing.assert_allclose(Predictor.of(m).scores(X), m.predict(X))
