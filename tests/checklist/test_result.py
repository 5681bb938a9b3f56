"""The result base class, the status record and the session's newest records."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import re
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

import mlnb
from mlnb import MlnbValueError
from mlnb.checklist.result import MIME_TYPE, CheckResult, judge, worst_status
from mlnb.core.conditions import Condition
from mlnb.render import html as H

RECORD_KEYS = {
    "protocol_version",
    "step",
    "status",
    "summary",
    "check",
    "created",
    "metrics",
    "conditions",
    "decided_by",
}
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")

XSS = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>")


@pytest.fixture
def imbalance_result():
    return mlnb.imbalance([0] * 90 + [1] * 10, publish=False)


@pytest.fixture
def thresholds_result(imbalanced):
    return mlnb.thresholds(*imbalanced, publish=False)


@pytest.fixture(params=["imbalance", "thresholds"])
def result(request):
    return request.getfixturevalue(f"{request.param}_result")


def strict_json(obj) -> str:
    return json.dumps(obj, allow_nan=False)


# -- to_dict and the status record -----------------------------------------------------


def test_to_dict_is_strict_json(result):
    d = result.to_dict()
    back = json.loads(strict_json(d))
    assert back["check"] == type(result).check
    assert back["status"] == result.status and back["summary"] == result.summary
    assert not any(k.startswith("_") for k in d)


def test_imbalance_to_dict_values(imbalance_result):
    d = json.loads(strict_json(imbalance_result.to_dict()))
    assert d["counts"] == {"0": 90, "1": 10}
    assert d["class_weight"]["1"] == pytest.approx(100 / (2 * 10))
    assert d["initial_bias"] == pytest.approx(np.log(10 / 90))
    assert d["positive_label"] == 1
    assert isinstance(d["remedies"], list) and d["remedies"]


def test_thresholds_to_dict_values(thresholds_result, imbalanced):
    y, s = imbalanced
    d = json.loads(strict_json(thresholds_result.to_dict()))
    assert d["roc_auc"] == pytest.approx(roc_auc_score(y, s), rel=1e-9)
    assert d["average_precision"] == pytest.approx(
        average_precision_score(y, s), rel=1e-9
    )
    pred = s >= 0.5
    assert d["at_threshold"]["tp"] == int((pred & (y == 1)).sum())
    assert d["at_threshold"]["fp"] == int((pred & (y == 0)).sum())


def test_to_dict_is_strict_json_for_decision_values(imbalanced):
    y, s = imbalanced
    r = mlnb.thresholds(y, np.log(s / (1 - s)), publish=False)
    d = json.loads(strict_json(r.to_dict()))
    assert d["log_loss"] is None


def test_record_shape(result):
    rec = result.record()
    assert set(rec) == RECORD_KEYS
    assert rec["protocol_version"] == 2
    assert rec["step"] == "imbalance"
    assert rec["check"] == type(result).check
    assert rec["status"] in {"pass", "info", "warn", "fail"}
    assert rec["status"] == result.status and rec["summary"] == result.summary
    assert ISO_UTC.match(rec["created"]), rec["created"]
    created = dt.datetime.strptime(rec["created"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=dt.timezone.utc
    )
    assert abs(dt.datetime.now(dt.timezone.utc) - created) < dt.timedelta(hours=1)
    assert isinstance(rec["metrics"], dict) and rec["metrics"]
    strict_json(rec)


def test_record_metrics_come_from_the_result(imbalanced):
    y, s = imbalanced
    m = mlnb.thresholds(y, s, publish=False).record()["metrics"]
    assert m["roc_auc"] == pytest.approx(roc_auc_score(y, s), rel=1e-9)
    assert m["prevalence"] == pytest.approx(y.mean())
    m = mlnb.imbalance(y, publish=False).record()["metrics"]
    assert m["n_samples"] == len(y)
    assert m["positive_share"] == pytest.approx(y.mean())
    assert m["recommended_objective"] == "auc_pr"


def test_decision_values_record_has_null_log_loss(imbalanced):
    y, s = imbalanced
    rec = mlnb.thresholds(y, np.log(s / (1 - s)), publish=False).record()
    assert rec["metrics"]["log_loss"] is None
    strict_json(rec)


# -- display ---------------------------------------------------------------------------


def test_mimebundle(result):
    bundle = result._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html", MIME_TYPE}
    assert MIME_TYPE == "application/vnd.mlnb.check+json"
    assert bundle[MIME_TYPE]["step"] == "imbalance"
    assert set(bundle[MIME_TYPE]) == RECORD_KEYS
    assert "step 4 (imbalance)" in bundle["text/plain"]
    assert result.status.upper() in bundle["text/plain"]
    assert 'class="mlnb-card"' in bundle["text/html"]
    assert "Step 4" in bundle["text/html"]


def test_mimebundle_include_exclude(result):
    only = result._repr_mimebundle_(include=[MIME_TYPE])
    assert set(only) == {MIME_TYPE}
    rest = result._repr_mimebundle_(exclude=["text/html"])
    assert set(rest) == {"text/plain", MIME_TYPE}
    both = result._repr_mimebundle_(include=["text/plain", "text/html"], exclude=[])
    assert set(both) == {"text/plain", "text/html"}


def assert_escaped(html: str) -> None:
    lowered = html.lower()
    assert "<script" not in lowered
    assert "<img" not in lowered


def test_imbalance_html_escapes_labels():
    y = [XSS[0]] * 5 + [XSS[1]] * 2 + ["ok"] * 10
    r = mlnb.imbalance(pd.Series(y, name=XSS[0]), publish=False)
    html = r._repr_html_()
    assert_escaped(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown, but escaped
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert_escaped(r._repr_mimebundle_()["text/html"])


@pytest.mark.parametrize("positive", XSS)
def test_thresholds_html_escapes_labels(positive):
    other = XSS[1] if positive == XSS[0] else XSS[0]
    y = [positive, other, other, positive, other, other]
    s = [0.9, 0.2, 0.4, 0.6, 0.7, 0.1]
    r = mlnb.thresholds(y, s, positive_label=positive, publish=False)
    html = r._repr_html_()
    assert_escaped(html)
    assert "&lt;script&gt;" in html and "&lt;img" in html


def test_binary_imbalance_html_escapes_positive_label():
    y = [XSS[1]] * 3 + ["fine"] * 17
    r = mlnb.imbalance(y, positive_label=XSS[1], publish=False)
    html = r._repr_html_()
    assert_escaped(html)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


# -- to_frame --------------------------------------------------------------------------


def test_imbalance_to_frame():
    y = ["b"] * 6 + ["a"] * 3 + ["c"] * 1
    frame = mlnb.imbalance(y, publish=False).to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["label", "count", "share", "class_weight"]
    assert frame["label"].tolist() == ["a", "b", "c"]
    assert frame["count"].tolist() == [3, 6, 1]
    assert frame["share"].tolist() == pytest.approx([0.3, 0.6, 0.1])
    assert frame["class_weight"].tolist() == pytest.approx([10 / 9, 10 / 18, 10 / 3])


def test_thresholds_to_frame(thresholds_result, imbalanced):
    y, s = imbalanced
    frame = thresholds_result.to_frame()
    assert list(frame.columns) == ["metric", "value"]
    values = dict(zip(frame["metric"], frame["value"]))
    assert values["roc_auc"] == pytest.approx(roc_auc_score(y, s), rel=1e-9)
    assert values["recall@0.5"] == pytest.approx(
        ((s >= 0.5) & (y == 1)).sum() / y.sum()
    )


def test_base_result_to_frame_is_metric_value():
    r = CheckResult(step="problem", status="info", summary="nothing measured")
    frame = r.to_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame) == 0
    assert r.record()["metrics"] == {} and r.record()["check"] == "problem"


# -- the session keeps the newest record per step --------------------------------------


def test_session_keeps_newest_per_step():
    assert mlnb.checklist.session.records() == {}
    first = mlnb.imbalance([0] * 9 + [1])
    assert mlnb.checklist.session.records() == {"imbalance": first.record()}
    second = mlnb.imbalance([0] * 5 + [1] * 5)
    assert mlnb.checklist.session.latest("imbalance")["summary"] == second.summary
    assert mlnb.checklist.session.latest("imbalance")["status"] == "pass"
    mlnb.imbalance([0] * 99 + [1] * 1, publish=False)  # not published
    assert mlnb.checklist.session.records() == {"imbalance": second.record()}
    other = CheckResult(step="drift", status="warn", summary="moved").publish()
    assert set(mlnb.checklist.session.records()) == {"imbalance", "drift"}
    assert mlnb.checklist.session.latest("drift") == other.record()
    assert mlnb.checklist.session.latest("serving") is None


def test_session_returns_copies():
    r = mlnb.imbalance([0, 0, 1])
    mlnb.checklist.session.records()["imbalance"]["status"] = "tampered"
    mlnb.checklist.session.latest("imbalance")["status"] = "tampered"
    assert mlnb.checklist.session.latest("imbalance")["status"] == r.status


def test_publish_returns_self():
    r = mlnb.imbalance([0, 0, 1], publish=False)
    assert r.publish() is r
    assert mlnb.checklist.session.latest("imbalance") == r.record()


# -- the base class validates step and status ------------------------------------------


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (
            {"step": "imbalanced", "status": "pass"},
            ("step must be one of", "imbalance"),
        ),
        ({"step": "4", "status": "pass"}, ("step must be one of",)),
        ({"step": "imbalance", "status": "ok"}, ("status must be one of", "warn")),
        ({"step": "imbalance", "status": "PASS"}, ("status must be one of",)),
    ],
)
def test_base_rejects_invalid_step_and_status(kwargs, words):
    with pytest.raises(MlnbValueError) as info:
        CheckResult(summary="x", **kwargs)
    for word in words:
        assert word in str(info.value)


def test_worst_status():
    assert worst_status("pass", "info") == "info"
    assert worst_status("warn", "pass", "fail") == "fail"
    assert worst_status("pass") == "pass"


# -- conditions on a result ------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True, repr=False)
class ScoreResult(CheckResult):
    """A minimal check result whose status comes from conditions."""

    check: ClassVar[str] = "score_check"
    DEFAULT_CONDITIONS: ClassVar[tuple] = (
        Condition("auc", ">=", 0.6, name="better than chance", why="<b>cited</b>"),
        Condition("auc", ">=", 0.8, status="warn", name="good enough"),
    )
    auc: float


@dataclasses.dataclass(frozen=True, kw_only=True, repr=False)
class OtherResult(CheckResult):
    check: ClassVar[str] = "other_check"


def score_result(auc: float, **values) -> ScoreResult:
    vals = {"auc": auc, **values}
    status, outcomes = judge(
        None, vals, defaults=ScoreResult.DEFAULT_CONDITIONS, check="score_check"
    )
    return ScoreResult(
        step="prototype",
        status=status,
        summary=f"AUC {auc}",
        auc=auc,
        outcomes=outcomes,
        condition_values=vals,
    )


@pytest.mark.parametrize("auc, status", [(0.9, "pass"), (0.7, "warn"), (0.5, "fail")])
def test_defaults_decide_the_status(auc, status):
    r = score_result(auc)
    assert r.status == status
    assert r.conditions["status"].tolist() == [
        "pass" if auc >= 0.6 else "fail",
        "pass" if auc >= 0.8 else "warn",
    ]
    decider = {"pass": 0, "warn": 1, "fail": 0}[status]
    assert r.decided_by == r.outcomes[decider].sentence
    assert r.record()["decided_by"] == r.decided_by
    assert r.record()["conditions"] == [
        {"condition": o.name, "status": o.status, "sentence": o.sentence}
        for o in r.outcomes
    ]


def test_judge_with_user_conditions_keeps_numbers():
    r = score_result(0.9)
    strict = Condition("auc", ">=", 0.95, status="warn", name="strict")
    j = r.judge([strict])
    assert (r.status, j.status) == ("pass", "warn")
    assert j.decided_by == "auc 0.9 < 0.95: warn"
    assert j.auc == r.auc and j.summary == r.summary
    assert j.condition_values == r.condition_values
    before, after = r.to_dict(), j.to_dict()
    for d in (before, after):
        del d["created"], d["status"], d["conditions"]
    assert before == after
    assert r.status == "pass" and len(r.outcomes) == 2  # the original is untouched
    assert j.judge().status == "pass"  # None: back to the defaults
    assert j.judge(strict).status == "warn"  # one Condition is enough
    assert j.judge([]).status == "info" and j.decided_by != ""
    assert j.judge([]).decided_by == ""


def test_judge_unknown_value_lists_the_values():
    with pytest.raises(MlnbValueError) as info:
        score_result(0.9, n=3).judge([Condition("roc_auc", ">=", 0.5)])
    msg = str(info.value)
    assert "'roc_auc'" in msg and "score_check() results" in msg
    assert "conditions can use: auc, n" in msg


@pytest.mark.parametrize(
    "now, before, status",
    [
        (0.80, 0.85, "fail"),  # fell 0.05 > 0.01
        (0.845, 0.85, "pass"),  # fell 0.005
        (0.95, 0.85, "pass"),  # rose
    ],
)
def test_judge_against_a_baseline_result(now, before, status):
    earlier, later = score_result(before), score_result(now)
    drop = Condition("auc", max_drop=0.01)
    j = later.judge([drop], baseline=earlier)
    assert j.status == status
    assert j.outcomes[0].baseline == before
    assert j.conditions["baseline"].tolist() == [before]
    # a dict of the baseline's values does the same
    assert later.judge(drop, baseline={"auc": before}).status == status
    # the other direction: a rise is bounded by max_rise
    rise = Condition("auc", max_rise=0.01, status="warn")
    expected = "warn" if now - before > 0.01 else "pass"
    assert later.judge([rise], baseline=earlier).status == expected


def test_judge_without_baseline_cannot_judge_a_change():
    j = score_result(0.5).judge([Condition("auc", max_drop=0.01)])
    assert j.status == "info" and "no baseline auc" in j.decided_by


@pytest.mark.parametrize(
    "baseline, words",
    [
        (OtherResult(step="prototype", status="pass", summary="x"), ["other_check()"]),
        (CheckResult(step="drift", status="pass", summary="x"), ["from drift()"]),
        ([0.8], ["dict of its values", "list"]),
        (0.8, ["dict of its values", "float"]),
    ],
)
def test_judge_bad_baseline(baseline, words):
    with pytest.raises(MlnbValueError) as info:
        score_result(0.9).judge([Condition("auc", max_drop=0.1)], baseline=baseline)
    msg = str(info.value)
    assert "baseline must be an earlier score_check() result" in msg
    for word in words:
        assert word in msg


def test_conditions_shown_escaped_in_html():
    evil = "<script>alert(1)</script>"
    r = score_result(0.9).judge([Condition("auc", ">=", 0.95, name=evil, why=evil)])
    html = r._repr_html_()
    assert_escaped(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Status decided by: auc 0.9 &lt; 0.95: fail" in html
    d = score_result(0.9)._repr_html_()
    assert "&lt;b&gt;cited&lt;/b&gt;" in d and "<b>cited" not in d


def test_html_names_the_first_worst_condition():
    conds = [
        Condition("auc", ">=", 0.95, status="warn", name="first"),
        Condition("auc", ">=", 0.99, status="warn", name="second"),
    ]
    html = score_result(0.9).judge(conds)._repr_html_()
    assert "Status decided by: auc 0.9 &lt; 0.95: warn" in html


def test_result_without_conditions_shows_no_block():
    r = CheckResult(step="problem", status="info", summary="nothing")
    assert "mlnb-conditions" not in r._repr_html_()
    assert r.decided_by == "" and r.record()["conditions"] == []
    assert list(r.conditions.columns)[:2] == ["condition", "metric"]


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, None])
def test_record_and_to_dict_are_strict_json_with_odd_values(value):
    r = score_result(0.9, x=value)
    r = r.judge(
        [Condition("x", ">=", 0.5), Condition("x", "<=", math.inf, max_rise=1)],
        baseline={"x": -math.inf},
    )
    json.loads(strict_json(r.record()))
    d = json.loads(strict_json(r.to_dict()))
    assert [c["value"] for c in d["conditions"]] == [None, None]
    assert d["conditions"][1]["bound"] is None


def test_thresholds_judged_by_a_user_condition(imbalanced):
    y, s = imbalanced
    r = mlnb.thresholds(y, s, publish=False)
    if "roc_auc" not in r.condition_values:
        pytest.skip("thresholds() does not expose condition values yet")
    strict = Condition("roc_auc", ">=", 0.99, name="<script>x</script> near perfect")
    j = r.judge([strict])
    assert j.status == "fail" and r.roc_auc < 0.99
    assert j.roc_auc == r.roc_auc and j.average_precision == r.average_precision
    assert j.decided_by.startswith("roc_auc ") and j.decided_by.endswith(": fail")
    assert j.record()["decided_by"] == j.decided_by
    html = j._repr_html_()
    assert_escaped(html)
    assert "&lt;script&gt;x&lt;/script&gt; near perfect" in html
    assert H.esc(j.decided_by) in html
    json.loads(strict_json(j.record()))
    assert j.judge([Condition("roc_auc", ">=", 0.5)]).status == "pass"
    # a change condition against an earlier result, both directions
    worse = mlnb.thresholds(y, np.where(y == 1, s * 0.5, s), publish=False)
    drop = Condition("roc_auc", max_drop=0.01)
    assert worse.judge(drop, baseline=r).status == "fail"
    assert r.judge(drop, baseline=worse).status == "pass"
    rise = Condition("roc_auc", max_rise=0.01, status="warn")
    assert r.judge(rise, baseline=worse).status == "warn"
    assert worse.judge(rise, baseline=r).status == "pass"
    other = mlnb.imbalance(y, publish=False)
    with pytest.raises(MlnbValueError, match=r"earlier thresholds\(\) result"):
        r.judge(drop, baseline=other)


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (0.82551, 3, "0.826"),
        (-0.0003, 3, "0.000"),  # no "-0.000"
        (-1.5, 3, "-1.500"),
        (12345.6789, 3, "12,345.679"),
        (float("nan"), 3, "–"),
        (None, 3, "–"),
        (float("inf"), 3, "∞"),
        (3, 3, "3"),
        (2.345, 1, "2.3"),
    ],
)
def test_fixed_decimals_for_scores(value, decimals, text):
    import numpy as np

    from mlnb.render.html import fixed

    assert fixed(value, decimals) == text
    if isinstance(value, float):
        assert fixed(np.float32(value) if value == value else value, decimals) in (
            text,
            fixed(float(np.float32(value)), decimals),
        )


def test_wide_tables_scroll_inside_their_own_box():
    from mlnb.render.html import table

    html = table([("<b>", 1.0)], header=("name", "value"))
    assert html.startswith('<div class="mlnb-scroll" style="overflow-x:auto')
    assert html.endswith("</table></div>") and "&lt;b&gt;" in html
