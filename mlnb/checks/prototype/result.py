"""The result of :func:`mlnb.prototype`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ...checklist.result import CheckResult, internal
from ...core.conditions import Condition
from ...errors import MlnbValueError

__all__ = ["PrototypeResult", "CONDITION_VALUES", "FINDING_COLUMNS"]

#: The values conditions on :func:`mlnb.prototype` can read, and what they mean.
CONDITION_VALUES = {
    "best_score": "the best model's holdout score on the primary metric",
    "best_baseline": "the best trivial baseline's score on the primary metric",
    "lift_over_baseline": "best_score minus best_baseline, in the metric's good "
    "direction (positive: the model beats the baselines)",
    "relative_lift": "lift_over_baseline / |best_baseline| (undefined at 0)",
    "leakage_findings": "high-severity target_leakage findings",
    "high_findings": "findings of high severity, of any kind",
    "n_findings": "findings of any severity",
    "duplicate_share": "share of test rows that also appear in training",
    "mismatched_features": "features distributed differently in training and test",
    "n_train": "training rows",
    "n_test": "test rows",
    "n_models": "models fitted",
    "interrupted": "1 when fitting was interrupted (a partial result), else 0",
    "fit_seconds": "total seconds spent fitting the models",
    "goal_target": "the target of the goal (mlnb.goal) when it is on the primary "
    "metric of this task, else NaN",
    "goal_margin": "best_score beyond the goal's target in the metric's good "
    "direction (>= 0: the target is reached; NaN without such a goal)",
}

#: The columns of :attr:`PrototypeResult.findings`.
FINDING_COLUMNS = ("column", "kind", "severity", "sentence", "value")

_KAUFMAN = (
    "Kaufman, Rosset & Perlich, 'Leakage in data mining' (KDD 2011): a feature "
    "that predicts the target almost perfectly on its own is the classic sign of "
    "leakage; such a model fails in use"
)
_BASELINE = (
    "Google's Rules of Machine Learning (rule 2 and 'know your baseline') and the "
    "checklist's step 1: a model that does not beat a trivial predictor is not yet "
    "useful"
)
_DUPLICATES = (
    "Kapoor & Narayanan, 'Leakage and the reproducibility crisis in ML-based "
    "science' (2023): duplicates across the split are a common leak that inflates "
    "holdout scores; above 1% of test rows the score is not a fair estimate"
)


@dataclass(frozen=True, kw_only=True, repr=False)
class PrototypeResult(CheckResult):
    """A first model on an honest holdout, compared with trivial baselines.

    Attributes
    ----------
    task:
        ``"binary"``, ``"multiclass"`` or ``"regression"``.
    label_name:
        The label column.
    features:
        The feature columns used, in table order.
    metric:
        The primary metric (the goal's when :func:`mlnb.goal` set one for this
        task, else ``metric=``, else the task's usual one); ``metrics`` lists it
        first, then its companions.
    higher_is_better:
        The primary metric's direction.
    positive_label, classes:
        The positive class of a binary task; the classes of a classification
        label (in the order of the model's probability columns).
    split:
        Which split was used and why: ``kind`` (``"time"``, ``"group"``,
        ``"stratified"``, ``"shuffled"``), ``reason``, ``column``, ``n_train``,
        ``n_test`` and details (the time at the cut and where ties went, group
        counts).
    scores:
        One dict per fitted model and metric: ``model``, ``metric``, ``score``.
    fit_seconds:
        Seconds each model took to fit.
    baseline_scores:
        One dict per trivial baseline and metric: ``name``, ``metric``, ``score``.
    best_model, best_score:
        The best model on the primary metric and its score.
    best_baseline_name, best_baseline:
        The best trivial baseline on the primary metric and its score.
    lift_over_baseline:
        ``best_score - best_baseline`` in the metric's good direction.
    finding_rows:
        The findings as dicts (see :attr:`findings` for the frame).
    top_feature_rows:
        Per feature: its single-feature skill on the test rows and the linear
        model's weight (see :attr:`top_features`).
    models_requested:
        The model kinds asked for.
    partial:
        True when fitting was interrupted (``KeyboardInterrupt``): the models
        fitted before it are kept and scored, the rest are missing.
    models:
        The fitted scikit-learn pipelines by kind (not in ``to_dict()``).
    """

    check: ClassVar[str] = "prototype"

    #: The documented default conditions.
    DEFAULT_CONDITIONS: ClassVar[tuple] = (
        Condition(
            "leakage_findings",
            "<=",
            0,
            name="no target leakage",
            why=_KAUFMAN,
        ),
        Condition(
            "lift_over_baseline",
            ">",
            0,
            status="warn",
            name="beats the trivial baselines",
            why=_BASELINE,
        ),
        Condition(
            "duplicate_share",
            "<=",
            0.01,
            status="warn",
            name="few duplicates across the split",
            why=_DUPLICATES,
        ),
        Condition(
            "n_test",
            ">=",
            50,
            status="warn",
            name="a holdout large enough to trust",
            why="a holdout score's standard error shrinks with the square root of "
            "the test rows: below 50 an accuracy near 0.8 is uncertain by ±0.06 "
            "(binomial √(p(1−p)/n)) and a ROC AUC by more (Hanley & McNeil 1982); "
            "use more rows or cross-validation (step 5)",
        ),
        Condition(
            "interrupted",
            "<=",
            0,
            status="warn",
            name="every model fitted",
            why="an interrupted run compares only the models fitted before the "
            "interruption",
        ),
    )

    task: str
    label_name: Any
    features: tuple
    metric: str
    metrics: tuple
    higher_is_better: bool
    positive_label: Any
    classes: tuple
    split: dict
    scores: tuple
    fit_seconds: dict
    baseline_scores: tuple
    best_model: str | None
    best_score: float
    best_baseline_name: str | None
    best_baseline: float
    lift_over_baseline: float
    finding_rows: tuple
    top_feature_rows: tuple
    models_requested: tuple
    partial: bool = False
    models: dict = internal(default_factory=dict)
    train_rows: Any = internal(default=None)
    test_rows: Any = internal(default=None)

    # -- tables ------------------------------------------------------------------------
    @property
    def findings(self):
        """One row per finding, most severe first: ``column`` (``None`` for a
        finding about rows), ``kind``, ``severity`` (``"high"``, ``"medium"``,
        ``"low"``), ``sentence`` and ``value`` (the number behind it)."""
        import pandas as pd

        return pd.DataFrame(list(self.finding_rows), columns=list(FINDING_COLUMNS))

    @property
    def top_features(self):
        """One row per feature, strongest first: ``feature``, ``skill`` (how well
        it predicts the label alone on the test rows: ``2·AUC − 1``, R² or kappa;
        see :mod:`mlnb.checks.prototype.findings`) and ``linear_weight`` (the sum
        of the absolute coefficients of the linear model on the feature's
        standardised or one-hot inputs; NaN without a linear model)."""
        import pandas as pd

        return pd.DataFrame(
            list(self.top_feature_rows), columns=["feature", "skill", "linear_weight"]
        )

    def _frame_rows(self) -> list[dict[str, Any]]:
        rows = [
            {
                "name": s["model"],
                "role": "model",
                "metric": s["metric"],
                "score": s["score"],
                "fit_seconds": self.fit_seconds.get(s["model"], np.nan),
            }
            for s in self.scores
        ]
        rows += [
            {
                "name": b["name"],
                "role": "baseline",
                "metric": b["metric"],
                "score": b["score"],
                "fit_seconds": np.nan,
            }
            for b in self.baseline_scores
        ]
        return rows

    def to_frame(self):
        """One row per model (then baseline) and metric: ``name``, ``role``
        (``"model"`` or ``"baseline"``), ``metric``, ``score``, ``fit_seconds``."""
        import pandas as pd

        return pd.DataFrame(
            self._frame_rows(),
            columns=["name", "role", "metric", "score", "fit_seconds"],
        )

    def score(self, model: str, metric: str | None = None) -> float:
        """The holdout score of ``model`` (a kind, or a baseline's name) on
        ``metric`` (default: the primary metric).

        Raises
        ------
        MlnbValueError
            No such model or metric in this result.
        """
        metric = self.metric if metric is None else metric
        for row in self._frame_rows():
            if row["name"] == model and row["metric"] == metric:
                return float(row["score"])
        names = list(dict.fromkeys(r["name"] for r in self._frame_rows()))
        raise MlnbValueError(
            f"no score for model {model!r} and metric {metric!r}; this result has "
            f"models {names} and metrics {list(self.metrics)}"
        )

    @property
    def next_steps(self) -> tuple[str, ...]:
        """What to do next, most urgent first, from the findings and the lift."""
        steps = []
        leaks = [
            r["column"]
            for r in self.finding_rows
            if r["kind"] == "target_leakage" and r["severity"] in ("high", "medium")
        ]
        if leaks:
            steps.append(
                f"Find out when {', '.join(map(repr, leaks[:5]))} is recorded; drop "
                "what is known only after the outcome and run prototype() again."
            )
        if any(r["kind"] == "duplicate_rows" for r in self.finding_rows):
            steps.append(
                "Drop duplicate rows before splitting, or split by the entity they "
                "belong to (group_column=)."
            )
        ids = [r["column"] for r in self.finding_rows if r["kind"] == "id_like"]
        if ids:
            steps.append(f"Drop id-like columns ({', '.join(map(repr, ids[:5]))}).")
        lift = self.lift_over_baseline
        if math.isnan(lift):
            pass
        elif lift <= 0:
            steps.append(
                "No model beats the best trivial baseline: check the label and "
                "whether the features can carry the signal before tuning anything."
            )
        elif not leaks:
            steps.append(
                f"{self.best_model} beats the best trivial baseline by {lift:.3g}: "
                "keep it as the score to beat; when accuracy stalls, diagnose it "
                "(step 5)."
            )
        return tuple(steps)

    # -- drawing and display -----------------------------------------------------------
    def plot(self, *, ax: Any = None) -> Any:
        """Bars of the primary metric for each model and baseline, and of each
        model's fit time; returns the two matplotlib Axes (a numpy array). ``ax``
        may be two Axes to draw on."""
        from ...render.prototype import scores_and_times

        return scores_and_times(self, ax=ax)

    def record_metrics(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "metric": self.metric,
            "best_model": self.best_model,
            "best_score": self.best_score,
            "best_baseline": self.best_baseline,
            "lift_over_baseline": self.lift_over_baseline,
            "split": self.split.get("kind"),
            "n_train": self.split.get("n_train"),
            "n_test": self.split.get("n_test"),
            "high_findings": sum(r["severity"] == "high" for r in self.finding_rows),
            "partial": self.partial,
        }

    def _html_sections(self) -> list[str]:
        from ...render.prototype import sections

        return sections(self)
