"""Packaging for mlnb.

The JupyterLab extension is built from ``labextension/`` (TypeScript) into
``mlnb/labextension/`` by ``make labextension``; this file ships whatever has been
built there into ``share/jupyter/labextensions/mlnb`` so users need no Node.js.
"""

from __future__ import annotations

import os
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent.resolve()
LABEXT_NAME = "mlnb"
LABEXT_BUILD = HERE / "mlnb" / "labextension"


def _labextension_data_files() -> list[tuple[str, list[str]]]:
    """Map every built extension file to its place under share/jupyter."""
    dest_root = Path("share") / "jupyter" / "labextensions" / LABEXT_NAME
    files: list[tuple[str, list[str]]] = []
    if LABEXT_BUILD.is_dir():
        for dirpath, _dirnames, filenames in os.walk(LABEXT_BUILD):
            rel = Path(dirpath).relative_to(LABEXT_BUILD)
            paths = [str(Path(dirpath, f).relative_to(HERE)) for f in sorted(filenames)]
            if paths:
                files.append((str(dest_root / rel), paths))
    install_json = HERE / "labextension" / "install.json"
    if install_json.is_file():
        files.append((str(dest_root), [str(install_json.relative_to(HERE))]))
    return files


CORE = [
    "numpy>=1.26",
    "pandas>=2.1",
    "scikit-learn>=1.4",
    "scipy>=1.11",
    "matplotlib>=3.8",
    "ipywidgets>=8.1,<9",
    "anywidget>=0.9",
    "ipython>=8.12",
    "imbalanced-learn>=0.12",
    "tqdm>=4.66",
    "jupyterlab>=4.6.4,<5",
]

EXTRAS = {
    "tensorflow": ["tensorflow>=2.16"],
    "tfma": ["tensorflow-model-analysis>=0.52", "tensorflow>=2.16"],
    "vertex": ["google-cloud-aiplatform>=1.60"],
}
EXTRAS["all"] = sorted({req for reqs in EXTRAS.values() for req in reqs})
# Tools the test suite needs (not part of "all": users do not need them).
EXTRAS["test"] = [
    "pytest>=8",
    "hypothesis>=6.100",
    "nbclient>=0.10",
    "nbformat>=5.10",
    "ipykernel>=6.29",
    "ruff>=0.6",
    "playwright>=1.45",
    "polars>=1.0",
    "pyarrow>=15",
    "import-linter>=2.1",
]
# Peers the benchmarks compare against.
EXTRAS["bench"] = ["fairlearn>=0.11", "evidently>=0.6,<0.8"]

setup(
    name="mlnb",
    version="0.1.0",
    description=(
        "Check an ML project for the ten things that most often go wrong, "
        "inside Jupyter."
    ),
    long_description=(HERE / "README.md").read_text(encoding="utf-8")
    if (HERE / "README.md").exists()
    else "",
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.10",
    packages=find_packages(include=["mlnb", "mlnb.*"]),
    package_data={
        "mlnb": ["py.typed"],
        "mlnb.widgets": ["static/*.js", "static/*.css"],
        "mlnb.datasets": ["data/*.csv.gz", "data/*.txt", "data/*.names"],
    },
    data_files=_labextension_data_files(),
    install_requires=CORE,
    extras_require=EXTRAS,
    classifiers=[
        "Framework :: Jupyter",
        "Framework :: Jupyter :: JupyterLab :: 4",
        "Framework :: Jupyter :: JupyterLab :: Extensions :: Prebuilt",
        "Programming Language :: Python :: 3",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ],
    zip_safe=False,
)
