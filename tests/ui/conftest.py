"""Real-browser tests of the JupyterLab extension (side panel, MIME chip).

A session-scoped JupyterLab server runs on a temporary root directory with its own
settings, workspaces, config and data directories (nothing in the virtual
environment is written), and Debian's Chromium is driven through Python playwright.

Chromium missing: the browser tests are skipped, unless ``MLNB_REQUIRE_UI=1`` (CI),
where they fail. ``test_steps_json.py`` needs no browser and always runs.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from labpage import TIMEOUT_MS, Lab, LabPage, http

CHROMIUM = os.environ.get("MLNB_CHROMIUM", "/usr/bin/chromium")
#: The extension built from this checkout (``jlpm build`` in labextension/).
BUILT_EXTENSION = Path(__file__).resolve().parents[2] / "mlnb" / "labextension"
REQUIRE_UI_ENV = "MLNB_REQUIRE_UI"
ARTIFACTS = Path(__file__).parent / "artifacts"
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


def ui_required() -> bool:
    return os.environ.get(REQUIRE_UI_ENV, "").strip().lower() in {"1", "true", "yes"}


def _skip_or_fail(reason: str) -> None:
    if ui_required():
        pytest.fail(f"{REQUIRE_UI_ENV}=1 but {reason}", pytrace=False)
    pytest.skip(f"{reason} (set {REQUIRE_UI_ENV}=1 to make this an error)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        _skip_or_fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        _skip_or_fail("Python playwright is not installed (pip install playwright)")
    return CHROMIUM


@pytest.fixture(scope="session")
def lab(chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    base = tmp_path_factory.mktemp("lab")
    root = base / "root"
    settings = base / "settings"
    notification = settings / "@jupyterlab" / "apputils-extension"
    for d in (root, notification, base / "workspaces", base / "config", base / "data"):
        d.mkdir(parents=True, exist_ok=True)
    # Serve the extension built from this checkout when there is one: JUPYTER_PATH
    # comes first in the lab's extension search, so the build under test wins over
    # whatever `jupyter labextension develop` last linked into the environment.
    extra_path = {}
    if (BUILT_EXTENSION / "package.json").exists():
        (base / "path" / "labextensions").mkdir(parents=True)
        (base / "path" / "labextensions" / "mlnb").symlink_to(BUILT_EXTENSION)
        extra_path["JUPYTER_PATH"] = os.pathsep.join(
            p for p in (str(base / "path"), os.environ.get("JUPYTER_PATH")) if p
        )
    # Silence the news / update pop-up that would cover the page.
    (notification / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    port = _free_port()
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(base / "config"),
        "JUPYTER_DATA_DIR": str(base / "data"),
        "JUPYTER_RUNTIME_DIR": str(base / "data" / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(base / "workspaces"),
        "PYTHONUNBUFFERED": "1",
        **extra_path,
    }
    log = base / "jupyter-lab.log"
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
        "--ServerApp.disable_check_xsrf=True",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={base / 'workspaces'}",
        "--LabApp.expose_app_in_browser=True",
        "--LabServerApp.open_browser=False",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=root
        )
    url = f"http://127.0.0.1:{port}"
    server = Lab(url=url, root=root, process=process, log=log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"jupyter lab exited:\n{log.read_text()[-3000:]}")
            try:
                http(f"{url}/api/status", timeout=2)
                break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"jupyter lab did not start:\n{log.read_text()[-3000:]}"
                    )
                time.sleep(0.25)
        page_html = http(f"{url}/lab", timeout=10).decode()
        if '"name": "mlnb"' not in page_html and '"name":"mlnb"' not in page_html:
            pytest.fail(
                "the mlnb JupyterLab extension is not installed in this environment: "
                "run `make labextension` (jlpm build in labextension/, then "
                "`jupyter labextension develop --overwrite .`)",
                pytrace=False,
            )
        yield server
    finally:
        server.delete_sessions()
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def lab_page(
    lab: Lab, browser: Any, request: pytest.FixtureRequest
) -> Iterator[LabPage]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    lp = LabPage(page, lab)
    lp.goto()
    try:
        yield lp
        if request.node.stash.get(_FAILED, False):
            # Keep what the browser showed, and the console, for the failure.
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            name = request.node.name.replace("/", "_")
            page.screenshot(path=str(ARTIFACTS / f"failed-{name}.png"))
            (ARTIFACTS / f"failed-{name}.log").write_text(
                "\n".join(["warnings:", *lp.warnings, "errors:", *lp.errors])
            )
    finally:
        context.close()
        lab.delete_sessions()
