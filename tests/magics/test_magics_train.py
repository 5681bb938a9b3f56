"""%mlcheck train, in a real IPython InteractiveShell.

The parse table checks each ``--param`` SPEC form against the space object written
out by hand; the run tests launch a real local subprocess through the magic and
read its reported metrics back from the job; the Vertex tests check that every
option reaches the launch request the Vertex backend gets.
"""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

import mlnb.magics as M
from mlnb.checklist import session
from mlnb.errors import MlnbValueError
from mlnb.magics import train
from mlnb.runtime.training.job import TrainingJob
from mlnb.runtime.training.space import Choice, Float, Int

SCRIPT = """\
import os

from mlnb.runtime.training import params, report

p = params({"lr": 0.1, "depth": 3, "kernel": "rbf", "epochs": 2})
for step in range(p["epochs"]):
    report(step=step, score=p["lr"] * p["depth"] * (step + 1))
with open(os.path.join(os.environ["AIP_MODEL_DIR"], "model.txt"), "w") as f:
    f.write(p["kernel"])
print("done", sorted(p.items()))
"""


def expected_score(p: dict, step: int) -> float:
    """The oracle: what SCRIPT reports at ``step`` for parameters ``p``."""
    return p["lr"] * p["depth"] * (step + 1)


@pytest.fixture
def shell(monkeypatch, tmp_path):
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "mlnb")
    if "train" not in M.COMMANDS:  # registered by the dispatcher's table
        monkeypatch.setitem(M.COMMANDS, "train", ("training", train.command))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "train_script.py").write_text(SCRIPT)
    ip.user_ns.pop(train.JOB_VARIABLE, None)
    session.clear()
    yield ip
    job = ip.user_ns.pop(train.JOB_VARIABLE, None)
    if job is not None and not job.done:
        job.cancel()
        job.wait(timeout=30)


def run(ip, line):
    return ip.run_line_magic("mlcheck", line)


# -- the SPEC grammar ------------------------------------------------------------------

PARSE_TABLE = [
    ("lr=1e-4:1e-1:log", "lr", Float(0.0001, 0.1, log=True)),
    ("lr=0.0001:0.1", "lr", Float(0.0001, 0.1)),
    ("dropout=0:0.5", "dropout", Float(0.0, 0.5)),
    ("alpha=1e-3:10:linear", "alpha", Float(0.001, 10.0)),
    ("depth=2:8", "depth", Int(2, 8)),
    ("leaves=8:256:log", "leaves", Int(8, 256, log=True)),
    ("shift=-5:5", "shift", Int(-5, 5)),
    ("depth=2:8:LOG", "depth", Int(2, 8, log=True)),
    ("kernel=rbf,linear", "kernel", Choice(("rbf", "linear"))),
    ("units=16,32,64", "units", Choice((16, 32, 64))),
    ("mixed=1,1.5,auto,true", "mixed", Choice((1, 1.5, "auto", True))),
    ("kernel = rbf , linear", "kernel", Choice(("rbf", "linear"))),
    ("seed=0", "seed", Choice((0,))),
    ("rate=0.5", "rate", Choice((0.5,))),
    ("optimizer=adam", "optimizer", Choice(("adam",))),
    ("data=gs://bucket/train.csv", "data", Choice(("gs://bucket/train.csv",))),
    ("shuffle=false", "shuffle", Choice((False,))),
]


@pytest.mark.parametrize(
    ("text", "name", "expected"), PARSE_TABLE, ids=lambda v: str(v)
)
def test_each_spec_form_gives_its_space_object(text, name, expected):
    got_name, got = train.parse_param(text)
    assert got_name == name
    assert type(got) is type(expected)
    assert got == expected
    if isinstance(expected, Choice):  # 1 == 1.0 == True: compare the types too
        assert [type(v) for v in got.values] == [type(v) for v in expected.values]
    else:
        assert type(got.low) is type(expected.low)


BAD_SPECS = [
    ("lr", ["--param needs NAME=SPEC", "lr=1e-4:1e-1:log"]),
    ("lr=", ["--param lr= has no SPEC", "range", "choice", "fixed"]),
    ("2lr=1:2", ["'2lr'", "identifier"]),
    ("class=1:2", ["'class'", "identifier"]),
    ("my-lr=1:2", ["'my-lr'", "identifier"]),
    ("lr=1e-1:1e-4:log", ["LOW must be below HIGH", "lr=0.0001:0.1:log"]),
    ("depth=8:8", ["LOW must be below HIGH"]),
    ("lr=0:1:log", ["log scale needs LOW > 0", "drop ':log'"]),
    ("lr=1e-4:0.1:lg", ["scale 'lg'", "log, linear"]),
    ("lr=1e-4:high", ["HIGH end 'high' is not a number", "LOW:HIGH[:log]"]),
    ("lr=1:2:log:x", ["LOW:HIGH or LOW:HIGH:log", "4 parts"]),
    ("lr=1:inf", ["finite numbers"]),
    ("kernel=rbf,,linear", ["empty value", "kernel=rbf,linear"]),
    ("kernel=rbf,rbf", ["repeats 'rbf'", "each value once"]),
]


@pytest.mark.parametrize(("text", "words"), BAD_SPECS, ids=lambda v: str(v))
def test_bad_specs_name_the_option_and_the_fix(text, words):
    with pytest.raises(MlnbValueError) as info:
        train.parse_param(text)
    message = str(info.value)
    assert message.startswith("--param"), message
    for word in words:
        assert word in message, message


def test_params_keep_their_order_and_come_repeated_or_together():
    got = train.parse_params([["lr=1e-4:1e-1:log", "depth=2:8"], ["seed=0"]])
    assert list(got) == ["lr", "depth", "seed"]
    with pytest.raises(MlnbValueError, match="--param lr is given twice"):
        train.parse_params([["lr=1:2"], ["lr=0.1"]])


def test_help_documents_the_grammar(shell):
    text = repr(run(shell, "train --help"))
    for form in ("lr=1e-4:1e-1:log", "depth=2:8", "kernel=rbf,linear", "seed=0"):
        assert form in text
    assert "_mlnb_train_job" in text
    assert "--backend" in text and "--accelerator" in text


# -- bad input through the magic ----------------------------------------------------

BAD_LINES = [
    ("train nothing_here.py", ["SCRIPT 'nothing_here.py'", "%%writefile"]),
    ("train number_var", ["SCRIPT 'number_var' is a int", "training function"]),
    ("train train_script.py --backend gpu", ["--backend must be local or vertex"]),
    ("train train_script.py --goal up", ["--goal must be maximize or minimize"]),
    ("train train_script.py --trials 0", ["--trials needs a whole number >= 1"]),
    ("train train_script.py --parallel two", ["--parallel needs a whole number"]),
    ("train train_script.py --count -1", ["--count needs a whole number >= 0"]),
    ("train train_script.py --timeout soon", ["--timeout needs a number of seconds"]),
    (
        "train train_script.py --accelerator NVIDIA_TESLA_K80",
        ["--accelerator 'NVIDIA_TESLA_K80'", "NVIDIA_TESLA_T4", "NVIDIA_L4"],
    ),
    ("train train_script.py --param lr=1:0", ["--param lr=1:0", "LOW must be below"]),
    # launch()'s own checks, with the options its argument names stand for
    ("train train_script.py --trials 4", ["metric is needed", "metric is --metric"]),
    (
        "train train_script.py --trials 2 --parallel 4 --metric score",
        [
            "parallel_trials=4 is more than max_trials=2",
            "parallel_trials is --parallel",
        ],
    ),
    ("train train_script.py --name 'a b'", ["name must be letters", "name is --name"]),
    (
        "train train_script.py --backend vertex --machine n1-standard-8",
        ["image= is needed for Vertex AI", "image is --image"],
    ),
]


@pytest.mark.parametrize(("line", "words"), BAD_LINES, ids=lambda v: str(v))
def test_bad_input_is_a_short_usage_error(shell, line, words):
    shell.user_ns["number_var"] = 3
    with pytest.raises(UsageError) as info:
        run(shell, line)
    for word in words:
        assert word in str(info.value), str(info.value)
    assert train.JOB_VARIABLE not in shell.user_ns  # nothing was launched


# -- real local runs -----------------------------------------------------------------


def test_a_local_run_through_the_magic(shell, capsys):

    job = run(shell, "train train_script.py --no-widget -- --epochs=3 --depth=2")
    assert isinstance(job, TrainingJob)
    assert shell.user_ns[train.JOB_VARIABLE] is job
    assert "_mlnb_train_job" in capsys.readouterr().out  # the notebook is told
    assert job.backend == "local" and job.spec.kind == "script"
    assert job.spec.args == ("--epochs=3", "--depth=2")
    assert job.spec.name == "train_script"
    job.wait(timeout=120)
    assert job.state == "succeeded", job.logs()
    frame = job.metrics()
    got = frame[frame.metric == "score"].sort_values("step")
    params = {"lr": 0.1, "depth": 2}
    assert list(got["step"]) == [0, 1, 2]
    assert list(got["value"]) == pytest.approx(
        [expected_score(params, k) for k in range(3)]
    )
    assert "done" in job.logs(0)
    result = job.result()
    with open(f"{result.artifact_dir}/model.txt") as f:
        assert f.read() == "rbf"


def test_a_search_with_wait_shows_the_record(shell, require):
    require("optuna", "train")
    from mlnb.runtime.training.record import TrainingRun

    record = run(
        shell,
        "train train_script.py --trials 3 --parallel 2 --param lr=0.01:1:log "
        "depth=2:8 kernel=rbf,linear --param epochs=1 --metric score --wait "
        "--no-widget --name magic-search",
    )
    assert isinstance(record, TrainingRun)
    job = shell.user_ns[train.JOB_VARIABLE]
    assert job.done and job.state == "succeeded", job.logs()
    assert record.name == "magic-search"
    assert job.spec.hyperparameters == {
        "lr": Float(0.01, 1.0, log=True),
        "depth": Int(2, 8),
        "kernel": Choice(("rbf", "linear")),
        "epochs": Choice((1,)),
    }
    trials = job.trials()
    assert len(trials) == 3
    for t in trials:
        assert 0.01 <= t.params["lr"] <= 1 and 2 <= t.params["depth"] <= 8
        assert t.params["kernel"] in ("rbf", "linear")
        assert t.value == pytest.approx(expected_score(t.params, 0))
    best = max(trials, key=lambda t: (t.value, -t.number))
    assert job.result().trial == best.number
    assert record.best_value == pytest.approx(best.value)
    # published before wait() returns: the record is the session's newest
    assert session.checks("training")[-1]["created"] == record.created


@pytest.mark.parametrize("head", ["training", "3"])
def test_the_step_runs_its_train_command(shell, head):
    job = run(shell, f"{head} train_script.py --no-widget --name by-step")
    assert job.spec.name == "by-step"
    assert job.wait(timeout=120).state == "succeeded", job.logs()


def test_the_widget_watches_the_job(shell):
    pytest.importorskip("anywidget")
    from mlnb.widgets.training import TrainingLauncher

    view = run(shell, "train train_script.py")
    assert isinstance(view, TrainingLauncher)
    assert view.job is shell.user_ns[train.JOB_VARIABLE]
    view.job.wait(timeout=120)
    assert view.job.state == "succeeded"


def test_wait_shows_the_widget_then_the_record(shell, monkeypatch):
    pytest.importorskip("anywidget")
    from mlnb.runtime.training.record import TrainingRun
    from mlnb.widgets.training import TrainingLauncher

    shown = []
    monkeypatch.setattr(M.MLCheckMagics, "display", lambda self, obj: shown.append(obj))
    record = run(shell, "train train_script.py --wait")
    assert len(shown) == 1 and isinstance(shown[0], TrainingLauncher)
    assert isinstance(record, TrainingRun) and record.job_state == "succeeded"


def test_a_notebook_function_runs_as_the_script(shell, require):
    require("cloudpickle", "train")
    shell.run_cell(
        "def fit(lr=0.5, depth=4):\n"
        "    from mlnb.runtime.training import report\n"
        "    report(step=0, score=lr * depth)\n"
    )
    job = run(shell, "train fit --no-widget --param lr=0.25")
    assert job.spec.kind == "callable" and job.spec.name == "fit"
    job.wait(timeout=120)
    assert job.state == "succeeded", job.logs()
    assert job.trials()[0].metrics["score"] == pytest.approx(0.25 * 4)


# -- Vertex AI options ---------------------------------------------------------------

VERTEX_LINE = (
    "train train_script.py --backend vertex --machine n1-standard-8 "
    "--accelerator nvidia-tesla-t4 --count 2 --replicas 1 --trials 4 --parallel 2 "
    "--param lr=1e-4:1e-1:log depth=2:8 kernel=rbf,linear seed=0 --metric score "
    "--goal minimize --image example.test/training/sklearn-cpu:1.0 "
    "--requirements pandas scikit-learn --name adult-hp --timeout 600 --project p "
    "--region us-central1 --bucket gs://b --no-widget -- --epochs=2"
)


def test_vertex_options_reach_the_launch_request(shell, monkeypatch):
    """Every option lands in the LaunchSpec the Vertex backend is handed."""
    from mlnb.checks import adapters

    handed = []

    def fake_adapter(module, name):
        assert (module, name) == ("vertex_training", "start")

        def start(spec):
            handed.append(spec)
            return _not_sent(spec)

        return start

    monkeypatch.setattr(adapters, "adapter", fake_adapter)
    job = run(shell, VERTEX_LINE)
    (spec,) = handed
    assert job.spec is spec and job.backend == "vertex"
    assert spec.backend == "vertex"
    assert spec.target == str(
        (shell.user_ns.get("__cwd__") or _cwd()) / "train_script.py"
    )
    assert (spec.machine_type, spec.accelerator_type, spec.accelerator_count) == (
        "n1-standard-8",
        "NVIDIA_TESLA_T4",
        2,
    )
    assert spec.replica_count == 1
    assert (spec.max_trials, spec.parallel_trials) == (4, 2)
    assert spec.hyperparameters == {
        "lr": Float(0.0001, 0.1, log=True),
        "depth": Int(2, 8),
        "kernel": Choice(("rbf", "linear")),
        "seed": Choice((0,)),
    }
    assert (spec.metric, spec.goal) == ("score", "minimize")
    assert spec.image == "example.test/training/sklearn-cpu:1.0"
    assert spec.requirements == ("pandas", "scikit-learn")
    assert spec.name == "adult-hp" and spec.timeout == 600.0
    assert (spec.project, spec.location, spec.staging_bucket) == (
        "p",
        "us-central1",
        "gs://b",
    )
    assert spec.args == ("--epochs=2",)


class _NotSent(TrainingJob):
    """What the stand-in Vertex backend returns: a job that never leaves here."""

    def cancel(self) -> None:
        self._finish("cancelled")


def _not_sent(spec):
    return _NotSent(spec, backend="vertex")


def _cwd():
    from pathlib import Path

    return Path.cwd().resolve()


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (
            "--machine n1-standard-8 --accelerator NVIDIA_L4",
            ["NVIDIA_L4 is not offered on machine_type 'n1-standard-8'", "g2-"],
        ),
        (
            "--machine n1-standard-8 --accelerator NVIDIA_TESLA_T4 --count 3",
            ["accelerator_count=3 is not allowed", "allowed: 1, 2, 4"],
        ),
        ("--machine n9-huge", ["'n9-huge' is not a Vertex AI training machine type"]),
    ],
)
def test_vertex_combinations_are_checked_before_anything_is_sent(
    shell, monkeypatch, options, words
):
    from mlnb.checks import adapters

    monkeypatch.setattr(adapters, "adapter", lambda *a: pytest.fail("sent"))
    with pytest.raises(UsageError) as info:
        run(shell, f"train train_script.py --backend vertex {options}")
    for word in words:
        assert word in str(info.value), str(info.value)


def test_a_fixed_machine_gets_its_own_accelerator_count(shell, monkeypatch):
    from mlnb.checks import adapters

    monkeypatch.setattr(adapters, "adapter", lambda *a: _not_sent)
    job = run(
        shell,
        "train train_script.py --backend vertex --machine g2-standard-24 "
        "--accelerator NVIDIA_L4 --image img --no-widget",
    )
    assert (job.spec.accelerator_type, job.spec.accelerator_count) == ("NVIDIA_L4", 2)


def test_vertex_options_reach_vertex_ai(shell, vertex_sdk, vertex_server, monkeypatch):
    """Through the real SDK against the local Vertex AI server: the tuning job it
    creates carries the machine, accelerators, study and trial counts typed (the
    SDK's own enums are the oracle for the integers on the wire)."""
    vertex_training = pytest.importorskip("mlnb.integrations.vertex_training")
    from google.cloud.aiplatform_v1.types import accelerator_type, study

    monkeypatch.setattr(vertex_training, "POLL_INTERVAL", 0.01)
    from vertexserver import prebuilt_training_image

    line = VERTEX_LINE.replace("--no-widget", "--no-widget --wait").replace(
        "example.test/training/sklearn-cpu:1.0", prebuilt_training_image()
    )
    record = run(shell, line)
    job = shell.user_ns[train.JOB_VARIABLE]
    assert job.backend == "vertex" and job.state == "succeeded", job.error
    assert record.job_state == "succeeded"
    (body,) = vertex_server.created("hyperparameterTuningJobs")
    assert body["displayName"] == "adult-hp"
    assert (body["maxTrialCount"], body["parallelTrialCount"]) == (4, 2)
    spec = body["studySpec"]
    minimize = study.StudySpec.MetricSpec.GoalType.MINIMIZE.value
    assert spec["metrics"] == [{"metricId": "score", "goal": minimize}]
    scale = study.StudySpec.ParameterSpec.ScaleType
    params = {p["parameterId"]: p for p in spec["parameters"]}
    assert list(params) == ["lr", "depth", "kernel"]  # seed is fixed: an argument
    assert params["lr"]["doubleValueSpec"] == {"minValue": 0.0001, "maxValue": 0.1}
    assert params["lr"]["scaleType"] == scale.UNIT_LOG_SCALE.value
    assert params["depth"]["integerValueSpec"] == {"minValue": "2", "maxValue": "8"}
    assert params["depth"]["scaleType"] == scale.UNIT_LINEAR_SCALE.value
    assert params["kernel"]["categoricalValueSpec"] == {"values": ["rbf", "linear"]}
    (pool,) = body["trialJobSpec"]["workerPoolSpecs"]
    assert pool["machineSpec"] == {
        "machineType": "n1-standard-8",
        "acceleratorType": accelerator_type.AcceleratorType.NVIDIA_TESLA_T4.value,
        "acceleratorCount": 2,
    }
    assert pool["replicaCount"] == "1"
    package = pool["pythonPackageSpec"]
    assert package["executorImageUri"] == prebuilt_training_image()
    assert package["args"] == ["--epochs=2", "--seed=0"]
    assert body["trialJobSpec"]["scheduling"]["timeout"] == "600s"
    paths = {r.path for r in vertex_server.requests if r.method == "POST"}
    assert any(
        "projects/p/locations/us-central1/hyperparameterTuningJobs" in p for p in paths
    ), paths


# -- GPUs ------------------------------------------------------------------------------

GPU_SCRIPT = """\
import os, time
from mlnb.runtime.training import params, report

params({"seed": 0})
time.sleep(0.3)
print("CVD=" + os.environ["CUDA_VISIBLE_DEVICES"], flush=True)
report(gpus=float(len([d for d in os.environ["CUDA_VISIBLE_DEVICES"].split(",") if d])))
"""


def test_count_gives_each_local_trial_its_own_gpu(shell, monkeypatch, require):
    """The local GPU path without GPUs: the ids come from CUDA_VISIBLE_DEVICES."""
    require("optuna", "train")
    from mlnb.runtime.training import local

    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3,5")
    monkeypatch.setattr(local, "_gpu_cache", [])
    (_cwd() / "gpu.py").write_text(GPU_SCRIPT)
    job = run(
        shell,
        "train gpu.py --accelerator NVIDIA_TESLA_T4 --trials 2 --parallel 2 "
        "--param seed=0,1 --metric gpus --no-widget",
    )
    assert job.spec.accelerator_count == 1  # --accelerator alone: one per trial
    job.wait(timeout=120)
    assert job.state == "succeeded", job.logs()
    seen = [job.logs(t.number).split("CVD=")[1].strip() for t in job.trials()]
    assert set(seen) <= {"3", "5"}
    assert [t.devices for t in job.trials()] == [(f"cuda:{s}",) for s in seen]
    assert all(t.value == 1.0 for t in job.trials())


def test_a_real_gpu_is_handed_to_the_trial(shell, monkeypatch):
    """Where this machine has an NVIDIA GPU (never in CI): --count 1 runs the trial
    on one of them."""
    from mlnb.runtime.training import local

    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.setattr(local, "_gpu_cache", [])
    gpus = local.visible_gpus()
    if not gpus:
        pytest.skip("no NVIDIA GPU on this machine")
    (_cwd() / "gpu.py").write_text(GPU_SCRIPT)
    job = run(shell, "train gpu.py --count 1 --metric gpus --no-widget")
    job.wait(timeout=120)
    assert job.state == "succeeded", job.logs()
    (trial,) = job.trials()
    assert trial.value == 1.0
    assert trial.devices[0].removeprefix("cuda:") in gpus
