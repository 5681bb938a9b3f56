"""Small escaped-HTML builders for result cards and static fallbacks.

Every string that may come from data goes through :func:`esc`. Colours use
JupyterLab's CSS variables with fallbacks, so cards read well in light and dark
themes and outside JupyterLab (nbconvert, GitHub).
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["esc", "fmt", "badge", "table", "card", "conditions_table", "STATUS_COLORS"]

STATUS_COLORS = {
    "pass": "#2e7d32",
    "info": "#1565c0",
    "warn": "#b26a00",
    "fail": "#c62828",
}

_FG = "var(--jp-ui-font-color1, #1f1f1f)"
_FG2 = "var(--jp-ui-font-color2, #555)"
_BORDER = "var(--jp-border-color2, #ddd)"
_FONT = "var(--jp-ui-font-family, system-ui, sans-serif)"


def esc(value: Any) -> str:
    """Escape any value for HTML text or attribute content."""
    return html.escape(str(value), quote=True)


def fmt(value: Any, digits: int = 4) -> str:
    """Format a number for people: ints with thousands separators, floats to
    ``digits`` significant digits, NaN as an en dash. Returns plain text."""
    if isinstance(value, bool) or value is None:
        return "–" if value is None else str(value)
    try:
        import numpy as np

        if isinstance(value, np.generic):
            value = value.item()
    except ImportError:  # pragma: no cover - numpy is a hard dependency
        pass
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        if math.isinf(value):
            return "∞" if value > 0 else "-∞"
        if value != 0 and (abs(value) >= 1e6 or abs(value) < 1e-3):
            return f"{value:.{digits - 1}e}"
        return f"{value:.{digits}g}"
    return str(value)


def fixed(value: Any, decimals: int = 3) -> str:
    """A score-like number with a fixed number of decimals (``0.826``), so the
    numbers of a column line up and a small gap reads ``0.000`` rather than in
    scientific notation; NaN or None as an en dash. Other values as :func:`fmt`."""
    try:
        import numpy as np

        if isinstance(value, np.generic):
            value = value.item()
    except ImportError:  # pragma: no cover - numpy is a hard dependency
        pass
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float) and not math.isinf(value):
        text = f"{value:,.{decimals}f}"
        # a tiny negative number rounds to "-0.000": no sign on a zero
        return text[1:] if text.startswith("-") and not text.strip("-0.,") else text
    return fmt(value)


def badge(status: str) -> str:
    color = STATUS_COLORS.get(status, "#616161")
    return (
        f'<span class="mlnb-badge mlnb-{esc(status)}" style="display:inline-block;'
        f"padding:1px 8px;border-radius:10px;background:{color};color:#fff;"
        f'font-size:11px;font-weight:600;letter-spacing:.04em">'
        f"{esc(status.upper())}</span>"
    )


def table(
    rows: Iterable[Sequence[Any]],
    header: Sequence[str] | None = None,
    *,
    align_right_from: int = 1,
) -> str:
    """An HTML table; cells are formatted with :func:`fmt` and escaped. A table
    wider than its cell scrolls sideways inside its own box instead of spilling
    out of the card."""
    cell = f"padding:2px 10px;border-bottom:1px solid {_BORDER};"
    out = [
        '<div class="mlnb-scroll" style="overflow-x:auto;max-width:100%">'
        '<table class="mlnb-table" style="border-collapse:collapse;margin:6px 0">'
    ]
    if header:
        out.append("<thead><tr>")
        for i, h in enumerate(header):
            align = "right" if i >= align_right_from else "left"
            out.append(f'<th style="{cell}text-align:{align}">{esc(h)}</th>')
        out.append("</tr></thead>")
    out.append("<tbody>")
    for row in rows:
        out.append("<tr>")
        for i, v in enumerate(row):
            align = "right" if i >= align_right_from else "left"
            out.append(f'<td style="{cell}text-align:{align}">{esc(fmt(v))}</td>')
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def card(
    *,
    status: str,
    title: str,
    subtitle: str,
    summary: str,
    sections: Iterable[str] = (),
) -> str:
    """A result card. ``sections`` must already be safe HTML (built here)."""
    color = STATUS_COLORS.get(status, "#616161")
    body = "".join(f'<div style="margin-top:6px">{s}</div>' for s in sections)
    return (
        f'<div class="mlnb-card" style="font-family:{_FONT};color:{_FG};'
        f"border:1px solid {_BORDER};border-left:4px solid {color};"
        f'border-radius:4px;padding:8px 12px;margin:4px 0;max-width:860px">'
        f'<div style="display:flex;gap:8px;align-items:center;flex-wrap:wrap">'
        f"{badge(status)}<strong>{esc(title)}</strong>"
        f'<span style="color:{_FG2}">{esc(subtitle)}</span></div>'
        f'<div class="mlnb-summary" style="margin-top:6px">{esc(summary)}</div>'
        f"{body}</div>"
    )


def bullet_list(items: Iterable[str], *, title: str | None = None) -> str:
    """A list of escaped text items, optionally under a <details> title."""
    lis = "".join(f"<li>{esc(item)}</li>" for item in items)
    ul = f'<ul style="margin:4px 0 0 0;padding-left:20px">{lis}</ul>'
    if title is None:
        return ul
    return f"<details open><summary>{esc(title)}</summary>{ul}</details>"


def image_png(png_base64: str, *, alt: str, width: int | None = None) -> str:
    w = f' width="{int(width)}"' if width else ""
    return f'<img alt="{esc(alt)}"{w} src="data:image/png;base64,{png_base64}"/>'


_SEVERITY = {"pass": 0, "info": 1, "warn": 2, "fail": 3}


def conditions_table(outcomes: Iterable[Any]) -> list[str]:
    """The conditions block of a result card: which rule decided the status (the
    first of the most severe, as :func:`mlnb.core.conditions.decide`), then every
    condition with its status chip, name, sentence and, where given, why it is
    there (empty list when there are no outcomes). Everything is escaped."""
    outcomes = list(outcomes)
    if not outcomes:
        return []
    decided = outcomes[0]
    for o in outcomes[1:]:
        if _SEVERITY.get(o.status, 0) > _SEVERITY.get(decided.status, 0):
            decided = o
    cell = f"padding:2px 10px;border-bottom:1px solid {_BORDER};"

    def why(o: Any) -> str:
        text = getattr(getattr(o, "condition", None), "why", "")
        if not text:
            return ""
        return f'<div style="color:{_FG2};font-size:90%">{esc(text)}</div>'

    rows = "".join(
        f'<tr><td style="{cell}">{badge(o.status)}</td>'
        f'<td style="{cell}"><code>{esc(o.name)}</code></td>'
        f'<td style="{cell}">{esc(o.sentence)}{why(o)}</td></tr>'
        for o in outcomes
    )
    why = esc(decided.sentence)
    return [
        f'<details class="mlnb-conditions"><summary>Status decided by: {why}'
        f"</summary>"
        '<table class="mlnb-table" style="border-collapse:collapse;margin:6px 0">'
        f"<tbody>{rows}</tbody></table></details>"
    ]
