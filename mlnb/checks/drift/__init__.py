"""Step 9 — drifting accuracy: drift and skew between a reference and current data
(:mod:`~mlnb.checks.drift.report`) and drift over time windows
(:mod:`~mlnb.checks.drift.over_time`). The continuous evaluator, which runs over time,
lives in :mod:`mlnb.runtime`."""

from __future__ import annotations

from ...core.distances import METHOD_NAMES
from .over_time import DRIFT_OVER_TIME_CONDITIONS, DriftOverTime, drift_over_time
from .report import (
    DEFAULT_THRESHOLDS,
    DRIFT_CONDITIONS,
    PRESETS,
    DriftReport,
    SkewReport,
    drift,
    skew,
)

__all__ = [
    "drift",
    "skew",
    "DriftReport",
    "SkewReport",
    "DRIFT_CONDITIONS",
    "DRIFT_OVER_TIME_CONDITIONS",
    "PRESETS",
    "DEFAULT_THRESHOLDS",
    "METHOD_NAMES",
    "drift_over_time",
    "DriftOverTime",
]
