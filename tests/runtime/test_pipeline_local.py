"""Pipeline.run_local through KFP's local subprocess runner, end to end against a
local MLflow registry: a blessed candidate becomes the champion (predictions equal
a model trained by hand, decision equal to mlnb.gate run by hand); a candidate
better overall but worse on one slice is blocked and the champion stays; invalid
data skips everything after validate; a training function that raises fails the
train step with its own message."""

from __future__ import annotations

import pandas as pd
import pytest
from pipeline_helpers import fit_a, fit_b, make_data

from mlnb.checks.deployment import ChangeThreshold, ValueThreshold, gate, schema

pytestmark = [
    pytest.mark.extra("pipeline", module="kfp"),
    pytest.mark.extra("registry", module="mlflow"),
    pytest.mark.extra("validate", module="pandera"),
]

VALUE = ValueThreshold("accuracy", lower=0.5, slice="overall")
CHANGE = ChangeThreshold("accuracy", absolute=-0.05)


def _pipeline(train, registry):
    from mlnb.runtime.pipeline import Pipeline

    return Pipeline(
        "income",
        train=train,
        label="y",
        schema=schema(make_data(1)),
        thresholds=[VALUE, CHANGE],
        slices=["g"],
        registry=registry,
    )


def run_steps():
    from mlnb.runtime.pipeline import STEPS

    return STEPS


def _registry(path):
    from mlnb.runtime.registry.registry import registry

    return registry(path)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Run 1: fit_b, no champion yet → blessed and promoted. Run 2: fit_a against
    that champion → blocked on g=y."""
    root = tmp_path_factory.mktemp("pipeline")
    train, ev = root / "train.csv", root / "eval.csv"
    make_data(1).to_csv(train, index=False)
    make_data(2).to_csv(ev, index=False)
    reg = str(root / "registry")
    first = _pipeline(fit_b, reg).run_local(
        train_data=str(train), eval_data=str(ev), pipeline_root=str(root / "r1"),
        progress=False, publish=False,
    )  # fmt: skip
    champion = _registry(reg).champion("income")
    second = _pipeline(fit_a, reg).run_local(
        train_data=str(train), eval_data=str(ev), pipeline_root=str(root / "r2"),
        progress=False, publish=False,
    )  # fmt: skip
    return {
        "first": first,
        "second": second,
        "champion_after_first": champion,
        "registry": reg,
        "train": pd.read_csv(train),
        "eval": pd.read_csv(ev),
        "root": root,
    }


def test_blessed_candidate_is_promoted_and_equals_a_model_trained_by_hand(runs):
    run = runs["first"]
    assert run.state == "succeeded" and run.error is None
    assert run.steps["state"].tolist() == ["ran"] * 5
    assert run.steps["step"].tolist() == list(run_steps())
    assert (run.steps["seconds"] > 0).all()
    assert run.valid and run.blessed and run.promoted and run.status == "pass"
    assert run.not_judged == (CHANGE.describe(),)  # no champion yet

    by_hand = fit_b(runs["train"], "y")
    reg = _registry(runs["registry"])
    champion = reg.champion("income")
    assert champion.version == runs["champion_after_first"].version
    X = runs["eval"].drop(columns=["y"])
    pd.testing.assert_frame_equal(
        pd.DataFrame(reg.load("income").predict_proba(X)),
        pd.DataFrame(by_hand.predict_proba(X)),
    )
    # the decision read back equals the gate run by hand on the same model and data
    hand = gate(
        by_hand, data=runs["eval"], label="y", thresholds=[VALUE], slices=["g"],
        publish=False,
    )  # fmt: skip
    d = run.decision
    assert d.blessed == hand.blessed is True
    # (a pickle's bytes differ between processes: the fingerprints are the run's)
    assert d.candidate_id == champion.fingerprint
    assert d.baseline_id is None
    pd.testing.assert_frame_equal(d.to_frame(), hand.to_frame())
    assert run.promotion.promoted and run.promotion.version == champion.version
    # the gate's Metrics artefact carries the candidate's overall accuracy
    metrics = run.artifacts["metrics"]["metadata"]
    overall = hand.to_frame().query("slice == 'overall'")
    assert metrics["candidate_accuracy"] == pytest.approx(overall["candidate"].iloc[0])
    assert metrics["blessed"] == 1
    v = run.validation
    assert set(v) == {"train_data", "eval_data"}
    assert v["train_data"].n_errors == 0 and v["eval_data"].n_errors == 0


def test_candidate_worse_on_a_slice_is_blocked_and_the_champion_stays(runs):
    run = runs["second"]
    before = runs["champion_after_first"]
    assert run.state == "succeeded"
    states = dict(zip(run.steps["step"], run.steps["state"]))
    assert states == {
        "validate": "ran",
        "train": "ran",
        "evaluate": "ran",
        "gate": "ran",
        "deploy": "skipped",
    }
    assert run.blessed is False and run.promoted is None and run.promotion is None
    assert run.status == "fail" and run.not_judged == ()
    reg = _registry(runs["registry"])
    after = reg.champion("income")
    assert (after.version, after.fingerprint) == (before.version, before.fingerprint)
    # the same decision by hand: the candidate against the champion read back
    hand = gate(
        fit_a(runs["train"], "y"), reg.load("income"), data=runs["eval"], label="y",
        thresholds=[VALUE, CHANGE], slices=["g"], publish=False,
    )  # fmt: skip
    d = run.decision
    pd.testing.assert_frame_equal(d.to_frame(), hand.to_frame())
    assert d.baseline_id in after.fingerprints()
    frame = d.to_frame().set_index(["kind", "slice"])
    change = frame.loc[("change", "overall")]
    assert change["change"] > 0  # better overall ...
    assert d.blocking["slice"].tolist() == ["g=y"]  # ... worse on one slice
    html = run._repr_html_()
    assert "mlnb-step-skipped" in html and "mlnb-step-ran" in html


def test_invalid_data_skips_training_onward(runs, tmp_path):
    bad = runs["eval"].copy()
    bad.loc[:9, "g"] = "<z>"  # a category never seen: an error-severity anomaly
    path = tmp_path / "bad.parquet"  # Parquet is read as well as CSV
    bad.to_parquet(path, index=False)
    train = runs["root"] / "train.csv"
    run = _pipeline(fit_a, runs["registry"]).run_local(
        train_data=str(train), eval_data=str(path), pipeline_root=str(tmp_path / "r"),
        progress=False, publish=False,
    )  # fmt: skip
    assert run.steps["state"].tolist() == ["ran"] + ["skipped"] * 4
    assert run.valid is False and run.blessed is None and run.decision is None
    v = run.validation["eval_data"]
    assert v.status == "fail" and "new_category" in v.kinds
    assert run.validation["train_data"].status != "fail"
    assert "failed validation" in run.summary
    after = _registry(runs["registry"]).champion("income")
    assert after.version == runs["champion_after_first"].version


def fails_to_train(train_df, label):
    raise ValueError(f"no <model> for {label} today")


def test_failing_training_function_fails_the_train_step(tmp_path, capsys):
    train = tmp_path / "train.csv"
    make_data(1).to_csv(train, index=False)
    run = _pipeline(fails_to_train, str(tmp_path / "reg")).run_local(
        train_data=str(train), eval_data=str(train), pipeline_root=str(tmp_path / "r"),
        progress=True, publish=False,
    )  # fmt: skip
    assert run.state == "failed" and run.failed_step == "train"
    assert "ValueError: no <model> for y today" in run.error
    states = run.steps["state"].tolist()
    assert states == ["ran", "failed", "not run", "not run", "not run"]
    printed = capsys.readouterr().out
    assert "[income] train    failed" in printed
    assert "Traceback" not in printed  # the steps' output went to the log
    assert "no <model> for y today" in run.log()
    html = run._repr_html_()
    assert "no &lt;model&gt; for y" in html and "<model>" not in html
    assert "mlnb-step-failed" in html and "mlnb-step-not-run" in html


def test_publish_all_records_each_check_of_step_8(runs):
    from mlnb.checklist import session

    runs["first"].publish_all()
    checks = {r["check"]: r["status"] for r in session.checks("deployment")}
    assert set(checks) == {"validate_data", "gate", "promotion", "pipeline"}
    assert checks["gate"] == checks["promotion"] == checks["pipeline"] == "pass"
    runs["second"].publish_all()
    assert session.step_status("deployment") == "fail"  # the blocked candidate
    record = runs["second"].record()
    assert record["check"] == "pipeline" and record["metrics"]["blessed"] is False
