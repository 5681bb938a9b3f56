"""Step 4 on the issue-9 foundation: conditions decide the status of
``mlnb.imbalance`` and ``mlnb.thresholds``, every table reads the same through
``mlnb.core.frames``, and ``plot(*, ax=None)`` returns the Axes it drew on.

Numbers are checked against scikit-learn or counted by hand, never against mlnb.
"""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import (
    average_precision_score,
    f1_score,
    log_loss,
    precision_score,
    recall_score,
    roc_auc_score,
)

import mlnb
from mlnb import Condition, MlnbValueError
from mlnb.checks.imbalance import ImbalanceResult, ThresholdsResult

# -- data ------------------------------------------------------------------------------


def fraud_like(n: int = 2_000, share: float = 0.05, seed: int = 3):
    """0/1 labels with about ``share`` positives, probability scores that separate
    them, and positive weights."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < share).astype(np.int64)
    y[:2] = [0, 1]
    score = 1 / (1 + np.exp(-(rng.normal(size=n) + 2.5 * y - 2.0)))
    weight = rng.uniform(0.5, 2.0, n)
    return y, score, weight


def without_created(d: dict) -> dict:
    return {k: v for k, v in d.items() if k != "created"}


def pandas_table(cols):
    return pd.DataFrame(cols)


def polars_table(cols):
    pl = pytest.importorskip("polars")
    return pl.DataFrame(cols)


def arrow_table(cols):
    pa = pytest.importorskip("pyarrow")
    return pa.table(cols)


def dict_table(cols):
    return {k: np.asarray(v) for k, v in cols.items()}


TABLES = {
    "pandas": pandas_table,
    "polars": polars_table,
    "pyarrow": arrow_table,
    "numpy+dict": dict_table,
}


# -- (a) the documented defaults -------------------------------------------------------

#: The defaults as the README words them: (value, op, bound, status).
README_DEFAULTS = {
    ImbalanceResult: [
        ("imbalance_ratio", "<=", 99.0, "fail"),  # above 99 fails
        ("imbalance_ratio", "<=", 4.0, "warn"),  # above 4 warns
    ],
    ThresholdsResult: [
        ("roc_auc", ">=", 0.7, "fail"),  # below 0.7 fails
        ("roc_auc", ">=", 0.8, "warn"),  # below 0.8 warns
        ("ap_gain", ">=", 0.2, "warn"),  # AUC-PR gain below 0.2 warns
    ],
}


@pytest.mark.parametrize("cls", list(README_DEFAULTS), ids=lambda c: c.__name__)
def test_default_conditions_are_the_documented_rules(cls):
    got = [(c.metric, c.op, c.bound, c.status) for c in cls.DEFAULT_CONDITIONS]
    assert got == README_DEFAULTS[cls]
    for c in cls.DEFAULT_CONDITIONS:
        assert c.why and c.name  # each cites its source


@pytest.mark.parametrize(
    "n_major, n_minor, status, degree",
    [
        (80, 20, "pass", "mild"),  # 4 : 1 is not above 4
        (401, 100, "warn", "moderate"),
        (99, 1, "warn", "moderate"),  # 99 : 1 is not above 99
        (9901, 100, "fail", "extreme"),
    ],
)
def test_imbalance_defaults_reproduce_the_ratio_rule(n_major, n_minor, status, degree):
    r = mlnb.imbalance([0] * n_major + [1] * n_minor, publish=False)
    assert (r.status, r.degree) == (status, degree)
    frame = r.conditions
    assert list(frame["condition"]) == ["no extreme imbalance", "no moderate imbalance"]
    assert frame["value"].tolist() == [n_major / n_minor] * 2
    if status != "pass":
        assert r.decided_by == f"imbalance_ratio {n_major / n_minor:.4g} > " + (
            "99: fail" if status == "fail" else "4: warn"
        )


def test_thresholds_defaults_decide_in_the_documented_order(rng):
    # ROC AUC below 0.8 and a weak AUC-PR: the ROC AUC rule is named first
    y = (rng.random(3_000) < 0.05).astype(int)
    s = rng.random(3_000) + 0.25 * y
    auc = roc_auc_score(y, s)
    assert 0.7 <= auc < 0.8
    r = mlnb.thresholds(y, s, publish=False)
    assert r.status == "warn"
    assert r.decided_by.startswith("roc_auc ")
    assert "only acceptable discrimination" in r.summary
    assert r.conditions["status"].tolist()[:2] == ["pass", "warn"]


# -- values conditions can read --------------------------------------------------------


def test_imbalance_condition_values_by_hand():
    r = mlnb.imbalance(["a"] * 70 + ["b"] * 25 + ["c"] * 5, publish=False)
    v = r.condition_values
    assert v["imbalance_ratio"] == 70 / 5
    assert v["minority_share"] == 0.05 and v["minority_count"] == 5
    assert v["majority_accuracy"] == 0.7
    assert (v["n_samples"], v["n_classes"]) == (100, 3)
    assert math.isnan(v["positive_share"])  # no positive class
    undefined = Condition("positive_share", ">=", 0.1)
    judged = r.judge([undefined])
    assert judged.status == "info"
    assert "undefined" in judged.decided_by
    binary = mlnb.imbalance([0] * 9 + [1], publish=False)
    assert binary.condition_values["positive_share"] == 0.1


@pytest.mark.parametrize("t", [0.2, 0.5, 0.8])
def test_at_threshold_values_equal_sklearn(t):
    y, s, _ = fraud_like()
    r = mlnb.thresholds(y, s, threshold=t, publish=False)
    v = r.condition_values
    pred = (s >= t).astype(int)
    assert v["precision"] == pytest.approx(precision_score(y, pred, zero_division=0))
    assert v["recall"] == pytest.approx(recall_score(y, pred))
    assert v["f1"] == pytest.approx(f1_score(y, pred))
    assert v["roc_auc"] == pytest.approx(roc_auc_score(y, s), rel=1e-12)
    ap = average_precision_score(y, s)
    assert v["average_precision"] == pytest.approx(ap, rel=1e-12)
    prevalence = y.mean()
    assert v["ap_gain"] == pytest.approx((ap - prevalence) / (1 - prevalence))
    assert v["log_loss"] == pytest.approx(log_loss(y, s), rel=1e-9)


def test_recall_condition_follows_the_decision_threshold():
    y, s, _ = fraud_like()
    want = Condition("recall", ">=", 0.8)
    for t in (0.1, 0.3, 0.5, 0.7):
        r = mlnb.thresholds(y, s, threshold=t, conditions=[want], publish=False)
        recall = recall_score(y, (s >= t).astype(int))
        assert r.status == ("pass" if recall >= 0.8 else "fail"), (t, recall)


def test_log_loss_is_undefined_for_decision_values():
    y, s, _ = fraud_like()
    z = np.log(s / (1 - s))
    r = mlnb.thresholds(y, z, publish=False)
    assert math.isnan(r.condition_values["log_loss"])
    judged = r.judge([Condition("log_loss", "<=", 0.3)])
    assert judged.status == "info" and "undefined" in judged.decided_by


# -- (b) a user condition changes the status, and shows --------------------------------


@pytest.mark.parametrize(
    "call, condition, before, after",
    [
        pytest.param(
            lambda c: mlnb.imbalance([0] * 90 + [1] * 10, conditions=c, publish=False),
            Condition("minority_share", ">=", 0.2, name="enough positives"),
            "warn",
            "fail",
            id="imbalance",
        ),
        pytest.param(
            lambda c: mlnb.thresholds(*fraud_like()[:2], conditions=c, publish=False),
            Condition("precision", ">=", 0.95, status="warn", name="few false alarms"),
            "pass",
            "warn",
            id="thresholds",
        ),
    ],
)
def test_user_condition_changes_status_html_and_record(call, condition, before, after):
    default = call(None)
    assert default.status == before
    r = call([condition])
    assert r.status == after
    sentence = r.decided_by
    assert sentence.endswith(f": {after}") and condition.metric in sentence
    assert html.escape(sentence) in r._repr_html_()
    assert html.escape(condition.name) in r._repr_html_()
    rec = r.record()
    assert rec["decided_by"] == sentence
    assert rec["conditions"] == [
        {"condition": condition.name, "status": after, "sentence": sentence}
    ]
    assert r.to_dict()["conditions"][0]["sentence"] == sentence
    # judging the finished default result gives the same, recomputing nothing
    rejudged = default.judge([condition])
    assert (rejudged.status, rejudged.decided_by) == (after, sentence)
    assert rejudged.summary == r.summary
    # thresholds words its summary by the deciding condition; imbalance describes
    # the data (its degree of imbalance) whatever the conditions
    assert (sentence in r.summary) == isinstance(r, ThresholdsResult)


# -- (c) change conditions against a baseline ------------------------------------------


def test_imbalance_change_against_a_baseline_both_directions():
    earlier = mlnb.imbalance([0] * 90 + [1] * 10, publish=False)  # 10% positives
    fewer = mlnb.imbalance([0] * 95 + [1] * 5, publish=False)  # 5%
    more = mlnb.imbalance([0] * 80 + [1] * 20, publish=False)  # 20%
    drop = Condition("minority_share", max_drop=0.02, name="positives kept")
    r = fewer.judge([drop], baseline=earlier)
    assert r.status == "fail"
    assert r.decided_by == "minority_share fell 0.05 from 0.1 to 0.05 (> 0.02): fail"
    assert r.conditions["baseline"].tolist() == [0.1]
    assert more.judge([drop], baseline=earlier).status == "pass"
    rise = Condition("imbalance_ratio", max_rise=0.5, relative=True, status="warn")
    assert fewer.judge([rise], baseline=earlier).status == "warn"  # 9 -> 19
    assert more.judge([rise], baseline=earlier).status == "pass"  # 9 -> 4
    # without a baseline a change rule cannot be judged
    assert fewer.judge([drop]).status == "info"


def test_thresholds_change_against_a_baseline_both_directions():
    y, s, _ = fraud_like()
    rng = np.random.default_rng(0)
    noisy = np.clip(s + rng.normal(0, 0.3, len(s)), 0, 1)  # a worse model
    good = mlnb.thresholds(y, s, publish=False)
    worse = mlnb.thresholds(y, noisy, publish=False)
    assert worse.roc_auc < good.roc_auc - 0.01
    drop = Condition("roc_auc", max_drop=0.01)
    r = worse.judge([drop], baseline=good)
    assert r.status == "fail" and r.decided_by.startswith("roc_auc fell ")
    assert good.judge([drop], baseline=worse).status == "pass"
    rise = Condition("log_loss", max_rise=0.05, relative=True, status="warn")
    assert worse.judge([rise], baseline=good).status == "warn"
    assert good.judge([rise], baseline=worse).status == "pass"
    # a baseline from the other check of step 4 is refused
    with pytest.raises(MlnbValueError, match="thresholds"):
        worse.judge([drop], baseline=mlnb.imbalance(y, publish=False))


# -- (d) every table reads the same ----------------------------------------------------


@pytest.fixture
def columns():
    y, s, w = fraud_like(n=600)
    return {"y": y, "p": s, "w": w, "kind": np.where(y == 1, "fraud", "legit")}


@pytest.mark.parametrize("make", list(TABLES.values()), ids=list(TABLES))
def test_every_table_gives_the_same_results(make, columns):
    table = make(columns)
    expected_imb = mlnb.imbalance(pd.Series(columns["y"], name="y"), publish=False)
    expected_thr = mlnb.thresholds(
        columns["y"], columns["p"], sample_weight=columns["w"], publish=False
    )
    imb = mlnb.imbalance(table, label="y", publish=False)
    assert without_created(imb.to_dict()) == without_created(expected_imb.to_dict())
    thr = mlnb.thresholds(table, label="y", score="p", sample_weight="w", publish=False)
    assert without_created(thr.to_dict()) == without_created(expected_thr.to_dict())
    by_keyword = mlnb.thresholds(
        data=table, label="y", score="p", sample_weight="w", publish=False
    )
    assert without_created(by_keyword.to_dict()) == without_created(thr.to_dict())
    # string labels, with the positive class named
    strings = mlnb.imbalance(table, label="kind", positive_label="fraud", publish=False)
    assert strings.counts == {
        "fraud": int(columns["y"].sum()),
        "legit": int((columns["y"] == 0).sum()),
    }
    thr_s = mlnb.thresholds(
        table, label="kind", score="p", positive_label="fraud", publish=False
    )
    assert thr_s.roc_auc == pytest.approx(roc_auc_score(columns["y"], columns["p"]))


@pytest.mark.parametrize("make", list(TABLES.values()), ids=list(TABLES))
def test_every_table_works_in_the_explorer(make, columns):
    pytest.importorskip("anywidget")
    from mlnb.widgets.imbalance import ImbalanceExplorer

    w = ImbalanceExplorer(make(columns), label="y", score="p", sample_weight="w")
    assert w.data_summary["label_name"] == "y"
    expected = mlnb.thresholds(
        columns["y"], columns["p"], sample_weight=columns["w"], publish=False
    )
    assert w.model_summary["roc_auc"] == expected.roc_auc


# -- (e) column names of any hashable type; unknown columns ----------------------------


def test_integer_column_names():
    y, s, _ = fraud_like(n=400)
    df = pd.DataFrame(np.column_stack([s, y]))  # columns 0 (score) and 1 (label)
    df[1] = df[1].astype(int)
    r = mlnb.imbalance(df, label=1, publish=False)
    assert r.label_name == 1 and r.counts == {0: int((y == 0).sum()), 1: int(y.sum())}
    thr = mlnb.thresholds(df, label=1, score=0, publish=False)
    assert thr.roc_auc == pytest.approx(roc_auc_score(y, s), rel=1e-12)
    # the string "1" is another name, and the error says which one exists
    with pytest.raises(MlnbValueError) as info:
        mlnb.imbalance(df, label="1", publish=False)
    assert "label=1" in str(info.value)
    d = {0: s, 1: y}
    assert mlnb.thresholds(d, label=1, score=0, publish=False).roc_auc == thr.roc_auc


def test_tuple_column_names():
    y, s, _ = fraud_like(n=400)
    df = pd.DataFrame({("target", "y"): y, ("model", "p"): s})
    assert isinstance(df.columns, pd.MultiIndex)
    r = mlnb.imbalance(df, label=("target", "y"), publish=False)
    assert r.label_name == ("target", "y") and sum(r.counts.values()) == 400
    thr = mlnb.thresholds(df, label=("target", "y"), score=("model", "p"))
    assert thr.roc_auc == pytest.approx(roc_auc_score(y, s), rel=1e-12)
    d = {("target", "y"): y, ("model", "p"): s}
    r2 = mlnb.thresholds(data=d, label=("target", "y"), score=("model", "p"))
    assert r2.roc_auc == thr.roc_auc


SECRET = "s3cr3t-value"


@pytest.mark.parametrize("make", list(TABLES.values()), ids=list(TABLES))
@pytest.mark.parametrize(
    "call",
    [
        pytest.param(
            lambda t: mlnb.imbalance(t, label="target", publish=False), id="imbalance"
        ),
        pytest.param(
            lambda t: mlnb.thresholds(t, label="target", score="c0", publish=False),
            id="thresholds-label",
        ),
        pytest.param(
            lambda t: mlnb.thresholds(t, label="c0", score="proba", publish=False),
            id="thresholds-score",
        ),
    ],
)
def test_unknown_column_names_at_most_20_columns_and_no_values(make, call):
    cols = {f"c{i}": np.array([SECRET, "x", SECRET]) for i in range(30)}
    cols["c0"] = np.array([0, 1, 0])
    with pytest.raises(MlnbValueError) as info:
        call(make(cols))
    msg = str(info.value)
    assert "not in the data" in msg
    assert "'c19'" in msg and "'c20'" not in msg and "10 more" in msg
    assert SECRET not in msg and "[0, 1, 0]" not in msg


def test_a_pyarrow_table_is_never_printed_as_column_names():
    """The bug of issue 9: imbalance(pyarrow_table, label=...) printed the table."""
    pa = pytest.importorskip("pyarrow")
    table = pa.table({"y": [0, 0, 0, 1], "note": [SECRET] * 4})
    assert mlnb.imbalance(table, label="y", publish=False).counts == {0: 3, 1: 1}
    with pytest.raises(MlnbValueError) as info:
        mlnb.imbalance(table, label="z", publish=False)
    assert SECRET not in str(info.value) and "'note'" in str(info.value)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        pytest.param(
            {"y_true": [0, 1], "label": "y", "score": "p"},
            ("label= and score= name columns", "thresholds(df"),
            id="names-without-table",
        ),
        pytest.param(
            {"y_true": [0, 1], "y_score": [0.1, 0.9], "sample_weight": "w"},
            ("sample_weight='w' names a column", "no data"),
            id="weight-name-without-table",
        ),
        pytest.param(
            {"data": {"y": [0, 1], "p": [0.1, 0.9]}, "y_true": [0, 1]},
            ("not both",),
            id="values-and-table",
        ),
        pytest.param({}, ("y_true is missing",), id="nothing"),
        pytest.param(
            {"data": [[0, 0.1], [1, 0.9]], "label": 0, "score": 1},
            ("data must be a table", "list"),
            id="data-not-a-table",
        ),
    ],
)
def test_thresholds_input_errors_name_the_fix(kwargs, words):
    with pytest.raises(MlnbValueError) as info:
        mlnb.thresholds(publish=False, **kwargs)
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_keyword_only_after_the_data():
    with pytest.raises(TypeError):
        mlnb.imbalance([0, 1, 1], "y")  # label is keyword-only
    with pytest.raises(TypeError):
        mlnb.thresholds([0, 1], [0.2, 0.8], None)  # data is keyword-only


# -- plot(*, ax=None) returns the Axes it drew on --------------------------------------


def test_plots_return_the_axes_they_drew_on():
    pytest.importorskip("matplotlib")
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    y, s, _ = fraud_like(n=500)
    imb = mlnb.imbalance(y, publish=False)
    ax = imb.plot()
    assert isinstance(ax, Axes) and len(ax.patches) == 2
    fig = Figure()
    mine = fig.subplots()
    assert imb.plot(ax=mine) is mine

    thr = mlnb.thresholds(y, s, publish=False)
    axes = thr.plot()
    assert isinstance(axes, np.ndarray) and axes.shape == (2,)
    assert all(isinstance(a, Axes) for a in axes)
    pair = Figure().subplots(1, 2)
    got = thr.plot(ax=pair, threshold=0.3)
    assert isinstance(got, np.ndarray) and got[0] is pair[0] and got[1] is pair[1]
    # the operating point is drawn at the requested threshold
    point = thr.at(0.3)
    marker = got[0].lines[-1]
    assert marker.get_xdata()[0] == pytest.approx(point.fpr)
    assert marker.get_ydata()[0] == pytest.approx(point.recall)
    with pytest.raises(MlnbValueError, match="two matplotlib Axes"):
        thr.plot(ax=Figure().subplots())
    with pytest.raises(TypeError):
        thr.plot(pair)  # ax is keyword-only
