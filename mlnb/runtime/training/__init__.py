"""Step 3 — training that is too slow: what accelerators this machine has and what
Vertex AI offers (:func:`accelerators`, :mod:`.vertex_catalog`), and the training
launcher (:func:`launch`): a script or function run as local subprocess trials or on
Vertex AI, with a hyperparameter search (:class:`Float`, :class:`Int`,
:class:`Choice`), live logs and metrics (:func:`report`, :func:`params` in the
script), and a step-3 record (:class:`TrainingRun`).

Nothing here imports TensorFlow, PyTorch, Optuna or the Google Cloud SDK at import.
"""

from __future__ import annotations

from .accelerators import GPU, Accelerators, accelerators
from .job import STATES, TrainingFailed, TrainingJob, TrainingResult, Trial
from .launch import launch
from .record import TrainingRun
from .report import params, report
from .space import Choice, Float, Int, search_space, to_args
from .spec import LaunchSpec
from .vertex_catalog import check_accelerator, valid_accelerators

__all__ = [
    "accelerators",
    "Accelerators",
    "GPU",
    "check_accelerator",
    "valid_accelerators",
    "launch",
    "report",
    "params",
    "Float",
    "Int",
    "Choice",
    "search_space",
    "to_args",
    "LaunchSpec",
    "STATES",
    "Trial",
    "TrainingResult",
    "TrainingJob",
    "TrainingFailed",
    "TrainingRun",
]
