"""Drawings and HTML for step 6's What-If computations: per-group thresholds,
the nearest counterfactual, partial dependence (matplotlib imported only when
drawing; every string from data escaped)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import MlnbValueError
from . import html as H
from .plots import PALETTE, new_axes, plain_text

__all__ = [
    "fair_thresholds_sections",
    "fair_thresholds_plot",
    "counterfactual_html",
    "partial_dependence_html",
    "partial_dependence_plot",
]

_RATE_LABELS = {
    "positive_rate": "positive rate",
    "tpr": "true positive rate",
    "fpr": "false positive rate",
    "precision": "precision",
    "accuracy": "accuracy",
    "cost": "cost",
}


# -- fair thresholds -------------------------------------------------------------------
def fair_thresholds_sections(result: Any) -> list[str]:
    """The per-group table of a :class:`FairThresholds` card."""
    header = [
        "group",
        "threshold",
        "count",
        "positive rate",
        "TPR",
        "FPR",
        "precision",
        "accuracy",
        "cost",
    ]
    rows = [
        [
            r["group"],
            r["threshold"],
            r["count"],
            r["positive_rate"],
            r["tpr"],
            r["fpr"],
            r["precision"],
            r["accuracy"],
            r["cost"],
        ]
        for r in result.rows
    ]
    note = (
        f"strategy {result.strategy}, cost ratio (FP/FN) {H.fmt(result.cost_ratio)}, "
        f"grid of {len(result.grid)} thresholds (step {H.fmt(result.grid_step)}); "
        f"positive class {result.positive_label!r}; predicted positive when "
        "score >= threshold"
    )
    return [H.table(rows, header), f"<div>{H.esc(note)}</div>"]


def fair_thresholds_plot(result: Any, *, ax: Any = None, metric: str | None = None):
    """Each group's ``metric`` over the grid, its chosen threshold marked."""
    metric = metric or result.constraint or "cost"
    if metric not in _RATE_LABELS:
        raise MlnbValueError(
            f"metric must be one of {', '.join(map(repr, _RATE_LABELS))}; got "
            f"{metric!r}"
        )
    fig, ax = new_axes(ax)
    frame = result.grid_frame()
    chosen = result.metrics_at(result.thresholds)
    for name in result.groups:
        part = frame[frame["group"].map(lambda g, name=name: g == name)]
        y = part[metric].to_numpy(dtype=float)
        if metric == "cost":
            y = y / np.maximum(part["count"].to_numpy(dtype=float), 1e-300)
        (line,) = ax.plot(part["threshold"], y, lw=1.2, label=plain_text(name))
        t = result.thresholds[name]
        row = next(x for x in chosen if x["group"] == name)
        v = row[metric] / row["count"] if metric == "cost" else row[metric]
        ax.plot([t], [v], "o", color=line.get_color())
    ax.set_xlabel("threshold (score >= threshold is positive)")
    ax.set_ylabel(_RATE_LABELS[metric] + (" per row" if metric == "cost" else ""))
    ax.set_title(f"{result.strategy}: per-group thresholds", fontsize=10)
    ax.legend(fontsize=8)
    return ax


# -- counterfactual --------------------------------------------------------------------
def counterfactual_html(cf: Any) -> str:
    """The side-by-side table, changed features in bold."""
    changed = set(map(repr, cf.changed))
    cell = "padding:2px 10px;border-bottom:1px solid var(--jp-border-color2, #ddd);"
    body = []
    for f, a, b in zip(cf.features, cf.query_values, cf.values):
        weight = "font-weight:600;" if repr(f) in changed else ""
        body.append(
            f'<tr style="{weight}"><td style="{cell}">{H.esc(f)}</td>'
            f'<td style="{cell}">{H.esc(H.fmt(a))}</td>'
            f'<td style="{cell}">{H.esc(H.fmt(b))}</td>'
            f'<td style="{cell}">{"changed" if repr(f) in changed else ""}</td></tr>'
        )
    head = (
        f"<thead><tr><th style='{cell}'>feature</th>"
        f"<th style='{cell}'>row {H.esc(cf.query_index)} "
        f"(predicted {H.esc(cf.query_prediction)})</th>"
        f"<th style='{cell}'>row {H.esc(cf.index)} "
        f"(predicted {H.esc(cf.prediction)})</th><th style='{cell}'></th></tr></thead>"
    )
    summary = (
        f"Nearest counterfactual of row {cf.query_index!r}: row {cf.index!r}, "
        f"{cf.distance_kind} distance {H.fmt(cf.distance)}, "
        f"{len(cf.changed)} of {len(cf.features)} features differ "
        f"({cf.n_candidates:,} rows with another prediction searched)"
    )
    return (
        '<div class="mlnb-card mlnb-counterfactual">'
        f"<div>{H.esc(summary)}</div>"
        '<div class="mlnb-scroll" style="overflow-x:auto;max-width:100%">'
        '<table class="mlnb-table" style="border-collapse:collapse;margin:6px 0">'
        f"{head}<tbody>{''.join(body)}</tbody></table></div></div>"
    )


# -- partial dependence ----------------------------------------------------------------
def partial_dependence_html(pd_: Any) -> str:
    """A short table of the average curve (first 50 grid values)."""
    sampled = " (a random sample)" if pd_.sampled else ""
    text = (
        f"Partial dependence of {pd_.feature!r} over {pd_.n_rows:,} rows{sampled}, "
        f"{len(pd_.grid)} grid values ({pd_.kind})"
    )
    parts = [f"<div>{H.esc(text)}</div>"]
    if pd_.average is not None:
        avg = pd_.average
        if avg.ndim == 1:
            rows = [[g, v] for g, v in zip(pd_.grid[:50], avg[:50])]
            header = [str(pd_.feature), "average prediction"]
        else:
            rows = [[g, *avg[:, i]] for i, g in enumerate(pd_.grid[:50])]
            header = [str(pd_.feature), *(f"P({c})" for c in pd_.classes)]
        parts.append(H.table(rows, header))
    return '<div class="mlnb-card mlnb-pdp">' + "".join(parts) + "</div>"


def partial_dependence_plot(pd_: Any, *, ax: Any = None, max_lines: int = 100):
    """PDP line (per class for several), thin ICE curves, bars for categories."""
    fig, ax = new_axes(ax)
    grid = list(pd_.grid)
    x = np.arange(len(grid)) if pd_.categorical else np.asarray(grid, dtype=float)
    multi = (pd_.average is not None and pd_.average.ndim == 2) or (
        pd_.individual is not None and pd_.individual.ndim == 3
    )
    n_out = len(pd_.classes) if multi else 1
    for k in range(n_out):
        label = f"P({plain_text(pd_.classes[k])})" if multi else "average"
        if pd_.individual is not None:
            ice = pd_.individual[k] if multi else pd_.individual
            for row in ice[:max_lines]:
                ax.plot(x, row, color=PALETTE["majority"], lw=0.5, alpha=0.4)
        if pd_.average is not None:
            avg = pd_.average[k] if multi else pd_.average
            style = "o-" if pd_.categorical else "-"
            ax.plot(x, avg, style, lw=2, label=label)
    if pd_.categorical:
        ax.set_xticks(
            x, [plain_text(g) for g in grid], rotation=45 if len(grid) > 6 else 0
        )
    ax.set_xlabel(plain_text(pd_.feature))
    ax.set_ylabel("prediction")
    sampled = " (sample)" if pd_.sampled else ""
    ax.set_title(f"Partial dependence, {pd_.n_rows:,} rows{sampled}", fontsize=10)
    if pd_.average is not None:
        ax.legend(fontsize=8)
    return ax
