"""The local backend: each trial is a real subprocess on this machine.

:func:`start` returns at once; a scheduler thread runs the trials, at most
``parallel_trials`` at a time (bounded by the CPU cores and, for GPU trials, by the
GPUs: each trial sees only its own ``accelerator_count`` GPUs through
``CUDA_VISIBLE_DEVICES``, an empty one for CPU trials). Each trial is
``sys.executable`` in its own process group (``start_new_session``), so Ctrl-C in the
notebook does not reach it and cancelling kills everything it started (SIGTERM to the
group, SIGKILL after :data:`GRACE_SECONDS`).

A trial's output (stdout and stderr together) is streamed by a reader thread into
``trial-NNNN/log.txt`` and an in-memory tail; the metrics it reports
(:func:`mlnb.train.report`) are read back from ``trial-NNNN/metrics.jsonl`` whenever
the reader wakes (output, or every half second) and at exit.

A search (a space with ranges or choices) is driven by Optuna's ask-and-tell with a
seeded TPE sampler; the study is a journal file in the run directory, so launching
the same name again continues it: finished trials count towards ``max_trials`` and
a trial interrupted while running is run again with the same parameters.

Layout of a run directory::

    mlnb-runs/<name>/spec.json          the launch request (no env values)
    mlnb-runs/<name>/study.journal      the Optuna study (searches)
    mlnb-runs/<name>/trial-0003/        log.txt, metrics.jsonl, params.json,
                                        trial.json (its end), model/ (AIP_MODEL_DIR)
    mlnb-runs/history.jsonl             one line per finished run (for speed-ups)
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import json
import logging
import os
import queue
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
import weakref
from pathlib import Path
from typing import Any

from ...errors import MissingDependencyError, MlnbValueError
from .job import TrainingJob, Trial
from .space import is_search, space_to_dict, to_args
from .spec import LaunchSpec

__all__ = [
    "start",
    "LocalTrainingJob",
    "visible_gpus",
    "GRACE_SECONDS",
    "prepare_run_dir",
]

log = logging.getLogger(__name__)

#: Seconds between SIGTERM and SIGKILL when a trial is cancelled.
GRACE_SECONDS = 2.0
#: How often a trial's reader wakes when the trial prints nothing (metrics tail).
READER_WAKE_SECONDS = 0.5
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[3])

_LIVE: weakref.WeakSet = weakref.WeakSet()
_gpu_cache: list[tuple[str, ...]] = []


# ----------------------------------------------------------------------- GPUs
def visible_gpus(refresh: bool = False) -> tuple[str, ...]:
    """The GPU ids local trials may use (``CUDA_VISIBLE_DEVICES`` of this process
    when it is set, else the devices the NVIDIA driver lists); ``()`` without GPUs.
    Read once per process (``refresh=True`` reads again)."""
    if _gpu_cache and not refresh:
        return _gpu_cache[0]
    env = os.environ.get("CUDA_VISIBLE_DEVICES")
    if env is not None:
        ids = tuple(p.strip() for p in env.split(",") if p.strip())
        # CUDA stops at the first invalid id ("-1" hides every device)
        out: list[str] = []
        for p in ids:
            if p.startswith("-"):
                break
            out.append(p)
        found = tuple(out)
    else:
        from .accelerators import _probe_gpus

        gpus, _, _ = _probe_gpus(5.0, [])
        found = tuple(str(g.index) for g in gpus)
    _gpu_cache[:] = [found]
    return found


def _require_optuna() -> Any:
    try:
        import optuna
    except ImportError as exc:
        raise MissingDependencyError(
            "optuna", "train", "the local hyperparameter search"
        ) from exc
    return optuna


# ------------------------------------------------------------------ run dirs
def _spec_key(spec: LaunchSpec) -> dict:
    return {
        "target": spec.target,
        "hyperparameters": space_to_dict(spec.hyperparameters),
        "metric": spec.metric,
        "goal": spec.goal,
    }


def prepare_run_dir(spec: LaunchSpec) -> tuple[Path, bool]:
    """The directory this launch writes to, and whether it resumes a search there.

    - nothing there (or an empty folder): use it;
    - ``overwrite=True``: remove what is there and use it;
    - a search of the same target, space, metric and goal with ``resume=True``:
      continue it;
    - a search with another space: :class:`MlnbValueError` (pass another ``name=``
      or ``overwrite=True``);
    - otherwise (a single run again, or ``resume=False``): a new directory next to
      it, ``<run_dir>-2``, ``-3``, ... — nothing is overwritten.
    """
    base = Path(spec.run_dir)
    if not base.exists() or (base.is_dir() and not any(base.iterdir())):
        return base, False
    if spec.overwrite:
        _refuse_live(spec, base)
        if base.is_dir():
            shutil.rmtree(base)
        else:
            base.unlink()
        return base, False
    if not base.is_dir():
        raise MlnbValueError(
            f"run_dir {str(base)!r} is a file, not a folder; pass another run_dir= "
            f"or overwrite=True"
        )
    search = is_search(spec.hyperparameters)
    stored = _read_json(base / "spec.json")
    if search and spec.resume and (base / "study.journal").exists():
        if stored is not None and _spec_key_of(stored) != _spec_key(spec):
            raise MlnbValueError(
                f"a different search already ran under the name {spec.name!r} in "
                f"{str(base)!r} (target, hyperparameters, metric or goal differ: "
                f"stored {_spec_key_of(stored)!r}); pass another name= for a new "
                f"search, or overwrite=True to replace it"
            )
        _refuse_live(spec, base)
        return base, True
    n = 2
    while True:
        candidate = base.with_name(f"{base.name}-{n}")
        if not candidate.exists():
            return candidate, False
        n += 1


def _refuse_live(spec: LaunchSpec, base: Path) -> None:
    for job in list(_LIVE):
        if not job.done and Path(job.run_dir) == base:
            raise MlnbValueError(
                f"the run {spec.name!r} is still running in {str(base)!r}; wait for "
                f"it (job.wait()) or stop it (job.cancel()) first, or pass another "
                f"name= to run both"
            )


def _spec_key_of(stored: dict) -> dict:
    return {k: stored.get(k) for k in ("target", "hyperparameters", "metric", "goal")}


def _read_json(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def _write_json(path: Path, obj: Any) -> None:
    from ...core.jsonsafe import jsonable

    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(jsonable(obj), fh, indent=1)
    os.replace(tmp, path)


# -------------------------------------------------------------------- the job
class _Running:
    """What the scheduler holds for one running trial."""

    def __init__(self, number: int, proc: subprocess.Popen, gpus: tuple[str, ...]):
        self.number = number
        self.proc = proc
        self.gpus = gpus
        self.cancelled = False
        self.thread: threading.Thread | None = None
        self.optuna_trial: Any = None


class LocalTrainingJob(TrainingJob):
    """A training job whose trials run as subprocesses on this machine.

    Attributes
    ----------
    run_dir:
        Where its trials, logs and study live.
    resumed:
        True when it continues an earlier search of the same name.
    slots:
        How many trials run at once (``parallel_trials`` bounded by the CPU cores
        and GPUs).
    """

    backend = "local"

    def __init__(self, spec: LaunchSpec) -> None:
        super().__init__(spec, "local")
        self.search = is_search(spec.hyperparameters)
        if self.search:
            _require_optuna()  # before anything is written
        self.run_dir, self.resumed = prepare_run_dir(spec)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self._cancel = threading.Event()
        self._timed_out = False
        self._events: queue.Queue = queue.Queue()
        self._running: dict[int, _Running] = {}
        self._free_gpus: list[str] = []
        self._study = None
        self._to_rerun: list[dict] = []
        self._pickle_path: Path | None = None
        self.slots = self._slots()
        cpu = os.cpu_count() or 1
        self._notes: list[str] = []
        if self.slots < spec.parallel_trials:
            why = f"{cpu} CPU cores"
            if spec.accelerator_count:
                why += f", {len(self._free_gpus)} GPUs"
            self._notes.append(
                f"parallel_trials={spec.parallel_trials} lowered to {self.slots} "
                f"({why} here)"
            )
        if spec.kind == "callable" and spec.callable_blob is not None:
            self._pickle_path = self.run_dir / "target.pkl"
            self._pickle_path.write_bytes(spec.callable_blob)
        stored = {**spec.to_dict(), "run_dir": str(self.run_dir)}
        _write_json(self.run_dir / "spec.json", stored)
        if self.search:
            self._open_study()

    # -- setup ---------------------------------------------------------------
    def _slots(self) -> int:
        spec = self.spec
        cpu = os.cpu_count() or 1
        slots = max(1, min(spec.parallel_trials, cpu))
        if spec.accelerator_count > 0:
            gpus = list(visible_gpus())
            self._free_gpus = gpus
            slots = max(1, min(slots, len(gpus) // spec.accelerator_count))
        return slots

    def _open_study(self) -> None:
        optuna = _require_optuna()
        from optuna.storages import JournalStorage
        from optuna.storages.journal import JournalFileBackend

        if optuna.logging.get_verbosity() == optuna.logging.INFO:
            optuna.logging.set_verbosity(optuna.logging.WARNING)
        storage = JournalStorage(
            JournalFileBackend(str(self.run_dir / "study.journal"))
        )
        spec = self.spec
        existing = 0
        if self.resumed:
            try:
                existing = len(
                    optuna.load_study(study_name=spec.name, storage=storage).trials
                )
            except KeyError:
                existing = 0
        sampler = optuna.samplers.TPESampler(
            seed=existing, constant_liar=spec.parallel_trials > 1
        )
        self._study = optuna.create_study(
            storage=storage,
            study_name=spec.name,
            direction=spec.goal,
            sampler=sampler,
            load_if_exists=True,
        )
        if self.resumed:
            self._load_previous()

    def _load_previous(self) -> None:
        """Kept trials of an earlier launch of this search; interrupted ones re-run."""
        from optuna.trial import TrialState

        for ft in self._study.get_trials(deepcopy=False):
            interrupted = ft.state == TrialState.RUNNING or bool(
                ft.user_attrs.get("mlnb_interrupted")
            )
            if ft.state == TrialState.WAITING:
                continue
            if interrupted:
                if ft.state == TrialState.RUNNING:
                    self._study.tell(ft.number, state=TrialState.FAIL)
                if not (self._trial_dir(ft.number) / "rerun").exists():
                    self._to_rerun.append(dict(ft.params))
                    self._mark_rerun(ft.number)
                continue
            saved = _read_json(self._trial_dir(ft.number) / "trial.json") or {}
            state = "succeeded" if ft.state == TrialState.COMPLETE else "failed"
            trial = Trial(
                number=ft.number,
                params=dict(saved.get("params") or ft.params),
                state=state,
                value=ft.value if ft.state == TrialState.COMPLETE else None,
                metrics=dict(saved.get("metrics") or {}),
                started=saved.get("started"),
                ended=saved.get("ended"),
                exit_code=saved.get("exit_code"),
                artifact_dir=str(self._trial_dir(ft.number) / "model"),
                devices=tuple(saved.get("devices") or ()),
                error=saved.get("error"),
            )
            with self._lock:
                self._trials[ft.number] = trial
                self._load_metrics_file(ft.number)
                lines = self._read_log_tail(ft.number)
                if lines:
                    from collections import deque

                    from .job import LOG_TAIL_LINES

                    self._logs[ft.number] = deque(lines, maxlen=LOG_TAIL_LINES)

    def _mark_rerun(self, number: int) -> None:
        # a finished Optuna trial's attributes cannot change: the re-run is
        # remembered in the trial's own folder, so a later launch does not repeat it
        path = self._trial_dir(number) / "rerun"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("re-run in a later launch\n", encoding="utf-8")

    # -- paths ---------------------------------------------------------------
    def _trial_dir(self, number: int) -> Path:
        return self.run_dir / f"trial-{number:04d}"

    def _read_log_tail(self, number: int, tail: int | None = 2000) -> list[str]:
        try:
            with open(
                self._trial_dir(number) / "log.txt", encoding="utf-8", errors="replace"
            ) as fh:
                lines = fh.read().splitlines()
        except OSError:
            return []
        return lines if tail is None else lines[-tail:]

    def _load_metrics_file(self, number: int) -> None:
        for step, when, metrics in _parse_metric_lines(
            self._trial_dir(number) / "metrics.jsonl", 0
        )[0]:
            for name, value in metrics.items():
                self._metric_rows.append(
                    {
                        "trial": number,
                        "step": step,
                        "metric": name,
                        "value": value,
                        "time": when,
                    }
                )

    # -- public --------------------------------------------------------------
    def logs(self, trial: int | None = None, tail: int | None = 200) -> str:
        """As :meth:`TrainingJob.logs`; ``tail=None`` for one trial reads its whole
        log file."""
        if trial is not None and tail is None:
            return "\n".join(self._read_log_tail(trial, None))
        return super().logs(trial, tail)

    def cancel(self) -> None:
        """Stop the job: no new trial starts; running trials get SIGTERM (their
        whole process group), then SIGKILL after :data:`GRACE_SECONDS`."""
        if self.done:
            return
        self._cancel.set()
        self._set_state("cancelling")
        self._events.put(("cancel", None))

    # -- scheduler -----------------------------------------------------------
    def _begin(self) -> None:
        _LIVE.add(self)
        thread = threading.Thread(
            target=self._schedule, name=f"mlnb-train-{self.spec.name}", daemon=True
        )
        self._scheduler = thread
        thread.start()

    def _already_done(self) -> int:
        with self._lock:
            return sum(
                t.state in ("succeeded", "failed") for t in self._trials.values()
            )

    def _schedule(self) -> None:
        spec = self.spec
        try:
            self._set_state("running")
            deadline = None if spec.timeout is None else time.monotonic() + spec.timeout
            to_start = max(0, spec.max_trials - self._already_done())
            while True:
                while (
                    not self._cancel.is_set()
                    and to_start > 0
                    and len(self._running) < self.slots
                ):
                    self._start_trial()
                    to_start -= 1
                if not self._running and (to_start == 0 or self._cancel.is_set()):
                    break
                wait = (
                    None if deadline is None else max(0.0, deadline - time.monotonic())
                )
                try:
                    kind, payload = self._events.get(timeout=wait)
                except queue.Empty:
                    kind, payload = "timeout", None
                if kind == "ended":
                    self._trial_ended(payload)
                elif kind in ("cancel", "timeout"):
                    if kind == "timeout":
                        deadline = None
                        self._timed_out = True
                        self._cancel.set()
                        self._set_state("cancelling")
                    self._terminate_all()
            self._finish_job()
        except BaseException as exc:  # the job ends failed, never silently hangs
            log.exception("training scheduler failed")
            self._terminate_all()
            for r in list(self._running.values()):
                if r.thread is not None:
                    r.thread.join(GRACE_SECONDS + 1)
            self._finish("failed", f"the scheduler failed: {type(exc).__name__}: {exc}")
        finally:
            _LIVE.discard(self)

    def _next_params(self) -> tuple[int, dict, Any]:
        if self._study is None:
            with self._lock:
                number = max(self._trials, default=-1) + 1
            fixed = {k: p.values[0] for k, p in self.spec.hyperparameters.items()}
            return number, fixed, None
        if self._to_rerun:
            self._study.enqueue_trial(self._to_rerun.pop(0))
        ot = self._study.ask()
        params = {
            name: p.suggest(ot, name) for name, p in self.spec.hyperparameters.items()
        }
        return ot.number, params, ot

    def _start_trial(self) -> None:
        spec = self.spec
        number, params, optuna_trial = self._next_params()
        tdir = self._trial_dir(number)
        model_dir = tdir / "model"
        model_dir.mkdir(parents=True, exist_ok=True)
        metrics_path = tdir / "metrics.jsonl"
        metrics_path.touch()
        _write_json(tdir / "params.json", params)
        gpus: tuple[str, ...] = ()
        if spec.accelerator_count > 0:
            gpus = tuple(self._free_gpus[: spec.accelerator_count])
            del self._free_gpus[: spec.accelerator_count]
        env = dict(os.environ)
        env.update(spec.env)
        env.update(
            {
                "AIP_MODEL_DIR": str(model_dir),
                "CLOUD_ML_TRIAL_ID": str(number),
                "MLNB_TRAIN_METRICS": str(metrics_path),
                "PYTHONUNBUFFERED": "1",
                "CUDA_VISIBLE_DEVICES": ",".join(gpus),
            }
        )
        env.pop("CLOUD_ML_HP_METRIC_FILE", None)
        paths = [os.getcwd()]
        if spec.kind == "callable" and self._pickle_path is None:
            root = _module_root(spec.target)
            if root:
                paths.insert(0, root)
        if env.get("PYTHONPATH"):
            paths.append(env["PYTHONPATH"])
        paths.append(_PACKAGE_ROOT)
        env["PYTHONPATH"] = os.pathsep.join(paths)
        if spec.kind == "script":
            cmd = [sys.executable, "-u", spec.target, *spec.args, *to_args(params)]
        else:
            params_path = tdir / "kwargs.json"
            _write_json(params_path, params)
            cmd = [sys.executable, "-u", "-m", "mlnb.runtime.training._entry"]
            if self._pickle_path is not None:
                cmd += ["--pickle", str(self._pickle_path)]
            else:
                cmd += ["--target", spec.target]
            cmd += ["--params", str(params_path)]
            if spec.metric:
                cmd += ["--metric", spec.metric]
            cmd += list(spec.args)
        devices = tuple(f"cuda:{g}" for g in gpus) or ("cpu",)
        started = time.time()
        trial = Trial(
            number=number,
            params=dict(params),
            state="running",
            started=started,
            artifact_dir=str(model_dir),
            devices=devices,
        )
        log_fh = open(tdir / "log.txt", "ab")  # noqa: SIM115 - closed by the reader
        try:
            proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=os.getcwd(),
                start_new_session=True,
                close_fds=True,
            )
        except OSError as exc:
            log_fh.close()
            self._update_trial(
                dataclasses.replace(
                    trial,
                    state="failed",
                    ended=time.time(),
                    error=f"could not start: {exc}",
                )
            )
            self._free_gpus.extend(gpus)
            if optuna_trial is not None:
                from optuna.trial import TrialState

                self._study.tell(optuna_trial, state=TrialState.FAIL)
            return
        running = _Running(number, proc, gpus)
        running.optuna_trial = optuna_trial
        self._running[number] = running
        self._update_trial(trial)
        reader = threading.Thread(
            target=self._read_trial,
            args=(running, log_fh, metrics_path),
            name=f"mlnb-trial-{number}",
            daemon=True,
        )
        running.thread = reader
        reader.start()

    # -- one trial's reader ----------------------------------------------------
    def _read_trial(self, running: _Running, log_fh: Any, metrics_path: Path) -> None:
        proc = running.proc
        fd = proc.stdout.fileno()
        offset = 0
        partial = b""
        leader_gone_at: float | None = None
        try:
            while True:
                ready, _, _ = select.select([fd], [], [], READER_WAKE_SECONDS)
                if ready:
                    chunk = os.read(fd, 65536)
                    if not chunk:
                        break
                    log_fh.write(chunk)
                    log_fh.flush()
                    data = partial + chunk
                    *lines, partial = data.split(b"\n")
                    if lines:
                        self._emit_log(
                            running.number,
                            [
                                ln.decode("utf-8", "replace").rstrip("\r")
                                for ln in lines
                            ],
                        )
                offset = self._tail_metrics(running.number, metrics_path, offset)
                if proc.poll() is not None:
                    # the leader exited; a child still holding the pipe is killed
                    if leader_gone_at is None:
                        leader_gone_at = time.monotonic()
                    elif time.monotonic() - leader_gone_at > GRACE_SECONDS:
                        _killpg(proc.pid, signal.SIGKILL)
                        break
            if partial:
                self._emit_log(
                    running.number, [partial.decode("utf-8", "replace").rstrip("\r")]
                )
            code = proc.wait()
            _killpg(proc.pid, signal.SIGKILL)  # anything it left behind in its group
            _wait_group_gone(proc.pid)
            self._tail_metrics(running.number, metrics_path, offset)
        except BaseException as exc:  # never leave the scheduler waiting
            log.exception("trial reader failed")
            _killpg(proc.pid, signal.SIGKILL)
            code = proc.wait()
            self._emit_log(running.number, [f"[mlnb] log reader failed: {exc}"])
        finally:
            log_fh.close()
            with contextlib.suppress(OSError):
                proc.stdout.close()
        self._events.put(("ended", (running.number, code)))

    def _tail_metrics(self, number: int, path: Path, offset: int) -> int:
        entries, offset = _parse_metric_lines(path, offset)
        for step, when, metrics in entries:
            self._emit_metric(number, step, metrics, when)
        return offset

    # -- ends ----------------------------------------------------------------
    def _trial_ended(self, payload: tuple[int, int]) -> None:
        number, code = payload
        running = self._running.pop(number)
        self._free_gpus.extend(running.gpus)
        with self._lock:
            trial = self._trials[number]
        spec = self.spec
        error = None
        if running.cancelled:
            state = "cancelled"
            error = "timed out" if self._timed_out else "cancelled"
        elif code != 0:
            state = "failed"
            error = f"exit code {code}" + (
                f" (killed by signal {-code})" if code < 0 else ""
            )
        elif spec.metric is not None and trial.value is None:
            state = "failed"
            reported = ", ".join(sorted(trial.metrics)) or "nothing"
            error = (
                f"the script never reported the metric {spec.metric!r} (it reported: "
                f"{reported}); call mlnb.train.report({spec.metric}=...) or pass the "
                f"metric it reports as metric="
            )
        else:
            state = "succeeded"
        trial = self._replace_trial(
            number, state=state, ended=time.time(), exit_code=code, error=error
        )
        _write_json(self._trial_dir(number) / "trial.json", trial.to_dict())
        if running.optuna_trial is not None:
            from optuna.trial import TrialState

            if state == "succeeded":
                self._study.tell(running.optuna_trial, trial.value)
            else:
                if state == "cancelled":
                    running.optuna_trial.set_user_attr("mlnb_interrupted", True)
                self._study.tell(running.optuna_trial, state=TrialState.FAIL)

    def _terminate_all(self) -> None:
        for running in list(self._running.values()):
            running.cancelled = True
            _killpg(running.proc.pid, signal.SIGTERM)
        if self._running:
            pids = [r.proc.pid for r in self._running.values()]
            timer = threading.Timer(GRACE_SECONDS, _kill_all, args=(pids,))
            timer.daemon = True
            timer.start()

    def _finish_job(self) -> None:
        trials = self.trials()
        ok = [t for t in trials if t.state == "succeeded"]
        failed = [t for t in trials if t.state == "failed"]
        if self._cancel.is_set():
            error = (
                f"timed out after {self.spec.timeout:g} s (timeout=)"
                if self._timed_out
                else None
            )
            self._finish("cancelled", error)
        elif not ok:
            if failed:
                last = failed[-1]
                error = f"every trial failed; trial {last.number}: {last.error}"
            else:
                error = "no trial ran"
            self._finish("failed", error)
        else:
            self._finish("succeeded")


def _parse_metric_lines(path: Path, offset: int) -> tuple[list[tuple], int]:
    """Complete JSON lines of a metrics file from ``offset``; the new offset."""
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            data = fh.read()
    except OSError:
        return [], offset
    end = data.rfind(b"\n")
    if end < 0:
        return [], offset
    out = []
    for raw in data[: end + 1].splitlines():
        try:
            row = json.loads(raw)
            metrics = {str(k): float(v) for k, v in (row.get("metrics") or {}).items()}
        except (ValueError, TypeError, AttributeError):
            continue
        step = row.get("step")
        out.append((step if isinstance(step, int) else None, row.get("time"), metrics))
    return out, offset + end + 1


def _module_root(target: str) -> str | None:
    module = sys.modules.get(target.partition(":")[0])
    file = getattr(module, "__file__", None)
    if not file:
        return None
    root = Path(file).resolve().parent
    depth = target.partition(":")[0].count(".")
    if Path(file).name == "__init__.py":
        depth += 1
    for _ in range(depth):
        root = root.parent
    return str(root)


def _killpg(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def _group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of a process group, read from /proc."""
    out = []
    try:
        entries = os.listdir("/proc")
    except OSError:  # pragma: no cover - no /proc (macOS): trust killpg
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # fields: state, ppid, pgrp, ...
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] not in "ZX":
            out.append(int(entry))
    return out


def _wait_group_gone(pgid: int, timeout: float = GRACE_SECONDS) -> None:
    """Wait until every process of the killed group has exited (a process closes
    its pipes before it is gone, so end of output is not the end of the group)."""
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return
    deadline = time.monotonic() + timeout
    while _group_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.01)


def _kill_all(pids: list[int]) -> None:
    for pid in pids:
        _killpg(pid, signal.SIGKILL)


@atexit.register
def _kill_live_trials() -> None:  # pragma: no cover - at interpreter exit
    for job in list(_LIVE):
        for running in list(getattr(job, "_running", {}).values()):
            _killpg(running.proc.pid, signal.SIGKILL)


def start(spec: LaunchSpec) -> LocalTrainingJob:
    """Start ``spec`` on this machine; returns at once with the running job.

    Raises
    ------
    MlnbValueError
        The run directory holds a different search of the same name.
    MissingDependencyError
        A search needs Optuna (``pip install "mlnb[train]"``).
    """
    job = LocalTrainingJob(spec)
    job._begin()
    return job
