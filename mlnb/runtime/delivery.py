"""Alert delivery: Python callbacks, the log, and a webhook with retries.

An :class:`Alert` goes, in order, to the log (``warning``), to every callback (an
exception in one is logged and recorded as a :class:`CallbackError`, never
raised) and, when a webhook is set, to an HTTP POST of its JSON payload
(:meth:`Alert.to_dict`). A failed POST (no connection, a timeout, HTTP 5xx, 408,
425 or 429) is retried with exponential backoff; other HTTP errors are not. Each
POST ends as a :class:`Delivery`; a final failure is logged (``error``, without
the URL's query or credentials, where tokens often live) and recorded, never
raised.

Deliveries run on a background thread by default, so the caller never waits on
the network; :meth:`AlertDispatcher.flush` waits for what is queued. Standard
library only; proxies from the environment are honoured.

Alerts survive the end of the process: an ``atexit`` hook drains every
dispatcher's queue for at most :data:`EXIT_TIMEOUT` seconds in total (a script
that never calls ``flush()`` still delivers its alerts). Whatever is still
undelivered then is recorded in :attr:`AlertDispatcher.undelivered` and logged
(``error``, with the count and every alert's message) — never dropped silently.
"""

from __future__ import annotations

import atexit
import json
import logging
import math
import queue
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..core.jsonsafe import jsonable
from ..core.labels import is_real
from ..errors import MlnbValueError

__all__ = [
    "Alert",
    "Delivery",
    "CallbackError",
    "AlertDispatcher",
    "ALERT_SIDES",
    "EXIT_TIMEOUT",
]

#: Seconds the exit hook waits, in total over every dispatcher, for queued
#: webhook deliveries when the interpreter ends.
EXIT_TIMEOUT = 10.0

#: ``"below"``: the alert fires when the metric falls below its level;
#: ``"above"``: when it rises above.
ALERT_SIDES = ("below", "above")
_RETRY_HTTP = {408, 425, 429}


# ---------------------------------------------------------------------------------
# what an alert and a delivery look like
@dataclass(frozen=True)
class Alert:
    """A window whose metric crossed its alert level.

    Attributes
    ----------
    metric, value, ci:
        The metric, its value in the window and its confidence interval
        ``(low, high)``.
    alert_level, alert_side:
        The level it crossed and on which side: ``"below"`` (the evaluator's
        ``alert_below=``) or ``"above"`` (``alert_above=``).
    window, window_start, window_end:
        The window's number (0, 1, ...) and bounds: timestamps for time windows,
        labeled-row numbers ``[start, end)`` for count windows.
    rows, pending:
        Labeled rows the metric was computed on; predictions still without a
        label when the window closed.
    message:
        The sentence that is logged and sent.
    confidence, drifted_features, created:
        The interval's level, the features that drifted in the window (with a
        reference), and when the alert was raised (UTC, ISO 8601).
    """

    metric: str
    value: float
    ci: tuple[float, float]
    alert_level: float
    alert_side: str
    window: int
    window_start: Any
    window_end: Any
    rows: int
    pending: int
    message: str
    confidence: float = 0.95
    drifted_features: tuple[str, ...] = ()
    created: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe fields; this is the webhook payload (plus ``source``,
        ``check`` and ``text``, the message, which chat webhooks display)."""
        return jsonable(
            {
                "source": "mlnb",
                "check": "continuous_evaluation",
                "metric": self.metric,
                "value": self.value,
                "ci_low": self.ci[0],
                "ci_high": self.ci[1],
                "confidence": self.confidence,
                "alert_level": self.alert_level,
                "alert_side": self.alert_side,
                "window": self.window,
                "window_start": self.window_start,
                "window_end": self.window_end,
                "rows": self.rows,
                "pending": self.pending,
                "drifted_features": list(self.drifted_features),
                "message": self.message,
                "text": self.message,
                "created": self.created,
            }
        )


@dataclass(frozen=True)
class Delivery:
    """One webhook delivery of an alert: ``ok``, how many ``attempts`` it took,
    the last ``error`` (empty when delivered) and the HTTP ``status`` (0 when no
    response came)."""

    alert: Alert
    url: str
    ok: bool
    attempts: int
    status: int = 0
    error: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class CallbackError:
    """A callback that raised while handling ``alert``."""

    alert: Alert
    callback: str
    error: str


# ---------------------------------------------------------------------------------
class AlertDispatcher:
    """Sends alerts to the log, callbacks and a webhook (see the module docstring).

    Parameters
    ----------
    logger:
        Where alerts (``warning``), raising callbacks and failed deliveries
        (``error``) are logged.
    callbacks:
        A callable or an iterable of callables taking an :class:`Alert`.
    webhook:
        An ``http://`` or ``https://`` URL, or None.
    webhook_headers, webhook_timeout:
        Extra HTTP headers; seconds one POST may take.
    retries, backoff:
        A failed POST is retried ``retries`` times, waiting ``backoff * 2**i``
        seconds before retry ``i``.
    background:
        Deliver from a background thread (default) or block the sender.
    """

    def __init__(
        self,
        *,
        logger: logging.Logger,
        callbacks: Callable[[Alert], Any] | Iterable[Callable] | None = None,
        webhook: str | None = None,
        webhook_headers: dict[str, str] | None = None,
        webhook_timeout: float = 5.0,
        retries: int = 3,
        backoff: float = 0.5,
        background: bool = True,
    ) -> None:
        self.logger = logger
        self.callbacks = _callbacks(callbacks)
        self.webhook = _webhook_url(webhook)
        self.webhook_headers = _headers(webhook_headers)
        # urllib cannot send credentials written in the URL (user:pw@host): send
        # them as HTTP Basic auth to the URL without them
        self._post_url, auth = _split_credentials(self.webhook)
        if auth and "Authorization" not in self.webhook_headers:
            self.webhook_headers["Authorization"] = auth
        if not (
            is_real(webhook_timeout)
            and math.isfinite(webhook_timeout)
            and webhook_timeout > 0
        ):
            raise MlnbValueError(
                f"webhook_timeout must be a number of seconds > 0; got "
                f"{webhook_timeout!r}"
            )
        self.webhook_timeout = float(webhook_timeout)
        if not _is_int(retries) or retries < 0:
            raise MlnbValueError(f"retries must be an int >= 0; got {retries!r}")
        self.retries = int(retries)
        if not (is_real(backoff) and math.isfinite(backoff) and backoff >= 0):
            raise MlnbValueError(f"backoff must be seconds >= 0; got {backoff!r}")
        self.backoff = float(backoff)
        self.background = bool(background)
        #: Every alert sent, oldest first.
        self.alerts: list[Alert] = []
        #: Every webhook delivery (successful or not), in the order they ended.
        self.deliveries: list[Delivery] = []
        #: Callbacks that raised.
        self.callback_errors: list[CallbackError] = []
        self._lock = threading.Lock()
        self._queue: queue.Queue | None = None
        self._worker: threading.Thread | None = None
        self._opener = urllib.request.build_opener()
        #: Alerts whose webhook delivery had not ended when the process exited
        #: (or when :meth:`close` timed out); each was logged.
        self.undelivered: list[Alert] = []
        self._inflight: Alert | None = None
        _LIVE.add(self)

    @property
    def delivery_failures(self) -> list[Delivery]:
        """Webhook deliveries that failed after every retry."""
        with self._lock:
            return [d for d in self.deliveries if not d.ok]

    @property
    def running(self) -> bool:
        """Whether the background delivery thread is alive."""
        return self._worker is not None and self._worker.is_alive()

    # -- sending -------------------------------------------------------------------
    def send(self, alert: Alert) -> None:
        """Log ``alert``, call the callbacks, and deliver it to the webhook
        (queued for the background thread, or now)."""
        self.alerts.append(alert)
        self.logger.warning("mlnb alert: %s", alert.message)
        for cb in self.callbacks:
            try:
                cb(alert)
            except Exception as exc:
                name = getattr(cb, "__qualname__", None) or repr(cb)
                self.callback_errors.append(
                    CallbackError(alert, name, f"{type(exc).__name__}: {exc}")
                )
                self.logger.error(
                    "alert callback %s raised %s: %s",
                    name,
                    type(exc).__name__,
                    exc,
                    exc_info=True,
                )
        if self.webhook is None:
            return
        if not self.background:
            self.deliver(alert)
            return
        if not self.running:
            self._queue = queue.Queue()
            self._worker = threading.Thread(
                target=self._work, name="mlnb-webhook", daemon=True
            )
            self._worker.start()
        self._queue.put(alert)

    def _work(self) -> None:
        q = self._queue
        while True:
            alert = q.get()
            try:
                if alert is None:
                    return
                self._inflight = alert
                self.deliver(alert)
            except Exception:  # pragma: no cover - deliver catches everything
                self.logger.exception("webhook worker error")
            finally:
                self._inflight = None
                q.task_done()

    def deliver(self, alert: Alert) -> Delivery:
        """POST ``alert`` to the webhook now, with the retries; the
        :class:`Delivery` is recorded and returned, never raised."""
        body = json.dumps(alert.to_dict()).encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "mlnb-monitoring",
            **self.webhook_headers,
        }
        t0 = time.perf_counter()
        status, error, attempts = 0, "", 0
        for attempt in range(self.retries + 1):
            attempts += 1
            retry = True
            try:
                req = urllib.request.Request(
                    self._post_url, data=body, headers=headers, method="POST"
                )
                with self._opener.open(req, timeout=self.webhook_timeout) as resp:
                    resp.read()
                    status = int(resp.status)
                return self._record(
                    Delivery(
                        alert,
                        self.webhook,
                        True,
                        attempts,
                        status,
                        "",
                        time.perf_counter() - t0,
                    )
                )
            except urllib.error.HTTPError as exc:
                status = int(exc.code)
                error = f"HTTP {exc.code} {exc.reason}"
                retry = exc.code >= 500 or exc.code in _RETRY_HTTP
                exc.close()
            except urllib.error.URLError as exc:
                status, error = 0, f"{type(exc.reason).__name__}: {exc.reason}"
            except Exception as exc:  # timeouts, dropped connections, bad replies
                status, error = 0, f"{type(exc).__name__}: {exc}"
            if not retry or attempt == self.retries:
                break
            if _EXITING.is_set():
                # the process is ending: no backoff, the exit hook reports it
                break
            time.sleep(self.backoff * 2**attempt)
        delivery = self._record(
            Delivery(
                alert,
                self.webhook,
                False,
                attempts,
                status,
                error,
                time.perf_counter() - t0,
            )
        )
        self.logger.error(
            "could not deliver the alert of window %d to %s after %d attempt(s): "
            "%s; alert: %s",
            alert.window,
            _redact(self.webhook),
            attempts,
            error,
            alert.message,
        )
        return delivery

    def _record(self, delivery: Delivery) -> Delivery:
        with self._lock:
            self.deliveries.append(delivery)
        return delivery

    # -- waiting and stopping ------------------------------------------------------
    def flush(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds (None: as long as the retries take) for
        queued deliveries; True when none is left."""
        q = self._queue
        if q is None:
            return True
        deadline = None if timeout is None else time.monotonic() + timeout
        with q.all_tasks_done:
            while q.unfinished_tasks:
                if deadline is None:
                    q.all_tasks_done.wait()
                    continue
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                q.all_tasks_done.wait(left)
        return True

    def close(self, timeout: float | None = None) -> None:
        """Deliver what is queued and stop the background thread; what is not
        delivered within ``timeout`` is recorded in :attr:`undelivered` and
        logged."""
        if self.running:
            self._queue.put(None)
            self._worker.join(timeout)
            if self._worker.is_alive():
                self._report_undelivered("close() timed out")
        self._worker = None

    def pending_alerts(self) -> list[Alert]:
        """Alerts queued for the webhook whose delivery has not ended."""
        q = self._queue
        if q is None:
            return []
        with q.mutex:
            queued = [a for a in q.queue if a is not None]
        inflight = self._inflight
        return ([inflight] if inflight is not None else []) + queued

    def _report_undelivered(self, why: str) -> list[Alert]:
        left = [a for a in self.pending_alerts() if a not in self.undelivered]
        if not left:
            return []
        self.undelivered.extend(left)
        self.logger.error(
            "%d alert(s) not delivered to %s (%s): %s",
            len(left),
            _redact(self.webhook or ""),
            why,
            " | ".join(a.message for a in left),
        )
        return left


# ---------------------------------------------------------------------------------
# delivery at interpreter exit
_LIVE: weakref.WeakSet[AlertDispatcher] = weakref.WeakSet()
_EXITING = threading.Event()


def drain_at_exit(timeout: float | None = None) -> int:
    """Wait up to ``timeout`` seconds (default :data:`EXIT_TIMEOUT`) in total for
    every dispatcher's queued deliveries; record and log what is left. Returns
    the number of alerts not delivered. Registered with :mod:`atexit`."""
    total = EXIT_TIMEOUT if timeout is None else float(timeout)
    deadline = time.monotonic() + max(total, 0.0)
    left = 0
    for d in list(_LIVE):
        if d._queue is None:
            continue
        d.flush(max(deadline - time.monotonic(), 0.0))
        if d.flush(0):
            continue
        # out of time: no more retries, report what is still pending
        _EXITING.set()
        left += len(d._report_undelivered(f"the process ended; waited {total:g} s"))
    return left


def _atexit_hook() -> None:
    try:
        drain_at_exit()
    except Exception:  # pragma: no cover - never break interpreter shutdown
        logging.getLogger(__name__).exception("mlnb: alert delivery at exit failed")


atexit.register(_atexit_hook)


# ---------------------------------------------------------------------------------
def _callbacks(callbacks: Any) -> list[Callable]:
    if callbacks is None:
        return []
    if callable(callbacks):
        items = [callbacks]
    elif isinstance(callbacks, Iterable) and not isinstance(callbacks, (str, bytes)):
        items = list(callbacks)
    else:
        items = [callbacks]
    for cb in items:
        if not callable(cb):
            raise MlnbValueError(
                f"callbacks must be callables taking an Alert; got {cb!r}"
            )
    return items


def _webhook_url(url: Any) -> str | None:
    if url is None:
        return None
    if not isinstance(url, str):
        raise MlnbValueError(f"webhook must be a URL string; got {type(url).__name__}")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise MlnbValueError(
            f"webhook must be an http:// or https:// URL with a host; got {url!r}. "
            "Example: webhook='https://hooks.example.com/mlnb'"
        )
    return url


def _headers(headers: Any) -> dict[str, str]:
    if headers is None:
        return {}
    if not isinstance(headers, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
    ):
        raise MlnbValueError(
            "webhook_headers must be a dict of header names to string values, e.g. "
            f"{{'Authorization': 'Bearer ...'}}; got {type(headers).__name__}"
            + (
                f" with {[(k, type(v).__name__) for k, v in headers.items()][:5]}"
                if isinstance(headers, dict)
                else ""
            )
        )
    bad = [k for k, v in headers.items() if any(c in k + v for c in "\r\n")]
    if bad:
        raise MlnbValueError(
            f"webhook_headers {bad!r} contain a line break; header names and values "
            "must be one line"
        )
    return dict(headers)


def _split_credentials(url: str | None) -> tuple[str | None, str]:
    """``(url without user:password, Basic auth header or "")``."""
    if url is None:
        return None, ""
    p = urllib.parse.urlsplit(url)
    if p.username is None and p.password is None:
        return url, ""
    import base64

    user = urllib.parse.unquote(p.username or "")
    pw = urllib.parse.unquote(p.password or "")
    token = base64.b64encode(f"{user}:{pw}".encode()).decode("ascii")
    host = p.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if p.port:
        host = f"{host}:{p.port}"
    bare = urllib.parse.urlunsplit((p.scheme, host, p.path, p.query, p.fragment))
    return bare, f"Basic {token}"


def _redact(url: str) -> str:
    """The URL without its query and credentials (webhook tokens often live there)."""
    p = urllib.parse.urlsplit(url)
    host = p.hostname or ""
    if p.port:
        host = f"{host}:{p.port}"
    return urllib.parse.urlunsplit((p.scheme, host, p.path, "", ""))


def _is_int(v: Any) -> bool:
    import numpy as np

    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
