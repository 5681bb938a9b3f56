"""The local hyperparameter search (Optuna, study kept on disk): the best trial
against an independent oracle, resuming an interrupted search, refusing to mix
searches under one name."""

from __future__ import annotations

import json
import threading

import pytest
from train_helpers import metrics_lines, write_script

from mlnb.errors import MlnbValueError
from mlnb.runtime import training as train

pytestmark = pytest.mark.extra("train", module="optuna")

QUADRATIC = """
import time, mlnb.runtime.training as t
p = t.params({"x": 0.0, "depth": 1, "kind": "a"})
time.sleep(float(__import__("os").environ.get("NAP", "0")))
bonus = {"a": 0.0, "b": 0.1}[p["kind"]]
t.report(step=0, score=-(p["x"] - 0.3) ** 2 + bonus - 0.01 * p["depth"])
"""

SPACE = {
    "x": train.Float(-1.0, 1.0),
    "depth": (1, 4),
    "kind": ["a", "b"],
}


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def _scores_from_files(run_dir):
    """Each trial's score, read from its own files (not through mlnb)."""
    out = {}
    for folder in sorted(run_dir.glob("trial-*")):
        lines = metrics_lines(folder / "metrics.jsonl")
        if lines:
            out[int(folder.name.split("-")[1])] = lines[-1]["metrics"]["score"]
    return out


@pytest.mark.parametrize("goal", ["maximize", "minimize"])
def test_best_trial_is_the_oracle_best(tmp_path, goal):
    import optuna

    script = write_script(tmp_path, "quad.py", QUADRATIC)
    job = train.launch(
        script,
        hyperparameters=SPACE,
        metric="score",
        goal=goal,
        max_trials=6,
        parallel_trials=2,
        publish=False,
    )
    job.wait(timeout=60)
    assert job.state == "succeeded", job.logs()
    scores = _scores_from_files(job.run_dir)
    assert len(scores) == 6
    pick = max if goal == "maximize" else min
    best_value = pick(scores.values())
    best_number = min(n for n, v in scores.items() if v == best_value)
    res = job.result()
    assert res.value == best_value and res.trial == best_number
    # the parameters the script saw give that score (recomputed here)
    p = res.params
    bonus = {"a": 0.0, "b": 0.1}[p["kind"]]
    assert res.value == pytest.approx(
        -((p["x"] - 0.3) ** 2) + bonus - 0.01 * p["depth"]
    )
    assert -1.0 <= p["x"] <= 1.0 and p["depth"] in (1, 2, 3, 4)
    # Optuna's own study on disk agrees
    storage = optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(str(job.run_dir / "study.journal"))
    )
    study = optuna.load_study(study_name="quad", storage=storage)
    assert study.best_value == best_value
    rec = job.record()
    assert rec.best_value == best_value and rec.best_trial == best_number
    assert rec.to_frame()["trial"].tolist() == list(range(6))


def test_search_is_seeded(tmp_path):
    script = write_script(tmp_path, "quad.py", QUADRATIC)
    runs = []
    for name in ("one", "two"):
        job = train.launch(
            script,
            hyperparameters=SPACE,
            metric="score",
            max_trials=3,
            name=name,
            publish=False,
        ).wait(timeout=60)
        runs.append([t.params for t in job.trials()])
    assert runs[0] == runs[1]


def test_resume_after_cancel_keeps_trials_and_reruns_the_interrupted(tmp_path):
    script = write_script(tmp_path, "quad.py", QUADRATIC)
    kwargs = {
        "hyperparameters": SPACE,
        "metric": "score",
        "max_trials": 4,
        "parallel_trials": 1,
        "env": {"NAP": "0.4"},
        "publish": False,
    }
    first = train.launch(script, **kwargs)
    cancelled = threading.Event()

    def stop_on_third(event):
        if (
            event["type"] == "trial"
            and event["trial"].number == 2
            and event["trial"].state == "running"
            and not cancelled.is_set()
        ):
            cancelled.set()
            first.cancel()

    first.subscribe(stop_on_third)
    first.wait(timeout=60)
    assert first.state == "cancelled"
    states = [t.state for t in first.trials()]
    assert states == ["succeeded", "succeeded", "cancelled"]
    assert first.record().status == "warn"
    interrupted_params = first.trials()[2].params
    kept = {t.number: t.params for t in first.trials()[:2]}

    second = train.launch(script, **kwargs)
    assert second.resumed and second.run_dir == first.run_dir
    second.wait(timeout=60)
    assert second.state == "succeeded", second.logs()
    trials = second.trials()
    done = [t for t in trials if t.state == "succeeded"]
    assert len(done) == 4  # total = max_trials, the two earlier ones included
    assert {t.number: t.params for t in trials if t.number in kept} == kept
    assert 2 not in {t.number for t in trials}  # replaced by its re-run
    rerun = [t for t in trials if t.number not in kept and t.number != 2]
    assert rerun[0].params == interrupted_params
    # the kept trials' metrics were read back from disk
    assert set(second.metrics().trial) == {t.number for t in done}
    scores = _scores_from_files(second.run_dir)
    assert second.result().value == max(scores[t.number] for t in done)

    third = train.launch(script, **kwargs).wait(timeout=30)
    assert len(third.trials()) == 4 and third.state == "succeeded"
    assert third.result().value == second.result().value


def test_another_space_under_the_same_name_is_refused(tmp_path):
    script = write_script(tmp_path, "quad.py", QUADRATIC)
    train.launch(
        script, hyperparameters=SPACE, metric="score", max_trials=2, publish=False
    ).wait(timeout=60)
    with pytest.raises(MlnbValueError) as info:
        train.launch(
            script, hyperparameters={"x": (0.0, 0.5)}, metric="score", max_trials=2
        )
    msg = str(info.value)
    assert "name=" in msg and "overwrite=True" in msg and "'quad'" in msg
    job = train.launch(
        script,
        hyperparameters={"x": (0.0, 0.5)},
        metric="score",
        max_trials=2,
        overwrite=True,
        publish=False,
    ).wait(timeout=60)
    assert job.state == "succeeded" and not job.resumed
    stored = json.loads((job.run_dir / "spec.json").read_text())
    assert stored["hyperparameters"]["x"]["high"] == 0.5


def test_resume_false_starts_a_new_folder(tmp_path):
    script = write_script(tmp_path, "quad.py", QUADRATIC)
    kw = {
        "hyperparameters": SPACE,
        "metric": "score",
        "max_trials": 2,
        "publish": False,
    }
    a = train.launch(script, **kw).wait(timeout=60)
    b = train.launch(script, resume=False, **kw).wait(timeout=60)
    assert b.run_dir.name == "quad-2" and not b.resumed
    assert len(b.trials()) == 2 and len(a.trials()) == 2


def test_trial_running_when_the_kernel_died_is_rerun(tmp_path):
    import optuna

    script = write_script(tmp_path, "quad.py", QUADRATIC)
    kw = {"hyperparameters": SPACE, "metric": "score", "publish": False}
    first = train.launch(script, max_trials=2, **kw).wait(timeout=60)
    # a kernel that died mid-trial leaves the trial RUNNING in the journal
    storage = optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(str(first.run_dir / "study.journal"))
    )
    study = optuna.load_study(study_name="quad", storage=storage)
    lost = {"x": 0.123, "depth": 2, "kind": "b"}
    study.enqueue_trial(lost)
    dead = study.ask()
    for name, p in train.search_space(SPACE).items():
        p.suggest(dead, name)
    assert dead.number == 2
    second = train.launch(script, max_trials=3, **kw).wait(timeout=60)
    assert second.resumed and second.state == "succeeded", second.logs()
    numbers = [t.number for t in second.trials()]
    assert numbers == [0, 1, 3]
    assert second.trials()[-1].params == lost


def test_a_search_still_running_is_not_resumed_twice(tmp_path):
    script = write_script(tmp_path, "quad.py", QUADRATIC)
    kw = {
        "hyperparameters": SPACE,
        "metric": "score",
        "max_trials": 2,
        "env": {"NAP": "5"},
        "publish": False,
    }
    job = train.launch(script, **kw)
    try:
        with pytest.raises(MlnbValueError, match=r"still running.*job\.cancel\(\)"):
            train.launch(script, **kw)
        with pytest.raises(MlnbValueError, match="still running"):
            train.launch(script, overwrite=True, **kw)
    finally:
        job.cancel()
        job.wait(timeout=15)
    assert job.state == "cancelled"


def test_resumed_search_speed_up_counts_only_the_trials_it_ran(tmp_path):
    """A search of 4 trials, resumed to 6: the second launch ran 2 trials, and the
    speed-up compares wall seconds per trial run (hand computation from the two
    jobs' own durations), not 6 trials against 4."""
    script = write_script(tmp_path, "quad.py", QUADRATIC)
    kw = {
        "hyperparameters": SPACE,
        "metric": "score",
        "parallel_trials": 1,
        "publish": False,
    }
    first = train.launch(script, max_trials=4, **kw).wait()
    second = train.launch(script, max_trials=6, **kw).wait()
    assert second.resumed and len(second.trials()) == 6
    assert second.carried_trials == {0, 1, 2, 3}
    rec = second.record()
    expected = (first.duration / 4) / (second.duration / 2)
    assert rec.speed_up == pytest.approx(expected)
    assert "2 kept from an earlier launch" not in rec.summary
    assert "4 kept from an earlier launch" in rec.summary
    history = [json.loads(x) for x in (tmp_path / "mlnb-runs" / "history.jsonl").open()]
    assert [h["trials_run"] for h in history] == [4, 2]
