"""The metric registry: one catalogue of every metric mlnb computes or judges.

Each entry says what a metric needs and how to read it — the task it applies to,
whether it needs a decision threshold, scores or plain predictions, which direction
is better, its range, and the confidence-interval method mlnb uses for it. Sliced
metrics (step 6), the continuous evaluator (step 9), the plots and the conditions all
read this one table; a user metric joins it with :func:`register_metric`.

Every built-in entry carries a reference implementation (scikit-learn's function, or
a one-line formula) used for user-facing ``compute`` calls and as the slow path for
registered metrics; the checks keep their own vectorised kernels for speed and are
tested against these.

    >>> from mlnb.core import metrics
    >>> metrics.get("recall").higher_is_better
    True
    >>> metrics.names("regression")
    ('mae', 'rmse', 'r2', 'mean_error', 'label_mean', 'prediction_mean')
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import MlnbValueError

__all__ = [
    "Metric",
    "TASKS",
    "get",
    "names",
    "goals",
    "register_metric",
    "unregister_metric",
    "compute",
    "catalogue",
]

#: Tasks a metric applies to.
TASKS = ("binary", "multiclass", "regression")
#: What a metric needs from the model's output.
NEEDS = ("threshold", "score", "prediction", "none")
#: Interval methods (see :mod:`mlnb.core.intervals`).
INTERVALS = (
    "wilson",
    "hanley_mcneil",
    "logit_ap",
    "dirichlet",
    "normal",
    "none",
)

_INF = math.inf


@dataclass(frozen=True)
class Metric:
    """One metric of the registry.

    Attributes
    ----------
    name:
        The id used everywhere (``"roc_auc"``).
    tasks:
        Tasks it applies to (``"binary"``, ``"multiclass"``, ``"regression"``).
    needs:
        ``"threshold"`` (computed from predictions at a decision threshold),
        ``"score"`` (ranking or probability metrics), ``"prediction"`` (regression
        values) or ``"none"`` (describes the label only).
    higher_is_better:
        ``True`` / ``False`` for metrics that can judge a model; ``None`` for
        descriptive ones (label rate, mean prediction), which no condition or goal
        may use.
    range:
        ``(low, high)`` of possible values.
    interval:
        The confidence-interval method mlnb uses (``"none"`` where it has none).
    label:
        A readable name.
    fn:
        ``fn(y_true, y_out, sample_weight=None) -> float`` where ``y_out`` is a
        score, probability or prediction as ``needs`` says (a 0/1 decision for
        ``"threshold"`` metrics). Built-ins use scikit-learn.
    builtin:
        Whether mlnb defines it (built-ins cannot be replaced).
    default:
        Whether a check that reports "every metric of the task" by default
        (sliced metrics, the TFMA engine) includes it. Metrics added after those
        defaults were fixed (balanced accuracy, R²) are goals and conditions like
        any other, and are asked for by name elsewhere.
    """

    name: str
    tasks: tuple[str, ...]
    needs: str
    higher_is_better: bool | None
    range: tuple[float, float] = (0.0, 1.0)
    interval: str = "none"
    label: str = ""
    fn: Callable[..., float] | None = field(default=None, repr=False, compare=False)
    builtin: bool = False
    default: bool = True

    @property
    def bounded(self) -> bool:
        """Whether the metric lives in ``[0, 1]`` (gaps are then absolute; for
        unbounded metrics such as log loss or MAE they are relative)."""
        return self.range == (0.0, 1.0)

    @property
    def computed_by_fn(self) -> bool:
        """Whether checks with their own vectorised kernels (sliced metrics, the
        TFMA engine) compute it through :attr:`fn` instead: registered metrics
        and the built-ins outside the default set."""
        return not (self.builtin and self.default)

    @property
    def judges(self) -> bool:
        """Whether a condition or a goal may use it (it has a direction)."""
        return self.higher_is_better is not None

    def to_dict(self) -> dict[str, Any]:
        """The entry as strict JSON (an infinite end of ``range`` is ``None``)."""

        def end(x: float) -> float | None:
            return x if math.isfinite(x) else None

        return {
            "name": self.name,
            "tasks": list(self.tasks),
            "needs": self.needs,
            "higher_is_better": self.higher_is_better,
            "range": [end(self.range[0]), end(self.range[1])],
            "interval": self.interval,
            "label": self.label or self.name,
            "builtin": self.builtin,
            "default": self.default,
        }


# --- reference implementations (scikit-learn, imported on first use) ---------------
# Every built-in ``fn`` gives NaN where the metric is undefined rather than raising:
# no rows, weights that sum to 0, one class only for a ranking metric, no positive
# decisions for precision, scores outside [0, 1] for log loss.


def _weights(sample_weight: Any, n: int) -> np.ndarray | None:
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight, dtype=np.float64).reshape(-1)
    if len(w) != n:
        raise MlnbValueError(
            f"sample_weight has {len(w):,} values for {n:,} rows; pass one weight "
            "per row"
        )
    return w


def _undefined(y: np.ndarray, w: np.ndarray | None) -> bool:
    """No rows, or no weight: every metric is undefined."""
    return len(y) == 0 or (w is not None and not float(w.sum()) > 0)


def _sk(name: str, **kw: Any) -> Callable[..., float]:
    def fn(y_true: Any, y_out: Any, sample_weight: Any = None) -> float:
        from sklearn import metrics as skm

        y = np.asarray(y_true)
        w = _weights(sample_weight, len(y))
        if _undefined(y, w):
            return math.nan
        return float(getattr(skm, name)(y, y_out, sample_weight=w, **kw))

    fn.__name__ = name
    return fn


def _ranking(name: str, *, needs_negatives: bool = True) -> Callable[..., float]:
    """A binary ranking metric: NaN unless the positives (and, for ROC AUC, the
    negatives) have weight."""
    sk = _sk(name)

    def fn(y_true: Any, y_out: Any, sample_weight: Any = None) -> float:
        y = np.asarray(y_true).astype(bool)
        w = _weights(sample_weight, len(y))
        w_all = np.ones(len(y)) if w is None else w
        negatives = w_all[~y].sum() > 0 or not needs_negatives
        if not (w_all[y].sum() > 0 and negatives):
            return math.nan
        return sk(y.astype(np.int64), y_out, sample_weight=w)

    fn.__name__ = name
    return fn


def _log_loss(y_true: Any, y_out: Any, sample_weight: Any = None) -> float:
    """Log loss of probabilities (NaN when a score is outside [0, 1])."""
    s = np.asarray(y_out, dtype=np.float64)
    if len(s) and not (np.all(s >= 0.0) and np.all(s <= 1.0)):
        return math.nan
    return _sk("log_loss", labels=[0, 1])(y_true, s, sample_weight=sample_weight)


def _roc_auc_ovr(y_true: Any, y_out: Any, sample_weight: Any = None) -> float:
    """One-vs-rest ROC AUC: the unweighted mean over the classes that have both
    positives and negatives (column ``j`` of the scores is class ``j`` when the
    labels are the integers ``0..k-1``, else the ``j``-th of the sorted labels)."""
    y = np.asarray(y_true)
    scores = np.asarray(y_out, dtype=np.float64)
    if scores.ndim != 2:
        raise MlnbValueError(
            "roc_auc_ovr needs one score column per class (an array of shape "
            f"(n_rows, n_classes)); got shape {scores.shape}"
        )
    k = scores.shape[1]
    if y.dtype.kind in "iub" and (len(y) == 0 or (y.min() >= 0 and y.max() < k)):
        classes = np.arange(k)
    else:
        classes = np.unique(y)
        if len(classes) != k:
            raise MlnbValueError(
                f"roc_auc_ovr: {len(classes)} labels but {k} score columns; pass "
                "integer labels 0..k-1 (one per score column)"
            )
    auc = _ranking("roc_auc_score")
    per_class = [
        auc(y == c, scores[:, j], sample_weight) for j, c in enumerate(classes)
    ]
    defined = [a for a in per_class if not math.isnan(a)]
    return float(np.mean(defined)) if defined else math.nan


def _rate(which: str) -> Callable[..., float]:
    def fn(y_true: Any, y_out: Any, sample_weight: Any = None) -> float:
        y = np.asarray(y_true).astype(bool)
        p = np.asarray(y_out).astype(bool)
        w = _weights(sample_weight, len(y))
        w = np.ones(len(y)) if w is None else w
        if which == "fpr":
            d = w[~y].sum()
            return float(w[~y & p].sum() / d) if d > 0 else math.nan
        d = w[y].sum()
        return float(w[y & ~p].sum() / d) if d > 0 else math.nan

    fn.__name__ = which
    return fn


def _average(a: np.ndarray, w: np.ndarray | None) -> float:
    if _undefined(a, w):
        return math.nan
    return float(np.average(a, weights=w))


def _mean(kind: str) -> Callable[..., float]:
    def fn(y_true: Any, y_out: Any, sample_weight: Any = None) -> float:
        if kind == "label":
            a = np.asarray(y_true, dtype=np.float64)
        elif kind == "error":
            a = np.asarray(y_out, np.float64) - np.asarray(y_true, np.float64)
        else:
            a = np.asarray(y_out, dtype=np.float64)
        return _average(a, _weights(sample_weight, len(a)))

    fn.__name__ = f"{kind}_mean"
    return fn


def _rmse(y_true: Any, y_out: Any, sample_weight: Any = None) -> float:
    e = np.asarray(y_out, np.float64) - np.asarray(y_true, np.float64)
    return math.sqrt(_average(e * e, _weights(sample_weight, len(e))))


def _r2(y_true: Any, y_out: Any, sample_weight: Any = None) -> float:
    """scikit-learn's ``r2_score``; NaN with fewer than two rows (undefined)."""
    if len(np.asarray(y_true).reshape(-1)) < 2:
        return math.nan
    return _sk("r2_score")(y_true, y_out, sample_weight)


def _calibration(y_true: Any, y_out: Any, sample_weight: Any = None) -> float:
    """Mean predicted probability divided by the observed positive rate."""
    y = np.asarray(y_true, np.float64)
    s = np.asarray(y_out, np.float64)
    w = _weights(sample_weight, len(y))
    rate = _average(y, w)
    return _average(s, w) / rate if rate else math.nan


_BUILTINS: tuple[Metric, ...] = (
    # binary, descriptive
    Metric("label_rate", ("binary",), "none", None, interval="wilson",
           label="label rate", fn=_mean("label")),
    Metric("prediction_rate", ("binary",), "threshold", None, interval="wilson",
           label="prediction rate", fn=_mean("prediction")),
    # binary, at a threshold
    Metric("accuracy", ("binary", "multiclass"), "threshold", True, interval="wilson",
           label="accuracy", fn=_sk("accuracy_score")),
    Metric("precision", ("binary",), "threshold", True, interval="wilson",
           label="precision", fn=_sk("precision_score", zero_division=np.nan)),
    Metric("recall", ("binary",), "threshold", True, interval="wilson",
           label="recall", fn=_sk("recall_score", zero_division=np.nan)),
    Metric("f1", ("binary",), "threshold", True, interval="dirichlet",
           label="F1", fn=_sk("f1_score", zero_division=np.nan)),
    Metric("fpr", ("binary",), "threshold", False, interval="wilson",
           label="false positive rate", fn=_rate("fpr")),
    Metric("fnr", ("binary",), "threshold", False, interval="wilson",
           label="false negative rate", fn=_rate("fnr")),
    # binary, from scores
    Metric("roc_auc", ("binary",), "score", True, interval="hanley_mcneil",
           label="ROC AUC", fn=_ranking("roc_auc_score")),
    Metric("average_precision", ("binary",), "score", True, interval="logit_ap",
           label="AUC-PR (average precision)",
           fn=_ranking("average_precision_score", needs_negatives=False)),
    Metric("log_loss", ("binary",), "score", False, range=(0.0, _INF),
           interval="normal", label="log loss", fn=_log_loss),
    Metric("mean_prediction", ("binary",), "score", None, interval="normal",
           label="mean prediction", fn=_mean("prediction")),
    Metric("calibration", ("binary",), "score", None, range=(0.0, _INF),
           interval="normal", label="calibration (mean prediction / label rate)",
           fn=_calibration),
    Metric("balanced_accuracy", ("binary", "multiclass"), "threshold", True,
           label="balanced accuracy", fn=_sk("balanced_accuracy_score"),
           default=False),
    # multiclass
    Metric("macro_f1", ("multiclass",), "threshold", True, interval="dirichlet",
           label="macro F1", fn=_sk("f1_score", average="macro", zero_division=0.0)),
    Metric("micro_f1", ("multiclass",), "threshold", True, interval="wilson",
           label="micro F1", fn=_sk("f1_score", average="micro")),
    Metric("roc_auc_ovr", ("multiclass",), "score", True, interval="none",
           label="one-vs-rest ROC AUC", fn=_roc_auc_ovr),
    # regression
    Metric("mae", ("regression",), "prediction", False, range=(0.0, _INF),
           interval="normal", label="mean absolute error",
           fn=_sk("mean_absolute_error")),
    Metric("rmse", ("regression",), "prediction", False, range=(0.0, _INF),
           interval="normal", label="root mean squared error", fn=_rmse),
    Metric("r2", ("regression",), "prediction", True, range=(-_INF, 1.0),
           label="R²", fn=_r2, default=False),
    Metric("mean_error", ("regression",), "prediction", None, range=(-_INF, _INF),
           interval="normal", label="mean error (prediction − label)",
           fn=_mean("error")),
    Metric("label_mean", ("regression",), "none", None, range=(-_INF, _INF),
           interval="normal", label="label mean", fn=_mean("label")),
    Metric("prediction_mean", ("regression",), "prediction", None,
           range=(-_INF, _INF), interval="normal", label="prediction mean",
           fn=_mean("prediction")),
)  # fmt: skip

_lock = threading.Lock()
_REGISTRY: dict[str, Metric] = {
    m.name: Metric(**{**m.__dict__, "builtin": True}) for m in _BUILTINS
}
#: The built-in names per task, in display order.
_BUILTIN_ORDER = {t: tuple(m.name for m in _BUILTINS if t in m.tasks) for t in TASKS}
#: The built-ins a check reporting "every metric" computes by default.
_DEFAULT_ORDER = {
    t: tuple(m.name for m in _BUILTINS if t in m.tasks and m.default) for t in TASKS
}


def get(name: Any) -> Metric:
    """The registered metric called ``name``.

    Raises
    ------
    MlnbValueError
        ``name`` is not registered; the message lists the names that are.
    """
    with _lock:
        metric = _REGISTRY.get(name) if isinstance(name, str) else None
        known = sorted(_REGISTRY)
    if metric is None:
        raise MlnbValueError(
            f"unknown metric {name!r}; registered metrics are {', '.join(known)}. "
            "Register your own with mlnb.core.metrics.register_metric(...)"
        )
    return metric


def names(
    task: str, *, builtin_only: bool = False, defaults_only: bool = False
) -> tuple[str, ...]:
    """Metric names for ``task``: the built-ins in their display order, then the
    user's registered ones in registration order. ``builtin_only``: the built-ins
    only; ``defaults_only``: the built-ins a check that reports every metric
    computes by default (see :attr:`Metric.default`)."""
    _check_task(task)
    if defaults_only:
        return _DEFAULT_ORDER[task]
    if builtin_only:
        return _BUILTIN_ORDER[task]
    with _lock:
        extra = tuple(
            m.name for m in _REGISTRY.values() if not m.builtin and task in m.tasks
        )
    return _BUILTIN_ORDER[task] + extra


def goals(task: str) -> tuple[str, ...]:
    """Metrics of ``task`` that have a direction (may be a goal or a condition)."""
    return tuple(n for n in names(task) if get(n).judges)


def catalogue() -> list[dict[str, Any]]:
    """Every registered metric as a strict-JSON dict (for docs and the README's
    table): the built-ins, then the user's in registration order."""
    with _lock:
        return [m.to_dict() for m in _REGISTRY.values()]


def register_metric(
    name: str,
    fn: Callable[..., float],
    *,
    task: str | tuple[str, ...],
    higher_is_better: bool | None,
    needs: str = "score",
    range: tuple[float, float] = (-_INF, _INF),  # noqa: A002 - the field's name
    label: str = "",
    replace: bool = False,
) -> Metric:
    """Add a metric of your own to the registry.

    Parameters
    ----------
    name:
        A new id (letters, digits, underscores).
    fn:
        ``fn(y_true, y_out, sample_weight=None) -> float``.
    task:
        ``"binary"``, ``"multiclass"``, ``"regression"`` or a tuple of them.
    higher_is_better:
        Its direction (``None``: descriptive only).
    needs:
        ``"score"`` (default: ``fn`` receives scores or probabilities),
        ``"threshold"`` (0/1 decisions at the decision threshold), ``"prediction"``
        or ``"none"``.
    range:
        Its possible values (``(0, 1)`` makes gaps absolute, otherwise relative).
    label:
        A readable name.
    replace:
        Replace a user metric registered earlier under ``name``.

    Returns
    -------
    Metric

    Raises
    ------
    MlnbValueError
        A bad name, task, ``needs`` or ``range``; ``fn`` not callable; a name that is
        taken (built-ins can never be replaced).

    Examples
    --------
    >>> from mlnb.core import metrics
    >>> m = metrics.register_metric("brier", lambda y, p, sample_weight=None:
    ...     float(((p - y) ** 2).mean()), task="binary", higher_is_better=False,
    ...     range=(0.0, 1.0))
    >>> metrics.get("brier").bounded
    True
    >>> metrics.unregister_metric("brier")
    """
    if not (isinstance(name, str) and name.isidentifier()):
        raise MlnbValueError(
            f"metric name must be an identifier (letters, digits, underscores) such "
            f"as 'brier_score'; got {name!r}"
        )
    if not callable(fn):
        raise MlnbValueError(
            f"fn must be callable as fn(y_true, y_out, sample_weight=None); got "
            f"{type(fn).__name__}"
        )
    if isinstance(task, str):
        tasks: tuple[Any, ...] = (task,)
    elif isinstance(task, (tuple, list)):
        tasks = tuple(dict.fromkeys(task))
    else:
        raise MlnbValueError(
            f"task must be one of {', '.join(TASKS)} or a tuple of them, e.g. "
            f"task='binary'; got {type(task).__name__}"
        )
    if not tasks:
        raise MlnbValueError(
            f"task must name at least one of {', '.join(TASKS)}, e.g. task='binary'"
        )
    for t in tasks:
        _check_task(t)
    if not (isinstance(needs, str) and needs in NEEDS):
        raise MlnbValueError(
            f"needs must be one of {', '.join(NEEDS)} (what fn receives as y_out); "
            f"got {needs!r}"
        )
    if higher_is_better is not None and type(higher_is_better).__name__ not in (
        "bool",
        "bool_",
    ):
        raise MlnbValueError(
            f"higher_is_better must be True, False or None (descriptive only); got "
            f"{higher_is_better!r}"
        )
    hib = None if higher_is_better is None else bool(higher_is_better)
    try:
        if isinstance(range, (str, bytes)) or len(range) != 2:
            raise TypeError
        lo, hi = (float(range[0]), float(range[1]))
    except (TypeError, ValueError, IndexError, KeyError):
        raise MlnbValueError(
            f"range must be (low, high), e.g. range=(0.0, 1.0); got {range!r}"
        ) from None
    if math.isnan(lo) or math.isnan(hi) or lo >= hi:
        raise MlnbValueError(
            f"range must be (low, high) with low < high, e.g. range=(0.0, 1.0); got "
            f"{range!r}"
        )
    if not isinstance(label, str):
        raise MlnbValueError(f"label must be a string; got {type(label).__name__}")
    metric = Metric(
        name,
        tasks,
        needs,
        hib,
        range=(lo, hi),
        interval="none",
        label=label or name,
        fn=fn,
    )
    with _lock:
        old = _REGISTRY.get(name)
        if old is not None and (old.builtin or not replace):
            if old.builtin:
                why = "a built-in metric, which cannot be replaced; choose another name"
            else:
                why = (
                    "already registered; pass replace=True to replace it, or choose "
                    "another name"
                )
            raise MlnbValueError(f"metric {name!r} is {why}")
        _REGISTRY[name] = metric
    return metric


def unregister_metric(name: str) -> None:
    """Remove a user metric (nothing happens when ``name`` is not registered).

    Raises
    ------
    MlnbValueError
        ``name`` is a built-in metric.
    """
    with _lock:
        old = _REGISTRY.get(name) if isinstance(name, str) else None
        if old is None:
            return
        if old.builtin:
            raise MlnbValueError(f"metric {name!r} is built in and cannot be removed")
        del _REGISTRY[name]


def compute(
    name: str,
    y_true: Any,
    y_out: Any,
    *,
    sample_weight: Any = None,
    threshold: float = 0.5,
) -> float:
    """``name`` on one set of rows with its reference implementation.

    For ``"threshold"`` metrics of a binary task ``y_out`` may be scores: a 1-D
    float array is turned into decisions with ``y_out >= threshold``. Metrics that
    need nothing but the label (``needs="none"``) accept ``y_out=None``.

    Returns
    -------
    float
        NaN where the metric is undefined on these rows (no rows, one class only
        for a ranking metric, no predicted positives for precision ...).

    Raises
    ------
    MlnbValueError
        An unknown metric (the message lists the registered ones), a threshold
        that is not a number, or arrays of different lengths.
    """
    metric = get(name)
    if isinstance(threshold, bool) or not isinstance(
        threshold, (int, float, np.number)
    ):
        raise MlnbValueError(
            f"threshold must be a number (the decision threshold), e.g. "
            f"threshold=0.5; got {threshold!r}"
        )
    y = np.asarray(y_true)
    if y.ndim != 1:
        raise MlnbValueError(
            f"y_true must be one label per row (1-D); got shape {y.shape}"
        )
    if y_out is None and metric.needs == "none":
        out = y
    elif y_out is None:
        raise MlnbValueError(
            f"{name} needs y_out ({_NEEDS_WORDS[metric.needs]}); got None"
        )
    else:
        out = np.asarray(y_out)
        if out.ndim == 0 or len(out) != len(y):
            got = "a scalar" if out.ndim == 0 else f"{len(out):,} rows"
            raise MlnbValueError(
                f"y_out has {got} but y_true has {len(y):,}; pass one "
                f"{_NEEDS_WORDS[metric.needs]} per row"
            )
    if metric.needs == "threshold" and out.ndim == 1 and out.dtype.kind == "f":
        out = (out >= threshold).astype(np.int64)
    if sample_weight is not None:
        w = np.asarray(sample_weight, dtype=np.float64).reshape(-1)
        if len(w) != len(y):
            raise MlnbValueError(
                f"sample_weight has {len(w):,} values but y_true has {len(y):,} "
                "rows; pass one weight per row"
            )
        sample_weight = w
    assert metric.fn is not None
    return float(metric.fn(y, out, sample_weight=sample_weight))


_NEEDS_WORDS = {
    "threshold": "a 0/1 decision or a score",
    "score": "a score or probability",
    "prediction": "a predicted value",
    "none": "nothing",
}


def _check_task(task: Any) -> None:
    if task not in TASKS:
        raise MlnbValueError(f"task must be one of {', '.join(TASKS)}; got {task!r}")
