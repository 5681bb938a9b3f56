"""The search space's spellings, --name=value arguments both ways, and what
report() writes (JSON lines locally, hypertune lines on Vertex AI), read back with
json."""

from __future__ import annotations

import importlib
import json
import math

import pytest

from mlnb.errors import MlnbValueError
from mlnb.runtime.training import Choice, Float, Int, params, report, search_space
from mlnb.runtime.training.space import is_search, space_to_dict, to_args

# the package's `report` is the function; the module by its full name
report_module = importlib.import_module("mlnb.runtime.training.report")


def test_short_spellings():
    space = search_space(
        {
            "lr": (1e-4, 1e-1, "log"),
            "depth": (2, 8),
            "frac": (0, 0.5),
            "kernel": ["rbf", "linear"],
            "seed": 0,
            "given": Int(1, 3, log=True),
        }
    )
    assert space == {
        "lr": Float(1e-4, 1e-1, log=True),
        "depth": Int(2, 8),
        "frac": Float(0.0, 0.5),
        "kernel": Choice(("rbf", "linear")),
        "seed": Choice((0,)),
        "given": Int(1, 3, log=True),
    }
    assert list(space) == ["lr", "depth", "frac", "kernel", "seed", "given"]
    assert [p.kind for p in space.values()] == [
        "float",
        "int",
        "float",
        "choice",
        "choice",
        "int",
    ]
    assert is_search(space) and not is_search(search_space({"a": 1, "b": "x"}))
    json.dumps(space_to_dict(space))
    assert search_space(None) == {}


def test_to_args_round_trips_exactly():
    values = {"lr": 0.1 + 0.2, "tiny": 1e-300, "n": 3, "kind": "rbf", "flag": True}
    args = to_args(values)
    assert args[0] == f"--lr={0.1 + 0.2!r}"
    back = params({"lr": 0.0, "tiny": 0.0, "n": 0, "kind": "", "flag": False}, args)
    assert back == values and back["lr"] == 0.30000000000000004


def test_params_without_defaults_and_other_forms():
    argv = ["pos", "--a=3", "--b", "2.5", "--c=x", "--d=True", "--verbose"]
    got = params(None, argv)
    assert got == {"a": 3, "b": 2.5, "c": "x", "verbose": True, "d": True}
    assert params({"lr": 0.1}, []) == {"lr": 0.1}
    assert params({"on": True}, ["--on=false"]) == {"on": False}
    assert params({"n_layers": 1}, ["--n-layers=4"]) == {"n_layers": 4}
    with pytest.raises(MlnbValueError, match="--n=abc"):
        params({"n": 1}, ["--n=abc"])


def test_optuna_suggest_stays_in_range():
    optuna = pytest.importorskip("optuna")
    space = search_space({"lr": (1e-4, 1e-1, "log"), "d": (2, 8), "k": ["a", "b"]})
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(20):
        trial = study.ask()
        got = {n: p.suggest(trial, n) for n, p in space.items()}
        assert 1e-4 <= got["lr"] <= 1e-1 and isinstance(got["lr"], float)
        assert 2 <= got["d"] <= 8 and isinstance(got["d"], int)
        assert got["k"] in ("a", "b")
        study.tell(trial, 0.0)


def test_report_jsonl(tmp_path, monkeypatch):
    path = tmp_path / "m.jsonl"
    monkeypatch.setenv("MLNB_TRAIN_METRICS", str(path))
    monkeypatch.setenv("CLOUD_ML_TRIAL_ID", "7")  # local trials have it too
    np = pytest.importorskip("numpy")
    report(step=0, accuracy=0.5, loss=np.float32(0.25))
    report(accuracy=1)
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert [x["step"] for x in lines] == [0, None]
    assert lines[0]["metrics"] == {"accuracy": 0.5, "loss": 0.25}
    assert lines[1]["metrics"] == {"accuracy": 1.0}
    assert all(isinstance(x["time"], float) for x in lines)
    assert not (tmp_path / "hypertune").exists()


def test_report_hypertune(tmp_path, monkeypatch):
    monkeypatch.delenv("MLNB_TRAIN_METRICS", raising=False)
    path = tmp_path / "hp" / "output.metrics"
    monkeypatch.setenv("CLOUD_ML_HP_METRIC_FILE", str(path))
    monkeypatch.setenv("CLOUD_ML_TRIAL_ID", "12")
    report(step=3, accuracy=0.875)
    report(accuracy=0.9, loss=0.1)
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert len(lines) == 2
    assert lines[0]["trial"] == "12" and lines[0]["global_step"] == "3"
    assert float(lines[0]["accuracy"]) == 0.875
    assert lines[1]["global_step"] == "0" and float(lines[1]["loss"]) == 0.1
    assert isinstance(lines[0]["timestamp"], float)


def test_report_hypertune_default_path_and_limit(tmp_path, monkeypatch):
    monkeypatch.delenv("MLNB_TRAIN_METRICS", raising=False)
    monkeypatch.delenv("CLOUD_ML_HP_METRIC_FILE", raising=False)
    monkeypatch.setenv("CLOUD_ML_TRIAL_ID", "1")
    default = tmp_path / "hypertune" / "output.metrics"
    monkeypatch.setattr(report_module, "HYPERTUNE_DEFAULT", str(default))
    for i in range(105):
        report(step=i, auc=i / 200)
    lines = [json.loads(x) for x in default.read_text().splitlines()]
    assert len(lines) == 100 and lines[-1]["global_step"] == "104"


def test_report_prints_elsewhere(capsys, monkeypatch):
    for name in ("MLNB_TRAIN_METRICS", "CLOUD_ML_HP_METRIC_FILE", "CLOUD_ML_TRIAL_ID"):
        monkeypatch.delenv(name, raising=False)
    report(step=2, accuracy=0.5)
    assert capsys.readouterr().out.strip() == "[mlnb.train.report] step 2: accuracy=0.5"


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({}, ["report()", "accuracy=0.91"]),
        ({"accuracy": math.nan}, ["accuracy", "finite"]),
        ({"accuracy": math.inf}, ["accuracy", "finite"]),
        ({"accuracy": "0.9"}, ["accuracy", "str", "float("]),
        ({"accuracy": True}, ["accuracy", "bool"]),
        ({"accuracy": None}, ["accuracy", "NoneType"]),
        ({"step": -1, "accuracy": 0.5}, ["step", "-1", "non-negative"]),
        ({"step": 1.5, "accuracy": 0.5}, ["step", "1.5", "epoch"]),
    ],
)
def test_report_bad_values(kwargs, words, monkeypatch):
    monkeypatch.delenv("MLNB_TRAIN_METRICS", raising=False)
    with pytest.raises(MlnbValueError) as info:
        report(**kwargs)
    for word in words:
        assert word in str(info.value)
