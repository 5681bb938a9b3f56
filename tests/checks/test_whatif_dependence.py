"""partial_dependence equals scikit-learn's ``partial_dependence(method="brute")``
on the same grid: average and individual curves, binary, multiclass, regression,
numeric and categorical features."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier
from sklearn.inspection import partial_dependence as sk_pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from mlnb.checks.predictor import CHUNK_ROWS, Predictor
from mlnb.checks.whatif import PartialDependence, partial_dependence


def make(n=400, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.uniform(0, 10, n),
            "c": rng.integers(0, 5, n).astype(float),
        }
    )
    y = (X["a"] + 0.3 * X["b"] - 0.5 * X["c"] + rng.normal(0, 0.5, n) > 1).astype(int)
    return X, y


def sklearn_curves(model, X, feature, **kw):
    kw.setdefault("grid_resolution", 20)  # mlnb's default (scikit-learn's: 100)
    out = sk_pd(model, X, [feature], method="brute", kind="both", **kw)
    return out["grid_values"][0], out["average"], out["individual"]


@pytest.mark.parametrize("feature", ["a", "b", "c"])
def test_binary_equals_sklearn_with_its_grid(feature):
    X, y = make()
    model = LogisticRegression().fit(X, y)
    grid, avg, ind = sklearn_curves(model, X, feature)
    r = partial_dependence(model, X, feature, kind="both")
    assert isinstance(r, PartialDependence)
    np.testing.assert_allclose(r.grid, grid)
    np.testing.assert_allclose(r.average, avg[0])
    np.testing.assert_allclose(r.individual, ind[0])
    assert r.categorical is False and r.sampled is False and r.n_rows == len(X)


def test_few_unique_values_give_the_unique_values():
    X, y = make()
    model = LogisticRegression().fit(X, y)
    r = partial_dependence(model, X, "c")
    assert r.grid.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert r.individual is None


@pytest.mark.parametrize("resolution,percentiles", [(7, (0.1, 0.9)), (30, (0, 1))])
def test_grid_options_as_sklearn(resolution, percentiles):
    X, y = make()
    model = LogisticRegression().fit(X, y)
    grid, avg, _ = sklearn_curves(
        model, X, "b", grid_resolution=resolution, percentiles=percentiles
    )
    r = partial_dependence(
        model, X, "b", grid_resolution=resolution, percentiles=percentiles
    )
    np.testing.assert_allclose(r.grid, grid)
    np.testing.assert_allclose(r.average, avg[0])


def test_multiclass_equals_sklearn():
    X, _ = make(300, seed=1)
    y = pd.cut(X["b"] + X["a"], 3, labels=False)
    model = RandomForestClassifier(n_estimators=15, random_state=0).fit(X, y)
    grid, avg, ind = sklearn_curves(model, X, "a")
    r = partial_dependence(model, X, "a", kind="both")
    np.testing.assert_allclose(r.grid, grid)
    assert r.average.shape == (3, len(grid))
    np.testing.assert_allclose(r.average, avg)
    np.testing.assert_allclose(r.individual, ind)
    assert r.classes == (0, 1, 2)
    frame = r.to_frame()
    assert set(frame["class"]) == {0, 1, 2}
    assert len(frame) == 3 * len(X) * len(grid)


def test_regression_equals_sklearn():
    X, _ = make(300, seed=2)
    target = X["a"] ** 2 + X["b"]
    model = GradientBoostingRegressor(n_estimators=30, random_state=0).fit(X, target)
    grid, avg, ind = sklearn_curves(model, X, "a")
    r = partial_dependence(model, X, "a", kind="individual")
    assert r.average is None
    np.testing.assert_allclose(r.individual, ind[0])
    r2 = partial_dependence(model, X, "a")
    np.testing.assert_allclose(r2.average, avg[0])
    assert r2.classes is None


def test_categorical_equals_sklearn():
    rng = np.random.default_rng(3)
    n = 300
    X = pd.DataFrame(
        {
            "job": rng.choice(["nurse", "clerk", "pilot", "chef"], n),
            "x": rng.normal(size=n),
        }
    )
    y = ((X["job"] == "pilot") | (X["x"] > 0.8)).astype(int)
    model = make_pipeline(
        make_column_transformer((OneHotEncoder(), ["job"]), remainder="passthrough"),
        LogisticRegression(),
    ).fit(X, y)
    out = sk_pd(
        model, X, ["job"], method="brute", kind="both", categorical_features=["job"]
    )
    r = partial_dependence(model, X, "job", kind="both")
    assert r.categorical is True
    assert list(r.grid) == list(out["grid_values"][0])  # sorted categories
    np.testing.assert_allclose(r.average, out["average"][0])
    np.testing.assert_allclose(r.individual, out["individual"][0])
    # a pandas category keeps its declared order
    Xc = X.assign(job=pd.Categorical(X["job"], ["pilot", "nurse", "clerk", "chef"]))
    rc = partial_dependence(model, Xc, "job")
    assert list(rc.grid) == ["pilot", "nurse", "clerk", "chef"]
    order = [list(r.grid).index(c) for c in rc.grid]
    np.testing.assert_allclose(rc.average, r.average[order])


def test_ice_for_one_point_with_the_datas_grid():
    X, y = make()
    model = LogisticRegression().fit(X, y)
    full = partial_dependence(model, X, "b", kind="individual")
    one = partial_dependence(
        model, X.iloc[[17]], "b", grid=full.grid, kind="individual"
    )
    np.testing.assert_allclose(one.individual[0], full.individual[17])
    assert one.row_index.tolist() == [X.index[17]]


def test_sampled_rows_say_so_and_match_sklearn_on_them():
    X, y = make(1000)
    model = LogisticRegression().fit(X, y)
    r = partial_dependence(model, X, "a", max_rows=200, random_state=3, kind="both")
    assert r.sampled is True and r.n_rows == 200
    rows = X.loc[r.row_index]
    _, avg, _ = sklearn_curves(model, rows, "a", custom_values={"a": r.grid})
    np.testing.assert_allclose(r.average, avg[0])
    again = partial_dependence(model, X, "a", max_rows=200, random_state=3)
    np.testing.assert_allclose(again.average, r.average)
    whole = partial_dependence(model, X, "a", max_rows=5000)
    assert whole.sampled is False


def test_predictions_are_batched():
    X, y = make(3000)
    model = LogisticRegression().fit(X, y)
    p = Predictor.of(model)
    partial_dependence(p, X, "a", grid_resolution=20)
    rows = 20 * len(X)
    assert p.n_rows == rows
    assert p.n_calls <= -(-rows // CHUNK_ROWS) + 1


def test_function_models_and_other_tables():
    X, y = make(200)
    model = LogisticRegression().fit(X, y)

    def fn(rows):
        return model.predict_proba(rows)[:, 1]

    base = partial_dependence(model, X, "b")
    np.testing.assert_allclose(partial_dependence(fn, X, "b").average, base.average)
    pl = pytest.importorskip("polars")
    np.testing.assert_allclose(
        partial_dependence(model, pl.from_pandas(X), "b").average, base.average
    )
    ints = X.set_axis([0, 1, 2], axis=1)
    model_i = LogisticRegression().fit(ints.to_numpy(), y)

    def fn_i(rows):
        return model_i.predict_proba(rows.to_numpy())[:, 1]

    r = partial_dependence(fn_i, ints, 1)
    np.testing.assert_allclose(r.average, base.average, rtol=1e-6)
    assert r.feature == 1


def test_plot_and_html():
    X, y = make(200)
    model = LogisticRegression().fit(X, y)
    r = partial_dependence(model, X, "a", kind="both")
    assert "Partial dependence" in r._repr_html_()
    import json

    json.dumps(r.to_dict())
    pytest.importorskip("matplotlib")
    ax = r.plot(max_lines=10)
    assert len(ax.lines) == 11


def test_progress_bar_and_interrupt(capsys):
    X, y = make(300)
    model = LogisticRegression().fit(X, y)
    r = partial_dependence(model, X, "a", progress=True)
    assert "partial dependence" in capsys.readouterr().err
    np.testing.assert_allclose(r.average, partial_dependence(model, X, "a").average)
    calls = []

    def interrupted(rows):
        calls.append(len(rows))
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        partial_dependence(interrupted, X, "a", progress=True)
    assert len(calls) == 1  # stops at once, no further batches


def test_integer_feature_is_never_truncated():
    import warnings

    rng = np.random.default_rng(4)
    X = pd.DataFrame({"age": rng.integers(18, 90, 400), "x": rng.normal(size=400)})
    y = (X["age"] / 50 + X["x"] > 1.5).astype(int)
    model = LogisticRegression().fit(X, y)
    r = partial_dependence(model, X, "age", kind="both")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        grid, avg, ind = sklearn_curves(model, X.astype({"age": float}), "age")
    np.testing.assert_allclose(r.grid, grid)
    assert np.any(r.grid != np.round(r.grid))  # fractions: the column became float
    np.testing.assert_allclose(r.average, avg[0])
    np.testing.assert_allclose(r.individual, ind[0])
    seen = []

    def fn(rows):
        seen.append(rows["age"].dtype)
        return model.predict_proba(rows)[:, 1]

    partial_dependence(fn, X, "age", grid=[20, 40, 60])
    assert seen and all(d == np.dtype("int64") for d in seen)  # whole numbers stay int
