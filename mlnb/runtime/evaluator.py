"""Step 9: continuous evaluation — the model's metric per window, with alerts.

:class:`ContinuousEvaluator` takes the model's predictions and the ground truth
as they arrive, cuts them into windows, computes the metric of every closed
window with a confidence interval, and raises an :class:`Alert` when the metric
crosses its threshold. Alerts go to Python callbacks, to the log (``warning`` on
the ``mlnb.monitoring`` logger) and, optionally, to a webhook (an HTTP POST of a
JSON payload, retried with exponential backoff; a failed delivery is logged and
recorded, never raised).

The model of "ground truth as it arrives"
-----------------------------------------
- :meth:`~ContinuousEvaluator.update` takes rows whose label is already known:
  ``update(y_true, y_score, timestamps=...)``.
- :meth:`~ContinuousEvaluator.add_predictions` takes predictions whose label
  comes later, keyed by an id; :meth:`~ContinuousEvaluator.add_ground_truth`
  joins the labels by id. Until its label arrives a prediction is *pending*:
  it counts in the window's ``pending`` column, not in its metric. For a time
  window, ``pending`` is its predictions still without a label when it closed;
  for a count window (which holds labeled rows only), every prediction still
  waiting at the end of the call that closed it.

Windows
-------
``window="1D"`` (any pandas offset): windows by the predictions' timestamps.
Fixed lengths (``"1D"``, ``"6h"``, ``"15min"``) are aligned to the Unix epoch
(midnight UTC for days); calendar offsets mark window starts (``"MS"`` month
starts, ``"W-MON"`` weeks from Monday, ``"QS"``). Timestamps are compared in UTC:
time-zone-aware ones are converted, naive ones are taken as UTC. A window closes
when a later timestamp reaches its end plus ``allowed_lateness`` (so labels may
still arrive for ``allowed_lateness`` after the window ends), or on
:meth:`~ContinuousEvaluator.flush`. Rows that arrive for a window already closed
are *late*: counted in ``late_rows`` and left out; labels whose prediction is
unknown (never seen, or its window already closed) are counted in
``unmatched_labels``.

``window=500`` (an int): every 500 labeled rows, in the order their labels
arrive, form a window; ``flush()`` closes the last, partial one. Timestamps are
optional; the window bounds are row numbers (labeled rows ``[start, end)``).

Intervals (the same formulas as :func:`mlnb.sliced_metrics`, see
:mod:`mlnb.core.intervals`): Wilson for accuracy, precision and recall;
Hanley & McNeil for ROC AUC; the logit interval of Boyd et al. for average
precision; the Dirichlet posterior of the confusion matrix for F1; the normal
interval of a mean for log loss and MAE; the delta method for RMSE.

Only the closed windows' results are kept; the rows of a window are dropped when
it closes. Predictions that never get a label stay pending in count windows
(time windows drop them when they close).

With a ``reference`` (the training data), every closed window also runs
:func:`mlnb.drift` on the features of its rows (time windows: every prediction
in it; count windows: its labeled rows), so an alert says which features moved.

One evaluator is fed from one thread; webhook deliveries run on a background
thread of their own.
"""

from __future__ import annotations

import json
import logging
import math
import queue
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..checklist.result import CheckResult, internal
from ..core import intervals as ci
from ..core.jsonsafe import jsonable
from ..core.labels import as_1d, as_scores, check_same_length, is_real
from ..core.ranking import BinaryRanking
from ..errors import DataValidationError, MlnbError, MlnbValueError
from ..render import html as H

__all__ = [
    "ContinuousEvaluator",
    "ContinuousEvaluationResult",
    "Alert",
    "Delivery",
    "CallbackError",
    "METRICS",
    "window_metric",
]

#: metric -> (task, higher is better)
METRICS: dict[str, tuple[str, bool]] = {
    "accuracy": ("binary", True),
    "recall": ("binary", True),
    "precision": ("binary", True),
    "f1": ("binary", True),
    "roc_auc": ("binary", True),
    "average_precision": ("binary", True),
    "log_loss": ("binary", False),
    "mae": ("regression", False),
    "rmse": ("regression", False),
}
ALERT_ON = ("estimate", "interval")
#: Fewer labeled rows than this in a window: the metric is shown, no alert is
#: raised (the normal approximations behind the intervals need a few dozen rows).
DEFAULT_MIN_ROWS = 30
_RETRY_HTTP = {408, 425, 429}
_NS_PER_DAY = 86_400 * 10**9


# ---------------------------------------------------------------------------------
# what an alert and a delivery look like
@dataclass(frozen=True)
class Alert:
    """A window whose metric crossed the threshold.

    Attributes
    ----------
    metric, value, ci, threshold:
        The metric, its value in the window, its confidence interval
        ``(low, high)`` and the threshold it crossed.
    threshold_kind:
        ``"min"`` (the metric must stay at or above the threshold) or ``"max"``
        (at or below: log loss, MAE, RMSE).
    window, window_start, window_end:
        The window's number (0, 1, ...) and bounds: timestamps for time windows,
        labeled-row numbers ``[start, end)`` for count windows.
    rows, pending:
        Labeled rows the metric was computed on; predictions still without a
        label when the window closed.
    message:
        The sentence that is logged and sent.
    """

    metric: str
    value: float
    ci: tuple[float, float]
    threshold: float
    threshold_kind: str
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
                "threshold": self.threshold,
                "threshold_kind": self.threshold_kind,
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
# the metric of one window
def window_metric(
    metric: str,
    y_true: np.ndarray,
    y_score: np.ndarray,
    *,
    decision_threshold: float = 0.5,
    confidence: float = 0.95,
) -> tuple[float, float, float, str]:
    """``(value, ci_low, ci_high, note)`` of ``metric`` on one window's rows.

    ``y_true`` is 0/1 (classification) or real (regression), ``y_score`` the
    score or prediction; a score ``>= decision_threshold`` predicts the positive
    class. An undefined value (no positives for recall, one class for ROC AUC)
    is NaN with a note saying why.
    """
    y = np.asarray(y_true, dtype=np.float64)
    s = np.asarray(y_score, dtype=np.float64)
    n = len(y)
    nan = math.nan
    if n == 0:
        return nan, nan, nan, "no labeled rows"
    z = ci.z_value(confidence)
    if metric in ("mae", "rmse"):
        e = s - y
        if metric == "mae":
            a = np.abs(e)
            value = float(a.mean())
            se = math.sqrt(max(float(np.mean(e * e)) - value**2, 0.0) / n)
        else:
            e2 = e * e
            mse = float(e2.mean())
            value = math.sqrt(mse)
            se_mse = math.sqrt(max(float(np.mean(e2 * e2)) - mse**2, 0.0) / n)
            se = se_mse / (2 * value) if value > 0 else 0.0
        lo, hi = ci.normal(value, se, z)
        return value, float(lo), float(hi), ""
    positive = y == 1
    n_pos = int(positive.sum())
    n_neg = n - n_pos
    if metric == "log_loss":
        eps = np.finfo(np.float64).eps
        p = np.clip(s, eps, 1 - eps)
        loss = -np.where(positive, np.log(p), np.log1p(-p))
        value = float(loss.mean())
        se = math.sqrt(max(float(np.mean(loss * loss)) - value**2, 0.0) / n)
        lo, hi = ci.normal(value, se, z, lo_clip=0.0)
        return value, float(lo), float(hi), ""
    if metric in ("roc_auc", "average_precision"):
        if n_pos == 0 or n_neg == 0:
            which = "positive" if n_pos == 0 else "negative"
            return nan, nan, nan, f"no {which} labels in the window: {metric} undefined"
        ranking = BinaryRanking(s, positive)
        if metric == "roc_auc":
            value = float(ranking.roc_auc)
            se = ci.hanley_mcneil_se(value, n_pos, n_neg)
            lo, hi = ci.normal(value, se, z, lo_clip=0.0, hi_clip=1.0)
        else:
            value = float(ranking.average_precision)
            lo, hi = ci.logit_ap(value, n_pos, z)
        return value, float(lo), float(hi), ""
    predicted = s >= decision_threshold
    tp = int(np.count_nonzero(predicted & positive))
    fp = int(np.count_nonzero(predicted & ~positive))
    fn = n_pos - tp
    tn = n_neg - fp
    if metric == "accuracy":
        k, m, why = tp + tn, n, ""
    elif metric == "recall":
        k, m, why = tp, n_pos, "no positive labels in the window: recall undefined"
    elif metric == "precision":
        k, m, why = tp, tp + fp, "nothing predicted positive: precision undefined"
    elif metric == "f1":
        d = 2 * tp + fp + fn
        if d == 0:
            return nan, nan, nan, "no positive labels or predictions: f1 undefined"
        lo, hi = ci.dirichlet_f1(
            np.array([tp]), np.array([fp]), np.array([fn]), np.array([tn]), confidence
        )
        return 2 * tp / d, float(lo[0]), float(hi[0]), ""
    else:  # pragma: no cover - validated by the caller
        raise MlnbValueError(f"unknown metric {metric!r}")
    if m == 0:
        return nan, nan, nan, why
    lo, hi = ci.wilson(np.array([k / m]), np.array([m]), z)
    return k / m, float(lo[0]), float(hi[0]), ""


# ---------------------------------------------------------------------------------
@dataclass
class _Chunk:
    """One ingested batch; rows leave (``open`` False) when their window closes."""

    score: np.ndarray
    label: np.ndarray  # NaN while the label is pending
    seq: np.ndarray  # order in which labels arrived; -1 while pending
    ts: np.ndarray | None  # int64 ns since the epoch, UTC
    key: np.ndarray | None  # window start (ns) for time windows
    ids: np.ndarray | None
    features: Any  # DataFrame aligned with the rows, or None
    open: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.open is None:
            self.open = np.ones(len(self.score), dtype=bool)


class ContinuousEvaluator:
    """Track a model's metric per window of new data and alert when it degrades.

    Parameters
    ----------
    metric:
        ``"accuracy"``, ``"recall"``, ``"precision"``, ``"f1"``, ``"roc_auc"``,
        ``"average_precision"``, ``"log_loss"`` (binary classification: labels
        0/1, or any labels with ``positive_label``), ``"mae"`` or ``"rmse"``
        (regression).
    threshold:
        The value the metric must keep (no default: there is no universal one;
        a common choice is the validation score minus the margin you accept).
    window:
        A pandas offset (``"1D"``, ``"6h"``, ``"W-MON"``, ``"MS"``) for windows in
        time, or an int: that many labeled rows per window. See the module
        docstring.
    threshold_kind:
        ``"min"``: alert when the metric falls below the threshold; ``"max"``:
        when it rises above. Default: ``"max"`` for the lower-is-better metrics
        (log loss, MAE, RMSE), ``"min"`` otherwise.
    decision_threshold:
        Scores at or above it predict the positive class (accuracy, precision,
        recall, f1). Hard 0/1 predictions work as they are.
    positive_label:
        The positive class when labels are not 0/1 (``"fraud"``, ``True``).
    confidence:
        Level of the confidence intervals (default 0.95).
    alert_on:
        ``"estimate"`` (default): alert when the window's value crosses the
        threshold — what managed monitoring services do, and the earliest
        warning. ``"interval"``: only when the whole confidence interval is on
        the wrong side (upper bound below a ``"min"`` threshold, lower bound
        above a ``"max"`` one) — fewer false alarms from small windows, later
        alerts.
    min_rows:
        Windows with fewer labeled rows show their metric but raise no alert
        (default 30).
    allowed_lateness:
        Time windows only: how long after its end a window stays open for late
        rows and labels (a pandas Timedelta or string such as ``"2h"``; default
        0).
    callbacks:
        Callables called with each :class:`Alert`. An exception in a callback
        is logged and recorded in :attr:`callback_errors`; it never stops
        ingestion.
    webhook:
        An ``http://`` or ``https://`` URL that receives each alert as a JSON
        POST (:meth:`Alert.to_dict`). Standard library only; proxies from the
        environment are honoured.
    webhook_headers:
        Extra HTTP headers for the webhook (an ``Authorization`` token, say).
    webhook_timeout:
        Seconds one POST may take (default 5).
    retries, backoff:
        A failed POST (no connection, a timeout, HTTP 5xx, 408, 425 or 429) is
        retried ``retries`` times (default 3), waiting ``backoff * 2**i`` seconds
        before retry ``i`` (0.5, 1, 2 s by default). Other HTTP errors (4xx) are
        not retried. A final failure is logged (``error``) and recorded in
        :attr:`delivery_failures`; it is never raised.
    background:
        Deliver webhooks from a background thread (default), so ingestion never
        waits on the network; :meth:`flush` and :meth:`wait` wait for pending
        deliveries. With ``False`` a delivery blocks the call that raised the
        alert, for at most ``(retries + 1) * webhook_timeout`` plus the backoff.
    logger:
        Where alerts are logged (default ``logging.getLogger("mlnb.monitoring")``).
    reference:
        Optional: the training data (a DataFrame) or its
        :class:`~mlnb.core.profile.Profile`. When given, and batches carry
        ``features``, every closed window also runs :func:`mlnb.drift` against
        it; the drifted features go into the history and the alerts.
    drift_options:
        Keyword arguments for :func:`mlnb.drift` (``method``, ``thresholds``,
        ``features``, ``categorical``, ...).

    Examples
    --------
    >>> ev = ContinuousEvaluator(
    ...     "accuracy", threshold=0.8, window="1D", webhook="https://alerts.example/hook"
    ... )  # doctest: +SKIP
    >>> ev.update(y_true, model.predict(X), timestamps=df["time"])  # doctest: +SKIP
    >>> ev.flush(); ev.history; ev.result()  # doctest: +SKIP
    """

    def __init__(
        self,
        metric: str,
        threshold: float,
        window: Any = "1D",
        *,
        threshold_kind: str | None = None,
        decision_threshold: float = 0.5,
        positive_label: Any = None,
        confidence: float = 0.95,
        alert_on: str = "estimate",
        min_rows: int = DEFAULT_MIN_ROWS,
        allowed_lateness: Any = None,
        callbacks: Callable[[Alert], Any] | Iterable[Callable] | None = None,
        webhook: str | None = None,
        webhook_headers: dict[str, str] | None = None,
        webhook_timeout: float = 5.0,
        retries: int = 3,
        backoff: float = 0.5,
        background: bool = True,
        logger: logging.Logger | None = None,
        reference: Any = None,
        drift_options: dict[str, Any] | None = None,
    ) -> None:
        if metric not in METRICS:
            raise MlnbValueError(
                f"metric must be one of {', '.join(METRICS)}; got {metric!r}"
            )
        self.metric = metric
        self.task, higher_is_better = METRICS[metric]
        if not is_real(threshold) or not math.isfinite(float(threshold)):
            raise MlnbValueError(
                f"threshold must be a finite number (the {metric} value to keep); "
                f"got {threshold!r}"
            )
        self.threshold = float(threshold)
        if threshold_kind is None:
            threshold_kind = "min" if higher_is_better else "max"
        if threshold_kind not in ("min", "max"):
            raise MlnbValueError(
                "threshold_kind must be 'min' (alert below the threshold) or 'max' "
                f"(alert above it); got {threshold_kind!r}"
            )
        self.threshold_kind = threshold_kind
        if alert_on not in ALERT_ON:
            raise MlnbValueError(
                f"alert_on must be 'estimate' or 'interval'; got {alert_on!r}"
            )
        self.alert_on = alert_on
        if not (is_real(confidence) and 0 < confidence < 1):
            raise MlnbValueError(
                f"confidence must be between 0 and 1 (0.95 for 95%); got {confidence!r}"
            )
        self.confidence = float(confidence)
        if not is_real(decision_threshold):
            raise MlnbValueError(
                f"decision_threshold must be a number; got {decision_threshold!r}"
            )
        self.decision_threshold = float(decision_threshold)
        if positive_label is not None and self.task == "regression":
            raise MlnbValueError(
                f"positive_label applies to classification metrics, not {metric}; "
                "leave it out"
            )
        self.positive_label = positive_label
        if not _is_int(min_rows) or min_rows < 1:
            raise MlnbValueError(f"min_rows must be an int >= 1; got {min_rows!r}")
        self.min_rows = int(min_rows)
        self._set_window(window, allowed_lateness)
        self.callbacks = _callbacks(callbacks)
        self.webhook = _webhook_url(webhook)
        self.webhook_headers = dict(webhook_headers or {})
        if not (is_real(webhook_timeout) and webhook_timeout > 0):
            raise MlnbValueError(
                f"webhook_timeout must be a number of seconds > 0; got "
                f"{webhook_timeout!r}"
            )
        self.webhook_timeout = float(webhook_timeout)
        if not _is_int(retries) or retries < 0:
            raise MlnbValueError(f"retries must be an int >= 0; got {retries!r}")
        self.retries = int(retries)
        if not (is_real(backoff) and backoff >= 0):
            raise MlnbValueError(f"backoff must be seconds >= 0; got {backoff!r}")
        self.backoff = float(backoff)
        self.background = bool(background)
        self.logger = logger if logger is not None else logging.getLogger(__name__)
        self.drift_options = dict(drift_options or {})
        self._reference = self._prepare_reference(reference)

        #: Every alert raised, oldest first.
        self.alerts: list[Alert] = []
        #: Every webhook delivery (successful or not), in the order they ended.
        self.deliveries: list[Delivery] = []
        #: Callbacks that raised.
        self.callback_errors: list[CallbackError] = []
        #: Per window number: the :class:`~mlnb.checks.drift.DriftReport` (when a
        #: ``reference`` was given).
        self.drift_reports: dict[int, Any] = {}
        #: Rows that arrived for a window already closed (left out).
        self.late_rows = 0
        #: Labels whose prediction was never seen or whose window had closed.
        self.unmatched_labels = 0
        #: Rows ingested, and labels received.
        self.rows_seen = 0
        self.labels_seen = 0

        self._chunks: list[_Chunk] = []
        self._pending: dict[Any, tuple[_Chunk, int]] = {}
        self._seq = 0
        self._n_labeled_open = 0
        self._n_labeled_closed = 0
        self._watermark: int | None = None
        self._closed_until: int | None = None
        self._open_windows: dict[int, int] = {}  # start ns -> end ns
        self._history: list[dict[str, Any]] = []
        self._tz_aware: bool | None = None
        self._lock = threading.Lock()
        self._queue: queue.Queue | None = None
        self._worker: threading.Thread | None = None
        self._opener = urllib.request.build_opener()

    # -- configuration -------------------------------------------------------------
    def _set_window(self, window: Any, allowed_lateness: Any) -> None:
        import pandas as pd

        self._count = None
        self._offset = None
        self._tick_ns = None
        self._lateness_ns = 0
        if _is_int(window):
            if window < 1:
                raise MlnbValueError(
                    f"window as a row count must be >= 1; got {window!r}"
                )
            self._count = int(window)
            self.window = self._count
            if allowed_lateness is not None:
                raise MlnbValueError(
                    "allowed_lateness applies to time windows; count windows close "
                    "when enough labels have arrived — leave it out"
                )
            return
        try:
            offset = pd.tseries.frequencies.to_offset(window)
        except (TypeError, ValueError) as exc:
            raise MlnbValueError(
                f"window must be a pandas offset such as '1D', '6h', 'W-MON', 'MS' "
                f"or an int (rows per window); got {window!r} ({exc})"
            ) from None
        if offset is None:
            raise MlnbValueError("window is None; pass '1D' or a row count")
        if isinstance(offset, pd.offsets.Tick):
            if offset.nanos <= 0:
                raise MlnbValueError(f"window must be positive; got {window!r}")
            self._tick_ns = int(offset.nanos)
        elif offset.n != 1:
            raise MlnbValueError(
                f"calendar windows must have a multiple of 1 ('MS', 'W-MON', 'QS'); "
                f"got {window!r}. For a fixed length use days or hours, e.g. '14D'."
            )
        self._offset = offset
        self.window = offset.freqstr
        if allowed_lateness is not None:
            try:
                lateness = pd.Timedelta(allowed_lateness)
            except (TypeError, ValueError):
                raise MlnbValueError(
                    f"allowed_lateness must be a duration such as '2h' or a "
                    f"Timedelta; got {allowed_lateness!r}"
                ) from None
            if lateness is pd.NaT or lateness < pd.Timedelta(0):
                raise MlnbValueError(
                    f"allowed_lateness must be >= 0; got {allowed_lateness!r}"
                )
            self._lateness_ns = int(lateness.value)

    def _prepare_reference(self, reference: Any) -> Any:
        if reference is None:
            if self.drift_options:
                raise MlnbValueError(
                    "drift_options apply to per-window drift, which needs "
                    "reference=... (the training data or its profile)"
                )
            return None
        import inspect

        from ..checks.drift import drift
        from ..core.profile import Profile, profile, to_pandas

        allowed = set(inspect.signature(drift).parameters) - {
            "reference",
            "current",
            "publish",
            "_check",
        }
        unknown = sorted(set(self.drift_options) - allowed)
        if unknown:
            raise MlnbValueError(
                f"drift_options has unknown keys {unknown}; mlnb.drift accepts "
                f"{', '.join(sorted(allowed))}"
            )

        if isinstance(reference, Profile):
            return reference
        ref = to_pandas(reference, "reference")
        if self.drift_options.get("method", "vertex") == "evidently":
            return ref  # Evidently's tests need the raw values
        keys = ("features", "categorical", "bins", "max_categories")
        return profile(
            ref, **{k: self.drift_options[k] for k in keys if k in self.drift_options}
        )

    @property
    def time_windows(self) -> bool:
        """True for windows in time, False for row-count windows."""
        return self._count is None

    # -- input validation ----------------------------------------------------------
    def _labels(self, y_true: Any) -> np.ndarray:
        import pandas as pd

        arr = as_1d(y_true, name="y_true")
        if arr.dtype.kind == "f":
            missing = np.isnan(arr)
        elif arr.dtype.kind in "iub":
            missing = np.zeros(len(arr), dtype=bool)
        else:
            missing = np.asarray(pd.isna(arr), dtype=bool)
        if missing.any():
            raise DataValidationError(
                f"y_true has {int(missing.sum()):,} missing labels; send only rows "
                "whose label is known (use add_predictions(ids, ...) now and "
                "add_ground_truth(ids, labels) when the labels arrive)"
            )
        if self.task == "regression":
            return as_scores(arr, name="y_true")
        if self.positive_label is not None:
            return (arr == self.positive_label).astype(np.float64)
        if arr.dtype.kind == "b":
            return arr.astype(np.float64)
        values = pd.unique(arr)
        try:
            ok = all(float(v) in (0.0, 1.0) for v in values)
        except (TypeError, ValueError):
            ok = False
        if not ok:
            shown = sorted(map(str, values))[:10]
            raise DataValidationError(
                f"{self.metric} needs binary labels 0/1; y_true has values {shown}. "
                "Pass positive_label=... to name the positive class."
            )
        return np.asarray(arr, dtype=np.float64)

    def _scores(self, y_score: Any) -> np.ndarray:
        s = as_scores(y_score, name="y_score")
        bad = ~np.isfinite(s)
        if bad.any():
            raise DataValidationError(
                f"y_score has {int(bad.sum()):,} NaN or infinite values; every row "
                "needs a prediction (drop those rows, with their labels)"
            )
        if self.metric == "log_loss" and len(s) and (s.min() < 0 or s.max() > 1):
            raise DataValidationError(
                f"log_loss needs probabilities in [0, 1]; the scores range from "
                f"{s.min():.4g} to {s.max():.4g}. Pass predict_proba(X)[:, 1]."
            )
        return s

    def _timestamps(self, timestamps: Any, n: int) -> np.ndarray | None:
        import pandas as pd

        if timestamps is None:
            if not self.time_windows:
                return None
            if self._tz_aware is None:
                self._tz_aware = False
            return np.full(n, time.time_ns(), dtype=np.int64)
        if isinstance(timestamps, (str, bytes)) or not hasattr(timestamps, "__len__"):
            raise MlnbValueError(
                "timestamps must be one timestamp per row (a list, array or Series "
                f"of datetimes); got {type(timestamps).__name__}"
            )
        aware = _tz_aware(timestamps)
        arr = as_1d(timestamps, name="timestamps")
        if arr.dtype.kind in "iufcb":
            raise MlnbValueError(
                "timestamps are numbers; mlnb does not guess their unit. Convert "
                "them first, e.g. pd.to_datetime(t, unit='s') for Unix seconds."
            )
        try:
            parsed = _parse_times(arr)
        except (TypeError, ValueError, OverflowError) as exc:
            raise MlnbValueError(
                f"could not read timestamps as dates ({exc}); pass datetimes, "
                "pandas Timestamps or ISO 8601 strings such as "
                "'2024-05-01T12:00:00Z'"
            ) from None
        parsed = pd.DatetimeIndex(parsed)
        if parsed.isna().any():
            raise MlnbValueError(
                f"timestamps has {int(parsed.isna().sum()):,} missing values (NaT); "
                "every row needs its time"
            )
        if self._tz_aware is None:
            self._tz_aware = aware
        return parsed.tz_convert("UTC").tz_localize(None).as_unit("ns").asi8.copy()

    def _features(self, features: Any) -> Any:
        if features is None:
            return None
        from ..core.profile import to_pandas

        frame = to_pandas(features, "features")
        return frame.reset_index(drop=True)

    def _ids(self, ids: Any) -> np.ndarray:
        import pandas as pd

        arr = as_1d(ids, name="ids")
        if arr.dtype.kind == "f" or arr.dtype.kind == "O":
            missing = np.asarray(pd.isna(arr), dtype=bool)
            if missing.any():
                raise DataValidationError(
                    f"ids has {int(missing.sum()):,} missing values; every "
                    "prediction needs an id to join its label by"
                )
        arr = arr.astype(object)
        dup = pd.Index(arr).duplicated()
        if dup.any():
            shown = list(pd.unique(arr[dup]))[:5]
            raise DataValidationError(
                f"ids must be unique within a batch; repeated: {shown}"
            )
        return arr

    # -- ingestion -----------------------------------------------------------------
    def update(
        self,
        y_true: Any,
        y_score: Any,
        *,
        timestamps: Any = None,
        features: Any = None,
    ) -> list[Alert]:
        """Ingest rows whose label is known.

        Parameters
        ----------
        y_true:
            Labels (0/1, or with ``positive_label``) or regression targets.
        y_score:
            Scores or predictions, one per row.
        timestamps:
            When each prediction was made (time windows). Default: now.
        features:
            The rows' features (a DataFrame), used for drift when the evaluator
            has a ``reference``.

        Returns
        -------
        list of Alert
            The alerts of the windows this batch closed.

        Raises
        ------
        MlnbValueError, DataValidationError
            Mismatched lengths, missing labels or scores, unreadable timestamps.
        """
        y = self._labels(y_true)
        s = self._scores(y_score)
        feats = self._features(features)
        check_same_length(
            y_true=y,
            y_score=s,
            timestamps=None if timestamps is None else as_1d(timestamps, name="ts"),
            features=feats,
        )
        ts = self._timestamps(timestamps, len(y))
        seq = np.arange(self._seq, self._seq + len(y), dtype=np.int64)
        self._seq += len(y)
        chunk = self._chunk(s, y, seq, ts, None, feats)
        if chunk is not None:
            self.labels_seen += len(chunk.score)
            if not self.time_windows:
                self._n_labeled_open += len(chunk.score)
        return self._advance(ts)

    def add_predictions(
        self,
        ids: Any,
        y_score: Any,
        *,
        timestamps: Any = None,
        features: Any = None,
    ) -> list[Alert]:
        """Ingest predictions whose labels come later (joined by ``ids``).

        They count as *pending* until :meth:`add_ground_truth` brings their
        labels. Returns the alerts of the windows this batch closed (time
        windows close as the timestamps advance).
        """
        id_arr = self._ids(ids)
        s = self._scores(y_score)
        feats = self._features(features)
        check_same_length(
            ids=id_arr,
            y_score=s,
            timestamps=None if timestamps is None else as_1d(timestamps, name="ts"),
            features=feats,
        )
        clash = [i for i in id_arr if i in self._pending]
        if clash:
            raise DataValidationError(
                f"{len(clash):,} ids already have a prediction waiting for its label "
                f"(e.g. {clash[:5]}); ids must be unique until their label arrives"
            )
        ts = self._timestamps(timestamps, len(s))
        n = len(s)
        chunk = self._chunk(
            s, np.full(n, np.nan), np.full(n, -1, dtype=np.int64), ts, id_arr, feats
        )
        if chunk is not None:
            for pos, i in enumerate(chunk.ids):
                self._pending[i] = (chunk, pos)
        return self._advance(ts)

    def add_ground_truth(self, ids: Any, y_true: Any) -> list[Alert]:
        """Join labels to earlier predictions by id.

        Labels whose id is unknown (never predicted, or its window closed
        already) are counted in :attr:`unmatched_labels`. Returns the alerts of
        the windows that closed (count windows close as labels arrive).
        """
        id_arr = self._ids(ids)
        y = self._labels(y_true)
        check_same_length(ids=id_arr, y_true=y)
        unmatched = 0
        for i, label in zip(id_arr.tolist(), y.tolist()):
            hit = self._pending.pop(i, None)
            if hit is None:
                unmatched += 1
                continue
            chunk, pos = hit
            chunk.label[pos] = label
            chunk.seq[pos] = self._seq
            self._seq += 1
            self.labels_seen += 1
            if not self.time_windows:
                self._n_labeled_open += 1
        if unmatched:
            self.unmatched_labels += unmatched
            self.logger.info(
                "%d of %d labels matched no open prediction (unknown id, or its "
                "window already closed)",
                unmatched,
                len(id_arr),
            )
        return self._advance(None)

    def flush(self, timeout: float | None = None) -> list[Alert]:
        """Close every open window (time windows), or the last partial window
        (count windows), then wait up to ``timeout`` seconds (default: as long
        as it takes, which is bounded by the retry settings) for webhook
        deliveries. Returns the alerts of the windows it closed."""
        new: list[Alert] = []
        if self.time_windows:
            for start in sorted(self._open_windows):
                new.extend(self._close_time_window(start))
        elif self._n_labeled_open:
            new.extend(self._close_count_window(self._n_labeled_open))
        self._prune()
        self.wait(timeout)
        return new

    def _chunk(self, s, y, seq, ts, ids, feats) -> _Chunk | None:
        n = len(s)
        self.rows_seen += n
        key = None
        if self.time_windows:
            key = self._window_starts(ts)
            if self._closed_until is not None:
                late = key < self._closed_until
                n_late = int(late.sum())
                if n_late:
                    self.late_rows += n_late
                    self.logger.warning(
                        "%d rows arrived for windows that already closed (before "
                        "%s) and were left out; raise allowed_lateness to keep "
                        "them",
                        n_late,
                        self._stamp(self._closed_until),
                    )
                    keep = ~late
                    s, y, seq, ts, key = (
                        s[keep],
                        y[keep],
                        seq[keep],
                        ts[keep],
                        key[keep],
                    )
                    if ids is not None:
                        ids = ids[keep]
                    if feats is not None:
                        feats = feats.iloc[np.flatnonzero(keep)].reset_index(drop=True)
            if len(s) == 0:
                return None
            for start in np.unique(key).tolist():
                if start not in self._open_windows:
                    self._open_windows[start] = self._window_end(start)
        elif n == 0:
            return None
        chunk = _Chunk(s, y, seq, ts, key, ids, feats)
        self._chunks.append(chunk)
        return chunk

    # -- windows -------------------------------------------------------------------
    def _window_starts(self, ts: np.ndarray) -> np.ndarray:
        import pandas as pd

        if self._tick_ns is not None:
            return (ts // self._tick_ns) * self._tick_ns
        days = (ts // _NS_PER_DAY) * _NS_PER_DAY
        uniq, inverse = np.unique(days, return_inverse=True)
        starts = np.array(
            [self._offset.rollback(pd.Timestamp(int(d))).value for d in uniq],
            dtype=np.int64,
        )
        return starts[inverse.reshape(-1)]

    def _window_end(self, start: int) -> int:
        import pandas as pd

        if self._tick_ns is not None:
            return start + self._tick_ns
        return int((pd.Timestamp(start) + self._offset).value)

    def _advance(self, ts: np.ndarray | None) -> list[Alert]:
        new: list[Alert] = []
        closed = False
        if self.time_windows:
            if ts is not None and len(ts):
                top = int(ts.max())
                if self._watermark is None or top > self._watermark:
                    self._watermark = top
            if self._watermark is not None:
                due = sorted(
                    start
                    for start, end in self._open_windows.items()
                    if end + self._lateness_ns <= self._watermark
                )
                for start in due:
                    new.extend(self._close_time_window(start))
                    closed = True
        else:
            while self._n_labeled_open >= self._count:
                new.extend(self._close_count_window(self._count))
                closed = True
        if closed:
            self._prune()
        return new

    def _prune(self) -> None:
        self._chunks = [c for c in self._chunks if c.open.any()]

    def _close_time_window(self, start: int) -> list[Alert]:
        end = self._open_windows.pop(start)
        ys, ss, feats = [], [], []
        n_pending = 0
        for c in self._chunks:
            rows = c.open & (c.key == start)
            if not rows.any():
                continue
            labeled = rows & (c.seq >= 0)
            waiting = rows & (c.seq < 0)
            ys.append(c.label[labeled])
            ss.append(c.score[labeled])
            if waiting.any():
                n_pending += int(waiting.sum())
                for i in c.ids[waiting].tolist():
                    self._pending.pop(i, None)
            if c.features is not None:
                feats.append(c.features.iloc[np.flatnonzero(rows)])
            c.open[rows] = False
        self._closed_until = (
            end if self._closed_until is None else max(self._closed_until, end)
        )
        y = np.concatenate(ys) if ys else np.zeros(0)
        s = np.concatenate(ss) if ss else np.zeros(0)
        return self._evaluate(
            self._stamp(start), self._stamp(end), y, s, n_pending, feats
        )

    def _close_count_window(self, size: int) -> list[Alert]:
        parts = []
        for k, c in enumerate(self._chunks):
            rows = np.flatnonzero(c.open & (c.seq >= 0))
            if len(rows):
                parts.append((c.seq[rows], np.full(len(rows), k), rows))
        seq = np.concatenate([p[0] for p in parts])
        which = np.concatenate([p[1] for p in parts])
        pos = np.concatenate([p[2] for p in parts])
        take = np.argsort(seq, kind="stable")[:size]
        ys, ss, feats = [], [], []
        for k in np.unique(which[take]).tolist():
            c = self._chunks[k]
            rows = np.sort(pos[take][which[take] == k])
            ys.append(c.label[rows])
            ss.append(c.score[rows])
            if c.features is not None:
                feats.append(c.features.iloc[rows])
            c.open[rows] = False
        n = len(take)
        start = self._n_labeled_closed
        self._n_labeled_closed += n
        self._n_labeled_open -= n
        return self._evaluate(
            start,
            start + n,
            np.concatenate(ys),
            np.concatenate(ss),
            len(self._pending),
            feats,
        )

    def _stamp(self, ns: int) -> Any:
        import pandas as pd

        return pd.Timestamp(int(ns), tz="UTC" if self._tz_aware else None)

    # -- one closed window ---------------------------------------------------------
    def _evaluate(self, start, end, y, s, n_pending, feats) -> list[Alert]:
        value, lo, hi, note = window_metric(
            self.metric,
            y,
            s,
            decision_threshold=self.decision_threshold,
            confidence=self.confidence,
        )
        n = len(y)
        if n < self.min_rows and not note:
            note = f"{n} labeled rows, fewer than min_rows={self.min_rows}: no alert"
        drifted = self._window_drift(len(self._history), feats)
        breached = n >= self.min_rows and self._breached(value, lo, hi)
        number = len(self._history)
        self._history.append(
            {
                "window": number,
                "window_start": start,
                "window_end": end,
                "rows": n,
                "pending": n_pending,
                "metric": self.metric,
                "value": value,
                "ci_low": lo,
                "ci_high": hi,
                "threshold": self.threshold,
                "alert": bool(breached),
                "drifted_features": drifted,
                "note": note,
            }
        )
        if not breached:
            return []
        alert = Alert(
            metric=self.metric,
            value=value,
            ci=(lo, hi),
            threshold=self.threshold,
            threshold_kind=self.threshold_kind,
            window=number,
            window_start=start,
            window_end=end,
            rows=n,
            pending=n_pending,
            message=self._message(value, lo, hi, start, end, n, n_pending, drifted),
            confidence=self.confidence,
            drifted_features=drifted,
            created=_now(),
        )
        self._dispatch(alert)
        return [alert]

    def _breached(self, value: float, lo: float, hi: float) -> bool:
        if self.alert_on == "estimate":
            probe = value
        else:
            probe = hi if self.threshold_kind == "min" else lo
        if probe is None or math.isnan(probe):
            return False
        if self.threshold_kind == "min":
            return probe < self.threshold
        return probe > self.threshold

    def _message(self, value, lo, hi, start, end, n, pending, drifted) -> str:
        side = "below" if self.threshold_kind == "min" else "above"
        level = f"{self.confidence:.0%}"
        where = (
            f"window {_span_text(start, end)}"
            if self.time_windows
            else f"labeled rows {start:,}–{end - 1:,}"
        )
        text = (
            f"{self.metric} {value:.4g} ({level} CI {lo:.4g}–{hi:.4g}) is {side} "
            f"the threshold {self.threshold:g} in {where} ({n:,} labeled rows, "
            f"{pending:,} pending)"
        )
        if drifted:
            shown = ", ".join(drifted[:5])
            more = f" and {len(drifted) - 5} more" if len(drifted) > 5 else ""
            text += f"; drifted features: {shown}{more}"
        return text

    def _window_drift(self, number: int, feats: list) -> tuple[str, ...]:
        if self._reference is None or not feats:
            return ()
        import pandas as pd

        from ..checks.drift import drift

        frame = pd.concat(feats, ignore_index=True)
        try:
            report = drift(self._reference, frame, publish=False, **self.drift_options)
        except MlnbError as exc:
            self.logger.warning(
                "drift of window %d could not be computed: %s", number, exc
            )
            return ()
        self.drift_reports[number] = report
        return tuple(report.drifted_features)

    # -- alert dispatch ------------------------------------------------------------
    def _dispatch(self, alert: Alert) -> None:
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
            self._deliver(alert)
            return
        if self._worker is None or not self._worker.is_alive():
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
                self._deliver(alert)
            except Exception:  # pragma: no cover - _deliver catches everything
                self.logger.exception("webhook worker error")
            finally:
                q.task_done()

    def _deliver(self, alert: Alert) -> Delivery:
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
                    self.webhook, data=body, headers=headers, method="POST"
                )
                with self._opener.open(req, timeout=self.webhook_timeout) as resp:
                    resp.read()
                    status = int(resp.status)
                delivery = Delivery(
                    alert,
                    self.webhook,
                    True,
                    attempts,
                    status,
                    "",
                    time.perf_counter() - t0,
                )
                with self._lock:
                    self.deliveries.append(delivery)
                return delivery
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
            time.sleep(self.backoff * 2**attempt)
        delivery = Delivery(
            alert,
            self.webhook,
            False,
            attempts,
            status,
            error,
            time.perf_counter() - t0,
        )
        with self._lock:
            self.deliveries.append(delivery)
        self.logger.error(
            "could not deliver the alert of window %d to %s after %d attempt(s): %s",
            alert.window,
            _redact(self.webhook),
            attempts,
            error,
        )
        return delivery

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for queued webhook deliveries; True when none is left."""
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
        """Deliver what is queued and stop the background thread (windows stay
        open; call :meth:`flush` first to close them)."""
        if self._worker is not None and self._worker.is_alive():
            self._queue.put(None)
            self._worker.join(timeout)
        self._worker = None

    def __enter__(self) -> ContinuousEvaluator:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.flush()
        self.close()

    # -- what came out -------------------------------------------------------------
    @property
    def delivery_failures(self) -> list[Delivery]:
        """Webhook deliveries that failed after every retry."""
        with self._lock:
            return [d for d in self.deliveries if not d.ok]

    @property
    def pending(self) -> int:
        """Predictions still waiting for their label."""
        return len(self._pending)

    @property
    def history(self):
        """One row per closed window: ``window``, ``window_start``,
        ``window_end``, ``rows``, ``pending``, ``metric``, ``value``, ``ci_low``,
        ``ci_high``, ``threshold``, ``alert``, ``drifted_features``, ``note``."""
        return _history_frame(self._history)

    def result(self, *, publish: bool = True) -> ContinuousEvaluationResult:
        """The evidence for step 9 so far, as a :class:`ContinuousEvaluationResult`.

        Status: ``fail`` when the last closed window breached the threshold,
        ``warn`` when an earlier one did (or an alert could not be delivered),
        ``pass`` otherwise; ``info`` before any window could be evaluated.
        """
        hist = [dict(r) for r in self._history]
        failures = len(self.delivery_failures)
        status, summary = _verdict(self, hist, failures)
        last = next((r for r in reversed(hist) if not _isnan(r["value"])), None)
        window = f"{self._count} labeled rows" if not self.time_windows else self.window
        res = ContinuousEvaluationResult(
            step="drift",
            status=status,
            summary=summary,
            metric=self.metric,
            threshold=self.threshold,
            threshold_kind=self.threshold_kind,
            alert_on=self.alert_on,
            confidence=self.confidence,
            window=str(window),
            n_windows=len(hist),
            n_alerts=sum(r["alert"] for r in hist),
            last_value=None if last is None else last["value"],
            last_ci=None if last is None else (last["ci_low"], last["ci_high"]),
            pending=self.pending,
            late_rows=self.late_rows,
            unmatched_labels=self.unmatched_labels,
            delivery_failures=failures,
            callback_errors=len(self.callback_errors),
            _history=hist,
        )
        return res.publish() if publish else res

    def plot(self, ax: Any = None):
        """The metric per window with its interval and the threshold; returns
        the matplotlib Figure."""
        return self.result(publish=False).plot(ax=ax)

    def __repr__(self) -> str:
        return (
            f"<ContinuousEvaluator {self.metric} {self.threshold_kind} "
            f"{self.threshold:g}, window {self.window}: {len(self._history)} "
            f"windows closed, {len(self.alerts)} alerts, {self.pending} pending>"
        )


# ---------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True, repr=False)
class ContinuousEvaluationResult(CheckResult):
    """The metric of every closed window, its interval, and the alerts.

    Attributes
    ----------
    metric, threshold, threshold_kind, alert_on, confidence, window:
        The evaluator's settings.
    n_windows, n_alerts:
        Closed windows, and how many of them alerted.
    last_value, last_ci:
        The newest window with a value, and its interval.
    pending, late_rows, unmatched_labels:
        Predictions waiting for labels; rows and labels that came too late.
    delivery_failures, callback_errors:
        Alerts that could not be delivered, callbacks that raised.
    """

    check = "continuous_evaluation"

    metric: str
    threshold: float
    threshold_kind: str
    alert_on: str
    confidence: float
    window: str
    n_windows: int
    n_alerts: int
    last_value: float | None
    last_ci: tuple | None
    pending: int
    late_rows: int
    unmatched_labels: int
    delivery_failures: int
    callback_errors: int
    _history: Any = internal()

    def to_frame(self):
        """One row per closed window (as :attr:`ContinuousEvaluator.history`)."""
        return _history_frame(self._history)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["windows"] = jsonable(self._history)
        return out

    def record_metrics(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "threshold": self.threshold,
            "threshold_kind": self.threshold_kind,
            "n_windows": self.n_windows,
            "n_alerts": self.n_alerts,
            "last_value": self.last_value,
            "last_ci": list(self.last_ci) if self.last_ci else None,
            "pending": self.pending,
            "delivery_failures": self.delivery_failures,
        }

    def _html_sections(self) -> list[str]:
        rows = self._history[-20:]
        body = [
            (
                str(r["window_start"]),
                str(r["window_end"]),
                r["rows"],
                r["pending"],
                r["value"],
                r["ci_low"],
                r["ci_high"],
                "ALERT" if r["alert"] else "",
                r["note"],
            )
            for r in rows
        ]
        out = [
            H.table(
                body,
                header=(
                    "from",
                    "to",
                    "rows",
                    "pending",
                    self.metric,
                    "CI low",
                    "CI high",
                    "",
                    "note",
                ),
                align_right_from=2,
            )
        ]
        if len(self._history) > 20:
            out.append(
                f"<div>… {len(self._history) - 20} earlier windows; "
                "<code>.to_frame()</code> has them all.</div>"
            )
        extra = []
        if self.delivery_failures:
            extra.append(f"{self.delivery_failures} alert(s) could not be delivered")
        if self.callback_errors:
            extra.append(f"{self.callback_errors} alert callback(s) raised")
        if self.late_rows:
            extra.append(f"{self.late_rows:,} late rows left out")
        if self.unmatched_labels:
            extra.append(f"{self.unmatched_labels:,} labels matched no prediction")
        if extra:
            out.append(f"<div>{H.esc('; '.join(extra))}</div>")
        return out

    def plot(self, ax: Any = None):
        """The metric per window, its confidence band, the threshold line and the
        alerting windows in red; returns the matplotlib Figure."""
        from ..render.plots import PALETTE, new_axes, plain_text

        fig, ax = new_axes(ax, figsize=(6.0, 3.0))
        hist = self._history
        time_axis = bool(hist) and not isinstance(hist[0]["window_start"], int)
        if time_axis:
            x = [_naive(r["window_start"]) for r in hist]
        else:
            x = [r["window"] for r in hist]
        value = np.array([_nan(r["value"]) for r in hist], dtype=np.float64)
        lo = np.array([_nan(r["ci_low"]) for r in hist], dtype=np.float64)
        hi = np.array([_nan(r["ci_high"]) for r in hist], dtype=np.float64)
        if hist:
            ax.fill_between(
                x,
                lo,
                hi,
                color=PALETTE["line"],
                alpha=0.18,
                linewidth=0,
                label=f"{self.confidence:.0%} CI",
            )
            ax.plot(
                x, value, marker="o", ms=3, color=PALETTE["line"], label=self.metric
            )
            bad = [i for i, r in enumerate(hist) if r["alert"]]
            if bad:
                ax.scatter(
                    [x[i] for i in bad],
                    value[bad],
                    color=PALETTE["minority"],
                    zorder=3,
                    label="alert",
                )
        ax.axhline(
            self.threshold,
            color=PALETTE["minority"],
            linestyle="--",
            linewidth=1,
            label=f"threshold {self.threshold:g}",
        )
        ax.set_ylabel(plain_text(self.metric))
        ax.set_xlabel("window start" if time_axis else "window")
        ax.set_title(
            plain_text(f"{self.metric} per window ({self.window})"), fontsize=10
        )
        ax.legend(fontsize=7, frameon=False)
        if time_axis:
            for label in ax.get_xticklabels():
                label.set_rotation(30)
                label.set_horizontalalignment("right")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        return fig


# ---------------------------------------------------------------------------------
def _verdict(ev: ContinuousEvaluator, hist: list[dict], failures: int):
    rule = "below" if ev.threshold_kind == "min" else "above"
    level = f"{ev.confidence:.0%}"
    evaluated = [r for r in hist if not _isnan(r["value"])]
    if not evaluated:
        what = (
            f"{len(hist)} window(s) closed, none with a value"
            if hist
            else ("no window closed yet")
        )
        return "info", (
            f"{what}: {ev.rows_seen:,} rows ingested, {ev.pending:,} pending"
        )
    last = hist[-1]
    alerts = [r for r in hist if r["alert"]]
    tail = f"; {len(alerts)} of {len(hist)} windows alerted" if alerts else ""
    if failures:
        tail += f"; {failures} alert(s) could not be delivered"
    if last["alert"]:
        return "fail", (
            f"{ev.metric} {last['value']:.3g} ({level} CI {last['ci_low']:.3g}–"
            f"{last['ci_high']:.3g}) in the last window ({_span(last)}, "
            f"{last['rows']:,} rows) is {rule} the threshold {ev.threshold:g}{tail}"
        )
    shown = evaluated[-1]
    now = f"the last is {shown['value']:.3g} ({level} CI {shown['ci_low']:.3g}–" + (
        f"{shown['ci_high']:.3g})"
    )
    if alerts:
        first = ", ".join(_span(r) for r in alerts[:3])
        return "warn", (
            f"{len(alerts)} earlier window(s) of {len(hist)} had {ev.metric} {rule} "
            f"{ev.threshold:g} ({first}); {now}"
            + (f"; {failures} alert(s) could not be delivered" if failures else "")
        )
    ok = "at or above" if ev.threshold_kind == "min" else "at or below"
    summary = (
        f"{ev.metric} stayed {ok} {ev.threshold:g} in all {len(evaluated)} evaluated "
        f"window(s); {now}"
    )
    if failures:
        return "warn", summary + f"; {failures} alert(s) could not be delivered"
    return "pass", summary


def _span(r: dict) -> str:
    if isinstance(r["window_start"], int):
        return f"rows {r['window_start']:,}–{r['window_end'] - 1:,}"
    return _span_text(r["window_start"], r["window_end"])


def _span_text(start: Any, end: Any) -> str:
    """``2024-01-04 – 2024-01-05`` (dates alone when both are midnights)."""

    def one(ts: Any) -> str:
        if ts.hour == ts.minute == ts.second == 0 and not ts.microsecond:
            text = ts.strftime("%Y-%m-%d")
        elif ts.second == 0 and not ts.microsecond:
            text = ts.strftime("%Y-%m-%d %H:%M")
        else:
            text = ts.strftime("%Y-%m-%d %H:%M:%S")
        return text + (" UTC" if ts.tzinfo is not None else "")

    return f"{one(start)} – {one(end)}"


def _history_frame(hist: list[dict]):
    import pandas as pd

    cols = [
        "window",
        "window_start",
        "window_end",
        "rows",
        "pending",
        "metric",
        "value",
        "ci_low",
        "ci_high",
        "threshold",
        "alert",
        "drifted_features",
        "note",
    ]
    return pd.DataFrame(hist, columns=cols)


def _callbacks(callbacks: Any) -> list[Callable]:
    if callbacks is None:
        return []
    items = [callbacks] if callable(callbacks) else list(callbacks)
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


def _redact(url: str) -> str:
    """The URL without its query and credentials (webhook tokens often live there)."""
    p = urllib.parse.urlsplit(url)
    host = p.hostname or ""
    if p.port:
        host = f"{host}:{p.port}"
    return urllib.parse.urlunsplit((p.scheme, host, p.path, "", ""))


def _parse_times(arr: np.ndarray) -> Any:
    """UTC times from datetimes or strings; ISO 8601 strings may differ in form
    from row to row (with and without seconds or offsets)."""
    import warnings

    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "could not infer format"
        try:
            return pd.to_datetime(arr, utc=True)
        except (TypeError, ValueError):
            if arr.dtype.kind not in "OSU":
                raise
            return pd.to_datetime(arr, utc=True, format="ISO8601")


def _tz_aware(values: Any) -> bool:
    tz = getattr(getattr(values, "dt", None), "tz", None) or getattr(values, "tz", None)
    if tz is not None:
        return True
    try:
        first = values[0] if len(values) else None
    except (KeyError, IndexError, TypeError):
        first = None
    return getattr(first, "tzinfo", None) is not None


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _isnan(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _nan(v: Any) -> float:
    return math.nan if v is None else float(v)


def _naive(ts: Any) -> Any:
    return ts.tz_localize(None) if getattr(ts, "tzinfo", None) is not None else ts


def _now() -> str:
    from ..checklist.result import _now as now

    return now()
