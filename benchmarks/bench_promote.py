"""Benchmark: ``mlnb.promote`` + ``ModelRegistry.load`` against the same work done
by hand with plain MLflow calls, in the same process.

mlnb's side: ``promote(model, decision, registry=reg, name=...)`` — the refusal
rules, the promotion lock, the artefact saved into a temporary folder, fsynced and
moved into place, read back and fingerprinted, the version registered with its
lineage tags, the alias moved, a history line — then ``reg.load(name)``.

The peer: in a run, ``mlflow.sklearn.log_model`` (MLflow 3: a logged model),
``mlflow.register_model``, ``MlflowClient.set_registered_model_alias``, then
``mlflow.sklearn.load_model("models:/name@champion")``. It is timed twice: as
users write it (``log_model`` infers the pip requirements, which starts a
subprocess) and with the requirements given as mlnb writes them (equal work). Each
side has its own SQLite store, created before timing; every repetition registers a
new name. The loaded models' predictions are checked to equal the original's. The
script always exits 0: a benchmark reports, it does not test.

Usage::

    python benchmarks/bench_promote.py [--repeat 5] [--features 20]
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import platform
import tempfile
import warnings

import numpy as np
import pandas as pd
from benchkit import load, timed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--features", type=int, default=20)
    ap.add_argument("--rows", type=int, default=5_000)
    args = ap.parse_args()
    print(f"{platform.machine()}, {os.cpu_count()} CPUs, load average {load()}")
    warnings.simplefilter("ignore")
    logging.getLogger("mlflow").setLevel(logging.ERROR)

    import mlflow
    import mlflow.sklearn
    import sklearn
    from mlflow import MlflowClient
    from sklearn.ensemble import RandomForestClassifier

    from mlnb.checks.deployment import ValueThreshold, gate
    from mlnb.runtime.registry import promote, registry

    rng = np.random.default_rng(0)
    cols = [f"x{i}" for i in range(args.features)]
    df = pd.DataFrame(rng.normal(size=(args.rows, args.features)), columns=cols)
    df["y"] = (df.x0 + df.x1 + rng.normal(size=args.rows) > 0).astype(int)
    model = RandomForestClassifier(n_estimators=50, max_depth=6, random_state=0)
    model.fit(df[cols], df.y)
    expect = model.predict_proba(df[cols])[:, 1]
    decision = gate(
        model,
        data=df,
        label="y",
        thresholds=[ValueThreshold("roc_auc", lower=0.6)],
        publish=False,
    )

    root = tempfile.mkdtemp(prefix="bench-promote-")
    reg = registry(os.path.join(root, "mlnb"))
    peer_uri = "sqlite:///" + os.path.join(root, "peer.db")
    mlflow.set_tracking_uri(peer_uri)
    mlflow.set_registry_uri(peer_uri)
    client = MlflowClient(tracking_uri=peer_uri, registry_uri=peer_uri)
    client.search_registered_models(max_results=1)  # creates the peer's tables
    # artefacts under the temporary folder (the default is ./mlruns)
    mlflow.create_experiment("bench", artifact_location=os.path.join(root, "peer-art"))
    mlflow.set_experiment("bench")
    counter = itertools.count()

    def with_mlnb():
        name = f"mlnb{next(counter)}"
        p = promote(model, decision, registry=reg, name=name, publish=False)
        assert p.promoted
        return reg.load(name)

    def by_hand(**log_kw):
        def run():
            name = f"peer{next(counter)}"
            with mlflow.start_run():
                info = mlflow.sklearn.log_model(
                    model, name="model", serialization_format="cloudpickle", **log_kw
                )
            mv = mlflow.register_model(info.model_uri, name)
            client.set_registered_model_alias(name, "champion", mv.version)
            return mlflow.sklearn.load_model(f"models:/{name}@champion")

        return run

    reqs = [f"scikit-learn=={sklearn.__version__}"]
    with_mlnb()  # warm both paths (imports) before timing
    by_hand(pip_requirements=reqs)()
    t_mlnb, m1 = timed(with_mlnb, args.repeat)
    t_equal, m2 = timed(by_hand(pip_requirements=reqs), args.repeat)
    t_plain, m3 = timed(by_hand(), max(1, args.repeat // 2))
    for m in (m1, m2, m3):
        np.testing.assert_array_equal(m.predict_proba(df[cols])[:, 1], expect)
    print(
        f"promote + load, RandomForest (50 trees), {args.features} features, median "
        f"of {args.repeat}:"
    )
    print(f"  mlnb.promote + reg.load                      {t_mlnb * 1000:8.1f} ms")
    print(f"  plain MLflow, requirements given (equal work) {t_equal * 1000:7.1f} ms")
    print(f"  plain MLflow, requirements inferred (default) {t_plain * 1000:7.1f} ms")
    print(f"ratio mlnb / plain MLflow (equal work): {t_mlnb / t_equal:.2f}")
    print(f"ratio mlnb / plain MLflow (default):    {t_mlnb / t_plain:.2f}")


if __name__ == "__main__":
    main()
