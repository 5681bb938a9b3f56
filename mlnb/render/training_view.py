"""The static drawing of the :class:`mlnb.widgets.training.TrainingLauncher` widget:
the job's spec and its trials as HTML, the metric per trial on matplotlib axes
(for the PNG fallback). Everything from data is escaped by :mod:`mlnb.render.html`;
matplotlib is imported inside :func:`plot_trials` only."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from . import html as H
from .plots import new_axes, plain_text

__all__ = ["plot_trials", "launcher_html", "spec_rows", "trial_rows"]

_COLORS = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948")
_BEST = "#c62828"
_STATE_STATUS = {
    "succeeded": "pass",
    "failed": "fail",
    "cancelled": "warn",
    "cancelling": "warn",
    "running": "info",
    "queued": "info",
}
# spec fields shown, in this order (others are left out of the static view)
_SPEC_KEYS = (
    "name",
    "backend",
    "target",
    "args",
    "machine_type",
    "accelerator_type",
    "accelerator_count",
    "replica_count",
    "image",
    "metric",
    "goal",
    "max_trials",
    "parallel_trials",
    "timeout",
    "project",
    "location",
    "staging_bucket",
    "run_dir",
)


def plot_trials(series: Mapping[str, Any], *, ax: Any = None) -> Any:
    """The charted metric against the step, one line per trial, the best trial
    drawn thick in red. ``series`` is the widget's ``series`` trait. Returns the
    Axes."""
    fig, ax = new_axes(ax, figsize=(6.0, 3.2))
    best = series.get("best")
    for i, line in enumerate(series.get("lines", [])):
        pts = line["points"]
        xs = [p[0] for p in pts]
        ys = [p[1] for p in pts]
        is_best = line["trial"] == best
        ax.plot(
            xs,
            ys,
            color=_BEST if is_best else _COLORS[i % len(_COLORS)],
            linewidth=2.6 if is_best else 1.2,
            alpha=1.0 if is_best else 0.75,
            marker="o" if len(pts) < 30 else None,
            markersize=3,
            label=f"trial {line['trial']}" + (" (best)" if is_best else ""),
            zorder=3 if is_best else 2,
        )
    metric = plain_text(series.get("metric") or "value")
    ax.set_xlabel("step")
    ax.set_ylabel(metric)
    goal = series.get("goal") or "maximize"
    ax.set_title(f"{metric} per trial ({goal})", fontsize=10)
    if len(series.get("lines", [])) <= 12:
        ax.legend(fontsize=8, loc="best")
    ax.grid(alpha=0.3)
    return ax


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value) if value else "–"
    if isinstance(value, Mapping):
        return json.dumps(value, sort_keys=True, default=str)
    return "–" if value is None or value == "" else str(value)


def spec_rows(info: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(field, value)`` of a job spec (``LaunchSpec.to_dict()``), with the
    search space as one line per parameter."""
    rows = [(k, _text(info[k])) for k in _SPEC_KEYS if k in info]
    space = info.get("hyperparameters") or {}
    if isinstance(space, Mapping):
        for name, p in space.items():
            rows.append((f"hyperparameter {name}", _text(p)))
    return rows


def _params(params: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={H.fmt(v)}" for k, v in params.items()) or "–"


def trial_rows(trials: Sequence[Mapping[str, Any]], best: int | None) -> list[tuple]:
    """One row per trial: number (★ for the best), state, parameters, value,
    seconds, exit code."""
    rows = []
    for r in trials:
        started, ended = r.get("started"), r.get("ended")
        seconds = ended - started if started and ended else None
        rows.append(
            (
                f"{r['number']}{' ★' if r['number'] == best else ''}",
                r.get("state", ""),
                _params(r.get("params") or {}),
                r.get("value"),
                None if seconds is None else round(seconds, 2),
                r.get("exit_code"),
            )
        )
    return rows


def launcher_html(
    *,
    form: Mapping[str, Any],
    job_info: Mapping[str, Any] | None,
    state: str,
    trials: Sequence[Mapping[str, Any]],
    best: int | None,
    png: str | None,
) -> str:
    """The static snapshot: the spec (or, before a launch, the form), the trials
    table, the chart PNG. Escaped throughout."""
    parts = [
        '<div class="mlnb-widget-fallback">',
        '<div style="font-size:12px;color:var(--jp-ui-font-color2, #555)">'
        "TrainingLauncher — static snapshot; the interactive view needs a running "
        "Jupyter kernel.</div>",
    ]
    if job_info is None:
        rows = [
            (k, _text(form.get(k)))
            for k in ("target", "backend", "metric", "goal", "max_trials")
            if k in form
        ]
        for row in form.get("hyperparameters") or []:
            rng = (
                row.get("values")
                if row.get("kind") == "choice"
                else f"{row.get('low')} … {row.get('high')}"
                + (" (log)" if row.get("log") else "")
            )
            rows.append(
                (f"hyperparameter {row.get('name')}", f"{row.get('kind')} {rng}")
            )
        parts.append(
            H.card(
                status="info",
                title="Training launcher",
                subtitle="step 3 (training)",
                summary="Not launched yet.",
                sections=[H.table(rows, ("field", "value"), align_right_from=9)],
            )
        )
    else:
        status = _STATE_STATUS.get(state, "info")
        name = job_info.get("name") or "training"
        done = sum(1 for r in trials if r.get("state") == "succeeded")
        summary = (
            f"{name}: {state or 'queued'} — {done} of {len(trials)} trial(s) succeeded"
        )
        best_row = next((r for r in trials if r["number"] == best), None)
        if best_row is not None and best_row.get("value") is not None:
            summary += (
                f"; best trial {best} with {job_info.get('metric') or 'value'} = "
                f"{H.fmt(best_row['value'])} ({_params(best_row.get('params') or {})})"
            )
        sections = [
            "<details><summary>job spec</summary>"
            + H.table(spec_rows(job_info), ("field", "value"), align_right_from=9)
            + "</details>"
        ]
        if trials:
            sections.append(
                H.table(
                    trial_rows(trials, best),
                    ("trial", "state", "parameters", "value", "seconds", "exit"),
                    align_right_from=3,
                )
            )
        parts.append(
            H.card(
                status=status,
                title="Training run",
                subtitle=f"step 3 (training) · {job_info.get('backend') or ''}",
                summary=summary,
                sections=sections,
            )
        )
    if png:
        parts.append(
            H.image_png(
                png,
                alt="The objective metric against the step per trial; the best "
                "trial drawn thick",
            )
        )
    parts.append("</div>")
    return "".join(parts)
