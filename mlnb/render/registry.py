"""Rendering of step 8's model registry: the promotion card and the version table."""

from __future__ import annotations

from typing import Any

from . import html as H

__all__ = ["promotion_card", "versions_html"]

#: Secondary text: the theme's second text colour (readable in the dark theme), this
#: grey outside JupyterLab.
_META = "var(--jp-ui-font-color2, #616161)"


def promotion_card(p: Any) -> str:
    """A :class:`~mlnb.runtime.registry.result.Promotion` as an escaped HTML card."""
    sections = [
        f'<div style="color:{_META};font-size:11px">'
        + H.esc(
            f"{p.action} · {p.name}@{p.alias} · registry {p.registry}"
            + (f" · model {p.model_id[:23]}" if p.model_id else "")
        )
        + "</div>"
    ]
    rows = [
        ["promoted", "yes" if p.promoted else "no"],
        ["version", p.version if p.version is not None else "—"],
        ["previous", p.previous if p.previous is not None else "—"],
        ["reason", p.reason],
    ]
    # a two-column key / value table: no header row (an empty one shows as a gap)
    sections.append(H.table(rows, align_right_from=9))
    if p.blocking:
        sections.append(
            H.bullet_list(list(p.blocking), title=f"What blocks ({len(p.blocking)})")
        )
    return H.card(
        status=p.status,
        title="Step 8 · Deployment",
        subtitle="mlnb.promote" if p.action == "promote" else "mlnb.rollback",
        summary=p.summary,
        sections=sections,
    )


def versions_html(frame: Any, *, name: str, location: str) -> str:
    """The version table of one registered model (a DataFrame) as escaped HTML."""
    header = [str(c) for c in frame.columns]
    rows = [list(r) for r in frame.itertuples(index=False)]
    title = (
        f'<div style="font-weight:600">{H.esc(name)} · {len(rows)} version'
        f"{'s' if len(rows) != 1 else ''}</div>"
        f'<div style="color:{_META};font-size:11px">{H.esc(location)}</div>'
    )
    return title + H.table(rows, header, align_right_from=len(header))
