"""explain() sees through mlnb's own modelling pipeline (steps 1, 2 and 5 build it):
exact attributions on the user's columns, missing values imputed by the pipeline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mlnb
from mlnb.checks import modeling
from mlnb.errors import DataValidationError


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(3)
    n = 400
    X = pd.DataFrame(
        {
            "age": rng.integers(18, 80, n).astype(float),
            "hours": rng.normal(40, 8, n),
            "job": rng.choice(["a", "b", "c"], n),
        }
    )
    X.loc[rng.choice(n, 30, replace=False), "hours"] = np.nan
    X.loc[rng.choice(n, 20, replace=False), "job"] = None
    logit = 0.05 * (X["age"] - 45) + (X["job"] == "b") * 1.0
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    pipe = modeling.pipeline("linear", X, task="binary").fit(X, y)
    return X, y, pipe


def test_mlnb_linear_pipeline_is_explained_exactly(data):
    X, _, pipe = data
    rows, bg = X.iloc[:6], X.iloc[100:160]
    e = mlnb.explain(pipe, rows, background=bg, progress=False, publish=False)
    assert e.method == "linear"
    assert e.additivity_error < 1e-9
    # oracle: for a model linear in column-wise features, column j's interventional
    # Shapley value is the mean over background rows of f(bg with x_j) − f(bg)
    f = pipe.decision_function
    base = f(bg).mean()
    for i in range(len(rows)):
        for j, col in enumerate(X.columns):
            probe = bg.copy()
            probe[col] = [rows.iloc[i][col]] * len(bg)
            want = f(probe).mean() - base
            assert e.values[i, j] == pytest.approx(want, abs=1e-9)


def test_missing_values_refused_for_a_bare_linear_model(data):
    from sklearn.linear_model import LogisticRegression

    X, y, _ = data
    num = X[["age", "hours"]].fillna(0.0)
    model = LogisticRegression().fit(num, y)
    holes = num.copy()
    holes.iloc[0, 1] = np.nan
    with pytest.raises(DataValidationError, match="Pipeline that imputes"):
        mlnb.explain(model, holes, progress=False, publish=False)
