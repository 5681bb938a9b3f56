"""Runs a callable target as a local trial: ``python -m mlnb.runtime.training._entry``.

Arguments: ``--target module:qualname`` (an importable function) or ``--pickle PATH``
(a cloudpickled one, for functions defined in a notebook), ``--params PATH`` (a JSON
dict of keyword arguments) and ``--metric NAME`` (the name a returned number is
reported under). A returned number is reported as the final value of the metric, a
returned dict of numbers as final metrics; anything else is left alone.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from importlib import import_module
from numbers import Real
from typing import Any


def load_target(target: str | None, pickle_path: str | None) -> Any:
    """The callable named by ``module:qualname`` or stored in a cloudpickle file."""
    if pickle_path:
        import cloudpickle

        with open(pickle_path, "rb") as fh:
            return cloudpickle.load(fh)
    module, _, qualname = (target or "").partition(":")
    obj: Any = import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _finite(value: Any) -> bool:
    return (
        isinstance(value, Real)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mlnb.runtime.training._entry")
    parser.add_argument("--target")
    parser.add_argument("--pickle")
    parser.add_argument("--params", required=True)
    parser.add_argument("--metric", default=None)
    ns, rest = parser.parse_known_args(argv)
    with open(ns.params, encoding="utf-8") as fh:
        params = json.load(fh)
    fn = load_target(ns.target, ns.pickle)
    sys.argv = [getattr(fn, "__name__", "target"), *rest]
    out = fn(**params)
    from .report import report

    try:  # numpy scalars
        import numpy as np

        if isinstance(out, np.generic):
            out = out.item()
    except ImportError:  # pragma: no cover
        pass
    if _finite(out):
        report(**{ns.metric or "value": float(out)})
    elif isinstance(out, dict):
        numbers = {str(k): float(v) for k, v in out.items() if _finite(v)}
        if numbers:
            report(**numbers)
    return 0


if __name__ == "__main__":  # pragma: no cover - run in the trial's process
    sys.exit(main())
