"""The local Vertex AI server (tests/vertexserver.py) driven by the real
google-cloud-aiplatform SDK: custom jobs, tuning jobs, failures, cancellation,
retried 503s — and what the SDK put on the wire."""

from __future__ import annotations

import io
import json
import math
import tarfile
import urllib.error
import urllib.request

import pytest
from vertexserver import (
    ACCELERATOR_TYPES,
    Operations,
    Resource,
    VertexServer,
    prebuilt_training_image,
)

vertex = pytest.mark.extra("vertex", module="google.cloud.aiplatform")

MACHINE = "n1-standard-8"
IMAGE = "example.test/training/sklearn-cpu:1.0"


def pool(accelerator=None, count=0, *, replicas=1, machine=MACHINE, **spec):
    machine_spec = {"machine_type": machine}
    if accelerator:
        machine_spec |= {"accelerator_type": accelerator, "accelerator_count": count}
    spec = spec or {"container_spec": {"image_uri": IMAGE, "args": ["--epochs", "3"]}}
    return {"machine_spec": machine_spec, "replica_count": replicas, **spec}


def custom_job(aiplatform, name="train", pools=None):
    return aiplatform.CustomJob(
        display_name=name, worker_pool_specs=pools or [pool("NVIDIA_TESLA_T4", 1)]
    )


# -- custom jobs through the SDK ----------------------------------------------------
@vertex
def test_custom_job_runs_to_succeeded_with_its_worker_pool_spec(
    vertex_sdk, vertex_server
):
    job = custom_job(
        vertex_sdk,
        pools=[
            pool("NVIDIA_TESLA_T4", 2, replicas=1),
            pool("NVIDIA_L4", 1, replicas=3, machine="g2-standard-8"),
        ],
    )
    job.run()

    assert job.state == vertex_sdk.gapic.JobState.JOB_STATE_SUCCEEDED
    served = vertex_server.job(job)
    assert served.history == ["QUEUED", "PENDING", "RUNNING", "SUCCEEDED"]
    [body] = vertex_server.created("customJobs")
    chief, workers = body["jobSpec"]["workerPoolSpecs"]
    assert chief["machineSpec"] == {
        "machineType": MACHINE,
        "acceleratorType": 5,  # NVIDIA_TESLA_T4 as an enum integer
        "acceleratorCount": 2,
    }
    assert chief["replicaCount"] == "1"  # int64 travels as a string
    assert chief["containerSpec"] == {"imageUri": IMAGE, "args": ["--epochs", "3"]}
    assert workers["machineSpec"]["acceleratorType"] == ACCELERATOR_TYPES["NVIDIA_L4"]
    assert workers["machineSpec"]["machineType"] == "g2-standard-8"
    assert workers["replicaCount"] == "3"
    assert body["displayName"] == "train"


@vertex
def test_every_call_is_rest_with_integer_enums_and_no_credentials(
    vertex_sdk, vertex_server
):
    custom_job(vertex_sdk).run()
    assert vertex_server.requests
    for request in vertex_server.requests:
        assert request.path.startswith("/v1/projects/p/locations/us-central1/")
        assert request.query["$alt"] == "json;enum-encoding=int"
        assert "authorization" not in request.headers


@vertex
def test_python_package_spec_is_sent_as_given(vertex_sdk, vertex_server):
    spec = {
        "python_package_spec": {
            "executor_image_uri": IMAGE,
            "package_uris": ["gs://b/trainer-0.1.tar.gz"],
            "python_module": "trainer.task",
            "args": ["--lr", "0.1"],
        }
    }
    custom_job(vertex_sdk, pools=[pool("NVIDIA_TESLA_A100", 8, **spec)]).run()
    [body] = vertex_server.created("customJobs")
    [chief] = body["jobSpec"]["workerPoolSpecs"]
    assert chief["machineSpec"]["acceleratorType"] == 8  # NVIDIA_TESLA_A100
    assert chief["machineSpec"]["acceleratorCount"] == 8
    assert chief["pythonPackageSpec"] == {
        "executorImageUri": IMAGE,
        "packageUris": ["gs://b/trainer-0.1.tar.gz"],
        "pythonModule": "trainer.task",
        "args": ["--lr", "0.1"],
    }


@vertex
def test_a_failed_job_raises_with_its_error(vertex_sdk, vertex_server):
    vertex_server.plan_next(fail="CUDA out of memory on replica workerpool0-0", code=3)
    job = custom_job(vertex_sdk)
    with pytest.raises(RuntimeError, match="CUDA out of memory") as info:
        job.run()
    assert "code: 3" in str(info.value)
    assert job.state == vertex_sdk.gapic.JobState.JOB_STATE_FAILED
    assert vertex_server.job(job).history[-2:] == ["RUNNING", "FAILED"]
    assert job.error.message == "CUDA out of memory on replica workerpool0-0"


@vertex
def test_states_advance_only_when_the_test_says_so(vertex_sdk, vertex_server):
    vertex_server.auto_advance = False
    job = custom_job(vertex_sdk)
    job.submit()
    states = vertex_sdk.gapic.JobState
    seen = [job.state]  # .state fetches the job again
    for _ in range(3):
        vertex_server.advance(job)
        seen.append(job.state)
    assert seen == [
        states.JOB_STATE_QUEUED,
        states.JOB_STATE_PENDING,
        states.JOB_STATE_RUNNING,
        states.JOB_STATE_SUCCEEDED,
    ]
    assert vertex_server.advance(job) == "SUCCEEDED"  # terminal states stay


@vertex
def test_cancel_goes_through_cancelling_to_cancelled(vertex_sdk, vertex_server):
    vertex_server.auto_advance = False
    job = custom_job(vertex_sdk)
    job.submit()
    vertex_server.advance(job, 2)  # RUNNING
    job.cancel()
    states = vertex_sdk.gapic.JobState
    assert job.state == states.JOB_STATE_CANCELLING
    assert [r.body for r in vertex_server.requests_to("POST", ":cancel")] == [{}]
    vertex_server.advance(job)
    with pytest.raises(RuntimeError, match="Job failed with"):
        job.wait_for_completion()
    assert job.state == states.JOB_STATE_CANCELLED
    assert job.error.code == 1


@vertex
def test_cancelling_a_finished_job_is_refused(vertex_sdk, vertex_server):
    from google.api_core import exceptions

    job = custom_job(vertex_sdk)
    job.run()
    with pytest.raises(exceptions.GoogleAPICallError, match="JOB_STATE_SUCCEEDED"):
        job.cancel()


@vertex
def test_transient_503s_on_reads_are_retried(vertex_sdk, vertex_server):
    vertex_server.inject(503, times=2, method="GET", path="/customJobs/")
    job = custom_job(vertex_sdk)
    job.run()
    assert job.state == vertex_sdk.gapic.JobState.JOB_STATE_SUCCEEDED
    statuses = [r.status for r in vertex_server.requests_to("GET", "/customJobs/")]
    assert statuses[:2] == [503, 503] and set(statuses[2:]) == {200}


@vertex
def test_a_503_on_create_surfaces_unretried(vertex_sdk, vertex_server):
    from google.api_core import exceptions

    vertex_server.inject(503, method="POST", path="/customJobs")
    with pytest.raises(exceptions.ServiceUnavailable):
        custom_job(vertex_sdk).run()
    assert len(vertex_server.requests_to("POST", "/customJobs")) == 1
    assert vertex_server.jobs == {}


@vertex
def test_list_and_get_read_jobs_back(vertex_sdk, vertex_server):
    first = custom_job(vertex_sdk, "first")
    first.run()
    custom_job(vertex_sdk, "second").run()
    listed = vertex_sdk.CustomJob.list()
    assert sorted(j.display_name for j in listed) == ["first", "second"]
    again = vertex_sdk.CustomJob.get(first.resource_name)
    assert again.display_name == "first"
    assert again.state == vertex_sdk.gapic.JobState.JOB_STATE_SUCCEEDED


@vertex
def test_an_unknown_job_is_not_found(vertex_sdk):
    from google.api_core import exceptions

    with pytest.raises(exceptions.NotFound):
        vertex_sdk.CustomJob.get("projects/p/locations/us-central1/customJobs/42")


@vertex
def test_a_local_script_is_packaged_uploaded_and_run(
    vertex_sdk, vertex_server, tmp_path
):
    script = tmp_path / "train.py"
    script.write_text("print('training')\n")
    image = prebuilt_training_image()
    job = vertex_sdk.CustomJob.from_local_script(
        display_name="script",
        script_path=str(script),
        container_uri=image,
        requirements=["optuna==4.0.0"],
        args=["--trials", "8"],
        machine_type="n1-standard-4",
        accelerator_type="NVIDIA_TESLA_T4",
        accelerator_count=1,
    )
    job.run()
    assert job.state == vertex_sdk.gapic.JobState.JOB_STATE_SUCCEEDED

    [(bucket, name)] = list(vertex_server.storage.objects)
    assert bucket == "b" and name.endswith(".tar.gz")
    with tarfile.open(
        fileobj=io.BytesIO(vertex_server.storage.objects[bucket, name])
    ) as tar:
        members = {m.name: m for m in tar.getmembers()}
        [task] = [n for n in members if n.endswith("/task.py")]
        assert tar.extractfile(members[task]).read() == script.read_bytes()
        [setup] = [n for n in members if n.endswith("/setup.py")]
        assert b"optuna==4.0.0" in tar.extractfile(members[setup]).read()
    [chief] = vertex_server.created("customJobs")[0]["jobSpec"]["workerPoolSpecs"]
    package = chief["pythonPackageSpec"]
    assert package["packageUris"] == [f"gs://{bucket}/{name}"]
    assert package["executorImageUri"] == image
    assert package["args"] == ["--trials", "8"]
    assert chief["machineSpec"]["acceleratorType"] == 5


# -- hyperparameter tuning through the SDK -------------------------------------------
def tuning_job(aiplatform, *, max_trials=5, parallel=2, goal="maximize"):
    from google.cloud.aiplatform import hyperparameter_tuning as hpt

    return aiplatform.HyperparameterTuningJob(
        display_name="search",
        custom_job=custom_job(aiplatform, pools=[pool("NVIDIA_L4", 2)]),
        metric_spec={"auc": goal},
        parameter_spec={
            "lr": hpt.DoubleParameterSpec(min=1e-4, max=1e-1, scale="log"),
            "depth": hpt.IntegerParameterSpec(min=2, max=8, scale="linear"),
            "optimizer": hpt.CategoricalParameterSpec(values=["adam", "sgd"]),
            "batch": hpt.DiscreteParameterSpec(values=[16, 32, 64], scale="linear"),
        },
        max_trial_count=max_trials,
        parallel_trial_count=parallel,
    )


def oracle_metric(params: dict, index: int) -> float:
    """The test's own metric: the server must report exactly this per trial."""
    return round(params["depth"] / 10 - abs(math.log10(params["lr"]) + 2) / 10, 9)


@vertex
def test_tuning_job_trials_are_read_back_with_the_study_metric(
    vertex_sdk, vertex_server
):
    vertex_server.trial_metric = oracle_metric
    job = tuning_job(vertex_sdk)
    job.run()

    assert job.state == vertex_sdk.gapic.JobState.JOB_STATE_SUCCEEDED
    trials = job.trials
    assert [t.id for t in trials] == ["1", "2", "3", "4", "5"]
    for trial in trials:
        assert trial.state == vertex_sdk.gapic.Trial.State.SUCCEEDED
        params = {p.parameter_id: p.value for p in trial.parameters}
        assert 1e-4 <= params["lr"] <= 1e-1
        assert params["depth"] in range(2, 9)
        assert params["optimizer"] in ("adam", "sgd")
        assert params["batch"] in (16, 32, 64)
        [metric] = trial.final_measurement.metrics
        assert metric.metric_id == "auc"
        assert metric.value == pytest.approx(oracle_metric(params, 0))

    [body] = vertex_server.created("hyperparameterTuningJobs")
    assert body["maxTrialCount"] == 5 and body["parallelTrialCount"] == 2
    assert body["studySpec"]["metrics"] == [{"metricId": "auc", "goal": 1}]
    parameters = body["studySpec"]["parameters"]
    scales = {p["parameterId"]: p.get("scaleType") for p in parameters}
    assert scales == {"lr": 2, "depth": 1, "optimizer": None, "batch": 1}
    [trial_pool] = body["trialJobSpec"]["workerPoolSpecs"]
    assert trial_pool["machineSpec"]["acceleratorType"] == 11  # NVIDIA_L4
    assert trial_pool["machineSpec"]["acceleratorCount"] == 2


@vertex
def test_trials_run_at_most_parallel_at_a_time(vertex_sdk, vertex_server):
    vertex_server.auto_advance = False
    job = tuning_job(vertex_sdk, max_trials=5, parallel=2, goal="minimize")
    job.run(sync=False)
    job.wait_for_resource_creation()
    name = job.resource_name
    seen = []
    while vertex_server.advance(name) != "SUCCEEDED":
        fetched = vertex_sdk.HyperparameterTuningJob.get(name)
        seen.append(
            (
                sum(t.state == t.State.ACTIVE for t in fetched.trials),
                sum(t.state == t.State.SUCCEEDED for t in fetched.trials),
            )
        )
    # PENDING, then RUNNING with 2 active, 2 done + 2 active, 4 done + 1 active, 5 done
    assert seen == [(0, 0), (2, 0), (2, 2), (1, 4), (0, 5)]
    job.wait()
    [body] = vertex_server.created("hyperparameterTuningJobs")
    assert body["studySpec"]["metrics"][0]["goal"] == 2  # MINIMIZE


@vertex
def test_an_infeasible_trial_carries_its_reason(vertex_sdk, vertex_server):
    vertex_server.plan_next(infeasible={1: "loss was NaN"})
    job = tuning_job(vertex_sdk, max_trials=3, parallel=1)
    job.run()
    states = [t.state for t in job.trials]
    assert states[1] == vertex_sdk.gapic.Trial.State.INFEASIBLE
    assert job.trials[1].infeasible_reason == "loss was NaN"
    assert states.count(vertex_sdk.gapic.Trial.State.SUCCEEDED) == 2


@vertex
def test_a_cancelled_tuning_job_stops_its_active_trials(vertex_sdk, vertex_server):
    vertex_server.auto_advance = False
    job = tuning_job(vertex_sdk, max_trials=4, parallel=2)
    job.run(sync=False)
    job.wait_for_resource_creation()
    vertex_server.advance(job.resource_name, 2)  # RUNNING, 2 trials active
    job.cancel()
    vertex_server.advance(job.resource_name)
    fetched = vertex_sdk.HyperparameterTuningJob.get(job.resource_name)
    assert fetched.state == vertex_sdk.gapic.JobState.JOB_STATE_CANCELLED
    assert [t.state for t in fetched.trials] == [fetched.trials[0].State.STOPPING] * 2


# -- the server itself, over plain HTTP (no SDK needed) ------------------------------
def call(server, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(server.url + path, data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


PARENT = "/v1/projects/p/locations/us-central1"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "displayName"),
        ({"displayName": "j"}, "workerPoolSpecs"),
        (
            {
                "displayName": "j",
                "jobSpec": {"workerPoolSpecs": [{"replicaCount": "1"}]},
            },
            "machineType",
        ),  # fmt: skip
        (
            {
                "displayName": "j",
                "jobSpec": {
                    "workerPoolSpecs": [
                        {"machineSpec": {"machineType": "n1", "acceleratorType": 99}}
                    ]
                },
            },
            "acceleratorType",
        ),
        (
            {
                "displayName": "j",
                "jobSpec": {
                    "workerPoolSpecs": [
                        {"machineSpec": {"machineType": "n1", "acceleratorType": 5}}
                    ]
                },
            },
            "acceleratorCount",
        ),
        (
            {
                "displayName": "j",
                "jobSpec": {
                    "workerPoolSpecs": [{"machineSpec": {"machineType": "n1"}}]
                },
            },
            "containerSpec",
        ),
    ],
)
def test_invalid_custom_jobs_are_rejected_like_vertex_does(body, message):
    with VertexServer() as server:
        code, answer = call(server, "POST", PARENT + "/customJobs", body)
    assert code == 400
    assert answer["error"]["status"] == "INVALID_ARGUMENT"
    assert message in answer["error"]["message"]


def test_unknown_routes_and_methods_answer_google_errors():
    with VertexServer() as server:
        assert call(server, "GET", "/v1/nowhere")[0] == 404
        assert call(server, "GET", "/elsewhere")[0] == 404
        code, answer = call(server, "PATCH", PARENT + "/customJobs/1")
        assert code == 405 and answer["error"]["status"] == "UNIMPLEMENTED"


def test_operations_are_served_under_v1_and_ui():
    with VertexServer() as server:
        op = server.operations.create(
            "projects/p/locations/us-central1/endpoints/5",
            "google.cloud.aiplatform.v1.Endpoint",
            {"name": "projects/p/locations/us-central1/endpoints/5"},
        )
        for prefix in ("/v1/", "/ui/"):
            code, answer = call(server, "GET", prefix + op["name"])
            assert code == 200 and answer == op
        assert set(op) == {"name", "done", "response"}
        assert op["response"]["@type"].endswith("aiplatform.v1.Endpoint")


def test_new_resources_plug_into_the_route_table():
    class Models(Resource):
        def routes(self):
            parent = r"/projects/(?P<p>[^/]+)/locations/(?P<l>[^/]+)"
            yield "GET", parent + r"/models/(?P<id>[^/]+)", self.get

        def get(self, request, p, l, id):  # noqa: E741
            return {"name": f"projects/{p}/locations/{l}/models/{id}"}

    with VertexServer() as server:
        server.add(Models(server))
        # URL-encoded version ids are unquoted before matching
        code, answer = call(server, "GET", PARENT + "/models/1000%401")
        assert code == 200
        assert answer["name"] == "projects/p/locations/us-central1/models/1000@1"
        assert isinstance(server.operations, Operations)


def test_faults_match_method_and_path_and_run_out():
    with VertexServer() as server:
        server.inject(429, times=2, method="GET", path="/customJobs/")
        statuses = [call(server, "GET", PARENT + "/customJobs/7")[0] for _ in range(3)]
        assert statuses == [429, 429, 404]
        assert call(server, "GET", PARENT + "/customJobs")[0] == 200
        assert [r.status for r in server.requests] == [429, 429, 404, 200]


def test_plan_next_rejects_unknown_states():
    with VertexServer() as server, pytest.raises(ValueError, match="DONE"):
        server.plan_next(timeline=["QUEUED", "DONE"])
