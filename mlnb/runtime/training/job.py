"""The handle every training backend returns: state, trials, logs, metrics, events.

:class:`TrainingJob` holds the bookkeeping every backend shares (the state machine,
trials, log tails, metric rows, subscribers, waiting, the best result); a backend
subclasses it, runs the work on its own threads and reports through the
``_set_state`` / ``_update_trial`` / ``_emit_log`` / ``_emit_metric`` / ``_finish``
helpers. Callbacks run on the backend's thread; a callback that raises is
unsubscribed and logged, it never stops the job.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...errors import TrainingError
from .spec import LaunchSpec

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "STATES",
    "FINAL_STATES",
    "Trial",
    "TrainingResult",
    "TrainingJob",
    "TrainingFailed",
]

log = logging.getLogger(__name__)

STATES = ("queued", "running", "succeeded", "failed", "cancelling", "cancelled")
FINAL_STATES = ("succeeded", "failed", "cancelled")

#: Log lines kept in memory per trial (the full log is in the trial's log file).
LOG_TAIL_LINES = 2000


class TrainingFailed(TrainingError):
    """A training job failed: the message carries the exit code and the last log
    lines."""


@dataclass(frozen=True)
class Trial:
    """One run of the target with one set of parameters.

    Attributes
    ----------
    number:
        The trial number (0, 1, ...).
    params:
        The parameters it got.
    state:
        A word from :data:`STATES`.
    value:
        The last reported value of the objective metric (``None``: not reported).
    metrics:
        The last reported value of every metric.
    started, ended:
        ``time.time()`` stamps.
    exit_code:
        The process's exit code (negative: killed by that signal).
    artifact_dir:
        Where the trial writes its artefacts (``AIP_MODEL_DIR``).
    devices:
        The devices it saw (``("cpu",)`` or ``("cuda:0", ...)``).
    error:
        Why it failed, in one or a few lines (``None`` when it did not).
    """

    number: int
    params: dict
    state: str = "queued"
    value: float | None = None
    metrics: dict = field(default_factory=dict)
    started: float | None = None
    ended: float | None = None
    exit_code: int | None = None
    artifact_dir: str | None = None
    devices: tuple[str, ...] = ()
    error: str | None = None

    @property
    def duration(self) -> float | None:
        """Seconds from start to end (to now while running)."""
        if self.started is None:
            return None
        return (self.ended if self.ended is not None else time.time()) - self.started

    def row(self) -> dict[str, Any]:
        """The trial as a table row: ``trial``, ``state``, ``value``, ``seconds``,
        ``exit_code``, ``devices`` (comma-joined), ``params``, ``metrics``, ``error``
        (what the step-3 record keeps and the trials tables show)."""
        return {
            "trial": self.number,
            "state": self.state,
            "value": self.value,
            "seconds": self.duration,
            "exit_code": self.exit_code,
            "devices": ",".join(self.devices),
            "params": dict(self.params),
            "metrics": dict(self.metrics),
            "error": self.error,
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe (non-finite numbers become ``None``)."""
        from ...core.jsonsafe import jsonable

        d = dataclasses.asdict(self)
        d["devices"] = list(self.devices)
        d["duration"] = self.duration
        return jsonable(d)


@dataclass(frozen=True)
class TrainingResult:
    """The best trial of a finished job (a tool result, not a pass/fail check: it has
    no status).

    Attributes
    ----------
    trial:
        Its number.
    params, metrics:
        Its parameters and last reported metrics.
    value:
        The objective's value (``None`` when no metric was set).
    metric, goal:
        The objective and its direction.
    artifact_dir:
        Where its artefacts are.
    duration:
        Seconds the trial ran.
    """

    trial: int
    params: dict
    metrics: dict
    value: float | None
    metric: str | None
    goal: str
    artifact_dir: str | None
    duration: float | None

    def to_dict(self) -> dict[str, Any]:
        from ...core.jsonsafe import jsonable

        return jsonable(dataclasses.asdict(self))

    def _repr_html_(self) -> str:
        from ...render.training import result_html

        return result_html(self)


def best_trial(trials: list[Trial], metric: str | None, goal: str) -> Trial | None:
    """The best succeeded trial by ``metric`` and ``goal`` (ties: the lowest number);
    without a metric the first succeeded trial."""
    done = sorted((t for t in trials if t.state == "succeeded"), key=lambda t: t.number)
    if metric is None:
        return done[0] if done else None
    scored = [t for t in done if t.value is not None and math.isfinite(t.value)]
    if not scored:
        return None
    sign = -1.0 if goal == "maximize" else 1.0
    return min(scored, key=lambda t: (sign * t.value, t.number))


class TrainingJob:
    """A running or finished training job (base class; backends subclass it).

    Attributes
    ----------
    spec:
        The :class:`~mlnb.train.LaunchSpec` it runs.
    backend:
        ``"local"`` or ``"vertex"``.
    """

    backend: str = "base"

    def __init__(self, spec: LaunchSpec, backend: str | None = None) -> None:
        self.spec = spec
        if backend is not None:
            self.backend = backend
        self._lock = threading.RLock()
        self._done_event = threading.Event()
        self._state = "queued"
        self._trials: dict[int, Trial] = {}
        self._logs: dict[int | None, deque] = {}
        self._metric_rows: list[dict[str, Any]] = []
        self._subscribers: dict[int, Callable[[dict], Any]] = {}
        self._next_sub = 0
        self._created = time.time()
        self._started: float | None = None
        self._ended: float | None = None
        self._error: str | None = None
        self._record = None
        self._finishing = False
        self._interrupted_wait = False

    # ------------------------------------------------------------------ public
    @property
    def state(self) -> str:
        """The job's state: a word from :data:`STATES`."""
        return self._state

    @property
    def done(self) -> bool:
        """True once the job succeeded, failed or was cancelled."""
        return self._done_event.is_set()

    @property
    def error(self) -> str | None:
        """Why the job failed (``None`` unless it did)."""
        return self._error

    @property
    def duration(self) -> float | None:
        """Seconds from start to end (to now while running; ``None`` before start)."""
        if self._started is None:
            return None
        end = self._ended if self._ended is not None else time.time()
        return end - self._started

    def best(self) -> Trial | None:
        """The best succeeded trial so far (:func:`best_trial`), ``None`` if none."""
        return best_trial(self.trials(), self.spec.metric, self.spec.goal)

    def trials(self) -> list[Trial]:
        """The trials so far, by number."""
        with self._lock:
            return [self._trials[k] for k in sorted(self._trials)]

    def logs(self, trial: int | None = None, tail: int | None = 200) -> str:
        """The log of one trial (``None``: every trial, each line prefixed with its
        number), its last ``tail`` lines (``None``: all kept in memory)."""
        with self._lock:
            if trial is None:
                lines = []
                for n in sorted(k for k in self._logs if k is not None):
                    lines.extend(f"[{n}] {line}" for line in self._logs[n])
                lines.extend(self._logs.get(None, ()))
            else:
                lines = list(self._logs.get(trial, ()))
        if tail is not None:
            lines = lines[-tail:] if tail > 0 else []
        return "\n".join(lines)

    def metrics(self) -> pd.DataFrame:
        """Every reported metric, long: columns ``trial, step, metric, value, time``."""
        import pandas as pd

        with self._lock:
            rows = list(self._metric_rows)
        return pd.DataFrame(rows, columns=["trial", "step", "metric", "value", "time"])

    def wait(self, timeout: float | None = None, progress: bool = False) -> TrainingJob:
        """Block until the job ends (or ``timeout`` seconds pass).

        Ctrl-C stops waiting, not the job: it says so and returns; ``job.cancel()``
        stops the job.

        Parameters
        ----------
        timeout:
            Seconds to wait at most (``None``: until the job ends).
        progress:
            Show a progress bar of finished trials.

        Returns
        -------
        TrainingJob
            ``self``, so ``launch(...).wait().result()`` chains.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        bar = self._progress_bar() if progress else None
        try:
            while not self._done_event.is_set():
                slice_ = 0.25 if bar is not None else 1.0
                if deadline is not None:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    slice_ = min(slice_, left)
                self._done_event.wait(slice_)
                if bar is not None:
                    self._update_bar(bar)
        except KeyboardInterrupt:
            self._interrupted_wait = True
            print(
                f"Stopped waiting; the training job {self.spec.name!r} runs on "
                f"(state: {self.state}). job.cancel() stops it, job.wait() waits again."
            )
        finally:
            if bar is not None:
                self._update_bar(bar)
                bar.close()
        return self

    def show_progress(self) -> None:
        """Show a progress bar of trials that follows the job without blocking
        (``launch(..., progress=True)``); it closes when the job ends."""
        bar = self._progress_bar()
        lock = threading.Lock()
        closed = [False]

        def on_event(event: dict) -> None:
            if event["type"] not in ("trial", "state"):
                return
            with lock:
                if closed[0]:
                    return
                self._update_bar(bar)
                if event["type"] == "state" and event["state"] in FINAL_STATES:
                    closed[0] = True
                    bar.close()
                    unsubscribe()

        unsubscribe = self.subscribe(on_event)
        if self.done:
            on_event({"type": "state", "state": self.state, "time": time.time()})

    def cancel(self) -> None:
        """Stop the job (backends implement it)."""
        raise NotImplementedError

    def result(self) -> TrainingResult:
        """The best trial by the metric and goal (ties: the lowest trial number).

        Raises
        ------
        TrainingError
            The job has not ended yet (call ``job.wait()`` first).
        TrainingFailed
            The job failed or was cancelled before any trial succeeded; the message
            carries the exit code and the last log lines.
        """
        if not self.done:
            raise TrainingError(
                f"the training job {self.spec.name!r} is {self.state}, not done; call "
                f"job.wait() first (or job.result() after it ends)"
            )
        trials = self.trials()
        best = best_trial(trials, self.spec.metric, self.spec.goal)
        if best is None:
            raise TrainingFailed(self._failure_message())
        return self._result_of(best)

    def _result_of(self, trial: Trial) -> TrainingResult:
        """The result a finished ``trial`` stands for (objective from the spec)."""
        return TrainingResult(
            trial=trial.number,
            params=dict(trial.params),
            metrics=dict(trial.metrics),
            value=trial.value,
            metric=self.spec.metric,
            goal=self.spec.goal,
            artifact_dir=trial.artifact_dir,
            duration=trial.duration,
        )

    def subscribe(self, callback: Callable[[dict], Any]) -> Callable[[], None]:
        """Call ``callback(event)`` for each event; returns the function that
        unsubscribes.

        Events (dicts) come from a background thread:
        ``{"type": "state", "state", "time"}``, ``{"type": "trial", "trial": Trial}``,
        ``{"type": "log", "trial", "lines"}``,
        ``{"type": "metric", "trial", "step", "metrics", "time"}``. A callback that
        raises is unsubscribed (the error is logged); it never stops the job.
        """
        if not callable(callback):
            from ...errors import MlnbValueError

            raise MlnbValueError(
                f"subscribe(callback) needs a function taking one event dict, got "
                f"{type(callback).__name__}"
            )
        with self._lock:
            key = self._next_sub
            self._next_sub += 1
            self._subscribers[key] = callback

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers.pop(key, None)

        return unsubscribe

    def record(self):
        """The step-3 record of this run (:class:`~mlnb.train.TrainingRun`)."""
        if self._record is None:
            from .record import build_record

            rec = build_record(self)
            if not self.done:
                return rec
            self._record = rec
        return self._record

    def _repr_html_(self) -> str:
        from ...render.training import job_html

        return job_html(self)

    def __repr__(self) -> str:
        n = len(self._trials)
        return (
            f"<{type(self).__name__} {self.spec.name!r} backend={self.backend} "
            f"state={self.state} trials={n}/{self.spec.max_trials}>"
        )

    # --------------------------------------------------------- for backends
    def _emit(self, event: dict) -> None:
        with self._lock:
            subs = list(self._subscribers.items())
        for key, cb in subs:
            try:
                cb(event)
            except Exception:  # a subscriber's bug never stops the job
                log.exception("training job subscriber raised; unsubscribed")
                with self._lock:
                    self._subscribers.pop(key, None)

    def _set_state(self, state: str) -> None:
        assert state in STATES, state
        with self._lock:
            if self._state == state or self._finishing:
                return  # a finished job's state never changes again
            self._state = state
            now = time.time()
            if state == "running" and self._started is None:
                self._started = now
        self._emit({"type": "state", "state": state, "time": now})

    def _update_trial(self, trial: Trial) -> None:
        with self._lock:
            self._trials[trial.number] = trial
        self._emit({"type": "trial", "trial": trial})

    def _replace_trial(self, number: int, **changes: Any) -> Trial:
        with self._lock:
            trial = dataclasses.replace(self._trials[number], **changes)
            self._trials[number] = trial
        self._emit({"type": "trial", "trial": trial})
        return trial

    def _emit_log(self, trial: int | None, lines: list[str]) -> None:
        if not lines:
            return
        with self._lock:
            buf = self._logs.get(trial)
            if buf is None:
                buf = self._logs[trial] = deque(maxlen=LOG_TAIL_LINES)
            buf.extend(lines)
        self._emit({"type": "log", "trial": trial, "lines": list(lines)})

    def _emit_metric(
        self, trial: int, step: int | None, metrics: dict[str, float], when: float
    ) -> None:
        with self._lock:
            for name, value in metrics.items():
                self._metric_rows.append(
                    {
                        "trial": trial,
                        "step": step,
                        "metric": name,
                        "value": value,
                        "time": when,
                    }
                )
            t = self._trials.get(trial)
            if t is not None:
                merged = {**t.metrics, **metrics}
                value = t.value
                if self.spec.metric is not None and self.spec.metric in metrics:
                    value = float(metrics[self.spec.metric])
                self._trials[trial] = dataclasses.replace(
                    t, metrics=merged, value=value
                )
        self._emit(
            {
                "type": "metric",
                "trial": trial,
                "step": step,
                "metrics": dict(metrics),
                "time": when,
            }
        )

    def _finish(self, state: str, error: str | None = None) -> None:
        assert state in FINAL_STATES, state
        with self._lock:
            if self._done_event.is_set() or self._finishing:
                return
            self._finishing = True
            self._error = error
            self._ended = time.time()
            if self._started is None:
                self._started = self._ended
            self._state = state
        # the record (history, publishing) is ready before anyone sees the end
        try:
            self._on_finished()
        finally:
            self._done_event.set()
            self._emit({"type": "state", "state": state, "time": self._ended})

    def _on_finished(self) -> None:
        """Run once when the job ends, before anyone sees the end: builds the step-3
        record, adds the run to the history and publishes the record when the
        launch asked to (``spec.publish``). A problem there is logged, never
        raised: it must not hide the run's own outcome."""
        from .record import finish_record

        try:
            finish_record(self)
        except Exception:
            log.exception("could not build the training record")

    def _failure_message(self) -> str:
        trials = self.trials()
        head = f"the training job {self.spec.name!r} {self.state}"
        if self._error:
            head += f": {self._error}"
        failed = [t for t in trials if t.state == "failed"]
        if failed:
            last = failed[-1]
            head += (
                f"\ntrial {last.number} failed"
                + (
                    f" with exit code {last.exit_code}"
                    if last.exit_code not in (None, 0)
                    else ""
                )
                + (
                    f": {last.error}"
                    if last.error and last.error != f"exit code {last.exit_code}"
                    else ""
                )
            )
            tail = self.logs(last.number, tail=20)
            if tail:
                head += f"\nlast log lines of trial {last.number}:\n{tail}"
        elif self.spec.metric is not None and any(
            t.state == "succeeded" for t in trials
        ):
            reported = sorted({k for t in trials for k in t.metrics})
            head += (
                f"\nno trial reported the metric {self.spec.metric!r} (reported: "
                f"{', '.join(reported) or 'nothing'}); call "
                f"mlnb.train.report({self.spec.metric}=...) in the script"
            )
        return head

    def _progress_bar(self):
        from tqdm.auto import tqdm

        bar = tqdm(
            total=self.spec.max_trials, desc=f"{self.spec.name} trials", unit="trial"
        )
        self._update_bar(bar)
        return bar

    def _update_bar(self, bar: Any) -> None:
        trials = self.trials()
        finished = sum(t.state in FINAL_STATES for t in trials)
        running = sum(t.state == "running" for t in trials)
        if finished > bar.n:
            bar.update(finished - bar.n)
        best = best_trial(trials, self.spec.metric, self.spec.goal)
        post = {"running": running}
        if best is not None and best.value is not None:
            post[f"best {self.spec.metric}"] = f"{best.value:.4g}"
        bar.set_postfix(post, refresh=True)
