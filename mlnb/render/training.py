"""HTML for step 3 (training): the accelerators this machine has and what Vertex AI
offers, training jobs, their best result and the step-3 run record (and its plot).
Everything from data is escaped by :mod:`mlnb.render.html`; matplotlib is imported
only inside :func:`plot_trials`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import html as H

__all__ = [
    "accelerators_sections",
    "gpu_table",
    "catalog_table",
    "trials_table",
    "job_html",
    "result_html",
    "run_sections",
    "plot_trials",
]


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


# -- training jobs -------------------------------------------------------------------
_STATE_STATUS = {
    "queued": "info",
    "running": "info",
    "cancelling": "warn",
    "succeeded": "pass",
    "failed": "fail",
    "cancelled": "warn",
}


def _params_text(params: Mapping) -> str:
    return ", ".join(f"{k}={H.fmt(v)}" for k, v in params.items())


def _seconds(value: Any) -> Any:
    return "–" if value is None else round(float(value), 2)


def trials_table(rows: Any, metric: str | None, best: int | None = None) -> str:
    """One row per trial (dicts with ``trial``, ``state``, ``value``, ``seconds``,
    ``exit_code``, ``devices``, ``params``); the best trial marked with ★."""
    header = (
        "trial",
        "state",
        metric or "value",
        "seconds",
        "exit",
        "devices",
        "params",
    )
    body = [
        (
            f"{r['trial']}{' ★' if best is not None and r['trial'] == best else ''}",
            r["state"],
            r.get("value"),
            _seconds(r.get("seconds")),
            "–" if r.get("exit_code") is None else r["exit_code"],
            r.get("devices") or "",
            _params_text(r.get("params") or {}),
        )
        for r in rows
    ]
    return H.table(body, header, align_right_from=2)


def job_html(job: Any) -> str:
    """A training job's card: state, trials so far, the error of a failed job,
    the last log lines."""
    spec = job.spec
    rows = [t.row() for t in job.trials()]
    best_trial = job.best()
    best = None if best_trial is None else best_trial.number
    duration = job.duration
    summary = (
        f"{spec.name}: {job.state} on {job.backend}; {len(rows)} of "
        f"{spec.max_trials} trial{'s' if spec.max_trials != 1 else ''}"
        + (f"; {duration:.1f} s" if duration is not None else "")
    )
    sections = []
    if rows:
        sections.append(trials_table(rows, spec.metric, best))
    error = getattr(job, "error", None)
    if error:
        sections.append(f'<pre style="white-space:pre-wrap">{H.esc(error)}</pre>')
    tail = job.logs(tail=10)
    if tail:
        sections.append(
            "<details><summary>Last log lines</summary>"
            f'<pre style="white-space:pre-wrap">{H.esc(tail)}</pre></details>'
        )
    return H.card(
        status=_STATE_STATUS.get(job.state, "info"),
        title="Step 3 · training job",
        subtitle=f"mlnb.train.launch({spec.target})",
        summary=summary,
        sections=sections,
    )


def result_html(result: Any) -> str:
    """The best trial of a finished job: its number, value, parameters, artefacts."""
    value = (
        f"{H.esc(result.metric)} = {H.esc(H.fmt(result.value))} ({H.esc(result.goal)})"
        if result.metric
        else "no metric asked for"
    )
    rows = [(k, v) for k, v in result.params.items()]
    metrics = [(k, v) for k, v in result.metrics.items()]
    parts = [
        f"<div><strong>Best trial {H.esc(result.trial)}</strong>: {value}; "
        f"{H.esc(_seconds(result.duration))} s</div>"
    ]
    if rows:
        parts.append(H.table(rows, ("parameter", "value")))
    if metrics:
        parts.append(H.table(metrics, ("metric", "last value")))
    if result.artifact_dir:
        parts.append(f"<div>artefacts: <code>{H.esc(result.artifact_dir)}</code></div>")
    return f'<div class="mlnb-train-result">{"".join(parts)}</div>'


def run_sections(run: Any) -> list[str]:
    """The body of a ``TrainingRun`` card: the numbers, the trials, notes."""
    facts = [
        ("backend", run.backend),
        ("target", run.target),
        ("state", run.job_state),
        ("wall time (s)", _seconds(run.wall_seconds)),
        ("devices", ", ".join(run.devices) or "–"),
    ]
    if run.metric:
        facts.append((f"best {run.metric} ({run.goal})", run.best_value))
    if run.best_params:
        facts.append(("best parameters", _params_text(run.best_params)))
    if run.previous_wall_seconds is not None:
        facts.append(("previous run (s)", _seconds(run.previous_wall_seconds)))
        facts.append(("speed-up", f"{run.speed_up:.2f}×" if run.speed_up else "–"))
    out = [H.table(facts, ("", ""), align_right_from=9)]
    if run.error:
        out.append(f'<pre style="white-space:pre-wrap">{H.esc(run.error)}</pre>')
    if run.trial_rows:
        out.append(
            "<details><summary>Trials</summary>"
            + trials_table(run.trial_rows, run.metric, run.best_trial)
            + "</details>"
        )
    if run.notes:
        out.append(H.bullet_list(run.notes))
    return out


def plot_trials(run: Any, *, ax: Any = None, metric: str | None = None) -> Any:
    """The metric against the step, one line per trial, the best one thick; a
    metric reported without a step is drawn at its trial's last step + 1."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    name = metric or run.metric
    rows = [dict(r) for r in run.metric_rows]
    if name is None and rows:
        name = rows[0]["metric"]
    by_trial: dict[int, list[tuple[float, float]]] = {}
    for r in rows:
        if r["metric"] != name:
            continue
        pts = by_trial.setdefault(int(r["trial"]), [])
        step = r["step"]
        if step is None:
            step = (pts[-1][0] + 1) if pts else 0
        pts.append((float(step), float(r["value"])))
    for trial, pts in sorted(by_trial.items()):
        xs, ys = zip(*pts)
        best = trial == run.best_trial
        ax.plot(
            xs,
            ys,
            marker="o" if len(pts) < 30 else None,
            linewidth=2.5 if best else 1.0,
            alpha=1.0 if best else 0.5,
            label=f"trial {trial}" + (" (best)" if best else ""),
            zorder=3 if best else 2,
        )
    ax.set_xlabel("step")
    ax.set_ylabel(name or "metric")
    ax.set_title(f"{run.name}: {name or 'no metric'} per trial")
    if by_trial and len(by_trial) <= 12:
        ax.legend(fontsize=8)
    return ax
