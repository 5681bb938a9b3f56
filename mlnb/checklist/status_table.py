"""The checklist as a table: each step with the status this session knows.

A step's status is the worst of the newest record of each check that reported on it
(fail > warn > info > pass); every such check is listed under its step.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from ..render import html as H
from . import session
from .steps import STEPS, Step, get_step

__all__ = ["ChecklistStatus", "checklist_status", "StepHelp"]

NOT_CHECKED = "not checked"


def _when(created: str) -> str:
    """An ISO time as ``2026-11-28 12:00:03 UTC`` (the text itself when it is not
    an ISO time)."""
    try:
        when = _dt.datetime.fromisoformat(str(created).strip())
    except ValueError:
        return str(created)
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.timezone.utc)
    return when.astimezone(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _check_row(rec: dict[str, Any]) -> dict[str, Any]:
    return {
        "check": rec.get("check") or rec["step"],
        "status": rec["status"],
        "summary": rec.get("summary", ""),
        "created": rec.get("created", ""),
        "decided_by": rec.get("decided_by") or "",
    }


class ChecklistStatus:
    """The ten steps with their status in this kernel (``%mlcheck``).

    Parameters
    ----------
    checks:
        Step id -> the newest record of each check on the step, oldest first (as
        :func:`mlnb.checklist.session.all_checks` returns it, the default).
    """

    def __init__(self, checks: dict[str, list[dict[str, Any]]] | None = None) -> None:
        self.checks = session.all_checks() if checks is None else checks

    def rows(self) -> list[dict[str, Any]]:
        """One dict per step: ``number``, ``step``, ``title``, ``status`` (the worst
        of its checks, or ``"not checked"``), ``summary`` and ``check`` of the check
        that decided it, ``created`` (the newest check's time) and ``checks`` (one
        dict per check: ``check``, ``status``, ``summary``, ``created``,
        ``decided_by``; oldest first)."""
        out = []
        for step in STEPS:
            recs = list(self.checks.get(step.id, ()))
            worst = session.worst_record(recs)
            out.append(
                {
                    "number": step.number,
                    "step": step.id,
                    "title": step.title,
                    "status": worst["status"] if worst else NOT_CHECKED,
                    "summary": worst.get("summary", "") if worst else "",
                    "check": (worst.get("check") or step.id) if worst else "",
                    "created": recs[-1].get("created", "") if recs else "",
                    "checks": [_check_row(r) for r in recs],
                }
            )
        return out

    @property
    def progress(self) -> str:
        """ "N of 10 checked, F failing, W warning", counting steps by their status."""
        rows = self.rows()
        checked = [r for r in rows if r["status"] != NOT_CHECKED]
        failing = sum(r["status"] == "fail" for r in rows)
        warning = sum(r["status"] == "warn" for r in rows)
        text = f"{len(checked)} of {len(rows)} checked"
        if failing:
            text += f", {failing} failing"
        if warning:
            text += f", {warning} warning"
        return text

    def to_frame(self):
        """One row per step (without the per-check list; see :meth:`checks_frame`)."""
        import pandas as pd

        return pd.DataFrame(
            [{k: v for k, v in r.items() if k != "checks"} for r in self.rows()]
        )

    def checks_frame(self):
        """One row per check: ``number``, ``step``, ``check``, ``status``,
        ``summary``, ``created``, ``decided_by``."""
        import pandas as pd

        columns = [
            "number",
            "step",
            "check",
            "status",
            "summary",
            "created",
            "decided_by",
        ]
        out = [
            {"number": r["number"], "step": r["step"], **c}
            for r in self.rows()
            for c in r["checks"]
        ]
        return pd.DataFrame(out, columns=columns)

    def __repr__(self) -> str:
        lines = [f"mlnb checklist — {self.progress}"]
        for r in self.rows():
            status = r["status"].upper() if r["status"] != NOT_CHECKED else "·"
            lines.append(f"{r['number']:>2}. {r['step']:<15} {status:<6} {r['title']}")
            for c in r["checks"]:
                line = f"      {c['status'].upper():<5} {c['check']}"
                if c["summary"]:
                    line += f" — {c['summary']}"
                line += f" ({_when(c['created'])})"
                lines.append(line)
                if c["decided_by"]:
                    lines.append(f"            decided by: {c['decided_by']}")
        lines.append("%mlcheck help STEP — what a step is about and how to check it")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        cell = (
            "padding:3px 10px;border-bottom:1px solid var(--jp-border-color2,#ddd);"
            "vertical-align:top;"
        )
        muted = "color:var(--jp-ui-font-color2,#666)"
        body = []
        for r in self.rows():
            status = r["status"]
            badge = (
                H.badge(status)
                if status != NOT_CHECKED
                else f'<span style="{muted}">not checked</span>'
            )
            items = []
            for c in r["checks"]:
                decided = (
                    f'<div style="{muted};font-size:90%">decided by: '
                    f"{H.esc(c['decided_by'])}</div>"
                    if c["decided_by"]
                    else ""
                )
                items.append(
                    '<li class="mlnb-check" style="margin:0 0 3px 0">'
                    f"{H.badge(c['status'])} <code>{H.esc(c['check'])}</code> "
                    f"{H.esc(c['summary'])} "
                    f'<span style="{muted};font-size:90%;white-space:nowrap">'
                    f"{H.esc(_when(c['created']))}</span>{decided}</li>"
                )
            checks = (
                f'<ul style="list-style:none;margin:0;padding:0">{"".join(items)}</ul>'
                if items
                else ""
            )
            body.append(
                f'<tr data-step="{H.esc(r["step"])}" data-status="{H.esc(status)}">'
                f'<td style="{cell}text-align:right">{r["number"]}</td>'
                f'<td style="{cell}"><code>{H.esc(r["step"])}</code></td>'
                f'<td style="{cell}">{H.esc(r["title"])}</td>'
                f'<td style="{cell}">{badge}</td>'
                f'<td style="{cell}">{checks}</td></tr>'
            )
        return (
            '<div class="mlnb-checklist" style="font-family:var(--jp-ui-font-family,'
            'system-ui,sans-serif);color:var(--jp-ui-font-color1,#1f1f1f)">'
            f"<strong>mlnb checklist</strong> — {H.esc(self.progress)}"
            '<table style="border-collapse:collapse;margin-top:4px">'
            f'<thead><tr><th style="{cell}">#</th><th style="{cell}">step</th>'
            f'<th style="{cell}text-align:left">what goes wrong</th>'
            f'<th style="{cell}">status</th>'
            f'<th style="{cell}text-align:left">newest record of each check</th>'
            "</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>"
            f'<div style="margin-top:4px;{muted}">'
            "<code>%mlcheck help STEP</code> — what a step is about and how to check "
            "it</div></div>"
        )


def checklist_status() -> ChecklistStatus:
    """The checklist with each step's status (the worst of its checks) in this
    session."""
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
