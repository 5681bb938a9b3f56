"""Confidence intervals used by the sliced metrics (all vectorised over slices).

Which interval each metric gets, and why:

- proportions (accuracy, precision, recall, FPR, FNR, label and prediction rate):
  Wilson score interval (Wilson 1927) — well behaved near 0 and 1 and for small n;
  with sample weights the effective sample size (Kish) replaces n; comparing two
  groups uses Agresti & Caffo's adjusted standard error;
- ROC AUC: Hanley & McNeil (1982) standard error, normal interval clipped to [0, 1];
- average precision (AUC-PR): logit interval of Boyd, Eng & Page (2013),
  ``logit(AP) ± z / sqrt(n_pos · AP · (1 − AP))``;
- F1 and macro F1: percentiles of draws from the Dirichlet posterior of the slice's
  confusion matrix (a Bayesian bootstrap on the counts; seeded, so repeatable);
- means (log loss, MAE, mean error, mean prediction): normal interval of the mean,
  ``± z · sd / sqrt(n_eff)``; RMSE: delta method on the MSE; calibration (ratio of
  two means): delta method.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

__all__ = [
    "z_value",
    "wilson",
    "hanley_mcneil_se",
    "normal",
    "logit_ap",
    "dirichlet_f1",
    "effective_n",
]


def z_value(confidence: float) -> float:
    return NormalDist().inv_cdf(0.5 + confidence / 2.0)


def effective_n(sum_w: np.ndarray, sum_w2: np.ndarray | None) -> np.ndarray:
    """Kish's effective sample size ``(Σw)² / Σw²`` (n itself when unweighted)."""
    if sum_w2 is None:
        return np.asarray(sum_w, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sum_w2 > 0, np.square(sum_w) / sum_w2, 0.0)


def wilson(p: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for proportions ``p`` out of ``n`` (NaN where n = 0)."""
    p = np.asarray(p, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        z2n = z * z / n
        centre = (p + z2n / 2.0) / (1.0 + z2n)
        half = z / (1.0 + z2n) * np.sqrt(p * (1.0 - p) / n + z2n / (4.0 * n))
        lo = np.where(n > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
        hi = np.where(n > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    bad = np.isnan(p)
    lo[bad] = np.nan
    hi[bad] = np.nan
    return lo, hi


def proportion_se(p: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Standard error of a proportion for comparing two groups: Agresti & Caffo's
    (2000) adjusted Wald, one success and one failure added, so that 0/n and n/n
    do not claim zero uncertainty."""
    p = np.asarray(p, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        pt = (p * n + 1.0) / (n + 2.0)
        return np.sqrt(pt * (1.0 - pt) / (n + 2.0))


def hanley_mcneil_se(auc: np.ndarray, n_pos: np.ndarray, n_neg: np.ndarray):
    """Standard error of ROC AUC after Hanley & McNeil (1982)."""
    a = np.asarray(auc, dtype=np.float64)
    p = np.asarray(n_pos, dtype=np.float64)
    q = np.asarray(n_neg, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        q1 = a / (2.0 - a)
        q2 = 2.0 * a * a / (1.0 + a)
        var = (a * (1 - a) + (p - 1) * (q1 - a * a) + (q - 1) * (q2 - a * a)) / (p * q)
        return np.sqrt(np.clip(var, 0.0, None))


def normal(value, se, z: float, *, lo_clip=None, hi_clip=None):
    value = np.asarray(value, dtype=np.float64)
    se = np.asarray(se, dtype=np.float64)
    lo, hi = value - z * se, value + z * se
    if lo_clip is not None or hi_clip is not None:
        lo = np.clip(lo, lo_clip, hi_clip)
        hi = np.clip(hi, lo_clip, hi_clip)
    return lo, hi


def logit_ap(ap: np.ndarray, n_pos: np.ndarray, z: float):
    """Logit interval for average precision (Boyd, Eng & Page 2013)."""
    ap = np.asarray(ap, dtype=np.float64)
    n = np.asarray(n_pos, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        eta = np.log(ap / (1.0 - ap))
        tau = 1.0 / np.sqrt(n * ap * (1.0 - ap))
        lo = 1.0 / (1.0 + np.exp(-(eta - z * tau)))
        hi = 1.0 / (1.0 + np.exp(-(eta + z * tau)))
    # AP of exactly 0 or 1: the logit interval degenerates; report the point
    edge = (ap <= 0) | (ap >= 1)
    lo = np.where(edge, ap, lo)
    hi = np.where(edge, ap, hi)
    return lo, hi


def dirichlet_f1(
    tp, fp, fn, tn, confidence: float, *, draws: int = 1000, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of F1 under the Dirichlet(counts + 1/2) posterior of each
    slice's confusion matrix (Jeffreys prior)."""
    counts = np.stack([tp, fp, fn, tn], axis=-1).astype(np.float64)
    rng = np.random.default_rng(seed)
    alpha = (1.0 - confidence) / 2.0
    k = len(counts)
    lo = np.empty(k)
    hi = np.empty(k)
    # chunks of slices bound the memory (chunk × draws × 4 values at a time);
    # the generator draws in the same order, so the result equals one big draw
    step = max(1, _DRAW_BUDGET // (draws * 4))
    for start in range(0, k, step):
        c = counts[start : start + step]
        g = rng.standard_gamma(c[:, None, :] + 0.5, size=(len(c), draws, 4))
        t, f_p, f_n = g[..., 0], g[..., 1], g[..., 2]
        # every draw is positive (shape parameters >= 1/2), so no 0/0 here
        f1 = 2 * t / (2 * t + f_p + f_n)
        del g, t, f_p, f_n
        lo[start : start + step], hi[start : start + step] = np.quantile(
            f1, [alpha, 1.0 - alpha], axis=1
        )
    return lo, hi


#: Most gamma draws held at once by :func:`dirichlet_f1` (8 MB each million).
_DRAW_BUDGET = 4_000_000
