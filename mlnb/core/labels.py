"""Validate and encode labels and scores; every problem becomes a clear MlnbError."""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import DataValidationError, MlnbValueError

__all__ = [
    "MAX_CLASSES_INFERRED",
    "infer_task",
    "is_real",
    "as_1d",
    "as_scores",
    "as_weights",
    "class_counts",
    "binary_mask",
    "check_same_length",
    "column",
    "ClassCounts",
]

#: More classes than this is almost always a regression target or an id column.
DEFAULT_MAX_CLASSES = 100
#: With ``task=None``, integer labels with more distinct values than this are
#: taken as a regression target (counts, ages); pass ``task="multiclass"`` to
#: treat them as classes.
MAX_CLASSES_INFERRED = 20


def column(data: Any, name: Any, *, role: str = "label") -> Any:
    """``data[name]`` through :func:`mlnb.core.frames.get_column` (any table, any
    hashable name; an unknown name lists the columns that exist)."""
    from .frames import get_column

    return get_column(data, name, role=role)


def as_1d(values: Any, *, name: str) -> np.ndarray:
    """Any 1-d array-like (list, numpy, pandas, polars, pyarrow) as a numpy array."""
    if values is None:
        raise MlnbValueError(f"{name} is None; pass an array-like of values")
    if hasattr(values, "to_numpy") and not isinstance(values, np.ndarray):
        try:
            values = values.to_numpy()
        except (TypeError, ValueError):
            # pyarrow arrays of bools/strings cannot be viewed without a copy
            values = values.to_numpy(zero_copy_only=False)
    arr = np.asarray(values)
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.reshape(-1)
    if arr.ndim != 1:
        raise MlnbValueError(
            f"{name} must be one-dimensional; got an array of shape {arr.shape}. "
            "For predict_proba output of a binary model pass proba[:, 1]."
        )
    return arr


def check_same_length(**arrays: Any) -> int:
    lengths = {k: len(v) for k, v in arrays.items() if v is not None}
    if len(set(lengths.values())) > 1:
        desc = ", ".join(f"{k} has {n:,}" for k, n in lengths.items())
        raise MlnbValueError(
            f"the inputs must have the same length; {desc}. Align them (same rows, "
            "same order) before calling."
        )
    return next(iter(lengths.values()), 0)


def as_scores(values: Any, *, name: str = "y_score") -> np.ndarray:
    """Scores as a float64 array; non-numeric values and ±inf raise (NaN is left
    to the caller, which says what a missing value means there)."""
    arr = _as_float(values, name=name)
    _raise_infinite(arr, name)
    return arr


def _as_float(values: Any, *, name: str) -> np.ndarray:
    """``values`` as float64; non-numeric values raise."""
    if type(values).__module__.startswith("pandas") and str(values.dtype) in {
        "Float64",
        "Float32",
        "Int64",
        "Int32",
        "boolean",
    }:
        values = values.to_numpy(dtype="float64", na_value=np.nan)
    arr = as_1d(values, name=name)
    if arr.dtype.kind not in "fiub":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            sample = [v for v in arr[:1000] if not is_number(v)][:3]
            raise DataValidationError(
                f"{name} must be numeric scores (probabilities or decision values); "
                f"got dtype {arr.dtype} with values such as {sample!r}. Pass the "
                "model's predict_proba(X)[:, 1] or decision_function(X)."
            ) from None
    elif arr.dtype != np.float64:
        arr = arr.astype(np.float64)
    return arr


def _raise_infinite(arr: np.ndarray, name: str) -> None:
    """±inf is never a valid score, label or weight: a clear error, like NaN."""
    if arr.dtype.kind != "f":
        return
    inf = np.isinf(arr)
    if inf.any():
        k = int(inf.sum())
        first = int(np.flatnonzero(inf)[0])
        raise DataValidationError(
            f"{name} has {k:,} infinite values (+inf/-inf), the first at position "
            f"{first:,} ({float(arr[first])}); every value must be finite. Find them "
            f"with np.isinf({name}) and drop those rows (with their labels) or fix "
            "what produced them (e.g. a log of 0, a division by 0)."
        )


def as_weights(
    values: Any, n: int, *, name: str = "sample_weight"
) -> np.ndarray | None:
    if values is None:
        return None
    w = _as_float(values, name=name)
    if len(w) != n:
        raise MlnbValueError(
            f"{name} has {len(w):,} values but the data has {n:,} rows; pass one "
            "weight per row"
        )
    bad = ~np.isfinite(w)
    if bad.any():
        raise DataValidationError(
            f"{name} contains {int(bad.sum()):,} NaN or infinite values (the first "
            f"at position {int(np.flatnonzero(bad)[0]):,}); weights must be finite "
            "and >= 0"
        )
    if (w < 0).any():
        raise DataValidationError(
            f"{name} contains {int((w < 0).sum()):,} negative values; weights must "
            "be >= 0"
        )
    if not (w > 0).any():
        raise DataValidationError(f"{name} is all zeros; at least one row needs weight")
    return w


def is_real(v: Any) -> bool:
    """True for real numbers (Python or numpy), False for bools and anything else."""
    return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))


def is_number(v: Any) -> bool:
    """True when ``float(v)`` works."""
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return True


def _missing_mask(arr: np.ndarray) -> np.ndarray:
    if arr.dtype.kind == "f":
        return np.isnan(arr)
    if arr.dtype.kind in "iub":
        return np.zeros(len(arr), dtype=bool)
    import pandas as pd

    return pd.isna(arr)


def _raise_missing(arr: np.ndarray, name: str) -> None:
    missing = _missing_mask(arr)
    if missing.any():
        k = int(missing.sum())
        first = int(np.flatnonzero(missing)[0])
        raise DataValidationError(
            f"{name} has {k:,} missing values (NaN/None), the first at position "
            f"{first:,}; labels must all be known. Drop those rows first, e.g. "
            "df.dropna(subset=[label]), or fill them if a value is implied."
        )


def _native(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


@dataclass(frozen=True)
class ClassCounts:
    labels: list  # sorted when sortable, else by first appearance
    counts: np.ndarray  # int64, aligned with labels


def class_counts(
    y: Any, *, name: str = "y", max_classes: int = DEFAULT_MAX_CLASSES
) -> ClassCounts:
    """Count each class of a classification label without sorting the data.

    Raises on missing values, empty input, float labels that are not integral, and
    more than ``max_classes`` distinct values.
    """
    arr = as_1d(y, name=name)
    if len(arr) == 0:
        raise DataValidationError(f"{name} is empty; need at least one labelled row")
    _raise_missing(arr, name)
    _raise_infinite(arr, name)
    if arr.dtype.kind == "b":
        n_true = int(np.count_nonzero(arr))
        pairs = [(False, len(arr) - n_true), (True, n_true)]
        labels = [lab for lab, c in pairs if c]
        counts = np.array([c for _, c in pairs if c], dtype=np.int64)
    elif arr.dtype.kind in "iu" and len(arr) > 0:
        lo, hi = int(arr.min()), int(arr.max())
        if hi - lo < 10_000:
            binc = np.bincount(arr - lo if lo != 0 else arr, minlength=hi - lo + 1)
            nz = np.flatnonzero(binc)
            labels = [int(v) + lo for v in nz]
            counts = binc[nz].astype(np.int64)
        else:
            vals, cnts = np.unique(arr, return_counts=True)
            labels, counts = [int(v) for v in vals], cnts.astype(np.int64)
    else:
        if arr.dtype.kind == "f" and not np.all(np.mod(arr, 1) == 0):
            nonint = arr[np.mod(arr, 1) != 0][:3]
            raise DataValidationError(
                f"{name} holds non-integer numbers (such as "
                f"{[float(v) for v in nonint]}); a classification label is "
                "needed. For a regression target this check does not apply; to "
                "treat high values as the positive class, pass a boolean label "
                "such as df['y'] > threshold."
            )
        import pandas as pd

        vc = pd.Series(arr, copy=False).value_counts(sort=False, dropna=False)
        labels = [_native(v) for v in vc.index]
        counts = vc.to_numpy().astype(np.int64)
        try:
            order = sorted(range(len(labels)), key=lambda i: labels[i])
        except TypeError:  # mixed types: keep order of appearance
            order = list(range(len(labels)))
        labels = [labels[i] for i in order]
        counts = counts[order]
        if arr.dtype.kind == "f":
            labels = [int(v) for v in labels]
    if len(labels) > max_classes:
        raise DataValidationError(
            f"{name} has {len(labels):,} distinct values; a classification label "
            f"with at most {max_classes} classes was expected. Is this an id or a "
            "regression target? If the classes are real, pass max_classes="
            f"{len(labels)}."
        )
    return ClassCounts(labels=labels, counts=np.asarray(counts, dtype=np.int64))


def binary_mask(
    y: Any, *, positive_label: Any = None, name: str = "y_true"
) -> tuple[np.ndarray, Any, Any]:
    """Encode a binary label as a boolean mask of positives.

    Returns ``(mask, positive_label, negative_label)``. ``positive_label`` defaults
    to 1 (or True) when the labels are {0, 1}, {-1, 1} or booleans; other labels
    need it spelled out.
    """
    arr = as_1d(y, name=name)
    if len(arr) == 0:
        raise DataValidationError(f"{name} is empty; need at least one labelled row")
    _raise_missing(arr, name)
    _raise_infinite(arr, name)
    if arr.dtype.kind == "b" and positive_label in (None, True, 1):
        labels = [False, True]
        mask = arr
    elif arr.dtype.kind in "iuf" and positive_label is None:
        lo, hi = arr.min(), arr.max()
        values = {_native(lo), _native(hi)}
        if not values <= {0, 1, -1} or (lo == hi) or np.any((arr != lo) & (arr != hi)):
            cc = class_counts(arr, name=name)
            _raise_not_binary(cc.labels, name)
        mask = arr == hi
        labels = [_native(lo), _native(hi)]
        if labels == [-1, 0]:
            _raise_not_binary(labels, name)
    else:
        cc = class_counts(arr, name=name)
        labels = cc.labels
        if positive_label is None:
            if len(labels) == 2:
                raise MlnbValueError(
                    f"{name} has labels {labels!r}; say which one is the positive "
                    f"class, e.g. positive_label={labels[-1]!r}"
                )
            _raise_not_binary(labels, name)
        if positive_label not in labels:
            raise MlnbValueError(
                f"positive_label={positive_label!r} does not occur in {name}; its "
                f"labels are {labels[:20]!r}"
            )
        mask = np.asarray(arr == positive_label, dtype=bool)
        positive = positive_label
        others = [v for v in labels if v != positive]
        negative = others[0] if len(others) == 1 else f"not {positive!r}"
        _require_both(mask, name)
        return mask, positive, negative
    _require_both(mask, name)
    return np.asarray(mask, dtype=bool), labels[1], labels[0]


def _require_both(mask: np.ndarray, name: str) -> None:
    n_pos = int(np.count_nonzero(mask))
    if n_pos == 0 or n_pos == len(mask):
        which = "positive" if n_pos == 0 else "negative"
        raise DataValidationError(
            f"{name} has no {which} examples (all {len(mask):,} rows are one class); "
            "both classes are needed to evaluate a classifier. Check the label "
            "column, the positive_label, or the sample you took."
        )


def _raise_not_binary(labels: list, name: str) -> None:
    if len(labels) < 2:
        raise DataValidationError(
            f"{name} has a single class ({labels!r}); both classes are needed to "
            "evaluate a classifier. Check the label column or the sample you took."
        )
    hint = (
        f" Pass positive_label=… (one of {labels[:10]!r}) to treat one class as "
        "positive and the rest as negative."
    )
    raise DataValidationError(
        f"{name} has {len(labels)} classes ({labels[:10]!r}); a binary label "
        f"(0/1, True/False or two values) was expected.{hint}"
    )


def infer_task(*labels: np.ndarray, name: str = "the labels") -> tuple[str, str]:
    """The task a label implies, and the sentence saying why: the one rule every
    check that infers a task uses (baselines, prototype, diagnose).

    ``labels``: one or more 1-D numpy arrays of the same label (training and test
    parts), already free of missing values. Booleans are binary; numbers with a
    fraction, or integers with more than :data:`MAX_CLASSES_INFERRED` distinct
    values, are a regression target; other labels are binary (two values or fewer)
    or multiclass. Non-numeric labels with more than :data:`DEFAULT_MAX_CLASSES`
    distinct values raise (an id or free text, not a label).

    >>> infer_task(np.array([0, 1, 1]))
    ('binary', 'task inferred as binary: 2 distinct labels')
    >>> infer_task(np.array([0.5, 1.25]))[0]
    'regression'
    """
    kinds = {a.dtype.kind for a in labels}
    if kinds <= {"b"}:
        return "binary", "task inferred as binary: boolean labels"
    if kinds <= set("biuf"):
        if not all(_integral(a) for a in labels):
            return "regression", "task inferred as regression: non-integer labels"
        distinct = _distinct(labels)
        if distinct > MAX_CLASSES_INFERRED:
            return "regression", (
                f"task inferred as regression: integer labels with more than "
                f"{MAX_CLASSES_INFERRED} distinct values (pass task='multiclass' to "
                "treat them as classes)"
            )
    else:
        distinct = _distinct(labels)
        if distinct > DEFAULT_MAX_CLASSES:
            raise DataValidationError(
                f"{name} have more than {DEFAULT_MAX_CLASSES} distinct values, "
                "too many for a classification label: is this an id or free text? "
                "Pass the real label, or task='regression' for a number"
            )
    if distinct <= 2:
        return "binary", f"task inferred as binary: {distinct} distinct labels"
    return "multiclass", f"task inferred as multiclass: {distinct} distinct labels"


def _integral(a: np.ndarray) -> bool:
    """Whether every value is a whole number (a sample first, to fail fast)."""
    if a.dtype.kind in "iub":
        return True
    head = a[: 1 << 16]
    return bool(np.all(np.mod(head, 1) == 0) and np.all(np.mod(a, 1) == 0))


def _distinct(labels: tuple) -> int:
    """Distinct values over all label arrays."""
    if all(a.dtype.kind in "iub" for a in labels):
        lo = min(int(a.min()) for a in labels)
        hi = max(int(a.max()) for a in labels)
        if hi - lo < 1_000_000:
            seen = np.zeros(hi - lo + 1, dtype=bool)
            for a in labels:
                seen[a.astype(np.int64) - lo] = True
            return int(seen.sum())
    import pandas as pd

    parts = [pd.unique(pd.Series(a, copy=False)) for a in labels]
    return len(pd.unique(pd.Series(np.concatenate(parts).astype(object))))
