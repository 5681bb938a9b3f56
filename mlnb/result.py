"""The base every check result builds on, and the status record it emits.

A result is a frozen dataclass holding finished numbers. It renders itself as
text, as escaped HTML, and as a *status record* (MIME type
``application/vnd.mlnb.check+json``) that the JupyterLab checklist panel reads
from the notebook's outputs::

    {"protocol_version": 1, "step": "imbalance", "status": "warn",
     "summary": "...", "check": "imbalance", "created": "2026-11-28T12:00:00Z",
     "metrics": {...}}
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from . import session
from .checklist import STATUSES, STEP_IDS, get_step
from .core.jsonsafe import jsonable
from .errors import MlnbValueError
from .render import html as H

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["CheckResult", "MIME_TYPE", "PROTOCOL_VERSION", "worst_status"]

MIME_TYPE = "application/vnd.mlnb.check+json"
PROTOCOL_VERSION = 1

_SEVERITY = {"pass": 0, "info": 1, "warn": 2, "fail": 3}


def worst_status(*statuses: str) -> str:
    """The most severe of ``statuses`` (fail > warn > info > pass)."""
    return max(statuses, key=_SEVERITY.__getitem__)


def _now() -> str:
    return (
        _dt.datetime.now(_dt.timezone.utc)
        .replace(microsecond=0)
        .isoformat()
        .replace("+00:00", "Z")
    )


def internal(**kwargs: Any) -> Any:
    """A dataclass field kept out of ``to_dict()`` and ``repr`` (big arrays, caches)."""
    return field(repr=False, compare=False, metadata={"internal": True}, **kwargs)


@dataclass(frozen=True, kw_only=True, repr=False)
class CheckResult:
    """Base of every check result.

    Attributes
    ----------
    step:
        The checklist step id this result is evidence for.
    status:
        ``"pass"``, ``"warn"``, ``"fail"`` or ``"info"``.
    summary:
        One sentence a person reads in the checklist panel.
    created:
        UTC time the result was computed (ISO 8601).
    """

    #: Name of the check that produced the result (``"imbalance"``, ...).
    check: ClassVar[str] = ""

    step: str
    status: str
    summary: str
    created: str = field(default_factory=_now)

    def __post_init__(self) -> None:
        if self.step not in STEP_IDS:
            raise MlnbValueError(
                f"step must be one of {', '.join(STEP_IDS)}; got {self.step!r}"
            )
        if self.status not in STATUSES:
            raise MlnbValueError(
                f"status must be one of {', '.join(STATUSES)}; got {self.status!r}"
            )

    # -- what subclasses provide -------------------------------------------------
    def record_metrics(self) -> dict[str, Any]:
        """A few headline numbers for the status record (keep it small)."""
        return {}

    def _html_sections(self) -> list[str]:
        """Extra safe-HTML blocks shown under the summary."""
        return []

    def _frame_rows(self) -> list[dict[str, Any]]:
        """Rows for :meth:`to_frame`; default: one row per headline metric."""
        return [{"metric": k, "value": v} for k, v in self.record_metrics().items()]

    # -- public API ----------------------------------------------------------------
    def record(self) -> dict[str, Any]:
        """The status record (JSON-safe) the checklist panel reads."""
        return {
            "protocol_version": PROTOCOL_VERSION,
            "step": self.step,
            "status": self.status,
            "summary": self.summary,
            "check": self.check or self.step,
            "created": self.created,
            "metrics": jsonable(self.record_metrics()),
        }

    def to_dict(self) -> dict[str, Any]:
        """Every public field, JSON-safe (numpy → Python, NaN → None)."""
        out: dict[str, Any] = {"check": self.check or self.step}
        for f in dataclasses.fields(self):
            if f.metadata.get("internal"):
                continue
            out[f.name] = jsonable(getattr(self, f.name))
        return out

    def to_frame(self) -> pd.DataFrame:
        """The result as a tidy :class:`pandas.DataFrame`."""
        import pandas as pd

        return pd.DataFrame(self._frame_rows())

    def publish(self):
        """Remember this result's record as the newest for its step; returns self."""
        session.publish(self.record())
        return self

    # -- display -------------------------------------------------------------------
    def __repr__(self) -> str:
        step = get_step(self.step)
        return (
            f"<{type(self).__name__} step {step.number} ({self.step}): "
            f"{self.status.upper()} — {self.summary}>"
        )

    def _repr_html_(self) -> str:
        step = get_step(self.step)
        return H.card(
            status=self.status,
            title=f"Step {step.number} · {step.title}",
            subtitle=f"mlnb.{self.check or self.step}",
            summary=self.summary,
            sections=self._html_sections(),
        )

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        bundle = {
            "text/plain": repr(self),
            "text/html": self._repr_html_(),
            MIME_TYPE: self.record(),
        }
        if include:
            bundle = {k: v for k, v in bundle.items() if k in include}
        if exclude:
            bundle = {k: v for k, v in bundle.items() if k not in exclude}
        return bundle
