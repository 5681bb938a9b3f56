"""Reading and encoding the labels :func:`~mlnb.checks.problem.baselines.baselines`
is given: any array-like as one numpy array (pandas nullable dtypes, polars and
pyarrow included; missing, infinite and empty labels raise), the task inferred when
none is given, and the training classes in ``DummyClassifier``'s order."""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np

from ...core.labels import (
    DEFAULT_MAX_CLASSES,
    MAX_CLASSES_INFERRED,
    _raise_infinite,
    _raise_missing,
    infer_task,
)
from ...errors import DataValidationError, MlnbValueError

__all__ = [
    "MAX_CLASSES_INFERRED",
    "read_labels",
    "read_weights",
    "is_int",
    "infer_task",
    "counts",
    "index_of",
    "classes_of",
]


def read_labels(y: Any, name: str) -> np.ndarray:
    """Labels as a 1-D numpy array (pandas nullable, polars and pyarrow included);
    missing, infinite and empty labels raise."""
    from ...core import frames

    if y is None:
        raise MlnbValueError(f"{name} is None; pass the labels (an array or Series)")
    if frames.is_table(y):
        raise MlnbValueError(
            f"{name} is a table ({type(y).__name__}); pass the label column itself, "
            f"e.g. {name}=df['label']"
        )
    mod = type(y).__module__
    if mod.startswith("pandas") and hasattr(y, "dtype"):
        dtype = y.dtype
        if getattr(dtype, "na_value", None) is not None and hasattr(
            dtype, "numpy_dtype"
        ):
            if y.isna().any():
                _raise_missing(y.to_numpy(dtype=object), name)
            y = y.to_numpy(dtype=dtype.numpy_dtype)
        elif str(dtype) == "category":
            y = np.asarray(y.astype(object))
    elif mod.startswith("pyarrow"):
        if getattr(y, "null_count", 0):
            _raise_missing(np.asarray(y.to_pylist(), dtype=object), name)
        y = y.to_numpy(zero_copy_only=False)
    elif mod.startswith("polars"):
        if y.null_count():
            _raise_missing(np.asarray(y.to_list(), dtype=object), name)
        y = y.to_numpy()
    from ...core.labels import as_1d

    arr = as_1d(y, name=name)
    if len(arr) == 0:
        raise DataValidationError(f"{name} is empty; need at least one labelled row")
    if arr.dtype.kind == "O" or arr.dtype.kind in "US":
        arr = arr.astype(object)
    _raise_missing(arr, name)
    _raise_infinite(arr, name)
    return arr


def read_weights(values: Any, n: int, name: str) -> np.ndarray | None:
    from ...core.labels import as_weights

    return as_weights(values, n, name=name)


def is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def counts(y: np.ndarray, name: str):
    from ...core.labels import class_counts

    if y.dtype.kind == "f" and not np.all(np.mod(y, 1) == 0):
        sample = [float(v) for v in y[np.mod(y, 1) != 0][:3]]
        raise DataValidationError(
            f"{name} holds non-integer numbers (such as {sample}), which are not "
            "classes; pass task='regression' for a numeric target, or class labels"
        )
    try:
        return class_counts(y, name=name, max_classes=DEFAULT_MAX_CLASSES)
    except DataValidationError as exc:
        if "distinct values" not in str(exc):
            raise
        import pandas as pd

        n = len(pd.unique(pd.Series(y, copy=False)))
        raise DataValidationError(
            f"{name} has {n:,} distinct values, more than {DEFAULT_MAX_CLASSES}: "
            "too many for a classification label. Is this an id or a numeric "
            "target? Pass the real label, or task='regression' for a number"
        ) from None


def index_of(values: np.ndarray, classes: np.ndarray, k: int) -> np.ndarray:
    """Each value's index in the sorted ``classes`` (``k`` when it is not one)."""
    if values.dtype.kind in "biuf" and classes.dtype.kind in "biuf":
        idx = np.searchsorted(classes, values)
        np.minimum(idx, k - 1, out=idx)
        found = classes[idx] == values
        if not found.all():
            idx[~found] = k
        return idx.astype(np.int64, copy=False)
    import pandas as pd

    idx = pd.Index(list(classes), dtype=object).get_indexer(values.astype(object))
    idx = np.asarray(idx, dtype=np.int64)
    idx[idx < 0] = k
    return idx


def _binary_default_positive(labels: list, name: str) -> Any:
    if set(labels) <= {0, 1} or set(labels) <= {-1, 1} or set(labels) <= {False, True}:
        return labels[-1]
    raise MlnbValueError(
        f"{name} has labels {labels!r}; say which one is the positive class with "
        f"positive_label=..., e.g. positive_label={labels[-1]!r} (or in "
        "mlnb.goal(..., positive_label=...))"
    )


def classes_of(
    ytr: np.ndarray, yte: np.ndarray, task: str, positive_label: Any
) -> tuple[np.ndarray, np.ndarray, list, Any, list[str]]:
    """The (possibly folded) labels, the training classes and the positive class."""
    notes: list[str] = []
    cc_tr = counts(ytr, "y_train")
    cc_te = counts(yte, "y_test")
    union = list(dict.fromkeys([*cc_tr.labels, *cc_te.labels]))
    with contextlib.suppress(TypeError):  # mixed types: order of appearance
        union = sorted(union)
    if len(union) < 2:
        raise DataValidationError(
            f"the labels have a single class ({union[0]!r} in y_train and y_test); a "
            "classifier needs at least two. Check the label column or the split"
        )
    positive = None
    if task == "binary":
        if positive_label is None:
            if len(union) > 2:
                raise DataValidationError(
                    f"task='binary' but the labels have {len(union)} classes "
                    f"({union[:10]!r}); pass positive_label=... to score one class "
                    "against the rest, or task='multiclass'"
                )
            positive = _binary_default_positive(union, "the labels")
        else:
            if positive_label not in union:
                raise MlnbValueError(
                    f"positive_label={positive_label!r} does not occur in y_train or "
                    f"y_test; the labels are {union[:20]!r}"
                )
            positive = positive_label
            if len(union) > 2:
                notes.append(
                    f"{positive!r} against the rest: scored as DummyClassifier "
                    f"fitted on y_train == {positive!r}"
                )
                ytr = ytr == positive
                yte = yte == positive
                cc_tr = counts(ytr, "y_train")
                positive = True
    if len(cc_tr.labels) < 2:
        raise DataValidationError(
            f"y_train has a single class ({cc_tr.labels[0]!r}, "
            f"{int(cc_tr.counts[0]):,} rows); the trivial models need at least two "
            "training classes. Split the data so that y_train holds every class "
            "(e.g. train_test_split(..., stratify=y))"
        )
    if task == "binary" and len(cc_tr.labels) != 2:
        raise DataValidationError(  # pragma: no cover - caught above
            f"y_train has {len(cc_tr.labels)} classes; a binary task needs two"
        )
    return ytr, yte, cc_tr, positive, notes
