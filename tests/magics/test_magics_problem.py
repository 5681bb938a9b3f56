"""%mlcheck goal and %mlcheck baselines, in a real IPython InteractiveShell: the
same results as the library calls; user errors are short UsageErrors."""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from mlnb import magics
from mlnb.checklist import session
from mlnb.checks.problem import baselines, current_goal, goal
from mlnb.magics import problem

goal_module = importlib.import_module("mlnb.checks.problem.goal")


@pytest.fixture(scope="module")
def shell():
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "mlnb")
    return ip


@pytest.fixture(autouse=True)
def commands(monkeypatch):
    """The step 1 commands, registered as the dispatcher registers them."""
    monkeypatch.setitem(magics.COMMANDS, "goal", ("problem", problem.goal_command))
    monkeypatch.setitem(
        magics.COMMANDS, "baselines", ("problem", problem.baselines_command)
    )
    magics._set_prog()
    goal_module._set_current(None)
    session.clear()
    yield
    goal_module._set_current(None)


@pytest.fixture
def frames(shell):
    rng = np.random.default_rng(1)
    n = 600
    df = pd.DataFrame(
        {
            "income": rng.choice(["<=50K", ">50K"], n, p=[0.75, 0.25]),
            "age": rng.integers(18, 80, n),
            "job": rng.choice(["a", "b", "c"], n),
            "part": np.where(np.arange(n) % 5 == 0, "test", "train"),
            "w": rng.integers(1, 3, n).astype(float),
        }
    )
    shell.user_ns["df"] = df
    shell.user_ns["train_df"] = df[df.part == "train"]
    shell.user_ns["test_df"] = df[df.part == "test"]
    return df


def run(shell, line):
    return shell.run_line_magic("mlcheck", line)


def frame_of(r):
    return r.to_frame()[["name", "metric", "score"]]


def test_goal_command_equals_the_function(shell):
    r = run(
        shell,
        'goal --task binary --metric roc_auc --target 0.85 --users "loan officers" '
        "--decision 'who to call' --positive-label '>50K'",
    )
    assert current_goal() is r
    expected = goal(
        task="binary",
        metric="roc_auc",
        target=0.85,
        users="loan officers",
        decision="who to call",
        positive_label=">50K",
        publish=False,
    )
    assert r.record_metrics() == expected.record_metrics()
    assert r.status == "pass"
    assert session.latest("problem")["check"] == "goal"


def test_goal_command_without_users_warns(shell):
    r = run(shell, "goal --task regression --metric mae --target 3")
    assert r.status == "warn" and r.target == 3.0


def test_baselines_with_a_test_frame_equals_the_function(shell, frames):
    run(
        shell, "goal --task binary --metric accuracy --target 0.9 --positive-label >50K"
    )
    r = run(shell, "baselines train_df --label income --test test_df")
    tr, te = frames[frames.part == "train"], frames[frames.part == "test"]
    expected = baselines(tr.income, te.income, publish=False)
    pd.testing.assert_frame_equal(frame_of(r), frame_of(expected))
    assert r.metric == "accuracy" and r.status == "pass"
    assert session.latest("problem")["status"] == "pass"


def test_baselines_with_a_split_column_weights_and_features(shell, frames):
    r = run(
        shell,
        "baselines df --label income --split part --weight w --features all "
        "--positive-label >50K --metric average_precision --random-state 3",
    )
    tr, te = frames[frames.part != "test"], frames[frames.part == "test"]
    expected = baselines(
        tr.income,
        te.income,
        positive_label=">50K",
        metric="average_precision",
        sample_weight=te.w,
        train_weight=tr.w,
        X_train=tr[["age", "job"]],
        X_test=te[["age", "job"]],
        random_state=3,
        publish=False,
    )
    pd.testing.assert_frame_equal(frame_of(r), frame_of(expected))
    assert r.kinds["linear"] == "model" and r.status == "fail"  # no goal


def test_baselines_with_a_random_test_share(shell, frames):
    from sklearn.model_selection import train_test_split

    r = run(
        shell,
        "baselines df --label income --test-size 0.25 --random-state 7 "
        "--positive-label >50K",
    )
    tr, te = train_test_split(
        frames, test_size=0.25, random_state=7, stratify=frames.income
    )
    expected = baselines(
        tr.income, te.income, positive_label=">50K", random_state=7, publish=False
    )
    pd.testing.assert_frame_equal(frame_of(r), frame_of(expected))
    assert r.n_test == len(te) == 150


def test_baselines_feature_list_and_boolean_split(shell, frames):
    shell.user_ns["bdf"] = frames.assign(is_test=frames.part == "test")
    r = run(
        shell,
        "baselines bdf --label income --split is_test --features age --positive-label "
        ">50K",
    )
    assert r.one_feature == "age" and r.n_test == int((frames.part == "test").sum())


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("goal --task binary --metric auc --target 0.8", "unknown metric 'auc'"),
        ("goal --task binary --metric roc_auc --target high", "must be a number"),
        ("goal --task binary --metric roc_auc", "--target"),
        ("goal df --task binary --metric roc_auc --target 0.8", "takes options only"),
        ("baselines df --label income", "--test DF2"),
        ("baselines df --label income --split part --test test_df", "one way only"),
        ("baselines df --label income --test-size 1.5", "between 0 and 1"),
        ("baselines df --label nope --split part", "label column 'nope' is not in"),
        ("baselines df --label income --split part --test-value x", "--test-value"),
        ("baselines df --label income --split part", "positive_label="),
        (
            "baselines df --label income --split part --features income",
            "includes the label",
        ),
        (
            "baselines df --label income --split part --features zzz",
            "feature column 'zzz'",
        ),
        ("baselines nothere --label y --split part", "not defined"),
    ],
)
def test_user_errors_are_usage_errors(shell, frames, line, words):
    with pytest.raises(UsageError, match=None) as info:
        run(shell, line)
    assert words in str(info.value)


def test_help_lists_both_commands(shell):
    text = repr(run(shell, "help problem"))
    assert "mlcheck goal" in text and "mlcheck baselines" in text
    assert "--split" in repr(run(shell, "baselines --help"))
