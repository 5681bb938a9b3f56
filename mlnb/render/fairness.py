"""Drawings for step 6: a metric per slice with its confidence interval."""

from __future__ import annotations

from typing import Any

from .plots import PALETTE, new_axes, plain_text

__all__ = ["sliced_bars"]


def sliced_bars(result: Any, *, metric: str, slice_column: str | None = None, ax=None):
    """Horizontal bars of ``metric`` per slice with confidence intervals, the
    overall value as a line; flagged slices in the alert colour."""
    frame = result.slices(slice_column)
    frame = frame[frame[metric].notna()]
    if len(frame) > 40:  # keep the chart readable: the 40 worst
        from ..core.metrics import get as _metric

        asc = _metric(metric).higher_is_better is not False
        frame = frame.sort_values(metric, ascending=asc, kind="stable").head(40)
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
