"""One input path for models: a fitted model or a predict function, called the same
way by every check that asks a model for predictions.

What-If probing, partial dependence, counterfactuals, attributions and fairness
thresholds all need "the model's score for these rows". :class:`Predictor` turns what a
user holds into that one call and checks what comes back, so every check gives the same
clear error for the same mistake:

* a scikit-learn estimator or Pipeline: ``predict_proba`` for classifiers (the positive
  class's column for a binary label), else ``decision_function``, else ``predict``
  (regressors); an unfitted one is refused before it is called;
* a Keras model (``model.predict`` on a float32 array, quietly);
* any callable taking the rows (a pandas DataFrame, the model's columns) and returning
  one prediction per row: class probabilities (``(n,)`` for the positive class or
  ``(n, k)``), or regression values.

What comes back is checked: one prediction per row, finite, probabilities within
[0, 1] whose rows sum to one, and not labels where probabilities are needed. A model
that raises becomes a :class:`~mlnb.errors.PredictionError` naming the argument, with
the model's own error as its cause. Rows are sent in chunks of at most
:data:`CHUNK_ROWS` so a million-row batch never needs a million-row intermediate.

    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = pd.DataFrame({"a": [0.0, 1, 2, 3], "b": [1.0, 0, 1, 0]})
    >>> p = Predictor.of(LogisticRegression().fit(X, [0, 0, 1, 1]))
    >>> p.kind, p.classes, p.scores(X).shape
    ('classification', (0, 1), (4,))
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core import frames
from ..errors import DataValidationError, MlnbValueError, PredictionError

__all__ = ["Predictor", "CHUNK_ROWS", "MODEL_TYPES"]

#: Most rows sent to the model in one call.
CHUNK_ROWS = 262_144
#: What ``model_type=`` accepts.
MODEL_TYPES = ("classification", "regression")
# rows of class probabilities must sum to one within this
_SUM_TOL = 1e-3


def _is_keras(model: Any) -> bool:
    mod = type(model).__module__
    return (mod.startswith(("keras", "tf_keras", "tensorflow"))) and hasattr(
        model, "predict"
    )


def _is_sklearn(model: Any) -> bool:
    return any(
        c.__module__.startswith("sklearn") and c.__name__ == "BaseEstimator"
        for c in type(model).__mro__
    )


def _name_of(model: Any) -> str:
    return getattr(model, "__name__", None) or type(model).__name__


class Predictor:
    """A model or predict function with checked outputs (see the module docstring).

    Build one with :meth:`of`. Attributes: ``kind`` (``"classification"`` or
    ``"regression"``; ``None`` until the first call for a plain function),
    ``classes`` (class labels, in the order of the probability columns),
    ``probabilistic`` (scores are probabilities; False for ``decision_function``),
    ``method`` (what is called, for records: ``"LogisticRegression.predict_proba"``),
    ``model`` (what the user passed), ``n_calls`` and ``n_rows`` (calls made and rows
    predicted so far).
    """

    def __init__(
        self,
        call: Callable[[Any], Any],
        *,
        model: Any,
        method: str,
        kind: str | None,
        classes: tuple | None,
        probabilistic: bool,
        argument: str,
        columns: tuple | None = None,
    ) -> None:
        self._call = call
        self.model = model
        self.method = method
        self.kind = kind
        self.classes = classes
        self.probabilistic = probabilistic
        self.argument = argument
        self.columns = columns
        self.n_calls = 0
        self.n_rows = 0
        self._width: int | None = None  # 1 (binary/regression) or k, once known

    # -- construction ----------------------------------------------------------------
    @classmethod
    def of(
        cls,
        model: Any,
        *,
        model_type: str | None = None,
        classes: Any = None,
        argument: str = "model",
    ) -> Predictor:
        """A :class:`Predictor` for ``model`` (returned as is when it is one).

        Parameters
        ----------
        model:
            A fitted scikit-learn estimator or Pipeline, a Keras model, or a callable
            ``f(rows) -> predictions`` (rows: a pandas DataFrame).
        model_type:
            ``"classification"`` or ``"regression"``; needed only where the output
            cannot tell (a function returning values in [0, 1] is read as
            probabilities of the positive class unless this says ``"regression"``).
        classes:
            The class labels of a classifier function, in the order of its
            probability columns (default ``0..k-1``).
        argument:
            The argument's name in error messages.

        Raises
        ------
        MlnbValueError
            ``model`` cannot predict (no ``predict``/``predict_proba``, not callable),
            is not fitted, or ``model_type`` is unknown.
        """
        if isinstance(model, Predictor):
            return model
        if model_type is not None and model_type not in MODEL_TYPES:
            raise MlnbValueError(
                f"model_type must be one of {', '.join(map(repr, MODEL_TYPES))} or "
                f"None (inferred); got {model_type!r}"
            )
        if model is None or isinstance(model, (str, bytes, np.ndarray)):
            raise MlnbValueError(
                f"{argument} must be a fitted model (predict_proba or predict) or a "
                f"function of the rows; got {type(model).__name__}. Pass the model "
                "object, not its predictions"
            )
        if _is_keras(model):
            return cls._keras(model, model_type, classes, argument)
        has_proba = callable(getattr(model, "predict_proba", None))
        has_decision = callable(getattr(model, "decision_function", None))
        has_predict = callable(getattr(model, "predict", None))
        if has_proba or has_decision or has_predict:
            return cls._estimator(
                model,
                model_type,
                classes,
                argument,
                has_proba=has_proba,
                has_decision=has_decision,
            )
        if callable(model):
            return cls(
                model,
                model=model,
                method=_name_of(model),
                kind=model_type,
                classes=_as_classes(classes, argument),
                probabilistic=True,
                argument=argument,
            )
        raise MlnbValueError(
            f"{argument} must be a fitted model with predict_proba() or predict(), or "
            f"a function of the rows returning one prediction per row; got "
            f"{type(model).__name__}"
        )

    @classmethod
    def _estimator(
        cls,
        model: Any,
        model_type: str | None,
        classes: Any,
        argument: str,
        *,
        has_proba: bool,
        has_decision: bool,
    ) -> Predictor:
        _require_fitted(model, argument)
        est_type = getattr(model, "_estimator_type", None)
        if est_type is None:
            try:  # scikit-learn >= 1.6 keeps it in the estimator's tags
                from sklearn.utils import get_tags

                est_type = get_tags(model).estimator_type
            except Exception:  # noqa: BLE001 - not a scikit-learn estimator
                est_type = None
        kind = model_type or (
            "regression"
            if est_type == "regressor"
            else "classification"
            if est_type == "classifier" or has_proba
            else None
        )
        model_classes = getattr(model, "classes_", None)
        found = (
            tuple(np.asarray(model_classes).tolist())
            if model_classes is not None
            else _as_classes(classes, argument)
        )
        name = type(model).__name__
        columns = getattr(model, "feature_names_in_", None)
        columns = tuple(columns.tolist()) if columns is not None else None
        if kind == "classification" and has_proba:
            return cls(
                model.predict_proba,
                model=model,
                method=f"{name}.predict_proba",
                kind=kind,
                classes=found,
                probabilistic=True,
                argument=argument,
                columns=columns,
            )
        if kind == "classification" and has_decision:
            return cls(
                model.decision_function,
                model=model,
                method=f"{name}.decision_function",
                kind=kind,
                classes=found,
                probabilistic=False,
                argument=argument,
                columns=columns,
            )
        if kind == "classification":
            raise MlnbValueError(
                f"{argument} ({name}) is a classifier without predict_proba() or "
                "decision_function(): its predict() returns labels, and probing needs "
                "scores. Use a classifier with predict_proba (e.g. "
                "CalibratedClassifierCV(model)) or pass a function returning "
                "probabilities"
            )
        return cls(
            model.predict,
            model=model,
            method=f"{name}.predict",
            kind=kind,
            classes=None if kind == "regression" else found,
            probabilistic=kind != "regression",
            argument=argument,
            columns=columns,
        )

    @classmethod
    def _keras(
        cls, model: Any, model_type: str | None, classes: Any, argument: str
    ) -> Predictor:
        def call(X: Any) -> Any:
            arr = X.to_numpy(dtype=np.float32) if hasattr(X, "to_numpy") else X
            return model.predict(np.asarray(arr, dtype=np.float32), verbose=0)

        return cls(
            call,
            model=model,
            method=f"{type(model).__name__}.predict",
            kind=model_type,
            classes=_as_classes(classes, argument),
            probabilistic=True,
            argument=argument,
        )

    # -- calling ---------------------------------------------------------------------
    @property
    def n_outputs(self) -> int | None:
        """1 for a binary or regression model, k for k classes (None before the first
        call of a plain function)."""
        return self._width

    @property
    def positive_label(self) -> Any:
        """The class whose probability a binary model's score is (None otherwise)."""
        if self.kind == "classification" and self._width == 1 and self.classes:
            return self.classes[-1]
        return None

    def _prepare(self, X: Any) -> Any:
        if frames.is_table(X) and not hasattr(X, "iloc"):
            X = frames.to_pandas(X)
        if self.columns is not None and hasattr(X, "columns"):
            have = list(X.columns)
            missing = [c for c in self.columns if not any(c == h for h in have)]
            if missing:
                raise MlnbValueError(
                    f"{self.argument} was fitted on columns "
                    f"{frames.describe_names(list(self.columns))}; the rows lack "
                    f"{frames.describe_names(missing)}. Pass rows with the columns the "
                    "model was trained on"
                )
            if list(self.columns) != have:
                X = X[list(self.columns)]
        return X

    def scores(self, X: Any) -> np.ndarray:
        """The model's scores for the rows of ``X`` as float64: ``(n,)`` for a binary
        classifier (the positive class) or a regression model, ``(n, k)`` for k
        classes.

        Raises
        ------
        PredictionError
            The model raised.
        MlnbValueError
            The output has another number of rows, is labels where probabilities are
            needed, or is not probabilities; see the message.
        DataValidationError
            The output holds NaN or infinity.
        """
        X = self._prepare(X)
        n = len(X)
        if n == 0:
            raise MlnbValueError(
                f"no rows to predict: the rows given to {self.argument} are empty"
            )
        if n <= CHUNK_ROWS:
            return self._checked(self._invoke(X), n)
        parts = []
        for start in range(0, n, CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, n)
            chunk = X.iloc[start:stop] if hasattr(X, "iloc") else X[start:stop]
            parts.append(self._checked(self._invoke(chunk), stop - start))
        return np.concatenate(parts, axis=0)

    __call__ = scores

    def predict_label(self, X: Any, threshold: float | None = None) -> np.ndarray:
        """Predicted classes: a binary score at ``threshold`` or above is the positive
        class (default 0.5 for probabilities, 0 for decision values); with k classes
        the most probable one (ties: the first)."""
        s = self.scores(X)
        if self.kind != "classification":
            raise MlnbValueError(
                f"{self.argument} is a regression model: it predicts values, not "
                "classes; compare its predictions with a threshold of your own"
            )
        labels = np.asarray(self.classes or tuple(range(max(2, self._width or 2))))
        if s.ndim == 1:
            t = (0.5 if self.probabilistic else 0.0) if threshold is None else threshold
            return labels[[0, -1]][(s >= t).astype(np.intp)]
        return labels[np.argmax(s, axis=1)]

    def _invoke(self, X: Any) -> Any:
        from ..errors import MlnbError

        self.n_calls += 1
        self.n_rows += len(X)
        try:
            return self._call(X)
        except (MlnbError, KeyboardInterrupt):
            raise
        except Exception as exc:  # the model's own failure, reported as such
            if type(exc).__name__ == "NotFittedError":
                raise MlnbValueError(
                    f"{self.argument} is not fitted: call {self.argument}.fit(X, y) "
                    "first, or pass a fitted model"
                ) from exc
            raise PredictionError(
                f"{self.argument} ({self.method}) raised {type(exc).__name__} when "
                f"predicting {len(X):,} rows: {str(exc)[:300]}. Fix the model or the "
                "rows it is given (the data was not changed)"
            ) from exc

    def _checked(self, out: Any, n: int) -> np.ndarray:
        arg = self.argument
        if hasattr(out, "to_numpy"):
            out = out.to_numpy()
        try:
            arr = np.asarray(out)
        except Exception as exc:  # noqa: BLE001 - ragged lists and the like
            raise MlnbValueError(
                f"{arg} returned {type(out).__name__} that is not an array of "
                "predictions; return one number (or one row of class probabilities) "
                "per input row"
            ) from exc
        if arr.ndim == 0 or arr.shape[0] != n:
            got = "a single value" if arr.ndim == 0 else f"{arr.shape[0]:,} rows"
            raise MlnbValueError(
                f"{arg} returned {got} for {n:,} input rows; a model must return one "
                "prediction per row (shape (n,) or (n, classes))"
            )
        if arr.dtype.kind in "OUSb":
            if self.kind == "regression" and arr.dtype.kind == "O":
                with contextlib.suppress(TypeError, ValueError):
                    arr = arr.astype(np.float64)
            if arr.dtype.kind in "OUSb":
                raise MlnbValueError(
                    f"{arg} returned labels ({arr.dtype}), not scores; return class "
                    "probabilities (predict_proba) or, for regression, numbers"
                )
        if arr.ndim > 2 or (arr.ndim == 2 and arr.shape[1] == 0):
            raise MlnbValueError(
                f"{arg} returned shape {arr.shape}; expected (n,) or (n, classes)"
            )
        arr = np.asarray(arr, dtype=np.float64)
        if arr.ndim == 2 and arr.shape[1] == 1:
            arr = arr[:, 0]
        bad = ~np.isfinite(arr) if arr.ndim == 1 else ~np.isfinite(arr).all(axis=1)
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise DataValidationError(
                f"{arg} returned NaN or infinity for {int(bad.sum()):,} of {n:,} rows "
                f"(first at row position {first}); check those rows' values (missing "
                "values the model cannot handle?) or the model"
            )
        width = 1 if arr.ndim == 1 else arr.shape[1]
        if self.kind is None:
            self.kind = self._infer_kind(arr)
        if self.kind == "classification":
            arr = self._as_probabilities(arr)
            width = 1 if arr.ndim == 1 else arr.shape[1]
        elif arr.ndim == 2:
            raise MlnbValueError(
                f"{arg} is a regression model but returned {arr.shape[1]} columns; "
                "return one value per row (pass model_type='classification' for "
                "class probabilities)"
            )
        if self._width is None:
            self._width = width
            if self.kind == "classification" and not self.classes:
                self.classes = tuple(range(2 if width == 1 else width))
        elif self._width != width:
            raise MlnbValueError(
                f"{arg} returned {width} column(s) here and {self._width} before; a "
                "model must return the same shape on every call"
            )
        return arr

    def _infer_kind(self, arr: np.ndarray) -> str:
        if arr.ndim == 2:
            return "classification"
        inside = bool(((arr >= 0) & (arr <= 1)).all())
        return "classification" if inside else "regression"

    def _as_probabilities(self, arr: np.ndarray) -> np.ndarray:
        arg = self.argument
        if not self.probabilistic:  # decision values: any real number
            if arr.ndim == 2 and arr.shape[1] == 2:
                return arr[:, 1] - arr[:, 0]
            return arr
        if ((arr < 0) | (arr > 1)).any():
            raise MlnbValueError(
                f"{arg} returned values outside [0, 1] "
                f"({arr.min():.4g} to {arr.max():.4g}) for a classifier; return class "
                "probabilities, or pass model_type='regression' for a regression model"
            )
        if arr.ndim == 1:
            if np.isin(arr, (0.0, 1.0)).all() and len(arr) > 1:
                raise MlnbValueError(
                    f"{arg} returned only 0 and 1: labels, not probabilities. Return "
                    "the probability of the positive class (predict_proba(X)[:, 1]), "
                    "or pass model_type='regression' if these are regression values"
                )
            return arr
        sums = arr.sum(axis=1)
        if np.abs(sums - 1.0).max() > _SUM_TOL:
            raise MlnbValueError(
                f"{arg} returned {arr.shape[1]} columns whose rows do not sum to 1 "
                f"(from {sums.min():.4g} to {sums.max():.4g}); return class "
                "probabilities (softmax), one column per class"
            )
        if arr.shape[1] == 2:
            return arr[:, 1]
        return arr

    def __repr__(self) -> str:
        return f"<Predictor {self.method} ({self.kind or 'kind not known yet'})>"


def _as_classes(classes: Any, argument: str) -> tuple | None:
    if classes is None:
        return None
    try:
        out = tuple(np.asarray(list(classes)).tolist())
    except TypeError as exc:
        raise MlnbValueError(
            f"classes must be a sequence of class labels for {argument}; got "
            f"{type(classes).__name__}"
        ) from exc
    if len(set(out)) != len(out):
        raise MlnbValueError(f"classes for {argument} repeat a label: {list(out)!r}")
    return out


def _require_fitted(model: Any, argument: str) -> None:
    if not _is_sklearn(model):
        return
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(model)
    except NotFittedError as exc:
        raise MlnbValueError(
            f"{argument} ({type(model).__name__}) is not fitted: call "
            f"{argument}.fit(X, y) first, or pass a fitted model"
        ) from exc
    except TypeError:
        return
