"""Step 8 — never push a bad model: data validation against a schema inferred from
the training data (:mod:`~mlnb.checks.deployment.schema`,
:mod:`~mlnb.checks.deployment.validation`), and the evaluation gate that blesses a
candidate model only when every value and change threshold holds, overall and on
every slice (:mod:`~mlnb.checks.deployment.gate`)."""

from __future__ import annotations

from .gate import gate, model_fingerprint
from .result import GateDecision
from .schema import ColumnSchema, Schema, schema
from .thresholds import ChangeThreshold, ValueThreshold
from .validation import (
    ANOMALY_KINDS,
    DEFAULT_SEVERITIES,
    VALIDATION_CONDITIONS,
    ValidationResult,
    validate_data,
)

__all__ = [
    "gate",
    "model_fingerprint",
    "GateDecision",
    "ValueThreshold",
    "ChangeThreshold",
    "schema",
    "Schema",
    "ColumnSchema",
    "validate_data",
    "ValidationResult",
    "ANOMALY_KINDS",
    "DEFAULT_SEVERITIES",
    "VALIDATION_CONDITIONS",
]
