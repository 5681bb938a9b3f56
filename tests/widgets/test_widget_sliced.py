"""SlicedMetricsView without a browser: build it, set traits as the view would, and
check the derived traits against scikit-learn on each slice's rows (and against
plain Python sorting and paging); check the display bundle, the size of what goes
to the browser, and bad settings.

The real rendering is checked in Chromium by tests/ui/test_sliced_widget.py.
"""

from __future__ import annotations

import base64
import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import (
    accuracy_score,
    mean_absolute_error,
    precision_score,
    recall_score,
    roc_auc_score,
)
from widgetkit import (
    EVIL,
    assert_nbconvert_shows_static_fallback,
    assert_view_code_is_safe,
    browser_sets,
    sent_keys,
)

import mlnb
from mlnb.checklist import session
from mlnb.checklist.result import MIME_TYPE

pytest.importorskip("anywidget")

from mlnb.widgets.sliced import (  # noqa: E402
    MAX_BARS,
    SORT_KEYS,
    SlicedMetricsView,
)

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


# -- data ------------------------------------------------------------------------------
def binary_frame(n: int = 6_000, seed: int = 3) -> pd.DataFrame:
    """Six groups (one of them tiny, one with a weaker model) and three regions."""
    rng = np.random.default_rng(seed)
    group = rng.choice(list("ABCDE"), size=n, p=[0.3, 0.25, 0.2, 0.15, 0.1])
    group[:20] = "F"  # 20 rows: too small to judge
    region = rng.choice(["north", "south", "west"], size=n)
    y = (rng.random(n) < 0.3).astype(int)
    signal = np.where(group == "B", 0.4, 1.6)
    logit = rng.normal(size=n) + signal * (2 * y - 1) - 0.4
    return pd.DataFrame(
        {"group": group, "region": region, "y": y, "p": 1 / (1 + np.exp(-logit))}
    )


def many_slices(k: int = 1_500, per: int = 40, seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = k * per
    store = rng.integers(0, k, n)
    y = (rng.random(n) < 0.3).astype(int)
    noise = np.where(store % 7 == 0, 2.0, 0.0) * rng.normal(size=n)
    logit = rng.normal(size=n) + 1.5 * y - 1 + noise
    return pd.DataFrame(
        {
            "store": [f"store-{i:04d} " + "x" * 40 for i in store],
            "y": y,
            "p": 1 / (1 + np.exp(-logit)),
        }
    )


_DF = binary_frame()
_RESULT = mlnb.sliced_metrics(
    _DF, label="y", score="p", slice_by=["group", "region"], publish=False
)
# One widget shared by the property test (hypothesis dislikes function fixtures).
_SHARED = SlicedMetricsView(_RESULT, metric="recall")


@pytest.fixture
def df() -> pd.DataFrame:
    return _DF


@pytest.fixture
def widget() -> SlicedMetricsView:
    return SlicedMetricsView(_RESULT)


@pytest.fixture(scope="module")
def big_result():
    return mlnb.sliced_metrics(
        many_slices(),
        label="y",
        score="p",
        slice_by="store",
        max_slices=2_000,
        publish=False,
    )


def mask(df: pd.DataFrame, slicing: str, value: str) -> np.ndarray:
    return (df[slicing].astype(str) == value).to_numpy()


def none_as_nan(x) -> float:
    return math.nan if x is None else float(x)


def oracle(df: pd.DataFrame, slicing: str, value: str, metric: str, t: float = 0.5):
    """A metric of one slice by scikit-learn (NaN where it is undefined)."""
    m = mask(df, slicing, value)
    y, s = df["y"].to_numpy()[m], df["p"].to_numpy()[m]
    pred = (s >= t).astype(int)
    if metric == "recall":
        return recall_score(y, pred, zero_division=np.nan) if y.any() else math.nan
    if metric == "precision":
        return (
            precision_score(y, pred, zero_division=np.nan) if pred.any() else math.nan
        )
    if metric == "accuracy":
        return accuracy_score(y, pred)
    if metric == "roc_auc":
        return roc_auc_score(y, s) if 0 < y.sum() < len(y) else math.nan
    raise AssertionError(metric)


def page_values(w: SlicedMetricsView, key: str = "metric") -> list[float]:
    return [none_as_nan(r[key]) for r in w.rows]


# -- initial state ---------------------------------------------------------------------
def test_initial_state_matches_sklearn(widget, df):
    r = _RESULT
    assert widget.metric == widget.goal_metric == "roc_auc"
    assert widget.metrics_available == list(r.metrics)
    assert "label_rate" not in widget.goal_metrics and "recall" in widget.goal_metrics
    assert widget.slice_columns == ["group", "region"]
    assert widget.slice_column == "all"
    assert widget.threshold == 0.5 and widget.threshold_enabled
    assert (widget.threshold_min, widget.threshold_max) == (0.0, 1.0)
    assert widget.status == r.status and widget.summary == r.summary
    assert widget.n_total == widget.n_slices == 9 == len(widget.rows)
    assert widget.n_pages == 1 and widget.page == 0
    assert widget.error == ""
    assert widget.overall["roc_auc"] == pytest.approx(roc_auc_score(df["y"], df["p"]))
    assert widget.overall["count"] == len(df)
    for row in widget.rows:
        expected = oracle(df, row["slice"], row["value"], "roc_auc")
        assert none_as_nan(row["metric"]) == pytest.approx(expected, nan_ok=True)
        assert row["count"] == mask(df, row["slice"], row["value"]).sum()
        assert row["difference"] == pytest.approx(
            row["metric"] - widget.overall["roc_auc"]
        )
    # worst first: ascending ROC AUC, and the weak-model group B flagged
    values = [v for v in page_values(widget) if not math.isnan(v)]
    assert values == sorted(values)
    flagged = {(r["slice"], r["value"]) for r in widget.rows if r["flagged"]}
    assert ("group", "B") in flagged
    tiny = next(r for r in widget.rows if r["value"] == "F")
    assert tiny["too_small"] and not tiny["flagged"]
    assert widget.n_flagged == int(r.flagged.shape[0])


def test_rows_carry_the_selected_metric_and_the_goal(widget, df):
    widget.metric = "precision"
    frame = _RESULT.to_frame().set_index(["slice", "value"])
    for row in widget.rows:
        ref = frame.loc[(row["slice"], row["value"])]
        assert none_as_nan(row["metric"]) == pytest.approx(
            ref["precision"], nan_ok=True
        )
        assert none_as_nan(row["ci_low"]) == pytest.approx(
            ref["precision_ci_low"], nan_ok=True
        )
        assert none_as_nan(row["goal"]) == pytest.approx(ref["roc_auc"], nan_ok=True)
        assert none_as_nan(row["p_value"]) == pytest.approx(
            ref["roc_auc_p_value"], nan_ok=True
        )
        assert row["flagged"] == ref["significantly_worse"]
        expected = oracle(df, row["slice"], row["value"], "precision")
        assert none_as_nan(row["metric"]) == pytest.approx(expected, nan_ok=True)
    assert widget.chart["metric"] == "precision"


# -- threshold slider ------------------------------------------------------------------
@pytest.mark.parametrize("t", [0.1, 0.3, 0.62, 0.9])
def test_threshold_recomputes_every_slice_like_sklearn(df, t):
    w = SlicedMetricsView(_RESULT, metric="recall")
    messages = browser_sets(w, threshold=t)
    assert {"rows", "chart", "overall"} <= sent_keys(messages)
    assert "threshold" not in sent_keys(messages)  # the view already has it
    assert w.error == "" and w.threshold == t
    assert w.result.threshold == t
    for row in w.rows:
        expected = oracle(df, row["slice"], row["value"], "recall", t)
        assert none_as_nan(row["metric"]) == pytest.approx(expected, nan_ok=True)
    y, s = df["y"].to_numpy(), df["p"].to_numpy()
    assert w.overall["recall"] == pytest.approx(recall_score(y, s >= t))
    assert w.overall["accuracy"] == pytest.approx(accuracy_score(y, s >= t))


@settings(max_examples=40)
@given(st.floats(min_value=0.0, max_value=1.0, allow_nan=False))
def test_threshold_property_against_sklearn(t):
    _SHARED.threshold = t
    for row in _SHARED.rows:
        expected = oracle(_DF, row["slice"], row["value"], "recall", t)
        assert none_as_nan(row["metric"]) == pytest.approx(expected, nan_ok=True)


def test_threshold_reuses_the_sorted_state(widget, monkeypatch):
    """Moving the threshold calls at_threshold and sorts nothing again."""
    import mlnb.checks.fairness.sliced as fairness

    def no_sorting(*args, **kwargs):
        raise AssertionError("the threshold must not re-sort the scores")

    monkeypatch.setattr(fairness, "grouped_rankings", no_sorting)
    monkeypatch.setattr(fairness, "BinaryRanking", no_sorting)
    calls = []
    original = fairness.SlicedMetrics.at_threshold

    def spy(self, threshold):
        calls.append(threshold)
        return original(self, threshold)

    monkeypatch.setattr(fairness.SlicedMetrics, "at_threshold", spy)
    browser_sets(widget, threshold=0.25)
    assert calls == [0.25]
    assert widget.error == ""


def test_goal_change_calls_with_goal(widget):
    widget.threshold = 0.4
    browser_sets(widget, goal_metric="recall")
    expected = _RESULT.at_threshold(0.4).with_goal("recall")
    assert widget.goal_metric == "recall"
    assert widget.status == expected.status and widget.summary == expected.summary
    assert widget.result.threshold == 0.4  # the threshold is kept
    flagged = {(r["slice"], r["value"]) for r in widget.rows if r["flagged"]}
    assert flagged == set(zip(expected.flagged["slice"], expected.flagged["value"]))
    assert widget.n_flagged == len(expected.flagged)
    assert widget.metric == "roc_auc"  # the shown metric is separate
    for row in widget.rows:
        ref = expected.to_frame().set_index(["slice", "value"])
        ref = ref.loc[(row["slice"], row["value"])]
        assert none_as_nan(row["goal"]) == pytest.approx(ref["recall"], nan_ok=True)
        assert none_as_nan(row["p_value"]) == pytest.approx(
            ref["recall_p_value"], nan_ok=True
        )


# -- filters, sorting, paging ----------------------------------------------------------
def test_only_significant_equals_flagged(widget):
    browser_sets(widget, only_significant=True)
    got = {(r["slice"], r["value"]) for r in widget.rows}
    flagged = _RESULT.flagged
    assert got == set(zip(flagged["slice"], flagged["value"]))
    assert widget.n_total == len(flagged) == len(widget.chart["bars"])
    assert all(r["flagged"] for r in widget.rows)
    browser_sets(widget, slice_column="region")
    only = flagged[flagged["slice"] == "region"]
    assert {r["value"] for r in widget.rows} == set(only["value"])


def test_slice_column_filter(widget):
    browser_sets(widget, slice_column="region")
    assert {r["slice"] for r in widget.rows} == {"region"}
    assert {r["value"] for r in widget.rows} == {"north", "south", "west"}
    assert widget.n_slices == widget.n_total == 3
    assert all(b["slice"] == "region" for b in widget.chart["bars"])
    browser_sets(widget, slice_column="all")
    assert widget.n_total == 9


def oracle_order(frame: pd.DataFrame, key: str, ascending: bool, metric: str, goal):
    """Row positions of the slices in the expected order, by plain Python."""
    overall = frame[metric].iloc[0]
    column = {
        "count": "count",
        "metric": metric,
        "goal": goal,
        "p_value": f"{goal}_p_value",
        "flagged": "significantly_worse",
    }
    items = []
    for pos in range(1, len(frame)):
        if key == "slice":
            v = float(pos)
        elif key == "difference":
            v = float(frame[metric].iloc[pos] - overall)
        else:
            v = float(frame[column[key]].iloc[pos])
        items.append((pos, v))
    defined = [it for it in items if not math.isnan(it[1])]
    undefined = [it for it in items if math.isnan(it[1])]
    defined = sorted(defined, key=lambda it: it[1], reverse=not ascending)
    return [pos for pos, _ in defined + undefined]


@pytest.mark.parametrize("key", SORT_KEYS)
@pytest.mark.parametrize("ascending", [True, False])
def test_sorting_matches_python(key, ascending):
    w = SlicedMetricsView(_RESULT, metric="precision")
    w.threshold = 0.97  # slices with nothing predicted positive: NaN precision
    browser_sets(w, sort_by=key, sort_ascending=ascending)
    frame = w.result.to_frame()
    assert frame["precision"].isna().sum() >= 2  # ties and NaN both occur
    assert (frame["precision"] == 1.0).sum() >= 2
    expected = oracle_order(frame, key, ascending, "precision", "roc_auc")
    assert [r["id"] for r in w.rows] == expected
    assert list(w.current_frame().index) == expected
    assert w.page == 0


def test_paging_through_1500_slices(big_result):
    w = SlicedMetricsView(big_result)
    assert w.n_total == 1_500 and w.page_size == 50 and w.n_pages == 30
    order = list(w.current_frame().index)
    assert [r["id"] for r in w.rows] == order[:50]
    browser_sets(w, page=3)
    assert [r["id"] for r in w.rows] == order[150:200]
    messages = browser_sets(w, page=99)  # past the end: the last page
    assert w.page == 29 and "page" in sent_keys(messages)
    assert [r["id"] for r in w.rows] == order[1450:]
    browser_sets(w, page_size=200)  # keeps the first row shown on screen
    assert w.page == 7 and w.n_pages == 8
    assert [r["id"] for r in w.rows] == order[1400:1500]
    browser_sets(w, sort_by="count")  # a new order starts at the first page
    assert w.page == 0
    counts = [r["count"] for r in w.rows]
    assert counts == sorted(counts)


def test_chart_shows_the_40_worst_of_many(big_result):
    w = SlicedMetricsView(big_result)
    chart = w.chart
    assert len(chart["bars"]) == MAX_BARS
    assert chart["truncated"] and chart["n_defined"] == 1_500
    assert chart["note"].startswith("showing the 40 worst of 1,500 slices by roc_auc")
    f = big_result.slices()
    judged = f[~f["too_small"] & f["roc_auc"].notna()].sort_values(
        "roc_auc", kind="stable"
    )
    expected = list(judged["value"].head(MAX_BARS))
    assert [b["value"] for b in chart["bars"]] == expected
    assert chart["overall"] == pytest.approx(big_result.overall["roc_auc"])
    # lower is better: the worst are the highest
    w.metric = "fpr"
    values = [b["metric"] for b in w.chart["bars"]]
    assert values == sorted(values, reverse=True)
    # no direction (a rate): the farthest from overall
    w.metric = "label_rate"
    assert "farthest from overall" in w.chart["note"]
    overall = w.overall["label_rate"]
    gaps = [abs(b["metric"] - overall) for b in w.chart["bars"] if not b["too_small"]]
    assert gaps == sorted(gaps, reverse=True)


def test_chart_keeps_the_results_order_when_all_fit(widget):
    ids = [b["id"] for b in widget.chart["bars"]]
    assert ids == sorted(ids) and not widget.chart["truncated"]
    assert widget.chart["note"] == ""


# -- what goes to the browser ----------------------------------------------------------
def _state_size(w: SlicedMetricsView) -> int:
    state = w.get_state()
    for code in ("_esm", "_css"):
        state.pop(code)
    return len(json.dumps(state))


def test_state_stays_small_with_1500_slices(big_result):
    w = SlicedMetricsView(big_result)
    assert _state_size(w) < 100 * 1024
    assert len(w.rows) == 50 and len(w.chart["bars"]) == MAX_BARS
    w.threshold = 0.3
    w.metric = "recall"
    w.page = 10
    assert _state_size(w) < 100 * 1024
    # the largest page the view may ask for stays within bounds too
    w.page_size = 500
    assert _state_size(w) < 400 * 1024


# -- display bundle --------------------------------------------------------------------
def test_mimebundle_has_widget_view_static_fallback_and_record(widget):
    data, metadata = widget._repr_mimebundle_()
    assert data[WIDGET_VIEW]["model_id"] == widget.model_id
    assert isinstance(metadata, dict)
    assert base64.b64decode(data["image/png"]).startswith(b"\x89PNG\r\n\x1a\n")
    html = data["text/html"]
    assert "static snapshot" in html
    assert "data:image/png;base64," + data["image/png"] in html
    assert "<script" not in html.lower()
    record = data[MIME_TYPE]
    assert record == _RESULT.record()
    assert record["step"] == "fairness" and record["check"] == "sliced_metrics"
    json.dumps(record)
    assert data["text/plain"].startswith("<SlicedMetricsView step 6 (fairness)")


def test_mimebundle_shows_the_current_state(widget):
    widget.threshold = 0.3
    widget.metric = "recall"
    data, _ = widget._repr_mimebundle_()
    assert "threshold 0.3" in data["text/html"] and "metric recall" in data["text/html"]
    assert data[MIME_TYPE]["status"] == _RESULT.at_threshold(0.3).status
    data, _ = widget._repr_mimebundle_(exclude=["image/png"])
    assert "image/png" not in data and "text/html" in data
    data, _ = widget._repr_mimebundle_(include=[MIME_TYPE])
    assert list(data) == [MIME_TYPE]


def test_malicious_slice_value_is_escaped_in_the_fallback():
    frame = binary_frame(n=2_000, seed=8)
    frame["group"] = np.where(frame["group"] == "A", EVIL, "ok$x_$")
    r = mlnb.sliced_metrics(
        frame, label="y", score="p", slice_by="group", publish=False
    )
    w = SlicedMetricsView(r)
    data, _ = w._repr_mimebundle_()
    html = data["text/html"]
    assert EVIL not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "image/png" in data  # "$...$" in a value does not break matplotlib
    # the raw value reaches the view as data; the view sets it with textContent
    assert EVIL in {r["value"] for r in w.rows}
    assert EVIL in {b["value"] for b in w.chart["bars"]}


def test_view_code_never_uses_innerhtml_or_remote_code():
    assert_view_code_is_safe(SlicedMetricsView, "sliced", "mlnb-sm-card")


def test_nbconvert_uses_the_static_fallback(widget):
    assert_nbconvert_shows_static_fallback(widget)


# -- bad settings: an error message, never an exception in the comm -------------------
@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("metric", "nope", "unknown metric 'nope'"),
        ("goal_metric", "label_rate", "goal_metric 'label_rate' cannot judge"),
        ("slice_column", "nope", "no slicing named 'nope'"),
        ("sort_by", "nope", "cannot sort by 'nope'"),
        ("page", -1, "page must be 0 or more"),
        ("page_size", 0, "page_size must be from 1 to 500"),
        ("page_size", 10_000, "page_size must be from 1 to 500"),
    ],
)
def test_bad_settings_set_error_and_keep_the_old_value(widget, name, value, message):
    before = getattr(widget, name)
    rows = widget.rows
    messages = browser_sets(widget, **{name: value})
    assert message in widget.error
    assert getattr(widget, name) == before
    assert widget.rows == rows
    # the view is told the value it must show again
    assert name in sent_keys(messages) and "error" in sent_keys(messages)
    # the next good setting clears the message
    browser_sets(widget, only_significant=True)
    assert widget.error == ""


def test_nan_threshold_is_refused(widget):
    widget.threshold = math.nan
    assert "threshold must be a number" in widget.error
    assert widget.threshold == 0.5 and widget.result.threshold == 0.5


def test_multiclass_result_disables_the_threshold():
    rng = np.random.default_rng(5)
    n = 3_000
    y = rng.choice(["cat", "dog", "fish"], size=n)
    pred = np.where(rng.random(n) < 0.7, y, rng.choice(["cat", "dog", "fish"], n))
    frame = pd.DataFrame({"y": y, "pred": pred, "g": rng.choice(list("abc"), n)})
    r = mlnb.sliced_metrics(
        frame, label="y", prediction="pred", slice_by="g", publish=False
    )
    w = SlicedMetricsView(r)
    assert r.task == "multiclass"
    assert w.threshold is None and not w.threshold_enabled
    messages = browser_sets(w, threshold=0.3)
    assert "binary model with scores" in w.error
    assert w.threshold is None and "threshold" in sent_keys(messages)
    assert w.metric == "accuracy"
    for row in w.rows:
        m = (frame["g"] == row["value"]).to_numpy()
        assert row["metric"] == pytest.approx(accuracy_score(y[m], pred[m]))


def test_regression_result_sorts_worst_first():
    rng = np.random.default_rng(6)
    n = 4_000
    g = rng.choice(list("abcd"), n)
    y = rng.normal(size=n)
    pred = y + rng.normal(scale=np.where(g == "c", 2.0, 0.5))
    frame = pd.DataFrame({"y": y, "pred": pred, "g": g})
    r = mlnb.sliced_metrics(
        frame, label="y", prediction="pred", slice_by="g", publish=False
    )
    w = SlicedMetricsView(r)
    assert w.metric == "mae" and w.higher_is_better["mae"] is False
    assert not w.threshold_enabled
    assert w.sort_by == "metric" and w.sort_ascending is False  # highest error first
    assert w.rows[0]["value"] == "c"
    for row in w.rows:
        m = g == row["value"]
        assert row["metric"] == pytest.approx(mean_absolute_error(y[m], pred[m]))


def test_a_registered_metric_is_shown_and_can_be_the_goal(df):
    from sklearn.metrics import brier_score_loss

    from mlnb.core import metrics as registry

    def brier(y, p, sample_weight=None):
        return brier_score_loss(y, p, sample_weight=sample_weight)

    registry.register_metric(
        "brier_widget", brier, task="binary", higher_is_better=False, range=(0, 1)
    )
    try:
        r = mlnb.sliced_metrics(
            df,
            label="y",
            score="p",
            slice_by="group",
            metrics=["recall", "roc_auc", "brier_widget"],
            publish=False,
        )
        w = SlicedMetricsView(r, metric="brier_widget")
        assert w.metrics_available == ["recall", "roc_auc", "brier_widget"]
        assert "brier_widget" in w.goal_metrics
        assert w.higher_is_better["brier_widget"] is False
        for row in w.rows:
            m = mask(df, "group", row["value"])
            expected = brier_score_loss(df["y"][m], df["p"][m])
            assert row["metric"] == pytest.approx(expected, rel=1e-12)
        browser_sets(w, goal_metric="brier_widget")
        assert w.error == "" and w.result.goal_metric == "brier_widget"
    finally:
        registry.unregister_metric("brier_widget")


# -- construction ----------------------------------------------------------------------
def test_compute_runs_sliced_metrics_and_publishes(df):
    w = SlicedMetricsView.compute(
        df, label="y", score="p", slice_by="group", metric="recall", page_size=3
    )
    assert w.metric == "recall" and w.page_size == 3 and w.n_pages == 2
    assert session.latest("fairness") == w.record()
    quiet = SlicedMetricsView.compute(
        df, label="y", score="p", slice_by="group", publish=False
    )
    assert quiet.slice_columns == ["group"]


def test_bad_arguments_raise_mlnb_errors(df):
    with pytest.raises(mlnb.MlnbValueError, match="mlnb.sliced_metrics"):
        SlicedMetricsView(df)
    with pytest.raises(mlnb.MlnbValueError, match="unknown metric"):
        SlicedMetricsView(_RESULT, metric="mae")
    with pytest.raises(mlnb.MlnbValueError, match="no slicing named"):
        SlicedMetricsView(_RESULT, slice_column="sex")
    with pytest.raises(mlnb.MlnbValueError, match="page_size"):
        SlicedMetricsView(_RESULT, page_size=0)
    with pytest.raises(mlnb.MlnbError):
        SlicedMetricsView.compute(df, label="y", slice_by="group")  # no model output


def test_decision_values_set_the_slider_range(df):
    z = np.log(df["p"] / (1 - df["p"]))
    frame = df.assign(z=z)
    r = mlnb.sliced_metrics(
        frame, label="y", score="z", slice_by="group", threshold=0.0, publish=False
    )
    w = SlicedMetricsView(r, metric="recall")
    assert w.threshold_min == pytest.approx(z.min())
    assert w.threshold_max == pytest.approx(z.max())
    w.threshold = 1.0
    row = next(r for r in w.rows if r["value"] == "A")
    m = mask(frame, "group", "A")
    expected = recall_score(frame["y"][m], frame["z"][m] >= 1.0)
    assert row["metric"] == pytest.approx(expected)


def test_lazy_access_and_light_import():
    from mlnb import widgets

    assert widgets.SlicedMetricsView is SlicedMetricsView
    assert "SlicedMetricsView" in dir(widgets)
    code = (
        "import sys, mlnb, mlnb.widgets; "
        "bad = [m for m in ('anywidget', 'ipywidgets', 'matplotlib') "
        "if m in sys.modules]; print(bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
