"""Reading the inputs of :func:`~mlnb.checks.fairness.sliced_metrics`: labels,
scores, predictions, weights and slices from any table (through
:mod:`mlnb.core.frames`: pandas, polars, pyarrow, a dict of arrays; column names
of any hashable type) or from arrays; missing values counted, then raised or
dropped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ...core import frames
from ...core.labels import as_1d, as_scores, as_weights, class_counts
from ...core.slices import (
    DEFAULT_MAX_SLICES,
    SliceColumn,
    missing_mask,
    resolve_slices,
)
from ...errors import DataValidationError, MlnbValueError

__all__ = ["SlicedInputs", "read_inputs", "resolve_slicings", "infer_task"]


@dataclass(frozen=True)
class SlicedInputs:
    """What :func:`read_inputs` read: one value per kept row."""

    y: np.ndarray
    score: np.ndarray | None
    prediction: np.ndarray | None
    weights: np.ndarray | None
    slicings: list[SliceColumn]
    n_dropped: int
    dropped_reason: str


def _is_column(data: Any, spec: Any) -> bool:
    return (
        data is not None
        and frames.is_table(data)
        and frames.is_column_name(data, spec)
        and frames.has_column(data, spec)
    )


def _score_columns(data: Any, score: Any) -> bool:
    """Whether ``score`` is a list of class-score column names of ``data``."""
    if not isinstance(score, (list, tuple)) or len(score) < 2:
        return False
    if _is_column(data, score):  # a tuple that names one column
        return False
    if all(isinstance(s, str) for s in score):
        return True  # names (an unknown one raises, naming the columns)
    return (
        data is not None
        and frames.is_table(data)
        and all(_is_column(data, s) for s in score)
    )


def score_input(data: Any, score: Any) -> np.ndarray | None:
    """Scores: one column or array (binary), or ``(n, n_classes)`` from a list
    of class-score columns or a 2-d array."""
    if score is None:
        return None
    if _score_columns(data, score):
        cols = [
            as_scores(frames.get_column(data, s, role="score"), name=f"score {s!r}")
            for s in score
        ]
        return np.column_stack(cols)
    raw = frames.column_or_values(data, score, role="score")
    if getattr(raw, "ndim", 1) == 2 and raw.shape[1] > 1:
        return np.asarray(raw, dtype=np.float64)
    return as_scores(raw, name="score")


def resolve_slicings(
    data: Any,
    slice_by: Any,
    n_rows: int,
    *,
    bins: Any = 4,
    max_slices: int = DEFAULT_MAX_SLICES,
) -> list[SliceColumn]:
    """:func:`mlnb.core.slices.resolve_slices`, where a tuple that names a column
    of ``data`` (pandas MultiIndex columns) is that column, not a cross."""
    if data is None or isinstance(slice_by, dict) or not frames.is_table(data):
        return resolve_slices(data, slice_by, n_rows, bins=bins, max_slices=max_slices)
    if isinstance(slice_by, tuple) and _is_column(data, slice_by):
        specs = [slice_by]
    elif isinstance(slice_by, (list, tuple, set)):
        specs = list(slice_by) if isinstance(slice_by, (list, set)) else [slice_by]
    else:
        return resolve_slices(data, slice_by, n_rows, bins=bins, max_slices=max_slices)
    if not any(
        isinstance(spec, tuple)
        and (_is_column(data, spec) or any(isinstance(p, tuple) for p in spec))
        for spec in specs
    ):
        return resolve_slices(data, slice_by, n_rows, bins=bins, max_slices=max_slices)
    # tuple column names: read those columns into a dict keyed by a plain name
    source: dict[Any, Any] = {}
    keys: dict[Any, Any] = {}

    def key(name: Any) -> Any:
        if name not in keys:
            k = str(name) if isinstance(name, tuple) else name
            keys[name] = k
            source[k] = frames.get_column(data, name, role="slice")
        return keys[name]

    new_specs: list[Any] = []
    for spec in specs:
        if isinstance(spec, tuple) and not _is_column(data, spec):
            new_specs.append(tuple(key(c) for c in spec))
        else:
            new_specs.append(key(spec))
    if isinstance(bins, dict):
        bins = {keys.get(k, k): v for k, v in bins.items()}
    return resolve_slices(source, new_specs, n_rows, bins=bins, max_slices=max_slices)


def _reject_inf(arr: Any, what: str) -> None:
    if arr is None or getattr(arr, "dtype", None) is None or arr.dtype.kind != "f":
        return
    bad = np.isinf(arr)
    if bad.any():
        raise DataValidationError(
            f"{what} contains {int(bad.sum()):,} infinite value(s) (e.g. "
            f"{float(arr[bad].flat[0])!r}); {what} must be finite — replace or drop "
            "those rows first (clip scores to a finite range, e.g. "
            "np.clip(score, -1e300, 1e300))"
        )


def infer_task(y, score, pred, positive_label=None) -> str:
    """``"binary"``, ``"multiclass"`` or ``"regression"`` from the label and the
    model's output."""
    if score is not None and score.ndim == 2:
        return "multiclass"
    if positive_label is not None:  # "this class against the rest"
        return "binary"
    if y.dtype.kind == "f" and not np.all(np.mod(y, 1) == 0):
        return "regression"
    if (
        y.dtype.kind in "iuf"
        and pred is not None
        and pred.dtype.kind == "f"
        and not (np.all(np.mod(pred, 1) == 0))
    ):
        return "regression"
    k = len(class_counts(y, name="label", max_classes=10**6).labels)
    return "binary" if k <= 2 else "multiclass"


def read_inputs(
    data: Any,
    *,
    label: Any,
    score: Any,
    prediction: Any,
    slice_by: Any,
    sample_weight: Any,
    bins: Any,
    max_slices: int,
    nan_policy: str,
) -> SlicedInputs:
    """Every input as numpy arrays of one length; rows with a missing label,
    score or prediction raise (``nan_policy="raise"``) or are dropped and counted
    (``"drop"``)."""
    y_raw = as_1d(frames.column_or_values(data, label, role="label"), name="label")
    n = len(y_raw)
    if n == 0:
        raise DataValidationError("the data is empty; need at least one row")
    n_data = frames.row_count(data)
    score_raw = score_input(data, score)
    pred_raw = frames.column_or_values(data, prediction, role="prediction")
    pred_arr = as_1d(pred_raw, name="prediction") if pred_raw is not None else None
    w_raw = frames.column_or_values(data, sample_weight, role="sample_weight")
    for what, arr in (
        ("score", score_raw),
        ("prediction", pred_arr),
        ("sample_weight", w_raw),
    ):
        if arr is not None and len(arr) != n:
            raise MlnbValueError(
                f"label has {n:,} values but {what} has {len(arr):,}; pass one per row"
            )
    if n_data is not None and n_data != n:
        raise MlnbValueError(f"label has {n:,} values but the data has {n_data:,} rows")
    if score_raw is None and pred_arr is None:
        raise MlnbValueError(
            "give the model's output: score= (scores or probabilities) and/or "
            "prediction= (predicted labels or values)"
        )
    slicings = resolve_slicings(data, slice_by, n, bins=bins, max_slices=max_slices)
    # ±inf where a value is required: never dropped, always a clear error
    for what, arr in (("score", score_raw), ("prediction", pred_arr), ("label", y_raw)):
        _reject_inf(arr, what)

    # missing values: count them; raise (default) or drop and report
    missing = missing_mask(y_raw)
    parts = {"label": int(missing.sum())}
    if score_raw is not None:
        m = missing_mask(score_raw)
        parts["score"] = int(m.sum())
        missing = missing | m
    if pred_arr is not None:
        m = missing_mask(pred_arr)
        parts["prediction"] = int(m.sum())
        missing = missing | m
    n_missing = int(missing.sum())
    dropped_reason = ""
    if n_missing:
        detail = ", ".join(f"{k}: {v:,}" for k, v in parts.items() if v)
        if nan_policy == "raise":
            raise DataValidationError(
                f"{n_missing:,} of {n:,} rows have missing values ({detail}); fill or "
                "drop them first, or pass nan_policy='drop' to leave those rows out "
                "(they are then counted in the result)"
            )
        keep = ~missing
        dropped_reason = f"{n_missing:,} rows left out for missing values ({detail})"
        y_raw = y_raw[keep]
        score_raw = score_raw[keep] if score_raw is not None else None
        pred_arr = pred_arr[keep] if pred_arr is not None else None
        if w_raw is not None:
            w_raw = as_1d(w_raw, name="sample_weight")[keep]
        slicings = [
            SliceColumn(s.name, s.columns, s.codes[keep], s.values, s.raw)
            for s in slicings
        ]
        if len(y_raw) == 0:
            raise DataValidationError("every row has a missing value; nothing left")
    weights = as_weights(w_raw, len(y_raw)) if w_raw is not None else None
    return SlicedInputs(
        y=y_raw,
        score=score_raw,
        prediction=pred_arr,
        weights=weights,
        slicings=slicings,
        n_dropped=n_missing,
        dropped_reason=dropped_reason,
    )
