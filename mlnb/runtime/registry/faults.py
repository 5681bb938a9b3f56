"""Named fault points in the promotion sequence, for the reliability tests.

:func:`fault` is a no-op unless the environment variable ``MLNB_FAULT_POINT`` names
the point reached; then the process kills itself with ``SIGKILL`` (no cleanup, no
``finally`` blocks, no flushed buffers: what a power cut or an OOM kill does).
"""

from __future__ import annotations

import os
import signal

__all__ = ["FAULT_POINTS", "ENV_VAR", "fault"]

#: The environment variable naming the point to die at.
ENV_VAR = "MLNB_FAULT_POINT"

#: Every point, in the order a promotion reaches them.
FAULT_POINTS = (
    "after_lock",  # the promotion lock is held, nothing written
    "after_artifact",  # the artefact is in its temporary folder, fsynced
    "after_replace",  # the artefact is in its final folder
    "after_register",  # the version is registered, no alias points at it
    "after_alias",  # the alias moved, the history line not written yet
)


def fault(point: str) -> None:
    """Die here (``SIGKILL``) when ``MLNB_FAULT_POINT`` is ``point``."""
    if os.environ.get(ENV_VAR) == point:
        os.kill(os.getpid(), signal.SIGKILL)
