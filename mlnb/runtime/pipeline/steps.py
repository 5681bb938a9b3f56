"""What each pipeline step does, inside the step's process.

The Kubeflow components (:mod:`mlnb.integrations.kfp_pipeline`) are thin: each
imports this module and calls one function with its parameters and its artefacts
(objects with ``.path`` and ``.metadata``, and ``.log_metric`` for metrics), so the
work is plain mlnb code: :func:`mlnb.validate_data`, the user's training function,
:func:`mlnb.gate` against the registry's champion, :func:`mlnb.promote`.

Artefacts hold the pickled result objects (read back by
:class:`~mlnb.runtime.pipeline.run.PipelineRun`) and a short JSON summary in their
metadata (what the Vertex AI console shows).
"""

from __future__ import annotations

import json
import os
import pickle
import time
from typing import Any

from ...errors import MlnbValueError

__all__ = [
    "read_table",
    "open_registry",
    "validate_step",
    "train_step",
    "evaluate_step",
    "gate_step",
    "deploy_step",
]

#: File endings read as Parquet (anything else is read as CSV).
PARQUET_ENDINGS = (".parquet", ".pq")


def read_table(path: str, *, argument: str = "data"):
    """The rows of a CSV or Parquet file (a local path, or a ``gs://`` URI where
    the image has gcsfs)."""
    import pandas as pd

    if str(path).lower().endswith(PARQUET_ENDINGS):
        return pd.read_parquet(path)
    return pd.read_csv(path)


def open_registry(spec: dict) -> Any:
    """The model registry a spec names: ``{"uri": "/path"}`` (local) or
    ``{"uri": "vertex", "project": ..., "location": ..., ...}``."""
    from ..registry.registry import registry

    kw = dict(spec)
    uri = kw.pop("uri")
    return registry(uri, **kw)


def _empty_local(spec: dict) -> bool:
    """A local registry folder that does not exist yet holds no champion (and
    opening it would create it: the deploy step does that)."""
    uri = spec.get("uri", "")
    return os.path.isabs(uri) and not os.path.exists(uri)


def _dump(obj: Any, path: str) -> None:
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "wb") as fh:
        pickle.dump(obj, fh, protocol=4)


def _load(path: str) -> Any:
    with open(path, "rb") as fh:
        return pickle.load(fh)


def validate_step(
    train_data: str, eval_data: str, schema_json: str, validation: Any
) -> bool:
    """Both data sets against the schema; True when neither has an error-severity
    anomaly (status ``fail``). Writes ``{"train_data": ValidationResult,
    "eval_data": ValidationResult}`` to ``validation.path``."""
    from ...checks.deployment import Schema, validate_data

    t0 = time.perf_counter()
    schema = Schema.from_dict(json.loads(schema_json), source="schema")
    results = {}
    for key, path in (("train_data", train_data), ("eval_data", eval_data)):
        results[key] = validate_data(read_table(path), schema, publish=False)
    _dump(results, validation.path)
    valid = all(r.status != "fail" for r in results.values())
    validation.metadata.update(
        {
            "valid": valid,
            "train_data": results["train_data"].summary,
            "eval_data": results["eval_data"].summary,
            "seconds": time.perf_counter() - t0,
        }
    )
    return valid


def train_step(
    train_data: str, label: str, train_ref: str, train_name: str,
    train_source_json: str, model: Any,
) -> None:  # fmt: skip
    """Train with the user's function on ``train_data``; pickle the model to
    ``model.path`` with its fingerprint in the metadata."""
    from ...checks.deployment import model_fingerprint
    from .trainfn import load_train_function

    t0 = time.perf_counter()
    source = json.loads(train_source_json) if train_source_json else ""
    fn = load_train_function(train_ref, train_name, source)
    df = read_table(train_data)
    fitted = fn(df, label)
    if fitted is None:
        raise MlnbValueError(
            f"train: {train_name}() returned None; it must return the fitted model"
        )
    _dump(fitted, model.path)
    model.metadata.update(
        {
            "fingerprint": model_fingerprint(_load(model.path)),
            "type": f"{type(fitted).__module__}.{type(fitted).__qualname__}",
            "n_rows": len(df),
            "seconds": time.perf_counter() - t0,
        }
    )


def split_thresholds(thresholds: tuple, has_baseline: bool) -> tuple[tuple, tuple]:
    """(thresholds judged, change thresholds left out because no champion exists)."""
    from ...checks.deployment import ChangeThreshold

    if has_baseline:
        return thresholds, ()
    keep = tuple(t for t in thresholds if not isinstance(t, ChangeThreshold))
    dropped = tuple(t for t in thresholds if isinstance(t, ChangeThreshold))
    return keep, dropped


def evaluate_step(
    model: Any, eval_data: str, label: str, thresholds_json: str, slices_json: str,
    threshold: float, registry_json: str, model_name: str, decision: Any,
    metrics: Any,
) -> None:  # fmt: skip
    """Gate the trained model against the registry's champion on ``eval_data``.

    Without a champion, change thresholds cannot be judged: they are left out and
    named in the decision artefact's metadata (``not_judged``); with only change
    thresholds and no champion the step fails (nothing would judge the first
    model). Writes the pickled :class:`~mlnb.checks.deployment.GateDecision` to
    ``decision.path`` and the candidate's (and champion's) overall metrics to
    ``metrics``.
    """
    from ...checks.deployment import gate
    from ...checks.deployment.thresholds import threshold_from_dict

    t0 = time.perf_counter()
    candidate = _load(model.path)
    thresholds = tuple(threshold_from_dict(d) for d in json.loads(thresholds_json))
    slices = _slices(json.loads(slices_json))
    spec = json.loads(registry_json)
    champion = baseline = None
    if not _empty_local(spec):
        reg = open_registry(spec)
        champion = reg.champion(model_name)
        baseline = None if champion is None else reg.load(model_name)
    judged, dropped = split_thresholds(thresholds, baseline is not None)
    if not judged:
        raise MlnbValueError(
            f"thresholds: the registry has no champion for {model_name!r} yet, so "
            f"the change thresholds ({'; '.join(t.describe() for t in dropped)}) "
            "cannot be judged and nothing else judges the first model; add a "
            "ValueThreshold (e.g. ValueThreshold('roc_auc', lower=0.8))"
        )
    d = gate(
        candidate,
        baseline,
        data=read_table(eval_data),
        label=label,
        thresholds=judged,
        slices=slices,
        threshold=threshold,
        publish=False,
    )
    _dump({"decision": d, "not_judged": [t.describe() for t in dropped]}, decision.path)
    decision.metadata.update(
        {
            "blessed": bool(d.blessed),
            "summary": d.summary,
            "candidate_id": d.candidate_id,
            "baseline_id": d.baseline_id,
            "champion_version": None if champion is None else champion.version,
            "not_judged": [t.describe() for t in dropped],
            "seconds": time.perf_counter() - t0,
        }
    )
    _log_metrics(d, metrics)


def gate_step(model: Any, decision: Any) -> bool:
    """The blessing the deploy condition reads: the decision's, after checking it
    was made for this very model (its fingerprint)."""
    from ...checks.deployment import model_fingerprint

    d = _load(decision.path)["decision"]
    fp = model_fingerprint(_load(model.path))
    if d.candidate_id != fp:
        raise MlnbValueError(
            f"decision: the gate decision was made for another model "
            f"({d.candidate_id[:19]}…), not this one ({fp[:19]}…); run evaluate "
            "again on this model"
        )
    return bool(d.blessed)


def _slices(value: Any) -> Any:
    if value is None:
        return None
    return [tuple(v) if isinstance(v, list) else v for v in value]


def _log_metrics(d: Any, metrics: Any) -> None:
    import math

    rows = d.to_frame()
    overall = rows[rows["slice"] == "overall"]
    seen = set()
    for r in overall.itertuples(index=False):
        for who, value in (("candidate", r.candidate), ("champion", r.baseline)):
            key = f"{who}_{r.metric}"
            if key in seen or value is None or math.isnan(float(value)):
                continue
            seen.add(key)
            metrics.log_metric(key, float(value))
    metrics.log_metric("blessed", int(bool(d.blessed)))
    metrics.log_metric("n_blocking", int(d.n_blocking))


def deploy_step(
    model: Any, decision: Any, validation: Any, registry_json: str, model_name: str,
    schema_json: str, promotion: Any,
) -> bool:  # fmt: skip
    """Promote the blessed model with :func:`mlnb.promote` (which checks that the
    decision is about this very model, against the current champion); writes the
    pickled ``Promotion`` to ``promotion.path``."""
    from ...checks.deployment import Schema
    from ..registry.promote import promote

    t0 = time.perf_counter()
    candidate = _load(model.path)
    d = _load(decision.path)["decision"]
    checked = _load(validation.path)
    schema = Schema.from_dict(json.loads(schema_json), source="schema")
    p = promote(
        candidate,
        d,
        registry=open_registry(json.loads(registry_json)),
        name=model_name,
        validation=checked["eval_data"],
        schema=schema,
        publish=False,
    )
    _dump(p, promotion.path)
    promotion.metadata.update(
        {
            "promoted": bool(p.promoted),
            "version": None if p.version is None else str(p.version),
            "summary": p.summary,
            "seconds": time.perf_counter() - t0,
        }
    )
    return bool(p.promoted)
