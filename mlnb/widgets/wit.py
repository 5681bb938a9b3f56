"""A What-If Tool compatible builder: WIT notebooks port by changing their import.

::

    # from witwidget.notebook.visualization import WitConfigBuilder, WitWidget
    from mlnb import WitConfigBuilder, WitWidget

    config_builder = (
        WitConfigBuilder(examples[:2000])
        .set_custom_predict_fn(predict)
        .set_target_feature("income")
        .set_label_vocab(["<=50K", ">50K"])
    )
    WitWidget(config_builder, height=800)

:class:`WitConfigBuilder` keeps the What-If Tool's builder methods (names, arguments,
defaults, chaining: every setter returns the builder) and turns what they set into the
arguments of :class:`mlnb.WhatIf` (:meth:`WitConfigBuilder.to_whatif_kwargs`);
:func:`WitWidget` builds that widget. What the examples may be:

* a list of dicts (WIT's JSON examples), every dict with the same keys;
* a list of lists with ``feature_names`` (WIT's JSON lists);
* a table — a pandas or polars DataFrame, a pyarrow Table or a dict of columns (an
  mlnb extension);
* a list of ``tf.train.Example`` protos (when TensorFlow is installed).

The custom predict function is called as WIT calls it: with a list of examples in the
form they were given (dicts, lists, or ``tf.train.Example`` protos; rows of a
DataFrame arrive as dicts), **without the target feature** (WIT leaves it out of JSON
examples; mlnb does so for protos too — parse it with a default or leave it out of
your feature spec), and it returns one list of class scores per example
(classification) or one number per example (regression), or WIT's dict form
``{"predictions": [...], ...}`` (its other keys, such as attributions, are not used:
``mlnb.explain`` computes attributions). ``set_label_vocab`` names the class indices;
the target feature may hold the indices or the names.

``set_custom_distance_fn`` gives the nearest counterfactual WIT's
``distance_fn(example, examples, params)``. WIT's model-serving setters (TF Serving,
TF Estimators, AI Platform) raise an
:class:`~mlnb.errors.MlnbError` that says what to do instead: mlnb calls the model
inside the kernel, so wrap any served model in a predict function.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import MlnbError, MlnbValueError

__all__ = [
    "WitConfigBuilder",
    "WitWidget",
    "ExamplePredictFunction",
    "ExampleDistanceFunction",
]

MODEL_TYPES = ("classification", "regression")

# what each unsupported WIT setter should be replaced with
_PREDICT_FN_FIX = (
    "mlnb calls the model inside the kernel: wrap it in a function that takes a list "
    "of examples and returns their scores, and pass it to set_custom_predict_fn "
    "(or pass the model itself to mlnb.WhatIf)"
)
_SERVING = (
    "TF Serving is not queried by mlnb; "
    + _PREDICT_FN_FIX
    + " — e.g. a function that posts the examples to the model server's REST "
    "predict endpoint and returns the 'predictions' of the answer"
)
_ESTIMATOR = (
    "tf.estimator was removed from TensorFlow (2.16); pass a predict function to "
    "set_custom_predict_fn, or a Keras model or scikit-learn pipeline to mlnb.WhatIf"
)
_CLOUD = (
    "cloud-hosted models are not queried by mlnb; "
    + _PREDICT_FN_FIX
    + " — e.g. lambda examples: endpoint.predict(instances=examples).predictions "
    "with a Vertex AI Endpoint"
)
_UNSUPPORTED = {
    "set_inference_address": _SERVING,
    "set_model_version": _SERVING,
    "set_model_signature": _SERVING,
    "set_uses_predict_api": _SERVING,
    "set_predict_input_tensor": _SERVING,
    "set_predict_output_tensor": _SERVING,
    "set_compare_inference_address": _SERVING.replace(
        "set_custom_predict_fn", "set_compare_custom_predict_fn"
    ),
    "set_compare_model_version": _SERVING.replace(
        "set_custom_predict_fn", "set_compare_custom_predict_fn"
    ),
    "set_compare_model_signature": _SERVING.replace(
        "set_custom_predict_fn", "set_compare_custom_predict_fn"
    ),
    "set_estimator_and_feature_spec": _ESTIMATOR,
    "set_compare_estimator_and_feature_spec": _ESTIMATOR.replace(
        "set_custom_predict_fn", "set_compare_custom_predict_fn"
    ).replace("to mlnb.WhatIf", "to mlnb.WhatIf(compare=...)"),
    "set_ai_platform_model": _CLOUD,
    "set_uai_platform_model": _CLOUD,
    "set_compare_ai_platform_model": _CLOUD.replace(
        "set_custom_predict_fn", "set_compare_custom_predict_fn"
    ),
    "set_compare_uai_platform_model": _CLOUD.replace(
        "set_custom_predict_fn", "set_compare_custom_predict_fn"
    ),
}


def _unsupported(name: str) -> Callable[..., Any]:
    def setter(self: WitConfigBuilder, *args: Any, **kwargs: Any) -> WitConfigBuilder:
        raise MlnbError(
            f"WitConfigBuilder.{name}() is not supported by mlnb: {_UNSUPPORTED[name]}"
        )

    setter.__name__ = name
    setter.__qualname__ = f"WitConfigBuilder.{name}"
    setter.__doc__ = (
        f"Not supported (WIT compatibility): raises MlnbError. {_UNSUPPORTED[name]}."
    )
    return setter


# -- examples -------------------------------------------------------------------------
def _is_table(obj: Any) -> bool:
    from ..core.frames import is_table

    return is_table(obj)


def _frame_of_dicts(examples: Sequence[Any]) -> Any:
    import pandas as pd

    keys = list(examples[0])
    first = set(keys)
    for i, ex in enumerate(examples):
        if not isinstance(ex, Mapping):
            raise MlnbValueError(
                f"examples: example {i} is a {type(ex).__name__} but example 0 is a "
                "dict; give every example the same form (all dicts, all lists, or "
                "all tf.train.Example)"
            )
        if ex.keys() != first:
            missing = [k for k in keys if k not in ex]
            extra = [k for k in ex if k not in first]
            parts = []
            if missing:
                parts.append(f"lacks {', '.join(map(repr, missing[:10]))}")
            if extra:
                parts.append(f"has {', '.join(map(repr, extra[:10]))} in addition")
            raise MlnbValueError(
                f"examples: example {i} has other keys than example 0 "
                f"({' and '.join(parts)}); every example must have the same features "
                "— add the missing ones (None for a missing value) or drop the extras"
            )
    frame = pd.DataFrame.from_records(list(examples), columns=keys)
    for k in keys:  # only object columns can hold lists
        col = frame[k]
        if col.dtype != object:
            continue
        multi = col.map(lambda v: isinstance(v, list | tuple | np.ndarray)).to_numpy()
        if multi.any():
            i = int(np.flatnonzero(multi)[0])
            raise MlnbValueError(
                f"examples: feature {k!r} of example {i} is a list "
                f"({len(col.iat[i])} values); the What-If widget edits one value per "
                "feature — give it a single value"
            )
    return frame


def _frame_of_lists(examples: Sequence[Any], feature_names: Any) -> Any:
    import pandas as pd

    width = len(examples[0])
    for i, ex in enumerate(examples):
        if not isinstance(ex, list | tuple):
            raise MlnbValueError(
                f"examples: example {i} is a {type(ex).__name__} but example 0 is a "
                "list; give every example the same form"
            )
        if len(ex) != width:
            raise MlnbValueError(
                f"examples: example {i} has {len(ex)} values but example 0 has "
                f"{width}; every example must list the same features"
            )
    if feature_names:
        names = list(feature_names)
        if len(names) != width:
            raise MlnbValueError(
                f"feature_names has {len(names)} names but each example lists "
                f"{width} values; give one name per value"
            )
    else:  # WIT names list positions "0", "1", ...
        names = [str(i) for i in range(width)]
    if len(set(names)) != len(names):
        raise MlnbValueError(
            f"feature_names repeat a name: {names!r}; give each position its own name"
        )
    return pd.DataFrame.from_records([list(ex) for ex in examples], columns=names)


def _read_examples(examples: Any, feature_names: Any) -> tuple[Any, str, Any]:
    """(DataFrame, form, tf.Example schema or None); form is "dict", "list",
    "frame" or "proto"."""
    from ..core.frames import to_pandas

    if _is_table(examples):
        frame = to_pandas(examples, role="examples")
        if len(frame) == 0:
            raise MlnbValueError("examples: the DataFrame has no rows; pass some rows")
        return frame, "frame", None
    if isinstance(examples, str | bytes) or not isinstance(
        examples, Sequence | np.ndarray
    ):
        raise MlnbValueError(
            "examples must be a list of dicts, a list of lists (with feature_names), "
            "a list of tf.train.Example or a DataFrame; got "
            f"{type(examples).__name__}"
        )
    examples = list(examples)
    if not examples:
        raise MlnbValueError("examples: got an empty list; pass at least one example")
    first = examples[0]
    if isinstance(first, Mapping):
        return _frame_of_dicts(examples), "dict", None
    if isinstance(first, list | tuple):
        return _frame_of_lists(examples, feature_names), "list", None
    from ..integrations import tfexample

    if tfexample.is_tf_example(first) or tfexample.is_sequence_example(first):
        frame, schema = tfexample.examples_to_frame(examples, argument="examples")
        return frame, "proto", schema
    raise MlnbValueError(
        f"examples: example 0 is a {type(first).__name__}; pass dicts, lists (with "
        "feature_names), tf.train.Example protos or a DataFrame"
    )


# -- the predict function -------------------------------------------------------------
class ExamplePredictFunction:
    """A WIT custom predict function seen as a function of a DataFrame's rows.

    Called with a pandas DataFrame (the feature columns), it hands the user's
    function the rows as WIT would (dicts, lists in ``columns`` order whatever the
    order of ``X``'s columns, or ``tf.train.Example`` protos) and returns their
    scores as an array: ``(n, k)`` class scores or ``(n,)`` regression values. It
    checks what WIT's contract requires (one result per example, one list of class
    scores per example for a classifier, as many scores as ``label_vocab`` names);
    :class:`Predictor` checks the rest (finite, probabilities).
    """

    def __init__(
        self,
        fn: Callable[[list[Any]], Any],
        *,
        form: str,
        model_type: str,
        label_vocab: Sequence[Any] = (),
        schema: Any = None,
        setter: str = "set_custom_predict_fn",
        columns: Sequence[Any] | None = None,
    ) -> None:
        self.fn = fn
        self.columns = None if columns is None else list(columns)
        self.form = form
        self.model_type = model_type
        self.label_vocab = tuple(label_vocab)
        self.schema = schema
        self.setter = setter
        self.__name__ = getattr(fn, "__name__", type(fn).__name__)

    def examples(self, X: Any) -> list[Any]:
        """The rows of ``X`` in the form the user's function takes."""
        if self.form == "proto":
            from ..integrations.tfexample import frame_to_examples

            return frame_to_examples(X, self.schema)
        if self.form == "list" and self.columns is not None:
            X = X[self.columns]  # list positions follow the examples' feature order
        columns = list(X.columns)
        values = [X[c].tolist() for c in columns]
        if self.form == "list":
            return [list(row) for row in zip(*values)] if columns else [[]] * len(X)
        return [dict(zip(columns, row)) for row in zip(*values)]

    def __call__(self, X: Any) -> np.ndarray:
        n = len(X)
        out = self.fn(self.examples(X))
        what = f"the function given to {self.setter}"
        if isinstance(out, Mapping):
            if "predictions" not in out:
                raise MlnbValueError(
                    f"{what} returned a dict without 'predictions' (keys: "
                    f"{', '.join(map(repr, list(out)[:10]))}); return the scores, or "
                    "{'predictions': scores, ...} as WIT allows"
                )
            out = out["predictions"]
        try:
            arr = np.asarray(out, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise MlnbValueError(
                f"{what} returned {type(out).__name__} that is not a list of numbers "
                f"({str(exc)[:120]}); return "
                + (
                    "one list of class scores per example, e.g. [[0.8, 0.2], ...]"
                    if self.model_type == "classification"
                    else "one number per example"
                )
            ) from None
        rows = arr.shape[0] if arr.ndim else 0
        if arr.ndim == 0 or rows != n:
            raise MlnbValueError(
                f"{what} returned {rows if arr.ndim else 'a single value'} results "
                f"for {n:,} examples; it must return one result per example, in the "
                "order given"
            )
        if self.model_type == "classification":
            if arr.ndim != 2:
                raise MlnbValueError(
                    f"{what} returned one number per example but the model type is "
                    "classification, which needs one list of class scores per example "
                    "(e.g. [[0.8, 0.2], ...]); return the scores of every class, or "
                    "call set_model_type('regression')"
                )
            if self.label_vocab and arr.shape[1] != len(self.label_vocab):
                raise MlnbValueError(
                    f"{what} returned {arr.shape[1]} class scores per example but "
                    f"label_vocab names {len(self.label_vocab)} classes "
                    f"({list(self.label_vocab)!r}); give set_label_vocab one name per "
                    "class score, in the order of the scores"
                )
        else:
            if arr.ndim == 2 and arr.shape[1] == 1:
                arr = arr[:, 0]
            if arr.ndim != 1:
                raise MlnbValueError(
                    f"{what} returned {arr.shape[1]} numbers per example but the model "
                    "type is regression, which needs one number per example; return "
                    "one number each, or call set_model_type('classification')"
                )
        return arr

    def __repr__(self) -> str:
        return f"<ExamplePredictFunction {self.__name__} ({self.form} examples)>"


class ExampleDistanceFunction:
    """A WIT custom distance function seen as mlnb's ``f(row, rows) -> distances``.

    WIT calls ``distance_fn(selected_example, examples, params)`` and expects one
    distance per example; here both come in the form the examples were given
    (dicts, lists, or ``tf.train.Example`` protos; DataFrame rows as dicts) and
    ``params`` is an empty dict (WIT filled it from its own settings panel).
    """

    def __init__(self, fn: Callable[..., Any], *, form: str, schema: Any = None):
        self.fn = fn
        self._rows = ExamplePredictFunction(
            fn, form=form, model_type="regression", schema=schema
        )
        self.__name__ = getattr(fn, "__name__", type(fn).__name__)

    def __call__(self, row: Any, rows: Any) -> Any:
        one = row.to_frame().T.astype(rows.dtypes.to_dict(), errors="ignore")
        return self.fn(self._rows.examples(one)[0], self._rows.examples(rows), {})


# -- the builder ----------------------------------------------------------------------
class WitConfigBuilder:
    """The What-If Tool's configuration builder, for mlnb's :class:`~mlnb.WhatIf`.

    Parameters
    ----------
    examples:
        The data points: a list of dicts (one key per feature, the same keys in
        each), a list of lists with ``feature_names``, a DataFrame, or a list of
        ``tf.train.Example``.
    feature_names:
        Names of the positions of list examples (default ``"0"``, ``"1"``, ...).

    Every setter returns the builder, so calls chain as in WIT. The model type starts
    as ``"classification"`` and the label vocabulary empty, as in WIT.

    Examples
    --------
    >>> from mlnb.widgets.wit import WitConfigBuilder
    >>> rows = [{"age": 30, "y": 0}, {"age": 60, "y": 1}]
    >>> b = WitConfigBuilder(rows).set_target_feature("y").set_custom_predict_fn(
    ...     lambda exs: [[1 - e["age"] / 100, e["age"] / 100] for e in exs]
    ... )
    >>> kw = b.to_whatif_kwargs()
    >>> kw["label"], kw["features"]
    ('y', ['age'])
    >>> kw["model_or_predict_fn"].scores(kw["data"][kw["features"]]).round(2).tolist()
    [0.3, 0.6]
    """

    def __init__(self, examples: Any, feature_names: Sequence[str] | None = None):
        self.config: dict[str, Any] = {}
        # the model names the user set (WIT's defaults "1" and "2" are not shown:
        # the widget names each model by its predict function instead)
        self._named: set[str] = set()
        self.set_model_type("classification")
        self.set_label_vocab([])
        self.set_examples(examples, feature_names)

    # WIT's plumbing
    def build(self) -> dict[str, Any]:
        """The settings made so far, under WIT's keys (``examples``,
        ``model_type``, ``label_vocab``, ``custom_predict_fn``, ...)."""
        return self.config

    def store(self, key: str, value: Any) -> None:
        """Set one setting (WIT's low-level method)."""
        self.config[key] = value

    def delete(self, key: str) -> None:
        """Remove one setting (WIT's low-level method)."""
        self.config.pop(key, None)

    # the setters WIT notebooks use
    def set_examples(
        self, examples: Any, feature_names: Sequence[str] | None = None
    ) -> WitConfigBuilder:
        """The data points to show (see the class docstring for the forms).

        Raises
        ------
        MlnbValueError
            No examples, examples of different forms or keys, a feature holding
            several values, or ``feature_names`` that do not match list examples.
        """
        frame, form, schema = _read_examples(examples, feature_names)
        self._frame, self._form, self._schema = frame, form, schema
        self.store("examples", examples)
        if feature_names:
            self.store("feature_names", list(feature_names))
        else:
            self.delete("feature_names")
        self.store("uses_json_input", form in ("dict", "list"))
        self.store("uses_json_list", form == "list")
        return self

    def set_model_type(self, model: str) -> WitConfigBuilder:
        """``"classification"`` (the default) or ``"regression"``."""
        if model not in MODEL_TYPES:
            raise MlnbValueError(
                f"set_model_type: model must be 'classification' or 'regression'; "
                f"got {model!r}"
            )
        self.store("model_type", model)
        return self

    def set_custom_predict_fn(
        self, predict_fn: Callable[[list], Any]
    ) -> WitConfigBuilder:
        """The model: a function taking a list of examples and returning one list of
        class scores per example (classification) or one number per example
        (regression)."""
        self._check_callable(predict_fn, "set_custom_predict_fn")
        self.store("custom_predict_fn", predict_fn)
        if "model_name" not in self.config:
            self.store("model_name", "1")  # WIT's default (not a name the user chose)
        return self

    def set_compare_custom_predict_fn(
        self, predict_fn: Callable[[list], Any]
    ) -> WitConfigBuilder:
        """A second model to compare with the first (the same contract)."""
        self._check_callable(predict_fn, "set_compare_custom_predict_fn")
        self.store("compare_custom_predict_fn", predict_fn)
        if "model_name_2" not in self.config:
            self.store("model_name_2", "2")  # WIT's default
        return self

    def set_target_feature(self, target: str) -> WitConfigBuilder:
        """The feature holding the true label (or value): the widget's ``label``,
        left out of the examples handed to the predict functions."""
        self._check_target(target)
        self.store("target_feature", target)
        return self

    def set_label_vocab(self, vocab: Sequence[Any]) -> WitConfigBuilder:
        """Names of the class indices, e.g. ``["<=50K", ">50K"]``: the name at
        position ``i`` is the class whose score the predict function returns at
        position ``i``."""
        if isinstance(vocab, str | bytes) or not isinstance(
            vocab, Sequence | np.ndarray
        ):
            raise MlnbValueError(
                f"set_label_vocab: vocab must be a list of class names, one per class "
                f"index; got {type(vocab).__name__}"
            )
        vocab = list(vocab)
        if len(set(map(str, vocab))) != len(vocab):
            raise MlnbValueError(
                f"set_label_vocab: the names repeat ({vocab!r}); give each class its "
                "own name"
            )
        self.store("label_vocab", vocab)
        return self

    def set_custom_distance_fn(
        self, distance_fn: Callable[..., Any] | None
    ) -> WitConfigBuilder:
        """The nearest counterfactual's distance: ``distance_fn(example, examples,
        params)`` returning one distance per example (see
        :class:`ExampleDistanceFunction`); ``None`` goes back to the built-in L1."""
        if distance_fn is None:
            self.delete("custom_distance_fn")
            return self
        if not callable(distance_fn):
            raise MlnbValueError(
                f"set_custom_distance_fn: distance_fn must be a function "
                f"f(example, examples, params) -> distances; got "
                f"{type(distance_fn).__name__}"
            )
        self.store("custom_distance_fn", distance_fn)
        return self

    def set_model_name(self, name: str) -> WitConfigBuilder:
        """The first model's name (shown where two models are compared)."""
        self.store("model_name", name)
        self._named.add("model_name")
        return self

    def set_compare_model_name(self, name: str) -> WitConfigBuilder:
        """The second model's name."""
        self.store("model_name_2", name)
        self._named.add("model_name_2")
        return self

    def has_model_name(self) -> bool:
        return "model_name" in self.config

    def has_compare_model_name(self) -> bool:
        return "model_name_2" in self.config

    def set_multi_class(self, multiclass: bool) -> WitConfigBuilder:
        """Whether the model has more than two classes (kept for WIT compatibility:
        mlnb reads it from the number of class scores)."""
        self.store("multiclass", bool(multiclass))
        return self

    def set_max_classes_to_display(self, max_classes: int) -> WitConfigBuilder:
        """Kept for WIT compatibility (the widget shows every class's score)."""
        if not isinstance(max_classes, int | np.integer) or max_classes < 1:
            raise MlnbValueError(
                f"set_max_classes_to_display: max_classes must be a positive int; got "
                f"{max_classes!r}"
            )
        self.store("max_classes", int(max_classes))
        return self

    # -- to mlnb ---------------------------------------------------------------------
    @staticmethod
    def _check_callable(fn: Any, setter: str) -> None:
        if not callable(fn):
            raise MlnbValueError(
                f"{setter}: predict_fn must be a function taking a list of examples; "
                f"got {type(fn).__name__}. Pass the function itself, not its result"
            )

    def _check_target(self, target: Any) -> None:
        from ..core.frames import get_column

        get_column(self._frame, target, role="target_feature")

    @property
    def examples_frame(self) -> Any:
        """The examples as a pandas DataFrame (the target feature included)."""
        return self._frame

    def _feature_columns(self) -> list[Any]:
        target = self.config.get("target_feature")
        return [c for c in self._frame.columns if target is None or c != target]

    def _predictor(self, key: str, setter: str) -> Any:
        from ..checks.predictor import Predictor

        fn = self.config.get(key)
        if fn is None:
            return None
        model_type = self.config["model_type"]
        vocab = self.config.get("label_vocab") or ()
        wrapped = ExamplePredictFunction(
            fn,
            form="dict" if self._form == "frame" else self._form,
            model_type=model_type,
            label_vocab=vocab,
            schema=self._schema,
            setter=setter,
            columns=self._feature_columns(),
        )
        classes = list(vocab) if (vocab and model_type == "classification") else None
        argument = (
            "custom_predict_fn"
            if key == "custom_predict_fn"
            else ("compare_custom_predict_fn")
        )
        return Predictor.of(
            wrapped, model_type=model_type, classes=classes, argument=argument
        )

    def _label_frame(self, target: Any) -> Any:
        """The examples with the target column in the classes' names where a label
        vocabulary maps class indices to names."""
        frame = self._frame
        vocab = self.config.get("label_vocab") or []
        if target is None or self.config["model_type"] != "classification":
            return frame
        col = frame[target]
        values = col.dropna().unique().tolist()
        if vocab:
            names = set(vocab)
            if all(v in names for v in values):
                return frame
            ints = all(
                isinstance(v, int | np.integer | bool | np.bool_)
                or (isinstance(v, float) and v.is_integer())
                for v in values
            )
            if ints and all(0 <= int(v) < len(vocab) for v in values):
                out = frame.copy(deep=False)
                out[target] = col.map(
                    lambda v: v if v is None or v != v else vocab[int(v)]
                )
                return out
            odd = [v for v in values if v not in names][:5]
            raise MlnbValueError(
                f"target_feature {target!r} holds {odd!r}, which are neither names in "
                f"label_vocab ({vocab!r}) nor class indices 0..{len(vocab) - 1}; make "
                "the target hold one of them"
            )
        if any(isinstance(v, str | bytes) for v in values):
            shown = sorted(map(str, values))[:5]
            raise MlnbValueError(
                f"target_feature {target!r} holds names ({shown!r}) but no "
                "label_vocab says which class score each one is; call "
                "set_label_vocab([...]) with the names in the order of the predict "
                "function's class scores"
            )
        return frame

    def to_whatif_kwargs(self) -> dict[str, Any]:
        """The arguments of :class:`mlnb.WhatIf` these settings stand for.

        Returns
        -------
        dict
            ``model_or_predict_fn`` (a :class:`~mlnb.checks.predictor.Predictor`
            over the custom predict function), ``data`` (the examples as a pandas
            DataFrame, the target in the label vocabulary's names), ``label`` (the
            target feature or None), ``features`` (every other column) and
            ``compare`` (the compare function's Predictor or None), ``model_type``,
            and ``distance`` when a custom distance function is set.

        Raises
        ------
        MlnbValueError
            No custom predict function, a target feature that is not among the
            examples' features, or a target whose values the label vocabulary does
            not name.
        """
        model = self._predictor("custom_predict_fn", "set_custom_predict_fn")
        if model is None:
            raise MlnbValueError(
                "no model to probe: call set_custom_predict_fn(fn) with a function "
                "taking a list of examples and returning their scores (mlnb's What-If "
                "widget needs a model; it does not query TF Serving or AI Platform)"
            )
        target = self.config.get("target_feature")
        if target is not None:
            self._check_target(target)
        data = self._label_frame(target)
        features = self._feature_columns()
        kwargs = {
            "model_or_predict_fn": model,
            "data": data,
            "label": target,
            "features": features,
            "compare": self._predictor(
                "compare_custom_predict_fn", "set_compare_custom_predict_fn"
            ),
            "model_type": self.config["model_type"],
        }
        if kwargs["compare"] is not None and self._named:
            first = self.config.get("model_name", "1")
            second = self.config.get("model_name_2", "2")
            if str(first).strip() != str(second).strip():
                kwargs["model_names"] = (str(first), str(second))
        distance_fn = self.config.get("custom_distance_fn")
        if distance_fn is not None:
            kwargs["distance"] = ExampleDistanceFunction(
                distance_fn,
                form="dict" if self._form == "frame" else self._form,
                schema=self._schema,
            )
        return kwargs

    def __repr__(self) -> str:
        keys = ", ".join(k for k in self.config if k != "examples")
        return f"<WitConfigBuilder: {len(self._frame):,} {self._form} examples; {keys}>"


# WIT's setters for served models: not supported, each says what to do instead
for _name in _UNSUPPORTED:
    setattr(WitConfigBuilder, _name, _unsupported(_name))
del _name


def WitWidget(  # noqa: N802 - WIT's name, a class there
    config_builder: WitConfigBuilder,
    height: int = 1000,
    delay_rendering: bool = False,
    **options: Any,
) -> Any:
    """mlnb's What-If widget for a :class:`WitConfigBuilder` (WIT's ``WitWidget``).

    Parameters
    ----------
    config_builder:
        The builder with the examples and the predict function(s).
    height:
        Height of the widget in pixels (default 1000, as in WIT).
    delay_rendering:
        Accepted for WIT compatibility; the widget renders when the cell shows it.
    **options:
        More keyword arguments of :class:`mlnb.WhatIf` (``sensitive=``,
        ``max_points=``).

    Returns
    -------
    mlnb.WhatIf
    """
    from .whatif import WhatIf

    if not isinstance(config_builder, WitConfigBuilder):
        raise MlnbValueError(
            f"WitWidget: config_builder must be a WitConfigBuilder; got "
            f"{type(config_builder).__name__}. Build one with "
            "WitConfigBuilder(examples).set_custom_predict_fn(fn)"
        )
    if not isinstance(height, int | np.integer) or height <= 0:
        raise MlnbValueError(
            f"WitWidget: height must be a positive number of pixels; got {height!r}"
        )
    kwargs = config_builder.to_whatif_kwargs()
    clash = sorted(set(options) & set(kwargs))
    if clash:
        raise MlnbValueError(
            f"WitWidget: {', '.join(clash)} come from the config builder; set them "
            "there (set_target_feature, set_custom_predict_fn, ...) instead"
        )
    model = kwargs.pop("model_or_predict_fn")
    data = kwargs.pop("data")
    widget = WhatIf(model, data, **kwargs, **options)
    layout = getattr(widget, "layout", None)
    if layout is not None:
        layout.height = f"{int(height)}px"
    return widget
