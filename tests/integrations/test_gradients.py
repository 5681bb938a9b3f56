"""Integrated gradients for Keras models: the closed form of a linear model,
completeness of a small network, and mlnb.explain choosing the method."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.extra("tensorflow")


@pytest.fixture(scope="module")
def keras():
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    tf.keras.utils.set_random_seed(0)
    return tf.keras


def data(n=64, f=4, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.normal(size=(n, f)), columns=[f"x{j}" for j in range(f)])


def linear_model(keras, f=4):
    model = keras.Sequential([keras.Input(shape=(f,)), keras.layers.Dense(1)])
    w = np.array([[1.5], [-2.0], [0.5], [3.0]], dtype=np.float32)
    model.layers[-1].set_weights([w, np.array([0.25], dtype=np.float32)])
    return model, w[:, 0]


def test_linear_keras_model_equals_the_closed_form(keras):
    from mlnb.integrations.gradients import integrated_gradients

    model, w = linear_model(keras)
    X = data().to_numpy()
    base = X.mean(axis=0)
    for rule in ("trapezoid", "left", "right", "midpoint"):
        res = integrated_gradients(model, X, base, steps=3, rule=rule)
        # IG of w·x + b from x' is w ⊙ (x − x') exactly, at any number of steps
        np.testing.assert_allclose(res["values"][:, :, 0], w * (X - base), atol=1e-5)
        assert res["completeness_error"].max() < 1e-4


def test_network_completeness_improves_with_steps(keras):
    from mlnb.integrations.gradients import integrated_gradients

    model = keras.Sequential(
        [
            keras.Input(shape=(4,)),
            keras.layers.Dense(16, activation="tanh"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    X = data().to_numpy()
    base = X.mean(axis=0)
    coarse = integrated_gradients(model, X, base, steps=2, batch_rows=50)
    fine = integrated_gradients(model, X, base, steps=200, batch_rows=1000)
    assert fine["completeness_error"].max() < coarse["completeness_error"].max()
    spread = np.abs(fine["outputs"] - fine["base"]).max()
    assert fine["completeness_error"].max() < 0.01 * spread
    # the model's own outputs, not a re-implementation
    np.testing.assert_allclose(
        fine["outputs"][:, 0], model.predict(X, verbose=0)[:, 0], rtol=1e-5
    )


def test_explain_picks_integrated_gradients_for_keras(keras):
    from mlnb.checks.explainability import explain

    model, w = linear_model(keras)
    X = data()
    e = explain(model, X, background=X, progress=False, publish=False, steps=8)
    assert e.method == "gradients"
    assert e.steps == 8 and not e.guaranteed_additive
    assert e.output == "the model's output (the predicted value)"
    np.testing.assert_allclose(e.values, w * (X - X.mean()).to_numpy(), atol=1e-5)
    assert e.status == "pass"
    assert e.base_value == pytest.approx(float(w @ X.mean().to_numpy() + 0.25), 1e-5)


def test_coarse_integration_warns(keras):
    from mlnb.checks.explainability import explain

    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [
            keras.Input(shape=(4,)),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.layers[0].set_weights(
        [w * 4 for w in model.layers[0].get_weights()]
    )  # a sharper network: a one-step integral misses
    X = data(32)
    e = explain(model, X, progress=False, publish=False, steps=1, integral="left")
    assert e.condition_values["completeness_share"] > 0.05
    assert e.output == "the model's output unit for class 1 (probability)"
    assert e.status == "warn"
    fine = explain(model, X, progress=False, publish=False, steps=300)
    assert fine.condition_values["completeness_share"] < 0.05


def test_softmax_network_explains_the_predicted_class(keras):
    from mlnb.checks.explainability import explain

    keras.utils.set_random_seed(2)
    model = keras.Sequential(
        [
            keras.Input(shape=(4,)),
            keras.layers.Dense(8, activation="tanh"),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    X = data(20)
    X["x3"] = X["x3"].round().astype("Int64")  # a nullable integer column
    e = explain(model, X, progress=False, publish=False, steps=100)
    assert e.method == "gradients"
    proba = model.predict(X.to_numpy(dtype="float32"), verbose=0)
    pred = proba.argmax(axis=1)
    assert list(e.explained_classes) == list(pred)
    np.testing.assert_allclose(e.outputs, proba[np.arange(20), pred], rtol=1e-5)
    assert e.condition_values["completeness_share"] < 0.05
    assert e.output == "the model's output unit of each row's predicted class"
    assert set(e.base_value) == {0, 1, 2}
