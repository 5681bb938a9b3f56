"""Packaging for mlnb.

The JupyterLab extension (the ML checklist panel) is TypeScript in ``labextension/``.
Every build of the package — ``pip install .``, ``pip wheel .``, ``python -m build``,
``pip install git+…`` — first builds it into ``mlnb/labextension/`` when that build is
missing or older than its sources (``jlpm install && jlpm build``, as the JupyterLab
extension template's build hook does), then ships it in
``share/jupyter/labextensions/mlnb`` so users of the wheel need no Node.js. The sdist
carries both the sources and the built extension, so installing from it needs no
Node.js either.

Building from a clone needs Node.js 20: without it the build stops with a message that
says what to install. It is never silently skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Command, find_packages, setup
from setuptools.command.build import build
from setuptools.command.sdist import sdist

HERE = Path(__file__).parent.resolve()
LABEXT_NAME = "mlnb"
LABEXT_SRC = HERE / "labextension"
LABEXT_BUILD = HERE / "mlnb" / "labextension"
_SOURCE_SUFFIXES = {".ts", ".tsx", ".css", ".json", ".svg", ".js"}
_SKIP_DIRS = {"node_modules", "lib", ".yarn"}


def _newest_source() -> float:
    newest = 0.0
    for dirpath, dirnames, filenames in os.walk(LABEXT_SRC):
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS]
        for f in filenames:
            path = Path(dirpath, f)
            if path.suffix in _SOURCE_SUFFIXES and f != "tsconfig.tsbuildinfo":
                newest = max(newest, path.stat().st_mtime)
    return newest


def labextension_is_current() -> bool:
    """Whether ``mlnb/labextension`` holds a build at least as new as the sources."""
    built = LABEXT_BUILD / "package.json"
    if not built.is_file():
        return False
    if not (LABEXT_SRC / "package.json").is_file():  # an sdist without sources
        return True
    return built.stat().st_mtime >= _newest_source()


def _jlpm() -> list[str]:
    """JupyterLab's pinned yarn (``jlpm``), from the build environment."""
    exe = shutil.which(
        "jlpm",
        path=os.pathsep.join(
            [str(Path(sys.executable).parent), os.environ.get("PATH", "")]
        ),
    )
    return [exe] if exe else [sys.executable, "-m", "jupyterlab.jlpmapp"]


class BuildLabextension(Command):
    """Build the JupyterLab extension into ``mlnb/labextension`` (needs Node.js)."""

    description = "build the JupyterLab extension (TypeScript) with jlpm"
    user_options: list = []

    def initialize_options(self) -> None:
        pass

    def finalize_options(self) -> None:
        pass

    def run(self) -> None:
        if not labextension_is_current():
            if shutil.which("node") is None:
                raise SystemExit(
                    "mlnb: building the JupyterLab extension (the ML checklist panel) "
                    "needs Node.js 20, and `node` is not on PATH. Install Node.js 20 "
                    "(e.g. `apt-get install nodejs npm`, `conda install -c "
                    "conda-forge nodejs=20`, or nvm) and build again — or install mlnb "
                    "from a wheel, which carries the built extension."
                )
            env = dict(os.environ)
            env["PATH"] = os.pathsep.join(
                [str(Path(sys.executable).parent), env["PATH"]]
            )
            for args in (["install"], ["build"]):
                print(f"mlnb: jlpm {' '.join(args)} in labextension/", flush=True)
                subprocess.run(_jlpm() + args, cwd=LABEXT_SRC, env=env, check=True)
            if not (LABEXT_BUILD / "package.json").is_file():
                raise SystemExit(
                    "mlnb: `jlpm build` finished but mlnb/labextension/package.json is "
                    "missing; see the build output above."
                )
        # the files to ship exist only now: hand them to install_data / the wheel
        self.distribution.data_files = _labextension_data_files()


class BuildWithLabextension(build):
    sub_commands = [("build_labextension", None), *build.sub_commands]


class SdistWithLabextension(sdist):
    def run(self) -> None:
        self.run_command("build_labextension")
        super().run()


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
    # TreeSHAP for tree ensembles in mlnb.explain (step 7)
    "shap": ["shap>=0.45"],
    # step 3: the local hyperparameter search (study on disk), GPU probing through
    # NVML, and callables defined in a notebook sent to a trial's subprocess
    "train": ["optuna>=4", "nvidia-ml-py>=12", "cloudpickle>=3"],
    # step 8: data validation against a schema (pandera underneath)
    "validate": ["pandera>=0.20"],
    # step 8: the local model registry (MLflow's, in a SQLite file; mlflow-skinny
    # needs SQLAlchemy and Alembic for that store)
    "registry": ["mlflow-skinny>=3", "sqlalchemy>=2", "alembic>=1.13"],
}
# step 8: validate -> train -> evaluate -> gate -> deploy as a Kubeflow Pipelines v2
# definition (Vertex Pipelines), run locally with KFP's subprocess runner; its steps
# validate data and promote into the registry.
EXTRAS["pipeline"] = ["kfp>=2.16,<3", *EXTRAS["validate"], *EXTRAS["registry"]]
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
    "build>=1.2",
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
    cmdclass={
        "build_labextension": BuildLabextension,
        "build": BuildWithLabextension,
        "sdist": SdistWithLabextension,
    },
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
