"""Step 7 (``explainability``): feature attributions of a model.

:func:`explain` attributes a model's output to the user's own columns, per row and
globally, with a method that fits the model — exact for linear models, TreeSHAP
(through ``shap``) for tree ensembles, integrated gradients for Keras models,
sampled Shapley values for anything else — and checks that the attributions add
up where the method guarantees it. The result, :class:`Explanation`, is step 7's
evidence.
"""

from __future__ import annotations

from .result import CONDITION_VALUES, METHODS, Explanation
from .run import explain

__all__ = ["explain", "Explanation", "CONDITION_VALUES", "METHODS"]
