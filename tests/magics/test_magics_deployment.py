"""%mlcheck schema, validate and gate (step 8) in a real IPython InteractiveShell.

Each command must give what the same call from Python gives (equal frames,
decisions and schemas); the gate's bound options are also checked against AUCs
computed here with scikit-learn, so that ``--max-drop`` means what its name says.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score

import mlnb.magics as M
from mlnb.checklist import session
from mlnb.checks.deployment import (
    ChangeThreshold,
    Schema,
    ValueThreshold,
    gate,
    schema,
)
from mlnb.magics import deployment

validate_extra = pytest.mark.extra("validate", module="pandera")
registry_extra = pytest.mark.extra("registry", module="mlflow")

N = 400
RNG = np.random.default_rng(15)
A = RNG.normal(size=N)
B = RNG.normal(size=N)
Y = (A + 0.5 * B + RNG.normal(0, 0.7, N) > 0).astype(int)
DF = pd.DataFrame(
    {
        "a": A,
        "b": B,
        "sex": RNG.choice(["F", "M"], N),
        "site": RNG.choice(["x", "y"], N),
        "y": Y,
    }
)
NUM = DF[["a", "b", "y"]]
FEATURES = ["a", "b"]
#: the stronger model (all features) and a weaker one (a noisy copy of the label)
STRONG = LogisticRegression().fit(DF[FEATURES], Y)
NOISY = np.where(RNG.random(N) < 0.3, 1 - Y, Y)
WEAK = LogisticRegression().fit(DF[FEATURES] * [1.0, -1.0], NOISY)


def _auc(model) -> float:
    return roc_auc_score(Y, model.predict_proba(DF[FEATURES])[:, 1])


def _loss(model) -> float:
    return log_loss(Y, model.predict_proba(DF[FEATURES])[:, 1])


def score_fn(rows: pd.DataFrame) -> np.ndarray:
    """A plain function of the rows (picklable: a module-level function)."""
    return STRONG.predict_proba(rows[FEATURES])[:, 1]


COMMANDS = {
    "schema": ("deployment", deployment.schema_command),
    "validate": ("deployment", deployment.validate_command),
    "gate": ("deployment", deployment.gate_command),
    "promote": ("deployment", deployment.promote_command),
    "rollback": ("deployment", deployment.rollback_command),
}


@pytest.fixture
def shell(monkeypatch):
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "mlnb")
    for name, entry in COMMANDS.items():
        if name not in M.COMMANDS:  # registered by the dispatcher's table
            monkeypatch.setitem(M.COMMANDS, name, entry)
    ip.user_ns.update(
        df=DF, num=NUM, strong=STRONG, weak=WEAK, score_fn=score_fn, train=DF
    )
    session.clear()
    return ip


def run(ip, line):
    return ip.run_line_magic("mlcheck", line)


def same_decision(got, want):
    assert got.blessed == want.blessed
    assert got.status == want.status
    assert got.candidate_id == want.candidate_id
    assert got.baseline_id == want.baseline_id
    assert got.thresholds == want.thresholds
    pd.testing.assert_frame_equal(got.to_frame(), want.to_frame())


# -- gate ---------------------------------------------------------------------------
def test_gate_with_a_baseline_equals_the_python_call(shell):
    d = run(
        shell,
        "gate strong weak df --label y --features a,b --min roc_auc=0.7 "
        "accuracy=0.6 --max log_loss=0.9 --max-drop roc_auc=0.01 "
        "--max-rel-drop accuracy=2% --max-rise log_loss=0.05 --slices sex "
        "--threshold 0.4",
    )
    want = gate(
        STRONG,
        WEAK,
        data=DF,
        label="y",
        features=FEATURES,
        thresholds=[
            ValueThreshold("roc_auc", lower=0.7),
            ValueThreshold("accuracy", lower=0.6),
            ValueThreshold("log_loss", upper=0.9),
            ChangeThreshold("roc_auc", absolute=-0.01, direction="higher_is_better"),
            ChangeThreshold("accuracy", relative=-0.02, direction="higher_is_better"),
            ChangeThreshold("log_loss", absolute=0.05, direction="lower_is_better"),
        ],
        slices=["sex"],
        threshold=0.4,
        publish=False,
    )
    same_decision(d, want)
    assert d.blessed and d.slice_columns == ("sex",) and d.threshold == 0.4
    # 6 thresholds × (overall + F + M)
    assert d.n_checks == 18
    # the magic published its decision as step 8's evidence
    assert [r["check"] for r in session.checks("deployment")] == ["gate"]


def test_gate_without_a_baseline(shell):
    d = run(shell, "gate strong num --label y --min roc_auc=0.8")
    want = gate(
        STRONG,
        data=NUM,
        label="y",
        thresholds=[ValueThreshold("roc_auc", lower=0.8)],
        publish=False,
    )
    same_decision(d, want)
    assert d.baseline_id is None and d.blessed
    assert d.to_frame()["candidate"].iloc[0] == pytest.approx(_auc(STRONG))


def test_gate_expressions_with_spaces_and_a_function(shell):
    d = run(
        shell,
        "gate score_fn weak df[df.a > -1] --label y --features a b "
        "--max-drop roc_auc=0.05 --model-type classification --slices 'sex*site'",
    )
    rows = DF[DF.a > -1]
    want = gate(
        score_fn,
        WEAK,
        data=rows,
        label="y",
        features=FEATURES,
        thresholds=[ChangeThreshold("roc_auc", absolute=-0.05)],
        slices=[("sex", "site")],
        model_type="classification",
        publish=False,
    )
    same_decision(d, want)
    assert d.n_rows == len(rows)


def test_max_drop_means_at_most_that_much_below_the_baseline(shell):
    """The weak candidate against the strong baseline: its AUC drop D, computed
    here, passes --max-drop just above D and fails just below it."""
    drop = _auc(STRONG) - _auc(WEAK)
    assert drop > 0.05
    line = "gate weak strong df --label y --features a,b --max-drop roc_auc={:.6f}"
    assert run(shell, line.format(drop + 1e-4)).blessed
    assert not run(shell, line.format(drop - 1e-4)).blessed
    # the strong candidate against the weak baseline gains: any drop bound holds
    assert run(
        shell, "gate strong weak df --label y --features a,b --max-drop roc_auc=0"
    ).blessed
    rel = drop / _auc(STRONG)
    line = "gate weak strong df --label y --features a,b --max-rel-drop roc_auc={}"
    assert run(shell, line.format(f"{100 * rel + 0.01:.6f}%")).blessed
    assert not run(shell, line.format(f"{rel - 1e-4:.6f}")).blessed


def test_max_rise_means_at_most_that_much_above_the_baseline(shell):
    rise = _loss(WEAK) - _loss(STRONG)
    assert rise > 0
    line = "gate weak strong df --label y --features a,b --max-rise log_loss={:.6f}"
    assert run(shell, line.format(rise + 1e-4)).blessed
    assert not run(shell, line.format(rise - 1e-4)).blessed
    rel = rise / _loss(STRONG)
    line = "gate weak strong df --label y --features a,b --max-rel-rise log_loss={:.6f}"
    assert run(shell, line.format(rel + 1e-4)).blessed
    assert not run(shell, line.format(rel - 1e-4)).blessed


def test_min_and_max_bound_one_metric_from_both_sides(shell):
    auc = _auc(STRONG)
    line = "gate strong num --label y --min roc_auc={:.6f} --max roc_auc={:.6f}"
    d = run(shell, line.format(auc - 1e-3, auc + 1e-3))
    assert d.blessed and len(d.thresholds) == 1
    assert d.thresholds[0]["lower"] == pytest.approx(auc - 1e-3)
    assert d.thresholds[0]["upper"] == pytest.approx(auc + 1e-3)
    assert not run(shell, line.format(auc + 1e-3, auc + 2e-3)).blessed
    assert not run(shell, line.format(auc - 2e-3, auc - 1e-3)).blessed


def test_bounds_are_repeatable_and_comma_separated(shell):
    one = run(shell, "gate strong num --label y --min roc_auc=0.7,accuracy=0.6")
    two = run(shell, "gate strong num --label y --min roc_auc=0.7 --min accuracy=0.6")
    three = run(shell, "gate strong num --label y --min roc_auc=0.7 accuracy=0.6")
    assert one.thresholds == two.thresholds == three.thresholds
    assert [t["metric"] for t in one.thresholds] == ["roc_auc", "accuracy"]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ("--min roc_auc=0.8", ValueThreshold("roc_auc", lower=0.8)),
        ("--max fpr=0.1", ValueThreshold("fpr", upper=0.1)),
        ("--min r2=-1.5", ValueThreshold("r2", lower=-1.5)),
        (
            "--max-drop f1=0.02",
            ChangeThreshold("f1", absolute=-0.02, direction="higher_is_better"),
        ),
        (
            "--max-drop roc_auc=0.01 --max-rel-drop roc_auc=1.5%",
            ChangeThreshold("roc_auc", absolute=-0.01, relative=-0.015),
        ),
        (
            "--max-rise mae=0.5 --max-rel-rise mae=0.1",
            ChangeThreshold(
                "mae", absolute=0.5, relative=0.1, direction="lower_is_better"
            ),
        ),
    ],
)
def test_each_option_builds_its_threshold(options, expected):
    parser = deployment.gate_command.parser
    args = parser.parse_args(["--label", "y", *options.split()])
    bounds = {
        o: deployment.parse_bounds(getattr(args, o[2:].replace("-", "_")), o)
        for o in deployment.BOUND_OPTIONS
    }
    assert deployment.gate_thresholds(bounds) == [expected]


# -- schema -------------------------------------------------------------------------
def test_schema_equals_the_python_call(shell, capsys):
    assert run(shell, "schema df") == schema(DF)
    s = run(shell, "schema df[['sex', 'a']] --categorical-max 1")
    assert s == schema(DF[["sex", "a"]], categorical_max=1)
    assert s["sex"].type == "text"
    frame = pd.DataFrame({"k": np.arange(N), "j": np.arange(N) * 2, "v": A})
    shell.user_ns["ids"] = frame
    assert run(shell, "schema ids") == schema(frame)
    assert run(shell, "schema ids").to_dict()["columns"][0]["unique"]
    s = run(shell, "schema ids --id j")
    assert s == schema(frame, id_columns=["j"]) and not s["k"].unique
    assert run(shell, "schema ids --no-id") == schema(frame, id_columns=[])
    assert not any(c.unique for c in run(shell, "schema ids --no-id").columns)


def test_schema_int_column_names(shell):
    frame = pd.DataFrame({0: np.arange(50), 1: np.arange(50) % 3})
    shell.user_ns["ints"] = frame
    assert run(shell, "schema ints --id 0,1") == schema(frame, id_columns=[0, 1])


def test_schema_save_refuses_to_overwrite_without_the_flag(shell, tmp_path, capsys):
    path = tmp_path / "schema file.json"
    s = run(shell, f"schema df --save '{path}'")
    assert str(path) in capsys.readouterr().out
    assert Schema.load(path) == s == schema(DF)
    assert json.loads(path.read_text())["columns"][0]["name"] == "a"
    with pytest.raises(UsageError) as info:
        run(shell, f"schema df[['a']] --save '{path}'")
    assert "already exists" in str(info.value) and "--overwrite" in str(info.value)
    assert Schema.load(path) == schema(DF)  # untouched
    run(shell, f"schema df[['a']] --save '{path}' --overwrite")
    assert Schema.load(path) == schema(DF[["a"]])


# -- validate -----------------------------------------------------------------------
@validate_extra
def test_validate_with_a_schema_file_name_or_variable(shell, tmp_path):
    from mlnb.checks.deployment import validate_data

    s = schema(DF)
    path = tmp_path / "s.json"
    s.save(path)
    new = DF.assign(a=DF.a * 10, sex=DF.sex.replace("F", "X"))
    shell.user_ns.update(new=new, s=s, where=str(path))
    want = validate_data(new, s, publish=False)
    assert len(want.anomalies) >= 2  # out of range and a new category
    for spec in (f"'{path}'", "s", "where", "[s][0]"):
        got = run(shell, f"validate new --schema {spec}")
        assert got.status == want.status
        pd.testing.assert_frame_equal(got.anomalies, want.anomalies)
    assert "validate_data" in [r["check"] for r in session.checks("deployment")]


@validate_extra
def test_validate_options_equal_the_python_call(shell, tmp_path):
    from mlnb.checks.deployment import validate_data

    s = schema(DF)
    new = DF.assign(b=DF.b + 3.0)
    new.loc[:79, "a"] = np.nan  # 20% missing where training had none
    shell.user_ns.update(new=new, s=s)
    for options, kwargs in (
        ("--reference train", {"reference": DF}),
        (
            "--reference train --skew-threshold 0.9",
            {"reference": DF, "skew_threshold": 0.9},
        ),
        ("--missing-rate-jump 0.5", {"missing_rate_jump": 0.5}),
    ):
        got = run(shell, f"validate new --schema s {options}")
        want = validate_data(new, s, publish=False, **kwargs)
        pd.testing.assert_frame_equal(got.anomalies, want.anomalies)
    kinds = set(run(shell, "validate new --schema s --reference train").anomalies.kind)
    assert "skew" in kinds
    kinds = set(
        run(
            shell, "validate new --schema s --reference train --skew-threshold 0.99"
        ).anomalies.kind
    )
    assert "skew" not in kinds


# -- promote and rollback -----------------------------------------------------------
@pytest.fixture(scope="module")
def reg_folder(tmp_path_factory):
    """One registry for the module (creating MLflow's tables takes seconds); each
    test registers its own model names."""
    from mlnb.runtime.registry import registry

    folder = tmp_path_factory.mktemp("registry")
    registry(str(folder))
    return str(folder)


def _bless(candidate, baseline=None, lower=0.6):
    return gate(
        candidate,
        baseline,
        data=DF,
        label="y",
        features=FEATURES,
        thresholds=[ValueThreshold("roc_auc", lower=lower)],
        publish=False,
    )


def _promotion_fields(p):
    return (p.promoted, p.status, p.action, p.alias, p.version, p.previous, p.model_id)


@registry_extra
def test_promote_equals_the_python_call_and_reads_back(shell, reg_folder, tmp_path):
    from mlnb.runtime.registry import promote, registry

    shell.user_ns.update(decision=_bless(STRONG), reg_path=reg_folder)
    p = run(shell, f"promote strong decision --registry '{reg_folder}' --name m1")
    assert p.promoted and p.version == "1" and p.previous is None
    reg = registry(reg_folder)
    assert reg.champion("m1").version == "1"
    back = reg.load("m1")
    np.testing.assert_allclose(
        back.predict_proba(DF[FEATURES]), STRONG.predict_proba(DF[FEATURES])
    )
    assert [r["check"] for r in session.checks("deployment")] == ["promotion"]
    want = promote(STRONG, _bless(STRONG), registry=reg, name="m1py", publish=False)
    assert _promotion_fields(p) == _promotion_fields(want)
    # the same model again: nothing to do (info), as from Python
    again = run(shell, "promote strong decision --registry reg_path --name m1")
    assert not again.promoted and again.status == "info"
    assert (
        again.reason
        == promote(
            STRONG, _bless(STRONG), registry=reg, name="m1", publish=False
        ).reason
    )


@registry_extra
def test_promote_against_the_champion_then_roll_back(shell, reg_folder):
    from mlnb.runtime.registry import registry

    reg = registry(reg_folder)
    shell.user_ns.update(reg=reg, first=_bless(WEAK))
    assert run(shell, "promote weak first --registry reg --name m2").version == "1"
    shell.user_ns["champ"] = reg.load("m2")
    d = run(shell, "gate strong champ df --label y --features a,b --max-drop roc_auc=0")
    assert d.blessed and d.baseline_id == reg.champion("m2").fingerprint
    shell.user_ns["d"] = d
    p = run(
        shell,
        "promote strong d --registry reg --name m2 --description 'better AUC' "
        "--tag team=risk ticket=42 --tag owner=me --data df --timeout 5",
    )
    assert p.promoted and (p.version, p.previous) == ("2", "1")
    v = reg.champion("m2")
    assert v.version == "2" and v.description == "better AUC"
    assert v.tags == {"team": "risk", "ticket": "42", "owner": "me"}
    # --data: the training rows' fingerprint, read back with MLflow's own client
    from mlflow import MlflowClient

    from mlnb.checks.deployment.gate import data_fingerprint

    db = f"sqlite:///{reg_folder}/registry.db"
    tags = (
        MlflowClient(tracking_uri=db, registry_uri=db).get_model_version("m2", "2").tags
    )
    assert tags["mlnb.train_data_id"] == data_fingerprint(DF)
    r = run(shell, "rollback --registry reg --name m2")
    assert r.action == "rollback" and (r.version, r.previous) == ("1", "2")
    assert reg.champion("m2").version == "1"


@registry_extra
def test_promote_refuses_what_the_gate_did_not_bless(shell, reg_folder):
    from mlnb.runtime.registry import registry

    shell.user_ns["no"] = _bless(WEAK, lower=0.99)
    p = run(shell, f"promote weak no --registry '{reg_folder}' --name m3")
    assert not p.promoted and p.status == "fail" and "did not bless" in p.reason
    assert registry(reg_folder).champion("m3") is None


@registry_extra
def test_promote_with_an_alias_a_schema_and_a_validation(shell, reg_folder, tmp_path):
    pytest.importorskip("pandera")
    from mlnb.checks.deployment import validate_data
    from mlnb.runtime.registry import registry

    s = schema(DF)
    s.save(tmp_path / "s.json")
    bad = validate_data(DF.drop(columns=["b"]), s, publish=False)
    assert bad.status == "fail"
    shell.user_ns.update(
        d=_bless(STRONG), good=validate_data(DF, s, publish=False), bad=bad
    )
    p = run(
        shell,
        f"promote strong d --registry '{reg_folder}' --name m4 --validation bad",
    )
    assert not p.promoted and "validation failed" in p.reason
    p = run(
        shell,
        f"promote strong d --registry '{reg_folder}' --name m4 --alias staging "
        f"--validation good --schema '{tmp_path / 's.json'}'",
    )
    assert p.promoted and p.alias == "staging"
    reg = registry(reg_folder)
    assert reg.champion("m4", "staging").version == "1"
    assert reg.versions("m4")["aliases"].tolist() == ["staging"]  # no champion
    assert reg.champion("m4", "staging").schema is not None


PROMOTE_BAD = [
    (
        "promote another model",
        "promote weak d --registry {reg} --name m9",
        [r"another model", r"gate"],
    ),
    (
        "promote not a decision",
        "promote strong df --registry {reg} --name m9",
        [r"decision must be the GateDecision", r"DataFrame"],
    ),
    (
        "promote bad name",
        "promote strong d --registry {reg} --name 'a b'",
        [r"not a valid model name"],
    ),
    ("promote missing name", "promote strong d --registry {reg}", [r"--name"]),
    (
        "promote bad alias",
        "promote strong d --registry {reg} --name m9 --alias latest",
        [r"alias", r"reserved"],
    ),
    (
        "promote one expression",
        "promote strong --registry {reg} --name m9",
        [r"DECISION"],
    ),
    (
        "promote undefined model",
        "promote nomodel d --registry {reg} --name m9",
        [r"nomodel", r"not defined"],
    ),
    (
        "promote bad tag",
        "promote strong d --registry {reg} --name m9 --tag team",
        [r"KEY=VALUE"],
    ),
    (
        "promote reserved tag",
        "promote strong d --registry {reg} --name m9 --tag mlnb.x=1",
        [r"reserves"],
    ),
    (
        "promote bad timeout",
        "promote strong d --registry {reg} --name m9 --timeout soon",
        [r"timeout", r"soon"],
    ),
    (
        "promote registry of a frame",
        "promote strong d --registry df --name m9",
        [r"--registry 'df' is a DataFrame"],
    ),
    (
        "rollback nothing to roll back",
        "rollback --registry {reg} --name m9",
        [r"nothing to roll back"],
    ),
    (
        "rollback an expression",
        "rollback strong --registry {reg} --name m9",
        [r"takes options only"],
    ),
]


@registry_extra
@pytest.mark.parametrize(
    ("line", "patterns"), [pytest.param(ln, p, id=i) for i, ln, p in PROMOTE_BAD]
)
def test_bad_promote_lines_are_usage_errors(shell, reg_folder, line, patterns):
    shell.user_ns["d"] = _bless(STRONG)
    _check_bad(shell, line.format(reg=f"'{reg_folder}'"), patterns)


# -- bad input ----------------------------------------------------------------------
BAD = [
    (
        "gate unknown name",
        "gate nomodel df --label y --min roc_auc=0.8",
        [r"nomodel", r"not defined"],
    ),
    ("gate unknown data", "gate strong nodf --label y --min roc_auc=0.8", [r"nodf"]),
    (
        "gate one expression",
        "gate strong --label y --min roc_auc=0.8",
        [r"CANDIDATE", r"DF", r"got 1"],
    ),
    (
        "gate four expressions",
        "gate strong weak df df --label y --min roc_auc=0.8",
        [r"got 4"],
    ),
    (
        "gate no expression",
        "gate --label y --min roc_auc=0.8",
        [r"CANDIDATE \[BASELINE\] DF"],
    ),
    ("gate missing label", "gate strong df --min roc_auc=0.8", [r"--label"]),
    ("gate unknown label", "gate strong num --label nope --min roc_auc=0.8", [r"nope"]),
    ("gate no bound", "gate strong df --label y", [r"at least one bound", r"--min"]),
    (
        "gate no equals",
        "gate strong num --label y --min roc_auc",
        [r"METRIC=VALUE", r"'roc_auc'"],
    ),
    ("gate empty metric", "gate strong num --label y --min =0.8", [r"METRIC=VALUE"]),
    (
        "gate non-numeric bound",
        "gate strong num --label y --min roc_auc=high",
        [r"'high' is not a number", r"roc_auc=0.8"],
    ),
    (
        "gate nan bound",
        "gate strong num --label y --max log_loss=nan",
        [r"not a number"],
    ),
    (
        "gate percent on an absolute bound",
        "gate strong weak num --label y --max-drop roc_auc=1%",
        [r"not a number"],
    ),
    (
        "gate unknown metric",
        "gate strong num --label y --min auc=0.8",
        [r"unknown metric 'auc'", r"roc_auc", r"accuracy, average_precision"],
    ),
    (
        "gate descriptive metric",
        "gate strong num --label y --min label_rate=0.1",
        [r"unknown metric 'label_rate'", r"the gate judges"],
    ),
    (
        "gate metric twice",
        "gate strong num --label y --min roc_auc=0.8 roc_auc=0.9",
        [r"twice"],
    ),
    (
        "gate max-drop without baseline",
        "gate strong df --label y --max-drop roc_auc=0.01",
        [r"--max-drop", r"baseline", r"CANDIDATE BASELINE DF"],
    ),
    (
        "gate max-rel-rise without baseline",
        "gate strong df --label y --max-rel-rise log_loss=0.1",
        [r"--max-rel-rise", r"baseline"],
    ),
    (
        "gate drop of a lower-is-better metric",
        "gate strong weak num --label y --max-drop log_loss=0.1",
        [r"lower log_loss is better", r"--max-rise log_loss"],
    ),
    (
        "gate rise of a higher-is-better metric",
        "gate strong weak num --label y --max-rise roc_auc=0.1",
        [r"higher roc_auc is better", r"--max-drop roc_auc"],
    ),
    (
        "gate min above max",
        "gate strong num --label y --min roc_auc=0.9 --max roc_auc=0.8",
        [r"lower 0.9 is above upper 0.8", r"Swap"],
    ),
    (
        "gate metric of another task",
        "gate strong num --label y --min mae=0.1",
        [r"'mae' is not a metric of a binary model", r"roc_auc"],
    ),
    (
        "gate non-numeric threshold",
        "gate strong num --label y --min roc_auc=0.8 --threshold half",
        [r"threshold", r"half"],
    ),
    (
        "gate stray argument",
        "gate strong num --label y --min roc_auc=0.8 --threshold 0.5 extra",
        [r"unexpected argument 'extra'"],
    ),
    (
        "gate empty slices",
        "gate strong df --label y --min roc_auc=0.8 --slices ,",
        [r"--slices needs slice columns"],
    ),
    (
        "gate unknown slice",
        "gate strong df --label y --features a,b --min roc_auc=0.8 --slices nope",
        [r"nope"],
    ),
    (
        "gate unknown option",
        "gate strong num --label y --min roc_auc=0.8 --colour red",
        [r"colour"],
    ),
    ("schema unknown name", "schema nodf", [r"nodf", r"not defined"]),
    (
        "schema bad categorical max",
        "schema df --categorical-max many",
        [r"categorical", r"many"],
    ),
    ("schema unknown id", "schema df --id nope", [r"nope"]),
    ("schema id and no-id", "schema df --id a --no-id", [r"--id and --no-id"]),
    (
        "schema overwrite without save",
        "schema df --overwrite",
        [r"--overwrite goes with --save"],
    ),
    ("validate missing schema option", "validate df", [r"--schema"]),
    ("validate unknown data", "validate nodf --schema s.json", [r"nodf"]),
]

VALIDATE_BAD = [
    (
        "validate missing schema file",
        "validate df --schema {tmp}/none.json",
        [r"no such file", r"save"],
    ),
    (
        "validate damaged schema file",
        "validate df --schema {tmp}/bad.json",
        [r"not valid JSON", r"line 1"],
    ),
    (
        "validate json that is no schema",
        "validate df --schema {tmp}/list.json",
        [r"schema"],
    ),
    (
        "validate unknown schema name",
        "validate df --schema nosuch",
        [r"no Schema named nosuch", r"schema.json"],
    ),
    (
        "validate schema name of a frame",
        "validate df --schema df",
        [r"is a DataFrame, not a Schema"],
    ),
    (
        "validate skew threshold without reference",
        "validate df --schema good --skew-threshold 0.5",
        [r"--reference"],
    ),
    (
        "validate negative jump",
        "validate df --schema good --missing-rate-jump -1",
        [r"missing_rate_jump"],
    ),
    (
        "validate undefined reference",
        "validate df --schema good --reference noref",
        [r"noref"],
    ),
]


def _check_bad(shell, line, patterns):
    with pytest.raises(UsageError) as info:
        run(shell, line)
    msg = str(info.value)
    for pat in patterns:
        assert re.search(pat, msg), (pat, msg)
    assert "Traceback" not in msg


@pytest.mark.parametrize(
    ("line", "patterns"), [pytest.param(ln, p, id=i) for i, ln, p in BAD]
)
def test_bad_lines_are_usage_errors(shell, line, patterns):
    _check_bad(shell, line, patterns)


@validate_extra
@pytest.mark.parametrize(
    ("line", "patterns"), [pytest.param(ln, p, id=i) for i, ln, p in VALIDATE_BAD]
)
def test_bad_validate_lines_are_usage_errors(shell, tmp_path, line, patterns):
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "list.json").write_text("[1, 2]")
    shell.user_ns["good"] = schema(DF)
    _check_bad(shell, line.format(tmp=tmp_path), patterns)


def test_no_arguments_show_the_step_usage(shell):
    text = repr(run(shell, "gate"))
    assert "mlcheck gate" in text and "mlcheck validate" in text


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("schema", ["--categorical-max", "--id", "--save", "--overwrite"]),
        ("validate", ["--schema", "--reference", "--skew-threshold"]),
        ("gate", ["--label", "--min", "--max-drop", "--max-rel-rise", "--slices"]),
        ("promote", ["--registry", "--name", "--alias", "--validation", "--tag"]),
        ("rollback", ["--registry", "--name", "--alias"]),
    ],
)
def test_help_shows_the_usage(shell, name, words):
    text = repr(run(shell, f"{name} --help"))
    assert f"mlcheck {name}" in text
    for word in words:
        assert word in text
