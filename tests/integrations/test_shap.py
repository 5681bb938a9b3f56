"""TreeSHAP through shap: the extra's absence is named, "auto" still explains a
tree ensemble without it, and the adapter's shapes follow shap's."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

from mlnb.checks.explainability import explain
from mlnb.errors import MissingDependencyError


def data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 3)), columns=["a", "b", "c"])
    y = (X["a"] - X["b"] > 0).astype(int)
    return X, y


@pytest.fixture
def no_shap(monkeypatch):
    monkeypatch.setitem(sys.modules, "shap", None)  # import shap -> ImportError


def test_missing_shap_names_the_extra(no_shap):
    X, y = data()
    model = RandomForestClassifier(10, random_state=0).fit(X, y)
    with pytest.raises(
        MissingDependencyError,
        match=r"shap is needed for TreeSHAP.*"
        r'pip install "mlnb\[shap\]"',
    ):
        explain(model, X, method="tree", progress=False, publish=False)


def test_auto_without_shap_samples_and_says_so(no_shap):
    X, y = data()
    model = RandomForestClassifier(10, random_state=0).fit(X, y)
    e = explain(model, X.iloc[:10], n_permutations=8, progress=False, publish=False)
    assert e.method == "sampling"
    assert 'shap is not installed (pip install "mlnb[shap]")' in e.method_reason


@pytest.mark.extra("shap")
def test_adapter_shapes():
    from mlnb.integrations.shap import tree_shap

    X, y = data()
    clf = RandomForestClassifier(10, random_state=0).fit(X, y)
    out = tree_shap(clf, X.to_numpy()[:7], X.to_numpy()[:20], classifier=True)
    assert out["values"].shape == (7, 3, 1) and out["base"].shape == (1,)
    reg = RandomForestRegressor(10, random_state=0).fit(X, X["a"])
    out = tree_shap(reg, X.to_numpy()[:7], X.to_numpy()[:20], classifier=False)
    assert out["values"].shape == (7, 3, 1)
    np.testing.assert_allclose(
        out["values"].sum(axis=1)[:, 0] + out["base"][0],
        reg.predict(X.to_numpy()[:7]),
        atol=1e-8,
    )
