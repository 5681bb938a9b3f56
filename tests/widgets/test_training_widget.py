"""TrainingLauncher without a browser: the form offers exactly the catalog's valid
combinations, the form becomes the keyword arguments of ``mlnb.train.launch``,
job events become traits pushed at most ~4 times a second, Cancel, launch errors
shown in the widget, and every piece of untrusted text escaped.

A job is faked with the real :class:`~mlnb.runtime.training.job.TrainingJob` base
class (its own event helpers), so the events are the ones backends emit; a real
local job runs in ``test_real_local_search`` once the local backend is there.
The real rendering is checked in Chromium by tests/ui/test_training_launcher_ui.py.
"""

from __future__ import annotations

import importlib
import sys
import threading
import time
import types

import pytest
from widgetkit import (
    EVIL,
    assert_nbconvert_shows_static_fallback,
    assert_view_code_is_safe,
    browser_sets,
)

pytest.importorskip("anywidget")

from mlnb.errors import MlnbValueError  # noqa: E402
from mlnb.runtime.training import vertex_catalog  # noqa: E402
from mlnb.runtime.training.job import TrainingJob, Trial  # noqa: E402
from mlnb.runtime.training.space import Choice, Float, Int  # noqa: E402
from mlnb.runtime.training.spec import LaunchSpec  # noqa: E402
from mlnb.widgets import training as T  # noqa: E402
from mlnb.widgets.training import LOG_TAIL, MAX_POINTS, TrainingLauncher  # noqa: E402

REAL_LOCAL_GPUS = T._local_gpus


class FakeJob(TrainingJob):
    """A job driven by the test through the base class's own helpers."""

    backend = "local"

    def __init__(self, spec: LaunchSpec) -> None:
        super().__init__(spec)
        self.cancelled = 0

    def cancel(self) -> None:
        self.cancelled += 1
        self._set_state("cancelling")
        for t in self.trials():
            if t.state == "running":
                self._replace_trial(t.number, state="cancelled", ended=time.time())
        self._finish("cancelled")


def spec(**kw) -> LaunchSpec:
    base = {
        "target": "/tmp/train.py",
        "kind": "script",
        "backend": "local",
        "name": "train",
        "metric": "acc",
        "goal": "maximize",
        "max_trials": 3,
        "parallel_trials": 1,
        "hyperparameters": {"lr": Float(1e-3, 1e-1, log=True)},
    }
    base.update(kw)
    return LaunchSpec(**base)


def run_trial(job: FakeJob, n: int, values: list[float], lr: float = 0.01) -> None:
    t0 = time.time()
    job._update_trial(Trial(number=n, params={"lr": lr}, state="running", started=t0))
    for step, v in enumerate(values):
        job._emit_log(n, [f"step {step} acc={v}"])
        job._emit_metric(n, step, {"acc": v, "loss": 1 - v}, time.time())
    job._replace_trial(n, state="succeeded", ended=t0 + 1.0, exit_code=0)


@pytest.fixture(autouse=True)
def no_gpu(monkeypatch):
    """The widget asks this machine for GPUs; tests say which it has."""
    monkeypatch.setattr(T, "_local_gpus", lambda: [])


@pytest.fixture
def fake_launch(monkeypatch):
    """Replace mlnb.runtime.training.launch with a recorder returning FakeJobs."""
    calls: list[tuple] = []
    jobs: list[FakeJob] = []

    def launch(target, **kwargs):
        calls.append((target, kwargs))
        if kwargs.get("_raise"):
            raise kwargs["_raise"]
        job = FakeJob(spec(metric=kwargs.get("metric"), goal=kwargs["goal"]))
        jobs.append(job)
        return job

    module = types.ModuleType("mlnb.runtime.training.launch")
    module.launch = launch
    monkeypatch.setitem(sys.modules, "mlnb.runtime.training.launch", module)
    return types.SimpleNamespace(calls=calls, jobs=jobs)


def custom(w, content):
    """A custom message from the view (Launch and Cancel buttons)."""
    w._handle_msg(
        {
            "content": {"data": {"method": "custom", "content": content}},
            "buffers": [],
        }
    )


# -- the form: only valid combinations -----------------------------------------------
def test_vertex_options_are_the_catalog():
    w = TrainingLauncher("train.py", backend="vertex")
    machines = w.options["vertex"]["machines"]
    assert list(machines) == list(vertex_catalog.machine_types())
    for m, offered in machines.items():
        expect = vertex_catalog.valid_accelerators(m)
        assert offered == {a: list(c) for a, c in expect.items()}
    # every offered combination passes the catalog's own check
    for m, offered in machines.items():
        for accel, counts in offered.items():
            for n in counts:
                assert vertex_catalog.check_accelerator(m, accel, n) == (m, accel, n)
    assert w.form["machine_type"] == "n1-standard-4"


def test_local_options_are_this_machines_gpus(monkeypatch):
    assert TrainingLauncher("t.py").options["local"] == {"gpus": [], "counts": [0]}
    gpus = [
        {"index": 0, "name": "NVIDIA H200", "memory_mib": 143771.0},
        {"index": 1, "name": "NVIDIA H200", "memory_mib": 143771.0},
    ]
    monkeypatch.setattr(T, "_local_gpus", lambda: gpus)
    w = TrainingLauncher("t.py", accelerator_count=2)
    assert w.options["local"] == {"gpus": gpus, "counts": [0, 1, 2]}
    assert w.launch_kwargs()[1]["accelerator_count"] == 2


def test_local_gpus_come_from_accelerators(monkeypatch):
    A = importlib.import_module("mlnb.runtime.training.accelerators")
    fake = A.Accelerators(
        step="training",
        status="info",
        summary="one GPU",
        gpus=(A.GPU(index=0, name="Tesla T4", memory_total_mib=15360.0),),
        source="nvml",
    )
    monkeypatch.setattr(A, "accelerators", lambda **kw: fake)
    assert REAL_LOCAL_GPUS() == [
        {"index": 0, "name": "Tesla T4", "memory_mib": 15360.0}
    ]


@pytest.mark.parametrize(
    "change, words",
    [
        ({"machine_type": "n1-standard-4", "accelerator_type": "NVIDIA_L4"}, "takes"),
        (
            {
                "machine_type": "n1-standard-32",
                "accelerator_type": "NVIDIA_TESLA_T4",
                "accelerator_count": 1,
            },
            "[2, 4]",
        ),
        ({"machine_type": "x1-giant"}, "not a Vertex AI"),
        ({"goal": "best"}, "goal"),
        ({"backend": "cloud"}, "backend"),
    ],
)
def test_form_refuses_invalid_combinations(change, words):
    w = TrainingLauncher("train.py", backend="vertex")
    before = dict(w.form)
    browser_sets(w, form={**before, **change})
    assert w.form == before
    assert words in w.error


def test_local_form_refuses_more_gpus_than_there_are():
    w = TrainingLauncher("train.py")
    browser_sets(w, form={**w.form, "accelerator_count": 1})
    assert w.form["accelerator_count"] == 0
    assert "0 GPU" in w.error


# -- form -> launch kwargs ------------------------------------------------------------
def test_form_to_launch_kwargs_vertex():
    w = TrainingLauncher("train.py", backend="vertex", args=("--epochs=3",))
    form = {
        **w.form,
        "machine_type": "n1-standard-8",
        "accelerator_type": "NVIDIA_TESLA_T4",
        "accelerator_count": 2,
        "project": "my-project",
        "location": "europe-west4",
        "staging_bucket": "gs://bucket",
        "image": "example.test/train:1",
        "metric": "auc",
        "goal": "maximize",
        "max_trials": 8,
        "parallel_trials": 2,
        "hyperparameters": [
            {"name": "lr", "kind": "float", "low": "1e-4", "high": "0.1", "log": True},
            {"name": "depth", "kind": "int", "low": "2", "high": "8", "log": False},
            {"name": "opt", "kind": "choice", "values": "adam, sgd, 3, 0.5, true"},
        ],
    }
    browser_sets(w, form=form)
    assert w.error == ""
    target, kw = w.launch_kwargs()
    assert target == "train.py"
    assert kw == {
        "args": ("--epochs=3",),
        "backend": "vertex",
        "machine_type": "n1-standard-8",
        "accelerator_type": "NVIDIA_TESLA_T4",
        "accelerator_count": 2,
        "project": "my-project",
        "location": "europe-west4",
        "staging_bucket": "gs://bucket",
        "image": "example.test/train:1",
        "metric": "auc",
        "goal": "maximize",
        "max_trials": 8,
        "parallel_trials": 2,
        "hyperparameters": {
            "lr": Float(1e-4, 0.1, log=True),
            "depth": Int(2, 8),
            "opt": Choice(("adam", "sgd", 3, 0.5, True)),
        },
    }


def test_form_to_launch_kwargs_local_drops_vertex_fields():
    w = TrainingLauncher(
        "train.py", metric="loss", goal="minimize", project="p", machine_type="x"
    )
    target, kw = w.launch_kwargs()
    assert kw == {
        "backend": "local",
        "hyperparameters": None,
        "metric": "loss",
        "goal": "minimize",
        "max_trials": 1,
        "parallel_trials": 1,
        "accelerator_count": 0,
    }


def test_constructor_hyperparameters_become_rows():
    w = TrainingLauncher(
        "train.py",
        hyperparameters={"lr": Float(1e-4, 1e-1, log=True), "n": (1, 9), "k": ["a"]},
    )
    rows = w.form["hyperparameters"]
    assert [r["name"] for r in rows] == ["lr", "n", "k"]
    assert rows[0] == {
        "name": "lr",
        "kind": "float",
        "low": "0.0001",
        "high": "0.1",
        "log": True,
        "values": "",
    }
    assert rows[1]["kind"] == "int" and rows[2]["values"] == "a"
    # and back: the same space
    assert w.search_space() == {
        "lr": Float(1e-4, 1e-1, log=True),
        "n": Int(1, 9),
        "k": Choice(("a",)),
    }


def test_callable_target_is_passed_as_the_function():
    def train_fn():  # pragma: no cover - never run here
        pass

    w = TrainingLauncher(train_fn)
    assert w.form["target"].endswith(
        ":test_callable_target_is_passed_as_the_function.<locals>.train_fn"
    )
    assert w.launch_kwargs()[0] is train_fn


@pytest.mark.parametrize(
    "row, words",
    [
        ({"name": "", "kind": "float", "low": "1", "high": "2"}, "no name"),
        (
            {"name": "lr", "kind": "float", "low": "x", "high": "2"},
            "low must be a number",
        ),
        ({"name": "n", "kind": "int", "low": "1.5", "high": "2"}, "whole number"),
        ({"name": "opt", "kind": "choice", "values": " , "}, "needs values"),
    ],
)
def test_bad_rows_are_named(row, words):
    w = TrainingLauncher("train.py")
    browser_sets(w, form={**w.form, "hyperparameters": [row]})
    with pytest.raises(MlnbValueError, match="hyperparameter row 1") as e:
        w.launch_kwargs()
    assert words in str(e.value)


# -- launching ------------------------------------------------------------------------
def test_launch_button_calls_launch_and_watches(fake_launch):
    w = TrainingLauncher("train.py", metric="acc", max_trials=3)
    custom(w, {"action": "launch"})
    assert len(fake_launch.calls) == 1
    target, kw = fake_launch.calls[0]
    assert target == "train.py" and kw["metric"] == "acc" and kw["max_trials"] == 3
    assert w.job is fake_launch.jobs[0]
    assert w.error == "" and w.launching is False
    assert w.job_info["name"] == "train" and w.job_info["backend"] == "local"
    # a second launch while the job runs is refused, in the widget
    custom(w, {"action": "launch"})
    assert len(fake_launch.calls) == 1
    assert "still running" in w.error


def test_launch_errors_show_in_the_widget_which_stays(fake_launch):
    w = TrainingLauncher(
        "missing.py",
        _raise=MlnbValueError("target 'missing.py' does not exist — check the path"),
    )
    assert w.launch() is None
    assert w.error == "target 'missing.py' does not exist — check the path"
    assert w.job is None and w.launching is False
    w2 = TrainingLauncher("t.py", _raise=RuntimeError("boom"))
    custom(w2, {"action": "launch"})
    assert w2.error == "RuntimeError: boom"
    # an empty target is refused before launch is called
    w3 = TrainingLauncher()
    custom(w3, {"action": "launch"})
    assert "target is empty" in w3.error
    assert len(fake_launch.calls) == 2
    # after fixing the form it launches
    browser_sets(w3, form={**w3.form, "target": "ok.py"})
    custom(w3, {"action": "launch"})
    assert w3.job is not None and w3.error == ""


def test_cancel(fake_launch):
    w = TrainingLauncher("train.py", metric="acc")
    job = w.launch()
    job._set_state("running")
    job._update_trial(Trial(number=0, params={}, state="running", started=time.time()))
    custom(w, {"action": "cancel"})
    assert job.cancelled == 1 and job.state == "cancelled"
    w.flush()
    assert w.state == "cancelled"
    assert [e["state"] for e in w.timeline if e["trial"] is None] == [
        "queued",
        "running",
        "cancelling",
        "cancelled",
    ]
    assert w.trials[0]["state"] == "cancelled"
    # cancel without a job says so
    w2 = TrainingLauncher("t.py")
    w2.cancel()
    assert "no job to cancel" in w2.error


# -- events -> state, throttled -------------------------------------------------------
def test_events_become_state_and_best_is_highlighted():
    job = FakeJob(spec())
    w = TrainingLauncher(job=job, push_interval=0.05)
    job._set_state("running")
    run_trial(job, 0, [0.5, 0.6, 0.7], lr=0.01)
    run_trial(job, 1, [0.55, 0.8, 0.9], lr=0.05)
    run_trial(job, 2, [0.4, 0.5], lr=0.001)
    job._finish("succeeded")
    w.flush()
    assert w.state == "succeeded"
    assert [t["state"] for t in w.trials] == ["succeeded"] * 3
    assert [t["value"] for t in w.trials] == [0.7, 0.9, 0.5]
    assert w.line_counts == {"0": 3, "1": 3, "2": 2}
    s = w.series
    assert s["metric"] == "acc" and s["objective"] == "acc"
    assert s["metrics"] == ["acc", "loss"]
    assert s["best"] == 1  # max of the last values
    assert s["lines"][1]["points"] == [[0.0, 0.55], [1.0, 0.8], [2.0, 0.9]]
    # the timeline has the job's and every trial's state changes, in order
    assert [e["state"] for e in w.timeline if e["trial"] is None] == [
        "queued",
        "running",
        "succeeded",
    ]
    assert [(e["trial"], e["state"]) for e in w.timeline if e["trial"] == 2] == [
        (2, "running"),
        (2, "succeeded"),
    ]
    # another metric on the chart; the best stays the objective's
    browser_sets(w, chart_metric="loss")
    assert w.series["metric"] == "loss" and w.series["best"] == 1
    assert w.series["lines"][0]["points"][0] == [0.0, 0.5]


def test_best_for_minimize_and_ties_lowest_number():
    job = FakeJob(spec(metric="loss", goal="minimize"))
    w = TrainingLauncher(job=job)
    job._set_state("running")
    for n, v in enumerate([0.3, 0.2, 0.2]):
        job._update_trial(Trial(number=n, params={}, state="running"))
        job._emit_metric(n, None, {"loss": v}, time.time())
    w.flush()
    assert w.series["best"] == 1
    # steps missing: the report's position
    assert w.series["lines"][0]["points"] == [[0.0, 0.3]]


def test_pushes_are_throttled_and_logs_bounded():
    """Eight trials streaming 2,000 lines each, as fast as they can: the browser
    gets at most one push per interval, and only the last LOG_TAIL lines."""
    job = FakeJob(spec(max_trials=8, parallel_trials=8))
    w = TrainingLauncher(job=job, push_interval=0.1)
    sent: list[dict] = []
    times: list[float] = []

    def send(msg, buffers=None):
        sent.append(msg)
        times.append(time.monotonic())

    w._send = send
    job._set_state("running")
    for n in range(8):
        job._update_trial(Trial(number=n, params={"lr": n}, state="running"))
    start = time.monotonic()

    def stream(n):  # 2,000 lines in 20 bursts over about a second
        for b in range(20):
            job._emit_log(
                n, [f"trial {n} line {b * 100 + i} {EVIL}" for i in range(100)]
            )
            job._emit_metric(n, b, {"acc": b / 20}, time.time())
            time.sleep(0.05)

    threads = [threading.Thread(target=stream, args=(n,)) for n in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.monotonic() - start
    time.sleep(0.25)  # the last scheduled push
    pushes = [m for m in sent if m["method"] == "update"]
    assert len(pushes) == w.push_count - 1  # one update message per push (1: at watch)
    assert 3 <= w.push_count <= elapsed / 0.1 + 3
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps) >= 0.1 * 0.9, gaps
    assert len(w.log_lines) == LOG_TAIL
    assert w.log_note == f"last {LOG_TAIL} of 16,000 lines · all trials"
    assert w.line_counts == {str(n): 2000 for n in range(8)}
    # one trial's tail
    browser_sets(w, log_trial=3)
    assert w.log_lines[-1] == f"trial 3 line 1999 {EVIL}"
    assert len(w.log_lines) == LOG_TAIL
    assert w.log_note == f"last {LOG_TAIL} of 2,000 lines · trial 3"


def test_chart_points_are_thinned():
    job = FakeJob(spec())
    w = TrainingLauncher(job=job)
    job._update_trial(Trial(number=0, params={}, state="running"))
    for i in range(5000):
        job._emit_metric(0, i, {"acc": i / 5000}, 0.0)
    w.flush()
    line = w.series["lines"][0]
    assert len(line["points"]) == MAX_POINTS
    assert line["points"][0] == [0.0, 0.0] and line["points"][-1] == [4999.0, 0.9998]


def test_long_log_lines_are_cut():
    job = FakeJob(spec())
    w = TrainingLauncher(job=job)
    job._emit_log(0, ["x" * 50_000])
    w.flush()
    assert len(w.log_lines[0]) == T.MAX_LINE and w.log_lines[0].endswith("…")


def test_a_push_failing_never_stops_the_job():
    """The widget's callback runs on the job's thread: it only buffers."""
    job = FakeJob(spec())
    w = TrainingLauncher(job=job, push_interval=10.0)
    t0 = time.perf_counter()
    for i in range(20_000):
        job._emit_log(0, [f"line {i}"])
    per_line = (time.perf_counter() - t0) / 20_000
    assert per_line < 2e-4  # buffering only: no push per line
    assert w.push_count == 1  # the first push when it started watching


# -- watching an existing job ---------------------------------------------------------
def test_watch_a_finished_job():
    job = FakeJob(spec())
    job._set_state("running")
    run_trial(job, 0, [0.1, 0.3])
    run_trial(job, 1, [0.2, 0.25])
    job._finish("succeeded")
    w = TrainingLauncher(job=job)
    assert w.state == "succeeded"
    assert [t["number"] for t in w.trials] == [0, 1]
    assert w.series["best"] == 0
    assert w.series["lines"][0]["points"] == [[0.0, 0.1], [1.0, 0.3]]
    assert w.log_lines == [
        "[0] step 0 acc=0.1",
        "[0] step 1 acc=0.3",
        "[1] step 0 acc=0.2",
        "[1] step 1 acc=0.25",
    ]
    assert w.timeline[-1]["state"] == "succeeded"


# -- escaping, static fallback --------------------------------------------------------
def test_view_code_is_safe():
    assert_view_code_is_safe(TrainingLauncher, "training", "mlnb-tl-card")


def test_static_fallback_escapes_everything():
    job = FakeJob(spec(name=EVIL, target=f"/tmp/{EVIL}.py", args=(EVIL,)))
    w = TrainingLauncher(job=job)
    job._set_state("running")
    job._update_trial(
        Trial(number=0, params={"opt": EVIL}, state="running", started=1.0)
    )
    job._emit_log(0, [EVIL])
    job._emit_metric(0, 1, {"acc": 0.5}, 1.0)
    job._replace_trial(0, state="succeeded", ended=2.0)
    job._finish("succeeded")
    w.flush()
    data, _ = w._repr_mimebundle_()
    html = data["text/html"]
    assert "<img src=x" not in html and "&lt;img src=x" in html
    assert "static snapshot" in html and "image/png" in data
    assert "application/vnd.jupyter.widget-view+json" in data
    assert w.log_lines == [EVIL]  # the view sets it as text


def test_static_fallback_before_launch_and_nbconvert():
    w = TrainingLauncher("train.py", hyperparameters={"lr": (0.001, 0.1, "log")})
    data, _ = w._repr_mimebundle_()
    assert "Not launched yet" in data["text/html"]
    assert "image/png" not in data
    assert "application/vnd.mlnb.check+json" not in data
    assert_nbconvert_shows_static_fallback(w)


def test_bad_constructor_arguments():
    with pytest.raises(MlnbValueError, match="backend must be one of"):
        TrainingLauncher("t.py", backend="gcp")
    with pytest.raises(MlnbValueError, match="goal must be"):
        TrainingLauncher("t.py", goal="up")


# -- a real local job (the local backend) ---------------------------------------------
SCRIPT = """\
import mlnb.runtime.training as tr
p = tr.params({"lr": 0.1})
for step in range(3):
    print(f"step {step} lr={p['lr']}", flush=True)
    tr.report(step=step, acc=p["lr"] * (step + 1))
"""


def test_real_local_search(tmp_path):
    launch_mod = pytest.importorskip("mlnb.runtime.training.launch")
    pytest.importorskip("optuna")
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    w = TrainingLauncher(
        str(script),
        hyperparameters={"lr": Choice((0.1, 0.2, 0.3))},
        metric="acc",
        max_trials=3,
        parallel_trials=3,
        run_dir=str(tmp_path / "runs"),
        publish=False,
        push_interval=0.05,
    )
    job = w.launch()
    assert w.error == "", w.error
    assert launch_mod is not None and job is not None
    job.wait(timeout=120)
    time.sleep(0.2)
    w.flush()
    assert w.state == "succeeded"
    assert sorted(t["state"] for t in w.trials) == ["succeeded"] * 3
    best = w.series["best"]
    lr = {t["number"]: t["params"]["lr"] for t in w.trials}
    assert lr[best] == max(lr.values())
    assert {line["trial"] for line in w.series["lines"]} == {0, 1, 2}
    assert any("step 2" in s for s in w.log_lines)


def test_job_level_log_lines_and_lines_before_watching():
    job = FakeJob(spec())
    job._set_state("running")
    job._update_trial(Trial(number=0, params={}, state="running"))
    job._emit_log(0, ["early line"])  # before the widget watches
    w = TrainingLauncher(job=job)
    job._emit_log(None, ["job: starting trial 1"])
    job._update_trial(Trial(number=1, params={}, state="running"))
    job._emit_log(1, ["late line"])
    w.flush()
    assert w.log_lines == ["[0] early line", "job: starting trial 1", "[1] late line"]
    browser_sets(w, log_trial=0)
    assert w.log_lines == ["early line"]


FAILING = """\
import sys
print("loading data", flush=True)
print("<script>alert(1)</script>", flush=True)
sys.exit(3)
"""


def test_real_failing_script_shows_exit_code_and_log(tmp_path):
    pytest.importorskip("mlnb.runtime.training.launch")
    script = tmp_path / "fail.py"
    script.write_text(FAILING)
    w = TrainingLauncher(
        str(script), run_dir=str(tmp_path / "runs"), publish=False, push_interval=0.05
    )
    job = w.launch()
    job.wait(timeout=60)
    time.sleep(0.2)
    w.flush()
    assert w.state == "failed"
    assert w.trials[0]["state"] == "failed" and w.trials[0]["exit_code"] == 3
    assert w.job_error == (job.error or "")
    assert w.log_lines[-2:] == ["loading data", "<script>alert(1)</script>"]
    html = w._repr_mimebundle_()[0]["text/html"]
    assert "<script>" not in html


def test_real_job_bundle_carries_the_step_3_record(tmp_path):
    pytest.importorskip("mlnb.runtime.training.launch")
    from mlnb.checklist.result import MIME_TYPE

    script = tmp_path / "ok.py"
    script.write_text(
        "import mlnb.runtime.training as tr\ntr.report(step=0, acc=0.5)\n"
    )
    w = TrainingLauncher(
        str(script), metric="acc", run_dir=str(tmp_path / "runs"), publish=False
    )
    assert MIME_TYPE not in w._repr_mimebundle_()[0]  # nothing run, nothing said
    job = w.launch()
    job.wait(timeout=60)
    data, _ = w._repr_mimebundle_()
    assert data[MIME_TYPE]["step"] == "training"
    assert data[MIME_TYPE] == job.record().record()


def test_chart_shows_the_best_running_and_latest_of_many_trials():
    job = FakeJob(spec(max_trials=60, parallel_trials=2))
    w = TrainingLauncher(job=job)
    job._set_state("running")
    for n in range(60):
        job._update_trial(Trial(number=n, params={}, state="running"))
        job._emit_metric(n, 0, {"acc": 0.99 if n == 7 else n / 100}, 0.0)
        if n not in (3, 4):
            job._replace_trial(n, state="succeeded")
    w.flush()
    s = w.series
    assert s["n_trials"] == 60 and s["best"] == 7
    shown = [line["trial"] for line in s["lines"]]
    assert len(shown) == T.MAX_LINES
    assert {3, 4, 7} <= set(shown)  # running and best
    assert set(shown) - {3, 4, 7} == set(range(43, 60))  # then the latest


def test_close_stops_following_the_job():
    job = FakeJob(spec())
    w = TrainingLauncher(job=job)
    pushes = w.push_count
    w.close()
    job._emit_log(0, ["after close"])
    time.sleep(0.4)
    assert w.push_count == pushes
    assert not job._subscribers


def test_real_gpu_trial_where_there_is_one(tmp_path, monkeypatch):
    """Where this machine has a CUDA GPU: the form offers it, and a trial launched
    with one GPU sees it (CI has none: skipped there)."""
    pytest.importorskip("mlnb.runtime.training.launch")
    monkeypatch.setattr(T, "_local_gpus", REAL_LOCAL_GPUS)
    gpus = REAL_LOCAL_GPUS()
    if not gpus:
        pytest.skip("no CUDA GPU on this machine")
    script = tmp_path / "gpu.py"
    script.write_text(
        "import os\nprint('visible', os.environ['CUDA_VISIBLE_DEVICES'], flush=True)\n"
    )
    w = TrainingLauncher(
        str(script), run_dir=str(tmp_path / "runs"), publish=False, push_interval=0.05
    )
    assert w.options["local"]["counts"] == list(range(len(gpus) + 1))
    browser_sets(w, form={**w.form, "accelerator_count": 1})
    assert w.error == "" and w.form["accelerator_count"] == 1
    job = w.launch()
    assert w.error == "", w.error
    job.wait(timeout=120)
    time.sleep(0.2)
    w.flush()
    assert w.state == "succeeded"
    assert w.trials[0]["devices"][0].startswith("cuda:")
    visible = next(s for s in w.log_lines if s.startswith("visible"))
    assert visible.strip() != "visible"  # CUDA_VISIBLE_DEVICES names the GPU


def test_watching_a_job_fills_the_form_from_its_spec():
    job = FakeJob(
        spec(
            backend="vertex",
            machine_type="n1-standard-8",
            accelerator_type="NVIDIA_TESLA_T4",
            accelerator_count=2,
            project="p",
            max_trials=6,
            parallel_trials=3,
            hyperparameters={"lr": Float(1e-3, 1e-1, log=True), "opt": Choice(("a",))},
        )
    )
    w = TrainingLauncher(job=job)
    f = w.form
    assert (f["target"], f["backend"], f["machine_type"]) == (
        "/tmp/train.py",
        "vertex",
        "n1-standard-8",
    )
    assert (f["accelerator_type"], f["accelerator_count"], f["project"]) == (
        "NVIDIA_TESLA_T4",
        2,
        "p",
    )
    assert (f["metric"], f["max_trials"], f["parallel_trials"]) == ("acc", 6, 3)
    assert [r["name"] for r in f["hyperparameters"]] == ["lr", "opt"]
    target, kw = w.launch_kwargs()
    assert target == "/tmp/train.py"
    assert kw["hyperparameters"] == job.spec.hyperparameters
    assert kw["accelerator_type"] == "NVIDIA_TESLA_T4" and kw["project"] == "p"
