"""Drawings and HTML blocks for step 1: the goal card and the baselines."""

from __future__ import annotations

import math
from typing import Any

from . import html as H
from .plots import PALETTE, new_axes, plain_text

__all__ = ["goal_sections", "baselines_sections", "baselines_bars"]

_MISSING = {
    "users": "Who uses the predictions? Write it down: goal(..., users='...').",
    "decision": (
        "Which decision do the predictions feed or automate? Write it down: "
        "goal(..., decision='...')."
    ),
}


def goal_sections(g: Any) -> list[str]:
    """The goal written down, what is missing, and the problem-fit questions."""
    direction = "at least" if g.higher_is_better else "at most"
    rows = [
        ("task", g.task),
        ("success metric", f"{g.metric_label} ({g.metric})"),
        ("target", f"{direction} {H.fmt(g.target)}"),
    ]
    if g.positive_label is not None:
        rows.append(("positive class", repr(g.positive_label)))
    for name in ("users", "decision", "notes"):
        value = getattr(g, name)
        rows.append((name, value if value is not None else "not written down"))
    sections = [H.table(rows, header=("the goal", ""), align_right_from=9)]
    missing = [_MISSING[m] for m in g.missing]
    if missing:
        sections.append(H.bullet_list(missing, title="Missing"))
    sections.append(H.bullet_list(g.questions, title="Is this the right problem?"))
    return sections


def baselines_sections(r: Any) -> list[str]:
    """A table of every baseline's scores (primary metric first), the goal's
    target against the best trivial baseline, and the notes."""
    # one row per metric, one column per baseline: the table stays narrow however
    # many companion metrics there are
    names = list(r.scores)
    header = (
        "metric",
        *(f"{n} ({r.kinds[n]})" if r.kinds[n] != "trivial" else n for n in names),
    )
    rows = [
        (
            f"{m} (goal)" if m == r.metric else m,
            *(H.fixed(r.scores[n][m]) for n in names),
        )
        for m in r.metrics
    ]
    sections = [H.table(rows, header=header, align_right_from=1)]
    facts = []
    try:
        best = r.best()
        facts.append(
            (f"best trivial baseline ({r.metric})", f"{best.name}: {H.fmt(best.score)}")
        )
    except Exception:  # no defined score
        pass
    if r.goal_target is not None:
        facts.append(("goal's target", H.fmt(r.goal_target)))
    if r.one_feature is not None:
        facts.append(("one_feature uses", str(r.one_feature)))
    if facts:
        sections.append(H.table(facts, header=("", ""), align_right_from=1))
    advice = [
        "Any model must beat the best trivial baseline on the goal's metric; a model "
        "that does not has learnt nothing the label's frequencies do not already say.",
        "Accuracy near most_frequent's is the accuracy trap: check balanced accuracy, "
        "ROC AUC and average precision too.",
    ]
    if r.task == "regression":
        advice = [
            "Any model must beat predicting the training mean (or median) on the "
            "goal's metric; R² above 0 means it does on squared error."
        ]
    sections.append(H.bullet_list([*advice, *r.notes], title="Reading the baselines"))
    return sections


def baselines_bars(r: Any, *, ax: Any = None):
    """Horizontal bars of each baseline's primary-metric score (trivial ones
    grey, models coloured) with the goal's target as a dashed line; returns the
    Axes."""
    n = len(r.scores)
    fig, ax = new_axes(ax, figsize=(5.5, 0.45 * n + 1.2))
    names = list(r.scores)
    values = [r.scores[name][r.metric] for name in names]
    shown = [0.0 if (v is None or math.isnan(v)) else v for v in values]
    colors = [
        PALETTE["majority"] if r.kinds[name] == "trivial" else PALETTE["line"]
        for name in names
    ]
    ys = list(range(n))[::-1]
    ax.barh(ys, shown, color=colors)
    ax.set_yticks(ys, [plain_text(name) for name in names])
    for y, v in zip(ys, values):
        text = "undefined" if v is None or math.isnan(v) else f"{v:.3g}"
        ax.annotate(
            text,
            (0, y),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
            color="#ffffff" if text != "undefined" else "#333",
        )
    if r.goal_target is not None:
        ax.axvline(r.goal_target, color=PALETTE["minority"], ls="--", lw=1.2)
        ax.text(
            r.goal_target,
            n - 0.45,
            f" target {r.goal_target:g}",
            color=PALETTE["minority"],
            fontsize=8,
            va="bottom",
        )
    direction = (
        "higher is better" if r.higher_is_better[r.metric] else "lower is better"
    )
    ax.set_xlabel(f"{plain_text(r.metric)} ({direction})")
    ax.set_title("Baselines on the test rows", fontsize=10)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


def goal_scale(g: Any, scores: dict, *, ax: Any = None):
    """The goal's metric as one horizontal scale: the side that meets the target
    shaded, the target as a dashed line, and each of ``scores`` (label -> value)
    as a labelled point. Returns the Axes."""
    fig, ax = new_axes(ax, figsize=(6.0, 0.42 * max(len(scores), 1) + 1.3))
    lo, hi = g.metric_range
    values = [v for v in scores.values() if v is not None and math.isfinite(v)]
    known = [g.target, *values]
    left = lo if math.isfinite(lo) else min(known) - 0.1 * (abs(min(known)) + 1)
    right = hi if math.isfinite(hi) else max(known) + 0.1 * (abs(max(known)) + 1)
    if g.higher_is_better:
        ax.axvspan(g.target, right, color=PALETTE["majority"], alpha=0.15, lw=0)
    else:
        ax.axvspan(left, g.target, color=PALETTE["majority"], alpha=0.15, lw=0)
    ax.axvline(g.target, color=PALETTE["minority"], ls="--", lw=1.2)
    names = list(scores)
    ys = list(range(len(names)))[::-1]
    for y, name in zip(ys, names):
        v = scores[name]
        if v is None or not math.isfinite(v):
            ax.annotate("undefined", (left, y), va="center", fontsize=8, color="#666")
            continue
        met = g.beats(v)
        ax.plot([v], [y], "o", color=PALETTE["line"] if met else "#9e9e9e", ms=7)
        ax.annotate(
            f"{v:.3g}",
            (v, y),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    ax.set_yticks(ys, [plain_text(n) for n in names])
    ax.set_ylim(-0.7, max(len(names), 1) - 0.3)
    ax.set_xlim(left, right)
    direction = "higher is better" if g.higher_is_better else "lower is better"
    ax.set_xlabel(f"{plain_text(g.metric_label)} ({direction})")
    ax.set_title(
        f"goal: {plain_text(g.metric_label)} "
        f"{'≥' if g.higher_is_better else '≤'} {g.target:g} (shaded: meets it)",
        fontsize=9,
    )
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax
