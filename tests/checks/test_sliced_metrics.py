"""mlnb.sliced_metrics: every number per slice against scikit-learn on the slice's rows.

The oracles are written in this file: scikit-learn (and statsmodels / fairlearn where
installed) applied to the rows each slice selects, and hand computations of the
interval formulas. Nothing is compared with values copied from mlnb's own output.
"""

from __future__ import annotations

import contextlib
import json
import math
import warnings
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
import sklearn
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    confusion_matrix,
    f1_score,
    log_loss,
    mean_absolute_error,
    mean_squared_error,
    precision_recall_fscore_support,
    roc_auc_score,
)

import mlnb
from mlnb import DataValidationError, MlnbError, MlnbValueError
from mlnb.checks.fairness import MIN_SLICE_SIZE
from mlnb.core import intervals
from mlnb.core import metrics as registry

BINARY_METRICS = registry.names("binary", defaults_only=True)
#: The default conditions' bounds on worst_gap (the fairness-review margins).
WARN_MARGIN, FAIL_MARGIN = 0.05, 0.10
RTOL = 1e-9
ATOL = 1e-10
nan = math.nan
TIED_PROBS = (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0)
CROSS = " × "
MIME = "application/vnd.mlnb.check+json"
#: The metric columns the issue names for a binary model.
ISSUE_METRIC_COLUMNS = (
    "accuracy",
    "precision",
    "recall",
    "f1",
    "fpr",
    "fnr",
    "roc_auc",
    "average_precision",
    "log_loss",
    "label_rate",
    "prediction_rate",
)
#: Metrics whose value on the rest of the data (outside the slice) is exact.
REST_EXACT = ("accuracy", "precision", "recall", "f1", "fpr", "fnr", "roc_auc")


def close(a, b, rtol=RTOL, atol=ATOL) -> bool:
    """Equal within tolerance, or both NaN."""
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return bool(np.isclose(a, b, rtol=rtol, atol=atol))


# -- oracles ---------------------------------------------------------------------------


@contextlib.contextmanager
def quiet_sklearn():
    """scikit-learn without its warnings about undefined metrics (the oracles decide
    what is undefined) and without re-validating arguments (faster, same numbers)."""
    with (
        warnings.catch_warnings(),
        sklearn.config_context(skip_parameter_validation=True, assume_finite=True),
    ):
        warnings.simplefilter("ignore")
        yield


def sk_binary(y, s, w, threshold, probabilities) -> dict[str, float]:
    """Every binary metric of mlnb, from scikit-learn on these rows.

    NaN where the metric is undefined on these rows: no (weighted) positives for
    recall, FNR, ROC AUC, AUC-PR and calibration; no negatives for FPR and ROC AUC;
    nothing predicted positive for precision; no weight at all for everything.
    """
    y = np.asarray(y, dtype=np.int64)
    s = np.asarray(s, dtype=np.float64)
    wt = np.ones(len(y)) if w is None else np.asarray(w, dtype=np.float64)
    total, w_pos, w_neg = wt.sum(), wt[y == 1].sum(), wt[y == 0].sum()
    if len(y) == 0 or total == 0:
        return dict.fromkeys(BINARY_METRICS, nan)
    pred = (s >= threshold).astype(np.int64)
    kw = {"sample_weight": w}
    out: dict[str, float] = {}
    with quiet_sklearn():
        tn, fp, fn, tp = confusion_matrix(y, pred, labels=[0, 1], **kw).ravel()
        out["label_rate"] = float(np.average(y, weights=wt))
        out["prediction_rate"] = float(np.average(pred, weights=wt))
        out["accuracy"] = accuracy_score(y, pred, **kw)
        prec, rec, f1, _ = precision_recall_fscore_support(
            y, pred, average="binary", zero_division=np.nan, **kw
        )
        out["precision"], out["recall"], out["f1"] = prec, rec, f1
        out["fpr"] = fp / (fp + tn) if fp + tn > 0 else nan
        out["fnr"] = fn / (fn + tp) if fn + tp > 0 else nan
        both = w_pos > 0 and w_neg > 0
        out["roc_auc"] = roc_auc_score(y, s, **kw) if both else nan
        out["average_precision"] = (
            average_precision_score(y, s, **kw) if w_pos > 0 else nan
        )
        out["log_loss"] = log_loss(y, s, labels=[0, 1], **kw) if probabilities else nan
    out["mean_prediction"] = float(np.average(s, weights=wt))
    out["calibration"] = (
        out["mean_prediction"] / out["label_rate"] if out["label_rate"] > 0 else nan
    )
    return {k: float(v) for k, v in out.items()}


def sk_multiclass(y, scores, w, n_classes) -> dict[str, float]:
    """accuracy, macro/micro F1 of argmax predictions, and the mean one-vs-rest AUC
    over the classes with (weighted) positives and negatives in these rows.

    Rows of weight 0 are left out first: scikit-learn's macro F1 would otherwise
    average in a class seen only in such rows (as F1 = 0), so that a row of weight 0
    changes the result; mlnb treats a row of weight 0 as absent."""
    if w is not None:
        keep = w > 0
        y, scores, w = y[keep], scores[keep], w[keep]
    wt = np.ones(len(y)) if w is None else w
    if len(y) == 0 or wt.sum() == 0:
        return dict.fromkeys(("accuracy", "macro_f1", "micro_f1", "roc_auc_ovr"), nan)
    pred = np.argmax(scores, axis=1)
    out = {}
    with quiet_sklearn():
        out["accuracy"] = accuracy_score(y, pred, sample_weight=w)
        out["macro_f1"] = f1_score(y, pred, average="macro", sample_weight=w)
        out["micro_f1"] = f1_score(y, pred, average="micro", sample_weight=w)
        aucs = []
        for c in range(n_classes):
            yc = (y == c).astype(int)
            if wt[yc == 1].sum() > 0 and wt[yc == 0].sum() > 0:
                aucs.append(roc_auc_score(yc, scores[:, c], sample_weight=w))
    out["roc_auc_ovr"] = float(np.mean(aucs)) if aucs else math.nan
    return {k: float(v) for k, v in out.items()}


def sk_regression(y, p, w) -> dict[str, float]:
    wt = np.ones(len(y)) if w is None else w
    if len(y) == 0 or wt.sum() == 0:
        return dict.fromkeys(("mae", "rmse", "mean_error"), math.nan)
    return {
        "mae": float(mean_absolute_error(y, p, sample_weight=w)),
        "rmse": float(math.sqrt(mean_squared_error(y, p, sample_weight=w))),
        "mean_error": float(np.average(p - y, weights=wt)),
        "label_mean": float(np.average(y, weights=wt)),
        "prediction_mean": float(np.average(p, weights=wt)),
    }


def row_mask(df: pd.DataFrame, row) -> np.ndarray:
    """Rows that the frame row (``slice``, ``value``) selects, from the string columns
    of ``df`` (a cross's name and value are joined with " × ")."""
    if row["slice"] == "overall":
        return np.ones(len(df), dtype=bool)
    cols = row["slice"].split(CROSS)
    values = row["value"].split(CROSS)
    assert len(cols) == len(values), (row["slice"], row["value"])
    mask = np.ones(len(df), dtype=bool)
    for c, v in zip(cols, values):
        mask &= df[c].astype(str).to_numpy() == v
    return mask


def sub(w, mask):
    return None if w is None else w[mask]


# -- strategies ------------------------------------------------------------------------


@st.composite
def sliced_binary(draw, *, weights: bool | None = None):
    """``(df, w, threshold, kind)``: a 0/1 label ``y``, a score ``s`` (tied
    probabilities, continuous probabilities or tied decision values), a slice column
    ``g`` whose slices may be tiny (1-3 rows) or one-class, a second column ``h``,
    and optional weights (zeros included). Both classes keep weight overall."""
    k = draw(st.integers(1, 4))
    sizes = draw(
        st.lists(
            st.one_of(st.integers(1, 3), st.integers(4, 30)), min_size=k, max_size=k
        )
    )
    kinds = draw(
        st.lists(
            st.sampled_from(["mixed", "mixed", "positive", "negative"]),
            min_size=k,
            max_size=k,
        )
    )
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    ys, gs = [], []
    for i, (size, kind) in enumerate(zip(sizes, kinds)):
        if kind == "mixed":
            y = (rng.random(size) < draw(st.sampled_from([0.1, 0.5, 0.8]))).astype(int)
        else:
            y = np.full(size, int(kind == "positive"))
        ys.append(y)
        gs += [f"s{i}"] * size
    y = np.concatenate(ys)
    n = len(y)
    kind = draw(st.sampled_from(["tied", "continuous", "decision_tied"]))
    if kind == "tied":
        s = rng.choice(TIED_PROBS, n)
    elif kind == "continuous":
        s = np.round(rng.random(n), draw(st.sampled_from([1, 3, 12])))
    else:
        s = rng.integers(-3, 4, n).astype(np.float64)
    h = rng.choice(["x", "z"], n)
    g = np.array(gs)
    use_w = draw(st.booleans()) if weights is None else weights
    w = None
    if use_w:
        w = rng.choice([0.0, 0.5, 1.0, 2.0, 3.7], n)
        # every slice (and cross) keeps some weight; a slice without any weight is
        # tested on its own (test_slice_without_weight)
        for cell in set(zip(gs, h)):
            rows = np.flatnonzero((g == cell[0]) & (h == cell[1]))
            if w[rows].sum() == 0:
                w[rows[0]] = 1.0
    wt = np.ones(n) if w is None else w
    assume(wt[y == 1].sum() > 0 and wt[y == 0].sum() > 0)
    order = rng.permutation(n)
    df = pd.DataFrame({"y": y[order], "s": s[order], "g": g[order], "h": h[order]})
    w = None if w is None else w[order]
    threshold = draw(
        st.one_of(st.sampled_from([0.5, 0.25, 0.0, 1.0]), st.sampled_from(list(s)))
    )
    return df, w, float(threshold), kind


SLICE_BY = ["g", "h", ("g", "h")]


def run_binary(df, w, threshold, **kw):
    return mlnb.sliced_metrics(
        df,
        label="y",
        score="s",
        slice_by=kw.pop("slice_by", SLICE_BY),
        threshold=threshold,
        sample_weight=w,
        publish=False,
        **kw,
    )


# -- binary: every metric per slice against scikit-learn -------------------------------


@settings(max_examples=40, deadline=None)
@given(sliced_binary(), st.sampled_from([1, 5, MIN_SLICE_SIZE]))
def test_binary_metrics_equal_sklearn_per_slice(data, min_size):
    df, w, t, _ = data
    r = run_binary(df, w, t, min_slice_size=min_size)
    f = r.to_frame()
    probabilities = bool(df["s"].min() >= 0 and df["s"].max() <= 1)
    wt = np.ones(len(df)) if w is None else w
    assert f.iloc[0]["slice"] == "overall" and f.iloc[0]["value"] == "all"
    # one row per (slicing, value) that occurs, plus overall
    expected = 1 + sum(
        len(df.groupby(list(c) if isinstance(c, tuple) else c)) for c in SLICE_BY
    )
    assert len(f) == expected
    for _, row in f.iterrows():
        m = row_mask(df, row)
        assert row["count"] == m.sum() > 0
        assert close(row["weighted_count"], wt[m].sum())
        assert row["too_small"] == (row["slice"] != "overall" and m.sum() < min_size)
        ref = sk_binary(df["y"][m], df["s"][m], sub(w, m), t, probabilities)
        undefined = []
        for metric, expected_value in ref.items():
            assert close(row[metric], expected_value), (
                metric,
                row["slice"],
                row["value"],
                row[metric],
                expected_value,
            )
            if math.isnan(expected_value):
                undefined.append(metric)
        if undefined:
            assert row["notes"], (row["slice"], row["value"], undefined)
        if row["too_small"]:
            assert not row["significantly_worse"]


@settings(max_examples=40, deadline=None)
@given(sliced_binary())
def test_intervals_hold_the_value_and_are_nan_only_with_it(data):
    df, w, t, _ = data
    f = run_binary(df, w, t).to_frame()
    for metric in BINARY_METRICS:
        v, lo, hi = (f[metric], f[f"{metric}_ci_low"], f[f"{metric}_ci_high"])
        assert (v.isna() == lo.isna()).all() and (v.isna() == hi.isna()).all(), metric
        ok = v.notna()
        assert np.isfinite(lo[ok]).all() and np.isfinite(hi[ok]).all(), metric
        assert (lo[ok] <= hi[ok] + 1e-12).all(), metric
        held = ok
        if metric == "f1":  # F1 of exactly 0 or 1: see test_f1_interval_holds_f1
            held = ok & (v > 0) & (v < 1)
        assert (lo[held] <= v[held] + 1e-9).all(), metric
        assert (v[held] <= hi[held] + 1e-9).all(), metric
        if metric not in ("log_loss", "mean_prediction", "calibration"):
            assert (lo[ok] >= 0).all() and (hi[ok] <= 1).all(), metric


@settings(max_examples=25, deadline=None)
@given(sliced_binary())
def test_rest_of_data_equals_sklearn_on_the_complement(data):
    df, w, t, _ = data
    r = run_binary(df, w, t)
    probabilities = bool(df["s"].min() >= 0 and df["s"].max() <= 1)
    goals = [*REST_EXACT, "log_loss", "average_precision"]
    frames = {goal: r.with_goal(goal).to_frame() for goal in goals}
    overall = frames["accuracy"].iloc[0]
    for goal, f in frames.items():
        assert f.iloc[0]["slice"] == "overall"
        assert close(f.iloc[0][f"{goal}_rest"], overall[goal])
        assert (f["value"] == frames["accuracy"]["value"]).all()
    for i in range(1, len(frames["accuracy"])):
        row = frames["accuracy"].iloc[i]
        m = ~row_mask(df, row)
        ref = sk_binary(df["y"][m], df["s"][m], sub(w, m), t, probabilities)
        for goal, f in frames.items():
            got = f.iloc[i][f"{goal}_rest"]
            if goal == "average_precision":
                # no exact complement for AUC-PR: judged against overall
                assert close(got, overall[goal]), goal
                continue
            # where the metric is undefined on the rest, the slice is compared with
            # overall instead
            expected = overall[goal] if math.isnan(ref[goal]) else ref[goal]
            assert close(got, expected), (goal, row["slice"], row["value"], got)
            assert close(f.iloc[i][f"{goal}_difference"], row[goal] - overall[goal])


@settings(max_examples=30, deadline=None)
@given(sliced_binary(), st.sampled_from([0.0, 0.1, 0.3, 0.5, 0.77, 1.0, 2.5, -1.0]))
def test_at_threshold_equals_recomputing(data, t2):
    df, w, t, _ = data
    r = run_binary(df, w, t)
    again = r.at_threshold(t2)
    fresh = run_binary(df, w, t2)
    assert again.threshold == fresh.threshold == t2
    assert again.status == fresh.status and again.summary == fresh.summary
    pd.testing.assert_frame_equal(again.to_frame(), fresh.to_frame())
    # the original result is unchanged
    pd.testing.assert_frame_equal(r.to_frame(), run_binary(df, w, t).to_frame())


def test_binary_predictions_only_equal_sklearn(rng):
    n = 600
    df = pd.DataFrame(
        {
            "y": rng.integers(0, 2, n),
            "pred": rng.integers(0, 2, n),
            "g": rng.choice(["a", "b", "c"], n),
        }
    )
    df.loc[df["g"] == "c", "y"] = 0  # one-class slice
    w = rng.choice([0.0, 1.0, 2.5], n)
    r = mlnb.sliced_metrics(
        df, label="y", prediction="pred", slice_by="g", sample_weight=w, publish=False
    )
    assert r.goal_metric == "accuracy"
    f = r.to_frame()
    for _, row in f.iterrows():
        m = row_mask(df, row)
        # a prediction is a 0/1 score thresholded at 0.5
        ref = sk_binary(df["y"][m], df["pred"][m].astype(float), w[m], 0.5, False)
        for metric in ("label_rate", "prediction_rate", "accuracy", "precision"):
            assert close(row[metric], ref[metric]), (metric, row["value"])
        for metric in ("recall", "f1", "fpr", "fnr"):
            assert close(row[metric], ref[metric]), (metric, row["value"])
        for metric in ("roc_auc", "average_precision", "log_loss"):
            assert math.isnan(row[metric])
        assert "predictions only" in row["notes"]
    with pytest.raises(MlnbValueError, match="at_threshold"):
        r.at_threshold(0.3)


def test_one_class_slice_is_nan_with_the_reason(rng):
    n = 400
    df = pd.DataFrame(
        {"y": rng.integers(0, 2, n), "s": rng.random(n), "g": ["a", "b"] * (n // 2)}
    )
    df.loc[df["g"] == "b", "y"] = 0
    row = mlnb.sliced_metrics(
        df, label="y", score="s", slice_by="g", publish=False
    ).slices()
    b = row[row["value"] == "b"].iloc[0]
    for metric in ("roc_auc", "average_precision", "recall", "fnr", "calibration"):
        assert math.isnan(b[metric]), metric
        assert metric in b["notes"], metric
    assert "no positives" in b["notes"]
    assert b["fpr"] == ref_fpr(df[df["g"] == "b"])
    assert not b["significantly_worse"]


def ref_fpr(part):
    tn, fp, _, _ = confusion_matrix(part["y"], part["s"] >= 0.5, labels=[0, 1]).ravel()
    return fp / (fp + tn)


def test_notes_name_an_undefined_f1():
    # slice b: no positives and nothing predicted positive -> F1 = 0/0
    df = pd.DataFrame(
        {
            "y": [1, 0, 1, 0, 0, 0, 0],
            "s": [0.9, 0.2, 0.8, 0.7, 0.1, 0.2, 0.3],
            "g": ["a", "a", "a", "a", "b", "b", "b"],
        }
    )
    f = mlnb.sliced_metrics(
        df, label="y", score="s", slice_by="g", publish=False
    ).to_frame()
    b = f[f["value"] == "b"].iloc[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = f1_score([0, 0, 0], [0, 0, 0], zero_division=np.nan)
    assert math.isnan(ref) and math.isnan(b["f1"])
    assert "precision" in b["notes"]
    assert "f1" in b["notes"], b["notes"]


ZERO_WEIGHT_CASES = {
    "binary-score": {"score": "s"},
    "binary-prediction": {"prediction": "pred"},
    "multiclass": {"label": "k", "prediction": "kpred"},
    "regression": {"label": "t", "prediction": "s", "task": "regression"},
}


@pytest.mark.parametrize("case", list(ZERO_WEIGHT_CASES))
def test_slice_without_weight(case):
    df = pd.DataFrame(
        {
            "y": [1, 0, 1, 0, 1, 0],
            "s": [0.9, 0.2, 0.8, 0.7, 0.1, 0.2],
            "g": ["a", "a", "a", "a", "b", "b"],
            "k": [0, 1, 2, 0, 1, 2],
            "kpred": [0, 1, 1, 0, 2, 2],
            "t": [0.5, 1.5, 2.0, 3.0, 4.0, 1.0],
        }
    )
    df["pred"] = (df["s"] >= 0.5).astype(int)
    w = np.array([1.0, 1.0, 1.0, 1.0, 0.0, 0.0])
    kwargs = {"label": "y"} | ZERO_WEIGHT_CASES[case]
    r = mlnb.sliced_metrics(df, slice_by="g", sample_weight=w, publish=False, **kwargs)
    b = r.slices().iloc[1]
    assert b["count"] == 2 and b["weighted_count"] == 0
    assert math.isnan(b[r.goal_metric])
    assert "weight" in b["notes"], b["notes"]


def test_unused_category_does_not_crash(rng):
    n = 200
    df = pd.DataFrame(
        {
            "y": rng.integers(0, 2, n),
            "s": rng.random(n),
            "g": pd.Categorical(rng.choice(["a", "b"], n), categories=["a", "b", "c"]),
        }
    )
    f = mlnb.sliced_metrics(
        df, label="y", score="s", slice_by="g", publish=False
    ).slices()
    assert set(f["value"]) >= {"a", "b"}
    assert f["count"].sum() == n


def call_multiclass_tiny_slice():
    # slice b has one row: no class has both positives and negatives in it
    return mlnb.sliced_metrics(
        label=np.array([0, 1, 2, 0, 1]),
        score=np.array([[0.6, 0.3, 0.1]] * 2 + [[0.1, 0.3, 0.6]] * 3),
        slice_by={"g": np.array(["a", "a", "a", "a", "b"])},
        publish=False,
    )


def call_logit_ap_one_ulp_below_one():
    # an AP that sums to 1 − 2⁻⁵² instead of 1
    return intervals.logit_ap(np.array([1 - 2**-52]), np.array([3.0]), 1.96)


@pytest.mark.parametrize(
    "call", [call_multiclass_tiny_slice, call_logit_ap_one_ulp_below_one]
)
def test_no_runtime_warnings_reach_the_user(call):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        call()


@pytest.mark.parametrize("extreme", [0.0, 1.0])
def test_f1_interval_holds_f1(rng, extreme):
    n = 300
    df = pd.DataFrame(
        {"y": rng.integers(0, 2, n), "s": rng.random(n), "g": ["a", "b", "c"] * 100}
    )
    b = (df["g"] == "b").to_numpy()
    # slice b predicts nothing positive (F1 = 0) or predicts every row right (F1 = 1)
    df.loc[b, "s"] = 0.0 if extreme == 0 else df.loc[b, "y"].astype(float)
    f = mlnb.sliced_metrics(
        df, label="y", score="s", slice_by="g", publish=False
    ).to_frame()
    row = f[f["value"] == "b"].iloc[0]
    assert row["f1"] == extreme
    assert row["f1_ci_low"] <= row["f1"] <= row["f1_ci_high"]


# -- multi-class and regression --------------------------------------------------------


@st.composite
def slice_column_and_rng(draw, largest):
    """A slice column ``g`` of 1-4 slices, tiny ones (1-3 rows) among them, up to
    ``largest`` rows each, and a seeded generator for the rest of the data."""
    n_slices = draw(st.integers(1, 4))
    sizes = draw(
        st.lists(
            st.one_of(st.integers(1, 3), st.integers(4, largest)),
            min_size=n_slices,
            max_size=n_slices,
        )
    )
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return np.repeat([f"s{i}" for i in range(n_slices)], sizes), rng


@st.composite
def sliced_multiclass(draw):
    """``(df, scores, w, k)``: labels 0..k-1 (each class occurs), an (n, k) score
    matrix from a small set of values (ties, argmax ties included), a slice column
    ``g`` with tiny slices, and optional weights (zeros included)."""
    k = draw(st.integers(3, 4))
    g, rng = draw(slice_column_and_rng(largest=25))
    n = len(g)
    y = rng.integers(0, k, n)
    assume(len(np.unique(y)) == k)
    raw = rng.choice([0.0, 1.0, 2.0, 5.0], size=(n, k))
    scores = (raw + 0.01) / (raw + 0.01).sum(axis=1, keepdims=True)
    w = None
    if draw(st.booleans()):
        w = rng.choice([0.0, 0.5, 1.0, 3.0], n)
        for name in np.unique(g):  # every slice keeps some weight
            rows = np.flatnonzero(g == name)
            if w[rows].sum() == 0:
                w[rows[0]] = 1.0
    return pd.DataFrame({"y": y, "g": g}), scores, w, k


@settings(max_examples=40, deadline=None)
@given(sliced_multiclass())
def test_multiclass_metrics_equal_sklearn_per_slice(data):
    df, scores, w, k = data
    r = mlnb.sliced_metrics(
        df,
        label="y",
        score=scores,
        slice_by="g",
        sample_weight=w,
        classes=list(range(k)),
        publish=False,
    )
    assert r.task == "multiclass"
    assert list(r.metrics) == ["accuracy", "macro_f1", "micro_f1", "roc_auc_ovr"]
    f = r.to_frame()
    for _, row in f.iterrows():
        m = row_mask(df, row)
        assert row["count"] == m.sum()
        ref = sk_multiclass(df["y"].to_numpy()[m], scores[m], sub(w, m), k)
        for metric, expected in ref.items():
            assert close(row[metric], expected), (metric, row["value"], row[metric])
        assert close(row["micro_f1"], row["accuracy"])
        if math.isnan(ref["roc_auc_ovr"]) or row["notes"]:
            assert "roc_auc_ovr" in row["notes"]


def test_rmse_interval_of_a_perfect_slice():
    y = np.array([0.5, 1.5, 2.5, 3.5, -3.0, 7.0])
    p = np.array([0.0, 2.5, 2.0, 3.0, -3.0, 7.0])
    r = mlnb.sliced_metrics(
        label=y,
        prediction=p,
        slice_by={"g": np.array(["a"] * 4 + ["b"] * 2)},
        task="regression",
        publish=False,
    )
    b = r.slices().iloc[1]
    assert b["rmse"] == 0.0 and b["mae"] == 0.0
    assert b["mae_ci_low"] == b["mae_ci_high"] == 0.0
    assert b["rmse_ci_low"] == b["rmse_ci_high"] == 0.0


def test_multiclass_from_score_columns_and_string_predictions(rng):
    n = 300
    classes = ["cat", "dog", "emu"]
    y = rng.choice(classes, n)
    proba = rng.dirichlet([1, 1, 1], n)
    pred = np.array(classes)[np.argmax(proba, axis=1)]
    df = pd.DataFrame(
        {"y": y, "pred": pred, "g": rng.choice(["a", "b"], n)}
        | {f"p_{c}": proba[:, i] for i, c in enumerate(classes)}
    )
    by_columns = mlnb.sliced_metrics(
        df,
        label="y",
        score=[f"p_{c}" for c in classes],
        slice_by="g",
        publish=False,
    )
    by_labels = mlnb.sliced_metrics(
        df, label="y", prediction="pred", slice_by="g", publish=False
    )
    for r in (by_columns, by_labels):
        for _, row in r.to_frame().iterrows():
            m = row_mask(df, row)
            with quiet_sklearn():
                macro = f1_score(y[m], pred[m], average="macro")
            assert close(row["accuracy"], accuracy_score(y[m], pred[m]))
            assert close(row["macro_f1"], macro)
    assert by_labels.to_frame()["roc_auc_ovr"].isna().all()
    assert "class scores" in by_labels.to_frame()["notes"].iloc[0]


@st.composite
def sliced_regression(draw):
    g, rng = draw(slice_column_and_rng(largest=30))
    n = len(g)
    y = np.round(rng.normal(10, 5, n), draw(st.sampled_from([0, 2])))
    y[0] = 0.5  # a non-integer target
    p = y + np.round(rng.normal(0.5, 2, n), 1)
    w = None
    if draw(st.booleans()):
        w = rng.choice([0.0, 0.5, 1.0, 3.0], n)
        for name in np.unique(g):
            rows = np.flatnonzero(g == name)
            if w[rows].sum() == 0:
                w[rows[0]] = 1.0
    return pd.DataFrame({"y": y, "p": p, "g": g}), w


@settings(max_examples=40, deadline=None)
@given(sliced_regression())
def test_regression_metrics_equal_sklearn_per_slice(data):
    df, w = data
    r = mlnb.sliced_metrics(
        df, label="y", prediction="p", slice_by="g", sample_weight=w, publish=False
    )
    assert r.task == "regression" and r.goal_metric == "mae"
    f = r.to_frame()
    for _, row in f.iterrows():
        m = row_mask(df, row)
        ref = sk_regression(df["y"].to_numpy()[m], df["p"].to_numpy()[m], sub(w, m))
        for metric, expected in ref.items():
            assert close(row[metric], expected), (metric, row["value"], row[metric])
        for metric in ("mae", "rmse", "mean_error"):
            lo, hi = row[f"{metric}_ci_low"], row[f"{metric}_ci_high"]
            if metric == "rmse" and row["rmse"] == 0:
                continue  # see test_rmse_interval_of_a_perfect_slice
            assert lo <= row[metric] + 1e-9 and row[metric] <= hi + 1e-9, metric
    for _, row in r.with_goal("rmse").to_frame().iloc[1:].iterrows():
        rest = ~row_mask(df, row)
        if rest.any() and (w is None or w[rest].sum() > 0):
            ref = sk_regression(
                df["y"].to_numpy()[rest], df["p"].to_numpy()[rest], sub(w, rest)
            )
            assert close(row["rmse_rest"], ref["rmse"])


# -- confidence intervals --------------------------------------------------------------


def planted(
    rng, n_per_slice=5_000, groups=("a", "b", "c", "d"), separation=None, share=0.3
):
    """A DataFrame with a slice column ``g``, a 0/1 label ``y`` (``share``
    positives) and probability scores ``s``: positives score N(sep, 1) on the logit
    scale, negatives N(0, 1); ``separation`` maps a group to its sep (default 2)."""
    separation = separation or {}
    parts = []
    for name in groups:
        y = (rng.random(n_per_slice) < share).astype(np.int64)
        logit = rng.normal(size=n_per_slice) + separation.get(name, 2.0) * y - 1.0
        parts.append(pd.DataFrame({"g": name, "y": y, "s": 1 / (1 + np.exp(-logit))}))
    return pd.concat(parts, ignore_index=True)


def test_interval_coverage_in_seeded_simulations():
    # 200 simulated slices of 500 rows: the true label rate (0.3), accuracy of a
    # model right 80% of the time, and ROC AUC of binormal scores (Φ(1/√2)) should
    # lie inside each slice's 95% interval in about 95% of the slices
    rng = np.random.default_rng(7)
    k, n = 200, 500
    g = np.repeat([f"sim{i:03d}" for i in range(k)], n)
    y = (rng.random(k * n) < 0.3).astype(np.int64)
    right = rng.random(k * n) < 0.8
    pred = np.where(right, y, 1 - y)
    score = rng.normal(size=k * n) + y * 1.0
    by_pred = mlnb.sliced_metrics(
        label=y, prediction=pred, slice_by={"g": g}, publish=False
    ).slices()
    by_score = mlnb.sliced_metrics(
        label=y, score=score, slice_by={"g": g}, publish=False
    ).slices()
    assert len(by_pred) == len(by_score) == k

    def coverage(f, metric, truth):
        inside = (f[f"{metric}_ci_low"] <= truth) & (truth <= f[f"{metric}_ci_high"])
        return inside.mean()

    assert coverage(by_pred, "label_rate", 0.3) >= 0.90
    assert coverage(by_pred, "accuracy", 0.8) >= 0.90
    assert coverage(by_score, "roc_auc", NormalDist().cdf(1 / math.sqrt(2))) >= 0.90
    # and they are not trivially wide
    width = by_pred["accuracy_ci_high"] - by_pred["accuracy_ci_low"]
    assert width.max() < 0.1


@pytest.mark.parametrize("confidence", [0.95, 0.9, 0.99])
def test_wilson_bounds_equal_statsmodels(rng, confidence):
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    df = planted(rng, n_per_slice=60, groups=("a", "b", "c"))
    df.loc[:2, "g"] = "tiny"
    r = mlnb.sliced_metrics(
        df, label="y", score="s", slice_by="g", confidence=confidence, publish=False
    )
    alpha = 1 - confidence
    for _, row in r.to_frame().iterrows():
        part = df[row_mask(df, row)]
        pred = part["s"] >= 0.5
        y = part["y"] == 1
        cells = {
            "label_rate": (y.sum(), len(part)),
            "prediction_rate": (pred.sum(), len(part)),
            "accuracy": ((pred == y).sum(), len(part)),
            "precision": ((pred & y).sum(), pred.sum()),
            "recall": ((pred & y).sum(), y.sum()),
            "fpr": ((pred & ~y).sum(), (~y).sum()),
            "fnr": ((~pred & y).sum(), y.sum()),
        }
        for metric, (count, nobs) in cells.items():
            if nobs == 0:
                assert math.isnan(row[f"{metric}_ci_low"])
                continue
            lo, hi = proportion.proportion_confint(
                count, nobs, alpha=alpha, method="wilson"
            )
            assert close(row[f"{metric}_ci_low"], lo), (metric, row["value"])
            assert close(row[f"{metric}_ci_high"], hi), (metric, row["value"])


def test_weighted_wilson_uses_kish_effective_size(rng):
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    df = planted(rng, n_per_slice=200, groups=("a", "b"))
    w = rng.choice([0.5, 1.0, 4.0], len(df))
    f = mlnb.sliced_metrics(
        df, label="y", score="s", slice_by="g", sample_weight=w, publish=False
    ).to_frame()
    for _, row in f.iterrows():
        m = row_mask(df, row)
        wm, y = w[m], df["y"].to_numpy()[m]
        n_eff = wm.sum() ** 2 / (wm**2).sum()
        p = np.average(y, weights=wm)
        lo, hi = proportion.proportion_confint(
            p * n_eff, n_eff, alpha=0.05, method="wilson"
        )
        assert close(row["label_rate"], p)
        assert close(row["label_rate_ci_low"], lo) and close(
            row["label_rate_ci_high"], hi
        )


def test_auc_interval_is_hanley_mcneil(rng):
    df = planted(rng, n_per_slice=80, groups=("a", "b", "c"), separation={"c": 0.0})
    df.loc[df.index[:5], "g"] = "tiny"
    z = NormalDist().inv_cdf(0.975)
    f = mlnb.sliced_metrics(
        df, label="y", score="s", slice_by="g", publish=False
    ).to_frame()
    for _, row in f.iterrows():
        part = df[row_mask(df, row)]
        n1, n2 = int(part["y"].sum()), int((1 - part["y"]).sum())
        if n1 == 0 or n2 == 0:
            assert math.isnan(row["roc_auc_ci_low"])
            continue
        a = roc_auc_score(part["y"], part["s"])
        # Hanley & McNeil (1982), eq. 2
        q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
        var = (a * (1 - a) + (n1 - 1) * (q1 - a * a) + (n2 - 1) * (q2 - a * a)) / (
            n1 * n2
        )
        se = math.sqrt(max(var, 0.0))
        assert close(row["roc_auc"], a)
        assert close(row["roc_auc_ci_low"], max(0.0, a - z * se)), row["value"]
        assert close(row["roc_auc_ci_high"], min(1.0, a + z * se)), row["value"]
        assert close(intervals.hanley_mcneil_se(a, n1, n2), se)


def test_log_loss_and_average_precision_intervals_by_hand(rng):
    df = planted(rng, n_per_slice=150, groups=("a", "b"))
    z = NormalDist().inv_cdf(0.975)
    f = mlnb.sliced_metrics(
        df, label="y", score="s", slice_by="g", publish=False
    ).to_frame()
    for _, row in f.iterrows():
        part = df[row_mask(df, row)]
        y, s = part["y"].to_numpy(), part["s"].to_numpy()
        losses = -np.where(y == 1, np.log(s), np.log1p(-s))
        se = losses.std() / math.sqrt(len(losses))
        assert close(row["log_loss_ci_low"], losses.mean() - z * se)
        assert close(row["log_loss_ci_high"], losses.mean() + z * se)
        # Boyd, Eng & Page (2013): logit(AP) ± z / sqrt(n_pos · AP · (1 − AP))
        ap = average_precision_score(y, s)
        tau = 1 / math.sqrt(y.sum() * ap * (1 - ap))
        logit = math.log(ap / (1 - ap))
        assert close(
            row["average_precision_ci_low"], 1 / (1 + math.exp(-logit + z * tau))
        )
        assert close(
            row["average_precision_ci_high"], 1 / (1 + math.exp(-logit - z * tau))
        )


def test_f1_interval_is_seeded_and_sensible(rng):
    df = planted(rng, n_per_slice=400, groups=("a", "b"))
    a = mlnb.sliced_metrics(df, label="y", score="s", slice_by="g", publish=False)
    b = mlnb.sliced_metrics(df, label="y", score="s", slice_by="g", publish=False)
    fa, fb = a.to_frame(), b.to_frame()
    pd.testing.assert_series_equal(fa["f1_ci_low"], fb["f1_ci_low"])
    assert (fa["f1_ci_low"] < fa["f1"]).all() and (fa["f1"] < fa["f1_ci_high"]).all()
    assert ((fa["f1_ci_high"] - fa["f1_ci_low"]) < 0.2).all()


# -- difference and ratio (fairlearn's vocabulary) -------------------------------------


def test_difference_and_ratio_by_hand(rng):
    df = planted(rng, n_per_slice=300, separation={"b": 1.0, "d": 0.5})
    df.loc[df.index[:4], "g"] = "tiny"  # too small: left out of both
    r = mlnb.sliced_metrics(df, label="y", score="s", slice_by="g", publish=False)
    f = r.slices()
    sized = f[~f["too_small"]]
    assert "tiny" in set(f["value"]) and "tiny" not in set(sized["value"])
    for metric in ("accuracy", "recall", "roc_auc", "fpr", "log_loss"):
        overall = r.overall[metric]
        assert close(
            r.difference_between_groups(metric),
            sized[metric].max() - sized[metric].min(),
        )
        assert close(
            r.ratio_between_groups(metric),
            sized[metric].min() / sized[metric].max(),
        )
        diff = r.difference(metric)  # always a Series: each slice vs overall
        ratio = r.ratio(metric)
        assert isinstance(diff, pd.Series) and isinstance(ratio, pd.Series)
        assert list(diff.index) == list(zip(sized["slice"], sized["value"]))
        np.testing.assert_allclose(diff.to_numpy(), sized[metric] - overall)
        np.testing.assert_allclose(ratio.to_numpy(), sized[metric] / overall)
    # the goal metric's difference and ratio are columns of the frame too
    np.testing.assert_allclose(
        sized["roc_auc_difference"], r.difference("roc_auc").to_numpy()
    )
    np.testing.assert_allclose(sized["roc_auc_ratio"], r.ratio("roc_auc").to_numpy())
    with pytest.raises(TypeError):
        r.difference("accuracy", "between_groups")  # keyword-only; no method=
    with pytest.raises(MlnbValueError, match="unknown metric"):
        r.ratio("balanced_accuracy")


@pytest.mark.parametrize("weighted", [False, True])
def test_difference_and_ratio_equal_fairlearn(rng, weighted):
    metrics_mod = pytest.importorskip("fairlearn.metrics")
    df = planted(rng, n_per_slice=400, separation={"b": 1.0, "c": 3.0})
    w = rng.choice([0.5, 1.0, 2.0], len(df)) if weighted else None
    r = mlnb.sliced_metrics(
        df, label="y", score="s", slice_by="g", sample_weight=w, publish=False
    )
    pred = (df["s"] >= 0.5).astype(int)
    fns = {"accuracy": accuracy_score, "recall": metrics_mod.true_positive_rate}
    params = {m: {"sample_weight": w} for m in fns} if weighted else None
    mf = metrics_mod.MetricFrame(
        metrics=fns,
        y_true=df["y"],
        y_pred=pred,
        sensitive_features=df["g"],
        sample_params=params,
    )
    for metric in fns:
        by_group = mf.by_group[metric]
        ours = r.slices("g").set_index("value")[metric]
        np.testing.assert_allclose(ours.loc[by_group.index], by_group, rtol=1e-12)
        assert close(r.overall[metric], mf.overall[metric])
        for method in ("between_groups", "to_overall"):
            theirs_d = mf.difference(method=method)[metric]
            theirs_r = mf.ratio(method=method)[metric]
            if method == "between_groups":
                d = r.difference_between_groups(metric)
                q = r.ratio_between_groups(metric)
            else:
                d, q = r.difference(metric), r.ratio(metric)
                # fairlearn reduces the per-slice Series to its largest gap
                d = d.abs().max()
                q = np.minimum(q, 1 / q).min()
            assert close(d, theirs_d), (metric, method)
            assert close(q, theirs_r), (metric, method)


def test_support_counts_the_examples_each_metric_rests_on(rng):
    df = planted(rng, n_per_slice=300, groups=("a", "b", "c"))
    df["h"] = rng.choice(["x", "z"], len(df))
    r = mlnb.sliced_metrics(
        df, label="y", score="s", slice_by=["g", "h"], publish=False
    )
    f = r.to_frame()
    for i, row in f.iterrows():
        part = df[row_mask(df, row)]
        y, pred = part["y"] == 1, part["s"] >= 0.5
        expected = {
            "accuracy": len(part),
            "label_rate": len(part),
            "recall": y.sum(),
            "fnr": y.sum(),
            "fpr": (~y).sum(),
            "precision": pred.sum(),
            "f1": (pred | y).sum(),
            "roc_auc": min(y.sum(), (~y).sum()),
            "average_precision": y.sum(),
            "log_loss": len(part),
        }
        for metric, n in expected.items():
            assert r.support(metric).loc[i] == n, (metric, row["value"])
    assert (r.support().index == f.index).all()  # default: the goal metric


def test_difference_and_ratio_filters(rng):
    df = planted(rng, n_per_slice=400, separation={"b": 1.0, "d": 0.5})
    df["h"] = rng.choice(["x", "z"], len(df))
    r = mlnb.sliced_metrics(
        df, label="y", score="s", slice_by=["g", "h"], publish=False
    )
    g_only = r.slices("g")
    assert close(
        r.difference_between_groups("recall", slice_column="g"),
        g_only["recall"].max() - g_only["recall"].min(),
    )
    per_slicing = r.ratio("recall", slice_column="h")
    assert set(per_slicing.index.get_level_values(0)) == {"h"}
    # min_support leaves out values resting on too few examples (here: positives)
    support = r.support("recall").loc[g_only.index]
    cut = float(np.median(support))
    kept = g_only[support >= cut]
    assert close(
        r.difference_between_groups("recall", slice_column="g", min_support=cut),
        kept["recall"].max() - kept["recall"].min(),
    )
    assert len(r.difference("recall", slice_column="g", min_support=cut)) == len(kept)
    assert len(r.difference("recall", min_support=10**9)) == 0
    assert math.isnan(r.difference_between_groups("recall", min_support=10**9))


def test_a_goal_resting_on_few_examples_is_not_judged(rng):
    # slice "few" has 200 rows but only 5 positives, all missed: recall 0
    df = planted(rng, n_per_slice=5_000, groups=("a", "b"))
    few = pd.DataFrame(
        {"g": "few", "y": [1] * 5 + [0] * 195, "s": [0.01] * 5 + [0.02] * 195}
    )
    df = pd.concat([df, few], ignore_index=True)
    r = mlnb.sliced_metrics(
        df, label="y", score="s", slice_by="g", goal_metric="recall", publish=False
    )
    row = r.slices().set_index("value").loc["few"]
    assert row["recall"] == 0.0 and not row["too_small"]
    assert not row["significantly_worse"]
    assert "recall rests on 5 examples" in row["notes"] and "not judged" in row["notes"]
    assert r.status == "pass"


def test_threshold_range(rng):
    df = planted(rng, n_per_slice=100, groups=("a", "b"))
    assert mlnb.sliced_metrics(
        df, label="y", score="s", slice_by="g", publish=False
    ).threshold_range == (0.0, 1.0)
    logits = np.log(df["s"] / (1 - df["s"]))
    r = mlnb.sliced_metrics(
        df.assign(s=logits), label="y", score="s", slice_by="g", publish=False
    )
    assert r.threshold_range == (logits.min(), logits.max())
    by_pred = mlnb.sliced_metrics(
        df, label="y", prediction=df["s"] >= 0.5, slice_by="g", publish=False
    )
    assert by_pred.threshold_range is None


# -- too-small slices and the verdict --------------------------------------------------


def test_too_small_slices_are_reported_never_flagged(rng):
    df = planted(rng, n_per_slice=2_000, groups=("a", "b"))
    tiny = pd.DataFrame({"g": "tiny", "y": [1, 1, 0, 0], "s": [0.0, 0.1, 0.9, 1.0]})
    df = pd.concat([df, tiny], ignore_index=True)
    r = mlnb.sliced_metrics(df, label="y", score="s", slice_by="g", publish=False)
    row = r.slices().set_index("value").loc["tiny"]
    assert row["count"] == 4 and row["too_small"]
    assert row["roc_auc"] == 0.0 and not row["significantly_worse"]
    assert "tiny" not in set(r.worst()["value"])
    assert r.status == "pass"
    assert "1 slice(s) too small to judge" in r.summary
    assert r.record()["metrics"]["n_too_small"] == 1
    assert f"fewer than {MIN_SLICE_SIZE} rows" in r._repr_html_()
    # with min_slice_size=1 the same slice is judged and fails
    judged = mlnb.sliced_metrics(
        df, label="y", score="s", slice_by="g", min_slice_size=1, publish=False
    )
    assert not judged.slices().set_index("value").loc["tiny", "too_small"]


@pytest.mark.parametrize(
    "goal, separation, status",
    [
        ("roc_auc", {"d": 0.3}, "fail"),
        ("recall", {"d": 0.3}, "fail"),
        ("roc_auc", {}, "pass"),
        ("recall", {}, "pass"),
    ],
)
def test_status_on_planted_slices(rng, goal, separation, status):
    df = planted(rng, n_per_slice=5_000, separation=separation)
    r = mlnb.sliced_metrics(df, label="y", score="s", slice_by="g", goal_metric=goal)
    assert r.goal_metric == goal
    assert r.status == status, r.summary
    rec = mlnb.checklist.session.latest("fairness")
    assert rec["status"] == status and rec["summary"] == r.summary
    if status == "fail":
        assert r.summary.startswith("g=d has " + goal), r.summary
        assert list(r.flagged["value"]) == ["d"]
        assert r.worst(goal, n=1)["value"].iloc[0] == "d"
        assert rec["metrics"]["worst_slice"] == "g=d"
        row = r.flagged.iloc[0]
        assert row[f"{goal}_rest"] - row[goal] >= FAIL_MARGIN
        assert row[f"{goal}_p_value"] < 0.05
    else:
        assert r.flagged.empty and r.summary.startswith("no slice significantly worse")


def test_status_warns_between_the_margins(rng):
    # recall at 0.5 is about 0.84 in slices a-c and about 0.75 in d: gap ~0.09
    df = planted(rng, n_per_slice=20_000, separation={"d": 1.67})
    r = mlnb.sliced_metrics(
        df, label="y", score="s", slice_by="g", goal_metric="recall", publish=False
    )
    row = r.slices().set_index("value").loc["d"]
    gap = row["recall_rest"] - row["recall"]
    assert WARN_MARGIN <= gap < FAIL_MARGIN, gap
    assert r.status == "warn", r.summary
    # wider margins: still significantly worse, but within the margin -> pass
    relaxed = mlnb.sliced_metrics(
        df,
        label="y",
        score="s",
        slice_by="g",
        goal_metric="recall",
        conditions=[
            mlnb.Condition("worst_gap", "<", 0.3),
            mlnb.Condition("worst_gap", "<", 0.2, status="warn"),
            mlnb.Condition("n_judged", ">=", 1, status="info"),
        ],
        publish=False,
    )
    assert relaxed.status == "pass" and "below the 0.2 margin" in relaxed.summary
    assert list(relaxed.flagged["value"]) == ["d"]
    strict = mlnb.sliced_metrics(
        df,
        label="y",
        score="s",
        slice_by="g",
        goal_metric="recall",
        conditions=[
            mlnb.Condition("worst_gap", "<", 0.02),
            mlnb.Condition("worst_gap", "<", 0.01, status="warn"),
        ],
        publish=False,
    )
    assert strict.status == "fail" and strict.summary.startswith("g=d has recall")


def test_status_info_when_every_slice_is_too_small(rng):
    df = planted(rng, n_per_slice=10, groups=tuple("abcdefgh"))
    r = mlnb.sliced_metrics(df, label="y", score="s", slice_by="g", publish=False)
    assert r.slices()["too_small"].all()
    assert r.status == "info"
    assert "no slice has at least 30 rows" in r.summary
    assert "8 slice(s) too small" in r.summary


def test_regression_status_uses_a_relative_margin(rng):
    n = 4_000
    g = rng.choice(["a", "b", "c"], n)
    y = rng.normal(50, 10, n)
    p = y + rng.normal(0, np.where(g == "c", 3.0, 2.0))  # c's MAE ~1.5x the others
    r = mlnb.sliced_metrics(
        label=y, prediction=p, slice_by={"g": g}, task="regression", publish=False
    )
    assert r.status == "fail" and r.summary.startswith("g=c has mae"), r.summary
    assert "(relative)" in r.summary


# -- crosses, numeric bins, missing slice values ---------------------------------------


def test_crossed_slices_equal_slicing_the_filtered_data(rng):
    n = 6_000
    df = pd.DataFrame(
        {
            "sex": rng.choice(["f", "m"], n),
            "race": rng.choice(["p", "q", "r"], n),
            "y": rng.integers(0, 2, n),
        }
    )
    df["s"] = np.clip(rng.normal(0.4 + 0.2 * df["y"], 0.2), 0, 1).round(2)
    r = mlnb.sliced_metrics(
        df, label="y", score="s", slice_by=["sex", ("sex", "race")], publish=False
    )
    assert r.slice_columns == ("sex", "sex × race")
    crossed = r.slices("sex × race")
    assert len(crossed) == 6
    metric_cols = [c for c in crossed.columns if c.split("_ci_")[0] in r.metrics]
    metric_cols = [c for c in metric_cols if not c.startswith("f1_ci")]
    for sex in ("f", "m"):
        part = df[df["sex"] == sex]
        filtered = mlnb.sliced_metrics(
            part, label="y", score="s", slice_by="race", publish=False
        ).slices()
        ours = crossed[crossed["value"].str.startswith(sex + CROSS)]
        assert list(ours["value"]) == [f"{sex}{CROSS}{v}" for v in filtered["value"]]
        for col in ["count", "weighted_count", *metric_cols]:
            np.testing.assert_allclose(
                ours[col].to_numpy(float), filtered[col].to_numpy(float), rtol=1e-12
            )
    # three columns crossed
    r3 = mlnb.sliced_metrics(
        df.assign(k=rng.choice(["u", "v"], n)),
        label="y",
        score="s",
        slice_by=[("sex", "race", "k")],
        publish=False,
    )
    assert r3.slice_columns == ("sex × race × k",)
    assert r3.slices()["count"].sum() == n and len(r3.slices()) == 12


def test_numeric_slice_column_is_bucketed_readably(rng):
    n = 2_000
    df = pd.DataFrame(
        {"age": rng.integers(18, 90, n), "y": rng.integers(0, 2, n), "s": rng.random(n)}
    )
    r = mlnb.sliced_metrics(df, label="y", score="s", slice_by="age", publish=False)
    f = r.slices()
    assert len(f) == 4
    labels = list(f["value"])
    assert all(v.startswith("[") for v in labels)
    assert all(v.endswith(")") for v in labels[:-1]) and labels[-1].endswith("]")
    lows = [float(v[1:].split(",")[0]) for v in labels]
    assert lows[0] == df["age"].min() and labels[-1].endswith(f"{df['age'].max()}]")
    for v, count in zip(labels, f["count"]):
        lo, hi = (float(x) for x in v[1:-1].split(", "))
        inside = (df["age"] >= lo) & (
            (df["age"] <= hi) if v.endswith("]") else (df["age"] < hi)
        )
        assert inside.sum() == count, v
    # bins: an int, a list of edges, or a dict per column
    r6 = mlnb.sliced_metrics(
        df, label="y", score="s", slice_by="age", bins=6, publish=False
    )
    assert len(r6.slices()) == 6
    edges = mlnb.sliced_metrics(
        df, label="y", score="s", slice_by="age", bins=[0, 30, 60, 120], publish=False
    ).slices()
    assert list(edges["value"]) == ["[0, 30)", "[30, 60)", "[60, 120]"]
    assert list(edges["count"]) == [
        int((df["age"] < 30).sum()),
        int(((df["age"] >= 30) & (df["age"] < 60)).sum()),
        int((df["age"] >= 60).sum()),
    ]
    both = mlnb.sliced_metrics(
        df.assign(income=rng.lognormal(10, 1, n)),
        label="y",
        score="s",
        slice_by=["age", "income"],
        bins={"age": [0, 40, 120]},
        publish=False,
    )
    assert len(both.slices("age")) == 2 and len(both.slices("income")) == 4


def test_missing_slice_values_form_their_own_slice(rng):
    n = 500
    df = pd.DataFrame(
        {
            "y": rng.integers(0, 2, n),
            "s": rng.random(n),
            "city": rng.choice(["oslo", "rome", None], n),
            "age": np.where(rng.random(n) < 0.1, np.nan, rng.normal(40, 10, n)),
        }
    )
    r = mlnb.sliced_metrics(
        df, label="y", score="s", slice_by=["city", "age"], publish=False
    )
    for column in ("city", "age"):
        f = r.slices(column)
        assert f["count"].sum() == n  # nothing dropped
        missing = f[f["value"] == "missing"].iloc[0]
        m = df[column].isna().to_numpy()
        assert missing["count"] == m.sum()
        assert close(missing["roc_auc"], roc_auc_score(df["y"][m], df["s"][m]))
    assert r.n_dropped == 0


# -- input forms -----------------------------------------------------------------------


def input_frame(rng, n=400):
    df = pd.DataFrame(
        {
            "y": rng.integers(0, 2, n),
            "s": rng.choice(TIED_PROBS, n),
            "sex": rng.choice(["f", "m"], n),
            "age": rng.integers(18, 80, n),
            "w": rng.choice([0.0, 1.0, 2.5], n),
        }
    )
    return df


INPUT_KW = {
    "label": "y",
    "score": "s",
    "sample_weight": "w",
    "slice_by": ["sex", "age", ("sex", "age")],
    "publish": False,
}


def assert_same_frames(a, b):
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    assert (a.status, a.summary) == (b.status, b.summary)


def test_polars_input_gives_the_same_frame(rng):
    pl = pytest.importorskip("polars")
    df = input_frame(rng)
    assert_same_frames(
        mlnb.sliced_metrics(df, **INPUT_KW),
        mlnb.sliced_metrics(pl.from_pandas(df), **INPUT_KW),
    )


def test_arrays_and_a_dict_of_slices_give_the_same_frame(rng):
    df = input_frame(rng)
    ours = mlnb.sliced_metrics(df, **INPUT_KW)
    arrays = mlnb.sliced_metrics(
        label=df["y"].to_numpy(),
        score=df["s"].to_numpy(),
        sample_weight=df["w"].to_numpy(),
        slice_by={"sex": df["sex"].to_numpy(), "age": df["age"].to_numpy()},
        publish=False,
    )
    # a dict slices by each array on its own
    pd.testing.assert_frame_equal(
        arrays.to_frame(),
        mlnb.sliced_metrics(df, **(INPUT_KW | {"slice_by": ["sex", "age"]})).to_frame(),
    )
    # crosses too, with the arrays as a dict of columns, or with columns given as
    # values next to a frame
    as_dict = {c: df[c].to_numpy() for c in df.columns}
    assert_same_frames(ours, mlnb.sliced_metrics(as_dict, **INPUT_KW))
    values = {"label": df["y"], "score": df["s"], "sample_weight": df["w"]}
    assert_same_frames(ours, mlnb.sliced_metrics(df, **(INPUT_KW | values)))


def test_pyarrow_table_gives_the_same_frame(rng):
    pa = pytest.importorskip("pyarrow")
    df = input_frame(rng)
    assert_same_frames(
        mlnb.sliced_metrics(df, **INPUT_KW),
        mlnb.sliced_metrics(pa.Table.from_pandas(df), **INPUT_KW),
    )


def test_pandas_dtypes_of_the_slice_column(rng):
    df = input_frame(rng)
    base = mlnb.sliced_metrics(df, label="y", score="s", slice_by="sex", publish=False)
    for column in (
        df["sex"].astype("category"),
        df["sex"].astype("string"),
        df["sex"].astype(object),
    ):
        other = mlnb.sliced_metrics(
            df.assign(sex=column), label="y", score="s", slice_by="sex", publish=False
        )
        assert_same_frames(base, other)


# -- bad input -------------------------------------------------------------------------


@pytest.fixture
def frame(rng):
    return input_frame(rng, n=300)


def test_unknown_slice_column_lists_the_real_ones(frame):
    with pytest.raises(MlnbValueError, match="slice column 'gender' is not in") as e:
        mlnb.sliced_metrics(frame, label="y", score="s", slice_by="gender")
    for real in ("'y'", "'s'", "'sex'", "'age'", "'w'"):
        assert real in str(e.value)
    with pytest.raises(MlnbValueError, match="'race' is not in"):
        mlnb.sliced_metrics(frame, label="y", score="s", slice_by=[("sex", "race")])
    with pytest.raises(MlnbValueError, match="label column 'target' is not in"):
        mlnb.sliced_metrics(frame, label="target", score="s", slice_by="sex")


def test_slice_column_with_100k_values_is_capped(rng):
    n = 100_000
    df = pd.DataFrame(
        {
            "y": rng.integers(0, 2, n),
            "s": rng.random(n),
            "user": [f"u{i}" for i in range(n)],
        }
    )
    with pytest.raises(DataValidationError) as e:
        mlnb.sliced_metrics(df, label="y", score="s", slice_by="user")
    msg = str(e.value)
    assert "'user' has 100,000 distinct values" in msg
    assert "at most 1,000" in msg and "max_slices=100000" in msg
    # the option lifts the cap (checked on fewer rows: 1,200 slices)
    small = df.iloc[:2_400].assign(user=[f"u{i % 1_200}" for i in range(2_400)])
    with pytest.raises(DataValidationError, match="max_slices=1200"):
        mlnb.sliced_metrics(small, label="y", score="s", slice_by="user")
    r = mlnb.sliced_metrics(
        small, label="y", score="s", slice_by="user", max_slices=1_200, publish=False
    )
    assert len(r.slices()) == 1_200
    # crosses are capped too
    with pytest.raises(DataValidationError, match="crossing sex × user"):
        mlnb.sliced_metrics(
            small.assign(sex=rng.choice(["f", "m"], 2_400)),
            label="y",
            score="s",
            slice_by=[("sex", "user")],
            max_slices=1_200,
        )


@pytest.mark.parametrize("column", ["y", "s"])
def test_missing_labels_or_scores_raise_and_are_counted(frame, column):
    df = frame.astype({"y": float})
    df.loc[[3, 7, 11], column] = np.nan
    df.loc[20, "s"] = np.nan
    with pytest.raises(DataValidationError) as e:
        mlnb.sliced_metrics(df, label="y", score="s", slice_by="sex")
    msg = str(e.value)
    n_missing = 4
    assert f"{n_missing} of 300 rows have missing values" in msg
    assert "nan_policy='drop'" in msg
    detail = "label: 3, score: 1" if column == "y" else "score: 4"
    assert f"({detail})" in msg
    dropped = mlnb.sliced_metrics(
        df, label="y", score="s", slice_by="sex", nan_policy="drop", publish=False
    )
    assert dropped.n_dropped == n_missing and dropped.n_rows == 300 - n_missing
    assert f"{n_missing} rows left out for missing values" in dropped.dropped_reason
    assert dropped.to_dict()["n_dropped"] == n_missing
    assert dropped.dropped_reason in dropped._repr_html_()
    clean = df.dropna(subset=["y", "s"]).astype({"y": int})
    pd.testing.assert_frame_equal(
        dropped.to_frame(),
        mlnb.sliced_metrics(
            clean, label="y", score="s", slice_by="sex", publish=False
        ).to_frame(),
    )


def test_missing_predictions_and_dropping_everything(frame):
    pred = (frame["s"] >= 0.5).astype(float)
    pred[:5] = np.nan
    with pytest.raises(DataValidationError, match="prediction: 5"):
        mlnb.sliced_metrics(frame, label="y", prediction=pred, slice_by="sex")
    allnan = frame.assign(s=np.nan)
    with pytest.raises(DataValidationError, match="every row has a missing value"):
        mlnb.sliced_metrics(
            allnan, label="y", score="s", slice_by="sex", nan_policy="drop"
        )


@pytest.mark.parametrize(
    "weights, words",
    [
        (-1.0, "negative values"),
        (np.nan, "NaN or infinite"),
        (np.inf, "NaN or infinite"),
    ],
)
def test_bad_weights(frame, weights, words):
    w = np.ones(len(frame))
    w[4] = weights
    with pytest.raises(DataValidationError, match=words):
        mlnb.sliced_metrics(
            frame, label="y", score="s", slice_by="sex", sample_weight=w
        )
    with pytest.raises(DataValidationError, match="all zeros"):
        mlnb.sliced_metrics(
            frame, label="y", score="s", slice_by="sex", sample_weight=np.zeros(300)
        )


def test_empty_data(frame):
    with pytest.raises(DataValidationError, match="empty"):
        mlnb.sliced_metrics(frame.iloc[:0], label="y", score="s", slice_by="sex")
    with pytest.raises(DataValidationError, match="empty"):
        mlnb.sliced_metrics(label=[], score=[], slice_by={"g": []})


def test_label_not_binary_when_binary_metrics_are_asked(frame):
    df = frame.assign(y=np.arange(len(frame)) % 3)
    with pytest.raises(DataValidationError) as e:
        mlnb.sliced_metrics(df, label="y", score="s", slice_by="sex", task="binary")
    assert "3 classes" in str(e.value) and "positive_label" in str(e.value)
    with pytest.raises(MlnbValueError, match="cannot judge a multiclass model"):
        mlnb.sliced_metrics(
            df, label="y", prediction="y", slice_by="sex", goal_metric="roc_auc"
        )
    with pytest.raises(MlnbValueError, match="one column per class"):
        mlnb.sliced_metrics(df, label="y", score="s", slice_by="sex")
    # positive_label= (with task="binary") turns it into a binary question
    r = mlnb.sliced_metrics(
        df,
        label="y",
        score="s",
        slice_by="sex",
        positive_label=2,
        task="binary",
        publish=False,
    )
    assert r.task == "binary" and r.positive_label == 2
    assert close(r.overall["roc_auc"], roc_auc_score(df["y"] == 2, df["s"]))


def test_positive_label_alone_makes_the_question_binary(frame):
    df = frame.assign(y=np.arange(len(frame)) % 3)
    r = mlnb.sliced_metrics(
        df, label="y", score="s", slice_by="sex", positive_label=2, publish=False
    )
    assert r.task == "binary"


@pytest.mark.parametrize("spec", [[3], 0])
def test_non_string_slice_name_missing_is_a_clear_error(frame, spec):
    with pytest.raises(MlnbValueError, match="column .* is not in the data"):
        mlnb.sliced_metrics(frame, label="y", score="s", slice_by=spec)


def test_integer_column_names_can_be_sliced(frame):
    numbered = frame.rename(columns={"sex": 0})
    by_name = mlnb.sliced_metrics(frame, label="y", score="s", slice_by="sex")
    by_number = mlnb.sliced_metrics(numbered, label="y", score="s", slice_by=0)
    a, b = by_name.to_frame(), by_number.to_frame()
    assert list(b.slice.unique()) == ["overall", "0"]
    pd.testing.assert_frame_equal(
        a.drop(columns=["slice", "notes"]), b.drop(columns=["slice", "notes"])
    )


@pytest.mark.parametrize("spec", [[[1, 2]], [{"a": 1}]])
def test_unhashable_slice_spec_is_a_clear_error(frame, spec):
    with pytest.raises(MlnbValueError, match="cannot slice by"):
        mlnb.sliced_metrics(frame, label="y", score="s", slice_by=spec)


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"slice_by": None}, MlnbValueError, "slice_by is required"),
        ({"slice_by": []}, MlnbValueError, "slice_by is empty"),
        ({"slice_by": [("sex", 3)]}, MlnbValueError, "column 3 is not in"),
        ({"nan_policy": "ignore"}, MlnbValueError, "nan_policy must be"),
        ({"confidence": 1.0}, MlnbValueError, "confidence must be a number in"),
        ({"min_slice_size": 0}, MlnbValueError, "min_slice_size must be"),
        ({"threshold": math.nan}, MlnbValueError, "threshold must be a finite number"),
        ({"engine": "spark"}, MlnbValueError, "engine must be"),
        ({"goal_metric": "label_rate"}, MlnbValueError, "choose one of"),
        ({"task": "ranking"}, MlnbValueError, "task must be one of"),
        ({"score": None}, MlnbValueError, "score="),
        ({"prediction": "y"}, MlnbValueError, "not both"),
        ({"score": [0.5] * 10}, MlnbValueError, "label has 300 values"),
        ({"bins": 1, "slice_by": "age"}, MlnbValueError, "bins must be a whole"),
        ({"bins": [30, 50], "slice_by": "age"}, MlnbValueError, "widen"),
    ],
)
def test_bad_arguments_say_how_to_fix_them(frame, kwargs, error, words):
    args = {"label": "y", "score": "s", "slice_by": "sex"} | kwargs
    with pytest.raises(error, match=words) as e:
        mlnb.sliced_metrics(frame, **args)
    assert isinstance(e.value, MlnbError)


def test_result_methods_reject_bad_names(frame):
    r = mlnb.sliced_metrics(frame, label="y", score="s", slice_by="sex", publish=False)
    with pytest.raises(MlnbValueError, match="no slicing named 'age'"):
        r.slices("age")
    with pytest.raises(MlnbValueError, match="choose one of"):
        r.with_goal("mae")
    with pytest.raises(MlnbValueError, match="threshold must be a number"):
        r.at_threshold(math.nan)


def test_html_in_slice_values_is_escaped(rng):
    evil = "<script>alert(1)</script>"
    df = planted(rng, n_per_slice=3_000, groups=(evil, "<b>bold</b>", "a&b"))
    df.loc[df["g"] == evil, "s"] = rng.random(int((df["g"] == evil).sum()))
    r = mlnb.sliced_metrics(df, label="y", score="s", slice_by="g")
    assert r.status == "fail" and evil in r.summary  # the record is plain text
    html = r._repr_html_()
    bundle = r._repr_mimebundle_()
    for text in (html, bundle["text/html"]):
        assert "<script" not in text and "<b>bold" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
        assert "&lt;b&gt;bold&lt;/b&gt;" in text and "a&amp;b" in text
    # the summary shown in the card is escaped too
    assert "g=&lt;script&gt;" in html
    record = bundle[MIME]
    assert json.loads(json.dumps(record))["summary"] == r.summary
    assert record["metrics"]["worst_slice"] == f"g={evil}"


def test_html_in_slice_column_names_is_escaped(rng):
    df = planted(rng, n_per_slice=100, groups=("a", "b")).rename(
        columns={"g": "<i>grp</i>"}
    )
    html = mlnb.sliced_metrics(
        df, label="y", score="s", slice_by="<i>grp</i>", publish=False
    )._repr_html_()
    assert "<i>grp" not in html and "&lt;i&gt;grp&lt;/i&gt;" in html


# -- the result contract ---------------------------------------------------------------


def test_frame_columns_and_json_safe_dict(rng):
    df = planted(rng, n_per_slice=200, groups=("a", "b"))
    df.loc[df["g"] == "b", "y"] = 0  # NaN metrics in slice b
    r = mlnb.sliced_metrics(df, label="y", score="s", slice_by="g", publish=False)
    f = r.to_frame()
    for column in ("slice", "value", "count", *ISSUE_METRIC_COLUMNS):
        assert column in f.columns
    for metric in r.metrics:
        assert f"{metric}_ci_low" in f.columns and f"{metric}_ci_high" in f.columns
    assert list(f["slice"]) == ["overall", "g", "g"]
    assert f["count"].tolist() == [400, 200, 200]
    f.loc[0, "count"] = -1  # a copy: the result does not change
    assert r.to_frame().loc[0, "count"] == 400
    d = r.to_dict()
    text = json.dumps(d, allow_nan=False)
    assert json.loads(text)["rows"][2]["roc_auc"] is None
    assert d["step"] == "fairness" and d["check"] == "sliced_metrics"
    assert d["task"] == "binary" and d["n_rows"] == 400
    assert len(d["rows"]) == 3


def test_regression_frame_columns(rng):
    n = 200
    r = mlnb.sliced_metrics(
        label=rng.normal(size=n),
        prediction=rng.normal(size=n),
        slice_by={"g": rng.choice(["a", "b"], n)},
        publish=False,
    )
    f = r.to_frame()
    for metric in ("mae", "rmse", "mean_error"):
        assert {metric, f"{metric}_ci_low", f"{metric}_ci_high"} <= set(f.columns)
    json.dumps(r.to_dict(), allow_nan=False)


def test_mimebundle_record_and_session(rng):
    df = planted(rng, n_per_slice=200, groups=("a", "b"))
    assert mlnb.checklist.session.latest("fairness") is None
    quiet = mlnb.sliced_metrics(df, label="y", score="s", slice_by="g", publish=False)
    assert mlnb.checklist.session.latest("fairness") is None
    first = mlnb.sliced_metrics(df, label="y", score="s", slice_by="g")
    bundle = first._repr_mimebundle_()
    assert set(bundle) >= {"text/plain", "text/html", MIME}
    record = bundle[MIME]
    assert record["step"] == "fairness" and record["check"] == "sliced_metrics"
    assert record["status"] == first.status and record["summary"] == first.summary
    assert record["metrics"]["goal_metric"] == "roc_auc"
    json.dumps(record, allow_nan=False)
    assert mlnb.checklist.session.latest("fairness") == first.record()
    second = mlnb.sliced_metrics(
        df, label="y", score="s", slice_by="g", goal_metric="accuracy"
    )
    latest = mlnb.checklist.session.latest("fairness")
    assert latest == second.record() and latest["metrics"]["goal_metric"] == "accuracy"
    # derived results are not published
    quiet.at_threshold(0.2)
    quiet.with_goal("recall")
    assert mlnb.checklist.session.latest("fairness") == second.record()
    assert "step 6" in repr(first).lower() or "fairness" in repr(first)


def test_plot_returns_axes(rng):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    df = planted(rng, n_per_slice=100, groups=("a", "b", "c"))
    r = mlnb.sliced_metrics(df, label="y", score="s", slice_by="g", publish=False)
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    ax = r.plot()
    assert isinstance(ax, Axes)
    _, given = plt.subplots()
    assert r.plot(metric="recall", slice_column="g", ax=given) is given
    assert given.get_title().startswith("recall per slice")
    with pytest.raises(TypeError):
        r.plot("recall")  # keyword-only
    plt.close("all")


# ---------------------------------------------------------------------------------
# many slices: the multiple-comparison correction (issue 11, class 2)
# ---------------------------------------------------------------------------------
def _hand_holm(p):
    p = np.asarray(p, dtype=float)
    order = np.argsort(p, kind="stable")
    m = len(p)
    out = np.empty(m)
    running = 0.0
    for i, j in enumerate(order):
        running = max(running, min(1.0, (m - i) * p[j]))
        out[j] = running
    return out


def _hand_bh(p):
    p = np.asarray(p, dtype=float)
    order = np.argsort(p, kind="stable")
    m = len(p)
    out = np.empty(m)
    running = 1.0
    for i in range(m - 1, -1, -1):
        j = order[i]
        running = min(running, m * p[j] / (i + 1))
        out[j] = min(1.0, running)
    return out


@pytest.mark.parametrize("method", ["holm", "bh"])
def test_adjusted_p_values_match_an_independent_oracle(method):
    from mlnb.checks.fairness.judge import adjust_p_values

    rng = np.random.default_rng(3)
    p = np.concatenate([rng.random(200) ** 3, [0.0, 1.0, 0.5, 0.5]])
    got = adjust_p_values(p, method)
    hand = _hand_holm(p) if method == "holm" else _hand_bh(p)
    np.testing.assert_allclose(got, hand, rtol=1e-12, atol=1e-15)
    try:
        from statsmodels.stats.multitest import multipletests
    except ImportError:  # pragma: no cover - the hand computation above suffices
        return
    sm = multipletests(p, method="holm" if method == "holm" else "fdr_bh")[1]
    np.testing.assert_allclose(got, sm, rtol=1e-12, atol=1e-15)


def test_adjusted_p_values_skip_nan_and_none_is_identity():
    from mlnb.checks.fairness.judge import adjust_p_values

    p = np.array([0.01, np.nan, 0.04, 0.03])
    out = adjust_p_values(p, "holm")
    assert np.isnan(out[1])
    np.testing.assert_allclose(out[[0, 2, 3]], _hand_holm([0.01, 0.04, 0.03]))
    np.testing.assert_array_equal(adjust_p_values(p, None), p)


def _noise(seed, k, m):
    rng = np.random.default_rng(seed)
    n = k * m
    return (
        rng.integers(0, 2, n),
        rng.random(n),
        np.repeat(np.arange(k), m),
    )


def _noise_result(seed, k, m, **kw):
    y, p, g = _noise(seed, k, m)
    return mlnb.sliced_metrics(
        None,
        label=y,
        score=p,
        slice_by={"g": g},
        max_slices=k,
        bins=None,
        publish=False,
        **kw,
    )


def test_frame_holds_the_adjusted_p_values_of_the_judged_slices():
    r = _noise_result(0, 300, 40)
    f = r.slices()
    judged = f[f["roc_auc_p_adjusted"].notna()]
    assert len(judged) == r.condition_values["n_judged"] > 250
    try:
        from statsmodels.stats.multitest import multipletests
    except ImportError:  # the core environment: the hand computation
        expected = _hand_holm(judged["roc_auc_p_value"].to_numpy())
    else:
        expected = multipletests(judged["roc_auc_p_value"], method="holm")[1]
    np.testing.assert_allclose(judged["roc_auc_p_adjusted"], expected, rtol=1e-12)
    alpha = 1 - r.confidence
    worse = judged["roc_auc"] < judged["roc_auc_rest"]
    np.testing.assert_array_equal(
        judged["significantly_worse"], worse & (judged["roc_auc_p_adjusted"] < alpha)
    )
    assert r.correction == "holm"


def test_correction_is_named_in_the_result_the_frame_and_the_html():
    for corr, words in [
        ("holm", "Holm (1979)"),
        ("bh", "Benjamini-Hochberg (1995)"),
        (None, "no multiple-comparison correction"),
    ]:
        r = _noise_result(1, 50, 60, correction=corr)
        assert r.correction == corr
        assert "roc_auc_p_adjusted" in r.to_frame().columns
        assert words in r._repr_html_()
        assert r.to_dict()["correction"] == corr
    assert "(Holm-corrected)" in _noise_result(1, 50, 60).summary


def test_without_correction_many_noise_slices_flag_and_with_it_none():
    """The issue's measurement: 2,000 slices x 100 rows from one distribution."""
    raw = _noise_result(0, 2000, 100, correction=None)
    assert raw.condition_values["n_flagged"] > 10  # the false alarms of before
    assert _noise_result(0, 2000, 100).condition_values["n_flagged"] == 0


def test_bh_flags_a_planted_slice_among_noise():
    y, p, g = _noise(5, 500, 100)
    bad = g < 3  # three slices whose scores carry no signal ... and the rest do
    p = np.where(bad, p, np.clip(0.35 * y + 0.65 * p, 0, 1))
    for corr in ("holm", "bh"):
        r = mlnb.sliced_metrics(
            None,
            label=y,
            score=p,
            slice_by={"g": g},
            max_slices=500,
            bins=None,
            publish=False,
            correction=corr,
        )
        flagged = set(r.flagged["value"])
        assert {"0", "1", "2"} <= flagged, corr


@pytest.mark.slow
def test_2000_noise_slices_pass_in_at_least_95_percent_of_seeds():
    """Holm keeps the chance of any false flag below 5%: over 40 seeds (20 would
    leave a 1-in-4 chance of two unlucky ones at exactly that rate) at least 38
    pass."""
    statuses = [_noise_result(seed, 2000, 100).status for seed in range(40)]
    assert sum(s == "pass" for s in statuses) >= 38, statuses


@pytest.mark.slow
def test_10000_noise_slices_flag_none_in_at_least_95_percent_of_seeds():
    flagged = [
        _noise_result(seed, 10_000, 50).condition_values["n_flagged"]
        for seed in range(20)
    ]
    assert sum(f == 0 for f in flagged) >= 19, flagged


# ---------------------------------------------------------------------------------
# memory with many slices (issue 11, class 10)
# ---------------------------------------------------------------------------------
def test_f1_interval_is_the_same_in_chunks(monkeypatch):
    rng = np.random.default_rng(1)
    c = rng.integers(0, 50, (4, 700))
    whole = intervals.dirichlet_f1(*c, 0.95, seed=7)
    monkeypatch.setattr(intervals, "_DRAW_BUDGET", 4000 * 3 + 17)
    chunked = intervals.dirichlet_f1(*c, 0.95, seed=7)
    np.testing.assert_array_equal(whole[0], chunked[0])
    np.testing.assert_array_equal(whole[1], chunked[1])


def test_f1_interval_of_small_inputs_is_unchanged():
    """The one-shot draw of before, written out: chunking changes nothing."""
    tp, fp, fn, tn = np.array([[5, 40], [3, 2], [4, 9], [30, 50]])
    counts = np.stack([tp, fp, fn, tn], axis=-1).astype(np.float64)
    rng = np.random.default_rng(0)
    g = rng.standard_gamma(counts[:, None, :] + 0.5, size=(2, 1000, 4))
    f1 = 2 * g[..., 0] / (2 * g[..., 0] + g[..., 1] + g[..., 2])
    alpha = (1.0 - 0.95) / 2.0
    lo, hi = np.quantile(f1, [alpha, 1.0 - alpha], axis=1)
    got = intervals.dirichlet_f1(tp, fp, fn, tn, 0.95)
    np.testing.assert_array_equal(got[0], lo)
    np.testing.assert_array_equal(got[1], hi)


@pytest.mark.slow
def test_memory_of_80000_slices_stays_under_1_gb(tmp_path):
    import subprocess
    import sys

    script = tmp_path / "mem.py"
    script.write_text(
        "import numpy as np, mlnb\n"
        "rng = np.random.default_rng(0)\n"
        "k, m = 80_000, 4\n"
        "n = k * m\n"
        "y = rng.integers(0, 2, n)\n"
        "p = rng.random(n)\n"
        "g = np.repeat(np.arange(k), m)\n"
        "r = mlnb.sliced_metrics(None, label=y, score=p, slice_by={'g': g},\n"
        "    max_slices=k, bins=None, min_slice_size=1, publish=False)\n"
        "assert len(r.slices()) == k\n"
        "# VmHWM: this process's own peak (ru_maxrss would carry the parent's\n"
        "# peak across fork+exec on Linux, whatever the tests before it loaded)\n"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')]\n"
        "print(int(hwm[0].split()[1]))\n"
    )
    out = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    peak_kb = int(out.stdout.strip().splitlines()[-1])  # Linux: kilobytes
    assert peak_kb * 1024 < 1024**3, f"peak {peak_kb / 1024:.0f} MB"
