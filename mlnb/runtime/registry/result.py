"""The result of :func:`mlnb.promote` and :func:`mlnb.rollback`: a
:class:`Promotion`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ...checklist.result import CheckResult

__all__ = ["Promotion"]


@dataclass(frozen=True, kw_only=True, repr=False)
class Promotion(CheckResult):
    """What a promotion (or a rollback) did to a registry's alias.

    Its status record is step 8's check ``"promotion"``: ``pass`` when the
    candidate became the alias's version, ``fail`` when the promotion was refused
    (``reason`` says what blocked it: the gate's blocking rows, a failed data
    validation, a stale comparison, another promotion holding the lock), ``info``
    for a rollback (a deliberate move back, neither a new success nor a failure)
    and for a model that already is the alias's version (nothing done).

    Attributes
    ----------
    promoted:
        True when the alias now points at ``version``.
    action:
        ``"promote"`` or ``"rollback"``.
    name, alias:
        The registered model and the alias moved (``"champion"``).
    version:
        The version the alias points at after the call (None when refused before a
        version was made).
    previous:
        The version the alias pointed at before (None: there was none).
    reason:
        Why, in one sentence.
    model_id:
        The promoted model's fingerprint (None for a rollback).
    registry:
        Where the registry is (a folder or a cloud location).
    blocking:
        The gate's blocking sentences when a promotion was refused for them.
    """

    check: ClassVar[str] = "promotion"

    promoted: bool
    action: str
    name: str
    alias: str
    version: str | None
    previous: str | None
    reason: str
    model_id: str | None
    registry: str
    blocking: tuple = ()

    def record_metrics(self) -> dict[str, Any]:
        return {
            "promoted": self.promoted,
            "action": self.action,
            "name": self.name,
            "alias": self.alias,
            "version": self.version,
            "previous": self.previous,
        }

    def _frame_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "name": self.name,
                "alias": self.alias,
                "action": self.action,
                "promoted": self.promoted,
                "version": self.version,
                "previous": self.previous,
                "model_id": self.model_id,
                "reason": self.reason,
                "registry": self.registry,
            }
        ]

    def _repr_html_(self) -> str:
        from ...render import registry

        return registry.promotion_card(self)
