"""Reading one batch of continuous-evaluation input: labels, scores, ids and
features (any 1-d array-like: list, numpy, pandas, polars, pyarrow; features as
any table :mod:`mlnb.core.frames` reads). Each function validates and raises an
:class:`~mlnb.errors.MlnbError` that says how to fix the batch."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.frames import to_pandas
from ..core.labels import _raise_infinite, as_1d, as_scores
from ..errors import DataValidationError

__all__ = ["read_labels", "read_scores", "read_ids", "read_features"]


def read_labels(
    y_true: Any, *, task: str, metric: str, positive_label: Any = None
) -> np.ndarray:
    """Labels as float64: 0/1 for ``task="binary"`` (``positive_label`` names the
    positive class), real targets for ``"regression"``; missing labels raise."""
    import pandas as pd

    arr = as_1d(y_true, name="y_true")
    if arr.dtype.kind == "f":
        missing = np.isnan(arr)
    elif arr.dtype.kind in "iub":
        missing = np.zeros(len(arr), dtype=bool)
    else:
        missing = np.asarray(pd.isna(arr), dtype=bool)
    if missing.any():
        raise DataValidationError(
            f"y_true has {int(missing.sum()):,} missing labels; send only rows "
            "whose label is known (use add_predictions(ids, ...) now and "
            "add_ground_truth(ids, labels) when the labels arrive)"
        )
    _raise_infinite(arr, "y_true")
    if task == "regression":
        return as_scores(arr, name="y_true")
    if positive_label is not None:
        return (arr == positive_label).astype(np.float64)
    if arr.dtype.kind == "b":
        return arr.astype(np.float64)
    values = pd.unique(arr)
    try:
        ok = all(float(v) in (0.0, 1.0) for v in values)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        shown = sorted(map(str, values))[:10]
        raise DataValidationError(
            f"{metric} needs binary labels 0/1; y_true has values {shown}. "
            "Pass positive_label=... to name the positive class."
        )
    return np.asarray(arr, dtype=np.float64)


def read_scores(y_score: Any, *, metric: str) -> np.ndarray:
    """Scores as float64; NaN or infinite scores raise, and log loss needs
    probabilities."""
    s = as_scores(y_score, name="y_score")
    bad = ~np.isfinite(s)
    if bad.any():
        raise DataValidationError(
            f"y_score has {int(bad.sum()):,} NaN or infinite values; every row "
            "needs a prediction (drop those rows, with their labels)"
        )
    if metric == "log_loss" and len(s) and (s.min() < 0 or s.max() > 1):
        raise DataValidationError(
            f"log_loss needs probabilities in [0, 1]; the scores range from "
            f"{s.min():.4g} to {s.max():.4g}. Pass predict_proba(X)[:, 1]."
        )
    return s


def read_ids(ids: Any) -> np.ndarray:
    """Prediction ids as an object array; missing or repeated ids raise."""
    import pandas as pd

    arr = as_1d(ids, name="ids")
    if arr.dtype.kind == "f" or arr.dtype.kind == "O":
        missing = np.asarray(pd.isna(arr), dtype=bool)
        if missing.any():
            raise DataValidationError(
                f"ids has {int(missing.sum()):,} missing values; every "
                "prediction needs an id to join its label by"
            )
    arr = arr.astype(object)
    dup = pd.Index(arr).duplicated()
    if dup.any():
        shown = list(pd.unique(arr[dup]))[:5]
        raise DataValidationError(
            f"ids must be unique within a batch; repeated: {shown}"
        )
    return arr


def read_features(features: Any) -> Any:
    """The batch's features as a pandas DataFrame with a fresh index (None stays
    None); column names of any hashable type are kept."""
    if features is None:
        return None
    return to_pandas(features, role="features").reset_index(drop=True)
