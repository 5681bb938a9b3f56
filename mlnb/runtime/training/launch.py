""":func:`launch`: validate a training request once, then hand it to a backend."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from importlib import import_module
from pathlib import Path
from typing import Any

from ...errors import MissingDependencyError, MlnbValueError
from .job import TrainingJob
from .space import is_search, search_space
from .spec import BACKENDS, GOALS, LaunchSpec, looks_secret

__all__ = ["launch", "build_spec", "DEFAULT_VERTEX_MACHINE", "DEFAULT_RUNS_DIR"]

#: Vertex AI's own default for custom training (``CustomJob.from_local_script``).
DEFAULT_VERTEX_MACHINE = "n1-standard-4"
#: Where local runs go (relative to the working directory).
DEFAULT_RUNS_DIR = "mlnb-runs"

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")
_METRIC = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*\Z")


def _count(value: Any, argument: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            import numpy as np

            if isinstance(value, np.integer):
                value = int(value)
        except ImportError:  # pragma: no cover
            pass
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise MlnbValueError(
            f"{argument} must be an integer >= {minimum}, got "
            f"{type(value).__name__} {value!r}; pass e.g. {argument}={max(minimum, 1)}"
        )
    return value


def _importable(fn: Callable) -> str | None:
    """``module:qualname`` when ``fn`` can be imported back by that name."""
    module = getattr(fn, "__module__", None)
    qualname = getattr(fn, "__qualname__", None)
    if not module or not qualname or module == "__main__" or "<" in qualname:
        return None
    try:
        obj: Any = import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except Exception:
        return None
    if obj is not fn:
        return None
    file = getattr(import_module(module), "__file__", None)
    if not file:
        return None
    return f"{module}:{qualname}"


def _target(target: Any) -> tuple[str, str, str, bytes | None]:
    """``(target text, kind, default name, pickled callable or None)``."""
    if isinstance(target, (str, os.PathLike)):
        path = Path(os.fspath(target)).expanduser()
        if path.suffix != ".py":
            raise MlnbValueError(
                f"target {str(target)!r} is not a Python script (.py); pass the path "
                f"of a .py training script, or a Python function"
            )
        if not path.is_file():
            where = path.resolve().parent
            raise MlnbValueError(
                f"target script {str(target)!r} does not exist (looked in "
                f"{str(where)!r}); check the path, relative to {os.getcwd()!r}"
            )
        path = path.resolve()
        return str(path), "script", path.stem, None
    if callable(target) and not isinstance(target, type):
        name = getattr(target, "__name__", None) or type(target).__name__
        if name == "<lambda>":
            name = "lambda"
        ref = _importable(target)
        if ref is not None:
            return ref, "callable", name, None
        try:
            import cloudpickle
        except ImportError as exc:
            raise MissingDependencyError(
                "cloudpickle", "train", "running a notebook function as a trial"
            ) from exc
        try:
            blob = cloudpickle.dumps(target)
        except Exception as exc:
            raise MlnbValueError(
                f"target {name!r} could not be pickled to run in a trial process "
                f"({type(exc).__name__}: {exc}); it probably captures an object that "
                f"cannot be sent (an open file, a lock, a model on a GPU): create "
                f"that object inside the function, or put the function in a .py file"
            ) from None
        module = getattr(target, "__module__", None) or "__main__"
        qualname = getattr(target, "__qualname__", name)
        return f"{module}:{qualname}", "callable", name, blob
    raise MlnbValueError(
        f"target must be the path of a .py training script or a Python function, "
        f"got {type(target).__name__}; pass e.g. launch('train.py') or "
        f"launch(train_fn)"
    )


def _texts(value: Any, argument: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise MlnbValueError(
            f"{argument} must be a list of text arguments, got "
            f"{type(value).__name__} {value!r}; pass e.g. {argument}=['--epochs=3']"
        )
    out = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise MlnbValueError(
                f"{argument} holds {type(item).__name__} {item!r}; every item must be "
                f"text (or a number, written as text)"
            )
        out.append(str(item))
    return tuple(out)


def _env(env: Any) -> dict[str, str]:
    if env is None:
        return {}
    if not isinstance(env, Mapping):
        raise MlnbValueError(
            f"env must be a dict of variable name -> text, got {type(env).__name__}; "
            f"pass e.g. env={{'MY_FLAG': '1'}}"
        )
    out = {}
    for key, value in env.items():
        if not isinstance(key, str) or not key or "=" in key:
            raise MlnbValueError(
                f"env has the name {key!r}; environment names are non-empty text "
                f"without '='"
            )
        if not isinstance(value, str):
            shown = "a value" if looks_secret(key) else f"{value!r}"
            raise MlnbValueError(
                f"env[{key!r}] must be text, got {type(value).__name__} ({shown}); "
                f"pass str(value), e.g. env={{{key!r}: '1'}}"
            )
        out[key] = value
    return out


def build_spec(
    target: Any,
    *,
    backend: str = "local",
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    machine_type: str | None = None,
    accelerator_type: str | None = None,
    accelerator_count: int = 0,
    replica_count: int = 1,
    image: str | None = None,
    requirements: Sequence[str] | None = None,
    hyperparameters: Mapping[str, Any] | None = None,
    metric: str | None = None,
    goal: str = "maximize",
    max_trials: int = 1,
    parallel_trials: int = 1,
    timeout: float | None = None,
    name: str | None = None,
    run_dir: str | os.PathLike | None = None,
    project: str | None = None,
    location: str | None = None,
    staging_bucket: str | None = None,
    resume: bool = True,
    overwrite: bool = False,
    publish: bool = True,
) -> LaunchSpec:
    """Every check :func:`launch` makes before a backend is involved; the
    :class:`LaunchSpec` it hands on. Same arguments as :func:`launch`."""
    if backend not in BACKENDS:
        raise MlnbValueError(
            f"backend must be one of {', '.join(map(repr, BACKENDS))}, got "
            f"{backend!r}; pass backend='local' to run on this machine or "
            f"backend='vertex' for Vertex AI"
        )
    text, kind, default_name, blob = _target(target)
    max_trials = _count(max_trials, "max_trials", 1)
    parallel_trials = _count(parallel_trials, "parallel_trials", 1)
    replica_count = _count(replica_count, "replica_count", 1)
    accelerator_count = _count(accelerator_count, "accelerator_count", 0)
    if parallel_trials > max_trials:
        raise MlnbValueError(
            f"parallel_trials={parallel_trials} is more than max_trials={max_trials}; "
            f"lower parallel_trials to at most {max_trials} or raise max_trials"
        )
    space = search_space(hyperparameters)
    if goal not in GOALS:
        raise MlnbValueError(
            f"goal must be 'maximize' or 'minimize', got {goal!r}; pass "
            f"goal='minimize' for a loss, goal='maximize' for a score"
        )
    if metric is not None and (
        not isinstance(metric, str) or not _METRIC.match(metric)
    ):
        raise MlnbValueError(
            f"metric must be the name a script reports (text such as 'accuracy'), got "
            f"{metric!r}; pass the name given to mlnb.train.report(...)"
        )
    if metric is None and (max_trials > 1 or is_search(space)):
        raise MlnbValueError(
            f"metric is needed for a search (max_trials={max_trials}, "
            f"hyperparameters with ranges: {is_search(space)}); pass "
            f"metric='<name the script reports>' and goal='maximize' or 'minimize'"
        )
    if timeout is not None:
        if (
            isinstance(timeout, bool)
            or not isinstance(timeout, (int, float))
            or not math.isfinite(timeout)
            or timeout <= 0
        ):
            raise MlnbValueError(
                f"timeout must be a positive number of seconds or None, got "
                f"{timeout!r}; pass e.g. timeout=3600"
            )
        timeout = float(timeout)
    if name is None:
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", default_name).lstrip("._-") or "run"
    elif not isinstance(name, str) or not _NAME.match(name):
        raise MlnbValueError(
            f"name must be letters, digits, '_', '.', '-' (starting with a letter or "
            f"digit), got {name!r}; it names the run's folder, e.g. name='mnist-search'"
        )
    if run_dir is None:
        run_dir = Path(DEFAULT_RUNS_DIR) / name
    elif not isinstance(run_dir, (str, os.PathLike)):
        raise MlnbValueError(
            f"run_dir must be a folder path, got {type(run_dir).__name__}; pass e.g. "
            f"run_dir='runs/{name}'"
        )
    run_dir = str(Path(run_dir).expanduser().resolve())
    if isinstance(requirements, str):
        requirements = [requirements]
    reqs = _texts(requirements, "requirements")
    for argument, value in (
        ("machine_type", machine_type),
        ("accelerator_type", accelerator_type),
        ("image", image),
        ("project", project),
        ("location", location),
        ("staging_bucket", staging_bucket),
    ):
        if value is not None and not isinstance(value, str):
            raise MlnbValueError(
                f"{argument} must be text or None, got {type(value).__name__} {value!r}"
            )
    if backend == "vertex":
        from .vertex_catalog import check_accelerator

        machine_type, accelerator_type, accelerator_count = check_accelerator(
            machine_type or DEFAULT_VERTEX_MACHINE, accelerator_type, accelerator_count
        )
    elif accelerator_count > 0:
        from .local import visible_gpus

        gpus = visible_gpus()
        if len(gpus) < accelerator_count:
            have = (
                f"{len(gpus)} GPU{'s' if len(gpus) != 1 else ''}" if gpus else "no GPU"
            )
            visible = os.environ.get("CUDA_VISIBLE_DEVICES")
            where = (
                f" (CUDA_VISIBLE_DEVICES={visible!r} limits what trials see)"
                if visible is not None
                else ""
            )
            here = (
                f"accelerator_count at most {len(gpus)}"
                if gpus
                else "accelerator_count=0"
            )
            raise MlnbValueError(
                f"accelerator_count={accelerator_count} but this machine has {have} "
                f"visible to mlnb{where}; use backend='vertex' for cloud GPUs, or "
                f"{here} to train here"
            )
    return LaunchSpec(
        target=text,
        kind=kind,
        backend=backend,
        name=name,
        args=_texts(args, "args"),
        env=_env(env),
        machine_type=machine_type,
        accelerator_type=accelerator_type,
        accelerator_count=accelerator_count,
        replica_count=replica_count,
        image=image,
        requirements=reqs,
        hyperparameters=space,
        metric=metric,
        goal=goal,
        max_trials=max_trials,
        parallel_trials=parallel_trials,
        timeout=timeout,
        project=project,
        location=location,
        staging_bucket=staging_bucket,
        run_dir=run_dir,
        callable_blob=blob,
        resume=bool(resume),
        overwrite=bool(overwrite),
        publish=bool(publish),
    )


def launch(
    target: Any,
    *,
    backend: str = "local",
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    machine_type: str | None = None,
    accelerator_type: str | None = None,
    accelerator_count: int = 0,
    replica_count: int = 1,
    image: str | None = None,
    requirements: Sequence[str] | None = None,
    hyperparameters: Mapping[str, Any] | None = None,
    metric: str | None = None,
    goal: str = "maximize",
    max_trials: int = 1,
    parallel_trials: int = 1,
    timeout: float | None = None,
    name: str | None = None,
    run_dir: str | os.PathLike | None = None,
    project: str | None = None,
    location: str | None = None,
    staging_bucket: str | None = None,
    resume: bool = True,
    overwrite: bool = False,
    progress: bool = False,
    publish: bool = True,
) -> TrainingJob:
    """Run a training script or function as trials, here or on Vertex AI.

    Returns at once with a :class:`TrainingJob` handle (``.wait()``, ``.logs()``,
    ``.metrics()``, ``.result()``, ``.cancel()``). The script reports metrics with
    :func:`mlnb.train.report` and reads its hyperparameters with
    :func:`mlnb.train.params` (they arrive as ``--name=value`` arguments; a
    function gets them as keyword arguments, and a number it returns is reported
    as ``metric``).

    Parameters
    ----------
    target:
        A ``.py`` script path, or a function (an importable one runs by name; one
        defined in the notebook is sent with cloudpickle).
    backend:
        ``"local"`` (subprocesses on this machine) or ``"vertex"`` (Vertex AI custom
        training / hyperparameter tuning).
    args:
        Extra command-line arguments for every trial.
    env:
        Environment additions (text values; never printed or stored).
    machine_type, accelerator_type, accelerator_count, replica_count:
        Compute. Locally ``accelerator_count`` GPUs are given to each trial through
        ``CUDA_VISIBLE_DEVICES``; on Vertex AI the combination is checked against
        :func:`mlnb.train.valid_accelerators` (default machine ``n1-standard-4``).
    image, requirements:
        Container image and pip requirements (Vertex AI).
    hyperparameters:
        The search space (see :func:`mlnb.train.search_space`).
    metric, goal:
        The objective the script reports, and ``"maximize"`` or ``"minimize"``;
        needed for a search.
    max_trials, parallel_trials:
        Trials in all and at once (locally bounded by CPU cores and GPUs).
    timeout:
        Seconds the job may run; then running trials are stopped.
    name, run_dir:
        The run's name (default: the script's stem or function's name) and folder
        (default ``./mlnb-runs/<name>``).
    project, location, staging_bucket:
        Vertex AI settings (default: ``aiplatform.init``'s).
    resume, overwrite:
        Continue an interrupted search of the same name; replace what the run
        folder holds. Nothing is replaced without ``overwrite=True``.
    progress:
        Show a progress bar of trials.
    publish:
        Publish the step-3 record (:class:`mlnb.train.TrainingRun`) when the job
        ends.

    Returns
    -------
    TrainingJob

    Raises
    ------
    MlnbValueError
        Any argument that cannot work (the message names it and the fix).
    MissingDependencyError
        A search needs Optuna, a notebook function cloudpickle
        (``pip install "mlnb[train]"``).

    Examples
    --------
    >>> job = launch(  # doctest: +SKIP
    ...     "train.py", hyperparameters={"C": (1e-3, 1e2, "log")},
    ...     metric="accuracy", max_trials=8, parallel_trials=2)
    >>> job.wait().result().params  # doctest: +SKIP
    """
    spec = build_spec(
        target,
        backend=backend,
        args=args,
        env=env,
        machine_type=machine_type,
        accelerator_type=accelerator_type,
        accelerator_count=accelerator_count,
        replica_count=replica_count,
        image=image,
        requirements=requirements,
        hyperparameters=hyperparameters,
        metric=metric,
        goal=goal,
        max_trials=max_trials,
        parallel_trials=parallel_trials,
        timeout=timeout,
        name=name,
        run_dir=run_dir,
        project=project,
        location=location,
        staging_bucket=staging_bucket,
        resume=resume,
        overwrite=overwrite,
        publish=publish,
    )
    if spec.backend == "local":
        from . import local

        job = local.start(spec)
    else:
        from ...checks.adapters import adapter

        job = adapter("vertex_training", "start")(spec)
    if progress:
        job.show_progress()
    return job
