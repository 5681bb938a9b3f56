"""mlnb.drift_over_time: windows against pandas' own binning, every window's
distances against a direct ``mlnb.drift`` call on the same rows (and one against
scipy on bins computed here), a planted drift found in the right week, and bad
input that must fail loudly: unparsable or missing times, an empty batch."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import jensenshannon

import mlnb
from mlnb import DataValidationError, MlnbValueError
from mlnb.checklist import session
from mlnb.checks.drift import over_time as DT
from mlnb.checks.drift.over_time import DriftOverTime, drift_over_time
from mlnb.core.profile import Profile

FEATURES = ["x0", "x1", "cat", "code"]
START = pd.Timestamp("2024-02-05")  # a Monday: 7D windows start on Mondays
DRIFT_FROM = pd.Timestamp("2024-03-04")  # the fifth week
EVIL = "<img src=x onerror=alert(1)>"


def reference_frame(seed: int = 1, n: int = 4_000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "x0": rng.normal(0, 1, n),
            "x1": rng.lognormal(0, 0.5, n),
            "cat": rng.choice(["a", "b", "c", "d"], n, p=[0.4, 0.3, 0.2, 0.1]),
            "code": rng.integers(0, 5, n),
        }
    )


def current_frame(seed: int = 2, n: int = 5_600, weeks: int = 8) -> pd.DataFrame:
    """``weeks`` weeks of rows at random times from START; x0 shifts by 1.5
    standard deviations from DRIFT_FROM on, the rest stays as in the reference."""
    rng = np.random.default_rng(seed)
    seconds = rng.uniform(0, weeks * 7 * 86_400, n)
    ts = START + pd.to_timedelta(np.sort(seconds), unit="s")
    frame = pd.DataFrame(
        {
            "ts": ts,
            "x0": rng.normal(0, 1, n),
            "x1": rng.lognormal(0, 0.5, n),
            "cat": rng.choice(["a", "b", "c", "d"], n, p=[0.4, 0.3, 0.2, 0.1]),
            "code": rng.integers(0, 5, n),
        }
    )
    frame.loc[frame["ts"] >= DRIFT_FROM, "x0"] += 1.5
    return frame.sample(frac=1.0, random_state=0).reset_index(drop=True)


REF = reference_frame()
CUR = current_frame()


@pytest.fixture(scope="module")
def result() -> DriftOverTime:
    return drift_over_time(
        REF,
        CUR,
        time_column="ts",
        freq="7D",
        categorical=["code"],
        publish=False,
        progress=False,
    )


def run(reference=REF, current=CUR, **kwargs) -> DriftOverTime:
    kwargs.setdefault("time_column", "ts")
    kwargs.setdefault("freq", "7D")
    kwargs.setdefault("publish", False)
    kwargs.setdefault("progress", False)
    return drift_over_time(reference, current, **kwargs)


def window_rows(frame: pd.DataFrame, start, end) -> pd.DataFrame:
    return frame[(frame["ts"] >= start) & (frame["ts"] < end)]


# -- windows ---------------------------------------------------------------------------
def test_windows_and_counts_equal_pandas_groupby(result):
    counts = CUR.groupby(pd.Grouper(key="ts", freq="7D")).size()
    assert [w["start"] for w in result.windows] == list(counts.index)
    assert [w["rows"] for w in result.windows] == counts.tolist()
    assert [w["end"] for w in result.windows] == list(counts.index + pd.Timedelta("7D"))
    assert result.n_windows == 8 and result.windows[0]["start"] == START
    assert sum(w["rows"] for w in result.windows) == len(CUR)


@pytest.mark.parametrize("freq", ["1D", "3D", "12h", "W-MON", "W", "MS"])
def test_windows_follow_pandas_for_any_freq(freq):
    r = run(freq=freq, min_rows=1)
    counts = CUR.groupby(
        pd.Grouper(key="ts", freq=freq, closed="left", label="left")
    ).size()
    assert [w["start"] for w in r.windows] == list(counts.index)
    assert [w["rows"] for w in r.windows] == counts.tolist()
    # every row lies in its window: [start, end)
    for w in r.windows[:5]:
        rows = window_rows(CUR, w["start"], w["end"])
        assert len(rows) == w["rows"]


@settings(max_examples=25)
@given(
    seed=st.integers(0, 10_000),
    freq=st.sampled_from(["1D", "2D", "6h", "W-MON", "7D"]),
    n=st.integers(1, 400),
    missing=st.integers(0, 5),
)
def test_window_counts_property(seed, freq, n, missing):
    rng = np.random.default_rng(seed)
    ts = START + pd.to_timedelta(rng.uniform(0, 20 * 86_400, n), unit="s")
    cur = pd.DataFrame({"ts": ts, "x0": rng.normal(size=n)})
    cur.loc[: missing - 1, "ts"] = pd.NaT
    if cur["ts"].isna().all():
        with pytest.raises(DataValidationError, match="every value of the time"):
            run(REF[["x0"]], cur, freq=freq)
        return
    r = run(REF[["x0"]], cur, freq=freq, min_rows=1)
    counts = cur.groupby(
        pd.Grouper(key="ts", freq=freq, closed="left", label="left")
    ).size()
    assert [w["rows"] for w in r.windows] == counts.tolist()
    assert r.n_missing_time == int(cur["ts"].isna().sum())
    assert sum(w["rows"] for w in r.windows) + r.n_missing_time == n


# -- distances -------------------------------------------------------------------------
def test_each_window_equals_a_direct_drift_call(result):
    frame = result.to_frame()
    for i, w in enumerate(result.windows):
        rows = window_rows(CUR, w["start"], w["end"])
        direct = mlnb.drift(
            REF, rows[FEATURES], categorical=["code"], publish=False
        ).to_frame()
        got = frame[frame["window"] == i].set_index("feature")
        want = direct.set_index("feature")
        for f in FEATURES:
            assert got.loc[f, "distance"] == pytest.approx(want.loc[f, "distance"])
            assert got.loc[f, "threshold"] == want.loc[f, "threshold"]
            assert got.loc[f, "drifted"] == want.loc[f, "drifted"]
            assert got.loc[f, "method"] == want.loc[f, "method"]
        assert (got["rows"] == len(rows)).all()
        # the window's report is the same comparison
        assert result.report(i).to_frame()["distance"].tolist() == pytest.approx(
            direct["distance"].tolist()
        )


def test_numeric_distance_equals_scipy_jensenshannon_on_the_same_bins(result):
    x = REF["x1"].to_numpy()
    # the reference's 20 quantile bins, plus below-min, above-max and missing
    edges = np.unique(np.quantile(x, np.linspace(0, 1, 21)))
    np.testing.assert_allclose(result.profile["x1"].edges, edges)

    def counts(values):
        values = np.asarray(values, dtype=float)
        present = values[~np.isnan(values)]
        inside = np.histogram(present, edges)[0]  # last bin includes the maximum
        below = int((present < edges[0]).sum())
        above = int((present > edges[-1]).sum())
        return np.array([below, *inside, above, np.isnan(values).sum()], float)

    w = result.windows[6]
    rows = window_rows(CUR, w["start"], w["end"])
    expected = jensenshannon(counts(x), counts(rows["x1"]), base=2) ** 2
    frame = result.to_frame()
    got = frame[(frame["window"] == 6) & (frame["feature"] == "x1")]
    assert got["distance"].iat[0] == pytest.approx(expected, abs=1e-12)
    # the categorical one: L-infinity of the shares, by hand
    ref_share = REF["cat"].value_counts(normalize=True)
    cur_share = rows["cat"].value_counts(normalize=True)
    linf = (ref_share - cur_share.reindex(ref_share.index, fill_value=0)).abs().max()
    got = frame[(frame["window"] == 6) & (frame["feature"] == "cat")]
    assert got["distance"].iat[0] == pytest.approx(linf)


def test_planted_drift_is_first_flagged_in_its_window(result):
    assert result.first_drift == {"x0": DRIFT_FROM}
    heat = result.heatmap("drifted")
    assert heat.loc["x0"].tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    assert heat.drop(index="x0").to_numpy().sum() == 0
    assert result.drifted_last == ("x0",)
    assert result.status == "warn"  # 1 of 4 features: below Evidently's half
    assert result.summary.startswith("x0 drifted from 2024-03-04 on; ")
    assert "1 of 4 features drifted in the last window (2024-03-25" in result.summary
    assert result.window_index("2024-03-04 10:00") == 4


def test_heatmap_is_the_frame_pivoted(result):
    frame = result.to_frame()
    ratio = result.heatmap()
    distance = result.heatmap("distance")
    assert list(ratio.index) == FEATURES
    assert list(ratio.columns) == [w["start"] for w in result.windows]
    for row in frame.itertuples():
        assert distance.loc[row.feature, row.window_start] == pytest.approx(
            row.distance
        )
        assert ratio.loc[row.feature, row.window_start] == pytest.approx(
            row.distance / row.threshold
        )
    with pytest.raises(MlnbValueError, match="values must be"):
        result.heatmap("nope")


def test_frame_columns_and_window_access(result):
    frame = result.to_frame()
    assert list(frame.columns) == [
        "window",
        "window_start",
        "window_end",
        "rows",
        "feature",
        "kind",
        "method",
        "distance",
        "threshold",
        "drifted",
        "skipped_reason",
    ]
    assert len(frame) == len(FEATURES) * result.n_windows
    assert set(frame["kind"]) == {"numeric", "categorical"}
    assert result.report() is result.report(-1) is result.report(7)
    assert result.report(pd.Timestamp("2024-03-05")) is result.report(4)
    with pytest.raises(MlnbValueError, match="window 8 does not exist"):
        result.report(8)
    with pytest.raises(MlnbValueError, match="no window contains"):
        result.report("2023-01-01")


# -- windows too small -----------------------------------------------------------------
def test_windows_with_few_rows_are_reported_not_judged():
    # the third week keeps 30 rows, and the last day stands alone with 10
    week3 = (CUR["ts"] >= "2024-02-19") & (CUR["ts"] < "2024-02-26")
    keep = ~week3 | (week3.cumsum() <= 30)
    cur = CUR[keep]
    r = run(current=cur, categorical=["code"], min_rows=50)
    w = r.windows[2]
    assert w["rows"] == 30 and not w["judged"] and w["status"] is None
    frame = r.to_frame()
    small = frame[frame["window"] == 2]
    assert small["distance"].isna().all() and not small["drifted"].any()
    assert small["skipped_reason"].str.contains("too small: 30 rows").all()
    assert r.heatmap().iloc[:, 2].isna().all()
    with pytest.raises(MlnbValueError, match="fewer than min_rows=50"):
        r.report(2)
    assert "1 window(s) with fewer than 50 rows not judged" in r.summary
    assert r.record()["metrics"]["n_too_small"] == 1


def test_latest_window_too_small_judges_the_one_before():
    late = pd.DataFrame(
        {
            "ts": pd.Timestamp("2024-04-01 08:00") + pd.to_timedelta(range(10), "h"),
            "x0": 5.0,
            "x1": 1.0,
            "cat": "a",
            "code": 1,
        }
    )
    r = run(current=pd.concat([CUR, late]), categorical=["code"])
    assert r.n_windows == 9 and not r.windows[-1]["judged"]
    assert r.last_judged == 7 and r.status == r.report(7).status
    assert "the latest 1 window(s) (from 2024-04-01) had fewer than 100" in r.summary


def test_no_window_large_enough_warns():
    r = run(current=CUR.head(300), freq="1D")
    assert r.status == "warn"
    assert "nothing was judged" in r.summary
    assert r.first_drift == {} and r.last_judged is None


def test_empty_windows_between_keep_the_time_axis():
    gap = (CUR["ts"] >= "2024-02-19") & (CUR["ts"] < "2024-03-04")
    r = run(current=CUR[~gap], categorical=["code"])
    assert [w["rows"] for w in r.windows][2:4] == [0, 0]
    assert (
        r.to_frame()
        .query("window == 2")["skipped_reason"]
        .eq("window has no rows")
        .all()
    )


# -- times: parsing, missing, time zones -----------------------------------------------
def test_unparsable_time_column_raises_with_examples():
    cur = CUR.assign(ts=CUR["ts"].dt.strftime("%Y-%m-%d %H:%M:%S"))
    cur.loc[[3, 10, 11], "ts"] = ["not a date", "2024-13-45 00:00:00", "soon"]
    with pytest.raises(DataValidationError) as info:
        run(current=cur)
    message = str(info.value)
    assert "time column 'ts' has 3 of 5,600 values that are not dates" in message
    assert "'not a date'" in message and "'soon'" in message
    assert "format='mixed'" in message


def test_string_times_are_parsed():
    cur = CUR.assign(ts=CUR["ts"].dt.strftime("%Y-%m-%dT%H:%M:%S"))
    a = run(current=cur, categorical=["code"])
    b = run(categorical=["code"])
    assert [w["rows"] for w in a.windows] == [w["rows"] for w in b.windows]
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())


def test_numeric_or_duration_time_column_is_refused():
    cur = CUR.assign(ts=CUR["ts"].astype("int64") // 10**9)
    with pytest.raises(MlnbValueError, match="unit='s'"):
        run(current=cur)
    with pytest.raises(MlnbValueError, match="durations"):
        run(current=CUR.assign(ts=CUR["ts"] - START))


def test_missing_times_are_counted_and_reported():
    cur = CUR.copy()
    cur.loc[cur.index[:25], "ts"] = pd.NaT
    r = run(current=cur, categorical=["code"])
    assert r.n_missing_time == 25
    assert sum(w["rows"] for w in r.windows) == len(cur) - 25
    assert "25 of 5,600 rows have no time and are in no window" in r.summary
    assert r.record()["metrics"]["n_missing_time"] == 25
    assert r.to_dict()["n_missing_time"] == 25
    strings = cur.assign(ts=cur["ts"].dt.strftime("%Y-%m-%d %H:%M:%S"))
    assert run(current=strings).n_missing_time == 25  # NaN stays missing


def test_every_time_missing_raises():
    with pytest.raises(DataValidationError, match="every value of the time column"):
        run(current=CUR.assign(ts=pd.NaT))


def test_time_zone_aware_times_are_binned_in_their_zone():
    local = CUR.assign(
        ts=CUR["ts"].dt.tz_localize("UTC").dt.tz_convert("Europe/Berlin")
    )
    r = run(current=local, freq="1D", categorical=["code"], min_rows=1)
    counts = local.groupby(pd.Grouper(key="ts", freq="1D")).size()
    assert [w["rows"] for w in r.windows] == counts.tolist()
    assert r.timezone == "Europe/Berlin"
    # the daylight-saving change (31 March) makes a 23-hour day, local midnights
    dst = next(
        w
        for w in r.windows
        if w["start"] == pd.Timestamp("2024-03-31", tz="Europe/Berlin")
    )
    assert dst["end"] - dst["start"] == pd.Timedelta("23h")
    assert dst["end"] == pd.Timestamp("2024-04-01", tz="Europe/Berlin")


def test_mixed_utc_offsets_are_compared_in_utc():
    cur = CUR.head(400).copy()
    text = cur["ts"].dt.strftime("%Y-%m-%dT%H:%M:%S")
    cur["ts"] = np.where(np.arange(len(cur)) % 2, text + "+01:00", text + "+02:00")
    r = run(current=cur, freq="1D", min_rows=1)
    assert r.timezone == "UTC"
    utc = pd.to_datetime(cur["ts"], utc=True)
    counts = cur.assign(ts=utc).groupby(pd.Grouper(key="ts", freq="1D")).size()
    assert [w["rows"] for w in r.windows] == counts.tolist()


def test_time_column_may_be_the_index():
    a = run(current=CUR.set_index("ts"), categorical=["code"])
    b = run(categorical=["code"])
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())


# -- bad input -------------------------------------------------------------------------
def test_empty_current_batch_raises():
    with pytest.raises(DataValidationError, match="the current batch is empty"):
        run(current=CUR.iloc[:0])


def test_bad_arguments_raise_mlnb_errors():
    with pytest.raises(MlnbValueError, match="time column 'when' is not in the"):
        run(time_column="when")
    with pytest.raises(MlnbValueError, match="use the period-start frequency 'MS'"):
        run(freq="ME")
    with pytest.raises(MlnbValueError, match="freq must be a pandas frequency"):
        run(freq="fortnightly")
    with pytest.raises(MlnbValueError, match="more than 2,000"):
        run(freq="1min")
    with pytest.raises(MlnbValueError, match="min_rows must be"):
        run(min_rows=0)
    with pytest.raises(MlnbValueError, match="leave it out of features"):
        run(features=["x0", "ts"])
    with pytest.raises(MlnbValueError, match="not in the reference"):
        run(features=["x0", "nope"])
    with pytest.raises(MlnbValueError, match="not a profile"):
        run(current=mlnb.profile(REF))
    with pytest.raises(MlnbValueError, match="time_column must name"):
        drift_over_time(REF, CUR, time_column=None)  # type: ignore[arg-type]


def test_time_column_in_the_reference_is_ignored():
    ref = REF.assign(ts=pd.Timestamp("2023-01-01"))
    a = run(reference=ref, categorical=["code"])
    assert a.features == tuple(FEATURES)
    pd.testing.assert_frame_equal(a.to_frame(), run(categorical=["code"]).to_frame())


def test_a_feature_lost_in_the_last_window_is_never_a_silent_pass():
    cur = CUR.copy()
    cur.loc[cur["ts"] >= "2024-03-25", "x1"] = np.nan
    r = run(reference=REF.drop(columns="x0"), current=cur.drop(columns="x0"))
    assert r.status != "pass"
    assert "x1: every value is missing in the current data" in r.summary
    frame = r.to_frame()
    last = frame[(frame["window"] == 7) & (frame["feature"] == "x1")]
    assert last["skipped_reason"].iat[0] and np.isnan(last["distance"].iat[0])
    # an earlier window losing it is named too
    cur = CUR.copy()
    cur.loc[(cur["ts"] >= "2024-02-12") & (cur["ts"] < "2024-02-19"), "x1"] = np.nan
    r = run(reference=REF.drop(columns="x0"), current=cur.drop(columns="x0"))
    assert "not compared in some earlier window: x1" in r.summary


# -- the reference: profiled once ------------------------------------------------------
def test_profile_as_reference_equals_the_raw_reference(result):
    prof = mlnb.profile(REF, categorical=["code"])
    assert isinstance(prof, Profile)
    other = run(reference=prof, categorical=["code"])
    pd.testing.assert_frame_equal(other.to_frame(), result.to_frame())
    assert other.summary == result.summary and other.status == result.status


def test_reference_is_profiled_once_and_each_window_uses_the_profile(monkeypatch):
    calls = {"profile": 0, "references": []}
    real_profile, real_drift = DT.profile, DT.drift

    def counting_profile(*args, **kwargs):
        calls["profile"] += 1
        return real_profile(*args, **kwargs)

    def recording_drift(reference, current, **kwargs):
        calls["references"].append(reference)
        assert kwargs["publish"] is False
        return real_drift(reference, current, **kwargs)

    monkeypatch.setattr(DT, "profile", counting_profile)
    monkeypatch.setattr(DT, "drift", recording_drift)
    r = run(categorical=["code"])
    assert calls["profile"] == 1
    assert len(calls["references"]) == r.n_windows
    assert all(ref is r.profile for ref in calls["references"])


def test_evidently_method_works_from_the_raw_reference():
    r = run(method="evidently", categorical=["code"])
    assert r.method == "evidently"
    assert "x0" in r.first_drift
    with pytest.raises(MlnbValueError, match="needs the reference data"):
        run(reference=mlnb.profile(REF), method="evidently")


# -- progress, interruption, publishing ------------------------------------------------
def test_progress_bar_shows_and_can_be_disabled(capsys):
    run(progress=False)
    assert "drift per window" not in capsys.readouterr().err
    run(progress=True)
    assert "drift per window" in capsys.readouterr().err


def test_interrupting_stops_at_once_and_publishes_nothing(monkeypatch):
    real = DT.drift
    seen = []

    def interrupted(*args, **kwargs):
        seen.append(1)
        if len(seen) == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(DT, "drift", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run(publish=True)
    assert len(seen) == 3
    assert session.latest("drift") is None


def test_publish_records_step_9():
    r = run(publish=True, categorical=["code"])
    record = session.latest("drift")
    assert record == r.record()
    assert record["check"] == "drift_over_time" and record["step"] == "drift"
    metrics = record["metrics"]
    assert metrics["first_drift"] == {"x0": "2024-03-04T00:00:00"}
    assert metrics["n_windows"] == 8 and metrics["drifted_last"] == ["x0"]


# -- serialisation and display ---------------------------------------------------------
def test_to_dict_is_json_safe(result):
    d = result.to_dict()
    text = json.dumps(d, allow_nan=False)
    back = json.loads(text)
    assert back["check"] == "drift_over_time"
    assert back["windows"][4]["start"] == "2024-03-04T00:00:00"
    assert back["first_drift"] == {"x0": "2024-03-04T00:00:00"}
    assert len(back["cells"]) == len(FEATURES) * result.n_windows
    assert back["features"] == FEATURES


def test_html_is_escaped():
    ref = REF.rename(columns={"x0": EVIL}).assign(
        cat=np.where(REF["cat"] == "a", EVIL, REF["cat"])
    )
    cur = CUR.rename(columns={"x0": EVIL})
    r = run(reference=ref, current=cur, categorical=["code"])
    html = r._repr_html_()
    assert EVIL not in html and "<script" not in html.lower()
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert f"{EVIL} drifted from 2024-03-04 on" in r.summary


def test_plot_draws_a_heatmap_without_pyplot(result):
    pytest.importorskip("matplotlib")
    ax = result.plot()
    assert len(ax.get_yticklabels()) == len(FEATURES)
    from mlnb.render.plots import figure_png_base64

    assert figure_png_base64(ax.figure)
    ref = REF.rename(columns={"x1": "$x_$"})
    cur = CUR.rename(columns={"x1": "$x_$"})
    small = run(reference=ref, current=cur.head(2_000), categorical=["code"])
    figure_png_base64(small.plot().figure)  # "$" in names is not mathtext


def test_module_loads_no_ui_or_plotting_library():
    code = (
        "import sys, mlnb.checks.drift.over_time; "
        "print([m for m in ('matplotlib', 'IPython', 'ipywidgets', 'anywidget') "
        "if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_plot_draws_on_the_given_axes_and_render_draws_the_html(result):
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    from mlnb.render.drift import html_heatmap, plot_drift_heatmap

    ax = Figure().subplots()
    assert result.plot(ax=ax) is ax
    assert len(ax.get_yticklabels()) == len(FEATURES)
    with pytest.raises(TypeError):
        result.plot(ax)  # ax is keyword-only
    assert plot_drift_heatmap(result, max_features=2).get_yticklabels()
    assert html_heatmap(result) in result._repr_html_()


def test_drift_thresholds_apply_to_every_window():
    r = run(drift_thresholds=0.0, categorical=["code"])
    judged = [w for w in r.windows if w["judged"]]
    assert all(w["n_drifted"] == len(FEATURES) for w in judged)
    assert r.status == "fail" and r.condition_values["drifted_share"] == 1.0
