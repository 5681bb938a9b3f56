"""Step 8's model registry: versions with their lineage, conditional promotion and
rollback (:mod:`~mlnb.runtime.registry.base` holds the backend contract).

Nothing heavy is imported here: MLflow and the Vertex AI SDK load only when a
registry of that kind is opened.
"""

from __future__ import annotations

from typing import Any

# Eager (and light: no pandas, no MLflow): the function ``registry`` must win over
# the submodule of the same name as this package's attribute.
from .registry import ModelRegistry, registry

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

_WHERE = {
    "ModelVersion": "base",
    "RegistryBackend": "base",
    "promote": "promote",
    "rollback": "promote",
    "Promotion": "result",
    "LockTimeout": "filelock",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        from importlib import import_module

        value = getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
        # Importing the submodule ``promote`` set this package's attribute of that
        # name to the module; the function wins.
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
