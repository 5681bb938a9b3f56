"""Judging slices: which are significantly worse than the rest, by how much, and
the conditions that turn that into a status.

A slice is *judged* when it has at least ``min_slice_size`` rows and a defined
goal metric. It is *significantly worse* when a two-sided z-test at the
result's ``confidence`` says its goal metric is worse than on the rest of the
data (every row outside the slice; overall where the rest cannot be computed
exactly) and the metric rests on at least :data:`MIN_SUPPORT` examples — after a
correction for testing many slices at once (``correction``, default Holm 1979:
the p-values of the judged slices are adjusted together, and a slice is flagged
when its adjusted p-value is below ``1 - confidence``). Without a correction,
2,000 slices drawn from one distribution would flag about 50 by chance. Its
*gap* is how much worse: absolute for metrics bounded in [0, 1], relative to the
overall value for unbounded ones (log loss, MAE, RMSE) — the registry's
:attr:`~mlnb.core.metrics.Metric.bounded`.

The status then comes from conditions (:class:`mlnb.Condition`) over the values
listed in :data:`CONDITION_VALUES`; :data:`DEFAULT_CONDITIONS` are the defaults.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import numpy as np

from ...core import metrics as M
from ...core.conditions import Condition
from ...errors import MlnbValueError

__all__ = [
    "CORRECTIONS",
    "DEFAULT_CORRECTION",
    "adjust_p_values",
    "check_correction",
    "DEFAULT_CONDITIONS",
    "CONDITION_VALUES",
    "MIN_SLICE_SIZE",
    "MIN_SUPPORT",
    "check_goal",
    "default_goal",
    "flag_rows",
    "gap",
    "condition_values",
    "word_summary",
]

#: Slices with fewer rows are shown as "too small" and never judged.
MIN_SLICE_SIZE = 30
#: Nor is a slice flagged on a metric that rests on fewer examples than this (e.g.
#: recall of a slice with 3 positives): the normal approximation behind the test
#: needs about ten events.
MIN_SUPPORT = 10

#: Multiple-comparison corrections of the "significantly worse" test across the
#: slices judged: ``"holm"`` — Holm (1979), "A simple sequentially rejective
#: multiple test procedure", Scand. J. Statist. 6:65-70; controls the
#: family-wise error rate (the chance of flagging any slice when none differs)
#: at ``1 - confidence``; ``"bh"`` — Benjamini & Hochberg (1995), controls the
#: false discovery rate (more power with many real differences); ``None`` — each
#: slice tested alone (the behaviour before corrections; expect false alarms
#: with many slices).
CORRECTIONS = ("holm", "bh", None)
#: Holm: with thousands of slices, pure noise flags nothing in at least
#: ``confidence`` of repetitions.
DEFAULT_CORRECTION = "holm"
_CORRECTION_NAMES = {
    "holm": "Holm (1979) family-wise correction",
    "bh": "Benjamini-Hochberg (1995) false-discovery-rate correction",
    None: "no multiple-comparison correction",
}


def check_correction(correction: Any) -> str | None:
    """``correction`` when it is one of :data:`CORRECTIONS` (case-insensitive);
    otherwise an error listing them."""
    if correction is None:
        return None
    if isinstance(correction, str) and correction.lower() in ("holm", "bh"):
        return correction.lower()
    raise MlnbValueError(
        f"correction must be one of 'holm' (default), 'bh' or None; got {correction!r}"
    )


def correction_name(correction: str | None) -> str:
    """A readable name of ``correction`` with its reference."""
    return _CORRECTION_NAMES[correction]


def adjust_p_values(p: Any, method: str | None) -> np.ndarray:
    """``p`` adjusted for multiple comparisons by ``method`` (see
    :data:`CORRECTIONS`); NaN entries stay NaN and do not count as tests.

    Holm: the i-th smallest of m p-values becomes ``max_{j<=i} min(1, (m-j+1)
    p_(j))``; Benjamini-Hochberg: ``min_{j>=i} min(1, m p_(j) / j)``.
    """
    p = np.asarray(p, dtype=np.float64)
    out = p.copy()
    if method is None:
        return out
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m == 0:
        return out
    vals = p[ok]
    order = np.argsort(vals, kind="stable")
    sp = vals[order]
    ranks = np.arange(1, m + 1, dtype=np.float64)
    if method == "holm":
        adj = np.maximum.accumulate(np.minimum(1.0, (m - ranks + 1.0) * sp))
    elif method == "bh":
        adj = np.minimum.accumulate((m * sp / ranks)[::-1])[::-1]
        adj = np.minimum(1.0, adj)
    else:  # pragma: no cover - checked by check_correction
        raise MlnbValueError(f"unknown correction {method!r}")
    res = np.empty(m)
    res[order] = adj
    out[ok] = res
    return out


_GAP_WHY = (
    "the largest gap of a significantly worse slice on the goal metric (absolute "
    "for metrics in [0, 1], relative for log loss, MAE, RMSE); gaps of 0.05-0.10 "
    "are the size fairness reviews commonly act on (e.g. the four-fifths rule "
    "allows 0.2 on a ratio; Google's ML Fairness Indicators flag differences of "
    "a few points)"
)

#: The default conditions of :func:`~mlnb.checks.fairness.sliced_metrics`:
#: a significantly worse slice with a gap of at least 0.10 fails, of at least
#: 0.05 warns; when no slice could be judged the status is ``info``.
DEFAULT_CONDITIONS: tuple[Condition, ...] = (
    Condition(
        "worst_gap",
        "<",
        0.10,
        name="no slice significantly worse by 0.10 or more",
        why=_GAP_WHY,
    ),
    Condition(
        "worst_gap",
        "<",
        0.05,
        status="warn",
        name="no slice significantly worse by 0.05 or more",
        why=_GAP_WHY,
    ),
    Condition(
        "n_judged",
        ">=",
        1,
        status="info",
        name="at least one slice judged",
        why=(
            "slices with fewer than min_slice_size rows (default 30) or an "
            "undefined goal metric cannot be judged"
        ),
    ),
)

#: The values conditions may read, and what they hold.
CONDITION_VALUES = {
    "worst_gap": "largest gap of a significantly worse slice (0 when none)",
    "n_flagged": "slices significantly worse than the rest",
    "n_judged": "slices with at least min_slice_size rows and a defined goal",
    "n_slices": "slices of every slicing",
    "n_too_small": "slices with fewer than min_slice_size rows",
    "goal_value": "the goal metric overall",
    "<metric>": "each computed metric overall, by name (e.g. roc_auc)",
}


def default_goal(task: str, *, has_scores: bool) -> str:
    """``roc_auc`` for binary scores, ``accuracy`` for binary predictions and
    multi-class, ``mae`` for regression."""
    if task == "binary":
        return "roc_auc" if has_scores else "accuracy"
    return {"multiclass": "accuracy", "regression": "mae"}[task]


def check_goal(goal: Any, task: str) -> str:
    """``goal`` when it can judge a ``task`` model (a registered metric of the
    task with a direction); otherwise an error listing the ones that can."""
    allowed = list(M.goals(task))
    if goal not in allowed:
        raise MlnbValueError(
            f"goal_metric {goal!r} cannot judge a {task} model; choose one of {allowed}"
        )
    return goal


def gap(row: Any, goal: str, overall_value: float) -> float:
    """How much worse ``row`` is than the rest on ``goal`` (positive = worse):
    absolute for bounded metrics, relative to ``overall_value`` otherwise."""
    rest = row[f"{goal}_rest"]
    metric = M.get(goal)
    diff = (rest - row[goal]) if metric.higher_is_better else (row[goal] - rest)
    if not metric.bounded:
        return diff / abs(overall_value) if overall_value else math.inf
    return diff


def flag_rows(rows: list[dict], overall: dict, state: dict):
    """The result frame: the overall row and every slice's row with ``too_small``,
    the goal metric's ``_difference`` / ``_ratio`` to overall, its value on the
    rest, the p-value of the slice-vs-rest test and ``significantly_worse``; and
    the support frame (examples each metric rests on) aligned with it."""
    import pandas as pd

    goal = state["goal_metric"]
    higher = M.get(goal).higher_is_better
    ov = overall[goal]
    min_size = state["min_slice_size"]
    k_difference, k_ratio, k_rest, k_p_value, k_p_adjusted = (
        f"{goal}_{s}" for s in ("difference", "ratio", "rest", "p_value", "p_adjusted")
    )
    tests: list[tuple[dict, bool]] = []  # (row, worse direction) of judged slices
    for row in [overall, *rows]:
        row["too_small"] = row is not overall and row["count"] < min_size
        value = row[goal]
        row[k_difference] = value - ov
        row[k_ratio] = value / ov if ov else math.nan
        rest = row.get("_rest", {}).get(goal, math.nan)
        rest_se = row.get("_rest_se", {}).get(goal, math.nan)
        if math.isnan(rest):  # no exact complement: compare with overall
            rest, rest_se = ov, 0.0
        se = row.get("_se", {}).get(goal, math.nan)
        row[k_rest] = rest
        p = math.nan
        worse = False
        if row is not overall and not math.isnan(value) and not math.isnan(rest):
            denom = math.sqrt((se if not math.isnan(se) else 0.0) ** 2 + rest_se**2)
            if denom > 0:
                zs = (value - rest) / denom
                p = 2.0 * NormalDist().cdf(-abs(zs))
                worse = (zs < 0) if higher else (zs > 0)
        support = row.get("_support", {}).get(goal, math.inf)
        judged = row is not overall and not row["too_small"]
        if row is not overall and support < MIN_SUPPORT and not row["too_small"]:
            judged = False
            note = (
                f"{goal} rests on {support:.0f} examples (fewer than {MIN_SUPPORT}): "
                "not judged"
            )
            row["notes"] = f"{row['notes']}; {note}" if row["notes"] else note
        row[k_p_value] = p
        row[k_p_adjusted] = math.nan
        row["significantly_worse"] = False
        if judged and not math.isnan(p):
            tests.append((row, worse))
    # one family: every judged slice of every slicing
    correction = state.get("correction", DEFAULT_CORRECTION)
    alpha = 1.0 - state["confidence"]
    adjusted = adjust_p_values([r[k_p_value] for r, _ in tests], correction)
    for (row, worse), q in zip(tests, adjusted):
        row[k_p_adjusted] = float(q)
        row["significantly_worse"] = bool(worse and q < alpha)
    every = [overall, *rows]
    front = ["slice", "value", "raw_value", "count", "weighted_count", "too_small"]
    metric_cols = [
        c for m in state["metrics"] for c in (m, f"{m}_ci_low", f"{m}_ci_high")
    ]
    goal_cols = [
        f"{goal}_difference",
        f"{goal}_ratio",
        f"{goal}_rest",
        f"{goal}_p_value",
        f"{goal}_p_adjusted",
        "significantly_worse",
        "notes",
    ]
    # column by column: no second copy of every row (tens of thousands of slices)
    columns = front + metric_cols + goal_cols
    frame = pd.DataFrame({c: [r.get(c, math.nan) for r in every] for c in columns})
    # the values keep their own types (1 and "1", None for missing): no coercion
    frame["raw_value"] = pd.Series(
        [r.get("raw_value", r.get("value")) for r in every], dtype=object
    )
    support = pd.DataFrame(
        {
            m: np.array(
                [r.get("_support", {}).get(m, math.nan) for r in every], dtype=float
            )
            for m in state["metrics"]
        },
        index=frame.index,
    )
    return frame, support


def _judged(frame, goal: str):
    slices = frame.iloc[1:]
    return slices[~slices["too_small"] & slices[goal].notna()]


def condition_values(frame, state: dict) -> dict[str, Any]:
    """The numbers conditions may read (see :data:`CONDITION_VALUES`)."""
    goal = state["goal_metric"]
    overall = frame.iloc[0]
    slices = frame.iloc[1:]
    judged = _judged(frame, goal)
    flagged = judged[judged["significantly_worse"]]
    worst = 0.0
    if len(flagged):
        worst = float(max(gap(r, goal, overall[goal]) for _, r in flagged.iterrows()))
    values: dict[str, Any] = {m: float(overall[m]) for m in state["metrics"]}
    values.update(
        worst_gap=worst,
        n_flagged=int(len(flagged)),
        n_judged=int(len(judged)),
        n_slices=int(len(slices)),
        n_too_small=int(slices["too_small"].sum()),
        goal_value=float(overall[goal]),
    )
    return values


def word_summary(frame, state: dict, status: str, outcomes: tuple) -> str:
    """The one-sentence summary: the worst significantly worse slice (or the
    lowest one when none is), how many were judged, and — when a condition on
    something else decided the status — that condition's sentence."""
    goal = state["goal_metric"]
    overall = frame.iloc[0]
    slices = frame.iloc[1:]
    judged = _judged(frame, goal)
    n_small = int(slices["too_small"].sum())
    small_note = f"; {n_small} slice(s) too small to judge" if n_small else ""
    if len(judged) == 0:
        text = (
            f"no slice has at least {state['min_slice_size']} rows with a defined "
            f"{goal}; nothing to judge{small_note}"
        )
    else:
        flagged = judged[judged["significantly_worse"]]
        if len(flagged):
            gaps = flagged.apply(lambda r: gap(r, goal, overall[goal]), axis=1)
            worst = flagged.loc[gaps.idxmax()]
            rel = "" if M.get(goal).bounded else " (relative)"
            text = (
                f"{worst['slice']}={worst['value']} has {goal} {worst[goal]:.3f} vs "
                f"{worst[f'{goal}_rest']:.3f} for the rest ({int(worst['count']):,} "
                f"rows, gap {float(gaps.max()):.3f}{rel}); {len(flagged)} of "
                f"{len(judged)} slices significantly worse{_corr(state)}{small_note}"
            )
            if status == "pass":
                bounds = [
                    o.condition.bound
                    for o in outcomes
                    if o.condition.metric == "worst_gap"
                    and o.condition.op in ("<", "<=")
                ]
                if bounds:
                    text += f" — all gaps below the {min(bounds):g} margin"
        else:
            higher = M.get(goal).higher_is_better
            lowest = judged.sort_values(goal, ascending=higher, kind="stable").iloc[0]
            text = (
                f"no slice significantly worse than the rest on {goal} (overall "
                f"{overall[goal]:.3f}; lowest {lowest['slice']}={lowest['value']} "
                f"{lowest[goal]:.3f}); {len(judged)} slices judged{_corr(state)}"
                f"{small_note}"
            )
    if len(judged) and M.get(goal).computed_by_fn:
        text += f"; {goal} has no confidence interval: no slice is tested"
    decider = _decider(outcomes, status)
    if decider is not None and decider.condition.metric not in (
        "worst_gap",
        "n_judged",
        "n_flagged",
    ):
        text += f"; {decider.sentence}"
    return text


def _corr(state: dict) -> str:
    c = state.get("correction", DEFAULT_CORRECTION)
    return {"holm": " (Holm-corrected)", "bh": " (BH-corrected)"}.get(c, "")


def _decider(outcomes: tuple, status: str):
    if status == "pass":
        return None
    for o in outcomes:
        if o.status == status:
            return o
    return None
