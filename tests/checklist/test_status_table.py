"""The checklist table (``%mlcheck``): each step's status is the worst of its checks,
and every check is listed under its step, in text and in escaped HTML."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

import mlnb
from mlnb.checklist import STEP_IDS, session
from mlnb.checklist.status_table import ChecklistStatus, checklist_status


@pytest.fixture(scope="module")
def scored():
    """Labels with 1.6% positives and scores that separate them well."""
    rng = np.random.default_rng(7)
    n = 6000
    y = np.zeros(n, dtype=int)
    y[rng.choice(n, size=96, replace=False)] = 1  # 1.6%
    score = 1 / (1 + np.exp(-(3.0 * y - 1.5 + rng.normal(0, 0.8, n))))
    assert roc_auc_score(y, score) > 0.95  # oracle: a well-separating model
    return y, score


def rows_by_step(table: ChecklistStatus) -> dict:
    return {r["step"]: r for r in table.rows()}


def test_warn_then_pass_shows_warn_with_both_checks(scored):
    y, score = scored
    imb = mlnb.imbalance(y)
    thr = mlnb.thresholds(y, y_score=score)
    assert (imb.status, thr.status) == ("warn", "pass")

    table = checklist_status()
    row = rows_by_step(table)["imbalance"]
    assert row["status"] == "warn"
    assert (row["check"], row["summary"]) == ("imbalance", imb.summary)
    assert row["created"] == thr.created  # the newest check's time
    assert [(c["check"], c["status"]) for c in row["checks"]] == [
        ("imbalance", "warn"),
        ("thresholds", "pass"),
    ]
    assert [c["summary"] for c in row["checks"]] == [imb.summary, thr.summary]
    assert table.progress == "1 of 10 checked, 1 warning"

    text = repr(table)
    lines = text.splitlines()
    step_line = next(i for i, line in enumerate(lines) if "4. imbalance" in line)
    assert re.search(r"4\. imbalance\s+WARN\s", lines[step_line])
    # one line per check (each may be followed by its "decided by" line)
    checks = [
        line
        for line in lines[step_line + 1 : step_line + 5]
        if not line.strip().startswith("decided by:")
    ]
    assert checks[0].split()[:2] == ["WARN", "imbalance"]
    assert imb.summary in checks[0]
    assert checks[1].split()[:2] == ["PASS", "thresholds"]
    assert thr.summary in checks[1]

    html = table._repr_html_()
    step_row = re.search(r'<tr data-step="imbalance".*?</tr>', html).group(0)
    assert 'data-status="warn"' in step_row
    assert step_row.count('class="mlnb-check"') == 2
    assert step_row.index("<code>imbalance</code>") < step_row.index(
        "<code>thresholds</code>"
    )


def test_a_newer_pass_of_the_warning_check_turns_the_step_pass(scored):
    y, score = scored
    mlnb.imbalance(y)
    mlnb.thresholds(y, y_score=score)
    mlnb.imbalance(np.array([0, 1] * 40))
    row = rows_by_step(checklist_status())["imbalance"]
    assert row["status"] == "pass"
    assert [(c["check"], c["status"]) for c in row["checks"]] == [
        ("thresholds", "pass"),
        ("imbalance", "pass"),
    ]
    assert checklist_status().progress == "1 of 10 checked"


def test_progress_counts_steps_by_their_worst_status(scored):
    y, score = scored
    mlnb.thresholds(y, y_score=score)  # pass
    mlnb.imbalance(y)  # warn: step 4 is warn
    base = mlnb.imbalance(np.array([0, 1] * 10), publish=False).record()
    session.publish({**base, "step": "drift", "check": "drift", "status": "pass"})
    session.publish({**base, "step": "drift", "check": "skew", "status": "fail"})
    session.publish({**base, "step": "serving", "check": "load", "status": "info"})
    table = checklist_status()
    statuses = {r["step"]: r["status"] for r in table.rows()}
    assert statuses == {
        **dict.fromkeys(STEP_IDS, "not checked"),
        "imbalance": "warn",
        "drift": "fail",
        "serving": "info",
    }
    assert table.progress == "3 of 10 checked, 1 failing, 1 warning"
    frame = table.to_frame()
    assert list(frame["step"]) == list(STEP_IDS) and "checks" not in frame
    checks = table.checks_frame()
    assert list(zip(checks["step"], checks["check"], checks["status"])) == [
        ("imbalance", "thresholds", "pass"),
        ("imbalance", "imbalance", "warn"),
        ("drift", "drift", "pass"),
        ("drift", "skew", "fail"),
        ("serving", "load", "info"),
    ]


def test_empty_table():
    table = ChecklistStatus({})
    assert table.progress == "0 of 10 checked"
    assert all(r["checks"] == [] for r in table.rows())
    assert table.checks_frame().empty
    assert "not checked" in table._repr_html_()


def test_decided_by_and_time_are_shown_and_html_is_escaped(scored):
    y, _ = scored
    evil = '<img src=x onerror="alert(1)"> & <b>bold</b>'
    imb = mlnb.imbalance(y, publish=False)
    rec = {
        **imb.record(),
        "check": "<script>c</script>",
        "summary": evil,
        "decided_by": "ratio 61 > 4: <warn>",
        "created": "2026-11-28T12:00:03.250Z",
    }
    table = ChecklistStatus({"imbalance": [rec]})
    html = table._repr_html_()
    assert "<img" not in html and "<script" not in html and "<b>" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &lt;b&gt;" in html
    assert "decided by: ratio 61 &gt; 4: &lt;warn&gt;" in html
    assert "2026-11-28 12:00:03 UTC" in html
    text = repr(table)
    assert "decided by: ratio 61 > 4: <warn>" in text
    assert "2026-11-28 12:00:03 UTC" in text
    # a protocol 1 record has no decided_by: nothing is shown for it
    v1 = {k: v for k, v in rec.items() if k not in ("conditions", "decided_by")}
    v1 |= {"protocol_version": 1, "created": "2026-11-28T14:00:03+02:00"}
    table = ChecklistStatus({"imbalance": [v1]})
    assert "decided by" not in repr(table) and "decided by" not in table._repr_html_()
    assert "2026-11-28 12:00:03 UTC" in repr(table)


def test_real_decided_by_reaches_the_table(scored):
    y, _ = scored
    imb = mlnb.imbalance(y)
    row = rows_by_step(checklist_status())["imbalance"]
    assert row["checks"][0]["decided_by"] == imb.decided_by
    if imb.decided_by:  # once imbalance judges by conditions
        assert f"decided by: {imb.decided_by}" in repr(checklist_status())


def test_same_millisecond_records_keep_publish_order(scored):
    y, score = scored
    t = "2026-11-28T12:00:00.123Z"
    thr = dataclasses.replace(
        mlnb.thresholds(y, y_score=score, publish=False), created=t
    )
    imb = dataclasses.replace(mlnb.imbalance(y, publish=False), created=t)
    imb.publish()
    thr.publish()
    row = rows_by_step(checklist_status())["imbalance"]
    assert [c["check"] for c in row["checks"]] == ["imbalance", "thresholds"]
    assert row["status"] == "warn"
