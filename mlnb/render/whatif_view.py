"""The static drawing of the :class:`mlnb.widgets.whatif.WhatIf` widget: its
scatter as a matplotlib figure (for the PNG fallback). matplotlib is imported by
the caller's axes only."""

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


def scatter(
    points: dict[str, Any], names: dict[str, str], sample: dict[str, Any], *, ax: Any
) -> Any:
    """Draw the widget's points (its ``points`` trait) on ``ax``; returns ``ax``.

    ``names`` holds the axis titles by key (``"x"``, ``"y"``, ``"color"``).

    Categorical axes are spread by a small deterministic jitter around each
    category, as the view does.
    """
    rng = np.random.default_rng(0)
    n = len(points.get("row", []))

    def coords(key: str) -> np.ndarray:
        v = np.array(
            [np.nan if a is None else a for a in points.get(key, [])], dtype=float
        )
        if points.get(f"{key}_kind") == "categorical" and n:
            v = v + rng.uniform(-0.3, 0.3, size=n)
        return v

    x, y = coords("x"), coords("y")
    color_kind = points.get("color_kind")
    if color_kind == "categorical":
        cats = points.get("color_categories", [])
        codes = np.asarray(points.get("color", []), dtype=int)
        for k, cat in enumerate(cats[: len(_CATEGORY_COLORS)]):
            m = codes == k
            if m.any():
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
    elif color_kind == "numeric":
        c = np.array(
            [np.nan if a is None else a for a in points.get("color", [])], dtype=float
        )
        ax.scatter(x, y, s=6, alpha=0.6, c=c, cmap="viridis")
    else:
        ax.scatter(x, y, s=6, alpha=0.6, color=_CATEGORY_COLORS[0])
    ax.set_xlabel(plain_text(names.get("x", "")))
    ax.set_ylabel(plain_text(names.get("y", "")))
    for key, ticks in (("x", ax.set_xticks), ("y", ax.set_yticks)):
        if points.get(f"{key}_kind") == "categorical":
            cats = points.get(f"{key}_categories", [])
            if len(cats) <= 12:
                ticks(range(len(cats)), [plain_text(c) for c in cats])
    ax.set_title(plain_text(sample.get("text", "")), fontsize=9)
    return ax
