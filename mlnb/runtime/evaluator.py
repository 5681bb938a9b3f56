"""Step 9: continuous evaluation — the model's metric per window, with alerts.

:class:`ContinuousEvaluator` takes the model's predictions and the ground truth
as they arrive, cuts them into windows (:mod:`~mlnb.runtime.windows`), computes
the metric of every closed window with a confidence interval
(:mod:`~mlnb.runtime.window_metric`, metrics from :mod:`mlnb.core.metrics`), and
raises an :class:`~mlnb.runtime.delivery.Alert` when the metric crosses its alert
level. Alerts go to Python callbacks, to the log (``warning`` on the
``mlnb.runtime.evaluator`` logger) and, optionally, to a webhook (an HTTP POST of
a JSON payload, retried with exponential backoff; a failed delivery is logged and
recorded, never raised; :mod:`~mlnb.runtime.delivery`).

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

import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..checklist.result import CheckResult, internal, judge
from ..core import metrics as registry
from ..core.conditions import Condition, as_conditions, decide
from ..core.jsonsafe import jsonable
from ..core.labels import as_1d, check_same_length, is_real
from ..errors import MlnbError, MlnbValueError
from ..render import html as H
from .delivery import Alert, AlertDispatcher, CallbackError, Delivery
from .inputs import read_features, read_ids, read_labels, read_scores
from .window_metric import CLOSED_FORM, window_metric, window_task
from .windows import ClosedWindow, Windows, span_text

__all__ = ["ContinuousEvaluator", "ContinuousEvaluationResult"]

ALERT_ON = ("estimate", "interval")
#: Fewer labeled rows than this in a window: the metric is shown, no alert is
#: raised (the normal approximations behind the intervals need a few dozen rows).
DEFAULT_MIN_ROWS = 30
#: The values a condition on a continuous evaluation may read.
CONDITION_VALUES = (
    "n_windows",
    "n_evaluated",
    "n_alerts",
    "last_window_alerted",
    "last_value",
    "last_ci_low",
    "last_ci_high",
    "min_value",
    "max_value",
    "delivery_failures",
    "callback_errors",
    "pending",
    "late_rows",
    "unmatched_labels",
    "rows_seen",
)
HISTORY_COLUMNS = (
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
    "drifted_features",
    "note",
)


# ---------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True, repr=False)
class ContinuousEvaluationResult(CheckResult):
    """The metric of every closed window, its interval, and the alerts.

    The status comes from conditions (:class:`mlnb.Condition`) over these values:
    ``n_windows``, ``n_evaluated`` (windows with a value), ``n_alerts``,
    ``last_window_alerted`` (1 when the newest closed window alerted, else 0),
    ``last_value``, ``last_ci_low``, ``last_ci_high`` (the newest window with a
    value), ``min_value``, ``max_value`` (over the evaluated windows),
    ``delivery_failures``, ``callback_errors``, ``pending``, ``late_rows``,
    ``unmatched_labels``, ``rows_seen``.

    Default conditions (:attr:`DEFAULT_CONDITIONS`), worst wins:

    - ``last_window_alerted < 1`` → **fail**: the model is past its alert level now;
    - ``n_alerts < 1`` → **warn**: an earlier window alerted (it recovered since);
    - ``delivery_failures < 1`` → **warn**: an alert did not reach the webhook;
    - ``n_evaluated >= 1`` → **info** until a window with a value has closed.

    Attributes
    ----------
    metric, alert_level, alert_side, alert_on, confidence, window:
        The evaluator's settings (``alert_side``: ``"below"`` or ``"above"``).
    n_windows, n_alerts:
        Closed windows, and how many of them alerted.
    last_value, last_ci:
        The newest window with a value, and its interval.
    pending, late_rows, unmatched_labels:
        Predictions waiting for labels; rows and labels that came too late.
    delivery_failures, callback_errors:
        Alerts that could not be delivered, callbacks that raised.
    """

    check: ClassVar[str] = "continuous_evaluation"
    DEFAULT_CONDITIONS: ClassVar[tuple] = (
        Condition(
            "last_window_alerted",
            "<",
            1,
            name="the last window did not alert",
            why=(
                "the newest closed window crossed the alert level you set "
                "(alert_below= / alert_above=): the model is degraded now"
            ),
        ),
        Condition(
            "n_alerts",
            "<",
            1,
            status="warn",
            name="no window alerted",
            why=(
                "an earlier window crossed the alert level; the metric recovered "
                "since, but what happened then is worth a look"
            ),
        ),
        Condition(
            "delivery_failures",
            "<",
            1,
            status="warn",
            name="every alert delivered",
            why="an alert that never reached the webhook paged nobody",
        ),
        Condition(
            "n_evaluated",
            ">=",
            1,
            status="info",
            name="at least one window evaluated",
            why="nothing can be judged before a window with labels has closed",
        ),
    )

    metric: str
    alert_level: float
    alert_side: str
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
    window_history: tuple = internal(default=())

    def to_frame(self):
        """One row per closed window (as :attr:`ContinuousEvaluator.history`)."""
        return _history_frame(self.window_history)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["windows"] = jsonable(list(self.window_history))
        return out

    def record_metrics(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "alert_level": self.alert_level,
            "alert_side": self.alert_side,
            "n_windows": self.n_windows,
            "n_alerts": self.n_alerts,
            "last_value": self.last_value,
            "last_ci": list(self.last_ci) if self.last_ci else None,
            "pending": self.pending,
            "delivery_failures": self.delivery_failures,
        }

    def _html_sections(self) -> list[str]:
        hist = self.window_history
        rows = hist[-20:]
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
        if len(hist) > 20:
            out.append(
                f"<div>… {len(hist) - 20} earlier windows; "
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

    def plot(self, *, ax: Any = None):
        """The metric per window, its confidence band, the alert level and the
        alerting windows in red; returns the matplotlib Axes."""
        from ..render.monitoring import plot_windows

        return plot_windows(
            self.window_history,
            metric=self.metric,
            alert_level=self.alert_level,
            confidence=self.confidence,
            window=self.window,
            ax=ax,
        )


# ---------------------------------------------------------------------------------
class ContinuousEvaluator:
    """Track a model's metric per window of new data and alert when it degrades.

    Every argument is keyword-only.

    Parameters
    ----------
    metric:
        A binary-classification or regression metric of the registry
        (:mod:`mlnb.core.metrics`): ``"accuracy"``, ``"recall"``,
        ``"precision"``, ``"f1"``, ``"fpr"``, ``"fnr"``, ``"roc_auc"``,
        ``"average_precision"``, ``"log_loss"`` (labels 0/1, or any labels with
        ``positive_label``), ``"mae"``, ``"rmse"``, ... or one registered with
        :func:`mlnb.register_metric` (computed with its function: a value, no
        interval).
    alert_below, alert_above:
        The alert level — give exactly one. ``alert_below=0.8``: alert when the
        metric falls below 0.8 (metrics where higher is better: accuracy,
        recall, ROC AUC, ...); ``alert_above=0.4``: when it rises above 0.4
        (lower is better: log loss, MAE, RMSE, error rates). The registry's
        direction decides which one a metric takes; descriptive metrics (label
        rate, mean prediction) take either. There is no default: a common
        choice is the validation score minus the margin you accept.
    window:
        A pandas offset (``"1D"``, ``"6h"``, ``"W-MON"``, ``"MS"``) for windows in
        time, or an int: that many labeled rows per window. See the module
        docstring.
    decision_threshold:
        Scores at or above it predict the positive class (accuracy, precision,
        recall, f1, ...). Hard 0/1 predictions work as they are.
    positive_label:
        The positive class when labels are not 0/1 (``"fraud"``, ``True``).
    confidence:
        Level of the confidence intervals (default 0.95).
    alert_on:
        ``"estimate"`` (default): alert when the window's value crosses the
        alert level — what managed monitoring services do, and the earliest
        warning. ``"interval"``: only when the whole confidence interval is past
        it (upper bound below ``alert_below``, lower bound above
        ``alert_above``) — fewer false alarms from small windows, later alerts.
    min_rows:
        Windows with fewer labeled rows show their metric but raise no alert
        (default 30).
    allowed_lateness:
        Time windows only: how long after its end a window stays open for late
        rows and labels (a pandas Timedelta or string such as ``"2h"``; default
        0).
    callbacks:
        Callables called with each :class:`~mlnb.runtime.delivery.Alert`. An
        exception in a callback is logged and recorded in
        :attr:`callback_errors`; it never stops ingestion.
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
        Where alerts are logged (default
        ``logging.getLogger("mlnb.runtime.evaluator")``).
    reference:
        Optional: the training data (a DataFrame) or its
        :class:`~mlnb.core.profile.Profile`. When given, and batches carry
        ``features``, every closed window also runs :func:`mlnb.drift` against
        it; the drifted features go into the history and the alerts.
    drift_options:
        Keyword arguments for :func:`mlnb.drift` (``method``, ``features``,
        ``categorical``, ...).
    conditions:
        :class:`mlnb.Condition` objects that replace the default status rules of
        :meth:`result` (see :class:`ContinuousEvaluationResult` for the values
        they may read and the defaults).

    Examples
    --------
    >>> ev = ContinuousEvaluator(
    ...     metric="accuracy", alert_below=0.8, window="1D",
    ...     webhook="https://alerts.example/hook",
    ... )  # doctest: +SKIP
    >>> ev.update(y_true, model.predict(X), timestamps=df["time"])  # doctest: +SKIP
    >>> ev.flush(); ev.history; ev.result()  # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        metric: str,
        alert_below: float | None = None,
        alert_above: float | None = None,
        window: Any = "1D",
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
        conditions: Any = None,
    ) -> None:
        self.metric = metric
        self.task = window_task(metric)
        spec = registry.get(metric)
        self.alert_below = alert_below
        self.alert_above = alert_above
        #: The alert level and its side (``"below"`` / ``"above"``).
        self.alert_level, self.alert_side = _alert_level(
            metric, spec.higher_is_better, alert_below, alert_above
        )
        lo, hi = spec.range
        if not lo <= self.alert_level <= hi:
            name = f"alert_{self.alert_side}"
            raise MlnbValueError(
                f"{name}={self.alert_level!r} is outside the range of {metric} "
                f"[{lo:g}, {hi:g}], so the alert would fire always or never; pass a "
                f"level in [{lo:g}, {hi:g}]"
            )
        if alert_on not in ALERT_ON:
            raise MlnbValueError(
                f"alert_on must be 'estimate' or 'interval'; got {alert_on!r}"
            )
        if alert_on == "interval" and (metric not in CLOSED_FORM or not spec.builtin):
            raise MlnbValueError(
                f"alert_on='interval' needs a confidence interval, and mlnb has none "
                f"for {metric!r}; use alert_on='estimate'"
            )
        self.alert_on = alert_on
        if not (is_real(confidence) and 0 < confidence < 1):
            raise MlnbValueError(
                f"confidence must be between 0 and 1 (0.95 for 95%); got {confidence!r}"
            )
        self.confidence = float(confidence)
        if not (is_real(decision_threshold) and math.isfinite(decision_threshold)):
            raise MlnbValueError(
                f"decision_threshold must be a number (scores at or above it predict "
                f"the positive class); got {decision_threshold!r}"
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
        if logger is not None and not (
            callable(getattr(logger, "warning", None))
            and callable(getattr(logger, "error", None))
        ):
            raise MlnbValueError(
                f"logger must be a logging.Logger (or None for mlnb's own); got "
                f"{type(logger).__name__} {logger!r}"
            )
        if not isinstance(background, (bool, np.bool_)):
            raise MlnbValueError(
                f"background must be True or False; got {background!r}"
            )
        if drift_options is not None and not isinstance(drift_options, dict):
            raise MlnbValueError(
                f"drift_options must be a dict of mlnb.drift() keyword arguments "
                f"(e.g. {{'method': 'psi'}}); got {type(drift_options).__name__}"
            )
        self.logger = logger if logger is not None else logging.getLogger(__name__)
        self._windows = Windows(window, allowed_lateness, logger=self.logger)
        self._delivery = AlertDispatcher(
            logger=self.logger,
            callbacks=callbacks,
            webhook=webhook,
            webhook_headers=webhook_headers,
            webhook_timeout=webhook_timeout,
            retries=retries,
            backoff=backoff,
            background=background,
        )
        self.drift_options = dict(drift_options or {})
        self._reference = self._prepare_reference(reference)
        self.conditions = _check_conditions(conditions)
        #: Per window number: the :class:`~mlnb.checks.drift.DriftReport` (when a
        #: ``reference`` was given).
        self.drift_reports: dict[int, Any] = {}
        self._history: list[dict[str, Any]] = []

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
        from ..core.frames import to_pandas
        from ..core.profile import Profile, profile

        allowed = {
            name
            for name in inspect.signature(drift).parameters
            if not name.startswith("_")
        } - {"reference", "current", "publish"}
        unknown = sorted(set(self.drift_options) - allowed)
        if unknown:
            raise MlnbValueError(
                f"drift_options has unknown keys {unknown}; mlnb.drift accepts "
                f"{', '.join(sorted(allowed))}"
            )
        if isinstance(reference, Profile):
            return reference
        ref = to_pandas(reference, role="reference")
        if self.drift_options.get("method", "vertex") == "evidently":
            return ref  # Evidently's tests need the raw values
        keys = ("features", "categorical", "bins", "max_categories")
        return profile(
            ref, **{k: self.drift_options[k] for k in keys if k in self.drift_options}
        )

    # -- what the parts hold -------------------------------------------------------
    @property
    def window(self) -> Any:
        """The window: an offset string (``"1D"``) or a row count."""
        return self._windows.window

    @property
    def time_windows(self) -> bool:
        """True for windows in time, False for row-count windows."""
        return self._windows.time_windows

    @property
    def pending(self) -> int:
        """Predictions still waiting for their label."""
        return self._windows.pending

    @property
    def late_rows(self) -> int:
        """Rows that arrived for a window already closed (left out)."""
        return self._windows.late_rows

    @property
    def unmatched_labels(self) -> int:
        """Labels whose prediction was never seen or whose window had closed."""
        return self._windows.unmatched_labels

    @property
    def rows_seen(self) -> int:
        """Rows ingested (predictions and labeled rows)."""
        return self._windows.rows_seen

    @property
    def labels_seen(self) -> int:
        """Labels received."""
        return self._windows.labels_seen

    @property
    def webhook(self) -> str | None:
        """The webhook URL (None without one)."""
        return self._delivery.webhook

    @property
    def alerts(self) -> list[Alert]:
        """Every alert raised, oldest first."""
        return self._delivery.alerts

    @property
    def deliveries(self) -> list[Delivery]:
        """Every webhook delivery (successful or not), in the order they ended."""
        return self._delivery.deliveries

    @property
    def delivery_failures(self) -> list[Delivery]:
        """Webhook deliveries that failed after every retry."""
        return self._delivery.delivery_failures

    @property
    def undelivered(self) -> list[Alert]:
        """Alerts whose webhook delivery had not ended when the process exited or
        :meth:`close` timed out (each was logged at ``error`` level)."""
        return list(self._delivery.undelivered)

    @property
    def callback_errors(self) -> list[CallbackError]:
        """Callbacks that raised."""
        return self._delivery.callback_errors

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
            The rows' features (a pandas or polars DataFrame, a pyarrow Table or
            a dict of arrays), used for drift when the evaluator has a
            ``reference``.

        Returns
        -------
        list of Alert
            The alerts of the windows this batch closed.

        Raises
        ------
        MlnbValueError, DataValidationError
            Mismatched lengths, missing labels or scores, unreadable timestamps.
        """
        y = self._read_labels(y_true)
        s = read_scores(y_score, metric=self.metric)
        feats = read_features(features)
        check_same_length(
            y_true=y,
            y_score=s,
            timestamps=None if timestamps is None else as_1d(timestamps, name="ts"),
            features=feats,
        )
        ts = self._windows.timestamps(timestamps, len(y))
        self._windows.add_labeled(y, s, ts, feats)
        return self._evaluate_all(self._windows.advance(ts))

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
        id_arr = read_ids(ids)
        s = read_scores(y_score, metric=self.metric)
        feats = read_features(features)
        check_same_length(
            ids=id_arr,
            y_score=s,
            timestamps=None if timestamps is None else as_1d(timestamps, name="ts"),
            features=feats,
        )
        ts = self._windows.timestamps(timestamps, len(s))
        self._windows.add_predictions(id_arr, s, ts, feats)
        return self._evaluate_all(self._windows.advance(ts))

    def add_ground_truth(self, ids: Any, y_true: Any) -> list[Alert]:
        """Join labels to earlier predictions by id.

        Labels whose id is unknown (never predicted, or its window closed
        already) are counted in :attr:`unmatched_labels`. Returns the alerts of
        the windows that closed (count windows close as labels arrive).
        """
        id_arr = read_ids(ids)
        y = self._read_labels(y_true)
        check_same_length(ids=id_arr, y_true=y)
        self._windows.add_labels(id_arr, y)
        return self._evaluate_all(self._windows.advance(None))

    def flush(self, timeout: float | None = None) -> list[Alert]:
        """Close every open window (time windows), or the last partial window
        (count windows), then wait up to ``timeout`` seconds (default: as long
        as it takes, which is bounded by the retry settings) for webhook
        deliveries. Returns the alerts of the windows it closed."""
        _check_timeout(timeout)
        new = self._evaluate_all(self._windows.close_all())
        self._delivery.flush(timeout)
        return new

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for queued webhook deliveries; True when none is left."""
        _check_timeout(timeout)
        return self._delivery.flush(timeout)

    def close(self, timeout: float | None = None) -> None:
        """Deliver what is queued and stop the background thread (windows stay
        open; call :meth:`flush` first to close them)."""
        _check_timeout(timeout)
        self._delivery.close(timeout)

    def __enter__(self) -> ContinuousEvaluator:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.flush()
        self.close()

    def _read_labels(self, y_true: Any) -> np.ndarray:
        return read_labels(
            y_true,
            task=self.task,
            metric=self.metric,
            positive_label=self.positive_label,
        )

    # -- one closed window ---------------------------------------------------------
    def _evaluate_all(self, closed: list[ClosedWindow]) -> list[Alert]:
        alerts = []
        for w in closed:
            alert = self._evaluate(w)
            if alert is not None:
                alerts.append(alert)
        return alerts

    def _evaluate(self, w: ClosedWindow) -> Alert | None:
        value, lo, hi, note = window_metric(
            self.metric,
            w.y_true,
            w.y_score,
            decision_threshold=self.decision_threshold,
            confidence=self.confidence,
        )
        n = len(w.y_true)
        if n < self.min_rows and not note:
            note = f"{n} labeled rows, fewer than min_rows={self.min_rows}: no alert"
        number = len(self._history)
        drifted = self._window_drift(number, w.features)
        breached = n >= self.min_rows and self._breached(value, lo, hi)
        self._history.append(
            {
                "window": number,
                "window_start": w.start,
                "window_end": w.end,
                "rows": n,
                "pending": w.pending,
                "metric": self.metric,
                "value": value,
                "ci_low": lo,
                "ci_high": hi,
                "alert_level": self.alert_level,
                "alert": bool(breached),
                "drifted_features": drifted,
                "note": note,
            }
        )
        if not breached:
            return None
        alert = Alert(
            metric=self.metric,
            value=value,
            ci=(lo, hi),
            alert_level=self.alert_level,
            alert_side=self.alert_side,
            window=number,
            window_start=w.start,
            window_end=w.end,
            rows=n,
            pending=w.pending,
            message=self._message(value, lo, hi, w, n, drifted),
            confidence=self.confidence,
            drifted_features=drifted,
            created=_now(),
        )
        self._delivery.send(alert)
        return alert

    def _breached(self, value: float, lo: float, hi: float) -> bool:
        """The alert rule: the estimate (or the whole interval) past the level."""
        below = self.alert_side == "below"
        probe = value if self.alert_on == "estimate" else (hi if below else lo)
        if probe is None or math.isnan(probe):
            return False
        return probe < self.alert_level if below else probe > self.alert_level

    def _message(self, value, lo, hi, w: ClosedWindow, n, drifted) -> str:
        level = f"{self.confidence:.0%}"
        where = (
            f"window {span_text(w.start, w.end)}"
            if self.time_windows
            else f"labeled rows {w.start:,}–{w.end - 1:,}"
        )
        text = (
            f"{self.metric} {value:.4g}{_ci_text(level, lo, hi, '.4g')} is "
            f"{self.alert_side} the alert level {self.alert_level:g} in {where} "
            f"({n:,} labeled rows, {w.pending:,} pending)"
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

    # -- what came out -------------------------------------------------------------
    @property
    def history(self):
        """One row per closed window: ``window``, ``window_start``,
        ``window_end``, ``rows``, ``pending``, ``metric``, ``value``, ``ci_low``,
        ``ci_high``, ``alert_level``, ``alert``, ``drifted_features``, ``note``."""
        return _history_frame(self._history)

    def result(self, *, publish: bool = True) -> ContinuousEvaluationResult:
        """The evidence for step 9 so far, as a :class:`ContinuousEvaluationResult`.

        Its status comes from the evaluator's ``conditions`` (default:
        :attr:`ContinuousEvaluationResult.DEFAULT_CONDITIONS` — ``fail`` when the
        last closed window alerted, ``warn`` when an earlier one did or an alert
        could not be delivered, ``info`` before any window could be evaluated,
        ``pass`` otherwise).
        """
        # 1 read: the closed windows so far
        hist = [dict(r) for r in self._history]
        failures = len(self.delivery_failures)
        # 2 compute the values conditions may read
        values = self._condition_values(hist, failures)
        # 3 apply the conditions
        status, outcomes = judge(
            self.conditions,
            values,
            defaults=ContinuousEvaluationResult.DEFAULT_CONDITIONS,
            check=ContinuousEvaluationResult.check,
        )
        # 4 word the summary
        summary = self._summary(hist, failures)
        if self.conditions is not None:
            _, decided = decide(outcomes)
            if decided is not None and decided.status != "pass":
                summary += f"; {decided.sentence}"
        last = next((r for r in reversed(hist) if not _isnan(r["value"])), None)
        res = ContinuousEvaluationResult(
            step="drift",
            status=status,
            summary=summary,
            outcomes=outcomes,
            condition_values=values,
            metric=self.metric,
            alert_level=self.alert_level,
            alert_side=self.alert_side,
            alert_on=self.alert_on,
            confidence=self.confidence,
            window=str(self._windows.description),
            n_windows=len(hist),
            n_alerts=sum(r["alert"] for r in hist),
            last_value=None if last is None else last["value"],
            last_ci=None if last is None else (last["ci_low"], last["ci_high"]),
            pending=self.pending,
            late_rows=self.late_rows,
            unmatched_labels=self.unmatched_labels,
            delivery_failures=failures,
            callback_errors=len(self.callback_errors),
            window_history=tuple(hist),
        )
        return res.publish() if publish else res

    def _condition_values(self, hist: list[dict], failures: int) -> dict[str, Any]:
        evaluated = [r["value"] for r in hist if not _isnan(r["value"])]
        last = next((r for r in reversed(hist) if not _isnan(r["value"])), None)
        return {
            "n_windows": len(hist),
            "n_evaluated": len(evaluated),
            "n_alerts": sum(bool(r["alert"]) for r in hist),
            "last_window_alerted": int(bool(hist) and bool(hist[-1]["alert"])),
            "last_value": None if last is None else last["value"],
            "last_ci_low": None if last is None else last["ci_low"],
            "last_ci_high": None if last is None else last["ci_high"],
            "min_value": min(evaluated) if evaluated else None,
            "max_value": max(evaluated) if evaluated else None,
            "delivery_failures": failures,
            "callback_errors": len(self.callback_errors),
            "pending": self.pending,
            "late_rows": self.late_rows,
            "unmatched_labels": self.unmatched_labels,
            "rows_seen": self.rows_seen,
        }

    def _summary(self, hist: list[dict], failures: int) -> str:
        side = self.alert_side
        level = f"{self.confidence:.0%}"
        evaluated = [r for r in hist if not _isnan(r["value"])]
        not_delivered = f"; {failures} alert(s) could not be delivered"
        if not evaluated:
            what = (
                f"{len(hist)} window(s) closed, none with a value"
                if hist
                else "no window closed yet"
            )
            return f"{what}: {self.rows_seen:,} rows ingested, {self.pending:,} pending"
        last = hist[-1]
        alerts = [r for r in hist if r["alert"]]
        if last["alert"]:
            tail = f"; {len(alerts)} of {len(hist)} windows alerted" if alerts else ""
            return (
                f"{self.metric} {last['value']:.3g}"
                f"{_ci_text(level, last['ci_low'], last['ci_high'], '.3g')} in the "
                f"last window ({span_text(last['window_start'], last['window_end'])},"
                f" {last['rows']:,} rows) is {side} the alert level "
                f"{self.alert_level:g}{tail}" + (not_delivered if failures else "")
            )
        shown = evaluated[-1]
        now = f"the last is {shown['value']:.3g}" + _ci_text(
            level, shown["ci_low"], shown["ci_high"], ".3g"
        )
        if alerts:
            first = ", ".join(
                span_text(r["window_start"], r["window_end"]) for r in alerts[:3]
            )
            return (
                f"{len(alerts)} earlier window(s) of {len(hist)} had {self.metric} "
                f"{side} {self.alert_level:g} ({first}); {now}"
                + (not_delivered if failures else "")
            )
        ok = "at or above" if side == "below" else "at or below"
        return (
            f"{self.metric} stayed {ok} {self.alert_level:g} in all "
            f"{len(evaluated)} evaluated window(s); {now}"
            + (not_delivered if failures else "")
        )

    def plot(self, *, ax: Any = None):
        """The metric per window with its interval and the alert level; returns
        the matplotlib Axes."""
        return self.result(publish=False).plot(ax=ax)

    def __repr__(self) -> str:
        return (
            f"<ContinuousEvaluator {self.metric} alert_{self.alert_side} "
            f"{self.alert_level:g}, window {self.window}: {len(self._history)} "
            f"windows closed, {len(self.alerts)} alerts, {self.pending} pending>"
        )


# ---------------------------------------------------------------------------------
def _alert_level(
    metric: str, higher_is_better: bool | None, below: Any, above: Any
) -> tuple[float, str]:
    """The alert level and its side from ``alert_below`` / ``alert_above``; the
    registry's direction says which one a metric with a direction takes."""
    natural = {True: "alert_below", False: "alert_above"}.get(higher_is_better)
    if (below is None) == (above is None):
        hint = (
            f"{metric} is {'higher' if higher_is_better else 'lower'}-is-better, so "
            f"pass {natural}=<level>"
            if natural
            else "pass alert_below=<level> or alert_above=<level>"
        )
        what = "both" if below is not None else "neither"
        raise MlnbValueError(
            f"give exactly one alert level, alert_below= or alert_above=; got {what}. "
            f"{hint} (e.g. ContinuousEvaluator(metric={metric!r}, "
            f"{natural or 'alert_below'}=..., window='1D'))"
        )
    if below is not None:
        name, level = "alert_below", below
    else:
        name, level = "alert_above", above
    if not is_real(level) or not math.isfinite(float(level)):
        raise MlnbValueError(
            f"{name} must be a finite number (the {metric} level that raises an "
            f"alert); got {level!r}"
        )
    if natural is not None and name != natural:
        better = "higher" if higher_is_better else "lower"
        raise MlnbValueError(
            f"{metric} is {better}-is-better, so it degrades "
            f"{'downward' if higher_is_better else 'upward'}: pass {natural}="
            f"{level!r}, not {name}= (which would alert when it improves)"
        )
    return float(level), name.removeprefix("alert_")


def _check_conditions(conditions: Any) -> tuple | None:
    if conditions is None:
        return None
    conds = as_conditions(conditions)
    for c in conds:
        if c.metric not in CONDITION_VALUES:
            raise MlnbValueError(
                f"condition {c.name!r} reads {c.metric!r}, which "
                f"continuous_evaluation() results do not have; conditions can use: "
                f"{', '.join(CONDITION_VALUES)}"
            )
    return conds


def _ci_text(level: str, lo: float, hi: float, fmt: str) -> str:
    if _isnan(lo) or _isnan(hi):
        return ""
    return f" ({level} CI {lo:{fmt}}–{hi:{fmt}})"


def _history_frame(hist: Iterable[dict]):
    import pandas as pd

    return pd.DataFrame(list(hist), columns=list(HISTORY_COLUMNS))


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _check_timeout(timeout: Any) -> None:
    if timeout is None:
        return
    if not (is_real(timeout) and not math.isnan(timeout) and timeout >= 0):
        raise MlnbValueError(
            f"timeout must be seconds >= 0, or None to wait for every retry; got "
            f"{timeout!r}"
        )


def _isnan(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _now() -> str:
    from ..checklist.result import _now as now

    return now()
