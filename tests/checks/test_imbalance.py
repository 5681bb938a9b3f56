"""mlnb.imbalance: numbers against numpy, pandas, scikit-learn and imbalanced-learn."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from imblearn.over_sampling import SMOTE, RandomOverSampler
from imblearn.under_sampling import RandomUnderSampler
from sklearn.dummy import DummyClassifier
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight

import mlnb
from mlnb import DataValidationError, MlnbError, MlnbValueError

RTOL = 1e-12

# -- strategies ------------------------------------------------------------------------

ALPHABETS = {
    "ints": [0, 1, 2, 3, 4, 5],
    "signed": [-7, -1, 3, 12],
    "zero_one": [0, 1],
    "minus_one_one": [-1, 1],
    "strings": ["cat", "dog", "emu", "yak"],
    "bools": [False, True],
}


@st.composite
def labels(draw, *, max_size: int = 300):
    """A label array with at least two distinct classes, drawn with skewed
    frequencies (so extreme imbalance shows up), from one of ``ALPHABETS``."""
    name = draw(st.sampled_from(sorted(ALPHABETS)))
    alphabet = ALPHABETS[name]
    k = draw(st.integers(2, len(alphabet)))
    classes = draw(st.permutations(alphabet))[:k]
    n = draw(st.integers(2, max_size))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.full(k, draw(st.sampled_from([0.2, 1.0, 10.0]))))
    idx = rng.choice(k, size=n, p=p)
    idx[:2] = rng.choice(k, size=2, replace=False)  # two classes, whatever p
    return np.array(classes, dtype=object)[idx].tolist(), name


def as_array(values):
    return np.asarray(values)


def positive_for(values):
    """The positive_label a binary label needs (None when mlnb infers it)."""
    classes = sorted(set(values))
    if len(classes) != 2 or set(classes) <= {0, 1} or set(classes) == {-1, 1}:
        return None
    return classes[-1]


def softmax(v):
    e = np.exp(np.asarray(v) - np.max(v))
    return e / e.sum()


def dummy_accuracy(y) -> float:
    y = np.asarray(y)
    X0 = np.zeros((len(y), 1))
    return DummyClassifier(strategy="most_frequent").fit(X0, y).score(X0, y)


# -- numbers against the oracles -------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(labels())
def test_class_statistics_equal_oracles(drawn):
    values, _ = drawn
    y = as_array(values)
    r = mlnb.imbalance(y, positive_label=positive_for(values), publish=False)
    classes, counts = np.unique(y, return_counts=True)
    n = len(y)
    assert r.counts == dict(zip(classes.tolist(), counts.tolist()))
    assert list(r.counts) == classes.tolist()  # sorted label order
    assert r.n_samples == n and r.n_classes == len(classes)
    vc = pd.Series(values).value_counts(normalize=True)
    for label, share in r.shares.items():
        assert math.isclose(share, vc[label], rel_tol=RTOL)
    cw = compute_class_weight("balanced", classes=classes, y=y)
    for label, w in zip(classes.tolist(), cw):
        assert math.isclose(r.class_weight[label], w, rel_tol=RTOL)
    assert math.isclose(r.majority_accuracy, dummy_accuracy(y), rel_tol=RTOL)
    assert math.isclose(r.imbalance_ratio, counts.max() / counts.min(), rel_tol=RTOL)
    assert r.counts[r.majority_label] == counts.max()
    assert r.counts[r.minority_label] == counts.min()
    np.testing.assert_allclose(
        r.sample_weights(y), compute_sample_weight("balanced", y), rtol=RTOL
    )
    # Keras: weights for integer-encoded labels 0..K-1 in LabelEncoder's order
    encoder = LabelEncoder().fit(y)
    keras = r.keras_class_weight()
    assert list(keras) == list(range(len(classes)))
    encoded = encoder.transform(y)
    kcw = compute_class_weight("balanced", classes=np.arange(len(classes)), y=encoded)
    np.testing.assert_allclose([keras[i] for i in range(len(classes))], kcw, rtol=RTOL)
    # status by the documented ratio thresholds
    ratio = counts.max() / counts.min()
    expected = "fail" if ratio > 99 else "warn" if ratio > 4 else "pass"
    assert r.status == expected


@settings(max_examples=150, deadline=None)
@given(labels())
def test_initial_bias_and_objective(drawn):
    values, _ = drawn
    y = as_array(values)
    positive = positive_for(values)
    r = mlnb.imbalance(y, positive_label=positive, publish=False)
    classes, counts = np.unique(y, return_counts=True)
    shares = counts / counts.sum()
    if len(classes) == 2:
        pos = positive if positive is not None else classes[-1]
        n_pos = int((y == pos).sum())
        assert r.positive_label == pos
        assert math.isclose(r.initial_bias, math.log(n_pos / (len(y) - n_pos)))
        # a sigmoid at that bias is the base rate
        assert math.isclose(1 / (1 + math.exp(-r.initial_bias)), n_pos / len(y))
        expected = "auc_pr" if n_pos / len(y) < 0.2 else "auc_roc"
        assert r.recommended_objective == expected
        calibrated = mlnb.imbalance(
            y, positive_label=positive, calibrated_probabilities=True, publish=False
        )
        assert calibrated.recommended_objective == "log_loss"
    else:
        assert r.positive_label is None
        bias = [r.initial_bias[c] for c in classes.tolist()]
        np.testing.assert_allclose(softmax(bias), shares, rtol=1e-12)
        assert r.recommended_objective == "log_loss"
    # the entropy of the class distribution, below log(K) unless balanced
    entropy = -float(np.sum(shares * np.log(shares)))
    assert math.isclose(r.initial_loss, entropy, rel_tol=1e-12)
    assert math.isclose(r.naive_initial_loss, math.log(len(classes)))


@settings(max_examples=100, deadline=None)
@given(labels(), st.data())
def test_one_vs_rest_equals_binarised_label(drawn, data):
    values, _ = drawn
    y = as_array(values)
    classes = np.unique(y).tolist()
    positive = data.draw(st.sampled_from(classes))
    r = mlnb.imbalance(y, positive_label=positive, publish=False)
    is_pos = y == positive
    n_pos = int(is_pos.sum())
    assert r.positive_label == positive
    assert r.counts[positive] == n_pos
    assert sum(r.counts.values()) == len(y) and r.n_classes == 2
    cw = compute_class_weight("balanced", classes=np.array([False, True]), y=is_pos)
    rest = next(k for k in r.counts if k != positive)
    assert math.isclose(r.class_weight[positive], cw[1], rel_tol=RTOL)
    assert math.isclose(r.class_weight[rest], cw[0], rel_tol=RTOL)
    np.testing.assert_allclose(
        r.sample_weights(y), compute_sample_weight("balanced", is_pos), rtol=RTOL
    )
    assert math.isclose(r.initial_bias, math.log(n_pos / (len(y) - n_pos)))
    assert math.isclose(r.majority_accuracy, dummy_accuracy(is_pos), rel_tol=RTOL)
    assert r.one_vs_rest == (len(classes) > 2)


def test_docstring_example():
    r = mlnb.imbalance([0] * 98 + [1] * 2, publish=False)
    assert (r.majority_accuracy, r.class_weight[1], r.status) == (0.98, 25.0, "warn")
    assert (
        r.class_weight[1]
        == compute_class_weight(
            "balanced", classes=np.array([0, 1]), y=np.array([0] * 98 + [1] * 2)
        )[1]
    )


def test_keras_class_weight_for_string_labels():
    y = ["ok"] * 90 + ["fraud"] * 7 + ["review"] * 3
    r = mlnb.imbalance(y, publish=False)
    encoder = LabelEncoder().fit(y)  # fraud, ok, review
    cw = compute_class_weight("balanced", classes=encoder.classes_, y=np.array(y))
    keras = r.keras_class_weight()
    assert keras == {i: pytest.approx(w) for i, w in enumerate(cw)}
    assert list(r.counts) == encoder.classes_.tolist()


def test_sample_weights_rejects_unseen_labels():
    r = mlnb.imbalance([0, 0, 0, 1, 2], publish=False)
    with pytest.raises(DataValidationError, match="did not see") as info:
        r.sample_weights([0, 1, 3])
    assert "3" in str(info.value)


# -- status and objective rules at the boundaries --------------------------------------


@pytest.mark.parametrize(
    "n_major, n_minor, status, degree",
    [
        (50, 50, "pass", "balanced"),
        (60, 40, "pass", "balanced"),  # 1.5 : 1
        (61, 39, "pass", "mild"),
        (80, 20, "pass", "mild"),  # exactly 4 : 1 is not above 4
        (401, 100, "warn", "moderate"),  # 4.01 : 1
        (81, 19, "warn", "moderate"),
        (99, 1, "warn", "moderate"),  # exactly 99 : 1 is not above 99
        (9901, 100, "fail", "extreme"),  # 99.01 : 1
        (100, 1, "fail", "extreme"),
    ],
)
def test_status_boundaries(n_major, n_minor, status, degree):
    y = [0] * n_major + [1] * n_minor
    r = mlnb.imbalance(y, publish=False)
    assert r.imbalance_ratio == n_major / n_minor
    assert (r.status, r.degree) == (status, degree)


def test_conditions_replace_the_ratio_thresholds():
    y = [0] * 30 + [1] * 10  # 3 : 1
    assert mlnb.imbalance(y, publish=False).status == "pass"
    warn = mlnb.Condition("imbalance_ratio", "<=", 2, status="warn")
    assert mlnb.imbalance(y, conditions=[warn], publish=False).status == "warn"
    fail = mlnb.Condition("imbalance_ratio", "<=", 2.5)
    r = mlnb.imbalance(y, conditions=[warn, fail], publish=False)
    assert r.status == "fail"
    assert r.decided_by == "imbalance_ratio 3 > 2.5: fail"
    # a numpy bound works like a Python one
    np_warn = mlnb.Condition("imbalance_ratio", "<=", np.int64(2), status="warn")
    assert mlnb.imbalance(y, conditions=np_warn, publish=False).status == "warn"


def test_multiclass_status_uses_largest_over_smallest():
    y = ["a"] * 500 + ["b"] * 100 + ["c"] * 5  # 100 : 1
    r = mlnb.imbalance(y, publish=False)
    assert r.imbalance_ratio == 100.0 and r.status == "fail"
    assert (r.majority_label, r.minority_label) == ("a", "c")
    assert "'c'" in r.summary


@pytest.mark.parametrize(
    "y, kwargs, objective",
    [
        ([0] * 90 + [1] * 10, {}, "auc_pr"),  # rare positive
        ([0] * 81 + [1] * 19, {}, "auc_pr"),
        ([0] * 80 + [1] * 20, {}, "auc_roc"),  # 20% is not rare
        ([0] * 50 + [1] * 50, {}, "auc_roc"),  # balanced binary
        ([0] * 10 + [1] * 90, {}, "auc_roc"),  # the positive is the majority
        ([0] * 10 + [1] * 90, {"positive_label": 0}, "auc_pr"),
        ([0] * 90 + [1] * 10, {"calibrated_probabilities": True}, "log_loss"),
        ([0] * 50 + [1] * 30 + [2] * 20, {}, "log_loss"),  # several classes
        ([0] * 50 + [1] * 45 + [2] * 5, {"positive_label": 2}, "auc_pr"),
    ],
)
def test_recommended_objective(y, kwargs, objective):
    r = mlnb.imbalance(y, publish=False, **kwargs)
    assert r.recommended_objective == objective
    assert r.objective_reason


def test_summary_and_remedies_name_the_numbers():
    r = mlnb.imbalance([0] * 98 + [1] * 2, publish=False)
    assert "2.0%" in r.summary and "98.0%" in r.summary and "49.0:1" in r.summary
    text = " ".join(r.remedies)
    assert f"{math.log(2 / 98):.4f}" in text
    assert "resample" in text and "best_threshold" in text


# -- input forms -----------------------------------------------------------------------


def test_dataframe_with_label_column(imbalanced_frame):
    df = imbalanced_frame
    r = mlnb.imbalance(df, label="y", publish=False)
    vc = df["y"].value_counts()
    assert r.counts == {k: int(v) for k, v in vc.sort_index().items()}
    assert r.label_name == "y"
    named = mlnb.imbalance(df["y"].rename("target"), publish=False)
    assert named.label_name == "target" and named.counts == r.counts


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda v: v, id="list"),
        pytest.param(np.asarray, id="numpy"),
        pytest.param(pd.Series, id="series"),
        pytest.param(lambda v: pd.Series(v, dtype="Int64"), id="nullable-int"),
        pytest.param(lambda v: pd.Series(v, dtype="category"), id="category"),
        pytest.param(lambda v: np.asarray(v, dtype=float), id="integral-floats"),
        pytest.param(lambda v: np.asarray(v)[:, None], id="column-vector"),
    ],
)
def test_integer_label_forms(make):
    values = [0] * 7 + [1] * 2 + [2] * 1
    r = mlnb.imbalance(make(values), publish=False)
    assert r.counts == {0: 7, 1: 2, 2: 1}
    assert all(type(k) is int for k in r.counts)


@pytest.mark.parametrize(
    "dtype", [object, "string", pytest.param("str", id="str-dtype")]
)
def test_string_label_series(dtype):
    try:
        s = pd.Series(["b", "a", "b", "c", "b"], dtype=dtype)
    except TypeError:  # pragma: no cover - "str" dtype is pandas 3
        pytest.skip(f"pandas {pd.__version__} has no dtype {dtype!r}")
    r = mlnb.imbalance(s, publish=False)
    assert r.counts == {"a": 1, "b": 3, "c": 1}


def test_bool_labels():
    r = mlnb.imbalance(pd.Series([True] * 3 + [False] * 7), publish=False)
    assert r.counts == {False: 7, True: 3} and r.positive_label is True
    assert math.isclose(r.initial_bias, math.log(3 / 7))


def test_pyarrow_integer_labels():
    pa = pytest.importorskip("pyarrow")
    r = mlnb.imbalance(pa.array([0, 0, 0, 1]), publish=False)
    assert r.counts == {0: 3, 1: 1}


def test_polars_labels():
    pl = pytest.importorskip("polars")
    r = mlnb.imbalance(pl.Series([0, 0, 0, 1]), publish=False)
    assert r.counts == {0: 3, 1: 1}


# -- bad input -------------------------------------------------------------------------


def assert_message(info, *words):
    assert isinstance(info.value, MlnbError)
    msg = str(info.value)
    for word in words:
        assert word in msg, (word, msg)


@pytest.mark.parametrize(
    "y, kwargs, exc, words",
    [
        pytest.param(
            [0, 1, None, 1, None, 0],
            {},
            DataValidationError,
            ("2 missing", "position 2", "dropna"),
            id="none-labels",
        ),
        pytest.param(
            [0.0, 1.0, np.nan],
            {},
            DataValidationError,
            ("1 missing", "dropna"),
            id="nan-labels",
        ),
        pytest.param(
            pd.Series(["a", None, "b"], dtype="string"),
            {},
            DataValidationError,
            ("1 missing",),
            id="string-na",
        ),
        pytest.param(
            [3, 3, 3],
            {},
            DataValidationError,
            ("single class", "3 rows"),
            id="single-class",
        ),
        pytest.param(
            ["x"],
            {},
            DataValidationError,
            ("single class",),
            id="single-row",
        ),
        pytest.param([], {}, DataValidationError, ("empty",), id="empty"),
        pytest.param(
            [0.5, 1.25, 3.0],
            {},
            DataValidationError,
            ("non-integer", "regression", "0.5"),
            id="regression-target",
        ),
        pytest.param(
            list(range(101)),
            {},
            DataValidationError,
            ("101 distinct values", "max_classes=101"),
            id="too-many-classes",
        ),
        pytest.param(
            ["neg", "pos", "neg"],
            {},
            MlnbValueError,
            ("positive_label=", "'neg'", "'pos'"),
            id="strings-need-positive",
        ),
        pytest.param(
            [1, 2, 2],
            {},
            MlnbValueError,
            ("positive_label=",),
            id="ints-need-positive",
        ),
        pytest.param(
            ["neg", "pos", "neg"],
            {"positive_label": "yes"},
            MlnbValueError,
            ("positive_label='yes'", "does not occur", "'pos'"),
            id="positive-absent",
        ),
        pytest.param(
            [0, 1, 0],
            {"label": "y"},
            MlnbValueError,
            ("DataFrame", "label="),
            id="label-without-frame",
        ),
        pytest.param(
            [0, 1, 0],
            {"conditions": [mlnb.Condition("roc_auc", ">=", 0.8)]},
            MlnbValueError,
            ("'roc_auc'", "imbalance_ratio", "minority_share"),
            id="condition-on-unknown-value",
        ),
        pytest.param(
            [0, 1, 0],
            {"conditions": {"imbalance_ratio": 4}},
            MlnbValueError,
            ("conditions", "mlnb.Condition"),
            id="conditions-not-a-list",
        ),
    ],
)
def test_bad_input_raises_helpful_error(y, kwargs, exc, words):
    with pytest.raises(exc) as info:
        mlnb.imbalance(y, publish=False, **kwargs)
    assert_message(info, *words)


def test_many_classes_allowed_with_max_classes():
    r = mlnb.imbalance(list(range(101)) * 2, max_classes=101, publish=False)
    assert r.n_classes == 101 and r.status == "pass"


def test_unknown_label_column_lists_columns(imbalanced_frame):
    with pytest.raises(MlnbValueError) as info:
        mlnb.imbalance(imbalanced_frame, label="target", publish=False)
    assert_message(info, "'target'", "'x1'", "'x2'", "'y'", "'p'")


def test_dataframe_without_label(imbalanced_frame):
    with pytest.raises(MlnbValueError) as info:
        mlnb.imbalance(imbalanced_frame, publish=False)
    assert_message(info, "label=")


def test_missing_labels_in_a_named_column(imbalanced_frame):
    df = imbalanced_frame.astype({"y": "float64"})
    df.loc[[3, 8, 9], "y"] = np.nan
    with pytest.raises(DataValidationError) as info:
        mlnb.imbalance(df, label="y", publish=False)
    assert_message(info, "'y'", "3 missing", "position 3", "dropna")


@pytest.mark.parametrize("value", [True, False])
def test_single_class_bool_labels(value):
    with pytest.raises(DataValidationError, match="single class"):
        mlnb.imbalance([value] * 5, publish=False)


# -- resampling ------------------------------------------------------------------------


@pytest.fixture
def xy(imbalanced_frame):
    df = imbalanced_frame
    return df[["x1", "x2"]], df["y"]


SAMPLERS = {
    "over": RandomOverSampler,
    "under": RandomUnderSampler,
    "smote": SMOTE,
}


@pytest.mark.parametrize("method", sorted(SAMPLERS))
def test_resample_equals_imbalanced_learn(xy, method):
    X, y = xy
    r = mlnb.imbalance(y, publish=False)
    X_res, y_res = r.resample(X, y, method=method, random_state=0)
    X_ref, y_ref = SAMPLERS[method](random_state=0).fit_resample(X, y)
    assert Counter(y_res) == Counter(y_ref)
    counts = Counter(y)
    target = min(counts.values()) if method == "under" else max(counts.values())
    assert Counter(y_res) == {0: target, 1: target}
    assert isinstance(X_res, pd.DataFrame) and list(X_res.columns) == ["x1", "x2"]
    pd.testing.assert_frame_equal(X_res, X_ref)
    np.testing.assert_array_equal(np.asarray(y_res), np.asarray(y_ref))


def test_resample_numpy_and_sampling_strategy(xy):
    X, y = xy
    X, y = X.to_numpy(), y.to_numpy()
    r = mlnb.imbalance(y, publish=False)
    X_res, y_res = r.resample(
        X, y, method="over", random_state=1, sampling_strategy=0.5
    )
    _, y_ref = RandomOverSampler(random_state=1, sampling_strategy=0.5).fit_resample(
        X, y
    )
    assert isinstance(X_res, np.ndarray) and X_res.shape[1] == 2
    assert Counter(y_res) == Counter(y_ref)
    assert Counter(y_res)[1] == int(0.5 * Counter(y)[0])


def test_smote_passes_sampler_options(xy):
    X, y = xy
    r = mlnb.imbalance(y, publish=False)
    _, y_res = r.resample(X, y, method="smote", random_state=0, k_neighbors=3)
    _, y_ref = SMOTE(random_state=0, k_neighbors=3).fit_resample(X, y)
    assert Counter(y_res) == Counter(y_ref)


def test_resample_rejects_bad_input(xy):
    X, y = xy
    r = mlnb.imbalance(y, publish=False)
    with pytest.raises(MlnbValueError) as info:
        r.resample(X, y, method="adasyn")
    assert_message(info, "'over'", "'under'", "'smote'", "'adasyn'")
    with pytest.raises(MlnbValueError) as info:
        r.resample(X.iloc[:-3], y)
    assert_message(info, f"X has {len(X) - 3}", f"y has {len(y)}")
    with pytest.raises(DataValidationError) as info:
        r.resample(X.assign(city="Oslo"), y, method="smote")
    assert_message(info, "'city'", "SMOTENC", "method='over'")
    X_nan = X.copy()
    X_nan.iloc[[0, 5], 0] = np.nan
    with pytest.raises(DataValidationError) as info:
        r.resample(X_nan, y, method="smote")
    assert_message(info, "2 NaN", "Impute")
    with pytest.raises(DataValidationError) as info:
        r.resample(np.array([["a"], ["b"]] * 10), [0, 1] * 10, method="smote")
    assert_message(info, "numeric")


def test_smote_with_too_few_minority_rows(rng):
    y = np.array([0] * 40 + [1] * 4)
    X = rng.normal(size=(len(y), 3))
    r = mlnb.imbalance(y, publish=False)
    with pytest.raises(DataValidationError) as info:
        r.resample(X, y, method="smote")
    assert_message(info, "k_neighbors=5", "smallest class has 4", "k_neighbors=3")
    # following the advice works, and matches imbalanced-learn
    _, y_res = r.resample(X, y, method="smote", k_neighbors=3, random_state=0)
    assert Counter(y_res) == Counter(
        SMOTE(k_neighbors=3, random_state=0).fit_resample(X, y)[1]
    )


def test_smote_accepts_numeric_and_bool_columns(xy):
    X, y = xy
    X = X.assign(flag=X["x1"] > 0)
    r = mlnb.imbalance(y, publish=False)
    _, y_res = r.resample(X, y, method="smote", random_state=0)
    assert Counter(y_res) == Counter(SMOTE(random_state=0).fit_resample(X, y)[1])
