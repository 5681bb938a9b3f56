"""WhatIf without a browser: build it, set traits as the view would, and check the
derived traits against independent oracles (the scikit-learn model called
directly, ``sklearn.inspection.partial_dependence``, ``sklearn.metrics``, brute
force); check the display bundle, the status record and what goes to the browser.

The real rendering is checked in Chromium by tests/ui/test_whatif_widget.py; bad
input by tests/widgets/test_whatif_bad_input.py.
"""

from __future__ import annotations

import json
import threading
import time

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.inspection import partial_dependence as sk_partial_dependence
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import confusion_matrix, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder
from widgetkit import (
    EVIL,
    assert_nbconvert_shows_static_fallback,
    assert_view_code_is_safe,
    browser_sets,
    sent_keys,
)

from mlnb.checklist.result import MIME_TYPE

pytest.importorskip("anywidget")

from mlnb.checks.whatif import fair_thresholds, nearest_counterfactual  # noqa: E402
from mlnb.widgets.whatif import STRATEGIES, WhatIf  # noqa: E402

FEATURES = ["age", "hours", "sex", "job"]


def people(n: int = 600, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "age": rng.integers(18, 80, n),
            "hours": np.round(rng.normal(40, 10, n), 1),
            "sex": rng.choice(["Female", "Male"], n),
            "job": rng.choice(["clerk", "nurse", "pilot"], n),
        }
    )
    logit = (df["age"] - 45) / 12 + (df["job"] == "pilot") - 0.3 * (df["sex"] == "Male")
    df["y"] = (logit + rng.normal(0, 1, n) > 0).astype(int)
    return df


def fit(df: pd.DataFrame):
    pre = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), ["sex", "job"]),
        remainder="passthrough",
    )
    return make_pipeline(pre, LogisticRegression(max_iter=1000)).fit(
        df[FEATURES], df["y"]
    )


@pytest.fixture(scope="module")
def df():
    return people()


@pytest.fixture(scope="module")
def model(df):
    return fit(df)


@pytest.fixture
def widget(df, model):
    return WhatIf(model, df, label="y", sensitive="sex", pdp_rows=None)


def proba(model, rows: pd.DataFrame) -> np.ndarray:
    return model.predict_proba(rows[FEATURES])[:, 1]


# -- build -----------------------------------------------------------------------------
def test_build_shows_every_row_and_the_models_predictions(widget, df, model):
    pts = widget.scatter_points()
    assert widget.sample["text"] == "showing all 600 rows"
    assert pts["row"].tolist() == list(range(600))
    assert widget.x_axis == "f0" and widget.y_axis == "prediction"
    np.testing.assert_allclose(pts["x"], df["age"].to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(pts["y"], proba(model, df), rtol=1e-6)
    # colour by label: category codes with the label values as names
    assert widget.points["color_kind"] == "categorical"
    assert pts["color"].tolist() == df["y"].astype(str).tolist()
    # compact arrays: int32 row ids and float32 coordinates, as binary buffers
    assert len(widget.points["row"]) == 4 * 600 and len(widget.points["x"]) == 4 * 600
    assert widget.info["features"] == [
        {"id": "f0", "name": "age", "kind": "numeric"},
        {"id": "f1", "name": "hours", "kind": "numeric"},
        {"id": "f2", "name": "sex", "kind": "categorical"},
        {"id": "f3", "name": "job", "kind": "categorical"},
    ]
    assert widget.status == "info" and widget.error == ""


def test_above_max_points_a_labelled_seeded_sample_goes_to_the_browser(df, model):
    big = pd.concat([df] * 20, ignore_index=True)  # 12,000 rows
    w = WhatIf(model, big, label="y", max_points=500)
    assert w.sample == {
        "n_rows": 12_000,
        "n_shown": 500,
        "sampled": True,
        "seed": 0,
        "text": "showing 500 of 12,000 rows, random sample, seed 0",
    }
    rows = w.scatter_points()["row"].to_numpy()
    expected = np.sort(np.random.default_rng(0).choice(12_000, 500, replace=False))
    np.testing.assert_array_equal(rows, expected)
    for key in ("x", "y", "color"):
        assert len(w.points[key]) == 4 * 500
    # only the sample: the whole state (JSON and binary buffers) stays small
    from ipywidgets.widgets.widget import _remove_buffers

    data = {k: v for k, v in w.get_state().items() if k not in ("_esm", "_css")}
    state, _, buffers = _remove_buffers(data)
    assert len(json.dumps(state)) + sum(len(b) for b in buffers) < 30_000
    # the same seed gives the same sample
    again = WhatIf(model, big, label="y", max_points=500)
    assert again.points["row"] == w.points["row"]


def test_axes_colour_and_facet_follow_the_view(widget, df, model):
    msgs = browser_sets(widget, x_axis="f1", y_axis="f3", color_by="correct")
    assert "points" in sent_keys(msgs)
    pts = widget.scatter_points()
    np.testing.assert_allclose(pts["x"], df["hours"].to_numpy(), rtol=1e-6)
    assert widget.points["y_kind"] == "categorical"
    assert pts["y"].tolist() == df["job"].tolist()
    right = (proba(model, df) >= 0.5) == (df["y"].to_numpy() == 1)
    assert pts["color"].tolist() == ["correct" if r else "wrong" for r in right]
    widget.facet_by = "f2"
    assert widget.scatter_points()["facet"].tolist() == df["sex"].tolist()
    widget.color_by = "error"
    np.testing.assert_allclose(
        widget.scatter_points()["color"], np.abs(df["y"] - proba(model, df)), rtol=1e-5
    )
    # an unknown axis is refused and said
    browser_sets(widget, x_axis="nope")
    assert widget.x_axis == "f1" and "nope" in widget.error


# -- editor ----------------------------------------------------------------------------
def test_select_edit_and_reinfer(widget, df, model):
    before = df.copy()
    msgs = browser_sets(widget, selected=7)
    assert "row" in sent_keys(msgs)
    row = widget.row
    assert row["id"] == 7 and row["label"] == str(df["y"][7])
    assert {f["name"]: f["value"] for f in row["features"]} == {
        c: df[c][7].item() if hasattr(df[c][7], "item") else df[c][7] for c in FEATURES
    }
    assert row["prediction"]["score"] == pytest.approx(proba(model, df.iloc[[7]])[0])

    t0 = widget.predictor.n_calls
    msgs = browser_sets(
        widget, action={"op": "edit", "feature": "f0", "value": "77", "n": 1}
    )
    edited = df.iloc[[7]].copy()
    edited["age"] = 77
    want = proba(model, edited)[0]
    assert widget.predictor.n_calls == t0 + 1  # one row re-inferred
    assert widget.row["prediction"]["score"] == pytest.approx(want)
    assert widget.row["original_prediction"]["score"] == pytest.approx(
        proba(model, df.iloc[[7]])[0]
    )
    assert {"row", "points", "history"} <= sent_keys(msgs)
    age = next(f for f in widget.row["features"] if f["name"] == "age")
    assert age["value"] == 77 and age["original"] == df["age"][7]
    assert widget.scatter_points()["y"][7] == pytest.approx(want, rel=1e-6)
    assert widget.points["edited"] == [7]
    assert widget.history[0]["op"] == "edit" and widget.history[0]["new"] == 77
    # a categorical edit through the dropdown
    job = next(j for j in ("clerk", "nurse", "pilot") if j != df["job"][7])
    browser_sets(widget, action={"op": "edit", "feature": "f3", "value": job, "n": 2})
    edited["job"] = job
    assert widget.row["prediction"]["score"] == pytest.approx(proba(model, edited)[0])
    # the user's frame is untouched; the widget's copy holds the edits
    pd.testing.assert_frame_equal(df, before)
    assert widget.data.loc[7, "age"] == 77 and widget.data.loc[7, "job"] == job
    assert widget.data["age"].dtype == df["age"].dtype

    # undo the latest change, then revert the rest
    browser_sets(widget, action={"op": "undo", "n": 3})
    assert widget.data.loc[7, "job"] == df["job"][7]
    assert widget.row["prediction"]["score"] == pytest.approx(want)
    browser_sets(widget, action={"op": "revert", "n": 4})
    assert widget.data.loc[7, "age"] == df["age"][7]
    assert widget.row["prediction"]["score"] == pytest.approx(
        proba(model, df.iloc[[7]])[0]
    )
    assert not widget.row["can_revert"] and widget.error == ""


def test_wrong_type_edit_is_refused_with_the_feature_and_type(widget, df):
    widget.selected = 3
    browser_sets(widget, action={"op": "edit", "feature": "f0", "value": "old", "n": 1})
    assert "'age'" in widget.error and "number" in widget.error
    assert widget.data.loc[3, "age"] == df["age"][3]
    browser_sets(widget, action={"op": "edit", "feature": "f0", "value": "3.5", "n": 2})
    assert "'age'" in widget.error and "whole number" in widget.error
    # the widget stays alive: a good edit works and clears the message
    browser_sets(
        widget, action={"op": "edit", "feature": "f1", "value": "12.5", "n": 3}
    )
    assert widget.error == "" and widget.data.loc[3, "hours"] == 12.5


def test_duplicate_and_delete(widget, df):
    widget.selected = 5
    new = widget.duplicate()
    assert new == 600 and widget.selected == 600
    assert widget.sample["n_rows"] == 601
    assert widget.scatter_points()["row"].iloc[-1] == 600
    assert widget.row["index_label"] == "copy of 5"
    widget.edit("age", 20)
    assert (
        widget.data.loc[600, "age"] == 20 and widget.data.loc[5, "age"] == df["age"][5]
    )
    widget.delete()
    assert widget.selected == -1 and widget.row == {}
    assert 600 not in set(widget.scatter_points()["row"])
    assert widget.sample["n_rows"] == 600
    widget.undo()  # the delete
    assert 600 in set(widget.scatter_points()["row"])
    assert widget.record()["metrics"]["points_edited"] == 1


def test_a_model_that_raises_on_an_edit_is_shown_and_the_widget_lives(df, model):
    def fragile(rows):
        if (rows["age"] > 120).any():
            raise RuntimeError("age out of range")
        return model.predict_proba(rows)[:, 1]

    w = WhatIf(fragile, df, label="y", features=FEATURES)
    w.selected = 2
    browser_sets(w, action={"op": "edit", "feature": "f0", "value": "150", "n": 1})
    assert "age out of range" in w.error
    assert w.data.loc[2, "age"] == df["age"][2]  # the edit was undone
    assert w.history == []
    browser_sets(w, action={"op": "edit", "feature": "f0", "value": "60", "n": 2})
    assert w.error == "" and w.data.loc[2, "age"] == 60


def test_compare_model_side_by_side(df, model):
    other = make_pipeline(
        make_column_transformer(
            (OneHotEncoder(), ["sex", "job"]), remainder="passthrough"
        ),
        LogisticRegression(C=0.01, max_iter=1000),
    ).fit(df[FEATURES], df["y"])
    w = WhatIf(model, df, label="y", compare=other)
    w.selected = 4
    assert w.row["compare_prediction"]["score"] == pytest.approx(
        proba(other, df.iloc[[4]])[0]
    )
    w.edit("age", 70)
    edited = df.iloc[[4]].copy()
    edited["age"] = 70
    assert w.row["compare_prediction"]["score"] == pytest.approx(
        proba(other, edited)[0]
    )
    w.tab = "performance"
    assert w.performance["compare"]["roc_auc"] == pytest.approx(
        roc_auc_score(df["y"], proba(other, w.data.assign(y=df["y"])))
    )


def forest(df):
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.preprocessing import OrdinalEncoder

    return make_pipeline(
        make_column_transformer(
            (OrdinalEncoder(), ["sex", "job"]), remainder="passthrough"
        ),
        RandomForestClassifier(n_estimators=30, max_depth=5, random_state=0),
    ).fit(df[FEATURES], df["y"])


def test_compare_names_the_two_models(df, model):
    other = forest(df)
    w = WhatIf(model, df, label="y", compare=other)
    assert (w.info["model_name"], w.info["compare_name"]) == (
        "LogisticRegression",
        "RandomForestClassifier",
    )
    names = {o["id"]: o["name"] for o in w.axis_options}
    assert names["prediction"] == "LogisticRegression: P(1)"
    assert names["compare_prediction"] == "RandomForestClassifier: P(1)"
    # the same class twice, or an anonymous function: numbered
    w2 = WhatIf(model, df, label="y", compare=fit(df))
    assert (w2.info["model_name"], w2.info["compare_name"]) == ("model 1", "model 2")
    w3 = WhatIf(model, df, label="y", compare=lambda rows: proba(model, rows))
    assert w3.info["compare_name"] == "model 2"

    # a named function keeps its name; names can be given
    def tuned(rows):
        return proba(model, rows)

    assert WhatIf(model, df, compare=tuned).info["compare_name"] == "tuned"
    # a Predictor (what the WIT builder passes) is named by the model it wraps
    from mlnb.checks.predictor import Predictor

    w5 = WhatIf(Predictor.of(model), df, compare=Predictor.of(tuned))
    assert (w5.info["model_name"], w5.info["compare_name"]) == (
        "LogisticRegression",
        "tuned",
    )
    w4 = WhatIf(model, df, compare=other, model_names=("logit", "forest"))
    assert (w4.info["model_name"], w4.info["compare_name"]) == ("logit", "forest")
    # one model: no compared name
    assert WhatIf(model, df).info["compare_name"] is None
    # the record says which two models were compared
    assert w.record()["metrics"]["models"] == [
        "LogisticRegression",
        "RandomForestClassifier",
    ]


def test_compare_agreement_history_and_per_group_metrics(df, model):
    other = forest(df)
    w = WhatIf(model, df, label="y", sensitive="sex", compare=other)
    y = df["y"].to_numpy()
    pa, pb = proba(model, df), proba(other, df)
    # where the models disagree, at the slider's threshold
    w.color_by = "disagree"
    want = np.where((pa >= 0.5) != (pb >= 0.5), "disagree", "agree")
    assert w.scatter_points()["color"].tolist() == want.tolist()
    assert (want == "disagree").any()
    # an edit: the history names both models' new predictions
    w.selected = 5
    w.edit("age", 75)
    edited = df.iloc[[5]].assign(age=75)
    b = proba(other, edited)[0]
    assert w.history[0]["compare_after"] == f"P(1) = {b:.3f} → {int(b >= 0.5)}"
    w.undo()
    # per-group thresholds: the compared model at the same thresholds
    w.tab = "performance"
    browser_sets(w, cost_ratio=0.5, strategy="demographic_parity")
    per = {g["group"]: g["threshold"] for g in w.performance["groups"]}
    assert len(set(per.values())) == 2
    t = df["sex"].map(per).to_numpy()
    tn, fp, fn, tp = confusion_matrix(y, pb >= t).ravel()
    c = w.performance["compare_at"]
    assert (c["tn"], c["fp"], c["fn"], c["tp"]) == (tn, fp, fn, tp)
    assert c["threshold"] is None
    # and the agreement follows each row's group threshold
    want = np.where((pa >= t) != (pb >= t), "disagree", "agree")
    assert w.scatter_points()["color"].tolist() == want.tolist()
    # the counterfactual shows both models' predictions
    browser_sets(w, tab="counterfactual", selected=3)
    cf = w.counterfactual
    assert cf["compare_prediction"]["score"] == pytest.approx(pb[3])
    assert cf["other_compare_prediction"]["score"] == pytest.approx(pb[cf["other"]])


# -- counterfactual --------------------------------------------------------------------
@pytest.mark.parametrize("distance", ["l1", "l2"])
def test_counterfactual_is_the_public_functions(widget, df, model, distance):
    widget.tab = "counterfactual"
    browser_sets(widget, cf_distance=distance, selected=11)
    cf = widget.counterfactual
    want = nearest_counterfactual(model, df[FEATURES], 11, distance=distance)
    assert cf["other"] == want.index
    assert cf["distance"] == pytest.approx(want.distance)
    assert {r["feature"] for r in cf["table"] if r["differs"]} == set(want.changed)
    # its prediction differs from the selected point's
    p = proba(model, df.iloc[[11, cf["other"]]])
    assert (p[0] >= 0.5) != (p[1] >= 0.5)
    browser_sets(widget, action={"op": "select_counterfactual", "n": 1})
    assert widget.selected == cf["other"]


def test_counterfactual_brute_force_on_numeric_features():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=300), "b": rng.uniform(0, 10, 300)})
    y = (X["a"] + X["b"] / 5 > 1).astype(int)
    m = LogisticRegression().fit(X, y)
    w = WhatIf(m, X)
    w.tab = "counterfactual"
    w.selected = 0
    # brute force over the public function's normalised L1 distances
    p = m.predict_proba(X)[:, 1] >= 0.5
    other = w.counterfactual["other"]
    assert p[other] != p[0]
    from mlnb.checks.whatif.counterfactual import distances

    d = distances(X, ["a", "b"], 0, "l1")
    d[p == p[0]] = np.inf
    assert other == int(np.argmin(d))


# -- partial dependence ----------------------------------------------------------------
def test_pdp_and_ice_equal_sklearn_brute(widget, df, model):
    widget.selected = 9
    browser_sets(widget, tab="pdp")
    widget.wait(30)
    pdp = widget.pdp
    assert pdp["feature"] == "age" and not pdp["sampled"] and pdp["n_rows"] == 600
    grid = np.asarray(pdp["grid_values"], dtype=float)
    # an integer column's grid is whole numbers (scikit-learn wants float columns)
    assert np.array_equal(grid, np.round(grid)) and len(grid) > 10
    sk = sk_partial_dependence(
        model,
        df[FEATURES].astype({"age": float}),
        ["age"],
        method="brute",
        kind="both",
        custom_values={"age": grid},
        response_method="predict_proba",
    )
    np.testing.assert_allclose(pdp["average"], sk["average"][0], rtol=1e-9)
    np.testing.assert_allclose(pdp["ice"], sk["individual"][0][9], rtol=1e-9)
    assert (
        widget.progress["done"] == widget.progress["total"]
        and not widget.progress["running"]
    )
    # a categorical feature: one value per category
    browser_sets(widget, pdp_feature="f3")
    widget.wait(30)
    assert widget.pdp["categorical"] and widget.pdp["grid_values"] == [
        "clerk",
        "nurse",
        "pilot",
    ]
    for k, job in enumerate(["clerk", "nurse", "pilot"]):
        want = proba(model, df.assign(job=job)).mean()
        assert widget.pdp["average"][k] == pytest.approx(want)


def test_pdp_over_a_sample_says_so(df, model):
    w = WhatIf(model, df, label="y", pdp_rows=100)
    w.tab = "pdp"
    w.wait(30)
    assert w.pdp["sampled"] and w.pdp["n_rows"] == 100 and w.pdp["n_total"] == 600
    rows = np.sort(np.random.default_rng(0).choice(600, 100, replace=False))
    grid = np.asarray(w.pdp["grid_values"], dtype=float)
    want = [proba(model, df.iloc[rows].assign(age=g)).mean() for g in grid]
    np.testing.assert_allclose(w.pdp["average"], want, rtol=1e-9)


def test_pdp_can_be_cancelled(df, model):
    started = threading.Event()

    def slow(rows):
        started.set()
        time.sleep(0.05)
        return model.predict_proba(rows)[:, 1]

    big = pd.concat([df] * 10, ignore_index=True)  # 6,000 rows: 3 batches
    w = WhatIf(slow, big, label="y", features=FEATURES, pdp_rows=None)
    w.tab = "pdp"
    assert w.progress["running"] and w.progress["total"] == 3
    started.wait(5)
    browser_sets(w, action={"op": "cancel", "n": 1})
    w.wait(30)
    assert w.progress.get("cancelled") and not w.progress["running"]
    assert "average" not in w.pdp


# -- performance & fairness ------------------------------------------------------------
def test_performance_matches_sklearn_at_the_slider(widget, df, model):
    browser_sets(widget, tab="performance")
    y = df["y"].to_numpy()
    s = proba(model, df)
    perf = widget.performance
    assert perf["available"] and perf["roc_auc"] == pytest.approx(roc_auc_score(y, s))
    msgs = browser_sets(widget, threshold=0.35)
    assert "performance" in sent_keys(msgs)
    tn, fp, fn, tp = confusion_matrix(y, s >= 0.35).ravel()
    o = widget.performance["overall"]
    assert (o["tn"], o["fp"], o["fn"], o["tp"]) == (tn, fp, fn, tp)
    for g in widget.performance["groups"]:
        m = df["sex"].to_numpy() == g["group"]
        tn, fp, fn, tp = confusion_matrix(y[m], s[m] >= 0.35).ravel()
        assert (g["tn"], g["fp"], g["fn"], g["tp"], g["n"]) == (tn, fp, fn, tp, m.sum())
    assert widget.strategy == "manual" and widget.status == "info"


def test_an_edit_refreshes_the_performance_in_the_background(widget, df, model):
    widget.tab = "performance"
    widget.selected = 0
    y = df["y"].to_numpy()
    edited = df.copy()
    edited.loc[0, "age"] = 79
    widget.edit("age", 79)
    widget.wait(30)
    s = proba(model, edited)
    tn, fp, fn, tp = confusion_matrix(y, s >= 0.5).ravel()
    o = widget.performance["overall"]
    assert (o["tn"], o["fp"], o["fn"], o["tp"]) == (tn, fp, fn, tp)
    assert widget.performance["roc_auc"] == pytest.approx(roc_auc_score(y, s))


@pytest.mark.parametrize("strategy", [s for s in STRATEGIES if s != "manual"])
def test_strategies_are_fair_thresholds(widget, df, model, strategy):
    widget.tab = "performance"
    browser_sets(widget, cost_ratio=2.0, strategy=strategy)
    y = df["y"].to_numpy()
    s = proba(model, df)
    want = fair_thresholds(
        y, s, df["sex"], strategy=strategy, cost_ratio=2.0, publish=False
    )
    got = {g["group"]: g["threshold"] for g in widget.performance["groups"]}
    assert got == pytest.approx(want.thresholds)
    for g in widget.performance["groups"]:
        m = df["sex"].to_numpy() == g["group"]
        assert g["tp"] == ((s[m] >= g["threshold"]) & (y[m] == 1)).sum()
    # the record says what was chosen, with the fairness result's status
    rec = widget.record()
    assert rec["step"] == "fairness" and rec["check"] == "whatif"
    assert rec["status"] == want.status
    assert rec["metrics"]["strategy"] == strategy
    assert rec["metrics"]["thresholds"] == pytest.approx(want.thresholds)
    assert [c["condition"] for c in rec["conditions"]] == [
        o.name for o in want.outcomes
    ]
    # moving the slider goes back to one manual threshold
    browser_sets(widget, threshold=0.6)
    assert widget.strategy == "manual"
    assert {g["threshold"] for g in widget.performance["groups"]} == {0.6}


def test_per_group_thresholds_decide_predictions_and_correctness(widget, df, model):
    widget.tab = "performance"
    widget.color_by = "correct"
    browser_sets(widget, cost_ratio=0.5, strategy="demographic_parity")
    per = {g["group"]: g["threshold"] for g in widget.performance["groups"]}
    assert len(set(per.values())) == 2  # the groups got different thresholds
    s = proba(model, df)
    t = df["sex"].map(per).to_numpy()
    right = (s >= t) == (df["y"].to_numpy() == 1)
    assert widget.scatter_points()["color"].tolist() == [
        "correct" if r else "wrong" for r in right
    ]
    # a row whose prediction flips between the slider's and its group's threshold
    flips = np.flatnonzero((s >= t) != (s >= widget.threshold))
    assert len(flips) > 0
    widget.selected = int(flips[0])
    want = "1" if s[flips[0]] >= t[flips[0]] else "0"
    assert widget.row["prediction"]["label"] == want


def brute_nearest(X: pd.DataFrame, labels: np.ndarray, pos: int, kind: str) -> int:
    """The nearest row with another label, by brute force over the rows: each
    numeric feature's |difference| over its population standard deviation, each
    other feature 0 when equal else 1, summed (l1) or root of squares (l2); ties
    to the first row."""
    best, best_d = -1, np.inf
    stds = {c: X[c].std(ddof=0) for c in X.columns if X[c].dtype.kind in "if"}
    query = X.iloc[pos]
    for i in range(len(X)):
        if labels[i] == labels[pos]:
            continue
        parts = []
        for c in X.columns:
            if c in stds:
                parts.append(abs(float(X[c].iloc[i]) - float(query[c])) / stds[c])
            else:
                parts.append(0.0 if X[c].iloc[i] == query[c] else 1.0)
        d = sum(parts) if kind == "l1" else float(np.sqrt(sum(p * p for p in parts)))
        if d < best_d:
            best, best_d = i, d
    return best


@pytest.mark.parametrize("distance", ["l1", "l2"])
def test_counterfactual_differs_at_each_rows_group_threshold(
    widget, df, model, distance
):
    # per-group thresholds far apart, so many rows flip against the slider's
    widget.tab = "performance"
    browser_sets(widget, cost_ratio=0.5, strategy="demographic_parity")
    per = {g["group"]: g["threshold"] for g in widget.performance["groups"]}
    assert len(set(per.values())) == 2
    s = proba(model, df)
    grouped = s >= df["sex"].map(per).to_numpy()
    single = s >= widget.threshold
    X = df[FEATURES]
    # the first rows whose nearest counterfactual moves when the groups' own
    # thresholds decide "differs": the oracle alone says which
    rows = []
    for pos in range(len(df)):
        want = brute_nearest(X, grouped, pos, distance)
        if want != brute_nearest(X, single, pos, distance):
            rows.append((pos, want))
        if len(rows) == 3:
            break
    assert rows, "no row whose counterfactual depends on the per-group thresholds"
    widget.tab = "counterfactual"
    browser_sets(widget, cf_distance=distance)
    for pos, want in rows:
        browser_sets(widget, selected=pos)
        cf = widget.counterfactual
        assert cf["other"] == want
        assert grouped[cf["other"]] != grouped[pos]
        # the predictions shown are at each row's own group threshold
        assert cf["prediction"]["label"] == ("1" if grouped[pos] else "0")
        assert cf["other_prediction"]["label"] == ("1" if grouped[want] else "0")
        note = cf["thresholds"]
        assert note["strategy"] == "demographic_parity"
        assert note["threshold"] == pytest.approx(per[df["sex"].iloc[pos]])
        assert note["other_threshold"] == pytest.approx(per[df["sex"].iloc[want]])
    # back to the slider: one threshold decides again, and the note goes
    pos, _ = rows[0]
    browser_sets(widget, selected=pos)
    browser_sets(widget, strategy="manual")
    assert widget.counterfactual["other"] == brute_nearest(X, single, pos, distance)
    assert widget.counterfactual["thresholds"] is None


def test_no_label_says_what_is_missing(df, model):
    w = WhatIf(model, df[FEATURES])
    w.tab = "performance"
    assert not w.performance["available"]
    assert "label=" in w.performance["missing"]
    assert "label" not in {o["id"] for o in w.axis_options}


def test_one_group_sensitive_says_so(df, model):
    w = WhatIf(
        model, df.assign(one="all"), label="y", features=FEATURES, sensitive="one"
    )
    w.tab = "performance"
    assert "one group" in w.performance["group_note"]
    w.strategy = "demographic_parity"
    assert "two groups" in w.performance["fair_error"]
    assert w.status == "info"


def test_regression_and_multiclass(df):
    reg = LinearRegression().fit(df[["age", "hours"]], df["hours"] * 2)
    w = WhatIf(reg, df, label="hours", features=["age", "hours"])
    assert w.info["kind"] == "regression"
    w.selected = 1
    assert w.row["prediction"]["score"] == pytest.approx(
        reg.predict(df[["age", "hours"]].iloc[[1]])[0]
    )
    w.tab = "performance"
    assert "regression" in w.performance["missing"]

    clf = LogisticRegression(max_iter=1000).fit(df[["age", "hours"]], df["job"])
    w = WhatIf(clf, df, label="job", features=["age", "hours"])
    assert w.info["kind"] == "multiclass"
    w.selected = 0
    p = clf.predict_proba(df[["age", "hours"]].iloc[[0]])[0]
    assert w.row["prediction"]["label"] == clf.classes_[np.argmax(p)]
    assert w.points["y_kind"] == "categorical"


# -- attributions ----------------------------------------------------------------------
def test_attributions_beside_the_editor(widget, df, model):
    # the editor tab computes them too, for the edited point
    widget.tab = "editor"
    widget.selected = 2
    widget.edit("age", 70)
    widget.wait(60)
    edited = df.iloc[[2]].assign(age=70)
    # a linear model is explained exactly, on its decision function
    assert widget.attributions["row"] == 2
    assert widget.attributions["output"].startswith("log-odds of class 1")
    assert widget.attributions["output_value"] == pytest.approx(
        model.decision_function(edited[FEATURES])[0]
    )

    widget.tab = "attributions"
    widget.selected = 6
    assert widget.attributions == {"row": 6, "pending": True}
    widget.wait(60)
    a = widget.attributions
    assert a["row"] == 6 and a["additive"]
    # attributions add up to the prediction minus the baseline
    assert sum(b["value"] for b in a["bars"]) == pytest.approx(
        a["output_value"] - a["baseline"], abs=1e-6
    )
    assert a["output_value"] == pytest.approx(
        model.decision_function(df[FEATURES].iloc[[6]])[0]
    )
    assert {b["feature"] for b in a["bars"]} == set(FEATURES)


# -- inputs of any shape ---------------------------------------------------------------
def test_polars_pyarrow_int_and_tuple_column_names_give_the_same_points(df, model):
    base = WhatIf(model, df, label="y")
    pa = pytest.importorskip("pyarrow")
    w = WhatIf(model, pa.Table.from_pandas(df), label="y")
    assert w.points == base.points
    pl = pytest.importorskip("polars")
    w = WhatIf(model, pl.from_pandas(df), label="y")
    assert w.points == base.points

    renamed = df.rename(columns={"age": 0, "hours": ("h", 1)})

    def fn(rows):
        return model.predict_proba(rows.rename(columns={0: "age", ("h", 1): "hours"}))[
            :, 1
        ]

    w = WhatIf(fn, renamed, label="y")
    pd.testing.assert_frame_equal(w.scatter_points(), base.scatter_points())
    assert [o["name"] for o in w.axis_options[1:3]] == ["0", "h / 1"]
    w.selected = 1
    w.edit(("h", 1), 50.0)
    edited = df.iloc[[1]].assign(hours=50.0)
    assert w.row["prediction"]["score"] == pytest.approx(proba(model, edited)[0])


# -- display ---------------------------------------------------------------------------
def test_mimebundle_has_static_fallback_and_record(widget):
    widget.selected = 1
    widget.edit("age", 33)
    data, _ = widget._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    assert "static snapshot" in data["text/html"] and data["image/png"]
    rec = data[MIME_TYPE]
    assert rec["step"] == "fairness" and rec["check"] == "whatif"
    assert rec["status"] == "info"
    assert rec["metrics"]["points_edited"] == 1 and rec["metrics"]["edits"] == 1
    assert "1 point(s) edited" in rec["summary"]
    assert_nbconvert_shows_static_fallback(widget)


def test_html_is_escaped(model, df):
    evil = df.assign(job=np.where(np.arange(len(df)) % 2, EVIL, "nurse"))
    w = WhatIf(fit(evil), evil, label="y", sensitive="job")
    w.selected = 1
    w.tab = "performance"
    html = w._repr_mimebundle_()[0]["text/html"]
    assert EVIL not in html


def test_view_code_is_safe():
    assert_view_code_is_safe(WhatIf, "whatif", "mlnb-wi-card")
