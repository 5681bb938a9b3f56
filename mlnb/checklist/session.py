"""What this Python session knows about the checklist: the newest record of each
check on each step.

Check functions publish their result's status record here. A check's newer record
replaces only its own older one, so a passing check never hides a failing one that
reported on the same step: a step's status is the worst of the newest record of each
check (fail > warn > info > pass). ``%mlcheck`` (no argument) shows the table; the
JupyterLab panel applies the same rule to the records in the notebook's outputs, so
it also works without a kernel.

"Newest" is by the record's ``created`` time (ISO 8601, compared as times); records
with the same time keep the order they were published in, the later one newer.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import threading
from typing import Any

from ..core.conditions import SEVERITY

__all__ = [
    "publish",
    "latest",
    "records",
    "checks",
    "all_checks",
    "step_status",
    "worst_record",
    "clear",
]

_lock = threading.Lock()
#: step -> check -> (sort key, record)
_by_check: dict[str, dict[str, tuple[tuple[float, int], dict[str, Any]]]] = {}
_order = itertools.count()


def _created_seconds(record: dict[str, Any]) -> float:
    """``created`` as seconds since the epoch (a time without a zone is UTC); the
    publish time when it is missing or not an ISO time."""
    value = record.get("created")
    if isinstance(value, str):
        try:
            when = _dt.datetime.fromisoformat(value.strip())
        except ValueError:
            pass
        else:
            if when.tzinfo is None:
                when = when.replace(tzinfo=_dt.timezone.utc)
            return when.timestamp()
    return _dt.datetime.now(_dt.timezone.utc).timestamp()


def _check_name(record: dict[str, Any]) -> str:
    return record.get("check") or record["step"]


def publish(record: dict[str, Any]) -> None:
    """Remember ``record`` as its check's newest on its step.

    It replaces the check's earlier record unless that one is newer (a later
    ``created``); records of the step's other checks are kept.
    """
    step = record["step"]
    key = (_created_seconds(record), next(_order))
    with _lock:
        per_check = _by_check.setdefault(step, {})
        name = _check_name(record)
        held = per_check.get(name)
        if held is None or key > held[0]:
            per_check[name] = (key, dict(record))


def _sorted(step: str) -> list[tuple[tuple[float, int], dict[str, Any]]]:
    """The step's entries, oldest first (caller holds the lock)."""
    return sorted(_by_check.get(step, {}).values(), key=lambda e: e[0])


def latest(step: str) -> dict[str, Any] | None:
    """The newest record of any check on ``step`` in this session, or ``None``."""
    with _lock:
        entries = _sorted(step)
        return dict(entries[-1][1]) if entries else None


def records() -> dict[str, dict[str, Any]]:
    """A copy of the newest record of any check, per step."""
    with _lock:
        return {step: dict(_sorted(step)[-1][1]) for step in _by_check}


def checks(step: str) -> list[dict[str, Any]]:
    """Copies of the newest record of each check that reported on ``step``, oldest
    first (empty when none did)."""
    with _lock:
        return [dict(rec) for _, rec in _sorted(step)]


def all_checks() -> dict[str, list[dict[str, Any]]]:
    """:func:`checks` for every step that has a record."""
    with _lock:
        return {step: [dict(rec) for _, rec in _sorted(step)] for step in _by_check}


def worst_record(recs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The record that decides a step's status: the most severe, the newest of
    equally severe ones (``recs`` oldest first); ``None`` for no records."""
    best = None
    for rec in recs:
        if best is None or SEVERITY[rec["status"]] >= SEVERITY[best["status"]]:
            best = rec
    return best


def step_status(step: str) -> str | None:
    """The worst status of the newest record of each check on ``step``
    (fail > warn > info > pass), or ``None`` when no check reported on it."""
    rec = worst_record(checks(step))
    return rec["status"] if rec is not None else None


def clear() -> None:
    """Forget every record (used by tests)."""
    with _lock:
        _by_check.clear()
