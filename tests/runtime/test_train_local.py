"""The local backend with real subprocess trainings: metrics and parameters travel
both ways, trials run in parallel, cancelling leaves no process, failures carry
their exit code and log tail, callables run as trials."""

from __future__ import annotations

import json
import os
import sys
import textwrap
import threading
import time

import pytest
from train_helpers import alive, metrics_lines, write_script

from mlnb.errors import MlnbValueError, TrainingError
from mlnb.runtime import training as train
from mlnb.runtime.training import TrainingFailed, local

SKLEARN_SCRIPT = """
import numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
import mlnb.runtime.training as train

p = train.params({"C": 1.0, "max_iter": 50})
X, y = make_classification(n_samples=200, n_features=5, random_state=0)
model = LogisticRegression(C=p["C"], max_iter=p["max_iter"]).fit(X[:150], y[:150])
acc = accuracy_score(y[150:], model.predict(X[150:]))
print("params", p, flush=True)
train.report(step=0, accuracy=float(acc), n_iter=float(model.n_iter_[0]))
import os, json
with open(os.path.join(os.environ["AIP_MODEL_DIR"], "seen.json"), "w") as fh:
    json.dump({"params": p, "accuracy": acc,
               "trial": os.environ["CLOUD_ML_TRIAL_ID"],
               "cuda": os.environ["CUDA_VISIBLE_DEVICES"],
               "unbuffered": os.environ["PYTHONUNBUFFERED"]}, fh)
"""


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def test_metrics_and_params_round_trip(tmp_path):
    script = write_script(tmp_path, "fit.py", SKLEARN_SCRIPT)
    job = train.launch(script, hyperparameters={"C": 0.25, "max_iter": 80})
    assert job.wait(timeout=30).state == "succeeded"
    (trial,) = job.trials()
    seen = json.loads((tmp_path / trial.artifact_dir / "seen.json").read_text())
    # the parameters reached the script, typed by params()
    assert seen["params"] == {"C": 0.25, "max_iter": 80}
    assert seen["trial"] == "0" and seen["cuda"] == "" and seen["unbuffered"] == "1"
    # the independent oracle: the same fit here
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score

    X, y = make_classification(n_samples=200, n_features=5, random_state=0)
    model = LogisticRegression(C=0.25, max_iter=80).fit(X[:150], y[:150])
    oracle = accuracy_score(y[150:], model.predict(X[150:]))
    assert trial.metrics["accuracy"] == pytest.approx(oracle, abs=1e-12)
    # metrics read back equal what the file holds
    lines = metrics_lines(job.run_dir / "trial-0000" / "metrics.jsonl")
    assert lines[0]["metrics"]["accuracy"] == seen["accuracy"]
    frame = job.metrics()
    assert list(frame.columns) == ["trial", "step", "metric", "value", "time"]
    acc = frame[frame.metric == "accuracy"]
    assert acc.value.tolist() == [seen["accuracy"]] and acc.step.tolist() == [0]
    assert "params {'C': 0.25, 'max_iter': 80}" in job.logs(0)
    assert trial.devices == ("cpu",) and trial.exit_code == 0
    res = job.result()
    assert res.trial == 0 and res.metric is None and res.params["C"] == 0.25


def test_metric_steps_and_events(tmp_path):
    script = write_script(
        tmp_path,
        "steps.py",
        """
        import time, mlnb.runtime.training as train
        time.sleep(0.3)  # the test subscribes meanwhile
        for i in range(4):
            train.report(step=i, loss=1.0 / (i + 1))
            print(f"epoch {i}", flush=True)
        """,
    )
    events = []
    lock = threading.Lock()

    def collect(event):
        with lock:
            events.append(event)

    job = train.launch(script, metric="loss", goal="minimize", publish=False)
    job.subscribe(collect)
    job.wait(timeout=30)
    assert job.state == "succeeded"
    frame = job.metrics()
    assert frame.step.tolist() == [0, 1, 2, 3]
    assert frame.value.tolist() == [1.0, 0.5, 1 / 3, 0.25]
    assert job.result().value == 0.25  # the last reported value
    kinds = {e["type"] for e in events}
    assert {"state", "trial", "metric", "log"} <= kinds
    logged = [line for e in events if e["type"] == "log" for line in e["lines"]]
    assert logged == ["epoch 0", "epoch 1", "epoch 2", "epoch 3"]
    steps = [e["step"] for e in events if e["type"] == "metric"]
    assert steps == [0, 1, 2, 3]
    assert [e["state"] for e in events if e["type"] == "state"][-1] == "succeeded"
    ends = [e["trial"] for e in events if e["type"] == "trial"]
    assert ends[-1].state == "succeeded" and ends[-1].value == 0.25


def test_subscriber_that_raises_is_dropped(tmp_path):
    script = write_script(tmp_path, "ok.py", "print('hi')\n")
    calls = []

    def bad(event):
        calls.append(event)
        raise RuntimeError("boom")

    job = train.launch(script, publish=False)
    job.subscribe(bad)
    assert job.wait(timeout=30).state == "succeeded"
    assert len(calls) <= 1


def test_parallel_trials_overlap(tmp_path):
    if (os.cpu_count() or 1) < 2:
        pytest.skip("needs two CPU cores")
    script = write_script(
        tmp_path,
        "slow.py",
        """
        import time, mlnb.runtime.training as train
        start = time.time()
        time.sleep(0.6)
        train.report(start=start, end=time.time())
        """,
    )
    job = train.launch(
        script, max_trials=2, parallel_trials=2, metric="end", publish=False
    )
    job.wait(timeout=30)
    assert job.state == "succeeded"
    a, b = (t.metrics for t in job.trials())
    # intervals measured inside the scripts overlap
    assert max(a["start"], b["start"]) < min(a["end"], b["end"])
    assert job.slots == 2


def test_cancel_kills_the_process_group(tmp_path):
    pids = tmp_path / "pids"
    pids.mkdir()
    script = write_script(
        tmp_path,
        "hang.py",
        f"""
        import os, subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        open(os.path.join({str(pids)!r}, str(os.getpid())), "w").close()
        open(os.path.join({str(pids)!r}, str(child.pid)), "w").close()
        print("started", flush=True)
        time.sleep(60)
        """,
    )
    job = train.launch(script, publish=False)
    deadline = time.time() + 20
    while len(list(pids.iterdir())) < 2 and time.time() < deadline:
        time.sleep(0.05)
    found = [int(p.name) for p in pids.iterdir()]
    assert len(found) == 2 and all(alive(p) for p in found)
    t0 = time.time()
    job.cancel()
    job.wait(timeout=15)
    assert job.state == "cancelled"
    assert time.time() - t0 < 5
    left = [p for p in found if alive(p)]
    assert not left, (left, job.logs(0))
    assert job.trials()[0].state == "cancelled"
    with pytest.raises(TrainingFailed):
        job.result()


def test_sigterm_ignored_gets_sigkill(tmp_path, monkeypatch):
    monkeypatch.setattr(local, "GRACE_SECONDS", 0.5)
    pidfile = tmp_path / "pid"
    script = write_script(
        tmp_path,
        "stubborn.py",
        f"""
        import os, signal, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        open({str(pidfile)!r}, "w").write(str(os.getpid()))
        time.sleep(60)
        """,
    )
    job = train.launch(script, publish=False)
    deadline = time.time() + 20
    while not pidfile.exists() or not pidfile.read_text():
        assert time.time() < deadline
        time.sleep(0.05)
    pid = int(pidfile.read_text())
    job.cancel()
    job.wait(timeout=15)
    assert job.state == "cancelled" and not alive(pid)
    assert job.trials()[0].exit_code == -9


def test_failed_script_exit_code_and_log_tail(tmp_path):
    script = write_script(
        tmp_path,
        "fails.py",
        """
        import sys
        for i in range(30):
            print(f"line {i}")
        print("ValueError: bad data", file=sys.stderr)
        sys.exit(3)
        """,
    )
    job = train.launch(script)
    job.wait(timeout=30)
    assert job.state == "failed"
    (trial,) = job.trials()
    assert trial.state == "failed" and trial.exit_code == 3
    with pytest.raises(TrainingFailed) as info:
        job.result()
    msg = str(info.value)
    assert "exit code 3" in msg and "ValueError: bad data" in msg
    assert "line 29" in msg and "line 5\n" not in msg  # the last 20 lines only
    rec = job.record()
    assert rec.status == "fail" and rec.job_state == "failed"


def test_metric_never_reported_names_it(tmp_path):
    script = write_script(
        tmp_path,
        "wrong.py",
        "import mlnb.runtime.training as t\nt.report(loss=0.3, acc=0.9)\n",
    )
    job = train.launch(script, metric="accuracy")
    job.wait(timeout=30)
    assert job.state == "failed"
    (trial,) = job.trials()
    assert "'accuracy'" in trial.error and "acc, loss" in trial.error
    with pytest.raises(TrainingFailed, match="accuracy"):
        job.result()
    rec = job.record()
    assert rec.status == "fail"
    assert rec.condition_values["metric_missing"] == 1


@pytest.mark.extra("train", module="optuna")  # a search
def test_some_trials_fail_record_warns(tmp_path):
    script = write_script(
        tmp_path,
        "flaky.py",
        """
        import sys, mlnb.runtime.training as t
        p = t.params({"k": 0})
        if p["k"] == 1:
            sys.exit(2)
        t.report(score=float(p["k"]))
        """,
    )
    job = train.launch(
        script,
        hyperparameters={"k": train.Choice((0, 1, 2))},
        metric="score",
        max_trials=6,
        parallel_trials=2,
    )
    job.wait(timeout=60)
    states = {t.params["k"]: t.state for t in job.trials()}
    assert job.state == "succeeded"
    rec = job.record()
    if "failed" in states.values():
        assert rec.status == "warn"
        assert rec.condition_values["failed_trials"] >= 1
    assert job.result().params["k"] == max(
        t.params["k"] for t in job.trials() if t.state == "succeeded"
    )


def test_timeout_stops_the_job(tmp_path):
    script = write_script(tmp_path, "long.py", "import time\ntime.sleep(30)\n")
    t0 = time.time()
    job = train.launch(script, timeout=0.5, publish=False)
    job.wait(timeout=15)
    assert job.state == "cancelled" and "timed out" in job.error
    assert time.time() - t0 < 6


def test_wait_before_done_and_result_too_early(tmp_path):
    script = write_script(tmp_path, "nap.py", "import time\ntime.sleep(1)\n")
    job = train.launch(script, publish=False)
    with pytest.raises(TrainingError, match="wait"):
        job.result()
    assert job.wait(timeout=0.05) is job and not job.done
    job.wait(timeout=30)
    assert job.done and job.duration > 0.5


def test_ctrl_c_in_wait_keeps_the_job(tmp_path, capsys, monkeypatch):
    script = write_script(tmp_path, "nap.py", "import time\ntime.sleep(0.8)\n")
    job = train.launch(script, publish=False)

    def interrupted(timeout=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(job._done_event, "wait", interrupted)
    job.wait()
    assert "runs on" in capsys.readouterr().out
    monkeypatch.undo()
    assert job.wait(timeout=30).state == "succeeded"


def test_progress_bar(tmp_path, capsys):
    script = write_script(tmp_path, "ok.py", "print('x')\n")
    job = train.launch(script, progress=True, publish=False)
    job.wait(timeout=30, progress=True)
    assert job.state == "succeeded"
    assert "ok trials" in capsys.readouterr().err


def test_env_and_args_reach_the_script(tmp_path):
    out = tmp_path / "seen.json"
    script = write_script(
        tmp_path,
        "envargs.py",
        f"""
        import json, os, sys
        json.dump({{"argv": sys.argv[1:], "flag": os.environ.get("MY_FLAG")}},
                  open({str(out)!r}, "w"))
        """,
    )
    job = train.launch(script, args=["--epochs=2", "pos"], env={"MY_FLAG": "on"})
    job.wait(timeout=30)
    seen = json.loads(out.read_text())
    assert seen == {"argv": ["--epochs=2", "pos"], "flag": "on"}
    as_json = json.dumps(job.spec.to_dict())
    assert job.spec.to_dict()["env_keys"] == ["MY_FLAG"]
    assert '"on"' not in as_json and "'on'" not in repr(job.spec)


def test_rerun_makes_a_new_folder_and_a_speed_up(tmp_path):
    script = write_script(tmp_path, "quick.py", "print('done')\n")
    first = train.launch(script).wait(timeout=30)
    second = train.launch(script).wait(timeout=30)
    assert first.run_dir != second.run_dir
    assert second.run_dir.name == "quick-2"
    assert (first.run_dir / "trial-0000" / "log.txt").exists()
    rec = second.record()
    assert rec.previous_wall_seconds == pytest.approx(first.duration)
    assert rec.speed_up == pytest.approx(first.duration / second.duration)
    history = [
        json.loads(line)
        for line in (tmp_path / "mlnb-runs" / "history.jsonl").read_text().splitlines()
    ]
    assert [h["run_dir"] for h in history] == [str(first.run_dir), str(second.run_dir)]
    third = train.launch(script, overwrite=True).wait(timeout=30)
    assert third.run_dir == first.run_dir


# -- callable targets ---------------------------------------------------------------
@pytest.mark.extra("train", module="optuna")  # a search
def test_module_function_runs_without_pickle(tmp_path, monkeypatch):
    pkg = tmp_path / "mypkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "fit.py").write_text(
        textwrap.dedent(
            """
            import os
            def train_fn(a, b=1):
                return {"total": float(a + b), "pid": float(os.getpid())}
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    from mypkg.fit import train_fn  # type: ignore[import-not-found]

    job = train.launch(
        train_fn,
        hyperparameters={"a": (1, 3), "b": 10},
        metric="total",
        max_trials=2,
        publish=False,
    )
    assert job.spec.target == "mypkg.fit:train_fn" and job.spec.callable_blob is None
    job.wait(timeout=60)
    assert job.state == "succeeded", job.logs()
    for t in job.trials():
        assert t.value == t.params["a"] + 10
        assert t.metrics["pid"] != os.getpid()
    assert not (job.run_dir / "target.pkl").exists()


@pytest.mark.extra("train", module="optuna")  # a search
@pytest.mark.extra("train", module="cloudpickle")
def test_notebook_function_runs_through_cloudpickle(tmp_path):
    ns = {"__name__": "__main__"}
    exec(
        textwrap.dedent(
            """
            OFFSET = 0.5
            def objective(x):
                return (x - OFFSET) ** 2
            """
        ),
        ns,
    )
    job = train.launch(
        ns["objective"],
        hyperparameters={"x": [0.0, 1.5]},
        metric="value",
        goal="minimize",
        max_trials=2,
        publish=False,
    )
    assert job.spec.callable_blob is not None
    job.wait(timeout=60)
    assert job.state == "succeeded", job.logs()
    for t in job.trials():
        assert t.value == pytest.approx((t.params["x"] - 0.5) ** 2)
    assert (job.run_dir / "target.pkl").exists()


def test_lambda_target_metric_name(tmp_path):
    pytest.importorskip("cloudpickle")
    job = train.launch(lambda: 0.75, metric="auc", publish=False)
    job.wait(timeout=60)
    assert job.result().value == 0.75 and job.result().metrics == {"auc": 0.75}


def test_html_is_escaped(tmp_path):
    script = write_script(tmp_path, "x.py", "print('<script>alert(1)</script>')\n")
    job = train.launch(script, name="x", publish=False).wait(timeout=30)
    html = job._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<script>" not in job.record()._repr_html_()
    assert "Best trial 0" in job.result()._repr_html_()


@pytest.mark.skipif(not local.visible_gpus(), reason="no GPU on this machine")
def test_gpu_trials_get_disjoint_devices(tmp_path):
    gpus = local.visible_gpus()
    script = write_script(
        tmp_path,
        "gpu.py",
        """
        import os, time, mlnb.runtime.training as t
        time.sleep(0.3)
        t.report(dev=float(os.environ["CUDA_VISIBLE_DEVICES"].split(",")[0]))
        """,
    )
    n = min(2, len(gpus))
    job = train.launch(
        script,
        accelerator_count=1,
        max_trials=n,
        parallel_trials=n,
        metric="dev",
        publish=False,
    ).wait(timeout=60)
    assert job.state == "succeeded", job.logs()
    devices = [t.devices for t in job.trials()]
    assert len({d for ds in devices for d in ds}) == n


def test_publish_puts_the_record_in_the_session(tmp_path):
    from mlnb.checklist import session

    script = write_script(tmp_path, "p.py", "print(1)\n")
    job = train.launch(script).wait(timeout=30)
    deadline = time.time() + 5
    while session.latest("training") is None and time.time() < deadline:
        time.sleep(0.02)
    rec = session.latest("training")
    assert rec["check"] == "training_run" and rec["status"] == "pass"
    assert rec["metrics"]["backend"] == "local"
    assert job.record().record()["summary"] == rec["summary"]


def test_no_trial_process_outlives_its_job(tmp_path):
    script = write_script(
        tmp_path,
        "pid.py",
        "import os, mlnb.runtime.training as t\nt.report(pid=float(os.getpid()))\n",
    )
    job = train.launch(script, metric="pid", max_trials=3, parallel_trials=1)
    job.wait(timeout=60)
    assert not any(alive(int(t.value)) for t in job.trials())
    assert sys.executable  # trials ran with this interpreter


def test_gpu_ids_are_handed_out_disjointly(tmp_path, monkeypatch):
    """The allocation path without real GPUs: the ids come from this process's
    CUDA_VISIBLE_DEVICES, each trial sees only its own."""
    if (os.cpu_count() or 1) < 2:
        pytest.skip("needs two CPU cores")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3,5,7")
    monkeypatch.setattr(local, "_gpu_cache", [])
    script = write_script(
        tmp_path,
        "dev.py",
        """
        import os, time, mlnb.runtime.training as t
        time.sleep(0.4)
        t.report(dev=float(len(os.environ["CUDA_VISIBLE_DEVICES"])))
        print("CVD=" + os.environ["CUDA_VISIBLE_DEVICES"], flush=True)
        """,
    )
    job = train.launch(
        script,
        accelerator_count=1,
        max_trials=4,
        parallel_trials=4,
        metric="dev",
        publish=False,
    ).wait(timeout=60)
    assert job.state == "succeeded", job.logs()
    assert job.slots == 2  # 3 GPUs, but 2 CPU cores here at most
    seen = [job.logs(t.number).split("CVD=")[1] for t in job.trials()]
    assert set(seen) <= {"3", "5", "7"}
    assert [t.devices for t in job.trials()] == [(f"cuda:{s}",) for s in seen]
    # trials running at the same time never shared a GPU
    trials = job.trials()
    for a in trials:
        for b in trials:
            if a.number < b.number and a.started < b.ended and b.started < a.ended:
                assert a.devices != b.devices
    with pytest.raises(MlnbValueError, match="accelerator_count=4"):
        train.launch(script, accelerator_count=4)


def test_search_without_optuna_names_the_extra(tmp_path, monkeypatch):
    from mlnb.errors import MissingDependencyError

    monkeypatch.setitem(sys.modules, "optuna", None)
    script = write_script(tmp_path, "s.py", "print(1)\n")
    with pytest.raises(MissingDependencyError, match=r"mlnb\[train\]"):
        train.launch(script, hyperparameters={"x": (0, 3)}, metric="m", max_trials=2)
    assert not (tmp_path / "mlnb-runs").exists()  # nothing written
    # a single run needs no Optuna
    assert train.launch(script, publish=False).wait(timeout=30).state == "succeeded"


def test_vertex_backend_goes_through_the_adapter(tmp_path, monkeypatch):
    import types

    got = {}

    def fake_start(spec):
        got["spec"] = spec
        return train.TrainingJob(spec, "vertex")

    fake = types.ModuleType("mlnb.integrations.vertex_training")
    fake.start = fake_start
    monkeypatch.setitem(sys.modules, "mlnb.integrations.vertex_training", fake)
    script = write_script(tmp_path, "v.py", "print(1)\n")
    job = train.launch(
        script,
        backend="vertex",
        accelerator_type="nvidia-tesla-t4",
        accelerator_count=1,
        hyperparameters={"lr": (1e-3, 1e-1, "log")},
        metric="auc",
        max_trials=4,
        parallel_trials=2,
        requirements=["scikit-learn"],
        staging_bucket="gs://bucket",
        env={"TOKEN": "s3cret"},
    )
    spec = got["spec"]
    assert job.backend == "vertex" and job.spec is spec
    assert (spec.machine_type, spec.accelerator_type) == (
        "n1-standard-4",
        "NVIDIA_TESLA_T4",
    )
    assert spec.requirements == ("scikit-learn",) and spec.kind == "script"
    assert "s3cret" not in json.dumps(spec.to_dict()) and "s3cret" not in repr(spec)
    assert not (tmp_path / "mlnb-runs").exists()  # nothing local was started
