"""What this Python session knows about the checklist: the newest record per step.

Check functions publish their result's status record here. ``%mlcheck`` (no
argument) shows the table; the JupyterLab panel reads the same records from the
notebook's outputs instead, so it also works without a kernel.
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["publish", "latest", "records", "clear"]

_lock = threading.Lock()
_latest: dict[str, dict[str, Any]] = {}


def publish(record: dict[str, Any]) -> None:
    """Remember ``record`` as the newest for its step."""
    with _lock:
        _latest[record["step"]] = dict(record)


def latest(step: str) -> dict[str, Any] | None:
    """The newest record for ``step`` in this session, or ``None``."""
    with _lock:
        rec = _latest.get(step)
        return dict(rec) if rec is not None else None


def records() -> dict[str, dict[str, Any]]:
    """A copy of the newest record per step."""
    with _lock:
        return {k: dict(v) for k, v in _latest.items()}


def clear() -> None:
    """Forget every record (used by tests and ``%mlcheck reset``)."""
    with _lock:
        _latest.clear()
