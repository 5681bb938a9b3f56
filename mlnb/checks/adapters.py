"""Optional adapters, resolved by name when a user asks for one.

``sliced_metrics(engine="tfma")``, ``SlicedMetrics.from_tfma`` and
``DriftReport.to_vertex_monitoring_config`` hand work to :mod:`mlnb.integrations`,
which sit above the checks (an integration builds mlnb results with the checks'
public names). The checks never import an integration module directly: they look the
adapter up by name at call time, as entry points are, so the layer contract
``checks → core`` holds and ``import mlnb`` loads no optional dependency.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = ["adapter"]


def adapter(module: str, name: str) -> Any:
    """``mlnb.integrations.<module>.<name>``, imported on first use."""
    return getattr(import_module(f"mlnb.integrations.{module}"), name)
