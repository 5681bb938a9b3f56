"""The TrainingLauncher widget (step 3) in JupyterLab, in Chromium, with real local
training runs.

A notebook writes a tiny training script (it reports ``acc = lr × (step + 1) / 5``
for five steps and prints a line per step, one of them markup) and opens
``TrainingLauncher`` on it with a 4-trial search over ``lr``. The test clicks
Launch and watches the real local backend run the trials, two at a time: the
status timeline reaches SUCCEEDED, the table shows four succeeded trials, the
chart one line per trial with the trial of the largest ``lr`` (the oracle: the
script's own formula) highlighted as the best, and the log tail the script's lines
as text (the markup line is shown, never parsed). Screenshots in the light and
dark themes, and on a narrow page, go to
``tests/ui/artifacts/training-launcher-{light,dark,narrow}.png``.

A second notebook adds a parameter in the form (it reaches the trials) and
launches a script that sleeps, and Cancel stops it: the
timeline reaches CANCELLED and so do the trials (screenshots
``training-launcher-{running,cancelled}-light.png``). A third checks the Vertex AI
form: the accelerators and counts offered for a machine type are exactly the
catalog's,
and a launch without a project shows the error in the widget, which stays
usable (``training-launcher-vertex-{light,dark}.png``).
"""

from __future__ import annotations

from typing import Any

import pytest
from labpage import TIMEOUT_MS, LabPage, code, write_notebook
from playwright.sync_api import expect
from widgetpage import cut_off, labels_overlap, light_and_dark, narrow, screenshot

from mlnb.runtime.training import vertex_catalog

pytestmark = pytest.mark.ui

EVIL = "<img src=x onerror=alert(1)>"
LRS = (0.1, 0.2, 0.3, 0.4)

TINY = f"""\
import time
import mlnb.runtime.training as tr
p = tr.params({{"lr": 0.1}})
for step in range(5):
    print(f"step {{step}} lr={{p['lr']}}", flush=True)
    tr.report(step=step, acc=p["lr"] * (step + 1) / 5)
    time.sleep(0.15)
print("done {EVIL}", flush=True)
"""

SLEEPY = """\
import time
print("started; sleeping", flush=True)
time.sleep(120)
"""


def widget_cell(script: str, name: str, **kwargs: Any) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    return (
        "from pathlib import Path\n"
        f"Path({name!r}).write_text({script!r})\n"
        "from mlnb.runtime.training import Choice\n"
        "from mlnb.widgets.training import TrainingLauncher\n"
        f"w = TrainingLauncher({name!r}, {args})\n"
        "w\n"
    )


def open_widget(lp: LabPage, notebook: str, source: str) -> Any:
    write_notebook(lp.lab.root / notebook, [code(source)])
    lp.page.set_viewport_size({"width": 1280, "height": 1500})
    lp.set_theme(dark=False)  # another test may have left the dark theme
    lp.open_notebook(notebook, wait_kernel=True)
    lp.run_all(timeout_ms=90_000)
    panel = lp.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    w = panel.locator(".mlnb-tl").first
    error = panel.locator('[data-mime-type="application/vnd.jupyter.stderr"]')
    w.or_(error).first.wait_for(timeout=TIMEOUT_MS)
    assert error.count() == 0, error.first.inner_text()
    return w


def wait_state(w: Any, state: str, timeout_ms: int = 90_000) -> None:
    w.page.wait_for_function(
        "([el, s]) => el.dataset.state === s",
        arg=[w.element_handle(), state],
        timeout=timeout_ms,
    )


def table(w: Any) -> list[dict[str, str]]:
    return w.evaluate(
        """(root) => [...root.querySelectorAll('.mlnb-tl-trials tbody tr[data-trial]')]
            .map(tr => ({
                trial: tr.dataset.trial,
                state: tr.cells[1].textContent,
                params: tr.cells[2].textContent,
                value: tr.cells[3].textContent,
                cls: tr.className,
            }))"""
    )


def wait_options(w: Any, select: str, values: list[str]) -> None:
    """Wait until the <select> offers exactly ``values`` (the view redraws on the
    next animation frame)."""
    try:
        w.page.wait_for_function(
            """([el, sel, want]) => JSON.stringify(
                [...el.querySelectorAll(sel + ' option')].map(o => o.value)) ===
                JSON.stringify(want)""",
            arg=[w.element_handle(), select, values],
            timeout=5_000,
        )
    except Exception:
        shown = w.locator(f"{select} option").evaluate_all(
            "(os) => os.map(o => o.value)"
        )
        raise AssertionError(f"{select} offers {shown}, expected {values}") from None


def test_launch_a_real_local_search(lab_page: LabPage, artifacts) -> None:
    lp = lab_page
    w = open_widget(
        lp,
        "train_launcher.ipynb",
        widget_cell(
            TINY,
            "train_tiny.py",
            hyperparameters={"lr": list(LRS)},
            metric="acc",
            max_trials=4,
            parallel_trials=2,
        ),
    )
    # the form as given; this machine's devices (CPU only without a GPU)
    expect(w.locator(".mlnb-tl-target")).to_have_value("train_tiny.py")
    expect(w.locator(".mlnb-tl-maxtrials")).to_have_value("4")
    assert w.locator(".mlnb-tl-hpname").input_value() == "lr"
    assert w.locator(".mlnb-tl-hpvalues").input_value() == ", ".join(map(str, LRS))
    accel = w.locator(".mlnb-tl-accel option").all_text_contents()
    assert accel[0] == "CPU only"
    assert not w.locator(".mlnb-tl-launch").is_disabled()
    assert w.locator(".mlnb-tl-cancel").is_disabled()

    w.locator(".mlnb-tl-launch").click()
    wait_state(w, "running")
    expect(w.locator(".mlnb-tl-launch")).to_be_disabled()
    wait_state(w, "succeeded")
    lp.page.wait_for_timeout(400)  # the last push

    chips = w.locator(".mlnb-tl-chip").evaluate_all(
        "(cs) => cs.map(c => c.dataset.state)"
    )
    assert chips[-1] == "succeeded" and "running" in chips
    rows = table(w)
    assert len(rows) == 4
    assert {r["state"] for r in rows} == {"SUCCEEDED"}
    lr_of = {r["trial"]: float(r["params"].split("lr=")[1]) for r in rows}
    assert set(lr_of.values()) <= set(LRS)  # what the search drew
    # the oracle: acc = lr * (step + 1) / 5, so the largest lr ends highest (ties:
    # the lowest trial number)
    top = max(lr_of.values())
    best = min((t for t in lr_of if lr_of[t] == top), key=int)
    best_rows = [r for r in rows if "mlnb-tl-best" in r["cls"]]
    assert [r["trial"] for r in best_rows] == [best]
    assert float(best_rows[0]["value"]) == pytest.approx(top)
    for r in rows:
        assert float(r["value"]) == pytest.approx(lr_of[r["trial"]])
    # one line per trial, the best one highlighted
    assert w.locator(".mlnb-tl-chartsvg path.line").count() == 4
    assert w.locator(".mlnb-tl-chartsvg path.line.best").get_attribute(
        "data-trial"
    ) == str(best)
    assert "best so far: trial " + best in w.locator(".mlnb-tl-summary").inner_text()
    # the Gantt bars: one per trial
    assert w.locator(".mlnb-tl-ganttsvg rect.bar").count() == 4
    # the log tail: the script's lines, markup shown as text
    log = w.locator(".mlnb-tl-log").inner_text()
    assert "step 4 lr=" in log and f"done {EVIL}" in log
    assert w.locator("img").count() == 0
    # one trial's log
    w.locator(f'.mlnb-tl-trials tr[data-trial="{best}"]').click()
    expect(w.locator(".mlnb-tl-lognote")).to_contain_text(f"trial {best}")
    expect(w.locator(".mlnb-tl-log")).to_contain_text(f"step 0 lr={top}")
    assert "[" not in w.locator(".mlnb-tl-log").inner_text().splitlines()[0][:1]
    expect(w.locator(".mlnb-tl-logsel")).to_have_value(best)

    assert cut_off(w, ".mlnb-tl-scroll") == []
    assert labels_overlap(w) == []
    light_and_dark(
        lp,
        w,
        ".mlnb-tl-card",
        artifacts / "training-launcher-light.png",
        artifacts / "training-launcher-dark.png",
        scrolls=".mlnb-tl-scroll",
    )
    # a narrow page: the form wraps, wide tables scroll in their own boxes
    narrow(lp, w, 1500)
    lp.page.wait_for_timeout(300)
    assert cut_off(w, ".mlnb-tl-scroll") == []
    assert labels_overlap(w) == []
    screenshot(lp, w, artifacts / "training-launcher-narrow.png")
    assert not lp.errors, lp.errors


def test_cancel_a_running_job(lab_page: LabPage, artifacts) -> None:
    lp = lab_page
    w = open_widget(
        lp,
        "train_cancel.ipynb",
        widget_cell(
            SLEEPY,
            "sleepy.py",
            hyperparameters={"k": [1, 2]},
            metric="acc",
            max_trials=2,
            parallel_trials=2,
        ),
    )
    # a parameter added in the form reaches the trials: a fixed choice
    w.locator(".mlnb-tl-addrow").click()
    row = w.locator(".mlnb-tl-hp tbody tr").nth(1)
    row.locator(".mlnb-tl-hpname").fill("extra")
    row.locator(".mlnb-tl-hpname").press("Tab")
    row = w.locator(".mlnb-tl-hp tbody tr").nth(1)
    row.locator(".mlnb-tl-hpkind").select_option("choice")
    row = w.locator(".mlnb-tl-hp tbody tr").nth(1)
    expect(row.locator(".mlnb-tl-hpvalues")).to_be_enabled()
    row.locator(".mlnb-tl-hpvalues").fill("7")
    row.locator(".mlnb-tl-hpvalues").press("Tab")
    w.locator(".mlnb-tl-launch").click()
    wait_state(w, "running")
    expect(w.locator(".mlnb-tl-log")).to_contain_text("started; sleeping")
    expect(w.locator(".mlnb-tl-trials tbody tr[data-trial]").first).to_contain_text(
        "extra=7"
    )
    expect(w.locator(".mlnb-tl-cancel")).to_be_enabled()
    expect(w.locator(".mlnb-tl-trials tbody tr[data-trial]")).to_have_count(2)
    # running bars and times grow between pushes (a second's tick)
    lp.page.wait_for_timeout(1200)
    assert cut_off(w, ".mlnb-tl-scroll") == []
    screenshot(lp, w, artifacts / "training-launcher-running-light.png")
    w.locator(".mlnb-tl-cancel").click()
    wait_state(w, "cancelled", timeout_ms=30_000)
    lp.page.wait_for_timeout(400)
    chips = w.locator(".mlnb-tl-chip").evaluate_all(
        "(cs) => cs.map(c => c.dataset.state)"
    )
    assert chips[-1] == "cancelled"
    assert {r["state"] for r in table(w)} <= {"CANCELLED"}
    expect(w.locator(".mlnb-tl-launch")).to_be_enabled()
    assert cut_off(w, ".mlnb-tl-scroll") == []
    screenshot(lp, w, artifacts / "training-launcher-cancelled-light.png")
    assert not lp.errors, lp.errors


def test_vertex_form_offers_only_the_catalog(lab_page: LabPage, artifacts) -> None:
    lp = lab_page
    w = open_widget(
        lp,
        "train_vertex.ipynb",
        # no credentials, whatever this machine has: nothing may reach Vertex AI
        "import os\n"
        "os.environ['GOOGLE_APPLICATION_CREDENTIALS'] = '/nonexistent/adc.json'\n"
        + widget_cell(TINY, "train_tiny.py", backend="vertex", metric="acc"),
    )
    machine = w.locator(".mlnb-tl-machine")
    machines = machine.locator("option").evaluate_all("(os) => os.map(o => o.value)")
    assert machines == list(vertex_catalog.machine_types())
    for name in ("n1-standard-32", "a2-highgpu-2g", "e2-standard-4"):
        machine.select_option(name)
        offered = vertex_catalog.valid_accelerators(name)
        bundled = name[:3] in ("a2-", "a3-", "a4-", "g2-")
        wait_options(w, ".mlnb-tl-accel", ([] if bundled else [""]) + sorted(offered))
        for accel, counts in sorted(offered.items()):
            w.locator(".mlnb-tl-accel").select_option(accel)
            wait_options(w, ".mlnb-tl-count", [str(n) for n in counts])
    machine.select_option("n1-standard-8")
    w.locator(".mlnb-tl-accel").select_option("NVIDIA_TESLA_T4")
    w.locator(".mlnb-tl-count").select_option("2")
    expect(w.locator(".mlnb-tl-project")).to_be_visible()
    # the container image is a field of the form (Vertex AI needs one)
    w.locator(".mlnb-tl-image").fill("example.test/train:1")
    w.locator(".mlnb-tl-image").press("Tab")
    # a launch that cannot go through (no credentials): the reason in the widget,
    # which stays
    w.locator(".mlnb-tl-launch").click()
    error = w.locator(".mlnb-tl-error")
    expect(error).to_be_visible(timeout=60_000)
    assert "credentials" in error.inner_text()
    assert "image=" not in error.inner_text()
    assert w.get_attribute("data-state") == ""
    expect(w.locator(".mlnb-tl-launch")).to_be_enabled()
    assert cut_off(w, ".mlnb-tl-scroll") == []
    light_and_dark(
        lp,
        w,
        ".mlnb-tl-card",
        artifacts / "training-launcher-vertex-light.png",
        artifacts / "training-launcher-vertex-dark.png",
        scrolls=".mlnb-tl-scroll",
    )
    assert not lp.errors, lp.errors
