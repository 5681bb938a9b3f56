"""The wheel carries the prebuilt JupyterLab extension, so users need no Node.js."""

from __future__ import annotations

import json
import os
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
