"""The evaluation gate (step 8): TFMA threshold semantics, metrics against
scikit-learn, slices that block, undefined metrics, fingerprints, JSON and HTML."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    log_loss,
    mean_absolute_error,
    roc_auc_score,
)

from mlnb.checks.deployment import (
    ChangeThreshold,
    GateDecision,
    ValueThreshold,
    gate,
    model_fingerprint,
)
from mlnb.errors import MlnbValueError, PredictionError


class Lookup:
    """A picklable "model": the score stored for each row id (column ``i``)."""

    def __init__(self, scores):
        self.scores = np.asarray(scores, dtype=float)

    def __call__(self, X):
        return self.scores[X["i"].to_numpy()]


def _frame(n=800, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "g": rng.choice(["x", "y"], n),
        }
    )
    df["y"] = ((df.a + 0.6 * df.b + rng.normal(size=n) * 0.8) > 0).astype(int)
    return df


DF = _frame()
M_AB = LogisticRegression().fit(DF[["a", "b"]], DF.y)
M_A = LogisticRegression().fit(DF[["a"]], DF.y)


# -- TFMA semantics ---------------------------------------------------------------
# 8 rows; a score of 0.9 / 0.1 predicts 1 / 0. Candidate right on 6 (accuracy 0.75),
# baseline right on 4 (0.5): diff = +0.25 exactly, ratio = +0.5 exactly.
Y8 = np.array([1, 1, 1, 1, 0, 0, 0, 0])
GOOD = Lookup(np.where([1, 1, 1, 0, 0, 0, 0, 1], 0.9, 0.1))  # 6 right
BAD = Lookup(np.where([1, 1, 0, 0, 0, 0, 1, 1], 0.9, 0.1))  # 4 right
T8 = pd.DataFrame({"i": np.arange(8), "y": Y8})


def _tfma_change(cand, base, absolute, relative, direction):
    """TFMA's metrics_validator rule, written out by hand."""
    diff = cand - base
    ratio = diff / abs(base)
    if direction == "higher_is_better":
        a = -math.inf if absolute is None else absolute
        r = -math.inf if relative is None else relative
        return diff >= a and ratio >= r
    a = math.inf if absolute is None else absolute
    r = math.inf if relative is None else relative
    return diff <= a and ratio <= r


CHANGE_TABLE = [
    # (candidate model, baseline model, absolute, relative, direction)
    (GOOD, BAD, 0.1, None, "higher_is_better"),
    (GOOD, BAD, 0.25, None, "higher_is_better"),  # bound included
    (GOOD, BAD, 0.3, None, "higher_is_better"),
    (GOOD, BAD, None, 0.5, "higher_is_better"),
    (GOOD, BAD, None, 0.6, "higher_is_better"),
    (GOOD, BAD, 0.1, 0.6, "higher_is_better"),  # relative breaks
    (GOOD, BAD, 0.3, None, "lower_is_better"),
    (GOOD, BAD, 0.25, None, "lower_is_better"),
    (GOOD, BAD, 0.2, None, "lower_is_better"),
    (GOOD, BAD, None, 0.4, "lower_is_better"),
    (BAD, GOOD, -0.25, None, "higher_is_better"),  # a drop of 0.25 allowed
    (BAD, GOOD, -0.2, None, "higher_is_better"),
    (BAD, GOOD, None, -0.3, "higher_is_better"),  # ratio -1/3
    (BAD, GOOD, None, -0.4, "higher_is_better"),
    (BAD, GOOD, -0.25, None, "lower_is_better"),
    (BAD, GOOD, -0.3, None, "lower_is_better"),
]


@pytest.mark.parametrize("cand,base,absolute,relative,direction", CHANGE_TABLE)
def test_change_threshold_follows_tfma(cand, base, absolute, relative, direction):
    c = accuracy_score(Y8, cand.scores >= 0.5)
    b = accuracy_score(Y8, base.scores >= 0.5)
    expected = _tfma_change(c, b, absolute, relative, direction)
    t = ChangeThreshold("accuracy", absolute, relative, direction=direction)
    d = gate(cand, base, data=T8, label="y", thresholds=[t], publish=False)
    row = d.to_frame().iloc[0]
    assert bool(row.passed) is expected
    assert d.blessed is expected
    assert d.status == ("pass" if expected else "fail")
    assert row.candidate == pytest.approx(c)
    assert row.baseline == pytest.approx(b)
    assert row.change == pytest.approx(c - b)
    assert row.relative_change == pytest.approx((c - b) / abs(b))


VALUE_TABLE = [
    (0.75, None, True),  # bound included
    (0.8, None, False),
    (None, 0.75, True),
    (None, 0.7, False),
    (0.7, 0.8, True),
    (0.76, 0.8, False),
]


@pytest.mark.parametrize("lower,upper,expected", VALUE_TABLE)
def test_value_threshold_follows_tfma(lower, upper, expected):
    d = gate(
        GOOD,
        data=T8,
        label="y",
        thresholds=ValueThreshold("accuracy", lower=lower, upper=upper),
        publish=False,
    )
    assert d.blessed is expected
    assert bool(d.to_frame().passed.iloc[0]) is expected


def test_direction_defaults_from_the_registry():
    assert ChangeThreshold("log_loss", absolute=0.0).direction == "lower_is_better"
    assert ChangeThreshold("roc_auc", absolute=0.0).direction == "higher_is_better"
    # log loss of the better model is lower: a "no rise" rule holds
    d = gate(
        M_AB,
        M_A,
        data=DF,
        label="y",
        thresholds=[ChangeThreshold("log_loss", absolute=0.0)],
        publish=False,
    )
    X = DF[["a", "b"]]
    c = log_loss(DF.y, M_AB.predict_proba(X)[:, 1])
    b = log_loss(DF.y, M_A.predict_proba(DF[["a"]])[:, 1])
    row = d.to_frame().iloc[0]
    assert row.candidate == pytest.approx(c) and row.baseline == pytest.approx(b)
    assert d.blessed is (c - b <= 0)


def test_relative_change_from_zero_is_not_evaluated():
    zero = Lookup(np.where(Y8 == 1, 0.1, 0.9))  # every row wrong: accuracy 0
    d = gate(
        GOOD,
        zero,
        data=T8,
        label="y",
        thresholds=[ChangeThreshold("accuracy", relative=0.1)],
        publish=False,
    )
    row = d.to_frame().iloc[0]
    assert row.status == "not evaluated" and not row.passed and not d.blessed
    assert "baseline's value is 0" in row.sentence


# -- numbers against scikit-learn, overall and per slice --------------------------
def test_metrics_match_sklearn_overall_and_per_slice():
    ths = [
        ValueThreshold("roc_auc", lower=0.5),
        ChangeThreshold("accuracy", absolute=-1.0),
    ]
    d = gate(M_AB, M_A, data=DF, label="y", thresholds=ths, slices="g", publish=False)
    f = d.to_frame()
    pc = M_AB.predict_proba(DF[["a", "b"]])[:, 1]
    pb = M_A.predict_proba(DF[["a"]])[:, 1]
    masks = {"overall": np.ones(len(DF), bool)}
    for v in ("x", "y"):
        masks[f"g={v}"] = (DF.g == v).to_numpy()
    assert set(f.slice) == set(masks)
    for r in f.itertuples():
        m = masks[r.slice]
        y = DF.y.to_numpy()[m]
        if r.metric == "roc_auc":
            assert r.candidate == pytest.approx(roc_auc_score(y, pc[m]))
            assert r.baseline == pytest.approx(roc_auc_score(y, pb[m]))
        else:
            assert r.candidate == pytest.approx(accuracy_score(y, pc[m] >= 0.5))
            assert r.baseline == pytest.approx(accuracy_score(y, pb[m] >= 0.5))
        assert r.count == m.sum()
    assert len(f) == 6 and d.n_checks == 6 and d.blessed
    assert d.n_rows == len(DF)


def test_regression_and_multiclass_match_sklearn():
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)})
    y = 2 * X.a - X.b + rng.normal(size=300) * 0.3
    reg = LinearRegression().fit(X, y)
    d = gate(
        reg,
        data=X.assign(t=y),
        label="t",
        thresholds=[ValueThreshold("mae", upper=1.0)],
        publish=False,
    )
    assert d.task == "regression"
    assert d.to_frame().candidate.iloc[0] == pytest.approx(
        mean_absolute_error(y, reg.predict(X))
    )
    yc = np.digitize(X.a, [-0.5, 0.5])
    clf = LogisticRegression().fit(X, yc)
    d = gate(
        clf,
        data=X.assign(k=yc),
        label="k",
        thresholds=[ValueThreshold("accuracy", lower=0.5)],
        publish=False,
    )
    assert d.task == "multiclass"
    assert d.to_frame().candidate.iloc[0] == pytest.approx(
        accuracy_score(yc, clf.predict(X))
    )


# -- slices -------------------------------------------------------------------------
def _slice_case():
    """Candidate better overall but much worse on slice g=b than the baseline."""
    rng = np.random.default_rng(3)
    n = 1000
    g = np.where(np.arange(n) < 800, "a", "b")
    y = rng.integers(0, 2, n)
    noise = rng.normal(size=n)
    base = 1 / (1 + np.exp(-(2 * (y - 0.5) * 1.2 + noise)))
    cand = 1 / (1 + np.exp(-(2 * (y - 0.5) * 3.0 + noise)))
    cand[g == "b"] = 1 / (
        1 + np.exp(-(2 * (y[g == "b"] - 0.5) * 0.2 + noise[g == "b"]))
    )
    return pd.DataFrame({"i": np.arange(n), "g": g, "y": y}), Lookup(cand), Lookup(base)


def test_better_overall_but_worse_on_a_slice_is_blocked():
    df, cand, base = _slice_case()
    t = ChangeThreshold("roc_auc", absolute=-0.01)
    y = df.y.to_numpy()
    assert roc_auc_score(y, cand.scores) > roc_auc_score(y, base.scores)
    overall_only = gate(cand, base, data=df, label="y", thresholds=[t], publish=False)
    assert overall_only.blessed
    d = gate(cand, base, data=df, label="y", thresholds=[t], slices="g", publish=False)
    assert not d.blessed and d.status == "fail"
    blocking = d.blocking
    assert list(blocking.slice) == ["g=b"]
    m = (df.g == "b").to_numpy()
    assert blocking.candidate.iloc[0] == pytest.approx(
        roc_auc_score(y[m], cand.scores[m])
    )
    assert "g=b" in d.summary and "blocks the candidate" in d.summary
    html = d._repr_html_()
    assert "BLOCKED" in html and "What blocks the candidate" in html


def test_threshold_on_its_own_slice():
    df, cand, base = _slice_case()
    ths = [
        ChangeThreshold("roc_auc", absolute=-0.01, slice="overall"),
        ValueThreshold("accuracy", lower=0.0, slice=("g", "a")),
        ValueThreshold("accuracy", lower=0.0, slice={"g": "b"}),
    ]
    d = gate(cand, base, data=df, label="y", thresholds=ths, slices="g", publish=False)
    assert list(d.to_frame().slice) == ["overall", "g=a", "g=b"]
    assert d.blessed


def test_one_class_slice_is_reported_not_skipped():
    df = DF.copy()
    df["h"] = np.where(df.y == 1, "pos", "mixed")
    df.loc[df.index[:50], "h"] = "mixed"
    d = gate(
        M_AB,
        data=df.drop(columns="g"),
        label="y",
        thresholds=[ValueThreshold("roc_auc", lower=0.5)],
        slices="h",
        features=["a", "b"],
        publish=False,
    )
    f = d.to_frame()
    assert len(f) == 3  # overall + two slices: none skipped
    row = f[f.slice == "h=pos"].iloc[0]
    assert row.status == "not evaluated" and not row.passed
    assert math.isnan(row.candidate)
    assert "cannot be computed" in row.sentence and "not blessed" in row.sentence
    assert not d.blessed and d.n_not_evaluated == 1 and d.status == "fail"
    assert "not evaluated" in d.summary


# -- errors -------------------------------------------------------------------------
@pytest.mark.parametrize("thresholds", [None, [], ()])
def test_no_threshold_is_an_error(thresholds):
    with pytest.raises(MlnbValueError, match="thresholds"):
        gate(M_AB, data=DF, label="y", thresholds=thresholds, publish=False)


def test_change_threshold_without_baseline_is_an_error():
    with pytest.raises(MlnbValueError, match="baseline"):
        gate(
            M_AB,
            data=DF,
            label="y",
            thresholds=[ChangeThreshold("roc_auc", absolute=-0.01)],
            publish=False,
        )


def _raises(X):
    raise RuntimeError("model server down")


def test_baseline_that_cannot_predict():
    other = LogisticRegression().fit(DF.assign(c=1.0)[["a", "c"]], DF.y)
    ths = [ValueThreshold("roc_auc", lower=0.5)]
    for bad in (other, _raises):
        with pytest.raises(PredictionError, match="baseline") as info:
            gate(M_AB, bad, data=DF, label="y", thresholds=ths, publish=False)
        assert info.value.__cause__ is not None


# -- identity, JSON, HTML, plot -------------------------------------------------------
def test_candidate_id_is_a_fingerprint_of_the_model():
    ths = [ValueThreshold("roc_auc", lower=0.5)]
    d1 = gate(M_AB, data=DF, label="y", thresholds=ths, publish=False)
    d2 = gate(M_AB, data=DF, label="y", thresholds=ths, publish=False)
    d3 = gate(M_A, data=DF, label="y", thresholds=ths, features=["a"], publish=False)
    assert d1.candidate_id == d2.candidate_id == model_fingerprint(M_AB)
    assert d1.candidate_id.startswith("sha256:")
    assert d3.candidate_id != d1.candidate_id
    refit = LogisticRegression(C=0.01).fit(DF[["a", "b"]], DF.y)
    assert model_fingerprint(refit) != d1.candidate_id
    with pytest.warns(UserWarning, match="cannot be pickled"):
        fid = model_fingerprint(lambda X: X["a"].to_numpy() * 0 + 0.5)
    assert fid.startswith("id:")


def test_decision_to_dict_is_strict_json():
    df = DF.copy()
    df["h"] = np.where(df.y == 1, "pos", "mixed")
    d = gate(
        M_AB,
        M_A,
        data=df,
        label="y",
        thresholds=[
            ValueThreshold("roc_auc", lower=0.5),
            ChangeThreshold("accuracy", relative=-0.5),
        ],
        slices=["g", "h"],
        features=["a", "b"],
        publish=False,
    )
    out = d.to_dict()
    text = json.dumps(out, allow_nan=False)
    back = json.loads(text)
    assert back["check"] == "gate" and back["step"] == "deployment"
    assert back["blessed"] is False
    assert len(back["rows"]) == d.n_checks == 10
    assert back["candidate_id"] == d.candidate_id
    assert isinstance(d, GateDecision)
    assert d.record()["step"] == "deployment"


def test_html_is_escaped_and_plot_returns_axes():
    pytest.importorskip("matplotlib")
    df = DF.assign(g=np.where(DF.g == "x", "<script>x</script>", "b&b"))
    d = gate(
        M_AB,
        data=df,
        label="y",
        thresholds=[ValueThreshold("roc_auc", lower=0.99)],
        slices="g",
        publish=False,
    )
    html = d._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    ax = d.plot()
    assert len(ax.get_yticklabels()) == d.n_checks


def test_cannot_be_rejudged():
    d = gate(
        M_AB,
        data=DF,
        label="y",
        thresholds=[ValueThreshold("roc_auc", lower=0.5)],
        publish=False,
    )
    with pytest.raises(MlnbValueError, match="thresholds"):
        d.judge()


def test_publish_records_step_8():
    from mlnb.checklist import session

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = gate(
            M_AB,
            data=DF,
            label="y",
            thresholds=[ValueThreshold("roc_auc", lower=0.5)],
        )
    assert d.blessed
    assert any(r.get("check") == "gate" for r in session.checks("deployment"))


def test_crossed_slices_and_a_threshold_on_one_crossed_slice():
    df = DF.assign(h=np.arange(len(DF)) % 2)
    ths = [
        ValueThreshold("accuracy", lower=0.0),
        ValueThreshold("roc_auc", lower=0.99, slice=(("g", "h"), ("x", 1))),
    ]
    d = gate(
        M_AB,
        data=df,
        label="y",
        thresholds=ths,
        slices=[("g", "h")],
        features=["a", "b"],
        publish=False,
    )
    f = d.to_frame()
    assert len(f) == 1 + 4 + 1
    only = f[f.metric == "roc_auc"].iloc[0]
    m = ((df.g == "x") & (df.h == 1)).to_numpy()
    p = M_AB.predict_proba(DF[["a", "b"]])[:, 1]
    assert only.candidate == pytest.approx(roc_auc_score(DF.y[m], p[m]))
    assert list(d.blocking.metric) == ["roc_auc"] and not d.blessed


@pytest.mark.parametrize("cls", [ValueThreshold, ChangeThreshold])
def test_a_descriptive_metric_cannot_gate(cls):
    bound = {"lower": 0.1} if cls is ValueThreshold else {"absolute": 0.1}
    with pytest.raises(MlnbValueError) as info:
        cls("label_rate", **bound)
    msg = str(info.value)
    assert "descriptive" in msg and "roc_auc" in msg and "mae" in msg
    assert "label_rate" not in msg.split("use one of", 1)[1]
