"""Step 5 — when accuracy is stuck: :func:`diagnose` a scikit-learn model (learning
curve, train/validation gap, permutation importance and ablation, model families and
an ensemble on the same folds, ranked suggestions) into a :class:`Diagnosis`."""

from __future__ import annotations

from .diagnosis import Diagnosis, diagnose

__all__ = ["diagnose", "Diagnosis"]
