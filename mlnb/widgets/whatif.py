"""``WhatIf``: What-If probing of a model (step 6) as an interactive widget.

Tabs: the data as a scatter (a labelled random sample above ``max_points``), a
datapoint editor that re-runs inference on an edited row, the nearest
counterfactual, partial dependence (PDP for the data, ICE for the selected point),
performance and per-group thresholds for a sensitive feature, and per-example
attributions. A second model (``compare=``) is shown beside the first.

The widget never computes a metric itself: every number comes from the public
functions (:class:`mlnb.checks.predictor.Predictor` for inference,
:func:`mlnb.checks.whatif.nearest_counterfactual`,
:func:`mlnb.checks.whatif.partial_dependence`,
:func:`mlnb.checks.whatif.fair_thresholds`, :func:`mlnb.thresholds`,
:func:`mlnb.explain`). Only the sample's coordinates and small aggregates reach the
browser, never the whole data. Edits live in the widget's own copy of the data;
the user's frame is never modified.
"""

from __future__ import annotations

import math
import numbers
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anywidget
import numpy as np
import traitlets as t

from ..checklist.result import PROTOCOL_VERSION, _now
from ..core import frames
from ..core.jsonsafe import jsonable
from ..errors import MlnbError, MlnbValueError
from ..render import html as H
from .assets import widget_css, widget_esm
from .fallback import StaticFallback
from .quiet import QuietWrites

__all__ = ["WhatIf", "STRATEGIES", "TABS"]

#: The tabs, in the order the view shows them.
TABS = (
    "datapoints",
    "editor",
    "counterfactual",
    "pdp",
    "performance",
    "attributions",
)

#: How the thresholds are set: ``"manual"`` (the slider) or one of
#: :func:`~mlnb.checks.whatif.fair_thresholds`' strategies (WIT's four plus the
#: lowest expected cost).
STRATEGIES = (
    "manual",
    "single",
    "demographic_parity",
    "equal_opportunity",
    "equal_accuracy",
    "lowest_cost",
)

#: Rows per batch of the partial dependence over the data (one progress step each).
PDP_CHUNK_ROWS = 2_000
#: Rows the partial dependence averages over by default (a random sample above it;
#: ``pdp_rows=None`` averages over every row).
PDP_DEFAULT_ROWS = 5_000
#: Reference rows of the attributions (a fixed random sample of the data).
BACKGROUND_ROWS = 100
#: Most categories a categorical feature offers in the editor's dropdown.
MAX_OPTIONS = 200
#: Edit history entries kept for the view.
HISTORY_SHOWN = 50
#: Operating points sent for the ROC and precision-recall curves.
CURVE_POINTS = 101

_NONE = "none"
_DERIVED = (
    "prediction",
    "label",
    "correct",
    "error",
    "compare_prediction",
    "disagree",
)


@dataclass
class _Feature:
    """One column the widget knows: ``fid`` is its id in traits."""

    fid: str
    name: Any  # the user's column name (any hashable)
    kind: str  # "numeric" | "categorical" | "boolean"
    integer: bool
    categories: list  # categorical: the values seen (strings as shown)
    is_model_feature: bool


def _text(name: Any) -> str:
    """A column name or value as people read it."""
    if isinstance(name, tuple):
        return " / ".join(str(p) for p in name)
    return str(name)


def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


class WhatIf(QuietWrites, StaticFallback, anywidget.AnyWidget):
    """Probe a model visually: edit a point and re-infer, find its nearest
    counterfactual, see partial dependence, choose per-group thresholds.

    Parameters
    ----------
    model_or_predict_fn:
        A fitted scikit-learn estimator or pipeline, a Keras model, or a function
        taking a pandas DataFrame of feature rows and returning probabilities (or
        values, for regression) — anything :class:`~mlnb.checks.predictor.Predictor`
        accepts.
    data:
        The rows to probe (pandas or polars DataFrame, pyarrow Table, dict of
        arrays). The widget works on its own copy.
    label:
        The true label: a column name of ``data`` or the values (optional; the
        performance tab needs it).
    features:
        The columns the model takes (default: every column but ``label``).
    sensitive:
        A column of ``data`` whose groups get their own thresholds.
    compare:
        A second model, shown beside the first everywhere: its predictions in
        the editor, its partial dependence, its curves and metrics, and where
        the two disagree.
    max_points:
        Most points the scatter draws; above it a random sample (seed
        ``random_state``) is drawn and its size said on screen.
    positive_label:
        The positive class of a binary classifier (default: the model's second
        class, else 1/True).
    threshold:
        The decision threshold (``score >= threshold`` predicts positive).
    distance:
        The counterfactual's distance: ``"l1"``, ``"l2"`` or a callable.
    pdp_rows:
        Rows the partial dependence averages over (a labelled random sample above
        it); ``None`` for every row.
    model_type:
        ``"classification"`` or ``"regression"`` when a plain function's output
        leaves it open.
    classes:
        The class labels of a classifier function, in the order of its
        probability columns (default ``0..k-1``).
    random_state:
        Seed of the scatter's and the partial dependence's samples.
    model_names:
        What the view calls the two models when ``compare`` is given (a pair of
        different texts). Default: their class names (a pipeline's last step, a
        function's name) when those differ, else ``("model 1", "model 2")``.

    Attributes
    ----------
    tab : str
        The tab shown (one of :data:`TABS`).
    selected : int
        The selected row (an id of the widget's copy; -1 for none).
    x_axis, y_axis, color_by, facet_by : str
        What the scatter draws (ids from ``axis_options``).
    threshold, cost_ratio : float
        The decision threshold and the cost of a false positive per false negative.
    strategy : str
        How the thresholds are set: ``"manual"`` (the slider, one threshold for
        every group) or a strategy of :func:`~mlnb.checks.whatif.fair_thresholds`
        (``"single"``, ``"demographic_parity"``, ``"equal_opportunity"``,
        ``"equal_accuracy"``, ``"lowest_cost"``). Moving the slider sets
        ``"manual"``.
    points, row, counterfactual, pdp, performance, attributions : dict
        What the view draws (JSON-safe, bounded in size).
    error : str
        What went wrong last (a model that raised, a refused edit); "" when fine.

    Examples
    --------
    >>> from mlnb.widgets.whatif import WhatIf
    >>> w = WhatIf(model, df, label="y", sensitive="sex")  # doctest: +SKIP
    >>> w.select(12); w.edit("age", 45)  # doctest: +SKIP
    >>> w.row["prediction"]  # doctest: +SKIP
    """

    _esm = widget_esm("whatif")
    _css = widget_css("whatif", prefix="mlnb-wi")

    # -- set by the view (or Python) ------------------------------------------------
    tab = t.Enum(TABS, default_value="datapoints").tag(sync=True)
    selected = t.Int(-1).tag(sync=True)
    x_axis = t.Unicode("").tag(sync=True)
    y_axis = t.Unicode("").tag(sync=True)
    color_by = t.Unicode(_NONE).tag(sync=True)
    facet_by = t.Unicode(_NONE).tag(sync=True)
    threshold = t.Float(0.5).tag(sync=True)
    cost_ratio = t.Float(1.0).tag(sync=True)
    strategy = t.Enum(STRATEGIES, default_value="manual").tag(sync=True)
    cf_distance = t.Unicode("l1").tag(sync=True)
    pdp_feature = t.Unicode("").tag(sync=True)
    action = t.Dict().tag(
        sync=True
    )  # {"op": ..., "feature": ..., "value": ..., "n": k}

    # -- written by the observers ---------------------------------------------------
    info = t.Dict().tag(sync=True)
    axis_options = t.List().tag(sync=True)
    points = t.Dict().tag(sync=True)
    sample = t.Dict().tag(sync=True)
    row = t.Dict().tag(sync=True)
    history = t.List().tag(sync=True)
    counterfactual = t.Dict().tag(sync=True)
    pdp = t.Dict().tag(sync=True)
    progress = t.Dict().tag(sync=True)
    performance = t.Dict().tag(sync=True)
    attributions = t.Dict().tag(sync=True)
    status = t.Unicode("info").tag(sync=True)
    summary = t.Unicode("").tag(sync=True)
    error = t.Unicode("").tag(sync=True)

    def __init__(
        self,
        model_or_predict_fn: Any,
        data: Any,
        *,
        label: Any = None,
        features: Any = None,
        sensitive: Any = None,
        compare: Any = None,
        max_points: int = 5000,
        positive_label: Any = None,
        threshold: float = 0.5,
        distance: str | Callable = "l1",
        pdp_rows: int | None = PDP_DEFAULT_ROWS,
        model_type: str | None = None,
        classes: Any = None,
        random_state: int = 0,
        model_names: Any = None,
    ) -> None:
        import pandas as pd

        from ..checks.predictor import Predictor

        if not isinstance(max_points, numbers.Integral) or max_points < 1:
            raise MlnbValueError(
                f"max_points must be a whole number >= 1; got {max_points!r}. Pass "
                "e.g. max_points=5000 (the most points the scatter draws)."
            )
        if pdp_rows is not None and (
            not isinstance(pdp_rows, numbers.Integral) or pdp_rows < 1
        ):
            raise MlnbValueError(
                f"pdp_rows must be a whole number >= 1 or None (every row); got "
                f"{pdp_rows!r}"
            )
        if not (isinstance(distance, str) and distance in ("l1", "l2")) and not (
            callable(distance)
        ):
            raise MlnbValueError(
                f"distance must be 'l1', 'l2' or a function of two rows; got "
                f"{distance!r}"
            )
        if not frames.is_table(data):
            raise MlnbValueError(
                "data must be a table (pandas or polars DataFrame, pyarrow Table, "
                f"dict of arrays); got {type(data).__name__}. Pass the rows to "
                "probe: WhatIf(model, df, label='y')."
            )
        table = frames.to_pandas(data, role="data")
        names = list(table.columns)
        n = len(table)
        if n == 0:
            raise MlnbValueError("data has no rows; pass the rows to probe")

        # the label: a column or the values
        y = None
        label_name: Any = None
        if label is not None:
            if frames.is_column_name(table, label):
                label_name = label
                y = np.asarray(frames.get_column(table, label, role="label"))
            else:
                try:
                    y = np.asarray(label)
                except Exception:  # noqa: BLE001 - any failure: say what is expected
                    y = None
                if y is None or y.ndim != 1 or len(y) != n:
                    raise MlnbValueError(
                        f"label must name a column of data or hold one value per "
                        f"row ({n:,}); got {label!r:.80}. Existing columns: "
                        f"{frames.describe_names(names)}"
                    )
                label_name = "label"
        # the model's columns
        if features is None:
            feat_names = [
                c for c in names if label_name is None or not frames.same_name(c, label)
            ]
        else:
            if isinstance(features, str | tuple) or not hasattr(features, "__iter__"):
                features = [features]
            feat_names = list(features)
            for c in feat_names:
                frames.get_column(table, c, role="feature")  # names the bad column
        if not feat_names:
            raise MlnbValueError(
                "no feature columns: data holds only the label. Pass features=[...]"
            )
        groups = None
        sensitive_name = None
        if sensitive is not None:
            groups = np.asarray(
                frames.get_column(table, sensitive, role="sensitive"), dtype=object
            )
            sensitive_name = sensitive

        X = table[feat_names].copy()
        X.index = pd.RangeIndex(n)
        self._user_index = list(table.index[:n]) if n <= 5_000_000 else None
        self._X = X
        self._y = y
        self._label_name = label_name
        self._groups = groups
        self._sensitive_name = sensitive_name
        self._alive = np.ones(n, dtype=bool)
        self._original: dict[int, Any] = {}
        self._ops: list[dict] = []  # the undo stack
        self._edited: set[int] = set()
        self._n_ops = 0
        self._distance = distance
        self._pdp_rows = pdp_rows
        self._max_points = int(max_points)
        self._seed = int(random_state)
        self._pdp_thread: threading.Thread | None = None
        self._perf_thread: threading.Thread | None = None
        self._attr_thread: threading.Thread | None = None
        self._attr_token = 0
        self._perf_lock = threading.Lock()
        self._perf_token = 0
        self._pdp_cancel = threading.Event()
        self._pdp_token = 0
        self._fair = None  # FairThresholds of the chosen strategy
        self._group_results: dict[Any, Any] = {}
        self._overall = None
        self._compare_overall = None
        self._compare_groups: dict[Any, Any] = {}

        self._predictor = Predictor.of(
            model_or_predict_fn,
            model_type=model_type,
            classes=classes,
            argument="model_or_predict_fn",
        )
        self._compare = (
            None
            if compare is None
            else Predictor.of(
                compare, model_type=model_type, classes=classes, argument="compare"
            )
        )
        self._model_fn = model_or_predict_fn
        self._compare_fn = compare
        self._names = _model_names(model_or_predict_fn, compare, model_names)

        # features: kinds and categories
        self._features: list[_Feature] = []
        for i, c in enumerate(feat_names):
            self._features.append(self._describe(f"f{i}", c, X[c], True))
        self._sens_feature = None
        if sensitive is not None and not any(
            frames.same_name(c, sensitive) for c in feat_names
        ):
            col = pd.Series(groups)
            self._sens_feature = self._describe("sensitive", sensitive, col, False)
            self._sens_values = col
        else:
            self._sens_values = None

        # predictions of every row (errors are shown, the widget stays alive)
        first_error = ""
        self._scores = self._compare_scores = None
        try:
            self._scores = self._predictor.scores(X)
        except MlnbError as exc:
            first_error = f"the model could not predict the data: {exc}"
        if self._compare is not None:
            try:
                self._compare_scores = self._compare.scores(X)
            except MlnbError as exc:
                first_error = first_error or (
                    f"the compared model could not predict the data: {exc}"
                )
        self._positive = self._positive_label(positive_label)

        # the attributions' reference rows: a fixed random sample
        rng = np.random.default_rng(self._seed)
        self._background = np.sort(
            rng.choice(n, size=min(n, BACKGROUND_ROWS), replace=False)
        )
        # the scatter's sample: fixed once, so points do not jump while editing
        if n > self._max_points:
            rng = np.random.default_rng(self._seed)
            self._sample = np.sort(rng.choice(n, size=self._max_points, replace=False))
        else:
            self._sample = np.arange(n)

        numeric = [f for f in self._features if f.kind == "numeric"]
        x0 = numeric[0].fid if numeric else self._features[0].fid
        state: dict[str, Any] = {
            "threshold": float(threshold),
            "x_axis": x0,
            "y_axis": "prediction" if self._scores is not None else x0,
            "color_by": "label" if y is not None else "prediction",
            "pdp_feature": x0,
            "cf_distance": distance if isinstance(distance, str) else "custom",
            "error": first_error,
        }
        with self._internal():
            anywidget.AnyWidget.__init__(self, **state)
            with self.hold_sync():
                self.info = self._info()
                self.axis_options = self._axis_options()
                self._refresh_points()
                self._refresh_performance()
                self._refresh_status()

    # -- set-up helpers ---------------------------------------------------------------
    @staticmethod
    def _describe(fid: str, name: Any, col: Any, is_model: bool) -> _Feature:
        import pandas as pd

        dtype = col.dtype
        if pd.api.types.is_bool_dtype(dtype):
            return _Feature(fid, name, "boolean", False, ["False", "True"], is_model)
        if pd.api.types.is_numeric_dtype(dtype):
            integer = pd.api.types.is_integer_dtype(dtype)
            return _Feature(fid, name, "numeric", integer, [], is_model)
        values = pd.Series(col).dropna()
        if isinstance(dtype, pd.CategoricalDtype):
            cats = [str(v) for v in dtype.categories]
        else:
            counts = values.astype(str).value_counts(sort=True)
            cats = sorted(counts.index[:MAX_OPTIONS].tolist())
        return _Feature(fid, name, "categorical", False, cats, is_model)

    def _positive_label(self, positive_label: Any) -> Any:
        p = self._predictor
        if positive_label is not None:
            return positive_label
        classes = getattr(p, "classes", None)
        if classes is not None and len(classes) == 2:
            return classes[1]
        if self._y is not None:
            values = set(np.unique(self._y[: min(len(self._y), 100_000)]).tolist())
            if values <= {0, 1}:
                return 1
            if values <= {False, True}:
                return True
        return 1

    @property
    def _kind(self) -> str:
        """``"binary"``, ``"multiclass"`` or ``"regression"``."""
        s = self._scores
        if getattr(self._predictor, "kind", None) == "regression":
            return "regression"
        if s is not None and s.ndim == 2:
            return "multiclass"
        return "binary"

    def _info(self) -> dict[str, Any]:
        n = len(self._X)
        return jsonable(
            {
                "n_rows": n,
                "kind": self._kind,
                "label_name": None if self._y is None else _text(self._label_name),
                "sensitive_name": None
                if self._sensitive_name is None
                else _text(self._sensitive_name),
                "positive_label": _text(self._positive),
                "has_compare": self._compare is not None,
                "model_name": self._names[0],
                "compare_name": self._names[1],
                "features": [
                    {"id": f.fid, "name": _text(f.name), "kind": f.kind}
                    for f in self._features
                ],
                "explain": True,
            }
        )

    def _axis_options(self) -> list[dict[str, Any]]:
        kind = self._kind
        opts = [{"id": _NONE, "name": "(none)", "kind": "none"}]
        opts += [
            {"id": f.fid, "name": _text(f.name), "kind": _axis_kind(f)}
            for f in self._features
        ]
        if self._sens_feature is not None:
            f = self._sens_feature
            opts.append({"id": f.fid, "name": _text(f.name), "kind": _axis_kind(f)})
        if self._scores is not None:
            name = {
                "binary": f"prediction: P({_text(self._positive)})",
                "multiclass": "predicted class",
                "regression": "prediction",
            }[kind]
            if self._compare_scores is not None:
                # two models: the model's name first (what a narrow select shows)
                name = (
                    f"{self._names[0]}: "
                    + {
                        "binary": f"P({_text(self._positive)})",
                        "multiclass": "predicted class",
                        "regression": "prediction",
                    }[kind]
                )
            opts.append(
                {
                    "id": "prediction",
                    "name": name,
                    "kind": "categorical" if kind == "multiclass" else "numeric",
                }
            )
        if self._compare_scores is not None:
            b = self._names[1]
            opts.append(
                {
                    "id": "compare_prediction",
                    "name": f"{b}: "
                    + {
                        "binary": f"P({_text(self._positive)})",
                        "multiclass": "predicted class",
                        "regression": "prediction",
                    }[kind],
                    "kind": "categorical" if kind == "multiclass" else "numeric",
                }
            )
            if self._scores is not None and kind != "regression":
                opts.append(
                    {
                        "id": "disagree",
                        "name": "agreement of the two models",
                        "kind": "categorical",
                    }
                )
        if self._y is not None:
            opts.append(
                {
                    "id": "label",
                    "name": f"label: {_text(self._label_name)}",
                    "kind": "numeric" if kind == "regression" else "categorical",
                }
            )
            if self._scores is not None:
                if kind != "regression":
                    opts.append(
                        {"id": "correct", "name": "correct?", "kind": "categorical"}
                    )
                opts.append(
                    {
                        "id": "error",
                        "name": "error |label − prediction|"
                        if kind != "multiclass"
                        else "error 1 − P(label)",
                        "kind": "numeric",
                    }
                )
        return opts

    # -- the public Python API --------------------------------------------------------
    @property
    def data(self):
        """The widget's copy of the features, edits and duplicates included and
        deleted rows left out (a pandas DataFrame; the user's frame is never
        modified)."""
        return self._X[self._alive].copy()

    @property
    def predictor(self):
        """The :class:`~mlnb.checks.predictor.Predictor` of the model."""
        return self._predictor

    def predictions(self) -> np.ndarray:
        """The current scores of the rows of :attr:`data` (edits included)."""
        if self._scores is None:
            raise MlnbValueError(f"no predictions: {self.error}")
        return self._scores[self._alive]

    def select(self, row: int) -> None:
        """Select ``row`` (an id of the widget's copy; -1 clears)."""
        self.selected = int(row)

    def edit(self, feature: Any, value: Any, *, row: int | None = None) -> dict:
        """Set ``feature`` of ``row`` (default: the selected row) to ``value`` and
        re-run inference; returns the row as :attr:`row` shows it.

        Raises
        ------
        MlnbValueError
            No row selected, an unknown feature, or a value of the wrong type (the
            message names the feature and the type it expects).
        mlnb.errors.MlnbError
            The model failed on the edited row (the edit is undone).
        """
        pos = self._row_arg(row)
        f = self._feature_arg(feature)
        value = self._coerce(f, value)
        col = self._X.columns.get_loc(f.name)
        old = self._X.iat[pos, col]
        if _same(old, value):
            return dict(self.row)
        before = self._scores_of(pos)
        self._remember(pos)
        self._X.iat[pos, col] = value
        try:
            after = self._infer(pos)
        except MlnbError:
            self._X.iat[pos, col] = old
            raise
        self._push(
            {
                "op": "edit",
                "row": pos,
                "feature": f.fid,
                "feature_name": _text(f.name),
                "old": old,
                "new": value,
                "before": before,
                "after": after,
            }
        )
        self._edited.add(pos)
        self._after_change(pos)
        return dict(self.row)

    def undo(self) -> None:
        """Undo the latest edit, duplicate or delete."""
        if not self._ops:
            raise MlnbValueError("nothing to undo: no edit, duplicate or delete yet")
        op = self._ops.pop()
        pos = op["row"]
        if op["op"] == "edit":
            f = self._feature_arg(op["feature"])
            self._X.iat[pos, self._X.columns.get_loc(f.name)] = op["old"]
            self._set_scores(pos, op["before"])
            if not self._differs_from_original(pos):
                self._edited.discard(pos)
        elif op["op"] == "duplicate":
            self._alive[pos] = False
            self._sample = self._sample[self._sample != pos]
            if self.selected == pos:
                with self._internal():
                    self.selected = op.get("source", -1)
        elif op["op"] == "delete":
            self._alive[pos] = True
            if op.get("in_sample"):
                self._sample = np.sort(np.append(self._sample, pos))
        elif op["op"] == "revert":
            for fid, value in op["values"].items():
                f = self._feature_arg(fid)
                self._X.iat[pos, self._X.columns.get_loc(f.name)] = value
            self._set_scores(pos, op["before"])
            self._edited.add(pos)
        self._after_change(pos if self._alive[pos] else None)

    def revert(self, row: int | None = None) -> None:
        """Put ``row`` (default: the selected row) back to its original values."""
        pos = self._row_arg(row)
        if pos not in self._original or not self._differs_from_original(pos):
            raise MlnbValueError(f"row {pos} has no edits to revert")
        values = {}
        for f in self._features:
            c = self._X.columns.get_loc(f.name)
            values[f.fid] = self._X.iat[pos, c]
        before = self._scores_of(pos)
        orig = self._original[pos]
        for f in self._features:
            c = self._X.columns.get_loc(f.name)
            self._X.iat[pos, c] = orig[f.fid]
        self._set_scores(pos, orig["__scores__"])
        self._edited.discard(pos)
        self._push({"op": "revert", "row": pos, "values": values, "before": before})
        self._after_change(pos)

    def duplicate(self, row: int | None = None) -> int:
        """Copy ``row`` (default: the selected row) as a new point, select it and
        return its id."""
        import pandas as pd

        pos = self._row_arg(row)
        new = len(self._X)
        copy = self._X.iloc[[pos]].copy()
        copy.index = pd.RangeIndex(new, new + 1)
        self._X = pd.concat([self._X, copy])
        self._alive = np.append(self._alive, True)
        if self._y is not None:
            self._y = np.append(self._y, self._y[pos : pos + 1])
        if self._groups is not None:
            self._groups = np.append(self._groups, self._groups[pos : pos + 1])
        if self._sens_values is not None:
            self._sens_values = pd.concat(
                [self._sens_values, self._sens_values.iloc[[pos]]], ignore_index=True
            )
        if self._user_index is not None:
            self._user_index.append(f"copy of {_text(self._user_index[pos])}")
        for attr in ("_scores", "_compare_scores"):
            s = getattr(self, attr)
            if s is not None:
                setattr(self, attr, np.concatenate([s, s[pos : pos + 1]]))
        self._sample = np.append(self._sample, new)
        self._remember(new)
        self._push({"op": "duplicate", "row": new, "source": pos})
        self._edited.add(new)
        with self._internal():
            self.selected = new
        self._after_change(new)
        return new

    def delete(self, row: int | None = None) -> None:
        """Leave ``row`` (default: the selected row) out of the widget's data."""
        pos = self._row_arg(row)
        if self._alive.sum() <= 1:
            raise MlnbValueError("cannot delete the last row")
        self._alive[pos] = False
        in_sample = bool((self._sample == pos).any())
        self._sample = self._sample[self._sample != pos]
        self._push({"op": "delete", "row": pos, "in_sample": in_sample})
        with self._internal():
            self.selected = -1
        self._after_change(None)

    def cancel(self) -> None:
        """Stop the partial dependence being computed (it keeps what it showed)."""
        self._pdp_cancel.set()

    def wait(self, timeout: float | None = None) -> None:
        """Wait for what is computed in the background: the partial dependence,
        the attributions, and the performance metrics an edit refreshes."""
        for th in (self._pdp_thread, self._perf_thread, self._attr_thread):
            if th is not None:
                th.join(timeout)

    # -- argument checks --------------------------------------------------------------
    def _row_arg(self, row: int | None) -> int:
        pos = self.selected if row is None else row
        if not isinstance(pos, numbers.Integral) or isinstance(pos, bool):
            raise MlnbValueError(f"row must be a row id (an int); got {pos!r}")
        pos = int(pos)
        if pos < 0:
            raise MlnbValueError(
                "no point selected: click a point in the Datapoints tab, or pass "
                "row=… (a row id of the widget's data)"
            )
        if pos >= len(self._X) or not self._alive[pos]:
            raise MlnbValueError(
                f"row {pos} is not in the widget's data (0..{len(self._X) - 1}, "
                "deleted rows left out)"
            )
        return pos

    def _feature_arg(self, feature: Any) -> _Feature:
        for f in self._features:
            if f.fid == feature:
                return f
        for f in self._features:
            if frames.same_name(f.name, feature):
                return f
        names = ", ".join(repr(f.name) for f in self._features[:20])
        raise MlnbValueError(
            f"unknown feature {feature!r}; the model's features are {names}"
            + (" …" if len(self._features) > 20 else "")
        )

    def _coerce(self, f: _Feature, value: Any) -> Any:
        """``value`` as the column holds it, or a message naming the feature and
        the expected type."""
        name = _text(f.name)
        if f.kind == "numeric":
            v = value
            if isinstance(v, str):
                s = v.strip()
                try:
                    v = float(s) if s else None
                except ValueError:
                    v = None
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or v is None:
                raise MlnbValueError(
                    f"feature {name!r} expects a number; got {value!r} "
                    f"({type(value).__name__}). Type a number such as 42."
                )
            v = float(v)
            if not math.isfinite(v):
                raise MlnbValueError(
                    f"feature {name!r} expects a finite number; got {value!r}"
                )
            if f.integer:
                if not v.is_integer():
                    raise MlnbValueError(
                        f"feature {name!r} expects a whole number (an integer "
                        f"column); got {value!r}. Type e.g. {int(round(v))}."
                    )
                return int(v)
            return v
        if f.kind == "boolean":
            if isinstance(value, bool | np.bool_):
                return bool(value)
            if isinstance(value, str) and value.strip().lower() in ("true", "false"):
                return value.strip().lower() == "true"
            raise MlnbValueError(
                f"feature {name!r} expects True or False; got {value!r} "
                f"({type(value).__name__})"
            )
        # categorical
        if not isinstance(value, str | numbers.Number) or isinstance(value, bool):
            raise MlnbValueError(
                f"feature {name!r} expects a category (text); got {value!r} "
                f"({type(value).__name__})"
            )
        col = self._X[f.name]
        import pandas as pd

        if isinstance(col.dtype, pd.CategoricalDtype):
            cats = {str(c): c for c in col.dtype.categories}
            if str(value) not in cats:
                shown = ", ".join(repr(c) for c in list(cats)[:12])
                raise MlnbValueError(
                    f"feature {name!r} expects one of its categories ({shown}"
                    f"{' …' if len(cats) > 12 else ''}); got {value!r}"
                )
            return cats[str(value)]
        # an object/string column: match an existing value's type where we can
        sample = col.dropna()
        if len(sample) and not isinstance(sample.iloc[0], str):
            for v in sample.unique()[:MAX_OPTIONS]:
                if str(v) == str(value):
                    return v
            raise MlnbValueError(
                f"feature {name!r} expects one of its values "
                f"({', '.join(repr(v) for v in sample.unique()[:12])}); got {value!r}"
            )
        return str(value)

    # -- inference --------------------------------------------------------------------
    def _infer(self, pos: int) -> dict[str, Any]:
        """Re-run both models on row ``pos``; returns the new scores."""
        rows = self._X.iloc[[pos]]
        out: dict[str, Any] = {}
        if self._scores is None:
            raise MlnbValueError(f"the model has no predictions: {self.error}")
        s = self._predictor.scores(rows)
        out["main"] = np.asarray(s)[0]
        if self._compare is not None and self._compare_scores is not None:
            out["compare"] = np.asarray(self._compare.scores(rows))[0]
        self._set_scores(pos, out)
        return out

    def _scores_of(self, pos: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self._scores is not None:
            out["main"] = np.array(self._scores[pos], copy=True)
        if self._compare_scores is not None:
            out["compare"] = np.array(self._compare_scores[pos], copy=True)
        return out

    def _set_scores(self, pos: int, scores: dict[str, Any]) -> None:
        if "main" in scores and self._scores is not None:
            self._scores[pos] = scores["main"]
        if "compare" in scores and self._compare_scores is not None:
            self._compare_scores[pos] = scores["compare"]

    def _remember(self, pos: int) -> None:
        if pos in self._original:
            return
        orig = {
            f.fid: self._X.iat[pos, self._X.columns.get_loc(f.name)]
            for f in self._features
        }
        orig["__scores__"] = self._scores_of(pos)
        self._original[pos] = orig

    def _differs_from_original(self, pos: int) -> bool:
        orig = self._original.get(pos)
        if orig is None:
            return False
        return any(
            not _same(orig[f.fid], self._X.iat[pos, self._X.columns.get_loc(f.name)])
            for f in self._features
        )

    def _push(self, op: dict) -> None:
        self._n_ops += 1
        op["n"] = self._n_ops
        self._ops.append(op)

    def _after_change(self, pos: int | None) -> None:
        """Refresh what an edit, duplicate, delete or undo changes."""
        with self._internal(), self.hold_sync():
            self.error = ""
            self.history = self._history()
            self._refresh_points()
            self._refresh_row()
            if self.tab == "performance":
                self._refresh_performance(background=True)
            else:
                self._perf_dirty = True
            if self.tab == "counterfactual":
                self._refresh_counterfactual()
            if self.tab in ("editor", "attributions"):
                self._refresh_attributions()
            if self.tab == "pdp":
                self._refresh_ice()
            self._refresh_status()

    _perf_dirty = False

    # -- derived traits ---------------------------------------------------------------
    def _thresholds_of(self, rows: Any) -> Any:
        """The decision threshold of each of ``rows``: its group's when a strategy
        chose per-group thresholds, else the slider's (a number)."""
        if self._fair is None or self._groups is None:
            return self.threshold
        codes, uniques = self._group_codes()
        per = self._per_group
        # a threshold per group (the last for a missing group), looked up by code
        table = np.array(
            [per.get(v, self.threshold) for v in uniques] + [self.threshold],
            dtype=np.float64,
        )
        return table[codes[rows]]

    def _group_codes(self) -> tuple[np.ndarray, list]:
        """Each row's group as a code into the groups (-1: missing), computed once
        per groups array (a duplicate makes a new one)."""
        import pandas as pd

        cache = getattr(self, "_group_cache", None)
        if cache is None or cache[0] is not self._groups:
            codes, uniques = pd.factorize(pd.Series(self._groups, dtype=object))
            cache = (self._groups, np.asarray(codes), list(uniques))
            self._group_cache = cache
        return cache[1], cache[2]

    def _predicted_labels(self, rows: np.ndarray) -> np.ndarray:
        """The predicted class names of ``rows`` of a binary classifier, each at
        its own threshold (:meth:`_thresholds_of`)."""
        positive = self._scores[rows] >= self._thresholds_of(rows)
        yes, no = _text(self._positive), f"not {_text(self._positive)}"
        classes = getattr(self._predictor, "classes", None)
        if classes is not None and len(classes) == 2:
            yes, no = _text(classes[1]), _text(classes[0])
        return np.where(positive, yes, no).astype(object)

    def _threshold_note(self, pos: int, other: int) -> dict[str, Any]:
        """Which threshold decided each side of a counterfactual (per-group
        thresholds): the two rows' groups and thresholds, and the strategy."""
        t = np.ravel(self._thresholds_of(np.array([pos, other])))
        return {
            "strategy": self.strategy,
            "group": _text(_plain(self._groups[pos])),
            "threshold": float(t[0]),
            "other_group": _text(_plain(self._groups[other])),
            "other_threshold": float(t[1]),
        }

    def _prediction(self, scores: Any, pos: int | None = None) -> dict[str, Any]:
        """A prediction as the editor shows it (at row ``pos``'s threshold when
        given, else the slider's)."""
        if scores is None:
            return {}
        s = np.asarray(scores, dtype=float)
        kind = self._kind
        if kind == "regression":
            return {"score": float(s), "label": None, "text": _fmt(float(s))}
        if kind == "multiclass":
            classes = getattr(self._predictor, "classes", None) or list(range(len(s)))
            k = int(np.argmax(s))
            return {
                "score": float(s[k]),
                "label": _text(classes[k]),
                "text": f"{_text(classes[k])} ({float(s[k]):.1%})",
                "probs": [
                    {"label": _text(classes[i]), "p": float(s[i])}
                    for i in np.argsort(-s, kind="stable")[:4]
                ],
            }
        p = float(s)
        threshold = self.threshold
        if pos is not None and pos < len(self._alive):
            threshold = float(np.ravel(self._thresholds_of(np.array([pos])))[0])
        positive = p >= threshold
        label = _text(self._positive) if positive else f"not {_text(self._positive)}"
        classes = getattr(self._predictor, "classes", None)
        if classes is not None and len(classes) == 2:
            label = _text(classes[1] if positive else classes[0])
        return {
            "score": p,
            "label": label,
            "text": f"P({_text(self._positive)}) = {p:.3f} → {label}",
        }

    def _history(self) -> list[dict[str, Any]]:
        out = []
        for op in self._ops[-HISTORY_SHOWN:]:
            item: dict[str, Any] = {"n": op["n"], "op": op["op"], "row": op["row"]}
            if op["op"] == "edit":
                item.update(
                    feature=op["feature_name"],
                    old=_plain(op["old"]),
                    new=_plain(op["new"]),
                    before=self._prediction(op["before"].get("main"), op["row"]).get(
                        "text"
                    ),
                    after=self._prediction(op["after"].get("main"), op["row"]).get(
                        "text"
                    ),
                )
                if op["after"].get("compare") is not None:
                    item["compare_after"] = self._prediction(
                        op["after"]["compare"], op["row"]
                    ).get("text")
            elif op["op"] == "duplicate":
                item["source"] = op["source"]
            out.append(item)
        return jsonable(out[::-1])

    def _row_label(self, pos: int) -> str:
        if self._user_index is not None and pos < len(self._user_index):
            return _text(self._user_index[pos])
        return str(pos)

    def _refresh_row(self) -> None:
        pos = self.selected
        if pos < 0 or pos >= len(self._X) or not self._alive[pos]:
            self.row = {}
            return
        orig = self._original.get(pos)
        feats = []
        for f in self._features:
            value = self._X.iat[pos, self._X.columns.get_loc(f.name)]
            item = {
                "id": f.fid,
                "name": _text(f.name),
                "kind": f.kind,
                "integer": f.integer,
                "value": _plain(value),
            }
            if f.kind != "numeric":
                opts = list(f.categories)
                if str(_plain(value)) not in opts:
                    opts.append(str(_plain(value)))
                item["options"] = opts
            if orig is not None and not _same(orig[f.fid], value):
                item["original"] = _plain(orig[f.fid])
            feats.append(item)
        out: dict[str, Any] = {
            "id": pos,
            "index_label": self._row_label(pos),
            "features": feats,
            "edited": pos in self._edited,
            "can_undo": bool(self._ops),
            "can_revert": self._differs_from_original(pos),
        }
        if self._scores is not None:
            out["prediction"] = self._prediction(self._scores[pos], pos)
            if orig is not None and orig["__scores__"].get("main") is not None:
                out["original_prediction"] = self._prediction(
                    orig["__scores__"]["main"], pos
                )
        if self._compare_scores is not None:
            out["compare_prediction"] = self._prediction(self._compare_scores[pos], pos)
            if orig is not None and orig["__scores__"].get("compare") is not None:
                out["compare_original_prediction"] = self._prediction(
                    orig["__scores__"]["compare"], pos
                )
        if self._y is not None:
            out["label"] = _text(_plain(self._y[pos]))
        if self._groups is not None:
            out["group"] = _text(_plain(self._groups[pos]))
        self.row = jsonable(out)

    def _axis_values(self, aid: str, rows: np.ndarray) -> tuple[str, Any, list]:
        """``(kind, values, categories)`` of axis ``aid`` for ``rows``: numbers, or
        category codes with their names."""
        import pandas as pd

        if aid == _NONE:
            return "none", None, []
        feature = next((f for f in self._features if f.fid == aid), None)
        if feature is None and self._sens_feature is not None and aid == "sensitive":
            feature = self._sens_feature
            col = self._sens_values.iloc[rows]
        elif feature is not None:
            col = self._X[feature.name].iloc[rows]
        else:
            return self._derived_values(aid, rows)
        if feature.kind == "numeric":
            return "numeric", col.to_numpy(dtype=float, na_value=np.nan), []
        text = col.astype(object).where(col.notna(), "missing").astype(str)
        cats = list(feature.categories)
        seen = set(cats)
        for v in pd.unique(text.to_numpy()):
            if v not in seen:
                cats.append(v)
                seen.add(v)
        codes = pd.Categorical(text, categories=cats).codes
        return "categorical", codes, cats

    def _derived_values(self, aid: str, rows: np.ndarray) -> tuple[str, Any, list]:
        import pandas as pd

        kind = self._kind

        def main(scores):
            s = scores[rows]
            if kind == "multiclass":
                classes = getattr(self._predictor, "classes", None) or list(
                    range(s.shape[1])
                )
                names = [_text(c) for c in classes]
                return "categorical", np.argmax(s, axis=1), names
            return "numeric", s.astype(float), []

        if aid == "prediction" and self._scores is not None:
            return main(self._scores)
        if aid == "compare_prediction" and self._compare_scores is not None:
            return main(self._compare_scores)
        if (
            aid == "disagree"
            and self._scores is not None
            and self._compare_scores is not None
        ):
            a, b = self._scores[rows], self._compare_scores[rows]
            if kind == "multiclass":
                same = np.argmax(a, axis=1) == np.argmax(b, axis=1)
            else:  # each model at the row's own threshold
                t = self._thresholds_of(rows)
                same = (a >= t) == (b >= t)
            return "categorical", np.where(same, 0, 1), ["agree", "disagree"]
        if aid == "label" and self._y is not None:
            y = self._y[rows]
            if kind == "regression":
                return "numeric", y.astype(float), []
            text = pd.Series(y, dtype=object).astype(str)
            cats = self._label_categories()
            return "categorical", pd.Categorical(text, categories=cats).codes, cats
        if (
            aid in ("correct", "error")
            and self._y is not None
            and self._scores is not None
        ):
            y = self._y[rows]
            s = self._scores[rows]
            if kind == "regression":
                err = np.abs(y.astype(float) - s)
                return "numeric", err, []
            if kind == "multiclass":
                classes = list(getattr(self._predictor, "classes", None) or [])
                lookup = {c: i for i, c in enumerate(classes)}
                idx = np.array([lookup.get(v, -1) for v in y.tolist()])
                p_true = np.where(
                    idx >= 0, s[np.arange(len(s)), np.maximum(idx, 0)], 0.0
                )
                if aid == "error":
                    return "numeric", 1.0 - p_true, []
                right = np.argmax(s, axis=1) == idx
            else:
                truth = y == self._positive
                if aid == "error":
                    return "numeric", np.abs(truth.astype(float) - s), []
                right = (s >= self._thresholds_of(rows)) == truth
            return "categorical", np.where(right, 0, 1), ["correct", "wrong"]
        return "none", None, []

    def _label_categories(self) -> list[str]:
        """The label's values as text, sorted (computed once: edits never change
        labels, duplicates copy them)."""
        import pandas as pd

        if getattr(self, "_label_cats", None) is None:
            text = pd.Series(pd.unique(pd.Series(self._y, dtype=object)), dtype=object)
            self._label_cats = sorted(text.astype(str).unique().tolist())
        return self._label_cats

    def scatter_points(self):
        """The points the scatter draws (the sample), decoded: a pandas DataFrame
        with ``row`` and, per drawn axis, ``x``, ``y``, ``color``, ``facet``
        (numbers, or the category names)."""
        import pandas as pd

        pts = self.points
        out = {"row": np.frombuffer(pts["row"], dtype="<i4").astype(np.int64)}
        for key in ("x", "y", "color", "facet"):
            kind = pts[f"{key}_kind"]
            if kind == "none":
                continue
            v = np.frombuffer(pts[key], dtype="<f4").astype(np.float64)
            if kind == "categorical":
                cats = np.asarray(pts[f"{key}_categories"], dtype=object)
                out[key] = cats[v.astype(np.int64)]
            else:
                out[key] = v
        return pd.DataFrame(out)

    def _refresh_points(self) -> None:
        rows = self._sample[self._alive[self._sample]]
        n_alive = int(self._alive.sum())
        # compact arrays, sent as binary buffers: row ids as int32, coordinates
        # (and category codes) as float32, NaN where a value is missing
        out: dict[str, Any] = {"row": np.asarray(rows, dtype="<i4").tobytes()}
        for key, aid in (
            ("x", self.x_axis),
            ("y", self.y_axis),
            ("color", self.color_by),
            ("facet", self.facet_by),
        ):
            kind, values, cats = self._axis_values(aid, rows)
            out[f"{key}_kind"] = kind
            out[f"{key}_categories"] = cats
            if values is None:
                out[key] = b""
            else:
                out[key] = np.asarray(values, dtype="<f4").tobytes()
        out["edited"] = sorted(int(r) for r in self._edited if self._alive[r])
        self.points = out
        n_shown = len(rows)
        sampled = n_shown < n_alive
        text = (
            f"showing {n_shown:,} of {n_alive:,} rows, random sample, seed {self._seed}"
            if sampled
            else f"showing all {n_alive:,} rows"
        )
        self.sample = {
            "n_rows": n_alive,
            "n_shown": n_shown,
            "sampled": sampled,
            "seed": self._seed,
            "text": text,
        }

    # -- counterfactual ---------------------------------------------------------------
    def _refresh_counterfactual(self) -> None:
        pos = self.selected
        if pos < 0 or not self._alive[pos]:
            self.counterfactual = {}
            return
        if self._scores is None:
            self.counterfactual = {"error": self.error}
            return
        from ..checks.whatif import nearest_counterfactual

        alive = np.flatnonzero(self._alive)
        X = self._X.iloc[alive]
        distance = self._distance
        if self.cf_distance in ("l1", "l2"):
            distance = self.cf_distance
        per_group = self._fair is not None and self._groups is not None
        if self._kind == "binary":
            # "prediction differs" at each row's own threshold: its group's when a
            # strategy chose per-group thresholds, else the slider's
            predictions, threshold = self._predicted_labels(alive), None
        else:
            predictions, threshold = self._scores[alive], self.threshold
        try:
            res = nearest_counterfactual(
                self._predictor,
                X,
                pos,
                distance=distance,
                predictions=predictions,
                threshold=threshold,
            )
        except MlnbError as exc:
            self.counterfactual = {"row": pos, "error": str(exc)}
            return
        other = int(res.index)
        changed = {_text(c) for c in res.changed}
        table = []
        for f in self._features:
            c = self._X.columns.get_loc(f.name)
            a, b = self._X.iat[pos, c], self._X.iat[other, c]
            table.append(
                {
                    "feature": _text(f.name),
                    "selected": _plain(a),
                    "counterfactual": _plain(b),
                    "differs": _text(f.name) in changed,
                }
            )
        self.counterfactual = jsonable(
            {
                "row": pos,
                "other": other,
                "other_label": self._row_label(other),
                "distance": float(res.distance),
                "metric": distance if isinstance(distance, str) else "custom",
                "n_changed": len(changed),
                "table": table,
                "prediction": self._prediction(self._scores[pos], pos),
                "other_prediction": self._prediction(self._scores[other], other),
                "compare_prediction": None
                if self._compare_scores is None
                else self._prediction(self._compare_scores[pos], pos),
                "other_compare_prediction": None
                if self._compare_scores is None
                else self._prediction(self._compare_scores[other], other),
                "thresholds": self._threshold_note(pos, other) if per_group else None,
                "label": None if self._y is None else _text(_plain(self._y[pos])),
                "other_true_label": None
                if self._y is None
                else _text(_plain(self._y[other])),
            }
        )

    # -- partial dependence -----------------------------------------------------------
    def _pdp_feature(self) -> _Feature | None:
        return next((f for f in self._features if f.fid == self.pdp_feature), None)

    def _pdp_grid(self, f: _Feature) -> Any:
        """The grid for ``f`` over every row, as :func:`partial_dependence` builds
        it (so the batches of rows share one grid); whole numbers for an integer
        column."""
        from ..checks.whatif.dependence import feature_grid

        col = self._X[f.name][self._alive]
        grid, _ = feature_grid(col, categorical=f.kind != "numeric")
        if f.integer:
            # an integer column holds whole numbers only: the grid says which
            grid = np.unique(np.round(np.asarray(grid, dtype=np.float64)))
        return grid

    def _refresh_ice(self) -> None:
        """ICE of the selected point on the current grid (one small batch)."""
        pdp = dict(self.pdp)
        f = self._pdp_feature()
        pos = self.selected
        if (
            not pdp.get("grid_values")
            or f is None
            or _text(f.name) != pdp.get("feature")
        ):
            return
        pdp.pop("ice", None)
        pdp.pop("compare_ice", None)
        if pos >= 0 and self._alive[pos]:
            from ..checks.whatif import partial_dependence

            grid = self._grid_cache
            try:
                r = partial_dependence(
                    self._predictor,
                    self._X.iloc[[pos]],
                    f.name,
                    grid=grid,
                    kind="individual",
                )
                pdp["ice"] = _curve(r.individual[0], self._kind)
                if self._compare is not None and self._compare_scores is not None:
                    r2 = partial_dependence(
                        self._compare,
                        self._X.iloc[[pos]],
                        f.name,
                        grid=grid,
                        kind="individual",
                    )
                    pdp["compare_ice"] = _curve(r2.individual[0], self._kind)
                pdp["ice_row"] = pos
            except MlnbError as exc:
                pdp["ice_error"] = str(exc)
        self.pdp = jsonable(pdp)

    def _start_pdp(self) -> None:
        """Compute the PDP of ``pdp_feature`` over the data in the background, in
        batches of rows, with progress; a new request or cancel() stops the old."""
        f = self._pdp_feature()
        if f is None or self._scores is None:
            self.pdp = {"error": self.error} if self._scores is None else {}
            return
        self._pdp_cancel.set()
        if self._pdp_thread is not None:
            self._pdp_thread.join()
        self._pdp_cancel = threading.Event()
        self._pdp_token += 1
        token = self._pdp_token
        try:
            grid = self._pdp_grid(f)
        except MlnbError as exc:
            self.pdp = {"feature": _text(f.name), "error": str(exc)}
            return
        self._grid_cache = grid
        alive = np.flatnonzero(self._alive)
        rows = alive
        sampled = False
        if self._pdp_rows is not None and len(alive) > self._pdp_rows:
            rng = np.random.default_rng(self._seed)
            rows = np.sort(rng.choice(alive, size=self._pdp_rows, replace=False))
            sampled = True
        chunks = [
            rows[i : i + PDP_CHUNK_ROWS] for i in range(0, len(rows), PDP_CHUNK_ROWS)
        ]
        base = {
            "feature": _text(f.name),
            "categorical": f.kind != "numeric",
            "grid_values": [_plain(g) for g in np.asarray(grid, dtype=object)],
            "n_rows": len(rows),
            "n_total": len(alive),
            "sampled": sampled,
            "seed": self._seed,
            "kind": self._kind,
        }
        self.progress = {
            "task": f"partial dependence of {_text(f.name)}",
            "done": 0,
            "total": len(chunks),
            "running": True,
        }
        cancel = self._pdp_cancel
        X = self._X
        model, compare = (
            self._predictor,
            (self._compare if self._compare_scores is not None else None),
        )

        def job() -> None:
            from ..checks.whatif import partial_dependence

            sums = None
            csums = None
            done_rows = 0
            try:
                for k, chunk in enumerate(chunks):
                    if cancel.is_set():
                        self.progress = {
                            **self.progress,
                            "running": False,
                            "cancelled": True,
                        }
                        return
                    part = X.iloc[chunk]
                    r = partial_dependence(model, part, f.name, grid=grid)
                    a = np.asarray(r.average, dtype=float) * len(chunk)
                    sums = a if sums is None else sums + a
                    if compare is not None:
                        r2 = partial_dependence(compare, part, f.name, grid=grid)
                        a2 = np.asarray(r2.average, dtype=float) * len(chunk)
                        csums = a2 if csums is None else csums + a2
                    done_rows += len(chunk)
                    self.progress = {
                        **self.progress,
                        "done": k + 1,
                        "running": k + 1 < len(chunks),
                    }
            except MlnbError as exc:
                if token == self._pdp_token:
                    with self.hold_sync():
                        self.pdp = {**base, "error": str(exc)}
                        self.progress = {**self.progress, "running": False}
                return
            if token != self._pdp_token:
                return
            out = {**base, "average": _curve(sums / done_rows, self._kind)}
            if csums is not None:
                out["compare_average"] = _curve(csums / done_rows, self._kind)
            with self.hold_sync():
                self.pdp = jsonable(out)
                self._refresh_ice()

        self.pdp = jsonable({**base, "pending": True})
        th = threading.Thread(target=job, name="mlnb-whatif-pdp", daemon=True)
        self._pdp_thread = th
        th.start()

    # -- performance & fairness -------------------------------------------------------
    def _performance_missing(self) -> str:
        if self._y is None:
            return (
                "No label: pass label='column' (or the true values) to WhatIf to see "
                "the confusion matrix, ROC and PR curves and per-group thresholds."
            )
        if self._scores is None:
            return f"No predictions: {self.error}"
        if self._kind == "regression":
            return (
                "Performance & fairness needs a binary classifier; this model is a "
                "regression."
            )
        if self._kind == "multiclass":
            return (
                "Performance & fairness needs a binary classifier; this model has "
                f"{self._scores.shape[1]} classes."
            )
        return ""

    def _refresh_performance(self, *, background: bool = False) -> None:
        """Recompute the curves and per-group results over every row; with
        ``background=True`` (after an edit) in a thread, so the edit answers at
        once and the metrics follow."""
        self._perf_dirty = False
        missing = self._performance_missing()
        if missing:
            self.performance = {"available": False, "missing": missing}
            return
        alive = self._alive.copy()
        inputs = (
            alive,
            self._y[alive] == self._positive,
            self._scores[alive].copy(),
            None
            if self._compare_scores is None
            else self._compare_scores[alive].copy(),
            None if self._groups is None else self._groups[alive],
            self.threshold,
        )
        self._perf_token += 1
        if not background:
            self._install_performance(self._compute_performance(*inputs))
            self._apply_strategy()
            return
        token = self._perf_token

        def job() -> None:
            computed = self._compute_performance(*inputs)
            with self._perf_lock:
                if token != self._perf_token:
                    return  # a newer refresh is on its way
                self._install_performance(computed)
                self._apply_strategy(move_slider=False)
                self._refresh_status()

        th = threading.Thread(target=job, name="mlnb-whatif-performance", daemon=True)
        self._perf_thread = th
        th.start()

    def _install_performance(self, computed: tuple) -> None:
        base, overall, comp, group_results, compare_groups = computed
        if overall is None:
            self._perf_base = None
            self.performance = base
            return
        self._overall = overall
        self._compare_overall = comp
        self._group_results = group_results
        self._compare_groups = compare_groups
        self._perf_base = base

    def _compute_performance(self, alive, y, s, s2, groups, threshold) -> tuple:
        """``(base, overall, compare, group_results, compare_groups)`` from
        :func:`mlnb.thresholds` over all rows and each group, for the model and
        the compared one (no trait written)."""
        from ..checks.imbalance import thresholds

        try:
            overall = thresholds(y, s, threshold=threshold, publish=False)
        except MlnbError as exc:
            return {"available": False, "missing": str(exc)}, None, None, {}, {}
        out: dict[str, Any] = {
            "available": True,
            "positive_label": _text(self._positive),
            "roc_auc": overall.roc_auc,
            "average_precision": overall.average_precision,
            "prevalence": overall.prevalence,
            "curve": overall.curve_points(n=CURVE_POINTS),
            "n": int(alive.sum()),
        }
        comp = None
        if s2 is not None:
            try:
                comp = thresholds(y, s2, threshold=threshold, publish=False)
                out["compare"] = {
                    "roc_auc": comp.roc_auc,
                    "average_precision": comp.average_precision,
                    "curve": comp.curve_points(n=CURVE_POINTS),
                }
            except MlnbError as exc:
                out["compare"] = {"error": str(exc)}
        group_results: dict[Any, Any] = {}
        compare_groups: dict[Any, Any] = {}
        group_note = ""
        if groups is not None:
            values = _group_values(groups)
            if len(values) < 2:
                group_note = (
                    f"sensitive feature {_text(self._sensitive_name)!r} has one group "
                    f"({values[0] if values else 'none'}): per-group thresholds need "
                    "at least two groups"
                )
            else:
                for v in values:
                    m = groups == v
                    try:
                        group_results[v] = thresholds(
                            y[m], s[m], threshold=threshold, publish=False
                        )
                    except MlnbError as exc:
                        group_note = f"group {_text(v)!r}: {exc}"
                        group_results[v] = None
                    if comp is not None and group_results[v] is not None:
                        try:
                            compare_groups[v] = thresholds(
                                y[m], s2[m], threshold=threshold, publish=False
                            )
                        except MlnbError:
                            compare_groups[v] = None
        else:
            group_note = (
                "no sensitive feature: pass sensitive='column' for per-group thresholds"
            )
        out["group_note"] = group_note
        return out, overall, comp, group_results, compare_groups

    def _apply_strategy(self, *, move_slider: bool = True) -> None:
        """The thresholds of the chosen strategy — the slider's for ``"manual"``,
        else :func:`fair_thresholds`' per group (one threshold of lowest cost
        without a sensitive feature) — then the metrics at them. The slider
        follows a single chosen threshold unless ``move_slider`` is false (a
        background refresh must not set traits that have observers)."""
        base = getattr(self, "_perf_base", None)
        if not base or not base.get("available"):
            return
        out = dict(base)
        strategy = self.strategy
        fair_error = ""
        self._fair = None
        alive = self._alive
        groups_ok = len(self._group_results) >= 2 and all(
            r is not None for r in self._group_results.values()
        )
        overall_t: float | None = self.threshold
        per_group: dict[Any, float] = dict.fromkeys(self._group_results, self.threshold)
        if strategy != "manual" and groups_ok:
            from ..checks.whatif import fair_thresholds

            try:
                fair = fair_thresholds(
                    self._y[alive] == self._positive,
                    self._scores[alive],
                    self._groups[alive],
                    strategy=strategy,
                    cost_ratio=self.cost_ratio,
                    publish=False,
                )
                self._fair = fair
                per_group = {g: float(v) for g, v in fair.thresholds.items()}
                values = set(per_group.values())
                overall_t = values.pop() if len(values) == 1 else None
                out["gap"] = fair.gap
                out["constraint"] = fair.constraint
                out["fair_status"] = fair.status
                out["fair_summary"] = fair.summary
            except MlnbError as exc:
                fair_error = str(exc)
        elif strategy in ("single", "lowest_cost") and self._overall is not None:
            # no groups: one threshold of lowest cost (cost_ratio = FP / FN)
            overall_t = self._overall.best_threshold(
                cost_fn=1.0, cost_fp=self.cost_ratio
            ).threshold
            per_group = dict.fromkeys(self._group_results, overall_t)
        elif strategy != "manual":
            fair_error = (
                f"{strategy.replace('_', ' ')} needs a sensitive feature with at "
                "least two groups, each holding both classes; showing the slider's "
                "threshold"
            )
        if move_slider and overall_t is not None and overall_t != self.threshold:
            with self._internal():
                self.threshold = float(overall_t)
        out["strategy"] = strategy
        out["fair_error"] = fair_error
        out["overall_threshold"] = overall_t
        if self._overall is not None and overall_t is not None:
            out["overall"] = _point(self._overall.at(overall_t))
            if self._compare_overall is not None:
                out["compare_at"] = _point(self._compare_overall.at(overall_t))
        groups = []
        for v, r in self._group_results.items():
            if r is None:
                continue
            tg = float(per_group.get(v, self.threshold))
            p = _point(r.at(tg))
            p.update(group=_text(v), threshold=tg, n=r.n_samples)
            groups.append(p)
        if groups and overall_t is None:
            # the whole data at the per-group thresholds: the groups' counts summed
            tot = {k: sum(gp[k] for gp in groups) for k in ("tp", "fp", "tn", "fn")}
            out["overall"] = _rates(tot, threshold=None)
            # the compared model at the same per-group thresholds, likewise
            cg = getattr(self, "_compare_groups", {})
            if self._compare_overall is not None and all(
                cg.get(v) is not None for v in self._group_results
            ):
                cps = [
                    _point(cg[v].at(float(per_group.get(v, self.threshold))))
                    for v in self._group_results
                ]
                ctot = {k: sum(p[k] for p in cps) for k in ("tp", "fp", "tn", "fn")}
                out["compare_at"] = _rates(ctot, threshold=None)
        out["groups"] = groups
        self._per_group = per_group
        self.performance = jsonable(out)

    # -- attributions -----------------------------------------------------------------
    def _refresh_attributions(self) -> None:
        """The selected row's attributions by :func:`explain`, computed in the
        background (a sampled explanation can take a while); the view shows that
        they are pending meanwhile."""
        pos = self.selected
        if pos < 0 or not self._alive[pos]:
            self.attributions = {}
            return
        if self._scores is None:
            self.attributions = {"row": pos, "error": self.error}
            return
        rows = self._X.iloc[[pos]].copy()
        background = self._X.iloc[self._background[self._alive[self._background]]]
        self._attr_token += 1
        token = self._attr_token
        model, seed = self._model_fn, self._seed
        self.attributions = {"row": pos, "pending": True}

        def job() -> None:
            from ..checks.explainability import explain

            try:
                res = explain(
                    model,
                    rows,
                    background=background,
                    random_state=seed,
                    progress=False,
                    publish=False,
                )
                out = jsonable(_attribution_payload(res, pos))
            except MlnbError as exc:
                out = {"row": pos, "error": str(exc)}
            if token == self._attr_token:
                self.attributions = out

        th = threading.Thread(target=job, name="mlnb-whatif-explain", daemon=True)
        self._attr_thread = th
        th.start()

    # -- observers --------------------------------------------------------------------
    @t.observe("selected")
    def _on_selected(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        pos = change["new"]
        if pos >= 0 and (pos >= len(self._X) or not self._alive[pos]):
            self._refuse(
                "selected", change["old"], f"row {pos} is not in the widget's data"
            )
            return
        with self._internal(), self.hold_sync():
            self.error = ""
            self._refresh_row()
            self._refresh_for_tab()

    @t.observe("tab")
    def _on_tab(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        with self._internal(), self.hold_sync():
            if change["new"] == "pdp" and not self.pdp.get("grid_values"):
                self._start_pdp()
            self._refresh_for_tab()

    def _refresh_for_tab(self) -> None:
        tab = self.tab
        if tab == "counterfactual":
            self._refresh_counterfactual()
        elif tab in ("editor", "attributions"):
            self._refresh_attributions()
        elif tab == "pdp":
            self._refresh_ice()
        elif tab == "performance" and self._perf_dirty:
            self._refresh_performance()

    @t.observe("x_axis", "y_axis", "color_by", "facet_by")
    def _on_axes(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        ids = {o["id"] for o in self.axis_options}
        if change["new"] not in ids or (
            change["name"] in ("x_axis", "y_axis") and change["new"] == _NONE
        ):
            self._refuse(
                change["name"],
                change["old"],
                f"{change['name']}: unknown choice {change['new']!r}",
            )
            return
        with self._internal(), self.hold_sync():
            self._refresh_points()

    @t.observe("threshold")
    def _on_threshold(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        with self._internal(), self.hold_sync():
            self.strategy = "manual"
            self._refresh_after_threshold()

    def _refresh_after_threshold(self) -> None:
        self._apply_strategy()
        drawn = (self.x_axis, self.y_axis, self.color_by, self.facet_by)
        if "correct" in drawn or "disagree" in drawn:
            self._refresh_points()
        if self.row:
            self._refresh_row()
        if self.tab == "counterfactual":
            self._refresh_counterfactual()  # "differs" follows the thresholds
        self._refresh_status()

    @t.observe("strategy", "cost_ratio")
    def _on_strategy(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        if change["name"] == "cost_ratio" and not (
            math.isfinite(change["new"]) and change["new"] > 0
        ):
            self._refuse(
                "cost_ratio",
                change["old"],
                f"cost ratio must be a number > 0; got {change['new']!r}",
            )
            return
        with self._internal(), self.hold_sync():
            self.error = ""
            self._refresh_after_threshold()

    @t.observe("cf_distance")
    def _on_distance(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        if change["new"] not in ("l1", "l2", "custom") or (
            change["new"] == "custom" and not callable(self._distance)
        ):
            self._refuse("cf_distance", change["old"], "distance must be l1 or l2")
            return
        with self._internal(), self.hold_sync():
            self._refresh_counterfactual()

    @t.observe("pdp_feature")
    def _on_pdp_feature(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        if self._pdp_feature() is None:
            self._refuse(
                "pdp_feature", change["old"], f"unknown feature {change['new']!r}"
            )
            return
        with self._internal(), self.hold_sync():
            self._start_pdp()

    @t.observe("action")
    def _on_action(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        a = change["new"] or {}
        op = a.get("op")
        try:
            if op == "edit":
                self.edit(a.get("feature"), a.get("value"))
            elif op == "undo":
                self.undo()
            elif op == "revert":
                self.revert()
            elif op == "duplicate":
                self.duplicate()
            elif op == "delete":
                self.delete()
            elif op == "cancel":
                self.cancel()
            elif op == "pdp":
                with self._internal():
                    self._start_pdp()
            elif op == "select_counterfactual":
                other = self.counterfactual.get("other")
                if other is not None:
                    self.selected = int(other)
            elif op:
                raise MlnbValueError(f"unknown action {op!r}")
        except MlnbError as exc:
            with self._internal(), self.hold_sync():
                self.error = str(exc)
                self._refresh_row()

    # -- status record ----------------------------------------------------------------
    def _refresh_status(self) -> None:
        n_edits = sum(1 for op in self._ops if op["op"] == "edit")
        bits = [
            f"What-If on {int(self._alive.sum()):,} rows",
            f"{self._n_edited()} point(s) edited or added ({n_edits} edit(s))",
        ]
        status = "info"
        fair = self._fair
        if fair is not None:
            ts = ", ".join(
                f"{_text(k)} {float(v):.3g}" for k, v in self._per_group.items()
            )
            bits.append(f"per-group thresholds by {self.strategy}: {ts}")
            status = getattr(fair, "status", "info") or "info"
        elif self.performance.get("available"):
            bits.append(f"threshold {self.threshold:.3g}")
        self.status = status
        self.summary = "; ".join(bits)

    def _n_edited(self) -> int:
        return sum(1 for r in self._edited if self._alive[r])

    def record(self) -> dict[str, Any]:
        """The status record (step ``fairness``, check ``whatif``): what was probed
        — points edited, the strategy and per-group thresholds chosen; the status
        comes from the fairness result's conditions when per-group thresholds were
        chosen, else ``info``."""
        fair = self._fair
        conditions: list = []
        decided_by = ""
        if fair is not None:
            for o in getattr(fair, "outcomes", ()) or ():
                conditions.append(
                    {"condition": o.name, "status": o.status, "sentence": o.sentence}
                )
            decided_by = str(getattr(fair, "decided_by", "") or "")
        metrics = {
            "n_rows": int(self._alive.sum()),
            "points_edited": self._n_edited(),
            "edits": sum(1 for op in self._ops if op["op"] == "edit"),
            "threshold": self.threshold,
        }
        if self._names[1] is not None:
            metrics["models"] = list(self._names)
        if fair is not None:
            metrics["strategy"] = self.strategy
            metrics["thresholds"] = {
                _text(k): float(v) for k, v in self._per_group.items()
            }
            if self._sensitive_name is not None:
                metrics["sensitive"] = _text(self._sensitive_name)
        return {
            "protocol_version": PROTOCOL_VERSION,
            "step": "fairness",
            "status": self.status,
            "summary": self.summary,
            "check": "whatif",
            "created": _now(),
            "metrics": jsonable(metrics),
            "conditions": conditions,
            "decided_by": decided_by,
        }

    # -- display ----------------------------------------------------------------------
    def __repr__(self) -> str:
        if getattr(self, "_X", None) is None:
            return "<WhatIf (not set up)>"
        return f"<WhatIf step 6 (fairness): {self.status.upper()} — {self.summary}>"

    def _static_png(self) -> str | None:
        try:
            from ..render import plots, whatif_view

            fig, ax = plots.new_axes(figsize=(6.0, 4.0))
            names = {o["id"]: o["name"] for o in self.axis_options}
            axes = {"x": self.x_axis, "y": self.y_axis, "color": self.color_by}
            whatif_view.scatter(
                self.scatter_points(),
                {k: names.get(v, "") for k, v in axes.items()},
                self.sample.get("text", ""),
                ax=ax,
            )
            return plots.figure_png_base64(fig)
        except Exception as exc:  # noqa: BLE001 - the fallback must not break display
            warnings.warn(
                f"WhatIf could not draw its static PNG: {exc}",
                RuntimeWarning,
                stacklevel=3,
            )
            return None

    def _static_html(self, png: str | None) -> str:
        sections = [
            H.esc(self.sample.get("text", "")),
        ]
        if self.history:
            rows = [
                (
                    h["op"],
                    h["row"],
                    h.get("feature", ""),
                    f"{h.get('old', '')} → {h.get('new', '')}"
                    if h["op"] == "edit"
                    else "",
                    h.get("after", "") or "",
                )
                for h in self.history[:20]
            ]
            sections.append(
                H.table(
                    rows, header=("change", "row", "feature", "value", "prediction")
                )
            )
        perf = self.performance
        if perf.get("groups"):
            sections.append(
                H.table(
                    [
                        (
                            g["group"],
                            g["threshold"],
                            g["n"],
                            g["recall"],
                            g["precision"],
                        )
                        for g in perf["groups"]
                    ],
                    header=("group", "threshold", "rows", "recall", "precision"),
                )
            )
        if png:
            sections.append(
                H.image_png(
                    png, alt="Scatter of the data the What-If widget shows", width=600
                )
            )
        card = H.card(
            status=self.status,
            title="Step 6 · What-If",
            subtitle="mlnb.WhatIf",
            summary=self.summary,
            sections=sections,
        )
        return (
            '<div class="mlnb-widget-fallback">'
            '<div style="font-size:12px;color:var(--jp-ui-font-color2, #555)">'
            "WhatIf — static snapshot; the interactive view needs a running Jupyter "
            f"kernel.</div>{card}</div>"
        )


# -- helpers ---------------------------------------------------------------------------
def _model_name(model: Any) -> str | None:
    """A short name of a model: a pipeline's last step's class, a function's name,
    a Keras model's name, else its class (None for an anonymous function). A
    :class:`~mlnb.checks.predictor.Predictor` is named by the model it wraps."""
    import inspect

    from ..checks.predictor import Predictor

    if isinstance(model, Predictor):
        model = model.model
    steps = getattr(model, "steps", None)
    if isinstance(steps, list) and steps and isinstance(steps[-1], tuple):
        model = steps[-1][-1]
    if hasattr(model, "get_params") or not callable(model):
        return type(model).__name__
    # a function, or a callable object that carries its function's name
    name = model.__name__ if inspect.isroutine(model) else None
    if not isinstance(name, str):
        name = getattr(model, "__name__", None) or getattr(model, "name", None)
    if isinstance(name, str) and name:
        return None if name == "<lambda>" else name
    name = type(model).__name__
    return None if name in ("partial", "function") else name


def _model_names(model: Any, compare: Any, names: Any) -> tuple[str, str | None]:
    """What the view calls the model and the compared one (see ``model_names``)."""
    if names is not None:
        ok = (
            isinstance(names, list | tuple)
            and len(names) == 2
            and all(isinstance(n, str) and n.strip() for n in names)
            and names[0].strip() != names[1].strip()
        )
        if not ok:
            raise MlnbValueError(
                "model_names must be two different, non-empty texts (the model's "
                f"and the compared model's); got {names!r:.80}. Pass e.g. "
                "model_names=('logistic', 'forest')."
            )
        if compare is None:
            raise MlnbValueError(
                "model_names names two models but compare= was not given; pass the "
                "second model as compare=..., or leave model_names out"
            )
        return names[0].strip(), names[1].strip()
    if compare is None:
        return _model_name(model) or "model", None
    a, b = _model_name(model), _model_name(compare)
    if a is None or b is None or a == b:
        return "model 1", "model 2"
    return a, b


def _axis_kind(f: _Feature) -> str:
    return "numeric" if f.kind == "numeric" else "categorical"


def _plain(v: Any) -> Any:
    """A cell value as JSON holds it (numpy scalars to Python, NaN to None)."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if v is None or isinstance(v, bool | int | float | str):
        return v
    try:
        import pandas as pd

        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return str(v)


def _same(a: Any, b: Any) -> bool:
    try:
        if (
            isinstance(a, float)
            and isinstance(b, float)
            and math.isnan(a)
            and math.isnan(b)
        ):
            return True
        return bool(a == b) and type(_plain(a)) is type(_plain(b))
    except (TypeError, ValueError):
        return False


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def _curve(values: Any, kind: str) -> list:
    a = np.asarray(values, dtype=float)
    if a.ndim == 2:  # multiclass: P of each class; show the highest mean class
        return a.tolist()
    return [None if not math.isfinite(x) else float(x) for x in a.tolist()]


def _group_values(g: np.ndarray) -> list:
    import pandas as pd

    vals = pd.unique(pd.Series(g, dtype=object))
    return sorted(vals.tolist(), key=lambda v: (str(type(v)), str(v)))


def _rates(c: dict[str, float], threshold: float | None) -> dict[str, Any]:
    tp, fp, tn, fn = (float(c[k]) for k in ("tp", "fp", "tn", "fn"))
    n = tp + fp + tn + fn

    def div(a: float, b: float) -> float | None:
        return a / b if b else None

    return {
        "threshold": threshold,
        "tp": tp,
        "fp": fp,
        "tn": tn,
        "fn": fn,
        "precision": div(tp, tp + fp),
        "recall": div(tp, tp + fn),
        "fpr": div(fp, fp + tn),
        "accuracy": div(tp + tn, n),
        "f1": div(2 * tp, 2 * tp + fp + fn),
        "positive_rate": div(tp + fp, n),
    }


def _point(p: Any) -> dict[str, Any]:
    d = p.to_dict()
    return _rates(
        {k: d[k] for k in ("tp", "fp", "tn", "fn")}, threshold=float(d["threshold"])
    )


def _attribution_payload(res: Any, pos: int) -> dict[str, Any]:
    """The bar list of one row's attributions from an :func:`explain` result."""
    ex = res.example(0)
    frame = ex["attributions"]
    bars = [
        {
            "feature": _text(r.feature),
            "value": float(r.attribution),
            "row_value": _plain(r.value),
        }
        for r in frame.itertuples(index=False)
    ]
    return {
        "row": pos,
        "method": str(res.method_name),
        "output": str(res.output),
        "baseline": float(ex["base_value"]),
        "output_value": float(ex["output"]),
        "bars": bars[:30],
        "n_features": len(bars),
        "additive": bool(res.guaranteed_additive),
    }
