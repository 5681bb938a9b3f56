"""Drawings and HTML blocks for step 7: global importance bars, one row's
waterfall, the method and the top features (escaped)."""

from __future__ import annotations

import math
from typing import Any

from . import html as H
from .plots import PALETTE, new_axes, plain_text

__all__ = ["sections", "importance_bars", "example_waterfall"]


def sections(result: Any) -> list[str]:
    """The card's blocks: how the attributions were computed, then the global
    importance table (top 15)."""
    facts = [
        ("method", result.method_name),
        ("why", result.method_reason),
        ("explains", result.output),
        (
            "rows",
            f"{result.n_rows:,}"
            + (
                f" (a random sample of {result.n_rows_total:,})"
                if result.sampled_rows
                else ""
            ),
        ),
        ("background rows", f"{result.n_background:,}"),
        ("additivity error", H.fmt(result.additivity_error)),
    ]
    if result.n_permutations is not None:
        facts.append(("permutations", f"{result.n_permutations:,}"))
        facts.append(("largest standard error", H.fmt(result.max_standard_error)))
    if result.steps is not None:
        facts.append(("integration steps", f"{result.steps:,}"))
    if result.partial:
        facts.append(("interrupted", "yes: fewer permutations than asked"))
    base = result.base_value
    if isinstance(base, dict):
        base = ", ".join(f"{k!s}: {H.fmt(v)}" for k, v in base.items())
    facts.append(("base value", H.fmt(base)))
    out = [H.table(facts, header=("fact", "value"), align_right_from=99)]
    with_se = result.n_permutations is not None
    rows = []
    for r in result.importance_rows[:15]:
        row = [
            str(r["feature"]),
            H.fixed(r["importance"], 4),
            H.fixed(r["mean_attribution"], 4),
        ]
        if with_se:
            row.append(H.fixed(r["standard_error"], 4))
        rows.append(tuple(row))
    header = ["feature", "mean |attribution|", "mean attribution"]
    if with_se:
        header.append("standard error")
    more = len(result.importance_rows) - len(rows)
    out.append(
        "<details open><summary>Global importance"
        + (f" (top 15 of {len(result.importance_rows)})" if more > 0 else "")
        + "</summary>"
        + H.table(rows, header=tuple(header))
        + "</details>"
    )
    return out


def importance_bars(result: Any, *, ax: Any = None, max_features: int = 20) -> Any:
    """Horizontal bars of mean |attribution|, most important on top (with the
    standard error as whiskers for sampled Shapley values)."""
    fig, ax = new_axes(
        ax, figsize=(5.5, 0.3 * min(max_features, len(result.importance_rows)) + 1.2)
    )
    rows = list(result.importance_rows[:max_features])[::-1]
    ys = range(len(rows))
    err = [r["standard_error"] for r in rows]
    has_err = any(not math.isnan(e) for e in err)
    ax.barh(
        list(ys),
        [r["importance"] for r in rows],
        xerr=[0 if math.isnan(e) else e for e in err] if has_err else None,
        color=PALETTE["line"],
    )
    ax.set_yticks(list(ys))
    ax.set_yticklabels([plain_text(r["feature"]) for r in rows])
    ax.set_xlabel(plain_text(f"mean |attribution| ({result.output})"))
    ax.set_title(plain_text(result.method_name))
    return ax


def example_waterfall(
    result: Any, i: int, *, ax: Any = None, max_features: int = 15
) -> Any:
    """One row: from the base value, each feature's attribution as a bar starting
    where the previous one ended (largest |attribution| first, the rest summed as
    "other features"), ending at the row's output."""
    frame = result.local_frame(i)
    shown = frame.iloc[:max_features]
    rest = frame["attribution"].iloc[max_features:].sum()
    labels = [
        plain_text(f"{f} = {v}") for f, v in zip(shown["feature"], shown["value"])
    ]
    amounts = list(shown["attribution"])
    if len(frame) > max_features:
        labels.append(f"{len(frame) - max_features} other features")
        amounts.append(rest)
    fig, ax = new_axes(ax, figsize=(6.0, 0.35 * len(amounts) + 1.3))
    start = float(result.base_values[i])
    lefts = []
    for a in amounts:
        lefts.append(start)
        start += a
    ys = list(range(len(amounts)))[::-1]
    colors = [PALETTE["minority"] if a >= 0 else PALETTE["line"] for a in amounts]
    ax.barh(ys, amounts, left=lefts, color=colors)
    ends = [lft + a for lft, a in zip(lefts, amounts)]
    base, output = float(result.base_values[i]), float(result.outputs[i])
    lo, hi = min([*lefts, *ends, base, output]), max([*lefts, *ends, base, output])
    pad = 0.12 * (hi - lo) if hi > lo else 0.5 * max(abs(hi), 1e-3)
    ax.set_xlim(lo - pad, hi + pad)  # room for the base and output lines, labels
    for y, lft, a in zip(ys, lefts, amounts):
        ax.annotate(
            f"{a:+.3g}",
            (max(lft, lft + a), y),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    ax.set_yticks(ys)
    ax.set_yticklabels(labels)
    ax.axvline(float(result.base_values[i]), color="#888", linestyle=":", linewidth=1)
    ax.axvline(float(result.outputs[i]), color="#333", linestyle="--", linewidth=1)
    ax.set_xlabel(plain_text(result.output))
    ax.set_title(
        plain_text(
            f"row {result.row_labels[i]}: base {result.base_values[i]:.3g} → "
            f"output {result.outputs[i]:.3g}"
        )
    )
    return ax
