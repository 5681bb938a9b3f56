"""Shared pieces of the matplotlib drawings of finished results
(matplotlib imported only when drawing).

Nothing here uses pyplot: figures are built with :class:`matplotlib.figure.Figure`
so plotting never changes the user's backend or global state.
"""

from __future__ import annotations

import base64
import io
from typing import Any

__all__ = [
    "PALETTE",
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


def figure_png_base64(fig: Any) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return base64.b64encode(buf.getvalue()).decode("ascii")
