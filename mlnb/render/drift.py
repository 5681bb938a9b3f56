"""Drawings for step 9 (drift): the distributions behind a drift report, the
distance / threshold bars of one report, and the features × windows heatmap of
drift over time (matplotlib and escaped HTML).

Results are passed in duck-typed (render imports no check): a drift report
offers ``distribution(feature)``, ``to_frame()``, ``method``; a drift-over-time
result offers ``features``, ``windows``, ``n_windows``, ``freq``, ``method``,
``time_column``, ``heatmap()`` and its per-cell arrays.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core.distances import METHOD_NAMES, threshold_ratio
from . import html as H
from .plots import PALETTE, new_axes, plain_text

__all__ = [
    "drift_distributions",
    "plot_report_ratios",
    "plot_drift_heatmap",
    "html_heatmap",
    "window_label",
    "cell_colour",
]


def window_label(ts: Any) -> str:
    """A window boundary for people: the date alone at midnight."""
    if ts is None:
        return ""
    import pandas as pd

    ts = pd.Timestamp(ts)
    if ts == ts.normalize():
        return ts.strftime("%Y-%m-%d")
    if ts.second == 0:
        return ts.strftime("%Y-%m-%d %H:%M")
    return ts.strftime("%Y-%m-%d %H:%M:%S")


def _axes_for(ax: Any, n: int):
    """``n`` Axes to draw on: the given one(s), or a new figure's grid."""
    if ax is None:
        from matplotlib.figure import Figure

        n = max(n, 1)
        cols = min(3, n)
        rows = (n + cols - 1) // cols
        fig = Figure(figsize=(3.4 * cols, 2.6 * rows), dpi=100, layout="constrained")
        grid = fig.subplots(rows, cols, squeeze=False).ravel()
        for extra in grid[n:]:
            extra.set_visible(False)
        return np.asarray(grid[:n], dtype=object)
    axes = np.asarray(ax, dtype=object).ravel() if np.ndim(ax) else np.array([ax])
    if len(axes) < n:
        from ..errors import MlnbValueError

        raise MlnbValueError(
            f"ax must hold one Axes per feature drawn: {n} features, {len(axes)} "
            "Axes given; pass more Axes, fewer features, or ax=None"
        )
    return axes[:n]


def drift_distributions(report: Any, features: list, *, ax: Any = None):
    """Reference and current shares per bin, one small panel per feature;
    returns a numpy array of the Axes (one per feature)."""
    axes = _axes_for(ax, len(features))
    frame = report.to_frame()
    drifted_of = dict(zip(frame["feature"], frame["drifted"]))
    for a, name in zip(axes, features):
        d = report.distribution(name)
        labels = d["labels"]
        ref, cur = d["reference"], d["current"]
        keep = [i for i, (r, c) in enumerate(zip(ref, cur)) if r > 0 or c > 0][:30]
        x = range(len(keep))
        a.bar(
            [i - 0.2 for i in x],
            [ref[i] for i in keep],
            width=0.4,
            color=PALETTE["majority"],
            label="reference",
        )
        a.bar(
            [i + 0.2 for i in x],
            [cur[i] for i in keep],
            width=0.4,
            color=PALETTE["line"],
            label="current",
        )
        a.set_xticks(
            list(x),
            [plain_text(labels[i]) for i in keep],
            rotation=60,
            ha="right",
            fontsize=6,
        )
        drifted = bool(drifted_of.get(name, False))
        flag = " — drift" if drifted else ""
        style = {"color": PALETTE["minority"]} if drifted else {}
        a.set_title(plain_text(f"{name}{flag}"), fontsize=9, **style)
        for side in ("top", "right"):
            a.spines[side].set_visible(False)
    if len(features):
        axes[0].legend(fontsize=7, frameon=False)
    return axes


def plot_report_ratios(report: Any, *, ax: Any = None, max_features: int = 30):
    """Horizontal bars of distance / threshold per feature of one drift report
    (the worst ``max_features``), drifted ones in the alert colour, the threshold
    as a dashed line at 1; returns the matplotlib Axes."""
    frame = report.to_frame()
    rows = [
        (
            str(r.feature),
            threshold_ratio(r.distance, r.threshold, r.method),
            bool(r.drifted),
        )
        for r in frame.itertuples()
        if not r.skipped_reason
    ]
    rows.sort(key=lambda r: -r[1] if math.isfinite(r[1]) else math.inf)
    rows = rows[:max_features]
    fig, ax = new_axes(ax, figsize=(6.4, 1.1 + 0.26 * max(len(rows), 1)))
    if not rows:
        ax.text(0.5, 0.5, "no feature was compared", ha="center", va="center")
        ax.set_axis_off()
        return ax
    y = range(len(rows))
    colors = [PALETTE["minority"] if d else PALETTE["line"] for _, _, d in rows]
    ax.barh(list(y), [min(r, 5.0) for _, r, _ in rows], color=colors)
    ax.set_yticks(list(y), [plain_text(n) for n, _, _ in rows], fontsize=8)
    ax.invert_yaxis()
    ax.axvline(1.0, color="#444444", ls="--", lw=1)
    ax.set_xlabel("distance / threshold (dashed: the threshold; ≥ 1 drifted)")
    n_drifted = sum(d for _, _, d in rows)
    ax.set_title(
        plain_text(
            f"Drift per feature: {n_drifted} of {len(frame)} drifted "
            f"(method {report.method})"
        ),
        fontsize=10,
    )
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


# ---------------------------------------------------------------------------------
# drift over time: the features × windows heatmap
# ---------------------------------------------------------------------------------
def _feature_order(result: Any, window_idx: list[int]) -> list[int]:
    """Features worst first: highest ratio in the given windows; never compared
    ones last; ties in the reference's order."""
    ratio = result._ratio_matrix()[:, window_idx] if window_idx else None
    keys = []
    for f in range(len(result.features)):
        row = ratio[f] if ratio is not None else np.array([])
        finite = row[~np.isnan(row)] if len(row) else row
        worst = float(np.max(finite)) if len(finite) else -math.inf
        keys.append((-worst, f))
    return [f for _, f in sorted(keys)]


def cell_colour(ratio: float) -> str:
    """Background of a heatmap cell: blues below the threshold, reds from it."""
    if math.isnan(ratio):
        return "transparent"
    if ratio >= 1:
        alpha = 0.45 + 0.5 * min((ratio - 1) / 1.0, 1.0)
        return f"rgba(198,40,40,{alpha:.2f})"
    return f"rgba(21,101,192,{0.05 + 0.35 * ratio:.2f})"


def html_heatmap(result: Any, *, max_features: int = 20, max_windows: int = 12) -> str:
    """The heatmap of a :class:`~mlnb.checks.drift.DriftOverTime` as escaped HTML:
    distance per feature (rows, worst first) and window (the last
    ``max_windows``), coloured by distance / threshold."""
    n_w = result.n_windows
    window_idx = list(range(max(0, n_w - max_windows), n_w))
    order = _feature_order(result, window_idx)[:max_features]
    ratio = result._ratio_matrix()
    cell = (
        "padding:1px 5px;text-align:right;font-variant-numeric:tabular-nums;"
        "white-space:nowrap;"
    )
    labels = [window_label(result.windows[w]["start"]) for w in window_idx]
    years = {label[:5] for label in labels}
    corner = "feature"
    if len(years) == 1 and all(len(label) == 10 for label in labels):
        corner = f"feature · {labels[0][:4]}"  # dates of one year: month-day
        labels = [label[5:] for label in labels]
    head = "".join(
        f'<th style="{cell}font-weight:600">{H.esc(label)}</th>' for label in labels
    )
    body = []
    for f in order:
        tds = []
        for w in window_idx:
            win = result.windows[w]
            if not win["judged"]:
                small = f"{win['rows']:,} rows: too small, not judged"
                tds.append(
                    f'<td style="{cell}color:var(--jp-ui-font-color3, #999)" '
                    f'title="{H.esc(small)}">·</td>'
                )
                continue
            d = result._distance[f, w]
            reason = result._skipped.get((f, w), "")
            if reason:
                tds.append(f'<td style="{cell}" title="{H.esc(reason)}">–</td>')
                continue
            drifted = bool(result._drifted[f, w])
            title = (
                f"{METHOD_NAMES.get(result._methods[f][w], result._methods[f][w])} "
                f"{d:.4g}, threshold {result._threshold[f, w]:g}"
                + (" — drift" if drifted else "")
            )
            weight = "font-weight:700;" if drifted else ""
            mark = "●" if drifted else ""
            tds.append(
                f'<td style="{cell}{weight}background:{cell_colour(ratio[f, w])}" '
                f'title="{H.esc(title)}">{mark}{H.esc(f"{d:.3f}")}</td>'
            )
        body.append(
            f'<tr><th style="{cell}text-align:left;font-weight:normal">'
            f"{H.esc(result.features[f])}</th>{''.join(tds)}</tr>"
        )
    notes = []
    if len(result.features) > max_features:
        notes.append(f"the {max_features} worst of {len(result.features):,} features")
    if n_w > max_windows:
        notes.append(f"the last {max_windows} of {n_w:,} windows")
    note = (
        f'<div style="font-size:11px;color:var(--jp-ui-font-color2, #555)">'
        f"distance per window; ● drifted (distance ≥ threshold); · window too small"
        f"{H.esc('; showing ' + ' and '.join(notes)) if notes else ''}; "
        "<code>.to_frame()</code> has every cell.</div>"
    )
    return (
        '<div style="overflow-x:auto"><table class="mlnb-table" '
        'style="border-collapse:collapse;margin:6px 0;font-size:12px">'
        f'<thead><tr><th style="{cell}text-align:left">{H.esc(corner)}</th>{head}</tr>'
        f"</thead><tbody>{''.join(body)}</tbody></table></div>{note}"
    )


def plot_drift_heatmap(
    result: Any,
    *,
    ax: Any = None,
    max_features: int = 30,
    max_windows: int = 60,
):
    """Matplotlib heatmap of ``result``: distance / threshold per feature and
    window (the worst ``max_features`` features, the last ``max_windows``
    windows), drifted cells marked with a dot, windows too small hatched."""
    from matplotlib.colors import LinearSegmentedColormap, TwoSlopeNorm

    n_w = result.n_windows
    window_idx = list(range(max(0, n_w - max_windows), n_w))
    order = _feature_order(result, window_idx)[:max_features]
    ratio = result._ratio_matrix()[np.ix_(order, window_idx)] if order else None
    height = 1.3 + 0.26 * max(len(order), 1)
    width = min(11.0, max(6.4, 2.6 + 0.32 * len(window_idx)))
    fig, ax = new_axes(ax, figsize=(width, height))
    if ratio is None or ratio.size == 0:
        ax.text(0.5, 0.5, "no feature to show", ha="center", va="center")
        ax.set_axis_off()
        return ax
    cmap = LinearSegmentedColormap.from_list(
        "mlnb_drift", ["#eef3fb", "#9ab8dc", "#f3b562", "#c62828", "#7f1010"]
    ).with_extremes(bad="#e6e6e6")
    vmax = max(2.0, float(np.nanmax(ratio)) if np.isfinite(ratio).any() else 2.0)
    vmax = min(vmax, 4.0)
    shown = np.ma.masked_invalid(np.minimum(ratio, vmax))
    image = ax.imshow(
        shown,
        aspect="auto",
        cmap=cmap,
        norm=TwoSlopeNorm(vmin=0.0, vcenter=1.0, vmax=vmax),
        interpolation="nearest",
    )
    any_small = False
    for j, w in enumerate(window_idx):
        if not result.windows[w]["judged"]:
            any_small = True
            ax.add_patch(
                _hatch_rect(j, len(order)),
            )
    ys, xs = np.nonzero(result._drifted[np.ix_(order, window_idx)])
    if len(xs):
        ax.scatter(xs, ys, s=12, c="white", edgecolors="black", linewidths=0.5)
    labels = [window_label(result.windows[w]["start"]) for w in window_idx]
    step = max(1, math.ceil(len(labels) / 16))
    ticks = list(range(0, len(labels), step))
    ax.set_xticks(ticks, [labels[i] for i in ticks], rotation=45, ha="right")
    ax.set_yticks(
        range(len(order)), [plain_text(result.features[f]) for f in order], fontsize=8
    )
    ax.tick_params(axis="x", labelsize=7)
    bar = ax.figure.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    bar.set_label("distance / threshold", fontsize=8)
    bar.ax.tick_params(labelsize=7)
    title = f"Drift per window of {result.freq} (method {result.method})"
    notes = []
    if len(result.features) > len(order):
        notes.append(f"{len(order)} worst of {len(result.features)} features")
    if n_w > len(window_idx):
        notes.append(f"last {len(window_idx)} of {n_w} windows")
    if notes:
        title += f"\n{', '.join(notes)}"
    ax.set_title(plain_text(title), fontsize=10)
    ax.set_xlabel(
        plain_text(
            f"window start ({result.time_column}); ● drifted (distance ≥ threshold)"
            + ("; hatched: too few rows" if any_small else "")
        ),
        fontsize=8,
    )
    return ax


def _hatch_rect(x: int, n_rows: int):
    from matplotlib.patches import Rectangle

    return Rectangle(
        (x - 0.5, -0.5),
        1,
        n_rows,
        fill=False,
        hatch="///",
        edgecolor="#9e9e9e",
        linewidth=0,
    )
