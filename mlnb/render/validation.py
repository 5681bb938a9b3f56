"""HTML and plots of step 8's data validation: a schema's columns and a
validation result's anomalies. Every value is escaped (category values come
from the data)."""

from __future__ import annotations

from typing import Any

from . import html as H

__all__ = ["schema_html", "anomalies_sections", "plot_anomalies"]

_MAX_ROWS = 30
_SEVERITY_STATUS = {"error": "fail", "warning": "warn"}


def _cats(categories: Any, limit: int = 8) -> str:
    if categories is None:
        return ""
    shown = ", ".join(str(c) for c in categories[:limit])
    more = len(categories) - limit
    return shown + (f" … (+{more} more)" if more > 0 else "")


def schema_html(schema: Any) -> str:
    """A schema as a card-less table (escaped)."""
    rows = [
        (
            c.name,
            c.type,
            "yes" if c.nullable else "no",
            f"{c.missing_rate:.1%}",
            "" if c.min is None else c.min,
            "" if c.max is None else c.max,
            _cats(c.categories),
            "id" if c.unique else "",
            c.note,
        )
        for c in schema.columns[:_MAX_ROWS]
    ]
    out = [
        f"<div><b>Schema</b>: {len(schema.columns):,} columns, inferred from "
        f"{schema.n_rows:,} rows</div>",
        H.table(
            rows,
            header=(
                "column",
                "type",
                "nullable",
                "missing",
                "min",
                "max",
                "categories",
                "",
                "note",
            ),
            align_right_from=99,
        ),
    ]
    if len(schema.columns) > _MAX_ROWS:
        out.append(
            f"<div>… {len(schema.columns) - _MAX_ROWS} more columns; "
            "<code>.to_frame()</code> has them all.</div>"
        )
    return '<div class="mlnb-schema">' + "".join(out) + "</div>"


def anomalies_sections(result: Any) -> list[str]:
    """The anomalies table of a validation result (escaped)."""
    rows = list(result._rows)
    if not rows:
        return ["<div>No anomaly: the data matches the schema.</div>"]
    body = []
    for r in rows[:_MAX_ROWS]:
        body.append(
            (
                r["column"],
                r["kind"].replace("_", " "),
                r["severity"].upper(),
                r["sentence"],
                "" if r["count"] is None else r["count"],
            )
        )
    out = [
        H.table(
            body,
            header=("column", "anomaly", "severity", "what was found", "rows"),
            align_right_from=4,
        )
    ]
    if len(rows) > _MAX_ROWS:
        out.append(
            f"<div>… {len(rows) - _MAX_ROWS} more anomalies; "
            "<code>.anomalies</code> has them all.</div>"
        )
    return out


def plot_anomalies(result: Any, *, ax: Any = None):
    """Horizontal bars: the share of rows each anomaly concerns (1 for a
    column-level anomaly), red for errors, amber for warnings."""
    import matplotlib.pyplot as plt

    rows = list(result._rows)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.35 * max(len(rows), 2) + 1))
    labels = [f"{r['column']} · {r['kind'].replace('_', ' ')}" for r in rows]
    shares = [1.0 if r["share"] is None else r["share"] for r in rows]
    colors = [H.STATUS_COLORS[_SEVERITY_STATUS[r["severity"]]] for r in rows]
    ax.barh(range(len(rows)), shares, color=colors)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of rows")
    ax.set_title("Anomalies" if rows else "No anomaly")
    return ax
