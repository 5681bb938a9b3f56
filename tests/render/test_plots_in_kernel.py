"""In a Jupyter kernel a result's ``.plot()`` shows its figure under the cell (as
scikit-learn's displays do); a widget's static PNG fallback never adds a second,
stray figure."""

from __future__ import annotations

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

CELLS = [
    "import numpy as np, pandas as pd, mlnb\n"
    "rng = np.random.default_rng(0)\n"
    "y_train = rng.integers(0, 2, 400); y_test = rng.integers(0, 2, 200)\n"
    "g = mlnb.goal(task='binary', metric='roc_auc', target=0.8, publish=False)\n"
    "b = mlnb.baselines(y_train, y_test, publish=False)",
    "b.plot()",  # the figure shows without %matplotlib or .figure
    "X = pd.DataFrame({'a': rng.normal(size=300), 'b': rng.normal(size=300)})\n"
    "yy = (X.a + rng.normal(size=300) > 0).astype(int)\n"
    "from sklearn.linear_model import LogisticRegression\n"
    "w = mlnb.WhatIf(LogisticRegression().fit(X, yy), X.assign(y=yy), label='y')\n"
    "w",  # a widget: its own bundle, no extra figure output
]


def _pngs(cell) -> int:
    return sum(
        "image/png" in out.get("data", {})
        for out in cell.get("outputs", [])
        if out.get("output_type") in ("display_data", "execute_result")
    )


@pytest.mark.slow
def test_plot_shows_in_a_kernel_and_fallbacks_do_not_leak(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in CELLS]
    nbclient.NotebookClient(nb, kernel_name="python3", timeout=300).execute()
    plot_cell, widget_cell = nb.cells[1], nb.cells[2]
    assert _pngs(plot_cell) == 1, plot_cell.outputs
    outputs = widget_cell.outputs
    # exactly one output: the widget's bundle (with its own PNG fallback inside)
    assert len(outputs) == 1, [o.get("data", {}).keys() for o in outputs]
    assert "application/vnd.jupyter.widget-view+json" in outputs[0]["data"]
