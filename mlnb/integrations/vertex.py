"""A drift policy as a Vertex AI Model Monitoring objective (the ``vertex`` extra).

``DriftReport.to_vertex_monitoring_config()`` (or :func:`monitoring_objective`)
turns the per-feature thresholds of an :func:`mlnb.drift` / :func:`mlnb.skew`
report into the Vertex AI SDK's ``model_monitoring.ObjectiveConfig``, so the same
policy runs managed, on an endpoint, without this machine::

    objective = report.to_vertex_monitoring_config(
        kind="both", training_dataset="gs://bucket/train.csv", target_field="y")
    aiplatform.ModelDeploymentMonitoringJob.create(
        endpoint=endpoint, objective_configs=objective, ...)   # your project

Nothing here talks to the network: the objects are only built. ``.as_proto()``
on the returned object shows the exact message Vertex AI receives.

How the thresholds carry over
-----------------------------
Vertex AI Model Monitoring measures the Jensen-Shannon divergence for numeric
features and the L-infinity distance for categorical ones, and takes one
threshold per feature (its default is 0.3). That is mlnb's ``method="vertex"``
preset, so for a report made with it every compared feature keeps its
threshold. A feature compared with another distance (PSI, Wasserstein,
Kolmogorov-Smirnov, a p-value, or Jensen-Shannon on a categorical feature) has a
threshold on another scale, which would mean something else on Vertex: such
features get ``default_threshold`` (Vertex's 0.3 when not given) and a warning
names them — or, with ``strict=True``, an error. Features the report skipped
(missing, constant, id-like) are left out; the ``target_field`` is never
monitored as a feature.
"""

from __future__ import annotations

import warnings
from typing import Any

from ..errors import MissingDependencyError, MlnbValueError

__all__ = ["monitoring_objective", "feature_thresholds", "VERTEX_DEFAULT_THRESHOLD"]

#: Vertex AI Model Monitoring's default alert threshold (both distances).
VERTEX_DEFAULT_THRESHOLD = 0.3
#: The distance Vertex AI computes for each kind of feature.
VERTEX_DISTANCE = {"numeric": "jensen_shannon", "categorical": "l_infinity"}
KINDS = ("drift", "skew", "both")
DATA_FORMATS = ("csv", "jsonl", "tf-record")
_SUFFIX_FORMAT = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".json": "jsonl",
    ".tfrecord": "tf-record",
    ".tfrecords": "tf-record",
}


def _sdk() -> Any:
    try:
        from google.cloud.aiplatform import model_monitoring
    except ImportError:
        raise MissingDependencyError(
            "google-cloud-aiplatform", "vertex", "Vertex AI Model Monitoring"
        ) from None
    return model_monitoring


def feature_thresholds(
    report: Any,
    *,
    default_threshold: float | None = None,
    strict: bool = False,
    exclude: tuple[str, ...] | list[str] = (),
) -> dict[str, float]:
    """``{feature: threshold}`` on Vertex AI's scale, from a drift report.

    Needs no SDK. Features compared with Vertex's own distance keep the report's
    threshold; the others get ``default_threshold`` (default 0.3, Vertex's) with
    a warning, or raise with ``strict=True``. Skipped features and ``exclude``
    are left out. Feature names become text (Vertex AI's names): the column
    ``0`` of ``pd.DataFrame(array)`` is monitored as ``"0"``.

    Raises
    ------
    MlnbValueError
        Nothing left to monitor; or ``strict`` and a feature's threshold does
        not carry over.
    """
    if default_threshold is not None and not (
        isinstance(default_threshold, (int, float))
        and not isinstance(default_threshold, bool)
        and default_threshold > 0
    ):
        raise MlnbValueError(
            f"default_threshold must be a positive number (Vertex's default is "
            f"{VERTEX_DEFAULT_THRESHOLD}); got {default_threshold!r}"
        )
    fallback = float(
        VERTEX_DEFAULT_THRESHOLD if default_threshold is None else default_threshold
    )
    rows = report.to_frame()
    out: dict[str, float] = {}
    other: list[str] = []
    for r in rows.itertuples(index=False):
        if r.skipped_reason or r.feature in exclude:
            continue
        name = str(r.feature)  # Vertex AI names features by text
        if name in out:
            raise MlnbValueError(
                f"two features are both called {name!r} as text (e.g. the column 0 "
                "and the column '0'); Vertex AI names features by text, so rename "
                "one of them"
            )
        if VERTEX_DISTANCE.get(r.kind) == r.method:
            out[name] = float(r.threshold)
        else:
            other.append(f"{r.feature} ({r.kind}, {r.method})")
            out[name] = fallback
    if other:
        shown = ", ".join(other[:8]) + (
            f" and {len(other) - 8} more" if len(other) > 8 else ""
        )
        why = (
            "Vertex AI Model Monitoring measures Jensen-Shannon divergence for "
            "numeric features and L-infinity distance for categorical ones; the "
            f"thresholds of {shown} are on another scale and do not carry over"
        )
        if strict:
            raise MlnbValueError(
                f"{why}. Rerun mlnb.drift(..., method='vertex') to get thresholds "
                "on Vertex's scale, or pass strict=False to use default_threshold "
                "for them."
            )
        warnings.warn(
            f"{why}; they get threshold {fallback:g}"
            + (" (Vertex's default)" if default_threshold is None else "")
            + ". Use mlnb.drift(..., method='vertex') for per-feature thresholds "
            "that carry over.",
            UserWarning,
            stacklevel=3,
        )
    if not out:
        raise MlnbValueError(
            "the report has no compared feature to monitor (every feature was "
            "skipped or excluded); see report.skipped"
        )
    return out


def _data_source(training_dataset: Any, data_format: str | None) -> tuple[str, Any]:
    if training_dataset is None:
        raise MlnbValueError(
            "skew detection compares serving data with the training data, so Vertex "
            "AI needs to know where it is: pass training_dataset='gs://bucket/"
            "train.csv', 'bq://project.dataset.table', a Vertex AI dataset, or its "
            "resource name 'projects/…/datasets/…' (or use kind='drift')"
        )
    source = getattr(training_dataset, "resource_name", training_dataset)
    if not isinstance(source, str):
        raise MlnbValueError(
            "training_dataset must be a gs:// or bq:// URI, a Vertex AI dataset or "
            f"its resource name; got {type(training_dataset).__name__}"
        )
    if source.startswith("gs://"):
        if data_format is None:
            lower = source.lower()
            data_format = next(
                (f for s, f in _SUFFIX_FORMAT.items() if lower.endswith(s)), None
            )
            if data_format is None:
                raise MlnbValueError(
                    f"cannot tell the format of {source!r} from its name; pass "
                    f"data_format= one of {', '.join(DATA_FORMATS)}"
                )
        elif data_format not in DATA_FORMATS:
            raise MlnbValueError(
                f"data_format must be one of {', '.join(DATA_FORMATS)}; got "
                f"{data_format!r}"
            )
        return source, data_format
    if data_format is not None:
        raise MlnbValueError(
            "data_format applies to gs:// training data only; leave it out for "
            f"{source!r}"
        )
    if source.startswith("bq://") or (
        source.startswith("projects/") and "/datasets/" in source
    ):
        return source, None
    raise MlnbValueError(
        f"training_dataset {source!r} is not a gs:// or bq:// URI or a Vertex AI "
        "dataset resource name ('projects/P/locations/L/datasets/ID')"
    )


def monitoring_objective(
    report: Any,
    *,
    kind: str | None = None,
    training_dataset: Any = None,
    target_field: str | None = None,
    data_format: str | None = None,
    attribute_skew_thresholds: dict[str, float] | None = None,
    attribute_drift_thresholds: dict[str, float] | None = None,
    default_threshold: float | None = None,
    strict: bool = False,
) -> Any:
    """The Vertex AI Model Monitoring objective equivalent to ``report``.

    Parameters
    ----------
    report:
        A :class:`~mlnb.checks.drift.DriftReport` (from :func:`mlnb.drift` or
        :func:`mlnb.skew`).
    kind:
        ``"drift"`` (serving data against earlier serving data), ``"skew"``
        (serving data against the training data) or ``"both"``. Default:
        ``"skew"`` for a report made by :func:`mlnb.skew`, ``"drift"``
        otherwise.
    training_dataset:
        Skew only (required there): the training data as Vertex AI reads it — a
        ``gs://`` file, a ``bq://project.dataset.table`` table, a Vertex AI
        dataset object or its resource name.
    target_field:
        The label column of the training data (Vertex leaves it out when it
        replays the training data; mlnb never monitors it as a feature).
    data_format:
        Format of a ``gs://`` training file (``"csv"``, ``"jsonl"``,
        ``"tf-record"``); guessed from the file name when left out.
    attribute_skew_thresholds, attribute_drift_thresholds:
        ``{feature: threshold}`` for feature-attribution skew/drift (needs a
        model with explanations; adds Vertex's ``ExplanationConfig``).
    default_threshold:
        Threshold for features whose report threshold does not carry over
        (default 0.3, Vertex's default).
    strict:
        Raise instead of falling back to ``default_threshold``.

    Returns
    -------
    google.cloud.aiplatform.model_monitoring.ObjectiveConfig
        Always this one type (its ``skew_detection_config`` and/or
        ``drift_detection_config`` set); ``.as_proto()`` gives the message.

    Raises
    ------
    MissingDependencyError
        google-cloud-aiplatform is not installed (``pip install "mlnb[vertex]"``).
    MlnbValueError
        Unknown ``kind``; skew without ``training_dataset``; nothing to monitor;
        ``strict`` and thresholds that do not carry over.
    """
    if not hasattr(report, "to_frame") or not hasattr(report, "drifted_features"):
        raise MlnbValueError(
            "report must be a DriftReport from mlnb.drift(...) or mlnb.skew(...); "
            f"got {type(report).__name__}"
        )
    if kind is None:
        kind = "skew" if getattr(report, "check", "") == "skew" else "drift"
    if kind not in KINDS:
        raise MlnbValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    want_skew = kind in ("skew", "both")
    want_drift = kind in ("drift", "both")
    source, fmt = (None, None)
    if want_skew:
        source, fmt = _data_source(training_dataset, data_format)
    elif training_dataset is not None or data_format is not None:
        raise MlnbValueError(
            "training_dataset and data_format are for skew detection; pass "
            "kind='skew' or kind='both', or leave them out"
        )
    exclude = (target_field,) if target_field else ()
    thresholds = feature_thresholds(
        report, default_threshold=default_threshold, strict=strict, exclude=exclude
    )
    mm = _sdk()
    skew_config = drift_config = explanation = None
    if want_skew:
        skew_config = mm.SkewDetectionConfig(
            data_source=source,
            target_field=target_field,
            skew_thresholds=dict(thresholds),
            attribute_skew_thresholds=_floats(attribute_skew_thresholds),
            data_format=fmt,
        )
    if want_drift:
        drift_config = mm.DriftDetectionConfig(
            drift_thresholds=dict(thresholds),
            attribute_drift_thresholds=_floats(attribute_drift_thresholds),
        )
    if (want_skew and attribute_skew_thresholds) or (
        want_drift and attribute_drift_thresholds
    ):
        explanation = mm.ExplanationConfig()
    return mm.ObjectiveConfig(
        skew_detection_config=skew_config,
        drift_detection_config=drift_config,
        explanation_config=explanation,
    )


def _floats(mapping: dict[str, float] | None) -> dict[str, float] | None:
    if mapping is None:
        return None
    if not isinstance(mapping, dict):
        raise MlnbValueError(
            f"attribution thresholds must be a dict feature -> threshold; got "
            f"{type(mapping).__name__}"
        )
    return {str(k): float(v) for k, v in mapping.items()}
