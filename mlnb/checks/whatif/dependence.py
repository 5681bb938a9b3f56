"""Partial dependence (PDP) and individual conditional expectation (ICE).

For each value ``v`` of a feature's grid, every row of ``X`` gets ``feature = v``
and the model predicts them; ICE keeps each row's curve, PDP averages them (the
"brute" method of :func:`sklearn.inspection.partial_dependence`, which gives the
same numbers). The grid is built as scikit-learn builds it: a numeric feature with
at least ``grid_resolution`` distinct values gets ``grid_resolution`` evenly spaced
points between its ``percentiles`` (scipy's ``mquantiles``, as scikit-learn); one
with fewer distinct values, its sorted distinct values; a categorical feature
(strings, booleans, pandas categories) its categories (a pandas ``category``'s in
their declared order, others sorted), each only if present in ``X``.

An integer feature keeps its dtype for a grid of whole numbers; a grid with
fractions (the percentile grid) makes that column float for the model, never
truncated (scikit-learn refuses integer features for this reason; its numbers equal
these on the column converted to float).

Predictions are batched: the rows repeated once per grid value go to the model in
blocks of about :data:`~mlnb.checks.predictor.CHUNK_ROWS` rows (not one call per
grid value), with a progress bar (``progress=True``) and Ctrl-C between blocks.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...core import frames
from ...errors import DataValidationError, MlnbValueError
from .inputs import predictor, read_rows

__all__ = ["partial_dependence", "PartialDependence", "KINDS", "feature_grid"]

#: What ``kind=`` accepts.
KINDS = ("average", "individual", "both")


@dataclass(frozen=True, eq=False)
class PartialDependence:
    """How the model's prediction moves when one feature moves (PDP / ICE).

    A tool result, not a pass/fail check: it has no status and is not recorded in
    the checklist. It holds arrays, so two results compare by identity.

    Attributes
    ----------
    feature:
        The feature varied.
    grid:
        Its values, in order (numbers, or categories).
    categorical:
        Whether the feature was treated as categorical.
    average:
        The mean prediction at each grid value: ``(g,)`` for a binary classifier
        (the positive class's probability) or a regression model, ``(classes, g)``
        for several classes; ``None`` when only ``individual`` was asked.
    individual:
        Each row's prediction at each grid value: ``(n, g)``, or
        ``(classes, n, g)``; ``None`` unless asked.
    classes:
        The class labels of the probability rows (``None`` for regression).
    kind:
        What was asked: ``"average"``, ``"individual"`` or ``"both"``.
    sampled:
        True when ``max_rows`` drew a random sample of ``X``.
    n_rows:
        Rows used.
    row_index:
        Their labels in ``X`` (ICE rows follow this order).
    """

    feature: Any
    grid: np.ndarray
    categorical: bool
    average: np.ndarray | None
    individual: np.ndarray | None
    classes: tuple | None
    kind: str
    sampled: bool
    n_rows: int
    row_index: Any = None

    def to_frame(self):
        """Long format: ``grid`` (the feature's value), ``class`` (for several
        classes), ``average``; with ICE also ``row`` (the row label) and
        ``prediction``, one row per row and grid value."""
        import pandas as pd

        g = len(self.grid)
        multi = self.classes is not None and (
            (self.average is not None and self.average.ndim == 2)
            or (self.individual is not None and self.individual.ndim == 3)
        )
        parts = []
        outputs = list(self.classes) if multi else [None]
        for k, cls in enumerate(outputs):
            avg = None
            if self.average is not None:
                avg = self.average[k] if multi else self.average
            if self.individual is not None:
                ice = self.individual[k] if multi else self.individual
                n = ice.shape[0]
                part = pd.DataFrame(
                    {
                        "row": np.repeat(np.asarray(self.row_index), g),
                        "grid": np.tile(np.asarray(self.grid, dtype=object), n),
                        "prediction": ice.reshape(-1),
                    }
                )
                if avg is not None:
                    part["average"] = np.tile(avg, n)
            else:
                part = pd.DataFrame({"grid": list(self.grid), "average": avg})
            if multi:
                part.insert(0, "class", cls)
            parts.append(part)
        return pd.concat(parts, ignore_index=True)

    def plot(self, *, ax: Any = None, max_lines: int = 100) -> Any:
        """The PDP line (and up to ``max_lines`` ICE curves, thin); bars for a
        categorical feature. Returns the Axes."""
        from ...render.whatif import partial_dependence_plot

        return partial_dependence_plot(self, ax=ax, max_lines=max_lines)

    def to_dict(self) -> dict[str, Any]:
        """Every field, JSON-safe."""
        from ...core.jsonsafe import jsonable

        return jsonable(
            {
                "feature": self.feature,
                "grid": list(self.grid),
                "categorical": self.categorical,
                "average": None if self.average is None else self.average.tolist(),
                "individual": None
                if self.individual is None
                else self.individual.tolist(),
                "classes": self.classes,
                "kind": self.kind,
                "sampled": self.sampled,
                "n_rows": self.n_rows,
            }
        )

    def _repr_html_(self) -> str:
        from ...render.whatif import partial_dependence_html

        return partial_dependence_html(self)

    def __repr__(self) -> str:
        what = "sampled " if self.sampled else ""
        return (
            f"<PartialDependence of {self.feature!r}: {len(self.grid)} grid values "
            f"over {self.n_rows:,} {what}rows ({self.kind})>"
        )


# -- the grid --------------------------------------------------------------------------
def _is_categorical(col: Any) -> bool:
    import pandas as pd

    dtype = col.dtype
    return bool(
        isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_bool_dtype(dtype)
        or not pd.api.types.is_numeric_dtype(dtype)
    )


def feature_grid(
    col: Any,
    *,
    grid_resolution: int = 20,
    percentiles: tuple = (0.05, 0.95),
    categorical: bool | None = None,
) -> tuple[np.ndarray, bool]:
    """The grid of a column (a pandas Series) and whether it is categorical (see
    the module docstring)."""
    import pandas as pd

    is_cat = _is_categorical(col) if categorical is None else categorical
    if col.isna().any():
        first = int(np.flatnonzero(col.isna().to_numpy())[0])
        raise DataValidationError(
            f"feature {col.name!r} has {int(col.isna().sum()):,} missing values (first "
            f"at position {first:,}); a grid needs known values. Fill or drop them, "
            "or pass grid= yourself"
        )
    if is_cat:
        if isinstance(col.dtype, pd.CategoricalDtype):
            present = set(col.cat.codes.unique().tolist())
            cats = [c for i, c in enumerate(col.cat.categories) if i in present]
            return np.asarray(cats, dtype=object), True
        uniques = pd.unique(col.to_numpy())
        try:
            uniques = sorted(uniques.tolist())
        except TypeError:
            uniques = sorted(uniques.tolist(), key=repr)
        return np.asarray(uniques, dtype=object), True
    values = col.to_numpy(dtype=np.float64)
    uniques = np.unique(values)
    if len(uniques) < grid_resolution:
        return uniques, False
    from scipy.stats.mstats import mquantiles

    lo, hi = mquantiles(values, prob=percentiles, axis=0)
    if np.allclose(lo, hi):
        raise DataValidationError(
            f"feature {col.name!r}: its {percentiles[0]:g} and {percentiles[1]:g} "
            f"percentiles are both {float(lo):.6g}, so no grid can be spread between "
            "them; pass percentiles further apart (e.g. (0, 1)) or grid= yourself"
        )
    return np.linspace(lo, hi, num=grid_resolution, endpoint=True), False


def _check_options(grid_resolution, percentiles, kind, max_rows, progress) -> None:
    if kind not in KINDS:
        raise MlnbValueError(
            f"kind must be one of {', '.join(map(repr, KINDS))}; got {kind!r}"
        )
    if (
        not isinstance(grid_resolution, numbers.Integral)
        or isinstance(grid_resolution, bool)
        or grid_resolution < 2
    ):
        raise MlnbValueError(
            f"grid_resolution must be an int >= 2; got {grid_resolution!r}"
        )
    ok = (
        isinstance(percentiles, (tuple, list))
        and len(percentiles) == 2
        and all(isinstance(p, numbers.Real) for p in percentiles)
        and 0 <= percentiles[0] < percentiles[1] <= 1
    )
    if not ok:
        raise MlnbValueError(
            "percentiles must be two numbers 0 <= low < high <= 1 (e.g. (0.05, "
            f"0.95)); got {percentiles!r}"
        )
    if max_rows is not None and (
        not isinstance(max_rows, numbers.Integral)
        or isinstance(max_rows, bool)
        or max_rows < 1
    ):
        raise MlnbValueError(f"max_rows must be None or an int >= 1; got {max_rows!r}")
    if not isinstance(progress, (bool, np.bool_)):
        raise MlnbValueError(f"progress must be True or False; got {progress!r}")


def _user_grid(grid: Any, col: Any) -> tuple[np.ndarray, bool]:
    import pandas as pd

    if isinstance(grid, (str, bytes)) or not hasattr(grid, "__len__"):
        raise MlnbValueError(
            f"grid must be a list of the feature's values; got {type(grid).__name__}"
        )
    values = list(grid)
    if not values:
        raise MlnbValueError("grid is empty; give at least one value")
    is_cat = _is_categorical(col)
    if not is_cat:
        try:
            arr = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            raise MlnbValueError(
                f"feature {col.name!r} is numeric, so grid must hold numbers; got "
                f"{values[:5]!r}"
            ) from None
        if not np.isfinite(arr).all():
            raise MlnbValueError("grid must hold finite numbers (no NaN or inf)")
        return arr, False
    if isinstance(col.dtype, pd.CategoricalDtype):
        known = set(col.cat.categories.tolist())
        unknown = [v for v in values if v not in known]
        if unknown:
            raise MlnbValueError(
                f"grid values {unknown[:5]!r} are not categories of feature "
                f"{col.name!r} ({list(known)[:10]!r}); add them first with "
                "X[feature].cat.add_categories([...]) or leave them out of grid"
            )
    return np.asarray(values, dtype=object), True


# -- predicting ------------------------------------------------------------------------
def _keeps_dtype(grid: np.ndarray, template: Any) -> bool:
    """Whether every grid value is exactly a value of ``template``'s dtype (an
    integer column keeps its dtype only for a grid of whole numbers; a float grid
    on it makes the column float, never truncated)."""
    import pandas as pd

    if isinstance(template.dtype, pd.CategoricalDtype):
        return True  # a category outside the categories raises in pd.Categorical
    try:
        cast = pd.array(grid, dtype=template.dtype)
    except (TypeError, ValueError):
        return False
    return bool(
        np.array_equal(np.asarray(cast, dtype=object), np.asarray(grid, dtype=object))
    )


def _assign(
    frame: Any, col_pos: int, template: Any, values: np.ndarray, keep: bool
) -> None:
    """Column ``col_pos`` of ``frame`` := ``values``, in the dtype of ``template``
    when ``keep`` (see :func:`_keeps_dtype`), else as they are."""
    import pandas as pd

    if not keep:
        new = values
    elif isinstance(template.dtype, pd.CategoricalDtype):
        new = pd.Categorical(values, dtype=template.dtype)
    else:
        new = pd.array(values, dtype=template.dtype)
    frame.isetitem(col_pos, new)


def _float_matrix(rows: Any, grid: np.ndarray) -> np.ndarray | None:
    """``rows`` as one float array when every column is of one numpy float dtype
    and the grid is numeric (the fast path), else ``None``."""
    dtypes = set(rows.dtypes)
    if len(dtypes) != 1 or grid.dtype.kind not in "fiu":
        return None
    dtype = next(iter(dtypes))
    if not isinstance(dtype, np.dtype) or dtype.kind != "f":
        return None
    return rows.to_numpy()


def _predict_grid(pred, rows, col_pos, template, grid, progress) -> np.ndarray:
    """Predictions ``(g, n)`` or ``(g, n, k)`` of every row at every grid value."""
    import pandas as pd

    from ..predictor import CHUNK_ROWS

    n, g = len(rows), len(grid)
    per_block = max(1, CHUNK_ROWS // n)
    blocks = [(a, min(a + per_block, g)) for a in range(0, g, per_block)]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=g, desc=f"partial dependence of {template.name!r}")
    out = None
    base = _float_matrix(rows, grid)
    keep = base is None and _keeps_dtype(grid, template)
    try:
        for a, b in blocks:
            if base is not None:  # one float block: tile the array, no pandas take
                arr = np.tile(base, (b - a, 1))
                arr[:, col_pos] = np.repeat(grid[a:b], n)
                frame = pd.DataFrame(arr, columns=rows.columns, copy=False)
            else:
                take = np.tile(np.arange(n), b - a)
                frame = rows.iloc[take].reset_index(drop=True)
                values = np.repeat(grid[a:b], n)
                _assign(frame, col_pos, template, values, keep)
            s = pred.scores(frame)
            s = s.reshape((b - a, n) + s.shape[1:])
            if out is None:
                out = np.empty((g, n) + s.shape[2:], dtype=np.float64)
            out[a:b] = s
            if bar is not None:
                bar.update(b - a)
    finally:
        if bar is not None:
            bar.close()
    return out


def partial_dependence(
    model: Any,
    X: Any,
    feature: Any,
    *,
    grid: Any = None,
    grid_resolution: int = 20,
    percentiles: tuple = (0.05, 0.95),
    kind: str = "average",
    max_rows: int | None = None,
    random_state: int | None = 0,
    progress: bool = False,
) -> PartialDependence:
    """Partial dependence (``kind="average"``), ICE curves (``"individual"``) or
    both, of ``model`` on one ``feature`` over the rows of ``X``.

    Parameters
    ----------
    model:
        A fitted model or predict function (see
        :class:`~mlnb.checks.predictor.Predictor`).
    X:
        The rows (pandas or polars DataFrame, pyarrow Table, dict of arrays). For
        the ICE curve of one point, a one-row ``X``.
    feature:
        The column to vary (any hashable name).
    grid:
        Its values to try; default: built as scikit-learn does (see the module
        docstring).
    grid_resolution, percentiles:
        Points of a numeric grid and the percentiles it spans.
    kind:
        ``"average"``, ``"individual"`` or ``"both"``.
    max_rows:
        Use a random sample of this many rows (``sampled`` says so); ``None``: all.
    random_state:
        Seed of that sample.
    progress:
        Show a progress bar (tqdm).

    Returns
    -------
    PartialDependence

    Raises
    ------
    MlnbValueError
        Unknown feature, bad options, an unfitted model.
    DataValidationError
        The feature holds missing values (and no grid was given).
    PredictionError
        The model raised.

    Examples
    --------
    >>> import numpy as np, pandas as pd, mlnb
    >>> from sklearn.linear_model import LinearRegression
    >>> X = pd.DataFrame({"a": np.arange(10.0), "b": np.ones(10)})
    >>> m = LinearRegression().fit(X, 2 * X["a"])
    >>> pd_ = mlnb.partial_dependence(m, X, "a", grid=[0, 1])
    >>> [round(float(v), 6) + 0.0 for v in pd_.average]
    [0.0, 2.0]
    """
    _check_options(grid_resolution, percentiles, kind, max_rows, progress)
    df = read_rows(X)
    frames.get_column(df, feature, role="feature")  # an unknown name lists columns
    col_pos = next(i for i, c in enumerate(df.columns) if frames.same_name(c, feature))
    pred = predictor(model)
    template = df.iloc[:, col_pos]
    if grid is None:
        grid_arr, is_cat = feature_grid(
            template, grid_resolution=grid_resolution, percentiles=tuple(percentiles)
        )
    else:
        grid_arr, is_cat = _user_grid(grid, template)
    sampled = max_rows is not None and max_rows < len(df)
    rows = df
    if sampled:
        rng = np.random.default_rng(random_state)
        pick = np.sort(rng.choice(len(df), size=max_rows, replace=False))
        rows = df.iloc[pick]
    preds = _predict_grid(pred, rows, col_pos, template, grid_arr, progress)
    # preds: (g, n) or (g, n, k)
    multi = preds.ndim == 3
    average = individual = None
    if kind in ("average", "both"):
        avg = preds.mean(axis=1)  # (g,) or (g, k)
        average = avg.T if multi else avg
    if kind in ("individual", "both"):
        individual = np.transpose(preds, (2, 1, 0)) if multi else preds.T
    classes = tuple(pred.classes) if pred.classes is not None else None
    return PartialDependence(
        feature=df.columns[col_pos],
        grid=grid_arr,
        categorical=is_cat,
        average=average,
        individual=individual,
        classes=classes if pred.kind == "classification" else None,
        kind=kind,
        sampled=bool(sampled),
        n_rows=len(rows),
        row_index=rows.index.to_numpy(),
    )
