"""The ML checklist side panel and the status chip, in JupyterLab in Chromium.

A step's badge is the worst of the newest record of each check that reported on it;
every such check has its own line under the step (status chip, name, time, summary
and, for protocol version 2 records, the deciding condition).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from labpage import (
    EMIT_HELPER,
    MIME,
    LabPage,
    code,
    evidence,
    record,
    record2,
    record_output,
    write_notebook,
)

pytestmark = pytest.mark.ui

# Fixed times for notebooks written with outputs (no kernel needed to show them).
T0 = "2026-11-28T12:00:00Z"
T1 = "2026-11-28T12:05:00Z"
T2 = "2026-11-28T12:10:00Z"


def test_live_records_show_and_survive_reload(lab_page: LabPage) -> None:
    """Run cells emitting three records; statuses show live, then after a reload
    (kernel shut down) from the saved notebook."""
    lp = lab_page
    write_notebook(
        lp.lab.root / "live.ipynb",
        [
            code(EMIT_HELPER),
            code('emit("problem", "pass", "goal and metric written down")'),
            code('emit("imbalance", "warn", "positives are 1.7% of rows")'),
            code('emit("fairness", "fail", "slice age<25 recall 0.41 vs 0.78")'),
        ],
    )
    lp.open_notebook("live.ipynb", wait_kernel=True)
    lp.open_panel()
    lp.wait_statuses({})
    assert lp.progress_text() == "0 of 10 checked"

    lp.run_all()
    expected = {"problem": "pass", "imbalance": "warn", "fairness": "fail"}
    lp.wait_statuses(expected)
    assert lp.progress_text() == "3 of 10 checked, 1 failing, 1 warning"

    imbalance = lp.step("imbalance")
    (line,) = lp.check_lines("imbalance")
    assert line["summary"] == "positives are 1.7% of rows"
    assert (line["check"], line["name"], line["decides"]) == ("imbalance",) * 2 + (
        "yes",
    )
    assert line["decided"] == ""  # a protocol 1 record has no deciding condition
    head_badge = imbalance.locator(".mlnb-Step-head .mlnb-Badge")
    assert head_badge.inner_text().strip().endswith("warn")
    when = imbalance.locator(".mlnb-Check time")
    assert re.fullmatch(r"just now|\d+ min ago", when.inner_text())
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", when.get_attribute("title"))
    assert (
        lp.step("drift")
        .locator(".mlnb-Badge")
        .inner_text()
        .strip()
        .endswith("not checked")
    )
    # Records emitted with text/plain only show as chips in the output area.
    assert lp.page.locator(".jp-OutputArea .mlnb-Chip").count() == 3

    lp.save()
    # The layout restorer records the open panel in the workspace.
    lp.page.wait_for_function(
        """async () => {
            const r = await fetch('/lab/api/workspaces');
            return (await r.text()).includes('mlnb-checklist');
        }""",
        polling=500,
    )
    lp.lab.delete_sessions()
    lp.goto()  # a fresh page; the kernel is gone: statuses come from the file
    lp.open_notebook("live.ipynb")
    lp.open_panel()
    lp.wait_statuses(expected)
    assert lp.progress_text() == "3 of 10 checked, 1 failing, 1 warning"
    assert not lp.errors, lp.errors


def test_clearing_and_deleting_outputs_updates_the_panel(lab_page: LabPage) -> None:
    lp = lab_page
    write_notebook(
        lp.lab.root / "edit.ipynb",
        [
            code("a = 1", [record_output(record("problem", "pass", "ok", T0))]),
            code("b = 1", [record_output(record("imbalance", "warn", "rare", T0))]),
            code("c = 1", [record_output(record("fairness", "fail", "bad", T0))]),
        ],
    )
    lp.open_notebook("edit.ipynb")
    lp.open_panel()
    lp.wait_statuses({"problem": "pass", "imbalance": "warn", "fairness": "fail"})

    # Clear the outputs of the third cell.
    lp.page.evaluate(
        "() => { window.jupyterapp.shell.currentWidget.content.activeCellIndex = 2; }"
    )
    lp.command("notebook:clear-cell-output")
    lp.wait_statuses({"problem": "pass", "imbalance": "warn"})
    # Delete the second cell.
    lp.page.evaluate(
        "() => { window.jupyterapp.shell.currentWidget.content.activeCellIndex = 1; }"
    )
    lp.command("notebook:delete-cell")
    lp.wait_statuses({"problem": "pass"})
    assert lp.progress_text() == "1 of 10 checked"

    # The panel follows the active notebook.
    write_notebook(
        lp.lab.root / "other.ipynb",
        [evidence("d = 1", "drift", "info", "other notebook", T0)],
    )
    lp.open_notebook("other.ipynb")
    lp.wait_statuses({"drift": "info"})
    assert lp.panel.locator(".mlnb-Checklist-notebook").inner_text() == "other.ipynb"
    lp.open_notebook("edit.ipynb")
    lp.wait_statuses({"problem": "pass"})


def test_notebook_executed_headless_shows_its_statuses(lab_page: LabPage) -> None:
    """A notebook run by nbclient (no browser) shows its statuses when opened; the
    panel opens by itself because the notebook uses mlnb; bad records are ignored
    with a console warning."""
    import nbformat
    from nbclient import NotebookClient

    lp = lab_page
    path = write_notebook(
        lp.lab.root / "headless.ipynb",
        [
            code("# %load_ext mlnb would go here; records are emitted directly"),
            code(EMIT_HELPER),
            code('emit("training", "info", "no accelerator; 42 s per epoch")'),
            code('emit("drift", "fail", "feature amount: JS distance 0.41 > 0.3")'),
            code('emit("serving", "pass", "p99 latency 38 ms at 50 rps")'),
            code(
                'emit("serving", "fail", "newer wins")\nemit("serving", "warn", "x", '
                '{"protocol_version": 3})'
            ),
            code('emit("nonsense", "pass", "unknown step")'),
            code('emit("accuracy", "great", "unknown status")'),
        ],
    )
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, kernel_name="python3", timeout=60).execute()
    nbformat.write(nb, path)

    assert not lp.panel.is_visible()  # a fresh layout shows the file browser
    lp.open_notebook("headless.ipynb")
    lp.panel.wait_for(state="visible")  # opened automatically (mlnb records)
    lp.wait_statuses({"training": "info", "drift": "fail", "serving": "fail"})
    assert [c["summary"] for c in lp.check_lines("serving")] == ["newer wins"]
    assert lp.progress_text() == "3 of 10 checked, 2 failing"
    lp.page.wait_for_timeout(200)
    joined = "\n".join(lp.warnings)
    assert "protocol_version 3 (this extension understands 1 and 2)" in joined
    assert 'unknown step "nonsense"' in joined
    assert 'status "great"' in joined


def test_click_step_selects_newest_evidence_cell(lab_page: LabPage) -> None:
    lp = lab_page
    filler = [code(f"x{i} = {i}\nprint(x{i})") for i in range(30)]
    cells = [
        code("setup = 1", [record_output(record("imbalance", "fail", "older", T0))]),
        *filler[:15],
        code("later = 1", [record_output(record("imbalance", "pass", "newer", T2))]),
        *filler[15:],
        code("last = 1", [record_output(record("drift", "warn", "drifting", T1))]),
    ]
    write_notebook(lp.lab.root / "jump.ipynb", cells)
    lp.open_notebook("jump.ipynb")
    lp.open_panel()
    lp.wait_statuses({"imbalance": "pass", "drift": "warn"})

    lp.step("drift").locator(".mlnb-Step-main").click()
    lp.page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget.content.activeCellIndex === 32"
    )
    active = lp.page.locator(
        ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell.jp-mod-active"
    )
    assert "last = 1" in active.inner_text()
    active.wait_for(state="visible")
    assert active.locator(".mlnb-Chip[data-step='drift']").is_visible()

    lp.step("imbalance").locator(".mlnb-Step-main").click()
    lp.page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget.content.activeCellIndex === 16"
    )
    assert "later = 1" in active.inner_text()
    assert active.is_visible()
    # A step with evidence does not expand on click.
    assert lp.step("imbalance").locator(".mlnb-Step-details").is_hidden()


def test_step_without_evidence_offers_questions_and_starter(lab_page: LabPage) -> None:
    lp = lab_page
    write_notebook(lp.lab.root / "starter.ipynb", [code("import math"), code("y = 2")])
    lp.open_notebook("starter.ipynb")
    lp.open_panel()
    lp.wait_statuses({})
    lp.page.evaluate(
        "() => { window.jupyterapp.shell.currentWidget.content.activeCellIndex = 0; }"
    )

    # A step without a starter: questions and a note, no button.
    serving = lp.step("serving")
    serving.locator(".mlnb-Step-main").focus()  # keyboard: real buttons
    lp.page.keyboard.press("Enter")
    details = serving.locator(".mlnb-Step-details")
    details.wait_for(state="visible")
    assert "What are the latency percentiles" in details.inner_text()
    assert "No mlnb check exists yet for this step" in details.inner_text()
    assert details.locator(".mlnb-Step-starter").count() == 0
    toggle = serving.locator(".mlnb-Step-toggle")
    assert toggle.get_attribute("aria-expanded") == "true"
    toggle.focus()
    lp.page.keyboard.press("Space")
    details.wait_for(state="hidden")
    assert toggle.get_attribute("aria-expanded") == "false"
    outline = toggle.evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline == "solid"  # focus is visible

    # A step with a starter: the button inserts a code cell below the active cell,
    # with %load_ext mlnb first since no cell loads it yet.
    imbalance = lp.step("imbalance")
    imbalance.locator(".mlnb-Step-main").click()
    imbalance.locator(".mlnb-Step-details").wait_for(state="visible")
    assert "accuracy trap" in imbalance.locator(".mlnb-Step-questions").inner_text()
    imbalance.get_by_role("button", name=re.compile("Insert starter cell")).click()
    lp.page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget.content.widgets.length === 3"
    )
    sources = lp.cell_sources()
    assert sources[0] == "import math" and sources[2] == "y = 2"
    assert sources[1].splitlines()[0] == "%load_ext mlnb"
    assert "%mlcheck imbalance df --label LABEL_COLUMN" in sources[1]
    assert lp.active_cell_index() == 1

    # Once a cell loads mlnb, a second starter does not repeat %load_ext.
    lp.page.evaluate(
        "() => { window.jupyterapp.shell.currentWidget.content.activeCellIndex = 2; }"
    )
    imbalance.get_by_role("button", name=re.compile("Insert starter cell")).click()
    lp.page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget.content.widgets.length === 4"
    )
    sources = lp.cell_sources()
    assert "%load_ext" not in sources[3]
    assert sources[3].startswith("# df:")

    # Step 1's starter writes the goal, then computes the baselines.
    problem = lp.step("problem")
    problem.locator(".mlnb-Step-main").click()
    details = problem.locator(".mlnb-Step-details")
    details.wait_for(state="visible")
    assert "What is your baseline?" in details.inner_text()
    problem.get_by_role("button", name=re.compile("Insert starter cell")).click()
    lp.page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget.content.widgets.length === 5"
    )
    step1 = lp.cell_sources()[lp.active_cell_index()]
    assert step1.index("mlnb.goal(") < step1.index("mlnb.baselines(")


def test_mark_skipped_persists_and_can_be_cleared(lab_page: LabPage, artifacts) -> None:
    lp = lab_page
    path = write_notebook(
        lp.lab.root / "marks.ipynb",
        [code("t = 1", [record_output(record("training", "fail", "slow", T0))])],
    )
    lp.open_notebook("marks.ipynb")
    lp.open_panel()
    lp.wait_statuses({"training": "fail"})

    training = lp.step("training")
    training.locator(".mlnb-Step-toggle").click()
    training.get_by_role("button", name="Mark step 3 skipped").click()
    reason = training.locator("input.mlnb-Mark-reason")
    assert reason.evaluate("e => e === document.activeElement")
    save = training.locator(".mlnb-Mark-save")
    assert save.is_disabled()  # a reason is required
    reason.fill("training runs as a managed job")
    assert save.is_enabled()
    training.screenshot(path=str(artifacts / "checklist-mark-form.png"))
    reason.press("Enter")
    lp.wait_statuses({"training": "skipped"})
    assert training.locator(".mlnb-Step-summary").inner_text() == (
        "Marked skipped: training runs as a managed job"
    )
    assert "last check fail" in training.locator(".mlnb-Step-meta").inner_text()
    assert lp.progress_text() == "0 of 10 checked, 1 skipped"

    lp.save()
    saved = json.loads(path.read_text())["metadata"]["mlnb"]
    assert saved["protocol_version"] == 1
    assert saved["steps"]["training"]["mark"] == "skipped"
    assert saved["steps"]["training"]["reason"] == "training runs as a managed job"

    lp.lab.delete_sessions()
    lp.goto()
    lp.open_notebook("marks.ipynb")
    lp.open_panel()
    lp.wait_statuses({"training": "skipped"})
    training = lp.step("training")
    assert (
        "training runs as a managed job"
        in training.locator(".mlnb-Step-summary").inner_text()
    )

    training.locator(".mlnb-Step-toggle").click()
    training.get_by_role("button", name="Clear the mark on step 3").click()
    lp.wait_statuses({"training": "fail"})


def test_status_chip_renders_record_only_outputs_as_text(lab_page: LabPage) -> None:
    import nbformat

    lp = lab_page
    evil = '<img src=x onerror="window.__mlnb_xss=1"> <b>not bold</b>'
    write_notebook(
        lp.lab.root / "chip.ipynb",
        [
            code(
                "only_record = 1",
                [
                    nbformat.v4.new_output(
                        "display_data",
                        data={MIME: record("imbalance", "warn", evil, T0)},
                    )
                ],
            ),
            code(
                "with_html = 1",
                [
                    record_output(
                        record("drift", "pass", "stable", T0),
                        {"text/html": "<p class='rich-card'>rich result card</p>"},
                    )
                ],
            ),
            code(
                "bad = 1",
                [record_output(record("drift", "maybe", "bad status", T0))],
            ),
            code(
                "v2 = 1",
                [
                    nbformat.v4.new_output(
                        "display_data",
                        data={
                            MIME: record2(
                                "fairness",
                                "sliced_metrics",
                                "fail",
                                "slice a: recall 0.41 vs 0.78",
                                "2026-11-28T12:00:00.125Z",
                                "<b>recall gap</b> 0.37 > 0.1: fail",
                            )
                        },
                    )
                ],
            ),
        ],
    )
    lp.open_notebook("chip.ipynb")
    chip = lp.page.locator(".jp-OutputArea .mlnb-Chip[data-step='imbalance']")
    chip.wait_for()
    assert chip.get_attribute("data-status") == "warn"
    text = chip.inner_text()
    assert "You have an imbalanced dataset" in text
    assert "4" in chip.locator(".mlnb-Chip-number").inner_text()
    assert chip.locator(".mlnb-Chip-summary").inner_text() == evil  # shown as text
    assert chip.locator("img, b").count() == 0
    assert lp.page.evaluate("() => window.__mlnb_xss === undefined")
    # text/html ranks above the chip: the rich card shows, the chip does not.
    cells = lp.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell")
    assert "rich result card" in cells.nth(1).inner_text()
    assert cells.nth(1).locator(".mlnb-Chip").count() == 0
    # A record the chip cannot read says so instead of failing.
    assert "Unrecognised mlnb status record" in cells.nth(2).inner_text()
    # A version 2 record's chip says which condition decided, as text.
    v2 = cells.nth(3).locator(".mlnb-Chip[data-step='fairness']")
    assert v2.get_attribute("data-status") == "fail"
    assert v2.locator(".mlnb-Chip-decided").inner_text() == (
        "decided by: <b>recall gap</b> 0.37 > 0.1: fail"
    )
    assert v2.locator("b").count() == 0


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_panel_screenshots(lab_page: LabPage, artifacts, theme: str) -> None:
    """Screenshots of the panel in the light and dark themes (tests/ui/artifacts)."""
    lp = lab_page
    now = datetime.now(timezone.utc)

    def ago(minutes: float, timespec: str = "seconds") -> str:
        when = now - timedelta(minutes=minutes)
        return when.isoformat(timespec=timespec).replace("+00:00", "Z")

    write_notebook(
        lp.lab.root / f"tour-{theme}.ipynb",
        [
            code("%load_ext mlnb"),
            evidence(
                "goal", "problem", "pass", "goal, metric and 4 baselines set", ago(50)
            ),
            evidence(
                "proto", "prototype", "info", "AUC-PR 0.62 vs 0.05 baseline", ago(42)
            ),
            code(
                "imb",
                [
                    record_output(
                        record2(
                            "imbalance",
                            "imbalance",
                            "warn",
                            "positives are 1.7% of rows; accuracy would be 98.3% by "
                            "always predicting 0",
                            ago(9, "milliseconds"),
                            "imbalance_ratio 57.8 > 4: warn",
                        )
                    ),
                    record_output(
                        record2(
                            "imbalance",
                            "thresholds",
                            "pass",
                            "ROC AUC 0.952, AUC-PR 0.396 vs 0.016 for no skill",
                            ago(7, "milliseconds"),
                            "roc_auc 0.952 >= 0.8: pass",
                        )
                    ),
                ],
            ),
            evidence("fair", "fairness", "fail", "age<25: recall 0.41 vs 0.78", ago(3)),
            evidence("drift", "drift", "pass", "no feature beyond JS 0.3", ago(0.2)),
        ],
        metadata={
            "mlnb": {
                "protocol_version": 1,
                "steps": {
                    "training": {
                        "mark": "skipped",
                        "reason": "trained on a managed service",
                        "updated": ago(30),
                    },
                    "serving": {
                        "mark": "not_applicable",
                        "reason": "batch scoring only",
                        "updated": ago(120),
                    },
                },
            }
        },
    )
    lp.page.set_viewport_size({"width": 1300, "height": 1350})
    if theme == "dark":
        lp.command("apputils:change-theme", {"theme": "JupyterLab Dark"})
        lp.page.wait_for_function(
            "() => document.body.dataset.jpThemeLight === 'false'"
        )
    lp.open_notebook(f"tour-{theme}.ipynb")
    lp.open_panel()
    lp.wait_statuses(
        {
            "problem": "pass",
            "prototype": "info",
            "training": "skipped",
            "imbalance": "warn",
            "fairness": "fail",
            "drift": "pass",
            "serving": "not_applicable",
        }
    )
    # Widen the side bar a little (drag the handle), as a user would.
    handle = lp.page.locator("#jp-main-split-panel > .lm-SplitPanel-handle").first
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + 300
    lp.page.mouse.move(x, y)
    lp.page.mouse.down()
    lp.page.mouse.move(x + 70, y, steps=5)
    lp.page.mouse.up()
    lp.page.mouse.move(900, 1300)
    lp.page.wait_for_timeout(400)  # theme transition and fonts
    # Step 4 lists both checks; the warning decides its badge.
    assert [
        (c["check"], c["status"], c["decides"]) for c in lp.check_lines("imbalance")
    ] == [("imbalance", "warn", "yes"), ("thresholds", "pass", "no")]
    # All ten steps fit, collapsed.
    assert lp.step("serving").is_visible()
    panel = lp.panel.bounding_box()
    steps = lp.panel.locator(".mlnb-Checklist-steps").bounding_box()
    lp.page.screenshot(
        path=str(artifacts / f"checklist-panel-{theme}.png"),
        clip={
            "x": panel["x"],
            "y": panel["y"],
            "width": panel["width"],
            "height": steps["y"] + steps["height"] + 12 - panel["y"],
        },
    )

    lp.step("accuracy").locator(".mlnb-Step-toggle").click()
    lp.step("imbalance").locator(".mlnb-Step-toggle").click()
    lp.page.mouse.move(900, 1300)

    # Nothing in the panel is cut off horizontally.
    cut = lp.page.evaluate(
        """() => {
            const box = document.querySelector('.mlnb-Checklist')
                .getBoundingClientRect();
            return [...document.querySelectorAll('.mlnb-Checklist *')]
                .filter(e => e.getClientRects().length > 0)
                .filter(e => {
                    const r = e.getBoundingClientRect();
                    return r.right > box.right + 1 || r.left < box.left - 1 ||
                        (e.scrollWidth > e.clientWidth + 1 &&
                         getComputedStyle(e).overflowX !== 'visible');
                })
                .map(e => e.className || e.tagName);
        }"""
    )
    assert cut == [], cut
    # Text has contrast against the step's background in both themes.
    pairs = lp.page.evaluate(
        """() => {
            const bg = getComputedStyle(document.querySelector(
                '.mlnb-Step[data-step="imbalance"]')).backgroundColor;
            return ['.mlnb-Step-title', '.mlnb-Step-summary', '.mlnb-Step-meta',
                    '.mlnb-Checklist-progressText', '.mlnb-Step-questions li',
                    '.mlnb-Check-name', '.mlnb-Check-summary', '.mlnb-Check-time',
                    '.mlnb-Check-decided']
                .map(sel => [sel, getComputedStyle(document.querySelector(
                    '.mlnb-Step[data-step="imbalance"] ' + sel) ||
                    document.querySelector(sel)).color, bg]);
        }"""
    )
    for selector, fg, bg in pairs:
        assert _contrast(fg, bg) >= 4.5, (selector, fg, bg)

    lp.panel.screenshot(path=str(artifacts / f"checklist-expanded-{theme}.png"))
    lp.page.screenshot(path=str(artifacts / f"checklist-lab-{theme}.png"))


def _rgb(css: str) -> tuple[float, ...]:
    nums = [float(x) for x in re.findall(r"[\d.]+", css)]
    return tuple(nums[:3]) + ((nums[3],) if len(nums) > 3 else (1.0,))


def _contrast(fg: str, bg: str) -> float:
    """WCAG contrast ratio of a (possibly translucent) text colour on a background."""
    f, b = _rgb(fg), _rgb(bg)
    alpha = f[3]
    mixed = [f[i] * alpha + b[i] * (1 - alpha) for i in range(3)]

    def lum(c):
        def ch(v):
            v /= 255
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        r, g, bl = (ch(x) for x in c[:3])
        return 0.2126 * r + 0.7152 * g + 0.0722 * bl

    hi, lo = sorted([lum(mixed), lum(b)], reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_mlcheck_result_reaches_the_panel(lab_page: LabPage) -> None:
    """The real Python side: %load_ext mlnb + %mlcheck imbalance shows its rich
    HTML card in the notebook, and its status record in the panel."""
    lp = lab_page
    path = write_notebook(
        lp.lab.root / "mlcheck.ipynb",
        [
            code("%load_ext mlnb"),
            code(
                "import numpy as np, pandas as pd\n"
                "rng = np.random.default_rng(0)\n"
                "df = pd.DataFrame({'x': rng.normal(size=2000),\n"
                "                   'y': (rng.random(2000) < 0.03).astype(int)})"
            ),
            code("%mlcheck imbalance df --label y"),
        ],
    )
    lp.open_notebook("mlcheck.ipynb", wait_kernel=True)
    lp.panel.wait_for(state="visible")  # opened by itself: the notebook loads mlnb
    lp.run_all()
    lp.page.wait_for_function(
        """() => document.querySelector(
            '.mlnb-Step[data-step="imbalance"]').dataset.status !== 'unchecked'"""
    )
    lp.save()
    outputs = json.loads(path.read_text())["cells"][2]["outputs"]
    records = [o["data"][MIME] for o in outputs if MIME in o.get("data", {})]
    assert len(records) == 1, outputs
    rec = records[0]
    lp.wait_statuses({"imbalance": rec["status"]})
    (line,) = lp.check_lines("imbalance")
    assert (line["check"], line["summary"]) == ("imbalance", rec["summary"])
    assert line["time"] == rec["created"]
    if rec["decided_by"]:
        assert line["decided"] == f"decided by: {rec['decided_by']}"
    # The result also carries text/html, which ranks above the chip.
    cell = lp.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").nth(2)
    assert cell.locator(".jp-RenderedHTMLCommon").count() >= 1
    assert cell.locator(".mlnb-Chip").count() == 0


def test_settings_choose_steps_and_auto_open(lab_page: LabPage) -> None:
    lp = lab_page
    write_notebook(
        lp.lab.root / "settings.ipynb",
        [
            code("%load_ext mlnb"),
            evidence("a = 1", "imbalance", "fail", "rare positives", T0),
            evidence("b = 1", "problem", "pass", "hidden by the setting", T0),
        ],
    )
    lp.lab.put_settings(
        "mlnb:plugin", {"visibleSteps": ["drift", "imbalance"], "autoOpen": False}
    )
    try:
        lp.goto()
        lp.open_notebook("settings.ipynb")
        lp.page.wait_for_timeout(500)
        assert not lp.panel.is_visible()  # no auto-open
        lp.open_panel()
        lp.page.wait_for_function(
            "() => document.querySelectorAll('.mlnb-ChecklistPanel .mlnb-Step')"
            ".length === 2"
        )
        assert lp.statuses() == {"imbalance": "fail", "drift": "unchecked"}
        assert lp.progress_text() == "1 of 2 checked, 1 failing"
    finally:
        lp.lab.put_settings("mlnb:plugin", {})


#: Step 4 with real checks: the data warns (1.6% positives), the model passes.
REAL_STEP4 = [
    code("%load_ext mlnb"),
    code(
        "import mlnb\n"
        "from sklearn.ensemble import HistGradientBoostingClassifier\n"
        "from sklearn.model_selection import train_test_split\n"
        "df = mlnb.datasets.load_transactions()\n"
        'features = ["amount", "hour", "card_present", "foreign", "distance_km",\n'
        '            "tx_last_24h", "account_age_days"]\n'
        "X_tr, X_te, y_tr, y_te = train_test_split(\n"
        "    df[features].astype(float), df['is_fraud'].to_numpy(), test_size=0.3,\n"
        "    random_state=0, stratify=df['is_fraud'])\n"
        "model = HistGradientBoostingClassifier(random_state=0).fit(X_tr, y_tr)"
    ),
    code('mlnb.imbalance(df, label="is_fraud")'),
    code("mlnb.thresholds(y_te, y_score=model.predict_proba(X_te)[:, 1])"),
]


def test_real_checks_warn_then_pass_keep_step_4_warn(
    lab_page: LabPage, artifacts
) -> None:
    """imbalance() warns, thresholds() passes later: step 4 stays WARN with both
    checks listed (live, and from the saved file); a newer imbalance() pass turns
    it PASS. Screenshots of the panel in both themes."""
    lp = lab_page
    path = write_notebook(lp.lab.root / "step4.ipynb", REAL_STEP4)
    lp.page.set_viewport_size({"width": 1400, "height": 1000})
    lp.set_theme(dark=False)
    lp.open_notebook("step4.ipynb", wait_kernel=True)
    lp.open_panel()
    lp.run_all(timeout_ms=120_000)
    lp.wait_statuses({"imbalance": "warn"})
    lp.wait_check_lines("imbalance", [("imbalance", "warn"), ("thresholds", "pass")])
    assert lp.progress_text() == "1 of 10 checked, 1 warning"
    data, model = lp.check_lines("imbalance")
    assert "1.6%" in data["summary"] and data["decides"] == "yes"
    assert "ROC AUC" in model["summary"] and model["decides"] == "no"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", data["time"])

    # The saved records are what the panel read.
    lp.save()
    saved = json.loads(path.read_text())
    recs = [
        o["data"][MIME]
        for cell in saved["cells"]
        for o in cell.get("outputs", [])
        if MIME in o.get("data", {})
    ]
    assert [(r["check"], r["status"]) for r in recs] == [
        ("imbalance", "warn"),
        ("thresholds", "pass"),
    ]
    assert all(r["protocol_version"] == 2 for r in recs)
    assert data["summary"] == recs[0]["summary"]
    if recs[0]["decided_by"]:
        assert data["decided"] == f"decided by: {recs[0]['decided_by']}"

    # A click on a check line goes to that check's cell.
    lp.page.evaluate(
        "() => { window.jupyterapp.shell.currentWidget.content.activeCellIndex = 0; }"
    )
    lp.step("imbalance").locator('.mlnb-Check[data-check="thresholds"] button').click()
    lp.page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget.content.activeCellIndex === 3"
    )
    # The step line goes to the check that decides the badge.
    lp.step("imbalance").locator(".mlnb-Step-main").click()
    lp.page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget.content.activeCellIndex === 2"
    )

    lp.page.mouse.move(1300, 950)
    for theme in ("light", "dark"):
        lp.set_theme(dark=theme == "dark")
        lp.page.wait_for_timeout(300)  # the theme's transition
        lp.step("imbalance").screenshot(
            path=str(artifacts / f"checklist-step4-checks-{theme}.png")
        )
        lp.panel.screenshot(path=str(artifacts / f"checklist-step4-panel-{theme}.png"))
    lp.set_theme(dark=False)

    # A newer imbalance() that passes replaces only its own older record.
    lp.page.evaluate(
        """() => {
            const w = window.jupyterapp.shell.currentWidget;
            w.model.sharedModel.insertCell(4, {cell_type: 'code',
                source: 'mlnb.imbalance([0, 1] * 50)'});
            w.content.activeCellIndex = 4;
        }"""
    )
    lp.command("notebook:run-cell")
    lp.wait_statuses({"imbalance": "pass"})
    lp.wait_check_lines("imbalance", [("thresholds", "pass"), ("imbalance", "pass")])
    assert lp.progress_text() == "1 of 10 checked"

    # Reopened without a kernel, from the saved file: the same rule.
    lp.save()
    lp.lab.delete_sessions()
    lp.goto()
    lp.open_notebook("step4.ipynb")
    lp.open_panel()
    lp.wait_statuses({"imbalance": "pass"})
    lp.wait_check_lines("imbalance", [("thresholds", "pass"), ("imbalance", "pass")])
    assert not lp.errors, lp.errors
