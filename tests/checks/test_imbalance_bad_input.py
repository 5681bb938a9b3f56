"""Step 4 under bad and unusual input (issue 11), table-driven.

Each bad case asserts the error type *and* that the message names the argument
(or column), the value and what is allowed. Legitimate unusual inputs (nullable
``Int64``/``boolean``, ``category``, pyarrow-backed strings, polars, pyarrow,
int and tuple column names) give the same numbers as their plain equivalent.
Malicious strings used as labels come out escaped in the HTML.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import mlnb
from mlnb.errors import DataValidationError, MlnbError, MlnbValueError

RNG = np.random.default_rng(11)
Y = np.array([0] * 80 + [1] * 20)
S = np.clip(0.2 + 0.5 * Y + RNG.normal(0, 0.2, 100), 0, 1)
W = RNG.uniform(0.5, 2.0, 100)
X = pd.DataFrame({"a": RNG.normal(size=100), "b": RNG.normal(size=100)})
DF = pd.DataFrame({"y": Y, "s": S, "w": W})


def _imb(**kw):
    kw.setdefault("publish", False)
    return lambda: mlnb.imbalance(**kw)


def _thr(*args, **kw):
    kw.setdefault("publish", False)
    return lambda: mlnb.thresholds(*args, **kw)


def _resample(**kw):
    r = mlnb.imbalance(Y, publish=False)
    return lambda: r.resample(X, Y, **kw)


def _with_inf(a, i=3, sign=1.0):
    a = np.asarray(a, dtype=float).copy()
    a[i] = sign * np.inf
    return a


# (id, call, error type, regexes the message must match)
IMBALANCE_CASES = [
    ("y None", _imb(y=None), MlnbValueError, [r"None", r"array-like"]),
    ("y 2-d", _imb(y=np.zeros((4, 3))), MlnbValueError, [r"one-dimensional"]),
    ("y empty", _imb(y=[]), DataValidationError, [r"empty", r"at least one"]),
    ("y one class", _imb(y=[1, 1, 1]), DataValidationError, [r"class"]),
    ("y NaN", _imb(y=[0, 1, np.nan, 1]), DataValidationError, [r"missing", r"dropna"]),
    (
        "y +inf",
        _imb(y=_with_inf(Y)),
        DataValidationError,
        [r"\by\b", r"infinite", r"isinf"],
    ),
    (
        "y -inf",
        _imb(y=_with_inf(Y, sign=-1)),
        DataValidationError,
        [r"infinite", r"position 3"],
    ),
    (
        "y non-integer floats",
        _imb(y=[0.5, 1.5, 0.5]),
        DataValidationError,
        [r"non-integer"],
    ),
    (
        "y None in object",
        _imb(y=np.array([0, None, 1], dtype=object)),
        DataValidationError,
        [r"missing"],
    ),
    (
        "too many classes",
        _imb(y=np.arange(500)),
        DataValidationError,
        [r"max_classes=500"],
    ),
    ("unknown column", _imb(y=DF, label="label"), MlnbError, [r"label", r"'y'"]),
    (
        "int name vs str",
        _imb(y=pd.DataFrame({0: Y}), label="0"),
        MlnbError,
        [r"'0'", r"\b0\b"],
    ),
    (
        "tuple name missing",
        _imb(y=pd.DataFrame({("a", 1): Y}), label=("a", 2)),
        MlnbError,
        [r"\('a', 2\)"],
    ),
    (
        "positive absent",
        _imb(y=Y, positive_label=5),
        MlnbValueError,
        [r"positive_label=5", r"labels"],
    ),
    (
        "string labels, no positive",
        _imb(y=np.array(["a", "b"] * 5), positive_label=None, max_classes=2),
        MlnbError,
        [],
    ),
    (
        "max_classes str",
        _imb(y=Y, max_classes="3"),
        MlnbValueError,
        [r"max_classes", r"'3'", r">= 2"],
    ),
    (
        "max_classes 0",
        _imb(y=Y, max_classes=0),
        MlnbValueError,
        [r"max_classes", r">= 2"],
    ),
    (
        "max_classes float",
        _imb(y=Y, max_classes=2.5),
        MlnbValueError,
        [r"max_classes", r"2\.5"],
    ),
    (
        "max_classes bool",
        _imb(y=Y, max_classes=True),
        MlnbValueError,
        [r"max_classes", r"True"],
    ),
    (
        "calibrated str",
        _imb(y=Y, calibrated_probabilities="yes"),
        MlnbValueError,
        [r"calibrated_probabilities", r"True or False"],
    ),
    ("publish str", _imb(y=Y, publish="no"), MlnbValueError, [r"publish", r"'no'"]),
    (
        "condition unknown value",
        _imb(y=Y, conditions=[mlnb.Condition("nope", "<", 1)]),
        MlnbError,
        [r"nope"],
    ),
    (
        "resample method",
        _resample(method="smotey"),
        MlnbValueError,
        [r"method", r"'smote'", r"'smotey'"],
    ),
    (
        "resample random_state str",
        _resample(random_state="a"),
        MlnbValueError,
        [r"random_state", r"'a'"],
    ),
    (
        "resample random_state -1",
        _resample(random_state=-1),
        MlnbValueError,
        [r"random_state", r"-1", r"2\*\*32"],
    ),
    (
        "resample random_state float",
        _resample(random_state=1.5),
        MlnbValueError,
        [r"random_state", r"1\.5"],
    ),
    (
        "resample k_neighbors str",
        _resample(method="smote", k_neighbors="3"),
        MlnbValueError,
        [r"k_neighbors", r"'3'", r">= 1"],
    ),
    (
        "resample k_neighbors 0",
        _resample(method="smote", k_neighbors=0),
        MlnbValueError,
        [r"k_neighbors", r">= 1"],
    ),
    (
        "resample k_neighbors big",
        _resample(method="smote", k_neighbors=50),
        DataValidationError,
        [r"k_neighbors=50", r"k_neighbors=19"],
    ),
    (
        "resample unknown kwarg",
        _resample(method="over", foo=1),
        MlnbValueError,
        [r"foo", r"RandomOverSampler"],
    ),
    (
        "resample bad strategy",
        _resample(sampling_strategy="sideways"),
        MlnbValueError,
        [r"over resampling failed"],
    ),
    (
        "resample X rows",
        lambda: mlnb.imbalance(Y, publish=False).resample(X.iloc[:50], Y),
        MlnbValueError,
        [r"50", r"100"],
    ),
    (
        "sample_weights unknown label",
        lambda: mlnb.imbalance(Y, publish=False).sample_weights([0, 1, 7]),
        MlnbError,
        [r"7"],
    ),
]

THRESHOLD_CASES = [
    (
        "lengths differ",
        _thr(Y, S[:50]),
        MlnbValueError,
        [r"y_true has 100", r"y_score has 50"],
    ),
    ("empty", _thr([], []), DataValidationError, [r"empty"]),
    (
        "one class",
        _thr([1, 1], [0.2, 0.3]),
        DataValidationError,
        [r"y_true", r"single class", r"both classes"],
    ),
    (
        "three classes",
        _thr([0, 1, 2] * 10, np.linspace(0, 1, 30)),
        DataValidationError,
        [r"3 classes", r"positive_label"],
    ),
    ("y None", _thr(None, S), MlnbError, []),
    ("score None", _thr(Y, None), MlnbError, []),
    (
        "score strings",
        _thr(Y, ["a"] * 100),
        DataValidationError,
        [r"y_score", r"numeric", r"predict_proba"],
    ),
    (
        "score 2-d",
        _thr(Y, np.c_[1 - S, S]),
        MlnbValueError,
        [r"one-dimensional", r"proba\[:, 1\]"],
    ),
    (
        "score NaN",
        _thr(Y, np.r_[np.nan, S[1:]]),
        DataValidationError,
        [r"y_score", r"NaN", r"isnan"],
    ),
    (
        "score +inf",
        _thr(Y, _with_inf(S)),
        DataValidationError,
        [r"y_score", r"infinite", r"isinf"],
    ),
    (
        "score -inf",
        _thr(Y, _with_inf(S, 7, -1.0)),
        DataValidationError,
        [r"y_score", r"position 7"],
    ),
    (
        "label +inf",
        _thr(_with_inf(Y), S),
        DataValidationError,
        [r"y_true", r"infinite"],
    ),
    (
        "label NaN",
        _thr(np.r_[np.nan, Y[1:]], S),
        DataValidationError,
        [r"y_true", r"missing"],
    ),
    (
        "weight +inf",
        _thr(Y, S, sample_weight=_with_inf(W)),
        DataValidationError,
        [r"sample_weight", r"infinite"],
    ),
    (
        "weight NaN",
        _thr(Y, S, sample_weight=np.r_[np.nan, W[1:]]),
        DataValidationError,
        [r"sample_weight", r"NaN"],
    ),
    (
        "weight negative",
        _thr(Y, S, sample_weight=-W),
        DataValidationError,
        [r"sample_weight", r"negative", r">= 0"],
    ),
    (
        "weight zeros",
        _thr(Y, S, sample_weight=np.zeros(100)),
        DataValidationError,
        [r"sample_weight", r"zeros"],
    ),
    (
        "weight length",
        _thr(Y, S, sample_weight=W[:10]),
        MlnbValueError,
        [r"sample_weight", r"10", r"100"],
    ),
    (
        "weight strings",
        _thr(Y, S, sample_weight=["x"] * 100),
        DataValidationError,
        [r"sample_weight", r"numeric"],
    ),
    (
        "threshold str",
        _thr(Y, S, threshold="0.5"),
        MlnbValueError,
        [r"threshold", r"'0.5'", r"threshold=0\.5"],
    ),
    (
        "threshold bool",
        _thr(Y, S, threshold=True),
        MlnbValueError,
        [r"threshold", r"True"],
    ),
    (
        "threshold NaN",
        _thr(Y, S, threshold=float("nan")),
        MlnbValueError,
        [r"threshold", r"NaN"],
    ),
    (
        "threshold None",
        _thr(Y, S, threshold=None),
        MlnbValueError,
        [r"threshold", r"None"],
    ),
    ("publish str", _thr(Y, S, publish="yes"), MlnbValueError, [r"publish", r"'yes'"]),
    (
        "unknown label column",
        _thr(data=DF, label="yy", score="s"),
        MlnbError,
        [r"yy", r"'y'"],
    ),
    (
        "unknown score column",
        _thr(data=DF, label="y", score="ss"),
        MlnbError,
        [r"ss", r"'s'"],
    ),
    (
        "unknown weight column",
        _thr(data=DF, label="y", score="s", sample_weight="ww"),
        MlnbError,
        [r"ww"],
    ),
    (
        "best_threshold cost str",
        lambda: mlnb.thresholds(Y, S, publish=False).best_threshold(
            cost_fn="1", cost_fp=1
        ),
        MlnbValueError,
        [r"cost_fn", r"'1'", r">= 0"],
    ),
    (
        "best_threshold negative cost",
        lambda: mlnb.thresholds(Y, S, publish=False).best_threshold(
            cost_fn=-1, cost_fp=1
        ),
        MlnbValueError,
        [r"cost_fn", r">= 0"],
    ),
    (
        "precision_at_recall 2",
        lambda: mlnb.thresholds(Y, S, publish=False).precision_at_recall(2),
        MlnbValueError,
        [r"recall", r"\[0, 1\]"],
    ),
    (
        "recall_at_precision -1",
        lambda: mlnb.thresholds(Y, S, publish=False).recall_at_precision(-1),
        MlnbValueError,
        [r"precision", r"\[0, 1\]"],
    ),
    (
        "at str",
        lambda: mlnb.thresholds(Y, S, publish=False).at("x"),
        MlnbValueError,
        [r"threshold", r"'x'"],
    ),
]


@pytest.mark.parametrize(
    ("call", "error", "patterns"),
    [pytest.param(c, e, p, id=i) for i, c, e, p in IMBALANCE_CASES + THRESHOLD_CASES],
)
def test_bad_input(call, error, patterns):
    with pytest.raises(error) as info:
        call()
    msg = str(info.value)
    for pat in patterns:
        assert re.search(pat, msg), (pat, msg)
    assert "Traceback" not in msg


# -- legitimate unusual input: the same numbers as plain ---------------------------
def _plain_imb():
    return mlnb.imbalance(Y, publish=False)


def _plain_thr():
    return mlnb.thresholds(Y, S, sample_weight=W, publish=False)


def _pl():
    return pytest.importorskip("polars")


def _pa():
    return pytest.importorskip("pyarrow")


SAME_IMBALANCE = [
    ("Int64", lambda: pd.Series(Y, dtype="Int64")),
    ("boolean", lambda: pd.Series(Y.astype(bool), dtype="boolean")),
    ("category", lambda: pd.Series(Y).astype("category")),
    ("float 0/1", lambda: Y.astype(float)),
    ("int8", lambda: Y.astype(np.int8)),
    ("list", lambda: Y.tolist()),
    ("polars", lambda: _pl().Series("y", Y)),
    ("pyarrow", lambda: _pa().array(Y)),
]


@pytest.mark.parametrize("make", [pytest.param(m, id=i) for i, m in SAME_IMBALANCE])
def test_imbalance_same_numbers(make):
    plain, r = _plain_imb(), mlnb.imbalance(make(), publish=False)
    assert r.status == plain.status
    assert r.imbalance_ratio == pytest.approx(plain.imbalance_ratio)
    assert r.majority_accuracy == pytest.approx(plain.majority_accuracy)


SAME_TABLES = [
    ("int names", lambda: pd.DataFrame({0: Y, 1: S, 2: W}), (0, 1, 2)),
    (
        "tuple names",
        lambda: pd.DataFrame({("t", "y"): Y, ("t", "s"): S, ("t", "w"): W}),
        (("t", "y"), ("t", "s"), ("t", "w")),
    ),
    ("str and int 0", lambda: pd.DataFrame({"0": 1 - Y, 0: Y, 1: S, 2: W}), (0, 1, 2)),
    (
        "nullable",
        lambda: pd.DataFrame(
            {"y": pd.array(Y, dtype="Int64"), "s": pd.array(S, dtype="Float64"), "w": W}
        ),
        ("y", "s", "w"),
    ),
    ("polars", lambda: _pl().DataFrame({"y": Y, "s": S, "w": W}), ("y", "s", "w")),
    ("pyarrow", lambda: _pa().table({"y": Y, "s": S, "w": W}), ("y", "s", "w")),
    ("dict", lambda: {"y": Y, "s": S, "w": W}, ("y", "s", "w")),
]


@pytest.mark.parametrize(
    ("make", "names"), [pytest.param(m, n, id=i) for i, m, n in SAME_TABLES]
)
def test_thresholds_same_numbers(make, names):
    label, score, weight = names
    plain = _plain_thr()
    r = mlnb.thresholds(
        data=make(), label=label, score=score, sample_weight=weight, publish=False
    )
    assert r.roc_auc == pytest.approx(plain.roc_auc)
    assert r.average_precision == pytest.approx(plain.average_precision)
    assert r.log_loss == pytest.approx(plain.log_loss)
    assert r.status == plain.status
    i = mlnb.imbalance(make(), label=label, publish=False)
    assert i.imbalance_ratio == pytest.approx(_plain_imb().imbalance_ratio)


def test_string_labels_pyarrow_and_category_same_numbers():
    lab = np.where(Y == 1, "fraud", "ok")
    plain = mlnb.thresholds(lab, S, positive_label="fraud", publish=False)
    for alt in (
        pd.Series(lab, dtype="string[pyarrow]"),
        pd.Series(lab).astype("category"),
    ):
        r = mlnb.thresholds(alt, S, positive_label="fraud", publish=False)
        assert r.roc_auc == pytest.approx(plain.roc_auc)
        assert r.positive_label == "fraud"


MALICIOUS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "&amp;<b>"]


@pytest.mark.parametrize("bad", MALICIOUS)
def test_malicious_labels_are_escaped_in_html(bad):
    lab = np.where(Y == 1, bad, "ok")
    for r in (
        mlnb.imbalance(lab, positive_label=bad, publish=False),
        mlnb.thresholds(lab, S, positive_label=bad, publish=False),
    ):
        html = r._repr_html_()
        assert bad not in html
        assert "<script>alert" not in html and "<img src=x" not in html
