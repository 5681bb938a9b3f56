"""The metric of one window comes from the one registry (mlnb.core.metrics): the
built-ins with closed forms are checked against scikit-learn and hand formulas;
other registered metrics (a user's, or one without a closed form) run their
``fn`` and have no interval; multiclass metrics are refused with the fix."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix

from mlnb.core import metrics as registry
from mlnb.errors import MlnbValueError
from mlnb.runtime.evaluator import ContinuousEvaluator
from mlnb.runtime.window_metric import CLOSED_FORM, window_metric, window_task

Z95 = NormalDist().inv_cdf(0.975)


def hand_wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def hand_mean(x: np.ndarray) -> tuple[float, float, float]:
    m = float(x.mean())
    se = float(x.std()) / math.sqrt(len(x))
    return m, m - Z95 * se, m + Z95 * se


@pytest.fixture
def binary(rng):
    y = rng.integers(0, 2, 300)
    s = np.clip(0.3 * y + rng.uniform(0, 0.7, 300), 0, 1)
    return y, s


@pytest.mark.parametrize(
    ("metric", "counts"),
    [
        # (k, n) of the proportion, from scikit-learn's confusion matrix
        ("fpr", lambda tn, fp, fn, tp: (fp, fp + tn)),
        ("fnr", lambda tn, fp, fn, tp: (fn, fn + tp)),
        ("label_rate", lambda tn, fp, fn, tp: (tp + fn, tn + fp + fn + tp)),
        ("prediction_rate", lambda tn, fp, fn, tp: (tp + fp, tn + fp + fn + tp)),
    ],
)
def test_rates_are_wilson_proportions(binary, metric, counts):
    y, s = binary
    tn, fp, fn, tp = confusion_matrix(y, s >= 0.5).ravel()
    k, n = counts(int(tn), int(fp), int(fn), int(tp))
    value, lo, hi, note = window_metric(metric, y, s)
    assert value == pytest.approx(k / n, rel=1e-12) and note == ""
    assert (lo, hi) == pytest.approx(hand_wilson(k, n))
    # and the registry's reference implementation agrees on the value
    assert value == pytest.approx(registry.compute(metric, y, s), rel=1e-12)


@pytest.mark.parametrize(
    ("metric", "data"),
    [
        ("mean_prediction", lambda y, s: s),
        ("mean_error", lambda y, s: s - y),
        ("label_mean", lambda y, s: y),
        ("prediction_mean", lambda y, s: s),
    ],
)
def test_means_have_the_normal_interval(rng, metric, data):
    y = rng.normal(size=200) if metric != "mean_prediction" else rng.integers(0, 2, 200)
    s = (
        rng.uniform(0, 1, 200)
        if metric == "mean_prediction"
        else y + rng.normal(size=200)
    )
    value, lo, hi, _ = window_metric(metric, y, s)
    m, hand_lo, hand_hi = hand_mean(np.asarray(data(y, s), dtype=float))
    assert value == pytest.approx(m, rel=1e-12)
    assert (lo, hi) == pytest.approx((hand_lo, hand_hi))
    assert value == pytest.approx(registry.compute(metric, y, s), rel=1e-12)


def test_every_binary_and_regression_metric_of_the_registry_works(rng):
    y = rng.integers(0, 2, 200)
    s = np.clip(0.4 * y + rng.uniform(0, 0.6, 200), 0.01, 0.99)
    yr = rng.normal(size=200)
    sr = yr + rng.normal(size=200)
    for task, (yy, ss) in (("binary", (y, s)), ("regression", (yr, sr))):
        for name in registry.names(task):
            value, lo, hi, note = window_metric(name, yy, ss)
            assert math.isfinite(value), name
            assert value == pytest.approx(registry.compute(name, yy, ss), rel=1e-9)
            if name in CLOSED_FORM:
                assert lo <= value <= hi, name
            else:  # no closed form here: a value, no interval
                assert math.isnan(lo) and math.isnan(hi), name


def test_calibration_uses_the_registry_fn_without_an_interval(binary):
    y, s = binary
    value, lo, hi, note = window_metric("calibration", y, s)
    assert value == pytest.approx(s.mean() / y.mean(), rel=1e-12)
    assert math.isnan(lo) and math.isnan(hi) and note == ""


@pytest.fixture
def user_metric():
    def brier(y_true, y_out, sample_weight=None):
        return float(np.mean((np.asarray(y_out) - np.asarray(y_true)) ** 2))

    def hits(y_true, y_out, sample_weight=None):
        return float(np.sum((np.asarray(y_out) == 1) & (np.asarray(y_true) == 1)))

    def broken(y_true, y_out, sample_weight=None):
        raise RuntimeError("no luck")

    registry.register_metric(
        "test_brier", brier, task="binary", higher_is_better=False, range=(0, 1)
    )
    registry.register_metric(
        "test_hits", hits, task="binary", higher_is_better=True, needs="threshold"
    )
    registry.register_metric(
        "test_broken", broken, task="regression", higher_is_better=None
    )
    yield
    for name in ("test_brier", "test_hits", "test_broken"):
        registry.unregister_metric(name)


def test_a_registered_metric_gives_its_value_and_no_interval(binary, user_metric):
    y, s = binary
    value, lo, hi, note = window_metric("test_brier", y, s)
    assert value == pytest.approx(float(np.mean((s - y) ** 2)), rel=1e-12)
    assert math.isnan(lo) and math.isnan(hi) and note == ""
    # needs="threshold": the function gets 0/1 decisions at the decision threshold
    value, *_ = window_metric("test_hits", y, s, decision_threshold=0.6)
    assert value == float(np.sum((s >= 0.6) & (y == 1)))
    # a function that raises: NaN with a note, nothing raised
    value, lo, hi, note = window_metric("test_broken", [1.0, 2.0], [1.0, 2.5])
    assert math.isnan(value) and "RuntimeError: no luck" in note


def test_the_evaluator_alerts_on_a_registered_metric(rng, user_metric):
    ev = ContinuousEvaluator(metric="test_brier", alert_above=0.2, window=100)
    assert ev.alert_side == "above" and ev.task == "binary"
    y = rng.integers(0, 2, 200)
    good = np.where(y == 1, 0.9, 0.1)
    bad = np.where(y == 1, 0.4, 0.6)
    ev.update(y, np.r_[good[:100], bad[100:]])
    h = ev.history
    assert list(h["alert"]) == [False, True]
    assert h["value"].tolist() == pytest.approx([0.01, 0.36])
    assert h["ci_low"].isna().all()
    assert "is above the alert level 0.2" in ev.alerts[0].message
    assert "CI" not in ev.alerts[0].message  # no interval to show
    res = ev.result(publish=False)
    assert res.status == "fail" and "CI" not in res.summary
    with pytest.raises(MlnbValueError, match="pass alert_above"):
        ContinuousEvaluator(metric="test_brier", alert_below=0.2, window=100)
    with pytest.raises(MlnbValueError, match="alert_on='estimate'"):
        ContinuousEvaluator(
            metric="test_brier", alert_above=0.2, alert_on="interval", window=100
        )


def test_descriptive_metrics_take_either_side(rng):
    y = np.r_[np.zeros(90), np.ones(10), np.zeros(50), np.ones(50)]
    below = ContinuousEvaluator(metric="label_rate", alert_below=0.05, window=100)
    above = ContinuousEvaluator(metric="label_rate", alert_above=0.2, window=100)
    for ev in (below, above):
        ev.update(y, np.zeros(200))
    assert list(below.history["alert"]) == [False, False]
    assert list(above.history["alert"]) == [False, True]
    assert above.history["value"].tolist() == [0.1, 0.5]


@pytest.mark.parametrize(
    ("metric", "task"),
    [("accuracy", "binary"), ("roc_auc", "binary"), ("rmse", "regression")],
)
def test_window_task_from_the_registry(metric, task):
    assert window_task(metric) == task


def test_multiclass_and_unknown_metrics_are_refused():
    with pytest.raises(MlnbValueError, match="multiclass.*binary and regression"):
        window_task("macro_f1")
    with pytest.raises(MlnbValueError, match="unknown metric 'nope'"):
        window_metric("nope", [1], [1])
