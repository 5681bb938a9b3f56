"""sliced_metrics under bad and unusual input (issue 11): every bad input raises an
MlnbError whose message names the argument (or column), the value and the fix;
legitimate unusual input gives the same numbers as its plain equivalent; slice
values are always escaped in HTML."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

import mlnb
from mlnb.errors import DataValidationError, MlnbError, MlnbValueError

N = 400


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, N)
    return pd.DataFrame(
        {
            "y": y,
            "s": np.clip(y * 0.3 + rng.random(N) * 0.7, 0, 1),
            "sex": rng.choice(["a", "b"], N),
            "age": rng.integers(18, 80, N),
            "w": rng.random(N) + 0.5,
        }
    )


DF = _frame()
BASE = {"label": "y", "score": "s", "slice_by": "sex", "publish": False}


def _with(col, values):
    return DF.assign(**{col: values})


def _nan_at(col, value=math.nan):
    out = DF.copy()
    out[col] = out[col].astype(np.float64)
    out.loc[5, col] = value
    return out


V = MlnbValueError
D = DataValidationError
CONF = r"confidence must be a number in \[0\.5, 1\), e\.g\. 0\.95; got "
MSS = r"min_slice_size must be a whole number >= 1 \(default 30\); got "
THR = r"threshold must be a finite number .*; got "
BINS = r"bins must be a whole number >= 2 .*list of at least two .*; got "
CORR = r"correction must be one of 'holm' \(default\), 'bh' or None; got "
MAXS = r"max_slices must be a whole number >= 1 \(default 1000\); got "

# (id, data, kwargs, error type, regex the message must match)
CASES = [
    # confidence
    ("confidence-str", DF, {"confidence": "0.9"}, V, CONF + "'0.9'"),
    ("confidence-1.5", DF, {"confidence": 1.5}, V, CONF + "1.5"),
    ("confidence-1", DF, {"confidence": 1.0}, V, CONF + "1.0"),
    ("confidence-0.4", DF, {"confidence": 0.4}, V, CONF + "0.4"),
    ("confidence-neg", DF, {"confidence": -0.1}, V, CONF + "-0.1"),
    ("confidence-nan", DF, {"confidence": math.nan}, V, CONF + "nan"),
    ("confidence-none", DF, {"confidence": None}, V, CONF + "None"),
    ("confidence-bool", DF, {"confidence": True}, V, CONF + "True"),
    ("confidence-list", DF, {"confidence": [0.9]}, V, CONF + r"\[0\.9\]"),
    # min_slice_size
    ("mss-0", DF, {"min_slice_size": 0}, V, MSS + "0"),
    ("mss-neg", DF, {"min_slice_size": -5}, V, MSS + "-5"),
    ("mss-frac", DF, {"min_slice_size": 2.5}, V, MSS + "2.5"),
    ("mss-str", DF, {"min_slice_size": "30"}, V, MSS + "'30'"),
    ("mss-none", DF, {"min_slice_size": None}, V, MSS + "None"),
    ("mss-nan", DF, {"min_slice_size": math.nan}, V, MSS + "nan"),
    ("mss-bool", DF, {"min_slice_size": True}, V, MSS + "True"),
    # threshold
    ("thr-nan", DF, {"threshold": math.nan}, V, THR + "nan"),
    ("thr-inf", DF, {"threshold": math.inf}, V, THR + "inf"),
    ("thr-neginf", DF, {"threshold": -math.inf}, V, THR + "-inf"),
    ("thr-str", DF, {"threshold": "0.5"}, V, THR + "'0.5'"),
    ("thr-none", DF, {"threshold": None}, V, THR + "None"),
    ("thr-list", DF, {"threshold": [0.5]}, V, THR + r"\[0\.5\]"),
    # bins (numeric slice column)
    ("bins-0", DF, {"bins": 0, "slice_by": "age"}, V, BINS + "0"),
    ("bins-neg", DF, {"bins": -1, "slice_by": "age"}, V, BINS + "-1"),
    ("bins-1", DF, {"bins": 1, "slice_by": "age"}, V, BINS + "1"),
    ("bins-frac", DF, {"bins": 2.5, "slice_by": "age"}, V, BINS + "2.5"),
    ("bins-str", DF, {"bins": "4", "slice_by": "age"}, V, BINS + "'4'"),
    ("bins-bool", DF, {"bins": True, "slice_by": "age"}, V, BINS + "True"),
    ("bins-one-edge", DF, {"bins": [1], "slice_by": "age"}, V, BINS + r"\[1\]"),
    ("bins-nan-edge", DF, {"bins": [1, math.nan], "slice_by": "age"}, V, BINS),
    ("bins-2d", DF, {"bins": [[1, 2], [3, 4]], "slice_by": "age"}, V, BINS),
    ("bins-text-edges", DF, {"bins": ["a", "b"], "slice_by": "age"}, V, BINS),
    ("bins-dict-0", DF, {"bins": {"age": 0}, "slice_by": "age"}, V, BINS + "0"),
    ("bins-narrow", DF, {"bins": [30, 50], "slice_by": "age"}, V, "widen the first"),
    # correction
    ("corr-name", DF, {"correction": "bonferroni"}, V, CORR + "'bonferroni'"),
    ("corr-typo", DF, {"correction": "holmes"}, V, CORR + "'holmes'"),
    ("corr-int", DF, {"correction": 1}, V, CORR + "1"),
    ("corr-bool", DF, {"correction": True}, V, CORR + "True"),
    # goal_metric
    ("goal-int", DF, {"goal_metric": 3}, V, r"goal_metric must be a metric name .*3"),
    ("goal-list", DF, {"goal_metric": ["roc_auc"]}, V, r"goal_metric must be"),
    ("goal-unknown", DF, {"goal_metric": "nope"}, V, r"goal_metric 'nope'.*one of"),
    ("goal-nodir", DF, {"goal_metric": "label_rate"}, V, r"'label_rate'.*one of"),
    # max_slices
    ("maxs-0", DF, {"max_slices": 0}, V, MAXS + "0"),
    ("maxs-neg", DF, {"max_slices": -1}, V, MAXS + "-1"),
    ("maxs-frac", DF, {"max_slices": 2.5}, V, MAXS + "2.5"),
    ("maxs-str", DF, {"max_slices": "10"}, V, MAXS + "'10'"),
    ("maxs-none", DF, {"max_slices": None}, V, MAXS + "None"),
    # other settings
    ("nan-policy", DF, {"nan_policy": "ignore"}, V, r"nan_policy must be 'raise'"),
    ("nan-policy-none", DF, {"nan_policy": None}, V, r"nan_policy must be"),
    ("engine", DF, {"engine": "spark"}, V, r"engine must be 'numpy' or 'tfma'"),
    ("engine-none", DF, {"engine": None}, V, r"engine must be .*None"),
    ("task", DF, {"task": "ranking"}, V, r"task must be one of .*'ranking'"),
    ("tfma-task", DF, {"engine": "tfma", "task": "multiclass"}, V, r"engine='numpy'"),
    ("tfma-drop", DF, {"engine": "tfma", "nan_policy": "drop"}, V, "does not drop"),
    ("tfma-conf", DF, {"engine": "tfma", "confidence": "0.9"}, V, CONF),
    ("tfma-corr", DF, {"engine": "tfma", "correction": "x"}, V, CORR),
    ("metrics-unknown", DF, {"metrics": ["nope"]}, V, r"unknown metric 'nope'"),
    # unknown columns, any hashable name
    ("label-col", DF, {"label": "yy"}, V, r"label column 'yy' is not in.*'y', 's'"),
    ("score-col", DF, {"score": "ss"}, V, r"score column 'ss' is not in"),
    ("weight-col", DF, {"sample_weight": "ww"}, V, r"sample_weight column 'ww'"),
    ("slice-col", DF, {"slice_by": "gender"}, V, r"slice column 'gender' is not in"),
    ("slice-int-name", DF, {"slice_by": 0}, V, r"slice column 0 is not in"),
    ("slice-tuple", DF, {"slice_by": [("sex", 3)]}, V, r"column 3 is not in"),
    ("slice-none", DF, {"slice_by": None}, V, r"slice_by is required"),
    ("slice-empty", DF, {"slice_by": []}, V, r"slice_by is empty"),
    ("slice-list-in-list", DF, {"slice_by": [["sex"]]}, V, r"cannot slice by"),
    (
        "slice-short",
        DF,
        {"slice_by": {"g": np.zeros(10)}},
        V,
        r"slice column 'g' has 10 values but the data has 400 rows",
    ),
    # data that is not a table
    ("data-str", "foo.csv", {}, V, r"label='y' names a column, so the data must"),
    ("data-list", [1, 2, 3], {}, V, r"data must be a table"),
    # NaN / inf where a value is required
    ("nan-label", _nan_at("y"), {}, D, r"missing values \(label: 1\).*nan_policy"),
    ("nan-score", _nan_at("s"), {}, D, r"missing values \(score: 1\).*nan_policy"),
    ("inf-score", _nan_at("s", math.inf), {}, D, r"score (contains|has) 1 infinite"),
    (
        "neginf-score",
        _nan_at("s", -math.inf),
        {},
        D,
        r"score (contains|has) 1 infinite",
    ),
    (
        "inf-score-drop",
        _nan_at("s", math.inf),
        {"nan_policy": "drop"},
        D,
        r"score (must be finite|has 1 infinite)",
    ),
    ("nan-weight", _nan_at("w"), {"sample_weight": "w"}, D, r"sample_weight .*NaN"),
    ("inf-weight", _nan_at("w", math.inf), {"sample_weight": "w"}, D, "infinite"),
    ("neg-weight", _with("w", -DF.w), {"sample_weight": "w"}, D, r"must be >= 0"),
    ("zero-weight", _with("w", 0.0), {"sample_weight": "w"}, D, r"all zeros"),
    # mismatched lengths, empty data
    ("score-short", DF, {"score": [0.5] * 10}, V, r"label has 400 values"),
    ("weight-short", DF, {"sample_weight": np.ones(10)}, V, r"label has 400"),
    ("empty", DF.iloc[:0], {}, D, r"the data is empty"),
    # model output
    ("no-output", DF, {"score": None}, V, r"give the model's output: score="),
    ("both-outputs", DF, {"prediction": "y"}, V, r"not both"),
    ("text-scores", _with("s", "high"), {}, D, r"score must be numeric scores"),
    ("label-2d", None, {"label": np.zeros((N, 2))}, V, r"label must be one-dim"),
    ("positive-label", DF, {"positive_label": 7}, V, r"positive_label=7 does not"),
    ("one-class", _with("y", 1), {}, D, r"single class.*both classes"),
    ("regression-no-pred", DF, {"task": "regression"}, V, r"needs prediction="),
    # huge cardinality slice columns
    (
        "id-column",
        _with("idc", [f"id{i}" for i in range(N)]),
        {"slice_by": "idc", "max_slices": 100},
        D,
        r"slice column 'idc' has 400 distinct values.*max_slices=400",
    ),
    (
        "cross-too-many",
        _with("idc", np.arange(N) % 50),
        {"slice_by": [("sex", "idc")], "max_slices": 60, "bins": None},
        D,
        r"crossing sex × idc gives 100 slices.*max_slices=100",
    ),
]


@pytest.mark.parametrize(
    "data, kwargs, error, pattern", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_says_what_and_how(data, kwargs, error, pattern):
    args = BASE | kwargs
    if data is None:
        args["score"] = DF["s"].to_numpy()
        args["slice_by"] = {"sex": DF["sex"].to_numpy()}
    with pytest.raises(error) as e:
        mlnb.sliced_metrics(data, **args)
    assert isinstance(e.value, MlnbError)
    assert re.search(pattern, str(e.value)), str(e.value)


def test_case_count():
    assert len(CASES) >= 70


# --- result methods ------------------------------------------------------------
@pytest.fixture(scope="module")
def result():
    return mlnb.sliced_metrics(DF, **BASE)


@pytest.mark.parametrize(
    "call, pattern",
    [
        (lambda r: r.at_threshold(math.nan), r"threshold must be a number; got nan"),
        (lambda r: r.at_threshold("0.5"), r"threshold must be a number; got '0.5'"),
        (lambda r: r.with_goal("mae"), r"goal_metric 'mae'.*one of"),
        (lambda r: r.slices("nope"), r"no slicing named 'nope'.*\['sex'\]"),
        (lambda r: r.worst("nope"), r"unknown metric 'nope'"),
        (lambda r: r.difference("nope"), r"unknown metric 'nope'"),
    ],
    ids=["at-nan", "at-str", "goal", "slices", "worst", "difference"],
)
def test_result_methods_name_the_argument(result, call, pattern):
    with pytest.raises(MlnbValueError, match=pattern):
        call(result)


# --- legitimate unusual input: the same numbers as plain ------------------------
COLS = ["slice", "value", "count", "roc_auc", "accuracy", "roc_auc_p_adjusted"]


def _numbers(data, **kw):
    r = mlnb.sliced_metrics(data, **(BASE | kw))
    return r.to_frame()[COLS].reset_index(drop=True)


PLAIN = None


def _plain():
    global PLAIN
    if PLAIN is None:
        PLAIN = _numbers(DF)
    return PLAIN


def _pa_string():
    pytest.importorskip("pyarrow")
    return DF.assign(sex=DF["sex"].astype("string[pyarrow]"))


UNUSUAL = {
    "Int64-label": lambda: DF.assign(y=DF["y"].astype("Int64")),
    "boolean-label": lambda: DF.assign(y=DF["y"].astype(bool).astype("boolean")),
    "bool-label": lambda: DF.assign(y=DF["y"].astype(bool)),
    "Float64-score": lambda: DF.assign(s=DF["s"].astype("Float64")),
    "category-slice": lambda: DF.assign(sex=DF["sex"].astype("category")),
    "string-slice": lambda: DF.assign(sex=DF["sex"].astype("string")),
    "pyarrow-string-slice": _pa_string,
    "object-slice": lambda: DF.assign(sex=DF["sex"].astype(object)),
    "dict-of-arrays": lambda: {c: DF[c].to_numpy() for c in DF},
}


@pytest.mark.parametrize("make", list(UNUSUAL.values()), ids=list(UNUSUAL))
def test_unusual_input_gives_plain_numbers(make):
    pd.testing.assert_frame_equal(_numbers(make()), _plain())


def test_polars_and_pyarrow_give_plain_numbers():
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    pd.testing.assert_frame_equal(_numbers(pl.from_pandas(DF)), _plain())
    pd.testing.assert_frame_equal(_numbers(pa.Table.from_pandas(DF)), _plain())


def test_int_and_tuple_column_names_give_plain_numbers():
    ints = DF.copy()
    ints.columns = [0, 1, 2, 3, 4]
    r = _numbers(ints, label=0, score=1, slice_by=2)
    expected = _plain().assign(slice=_plain()["slice"].replace({"sex": "2"}))
    pd.testing.assert_frame_equal(r, expected)
    tup = DF.copy()
    tup.columns = pd.MultiIndex.from_tuples([("a", c) for c in DF.columns])
    r = _numbers(tup, label=("a", "y"), score=("a", "s"), slice_by=[("a", "sex")])
    plain = _plain().drop(columns="slice")
    pd.testing.assert_frame_equal(r.drop(columns="slice"), plain)


def test_arrays_give_plain_numbers():
    r = _numbers(
        None,
        label=DF["y"].to_numpy(),
        score=DF["s"].to_numpy(),
        slice_by={"sex": DF["sex"].to_numpy()},
    )
    pd.testing.assert_frame_equal(r, _plain())


def test_one_class_slice_is_not_judged_and_does_not_raise():
    df = DF.copy()
    df.loc[df["sex"] == "a", "y"] = 1
    r = mlnb.sliced_metrics(df, **BASE)
    row = r.slices().set_index("value").loc["a"]
    assert math.isnan(row["roc_auc"])
    assert not row["significantly_worse"]
    assert math.isnan(row["roc_auc_p_adjusted"])


def test_np_int64_bins_are_accepted():
    a = mlnb.sliced_metrics(DF, **(BASE | {"slice_by": "age", "bins": np.int64(5)}))
    b = mlnb.sliced_metrics(DF, **(BASE | {"slice_by": "age", "bins": 5}))
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())


def test_numpy_settings_are_accepted():
    a = mlnb.sliced_metrics(
        DF,
        **BASE,
        confidence=np.float64(0.9),
        min_slice_size=np.int64(20),
        max_slices=np.int32(50),
        threshold=np.float32(0.5),
    )
    b = mlnb.sliced_metrics(
        DF, **BASE, confidence=0.9, min_slice_size=20, max_slices=50, threshold=0.5
    )
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())


# --- malicious slice values are escaped -------------------------------------------
EVIL = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<b>bold</b>",
    "a&b",
    "javascript:alert(1)",
    "<iframe src=//x>",
]


@pytest.mark.parametrize("evil", EVIL)
def test_malicious_slice_values_are_escaped(evil):
    df = DF.assign(g=np.where(np.arange(N) % 2 == 0, evil, "plain"))
    r = mlnb.sliced_metrics(df, **(BASE | {"slice_by": "g"}))
    html = r._repr_html_()
    assert "<script" not in html and "<img" not in html and "<iframe" not in html
    assert "<b>bold" not in html
    assert "&lt;" in html or "&amp;" in html or evil == "javascript:alert(1)"
    # the value itself is kept in the frame
    assert evil in set(r.to_frame()["value"])
