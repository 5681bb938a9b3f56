"""mlnb.thresholds: every number against scikit-learn or a hand computation."""

from __future__ import annotations

import math
import tracemalloc
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import (
    average_precision_score,
    confusion_matrix,
    f1_score,
    log_loss,
    precision_recall_curve,
    precision_recall_fscore_support,
    precision_score,
    recall_score,
    roc_auc_score,
    roc_curve,
)

import mlnb
from mlnb import DataValidationError, MlnbError, MlnbValueError

RTOL = 1e-9
ATOL = 1e-12
TIED_PROBS = (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0)

# -- strategies ------------------------------------------------------------------------


@st.composite
def binary_data(draw, *, max_n: int = 40, weights: bool | None = None):
    """``(y, scores, weights, kind)``: 0/1 labels with both classes, scores that are
    tied probabilities, continuous probabilities or decision values, and optional
    weights (zeros included; each class keeps some weight)."""
    n = draw(st.integers(2, max_n))
    n_pos = draw(st.integers(1, n - 1))
    order = draw(st.permutations(range(n)))
    y = np.zeros(n, dtype=np.int64)
    y[list(order[:n_pos])] = 1
    kind = draw(st.sampled_from(["tied", "continuous", "decision", "decision_tied"]))
    if kind == "tied":
        elem = st.sampled_from(TIED_PROBS)
    elif kind == "continuous":
        elem = st.floats(0.0, 1.0)
    elif kind == "decision":
        elem = st.floats(-50.0, 50.0)
    else:
        elem = st.integers(-3, 3).map(float)
    scores = np.array(draw(st.lists(elem, min_size=n, max_size=n)), dtype=np.float64)
    use_w = draw(st.booleans()) if weights is None else weights
    w = None
    if use_w:
        w = np.array(
            draw(
                st.lists(
                    st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.7]), min_size=n, max_size=n
                )
            )
        )
        if w[y == 1].sum() == 0:
            w[np.flatnonzero(y == 1)[0]] = 1.0
        if w[y == 0].sum() == 0:
            w[np.flatnonzero(y == 0)[0]] = 1.0
    return y, scores, w, kind


@st.composite
def extreme_data(draw):
    """A few hundred rows with one to three positives (extreme imbalance)."""
    n = draw(st.integers(50, 400))
    n_pos = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    y = np.zeros(n, dtype=np.int64)
    y[rng.choice(n, n_pos, replace=False)] = 1
    scores = np.round(rng.random(n) + 0.3 * y, draw(st.sampled_from([1, 2, 6])))
    scores = np.clip(scores, 0.0, 1.0)
    return y, scores, None, "tied"


ANY_DATA = st.one_of(binary_data(), extreme_data())


def close(a, b, rtol=RTOL, atol=ATOL) -> bool:
    return bool(np.isclose(a, b, rtol=rtol, atol=atol))


# -- oracles written in the tests ------------------------------------------------------


def sk_confusion(y, scores, w, t):
    """(tp, fp, tn, fn) of ``score >= t`` from scikit-learn's confusion_matrix."""
    pred = (scores >= t).astype(np.int64)
    tn, fp, fn, tp = confusion_matrix(y, pred, labels=[0, 1], sample_weight=w).ravel()
    return tp, fp, tn, fn


def sk_pr_points(y, scores, w):
    """scikit-learn's PR curve without the appended (recall 0, precision 1) point,
    which has no threshold."""
    p, r, _ = precision_recall_curve(y, scores, sample_weight=w)
    return p[:-1], r[:-1]


def pick(values, k: int = 8):
    """Up to ``k`` of ``values``, spread over the sorted distinct values."""
    u = np.unique(values)
    return u[np.unique(np.linspace(0, len(u) - 1, min(k, len(u))).astype(int))]


def oracle_precision_at_recall(points, target):
    """Best precision among scikit-learn's PR points whose recall >= target."""
    p, r = points
    ok = r >= target - 1e-12
    return float(p[ok].max()) if ok.any() else 0.0


def oracle_recall_at_precision(points, target):
    """Best recall among scikit-learn's PR points whose precision >= target."""
    p, r = points
    ok = p >= target - 1e-12
    return float(r[ok].max()) if ok.any() else 0.0


def brute_force_min_cost(y, scores, w, cost_fn, cost_fp):
    """Minimum of cost_fn*FN + cost_fp*FP over every distinct score and +inf."""
    w = np.ones(len(y)) if w is None else w
    best = math.inf
    for t in [*np.unique(scores), math.inf]:
        pred = scores >= t
        fn = w[(y == 1) & ~pred].sum()
        fp = w[(y == 0) & pred].sum()
        best = min(best, cost_fn * fn + cost_fp * fp)
    return best


def probe_thresholds(scores, k: int = 6):
    """Up to ``k`` distinct scores (exactly at tied values) including the lowest
    and highest, midpoints between them, and values below and above every score."""
    u = np.unique(scores)
    picked = u[np.unique(np.linspace(0, len(u) - 1, min(k, len(u))).astype(int))]
    mids = (picked[1:] + picked[:-1]) / 2
    return [*picked, *mids, u[0] - 1.0, u[-1] + 1.0, -math.inf, math.inf]


# -- ranking metrics and curves --------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(ANY_DATA)
def test_ranking_metrics_equal_sklearn(data):
    y, s, w, kind = data
    r = mlnb.thresholds(y, s, sample_weight=w, publish=False)
    assert close(r.roc_auc, roc_auc_score(y, s, sample_weight=w))
    assert close(r.average_precision, average_precision_score(y, s, sample_weight=w))
    w_all = np.ones(len(y)) if w is None else w
    assert close(r.prevalence, w_all[y == 1].sum() / w_all.sum())
    if kind in ("tied", "continuous"):
        assert r.scores_are_probabilities
        assert close(r.log_loss, log_loss(y, s, sample_weight=w, labels=[0, 1]))
    kept = w_all > 0
    assert r.n_samples == int(kept.sum())
    assert r.n_positive == int((kept & (y == 1)).sum())
    assert r.n_negative == int((kept & (y == 0)).sum())


def assert_curves_equal(ours, theirs, names):
    for a, b, name in zip(ours, theirs, names):
        assert a.shape == b.shape, name
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL, err_msg=name)


@settings(max_examples=100, deadline=None)
@given(ANY_DATA, st.booleans())
def test_curves_equal_sklearn(data, drop):
    y, s, w, _ = data
    r = mlnb.thresholds(y, s, sample_weight=w, publish=False)
    for ours_fn, sk_fn, names in (
        (r.roc_curve, roc_curve, ("fpr", "tpr", "thresholds")),
        (r.pr_curve, precision_recall_curve, ("precision", "recall", "thr")),
    ):
        ours = ours_fn(drop_intermediate=drop)
        theirs = sk_fn(y, s, sample_weight=w, drop_intermediate=drop)
        # weighted counts are summed from the top score down, as scikit-learn sums
        # them, so even the points drop_intermediate keeps agree exactly
        assert_curves_equal(ours, theirs, names)


def test_weighted_roc_curve_drop_intermediate_matches_sklearn_exactly():
    y = np.array([1, 0, 0, 0, 0, 0, 0, 0, 0])
    s = np.array([2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.5, 0.0])
    w = np.array([1.0, 0.0, 0.0, 0.0, 0.0, 0.5, 2.0, 2.0, 3.7])
    r = mlnb.thresholds(y, s, sample_weight=w, publish=False)
    assert_curves_equal(
        r.roc_curve(drop_intermediate=True),
        roc_curve(y, s, sample_weight=w, drop_intermediate=True),
        ("fpr", "tpr", "thresholds"),
    )


def test_roc_curve_default_keeps_every_threshold(imbalanced):
    y, s = imbalanced
    r = mlnb.thresholds(y, s, publish=False)
    fpr, tpr, thr = r.roc_curve()
    sk = roc_curve(y, s, drop_intermediate=False)
    assert len(thr) == len(sk[2]) == len(np.unique(s)) + 1


# -- confusion matrix at a threshold ---------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(ANY_DATA)
def test_at_equals_sklearn_confusion_matrix(data):
    y, s, w, _ = data
    r = mlnb.thresholds(y, s, sample_weight=w, publish=False)
    probes = probe_thresholds(s, k=4)
    for i, t in enumerate(probes):
        p = r.at(t)
        pred = (s >= t).astype(np.int64)
        cm = confusion_matrix(y, pred, labels=[0, 1], sample_weight=w)
        tn, fp, fn, tp = cm.ravel()
        assert close(p.tp, tp) and close(p.fp, fp), (t, p, cm)
        assert close(p.tn, tn) and close(p.fn, fn), (t, p, cm)
        np.testing.assert_allclose(p.confusion_matrix(), cm, rtol=RTOL, atol=ATOL)
        if i % 3 == 0 or i == len(probes) - 1:  # scikit-learn's scores are slow
            prec, rec, f1, _ = precision_recall_fscore_support(
                y, pred, average="binary", sample_weight=w, zero_division=0
            )
            assert close(p.precision, prec) and close(p.recall, rec), (t, p)
            assert close(p.f1, f1), (t, p)


def test_at_default_threshold_and_rates(imbalanced):
    y, s = imbalanced
    r = mlnb.thresholds(y, s, threshold=0.3, publish=False)
    p = r.at()
    assert p.threshold == 0.3
    tp, fp, tn, fn = sk_confusion(y, s, None, 0.3)
    assert (p.tp, p.fp, p.tn, p.fn) == (tp, fp, tn, fn)
    assert close(p.fpr, fp / (fp + tn))
    assert close(p.specificity, tn / (fp + tn))
    assert close(p.accuracy, (tp + tn) / len(y))
    assert close(p.balanced_accuracy, (tp / (tp + fn) + tn / (tn + fp)) / 2)
    assert close(p.predicted_positive_rate, (tp + fp) / len(y))
    pred = (s >= 0.3).astype(int)
    assert close(p.precision, precision_score(y, pred, zero_division=0))
    assert close(p.recall, recall_score(y, pred, zero_division=0))
    assert close(p.f1, f1_score(y, pred, zero_division=0))
    d = p.to_dict()
    assert d["tp"] == tp and d["threshold"] == 0.3


def test_docstring_example():
    r = mlnb.thresholds([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], publish=False)
    assert r.roc_auc == roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
    assert r.at(0.35).recall == 1.0


# -- operating points ------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(ANY_DATA, st.lists(st.floats(0.0, 1.0), min_size=1, max_size=5))
def test_precision_at_recall_and_operating_point(data, extra_targets):
    y, s, w, _ = data
    r = mlnb.thresholds(y, s, sample_weight=w, publish=False)
    points = sk_pr_points(y, s, w)
    for target in [0.0, 1.0, *pick(points[1]), *extra_targets]:
        target = float(min(max(target, 0.0), 1.0))
        best = oracle_precision_at_recall(points, target)
        assert close(r.precision_at_recall(target), best), target
        op = r.operating_point(recall=target)
        assert op.recall >= target - 1e-9
        assert close(op.precision, best), (target, op)


@settings(max_examples=100, deadline=None)
@given(ANY_DATA, st.lists(st.floats(0.0, 1.0), min_size=1, max_size=5))
def test_recall_at_precision_and_operating_point(data, extra_targets):
    y, s, w, _ = data
    r = mlnb.thresholds(y, s, sample_weight=w, publish=False)
    points = sk_pr_points(y, s, w)
    precisions = points[0]
    for target in [0.0, 1.0, *pick(precisions), *extra_targets]:
        target = float(min(max(target, 0.0), 1.0))
        best = oracle_recall_at_precision(points, target)
        assert close(r.recall_at_precision(target), best), target
        if (precisions >= target - 1e-12).any():
            op = r.operating_point(precision=target)
            assert op.precision >= target - 1e-9
            assert close(op.recall, best), (target, op)
        else:
            with pytest.raises(MlnbValueError, match="no threshold reaches precision"):
                r.operating_point(precision=target)


def test_recall_at_unreachable_precision_is_zero():
    # the top score is a negative and every positive ties with a negative
    y = [0, 1, 0, 1, 0]
    s = [0.9, 0.5, 0.5, 0.2, 0.2]
    r = mlnb.thresholds(y, s, publish=False)
    assert (
        r.recall_at_precision(0.99)
        == 0.0
        == oracle_recall_at_precision(sk_pr_points(y, s, None), 0.99)
    )


def test_operating_point_needs_exactly_one_target(imbalanced):
    r = mlnb.thresholds(*imbalanced, publish=False)
    with pytest.raises(MlnbValueError, match="exactly one target"):
        r.operating_point()
    with pytest.raises(MlnbValueError, match="exactly one target"):
        r.operating_point(recall=0.5, precision=0.5)


@settings(max_examples=100, deadline=None)
@given(
    ANY_DATA,
    st.one_of(st.integers(0, 100), st.floats(0.0, 100.0)),
    st.one_of(st.integers(0, 100), st.floats(0.0, 100.0)),
)
def test_best_threshold_is_brute_force_minimum(data, cost_fn, cost_fp):
    y, s, w, _ = data
    if cost_fn == 0 and cost_fp == 0:
        cost_fp = 1
    r = mlnb.thresholds(y, s, sample_weight=w, publish=False)
    op = r.best_threshold(cost_fn=cost_fn, cost_fp=cost_fp)
    best = brute_force_min_cost(y, s, w, cost_fn, cost_fp)
    got = cost_fn * op.fn + cost_fp * op.fp
    assert close(got, best, atol=1e-9), (op, best)
    assert close(r.expected_cost(op.threshold, cost_fn=cost_fn, cost_fp=cost_fp), best)
    # the returned point is a real operating point: its counts match sklearn
    tp, fp, tn, fn = sk_confusion(y, s, w, op.threshold)
    assert close(op.tp, tp) and close(op.fp, fp) and close(op.fn, fn)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"cost_fn": -1.0}, "cost_fn must be a finite number >= 0"),
        ({"cost_fp": math.nan}, "cost_fp must be a finite number >= 0"),
        ({"cost_fn": math.inf}, "cost_fn must be a finite number >= 0"),
        ({"cost_fn": 0, "cost_fp": 0}, "cannot both be 0"),
    ],
)
def test_best_threshold_bad_costs(imbalanced, kwargs, words):
    r = mlnb.thresholds(*imbalanced, publish=False)
    with pytest.raises(MlnbValueError, match=words):
        r.best_threshold(**kwargs)


@pytest.mark.parametrize("cost", [np.int64(50), np.float32(50)], ids=type)
def test_best_threshold_accepts_numpy_costs(imbalanced, cost):
    r = mlnb.thresholds(*imbalanced, publish=False)
    assert r.best_threshold(cost_fn=cost, cost_fp=1) == r.best_threshold(
        cost_fn=50, cost_fp=1
    )


# -- input forms -----------------------------------------------------------------------


def reference(y01, s, w=None):
    return (
        roc_auc_score(y01, s, sample_weight=w),
        average_precision_score(y01, s, sample_weight=w),
    )


Y = [0, 1, 0, 0, 1, 1, 0, 1, 0, 0]
S = [0.1, 0.8, 0.35, 0.2, 0.35, 0.9, 0.6, 0.4, 0.05, 0.5]


def assert_matches(r, y01=Y, s=S, w=None):
    auc, ap = reference(y01, s, w)
    assert close(r.roc_auc, auc) and close(r.average_precision, ap)


F32 = np.array(S, dtype=np.float32).astype(np.float64)


@pytest.mark.parametrize(
    "make, expected_scores",
    [
        pytest.param(lambda: (Y, S), S, id="lists"),
        pytest.param(lambda: (tuple(Y), tuple(S)), S, id="tuples"),
        pytest.param(lambda: (np.array(Y), np.array(S)), S, id="numpy"),
        pytest.param(
            lambda: (np.array(Y, dtype=np.int8), np.array(S, dtype=np.float32)),
            F32,
            id="numpy-small-dtypes",
        ),
        pytest.param(lambda: (pd.Series(Y), pd.Series(S)), S, id="series"),
        pytest.param(
            lambda: (pd.Series(Y, dtype="Int64"), pd.Series(S, dtype="Float64")),
            S,
            id="nullable-dtypes",
        ),
        pytest.param(
            lambda: (np.array(Y, dtype=float), np.array(S)[:, None]),
            S,
            id="float-labels-column-vector",
        ),
        pytest.param(
            lambda: (pd.Series(Y, index=range(100, 110)), np.array(S)),
            S,
            id="series-with-index",
        ),
    ],
)
def test_array_like_inputs(make, expected_scores):
    y, s = make()
    r = mlnb.thresholds(y, s, publish=False)
    assert_matches(r, s=expected_scores)
    assert r.positive_label == 1


def test_dataframe_with_column_names(imbalanced_frame):
    df = imbalanced_frame.assign(w=np.linspace(0.5, 2.0, len(imbalanced_frame)))
    r = mlnb.thresholds(df, label="y", score="p", publish=False)
    assert_matches(r, df["y"], df["p"])
    rw = mlnb.thresholds(df, label="y", score="p", sample_weight="w", publish=False)
    assert_matches(rw, df["y"], df["p"], df["w"])
    rd = mlnb.thresholds(None, data=df, label="y", score="p", publish=False)
    assert rd.roc_auc == r.roc_auc


def test_dataframe_needs_both_column_names(imbalanced_frame):
    with pytest.raises(MlnbValueError, match="name both columns"):
        mlnb.thresholds(imbalanced_frame, label="y", publish=False)


def test_pyarrow_numeric_arrays():
    pa = pytest.importorskip("pyarrow")
    r = mlnb.thresholds(pa.array(Y), pa.array(S), publish=False)
    assert_matches(r)
    r = mlnb.thresholds(
        pa.chunked_array([Y[:4], Y[4:]]),
        pa.chunked_array([S[:5], S[5:]]),
        publish=False,
    )
    assert_matches(r)


@pytest.mark.parametrize(
    "labels, positive",
    [
        pytest.param([bool(v) for v in Y], None, id="bool"),
        pytest.param(["yes" if v else "no" for v in Y], "yes", id="string"),
    ],
)
def test_pyarrow_bool_and_string_labels(labels, positive):
    pa = pytest.importorskip("pyarrow")
    r = mlnb.thresholds(pa.array(labels), S, positive_label=positive, publish=False)
    assert_matches(r)


def test_polars_series_and_frame():
    pl = pytest.importorskip("polars")
    r = mlnb.thresholds(pl.Series(Y), pl.Series(S), publish=False)
    assert_matches(r)
    r = mlnb.thresholds(pl.DataFrame({"y": Y, "p": S}), label="y", score="p")
    assert_matches(r)


def test_string_labels_with_positive_label():
    labels = np.array(["fraud" if v else "ok" for v in Y])
    r = mlnb.thresholds(labels, S, positive_label="fraud", publish=False)
    assert_matches(r)
    assert close(r.roc_auc, roc_auc_score(labels == "fraud", S))
    assert (r.positive_label, r.negative_label) == ("fraud", "ok")
    # the other way round: "ok" is positive, so the AUC mirrors
    r2 = mlnb.thresholds(labels, S, positive_label="ok", publish=False)
    assert close(r2.roc_auc, 1 - r.roc_auc)
    assert close(
        r2.average_precision, average_precision_score(labels, S, pos_label="ok")
    )


def test_bool_labels():
    r = mlnb.thresholds([bool(v) for v in Y], S, publish=False)
    assert_matches(r)
    assert r.positive_label is True and r.negative_label is False
    r = mlnb.thresholds(pd.Series([bool(v) for v in Y], dtype="boolean"), S)
    assert_matches(r)


def test_minus_one_one_labels():
    y = [2 * v - 1 for v in Y]
    r = mlnb.thresholds(y, S, publish=False)
    assert_matches(r)
    assert close(r.roc_auc, roc_auc_score(y, S))
    assert (r.positive_label, r.negative_label) == (1, -1)


def test_positive_label_zero_flips_the_classes():
    r = mlnb.thresholds(Y, S, positive_label=0, publish=False)
    y0 = [1 - v for v in Y]
    assert_matches(r, y0)
    assert (r.positive_label, r.negative_label) == (0, 1)


def test_multiclass_one_vs_rest():
    y = np.array([0, 1, 2, 2, 1, 0, 2, 1, 0, 2])
    r = mlnb.thresholds(y, S, positive_label=2, publish=False)
    assert_matches(r, (y == 2).astype(int))
    assert r.positive_label == 2
    assert "2" in str(r.negative_label)


def test_decision_values_work_without_log_loss(imbalanced):
    y, s = imbalanced
    decision = np.log(s / (1 - s)) * 3.0  # decision_function-like scores
    r = mlnb.thresholds(y, decision, publish=False)
    assert close(r.roc_auc, roc_auc_score(y, decision))
    assert close(r.average_precision, average_precision_score(y, decision))
    assert r.scores_are_probabilities is False
    with pytest.raises(MlnbValueError) as info:
        _ = r.log_loss
    msg = str(info.value)
    assert "probabilities" in msg and "[0, 1]" in msg and "predict_proba" in msg
    assert r.record()["metrics"]["log_loss"] is None


def test_predict_proba_matrix_is_rejected_with_a_hint(imbalanced):
    y, s = imbalanced
    proba = np.column_stack([1 - s, s])
    with pytest.raises(MlnbValueError, match=r"proba\[:, 1\]"):
        mlnb.thresholds(y, proba, publish=False)


# -- bad input -------------------------------------------------------------------------


def raises_with(exc_type, *words):
    """Context manager: raises ``exc_type`` (an MlnbError) whose message contains
    every word (case-insensitive)."""

    class _Ctx:
        def __enter__(self):
            self._cm = pytest.raises(exc_type)
            self.info = self._cm.__enter__()
            return self.info

        def __exit__(self, *exc):
            handled = self._cm.__exit__(*exc)
            assert isinstance(self.info.value, MlnbError)
            msg = str(self.info.value).lower()
            for word in words:
                assert word.lower() in msg, (word, msg)
            return handled

    return _Ctx()


@pytest.mark.parametrize(
    "y, s, kwargs, exc, words",
    [
        pytest.param(
            [0, 1, np.nan, 1],
            [0.1, 0.2, 0.3, 0.4],
            {},
            DataValidationError,
            ("1 missing", "position 2", "dropna"),
            id="nan-label",
        ),
        pytest.param(
            [0, 1, None, None],
            [0.1, 0.2, 0.3, 0.4],
            {},
            DataValidationError,
            ("2 missing", "dropna"),
            id="none-label",
        ),
        pytest.param(
            pd.Series([0, 1, None, 1], dtype="Int64"),
            [0.1, 0.2, 0.3, 0.4],
            {},
            DataValidationError,
            ("1 missing",),
            id="pd-na-label",
        ),
        pytest.param(
            [1, 1, 1],
            [0.1, 0.2, 0.3],
            {},
            DataValidationError,
            ("single class", "both classes"),
            id="single-class",
        ),
        pytest.param(
            [True, True],
            [0.1, 0.2],
            {},
            DataValidationError,
            ("no negative", "both classes"),
            id="single-class-bool",
        ),
        pytest.param(
            ["a", "a"],
            [0.1, 0.2],
            {"positive_label": "a"},
            DataValidationError,
            ("no negative",),
            id="single-class-positive-label",
        ),
        pytest.param(
            [0, 1, 0, 1],
            [0.1, 0.2, 0.3],
            {},
            MlnbValueError,
            ("same length", "y_true has 4", "y_score has 3"),
            id="lengths",
        ),
        pytest.param(
            [0, 1, 0],
            ["high", "low", "low"],
            {},
            DataValidationError,
            ("numeric", "high", "predict_proba"),
            id="string-scores",
        ),
        pytest.param(
            [0, 1, 0, 1],
            [0.1, np.nan, 0.3, np.nan],
            {},
            DataValidationError,
            ("2 nan", "np.isnan"),
            id="nan-scores",
        ),
        pytest.param(
            ["cat", "dog", "cat"],
            [0.1, 0.2, 0.3],
            {},
            MlnbValueError,
            ("positive_label=", "'cat'", "'dog'"),
            id="strings-without-positive",
        ),
        pytest.param(
            ["cat", "dog", "cat"],
            [0.1, 0.2, 0.3],
            {"positive_label": "cow"},
            MlnbValueError,
            ("positive_label='cow'", "does not occur", "'dog'"),
            id="positive-label-absent",
        ),
        pytest.param(
            [0, 1, 0],
            [0.1, 0.2, 0.3],
            {"positive_label": 7},
            MlnbValueError,
            ("does not occur",),
            id="positive-label-absent-int",
        ),
        pytest.param(
            [0, 1, 2],
            [0.1, 0.2, 0.3],
            {},
            DataValidationError,
            ("3 classes", "positive_label"),
            id="multiclass-without-positive",
        ),
        pytest.param([], [], {}, DataValidationError, ("empty",), id="empty"),
        pytest.param(
            [0, 1, 0],
            [0.1, 0.2, 0.3],
            {"sample_weight": [1.0, -1.0, 1.0]},
            DataValidationError,
            ("negative", ">= 0"),
            id="negative-weight",
        ),
        pytest.param(
            [0, 1, 0],
            [0.1, 0.2, 0.3],
            {"sample_weight": [1.0, np.nan, 1.0]},
            DataValidationError,
            ("nan", "finite"),
            id="nan-weight",
        ),
        pytest.param(
            [0, 1, 0],
            [0.1, 0.2, 0.3],
            {"sample_weight": [1.0, 1.0]},
            MlnbValueError,
            ("one weight per row",),
            id="weight-length",
        ),
        pytest.param(
            [0, 1, 0],
            [0.1, 0.2, 0.3],
            {"sample_weight": [0.0, 0.0, 0.0]},
            DataValidationError,
            ("all zeros",),
            id="zero-weights",
        ),
        pytest.param(
            [0, 1, 0],
            [0.1, 0.2, 0.3],
            {"sample_weight": [1.0, 0.0, 1.0]},
            DataValidationError,
            ("positive class has total weight 0",),
            id="positive-weight-zero",
        ),
        pytest.param(
            [0, 1, 0],
            [0.1, 0.2, 0.3],
            {"threshold": math.nan},
            MlnbValueError,
            ("threshold", "nan"),
            id="threshold-nan",
        ),
        pytest.param(
            [0, 1, 0],
            [0.1, 0.2, 0.3],
            {"threshold": "high"},
            MlnbValueError,
            ("threshold must be a number", "high"),
            id="threshold-string",
        ),
        pytest.param(
            [0, 1, 0],
            None,
            {},
            MlnbValueError,
            ("y_score is missing",),
            id="no-scores",
        ),
    ],
)
def test_bad_input_raises_helpful_error(y, s, kwargs, exc, words):
    with raises_with(exc, *words):
        mlnb.thresholds(y, s, publish=False, **kwargs)


def test_unknown_column_lists_the_columns(imbalanced_frame):
    with raises_with(MlnbValueError, "'label'", "not in the data", "'x1'", "'y'"):
        mlnb.thresholds(imbalanced_frame, label="label", score="p", publish=False)
    with raises_with(MlnbValueError, "score column 'proba'", "'p'"):
        mlnb.thresholds(imbalanced_frame, label="y", score="proba", publish=False)


@pytest.mark.parametrize("bad", [-0.1, 1.5, math.nan, "most"])
def test_rate_targets_outside_unit_interval(imbalanced, bad):
    r = mlnb.thresholds(*imbalanced, publish=False)
    for call in (
        lambda: r.precision_at_recall(bad),
        lambda: r.recall_at_precision(bad),
        lambda: r.operating_point(recall=bad),
        lambda: r.operating_point(precision=bad),
    ):
        with raises_with(MlnbValueError, "[0, 1]"):
            call()


@pytest.mark.parametrize("bad", [math.nan, "x", None])
def test_at_rejects_bad_threshold(imbalanced, bad):
    r = mlnb.thresholds(*imbalanced, publish=False)
    if bad is None:  # None means "the default threshold"
        assert r.at(bad).threshold == r.threshold
        return
    with raises_with(MlnbValueError, "threshold must be a number"):
        r.at(bad)


# -- status rules ----------------------------------------------------------------------


def rule(auc: float, ap: float, prevalence: float) -> str:
    """The documented status rule, on scikit-learn's numbers."""
    if auc < 0.7:
        return "fail"
    if auc < 0.8:
        return "warn"
    if (ap - prevalence) / (1 - prevalence) < 0.2:
        return "warn"
    return "pass"


def test_perfect_separation_passes():
    y = [0] * 95 + [1] * 5
    s = [i / 200 for i in range(95)] + [0.9, 0.91, 0.92, 0.93, 0.94]
    r = mlnb.thresholds(y, s, publish=False)
    assert roc_auc_score(y, s) == 1.0
    assert r.status == "pass"
    assert "ROC AUC" in r.summary and "1.000" in r.summary


def test_uninformative_scores_fail(rng):
    y = (rng.random(4000) < 0.1).astype(int)
    s = rng.random(4000)  # independent of y
    r = mlnb.thresholds(y, s, publish=False)
    assert abs(roc_auc_score(y, s) - 0.5) < 0.05
    assert r.status == "fail"
    assert "ROC AUC" in r.summary and "poor discrimination" in r.summary
    const = mlnb.thresholds(y, np.full(len(y), 0.3), publish=False)
    assert const.roc_auc == 0.5 and const.status == "fail"


def test_auc_exactly_at_the_fail_boundary_warns():
    # one positive ranked above 7 of 10 negatives: AUC = 7/10
    y = [1] + [0] * 10
    s = [0.75] + [0.1 * i for i in range(1, 11)]
    assert close(roc_auc_score(y, s), 0.7)
    r = mlnb.thresholds(y, s, publish=False)
    assert r.roc_auc == 0.7
    assert r.status == "warn"


def test_auc_exactly_at_the_warn_boundary_passes_with_good_ap():
    # one positive above 4 of 5 negatives: AUC 0.8; AP 0.5 vs prevalence 1/6
    y = [1, 0, 0, 0, 0, 0]
    s = [0.85, 0.9, 0.8, 0.7, 0.6, 0.5]
    assert close(roc_auc_score(y, s), 0.8)
    assert close(average_precision_score(y, s), 0.5)
    r = mlnb.thresholds(y, s, publish=False)
    assert r.status == "pass"


def test_good_auc_but_weak_ap_warns():
    # 10 positives above 940 of 1000 negatives but below the top 60
    neg = np.linspace(0.0, 1.0, 1000)
    pos = np.full(10, (neg[939] + neg[940]) / 2)
    y = np.r_[np.zeros(1000), np.ones(10)].astype(int)
    s = np.r_[neg, pos]
    auc, ap = roc_auc_score(y, s), average_precision_score(y, s)
    assert auc >= 0.8 and (ap - 0.01 / 1.01) / (1 - 10 / 1010) < 0.2
    r = mlnb.thresholds(y, s, publish=False)
    assert r.status == "warn"
    assert "AUC-PR" in r.summary


@settings(max_examples=100, deadline=None)
@given(binary_data(max_n=60))
def test_status_follows_the_documented_rule(data):
    y, s, w, _ = data
    auc = roc_auc_score(y, s, sample_weight=w)
    ap = average_precision_score(y, s, sample_weight=w)
    w_all = np.ones(len(y)) if w is None else w
    prevalence = w_all[y == 1].sum() / w_all.sum()
    gain = (ap - prevalence) / (1 - prevalence)
    # keep clear of the boundaries, where last-digit rounding decides
    if min(abs(auc - 0.7), abs(auc - 0.8), abs(gain - 0.2)) < 1e-9:
        return
    r = mlnb.thresholds(y, s, sample_weight=w, publish=False)
    assert r.status == rule(auc, ap, prevalence)
    assert "ROC AUC" in r.summary and "AUC-PR" in r.summary


def test_publishes_to_the_session_unless_told_not_to(imbalanced):
    mlnb.thresholds(*imbalanced, publish=False)
    assert mlnb.checklist.session.records() == {}
    r = mlnb.thresholds(*imbalanced)
    assert mlnb.checklist.session.latest("imbalance") == r.record()


# -- the sorting and memory contract ---------------------------------------------------

SORTING = (
    "sort",
    "argsort",
    "lexsort",
    "unique",
    "partition",
    "argpartition",
    "quantile",
    "percentile",
    "median",
    "sort_complex",
)


class _NoSortArray(np.ndarray):
    """A view that fails on any re-sort of the stored sorted scores."""

    def sort(self, *a, **k):  # pragma: no cover - only runs on failure
        raise AssertionError("the sorted scores were sorted again")

    def argsort(self, *a, **k):  # pragma: no cover
        raise AssertionError("the sorted scores were argsorted again")

    def partition(self, *a, **k):  # pragma: no cover
        raise AssertionError("the sorted scores were partitioned again")


@pytest.fixture
def sort_calls(monkeypatch):
    """Count calls to numpy's sorting functions (module attributes)."""
    calls: Counter = Counter()
    for name in SORTING:
        original = getattr(np, name)

        def counting(*args, _name=name, _original=original, **kwargs):
            calls[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(np, name, counting)
    return calls


@pytest.mark.parametrize("weighted", [False, True])
def test_queries_never_sort_again(rng, sort_calls, weighted):
    y = (rng.random(5000) < 0.05).astype(np.int64)
    y[:2] = [0, 1]
    s = np.round(rng.random(5000) * 0.7 + 0.3 * y, 3)  # ties included
    w = rng.random(len(y)) if weighted else None
    r = mlnb.thresholds(y, s, sample_weight=w, publish=False)
    at_construction = sum(sort_calls.values())
    assert at_construction <= 2  # at most one sort per class
    ranking = r._ranking
    ranking.pos = ranking.pos.view(_NoSortArray)
    ranking.neg = ranking.neg.view(_NoSortArray)
    sort_calls.clear()
    probes = np.linspace(-0.1, 1.1, 1000)
    for t in probes:
        r.at(t)
    r.precision_at_recall(0.5)
    r.recall_at_precision(0.5)
    r.best_threshold(cost_fn=5, cost_fp=1)
    r.operating_point(recall=0.8)
    assert sum(sort_calls.values()) == 0, dict(sort_calls)
    # the queries still answer correctly through the guarded arrays
    tp, fp, tn, fn = sk_confusion(y, s, w, 0.4)
    p = r.at(0.4)
    assert close(p.tp, tp) and close(p.fp, fp)
    # the counters are live: a method that does use quantiles is seen
    ranking.pos, ranking.neg = (
        ranking.pos.view(np.ndarray),
        ranking.neg.view(np.ndarray),
    )
    r.curve_points(n=11)
    assert sort_calls["quantile"] > 0


def test_peak_memory_is_at_most_four_score_arrays():
    """The issue's memory budget: no more than 4 float64 arrays of length N alive at
    once while computing ROC AUC, AUC-PR, log loss and the vertex PR curve. (Scores
    are processed in chunks of 2**20 for the log loss, so N must be a few chunks.)"""
    n = 4_000_000
    rng = np.random.default_rng(7)
    y = (rng.random(n) < 0.02).astype(np.int64)
    s = rng.random(n)
    mlnb.thresholds(y[:100], s[:100], publish=False)  # import everything first
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        r = mlnb.thresholds(y, s, publish=False)
        _ = r.log_loss, r.average_precision, r.roc_auc, r._ranking.vertices
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert peak / (8 * n) <= 4.0
