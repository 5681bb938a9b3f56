"""Conditions: bounds, changes against a baseline, undefined values, validation."""

from __future__ import annotations

import doctest
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mlnb
from mlnb.core import conditions as C
from mlnb.core.conditions import (
    SEVERITY,
    Condition,
    Outcome,
    as_conditions,
    decide,
    evaluate,
    outcomes_frame,
    worst,
)
from mlnb.errors import MlnbValueError

INF = math.inf


def test_doctests():
    result = doctest.testmod(C, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_public_name():
    assert mlnb.Condition is Condition


# -- bounds ----------------------------------------------------------------------------

BOUNDS = [
    # op, bound, value, holds
    (">=", 0.8, 0.9, True),
    (">=", 0.8, 0.8, True),  # equality at the bound holds for >=
    (">=", 0.8, 0.7, False),
    (">", 0.8, 0.9, True),
    (">", 0.8, 0.8, False),  # ... and breaks >
    (">", 0.8, 0.7, False),
    ("<=", 4, 3, True),
    ("<=", 4, 4, True),
    ("<=", 4, 5, False),
    ("<", 4, 3, True),
    ("<", 4, 4, False),
    ("<", 4, 5, False),
    (">=", -1, -1, True),  # negative bounds
    ("<", 0, -0.0, False),  # -0.0 == 0
]
NEGATION = {">=": "<", ">": "<=", "<=": ">", "<": ">="}


@pytest.mark.parametrize("status", ["fail", "warn", "info"])
@pytest.mark.parametrize("op, bound, value, holds", BOUNDS)
def test_bound(op, bound, value, holds, status):
    c = Condition("m", op, bound, status=status)
    (o,) = evaluate([c], {"m": value})
    assert o.status == ("pass" if holds else status)
    assert o.value == float(value) and o.baseline is None
    assert o.condition is c and o.name == c.name == f"m {op} {C._fmt(bound)}"
    if holds:
        assert o.sentence == f"m {C._fmt(value)} {op} {C._fmt(bound)}: pass"
    else:
        neg = NEGATION[op]
        assert o.sentence == f"m {C._fmt(value)} {neg} {C._fmt(bound)}: {status}"


def test_bound_sentence_examples():
    c = Condition("roc_auc", ">=", 0.8, status="warn")
    assert c.evaluate(0.71).sentence == "roc_auc 0.71 < 0.8: warn"
    assert c.evaluate(0.85).sentence == "roc_auc 0.85 >= 0.8: pass"
    c = Condition("n_rows", ">=", 1000)
    assert c.evaluate(999).sentence == "n_rows 999 < 1,000: fail"
    assert Condition("n", ">=", 20000).evaluate(5).sentence == "n 5 < 20,000: fail"
    assert c.evaluate(np.int64(12345)).sentence == "n_rows 12,345 >= 1,000: pass"


@pytest.mark.parametrize(
    "value", [0.9, np.float64(0.9), np.float32(0.9), 9 / 10, np.array(0.9)[()]]
)
def test_numpy_values_are_values(value):
    o = Condition("m", ">=", 0.8).evaluate(value)
    assert o.status == "pass" and isinstance(o.value, float)


@pytest.mark.parametrize("value, status", [(True, "pass"), (False, "fail")])
@pytest.mark.parametrize("kind", [bool, np.bool_])
def test_booleans_count_as_one_and_zero(value, status, kind):
    o = Condition("ok", ">=", 1).evaluate(kind(value))
    assert o.status == status and o.value == float(value)
    assert str(value) in o.sentence


# -- infinity is a value; None, NaN and non-numbers are undefined ----------------------


@pytest.mark.parametrize(
    "op, value, status",
    [
        (">=", INF, "pass"),
        (">=", -INF, "fail"),
        ("<=", INF, "fail"),
        ("<=", -INF, "pass"),
    ],
)
def test_infinity_is_a_value(op, value, status):
    o = Condition("m", op, 0.5).evaluate(value)
    assert o.status == status and o.value == value
    assert ("∞" in o.sentence) and "undefined" not in o.sentence
    assert o.to_dict()["value"] is None  # JSON has no infinity
    json.dumps(o.to_dict(), allow_nan=False)


def test_infinite_bound():
    c = Condition("m", "<", INF)
    assert c.name == "m < ∞"
    assert c.evaluate(1e308).status == "pass" and c.evaluate(INF).status == "fail"
    assert c.to_dict()["bound"] is None
    assert c.evaluate(1.0).to_dict()["bound"] is None


UNDEFINED = [None, math.nan, np.nan, np.float32("nan"), pd.NA, "0.9", [0.9]]


@pytest.mark.parametrize("value", UNDEFINED, ids=repr)
@pytest.mark.parametrize("if_undefined", ["info", "pass", "warn", "fail"])
def test_undefined_values(value, if_undefined):
    c = Condition("m", ">=", 0.8, if_undefined=if_undefined)
    o = c.evaluate(value)
    assert o.status == if_undefined and o.value is None
    assert o.sentence == "m is undefined: cannot judge m >= 0.8"


def test_undefined_default_is_info_for_change_conditions_too():
    c = Condition("m", max_drop=0.1)
    assert c.evaluate(math.nan, 0.5).status == "info"
    assert (
        Condition("m", max_drop=0.1, if_undefined="fail").evaluate(None, 0.5).status
        == "fail"
    )


def test_huge_integer_is_a_value():
    assert Condition("n", ">=", 1).evaluate(10**400).status == "pass"


# -- change conditions against a baseline ----------------------------------------------

CHANGES = [
    # kwargs, value, baseline, status
    ({"max_drop": 0.05}, 0.80, 0.84, "pass"),  # fell 0.04
    ({"max_drop": 0.05}, 0.80, 0.85, "pass"),  # fell exactly 0.05 (at the bound)
    ({"max_drop": 0.05}, 0.79, 0.85, "fail"),  # fell 0.06
    ({"max_drop": 0.05}, 0.99, 0.50, "pass"),  # rose: max_drop does not care
    ({"max_rise": 0.05}, 0.99, 0.50, "fail"),
    ({"max_rise": 0.05}, 0.54, 0.50, "pass"),
    ({"max_rise": 0.05}, 0.10, 0.50, "pass"),  # fell: max_rise does not care
    ({"max_drop": 0.0}, 0.5, 0.5, "pass"),  # no change allowed, none happened
    ({"max_drop": 0.0}, 0.49, 0.5, "fail"),
    ({"max_drop": 0.1, "max_rise": 0.1}, 0.35, 0.5, "fail"),  # both directions
    ({"max_drop": 0.1, "max_rise": 0.1}, 0.65, 0.5, "fail"),
    ({"max_drop": 0.1, "max_rise": 0.1}, 0.55, 0.5, "pass"),
    # relative: a share of |baseline|
    ({"max_drop": 0.1, "relative": True}, 0.91, 1.0, "pass"),
    ({"max_drop": 0.1, "relative": True}, 0.89, 1.0, "fail"),
    ({"max_rise": 0.1, "relative": True}, 2.3, 2.0, "fail"),  # +15%
    ({"max_rise": 0.1, "relative": True}, 2.1, 2.0, "pass"),  # +5%
    ({"max_drop": 0.5, "relative": True}, -3.0, -2.0, "pass"),  # -50% of |-2|
    ({"max_drop": 0.4, "relative": True}, -3.0, -2.0, "fail"),
    ({"max_rise": 0.4, "relative": True}, -1.0, -2.0, "fail"),  # +50% of |-2|
    # a baseline of 0
    ({"max_drop": 0.1}, -0.05, 0.0, "pass"),
    ({"max_drop": 0.1}, -0.2, 0.0, "fail"),
    ({"max_drop": 0.1, "relative": True}, 0.0, 0.0, "pass"),  # no change
    ({"max_drop": 0.1, "relative": True}, -0.01, 0.0, "fail"),  # an infinite drop
    ({"max_drop": 0.1, "relative": True}, 0.01, 0.0, "pass"),  # a rise, not a drop
    ({"max_rise": 0.1, "relative": True}, 0.01, 0.0, "fail"),
    ({"max_rise": 0.1, "relative": True}, -0.01, 0.0, "pass"),
    # infinities
    ({"max_rise": 1.0}, INF, 0.5, "fail"),
    ({"max_drop": 1.0}, -INF, 0.5, "fail"),
    ({"max_drop": 1.0, "max_rise": 1.0}, INF, INF, "pass"),  # the same infinity
    ({"max_drop": 0.5, "relative": True}, 1.0, INF, "fail"),  # fell 100%
    ({"max_drop": INF}, -1e300, 1e300, "pass"),  # any drop allowed
]


@pytest.mark.parametrize("status", ["fail", "warn"])
@pytest.mark.parametrize("kwargs, value, baseline, expected", CHANGES)
def test_change(kwargs, value, baseline, expected, status):
    c = Condition("m", status=status, **kwargs)
    assert c.needs_baseline
    (o,) = evaluate([c], {"m": value}, baseline={"m": baseline})
    assert o.status == (status if expected == "fail" else "pass"), o.sentence
    assert o.baseline == baseline and o.value == value
    if expected == "fail":
        assert o.sentence.endswith(f": {status}")
        assert ("fell" in o.sentence) or ("rose" in o.sentence)
        assert ("relative" in o.sentence) == kwargs.get("relative", False)
    else:
        assert f"(baseline {C._fmt(baseline)})" in o.sentence


def test_change_sentences():
    c = Condition("roc_auc", max_drop=0.01)
    assert c.name == "roc_auc drops by <= 0.01"
    o = c.evaluate(0.80, 0.85)
    assert o.sentence == "roc_auc fell 0.05 from 0.85 to 0.8 (> 0.01): fail"
    o = Condition("log_loss", max_rise=0.1, relative=True).evaluate(0.6, 0.5)
    assert o.condition.name == "log_loss rises by <= 0.1 (relative)"
    assert o.sentence == "log_loss rose 0.2 relative from 0.5 to 0.6 (> 0.1): fail"


@pytest.mark.parametrize(
    "baseline", [None, {}, {"other": 1.0}, {"m": None}, {"m": math.nan}]
)
def test_change_without_a_baseline_value_is_info(baseline):
    c = Condition("m", max_drop=0.01, status="fail")
    (o,) = evaluate([c], {"m": 0.5}, baseline=baseline)
    assert o.status == "info" and o.baseline is None
    assert o.sentence == "no baseline m: cannot judge m drops by <= 0.01"


def test_bound_and_change_together():
    c = Condition("m", ">=", 0.8, max_drop=0.05)
    assert c.name == "m >= 0.8 and m drops by <= 0.05"
    # the bound breaks: no baseline needed to say so
    o = c.evaluate(0.7)
    assert o.status == "fail" and o.sentence == "m 0.7 < 0.8: fail"
    # the bound holds, no baseline: cannot judge the change
    assert c.evaluate(0.9).status == "info"
    # both break: both are said
    o = c.evaluate(0.7, 0.9)
    assert o.status == "fail"
    assert o.sentence == "m 0.7 < 0.8; m fell 0.2 from 0.9 to 0.7 (> 0.05): fail"
    assert c.evaluate(0.88, 0.9).status == "pass"


# -- validation ------------------------------------------------------------------------

BAD = [
    # args, kwargs, words the message must hold (the argument and the fix)
    ((), {"metric": ""}, ["metric", "Condition('roc_auc', '>=', 0.8)"]),
    ((1,), {}, ["metric", "Condition('roc_auc', '>=', 0.8)"]),
    (("m", ">="), {}, ["op and bound", "'>=', 0.8"]),
    (("m",), {"bound": 0.8}, ["op and bound", "'>=', 0.8"]),
    (("m", "=>", 0.8), {}, ["op must be one of", ">=, >, <=, <", "'=>'"]),
    (("m", "==", 0.8), {}, ["op must be one of"]),
    (("m", [">="], 0.8), {}, ["op must be one of"]),
    (("m", ">=", "0.8"), {}, ["bound must be a number", "bound=0.8"]),
    (("m", ">=", math.nan), {}, ["bound must be a number", "not NaN"]),
    (("m", ">=", True), {}, ["bound must be a number"]),
    (("m",), {"max_drop": -0.1}, ["max_drop must be >= 0", "max_drop=0.01"]),
    (("m",), {"max_rise": -1}, ["max_rise must be >= 0"]),
    (("m",), {"max_drop": "a"}, ["max_drop must be a number"]),
    (("m",), {"max_rise": math.nan}, ["max_rise must be a number"]),
    (("m",), {}, ["has no rule", "'>=', 0.8", "max_drop=0.01"]),
    (("m", ">=", 0.8), {"status": "pass"}, ["status", "'fail', 'warn' or 'info'"]),
    (("m", ">=", 0.8), {"status": "error"}, ["status must be one of", "warn"]),
    (("m", ">=", 0.8), {"status": "FAIL"}, ["status must be one of"]),
    (("m", ">=", 0.8), {"status": None}, ["status must be one of"]),
    (("m", ">=", 0.8), {"if_undefined": "skip"}, ["if_undefined must be one of"]),
    (("m", ">=", 0.8), {"if_undefined": ["info"]}, ["if_undefined must be one of"]),
    (("m",), {"max_drop": 0.1, "relative": "yes"}, ["relative must be True or False"]),
    (("m", ">=", 0.8), {"relative": True}, ["relative=True applies to a change"]),
    (("m", ">=", 0.8), {"name": 3}, ["name must be a string"]),
    (("m", ">=", 0.8), {"why": None}, ["why must be a string"]),
]


@pytest.mark.parametrize("args, kwargs, words", BAD)
def test_bad_arguments(args, kwargs, words):
    with pytest.raises(MlnbValueError) as info:
        Condition(*args, **kwargs)
    for word in words:
        assert word in str(info.value), str(info.value)


def test_numbers_are_stored_as_floats():
    c = Condition("m", ">=", np.int64(1), max_drop=np.float32(0.5), relative=np.True_)
    assert type(c.bound) is float and type(c.max_drop) is float
    assert c.relative is True


def test_condition_is_frozen_and_hashable():
    c = Condition("m", ">=", 0.8)
    with pytest.raises(AttributeError):
        c.bound = 0.5  # type: ignore[misc]
    assert c == Condition("m", ">=", 0.8) and hash(c) == hash(Condition("m", ">=", 0.8))


def test_condition_to_dict_is_strict_json():
    c = Condition("m", "<=", INF, max_rise=INF, name="any", why="because")
    d = c.to_dict()
    json.dumps(d, allow_nan=False)
    assert d == {
        "name": "any",
        "metric": "m",
        "op": "<=",
        "bound": None,
        "status": "fail",
        "max_drop": None,
        "max_rise": None,
        "relative": False,
        "why": "because",
        "if_undefined": "info",
    }


# -- evaluate, decide, worst -----------------------------------------------------------


def test_evaluate_unknown_value_lists_what_exists():
    with pytest.raises(MlnbValueError) as info:
        evaluate([Condition("roc_auc", ">=", 0.8)], {"b": 1, "a": 2}, check="imbalance")
    msg = str(info.value)
    assert "'roc_auc'" in msg and "imbalance() results" in msg
    assert msg.endswith("conditions can use: a, b")
    with pytest.raises(MlnbValueError, match=r"conditions can use: \(none\)"):
        evaluate([Condition("roc_auc", ">=", 0.8)], {})


def test_evaluate_keeps_order_and_reads_each_value():
    conds = [Condition("b", "<=", 1), Condition("a", ">=", 1)]
    out = evaluate(conds, {"a": 0, "b": 0})
    assert [o.condition for o in out] == conds
    assert [o.status for o in out] == ["pass", "fail"]
    assert evaluate([], {"a": 1}) == ()


def test_decide_first_worst_decides():
    conds = [
        Condition("a", ">=", 1, status="warn", name="first warn"),
        Condition("a", ">=", 2, status="warn", name="second warn"),
        Condition("a", ">=", 0, name="passes"),
        Condition("b", ">=", 1, status="info", name="info"),
    ]
    out = evaluate(conds, {"a": 0.5, "b": 0})
    status, o = decide(out)
    assert status == "warn" and o.name == "first warn"
    status, o = decide(reversed(out))
    assert status == "warn" and o.name == "second warn"
    fail = Condition("a", ">=", 1, name="fails").evaluate(0)
    status, o = decide([*out, fail])
    assert status == "fail" and o is fail


def test_decide_all_pass_and_empty():
    out = evaluate(
        [Condition("a", ">=", 0, name="x"), Condition("a", ">=", -1)], {"a": 1}
    )
    status, o = decide(out)
    assert status == "pass" and o.name == "x"
    assert decide([]) == ("info", None)
    assert decide([], default="pass") == ("pass", None)


@pytest.mark.parametrize(
    "statuses, expected",
    [
        ([], "info"),
        (["pass"], "pass"),
        (["pass", "info"], "info"),
        (["warn", "info", "pass"], "warn"),
        (["pass", "fail", "warn"], "fail"),
    ],
)
def test_worst(statuses, expected):
    assert worst(statuses) == expected
    assert worst(iter(statuses), default="pass") == (expected if statuses else "pass")


def test_worst_rejects_unknown_status():
    with pytest.raises(MlnbValueError, match="status must be one of pass, info"):
        worst(["pass", "error"])


def test_severity_order():
    assert sorted(SEVERITY, key=SEVERITY.get) == ["pass", "info", "warn", "fail"]


# -- outcomes_frame and Outcome.to_dict ------------------------------------------------

FRAME_COLUMNS = [
    "condition",
    "metric",
    "value",
    "bound",
    "baseline",
    "status",
    "sentence",
]


def test_outcomes_frame():
    conds = [
        Condition("a", ">=", 0.5, name="a high"),
        Condition("b", max_drop=0.1, status="warn"),
        Condition("c", "<", 1),
    ]
    out = evaluate(conds, {"a": 0.7, "b": 0.2, "c": math.nan}, baseline={"b": 0.5})
    frame = outcomes_frame(out)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == FRAME_COLUMNS
    assert frame["condition"].tolist() == ["a high", "b drops by <= 0.1", "c < 1"]
    assert frame["metric"].tolist() == ["a", "b", "c"]
    assert frame["status"].tolist() == ["pass", "warn", "info"]
    assert frame["value"].tolist()[:2] == [0.7, 0.2] and pd.isna(frame["value"][2])
    assert frame["bound"].tolist()[0] == 0.5 and pd.isna(frame["bound"][1])
    assert frame["baseline"].tolist()[1] == 0.5
    assert frame["sentence"].tolist() == [o.sentence for o in out]


def test_outcomes_frame_empty_has_the_columns():
    frame = outcomes_frame([])
    assert list(frame.columns) == FRAME_COLUMNS and len(frame) == 0


def test_outcome_to_dict_is_strict_json():
    o = Condition("m", max_rise=0.1).evaluate(INF, -INF)
    d = o.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["value"] is None and d["baseline"] is None and d["status"] == "fail"
    assert isinstance(o, Outcome)


# -- as_conditions ---------------------------------------------------------------------


def test_as_conditions_accepts_one_or_many():
    c1, c2 = Condition("a", ">=", 1), Condition("b", "<", 2)
    assert as_conditions(c1) == (c1,)
    assert as_conditions([c1, c2]) == (c1, c2)
    assert as_conditions(c for c in (c1, c2)) == (c1, c2)
    assert as_conditions([]) == ()


@pytest.mark.parametrize(
    "bad, words",
    [
        (None, ["conditions must be a list of mlnb.Condition", "NoneType"]),
        ("roc_auc >= 0.8", ["conditions must be a list", "str"]),
        ({"roc_auc": 0.8}, ["conditions must be a list", "dict"]),
        (0.8, ["conditions must be a list", "float"]),
        (("roc_auc", ">=", 0.8), ["item 0 is a str 'roc_auc'", "Wrap each rule"]),
        ([Condition("a", ">=", 1), None], ["item 1 is a NoneType", "Wrap each rule"]),
    ],
)
def test_as_conditions_errors(bad, words):
    with pytest.raises(MlnbValueError) as info:
        as_conditions(bad)
    for word in words:
        assert word in str(info.value), str(info.value)


def test_as_conditions_never_prints_data():
    secret = pd.DataFrame({"a": ["DISTINCTIVE-VALUE-123"]})
    with pytest.raises(MlnbValueError) as info:
        as_conditions([secret], argument="my_conditions")
    assert "DISTINCTIVE" not in str(info.value)
    assert "my_conditions" in str(info.value) and "DataFrame" in str(info.value)


finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@given(value=finite, base=finite, limit=st.floats(0, 1e3), relative=st.booleans())
def test_change_property(value, base, limit, relative):
    """A drop (rise) breaks the rule exactly when it is larger than the limit."""
    if relative and base == 0:
        size = 0.0 if value == 0 else math.copysign(math.inf, value)
    else:
        size = (value - base) / (abs(base) if relative else 1.0)
    drop = Condition("m", max_drop=limit, relative=relative)
    rise = Condition("m", max_rise=limit, relative=relative, status="warn")
    assert drop.evaluate(value, base).status == ("fail" if -size > limit else "pass")
    assert rise.evaluate(value, base).status == ("warn" if size > limit else "pass")


@given(value=finite, bound=finite)
def test_bound_property(value, bound):
    for op, holds in {
        ">=": value >= bound,
        ">": value > bound,
        "<=": value <= bound,
        "<": value < bound,
    }.items():
        assert Condition("m", op, bound).evaluate(value).status == (
            "pass" if holds else "fail"
        )
