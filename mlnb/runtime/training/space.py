"""The hyperparameter search space: one definition for both backends.

A space maps parameter names to :class:`Float`, :class:`Int` or :class:`Choice`.
The local backend samples it through Optuna (:meth:`Float.suggest` ...); the Vertex
backend turns the same objects into a study spec. :func:`search_space` also takes
the short spellings a notebook user types::

    {"lr": (1e-4, 1e-1, "log"), "depth": (2, 8), "kernel": ["rbf", "linear"], "seed": 0}

Names become ``--name=value`` arguments of the training script (:func:`to_args`),
so they must be Python identifiers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ...errors import MlnbValueError

__all__ = [
    "Float",
    "Int",
    "Choice",
    "Param",
    "search_space",
    "to_args",
    "is_search",
    "space_to_dict",
]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_CHOICE_TYPES = (str, int, float, bool)


def _real(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(frozen=True)
class Float:
    """A real-valued parameter in ``[low, high]``, sampled uniformly or on a log scale.

    Parameters
    ----------
    low, high:
        Finite bounds, ``low < high``.
    log:
        Sample on a log scale (needs ``low > 0``): right for learning rates and
        regularisation strengths that span decades.
    """

    low: float
    high: float
    log: bool = False
    kind: ClassVar[str] = "float"

    def __post_init__(self) -> None:
        _check_range(self, float)

    def suggest(self, trial: Any, name: str) -> float:
        """Sample this parameter from an Optuna trial."""
        return float(trial.suggest_float(name, self.low, self.high, log=self.log))

    def to_dict(self) -> dict:
        return {"kind": self.kind, "low": self.low, "high": self.high, "log": self.log}


@dataclass(frozen=True)
class Int:
    """An integer parameter in ``[low, high]`` (both included).

    Parameters
    ----------
    low, high:
        Integer bounds, ``low < high``.
    log:
        Sample on a log scale (needs ``low > 0``).
    """

    low: int
    high: int
    log: bool = False
    kind: ClassVar[str] = "int"

    def __post_init__(self) -> None:
        _check_range(self, int)

    def suggest(self, trial: Any, name: str) -> int:
        """Sample this parameter from an Optuna trial."""
        return int(trial.suggest_int(name, self.low, self.high, log=self.log))

    def to_dict(self) -> dict:
        return {"kind": self.kind, "low": self.low, "high": self.high, "log": self.log}


@dataclass(frozen=True)
class Choice:
    """A categorical parameter: one of ``values`` (text, integers, reals or booleans).

    A one-value choice is a fixed parameter: every trial gets it.
    """

    values: tuple
    kind: ClassVar[str] = "choice"

    def __post_init__(self) -> None:
        values = self.values
        if isinstance(values, (str, bytes)) or not isinstance(values, (list, tuple)):
            raise MlnbValueError(
                f"Choice(values=...) takes a list or tuple of values, got "
                f"{type(values).__name__} {values!r}; write "
                f"Choice(({values!r},)) for a fixed value"
            )
        values = tuple(values)
        object.__setattr__(self, "values", values)
        if not values:
            raise MlnbValueError(
                "Choice(values=...) got no values; give at least one, e.g. "
                "Choice(('a', 'b'))"
            )
        for v in values:
            if not isinstance(v, _CHOICE_TYPES) or (
                isinstance(v, float) and not math.isfinite(v)
            ):
                raise MlnbValueError(
                    "Choice(values=...) takes text, integers, finite reals or "
                    f"booleans, got {type(v).__name__} {v!r}; pass a value of one of "
                    "those types"
                )
        keys = [(type(v).__name__, v) for v in values]
        if len(set(keys)) != len(keys):
            raise MlnbValueError(
                f"Choice(values=...) got repeated values {list(values)!r}; list each "
                f"value once"
            )

    def suggest(self, trial: Any, name: str) -> Any:
        """Sample this parameter from an Optuna trial."""
        if len(self.values) == 1:
            return self.values[0]
        return trial.suggest_categorical(name, list(self.values))

    @property
    def fixed(self) -> bool:
        """True for a one-value choice."""
        return len(self.values) == 1

    def to_dict(self) -> dict:
        return {"kind": self.kind, "values": list(self.values)}


Param = Float | Int | Choice


def _check_range(p: Float | Int, typ: type) -> None:
    cls = type(p).__name__
    for field in ("low", "high"):
        v = getattr(p, field)
        ok = _real(v) and math.isfinite(v)
        if typ is int:
            ok = ok and (isinstance(v, int) or float(v).is_integer())
        if not ok:
            want = "an integer" if typ is int else "a finite number"
            raise MlnbValueError(
                f"{cls}({field}=...) must be {want}, got {type(v).__name__} {v!r}; "
                f"pass {want}"
            )
        object.__setattr__(p, field, typ(v))
    if not p.low < p.high:
        raise MlnbValueError(
            f"{cls}(low={p.low!r}, high={p.high!r}) needs low < high; swap "
            f"them, or use Choice(({p.low!r},)) for a fixed value"
        )
    if p.log and p.low <= 0:
        raise MlnbValueError(
            f"{cls}(low={p.low!r}, high={p.high!r}, log=True) needs low > 0 for a log "
            f"scale; raise low or pass log=False"
        )


def _one(name: str, spec: Any, argument: str) -> Param:
    if isinstance(spec, (Float, Int, Choice)):
        return spec
    try:
        if (
            isinstance(spec, tuple)
            and len(spec) in (2, 3)
            and all(_real(v) for v in spec[:2])
        ):
            if len(spec) == 3 and spec[2] != "log":
                raise MlnbValueError(
                    f"the third item of a range is 'log' or nothing, got {spec[2]!r}"
                )
            low, high = spec[0], spec[1]
            log = len(spec) == 3
            if isinstance(low, int) and isinstance(high, int):
                return Int(low, high, log=log)
            return Float(float(low), float(high), log=log)
        if isinstance(spec, (list, tuple)):
            return Choice(tuple(spec))
        if isinstance(spec, _CHOICE_TYPES):
            return Choice((spec,))
    except MlnbValueError as exc:
        raise MlnbValueError(
            f"{argument}[{name!r}]: {exc}. Write a range as (low, high) or "
            f"(low, high, 'log'), a choice as a list of values, or use "
            f"mlnb.train.Float/Int/Choice"
        ) from None
    raise MlnbValueError(
        f"{argument}[{name!r}] got {type(spec).__name__} {spec!r}; write a range as "
        f"(low, high) or (low, high, 'log'), a choice as a list of values, a fixed "
        f"value as a scalar, or use mlnb.train.Float/Int/Choice"
    )


def search_space(
    hyperparameters: Any, argument: str = "hyperparameters"
) -> dict[str, Param]:
    """Validate and normalise a search space.

    Parameters
    ----------
    hyperparameters:
        A mapping from parameter name to :class:`Float`, :class:`Int`,
        :class:`Choice`, ``(low, high)`` (an :class:`Int` when both are integers,
        else a :class:`Float`), ``(low, high, "log")``, a list of values (a
        :class:`Choice`) or a scalar (a fixed value). ``None`` is an empty space.
    argument:
        The argument name used in error messages.

    Returns
    -------
    dict
        Name to parameter, in the order given.

    Raises
    ------
    MlnbValueError
        A name that is not an identifier, or a value none of the above.
    """
    if hyperparameters is None:
        return {}
    if not isinstance(hyperparameters, Mapping):
        raise MlnbValueError(
            f"{argument} must be a dict of parameter name -> range or values, got "
            f"{type(hyperparameters).__name__}; e.g. {{'lr': (1e-4, 1e-1, 'log'), "
            f"'depth': (2, 8)}}"
        )
    out: dict[str, Param] = {}
    for name, spec in hyperparameters.items():
        if not isinstance(name, str) or not _NAME.match(name):
            raise MlnbValueError(
                f"{argument} has the parameter name {name!r}, which cannot be a "
                f"--name=value argument; use letters, digits and underscores, not "
                f"starting with a digit"
            )
        out[name] = _one(name, spec, argument)
    return out


def is_search(space: Mapping[str, Param]) -> bool:
    """True when the space has something to search (a range or a multi-value choice)."""
    return any(not (isinstance(p, Choice) and p.fixed) for p in space.values())


def space_to_dict(space: Mapping[str, Param]) -> dict:
    """The space as JSON-safe dicts (used to tell two searches apart)."""
    return {name: p.to_dict() for name, p in space.items()}


def _text(value: Any) -> str:
    if isinstance(value, float):
        return repr(value)
    return str(value)


def to_args(params: Mapping[str, Any]) -> list[str]:
    """Parameters as command-line arguments: ``{"lr": 0.01}`` -> ``["--lr=0.01"]``.

    Reals are written with ``repr`` so they read back exactly.
    """
    return [f"--{name}={_text(value)}" for name, value in params.items()]
