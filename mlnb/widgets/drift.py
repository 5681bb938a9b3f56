"""``DriftChart``: step 9 (feature drift) as an interactive widget.

The numbers come from :func:`mlnb.drift_over_time` (a :class:`DriftOverTime`
result: per window of time and per feature, the distance, its threshold and the
verdict) or from one :func:`mlnb.drift` comparison (a :class:`DriftReport`, shown
as a single column). The widget draws

- a heatmap, features × windows, coloured by distance / threshold, with drifted
  cells marked, windows too small to judge hatched and features that could not be
  compared greyed;
- a line chart of the selected features' distances over the windows, with their
  thresholds;
- the reference and current distributions of one feature in one window, side by
  side, for the cell the user clicks (or picks with the keyboard).

The widget never computes a distance itself: the heatmap and the lines are the
result's numbers, and a cell's distributions come from
``result.report(window).distribution(feature)``. Only aggregates reach the
browser, and a bounded number of them: at most :data:`MAX_FEATURES` features (the
worst) and :data:`MAX_WINDOWS` windows (the latest), :data:`MAX_SELECTED` lines
and :data:`MAX_BINS` bins, with a note on screen when more exist. Where widgets
cannot render, the display falls back to the result card as HTML and a PNG.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import anywidget
import numpy as np
import traitlets as t

from ..checks.drift import DriftOverTime, DriftReport, drift, drift_over_time
from ..core.distances import METHOD_NAMES
from ..core.distances import P_VALUE_METHODS as _P_VALUE_METHODS
from ..core.distances import threshold_ratio as _ratio
from ..core.jsonsafe import jsonable
from ..errors import MlnbError, MlnbValueError
from ..render import html as H
from ..render.drift import plot_report_ratios
from ..render.drift import window_label as _fmt_time
from .assets import widget_css, widget_esm
from .fallback import StaticFallback
from .quiet import QuietWrites

__all__ = [
    "DriftChart",
    "MAX_FEATURES",
    "MAX_WINDOWS",
    "MAX_SELECTED",
    "MAX_BINS",
]

#: Most features in the heatmap (the worst ones when there are more).
MAX_FEATURES = 60
#: Most windows in the heatmap and the line chart (the latest when there are more).
MAX_WINDOWS = 200
#: Most features drawn in the line chart at once.
MAX_SELECTED = 8
#: Most bins of a distribution sent to the browser (the largest when more).
MAX_BINS = 40
#: Features selected for the line chart when the widget opens.
DEFAULT_SELECTED = 3

# cell states in ``heatmap["state"]``
OK, DRIFTED, NOT_COMPARED, TOO_SMALL = 0, 1, 2, 3


def _round(x: Any, digits: int = 4) -> float | None:
    """A number with ``digits`` significant digits (the state stays small); None
    for NaN."""
    if x is None:
        return None
    x = float(x)
    if not math.isfinite(x):
        return None if math.isnan(x) else x
    return float(f"{x:.{digits}g}")


def _labels(names: list) -> list[str]:
    """Text labels of feature names (the browser holds text): ``str(name)``, or
    ``repr(name)`` where two names print alike (``0`` and ``"0"``)."""
    text = [str(n) for n in names]
    seen: dict[str, int] = {}
    for label in text:
        seen[label] = seen.get(label, 0) + 1
    return [repr(n) if seen[s] > 1 else s for n, s in zip(names, text)]


class _Source:
    """The result as matrices the widget reads: features × windows. Features
    are shown by text labels (:func:`_labels`); ``names`` keeps the result's
    own names (any hashable)."""

    def __init__(self, result: DriftOverTime | DriftReport) -> None:
        self.result = result
        if isinstance(result, DriftOverTime):
            self.kind = "over_time"
            self.names = list(result.features)
            self.kinds = list(result._kinds)
            self.windows = [
                {
                    "index": i,
                    "label": _fmt_time(w["start"]),
                    "start": w["start"].isoformat(),
                    "end": w["end"].isoformat(),
                    "end_label": _fmt_time(w["end"]),
                    "rows": int(w["rows"]),
                    "judged": bool(w["judged"]),
                    "status": w["status"],
                    "n_drifted": int(w["n_drifted"]),
                }
                for i, w in enumerate(result.windows)
            ]
            self.distance = result.heatmap("distance").to_numpy(dtype=np.float64)
            self.ratio = result.heatmap("ratio").to_numpy(dtype=np.float64)
            self.threshold = np.asarray(result._threshold, dtype=np.float64)
            self.drifted = np.asarray(result._drifted, dtype=bool)
            self.methods = [list(m) for m in result._methods]
            self.skipped = dict(result._skipped)
        else:
            frame = result.to_frame()
            self.kind = "single"
            self.names = list(frame["feature"])
            self.kinds = [str(k) for k in frame["kind"]]
            self.windows = [
                {
                    "index": 0,
                    "label": "current",
                    "start": None,
                    "end": None,
                    "end_label": "",
                    "rows": int(result.n_current),
                    "judged": True,
                    "status": result.status,
                    "n_drifted": len(result.drifted_features),
                }
            ]
            self.distance = frame["distance"].to_numpy(dtype=np.float64)[:, None]
            self.threshold = frame["threshold"].to_numpy(dtype=np.float64)[:, None]
            self.drifted = frame["drifted"].to_numpy(dtype=bool)[:, None]
            self.methods = [[str(m)] for m in frame["method"]]
            self.ratio = np.array(
                [
                    [_ratio(d, th, m[0])]
                    for d, th, m in zip(
                        self.distance[:, 0], self.threshold[:, 0], self.methods
                    )
                ],
                dtype=np.float64,
            ).reshape(-1, 1)
            self.skipped = {
                (i, 0): str(reason)
                for i, reason in enumerate(frame["skipped_reason"])
                if reason
            }
        self.features = _labels(self.names)

    def label(self, feature: Any) -> Any:
        """The label of ``feature`` given by its own name or, failing that, by its
        label (the value itself when it is neither)."""
        from ..core.frames import same_name

        for name, label in zip(self.names, self.features):
            if same_name(name, feature):
                return label
        return feature

    def report(self, w: int) -> DriftReport | None:
        if self.kind == "single":
            return self.result
        if not self.windows[w]["judged"]:
            return None
        return self.result.report(w)

    def note(self, f: int, w: int) -> str:
        rep = self.report(w)
        if rep is None:
            return ""
        name = self.names[f]
        for r in rep._rows:
            if r["feature"] is name or r["feature"] == name:
                return str(r["note"] or "")
        return ""

    def state(self, f: int, w: int) -> int:
        if not self.windows[w]["judged"]:
            return TOO_SMALL
        if (f, w) in self.skipped:
            return NOT_COMPARED
        return DRIFTED if self.drifted[f, w] else OK

    def main_method(self, f: int) -> str:
        names = [m for m in self.methods[f] if m]
        if not names:
            return ""
        return max(set(names), key=names.count)


class DriftChart(QuietWrites, StaticFallback, anywidget.AnyWidget):
    """Explore feature drift: a heatmap of features × windows, line charts of the
    selected features, and the two distributions behind any cell.

    Parameters
    ----------
    result:
        What :func:`mlnb.drift_over_time` returned (one column per window), or
        what :func:`mlnb.drift` returned (one column).
    features:
        Features drawn in the line chart first (default: those that drifted in
        the last judged window, else the worst, at most 3), by their names in
        the result or their labels. The browser shows features by text labels:
        ``str(name)``, or ``repr(name)`` where two names print alike (``0`` and
        ``"0"``); the traits hold those labels.
    cell:
        ``(feature, window)`` whose distributions are shown first (default: the
        worst cell of the last judged window).

    Attributes
    ----------
    selected_features : list of str
        Features in the line chart (at most :data:`MAX_SELECTED`; any feature of
        the result). Set by the view when a feature name is clicked.
    selected_cell : dict
        ``{"feature": name, "window": index}`` (the result's window index, 0 for
        a single report) whose distributions are shown; ``{}`` for none. Set by the
        view when a cell is clicked.
    heatmap : dict
        ``features`` (at most :data:`MAX_FEATURES`, worst first), ``kinds``,
        ``methods`` (per feature), ``p_value`` (per feature: its values are
        p-values, drift below the threshold), ``windows`` (at most
        :data:`MAX_WINDOWS`, the latest, oldest first: ``index``, ``label``,
        ``start``, ``end``, ``end_label``, ``rows``, ``judged``, ``status``,
        ``n_drifted``), per feature × window ``ratio`` (distance / threshold),
        ``distance`` and ``state`` (0 compared, 1 drifted, 2 not compared, 3 window
        too small), ``thresholds`` (per feature: a number, or a list per window when
        it varies), ``skipped`` (``[feature, window, reason]`` positions in the
        lists above) and ``reasons``; ``n_features``, ``n_windows`` (in the
        result), ``note``.
    series : dict
        ``lines``: per selected feature, ``feature``, ``kind``, ``method``,
        ``p_value``, ``threshold``, ``thresholds`` (per window) ``distance`` and
        ``drifted`` per window of the heatmap (None where not judged or not
        compared).
    distribution : dict
        The selected cell: ``feature``, ``window``, ``window_label``, ``rows``,
        ``judged``, ``compared``, ``kind``, ``method``, ``method_name``,
        ``p_value``, ``distance``, ``threshold``, ``drifted``, ``n_reference``,
        ``labels``, ``reference``, ``current`` (shares, at most :data:`MAX_BINS`
        bins, empty bins left out), ``n_bins``, ``truncated``, ``note``,
        ``reason`` (why it was not compared or judged). ``{}`` for no cell.
    context : dict
        ``source`` ("over_time" or "single"), ``time_column``, ``freq``,
        ``method``, ``min_rows``, ``n_reference``, ``n_current``,
        ``n_missing_time``, ``timezone``, ``max_selected``.
    status, summary : str
        The result's verdict.
    error : str
        Why the last setting was refused (the trait keeps its previous value);
        "" after a setting that worked.

    Examples
    --------
    >>> over = mlnb.drift_over_time(
    ...     train, serving, time_column="ts", freq="7D"
    ... )  # doctest: +SKIP
    >>> chart = mlnb.DriftChart(over)  # doctest: +SKIP
    >>> chart.selected_cell = {"feature": "x0", "window": 4}  # doctest: +SKIP
    >>> chart.distribution["current"]  # doctest: +SKIP
    """

    _esm = widget_esm("drift")
    _css = widget_css("drift", prefix="mlnb-dc")

    # -- set by the view (or by Python) ---------------------------------------------
    selected_features = t.List().tag(sync=True)
    selected_cell = t.Dict().tag(sync=True)

    # -- written by the widget, drawn by the view ------------------------------------
    heatmap = t.Dict().tag(sync=True)
    series = t.Dict().tag(sync=True)
    distribution = t.Dict().tag(sync=True)
    context = t.Dict().tag(sync=True)
    status = t.Unicode("info").tag(sync=True)
    summary = t.Unicode("").tag(sync=True)
    error = t.Unicode("").tag(sync=True)

    def __init__(
        self,
        result: DriftOverTime | DriftReport,
        *,
        features: list[str] | None = None,
        cell: tuple[str, Any] | None = None,
    ) -> None:
        if not isinstance(result, (DriftOverTime, DriftReport)):
            raise MlnbValueError(
                "DriftChart needs what mlnb.drift_over_time() or mlnb.drift() "
                f"returns; got {type(result).__name__}. To compute and show in one "
                "go: DriftChart.compute(reference, current, time_column=...)"
            )
        self._result = result
        self._src = _Source(result)
        self._shown_windows = self._pick_windows()
        self._shown_features = self._pick_features()
        if features is None:
            selected = self._default_features()
        else:
            selected = (
                [features]
                if isinstance(features, str) or not isinstance(features, list)
                else list(features)
            )
            selected = [self._src.label(f) for f in selected]
            problem = self._check_features(selected)
            if problem:
                raise MlnbValueError(problem)
        if cell is None:
            selected_cell = self._default_cell()
        else:
            if not (isinstance(cell, (tuple, list)) and len(cell) == 2):
                raise MlnbValueError(f"cell must be (feature, window); got {cell!r}")
            feature, window = cell
            if isinstance(result, DriftOverTime) and not isinstance(window, int):
                window = result.window_index(window)
            selected_cell = {"feature": self._src.label(feature), "window": window}
            problem = self._check_cell(selected_cell)
            if problem:
                raise MlnbValueError(problem)
        state: dict[str, Any] = {
            "selected_features": selected,
            "selected_cell": selected_cell,
            "heatmap": self._heatmap(),
            "series": self._series(selected),
            "distribution": self._distribution(selected_cell),
            "context": self._context(),
            "status": result.status,
            "summary": result.summary,
        }
        # Every trait first, then the widget opens with them: the browser gets the
        # full state in one message.
        with self._internal():
            anywidget.AnyWidget.__init__(self, **state)

    @classmethod
    def compute(
        cls,
        reference: Any,
        current: Any,
        *,
        time_column: str | None = None,
        **kwargs: Any,
    ) -> DriftChart:
        """Run :func:`mlnb.drift_over_time` (with ``time_column``) or
        :func:`mlnb.drift` (without) and show the result; ``kwargs`` go to the
        check (freq=, method=, features=, ...). The result is published as step
        9's evidence unless ``publish=False``."""
        if time_column is not None:
            result: Any = drift_over_time(
                reference, current, time_column=time_column, **kwargs
            )
        else:
            result = drift(reference, current, **kwargs)
        return cls(result)

    @property
    def result(self) -> DriftOverTime | DriftReport:
        """The result shown."""
        return self._result

    def record(self) -> dict[str, Any]:
        """The status record of the result shown."""
        return self._result.record()

    # -- what is shown ---------------------------------------------------------------
    def _pick_windows(self) -> list[int]:
        n = len(self._src.windows)
        return list(range(max(0, n - MAX_WINDOWS), n))

    def _worst(self) -> list[int]:
        """Every feature, worst first: highest distance / threshold over the shown
        windows; features never compared last; ties in the result's order."""
        ratio = self._src.ratio[:, self._shown_windows]
        keys = []
        for f in range(len(self._src.features)):
            row = ratio[f]
            row = row[~np.isnan(row)]
            worst = float(row.max()) if len(row) else -math.inf
            keys.append((-worst, f))
        return [f for _, f in sorted(keys)]

    def _pick_features(self) -> list[int]:
        return self._worst()[:MAX_FEATURES]

    def _last_judged(self) -> int | None:
        judged = [w for w in self._shown_windows if self._src.windows[w]["judged"]]
        return judged[-1] if judged else None

    def _default_features(self) -> list[str]:
        src = self._src
        last = self._last_judged()
        if last is None:
            return []
        drifted = [f for f in range(len(src.features)) if src.state(f, last) == DRIFTED]
        drifted.sort(key=lambda f: -src.ratio[f, last])
        chosen = drifted[:DEFAULT_SELECTED]
        for f in self._worst():
            if len(chosen) >= DEFAULT_SELECTED:
                break
            ratio = src.ratio[f, self._shown_windows]
            if f not in chosen and not np.isnan(ratio).all():
                chosen.append(f)
        return [src.features[f] for f in chosen]

    def _default_cell(self) -> dict[str, Any]:
        src = self._src
        last = self._last_judged()
        if last is None:
            return {}
        ratio = src.ratio[:, last]
        if np.isnan(ratio).all():
            return {}
        f = int(np.nanargmax(ratio))
        return {"feature": src.features[f], "window": last}

    def _context(self) -> dict[str, Any]:
        r = self._result
        if isinstance(r, DriftOverTime):
            ctx = {
                "source": "over_time",
                "time_column": r.time_column,
                "freq": r.freq,
                "method": r.method,
                "min_rows": r.min_rows,
                "n_reference": r.n_reference,
                "n_current": r.n_current,
                "n_missing_time": r.n_missing_time,
                "timezone": r.timezone,
            }
        else:
            ctx = {
                "source": "single",
                "time_column": None,
                "freq": None,
                "method": r.method,
                "min_rows": None,
                "n_reference": r.n_reference,
                "n_current": r.n_current,
                "n_missing_time": 0,
                "timezone": None,
            }
        ctx["max_selected"] = MAX_SELECTED
        ctx["method_names"] = dict(METHOD_NAMES)
        return jsonable(ctx)

    def _heatmap(self) -> dict[str, Any]:
        src = self._src
        fs, ws = self._shown_features, self._shown_windows
        reasons: list[str] = []
        reason_id: dict[str, int] = {}
        skipped = []
        state, ratio, distance, thresholds = [], [], [], []
        for i, f in enumerate(fs):
            state.append([src.state(f, w) for w in ws])
            ratio.append([_round(src.ratio[f, w]) for w in ws])
            distance.append([_round(src.distance[f, w]) for w in ws])
            values = [_round(src.threshold[f, w]) for w in ws]
            known = {v for v in values if v is not None}
            thresholds.append(
                (known.pop() if known else None) if len(known) <= 1 else values
            )
            for j, w in enumerate(ws):
                reason = src.skipped.get((f, w))
                if reason and src.windows[w]["judged"]:
                    if reason not in reason_id:
                        reason_id[reason] = len(reasons)
                        reasons.append(reason)
                    skipped.append([i, j, reason_id[reason]])
        n_f, n_w = len(src.features), len(src.windows)
        notes = []
        if n_f > len(fs):
            notes.append(f"the {len(fs)} worst of {n_f:,} features")
        if n_w > len(ws):
            notes.append(f"the latest {len(ws)} of {n_w:,} windows")
        methods = [src.main_method(f) for f in fs]
        return jsonable(
            {
                "features": [src.features[f] for f in fs],
                "kinds": [src.kinds[f] for f in fs],
                "methods": methods,
                "p_value": [m in _P_VALUE_METHODS for m in methods],
                "windows": [src.windows[w] for w in ws],
                "ratio": ratio,
                "distance": distance,
                "state": state,
                "thresholds": thresholds,
                "skipped": skipped,
                "reasons": reasons,
                "n_features": n_f,
                "n_windows": n_w,
                "note": ("showing " + " and ".join(notes)) if notes else "",
            }
        )

    def _series(self, selected: list[str]) -> dict[str, Any]:
        src = self._src
        ws = self._shown_windows
        lines = []
        for name in selected:
            f = src.features.index(name)
            dist, drifted, thr = [], [], []
            for w in ws:
                ok = src.state(f, w) in (OK, DRIFTED)
                dist.append(_round(src.distance[f, w]) if ok else None)
                drifted.append(bool(src.drifted[f, w]) if ok else None)
                thr.append(_round(src.threshold[f, w]) if ok else None)
            known = [v for v in thr if v is not None]
            method = src.main_method(f)
            lines.append(
                {
                    "feature": name,
                    "kind": src.kinds[f],
                    "method": method,
                    "method_name": METHOD_NAMES.get(method, method),
                    "p_value": method in _P_VALUE_METHODS,
                    "threshold": known[-1] if known else None,
                    "thresholds": thr,
                    "distance": dist,
                    "drifted": drifted,
                }
            )
        return jsonable({"windows": list(ws), "lines": lines})

    def _distribution(self, cell: dict[str, Any]) -> dict[str, Any]:
        if not cell:
            return {}
        src = self._src
        name, w = cell["feature"], int(cell["window"])
        f = src.features.index(name)
        win = src.windows[w]
        method = src.methods[f][w]
        out: dict[str, Any] = {
            "feature": name,
            "window": w,
            "window_label": win["label"],
            "window_end_label": win["end_label"],
            "rows": win["rows"],
            "judged": win["judged"],
            "compared": src.state(f, w) in (OK, DRIFTED),
            "kind": src.kinds[f],
            "method": method,
            "method_name": METHOD_NAMES.get(method, method),
            "p_value": method in _P_VALUE_METHODS,
            "distance": _round(src.distance[f, w], 6),
            "threshold": _round(src.threshold[f, w], 6),
            "drifted": bool(src.drifted[f, w]),
            "n_reference": int(getattr(self._result, "n_reference", 0)),
            "labels": [],
            "reference": [],
            "current": [],
            "n_bins": 0,
            "truncated": False,
            "note": "",
            "reason": src.skipped.get((f, w), ""),
        }
        if not out["compared"]:
            return jsonable(out)
        rep = src.report(w)
        d = rep.distribution(src.names[f])
        ref = np.asarray(d["reference"], dtype=np.float64)
        cur = np.asarray(d["current"], dtype=np.float64)
        keep = np.flatnonzero((np.nan_to_num(ref) > 0) | (np.nan_to_num(cur) > 0))
        n_bins = len(keep)
        if n_bins > MAX_BINS:
            size = np.maximum(ref[keep], cur[keep])
            top = np.argsort(-size, kind="stable")[:MAX_BINS]
            keep = np.sort(keep[top])
        out.update(
            labels=[str(d["labels"][i]) for i in keep],
            reference=[_round(ref[i], 6) for i in keep],
            current=[_round(cur[i], 6) for i in keep],
            n_bins=int(n_bins),
            truncated=bool(n_bins > MAX_BINS),
            note=src.note(f, w),
        )
        return jsonable(out)

    # -- checking what the view sets -------------------------------------------------
    def _check_features(self, value: Any) -> str:
        if not isinstance(value, (list, tuple)):
            return f"selected_features must be a list of feature names; got {value!r}"
        bad = [v for v in value if not isinstance(v, str)]
        if bad:
            return f"selected_features must hold feature names (text); got {bad[:3]!r}"
        unknown = [v for v in value if v not in self._src.features]
        if unknown:
            return (
                f"unknown feature(s) {unknown[:5]!r}; the result has "
                f"{self._src.features[:20]!r}"
                + (" …" if len(self._src.features) > 20 else "")
            )
        if len(set(value)) != len(value):
            return "selected_features lists a feature twice"
        if len(value) > MAX_SELECTED:
            return (
                f"the line chart shows at most {MAX_SELECTED} features; "
                f"{len(value)} were selected — remove some first"
            )
        return ""

    def _check_cell(self, value: Any) -> str:
        if not isinstance(value, dict):
            return f"selected_cell must be {{feature, window}}; got {value!r}"
        if not value:
            return ""
        if set(value) != {"feature", "window"}:
            return (
                "selected_cell must have exactly the keys 'feature' and 'window'; "
                f"got {sorted(value)!r}"
            )
        feature, window = value["feature"], value["window"]
        if feature not in self._src.features:
            return f"unknown feature {feature!r} in selected_cell"
        n = len(self._src.windows)
        if isinstance(window, bool) or not isinstance(window, int):
            return f"selected_cell window must be a window index; got {window!r}"
        if not 0 <= window < n:
            return f"window {window} does not exist; the result has {n} (0 to {n - 1})"
        return ""

    # -- observers ---------------------------------------------------------------------
    @t.observe("selected_features")
    def _on_features(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        problem = self._check_features(change["new"])
        if problem:
            self._refuse("selected_features", change["old"], problem)
            return
        try:
            series = self._series(list(change["new"]))
        except MlnbError as exc:  # pragma: no cover - checked above
            self._refuse("selected_features", change["old"], str(exc))
            return
        with self._internal(), self.hold_sync():
            self.series = series
            self.error = ""

    @t.observe("selected_cell")
    def _on_cell(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        new = change["new"]
        problem = self._check_cell(new)
        if problem:
            self._refuse("selected_cell", change["old"], problem)
            return
        try:
            distribution = self._distribution(new)
        except MlnbError as exc:
            self._refuse("selected_cell", change["old"], str(exc))
            return
        with self._internal(), self.hold_sync():
            self.distribution = distribution
            self.error = ""

    # -- display -----------------------------------------------------------------------
    def __repr__(self) -> str:
        r = getattr(self, "_result", None)
        if r is None:
            return "<DriftChart (not set up)>"
        return f"<DriftChart step 9 (drift): {r.status.upper()} — {r.summary}>"

    def _static_png(self) -> str | None:
        """The heatmap (or, for one report, the distributions) as a base64 PNG, or
        None when drawing fails — the fallback must never stop the widget."""
        try:
            from ..render import plots

            if isinstance(self._result, DriftOverTime):
                ax = self._result.plot()
            else:
                ax = plot_report_ratios(self._result)
            return plots.figure_png_base64(ax.figure)
        except Exception as exc:  # noqa: BLE001 - report, keep the widget working
            warnings.warn(
                f"DriftChart could not draw its static PNG: {exc}",
                RuntimeWarning,
                stacklevel=3,
            )
            return None

    def _static_html(self, png: str | None) -> str:
        shown = []
        cell = self.selected_cell
        if cell:
            label = self._src.windows[cell["window"]]["label"]
            shown.append(f"cell {cell['feature']} · {label}")
        if self.selected_features:
            shown.append(f"lines: {', '.join(self.selected_features)}")
        note = f" ({'; '.join(shown)})" if shown else ""
        parts = [
            '<div class="mlnb-widget-fallback">',
            '<div style="font-size:12px;color:var(--jp-ui-font-color2, #555)">'
            f"DriftChart — static snapshot{H.esc(note)}; the interactive view "
            "needs a running Jupyter kernel.</div>",
            self._result._repr_html_(),
        ]
        if png:
            if isinstance(self._result, DriftOverTime):
                alt = (
                    "Heatmap of distance over threshold per feature and window; "
                    "drifted cells marked with a dot"
                )
            else:
                alt = (
                    "Distance over threshold per feature, drifted features in the "
                    "alert colour"
                )
            parts.append(H.image_png(png, alt=alt))
        parts.append("</div>")
        return "".join(parts)
