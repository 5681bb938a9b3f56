"""One validated launch request, handed by :func:`mlnb.train.launch` to a backend."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .space import Param, space_to_dict

__all__ = ["LaunchSpec", "BACKENDS", "GOALS", "looks_secret"]

BACKENDS = ("local", "vertex")
GOALS = ("maximize", "minimize")

_SECRET = re.compile(
    r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH|PRIVATE)", re.I
)


def looks_secret(key: str) -> bool:
    """True for environment names that look like they hold a credential."""
    return bool(_SECRET.search(key))


@dataclass(frozen=True)
class LaunchSpec:
    """A launch request after validation: what to run, where, and how to search.

    Attributes
    ----------
    target:
        The absolute script path, or ``"module:qualname"`` for a callable.
    kind:
        ``"script"`` or ``"callable"``.
    backend:
        ``"local"`` or ``"vertex"``.
    name:
        The run name (default: the script's stem or the function's name).
    args:
        Extra command-line arguments for every trial.
    env:
        Environment additions (their values never appear in :meth:`to_dict` or any
        repr).
    machine_type, accelerator_type, accelerator_count, replica_count:
        The compute asked for (``accelerator_type`` as a Vertex AI enum name).
    image, requirements:
        Container image and extra pip requirements (Vertex).
    hyperparameters:
        The search space (:func:`mlnb.train.search_space`).
    metric, goal:
        The objective and its direction (``"maximize"`` or ``"minimize"``).
    max_trials, parallel_trials:
        Trials in all, and at once.
    timeout:
        Seconds the whole job may run (``None``: no limit).
    project, location, staging_bucket:
        Vertex AI settings.
    run_dir:
        Local: where trials, logs and the study live.
    callable_blob:
        A cloudpickled callable (notebook functions), else ``None``.
    resume, overwrite:
        Continue a search of the same name; replace an existing run directory.
    publish:
        Publish the step-3 record when the job ends.
    """

    target: str
    kind: str
    backend: str
    name: str
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    machine_type: str | None = None
    accelerator_type: str | None = None
    accelerator_count: int = 0
    replica_count: int = 1
    image: str | None = None
    requirements: tuple[str, ...] = ()
    hyperparameters: dict[str, Param] = field(default_factory=dict)
    metric: str | None = None
    goal: str = "maximize"
    max_trials: int = 1
    parallel_trials: int = 1
    timeout: float | None = None
    project: str | None = None
    location: str | None = None
    staging_bucket: str | None = None
    run_dir: str = ""
    callable_blob: bytes | None = field(default=None, repr=False, compare=False)
    resume: bool = True
    overwrite: bool = False
    publish: bool = True

    def __repr__(self) -> str:
        return (
            f"LaunchSpec(target={self.target!r}, backend={self.backend!r}, "
            f"name={self.name!r}, max_trials={self.max_trials}, "
            f"parallel_trials={self.parallel_trials}, metric={self.metric!r}, "
            f"goal={self.goal!r}, env_keys={sorted(self.env)!r})"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe; environment values are left out (keys only)."""
        return {
            "target": self.target,
            "kind": self.kind,
            "backend": self.backend,
            "name": self.name,
            "args": list(self.args),
            "env_keys": sorted(self.env),
            "machine_type": self.machine_type,
            "accelerator_type": self.accelerator_type,
            "accelerator_count": self.accelerator_count,
            "replica_count": self.replica_count,
            "image": self.image,
            "requirements": list(self.requirements),
            "hyperparameters": space_to_dict(self.hyperparameters),
            "metric": self.metric,
            "goal": self.goal,
            "max_trials": self.max_trials,
            "parallel_trials": self.parallel_trials,
            "timeout": self.timeout,
            "project": self.project,
            "location": self.location,
            "staging_bucket": self.staging_bucket,
            "run_dir": self.run_dir,
        }
