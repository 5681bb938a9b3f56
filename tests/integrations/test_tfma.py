"""``sliced_metrics(engine="tfma")`` and ``from_tfma``: TFMA's numbers against mlnb's
in-memory engine and scikit-learn.

Tolerances: counts, the confusion matrix and everything derived from it, means,
log loss and their intervals are equal (rtol 1e-9: float summation order differs).
TFMA sorts scores into 10,000 buckets of width 1e-4 for the ranking metrics:

- average precision is *exactly* scikit-learn's on the scores floored to 1e-4
  (checked to 1e-9); on the raw scores it may differ by a few thousandths in
  slices with few positives;
- ROC AUC differs from the exact value by at most the share of positive–negative
  pairs whose scores lie within 2e-4 of each other (such pairs may count as ties;
  TFMA's AUC re-bins the buckets at steps of 1/9999) — the bound is computed per
  slice; scores on a 1e-3 grid give exact values.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import require

try:
    tfma = require("tensorflow_model_analysis", "tfma")
except pytest.skip.Exception as exc:  # skip the module, not one test
    pytest.skip(exc.msg, allow_module_level=True)

import pandas as pd  # noqa: E402
from sklearn.metrics import (  # noqa: E402
    average_precision_score,
    log_loss,
    precision_score,
    recall_score,
    roc_auc_score,
)

import mlnb  # noqa: E402
from mlnb.core.slices import resolve_slices  # noqa: E402
from mlnb.errors import (  # noqa: E402
    DataValidationError,
    MissingDependencyError,
    MlnbValueError,
)
from mlnb.integrations import tfma as mt  # noqa: E402

EXACT = {"rtol": 1e-9, "atol": 1e-12}
RANKING = ("roc_auc", "average_precision")
BUCKETS = mt.NUM_BUCKETS


def floored(p):
    """Scores as TFMA's histogram sees them (bucket i holds [i, i+1) / 10,000)."""
    return np.floor(np.asarray(p) * BUCKETS) / BUCKETS


def auc_bound(y, p) -> float:
    """Share of positive–negative pairs with scores within 2e-4 of each other."""
    y, p = np.asarray(y), np.asarray(p)
    pos, neg = p[y == 1], np.sort(p[y == 0])
    if len(pos) == 0 or len(neg) == 0:
        return 0.0
    near = np.searchsorted(neg, pos + 2e-4) - np.searchsorted(neg, pos - 2e-4)
    return float(near.sum()) / (len(pos) * len(neg))


def auc_bounds(df, slice_by) -> np.ndarray:
    """:func:`auc_bound` for each row of a result: overall, then every slice."""
    y, p = df["y"].to_numpy(), df["p"].to_numpy()
    out = [auc_bound(y, p)]
    for sc in resolve_slices(df, slice_by, len(df)):
        out += [
            auc_bound(y[sc.codes == c], p[sc.codes == c]) for c in range(sc.n_slices)
        ]
    return np.array(out)


def make_frame(n: int, seed: int, *, grid: bool) -> pd.DataFrame:
    """Binary label (~15–20% positives), probability scores, a 4-level group with
    one small level, sex, a numeric age (binned by mlnb) and weights."""
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b", "c", "d"], n, p=[0.45, 0.35, 0.17, 0.03])
    y = (rng.random(n) < np.where(group == "b", 0.2, 0.15)).astype(np.int64)
    logit = rng.normal(size=n) + 2.0 * y - 2.0 - 0.6 * (group == "c")
    p = 1.0 / (1.0 + np.exp(-logit))
    if grid:
        p = np.round(p, 3)
        p[:4], y[:4] = 0.0, [0, 0, 1, 0]  # log loss clips these, as in memory
        p[4:8], y[4:8] = 1.0, [1, 1, 0, 1]
    else:
        p[:40] = 0.5  # on the threshold: score >= threshold is positive
        p[40:140] = p[140:240]  # ties
    return pd.DataFrame(
        {
            "y": y,
            "p": p,
            "group": group,
            "sex": rng.choice(["F", "M"], n),
            "age": rng.normal(40, 12, n),
            "w": rng.uniform(0.2, 3.0, n),
            "yhat": (p >= 0.35).astype(np.int64),
        }
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Three TFMA runs (the slow part), each with the in-memory result beside it
    and the EvalResult TFMA produced."""
    captured = []
    real_run = mt._run

    def spy(inputs, beam_options):
        result = real_run(inputs, beam_options)
        captured.append(result)
        return result

    kept = tmp_path_factory.mktemp("tfma-out")
    cases = {
        "plain": (
            make_frame(2000, 1, grid=False),
            {
                "score": "p",
                "slice_by": ["group", "age", ("group", "sex")],
                "beam_options": {"runner": "DirectRunner"},
            },
        ),
        "weighted": (
            make_frame(2000, 2, grid=True),
            {
                "score": "p",
                "sample_weight": "w",
                "threshold": 0.3,
                "slice_by": ["group", ("group", "sex")],
                "beam_options": {"temp_location": str(kept)},
            },
        ),
        "predictions": (
            make_frame(1000, 3, grid=True),
            {"prediction": "yhat", "slice_by": "group"},
        ),
    }
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(mt, "_run", spy)
        for name, (df, kw) in cases.items():
            common = {k: v for k, v in kw.items() if k != "beam_options"}
            numpy_result = mlnb.sliced_metrics(df, label="y", publish=False, **common)
            tfma_result = mlnb.sliced_metrics(
                df, label="y", engine="tfma", publish=False, **kw
            )
            out[name] = SimpleNamespace(
                df=df,
                slice_by=kw["slice_by"],
                numpy=numpy_result,
                tfma=tfma_result,
                eval_result=captured[-1],
                kept=kept,
            )
    return out


def metric_columns(metrics):
    return [c for m in metrics for c in (m, f"{m}_ci_low", f"{m}_ci_high")]


def assert_same(numpy_frame, tfma_frame, metrics):
    """Equal rows, counts, notes and every metric but the ranking ones."""
    assert list(tfma_frame["slice"]) == list(numpy_frame["slice"])
    assert list(tfma_frame["value"]) == list(numpy_frame["value"])
    np.testing.assert_array_equal(tfma_frame["count"], numpy_frame["count"])
    np.testing.assert_allclose(
        tfma_frame["weighted_count"], numpy_frame["weighted_count"], **EXACT
    )
    cols = metric_columns([m for m in metrics if m not in RANKING])
    np.testing.assert_allclose(
        tfma_frame[cols].to_numpy(float), numpy_frame[cols].to_numpy(float), **EXACT
    )
    assert list(tfma_frame["notes"]) == list(numpy_frame["notes"])


# ---------------------------------------------------------------------------------
# the same numbers as the in-memory engine
# ---------------------------------------------------------------------------------
def test_unweighted_continuous_scores_match_in_memory(runs):
    r = runs["plain"]
    assert r.tfma.engine == "tfma"
    assert r.tfma.slice_columns == ("group", "age", "group × sex")
    assert r.tfma.threshold == 0.5 and r.tfma.goal_metric == "roc_auc"
    assert r.tfma.n_rows == len(r.df)
    nf, tf = r.numpy.to_frame(), r.tfma.to_frame()
    assert_same(nf, tf, r.numpy.metrics)
    # ROC AUC within the share of pairs TFMA's buckets may tie, slice by slice
    bound = auc_bounds(r.df, r.slice_by) + 1e-12
    assert (np.abs(tf["roc_auc"] - nf["roc_auc"]) <= bound).all()
    assert (np.abs(tf["roc_auc_rest"] - nf["roc_auc_rest"]) <= bound[0] * 2).all()
    # average precision: the in-memory value of the floored scores, exactly
    on_buckets = mlnb.sliced_metrics(
        r.df.assign(p=floored(r.df["p"])),
        label="y",
        score="p",
        slice_by=r.slice_by,
        publish=False,
    ).to_frame()
    cols = metric_columns(["average_precision"])
    np.testing.assert_allclose(
        tf[cols].to_numpy(float), on_buckets[cols].to_numpy(float), **EXACT
    )


def test_weighted_grid_scores_match_exactly(runs):
    """Scores on a 1e-3 grid: AUC, AP and the significance test agree as well."""
    r = runs["weighted"]
    assert r.tfma.threshold == 0.3
    nf, tf = r.numpy.to_frame(), r.tfma.to_frame()
    assert_same(nf, tf, r.numpy.metrics)
    cols = metric_columns(RANKING)
    np.testing.assert_allclose(
        tf[cols].to_numpy(float), nf[cols].to_numpy(float), **EXACT
    )
    goal = r.numpy.goal_metric
    cols = [f"{goal}_difference", f"{goal}_rest", f"{goal}_p_value"]
    np.testing.assert_allclose(
        tf[cols].to_numpy(float), nf[cols].to_numpy(float), **EXACT
    )
    assert list(tf["significantly_worse"]) == list(nf["significantly_worse"])
    assert (r.tfma.status, r.tfma.summary) == (r.numpy.status, r.numpy.summary)


def test_predictions_only_match_in_memory(runs):
    r = runs["predictions"]
    assert r.tfma.goal_metric == r.numpy.goal_metric == "accuracy"
    nf, tf = r.numpy.to_frame(), r.tfma.to_frame()
    assert_same(nf, tf, r.numpy.metrics)
    assert tf["roc_auc"].isna().all() and tf["log_loss"].isna().all()


def test_crossed_slices_are_mlnb_slices(runs):
    r = runs["plain"]
    crossed = r.tfma.slices("group × sex")
    df = r.df
    for _, row in crossed.iterrows():
        g, s = row["value"].split(" × ")
        assert row["count"] == int(((df["group"] == g) & (df["sex"] == s)).sum())
    assert set(crossed["value"]) == set(r.numpy.slices("group × sex")["value"])


# ---------------------------------------------------------------------------------
# an independent oracle: scikit-learn
# ---------------------------------------------------------------------------------
def test_against_scikit_learn(runs):
    r = runs["plain"]
    df = r.df
    for g, row in r.tfma.slices("group").set_index("value").iterrows():
        sel = df["group"] == g
        y, p = df.loc[sel, "y"], df.loc[sel, "p"]
        assert row["roc_auc"] == pytest.approx(
            roc_auc_score(y, p), abs=auc_bound(y, p) + 1e-12
        )
        assert row["average_precision"] == pytest.approx(
            average_precision_score(y, floored(p)), rel=1e-9, abs=1e-12
        )
        assert row["average_precision"] == pytest.approx(
            average_precision_score(y, p), abs=0.01
        )
        assert row["precision"] == pytest.approx(
            precision_score(y, p >= 0.5), rel=1e-9, abs=1e-12
        )
        assert row["recall"] == pytest.approx(
            recall_score(y, p >= 0.5), rel=1e-9, abs=1e-12
        )
        assert row["log_loss"] == pytest.approx(log_loss(y, p), rel=1e-9)


def test_weighted_against_scikit_learn(runs):
    r = runs["weighted"]
    df = r.df
    overall = r.tfma.overall
    y, p, w = df["y"], df["p"], df["w"]
    assert overall["roc_auc"] == pytest.approx(
        roc_auc_score(y, p, sample_weight=w), rel=1e-9
    )
    assert overall["average_precision"] == pytest.approx(
        average_precision_score(y, p, sample_weight=w), rel=1e-9
    )
    assert overall["recall"] == pytest.approx(
        recall_score(y, p >= 0.3, sample_weight=w), rel=1e-9
    )
    # scores of exactly 0 and 1: TFMA's cross entropy is infinite there; mlnb
    # clips as scikit-learn's log_loss does for probabilities at 0 or 1
    eps = np.finfo(np.float64).eps
    clipped = np.clip(p, eps, 1 - eps)
    assert overall["log_loss"] == pytest.approx(
        log_loss(y, clipped, sample_weight=w), rel=1e-9
    )


# ---------------------------------------------------------------------------------
# from_tfma
# ---------------------------------------------------------------------------------
def sorted_frame(result):
    f = result.to_frame()
    return f.sort_values(["slice", "value"], kind="stable").reset_index(drop=True)


def test_from_tfma_round_trip(runs):
    r = runs["plain"]
    back = mt.from_tfma(r.eval_result, publish=False)
    assert back.engine == "tfma" and back.threshold == 0.5
    assert back.slice_columns == r.tfma.slice_columns
    a, b = sorted_frame(r.tfma), sorted_frame(back)
    assert list(a["value"]) == list(b["value"])
    numeric = [c for c in a.columns if a[c].dtype.kind == "f"]
    np.testing.assert_allclose(b[numeric].to_numpy(), a[numeric].to_numpy(), **EXACT)
    assert (back.status, back.summary) == (r.tfma.status, r.tfma.summary)


def test_from_tfma_reads_an_output_folder(runs):
    r = runs["weighted"]
    folders = list(r.kept.glob("mlnb-tfma-*"))
    assert len(folders) == 1
    back = mt.from_tfma(str(folders[0]), publish=False)
    assert back.threshold == 0.3
    a, b = sorted_frame(r.tfma), sorted_frame(back)
    numeric = [c for c in a.columns if a[c].dtype.kind == "f"]
    np.testing.assert_allclose(b[numeric].to_numpy(), a[numeric].to_numpy(), **EXACT)
    assert back._repr_html_().count("<script") == 0


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # TFMA's own PR-AUC 0/0
def test_from_tfma_on_tfma_default_binary_specs():
    """A result made by TFMA alone with its default binary-classification metrics:
    the threshold metrics come from the 0.5 entry of its ConfusionMatrixPlot and
    AP from that plot's 1,000 steps. There TFMA counts a score as above t when its
    1e-4 bucket starts above t, and groups the buckets ten by ten."""
    from tensorflow_model_analysis.proto import config_pb2

    df = make_frame(1500, 4, grid=False)[["y", "p", "group"]]
    df = df.assign(y=df["y"].astype(float))
    config = config_pb2.EvalConfig(
        model_specs=[config_pb2.ModelSpec(label_key="y", prediction_key="p")],
        metrics_specs=tfma.metrics.default_binary_classification_specs(),
        slicing_specs=[
            config_pb2.SlicingSpec(),
            config_pb2.SlicingSpec(feature_keys=["group"]),
        ],
    )
    eval_result = tfma.analyze_raw_data(df, config)
    res = mt.from_tfma(eval_result, publish=False)
    assert res.slice_columns == ("group",) and res.threshold == 0.5
    frame = res.to_frame().set_index("value")
    bucket = np.floor(df["p"].to_numpy() * BUCKETS)
    for g in ["all", "a", "b", "c", "d"]:
        sel = np.ones(len(df), bool) if g == "all" else (df["group"] == g).to_numpy()
        y, p, b = df["y"].to_numpy()[sel], df["p"].to_numpy()[sel], bucket[sel]
        row = frame.loc[g]
        assert row["count"] == sel.sum()
        assert row["roc_auc"] == pytest.approx(
            roc_auc_score(y, p), abs=auc_bound(y, p) + 1e-12
        )
        assert row["average_precision"] == pytest.approx(
            average_precision_score(y, np.ceil(b / 10)), rel=1e-9, abs=1e-12
        )
        above = b > BUCKETS / 2
        assert row["recall"] == pytest.approx(recall_score(y, above), rel=1e-9)
        assert row["precision"] == pytest.approx(precision_score(y, above), rel=1e-9)
        assert row["label_rate"] == pytest.approx(y.mean(), rel=1e-9)
        assert row["recall_ci_low"] < row["recall"] < row["recall_ci_high"]


def fake_result(slices, plots=(), specs=(("group",),)):
    """An object shaped like tfma.EvalResult (slicing_metrics, plots, config)."""
    config = SimpleNamespace(
        slicing_specs=[
            SimpleNamespace(feature_keys=list(s), feature_values={}) for s in specs
        ],
        model_specs=[SimpleNamespace(example_weight_key="")],
    )
    return SimpleNamespace(
        slicing_metrics=list(slices), plots=list(plots), config=config
    )


def metrics_of(**values):
    return {"": {"": dict(values)}}


def matrix(*entries):
    return {
        "confusionMatrixAtThresholds": {
            "matrices": [
                {
                    "threshold": t,
                    "truePositives": tp,
                    "falsePositives": fp,
                    "falseNegatives": fn,
                    "trueNegatives": tn,
                }
                for t, tp, fp, fn, tn in entries
            ]
        }
    }


def test_from_tfma_maps_names_and_keeps_tfma_intervals():
    d = {"doubleValue": 1.0}
    overall = metrics_of(
        example_count={"doubleValue": 100.0},
        weighted_example_count={"doubleValue": 100.0},
        auc={"boundedValue": {"value": 0.8, "lowerBound": 0.7, "upperBound": 0.9}},
        binary_accuracy={"doubleValue": 0.9},
        mean_label={"doubleValue": 0.2},
        some_other_metric=d,
    )
    a = metrics_of(
        example_count={"doubleValue": 60.0},
        weighted_example_count={"doubleValue": 60.0},
        auc={"doubleValue": 0.75},
        binary_accuracy={"doubleValue": 0.85},
        mean_label={"doubleValue": 0.25},
    )
    cross = ((("group", "a"),), (("group", "b"),))  # a cross-slice comparison
    res = mt.from_tfma(
        fake_result([((), overall), ((("group", "a"),), a), (cross, overall)]),
        publish=False,
    )
    f = res.to_frame()
    assert list(f["value"]) == ["all", "a"]  # the cross-slice key is left out
    assert f.loc[0, "roc_auc_ci_low"] == 0.7 and f.loc[0, "roc_auc_ci_high"] == 0.9
    assert f.loc[1, "accuracy"] == 0.85 and np.isnan(f.loc[1, "accuracy_ci_low"])
    assert f.loc[1, "label_rate"] == pytest.approx(0.25)
    assert f.loc[1, "roc_auc_ci_low"] < 0.75 < f.loc[1, "roc_auc_ci_high"]
    assert "TFMA reported no confusion matrix" in f.loc[1, "notes"]


def test_from_tfma_takes_metrics_and_conditions():
    overall = metrics_of(
        example_count={"doubleValue": 100.0},
        weighted_example_count={"doubleValue": 100.0},
        auc={"doubleValue": 0.8},
        binary_accuracy={"doubleValue": 0.9},
        mean_label={"doubleValue": 0.2},
    )
    a = metrics_of(
        example_count={"doubleValue": 60.0},
        weighted_example_count={"doubleValue": 60.0},
        auc={"doubleValue": 0.75},
        binary_accuracy={"doubleValue": 0.85},
        mean_label={"doubleValue": 0.25},
    )
    fake = fake_result([((), overall), ((("group", "a"),), a)])
    strict = mlnb.Condition("roc_auc", ">=", 0.9, status="warn")
    res = mt.from_tfma(fake, metrics=["accuracy"], conditions=[strict], publish=False)
    assert res.metrics == ("accuracy", "roc_auc") and res.goal_metric == "roc_auc"
    assert res.status == "warn" and res.decided_by == "roc_auc 0.8 < 0.9: warn"
    assert "label_rate" not in res.to_frame().columns
    with pytest.raises(MlnbValueError, match="cannot judge"):
        mt.from_tfma(fake, goal_metric="label_rate", publish=False)


def test_conditions_reach_the_tfma_engine(runs, monkeypatch):
    """engine="tfma" passes conditions= and metrics= through (TFMA's run replayed
    from the fixture); both engines judge the same slices the same way."""
    r = runs["plain"]
    monkeypatch.setattr(mt, "_run", lambda inputs, options: r.eval_result)
    rule = mlnb.Condition("n_flagged", "<=", 0, status="warn")
    kw = {"label": "y", "score": "p", "slice_by": r.slice_by, "publish": False}
    ours = mlnb.sliced_metrics(
        r.df, engine="tfma", conditions=[rule], metrics=["recall", "roc_auc"], **kw
    )
    assert ours.metrics == ("recall", "roc_auc")
    assert [o.condition for o in ours.outcomes] == [rule]
    for key in ("n_judged", "n_slices", "n_too_small"):
        assert r.tfma.condition_values[key] == r.numpy.condition_values[key], key
    assert r.tfma.judge([rule]).status == r.numpy.judge([rule]).status


def test_from_tfma_confusion_matrix_at_several_thresholds():
    counts = {"example_count": {"doubleValue": 100.0}}
    cm = matrix((0.3, 15, 20, 5, 60), (0.5, 10, 5, 10, 75))
    result = fake_result(
        [((), metrics_of(**counts, confusion_matrix_at_thresholds=cm))], specs=()
    )
    with pytest.raises(MlnbValueError, match="pass threshold="):
        mt.from_tfma(result, publish=False)
    res = mt.from_tfma(result, threshold=0.5, publish=False)
    assert res.threshold == 0.5
    assert res.overall["precision"] == pytest.approx(10 / 15)
    assert res.overall["recall"] == pytest.approx(10 / 20)
    assert res.overall["label_rate"] == pytest.approx(0.2)


def test_from_tfma_needs_the_overall_slice_and_one_output():
    a = metrics_of(example_count={"doubleValue": 5.0})
    with pytest.raises(MlnbValueError, match="no overall slice"):
        mt.from_tfma(fake_result([((("group", "a"),), a)]), publish=False)
    two = {"out1": {"": {}}, "out2": {"": {}}}
    with pytest.raises(MlnbValueError, match="output_name="):
        mt.from_tfma(fake_result([((), two)]), publish=False)
    with pytest.raises(MlnbValueError, match="no metrics"):
        mt.from_tfma(fake_result([]), publish=False)


# ---------------------------------------------------------------------------------
# inputs, options, errors
# ---------------------------------------------------------------------------------
def small_frame():
    return make_frame(300, 5, grid=True)


def test_threshold_semantics_in_the_config():
    """TFMA counts score > t: mlnb asks for the float just below its threshold; at
    or below 0 everything is positive, kept on TFMA's exact per-example count."""
    df = small_frame()
    inputs = mt.tfma_inputs(df, label="y", score="p", slice_by="group")
    assert inputs.tfma_threshold == np.nextafter(0.5, 0) < 0.5
    cm = [
        m
        for spec in inputs.eval_config.metrics_specs
        for m in spec.metrics
        if m.class_name == "ConfusionMatrixAtThresholds"
    ]
    assert json.loads(cm[0].config)["thresholds"] == [inputs.tfma_threshold]
    zero = mt.tfma_inputs(df, label="y", score="p", slice_by="group", threshold=0)
    assert zero.tfma_threshold == -1.0
    assert set(inputs.frame.columns) >= {"group", mt.LABEL_COLUMN, mt.SCORE_COLUMN}


def test_scores_outside_unit_interval_are_refused():
    df = small_frame().assign(p=lambda d: d["p"] * 4 - 2)
    with pytest.raises(MlnbValueError, match="probability scores in \\[0, 1\\]"):
        mlnb.sliced_metrics(df, label="y", score="p", slice_by="group", engine="tfma")


def test_non_binary_and_missing_values_are_refused():
    df = small_frame()
    three = df.assign(y=np.arange(len(df)) % 3)
    with pytest.raises(MlnbValueError, match="engine='tfma' computes binary"):
        mt.tfma_inputs(three, label="y", score="p", slice_by="group")
    gaps = df.assign(p=df["p"].where(df.index > 2))
    with pytest.raises(DataValidationError, match="missing values"):
        mt.tfma_inputs(gaps, label="y", score="p", slice_by="group")


def test_beam_options_forms():
    from apache_beam.options.pipeline_options import PipelineOptions

    opts = mt._pipeline_options({"runner": "DirectRunner"})
    assert mt._runner_name(opts) == "DirectRunner"
    assert mt._runner_name(mt._pipeline_options(["--runner=DirectRunner"])) == (
        "DirectRunner"
    )
    given = PipelineOptions()
    assert mt._pipeline_options(given) is given
    assert mt._runner_name(mt._pipeline_options(None)) == "DirectRunner"
    with pytest.raises(MlnbValueError, match="beam_options must be"):
        mt._pipeline_options(42)


def test_remote_runner_needs_a_shared_output_folder():
    with pytest.raises(MlnbValueError, match="temp_location"):
        mlnb.sliced_metrics(
            small_frame(),
            label="y",
            score="p",
            slice_by="group",
            engine="tfma",
            beam_options={"runner": "DataflowRunner"},
            publish=False,
        )


def test_keyboard_interrupt_propagates_and_cleans_up(monkeypatch):
    import tempfile

    import apache_beam

    made = []
    real_mkdtemp = tempfile.mkdtemp

    def mkdtemp(*args, **kwargs):
        made.append(real_mkdtemp(*args, **kwargs))
        return made[-1]

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
    monkeypatch.setattr(apache_beam, "Pipeline", interrupted)
    with pytest.raises(KeyboardInterrupt):
        mlnb.sliced_metrics(
            small_frame(),
            label="y",
            score="p",
            slice_by="group",
            engine="tfma",
            publish=False,
        )
    assert made and not any(__import__("os").path.exists(p) for p in made)


def test_missing_tfma_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow_model_analysis", None)
    with pytest.raises(MissingDependencyError) as info:
        mlnb.sliced_metrics(
            small_frame(),
            label="y",
            score="p",
            slice_by="group",
            engine="tfma",
            publish=False,
        )
    assert 'pip install "mlnb[tfma]"' in str(info.value)
    assert isinstance(info.value, ImportError)


def test_importing_the_integration_does_not_import_tfma():
    code = textwrap.dedent(
        """
        import json, sys
        import mlnb.integrations.tfma
        heavy = ("tensorflow", "tensorflow_model_analysis", "apache_beam")
        print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in heavy)))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []


def test_values_that_print_alike_are_distinct_slices_in_tfma():
    """Issue 11, class 6: "missing" and a real missing value, 1 and "1" — TFMA
    receives distinct labels, so it neither merges nor double counts them."""
    rng = np.random.default_rng(11)
    n = 600
    g = np.array(["missing", None, 1, "1"] * (n // 4), dtype=object)
    y = rng.integers(0, 2, n)
    df = pd.DataFrame({"y": y, "s": np.clip(0.3 * y + 0.7 * rng.random(n), 0, 1)})
    df["g"] = g
    kw = {"label": "y", "score": "s", "slice_by": "g", "publish": False}
    num = mlnb.sliced_metrics(df, **kw).slices()
    tf = mlnb.sliced_metrics(df, engine="tfma", **kw).slices()
    assert sorted(tf["value"]) == sorted(num["value"])
    assert len(set(tf["value"])) == 4
    assert tf["count"].sum() == n
    got = dict(zip(tf["value"], tf["count"]))
    assert got == dict(zip(num["value"], num["count"]))
