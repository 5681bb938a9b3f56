"""Pipeline.compile: the KFP v2 IR YAML read back with yaml.safe_load — the five
tasks, the two dsl.If conditions (valid data, the blessing), the gate's Metrics
artefact, the parameters and their defaults, the image and packages."""

from __future__ import annotations

import json

import pytest
import yaml
from pipeline_helpers import fit_a, make_data

from mlnb.checks.deployment import ChangeThreshold, ValueThreshold, schema
from mlnb.runtime.pipeline import Pipeline

pytestmark = pytest.mark.extra("pipeline", module="kfp")

DF = make_data(0)
THS = [
    ValueThreshold("accuracy", lower=0.5),
    ChangeThreshold("accuracy", absolute=-0.05),
]


def _pipe(tmp_path, **kw):
    return Pipeline(
        "income",
        train=fit_a,
        label="y",
        schema=schema(DF),
        thresholds=THS,
        slices=["g"],
        registry=str(tmp_path / "reg"),
        **kw,
    )


def _tasks(spec):
    """{task name: (component holding it, task spec)} over every DAG."""
    out = {}
    comps = {"root": spec["root"], **spec["components"]}
    for cname, comp in comps.items():
        for tname, task in comp.get("dag", {}).get("tasks", {}).items():
            out[tname] = (cname, task)
    return out


def test_compiled_yaml_holds_the_five_steps_and_two_conditions(tmp_path):
    pipe = _pipe(tmp_path)
    path = pipe.compile(tmp_path / "income.yaml")
    assert path == (tmp_path / "income.yaml").resolve() and path.is_file()
    spec = yaml.safe_load(path.read_text())
    assert spec["pipelineInfo"]["name"] == "income"
    tasks = _tasks(spec)
    assert set(pipe.steps) <= set(tasks)
    assert tasks["validate"][0] == "root"

    conditions = {
        name: t["triggerPolicy"]["condition"]
        for name, (_, t) in tasks.items()
        if "triggerPolicy" in t
    }
    assert len(conditions) == 2
    (valid_task,) = [n for n, c in conditions.items() if "validate-valid" in c]
    (blessed_task,) = [n for n, c in conditions.items() if "gate-blessed" in c]
    assert conditions[valid_task].endswith("== true")
    assert conditions[blessed_task].endswith("== true")
    # train/evaluate/gate inside the first condition, deploy inside the second
    valid_comp = tasks[valid_task][1]["componentRef"]["name"]
    blessed_comp = tasks[blessed_task][1]["componentRef"]["name"]
    for step in ("train", "evaluate", "gate"):
        assert tasks[step][0] == valid_comp
    assert tasks[blessed_task][0] == valid_comp
    assert tasks["deploy"][0] == blessed_comp

    comps = spec["components"]
    out_arts = comps["comp-evaluate"]["outputDefinitions"]["artifacts"]
    assert out_arts["metrics"]["artifactType"]["schemaTitle"] == "system.Metrics"
    assert out_arts["decision"]["artifactType"]["schemaTitle"] == "system.Artifact"
    train_out = comps["comp-train"]["outputDefinitions"]["artifacts"]
    assert train_out["model"]["artifactType"]["schemaTitle"] == "system.Model"
    gate_out = comps["comp-gate"]["outputDefinitions"]["parameters"]
    assert gate_out["blessed"]["parameterType"] == "BOOLEAN"
    # deploy receives the model trained, the decision and the validation
    deploy_in = tasks["deploy"][1]["inputs"]["artifacts"]
    assert set(deploy_in) == {"model", "decision", "validation"}

    params = spec["root"]["inputDefinitions"]["parameters"]
    assert "defaultValue" not in params["train_data"]
    assert "defaultValue" not in params["eval_data"]
    expected = pipe.parameters()
    for key, value in expected.items():
        assert params[key]["defaultValue"] == value, key
    assert json.loads(params["thresholds_json"]["defaultValue"])[1]["kind"] == "change"


def test_default_image_installs_mlnb_and_custom_image_installs_nothing(tmp_path):
    spec = yaml.safe_load(_pipe(tmp_path).compile(tmp_path / "a.yaml").read_text())
    execs = spec["deploymentSpec"]["executors"]
    assert len(execs) == 5
    for e in execs.values():
        c = e["container"]
        assert c["image"] == "python:3.11"
        assert "mlnb[validate,registry,pipeline]" in " ".join(c["command"])
    custom = _pipe(tmp_path, base_image="my-image:1").compile(tmp_path / "b.yaml")
    spec = yaml.safe_load(custom.read_text())
    for e in spec["deploymentSpec"]["executors"].values():
        c = e["container"]
        assert c["image"] == "my-image:1"
        assert "pip install" not in " ".join(c["command"])


def test_kfp_local_pipeline_runner_still_skips_dsl_if_branches(tmp_path):
    """Why run_local runs step by step: kfp's local pipeline runner never runs a
    dsl.If branch on a task output (the condition is true here). When this
    fails, kfp has fixed it and run_local can run the compiled pipeline whole."""
    from kfp_probe import mark, probe

    from mlnb.integrations.kfp_pipeline import _local_session

    marker = tmp_path / "branch-ran"
    with _local_session(str(tmp_path / "root"), []):
        mark(path=str(tmp_path / "alone"))  # the component itself runs locally
        probe(path=str(marker))
    assert (tmp_path / "alone").read_text() == "ran"
    assert not marker.exists()
