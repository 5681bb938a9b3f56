"""mlnb.core.distances: every distance against scipy or a hand computation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.spatial.distance import jensenshannon

from mlnb.core import distances as D

RTOL = 1e-9
ATOL = 1e-12

# -- strategies ------------------------------------------------------------------------


@st.composite
def count_pair(draw, *, min_bins: int = 1, max_bins: int = 12):
    """Two count vectors over the same bins, zeros included, each with a positive
    total."""
    k = draw(st.integers(min_bins, max_bins))
    elem = st.one_of(st.just(0), st.integers(0, 5), st.integers(0, 10_000))
    p = np.array(draw(st.lists(elem, min_size=k, max_size=k)), dtype=np.float64)
    q = np.array(draw(st.lists(elem, min_size=k, max_size=k)), dtype=np.float64)
    if p.sum() == 0:
        p[draw(st.integers(0, k - 1))] = draw(st.integers(1, 50))
    if q.sum() == 0:
        q[draw(st.integers(0, k - 1))] = draw(st.integers(1, 50))
    return p, q


TIED = (-2.0, -1.0, 0.0, 0.5, 1.0, 3.0)


@st.composite
def samples(draw, *, max_n: int = 60):
    """Two samples with ties (values from a small set), continuous values or both,
    and NaNs sprinkled in; each has at least one non-NaN value."""
    kind = draw(st.sampled_from(["tied", "continuous", "mixed"]))
    if kind == "tied":
        elem = st.sampled_from(TIED)
    elif kind == "continuous":
        elem = st.floats(-1e3, 1e3)
    else:
        elem = st.one_of(st.sampled_from(TIED), st.floats(-10, 10))
    with_nan = st.one_of(elem, elem, elem, st.just(math.nan))
    out = []
    for _ in range(2):
        xs = draw(st.lists(with_nan, min_size=1, max_size=max_n))
        xs.append(draw(elem))  # at least one value
        out.append(np.array(xs, dtype=np.float64))
    return tuple(out)


def shares(counts: np.ndarray) -> list[float]:
    total = float(sum(counts))
    return [c / total for c in counts]


# -- binned distances ------------------------------------------------------------------


@settings(max_examples=100)
@given(count_pair())
def test_js_divergence_is_scipy_jensenshannon_base2_squared(pq):
    p, q = pq
    expected = jensenshannon(p, q, base=2) ** 2
    got = D.js_divergence(p, q)
    assert got == pytest.approx(expected, rel=1e-7, abs=1e-12)
    assert 0.0 <= got <= 1.0 + 1e-12
    # symmetric, and scale-free (counts or shares give the same value)
    assert D.js_divergence(q, p) == pytest.approx(got, rel=1e-12, abs=1e-15)
    assert D.js_divergence(p / p.sum(), q * 7) == pytest.approx(got, abs=1e-12)


@settings(max_examples=100)
@given(count_pair())
def test_js_divergence_by_hand(pq):
    p, q = pq
    ps, qs = shares(p), shares(q)
    total = 0.0
    for a, b in zip(ps, qs):
        m = (a + b) / 2
        if a > 0:
            total += 0.5 * a * math.log2(a / m)
        if b > 0:
            total += 0.5 * b * math.log2(b / m)
    assert D.js_divergence(p, q) == pytest.approx(total, rel=1e-9, abs=1e-12)


def test_js_divergence_extremes():
    assert D.js_divergence([1, 0], [0, 1]) == pytest.approx(1.0)  # disjoint: 1 bit
    assert D.js_divergence([3, 5, 0], [6, 10, 0]) == pytest.approx(0.0, abs=1e-15)


@settings(max_examples=100)
@given(count_pair())
def test_l_infinity_by_hand(pq):
    p, q = pq
    expected = max(abs(a - b) for a, b in zip(shares(p), shares(q)))
    assert D.l_infinity(p, q) == pytest.approx(expected, rel=RTOL, abs=ATOL)
    assert D.l_infinity(p, q) == pytest.approx(D.l_infinity(q, p), abs=0)


def test_l_infinity_examples():
    assert D.l_infinity([50, 50], [90, 10]) == pytest.approx(0.4)
    assert D.l_infinity([1, 0, 0], [0, 0, 1]) == pytest.approx(1.0)


def _psi_by_hand(p, q, eps=D.PSI_EPSILON):
    total = 0.0
    for a, b in zip(shares(p), shares(q)):
        a, b = max(a, eps), max(b, eps)
        total += (b - a) * math.log(b / a)
    return total


@settings(max_examples=100)
@given(count_pair())
def test_psi_by_hand_with_epsilon_floor(pq):
    p, q = pq
    assert D.psi(p, q) == pytest.approx(_psi_by_hand(p, q), rel=RTOL, abs=ATOL)
    assert D.psi(p, q) >= 0.0
    eps = 1e-3
    assert D.psi(p, q, epsilon=eps) == pytest.approx(
        _psi_by_hand(p, q, eps), rel=RTOL, abs=ATOL
    )


def test_psi_known_values():
    # 10%/90% -> 20%/80%: (0.1)ln2 + (-0.1)ln(8/9)
    expected = 0.1 * math.log(2) - 0.1 * math.log(0.8 / 0.9)
    assert D.psi([10, 90], [20, 80]) == pytest.approx(expected, rel=1e-12)
    # an empty reference bin is floored at PSI_EPSILON, so PSI stays finite
    value = D.psi([100, 0], [50, 50])
    eps = D.PSI_EPSILON
    by_hand = (0.5 - 1.0) * math.log(0.5 / 1.0) + (0.5 - eps) * math.log(0.5 / eps)
    assert math.isfinite(value)
    assert value == pytest.approx(by_hand, rel=1e-12)


@pytest.mark.filterwarnings("ignore:ks_2samp. Exact calculation:RuntimeWarning")
@settings(max_examples=100)
@given(count_pair(max_bins=10))
def test_ks_binned_is_ks_2samp_of_the_binned_samples(pq):
    """KS statistic on bins = scipy's KS statistic of samples placed at the bins."""
    p, q = pq
    # keep the samples small: scale large counts down to at most 400 values
    p = np.minimum(p, 400)
    q = np.minimum(q, 400)
    k = len(p)
    u = np.repeat(np.arange(k), p.astype(np.int64))
    v = np.repeat(np.arange(k), q.astype(np.int64))
    expected = stats.ks_2samp(u, v).statistic
    assert D.ks_binned(p, q) == pytest.approx(expected, rel=RTOL, abs=ATOL)


def test_ks_binned_by_hand():
    p = [10, 20, 30, 40]
    q = [40, 30, 20, 10]
    # CDFs 0.1 0.3 0.6 1.0 vs 0.4 0.7 0.9 1.0 -> largest gap 0.4
    assert D.ks_binned(p, q) == pytest.approx(0.4)


@settings(max_examples=100)
@given(count_pair(min_bins=2), st.data())
def test_wasserstein_binned_is_scipy_with_mass_at_right_edges(pq, data):
    """Each bin's mass sits at its right edge; the widths passed are those between
    consecutive right edges (one fewer than the bins)."""
    p, q = pq
    k = len(p)
    gaps = data.draw(
        st.lists(st.floats(0.01, 100.0), min_size=k, max_size=k), label="gaps"
    )
    edges = np.concatenate([[-1.0], -1.0 + np.cumsum(gaps)])
    right = edges[1:]
    expected = stats.wasserstein_distance(right, right, p, q)
    got = D.wasserstein_binned(p, q, np.diff(right))
    assert got == pytest.approx(expected, rel=1e-7, abs=1e-9)


def test_wasserstein_binned_by_hand():
    # all mass moves from the first bin (right edge 1) to the third (right edge 4)
    assert D.wasserstein_binned([1, 0, 0], [0, 0, 1], [2.0, 1.0]) == pytest.approx(3.0)
    # half the mass moves one bin up over a width of 2
    assert D.wasserstein_binned([1, 1], [0, 2], [2.0]) == pytest.approx(1.0)


def test_probabilities():
    np.testing.assert_allclose(D.probabilities([1, 3]), [0.25, 0.75])
    assert np.isnan(D.probabilities([0, 0])).all()


# -- raw-sample distances --------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:ks_2samp. Exact calculation:RuntimeWarning")
@settings(max_examples=100)
@given(samples())
def test_ks_exact_equals_scipy_ks_2samp_nans_dropped(uv):
    u, v = uv
    uu, vv = u[~np.isnan(u)], v[~np.isnan(v)]
    expected = stats.ks_2samp(uu, vv)
    stat, p = D.ks_exact(u, v)
    assert stat == pytest.approx(expected.statistic, rel=RTOL, abs=ATOL)
    assert p == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-300)
    # the statistic by hand: the largest gap between the two empirical CDFs
    grid = np.union1d(uu, vv)
    fu = np.array([np.mean(uu <= x) for x in grid])
    fv = np.array([np.mean(vv <= x) for x in grid])
    assert stat == pytest.approx(np.max(np.abs(fu - fv)), rel=1e-12, abs=1e-12)


@settings(max_examples=100)
@given(samples())
def test_wasserstein_exact_equals_scipy_nans_dropped(uv):
    u, v = uv
    expected = stats.wasserstein_distance(u[~np.isnan(u)], v[~np.isnan(v)])
    got = D.wasserstein_exact(u, v)
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_wasserstein_exact_shift_and_empty():
    x = np.arange(100, dtype=np.float64)
    assert D.wasserstein_exact(x, x + 2.5) == pytest.approx(2.5)
    assert math.isnan(D.wasserstein_exact(np.array([np.nan]), x))


# -- tests with p-values ---------------------------------------------------------------


@settings(max_examples=100)
@given(count_pair(min_bins=2, max_bins=8))
def test_chi2_test_equals_scipy_chisquare_on_reference_proportions(pq):
    ref, cur = pq
    ref = ref + 1  # every reference category present (see the unseen test below)
    expected_counts = ref / ref.sum() * cur.sum()
    # by hand: sum (obs - exp)^2 / exp and the chi2 survival function
    stat_hand = float(np.sum((cur - expected_counts) ** 2 / expected_counts))
    p_hand = float(stats.chi2.sf(stat_hand, len(ref) - 1))
    expected = stats.chisquare(cur, expected_counts)
    stat, p = D.chi2_test(ref, cur)
    assert stat == pytest.approx(expected.statistic, rel=1e-9, abs=1e-9)
    assert p == pytest.approx(expected.pvalue, rel=1e-7, abs=1e-300)
    assert stat == pytest.approx(stat_hand, rel=1e-9, abs=1e-9)
    assert p == pytest.approx(p_hand, rel=1e-6, abs=1e-300)


def test_chi2_test_skips_categories_absent_from_both():
    stat, p = D.chi2_test([10, 0, 30], [20, 0, 20])
    expected = stats.chisquare([20, 20], [10, 30])
    assert (stat, p) == pytest.approx((expected.statistic, expected.pvalue))


def test_chi2_test_category_absent_from_reference_is_certain_drift():
    # Evidently's chisquare keeps the zero expectation: statistic inf, p-value 0
    stat, p = D.chi2_test([5, 5, 0], [3, 3, 4])
    assert p == 0.0
    assert stat == math.inf


def _z_by_hand(ref, cur):
    n1, n2 = sum(ref), sum(cur)
    p1, p2 = ref[0] / n1, cur[0] / n2
    pooled = (ref[0] + cur[0]) / (n1 + n2)
    z = (p1 - p2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return z, 2 * stats.norm.sf(abs(z))


@settings(max_examples=100)
@given(
    st.integers(1, 500), st.integers(1, 500), st.integers(1, 500), st.integers(1, 500)
)
def test_z_test_proportions_by_hand(a, b, c, d):
    z, p = D.z_test_proportions([a, b], [c, d])
    z_hand, p_hand = _z_by_hand([a, b], [c, d])
    assert z == pytest.approx(z_hand, rel=1e-9, abs=1e-12)
    assert p == pytest.approx(p_hand, rel=1e-6, abs=1e-12)


def test_z_test_proportions_degenerate():
    assert D.z_test_proportions([10, 0], [7, 0]) == (0.0, 1.0)  # same single value
    z, p = D.z_test_proportions([0, 0], [3, 4])
    assert math.isnan(z) and math.isnan(p)


@pytest.mark.parametrize(
    ("distance", "threshold", "method", "expected"),
    [
        (0.6, 0.3, "jensen_shannon", 2.0),  # distance / threshold
        (0.15, 0.3, "l_infinity", 0.5),
        (0.01, 0.05, "ks_pvalue", 5.0),  # p-values: threshold / p
        (0.0, 0.05, "chi2_pvalue", 0.05 / 1e-300),  # p = 0: as large as it gets
        (0.2, 0.0, "psi", math.inf),  # any distance passes a zero threshold
        (0.0, 0.0, "psi", 0.0),
        (math.nan, 0.3, "psi", math.nan),  # not compared
        (0.2, 0.3, "", math.nan),
    ],
)
def test_threshold_ratio_by_hand(distance, threshold, method, expected):
    got = D.threshold_ratio(distance, threshold, method)
    if math.isnan(expected):
        assert math.isnan(got)
    else:
        assert got == pytest.approx(expected)


def test_every_method_has_a_name_and_p_values_are_named_as_such():
    from mlnb.checks.drift import DEFAULT_THRESHOLDS

    assert set(D.METHOD_NAMES) == set(DEFAULT_THRESHOLDS)
    assert all("p-value" in D.METHOD_NAMES[m] for m in D.P_VALUE_METHODS)
