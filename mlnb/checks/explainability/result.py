"""The result of :func:`mlnb.explain`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ...checklist.result import CheckResult, internal
from ...core.conditions import Condition
from ...errors import MlnbValueError

__all__ = ["Explanation", "CONDITION_VALUES", "METHODS", "EXACT_TOLERANCE"]

#: The largest additivity error, as a share of the output's scale, an exact method
#: may show (float rounding; shap's TreeSHAP sums in double precision too).
EXACT_TOLERANCE = 1e-6

#: The methods :func:`mlnb.explain` knows, and what each computes.
METHODS = {
    "linear": "exact linear attributions: coef · (x − mean(background)), summed "
    "back onto each original column",
    "tree": "TreeSHAP through the shap library (interventional, against the "
    "background)",
    "sampling": "sampled Shapley values (random permutations with their reverses, "
    "against the background), for any model",
    "gradients": "integrated gradients along the straight path from the "
    "background's mean (Keras models)",
}

#: The values conditions on :func:`mlnb.explain` can read, and what they mean.
CONDITION_VALUES = {
    "additivity_error": "max over rows of |sum of attributions − (f(x) − base)|, in "
    "the explained output's units",
    "exact_additivity_share": "additivity_error as a share of the largest |f(x)| or "
    "|f(x) − base|, for the methods that guarantee additivity exactly (linear, "
    "tree); NaN for the others",
    "completeness_share": "integrated gradients only: additivity_error as a share of "
    "the largest |f(x) − f(baseline)| (the integration error); NaN otherwise",
    "max_standard_error": "sampled Shapley only: the largest standard error of one "
    "row's attribution; NaN otherwise",
    "importance_standard_error_share": "sampled Shapley only: the largest standard "
    "error of a feature's global importance as a share of the top importance; NaN "
    "otherwise",
    "interrupted": "1 when the sampling was interrupted (a partial result), else 0",
    "sampled_rows": "1 when a random sample of the rows was explained (max_rows=), "
    "else 0",
    "n_rows": "rows explained",
    "n_features": "features attributed",
}

_EFFICIENCY = (
    "the efficiency (local accuracy) property of Shapley values — Lundberg & Lee, "
    "'A Unified Approach to Interpreting Model Predictions' (NeurIPS 2017), "
    "property 1: exact linear and TreeSHAP attributions sum to f(x) − base; an "
    "error beyond float rounding means the model was misread"
)
_COMPLETENESS = (
    "Sundararajan, Taly & Yan, 'Axiomatic Attribution for Deep Networks' (ICML "
    "2017), §3 and §6: check completeness; if the attributions miss f(x) − "
    "f(baseline) by more than 5%, raise the number of steps"
)
_SAMPLING = (
    "Štrumbelj & Kononenko (KAIS 2014): a sampled Shapley value's error falls as "
    "1/√(permutations); an error above 5% of the top importance can swap features "
    "of close importance — raise n_permutations"
)


@dataclass(frozen=True, kw_only=True, repr=False)
class Explanation(CheckResult):
    """Feature attributions of a model: per row and global (step 7).

    Attributes
    ----------
    method:
        ``"linear"``, ``"tree"``, ``"sampling"`` or ``"gradients"`` (see
        :data:`METHODS`).
    method_name:
        The method in words.
    method_reason:
        Why this method was used (what ``method="auto"`` saw, or a fallback).
    output:
        The output the attributions explain, in words (``"probability of class
        1"``, ``"log-odds of class 'yes' (the decision function)"``, ``"the
        predicted value"``, ...). For a multiclass model each row is explained
        for its predicted class (see ``explained_classes``); the attributions
        for every class are in :meth:`class_values`.
    feature_names:
        The user's columns, in the order of ``values``' columns.
    base_value:
        The output the attributions start from: its mean over the background
        (linear, tree, sampling) or its value at the background's mean
        (gradients). A dict class → base for a multiclass model.
    additivity_error:
        ``max_i |Σ_j values[i, j] − (f(x_i) − base_i)|``.
    guaranteed_additive:
        True when the method makes the attributions add up exactly (linear,
        tree, and sampling — whose walk telescopes); integrated gradients add up
        only as well as the integral is approximated.
    max_standard_error:
        Sampled Shapley: the largest standard error of an attribution (NaN for
        the exact methods).
    n_rows, n_rows_total, sampled_rows:
        Rows explained, rows given, and whether a random sample of them was
        explained (``max_rows=``; ``row_labels`` names the rows).
    n_background:
        Background (reference) rows.
    n_permutations, steps:
        Permutations used by sampled Shapley (fewer than asked when
        interrupted) and integration steps of integrated gradients (else None).
    classes:
        The model's classes (None for regression or when unknown).
    partial:
        True when the sampling was interrupted (``KeyboardInterrupt``): every row
        is explained with the permutations finished before it.
    importance_rows:
        Per feature: ``feature``, ``importance`` (mean |attribution|),
        ``mean_attribution`` and ``standard_error`` (of the importance; NaN for
        the exact methods), most important first, ties broken by name.
    model_rows:
        Rows handed to the model (evaluations), and ``seconds`` the time taken.
    values:
        (n_rows, n_features) attributions (not in ``to_dict()``).
    """

    check: ClassVar[str] = "explain"

    #: The documented default conditions.
    DEFAULT_CONDITIONS: ClassVar[tuple] = (
        Condition(
            "exact_additivity_share",
            "<=",
            EXACT_TOLERANCE,
            name="attributions add up (exact methods)",
            why=_EFFICIENCY,
            if_undefined="pass",
        ),
        Condition(
            "completeness_share",
            "<=",
            0.05,
            status="warn",
            name="integrated gradients complete within 5%",
            why=_COMPLETENESS,
            if_undefined="pass",
        ),
        Condition(
            "importance_standard_error_share",
            "<=",
            0.05,
            status="warn",
            name="sampled importances precise to 5% of the top one",
            why=_SAMPLING,
            if_undefined="pass",
        ),
        Condition(
            "interrupted",
            "<=",
            0,
            status="warn",
            name="sampling finished",
            why="an interrupted run estimates every attribution from fewer "
            "permutations than asked (a larger standard error)",
        ),
    )

    method: str
    method_name: str
    method_reason: str
    output: str
    feature_names: tuple
    base_value: Any
    additivity_error: float
    guaranteed_additive: bool
    max_standard_error: float
    n_rows: int
    n_rows_total: int
    sampled_rows: bool
    n_background: int
    n_permutations: int | None
    steps: int | None
    classes: tuple | None
    partial: bool
    importance_rows: tuple
    model_rows: int
    seconds: float
    values: Any = internal(default=None)
    base_values: Any = internal(default=None)
    outputs: Any = internal(default=None)
    standard_errors: Any = internal(default=None)
    all_class_values: Any = internal(default=None)
    explained_classes: Any = internal(default=None)
    rows: Any = internal(default=None)
    row_labels: Any = internal(default=None)

    # -- tables ------------------------------------------------------------------------
    def _names_index(self, names: Any = None):
        import pandas as pd

        return pd.Index(
            list(self.feature_names if names is None else names),
            tupleize_cols=False,
            dtype=object,
        )

    @property
    def importance(self):
        """Global importance: mean |attribution| per feature (a pandas Series
        indexed by feature, most important first, ties broken by name)."""
        import pandas as pd

        rows = self.importance_rows
        return pd.Series(
            [r["importance"] for r in rows],
            index=self._names_index([r["feature"] for r in rows]),
            name="importance",
            dtype=np.float64,
        )

    def to_frame(self):
        """Global importance, one row per feature (most important first):
        ``feature``, ``importance`` (mean |attribution|), ``mean_attribution``,
        ``standard_error`` (of the importance; NaN for exact methods), ``rank``."""
        import pandas as pd

        frame = pd.DataFrame(
            [
                {
                    "feature": r["feature"],
                    "importance": r["importance"],
                    "mean_attribution": r["mean_attribution"],
                    "standard_error": r["standard_error"],
                    "rank": i + 1,
                }
                for i, r in enumerate(self.importance_rows)
            ],
            columns=[
                "feature",
                "importance",
                "mean_attribution",
                "standard_error",
                "rank",
            ],
        )
        return frame

    def _check_row(self, i: Any) -> int:
        n = self.n_rows
        if isinstance(i, bool) or not isinstance(i, int | np.integer):
            raise MlnbValueError(
                f"i must be a row position 0..{n - 1} among the explained rows (see "
                f"row_labels); got {i!r}"
            )
        if not -n <= int(i) < n:
            raise MlnbValueError(
                f"i must be a row position 0..{n - 1} among the {n:,} explained "
                f"rows; got {i}"
            )
        return int(i) % n

    def local_frame(self, i: int):
        """One explained row (position ``i`` among the explained rows): one row per
        feature with its ``value`` in the row, its ``attribution`` and
        ``standard_error`` (NaN for exact methods), largest |attribution| first,
        ties broken by name."""
        import pandas as pd

        i = self._check_row(i)
        attr = np.asarray(self.values[i], dtype=np.float64)
        se = (
            np.full_like(attr, np.nan)
            if self.standard_errors is None
            else np.asarray(self.standard_errors[i], dtype=np.float64)
        )
        names = list(self.feature_names)
        values = [self.rows.iloc[i, j] for j in range(len(names))]
        order = sorted(
            range(len(names)), key=lambda j: (-abs(attr[j]), str(names[j]), j)
        )
        return pd.DataFrame(
            {
                "feature": [names[j] for j in order],
                "value": [values[j] for j in order],
                "attribution": attr[order],
                "standard_error": se[order],
            }
        )

    def example(self, i: int) -> dict[str, Any]:
        """One explained row as a dict: ``row`` (its label in ``X``), ``output``
        (f(x) in the explained output), ``base_value``, ``explained_class``
        (multiclass; else None) and ``attributions`` (:meth:`local_frame`)."""
        i = self._check_row(i)
        return {
            "row": self.row_labels[i],
            "output": float(self.outputs[i]),
            "base_value": float(self.base_values[i]),
            "explained_class": None
            if self.explained_classes is None
            else self.explained_classes[i],
            "attributions": self.local_frame(i),
        }

    def class_values(self, cls: Any):
        """The (n_rows, n_features) attributions toward class ``cls`` of a
        multiclass model (``values`` holds each row's predicted class)."""
        if self.all_class_values is None or self.classes is None:
            raise MlnbValueError(
                "class_values(cls) is for a multiclass model; this explanation has "
                "one output — use .values"
            )
        for k, c in enumerate(self.classes):
            if c == cls:
                return self.all_class_values[:, :, k]
        raise MlnbValueError(
            f"cls must be one of the model's classes {list(self.classes)}; got {cls!r}"
        )

    # -- drawing and display -----------------------------------------------------------
    def plot(self, *, ax: Any = None, max_features: int = 20) -> Any:
        """Horizontal bars of the global importance (mean |attribution|), most
        important on top; returns the matplotlib Axes."""
        from ...render.explain import importance_bars

        return importance_bars(self, ax=ax, max_features=max_features)

    def plot_example(self, i: int, *, ax: Any = None, max_features: int = 15) -> Any:
        """Waterfall-like bars of one row: from the base value, each feature's
        attribution (largest first) to the row's output; returns the Axes."""
        from ...render.explain import example_waterfall

        return example_waterfall(
            self, self._check_row(i), ax=ax, max_features=max_features
        )

    def record_metrics(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "output": self.output,
            "n_rows": self.n_rows,
            "sampled_rows": self.sampled_rows,
            "additivity_error": self.additivity_error,
            "max_standard_error": self.max_standard_error,
            "top_features": [str(r["feature"]) for r in self.importance_rows[:5]],
            "partial": self.partial,
        }

    def _html_sections(self) -> list[str]:
        from ...render.explain import sections

        return sections(self)
