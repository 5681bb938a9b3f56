"""Steps 1, 2 and 5 in JupyterLab in Chromium: a notebook writes the goal, computes
the baselines, runs the prototype and the diagnosis; the ML checklist panel lights
up the three steps with the statuses of the saved records, and each result's card
renders inside its cell, nothing cut off, in the light and the dark theme.

Screenshots (``tests/ui/artifacts``): ``steps-1-2-5-panel-{light,dark}.png`` (the
panel beside the goal and baselines cards), ``steps-1-2-5-prototype-{theme}.png``
and ``steps-1-2-5-diagnosis-{theme}.png`` (the cards of steps 2 and 5).
"""

from __future__ import annotations

import json

import pytest
from labpage import LabPage, code, write_notebook
from test_reopen import visible_problems
from test_tutorial_notebook import deciding_record, error_outputs

pytestmark = pytest.mark.ui

RUN_MS = 240_000
STEPS = ("problem", "prototype", "accuracy")

CELLS = [
    "%load_ext mlnb\nimport mlnb",
    "from mlnb.datasets import load_adult\n"
    "df = load_adult('train').sample(3000, random_state=0).reset_index(drop=True)\n"
    "test = load_adult('test').sample(2000, random_state=0)\n"
    "features = ['age', 'education_num', 'hours_per_week', 'capital_gain', 'sex']",
    "mlnb.goal(task='binary', metric='roc_auc', target=0.85, positive_label='>50K',\n"
    "          users='a marketing team choosing whom to send an offer',\n"
    "          decision='who receives the offer')",
    "mlnb.baselines(df.income, test.income, X_train=df[features],\n"
    "               X_test=test[features])",
    "%mlcheck prototype df --label income",
    "from sklearn.linear_model import LogisticRegression\n"
    "X = df[['age', 'education_num', 'hours_per_week', 'capital_gain']]\n"
    "y = (df.income == '>50K').astype(int)\n"
    "mlnb.diagnose(LogisticRegression(max_iter=500), X, y, cv=3)",
]


def _wait_run(lp: LabPage) -> None:
    lp.run_all(timeout_ms=RUN_MS)
    lp.page.wait_for_function(
        """() => {
            const w = window.jupyterapp.shell.currentWidget;
            const k = w.sessionContext.session?.kernel;
            const cells = w.content.widgets.filter(c => c.model.type === 'code');
            return k && k.status === 'idle' &&
                cells[cells.length - 1].model.outputs.length > 0;
        }""",
        timeout=RUN_MS,
    )


def _card_fits(lp: LabPage, index: int) -> dict:
    """Whether the card in code cell ``index`` is visible and fits: nothing in it
    wider than the card, and no table that needs its sideways scroll bar at this
    window width (``spill`` names what overflows)."""
    cell = lp.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").nth(index)
    card = cell.locator(".mlnb-card").first
    card.wait_for()
    return card.evaluate(
        """(c) => {
            const box = c.getBoundingClientRect();
            const spill = [...c.children].filter(e => {
                const r = e.getBoundingClientRect();
                return r.width > 0 && r.right > box.right + 1;
            }).map(e => e.tagName + '.' + e.className);
            for (const s of c.querySelectorAll('.mlnb-scroll')) {
                if (s.scrollWidth > s.clientWidth + 1) {
                    spill.push('scrolling table: ' + s.innerText.slice(0, 60));
                }
            }
            return {width: box.width, height: box.height,
                    scroll: c.scrollWidth - c.clientWidth, spill};
        }"""
    )


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_steps_1_2_5_light_up_and_their_cards_fit(
    lab_page: LabPage, artifacts, theme: str
) -> None:
    lp = lab_page
    name = f"steps125-{theme}.ipynb"
    path = write_notebook(lp.lab.root / name, [code(c) for c in CELLS])
    lp.page.set_viewport_size({"width": 1500, "height": 1000})
    lp.set_theme(dark=theme == "dark")
    lp.open_notebook(name, wait_kernel=True)
    lp.open_panel()
    _wait_run(lp)
    lp.save()

    saved = json.loads(path.read_text(encoding="utf-8"))
    assert error_outputs(saved) == []
    expected = {step: deciding_record(saved, step)[0]["status"] for step in STEPS}
    lp.wait_statuses(expected)
    assert {s for s, v in lp.statuses().items() if v != "unchecked"} == set(STEPS)
    # the goal is complete and every target is reachable on this data: steps 1
    # and 2 pass; the diagnosis judges a four-feature linear model (any status)
    assert expected["problem"] == "pass", expected
    assert expected["prototype"] in ("pass", "warn"), expected
    checks = {line["check"] for line in lp.check_lines("problem")}
    assert checks == {"goal", "baselines"}

    for index in (2, 3, 4, 5):
        fit = _card_fits(lp, index)
        assert fit["width"] > 300 and fit["height"] > 40, fit
        assert fit["scroll"] <= 1 and fit["spill"] == [], fit
    assert visible_problems(lp) == []

    lp.command("notebook:enter-command-mode")
    lp.widen_sidebar(90)
    cells = lp.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell")
    cells.nth(2).evaluate("e => e.scrollIntoView({block: 'start'})")
    lp.page.mouse.move(700, 990)
    lp.page.wait_for_timeout(400)
    lp.page.screenshot(path=str(artifacts / f"steps-1-2-5-panel-{theme}.png"))
    for index, label in ((4, "prototype"), (5, "diagnosis")):
        card = cells.nth(index).locator(".mlnb-card").first
        card.evaluate("e => e.scrollIntoView({block: 'start'})")
        lp.page.wait_for_timeout(300)
        card.screenshot(path=str(artifacts / f"steps-1-2-5-{label}-{theme}.png"))
    errors = [e for e in lp.errors if not e.startswith("Error: widget model not found")]
    assert errors == [], lp.errors
