"""A local Vertex AI v1 REST server for tests: the real ``google-cloud-aiplatform``
SDK talks to it on 127.0.0.1, with no credentials and no network.

Wire facts (enum integers in requests, int64 as strings, operations polled under
``/ui/``, strictly parsed operation answers) were measured against
google-cloud-aiplatform 1.165.1.

Use it through the fixtures at the bottom (import them into a ``conftest.py``)::

    from vertexserver import vertex_server, vertex_sdk  # noqa: F401

    def test_job(vertex_sdk, vertex_server):
        aiplatform = vertex_sdk                      # aiplatform, init'ed to the server
        job = aiplatform.CustomJob(display_name="j", worker_pool_specs=[...])
        job.run()                                    # QUEUED -> ... -> SUCCEEDED
        body = vertex_server.created("customJobs")[0]
        assert body["jobSpec"]["workerPoolSpecs"][0]["machineSpec"][...]

What the server does
--------------------
- **Routes** are a table of ``(method, pattern, handler)``; a *resource* (one class
  per REST collection: :class:`CustomJobs`, :class:`HyperparameterTuningJobs`,
  :class:`TrainingPipelines`, :class:`Datasets`, :class:`Models`,
  :class:`Operations`, :class:`Storage`) registers its own routes with
  :meth:`VertexServer.add`. Model
  uploads or Endpoint routes are added the same way: subclass :class:`Resource`,
  implement ``routes()``, and ``server.add(Endpoints(server))``. Paths are matched after
  the ``/v1`` (or ``/ui``, where the SDK polls operations) prefix and URL-unquoting.
- **Jobs** follow a *timeline* of states: by default ``QUEUED -> PENDING -> RUNNING ->
  SUCCEEDED``. ``server.advance(job)`` moves a job one step; with
  ``auto_advance=True`` (the fixture's default) every GET moves it one step first, so
  ``job.run()`` walks the whole timeline. ``server.plan_next(...)`` sets the timeline
  (and error, trial outcomes) of the next job created: ``plan_next(fail="OOM")`` ends
  in FAILED with that error. A cancel moves a job to CANCELLING, and the next step to
  CANCELLED (with error code 1, as Vertex AI does).
- **Hyperparameter tuning jobs** run their trials while RUNNING: each step finishes
  the active trials (SUCCEEDED with the study's metric, computed by
  ``server.trial_metric(params, index)``) and starts up to ``parallelTrialCount`` new
  ones, until ``maxTrialCount`` have run. Parameter values are drawn from the study
  spec with a fixed seed.
- **AutoML tabular**: ``server.datasets`` (create answers a finished operation whose
  response is the Dataset; get), ``server.pipelines`` (training pipelines, states
  spelled ``PIPELINE_STATE_``; inputs checked as Vertex AI checks them: objective for
  the prediction type, budget 1000..72000 milli node hours, an existing dataset; a
  FAILED pipeline carries ``error``; on SUCCEEDED the model is registered and named
  in ``modelToUpload``) and ``server.models`` (the Model Registry: uploads as
  operations, versions under a ``parentModel``, lists with ``filter``,
  ``:listVersions``, ``:mergeVersionAliases`` moving aliases, label and alias
  formats checked as Vertex AI checks them; ``server.models.add(...)`` registers one,
  ``server.models.fail_next_upload(...)`` fails the next upload's operation).
- **Faults**: ``server.inject(503, times=1, method="GET", path="customJobs/")``
  answers the next matching requests with that HTTP error (the SDK's GETs retry
  503s; its creates do not).
- **Cloud Storage**: the staging upload of ``CustomJob.from_local_script`` and
  google-cloud-storage's uploads land in ``server.storage.objects``
  (``STORAGE_EMULATOR_HOST`` points the storage client here), so a packaged script
  or a stored model can be opened and checked; downloads, listing, deletes and
  generation preconditions are served too.
- **Records**: every request is kept in ``server.requests`` (method, path, query,
  JSON body, headers) for asserting what the SDK sent.
"""

from __future__ import annotations

import json
import random
import re
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# -- enums (google.cloud.aiplatform.v1 protos) ------------------------------------
JOB_STATES = {
    "QUEUED": 1,
    "PENDING": 2,
    "RUNNING": 3,
    "SUCCEEDED": 4,
    "FAILED": 5,
    "CANCELLING": 6,
    "CANCELLED": 7,
    "PAUSED": 8,
    "EXPIRED": 9,
    "UPDATING": 10,
    "PARTIALLY_SUCCEEDED": 11,
}
TERMINAL = ("SUCCEEDED", "FAILED", "CANCELLED", "EXPIRED", "PARTIALLY_SUCCEEDED")
TRIAL_STATES = {"REQUESTED": 1, "ACTIVE": 2, "STOPPING": 3, "SUCCEEDED": 4,
                "INFEASIBLE": 5}  # fmt: skip
#: acceleratorType enum numbers as the SDK sends them (enum-encoding=int).
ACCELERATOR_TYPES = {
    "ACCELERATOR_TYPE_UNSPECIFIED": 0,
    "NVIDIA_TESLA_K80": 1,
    "NVIDIA_TESLA_P100": 2,
    "NVIDIA_TESLA_V100": 3,
    "NVIDIA_TESLA_P4": 4,
    "NVIDIA_TESLA_T4": 5,
    "TPU_V2": 6,
    "TPU_V3": 7,
    "NVIDIA_TESLA_A100": 8,
    "NVIDIA_A100_80GB": 9,
    "TPU_V4_POD": 10,
    "NVIDIA_L4": 11,
    "TPU_V5_LITEPOD": 12,
    "NVIDIA_H100_80GB": 13,
    "NVIDIA_H100_MEGA_80GB": 14,
    "NVIDIA_H200_141GB": 15,
    "NVIDIA_B200": 16,
}
ACCELERATOR_NAMES = {v: k for k, v in ACCELERATOR_TYPES.items()}
GOALS = {1: "MAXIMIZE", 2: "MINIMIZE"}
DEFAULT_TIMELINE = ("QUEUED", "PENDING", "RUNNING", "SUCCEEDED")
#: google.rpc.Code names for HTTP statuses used in error bodies.
_HTTP_STATUS = {
    400: "INVALID_ARGUMENT",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    412: "FAILED_PRECONDITION",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
}
_CLOCK = "2026-01-01T00:00:%02d.000Z"


class HttpError(Exception):
    """Raised by a handler: answered as a google.rpc error body."""

    def __init__(self, code: int, message: str, status: str | None = None):
        super().__init__(message)
        self.code, self.message = code, message
        self.status = status or _HTTP_STATUS.get(code, "UNKNOWN")


@dataclass
class Request:
    """One request the server received."""

    method: str
    path: str  # unquoted, without the query string
    query: dict[str, str]
    body: Any  # parsed JSON, or None
    headers: dict[str, str]
    status: int = 0  # the HTTP status answered
    raw: bytes = b""  # the body as sent (uploads are not JSON)


@dataclass
class Plan:
    """How a job created later will go (see :meth:`VertexServer.plan_next`)."""

    timeline: tuple[str, ...] = DEFAULT_TIMELINE
    error: dict | None = None
    #: trial index -> infeasible reason (hyperparameter tuning jobs)
    infeasible: dict[int, str] = field(default_factory=dict)


@dataclass
class Job:
    """A job the server holds: its REST resource and where it is on its timeline."""

    collection: str  # "customJobs", "hyperparameterTuningJobs"
    resource: dict
    plan: Plan
    step: int = 0
    trials: list[dict] = field(default_factory=list)
    #: every state the job has been in, oldest first
    history: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.resource["name"]

    @property
    def state(self) -> str:
        state = self.resource["state"]
        return state.removeprefix("JOB_STATE_").removeprefix("PIPELINE_STATE_")

    @property
    def id(self) -> str:
        return self.name.rsplit("/", 1)[1]


@dataclass
class Fault:
    code: int
    times: int
    method: str | None
    path: str | None
    message: str


# -- resources ------------------------------------------------------------------------
_PARENT = r"/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)"


class Resource:
    """One REST collection: yields its routes ``(method, regex, handler)``; a handler
    gets ``(request, **path groups)`` and returns the JSON answer (a dict). Patterns
    match the path below one of ``prefixes``."""

    prefixes: tuple[str, ...] = ("/v1", "/ui")

    def __init__(self, server: VertexServer):
        self.server = server

    def routes(self) -> Iterator[tuple[str, str, Callable[..., Any]]]:
        raise NotImplementedError


class _Jobs(Resource):
    """Create / get / list / cancel / delete for one job collection."""

    collection = ""
    #: how the REST resource spells its states (training pipelines: PIPELINE_STATE_)
    state_prefix = "JOB_STATE_"

    def routes(self):
        c = self.collection
        yield "POST", rf"{_PARENT}/{c}", self.create
        yield "GET", rf"{_PARENT}/{c}", self.list
        yield "GET", rf"{_PARENT}/{c}/(?P<id>[^/:]+)", self.get
        yield "POST", rf"{_PARENT}/{c}/(?P<id>[^/:]+):cancel", self.cancel
        yield "DELETE", rf"{_PARENT}/{c}/(?P<id>[^/:]+)", self.delete

    def _job(self, project: str, location: str, id: str) -> Job:
        name = f"projects/{project}/locations/{location}/{self.collection}/{id}"
        job = self.server.jobs.get(name)
        if job is None:
            raise HttpError(404, f"{self.collection[:-1]} {name} not found.")
        return job

    def create(self, request: Request, project: str, location: str) -> dict:
        body = dict(request.body or {})
        if not body.get("displayName"):
            raise HttpError(400, "displayName is required.")
        self.validate(body)
        name = f"projects/{project}/locations/{location}/{self.collection}/"
        name += str(self.server.new_id())
        plan = self.server.take_plan()
        resource = {
            **body,
            "name": name,
            "state": self.state_prefix + plan.timeline[0],
            "createTime": self.server.now(),
            "updateTime": self.server.now(),
        }
        job = Job(self.collection, resource, plan, history=[plan.timeline[0]])
        with self.server.lock:
            self.server.jobs[name] = job
        self.on_state(job)
        return dict(resource)

    def validate(self, body: dict) -> None:
        """Reject what Vertex AI rejects (subclasses)."""

    def get(self, request: Request, project: str, location: str, id: str) -> dict:
        job = self._job(project, location, id)
        if self.server.auto_advance:
            self.server.advance(job)
        return self.render(job)

    def list(self, request: Request, project: str, location: str) -> dict:
        prefix = f"projects/{project}/locations/{location}/{self.collection}/"
        jobs = [
            self.render(j)
            for n, j in sorted(self.server.jobs.items())
            if n.startswith(prefix)
        ]
        return {self.collection: jobs} if jobs else {}

    def cancel(self, request: Request, project: str, location: str, id: str) -> dict:
        job = self._job(project, location, id)
        if job.state in TERMINAL:
            raise HttpError(
                400,
                f"Cannot cancel {job.name}: it is in state "
                f"{self.state_prefix}{job.state}.",
                "FAILED_PRECONDITION",
            )
        self.server.set_state(job, "CANCELLING")
        return {}

    def delete(self, request: Request, project: str, location: str, id: str) -> dict:
        job = self._job(project, location, id)
        with self.server.lock:
            del self.server.jobs[job.name]
        return self.server.operations.create(
            job.name, "google.protobuf.Empty", {}, metadata_type=None
        )

    def render(self, job: Job) -> dict:
        out = dict(job.resource)
        if job.trials:
            out["trials"] = [dict(t) for t in job.trials]
        return out

    def on_state(self, job: Job) -> None:
        """Called after every state change (trials, for tuning jobs)."""

    def running_step(self, job: Job) -> bool:
        """One step of work while RUNNING; True keeps the job RUNNING."""
        return False


class CustomJobs(_Jobs):
    collection = "customJobs"

    def validate(self, body: dict) -> None:
        _validate_job_spec(body.get("jobSpec"), "jobSpec")


class HyperparameterTuningJobs(_Jobs):
    collection = "hyperparameterTuningJobs"

    def validate(self, body: dict) -> None:
        study = body.get("studySpec") or {}
        if not study.get("metrics"):
            raise HttpError(400, "studySpec.metrics is required.")
        if not study.get("parameters"):
            raise HttpError(400, "studySpec.parameters is required.")
        if int(body.get("maxTrialCount", 0)) < 1:
            raise HttpError(400, "maxTrialCount must be positive.")
        _validate_job_spec(body.get("trialJobSpec"), "trialJobSpec")

    def on_state(self, job: Job) -> None:
        if job.state == "RUNNING" and not job.trials:
            self._start_more(job)
        elif job.state in ("FAILED", "CANCELLED", "CANCELLING"):
            for trial in job.trials:
                if trial["state"] == "ACTIVE":
                    self._finish(job, trial, stopped=True)
        elif job.state == "SUCCEEDED":  # finish the active trials, run what is left
            for trial in job.trials:
                if trial["state"] == "ACTIVE":
                    self._finish(job, trial)
            while len(job.trials) < int(job.resource["maxTrialCount"]):
                self._finish(job, self._start(job))

    def running_step(self, job: Job) -> bool:
        """Finish the active trials and start up to parallelTrialCount more; False
        once every trial has run (the job then moves on along its timeline)."""
        active = [t for t in job.trials if t["state"] == "ACTIVE"]
        if not active and len(job.trials) >= int(job.resource["maxTrialCount"]):
            return False
        for trial in active:
            self._finish(job, trial)
        self._start_more(job)
        job.resource["updateTime"] = self.server.now()
        return True

    def _start_more(self, job: Job) -> None:
        total = int(job.resource["maxTrialCount"])
        parallel = int(job.resource.get("parallelTrialCount") or 1)
        for _ in range(min(parallel, total - len(job.trials))):
            self._start(job)

    def _start(self, job: Job) -> dict:
        index = len(job.trials)
        study = job.resource["studySpec"]
        rng = random.Random(index)
        trial = {
            "id": str(index + 1),
            "state": "ACTIVE",
            "parameters": [
                {"parameterId": p["parameterId"], "value": _sample(p, rng)}
                for p in study["parameters"]
            ],
            "startTime": self.server.now(),
        }
        job.trials.append(trial)
        return trial

    def _finish(self, job: Job, trial: dict, *, stopped: bool = False) -> None:
        index = int(trial["id"]) - 1
        trial["endTime"] = self.server.now()
        if stopped:
            trial["state"] = "STOPPING"
            return
        if index in job.plan.infeasible:
            trial["state"] = "INFEASIBLE"
            trial["infeasibleReason"] = job.plan.infeasible[index]
            return
        params = {p["parameterId"]: p["value"] for p in trial["parameters"]}
        metrics = job.resource["studySpec"]["metrics"]
        value = float(self.server.trial_metric(params, index))
        trial["state"] = "SUCCEEDED"
        trial["finalMeasurement"] = {
            "stepCount": "1",
            "metrics": [{"metricId": m["metricId"], "value": value} for m in metrics],
        }


def _sample(spec: dict, rng: random.Random) -> Any:
    if "doubleValueSpec" in spec:
        s = spec["doubleValueSpec"]
        lo, hi = float(s["minValue"]), float(s["maxValue"])
        if _scale(spec) == "LOG" and lo > 0:
            import math

            return math.exp(rng.uniform(math.log(lo), math.log(hi)))
        return rng.uniform(lo, hi)
    if "integerValueSpec" in spec:
        s = spec["integerValueSpec"]
        return float(rng.randint(int(s["minValue"]), int(s["maxValue"])))
    if "categoricalValueSpec" in spec:
        return rng.choice(list(spec["categoricalValueSpec"]["values"]))
    if "discreteValueSpec" in spec:
        return float(rng.choice(list(spec["discreteValueSpec"]["values"])))
    raise HttpError(400, f"parameter {spec.get('parameterId')!r} has no value spec.")


def _scale(spec: dict) -> str:
    scale = spec.get("scaleType", 0)
    return (
        {1: "LINEAR", 2: "LOG", 3: "REVERSE_LOG"}.get(scale, str(scale))
        .replace("UNIT_", "")
        .removesuffix("_SCALE")
    )


def _validate_job_spec(spec: Any, where: str) -> None:
    pools = (spec or {}).get("workerPoolSpecs")
    if not pools:
        raise HttpError(400, f"{where}.workerPoolSpecs is required.")
    for i, pool in enumerate(pools):
        if not pool:  # an empty pool keeps its index (reduction server layouts)
            continue
        machine = pool.get("machineSpec") or {}
        if not machine.get("machineType"):
            raise HttpError(
                400, f"{where}.workerPoolSpecs[{i}].machineType is required."
            )
        accel = machine.get("acceleratorType", 0)
        accel = ACCELERATOR_TYPES.get(accel, accel) if isinstance(accel, str) else accel
        if accel not in ACCELERATOR_NAMES:
            raise HttpError(400, f"unknown acceleratorType {accel!r}.")
        if accel and int(machine.get("acceleratorCount", 0)) < 1:
            raise HttpError(
                400, f"{where}.workerPoolSpecs[{i}]: acceleratorCount must be >= 1."
            )
        if not ("containerSpec" in pool or "pythonPackageSpec" in pool):
            raise HttpError(
                400,
                f"{where}.workerPoolSpecs[{i}] needs a containerSpec or a "
                "pythonPackageSpec.",
            )


#: AutoML tabular objectives per prediction type (the SDK does not check them).
AUTOML_TABULAR_OBJECTIVES = {
    "classification": (
        "maximize-au-roc",
        "minimize-log-loss",
        "maximize-au-prc",
        "maximize-precision-at-recall",
        "maximize-recall-at-precision",
    ),
    "regression": ("minimize-rmse", "minimize-mae", "minimize-rmsle"),
}
TABULAR_DATASET_SCHEMA = (
    "gs://google-cloud-aiplatform/schema/dataset/metadata/tabular_1.0.0.yaml"
)
AUTOML_TABULAR_SCHEMA = "gs://google-cloud-aiplatform/schema/trainingjob/definition/automl_tabular_1.0.0.yaml"


class TrainingPipelines(_Jobs):
    """Training pipelines (AutoML tabular): states are spelled ``PIPELINE_STATE_``;
    a FAILED pipeline carries ``error`` (the SDK detects failure from it); a
    SUCCEEDED one uploads a model (:class:`Models`) and names it in
    ``modelToUpload``. AutoML tabular inputs are checked as Vertex AI checks them:
    target column, prediction type, objective for the type, budget 1000..72000
    milli node hours, an existing dataset."""

    collection = "trainingPipelines"
    state_prefix = "PIPELINE_STATE_"

    def validate(self, body: dict) -> None:
        if not body.get("trainingTaskDefinition"):
            raise HttpError(400, "trainingTaskDefinition is required.")
        dataset = (body.get("inputDataConfig") or {}).get("datasetId")
        if dataset is not None:
            self.server.datasets.find(str(dataset))
        if body["trainingTaskDefinition"] != AUTOML_TABULAR_SCHEMA:
            return
        inputs = body.get("trainingTaskInputs") or {}
        if not inputs.get("targetColumn"):
            raise HttpError(400, "trainingTaskInputs.targetColumn is required.")
        kind = inputs.get("predictionType")
        if kind not in AUTOML_TABULAR_OBJECTIVES:
            raise HttpError(
                400,
                f"predictionType {kind!r} is invalid; expected one of "
                f"{sorted(AUTOML_TABULAR_OBJECTIVES)}.",
            )
        objective = inputs.get("optimizationObjective")
        if objective and objective not in AUTOML_TABULAR_OBJECTIVES[kind]:
            raise HttpError(
                400,
                f"optimizationObjective {objective!r} is not valid for predictionType "
                f"{kind!r}.",
            )
        if objective == "maximize-precision-at-recall" and not inputs.get(
            "optimizationObjectiveRecallValue"
        ):
            raise HttpError(400, "optimizationObjectiveRecallValue is required.")
        if objective == "maximize-recall-at-precision" and not inputs.get(
            "optimizationObjectivePrecisionValue"
        ):
            raise HttpError(400, "optimizationObjectivePrecisionValue is required.")
        budget = int(float(inputs.get("trainBudgetMilliNodeHours") or 0))
        if not 1000 <= budget <= 72000:
            raise HttpError(
                400,
                f"trainBudgetMilliNodeHours must be in [1000, 72000]; got {budget}.",
            )

    def on_state(self, job: Job) -> None:
        if job.state == "SUCCEEDED" and "modelToUpload" not in job.resource:
            wanted = job.resource.get("_modelToUpload") or {}
            model = self.server.models.add(
                wanted.get("displayName") or job.resource["displayName"],
                project=job.name.split("/")[1],
                location=job.name.split("/")[3],
                trainingPipeline=job.name,
                **{k: v for k, v in wanted.items() if k in ("labels", "description")},
            )
            job.resource["modelToUpload"] = {
                "name": model["name"],
                "versionId": model["versionId"],
                "displayName": model["displayName"],
            }

    def create(self, request: Request, project: str, location: str) -> dict:
        out = super().create(request, project, location)
        # the request's modelToUpload says what to upload; the pipeline names the
        # model only once it exists
        job = self.server.jobs[out["name"]]
        job.resource["_modelToUpload"] = job.resource.pop("modelToUpload", None)
        return self.render(job)

    def render(self, job: Job) -> dict:
        return {k: v for k, v in super().render(job).items() if not k.startswith("_")}


class Datasets(Resource):
    """Datasets: create answers a finished operation whose response is the Dataset
    (``@type ...v1.Dataset``); get reads it back. Tabular datasets need an input
    config with ``gcsSource.uri`` or ``bigquerySource.uri``. Held in ``items``."""

    def __init__(self, server: VertexServer):
        super().__init__(server)
        self.items: dict[str, dict] = {}

    def routes(self):
        yield "POST", rf"{_PARENT}/datasets", self.create
        yield "GET", rf"{_PARENT}/datasets/(?P<id>[^/:]+)", self.get

    def create(self, request: Request, project: str, location: str) -> dict:
        body = dict(request.body or {})
        if not body.get("displayName"):
            raise HttpError(400, "displayName is required.")
        if not body.get("metadataSchemaUri"):
            raise HttpError(400, "metadataSchemaUri is required.")
        if body["metadataSchemaUri"] == TABULAR_DATASET_SCHEMA:
            source = ((body.get("metadata") or {}).get("inputConfig")) or {}
            uris = (source.get("gcsSource") or {}).get("uri") or (
                source.get("bigquerySource") or {}
            ).get("uri")
            if not uris:
                raise HttpError(
                    400,
                    "metadata.inputConfig needs gcsSource.uri or bigquerySource.uri.",
                )
        name = f"projects/{project}/locations/{location}/datasets/"
        name += str(self.server.new_id())
        dataset = {
            "name": name,
            "displayName": body["displayName"],
            "metadataSchemaUri": body["metadataSchemaUri"],
            "metadata": body.get("metadata") or {},
            "labels": body.get("labels") or {},
            "createTime": self.server.now(),
            "updateTime": self.server.now(),
        }
        self.items[name] = dataset
        return self.server.operations.create(
            name,
            "google.cloud.aiplatform.v1.Dataset",
            dataset,
            metadata_type="google.cloud.aiplatform.v1.CreateDatasetOperationMetadata",
        )

    def find(self, id_or_name: str) -> dict:
        """The dataset with this id or resource name (404 when unknown)."""
        for name, dataset in self.items.items():
            if name == id_or_name or name.rsplit("/", 1)[1] == id_or_name:
                return dataset
        raise HttpError(404, f"Dataset {id_or_name} not found.")

    def get(self, request: Request, project: str, location: str, id: str) -> dict:
        return dict(self.find(f"projects/{project}/locations/{location}/datasets/{id}"))


#: Vertex AI's version alias format (``[a-z][a-zA-Z0-9-]{0,126}[a-z0-9]``).
ALIAS_FORMAT = re.compile(r"[a-z][a-zA-Z0-9-]{0,126}[a-z0-9]\Z")
#: Google Cloud label format: keys start with a lowercase letter; keys and values
#: at most 63 lowercase letters, digits, ``_`` and ``-`` (values may be empty).
LABEL_KEY_FORMAT = re.compile(r"[a-z][a-z0-9_-]{0,62}\Z")
LABEL_VALUE_FORMAT = re.compile(r"[a-z0-9_-]{0,63}\Z")
MAX_LABELS = 64
_FILTER_TERM = re.compile(
    r"\s*(?P<field>display_name|displayName|labels\.[a-z0-9_-]+)\s*=\s*"
    r'"(?P<value>[^"]*)"\s*'
)


def validate_labels(labels: Any, where: str = "labels") -> None:
    """Reject labels Vertex AI rejects (400)."""
    if not isinstance(labels, dict):
        raise HttpError(400, f"{where} must be a map of strings.")
    if len(labels) > MAX_LABELS:
        raise HttpError(
            400, f"{where}: at most {MAX_LABELS} labels; got {len(labels)}."
        )
    for key, value in labels.items():
        if not LABEL_KEY_FORMAT.match(str(key)):
            raise HttpError(400, f"{where}: invalid label key {key!r}.")
        if not isinstance(value, str) or not LABEL_VALUE_FORMAT.match(value):
            raise HttpError(400, f"{where}: invalid label value {value!r} of {key!r}.")


def validate_alias(alias: Any) -> None:
    if not isinstance(alias, str) or not ALIAS_FORMAT.match(alias):
        raise HttpError(
            400,
            f"Invalid version alias {alias!r}: an alias must match "
            "[a-z][a-zA-Z0-9-]{0,126}[a-z0-9].",
        )


class Models(Resource):
    """The Model Registry: every version of every model, in ``versions`` (model
    resource name -> versions oldest first; ``items`` is model name -> its
    ``default`` version).

    - ``POST .../models:upload`` answers an operation (done at once) whose response
      is an ``UploadModelResponse`` (``model``, ``modelVersionId``). With
      ``parentModel`` the upload is a new version of that model (an unknown parent:
      404). Checked as Vertex AI checks it: ``displayName``,
      ``containerSpec.imageUri``, a ``gs://`` ``artifactUri``, label format,
      alias format. The first version always holds ``default``; a later one only
      when it asks for it (``is_default_version=True``), which moves it.
      :meth:`fail_next_upload` makes the next upload's operation end in an error.
    - ``GET .../models`` lists each model's default version (``filter``:
      ``display_name="..."`` and ``labels.KEY="..."`` terms joined by ``AND``);
      ``GET .../models/ID:listVersions`` lists every version;
      ``GET .../models/ID@VERSION`` (a version id or an alias) reads one, with
      ``supportedDeploymentResourcesTypes`` (without it the SDK's ``deploy()`` drops
      machine and accelerator settings).
    - ``POST .../models/ID@VERSION:mergeVersionAliases`` adds aliases (one held by
      another version moves: a single version holds an alias) and removes
      ``-alias`` ones; ``default`` cannot be removed, only moved.
    - ``PATCH .../models/ID@VERSION?updateMask=labels,...`` updates labels,
      ``description`` and ``versionDescription``.
    """

    def __init__(self, server: VertexServer):
        super().__init__(server)
        self.versions: dict[str, list[dict]] = {}
        self._upload_errors: list[dict] = []

    @property
    def items(self) -> dict[str, dict]:
        """Model resource name -> its default version (copies)."""
        with self.server.lock:
            return {name: dict(self._default(vs)) for name, vs in self.versions.items()}

    def routes(self):
        one = rf"{_PARENT}/models/(?P<id>[^/:@]+)(@(?P<version>[^/:]+))?"
        yield "GET", one, self.get
        yield "PATCH", one, self.update
        yield "GET", rf"{_PARENT}/models", self.list
        yield "POST", rf"{_PARENT}/models:upload", self.upload
        yield (
            "GET",
            rf"{_PARENT}/models/(?P<id>[^/:@]+):listVersions",
            self.list_versions,
        )
        yield "POST", one + ":mergeVersionAliases", self.merge_aliases

    # -- state ------------------------------------------------------------------------
    def add(
        self,
        display_name: str,
        *,
        project: str = "p",
        location: str = "us-central1",
        parent: str | None = None,
        aliases: list[str] | tuple[str, ...] = (),
        **fields: Any,
    ) -> dict:
        """Register a model (version 1), or a new version of ``parent`` (a model
        resource name), and return the version's REST resource."""
        with self.server.lock:
            now = self.server.now()
            if parent is None:
                name = f"projects/{project}/locations/{location}/models/"
                name += str(self.server.new_id())
                versions = self.versions.setdefault(name, [])
                held = ["default"]
            else:
                name = parent
                versions = self.versions[parent]
                held = []
            for alias in aliases:
                if alias not in held:
                    held.append(alias)
            for other in versions:  # an alias moves: one version holds it
                other["versionAliases"] = [
                    a for a in other["versionAliases"] if a not in held
                ]
            model = {
                "name": name,
                "displayName": display_name,
                "versionId": str(len(versions) + 1),
                "versionAliases": held,
                "supportedDeploymentResourcesTypes": ["DEDICATED_RESOURCES"],
                "createTime": versions[0]["createTime"] if versions else now,
                "updateTime": now,
                "versionCreateTime": now,
                "versionUpdateTime": now,
                **fields,
            }
            versions.append(model)
            return dict(model)

    def find(self, name: str, version: str | None = None) -> dict:
        """One version of model ``name`` (a version id or an alias; None: the
        default one); 404 when either is unknown."""
        versions = self.versions.get(name)
        if versions is None:
            raise HttpError(404, f"Model {name} not found.")
        if version is None:
            return self._default(versions)
        for v in versions:
            if version == v["versionId"] or version in v["versionAliases"]:
                return v
        raise HttpError(404, f"Model {name}@{version} not found.")

    @staticmethod
    def _default(versions: list[dict]) -> dict:
        return next(v for v in versions if "default" in v["versionAliases"])

    def fail_next_upload(self, message: str = "upload failed", code: int = 9) -> None:
        """The next upload's operation ends with ``error {code, message}`` (code 9:
        FAILED_PRECONDITION) and registers nothing."""
        with self.server.lock:
            self._upload_errors.append({"code": code, "message": message})

    # -- routes -----------------------------------------------------------------------
    def get(
        self,
        request: Request,
        project: str,
        location: str,
        id: str,
        version: str | None = None,
    ) -> dict:
        name = f"projects/{project}/locations/{location}/models/{id}"
        return dict(self.find(name, version))

    def list(self, request: Request, project: str, location: str) -> dict:
        prefix = f"projects/{project}/locations/{location}/models/"
        keep = _model_filter(request.query.get("filter", ""))
        models = [
            dict(self._default(vs))
            for name, vs in sorted(self.versions.items())
            if name.startswith(prefix) and keep(self._default(vs))
        ]
        return {"models": models} if models else {}

    def list_versions(
        self, request: Request, project: str, location: str, id: str
    ) -> dict:
        name = f"projects/{project}/locations/{location}/models/{id}"
        if name not in self.versions:
            raise HttpError(404, f"Model {name} not found.")
        keep = _model_filter(request.query.get("filter", ""))
        models = [dict(v) for v in self.versions[name] if keep(v)]
        return {"models": models} if models else {}

    def upload(self, request: Request, project: str, location: str) -> dict:
        body = request.body or {}
        model = dict(body.get("model") or {})
        if not model.get("displayName"):
            raise HttpError(400, "model.displayName is required.")
        if not (model.get("containerSpec") or {}).get("imageUri"):
            raise HttpError(400, "model.containerSpec.imageUri is required.")
        artifact = model.get("artifactUri")
        if artifact is not None and not str(artifact).startswith("gs://"):
            raise HttpError(400, f"artifactUri must be a gs:// URI; got {artifact!r}.")
        validate_labels(model.get("labels") or {}, "model.labels")
        aliases = list(model.pop("versionAliases", None) or [])
        for alias in aliases:
            validate_alias(alias)
        if len(set(aliases)) != len(aliases):
            raise HttpError(400, f"Duplicate version aliases {aliases}.")
        parent = body.get("parentModel") or None
        prefix = f"projects/{project}/locations/{location}/models/"
        if parent is not None:
            if not parent.startswith(prefix) or "@" in parent:
                raise HttpError(400, f"Invalid parentModel {parent!r}.")
            self.find(parent)  # 404 when unknown
        if self._upload_errors:
            error = self._upload_errors.pop(0)
            return self.server.operations.create(
                f"projects/{project}/locations/{location}",
                "google.cloud.aiplatform.v1.UploadModelResponse",
                error=error,
                metadata_type=_UPLOAD_METADATA,
            )
        model.pop("name", None)
        added = self.add(
            model.pop("displayName"),
            project=project,
            location=location,
            parent=parent,
            aliases=aliases,
            **model,
        )
        return self.server.operations.create(
            added["name"],
            "google.cloud.aiplatform.v1.UploadModelResponse",
            {"model": added["name"], "modelVersionId": added["versionId"]},
            metadata_type=_UPLOAD_METADATA,
        )

    def merge_aliases(
        self,
        request: Request,
        project: str,
        location: str,
        id: str,
        version: str | None = None,
    ) -> dict:
        name = f"projects/{project}/locations/{location}/models/{id}"
        target = self.find(name, version)
        changes = list((request.body or {}).get("versionAliases") or [])
        if not changes:
            raise HttpError(400, "versionAliases is required.")
        add = [a for a in changes if not a.startswith("-")]
        remove = [a[1:] for a in changes if a.startswith("-")]
        for alias in add + remove:
            validate_alias(alias)
        if "default" in remove:
            raise HttpError(
                400,
                "The default alias cannot be removed; add it to another version.",
                "FAILED_PRECONDITION",
            )
        if set(add) & set(remove):
            raise HttpError(400, f"Aliases both added and removed: {changes}.")
        now = self.server.now()
        for v in self.versions[name]:
            if v is target:
                continue
            kept = [a for a in v["versionAliases"] if a not in add]
            if kept != v["versionAliases"]:
                v["versionAliases"], v["versionUpdateTime"] = kept, now
        held = [a for a in target["versionAliases"] if a not in remove]
        held += [a for a in add if a not in held]
        target["versionAliases"], target["versionUpdateTime"] = held, now
        return dict(target)

    def update(
        self,
        request: Request,
        project: str,
        location: str,
        id: str,
        version: str | None = None,
    ) -> dict:
        name = f"projects/{project}/locations/{location}/models/{id}"
        target = self.find(name, version)
        body = request.body or {}
        mask = [m for m in request.query.get("updateMask", "").split(",") if m]
        fields = {"labels", "description", "versionDescription", "displayName"}
        snake = {"version_description": "versionDescription",
                 "display_name": "displayName"}  # fmt: skip
        mask = [snake.get(m, m) for m in mask]
        if not mask or set(mask) - fields:
            raise HttpError(400, f"updateMask must name some of {sorted(fields)}.")
        if "labels" in mask:
            validate_labels(body.get("labels") or {}, "model.labels")
        for field_name in mask:
            target[field_name] = body.get(field_name)
        target["versionUpdateTime"] = target["updateTime"] = self.server.now()
        return dict(target)


_UPLOAD_METADATA = "google.cloud.aiplatform.v1.UploadModelOperationMetadata"


def _model_filter(text: str) -> Callable[[dict], bool]:
    """A predicate for ``display_name="x" AND labels.k="v"`` (400 otherwise)."""
    terms = []
    for part in re.split(r"\s+AND\s+", text.strip()) if text.strip() else []:
        m = _FILTER_TERM.fullmatch(part)
        if m is None:
            raise HttpError(400, f"Unsupported filter {text!r}.")
        terms.append((m["field"], m["value"]))

    def keep(model: dict) -> bool:
        for field_name, value in terms:
            if field_name.startswith("labels."):
                got = (model.get("labels") or {}).get(field_name[7:])
            else:
                got = model.get("displayName")
            if got != value:
                return False
        return True

    return keep


class Operations(Resource):
    """Long-running operations: created done (the SDK checks before it sleeps),
    served under both ``/v1`` and ``/ui`` (where the SDK polls them)."""

    def __init__(self, server: VertexServer):
        super().__init__(server)
        self.ops: dict[str, dict] = {}

    def routes(self):
        yield "GET", r"/(?P<name>projects/.+/operations/[^/:]+)", self.get

    def create(
        self,
        parent: str,
        response_type: str,
        response: dict | None = None,
        *,
        error: dict | None = None,
        metadata_type: str | None = None,
    ) -> dict:
        """A finished operation under ``parent``. LRO answers are parsed strictly:
        only ``name``, ``done``, ``metadata``, ``response`` or ``error``, and
        ``@type`` must name a real type (``google.cloud.aiplatform.v1.Endpoint``)."""
        op: dict[str, Any] = {
            "name": f"{parent}/operations/{self.server.new_id()}",
            "done": True,
        }
        if metadata_type:
            op["metadata"] = {"@type": f"type.googleapis.com/{metadata_type}"}
        if error is not None:
            op["error"] = error
        else:
            op["response"] = {
                "@type": f"type.googleapis.com/{response_type}",
                **(response or {}),
            }
        self.ops[op["name"]] = op
        return op

    def get(self, request: Request, name: str) -> dict:
        if name not in self.ops:
            raise HttpError(404, f"operation {name} not found.")
        return self.ops[name]


class Storage(Resource):
    """Just enough Cloud Storage JSON API for the SDK's staging uploads
    (``CustomJob.from_local_script`` packages the script and uploads it) and for
    artefacts written and read with google-cloud-storage: set
    ``STORAGE_EMULATOR_HOST`` to the server's URL (the :func:`vertex_sdk` fixture
    does). Objects are kept in ``objects[(bucket, name)]`` as bytes, each with a
    generation (``ifGenerationMatch`` preconditions are honoured: 412 otherwise).
    Uploads: multipart and simple media (resumable uploads, used above 8 MiB, are
    not served). Downloads (``alt=media``), listing (``prefix``) and deletes."""

    prefixes = ("/storage/v1", "/upload/storage/v1", "/download/storage/v1")

    def __init__(self, server: VertexServer):
        super().__init__(server)
        self.objects: dict[tuple[str, str], bytes] = {}
        self.generations: dict[tuple[str, str], int] = {}

    def routes(self):
        yield "GET", r"/b/(?P<bucket>[^/]+)", self.bucket
        yield "POST", r"/b", self.create_bucket
        yield "POST", r"/b/(?P<bucket>[^/]+)/o", self.upload
        yield "GET", r"/b/(?P<bucket>[^/]+)/o", self.list
        yield "GET", r"/b/(?P<bucket>[^/]+)/o/(?P<name>.+)", self.get
        yield "DELETE", r"/b/(?P<bucket>[^/]+)/o/(?P<name>.+)", self.delete

    def bucket(self, request: Request, bucket: str) -> dict:
        return {"kind": "storage#bucket", "name": bucket, "location": "US-CENTRAL1"}

    def create_bucket(self, request: Request) -> dict:
        return self.bucket(request, (request.body or {}).get("name", ""))

    def upload(self, request: Request, bucket: str) -> dict:
        name, data = request.query.get("name"), request.raw
        kind = request.headers.get("content-type", "")
        if request.query.get("uploadType") == "multipart" and "boundary=" in kind:
            boundary = kind.split("boundary=", 1)[1].strip('"').encode()
            parts = [
                p.split(b"\r\n\r\n", 1)[1].removesuffix(b"\r\n")
                for p in request.raw.split(b"--" + boundary)
                if b"\r\n\r\n" in p
            ]
            name = json.loads(parts[0]).get("name", name)
            data = parts[1] if len(parts) > 1 else b""
        elif request.query.get("uploadType") == "resumable":
            raise HttpError(501, "resumable uploads are not served here.")
        if not name:
            raise HttpError(400, "object name is required.")
        self._precondition(request, bucket, name)
        self.objects[(bucket, name)] = data
        self.generations[(bucket, name)] = self.server.new_id()
        return self._meta(bucket, name)

    def _precondition(self, request: Request, bucket: str, name: str) -> None:
        wanted = request.query.get("ifGenerationMatch")
        if wanted is not None and int(wanted) != self.generations.get(
            (bucket, name), 0
        ):
            raise HttpError(
                412, f"At least one of the pre-conditions you specified did not hold "
                f"({bucket}/{name}).", "FAILED_PRECONDITION"
            )  # fmt: skip

    def get(self, request: Request, bucket: str, name: str) -> Any:
        if (bucket, name) not in self.objects:
            raise HttpError(404, f"No such object: {bucket}/{name}")
        if request.query.get("alt") == "media":
            self._precondition(request, bucket, name)
            return RawBody(self.objects[(bucket, name)])
        return self._meta(bucket, name)

    def list(self, request: Request, bucket: str) -> dict:
        prefix = request.query.get("prefix", "")
        items = [
            self._meta(b, n)
            for (b, n) in sorted(self.objects)
            if b == bucket and n.startswith(prefix)
        ]
        return {"kind": "storage#objects", "items": items}

    def delete(self, request: Request, bucket: str, name: str) -> dict:
        if (bucket, name) not in self.objects:
            raise HttpError(404, f"No such object: {bucket}/{name}")
        self._precondition(request, bucket, name)
        del self.objects[(bucket, name)]
        del self.generations[(bucket, name)]
        return {}

    def _meta(self, bucket: str, name: str) -> dict:
        return {
            "kind": "storage#object",
            "bucket": bucket,
            "name": name,
            "size": str(len(self.objects[(bucket, name)])),
            "generation": str(self.generations.get((bucket, name), 1)),
        }


@dataclass
class RawBody:
    """A handler's answer that is not JSON (a Cloud Storage download)."""

    data: bytes
    content_type: str = "application/octet-stream"


# -- the server ----------------------------------------------------------------------
class VertexServer:
    """A Vertex AI v1 REST server on ``127.0.0.1`` (random port), in a thread.

    Parameters
    ----------
    auto_advance:
        Every GET of a job moves it one step along its timeline first.
    trial_metric:
        ``(params, index) -> float``: the metric of tuning trial ``index`` (0-based)
        with parameter values ``params`` (``{parameterId: value}``). Default: a smooth
        function of the numeric parameters, best near the middle of their ranges.
    """

    def __init__(
        self,
        *,
        auto_advance: bool = True,
        trial_metric: Callable[[dict, int], float] | None = None,
    ):
        self.auto_advance = auto_advance
        self.trial_metric = trial_metric or _default_metric
        self.lock = threading.RLock()
        self.requests: list[Request] = []
        self.jobs: dict[str, Job] = {}
        self.faults: list[Fault] = []
        self.plans: list[Plan] = []
        self.routes: list[tuple[str, tuple, re.Pattern, Callable[..., Any]]] = []
        #: job collection name -> its resource (``"customJobs"`` -> CustomJobs)
        self.collections: dict[str, Any] = {}
        self._ids = 1000
        self._tick = 0
        self.custom_jobs = self.add(CustomJobs(self))
        self.tuning_jobs = self.add(HyperparameterTuningJobs(self))
        self.operations = self.add(Operations(self))
        self.storage = self.add(Storage(self))
        self.datasets = self.add(Datasets(self))
        self.pipelines = self.add(TrainingPipelines(self))
        self.models = self.add(Models(self))
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> VertexServer:
        self._httpd = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="vertex-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(timeout=5)
            self._httpd = None

    def __enter__(self) -> VertexServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "start() the server first"
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- routes ----------------------------------------------------------------------
    def add(self, resource: Resource) -> Any:
        """Register a resource's routes (later ones win over earlier ones); they
        are matched below each of the resource's ``prefixes``."""
        for method, pattern, handler in resource.routes():
            regex = re.compile(pattern + r"\Z")
            self.routes.insert(0, (method, resource.prefixes, regex, handler))
        if getattr(resource, "collection", ""):
            self.collections[resource.collection] = resource
        return resource

    def dispatch(self, request: Request) -> tuple[int, Any]:
        with self.lock:
            self.requests.append(request)
            for fault in self.faults:
                if fault.times > 0 and _fault_matches(fault, request):
                    fault.times -= 1
                    return fault.code, _error_body(
                        fault.code, fault.message, _HTTP_STATUS.get(fault.code)
                    )
        allowed = False
        for method, prefixes, regex, handler in self.routes:
            m = next(
                (
                    regex.match(request.path[len(p) :])
                    for p in prefixes
                    if request.path.startswith(p + "/")
                    and regex.match(request.path[len(p) :])
                ),
                None,
            )
            if m is None:
                continue
            allowed = True
            if method != request.method:
                continue
            try:
                with self.lock:
                    return 200, handler(request, **m.groupdict())
            except HttpError as exc:
                return exc.code, _error_body(exc.code, exc.message, exc.status)
            except Exception as exc:  # a bug in a handler: say so to the client
                return 500, _error_body(500, f"{type(exc).__name__}: {exc}", None)
        if allowed:
            message = f"{request.method} not allowed"
            return 405, _error_body(405, message, "UNIMPLEMENTED")
        return 404, _error_body(404, f"no route for {request.path}", "NOT_FOUND")

    # -- driving jobs ----------------------------------------------------------------
    def plan_next(
        self,
        *,
        timeline: tuple[str, ...] | list[str] | None = None,
        fail: str | None = None,
        code: int = 13,
        infeasible: dict[int, str] | None = None,
    ) -> Plan:
        """How the next job created will go. ``fail="message"`` ends its timeline in
        FAILED with ``error {code, message}`` (code 13: INTERNAL) after RUNNING.
        Plans queue up: each create takes the oldest."""
        if timeline is None:
            timeline = DEFAULT_TIMELINE
            if fail is not None:
                timeline = ("QUEUED", "PENDING", "RUNNING", "FAILED")
        timeline = tuple(s.removeprefix("JOB_STATE_") for s in timeline)
        unknown = [s for s in timeline if s not in JOB_STATES]
        if unknown:
            raise ValueError(f"unknown job states {unknown}; known: {list(JOB_STATES)}")
        error = None
        if fail is not None or timeline[-1] == "FAILED":
            message = fail or "The replica workerpool0-0 exited with a non-zero status."
            error = {"code": code, "message": message}
        plan = Plan(timeline, error, dict(infeasible or {}))
        with self.lock:
            self.plans.append(plan)
        return plan

    def take_plan(self) -> Plan:
        with self.lock:
            return self.plans.pop(0) if self.plans else Plan()

    def job(self, job: Any) -> Job:
        """The server's :class:`Job` for a job name, an SDK job object, or the
        ``n``-th job created (an int, 0-based)."""
        with self.lock:
            if isinstance(job, Job):
                return job
            if isinstance(job, int):
                return list(self.jobs.values())[job]
            name = job if isinstance(job, str) else job.resource_name
            return self.jobs[name]

    def advance(self, job: Any, steps: int = 1) -> str:
        """Move ``job`` ``steps`` steps along its timeline (a cancelled job goes
        CANCELLING -> CANCELLED); returns the new state."""
        with self.lock:
            job = self.job(job)
            for _ in range(steps):
                if job.state in TERMINAL:
                    break
                if job.state == "CANCELLING":
                    self.set_state(job, "CANCELLED")
                    continue
                if job.state == "RUNNING" and self._collection(job).running_step(job):
                    continue
                if job.step + 1 < len(job.plan.timeline):
                    job.step += 1
                    self.set_state(job, job.plan.timeline[job.step])
            return job.state

    def finish(self, job: Any) -> str:
        """Run ``job`` to the end of its timeline."""
        with self.lock:
            job = self.job(job)
            for _ in range(10_000):
                if job.state in TERMINAL:
                    break
                self.advance(job)
            return job.state

    def set_state(self, job: Job, state: str) -> None:
        with self.lock:
            res = job.resource
            res["state"] = self._collection(job).state_prefix + state
            job.history.append(state)
            res["updateTime"] = self.now()
            if state == "RUNNING" and "startTime" not in res:
                res["startTime"] = self.now()
            if state in TERMINAL:
                res["endTime"] = self.now()
            if state == "FAILED":
                res["error"] = job.plan.error or {"code": 13, "message": "failed"}
            if state == "CANCELLED":
                res["error"] = {"code": 1, "message": "CANCELED"}
            self._collection(job).on_state(job)

    def _collection(self, job: Job) -> Any:
        return self.collections[job.collection]

    # -- faults and records ----------------------------------------------------------
    def inject(
        self,
        code: int = 503,
        *,
        times: int = 1,
        method: str | None = None,
        path: str | None = None,
        message: str = "The service is currently unavailable.",
    ) -> Fault:
        """Answer the next ``times`` requests matching ``method`` and ``path`` (a
        substring of the unquoted path) with HTTP ``code``."""
        fault = Fault(code, times, method, path, message)
        with self.lock:
            self.faults.append(fault)
        return fault

    def requests_to(self, method: str | None = None, path: str = "") -> list[Request]:
        """The recorded requests with this method whose path contains ``path``."""
        with self.lock:
            return [
                r
                for r in self.requests
                if (method is None or r.method == method) and path in r.path
            ]

    def created(self, collection: str) -> list[dict]:
        """The bodies of the successful creates of ``collection`` (e.g.
        ``"customJobs"``), oldest first."""
        return [
            r.body
            for r in self.requests_to("POST", "/" + collection)
            if r.path.endswith("/" + collection) and r.status == 200
        ]

    def new_id(self) -> int:
        with self.lock:
            self._ids += 1
            return self._ids - 1

    def now(self) -> str:
        with self.lock:
            self._tick += 1
            return _CLOCK % (self._tick % 60)


def _default_metric(params: dict, index: int) -> float:
    """A number in [0.1, 0.9] that depends on the numeric parameter values."""
    import math

    total = sum(float(v) for v in params.values() if isinstance(v, (int, float)))
    return round(0.5 + 0.4 * math.sin(1.0 + total), 6)


def _fault_matches(fault: Fault, request: Request) -> bool:
    return (fault.method is None or fault.method == request.method) and (
        fault.path is None or fault.path in request.path
    )


def _error_body(code: int, message: str, status: str | None) -> dict:
    return {"error": {"code": code, "message": message, "status": status or "UNKNOWN"}}


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up (a poller stopped mid-request) is no error."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def _handler_for(server: VertexServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            split = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = None
            if raw.strip():
                try:
                    body = json.loads(raw)
                except ValueError:  # an upload; JSON that does not parse is an error
                    if "json" in (self.headers.get("Content-Type") or ""):
                        self._answer(400, _error_body(400, "body is not JSON", None))
                        return
            request = Request(
                method=self.command,
                path=urllib.parse.unquote(split.path),
                query=dict(urllib.parse.parse_qsl(split.query, keep_blank_values=True)),
                body=body,
                headers={k.lower(): v for k, v in self.headers.items()},
                raw=raw,
            )
            code, answer = server.dispatch(request)
            request.status = code
            self._answer(code, answer)

        def _answer(self, code: int, answer: Any) -> None:
            kind = "application/json; charset=UTF-8"
            if isinstance(answer, RawBody):
                data, kind = answer.data, answer.content_type
            else:
                data = json.dumps(answer).encode()
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = do_PATCH = _serve

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    return Handler


def prebuilt_training_image(framework: str = "sklearn", version: str = "1.0") -> str:
    """The URI of one of Vertex AI's prebuilt *training* containers, taken from the
    SDK's own catalogue (it lists the prediction containers; the training ones sit
    beside them under ``training/``). ``CustomJob.from_local_script`` runs a script
    as a Python package only in such a container; with any other image it runs a
    shell command instead — tests of the package path need this URI."""
    from google.cloud.aiplatform import helpers

    uri = helpers.get_prebuilt_prediction_container_uri(framework, version)
    return uri.replace("/prediction/", "/training/", 1)


# -- pytest fixtures (import them into a conftest.py) ----------------------------------
try:
    import pytest
except ImportError:  # pragma: no cover - the module also works outside pytest
    pytest = None

if pytest is not None:

    @pytest.fixture
    def vertex_server() -> Iterator[VertexServer]:
        """A started :class:`VertexServer` (auto-advancing jobs), stopped after."""
        with VertexServer() as server:
            yield server

    @pytest.fixture
    def vertex_sdk(
        vertex_server: VertexServer, monkeypatch: pytest.MonkeyPatch, require: Any
    ):
        """``google.cloud.aiplatform``, initialised against :func:`vertex_server`
        with anonymous credentials and the REST transport, polling every 10 ms
        (the SDK's own module knobs). Skips (or fails under MLNB_REQUIRE_EXTRAS=1)
        when the SDK is not installed."""
        aiplatform = require("google.cloud.aiplatform", "vertex")
        use_sdk(aiplatform, vertex_server, monkeypatch)
        yield aiplatform
        from google.cloud.aiplatform import initializer

        initializer.global_config.__init__()  # forget project, endpoint, credentials


def use_sdk(aiplatform: Any, server: VertexServer, monkeypatch: Any) -> None:
    """Point ``aiplatform`` at ``server``: anonymous credentials (no credential is
    looked up or sent), REST transport, 10 ms between polls and fast retries."""
    import google.auth.credentials
    from google.api_core import retry
    from google.cloud.aiplatform import base, jobs, training_jobs

    monkeypatch.setattr(jobs, "_JOB_WAIT_TIME", 0.01)
    monkeypatch.setattr(training_jobs, "_JOB_WAIT_TIME", 0.01)
    monkeypatch.setattr(
        base, "_DEFAULT_RETRY", retry.Retry(initial=0.01, maximum=0.05, timeout=10)
    )
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", server.url)
    aiplatform.init(
        project="p",
        location="us-central1",
        credentials=google.auth.credentials.AnonymousCredentials(),
        api_transport="rest",
        api_endpoint=server.url,
        staging_bucket="gs://b",
    )
