"""Matplotlib drawings of finished results (matplotlib imported only when drawing).

Nothing here uses pyplot: figures are built with :class:`matplotlib.figure.Figure`
so plotting never changes the user's backend or global state.
"""

from __future__ import annotations

import base64
import io
from typing import Any

__all__ = [
    "class_distribution",
    "threshold_curves",
    "figure_png_base64",
    "new_axes",
    "plain_text",
]

PALETTE = {
    "majority": "#8e9aaf",
    "minority": "#d1495b",
    "line": "#00798c",
    "accent": "#edae49",
}


def plain_text(value: Any) -> str:
    """``str(value)`` with ``$`` escaped, so matplotlib draws data text literally
    instead of parsing it as mathtext (a label like ``"$x_$"`` would fail)."""
    return str(value).replace("$", r"\$")


def new_axes(ax: Any = None, *, figsize=(5.0, 3.0), ncols: int = 1):
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=100, layout="constrained")
    axes = fig.subplots(1, ncols)
    return fig, axes


def class_distribution(result: Any, ax: Any = None):
    """Bars of class shares; the majority class's share is the accuracy trap."""
    fig, ax = new_axes(ax)
    labels = [plain_text(k) for k in result.counts]
    shares = [result.shares[k] for k in result.counts]
    colors = [
        PALETTE["minority"] if k == result.minority_label else PALETTE["majority"]
        for k in result.counts
    ]
    bars = ax.bar(range(len(labels)), shares, color=colors)
    ax.set_xticks(range(len(labels)), labels, rotation=0 if len(labels) < 8 else 45)
    ax.set_ylim(0, 1.08)
    ax.set_ylabel("share of rows")
    title = plain_text(result.label_name or "label")
    ax.set_title(f"Class distribution of {title}", fontsize=10)
    for bar, share, k in zip(bars, shares, result.counts):
        ax.annotate(
            f"{share:.1%}\n({result.counts[k]:,})",
            (bar.get_x() + bar.get_width() / 2, share),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    ax.axhline(result.majority_accuracy, color=PALETTE["accent"], ls="--", lw=1)
    ax.text(
        len(labels) - 0.5,
        result.majority_accuracy,
        f"accuracy trap {result.majority_accuracy:.1%}",
        ha="right",
        va="bottom",
        fontsize=8,
        color="#7a5a00",
    )
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


def threshold_curves(result: Any, *, threshold: float | None = None, axes=None):
    """ROC and precision-recall curves with the operating point marked."""
    if axes is None:
        fig, axes = new_axes(figsize=(8.0, 3.2), ncols=2)
    roc_ax, pr_ax = axes
    pts = result.curve_points(201)
    p = result.at(threshold)
    roc_ax.plot([0, *pts["fpr"]], [0, *pts["recall"]], color=PALETTE["line"])
    roc_ax.plot([0, 1], [0, 1], color="#999", lw=0.8, ls=":")
    roc_ax.plot([p.fpr], [p.recall], "o", color=PALETTE["minority"])
    roc_ax.set(
        xlabel="false positive rate",
        ylabel="recall (true positive rate)",
        xlim=(0, 1),
        ylim=(0, 1.02),
    )
    roc_ax.set_title(f"ROC, AUC {result.roc_auc:.3f}", fontsize=10)
    pr_ax.step(pts["recall"], pts["precision"], where="post", color=PALETTE["line"])
    pr_ax.axhline(result.prevalence, color="#999", lw=0.8, ls=":")
    pr_ax.plot([p.recall], [p.precision], "o", color=PALETTE["minority"])
    pr_ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02))
    pr_ax.set_title(
        f"Precision-recall, AUC-PR {result.average_precision:.3f}", fontsize=10
    )
    for a in axes:
        for side in ("top", "right"):
            a.spines[side].set_visible(False)
    return axes


def figure_png_base64(fig: Any) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def sliced_bars(result: Any, *, metric: str, slice_column: str | None = None, ax=None):
    """Horizontal bars of ``metric`` per slice with confidence intervals, the
    overall value as a line; flagged slices in the alert colour."""
    frame = result.slices(slice_column)
    frame = frame[frame[metric].notna()]
    if len(frame) > 40:  # keep the chart readable: the 40 worst
        from ..checks.fairness import HIGHER_IS_BETTER

        asc = HIGHER_IS_BETTER.get(metric, True)
        frame = frame.sort_values(metric, ascending=asc).head(40)
    height = 0.9 + 0.28 * max(len(frame), 1)
    fig, ax = new_axes(ax, figsize=(6.4, height))
    labels = [plain_text(f"{s} = {v}") for s, v in zip(frame["slice"], frame["value"])]
    values = frame[metric].to_numpy()
    lo = values - frame[f"{metric}_ci_low"].to_numpy()
    hi = frame[f"{metric}_ci_high"].to_numpy() - values
    colors = [
        PALETTE["minority"] if flag else ("#c8c8c8" if small else PALETTE["line"])
        for flag, small in zip(frame["significantly_worse"], frame["too_small"])
    ]
    y = range(len(frame))
    ax.barh(y, values, color=colors, xerr=[lo, hi], error_kw={"lw": 0.8})
    ax.set_yticks(list(y), labels, fontsize=8)
    ax.invert_yaxis()
    overall = result.overall[metric]
    ax.axvline(overall, color=PALETTE["accent"], ls="--", lw=1)
    ax.set_xlabel(f"{metric} (overall {overall:.3f}, dashed)")
    ax.set_title(f"{metric} per slice, {result.confidence:.0%} intervals", fontsize=10)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


def drift_distributions(report: Any, features: list[str]):
    """Reference and current shares per bin, one small panel per feature."""
    from matplotlib.figure import Figure

    n = max(len(features), 1)
    cols = min(3, n)
    rows = (n + cols - 1) // cols
    fig = Figure(figsize=(3.4 * cols, 2.6 * rows), dpi=100, layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, name in zip(axes, features):
        d = report.distribution(name)
        labels = d["labels"]
        ref, cur = d["reference"], d["current"]
        keep = [i for i, (a, b) in enumerate(zip(ref, cur)) if a > 0 or b > 0][:30]
        x = range(len(keep))
        ax.bar(
            [i - 0.2 for i in x],
            [ref[i] for i in keep],
            width=0.4,
            color=PALETTE["majority"],
            label="reference",
        )
        ax.bar(
            [i + 0.2 for i in x],
            [cur[i] for i in keep],
            width=0.4,
            color=PALETTE["line"],
            label="current",
        )
        ax.set_xticks(
            list(x),
            [plain_text(labels[i]) for i in keep],
            rotation=60,
            ha="right",
            fontsize=6,
        )
        row = next(r for r in report._rows if r["feature"] == name)
        flag = " — drift" if row["drifted"] else ""
        style = {"color": PALETTE["minority"]} if row["drifted"] else {}
        ax.set_title(plain_text(f"{name}{flag}"), fontsize=9, **style)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    for ax in axes[len(features) :]:
        ax.set_visible(False)
    if features:
        axes[0].legend(fontsize=7, frameon=False)
    return fig
