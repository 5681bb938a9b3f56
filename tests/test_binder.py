"""Binder builds mlnb as ``binder/`` says, with its panel, and a tutorial runs there.

There is no Docker here, so the test repeats repo2docker's steps for the pip build pack
in a clean virtual environment: copy the repository as a clone has it (tracked files),
``pip install -r binder/requirements.txt`` from the repository root, then run
``binder/postBuild`` there. Afterwards ``jupyter labextension list`` must show mlnb
enabled and OK, and a tutorial notebook must execute in that environment's kernel.

It takes a few minutes (pip's cache and the extension's yarn cache are reused), so it
runs in the full environment (``make test-full`` sets ``MLNB_REQUIRE_EXTRAS=1``) or
with ``MLNB_TEST_BINDER=1``; it needs Node.js 20 like Binder's image.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
BINDER = ROOT / "binder"
NOTEBOOK = "notebooks/04_imbalanced_data.ipynb"
MIME = "application/vnd.mlnb.check+json"

pytestmark = pytest.mark.slow


def _run(args, *, cwd, env, timeout):
    proc = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{args} failed ({proc.returncode}):\n{output[-4000:]}"
    return output


def _clone_like_copy(dest: Path) -> None:
    """Copy what a clone holds: tracked files and new files git does not ignore."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for rel in filter(None, listed.split("\0")):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    # yarn's download cache only (ignored by git): saves fetching the npm packages again
    cache = ROOT / "labextension" / ".yarn" / "cache"
    if cache.is_dir():
        shutil.copytree(cache, dest / "labextension" / ".yarn" / "cache")


def _python_for_binder() -> str:
    wanted = (BINDER / "runtime.txt").read_text().strip().removeprefix("python-")
    if "{}.{}".format(*sys.version_info[:2]) == wanted:
        return sys.executable
    exe = shutil.which(f"python{wanted}")
    if exe is None:
        pytest.skip(f"binder/runtime.txt asks for Python {wanted}, not found here")
    return exe


def test_binder_builds_with_the_panel_and_runs_a_tutorial(tmp_path):
    if not (
        os.environ.get("MLNB_REQUIRE_EXTRAS") == "1"
        or os.environ.get("MLNB_TEST_BINDER") == "1"
    ):
        pytest.skip("slow: set MLNB_TEST_BINDER=1 (make test-full does) to run it")
    if shutil.which("node") is None:
        pytest.skip("Binder's image has Node.js 20; `node` is not on PATH here")
    if not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout (the test copies what a clone holds)")
    assert (BINDER / "requirements.txt").is_file()
    assert not (BINDER / "environment.yml").exists(), "conda would replace pip"

    repo = tmp_path / "repo"
    repo.mkdir()
    _clone_like_copy(repo)
    venv = tmp_path / "venv"
    subprocess.run([_python_for_binder(), "-m", "venv", str(venv)], check=True)

    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}
        and not k.startswith("JUPYTER")
    }
    env["PATH"] = os.pathsep.join([str(venv / "bin"), env.get("PATH", "")])
    home = tmp_path / "home"  # a clean Jupyter user area, as in a Binder image
    env["JUPYTER_CONFIG_DIR"] = str(home / "config")
    env["JUPYTER_DATA_DIR"] = str(home / "data")
    env["IPYTHONDIR"] = str(home / "ipython")
    env["MPLBACKEND"] = "Agg"
    python = str(venv / "bin" / "python")

    # repo2docker: pip install -r binder/requirements.txt from the repository root
    _run(
        [python, "-m", "pip", "install", "-q", "-r", "binder/requirements.txt"],
        cwd=repo,
        env=env,
        timeout=900,
    )
    # ... then binder/postBuild, from the repository root
    _run(["bash", "binder/postBuild"], cwd=repo, env=env, timeout=300)
    assert not (repo / "labextension" / "node_modules").exists()
    # widget state is saved with notebooks in the Binder lab
    override = venv / "share/jupyter/lab/settings/overrides.d/mlnb.json"
    saved = json.loads(override.read_text())
    assert saved["@jupyter-widgets/jupyterlab-manager:plugin"]["saveState"] is True

    listing = _run(
        [str(venv / "bin" / "jupyter"), "labextension", "list"],
        cwd=repo,
        env=env,
        timeout=120,
    )
    listing = re.sub(r"\x1b\[[0-9;]*m", "", listing)
    assert re.search(r"^\s*mlnb\s+v\S+\s+enabled\s+OK", listing, re.M), listing

    script = textwrap.dedent(
        f"""
        import nbclient, nbformat
        nb = nbformat.read({NOTEBOOK!r}, as_version=4)
        nbclient.NotebookClient(
            nb, kernel_name="python3", timeout=600,
            resources={{"metadata": {{"path": "notebooks"}}}},
        ).execute()
        outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
        print("records:", sum({MIME!r} in o.get("data", {{}}) for o in outputs))
        """
    )
    output = _run([python, "-c", script], cwd=repo, env=env, timeout=900)
    records = re.search(r"records: (\d+)", output)
    assert records and int(records.group(1)) > 0, output[-2000:]
