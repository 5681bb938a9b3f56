"""The layer contracts of ``make lint`` (import-linter, configured in pyproject.toml)
hold on the package and fail on a planted violation."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(
    not LINT.exists(), reason="import-linter is not installed (pip install -e .[test])"
)


def _lint(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT), "--no-cache", "--config", str(tree / "pyproject.toml")],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    shutil.copytree(
        ROOT / "mlnb", tmp_path / "mlnb", ignore=shutil.ignore_patterns("labextension")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_package_keeps_its_layers(tree):
    out = _lint(tree)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout


@pytest.mark.parametrize(
    ("module", "planted", "broken"),
    [
        # core must not reach up into a check
        ("core/frames.py", "from ..checks.imbalance import balance", "mlnb.core"),
        # a check must not import a widget
        ("checks/drift/report.py", "from ...widgets import drift as _w", "mlnb.checks"),
        # computation must not import a kernel library
        ("checks/imbalance/balance.py", "import IPython", "IPython"),
    ],
)
def test_a_planted_violation_fails(tree, module, planted, broken):
    path = tree / "mlnb" / module
    path.write_text(path.read_text() + f"\n{planted}  # planted\n")
    out = _lint(tree)
    assert out.returncode != 0
    assert "BROKEN" in out.stdout and broken in out.stdout, out.stdout
