"""Helpers for the real-browser tests: a JupyterLab page, notebooks to open."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MIME = "application/vnd.mlnb.check+json"
PANEL_ID = "mlnb-checklist"
STEP_IDS = (
    "problem",
    "prototype",
    "training",
    "imbalance",
    "accuracy",
    "fairness",
    "explainability",
    "deployment",
    "drift",
    "serving",
)
# Generous: a cold kernel start on a busy CI machine can take several seconds.
TIMEOUT_MS = 30_000


def http(
    url: str, method: str = "GET", timeout: float = 5, body: bytes | None = None
) -> bytes:
    req = urllib.request.Request(
        url, method=method, data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
        return resp.read()


@dataclass
class Lab:
    """A running JupyterLab server."""

    url: str
    root: Path
    process: Any
    log: Path

    def api(self, path: str, method: str = "GET") -> Any:
        body = http(f"{self.url}{path}", method=method)
        return json.loads(body) if body else None

    def put_settings(self, plugin_id: str, settings: dict) -> None:
        """Write a plugin's user settings through the server (a page reload applies
        them)."""
        body = json.dumps({"raw": json.dumps(settings)}).encode()
        http(f"{self.url}/lab/api/settings/{plugin_id}", method="PUT", body=body)

    def delete_sessions(self) -> None:
        """Shut down every kernel session (each test ends clean)."""
        try:
            for session in self.api("/api/sessions"):
                self.api(f"/api/sessions/{session['id']}", method="DELETE")
        except (urllib.error.URLError, OSError):
            pass


class LabPage:
    """A JupyterLab page and the helpers the tests share."""

    def __init__(self, page: Any, lab: Lab) -> None:
        self.page = page
        self.lab = lab
        self.warnings: list[str] = []
        self.errors: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", self._on_page_error)

    def _on_page_error(self, exc: Any) -> None:
        # the message, then where it came from (a failing test shows which code)
        stack = getattr(exc, "stack", None) or ""
        self.errors.append(f"{exc}\n{stack}".strip())

    def _on_console(self, msg: Any) -> None:
        if msg.type == "warning":
            self.warnings.append(msg.text)
        elif msg.type == "error":
            self.errors.append(msg.text)

    # --- app -------------------------------------------------------------------
    def goto(self, path: str = "/lab?reset") -> None:
        self.page.goto(f"{self.lab.url}{path}")
        self.wait_app()

    def wait_app(self) -> None:
        self.page.wait_for_function(
            "() => window.jupyterapp && window.jupyterapp.shell", timeout=TIMEOUT_MS
        )
        self.page.evaluate("() => window.jupyterapp.restored")
        self.page.locator(
            f'.jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id="{PANEL_ID}"]'
        ).wait_for(timeout=TIMEOUT_MS)

    def command(self, command: str, args: dict | None = None) -> None:
        self.page.evaluate(
            "async ([c, a]) => { await window.jupyterapp.commands.execute(c, a); }",
            [command, args or {}],
        )

    # --- notebooks -------------------------------------------------------------
    def open_notebook(self, name: str, wait_kernel: bool = False) -> None:
        self.command("docmanager:open", {"path": name})
        self.wait_notebook(name, wait_kernel=wait_kernel)

    def wait_notebook(self, name: str, wait_kernel: bool = False) -> None:
        self.page.wait_for_function(
            """(name) => {
                const w = window.jupyterapp.shell.currentWidget;
                return w && w.context && w.context.path === name && w.context.isReady;
            }""",
            arg=name,
            timeout=TIMEOUT_MS,
        )
        if wait_kernel:
            self.wait_kernel_idle()

    def wait_kernel_idle(self) -> None:
        """Wait until the current notebook's kernel is connected and idle."""
        self.page.wait_for_function(
            """() => {
                const w = window.jupyterapp.shell.currentWidget;
                const k = w && w.sessionContext.session?.kernel;
                return k && k.connectionStatus === 'connected' && k.status === 'idle';
            }""",
            timeout=TIMEOUT_MS,
        )

    def run_all(self, timeout_ms: int = TIMEOUT_MS) -> None:
        """Run all cells and wait until every code cell has run and the kernel is
        idle (``timeout_ms`` for all of it)."""
        self.command("notebook:run-all-cells")
        self.page.wait_for_function(
            """() => {
                const w = window.jupyterapp.shell.currentWidget;
                const k = w.sessionContext.session?.kernel;
                const cells = [...w.content.widgets];
                return k && k.status === 'idle' && cells.every(c =>
                    c.model.type !== 'code' || !c.model.sharedModel.getSource() ||
                    (c.model.executionCount !== null && !c.node.classList.contains(
                        'jp-mod-pending')));
            }""",
            timeout=timeout_ms,
        )

    def save(self) -> None:
        self.command("docmanager:save")
        self.page.wait_for_function(
            "() => !window.jupyterapp.shell.currentWidget.context.model.dirty",
            timeout=TIMEOUT_MS,
        )

    def set_theme(self, dark: bool) -> None:
        """Switch JupyterLab's theme (saved in the server's user settings: tests
        that change it put the light theme back)."""
        theme = "JupyterLab Dark" if dark else "JupyterLab Light"
        # JupyterLab shows its splash screen while a theme loads and removes it
        # 200 ms after it fades: a theme change inside that window removes the same
        # node twice ("removeChild ... not a child", a JupyterLab page error), so
        # wait for the splash to be gone before and after the change.
        self.wait_splash_gone()
        self.command("apputils:change-theme", {"theme": theme})
        self.page.wait_for_function(
            "(dark) => document.body.dataset.jpThemeLight === String(!dark)",
            arg=dark,
            timeout=TIMEOUT_MS,
        )
        # The theme's stylesheet is in place once a themed colour is computed.
        self.page.wait_for_function(
            """(dark) => {
                const bg = getComputedStyle(document.body)
                    .getPropertyValue('--jp-layout-color0').trim().toLowerCase();
                return bg !== '' && (bg === 'white' || bg === '#fff' ||
                    bg === '#ffffff') === !dark;
            }""",
            arg=dark,
            timeout=TIMEOUT_MS,
        )
        self.wait_splash_gone()

    def wait_splash_gone(self) -> None:
        """Wait until JupyterLab's splash screen has left the page."""
        self.page.wait_for_function(
            "() => !document.getElementById('jupyterlab-splash')",
            timeout=TIMEOUT_MS,
        )

    def active_cell_index(self) -> int:
        return self.page.evaluate(
            "() => window.jupyterapp.shell.currentWidget.content.activeCellIndex"
        )

    def cell_sources(self) -> list[str]:
        return self.page.evaluate(
            """() => window.jupyterapp.shell.currentWidget.content.widgets
                .map(c => c.model.sharedModel.getSource())"""
        )

    # --- the panel -------------------------------------------------------------
    @property
    def panel(self) -> Any:
        return self.page.locator(".mlnb-ChecklistPanel")

    def open_panel(self) -> None:
        if not self.panel.is_visible():
            self.page.locator(
                f'.jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id="{PANEL_ID}"]'
            ).click()
        self.panel.wait_for(state="visible", timeout=TIMEOUT_MS)

    def widen_sidebar(self, dx: float) -> None:
        """Drag the handle between the left side bar and the main area by ``dx``
        pixels, as a user would."""
        handle = self.page.locator("#jp-main-split-panel > .lm-SplitPanel-handle")
        box = handle.first.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        self.page.mouse.move(x, y)
        self.page.mouse.down()
        self.page.mouse.move(x + dx, y, steps=5)
        self.page.mouse.up()
        self.page.wait_for_function(
            """(x) => {
                const h = document.querySelector(
                    '#jp-main-split-panel > .lm-SplitPanel-handle');
                const r = h.getBoundingClientRect();
                return Math.abs(r.x + r.width / 2 - x) < 2;
            }""",
            arg=x + dx,
            timeout=TIMEOUT_MS,
        )

    def step(self, step_id: str) -> Any:
        return self.panel.locator(f'.mlnb-Step[data-step="{step_id}"]')

    def statuses(self) -> dict[str, str]:
        return self.page.evaluate(
            """() => Object.fromEntries([...document.querySelectorAll(
                '.mlnb-ChecklistPanel .mlnb-Step')].map(
                e => [e.dataset.step, e.dataset.status]))"""
        )

    def wait_statuses(self, expected: dict[str, str]) -> None:
        """Wait until the panel shows ``expected`` (others: not checked)."""
        want = {s: expected.get(s, "unchecked") for s in STEP_IDS}
        try:
            self.page.wait_for_function(
                """(want) => {
                    const got = Object.fromEntries([...document.querySelectorAll(
                        '.mlnb-ChecklistPanel .mlnb-Step')].map(
                        e => [e.dataset.step, e.dataset.status]));
                    return JSON.stringify(got) === JSON.stringify(want);
                }""",
                arg=want,
                timeout=TIMEOUT_MS,
            )
        except Exception:
            assert self.statuses() == want  # shows the difference
            raise

    def progress_text(self) -> str:
        return self.panel.locator(".mlnb-Checklist-progressText").inner_text()

    def check_lines(self, step_id: str) -> list[dict[str, str]]:
        """The check lines under a step, top to bottom: ``check``, ``status``,
        ``summary``, ``decided`` (the deciding condition's line, "" if none),
        ``time`` (the ISO time in the tooltip) and ``decides`` ("yes" for the
        check that decides the step's badge)."""
        return self.page.evaluate(
            """(step) => [...document.querySelectorAll(
                `.mlnb-ChecklistPanel .mlnb-Step[data-step="${step}"] .mlnb-Check`)]
                .map(e => {
                    const text = sel => {
                        const n = e.querySelector(sel);
                        return n && !n.hidden ? n.textContent : '';
                    };
                    return {
                        check: e.dataset.check, status: e.dataset.status,
                        decides: e.dataset.decides,
                        name: text('.mlnb-Check-name'),
                        summary: text('.mlnb-Check-summary'),
                        decided: text('.mlnb-Check-decided'),
                        time: e.querySelector('time').getAttribute('title'),
                    };
                })""",
            step_id,
        )

    def wait_check_lines(self, step_id: str, expected: list[tuple[str, str]]) -> None:
        """Wait until the step lists exactly ``expected`` (check, status) lines."""
        want = [list(pair) for pair in expected]
        try:
            self.page.wait_for_function(
                """([step, want]) => JSON.stringify([...document.querySelectorAll(
                    `.mlnb-ChecklistPanel .mlnb-Step[data-step="${step}"] .mlnb-Check`
                    )].map(e => [e.dataset.check, e.dataset.status])) ===
                    JSON.stringify(want)""",
                arg=[step_id, want],
                timeout=TIMEOUT_MS,
            )
        except Exception:
            got = [(c["check"], c["status"]) for c in self.check_lines(step_id)]
            assert got == expected  # shows the difference
            raise


# --- notebooks written for the tests ------------------------------------------------
def record(step: str, status: str, summary: str, created: str) -> dict:
    """A protocol version 1 record (no conditions, ``created`` in seconds)."""
    return {
        "protocol_version": 1,
        "step": step,
        "status": status,
        "summary": summary,
        "check": step,
        "created": created,
        "metrics": {"n": 1},
    }


def record2(
    step: str,
    check: str,
    status: str,
    summary: str,
    created: str,
    decided_by: str = "",
) -> dict:
    """A protocol version 2 record, as ``CheckResult.record()`` writes it."""
    conditions = (
        [
            {
                "condition": decided_by.split(" ")[0],
                "status": status,
                "sentence": decided_by,
            }
        ]
        if decided_by
        else []
    )
    return {
        "protocol_version": 2,
        "step": step,
        "status": status,
        "summary": summary,
        "check": check,
        "created": created,
        "metrics": {"n": 1},
        "conditions": conditions,
        "decided_by": decided_by,
    }


#: A helper cell that lets test notebooks display records without mlnb's checks.
EMIT_HELPER = """\
from datetime import datetime, timezone
from IPython.display import display

def emit(step, status, summary, extra=None):
    rec = {"protocol_version": 1, "step": step, "status": status,
           "summary": summary, "check": step,
           "created": datetime.now(timezone.utc).isoformat(timespec="seconds")
                      .replace("+00:00", "Z"),
           "metrics": {"rows": 1000}}
    rec.update(extra or {})
    display({"application/vnd.mlnb.check+json": rec,
             "text/plain": f"{step}: {status} - {summary}"}, raw=True)
"""


def write_notebook(path: Path, cells: list[Any], metadata: dict | None = None) -> Path:
    """Write an nbformat v4 notebook with the python3 kernel."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata.update(
        {
            "kernelspec": {
                "name": "python3",
                "display_name": "Python 3",
                "language": "python",
            },
            "language_info": {"name": "python"},
        }
    )
    nb.metadata.update(metadata or {})
    nb.cells = cells
    nbformat.write(nb, path)
    return path


def code(source: str, outputs: list[Any] | None = None) -> Any:
    import nbformat

    cell = nbformat.v4.new_code_cell(source)
    if outputs:
        cell.outputs = outputs
        cell.execution_count = 1
    return cell


def record_output(rec: dict, extra: dict | None = None) -> Any:
    import nbformat

    data = {MIME: rec, "text/plain": f"{rec.get('step')}: {rec.get('status')}"}
    data.update(extra or {})
    return nbformat.v4.new_output("display_data", data=data)


def evidence(source: str, step: str, status: str, summary: str, created: str) -> Any:
    """A code cell whose saved output holds one status record."""
    return code(source, [record_output(record(step, status, summary, created))])
