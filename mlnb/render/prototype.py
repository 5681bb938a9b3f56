"""Drawings and HTML blocks for step 2: scores against baselines, fit times, the
findings table."""

from __future__ import annotations

import math
from typing import Any

from ..errors import MlnbValueError
from . import html as H
from .plots import PALETTE, new_axes, plain_text

__all__ = ["sections", "scores_and_times"]

_SEVERITY_MARK = {"high": "HIGH", "medium": "medium", "low": "low"}


def _name(v: Any) -> str:
    return "(rows)" if v is None else str(v)


def sections(result: Any) -> list[str]:
    """The card's blocks: the split, the scores table, the findings, the top
    features (escaped)."""
    split = result.split
    facts = [
        ("split", f"{split['kind']}: {split['reason']}"),
        ("training rows", split["n_train"]),
        ("test rows", split["n_test"]),
        ("task", result.task),
    ]
    if result.positive_label is not None:
        facts.append(("positive class", repr(result.positive_label)))
    out = [H.table(facts, header=("fact", "value"), align_right_from=2)]
    metrics = list(result.metrics)
    frame = result.to_frame()
    rows = []
    for (name, role), part in frame.groupby(["name", "role"], sort=False):
        by = dict(zip(part["metric"], part["score"]))
        fit = part["fit_seconds"].iloc[0]
        rows.append(
            (
                name,
                role,
                *[H.fixed(by.get(m, math.nan)) for m in metrics],
                "" if math.isnan(fit) else f"{fit:.2f} s",
            )
        )
    out.append(H.table(rows, header=("model", "role", *metrics, "fit time")))
    if result.finding_rows:
        out.append(
            "<details open><summary>Findings</summary>"
            + H.table(
                [
                    (
                        _SEVERITY_MARK[r["severity"]],
                        r["kind"],
                        _name(r["column"]),
                        r["sentence"],
                    )
                    for r in result.finding_rows
                ],
                header=("severity", "kind", "column", "what it means"),
                align_right_from=99,
            )
            + "</details>"
        )
    else:
        out.append(H.bullet_list(["No findings: no leak, duplicate or odd column."]))
    if result.next_steps:
        out.append(H.bullet_list(result.next_steps, title="What to do next"))
    top = [
        (_name(r["feature"]), H.fixed(r["skill"]), H.fixed(r["linear_weight"]))
        for r in result.top_feature_rows[:10]
    ]
    if top:
        out.append(
            "<details><summary>Top features (alone, on the test rows)</summary>"
            + H.table(top, header=("feature", "skill alone", "linear weight"))
            + "</details>"
        )
    return out


def scores_and_times(result: Any, *, ax: Any = None):
    """Two panels: the primary metric for each model and baseline, and each
    model's fit time. Returns the two Axes (a numpy array)."""
    import numpy as np

    if ax is None:
        _, ax = new_axes(figsize=(8.0, 3.2), ncols=2)
    try:
        ax_scores, ax_time = ax
    except (TypeError, ValueError):
        raise MlnbValueError(
            "ax must be two matplotlib Axes (scores, fit times), e.g. "
            "fig.subplots(1, 2); got " + type(ax).__name__
        ) from None
    metric = result.metric
    frame = result.to_frame()
    part = frame[frame["metric"] == metric]
    names = [plain_text(v) for v in part["name"]]
    colors = [
        PALETTE["line"] if role == "model" else PALETTE["majority"]
        for role in part["role"]
    ]
    values = part["score"].to_numpy(dtype=float)
    pos = np.arange(len(names))
    ax_scores.barh(pos, np.nan_to_num(values), color=colors)
    ax_scores.set_yticks(pos, names)
    ax_scores.invert_yaxis()
    ax_scores.set_xlabel(plain_text(metric))
    ax_scores.set_title("Holdout score: models and baselines", fontsize=10)
    for p, v in zip(pos, values):
        if not math.isnan(v):
            ax_scores.annotate(f"{v:.3f}", (v, p), va="center", fontsize=8)
    models = list(result.fit_seconds)
    secs = [result.fit_seconds[m] for m in models]
    ax_time.barh(np.arange(len(models)), secs, color=PALETTE["line"])
    ax_time.set_yticks(np.arange(len(models)), [plain_text(m) for m in models])
    ax_time.invert_yaxis()
    ax_time.set_xlabel("fit time (s)")
    ax_time.set_title("Fit time", fontsize=10)
    for a in (ax_scores, ax_time):
        for side in ("top", "right"):
            a.spines[side].set_visible(False)
    return np.asarray([ax_scores, ax_time], dtype=object)
