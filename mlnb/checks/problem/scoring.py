"""Vectorised scores of the baselines' predictions, equal to scikit-learn's metric
functions on the same predictions.

Predictions come in three shapes, each scored without building what it does not
need:

- one class for every row (DummyClassifier's ``most_frequent`` and ``prior``):
  every threshold metric comes from the test rows' class weights; a class drawn
  per row (``stratified``, ``uniform``): from the weighted confusion matrix (one
  ``bincount``);
- one probability vector for every row (``most_frequent``, ``prior``,
  ``uniform``): every ranking metric is that of tied scores (ROC AUC 0.5, average
  precision the positive share), log loss a weighted sum over the classes;
  probability 1 on a drawn class (``stratified``): ranking metrics of a 0/1
  score, from the same confusion matrix; a fitted model's probabilities:
  scikit-learn computes the ranking metrics.

The companions per task are :data:`COMPANIONS`; ``balanced_accuracy`` (binary,
multiclass), ``log_loss`` on several classes and ``r2`` are computed here
(scikit-learn's definitions) next to the registry's metrics.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...core import metrics as M
from ...errors import MlnbValueError

__all__ = [
    "valid_metrics",
    "check_metric",
    "direction",
    "label_of",
    "COMPANIONS",
    "EXTRA_METRICS",
    "DEFAULT_METRIC",
    "Classes",
    "classification_scores",
    "regression_scores",
]

#: The metrics every baseline is scored on, per task (the goal's metric is added
#: when it is not among them).
COMPANIONS = {
    "binary": (
        "accuracy",
        "balanced_accuracy",
        "precision",
        "recall",
        "f1",
        "roc_auc",
        "average_precision",
        "log_loss",
    ),
    "multiclass": (
        "accuracy",
        "balanced_accuracy",
        "macro_f1",
        "roc_auc_ovr",
        "log_loss",
    ),
    "regression": ("mae", "rmse", "r2"),
}

#: The usual metric of a task when there is no goal and no ``metric=``.
DEFAULT_METRIC = {"binary": "roc_auc", "multiclass": "accuracy", "regression": "rmse"}

#: Companions that are not in the metric registry for that task:
#: name -> (tasks, higher_is_better, label).
EXTRA_METRICS = {
    "balanced_accuracy": (("binary", "multiclass"), True, "balanced accuracy"),
    "log_loss": (("multiclass",), False, "log loss"),
    "r2": (("regression",), True, "R²"),
}

_EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class Classes:
    """The test rows of a classification task, encoded on the training classes.

    ``y`` holds each test row's class index (``k`` for a class the training rows
    do not have), ``w`` the test weights (``None``: 1 each), ``weight`` the total
    weight per true class (length ``k + 1``), ``present`` which true classes occur
    at all (length ``k + 1``), ``pos`` the positive class's index (binary);
    ``unseen`` and ``unseen_weighted`` count the distinct test classes the training
    rows do not have (of all rows; of rows with weight), each a class of its own in
    balanced accuracy and macro F1.
    """

    k: int
    y: np.ndarray
    w: np.ndarray | None
    weight: np.ndarray
    present: np.ndarray
    pos: int | None
    unseen: int = 0
    unseen_weighted: int = 0

    @property
    def total(self) -> float:
        return float(self.weight.sum())


def encode_test(
    y_idx: np.ndarray,
    k: int,
    w: np.ndarray | None,
    pos: int | None,
    y_raw: np.ndarray | None = None,
) -> Classes:
    """``y_raw`` (the labels themselves) is needed only to count the distinct
    classes behind index ``k``."""
    counts = np.bincount(y_idx, minlength=k + 1)
    weight = (
        counts.astype(np.float64)
        if w is None
        else np.bincount(y_idx, weights=w, minlength=k + 1)
    )
    unseen = unseen_w = 0
    if counts[k] and y_raw is not None:
        import pandas as pd

        mask = y_idx == k
        unseen = len(pd.unique(pd.Series(y_raw[mask], copy=False)))
        if w is None:
            unseen_w = unseen
        else:
            heavy = mask & (w > 0)
            unseen_w = len(pd.unique(pd.Series(y_raw[heavy], copy=False)))
    return Classes(k, y_idx, w, weight, counts > 0, pos, unseen, unseen_w)


def _confusion_constant(c: Classes, a: int) -> tuple[np.ndarray, np.ndarray]:
    cm = np.zeros((c.k + 1, c.k), dtype=np.float64)
    cm[:, a] = c.weight
    pred_present = np.zeros(c.k, dtype=bool)
    pred_present[a] = True
    return cm, pred_present


def _confusion_drawn(c: Classes, pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    codes = c.y * c.k + pred
    size = (c.k + 1) * c.k
    cm = np.bincount(codes, weights=c.w, minlength=size).reshape(c.k + 1, c.k)
    pred_present = np.bincount(pred, minlength=c.k) > 0
    return cm.astype(np.float64, copy=False), pred_present


def _div(a: float, b: float) -> float:
    return a / b if b > 0 else math.nan


def _threshold_scores(
    c: Classes, cm: np.ndarray, pred_present: np.ndarray, task: str
) -> dict[str, float]:
    W = c.total
    diag = np.zeros(c.k + 1)
    diag[: c.k] = np.diag(cm[: c.k])
    rows = cm.sum(axis=1)
    out = {"accuracy": _div(float(diag.sum()), W)}
    # balanced accuracy: recall per true class that has weight (sklearn drops the
    # classes with no true rows)
    has = rows[: c.k] > 0
    recalls = [*(diag[: c.k][has] / rows[: c.k][has]), *([0.0] * c.unseen_weighted)]
    out["balanced_accuracy"] = float(np.mean(recalls)) if recalls else math.nan
    if task == "binary":
        p, n = c.pos, 1 - c.pos
        tp, fp, fn, tn = cm[p, p], cm[n, p], cm[p, n], cm[n, n]
        out.update(
            precision=_div(tp, tp + fp),
            recall=_div(tp, tp + fn),
            f1=_div(2 * tp, 2 * tp + fp + fn),
            fpr=_div(fp, fp + tn),
            fnr=_div(fn, tp + fn),
        )
    else:
        cols = np.zeros(c.k + 1)
        cols[: c.k] = cm.sum(axis=0)
        present = c.present[: c.k] | pred_present
        denom = (rows + cols)[: c.k]
        f1 = np.where(denom > 0, 2 * diag[: c.k] / np.where(denom > 0, denom, 1), 0.0)
        per_class = [*f1[present], *([0.0] * c.unseen)]
        out["macro_f1"] = float(np.mean(per_class)) if per_class else math.nan
        out["micro_f1"] = out["accuracy"]
    return out


def _log_loss_constant(c: Classes, p: np.ndarray) -> float:
    if c.weight[c.k] > 0:  # a test class the model has no column for
        return math.nan
    q = np.clip(p, _EPS, 1 - _EPS)
    return _div(float(-(c.weight[: c.k] * np.log(q)).sum()), c.total)


def _log_loss_onehot(c: Classes, cm: np.ndarray) -> float:
    if c.weight[c.k] > 0:
        return math.nan
    right = float(np.trace(cm[: c.k]))
    wrong = c.total - right
    loss = -(right * math.log(1 - _EPS) + wrong * math.log(_EPS))
    return _div(loss, c.total)


def _ranking_constant(c: Classes, task: str) -> dict[str, float]:
    W = c.total
    if task == "binary":
        P = c.weight[c.pos]
        both = P > 0 and W - P > 0
        return {
            "roc_auc": 0.5 if both else math.nan,
            "average_precision": _div(P, W) if P > 0 else math.nan,
        }
    defined = [j for j in range(c.k) if 0 < c.weight[j] < W]
    return {"roc_auc_ovr": 0.5 if defined else math.nan}


def _ranking_onehot(c: Classes, cm: np.ndarray, task: str) -> dict[str, float]:
    W = c.total
    if task == "binary":
        p, n = c.pos, 1 - c.pos
        P, N = c.weight[p], c.weight[n]
        if not P > 0:
            return {"roc_auc": math.nan, "average_precision": math.nan}
        tp1, fp1 = cm[p, p], cm[n, p]
        tpr = tp1 / P
        auc = 0.5 * (1 + tpr - fp1 / N) if N > 0 else math.nan
        if tp1 + fp1 > 0:
            ap = tpr * tp1 / (tp1 + fp1) + (1 - tpr) * P / W
        else:
            ap = P / W
        return {"roc_auc": float(auc), "average_precision": float(ap)}
    aucs = []
    cols = cm.sum(axis=0)
    for j in range(c.k):
        pos_w = c.weight[j]
        if not (0 < pos_w < W):
            continue
        tpr = cm[j, j] / pos_w
        fpr = (cols[j] - cm[j, j]) / (W - pos_w)
        aucs.append(0.5 * (1 + tpr - fpr))
    return {"roc_auc_ovr": float(np.mean(aucs)) if aucs else math.nan}


def _ranking_matrix(c: Classes, proba: np.ndarray, task: str) -> dict[str, float]:
    from sklearn.metrics import average_precision_score, log_loss, roc_auc_score

    W = c.total
    out: dict[str, float] = {}
    if task == "binary":
        y = c.y == c.pos
        s = proba[:, c.pos]
        P = c.weight[c.pos]
        out["roc_auc"] = (
            float(roc_auc_score(y, s, sample_weight=c.w)) if 0 < P < W else math.nan
        )
        out["average_precision"] = (
            float(average_precision_score(y, s, sample_weight=c.w))
            if P > 0
            else math.nan
        )
    else:
        aucs = []
        for j in range(c.k):
            if 0 < c.weight[j] < W:
                aucs.append(roc_auc_score(c.y == j, proba[:, j], sample_weight=c.w))
        out["roc_auc_ovr"] = float(np.mean(aucs)) if aucs else math.nan
    if c.weight[c.k] > 0 or not W > 0:
        out["log_loss"] = math.nan
    else:
        out["log_loss"] = float(
            log_loss(c.y, proba, labels=np.arange(c.k), sample_weight=c.w)
        )
    return out


def classification_scores(
    c: Classes, task: str, *, pred: Any, proba: Any
) -> dict[str, float]:
    """Every built-in score of one classifier's predictions.

    ``pred``: one class index for every row (an int) or a class index per row;
    ``proba``: ``"onehot"`` (probability 1 on the predicted class), one
    probability vector for every row (length ``k``), or ``(n, k)`` probabilities.
    """
    if isinstance(pred, (int, np.integer)):
        cm, pred_present = _confusion_constant(c, int(pred))
    else:
        cm, pred_present = _confusion_drawn(c, np.asarray(pred, dtype=np.int64))
    out = _threshold_scores(c, cm, pred_present, task)
    if isinstance(proba, str):  # "onehot"
        out.update(_ranking_onehot(c, cm, task))
        out["log_loss"] = _log_loss_onehot(c, cm)
        return out
    p = np.asarray(proba, dtype=np.float64)
    if p.ndim == 1:
        out.update(_ranking_constant(c, task))
        out["log_loss"] = _log_loss_constant(c, p)
    else:
        out.update(_ranking_matrix(c, p, task))
    return out


def regression_scores(
    y: np.ndarray, pred: Any, w: np.ndarray | None
) -> dict[str, float]:
    """MAE, RMSE and R² of a constant (a float) or a per-row prediction, as
    scikit-learn's ``mean_absolute_error``, ``root_mean_squared_error`` and
    ``r2_score`` (R² is 1 for a perfect fit of a constant label, else 0, when the
    label does not vary; NaN for a single row)."""
    if len(y) == 0:
        return {"mae": math.nan, "rmse": math.nan, "r2": math.nan}
    e = y - pred
    mae = float(np.average(np.abs(e), weights=w))
    mse = float(np.average(e * e, weights=w))
    num = float(np.sum(e * e if w is None else w * (e * e)))
    d = y - np.average(y, weights=w)
    den = float(np.sum(d * d if w is None else w * (d * d)))
    if len(y) < 2:  # scikit-learn: not well-defined with less than two samples
        r2 = math.nan
    elif den == 0:
        r2 = 1.0 if num == 0 else 0.0
    else:
        r2 = 1.0 - num / den
    return {"mae": mae, "rmse": math.sqrt(mse), "r2": r2}


# -- metric names ---------------------------------------------------------------------


def valid_metrics(task: str) -> tuple[str, ...]:
    extra = tuple(
        n
        for n, (tasks, _, _) in EXTRA_METRICS.items()
        if task in tasks and n not in M.names(task)
    )
    return M.goals(task) + extra


def check_metric(metric: Any, task: str) -> str:
    valid = valid_metrics(task)
    if isinstance(metric, str) and metric in valid:
        return metric
    if isinstance(metric, str):
        try:
            m = M.get(metric)
        except MlnbValueError:
            m = None
        extra = EXTRA_METRICS.get(metric)
        tasks = tuple(
            t
            for t in M.TASKS
            if (m is not None and t in m.tasks) or (extra and t in extra[0])
        )
        if tasks and task not in tasks:
            raise MlnbValueError(
                f"metric {metric!r} fits task {' or '.join(map(repr, tasks))}, but "
                f"these labels are {task}; for task={task!r} pick one of "
                f"{', '.join(valid)}"
            )
        if m is not None:
            raise MlnbValueError(
                f"metric {metric!r} describes the data and has no better direction; "
                f"for task={task!r} pick one of {', '.join(valid)}"
            )
    raise MlnbValueError(
        f"unknown metric {metric!r}; for task={task!r} the valid ones are "
        f"{', '.join(valid)}"
    )


def direction(metric: str, task: str) -> bool:
    if metric in EXTRA_METRICS and metric not in M.names(task):
        return EXTRA_METRICS[metric][1]
    return bool(M.get(metric).higher_is_better)


def label_of(metric: str) -> str:
    extra = EXTRA_METRICS.get(metric)
    try:
        return M.get(metric).label or metric
    except MlnbValueError:
        return extra[2] if extra else metric
