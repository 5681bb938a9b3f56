"""The TrainingJob base (what every backend shares) driven by hand, and the step-3
record it builds: statuses from conditions, best trial, speed-up, frame, plot."""

from __future__ import annotations

import json
import math
import time

import pytest

from mlnb.errors import TrainingError
from mlnb.runtime.training import (
    LaunchSpec,
    TrainingFailed,
    TrainingJob,
    TrainingRun,
    Trial,
    search_space,
)
from mlnb.runtime.training.job import best_trial
from mlnb.runtime.training.record import TRIAL_COLUMNS, read_history


def _spec(tmp_path, **kw):
    base = {
        "target": str(tmp_path / "train.py"),
        "kind": "script",
        "backend": "vertex",
        "name": "demo",
        "hyperparameters": search_space({"lr": (0.01, 1.0)}),
        "metric": "auc",
        "goal": "maximize",
        "max_trials": 3,
        "run_dir": str(tmp_path / "runs" / "demo"),
    }
    base.update(kw)
    return LaunchSpec(**base)


def _run(job, outcomes):
    """Drive ``job`` by hand: outcomes are (state, [auc per step] or None)."""
    job._set_state("running")
    for n, (state, values) in enumerate(outcomes):
        job._update_trial(
            Trial(number=n, params={"lr": 0.1 * (n + 1)}, state="running", started=1.0)
        )
        for step, v in enumerate(values or []):
            job._emit_metric(n, step, {"auc": v, "loss": 1 - v}, time.time())
        job._replace_trial(
            n, state=state, ended=2.0 + n, exit_code=0 if state == "succeeded" else 1
        )
    final = "failed" if all(s == "failed" for s, _ in outcomes) else "succeeded"
    job._finish(final, "every trial failed" if final == "failed" else None)
    return job


def test_states_events_and_best(tmp_path):
    job = TrainingJob(_spec(tmp_path), "vertex")
    events = []
    job.subscribe(events.append)
    with pytest.raises(TrainingError, match=r"job\.wait\(\)"):
        job.result()
    _run(
        job,
        [
            ("succeeded", [0.6, 0.7]),
            ("failed", None),
            ("succeeded", [0.65, 0.7]),
        ],
    )
    assert job.done and job.state == "succeeded"
    assert [e["state"] for e in events if e["type"] == "state"] == [
        "running",
        "succeeded",
    ]
    res = job.result()
    # tie at 0.7: the lower trial number wins
    assert (res.trial, res.value, res.params) == (0, 0.7, {"lr": 0.1})
    assert json.loads(json.dumps(res.to_dict()))["metrics"] == {
        "auc": 0.7,
        "loss": pytest.approx(0.3),
    }
    frame = job.metrics()
    assert len(frame) == 8 and set(frame.metric) == {"auc", "loss"}
    assert job.wait() is job


def test_best_trial_oracle():
    trials = [
        Trial(0, {}, "succeeded", value=0.5),
        Trial(1, {}, "succeeded", value=0.9),
        Trial(2, {}, "failed", value=0.99),
        Trial(3, {}, "succeeded", value=0.9),
        Trial(4, {}, "succeeded", value=None),
        Trial(5, {}, "succeeded", value=math.nan),
    ]
    assert best_trial(trials, "m", "maximize").number == 1
    assert best_trial(trials, "m", "minimize").number == 0
    assert best_trial(trials, None, "maximize").number == 0
    assert best_trial(trials[2:3], "m", "maximize") is None


def test_record_pass_warn_fail(tmp_path):
    ok = _run(
        TrainingJob(_spec(tmp_path, name="a"), "vertex"),
        [("succeeded", [0.7])] * 3,
    )
    rec = ok.record()
    assert isinstance(rec, TrainingRun) and rec.status == "pass"
    assert rec.step == "training" and rec.check == "training_run"
    assert all(c.why for c in TrainingRun.DEFAULT_CONDITIONS)

    warn = _run(
        TrainingJob(_spec(tmp_path, name="b"), "vertex"),
        [("succeeded", [0.7]), ("failed", None), ("succeeded", [0.8])],
    ).record()
    assert warn.status == "warn"
    by_name = {o.name: o.status for o in warn.outcomes}
    assert (
        by_name["no trial failed"] == "warn" and by_name["the run finished"] == "pass"
    )
    assert warn.condition_values["failed_trials"] == 1
    assert warn.best_trial == 2 and warn.best_value == 0.8

    fail = _run(
        TrainingJob(_spec(tmp_path, name="c"), "vertex"),
        [("failed", None), ("failed", None)],
    )
    rec = fail.record()
    assert rec.status == "fail" and rec.job_state == "failed"
    with pytest.raises(TrainingFailed, match="every trial failed"):
        fail.result()


def test_record_frame_dict_html_and_plot(tmp_path):
    job = _run(
        TrainingJob(_spec(tmp_path, name="<b>bold</b>"), "vertex"),
        [("succeeded", [0.5, 0.6, 0.7]), ("succeeded", [0.55, 0.8])],
    )
    rec = job.record()
    frame = rec.to_frame()
    assert list(frame.columns) == list(TRIAL_COLUMNS)
    assert frame.trial.tolist() == [0, 1]
    as_json = json.loads(json.dumps(rec.to_dict()))
    assert as_json["check"] == "training_run" and as_json["best_trial"] == 1
    assert "metric_rows" not in as_json
    html = rec._repr_html_()
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "<b>bold</b>" not in job._repr_html_()
    record = rec.record()
    assert record["metrics"]["backend"] == "vertex"
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    ax = rec.plot()
    lines = ax.get_lines()
    assert len(lines) == 2
    widths = {ln.get_label(): ln.get_linewidth() for ln in lines}
    assert widths["trial 1 (best)"] > widths["trial 0"]
    assert list(lines[0].get_ydata()) == [0.5, 0.6, 0.7]
    ax2 = rec.plot(metric="loss")
    assert ax2.get_ylabel() == "loss"
    import matplotlib.pyplot as plt

    plt.close("all")


def test_speed_up_against_the_previous_run(tmp_path):
    first = TrainingJob(_spec(tmp_path, name="s1"), "vertex")
    first._set_state("running")
    first._update_trial(Trial(0, {}, "running", started=1.0))
    first._emit_metric(0, None, {"auc": 0.7}, 1.0)
    first._replace_trial(0, state="succeeded", ended=2.0, exit_code=0)
    first._started = time.time() - 4.0
    first._finish("succeeded")
    second = TrainingJob(_spec(tmp_path, name="s2"), "vertex")
    second._set_state("running")
    second._update_trial(Trial(0, {}, "running", started=1.0))
    second._emit_metric(0, None, {"auc": 0.7}, 1.0)
    second._replace_trial(0, state="succeeded", ended=2.0, exit_code=0)
    second._started = time.time() - 1.0
    second._finish("succeeded")
    rec = second.record()
    assert rec.previous_wall_seconds == pytest.approx(first.duration)
    assert rec.speed_up == pytest.approx(first.duration / second.duration)
    assert rec.speed_up == pytest.approx(4.0, rel=0.05)
    assert "× the previous run's speed (wall time per trial)" in rec.summary
    history = read_history(tmp_path / "runs" / "history.jsonl", first.spec.target)
    assert [h["name"] for h in history] == ["s1", "s2"]


def test_record_published_once_when_done(tmp_path):
    from mlnb.checklist import session

    job = _run(TrainingJob(_spec(tmp_path), "vertex"), [("succeeded", [0.7])] * 3)
    assert session.latest("training")["check"] == "training_run"
    assert job.record() is job.record()
    unpublished = _run(
        TrainingJob(_spec(tmp_path, name="q", publish=False), "vertex"),
        [("succeeded", [0.7])],
    )
    assert unpublished.record().status == "pass"


def test_callback_errors_never_stop_the_job(tmp_path):
    job = TrainingJob(_spec(tmp_path), "vertex")
    seen = []
    job.subscribe(lambda e: (_ for _ in ()).throw(RuntimeError("bug")))
    unsubscribe = job.subscribe(seen.append)
    _run(job, [("succeeded", [0.7])])
    assert job.state == "succeeded" and seen
    unsubscribe()
    n = len(seen)
    job._emit({"type": "log", "trial": 0, "lines": ["x"]})
    assert len(seen) == n


def test_logs_tail_and_prefix(tmp_path):
    job = TrainingJob(_spec(tmp_path), "vertex")
    job._emit_log(0, [f"a{i}" for i in range(5)])
    job._emit_log(1, ["b0"])
    assert job.logs(0, tail=2) == "a3\na4"
    assert job.logs(tail=None).splitlines() == [
        "[0] a0",
        "[0] a1",
        "[0] a2",
        "[0] a3",
        "[0] a4",
        "[1] b0",
    ]
    assert job.logs(2) == "" and job.logs(0, tail=0) == ""
    assert "demo" in repr(job)
