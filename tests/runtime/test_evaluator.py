"""Continuous evaluation: windows, metrics against scikit-learn, intervals against
the hand formulas, alerts for a planted decline, callbacks, a real webhook server on
127.0.0.1, late ground truth, bad input, and the step-9 result."""

from __future__ import annotations

import json
import logging
import math
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    f1_score,
    log_loss,
    mean_absolute_error,
    mean_squared_error,
    precision_score,
    recall_score,
    roc_auc_score,
)

from mlnb.checklist import session
from mlnb.core.conditions import Condition
from mlnb.errors import DataValidationError, MlnbError, MlnbValueError
from mlnb.runtime.delivery import Alert
from mlnb.runtime.evaluator import ContinuousEvaluationResult, ContinuousEvaluator
from mlnb.runtime.window_metric import window_metric

Z95 = NormalDist().inv_cdf(0.975)


# ---------------------------------------------------------------------------------
# helpers
def hand_wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def scores_with_accuracy(rng, y, accuracy):
    """Probability scores that are on the right side of 0.5 with rate ``accuracy``."""
    correct = rng.random(len(y)) < accuracy
    side = np.where(correct, y, 1 - y)
    return np.where(
        side == 1, rng.uniform(0.5, 1.0, len(y)), rng.uniform(0, 0.5, len(y))
    )


def planted_stream(rng, *, days=6, per_day=300, decline_from=3, before=0.92, after=0.7):
    """Rows over ``days`` days; accuracy drops from ``before`` to ``after`` on day
    ``decline_from``."""
    n = days * per_day
    start = pd.Timestamp("2024-03-01")
    ts = start + pd.to_timedelta(np.sort(rng.uniform(0, days, n)), unit="D")
    y = rng.integers(0, 2, n)
    day = np.asarray((ts - start).days)
    acc = np.where(day >= decline_from, after, before)
    score = scores_with_accuracy(rng, y, acc)
    return pd.DataFrame({"ts": ts, "y": y, "score": score})


def feed(ev, df, batch=250, **cols):
    alerts = []
    for i in range(0, len(df), batch):
        part = df.iloc[i : i + batch]
        alerts += ev.update(part["y"], part["score"], timestamps=part["ts"], **cols)
    return alerts


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Hook:
    """A webhook receiver: answers the given statuses in turn, then 200."""

    def __init__(self, statuses=(), delay=0.0):
        self.requests: list[dict] = []
        self.statuses = list(statuses)
        self.delay = delay
        self.url = ""


@pytest.fixture
def hook(monkeypatch):
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.delenv(var, raising=False)
    servers = []

    def start(statuses=(), delay=0.0) -> Hook:
        state = Hook(statuses, delay)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                state.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "json": json.loads(body),
                    }
                )
                status = state.statuses.pop(0) if state.statuses else 200
                if state.delay:
                    time.sleep(state.delay)
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        servers.append(server)
        state.url = f"http://127.0.0.1:{server.server_address[1]}/hook?token=s3cret"
        return state

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def breach_window(ev: ContinuousEvaluator, n=100, accuracy=0.5, seed=0):
    """Feed one count window of ``n`` rows with about ``accuracy``."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    return ev.update(y, scores_with_accuracy(rng, y, accuracy))


# ---------------------------------------------------------------------------------
# the metric of one window, against scikit-learn and the hand formulas
SKLEARN = {
    "accuracy": lambda y, s: accuracy_score(y, s >= 0.5),
    "recall": lambda y, s: recall_score(y, s >= 0.5),
    "precision": lambda y, s: precision_score(y, s >= 0.5),
    "f1": lambda y, s: f1_score(y, s >= 0.5),
    "roc_auc": roc_auc_score,
    "average_precision": average_precision_score,
    "log_loss": log_loss,
    "mae": mean_absolute_error,
    "rmse": lambda y, s: math.sqrt(mean_squared_error(y, s)),
}


@pytest.mark.parametrize("metric", list(SKLEARN))
def test_window_metric_matches_sklearn(rng, metric):
    n = 400
    if metric in ("mae", "rmse"):
        y = rng.normal(size=n)
        s = y + rng.normal(scale=0.5, size=n)
    else:
        y = rng.integers(0, 2, n)
        s = np.clip(0.3 * y + rng.uniform(0, 0.7, n), 0, 1)
    value, lo, hi, note = window_metric(metric, y, s)
    assert value == pytest.approx(SKLEARN[metric](y, s), rel=1e-12, abs=1e-12)
    assert lo <= value <= hi and note == ""


def test_intervals_match_hand_formulas(rng):
    y = rng.integers(0, 2, 250)
    s = rng.random(250)
    pred = s >= 0.5
    # accuracy, recall, precision: Wilson
    _, lo, hi, _ = window_metric("accuracy", y, s)
    assert (lo, hi) == pytest.approx(hand_wilson(int((pred == y).sum()), 250))
    _, lo, hi, _ = window_metric("recall", y, s)
    tp = int((pred & (y == 1)).sum())
    assert (lo, hi) == pytest.approx(hand_wilson(tp, int((y == 1).sum())))
    _, lo, hi, _ = window_metric("precision", y, s)
    assert (lo, hi) == pytest.approx(hand_wilson(tp, int(pred.sum())))
    # ROC AUC: Hanley & McNeil standard error
    a, lo, hi, _ = window_metric("roc_auc", y, s)
    p, q = int((y == 1).sum()), int((y == 0).sum())
    q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
    se = math.sqrt(
        (a * (1 - a) + (p - 1) * (q1 - a * a) + (q - 1) * (q2 - a * a)) / (p * q)
    )
    assert (lo, hi) == pytest.approx((a - Z95 * se, a + Z95 * se))
    # MAE: normal interval of a mean (population sd / sqrt(n))
    yr = rng.normal(size=250)
    sr = yr + rng.normal(size=250)
    m, lo, hi, _ = window_metric("mae", yr, sr)
    se = np.abs(sr - yr).std() / math.sqrt(250)
    assert (lo, hi) == pytest.approx((m - Z95 * se, m + Z95 * se))
    # a 90% interval is narrower
    _, lo90, hi90, _ = window_metric("accuracy", y, s, confidence=0.9)
    _, lo95, hi95, _ = window_metric("accuracy", y, s)
    assert lo95 < lo90 and hi90 < hi95


def test_undefined_metrics_are_nan_with_a_note():
    y = np.zeros(50)
    s = np.linspace(0, 1, 50)
    for metric in ("recall", "roc_auc", "average_precision"):
        value, lo, hi, note = window_metric(metric, y, s)
        assert math.isnan(value) and math.isnan(lo) and note
    value, *_, note = window_metric("precision", np.ones(5), np.zeros(5))
    assert math.isnan(value) and "nothing predicted positive" in note
    value, *_, note = window_metric("accuracy", np.zeros(0), np.zeros(0))
    assert math.isnan(value) and note


# ---------------------------------------------------------------------------------
# time windows and a planted decline
def test_time_windows_match_sklearn_and_alert_where_below(rng):
    df = planted_stream(rng)
    ev = ContinuousEvaluator(
        metric="accuracy", alert_below=0.85, window="1D", logger=None
    )
    alerts = feed(ev, df)
    alerts += ev.flush()
    hist = ev.history
    day = df["ts"].dt.floor("D")
    expected = df.groupby(day).apply(
        lambda g: accuracy_score(g["y"], g["score"] >= 0.5), include_groups=False
    )
    assert list(hist["window_start"]) == list(expected.index)
    assert list(hist["window_end"]) == [d + pd.Timedelta("1D") for d in expected.index]
    assert list(hist["rows"]) == list(day.value_counts().sort_index())
    np.testing.assert_allclose(hist["value"], expected.to_numpy(), rtol=1e-12)
    for r in hist.itertuples():
        k = round(r.value * r.rows)
        assert (r.ci_low, r.ci_high) == pytest.approx(hand_wilson(k, r.rows))
    breached = list(expected.index[expected < 0.85])
    assert list(hist.loc[hist["alert"], "window_start"]) == breached
    assert (
        [a.window_start for a in alerts]
        == breached
        == [pd.Timestamp(f"2024-03-0{d}") for d in (4, 5, 6)]
    )
    assert all(isinstance(a, Alert) for a in alerts) and ev.alerts == alerts
    assert alerts[0].rows == hist.loc[3, "rows"] and alerts[0].value < 0.85
    assert "below the alert level 0.85" in alerts[0].message
    assert "2024-03-04 – 2024-03-05" in alerts[0].message


def test_windows_close_as_time_passes_not_before(rng):
    df = planted_stream(rng, days=3, per_day=100)
    ev = ContinuousEvaluator(metric="accuracy", alert_below=0.5, window="1D")
    day1 = df[df["ts"] < pd.Timestamp("2024-03-02")]
    ev.update(day1["y"], day1["score"], timestamps=day1["ts"])
    assert len(ev.history) == 0  # nothing later yet: day 1 still open
    nxt = df[df["ts"] >= pd.Timestamp("2024-03-02")].iloc[:1]
    ev.update(nxt["y"], nxt["score"], timestamps=nxt["ts"])
    assert len(ev.history) == 1 and ev.history.loc[0, "rows"] == len(day1)
    ev.flush()
    assert len(ev.history) == 2 and ev.history["rows"].sum() == len(day1) + 1


def test_alert_on_interval_fires_only_when_the_whole_ci_is_below(rng):
    df = planted_stream(rng, per_day=120, before=0.9, after=0.8)
    thr = 0.86
    kw = {"alert_below": thr, "window": "1D", "min_rows": 10}
    est = ContinuousEvaluator(metric="accuracy", **kw)
    ivl = ContinuousEvaluator(metric="accuracy", alert_on="interval", **kw)
    feed(est, df)
    feed(ivl, df)
    est.flush()
    ivl.flush()
    h = ivl.history
    assert list(est.history["alert"]) == list(est.history["value"] < thr)
    assert list(h["alert"]) == list(h["ci_high"] < thr)
    assert h["alert"].sum() < est.history["alert"].sum()  # fewer, surer alerts


def test_max_metrics_alert_above_and_count_windows(rng):
    n = 1_250
    y = rng.normal(size=n)
    noise = np.where(np.arange(n) < 750, 0.5, 1.5)
    s = y + rng.normal(size=n) * noise
    ev = ContinuousEvaluator(metric="mae", alert_above=0.6, window=250)
    assert ev.alert_side == "above" and not ev.time_windows
    for i in range(0, n, 100):
        ev.update(y[i : i + 100], s[i : i + 100])
    hist = ev.history
    assert list(hist["window_start"]) == [0, 250, 500, 750, 1000]
    assert list(hist["rows"]) == [250] * 5
    for r in hist.itertuples():
        sl = slice(r.window_start, r.window_end)
        assert r.value == pytest.approx(mean_absolute_error(y[sl], s[sl]), rel=1e-12)
    assert list(hist["alert"]) == [False, False, False, True, True]
    assert "above the alert level" in ev.alerts[0].message
    assert "labeled rows 750–999" in ev.alerts[0].message


@settings(max_examples=40)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 400),
    size=st.integers(1, 120),
    cuts=st.lists(st.integers(1, 399), max_size=8),
    metric=st.sampled_from(["accuracy", "f1", "roc_auc", "rmse"]),
)
def test_count_windows_do_not_depend_on_batches(seed, n, size, cuts, metric):
    """However the stream is cut into batches, window k holds labeled rows
    k*size .. (k+1)*size - 1 and its value is scikit-learn's on them."""
    r = np.random.default_rng(seed)
    y = r.integers(0, 2, n) if metric != "rmse" else r.normal(size=n)
    s = r.random(n)
    side = "alert_above" if metric == "rmse" else "alert_below"
    ev = ContinuousEvaluator(metric=metric, window=size, min_rows=1, **{side: 0.5})
    bounds = [0, *sorted({c for c in cuts if c < n}), n]
    for a, b in zip(bounds[:-1], bounds[1:]):
        ev.update(y[a:b], s[a:b])
    ev.flush()
    hist = ev.history
    assert list(hist["window_start"]) == list(range(0, n, size))
    for r_ in hist.itertuples():
        ys, ss = y[r_.window_start : r_.window_end], s[r_.window_start : r_.window_end]
        undefined = (metric == "roc_auc" and len(set(ys)) < 2) or (
            metric == "f1" and not (ys == 1).any() and not (ss >= 0.5).any()
        )
        if undefined:  # scikit-learn warns and returns a stand-in
            assert math.isnan(r_.value)
            continue
        assert r_.value == pytest.approx(SKLEARN[metric](ys, ss), rel=1e-9, abs=1e-12)


def test_count_window_flush_closes_the_partial_window(rng):
    ev = ContinuousEvaluator(metric="roc_auc", alert_below=0.6, window=300, min_rows=50)
    y = rng.integers(0, 2, 700)
    s = np.clip(0.4 * y + rng.random(700) * 0.6, 0, 1)
    ev.update(y, s)
    assert list(ev.history["rows"]) == [300, 300]
    ev.flush()
    assert list(ev.history["rows"]) == [300, 300, 100]
    assert ev.history["value"].iloc[-1] == pytest.approx(
        roc_auc_score(y[600:], s[600:])
    )
    ev.flush()  # nothing left: no empty window
    assert len(ev.history) == 3


def test_small_windows_show_the_value_but_do_not_alert():
    ev = ContinuousEvaluator(metric="accuracy", alert_below=0.9, window=10, min_rows=30)
    ev.update([1, 0] * 5, [0, 1] * 5)  # accuracy 0
    assert ev.history.loc[0, "value"] == 0.0
    assert not ev.history.loc[0, "alert"] and "min_rows" in ev.history.loc[0, "note"]
    assert ev.alerts == []


def test_calendar_and_tz_aware_windows(rng):
    ts = pd.date_range("2024-01-01", "2024-03-31", freq="6h", tz="Europe/Berlin")
    y = rng.integers(0, 2, len(ts))
    ev = ContinuousEvaluator(
        metric="accuracy", alert_below=0.5, window="MS", min_rows=1
    )
    ev.update(y, y, timestamps=pd.Series(ts))
    ev.flush()
    # 2024-01-01 00:00 in Berlin is 2023-12-31 23:00 UTC: December's window
    months = ["2023-12-01", "2024-01-01", "2024-02-01", "2024-03-01"]
    assert list(ev.history["window_start"]) == [
        pd.Timestamp(m, tz="UTC") for m in months
    ]
    assert list(ev.history["window_end"])[-1] == pd.Timestamp("2024-04-01", tz="UTC")
    assert ev.history.loc[0, "rows"] == 1
    assert ev.history["rows"].sum() == len(ts)


def test_iso_strings_and_default_now():
    ev = ContinuousEvaluator(
        metric="accuracy", alert_below=0.5, window="1h", min_rows=1
    )
    ev.update([1, 0], [1, 0], timestamps=["2024-01-01T10:05:00Z", "2024-01-01T10:50"])
    ev.update([1], [1], timestamps=["2024-01-01T11:01:00"])
    assert ev.history.loc[0, "window_start"] == pd.Timestamp("2024-01-01 10:00")
    live = ContinuousEvaluator(
        metric="accuracy", alert_below=0.5, window="1D", min_rows=1
    )
    live.update([1, 1], [1, 1])  # no timestamps: now
    live.flush()
    assert abs(live.history.loc[0, "window_start"] - pd.Timestamp.now()) < pd.Timedelta(
        "2D"
    )


# ---------------------------------------------------------------------------------
# ground truth that arrives later
def test_ground_truth_after_predictions_count_windows(rng):
    ev = ContinuousEvaluator(
        metric="accuracy", alert_below=0.8, window=100, min_rows=10
    )
    ids = np.arange(250)
    y = rng.integers(0, 2, 250)
    s = scores_with_accuracy(rng, y, 0.9)
    ev.add_predictions(ids, s)
    assert ev.pending == 250 and len(ev.history) == 0
    order = rng.permutation(250)
    ev.add_ground_truth(ids[order[:150]], y[order[:150]])
    assert ev.pending == 100 and len(ev.history) == 1
    first = np.sort(order[:100])  # the first 100 labels to arrive form window 0
    assert ev.history.loc[0, "value"] == pytest.approx(
        accuracy_score(y[first], s[first] >= 0.5)
    )
    # pending when the batch that closed the window had been joined
    assert ev.history.loc[0, "pending"] == 100
    ev.add_ground_truth([10_000, 10_001], [1, 0])  # unknown ids
    assert ev.unmatched_labels == 2
    ev.add_ground_truth(ids[order[150:]], y[order[150:]])
    assert ev.pending == 0 and list(ev.history["rows"]) == [100, 100]
    ev.flush()
    assert list(ev.history["rows"]) == [100, 100, 50]


def test_ground_truth_after_predictions_time_windows(rng):
    ev = ContinuousEvaluator(
        metric="accuracy",
        alert_below=0.8,
        window="1D",
        allowed_lateness="1D",
        min_rows=1,
    )
    day = pd.Timestamp("2024-05-01")
    ev.add_predictions(["a", "b", "c"], [0.9, 0.2, 0.8], timestamps=[day] * 3)
    ev.add_ground_truth(["a"], [1])
    # a prediction a day later: day 1 ends, but stays open for its lateness
    ev.add_predictions(["d"], [0.7], timestamps=[day + pd.Timedelta("1D 1h")])
    assert len(ev.history) == 0
    ev.add_ground_truth(["b"], [0])  # still in time
    ev.add_predictions(["e"], [0.7], timestamps=[day + pd.Timedelta("2D 1h")])
    h = ev.history
    assert len(h) == 1 and h.loc[0, "rows"] == 2 and h.loc[0, "pending"] == 1
    assert h.loc[0, "value"] == 1.0
    ev.add_ground_truth(["c"], [1])  # its window closed: unmatched
    assert ev.unmatched_labels == 1
    # a row for the closed day is late and left out
    ev.update([1], [1.0], timestamps=[day + pd.Timedelta("3h")])
    assert ev.late_rows == 1
    assert ev.pending == 2  # d and e
    ev.flush()
    assert ev.pending == 0 and list(ev.history["pending"]) == [1, 1, 1]


def test_duplicate_and_clashing_ids():
    ev = ContinuousEvaluator(metric="accuracy", alert_below=0.8, window=10)
    with pytest.raises(DataValidationError, match="unique"):
        ev.add_predictions([1, 1], [0.2, 0.3])
    ev.add_predictions([1, 2], [0.2, 0.3])
    with pytest.raises(DataValidationError, match="already have a prediction"):
        ev.add_predictions([2, 3], [0.2, 0.3])
    with pytest.raises(DataValidationError, match="missing values"):
        ev.add_predictions([None, 5], [0.2, 0.3])


# ---------------------------------------------------------------------------------
# callbacks and the log
def test_callbacks_get_alerts_and_a_raising_one_does_not_stop(caplog):
    got = []

    def broken(alert):
        raise RuntimeError("boom")

    ev = ContinuousEvaluator(
        metric="accuracy", alert_below=0.8, window=100, callbacks=[broken, got.append]
    )
    with caplog.at_level(logging.WARNING, logger="mlnb.runtime.evaluator"):
        breach_window(ev, seed=1)
        breach_window(ev, seed=2)
    assert len(got) == 2 and all(isinstance(a, Alert) for a in got)
    assert [a.window for a in got] == [0, 1]
    assert len(ev.callback_errors) == 2
    assert "RuntimeError: boom" in ev.callback_errors[0].error
    messages = [r.getMessage() for r in caplog.records]
    assert sum("mlnb alert: accuracy" in m for m in messages) == 2
    assert any("raised RuntimeError" in m for m in messages)
    assert ev.result(publish=False).callback_errors == 2


def test_custom_logger_and_single_callable():
    logger = logging.getLogger("tests.monitoring.custom")
    seen = []
    ev = ContinuousEvaluator(
        metric="accuracy",
        alert_below=0.8,
        window=100,
        logger=logger,
        callbacks=seen.append,
    )
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    try:
        breach_window(ev)
    finally:
        logger.removeHandler(handler)
    assert len(seen) == 1 and records and records[0].levelno == logging.WARNING


# ---------------------------------------------------------------------------------
# the webhook, against a real HTTP server on 127.0.0.1
def test_webhook_receives_the_json_payload(hook):
    server = hook()
    ev = ContinuousEvaluator(
        metric="accuracy",
        alert_below=0.8,
        window=100,
        webhook=server.url,
        webhook_headers={"Authorization": "Bearer t"},
    )
    breach_window(ev)
    assert ev.wait(10)
    assert len(server.requests) == 1
    req = server.requests[0]
    assert req["path"] == "/hook?token=s3cret"
    assert req["headers"]["Content-Type"] == "application/json"
    assert req["headers"]["Authorization"] == "Bearer t"
    body = req["json"]
    alert = ev.alerts[0]
    assert body["source"] == "mlnb" and body["check"] == "continuous_evaluation"
    assert body["metric"] == "accuracy" and body["alert_level"] == 0.8
    assert body["value"] == pytest.approx(alert.value)
    assert [body["ci_low"], body["ci_high"]] == pytest.approx(list(alert.ci))
    assert body["window_start"] == 0 and body["window_end"] == 100
    assert body["rows"] == 100 and body["pending"] == 0
    assert body["message"] == body["text"] == alert.message
    assert body["alert_side"] == "below" and body["confidence"] == 0.95
    assert len(ev.deliveries) == 1 and ev.deliveries[0].ok
    assert ev.deliveries[0].attempts == 1 and ev.delivery_failures == []
    ev.close()


def test_webhook_time_window_payload_has_iso_times(hook):
    server = hook()
    ev = ContinuousEvaluator(
        metric="accuracy", alert_below=0.99, window="1D", webhook=server.url, min_rows=1
    )
    ev.update([1, 0], [0.9, 0.9], timestamps=["2024-01-01 10:00", "2024-01-01 11:00"])
    ev.flush(timeout=10)
    body = server.requests[0]["json"]
    assert body["window_start"] == "2024-01-01T00:00:00"
    assert body["window_end"] == "2024-01-02T00:00:00"


def test_webhook_retries_then_delivers(hook):
    server = hook(statuses=[500, 503])
    ev = ContinuousEvaluator(
        metric="accuracy", alert_below=0.8, window=100, webhook=server.url, backoff=0.01
    )
    breach_window(ev)
    ev.flush(timeout=10)
    assert len(server.requests) == 3
    assert server.requests[0]["json"] == server.requests[2]["json"]
    (d,) = ev.deliveries
    assert d.ok and d.attempts == 3 and d.status == 200
    assert ev.delivery_failures == []


def test_webhook_that_always_fails_is_reported_not_raised(hook, caplog):
    server = hook(statuses=[500] * 10)
    ev = ContinuousEvaluator(
        metric="accuracy",
        alert_below=0.8,
        window=100,
        webhook=server.url,
        retries=2,
        backoff=0.01,
        background=False,
    )
    with caplog.at_level(logging.ERROR, logger="mlnb.runtime.evaluator"):
        breach_window(ev)  # synchronous delivery: must not raise
    assert len(server.requests) == 3
    (f,) = ev.delivery_failures
    assert not f.ok and f.attempts == 3 and f.status == 500 and "HTTP 500" in f.error
    record = next(r for r in caplog.records if "could not deliver" in r.getMessage())
    assert record.levelno == logging.ERROR
    assert "s3cret" not in record.getMessage()  # the query (tokens) is not logged
    res = ev.result(publish=False)
    assert res.delivery_failures == 1 and "could not be delivered" in res.summary


def test_webhook_client_errors_are_not_retried(hook):
    server = hook(statuses=[404])
    ev = ContinuousEvaluator(
        metric="accuracy", alert_below=0.8, window=100, webhook=server.url, backoff=0.01
    )
    breach_window(ev)
    ev.flush(timeout=10)
    assert len(server.requests) == 1
    assert ev.delivery_failures[0].status == 404


def test_webhook_closed_port_is_reported(hook, caplog):
    hook()  # clears proxies
    url = f"http://127.0.0.1:{free_port()}/nobody-listens"
    ev = ContinuousEvaluator(
        metric="accuracy",
        alert_below=0.8,
        window=100,
        webhook=url,
        retries=1,
        backoff=0.01,
    )
    t0 = time.perf_counter()
    with caplog.at_level(logging.ERROR, logger="mlnb.runtime.evaluator"):
        breach_window(ev)
        breach_window(ev, seed=3)  # ingestion goes on
        assert ev.flush(timeout=10) is not None
    assert time.perf_counter() - t0 < 5
    assert len(ev.delivery_failures) == 2
    assert all(f.attempts == 2 and f.status == 0 for f in ev.delivery_failures)
    assert "Connection" in ev.delivery_failures[0].error
    assert sum("could not deliver" in r.getMessage() for r in caplog.records) == 2


def test_webhook_timeout_is_bounded(hook):
    server = hook(delay=1.0)
    ev = ContinuousEvaluator(
        metric="accuracy",
        alert_below=0.8,
        window=100,
        webhook=server.url,
        webhook_timeout=0.2,
        retries=1,
        backoff=0.01,
    )
    t0 = time.perf_counter()
    breach_window(ev)
    assert time.perf_counter() - t0 < 0.5  # background: ingestion did not wait
    assert ev.wait(timeout=5)
    elapsed = time.perf_counter() - t0
    assert elapsed < 2.0  # 2 attempts x 0.2 s + backoff, not 2 x 1 s
    (f,) = ev.delivery_failures
    assert f.attempts == 2 and "timed out" in f.error.lower()
    ev.close()


def test_context_manager_flushes_and_stops_the_thread(hook):
    server = hook()
    with ContinuousEvaluator(
        metric="accuracy", alert_below=0.8, window=1000, webhook=server.url, min_rows=10
    ) as ev:
        breach_window(ev, n=50)  # a partial window, closed on exit
    assert len(ev.history) == 1 and len(server.requests) == 1
    assert not ev._delivery.running


# ---------------------------------------------------------------------------------
# per-window drift against a reference
def test_drift_per_window_goes_into_history_and_alerts(rng):
    ref = pd.DataFrame({"x": rng.normal(size=2000), "c": rng.choice(list("ab"), 2000)})
    ev = ContinuousEvaluator(
        metric="accuracy", alert_below=0.8, window=500, reference=ref, min_rows=10
    )
    for shift, acc in ((0.0, 0.95), (3.0, 0.6)):
        y = rng.integers(0, 2, 500)
        feats = pd.DataFrame(
            {"x": rng.normal(size=500) + shift, "c": rng.choice(list("ab"), 500)}
        )
        ev.update(y, scores_with_accuracy(rng, y, acc), features=feats)
    h = ev.history
    assert h.loc[0, "drifted_features"] == () and h.loc[1, "drifted_features"] == ("x",)
    assert ev.alerts[0].drifted_features == ("x",)
    assert "drifted features: x" in ev.alerts[0].message
    assert ev.drift_reports[1].drifted_features == ("x",)


# ---------------------------------------------------------------------------------
# bad input
ACC = {"metric": "accuracy", "alert_below": 0.8}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"metric": "auc", "alert_below": 0.8}, "unknown metric 'auc'"),
        ({"metric": "macro_f1", "alert_below": 0.8}, "binary and regression"),
        ({"metric": "accuracy"}, "exactly one alert level.*alert_below="),
        ({"metric": "mae"}, "lower-is-better, so pass alert_above="),
        (
            {"metric": "accuracy", "alert_below": 0.8, "alert_above": 0.9},
            "got both",
        ),
        ({"metric": "accuracy", "alert_above": 0.8}, "pass alert_below=0.8"),
        ({"metric": "log_loss", "alert_below": 0.3}, "pass alert_above=0.3"),
        ({"metric": "accuracy", "alert_below": "high"}, "alert_below must be"),
        ({"metric": "accuracy", "alert_below": float("nan")}, "alert_below must be"),
        ({"metric": "mae", "alert_above": True}, "alert_above must be"),
        ({**ACC, "window": "fortnight"}, "offset"),
        ({**ACC, "window": 0}, ">= 1"),
        ({**ACC, "window": "2MS"}, "multiple of 1"),
        ({**ACC, "alert_on": "x"}, "alert_on"),
        (
            {"metric": "calibration", "alert_above": 2, "alert_on": "interval"},
            "estimate",
        ),
        ({**ACC, "confidence": 95}, "between 0"),
        ({**ACC, "decision_threshold": "0.5"}, "decision_threshold"),
        ({**ACC, "webhook": "ftp://x/y"}, "http"),
        ({**ACC, "webhook": "localhost:80"}, "http"),
        ({**ACC, "webhook_timeout": 0}, "webhook_timeout"),
        ({**ACC, "callbacks": [1]}, "callables"),
        ({**ACC, "retries": -1}, "retries"),
        ({**ACC, "backoff": -1}, "backoff"),
        ({**ACC, "min_rows": 0}, "min_rows"),
        ({**ACC, "drift_options": {"bins": 5}}, "reference"),
        (
            {**ACC, "reference": {"x": [1.0, 2.0]}, "drift_options": {"bin": 5}},
            "unknown keys",
        ),
        ({"metric": "mae", "alert_above": 1, "positive_label": 1}, "classification"),
        ({**ACC, "window": 5, "allowed_lateness": "1h"}, "time windows"),
        ({**ACC, "window": "1D", "allowed_lateness": "soon"}, "allowed_lateness"),
        ({**ACC, "conditions": "n_alerts < 1"}, "list of mlnb.Condition"),
        (
            {**ACC, "conditions": [Condition("roc_auc", ">=", 0.8)]},
            "conditions can use: n_windows",
        ),
    ],
)
def test_bad_settings_raise_with_the_fix(kwargs, match):
    with pytest.raises(MlnbValueError, match=match):
        ContinuousEvaluator(**kwargs)


def test_every_argument_is_keyword_only():
    with pytest.raises(TypeError):
        ContinuousEvaluator("accuracy", 0.8, "1D")  # the old positional call


def test_bad_batches_raise_with_the_fix():
    ev = ContinuousEvaluator(metric="accuracy", alert_below=0.8, window="1D")
    with pytest.raises(MlnbValueError, match="same length"):
        ev.update([0, 1, 1], [0.2, 0.3], timestamps=["2024-01-01"] * 3)
    with pytest.raises(DataValidationError, match="missing labels"):
        ev.update([0, np.nan], [0.2, 0.3], timestamps=["2024-01-01"] * 2)
    with pytest.raises(DataValidationError, match="positive_label"):
        ev.update(["yes", "no"], [0.2, 0.3], timestamps=["2024-01-01"] * 2)
    with pytest.raises(DataValidationError, match="NaN"):
        ev.update([0, 1], [0.2, np.nan], timestamps=["2024-01-01"] * 2)
    with pytest.raises(MlnbValueError, match="could not read timestamps"):
        ev.update([0, 1], [0.2, 0.3], timestamps=["yesterday-ish", "2024-01-01"])
    with pytest.raises(MlnbValueError, match="unit"):
        ev.update([0, 1], [0.2, 0.3], timestamps=[1_700_000_000, 1_700_000_001])
    with pytest.raises(MlnbValueError, match="NaT"):
        ev.update([0, 1], [0.2, 0.3], timestamps=[pd.NaT, "2024-01-01"])
    with pytest.raises(MlnbValueError, match="same length"):
        ev.update([0, 1], [0.2, 0.3], timestamps=["2024-01-01"])
    assert ev.rows_seen == 0  # nothing half-ingested
    ll = ContinuousEvaluator(metric="log_loss", alert_above=0.5, window=10)
    with pytest.raises(DataValidationError, match=r"probabilities in \[0, 1\]"):
        ll.update([0, 1], [-1.0, 2.0])
    labels = ContinuousEvaluator(
        metric="recall", alert_below=0.5, window=4, positive_label="y"
    )
    labels.update(["y", "n", "y", "y"], [0.9, 0.1, 0.8, 0.2])
    assert labels.history.loc[0, "value"] == pytest.approx(2 / 3)
    assert issubclass(DataValidationError, MlnbError)


# ---------------------------------------------------------------------------------
# the step-9 result
def _evaluator_with(values):
    """Count windows of 100 rows with the given accuracies (exactly)."""
    ev = ContinuousEvaluator(metric="accuracy", alert_below=0.8, window=100)
    for acc in values:
        k = round(acc * 100)
        y = np.ones(100)
        ev.update(y, np.r_[np.ones(k), np.zeros(100 - k)])
    return ev


@pytest.mark.parametrize(
    ("values", "status"),
    [
        ([], "info"),
        ([0.9, 0.95], "pass"),
        ([0.9, 0.7, 0.9], "warn"),
        ([0.9, 0.9, 0.7], "fail"),
        ([0.7, 0.7], "fail"),
    ],
)
def test_result_status_rules(values, status):
    res = _evaluator_with(values).result(publish=False)
    assert isinstance(res, ContinuousEvaluationResult)
    assert res.status == status and res.step == "drift"
    assert res.check == "continuous_evaluation"
    assert res.n_windows == len(values)
    assert res.n_alerts == sum(v < 0.8 for v in values)


def test_result_summary_record_dict_html_and_plot(rng):
    df = planted_stream(rng)
    ev = ContinuousEvaluator(metric="accuracy", alert_below=0.85, window="1D")
    feed(ev, df)
    ev.flush()
    res = ev.result()
    assert session.latest("drift")["check"] == "continuous_evaluation"
    assert res.status == "fail" and "below the alert level 0.85" in res.summary
    assert "2024-03-06" in res.summary
    record = res.record()
    json.dumps(record, allow_nan=False)
    assert record["metrics"]["n_alerts"] == 3 and record["metrics"]["n_windows"] == 6
    d = res.to_dict()
    json.dumps(d, allow_nan=False)
    assert len(d["windows"]) == 6 and d["windows"][0]["window_start"].startswith(
        "2024-03-01"
    )
    frame = res.to_frame()
    assert list(frame.columns[:11]) == [
        "window",
        "window_start",
        "window_end",
        "rows",
        "pending",
        "metric",
        "value",
        "ci_low",
        "ci_high",
        "alert_level",
        "alert",
    ]
    html = res._repr_html_()
    assert "ALERT" in html and "<script" not in html
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    ax = res.plot()
    assert isinstance(ax, Axes) and ax.get_ylabel() == "accuracy"
    assert isinstance(ev.plot(), Axes)
    assert isinstance(_evaluator_with([0.9, 0.7]).plot(), Axes)  # count windows
    assert isinstance(_evaluator_with([]).plot(), Axes)  # nothing yet
    given = Figure().subplots()
    assert res.plot(ax=given) is given and given.get_ylabel() == "accuracy"
    assert "ContinuousEvaluator accuracy" in repr(ev)


def test_alert_to_dict_is_json_safe():
    ev = _evaluator_with([0.5])
    payload = ev.alerts[0].to_dict()
    assert json.loads(json.dumps(payload, allow_nan=False)) == payload


def test_html_escapes_data():
    ev = ContinuousEvaluator(metric="accuracy", alert_below=0.8, window=100)
    breach_window(ev)
    ev._history[0]["note"] = "<script>alert(1)</script>"
    assert "<script>" not in ev.result(publish=False)._repr_html_()


def test_importing_loads_no_cloud_or_plotting():
    import subprocess
    import sys

    code = (
        "import sys, json; import mlnb.runtime.evaluator, mlnb.integrations.vertex; "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith("
        "('matplotlib', 'google.cloud.aiplatform', 'IPython')))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
