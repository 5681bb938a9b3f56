"""Step 6 — does the model serve all of its users well: metrics per slice with
confidence intervals (:mod:`~mlnb.checks.fairness.sliced`)."""

from __future__ import annotations

from .sliced import SlicedMetrics, sliced_metrics

__all__ = ["sliced_metrics", "SlicedMetrics"]
