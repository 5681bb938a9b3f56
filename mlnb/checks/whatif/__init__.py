"""Step 6 — What-If probing: the computations behind the What-If widget's tabs,
usable without a browser.

- :func:`fair_thresholds` (:mod:`.thresholds`): per-group decision thresholds under
  the What-If Tool's strategies (single, demographic parity, equal opportunity,
  equal accuracy) and lowest cost, with the metrics per group; a check result
  (step ``"fairness"``, check ``"fair_thresholds"``) whose ``.at()`` answers
  "metrics per group at these thresholds" in two binary searches per group;
- :func:`nearest_counterfactual` (:mod:`.counterfactual`): the closest row whose
  prediction differs;
- :func:`partial_dependence` (:mod:`.dependence`): PDP and ICE curves with batched
  predictions.

Models are called through :class:`~mlnb.checks.predictor.Predictor`; tables are
read through :mod:`mlnb.core.frames`.
"""

from __future__ import annotations

from .counterfactual import Counterfactual, nearest_counterfactual
from .dependence import PartialDependence, partial_dependence
from .thresholds import (
    CONDITION_VALUES,
    DEFAULT_CONDITIONS,
    STRATEGIES,
    FairThresholds,
    fair_thresholds,
)

__all__ = [
    "fair_thresholds",
    "FairThresholds",
    "nearest_counterfactual",
    "Counterfactual",
    "partial_dependence",
    "PartialDependence",
    "STRATEGIES",
    "CONDITION_VALUES",
    "DEFAULT_CONDITIONS",
]
