"""mlnb.runtime.pipeline.Pipeline's configuration, checked at construction (no kfp
needed): every bad input raises an MlnbError naming the argument and the fix; the
training function's embedded source rebuilds the same model in a fresh namespace."""

from __future__ import annotations

import functools
import json

import numpy as np
import pytest
from pipeline_helpers import fit_a, make_data

from mlnb.checks.deployment import ChangeThreshold, ValueThreshold, schema
from mlnb.checks.deployment.thresholds import threshold_from_dict
from mlnb.core.conditions import Condition
from mlnb.errors import MlnbError, MlnbValueError
from mlnb.runtime.pipeline import STEPS, Pipeline
from mlnb.runtime.pipeline.trainfn import as_train_function, load_train_function

DF = make_data(0)
SCHEMA = schema(DF)
VT = ValueThreshold("accuracy", lower=0.5)
NOTEBOOK_DATA = DF  # a notebook global holding data: cannot travel


def _kw(**over):
    kw = {
        "train": fit_a,
        "label": "y",
        "schema": SCHEMA,
        "thresholds": [VT],
        "registry": "unused-registry",
    }
    kw.update(over)
    return kw


def reads_notebook_data(train_df, label):
    return NOTEBOOK_DATA.shape


def one_argument(train_df):
    return train_df


@functools.lru_cache
def decorated(train_df, label):
    return label


def _closure():
    k = 3

    def inner(train_df, label):
        return k

    return inner


def _no_source():
    ns: dict = {}
    exec("def made(train_df, label):\n    return 1\n", ns)  # noqa: S102
    return ns["made"]


def _undefined_name():
    ns: dict = {}
    exec("def uses(train_df, label):\n    return nowhere_defined\n", ns)  # noqa: S102
    return ns["uses"]


BAD = [
    # (overrides, name, error regex)
    ({}, "Income Pipeline", r"name must be a pipeline name.*name='income'"),
    ({}, "", r"name must be"),
    ({"train": lambda df, label: 1}, "p", r"train is a lambda.*module:function"),
    ({"train": _closure()}, "p", r"closure \(it reads k.*module:function"),
    ({"train": _no_source()}, "p", r"source of made\(\) cannot be found"),
    ({"train": reads_notebook_data}, "p", r"global name 'NOTEBOOK_DATA'.*move it"),
    ({"train": _undefined_name()}, "p", r"nowhere_defined'.*not defined"),
    ({"train": decorated}, "p", r"train must be a plain function"),
    ({"train": one_argument}, "p", r"must accept \(train_df, label\)"),
    ({"train": 3}, "p", r"train must be a plain function.*got int"),
    ({"train": "no colon here"}, "p", r"'package.module:function' string"),
    ({"train": "no_such_mod_xyz:fit"}, "p", r"'no_such_mod_xyz' cannot be imported"),
    ({"train": "operator:no_such"}, "p", r"has no function 'no_such'"),
    ({"label": "income"}, "p", r"label 'income' is not a column of the schema"),
    ({"label": " "}, "p", r"label must be the label column's name"),
    ({"schema": None}, "p", r"schema is required.*mlnb.schema\(train_df\)"),
    ({"schema": "/nonexistent/s.json"}, "p", r"schema: no schema file.*save"),
    ({"schema": DF}, "p", r"schema must be an mlnb Schema.*got DataFrame"),
    ({"thresholds": None}, "p", r"thresholds must list"),
    ({"thresholds": []}, "p", r"thresholds is empty"),
    ({"thresholds": [Condition("roc_auc", ">=", 0.8)]}, "p", r"Condition judges"),
    ({"slices": ["nope"]}, "p", r"slices: 'nope' is not a column of the schema"),
    ({"slices": [("g", "nope")]}, "p", r"slices: 'nope'"),
    ({"slices": 3}, "p", r"slices must be a column"),
    ({"registry": 3}, "p", r"registry must be a folder path"),
    ({"registry": ""}, "p", r"registry must be a folder.*empty"),
    ({"registry": {"project": "p"}}, "p", r"registry as a dict.*'uri': 'vertex'"),
    ({"model_name": " "}, "p", r"model_name must be"),
    ({"threshold": 1.5}, "p", r"threshold is the decision threshold"),
    ({"threshold": True}, "p", r"threshold is the decision threshold"),
    ({"base_image": ""}, "p", r"base_image must be a container image"),
    ({"packages": "mlnb"}, "p", r"packages must be a list of pip requirement"),
]


@pytest.mark.parametrize(("over", "name", "words"), BAD)
def test_bad_configuration_names_the_argument_and_the_fix(over, name, words):
    with pytest.raises(MlnbError, match=words):
        Pipeline(name, **_kw(**over))


def test_registry_path_that_is_a_file(tmp_path):
    f = tmp_path / "reg"
    f.write_text("x")
    with pytest.raises(MlnbValueError, match=r"is a file.*folder"):
        Pipeline("p", **_kw(registry=str(f)))


def test_configuration_becomes_json_parameters(tmp_path):
    path = tmp_path / "schema.json"
    SCHEMA.save(path)
    change = ChangeThreshold("accuracy", absolute=-0.05, slice=("g", "y"))
    pipe = Pipeline(
        "income-2",
        **_kw(
            schema=str(path),
            thresholds=[VT, change],
            slices=["g", ("g", "a")],
            registry=str(tmp_path / "reg"),
            threshold=0.4,
        ),
    )
    assert pipe.steps == STEPS == ("validate", "train", "evaluate", "gate", "deploy")
    assert pipe.model_name == "income-2"
    p = pipe.parameters()
    assert json.loads(p["schema_json"]) == SCHEMA.to_dict()
    back = [threshold_from_dict(d) for d in json.loads(p["thresholds_json"])]
    assert back == [VT, change]
    assert json.loads(p["slices_json"]) == ["g", ["g", "a"]]
    assert json.loads(p["registry_json"]) == {"uri": str(tmp_path / "reg")}
    assert p["threshold"] == 0.4 and p["label"] == "y"
    assert p["train_ref"] == "" and p["train_name"] == "fit_a"
    assert pipe.packages == ("mlnb[validate,registry,pipeline]",)
    assert not pipe.custom_image
    assert "fit_a" in repr(pipe)


def test_vertex_registry_spec_and_custom_image():
    pipe = Pipeline(
        "p",
        **_kw(
            registry={"kind": "vertex", "project": "pr", "location": "europe-west4"},
            base_image="my-image:1",
        ),
    )
    spec = {"uri": "vertex", "project": "pr", "location": "europe-west4"}
    assert pipe.registry == spec
    assert pipe.packages == () and pipe.custom_image and pipe.base_image == "my-image:1"


def test_embedded_source_trains_the_same_model_in_a_fresh_namespace():
    t = as_train_function(fit_a)
    assert t.ref == "" and t.name == "fit_a"
    src = t.source
    assert "from sklearn.linear_model._logistic import LogisticRegression" in src
    assert "C = 1.0" in src  # a constant of the module travels as a literal
    fn = load_train_function("", t.name, src)
    assert fn is not fit_a and fn.__globals__ is not fit_a.__globals__
    m1, m2 = fn(DF, "y"), fit_a(DF, "y")
    X = DF.drop(columns=["y"])
    np.testing.assert_array_equal(m1.predict_proba(X), m2.predict_proba(X))


def test_module_function_reference():
    t = as_train_function("operator:add")
    assert (t.ref, t.name, t.source) == ("operator:add", "add", "")
    assert load_train_function(t.ref, t.name, t.source)(2, 3) == 5


def uses_np(train_df, label):
    return np.zeros(2)


def test_modules_travel_as_imports():
    t = as_train_function(uses_np)
    assert t.source.startswith("import numpy as np\n")
    fn = load_train_function("", t.name, t.source)
    np.testing.assert_array_equal(fn(DF, "y"), np.zeros(2))


@pytest.mark.parametrize(
    ("argument", "value", "words"),
    [
        ("train_data", "/nonexistent/train.csv", r"train_data: no file at"),
        ("eval_data", "/nonexistent/eval.parquet", r"eval_data: no file at"),
        ("train_data", DF, r"train_data must be the path of a CSV or Parquet"),
    ],
)
def test_run_local_bad_data_arguments(tmp_path, argument, value, words):
    good = tmp_path / "d.csv"
    DF.to_csv(good, index=False)
    pipe = Pipeline("p", **_kw(registry=str(tmp_path / "reg")))
    kw = {"train_data": str(good), "eval_data": str(good), argument: value}
    with pytest.raises(MlnbValueError, match=words):
        pipe.run_local(**kw, progress=False)


def test_run_local_data_without_label_or_wrong_ending(tmp_path):
    pipe = Pipeline("p", **_kw(registry=str(tmp_path / "reg")))
    no_label = tmp_path / "nolabel.csv"
    DF.drop(columns=["y"]).to_csv(no_label, index=False)
    good = tmp_path / "d.csv"
    DF.to_csv(good, index=False)
    with pytest.raises(MlnbValueError, match=r"eval_data: .* has no label column 'y'"):
        pipe.run_local(train_data=str(good), eval_data=str(no_label), progress=False)
    txt = tmp_path / "d.txt"
    txt.write_text("a,y\n1,0\n")
    with pytest.raises(MlnbValueError, match=r"train_data: .* neither .csv nor"):
        pipe.run_local(train_data=str(txt), eval_data=str(good), progress=False)
    with pytest.raises(MlnbValueError, match=r"pipeline_root .* is a file"):
        pipe.run_local(
            train_data=str(good), eval_data=str(good), pipeline_root=str(txt)
        )


def test_compile_path_must_be_yaml(tmp_path):
    pipe = Pipeline("p", **_kw(registry=str(tmp_path / "reg")))
    with pytest.raises(MlnbValueError, match=r"path must be a .yaml file path"):
        pipe.compile(tmp_path / "p.json")
    with pytest.raises(MlnbValueError, match=r"the folder .* does not exist"):
        pipe.compile(tmp_path / "missing" / "p.yaml")
