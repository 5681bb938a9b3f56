"""Alert delivery on its own: the dispatcher logs, calls back, records raising
callbacks, validates its settings, and never starts a thread without a webhook
(the webhook itself is tested against a real server in test_evaluator.py)."""

from __future__ import annotations

import json
import logging

import pytest

from mlnb.errors import MlnbValueError
from mlnb.runtime.delivery import Alert, AlertDispatcher, _redact


def make_alert(window=0, value=0.5) -> Alert:
    return Alert(
        metric="accuracy",
        value=value,
        ci=(0.4, 0.6),
        alert_level=0.8,
        alert_side="below",
        window=window,
        window_start=0,
        window_end=100,
        rows=100,
        pending=0,
        message=f"accuracy {value} is below the alert level 0.8",
    )


def test_send_logs_calls_back_and_records_errors(caplog):
    got = []

    def broken(alert):
        raise ValueError("nope")

    logger = logging.getLogger("tests.delivery")
    d = AlertDispatcher(logger=logger, callbacks=[got.append, broken])
    with caplog.at_level(logging.WARNING, logger="tests.delivery"):
        d.send(make_alert(0))
        d.send(make_alert(1))
    assert [a.window for a in got] == [0, 1] and len(d.alerts) == 2
    assert [e.alert.window for e in d.callback_errors] == [0, 1]
    assert d.callback_errors[0].error == "ValueError: nope"
    assert "broken" in d.callback_errors[0].callback
    levels = [r.levelno for r in caplog.records]
    assert levels.count(logging.WARNING) == 2 and levels.count(logging.ERROR) == 2
    assert not d.running and d.flush(0) and d.deliveries == []
    d.close()


def test_payload_is_json_with_the_alert_level():
    payload = make_alert().to_dict()
    assert json.loads(json.dumps(payload, allow_nan=False)) == payload
    assert payload["alert_level"] == 0.8 and payload["alert_side"] == "below"
    assert "threshold" not in payload
    assert payload["text"] == payload["message"]


def test_redact_drops_query_and_credentials():
    url = "https://user:pw@hooks.example.com:8443/mlnb?token=s3cret"
    assert _redact(url) == "https://hooks.example.com:8443/mlnb"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"callbacks": 3}, "callables"),
        ({"webhook": 5}, "URL string"),
        ({"webhook": "mailto:x@y"}, "http"),
        ({"webhook_timeout": -1}, "webhook_timeout"),
        ({"webhook_timeout": float("inf")}, "webhook_timeout"),
        ({"retries": 1.5}, "retries"),
        ({"backoff": "1s"}, "backoff"),
    ],
)
def test_bad_settings(kwargs, match):
    with pytest.raises(MlnbValueError, match=match):
        AlertDispatcher(logger=logging.getLogger("tests.delivery"), **kwargs)
