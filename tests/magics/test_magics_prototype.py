"""%mlcheck prototype, in a real IPython InteractiveShell."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

import mlnb.magics as M
from mlnb.checklist import session
from mlnb.checks.prototype import PrototypeResult, prototype
from mlnb.magics import prototype as handler


@pytest.fixture(autouse=True)
def _one_thread():
    """Histogram gradient boosting's OpenMP threads spin for seconds on a shared,
    oversubscribed CI machine; one thread keeps these small fits fast."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


@pytest.fixture
def shell(monkeypatch):
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "mlnb")
    if "prototype" not in M.COMMANDS:  # registered by the dispatcher's table
        monkeypatch.setitem(M.COMMANDS, "prototype", ("prototype", handler.command))
    rng = np.random.default_rng(0)
    n = 400
    df = pd.DataFrame(
        {
            "x1": rng.normal(size=n),
            "x2": rng.normal(size=n),
            "shop": rng.choice(["a", "b"], n),
            "day": np.arange(n),
            "store id": np.repeat(np.arange(40), 10),
        }
    )
    df["label"] = (df["x1"] + rng.normal(size=n) > 0).map({True: "yes", False: "no"})
    ip.user_ns["df"] = df
    session.clear()
    return ip


def run(ip, line):
    return ip.run_line_magic("mlcheck", line)


def test_command_matches_the_function(shell):
    df = shell.user_ns["df"]
    r = run(shell, "prototype df --label label --positive-label yes --models linear")
    assert isinstance(r, PrototypeResult)
    plain = prototype(
        df, label="label", positive_label="yes", models=("linear",), publish=False
    )
    assert r.score("linear") == plain.score("linear")
    assert r.split == plain.split
    assert session.checks("prototype")[-1]["created"] == r.created


def test_features_time_and_models(shell):
    r = run(
        shell,
        "prototype df[df.x2 > -3] --label label --positive-label yes "
        "--features x1 shop --time day --models linear dummy --metric log_loss",
    )
    assert r.features == ("x1", "shop")
    assert r.split["kind"] == "time" and r.split["column"] == "day"
    assert r.models_requested == ("linear", "dummy")
    assert r.metric == "log_loss"


def test_group_column_with_a_space_in_its_name(shell):
    r = run(
        shell,
        'prototype df --label label --positive-label yes --group "store id" '
        "--models linear",
    )
    assert r.split["kind"] == "group" and r.split["column"] == "store id"


def test_int_column_names_are_resolved(shell):
    df = shell.user_ns["df"][["x1", "x2", "label"]].copy()
    df.columns = [0, 1, 2]
    shell.user_ns["numbered"] = df
    r = run(shell, "prototype numbered --label 2 --positive-label yes --models linear")
    assert r.label_name == 2 and r.features == (0, 1)


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("prototype df --label nope", "label column 'nope' is not in the data"),
        (
            "prototype df --label label --positive-label yes --models svm",
            "unknown model kind 'svm'",
        ),
        ("prototype missing_df --label y", "name 'missing_df' is not defined"),
        ("prototype df", "the following arguments are required: --label"),
    ],
)
def test_user_errors_are_usage_errors(shell, line, words):
    with pytest.raises(UsageError) as info:
        run(shell, line)
    assert words in str(info.value)


def test_help_and_no_arguments(shell):
    text = repr(run(shell, "prototype --help"))
    assert "--label" in text and "--models" in text
    assert run(shell, "prototype") is not None  # the step's help, no error
