"""What kind of model :func:`mlnb.explain` is looking at, and how its preprocessing
maps the user's columns onto the columns the final estimator sees.

Nothing here calls the model's predictions: the inspection reads fitted attributes
(``coef_``, the pipeline's steps) and runs the *preprocessing* steps' ``transform``
on a few rows to learn which output columns each input column feeds.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "NotColumnwise",
    "split_pipeline",
    "is_linear",
    "is_tree_ensemble",
    "is_keras",
    "is_logistic",
    "column_groups",
    "dense",
]

#: scikit-learn transformers whose every output column is computed from one input
#: column (so a linear model after them is additive in the user's columns).
COLUMNWISE = frozenset(
    {
        "StandardScaler",
        "MinMaxScaler",
        "MaxAbsScaler",
        "RobustScaler",
        "OneHotEncoder",
        "OrdinalEncoder",
        "SimpleImputer",
        "MissingIndicator",
        "KBinsDiscretizer",
        "PowerTransformer",
        "QuantileTransformer",
        "SplineTransformer",
        "TargetEncoder",
    }
)

_LINEAR_OUTSIDE = frozenset({"LinearSVC", "LinearSVR"})
#: Generalised linear models whose prediction is a nonlinear link of the linear term.
_LINKED = frozenset({"PoissonRegressor", "GammaRegressor", "TweedieRegressor"})
_TREE_MODULES = ("sklearn.ensemble", "sklearn.tree", "xgboost", "lightgbm", "catboost")
_TREE_NAMES = (
    "RandomForest",
    "ExtraTrees",
    "GradientBoosting",
    "HistGradientBoosting",
    "DecisionTree",
    "ExtraTree",
    "XGB",
    "LGBM",
    "CatBoost",
    "Booster",
    "IsolationForest",
)


class NotColumnwise(Exception):
    """The preprocessing mixes columns (or cannot be read); the reason is the
    message."""


def split_pipeline(model: Any) -> tuple[Any, Any]:
    """``(preprocessing, final_estimator)``: a scikit-learn ``Pipeline``'s steps
    before the last one (``None`` when there are none) and its last step; any
    other model is ``(None, model)``."""
    try:
        from sklearn.pipeline import Pipeline
    except ImportError:  # pragma: no cover - scikit-learn is a hard dependency
        return None, model
    if isinstance(model, Pipeline) and len(model.steps) >= 1:
        last = model.steps[-1][1]
        pre = model[:-1] if len(model.steps) > 1 else None
        if pre is not None and all(
            s in (None, "passthrough") for _, s in pre.steps
        ):  # pragma: no cover - rare
            pre = None
        return pre, last
    return None, model


def _module(obj: Any) -> str:
    return type(obj).__module__ or ""


def is_linear(est: Any) -> bool:
    """A fitted scikit-learn linear model whose output is ``X @ coef_.T +
    intercept_`` (regressors: the prediction; classifiers: the decision function)."""
    name = type(est).__name__
    if name in _LINKED:
        return False
    in_sklearn = _module(est).startswith("sklearn.linear_model") or (
        _module(est).startswith("sklearn.svm") and name in _LINEAR_OUTSIDE
    )
    return in_sklearn and hasattr(est, "coef_") and hasattr(est, "intercept_")


def is_logistic(est: Any) -> bool:
    return type(est).__name__ in ("LogisticRegression", "LogisticRegressionCV")


def is_tree_ensemble(est: Any) -> bool:
    """A tree model TreeSHAP can read (scikit-learn's forests, boosting and trees;
    XGBoost, LightGBM, CatBoost)."""
    name = type(est).__name__
    return _module(est).startswith(_TREE_MODULES) and name.startswith(_TREE_NAMES)


def is_keras(model: Any) -> bool:
    """A Keras model (Keras 3 or ``tf.keras``), recognised without importing it."""
    return any(
        (getattr(c, "__module__", "") or "").startswith(("keras", "tf_keras"))
        or (getattr(c, "__module__", "") or "").startswith("tensorflow.python.keras")
        for c in type(model).__mro__
    )


def dense(Z: Any) -> np.ndarray:
    """A transformer's output as a float64 array (sparse matrices densified)."""
    if hasattr(Z, "toarray"):
        Z = Z.toarray()
    if hasattr(Z, "to_numpy"):
        Z = Z.to_numpy()
    return np.asarray(Z, dtype=np.float64)


def _is_columnwise_function(func: Any) -> bool:
    from .. import modeling

    return func is modeling.as_float or func is modeling.as_text


def _check_known(step: Any, where: str) -> None:
    """Raise :class:`NotColumnwise` unless ``step`` is a transformer known to work
    column by column (or a Pipeline / ColumnTransformer built only of such)."""
    if step is None or (isinstance(step, str) and step in ("passthrough", "drop")):
        return
    name = type(step).__name__
    if name == "Pipeline":
        for sub_name, sub in step.steps:
            _check_known(sub, f"{where} → {sub_name}")
        return
    if name == "ColumnTransformer":
        for sub_name, sub, _ in getattr(step, "transformers_", step.transformers):
            _check_known(sub, f"{where} → {sub_name}")
        return
    if name == "FunctionTransformer" and getattr(step, "func", None) is None:
        return  # the identity (a ColumnTransformer's passthrough remainder)
    if getattr(type(step), "columnwise", False) is True:
        return  # mlnb's own column-wise steps (TableReader, EmptyAsZero)
    if name == "FunctionTransformer" and _is_columnwise_function(step.func):
        return  # mlnb's as_float / as_text (cell by cell)
    if name == "FeatureUnion":
        raise NotColumnwise(f"{where} is a FeatureUnion (its parts may mix columns)")
    if name not in COLUMNWISE:
        raise NotColumnwise(
            f"preprocessing step {where} ({name}) is not a transformer known to "
            "work column by column"
        )


def column_groups(pre: Any, X: Any, background: Any) -> list[np.ndarray]:
    """For each input column of ``X``, the indices of the output columns of
    ``pre.transform`` computed from it.

    The steps must be column-wise transformers (:data:`COLUMNWISE`, possibly inside
    ``Pipeline`` / ``ColumnTransformer``); the mapping is then read by moving one
    input column's values between rows and seeing which outputs change. An output
    column fed by two inputs, or one that varies over ``X`` and ``background`` but
    follows no input, raises :class:`NotColumnwise`.
    """
    import pandas as pd

    steps = pre.steps if type(pre).__name__ == "Pipeline" else [("pre", pre)]
    for name, step in steps:
        _check_known(step, repr(name))
    both = pd.concat([X, background], ignore_index=True)
    rng = np.random.default_rng(0)
    m = len(both)
    if m > 2_000:
        both = both.iloc[np.sort(rng.choice(m, 2_000, replace=False))]
        both = both.reset_index(drop=True)
        m = len(both)
    Z0 = dense(pre.transform(both))
    owners = np.full(Z0.shape[1], -1)
    shifts = [np.roll(np.arange(m), 1), rng.permutation(m)]
    for j in range(both.shape[1]):
        changed = np.zeros(Z0.shape[1], dtype=bool)
        for perm in shifts:
            probe = both.copy()
            probe.isetitem(j, pd.Series(both.iloc[:, j].array.take(perm)))
            Zj = dense(pre.transform(probe))
            changed |= np.any(Zj != Z0, axis=0)
        clash = changed & (owners >= 0) & (owners != j)
        if clash.any():
            raise NotColumnwise(
                f"output column {int(np.argmax(clash))} of the preprocessing depends "
                f"on more than one input column"
            )
        owners[changed] = j
    free = owners < 0
    if free.any():
        Zall = np.vstack([dense(pre.transform(X)), dense(pre.transform(background))])
        varies = free & (np.ptp(Zall, axis=0) > 0)
        if varies.any():
            raise NotColumnwise(
                f"output column {int(np.argmax(varies))} of the preprocessing varies "
                "but follows no single input column"
            )
    return [np.flatnonzero(owners == j) for j in range(X.shape[1])]
