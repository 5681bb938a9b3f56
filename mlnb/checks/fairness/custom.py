"""Metrics the user registered (:func:`mlnb.register_metric`), computed per slice
with their own ``fn``.

A registered metric requested in ``sliced_metrics(metrics=[...])`` is computed
on each slice's rows by calling ``fn(y_true, y_out, sample_weight=...)``, where
``y_out`` is what its ``needs`` says: scores (``"score"``), the 0/1 decisions at
the threshold or the predicted labels (``"threshold"``), the predictions
(``"prediction"``), or the label itself (``"none"``). It gets no interval, so a
slice is never *significantly* worse on it; its value, difference and ratio are
reported like any other metric's. A slice where ``fn`` raises ``ValueError``
(e.g. one class only) gets NaN and a note.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ...core import metrics as M
from .tables import MetricTable

__all__ = ["CustomData", "add_custom_metrics", "select_metrics"]


@dataclass(frozen=True)
class CustomData:
    """The rows a registered metric's ``fn`` reads.

    ``y``: the label as the metric sees it (0/1 for a binary model, the class
    labels for multi-class, values for regression); ``score``: scores or None;
    ``prediction``: predicted labels/values, or None when they come from
    ``score >= threshold``; ``weights``: sample weights or None.
    """

    y: np.ndarray
    score: np.ndarray | None
    prediction: np.ndarray | None
    weights: np.ndarray | None


def _output(data: CustomData, needs: str, threshold: float | None):
    if needs == "score":
        return data.score
    if needs == "none":
        return data.y
    if data.prediction is not None:
        return data.prediction
    if data.score is not None and data.score.ndim == 1 and threshold is not None:
        return (data.score >= threshold).astype(np.int64)
    return None


def add_custom_metrics(
    table: MetricTable,
    names: list[str],
    data: CustomData,
    codes: np.ndarray,
    k: int,
    *,
    threshold: float | None,
) -> None:
    """Add each registered metric in ``names`` to ``table`` (``k`` slices given
    by ``codes``): values from ``fn`` per slice, no interval, support = rows."""
    if not names:
        return
    order = np.argsort(codes, kind="stable")
    counts = np.bincount(codes, minlength=k)
    ends = np.cumsum(counts)
    starts = ends - counts
    for name in names:
        metric = M.get(name)
        out = _output(data, metric.needs, threshold)
        values = np.full(k, np.nan)
        notes: list[str] = [""] * k
        if out is None:
            notes = [f"{name} needs {metric.needs} values, which were not given"] * k
        else:
            for i in range(k):
                if counts[i] == 0:
                    continue
                idx = order[starts[i] : ends[i]]
                w = None if data.weights is None else data.weights[idx]
                try:
                    values[i] = float(metric.fn(data.y[idx], out[idx], sample_weight=w))
                except (ValueError, ZeroDivisionError, FloatingPointError) as exc:
                    notes[i] = f"{name}: {exc}"
        nan = np.full(k, np.nan)
        table.values[name] = values
        table.lo[name] = nan.copy()
        table.hi[name] = nan.copy()
        table.se[name] = nan.copy()
        table.support[name] = counts.astype(np.float64)
        for i, note in enumerate(notes):
            if note:
                old = table.notes[i]
                table.notes[i] = f"{old}; {note}" if old else note


def select_metrics(
    task: str, requested: Any, goal: str | None, *, has_scores: bool
) -> tuple[list[str], str]:
    """The metric names to report (``requested``: None for the task's built-ins,
    or names of the registry) and the goal metric among them."""
    from ...errors import MlnbValueError
    from .judge import check_goal, default_goal

    if requested is None:
        selected = list(M.names(task, defaults_only=True))
    else:
        items = [requested] if isinstance(requested, str) else requested
        try:
            items = list(items)
        except TypeError:
            raise MlnbValueError(
                f"metrics must be a list of metric names; got {requested!r}"
            ) from None
        if not items:
            raise MlnbValueError(
                f"metrics is empty; name at least one, e.g. {list(M.names(task))[:4]!r}"
            )
        selected = []
        for name in items:
            metric = M.get(name)
            if task not in metric.tasks:
                raise MlnbValueError(
                    f"metrics: {name!r} is a {'/'.join(metric.tasks)} metric; a "
                    f"{task} model has {list(M.names(task))}"
                )
            if name not in selected:
                selected.append(name)
    if goal is None:
        goal = default_goal(task, has_scores=has_scores)
        if requested is not None and goal not in selected:
            judging = [m for m in selected if M.get(m).judges]
            goal = judging[0] if judging else goal
    goal = check_goal(goal, task)
    if goal not in selected:
        selected.append(goal)
    return selected, goal
