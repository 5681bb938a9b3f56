"""Step 2 — prototype before investing: a quick, honest first model.

:func:`prototype` splits the data so the holdout is honest
(:mod:`~mlnb.checks.prototype.split`), fits the pipelines of
:mod:`mlnb.checks.modeling`, scores them against trivial baselines and lists the
classic prototype discoveries (:mod:`~mlnb.checks.prototype.findings`): target
leakage, duplicates across the split, id-like, constant and mostly-missing columns,
train/test mismatch.
"""

from __future__ import annotations

from .result import PrototypeResult
from .run import prototype

__all__ = ["prototype", "PrototypeResult"]
