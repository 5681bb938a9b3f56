"""Screenshots of the ImbalanceExplorer widget in a real JupyterLab, in Chromium.

Starts ``jupyter lab`` on a temporary root, writes a notebook that builds the widget
on fraud-like data (2% positives) with scores, runs it, presses PageDown on the
threshold slider, types a target recall, checks that the confusion matrix in the
page shows the numbers Python computes, and saves screenshots::

    tests/ui/artifacts/imbalance_explorer_light.png
    tests/ui/artifacts/imbalance_explorer_dark.png
    tests/ui/artifacts/imbalance_explorer_narrow.png      (a 700 px wide page)
    tests/ui/artifacts/imbalance_explorer_data_only.png   (labels without scores)

Run it with the environment's Python (JupyterLab, anywidget, playwright)::

    python tests/ui_manual/imbalance_widget_screenshot.py [--out DIR] [--keep]

Chromium comes from Debian (``apt-get install -y chromium``); set MLNB_CHROMIUM to
use another binary. The logic sits in functions so the UI test suite can reuse it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "ui" / "artifacts"
CHROMIUM = os.environ.get("MLNB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 60_000
NOTEBOOK = "imbalance_explorer.ipynb"

# The data, shared by the notebook and by this script's own expectations.
DATA_CODE = """\
import numpy as np
import pandas as pd

rng = np.random.default_rng(42)
n = 50_000
y = (rng.random(n) < 0.02).astype(int)
logit = rng.normal(size=n) + 3.0 * y - 2.5
df = pd.DataFrame({"is_fraud": y, "p_fraud": 1 / (1 + np.exp(-logit))})
"""
WIDGET_CODE = """\
import mlnb

explorer = mlnb.ImbalanceExplorer(data=df, label="is_fraud", score="p_fraud")
explorer
"""
DATA_ONLY_CODE = """\
mlnb.ImbalanceExplorer(df["is_fraud"])
"""


# -- server ----------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(url: str, timeout: float = 5) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310
        return resp.read()


def write_settings(settings: Path) -> None:
    """User settings that silence JupyterLab's news / update pop-up."""
    folder = settings / "@jupyterlab" / "apputils-extension"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )


def write_notebook(root: Path) -> Path:
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    nb = new_notebook(
        cells=[
            new_markdown_cell("# ImbalanceExplorer"),
            new_code_cell(DATA_CODE),
            new_code_cell(WIDGET_CODE),
            new_code_cell(DATA_ONLY_CODE),
        ],
        metadata={
            "kernelspec": {
                "name": "python3",
                "display_name": "Python 3",
                "language": "python",
            }
        },
    )
    path = root / NOTEBOOK
    nbformat.write(nb, path)
    return path


def start_lab(base: Path) -> tuple[str, subprocess.Popen, Path]:
    """Start JupyterLab on ``base/root`` with isolated settings; return its URL,
    the process and the log file."""
    root = base / "root"
    settings = base / "settings"
    for d in (root, base / "workspaces", base / "config", base / "data"):
        d.mkdir(parents=True, exist_ok=True)
    write_settings(settings)
    write_notebook(root)
    port = free_port()
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(base / "config"),
        "JUPYTER_DATA_DIR": str(base / "data"),
        "JUPYTER_RUNTIME_DIR": str(base / "data" / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(base / "workspaces"),
        "PYTHONUNBUFFERED": "1",
    }
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={base / 'workspaces'}",
        "--LabApp.expose_app_in_browser=True",
    ]
    log = base / "jupyter-lab.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=root
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter lab exited:\n{log.read_text()[-3000:]}")
        try:
            http(f"{url}/api/status", timeout=2)
            return url, process, log
        except (urllib.error.URLError, OSError):
            if time.monotonic() > deadline:
                stop_lab(process)
                raise RuntimeError(
                    f"jupyter lab did not start:\n{log.read_text()[-3000:]}"
                ) from None
            time.sleep(0.25)


def stop_lab(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


# -- page ------------------------------------------------------------------------------
def command(page: Any, name: str, args: dict | None = None) -> None:
    page.evaluate(
        "async ([c, a]) => { await window.jupyterapp.commands.execute(c, a); }",
        [name, args or {}],
    )


def open_notebook(page: Any, url: str, name: str = NOTEBOOK) -> None:
    page.goto(f"{url}/lab/tree/{name}?reset")
    page.wait_for_function(
        """(name) => {
            const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
            const k = w && w.sessionContext && w.sessionContext.session?.kernel;
            return !!w && !!w.context && w.context.path === name && !!k &&
                k.connectionStatus === 'connected' && k.status === 'idle';
        }""",
        arg=name,
        timeout=TIMEOUT_MS,
    )


def run_all_cells(page: Any) -> None:
    """Run → Run All Cells, through the menu as a user would."""
    page.locator(".lm-MenuBar-item", has_text="Run").first.click()
    page.locator(".lm-Menu-item", has_text="Run All Cells").first.click()
    page.wait_for_function(
        """() => {
            const w = window.jupyterapp.shell.currentWidget;
            const k = w.sessionContext.session?.kernel;
            return k && k.status === 'idle' && [...w.content.widgets].every(c =>
                c.model.type !== 'code' || c.model.executionCount !== null);
        }""",
        timeout=TIMEOUT_MS,
    )


def widget(page: Any, index: int = 0) -> Any:
    """The ``index``-th explorer on the page, once it has drawn."""
    w = page.locator(".mlnb-ie").nth(index)
    w.locator(".mlnb-ie-chart").first.wait_for(timeout=TIMEOUT_MS)
    return w


def output_of(w: Any) -> Any:
    """The output area around a widget (what a screenshot should frame)."""
    return w.locator("xpath=ancestor::div[contains(@class,'jp-OutputArea-child')][1]")


def confusion_counts(w: Any) -> list[str]:
    """tn, fp, fn, tp as the page shows them."""
    return w.locator(".mlnb-ie-cmgrid .mlnb-ie-count").all_inner_texts()


def wait_source(w: Any, text: str) -> None:
    source = w.locator(".mlnb-ie-source")
    source.filter(has_text=text).wait_for(timeout=TIMEOUT_MS)


def press_slider(w: Any, key: str, times: int = 1) -> None:
    slider = w.get_by_label("Threshold", exact=True)
    slider.focus()
    for _ in range(times):
        slider.press(key)


def set_target_recall(w: Any, value: float) -> None:
    box = w.get_by_label("Target recall")
    box.fill(str(value))
    box.press("Enter")


def choose_objective(w: Any, objective: str) -> None:
    w.get_by_label("Objective to optimise").select_option(objective)


def set_theme(page: Any, dark: bool) -> None:
    theme = "JupyterLab Dark" if dark else "JupyterLab Light"
    command(page, "apputils:change-theme", {"theme": theme})
    page.wait_for_function(
        "(dark) => document.body.dataset.jpThemeLight === (dark ? 'false' : 'true')",
        arg=dark,
        timeout=TIMEOUT_MS,
    )
    page.wait_for_timeout(500)  # let the theme's CSS settle


def capture(locator: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    locator.scroll_into_view_if_needed()
    locator.screenshot(path=str(path))
    return path


# -- expectations computed here, by mlnb itself ----------------------------------------
def expected_counts(threshold: float | None = None, recall: float | None = None):
    """The confusion matrix Python computes for the notebook's data."""
    namespace: dict[str, Any] = {}
    exec(DATA_CODE, namespace)  # noqa: S102 - our own constant
    import mlnb

    df = namespace["df"]
    r = mlnb.thresholds(df["is_fraud"], df["p_fraud"], publish=False)
    p = r.operating_point(recall=recall) if recall is not None else r.at(threshold)
    return [f"{int(v):,}" for v in (p.tn, p.fp, p.fn, p.tp)], p


# -- the run ---------------------------------------------------------------------------
def run(out: Path, keep: bool = False) -> list[Path]:
    from playwright.sync_api import sync_playwright

    base = Path(tempfile.mkdtemp(prefix="mlnb-ie-"))
    url, process, log = start_lab(base)
    shots: list[Path] = []
    problems: list[str] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            # tall enough that the whole widget is on screen (the notebook scrolls
            # inside its own panel, which would clip an element screenshot)
            page = browser.new_page(viewport={"width": 1280, "height": 1800})
            page.set_default_timeout(TIMEOUT_MS)
            page.on(
                "console",
                lambda m: m.type == "error" and problems.append(f"console: {m.text}"),
            )
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            open_notebook(page, url)
            run_all_cells(page)
            w = widget(page, 0)

            start, _ = expected_counts(threshold=0.5)
            assert confusion_counts(w) == start, (confusion_counts(w), start)

            press_slider(w, "PageDown", 2)  # 10% of the range per press: 0.5 -> 0.3
            wait_source(w, "set by hand")
            want, _ = expected_counts(threshold=0.3)
            page.wait_for_function(
                """([el, want]) => [...el.querySelectorAll(
                    '.mlnb-ie-cmgrid .mlnb-ie-count')].map(e => e.textContent)
                    .join('|') === want.join('|')""",
                arg=[w.element_handle(), want],
                timeout=TIMEOUT_MS,
            )

            set_target_recall(w, 0.8)
            wait_source(w, "best precision with recall ≥ 0.8")
            want, point = expected_counts(recall=0.8)
            page.wait_for_function(
                """([el, want]) => [...el.querySelectorAll(
                    '.mlnb-ie-cmgrid .mlnb-ie-count')].map(e => e.textContent)
                    .join('|') === want.join('|')""",
                arg=[w.element_handle(), want],
                timeout=TIMEOUT_MS,
            )
            shown = w.get_by_label("threshold value").input_value()
            assert abs(float(shown) - point.threshold) < 1e-3 * max(
                1.0, abs(point.threshold)
            ), (shown, point.threshold)

            shots.append(capture(output_of(w), out / "imbalance_explorer_light.png"))
            set_theme(page, dark=True)
            shots.append(capture(output_of(w), out / "imbalance_explorer_dark.png"))
            only = widget(page, 1)
            choose_objective(only, "auc_roc")
            only.locator(".mlnb-ie-nofit").wait_for(timeout=TIMEOUT_MS)
            shots.append(
                capture(output_of(only), out / "imbalance_explorer_data_only.png")
            )
            set_theme(page, dark=False)
            page.set_viewport_size({"width": 700, "height": 2600})
            page.wait_for_timeout(500)
            shots.append(capture(output_of(w), out / "imbalance_explorer_narrow.png"))
            browser.close()
    finally:
        stop_lab(process)
        if keep:
            print(f"kept {base} (server log: {log})")
        else:
            shutil.rmtree(base, ignore_errors=True)
    for line in problems:
        print(line, file=sys.stderr)
    widget_problems = [p for p in problems if "mlnb" in p or "anywidget" in p]
    if widget_problems:
        raise AssertionError("errors in the page:\n" + "\n".join(widget_problems))
    return shots


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ARTIFACTS)
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"Chromium not found at {CHROMIUM}", file=sys.stderr)
        return 2
    for path in run(args.out, keep=args.keep):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
