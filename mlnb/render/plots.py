"""Shared pieces of the matplotlib drawings of finished results
(matplotlib imported only when drawing).

Inside a Jupyter kernel a result's ``.plot()`` draws on a pyplot figure, so the
notebook shows it under the cell as scikit-learn's displays do (with the kernel's own
backend; nothing is switched). Elsewhere (scripts, tests) figures are plain
:class:`matplotlib.figure.Figure` objects that pyplot never sees. Figures drawn only
to be encoded as a PNG (widgets' static fallbacks) are closed by
:func:`figure_png_base64`, so they never show twice.
"""

from __future__ import annotations

import base64
import io
import sys
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
    if _in_kernel():
        import matplotlib.pyplot as plt

        return plt.subplots(1, ncols, figsize=figsize, dpi=100, layout="constrained")
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=100, layout="constrained")
    axes = fig.subplots(1, ncols)
    return fig, axes


def _in_kernel() -> bool:
    """Whether this runs in a Jupyter kernel (an IPython shell with a kernel)."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def figure_png_base64(fig: Any) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    if "matplotlib.pyplot" in sys.modules:  # drawn for the PNG only: never shown
        sys.modules["matplotlib.pyplot"].close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")
