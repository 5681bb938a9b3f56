"""Sliced metrics with TensorFlow Model Analysis (TFMA) on Apache Beam.

``mlnb.sliced_metrics(..., engine="tfma")`` hands the work to TFMA (the ``tfma``
extra: ``pip install "mlnb[tfma]"``) and returns the same :class:`SlicedMetrics`
as the in-memory engine; :func:`from_tfma` turns an existing TFMA ``EvalResult``
into one (TFMA's own notebook view does not render in JupyterLab 4).

What runs where
---------------
mlnb encodes the slices itself (:func:`mlnb.core.slices.resolve_slices`: the same
quantile bins, the same ``"missing"`` slice, crosses as one column such as
``"sex × race"``) and gives TFMA a DataFrame of the label (0/1), the score, the
weight, one string column per slicing and a few derived columns. TFMA then
computes, per slice, on the Beam runner:

=====================  ============================================================
mlnb                   TFMA 0.52 metric
=====================  ============================================================
count                  ``ExampleCount`` (unweighted)
weighted_count         ``WeightedExampleCount``
confusion matrix       ``ConfusionMatrixAtThresholds`` at the decision threshold,
                       counted exactly, example by example; label_rate,
                       prediction_rate, accuracy, precision, recall, f1, fpr, fnr
                       follow from its four cells
roc_auc                ``AUC`` (ROC; TFMA's 10,000-bucket histogram)
average_precision      step-wise average precision (scikit-learn's definition)
                       over ``ConfusionMatrixPlot``, the same 10,000 buckets
mean_prediction        ``MeanPrediction``; calibration = mean_prediction /
                       label_rate (TFMA's ``Calibration``)
log_loss               ``BinaryCrossEntropy``; where a score is exactly 0 or 1
                       (TFMA gives NaN or infinity) the mean of the per-row loss
                       with scores clipped as in memory
interval statistics    ``Mean`` of p², p·y, the per-row log loss and its square,
                       and Σw²/Σw — the second moments the intervals need
=====================  ============================================================

Confidence intervals, the "rest of the data" each slice is compared with, the
notes and the verdict then come from mlnb's own formulas (Wilson, Hanley–McNeil,
the logit interval for AP, the Dirichlet interval for F1, normal intervals for
means; see :mod:`mlnb.core.intervals`) applied to TFMA's counts and sums — the
same code as the in-memory engine, so the two engines differ only where TFMA
approximates. TFMA's bootstrap intervals are not requested: they multiply its
running time; intervals that TFMA did compute (``compute_confidence_intervals``)
are used by :func:`from_tfma`.

Agreement with the in-memory engine
-----------------------------------
- counts, weighted counts, the confusion matrix and everything derived from it:
  equal (float summation order aside). The threshold matches mlnb's meaning,
  ``score >= threshold`` is positive: TFMA counts ``score > t``, so mlnb asks for
  ``t`` = the largest float below ``threshold``.
- average_precision is exactly scikit-learn's average precision of the scores
  floored to TFMA's buckets of width 1e-4 (a positive and a negative in one
  bucket count as tied); against the raw scores that moves it by up to a few
  thousandths in slices with few positives, less in larger ones.
- roc_auc is TFMA's ``AUC``, which re-bins those buckets at steps of 1/9999: it
  differs from the exact value by at most the share of positive–negative pairs
  whose scores lie within 2e-4 of each other (below 1e-4 in practice). Scores on
  a grid of 1e-3 give both metrics exactly.
- the rest-of-data ROC AUC behind the significance test comes from the same
  bucketed curves (overall minus slice).

Runners
-------
``beam_options`` (a dict, a list of flags, or ``PipelineOptions``) go to
``beam.Pipeline``: the default is Beam's DirectRunner, in this process; any other
runner (Dataflow, Flink, Spark) takes its usual options. The pipeline is the one
``tfma.analyze_raw_data`` builds, with those options. TFMA writes its results to
a temporary folder that is removed afterwards, or, when the options set
``temp_location`` (remote runners need one), to a new folder under it, which is
kept. As in ``analyze_raw_data``, the rows travel inside the pipeline
(``beam.Create``): for data too large to ship that way, run TFMA over files and
read the output with :func:`from_tfma`.

TFMA needs about 1.5 ms per row on one local core for this metric set (most of it
in the histogram behind its AUC); the in-memory engine is thousands of times
faster on one machine (``benchmarks/bench_sliced_tfma.py``).

Limitations
-----------
Binary classification with probability scores in [0, 1] (or predicted labels);
multi-class and regression use the in-memory engine. Missing labels or scores
raise (the in-memory engine's ``nan_policy="drop"`` has no counterpart here).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import tempfile
import time
import uuid
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..checks import fairness as F
from ..core import frames
from ..core import intervals as ci
from ..core import metrics as M
from ..core.labels import as_1d, as_scores, as_weights, binary_mask, is_real
from ..core.slices import DEFAULT_MAX_SLICES, missing_mask
from ..errors import DataValidationError, MissingDependencyError, MlnbValueError

__all__ = ["sliced_metrics_tfma", "from_tfma", "tfma_inputs", "TfmaInputs"]

#: TFMA's calibration-histogram resolution (its default): buckets of width 1e-4.
NUM_BUCKETS = 10_000
#: Rows per Arrow record batch handed to Beam (each batch is one input element).
BATCH_ROWS = 100_000

LABEL_COLUMN = "__mlnb_label__"
SCORE_COLUMN = "__mlnb_score__"
WEIGHT_COLUMN = "__mlnb_weight__"
#: ``Mean`` metrics mlnb adds: metric name -> column averaged (weighted).
STAT_COLUMNS = {
    "mlnb_p2": "__mlnb_p2__",
    "mlnb_py": "__mlnb_py__",
    "mlnb_log_loss": "__mlnb_log_loss__",
    "mlnb_log_loss2": "__mlnb_log_loss2__",
}
#: ``Mean`` of the weight weighted by itself: Σw² / Σw.
W2_METRIC = "mlnb_w2"

#: TFMA metric names read as they are (when the confusion matrix is not available).
TFMA_NAMES = {
    "binary_accuracy": "accuracy",
    "precision": "precision",
    "ppv": "precision",
    "recall": "recall",
    "tpr": "recall",
    "fpr": "fpr",
    "fall_out": "fpr",
    "fnr": "fnr",
    "miss_rate": "fnr",
    "f1_score": "f1",
    "predicted_positive_rate": "prediction_rate",
    "mean_label": "label_rate",
    "prevalence": "label_rate",
    "auc": "roc_auc",
    "auc_precision_recall": "average_precision",
    "auc_precison_recall": "average_precision",  # spelt so in TFMA's default specs
    "binary_crossentropy": "log_loss",
    "mean_prediction": "mean_prediction",
    "calibration": "calibration",
}
_THRESHOLD_METRICS = (
    "prediction_rate",
    "accuracy",
    "precision",
    "recall",
    "f1",
    "fpr",
    "fnr",
)
_CLASS_METRICS = ("label_rate", "calibration", *_THRESHOLD_METRICS)
_LOCAL_RUNNERS = {
    "directrunner",
    "bundlebaseddirectrunner",
    "switchingdirectrunner",
    "fnapirunner",
    "prismrunner",
    "interactiverunner",
}


def _import_tfma():
    try:
        import apache_beam  # noqa: F401
        import tensorflow_model_analysis as tfma
        from tensorflow_model_analysis.proto import config_pb2
    except ImportError as exc:
        raise MissingDependencyError(
            "tensorflow-model-analysis", "tfma", "sliced metrics on Apache Beam"
        ) from exc
    return tfma, config_pb2


# ---------------------------------------------------------------------------------
# inputs: the DataFrame and EvalConfig TFMA gets
# ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class TfmaInputs:
    """What ``engine="tfma"`` hands to TFMA, and what it needs to read the result.

    Attributes
    ----------
    frame:
        pandas DataFrame: label (0/1), score, weight, one string column per
        slicing (named like the slicing, e.g. ``"sex × race"``) and the columns
        of the interval statistics.
    eval_config:
        ``tensorflow_model_analysis.proto.config_pb2.EvalConfig`` for it; run it
        yourself with ``tfma.analyze_raw_data(inputs.frame, inputs.eval_config)``.
    slicings:
        ``(name, values)`` of every slicing, in mlnb's order.
    threshold:
        mlnb's decision threshold (``score >= threshold``); None for predictions.
    tfma_threshold:
        The threshold TFMA counts with (``score > tfma_threshold``).
    """

    frame: Any
    eval_config: Any
    slicings: tuple[tuple[str, tuple[str, ...]], ...]
    threshold: float | None
    tfma_threshold: float
    positive_label: Any
    n_rows: int
    weighted: bool
    kind: str  # "scores" or "predictions"
    #: ``(name, values with their types)`` of every slicing, aligned with
    #: ``slicings`` (the result's ``raw_value`` column)
    slice_raw: tuple = ()


def _tfma_thresholds(threshold: float) -> tuple[float, list[float]]:
    """TFMA counts ``score > t``; mlnb counts ``score >= threshold``."""
    if threshold > 0:
        t = float(np.nextafter(threshold, -np.inf))
        return t, [t]
    # every probability is positive. A single negative threshold would send TFMA
    # down its top-k histogram path; a second one keeps the exact count.
    return -1.0, [-1.0, 0.5]


def tfma_inputs(
    data: Any = None,
    *,
    label: Any,
    score: Any = None,
    prediction: Any = None,
    slice_by: Any,
    threshold: float = 0.5,
    sample_weight: Any = None,
    positive_label: Any = None,
    bins: Any = 4,
    max_slices: int = DEFAULT_MAX_SLICES,
) -> TfmaInputs:
    """The DataFrame and ``EvalConfig`` that ``sliced_metrics(engine="tfma")``
    gives TFMA (arguments as for :func:`mlnb.sliced_metrics`).

    Useful to run TFMA yourself — ``tfma.analyze_raw_data(i.frame,
    i.eval_config)``, or over files on another runner — and read the result back
    with :func:`from_tfma`.

    Raises
    ------
    MissingDependencyError
        TFMA is not installed.
    MlnbValueError
        The model is not a binary classifier with probability scores (or
        predicted labels), or the arguments do not fit the data.
    """
    _, config_pb2 = _import_tfma()
    import pandas as pd

    if not (is_real(threshold) and not math.isnan(threshold)):
        raise MlnbValueError(f"threshold must be a number; got {threshold!r}")
    y_raw = as_1d(frames.column_or_values(data, label, role="label"), name="label")
    n = len(y_raw)
    if n == 0:
        raise DataValidationError("the data is empty; need at least one row")
    n_data = frames.row_count(data)
    if n_data is not None and n_data != n:
        raise MlnbValueError(f"label has {n:,} values but the data has {n_data:,} rows")
    if score is None and prediction is None:
        raise MlnbValueError(
            "give the model's output: score= (probabilities) or prediction= "
            "(predicted labels)"
        )
    if score is not None and prediction is not None:
        raise MlnbValueError(
            "give either score= (thresholded at `threshold`) or prediction= for a "
            "binary model, not both"
        )
    multi = (
        isinstance(score, (list, tuple))
        and bool(score)
        and all(isinstance(s, str) for s in score)
        and not (frames.is_table(data) and frames.has_column(data, score))
    )
    raw_score = (
        None
        if score is None or multi
        else frames.column_or_values(data, score, role="score")
    )
    if multi or (getattr(raw_score, "ndim", 1) == 2 and raw_score.shape[1] > 1):
        raise MlnbValueError(
            "engine='tfma' computes binary-classification metrics; for a "
            "multi-class model use engine='numpy'"
        )
    out = (
        as_scores(raw_score, name="score")
        if raw_score is not None
        else as_1d(
            frames.column_or_values(data, prediction, role="prediction"),
            name="prediction",
        )
    )
    w_raw = frames.column_or_values(data, sample_weight, role="sample_weight")
    for what, arr in (("score" if score is not None else "prediction", out),):
        if len(arr) != n:
            raise MlnbValueError(
                f"label has {n:,} values but {what} has {len(arr):,}; pass one per row"
            )
    parts = {"label": int(missing_mask(y_raw).sum())}
    parts["score" if score is not None else "prediction"] = int(missing_mask(out).sum())
    if any(parts.values()):
        detail = ", ".join(f"{k}: {v:,}" for k, v in parts.items() if v)
        raise DataValidationError(
            f"rows with missing values ({detail}); engine='tfma' uses every row — "
            "fill or drop them first (or use engine='numpy' with nan_policy='drop')"
        )
    if y_raw.dtype.kind == "f" and not np.all(np.mod(y_raw, 1) == 0):
        raise MlnbValueError(
            "engine='tfma' computes binary-classification metrics, but the label "
            "has non-integer values (a regression target?); use engine='numpy'"
        )
    try:
        mask, pos, _neg = binary_mask(
            y_raw, positive_label=positive_label, name="label"
        )
    except MlnbValueError as exc:
        raise type(exc)(
            f"engine='tfma' computes binary-classification metrics: {exc}"
        ) from None
    weights = as_weights(w_raw, n) if w_raw is not None else None
    kind = "scores" if score is not None else "predictions"
    if kind == "scores" and (out.min() < 0 or out.max() > 1):
        raise MlnbValueError(
            f"engine='tfma' needs probability scores in [0, 1] (TFMA buckets them on "
            f"[0, 1] for AUC and reads them as probabilities); got scores in "
            f"[{out.min():g}, {out.max():g}]. Pass probabilities (for logits: "
            "scipy.special.expit(score)) or use engine='numpy'"
        )
    slicings = F.resolve_slicings(data, slice_by, n, bins=bins, max_slices=max_slices)

    cols: dict[str, Any] = {LABEL_COLUMN: mask.astype(np.float64)}
    if kind == "scores":
        cols[SCORE_COLUMN] = out
        t_eff, thresholds = _tfma_thresholds(float(threshold))
    else:
        if out.dtype.kind == "b" and pos in (True, 1):
            pmask = out.astype(bool)
        else:
            pmask = np.asarray(out == pos, dtype=bool)
        cols[SCORE_COLUMN] = pmask.astype(np.float64)
        t_eff, thresholds = 0.5, [0.5]
    if weights is not None:
        cols[WEIGHT_COLUMN] = weights
    if kind == "scores":
        eps = np.finfo(np.float64).eps
        clipped = np.clip(out, eps, 1.0 - eps)
        loss = np.where(mask, -np.log(clipped), -np.log1p(-clipped))
        derived = (out * out, out * mask, loss, loss * loss)
        cols.update(zip(STAT_COLUMNS.values(), derived))
    reserved = set(cols)
    names: list[str] = []
    for sc in slicings:
        if sc.name in reserved:
            raise MlnbValueError(
                f"cannot slice by {sc.name!r}: the name is reserved for mlnb's own "
                "columns; rename the column"
            )
        if sc.name not in cols:
            cols[sc.name] = np.asarray(sc.values, dtype=object)[sc.codes]
            names.append(sc.name)
    frame = pd.DataFrame(cols)

    weighted = weights is not None

    def metric(class_name: str, **config: Any):
        return config_pb2.MetricConfig(
            class_name=class_name, config=json.dumps(config) if config else ""
        )

    main = [
        metric("WeightedExampleCount"),
        metric("ConfusionMatrixAtThresholds", thresholds=thresholds),
    ]
    if kind == "scores":
        main += [
            metric("AUC", num_thresholds=NUM_BUCKETS),
            metric("ConfusionMatrixPlot", num_thresholds=NUM_BUCKETS),
            metric("MeanLabel"),
            metric("MeanPrediction"),
            metric("Calibration"),
            metric("BinaryCrossEntropy"),
        ]
    weight_path = {"example_weights_key_path": ["features", WEIGHT_COLUMN]}
    plain = [metric("ExampleCount")]
    for name, col in STAT_COLUMNS.items() if kind == "scores" else ():
        plain.append(
            metric(
                "Mean",
                feature_key_path=["features", col],
                name=name,
                **(weight_path if weighted else {}),
            )
        )
    if weighted:
        plain.append(
            metric(
                "Mean",
                feature_key_path=["features", WEIGHT_COLUMN],
                name=W2_METRIC,
                **weight_path,
            )
        )
    model_spec = config_pb2.ModelSpec(
        label_key=LABEL_COLUMN, prediction_key=SCORE_COLUMN
    )
    if weighted:
        model_spec.example_weight_key = WEIGHT_COLUMN
    eval_config = config_pb2.EvalConfig(
        model_specs=[model_spec],
        metrics_specs=[
            config_pb2.MetricsSpec(
                metrics=main,
                example_weights=config_pb2.ExampleWeightOptions(
                    weighted=weighted, unweighted=not weighted
                ),
            ),
            # Mean cannot be "weighted" by the spec; it takes the weight column
            config_pb2.MetricsSpec(
                metrics=plain,
                example_weights=config_pb2.ExampleWeightOptions(unweighted=True),
            ),
        ],
        slicing_specs=[
            config_pb2.SlicingSpec(),
            *(config_pb2.SlicingSpec(feature_keys=[c]) for c in names),
        ],
    )
    return TfmaInputs(
        frame=frame,
        eval_config=eval_config,
        slicings=tuple((sc.name, tuple(sc.values)) for sc in slicings),
        slice_raw=tuple((sc.name, tuple(sc.raw)) for sc in slicings),
        threshold=float(threshold) if kind == "scores" else None,
        tfma_threshold=t_eff,
        positive_label=pos,
        n_rows=n,
        weighted=weighted,
        kind=kind,
    )


# ---------------------------------------------------------------------------------
# running the pipeline
# ---------------------------------------------------------------------------------
def _pipeline_options(beam_options: Any):
    from apache_beam.options.pipeline_options import PipelineOptions

    if beam_options is None:
        return PipelineOptions([])  # not sys.argv (a kernel's flags)
    if isinstance(beam_options, PipelineOptions):
        return beam_options
    if isinstance(beam_options, dict):
        return PipelineOptions.from_dictionary(dict(beam_options))
    if isinstance(beam_options, (list, tuple)) and all(
        isinstance(f, str) for f in beam_options
    ):
        return PipelineOptions(list(beam_options))
    raise MlnbValueError(
        "beam_options must be a dict ({'runner': 'DataflowRunner', ...}), a list of "
        "flags (['--runner=DataflowRunner', ...]) or apache_beam's PipelineOptions; "
        f"got {type(beam_options).__name__}"
    )


def _runner_name(options) -> str:
    from apache_beam.options.pipeline_options import StandardOptions

    runner = options.view_as(StandardOptions).runner
    if runner is None:
        return StandardOptions.DEFAULT_RUNNER
    return runner if isinstance(runner, str) else type(runner).__name__


def _is_local(runner: str) -> bool:
    name = runner.lower()
    return name in _LOCAL_RUNNERS or name + "runner" in _LOCAL_RUNNERS


def _output_path(options, runner: str) -> tuple[str, bool]:
    """Where TFMA writes; True when it is a temporary folder to remove."""
    from apache_beam.options.pipeline_options import GoogleCloudOptions

    temp = options.view_as(GoogleCloudOptions).temp_location
    if temp:
        return f"{temp.rstrip('/')}/mlnb-tfma-{uuid.uuid4().hex[:12]}", False
    if not _is_local(runner):
        raise MlnbValueError(
            f"the {runner} runs elsewhere, so TFMA's results must be written where "
            "both its workers and this machine can read them: set temp_location in "
            "beam_options (e.g. 'gs://bucket/tmp')"
        )
    return tempfile.mkdtemp(prefix="mlnb-tfma-"), True


def _run(inputs: TfmaInputs, beam_options: Any):
    """Run TFMA's raw-data pipeline (as ``tfma.analyze_raw_data`` builds it) with
    ``beam_options``; returns the loaded ``EvalResult``."""
    tfma, _ = _import_tfma()
    import apache_beam as beam
    import pyarrow as pa
    from tensorflow_model_analysis.api import model_eval_lib
    from tfx_bsl.arrow import table_util

    options = _pipeline_options(beam_options)
    runner = _runner_name(options)
    output_path, temporary = _output_path(options, runner)
    frame = inputs.frame
    n_slices = 1 + sum(len(v) for _, v in inputs.slicings)
    print(
        f"mlnb: running TensorFlow Model Analysis on Apache Beam ({runner}): "
        f"{len(frame):,} rows, {n_slices:,} slices (TFMA needs about 1.5 ms per "
        "row on one local core) …",
        file=sys.stderr,
        flush=True,
    )
    start = time.perf_counter()
    try:
        batches = [
            table_util.CanonicalizeRecordBatch(
                pa.RecordBatch.from_pandas(
                    frame.iloc[i : i + BATCH_ROWS], preserve_index=False
                )
            )
            for i in range(0, len(frame), BATCH_ROWS)
        ]
        writers = model_eval_lib.default_writers(
            output_path, eval_config=inputs.eval_config
        )
        with warnings.catch_warnings(), beam.Pipeline(options=options) as pipeline:
            # TFMA's cross entropy takes log(0) where a score is exactly 0 or 1;
            # mlnb replaces those values (see the module documentation)
            warnings.filterwarnings(
                "ignore",
                category=RuntimeWarning,
                module="tensorflow_model_analysis.metrics.cross_entropy_metrics",
            )
            _ = (
                pipeline
                | "DataFrame" >> beam.Create(batches)
                | "ExtractEvaluateAndWriteResults"
                >> model_eval_lib.ExtractEvaluateAndWriteResults(
                    eval_config=inputs.eval_config,
                    output_path=output_path,
                    writers=writers,
                )
            )
        result = tfma.load_eval_result(output_path)
    finally:
        if temporary:
            shutil.rmtree(output_path, ignore_errors=True)
    where = "" if temporary else f"; results in {output_path}"
    print(
        f"mlnb: TFMA finished in {time.perf_counter() - start:.1f} s{where}",
        file=sys.stderr,
        flush=True,
    )
    return result


def sliced_metrics_tfma(
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
    min_slice_size: int = F.MIN_SLICE_SIZE,
    confidence: float = 0.95,
    positive_label: Any = None,
    bins: Any = 4,
    max_slices: int = DEFAULT_MAX_SLICES,
    random_state: Any = 0,
    beam_options: Any = None,
    publish: bool = True,
    correction: Any = "holm",
) -> F.SlicedMetrics:
    """:func:`mlnb.sliced_metrics` computed by TensorFlow Model Analysis on Apache
    Beam; called by ``sliced_metrics(..., engine="tfma")``.

    Parameters are those of :func:`mlnb.sliced_metrics`; ``beam_options`` (a dict,
    a list of flags or ``PipelineOptions``) configure the Beam pipeline — by
    default Beam's DirectRunner in this process.

    Returns
    -------
    SlicedMetrics
        With ``engine == "tfma"``; see the module documentation for how each
        number is obtained and how closely it equals the in-memory engine's.

    Raises
    ------
    MissingDependencyError
        TFMA is not installed (``pip install "mlnb[tfma]"``).
    """
    if not (0.5 <= confidence < 1):
        raise MlnbValueError(f"confidence must be in [0.5, 1); got {confidence!r}")
    if not (is_real(min_slice_size) and min_slice_size >= 1):
        raise MlnbValueError(f"min_slice_size must be >= 1; got {min_slice_size!r}")
    if goal_metric is not None:
        F.check_goal(goal_metric, "binary")
    inputs = tfma_inputs(
        data,
        label=label,
        score=score,
        prediction=prediction,
        slice_by=slice_by,
        threshold=threshold,
        sample_weight=sample_weight,
        positive_label=positive_label,
        bins=bins,
        max_slices=max_slices,
    )
    eval_result = _run(inputs, beam_options)
    return _from_eval_result(
        eval_result,
        inputs=inputs,
        threshold=inputs.threshold,
        metrics=metrics,
        goal_metric=goal_metric,
        conditions=conditions,
        confidence=confidence,
        min_slice_size=min_slice_size,
        random_state=random_state,
        output_name=None,
        publish=publish,
        correction=correction,
    )


# ---------------------------------------------------------------------------------
# reading an EvalResult
# ---------------------------------------------------------------------------------
def _value(v: Any) -> tuple[float, tuple[float, float] | None]:
    """A TFMA metric value (``MessageToDict`` of ``MetricValue``) as a float, and
    its interval when TFMA computed one."""
    if isinstance(v, dict):
        if "doubleValue" in v:
            return float(v["doubleValue"]), None
        if "boundedValue" in v:
            b = v["boundedValue"]
            lo, hi = b.get("lowerBound", 0.0), b.get("upperBound", 0.0)
            return float(b.get("value", 0.0)), (float(lo), float(hi))
        if "value" in v and not isinstance(v["value"], dict):
            return float(v["value"]), None
        return math.nan, None
    if isinstance(v, (int, float, np.floating, np.integer)):
        return float(v), None
    return math.nan, None


def _matrices(v: Any) -> list[dict] | None:
    if isinstance(v, dict) and "confusionMatrixAtThresholds" in v:
        return list(v["confusionMatrixAtThresholds"].get("matrices", []))
    return None


def _cells(m: dict) -> tuple[float, float, float, float]:
    return tuple(  # type: ignore[return-value]
        float(m.get(k, 0.0))
        for k in ("truePositives", "falsePositives", "falseNegatives", "trueNegatives")
    )


def _select(by_key: dict, output_name: str | None, what: str) -> dict:
    """The metrics (or plots) of one output and sub key, per slice key."""
    out = {}
    for key, outputs in by_key.items():
        if not outputs:
            out[key] = {}
            continue
        names = list(outputs)
        if output_name is not None:
            if output_name not in outputs:
                raise MlnbValueError(
                    f"the TFMA result has no output {output_name!r}; its {what} are "
                    f"for outputs {names}"
                )
            chosen = outputs[output_name]
        elif "" in outputs:
            chosen = outputs[""]
        elif len(names) == 1:
            chosen = outputs[names[0]]
        else:
            raise MlnbValueError(
                f"the TFMA result has {what} for several outputs {names}; pass "
                "output_name= to choose one"
            )
        subs = list(chosen)
        if "" in chosen:
            out[key] = chosen[""]
        elif len(subs) == 1:
            out[key] = chosen[subs[0]]
        else:
            raise MlnbValueError(
                f"the TFMA result has {what} per class or top-k ({subs[:5]}); mlnb "
                "reads binary-classification results only"
            )
    return out


def _is_cross_slice(key: Any) -> bool:
    return bool(key) and isinstance(key[0], tuple) and isinstance(key[0][0], tuple)


def _part_key(s: str) -> tuple:
    """Sort key of one slice value, in the order mlnb's slicing gives: numbers by
    value, quantile bins ``"[28, 37)"`` by their lower edge, then strings,
    ``"missing"`` last."""
    if s == "missing":
        return (3, 0.0, s)
    text = s[1:-1].split(", ")[0] if s[:1] in "[(" and s[-1:] in ")]" else s
    try:
        return (0 if text is s else 1, float(text.replace(",", "")), s)
    except ValueError:
        return (2, 0.0, s)


def _value_key(value: str) -> tuple:
    return tuple(_part_key(part) for part in value.split(" × "))


def _layout_from_result(keys, config) -> list[tuple[str, tuple[str, ...], dict]]:
    """Slicings of a TFMA result: (name, values, value -> slice key)."""
    spec_order: list[tuple[str, ...]] = []
    if config is not None:
        for spec in getattr(config, "slicing_specs", []):
            cols = tuple(spec.feature_keys) + tuple(sorted(spec.feature_values))
            if cols and cols not in spec_order:
                spec_order.append(cols)
    groups: dict[frozenset, dict] = {}
    for key in keys:
        if not key or _is_cross_slice(key):
            continue
        cols = frozenset(str(c) for c, _ in key)
        groups.setdefault(cols, {})[key] = None
    out = []
    ordered = sorted(
        groups,
        key=lambda g: next(
            (i for i, s in enumerate(spec_order) if frozenset(s) == g),
            len(spec_order),
        ),
    )
    for g in ordered:
        order = next((s for s in spec_order if frozenset(s) == g), None)
        by_value = {}
        for key in groups[g]:
            d = {str(c): v for c, v in key}
            cols = order or tuple(str(c) for c, _ in key)
            value = " × ".join(
                v.decode() if isinstance(v, bytes) else str(v)
                for v in (d[c] for c in cols)
            )
            by_value[value] = key
        values = tuple(sorted(by_value, key=_value_key))
        name = " × ".join(order or tuple(str(c) for c, _ in next(iter(groups[g]))))
        out.append((name, values, by_value))
    return out


def _curve(plot: dict | None) -> tuple[np.ndarray, np.ndarray] | None:
    if not plot:
        return None
    mats = _matrices(plot)
    if not mats:
        return None
    cells = np.array([_cells(m) for m in mats], dtype=np.float64)
    # thresholds ascending; append "nothing is positive"
    return np.append(cells[:, 0], 0.0), np.append(cells[:, 1], 0.0)


def _ap_from_curve(tp: np.ndarray, fp: np.ndarray) -> float:
    """Step-wise average precision, Σ (R_i − R_{i+1}) · P_i, over bucketed curves."""
    if tp[0] <= 0:
        return math.nan
    recall = tp / tp[0]
    pp = tp + fp
    precision = np.divide(tp, pp, out=np.zeros_like(tp), where=pp > 0)
    return float(np.sum((recall[:-1] - recall[1:]) * precision[:-1]))


def _auc_from_curve(tp: np.ndarray, fp: np.ndarray) -> float:
    """Trapezoidal ROC AUC over bucketed curves (ties in a bucket count half)."""
    if tp[0] <= 0 or fp[0] <= 0:
        return math.nan
    tpr, fpr = tp / tp[0], fp / fp[0]
    return float(np.sum((fpr[:-1] - fpr[1:]) * (tpr[:-1] + tpr[1:]) / 2.0))


def _threshold_of(m: dict) -> float:
    return float(m.get("threshold", 0.0))


def _pick_threshold(
    overall_metrics: dict, overall_plot: dict | None, inputs, threshold
) -> tuple[str | None, float | None]:
    """Which matrix to read: (source, TFMA threshold), source "metric"/"plot"."""
    mats = None
    for name, v in overall_metrics.items():
        m = _matrices(v)
        if m and (mats is None or name == "confusion_matrix_at_thresholds"):
            mats = m
    if mats:
        found = sorted({round(_threshold_of(m), 6) for m in mats})
        if inputs is not None:
            return "metric", round(inputs.tfma_threshold, 6)
        if threshold is None:
            if len(found) == 1:
                return "metric", found[0]
            raise MlnbValueError(
                f"the TFMA result has confusion matrices at thresholds {found[:10]}; "
                "pass threshold= to choose one"
            )
        best = min(found, key=lambda t: abs(t - threshold))
        return "metric", best
    plot_mats = _matrices(overall_plot) if overall_plot else None
    if plot_mats:
        want = 0.5 if threshold is None else float(threshold)
        for m in plot_mats:
            if abs(_threshold_of(m) - want) < 5e-7:
                return "plot", round(_threshold_of(m), 6)
    return None, None


def _slice_numbers(metrics: dict, plot: dict | None, source, t_tfma) -> dict:
    """Everything mlnb reads from one slice of a TFMA result."""
    raw: dict[str, Any] = {"direct": {}, "ci": {}, "cells": None}
    values: dict[str, float] = {}
    for name, v in metrics.items():
        if _matrices(v) is not None:
            continue
        x, bounds = _value(v)
        values[name] = x
        ours = TFMA_NAMES.get(name)
        if ours is not None:
            raw["direct"].setdefault(ours, x)
            if bounds is not None:
                raw["ci"][ours] = bounds
    raw["values"] = values
    mats = None
    if source == "metric":
        for name, v in metrics.items():
            m = _matrices(v)
            if m and (mats is None or name == "confusion_matrix_at_thresholds"):
                mats = m
    elif source == "plot":
        mats = _matrices(plot)
    if mats:
        for m in mats:
            if round(_threshold_of(m), 6) == t_tfma:
                raw["cells"] = _cells(m)
                break
    raw["curve"] = _curve(plot)
    return raw


class _Stats:
    """Per-slice counts and sums, shaped like the in-memory engine's state (what
    :func:`mlnb.checks.fairness.binary_table` reads)."""

    def __init__(self, probabilities: bool, predictions_only: bool, **arrays):
        self.probabilities = probabilities
        self.rankings = None if predictions_only else ()
        for k, v in arrays.items():
            setattr(self, k, np.asarray(v, dtype=np.float64))

    @property
    def weight(self) -> np.ndarray:
        return self.w_pos + self.w_neg

    def subset(self, keep: np.ndarray) -> _Stats:
        out = _Stats.__new__(_Stats)
        out.probabilities, out.rankings = self.probabilities, self.rankings
        for k, v in vars(self).items():
            if isinstance(v, np.ndarray):
                setattr(out, k, v[keep])
        return out


def _stats(raws: list[dict | None], weighted: bool, kind: str) -> tuple[_Stats, dict]:
    """Counts and sums per slice; ``info`` says what could not be known."""
    k = len(raws)
    nan = np.full(k, np.nan)
    a = {
        name: np.zeros(k)
        for name in ("n", "weight", "tp", "fp", "fn", "tn", "w2", "pairs_a", "pairs_b")
    }
    for name in ("auc", "ap", "sum_p", "sum_p2", "sum_py", "ll_sum", "ll_sum2"):
        a[name] = nan.copy()
    known_cells = np.zeros(k, dtype=bool)
    known_classes = np.zeros(k, dtype=bool)
    curves: list[Any] = [None] * k
    stats_w2 = np.zeros(k, dtype=bool)
    for i, raw in enumerate(raws):
        if raw is None:  # a slice with no rows
            known_cells[i] = known_classes[i] = True
            continue
        v = raw["values"]
        w_i = v.get("weighted_example_count", v.get("example_count", 0.0))
        n_i = v.get("example_count", w_i)
        n_i, w_i = (x if math.isfinite(x) else 0.0 for x in (n_i, w_i))
        a["n"][i], a["weight"][i] = n_i, w_i
        if raw["cells"] is not None:
            a["tp"][i], a["fp"][i], a["fn"][i], a["tn"][i] = raw["cells"]
            known_cells[i] = known_classes[i] = True
        else:
            rate = raw["direct"].get("label_rate", math.nan)
            if not math.isnan(rate) and not math.isnan(w_i):
                a["fn"][i], a["tn"][i] = rate * w_i, (1.0 - rate) * w_i
                known_classes[i] = True
        w_sum = a["tp"][i] + a["fp"][i] + a["fn"][i] + a["tn"][i]
        if W2_METRIC in v:
            a["w2"][i] = v[W2_METRIC] * w_sum
            stats_w2[i] = True
        elif weighted and n_i > 0:
            a["w2"][i] = w_sum * w_sum / n_i  # Σw² unknown: as if equal weights
        else:
            a["w2"][i] = w_sum
        curves[i] = raw["curve"]
        if kind == "predictions":
            continue
        a["auc"][i] = raw["direct"].get("roc_auc", math.nan)
        if raw["curve"] is not None:
            a["ap"][i] = _ap_from_curve(*raw["curve"])
        else:
            a["ap"][i] = raw["direct"].get("average_precision", math.nan)
        a["sum_p"][i] = raw["direct"].get("mean_prediction", math.nan) * w_sum
        a["sum_p2"][i] = v.get("mlnb_p2", math.nan) * w_sum
        a["sum_py"][i] = v.get("mlnb_py", math.nan) * w_sum
        ll = raw["direct"].get("log_loss", math.nan)
        if not math.isfinite(ll):
            ll = v.get("mlnb_log_loss", math.nan)
        a["ll_sum"][i] = ll * w_sum
        a["ll_sum2"][i] = v.get("mlnb_log_loss2", math.nan) * w_sum
    w_pos = a["tp"] + a["fn"]
    w_neg = a["fp"] + a["tn"]
    # undefined where a class is absent (TFMA reports 0 there)
    a["auc"] = np.where((w_pos > 0) & (w_neg > 0), a["auc"], np.nan)
    a["ap"] = np.where(w_pos > 0, a["ap"], np.nan)
    probabilities = kind == "scores"  # engine="tfma" refuses other scores
    st = _Stats(
        probabilities,
        kind == "predictions",
        n=a["n"],
        w_pos=w_pos,
        w_neg=w_neg,
        w2=a["w2"],
        n_pos=np.full(k, np.nan),
        n_neg=np.full(k, np.nan),
        auc=a["auc"],
        ap=a["ap"],
        sum_p=a["sum_p"],
        sum_p2=a["sum_p2"],
        sum_py=a["sum_py"],
        ll_sum=a["ll_sum"],
        ll_sum2=a["ll_sum2"],
        pairs_a=np.full(k, np.nan),
        pairs_b=np.full(k, np.nan),
        tfma_weight=a["weight"],
    )
    info = {
        "tp": a["tp"],
        "fp": a["fp"],
        "known_cells": known_cells,
        "known_classes": known_classes,
        "curves": curves,
        "w2_known": stats_w2 | (not weighted),
        "empty": np.array([r is None for r in raws]),
    }
    return st, info


def _extra_notes(info: dict, i: int) -> list[str]:
    """What a slice's numbers lack, beyond the in-memory engine's notes."""
    parts = []
    if not info["known_classes"][i]:
        parts.append("TFMA reported no confusion matrix or mean label")
    elif not info["known_cells"][i]:
        parts.append(
            "TFMA reported no confusion matrix at this threshold: threshold "
            "metrics are TFMA's own values, without intervals"
        )
    if not info["w2_known"][i]:
        parts.append("weighted, Σw² unknown: intervals assume equal weights")
    return parts


def _table(st: _Stats, info: dict, total: _Stats | None, total_info, z, confidence, rs):
    """mlnb's metric table (values, intervals, rest of the data) from TFMA's sums."""
    k = len(st.w_pos)
    tp, fp = info["tp"], info["fp"]
    # slices without rows (or without any weight) get NaN everywhere: their
    # intervals are undefined
    keep = st.weight > 0
    if keep.all():
        table = F.binary_table(st, tp, fp, z, confidence, total, random_state=rs)
    else:  # slices with no rows: NaN everywhere (intervals need a row)
        part = F.binary_table(
            st.subset(keep), tp[keep], fp[keep], z, confidence, total, random_state=rs
        )
        table = F.MetricTable({}, {}, {}, {}, [])
        for name in (
            "values",
            "lo",
            "hi",
            "se",
            "rest",
            "rest_se",
            "support",
            "auc_n",
        ):
            full = {}
            for m, arr in getattr(part, name).items():
                x = np.full(k, np.nan)
                x[keep] = arr
                full[m] = x
            setattr(table, name, full)
        kept = iter(part.notes)
        table.notes = [
            next(kept) if keep[i] else "no rows in this slice" for i in range(k)
        ]
    for i in range(k):
        parts = [table.notes[i]] if table.notes[i] else []
        table.notes[i] = "; ".join(parts + _extra_notes(info, i))
    # rest-of-data ROC AUC from the bucketed curves: overall minus slice
    if total is not None and "roc_auc" in table.rest:
        t_curve = total_info["curves"][0]
        rest = np.full(k, np.nan)
        if t_curve is not None:
            for i, c in enumerate(info["curves"]):
                if c is not None:
                    rest[i] = _auc_from_curve(t_curve[0] - c[0], t_curve[1] - c[1])
                elif info["empty"][i]:
                    rest[i] = _auc_from_curve(*t_curve)
        r_pos = total.w_pos[0] - st.w_pos
        r_neg = total.w_neg[0] - st.w_neg
        r_w = r_pos + r_neg
        r_kish = F.safe_divide(ci.effective_n(r_w, total.w2[0] - st.w2), r_w)
        table.rest["roc_auc"] = rest
        table.rest_se["roc_auc"] = ci.hanley_mcneil_se(
            rest, r_pos * r_kish, r_neg * r_kish
        )
    return table


def _patch(table, raws: list[dict | None], info: dict, z: float) -> None:
    """Where TFMA's counts were missing, TFMA's own values; TFMA's intervals where
    it computed them."""
    for i, raw in enumerate(raws):
        if raw is None:
            continue
        unknown: tuple[str, ...] = ()
        if not info["known_classes"][i]:
            unknown = _CLASS_METRICS
        elif not info["known_cells"][i]:
            unknown = _THRESHOLD_METRICS
        for m in unknown:
            table.values[m][i] = raw["direct"].get(m, math.nan)
            table.lo[m][i] = table.hi[m][i] = table.se[m][i] = math.nan
            if m in table.rest:
                table.rest[m][i] = table.rest_se[m][i] = math.nan
            if m in table.support:
                table.support[m][i] = math.nan
        if not info["known_classes"][i]:
            for m in ("roc_auc", "average_precision"):
                table.lo[m][i] = table.hi[m][i] = table.se[m][i] = math.nan
        for m, (lo, hi) in raw["ci"].items():
            if m in table.lo:
                table.lo[m][i], table.hi[m][i] = lo, hi
                table.se[m][i] = (hi - lo) / (2.0 * z)


def _from_eval_result(
    eval_result: Any,
    *,
    inputs: TfmaInputs | None,
    threshold: float | None,
    goal_metric: str | None,
    metrics: Any,
    conditions: Any,
    confidence: float,
    min_slice_size: int,
    random_state: Any,
    output_name: str | None,
    publish: bool,
    correction: Any = "holm",
) -> F.SlicedMetrics:
    slicing_metrics = list(getattr(eval_result, "slicing_metrics", None) or [])
    if not slicing_metrics:
        raise MlnbValueError(
            "the TFMA result holds no metrics (eval_result.slicing_metrics is empty)"
        )
    metrics_by = _select(dict(slicing_metrics), output_name, "metrics")
    plots_by = _select(
        {k: v for k, v in (getattr(eval_result, "plots", None) or []) if v},
        output_name,
        "plots",
    )
    if () not in metrics_by:
        raise MlnbValueError(
            "the TFMA result has no overall slice; add tfma SlicingSpec() (the "
            "empty spec) to the EvalConfig's slicing_specs"
        )
    if inputs is not None:
        kind, weighted = inputs.kind, inputs.weighted
        layout = [
            (name, values, {v: ((name, v),) for v in values})
            for name, values in inputs.slicings
        ]
        positive_label, n_rows = inputs.positive_label, inputs.n_rows
    else:
        config = getattr(eval_result, "config", None)
        layout = _layout_from_result(list(metrics_by), config)
        overall = metrics_by[()]
        has_scores = any(
            n in overall
            for n in ("auc", "auc_precision_recall", "mean_prediction", "calibration")
        ) or bool(plots_by.get(()))
        kind = "scores" if has_scores else "predictions"
        specs = list(getattr(config, "model_specs", []) or [])
        weighted = bool(specs and specs[0].example_weight_key)
        positive_label, n_rows = None, None
    source, t_tfma = _pick_threshold(
        metrics_by[()], plots_by.get(()), inputs, threshold
    )
    if inputs is None:
        threshold = t_tfma if threshold is None else float(threshold)

    def raw_for(key):
        if key not in metrics_by:
            return None
        return _slice_numbers(metrics_by[key], plots_by.get(key), source, t_tfma)

    z = ci.z_value(confidence)
    # label -> value with its type, per slicing (known when mlnb built the inputs)
    slice_raw = {}
    if inputs is not None:
        for (name, labels), (_, raws) in zip(inputs.slicings, inputs.slice_raw):
            slice_raw[name] = dict(zip(labels, raws)) if raws else {}
    total_raw = raw_for(())
    total, total_info = _stats([total_raw], weighted, kind)
    total.tp, total.fp = total_info["tp"], total_info["fp"]
    names = list(M.names("binary", defaults_only=True))
    rs = random_state
    overall_table = _table(total, total_info, None, None, z, confidence, rs)
    _patch(overall_table, [total_raw], total_info, z)
    overall_row = F.table_rows(
        "overall", ["all"], np.round(total.n), total.tfma_weight, overall_table, names
    )[0]
    rows: list[dict] = []
    for name, values, keys in layout:
        raws = [raw_for(keys[v]) for v in values]
        st, info = _stats(raws, weighted, kind)
        table = _table(st, info, total, total_info, z, confidence, rs)
        _patch(table, raws, info, z)
        raw = slice_raw.get(name)
        rows += F.table_rows(
            name,
            values,
            np.round(st.n),
            st.tfma_weight,
            table,
            names,
            raw=[raw.get(v, v) for v in values] if raw else None,
        )
    if n_rows is None:
        n_rows = overall_row["count"]
    if goal_metric is None:
        has_auc = not math.isnan(overall_row["roc_auc"])
        goal_metric = "roc_auc" if kind == "scores" and has_auc else "accuracy"
    return F.from_rows(
        rows,
        overall_row,
        task="binary",
        slice_names=[name for name, _, _ in layout],
        metrics=metrics,
        goal_metric=goal_metric,
        conditions=conditions,
        threshold=threshold,
        confidence=confidence,
        min_slice_size=min_slice_size,
        n_rows=n_rows,
        positive_label=positive_label,
        engine="tfma",
        publish=publish,
        correction=correction,
    )


def from_tfma(
    eval_result: Any,
    *,
    threshold: float | None = None,
    metrics: Any = None,
    goal_metric: str | None = None,
    conditions: Any = None,
    confidence: float = 0.95,
    min_slice_size: int = F.MIN_SLICE_SIZE,
    random_state: Any = 0,
    output_name: str | None = None,
    publish: bool = True,
    correction: Any = "holm",
) -> F.SlicedMetrics:
    """A :class:`SlicedMetrics` from a TensorFlow Model Analysis result, to read and
    judge it in JupyterLab (TFMA's own view renders only in the classic notebook).

    Parameters
    ----------
    eval_result:
        A ``tfma.EvalResult`` (from ``tfma.analyze_raw_data``,
        ``tfma.run_model_analysis`` or ``tfma.load_eval_result``), or the path of
        a TFMA output folder (loaded with ``tfma.load_eval_result``). A binary
        classifier's metrics; slices become rows, the empty slice is overall.
    threshold:
        Which confusion matrix to read when the result has several (TFMA counts
        ``score > threshold``). Default: the only one of
        ``ConfusionMatrixAtThresholds``, else the 0.5 entry of
        ``ConfusionMatrixPlot``, else TFMA's own threshold metrics.
    metrics, goal_metric, conditions, confidence, min_slice_size, random_state, publish:
        As for :func:`mlnb.sliced_metrics` (``metrics``: built-in binary metrics
        only).
    correction:
        As for :func:`mlnb.sliced_metrics` (default ``"holm"``).
    output_name:
        The model output to read, for multi-output models.

    Returns
    -------
    SlicedMetrics
        ``engine == "tfma"``. Metric names are mapped to mlnb's (``auc`` →
        ``roc_auc``, ``binary_accuracy`` → ``accuracy``, ``mean_label`` →
        ``label_rate``, ``binary_crossentropy`` → ``log_loss``, …); metrics
        without an mlnb counterpart are left out.

    Notes
    -----
    From a confusion matrix mlnb derives every threshold metric and its Wilson
    interval; ROC AUC gets the Hanley–McNeil interval. Average precision is the
    step-wise sum over ``ConfusionMatrixPlot`` when the result has it, else TFMA's
    ``auc_precision_recall`` (interpolated after Davis & Goadrich, which runs up
    to a few thousandths lower on small slices). Intervals of means (log loss,
    mean prediction, calibration) need second moments that only results of
    ``engine="tfma"`` carry; intervals TFMA computed itself are used as they are.
    Weighted results without Σw² get intervals as if the weights were equal.
    Cross-slice comparisons (``cross_slicing_specs``) are left out.
    """
    if isinstance(eval_result, (str, os.PathLike)):
        tfma, _ = _import_tfma()
        eval_result = tfma.load_eval_result(os.fspath(eval_result))
    if not (0.5 <= confidence < 1):
        raise MlnbValueError(f"confidence must be in [0.5, 1); got {confidence!r}")
    if threshold is not None and not (is_real(threshold) and not math.isnan(threshold)):
        raise MlnbValueError(f"threshold must be a number; got {threshold!r}")
    if goal_metric is not None:
        F.check_goal(goal_metric, "binary")
    return _from_eval_result(
        eval_result,
        inputs=None,
        threshold=threshold,
        metrics=metrics,
        goal_metric=goal_metric,
        conditions=conditions,
        confidence=confidence,
        min_slice_size=min_slice_size,
        random_state=random_state,
        output_name=output_name,
        publish=publish,
        correction=correction,
    )
