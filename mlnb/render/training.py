"""HTML for step 3 (training): the accelerators this machine has and what Vertex AI
offers. Everything from data is escaped by :mod:`mlnb.render.html`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import html as H

__all__ = ["accelerators_sections", "gpu_table", "catalog_table"]


def gpu_table(gpus: Any) -> str:
    """One row per GPU: device, name, memory used / total (MiB), utilisation."""
    rows = [
        (
            f"cuda:{g.index}",
            g.name,
            _mib(g.memory_used_mib),
            _mib(g.memory_total_mib),
            "–" if g.utilization_pct is None else f"{g.utilization_pct:.0f}%",
        )
        for g in gpus
    ]
    header = ("device", "name", "memory used (MiB)", "memory (MiB)", "utilisation")
    return H.table(rows, header, align_right_from=2)


def catalog_table(
    catalog: Mapping[str, Mapping[str, tuple]],
    *,
    source: str,
    source_date: str,
    title: str = "What Vertex AI custom training offers",
) -> str:
    """Machine types × accelerator types × allowed counts, in a closed
    ``<details>`` block, with the source and its date."""
    rows = [
        (machine, accel, ", ".join(map(str, counts)))
        for machine, offered in catalog.items()
        for accel, counts in sorted(offered.items())
    ]
    table = H.table(rows, ("machine type", "accelerator type", "counts"))
    note = (
        f'<div style="font-size:90%;opacity:.8">Source: {H.esc(source)}, as of '
        f"{H.esc(source_date)}. Machine types without accelerators (e2-, n2-, "
        "n1-, c2-, m1-) run CPU-only training.</div>"
    )
    return f"<details><summary>{H.esc(title)}</summary>{table}{note}</details>"


def accelerators_sections(result: Any, catalog: Mapping | None = None) -> list[str]:
    """The body of an ``Accelerators`` card: GPUs (or a plain "none"), framework
    devices, notes, and (with ``catalog``) the Vertex AI table."""
    out = []
    if result.gpus:
        out.append(gpu_table(result.gpus))
    else:
        out.append("<div><strong>No CUDA GPU</strong> on this machine.</div>")
    for framework, devices in sorted((result.frameworks or {}).items()):
        shown = ", ".join(devices) if devices else "no devices"
        out.append(f"<div>{H.esc(framework)}: {H.esc(shown)}</div>")
    if result.notes:
        out.append(H.bullet_list(result.notes))
    if catalog is not None:
        out.append(
            catalog_table(
                catalog,
                source=result.vertex_source,
                source_date=result.vertex_source_date,
            )
        )
    return out


def _mib(value: float | None) -> Any:
    return "–" if value is None else int(round(value))
