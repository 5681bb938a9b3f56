"""The gate's thresholds: value bounds and change bounds against a baseline.

They follow TensorFlow Model Analysis' ``MetricThreshold`` (``tfma.MetricThreshold``
in ``tensorflow_model_analysis/proto/config.proto``, checked by
``tensorflow_model_analysis/evaluators/metrics_validator.py``), which TFX's
Evaluator uses to *bless* a model, and MLflow's ``MetricThreshold``
(``threshold``, ``min_absolute_change``, ``min_relative_change``,
``greater_is_better``):

``ValueThreshold(metric, lower=, upper=)``
    TFMA's ``GenericValueThreshold``,
    holds when ``lower <= candidate <= upper`` (both ends included; a missing end is
    ``-inf`` / ``+inf``).

``ChangeThreshold(metric, absolute=, relative=, direction=)``
    TFMA's ``GenericChangeThreshold``, with ``diff = candidate - baseline`` and
    ``ratio = diff / |baseline|``:

    ==================== ======================================================
    direction            holds when
    ==================== ======================================================
    ``higher_is_better`` ``diff >= absolute`` and ``ratio >= relative``
    ``lower_is_better``  ``diff <= absolute`` and ``ratio <= relative``
    ==================== ======================================================

    A missing ``absolute`` / ``relative`` is no constraint. So
    ``ChangeThreshold("roc_auc", absolute=-0.01)`` lets ROC AUC fall by at most
    0.01, ``absolute=0.01`` demands a gain of at least 0.01, and
    ``ChangeThreshold("log_loss", relative=0.05)`` lets log loss rise by at most 5%.
    ``direction`` defaults to the metric registry's ``higher_is_better``.

Differences from TFMA, all on the side of caution: without a baseline a change
threshold is an error (TFMA needs a baseline model too), never a pass; a relative
change from a baseline of 0 is undefined (TFMA: NaN, which fails) and blocks the
blessing; the ratio divides by ``|baseline|`` so that a negative baseline (R² can
be one) keeps the direction's meaning (TFMA divides by the signed baseline).

Each threshold becomes :class:`mlnb.core.conditions.Condition` objects over the
candidate's value (value thresholds) or over ``<metric>_change`` /
``<metric>_relative_change`` (change thresholds), with ``if_undefined="fail"``: the
gate's statuses come from those conditions.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...core import metrics as M
from ...core.conditions import Condition
from ...errors import MlnbValueError

__all__ = [
    "ValueThreshold",
    "ChangeThreshold",
    "OVERALL",
    "as_thresholds",
    "threshold_from_dict",
    "threshold_to_json",
]

#: ``slice=`` value that restricts a threshold to the whole data set.
OVERALL = "overall"
DIRECTIONS = ("higher_is_better", "lower_is_better")

_TFMA_VALUE = (
    "TFMA GenericValueThreshold (metrics_validator.py): lower_bound <= value <= "
    "upper_bound; TFX's Evaluator blesses a model only if every threshold holds"
)
_TFMA_CHANGE = (
    "TFMA GenericChangeThreshold (metrics_validator.py): candidate - baseline (and "
    "that change / baseline) must be on the direction's side of the bound"
)


def _number(v: Any, what: str, example: str) -> float | None:
    if v is None:
        return None
    bad = isinstance(v, bool) or not isinstance(v, numbers.Real)
    f = math.nan if bad else float(v)
    if math.isnan(f):
        raise MlnbValueError(
            f"{what} must be a number (not NaN), e.g. {example}; got {v!r}"
        )
    return f


def _check_metric(metric: Any, cls: str) -> Any:
    if not isinstance(metric, str) or not metric:
        raise MlnbValueError(
            f"{cls} metric must be a metric name, e.g. {cls}('roc_auc', ...); got "
            f"{metric!r}"
        )
    m = M.get(metric)  # unknown: the message lists the registered metrics
    if m.higher_is_better is None:
        raise MlnbValueError(
            f"{cls}({metric!r}): {metric} is descriptive (it has no better direction) "
            f"and cannot gate a model; use one of {', '.join(sorted(_judging()))}"
        )
    return m


def _judging() -> list[str]:
    """The metrics of every task that have a better direction."""
    return sorted({n for task in M.TASKS for n in M.goals(task)})


def _check_slice(value: Any, cls: str, metric: str) -> Any:
    if value is None or value == OVERALL:
        return value
    if isinstance(value, Mapping):
        if len(value) != 1:
            raise MlnbValueError(
                f"{cls}({metric!r}): slice must name one slice, e.g. "
                f"slice={{'sex': 'F'}}; got a dict of {len(value)} items"
            )
        ((col, val),) = value.items()
        return (col, val)
    if isinstance(value, tuple) and len(value) == 2:
        return value
    raise MlnbValueError(
        f"{cls}({metric!r}): slice must be None (overall and every slice), "
        f"'overall', (column, value) or {{column: value}}, e.g. slice=('sex', 'F'); "
        f"got {value!r}"
    )


def slice_text(s: Any) -> str:
    """``overall`` or ``column=value``."""
    if s is None or s == OVERALL:
        return OVERALL
    col, val = s
    col = " × ".join(map(str, col)) if isinstance(col, tuple) else str(col)
    val = " × ".join(map(str, val)) if isinstance(val, tuple) else str(val)
    return f"{col}={val}"


def _fmt(x: float | None) -> str:
    if x is None:
        return ""
    return f"{x:+.4g}" if x else "0"


@dataclass(frozen=True)
class ValueThreshold:
    """The candidate's metric must lie within ``[lower, upper]`` (TFMA's
    ``GenericValueThreshold``; both ends included).

    Parameters
    ----------
    metric:
        A metric of the registry (:mod:`mlnb.core.metrics`) with a direction.
    lower, upper:
        The bounds; give at least one.
    slice:
        ``None`` (default): judged overall and on every slice of ``gate(slices=)``;
        ``"overall"``: the whole data set only; ``(column, value)`` or
        ``{column: value}``: that one slice (crossed slices: a tuple of columns and
        a tuple of values).
    """

    metric: str
    lower: float | None = None
    upper: float | None = None
    slice: Any = None

    kind = "value"

    def __post_init__(self) -> None:
        _check_metric(self.metric, "ValueThreshold")
        lo = _number(self.lower, f"ValueThreshold({self.metric!r}): lower", "lower=0.8")
        hi = _number(self.upper, f"ValueThreshold({self.metric!r}): upper", "upper=0.3")
        if lo is None and hi is None:
            raise MlnbValueError(
                f"ValueThreshold({self.metric!r}) has no bound: give lower= (e.g. "
                f"lower=0.8) or upper= (e.g. upper=0.3)"
            )
        if lo is not None and hi is not None and lo > hi:
            raise MlnbValueError(
                f"ValueThreshold({self.metric!r}): lower {lo:g} is above upper {hi:g}; "
                "no value can hold. Swap them"
            )
        object.__setattr__(self, "lower", lo)
        object.__setattr__(self, "upper", hi)
        object.__setattr__(
            self, "slice", _check_slice(self.slice, "ValueThreshold", self.metric)
        )

    def describe(self) -> str:
        """The bound in words: ``0.8 <= roc_auc``, ``roc_auc <= 0.3``."""
        if self.lower is not None and self.upper is not None:
            return f"{self.lower:g} <= {self.metric} <= {self.upper:g}"
        if self.lower is not None:
            return f"{self.metric} >= {self.lower:g}"
        return f"{self.metric} <= {self.upper:g}"

    def conditions(self, where: str) -> tuple[Condition, ...]:
        """The core conditions over the candidate's value on slice ``where``."""
        out = []
        for op, b in ((">=", self.lower), ("<=", self.upper)):
            if b is not None:
                out.append(
                    Condition(
                        self.metric,
                        op,
                        b,
                        if_undefined="fail",
                        name=f"{self.metric} {op} {b:g} [{where}]",
                        why=_TFMA_VALUE,
                    )
                )
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "value",
            "metric": self.metric,
            "lower": self.lower,
            "upper": self.upper,
            "slice": None if self.slice is None else slice_text(self.slice),
        }

    @classmethod
    def from_dict(cls, data: Any) -> ValueThreshold:
        """The threshold ``data`` describes (:meth:`to_dict`'s or
        :func:`threshold_to_json`'s output).

        Raises
        ------
        MlnbValueError
            ``data`` is not a value threshold's dict, or a field is invalid.
        """
        t = threshold_from_dict(data)
        if not isinstance(t, cls):
            raise MlnbValueError(
                f'ValueThreshold.from_dict needs "kind": "value"; got a {t.kind} '
                "threshold — use ChangeThreshold.from_dict or threshold_from_dict"
            )
        return t


@dataclass(frozen=True)
class ChangeThreshold:
    """The candidate's metric against the baseline's (TFMA's
    ``GenericChangeThreshold``): with ``diff = candidate - baseline``,
    ``higher_is_better`` holds when ``diff >= absolute`` and
    ``diff / |baseline| >= relative``; ``lower_is_better`` when both are ``<=``.

    Parameters
    ----------
    metric:
        A metric of the registry (:mod:`mlnb.core.metrics`) with a direction.
    absolute, relative:
        Bounds on the change and on the change relative to ``|baseline|``; give at
        least one. ``absolute=-0.01`` with higher-is-better: may fall by 0.01 at
        most; ``absolute=0.01``: must gain 0.01 at least.
    direction:
        ``"higher_is_better"`` or ``"lower_is_better"``; default from the metric
        registry.
    slice:
        As :class:`ValueThreshold`.
    """

    metric: str
    absolute: float | None = None
    relative: float | None = None
    direction: str | None = None
    slice: Any = None

    kind = "change"

    def __post_init__(self) -> None:
        m = _check_metric(self.metric, "ChangeThreshold")
        name = f"ChangeThreshold({self.metric!r})"
        a = _number(self.absolute, f"{name}: absolute", "absolute=-0.01")
        r = _number(self.relative, f"{name}: relative", "relative=-0.02")
        if a is None and r is None:
            raise MlnbValueError(
                f"{name} has no bound: give absolute= (e.g. absolute=-0.01: may fall "
                f"by 0.01 at most) or relative= (e.g. relative=-0.02: by 2% at most)"
            )
        d = self.direction
        own = DIRECTIONS[0] if m.higher_is_better else DIRECTIONS[1]
        if d is None:
            d = own
        elif d not in DIRECTIONS:
            raise MlnbValueError(
                f"{name}: direction must be 'higher_is_better' or 'lower_is_better' "
                f"(default: the metric's, here {own!r}); got {d!r}"
            )
        object.__setattr__(self, "absolute", a)
        object.__setattr__(self, "relative", r)
        object.__setattr__(self, "direction", d)
        object.__setattr__(
            self, "slice", _check_slice(self.slice, "ChangeThreshold", self.metric)
        )

    @property
    def higher_is_better(self) -> bool:
        return self.direction == DIRECTIONS[0]

    def describe(self) -> str:
        """The bound in words: ``roc_auc change >= -0.01``."""
        op = ">=" if self.higher_is_better else "<="
        parts = []
        if self.absolute is not None:
            parts.append(f"{self.metric} change {op} {_fmt(self.absolute)}")
        if self.relative is not None:
            parts.append(f"{self.metric} relative change {op} {self.relative:+.4g}")
        return " and ".join(parts)

    def conditions(self, where: str) -> tuple[Condition, ...]:
        """The core conditions over ``<metric>_change`` and
        ``<metric>_relative_change`` on slice ``where``."""
        op = ">=" if self.higher_is_better else "<="
        out = []
        for suffix, b in (
            ("change", self.absolute),
            ("relative_change", self.relative),
        ):
            if b is not None:
                out.append(
                    Condition(
                        f"{self.metric}_{suffix}",
                        op,
                        b,
                        if_undefined="fail",
                        name=f"{self.metric} {suffix.replace('_', ' ')} {op} {b:+g} "
                        f"[{where}]",
                        why=_TFMA_CHANGE,
                    )
                )
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "change",
            "metric": self.metric,
            "absolute": self.absolute,
            "relative": self.relative,
            "direction": self.direction,
            "slice": None if self.slice is None else slice_text(self.slice),
        }

    @classmethod
    def from_dict(cls, data: Any) -> ChangeThreshold:
        """The threshold ``data`` describes (:meth:`to_dict`'s or
        :func:`threshold_to_json`'s output).

        Raises
        ------
        MlnbValueError
            ``data`` is not a change threshold's dict, or a field is invalid.
        """
        t = threshold_from_dict(data)
        if not isinstance(t, cls):
            raise MlnbValueError(
                f'ChangeThreshold.from_dict needs "kind": "change"; got a {t.kind} '
                "threshold — use ValueThreshold.from_dict or threshold_from_dict"
            )
        return t


_FIELDS = {
    "value": ("metric", "lower", "upper", "slice"),
    "change": ("metric", "absolute", "relative", "direction", "slice"),
}


def _tuples(v: Any) -> Any:
    """JSON lists back to the tuples a crossed slice is made of."""
    if isinstance(v, list):
        return tuple(_tuples(x) for x in v)
    return v


def _slice_from_json(value: Any) -> Any:
    if value is None or value == OVERALL or isinstance(value, Mapping):
        return value
    if isinstance(value, str):
        # slice_text's "column=value" (crossed: "a × b=x × y"); values come back as
        # text, which the gate matches against a slice's value as shown
        col, sep, val = value.partition("=")
        if not sep:
            return value  # rejected by the threshold with its own message
        parts = (col.split(" × "), val.split(" × "))
        if len(parts[0]) > 1 and len(parts[0]) == len(parts[1]):
            return tuple(parts[0]), tuple(parts[1])
        return col, val
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return _tuples(value[0]), _tuples(value[1])
    return value


def threshold_from_dict(data: Any) -> ValueThreshold | ChangeThreshold:
    """The :class:`ValueThreshold` or :class:`ChangeThreshold` a dict describes, as
    ``to_dict()`` or :func:`threshold_to_json` wrote it (``"kind"`` picks the class).

    ``to_dict()`` writes a slice as text (``"sex=F"``), so a slice value comes back
    as a string (the gate matches it against the slice's value as shown);
    :func:`threshold_to_json` keeps the value's JSON type.

    Raises
    ------
    MlnbValueError
        Not a dict, an unknown ``kind``, unknown fields, or an invalid value.
    """
    if not isinstance(data, Mapping):
        raise MlnbValueError(
            'a threshold dict must be a JSON object such as {"kind": "value", '
            f'"metric": "roc_auc", "lower": 0.8}}; got {type(data).__name__}'
        )
    kind = data.get("kind")
    if kind not in _FIELDS:
        raise MlnbValueError(
            f'a threshold dict needs "kind": "value" or "change"; got {kind!r}'
        )
    extra = sorted(set(map(str, data)) - set(_FIELDS[kind]) - {"kind"})
    if extra:
        raise MlnbValueError(
            f"a {kind} threshold dict has unknown field(s) {', '.join(extra)}; "
            f"known fields: kind, {', '.join(_FIELDS[kind])}"
        )
    if "metric" not in data:
        raise MlnbValueError(
            f'a {kind} threshold dict needs "metric", e.g. "metric": "roc_auc"'
        )
    kw = {k: data[k] for k in _FIELDS[kind] if k in data}
    kw["slice"] = _slice_from_json(kw.get("slice"))
    cls = ValueThreshold if kind == "value" else ChangeThreshold
    return cls(**kw)


def threshold_to_json(t: ValueThreshold | ChangeThreshold) -> dict[str, Any]:
    """``t.to_dict()`` with the slice as ``[column, value]`` (JSON types kept, a
    crossed slice as two lists), so :func:`threshold_from_dict` rebuilds ``t``
    exactly — the form thresholds travel in between pipeline steps."""
    out = t.to_dict()
    s = t.slice
    if s is not None and s != OVERALL:
        col, val = s
        out["slice"] = [
            list(col) if isinstance(col, tuple) else col,
            list(val) if isinstance(val, tuple) else val,
        ]
    return out


def as_thresholds(thresholds: Any) -> tuple:
    """Validate ``gate(thresholds=)``: one threshold or a non-empty list of them.

    Raises
    ------
    MlnbValueError
        None or empty (the gate never blesses by default), or something that is
        not a :class:`ValueThreshold` / :class:`ChangeThreshold`.
    """
    example = (
        "thresholds=[ValueThreshold('roc_auc', lower=0.8), "
        "ChangeThreshold('roc_auc', absolute=-0.01)]"
    )
    if isinstance(thresholds, (ValueThreshold, ChangeThreshold)):
        return (thresholds,)
    if thresholds is None or isinstance(thresholds, (str, bytes, Mapping)):
        got = "None" if thresholds is None else type(thresholds).__name__
        raise MlnbValueError(
            f"thresholds must list what the candidate has to meet (a gate without "
            f"thresholds would bless anything), e.g. {example}; got {got}"
        )
    try:
        out = tuple(thresholds)
    except TypeError:
        raise MlnbValueError(
            f"thresholds must be a list of ValueThreshold / ChangeThreshold, e.g. "
            f"{example}; got {type(thresholds).__name__}"
        ) from None
    if not out:
        raise MlnbValueError(
            f"thresholds is empty: a gate without thresholds would bless anything; "
            f"give at least one, e.g. {example}"
        )
    for i, t in enumerate(out):
        if not isinstance(t, (ValueThreshold, ChangeThreshold)):
            hint = ""
            if isinstance(t, Condition):
                hint = (
                    " (a Condition judges a check's result; the gate takes "
                    "ValueThreshold / ChangeThreshold)"
                )
            raise MlnbValueError(
                f"thresholds must hold ValueThreshold / ChangeThreshold objects; item "
                f"{i} is a {type(t).__name__}{hint}, e.g. {example}"
            )
    return out
