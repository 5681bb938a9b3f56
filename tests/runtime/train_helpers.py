"""Helpers for the training launcher's tests: tiny scripts and process checks."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path


def write_script(folder: Path, name: str, body: str) -> Path:
    """A training script in ``folder`` (the body is dedented)."""
    path = Path(folder) / name
    path.write_text(textwrap.dedent(body).lstrip(), encoding="utf-8")
    return path


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting for its parent counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - someone else's process
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def metrics_lines(path: Path) -> list[dict]:
    """The JSON lines of a metrics file, read independently of mlnb."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
