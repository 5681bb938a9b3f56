"""The one error hierarchy of mlnb.

Every message says what was expected, what was received and how to fix it.
The ``%mlcheck`` magics turn any :class:`MlnbError` into a short ``UsageError``
(no traceback); anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

__all__ = [
    "MlnbError",
    "MlnbValueError",
    "DataValidationError",
    "MissingDependencyError",
    "PredictionError",
    "TrainingError",
]


class MlnbError(Exception):
    """Base class of every error mlnb raises on purpose."""


class MlnbValueError(MlnbError, ValueError):
    """An argument has the wrong value or type (a usage error)."""


class DataValidationError(MlnbValueError):
    """The data handed to a check cannot be used as it is (NaNs, one class, ...)."""


class PredictionError(MlnbError, RuntimeError):
    """A model (or predict function) raised while predicting; the model's own error
    is the ``__cause__`` and the message says which call failed."""


class TrainingError(MlnbError, RuntimeError):
    """A training run failed, was cancelled, or its result was asked for too early.

    The message carries what the run said last (exit code, the tail of its log, the
    backend's error) so the cause is visible without opening the logs.
    """


class MissingDependencyError(MlnbError, ImportError):
    """An optional dependency is needed; the message names the extra to install."""

    def __init__(self, package: str, extra: str, purpose: str = "") -> None:
        self.package = package
        self.extra = extra
        what = f" for {purpose}" if purpose else ""
        super().__init__(
            f"{package} is needed{what} but is not installed; "
            f'install it with: pip install "mlnb[{extra}]"'
        )
        self.name = package
