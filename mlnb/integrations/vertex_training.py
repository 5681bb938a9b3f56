"""Training on Vertex AI (the ``vertex`` extra): a script as a custom job, a search as
a hyperparameter tuning job, and AutoML tabular — each as a
:class:`~mlnb.train.TrainingJob` handle that a background thread keeps up to date.

:func:`start` is what ``mlnb.train.launch(..., backend="vertex")`` hands its
validated :class:`~mlnb.train.LaunchSpec` to:

- one trial and nothing to search: ``aiplatform.CustomJob.from_local_script`` (the
  script is packaged with its requirements and uploaded to the staging bucket),
  then ``submit()``;
- a search: ``aiplatform.HyperparameterTuningJob`` whose study is built from the
  same search space the local backend uses (:class:`~mlnb.train.Float` ->
  ``DoubleParameterSpec``, :class:`~mlnb.train.Int` -> ``IntegerParameterSpec``,
  :class:`~mlnb.train.Choice` -> ``CategoricalParameterSpec``; ``log=True`` -> a log
  scale); one-value choices are fixed arguments of every trial. Trials report the
  metric with ``mlnb.train.report`` (the hypertune convention).

:func:`automl_tabular` trains an AutoML tabular model; its objective defaults to
what step 4 (``mlnb.imbalance``) recommended in this session.

The handle's poller thread reads the job every ``poll_interval`` seconds (waiting
on an event between reads, so ``cancel()`` or the end wakes it at once), maps
Vertex AI's states to mlnb's words (:data:`JOB_STATE_WORDS`), turns Vertex AI's
trials into :class:`~mlnb.train.Trial` rows and emits ``state``/``trial``/``metric``
events. ``logs()`` says where Vertex AI keeps the job's logs (Cloud Logging) and
the states seen; it never makes up log lines.

Project, region and staging bucket come from the arguments or from
``aiplatform.init(project=..., location=..., staging_bucket="gs://...")``; the
credentials from Application Default Credentials (``gcloud auth
application-default login``). Nothing is sent when one is missing, and no
credential or secret-looking environment value is printed or stored.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import logging
import math
import os
import re
import threading
import time
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import MissingDependencyError, MlnbError, MlnbValueError, TrainingError
from ..runtime.training import vertex_catalog
from ..runtime.training.job import TrainingFailed, TrainingJob, TrainingResult, Trial
from ..runtime.training.space import Choice, Float, Int, to_args
from ..runtime.training.spec import LaunchSpec
from .vertex_settings import Settings as _Settings
from .vertex_settings import settings as _settings

__all__ = [
    "start",
    "automl_tabular",
    "VertexTrainingJob",
    "VertexAutoMLJob",
    "AutoMLResult",
    "POLL_INTERVAL",
    "JOB_STATE_WORDS",
    "AUTOML_OBJECTIVES",
]

log = logging.getLogger(__name__)

#: Seconds between two reads of a job (``start(spec, poll_interval=...)`` overrides).
POLL_INTERVAL = 15.0
#: Seconds :func:`start` waits for Vertex AI to accept a job created in the background.
CREATE_TIMEOUT = 300.0

#: Vertex AI ``JobState`` / ``PipelineState`` names (without their prefix) -> mlnb's
#: state words. PAUSED waits (like QUEUED); EXPIRED ended without finishing.
JOB_STATE_WORDS = {
    "STATE_UNSPECIFIED": "queued",
    "QUEUED": "queued",
    "PENDING": "queued",
    "RUNNING": "running",
    "UPDATING": "running",
    "PAUSED": "queued",
    "SUCCEEDED": "succeeded",
    "PARTIALLY_SUCCEEDED": "succeeded",
    "FAILED": "failed",
    "EXPIRED": "failed",
    "CANCELLING": "cancelling",
    "CANCELLED": "cancelled",
}
#: Vertex AI ``Trial.State`` names -> mlnb's words (STOPPING: see ``_trial_state``).
TRIAL_STATE_WORDS = {
    "STATE_UNSPECIFIED": "queued",
    "REQUESTED": "queued",
    "ACTIVE": "running",
    "STOPPING": "cancelling",
    "SUCCEEDED": "succeeded",
    "INFEASIBLE": "failed",
}
_FINAL = ("succeeded", "failed", "cancelled")

#: AutoML tabular objectives Vertex AI accepts per prediction type (the SDK does not
#: check them; Vertex AI refuses the pipeline). Source: the Vertex AI docs page
#: "Train an AutoML model (tabular)", optimization objectives.
AUTOML_OBJECTIVES = {
    "classification": (
        "maximize-au-roc",
        "minimize-log-loss",
        "maximize-au-prc",
        "maximize-precision-at-recall",
        "maximize-recall-at-precision",
    ),
    "regression": ("minimize-rmse", "minimize-mae", "minimize-rmsle"),
}
#: Objectives Vertex AI accepts for a multi-class label.
MULTICLASS_OBJECTIVES = ("minimize-log-loss",)
#: Vertex AI's default objective per prediction type (used when nothing else is known).
AUTOML_DEFAULT_OBJECTIVE = {
    "classification": "maximize-au-roc (binary) or minimize-log-loss (multi-class)",
    "regression": "minimize-rmse",
}
#: What step 4 (``mlnb.imbalance``) recommends -> the AutoML objective.
STEP4_OBJECTIVES = {
    "auc_pr": "maximize-au-prc",
    "auc_roc": "maximize-au-roc",
    "log_loss": "minimize-log-loss",
}
_OBJ_ITEMS = tuple(AUTOML_OBJECTIVES.items())
BUDGET_HOURS = (1.0, 72.0)

_CONTAINERS_PAGE = '"Prebuilt containers for custom training"'


# -- the SDK ---------------------------------------------------------------------------
def _sdk() -> Any:
    try:
        from google.cloud import aiplatform
    except ImportError:
        raise MissingDependencyError(
            "google-cloud-aiplatform", "vertex", "training on Vertex AI"
        ) from None
    return aiplatform


def _call_error(exc: Exception, what: str) -> MlnbError:
    """An SDK/HTTP error as an MlnbError that says what to try."""
    from google.api_core import exceptions as api_errors

    message = getattr(exc, "message", None) or str(exc)
    if isinstance(exc, api_errors.TooManyRequests) or _is_quota(message):
        return TrainingError(
            f"Vertex AI refused {what}: quota exceeded ({message}). Request a quota "
            "increase for this accelerator in this region (Google Cloud console, IAM "
            "& Admin > Quotas), use a smaller or no accelerator, or try another region"
        )
    if _is_stockout(message):
        return TrainingError(
            f"Vertex AI refused {what}: resources insufficient in the region "
            f"({message}). Try another region, a smaller accelerator or fewer of "
            "them, or launch again later"
        )
    if isinstance(exc, api_errors.BadRequest):
        return MlnbValueError(f"Vertex AI refused {what} as invalid: {message}")
    if isinstance(exc, api_errors.GoogleAPICallError):
        code = getattr(exc, "code", None)
        return TrainingError(
            f"Vertex AI refused {what} (HTTP {code}): {message}. Nothing is running; "
            "launch again"
        )
    return TrainingError(f"Vertex AI could not {what}: {message}")


_QUOTA = re.compile(r"quota", re.I)
_STOCKOUT = re.compile(
    r"resources? (are )?insufficient|insufficient resources|not have enough "
    r"resources|resource_pool_exhausted|stockout",
    re.I,
)


def _is_quota(message: str) -> bool:
    return bool(_QUOTA.search(message or ""))


def _is_stockout(message: str) -> bool:
    return bool(_STOCKOUT.search(message or ""))


def _failure_advice(code: int | None, message: str) -> str:
    """The job's error, with what to try when it is a quota or a stock-out."""
    text = message or "no error message"
    if code is not None:
        text = f"{text} (code {code})"
    if _is_quota(message):
        return (
            f"{text}. Quota exceeded: request a quota increase for the accelerator "
            "in this region (IAM & Admin > Quotas), use a smaller accelerator, or "
            "another region"
        )
    if _is_stockout(message) or code == 8:
        return (
            f"{text}. Resources insufficient: try another region, a smaller "
            "accelerator or fewer of them, or launch again later"
        )
    return text


# -- the search space as a Vertex AI study ---------------------------------------------
def parameter_spec(space: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(parameter_spec, fixed)``: the SDK's ``hyperparameter_tuning`` specs for the
    searched parameters, and the one-value choices (fixed arguments)."""
    from google.cloud.aiplatform import hyperparameter_tuning as hpt

    specs: dict[str, Any] = {}
    fixed: dict[str, Any] = {}
    for name, p in space.items():
        if isinstance(p, Choice):
            if p.fixed:
                fixed[name] = p.values[0]
            else:
                specs[name] = hpt.CategoricalParameterSpec(
                    values=[_choice_text(v) for v in p.values]
                )
        elif isinstance(p, Float):
            specs[name] = hpt.DoubleParameterSpec(
                min=float(p.low), max=float(p.high), scale="log" if p.log else "linear"
            )
        elif isinstance(p, Int):
            specs[name] = hpt.IntegerParameterSpec(
                min=int(p.low), max=int(p.high), scale="log" if p.log else "linear"
            )
        else:  # pragma: no cover - search_space() builds only these
            raise MlnbValueError(f"hyperparameters[{name!r}] is not a Float/Int/Choice")
    return specs, fixed


def _choice_text(value: Any) -> str:
    # the text the trial gets as --name=value (repr for floats, as to_args writes)
    return to_args({"x": value})[0][len("--x=") :]


def _param_value(p: Any, value: Any) -> Any:
    """A trial's parameter value as the space's type (Vertex AI sends numbers as
    reals and categories as text)."""
    if isinstance(p, Int):
        return int(round(float(value)))
    if isinstance(p, Float):
        return float(value)
    if isinstance(p, Choice):
        for v in p.values:
            if _choice_text(v) == str(value):
                return v
    return value


# -- the handle ------------------------------------------------------------------------
class VertexTrainingJob(TrainingJob):
    """A Vertex AI custom job or hyperparameter tuning job (see :func:`start`).

    Attributes
    ----------
    resource_name:
        The job's Vertex AI resource name (``projects/.../customJobs/123``).
    kind:
        ``"custom"``, ``"tuning"`` or ``"automl"``.
    """

    backend = "vertex"

    def __init__(
        self,
        spec: LaunchSpec,
        sdk_job: Any,
        *,
        kind: str,
        settings: _Settings,
        poll_interval: float | None = None,
        fixed_params: dict | None = None,
    ) -> None:
        super().__init__(spec, backend="vertex")
        self.kind = kind
        self.settings = settings
        self._sdk_job = sdk_job
        interval = POLL_INTERVAL if poll_interval is None else poll_interval
        self._interval = float(interval)
        self._fixed = dict(fixed_params or {})
        self._wake = threading.Event()
        self._history: list[tuple[float, str, str]] = []
        self._vertex_state: str | None = None
        self._seen_trials: dict[int, tuple] = {}
        self._seen_steps: set[tuple[int, Any]] = set()
        self._poll_errors = 0
        self._closed = False
        self._timed_out = False
        #: the whole job's end (``spec.timeout``): the poller cancels it then
        self._deadline = (
            time.monotonic() + float(spec.timeout) if spec.timeout else None
        )
        self._thread: threading.Thread | None = None

    # -- public ------------------------------------------------------------------
    @property
    def resource_name(self) -> str | None:
        try:
            return self._sdk_job.resource_name
        except (RuntimeError, AttributeError):
            return None

    @property
    def vertex_job(self) -> Any:
        """The SDK's job object (``aiplatform.CustomJob``, ...)."""
        return self._sdk_job

    @property
    def console_url(self) -> str | None:
        """The job's page in the Google Cloud console."""
        try:
            return self._sdk_job._dashboard_uri()
        except Exception:  # noqa: BLE001 - not created, or an SDK without it
            return None

    @property
    def logs_url(self) -> str | None:
        """Cloud Logging (Logs Explorer) filtered to this job's logs."""
        name = self.resource_name
        if not name or self.kind == "automl":
            return None
        job_id = name.rsplit("/", 1)[-1]
        query = f'resource.type="ml_job"\nresource.labels.job_id="{job_id}"'
        return (
            "https://console.cloud.google.com/logs/query;query="
            + urllib.parse.quote(query, safe="")
            + f"?project={urllib.parse.quote(self.settings.project)}"
        )

    def state_history(self) -> list[tuple[float, str, str]]:
        """``(time, Vertex AI state, mlnb state)`` for every state change seen."""
        with self._lock:
            return list(self._history)

    def logs(self, trial: int | None = None, tail: int | None = 200) -> str:
        """Where Vertex AI keeps the logs (Cloud Logging; they are not copied
        here, and no line is made up), the states this job went through, and the
        job's error when it failed. ``trial`` is accepted for the common
        signature: every trial's logs are under the same query."""
        name = self.resource_name or "(not created)"
        lines = [f"Vertex AI {self._kind_words()} {name}"]
        if self.logs_url:
            lines.append(f"logs (Cloud Logging): {self.logs_url}")
        elif self.kind == "automl":
            lines.append("AutoML writes no training logs; see the console page")
        if self.console_url:
            lines.append(f"console: {self.console_url}")
        lines.append("states:")
        for when, vertex, ours in self.state_history():
            stamp = _dt.datetime.fromtimestamp(when, _dt.timezone.utc).strftime(
                "%H:%M:%S"
            )
            lines.append(f"  {stamp} UTC  {vertex} ({ours})")
        if self.error:
            lines.append(f"error (from Vertex AI): {self.error}")
        if tail is not None:
            lines = lines[-tail:] if tail > 0 else []
        return "\n".join(lines)

    def cancel(self) -> None:
        """Ask Vertex AI to cancel the job (the SDK's ``cancel()``); the state goes
        to ``cancelling``, then ``cancelled`` once Vertex AI says so."""
        if self.done:
            return
        try:
            self._sdk_job.cancel()
        except Exception as exc:  # noqa: BLE001
            raise _call_error(exc, "the cancellation") from exc
        if not self.done:
            self._set_state("cancelling")
        self._wake.set()  # read the job now

    def result(self) -> TrainingResult:
        """The best trial (a tuning job: by the study's metric and goal; ties: the
        lowest trial number); a custom job's only trial, with its artefact
        directory (``AIP_MODEL_DIR`` under the job's base output directory).

        Raises
        ------
        TrainingError
            The job has not ended (call ``job.wait()`` first).
        TrainingFailed
            The job failed or was cancelled; the message carries Vertex AI's error.
        """
        if self.kind == "tuning":
            return super().result()
        if not self.done:
            return super().result()  # raises: not done
        if self.state != "succeeded":
            raise TrainingFailed(self._failure_message())
        return self._result_of(self.trials()[0])

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: the spec (environment keys only), resource name, state."""
        return {
            "backend": "vertex",
            "kind": self.kind,
            "resource_name": self.resource_name,
            "console_url": self.console_url,
            "logs_url": self.logs_url,
            "state": self.state,
            "error": self.error,
            "spec": self.spec.to_dict(),
            "trials": [t.to_dict() for t in self.trials()],
            "states": [
                {"time": w, "vertex": v, "state": s} for w, v, s in self.state_history()
            ],
        }

    # -- the poller -------------------------------------------------------------------
    def _start_polling(self) -> None:
        try:  # the state the create answer gave (no request)
            created = _state_name(self._sdk_job.gca_resource.state)
        except Exception:  # noqa: BLE001
            created = None
        if created is not None:
            with self._lock:
                self._vertex_state = created
                self._history.append(
                    (time.time(), created, JOB_STATE_WORDS.get(created, "running"))
                )
        self._thread = threading.Thread(
            target=self._run, name=f"mlnb-vertex-{self.spec.name}", daemon=True
        )
        self._thread.start()

    def _stop_polling(self) -> None:
        """Stop reading the job (it runs on at Vertex AI); for tests and shutdown."""
        self._closed = True
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        try:
            while not self.done and not self._closed:
                self._poll_once()
                if self.done:
                    break
                wait = self._interval
                if self._deadline is not None:
                    left = self._deadline - time.monotonic()
                    if left <= 0 and not self._timed_out:
                        self._timed_out = True  # the whole job ran past timeout=
                        try:
                            self.cancel()
                        except MlnbError as exc:  # read on; try again next time
                            log.warning("cancelling after timeout= failed: %s", exc)
                            self._timed_out = False
                        continue
                    wait = min(wait, max(left, 0.0)) if left > 0 else wait
                self._wake.wait(wait)  # cancel() wakes it early
                self._wake.clear()
        except Exception as exc:  # noqa: BLE001 - the job's thread never dies silently
            log.exception("polling the Vertex AI job failed")
            self._finish("failed", f"polling Vertex AI failed: {exc}")

    def _poll_once(self) -> None:
        from google.api_core import exceptions as api_errors

        try:
            state = self._sdk_job.state  # one GET (the SDK retries 503s)
            resource = self._sdk_job.gca_resource
        except api_errors.NotFound as exc:
            self._finish("failed", f"Vertex AI no longer knows the job: {exc.message}")
            return
        except Exception as exc:  # noqa: BLE001 - a network error: read again later
            if self._closed:
                return
            self._poll_errors += 1
            log.warning("reading the Vertex AI job failed (%s); trying again", exc)
            if self._poll_errors >= 10:
                self._finish(
                    "failed", f"reading the job from Vertex AI failed 10 times: {exc}"
                )
            return
        self._poll_errors = 0
        vertex = _state_name(state)
        ours = JOB_STATE_WORDS.get(vertex, "running")
        with self._lock:
            changed = vertex != self._vertex_state
            if changed:
                self._vertex_state = vertex
                self._history.append((time.time(), vertex, ours))
        self._read_trials(resource, ours)
        if ours in _FINAL:
            error = None
            if ours == "cancelled" and self._timed_out:
                error = f"timed out after {self.spec.timeout:g} s (timeout=)"
            if ours == "failed":
                err = getattr(resource, "error", None)
                error = _failure_advice(
                    getattr(err, "code", None) or None, getattr(err, "message", "")
                )
                if vertex == "EXPIRED":
                    error = f"the job expired before it finished: {error}"
            self._finish(ours, error)
        elif changed and not (self.state == "cancelling" and ours != "cancelling"):
            self._set_state(ours)  # (a cancel asked for is not undone by a late read)

    # -- trials ---------------------------------------------------------------------
    def _read_trials(self, resource: Any, job_state: str) -> None:
        if self.kind == "tuning":
            for t in getattr(resource, "trials", []):
                self._observe(self._tuning_trial(t, job_state), t)
        else:
            self._observe(self._single_trial(resource, job_state), None)

    def _observe(self, trial: Trial, raw: Any) -> None:
        key = (trial.state, trial.value, tuple(sorted(trial.metrics.items())),
               trial.error, trial.ended)  # fmt: skip
        with self._lock:
            if self._seen_trials.get(trial.number) == key:
                return
            self._seen_trials[trial.number] = key
        self._update_trial(trial)
        for step, metrics, when in self._measurements(raw, trial):
            if (trial.number, step) in self._seen_steps:
                continue
            self._seen_steps.add((trial.number, step))
            self._emit_metric(trial.number, step, metrics, when)

    def _measurements(self, raw: Any, trial: Trial) -> list[tuple[Any, dict, float]]:
        if raw is None:
            return []
        out = []
        for m in list(getattr(raw, "measurements", []) or []):
            metrics = {x.metric_id: float(x.value) for x in m.metrics}
            if metrics:
                out.append((int(m.step_count), metrics, trial.ended or time.time()))
        final = getattr(raw, "final_measurement", None)
        if final is not None and list(final.metrics):
            metrics = {x.metric_id: float(x.value) for x in final.metrics}
            out.append(("final", metrics, trial.ended or time.time()))
        return out

    def _tuning_trial(self, t: Any, job_state: str) -> Trial:
        number = int(t.id) - 1 if str(t.id).isdigit() else len(self._seen_trials)
        space = self.spec.hyperparameters
        params = dict(self._fixed)
        for p in t.parameters:
            params[p.parameter_id] = _param_value(space.get(p.parameter_id), p.value)
        params = {k: params[k] for k in space if k in params} | {
            k: v for k, v in params.items() if k not in space
        }
        state = _trial_state(_state_name(t.state), job_state)
        metrics: dict[str, float] = {}
        final = getattr(t, "final_measurement", None)
        if final is not None:
            metrics = {m.metric_id: float(m.value) for m in final.metrics}
        value = metrics.get(self.spec.metric) if self.spec.metric else None
        error = getattr(t, "infeasible_reason", "") or None
        base = self._base_output_dir()
        return Trial(
            number=number,
            params=params,
            state=state,
            value=value,
            metrics=metrics,
            started=_timestamp(getattr(t, "start_time", None)),
            ended=_timestamp(getattr(t, "end_time", None)),
            exit_code=None,
            artifact_dir=f"{base}/{t.id}/model" if base else None,
            devices=self._devices(),
            error=f"infeasible: {error}" if error else None,
        )

    def _single_trial(self, resource: Any, job_state: str) -> Trial:
        error = None
        if job_state == "failed":
            err = getattr(resource, "error", None)
            error = _failure_advice(
                getattr(err, "code", None) or None, getattr(err, "message", "")
            )
        base = self._base_output_dir()
        return Trial(
            number=0,
            params=dict(self._fixed),
            state=job_state,
            value=None,
            metrics={},
            started=_timestamp(getattr(resource, "start_time", None)),
            ended=_timestamp(getattr(resource, "end_time", None)),
            exit_code=None,
            artifact_dir=f"{base}/model" if base else None,
            devices=self._devices(),
            error=error,
        )

    def _base_output_dir(self) -> str | None:
        try:
            res = self._sdk_job.gca_resource
            spec = res.trial_job_spec if self.kind == "tuning" else res.job_spec
            prefix = spec.base_output_directory.output_uri_prefix
        except Exception:  # noqa: BLE001
            return None
        return prefix.rstrip("/") or None

    def _devices(self) -> tuple[str, ...]:
        s = self.spec
        if s.accelerator_type and s.accelerator_count:
            n = s.accelerator_count
            return tuple(f"{s.accelerator_type}:{i}" for i in range(n))
        return ("cpu",)

    def _kind_words(self) -> str:
        return {
            "custom": "custom job",
            "tuning": "hyperparameter tuning job",
            "automl": "AutoML training pipeline",
        }[self.kind]

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self.spec.name!r} {self.kind} "
            f"{self.resource_name or '(not created)'} state={self.state} "
            f"trials={len(self._trials)}/{self.spec.max_trials}>"
        )


def _state_name(state: Any) -> str:
    name = getattr(state, "name", None) or str(state)
    for prefix in ("JOB_STATE_", "PIPELINE_STATE_"):
        name = name.removeprefix(prefix)
    return name


def _trial_state(vertex: str, job_state: str) -> str:
    word = TRIAL_STATE_WORDS.get(vertex, "running")
    if word in ("cancelling", "running", "queued") and job_state in _FINAL:
        return "cancelled" if job_state != "succeeded" or vertex == "STOPPING" else word
    return word


def _timestamp(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        if value.year <= 1970:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        return value.timestamp()
    return None


def _await_creation(sdk_job: Any, what: str, timeout: float = CREATE_TIMEOUT) -> None:
    """Wait until a job created in the SDK's background thread exists; raise its
    creation error (as an MlnbError) when it failed."""
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        try:
            available = sdk_job._resource_is_available
            futures_done = sdk_job._are_futures_done()
        except AttributeError:  # another SDK version: its own (1 s) wait
            try:
                sdk_job.wait_for_resource_creation()
            except Exception as exc:  # noqa: BLE001
                raise _call_error(_cause(exc), what) from exc
            return
        if available:
            return
        if futures_done:
            exc = getattr(sdk_job, "_exception", None)
            if exc is None:
                exc = RuntimeError(f"{what} was not created")
            raise _call_error(exc, what) from exc
        if time.monotonic() > deadline:
            raise TrainingError(
                f"Vertex AI did not create {what} within {timeout:g} s; look in the "
                "console before launching again"
            )
        time.sleep(delay)
        delay = min(delay * 2, 0.25)


def _cause(exc: BaseException) -> BaseException:
    return exc.__cause__ or exc


# -- start(spec) -----------------------------------------------------------------------
def start(spec: LaunchSpec, *, poll_interval: float | None = None) -> VertexTrainingJob:
    """Start ``spec`` on Vertex AI and return its handle (polled in the background).

    One trial and nothing to search: a custom job from the script
    (``CustomJob.from_local_script``, then ``submit()``); a search: a hyperparameter
    tuning job over ``spec.hyperparameters`` (``max_trials`` trials, at most
    ``parallel_trials`` at once), optimising ``spec.metric`` in ``spec.goal``.

    Parameters
    ----------
    spec:
        A validated :class:`~mlnb.train.LaunchSpec` with ``backend="vertex"``.
    poll_interval:
        Seconds between two reads of the job (default :data:`POLL_INTERVAL`).

    Returns
    -------
    VertexTrainingJob
        The handle: ``.state``, ``.trials()``, ``.wait()``, ``.cancel()``,
        ``.result()``, ``.logs()`` (where Vertex AI keeps them), ``.subscribe()``.

    Raises
    ------
    MlnbValueError
        No ``image``; a callable target; missing project, location or staging
        bucket (each named, with how to set it); a search without a metric.
    MlnbError
        No credentials (nothing is sent); Vertex AI refused the job (quota,
        resources insufficient in the region: what to try is said).
    MissingDependencyError
        ``google-cloud-aiplatform`` is not installed (``pip install "mlnb[vertex]"``).
    """
    _check_spec(spec)
    aiplatform = _sdk()
    settings = _settings(
        aiplatform,
        project=spec.project,
        location=spec.location,
        staging_bucket=spec.staging_bucket,
    )
    searched, fixed = parameter_spec(spec.hyperparameters)
    tuning = bool(searched) or spec.max_trials > 1
    if tuning and not searched:
        raise MlnbValueError(
            f"max_trials={spec.max_trials} on Vertex AI needs something to search: "
            "give hyperparameters a range, e.g. {'lr': (1e-4, 1e-1, 'log')}, or "
            "pass max_trials=1"
        )
    if tuning and not spec.metric:
        raise MlnbValueError(
            "a hyperparameter search on Vertex AI needs metric= (the name the script "
            "reports with mlnb.train.report(name=value))"
        )
    machine = spec.machine_type or "n1-standard-4"
    accel, count = spec.accelerator_type, spec.accelerator_count
    machine, accel, count = vertex_catalog.check_accelerator(machine, accel, count)
    args = list(spec.args) + to_args(fixed)  # a search adds --name=value per trial
    kind = "tuning" if tuning else "custom"
    what = "the custom job" if not tuning else "the hyperparameter tuning job"
    try:
        custom = aiplatform.CustomJob.from_local_script(
            display_name=spec.name,
            script_path=spec.target,
            container_uri=spec.image,
            args=None,  # set below, where a search's trial arguments also arrive
            requirements=list(spec.requirements) or None,
            environment_variables=dict(spec.env) or None,
            replica_count=spec.replica_count,
            machine_type=machine,
            accelerator_type=accel or "ACCELERATOR_TYPE_UNSPECIFIED",
            accelerator_count=count,
            project=settings.project,
            location=settings.location,
            staging_bucket=settings.staging_bucket,
            labels={"mlnb": "train"},
        )
    except MlnbError:
        raise
    except Exception as exc:  # noqa: BLE001 - the upload or the SDK's own checks
        raise _call_error(exc, f"packaging the script for {what}") from exc
    _pass_arguments(custom, args)
    timeout = int(math.ceil(spec.timeout)) if spec.timeout else None
    if not tuning:
        job = VertexTrainingJob(
            spec,
            custom,
            kind=kind,
            settings=settings,
            poll_interval=poll_interval,
            fixed_params=fixed,
        )
        try:
            custom.submit(timeout=timeout)
        except Exception as exc:  # noqa: BLE001
            raise _call_error(exc, what) from exc
    else:
        hp = aiplatform.HyperparameterTuningJob(
            display_name=spec.name,
            custom_job=custom,
            metric_spec={spec.metric: spec.goal},
            parameter_spec=searched,
            max_trial_count=spec.max_trials,
            parallel_trial_count=spec.parallel_trials,
            project=settings.project,
            location=settings.location,
            labels={"mlnb": "train"},
        )
        job = VertexTrainingJob(
            spec,
            hp,
            kind=kind,
            settings=settings,
            poll_interval=poll_interval,
            fixed_params=fixed,
        )
        hp.run(sync=False, timeout=timeout)
        _await_creation(hp, what)
    job._start_polling()
    return job


#: ``$0`` of the shell that runs the script in a container (the arguments follow).
SHELL_NAME = "mlnb-trial"


def _pass_arguments(custom: Any, args: list[str]) -> None:
    """Give the script its arguments so that a search's trial arguments arrive too.

    In a prebuilt training container the script runs as a Python package and
    Vertex AI appends each trial's ``--name=value`` to the package's ``args``. In
    any other container the SDK runs ``sh -c "pip install ... && python3 -m task"``
    and pastes the arguments into that text, unquoted; Vertex AI would append a
    trial's arguments after it, where the shell drops them. So the command ends in
    ``"$@"`` and the arguments travel as the shell's own: ``$0`` is
    :data:`SHELL_NAME`, then the script's arguments, then the trial's.
    """
    for pool in custom.job_spec.worker_pool_specs:
        container = pool.container_spec
        if container.image_uri and len(container.command) == 3:
            command = list(container.command)
            command[-1] += ' "$@"'
            container.command = command
            container.args = [SHELL_NAME, *args]
        elif pool.python_package_spec.executor_image_uri:
            pool.python_package_spec.args = list(args)


def _check_spec(spec: Any) -> None:
    if not isinstance(spec, LaunchSpec):
        raise MlnbValueError(
            f"start(spec) takes a LaunchSpec (mlnb.train.launch builds one); got "
            f"{type(spec).__name__}"
        )
    if spec.kind != "script":
        raise MlnbValueError(
            f"Vertex AI runs a script file, but target {spec.target!r} is a "
            f"{spec.kind}; put the function in a .py file that calls it and pass that "
            "file's path"
        )
    if not spec.image:
        raise MlnbValueError(
            "image= is needed for Vertex AI: it runs the script in a container you "
            "name, e.g. one of Vertex AI's prebuilt training containers (see the "
            f"Vertex AI docs page {_CONTAINERS_PAGE}) with the framework the script "
            "imports"
        )
    if not os.path.isfile(spec.target):
        raise MlnbValueError(f"target script {spec.target!r} does not exist")


# -- AutoML tabular --------------------------------------------------------------------
@dataclass(frozen=True)
class AutoMLResult(TrainingResult):
    """An AutoML tabular training's outcome (a tool result without a status): the
    uploaded model's resource name, the objective and why it was chosen.

    Attributes
    ----------
    model:
        The model Vertex AI uploaded (``projects/.../models/123``).
    model_version:
        Its version id.
    objective:
        The optimization objective (``None``: Vertex AI's default).
    objective_reason:
        Where the objective came from (argument, step 4, Vertex AI's default).
    """

    model: str | None = None
    model_version: str | None = None
    objective: str | None = None
    objective_reason: str = ""


class VertexAutoMLJob(VertexTrainingJob):
    """An AutoML tabular training pipeline (see :func:`automl_tabular`)."""

    def __init__(self, *args: Any, objective: str | None, reason: str, **kw: Any):
        super().__init__(*args, **kw)
        self.objective = objective
        self.objective_reason = reason

    def _read_trials(self, resource: Any, job_state: str) -> None:
        trial = self._single_trial(resource, job_state)
        self._observe(dataclasses.replace(trial, artifact_dir=self._model_name()), None)

    def _model_name(self) -> str | None:
        try:
            return self._sdk_job.gca_resource.model_to_upload.name or None
        except Exception:  # noqa: BLE001
            return None

    def _model_version(self) -> str | None:
        try:
            return self._sdk_job.gca_resource.model_to_upload.version_id or None
        except Exception:  # noqa: BLE001
            return None

    def _base_output_dir(self) -> str | None:
        return None

    def result(self) -> AutoMLResult:
        """The uploaded model's resource name, the objective and its reason.

        Raises
        ------
        TrainingError
            Not done yet (call ``job.wait()``).
        TrainingFailed
            The pipeline failed or was cancelled (Vertex AI's error in the message).
        """
        base = super().result()
        return AutoMLResult(
            **dataclasses.asdict(base),
            model=self._model_name(),
            model_version=self._model_version(),
            objective=self.objective,
            objective_reason=self.objective_reason,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "objective": self.objective,
            "objective_reason": self.objective_reason,
            "model": self._model_name(),
        }


def _step4_objective(prediction_type: str | None) -> tuple[str | None, str, int | None]:
    """``(objective, reason, n_classes)`` from the newest step-4 imbalance record."""
    from ..checklist import session

    records = [r for r in session.checks("imbalance") if r.get("check") == "imbalance"]
    records = [
        r for r in records if (r.get("metrics") or {}).get("recommended_objective")
    ]
    if not records:
        return None, "", None
    metrics = records[-1]["metrics"]
    rec = metrics["recommended_objective"]
    n_classes = metrics.get("n_classes")
    objective = STEP4_OBJECTIVES.get(rec)
    if objective is None:
        return None, "", n_classes
    if n_classes and n_classes > 2 and objective not in MULTICLASS_OBJECTIVES:
        objective = "minimize-log-loss"
    share = metrics.get("minority_share")
    why = f"step 4 (imbalance) recommended {rec}"
    if isinstance(share, (int, float)):
        why += f" (minority class {share:.1%} of {metrics.get('n_samples')} rows)"
    return objective, why + f" -> {objective}", n_classes


def automl_tabular(
    dataset: Any,
    *,
    target_column: str,
    objective: str | None = None,
    budget_hours: float = 1.0,
    prediction_type: str | None = None,
    column_specs: Mapping[str, str] | Sequence[str] | None = None,
    display_name: str | None = None,
    recall_value: float | None = None,
    precision_value: float | None = None,
    project: str | None = None,
    location: str | None = None,
    poll_interval: float | None = None,
) -> VertexAutoMLJob:
    """Train an AutoML tabular model on Vertex AI; returns a training-job handle.

    The objective defaults to what step 4 recommended in this session (the newest
    ``mlnb.imbalance`` record): ``auc_pr`` -> ``"maximize-au-prc"`` (a rare positive
    class), ``auc_roc`` -> ``"maximize-au-roc"``, ``log_loss`` ->
    ``"minimize-log-loss"``; a regression gets ``"minimize-rmse"``. With no record,
    Vertex AI's default is used and the result says so.

    Parameters
    ----------
    dataset:
        An ``aiplatform.TabularDataset``, a dataset resource name
        (``projects/.../datasets/123``), ``gs://`` CSV URI(s), or a ``bq://``
        table (those two are created as a TabularDataset first).
    target_column:
        The label column.
    objective:
        A Vertex AI optimization objective (:data:`AUTOML_OBJECTIVES`).
    budget_hours:
        Node hours to train, 1 to 72 (``budget_milli_node_hours`` 1000 to 72000).
    prediction_type:
        ``"classification"`` or ``"regression"``; default: from the objective or
        the step-4 record (classification).
    column_specs:
        ``{column: transformation}`` (``"auto"``, ``"numeric"``, ``"categorical"``,
        ``"text"``, ``"timestamp"``) or a list of feature columns (``"auto"``).
        Without it, the SDK reads the CSV header from Cloud Storage.
    display_name:
        The pipeline's and the model's name (default ``"<target>-automl"``).
    recall_value, precision_value:
        The fixed recall (``"maximize-precision-at-recall"``) or precision
        (``"maximize-recall-at-precision"``), in (0, 1].
    project, location:
        Default: ``aiplatform.init``'s.
    poll_interval:
        Seconds between two reads of the pipeline.

    Returns
    -------
    VertexAutoMLJob
        ``.wait().result()`` -> :class:`AutoMLResult` naming the uploaded model.

    Raises
    ------
    MlnbValueError
        An objective Vertex AI does not accept for the prediction type, a budget
        outside 1..72 hours, a bad dataset, missing project/location.
    MlnbError
        No credentials (nothing is sent); Vertex AI refused the pipeline.
    """
    if not isinstance(target_column, str) or not target_column:
        raise MlnbValueError(
            f"target_column must be the label column's name (text); got "
            f"{target_column!r}"
        )
    prediction_type, objective, reason, n_classes = _objective(
        objective, prediction_type
    )
    _recall_precision(objective, recall_value, precision_value)
    milli = _budget(budget_hours)
    specs = _column_specs(column_specs, target_column)
    name = display_name or f"{target_column}-automl"
    if not isinstance(name, str):
        raise MlnbValueError(f"display_name must be text; got {display_name!r}")
    kind, source = _dataset_kind(dataset)
    aiplatform = _sdk()
    settings = _settings(
        aiplatform,
        project=project,
        location=location,
        staging_bucket=None,
        need_bucket=False,
    )
    where = {"project": settings.project, "location": settings.location}
    try:
        if kind == "object":
            ds = source
        elif kind == "name":
            ds = aiplatform.TabularDataset(source, **where)
        elif kind == "gcs":
            ds = aiplatform.TabularDataset.create(
                display_name=name, gcs_source=source, **where
            )
        else:
            ds = aiplatform.TabularDataset.create(
                display_name=name, bq_source=source, **where
            )
    except Exception as exc:  # noqa: BLE001
        raise _call_error(_cause(exc), "the dataset") from exc
    job_args: dict[str, Any] = {
        "display_name": name,
        "optimization_prediction_type": prediction_type,
        "optimization_objective": objective,
        "column_specs": specs,
        **where,
        "labels": {"mlnb": "train"},
    }
    if recall_value is not None:
        job_args["optimization_objective_recall_value"] = float(recall_value)
    if precision_value is not None:
        job_args["optimization_objective_precision_value"] = float(precision_value)
    sdk_job = aiplatform.AutoMLTabularTrainingJob(**job_args)
    metric = objective.split("-", 1)[1] if objective else None
    goal = "minimize" if objective and objective.startswith("minimize") else "maximize"
    spec = LaunchSpec(
        target=getattr(ds, "resource_name", str(source)),
        kind="automl",
        backend="vertex",
        name=name,
        metric=metric,
        goal=goal,
        project=settings.project,
        location=settings.location,
    )
    job = VertexAutoMLJob(
        spec,
        sdk_job,
        kind="automl",
        settings=settings,
        poll_interval=poll_interval,
        fixed_params={
            "target_column": target_column,
            "prediction_type": prediction_type,
            "objective": objective or "(Vertex AI's default)",
            "budget_milli_node_hours": milli,
        },
        objective=objective,
        reason=reason,
    )
    sdk_job.run(
        dataset=ds,
        target_column=target_column,
        budget_milli_node_hours=milli,
        model_display_name=name,
        sync=False,
    )
    _await_creation(sdk_job, "the AutoML training pipeline")
    job._start_polling()
    return job


def _objective(
    objective: Any, prediction_type: Any
) -> tuple[str, str | None, str, int | None]:
    types = tuple(AUTOML_OBJECTIVES)
    if prediction_type is not None and prediction_type not in types:
        raise MlnbValueError(
            f"prediction_type must be one of {', '.join(map(repr, types))}; got "
            f"{prediction_type!r}"
        )
    if objective is not None:
        if not isinstance(objective, str):
            raise MlnbValueError(
                f"objective must be a Vertex AI objective name such as "
                f"'maximize-au-prc'; got {objective!r}"
            )
        owner = next((t for t, objs in AUTOML_OBJECTIVES.items() if objective in objs),
                     None)  # fmt: skip
        if owner is None:
            raise MlnbValueError(
                f"objective {objective!r} is not a Vertex AI AutoML tabular objective; "
                + "; ".join(f"{t}: {', '.join(o)}" for t, o in _OBJ_ITEMS)
            )
        if prediction_type is not None and owner != prediction_type:
            raise MlnbValueError(
                f"objective {objective!r} is for {owner}, but prediction_type is "
                f"{prediction_type!r}; for {prediction_type} choose one of: "
                f"{', '.join(AUTOML_OBJECTIVES[prediction_type])}"
            )
        _, _, n_classes = _step4_objective(owner)
        if (
            owner == "classification"
            and n_classes
            and n_classes > 2
            and (objective not in MULTICLASS_OBJECTIVES)
        ):
            raise MlnbValueError(
                f"objective {objective!r} is for a binary label, but step 4 found "
                f"{n_classes} classes; a multi-class label takes: "
                f"{', '.join(MULTICLASS_OBJECTIVES)}"
            )
        return owner, objective, "given as objective=", n_classes
    if prediction_type == "regression":
        return (
            "regression",
            "minimize-rmse",
            "a regression: Vertex AI's default objective, minimize-rmse",
            None,
        )
    chosen, why, n_classes = _step4_objective(prediction_type)
    if chosen is not None:
        return "classification", chosen, why, n_classes
    if prediction_type is None:
        raise MlnbValueError(
            "prediction_type is needed: pass prediction_type='classification' or "
            "'regression' (or an objective= such as 'maximize-au-prc'; run "
            "mlnb.imbalance(y) first to have step 4 recommend one)"
        )
    return (
        prediction_type,
        None,
        "no step-4 (imbalance) record in this session and no objective=: Vertex "
        f"AI's default ({AUTOML_DEFAULT_OBJECTIVE[prediction_type]})",
        None,
    )


def _recall_precision(objective: str | None, recall: Any, precision: Any) -> None:
    needs = {
        "maximize-precision-at-recall": ("recall_value", recall),
        "maximize-recall-at-precision": ("precision_value", precision),
    }
    for name, value in (("recall_value", recall), ("precision_value", precision)):
        if value is None:
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not (0 < value <= 1)
        ):
            raise MlnbValueError(f"{name} must be a number in (0, 1]; got {value!r}")
        wanted = [o for o, (n, _) in needs.items() if n == name]
        if objective not in wanted:
            raise MlnbValueError(
                f"{name} only applies to objective {wanted[0]!r}; got objective "
                f"{objective!r}: drop {name} or change the objective"
            )
    if objective in needs and needs[objective][1] is None:
        name = needs[objective][0]
        raise MlnbValueError(
            f"objective {objective!r} needs {name}= (a number in (0, 1]), e.g. "
            f"{name}=0.9"
        )


def _budget(budget_hours: Any) -> int:
    lo, hi = BUDGET_HOURS
    if (
        isinstance(budget_hours, bool)
        or not isinstance(budget_hours, (int, float))
        or not math.isfinite(budget_hours)
        or not lo <= budget_hours <= hi
    ):
        raise MlnbValueError(
            f"budget_hours must be between {lo:g} and {hi:g} node hours (Vertex AI's "
            f"budget_milli_node_hours 1000..72000); got {budget_hours!r}"
        )
    return int(round(float(budget_hours) * 1000))


def _column_specs(column_specs: Any, target: str) -> dict[str, str] | None:
    if column_specs is None:
        return None
    allowed = ("auto", "numeric", "categorical", "text", "timestamp")
    if isinstance(column_specs, Mapping):
        specs = dict(column_specs)
    elif isinstance(column_specs, (list, tuple)):
        specs = dict.fromkeys(column_specs, "auto")
    else:
        raise MlnbValueError(
            "column_specs must be {column: transformation} or a list of feature "
            f"columns; got {type(column_specs).__name__}"
        )
    for col, how in specs.items():
        if not isinstance(col, str):
            raise MlnbValueError(
                f"column_specs names columns by text (Vertex AI's names); got {col!r}"
            )
        if how not in allowed:
            raise MlnbValueError(
                f"column_specs[{col!r}] must be one of {', '.join(allowed)}; got "
                f"{how!r}"
            )
    specs.pop(target, None)  # the label is not a feature
    if not specs:
        raise MlnbValueError(
            "column_specs has no feature column besides the target_column; list the "
            "feature columns"
        )
    return specs


def _dataset_kind(dataset: Any) -> tuple[str, Any]:
    # (an SDK dataset reads its columns from storage on column_names: no hasattr)
    if not isinstance(dataset, (str, list, tuple)) and isinstance(
        dataset, _sdk().TabularDataset
    ):
        return "object", dataset
    if isinstance(dataset, str):
        if dataset.startswith("gs://"):
            return "gcs", [dataset]
        if dataset.startswith("bq://"):
            return "bq", dataset
        if re.fullmatch(r"projects/[^/]+/locations/[^/]+/datasets/[^/]+", dataset):
            return "name", dataset
    if (
        isinstance(dataset, (list, tuple))
        and dataset
        and all(isinstance(d, str) and d.startswith("gs://") for d in dataset)
    ):
        return "gcs", list(dataset)
    raise MlnbValueError(
        "dataset must be an aiplatform.TabularDataset, a dataset resource name "
        "('projects/.../locations/.../datasets/123'), gs:// CSV URI(s) or a bq:// "
        f"table; got {dataset!r:.80}"
    )
