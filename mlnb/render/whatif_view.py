"""The static drawing of the :class:`mlnb.widgets.whatif.WhatIf` widget: its
scatter on matplotlib axes (for the PNG fallback)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .plots import plain_text

__all__ = ["scatter"]

_CATEGORY_COLORS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)


def _coords(col: Any) -> tuple[np.ndarray, list]:
    """Numbers to draw and the tick names of a categorical column (jittered by a
    fixed seed around each category, as the view does)."""
    values = np.asarray(col)
    if values.dtype.kind in "if":
        return values.astype(np.float64), []
    cats = sorted({str(v) for v in values})
    codes = np.searchsorted(np.asarray(cats, dtype=object), values.astype(str))
    rng = np.random.default_rng(0)
    return codes + rng.uniform(-0.3, 0.3, len(codes)), cats


def scatter(points: Any, names: dict[str, str], title: str, *, ax: Any) -> Any:
    """Draw ``points`` (the widget's ``scatter_points()`` frame) on ``ax``;
    ``names`` holds the axis titles by key (``"x"``, ``"y"``, ``"color"``).
    Returns ``ax``."""
    x, x_cats = _coords(points["x"])
    y, y_cats = _coords(points["y"])
    if "color" in points and points["color"].dtype.kind not in "if":
        color = points["color"].astype(str).to_numpy()
        for k, cat in enumerate(sorted(set(color))[: len(_CATEGORY_COLORS)]):
            m = color == cat
            ax.scatter(
                x[m],
                y[m],
                s=6,
                alpha=0.6,
                color=_CATEGORY_COLORS[k],
                label=plain_text(cat),
            )
        ax.legend(
            title=plain_text(names.get("color", "")),
            fontsize=7,
            loc="best",
            markerscale=2,
        )
    elif "color" in points:
        ax.scatter(x, y, s=6, alpha=0.6, c=points["color"].to_numpy(), cmap="viridis")
    else:
        ax.scatter(x, y, s=6, alpha=0.6, color=_CATEGORY_COLORS[0])
    ax.set_xlabel(plain_text(names.get("x", "")))
    ax.set_ylabel(plain_text(names.get("y", "")))
    if 0 < len(x_cats) <= 12:
        ax.set_xticks(range(len(x_cats)), [plain_text(c) for c in x_cats])
    if 0 < len(y_cats) <= 12:
        ax.set_yticks(range(len(y_cats)), [plain_text(c) for c in y_cats])
    ax.set_title(plain_text(title), fontsize=9)
    return ax
