"""Rendering of step 8's evaluation gate: the decision card and its plot."""

from __future__ import annotations

import math
from typing import Any

from . import html as H
from .plots import new_axes, plain_text

__all__ = ["card", "plot"]

_RED = "#c62828"
_GREEN = "#2e7d32"
_GREY = "#616161"  # plots
#: Secondary text in the cards: the theme's second text colour (readable in the dark
#: theme), this grey outside JupyterLab.
_META = "var(--jp-ui-font-color2, #616161)"


def _num(x: Any) -> Any:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


def card(decision: Any) -> str:
    """The decision as an escaped HTML card: what blocked the candidate first, then
    every threshold × slice row."""
    frame = decision.to_frame()
    sections = []
    verdict = "BLESSED" if decision.blessed else "BLOCKED"
    color = _GREEN if decision.blessed else _RED
    sections.append(
        f'<div style="font-size:15px;font-weight:700;color:{color}">'
        f"{H.esc(verdict)}</div>"
        f'<div style="color:{_META};font-size:11px">candidate '
        f"{H.esc(decision.candidate_id[:23])}"
        + (
            f" · baseline {H.esc(decision.baseline_id[:23])}"
            if decision.baseline_id
            else " · no baseline"
        )
        + f" · {H.esc(f'{decision.n_rows:,}')} rows</div>"
    )
    blocking = frame.loc[~frame["passed"]]
    if len(blocking):
        sections.append(
            H.bullet_list(
                list(blocking["sentence"]),
                title=f"What blocks the candidate ({len(blocking)})",
            )
        )
    header = ["result", "metric", "slice", "rows", "candidate", "baseline", "bound"]
    rows = [
        [
            {"pass": "✓ pass", "fail": "✗ FAIL"}.get(r.status, "? not evaluated"),
            r.metric,
            r.slice,
            r.count,
            _num(r.candidate),
            _num(r.baseline),
            r.bound,
        ]
        for r in frame.itertuples(index=False)
    ]
    sections.append(
        "<details"
        + (" open" if len(rows) <= 30 else "")
        + f"><summary>All {len(rows)} threshold checks</summary>"
        + H.table(rows, header, align_right_from=3)
        + "</details>"
    )
    return H.card(
        status=decision.status,
        title="Step 8 · Deployment gate",
        subtitle="mlnb.gate",
        summary=decision.summary,
        sections=sections,
    )


def plot(decision: Any, *, ax: Any = None):
    """One line per threshold × slice: candidate (filled dot), baseline (hollow),
    a value threshold's bounds (bars); failing rows in red. Returns the Axes."""
    frame = decision.to_frame()
    n = len(frame)
    fig, ax = new_axes(ax, figsize=(6.0, max(2.0, 0.3 * n + 1)))
    ys = list(range(n))[::-1]
    for y, r in zip(ys, frame.itertuples(index=False)):
        c = _GREEN if r.passed else _RED
        if not math.isnan(r.candidate):
            ax.plot([r.candidate], [y], "o", color=c)
        if not math.isnan(r.baseline):
            ax.plot([r.baseline], [y], "o", mfc="none", color=c)
        if r.kind == "value":
            for t in decision.thresholds:
                if t["kind"] == "value" and t["metric"] == r.metric:
                    for b in (t["lower"], t["upper"]):
                        if b is not None:
                            ax.plot([b], [y], "|", color=_GREY, ms=12)
    ax.set_yticks(
        ys, [plain_text(f"{r.bound} · {r.slice}") for r in frame.itertuples()]
    )
    ax.set_xlabel("metric value (filled: candidate, hollow: baseline)")
    ax.set_title("BLESSED" if decision.blessed else "BLOCKED", fontsize=10)
    return ax
