"""The result of :func:`~mlnb.checks.fairness.sliced_metrics`: metrics overall and
per slice, with intervals, flags and the conditions that set its status."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ...checklist.result import CheckResult, internal
from ...core import metrics as M
from ...core.jsonsafe import jsonable
from ...core.labels import is_real
from ...errors import MlnbValueError
from ...render import html as H
from .assemble import assemble, assemble_binary
from .judge import DEFAULT_CONDITIONS, check_goal, correction_name, word_summary

__all__ = ["SlicedMetrics"]


@dataclass(frozen=True, kw_only=True, repr=False)
class SlicedMetrics(CheckResult):
    """Metrics overall and per slice, with confidence intervals and flags.

    The status is the worst of its conditions (:attr:`DEFAULT_CONDITIONS` unless
    ``conditions=`` replaced them): see :mod:`mlnb.checks.fairness.judge` for the
    values they may read (``worst_gap``, ``n_flagged``, ``n_judged``,
    ``goal_value``, each metric overall by name, ...).

    Attributes
    ----------
    task:
        ``"binary"``, ``"multiclass"`` or ``"regression"``.
    metrics:
        The metric names computed (columns of :meth:`to_frame`).
    goal_metric:
        The metric slices are judged on.
    slice_columns:
        The slicings, by display name (``"sex"``, ``"sex × race"``).
    threshold:
        Decision threshold on the scores (binary with scores).
    n_rows, n_dropped:
        Rows used, and rows left out because of missing values (``nan_policy``).
    engine:
        ``"numpy"`` (in memory) or ``"tfma"``.
    correction:
        The multiple-comparison correction of the "significantly worse" flags
        across the slices judged: ``"holm"`` (default), ``"bh"`` or None (see
        :data:`mlnb.checks.fairness.judge.CORRECTIONS`).

    Notes
    -----
    Return types never depend on arguments: :meth:`difference` and :meth:`ratio`
    are always a Series (one value per slice, against overall);
    :meth:`difference_between_groups` and :meth:`ratio_between_groups` always a
    float; :meth:`plot` always the matplotlib Axes it drew on.
    """

    check: ClassVar[str] = "sliced_metrics"
    DEFAULT_CONDITIONS: ClassVar[tuple] = DEFAULT_CONDITIONS

    task: str
    metrics: tuple[str, ...]
    goal_metric: str
    slice_columns: tuple[str, ...]
    threshold: float | None
    confidence: float
    min_slice_size: int
    n_rows: int
    n_dropped: int
    dropped_reason: str
    positive_label: Any
    engine: str
    correction: str | None = "holm"
    _frame: Any = internal()
    _support: Any = internal(default=None)
    _state: Any = internal(default=None)

    # -- tables ------------------------------------------------------------------
    def to_frame(self):
        """One row per (slice column, slice value) plus an ``overall`` row.

        Columns: ``slice`` (the column name, or ``"overall"``), ``value``,
        ``count``, ``weighted_count``, ``too_small``, one column per metric with
        ``<metric>_ci_low`` / ``<metric>_ci_high``, then for the goal metric
        ``<goal>_difference`` / ``<goal>_ratio`` (to overall), ``<goal>_rest``,
        ``<goal>_p_value`` (the slice-vs-rest test alone),
        ``<goal>_p_adjusted`` (after :attr:`correction` across the slices
        judged; NaN for slices not judged), ``significantly_worse`` (worse and
        adjusted p-value below ``1 - confidence``), and ``notes``.
        """
        return self._frame.copy()

    @property
    def overall(self) -> dict[str, Any]:
        """The overall row as a dict."""
        return self._frame.iloc[0].to_dict()

    def slices(self, slice_column: str | None = None):
        """The per-slice rows (all slicings, or one of them)."""
        f = self._frame.iloc[1:]
        if slice_column is not None:
            if slice_column not in self.slice_columns:
                raise MlnbValueError(
                    f"no slicing named {slice_column!r}; this result has "
                    f"{list(self.slice_columns)}"
                )
            f = f[f["slice"] == slice_column]
        return f.copy()

    @property
    def flagged(self):
        """Slices significantly worse than the rest on the goal metric."""
        f = self.slices()
        return f[f["significantly_worse"]].copy()

    def worst(self, metric: str | None = None, *, n: int = 5):
        """The ``n`` slices (not too small) with the worst value of ``metric``."""
        metric = self._metric(metric)
        f = self.slices()
        f = f[~f["too_small"] & f[metric].notna()]
        higher = M.get(metric).higher_is_better is not False
        return f.sort_values(metric, ascending=higher, kind="stable").head(n).copy()

    def _metric(self, metric: str | None) -> str:
        metric = metric or self.goal_metric
        if metric not in self.metrics:
            raise MlnbValueError(
                f"unknown metric {metric!r}; this result has {list(self.metrics)}"
            )
        return metric

    def support(self, metric: str | None = None):
        """How many (effective) examples each row's ``metric`` rests on: rows for
        accuracy, positives for recall, predicted positives for precision, the
        smaller class for ROC AUC. A Series aligned with :meth:`to_frame`."""
        metric = self._metric(metric)
        if self._support is None:
            raise MlnbValueError(
                "this result was built from numbers computed elsewhere"
            )
        return self._support[metric].copy()

    def _comparable(self, metric: str, slice_column: str | None, min_support: float):
        f = self.slices(slice_column)
        if self._support is None:  # built from numbers computed elsewhere
            enough = np.ones(len(f), dtype=bool)
        else:
            enough = self._support[metric].loc[f.index].fillna(np.inf) >= min_support
        return f[~f["too_small"] & enough & f[metric].notna()]

    def difference(
        self,
        metric: str | None = None,
        *,
        slice_column: str | None = None,
        min_support: float = 0,
    ):
        """Each slice's ``metric`` minus its overall value (fairlearn's
        ``difference(method="to_overall")`` before it reduces to one number).

        Always a :class:`pandas.Series` indexed by ``(slice, value)``, named after
        the metric (empty when no slice qualifies). Slices too small to judge are
        left out, and so are values resting on fewer than ``min_support``
        examples (see :meth:`support`); restrict to one slicing with
        ``slice_column``. For one number use :meth:`difference_between_groups`.
        """
        metric = self._metric(metric)
        f = self._comparable(metric, slice_column, min_support)
        return self._per_slice(f, metric, (f[metric] - self.overall[metric]))

    def ratio(
        self,
        metric: str | None = None,
        *,
        slice_column: str | None = None,
        min_support: float = 0,
    ):
        """Each slice's ``metric`` divided by its overall value: always a
        :class:`pandas.Series` as :meth:`difference` (same filters). For one
        number use :meth:`ratio_between_groups`."""
        metric = self._metric(metric)
        f = self._comparable(metric, slice_column, min_support)
        with np.errstate(divide="ignore", invalid="ignore"):
            return self._per_slice(f, metric, f[metric] / self.overall[metric])

    def difference_between_groups(
        self,
        metric: str | None = None,
        *,
        slice_column: str | None = None,
        min_support: float = 0,
    ) -> float:
        """Largest minus smallest ``metric`` over the slices (fairlearn's
        ``difference(method="between_groups")``): always a float, NaN when no
        slice qualifies. Same filters as :meth:`difference`."""
        metric = self._metric(metric)
        vals = self._comparable(metric, slice_column, min_support)[metric]
        return float(vals.max() - vals.min()) if len(vals) else math.nan

    def ratio_between_groups(
        self,
        metric: str | None = None,
        *,
        slice_column: str | None = None,
        min_support: float = 0,
    ) -> float:
        """Smallest divided by largest ``metric`` over the slices (fairlearn's
        ``ratio(method="between_groups")``): always a float, NaN when no slice
        qualifies or the largest is 0. Same filters as :meth:`difference`."""
        metric = self._metric(metric)
        vals = self._comparable(metric, slice_column, min_support)[metric]
        if not len(vals) or not vals.max():
            return math.nan
        return float(vals.min() / vals.max())

    @staticmethod
    def _per_slice(f, metric: str, values):
        import pandas as pd

        idx = pd.MultiIndex.from_arrays(
            [f["slice"].to_numpy(), f["value"].to_numpy()], names=["slice", "value"]
        )
        return pd.Series(values.to_numpy(dtype=np.float64), index=idx, name=metric)

    @classmethod
    def from_tfma(cls, eval_result: Any, **kwargs: Any) -> SlicedMetrics:
        """The result of a TensorFlow Model Analysis run (a ``tfma.EvalResult`` or
        its output folder) as a :class:`SlicedMetrics`, to read and judge it in
        JupyterLab; keyword arguments as for
        :func:`mlnb.integrations.tfma.from_tfma`."""
        from ..adapters import adapter

        from_tfma = adapter("tfma", "from_tfma")

        return from_tfma(eval_result, **kwargs)

    @property
    def threshold_range(self) -> tuple[float, float] | None:
        """``(low, high)`` the threshold can move over with :meth:`at_threshold` —
        (0, 1) for probabilities, the score range otherwise — or None when this
        result cannot be re-thresholded (predictions only, multi-class,
        regression, numbers computed elsewhere)."""
        if self._state is None or self._state.get("kind") != "binary_scores":
            return None
        total = self._state["total"]
        if total.probabilities:
            return (0.0, 1.0)
        r = total.rankings[0]
        return (r.min_score, r.max_score)

    def at_threshold(self, threshold: float) -> SlicedMetrics:
        """The same analysis at another decision threshold, from the sorted state
        (binary search per slice; nothing is re-sorted). Not published."""
        if self._state is None or self._state.get("kind") != "binary_scores":
            raise MlnbValueError(
                "at_threshold needs a binary analysis computed in memory from scores "
                "(not from predictions only, nor from TFMA results)"
            )
        if not is_real(threshold) or math.isnan(threshold):
            raise MlnbValueError(f"threshold must be a number; got {threshold!r}")
        return assemble_binary(
            self._state, float(threshold), publish=False, cls=type(self)
        )

    def with_goal(self, goal_metric: str) -> SlicedMetrics:
        """The same numbers judged on another goal metric (not published)."""
        if self._state is None:
            raise MlnbValueError("with_goal needs a result computed in memory")
        goal = check_goal(goal_metric, self.task)
        if goal not in self.metrics:
            raise MlnbValueError(
                f"goal_metric {goal!r} was not computed; this result has "
                f"{list(self.metrics)} (pass metrics= to sliced_metrics)"
            )
        state = dict(self._state, goal_metric=goal)
        if state.get("kind") == "binary_scores":
            return assemble_binary(state, self.threshold, publish=False, cls=type(self))
        return assemble(state, publish=False, cls=type(self))

    def judge(self, conditions: Any = None, *, baseline: Any = None) -> SlicedMetrics:
        """This result judged by other ``conditions`` (``None``: the defaults) or
        by change conditions against ``baseline`` (an earlier
        :class:`SlicedMetrics`): a new result with the new status and summary;
        nothing is recomputed, nothing published. :meth:`at_threshold` and
        :meth:`with_goal` of the new result keep ``conditions``."""
        out = super().judge(conditions, baseline=baseline)
        state = self._state
        if state is not None:
            state = dict(state, conditions=conditions)
        view = {"goal_metric": self.goal_metric, "min_slice_size": self.min_slice_size}
        summary = word_summary(self._frame, view, out.status, out.outcomes)
        return dataclasses.replace(out, summary=summary, _state=state)

    # -- rendering ---------------------------------------------------------------
    def record_metrics(self) -> dict[str, Any]:
        f = self.slices()
        flagged = f[f["significantly_worse"]]
        out: dict[str, Any] = {
            "goal_metric": self.goal_metric,
            "overall": self.overall.get(self.goal_metric),
            "n_slices": int(len(f)),
            "n_flagged": int(len(flagged)),
            "n_too_small": int(f["too_small"].sum()),
            "correction": self.correction,
        }
        if len(flagged):
            gap = flagged[f"{self.goal_metric}_difference"].abs()
            row = flagged.loc[gap.idxmax()]
            out["worst_slice"] = f"{row['slice']}={row['value']}"
            out["worst_value"] = row[self.goal_metric]
        out["worst_gap"] = self.condition_values.get("worst_gap")
        return out

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["rows"] = jsonable(self._frame.to_dict(orient="records"))
        return out

    def _frame_rows(self):  # pragma: no cover - to_frame is overridden
        return self._frame.to_dict(orient="records")

    def _html_sections(self) -> list[str]:
        goal = self.goal_metric
        f = self.slices()
        sized = f[~f["too_small"]]
        order = sized.sort_values(
            goal, ascending=M.get(goal).higher_is_better is not False, kind="stable"
        )
        shown = order.head(12)
        rows = []
        for _, r in shown.iterrows():
            rows.append(
                (
                    f"{r['slice']} = {r['value']}",
                    int(r["count"]),
                    r[goal],
                    _interval(r, goal),
                    r[f"{goal}_difference"],
                    "worse" if r["significantly_worse"] else "",
                )
            )
        overall = self.overall
        table = H.table(
            [
                (
                    "overall",
                    int(overall["count"]),
                    overall[goal],
                    _interval(overall, goal),
                    0.0,
                    "",
                ),
                *rows,
            ],
            header=(
                "slice",
                "rows",
                goal,
                f"{self.confidence:.0%} CI",
                "vs overall",
                "flag",
            ),
        )
        more = len(sized) - len(shown)
        lines = [table]
        if more > 0:
            lines.append(
                f"<div>… {more} more slices; <code>.to_frame()</code> has them "
                "all.</div>"
            )
        small = int(f["too_small"].sum())
        if small:
            lines.append(
                f"<div>{small} slice(s) have fewer than {self.min_slice_size} rows: "
                "shown in <code>.to_frame()</code> as too small, not judged.</div>"
            )
        lines.append(
            f"<div>Flags: slices significantly worse than the rest on "
            f"{H.esc(goal)} at {H.esc(f'{1 - self.confidence:.3g}')}, "
            f"{H.esc(correction_name(self.correction))} across "
            f"{int(self.condition_values.get('n_judged', 0))} slices judged "
            f"(<code>{H.esc(goal)}_p_adjusted</code> in "
            "<code>.to_frame()</code>).</div>"
        )
        if self.n_dropped:
            lines.append(f"<div>{H.esc(self.dropped_reason)}</div>")
        return lines

    def plot(
        self,
        *,
        metric: str | None = None,
        slice_column: str | None = None,
        ax: Any = None,
    ):
        """Bar chart of ``metric`` (default: the goal metric) per slice with
        confidence intervals and the overall line, on ``ax`` (a new figure when
        None); returns the matplotlib Axes it drew on."""
        from ...render.fairness import sliced_bars

        metric = self._metric(metric)
        return sliced_bars(self, metric=metric, slice_column=slice_column, ax=ax)


def _interval(row, metric: str) -> str:
    lo, hi = row[f"{metric}_ci_low"], row[f"{metric}_ci_high"]
    return f"[{H.fmt(lo, 3)}, {H.fmt(hi, 3)}]"
