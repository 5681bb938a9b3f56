"""mlnb.goal: the goal written down, kept for the session, judged by conditions,
recoverable from its status record."""

from __future__ import annotations

import importlib
import json
import math
import threading

import pytest

from mlnb.checklist import session
from mlnb.checks.problem import Goal, current_goal, goal
from mlnb.core import metrics as M
from mlnb.core.conditions import Condition

goal_module = importlib.import_module("mlnb.checks.problem.goal")


@pytest.fixture(autouse=True)
def no_goal():
    goal_module._set_current(None)
    yield
    goal_module._set_current(None)


def test_a_full_goal_passes_and_becomes_the_session_goal():
    g = goal(
        task="binary",
        metric="roc_auc",
        target=0.85,
        users="loan officers",
        decision="which applications to review first",
        notes="a missed default costs 10x a review",
    )
    assert isinstance(g, Goal)
    assert g.status == "pass" and g.step == "problem" and g.check == "goal"
    assert current_goal() is g
    assert g.higher_is_better is True and g.missing == ()
    assert g.summary == "goal: binary task, ROC AUC at least 0.85"
    rec = session.latest("problem")
    assert rec["check"] == "goal" and rec["status"] == "pass"
    assert rec["metrics"]["task"] == "binary"
    assert rec["metrics"]["metric"] == "roc_auc"
    assert rec["metrics"]["target"] == 0.85


def test_missing_users_and_decision_warn_and_are_named():
    g = goal(task="regression", metric="mae", target=3.0)
    assert g.status == "warn"
    assert g.missing == ("users", "decision")
    assert "users and decision" in g.summary
    warned = {o.name for o in g.outcomes if o.status == "warn"}
    assert warned == {"users written down", "decision written down"}
    html = g._repr_html_()
    assert "not written down" in html and "automation" in html
    assert "What does a wrong prediction cost" in html


def test_blank_text_counts_as_missing():
    g = goal(task="binary", metric="recall", target=0.8, users="  ", decision="x")
    assert g.users is None and g.missing == ("users",)


def test_a_perfect_target_warns():
    g = goal(task="binary", metric="accuracy", target=1.0, users="u", decision="d")
    assert g.status == "warn"
    assert g.condition_values["target_gap_to_perfect"] == 0
    g = goal(task="regression", metric="rmse", target=0.0, users="u", decision="d")
    assert g.status == "warn"
    g = goal(task="regression", metric="rmse", target=2.0, users="u", decision="d")
    assert g.status == "pass" and g.condition_values["target_gap_to_perfect"] == 2.0


def test_a_new_goal_replaces_the_old_one_and_publish_false_leaves_it():
    first = goal(task="binary", metric="roc_auc", target=0.8)
    second = goal(task="multiclass", metric="macro_f1", target=0.6)
    assert current_goal() is second is not first
    goal(task="binary", metric="f1", target=0.5, publish=False)
    assert current_goal() is second


def test_direction_helpers():
    hi = goal(task="binary", metric="average_precision", target=0.4, publish=False)
    lo = goal(task="binary", metric="log_loss", target=0.3, publish=False)
    assert hi.beats(0.4) and not hi.beats(0.39) and not hi.beats(math.nan)
    assert lo.beats(0.3) and not lo.beats(0.31)
    assert hi.margin(0.3) == pytest.approx(0.1)
    assert lo.margin(0.5) == pytest.approx(0.2)


@pytest.mark.parametrize("task", M.TASKS)
def test_every_goal_metric_of_every_task_is_accepted(task):
    for name in M.goals(task):
        m = M.get(name)
        lo, hi = m.range
        if m.higher_is_better:
            target = 0.9 if m.bounded or hi == 1.0 else 10.0
        else:
            target = 0.1 if m.bounded else 1.0
        g = goal(task=task, metric=name, target=target, publish=False)
        assert g.metric == name and g.higher_is_better == m.higher_is_better


def test_conditions_replace_the_defaults():
    strict = Condition("users_written", ">=", 1, name="users or fail")
    g = goal(task="binary", metric="roc_auc", target=0.8, conditions=[strict])
    assert g.status == "fail" and len(g.outcomes) == 1
    assert g.decided_by.startswith("users_written 0 < 1")


def test_record_round_trips_through_json():
    g = goal(
        task="binary",
        metric="recall",
        target=0.7,
        positive_label="churn",
        users="retention team",
        decision="who gets a call",
    )
    rec = json.loads(json.dumps(g.record()))
    again = Goal.from_record(rec)
    assert (again.task, again.metric, again.target) == ("binary", "recall", 0.7)
    assert again.positive_label == "churn" and again.users == "retention team"
    assert again.status == g.status
    assert current_goal() is g  # from_record does not publish


def test_to_frame_and_to_dict():
    g = goal(task="regression", metric="rmse", target=5, publish=False)
    f = g.to_frame()
    assert list(f.columns) == ["field", "value"]
    assert dict(zip(f.field, f.value))["target"] == 5.0
    d = g.to_dict()
    assert d["check"] == "goal" and d["target"] == 5.0
    json.dumps(d)


def test_the_session_goal_is_safe_across_threads():
    done = []

    def work(i):
        goal(task="binary", metric="roc_auc", target=0.6 + i / 100)
        done.append(current_goal())

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(done) == 8 and current_goal() is not None
    assert 0.6 <= current_goal().target <= 0.68


def test_progress_collects_what_this_sessions_checks_scored_on_the_goal():
    import matplotlib

    matplotlib.use("Agg")
    import numpy as np
    import pandas as pd

    from mlnb import baselines, prototype
    from mlnb.checklist import session

    session.clear()
    rng = np.random.default_rng(2)
    n = 600
    x = rng.normal(size=n)
    y = (x + rng.normal(0, 1, n) > 0.3).astype(int)
    df = pd.DataFrame({"x": x, "z": rng.normal(size=n), "y": y})
    g = goal(task="binary", metric="roc_auc", target=0.8)
    assert g.progress() == {}
    b = baselines(y[:400], y[400:])
    p = prototype(df, label="y", models=("linear",))
    got = g.progress()
    assert got["best trivial baseline"] == b.best().score
    assert got["prototype (best model)"] == p.best_score
    # a check on another metric does not count
    prototype(df, label="y", models=("linear",), metric="log_loss")
    assert "prototype (best model)" not in g.progress()

    ax = g.plot()
    assert [line.get_xdata()[0] for line in ax.lines][0] == 0.8  # the target
    assert ax.get_xlim() == (0.0, 1.0)
    ax = g.plot(scores={"mine": 0.9, "theirs": float("nan")})
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["mine", "theirs"]  # in the order given, the first on top


def test_plot_of_an_unbounded_lower_is_better_goal():
    import matplotlib

    matplotlib.use("Agg")
    g = goal(task="regression", metric="rmse", target=3.0, publish=False)
    ax = g.plot(scores={"mean": 5.2, "model": 2.5})
    left, right = ax.get_xlim()
    assert left <= 0 and right > 5.2  # the range's low end and room past the worst
    assert "lower is better" in ax.get_xlabel()
