"""The error hierarchy, the ten-step checklist and the optional-extras policy."""

from __future__ import annotations

import json

import pytest

import mlnb
from mlnb import (
    STEP_IDS,
    STEPS,
    DataValidationError,
    MissingDependencyError,
    MlnbError,
    MlnbValueError,
    get_step,
)
from mlnb.checklist import STATUSES, Step

TEN_IDS = (
    "problem",
    "prototype",
    "training",
    "imbalance",
    "accuracy",
    "fairness",
    "explainability",
    "deployment",
    "drift",
    "serving",
)

# -- errors ----------------------------------------------------------------------------


def test_hierarchy():
    assert issubclass(MlnbError, Exception)
    assert issubclass(MlnbValueError, MlnbError)
    assert issubclass(MlnbValueError, ValueError)
    assert issubclass(DataValidationError, MlnbValueError)
    assert issubclass(DataValidationError, ValueError)
    assert issubclass(MissingDependencyError, MlnbError)
    assert issubclass(MissingDependencyError, ImportError)
    assert not issubclass(MissingDependencyError, ValueError)


def test_value_errors_are_caught_as_value_errors():
    with pytest.raises(ValueError):
        mlnb.imbalance([1, 1, 1], publish=False)
    with pytest.raises(MlnbError):
        mlnb.thresholds([0, 1], [0.5, float("nan")], publish=False)


def test_missing_dependency_names_the_extra():
    err = MissingDependencyError("tensorflow-model-analysis", "tfma", "sliced metrics")
    msg = str(err)
    assert 'pip install "mlnb[tfma]"' in msg
    assert "tensorflow-model-analysis" in msg and "sliced metrics" in msg
    assert err.extra == "tfma" and err.package == "tensorflow-model-analysis"
    assert err.name == "tensorflow-model-analysis"
    with pytest.raises(ImportError):
        raise err
    bare = MissingDependencyError("google-cloud-aiplatform", "vertex")
    assert 'pip install "mlnb[vertex]"' in str(bare) and " for " not in str(bare)


# -- the checklist ---------------------------------------------------------------------


def test_ten_steps_in_order():
    assert STEP_IDS == TEN_IDS
    assert tuple(s.id for s in STEPS) == TEN_IDS
    assert [s.number for s in STEPS] == list(range(1, 11))
    assert mlnb.STEP_IDS is STEP_IDS


@pytest.mark.parametrize("step", STEPS, ids=TEN_IDS)
def test_every_step_is_complete(step: Step):
    assert step.title and step.title[0].isupper()
    assert step.group
    assert len(step.questions) >= 3
    assert all(q.strip().endswith("?") for q in step.questions)
    assert len(step.remedies) >= 2
    assert all(r.strip() for r in step.remedies)
    d = step.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert d["id"] == step.id and d["questions"] == list(step.questions)


def test_groups_follow_the_talk():
    groups = [s.group for s in STEPS]
    assert groups[:3] == ["Building a model"] * 3
    assert groups[3:5] == ["Model accuracy"] * 2
    assert groups[5:7] == ["Transparency and fairness"] * 2
    assert groups[7:] == ["MLOps"] * 3


def test_imbalance_step_entry_points_exist():
    step = get_step("imbalance")
    assert "mlnb.imbalance()" in step.entry_points
    assert "mlnb.thresholds()" in step.entry_points
    for entry in step.entry_points:
        if entry.endswith("()"):
            assert callable(getattr(mlnb, entry[len("mlnb.") : -2]))
    assert step.commands and all(c.startswith("%mlcheck ") for c in step.commands)
    assert "%load_ext mlnb" in step.starter


def test_statuses():
    assert STATUSES == ("pass", "info", "warn", "fail")


@pytest.mark.parametrize(
    "key, expected",
    [
        ("imbalance", "imbalance"),
        (4, "imbalance"),
        ("4", "imbalance"),
        (" Imbalance ", "imbalance"),
        (1, "problem"),
        ("10", "serving"),
        ("drift", "drift"),
    ],
)
def test_get_step(key, expected):
    assert get_step(key).id == expected


@pytest.mark.parametrize("key", ["imbalanced", "", 0, 11, "-1", "step4"])
def test_get_step_unknown_lists_valid_ids(key):
    with pytest.raises(MlnbValueError) as info:
        get_step(key)
    msg = str(info.value)
    assert repr(key) in msg
    for step_id in TEN_IDS:
        assert step_id in msg


# -- the optional-extras policy (tests/conftest.py) ------------------------------------

ABSENT = "mlnb_no_such_module_for_tests"


def test_require_skips_when_extras_are_optional(require, monkeypatch):
    monkeypatch.delenv("MLNB_REQUIRE_EXTRAS", raising=False)
    with pytest.raises(pytest.skip.Exception) as info:
        require(ABSENT, "tfma")
    assert 'pip install "mlnb[tfma]"' in str(info.value)


def test_require_fails_when_extras_are_required(require, monkeypatch):
    monkeypatch.setenv("MLNB_REQUIRE_EXTRAS", "1")
    with pytest.raises(pytest.fail.Exception) as info:
        require(ABSENT, "vertex")
    assert "MLNB_REQUIRE_EXTRAS=1" in str(info.value)
    assert 'pip install "mlnb[vertex]"' in str(info.value)


def test_require_returns_the_module(require, monkeypatch):
    monkeypatch.setenv("MLNB_REQUIRE_EXTRAS", "1")
    assert require("json", "none") is json


@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.id)
def test_every_entry_point_and_command_exists(step):
    """What the panel and ``%mlcheck help`` offer for a step is real: each entry
    point resolves, each command's name is registered for that step, and the
    starter cell runs a command or entry point of the step."""
    import mlnb.magics as magics

    for entry in step.entry_points:
        path = entry.split("(")[0].removeprefix("mlnb.").split(".")
        obj = mlnb
        for part in path:
            obj = getattr(obj, part)
        assert obj is not None
    for command in step.commands:
        name = command.split()[1]
        assert magics.COMMANDS[name][0] == step.id, command
    if step.entry_points or step.commands:
        assert "%load_ext mlnb" in step.starter
        calls = [e.split("(")[0] for e in step.entry_points] + [
            " ".join(c.split()[:2]) for c in step.commands
        ]
        assert any(call in step.starter for call in calls), step.starter
