"""Drawing of continuous evaluation (step 9): the metric per window with its
confidence band, the alert level, and the alerting windows (matplotlib imported
only when drawing, no pyplot)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .plots import PALETTE, new_axes, plain_text

__all__ = ["plot_windows"]


def plot_windows(
    history: Sequence[dict[str, Any]],
    *,
    metric: str,
    alert_level: float,
    confidence: float,
    window: str,
    ax: Any = None,
):
    """Draw one line of ``metric`` per closed window.

    Parameters
    ----------
    history:
        One dict per closed window with ``window``, ``window_start``, ``value``,
        ``ci_low``, ``ci_high`` and ``alert`` (an evaluator's history rows).
    metric, alert_level, confidence, window:
        The metric's name, the level drawn as a dashed line, the interval's
        level and the window's description (for the title).
    ax:
        A matplotlib Axes to draw on; a new figure when None.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    _, ax = new_axes(ax, figsize=(6.0, 3.0))
    hist = list(history)
    time_axis = bool(hist) and not isinstance(
        hist[0]["window_start"], (int, np.integer)
    )
    if time_axis:
        x = [_naive(r["window_start"]) for r in hist]
    else:
        x = [r["window"] for r in hist]
    value = np.array([_nan(r["value"]) for r in hist], dtype=np.float64)
    lo = np.array([_nan(r["ci_low"]) for r in hist], dtype=np.float64)
    hi = np.array([_nan(r["ci_high"]) for r in hist], dtype=np.float64)
    if hist:
        if not (np.isnan(lo).all() and np.isnan(hi).all()):
            ax.fill_between(
                x,
                lo,
                hi,
                color=PALETTE["line"],
                alpha=0.18,
                linewidth=0,
                label=f"{confidence:.0%} CI",
            )
        ax.plot(
            x, value, marker="o", ms=3, color=PALETTE["line"], label=plain_text(metric)
        )
        bad = [i for i, r in enumerate(hist) if r["alert"]]
        if bad:
            ax.scatter(
                [x[i] for i in bad],
                value[bad],
                color=PALETTE["minority"],
                zorder=3,
                label="alert",
            )
    ax.axhline(
        alert_level,
        color=PALETTE["minority"],
        linestyle="--",
        linewidth=1,
        label=f"alert level {alert_level:g}",
    )
    ax.set_ylabel(plain_text(metric))
    ax.set_xlabel("window start" if time_axis else "window")
    ax.set_title(plain_text(f"{metric} per window ({window})"), fontsize=10)
    ax.legend(fontsize=7, frameon=False)
    if time_axis:
        for label in ax.get_xticklabels():
            label.set_rotation(30)
            label.set_horizontalalignment("right")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


def _nan(v: Any) -> float:
    return math.nan if v is None else float(v)


def _naive(ts: Any) -> Any:
    return ts.tz_localize(None) if getattr(ts, "tzinfo", None) is not None else ts
