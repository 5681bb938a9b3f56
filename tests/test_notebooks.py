"""Every tutorial notebook runs top to bottom without an error (nbclient)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.ipynb"))
MIME = "application/vnd.mlnb.check+json"


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no tutorial notebook"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path, tmp_path, require):
    nb = nbformat.read(path, as_version=4)
    # a tutorial whose main thread needs an extra says so in its metadata
    # ("mlnb": {"requires": {"optuna": "train"}}): skipped without it, failed
    # under MLNB_REQUIRE_EXTRAS=1 (the require fixture)
    for module, extra in nb.metadata.get("mlnb", {}).get("requires", {}).items():
        require(module, extra)
    env_before = os.environ.get("TF_CPP_MIN_LOG_LEVEL")
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    try:
        client = nbclient.NotebookClient(
            nb,
            kernel_name="python3",
            timeout=600,
            resources={"metadata": {"path": str(path.parent)}},
        )
        client.execute()  # raises CellExecutionError on the first failing cell
    finally:
        if env_before is None:
            os.environ.pop("TF_CPP_MIN_LOG_LEVEL", None)
        else:
            os.environ["TF_CPP_MIN_LOG_LEVEL"] = env_before
    records = [
        out["data"][MIME]
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if MIME in out.get("data", {})
    ]
    # a tutorial for step N leaves evidence for step N in its outputs
    number = path.name.split("_", 1)[0]
    if number.isdigit() and 1 <= int(number) <= 10:
        from mlnb.checklist import STEPS

        step = STEPS[int(number) - 1].id
        assert any(r["step"] == step for r in records), f"no {step} record"
    for record in records:
        assert record["protocol_version"] == 2
    nbformat.validate(nb)
    nbformat.write(nb, tmp_path / path.name)
