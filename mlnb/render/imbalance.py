"""Drawings for step 4: the class distribution and the ROC / PR curves."""

from __future__ import annotations

from typing import Any

from ..errors import MlnbValueError
from .plots import PALETTE, new_axes, plain_text

__all__ = ["class_distribution", "threshold_curves"]


def class_distribution(result: Any, *, ax: Any = None):
    """Bars of class shares; the majority class's share is the accuracy trap.
    Returns the Axes drawn on."""
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
    name = result.label_name
    title = plain_text("label" if name is None or name == "" else name)
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


def threshold_curves(result: Any, *, ax: Any = None, threshold: float | None = None):
    """ROC and precision-recall curves with the operating point marked, on ``ax``
    (two Axes; default: a new figure's). Returns the two Axes as a numpy array."""
    import numpy as np

    if ax is None:
        _, ax = new_axes(figsize=(8.0, 3.2), ncols=2)
    try:
        axes = np.empty(2, dtype=object)
        axes[:] = list(ax)
    except (TypeError, ValueError):
        raise MlnbValueError(
            "ax must be two matplotlib Axes (ROC, precision-recall), e.g. "
            "fig.subplots(1, 2); got "
            f"{type(ax).__name__}"
        ) from None
    roc_ax, pr_ax = axes
    pts = result.curve_points(n=201)
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
