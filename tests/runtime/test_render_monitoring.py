"""The drawing of continuous evaluation returns the Axes it drew on."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from mlnb.render.monitoring import plot_windows
from mlnb.render.plots import figure_png_base64

pytest.importorskip("matplotlib")


def rows(values, *, time=False, interval=True):
    out = []
    for i, v in enumerate(values):
        start = pd.Timestamp("2024-01-01") + pd.Timedelta(days=i) if time else i * 10
        out.append(
            {
                "window": i,
                "window_start": start,
                "value": v,
                "ci_low": v - 0.05 if interval and v is not None else math.nan,
                "ci_high": v + 0.05 if interval and v is not None else math.nan,
                "alert": v is not None and v < 0.8,
            }
        )
    return out


@pytest.mark.parametrize(
    "hist",
    [
        rows([0.9, 0.7, 0.85]),
        rows([0.9, 0.7], time=True),
        rows([0.9, None, 0.7], interval=False),
        [],
    ],
    ids=["count windows", "time windows", "no interval", "nothing yet"],
)
def test_plot_windows_returns_axes(hist):
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    ax = plot_windows(
        hist, metric="accuracy", alert_level=0.8, confidence=0.95, window="1D"
    )
    assert isinstance(ax, Axes) and ax.get_ylabel() == "accuracy"
    assert ax.get_title() == "accuracy per window (1D)"
    assert any("alert level 0.8" in t.get_text() for t in ax.get_legend().texts)
    given = Figure().subplots()
    drawn = plot_windows(
        hist, metric="$x_$", alert_level=0.8, confidence=0.9, window="w", ax=given
    )
    assert drawn is given
    assert figure_png_base64(given.figure)  # renders: "$x_$" is not mathtext
