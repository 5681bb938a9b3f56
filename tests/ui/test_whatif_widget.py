"""The WhatIf widget (step 6) in JupyterLab, in Chromium.

A notebook fits a logistic regression pipeline on seeded people-like data (2,000
rows) and opens ``WhatIf`` with a 500-point sample. The test selects a point on
the canvas, edits its age in the editor and sees the prediction change to what
scikit-learn predicts for the edited row (computed here, never with mlnb); a
wrong-type edit is refused with a message naming the feature; undo brings the
prediction back. The counterfactual, partial dependence and performance tabs are
opened (the confusion matrix against scikit-learn's), and screenshots of the
datapoints, editor and performance tabs in the light and dark themes go to
``tests/ui/artifacts/whatif-{datapoints,editor,performance}-{light,dark}.png``
(and of the counterfactual and partial dependence tabs, light, to
``whatif-{counterfactual,pdp}-light.png``).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from labpage import TIMEOUT_MS, LabPage, code, write_notebook
from playwright.sync_api import expect
from sklearn.metrics import confusion_matrix
from widgetpage import cut_off, labels_overlap, light_and_dark, narrow, screenshot

pytestmark = pytest.mark.ui

DATA_CODE = """\
import numpy as np
import pandas as pd
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

rng = np.random.default_rng(20261202)
n = 2_000
df = pd.DataFrame({
    "age": rng.integers(18, 80, n),
    "hours": np.round(rng.normal(40, 10, n), 1),
    "sex": rng.choice(["Female", "Male"], n),
    "job": rng.choice(["clerk", "nurse", "pilot"], n),
})
logit = (df["age"] - 45) / 12 + (df["job"] == "pilot") - 0.3 * (df["sex"] == "Male")
df["y"] = (logit + rng.normal(0, 1, n) > 0).astype(int)
features = ["age", "hours", "sex", "job"]
model = make_pipeline(
    make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), ["sex", "job"]),
        remainder="passthrough",
    ),
    LogisticRegression(max_iter=1000),
).fit(df[features], df["y"])
"""
WIDGET_CODE = """\
from mlnb.widgets.whatif import WhatIf

w = WhatIf(model, df, label="y", sensitive="sex", max_points=500)
w
"""


def the_data() -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(DATA_CODE, namespace)  # noqa: S102 - the constant above
    return namespace


def prediction_text(model: Any, rows: Any) -> str:
    """The prediction as the editor prints it, from scikit-learn."""
    p = float(model.predict_proba(rows)[0, 1])
    return f"P(1) = {p:.3f} → {1 if p >= 0.5 else 0}"


# -- the page --------------------------------------------------------------------------
def widget(lp: LabPage) -> Any:
    notebook = lp.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    w = notebook.locator(".mlnb-wi").first
    error = notebook.locator('[data-mime-type="application/vnd.jupyter.stderr"]')
    w.locator(".mlnb-wi-canvas").or_(error).first.wait_for(timeout=TIMEOUT_MS)
    assert error.count() == 0, error.first.inner_text()
    return w


def tab(w: Any, name: str) -> None:
    w.get_by_role("tab", name=name, exact=True).click()
    w.locator('[role="tabpanel"]:not([hidden])').first.wait_for()


def select_a_point(lp: LabPage, w: Any) -> int:
    """Click the canvas until a point is selected; returns its row label."""
    canvas = w.locator(".mlnb-wi-canvas")
    box = canvas.bounding_box()
    card = w.locator(".mlnb-wi-pointcard")
    for fy in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8):
        for fx in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8):
            lp.page.mouse.click(
                box["x"] + fx * box["width"], box["y"] + fy * box["height"]
            )
            try:
                card.get_by_text(re.compile(r"^Row \d+")).wait_for(timeout=1_500)
            except Exception:  # noqa: BLE001 - no point within reach: try elsewhere
                continue
            text = card.get_by_text(re.compile(r"^Row \d+")).inner_text()
            return int(re.match(r"Row (\d+)", text).group(1))
    raise AssertionError("no point could be selected on the canvas")


# -- the test --------------------------------------------------------------------------
def test_whatif_select_edit_reinfer(lab_page: LabPage, artifacts) -> None:
    lp = lab_page
    ns = the_data()
    df, model, features = ns["df"], ns["model"], ns["features"]
    write_notebook(lp.lab.root / "whatif.ipynb", [code(DATA_CODE), code(WIDGET_CODE)])
    lp.page.set_viewport_size({"width": 1280, "height": 1500})
    lp.set_theme(dark=False)
    lp.open_notebook("whatif.ipynb", wait_kernel=True)
    lp.run_all(timeout_ms=120_000)
    w = widget(lp)

    # The sample is said, and the scatter is drawn at the card's width.
    w.get_by_text("showing 500 of 2,000 rows, random sample, seed 0").wait_for()
    assert w.locator(".mlnb-wi-canvas").evaluate("(c) => c.width > 300")
    assert w.get_by_role("tab", name="Datapoints").get_attribute("aria-selected") == (
        "true"
    )

    # Select a point: the card shows its prediction, as scikit-learn gives it.
    row = select_a_point(lp, w)
    original = df.loc[[row], features]
    card = w.locator(".mlnb-wi-pointcard")
    expect(card.locator(".mlnb-wi-predtext")).to_have_text(
        prediction_text(model, original)
    )
    # The keyboard steps to the next drawn point, and back.
    canvas = w.locator(".mlnb-wi-canvas")
    canvas.press("ArrowRight")
    expect(card.locator(".mlnb-wi-strong").first).not_to_have_text(
        re.compile(rf"^Row {row}\b")
    )
    canvas.press("ArrowLeft")
    expect(card.locator(".mlnb-wi-strong").first).to_have_text(
        re.compile(rf"^Row {row}\b")
    )
    # Facets by sex: one panel per group, titled, side by side.
    height = canvas.evaluate("(c) => c.getBoundingClientRect().height")
    w.get_by_label("Facet", exact=True).select_option(label="sex")
    lp.page.wait_for_function(
        "([c, h]) => c.getBoundingClientRect().height !== h",
        arg=[canvas.element_handle(), height],
    )
    screenshot(lp, w, artifacts / "whatif-facets-light.png")
    w.get_by_label("Facet", exact=True).select_option(label="(none)")
    light_and_dark(
        lp,
        w,
        ".mlnb-wi-card",
        artifacts / "whatif-datapoints-light.png",
        artifacts / "whatif-datapoints-dark.png",
    )

    # The editor shows the row's features; edit the age: the prediction follows.
    card.get_by_role("button", name="Edit this point").click()
    age = w.get_by_label("age", exact=True)
    assert age.input_value() == str(df.loc[row, "age"])
    assert w.get_by_label("job", exact=True).input_value() == df.loc[row, "job"]
    new_age = 79 if df.loc[row, "age"] < 50 else 20
    age.fill(str(new_age))
    age.press("Enter")
    edited = original.assign(age=new_age)
    pred = w.locator(".mlnb-wi-pred")
    pred.get_by_text(prediction_text(model, edited), exact=True).wait_for()
    assert prediction_text(model, edited) != prediction_text(model, original)
    assert f"was {prediction_text(model, original)}" in pred.inner_text()
    w.locator(".mlnb-wi-historylist li").first.wait_for()
    assert (
        f"age {df.loc[row, 'age']} → {new_age}"
        in w.locator(".mlnb-wi-historylist").inner_text()
    )

    # A wrong-type edit is refused, the message names the feature and the type.
    age = w.get_by_label("age", exact=True)
    age.fill("forty")
    age.press("Enter")
    alert = w.locator(".mlnb-wi-error[role=alert]")
    alert.filter(has_text="feature 'age' expects a number").wait_for()
    assert prediction_text(model, edited) in pred.inner_text()
    # a category through its dropdown
    job = next(j for j in ("clerk", "nurse", "pilot") if j != df.loc[row, "job"])
    w.get_by_label("job", exact=True).select_option(job)
    both = edited.assign(job=job)
    pred.get_by_text(prediction_text(model, both), exact=True).wait_for()
    assert alert.is_hidden()
    assert cut_off(w) == []
    light_and_dark(
        lp,
        w,
        ".mlnb-wi-card",
        artifacts / "whatif-editor-light.png",
        artifacts / "whatif-editor-dark.png",
    )
    # Undo twice: the original prediction is back.
    undo = w.get_by_role("button", name="Undo the latest change")
    undo.click()
    pred.get_by_text(prediction_text(model, edited), exact=True).wait_for()
    undo.click()
    pred.get_by_text(prediction_text(model, original), exact=True).wait_for()

    # The nearest counterfactual: a table, the differing features highlighted.
    tab(w, "Nearest counterfactual")
    w.locator(".mlnb-wi-table tr.differs").first.wait_for()
    assert (
        "Nearest point with a different prediction"
        in w.locator(".mlnb-wi-panel-counterfactual").inner_text()
    )
    screenshot(lp, w, artifacts / "whatif-counterfactual-light.png")

    # Partial dependence: the PDP line and the selected point's ICE line.
    tab(w, "Partial dependence")
    w.locator(".mlnb-wi-panel-pdp svg path.line.pdp").wait_for(timeout=60_000)
    w.locator(".mlnb-wi-panel-pdp svg path.line.ice").wait_for()
    assert labels_overlap(w, ".mlnb-wi-panel-pdp svg") == []
    screenshot(lp, w, artifacts / "whatif-pdp-light.png")

    # Performance: the confusion matrix at 0.5 as scikit-learn counts it, and
    # per-group thresholds.
    tab(w, "Performance & fairness")
    y = df["y"].to_numpy()
    s = model.predict_proba(df[features])[:, 1]
    tn, fp, fn, tp = confusion_matrix(y, s >= 0.5).ravel()
    cm = w.locator(".mlnb-wi-cm")
    cm.wait_for()
    counts = [
        int(c.replace(",", "")) for c in cm.locator(".mlnb-wi-count").all_inner_texts()
    ]
    assert counts == [tn, fp, fn, tp]
    groups = w.locator(".mlnb-wi-groups tbody tr")
    assert groups.count() == 2
    w.get_by_label("Thresholds", exact=True).select_option("equal_opportunity")
    w.get_by_text("thresholds chosen by Equal opportunity").wait_for()
    assert labels_overlap(w, ".mlnb-wi-panel-performance svg") == []
    light_and_dark(
        lp,
        w,
        ".mlnb-wi-card",
        artifacts / "whatif-performance-light.png",
        artifacts / "whatif-performance-dark.png",
    )

    # Nothing in the widget came from markup; a narrow page wraps, cuts nothing.
    assert w.locator("img").count() == 0
    narrow(lp, w, 1500)
    assert cut_off(w, ".mlnb-wi-tablewrap") == []
    assert lp.errors == [], lp.errors
    assert np.isfinite(s).all()
