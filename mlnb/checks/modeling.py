"""Small, honest scikit-learn pipelines for a first model and its comparisons.

Two functions build everything steps 2 and 5 fit:

- :func:`preprocessor` — a :class:`~sklearn.compose.ColumnTransformer` that imputes
  missing values, encodes the categorical columns (one-hot, or ordinal codes for
  tree models) and scales the numeric ones;
- :func:`model` — an unfitted estimator of one of :data:`KINDS` for a task
  (``"binary"``, ``"multiclass"`` or ``"regression"``);

and :func:`pipeline` joins the two with the preprocessing each kind wants.

Column kinds come from the dtypes (:func:`column_kinds`): booleans and numbers
(numpy or pandas nullable ``Int64`` / ``Float64`` / ``boolean``) are numeric;
strings, ``object`` and ``category`` columns are categorical. A pandas, polars or
pyarrow table, or a dict of arrays, can be given to :func:`preprocessor` and to the
fitted pipelines: the first step reads any of them through
:func:`mlnb.core.frames.to_pandas`, and columns are selected by position, so any
hashable column name (``0``, ``("a", "x")``) works.

=========  ===============================================  ==========================
kind       estimator (classification / regression)          preprocessing
=========  ===============================================  ==========================
linear     LogisticRegression / Ridge                       impute, one-hot, scale
boosted    HistGradientBoostingClassifier / ...Regressor    ordinal codes as native
                                                            categories; NaN kept
forest     RandomForestClassifier / ...Regressor            impute, ordinal codes
knn        KNeighborsClassifier / ...Regressor              impute, one-hot, scale
dummy      DummyClassifier(prior) / DummyRegressor(mean)    none needed (one-hot)
=========  ===============================================  ==========================

    >>> import pandas as pd
    >>> from mlnb.checks import modeling
    >>> X = pd.DataFrame({"age": [20, 30, None, 50], "city": ["a", "b", "a", None]})
    >>> pipe = modeling.pipeline("linear", X, task="binary").fit(X, [0, 1, 0, 1])
    >>> pipe.predict_proba(X).shape
    (4, 2)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from ..core import frames
from ..errors import MlnbValueError

__all__ = [
    "KINDS",
    "TASKS",
    "MAX_ONEHOT_CATEGORIES",
    "MAX_ORDINAL_CATEGORIES",
    "column_kinds",
    "preprocessor",
    "model",
    "pipeline",
    "is_classification",
    "as_frame",
    "TableReader",
    "EmptyAsZero",
    "as_float",
    "as_text",
    "MISSING_CATEGORY",
]

#: The model kinds :func:`model` builds.
KINDS = ("linear", "boosted", "forest", "knn", "dummy")
#: The tasks :func:`model` builds for (as :mod:`mlnb.core.metrics`).
TASKS = ("binary", "multiclass", "regression")
#: One-hot encoding keeps at most this many categories per column (the rarer ones
#: share one "infrequent" column), so an id-like string cannot blow up the width.
MAX_ONEHOT_CATEGORIES = 30
#: Ordinal encoding keeps at most this many categories per column (histogram
#: gradient boosting takes at most 255 bins, one of them for missing values).
MAX_ORDINAL_CATEGORIES = 250

_ENCODINGS = ("onehot", "ordinal")


def is_classification(task: str) -> bool:
    """Whether ``task`` is ``"binary"`` or ``"multiclass"``."""
    return task in ("binary", "multiclass")


def _check_task(task: Any) -> None:
    if not (isinstance(task, str) and task in TASKS):
        raise MlnbValueError(
            f"task must be one of {', '.join(map(repr, TASKS))}; got {task!r}"
        )


def _check_kind(kind: Any) -> None:
    if not (isinstance(kind, str) and kind in KINDS):
        raise MlnbValueError(
            f"model kind must be one of {', '.join(map(repr, KINDS))}; got {kind!r}"
        )


def _check_random_state(random_state: Any) -> None:
    ok = random_state is None or (
        isinstance(random_state, (int, np.integer))
        and not isinstance(random_state, (bool, np.bool_))
        and 0 <= random_state < 2**32
    )
    if not ok:
        raise MlnbValueError(
            f"random_state must be None or an int in [0, 2**32); got {random_state!r}"
        )


# -- column kinds ----------------------------------------------------------------------


def _is_numeric_dtype(dtype: Any) -> bool:
    import pandas as pd

    if isinstance(dtype, pd.CategoricalDtype):
        return False
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return True
    return bool(
        pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype)
    ) and not pd.api.types.is_complex_dtype(dtype)


def column_kinds(X: Any) -> tuple[list[int], list[int]]:
    """Positions of the numeric and of the categorical columns of ``X``.

    Numeric: booleans, integers and floats (numpy or pandas nullable) and
    datetimes (as seconds since 1970). Categorical: everything else (strings,
    ``object``, ``category``).

    Raises
    ------
    MlnbValueError
        ``X`` is not a table.
    """
    df = frames.to_pandas(X, role="X")
    numeric, categorical = [], []
    for i, dtype in enumerate(df.dtypes):
        (numeric if _is_numeric_dtype(dtype) else categorical).append(i)
    return numeric, categorical


# -- converters (module level so fitted pipelines pickle) ----------------------------


def as_frame(X: Any) -> Any:
    """``X`` as a pandas DataFrame (any table :mod:`mlnb.core.frames` reads)."""
    return frames.to_pandas(X, role="X")


class TableReader(TransformerMixin, BaseEstimator):
    """Reads a pandas, polars or pyarrow table or a dict of arrays as a pandas
    DataFrame (no validation: the next step selects columns by position)."""

    #: Each output column is computed from one input column alone (read by
    #: :func:`mlnb.explain` to give exact attributions through the pipeline).
    columnwise = True

    def fit(self, X: Any, y: Any = None) -> TableReader:
        self.n_features_in_ = as_frame(X).shape[1]
        return self

    def transform(self, X: Any) -> Any:
        return as_frame(X)


def _float_column(col: Any) -> np.ndarray:
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(col.dtype):
        if isinstance(col.dtype, pd.DatetimeTZDtype):
            col = col.dt.tz_convert("UTC").dt.tz_localize(None)
        ns = col.to_numpy(dtype="datetime64[ns]").view(np.int64).astype(np.float64)
        ns[col.isna().to_numpy()] = np.nan
        return ns / 1e9
    out = col.to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isinf(out).any():
        out = np.where(np.isinf(out), np.nan, out)
    return out


def as_float(X: Any) -> np.ndarray:
    """Numeric columns as float64 (pandas' missing values and ±inf become NaN,
    so they are imputed like any missing value; datetimes become seconds since
    1970-01-01 UTC)."""
    if hasattr(X, "iloc"):
        out = np.empty(X.shape, dtype=np.float64)
        for j in range(X.shape[1]):
            col = X.iloc[:, j]
            out[:, j] = _float_column(col)
        return out
    arr = np.array(X, dtype=np.float64)
    arr[np.isinf(arr)] = np.nan
    return arr


#: The category a missing categorical value becomes.
MISSING_CATEGORY = "(missing)"


def as_text(X: Any) -> np.ndarray:
    """Categorical columns as an object array of strings, so mixed types encode
    alike; a missing value becomes the category :data:`MISSING_CATEGORY`."""
    import pandas as pd

    df = X if hasattr(X, "iloc") else pd.DataFrame(np.asarray(X, dtype=object))
    out = np.empty(df.shape, dtype=object)
    for j in range(df.shape[1]):
        col = df.iloc[:, j]
        missing = col.isna().to_numpy()
        if isinstance(col.dtype, pd.CategoricalDtype):
            cats = np.asarray([str(c) for c in col.cat.categories], dtype=object)
            codes = col.cat.codes.to_numpy()
            values = cats[np.maximum(codes, 0)] if len(cats) else codes.astype(object)
        else:
            values = col.astype(object).to_numpy()
            if pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
                values = np.asarray([str(v) for v in values], dtype=object)
        values = values.copy()
        values[missing] = MISSING_CATEGORY
        out[:, j] = values
    return out


class EmptyAsZero(TransformerMixin, BaseEstimator):
    """Numeric columns that were missing on every training row become 0 (as
    ``SimpleImputer(keep_empty_features=True)`` does); other missing values stay
    NaN for models that handle them (histogram gradient boosting cannot bin a
    column with no value)."""

    #: Each output column is computed from one input column alone.
    columnwise = True

    def fit(self, X: Any, y: Any = None) -> EmptyAsZero:
        arr = np.asarray(X, dtype=np.float64)
        self.empty_ = np.isnan(arr).all(axis=0) if len(arr) else np.zeros(0, bool)
        self.n_features_in_ = arr.shape[1]
        return self

    def transform(self, X: Any) -> np.ndarray:
        arr = np.array(X, dtype=np.float64)
        arr[:, self.empty_] = 0.0
        return arr

    def get_feature_names_out(self, input_features: Any = None) -> Any:
        return input_features


# -- the preprocessor ------------------------------------------------------------------


def preprocessor(
    X: Any,
    *,
    encoding: str = "onehot",
    scale: bool = True,
    impute: bool = True,
    max_categories: int | None = None,
) -> Any:
    """A scikit-learn transformer for the columns of ``X``: impute, encode, scale.

    Numeric columns: median imputation (``impute=True``) then standard scaling
    (``scale=True``). Categorical columns: a missing value becomes its own
    category, then one-hot columns (``encoding="onehot"``, unknown categories at
    predict time give all zeros or the "infrequent" column) or ordinal codes
    (``encoding="ordinal"``, unknown categories give NaN). A column with more
    categories than ``max_categories`` keeps the most frequent ones.

    The output puts the numeric columns first, then the categorical ones (the
    transformer's ``numeric_columns_`` / ``categorical_columns_`` attributes are
    not needed: use :func:`column_kinds` for the positions).

    Parameters
    ----------
    X:
        A table (pandas, polars, pyarrow, dict of arrays) whose dtypes decide the
        column kinds; only its dtypes are read.
    encoding:
        ``"onehot"`` or ``"ordinal"``.
    scale:
        Standardise the numeric columns.
    impute:
        Fill missing numeric values with the median (models that take NaN, such
        as histogram gradient boosting, do not need it; without it only a column
        missing on every training row is filled, with 0).
    max_categories:
        Categories kept per column (default :data:`MAX_ONEHOT_CATEGORIES` for
        one-hot, :data:`MAX_ORDINAL_CATEGORIES` for ordinal).

    Returns
    -------
    sklearn.pipeline.Pipeline
        ``as_frame`` (reads any table) followed by the ColumnTransformer (step
        ``"columns"``).

    Raises
    ------
    MlnbValueError
        ``X`` is not a table, it has no columns, or an option is invalid.
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import (
        FunctionTransformer,
        OneHotEncoder,
        OrdinalEncoder,
        StandardScaler,
    )

    if encoding not in _ENCODINGS:
        raise MlnbValueError(
            f"encoding must be one of {', '.join(map(repr, _ENCODINGS))}; got "
            f"{encoding!r}"
        )
    for name, v in (("scale", scale), ("impute", impute)):
        if not isinstance(v, (bool, np.bool_)):
            raise MlnbValueError(f"{name} must be True or False; got {v!r}")
    if max_categories is None:
        max_categories = (
            MAX_ONEHOT_CATEGORIES if encoding == "onehot" else MAX_ORDINAL_CATEGORIES
        )
    if not (
        isinstance(max_categories, (int, np.integer))
        and not isinstance(max_categories, bool)
        and 2 <= max_categories <= (10_000 if encoding == "onehot" else 254)
    ):
        top = 10_000 if encoding == "onehot" else 254
        raise MlnbValueError(
            f"max_categories must be an int in [2, {top}] for {encoding} encoding; "
            f"got {max_categories!r}"
        )
    numeric, categorical = column_kinds(X)
    if not numeric and not categorical:
        raise MlnbValueError("X has no columns; pass at least one feature column")

    one_to_one = {"feature_names_out": "one-to-one"}
    num_steps: list[Any] = [FunctionTransformer(as_float, **one_to_one)]
    if impute:
        num_steps.append(SimpleImputer(strategy="median", keep_empty_features=True))
    else:
        num_steps.append(EmptyAsZero())
    if scale:
        num_steps.append(StandardScaler())
    cat_steps: list[Any] = [FunctionTransformer(as_text, **one_to_one)]
    if encoding == "onehot":
        cat_steps.append(
            OneHotEncoder(
                handle_unknown="infrequent_if_exist",
                max_categories=max_categories,
                sparse_output=True,
            )
        )
    else:
        cat_steps.append(
            OrdinalEncoder(
                handle_unknown="use_encoded_value",
                unknown_value=np.nan,
                max_categories=max_categories,
                dtype=np.float64,
            )
        )
    transformers = []
    if numeric:
        transformers.append(("numeric", make_pipeline(*num_steps), numeric))
    if categorical:
        transformers.append(("categorical", make_pipeline(*cat_steps), categorical))
    columns = ColumnTransformer(transformers, sparse_threshold=0.3)
    return Pipeline([("frame", TableReader()), ("columns", columns)])


# -- models ----------------------------------------------------------------------------


def model(kind: str, *, task: str, random_state: int | None = 0) -> Any:
    """An unfitted scikit-learn estimator of ``kind`` for ``task``.

    Parameters
    ----------
    kind:
        One of :data:`KINDS`: ``"linear"`` (LogisticRegression, ``max_iter=1000``
        / Ridge), ``"boosted"`` (HistGradientBoosting with its defaults: early
        stopping above 10,000 rows), ``"forest"`` (RandomForest, 100 trees,
        ``min_samples_leaf=2``), ``"knn"`` (15 neighbours, distance weights),
        ``"dummy"`` (the class prior / the mean).
    task:
        ``"binary"``, ``"multiclass"`` or ``"regression"``.
    random_state:
        Seed of the models that draw random numbers.

    Raises
    ------
    MlnbValueError
        An unknown kind or task, or a bad ``random_state``.
    """
    _check_kind(kind)
    _check_task(task)
    _check_random_state(random_state)
    cls = is_classification(task)
    if kind == "linear":
        if cls:
            from sklearn.linear_model import LogisticRegression

            return LogisticRegression(max_iter=1000)
        from sklearn.linear_model import Ridge

        return Ridge(alpha=1.0)
    if kind == "boosted":
        from sklearn.ensemble import (
            HistGradientBoostingClassifier,
            HistGradientBoostingRegressor,
        )

        est = HistGradientBoostingClassifier if cls else HistGradientBoostingRegressor
        return est(random_state=random_state)
    if kind == "forest":
        from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

        est = RandomForestClassifier if cls else RandomForestRegressor
        return est(n_estimators=100, min_samples_leaf=2, random_state=random_state)
    if kind == "knn":
        from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

        est = KNeighborsClassifier if cls else KNeighborsRegressor
        return est(n_neighbors=15, weights="distance")
    from sklearn.dummy import DummyClassifier, DummyRegressor

    return DummyClassifier(strategy="prior") if cls else DummyRegressor()


def pipeline(kind: str, X: Any, *, task: str, random_state: int | None = 0) -> Any:
    """:func:`preprocessor` + :func:`model` as one scikit-learn Pipeline (steps
    ``"preprocess"`` and ``"model"``), with the preprocessing ``kind`` wants (see
    the module's table). ``X`` is read for its dtypes only.

    For ``"boosted"`` the categorical columns are ordinal codes passed as native
    categories (``categorical_features``), numeric columns are neither imputed nor
    scaled.

    Raises
    ------
    MlnbValueError
        As :func:`preprocessor` and :func:`model`.
    """
    from sklearn.pipeline import Pipeline

    est = model(kind, task=task, random_state=random_state)
    if kind == "boosted":
        numeric, categorical = column_kinds(X)
        pre = preprocessor(X, encoding="ordinal", scale=False, impute=False)
        mask = np.array([False] * len(numeric) + [True] * len(categorical))
        est.set_params(categorical_features=mask if mask.any() else None)
    elif kind == "forest":
        pre = preprocessor(X, encoding="ordinal", scale=False)
    else:
        pre = preprocessor(X)
    return Pipeline([("preprocess", pre), ("model", est)])
