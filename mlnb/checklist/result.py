"""The base every check result builds on, and the status record it emits.

A result is a frozen dataclass holding finished numbers. It renders itself as
text, as escaped HTML, and as a *status record* (MIME type
``application/vnd.mlnb.check+json``) that the JupyterLab checklist panel reads
from the notebook's outputs::

    {"protocol_version": 2, "step": "imbalance", "status": "warn",
     "summary": "...", "check": "imbalance", "created": "2026-11-28T12:00:00.123Z",
     "metrics": {...},
     "conditions": [{"condition": "imbalance_ratio <= 4", "status": "warn",
                     "sentence": "imbalance_ratio 61 > 4: warn"}, ...],
     "decided_by": "imbalance_ratio 61 > 4: warn"}

Version 2 added ``conditions`` and ``decided_by`` and milliseconds in ``created``;
readers keep accepting version 1 records (without them).

A result's status comes from its conditions (:mod:`mlnb.core.conditions`): the worst
of their outcomes. :meth:`CheckResult.judge` applies other conditions to a finished
result — or change conditions against a baseline result — without recomputing it.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from ..core import conditions as C
from ..core.jsonsafe import jsonable
from ..errors import MlnbValueError
from ..render import html as H
from . import session
from .steps import STATUSES, STEP_IDS, get_step

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["CheckResult", "MIME_TYPE", "PROTOCOL_VERSION", "worst_status"]

MIME_TYPE = "application/vnd.mlnb.check+json"
PROTOCOL_VERSION = 2

_SEVERITY = C.SEVERITY


def worst_status(*statuses: str) -> str:
    """The most severe of ``statuses`` (fail > warn > info > pass)."""
    return max(statuses, key=_SEVERITY.__getitem__)


def _now() -> str:
    """UTC now, ISO 8601 with milliseconds (``2026-11-28T12:00:00.123Z``)."""
    return (
        _dt.datetime.now(_dt.timezone.utc)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


def judge(
    conditions: Any,
    values: Mapping[str, Any],
    *,
    defaults: tuple,
    check: str,
    baseline: Any = None,
) -> tuple[str, tuple]:
    """Status and outcomes of ``conditions`` (``None``: the check's ``defaults``)
    over a check's ``values``; ``baseline`` is a result of the same check or a
    mapping of its values, for change conditions.

    The status is the worst outcome (``"info"`` when there are no conditions).

    Raises
    ------
    MlnbValueError
        ``conditions`` is not a list of :class:`~mlnb.core.conditions.Condition`;
        a condition reads a value the check does not have (the message lists the
        ones it has); ``baseline`` is a result of another check, or neither a
        result nor a mapping.
    """
    conds = defaults if conditions is None else C.as_conditions(conditions)
    base = _baseline_values(baseline, check)
    outcomes = C.evaluate(conds, values, baseline=base, check=check)
    status, _ = C.decide(outcomes, default="info")
    return status, outcomes


def _baseline_values(baseline: Any, check: str) -> Mapping[str, Any] | None:
    if baseline is None:
        return None
    if isinstance(baseline, CheckResult):
        other = baseline.check or baseline.step
        if other != check:
            raise MlnbValueError(
                f"baseline must be an earlier {check}() result or a dict of its "
                f"values; got a {type(baseline).__name__} from {other}()"
            )
        return baseline.condition_values
    if isinstance(baseline, Mapping):
        return baseline
    raise MlnbValueError(
        f"baseline must be an earlier {check}() result or a dict of its values; got "
        f"{type(baseline).__name__}"
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

    #: The check's default conditions (documented per check).
    DEFAULT_CONDITIONS: ClassVar[tuple] = ()

    step: str
    status: str
    summary: str
    created: str = field(default_factory=_now)
    #: What each condition said (the status is their worst).
    outcomes: tuple = field(default=(), repr=False, compare=False)
    #: The values conditions can read (name -> number).
    condition_values: dict = field(default_factory=dict, repr=False, compare=False)

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

    # -- conditions ----------------------------------------------------------------
    @property
    def conditions(self):
        """One row per condition: ``condition``, ``metric``, ``value``, ``bound``,
        ``baseline``, ``status``, ``sentence`` (a :class:`pandas.DataFrame`)."""
        return C.outcomes_frame(self.outcomes)

    @property
    def decided_by(self) -> str:
        """The sentence of the condition that decided the status ("" if none)."""
        _, outcome = C.decide(self.outcomes)
        return outcome.sentence if outcome is not None else ""

    def judge(self, conditions: Any = None, *, baseline: Any = None):
        """This result judged by other ``conditions`` (``None``: the defaults), or
        by change conditions against ``baseline`` (an earlier result of the same
        check, or a dict of its values): a new result with the new status, outcomes
        and ``created`` time; every number is kept, nothing is recomputed, and the
        result is not published (call :meth:`publish`).

        Raises
        ------
        MlnbValueError
            As :func:`judge`: a condition reads a value this result does not have,
            or ``baseline`` comes from another check.
        """
        status, outcomes = judge(
            conditions,
            self.condition_values,
            defaults=type(self).DEFAULT_CONDITIONS,
            check=self.check or self.step,
            baseline=baseline,
        )
        return dataclasses.replace(
            self, status=status, outcomes=outcomes, created=_now()
        )

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
            "conditions": [
                {"condition": o.name, "status": o.status, "sentence": o.sentence}
                for o in self.outcomes
            ],
            "decided_by": self.decided_by,
        }

    def to_dict(self) -> dict[str, Any]:
        """Every public field, JSON-safe (numpy → Python, NaN → None)."""
        out: dict[str, Any] = {"check": self.check or self.step}
        for f in dataclasses.fields(self):
            if f.metadata.get("internal") or f.name in ("outcomes", "condition_values"):
                continue
            out[f.name] = jsonable(getattr(self, f.name))
        out["conditions"] = [o.to_dict() for o in self.outcomes]
        return out

    def to_frame(self) -> pd.DataFrame:
        """The result as a tidy :class:`pandas.DataFrame`."""
        import pandas as pd

        return pd.DataFrame(self._frame_rows())

    def publish(self):
        """Remember this result's record as its check's newest in this session (the
        step's status is the worst of its checks' newest records); returns self."""
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
            sections=[*self._html_sections(), *H.conditions_table(self.outcomes)],
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
