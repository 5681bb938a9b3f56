"""WhatIf's bad input, table-driven: each case asserts the error type and that the
message names the argument (or feature) and the fix. Model failures at build time
and on an edit are shown in the widget, which stays alive."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from widgetkit import browser_sets

from mlnb.errors import MlnbError, MlnbValueError

pytest.importorskip("anywidget")

from mlnb.widgets.whatif import WhatIf  # noqa: E402

RNG = np.random.default_rng(0)
DF = pd.DataFrame(
    {
        "age": RNG.integers(18, 80, 200),
        "hours": RNG.normal(40, 10, 200),
        "flag": RNG.random(200) < 0.5,
        "kind": pd.Categorical(RNG.choice(["a", "b"], 200)),
        "y": RNG.integers(0, 2, 200),
    }
)
X = DF[["age", "hours"]]
MODEL = LogisticRegression().fit(X, DF["y"])


def good_fn(rows):
    return MODEL.predict_proba(rows[["age", "hours"]])[:, 1]


# -- refused when the widget is built --------------------------------------------------
BUILD_CASES = [
    # (id, args, kwargs, error type, words the message must hold)
    ("unfitted", (LogisticRegression(), DF), {"label": "y"}, MlnbValueError, ["fit"]),
    ("array as model", (np.ones(3), DF), {}, MlnbValueError, ["model_or_predict_fn"]),
    ("data a list", (MODEL, [[1, 2]]), {}, MlnbValueError, ["data", "table"]),
    ("no rows", (MODEL, DF.iloc[:0]), {}, MlnbValueError, ["data", "no rows"]),
    (
        "label not a column",
        (MODEL, DF),
        {"label": "income"},
        MlnbValueError,
        ["label", "'age'"],
    ),
    (
        "label wrong length",
        (MODEL, DF),
        {"label": [0, 1]},
        MlnbValueError,
        ["label", "200"],
    ),
    (
        "unknown feature",
        (MODEL, DF),
        {"features": ["age", "wage"]},
        MlnbValueError,
        ["wage"],
    ),
    (
        "unknown sensitive",
        (MODEL, DF),
        {"label": "y", "sensitive": "race"},
        MlnbValueError,
        ["race"],
    ),
    (
        "max_points 0",
        (MODEL, DF),
        {"max_points": 0},
        MlnbValueError,
        ["max_points", "5000"],
    ),
    (
        "max_points text",
        (MODEL, DF),
        {"max_points": "many"},
        MlnbValueError,
        ["max_points"],
    ),
    ("pdp_rows 0", (MODEL, DF), {"pdp_rows": 0}, MlnbValueError, ["pdp_rows", "None"]),
    (
        "distance l3",
        (MODEL, DF),
        {"distance": "l3"},
        MlnbValueError,
        ["distance", "'l1'"],
    ),
    (
        "model_type",
        (MODEL, DF),
        {"model_type": "ranking"},
        MlnbValueError,
        ["model_type", "'classification'"],
    ),
    (
        "model_names one name",
        (MODEL, DF),
        {"compare": good_fn, "model_names": ("logistic",)},
        MlnbValueError,
        ["model_names", "two different", "model_names=("],
    ),
    (
        "model_names the same twice",
        (MODEL, DF),
        {"compare": good_fn, "model_names": ("m", "m")},
        MlnbValueError,
        ["model_names", "two different"],
    ),
    (
        "model_names a number",
        (MODEL, DF),
        {"compare": good_fn, "model_names": ("a", 2)},
        MlnbValueError,
        ["model_names", "texts"],
    ),
    (
        "model_names without compare",
        (MODEL, DF),
        {"model_names": ("a", "b")},
        MlnbValueError,
        ["model_names", "compare="],
    ),
]


@pytest.mark.parametrize(
    "args, kwargs, error, words",
    [c[1:] for c in BUILD_CASES],
    ids=[c[0] for c in BUILD_CASES],
)
def test_bad_build_arguments(args, kwargs, error, words):
    kwargs = {"features": ["age", "hours"], **kwargs} if args[0] is MODEL else kwargs
    with pytest.raises(error) as info:
        WhatIf(*args, **kwargs)
    for w in words:
        assert w in str(info.value), (w, str(info.value))


# -- a model that fails on the data: shown, the widget lives ---------------------------
def raises(rows):
    raise RuntimeError("model server down")


def wrong_shape(rows):
    return np.zeros(len(rows) + 1)


def nan(rows):
    out = good_fn(rows)
    out[0] = np.nan
    return out


def labels(rows):
    return np.where(good_fn(rows) >= 0.5, "yes", "no")


MODEL_CASES = [
    ("raises", raises, ["model server down"]),
    ("wrong shape", wrong_shape, ["201", "200"]),
    ("NaN", nan, ["NaN"]),
    ("labels", labels, ["labels"]),
]


@pytest.mark.parametrize(
    "fn, words", [c[1:] for c in MODEL_CASES], ids=[c[0] for c in MODEL_CASES]
)
def test_model_failures_are_shown_in_the_widget(fn, words):
    w = WhatIf(fn, DF, label="y", features=["age", "hours"])
    assert w.error.startswith("the model could not predict the data")
    for word in words:
        assert word in w.error, (word, w.error)
    # alive: the scatter still draws the features, the tabs say what is missing
    assert w.y_axis == "f0" and len(w.scatter_points()) == 200
    w.tab = "performance"
    assert (
        not w.performance["available"]
        and "No predictions" in (w.performance["missing"])
    )
    w.selected = 3
    assert w.row["id"] == 3 and "prediction" not in w.row
    w.tab = "pdp"
    assert "error" in w.pdp
    data, _ = w._repr_mimebundle_()
    assert data["application/vnd.mlnb.check+json"]["status"] == "info"


# -- edits -----------------------------------------------------------------------------
@pytest.fixture
def widget():
    def fn(rows):
        return MODEL.predict_proba(rows[["age", "hours"]])[:, 1]

    w = WhatIf(fn, DF, label="y", features=["age", "hours", "flag", "kind"])
    w.selected = 0
    return w


EDIT_CASES = [
    ("number as text", "hours", "forty", ["'hours'", "number"]),
    ("number none", "hours", None, ["'hours'", "number"]),
    ("number bool", "hours", True, ["'hours'", "number"]),
    ("number inf", "hours", float("inf"), ["'hours'", "finite"]),
    ("integer fraction", "age", 30.5, ["'age'", "whole number"]),
    ("boolean text", "flag", "maybe", ["'flag'", "True or False"]),
    ("category unknown", "kind", "c", ["'kind'", "'a'", "'b'"]),
    ("category list", "kind", ["a"], ["'kind'", "category"]),
    ("unknown feature", "wage", 1, ["'wage'", "'age'"]),
]


@pytest.mark.parametrize(
    "feature, value, words", [c[1:] for c in EDIT_CASES], ids=[c[0] for c in EDIT_CASES]
)
def test_bad_edits(widget, feature, value, words):
    before = widget.data.loc[0].tolist()
    with pytest.raises(MlnbValueError) as info:
        widget.edit(feature, value)
    for w in words:
        assert w in str(info.value), (w, str(info.value))
    assert widget.data.loc[0].tolist() == before and widget.history == []


def test_bad_edit_from_the_view_is_shown(widget):
    browser_sets(widget, action={"op": "edit", "feature": "f1", "value": "x", "n": 1})
    assert "'hours'" in widget.error and "number" in widget.error
    browser_sets(widget, action={"op": "edit", "feature": "f1", "value": "41", "n": 2})
    assert widget.error == ""


OP_CASES = [
    ("undo nothing", lambda w: w.undo(), ["nothing to undo"]),
    ("revert unedited", lambda w: w.revert(), ["no edits to revert"]),
    ("row out of range", lambda w: w.edit("age", 30, row=999), ["row 999"]),
    ("row not int", lambda w: w.edit("age", 30, row="a"), ["row", "int"]),
    (
        "no selection",
        lambda w: (setattr(w, "selected", -1), w.duplicate()),
        ["no point selected", "row="],
    ),
    ("deleted row", lambda w: (w.delete(0), w.edit("age", 30, row=0)), ["row 0"]),
]


@pytest.mark.parametrize(
    "op, words", [c[1:] for c in OP_CASES], ids=[c[0] for c in OP_CASES]
)
def test_bad_operations(widget, op, words):
    with pytest.raises(MlnbError) as info:
        op(widget)
    for w in words:
        assert w in str(info.value), (w, str(info.value))


def test_bad_traits_from_the_view_are_refused(widget):
    browser_sets(widget, selected=5000)
    assert widget.selected == 0 and "5000" in widget.error
    widget.tab = "performance"
    browser_sets(widget, cost_ratio=-1.0)
    assert widget.cost_ratio == 1.0 and "cost ratio" in widget.error
    browser_sets(widget, pdp_feature="nope")
    assert widget.pdp_feature == "f0" and "nope" in widget.error
    browser_sets(widget, action={"op": "explode", "n": 1})
    assert "explode" in widget.error
