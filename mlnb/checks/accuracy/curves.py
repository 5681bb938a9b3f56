"""The learning curve, and whether more data would help.

The curve is scikit-learn's ``learning_curve`` with ``shuffle=False``, computed one
fit at a time so it can show progress and be interrupted: the folds are the same,
each tick trains on the first ``n`` rows of a fold's training indices
(``train[:n]``), and the sizes are translated from fractions exactly as
scikit-learn does.

"Would more data help" reads the end of the curve: per fold, the slope of the
validation score against ``log(train size)`` over the last :data:`SLOPE_POINTS`
sizes; their mean (and its standard error across folds) extrapolated to twice the
data gives ``slope * log(2)``. The assumption, stated with the number: the score
keeps growing linearly in log(train size) as it did over those sizes; learning
curves flatten as they approach the best the model can do, so this is an upper
estimate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import MlnbValueError
from .engine import Fit

__all__ = [
    "DEFAULT_TRAIN_SIZES",
    "SLOPE_POINTS",
    "train_sizes_abs",
    "curve_jobs",
    "curve_frame",
    "MoreData",
    "more_data",
]

#: scikit-learn's default sizes: 10% to 100% of a fold's training rows, 5 steps.
DEFAULT_TRAIN_SIZES = (0.1, 0.325, 0.55, 0.775, 1.0)
#: The slope is read over this many of the largest sizes.
SLOPE_POINTS = 3
ASSUMPTION = (
    "the validation score keeps rising linearly in log(training size) as over the "
    "last sizes; curves flatten, so this is an upper estimate"
)


def train_sizes_abs(train_sizes: Any, n_max: int) -> np.ndarray:
    """Absolute sizes, as scikit-learn's ``learning_curve`` translates them
    (fractions of ``n_max`` truncated to int and clipped to [1, n_max]; duplicates
    dropped)."""
    if train_sizes is None:
        train_sizes = np.linspace(0.1, 1.0, 5)
    try:
        sizes = np.asarray(train_sizes)
    except Exception:  # noqa: BLE001
        sizes = np.asarray([], dtype=object)
    if sizes.ndim != 1 or len(sizes) == 0 or sizes.dtype.kind not in "iuf":
        raise MlnbValueError(
            "train_sizes must be a list of fractions in (0, 1] (e.g. [0.1, 0.5, 1.0]) "
            f"or of row counts; got {train_sizes!r:.80}"
        )
    if sizes.dtype.kind == "f":
        if not (
            np.all(np.isfinite(sizes)) and sizes.min() > 0.0 and sizes.max() <= 1.0
        ):
            raise MlnbValueError(
                "train_sizes as fractions must lie in (0, 1] (shares of a fold's "
                f"{n_max:,} training rows); got {sizes.tolist()!r:.80}"
            )
        sizes = (sizes * n_max).astype(int)
        sizes = np.clip(sizes, 1, n_max)
    elif sizes.min() <= 0 or sizes.max() > n_max:
        raise MlnbValueError(
            f"train_sizes as row counts must lie in [1, {n_max:,}] (a fold's training "
            f"rows); got {sizes.tolist()!r:.80}. Pass fractions in (0, 1] instead"
        )
    return np.unique(sizes)


def curve_jobs(inp: Any, sizes: np.ndarray, *, keep_full: bool) -> list[Fit]:
    """One job per (fold, size), fold-major as scikit-learn orders them."""
    jobs = []
    for tr, te in inp.splits:
        for n in sizes:
            jobs.append(
                Fit(
                    inp.estimator,
                    inp.X,
                    inp.y,
                    tr[:n],
                    te,
                    inp.scorer,
                    train_score=True,
                    keep=keep_full and n == len(tr),
                )
            )
    return jobs


def curve_frame(sizes: np.ndarray, train: np.ndarray, valid: np.ndarray):
    """The learning-curve frame from ``(n_sizes, n_folds)`` score arrays: the mean
    and standard deviation (numpy's, ``ddof=0``) over the folds."""
    import pandas as pd

    if train.size == 0:
        train = valid = np.empty((len(sizes), 1))
    with np.errstate(all="ignore"):
        return pd.DataFrame(
            {
                "train_size": sizes.astype(np.int64),
                "train_score": train.mean(axis=1),
                "valid_score": valid.mean(axis=1),
                "train_score_std": train.std(axis=1),
                "valid_score_std": valid.std(axis=1),
            }
        )


@dataclass(frozen=True)
class MoreData:
    """What doubling the training data would give, by the end of the curve."""

    slope: float
    slope_se: float
    gain: float
    gain_se: float
    current: float
    expected: float
    n_points: int
    assumption: str = ASSUMPTION

    @property
    def z(self) -> float:
        if not (self.gain_se > 0):
            return (
                math.nan
                if math.isnan(self.gain)
                else (0.0 if self.gain == 0 else math.copysign(math.inf, self.gain))
            )
        return self.gain / self.gain_se

    def sentence(self, scoring: str) -> str:
        if math.isnan(self.gain):
            return "not enough learning-curve points to extrapolate"
        return (
            f"{scoring} rose {self.slope:+.4g} per doubling of the training rows over "
            f"the last {self.n_points} sizes; at 2x data expect {self.expected:.4g} "
            f"({self.gain:+.4g} ± {self.gain_se:.2g}) if {self.assumption}"
        )


def more_data(
    sizes: np.ndarray, valid: np.ndarray, *, perfect: float = math.nan
) -> MoreData:
    """Slope of the validation score against ``log2(train size)`` over the last
    :data:`SLOPE_POINTS` sizes (per fold, then averaged) and the gain at 2x data."""
    k = min(SLOPE_POINTS, len(sizes))
    current = float(np.nanmean(valid[-1])) if valid.size else math.nan
    if k < 2:
        return MoreData(math.nan, math.nan, math.nan, math.nan, current, math.nan, k)
    x = np.log2(sizes[-k:].astype(np.float64))
    slopes = []
    for f in range(valid.shape[1]):
        yv = valid[-k:, f]
        if np.all(np.isfinite(yv)):
            slopes.append(float(np.polyfit(x, yv, 1)[0]))
    if not slopes:
        return MoreData(math.nan, math.nan, math.nan, math.nan, current, math.nan, k)
    slope = float(np.mean(slopes))
    se = (
        float(np.std(slopes, ddof=1) / math.sqrt(len(slopes)))
        if len(slopes) > 1
        else (math.nan)
    )
    # log2: one unit of x is one doubling, so the gain at 2x data is the slope
    expected = current + slope
    if math.isfinite(perfect):
        expected = min(expected, perfect) if slope > 0 else expected
    return MoreData(slope, se, expected - current, se, current, expected, k)
