"""``DriftReport.to_vertex_monitoring_config()``: the Vertex AI SDK's objective
objects built from a drift report (no network), checked field by field through
``as_proto()``."""

from __future__ import annotations

import sys
import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from conftest import require

import mlnb
from mlnb.errors import MissingDependencyError, MlnbValueError
from mlnb.integrations.vertex import (
    VERTEX_DEFAULT_THRESHOLD,
    feature_thresholds,
    monitoring_objective,
)


@pytest.fixture
def frames(rng):
    n = 600
    ref = pd.DataFrame(
        {
            "amount": rng.lognormal(3, 1, n),
            "age": rng.normal(40, 10, n),
            "country": rng.choice(["de", "fr", "it"], n, p=[0.6, 0.3, 0.1]),
            "label": rng.integers(0, 2, n),
        }
    )
    cur = pd.DataFrame(
        {
            "amount": rng.lognormal(5, 1, n),  # drifted
            "age": rng.normal(40, 10, n),
            "country": rng.choice(["de", "fr", "it"], n, p=[0.2, 0.3, 0.5]),  # drifted
            "label": rng.integers(0, 2, n),
        }
    )
    return ref, cur


@pytest.fixture
def report(frames):
    ref, cur = frames
    return mlnb.drift(
        ref,
        cur,
        drift_thresholds={"amount": 0.2, "age": 0.25, "label": 0.3},
        publish=False,
    )


def rows(report):
    frame = report.to_frame()
    return dict(zip(frame["feature"], frame["threshold"]))


def proto_thresholds(mapping) -> dict[str, float]:
    return {k: v.value for k, v in mapping.items()}


def test_drift_objective_has_the_reports_thresholds(report):
    mm = require("google.cloud.aiplatform.model_monitoring", "vertex")
    assert report.method == "vertex" and set(report.drifted_features) >= {"amount"}
    obj = report.to_vertex_monitoring_config()
    assert isinstance(obj, mm.ObjectiveConfig)
    assert isinstance(obj.drift_detection_config, mm.DriftDetectionConfig)
    assert obj.skew_detection_config is None and obj.explanation_config is None
    expected = rows(report)
    assert obj.drift_detection_config.drift_thresholds == expected
    assert expected == {"amount": 0.2, "age": 0.25, "country": 0.3, "label": 0.3}
    proto = obj.as_proto()
    got = proto_thresholds(proto.prediction_drift_detection_config.drift_thresholds)
    assert got == pytest.approx(expected)
    assert not proto.training_prediction_skew_detection_config.skew_thresholds
    assert not proto.training_dataset.target_field


def test_skew_objective_needs_and_uses_the_training_data(report):
    require("google.cloud.aiplatform.model_monitoring", "vertex")
    with pytest.raises(MlnbValueError, match="training_dataset="):
        report.to_vertex_monitoring_config(kind="skew")
    obj = report.to_vertex_monitoring_config(
        kind="skew", training_dataset="gs://bucket/train.csv", target_field="label"
    )
    assert obj.drift_detection_config is None
    skew = obj.skew_detection_config
    assert skew.data_source == "gs://bucket/train.csv" and skew.data_format == "csv"
    proto = obj.as_proto()
    assert list(proto.training_dataset.gcs_source.uris) == ["gs://bucket/train.csv"]
    assert proto.training_dataset.data_format == "csv"
    assert proto.training_dataset.target_field == "label"
    got = proto_thresholds(
        proto.training_prediction_skew_detection_config.skew_thresholds
    )
    expected = {k: v for k, v in rows(report).items() if k != "label"}
    assert got == pytest.approx(expected)  # the label is not a feature to monitor


@pytest.mark.parametrize(
    ("source", "field", "value"),
    [
        ("bq://proj.ds.train", "bigquery_source", "bq://proj.ds.train"),
        (
            "projects/p/locations/us-central1/datasets/123",
            "dataset",
            "projects/p/locations/us-central1/datasets/123",
        ),
        (
            SimpleNamespace(resource_name="projects/p/locations/l/datasets/9"),
            "dataset",
            "projects/p/locations/l/datasets/9",
        ),
    ],
)
def test_skew_training_data_sources(report, source, field, value):
    require("google.cloud.aiplatform.model_monitoring", "vertex")
    obj = monitoring_objective(report, kind="both", training_dataset=source)
    td = obj.as_proto().training_dataset
    got = td.bigquery_source.input_uri if field == "bigquery_source" else td.dataset
    assert got == value
    assert obj.drift_detection_config is not None


def test_bad_training_data_and_kind(report):
    require("google.cloud.aiplatform.model_monitoring", "vertex")
    with pytest.raises(MlnbValueError, match="data_format"):
        monitoring_objective(report, kind="skew", training_dataset="gs://b/train")
    obj = monitoring_objective(
        report, kind="skew", training_dataset="gs://b/train", data_format="jsonl"
    )
    assert obj.as_proto().training_dataset.data_format == "jsonl"
    with pytest.raises(MlnbValueError, match="data_format must be one of"):
        monitoring_objective(
            report, kind="skew", training_dataset="gs://b/t", data_format="parquet"
        )
    with pytest.raises(MlnbValueError, match="not a gs:// or bq://"):
        monitoring_objective(report, kind="skew", training_dataset="/tmp/train.csv")
    with pytest.raises(MlnbValueError, match="kind must be one of"):
        monitoring_objective(report, kind="skewness")
    with pytest.raises(MlnbValueError, match="for skew detection"):
        monitoring_objective(report, kind="drift", training_dataset="gs://b/t.csv")
    with pytest.raises(MlnbValueError, match="DriftReport"):
        monitoring_objective({"amount": 0.3})


def test_a_skew_report_defaults_to_skew(frames):
    require("google.cloud.aiplatform.model_monitoring", "vertex")
    ref, cur = frames
    report = mlnb.skew(ref, cur, publish=False)
    with pytest.raises(MlnbValueError, match="training_dataset"):
        report.to_vertex_monitoring_config()
    obj = report.to_vertex_monitoring_config(training_dataset="bq://p.d.t")
    assert obj.skew_detection_config is not None and obj.drift_detection_config is None


def test_attribution_thresholds_add_the_explanation_config(report):
    mm = require("google.cloud.aiplatform.model_monitoring", "vertex")
    obj = monitoring_objective(report, attribute_drift_thresholds={"amount": 0.1})
    assert isinstance(obj.explanation_config, mm.ExplanationConfig)
    proto = obj.as_proto()
    assert proto.explanation_config.enable_feature_attributes
    attr = proto.prediction_drift_detection_config.attribution_score_drift_thresholds
    assert proto_thresholds(attr) == pytest.approx({"amount": 0.1})


def test_other_methods_do_not_carry_over(frames):
    require("google.cloud.aiplatform.model_monitoring", "vertex")
    ref, cur = frames
    psi = mlnb.drift(ref, cur, method="psi", publish=False)
    with pytest.warns(UserWarning, match="do not carry over") as record:
        obj = psi.to_vertex_monitoring_config()
    assert "amount (numeric, psi)" in str(record[0].message)
    got = obj.drift_detection_config.drift_thresholds
    assert got == dict.fromkeys(rows(psi), VERTEX_DEFAULT_THRESHOLD)
    with pytest.warns(UserWarning):
        obj = psi.to_vertex_monitoring_config(default_threshold=0.15)
    assert set(obj.drift_detection_config.drift_thresholds.values()) == {0.15}
    with pytest.raises(MlnbValueError, match="method='vertex'"):
        psi.to_vertex_monitoring_config(strict=True)
    # per feature: Vertex's distance where it matches, the fallback elsewhere
    custom = mlnb.drift(
        ref,
        cur,
        method={"amount": "wasserstein", "country": "l_infinity"},
        drift_thresholds={"country": 0.12},
        publish=False,
    )
    with pytest.warns(UserWarning, match="amount") as record:
        got = feature_thresholds(custom)
    assert "age" not in str(record[0].message)  # jensen_shannon: carries over
    assert got == {"amount": 0.3, "age": 0.3, "country": 0.12, "label": 0.3}


def test_vertex_preset_gives_no_warning(report):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = feature_thresholds(report, exclude=["label"])
    assert got == {"amount": 0.2, "age": 0.25, "country": 0.3}


def test_skipped_features_are_left_out(rng):
    ref = pd.DataFrame({"x": rng.normal(size=200), "y": rng.normal(size=200)})
    cur = pd.DataFrame({"x": rng.normal(size=200)})  # y is missing
    report = mlnb.drift(ref, cur, publish=False)
    assert "y" in report.skipped
    assert feature_thresholds(report) == {"x": 0.3}
    only_missing = mlnb.drift(ref[["y"]], cur.rename(columns={"x": "z"}), publish=False)
    with pytest.raises(MlnbValueError, match="no compared feature"):
        feature_thresholds(only_missing)
    with pytest.raises(MlnbValueError, match="positive number"):
        feature_thresholds(report, default_threshold=-1)


def test_missing_sdk_names_the_extra(report, monkeypatch):
    monkeypatch.setitem(sys.modules, "google.cloud.aiplatform", None)
    monkeypatch.setitem(sys.modules, "google.cloud.aiplatform.model_monitoring", None)
    with pytest.raises(MissingDependencyError) as info:
        report.to_vertex_monitoring_config()
    msg = str(info.value)
    assert "google-cloud-aiplatform" in msg and 'pip install "mlnb[vertex]"' in msg
    assert "Vertex AI Model Monitoring" in msg
    assert isinstance(info.value, ImportError) and info.value.extra == "vertex"


def test_thresholds_are_plain_floats_for_the_sdk(report):
    """The SDK treats a float ``skew_thresholds`` as one default for all features
    and a dict as per-feature; mlnb always sends per-feature floats."""
    require("google.cloud.aiplatform.model_monitoring", "vertex")
    obj = monitoring_objective(report, kind="skew", training_dataset="bq://p.d.t")
    values = obj.skew_detection_config.skew_thresholds.values()
    assert all(type(v) is float for v in values)
    assert not np.isnan(list(values)).any()


def test_integer_column_names_become_vertex_feature_names(rng):
    x = rng.normal(size=(500, 2))
    report = mlnb.drift(pd.DataFrame(x), pd.DataFrame(x + [0.0, 3.0]), publish=False)
    assert report.drifted_features == (1,)
    assert feature_thresholds(report) == {"0": 0.3, "1": 0.3}
    both = pd.DataFrame({0: x[:, 0], "0": x[:, 1]})
    with pytest.raises(MlnbValueError, match="both called '0' as text"):
        feature_thresholds(mlnb.drift(both, both, publish=False))
