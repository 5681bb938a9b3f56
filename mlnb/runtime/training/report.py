"""What a training script calls: :func:`report` its metrics, read its :func:`params`.

The same script runs unchanged in three places:

- a local trial of :func:`mlnb.train.launch` (the environment has
  ``MLNB_TRAIN_METRICS``): one JSON line per call,
  ``{"step": 3, "time": 1733140000.1, "metrics": {"accuracy": 0.91}}``;
- a Vertex AI hyperparameter tuning trial (``CLOUD_ML_TRIAL_ID`` or
  ``CLOUD_ML_HP_METRIC_FILE`` is set): the *hypertune* convention Vertex AI reads —
  one JSON object per line in ``CLOUD_ML_HP_METRIC_FILE`` (default
  ``/tmp/hypertune/output.metrics``) with ``timestamp``, ``trial``, ``global_step``
  and each metric tag. Google's ``cloudml-hypertune`` package, which wrote these
  lines, has had no release since 2019, so these few lines write them the way it
  did (values as text, ``global_step`` as integer text, at most 100 lines kept);
- anywhere else: one printed line, so the user sees the numbers.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Mapping, Sequence
from numbers import Real
from typing import Any

from ...errors import MlnbValueError

__all__ = ["report", "params", "METRICS_ENV", "HYPERTUNE_FILE_ENV", "HYPERTUNE_DEFAULT"]

METRICS_ENV = "MLNB_TRAIN_METRICS"
HYPERTUNE_FILE_ENV = "CLOUD_ML_HP_METRIC_FILE"
HYPERTUNE_TRIAL_ENV = "CLOUD_ML_TRIAL_ID"
HYPERTUNE_DEFAULT = "/tmp/hypertune/output.metrics"
#: cloudml-hypertune kept the newest 100 lines of its metrics file.
HYPERTUNE_MAX_LINES = 100


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        try:  # numpy scalars and 0-d arrays
            import numpy as np

            if (
                isinstance(value, np.ndarray)
                and value.shape == ()
                or isinstance(value, np.generic)
            ):
                value = value.item()
        except ImportError:  # pragma: no cover
            pass
    if isinstance(value, bool) or not isinstance(value, Real):
        raise MlnbValueError(
            f"report({name}=...) takes a number, got {type(value).__name__} "
            f"{value!r}; pass a float, e.g. report({name}=float(x))"
        )
    value = float(value)
    if not math.isfinite(value):
        raise MlnbValueError(
            f"report({name}=...) got {value!r}, not a finite number; report a finite "
            f"value (a diverged run shows as NaN: check the learning rate)"
        )
    return value


def report(step: int | None = None, **metrics: float) -> None:
    """Report metrics from a training script (locally, on Vertex AI, or anywhere).

    Parameters
    ----------
    step:
        The training step or epoch the metrics belong to (``None``: a final value).
    **metrics:
        Metric name -> finite number, e.g. ``accuracy=0.91, loss=0.2``.

    Raises
    ------
    MlnbValueError
        No metric given, a value that is not a finite number, or a step that is not
        a non-negative integer.

    Examples
    --------
    >>> import mlnb.train
    >>> for epoch in range(3):  # doctest: +SKIP
    ...     mlnb.train.report(step=epoch, accuracy=0.8 + epoch / 100)
    """
    if not metrics:
        raise MlnbValueError(
            "report() got no metrics; pass them by name, e.g. report(accuracy=0.91)"
        )
    if step is not None:
        if isinstance(step, bool) or not isinstance(step, int):
            try:
                import numpy as np

                if isinstance(step, np.integer):
                    step = int(step)
            except ImportError:  # pragma: no cover
                pass
        if isinstance(step, bool) or not isinstance(step, int) or step < 0:
            raise MlnbValueError(
                f"report(step=...) takes a non-negative integer, got "
                f"{type(step).__name__} {step!r}; pass the epoch or step number"
            )
    values = {name: _number(name, v) for name, v in metrics.items()}
    now = time.time()
    path = os.environ.get(METRICS_ENV)
    if path:
        line = json.dumps({"step": step, "time": now, "metrics": values})
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
        return
    if os.environ.get(HYPERTUNE_TRIAL_ENV) or os.environ.get(HYPERTUNE_FILE_ENV):
        _hypertune(step, values, now)
        return
    where = "" if step is None else f"step {step}: "
    shown = ", ".join(f"{k}={v:.6g}" for k, v in values.items())
    print(f"[mlnb.train.report] {where}{shown}", flush=True)


def _hypertune(step: int | None, values: dict[str, float], now: float) -> None:
    path = os.environ.get(HYPERTUNE_FILE_ENV) or HYPERTUNE_DEFAULT
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    trial = os.environ.get(HYPERTUNE_TRIAL_ENV, "")
    body: dict[str, Any] = {
        "timestamp": now,
        "trial": str(trial),
        "global_step": str(int(step) if step is not None else 0),
        "checkpoint_path": "",
    }
    for name, value in values.items():
        body[name] = repr(value)
    try:
        with open(path, encoding="utf-8") as fh:
            lines = [line for line in fh.read().splitlines() if line.strip()]
    except FileNotFoundError:
        lines = []
    lines.append(json.dumps(body))
    lines = lines[-HYPERTUNE_MAX_LINES:]
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    os.replace(tmp, path)


_TRUE = {"true", "1", "yes", "y", "on"}
_FALSE = {"false", "0", "no", "n", "off"}


def _guess(text: str) -> Any:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    if text in ("True", "False"):
        return text == "True"
    return text


def _typed(name: str, text: str, default: Any) -> Any:
    if default is None:
        return _guess(text)
    try:
        if isinstance(default, bool):
            low = text.strip().lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise ValueError(text)
        if isinstance(default, int):
            return int(text)
        if isinstance(default, float):
            return float(text)
    except ValueError:
        raise MlnbValueError(
            f"the argument --{name}={text} is not a {type(default).__name__} like its "
            f"default {default!r}; pass --{name}=<{type(default).__name__}>"
        ) from None
    return text


def params(
    defaults: Mapping[str, Any] | None = None, argv: Sequence[str] | None = None
) -> dict[str, Any]:
    """The ``--name=value`` arguments a trial got, typed like ``defaults``.

    Parameters
    ----------
    defaults:
        Name -> default value; a parsed value takes the default's type (bool, int,
        float, text). Names without a default are read as int, float, bool or text,
        whichever fits first.
    argv:
        The arguments to read (default ``sys.argv[1:]``). ``--name value`` works too;
        other arguments are ignored.

    Returns
    -------
    dict
        The defaults updated with what the command line gave.

    Examples
    --------
    >>> params({"lr": 0.1, "depth": 3}, argv=["--lr=0.01"])
    {'lr': 0.01, 'depth': 3}
    """
    out = dict(defaults or {})
    args = list(sys.argv[1:] if argv is None else argv)
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if not isinstance(arg, str) or not arg.startswith("--") or len(arg) < 3:
            continue
        body = arg[2:]
        if "=" in body:
            name, text = body.split("=", 1)
        elif i < len(args) and not str(args[i]).startswith("--"):
            name, text = body, str(args[i])
            i += 1
        else:
            name, text = body, "True"
        name = name.replace("-", "_")
        out[name] = _typed(name, text, (defaults or {}).get(name))
    return out
