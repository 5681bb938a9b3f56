"""Notebooks with mlnb widgets reopen cleanly, in JupyterLab, in Chromium.

A notebook shows the three mlnb widgets (ImbalanceExplorer, SlicedMetricsView,
DriftChart). Each widget output also carries a static card (HTML with the charts as
PNG) and its status record. Reopened where the widget's model cannot be found, the
output must show that static card, or the live widget restored from widget state
saved in the notebook — never ipywidgets' "Error displaying widget: model not
found", nor "Loading widget..." for good. Cases:

- executed headless (nbclient, which saves the widget state), trusted, opened
  with a kernel: the live widgets come back from the saved state;
- the same without widget state: the static cards;
- the same, not trusted (JupyterLab shows the sanitized HTML card);
- run and saved in the lab without widget state, reopened with a fresh kernel;
- run and saved with ``saveState`` on, reopened: the live widgets come back;
- the headless notebook with its widget state, opened with "No Kernel": the
  static cards (without a kernel ipywidgets makes no widget manager at all).

Screenshots: ``tests/ui/artifacts/reopen-*.png``.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import test_drift_widget as drift_t
import test_imbalance_widget as imbalance_t
import test_sliced_widget as sliced_t
from labpage import TIMEOUT_MS, Lab, LabPage, code, write_notebook
from widgetpage import output_of

pytestmark = pytest.mark.ui

NAME = "reopen_widgets.ipynb"
WIDGETS = ("ImbalanceExplorer", "SlicedMetricsView", "DriftChart")
#: Three data sets, a model and three widgets on a busy two-core machine.
RUN_ALL_MS = 300_000
SAVE_STATE = "@jupyter-widgets/jupyterlab-manager:plugin"
TOGGLE_SAVE_STATE = "@jupyter-widgets/jupyterlab-manager:saveWidgetState"
ERRORS = ("model not found", "Error displaying widget", "Loading widget")
WRAPPER = ".jp-NotebookPanel:not(.lm-mod-hidden) .mlnb-WidgetOutput"


def cells() -> list[Any]:
    return [
        code(imbalance_t.DATA_CODE),
        code(imbalance_t.WIDGET_CODE),
        code(sliced_t.DATA_CODE),
        code(sliced_t.WIDGET_CODE),
        code(drift_t.DATA_CODE),
        code(drift_t.WIDGET_CODE),
    ]


def execute_headless(path: Path) -> None:
    """Run the notebook with nbclient, as CI or papermill would (no widget state
    is saved)."""
    import nbclient
    import nbformat

    nb = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(
        nb, kernel_name="python3", timeout=600, resources={"metadata": {}}
    ).execute()
    nbformat.write(nb, path)


def trust(lab: Lab, path: Path) -> None:
    """Sign the notebook with the server's secret, as `jupyter trust` does."""
    import nbformat
    from nbformat.sign import NotebookNotary

    data_dir = lab.root.parent / "data"
    nb = nbformat.read(path, as_version=4)
    NotebookNotary(data_dir=str(data_dir)).sign(nb)


def widget_outputs(path: Path) -> list[dict]:
    nb = json.loads(path.read_text())
    return [
        o
        for c in nb["cells"]
        for o in c.get("outputs", [])
        if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    ]


def visible_problems(lp: LabPage) -> list[str]:
    """ipywidgets' error or loading texts the user can see in the notebook."""
    text = lp.page.evaluate(
        """() => [...document.querySelectorAll(
            '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output')]
            .map(e => e.innerText).join('\\n')"""
    )
    return [e for e in ERRORS if e in text]


def wait_views(lp: LabPage, view: str, count: int = len(WIDGETS)) -> None:
    """Wait until ``count`` mlnb widget outputs show ``view``."""
    try:
        lp.page.wait_for_function(
            """([sel, view, count]) => {
                const all = [...document.querySelectorAll(sel)];
                return all.length === count &&
                    all.every(e => e.dataset.mlnbView === view);
            }""",
            arg=[WRAPPER, view, count],
            timeout=TIMEOUT_MS * 2,
        )
    except Exception:
        got = lp.page.evaluate(
            "(sel) => [...document.querySelectorAll(sel)].map(e => e.dataset.mlnbView)",
            WRAPPER,
        )
        assert got == [view] * count  # shows what the outputs show
        raise


def settle(lp: LabPage) -> None:
    """Let ipywidgets finish restoring (kernel started, state loaded or not)."""
    lp.page.wait_for_timeout(3000)


def assert_static(lp: LabPage, trusted: bool = True) -> None:
    """Every mlnb widget shows its static card with its chart image drawn."""
    cards = lp.page.locator(
        ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output "
        ".mlnb-widget-fallback"
    )
    # The notebook renders its cells as they come into view and in turn: wait for
    # the three cards, bringing the newest one into view so the next one renders.
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while cards.count() < len(WIDGETS) and time.monotonic() < deadline:
        if cards.count():
            cards.last.scroll_into_view_if_needed()
        lp.page.wait_for_timeout(250)
    assert cards.count() == len(WIDGETS)
    for i in range(len(WIDGETS)):
        card = cards.nth(i)
        card.scroll_into_view_if_needed()
        assert card.is_visible()
        assert WIDGETS[i] in card.inner_text()
        img = card.locator("img").first
        img.scroll_into_view_if_needed()
        lp.page.wait_for_function(
            "(img) => img.complete && img.naturalWidth > 100",
            arg=img.element_handle(),
            timeout=TIMEOUT_MS,
        )
    if trusted:
        wait_views(lp, "static")


def shoot(lp: LabPage, artifacts: Path, name: str) -> None:
    """A screenshot of the notebook from the top of each widget output (LOOK at
    them)."""
    outputs = lp.page.locator(WRAPPER)
    if outputs.count() == 0:  # untrusted: the HTML card alone
        outputs = lp.page.locator(
            ".jp-NotebookPanel:not(.lm-mod-hidden) .mlnb-widget-fallback"
        )
    lp.page.set_viewport_size({"width": 1400, "height": 1300})
    for i in range(outputs.count()):
        output_of(outputs.nth(i)).evaluate("(e) => e.scrollIntoView({block: 'start'})")
        lp.page.mouse.move(0, 0)
        lp.page.wait_for_timeout(300)
        lp.page.screenshot(path=str(artifacts / f"reopen-{name}-{i + 1}.png"))
    lp.page.set_viewport_size({"width": 1400, "height": 900})


def close_all(lp: LabPage) -> None:
    lp.command("application:close-all")
    lp.lab.delete_sessions()


@pytest.fixture(scope="module")
def headless_notebook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("reopen") / NAME
    write_notebook(path, cells())
    execute_headless(path)
    assert len(widget_outputs(path)) == len(WIDGETS)
    # nbclient saves the widget state (store_widget_state=True, its default)
    assert json.loads(path.read_text())["metadata"].get("widgets")
    return path


def without_state(source: Path, target: Path) -> Path:
    """The notebook without its widget state (``store_widget_state=False``, or a
    tool that drops it)."""
    nb = json.loads(source.read_text())
    nb["metadata"].pop("widgets", None)
    target.write_text(json.dumps(nb))
    return target


def test_headless_executed_with_state_shows_live_widgets(
    lab: Lab, lab_page: LabPage, headless_notebook: Path, artifacts: Path
) -> None:
    name = "reopen_headless_state.ipynb"
    shutil.copy(headless_notebook, lab.root / name)
    trust(lab, lab.root / name)
    lab_page.open_notebook(name, wait_kernel=True)
    wait_views(lab_page, "live")
    settle(lab_page)
    wait_views(lab_page, "live")
    assert visible_problems(lab_page) == []
    shoot(lab_page, artifacts, "headless-state")
    close_all(lab_page)


def test_headless_executed_without_state_shows_static_views(
    lab: Lab, lab_page: LabPage, headless_notebook: Path, artifacts: Path
) -> None:
    name = "reopen_headless_trusted.ipynb"
    without_state(headless_notebook, lab.root / name)
    trust(lab, lab.root / name)
    lab_page.open_notebook(name, wait_kernel=True)
    assert_static(lab_page)
    settle(lab_page)
    wait_views(lab_page, "static")
    assert visible_problems(lab_page) == []
    shoot(lab_page, artifacts, "headless")
    close_all(lab_page)


def test_headless_executed_untrusted_shows_html_cards(
    lab: Lab, lab_page: LabPage, headless_notebook: Path, artifacts: Path
) -> None:
    name = "reopen_headless_untrusted.ipynb"
    without_state(headless_notebook, lab.root / name)
    lab_page.open_notebook(name, wait_kernel=True)
    assert_static(lab_page, trusted=False)
    settle(lab_page)
    assert visible_problems(lab_page) == []
    shoot(lab_page, artifacts, "untrusted")
    close_all(lab_page)


@pytest.fixture(scope="module")
def saved_in_lab(lab: Lab, browser: Any) -> dict[str, Path]:
    """Run the notebook in the lab and save it twice: without widget state
    (JupyterLab's default), then with ``saveState`` on."""
    write_notebook(lab.root / NAME, cells())
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    lp = LabPage(context.new_page(), lab)
    out: dict[str, Path] = {}
    try:
        lp.goto()
        lp.open_notebook(NAME, wait_kernel=True)
        lp.run_all(timeout_ms=RUN_ALL_MS)
        wait_views(lp, "live")
        lp.save()
        out["no-state"] = lab.root / "reopen_no_state.ipynb"
        shutil.copy(lab.root / NAME, out["no-state"])
        assert "widgets" not in json.loads(out["no-state"].read_text())["metadata"]

        # The user's way: Settings > Save Widget State Automatically.
        lp.command(TOGGLE_SAVE_STATE)
        lp.page.wait_for_function(
            "(c) => window.jupyterapp.commands.isToggled(c)",
            arg=TOGGLE_SAVE_STATE,
            timeout=TIMEOUT_MS,
        )
        lp.page.evaluate(
            """() => {
                window.jupyterapp.shell.currentWidget.context.model.dirty = true;
            }"""
        )
        lp.save()
        out["state"] = lab.root / "reopen_state.ipynb"
        shutil.copy(lab.root / NAME, out["state"])
    finally:
        lab.put_settings(SAVE_STATE, {})
        context.close()
        lab.delete_sessions()
    return out


def test_saved_without_widget_state_shows_static_views(
    lab_page: LabPage, saved_in_lab: dict[str, Path], artifacts: Path
) -> None:
    lab_page.open_notebook(saved_in_lab["no-state"].name, wait_kernel=True)
    assert_static(lab_page)
    settle(lab_page)
    wait_views(lab_page, "static")
    assert visible_problems(lab_page) == []
    shoot(lab_page, artifacts, "no-state")
    close_all(lab_page)


def test_saved_with_widget_state_shows_live_widgets(
    lab_page: LabPage, saved_in_lab: dict[str, Path], artifacts: Path
) -> None:
    path = saved_in_lab["state"]
    state = json.loads(path.read_text())["metadata"].get("widgets")
    if not state:
        pytest.fail(
            "saving with saveState on wrote no widget state (metadata.widgets)",
            pytrace=False,
        )
    lab_page.open_notebook(path.name, wait_kernel=True)
    wait_views(lab_page, "live")
    settle(lab_page)
    wait_views(lab_page, "live")
    assert visible_problems(lab_page) == []
    shoot(lab_page, artifacts, "saved-state")
    close_all(lab_page)


def test_no_kernel_shows_static_views(
    lab: Lab, lab_page: LabPage, headless_notebook: Path, artifacts: Path
) -> None:
    """Opened with "No Kernel": ipywidgets gets no widget manager at all, so even
    the saved widget state cannot be shown."""
    name = "reopen_no_kernel.ipynb"
    nb = json.loads(headless_notebook.read_text())
    # A kernel this server does not have, of no language: JupyterLab asks.
    nb["metadata"]["kernelspec"] = {
        "name": "mlnb-no-such-kernel",
        "display_name": "gone",
        "language": "",
    }
    nb["metadata"].pop("language_info", None)
    (lab.root / name).write_text(json.dumps(nb))
    trust(lab, lab.root / name)
    lab_page.command("docmanager:open", {"path": name})
    dialog = lab_page.page.locator(".jp-Dialog")
    dialog.wait_for(timeout=TIMEOUT_MS)
    dialog.get_by_role("button", name="No Kernel").click()
    lab_page.wait_notebook(name)
    assert_static(lab_page)
    settle(lab_page)
    wait_views(lab_page, "static")
    assert visible_problems(lab_page) == []
    assert lab_page.page.evaluate(
        "() => !window.jupyterapp.shell.currentWidget.sessionContext.session?.kernel"
    )
    shoot(lab_page, artifacts, "no-kernel")
    close_all(lab_page)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
