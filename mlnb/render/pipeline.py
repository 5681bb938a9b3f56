"""HTML of a pipeline run: a strip of its steps (ran / skipped by a condition /
failed / not run) above a table of what each step produced. Every text is
escaped."""

from __future__ import annotations

from typing import Any

from . import html as H

__all__ = ["step_strip", "steps_table"]

_STATE_COLORS = {
    "ran": "#2e7d32",
    "skipped": "#9e9e9e",
    "failed": "#c62828",
    "not run": "#bdbdbd",
}
_STATE_WORDS = {
    "ran": "ran",
    "skipped": "skipped by the condition",
    "failed": "failed",
    "not run": "not run",
}


def step_strip(rows: list[dict[str, Any]]) -> str:
    """The steps side by side, coloured by state, joined by arrows."""
    boxes = []
    for r in rows:
        color = _STATE_COLORS.get(r["state"], "#616161")
        secs = "" if r.get("seconds") is None else f" · {r['seconds']:.1f} s"
        boxes.append(
            f'<span class="mlnb-step mlnb-step-{H.esc(r["state"].replace(" ", "-"))}"'
            f' title="{H.esc(_STATE_WORDS.get(r["state"], r["state"]))}"'
            f' style="display:inline-block;padding:3px 10px;border-radius:4px;'
            f"border:2px solid {color};color:{color};font-weight:600;"
            f'font-size:12px">{H.esc(r["step"])}'
            f'<span style="font-weight:400"> {H.esc(r["state"])}{H.esc(secs)}</span>'
            "</span>"
        )
    arrow = '<span style="color:#9e9e9e;padding:0 4px">→</span>'
    return (
        '<div class="mlnb-pipeline-strip" style="display:flex;flex-wrap:wrap;'
        f'align-items:center;gap:2px;margin:4px 0">{arrow.join(boxes)}</div>'
    )


def steps_table(rows: list[dict[str, Any]]) -> str:
    """One row per step: state, what it produced, seconds."""
    return H.table(
        [
            (
                r["step"],
                _STATE_WORDS.get(r["state"], r["state"]),
                r.get("outputs", ""),
                "" if r.get("seconds") is None else f"{r['seconds']:.2f}",
            )
            for r in rows
        ],
        header=["step", "state", "outputs", "seconds"],
        align_right_from=3,
    )
