"""``TrainingLauncher``: step 3 (training that is too slow) as a widget — a form that
launches a training run (locally or on Vertex AI, with a hyperparameter search) and
a live view of the run.

The form offers only valid combinations: locally, this machine's GPUs (from
:func:`mlnb.accelerators`; "CPU only" when there are none); on Vertex AI, the
machine types of :mod:`mlnb.runtime.training.vertex_catalog` with the accelerators
and counts each one takes. Launch calls :func:`mlnb.train.launch` in the kernel
(it returns at once); an error it raises is shown in the widget, which stays
usable.

The live view follows the job through ``job.subscribe``: events arrive on a
background thread, are folded into bounded buffers (a log tail of
:data:`LOG_TAIL` lines per trial, at most :data:`MAX_POINTS` points per trial and
metric sent), and are pushed to the browser at most once per :data:`PUSH_INTERVAL`
seconds by a timer — never from a loop in the kernel — so trials that stream logs
fast do not flood the browser or hold the kernel. It shows the job's state
changes with their times, one row per trial (parameters, state, objective
value), the last lines of the log of one trial or all of them, and the objective
metric against the step per trial with the best trial so far highlighted; Cancel
stops the run. ``TrainingLauncher(job=job)`` watches a job started elsewhere.

Where widgets cannot render, the display falls back to the job's spec and the
final trials table (with a PNG of the metric chart when there are metrics).
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
import warnings
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

import anywidget
import traitlets as t

from ..checklist.result import MIME_TYPE
from ..core.jsonsafe import jsonable
from ..errors import MlnbValueError
from ..render import training_view as V
from ..runtime.training import vertex_catalog
from .assets import widget_css, widget_esm
from .fallback import StaticFallback
from .quiet import QuietWrites

__all__ = [
    "TrainingLauncher",
    "PUSH_INTERVAL",
    "LOG_TAIL",
    "MAX_POINTS",
    "MAX_LINE",
]

#: Seconds between two pushes of live state to the browser (at most 4 per second).
PUSH_INTERVAL = 0.25
#: Lines of log kept and shown, per trial and for all trials together.
LOG_TAIL = 200
#: Characters of one log line shown (longer lines are cut, with "…").
MAX_LINE = 1000
#: Points per trial and metric sent to the chart (evenly thinned, last kept).
MAX_POINTS = 300
#: Trials drawn in the metric chart (the best, the running, then the latest).
MAX_LINES = 20
#: Points per trial and metric kept in the kernel (halved when reached).
KEEP_POINTS = 4000
#: Entries of the status timeline kept (the first and the latest).
MAX_TIMELINE = 200

BACKENDS = ("local", "vertex")
GOALS = ("maximize", "minimize")
KINDS = ("float", "int", "choice")
DONE_STATES = ("succeeded", "failed", "cancelled")
_NAME_RE = r"[A-Za-z_][A-Za-z0-9_]*"


def _local_gpus() -> list[dict[str, Any]]:
    """This machine's CUDA GPUs as ``{index, name, memory_mib}`` (empty when none
    or when probing fails)."""
    try:
        from ..runtime.training.accelerators import accelerators

        found = accelerators(publish=False, timeout=10.0)
    except Exception:  # noqa: BLE001 - no GPU information: offer CPU only
        return []
    return [
        {"index": g.index, "name": g.name, "memory_mib": g.memory_total_mib}
        for g in found.gpus
    ]


def _vertex_options() -> dict[str, Any]:
    """What the form offers for Vertex AI: every machine type with the
    accelerators (and counts) it takes; CPU-only machines take none."""
    machines = {}
    for machine in vertex_catalog.machine_types():
        offered = vertex_catalog.valid_accelerators(machine)
        machines[machine] = {a: list(c) for a, c in sorted(offered.items())}
    return {
        "machines": machines,
        # a2/a3/a4/g2 and TPU hosts need their accelerator named
        "bundled": sorted(m for m, a in machines.items() if a and m[:3] != "n1-"),
        "accelerator_names": dict(vertex_catalog.ACCELERATOR_TYPES),
        "source": vertex_catalog.SOURCE,
        "source_date": vertex_catalog.SOURCE_DATE,
    }


def _cut(line: Any) -> str:
    text = str(line).rstrip("\r\n")
    return text if len(text) <= MAX_LINE else text[: MAX_LINE - 1] + "…"


def _num(value: Any) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _thin(points: list[tuple[float, float]], n: int) -> list[list[float]]:
    """At most ``n`` points, evenly spread, the first and the last kept."""
    if len(points) <= n:
        return [list(p) for p in points]
    stride = (len(points) - 1) / (n - 1)
    return [list(points[round(i * stride)]) for i in range(n)]


def _field(trial: Any, name: str, default: Any = None) -> Any:
    if isinstance(trial, Mapping):
        return trial.get(name, default)
    return getattr(trial, name, default)


def _parse_value(text: str) -> Any:
    """A choice value typed in the form: int, float, bool or text."""
    s = text.strip()
    if s.lower() in ("true", "false"):
        return s.lower() == "true"
    for kind in (int, float):
        try:
            return kind(s)
        except ValueError:
            pass
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"":
        return s[1:-1]
    return s


class TrainingLauncher(QuietWrites, StaticFallback, anywidget.AnyWidget):
    """Launch a training run — locally or on Vertex AI, optionally a hyperparameter
    search — and watch it: status timeline, trials, log tail, metric chart, Cancel.

    Parameters
    ----------
    target:
        The training script's path (or ``"module:function"``), shown in the form.
    job:
        A running or finished :class:`~mlnb.runtime.training.job.TrainingJob` to
        watch instead of launching one.
    backend:
        ``"local"`` or ``"vertex"``.
    hyperparameters:
        The search space, as :func:`mlnb.train.launch` takes it (``{"lr":
        mlnb.train.Float(1e-4, 1e-1, log=True), "depth": (2, 8), "opt":
        ["adam", "sgd"]}``); each becomes an editable row.
    metric, goal, max_trials, parallel_trials:
        The objective and the size of the search.
    machine_type, accelerator_type, accelerator_count:
        Vertex AI machine and accelerators (checked against the catalog); locally
        ``accelerator_count`` GPUs per trial (0: CPU only).
    **launch_kwargs:
        Passed to :func:`mlnb.train.launch` as they are (``args``, ``env``,
        ``timeout``, ``run_dir``, ``project``, ``location``, ``staging_bucket``
        ...); the form's fields win over them.

    Attributes
    ----------
    form : dict
        What the form holds (set by the view): ``target``, ``backend``,
        ``machine_type``, ``accelerator_type``, ``accelerator_count``,
        ``project``, ``location``, ``staging_bucket``, ``hyperparameters`` (rows
        ``{name, kind, low, high, log, values}``, numbers as text), ``metric``,
        ``goal``, ``max_trials``, ``parallel_trials``.
    options : dict
        What the form offers: ``backends``, ``local`` (``gpus``: this machine's
        GPUs; ``counts``: GPUs per trial, 0 = CPU only), ``vertex``
        (``machines``: machine type → accelerator → allowed counts, from the
        catalog; ``bundled``; ``accelerator_names``), ``goals``, ``kinds``.
    job_info : dict
        The watched job's spec (JSON-safe, no environment values) and backend.
    state : str
        The job's state ("" before a launch).
    job_error : str
        Why the job failed, once it has (the backend's words).
    timeline : list of dict
        ``{time, state, trial}`` per state change of the job (``trial`` None) or
        of a trial, oldest first (the first and latest :data:`MAX_TIMELINE`).
    trials : list of dict
        One per trial: ``number``, ``params``, ``state``, ``value``, ``metrics``,
        ``started``, ``ended``, ``exit_code``, ``devices``, ``error`` (why it
        failed).
    line_counts : dict
        Log lines seen per trial (by trial number as text); it changes with
        every push while trials print, the trials table only when a trial does.
    series : dict
        ``metric`` (charted), ``metrics`` (all seen), ``goal``, ``best`` (trial
        number or None) and ``lines``: per trial ``{trial, points: [[step,
        value], ...], n}`` (at most :data:`MAX_POINTS` points sent of ``n``)
        for at most :data:`MAX_LINES` trials of ``n_trials`` with points.
    chart_metric : str
        The metric charted ("" for the objective metric, else the first seen);
        set by the view.
    log_trial : int
        Whose log tail is shown: a trial number, or -1 for all trials; set by the
        view.
    log_lines : list of str
        The last :data:`LOG_TAIL` lines of that log (trial-prefixed for all).
    log_note : str
        How many lines there were in all.
    error : str
        Why the last launch or setting failed ("" otherwise).
    """

    _esm = widget_esm("training")
    _css = widget_css("training", prefix="mlnb-tl")

    form = t.Dict().tag(sync=True)
    options = t.Dict().tag(sync=True)
    job_info = t.Dict().tag(sync=True)
    state = t.Unicode("").tag(sync=True)
    started = t.Float(None, allow_none=True).tag(sync=True)
    timeline = t.List().tag(sync=True)
    trials = t.List().tag(sync=True)
    series = t.Dict().tag(sync=True)
    chart_metric = t.Unicode("").tag(sync=True)
    line_counts = t.Dict().tag(sync=True)
    log_trial = t.Int(-1).tag(sync=True)
    log_lines = t.List().tag(sync=True)
    log_note = t.Unicode("").tag(sync=True)
    job_error = t.Unicode("").tag(sync=True)
    launching = t.Bool(False).tag(sync=True)
    error = t.Unicode("").tag(sync=True)

    def __init__(
        self,
        target: Any = None,
        *,
        job: Any = None,
        backend: str = "local",
        hyperparameters: Any = None,
        metric: str | None = None,
        goal: str = "maximize",
        max_trials: int = 1,
        parallel_trials: int = 1,
        machine_type: str | None = None,
        accelerator_type: str | None = None,
        accelerator_count: int = 0,
        push_interval: float = PUSH_INTERVAL,
        **launch_kwargs: Any,
    ) -> None:
        if backend not in BACKENDS:
            raise MlnbValueError(
                f"backend must be one of {list(BACKENDS)}; got {backend!r} — "
                'pass backend="local" or backend="vertex"'
            )
        if goal not in GOALS:
            raise MlnbValueError(
                f"goal must be 'maximize' or 'minimize'; got {goal!r} — pass "
                'goal="maximize" for accuracy-like metrics, "minimize" for losses'
            )
        self._launch_kwargs = dict(launch_kwargs)
        self._interval = float(push_interval)
        self._lock = threading.RLock()
        self._push_lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._last_push = 0.0
        self._dirty: set[str] = set()
        self._job: Any = None
        self._objective: str | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._reset_buffers()
        #: pushes of live state made so far (tests and benchmarks count them)
        self.push_count = 0
        gpus = _local_gpus()
        options = {
            "backends": list(BACKENDS),
            "local": {"gpus": gpus, "counts": list(range(len(gpus) + 1))},
            "vertex": _vertex_options(),
            "goals": list(GOALS),
            "kinds": list(KINDS),
        }
        form = {
            "target": "" if target is None else self._target_text(target),
            "backend": backend,
            "machine_type": machine_type or "",
            "accelerator_type": accelerator_type or "",
            "accelerator_count": int(accelerator_count or 0),
            "project": str(launch_kwargs.get("project") or ""),
            "location": str(launch_kwargs.get("location") or ""),
            "staging_bucket": str(launch_kwargs.get("staging_bucket") or ""),
            "image": str(launch_kwargs.get("image") or ""),
            "hyperparameters": self._rows(hyperparameters),
            "metric": metric or "",
            "goal": goal,
            "max_trials": int(max_trials),
            "parallel_trials": int(parallel_trials),
        }
        if backend == "vertex" and not form["machine_type"]:
            form["machine_type"] = "n1-standard-4"
        super().__init__(options=jsonable(options), form=jsonable(form))
        self._target_obj = target if callable(target) else None
        self.on_msg(self._on_msg)
        if job is not None:
            if target is None:  # the form shows what the job runs: relaunch it
                form = self._form_of(getattr(job, "spec", None), form)
                with self._internal():
                    self.form = jsonable(form)
            self.watch(job)

    # -- the form -------------------------------------------------------------------
    def _form_of(self, spec: Any, form: dict[str, Any]) -> dict[str, Any]:
        """``form`` with the fields of a job's spec (what it ran)."""
        if spec is None:
            return form
        out = dict(form)
        backend = getattr(spec, "backend", "local")
        out.update(
            target=str(getattr(spec, "target", "") or ""),
            backend=backend if backend in BACKENDS else "local",
            metric=getattr(spec, "metric", None) or "",
            goal=getattr(spec, "goal", "maximize"),
            max_trials=int(getattr(spec, "max_trials", 1)),
            parallel_trials=int(getattr(spec, "parallel_trials", 1)),
            accelerator_count=int(getattr(spec, "accelerator_count", 0) or 0),
        )
        if out["backend"] == "vertex":
            for key in ("machine_type", "accelerator_type"):
                out[key] = getattr(spec, key, None) or ""
            for key in ("project", "location", "staging_bucket", "image"):
                out[key] = getattr(spec, key, None) or ""
        elif out["accelerator_count"] not in self.options["local"]["counts"]:
            out["accelerator_count"] = 0
        try:
            out["hyperparameters"] = self._rows(getattr(spec, "hyperparameters", None))
        except Exception:  # noqa: BLE001 - the form keeps no rows
            out["hyperparameters"] = []
        return out

    @staticmethod
    def _target_text(target: Any) -> str:
        if callable(target):
            module = getattr(target, "__module__", "") or ""
            name = getattr(target, "__qualname__", getattr(target, "__name__", ""))
            return f"{module}:{name}" if module else str(name)
        return str(target)

    @staticmethod
    def _rows(hyperparameters: Any) -> list[dict[str, Any]]:
        """Form rows of a search space given as :func:`mlnb.train.launch` takes it."""
        if not hyperparameters:
            return []
        from ..runtime.training.space import search_space

        rows = []
        for name, p in search_space(hyperparameters).items():
            kind = p.kind
            row = {"name": name, "kind": kind, "low": "", "high": "", "log": False}
            row["values"] = ""
            if kind == "choice":
                row["values"] = ", ".join(str(v) for v in p.values)
            else:
                row.update(low=repr(p.low), high=repr(p.high), log=bool(p.log))
            rows.append(row)
        return rows

    def search_space(self) -> dict[str, Any]:
        """The form's hyperparameter rows as :class:`~mlnb.train.Float` /
        :class:`~mlnb.train.Int` / :class:`~mlnb.train.Choice` by name.

        Raises
        ------
        MlnbValueError
            A row without a name, twice the same name, a bound that is not a
            number, a choice without values (the message names the row).
        """
        from ..runtime.training.space import Choice, Float, Int

        out: dict[str, Any] = {}
        for i, row in enumerate(self.form.get("hyperparameters") or []):
            name = str(row.get("name", "")).strip()
            where = f"hyperparameter row {i + 1}" + (f" ({name!r})" if name else "")
            if not name:
                raise MlnbValueError(
                    f"{where} has no name — type the argument's name (it is passed "
                    "to the script as --name=value), or remove the row"
                )
            if name in out:
                raise MlnbValueError(
                    f"{where}: {name!r} is given twice — rename or remove one row"
                )
            kind = row.get("kind", "float")
            if kind == "choice":
                text = str(row.get("values", ""))
                values = tuple(_parse_value(v) for v in text.split(",") if v.strip())
                if not values:
                    raise MlnbValueError(
                        f"{where}: a choice needs values; got {text!r} — type them "
                        "separated by commas (adam, sgd)"
                    )
                out[name] = Choice(values)
                continue
            if kind not in ("float", "int"):
                raise MlnbValueError(
                    f"{where}: kind must be float, int or choice; got {kind!r}"
                )
            bounds = []
            for key in ("low", "high"):
                text = str(row.get(key, "")).strip()
                try:
                    bounds.append(int(text) if kind == "int" else float(text))
                except ValueError:
                    raise MlnbValueError(
                        f"{where}: {key} must be {'a whole' if kind == 'int' else 'a'}"
                        f" number; got {text!r} — type a number such as "
                        f"{'8' if kind == 'int' else '0.001'}"
                    ) from None
            cls = Int if kind == "int" else Float
            out[name] = cls(bounds[0], bounds[1], log=bool(row.get("log")))
        return out

    def launch_kwargs(self) -> tuple[Any, dict[str, Any]]:
        """``(target, kwargs)`` that Launch passes to :func:`mlnb.train.launch`:
        the constructor's extra keywords, then the form's fields.

        Raises
        ------
        MlnbValueError
            No target; a hyperparameter row that cannot be read; trials or
            parallel trials that are not whole numbers.
        """
        f = self.form
        text = str(f.get("target", "")).strip()
        if not text:
            raise MlnbValueError(
                "target is empty — type the training script's path (train.py) "
                "in the form, or pass TrainingLauncher('train.py')"
            )
        target: Any = text
        if self._target_obj is not None and text == self._target_text(self._target_obj):
            target = self._target_obj
        kwargs = dict(self._launch_kwargs)
        backend = f.get("backend", "local")
        space = self.search_space()
        counts = {}
        for key in ("max_trials", "parallel_trials"):
            value = f.get(key)
            try:
                counts[key] = int(str(value).strip())
            except ValueError:
                raise MlnbValueError(
                    f"{key} must be a whole number; got {value!r} — type 1 or more"
                ) from None
        kwargs.update(
            backend=backend,
            hyperparameters=space or None,
            metric=str(f.get("metric", "")).strip() or None,
            goal=f.get("goal", "maximize"),
            **counts,
        )
        count = int(f.get("accelerator_count") or 0)
        if backend == "vertex":
            kwargs.update(
                machine_type=f.get("machine_type") or None,
                accelerator_type=f.get("accelerator_type") or None,
                accelerator_count=count if f.get("accelerator_type") else 0,
            )
            for key in ("project", "location", "staging_bucket", "image"):
                value = str(f.get(key, "")).strip()
                if value:
                    kwargs[key] = value
        else:
            for key in ("machine_type", "accelerator_type", "project", "location"):
                kwargs.pop(key, None)
            kwargs.pop("staging_bucket", None)
            kwargs.pop("image", None)
            kwargs["accelerator_count"] = count
        return target, kwargs

    # -- actions ----------------------------------------------------------------------
    def launch(self) -> Any:
        """Launch what the form says (what the Launch button does) and watch the
        job. Returns the job, or None when the launch failed (the reason is in
        :attr:`error`)."""
        if self._job is not None and not self._job_done():
            self.error = (
                "a job is still running — cancel it first, or wait for it to end"
            )
            return None
        self.launching = True
        try:
            from ..runtime.training.launch import launch

            target, kwargs = self.launch_kwargs()
            job = launch(target, **kwargs)
        except Exception as exc:  # noqa: BLE001 - shown in the widget, which stays
            self.error = self._message(exc)
            return None
        finally:
            self.launching = False
        self.error = ""
        self.watch(job)
        return job

    def cancel(self) -> None:
        """Cancel the watched job (what the Cancel button does)."""
        job = self._job
        if job is None:
            self.error = "no job to cancel — launch one first"
            return
        try:
            job.cancel()
        except Exception as exc:  # noqa: BLE001 - shown in the widget
            self.error = self._message(exc)

    @staticmethod
    def _message(exc: BaseException) -> str:
        from ..errors import MlnbError

        text = str(exc) or type(exc).__name__
        return text if isinstance(exc, MlnbError) else f"{type(exc).__name__}: {text}"

    def _on_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        action = content.get("action") if isinstance(content, dict) else None
        if action == "launch":
            self.launch()
        elif action == "cancel":
            self.cancel()

    @property
    def job(self) -> Any:
        """The job watched (None before a launch)."""
        return self._job

    def _job_done(self) -> bool:
        try:
            return bool(self._job.done)
        except Exception:  # noqa: BLE001
            return True

    # -- following a job ------------------------------------------------------------
    def _reset_buffers(self) -> None:
        self._state = ""
        self._timeline: list[dict[str, Any]] = []
        self._trial_rows: dict[int, dict[str, Any]] = {}
        self._points: dict[int, dict[str, list[tuple[float, float]]]] = {}
        self._steps: dict[tuple[int, str], int] = {}
        self._metric_names: list[str] = []
        self._logs: dict[int, deque] = {}
        self._log_all: deque = deque(maxlen=LOG_TAIL)
        self._log_counts: dict[int, int] = {}
        self._started: float | None = None

    def watch(self, job: Any) -> None:
        """Follow ``job`` (replacing the job watched before)."""
        # The job's own lock (TrainingJob keeps one) is held from the snapshot to
        # the subscription, so that no line or metric falls between the two.
        job_lock = getattr(job, "_lock", None) or contextlib.nullcontext()
        with self._lock, job_lock:
            if self._unsubscribe is not None:
                self._unsubscribe()
                self._unsubscribe = None
            self._job = job
            self._reset_buffers()
            self._objective = getattr(getattr(job, "spec", None), "metric", None)
            self._snapshot(job)
            spec = getattr(job, "spec", None)
            info = spec.to_dict() if hasattr(spec, "to_dict") else {}
            info["backend"] = getattr(job, "backend", info.get("backend"))
            self._dirty = {"state", "timeline", "trials", "series", "logs"}
            self._unsubscribe = job.subscribe(self._on_event)
        with self._internal(), self.hold_sync():
            self.job_info = jsonable(info)
            self.job_error = ""
        self._flush()

    def _snapshot(self, job: Any) -> None:
        """What the job has done so far (for a job watched after it started)."""
        now = time.time()
        for trial in job.trials():
            self._apply_trial(trial, timeline=False)
        starts = [r["started"] for r in self._trial_rows.values() if r["started"]]
        ends = [r["ended"] for r in self._trial_rows.values() if r["ended"]]
        state = job.state
        if starts:
            self._started = min(starts)
            self._timeline.append(
                {"time": min(starts), "state": "running", "trial": None}
            )
        for number, row in sorted(self._trial_rows.items()):
            if row["started"]:
                self._add_timeline(row["started"], "running", number)
            if row["ended"]:
                self._add_timeline(row["ended"], row["state"], number)
        self._timeline.sort(key=lambda e: (e["time"], e["trial"] is not None))
        if state != "running" or not starts:
            self._add_timeline(max(ends) if ends and job.done else now, state, None)
        self._state = state
        self._read_logs(job)
        self._read_metrics(job)

    def _read_logs(self, job: Any) -> None:
        """The log tails as the job keeps them (it is the authority: a line that
        arrived before the widget subscribed is there)."""
        numbers = sorted(
            n for n in set(self._trial_rows) | set(self._logs) if n is not None
        )
        tails = {}
        for number in numbers:
            try:
                text = job.logs(trial=number, tail=LOG_TAIL)
            except Exception:  # noqa: BLE001 - no log (yet)
                continue
            tails[number] = text.splitlines() if text else []
        if not any(tails.values()):
            return
        counts = dict(self._log_counts)
        # the events' tail of all trials is in the order lines came; the job's
        # (by trial) only stands in where there is none
        chronological = self._log_all
        for number, lines in tails.items():
            self._logs[number] = deque((_cut(x) for x in lines), maxlen=LOG_TAIL)
            self._log_counts[number] = max(counts.get(number, 0), len(lines))
        if chronological:
            return
        try:
            text = job.logs(trial=None, tail=LOG_TAIL)
        except Exception:  # noqa: BLE001
            return
        for line in text.splitlines() if text else []:
            head, sep, rest = line.partition("] ")
            if sep and head.startswith("[") and head[1:].isdigit():
                self._log_all.append((int(head[1:]), _cut(rest)))
            else:
                self._log_all.append((None, _cut(line)))

    def _read_metrics(self, job: Any) -> None:
        """Every reported metric, from ``job.metrics()`` (replaces what events gave:
        the file is the authority once the job is done)."""
        try:
            frame = job.metrics()
        except Exception:  # noqa: BLE001 - no metrics (yet)
            return
        if frame is None or len(frame) == 0:
            return
        self._points = {}
        self._steps = {}
        for trial, step, name, value in zip(
            frame["trial"], frame["step"], frame["metric"], frame["value"]
        ):
            self._add_point(int(trial), str(name), step, value)

    def _add_timeline(self, when: float, state: str, trial: int | None) -> None:
        self._timeline.append({"time": when, "state": state, "trial": trial})
        if len(self._timeline) > MAX_TIMELINE:
            del self._timeline[MAX_TIMELINE // 2]

    def _apply_trial(self, trial: Any, timeline: bool = True) -> None:
        number = int(_field(trial, "number"))
        row = self._trial_rows.get(number)
        state = str(_field(trial, "state", "queued"))
        if timeline and (row is None or row["state"] != state):
            self._add_timeline(time.time(), state, number)
        self._trial_rows[number] = {
            "number": number,
            "params": jsonable(dict(_field(trial, "params", {}) or {})),
            "state": state,
            "value": _num(_field(trial, "value")),
            "metrics": jsonable(dict(_field(trial, "metrics", {}) or {})),
            "started": _num(_field(trial, "started")),
            "ended": _num(_field(trial, "ended")),
            "exit_code": _field(trial, "exit_code"),
            "devices": [str(d) for d in (_field(trial, "devices", ()) or ())],
            "error": _field(trial, "error"),
        }
        if self._started is None and self._trial_rows[number]["started"]:
            self._started = self._trial_rows[number]["started"]

    def _add_lines(self, trial: int | None, lines: list[str]) -> None:
        tail = self._logs.setdefault(trial, deque(maxlen=LOG_TAIL))
        self._log_counts[trial] = self._log_counts.get(trial, 0) + len(lines)
        # only the last LOG_TAIL lines of a burst can be shown: cut the rest first
        for line in lines[-LOG_TAIL:]:
            text = _cut(line)
            tail.append(text)
            self._log_all.append((trial, text))

    def _add_point(self, trial: int, name: str, step: Any, value: Any) -> None:
        y = _num(value)
        if y is None:
            return
        if name not in self._metric_names:
            self._metric_names.append(name)
        key = (trial, name)
        x = _num(step)
        if x is None:  # no step: the report's position
            x = float(self._steps.get(key, 0))
        self._steps[key] = int(max(self._steps.get(key, 0), x)) + 1
        pts = self._points.setdefault(trial, {}).setdefault(name, [])
        pts.append((x, y))
        if len(pts) >= KEEP_POINTS:
            pts[:] = pts[::2] if pts[-1] == pts[::2][-1] else [*pts[::2], pts[-1]]

    def _on_event(self, event: dict[str, Any]) -> None:
        """A job event (on the job's thread): fold it into the buffers and make
        sure a push is scheduled. Never blocks on the browser."""
        kind = event.get("type")
        with self._lock:
            if kind == "state":
                self._state = str(event.get("state", ""))
                when = _num(event.get("time")) or time.time()
                if self._started is None:
                    self._started = when
                self._add_timeline(when, self._state, None)
                self._dirty |= {"state", "timeline"}
                if self._state in DONE_STATES:
                    self._dirty.add("final")
            elif kind == "trial":
                self._apply_trial(event["trial"])
                self._dirty |= {"trials", "timeline", "series"}
            elif kind == "log":
                trial = event.get("trial")
                trial = None if trial is None else int(trial)
                self._add_lines(trial, list(event.get("lines") or ()))
                self._dirty.add("logs")
            elif kind == "metric":
                trial = int(event.get("trial", 0))
                metrics = event.get("metrics") or {}
                for name, value in metrics.items():
                    self._add_point(trial, str(name), event.get("step"), value)
                row = self._trial_rows.get(trial)
                if row is not None:  # the trial's last values, as the job keeps them
                    row["metrics"] = {**row["metrics"], **jsonable(dict(metrics))}
                    objective = self._objective
                    if objective in metrics:
                        row["value"] = _num(metrics[objective])
                self._dirty |= {"series", "trials"}
            else:
                return
            self._schedule()

    def _schedule(self) -> None:
        # with self._lock held
        if self._timer is not None:
            return
        delay = max(0.0, self._last_push + self._interval - time.monotonic())
        self._timer = threading.Timer(delay, self._flush)
        self._timer.daemon = True
        self._timer.start()

    def flush(self) -> None:
        """Push what changed now (tests; the timer calls it otherwise)."""
        self._flush()

    def _flush(self) -> None:
        with self._push_lock:
            with self._lock:
                self._timer = None
                dirty, self._dirty = self._dirty, set()
                if "final" in dirty and self._job is not None:
                    self._reconcile(self._job)
                    dirty |= {"trials", "series", "timeline", "logs"}
                payload = self._payload(dirty)
                self._last_push = time.monotonic()
            if not payload:
                return
            with self._internal(), self.hold_sync():
                for name, value in payload.items():
                    setattr(self, name, value)
            self.push_count += 1

    def _reconcile(self, job: Any) -> None:
        """At the end, take the trials and metrics from the job itself."""
        try:
            for trial in job.trials():
                self._apply_trial(trial, timeline=False)
        except Exception:  # noqa: BLE001 - keep what the events said
            pass
        self._read_logs(job)
        self._read_metrics(job)

    # -- what the browser gets -----------------------------------------------------
    def _best(self) -> int | None:
        goal = self.job_info.get("goal") or self.form.get("goal", "maximize")
        scored = [
            (r["value"] if goal == "minimize" else -r["value"], n)
            for n, r in self._trial_rows.items()
            if r["value"] is not None
        ]
        return min(scored)[1] if scored else None

    def _chart_metric(self) -> str | None:
        wanted = self.chart_metric or self.job_info.get("metric")
        if wanted and wanted in self._metric_names:
            return wanted
        if self.job_info.get("metric") in self._metric_names:
            return self.job_info["metric"]
        return self._metric_names[0] if self._metric_names else wanted or None

    def _payload(self, dirty: set[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if "state" in dirty:
            out["state"] = self._state
            out["started"] = self._started
            if self._state in DONE_STATES and self._job is not None:
                out["job_error"] = str(getattr(self._job, "error", None) or "")
        if "timeline" in dirty:
            out["timeline"] = jsonable(list(self._timeline))
            out["started"] = self._started
        if "trials" in dirty:
            rows = [self._trial_rows[n] for n in sorted(self._trial_rows)]
            out["trials"] = jsonable(rows)
        if "series" in dirty:
            out["series"] = self._series()
        if "logs" in dirty:
            out.update(self._log_payload())
            counts = self._log_counts
            out["line_counts"] = {
                str(n): counts[n] for n in sorted(k for k in counts if k is not None)
            }
        return out

    def _series(self) -> dict[str, Any]:
        metric = self._chart_metric()
        best = self._best()
        have = [n for n in sorted(self._points) if self._points[n].get(metric or "")]
        shown = have
        if len(have) > MAX_LINES:
            # the best, the running ones, then the latest
            running = [
                n for n in have if self._trial_rows.get(n, {}).get("state") == "running"
            ]
            keep = ([best] if best in have else []) + running[::-1] + have[::-1]
            chosen: list[int] = []
            for n in keep:
                if n not in chosen:
                    chosen.append(n)
            shown = sorted(chosen[:MAX_LINES])
        lines = []
        for n in shown:
            pts = self._points[n][metric]
            lines.append({"trial": n, "points": _thin(pts, MAX_POINTS), "n": len(pts)})
        goal = self.job_info.get("goal") or self.form.get("goal", "maximize")
        return jsonable(
            {
                "metric": metric or "",
                "objective": self.job_info.get("metric") or "",
                "metrics": list(self._metric_names),
                "goal": goal,
                "best": best,
                "lines": lines,
                "n_trials": len(have),
            }
        )

    def _log_payload(self) -> dict[str, Any]:
        n = self.log_trial
        if n >= 0:
            lines = list(self._logs.get(n, ()))
            total = self._log_counts.get(n, 0)
            who = f"trial {n}"
        else:
            multi = sum(k is not None for k in self._logs) > 1
            lines = [
                f"[{i}] {s}" if multi and i is not None else s for i, s in self._log_all
            ]
            total = sum(self._log_counts.values())
            who = "all trials"
        if total > len(lines):
            note = f"last {len(lines):,} of {total:,} lines · {who}"
        else:
            note = f"{total:,} lines · {who}"
        return {"log_lines": lines, "log_note": note}

    # -- observers -------------------------------------------------------------------
    @t.observe("log_trial")
    def _on_log_trial(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        with self._push_lock:  # never inside a push of the timer's
            with self._lock:
                payload = self._log_payload()
            with self._internal(), self.hold_sync():
                for name, value in payload.items():
                    setattr(self, name, value)

    @t.observe("chart_metric")
    def _on_chart_metric(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        with self._push_lock:
            with self._lock:
                series = self._series()
            with self._internal():
                self.series = series

    @t.observe("form")
    def _on_form(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        problem = self._check_form(change["new"])
        if problem:
            self._refuse("form", change["old"], problem)
        elif self.error.startswith("form:"):
            self.error = ""

    def _check_form(self, form: Any) -> str:
        """Why a form the view set is refused ("" when it is fine): only the
        combinations the form offers are accepted."""
        if not isinstance(form, dict):
            return f"form: must be a dict; got {type(form).__name__}"
        backend = form.get("backend")
        if backend not in BACKENDS:
            return f"form: backend must be 'local' or 'vertex'; got {backend!r}"
        if form.get("goal") not in GOALS:
            return (
                f"form: goal must be 'maximize' or 'minimize'; got {form.get('goal')!r}"
            )
        count = form.get("accelerator_count", 0)
        if isinstance(count, bool) or not isinstance(count, int):
            return f"form: accelerator_count must be a whole number; got {count!r}"
        if backend == "local":
            counts = self.options["local"]["counts"]
            if count not in counts:
                return (
                    f"form: this machine has {len(counts) - 1} GPU(s); "
                    f"got accelerator_count={count}"
                )
            return ""
        machines = self.options["vertex"]["machines"]
        machine = form.get("machine_type")
        if machine not in machines:
            return f"form: {machine!r} is not a Vertex AI training machine type"
        accel = form.get("accelerator_type") or ""
        offered = machines[machine]
        if accel and accel not in offered:
            valid = ", ".join(offered) or "none (CPU only)"
            return f"form: {machine} does not take {accel}; it takes {valid}"
        if accel and count not in offered[accel]:
            return f"form: {machine} takes {offered[accel]} × {accel}; got {count}"
        return ""

    def close(self) -> None:
        """Stop following the job (it runs on) and close the widget."""
        if not hasattr(self, "_lock"):  # the constructor refused its arguments
            super().close()
            return
        with self._lock:
            if self._unsubscribe is not None:
                self._unsubscribe()
                self._unsubscribe = None
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        super().close()

    # -- display ---------------------------------------------------------------------
    def __repr__(self) -> str:
        if self._job is None:
            target = self.form.get("target") if hasattr(self, "form") else ""
            return f"<TrainingLauncher step 3 (training): not launched — {target}>"
        name = self.job_info.get("name", "")
        return (
            f"<TrainingLauncher step 3 (training): {name} "
            f"{self._state or 'queued'} — {len(self._trial_rows)} trial(s)>"
        )

    def record(self) -> dict[str, Any] | None:
        """The status record of the job's step-3 record once the job is done,
        else None (a launcher that has run nothing reports nothing)."""
        job = self._job
        if job is None or not self._job_done():
            return None
        try:
            return job.record().record()
        except Exception:  # noqa: BLE001 - the record is optional here
            return None

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict, dict]:
        data, metadata = super()._repr_mimebundle_(**kwargs)
        if data.get(MIME_TYPE) is None:
            data.pop(MIME_TYPE, None)
        return data, metadata

    def _static_png(self) -> str | None:
        """The metric chart as a base64 PNG, None without metrics or when drawing
        fails (the fallback must never stop the widget)."""
        with self._lock:
            series = self._series()
        if not series["lines"]:
            return None
        try:
            from ..render import plots

            ax = V.plot_trials(series)
            return plots.figure_png_base64(ax.figure)
        except Exception as exc:  # noqa: BLE001 - report, keep the widget working
            warnings.warn(
                f"TrainingLauncher could not draw its static PNG: {exc}",
                RuntimeWarning,
                stacklevel=3,
            )
            return None

    def _static_html(self, png: str | None) -> str:
        with self._lock:
            trials = [dict(self._trial_rows[n]) for n in sorted(self._trial_rows)]
            series = self._series()
        return V.launcher_html(
            form=self.form,
            job_info=self.job_info if self._job is not None else None,
            state=self._state,
            trials=trials,
            best=series["best"],
            png=png,
        )
