"""Conditions: the named rules that turn a check's numbers into a status.

A check computes values; a :class:`Condition` is a rule over one of them that yields
a status and a sentence — after deepchecks' conditions and TensorFlow Model
Analysis' ``GenericValueThreshold`` / ``GenericChangeThreshold``:

- a **bound**: ``Condition("roc_auc", ">=", 0.8)`` holds when the value is at least
  0.8; violated, it gives ``status`` (``"fail"`` unless you say ``status="warn"``);
- a **change** against a baseline: ``Condition("roc_auc", max_drop=0.01)`` holds when
  the value fell by at most 0.01 from the baseline's (``relative=True``: by at most
  1% of it); ``max_rise=`` bounds an increase (log loss, MAE, a drift distance).

Every check has documented default conditions (its ``DEFAULT_CONDITIONS``), accepts
``conditions=`` to replace them, and its result's ``.conditions`` frame shows each
condition's value, bound, status and sentence; the result's status is their worst
(fail > warn > info > pass).

Undefined values: ``None``, NaN (and anything that is not a real number, such as
``pandas.NA``) cannot be judged, so a condition over one gives ``info`` unless
``if_undefined=`` says otherwise. ``±inf`` *is* a value: ``inf >= 0.8`` holds, and a
change from a finite baseline to ``inf`` is an infinite rise. Booleans (Python's and
numpy's) count as 1 and 0. A change condition without a baseline value (no baseline,
or the baseline's value is undefined) gives ``info``; with ``relative=True`` a change
from a baseline of 0 is infinite (any change breaks it, no change holds).

    >>> from mlnb.core.conditions import Condition, evaluate
    >>> c = Condition("roc_auc", ">=", 0.8, status="warn")
    >>> evaluate([c], {"roc_auc": 0.71})[0].sentence
    'roc_auc 0.71 < 0.8: warn'
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import MlnbValueError

__all__ = [
    "Condition",
    "Outcome",
    "SEVERITY",
    "worst",
    "evaluate",
    "decide",
    "as_conditions",
    "outcomes_frame",
]

#: Statuses by severity (fail > warn > info > pass).
SEVERITY = {"pass": 0, "info": 1, "warn": 2, "fail": 3}
_OPS = {
    ">=": (lambda v, b: v >= b, "<"),
    ">": (lambda v, b: v > b, "<="),
    "<=": (lambda v, b: v <= b, ">"),
    "<": (lambda v, b: v < b, ">="),
}


def worst(statuses: Iterable[str], default: str = "info") -> str:
    """The most severe status (``default`` when there is none).

    Raises
    ------
    MlnbValueError
        A status that is not one of ``pass``, ``info``, ``warn``, ``fail``.
    """
    out = None
    for s in statuses:
        _check_status(s, "status")
        if out is None or SEVERITY[s] > SEVERITY[out]:
            out = s
    return default if out is None else out


def _check_status(value: Any, argument: str) -> None:
    if not isinstance(value, str) or value not in SEVERITY:
        raise MlnbValueError(
            f"{argument} must be one of {', '.join(SEVERITY)}; got {value!r}"
        )


def _is_bool(v: Any) -> bool:
    """Python's or numpy's bool (without importing numpy)."""
    t = type(v)
    return isinstance(v, bool) or (
        t.__module__ == "numpy" and t.__name__ in ("bool", "bool_")
    )


def _fmt(v: Any) -> str:
    if _is_bool(v):
        return str(bool(v))
    if isinstance(v, numbers.Integral):
        return f"{int(v):,}"
    if isinstance(v, numbers.Real):
        f = float(v)
        if math.isinf(f):
            return "∞" if f > 0 else "−∞"
        if f.is_integer() and 1e3 <= abs(f) < 1e15:  # 12,345, not 1.234e+04
            return f"{int(f):,}"
        return f"{f:.4g}"
    return str(v)


def _real(v: Any) -> float | None:
    """``v`` as a finite-or-infinite float; ``None`` when undefined (``None``, NaN,
    or not a real number, e.g. ``pandas.NA``); booleans are 1.0 and 0.0."""
    if v is None:
        return None
    if _is_bool(v):
        return float(bool(v))
    if isinstance(v, numbers.Real):
        try:
            f = float(v)
        except OverflowError:  # an int too large for a float
            f = math.inf if v > 0 else -math.inf
        return None if math.isnan(f) else f
    return None


def _change(v: float, b: float, relative: bool) -> float:
    """The signed change from ``b`` to ``v`` (as a share of ``|b|`` when
    ``relative``); 0 when both are the same infinity."""
    if v == b:
        return 0.0
    delta = v - b
    if not relative:
        return delta
    if math.isinf(b):  # the limit of (v - b) / |b| for a finite v
        return math.inf if math.isinf(v) else -math.copysign(1.0, b)
    if b == 0:
        return math.copysign(math.inf, delta)
    return delta / abs(b)


@dataclass(frozen=True)
class Condition:
    """A named rule over one value of a check's result.

    Parameters
    ----------
    metric:
        The value the rule reads (a key of the result's ``condition_values``).
    op, bound:
        A bound: ``">="``, ``">"``, ``"<="`` or ``"<"`` and the number it compares
        with. Give these, or a change (``max_drop`` / ``max_rise``), or both.
    status:
        The status when the rule is violated: ``"fail"`` (default), ``"warn"`` or
        ``"info"``.
    max_drop, max_rise:
        Change rules against a baseline's value of the same metric: the value may
        fall (rise) by at most this much. Without a baseline a change rule cannot
        be judged and gives ``info``.
    relative:
        Change rules compare the change with ``|baseline|`` (``0.01`` = 1%).
    name:
        A readable name (default: built from the rule).
    why:
        Where the rule comes from (a citation, a reason), shown in the result's
        card and ``to_dict()``.
    if_undefined:
        The status when the value is undefined (NaN / missing): ``"info"`` (default,
        "cannot judge"), ``"pass"``, ``"warn"`` or ``"fail"``.
    """

    metric: str
    op: str | None = None
    bound: float | None = None
    status: str = "fail"
    max_drop: float | None = None
    max_rise: float | None = None
    relative: bool = False
    name: str = ""
    why: str = ""
    if_undefined: str = "info"

    def __post_init__(self) -> None:
        if not isinstance(self.metric, str) or not self.metric:
            raise MlnbValueError(
                f"Condition metric must be the name of a value, e.g. "
                f"Condition('roc_auc', '>=', 0.8); got {self.metric!r}"
            )
        for arg in ("name", "why"):
            if not isinstance(getattr(self, arg), str):
                raise MlnbValueError(
                    f"Condition({self.metric!r}): {arg} must be a string; got "
                    f"{type(getattr(self, arg)).__name__}"
                )
        if (self.op is None) != (self.bound is None):
            raise MlnbValueError(
                f"Condition({self.metric!r}): give both op and bound (e.g. '>=', 0.8) "
                f"or neither; got op={self.op!r}, bound={self.bound!r}"
            )
        if self.op is not None and not (isinstance(self.op, str) and self.op in _OPS):
            raise MlnbValueError(
                f"Condition({self.metric!r}): op must be one of "
                f"{', '.join(_OPS)}; got {self.op!r}"
            )
        for arg in ("bound", "max_drop", "max_rise"):
            v = getattr(self, arg)
            if v is None:
                continue
            f = None if _is_bool(v) else _real(v)
            if f is None:
                raise MlnbValueError(
                    f"Condition({self.metric!r}): {arg} must be a number (not NaN), "
                    f"e.g. {arg}=0.8; got {v!r}"
                )
            if arg != "bound" and f < 0:
                raise MlnbValueError(
                    f"Condition({self.metric!r}): {arg} must be >= 0 (the largest "
                    f"change allowed, e.g. {arg}=0.01); got {v!r}"
                )
            object.__setattr__(self, arg, f)
        if self.op is None and self.max_drop is None and self.max_rise is None:
            raise MlnbValueError(
                f"Condition({self.metric!r}) has no rule: give a bound "
                f"(Condition({self.metric!r}, '>=', 0.8)) or a change "
                f"(max_drop=0.01 or max_rise=0.01)"
            )
        for arg in ("status", "if_undefined"):
            v = getattr(self, arg)
            if not isinstance(v, str) or v not in SEVERITY:
                raise MlnbValueError(
                    f"Condition({self.metric!r}): {arg} must be one of "
                    f"{', '.join(SEVERITY)}; got {v!r}"
                )
        if self.status == "pass":
            raise MlnbValueError(
                f"Condition({self.metric!r}): status is what a violation gives, so it "
                "must be 'fail', 'warn' or 'info', not 'pass'"
            )
        if not _is_bool(self.relative):
            raise MlnbValueError(
                f"Condition({self.metric!r}): relative must be True or False; got "
                f"{self.relative!r}"
            )
        object.__setattr__(self, "relative", bool(self.relative))
        if self.relative and not self.needs_baseline:
            raise MlnbValueError(
                f"Condition({self.metric!r}): relative=True applies to a change "
                "(max_drop= or max_rise=); give one, or drop relative=True"
            )
        if not self.name:
            object.__setattr__(self, "name", self.describe())

    @property
    def needs_baseline(self) -> bool:
        return self.max_drop is not None or self.max_rise is not None

    def describe(self) -> str:
        """The rule in words: ``roc_auc >= 0.8``, ``roc_auc drops <= 0.01``."""
        parts = []
        if self.op is not None:
            parts.append(f"{self.metric} {self.op} {_fmt(self.bound)}")
        unit = " (relative)" if self.relative else ""
        if self.max_drop is not None:
            parts.append(f"{self.metric} drops by <= {_fmt(self.max_drop)}{unit}")
        if self.max_rise is not None:
            parts.append(f"{self.metric} rises by <= {_fmt(self.max_rise)}{unit}")
        return " and ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """The condition as strict JSON (an infinite number becomes ``None``)."""
        return {
            "name": self.name,
            "metric": self.metric,
            "op": self.op,
            "bound": _finite(self.bound),
            "status": self.status,
            "max_drop": _finite(self.max_drop),
            "max_rise": _finite(self.max_rise),
            "relative": self.relative,
            "why": self.why,
            "if_undefined": self.if_undefined,
        }

    # -- judging ------------------------------------------------------------------
    def evaluate(self, value: Any, baseline: Any = None) -> Outcome:
        """Judge ``value`` (and, for a change rule, its ``baseline`` value)."""
        v = _real(value)
        shown = _fmt(value) if v is not None else "undefined"
        if v is None:
            return self._outcome(
                value,
                self.if_undefined,
                f"{self.metric} is undefined: cannot judge {self.describe()}",
                baseline,
            )
        broken: list[str] = []
        if self.op is not None:
            ok, negation = _OPS[self.op]
            if not ok(v, self.bound):
                broken.append(f"{self.metric} {shown} {negation} {_fmt(self.bound)}")
        change_note = ""
        if self.needs_baseline:
            b = _real(baseline)
            if b is None:
                if not broken:
                    return self._outcome(
                        value,
                        "info",
                        f"no baseline {self.metric}: cannot judge {self.describe()}",
                        baseline,
                    )
            else:
                size = _change(v, b, self.relative)
                unit = "" if not self.relative else " relative"
                if self.max_drop is not None and -size > self.max_drop:
                    broken.append(
                        f"{self.metric} fell {_fmt(-size)}{unit} from {_fmt(b)} to "
                        f"{shown} (> {_fmt(self.max_drop)})"
                    )
                if self.max_rise is not None and size > self.max_rise:
                    broken.append(
                        f"{self.metric} rose {_fmt(size)}{unit} from {_fmt(b)} to "
                        f"{shown} (> {_fmt(self.max_rise)})"
                    )
                change_note = f" (baseline {_fmt(b)})"
        if broken:
            return self._outcome(
                value, self.status, "; ".join(broken) + f": {self.status}", baseline
            )
        if self.op is not None and not self.needs_baseline:
            held = f"{self.metric} {shown} {self.op} {_fmt(self.bound)}: pass"
        else:
            held = f"{self.metric} {shown}{change_note}: {self.describe()}: pass"
        return self._outcome(value, "pass", held, baseline)

    def _outcome(self, value: Any, status: str, sentence: str, baseline: Any):
        return Outcome(
            condition=self,
            value=_real(value),
            baseline=_real(baseline),
            status=status,
            sentence=sentence,
        )


@dataclass(frozen=True)
class Outcome:
    """What one condition said about one result."""

    condition: Condition
    value: float | None
    baseline: float | None
    status: str
    sentence: str

    @property
    def name(self) -> str:
        return self.condition.name

    def to_dict(self) -> dict[str, Any]:
        """The outcome as strict JSON (an infinite number becomes ``None``; the
        sentence still says ``∞``)."""
        return {
            "condition": self.condition.name,
            "metric": self.condition.metric,
            "value": _finite(self.value),
            "bound": _finite(self.condition.bound),
            "baseline": _finite(self.baseline),
            "status": self.status,
            "sentence": self.sentence,
            "why": self.condition.why,
        }


def _finite(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else x


def as_conditions(conditions: Any, *, argument: str = "conditions") -> tuple:
    """Validate a user's ``conditions=``: a Condition or an iterable of them.

    Raises
    ------
    MlnbValueError
        ``conditions`` is not a Condition or an iterable of them (a string, a dict,
        ``None``, a number) or holds something else.
    """
    if isinstance(conditions, Condition):
        return (conditions,)
    if isinstance(conditions, (str, bytes, Mapping)) or not isinstance(
        conditions, Iterable
    ):
        raise MlnbValueError(
            f"{argument} must be a list of mlnb.Condition, e.g. "
            f"[mlnb.Condition('roc_auc', '>=', 0.8)]; got {type(conditions).__name__}"
        )
    out = tuple(conditions)
    for i, c in enumerate(out):
        if not isinstance(c, Condition):
            shown = repr(c) if isinstance(c, (str, numbers.Number)) else ""
            shown = shown if len(shown) <= 40 else shown[:37] + "..."
            raise MlnbValueError(
                f"{argument} must hold mlnb.Condition objects; item {i} is a "
                f"{type(c).__name__}{' ' + shown if shown else ''}. Wrap each rule: "
                f"[mlnb.Condition('roc_auc', '>=', 0.8)]"
            )
    return out


def evaluate(
    conditions: Iterable[Condition],
    values: Mapping[str, Any],
    *,
    baseline: Mapping[str, Any] | None = None,
    check: str = "",
) -> tuple[Outcome, ...]:
    """Judge each condition against ``values`` (and ``baseline`` values).

    Raises
    ------
    MlnbValueError
        A condition names a value the check does not have; the message lists the
        ones it has.
    """
    out = []
    for c in conditions:
        if c.metric not in values:
            what = f"{check}() results" if check else "this result"
            can = ", ".join(sorted(map(str, values))) or "(none)"
            raise MlnbValueError(
                f"condition {c.name!r} reads {c.metric!r}, which {what} do not have; "
                f"conditions can use: {can}"
            )
        base = None if baseline is None else baseline.get(c.metric)
        out.append(c.evaluate(values[c.metric], base))
    return tuple(out)


def decide(
    outcomes: Iterable[Outcome], default: str = "info"
) -> tuple[str, Outcome | None]:
    """The worst status and the first outcome that has it (the one that decided:
    among equally severe outcomes the first one whose value is defined wins, so a
    condition that does not apply — an undefined value passed by
    ``if_undefined="pass"`` — never speaks for a result); ``(default, None)`` when
    there are no outcomes."""

    def rank(o: Outcome) -> tuple[int, int]:
        return SEVERITY[o.status], o.value is not None

    best: Outcome | None = None
    for o in outcomes:
        if best is None or rank(o) > rank(best):
            best = o
    return (default, None) if best is None else (best.status, best)


def outcomes_frame(outcomes: Iterable[Outcome]):
    """``.conditions`` of a result: one row per condition, in order, with columns
    ``condition`` (its name), ``metric``, ``value``, ``bound``, ``baseline``,
    ``status`` and ``sentence`` (``None`` where a number is missing or infinite)."""
    import pandas as pd

    rows = [o.to_dict() for o in outcomes]
    cols = ["condition", "metric", "value", "bound", "baseline", "status", "sentence"]
    frame = pd.DataFrame(rows, columns=cols)
    for col in ("value", "bound", "baseline"):  # numbers, None shown as NaN
        frame[col] = frame[col].astype("float64")
    return frame
