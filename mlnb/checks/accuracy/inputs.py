"""Read and check what :func:`~mlnb.checks.accuracy.diagnose` is given.

Every problem becomes an :class:`~mlnb.errors.MlnbError` that names the argument, the
value and the fix; nothing reaches scikit-learn that it would reject with a raw
traceback. Tables of any kind go through :func:`mlnb.core.frames.to_pandas`, so a
polars or pyarrow table gives the same numbers as the pandas frame it converts to.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...core import frames
from ...core import metrics as M
from ...core.labels import as_1d, infer_task
from ...errors import DataValidationError, MlnbValueError

__all__ = [
    "Inputs",
    "read_inputs",
    "SCORER_FOR_METRIC",
    "DEFAULT_METRIC",
    "FAMILY_KINDS",
]

#: mlnb metric-registry name -> scikit-learn scorer name (the scorer's sign:
#: higher is better, so losses are negated).
SCORER_FOR_METRIC = {
    "accuracy": "accuracy",
    "precision": "precision",
    "recall": "recall",
    "f1": "f1",
    "roc_auc": "roc_auc",
    "average_precision": "average_precision",
    "log_loss": "neg_log_loss",
    "macro_f1": "f1_macro",
    "micro_f1": "f1_micro",
    "roc_auc_ovr": "roc_auc_ovr",
    "mae": "neg_mean_absolute_error",
    "rmse": "neg_root_mean_squared_error",
    "balanced_accuracy": "balanced_accuracy",
    "r2": "r2",
}
#: Tasks of the metrics above (a goal may use metrics the registry does not hold
#: for every task: balanced accuracy, R², log loss on several classes).
METRIC_TASKS = {
    "balanced_accuracy": ("binary", "multiclass"),
    "log_loss": ("binary", "multiclass"),
    "r2": ("regression",),
}
#: The metric used when neither ``scoring=`` nor a goal says which.
DEFAULT_METRIC = {"binary": "roc_auc", "multiclass": "accuracy", "regression": "rmse"}
#: Model families :mod:`mlnb.checks.modeling` builds.
FAMILY_KINDS = ("linear", "boosted", "forest", "knn")

#: The best possible value of a scorer (for skill scores): 1 for bounded scores, 0
#: for negated losses.
_PERFECT_ONE = {
    "accuracy",
    "balanced_accuracy",
    "roc_auc",
    "roc_auc_ovr",
    "roc_auc_ovo",
    "roc_auc_ovr_weighted",
    "roc_auc_ovo_weighted",
    "average_precision",
    "f1",
    "f1_macro",
    "f1_micro",
    "f1_weighted",
    "precision",
    "precision_macro",
    "precision_micro",
    "precision_weighted",
    "recall",
    "recall_macro",
    "recall_micro",
    "recall_weighted",
    "jaccard",
    "r2",
    "explained_variance",
    "top_k_accuracy",
    "matthews_corrcoef",
}


@dataclass
class Inputs:
    """What diagnose() works on, checked."""

    estimator: Any
    X: Any
    y: np.ndarray
    X_valid: Any
    y_valid: np.ndarray | None
    task: str
    classes: list
    scorer: Any
    scoring: str
    metric: str | None
    perfect: float
    splits: list
    feature_names: list
    n_jobs: Any
    random_state: Any
    goal: Any
    empty_columns: list


def _py(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def check_estimator(estimator: Any) -> None:
    """A scikit-learn estimator: ``fit``, ``predict`` (or ``predict_proba``) and
    ``clone()``-able (``get_params``)."""
    from sklearn.base import clone

    name = type(estimator).__name__
    if isinstance(estimator, type):
        name = estimator.__name__
        raise MlnbValueError(
            f"estimator must be an estimator instance, not the class {name}; pass "
            f"{name}() (with its settings)"
        )
    has_fit = callable(getattr(estimator, "fit", None))
    has_predict = callable(getattr(estimator, "predict", None)) or callable(
        getattr(estimator, "predict_proba", None)
    )
    module = type(estimator).__module__
    keras = module.startswith(("keras", "tensorflow", "tf_keras"))
    fix = (
        "diagnose() refits the model on many folds, so it needs a scikit-learn "
        "estimator: fit(X, y), predict(X) or predict_proba(X), and get_params() so "
        "sklearn.base.clone() can copy it unfitted. "
    )
    if keras:
        fix += (
            "Wrap a Keras model with scikeras (scikeras.wrappers.KerasClassifier / "
            "KerasRegressor)."
        )
    else:
        fix += (
            "Wrap preprocessing and model in a sklearn.pipeline.Pipeline, or "
            "subclass sklearn.base.BaseEstimator."
        )
    if not (has_fit and has_predict):
        missing = [
            m
            for m, ok in (("fit", has_fit), ("predict/predict_proba", has_predict))
            if not ok
        ]
        raise MlnbValueError(
            f"estimator must be a scikit-learn estimator; got {name} without "
            f"{' and '.join(missing)}. {fix}"
        )
    try:
        clone(estimator)
    except Exception as exc:  # noqa: BLE001 - any clone failure means the same
        raise MlnbValueError(
            f"estimator must be a scikit-learn estimator; {name} cannot be cloned "
            f"({type(exc).__name__}: {str(exc)[:200]}). {fix}"
        ) from None


def _as_features(X: Any, role: str) -> Any:
    """A pandas frame for tables; numpy arrays and sparse matrices as they are."""
    if X is None:
        raise MlnbValueError(
            f"{role} is None; pass the features (a DataFrame or a 2-D array)"
        )
    if frames.is_table(X):
        return frames.to_pandas(X, role=role)
    try:
        from scipy import sparse

        if sparse.issparse(X):
            return X
    except ImportError:  # pragma: no cover - scipy is a hard dependency
        pass
    if getattr(X, "ndim", None) == 2:
        return X
    arr = np.asarray(X) if isinstance(X, (list, tuple)) else None
    if arr is not None and arr.ndim == 2:
        return arr
    shape = getattr(X, "shape", None)
    raise MlnbValueError(
        f"{role} must be a table (pandas or polars DataFrame, pyarrow Table, dict of "
        f"arrays) or a 2-D array of features; got {type(X).__name__}"
        + (f" of shape {shape}" if shape is not None else "")
        + ". For one feature pass X.reshape(-1, 1) or a one-column DataFrame."
    )


def _n_rows(X: Any) -> int:
    return int(X.shape[0])


def _n_cols(X: Any) -> int:
    return int(X.shape[1])


def _feature_names(X: Any) -> list:
    if hasattr(X, "columns"):
        return list(X.columns)
    return list(range(_n_cols(X)))


def _all_missing(X: Any) -> bool:
    import pandas as pd

    if isinstance(X, pd.DataFrame):
        return bool(X.isna().all(axis=None))
    try:
        from scipy import sparse

        if sparse.issparse(X):
            return False
    except ImportError:  # pragma: no cover
        pass
    arr = np.asarray(X)
    if arr.dtype.kind == "f":
        return bool(np.isnan(arr).all())
    if arr.dtype.kind == "O":
        return bool(pd.isna(arr).all())
    return False


def _labels(y: Any, role: str, n: int | None, x_role: str) -> np.ndarray:
    import pandas as pd

    if y is None:
        raise MlnbValueError(f"{role} is None; pass the labels (one per row of X)")
    if frames.is_table(y):
        raise MlnbValueError(
            f"{role} must be the label values (an array or Series), not a table "
            f"({type(y).__name__}); pass df['label']"
        )
    y_arr = None
    missing = None
    dtype = getattr(y, "dtype", None)
    if type(y).__module__.startswith("pandas") and isinstance(
        dtype, pd.api.extensions.ExtensionDtype
    ):
        missing = np.asarray(pd.isna(y))
        numpy_dtype = getattr(dtype, "numpy_dtype", None)
        if missing.any() or numpy_dtype is None or numpy_dtype.kind not in "biuf":
            y_arr = np.asarray(y.to_numpy(dtype=object))
        else:
            y_arr = y.to_numpy(dtype=numpy_dtype)
    arr = as_1d(y, name=role) if y_arr is None else y_arr
    if missing is None:
        missing = np.asarray(pd.isna(arr)) if arr.dtype.kind in "fOmM" else None
    if missing is not None and missing.any():
        k = int(missing.sum())
        first = int(np.flatnonzero(missing)[0])
        raise DataValidationError(
            f"{role} has {k:,} missing values (NaN/None), the first at position "
            f"{first:,}; every row needs a label. Drop those rows from X and {role} "
            f"together (mask = {role}.notna(); X[mask], {role}[mask])"
        )
    if arr.dtype.kind == "f" and np.isinf(arr).any():
        k = int(np.isinf(arr).sum())
        raise DataValidationError(
            f"{role} has {k:,} infinite values (+inf/-inf), the first at position "
            f"{int(np.flatnonzero(np.isinf(arr))[0]):,}; every label must be finite. "
            f"Drop those rows (np.isinf({role}))"
        )
    if n is not None and len(arr) != n:
        raise MlnbValueError(
            f"{x_role} has {n:,} rows but {role} has {len(arr):,} labels; pass the "
            "features and labels of the same rows (same order)"
        )
    return arr


def _task(estimator: Any, y: np.ndarray) -> str:
    """The estimator's kind decides; for an estimator that is neither a classifier
    nor a regressor, the label decides by the rule every check uses
    (:func:`mlnb.core.labels.infer_task`)."""
    from sklearn.base import is_classifier, is_regressor
    from sklearn.utils.multiclass import type_of_target

    if is_regressor(estimator):
        if y.dtype.kind not in "biuf":
            raise DataValidationError(
                f"y holds {y.dtype} values but {type(estimator).__name__} is a "
                "regressor; pass numeric labels or a classifier"
            )
        return "regression"
    if is_classifier(estimator):
        if type_of_target(y) == "continuous":
            raise DataValidationError(
                f"y holds non-integer numbers but {type(estimator).__name__} is a "
                "classifier; pass class labels, or a regressor for a numeric target"
            )
        return "binary" if len(np.unique(y)) <= 2 else "multiclass"
    return infer_task(y, name="the labels in y")[0]


#: Metrics whose value depends on which class is positive: scikit-learn function
#: and the model output it reads.
_POSITIVE_METRICS = {
    "precision": ("precision_score", "predict"),
    "recall": ("recall_score", "predict"),
    "f1": ("f1_score", "predict"),
    "average_precision": (
        "average_precision_score",
        ("decision_function", "predict_proba"),
    ),
}


def _scorer(scoring: Any, task: str, estimator: Any, goal: Any, classes: list):
    """(scorer callable, scoring name, registry metric or None, perfect value)."""
    from sklearn.metrics import check_scoring, get_scorer_names

    metric = None
    from_goal = False
    if scoring is None:
        goal_metric = getattr(goal, "metric", None)
        goal_task = getattr(goal, "task", None)
        if (
            isinstance(goal_metric, str)
            and goal_metric in SCORER_FOR_METRIC
            and goal_task in (None, task)
        ):
            metric = goal_metric
            from_goal = True
        else:
            metric = DEFAULT_METRIC[task]
        scoring = SCORER_FOR_METRIC[metric]
    elif isinstance(scoring, str):
        valid = get_scorer_names()
        if scoring not in valid:
            if scoring in SCORER_FOR_METRIC:
                metric, scoring = scoring, SCORER_FOR_METRIC[scoring]
            else:
                near = [s for s in valid if scoring.lower() in s][:5]
                usual = {
                    "binary": "roc_auc, average_precision, neg_log_loss, accuracy, f1",
                    "multiclass": "accuracy, f1_macro, roc_auc_ovr, neg_log_loss",
                    "regression": (
                        "neg_root_mean_squared_error, neg_mean_absolute_error, r2"
                    ),
                }[task]
                hint = f" (close: {', '.join(near)})" if near else ""
                raise MlnbValueError(
                    f"scoring={scoring!r} is not a scikit-learn scorer name{hint}; "
                    f"for a {task} task use e.g. {usual} (all names: "
                    "sklearn.metrics.get_scorer_names()), an mlnb metric such as "
                    f"{', '.join(sorted(SCORER_FOR_METRIC)[:6])}, or a callable "
                    "scorer(estimator, X, y)"
                )
        else:
            metric = next(
                (m for m, s in SCORER_FOR_METRIC.items() if s == scoring), None
            )
    elif not callable(scoring):
        raise MlnbValueError(
            f"scoring must be a scikit-learn scorer name (e.g. 'roc_auc'), a callable "
            f"scorer(estimator, X, y) or None; got {type(scoring).__name__}"
        )
    if metric is not None:
        tasks = METRIC_TASKS.get(metric) or M.get(metric).tasks
        if task not in tasks:
            raise MlnbValueError(
                f"scoring={scoring!r} ({metric}) is for {', '.join(tasks)} "
                f"tasks, but this is a {task} task; use e.g. "
                f"{SCORER_FOR_METRIC[DEFAULT_METRIC[task]]!r}"
            )
    try:
        scorer = check_scoring(estimator, scoring=scoring)
    except (ValueError, TypeError) as exc:
        raise MlnbValueError(f"scoring={scoring!r} cannot be used: {exc}") from None
    positive = getattr(goal, "positive_label", None) if from_goal else None
    if positive not in classes:
        positive = None
    numeric = all(isinstance(c, (int, float)) for c in classes)
    if (
        metric in _POSITIVE_METRICS
        and len(classes) == 2
        and (positive not in (None, classes[-1]) or not numeric)
    ):
        # scikit-learn's scorers count class 1 as positive, which string labels
        # lack: the goal's positive label, else the last sorted class
        positive = classes[-1] if positive is None else positive
        from sklearn import metrics as skm

        fn, response = _POSITIVE_METRICS[metric]
        scorer = skm.make_scorer(
            getattr(skm, fn), response_method=response, pos_label=positive
        )
    if isinstance(scoring, str):
        name = scoring
        perfect = (
            0.0
            if name.startswith("neg_")
            else 1.0
            if name in _PERFECT_ONE
            else math.nan
        )
    else:
        name = getattr(scoring, "__name__", None) or repr(scoring)[:60]
        perfect = math.nan
    return scorer, name, metric, perfect


def _check_int(value: Any, name: str, low: int, hint: str) -> int:
    if (
        isinstance(value, (bool, np.bool_))
        or not isinstance(value, (int, np.integer))
        or value < low
    ):
        raise MlnbValueError(
            f"{name} must be a whole number >= {low} ({hint}); got {value!r}"
        )
    return int(value)


def _splits(cv: Any, X: Any, y: np.ndarray, task: str, estimator: Any) -> list:
    """The folds, computed once so every part of the diagnosis uses the same."""
    from sklearn.base import is_classifier
    from sklearn.model_selection import check_cv

    n = len(y)
    if isinstance(cv, (int, np.integer)) and not isinstance(cv, (bool, np.bool_)):
        k = _check_int(cv, "cv", 2, "the number of folds, 5 by default")
        if k > n:
            raise MlnbValueError(
                f"cv={k} folds but there are only {n:,} rows; pass cv={max(2, n // 2)} "
                "or fewer, or more data"
            )
        if task != "regression" and is_classifier(estimator):
            values, counts = np.unique(y, return_counts=True)
            i = int(np.argmin(counts))
            if counts[i] < k:
                raise MlnbValueError(
                    f"cv={k} stratified folds need at least {k} rows of each class, "
                    f"but class {_py(values[i])!r} has {int(counts[i])}; pass "
                    f"cv={max(2, int(counts[i]))} or fewer, or collect more rows of "
                    "that class"
                )
    elif isinstance(cv, (bool, np.bool_)) or cv is None or isinstance(cv, (str, float)):
        raise MlnbValueError(
            "cv must be a number of folds (>= 2), a scikit-learn splitter "
            "(KFold(...), StratifiedKFold(...)) or a list of (train, test) index "
            f"pairs; got {cv!r}"
        )
    try:
        checked = check_cv(cv, y, classifier=is_classifier(estimator))
        splits = [
            (np.asarray(tr), np.asarray(te)) for tr, te in checked.split(X, y, None)
        ]
    except (ValueError, TypeError) as exc:
        raise MlnbValueError(
            f"cv={cv!r} cannot split these {n:,} rows: {exc}. Pass a number of folds "
            "or a splitter that fits the data; a splitter that needs groups as a "
            "list of folds: cv=list(GroupKFold(5).split(X, y, groups))"
        ) from None
    if len(splits) < 2 and not hasattr(cv, "split"):
        raise MlnbValueError(
            f"cv must give at least 2 folds; got {len(splits)}. Pass cv=5 or a splitter"
        )
    for i, (tr, te) in enumerate(splits):
        if len(tr) == 0 or len(te) == 0:
            raise MlnbValueError(
                f"cv fold {i} has {len(tr):,} training and {len(te):,} validation "
                "rows; every fold needs both"
            )
    return splits


def read_inputs(
    estimator: Any,
    X: Any,
    y: Any,
    *,
    X_valid: Any,
    y_valid: Any,
    cv: Any,
    scoring: Any,
    n_jobs: Any,
    random_state: Any,
    goal: Any,
) -> Inputs:
    """Check every argument of diagnose() that concerns the data and the model."""
    from ...core.profile import check_n_jobs

    check_estimator(estimator)
    check_n_jobs(n_jobs)
    Xp = _as_features(X, "X")
    n, p = _n_rows(Xp), _n_cols(Xp)
    if n == 0 or p == 0:
        raise DataValidationError(
            f"X is empty ({n:,} rows, {p:,} columns); diagnose() needs rows and at "
            "least one feature"
        )
    if _all_missing(Xp):
        raise DataValidationError(
            f"every value of X is missing (all {p:,} features of {n:,} rows are "
            "NaN); check how the features were loaded or joined"
        )
    y_arr = _labels(y, "y", n, "X")
    if (X_valid is None) != (y_valid is None):
        given, missing = (
            ("X_valid", "y_valid")
            if X_valid is not None
            else (
                "y_valid",
                "X_valid",
            )
        )
        raise MlnbValueError(
            f"{given} was given without {missing}; pass both (the validation "
            "features and their labels), or neither to hold out a fold of X"
        )
    Xv = yv = None
    if X_valid is not None:
        Xv = _as_features(X_valid, "X_valid")
        if _n_rows(Xv) == 0:
            raise DataValidationError(
                "X_valid has no rows; pass validation rows or none"
            )
        if _n_cols(Xv) != p:
            raise MlnbValueError(
                f"X_valid has {_n_cols(Xv):,} columns but X has {p:,}; pass the same "
                "features for both"
            )
        yv = _labels(y_valid, "y_valid", _n_rows(Xv), "X_valid")
    task = _task(estimator, y_arr)
    classes: list = []
    if task != "regression":
        classes = [_py(v) for v in np.unique(y_arr)]
        if len(classes) < 2:
            raise DataValidationError(
                f"y has a single class ({classes[0]!r}, {n:,} rows); a classifier "
                "needs at least two. Check the label column or the sample you took"
            )
        if yv is not None:
            unseen = sorted({_py(v) for v in np.unique(yv)} - set(classes), key=repr)
            if unseen:
                raise DataValidationError(
                    f"y_valid holds classes that y does not ({unseen[:5]!r}); the "
                    f"model learns only {classes[:10]!r}. Split the data so both "
                    "see every class"
                )
    scorer, name, metric, perfect = _scorer(scoring, task, estimator, goal, classes)
    splits = _splits(cv, Xp, y_arr, task, estimator)
    return Inputs(
        estimator=estimator,
        X=Xp,
        y=y_arr,
        X_valid=Xv,
        y_valid=yv,
        task=task,
        classes=classes,
        scorer=scorer,
        scoring=name,
        metric=metric,
        perfect=perfect,
        splits=splits,
        feature_names=_feature_names(Xp),
        n_jobs=n_jobs,
        random_state=random_state,
        goal=goal,
        empty_columns=_empty_columns(Xp),
    )


def _empty_columns(X: Any) -> list:
    """Names of the columns of a DataFrame that hold no value at all."""
    import pandas as pd

    if not isinstance(X, pd.DataFrame):
        return []
    empty = X.isna().all(axis=0).to_numpy()
    return [c for c, e in zip(X.columns, empty) if e]


def is_number(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)
