"""ContinuousEvaluator under bad and unusual input (issue 11), table-driven.

Each bad case asserts the error type and that the message names the argument,
the value and what is allowed; the unusual-but-legitimate inputs give the same
history as plain numpy."""

from __future__ import annotations

import logging
import re

import numpy as np
import pandas as pd
import pytest

from mlnb.errors import DataValidationError, MlnbError, MlnbValueError
from mlnb.runtime.evaluator import ContinuousEvaluator


def _ev(**kw):
    kw.setdefault("metric", "accuracy")
    if "alert_above" not in kw:
        kw.setdefault("alert_below", 0.5)
    return lambda: ContinuousEvaluator(**kw)


SETTINGS = [
    ("metric unknown", _ev(metric="foo"), MlnbValueError, [r"'foo'", r"accuracy"]),
    (
        "confidence str",
        _ev(confidence="0.9"),
        MlnbValueError,
        [r"confidence", r"'0.9'", r"between 0 and 1"],
    ),
    (
        "confidence 1",
        _ev(confidence=1),
        MlnbValueError,
        [r"confidence", r"between 0 and 1"],
    ),
    ("confidence nan", _ev(confidence=float("nan")), MlnbValueError, [r"confidence"]),
    ("window 0", _ev(window=0), MlnbValueError, [r"window", r">= 1", r"\b0\b"]),
    ("window -5", _ev(window=-5), MlnbValueError, [r"window", r"-5"]),
    ("window 2.5", _ev(window=2.5), MlnbValueError, [r"window", r"2\.5", r"'1D'"]),
    (
        "window bad offset",
        _ev(window="abc"),
        MlnbValueError,
        [r"window", r"'abc'", r"offset"],
    ),
    ("window bool", _ev(window=True), MlnbValueError, [r"window", r"True"]),
    (
        "lateness negative",
        _ev(allowed_lateness="-1h"),
        MlnbValueError,
        [r"allowed_lateness", r">= 0", r"'-1h'"],
    ),
    (
        "lateness not a duration",
        _ev(allowed_lateness="abc"),
        MlnbValueError,
        [r"allowed_lateness", r"'abc'", r"'2h'"],
    ),
    (
        "lateness on count windows",
        _ev(window=50, allowed_lateness="1h"),
        MlnbValueError,
        [r"allowed_lateness", r"time windows"],
    ),
    ("min_rows 0", _ev(min_rows=0), MlnbValueError, [r"min_rows", r">= 1", r"\b0\b"]),
    ("min_rows str", _ev(min_rows="5"), MlnbValueError, [r"min_rows", r"'5'"]),
    ("min_rows float", _ev(min_rows=2.5), MlnbValueError, [r"min_rows", r"2\.5"]),
    ("retries -1", _ev(retries=-1), MlnbValueError, [r"retries", r">= 0", r"-1"]),
    ("retries float", _ev(retries=1.5), MlnbValueError, [r"retries", r"1\.5"]),
    ("backoff -1", _ev(backoff=-1), MlnbValueError, [r"backoff", r">= 0"]),
    ("backoff inf", _ev(backoff=float("inf")), MlnbValueError, [r"backoff", r"inf"]),
    (
        "webhook_timeout 0",
        _ev(webhook_timeout=0),
        MlnbValueError,
        [r"webhook_timeout", r"> 0"],
    ),
    (
        "webhook ftp",
        _ev(webhook="ftp://x/y"),
        MlnbValueError,
        [r"webhook", r"http://", r"'ftp://x/y'"],
    ),
    (
        "webhook file",
        _ev(webhook="file:///etc/passwd"),
        MlnbValueError,
        [r"webhook", r"https://"],
    ),
    ("webhook no host", _ev(webhook="http://"), MlnbValueError, [r"webhook", r"host"]),
    (
        "webhook not a str",
        _ev(webhook=5),
        MlnbValueError,
        [r"webhook", r"URL string", r"int"],
    ),
    (
        "headers list",
        _ev(webhook="http://x/", webhook_headers=["a"]),
        MlnbValueError,
        [r"webhook_headers", r"dict", r"list"],
    ),
    (
        "headers int value",
        _ev(webhook="http://x/", webhook_headers={"a": 1}),
        MlnbValueError,
        [r"webhook_headers", r"'a'", r"int"],
    ),
    (
        "headers line break",
        _ev(webhook="http://x/", webhook_headers={"a": "b\r\nX: y"}),
        MlnbValueError,
        [r"webhook_headers", r"line break"],
    ),
    (
        "callbacks not callable",
        _ev(callbacks=3),
        MlnbValueError,
        [r"callbacks", r"callables", r"3"],
    ),
    (
        "alert nan",
        _ev(alert_below=float("nan")),
        MlnbValueError,
        [r"alert_below", r"finite", r"nan"],
    ),
    ("alert str", _ev(alert_below="0.9"), MlnbValueError, [r"alert_below", r"'0.9'"]),
    (
        "alert both",
        _ev(alert_below=0.5, alert_above=0.9),
        MlnbValueError,
        [r"exactly one", r"both"],
    ),
    (
        "alert wrong side",
        _ev(alert_below=None, alert_above=0.9),
        MlnbValueError,
        [r"higher-is-better", r"alert_below=0\.9"],
    ),
    (
        "alert out of range",
        _ev(alert_below=2),
        MlnbValueError,
        [r"alert_below=2", r"\[0, 1\]"],
    ),
    (
        "alert negative log loss",
        _ev(metric="log_loss", alert_below=None, alert_above=-1),
        MlnbValueError,
        [r"alert_above=-1", r"log_loss"],
    ),
    (
        "decision_threshold inf",
        _ev(decision_threshold=float("inf")),
        MlnbValueError,
        [r"decision_threshold", r"inf"],
    ),
    (
        "decision_threshold str",
        _ev(decision_threshold="0.5"),
        MlnbValueError,
        [r"decision_threshold", r"'0.5'"],
    ),
    (
        "alert_on",
        _ev(alert_on="ci"),
        MlnbValueError,
        [r"alert_on", r"'interval'", r"'ci'"],
    ),
    (
        "logger str",
        _ev(logger="x"),
        MlnbValueError,
        [r"logger", r"logging\.Logger", r"'x'"],
    ),
    (
        "drift_options int",
        _ev(drift_options=3),
        MlnbValueError,
        [r"drift_options", r"dict", r"int"],
    ),
    (
        "background str",
        _ev(background="no"),
        MlnbValueError,
        [r"background", r"True or False", r"'no'"],
    ),
    (
        "positive_label regression",
        _ev(metric="mae", alert_below=None, alert_above=1.0, positive_label=1),
        MlnbValueError,
        [r"positive_label", r"leave it out"],
    ),
]


def _upd(*args, metric="accuracy", **kw):
    def call():
        level = {"alert_below": 0.5} if metric == "accuracy" else {"alert_above": 0.9}
        ev = ContinuousEvaluator(metric=metric, window=10, **level)
        return ev.update(*args, **kw)

    return call


def _ev_call(fn):
    def call():
        ev = ContinuousEvaluator(metric="accuracy", alert_below=0.5, window=10)
        return fn(ev)

    return call


UPDATES = [
    (
        "score +inf",
        _upd([0, 1], [0.1, np.inf]),
        DataValidationError,
        [r"y_score", r"infinite"],
    ),
    (
        "score -inf log_loss",
        _upd([0, 1], [-np.inf, 0.2], metric="log_loss"),
        DataValidationError,
        [r"y_score", r"infinite"],
    ),
    (
        "score NaN",
        _upd([0, 1], [0.1, np.nan]),
        DataValidationError,
        [r"y_score", r"NaN"],
    ),
    (
        "label +inf",
        _upd([0, np.inf], [0.1, 0.2]),
        DataValidationError,
        [r"y_true", r"infinite"],
    ),
    (
        "label NaN",
        _upd([0, np.nan], [0.1, 0.2]),
        DataValidationError,
        [r"y_true", r"missing"],
    ),
    (
        "labels not binary",
        _upd([0, 2], [0.1, 0.2]),
        DataValidationError,
        [r"y_true", r"positive_label"],
    ),
    (
        "lengths differ",
        _upd([0, 1, 1], [0.1, 0.2]),
        MlnbValueError,
        [r"y_true has 3", r"y_score has 2"],
    ),
    (
        "scores str",
        _upd([0, 1], ["a", "b"]),
        DataValidationError,
        [r"y_score", r"numeric"],
    ),
    ("y_true None", _upd(None, [0.1]), MlnbValueError, [r"y_true", r"None"]),
    (
        "scores 2-d",
        _upd([0, 1], np.zeros((2, 2))),
        MlnbValueError,
        [r"y_score", r"one-dimensional"],
    ),
    (
        "timestamps unreadable",
        _upd([0, 1], [0.1, 0.2], timestamps=["x", "y"]),
        MlnbError,
        [r"timestamps"],
    ),
    (
        "timestamps length",
        _upd([0, 1], [0.1, 0.2], timestamps=[1]),
        MlnbValueError,
        [r"timestamps has 1"],
    ),
    (
        "features length",
        _upd([0, 1], [0.1, 0.2], features=pd.DataFrame({"a": range(5)})),
        MlnbValueError,
        [r"features has 5"],
    ),
    (
        "log_loss not probabilities",
        _upd([0, 1], [0.1, 3.0], metric="log_loss"),
        DataValidationError,
        [r"log_loss", r"\[0, 1\]", r"predict_proba"],
    ),
    (
        "ground truth length",
        _ev_call(lambda ev: ev.add_ground_truth(["a", "b"], [1])),
        MlnbValueError,
        [r"ids has 2", r"y_true has 1"],
    ),
    (
        "duplicate ids",
        _ev_call(lambda ev: ev.add_predictions(["a", "a"], [0.1, 0.2])),
        DataValidationError,
        [r"ids", r"unique", r"'a'"],
    ),
    (
        "missing ids",
        _ev_call(lambda ev: ev.add_predictions([None, "a"], [0.1, 0.2])),
        DataValidationError,
        [r"ids", r"missing"],
    ),
    (
        "flush timeout -1",
        _ev_call(lambda ev: ev.flush(-1)),
        MlnbValueError,
        [r"timeout", r">= 0", r"-1"],
    ),
    (
        "wait timeout str",
        _ev_call(lambda ev: ev.wait("x")),
        MlnbValueError,
        [r"timeout", r"'x'"],
    ),
    (
        "close timeout nan",
        _ev_call(lambda ev: ev.close(float("nan"))),
        MlnbValueError,
        [r"timeout", r"nan"],
    ),
]


@pytest.mark.parametrize(
    ("call", "error", "patterns"),
    [pytest.param(c, e, p, id=i) for i, c, e, p in SETTINGS + UPDATES],
)
def test_bad_input(call, error, patterns):
    with pytest.raises(error) as info:
        call()
    msg = str(info.value)
    for pat in patterns:
        assert re.search(pat, msg), (pat, msg)


# -- legitimate unusual input: the same windows as plain numpy ----------------------
RNG = np.random.default_rng(5)
Y = RNG.integers(0, 2, 60)
S = np.clip(0.4 * Y + RNG.uniform(0, 0.6, 60), 0, 1)


def _history(y, s):
    ev = ContinuousEvaluator(metric="accuracy", alert_below=0.9, window=20, min_rows=5)
    ev.update(y, s)
    ev.flush()
    return ev.history[["window", "value", "ci_low", "ci_high", "rows"]]


SAME = [
    (
        "Int64 / Float64",
        lambda: (pd.Series(Y, dtype="Int64"), pd.Series(S, dtype="Float64")),
    ),
    ("boolean labels", lambda: (pd.Series(Y.astype(bool), dtype="boolean"), S)),
    ("float labels", lambda: (Y.astype(float), S.astype(np.float32).astype(float))),
    ("lists", lambda: (Y.tolist(), S.tolist())),
    ("np.int64 window", None),
    (
        "polars",
        lambda: (
            pytest.importorskip("polars").Series(Y),
            pytest.importorskip("polars").Series(S),
        ),
    ),
    (
        "pyarrow",
        lambda: (
            pytest.importorskip("pyarrow").array(Y),
            pytest.importorskip("pyarrow").array(S),
        ),
    ),
]


@pytest.mark.parametrize("make", [pytest.param(m, id=i) for i, m in SAME])
def test_same_history_as_plain(make):
    plain = _history(Y, S)
    if make is None:
        ev = ContinuousEvaluator(
            metric="accuracy",
            alert_below=0.9,
            window=np.int64(20),
            min_rows=np.int64(5),
        )
        ev.update(Y, S)
        ev.flush()
        got = ev.history[plain.columns]
    else:
        got = _history(*make())
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True), plain.reset_index(drop=True)
    )


def test_string_labels_with_positive_label_same_as_plain():
    lab = np.where(Y == 1, "fraud", "ok")
    ev = ContinuousEvaluator(
        metric="accuracy",
        alert_below=0.9,
        window=20,
        min_rows=5,
        positive_label="fraud",
    )
    ev.update(pd.Series(lab, dtype="string[pyarrow]"), S)
    ev.flush()
    assert list(ev.history["value"]) == list(_history(Y, S)["value"])


def test_malicious_strings_are_escaped_in_html():
    bad = "<script>alert(1)</script>"
    ev = ContinuousEvaluator(
        metric="accuracy",
        alert_below=0.99,
        window=20,
        min_rows=5,
        positive_label=bad,
        logger=logging.getLogger("tests.bad_input"),
    )
    ev.update(np.where(Y == 1, bad, "ok"), S)
    ev.flush()
    html = ev.result(publish=False)._repr_html_()
    assert bad not in html and "<script>alert" not in html


def test_undelivered_is_empty_without_webhook():
    ev = ContinuousEvaluator(metric="accuracy", alert_below=0.9, window=20)
    assert ev.undelivered == []
