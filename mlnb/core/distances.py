"""Distances between two distributions, on aligned bins or on raw samples.

Binned distances take two count (or probability) vectors over the same bins:

- :func:`js_divergence` — Jensen-Shannon divergence, log base 2, in [0, 1]
  (Vertex AI Model Monitoring's distance for numeric features);
- :func:`l_infinity` — largest absolute difference of probabilities, in [0, 1]
  (Vertex's distance for categorical features);
- :func:`psi` — population stability index, with empty bins floored at
  ``PSI_EPSILON``;
- :func:`ks_binned`, :func:`wasserstein_binned` — the KS statistic and the
  first Wasserstein distance of the binned distributions (approximations used
  when only a stored profile of the reference exists).

Raw-sample distances (exact, as scipy computes them): :func:`ks_exact`,
:func:`wasserstein_exact`.

:data:`METHOD_NAMES` names each method for people; :func:`threshold_ratio` says
how far past its threshold a distance is (for p-values, smaller is worse).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "probabilities",
    "js_divergence",
    "l_infinity",
    "psi",
    "ks_binned",
    "wasserstein_binned",
    "ks_exact",
    "wasserstein_exact",
    "ks_sketch",
    "wasserstein_sketch",
    "chi2_test",
    "z_test_proportions",
    "PSI_EPSILON",
    "METHOD_NAMES",
    "P_VALUE_METHODS",
    "threshold_ratio",
]

#: Each drift method by its readable name.
METHOD_NAMES = {
    "jensen_shannon": "Jensen-Shannon divergence",
    "l_infinity": "L-infinity distance",
    "psi": "population stability index",
    "ks": "Kolmogorov-Smirnov statistic",
    "wasserstein": "Wasserstein distance (normed)",
    "wasserstein_normed": "Wasserstein distance (normed)",
    "jensenshannon_distance": "Jensen-Shannon distance",
    "ks_pvalue": "K-S test p-value",
    "chi2_pvalue": "χ² test p-value",
    "z_pvalue": "z-test p-value",
}
#: Methods whose value is a p-value: a feature drifts when it is *below* the
#: threshold.
P_VALUE_METHODS = frozenset({"ks_pvalue", "chi2_pvalue", "z_pvalue"})


def threshold_ratio(distance: float, threshold: float, method: str) -> float:
    """How far past its threshold a distance is (>= 1: at or past it); NaN when
    there is no comparison. For p-value methods the ratio is threshold / p."""
    if (
        distance is None
        or threshold is None
        or not method
        or math.isnan(distance)
        or math.isnan(threshold)
    ):
        return math.nan
    if method in P_VALUE_METHODS:
        return threshold / max(distance, 1e-300)
    if threshold == 0:
        return math.inf if distance > 0 else 0.0
    return distance / threshold


#: Probability given to an empty bin when computing PSI (a common convention;
#: without it one empty bin makes PSI infinite).
PSI_EPSILON = 1e-4


def probabilities(counts: np.ndarray) -> np.ndarray:
    counts = np.asarray(counts, dtype=np.float64)
    total = counts.sum()
    return counts / total if total > 0 else np.full(len(counts), np.nan)


def js_divergence(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen-Shannon divergence in bits: ½ KL(p‖m) + ½ KL(q‖m), m = (p + q) / 2.

    Equals ``scipy.spatial.distance.jensenshannon(p, q, base=2) ** 2``.
    """
    p = probabilities(p)
    q = probabilities(q)
    m = (p + q) / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        kp = np.where(p > 0, p * np.log2(p / m), 0.0)
        kq = np.where(q > 0, q * np.log2(q / m), 0.0)
    return float(max(0.0, 0.5 * kp.sum() + 0.5 * kq.sum()))


def l_infinity(p: np.ndarray, q: np.ndarray) -> float:
    """max |p_i − q_i| over the bins (categories)."""
    return float(np.max(np.abs(probabilities(p) - probabilities(q))))


def psi(p: np.ndarray, q: np.ndarray, epsilon: float = PSI_EPSILON) -> float:
    """Population stability index Σ (q − p) · ln(q / p), p = reference."""
    p = np.maximum(probabilities(p), epsilon)
    q = np.maximum(probabilities(q), epsilon)
    return float(np.sum((q - p) * np.log(q / p)))


def ks_binned(p: np.ndarray, q: np.ndarray) -> float:
    """Largest difference of the two cumulative distributions at bin edges."""
    return float(
        np.max(np.abs(np.cumsum(probabilities(p)) - np.cumsum(probabilities(q))))
    )


def wasserstein_binned(p: np.ndarray, q: np.ndarray, widths: np.ndarray) -> float:
    """∫ |F_p − F_q| with each bin's mass at its right edge: Σ |ΔCDF| · width."""
    diff = np.abs(np.cumsum(probabilities(p)) - np.cumsum(probabilities(q)))[:-1]
    return float(np.sum(diff * np.asarray(widths, dtype=np.float64)))


def _sorted(x: np.ndarray) -> np.ndarray:
    """The finite values, sorted: NaN and ±inf are missing values here, as in
    the binned methods (where they fall in the missing bin) — an infinite value
    would make every distance over the raw values infinite or NaN."""
    x = np.asarray(x, dtype=np.float64)
    return np.sort(x[np.isfinite(x)])


def ks_exact(ref: np.ndarray, cur: np.ndarray) -> tuple[float, float]:
    """Two-sample Kolmogorov-Smirnov statistic and p-value
    (``scipy.stats.ks_2samp`` with its default method)."""
    from scipy import stats

    result = stats.ks_2samp(_sorted(ref), _sorted(cur))
    return float(result.statistic), float(result.pvalue)


def wasserstein_exact(ref: np.ndarray, cur: np.ndarray) -> float:
    """First Wasserstein distance of the two samples (scipy's algorithm: the
    integral of |F_ref − F_cur| over the merged sample values)."""
    u = _sorted(ref)
    v = _sorted(cur)
    if len(u) == 0 or len(v) == 0:
        return math.nan
    both = np.sort(np.concatenate([u, v]))
    deltas = np.diff(both)
    u_cdf = np.searchsorted(u, both[:-1], side="right") / len(u)
    v_cdf = np.searchsorted(v, both[:-1], side="right") / len(v)
    return float(np.sum(np.abs(u_cdf - v_cdf) * deltas))


def chi2_test(ref_counts: np.ndarray, cur_counts: np.ndarray) -> tuple[float, float]:
    """Pearson's χ² test of the current counts against the reference proportions
    (as Evidently's ``chisquare``): ``(statistic, p-value)``."""
    from scipy import stats

    ref = np.asarray(ref_counts, dtype=np.float64)
    cur = np.asarray(cur_counts, dtype=np.float64)
    expected = ref / ref.sum() * cur.sum()
    if np.any((expected == 0) & (cur > 0)):
        # a value the reference never had: infinitely unlikely under it
        return math.inf, 0.0
    keep = expected > 0
    stat, p = stats.chisquare(cur[keep], expected[keep])
    return float(stat), float(p)


def z_test_proportions(
    ref_counts: np.ndarray, cur_counts: np.ndarray
) -> tuple[float, float]:
    """Two-proportion z-test on the first category's share (pooled variance):
    ``(z, two-sided p-value)``."""
    from statistics import NormalDist

    ref = np.asarray(ref_counts, dtype=np.float64)
    cur = np.asarray(cur_counts, dtype=np.float64)
    n1, n2 = ref.sum(), cur.sum()
    if n1 == 0 or n2 == 0:
        return math.nan, math.nan
    p1, p2 = ref[0] / n1, cur[0] / n2
    pooled = (ref[0] + cur[0]) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 0.0, 1.0
    z = (p1 - p2) / se
    return float(z), float(2 * (1 - NormalDist().cdf(abs(z))))


def _sketch_grid(fp, current: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    c = _sorted(current)
    c = c[np.isfinite(c)]
    grid = np.unique(np.concatenate([fp.quantiles, c]))
    f_ref = fp.cdf(grid)
    f_cur = np.searchsorted(c, grid, side="right") / max(len(c), 1)
    return grid, f_ref, f_cur


def ks_sketch(fp, current: np.ndarray) -> float:
    """KS statistic of the current sample against a profile's quantile sketch."""
    grid, f_ref, f_cur = _sketch_grid(fp, current)
    # the empirical CDF jumps at each current value: compare both sides of it
    before = np.concatenate(([0.0], f_cur[:-1]))
    return float(max(np.max(np.abs(f_ref - f_cur)), np.max(np.abs(f_ref - before))))


def wasserstein_sketch(fp, current: np.ndarray) -> float:
    """First Wasserstein distance of the current sample to a profile's quantile
    sketch: the integral of |F_ref − F_cur| (trapezoids between breakpoints)."""
    grid, f_ref, f_cur = _sketch_grid(fp, current)
    if len(grid) < 2:
        return 0.0
    width = np.diff(grid)
    left = np.abs(f_ref[:-1] - f_cur[:-1])
    right = np.abs(f_ref[1:] - f_cur[:-1])  # F_cur is constant until the next point
    return float(np.sum(width * (left + right) / 2.0))
