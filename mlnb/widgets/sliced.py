"""``SlicedMetricsView``: step 6 (metrics per slice) as an interactive widget.

The numbers come from :func:`mlnb.sliced_metrics`: a :class:`SlicedMetrics` result
holds every slice's metrics with confidence intervals and the significance flags.
The widget shows one metric at a time as a sortable, paged table and a bar chart
with the intervals and the overall value, for one slicing or all of them.

The widget never computes a metric itself. Moving the threshold calls
:meth:`SlicedMetrics.at_threshold` (which re-uses the sorted per-slice scores:
nothing is re-sorted), choosing the metric slices are judged on calls
:meth:`SlicedMetrics.with_goal`; filtering, sorting and paging only pick rows of
the result's table. Only aggregates reach the browser: one page of the table and
at most :data:`MAX_BARS` bars, however many slices there are. Where widgets cannot
render, the display falls back to the result card as HTML and a PNG of the bars.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import anywidget
import numpy as np
import traitlets as t

from ..checks.fairness import SlicedMetrics, sliced_metrics
from ..core import metrics as registry
from ..core.jsonsafe import jsonable
from ..errors import MlnbError, MlnbValueError
from ..render import html as H
from .assets import widget_css, widget_esm
from .fallback import StaticFallback
from .quiet import QuietWrites

__all__ = ["SlicedMetricsView", "SORT_KEYS", "MAX_BARS", "ALL_SLICES"]

#: Most bars the chart draws; with more slices it shows the worst ones.
MAX_BARS = 40
#: The ``slice_column`` value that shows every slicing of the result together.
ALL_SLICES = "all"
#: Largest page of table rows the browser may ask for.
MAX_PAGE_SIZE = 500
#: What the table can be sorted by (keys of the rows in ``rows``):
#: ``slice`` is the result's order (slicing, then its values in their natural
#: order: bins ascending, categories sorted).
SORT_KEYS = ("slice", "count", "metric", "difference", "goal", "p_value", "flagged")


def _direction(metric: str) -> bool | None:
    """True when higher is better, False when lower is, None for descriptive
    metrics (rates, means, calibration)."""
    return registry.get(metric).higher_is_better


def _threshold_range(result: SlicedMetrics) -> tuple[float, float] | None:
    """The slider's range (see ``SlicedMetrics.threshold_range``), widened to a
    usable interval when all scores are equal."""
    span = result.threshold_range
    if span is None:
        return None
    lo, hi = span
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return 0.0, 1.0
    return lo, hi


def _fmt_count(n: int) -> str:
    return f"{n:,}"


class _Settings:
    """What the view chose: the inputs of every derived trait."""

    __slots__ = (
        "metric",
        "slice_column",
        "only_significant",
        "sort_by",
        "sort_ascending",
        "page",
        "page_size",
    )

    def __init__(self, **values: Any) -> None:
        for name in self.__slots__:
            setattr(self, name, values[name])


class SlicedMetricsView(QuietWrites, StaticFallback, anywidget.AnyWidget):
    """Explore a model's metrics per slice: a sortable table and a bar chart.

    One metric at a time is shown per slice with its confidence interval, its
    difference to overall, and — for the goal metric the slices are judged on —
    the p-value of the test against the rest of the data and the "significantly
    worse" flag. Selectors choose the metric, the goal and the slicing; a filter
    keeps only the flagged slices; for a binary model with scores a slider moves
    the decision threshold.

    Parameters
    ----------
    result:
        What :func:`mlnb.sliced_metrics` returned.
    metric:
        The metric shown first (default: the result's goal metric).
    slice_column:
        One of ``result.slice_columns``, or ``"all"`` (default) for every slicing.
    page_size:
        Table rows per page (1 to 500).
    only_significant:
        Start with only the slices significantly worse than the rest.

    Attributes
    ----------
    metric : str
        The metric in the table and the chart (one of ``metrics_available``).
    goal_metric : str
        The metric slices are judged on (one of ``goal_metrics``). Setting it
        calls :meth:`SlicedMetrics.with_goal`: flags, p-values, status change.
    slice_column : str
        ``"all"`` or one of ``slice_columns``.
    threshold : float or None
        Decision threshold (binary with scores; None otherwise, and
        ``threshold_enabled`` is False). Setting it calls
        :meth:`SlicedMetrics.at_threshold`.
    only_significant : bool
        Keep only slices significantly worse than the rest on the goal metric.
    sort_by : str
        One of :data:`SORT_KEYS`; NaN sorts last either way, ties keep the
        result's order.
    sort_ascending : bool
    page, page_size : int
        The page shown (0-based) and rows per page.
    rows : list of dict
        The current page: ``id`` (row of ``to_frame()``), ``slice`` (slicing),
        ``value`` (slice), ``count``, ``weighted_count``, ``metric``, ``ci_low``,
        ``ci_high``, ``difference`` (metric − overall), ``goal``,
        ``goal_difference``, ``goal_rest``, ``p_value``, ``flagged``,
        ``too_small``, ``notes``. NaN is None.
    chart : dict
        ``bars`` (at most :data:`MAX_BARS`: the worst by ``metric`` when more
        slices match, too-small slices last), ``n_defined`` (slices with a value),
        ``n_undefined``, ``truncated``, ``note``, ``overall`` and its interval,
        ``higher_is_better``.
    overall : dict
        The overall row: ``count``, ``weighted_count``, each metric and its
        ``<metric>_ci_low`` / ``<metric>_ci_high``.
    n_total : int
        Slices matching the filters (slicing, only significant).
    n_slices, n_flagged : int
        Slices in the chosen slicing, and how many of them are flagged.
    n_pages : int
    status, summary : str
        Verdict of the current result (at the current threshold and goal).
    metrics_available, goal_metrics, slice_columns : list of str
    higher_is_better : dict
        Per metric: True, False, or None (descriptive).
    context : dict
        ``task``, ``confidence``, ``min_slice_size``, ``n_rows``, ``n_dropped``,
        ``dropped_reason``, ``positive_label``, ``engine``.
    error : str
        Why the last setting was refused (the trait keeps its previous value);
        "" after a setting that worked.

    Notes
    -----
    Displaying the widget gives the widget view plus, for places without a widget
    manager, ``text/html`` (the result card and a PNG of the bars), ``image/png``
    and the step's status record. They show the state at the time of display.

    Examples
    --------
    >>> import mlnb
    >>> view = mlnb.SlicedMetricsView.compute(
    ...     df, label="y", score="p", slice_by=["sex", "race"]
    ... )  # doctest: +SKIP
    >>> view.threshold = 0.3  # doctest: +SKIP
    >>> view.rows[0]["metric"]  # doctest: +SKIP
    """

    _esm = widget_esm("sliced")
    _css = widget_css("sliced", prefix="mlnb-sm")

    # -- set by the view (or by Python) ---------------------------------------------
    metric = t.Unicode("").tag(sync=True)
    goal_metric = t.Unicode("").tag(sync=True)
    slice_column = t.Unicode(ALL_SLICES).tag(sync=True)
    threshold = t.Float(None, allow_none=True).tag(sync=True)
    only_significant = t.Bool(False).tag(sync=True)
    sort_by = t.Unicode("metric").tag(sync=True)
    sort_ascending = t.Bool(True).tag(sync=True)
    page = t.Int(0).tag(sync=True)
    page_size = t.Int(50).tag(sync=True)

    # -- written by the observers, drawn by the view ----------------------------------
    rows = t.List().tag(sync=True)
    chart = t.Dict().tag(sync=True)
    overall = t.Dict().tag(sync=True)
    n_total = t.Int(0).tag(sync=True)
    n_slices = t.Int(0).tag(sync=True)
    n_flagged = t.Int(0).tag(sync=True)
    n_pages = t.Int(1).tag(sync=True)
    status = t.Unicode("info").tag(sync=True)
    summary = t.Unicode("").tag(sync=True)
    metrics_available = t.List().tag(sync=True)
    goal_metrics = t.List().tag(sync=True)
    slice_columns = t.List().tag(sync=True)
    higher_is_better = t.Dict().tag(sync=True)
    threshold_enabled = t.Bool(False).tag(sync=True)
    threshold_min = t.Float(0.0).tag(sync=True)
    threshold_max = t.Float(1.0).tag(sync=True)
    context = t.Dict().tag(sync=True)
    error = t.Unicode("").tag(sync=True)

    def __init__(
        self,
        result: SlicedMetrics,
        *,
        metric: str | None = None,
        slice_column: str = ALL_SLICES,
        page_size: int = 50,
        only_significant: bool = False,
    ) -> None:
        if not isinstance(result, SlicedMetrics):
            raise MlnbValueError(
                "SlicedMetricsView needs what mlnb.sliced_metrics() returns; got "
                f"{type(result).__name__}. To compute and show in one go: "
                "SlicedMetricsView.compute(df, label=…, score=…, slice_by=…)"
            )
        metric = result.goal_metric if metric is None else metric
        if metric not in result.metrics:
            raise MlnbValueError(
                f"unknown metric {metric!r}; this result has {list(result.metrics)}"
            )
        if slice_column != ALL_SLICES and slice_column not in result.slice_columns:
            raise MlnbValueError(
                f"no slicing named {slice_column!r}; choose 'all' or one of "
                f"{list(result.slice_columns)}"
            )
        if not (isinstance(page_size, int) and 1 <= page_size <= MAX_PAGE_SIZE):
            raise MlnbValueError(
                f"page_size must be an integer from 1 to {MAX_PAGE_SIZE}; got "
                f"{page_size!r}"
            )
        self._result = result
        self._frame = result.to_frame()
        self._order: np.ndarray = np.zeros(0, dtype=np.intp)
        span = _threshold_range(result)
        direction = _direction(metric)
        state: dict[str, Any] = {
            "metric": metric,
            "goal_metric": result.goal_metric,
            "slice_column": slice_column,
            "threshold": result.threshold if span is not None else None,
            "threshold_enabled": span is not None,
            "threshold_min": span[0] if span else 0.0,
            "threshold_max": span[1] if span else 1.0,
            "only_significant": bool(only_significant),
            "sort_by": "metric",
            "sort_ascending": direction is not False,  # worst first
            "page": 0,
            "page_size": page_size,
            "metrics_available": list(result.metrics),
            "goal_metrics": [m for m in result.metrics if registry.get(m).judges],
            "slice_columns": list(result.slice_columns),
            "higher_is_better": {m: _direction(m) for m in result.metrics},
            "context": jsonable(
                {
                    "task": result.task,
                    "confidence": result.confidence,
                    "min_slice_size": result.min_slice_size,
                    "n_rows": result.n_rows,
                    "n_dropped": result.n_dropped,
                    "dropped_reason": result.dropped_reason,
                    "positive_label": None
                    if result.positive_label is None
                    else str(result.positive_label),
                    "engine": result.engine,
                }
            ),
        }
        # Compute every trait first, then open the widget with them: the browser
        # gets the full state in one message.
        state.update(self._derived(_Settings(**state), reset_page=True))
        with self._internal():
            anywidget.AnyWidget.__init__(self, **state)

    @classmethod
    def compute(
        cls,
        data: Any = None,
        *,
        metric: str | None = None,
        slice_column: str = ALL_SLICES,
        page_size: int = 50,
        only_significant: bool = False,
        **kwargs: Any,
    ) -> SlicedMetricsView:
        """Run :func:`mlnb.sliced_metrics` on ``data`` with ``kwargs`` (label=,
        score=, prediction=, slice_by=, threshold=, ...) and show the result.

        The result is published as step 6's evidence unless ``publish=False``.
        """
        result = sliced_metrics(data, **kwargs)
        return cls(
            result,
            metric=metric,
            slice_column=slice_column,
            page_size=page_size,
            only_significant=only_significant,
        )

    # -- the result behind the widget ------------------------------------------------
    @property
    def result(self) -> SlicedMetrics:
        """The result shown: at the current threshold, judged on the current goal
        metric (not published when either was changed)."""
        return self._result

    def record(self) -> dict[str, Any]:
        """The status record of the result shown."""
        return self._result.record()

    def current_frame(self):
        """Every row matching the filters, in the table's order (all pages), as
        the columns of :meth:`SlicedMetrics.to_frame`."""
        return self._frame.iloc[self._order].copy()

    # -- deriving what the view draws -------------------------------------------------
    def _settings(self) -> _Settings:
        return _Settings(**{k: getattr(self, k) for k in _Settings.__slots__})

    def _matching(self, s: _Settings) -> np.ndarray:
        """Positions in the frame of the slices matching the filters."""
        f = self._frame
        keep = np.ones(len(f), dtype=bool)
        keep[0] = False  # the overall row
        if s.slice_column != ALL_SLICES:
            keep &= (f["slice"] == s.slice_column).to_numpy()
        if s.only_significant:
            keep &= f["significantly_worse"].to_numpy(dtype=bool)
        return np.flatnonzero(keep)

    def _sort_values(self, pos: np.ndarray, s: _Settings) -> np.ndarray:
        f = self._frame
        goal = self._result.goal_metric
        key = s.sort_by
        if key == "slice":
            return pos.astype(np.float64)
        if key == "count":
            column = "count"
        elif key == "metric":
            column = s.metric
        elif key == "difference":
            values = f[s.metric].to_numpy(dtype=np.float64)[pos]
            return values - float(f[s.metric].iloc[0])
        elif key == "goal":
            column = goal
        elif key == "p_value":
            column = f"{goal}_p_value"
        else:  # flagged
            column = "significantly_worse"
        return f[column].to_numpy(dtype=np.float64)[pos]

    def _sorted(self, pos: np.ndarray, s: _Settings) -> np.ndarray:
        """``pos`` in the table's order: NaN last either way, ties in the result's
        order."""
        values = self._sort_values(pos, s)
        missing = np.isnan(values)
        key = np.where(missing, 0.0, values if s.sort_ascending else -values)
        return pos[np.lexsort((pos, key, missing))]

    def _row(self, i: int, m: str, overall_metric: float) -> dict[str, Any]:
        r = self._frame.iloc[i]
        goal = self._result.goal_metric
        return {
            "id": int(i),
            "slice": str(r["slice"]),
            "value": str(r["value"]),
            "count": int(r["count"]),
            "weighted_count": float(r["weighted_count"]),
            "metric": r[m],
            "ci_low": r[f"{m}_ci_low"],
            "ci_high": r[f"{m}_ci_high"],
            "difference": r[m] - overall_metric,
            "goal": r[goal],
            "goal_difference": r[f"{goal}_difference"],
            "goal_rest": r[f"{goal}_rest"],
            "p_value": r[f"{goal}_p_value"],
            "flagged": bool(r["significantly_worse"]),
            "too_small": bool(r["too_small"]),
            "notes": str(r["notes"] or ""),
        }

    def _chart(self, pos: np.ndarray, m: str, overall_metric: float) -> dict:
        f = self._frame
        values = f[m].to_numpy(dtype=np.float64)[pos]
        defined = pos[~np.isnan(values)]
        values = values[~np.isnan(values)]
        higher = _direction(m)
        truncated = len(defined) > MAX_BARS
        note = ""
        if truncated:
            small = f["too_small"].to_numpy(dtype=bool)[defined]
            if higher is None:  # no better or worse: the farthest from overall
                badness = np.abs(values - overall_metric)
                what = "farthest from overall"
            else:
                badness = -values if higher else values
                what = "worst"
            # judged slices first, worst first; then the too-small ones
            order = np.lexsort((defined, -badness, small))
            shown = defined[order[:MAX_BARS]]
            note = (
                f"showing the {MAX_BARS} {what} of {_fmt_count(len(defined))} "
                f"slices by {m}"
            )
            if small.any():
                note += " (slices too small to judge come last)"
        else:
            shown = defined
        n_undefined = len(pos) - len(defined)
        if n_undefined:
            extra = f"{_fmt_count(n_undefined)} slice(s) with no {m} value not drawn"
            note = f"{note}; {extra}" if note else extra
        overall_row = f.iloc[0]
        bars = [
            {
                "id": int(i),
                "slice": str(f["slice"].iat[i]),
                "value": str(f["value"].iat[i]),
                "count": int(f["count"].iat[i]),
                "metric": f[m].iat[i],
                "ci_low": f[f"{m}_ci_low"].iat[i],
                "ci_high": f[f"{m}_ci_high"].iat[i],
                "flagged": bool(f["significantly_worse"].iat[i]),
                "too_small": bool(f["too_small"].iat[i]),
            }
            for i in shown
        ]
        return {
            "metric": m,
            "goal_metric": self._result.goal_metric,
            "higher_is_better": higher,
            "overall": overall_metric,
            "overall_ci_low": overall_row[f"{m}_ci_low"],
            "overall_ci_high": overall_row[f"{m}_ci_high"],
            "confidence": self._result.confidence,
            "bars": bars,
            "n_defined": int(len(defined)),
            "n_undefined": int(n_undefined),
            "truncated": bool(truncated),
            "note": note,
        }

    def _derived(self, s: _Settings, *, reset_page: bool) -> dict[str, Any]:
        """Every trait that follows from the result and the view's settings."""
        f = self._frame
        r = self._result
        matching = self._matching(s)
        order = self._sorted(matching, s)
        self._order = order
        n_total = len(order)
        n_pages = max(1, math.ceil(n_total / s.page_size))
        page = 0 if reset_page else min(max(s.page, 0), n_pages - 1)
        start = page * s.page_size
        overall_metric = float(f[s.metric].iloc[0])
        rows = [
            self._row(i, s.metric, overall_metric)
            for i in order[start : start + s.page_size]
        ]
        in_slicing = f.iloc[1:]
        if s.slice_column != ALL_SLICES:
            in_slicing = in_slicing[in_slicing["slice"] == s.slice_column]
        overall = {"count": int(f["count"].iat[0])}
        overall["weighted_count"] = float(f["weighted_count"].iat[0])
        for m in r.metrics:
            for c in (m, f"{m}_ci_low", f"{m}_ci_high"):
                overall[c] = f[c].iat[0]
        return {
            "rows": jsonable(rows),
            "chart": jsonable(self._chart(matching, s.metric, overall_metric)),
            "overall": jsonable(overall),
            "n_total": n_total,
            "n_pages": n_pages,
            "page": page,
            "n_slices": int(len(in_slicing)),
            "n_flagged": int(in_slicing["significantly_worse"].sum()),
            "status": r.status,
            "summary": r.summary,
            "goal_metric": r.goal_metric,
        }

    # -- observers: check the setting, call the result's methods, write traits -------
    def _publish(self, *, reset_page: bool) -> None:
        derived = self._derived(self._settings(), reset_page=reset_page)
        with self._internal(), self.hold_sync():
            for name, value in derived.items():
                if getattr(self, name) != value:
                    setattr(self, name, value)
            self.error = ""

    @t.observe("metric")
    def _on_metric(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        if change["new"] not in self._result.metrics:
            self._refuse(
                "metric",
                change["old"],
                f"unknown metric {change['new']!r}; choose one of "
                f"{list(self._result.metrics)}",
            )
            return
        self._publish(reset_page=self.sort_by in ("metric", "difference"))

    @t.observe("goal_metric")
    def _on_goal(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        try:
            result = self._result.with_goal(change["new"])
        except MlnbError as exc:
            self._refuse("goal_metric", change["old"], str(exc))
            return
        self._use(result)
        self._publish(reset_page=self.sort_by in ("goal", "p_value", "flagged"))

    @t.observe("threshold")
    def _on_threshold(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        new = change["new"]
        if not self.threshold_enabled:
            self._refuse(
                "threshold",
                change["old"],
                "the threshold applies to a binary model with scores; this "
                f"{self._result.task} result has no threshold to move",
            )
            return
        if new is None or not math.isfinite(new):
            self._refuse(
                "threshold", change["old"], f"threshold must be a number; got {new!r}"
            )
            return
        try:
            result = self._result.at_threshold(new)
        except MlnbError as exc:
            self._refuse("threshold", change["old"], str(exc))
            return
        self._use(result)
        self._publish(reset_page=False)

    @t.observe("slice_column")
    def _on_slice_column(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        new = change["new"]
        if new != ALL_SLICES and new not in self._result.slice_columns:
            self._refuse(
                "slice_column",
                change["old"],
                f"no slicing named {new!r}; choose 'all' or one of "
                f"{list(self._result.slice_columns)}",
            )
            return
        self._publish(reset_page=True)

    @t.observe("only_significant")
    def _on_only_significant(self, change: dict[str, Any]) -> None:
        if not self._quiet:
            self._publish(reset_page=True)

    @t.observe("sort_by")
    def _on_sort_by(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        if change["new"] not in SORT_KEYS:
            self._refuse(
                "sort_by",
                change["old"],
                f"cannot sort by {change['new']!r}; choose one of {list(SORT_KEYS)}",
            )
            return
        self._publish(reset_page=True)

    @t.observe("sort_ascending")
    def _on_sort_ascending(self, change: dict[str, Any]) -> None:
        if not self._quiet:
            self._publish(reset_page=True)

    @t.observe("page")
    def _on_page(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        if change["new"] < 0:
            self._refuse(
                "page", change["old"], f"page must be 0 or more; got {change['new']}"
            )
            return
        self._publish(reset_page=False)  # past the last page: the last page

    @t.observe("page_size")
    def _on_page_size(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        new, old = change["new"], change["old"]
        if not 1 <= new <= MAX_PAGE_SIZE:
            self._refuse(
                "page_size",
                old,
                f"page_size must be from 1 to {MAX_PAGE_SIZE}; got {new}",
            )
            return
        # keep the first row shown on screen
        with self._internal():
            self.page = (self.page * old) // new
        self._publish(reset_page=False)

    def _use(self, result: SlicedMetrics) -> None:
        self._result = result
        self._frame = result.to_frame()

    # -- display -----------------------------------------------------------------------
    def __repr__(self) -> str:
        r = getattr(self, "_result", None)
        if r is None:
            return "<SlicedMetricsView (not set up)>"
        return (
            f"<SlicedMetricsView step 6 (fairness): {r.status.upper()} — {r.summary}>"
        )

    def _static_png(self) -> str | None:
        """The bars of the current metric as a base64 PNG, or None when drawing
        fails — the fallback must never stop the widget from showing."""
        try:
            from ..render import plots

            column = None if self.slice_column == ALL_SLICES else self.slice_column
            ax = self._result.plot(metric=self.metric, slice_column=column)
            return plots.figure_png_base64(ax.figure)
        except Exception as exc:  # noqa: BLE001 - report, keep the widget working
            warnings.warn(
                f"SlicedMetricsView could not draw its static PNG: {exc}",
                RuntimeWarning,
                stacklevel=3,
            )
            return None

    def _static_html(self, png: str | None) -> str:
        r = self._result
        shown = [f"metric {self.metric}"]
        if self.slice_column != ALL_SLICES:
            shown.append(f"slicing {self.slice_column}")
        if r.threshold is not None:
            shown.append(f"threshold {r.threshold:.4g}")
        parts = [
            '<div class="mlnb-widget-fallback">',
            '<div style="font-size:12px;color:var(--jp-ui-font-color2, #555)">'
            "SlicedMetricsView — static snapshot ("
            f"{H.esc(', '.join(shown))}); the interactive view needs a running "
            "Jupyter kernel.</div>",
            r._repr_html_(),
        ]
        if png:
            alt = (
                f"{self.metric} per slice with {r.confidence:.0%} intervals and the "
                "overall value as a dashed line; significantly worse slices in the "
                "alert colour"
            )
            parts.append(H.image_png(png, alt=alt))
        parts.append("</div>")
        return "".join(parts)
