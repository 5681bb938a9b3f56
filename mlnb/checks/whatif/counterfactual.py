"""The nearest counterfactual: the closest row whose prediction differs.

As the What-If Tool: each feature contributes its normalised difference — numeric
``|Δ| / std`` (the feature's population standard deviation over ``X``; a constant
feature contributes 0), categorical (anything not a real number: strings,
categories, booleans) 0 when equal and 1 when not — summed (L1) or the square root
of the summed squares (L2). A user distance ``f(row, rows) -> (n,) distances`` can
replace it. Ties go to the row that comes first in ``X``.

"Prediction differs": for a classifier, another predicted class (binary scores at or
above ``threshold`` are the positive class; with several classes, the most probable
one); for a regression model, the other side of a ``threshold`` the user passes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import DataValidationError, MlnbValueError
from .inputs import predictor, read_features, read_rows, row_position

__all__ = ["nearest_counterfactual", "Counterfactual", "DISTANCES", "distances"]

#: The built-in distances.
DISTANCES = ("l1", "l2")


@dataclass(frozen=True)
class Counterfactual:
    """The closest row of ``X`` whose prediction differs from a chosen row's.

    A tool result, not a pass/fail check: it has no status and is not recorded in
    the checklist.

    Attributes
    ----------
    index, position:
        The counterfactual's row label in ``X`` and its position.
    query_index, query_position:
        The chosen row's label and position.
    distance:
        Its distance from the chosen row.
    distance_kind:
        ``"l1"``, ``"l2"`` or the name of the user's function.
    changed:
        The features whose values differ, in ``features`` order.
    features:
        The features the distance is computed over.
    query_values, values:
        The chosen row's and the counterfactual's values of ``features``.
    query_prediction, prediction:
        Their predicted classes (regression: ``"< t"`` / ``">= t"``).
    n_candidates:
        Rows whose prediction differs (the rows searched).
    """

    index: Any
    position: int
    query_index: Any
    query_position: int
    distance: float
    distance_kind: str
    changed: tuple
    features: tuple
    query_values: tuple
    values: tuple
    query_prediction: Any
    prediction: Any
    n_candidates: int

    def to_frame(self):
        """Side by side: ``feature``, ``this`` (the chosen row), ``counterfactual``,
        ``changed`` (bool), one row per feature."""
        import pandas as pd

        changed = set(map(repr, self.changed))
        return pd.DataFrame(
            {
                "feature": list(self.features),
                "this": pd.Series(list(self.query_values), dtype=object),
                "counterfactual": pd.Series(list(self.values), dtype=object),
                "changed": [repr(f) in changed for f in self.features],
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """Every field, JSON-safe."""
        from dataclasses import asdict

        from ...core.jsonsafe import jsonable

        return jsonable(asdict(self))

    def _repr_html_(self) -> str:
        from ...render.whatif import counterfactual_html

        return counterfactual_html(self)

    def __repr__(self) -> str:
        return (
            f"<Counterfactual of row {self.query_index!r}: row {self.index!r} at "
            f"{self.distance_kind} distance {self.distance:.4g}, "
            f"{len(self.changed)} feature(s) changed>"
        )


# -- the features as numbers -----------------------------------------------------------
def _is_numeric(col: Any) -> bool:
    import pandas as pd

    dtype = col.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return False
    return pd.api.types.is_numeric_dtype(dtype)


def _numeric(col: Any, name: Any) -> np.ndarray:
    arr = col.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(arr)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise DataValidationError(
            f"feature {name!r} has {int(bad.sum()):,} missing or infinite values "
            f"(first at position {first:,}); the distance needs every value. Fill "
            "them (X.fillna(...)) or leave the feature out with features=[...]"
        )
    return arr


def _codes(col: Any) -> np.ndarray:
    from ...core.factorize import factorize

    codes, _ = factorize(col)
    return np.asarray(codes, dtype=np.int64)  # missing values share code -1


def distances(df: Any, features: list, position: int, kind: str = "l1") -> np.ndarray:
    """Distances of every row of ``df`` to the row at ``position`` over
    ``features`` (see the module docstring)."""
    n = len(df)
    total = np.zeros(n)
    for name in features:
        col = df[name]
        if _is_numeric(col):
            arr = _numeric(col, name)
            std = float(arr.std())
            if std == 0.0 or not math.isfinite(std):
                continue
            d = np.abs(arr - arr[position]) / std
        else:
            codes = _codes(col)
            d = (codes != codes[position]).astype(np.float64)
        total += d if kind == "l1" else d * d
    return total if kind == "l1" else np.sqrt(total)


def _user_distances(fn: Callable, df: Any, features: list, position: int):
    rows = df[features]
    try:
        out = fn(rows.iloc[position], rows)
    except Exception as exc:  # noqa: BLE001 - the user's function failed
        raise MlnbValueError(
            f"distance function {getattr(fn, '__name__', fn)!r} raised "
            f"{type(exc).__name__}: {str(exc)[:200]}; it is called as f(row, rows) "
            "with a pandas Series and DataFrame and must return one distance per row"
        ) from exc
    try:
        arr = np.asarray(out, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise MlnbValueError(
            "distance function must return numbers (one distance per row); got "
            f"{type(out).__name__}"
        ) from None
    if arr.shape[0] != len(df):
        raise MlnbValueError(
            f"distance function returned {arr.shape[0]:,} values for {len(df):,} "
            "rows; return one distance per row"
        )
    if np.isnan(arr).any():
        raise MlnbValueError(
            "distance function returned NaN; return a finite distance per row "
            "(or +inf for rows that must not be chosen)"
        )
    return arr


# -- the predicted classes -------------------------------------------------------------
def _check_threshold(threshold: Any) -> float | None:
    if threshold is None:
        return None
    ok = isinstance(threshold, (int, float, np.integer, np.floating))
    if not ok or isinstance(threshold, bool) or not math.isfinite(float(threshold)):
        raise MlnbValueError(
            f"threshold must be a finite number (e.g. 0.5); got {threshold!r}"
        )
    return float(threshold)


def _classes_from_scores(
    scores: np.ndarray, kind: str | None, threshold: float | None, probabilistic: bool
) -> tuple[np.ndarray, Callable[[Any], Any]]:
    """Predicted classes (codes) and how to name a code."""
    if scores.ndim == 2:
        return np.argmax(scores, axis=1), lambda c: int(c)
    if kind == "regression":
        if threshold is None:
            raise MlnbValueError(
                "the model predicts values (regression): 'prediction differs' needs a "
                "rule. "
                "Pass threshold=t to look for the nearest row on the other side of t "
                "(e.g. threshold=float(np.median(y)))"
            )
        return (scores >= threshold).astype(np.int64), (
            lambda c: f">= {threshold:g}" if c else f"< {threshold:g}"
        )
    if threshold is None:
        threshold = 0.5 if probabilistic else 0.0
    return (scores >= threshold).astype(np.int64), lambda c: int(c)


def _read_predictions(
    predictions: Any, n: int, pred: Any, threshold: float | None
) -> tuple[np.ndarray, Callable[[Any], Any]]:
    from ...core.labels import as_1d

    arr = np.asarray(predictions)
    if arr.ndim == 2 and arr.shape[1] > 1:
        if arr.shape[0] != n:
            raise MlnbValueError(
                f"predictions has {arr.shape[0]:,} rows but X has {n:,}; pass the "
                "model's predictions for every row of X, in X's order"
            )
        values = np.asarray(arr, dtype=np.float64)
        if not np.isfinite(values).all():
            raise DataValidationError(
                "predictions hold NaN or infinity; pass finite class probabilities"
            )
        return _classes_from_scores(values, "classification", threshold, True)
    flat = as_1d(predictions, name="predictions")
    if len(flat) != n:
        raise MlnbValueError(
            f"predictions has {len(flat):,} values but X has {n:,} rows; pass one "
            "prediction per row of X, in X's order"
        )
    if flat.dtype.kind == "f":
        if not np.isfinite(flat).all():
            raise DataValidationError(
                f"predictions hold {int((~np.isfinite(flat)).sum()):,} NaN or infinite "
                "values; pass finite scores (or the predicted labels)"
            )
        kind = getattr(pred, "kind", None)
        probabilistic = getattr(pred, "probabilistic", True)
        if kind is None:
            inside = bool(((flat >= 0) & (flat <= 1)).all())
            kind = "classification" if inside or threshold is not None else "regression"
        return _classes_from_scores(flat, kind, threshold, probabilistic)
    # labels: the predicted classes themselves
    from ...core.factorize import factorize

    codes, uniques = factorize(flat)
    codes = np.asarray(codes, dtype=np.int64)
    if (codes < 0).any():
        raise DataValidationError(
            "predictions hold missing labels; pass a prediction for every row"
        )
    names = list(uniques)
    return codes, lambda c: names[int(c)]


def nearest_counterfactual(
    model: Any,
    X: Any,
    index: Any,
    *,
    distance: str | Callable = "l1",
    features: Any = None,
    predictions: Any = None,
    threshold: float | None = None,
) -> Counterfactual:
    """The row of ``X`` nearest to row ``index`` whose prediction differs, as the
    What-If Tool's "nearest counterfactual".

    Parameters
    ----------
    model:
        A fitted model or predict function (see
        :class:`~mlnb.checks.predictor.Predictor`); may be ``None`` when
        ``predictions`` are given.
    X:
        The rows (pandas or polars DataFrame, pyarrow Table, dict of arrays).
    index:
        The chosen row's label in ``X.index`` (for a table without an index, its
        position).
    distance:
        ``"l1"`` (default), ``"l2"`` over normalised features (see the module
        docstring), or a function ``f(row, rows) -> distances`` (``row`` a pandas
        Series, ``rows`` the DataFrame of ``features``).
    features:
        The columns the distance uses (default: every column of ``X``).
    predictions:
        The model's predictions for ``X``, cached: scores ``(n,)``, probabilities
        ``(n, k)`` or predicted labels. The model is not called.
    threshold:
        Binary scores at or above it are the positive class (default 0.5 for
        probabilities, 0 for decision values). Required for a regression model:
        the counterfactual is then the nearest row on the other side of it.

    Returns
    -------
    Counterfactual

    Raises
    ------
    MlnbValueError
        Unknown row label or feature, a bad distance, a regression model without
        ``threshold``, predictions of the wrong length.
    DataValidationError
        Every row has the same prediction; a numeric feature holds NaN.
    PredictionError
        The model raised.

    Examples
    --------
    >>> import pandas as pd, mlnb
    >>> X = pd.DataFrame({"age": [20, 30, 40, 50], "job": ["a", "b", "a", "b"]})
    >>> cf = mlnb.nearest_counterfactual(None, X, 0, predictions=[0, 0, 1, 1])
    >>> cf.index, cf.changed
    (2, ('age',))
    """
    df = read_rows(X)
    n = len(df)
    if not (callable(distance) or distance in DISTANCES):
        raise MlnbValueError(
            f"distance must be 'l1', 'l2' or a function f(row, rows) -> distances; "
            f"got {distance!r}"
        )
    thr = _check_threshold(threshold)
    names = read_features(df, features)
    position = row_position(df, index)
    pred = None if model is None else predictor(model)
    if predictions is not None:
        classes, name_of = _read_predictions(predictions, n, pred, thr)
    elif pred is None:
        raise MlnbValueError(
            "model is None and no predictions were given; pass a fitted model or "
            "predict function, or predictions= (the model's predictions for X)"
        )
    else:
        scores = pred.scores(df)
        classes, name_of = _classes_from_scores(
            scores, pred.kind, thr, pred.probabilistic
        )
    mine = classes[position]
    other = classes != mine
    n_candidates = int(np.count_nonzero(other))
    if n_candidates == 0:
        raise DataValidationError(
            f"every one of the {n:,} rows gets the same prediction "
            f"({name_of(mine)!r}), so no row's prediction differs; probe more rows, "
            "or change the threshold"
        )
    if callable(distance):
        d = _user_distances(distance, df, names, position)
        kind = getattr(distance, "__name__", "custom")
    else:
        d = distances(df, names, position, distance)
        kind = distance
    masked = np.where(other, d, np.inf)
    best = int(np.argmin(masked))
    if not math.isfinite(masked[best]):
        raise DataValidationError(
            "the distance function gave +inf to every row whose prediction differs; "
            "no counterfactual can be chosen"
        )
    query_values = tuple(_native(df[c].iloc[position]) for c in names)
    values = tuple(_native(df[c].iloc[best]) for c in names)
    changed = tuple(
        c for c, a, b in zip(names, query_values, values) if not _same(a, b)
    )
    return Counterfactual(
        index=_native(df.index[best]),
        position=best,
        query_index=_native(df.index[position]),
        query_position=position,
        distance=float(masked[best]),
        distance_kind=kind,
        changed=changed,
        features=tuple(names),
        query_values=query_values,
        values=values,
        query_prediction=name_of(mine),
        prediction=name_of(classes[best]),
        n_candidates=n_candidates,
    )


def _native(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def _same(a: Any, b: Any) -> bool:
    try:
        import pandas as pd

        if pd.isna(a) and pd.isna(b):
            return True
    except (TypeError, ValueError):
        pass
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - values whose == raises differ
        return False
