"""Is a difference between two models on the same folds more than fold noise?

Scores of two models on the same cross-validation folds are paired; their per-fold
differences ``d`` vary with the folds. The folds' training sets overlap, so the
plain standard error of ``mean(d)`` is too small: :func:`paired_gain` uses Nadeau &
Bengio's corrected resampled variance,
``(1/k + n_test/n_train) * var(d)`` (Nadeau, C. & Bengio, Y. (2003). *Inference for
the generalization error*. Machine Learning 52, 239-281). A gain counts as "beyond
fold noise" when it is more than :data:`NOISE_Z` corrected standard errors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Gain", "paired_gain", "NOISE_Z"]

#: A gain beyond this many corrected standard errors is more than fold noise
#: (about a one-sided 2.5% level for a normal statistic).
NOISE_Z = 2.0


@dataclass(frozen=True)
class Gain:
    """``mean`` gain of B over A, its corrected standard error ``se`` and
    ``z = mean / se`` (NaN with fewer than two usable folds)."""

    mean: float
    se: float
    z: float
    n_folds: int

    @property
    def beyond_noise(self) -> bool:
        return bool(self.z > NOISE_Z)


def paired_gain(a: np.ndarray, b: np.ndarray, *, test_to_train: float) -> Gain:
    """Gain of scores ``b`` over ``a`` on the same folds (folds where either is NaN
    are left out); ``test_to_train`` is ``n_test / n_train`` of a fold."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    ok = np.isfinite(a) & np.isfinite(b)
    d = b[ok] - a[ok]
    k = len(d)
    if k == 0:
        return Gain(math.nan, math.nan, math.nan, 0)
    mean = float(d.mean())
    if k < 2:
        return Gain(mean, math.nan, math.nan, k)
    var = float(d.var(ddof=1))
    se = math.sqrt((1.0 / k + test_to_train) * var)
    if se == 0.0:
        z = 0.0 if mean == 0.0 else math.copysign(math.inf, mean)
    else:
        z = mean / se
    return Gain(mean, se, z, k)
