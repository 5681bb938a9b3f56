"""Shared pieces of the model-registry tests (no MLflow import at module import).

Data, three distinct fitted models, a gate helper, a fresh registry copied from a
migrated template (creating MLflow's tables takes seconds), and the worker run in
child processes by the crash and concurrency tests.
"""

from __future__ import annotations

import json
import os
import shutil
import time

import numpy as np
import pandas as pd

NAME = "income"


def frame(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    df["y"] = ((df.a + 0.5 * df.b + rng.normal(size=n) * 0.7) > 0).astype(int)
    return df


DF = frame()
X = DF[["a", "b"]]


def models() -> list:
    """Three fitted, distinct logistic regressions (different C)."""
    from sklearn.linear_model import LogisticRegression

    return [LogisticRegression(C=c).fit(X, DF.y) for c in (1.0, 0.1, 0.01)]


def bless(candidate, baseline=None, *, lower: float = 0.6, publish: bool = False):
    from mlnb.checks.deployment import ValueThreshold, gate

    return gate(
        candidate,
        baseline,
        data=DF,
        label="y",
        thresholds=[ValueThreshold("roc_auc", lower=lower)],
        publish=publish,
    )


def make_template(folder: str) -> str:
    """A migrated, empty registry folder (its registry.db only)."""
    from mlnb.runtime.registry import registry

    registry(folder)
    return os.path.join(folder, "registry.db")


def fresh(template_db: str, folder: str):
    """A new, empty registry at ``folder`` (a copy of the template database)."""
    from mlnb.runtime.registry import registry

    os.makedirs(folder, exist_ok=True)
    shutil.copyfile(template_db, os.path.join(folder, "registry.db"))
    return registry(folder)


def predictions(model) -> np.ndarray:
    return model.predict_proba(X)[:, 1]


# -- child processes --------------------------------------------------------------
PRELOAD = [
    "mlflow",
    "mlflow.sklearn",
    "mlflow.pyfunc",
    "sklearn.linear_model",
    "mlnb.checks.deployment",
    "mlnb.runtime.registry.promote",
    "mlnb.integrations.mlflow_registry",
    "registry_helpers",
    "registry_warmup",
]


def context(template_db: str):
    """A forkserver context that preloads MLflow and warms it up with one promotion
    (into a copy of ``template_db``): children start in milliseconds and promote
    in a fraction of a second instead of re-importing MLflow (seconds)."""
    import multiprocessing as mp
    from multiprocessing import forkserver

    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    saved = dict(os.environ)
    # the fork server imports PRELOAD with the environment's path, not sys.path
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [here, root, *filter(None, [saved.get("PYTHONPATH")])]
    )
    os.environ["MLNB_TEST_REGISTRY_TEMPLATE"] = template_db
    try:
        forkserver.ensure_running()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return ctx


def worker(folder, model, decision, fault_point, barrier, ready, out) -> None:
    """Promote ``model`` into ``folder`` (dying at ``fault_point`` if set); wait for
    ``barrier`` (a file) first when given; write the outcome as JSON to ``out``."""
    if fault_point:
        os.environ["MLNB_FAULT_POINT"] = fault_point
    from mlnb.runtime.registry import promote, registry

    reg = registry(folder)
    with open(ready, "w") as fh:
        fh.write("ready")
    if barrier:
        deadline = time.monotonic() + 60
        while not os.path.exists(barrier) and time.monotonic() < deadline:
            time.sleep(0.001)
    p = promote(model, decision, registry=reg, name=NAME, publish=False)
    tmp = out + ".tmp"
    with open(tmp, "w") as fh:
        json.dump(
            {"promoted": p.promoted, "reason": p.reason, "version": p.version}, fh
        )
    os.replace(tmp, out)


def wait_for(path: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not appear within {timeout} s")
        time.sleep(0.002)
