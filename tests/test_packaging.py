"""The wheel carries the prebuilt JupyterLab extension, so users need no Node.js."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
BUILT = ROOT / "mlnb" / "labextension" / "package.json"


def _require_built_extension() -> None:
    if BUILT.exists():
        return
    message = "the JupyterLab extension is not built (run `make labextension`)"
    if os.environ.get("MLNB_REQUIRE_EXTRAS") == "1":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def test_labextension_paths_point_at_the_built_extension():
    import mlnb

    (entry,) = mlnb._jupyter_labextension_paths()
    assert entry["dest"] == "mlnb"
    assert (Path(mlnb.__file__).parent / entry["src"]).name == "labextension"


def _no_node_path() -> str:
    """PATH without any directory that holds ``node``."""
    keep = [
        d
        for d in os.environ.get("PATH", "").split(os.pathsep)
        if d and not (Path(d) / "node").exists()
    ]
    return os.pathsep.join(keep)


@pytest.mark.slow
def test_wheel_installs_the_prebuilt_extension(tmp_path):
    _require_built_extension()
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp_path, "."],
        cwd=ROOT,
        check=True,
    )
    (wheel,) = tmp_path.glob("mlnb-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    prefix = next(
        n
        for n in names
        if n.endswith(".data/data/share/jupyter/labextensions/mlnb/package.json")
    )
    share = prefix.rsplit("package.json", 1)[0]
    shipped = [n for n in names if n.startswith(share)]
    assert share + "install.json" in shipped
    assert any(n.startswith(share + "static/") and n.endswith(".js") for n in shipped)
    assert any(n.startswith(share + "schemas/mlnb/") for n in shipped)
    meta = json.loads(zipfile.ZipFile(wheel).read(prefix))
    assert meta["name"] == "mlnb"
    # the Python side ships the widget's front end and the data set too
    assert "mlnb/widgets/static/imbalance.js" in names
    assert "mlnb/datasets/data/transactions.csv.gz" in names

    # Installed into a fresh environment with no Node.js anywhere on PATH, the
    # extension lands where JupyterLab looks and is enabled.
    env_dir = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", env_dir], check=True)
    py = env_dir / "bin" / "python"
    # outside the checkout, so no mlnb.egg-info there looks installed already
    no_node = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    no_node["PATH"] = _no_node_path()
    subprocess.run(
        [py, "-m", "pip", "install", "-q", "--no-deps", wheel],
        env=no_node,
        cwd=tmp_path,
        check=True,
    )
    installed = env_dir / "share" / "jupyter" / "labextensions" / "mlnb"
    assert (installed / "package.json").is_file()
    assert (installed / "install.json").is_file()
    listing = subprocess.run(
        [sys.executable, "-m", "jupyter", "labextension", "list"],
        env={**no_node, "JUPYTER_PATH": str(env_dir / "share" / "jupyter")},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    out = listing.stdout + listing.stderr
    line = next(ln for ln in out.splitlines() if ln.strip().startswith("mlnb "))
    assert "enabled" in line and "OK" in line, out
    assert str(env_dir) in out


def test_setup_refuses_to_build_without_node(tmp_path):
    """A build without Node.js stops with a message that says what to install — it
    never produces a package without the panel."""
    src = tmp_path / "src"
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(
            ".git",
            ".venv*",
            "node_modules",
            "labextension",
            "lib",
            "*.egg-info",
            "build",
            "dist",
            "artifacts",
            "__pycache__",
        ),
    )
    shutil.copytree(
        ROOT / "labextension",
        src / "labextension",
        ignore=shutil.ignore_patterns("node_modules", "lib"),
    )
    assert not (src / "mlnb" / "labextension").exists()
    out = subprocess.run(
        [sys.executable, "setup.py", "-q", "build_labextension"],
        cwd=src,
        env={**os.environ, "PATH": _no_node_path()},
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0
    assert "needs Node.js 20" in out.stdout + out.stderr
    assert "install mlnb from a wheel" in out.stdout + out.stderr
