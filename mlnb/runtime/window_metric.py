"""The metric of one closed window, with its confidence interval.

:func:`window_metric` reads what a metric is from the one registry
(:mod:`mlnb.core.metrics`) and computes it on one window's rows. The built-in
metrics have fast closed forms with the same intervals as
:func:`mlnb.sliced_metrics` (see :mod:`mlnb.core.intervals`): Wilson for accuracy,
precision, recall, the error rates and the label / prediction rates; Hanley &
McNeil for ROC AUC; the logit interval of Boyd et al. for average precision; the
Dirichlet posterior of the confusion matrix for F1; the normal interval of a mean
for log loss, MAE and the means; the delta method for RMSE.

Any other registered metric (a user's, from :func:`mlnb.register_metric`, or a
built-in without a closed form here such as ``calibration``) is computed with its
registry ``fn``; it has a value and no interval (NaN).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ..core import intervals as ci
from ..core import metrics as registry
from ..core.ranking import BinaryRanking
from ..errors import MlnbValueError

__all__ = ["window_metric", "window_task", "CLOSED_FORM"]

#: Metrics with a closed-form value and interval here (others use the registry fn).
CLOSED_FORM = frozenset(
    {
        "accuracy",
        "recall",
        "precision",
        "f1",
        "fpr",
        "fnr",
        "label_rate",
        "prediction_rate",
        "roc_auc",
        "average_precision",
        "log_loss",
        "mean_prediction",
        "mae",
        "rmse",
        "mean_error",
        "label_mean",
        "prediction_mean",
    }
)
_NAN = math.nan


def window_task(metric: str) -> str:
    """``"binary"`` or ``"regression"``: the task the evaluator reads ``metric``
    for (from the registry).

    Raises
    ------
    MlnbValueError
        An unknown metric, or one of neither task (multiclass metrics).
    """
    m = registry.get(metric)
    if "binary" in m.tasks:
        return "binary"
    if "regression" in m.tasks:
        return "regression"
    usable = [
        n for t in ("binary", "regression") for n in registry.names(t) if n != metric
    ]
    raise MlnbValueError(
        f"metric {metric!r} is for {', '.join(m.tasks)} models; continuous evaluation "
        f"reads binary and regression metrics: {', '.join(usable)}"
    )


def window_metric(
    metric: str,
    y_true: Any,
    y_score: Any,
    *,
    decision_threshold: float = 0.5,
    confidence: float = 0.95,
) -> tuple[float, float, float, str]:
    """``(value, ci_low, ci_high, note)`` of ``metric`` on one window's rows.

    Parameters
    ----------
    metric:
        A name from :mod:`mlnb.core.metrics` (binary or regression).
    y_true, y_score:
        Labels 0/1 (classification) or real targets (regression), and the score,
        probability or prediction of each row.
    decision_threshold:
        A score ``>= decision_threshold`` predicts the positive class.
    confidence:
        Level of the interval.

    Returns
    -------
    tuple
        An undefined value (no positives for recall, one class for ROC AUC) is NaN
        with a ``note`` saying why; metrics without a closed form here have a NaN
        interval.

    Examples
    --------
    >>> window_metric("accuracy", [1, 0, 1, 1], [0.9, 0.2, 0.4, 0.8])[0]
    0.75
    """
    spec = registry.get(metric)
    y = np.asarray(y_true, dtype=np.float64)
    s = np.asarray(y_score, dtype=np.float64)
    n = len(y)
    if n == 0:
        return _NAN, _NAN, _NAN, "no labeled rows"
    if metric not in CLOSED_FORM or not spec.builtin:
        return _from_registry(spec, y, s, decision_threshold)
    z = ci.z_value(confidence)
    if metric in ("mae", "rmse", "mean_error", "label_mean", "prediction_mean"):
        return _regression(metric, y, s, z)
    positive = y == 1
    n_pos = int(positive.sum())
    n_neg = n - n_pos
    if metric in ("log_loss", "mean_prediction"):
        if metric == "log_loss":
            eps = np.finfo(np.float64).eps
            p = np.clip(s, eps, 1 - eps)
            x = -np.where(positive, np.log(p), np.log1p(-p))
        else:
            x = s
        return _mean_interval(x, z, lo_clip=0.0)
    if metric in ("roc_auc", "average_precision"):
        if n_pos == 0 or n_neg == 0:
            which = "positive" if n_pos == 0 else "negative"
            return (
                _NAN,
                _NAN,
                _NAN,
                (f"no {which} labels in the window: {metric} undefined"),
            )
        ranking = BinaryRanking(s, positive)
        if metric == "roc_auc":
            value = float(ranking.roc_auc)
            se = ci.hanley_mcneil_se(value, n_pos, n_neg)
            lo, hi = ci.normal(value, se, z, lo_clip=0.0, hi_clip=1.0)
        else:
            value = float(ranking.average_precision)
            lo, hi = ci.logit_ap(value, n_pos, z)
        return value, float(lo), float(hi), ""
    predicted = s >= decision_threshold
    tp = int(np.count_nonzero(predicted & positive))
    fp = int(np.count_nonzero(predicted & ~positive))
    fn = n_pos - tp
    tn = n_neg - fp
    if metric == "f1":
        d = 2 * tp + fp + fn
        if d == 0:
            return _NAN, _NAN, _NAN, "no positive labels or predictions: f1 undefined"
        lo, hi = ci.dirichlet_f1(
            np.array([tp]), np.array([fp]), np.array([fn]), np.array([tn]), confidence
        )
        return 2 * tp / d, float(lo[0]), float(hi[0]), ""
    no_pos = f"no positive labels in the window: {metric} undefined"
    no_neg = f"no negative labels in the window: {metric} undefined"
    k, m, why = {
        "accuracy": (tp + tn, n, ""),
        "recall": (tp, n_pos, no_pos),
        "fnr": (fn, n_pos, no_pos),
        "fpr": (fp, n_neg, no_neg),
        "precision": (tp, tp + fp, "nothing predicted positive: precision undefined"),
        "label_rate": (n_pos, n, ""),
        "prediction_rate": (tp + fp, n, ""),
    }[metric]
    if m == 0:
        return _NAN, _NAN, _NAN, why
    lo, hi = ci.wilson(np.array([k / m]), np.array([m]), z)
    return k / m, float(lo[0]), float(hi[0]), ""


def _mean_interval(x: np.ndarray, z: float, *, lo_clip=None):
    """Mean of ``x`` and the normal interval (population sd / sqrt(n))."""
    n = len(x)
    value = float(x.mean())
    se = math.sqrt(max(float(np.mean(x * x)) - value**2, 0.0) / n)
    lo, hi = ci.normal(value, se, z, lo_clip=lo_clip)
    return value, float(lo), float(hi), ""


def _regression(metric: str, y: np.ndarray, s: np.ndarray, z: float):
    e = s - y
    if metric == "mae":
        return _mean_interval(np.abs(e), z)
    if metric == "mean_error":
        return _mean_interval(e, z)
    if metric == "label_mean":
        return _mean_interval(y, z)
    if metric == "prediction_mean":
        return _mean_interval(s, z)
    # rmse: the delta method on the mean squared error
    n = len(y)
    e2 = e * e
    mse = float(e2.mean())
    value = math.sqrt(mse)
    se_mse = math.sqrt(max(float(np.mean(e2 * e2)) - mse**2, 0.0) / n)
    se = se_mse / (2 * value) if value > 0 else 0.0
    lo, hi = ci.normal(value, se, z)
    return value, float(lo), float(hi), ""


def _from_registry(spec: Any, y: np.ndarray, s: np.ndarray, decision_threshold: float):
    """A metric without a closed form here: its registry ``fn``, no interval."""
    truth = y.astype(np.int64) if "binary" in spec.tasks else y
    out = (s >= decision_threshold).astype(np.int64) if spec.needs == "threshold" else s
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scikit-learn's "undefined" warnings
            value = float(spec.fn(truth, out, sample_weight=None))
    except Exception as exc:  # a user's function: report it, keep ingesting
        return _NAN, _NAN, _NAN, f"{spec.name} raised {type(exc).__name__}: {exc}"
    if math.isnan(value):
        return _NAN, _NAN, _NAN, f"{spec.name} undefined in the window"
    return value, _NAN, _NAN, ""
