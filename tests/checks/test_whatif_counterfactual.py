"""nearest_counterfactual against a brute-force oracle written in plain Python:
loop over the rows, compute each normalised distance, keep the nearest row whose
predicted class differs."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

from mlnb.checks.whatif import Counterfactual, nearest_counterfactual


def make(n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "age": rng.integers(18, 80, n),
            "income": rng.normal(50, 15, n).round(1),
            "job": rng.choice(["clerk", "nurse", "pilot"], n),
            "member": rng.random(n) < 0.4,
            "hours": rng.normal(40, 5, n),
        }
    )
    X["job"] = X["job"].astype("category")
    return X


def oracle(X, position, classes, kind="l1", features=None):
    """Plain Python: population std per numeric column, 0/1 for the others."""
    features = list(X.columns) if features is None else features
    cols = {f: X[f].tolist() for f in features}
    numeric = {
        f: not isinstance(cols[f][0], (str, bool, np.bool_))
        and not isinstance(X[f].dtype, pd.CategoricalDtype)
        for f in features
    }
    std = {f: statistics.pstdev(cols[f]) for f in features if numeric[f]}
    best, best_d = None, math.inf
    for i in range(len(X)):
        if classes[i] == classes[position]:
            continue
        parts = []
        for f in features:
            a, b = cols[f][position], cols[f][i]
            if numeric[f]:
                parts.append(abs(a - b) / std[f] if std[f] > 0 else 0.0)
            else:
                parts.append(0.0 if a == b else 1.0)
        d = sum(parts) if kind == "l1" else math.sqrt(sum(p * p for p in parts))
        if d < best_d:  # strict: ties keep the first row
            best, best_d = i, d
    return best, best_d


def fitted(X):
    num = pd.get_dummies(X, columns=["job"], dtype=float).astype(float)
    y = (X["income"] + 0.3 * X["age"] + 10 * X["member"] > 68).astype(int)
    model = LogisticRegression(max_iter=1000).fit(num, y)
    return num, model


@pytest.mark.parametrize("kind", ["l1", "l2"])
@pytest.mark.parametrize("position", [0, 17, 123])
def test_matches_brute_force_with_cached_labels(kind, position):
    X = make()
    rng = np.random.default_rng(position)
    labels = rng.integers(0, 3, len(X))
    cf = nearest_counterfactual(
        None, X, X.index[position], distance=kind, predictions=labels
    )
    want, d = oracle(X, position, labels, kind)
    assert isinstance(cf, Counterfactual)
    assert cf.position == want and cf.index == X.index[want]
    assert cf.distance == pytest.approx(d)
    assert cf.query_position == position
    assert cf.prediction != cf.query_prediction


@pytest.mark.parametrize("kind", ["l1", "l2"])
def test_matches_brute_force_with_a_model(kind):
    X = make(400, seed=1)
    num, model = fitted(X)
    classes = (model.predict_proba(num)[:, 1] >= 0.5).astype(int)
    for position in (3, 50, 399):
        cf = nearest_counterfactual(model, num, position, distance=kind)
        want, d = oracle(num, position, classes, kind)
        assert (cf.position, cf.distance) == (want, pytest.approx(d))
        frame = cf.to_frame()
        assert list(frame.columns) == ["feature", "this", "counterfactual", "changed"]
        changed = [f for f in num.columns if num[f].iloc[position] != num[f].iloc[want]]
        assert list(cf.changed) == changed
        assert frame.loc[frame["changed"], "feature"].tolist() == changed


def test_threshold_moves_the_classes():
    X = make(400, seed=1)
    num, model = fitted(X)
    p = model.predict_proba(num)[:, 1]
    cf = nearest_counterfactual(model, num, 10, threshold=0.8)
    want, _ = oracle(num, 10, (p >= 0.8).astype(int))
    assert cf.position == want


def test_cached_scores_need_no_model_call():
    X = make(200, seed=2)
    num, model = fitted(X)
    scores = model.predict_proba(num)[:, 1]

    def exploding(rows):
        raise AssertionError("the model must not be called")

    cf = nearest_counterfactual(exploding, num, 5, predictions=scores)
    want, _ = oracle(num, 5, (scores >= 0.5).astype(int))
    assert cf.position == want
    proba = model.predict_proba(num)
    cf2 = nearest_counterfactual(None, num, 5, predictions=proba)
    assert cf2.position == want


def test_multiclass_by_argmax():
    X = make(300, seed=3)
    num = pd.get_dummies(X, columns=["job"], dtype=float).astype(float)
    y = pd.cut(X["income"], [-np.inf, 40, 60, np.inf], labels=False)
    model = LogisticRegression(max_iter=2000).fit(num, y)
    classes = model.predict_proba(num).argmax(axis=1)
    cf = nearest_counterfactual(model, num, 7, distance="l2")
    want, d = oracle(num, 7, classes, "l2")
    assert cf.position == want and cf.distance == pytest.approx(d)
    assert cf.query_prediction == int(classes[7])


def test_regression_needs_a_threshold_and_uses_its_sides():
    X = make(300, seed=4)[["age", "income", "hours"]].astype(float)
    model = LinearRegression().fit(X, X["income"] * 2 + X["age"])
    with pytest.raises(ValueError, match="threshold"):
        nearest_counterfactual(model, X, 0)
    pred = model.predict(X)
    t = float(np.median(pred))
    cf = nearest_counterfactual(model, X, 0, threshold=t)
    want, _ = oracle(X, 0, (pred >= t).astype(int))
    assert cf.position == want
    assert {cf.prediction, cf.query_prediction} == {f">= {t:g}", f"< {t:g}"}


def test_user_distance_and_feature_subset():
    X = make(200, seed=5)
    labels = np.arange(len(X)) % 2

    def manhattan_age(row, rows):
        return (rows["age"] - row["age"]).abs().to_numpy()

    cf = nearest_counterfactual(None, X, 4, distance=manhattan_age, predictions=labels)
    ages = X["age"].to_numpy()
    d = np.where(labels != labels[4], np.abs(ages - ages[4]), np.inf)
    assert cf.position == int(np.argmin(d))
    assert cf.distance_kind == "manhattan_age"
    sub = nearest_counterfactual(
        None, X, 4, features=["age", "job"], predictions=labels
    )
    want, dist = oracle(X, 4, labels, features=["age", "job"])
    assert sub.position == want and sub.distance == pytest.approx(dist)
    assert sub.features == ("age", "job")


def test_row_labels_and_ties():
    X = pd.DataFrame({"a": [0.0, 1.0, 1.0, -1.0]}, index=["p", "q", "r", "s"])
    cf = nearest_counterfactual(None, X, "p", predictions=[0, 1, 1, 1])
    # q, r and s are all at distance 1/std: the first one wins
    assert cf.index == "q" and cf.position == 1 and cf.query_index == "p"


def test_same_answer_for_polars_pyarrow_and_odd_column_names():
    X = make(150, seed=6)[["age", "income", "hours"]]
    labels = (X["income"] > 50).astype(int).to_numpy()
    base = nearest_counterfactual(None, X, 9, predictions=labels)
    ints = X.set_axis([0, 1, 2], axis=1)
    assert nearest_counterfactual(None, ints, 9, predictions=labels).position == (
        base.position
    )
    tuples = X.set_axis(
        pd.MultiIndex.from_tuples([("a", 1), ("a", 2), ("b", 1)]), axis=1
    )
    t = nearest_counterfactual(None, tuples, 9, predictions=labels)
    assert t.position == base.position and t.changed[0] in tuples.columns
    nullable = X.astype({"age": "Int64", "income": "Float64"})
    assert nearest_counterfactual(None, nullable, 9, predictions=labels).position == (
        base.position
    )
    pa = pytest.importorskip("pyarrow")
    table = pa.Table.from_pandas(X, preserve_index=False)
    assert nearest_counterfactual(None, table, 9, predictions=labels).position == (
        base.position
    )
    pl = pytest.importorskip("polars")
    assert (
        nearest_counterfactual(None, pl.from_pandas(X), 9, predictions=labels).position
        == base.position
    )


def test_html_escapes_and_dict_is_json_safe():
    import json

    X = pd.DataFrame({"<b>x</b>": [1.0, 2.0, 3.0], "s": ["<i>", "a", "b"]})
    cf = nearest_counterfactual(None, X, 0, predictions=["<no>", "yes", "yes"])
    html = cf._repr_html_()
    assert "<b>x</b>" not in html and "&lt;b&gt;" in html and "<i>" not in html
    json.dumps(cf.to_dict())
    assert "Counterfactual" in repr(cf)
