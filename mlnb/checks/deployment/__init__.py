"""Step 8 — never push a bad model: data validation against a schema inferred
from the training data (:mod:`~mlnb.checks.deployment.schema`,
:mod:`~mlnb.checks.deployment.validation`)."""

from __future__ import annotations

from .schema import ColumnSchema, Schema, schema
from .validation import (
    ANOMALY_KINDS,
    DEFAULT_SEVERITIES,
    VALIDATION_CONDITIONS,
    ValidationResult,
    validate_data,
)

__all__ = [
    "schema",
    "Schema",
    "ColumnSchema",
    "validate_data",
    "ValidationResult",
    "ANOMALY_KINDS",
    "DEFAULT_SEVERITIES",
    "VALIDATION_CONDITIONS",
]
