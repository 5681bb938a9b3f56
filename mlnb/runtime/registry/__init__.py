"""Step 8's model registry: versions with their lineage, conditional promotion and
rollback (:mod:`~mlnb.runtime.registry.base` holds the backend contract).

Nothing heavy is imported here: MLflow and the Vertex AI SDK load only when a
registry of that kind is opened. The functions are imported eagerly because two of
them share their submodule's name (``registry``, ``promote``): the function must be
the package's attribute, whatever imports the submodule first.
"""

from __future__ import annotations

from .base import ModelVersion, RegistryBackend
from .filelock import LockTimeout
from .promote import promote, rollback
from .registry import ModelRegistry, registry
from .result import Promotion

__all__ = [
    "registry",
    "ModelRegistry",
    "ModelVersion",
    "RegistryBackend",
    "promote",
    "rollback",
    "Promotion",
    "LockTimeout",
]
