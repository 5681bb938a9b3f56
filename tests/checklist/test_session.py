"""The session keeps the newest record of each check; a step's status is their worst.

Records come from real checks (``mlnb.imbalance`` on labels, ``mlnb.thresholds`` on a
scikit-learn model's scores); only the time-ordering tests pin ``created``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import train_test_split

import mlnb
from mlnb.checklist import session

FEATURES = [
    "amount",
    "hour",
    "card_present",
    "foreign",
    "distance_km",
    "tx_last_24h",
    "account_age_days",
]
SEVERITY = {"pass": 0, "info": 1, "warn": 2, "fail": 3}  # the documented order


@pytest.fixture(scope="module")
def fraud():
    """The shipped transactions (1.6% fraud) and a gradient-boosting model's test
    scores."""
    df = mlnb.datasets.load_transactions()
    X = df[FEATURES].astype(float).to_numpy()
    y = df["is_fraud"].to_numpy()
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=0.3, random_state=0, stratify=y
    )
    model = HistGradientBoostingClassifier(random_state=0).fit(X_tr, y_tr)
    return y, y_te, model.predict_proba(X_te)[:, 1]


BALANCED = np.array([0, 1] * 50)


def at(result, created: str):
    """The same result with another ``created`` time (for ordering tests)."""
    return dataclasses.replace(result, created=created)


def test_a_passing_check_does_not_hide_a_warning(fraud):
    y, y_te, score = fraud
    assert y.mean() == pytest.approx(0.0162, abs=0.0005)  # 1.6% positives
    imb = mlnb.imbalance(y)
    thr = mlnb.thresholds(y_te, y_score=score)
    assert (imb.status, thr.status) == ("warn", "pass")
    assert session.step_status("imbalance") == "warn"
    assert [c["check"] for c in session.checks("imbalance")] == [
        "imbalance",
        "thresholds",
    ]
    assert session.checks("imbalance") == [imb.record(), thr.record()]
    # latest() and records() still give the newest record of any check
    assert session.latest("imbalance") == thr.record()
    assert session.records() == {"imbalance": thr.record()}
    assert session.all_checks() == {"imbalance": [imb.record(), thr.record()]}


def test_a_newer_record_replaces_only_its_own_check(fraud):
    y, y_te, score = fraud
    mlnb.imbalance(y)
    thr = mlnb.thresholds(y_te, y_score=score)
    balanced = mlnb.imbalance(BALANCED)
    assert balanced.status == "pass"
    assert session.step_status("imbalance") == "pass"
    assert session.checks("imbalance") == [thr.record(), balanced.record()]
    # and back: a newer imbalance warning turns the step warn again
    again = mlnb.imbalance(y)
    assert session.step_status("imbalance") == "warn"
    assert session.checks("imbalance") == [thr.record(), again.record()]


def test_the_worst_check_decides_in_any_order(fraud):
    y, y_te, score = fraud
    thr = mlnb.thresholds(y_te, y_score=score)
    imb = mlnb.imbalance(y)  # the warning comes last this time
    assert session.step_status("imbalance") == "warn"
    assert session.worst_record(session.checks("imbalance")) == imb.record()
    assert session.latest("imbalance") == imb.record()
    assert thr.record() in session.checks("imbalance")


def test_step_status_is_the_most_severe_status():
    # every pair of statuses, on one step, from two checks
    base = mlnb.imbalance(BALANCED, publish=False)
    for a in SEVERITY:
        for b in SEVERITY:
            session.clear()
            session.publish({**base.record(), "check": "one", "status": a})
            session.publish({**base.record(), "check": "two", "status": b})
            expected = max(a, b, key=SEVERITY.__getitem__)
            assert session.step_status("imbalance") == expected, (a, b)
    assert session.step_status("drift") is None
    assert session.checks("drift") == []
    assert session.worst_record([]) is None


def test_same_millisecond_keeps_publish_order(fraud):
    y, _, _ = fraud
    warn = mlnb.imbalance(y, publish=False)
    ok = mlnb.imbalance(BALANCED, publish=False)
    t = "2026-11-28T12:00:00.123Z"
    at(warn, t).publish()
    at(ok, t).publish()  # same check, same millisecond, published later: newer
    assert session.checks("imbalance") == [at(ok, t).record()]
    assert session.step_status("imbalance") == "pass"
    at(warn, t).publish()
    assert session.step_status("imbalance") == "warn"


def test_same_millisecond_across_checks_keeps_publish_order(fraud):
    y, y_te, score = fraud
    t = "2026-11-28T12:00:00.123Z"
    thr = at(mlnb.thresholds(y_te, y_score=score, publish=False), t).publish()
    imb = at(mlnb.imbalance(y, publish=False), t).publish()
    assert session.checks("imbalance") == [thr.record(), imb.record()]
    assert session.latest("imbalance") == imb.record()
    assert session.step_status("imbalance") == "warn"


def test_an_older_record_published_later_does_not_replace_a_newer_one(fraud):
    y, _, _ = fraud
    newer = at(mlnb.imbalance(BALANCED, publish=False), "2026-11-28T12:00:01.000Z")
    older = at(mlnb.imbalance(y, publish=False), "2026-11-28T12:00:00.999Z")
    newer.publish()
    older.publish()
    assert session.checks("imbalance") == [newer.record()]
    assert session.step_status("imbalance") == "pass"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # protocol 1 times have no milliseconds: compared as times, not as text
        ("2026-11-28T12:00:00Z", "2026-11-28T12:00:00.500Z"),
        # other time zones
        ("2026-11-28T13:59:59.999+02:00", "2026-11-28T12:00:00.000Z"),
        # a time without a zone is UTC
        ("2026-11-28T11:59:59", "2026-11-28T12:00:00Z"),
    ],
)
def test_created_is_compared_as_a_time(first, second):
    old = mlnb.imbalance(BALANCED, publish=False)
    new = mlnb.imbalance([0] * 95 + [1] * 5, publish=False)
    assert new.status != old.status
    for order in ((first, second), (second, first)):
        session.clear()
        recs = {first: at(old, first), second: at(new, second)}
        for t in order:
            recs[t].publish()
        assert session.checks("imbalance") == [at(new, second).record()], order


def test_returns_copies_and_clear(fraud):
    y, _, _ = fraud
    r = mlnb.imbalance(y)
    session.checks("imbalance")[0]["status"] = "tampered"
    session.all_checks()["imbalance"][0]["status"] = "tampered"
    assert session.step_status("imbalance") == r.status
    session.clear()
    assert session.all_checks() == {} and session.latest("imbalance") is None


def test_a_record_without_check_is_keyed_by_its_step():
    base = mlnb.imbalance(BALANCED, publish=False).record()
    del base["check"]
    session.publish(base)
    session.publish({**base, "status": "fail", "created": "2999-01-01T00:00:00Z"})
    assert [c["status"] for c in session.checks("imbalance")] == ["fail"]
