"""``mlnb.train`` — step 3, training that is too slow: the accelerator training
launcher's public names.

In a notebook::

    import mlnb
    job = mlnb.train.launch("train.py", hyperparameters={"lr": mlnb.train.Float(
        1e-4, 1e-1, log=True)}, metric="auc", max_trials=8, parallel_trials=2)
    job.wait(progress=True).result()

In the training script (the same script runs locally and on Vertex AI)::

    import mlnb.train as train
    p = train.params({"lr": 0.01})
    ...
    train.report(step=epoch, auc=auc)

Everything here is defined in :mod:`mlnb.runtime.training`; Vertex AI's AutoML
(:func:`automl_tabular`) lives in :mod:`mlnb.integrations.vertex_training` and is
imported on first use, so importing this module loads no optional library.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .runtime.training import *  # noqa: F403
from .runtime.training import __all__ as _training_names
from .runtime.training.launch import build_spec

__all__ = [*_training_names, "build_spec", "automl_tabular"]

if TYPE_CHECKING:  # pragma: no cover
    from .integrations.vertex_training import automl_tabular  # noqa: F401


def __getattr__(name: str) -> Any:
    if name == "automl_tabular":
        value = import_module("mlnb.integrations.vertex_training").automl_tabular
        globals()[name] = value
        return value
    raise AttributeError(f"module 'mlnb.train' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | {"automl_tabular"})
