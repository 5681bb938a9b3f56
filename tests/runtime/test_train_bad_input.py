"""launch() refuses what cannot work before anything runs, table-driven: each case
asserts the error type and that the message names the argument and the fix."""

from __future__ import annotations

import threading

import pytest

from mlnb.errors import MlnbValueError
from mlnb.runtime import training as train
from mlnb.runtime.training import Choice, Float, Int, local

GOOD = "print('ok')\n"


def _closure_with_lock():
    lock = threading.Lock()

    def fn():
        with lock:
            return 1.0

    return fn


CASES = [
    # (id, target ("script" / "missing" / "txt" / object), kwargs, words in message)
    ("missing script", "missing", {}, ["target script", "does not exist", "path"]),
    ("not python", "txt", {}, ["target", ".py", "Python function"]),
    ("wrong type", 42, {}, ["target", "int", "launch('train.py')"]),
    (
        "unpicklable callable",
        _closure_with_lock(),
        {},
        ["target 'fn'", "could not be pickled", "inside the function"],
    ),
    ("backend", "script", {"backend": "gcp"}, ["backend", "'gcp'", "backend='local'"]),
    ("trials 0", "script", {"max_trials": 0}, ["max_trials", ">= 1", "max_trials=1"]),
    ("trials text", "script", {"max_trials": "4"}, ["max_trials", "str", "integer"]),
    ("parallel 0", "script", {"parallel_trials": 0}, ["parallel_trials", ">= 1"]),
    ("replicas 0", "script", {"replica_count": 0}, ["replica_count", ">= 1"]),
    (
        "negative accelerators",
        "script",
        {"accelerator_count": -1},
        ["accelerator_count", ">= 0"],
    ),
    (
        "parallel > trials",
        "script",
        {"parallel_trials": 3, "max_trials": 2, "metric": "m"},
        ["parallel_trials=3", "max_trials=2", "lower parallel_trials"],
    ),
    (
        "search without metric",
        "script",
        {"hyperparameters": {"lr": (0.01, 0.1)}},
        ["metric is needed", "metric='", "goal="],
    ),
    (
        "trials without metric",
        "script",
        {"max_trials": 2},
        ["metric is needed", "max_trials=2", "metric='"],
    ),
    ("goal", "script", {"goal": "max"}, ["goal", "'max'", "goal='minimize'"]),
    ("metric type", "script", {"metric": 3}, ["metric", "3", "mlnb.train.report"]),
    (
        "vertex accelerator",
        "script",
        {
            "backend": "vertex",
            "machine_type": "n1-standard-4",
            "accelerator_type": "NVIDIA_L4",
            "accelerator_count": 1,
        },
        ["accelerator_type NVIDIA_L4", "'n1-standard-4'", "valid there"],
    ),
    (
        "vertex count",
        "script",
        {
            "backend": "vertex",
            "machine_type": "n1-standard-4",
            "accelerator_type": "NVIDIA_TESLA_T4",
            "accelerator_count": 3,
        },
        ["accelerator_count=3", "allowed: 1, 2, 4"],
    ),
    (
        "local GPU without one",
        "script",
        {"accelerator_count": 1},
        ["accelerator_count=1", "no GPU", "backend='vertex'", "accelerator_count=0"],
    ),
    ("env type", "script", {"env": [("A", "1")]}, ["env", "dict", "env={"]),
    ("env value", "script", {"env": {"A": 1}}, ["env['A']", "int", "str(value)"]),
    ("env name", "script", {"env": {"A=B": "1"}}, ["env", "'A=B'", "without '='"]),
    (
        "hyperparameter name",
        "script",
        {"hyperparameters": {"learning-rate": (0.1, 1.0)}, "metric": "m"},
        ["hyperparameters", "'learning-rate'", "letters, digits and underscores"],
    ),
    (
        "hyperparameters type",
        "script",
        {"hyperparameters": [("lr", 0.1)], "metric": "m"},
        ["hyperparameters", "list", "{'lr': (1e-4, 1e-1, 'log')"],
    ),
    (
        "reversed range",
        "script",
        {"hyperparameters": {"x": (1.0, 0.0)}, "metric": "m"},
        ["hyperparameters['x']", "low < high", "swap"],
    ),
    (
        "log from zero",
        "script",
        {"hyperparameters": {"x": (0.0, 1.0, "log")}, "metric": "m"},
        ["hyperparameters['x']", "low > 0", "log=False"],
    ),
    (
        "third item",
        "script",
        {"hyperparameters": {"x": (0.0, 1.0, "linear")}, "metric": "m"},
        ["hyperparameters['x']", "'linear'", "(low, high, 'log')"],
    ),
    (
        "unknown value",
        "script",
        {"hyperparameters": {"x": {"low": 0}}, "metric": "m"},
        ["hyperparameters['x']", "dict", "mlnb.train.Float/Int/Choice"],
    ),
    (
        "repeated choice",
        "script",
        {"hyperparameters": {"k": ["a", "a"]}, "metric": "m"},
        ["hyperparameters['k']", "repeated", "once"],
    ),
    ("timeout", "script", {"timeout": -5}, ["timeout", "-5", "timeout=3600"]),
    ("name", "script", {"name": "my run"}, ["name", "'my run'", "name='"]),
    ("args text", "script", {"args": "--x=1"}, ["args", "str", "args=['--epochs=3']"]),
    ("args item", "script", {"args": [None]}, ["args", "NoneType", "text"]),
    ("run_dir", "script", {"run_dir": 5}, ["run_dir", "int", "run_dir='runs/"]),
    ("machine type", "script", {"machine_type": 4}, ["machine_type", "int"]),
]


@pytest.mark.parametrize(
    "target, kwargs, words", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input(target, kwargs, words, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(local, "visible_gpus", lambda refresh=False: ())
    if target == "script":
        (tmp_path / "train.py").write_text(GOOD)
        target = "train.py"
    elif target == "missing":
        target = "nope/train.py"
    elif target == "txt":
        (tmp_path / "train.txt").write_text(GOOD)
        target = "train.txt"
    with pytest.raises(MlnbValueError) as info:
        train.launch(target, **kwargs)
    msg = str(info.value)
    for word in words:
        assert word in msg, (word, msg)
    assert not (tmp_path / "mlnb-runs").exists()  # nothing started


def test_secret_env_values_are_never_shown(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "train.py").write_text(GOOD)
    with pytest.raises(MlnbValueError) as info:
        train.launch("train.py", env={"API_KEY": 1234567})
    assert "1234567" not in str(info.value) and "API_KEY" in str(info.value)


SPACE_CASES = [
    (lambda: Float(0.0, float("inf")), ["Float(high=...)", "finite"]),
    (lambda: Float("a", 1.0), ["Float(low=...)", "str"]),
    (lambda: Int(1.5, 3), ["Int(low=...)", "integer"]),
    (lambda: Int(3, 3), ["low < high", "Choice((3,))"]),
    (lambda: Int(0, 3, log=True), ["log=True", "low > 0"]),
    (lambda: Choice(()), ["no values", "Choice(('a', 'b'))"]),
    (lambda: Choice("abc"), ["list or tuple", "Choice(('abc',))"]),
    (lambda: Choice((1, [2])), ["list", "text, integers"]),
    (lambda: Choice((1.0, float("nan"))), ["nan", "finite"]),
]


@pytest.mark.parametrize("make, words", SPACE_CASES)
def test_bad_space(make, words):
    with pytest.raises(MlnbValueError) as info:
        make()
    for word in words:
        assert word in str(info.value), (word, str(info.value))
