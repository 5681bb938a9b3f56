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

Compare mode: the same data with a random forest as the second model. Each model
is named (its class) wherever both are shown and drawn in its own colour; the two
predictions in the point card and the editor, the PDP and ICE lines, both curves
with their areas and both models' metrics are checked against scikit-learn's, and
screenshots go to ``whatif-compare-{datapoints,editor,pdp,performance}-{light,
dark}.png``, ``whatif-compare-counterfactual-light.png`` and
``whatif-compare-performance-narrow.png``.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from labpage import TIMEOUT_MS, LabPage, code, write_notebook
from playwright.sync_api import expect
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    confusion_matrix,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
)
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


# -- compare mode ----------------------------------------------------------------------
COMPARE_CODE = """\
from sklearn.ensemble import RandomForestClassifier
from sklearn.preprocessing import OrdinalEncoder

forest = make_pipeline(
    make_column_transformer(
        (OrdinalEncoder(), ["sex", "job"]), remainder="passthrough"
    ),
    RandomForestClassifier(n_estimators=60, max_depth=6, random_state=0),
).fit(df[features], df["y"])
"""
COMPARE_WIDGET_CODE = """\
from mlnb.widgets.whatif import WhatIf

w = WhatIf(model, df, label="y", sensitive="sex", compare=forest, max_points=500)
w
"""


def test_whatif_compare_two_models(lab_page: LabPage, artifacts) -> None:
    """Two models side by side: each is named (its class) wherever both are
    shown, in its own colour; the predictions in the editor, the PDP and ICE
    lines, the curves and the metrics are both models', as scikit-learn gives
    them."""
    lp = lab_page
    ns = the_data()
    exec(COMPARE_CODE, ns)  # noqa: S102 - the constant above
    df, model, forest, features = ns["df"], ns["model"], ns["forest"], ns["features"]
    a, b = "LogisticRegression", "RandomForestClassifier"
    write_notebook(
        lp.lab.root / "whatif-compare.ipynb",
        [code(DATA_CODE), code(COMPARE_CODE), code(COMPARE_WIDGET_CODE)],
    )
    lp.page.set_viewport_size({"width": 1280, "height": 1500})
    lp.set_theme(dark=False)
    lp.open_notebook("whatif-compare.ipynb", wait_kernel=True)
    lp.run_all(timeout_ms=120_000)
    w = widget(lp)
    w.get_by_text(f"comparing {a} with {b}").wait_for()

    # The point card: each model's prediction under its name.
    row = select_a_point(lp, w)
    original = df.loc[[row], features]
    card = w.locator(".mlnb-wi-pointcard")
    expect(card.locator(".mlnb-wi-model-a")).to_have_text(
        f"{a}: {prediction_text(model, original)}"
    )
    expect(card.locator(".mlnb-wi-model-compare")).to_have_text(
        f"{b}: {prediction_text(forest, original)}"
    )
    # Where the two models disagree, as a colour of the scatter.
    w.get_by_label("Colour", exact=True).select_option(
        label="agreement of the two models"
    )
    legend = w.locator(".mlnb-wi-panel-datapoints .mlnb-wi-legend")
    expect(legend).to_contain_text("agree")
    s_a = model.predict_proba(df[features])[:, 1] >= 0.5
    s_b = forest.predict_proba(df[features])[:, 1] >= 0.5
    assert (s_a != s_b).any()  # the legend has both keys to show
    expect(legend).to_contain_text("disagree")
    light_and_dark(
        lp,
        w,
        ".mlnb-wi-card",
        artifacts / "whatif-compare-datapoints-light.png",
        artifacts / "whatif-compare-datapoints-dark.png",
    )

    # Edit the age: both predictions follow, each with its change.
    card.get_by_role("button", name="Edit this point").click()
    new_age = 79 if df.loc[row, "age"] < 50 else 20
    age = w.get_by_label("age", exact=True)
    age.fill(str(new_age))
    age.press("Enter")
    edited = original.assign(age=new_age)
    pred = w.locator(".mlnb-wi-pred")
    expect(pred.locator(".mlnb-wi-model-a .mlnb-wi-predtext")).to_have_text(
        prediction_text(model, edited)
    )
    expect(pred.locator(".mlnb-wi-model-compare .mlnb-wi-predtext")).to_have_text(
        prediction_text(forest, edited)
    )
    assert f"was {prediction_text(forest, original)}" in (
        pred.locator(".mlnb-wi-model-compare").inner_text()
    )
    history = w.locator(".mlnb-wi-historylist li").first
    expect(history).to_contain_text(f"{prediction_text(model, edited)} ({a})")
    expect(history).to_contain_text(f"{prediction_text(forest, edited)} ({b})")
    expect(w.locator(".mlnb-wi-attrside")).to_contain_text(f"Attributions of {a}")
    assert cut_off(w) == []
    light_and_dark(
        lp,
        w,
        ".mlnb-wi-card",
        artifacts / "whatif-compare-editor-light.png",
        artifacts / "whatif-compare-editor-dark.png",
    )

    # The counterfactual table shows the compared model's predictions too.
    tab(w, "Nearest counterfactual")
    w.locator(".mlnb-wi-table tr.differs").first.wait_for()
    expect(w.locator(".mlnb-wi-panel-counterfactual")).to_contain_text(
        f"prediction of {b}"
    )

    # Partial dependence: PDP and ICE of both, told apart by the legend.
    tab(w, "Partial dependence")
    panel = w.locator(".mlnb-wi-panel-pdp")
    for cls in ("pdp.a", "pdp.compare", "ice.a", "ice.compare"):
        panel.locator(f"svg path.line.{cls}").wait_for(timeout=60_000)
    keys = panel.locator(".mlnb-wi-legend .mlnb-wi-key").all_inner_texts()
    assert keys == [
        f"PDP of {a}",
        f"PDP of {b}",
        f"ICE of row {row}, {a}",
        f"ICE of row {row}, {b}",
    ]
    # each model's lines share its colour, and the two models' colours differ
    colour = panel.locator("svg").evaluate(
        """(svg) => Object.fromEntries(['pdp.a', 'ice.a', 'pdp.compare',
            'ice.compare'].map(c => [c, getComputedStyle(
                svg.querySelector('path.line.' + c)).stroke]))"""
    )
    assert colour["pdp.a"] == colour["ice.a"] != colour["pdp.compare"]
    assert colour["pdp.compare"] == colour["ice.compare"]
    assert labels_overlap(w, ".mlnb-wi-panel-pdp svg") == []
    light_and_dark(
        lp,
        w,
        ".mlnb-wi-card",
        artifacts / "whatif-compare-pdp-light.png",
        artifacts / "whatif-compare-pdp-dark.png",
    )

    # Performance: both curves named with their areas, both operating points,
    # the metrics side by side — as scikit-learn computes them.
    tab(w, "Performance & fairness")
    y = df["y"].to_numpy()
    p_a = model.predict_proba(
        df[features].assign(age=df["age"].where(df.index != row, new_age))
    )[:, 1]
    p_b = forest.predict_proba(
        df[features].assign(age=df["age"].where(df.index != row, new_age))
    )[:, 1]
    perf = w.locator(".mlnb-wi-panel-performance")
    table = perf.locator(".mlnb-wi-comparetable")
    table.wait_for()
    expect(perf.locator(".mlnb-wi-comparebox .mlnb-wi-tabletitle")).to_have_text(
        "Both models at threshold 0.50"
    )
    expect(table.locator("thead th")).to_have_text(
        ["model", "accuracy", "precision", "recall", "F1", "FPR", "ROC AUC", "AP"]
    )
    for name, p in ((a, p_a), (b, p_b)):
        cells = table.locator(f"tbody tr:has(th[title='{name}']) td")
        expect(cells).to_have_text(
            [
                f"{100 * accuracy_score(y, p >= 0.5):.1f}%",
                f"{100 * precision_score(y, p >= 0.5):.1f}%",
                f"{100 * recall_score(y, p >= 0.5):.1f}%",
                f"{f1_score(y, p >= 0.5):.3f}",
                re.compile(r"\d+\.\d%"),
                f"{roc_auc_score(y, p):.3f}",
                f"{average_precision_score(y, p):.3f}",
            ]
        )
    roc_legend = perf.locator(".mlnb-wi-curvelegend").first
    expect(roc_legend).to_have_text(
        re.compile(
            rf"{a} · AUC {roc_auc_score(y, p_a):.3f}\s*"
            rf"{b} · AUC {roc_auc_score(y, p_b):.3f}"
        )
    )
    assert perf.locator("svg circle.op.a").count() == 2  # ROC and PR
    assert perf.locator("svg circle.op.compare").count() == 2
    assert labels_overlap(w, ".mlnb-wi-panel-performance svg") == []
    # per-group thresholds: both models at the same thresholds
    w.get_by_label("Thresholds", exact=True).select_option("equal_opportunity")
    expect(perf.locator(".mlnb-wi-comparebox .mlnb-wi-tabletitle")).to_have_text(
        "Both models at the same per-group thresholds"
    )
    light_and_dark(
        lp,
        w,
        ".mlnb-wi-card",
        artifacts / "whatif-compare-performance-light.png",
        artifacts / "whatif-compare-performance-dark.png",
    )
    # The counterfactual now differs at each row's group threshold, and says so.
    tab(w, "Nearest counterfactual")
    note = w.locator(".mlnb-wi-cfnote")
    expect(note).to_contain_text(
        "Each prediction at its group's threshold (Equal opportunity)"
    )
    assert cut_off(w, ".mlnb-wi-tablewrap") == []
    screenshot(lp, w, artifacts / "whatif-compare-counterfactual-light.png")
    tab(w, "Performance & fairness")
    narrow(lp, w, 2400)
    assert cut_off(w, ".mlnb-wi-tablewrap") == []
    screenshot(lp, w, artifacts / "whatif-compare-performance-narrow.png")
    assert lp.errors == [], lp.errors
