"""The checklist as a table: each step with the newest status this session knows."""

from __future__ import annotations

from typing import Any

from ..render import html as H
from . import session
from .steps import STEPS, Step, get_step

__all__ = ["ChecklistStatus", "checklist_status", "StepHelp"]


class ChecklistStatus:
    """The ten steps with their newest status in this kernel (``%mlcheck``)."""

    def __init__(self, records: dict[str, dict[str, Any]] | None = None) -> None:
        self.records = session.records() if records is None else records

    def rows(self) -> list[dict[str, Any]]:
        out = []
        for step in STEPS:
            rec = self.records.get(step.id)
            out.append(
                {
                    "number": step.number,
                    "step": step.id,
                    "title": step.title,
                    "status": rec["status"] if rec else "not checked",
                    "summary": rec["summary"] if rec else "",
                    "check": rec.get("check", "") if rec else "",
                    "created": rec.get("created", "") if rec else "",
                }
            )
        return out

    @property
    def progress(self) -> str:
        rows = self.rows()
        checked = [r for r in rows if r["status"] != "not checked"]
        failing = sum(r["status"] == "fail" for r in rows)
        warning = sum(r["status"] == "warn" for r in rows)
        text = f"{len(checked)} of {len(rows)} checked"
        if failing:
            text += f", {failing} failing"
        if warning:
            text += f", {warning} warning"
        return text

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame(self.rows())

    def __repr__(self) -> str:
        lines = [f"mlnb checklist — {self.progress}"]
        for r in self.rows():
            status = r["status"].upper() if r["status"] != "not checked" else "·"
            line = f"{r['number']:>2}. {r['step']:<15} {status:<6} {r['title']}"
            if r["summary"]:
                line += f"\n    {r['summary']}"
            lines.append(line)
        lines.append("%mlcheck help STEP — what a step is about and how to check it")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        cell = "padding:3px 10px;border-bottom:1px solid var(--jp-border-color2,#ddd);"
        body = []
        for r in self.rows():
            status = r["status"]
            badge = (
                H.badge(status)
                if status in H.STATUS_COLORS
                else '<span style="color:var(--jp-ui-font-color2,#777)">'
                "not checked</span>"
            )
            body.append(
                f'<tr><td style="{cell}text-align:right">{r["number"]}</td>'
                f'<td style="{cell}"><code>{H.esc(r["step"])}</code></td>'
                f'<td style="{cell}">{H.esc(r["title"])}</td>'
                f'<td style="{cell}">{badge}</td>'
                f'<td style="{cell}">{H.esc(r["summary"])}</td></tr>'
            )
        return (
            '<div class="mlnb-checklist" style="font-family:var(--jp-ui-font-family,'
            'system-ui,sans-serif);color:var(--jp-ui-font-color1,#1f1f1f)">'
            f"<strong>mlnb checklist</strong> — {H.esc(self.progress)}"
            '<table style="border-collapse:collapse;margin-top:4px">'
            f'<thead><tr><th style="{cell}">#</th><th style="{cell}">step</th>'
            f'<th style="{cell}text-align:left">what goes wrong</th>'
            f'<th style="{cell}">status</th>'
            f'<th style="{cell}text-align:left">newest check</th></tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>"
            '<div style="margin-top:4px;color:var(--jp-ui-font-color2,#666)">'
            "<code>%mlcheck help STEP</code> — what a step is about and how to check "
            "it</div></div>"
        )


def checklist_status() -> ChecklistStatus:
    """The checklist with the newest status per step known in this session."""
    return ChecklistStatus()


class StepHelp:
    """What a step is about and the mlnb commands for it (``%mlcheck help STEP``)."""

    def __init__(self, step: Step | str, usage: str = "") -> None:
        self.step = get_step(step) if isinstance(step, str) else step
        self.usage = usage

    def __repr__(self) -> str:
        s = self.step
        out = [f"Step {s.number} ({s.id}): {s.title}", "", "Questions to answer:"]
        out += [f"  - {q}" for q in s.questions]
        out += ["", "What helps:"] + [f"  - {r}" for r in s.remedies]
        if s.entry_points:
            out += ["", "mlnb entry points:"] + [f"  {e}" for e in s.entry_points]
        if s.commands:
            out += ["", "Commands:"] + [f"  {c}" for c in s.commands]
        else:
            out += ["", "mlnb has no check for this step yet."]
        if self.usage:
            out += ["", self.usage.rstrip()]
        return "\n".join(out)

    def _repr_html_(self) -> str:
        s = self.step
        parts = [
            '<div style="font-family:var(--jp-ui-font-family,system-ui,sans-serif);'
            'color:var(--jp-ui-font-color1,#1f1f1f);max-width:860px">',
            f"<strong>Step {s.number} · {H.esc(s.title)}</strong> "
            f"<code>{H.esc(s.id)}</code>",
            H.bullet_list(s.questions, title="Questions to answer"),
            H.bullet_list(s.remedies, title="What helps"),
        ]
        if s.entry_points:
            parts.append(H.bullet_list(s.entry_points, title="mlnb entry points"))
        if s.commands:
            parts.append(H.bullet_list(s.commands, title="Commands"))
        else:
            parts.append("<p>mlnb has no check for this step yet.</p>")
        if self.usage:
            parts.append(f"<pre>{H.esc(self.usage)}</pre>")
        parts.append("</div>")
        return "".join(parts)
