"""Thresholds to and from JSON dicts (how they travel between pipeline steps): the
exact form rebuilds every threshold, the text form of ``to_dict()`` gives the same
gate decision, and a bad dict names what is wrong."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from mlnb.checks.deployment import ChangeThreshold, ValueThreshold, gate
from mlnb.checks.deployment.thresholds import threshold_from_dict, threshold_to_json
from mlnb.errors import MlnbValueError

THRESHOLDS = [
    ValueThreshold("roc_auc", lower=0.8),
    ValueThreshold("log_loss", upper=0.7),
    ValueThreshold("accuracy", lower=0.5, upper=0.99, slice={"sex": "F"}),
    ValueThreshold("accuracy", lower=0.5, slice=("grp", 2)),
    ValueThreshold("recall", lower=0.1, slice="overall"),
    ChangeThreshold("log_loss", relative=0.05),
    ChangeThreshold("roc_auc", absolute=-0.01, relative=-0.02, slice=("sex", "M")),
    ChangeThreshold("accuracy", absolute=0.0, direction="lower_is_better"),
    ChangeThreshold("roc_auc", absolute=-0.01, slice=(("a", "b"), (1, "x"))),
]


@pytest.mark.parametrize("t", THRESHOLDS, ids=lambda t: t.describe())
def test_exact_json_form_rebuilds_the_threshold(t):
    data = json.loads(json.dumps(threshold_to_json(t)))  # through JSON text
    back = threshold_from_dict(data)
    assert back == t
    assert type(back) is type(t)
    assert type(t).from_dict(data) == t


@pytest.mark.parametrize("t", THRESHOLDS, ids=lambda t: t.describe())
def test_to_dict_form_keeps_everything_but_the_value_type(t):
    back = threshold_from_dict(t.to_dict())
    assert back.to_dict() == t.to_dict()
    if t.slice is None or t.slice == "overall":
        assert back == t


def test_text_slice_gives_the_same_decision_as_the_original():
    rng = np.random.default_rng(3)
    n = 400
    df = pd.DataFrame({"a": rng.normal(size=n), "grp": rng.integers(0, 3, n)})
    df["y"] = ((df.a + rng.normal(scale=0.7, size=n)) > 0).astype(int)
    model = LogisticRegression().fit(df[["a", "grp"]], df.y)
    orig = [
        ValueThreshold("accuracy", lower=0.6, slice=("grp", 2)),
        ValueThreshold("roc_auc", lower=0.99, slice=("grp", 1)),  # fails
    ]
    back = [threshold_from_dict(t.to_dict()) for t in orig]
    assert back[0].slice == ("grp", "2")  # the text form's value is text
    kw = {"data": df, "label": "y", "slices": ["grp"], "publish": False}
    d1 = gate(model, thresholds=orig, **kw)
    d2 = gate(model, thresholds=back, **kw)
    assert not d1.blessed and d1.blessed == d2.blessed
    pd.testing.assert_frame_equal(d1.to_frame(), d2.to_frame())


def test_class_from_dict_refuses_the_other_kind():
    d = ChangeThreshold("roc_auc", absolute=-0.01).to_dict()
    with pytest.raises(MlnbValueError, match="ChangeThreshold.from_dict"):
        ValueThreshold.from_dict(d)
    d = ValueThreshold("roc_auc", lower=0.8).to_dict()
    with pytest.raises(MlnbValueError, match="ValueThreshold.from_dict"):
        ChangeThreshold.from_dict(d)


BAD = [
    (["roc_auc"], r"must be a JSON object.*got list"),
    ({"metric": "roc_auc", "lower": 0.8}, r'needs "kind": "value" or "change"'),
    ({"kind": "bound", "metric": "roc_auc"}, r"got 'bound'"),
    ({"kind": "value", "lower": 0.8}, r'needs "metric"'),
    (
        {"kind": "value", "metric": "roc_auc", "lower": 0.8, "absolute": 1},
        r"unknown field\(s\) absolute; known fields: kind, metric, lower",
    ),
    ({"kind": "value", "metric": "roc_auc"}, r"no bound: give lower="),
    ({"kind": "value", "metric": "no_such", "lower": 1}, r"no_such"),
    (
        {"kind": "change", "metric": "roc_auc", "absolute": 0, "direction": "up"},
        r"direction must be 'higher_is_better'",
    ),
    (
        {"kind": "value", "metric": "roc_auc", "lower": 0.8, "slice": "sex"},
        r"slice must be None.*slice=\('sex', 'F'\)",
    ),
    (
        {"kind": "value", "metric": "roc_auc", "lower": 0.8, "slice": [1, 2, 3]},
        r"slice must be None",
    ),
]


@pytest.mark.parametrize(("data", "words"), BAD)
def test_bad_dict_names_the_problem(data, words):
    with pytest.raises(MlnbValueError, match=words):
        threshold_from_dict(data)
