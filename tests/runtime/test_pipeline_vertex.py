"""The compiled pipeline as Vertex AI Pipelines reads it: the Vertex AI SDK builds a
PipelineJob from the YAML (parsing the spec and checking parameter values against
its input definitions) — nothing is submitted."""

from __future__ import annotations

import pytest
from pipeline_helpers import fit_a, make_data

from mlnb.checks.deployment import ValueThreshold, schema

pytestmark = [
    pytest.mark.extra("pipeline", module="kfp"),
    pytest.mark.extra("vertex", module="google.cloud.aiplatform"),
]


def test_vertex_sdk_builds_a_pipeline_job_from_the_compiled_yaml(tmp_path):
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import aiplatform

    from mlnb.runtime.pipeline import Pipeline

    pipe = Pipeline(
        "income",
        train=fit_a,
        label="y",
        schema=schema(make_data(0)),
        thresholds=[ValueThreshold("accuracy", lower=0.5)],
        registry={"uri": "vertex", "project": "proj", "location": "europe-west4"},
        base_image="mlnb-pipeline:0.1",
    )
    path = pipe.compile(tmp_path / "income.yaml")
    values = {
        "train_data": "gs://bucket/train.csv",
        "eval_data": "gs://bucket/eval.parquet",
        "threshold": 0.4,
    }
    common = {
        "template_path": str(path),
        "pipeline_root": "gs://bucket/root",
        "project": "proj",
        "location": "europe-west4",
        "credentials": AnonymousCredentials(),
    }
    job = aiplatform.PipelineJob(
        display_name="income", parameter_values=values, enable_caching=False, **common
    )
    resource = job._gca_resource
    assert resource.display_name == "income"
    assert resource.runtime_config.gcs_output_directory == "gs://bucket/root"
    assert dict(resource.runtime_config.parameter_values) == values
    spec = resource.pipeline_spec
    assert spec["pipelineInfo"]["name"] == "income"
    assert set(spec["components"]) >= {
        f"comp-{s}" for s in ("validate", "train", "evaluate", "gate", "deploy")
    }
    # the SDK checks values against the spec's input definitions
    with pytest.raises(ValueError, match="nope"):
        aiplatform.PipelineJob(
            display_name="x", parameter_values={**values, "nope": 1}, **common
        )


def test_pipeline_vertex_job_is_built_but_not_submitted(tmp_path):
    from google.auth.credentials import AnonymousCredentials

    from mlnb.errors import MlnbValueError
    from mlnb.runtime.pipeline import Pipeline

    pipe = Pipeline(
        "income",
        train=fit_a,
        label="y",
        schema=schema(make_data(0)),
        thresholds=[ValueThreshold("accuracy", lower=0.5)],
        registry={"uri": "vertex", "project": "proj", "location": "europe-west4"},
    )
    kw = {
        "train_data": "gs://bucket/train.csv",
        "eval_data": "gs://bucket/eval.csv",
        "project": "proj",
        "location": "europe-west4",
        "credentials": AnonymousCredentials(),
        "template_path": tmp_path / "income.yaml",
    }
    job = pipe.vertex_job(
        pipeline_root="gs://bucket/root", parameters={"threshold": 0.3}, **kw
    )
    assert (tmp_path / "income.yaml").is_file()
    values = dict(job._gca_resource.runtime_config.parameter_values)
    assert values == {
        "threshold": 0.3,
        "train_data": "gs://bucket/train.csv",
        "eval_data": "gs://bucket/eval.csv",
    }
    assert job._gca_resource.display_name == "income"
    with pytest.raises(MlnbValueError, match=r"pipeline_root must be a gs:// URI"):
        pipe.vertex_job(pipeline_root="/tmp/root", **kw)
    with pytest.raises(MlnbValueError, match=r"refused the pipeline's parameters"):
        pipe.vertex_job(pipeline_root="gs://bucket/root", parameters={"nope": 1}, **kw)
