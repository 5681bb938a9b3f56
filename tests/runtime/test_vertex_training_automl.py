"""AutoML tabular on Vertex AI (mlnb.integrations.vertex_training.automl_tabular)
through the real SDK against the local server: datasets, the training pipeline's
inputs, the objective step 4 recommended, the uploaded model named in the result;
and the server's datasets / pipelines / models routes on their own."""

from __future__ import annotations

import numpy as np
import pytest
from vertexserver import AUTOML_TABULAR_SCHEMA, TABULAR_DATASET_SCHEMA

from mlnb.runtime.training.job import TrainingFailed

pytestmark = pytest.mark.extra("vertex", module="google.cloud.aiplatform")

FAST = 0.01
_HANDLES: list = []


@pytest.fixture(autouse=True)
def _stop_pollers(vertex_server):
    yield
    while _HANDLES:
        _HANDLES.pop()._stop_polling()


def automl(dataset="gs://b/train.csv", **kw):
    from mlnb.integrations.vertex_training import automl_tabular

    kw.setdefault("target_column", "y")
    kw.setdefault("column_specs", ["a", "b"])
    job = automl_tabular(dataset, poll_interval=FAST, **kw)
    _HANDLES.append(job)
    return job


def pipeline_inputs(server) -> dict:
    [body] = server.created("trainingPipelines")
    assert body["trainingTaskDefinition"] == AUTOML_TABULAR_SCHEMA
    return body["trainingTaskInputs"]


def publish_step4(labels) -> None:
    import mlnb

    mlnb.imbalance(np.asarray(labels))  # publishes the step-4 record


@pytest.mark.parametrize(
    "labels, objective",
    [
        ([0] * 97 + [1] * 3, "maximize-au-prc"),  # rare positives -> auc_pr
        ([0] * 50 + [1] * 50, "maximize-au-roc"),  # balanced -> auc_roc
        ([0] * 40 + [1] * 30 + [2] * 30, "minimize-log-loss"),  # several classes
    ],
)
def test_the_objective_comes_from_step_4(vertex_sdk, vertex_server, labels, objective):
    from mlnb.checklist import session

    publish_step4(labels)
    recommended = session.checks("imbalance")[-1]["metrics"]["recommended_objective"]
    job = automl().wait(timeout=10)
    assert job.state == "succeeded"
    inputs = pipeline_inputs(vertex_server)
    assert inputs["optimizationObjective"] == objective
    assert inputs["predictionType"] == "classification"
    assert inputs["targetColumn"] == "y"
    result = job.result()
    assert result.objective == objective
    assert f"step 4 (imbalance) recommended {recommended}" in result.objective_reason


def test_the_result_names_the_uploaded_model(vertex_sdk, vertex_server):
    publish_step4([0] * 95 + [1] * 5)
    job = automl(budget_hours=2.5, display_name="churn").wait(timeout=10)
    [(name, model)] = list(vertex_server.models.items.items())
    result = job.result()
    assert result.model == name and result.model_version == model["versionId"]
    assert model["displayName"] == "churn"
    assert model["trainingPipeline"] == job.resource_name
    assert job.trials()[0].artifact_dir == name
    inputs = pipeline_inputs(vertex_server)
    assert float(inputs["trainBudgetMilliNodeHours"]) == 2500
    assert inputs["transformations"] == [
        {"auto": {"column_name": "a"}},
        {"auto": {"column_name": "b"}},
    ]
    assert result.to_dict()["model"] == name
    # step 3's record of the run is published
    from mlnb.checklist import session

    [record] = session.checks("training")
    assert record["check"] == "training_run"
    # the model reads back from the registry with what deploy() needs
    model = vertex_sdk.Model(name)
    assert model.resource_name == name
    assert list(model.supported_deployment_resources_types) == [
        vertex_sdk.gapic.Model.DeploymentResourcesType.DEDICATED_RESOURCES
    ]


def test_no_step_4_record_uses_vertex_default_and_says_so(vertex_sdk, vertex_server):
    job = automl(prediction_type="classification").wait(timeout=10)
    assert pipeline_inputs(vertex_server)["optimizationObjective"] is None
    result = job.result()
    assert result.objective is None
    assert "Vertex AI's default" in result.objective_reason
    assert "maximize-au-roc" in result.objective_reason


def test_a_regression_gets_minimize_rmse(vertex_sdk, vertex_server):
    publish_step4([0] * 97 + [1] * 3)  # a classification record does not apply
    job = automl(prediction_type="regression").wait(timeout=10)
    inputs = pipeline_inputs(vertex_server)
    assert inputs["optimizationObjective"] == "minimize-rmse"
    assert inputs["predictionType"] == "regression"
    assert job.result().goal == "minimize"


def test_an_objective_given_wins_and_precision_at_recall_sends_its_value(
    vertex_sdk, vertex_server
):
    publish_step4([0] * 97 + [1] * 3)
    job = automl(objective="maximize-precision-at-recall", recall_value=0.8)
    job.wait(timeout=10)
    inputs = pipeline_inputs(vertex_server)
    assert inputs["optimizationObjective"] == "maximize-precision-at-recall"
    assert inputs["optimizationObjectiveRecallValue"] == pytest.approx(0.8)
    assert job.result().objective_reason == "given as objective="


@pytest.mark.parametrize("source", ["gcs_list", "bq", "name", "object"])
def test_every_kind_of_dataset(vertex_sdk, vertex_server, source):
    if source == "gcs_list":
        dataset = ["gs://b/part1.csv", "gs://b/part2.csv"]
    elif source == "bq":
        dataset = "bq://p.sales.train"
    else:
        made = vertex_sdk.TabularDataset.create(
            display_name="d", gcs_source="gs://b/train.csv"
        )
        dataset = made.resource_name if source == "name" else made
    job = automl(dataset, prediction_type="regression").wait(timeout=10)
    assert job.state == "succeeded"
    [(name, held)] = list(vertex_server.datasets.items.items())
    [body] = vertex_server.created("trainingPipelines")
    assert body["inputDataConfig"]["datasetId"] == name.rsplit("/", 1)[1]
    config = held["metadata"]["inputConfig"]
    if source == "gcs_list":
        assert config == {"gcsSource": {"uri": dataset}}
    elif source == "bq":
        assert config == {"bigquerySource": {"uri": dataset}}
    assert held["metadataSchemaUri"] == TABULAR_DATASET_SCHEMA
    assert job.spec.target == name


def test_a_failed_pipeline_fails_the_handle(vertex_sdk, vertex_server):
    vertex_server.plan_next(fail="Training data has fewer than 1000 rows.", code=3)
    job = automl(prediction_type="regression").wait(timeout=10)
    assert job.state == "failed"
    with pytest.raises(TrainingFailed, match="fewer than 1000 rows"):
        job.result()
    assert vertex_server.models.items == {}


def test_a_quota_refusal_of_the_pipeline_raises_from_automl(vertex_sdk, vertex_server):
    from mlnb.errors import TrainingError

    vertex_server.inject(429, method="POST", path="trainingPipelines",
                         message="Quota exceeded for training pipelines.")  # fmt: skip
    with pytest.raises(TrainingError, match="quota exceeded") as info:
        automl(prediction_type="regression")
    assert "another region" in str(info.value)
    assert vertex_server.jobs == {}


def test_cancelling_a_pipeline(vertex_sdk, vertex_server):
    vertex_server.auto_advance = False
    job = automl(prediction_type="regression")
    served = vertex_server.job(0)
    job.cancel()
    assert vertex_server.requests_to("POST", "trainingPipelines/")[-1].path.endswith(
        ":cancel"
    )
    vertex_server.advance(served)
    job._wake.set()
    job.wait(timeout=5)
    assert job.state == "cancelled"
    assert served.resource["state"] == "PIPELINE_STATE_CANCELLED"


def test_missing_project_for_automl_is_named(vertex_sdk, vertex_server, monkeypatch):
    import google.auth
    import google.auth.credentials
    from google.auth import exceptions
    from google.cloud.aiplatform import initializer

    from mlnb.errors import MlnbValueError

    def no_default(*a, **k):
        raise exceptions.DefaultCredentialsError("no credentials (test)")

    monkeypatch.setattr(google.auth, "default", no_default)
    monkeypatch.delenv("GOOGLE_CLOUD_PROJECT", raising=False)
    monkeypatch.delenv("CLOUD_ML_PROJECT_ID", raising=False)
    initializer.global_config.__init__()
    vertex_sdk.init(
        location="us-central1",
        api_transport="rest",
        api_endpoint=vertex_server.url,
        credentials=google.auth.credentials.AnonymousCredentials(),
    )
    with pytest.raises(MlnbValueError, match=r"project \(pass") as info:
        automl(prediction_type="regression")
    assert "staging_bucket (pass" not in str(info.value)  # AutoML needs no bucket
    assert vertex_server.requests == []


# -- the server's routes on their own --------------------------------------------------
def test_the_server_refuses_what_vertex_refuses(vertex_sdk, vertex_server):
    """The SDK sends any objective string: the server checks it, like Vertex AI."""
    from google.api_core import exceptions

    dataset = vertex_sdk.TabularDataset.create(
        display_name="d", gcs_source="gs://b/train.csv"
    )
    job = vertex_sdk.AutoMLTabularTrainingJob(
        display_name="bad",
        optimization_prediction_type="regression",
        optimization_objective="maximize-au-prc",
        column_specs={"a": "auto"},
    )
    with pytest.raises(exceptions.BadRequest, match="not valid for"):
        job.run(dataset=dataset, target_column="y", budget_milli_node_hours=1000)
    assert vertex_server.jobs == {}


def test_an_unknown_dataset_or_model_is_not_found(vertex_sdk):
    from google.api_core import exceptions

    with pytest.raises(exceptions.NotFound):
        vertex_sdk.TabularDataset("projects/p/locations/us-central1/datasets/9")
    with pytest.raises(exceptions.NotFound):
        vertex_sdk.Model("projects/p/locations/us-central1/models/9")


def test_models_can_be_added_for_other_tests(vertex_sdk, vertex_server):
    added = vertex_server.models.add("m", labels={"team": "risk"})
    model = vertex_sdk.Model(added["name"])
    assert model.display_name == "m" and model.labels == {"team": "risk"}
    assert model.version_id == "1"
    versioned = vertex_sdk.Model(added["name"] + "@1")
    assert versioned.resource_name == added["name"]
