"""The status of a continuous evaluation comes from conditions: the defaults
reproduce the old rules (table-driven), a user's conditions replace them and show
in the HTML card and the status record, and change conditions judge a result
against an earlier one in both directions."""

from __future__ import annotations

import html
import json

import numpy as np
import pytest

from mlnb.core.conditions import Condition
from mlnb.runtime.evaluator import ContinuousEvaluationResult, ContinuousEvaluator


def evaluator(values, *, conditions=None, nan_last=False):
    """Count windows of 100 rows with exactly the given accuracies (alert below
    0.8); ``nan_last`` adds a window whose recall is undefined."""
    metric = "recall" if nan_last else "accuracy"
    ev = ContinuousEvaluator(
        metric=metric, alert_below=0.8, window=100, conditions=conditions
    )
    for acc in values:
        k = round(acc * 100)
        ev.update(np.ones(100), np.r_[np.ones(k), np.zeros(100 - k)])
    if nan_last:
        ev.update(np.zeros(100), np.zeros(100))  # no positives: recall undefined
    return ev


# the old _verdict, written out as a table: (windows, status, deciding condition)
@pytest.mark.parametrize(
    ("values", "status", "decided"),
    [
        ([], "info", "at least one window evaluated"),
        ([0.9, 0.95], "pass", None),
        ([0.9, 0.7, 0.9], "warn", "no window alerted"),
        ([0.9, 0.9, 0.7], "fail", "the last window did not alert"),
        ([0.7, 0.7], "fail", "the last window did not alert"),
    ],
)
def test_default_conditions_reproduce_the_old_statuses(values, status, decided):
    res = evaluator(values).result(publish=False)
    assert res.status == status
    frame = res.conditions
    assert list(frame["condition"]) == [
        c.name for c in ContinuousEvaluationResult.DEFAULT_CONDITIONS
    ]
    if decided is None:
        assert set(frame["status"]) == {"pass"}
    else:
        row = frame[frame["status"] == status].iloc[0]
        assert row["condition"] == decided and res.decided_by == row["sentence"]


def test_a_window_without_a_value_after_an_alert():
    # old rule: the last window has no value and did not alert; an earlier one did
    res = evaluator([0.7], nan_last=True).result(publish=False)
    assert res.status == "warn" and res.n_windows == 2
    assert res.condition_values["last_window_alerted"] == 0
    only_nan = evaluator([], nan_last=True).result(publish=False)
    assert only_nan.status == "info" and "none with a value" in only_nan.summary


def test_condition_values_are_the_documented_numbers():
    res = evaluator([0.9, 0.7, 0.85]).result(publish=False)
    v = res.condition_values
    assert v["n_windows"] == 3 and v["n_evaluated"] == 3 and v["n_alerts"] == 1
    assert v["last_window_alerted"] == 0 and v["last_value"] == pytest.approx(0.85)
    assert (v["min_value"], v["max_value"]) == pytest.approx((0.7, 0.9))
    assert v["last_ci_low"] < 0.85 < v["last_ci_high"]
    assert v["delivery_failures"] == 0 and v["rows_seen"] == 300
    empty = evaluator([]).result(publish=False).condition_values
    assert empty["last_value"] is None and empty["min_value"] is None
    doc = ContinuousEvaluationResult.__doc__
    assert all(f"``{name}``" in doc for name in v)  # every value is documented


def test_user_conditions_replace_the_defaults_in_html_and_record():
    strict = [Condition("last_value", ">=", 0.9, status="warn", name="keep 0.9")]
    ev = evaluator([0.95, 0.85], conditions=strict)
    res = ev.result(publish=False)
    assert res.status == "warn"  # the defaults would pass: no window alerted
    assert evaluator([0.95, 0.85]).result(publish=False).status == "pass"
    sentence = "last_value 0.85 < 0.9: warn"
    assert res.decided_by == sentence and sentence in res.summary
    assert sentence in html.unescape(res._repr_html_())
    record = res.record()
    json.dumps(record, allow_nan=False)
    assert record["decided_by"] == sentence
    assert record["conditions"] == [
        {"condition": "keep 0.9", "status": "warn", "sentence": sentence}
    ]
    # and they can loosen: an alerting last window passes a lenient condition
    lenient = [Condition("n_alerts", "<=", 5)]
    assert evaluator([0.7], conditions=lenient).result(publish=False).status == ("pass")


def test_judge_changes_conditions_after_the_fact():
    res = evaluator([0.9, 0.7, 0.9]).result(publish=False)
    assert res.status == "warn"
    quiet = res.judge([Condition("last_value", ">=", 0.8)])
    assert quiet.status == "pass" and quiet.n_alerts == 1
    assert res.judge().status == "warn"  # back to the defaults


@pytest.mark.parametrize(
    ("before", "after", "status"),
    [
        ([0.95], [0.95, 0.9], "fail"),  # fell 0.05 > 0.02
        ([0.9], [0.9, 0.91], "pass"),  # rose: not a drop
        ([0.9], [0.9, 0.89], "pass"),  # fell 0.01 <= 0.02
    ],
)
def test_change_condition_against_an_earlier_result(before, after, status):
    drop = [Condition("last_value", max_drop=0.02)]
    earlier = evaluator(before).result(publish=False)
    later = evaluator(after).result(publish=False)
    judged = later.judge(drop, baseline=earlier)
    assert judged.status == status
    assert judged.conditions.loc[0, "baseline"] == pytest.approx(before[-1])


def test_change_condition_rise_direction():
    rise = [Condition("n_alerts", max_rise=0, status="warn")]
    earlier = evaluator([0.9, 0.7]).result(publish=False)
    more = evaluator([0.9, 0.7, 0.7, 0.9]).result(publish=False)
    same = evaluator([0.9, 0.7, 0.9]).result(publish=False)
    assert more.judge(rise, baseline=earlier).status == "warn"
    assert same.judge(rise, baseline=earlier).status == "pass"
    assert "rose 1 from 1 to 2" in more.judge(rise, baseline=earlier).decided_by
    # no baseline: a change rule cannot be judged
    assert more.judge(rise).status == "info"


def test_undefined_value_gives_info_unless_said_otherwise():
    cond = Condition("last_value", ">=", 0.5)
    res = evaluator([], conditions=[cond]).result(publish=False)
    assert res.status == "info" and "undefined" in res.decided_by
    strict = Condition("last_value", ">=", 0.5, if_undefined="fail")
    assert evaluator([], conditions=[strict]).result(publish=False).status == "fail"
