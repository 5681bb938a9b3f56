"""The metric registry: every built-in against scikit-learn or a hand formula,
undefined cases, names and goals, registering user metrics, compute, catalogue."""

from __future__ import annotations

import doctest
import json
import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn import metrics as skm

import mlnb
from mlnb.core import metrics as M
from mlnb.errors import MlnbValueError


def test_doctests():
    result = doctest.testmod(M, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
    assert "brier" not in M.catalogue()[-1]["name"]


def test_public_name():
    assert mlnb.register_metric is M.register_metric


@pytest.fixture
def clean_registry():
    """Remove the user metrics a test registers."""
    before = {m["name"] for m in M.catalogue()}
    yield
    for m in M.catalogue():
        if m["name"] not in before:
            M.unregister_metric(m["name"])


# -- oracles ---------------------------------------------------------------------------


def _cm(y, p, w):
    """Weighted tn, fp, fn, tp by hand."""
    w = np.ones(len(y)) if w is None else np.asarray(w, float)
    y, p = np.asarray(y).astype(bool), np.asarray(p).astype(bool)
    return (
        w[~y & ~p].sum(),
        w[~y & p].sum(),
        w[y & ~p].sum(),
        w[y & p].sum(),
    )


def _div(a, b):
    return a / b if b > 0 else math.nan


def _avg(a, w):
    return float(np.average(np.asarray(a, float), weights=w))


BINARY_DECISION_ORACLES = {
    "accuracy": lambda y, p, w: skm.accuracy_score(y, p, sample_weight=w),
    "precision": lambda y, p, w: skm.precision_score(
        y, p, sample_weight=w, zero_division=np.nan
    ),
    "recall": lambda y, p, w: skm.recall_score(
        y, p, sample_weight=w, zero_division=np.nan
    ),
    "f1": lambda y, p, w: skm.f1_score(y, p, sample_weight=w, zero_division=np.nan),
    "fpr": lambda y, p, w: _div(_cm(y, p, w)[1], _cm(y, p, w)[0] + _cm(y, p, w)[1]),
    "fnr": lambda y, p, w: _div(_cm(y, p, w)[2], _cm(y, p, w)[2] + _cm(y, p, w)[3]),
    "prediction_rate": lambda y, p, w: _avg(p, w),
    "label_rate": lambda y, p, w: _avg(y, w),
    "balanced_accuracy": lambda y, p, w: skm.balanced_accuracy_score(
        y, p, sample_weight=w
    ),
}
BINARY_SCORE_ORACLES = {
    "roc_auc": lambda y, s, w: skm.roc_auc_score(y, s, sample_weight=w),
    "average_precision": lambda y, s, w: skm.average_precision_score(
        y, s, sample_weight=w
    ),
    "log_loss": lambda y, s, w: skm.log_loss(y, s, sample_weight=w, labels=[0, 1]),
    "mean_prediction": lambda y, s, w: _avg(s, w),
    "calibration": lambda y, s, w: _avg(s, w) / _avg(y, w),
}
MULTICLASS_ORACLES = {
    "accuracy": lambda y, p, w: skm.accuracy_score(y, p, sample_weight=w),
    "macro_f1": lambda y, p, w: skm.f1_score(
        y, p, average="macro", sample_weight=w, zero_division=0.0
    ),
    "micro_f1": lambda y, p, w: skm.f1_score(y, p, average="micro", sample_weight=w),
    "balanced_accuracy": lambda y, p, w: skm.balanced_accuracy_score(
        y, p, sample_weight=w
    ),
}
REGRESSION_ORACLES = {
    "mae": lambda y, p, w: skm.mean_absolute_error(y, p, sample_weight=w),
    "rmse": lambda y, p, w: skm.root_mean_squared_error(y, p, sample_weight=w),
    "mean_error": lambda y, p, w: _avg(np.asarray(p) - np.asarray(y), w),
    "label_mean": lambda y, p, w: _avg(y, w),
    "prediction_mean": lambda y, p, w: _avg(p, w),
    "r2": lambda y, p, w: skm.r2_score(y, p, sample_weight=w),
}


def test_every_builtin_has_an_oracle():
    covered = (
        set(BINARY_DECISION_ORACLES)
        | set(BINARY_SCORE_ORACLES)
        | set(MULTICLASS_ORACLES)
        | set(REGRESSION_ORACLES)
        | {"roc_auc_ovr"}
    )
    builtin = {n for t in M.TASKS for n in M.names(t, builtin_only=True)}
    assert builtin == covered


def close(a, b):
    if math.isnan(b):
        return math.isnan(a)
    return a == pytest.approx(b, rel=1e-9, abs=1e-12)


# -- random data against the oracles ---------------------------------------------------


def binary_case(seed, n, weighted):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(np.int64)
    y[:2] = [0, 1]  # both classes
    s = np.clip(rng.random(n) * 0.6 + 0.4 * y, 0, 1)
    w = rng.uniform(0.1, 3.0, n) if weighted else None
    return y, s, w


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("seed", range(5))
def test_binary_metrics_match_sklearn(seed, weighted):
    y, s, w = binary_case(seed, 200, weighted)
    p = (s >= 0.5).astype(np.int64)
    for name, oracle in BINARY_DECISION_ORACLES.items():
        got = M.get(name).fn(y, p, sample_weight=w)
        assert close(got, oracle(y, p, w)), name
        assert close(M.compute(name, y, s, sample_weight=w), oracle(y, p, w)), name
    for name, oracle in BINARY_SCORE_ORACLES.items():
        got = M.get(name).fn(y, s, sample_weight=w)
        assert close(got, oracle(y, s, w)), name
        assert close(M.compute(name, y, s, sample_weight=w), got), name


@given(
    data=st.lists(
        st.tuples(
            st.integers(0, 1),
            st.floats(0, 1, allow_nan=False),
            st.floats(0.01, 10, allow_nan=False),
        ),
        min_size=1,
        max_size=40,
    ),
    threshold=st.sampled_from([0.0, 0.3, 0.5, 1.0]),
    weighted=st.booleans(),
)
def test_binary_metrics_property(data, threshold, weighted):
    y = np.array([d[0] for d in data])
    s = np.array([d[1] for d in data])
    w = np.array([d[2] for d in data]) if weighted else None
    p = (s >= threshold).astype(np.int64)
    for name, oracle in BINARY_DECISION_ORACLES.items():
        got = M.compute(name, y, s, sample_weight=w, threshold=threshold)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = oracle(y, p, w)
        assert close(got, want), (name, got, want)
    both = 0 < y.sum() < len(y)
    for name, oracle in BINARY_SCORE_ORACLES.items():
        got = M.compute(name, y, s, sample_weight=w)
        undefined = {
            "roc_auc": not both,
            "average_precision": y.sum() == 0,
            "calibration": y.sum() == 0,
        }
        if undefined.get(name, False):
            assert math.isnan(got)
        else:
            assert close(got, oracle(y, s, w)), (name, got)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_multiclass_metrics_match_sklearn(seed, weighted):
    rng = np.random.default_rng(seed)
    n, k = 300, 4
    y = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k)) + 1.5 * np.eye(k)[y]
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    pred = proba.argmax(axis=1)
    w = rng.uniform(0.1, 3.0, n) if weighted else None
    for name, oracle in MULTICLASS_ORACLES.items():
        assert close(M.compute(name, y, pred, sample_weight=w), oracle(y, pred, w))
    want = skm.roc_auc_score(y, proba, multi_class="ovr", sample_weight=w)
    assert close(M.compute("roc_auc_ovr", y, proba, sample_weight=w), want)
    # string labels: columns follow the sorted labels, as scikit-learn's
    names = np.array(["ant", "bee", "cat", "dog"])[y]
    assert close(M.compute("roc_auc_ovr", names, proba, sample_weight=w), want)


def test_roc_auc_ovr_skips_classes_without_both():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 100)  # class 2 never occurs
    proba = rng.dirichlet([1, 1, 1], size=100)
    per_class = [skm.roc_auc_score(y == c, proba[:, c]) for c in (0, 1)]
    assert close(M.compute("roc_auc_ovr", y, proba), float(np.mean(per_class)))
    assert math.isnan(M.compute("roc_auc_ovr", np.zeros(5, int), proba[:5]))


@pytest.mark.parametrize(
    "y, scores, words",
    [
        ([0, 1], [0.2, 0.8], ["roc_auc_ovr needs one score column per class"]),
        (["a", "b"], np.ones((2, 3)) / 3, ["2 labels but 3 score columns"]),
    ],
)
def test_roc_auc_ovr_errors(y, scores, words):
    with pytest.raises(MlnbValueError) as info:
        M.compute("roc_auc_ovr", y, scores)
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_regression_metrics_match_sklearn(seed, weighted):
    rng = np.random.default_rng(seed)
    y = rng.normal(10, 3, 150)
    p = y + rng.normal(0.5, 1, 150)
    w = rng.uniform(0.1, 3.0, 150) if weighted else None
    for name, oracle in REGRESSION_ORACLES.items():
        assert close(M.compute(name, y, p, sample_weight=w), oracle(y, p, w)), name


@given(
    pairs=st.lists(
        st.tuples(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3), st.floats(0.01, 10)),
        min_size=1,
        max_size=30,
    )
)
def test_regression_metrics_property(pairs):
    y, p, w = (np.array(c) for c in zip(*pairs))
    for name, oracle in REGRESSION_ORACLES.items():
        for weights in (None, w):
            got = M.compute(name, y, p, sample_weight=weights)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # R² of one row: undefined
                want = oracle(y, p, weights)
            assert close(got, want) or got == pytest.approx(want, abs=1e-9)


# -- undefined cases give NaN, never an exception --------------------------------------

ALL_BINARY = list(BINARY_DECISION_ORACLES) + list(BINARY_SCORE_ORACLES)


@pytest.mark.parametrize("name", ALL_BINARY)
def test_no_rows_is_nan(name):
    assert math.isnan(M.compute(name, [], []))


@pytest.mark.parametrize("name", ALL_BINARY)
def test_zero_weights_are_nan(name):
    got = M.compute(name, [0, 1], [0.2, 0.8], sample_weight=[0.0, 0.0])
    assert math.isnan(got)


@pytest.mark.parametrize(
    "name, only_neg, only_pos",
    [
        ("roc_auc", "nan", "nan"),
        ("average_precision", "nan", 1.0),
        ("precision", "nan", 1.0),  # no predicted positive vs all right
        ("recall", "nan", 1.0),
        ("f1", "nan", 1.0),
        ("fpr", 0.0, "nan"),
        ("fnr", "nan", 0.0),
        ("accuracy", 1.0, 1.0),
        ("calibration", "nan", 0.5),
    ],
)
def test_one_class(name, only_neg, only_pos):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no scikit-learn warnings leak out
        neg = M.compute(name, [0, 0, 0], [0.1, 0.2, 0.3])
        pos = M.compute(
            name, [1, 1, 1], [0.6, 0.5, 0.9] if name != "calibration" else [0.5] * 3
        )
    for got, want in ((neg, only_neg), (pos, only_pos)):
        if want == "nan":
            assert math.isnan(got), (name, got)
        else:
            assert got == pytest.approx(want), (name, got)


def test_log_loss_of_non_probabilities_is_nan():
    assert math.isnan(M.compute("log_loss", [0, 1], [-1.0, 2.0]))
    assert M.compute("log_loss", [0, 1], [0.0, 1.0]) == pytest.approx(0.0, abs=1e-9)


def test_regression_empty_is_nan():
    for name in M.names("regression", builtin_only=True):
        assert math.isnan(M.compute(name, [], []))


# -- names, goals, get -----------------------------------------------------------------


def test_names_and_goals():
    assert M.names("binary")[:3] == ("label_rate", "prediction_rate", "accuracy")
    assert M.names("multiclass") == (
        "accuracy",
        "balanced_accuracy",
        "macro_f1",
        "micro_f1",
        "roc_auc_ovr",
    )
    assert M.names("regression") == (
        "mae",
        "rmse",
        "r2",
        "mean_error",
        "label_mean",
        "prediction_mean",
    )
    assert "label_rate" not in M.goals("binary") and "roc_auc" in M.goals("binary")
    assert M.goals("regression") == ("mae", "rmse", "r2")
    assert "balanced_accuracy" in M.goals("binary")
    for task in M.TASKS:
        for name in M.goals(task):
            assert M.get(name).judges and task in M.get(name).tasks


def test_metrics_added_later_stay_out_of_the_default_sets():
    """Sliced metrics and the TFMA engine report the default set when no metric
    is named; balanced accuracy and R² are asked for by name."""
    assert M.names("multiclass", defaults_only=True) == (
        "accuracy",
        "macro_f1",
        "micro_f1",
        "roc_auc_ovr",
    )
    assert "r2" not in M.names("regression", defaults_only=True)
    assert "balanced_accuracy" not in M.names("binary", defaults_only=True)
    assert set(M.names("binary", defaults_only=True)) < set(M.names("binary"))
    assert M.get("r2").to_dict()["default"] is False
    assert M.get("r2").range == (-math.inf, 1.0)


@pytest.mark.parametrize("fn", [M.names, M.goals])
@pytest.mark.parametrize("task", ["binary_classification", "", None, ("binary",)])
def test_unknown_task(fn, task):
    with pytest.raises(MlnbValueError, match="task must be one of binary, multiclass"):
        fn(task)


@pytest.mark.parametrize("name", ["auc", "ROC_AUC", "", None, 3, ("roc_auc",)])
def test_get_unknown_lists_the_names(name):
    with pytest.raises(MlnbValueError) as info:
        M.get(name)
    msg = str(info.value)
    assert f"unknown metric {name!r}" in msg
    assert "roc_auc" in msg and "mae" in msg and "register_metric" in msg


@pytest.mark.parametrize(
    "name, directions",
    [
        ("roc_auc", (True, True, (0.0, 1.0))),
        ("log_loss", (False, False, (0.0, math.inf))),
        ("mean_error", (None, False, (-math.inf, math.inf))),
        ("fpr", (False, True, (0.0, 1.0))),
    ],
)
def test_metric_attributes(name, directions):
    m = M.get(name)
    hib, bounded, rng = directions
    assert m.higher_is_better is hib and m.bounded is bounded and m.range == rng
    assert m.builtin and m.judges is (hib is not None)
    assert m.interval in M.INTERVALS and m.needs in M.NEEDS


# -- register_metric -------------------------------------------------------------------


def brier(y, p, sample_weight=None):
    return float(
        np.average((np.asarray(p) - np.asarray(y)) ** 2, weights=sample_weight)
    )


def test_register_and_use(clean_registry):
    m = M.register_metric(
        "brier", brier, task="binary", higher_is_better=False, range=(0, 1)
    )
    assert M.get("brier") is m and not m.builtin and m.bounded
    assert m.tasks == ("binary",) and m.needs == "score" and m.label == "brier"
    assert M.names("binary")[-1] == "brier" and "brier" in M.goals("binary")
    assert "brier" not in M.names("binary", builtin_only=True)
    assert "brier" not in M.names("regression")
    y, s = [0, 1, 1], [0.2, 0.6, 0.9]
    assert M.compute("brier", y, s) == pytest.approx(skm.brier_score_loss(y, s))
    assert M.catalogue()[-1]["name"] == "brier"
    M.unregister_metric("brier")
    with pytest.raises(MlnbValueError):
        M.get("brier")
    M.unregister_metric("brier")  # gone already: nothing happens


def test_register_several_tasks_and_descriptive(clean_registry):
    m = M.register_metric(
        "n_rows",
        lambda y, p, sample_weight=None: float(len(y)),
        task=["binary", "regression", "binary"],
        higher_is_better=None,
        needs="none",
        label="rows",
    )
    assert m.tasks == ("binary", "regression") and not m.judges
    assert "n_rows" in M.names("regression") and "n_rows" not in M.goals("binary")
    assert M.compute("n_rows", [1, 2, 3], None) == 3.0
    assert m.range == (-math.inf, math.inf) and not m.bounded


def test_replace(clean_registry):
    M.register_metric("mine", brier, task="binary", higher_is_better=False)
    with pytest.raises(MlnbValueError) as info:
        M.register_metric("mine", brier, task="binary", higher_is_better=True)
    assert "already registered" in str(info.value) and "replace=True" in str(info.value)
    m = M.register_metric(
        "mine", brier, task="binary", higher_is_better=True, replace=True
    )
    assert M.get("mine") is m and m.higher_is_better is True
    # replace=True for a name not yet taken just registers it
    M.register_metric(
        "mine2", brier, task="binary", higher_is_better=True, replace=True
    )


@pytest.mark.parametrize("name", ["roc_auc", "mae", "accuracy"])
def test_builtins_cannot_be_replaced_or_removed(name):
    before = M.get(name)
    for replace in (False, True):
        with pytest.raises(MlnbValueError, match="built-in metric, which cannot be"):
            M.register_metric(
                name, brier, task="binary", higher_is_better=True, replace=replace
            )
    with pytest.raises(MlnbValueError, match="built in and cannot be removed"):
        M.unregister_metric(name)
    assert M.get(name) is before


GOOD = {"task": "binary", "higher_is_better": True}
BAD_REGISTRATIONS = [
    ({"name": "my metric"}, ["metric name must be an identifier", "'brier_score'"]),
    ({"name": "1st"}, ["metric name must be an identifier"]),
    ({"name": ""}, ["metric name must be an identifier"]),
    ({"name": 3}, ["metric name must be an identifier"]),
    ({"fn": "brier"}, ["fn must be callable", "sample_weight=None", "str"]),
    ({"fn": None}, ["fn must be callable"]),
    ({"task": "classification"}, ["task must be one of binary, multiclass"]),
    ({"task": ()}, ["task must name at least one", "task='binary'"]),
    ({"task": None}, ["task must be one of", "NoneType"]),
    ({"task": 1}, ["task must be one of", "int"]),
    ({"task": ("binary", "ranking")}, ["task must be one of", "'ranking'"]),
    ({"needs": "proba"}, ["needs must be one of threshold, score", "'proba'"]),
    ({"needs": None}, ["needs must be one of"]),
    ({"higher_is_better": 1}, ["higher_is_better must be True, False or None"]),
    ({"higher_is_better": "yes"}, ["higher_is_better must be True, False or None"]),
    ({"range": (1, 0)}, ["low < high", "range=(0.0, 1.0)"]),
    ({"range": (0, 0)}, ["low < high"]),
    ({"range": (0, math.nan)}, ["low < high"]),
    ({"range": 1}, ["range must be (low, high)"]),
    ({"range": (0, 1, 2)}, ["range must be (low, high)"]),
    ({"range": "01"}, ["range must be (low, high)"]),
    ({"range": {"low": 0, "high": 1}}, ["range must be (low, high)"]),
    ({"range": ("a", "b")}, ["range must be (low, high)"]),
    ({"label": 3}, ["label must be a string"]),
]


@pytest.mark.parametrize("kwargs, words", BAD_REGISTRATIONS)
def test_register_validation(kwargs, words, clean_registry):
    args = {"name": "good_name", "fn": brier, **GOOD, **kwargs}
    with pytest.raises(MlnbValueError) as info:
        M.register_metric(**args)
    for word in words:
        assert word in str(info.value), str(info.value)
    assert "good_name" not in {m["name"] for m in M.catalogue()}


def test_numpy_bool_direction(clean_registry):
    m = M.register_metric("nb", brier, task="binary", higher_is_better=np.False_)
    assert m.higher_is_better is False


# -- compute ---------------------------------------------------------------------------


def test_compute_thresholds_scores():
    y = np.array([0, 0, 1, 1])
    s = np.array([0.1, 0.6, 0.4, 0.9])
    assert M.compute("recall", y, s) == 0.5
    assert M.compute("recall", y, s, threshold=0.3) == 1.0
    assert M.compute("fpr", y, s, threshold=0.05) == 1.0
    # 0/1 decisions are used as they are
    assert M.compute("recall", y, [0, 0, 1, 1]) == 1.0
    # score metrics never threshold
    assert M.compute("roc_auc", y, s, threshold=0.99) == 0.75


@pytest.mark.parametrize(
    "args, kwargs, words",
    [
        (("roc_auc", [0, 1], [0.5]), {}, ["y_out has 1 rows but y_true has 2"]),
        (("roc_auc", [0, 1], 0.5), {}, ["y_out has a scalar"]),
        (("roc_auc", [0, 1], None), {}, ["roc_auc needs y_out", "score"]),
        (
            ("roc_auc", [0, 1], [0.1, 0.9]),
            {"sample_weight": [1.0]},
            ["sample_weight has 1 values but y_true has 2"],
        ),
        (("recall", [0, 1], [0.1, 0.9]), {"threshold": "0.5"}, ["threshold must be"]),
        (("recall", [0, 1], [0.1, 0.9]), {"threshold": None}, ["threshold must be"]),
        (("recall", [[0, 1]], [0.1, 0.9]), {}, ["y_true must be one label per row"]),
        (("nope", [0], [0]), {}, ["unknown metric 'nope'", "roc_auc"]),
    ],
)
def test_compute_errors(args, kwargs, words):
    with pytest.raises(MlnbValueError) as info:
        M.compute(*args, **kwargs)
    for word in words:
        assert word in str(info.value), str(info.value)


def test_fn_rejects_weights_of_the_wrong_length():
    with pytest.raises(MlnbValueError, match="sample_weight has 1 values for 2 rows"):
        M.get("mae").fn([0, 1], [0, 1], sample_weight=[1.0])


# -- catalogue -------------------------------------------------------------------------


def test_catalogue_is_strict_json():
    cat = M.catalogue()
    json.dumps(cat, allow_nan=False)
    names = [m["name"] for m in cat]
    assert len(names) == len(set(names))
    by_name = {m["name"]: m for m in cat}
    assert by_name["log_loss"]["range"] == [0.0, None]
    assert by_name["mean_error"]["range"] == [None, None]
    assert by_name["roc_auc"] == {
        "name": "roc_auc",
        "tasks": ["binary"],
        "needs": "score",
        "higher_is_better": True,
        "range": [0.0, 1.0],
        "interval": "hanley_mcneil",
        "label": "ROC AUC",
        "builtin": True,
        "default": True,
    }
    for m in cat:
        assert set(m["tasks"]) <= set(M.TASKS) and m["needs"] in M.NEEDS
