"""Step 4 — imbalanced data: the class balance of a label
(:mod:`~mlnb.checks.imbalance.balance`) and a binary classifier's operating points
(:mod:`~mlnb.checks.imbalance.operating_points`)."""

from __future__ import annotations

from .balance import DEGREE_RATIOS, ImbalanceResult, imbalance
from .operating_points import OperatingPoint, ThresholdsResult, thresholds

__all__ = [
    "imbalance",
    "ImbalanceResult",
    "DEGREE_RATIOS",
    "thresholds",
    "ThresholdsResult",
    "OperatingPoint",
]
