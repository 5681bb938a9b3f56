"""Alerts survive the end of the process: a script that updates and exits
without ``flush()`` still delivers every alert to a live webhook, and when the
webhook is down the undelivered alerts are logged (stderr) and the process
exits within the documented bound."""

from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from mlnb.runtime.delivery import EXIT_TIMEOUT

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import sys
    import numpy as np
    from mlnb.runtime.evaluator import ContinuousEvaluator

    url = sys.argv[1]
    ev = ContinuousEvaluator(metric="accuracy", alert_below=0.9, window=20,
                             min_rows=5, webhook=url, retries={retries},
                             backoff={backoff}, webhook_timeout=2)
    y = np.array([0, 1] * 10)
    for i in range(5):
        ids = [f"{{i}}-{{j}}" for j in range(20)]
        ev.add_predictions(ids, y_score=np.where(y == 1, 0.0, 1.0))  # all wrong
        ev.add_ground_truth(ids, y)
    print("ALERTS", len(ev.alerts), flush=True)
    # no flush(), no close(): the process just ends
    """
)


class _Hook(http.server.BaseHTTPRequestHandler):
    got: list = []

    def do_POST(self):  # noqa: N802
        n = int(self.headers.get("Content-Length", 0))
        type(self).got.append(json.loads(self.rfile.read(n)))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def _run(url: str, *, retries=0, backoff=0.0, timeout=60) -> tuple:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = SCRIPT.format(retries=retries, backoff=backoff)
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", code, url],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )
    return proc, time.monotonic() - t0


def test_alerts_delivered_at_exit_without_flush():
    _Hook.got = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        proc, _ = _run(url)
    finally:
        server.shutdown()
        server.server_close()
    assert proc.returncode == 0, proc.stderr
    assert "ALERTS 5" in proc.stdout
    assert len(_Hook.got) == 5, proc.stderr
    assert sorted(p["window"] for p in _Hook.got) == [0, 1, 2, 3, 4]
    assert "not delivered" not in proc.stderr


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_undelivered_alerts_are_logged_when_the_server_is_down():
    url = f"http://127.0.0.1:{_closed_port()}/hook"
    proc, seconds = _run(url, retries=1)
    assert proc.returncode == 0, proc.stderr
    assert "ALERTS 5" in proc.stdout
    # every alert is named in the log: each failed delivery is logged with its
    # message (or, when time ran out, the exit hook lists what is left)
    assert proc.stderr.count("could not deliver") + _left(proc.stderr) == 5, proc.stderr
    assert proc.stderr.count("is below the alert level") >= 5 or "accuracy" in (
        proc.stderr
    )


def _left(stderr: str) -> int:
    import re

    m = re.search(r"(\d+) alert\(s\) not delivered", stderr)
    return int(m.group(1)) if m else 0


def test_exit_is_bounded_when_deliveries_hang():
    """A webhook that accepts the connection but never answers: the exit hook
    gives up after EXIT_TIMEOUT seconds and logs every alert left."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(50)
    try:
        url = f"http://127.0.0.1:{srv.getsockname()[1]}/hook"
        env_timeout = EXIT_TIMEOUT + 30
        proc, seconds = _run(url, retries=5, backoff=1.0, timeout=env_timeout)
    finally:
        srv.close()
    assert proc.returncode == 0, proc.stderr
    assert seconds < EXIT_TIMEOUT + 8, seconds
    assert "not delivered" in proc.stderr, proc.stderr
    failed = proc.stderr.count("could not deliver")
    assert failed + _left(proc.stderr) >= 5, proc.stderr


@pytest.mark.parametrize("timeout", [0.0])
def test_drain_reports_pending_alerts_in_process(timeout, caplog):
    import logging

    from mlnb.runtime import delivery as dmod
    from mlnb.runtime.delivery import Alert

    def make_alert(window):
        return Alert(
            "accuracy",
            0.5,
            (0.4, 0.6),
            0.8,
            "below",
            window,
            0,
            100,
            100,
            0,
            f"accuracy 0.5 is below the alert level 0.8 ({window})",
        )

    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(5)
    try:
        d = dmod.AlertDispatcher(
            logger=logging.getLogger("tests.exit"),
            webhook=f"http://127.0.0.1:{srv.getsockname()[1]}/",
            webhook_timeout=1,
            retries=0,
        )
        with caplog.at_level(logging.ERROR, logger="tests.exit"):
            d.send(make_alert(0))
            d.send(make_alert(1))
            left = dmod.drain_at_exit(timeout)
        assert left == 2 and [a.window for a in d.undelivered] == [0, 1]
        msgs = [r.getMessage() for r in caplog.records]
        assert any("2 alert(s) not delivered" in m for m in msgs), msgs
        assert any("below the alert level" in m for m in msgs)
    finally:
        dmod._EXITING.clear()
        d.close(3)
        srv.close()


def test_credentials_in_the_url_are_sent_as_basic_auth():
    import base64
    import logging

    from mlnb.runtime.delivery import Alert, AlertDispatcher

    seen = []

    class Auth(_Hook):
        def do_POST(self):  # noqa: N802
            seen.append((self.path, self.headers.get("Authorization")))
            super().do_POST()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Auth)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        d = AlertDispatcher(
            logger=logging.getLogger("tests.auth"),
            webhook=f"http://bot:s%40cret@127.0.0.1:{port}/hook?x=1",
            retries=0,
        )
        d.send(Alert("accuracy", 0.5, (0.4, 0.6), 0.8, "below", 0, 0, 1, 1, 0, "m"))
        assert d.flush(10)
        d.close(5)
    finally:
        server.shutdown()
        server.server_close()
    assert [x.ok for x in d.deliveries] == [True]
    token = base64.b64encode(b"bot:s@cret").decode()
    assert seen == [("/hook?x=1", f"Basic {token}")]
