"""Step 6: does the model serve all of your users well? Metrics per slice.

``sliced_metrics`` computes a model's metrics overall and per slice of the data
(one column, several columns each on its own, or crossed columns), with confidence
intervals, the difference and ratio to overall, and a flag for slices significantly
worse than the rest of the data. It runs the skeleton of every check: read the
inputs (:mod:`.inputs`) → compute the per-slice tables (:mod:`.tables`, plus
registered metrics: :mod:`.custom`) → flag slices and apply the conditions
(:mod:`.judge`) → word the summary.

It is fast because it sorts little: rows are grouped by ``(slice, class)`` with a
linear-time radix sort of a small integer key, and each group's scores are sorted
in place; ranking metrics and the confusion matrix at any threshold then come from
binary searches (see :mod:`mlnb.core.grouped` and :mod:`mlnb.core.ranking`).
Changing the threshold afterwards (:meth:`SlicedMetrics.at_threshold`) re-uses
the sorted state.

Beyond one machine, ``engine="tfma"`` runs the same analysis with TensorFlow Model
Analysis on Apache Beam (the ``tfma`` extra).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...core import intervals as ci
from ...core import metrics as M
from ...core.grouped import grouped_rankings
from ...core.labels import as_scores, binary_mask, class_counts, is_real
from ...core.ranking import BinaryRanking
from ...core.slices import DEFAULT_MAX_SLICES
from ...errors import MlnbValueError
from .assemble import assemble as _assemble
from .assemble import assemble_binary as _assemble_binary
from .custom import CustomData, add_custom_metrics, select_metrics
from .inputs import infer_task, read_inputs
from .judge import (
    DEFAULT_CORRECTION,
    MIN_SLICE_SIZE,
    check_correction,
    default_goal,
)
from .result import SlicedMetrics
from .tables import (
    BinaryState,
    multiclass_table,
    regression_sums,
    regression_table,
    table_rows,
)

__all__ = ["sliced_metrics", "from_rows"]


def sliced_metrics(
    data: Any = None,
    *,
    label: Any,
    score: Any = None,
    prediction: Any = None,
    slice_by: Any,
    threshold: float = 0.5,
    sample_weight: Any = None,
    metrics: Any = None,
    goal_metric: str | None = None,
    conditions: Any = None,
    min_slice_size: int = MIN_SLICE_SIZE,
    confidence: float = 0.95,
    positive_label: Any = None,
    task: str | None = None,
    classes: Any = None,
    bins: Any = 4,
    max_slices: int = DEFAULT_MAX_SLICES,
    nan_policy: str = "raise",
    random_state: Any = 0,
    engine: str = "numpy",
    beam_options: Any = None,
    publish: bool = True,
    correction: Any = DEFAULT_CORRECTION,
) -> SlicedMetrics:
    """Metrics overall and per slice, with confidence intervals and flags.

    Parameters
    ----------
    data:
        A pandas or polars DataFrame, a pyarrow Table or a dict of arrays (read
        through :mod:`mlnb.core.frames`: column names of any hashable type —
        the integers of ``pd.DataFrame(array)``, tuples); or None when
        ``label``, ``score`` and ``slice_by`` are given as arrays.
    label:
        Label column name, or the labels.
    score:
        Column of scores (binary: probability or decision value of the positive
        class), or for several classes a list of per-class score columns (or an
        ``(n, n_classes)`` array) in the order of ``classes``.
    prediction:
        Column of predicted labels (binary or multi-class) or predicted values
        (regression). For a binary model with scores, predictions come from
        ``score >= threshold`` unless given.
    slice_by:
        ``"sex"``, ``["sex", "race"]`` (each on its own), ``[("sex", "race")]``
        (crossed), or ``{"sex": array}`` with array inputs; a tuple that is a
        column's name (MultiIndex columns) is that column. Numeric columns with
        more than 20 distinct values become ``bins`` quantile bins (or pass a
        list of edges, or a dict column → bins).
    threshold:
        Decision threshold for binary scores (``score >= threshold`` is positive).
    sample_weight:
        Column name or array of non-negative weights.
    metrics:
        Names from the metric registry (:mod:`mlnb.core.metrics`) to report, in
        this order; default: every built-in metric of the task. A metric you
        registered with :func:`mlnb.register_metric` is computed per slice with
        its ``fn`` (no interval: never flagged as significantly worse). The goal
        metric is always included.
    goal_metric:
        The metric slices are judged on: a registered metric of the task with a
        direction. Default: ``roc_auc`` for binary scores, ``accuracy`` for binary
        predictions and multi-class, ``mae`` for regression — or, when
        ``metrics=`` leaves that one out, the first of ``metrics=`` with a
        direction.
    conditions:
        :class:`mlnb.Condition` rules that set the status, replacing
        :data:`SlicedMetrics.DEFAULT_CONDITIONS`: a significantly worse slice
        (two-sided z-test at ``confidence`` against the rest of the data) with a
        gap of at least 0.10 fails (``worst_gap < 0.1``), of at least 0.05 warns
        (``worst_gap < 0.05``); nothing judged is ``info`` (``n_judged >= 1``).
        Gaps are absolute for metrics in [0, 1], relative to overall for log
        loss, MAE and RMSE. Conditions may read ``worst_gap``, ``n_flagged``,
        ``n_judged``, ``n_slices``, ``n_too_small``, ``goal_value`` and every
        reported metric's overall value by name (e.g. ``roc_auc``).
    min_slice_size:
        Slices with fewer rows are reported as too small and not judged.
    confidence:
        Level of the confidence intervals and of the significance test.
    correction:
        Multiple-comparison correction of the "significantly worse" flags
        across every slice judged: ``"holm"`` (default; Holm 1979 — the chance
        that any slice is flagged when none differs stays below
        ``1 - confidence``, however many slices), ``"bh"`` (Benjamini &
        Hochberg 1995 — controls the false discovery rate; flags more real
        differences) or None (each slice tested alone). Named in the result's
        ``correction``, in ``.to_frame()`` (``<goal>_p_adjusted``) and in the
        HTML.
    positive_label:
        Positive class of a binary label (default 1/True).
    task:
        ``"binary"``, ``"multiclass"`` or ``"regression"``; inferred by default.
    classes:
        Class order of multi-class score columns (default: sorted labels).
    bins, max_slices:
        Bins of numeric slice columns; most slices per slicing (more raise an
        error that says how to proceed).
    nan_policy:
        ``"raise"`` (default): missing labels/scores/predictions raise an error that
        counts them; ``"drop"``: those rows are left out and reported in
        ``n_dropped`` / ``dropped_reason``.
    random_state:
        Seed (or ``numpy.random.Generator``) of the Bayesian bootstrap behind the
        F1 and macro-F1 intervals; the default 0 makes them repeatable, None
        draws afresh.
    engine:
        ``"numpy"`` (in memory) or ``"tfma"`` (TensorFlow Model Analysis on Apache
        Beam; ``beam_options`` are passed to the pipeline).
    publish:
        Record the result as this session's evidence for step 6.

    Returns
    -------
    SlicedMetrics

    Raises
    ------
    MlnbValueError
        An argument does not fit the data (the message names it and the fix).
    DataValidationError
        Empty data, missing values (with ``nan_policy="raise"``), bad weights.

    Notes
    -----
    Confidence intervals: see :mod:`mlnb.core.intervals`. "Significantly worse"
    compares each slice with the rest of the data (all rows outside the slice)
    for proportions, ROC AUC, log loss and regression errors; for F1, AUC-PR,
    calibration and multi-class metrics it compares with overall.

    Examples
    --------
    >>> import mlnb, pandas as pd
    >>> df = pd.DataFrame({"y": [0, 1] * 50, "p": [0.2, 0.8] * 50,
    ...                    "g": ["a"] * 50 + ["b"] * 50})
    >>> r = mlnb.sliced_metrics(df, label="y", score="p", slice_by="g",
    ...                         publish=False)
    >>> r.status, list(r.slices()["roc_auc"])
    ('pass', [1.0, 1.0])
    """
    if engine == "tfma":
        return _tfma(
            data,
            label=label,
            score=score,
            prediction=prediction,
            slice_by=slice_by,
            threshold=threshold,
            sample_weight=sample_weight,
            metrics=metrics,
            goal_metric=goal_metric,
            conditions=conditions,
            min_slice_size=min_slice_size,
            confidence=confidence,
            positive_label=positive_label,
            task=task,
            bins=bins,
            max_slices=max_slices,
            nan_policy=nan_policy,
            random_state=random_state,
            beam_options=beam_options,
            publish=publish,
            correction=correction,
        )
    if engine != "numpy":
        raise MlnbValueError(f"engine must be 'numpy' or 'tfma'; got {engine!r}")
    _check_settings(
        nan_policy, confidence, min_slice_size, threshold, goal_metric, max_slices, bins
    )
    correction = check_correction(correction)

    # 1. read the inputs
    inp = read_inputs(
        data,
        label=label,
        score=score,
        prediction=prediction,
        slice_by=slice_by,
        sample_weight=sample_weight,
        bins=bins,
        max_slices=max_slices,
        nan_policy=nan_policy,
    )
    task = task or infer_task(inp.y, inp.score, inp.prediction, positive_label)
    if task not in M.TASKS:
        raise MlnbValueError(f"task must be one of {list(M.TASKS)}; got {task!r}")
    selected, goal = select_metrics(
        task, metrics, goal_metric, has_scores=inp.score is not None
    )
    state = {
        "task": task,
        "goal_metric": goal,
        "conditions": conditions,
        "confidence": float(confidence),
        "min_slice_size": int(min_slice_size),
        "correction": correction,
        "random_state": random_state,
        "slicings": inp.slicings,
        "slice_names": [s.name for s in inp.slicings],
        "n_rows": int(len(inp.y)),
        "n_dropped": inp.n_dropped,
        "dropped_reason": inp.dropped_reason,
        "metrics": selected,
        "custom": [m for m in selected if M.get(m).computed_by_fn],
    }
    # 2. compute; 3. judge and 4. word (assemble / assemble_binary)
    if task == "binary":
        return _binary(state, inp, positive_label, float(threshold), publish)
    if task == "multiclass":
        return _multiclass(state, inp, classes, publish)
    return _regression(state, inp, publish)


def _check_settings(
    nan_policy, confidence, min_slice_size, threshold, goal_metric, max_slices, bins
) -> None:
    """Every setting checked before any data is read; each message names the
    argument, the value given and what is allowed."""
    if nan_policy not in ("raise", "drop"):
        raise MlnbValueError(
            f"nan_policy must be 'raise' or 'drop'; got {nan_policy!r}"
        )
    if not (is_real(confidence) and 0.5 <= confidence < 1):
        raise MlnbValueError(
            f"confidence must be a number in [0.5, 1), e.g. 0.95; got {confidence!r}"
        )
    if not (_is_whole(min_slice_size) and min_slice_size >= 1):
        raise MlnbValueError(
            f"min_slice_size must be a whole number >= 1 (default {MIN_SLICE_SIZE}); "
            f"got {min_slice_size!r}"
        )
    if not (is_real(threshold) and math.isfinite(threshold)):
        raise MlnbValueError(
            f"threshold must be a finite number (a score cut-off, e.g. 0.5); got "
            f"{threshold!r}"
        )
    if goal_metric is not None and not isinstance(goal_metric, str):
        raise MlnbValueError(
            f"goal_metric must be a metric name (str) or None; got {goal_metric!r}"
        )
    if not (_is_whole(max_slices) and max_slices >= 1):
        raise MlnbValueError(
            f"max_slices must be a whole number >= 1 (default {DEFAULT_MAX_SLICES}); "
            f"got {max_slices!r}"
        )
    for b in bins.values() if isinstance(bins, dict) else [bins]:
        _check_bins(b)


def _is_whole(v: Any) -> bool:
    return is_real(v) and math.isfinite(v) and float(v).is_integer()


def _check_bins(bins: Any) -> None:
    allowed = (
        "a whole number >= 2 of quantile bins (default 4), a list of at least two "
        "increasing finite edges, None (numbers as categories), or a dict column -> "
        "one of these"
    )
    if bins is None:
        return
    if isinstance(bins, (list, tuple, np.ndarray)):
        try:
            edges = np.asarray(bins, dtype=np.float64)
        except (TypeError, ValueError):
            edges = None
        if (
            edges is None
            or edges.ndim != 1
            or len(edges) < 2
            or not np.isfinite(edges).all()
        ):
            raise MlnbValueError(f"bins must be {allowed}; got {bins!r}")
        return
    if not (_is_whole(bins) and bins >= 2):
        raise MlnbValueError(f"bins must be {allowed}; got {bins!r}")


def _tfma(data, *, task, nan_policy, metrics, random_state, **kwargs):
    from ..adapters import adapter

    _check_settings(
        nan_policy,
        kwargs["confidence"],
        kwargs["min_slice_size"],
        kwargs["threshold"],
        kwargs["goal_metric"],
        kwargs["max_slices"],
        kwargs["bins"],
    )
    kwargs["correction"] = check_correction(kwargs["correction"])

    if task not in (None, "binary"):
        raise MlnbValueError(
            f"engine='tfma' computes binary metrics; task={task!r} needs engine='numpy'"
        )
    if nan_policy != "raise":
        raise MlnbValueError(
            "engine='tfma' does not drop rows; drop missing values first, or "
            "use engine='numpy' with nan_policy='drop'"
        )
    if metrics is not None:
        names = [metrics] if isinstance(metrics, str) else list(metrics)
        own = [m for m in names if M.get(m).computed_by_fn]
        if own:
            raise MlnbValueError(
                f"metrics: engine='tfma' computes the default metrics only, not "
                f"{own!r}; use engine='numpy'"
            )
    sliced_metrics_tfma = adapter("tfma", "sliced_metrics_tfma")
    return sliced_metrics_tfma(
        data, metrics=metrics, random_state=random_state, **kwargs
    )


# ---------------------------------------------------------------------------------
# compute, per task
# ---------------------------------------------------------------------------------
def _binary(state, inp, positive_label, threshold, publish):
    y_raw, score, pred, weights = inp.y, inp.score, inp.prediction, inp.weights
    mask, pos, _neg = binary_mask(y_raw, positive_label=positive_label, name="label")
    state["positive_label"] = pos
    if score is not None and pred is not None:
        raise MlnbValueError(
            "give either score= (thresholded at `threshold`) or prediction= for a "
            "binary model, not both"
        )
    pmask = None if score is not None else _pred_mask(pred, pos)
    if state["custom"]:
        state["custom_data"] = CustomData(
            y=mask.astype(np.int64),
            score=score,
            prediction=None if pmask is None else pmask.astype(np.int64),
            weights=weights,
        )
    if score is None:
        w = np.ones(len(mask)) if weights is None else weights
        total = BinaryState(
            None,
            _pred_counts(mask, pmask, np.zeros(len(mask), np.int32), 1, w),
            None,
            False,
        )
        state["kind"] = "binary_predictions"
        states = [
            BinaryState(
                None, _pred_counts(mask, pmask, s.codes, s.n_slices, w), None, False
            )
            for s in state["slicings"]
        ]
        state.update(total=total, slice_states=states, threshold=None)
        return _assemble_binary(state, threshold, publish=publish, cls=SlicedMetrics)
    probabilities = bool(score.min() >= 0 and score.max() <= 1)
    overall = BinaryRanking(score, mask, weights, drop_zero_weights=False)
    states = [
        BinaryState(
            grouped_rankings(score, mask, s.codes, s.n_slices, weights),
            None,
            overall,
            probabilities,
        )
        for s in state["slicings"]
    ]
    # sums are additive: the whole data's are those of any slicing, added up
    total = BinaryState([overall], None, None, probabilities, sums_from=states[0])
    state.update(
        kind="binary_scores", total=total, slice_states=states, threshold=threshold
    )
    return _assemble_binary(state, threshold, publish=publish, cls=SlicedMetrics)


def _pred_mask(pred, pos) -> np.ndarray:
    if pred.dtype.kind == "b" and pos in (True, 1):
        return pred.astype(bool)
    return np.asarray(pred == pos, dtype=bool)


def _pred_counts(mask, pmask, codes, k, w):
    """(K, 7): weighted tn, fp, fn, tp; rows; Σw²; positives (rows)."""
    cell = codes.astype(np.int64) * 4 + mask.astype(np.int64) * 2 + pmask
    conf = np.bincount(cell, weights=w, minlength=4 * k).reshape(k, 4)
    n = np.bincount(codes, minlength=k)
    w2 = np.bincount(codes, weights=w * w, minlength=k)
    n_pos = np.bincount(codes, weights=mask.astype(np.float64), minlength=k)
    return np.column_stack([conf, n, w2, n_pos]).astype(np.float64)


def _multiclass(state, inp, classes, publish):
    import pandas as pd

    y_raw, scores, pred, weights = inp.y, inp.score, inp.prediction, inp.weights
    if classes is None:
        labels = class_counts(y_raw, name="label").labels
        if pred is not None:
            extra = [v for v in pd.unique(pred) if v not in set(labels)]
            labels = sorted([*labels, *extra], key=lambda v: (str(type(v)), v))
        classes = labels
    classes = list(classes)
    if scores is not None and scores.ndim == 2 and scores.shape[1] != len(classes):
        raise MlnbValueError(
            f"score has {scores.shape[1]} columns but there are {len(classes)} "
            f"classes ({classes[:10]!r}); pass classes= in the order of the columns"
        )
    index = {c: i for i, c in enumerate(classes)}
    try:
        y = np.array([index[v] for v in y_raw.tolist()], dtype=np.int64)
    except KeyError as exc:
        raise MlnbValueError(
            f"label value {exc.args[0]!r} is not among classes={classes[:10]!r}"
        ) from None
    if pred is None:
        if scores is None or scores.ndim != 2:
            raise MlnbValueError(
                "a multi-class model needs prediction= (predicted labels) or score= "
                "with one column per class"
            )
        p = np.argmax(scores, axis=1)
    else:
        try:
            p = np.array([index[v] for v in pred.tolist()], dtype=np.int64)
        except KeyError as exc:
            raise MlnbValueError(
                f"predicted label {exc.args[0]!r} is not among classes={classes[:10]!r}"
            ) from None
    if scores is not None and scores.ndim != 2:
        scores = None
    k = len(classes)
    state["classes"] = classes
    custom = state["custom"]
    cdata = None
    if custom:
        labels_arr = np.asarray(classes, dtype=object)
        cdata = CustomData(
            y=labels_arr[y], score=scores, prediction=labels_arr[p], weights=weights
        )
    zero = np.zeros(len(y), dtype=np.int32)
    conf, rs, z = (
        state["confidence"],
        state["random_state"],
        ci.z_value(state["confidence"]),
    )
    t_table, t_n, t_w = multiclass_table(
        y, p, scores, zero, 1, k, weights, z, conf, random_state=rs
    )
    if custom:
        add_custom_metrics(t_table, custom, cdata, zero, 1, threshold=None)
    overall_row = table_rows("overall", ["all"], t_n, t_w, t_table, state["metrics"])[0]
    rows = []
    for s in state["slicings"]:
        table, n_s, w_s = multiclass_table(
            y, p, scores, s.codes, s.n_slices, k, weights, z, conf, random_state=rs
        )
        if custom:
            add_custom_metrics(
                table, custom, cdata, s.codes, s.n_slices, threshold=None
            )
        rows += table_rows(
            s.name, s.values, n_s, w_s, table, state["metrics"], raw=s.raw
        )
    state.update(kind="multiclass", rows=rows, overall_row=overall_row)
    return _assemble(state, publish=publish, cls=SlicedMetrics)


def _regression(state, inp, publish):
    if inp.prediction is None:
        raise MlnbValueError("a regression model needs prediction= (predicted values)")
    y = as_scores(inp.y, name="label")
    p = as_scores(inp.prediction, name="prediction")
    weights = inp.weights
    custom = state["custom"]
    cdata = CustomData(y=y, score=p, prediction=p, weights=weights) if custom else None
    z = ci.z_value(state["confidence"])
    zero = np.zeros(len(y), dtype=np.int32)
    total = regression_sums(y, p, zero, 1, weights)
    t_table = regression_table(total, z)
    if custom:
        add_custom_metrics(t_table, custom, cdata, zero, 1, threshold=None)
    overall_row = table_rows(
        "overall", ["all"], total["n"], total["w"], t_table, state["metrics"]
    )[0]
    rows = []
    for s in state["slicings"]:
        sums = regression_sums(y, p, s.codes, s.n_slices, weights)
        table = regression_table(sums, z, total)
        if custom:
            add_custom_metrics(
                table, custom, cdata, s.codes, s.n_slices, threshold=None
            )
        rows += table_rows(
            s.name, s.values, sums["n"], sums["w"], table, state["metrics"], raw=s.raw
        )
    state.update(kind="regression", rows=rows, overall_row=overall_row)
    return _assemble(state, publish=publish, cls=SlicedMetrics)


# ---------------------------------------------------------------------------------
# numbers computed elsewhere
# ---------------------------------------------------------------------------------
def from_rows(
    rows: list[dict],
    overall_row: dict,
    *,
    task: str = "binary",
    slice_names: list[str],
    metrics: Any = None,
    goal_metric: str | None = None,
    conditions: Any = None,
    threshold: float | None = None,
    confidence: float = 0.95,
    min_slice_size: int = MIN_SLICE_SIZE,
    n_rows: int | None = None,
    positive_label: Any = None,
    engine: str = "external",
    publish: bool = False,
    correction: Any = DEFAULT_CORRECTION,
) -> SlicedMetrics:
    """Build a :class:`SlicedMetrics` from metric values computed elsewhere (TFMA).

    Each row is a dict with ``slice``, ``value``, ``count``, ``weighted_count`` and
    any of the task's metrics (missing ones become NaN), optionally
    ``<metric>_ci_low`` / ``<metric>_ci_high`` and ``notes`` — or the rows
    :func:`~mlnb.checks.fairness.tables.table_rows` makes, whose standard errors,
    rest-of-data values and support are then used. Without them significance is
    judged against overall using each slice's interval. ``metrics`` (default:
    the task's built-ins), ``goal_metric`` and ``conditions`` as for
    :func:`sliced_metrics`.
    """
    if task not in M.TASKS:
        raise MlnbValueError(f"task must be one of {list(M.TASKS)}; got {task!r}")
    if goal_metric is None:
        goal_metric = default_goal(task, has_scores=True)
    selected, goal = select_metrics(task, metrics, goal_metric, has_scores=True)
    z = ci.z_value(confidence)

    def norm(row: dict) -> dict:
        out = {
            "slice": row["slice"],
            "value": str(row["value"]),
            "count": int(row.get("count", 0)),
            "weighted_count": float(row.get("weighted_count", row.get("count", 0))),
            "notes": row.get("notes", ""),
        }
        se = {}
        for m in selected:
            v = float(row.get(m, math.nan))
            lo = float(row.get(f"{m}_ci_low", math.nan))
            hi = float(row.get(f"{m}_ci_high", math.nan))
            out[m], out[f"{m}_ci_low"], out[f"{m}_ci_high"] = v, lo, hi
            se[m] = (hi - lo) / (2 * z) if not math.isnan(lo + hi) else math.nan
        # exact standard errors, rest-of-data values and support, when given
        se.update({m: float(x) for m, x in row.get("_se", {}).items()})
        out["_se"] = se
        for key in ("_rest", "_rest_se", "_support"):
            out[key] = {m: float(x) for m, x in row.get(key, {}).items()}
        return out

    state = {
        "task": task,
        "goal_metric": goal,
        "conditions": conditions,
        "confidence": float(confidence),
        "min_slice_size": int(min_slice_size),
        "slice_names": list(slice_names),
        "n_rows": int(n_rows if n_rows is not None else overall_row.get("count", 0)),
        "n_dropped": 0,
        "dropped_reason": "",
        "metrics": selected,
        "custom": [],
        "positive_label": positive_label,
        "engine": engine,
        "correction": check_correction(correction),
        "threshold": threshold,
        "kind": engine,
        "rows": [norm(r) for r in rows],
        "overall_row": norm(overall_row),
    }
    return _assemble(state, publish=publish, cls=SlicedMetrics)
