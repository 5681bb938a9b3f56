"""Drawings for step 9: distributions of drifted features."""

from __future__ import annotations

from typing import Any

from .plots import PALETTE, plain_text

__all__ = ["drift_distributions"]


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
