"""Reading the rows and the model the What-If computations probe: any table through
:mod:`mlnb.core.frames`, any model through :class:`~mlnb.checks.predictor.Predictor`,
a row by its label."""

from __future__ import annotations

from typing import Any

from ...core import frames
from ...errors import DataValidationError, MlnbValueError

__all__ = ["read_rows", "read_features", "row_position", "predictor"]


def read_rows(X: Any, *, argument: str = "X"):
    """``X`` as a pandas DataFrame (pandas, polars, pyarrow, dict of arrays), with
    at least one row."""
    if X is None:
        raise MlnbValueError(
            f"{argument} is None; pass the rows to probe as a table (pandas or polars "
            "DataFrame, pyarrow Table or a dict of arrays)"
        )
    df = frames.to_pandas(X, role=argument)
    if len(df) == 0:
        raise DataValidationError(
            f"{argument} has no rows; pass at least one row to probe"
        )
    if df.shape[1] == 0:
        raise DataValidationError(
            f"{argument} has no columns; pass the model's feature columns"
        )
    return df


def read_features(df: Any, features: Any, *, argument: str = "features") -> list:
    """The columns named by ``features`` (``None``: every column), each checked to
    exist (an unknown one lists the columns there are); a single name is one
    feature."""
    if features is None:
        return list(df.columns)
    if frames.is_column_name(df, features) and (
        not isinstance(features, tuple) or frames.has_column(df, features)
    ):
        features = [features]
    try:
        names = list(features)
    except TypeError:
        raise MlnbValueError(
            f"{argument} must be a list of column names; got {type(features).__name__}"
        ) from None
    if not names:
        raise MlnbValueError(f"{argument} is empty; name at least one column")
    out = []
    for name in names:
        frames.get_column(df, name, role=argument)  # raises for an unknown name
        pos = [i for i, c in enumerate(df.columns) if frames.same_name(c, name)]
        out.append(df.columns[pos[0]])
    if len(set(map(repr, out))) != len(out):
        raise MlnbValueError(f"{argument} names a column twice: {names!r}")
    return out


def row_position(df: Any, index: Any, *, argument: str = "index") -> int:
    """The position of the row labelled ``index`` in ``df``'s index.

    Raises
    ------
    MlnbValueError
        No row has that label (the message gives the index's range), or several
        do.
    """
    try:
        loc = df.index.get_loc(index)
    except (KeyError, TypeError, ValueError):
        loc = None
    if loc is None:
        n = len(df)
        first = list(df.index[:3])
        raise MlnbValueError(
            f"{argument}={index!r} is not a row label of X ({n:,} rows, labels such "
            f"as {first!r}); pass a label of X.index (for a position p use "
            "X.index[p])"
        )
    if not isinstance(loc, int):
        raise MlnbValueError(
            f"{argument}={index!r} labels several rows of X; give X a unique index "
            "(X.reset_index(drop=True)) and pass a label of it"
        )
    return int(loc)


def predictor(model: Any, *, argument: str = "model"):
    """:meth:`Predictor.of` (imported when a model is first asked for)."""
    from ..predictor import Predictor

    return Predictor.of(model, argument=argument)
