"""Step 8 (deployment) in JupyterLab in Chromium: a notebook validates a batch
against a schema (a new category: fail), gates a first model and promotes it to
champion, gates a candidate that is worse on one slice (blocked) and tries to
promote it (refused). The ML checklist panel shows step 8 failing with the newest
record of each check (``validate_data``, ``gate``, ``promotion``) under it; the
gate's card says BLOCKED and what blocks, with a slice value that looks like HTML
(``<b>x</b>``) shown as text; the promotion cards say promoted / not promoted.

Screenshots (``tests/ui/artifacts``): ``step8-panel-{light,dark}.png`` (the panel
beside the gate's card), ``step8-{validation,gate,promoted,refused}-{theme}.png``
(the cards).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from labpage import LabPage, code, write_notebook
from test_reopen import visible_problems
from test_steps_1_2_5 import _card_fits, _wait_run
from test_tutorial_notebook import deciding_record, error_outputs

pytestmark = [
    pytest.mark.ui,
    pytest.mark.extra("registry", module="mlflow"),
    pytest.mark.extra("validate", module="pandera"),
]

STEP = "deployment"
SLICE = "<b>x</b>"  # a category value that must stay text in every card
#: The cards of code cells 1 to 4, as the screenshots name them.
CARDS = ("validation", "promoted", "gate", "refused")


def cells(registry: Path) -> list[str]:
    return [
        "import numpy as np\n"
        "import pandas as pd\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "import mlnb\n"
        "rng = np.random.default_rng(0)\n"
        "n = 800\n"
        "df = pd.DataFrame({'x1': rng.normal(size=n), 'x2': rng.normal(size=n),\n"
        f"    'group': np.where(rng.random(n) < 0.5, 'a', {SLICE!r})}})\n"
        "# group a's label follows x1, the other group's follows x2\n"
        "signal = np.where(df.group == 'a', df.x1, df.x2)\n"
        "df['y'] = (signal + 0.3 * rng.normal(size=n) > 0).astype(int)\n"
        "features = ['x1', 'x2']\n"
        "train, evaluation = df.iloc[:500], df.iloc[500:].reset_index(drop=True)",
        "schema = mlnb.schema(train[features + ['group']])\n"
        "batch = evaluation[features + ['group']].copy()\n"
        "batch.loc[batch.index[:20], 'group'] = 'brand-new'\n"
        "mlnb.validate_data(batch, schema)",
        f"registry = mlnb.registry({str(registry)!r})\n"
        "v1 = LogisticRegression().fit(train[features], train.y)\n"
        "first = mlnb.gate(v1, data=evaluation, label='y', features=features,\n"
        "                  slices=['group'],\n"
        "                  thresholds=[mlnb.ValueThreshold('roc_auc', lower=0.7)])\n"
        "mlnb.promote(v1, first, registry=registry, name='demo')",
        "# trained on group a only: worse on the other group\n"
        "only_a = train[train.group == 'a']\n"
        "v2 = LogisticRegression().fit(only_a[features], only_a.y)\n"
        "decision = mlnb.gate(\n"
        "    v2, registry.load('demo'), data=evaluation, label='y',\n"
        "    features=features, slices=['group'],\n"
        "    thresholds=[mlnb.ValueThreshold('roc_auc', lower=0.7),\n"
        "                mlnb.ChangeThreshold('roc_auc', absolute=-0.02,\n"
        "                                     direction='higher_is_better')])\n"
        "decision",
        "mlnb.promote(v2, decision, registry=registry, name='demo')",
    ]


#: WCAG's minimum contrast for normal text (the meta lines are 11 px).
MIN_CONTRAST = 4.5

CONTRAST_JS = """(e) => {
    const rgba = s => { const m = s.match(/[\\d.]+/g).map(Number);
                        return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
    let bg = null;
    for (let n = e; n && !bg; n = n.parentElement) {
        const c = rgba(getComputedStyle(n).backgroundColor);
        if (c[3] > 0) bg = c;
    }
    bg = bg || [255, 255, 255, 1];
    const fg = rgba(getComputedStyle(e).color);
    const mix = [0, 1, 2].map(i => fg[i] * fg[3] + bg[i] * (1 - fg[3]));
    const lum = c => { const l = c.map(v => { v /= 255;
        return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
        return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2]; };
    const [a, b] = [lum(mix), lum(bg)];
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


def _meta_contrast(card) -> float:
    """The contrast of a card's small grey line (the gate's candidate / baseline
    ids, the promotion's registry line) against what lies behind it."""
    line = card.locator("div[style*='font-size:11px']").first
    return line.evaluate(CONTRAST_JS)


def _newest_by_check(notebook: dict) -> dict[str, dict]:
    """The newest step-8 record of each check in the saved notebook."""
    from labpage import MIME

    newest: dict[str, tuple] = {}
    for ci, cell in enumerate(notebook["cells"]):
        for oi, output in enumerate(cell.get("outputs", [])):
            rec = output.get("data", {}).get(MIME)
            if isinstance(rec, str):
                rec = json.loads(rec)
            if not isinstance(rec, dict) or rec.get("step") != STEP:
                continue
            key = (rec["created"], ci, oi)
            check = rec.get("check") or STEP
            if check not in newest or key > newest[check][0]:
                newest[check] = (key, rec)
    return {check: rec for check, (_, rec) in newest.items()}


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_step8_validation_gate_and_promotion_in_the_lab(
    lab_page: LabPage, artifacts, theme: str, tmp_path: Path
) -> None:
    lp = lab_page
    name = f"step8-{theme}.ipynb"
    path = write_notebook(
        lp.lab.root / name, [code(c) for c in cells(tmp_path / "registry")]
    )
    lp.page.set_viewport_size({"width": 1500, "height": 1000})
    lp.set_theme(dark=theme == "dark")
    lp.open_notebook(name, wait_kernel=True)
    lp.open_panel()
    _wait_run(lp)
    lp.save()

    saved = json.loads(path.read_text(encoding="utf-8"))
    assert error_outputs(saved) == []
    newest = _newest_by_check(saved)
    assert {c: r["status"] for c, r in newest.items()} == {
        "validate_data": "fail",
        "gate": "fail",
        "promotion": "fail",
    }
    rec, _ = deciding_record(saved, STEP)
    # the step shows the worst status, and nothing but step 8 is checked
    lp.wait_statuses({STEP: "fail"})
    assert rec["status"] == "fail"
    # one line per check, its newest record (the blessed gate and the promoted
    # champion came first and are superseded), oldest first
    lp.wait_check_lines(
        STEP, [("validate_data", "fail"), ("gate", "fail"), ("promotion", "fail")]
    )
    lines = {line["check"]: line for line in lp.check_lines(STEP)}
    for check, line in lines.items():
        assert line["summary"] == newest[check]["summary"], line
        assert line["time"] == newest[check]["created"], line
    assert "new category" in lines["validate_data"]["summary"]
    assert lines["gate"]["summary"].startswith("Candidate blocked")
    assert SLICE in lines["gate"]["summary"]  # the panel shows it as text too
    assert "not promoted" in lines["promotion"]["summary"]
    assert [c for c, line in lines.items() if line["decides"] == "yes"] == [
        rec["check"]
    ]
    assert lp.step(STEP).locator("b").count() == 0

    nb_cells = lp.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell")

    def card(index: int):
        c = nb_cells.nth(index).locator(".mlnb-card").first
        c.wait_for()
        return c

    validation = card(1)
    assert "new category" in validation.inner_text()
    assert "brand-new" in validation.inner_text()

    promoted = card(2).inner_text()
    assert "PASS" in promoted and "is now champion" in promoted
    assert "promoted yes" in promoted.replace("\t", " ")

    gate = card(3)
    text = gate.inner_text()
    assert "BLOCKED" in text and "BLESSED" not in text
    assert "What blocks the candidate (3)" in text
    blocks = rf"roc_auc 0\.\d+ on group={re.escape(SLICE)} breaks roc_auc >= 0\.7"
    assert re.search(blocks, text), text
    # the slice value is text, never markup: no <b> element anywhere in the card
    assert gate.locator("b").count() == 0
    assert gate.evaluate("e => e.innerHTML").count("&lt;b&gt;x&lt;/b&gt;") >= 3

    refused = card(4)
    text = refused.inner_text()
    assert "FAIL" in text and "not promoted" in text
    assert "promoted no" in text.replace("\t", " ")
    assert "What blocks (3)" in text
    assert refused.locator("b").count() == 0

    # the small grey lines are readable in both themes
    for c in (card(2), gate, refused):
        assert _meta_contrast(c) >= MIN_CONTRAST, c.inner_text()[:80]

    for index in (1, 2, 3, 4):
        fit = _card_fits(lp, index)
        assert fit["width"] > 300 and fit["height"] > 40, fit
        assert fit["scroll"] <= 1 and fit["spill"] == [], fit
    assert visible_problems(lp) == []

    lp.command("notebook:enter-command-mode")
    lp.widen_sidebar(90)
    nb_cells.nth(3).evaluate("e => e.scrollIntoView({block: 'start'})")
    lp.page.mouse.move(700, 990)
    lp.page.wait_for_timeout(400)
    lp.page.screenshot(path=str(artifacts / f"step8-panel-{theme}.png"))
    for index, label in enumerate(CARDS, start=1):
        c = card(index)
        c.evaluate("e => e.scrollIntoView({block: 'start'})")
        lp.page.wait_for_timeout(300)
        c.screenshot(path=str(artifacts / f"step8-{label}-{theme}.png"))
    errors = [e for e in lp.errors if not e.startswith("Error: widget model not found")]
    assert errors == [], lp.errors
