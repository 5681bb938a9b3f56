"""The Vertex AI training backend (mlnb.integrations.vertex_training) driven through
the real google-cloud-aiplatform SDK against the local Vertex server
(tests/vertexserver.py): what goes on the wire, states and trials read back into
the TrainingJob handle, failure, cancellation, retries, quota advice."""

from __future__ import annotations

import io
import json
import math
import tarfile
import threading
import time

import pytest
from vertexserver import prebuilt_training_image

from mlnb.errors import MlnbError, TrainingError
from mlnb.runtime.training.job import TrainingFailed
from mlnb.runtime.training.space import Choice, Float, Int, search_space
from mlnb.runtime.training.spec import LaunchSpec

vertex = pytest.mark.extra("vertex", module="google.cloud.aiplatform")
pytestmark = vertex

IMAGE = "training-image:1.0"  # any container name: nothing pulls it
FAST = 0.01  # seconds between polls


@pytest.fixture
def script(tmp_path):
    path = tmp_path / "train.py"
    path.write_text(
        "import mlnb\nmlnb.train.report(auc=0.9)\nprint('trained')\n", encoding="utf-8"
    )
    return path


def make_spec(script, **kw) -> LaunchSpec:
    base = {
        "target": str(script),
        "kind": "script",
        "backend": "vertex",
        "name": "train",
        "image": IMAGE,
        "machine_type": "n1-standard-8",
    }
    return LaunchSpec(**(base | kw))


_HANDLES: list = []


@pytest.fixture(autouse=True)
def _stop_pollers(vertex_server):
    """Handles whose job did not end stop reading the server before it stops."""
    yield
    while _HANDLES:
        _HANDLES.pop()._stop_polling()


def start(spec, **kw):
    from mlnb.integrations.vertex_training import start as vertex_start

    job = vertex_start(spec, poll_interval=kw.pop("poll_interval", FAST), **kw)
    _HANDLES.append(job)
    return job


def until(condition, timeout=5.0):
    """Wait (test side) until ``condition()`` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.005)


# -- custom jobs -----------------------------------------------------------------------
def test_a_script_becomes_a_custom_job_with_its_worker_pool_spec(
    vertex_sdk, vertex_server, script
):
    spec = make_spec(
        script,
        args=("--epochs=3",),
        env={"MODE": "fast"},
        accelerator_type="NVIDIA_TESLA_T4",
        accelerator_count=2,
        replica_count=3,
        requirements=("scikit-learn>=1.3",),
        hyperparameters=search_space({"seed": 7}),  # fixed: an argument
    )
    job = start(spec).wait(timeout=10)
    assert job.state == "succeeded"

    [body] = vertex_server.created("customJobs")
    assert body["displayName"] == "train"
    chief, workers = body["jobSpec"]["workerPoolSpecs"]
    assert chief["machineSpec"] == {
        "machineType": "n1-standard-8",
        "acceleratorType": 5,  # NVIDIA_TESLA_T4
        "acceleratorCount": 2,
    }
    assert chief["replicaCount"] == "1" and workers["replicaCount"] == "2"
    assert workers["machineSpec"] == chief["machineSpec"]
    container = chief["containerSpec"]
    assert container["imageUri"] == IMAGE
    assert container["args"] == ["mlnb-trial", "--epochs=3", "--seed=7"]
    assert container["command"][:2] == ["sh", "-c"]
    assert container["command"][-1].endswith('.task "$@"')
    assert container["env"] == [{"name": "MODE", "value": "fast"}]
    # the packaged script, uploaded to the staging bucket, is the user's script
    [(bucket, name)] = list(vertex_server.storage.objects)
    assert bucket == "b" and name in " ".join(container["command"])
    data = vertex_server.storage.objects[bucket, name]
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        members = {m.name: m for m in tar.getmembers()}
        [task] = [n for n in members if n.endswith("/task.py")]
        assert tar.extractfile(members[task]).read() == script.read_bytes()
        [setup] = [n for n in members if n.endswith("/setup.py")]
        assert b"scikit-learn>=1.3" in tar.extractfile(members[setup]).read()

    [trial] = job.trials()
    assert trial.params == {"seed": 7} and trial.state == "succeeded"
    assert trial.devices == ("NVIDIA_TESLA_T4:0", "NVIDIA_TESLA_T4:1")
    output = body["jobSpec"]["baseOutputDirectory"]["outputUriPrefix"]
    result = job.result()
    assert result.artifact_dir == output.rstrip("/") + "/model"  # AIP_MODEL_DIR
    assert result.trial == 0 and result.params == {"seed": 7}


def test_the_script_gets_its_arguments_and_a_trials_in_a_container(
    vertex_sdk, vertex_server, script
):
    """Vertex AI appends a trial's --name=value to the container's args: the shell
    command must hand them (and the script's own) to the script."""
    import subprocess

    spec = make_spec(script, args=("--data=a b",), hyperparameters=dict(SPACE),
                     metric="auc", max_trials=2)  # fmt: skip
    start(spec).wait(timeout=10)
    [body] = vertex_server.created("hyperparameterTuningJobs")
    container = body["trialJobSpec"]["workerPoolSpecs"][0]["containerSpec"]
    run_script = container["command"][-1].rsplit("&& ", 1)[-1]
    assert run_script.startswith("python3 -m ")
    module = run_script.split()[2]
    # the same shell line with the script replaced by one that prints its argv
    shell = (
        container["command"][-1]
        .rsplit("&& ", 1)[-1]
        .replace(f"python3 -m {module}", 'printf "%s\\n"')
    )
    trial_args = ["--lr=0.01", "--depth=3"]  # what Vertex AI appends per trial
    out = subprocess.run(
        ["sh", "-c", shell, *container["args"], *trial_args],
        capture_output=True, text=True, check=True,
    ).stdout.splitlines()  # fmt: skip
    assert out == ["--data=a b", "--seed=0", *trial_args]


def test_a_prebuilt_training_container_runs_the_script_as_a_package(
    vertex_sdk, vertex_server, script
):
    prebuilt = prebuilt_training_image()
    start(make_spec(script, image=prebuilt, args=("--epochs=3",))).wait(timeout=10)
    [pool] = vertex_server.created("customJobs")[0]["jobSpec"]["workerPoolSpecs"]
    package = pool["pythonPackageSpec"]
    assert package["executorImageUri"] == prebuilt
    assert package["args"] == ["--epochs=3"]
    assert package["pythonModule"].endswith(".task")


def test_states_advance_through_the_handle_with_events(
    vertex_sdk, vertex_server, script
):
    vertex_server.auto_advance = False
    job = start(make_spec(script))
    events = []
    job.subscribe(events.append)
    served = vertex_server.job(0)
    assert job.state == "queued" and not job.done
    for expected in ("queued", "running", "succeeded"):  # PENDING, RUNNING, SUCCEEDED
        vertex_server.advance(served)
        until(lambda: [s for _, s, _ in job.state_history()][-1] == served.state)
        assert job.state == expected or (expected == "succeeded" and job.done)
    assert job.wait(timeout=5) is job and job.done
    assert job.state == "succeeded"

    states = [e["state"] for e in events if e["type"] == "state"]
    assert states == ["running", "succeeded"]
    assert [v for _, v, _ in job.state_history()] == served.history
    trial_states = [e["trial"].state for e in events if e["type"] == "trial"]
    assert trial_states[-1] == "succeeded" and "running" in trial_states
    assert job.duration is not None and job.duration >= 0
    text = job.logs()
    assert served.name in text and "Cloud Logging" in text
    assert f"job_id%3D%22{served.id}%22" in text  # the job's own log query
    for state in served.history:
        assert state in text


def test_the_poller_waits_between_reads_and_cancel_wakes_it(
    vertex_sdk, vertex_server, script
):
    vertex_server.auto_advance = False
    job = start(make_spec(script), poll_interval=30)
    until(lambda: len(vertex_server.requests_to("GET", "customJobs/")) == 1)
    time.sleep(0.3)
    assert len(vertex_server.requests_to("GET", "customJobs/")) == 1  # no busy wait
    job.cancel()  # wakes the poller: it reads CANCELLING at once
    until(lambda: len(vertex_server.requests_to("GET", "customJobs/")) == 2)
    assert job.state == "cancelling"
    threads = [t for t in threading.enumerate() if t.name == "mlnb-vertex-train"]
    assert len(threads) == 1
    vertex_server.advance(vertex_server.job(0))  # -> CANCELLED
    job._wake.set()
    job.wait(timeout=5)
    assert job.state == "cancelled"
    threads[0].join(timeout=5)
    assert not threads[0].is_alive()


def test_a_failed_job_fails_the_handle_with_vertex_error(
    vertex_sdk, vertex_server, script
):
    message = "The replica workerpool0-0 exited with a non-zero status of 1."
    vertex_server.plan_next(fail=message)
    job = start(make_spec(script)).wait(timeout=10)
    assert job.state == "failed"
    assert message in job.error
    [trial] = job.trials()
    assert trial.state == "failed" and message in trial.error
    with pytest.raises(TrainingFailed, match="non-zero status of 1") as info:
        job.result()
    assert isinstance(info.value, TrainingError)
    assert message in job.logs()


def test_resources_insufficient_says_what_to_try(vertex_sdk, vertex_server, script):
    vertex_server.plan_next(
        fail="The zone 'us-central1-a' does not have enough resources available "
        "to fulfill the request.",
        code=8,
    )
    job = start(make_spec(script)).wait(timeout=10)
    with pytest.raises(TrainingFailed) as info:
        job.result()
    text = str(info.value)
    assert "Resources insufficient" in text and "another region" in text
    assert "smaller accelerator" in text


def test_quota_on_create_says_what_to_try(vertex_sdk, vertex_server, script):
    vertex_server.inject(
        429,
        method="POST",
        path="customJobs",
        message="Quota exceeded for aiplatform.googleapis.com/"
        "custom_model_training_nvidia_t4_gpus.",
    )
    with pytest.raises(TrainingError) as info:
        start(make_spec(script, accelerator_type="NVIDIA_TESLA_T4",
                        accelerator_count=1))  # fmt: skip
    text = str(info.value)
    assert "quota" in text.lower() and "Quotas" in text
    assert "another region" in text
    assert vertex_server.jobs == {}


@pytest.mark.parametrize("collection", ["hyperparameterTuningJobs", "customJobs"])
def test_a_refused_create_raises_from_start_for_both_kinds(
    vertex_sdk, vertex_server, script, collection
):
    """A tuning job is created in the SDK's background thread: its refusal still
    comes out of start(), with what to try."""
    vertex_server.inject(503, method="POST", path=collection)
    tuning = collection == "hyperparameterTuningJobs"
    spec = make_spec(
        script,
        hyperparameters=dict(SPACE) if tuning else {},
        metric="auc" if tuning else None,
        max_trials=2 if tuning else 1,
    )
    with pytest.raises(TrainingError, match="HTTP 503") as info:
        start(spec)
    assert "Nothing is running" in str(info.value)
    assert vertex_server.jobs == {}


def test_cancel_calls_vertex_and_ends_cancelled(vertex_sdk, vertex_server, script):
    vertex_server.auto_advance = False
    job = start(make_spec(script))
    served = vertex_server.job(0)
    vertex_server.advance(served, 2)  # RUNNING
    until(lambda: job.state == "running")
    job.cancel()
    assert vertex_server.requests_to("POST", ":cancel")
    assert job.state == "cancelling"
    vertex_server.advance(served)  # CANCELLING -> CANCELLED
    job._wake.set()
    job.wait(timeout=5)
    assert job.state == "cancelled"
    assert served.history[-2:] == ["CANCELLING", "CANCELLED"]
    with pytest.raises(TrainingFailed, match="cancelled"):
        job.result()
    job.cancel()  # a finished job: nothing sent
    assert len(vertex_server.requests_to("POST", ":cancel")) == 1


def test_a_job_past_its_timeout_is_cancelled(vertex_sdk, vertex_server, script):
    vertex_server.auto_advance = False
    job = start(make_spec(script, timeout=0.2), poll_interval=30)
    [body] = vertex_server.created("customJobs")
    assert body["jobSpec"]["scheduling"]["timeout"] == "1s"  # Vertex AI's own limit
    until(lambda: job.state == "cancelling")
    assert vertex_server.requests_to("POST", ":cancel")
    vertex_server.advance(vertex_server.job(0))
    job._wake.set()
    job.wait(timeout=5)
    assert job.state == "cancelled"
    assert "timed out after 0.2 s" in job.error


def test_a_503_on_reading_the_job_is_retried(vertex_sdk, vertex_server, script):
    vertex_server.inject(503, times=2, method="GET", path="customJobs/")
    job = start(make_spec(script)).wait(timeout=10)
    assert job.state == "succeeded"
    statuses = [r.status for r in vertex_server.requests_to("GET", "customJobs/")]
    assert statuses[:2] == [503, 503] and statuses[-1] == 200


def test_result_before_the_end_says_wait(vertex_sdk, vertex_server, script):
    vertex_server.auto_advance = False
    job = start(make_spec(script))
    with pytest.raises(TrainingError, match=r"job\.wait\(\)"):
        job.result()
    job.cancel()


def test_secret_environment_values_are_never_shown(vertex_sdk, vertex_server, script):
    secret = "s3cr3t-value-123"
    spec = make_spec(script, env={"API_TOKEN": secret, "MODE": "x"})
    job = start(spec).wait(timeout=10)
    shown = repr(job) + repr(spec) + json.dumps(job.to_dict()) + job.logs()
    assert secret not in shown
    assert "API_TOKEN" in json.dumps(job.to_dict())  # the key, not the value
    # Vertex AI gets it (the user asked for it) — only mlnb never shows it
    [body] = vertex_server.created("customJobs")
    env = body["jobSpec"]["workerPoolSpecs"][0]["containerSpec"]["env"]
    assert {"name": "API_TOKEN", "value": secret} in env


# -- hyperparameter tuning -------------------------------------------------------------
def oracle_metric(params: dict, index: int) -> float:
    """The test's own objective, which the server reports per trial."""
    return round(
        params["depth"] / 10
        - abs(math.log10(params["lr"]) + 2) / 10
        + (0.05 if params["optimizer"] == "adam" else 0.0),
        9,
    )


SPACE = {
    "lr": Float(1e-4, 1e-1, log=True),
    "depth": Int(2, 8),
    "optimizer": Choice(("adam", "sgd")),
    "batch": Choice((16, 32, 64)),
    "seed": Choice((0,)),
}


@pytest.mark.parametrize("goal", ["maximize", "minimize"])
def test_a_search_becomes_a_tuning_job_and_the_best_trial_is_the_oracles(
    vertex_sdk, vertex_server, script, goal
):
    vertex_server.trial_metric = oracle_metric
    spec = make_spec(
        script,
        hyperparameters=dict(SPACE),
        metric="auc",
        goal=goal,
        max_trials=6,
        parallel_trials=2,
        accelerator_type="NVIDIA_TESLA_V100",
        accelerator_count=1,
    )
    job = start(spec)
    assert job.kind == "tuning"
    events = []
    job.subscribe(events.append)
    job.wait(timeout=10)
    assert job.state == "succeeded"

    [body] = vertex_server.created("hyperparameterTuningJobs")
    assert body["maxTrialCount"] == 6 and body["parallelTrialCount"] == 2
    study = body["studySpec"]
    assert study["metrics"] == [
        {"metricId": "auc", "goal": 1 if goal == "maximize" else 2}
    ]
    params = {p["parameterId"]: p for p in study["parameters"]}
    assert set(params) == {"lr", "depth", "optimizer", "batch"}  # seed is fixed
    assert params["lr"]["doubleValueSpec"] == {"minValue": 1e-4, "maxValue": 0.1}
    assert params["lr"]["scaleType"] == 2  # LOG
    assert params["depth"]["integerValueSpec"] == {"minValue": "2", "maxValue": "8"}
    assert params["depth"]["scaleType"] == 1  # LINEAR
    assert params["optimizer"]["categoricalValueSpec"] == {"values": ["adam", "sgd"]}
    assert params["batch"]["categoricalValueSpec"] == {"values": ["16", "32", "64"]}
    [pool] = body["trialJobSpec"]["workerPoolSpecs"]
    assert pool["machineSpec"]["acceleratorType"] == 3  # NVIDIA_TESLA_V100
    assert pool["containerSpec"]["args"] == ["mlnb-trial", "--seed=0"]

    # trials read back: typed like the space, with the server's metrics
    served = vertex_server.job(0).trials
    trials = job.trials()
    assert [t.number for t in trials] == list(range(6))
    for t, raw in zip(trials, served, strict=True):
        sent = {p["parameterId"]: p["value"] for p in raw["parameters"]}
        assert t.state == "succeeded"
        assert t.params["lr"] == pytest.approx(sent["lr"])
        assert isinstance(t.params["depth"], int) and t.params["depth"] == sent["depth"]
        assert (
            t.params["batch"] in (16, 32, 64)
            and str(t.params["batch"]) == sent["batch"]
        )
        assert t.params["optimizer"] == sent["optimizer"] and t.params["seed"] == 0
        assert t.value == pytest.approx(oracle_metric(sent, 0))
        assert t.metrics == {"auc": t.value}
    # the best trial is the oracle's: max/min over the server's metrics, ties lowest
    values = [
        (raw["finalMeasurement"]["metrics"][0]["value"], int(raw["id"]) - 1)
        for raw in served
    ]
    sign = -1 if goal == "maximize" else 1
    best_value, best_number = min(values, key=lambda v: (sign * v[0], v[1]))
    result = job.result()
    assert result.trial == best_number and result.value == pytest.approx(best_value)
    assert result.metric == "auc" and result.goal == goal
    assert result.artifact_dir.endswith(f"/{best_number + 1}/model")
    metric_events = [e for e in events if e["type"] == "metric"]
    assert sorted({e["trial"] for e in metric_events}) == list(range(6))
    frame = job.metrics()
    assert set(frame["metric"]) == {"auc"} and len(frame) == 6


def test_an_infeasible_trial_is_failed_and_the_best_is_among_the_rest(
    vertex_sdk, vertex_server, script
):
    vertex_server.trial_metric = oracle_metric
    vertex_server.plan_next(infeasible={0: "the script did not report auc"})
    spec = make_spec(
        script, hyperparameters=dict(SPACE), metric="auc", max_trials=3,
        parallel_trials=1,
    )  # fmt: skip
    job = start(spec).wait(timeout=10)
    first = job.trials()[0]
    assert first.state == "failed" and "did not report auc" in first.error
    assert job.result().trial in (1, 2)


def test_a_cancelled_search_stops_its_trials(vertex_sdk, vertex_server, script):
    vertex_server.auto_advance = False
    spec = make_spec(
        script, hyperparameters=dict(SPACE), metric="auc", max_trials=4,
        parallel_trials=2,
    )  # fmt: skip
    job = start(spec)
    served = vertex_server.job(0)
    vertex_server.advance(served, 2)  # RUNNING, two trials active
    until(lambda: len(job.trials()) == 2)
    assert [t.state for t in job.trials()] == ["running", "running"]
    job.cancel()
    vertex_server.advance(served)
    job._wake.set()
    job.wait(timeout=5)
    assert job.state == "cancelled"
    assert [t.state for t in job.trials()] == ["cancelled", "cancelled"]
    with pytest.raises(TrainingFailed):
        job.result()


# -- settings and credentials ----------------------------------------------------------
def _reinit(aiplatform, server, monkeypatch, **kw):
    import google.auth
    import google.auth.credentials
    from google.auth import exceptions
    from google.cloud.aiplatform import initializer

    def no_default(*a, **k):
        raise exceptions.DefaultCredentialsError("no credentials (test)")

    monkeypatch.setattr(google.auth, "default", no_default)
    for name in ("GOOGLE_CLOUD_PROJECT", "CLOUD_ML_PROJECT_ID", "GOOGLE_CLOUD_REGION",
                 "CLOUD_ML_REGION"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    initializer.global_config.__init__()
    creds = kw.pop("credentials", google.auth.credentials.AnonymousCredentials())
    aiplatform.init(
        api_transport="rest", api_endpoint=server.url, credentials=creds, **kw
    )


@pytest.mark.parametrize(
    "given, missing",
    [
        ({"location": "us-central1", "staging_bucket": "gs://b"}, ["project"]),
        ({"project": "p", "staging_bucket": "gs://b"}, ["location"]),
        ({"project": "p", "location": "us-central1"}, ["staging_bucket"]),
        ({}, ["project", "location", "staging_bucket"]),
    ],
)
def test_missing_project_location_or_bucket_are_named(
    vertex_sdk, vertex_server, script, monkeypatch, given, missing
):
    from mlnb.errors import MlnbValueError

    _reinit(vertex_sdk, vertex_server, monkeypatch, **given)
    with pytest.raises(MlnbValueError) as info:
        start(make_spec(script))
    text = str(info.value)
    for name in missing:
        assert f"{name} (pass" in text
    for name in {"project", "location", "staging_bucket"} - set(missing):
        assert f"{name} (pass" not in text
    assert "aiplatform.init(" in text
    assert vertex_server.requests == []


def test_settings_given_as_arguments_are_used(
    vertex_sdk, vertex_server, script, monkeypatch
):
    _reinit(vertex_sdk, vertex_server, monkeypatch)
    spec = make_spec(
        script, project="proj2", location="europe-west4", staging_bucket="gs://b2"
    )
    job = start(spec).wait(timeout=10)
    assert job.state == "succeeded"
    assert job.resource_name.startswith("projects/proj2/locations/europe-west4/")
    assert [b for b, _ in vertex_server.storage.objects] == ["b2"]


def test_missing_credentials_send_nothing(
    vertex_sdk, vertex_server, script, monkeypatch
):
    _reinit(
        vertex_sdk,
        vertex_server,
        monkeypatch,
        project="p",
        location="us-central1",
        staging_bucket="gs://b",
        credentials=None,
    )
    with pytest.raises(MlnbError) as info:
        start(make_spec(script))
    assert "gcloud auth application-default login" in str(info.value)
    assert "nothing was sent" in str(info.value)
    assert vertex_server.requests == []


# -- through mlnb.train.launch ---------------------------------------------------------
def test_launch_with_backend_vertex_runs_a_search_and_publishes_step_3(
    vertex_sdk, vertex_server, script, tmp_path, monkeypatch
):
    from mlnb.checklist import session
    from mlnb.integrations import vertex_training
    from mlnb.runtime.training import launch

    monkeypatch.setattr(vertex_training, "POLL_INTERVAL", FAST)
    vertex_server.trial_metric = oracle_metric
    job = launch(
        str(script),
        backend="vertex",
        image=IMAGE,
        machine_type="g2-standard-8",
        accelerator_type="NVIDIA_L4",
        accelerator_count=1,
        hyperparameters={
            "lr": (1e-4, 1e-1, "log"),
            "depth": (2, 8),
            "optimizer": ["adam", "sgd"],
        },
        metric="auc",
        max_trials=4,
        parallel_trials=2,
        run_dir=tmp_path / "runs" / "train",
    )
    _HANDLES.append(job)
    assert job.backend == "vertex" and job.kind == "tuning"
    job.wait(timeout=10)
    assert job.state == "succeeded"
    [body] = vertex_server.created("hyperparameterTuningJobs")
    assert body["trialJobSpec"]["workerPoolSpecs"][0]["machineSpec"] == {
        "machineType": "g2-standard-8",
        "acceleratorType": 11,  # NVIDIA_L4
        "acceleratorCount": 1,
    }
    values = [t.value for t in job.trials()]
    assert job.result().value == max(values)
    [record] = session.checks("training")
    assert record["check"] == "training_run"
    assert record["metrics"]["best_value"] == pytest.approx(max(values))
