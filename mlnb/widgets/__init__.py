"""Notebook widgets (anywidget / ipywidgets) over mlnb's checks.

Widgets hold state in synced traits and only render it; observers call the same
check functions as the Python API. Importing this package is cheap: each widget
module (and anywidget, ipywidgets, matplotlib) loads on first use::

    from mlnb.widgets import ImbalanceExplorer
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__all__ = ["ImbalanceExplorer", "SlicedMetricsView"]
__all__ += ["DriftChart", "WhatIf", "WitConfigBuilder", "WitWidget"]
__all__ += ["TrainingLauncher"]

# public name -> module that defines it (imported on first access)
_LAZY = {
    "DriftChart": "mlnb.widgets.drift",
    "ImbalanceExplorer": "mlnb.widgets.imbalance",
    "SlicedMetricsView": "mlnb.widgets.sliced",
    "TrainingLauncher": "mlnb.widgets.training",
    "WhatIf": "mlnb.widgets.whatif",
    "WitConfigBuilder": "mlnb.widgets.wit",
    "WitWidget": "mlnb.widgets.wit",
}

if TYPE_CHECKING:  # pragma: no cover
    from .drift import DriftChart
    from .imbalance import ImbalanceExplorer
    from .sliced import SlicedMetricsView
    from .training import TrainingLauncher
    from .whatif import WhatIf
    from .wit import WitConfigBuilder, WitWidget


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'mlnb.widgets' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
