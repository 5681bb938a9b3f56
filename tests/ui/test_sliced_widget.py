"""The SlicedMetricsView widget (step 6) in JupyterLab, in Chromium.

A notebook fits a small logistic regression on UCI Adult (shipped with mlnb) and
shows its metrics per slice. The numbers the page shows are checked against
scikit-learn on the same rows, computed here (never with mlnb's metrics): ROC AUC
per slice, then recall after choosing that metric, and recall again after moving
the threshold slider with the keyboard. Sorting by a header, the "only
significantly worse" filter and the paging line are checked too, and screenshots
in the light and dark themes go to ``tests/ui/artifacts/sliced-metrics-{light,
dark}.png``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from labpage import TIMEOUT_MS, LabPage, code, write_notebook
from playwright.sync_api import expect
from sklearn.metrics import recall_score, roc_auc_score
from widgetpage import (
    cut_off,
    labels_overlap,
    light_and_dark,
    narrow,
)

pytestmark = pytest.mark.ui

# The data and the model, built the same way in the notebook and here (the
# oracle): lbfgs on the same rows gives the same scores.
DATA_CODE = """\
import numpy as np
import mlnb
from sklearn.linear_model import LogisticRegression

df = mlnb.datasets.load_adult()
df["y"] = (df["income"] == ">50K").astype(int)
features = ["age", "education_num", "hours_per_week", "capital_gain"]
model = LogisticRegression(max_iter=1000).fit(df[features], df["y"])
df["score"] = model.predict_proba(df[features])[:, 1]
"""
SLICE_BY = ["sex", "race", "workclass", ("sex", "race")]
WIDGET_CODE = f"""\
from mlnb.widgets import SlicedMetricsView

view = SlicedMetricsView.compute(
    df, label="y", score="score", slice_by={SLICE_BY!r}
)
view
"""


def the_data() -> Any:
    namespace: dict[str, Any] = {}
    exec(DATA_CODE, namespace)  # noqa: S102 - the constant above
    return namespace["df"]


def slice_mask(df: Any, slicing: str, value: str) -> np.ndarray:
    """Rows of ``slicing = value`` ("sex × race" = "Female × Black"; a missing
    value is the slice "missing")."""
    columns = [c.strip() for c in slicing.split("×")]
    values = [v.strip() for v in value.split("×")]
    mask = np.ones(len(df), dtype=bool)
    for c, v in zip(columns, values):
        col = df[c]
        mask &= (col.isna() if v == "missing" else col.astype(str) == v).to_numpy()
    return mask


def shown(x: float) -> str:
    """A metric as the table prints it."""
    return "–" if np.isnan(x) else f"{x:.3f}"


# -- the page --------------------------------------------------------------------------
def widget(lp: LabPage) -> Any:
    """The widget once it has drawn (a traceback in the notebook fails at once)."""
    notebook = lp.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    w = notebook.locator(".mlnb-sm").first
    error = notebook.locator('[data-mime-type="application/vnd.jupyter.stderr"]')
    w.locator(".mlnb-sm-chart").or_(error).first.wait_for(timeout=TIMEOUT_MS)
    assert error.count() == 0, error.first.inner_text()
    w.locator(".mlnb-sm-table tbody tr").first.wait_for(timeout=TIMEOUT_MS)
    return w


def table(w: Any) -> list[dict[str, str]]:
    """The table as the page shows it: per row, header label -> cell text, with
    ``slicing`` and ``value`` for the slice cell."""
    return w.evaluate(
        """(root) => {
            const heads = [...root.querySelectorAll('.mlnb-sm-table thead th')]
                .map(th => (th.querySelector('button span') || th).textContent);
            return [...root.querySelectorAll('.mlnb-sm-table tbody tr')]
                .filter(tr => tr.querySelector('th.slice'))
                .map(tr => {
                    const cells = [...tr.children];
                    const row = {
                        slicing: tr.querySelector('.mlnb-sm-slicing')?.textContent,
                        value: tr.querySelector('.mlnb-sm-value').textContent,
                        class: tr.className,
                    };
                    cells.forEach((c, i) => { if (i) row[heads[i]] = c.textContent; });
                    return row;
                });
        }"""
    )


def wait_table(lp: LabPage, w: Any, predicate: str, arg: Any = None) -> None:
    """Wait until ``predicate(rows, arg)`` (JavaScript) holds for the table rows,
    each ``{slice: 'sex = Female', cells: [...]}``."""
    lp.page.wait_for_function(
        f"""([root, arg]) => {{
            const rows = [...root.querySelectorAll('.mlnb-sm-table tbody tr')]
                .filter(tr => tr.querySelector('th.slice'))
                .map(tr => ({{
                    slice: (tr.querySelector('.mlnb-sm-slicing')?.textContent ?? '')
                        + ' = ' + tr.querySelector('.mlnb-sm-value').textContent,
                    cells: [...tr.children].map(c => c.textContent),
                }}));
            return ({predicate})(rows, arg);
        }}""",
        arg=[w.element_handle(), arg],
        timeout=TIMEOUT_MS,
    )


# -- the test --------------------------------------------------------------------------
def test_sliced_metrics_table_chart_and_controls(lab_page: LabPage, artifacts) -> None:
    lp = lab_page
    df = the_data()
    y = df["y"].to_numpy()
    s = df["score"].to_numpy()
    write_notebook(
        lp.lab.root / "sliced_metrics.ipynb", [code(DATA_CODE), code(WIDGET_CODE)]
    )
    lp.page.set_viewport_size({"width": 1280, "height": 1500})
    lp.set_theme(dark=False)  # another test may have left the dark theme
    lp.open_notebook("sliced_metrics.ipynb", wait_kernel=True)
    lp.run_all(timeout_ms=120_000)
    w = widget(lp)

    # Every slice of every slicing, on one page, with scikit-learn's ROC AUC.
    rows = table(w)
    expected = set()
    for slicing in ("sex", "race", "workclass", "sex × race"):
        columns = [c.strip() for c in slicing.split("×")]
        values = df[columns].astype(str).where(df[columns].notna(), "missing")
        for combo in values.drop_duplicates().itertuples(index=False):
            expected.add((slicing, " × ".join(combo)))
    assert {(r["slicing"], r["value"]) for r in rows} == expected
    by_slice = {(r["slicing"], r["value"]): r for r in rows}
    for key in [("sex", "Female"), ("race", "Black"), ("sex × race", "Male × White")]:
        m = slice_mask(df, *key)
        assert by_slice[key]["roc_auc"] == shown(roc_auc_score(y[m], s[m])), key
    # the default order: worst ROC AUC first (NaN last)
    aucs = [float(r["roc_auc"]) for r in rows if r["roc_auc"] != "–"]
    assert aucs == sorted(aucs)
    # a slice with fewer than 30 rows is greyed and labelled
    small = by_slice[("workclass", "Never-worked")]
    assert "small" in small["class"] and small["Flag"] == "too small"
    caption = w.locator(".mlnb-sm-caption").inner_text()
    assert caption.startswith(f"{len(expected)} slices")

    # Sort by the row count with the header button: largest first, then smallest.
    w.get_by_role("button", name="Rows", exact=True).click()
    wait_table(
        lp,
        w,
        """(rows) => {
            const n = rows.map(r => Number(r.cells[1].replace(/,/g, '')));
            return n.length > 2 && n.every((v, i) => !i || n[i - 1] >= v);
        }""",
    )
    header = w.locator("th[aria-sort]")
    assert header.get_attribute("aria-sort") == "descending"
    assert (table(w)[0]["slicing"], table(w)[0]["value"]) == ("race", "White")
    w.get_by_role("button", name="Rows", exact=True).press("Enter")  # the keyboard
    wait_table(
        lp,
        w,
        """(rows) => {
            const n = rows.map(r => Number(r.cells[1].replace(/,/g, '')));
            return n.length > 2 && n.every((v, i) => !i || n[i - 1] <= v);
        }""",
    )
    assert w.locator("th[aria-sort]").get_attribute("aria-sort") == "ascending"
    by_count = [(r["slicing"], r["value"]) for r in table(w)]

    # Choose recall: the column follows; compare with recall_score at 0.5.
    w.get_by_label("Metric", exact=True).select_option("recall")
    w.get_by_role("button", name="recall", exact=True).wait_for()
    for key in [("sex", "Female"), ("race", "White")]:
        m = slice_mask(df, *key)
        want = shown(recall_score(y[m], s[m] >= 0.5))
        wait_table(
            lp,
            w,
            """(rows, [label, i, want]) => rows.some(
                r => r.slice === label && r.cells[i] === want)""",
            [f"{key[0]} = {key[1]}", 2, want],
        )

    # Only the slices significantly worse than the rest (on ROC AUC, the goal).
    n_all = len(table(w))
    only = w.get_by_label("Only significantly worse")
    only.check()
    wait_table(lp, w, "(rows, n) => rows.length < n", n_all)
    flagged = table(w)
    assert flagged and all(
        "flagged" in r["class"] and r["Flag"] == "worse" for r in flagged
    )
    expect(w.locator(".mlnb-sm-chart .bar")).to_have_count(len(flagged))
    only.uncheck()
    wait_table(lp, w, "(rows, n) => rows.length === n", n_all)

    # The threshold slider, with the keyboard: PageDown moves a tenth of 0..1.
    slider = w.get_by_label("Threshold", exact=True)
    slider.focus()
    slider.press("PageDown")
    slider.press("PageDown")
    t = float(slider.input_value())
    assert t == pytest.approx(0.3)
    for key in [("sex", "Female"), ("sex × race", "Male × White")]:
        m = slice_mask(df, *key)
        want = shown(recall_score(y[m], s[m] >= t))
        assert want != shown(recall_score(y[m], s[m] >= 0.5))
        wait_table(
            lp,
            w,
            """(rows, [label, i, want]) => rows.some(
                r => r.slice === label && r.cells[i] === want)""",
            [f"{key[0]} = {key[1]}", 2, want],
        )
    assert w.locator(".mlnb-sm-out").inner_text() == "0.3"

    # Pages of 10 rows: the second page holds rows 11-20 of the same order.
    n = len(by_count)
    w.get_by_label("Rows per page").select_option("10")
    pages = -(-n // 10)
    pager = w.locator(".mlnb-sm-pagetext")
    pager.filter(has_text=f"1–10 of {n} · page 1 of {pages}").wait_for()
    w.get_by_role("button", name="Next page").click()
    pager.filter(has_text=f"11–20 of {n} · page 2 of {pages}").wait_for()
    # the pager moves at once; the rows follow when Python has sent the new page
    first = f"{by_count[10][0]} = {by_count[10][1]}"
    wait_table(
        lp,
        w,
        "(rows, first) => rows.length === 10 && rows[0].slice === first",
        first,
    )
    assert [(r["slicing"], r["value"]) for r in table(w)] == by_count[10:20]
    assert w.get_by_role("button", name="Previous page").is_enabled()

    # Slice values are text: nothing in the widget is markup from the data.
    assert w.locator("img").count() == 0
    assert cut_off(w, ".mlnb-sm-tablewrap") == []
    assert labels_overlap(w) == []
    # At this width the whole table fits: no sideways scrolling.
    assert w.locator(".mlnb-sm-tablewrap").evaluate(
        "(e) => e.scrollWidth <= e.clientWidth"
    )
    light_and_dark(
        lp,
        w,
        ".mlnb-sm-card",
        artifacts / "sliced-metrics-light.png",
        artifacts / "sliced-metrics-dark.png",
        scrolls=".mlnb-sm-tablewrap",
    )

    # A narrow page: the controls wrap, nothing is cut off.
    narrow(lp, w, 1500)
    assert cut_off(w, ".mlnb-sm-tablewrap") == []
    assert labels_overlap(w) == []
    assert lp.errors == [], lp.errors
