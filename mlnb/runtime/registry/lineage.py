"""A version's lineage as string tags, and back: what every backend stores.

Tags (all ``mlnb.``-prefixed, str → str): ``fingerprint`` and ``loaded_fingerprint``
(the model as promoted and as read back), ``blessed``, ``decision`` (the gate
decision's summary as JSON, without its rows), ``data_id``, ``schema`` (JSON),
``validation`` (the data validation's status), ``metric.<name>`` (the candidate's
overall value of each gated metric) and ``previous`` (the champion it replaced).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from ...core.jsonsafe import jsonable
from .base import TAG_PREFIX, ModelVersion

__all__ = ["lineage_tags", "version_from_tags", "decision_summary", "MAX_TAG_CHARS"]

#: Longest JSON kept in one tag (MLflow accepts far more; Vertex labels far less).
MAX_TAG_CHARS = 60_000

_DECISION_KEYS = (
    "status",
    "summary",
    "created",
    "blessed",
    "candidate_id",
    "baseline_id",
    "data_id",
    "task",
    "metrics",
    "slice_columns",
    "threshold",
    "n_rows",
    "n_checks",
    "n_blocking",
    "n_not_evaluated",
    "thresholds",
)


def decision_summary(decision: Any) -> dict[str, Any]:
    """The gate decision's fields without its threshold × slice rows (JSON-safe)."""
    d = decision.to_dict()
    return {k: d[k] for k in _DECISION_KEYS if k in d}


def overall_metrics(decision: Any) -> dict[str, float]:
    """The candidate's overall value of each metric the gate judged."""
    frame = decision.to_frame()
    out: dict[str, float] = {}
    for r in frame.loc[frame["slice"] == "overall"].itertuples(index=False):
        v = float(r.candidate)
        if r.metric not in out and not math.isnan(v):
            out[str(r.metric)] = v
    return out


def _json(obj: Any) -> str:
    text = json.dumps(jsonable(obj), sort_keys=True, separators=(",", ":"))
    if len(text) > MAX_TAG_CHARS:
        text = json.dumps({"truncated": True, "chars": len(text)})
    return text


def lineage_tags(
    *,
    fingerprint: str,
    decision: Any,
    schema: Any = None,
    validation: Any = None,
    previous: str | None = None,
    tags: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The tags a new version carries (the user's ``tags`` first, then mlnb's)."""
    p = TAG_PREFIX
    out = dict(tags or {})
    out[p + "fingerprint"] = fingerprint
    out[p + "blessed"] = "true" if decision.blessed else "false"
    out[p + "decision"] = _json(decision_summary(decision))
    if decision.data_id:
        out[p + "data_id"] = decision.data_id
    if schema is not None:
        out[p + "schema"] = _json(schema.to_dict())
    if validation is not None:
        out[p + "validation"] = str(validation.status)
    for m, v in overall_metrics(decision).items():
        out[f"{p}metric.{m}"] = repr(v)
    if previous is not None:
        out[p + "previous"] = str(previous)
    return out


def _loads(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def version_from_tags(
    *,
    name: str,
    version: str,
    tags: Mapping[str, str],
    aliases: tuple[str, ...] = (),
    created: str | None = None,
    description: str | None = None,
    source: str | None = None,
) -> ModelVersion:
    """A :class:`ModelVersion` from a backend's raw fields and tags."""
    p = TAG_PREFIX
    metrics: dict[str, float] = {}
    for k, v in tags.items():
        if k.startswith(p + "metric."):
            try:
                metrics[k[len(p) + 7 :]] = float(v)
            except ValueError:
                continue
    return ModelVersion(
        name=name,
        version=str(version),
        aliases=tuple(sorted(aliases)),
        created=created,
        fingerprint=tags.get(p + "fingerprint"),
        loaded_fingerprint=tags.get(p + "loaded_fingerprint"),
        metrics=metrics,
        decision=_loads(tags.get(p + "decision")),
        schema=_loads(tags.get(p + "schema")),
        data_id=tags.get(p + "data_id"),
        previous=tags.get(p + "previous"),
        description=description or None,
        tags={k: v for k, v in tags.items() if not k.startswith(p)},
        source=source,
    )
