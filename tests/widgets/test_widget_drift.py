"""DriftChart without a browser: build it, set traits as the view would, and check
the derived traits against the result's own tables (the heatmap is the result's
frame, a cell's distributions are that window's report); check what goes to the
browser stays bounded, the display bundle, escaping, and bad settings.

The real rendering is checked in Chromium by tests/ui/test_drift_widget.py.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
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
from mlnb.checks.drift.over_time import drift_over_time

pytest.importorskip("anywidget")

from mlnb.widgets.drift import (  # noqa: E402
    MAX_BINS,
    MAX_FEATURES,
    MAX_SELECTED,
    MAX_WINDOWS,
    DriftChart,
)

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
START = pd.Timestamp("2024-02-05")


def frames(seed: int = 4, n_ref: int = 3_000, n_cur: int = 4_000, weeks: int = 6):
    rng = np.random.default_rng(seed)
    ref = pd.DataFrame(
        {
            "x0": rng.normal(size=n_ref),
            "x1": rng.normal(size=n_ref),
            "cat": rng.choice(list("abcd"), n_ref),
        }
    )
    ts = START + pd.to_timedelta(rng.uniform(0, weeks * 7 * 86_400, n_cur), unit="s")
    cur = pd.DataFrame(
        {
            "ts": ts,
            "x0": rng.normal(size=n_cur),
            "x1": rng.normal(size=n_cur),
            "cat": rng.choice(list("abcd"), n_cur),
        }
    )
    cur.loc[cur["ts"] >= START + pd.Timedelta("21D"), "x0"] += 2.0
    return ref, cur


REF, CUR = frames()
RESULT = drift_over_time(
    REF, CUR, time_column="ts", freq="7D", publish=False, progress=False
)


@pytest.fixture
def widget() -> DriftChart:
    return DriftChart(RESULT)


def state_size(w: DriftChart) -> int:
    state = w.get_state()
    for code in ("_esm", "_css"):
        state.pop(code)
    return len(json.dumps(state))


def close(a, b, rel=1e-3) -> bool:
    if a is None or b is None or (isinstance(b, float) and math.isnan(b)):
        return a is None and (b is None or math.isnan(b))
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-9)


# -- the traits follow the result ------------------------------------------------------
def test_heatmap_equals_the_results_frame(widget):
    hm = widget.heatmap
    frame = RESULT.to_frame().set_index(["feature", "window"])
    assert sorted(hm["features"]) == sorted(RESULT.features)
    assert [w["index"] for w in hm["windows"]] == list(range(RESULT.n_windows))
    for w, win in zip(hm["windows"], RESULT.windows):
        assert w["label"] == win["start"].strftime("%Y-%m-%d")
        assert w["rows"] == win["rows"] and w["judged"] == win["judged"]
    for i, name in enumerate(hm["features"]):
        for j, w in enumerate(hm["windows"]):
            row = frame.loc[(name, w["index"])]
            assert close(hm["distance"][i][j], row["distance"])
            assert close(hm["ratio"][i][j], row["distance"] / row["threshold"])
            assert hm["state"][i][j] == (1 if row["drifted"] else 0)
        assert hm["thresholds"][i] == 0.3
    assert hm["note"] == "" and hm["n_features"] == 3 and hm["n_windows"] == 6


def test_features_worst_first_and_default_selection(widget):
    assert widget.heatmap["features"][0] == "x0"
    assert widget.selected_features[0] == "x0" and len(widget.selected_features) == 3
    last = RESULT.last_judged
    assert widget.selected_cell == {"feature": "x0", "window": last}
    d = widget.distribution
    assert d["feature"] == "x0" and d["window"] == last and d["drifted"]
    assert widget.status == RESULT.status and widget.summary == RESULT.summary


def test_selecting_a_cell_gives_that_windows_distribution(widget):
    messages = browser_sets(widget, selected_cell={"feature": "cat", "window": 1})
    assert "distribution" in sent_keys(messages)
    d = widget.distribution
    want = RESULT.report(1).distribution("cat")
    keep = [
        i for i, (a, b) in enumerate(zip(want["reference"], want["current"])) if a or b
    ]
    assert d["labels"] == [want["labels"][i] for i in keep]
    assert d["reference"] == pytest.approx(
        [want["reference"][i] for i in keep], rel=1e-5
    )
    assert d["current"] == pytest.approx([want["current"][i] for i in keep], rel=1e-5)
    row = RESULT.to_frame().query("window == 1 and feature == 'cat'").iloc[0]
    assert d["distance"] == pytest.approx(row["distance"])
    assert d["threshold"] == row["threshold"] and d["drifted"] == row["drifted"]
    assert d["method"] == "l_infinity" and d["rows"] == RESULT.windows[1]["rows"]
    assert widget.error == ""
    # the oracle for the shares: the window's rows counted here
    win = RESULT.windows[1]
    rows = CUR[(CUR["ts"] >= win["start"]) & (CUR["ts"] < win["end"])]
    shares = rows["cat"].value_counts(normalize=True)
    for label, share in zip(d["labels"], d["current"]):
        assert share == pytest.approx(shares.get(label, 0.0), rel=1e-5)


def test_series_follow_the_selected_features(widget):
    browser_sets(widget, selected_features=["x1", "cat"])
    lines = widget.series["lines"]
    assert [line["feature"] for line in lines] == ["x1", "cat"]
    heat = RESULT.heatmap("distance")
    for line in lines:
        want = heat.loc[line["feature"]].tolist()
        assert line["distance"] == pytest.approx(want, rel=1e-3)
        assert line["threshold"] == 0.3
    assert widget.series["windows"] == list(range(RESULT.n_windows))
    drifted = RESULT.heatmap("drifted").loc["x0"].astype(bool).tolist()
    browser_sets(widget, selected_features=["x0"])
    assert widget.series["lines"][0]["drifted"] == drifted


def test_too_small_and_not_compared_cells():
    cur = CUR.copy()
    week2 = (cur["ts"] >= START + pd.Timedelta("7D")) & (
        cur["ts"] < START + pd.Timedelta("14D")
    )
    cur = cur[~week2 | (week2.cumsum() <= 20)]
    cur.loc[cur["ts"] >= START + pd.Timedelta("35D"), "x1"] = np.nan
    r = drift_over_time(
        REF, cur, time_column="ts", freq="7D", publish=False, progress=False
    )
    w = DriftChart(r)
    hm = w.heatmap
    assert all(row[1] == 3 for row in hm["state"])
    assert not hm["windows"][1]["judged"]
    i = hm["features"].index("x1")
    assert hm["state"][i][5] == 2 and hm["distance"][i][5] is None
    (f, j, k) = next(s for s in hm["skipped"] if s[0] == i)
    assert j == 5 and "every value is missing" in hm["reasons"][k]
    browser_sets(w, selected_cell={"feature": "x0", "window": 1})
    d = w.distribution
    assert not d["judged"] and d["labels"] == [] and "too small" in d["reason"]
    browser_sets(w, selected_cell={"feature": "x1", "window": 5})
    d = w.distribution
    assert (
        d["judged"] and not d["compared"] and "every value is missing" in (d["reason"])
    )
    assert w.error == ""
    x0 = next(line for line in w.series["lines"] if line["feature"] == "x0")
    assert x0["distance"][1] is None and x0["drifted"][1] is None


# -- bounded state ---------------------------------------------------------------------
def test_only_the_latest_windows_go_to_the_browser():
    rng = np.random.default_rng(8)
    n = 230 * 15
    cur = pd.DataFrame(
        {
            "ts": START + pd.to_timedelta(np.repeat(np.arange(230), 15), unit="D"),
            "x0": rng.normal(size=n),
        }
    )
    r = drift_over_time(
        REF[["x0"]],
        cur,
        time_column="ts",
        freq="1D",
        min_rows=10,
        publish=False,
        progress=False,
    )
    w = DriftChart(r)
    windows = w.heatmap["windows"]
    assert len(windows) == MAX_WINDOWS and r.n_windows == 230
    assert [x["index"] for x in windows] == list(range(30, 230))
    assert "the latest 200 of 230 windows" in w.heatmap["note"]
    assert len(w.series["lines"][0]["distance"]) == MAX_WINDOWS
    # an older window can still be selected by index
    browser_sets(w, selected_cell={"feature": "x0", "window": 3})
    assert w.distribution["window"] == 3 and w.error == ""


def wide_result(n_features: int = 75):
    rng = np.random.default_rng(9)
    ref = pd.DataFrame({f"f{i:02d}": rng.normal(size=1_500) for i in range(n_features)})
    ref["many"] = rng.integers(0, 1_200, 1_500).astype(str)
    n = 600
    cur = pd.DataFrame(
        {f"f{i:02d}": rng.normal(size=n) + (i % 10 == 0) for i in range(n_features)}
    )
    cur["many"] = rng.integers(0, 1_200, n).astype(str)
    cur["ts"] = START + pd.to_timedelta(np.repeat([0, 1], n // 2), unit="D")
    return drift_over_time(
        ref, cur, time_column="ts", freq="1D", publish=False, progress=False
    )


@pytest.fixture(scope="module")
def wide():
    return wide_result()


def test_only_the_worst_features_go_to_the_browser(wide):
    w = DriftChart(wide)
    hm = w.heatmap
    assert len(hm["features"]) == MAX_FEATURES and hm["n_features"] == 76
    assert "the 60 worst of 76 features" in hm["note"]
    worst = [max(x for x in row if x is not None) for row in hm["ratio"]]
    assert worst == sorted(worst, reverse=True)
    shifted = {f"f{i:02d}" for i in range(0, 75, 10)}
    # the shifted ones lead, after the many-valued categorical (its pooled
    # "(other)" share differs by chance)
    assert shifted <= set(hm["features"][: len(shifted) + 1])
    # a feature left out of the heatmap can still be drawn and selected
    hidden = next(f for f in wide.features if f not in hm["features"])
    browser_sets(w, selected_features=[hidden])
    assert w.series["lines"][0]["feature"] == hidden and w.error == ""


def test_a_distribution_with_many_categories_is_capped(wide):
    w = DriftChart(wide, cell=("many", 1))
    d = w.distribution
    assert d["n_bins"] > MAX_BINS and len(d["labels"]) == MAX_BINS and d["truncated"]
    full = wide.report(1).distribution("many")
    size = {
        label: max(a, b)
        for label, a, b in zip(full["labels"], full["reference"], full["current"])
    }
    smallest_kept = min(size[label] for label in d["labels"])
    dropped = [v for label, v in size.items() if label not in d["labels"]]
    assert max(dropped) <= smallest_kept
    # kept in the report's order
    order = {label: i for i, label in enumerate(full["labels"])}
    assert [order[label] for label in d["labels"]] == sorted(
        order[label] for label in d["labels"]
    )


def test_state_stays_bounded_at_the_largest_shown_size(wide):
    """60 features × 200 windows, every cell compared (the worst case), built from
    a real result by giving it 200 windows; the state stays under 400 KB."""
    n_f = len(wide.features)
    rng = np.random.default_rng(1)
    starts = pd.date_range(START, periods=260, freq="D")
    windows = tuple(
        {
            "start": s,
            "end": s + pd.Timedelta("1D"),
            "rows": 300,
            "judged": True,
            "status": "warn",
            "n_drifted": 3,
            "drifted": [],
        }
        for s in starts
    )
    distance = rng.uniform(0, 0.6, (n_f, 260))
    big = dataclasses.replace(
        wide,
        windows=windows,
        _reports=[wide.report(1)] * 260,
        _distance=distance,
        _threshold=np.full((n_f, 260), 0.3),
        _drifted=distance >= 0.3,
        _methods=[[m[1]] * 260 for m in wide._methods],
        _skipped={},
    )
    w = DriftChart(big)
    assert len(w.heatmap["features"]) == MAX_FEATURES
    assert len(w.heatmap["windows"]) == MAX_WINDOWS
    assert state_size(w) < 400 * 1024
    everything = list(wide.features)[:MAX_SELECTED]
    browser_sets(w, selected_features=everything)
    browser_sets(w, selected_cell={"feature": "many", "window": 259})
    assert w.error == "" and len(w.series["lines"]) == MAX_SELECTED
    assert state_size(w) < 400 * 1024


# -- display bundle --------------------------------------------------------------------
def test_mimebundle_has_widget_view_static_fallback_and_record(widget):
    data, metadata = widget._repr_mimebundle_()
    assert data[WIDGET_VIEW]["model_id"] == widget.model_id
    assert isinstance(metadata, dict)
    assert base64.b64decode(data["image/png"]).startswith(b"\x89PNG\r\n\x1a\n")
    html = data["text/html"]
    assert "static snapshot" in html and "cell x0 · 2024-03-11" in html
    assert "data:image/png;base64," + data["image/png"] in html
    assert "<script" not in html.lower()
    assert data[MIME_TYPE] == RESULT.record()
    assert data[MIME_TYPE]["check"] == "drift_over_time"
    json.dumps(data[MIME_TYPE])
    assert data["text/plain"].startswith("<DriftChart step 9 (drift): WARN")
    data, _ = widget._repr_mimebundle_(exclude=["image/png"])
    assert "image/png" not in data and "text/html" in data
    data, _ = widget._repr_mimebundle_(include=[MIME_TYPE])
    assert list(data) == [MIME_TYPE]


def test_malicious_names_are_escaped_in_the_fallback():
    ref = REF.rename(columns={"x0": EVIL}).assign(
        cat=np.where(REF["cat"] == "a", EVIL, REF["cat"])
    )
    cur = CUR.rename(columns={"x0": EVIL}).assign(
        cat=np.where(CUR["cat"] == "a", EVIL, CUR["cat"])
    )
    r = drift_over_time(
        ref, cur, time_column="ts", freq="7D", publish=False, progress=False
    )
    w = DriftChart(r, cell=("cat", 0))
    data, _ = w._repr_mimebundle_()
    html = data["text/html"]
    assert EVIL not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "image/png" in data
    # the raw names reach the view as data; the view sets them with textContent
    assert EVIL in w.heatmap["features"] and EVIL in w.distribution["labels"]


def test_view_code_never_uses_innerhtml_or_remote_code():
    assert_view_code_is_safe(DriftChart, "drift", "mlnb-dc-card")


def test_nbconvert_uses_the_static_fallback(widget):
    assert_nbconvert_shows_static_fallback(widget)


# -- bad settings: an error message, never an exception in the comm --------------------
@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("selected_features", ["nope"], "unknown feature(s) ['nope']"),
        ("selected_features", [1], "must hold feature names"),
        ("selected_features", ["x0", "x0"], "lists a feature twice"),
        ("selected_cell", {"feature": "nope", "window": 0}, "unknown feature 'nope'"),
        ("selected_cell", {"feature": "x0", "window": 99}, "window 99 does not exist"),
        ("selected_cell", {"feature": "x0", "window": -1}, "window -1 does not exist"),
        ("selected_cell", {"feature": "x0"}, "exactly the keys"),
        ("selected_cell", {"feature": "x0", "window": "2"}, "must be a window index"),
        ("selected_cell", {"feature": "x0", "window": True}, "must be a window index"),
    ],
)
def test_bad_settings_set_error_and_keep_the_old_value(widget, name, value, message):
    before = getattr(widget, name)
    distribution, series = widget.distribution, widget.series
    messages = browser_sets(widget, **{name: value})
    assert message in widget.error
    assert getattr(widget, name) == before
    assert widget.distribution == distribution and widget.series == series
    # the view is told the value it must show again
    assert name in sent_keys(messages) and "error" in sent_keys(messages)
    # the next good setting clears the message
    browser_sets(widget, selected_cell={"feature": "x1", "window": 0})
    assert widget.error == ""


def test_too_many_lines_are_refused():
    rng = np.random.default_rng(3)
    cols = {f"f{i}": rng.normal(size=800) for i in range(MAX_SELECTED + 1)}
    ref = pd.DataFrame(cols)
    cur = pd.DataFrame(cols).assign(
        ts=START + pd.to_timedelta(np.arange(800) % 2, unit="D")
    )
    r = drift_over_time(ref, cur, time_column="ts", publish=False, progress=False)
    w = DriftChart(r)
    browser_sets(w, selected_features=list(r.features))
    assert f"at most {MAX_SELECTED} features" in w.error
    browser_sets(w, selected_features=list(r.features)[:MAX_SELECTED])
    assert w.error == "" and len(w.series["lines"]) == MAX_SELECTED


def test_python_side_settings_work_like_the_views(widget):
    widget.selected_cell = {"feature": "x1", "window": 2}
    assert widget.distribution["feature"] == "x1"
    widget.selected_cell = {}
    assert widget.distribution == {} and widget.error == ""
    widget.selected_features = []
    assert widget.series["lines"] == []


# -- one drift report ------------------------------------------------------------------
def test_a_single_drift_report_is_one_column():
    report = mlnb.drift(REF, CUR.drop(columns="ts").tail(800), publish=False)
    w = DriftChart(report)
    hm = w.heatmap
    assert len(hm["windows"]) == 1 and hm["windows"][0]["label"] == "current"
    assert w.context["source"] == "single"
    frame = report.to_frame().set_index("feature")
    for i, name in enumerate(hm["features"]):
        assert close(hm["distance"][i][0], frame.loc[name, "distance"])
    assert w.selected_cell == {"feature": "x0", "window": 0}
    browser_sets(w, selected_cell={"feature": "cat", "window": 0})
    assert w.distribution["current"] == pytest.approx(
        [x for x in report.distribution("cat")["current"] if x], rel=1e-5
    )
    data, _ = w._repr_mimebundle_()
    assert "image/png" in data and data[MIME_TYPE] == report.record()
    browser_sets(w, selected_cell={"feature": "cat", "window": 1})
    assert "window 1 does not exist" in w.error


# -- construction ----------------------------------------------------------------------
def test_compute_runs_the_check_and_publishes():
    w = DriftChart.compute(REF, CUR, time_column="ts", freq="7D", progress=False)
    assert session.latest("drift") == w.record()
    assert w.record()["check"] == "drift_over_time"
    single = DriftChart.compute(REF, CUR.drop(columns="ts"), publish=False)
    assert single.context["source"] == "single"


def test_constructor_arguments():
    w = DriftChart(RESULT, features=["cat"], cell=("x1", "2024-02-20"))
    assert w.selected_features == ["cat"]
    assert w.selected_cell == {"feature": "x1", "window": 2}
    with pytest.raises(mlnb.MlnbValueError, match="drift_over_time"):
        DriftChart(CUR)
    with pytest.raises(mlnb.MlnbValueError, match="unknown feature"):
        DriftChart(RESULT, features=["nope"])
    with pytest.raises(mlnb.MlnbValueError, match="does not exist"):
        DriftChart(RESULT, cell=("x0", 99))
    with pytest.raises(mlnb.MlnbValueError, match="cell must be"):
        DriftChart(RESULT, cell="x0")


def test_lazy_access_and_light_import():
    from mlnb import widgets

    assert widgets.DriftChart is DriftChart
    assert "DriftChart" in dir(widgets) and "DriftChart" in widgets.__all__
    code = (
        "import sys, mlnb, mlnb.widgets; "
        "bad = [m for m in ('anywidget', 'ipywidgets', 'matplotlib') "
        "if m in sys.modules]; print(bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_integer_and_tuple_feature_names_are_shown_by_labels():
    rng = np.random.default_rng(8)
    n = 800
    ref = pd.DataFrame(
        {0: rng.normal(size=n), "0": rng.normal(size=n), ("a", 1): rng.normal(size=n)}
    )
    cur = ref + [0.0, 3.0, 0.0]
    report = mlnb.drift(ref, cur, publish=False)
    chart = DriftChart(report, features=[("a", 1), 0], cell=("0", 0))
    # 0 and "0" print alike, so both are shown by repr; the tuple by str
    assert chart.heatmap["features"] == ["'0'", "0", "('a', 1)"]
    assert chart.selected_features == ["('a', 1)", "0"]
    assert chart.selected_cell == {"feature": "'0'", "window": 0}
    assert chart.distribution["drifted"] is True
    expected = report.distribution("0")
    assert chart.distribution["n_bins"] == sum(
        1 for a, b in zip(expected["reference"], expected["current"]) if a or b
    )
    browser_sets(chart, selected_cell={"feature": "('a', 1)", "window": 0})
    assert chart.error == "" and chart.distribution["drifted"] is False
    json.dumps(chart.get_state(), default=str)
