"""Per-group decision thresholds under the What-If Tool's fairness strategies.

:func:`fair_thresholds` sorts each group's scores once (``O(n log n)``) and keeps
the cumulative weights of positives and negatives along them; the confusion matrix
of a group at any threshold is then two binary searches. Every strategy is solved
on a threshold *grid* (the What-If Tool searches probabilities in steps of 0.01):

- ``"single"``: one threshold for every group, the one of lowest total cost;
- ``"lowest_cost"``: each group its own threshold of lowest cost;
- ``"demographic_parity"``: equal positive (selection) rates across groups;
- ``"equal_opportunity"``: equal true positive rates across groups;
- ``"equal_accuracy"``: equal accuracies across groups.

The cost is ``cost_ratio · FP + FN`` (``cost_ratio`` is the cost of a false
positive relative to a false negative, as the What-If Tool's "cost ratio (FP/FN)").

How the three parity strategies are solved, and what "within the grid step" means:
on the grid a group's rate moves in jumps, so exact equality is not reachable. For a
target rate ``v``, each group takes the grid threshold whose rate is nearest to
``v`` among the two ends of every grid step whose rates enclose ``v`` (ties: the
cheaper), so its rate is within half of that one step's jump of ``v``. Every rate
any group reaches on the grid is tried as ``v``; the target of lowest total cost
wins (ties: the smaller gap between groups, then the lower target). So the groups'
rates differ by at most one grid step's jump, and among such choices the
thresholds are the cheapest over the targets. The gap reached (largest minus
smallest rate) is reported as ``gap``.

Decision rule: a row is predicted positive when ``score >= threshold``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ...checklist.result import CheckResult, internal, judge
from ...core.conditions import Condition
from ...core.factorize import factorize
from ...core.labels import as_1d, as_scores, as_weights, binary_mask
from ...errors import DataValidationError, MlnbValueError

__all__ = [
    "fair_thresholds",
    "FairThresholds",
    "GroupCurves",
    "STRATEGIES",
    "CONSTRAINED_METRIC",
    "CONDITION_VALUES",
    "DEFAULT_CONDITIONS",
    "FRAME_COLUMNS",
    "default_grid",
]

#: The strategies, as the What-If Tool names them, plus ``"lowest_cost"``.
STRATEGIES = (
    "single",
    "demographic_parity",
    "equal_opportunity",
    "equal_accuracy",
    "lowest_cost",
)

#: The rate each parity strategy makes equal across groups.
CONSTRAINED_METRIC = {
    "demographic_parity": "positive_rate",
    "equal_opportunity": "tpr",
    "equal_accuracy": "accuracy",
}

#: Points of the default grid (0, 0.01, ..., 1 for probabilities).
DEFAULT_GRID_POINTS = 101

#: The columns of :meth:`FairThresholds.to_frame` and :meth:`FairThresholds.at`.
FRAME_COLUMNS = (
    "group",
    "threshold",
    "count",
    "positive_rate",
    "tpr",
    "fpr",
    "precision",
    "accuracy",
    "cost",
    "tp",
    "fp",
    "fn",
    "tn",
)

#: The values conditions on :func:`fair_thresholds` can read, and what they mean.
CONDITION_VALUES = {
    "positive_rate_ratio": "smallest group positive (selection) rate divided by the "
    "largest, at the chosen thresholds (1 when no group selects anyone)",
    "positive_rate_gap": "largest minus smallest group positive rate",
    "tpr_gap": "largest minus smallest group true positive rate (groups with "
    "positives; NaN with fewer than two such groups)",
    "tpr_ratio": "smallest group true positive rate divided by the largest",
    "fpr_gap": "largest minus smallest group false positive rate",
    "accuracy_gap": "largest minus smallest group accuracy",
    "gap": "the gap of the rate the strategy equalises (NaN for single and "
    "lowest_cost)",
    "accuracy": "overall accuracy at the chosen thresholds",
    "cost": "total cost cost_ratio·FP + FN (weighted) at the chosen thresholds",
    "cost_per_row": "cost divided by the total weight of rows",
    "n_groups": "groups of the sensitive feature",
    "n_rows": "rows",
    "grid_step": "the largest step of the threshold grid",
}

_FOUR_FIFTHS = (
    "the four-fifths rule of the US Uniform Guidelines on Employee Selection "
    "Procedures (29 CFR 1607.4(D)): a group's selection rate below 4/5 of the "
    "highest group's is taken as evidence of adverse impact"
)
_EQUAL_OPPORTUNITY = (
    "Hardt, Price & Srebro, 'Equality of Opportunity in Supervised Learning' "
    "(NeurIPS 2016) define equal opportunity as equal true positive rates across "
    "groups; there is no standard tolerance: 0.1 is the upper end of the 0.05-0.10 "
    "gaps fairness reviews commonly act on (the range mlnb.sliced_metrics uses)"
)

#: The documented default conditions of :func:`fair_thresholds`.
DEFAULT_CONDITIONS = (
    Condition(
        "positive_rate_ratio",
        ">=",
        0.8,
        status="warn",
        name="four-fifths rule on positive rates",
        why=_FOUR_FIFTHS,
    ),
    Condition(
        "tpr_gap",
        "<=",
        0.1,
        status="warn",
        name="equal opportunity within 0.1",
        why=_EQUAL_OPPORTUNITY,
    ),
)


# -- the sorted cumulative counts ------------------------------------------------------
class GroupCurves:
    """Each group's scores of positives and of negatives, sorted once (with
    cumulative weights when rows are weighted): the confusion matrix at any
    thresholds in ``O(log n)`` per group.

    Built by :func:`fair_thresholds`; :meth:`FairThresholds.at` uses it. Rows are
    split by (group, class) with a radix sort of small integer codes, then each
    part's scores are sorted by value (no stable float argsort over all rows).
    """

    def __init__(
        self,
        scores: np.ndarray,
        positive: np.ndarray,
        codes: np.ndarray,
        n_groups: int,
        weights: np.ndarray | None,
    ) -> None:
        key = codes * 2 + positive.astype(np.int64)
        small = key.astype(np.int16 if 2 * n_groups < 2**15 else np.int64)
        order = np.argsort(small, kind="stable")
        s = scores[order]
        w = None if weights is None else weights[order]
        bounds = np.concatenate(
            [[0], np.cumsum(np.bincount(key, minlength=2 * n_groups))]
        )
        # [group][0 negatives, 1 positives]
        self.sorted: list[tuple[np.ndarray, np.ndarray]] = []
        self.cum: list[tuple[np.ndarray | None, np.ndarray | None]] = []
        for g in range(n_groups):
            parts, cums = [], []
            for cls in (0, 1):
                lo, hi = bounds[2 * g + cls], bounds[2 * g + cls + 1]
                seg = s[lo:hi]
                if w is None:
                    parts.append(np.sort(seg))
                    cums.append(None)
                else:
                    o = np.argsort(seg)  # order among ties does not matter
                    parts.append(seg[o])
                    cums.append(np.concatenate([[0.0], np.cumsum(w[lo:hi][o])]))
            self.sorted.append((parts[0], parts[1]))
            self.cum.append((cums[0], cums[1]))
        self.n_groups = n_groups
        self.rows = np.diff(bounds).reshape(n_groups, 2).sum(axis=1)

    def totals(self, g: int) -> tuple[float, float]:
        """(negative weight, positive weight) of group ``g``."""
        out = []
        for cls in (0, 1):
            cum = self.cum[g][cls]
            out.append(float(len(self.sorted[g][cls]) if cum is None else cum[-1]))
        return out[0], out[1]

    def _below(self, g: int, cls: int, t: np.ndarray) -> np.ndarray:
        """Weight of class ``cls`` rows of group ``g`` scored below each ``t``."""
        idx = np.searchsorted(self.sorted[g][cls], t, side="left")
        cum = self.cum[g][cls]
        return idx.astype(np.float64) if cum is None else cum[idx]

    def counts(self, g: int, thresholds: Any) -> tuple[np.ndarray, ...]:
        """``(tp, fp, fn, tn)`` (weighted) of group ``g`` at each threshold
        (``score >= threshold`` is positive)."""
        t = np.asarray(thresholds, dtype=np.float64)
        neg, pos = self.totals(g)
        fn = self._below(g, 1, t)
        tn = self._below(g, 0, t)
        return pos - fn, neg - tn, fn, tn

    def grid_counts(self, grid: np.ndarray) -> tuple[np.ndarray, ...]:
        """``(tp, fp, fn, tn)``, each ``(groups, len(grid))``."""
        out = [self.counts(g, grid) for g in range(self.n_groups)]
        return tuple(np.stack([o[i] for o in out]) for i in range(4))


def _div(a: Any, b: Any) -> Any:
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1.0), np.nan)


def rates(tp, fp, fn, tn, cost_ratio: float) -> dict[str, Any]:
    """Rates of confusion-matrix counts (arrays broadcast)."""
    n = tp + fp + fn + tn
    return {
        "count": n,
        "positive_rate": _div(tp + fp, n),
        "tpr": _div(tp, tp + fn),
        "fpr": _div(fp, fp + tn),
        "precision": _div(tp, tp + fp),
        "accuracy": _div(tp + tn, n),
        "cost": cost_ratio * fp + fn,
    }


# -- inputs ----------------------------------------------------------------------------
def default_grid(scores: np.ndarray, points: int = DEFAULT_GRID_POINTS) -> np.ndarray:
    """The threshold grid: ``points`` evenly spaced values over [0, 1] when every
    score is a probability (0, 0.01, ..., 1 by default, the What-If Tool's grid);
    otherwise over [min score, max score] of the data, with one more point just
    above the largest score (nobody positive)."""
    lo, hi = float(scores.min()), float(scores.max())
    if lo >= 0.0 and hi <= 1.0:
        return np.round(np.linspace(0.0, 1.0, points), 12)
    if hi == lo:
        return np.array([lo, np.nextafter(hi, np.inf)])
    grid = np.linspace(lo, hi, points)
    return np.append(grid, np.nextafter(hi, np.inf))


def _read_grid(grid: Any, scores: np.ndarray) -> np.ndarray:
    if grid is None:
        return default_grid(scores)
    if isinstance(grid, numbers.Integral) and not isinstance(grid, bool):
        if grid < 2:
            raise MlnbValueError(
                f"grid must be an int >= 2 (points of the grid) or the thresholds "
                f"themselves; got {grid!r}"
            )
        return default_grid(scores, int(grid))
    try:
        arr = np.asarray(grid, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise MlnbValueError(
            "grid must be None, an int (points of the grid) or an array of "
            f"thresholds; got {type(grid).__name__}"
        ) from None
    if len(arr) < 2 or not np.isfinite(arr).all():
        raise MlnbValueError(
            "grid must hold at least two finite thresholds; got "
            f"{len(arr)} values{'' if np.isfinite(arr).all() else ' with NaN/inf'} "
            "(e.g. grid=np.linspace(0, 1, 101))"
        )
    return np.unique(arr)


def _read_groups(groups: Any, n: int) -> tuple[np.ndarray, list]:
    arr = as_1d(groups, name="groups")
    if len(arr) != n:
        raise MlnbValueError(
            f"groups has {len(arr):,} values but y_true has {n:,}; pass one group "
            "(the sensitive feature's value) per row, aligned with y_true"
        )
    codes, uniques = factorize(groups if hasattr(groups, "dtype") else arr)
    codes = np.asarray(codes).reshape(-1)
    if len(codes) != n:  # a 2-d single-column input
        codes, uniques = factorize(arr)
    missing = codes < 0
    if missing.any():
        first = int(np.flatnonzero(missing)[0])
        raise DataValidationError(
            f"groups has {int(missing.sum()):,} missing values (NaN/None), the first "
            f"at position {first:,}; every row needs a group. Fill them as a group "
            "of their own (e.g. groups.fillna('missing')) or drop those rows."
        )
    labels = [u.item() if isinstance(u, np.generic) else u for u in list(uniques)]
    try:
        order = sorted(range(len(labels)), key=lambda i: labels[i])
    except TypeError:  # mixed types: keep the order of first appearance
        order = list(range(len(labels)))
    remap = np.empty(len(labels), dtype=np.int64)
    remap[order] = np.arange(len(labels))
    codes = remap[codes]
    labels = [labels[i] for i in order]
    if len(labels) < 2:
        raise DataValidationError(
            f"groups has a single group ({labels!r}); fair_thresholds compares "
            "groups of a sensitive feature, so it needs at least two. Pass the "
            "sensitive feature's column, or use mlnb.thresholds() for one threshold "
            "over all rows."
        )
    return codes, labels


def _read_cost_ratio(cost_ratio: Any) -> float:
    ok = isinstance(cost_ratio, numbers.Real) and not isinstance(cost_ratio, bool)
    if not ok or not math.isfinite(float(cost_ratio)) or float(cost_ratio) <= 0:
        raise MlnbValueError(
            "cost_ratio must be a finite number > 0 (the cost of a false positive "
            f"divided by that of a false negative, e.g. 1.0); got {cost_ratio!r}"
        )
    return float(cost_ratio)


def _read_scores(y_score: Any, n: int) -> np.ndarray:
    s = as_scores(y_score, name="y_score")
    if len(s) != n:
        raise MlnbValueError(
            f"y_score has {len(s):,} values but y_true has {n:,}; pass one score "
            "per row (for predict_proba output, proba[:, 1])"
        )
    bad = np.isnan(s)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise DataValidationError(
            f"y_score has {int(bad.sum()):,} NaN values, the first at position "
            f"{first:,}; every row needs a score. Drop those rows (with their "
            "labels and groups) or fix the model that produced them."
        )
    return s


# -- solving ---------------------------------------------------------------------------
def _solve_parity(metric: np.ndarray, cost: np.ndarray) -> tuple[np.ndarray, float]:
    """Grid indices per group under a parity constraint on ``metric``
    ``(groups, k)``, minimising the summed ``cost`` ``(groups, k)``; and the
    target rate. See the module docstring."""
    n_groups, k = metric.shape
    targets = np.unique(metric[np.isfinite(metric)])
    total = np.zeros(len(targets))
    choice = np.zeros((n_groups, len(targets)), dtype=np.int64)
    chosen_metric = np.zeros((n_groups, len(targets)))
    for g in range(n_groups):
        m = metric[g]
        lo = np.minimum(m[:-1], m[1:])
        hi = np.maximum(m[:-1], m[1:])
        inside = (targets[:, None] >= lo[None, :]) & (targets[:, None] <= hi[None, :])
        allowed = np.zeros((len(targets), k), dtype=bool)
        allowed[:, :-1] |= inside
        allowed[:, 1:] |= inside
        near = np.where(allowed, np.abs(m[None, :] - targets[:, None]), np.inf)
        nearest = near.min(axis=1, keepdims=True)
        masked = np.where(allowed & (near == nearest), cost[g][None, :], np.inf)
        best = np.argmin(masked, axis=1)
        choice[g] = best
        total += masked[np.arange(len(targets)), best]
        chosen_metric[g] = m[best]
    gaps = chosen_metric.max(axis=0) - chosen_metric.min(axis=0)
    feasible = np.isfinite(total)
    if not feasible.any():
        raise DataValidationError(
            "no thresholds on the grid give every group the same rate within one "
            "grid step; pass a finer grid (e.g. grid=1001) or a grid that covers "
            "every group's scores"
        )
    order = np.lexsort((targets, gaps, np.where(feasible, total, np.inf)))
    best_t = order[0]
    return choice[:, best_t], float(targets[best_t])


def _solve(strategy: str, grid_rates: dict, cost: np.ndarray) -> np.ndarray:
    """Grid indices per group."""
    n_groups = cost.shape[0]
    if strategy == "single":
        i = int(np.argmin(cost.sum(axis=0)))
        return np.full(n_groups, i, dtype=np.int64)
    if strategy == "lowest_cost":
        return np.argmin(cost, axis=1)
    idx, _ = _solve_parity(grid_rates[CONSTRAINED_METRIC[strategy]], cost)
    return idx


# -- the result ------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True, repr=False)
class FairThresholds(CheckResult):
    """Decision thresholds per group of a sensitive feature under one of the
    What-If Tool's strategies, and the metrics per group they give.

    Attributes
    ----------
    strategy:
        One of :data:`STRATEGIES`.
    thresholds:
        Group → threshold (``score >= threshold`` is predicted positive).
    cost_ratio:
        Cost of a false positive relative to a false negative.
    constraint:
        The rate the strategy equalises (``"positive_rate"``, ``"tpr"``,
        ``"accuracy"``), or ``None``.
    gap:
        Largest minus smallest group value of ``constraint`` at the thresholds
        (NaN without a constraint).
    groups:
        The groups, sorted (order of first appearance when they do not sort).
    grid:
        The thresholds searched (see :func:`default_grid`).
    grid_step:
        The largest step of ``grid``.
    positive_label, negative_label:
        The classes of ``y_true``.
    rows:
        Per group (then ``"overall"``), the metrics of :data:`FRAME_COLUMNS`.
    """

    check: ClassVar[str] = "fair_thresholds"
    DEFAULT_CONDITIONS: ClassVar[tuple] = DEFAULT_CONDITIONS

    strategy: str
    thresholds: dict
    cost_ratio: float
    constraint: str | None
    gap: float
    groups: tuple
    grid: tuple
    grid_step: float
    positive_label: Any
    negative_label: Any
    rows: tuple
    curves: Any = internal(default=None)

    # -- queries -----------------------------------------------------------------
    def _threshold_vector(self, thresholds: Any) -> np.ndarray:
        if isinstance(thresholds, Mapping):
            out = []
            for g in self.groups:
                if g not in thresholds:
                    raise MlnbValueError(
                        f"thresholds has no value for group {g!r}; give one per "
                        f"group ({list(self.groups)[:20]!r}) or a single number"
                    )
                out.append(thresholds[g])
            extra = [k for k in thresholds if k not in self.groups]
            if extra:
                raise MlnbValueError(
                    f"thresholds names groups that do not exist: {extra[:10]!r}; the "
                    f"groups are {list(self.groups)[:20]!r}"
                )
        elif isinstance(thresholds, numbers.Real) and not isinstance(thresholds, bool):
            out = [thresholds] * len(self.groups)
        else:
            raise MlnbValueError(
                "thresholds must be a number (one threshold for every group) or a "
                f"dict group -> threshold; got {type(thresholds).__name__}"
            )
        try:
            vec = np.asarray(out, dtype=np.float64)
        except (TypeError, ValueError):
            raise MlnbValueError(
                f"thresholds must be numbers; got {out[:5]!r}"
            ) from None
        if np.isnan(vec).any():
            raise MlnbValueError("thresholds must be numbers, not NaN")
        return vec

    def metrics_at(self, thresholds: Any) -> list[dict[str, Any]]:
        """Like :meth:`at`, as a list of dicts (no pandas; the cheapest query)."""
        if self.curves is None:
            raise MlnbValueError(
                "this result holds no scores (it was rebuilt from a dict); call "
                "fair_thresholds() again to query other thresholds"
            )
        vec = self._threshold_vector(thresholds)
        return _rows(self.curves, self.groups, vec, self.cost_ratio)

    def at(self, thresholds: Any):
        """Metrics per group (then ``"overall"``) at other ``thresholds``: one
        number for every group, or a dict group → threshold. Two binary searches
        per group; a :class:`pandas.DataFrame` with :data:`FRAME_COLUMNS`.

        Raises
        ------
        MlnbValueError
            A group is missing from the dict, or a name is not a group.
        """
        import pandas as pd

        return pd.DataFrame(self.metrics_at(thresholds), columns=list(FRAME_COLUMNS))

    def with_strategy(
        self,
        strategy: str | None = None,
        *,
        cost_ratio: float | None = None,
        conditions: Any = None,
    ) -> FairThresholds:
        """The same scores under another ``strategy`` and/or ``cost_ratio``,
        without sorting them again (the widget's strategy menu and cost slider);
        a new, unpublished result (call :meth:`publish`) judged by this result's
        conditions unless ``conditions`` are given.

        Raises
        ------
        MlnbValueError
            Unknown strategy, bad cost_ratio, or a result rebuilt without scores.
        DataValidationError
            As :func:`fair_thresholds` (a group without positives for
            ``"equal_opportunity"``).
        """
        if self.curves is None:
            raise MlnbValueError(
                "this result holds no scores (it was rebuilt from a dict); call "
                "fair_thresholds() again"
            )
        strategy = self.strategy if strategy is None else strategy
        _check_strategy(strategy)
        ratio = self.cost_ratio if cost_ratio is None else _read_cost_ratio(cost_ratio)
        if conditions is None:  # keep this result's conditions
            conditions = [o.condition for o in self.outcomes]
        return _build(
            self.curves,
            list(self.groups),
            np.asarray(self.grid),
            strategy,
            ratio,
            conditions,
            self.positive_label,
            self.negative_label,
        )

    def grid_frame(self):
        """Every group's metrics at every grid threshold (long format: the
        columns of :data:`FRAME_COLUMNS`, one row per group and threshold)."""
        import pandas as pd

        grid = np.asarray(self.grid)
        parts = []
        for g, name in enumerate(self.groups):
            tp, fp, fn, tn = self.curves.counts(g, grid)
            r = rates(tp, fp, fn, tn, self.cost_ratio)
            parts.append(
                pd.DataFrame(
                    {
                        "group": [name] * len(grid),
                        "threshold": grid,
                        **r,
                        "tp": tp,
                        "fp": fp,
                        "fn": fn,
                        "tn": tn,
                    }
                )
            )
        return pd.concat(parts, ignore_index=True)[list(FRAME_COLUMNS)]

    # -- tables, drawing ---------------------------------------------------------
    def _frame_rows(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.rows]

    def to_frame(self):
        """Metrics per group at the chosen thresholds, then an ``"overall"`` row:
        the columns of :data:`FRAME_COLUMNS` (``count`` is the weighted row count;
        ``threshold`` of the overall row is NaN unless all groups share one)."""
        import pandas as pd

        return pd.DataFrame(self._frame_rows(), columns=list(FRAME_COLUMNS))

    def record_metrics(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "cost_ratio": self.cost_ratio,
            "thresholds": {str(k): v for k, v in self.thresholds.items()},
            "gap": self.gap,
            "positive_rate_ratio": self.condition_values.get("positive_rate_ratio"),
            "tpr_gap": self.condition_values.get("tpr_gap"),
            "cost": self.condition_values.get("cost"),
        }

    def plot(self, *, ax: Any = None, metric: str | None = None) -> Any:
        """Each group's ``metric`` (default: the constrained rate, else the cost
        per row) against the threshold, the chosen thresholds marked; returns the
        Axes."""
        from ...render.whatif import fair_thresholds_plot

        return fair_thresholds_plot(self, ax=ax, metric=metric)

    def _html_sections(self) -> list[str]:
        from ...render.whatif import fair_thresholds_sections

        return fair_thresholds_sections(self)


def _rows(curves: GroupCurves, groups, vec: np.ndarray, cost_ratio: float) -> list:
    rows = []
    tot = np.zeros(4)
    for g, name in enumerate(groups):
        c = curves.counts(g, vec[g])
        tot += np.asarray(c, dtype=np.float64)
        rows.append(_row(name, float(vec[g]), c, cost_ratio))
    same = float(vec[0]) if np.all(vec == vec[0]) else float("nan")
    rows.append(_row("overall", same, tuple(tot), cost_ratio))
    return rows


def _row(name: Any, threshold: float, counts, cost_ratio: float) -> dict[str, Any]:
    tp, fp, fn, tn = (float(c) for c in counts)
    r = rates(tp, fp, fn, tn, cost_ratio)
    out = {"group": name, "threshold": threshold}
    out.update({k: float(v) for k, v in r.items()})
    out.update({"tp": tp, "fp": fp, "fn": fn, "tn": tn})
    return out


def _spread(values: list[float]) -> tuple[float, float]:
    v = [x for x in values if not math.isnan(x)]
    if len(v) < 2:
        return float("nan"), float("nan")
    hi, lo = max(v), min(v)
    return hi - lo, (lo / hi if hi > 0 else 1.0)


def _values(rows: list[dict], strategy: str, grid_step: float) -> dict[str, float]:
    groups = rows[:-1]
    overall = rows[-1]
    pr_gap, pr_ratio = _spread([r["positive_rate"] for r in groups])
    tpr_gap, tpr_ratio = _spread([r["tpr"] for r in groups])
    fpr_gap, _ = _spread([r["fpr"] for r in groups])
    acc_gap, _ = _spread([r["accuracy"] for r in groups])
    gaps = {"positive_rate": pr_gap, "tpr": tpr_gap, "accuracy": acc_gap}
    constraint = CONSTRAINED_METRIC.get(strategy)
    return {
        "positive_rate_ratio": pr_ratio,
        "positive_rate_gap": pr_gap,
        "tpr_gap": tpr_gap,
        "tpr_ratio": tpr_ratio,
        "fpr_gap": fpr_gap,
        "accuracy_gap": acc_gap,
        "gap": gaps[constraint] if constraint else float("nan"),
        "accuracy": overall["accuracy"],
        "cost": overall["cost"],
        "cost_per_row": overall["cost"] / overall["count"],
        "n_groups": float(len(groups)),
        "n_rows": float(sum(r["count"] for r in groups)),
        "grid_step": grid_step,
    }


def _summary(strategy, thresholds, values, constraint) -> str:
    shown = list(thresholds.items())
    text = ", ".join(f"{k}: {v:.3g}" for k, v in shown[:6])
    if len(shown) > 6:
        text += f", … ({len(shown)} groups)"
    parts = [f"{strategy} thresholds ({text})"]
    if constraint:
        parts.append(f"{constraint} gap {values['gap']:.3g}")
    parts.append(f"positive-rate ratio {values['positive_rate_ratio']:.3g}")
    if not math.isnan(values["tpr_gap"]):
        parts.append(f"TPR gap {values['tpr_gap']:.3g}")
    parts.append(f"cost {values['cost']:.4g}")
    return "; ".join(parts)


def _check_strategy(strategy: Any) -> None:
    if strategy not in STRATEGIES:
        raise MlnbValueError(
            f"strategy must be one of {', '.join(map(repr, STRATEGIES))}; got "
            f"{strategy!r}"
        )


def _build(
    curves: GroupCurves,
    labels: list,
    grid_arr: np.ndarray,
    strategy: str,
    ratio: float,
    conditions: Any,
    pos_label: Any,
    neg_label: Any,
) -> FairThresholds:
    """Solve ``strategy`` on the sorted counts and judge the result."""
    if strategy == "equal_opportunity":
        no_pos = [labels[g] for g in range(len(labels)) if curves.totals(g)[1] <= 0]
        if no_pos:
            raise DataValidationError(
                f"groups {no_pos[:10]!r} have no positive labels, so their true "
                "positive rate is undefined and equal_opportunity cannot hold; "
                "merge small groups or use demographic_parity"
            )
    tp, fp, fn, tn = curves.grid_counts(grid_arr)
    grid_rates = rates(tp, fp, fn, tn, ratio)
    idx = _solve(strategy, grid_rates, grid_rates["cost"])
    vec = grid_arr[idx]
    rows = _rows(curves, labels, vec, ratio)
    step = float(np.max(np.diff(grid_arr)))
    values = _values(rows, strategy, step)
    status, outcomes = judge(
        conditions,
        values,
        defaults=DEFAULT_CONDITIONS,
        check=FairThresholds.check,
    )
    thresholds = {name: float(vec[g]) for g, name in enumerate(labels)}
    constraint = CONSTRAINED_METRIC.get(strategy)
    result = FairThresholds(
        step="fairness",
        status=status,
        summary=_summary(strategy, thresholds, values, constraint),
        outcomes=outcomes,
        condition_values=values,
        strategy=strategy,
        thresholds=thresholds,
        cost_ratio=ratio,
        constraint=constraint,
        gap=values["gap"],
        groups=tuple(labels),
        grid=tuple(float(t) for t in grid_arr),
        grid_step=step,
        positive_label=pos_label,
        negative_label=neg_label,
        rows=tuple(rows),
        curves=curves,
    )
    return result


def fair_thresholds(
    y_true: Any,
    y_score: Any,
    groups: Any,
    *,
    strategy: str = "single",
    cost_ratio: float = 1.0,
    positive_label: Any = None,
    sample_weight: Any = None,
    grid: Any = None,
    conditions: Any = None,
    publish: bool = True,
) -> FairThresholds:
    """Decision thresholds per group of a sensitive feature, as the What-If Tool's
    "Performance & Fairness" tab chooses them.

    Parameters
    ----------
    y_true:
        Binary labels (0/1, booleans, or two values with ``positive_label``).
    y_score:
        Scores of the positive class (probabilities or decision values), one per
        row; NaN raises.
    groups:
        The sensitive feature's value per row (at least two groups).
    strategy:
        ``"single"`` (one threshold, lowest total cost), ``"demographic_parity"``
        (equal positive rates), ``"equal_opportunity"`` (equal true positive
        rates), ``"equal_accuracy"`` (equal accuracies) or ``"lowest_cost"`` (each
        group its own cost-minimising threshold). Parity strategies are the
        cheapest thresholds whose rates are equal within one grid step (see the
        module :mod:`mlnb.checks.whatif.thresholds`).
    cost_ratio:
        Cost of a false positive divided by the cost of a false negative (the
        What-If Tool's "cost ratio (FP/FN)"); cost = ``cost_ratio·FP + FN``.
    positive_label:
        The positive class when the labels are not 0/1 or booleans.
    sample_weight:
        Weights per row (counts become weighted sums).
    grid:
        The thresholds searched: ``None`` for 101 points (0, 0.01, ..., 1 when
        all scores are in [0, 1], as the What-If Tool; else evenly spaced from the
        smallest to the largest score, plus one point above it); an int for that
        many points; or the thresholds themselves.
    conditions:
        Conditions replacing :data:`DEFAULT_CONDITIONS` (values:
        :data:`CONDITION_VALUES`).
    publish:
        Record the result as step 6's ``fair_thresholds`` evidence.

    Returns
    -------
    FairThresholds
        ``.thresholds``, ``.to_frame()``, ``.at(thresholds)`` for other
        thresholds (two binary searches per group).

    Raises
    ------
    MlnbValueError
        Unknown strategy, bad cost_ratio or grid, inputs of different lengths.
    DataValidationError
        Labels missing or of one class, NaN scores, one group, missing groups;
        for ``"equal_opportunity"`` a group without positives.

    Examples
    --------
    >>> import numpy as np, mlnb
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 1000)
    >>> s = np.clip(0.3 * y + rng.uniform(0, 0.7, 1000), 0, 1)
    >>> g = np.where(rng.random(1000) < 0.5, "a", "b")
    >>> r = mlnb.fair_thresholds(y, s, g, strategy="demographic_parity",
    ...                          publish=False)
    >>> sorted(r.thresholds)
    ['a', 'b']
    >>> r.gap <= 0.05
    True
    """
    _check_strategy(strategy)
    if not isinstance(publish, (bool, np.bool_)):
        raise MlnbValueError(f"publish must be True or False; got {publish!r}")
    ratio = _read_cost_ratio(cost_ratio)
    positive, pos_label, neg_label = binary_mask(
        y_true, positive_label=positive_label, name="y_true"
    )
    n = len(positive)
    scores = _read_scores(y_score, n)
    codes, labels = _read_groups(groups, n)
    weights = as_weights(sample_weight, n)
    grid_arr = _read_grid(grid, scores)
    curves = GroupCurves(scores, positive, codes, len(labels), weights)
    weight_per_group = np.array([sum(curves.totals(g)) for g in range(len(labels))])
    if (weight_per_group <= 0).any():
        bad = [labels[g] for g in np.flatnonzero(weight_per_group <= 0)]
        raise DataValidationError(
            f"groups {bad[:10]!r} have zero total sample_weight; give them weight "
            "or drop them"
        )
    result = _build(
        curves, labels, grid_arr, strategy, ratio, conditions, pos_label, neg_label
    )
    return result.publish() if publish else result
