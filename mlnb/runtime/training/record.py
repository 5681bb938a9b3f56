"""Step 3's record of a training run: :class:`TrainingRun`.

Built when a job ends and published (``launch(..., publish=True)``): the backend,
target, wall time of the run and of each trial, devices, trials done / failed /
cancelled, the best metric and parameters, and the speed-up against the previous run
of the same target. That history is one JSON line per finished run in
``history.jsonl`` next to the run folders (``mlnb-runs/history.jsonl``), and in this
Python session for runs whose folder could not be written.
"""

from __future__ import annotations

import json
import math
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from ...checklist.result import CheckResult, internal, judge
from ...core.conditions import Condition

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .job import TrainingJob

__all__ = [
    "TrainingRun",
    "CONDITION_VALUES",
    "TRIAL_COLUMNS",
    "build_record",
    "finish_record",
    "read_history",
]

#: The values conditions on :class:`TrainingRun` can read, and what they mean.
CONDITION_VALUES = {
    "job_failed": "1 when the job failed (every trial failed, or it could not run)",
    "metric_missing": "1 when a metric was asked for and no trial reported it",
    "failed_trials": "trials that failed (exit code not 0, or no objective metric)",
    "cancelled_trials": "trials stopped by cancel() or the timeout",
    "succeeded_trials": "trials that succeeded",
    "n_trials": "trials in the run (kept ones of a resumed search included)",
    "wall_seconds": "seconds the run took, launch to end",
    "best_value": "the best trial's objective value (NaN without a metric)",
    "speed_up": "the previous run's wall time of the same target / this run's "
    "(NaN without a previous run)",
    "n_devices": "distinct devices the trials used",
}

#: The columns of :meth:`TrainingRun.to_frame`.
TRIAL_COLUMNS = (
    "trial",
    "state",
    "value",
    "seconds",
    "exit_code",
    "devices",
    "params",
    "metrics",
    "error",
)

_FAILED_RUN = (
    "a run that failed produced no model to evaluate; its exit code and log tail "
    "(job.logs()) say why — the checklist's step 3 asks for runs that finish"
)
_MISSING_METRIC = (
    "a search or comparison needs the objective from every trial; Optuna and Vertex "
    "AI hyperparameter tuning both mark a trial without its objective as failed"
)
_FAILED_TRIALS = (
    "Vertex AI hyperparameter tuning counts failed trials against maxFailedTrialCount "
    "and Optuna skips them: the search explored fewer points than asked"
)
_CANCELLED = (
    "a stopped trial has no final metric: the search ended before max_trials "
    "(launching the same name again resumes it)"
)


@dataclass(frozen=True, kw_only=True, repr=False)
class TrainingRun(CheckResult):
    """One finished training run (a launch of :func:`mlnb.train.launch`).

    Attributes
    ----------
    backend:
        ``"local"`` or ``"vertex"``.
    target:
        The script path or ``module:qualname``.
    name:
        The run's name.
    run_dir:
        Where its trials live (local).
    job_state:
        ``"succeeded"``, ``"failed"`` or ``"cancelled"``.
    error:
        Why it failed or stopped (``None`` otherwise).
    wall_seconds:
        Seconds from launch to end.
    trial_rows:
        One dict per trial: ``trial``, ``state``, ``value``, ``seconds``,
        ``exit_code``, ``devices``, ``params``, ``metrics``, ``error``.
    devices:
        The devices the trials used.
    metric, goal:
        The objective and its direction.
    best_trial, best_value, best_params:
        The best succeeded trial (``None`` when none).
    previous_wall_seconds:
        The previous run of the same target (``None``: none known).
    speed_up:
        The previous run's wall seconds per trial over this run's (trials that a
        resumed search kept from an earlier launch are not counted), so a run of 8
        trials compares fairly with one of 4; ``None`` without a previous run.
    notes:
        Plain sentences (parallelism lowered, resumed search, ...).
    """

    check: ClassVar[str] = "training_run"

    DEFAULT_CONDITIONS: ClassVar[tuple] = (
        Condition("job_failed", "<=", 0, name="the run finished", why=_FAILED_RUN),
        Condition(
            "metric_missing",
            "<=",
            0,
            name="the objective metric was reported",
            why=_MISSING_METRIC,
        ),
        Condition(
            "failed_trials",
            "<=",
            0,
            status="warn",
            name="no trial failed",
            why=_FAILED_TRIALS,
        ),
        Condition(
            "cancelled_trials",
            "<=",
            0,
            status="warn",
            name="no trial was stopped",
            why=_CANCELLED,
        ),
    )

    backend: str
    target: str
    name: str
    run_dir: str | None = None
    job_state: str = "succeeded"
    error: str | None = None
    wall_seconds: float | None = None
    trial_rows: tuple = ()
    devices: tuple[str, ...] = ()
    metric: str | None = None
    goal: str = "maximize"
    best_trial: int | None = None
    best_value: float | None = None
    best_params: dict = field(default_factory=dict)
    previous_wall_seconds: float | None = None
    speed_up: float | None = None
    notes: tuple[str, ...] = ()
    #: Long metric rows (trial, step, metric, value, time) for :meth:`plot`.
    metric_rows: tuple = internal(default=())

    def record_metrics(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "target": self.target,
            "job_state": self.job_state,
            "wall_seconds": self.wall_seconds,
            "trials": len(self.trial_rows),
            "failed_trials": self.condition_values.get("failed_trials"),
            "metric": self.metric,
            "best_value": self.best_value,
            "speed_up": self.speed_up,
            "devices": list(self.devices),
        }

    def _frame_rows(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.trial_rows]

    def to_frame(self) -> pd.DataFrame:
        """One row per trial (columns :data:`TRIAL_COLUMNS`)."""
        import pandas as pd

        return pd.DataFrame(self._frame_rows(), columns=list(TRIAL_COLUMNS))

    def metrics_frame(self) -> pd.DataFrame:
        """Every reported metric, long: ``trial, step, metric, value, time``."""
        import pandas as pd

        return pd.DataFrame(
            [dict(r) for r in self.metric_rows],
            columns=["trial", "step", "metric", "value", "time"],
        )

    def plot(self, *, ax: Any = None, metric: str | None = None) -> Any:
        """The objective (or ``metric``) against the step for each trial, the best
        trial highlighted; returns the matplotlib Axes."""
        from ...render.training import plot_trials

        return plot_trials(self, ax=ax, metric=metric)

    def _html_sections(self) -> list[str]:
        from ...render.training import run_sections

        return run_sections(self)


# ------------------------------------------------------------------- history
_session_history: dict[str, list[dict]] = {}
_history_lock = threading.Lock()


def _history_path(job: TrainingJob) -> Path | None:
    run_dir = getattr(job, "run_dir", None) or job.spec.run_dir
    if not run_dir:
        return None
    return Path(run_dir).parent / "history.jsonl"


def read_history(path: Path | None, target: str) -> list[dict]:
    """Finished runs of ``target``, oldest first (the file's, else this session's)."""
    rows: list[dict] = []
    if path is not None:
        try:
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    try:
                        row = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(row, dict) and row.get("target") == target:
                        rows.append(row)
        except OSError:
            pass
    if not rows:
        with _history_lock:
            rows = list(_session_history.get(target, ()))
    return rows


def _append_history(path: Path | None, row: dict) -> None:
    with _history_lock:
        _session_history.setdefault(row["target"], []).append(row)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(row) + "\n")
    except OSError:
        pass


def _previous(job: TrainingJob) -> dict | None:
    """The latest earlier successful run of the same target on the same backend."""
    rows = [
        r
        for r in read_history(_history_path(job), job.spec.target)
        if r.get("state") == "succeeded"
        and r.get("backend") == job.backend
        and isinstance(r.get("wall_seconds"), (int, float))
        and r["wall_seconds"] > 0
    ]
    return rows[-1] if rows else None


# ------------------------------------------------------------------- build
def build_record(job: TrainingJob, previous: dict | None = None) -> TrainingRun:
    """The record of ``job`` as it stands (final once the job is done)."""
    spec = job.spec
    trials = job.trials()
    from .job import best_trial

    rows = [t.row() for t in trials]
    n_failed = sum(t.state == "failed" for t in trials)
    n_cancelled = sum(t.state == "cancelled" for t in trials)
    n_ok = sum(t.state == "succeeded" for t in trials)
    best = best_trial(trials, spec.metric, spec.goal)
    devices = tuple(sorted({d for t in trials for d in t.devices}))
    ran = [t for t in trials if t.state in ("succeeded", "failed")]
    metric_missing = int(
        spec.metric is not None
        and bool(ran)
        and all(spec.metric not in t.metrics for t in ran)
        and all(t.exit_code == 0 for t in ran if t.exit_code is not None)
    )
    wall = job.duration
    carried = set(getattr(job, "carried_trials", ()) or ())
    n_run = sum(t.number not in carried for t in trials)
    per_trial = _per_trial(wall, n_run)
    prev_wall = None if previous is None else float(previous["wall_seconds"])
    prev_per_trial = (
        None
        if previous is None
        else _per_trial(prev_wall, previous.get("trials_run", previous.get("trials")))
    )
    speed_up = (
        prev_per_trial / per_trial
        if prev_per_trial is not None and per_trial is not None and per_trial > 0
        else None
    )
    values = {
        "job_failed": int(job.state == "failed"),
        "metric_missing": metric_missing,
        "failed_trials": n_failed,
        "cancelled_trials": n_cancelled,
        "succeeded_trials": n_ok,
        "n_trials": len(trials),
        "wall_seconds": math.nan if wall is None else float(wall),
        "best_value": math.nan if best is None or best.value is None else best.value,
        "speed_up": math.nan if speed_up is None else speed_up,
        "n_devices": len(devices),
    }
    status, outcomes = judge(
        None, values, defaults=TrainingRun.DEFAULT_CONDITIONS, check="training_run"
    )
    notes = list(getattr(job, "_notes", ()))
    if getattr(job, "resumed", False):
        notes.append("resumed an earlier search of the same name (its trials kept)")
    if job.state == "cancelled" and job.error:
        notes.append(job.error)
    return TrainingRun(
        step="training",
        status=status,
        summary=_summary(job, trials, best, wall, speed_up, metric_missing, n_run),
        outcomes=outcomes,
        condition_values=values,
        backend=job.backend,
        target=spec.target,
        name=spec.name,
        run_dir=str(getattr(job, "run_dir", "") or spec.run_dir) or None,
        job_state=job.state,
        error=job.error,
        wall_seconds=wall,
        trial_rows=tuple(rows),
        devices=devices,
        metric=spec.metric,
        goal=spec.goal,
        best_trial=None if best is None else best.number,
        best_value=None if best is None else best.value,
        best_params={} if best is None else dict(best.params),
        previous_wall_seconds=prev_wall,
        speed_up=speed_up,
        notes=tuple(notes),
        metric_rows=tuple(job.metrics().to_dict("records")),
    )


def _per_trial(wall: float | None, n_run: Any) -> float | None:
    """Wall seconds per trial this launch ran (trials of an earlier launch that a
    resumed search kept are not counted: they cost this run nothing)."""
    if wall is None or not isinstance(n_run, int) or n_run <= 0:
        return None
    return float(wall) / n_run


def _seconds(s: float | None) -> str:
    if s is None:
        return "?"
    if s < 120:
        return f"{s:.1f} s"
    if s < 7200:
        return f"{s / 60:.1f} min"
    return f"{s / 3600:.1f} h"


def _summary(job, trials, best, wall, speed_up, metric_missing, n_run) -> str:
    spec = job.spec
    n_ok = sum(t.state == "succeeded" for t in trials)
    n_failed = sum(t.state == "failed" for t in trials)
    n_cancelled = sum(t.state == "cancelled" for t in trials)
    where = "locally" if job.backend == "local" else f"on {job.backend}"
    head = f"{spec.name} ran {where} in {_seconds(wall)}: {len(trials)} trial"
    head += "s" if len(trials) != 1 else ""
    parts = [f"{n_ok} succeeded"]
    if n_failed:
        parts.append(f"{n_failed} failed")
    if n_cancelled:
        parts.append(f"{n_cancelled} stopped")
    if n_run != len(trials):
        parts.append(f"{len(trials) - n_run} kept from an earlier launch")
    text = f"{head} ({', '.join(parts)})"
    if job.state == "failed":
        text += f"; the run failed: {(job.error or '').splitlines()[0][:200]}"
    elif metric_missing:
        text += f"; no trial reported {spec.metric!r}"
    if best is not None and best.value is not None:
        text += f"; best {spec.metric} {best.value:.4g} (trial {best.number})"
    if speed_up is not None:
        text += f"; {speed_up:.2f}× the previous run's speed (wall time per trial)"
    return text


def n_run_of(job: TrainingJob, rec: TrainingRun) -> int:
    """How many of the record's trials this launch ran itself."""
    carried = set(getattr(job, "carried_trials", ()) or ())
    return sum(row["trial"] not in carried for row in rec.trial_rows)


def finish_record(job: TrainingJob) -> TrainingRun:
    """Build the final record of a finished job, add it to the history, and publish
    it when the launch asked to."""
    path = _history_path(job)
    previous = _previous(job)
    rec = build_record(job, previous)
    job._record = rec
    _append_history(
        path,
        {
            "target": job.spec.target,
            "name": job.spec.name,
            "backend": job.backend,
            "state": job.state,
            "wall_seconds": rec.wall_seconds,
            "trials": len(rec.trial_rows),
            "trials_run": n_run_of(job, rec),
            "best_value": rec.best_value,
            "metric": rec.metric,
            "devices": list(rec.devices),
            "run_dir": rec.run_dir,
            "pid": os.getpid(),
            "ended": job._ended,
        },
    )
    if job.spec.publish:
        rec.publish()
    return rec
