"""TreeSHAP through the ``shap`` library (``pip install "mlnb[shap]"``).

:func:`tree_shap` runs ``shap.TreeExplainer`` in its *interventional* mode: the
background rows are the reference distribution, so the values are the same
interventional Shapley values :func:`mlnb.explain` estimates by sampling for other
models, and the base value is the mean output over the background. Classifiers are
explained in probability space (``model_output="probability"``), the space of the
model's ``predict_proba``; regressors in their prediction (``"raw"``).
``mlnb.explain`` reaches this module through
``mlnb.checks.adapters.adapter("shap", "tree_shap")``; ``import mlnb`` never
imports shap.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import MissingDependencyError

__all__ = ["tree_shap", "shap_module"]


def shap_module() -> Any:
    """The ``shap`` module, or :class:`~mlnb.errors.MissingDependencyError`."""
    try:
        import shap
    except ImportError as exc:
        raise MissingDependencyError("shap", "shap", "TreeSHAP") from exc
    return shap


def tree_shap(
    model: Any, X: np.ndarray, background: np.ndarray, *, classifier: bool
) -> dict[str, Any]:
    """Interventional TreeSHAP values of a tree ensemble.

    Parameters
    ----------
    model:
        A tree model shap reads (scikit-learn forests and boosting, XGBoost, ...).
    X, background:
        The rows to explain and the reference rows, as the model sees them.
    classifier:
        Explain class probabilities (``True``) or the prediction (``False``).

    Returns
    -------
    dict
        ``values`` (n, f, K) — K = 1 for regression and binary classification
        (the positive class), the number of classes otherwise — and ``base`` (K,).

    Raises
    ------
    MissingDependencyError
        shap is not installed.
    """
    shap = shap_module()
    X = np.asarray(X, dtype=np.float64)
    background = np.asarray(background, dtype=np.float64)
    explainer = shap.TreeExplainer(
        model,
        data=background,
        feature_perturbation="interventional",
        model_output="probability" if classifier else "raw",
    )
    values = explainer.shap_values(X, check_additivity=False)
    base = np.atleast_1d(np.asarray(explainer.expected_value, dtype=np.float64))
    if isinstance(values, list):  # older shap: one (n, f) array per output
        values = np.stack([np.asarray(v) for v in values], axis=-1)
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 2:
        values = values[:, :, None]
    if classifier and values.shape[2] == 2:  # binary: the positive class only
        values = values[:, :, 1:]
        base = base[1:]
    return {"values": values, "base": base}
