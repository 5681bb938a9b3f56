"""How mlnb widgets write their own traits without re-entering their observers."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

__all__ = ["QuietWrites"]


class QuietWrites:
    """Mixin for widgets whose observers write other traits.

    Observers return at once while ``_quiet`` is true; the widget sets it with
    :meth:`_internal` around its own writes, so that derived traits do not
    trigger another round of recomputation. The widget has an ``error`` trait.
    """

    _quiet = False

    @contextlib.contextmanager
    def _internal(self) -> Iterator[None]:
        old, self._quiet = self._quiet, True
        try:
            yield
        finally:
            self._quiet = old

    def _refuse(self, name: str, old: Any, message: str) -> None:
        """Put trait ``name`` back to ``old`` and say why in ``error``."""
        with self._internal(), self.hold_sync():
            setattr(self, name, old)
            self.error = message
