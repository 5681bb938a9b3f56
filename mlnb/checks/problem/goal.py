"""Step 1: the goal, written down before any model is built.

:func:`goal` records what the model is for — the task, the success metric and the
target it must reach, who uses it and which decision it feeds — as this Python
session's goal (:func:`current_goal`). Later checks read it: :func:`baselines`
judges the target against the trivial models, the prototype and the diagnosis score
on its metric, the model card quotes it. The goal's status record carries the task,
metric and target, so a reopened notebook (or the checklist panel) recovers it
without a kernel (:meth:`Goal.from_record`).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any, ClassVar

from ...checklist.result import CheckResult, judge
from ...core import metrics as M
from ...core.conditions import Condition
from ...errors import MlnbValueError

__all__ = ["Goal", "goal", "current_goal", "CONDITION_VALUES", "PROBLEM_FIT"]

#: The values conditions on :func:`goal` can read, and what they mean.
CONDITION_VALUES = {
    "users_written": "1 when users= says who the model serves, else 0",
    "decision_written": "1 when decision= says which decision it feeds, else 0",
    "target_gap_to_perfect": (
        "how far the target stays from the metric's best possible value (0: the "
        "target asks for a perfect score)"
    ),
}

#: The talk's problem-fit questions, shown with every goal.
PROBLEM_FIT = (
    "Kind of problem: is it prediction (a number or a class for each case), "
    "automation (replacing a manual step), or personalisation (a different answer "
    "per user)?",
    "Is ML needed at all? Would a rule, a lookup or a heuristic reach the target? "
    "The baselines (mlnb.baselines) give the score to beat.",
    "What does a wrong prediction cost? Which error is worse, a false positive or a "
    "false negative, and for whom? That decides the metric and the threshold.",
    "Who uses the prediction, and which decision changes because of it? Involve "
    "those users at each stage.",
)

_TALK = (
    "'10 things that can go wrong with ML projects', step 1: know the goal, the "
    "users and the success metric before modelling"
)

_lock = threading.Lock()
_current: Goal | None = None


@dataclass(frozen=True, kw_only=True, repr=False)
class Goal(CheckResult):
    """The project's goal: task, success metric and target (step 1).

    Attributes
    ----------
    task:
        ``"binary"``, ``"multiclass"`` or ``"regression"``.
    metric:
        A name of the metric registry (:mod:`mlnb.core.metrics`).
    target:
        The value of ``metric`` the model must reach (at least it when higher is
        better, at most it when lower is better).
    higher_is_better:
        The metric's direction.
    positive_label:
        The positive class of a binary task (``None``: 1 / True).
    users, decision, notes:
        Who uses the model, which decision it feeds, anything else (``None`` when
        not written down).
    questions:
        The problem-fit questions to answer (:data:`PROBLEM_FIT`).
    """

    check: ClassVar[str] = "goal"

    #: The documented default conditions: a goal that does not say who it serves
    #: or which decision it feeds warns, as does a target that asks for a perfect
    #: score.
    DEFAULT_CONDITIONS: ClassVar[tuple] = (
        Condition(
            "users_written",
            ">=",
            1,
            status="warn",
            name="users written down",
            why=_TALK + " ('what goal, for which users?'). Pass users='...'.",
        ),
        Condition(
            "decision_written",
            ">=",
            1,
            status="warn",
            name="decision written down",
            why=_TALK + " (a prediction is only useful through the decision it "
            "changes). Pass decision='...'.",
        ),
        Condition(
            "target_gap_to_perfect",
            ">",
            0,
            status="warn",
            name="target below a perfect score",
            why="a target equal to the metric's best value is met by no real model; "
            "pick the score that makes the model worth using",
        ),
    )

    task: str
    metric: str
    target: float
    higher_is_better: bool
    positive_label: Any = None
    users: str | None = None
    decision: str | None = None
    notes: str | None = None
    questions: tuple[str, ...] = PROBLEM_FIT

    @property
    def metric_label(self) -> str:
        """The metric's readable name (its id when it is no longer registered)."""
        try:
            return M.get(self.metric).label or self.metric
        except MlnbValueError:
            return self.metric

    @property
    def metric_range(self) -> tuple[float, float]:
        """The ``(low, high)`` range of the goal's metric."""
        try:
            return M.get(self.metric).range
        except MlnbValueError:
            return (-math.inf, math.inf)

    def progress(self) -> dict[str, float]:
        """The scores this session's checks recorded on the goal's metric and task,
        newest record of each check: the best trivial baseline (``baselines``), the
        prototype's best model (``prototype``) and the diagnosed model's
        validation score (``diagnose``, when its scorer is the goal's metric)."""
        from ...checklist import session

        out: dict[str, float] = {}
        for step, check, read in (
            ("problem", "baselines", _best_trivial),
            ("prototype", "prototype", lambda m: m.get("best_score")),
            ("accuracy", "diagnose", lambda m: m.get("valid_score")),
        ):
            for rec in session.checks(step):
                metrics = rec.get("metrics") or {}
                if (rec.get("check") or step) != check:
                    continue
                if metrics.get("metric", metrics.get("scoring")) != self.metric:
                    continue
                if metrics.get("task", self.task) != self.task:
                    continue
                value = read(metrics)
                if isinstance(value, (int, float)):
                    out[_PROGRESS_LABEL[check]] = float(value)
        return out

    def plot(self, *, scores: dict | None = None, ax: Any = None) -> Any:
        """The goal's metric as a scale: the target, the side that meets it, and
        ``scores`` (label -> value; default: :meth:`progress`, what this session's
        baselines, prototype and diagnosis scored on the goal's metric). Returns
        the matplotlib Axes."""
        from ...render.problem import goal_scale

        return goal_scale(self, self.progress() if scores is None else scores, ax=ax)

    @property
    def missing(self) -> tuple[str, ...]:
        """Which of ``users`` and ``decision`` are not written down."""
        return tuple(
            name for name in ("users", "decision") if getattr(self, name) is None
        )

    def beats(self, score: float) -> bool:
        """Whether ``score`` reaches the target (``>=`` or ``<=`` by direction)."""
        s = float(score)
        if math.isnan(s):
            return False
        return s >= self.target if self.higher_is_better else s <= self.target

    def margin(self, score: float) -> float:
        """How far the target lies beyond ``score`` in the good direction
        (positive: the target is better than ``score``)."""
        d = self.target - float(score)
        return d if self.higher_is_better else -d

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Goal:
        """The goal stored in a status record (e.g. read from a notebook's outputs),
        re-validated against the metric registry; not published.

        Raises
        ------
        MlnbValueError
            ``record`` is not a goal's status record.
        """
        if not isinstance(record, dict) or record.get("check") != "goal":
            got = record.get("check") if isinstance(record, dict) else record
            raise MlnbValueError(
                "record must be the status record of mlnb.goal() (its 'check' is "
                f"'goal'); got {type(record).__name__} with check {got!r}"
            )
        m = record.get("metrics") or {}
        return goal(
            task=m.get("task"),
            metric=m.get("metric"),
            target=m.get("target"),
            positive_label=m.get("positive_label"),
            users=m.get("users"),
            decision=m.get("decision"),
            notes=m.get("notes"),
            publish=False,
        )

    # -- rendering ---------------------------------------------------------------------
    def record_metrics(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "metric": self.metric,
            "target": self.target,
            "higher_is_better": self.higher_is_better,
            "positive_label": self.positive_label,
            "users": self.users,
            "decision": self.decision,
            "notes": self.notes,
        }

    def _frame_rows(self) -> list[dict[str, Any]]:
        return [{"field": k, "value": v} for k, v in self.record_metrics().items()]

    def to_frame(self):
        """One row per field of the goal: ``field``, ``value``."""
        import pandas as pd

        return pd.DataFrame(self._frame_rows(), columns=["field", "value"])

    def _html_sections(self) -> list[str]:
        from ...render.problem import goal_sections

        return goal_sections(self)


def current_goal() -> Goal | None:
    """This session's goal (the newest published :func:`goal`), or ``None``."""
    with _lock:
        return _current


def _set_current(g: Goal | None) -> None:
    global _current
    with _lock:
        _current = g


def _text(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise MlnbValueError(
            f"{name} must be a sentence (a string), e.g. {name}='loan officers "
            f"reviewing applications'; got {type(value).__name__}"
        )
    value = value.strip()
    return value or None


def _is_number(v: Any) -> bool:
    import numbers

    return isinstance(v, numbers.Real) and type(v).__name__ not in ("bool", "bool_")


def _check_metric(task: Any, metric: Any) -> M.Metric:
    if not (isinstance(task, str) and task in M.TASKS):
        raise MlnbValueError(
            f"task must be one of {', '.join(map(repr, M.TASKS))}; got {task!r}. "
            "binary: two classes; multiclass: three or more; regression: a number."
        )
    valid = M.goals(task)
    if not isinstance(metric, str):
        raise MlnbValueError(
            f"metric must be a metric name; for task={task!r} the valid ones are "
            f"{', '.join(valid)}; got {metric!r}"
        )
    try:
        m = M.get(metric)
    except MlnbValueError:
        raise MlnbValueError(
            f"unknown metric {metric!r}; for task={task!r} the valid ones are "
            f"{', '.join(valid)}. Register your own with "
            "mlnb.core.metrics.register_metric(...)"
        ) from None
    if task not in m.tasks:
        raise MlnbValueError(
            f"metric {metric!r} fits task {' or '.join(map(repr, m.tasks))}, not "
            f"{task!r}; for task={task!r} pick one of {', '.join(valid)}"
        )
    if not m.judges:
        raise MlnbValueError(
            f"metric {metric!r} describes the data and has no better direction, so "
            f"it cannot be a goal; for task={task!r} pick one of {', '.join(valid)}"
        )
    return m


def _check_target(m: M.Metric, target: Any) -> float:
    lo, hi = m.range
    if not _is_number(target) or math.isnan(float(target)):
        raise MlnbValueError(
            f"target must be a number, the {m.name} the model must reach (e.g. "
            f"target={_example(m)}); got {target!r}"
        )
    t = float(target)
    if math.isinf(t) or not (lo <= t <= hi):
        raise MlnbValueError(
            f"target={target!r} is outside the range of {m.name} "
            f"[{_end(lo)}, {_end(hi)}]; pass a value inside it, e.g. "
            f"target={_example(m)}"
        )
    if m.higher_is_better and t <= lo:
        raise MlnbValueError(
            f"target={target!r} is the worst possible {m.name}; every model reaches "
            f"it. Pass the score that makes the model worth using, e.g. "
            f"target={_example(m)}"
        )
    if m.name in ("roc_auc", "roc_auc_ovr") and t <= 0.5:
        raise MlnbValueError(
            f"target={target!r}: a {m.name} of 0.5 is what a random ranking scores, "
            f"so a target at or below it means nothing; pass a value above 0.5, e.g. "
            f"target={_example(m)}"
        )
    return t


_PROGRESS_LABEL = {
    "baselines": "best trivial baseline",
    "prototype": "prototype (best model)",
    "diagnose": "diagnosed model (cross-validated)",
}


def _best_trivial(metrics: dict) -> float | None:
    """The best trivial baseline's score in a ``baselines`` record's metrics."""
    metric = metrics.get("metric")
    from .trivial import STRATEGIES

    names = [n for group in STRATEGIES.values() for n in group]
    values = [
        metrics.get(f"{n}_{metric}")
        for n in names
        if isinstance(metrics.get(f"{n}_{metric}"), (int, float))
    ]
    if not values:
        return None
    try:
        higher = M.get(metric).higher_is_better
    except MlnbValueError:
        return None
    return max(values) if higher else min(values)


def _example(m: M.Metric) -> str:
    """A plausible target inside the metric's range, in its good direction."""
    lo, hi = m.range
    if m.bounded or (m.higher_is_better and hi == 1.0):  # e.g. R² in (-inf, 1]
        return "0.85" if m.higher_is_better else "0.1"
    return "0.3" if m.name == "log_loss" else "10.0"


def _end(x: float) -> str:
    return ("∞" if x > 0 else "−∞") if math.isinf(x) else f"{x:g}"


def goal(
    *,
    task: str,
    metric: str,
    target: float,
    positive_label: Any = None,
    users: str | None = None,
    decision: str | None = None,
    notes: str | None = None,
    conditions: Any = None,
    publish: bool = True,
) -> Goal:
    """Write down the project's goal: the task, the success metric and its target.

    Parameters
    ----------
    task:
        ``"binary"``, ``"multiclass"`` or ``"regression"``.
    metric:
        The success metric, a name of the metric registry that fits ``task`` and
        has a direction (``mlnb.core.metrics.goals(task)``): e.g. ``"roc_auc"``,
        ``"average_precision"``, ``"recall"`` for binary; ``"accuracy"``,
        ``"macro_f1"`` for multiclass; ``"mae"``, ``"rmse"`` for regression.
    target:
        The value of ``metric`` the model must reach: inside the metric's range,
        better than its worst value (above 0.5 for ROC AUC).
    positive_label:
        The positive class of a binary task (needed for string labels; 1 / True by
        default). :func:`baselines` uses it when it is not given its own.
    users:
        Who uses the predictions (a sentence).
    decision:
        Which decision the predictions feed or automate (a sentence).
    notes:
        Anything else worth keeping with the goal (constraints, costs of errors).
    conditions:
        :class:`mlnb.Condition` rules replacing the defaults; they read the values
        of :data:`CONDITION_VALUES` (``users_written``, ``decision_written``,
        ``target_gap_to_perfect``).
    publish:
        Make this the session's goal (:func:`current_goal`, replacing an earlier
        one) and record its status for step 1. ``False`` leaves the session as it
        was.

    Returns
    -------
    Goal

    Status
    ------
    The worst of the conditions; by default (:attr:`Goal.DEFAULT_CONDITIONS`) warn
    when ``users`` or ``decision`` is missing or the target is a perfect score,
    pass otherwise.

    Raises
    ------
    MlnbValueError
        An unknown task or metric (the valid ones are listed), a metric that does
        not fit the task (the tasks it fits are named), a target that is not a
        number or outside the metric's range, texts that are not strings.

    Examples
    --------
    >>> import mlnb
    >>> g = mlnb.goal(task="binary", metric="roc_auc", target=0.85,
    ...               users="loan officers", decision="which files to review first",
    ...               publish=False)
    >>> g.status, g.beats(0.9), g.target
    ('pass', True, 0.85)
    """
    m = _check_metric(task, metric)
    t = _check_target(m, target)
    texts = {
        name: _text(v, name)
        for name, v in (("users", users), ("decision", decision), ("notes", notes))
    }
    if not isinstance(publish, bool):
        raise MlnbValueError(f"publish must be True or False; got {publish!r}")
    if positive_label is not None:
        if task != "binary":
            raise MlnbValueError(
                f"positive_label applies to a binary task; task={task!r} has none. "
                "Drop positive_label, or use task='binary' for one class vs the rest"
            )
        try:
            hash(positive_label)
        except TypeError:
            raise MlnbValueError(
                f"positive_label must be a single label value such as 1 or 'yes'; "
                f"got {type(positive_label).__name__}"
            ) from None
    best = m.range[1] if m.higher_is_better else m.range[0]
    gap = abs(best - t) if math.isfinite(best) else math.inf
    values = {
        "users_written": int(texts["users"] is not None),
        "decision_written": int(texts["decision"] is not None),
        "target_gap_to_perfect": gap,
    }
    status, outcomes = judge(
        conditions, values, defaults=Goal.DEFAULT_CONDITIONS, check="goal"
    )
    direction = "at least" if m.higher_is_better else "at most"
    summary = f"goal: {task} task, {m.label or m.name} {direction} {t:g}"
    if positive_label is not None:
        summary += f" (positive class {positive_label!r})"
    missing = [n for n in ("users", "decision") if texts[n] is None]
    if missing:
        summary += f"; not written down: {' and '.join(missing)}"
    result = Goal(
        step="problem",
        status=status,
        summary=summary,
        outcomes=outcomes,
        condition_values=values,
        task=task,
        metric=m.name,
        target=t,
        higher_is_better=bool(m.higher_is_better),
        positive_label=positive_label,
        users=texts["users"],
        decision=texts["decision"],
        notes=texts["notes"],
    )
    if publish:
        _set_current(result)
        result.publish()
    return result
