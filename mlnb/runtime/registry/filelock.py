"""An OS file lock that serialises promotions of one model across processes.

``fcntl.flock`` on a lock file: the kernel releases it when the holding process
dies, however it dies, so a crashed promotion never blocks the next one. The holder
writes its pid and host into the file, so a waiter that gives up can say who holds
it. POSIX only (Linux, macOS).
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

from ...errors import MlnbError

__all__ = ["LockTimeout", "file_lock"]


class LockTimeout(MlnbError, TimeoutError):
    """Another process held a promotion lock for longer than ``timeout`` seconds
    (an :class:`~mlnb.errors.MlnbError`; the message names the holder's pid)."""

    def __init__(self, message: str, holder: str) -> None:
        super().__init__(message)
        self.holder = holder


def _holder(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read().strip()
    except OSError:
        text = ""
    return text or "an unknown process"


@contextmanager
def file_lock(path: str, *, timeout: float, what: str) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if missing) for the block.

    Waits up to ``timeout`` seconds (polling every 20 ms), then raises
    :class:`LockTimeout` naming the holder and ``what`` is locked.
    """
    import fcntl

    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + max(0.0, float(timeout))
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _holder(path)
                    raise LockTimeout(
                        f"{what} is locked by another promotion ({holder}) and was "
                        f"not released within timeout={timeout:g} s; wait for it to "
                        "finish, or pass a longer timeout=",
                        holder,
                    ) from None
                time.sleep(0.02)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()}".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
