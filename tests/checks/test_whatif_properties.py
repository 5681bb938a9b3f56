"""Randomised property tests (hypothesis) of the What-If computations against
brute force: small data with ties, weights, several groups."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mlnb.checks.whatif import fair_thresholds, nearest_counterfactual
from mlnb.checks.whatif.thresholds import CONSTRAINED_METRIC
from mlnb.errors import DataValidationError

GRID = np.round(np.linspace(0, 1, 11), 12)


@st.composite
def labelled(draw, weighted=True):
    n = draw(st.integers(8, 60))
    k = draw(st.integers(2, 3))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    g = rng.integers(0, k, n)
    g[:k] = np.arange(k)  # every group present
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]
    # scores on a coarse lattice: many ties, some exactly on grid points
    s = np.round(rng.random(n) * 20) / 20
    w = (
        rng.integers(1, 4, n).astype(float)
        if weighted and draw(st.booleans())
        else None
    )
    return y, s, g, w


def counts(y, s, g, w, group, t):
    m = g == group
    ww = np.ones(len(y)) if w is None else w
    pred = s[m] >= t
    yy = y[m] == 1
    wm = ww[m]
    return (
        wm[pred & yy].sum(),
        wm[pred & ~yy].sum(),
        wm[~pred & yy].sum(),
        wm[~pred & ~yy].sum(),
    )


def rate(name, tp, fp, fn, tn):
    n = tp + fp + fn + tn
    if name == "positive_rate":
        return (tp + fp) / n
    if name == "tpr":
        return tp / (tp + fn) if tp + fn else math.nan
    return (tp + tn) / n


@settings(max_examples=60, deadline=None)
@given(labelled(), st.sampled_from([0.5, 1.0, 3.0]))
def test_single_and_lowest_cost_are_brute_force_minima(data, ratio):
    y, s, g, w = data
    single = fair_thresholds(
        y, s, g, cost_ratio=ratio, sample_weight=w, grid=GRID, publish=False
    )

    def cost(group, t):
        tp, fp, fn, tn = counts(y, s, g, w, group, t)
        return ratio * fp + fn

    groups = sorted(set(g.tolist()))
    best = min(sum(cost(k, t) for k in groups) for t in GRID)
    got = sum(cost(k, t) for k, t in single.thresholds.items())
    assert got == pytest.approx(best)
    low = single.with_strategy("lowest_cost")
    for k in groups:
        assert cost(k, low.thresholds[k]) == pytest.approx(
            min(cost(k, t) for t in GRID)
        )


@settings(max_examples=60, deadline=None)
@given(labelled(), st.sampled_from(sorted(CONSTRAINED_METRIC)))
@example(  # one group's accuracy is stuck at 1/2, another never reaches it: infeasible
    data=(
        np.array([0, 1, 1, 0, 0, 1, 1, 0]),
        np.array([1.0, 0.6, 0.35, 0.65, 1.0, 0.1, 0.3, 0.6]),
        np.array([0, 1, 2, 0, 0, 2, 2, 1]),
        None,
    ),
    strategy="equal_accuracy",
)
def test_parity_is_cheapest_among_exactly_equal_choices(data, strategy):
    y, s, g, w = data
    groups = sorted(set(g.tolist()))
    metric = CONSTRAINED_METRIC[strategy]
    if metric == "tpr" and any(
        counts(y, s, g, w, k, 0.0)[0] == 0 for k in groups
    ):  # a group without positives: equal opportunity refuses it (tested elsewhere)
        return
    table = {
        k: [
            (rate(metric, *c), c[1] + c[2])
            for c in (counts(y, s, g, w, k, t) for t in GRID)
        ]
        for k in groups
    }
    # cost of ratio 1: FP + FN
    exact = [
        sum(table[k][i][1] for k, i in zip(groups, combo))
        for combo in itertools.product(range(len(GRID)), repeat=len(groups))
        if len({round(table[k][i][0], 12) for k, i in zip(groups, combo)}) == 1
    ]
    try:
        r = fair_thresholds(
            y, s, g, strategy=strategy, sample_weight=w, grid=GRID, publish=False
        )
    except DataValidationError as err:
        # infeasible: no group rate can meet the others within one grid step —
        # then no exactly equal choice exists either
        assert "within one grid step" in str(err)
        assert not exact
        return
    ours = sum(
        counts(y, s, g, w, k, t)[1] + counts(y, s, g, w, k, t)[2]
        for k, t in r.thresholds.items()
    )
    if exact:
        assert ours <= min(exact) + 1e-9
    # and the gap is at most one grid step's largest jump of any group
    jumps = [
        max(abs(a[0] - b[0]) for a, b in zip(table[k][:-1], table[k][1:]))
        for k in groups
    ]
    assert r.gap <= max(jumps) + 1e-12


@settings(max_examples=60, deadline=None)
@given(labelled(), st.lists(st.floats(-0.1, 1.1), min_size=3, max_size=3))
def test_at_equals_counting(data, ts):
    y, s, g, w = data
    r = fair_thresholds(y, s, g, sample_weight=w, publish=False)
    th = {k: ts[i % 3] for i, k in enumerate(r.groups)}
    frame = r.at(th).set_index("group")
    for k, t in th.items():
        tp, fp, fn, tn = counts(y, s, g, w, k, t)
        assert (frame.loc[k, ["tp", "fp", "fn", "tn"]].tolist()) == pytest.approx(
            [tp, fp, fn, tn]
        )


@st.composite
def rows(draw):
    n = draw(st.integers(3, 40))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "x": np.round(rng.normal(size=n), 1),
            "z": rng.integers(0, 3, n).astype(float),
            "c": rng.choice(["p", "q", "r"], n),
        }
    )
    labels = rng.integers(0, 3, n)
    labels[:2] = [0, 1]
    return X, labels, int(rng.integers(0, n))


@settings(max_examples=80, deadline=None)
@given(rows(), st.sampled_from(["l1", "l2"]))
def test_counterfactual_is_the_true_nearest(data, kind):
    X, labels, q = data
    cf = nearest_counterfactual(None, X, q, distance=kind, predictions=labels)
    std = {c: float(np.std(X[c].to_numpy())) for c in ("x", "z")}
    best = math.inf
    for i in range(len(X)):
        if labels[i] == labels[q]:
            continue
        parts = [
            abs(X[c].iloc[i] - X[c].iloc[q]) / std[c] if std[c] else 0.0
            for c in ("x", "z")
        ] + [float(X["c"].iloc[i] != X["c"].iloc[q])]
        d = sum(parts) if kind == "l1" else math.sqrt(sum(p * p for p in parts))
        best = min(best, d)
    assert labels[cf.position] != labels[q]
    assert cf.distance == pytest.approx(best, abs=1e-9)
