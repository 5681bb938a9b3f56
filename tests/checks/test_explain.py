"""mlnb.explain: numbers against independent oracles — hand-computed linear
attributions and scikit-learn's own decision functions, shap's TreeExplainer, and
exact Shapley values by enumerating every coalition."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.ensemble import (
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from mlnb.checklist import session
from mlnb.checks.explainability import Explanation, explain


def numeric(n=300, f=5, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, f)), columns=[f"x{j}" for j in range(f)])
    logit = 1.5 * X["x0"] - X["x1"] + X["x2"] * X["x3"]
    y = (logit + rng.normal(size=n) > 0).astype(int)
    return X, y


def mixed(n=400, seed=1):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "age": rng.integers(18, 80, n).astype(float),
            "city": rng.choice(["paris", "rome", "oslo"], n),
            "income": rng.lognormal(3, 0.5, n),
        }
    )
    logit = 0.05 * (X["age"] - 45) + (X["city"] == "rome") * 1.2 - 0.02 * X["income"]
    y = (logit + rng.normal(size=n) > 0).astype(int)
    return X, y


def run(model, X, **kw):
    kw.setdefault("progress", False)
    kw.setdefault("publish", False)
    return explain(model, X, **kw)


# -- exact linear ------------------------------------------------------------------


def test_linear_regression_is_coef_times_centred_x_by_hand():
    X, _ = numeric()
    y = 3 * X["x0"] - 2 * X["x1"] + 0.5 * X["x4"]
    model = LinearRegression().fit(X, y)
    bg = X.iloc[:50]
    e = run(model, X.iloc[:20], background=bg)
    assert e.method == "linear"
    expected = (X.iloc[:20].to_numpy() - bg.to_numpy().mean(axis=0)) * model.coef_
    np.testing.assert_allclose(e.values, expected, rtol=1e-12, atol=1e-12)
    assert e.base_value == pytest.approx(model.predict(bg).mean(), rel=1e-12)
    assert e.output == "the predicted value"
    assert e.guaranteed_additive and e.additivity_error < 1e-9
    assert e.status == "pass"


def test_logistic_regression_explains_log_odds():
    X, y = numeric()
    model = LogisticRegression().fit(X, y)
    e = run(model, X, background=X)
    expected = (X.to_numpy() - X.to_numpy().mean(axis=0)) * model.coef_[0]
    np.testing.assert_allclose(e.values, expected, rtol=1e-10, atol=1e-12)
    d = model.decision_function(X)
    np.testing.assert_allclose(e.values.sum(axis=1), d - d.mean(), atol=1e-9)
    assert "log-odds of class 1" in e.output


def test_pipeline_attributions_land_on_the_original_columns():
    X, y = mixed()
    pre = ColumnTransformer(
        [
            ("num", StandardScaler(), ["age", "income"]),
            ("cat", OneHotEncoder(), ["city"]),
        ]
    )
    model = make_pipeline(pre, LogisticRegression()).fit(X, y)
    bg = X.iloc[:100]
    e = run(model, X.iloc[:30], background=bg)
    assert e.method == "linear"
    assert e.feature_names == ("age", "city", "income")
    # by hand: transformed columns, grouped by the encoder's feature names
    Z = model[:-1].transform(X.iloc[:30])
    Zb = model[:-1].transform(bg)
    names = model[:-1].get_feature_names_out()
    w = model[-1].coef_[0]
    contrib = (Z - Zb.mean(axis=0)) * w
    for j, col in enumerate(e.feature_names):
        cols = [
            k
            for k, nm in enumerate(names)
            if nm == f"num__{col}" or nm.startswith(f"cat__{col}_")
        ]
        np.testing.assert_allclose(e.values[:, j], contrib[:, cols].sum(axis=1))
    d = model.decision_function(X.iloc[:30])
    np.testing.assert_allclose(
        e.values.sum(axis=1), d - model.decision_function(bg).mean(), atol=1e-9
    )


def test_multiclass_linear_explains_the_predicted_class():
    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    y = np.argmax(X.to_numpy() + rng.normal(scale=0.3, size=(200, 3)), axis=1)
    model = LogisticRegression().fit(X, y)
    e = run(model, X, background=X)
    pred = model.predict(X)
    assert list(e.explained_classes) == list(pred)
    d = model.decision_function(X)
    idx = np.searchsorted(model.classes_, pred)
    np.testing.assert_allclose(
        e.values.sum(axis=1),
        d[np.arange(200), idx] - d.mean(axis=0)[idx],
        atol=1e-9,
    )
    assert set(e.base_value) == {0, 1, 2}
    np.testing.assert_allclose(
        e.class_values(2),
        (X.to_numpy() - X.to_numpy().mean(axis=0)) * model.coef_[2],
        atol=1e-10,
    )


def test_a_mixing_pipeline_falls_back_to_sampled_shapley_on_original_columns():
    X, y = numeric(n=200)
    model = make_pipeline(PCA(3), LogisticRegression()).fit(X, y)
    e = run(model, X.iloc[:10], n_permutations=8)
    assert e.method == "sampling"
    assert "PCA" in e.method_reason and "sampled Shapley" in e.method_reason
    assert e.feature_names == tuple(X.columns)
    p = model.predict_proba(X.iloc[:10])[:, 1]
    np.testing.assert_allclose(e.values.sum(axis=1), p - e.base_value, atol=1e-9)


# -- TreeSHAP against shap itself --------------------------------------------------

TREE_MODELS = [
    ("random forest", lambda: RandomForestClassifier(30, max_depth=6, random_state=0)),
    ("gradient boosting", lambda: GradientBoostingClassifier(random_state=0)),
]


@pytest.mark.extra("shap")
@pytest.mark.parametrize("name,make", TREE_MODELS, ids=[t[0] for t in TREE_MODELS])
def test_tree_shap_equals_shaps_interventional_values(name, make):
    import shap

    X, y = numeric(n=400)
    model = make().fit(X, y)
    bg = X.iloc[:60]
    rows = X.iloc[100:160]
    e = run(model, rows, background=bg)
    assert e.method == "tree"
    # shap directly, like with like: interventional, probability of class 1
    explainer = shap.TreeExplainer(
        model,
        data=bg.to_numpy(),
        feature_perturbation="interventional",
        model_output="probability",
    )
    sv = np.asarray(explainer.shap_values(rows.to_numpy()))
    if sv.ndim == 3:
        sv = sv[:, :, 1]
    np.testing.assert_allclose(e.values, sv, atol=1e-10)
    # additivity against the model's own probabilities
    p = model.predict_proba(rows)[:, 1]
    np.testing.assert_allclose(e.values.sum(axis=1) + e.base_value, p, atol=1e-6)
    assert e.status == "pass", e.conditions
    assert e.output == "probability of class 1"


@pytest.mark.extra("shap")
def test_hist_gradient_boosting_is_checked_against_the_model():
    """shap 0.51's interventional TreeSHAP misreads HistGradientBoosting (its
    values miss predict_proba); mlnb compares like with like (the same call to
    shap), sees the additivity fail, and under "auto" samples instead."""
    import shap

    X, y = numeric(n=400)
    model = HistGradientBoostingClassifier(max_iter=40).fit(X, y)
    bg, rows = X.iloc[:60], X.iloc[100:160]
    explainer = shap.TreeExplainer(
        model,
        data=bg.to_numpy(),
        feature_perturbation="interventional",
        model_output="probability",
    )
    sv = np.asarray(explainer.shap_values(rows.to_numpy()))
    forced = run(model, rows, background=bg, method="tree")
    np.testing.assert_allclose(forced.values, sv, atol=1e-10)
    p = model.predict_proba(rows)[:, 1]
    gap = np.abs(sv.sum(axis=1) + explainer.expected_value - p).max()
    if gap > 1e-6:  # shap misreads the model: the condition fails, auto samples
        assert forced.status == "fail"
        assert forced.additivity_error == pytest.approx(gap, rel=1e-6)
        auto = run(model, rows, background=bg, n_permutations=16)
        assert auto.method == "sampling"
        assert "miss the model's own output" in auto.method_reason
        np.testing.assert_allclose(
            auto.values.sum(axis=1) + auto.base_value, p, atol=1e-9
        )
    else:  # a shap that reads it right
        assert forced.status == "pass"


@pytest.mark.extra("shap")
def test_tree_shap_regression_and_scaled_pipeline():
    import shap

    X, _ = numeric(n=300)
    y = X["x0"] * 2 + np.sin(X["x1"])
    model = make_pipeline(StandardScaler(), RandomForestRegressor(20, random_state=0))
    model.fit(X, y)
    bg = X.iloc[:40]
    e = run(model, X.iloc[:25], background=bg)
    assert e.method == "tree"
    explainer = shap.TreeExplainer(
        model[-1],
        data=model[0].transform(bg),
        feature_perturbation="interventional",
    )
    sv = explainer.shap_values(model[0].transform(X.iloc[:25]))
    np.testing.assert_allclose(e.values, sv, atol=1e-10)
    np.testing.assert_allclose(
        e.values.sum(axis=1) + e.base_value, model.predict(X.iloc[:25]), atol=1e-8
    )


@pytest.mark.extra("shap")
def test_tree_after_one_hot_falls_back_to_sampling():
    X, y = mixed(n=200)
    pre = ColumnTransformer(
        [("cat", OneHotEncoder(), ["city"])], remainder="passthrough"
    )
    model = make_pipeline(pre, RandomForestClassifier(10, random_state=0)).fit(X, y)
    e = run(model, X.iloc[:5], n_permutations=8)
    assert e.method == "sampling"
    assert "'city'" in e.method_reason


@pytest.mark.extra("shap")
def test_multiclass_tree_explains_the_predicted_class():
    rng = np.random.default_rng(5)
    X = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "c"])
    y = np.argmax(X.to_numpy(), axis=1)
    model = RandomForestClassifier(20, random_state=0).fit(X, y)
    e = run(model, X.iloc[:30], background=X.iloc[:50])
    proba = model.predict_proba(X.iloc[:30])
    pred = proba.argmax(axis=1)
    np.testing.assert_allclose(
        e.values.sum(axis=1) + e.base_values, proba[np.arange(30), pred], atol=1e-6
    )
    assert e.explained_classes == tuple(int(c) for c in pred)
    assert e.output == "probability of each row's predicted class"


# -- sampled Shapley converges to exact Shapley ------------------------------------


def exact_shapley(f, x, background):
    """Interventional Shapley values of ``f`` at ``x`` by enumerating every
    coalition: v(S) = mean over background rows b of f(x on S, b elsewhere)."""
    d = len(x)
    B = np.asarray(background, dtype=float)

    def v(S):
        Z = B.copy()
        Z[:, list(S)] = x[list(S)]
        return f(Z).mean()

    phi = np.zeros(d)
    for j in range(d):
        others = [k for k in range(d) if k != j]
        for size in range(d):
            for S in itertools.combinations(others, size):
                w = math.factorial(size) * math.factorial(d - size - 1)
                w /= math.factorial(d)
                phi[j] += w * (v(S + (j,)) - v(S))
    return phi


def nonlinear(Z):
    Z = np.asarray(Z, dtype=float)
    return np.tanh(Z[:, 0] * Z[:, 1]) + Z[:, 2] ** 2 - 0.5 * Z[:, 3] * Z[:, 4] + Z[:, 0]


def test_sampled_shapley_converges_to_exact_shapley():
    rng = np.random.default_rng(7)
    cols = ["a", "b", "c", "d", "e"]
    X = pd.DataFrame(rng.normal(size=(6, 5)), columns=cols)
    bg = pd.DataFrame(rng.normal(size=(12, 5)), columns=cols)
    exact = np.array([exact_shapley(nonlinear, x, bg) for x in X.to_numpy()])
    errors = []
    for perms in (8, 64, 512):
        e = run(lambda df: nonlinear(df), X, background=bg, n_permutations=perms)
        assert e.method == "sampling"
        errors.append(np.sqrt(np.mean((e.values - exact) ** 2)))
        # every row adds up exactly (the walk telescopes)
        np.testing.assert_allclose(
            e.values.sum(axis=1), nonlinear(X) - e.base_value, atol=1e-9
        )
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 0.05
    # the reported standard errors cover the true error
    z = np.abs(e.values - exact) / e.standard_errors
    assert np.mean(z < 3) > 0.9


def test_sampling_batches_its_model_calls():
    X, _ = numeric(n=40, f=6)
    calls = []

    def f(df):
        calls.append(len(df))
        return nonlinear(df.to_numpy()[:, :5])

    e = run(f, X, n_permutations=32)
    # f(x), f(background) and one call per round (every row and permutation)
    assert len(calls) == 3
    assert sum(calls) == e.model_rows == 40 + 40 + 40 * 32 * 5


def test_interrupt_returns_a_partial_result():
    X, _ = numeric(n=30, f=5)
    calls = []

    def f(df):
        calls.append(len(df))
        if len(calls) == 4:
            raise KeyboardInterrupt
        return nonlinear(df)

    from mlnb.checks.explainability import sampling

    e = explain(f, X, n_permutations=64, progress=False, publish=False)
    assert not e.partial  # one round: nothing to interrupt
    calls.clear()
    old = sampling.sampled_shapley.__kwdefaults__["batch_rows"]
    sampling.sampled_shapley.__kwdefaults__["batch_rows"] = 30 * 2 * 4 * 4  # 4 pairs
    try:
        e = explain(f, X, n_permutations=64, progress=False, publish=False)
    finally:
        sampling.sampled_shapley.__kwdefaults__["batch_rows"] = old
    assert e.partial and e.n_permutations == 8
    assert e.status == "warn"
    assert any(o.name == "sampling finished" and o.status == "warn" for o in e.outcomes)
    np.testing.assert_allclose(
        e.values.sum(axis=1), nonlinear(X) - e.base_value, atol=1e-9
    )


# -- the result --------------------------------------------------------------------


def test_max_rows_explains_a_labelled_sample():
    X, y = numeric(n=500)
    X.index = [f"r{i}" for i in range(500)]
    model = LogisticRegression().fit(X, y)
    e = run(model, X, max_rows=50)
    assert e.n_rows == 50 and e.n_rows_total == 500 and e.sampled_rows
    assert "a random sample of 50 of 500 rows" in e.summary
    assert len(e.row_labels) == 50 and all(r.startswith("r") for r in e.row_labels)
    i = 3
    row = X.loc[e.row_labels[i]]
    local = e.local_frame(i).set_index("feature")
    assert local.loc["x0", "value"] == row["x0"]
    assert e.example(i)["row"] == e.row_labels[i]


def test_importance_order_is_stable_and_ties_go_by_name():
    grid = np.array(list(itertools.product([0.0, 1.0], repeat=3)))
    X = pd.DataFrame(grid, columns=["b", "a", "c"])
    y = X["a"] + X["b"] + 3 * X["c"]
    model = LinearRegression().fit(X, y)
    e = run(model, X, background=X)
    assert list(e.importance.index) == ["c", "a", "b"]
    assert list(e.to_frame()["rank"]) == [1, 2, 3]
    np.testing.assert_allclose(e.importance.to_numpy(), [1.5, 0.5, 0.5])


def test_record_dict_html_and_plots():
    X, y = numeric()
    X = X.rename(columns={"x0": "<b>x0</b>"})
    model = LogisticRegression().fit(X, y)
    e = explain(model, X, progress=False)
    assert isinstance(e, Explanation)
    rec = session.latest("explainability")
    assert rec["step"] == "explainability" and rec["check"] == "explain"
    assert e.record()["metrics"]["method"] == "linear"
    json.dumps(e.to_dict())
    html = e._repr_html_()
    assert "<b>x0</b>" not in html and "&lt;b&gt;x0&lt;/b&gt;" in html
    ax = e.plot()
    assert len(ax.patches) == 5
    ax = e.plot_example(0)
    assert len(ax.patches) == 5
    assert e.local_frame(0)["attribution"].abs().is_monotonic_decreasing


def test_conditions_replace_the_defaults():
    from mlnb.core.conditions import Condition

    X, y = numeric()
    model = Ridge().fit(X, y)
    e = run(model, X, conditions=[Condition("n_rows", ">=", 1000, status="warn")])
    assert e.status == "warn"


# -- properties of sampled Shapley values that hold exactly ------------------------

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(
    seed=st.integers(0, 2**16),
    n_cols=st.integers(2, 6),
    used=st.integers(1, 6),
    perms=st.sampled_from([2, 4, 10]),
)
def test_sampling_adds_up_and_ignores_unused_columns(seed, n_cols, used, perms):
    """Efficiency (the walk telescopes) and the dummy property (a column the model
    never reads gets 0) hold for every sample, not only on average."""
    used = min(used, n_cols)
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(5, n_cols)))
    bg = pd.DataFrame(rng.normal(size=(7, n_cols)))
    w = rng.normal(size=used)

    def f(df):
        v = df.to_numpy()[:, :used]
        return np.tanh(v @ w) + (v[:, 0] * v[:, -1])

    e = explain(
        f,
        X,
        background=bg,
        n_permutations=perms,
        progress=False,
        publish=False,
        model_type="regression",
    )
    np.testing.assert_allclose(e.values.sum(axis=1), f(X) - e.base_value, atol=1e-9)
    # zero up to the model's own rounding (BLAS may round a row differently in
    # batches of another size)
    np.testing.assert_allclose(e.values[:, used:], 0.0, atol=1e-12)


def test_multiclass_sampling_explains_the_predicted_class():
    rng = np.random.default_rng(11)
    X = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    y = np.argmax(X.to_numpy(), axis=1)
    model = RandomForestClassifier(15, random_state=0).fit(X, y)
    e = run(model, X.iloc[:12], method="sampling", n_permutations=8)
    proba = model.predict_proba(X.iloc[:12])
    pred = proba.argmax(axis=1)
    np.testing.assert_allclose(
        e.values.sum(axis=1) + e.base_values, proba[np.arange(12), pred], atol=1e-9
    )
    assert e.output == "probability of each row's predicted class"
    np.testing.assert_allclose(
        e.class_values(0).sum(axis=1) + e.base_value[0], proba[:, 0], atol=1e-9
    )
    json.dumps(e.to_dict())
    assert "base value" in e._repr_html_()


def test_one_permutation_pair_has_no_standard_error_and_warns():
    X, _ = numeric(n=10, f=4)
    e = run(
        lambda df: nonlinear(np.c_[df.to_numpy(), df.to_numpy()[:, :1]]),
        X,
        n_permutations=2,
        model_type="regression",
    )
    assert np.isnan(e.max_standard_error)
    assert e.condition_values["importance_standard_error_share"] == np.inf
    assert e.status == "warn"


def test_importing_the_check_loads_no_extra():
    import subprocess
    import sys

    code = (
        "import sys, mlnb.checks.explainability, mlnb.render.explain; "
        "print(sorted(m for m in ('shap', 'tensorflow', 'keras', 'matplotlib', "
        "'IPython') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_progress_bar_runs(capsys):
    X, _ = numeric(n=10, f=4)
    e = explain(
        lambda df: nonlinear(np.c_[df.to_numpy(), df.to_numpy()[:, :1]]),
        X,
        n_permutations=8,
        progress=True,
        publish=False,
        model_type="regression",
    )
    assert e.n_permutations == 8
    assert "sampled Shapley" in capsys.readouterr().err


def test_linear_svc_explains_its_decision_function():
    from sklearn.svm import LinearSVC

    X, y = numeric()
    model = LinearSVC().fit(X, y)
    e = run(model, X.iloc[:40], background=X)
    assert e.method == "linear"
    assert e.output == "decision function (margin) toward class 1"
    d = model.decision_function(X)
    np.testing.assert_allclose(e.values.sum(axis=1), d[:40] - d.mean(), atol=1e-9)
