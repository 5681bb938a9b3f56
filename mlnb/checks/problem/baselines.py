"""Step 1: baselines, so that "good" has a meaning.

:func:`baselines` scores the trivial models — scikit-learn's ``DummyClassifier``
strategies ``most_frequent``, ``prior``, ``stratified`` and ``uniform`` for
classification, ``DummyRegressor``'s ``mean`` and ``median`` for regression —
fitted on the training labels and scored on the test labels, on the goal's metric
and the usual companions (:data:`~mlnb.checks.problem.scoring.COMPANIONS`). The
numbers equal scikit-learn's (the same random draws for the same
``random_state``), computed in closed form, so 10 million labels take well under a
second. Given features, it adds two small models: the best single feature
(``one_feature``) and a regularised linear model (``linear``).

The status says whether the goal (:func:`mlnb.goal`) means anything: its target
must beat the best trivial baseline on its metric. Without a goal the status fails.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ...checklist.result import CheckResult, judge
from ...core import metrics as M
from ...core.conditions import Condition
from ...errors import DataValidationError, MlnbValueError
from . import labels as L
from . import scoring, trivial
from .goal import Goal, current_goal
from .labels import MAX_CLASSES_INFERRED

__all__ = [
    "baselines",
    "BaselinesResult",
    "BaselineScore",
    "CONDITION_VALUES",
    "MAX_CLASSES_INFERRED",
]

#: The values conditions on :func:`baselines` can read, and what they mean.
CONDITION_VALUES = {
    "goal_set": "1 when a goal for this task is set (mlnb.goal), else 0",
    "goal_target": "the goal's target (undefined without a goal)",
    "best_trivial_score": "the best trivial baseline's score on the primary metric",
    "target_margin": (
        "how far the goal's target lies beyond the best trivial baseline, in the "
        "metric's good direction (> 0: the target beats it)"
    ),
    "best_model_score": (
        "the best of the one-feature and linear models on the primary metric "
        "(undefined without features)"
    ),
    "n_train": "training labels",
    "n_test": "test labels",
}


_TALK = (
    "'10 things that can go wrong with ML projects', step 1: without a goal and a "
    "baseline nobody can say whether a model is good"
)


@dataclass(frozen=True)
class BaselineScore:
    """One baseline's score on one metric."""

    name: str
    kind: str
    metric: str
    score: float
    higher_is_better: bool


@dataclass(frozen=True, kw_only=True, repr=False)
class BaselinesResult(CheckResult):
    """Scores of the trivial (and, with features, two simple) models.

    Attributes
    ----------
    task:
        ``"binary"``, ``"multiclass"`` or ``"regression"``.
    metric:
        The primary metric (the goal's, ``metric=``, or the task's usual one).
    metrics:
        Every metric scored, the primary one first.
    scores:
        baseline name → metric → score (NaN where undefined on these labels).
    kinds:
        baseline name → ``"trivial"`` or ``"model"``.
    goal_target:
        The goal's target on ``metric`` (``None`` without an applicable goal).
    positive_label:
        The positive class of a binary task.
    classes:
        The training classes (classification), in DummyClassifier's order.
    one_feature:
        The feature the ``one_feature`` model uses (``None`` without features).
    notes:
        Sentences about choices made (task inferred, metric chosen, ...).
    """

    check: ClassVar[str] = "baselines"

    #: The documented default conditions: a goal must be set, and its target must
    #: beat the best trivial baseline.
    DEFAULT_CONDITIONS: ClassVar[tuple] = (
        Condition(
            "goal_set",
            ">=",
            1,
            name="a goal is set (call mlnb.goal(...))",
            why=_TALK + ". Call mlnb.goal(task=..., metric=..., target=...) first.",
        ),
        Condition(
            "target_margin",
            ">",
            0,
            name="the goal's target beats the best trivial baseline",
            why=_TALK + ": a target that a constant or random prediction already "
            "reaches asks for no model at all",
        ),
    )

    task: str
    metric: str
    metrics: tuple[str, ...]
    scores: dict
    kinds: dict
    higher_is_better: dict
    n_train: int
    n_test: int
    goal_target: float | None = None
    positive_label: Any = None
    classes: tuple | None = None
    one_feature: Any = None
    random_state: int | None = 0
    notes: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The baselines, trivial ones first."""
        return tuple(self.scores)

    def score(self, name: str, metric: str | None = None) -> float:
        """The score of baseline ``name`` on ``metric`` (default: the primary one).

        Raises
        ------
        MlnbValueError
            An unknown baseline or metric (the message lists the ones there are).
        """
        metric = self._metric(metric)
        if name not in self.scores:
            raise MlnbValueError(
                f"no baseline called {name!r}; the baselines are "
                f"{', '.join(self.scores)}"
            )
        return float(self.scores[name][metric])

    def _metric(self, metric: str | None) -> str:
        if metric is None:
            return self.metric
        if metric not in self.metrics:
            raise MlnbValueError(
                f"metric {metric!r} was not scored; the metrics are "
                f"{', '.join(self.metrics)}. Pass metric= to mlnb.baselines() to add "
                "another"
            )
        return metric

    def best(
        self, metric: str | None = None, *, kind: str = "trivial"
    ) -> BaselineScore:
        """The best baseline of ``kind`` (``"trivial"``, ``"model"`` or ``"any"``)
        on ``metric`` (default: the primary one); ties go to the first in display
        order (most_frequent, prior, stratified, uniform; mean, median).

        Raises
        ------
        MlnbValueError
            An unknown metric or kind, or no baseline of ``kind`` with a defined
            score.
        """
        metric = self._metric(metric)
        if kind not in ("trivial", "model", "any"):
            raise MlnbValueError(
                f"kind must be 'trivial', 'model' or 'any'; got {kind!r}"
            )
        hib = self.higher_is_better[metric]
        best: BaselineScore | None = None
        for name, per in self.scores.items():
            if kind != "any" and self.kinds[name] != kind:
                continue
            s = per[metric]
            if s is None or math.isnan(s):
                continue
            if best is None or (s > best.score if hib else s < best.score):
                best = BaselineScore(name, self.kinds[name], metric, float(s), hib)
        if best is None:
            raise MlnbValueError(
                f"no {kind} baseline has a defined {metric} on these labels (e.g. "
                "ROC AUC needs both classes in y_test)"
            )
        return best

    def plot(self, *, ax: Any = None) -> Any:
        """Bars of each baseline's primary-metric score with the goal's target as a
        line; returns the matplotlib Axes it drew on."""
        from ...render.problem import baselines_bars

        return baselines_bars(self, ax=ax)

    # -- rendering ---------------------------------------------------------------------
    def record_metrics(self) -> dict[str, Any]:
        m: dict[str, Any] = {
            "task": self.task,
            "metric": self.metric,
            "goal_target": self.goal_target,
            "n_train": self.n_train,
            "n_test": self.n_test,
        }
        for name, per in self.scores.items():
            m[f"{name}_{self.metric}"] = per[self.metric]
        return m

    def _frame_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "name": name,
                "kind": self.kinds[name],
                "metric": metric,
                "score": per[metric],
                "higher_is_better": self.higher_is_better[metric],
                "primary": metric == self.metric,
            }
            for name, per in self.scores.items()
            for metric in self.metrics
        ]

    def to_frame(self):
        """One row per (baseline, metric): ``name``, ``kind`` (trivial / model),
        ``metric``, ``score``, ``higher_is_better``, ``primary`` (the goal's or the
        chosen metric)."""
        import pandas as pd

        cols = ["name", "kind", "metric", "score", "higher_is_better", "primary"]
        return pd.DataFrame(self._frame_rows(), columns=cols)

    def _html_sections(self) -> list[str]:
        from ...render.problem import baselines_sections

        return baselines_sections(self)


def _classification(
    ytr: np.ndarray,
    yte: np.ndarray,
    task: str,
    positive_label: Any,
    w_train: np.ndarray | None,
    w_test: np.ndarray | None,
    random_state: int | None,
) -> tuple[dict, scoring.Classes, tuple, Any, list[str], dict]:
    ytr, yte, cc_tr, positive, notes = L.classes_of(ytr, yte, task, positive_label)
    classes = np.asarray(cc_tr.labels)
    if classes.dtype.kind not in "biuf":
        classes = np.asarray(cc_tr.labels, dtype=object)
    k = len(classes)
    idx_tr = L.index_of(ytr, classes, k) if w_train is not None else None
    prior = trivial.class_prior(cc_tr.counts, idx_tr, w_train, k)
    idx_te = L.index_of(yte, classes, k)
    pos = None
    if task == "binary":
        pos = (
            int(np.flatnonzero(classes == positive)[0])
            if positive in list(classes)
            else None
        )
        if pos is None:
            raise DataValidationError(
                f"the positive class {positive!r} does not occur in y_train; the "
                "trivial models cannot predict it. Split so that y_train holds both "
                "classes"
            )
    c = scoring.encode_test(idx_te, k, w_test, pos, yte)
    n = len(yte)
    a = int(np.argmax(prior))
    onehot = np.zeros(k)
    onehot[a] = 1.0
    scores = {
        "most_frequent": scoring.classification_scores(c, task, pred=a, proba=onehot),
        "prior": scoring.classification_scores(c, task, pred=a, proba=prior),
        "stratified": scoring.classification_scores(
            c, task, pred=trivial.stratified(prior, n, random_state), proba="onehot"
        ),
        "uniform": scoring.classification_scores(
            c,
            task,
            pred=trivial.uniform(k, n, random_state),
            proba=np.full(k, 1.0 / k),
        ),
    }
    state = {"classes": classes, "prior": prior, "ytr": ytr, "yte": yte, "a": a}
    labels = tuple(v.item() if isinstance(v, np.generic) else v for v in classes)
    return scores, c, labels, positive, notes, state


# -- regression -----------------------------------------------------------------------


def _as_float(y: np.ndarray, name: str) -> np.ndarray:
    if y.dtype.kind == "b" or y.dtype.kind not in "iuf":
        raise DataValidationError(
            f"{name} must be numbers for a regression task; got dtype {y.dtype}. "
            "Pass task='binary' or 'multiclass' for class labels"
        )
    return y.astype(np.float64, copy=False)


def _regression(
    ytr: np.ndarray,
    yte: np.ndarray,
    w_train: np.ndarray | None,
    w_test: np.ndarray | None,
) -> tuple[dict, dict]:
    ytr = _as_float(ytr, "y_train")
    yte = _as_float(yte, "y_test")
    mean = float(np.average(ytr, weights=w_train))
    if w_train is None:
        median = float(np.median(ytr))
    else:
        from sklearn.utils.stats import _weighted_percentile

        median = float(_weighted_percentile(ytr, w_train, percentile_rank=50.0))
    scores = {
        "mean": scoring.regression_scores(yte, mean, w_test),
        "median": scoring.regression_scores(yte, median, w_test),
    }
    return scores, {"constants": {"mean": mean, "median": median}, "yte": yte}


def _registered_scores(
    metric: str,
    task: str,
    state: dict,
    c: scoring.Classes | None,
    w_test: np.ndarray | None,
    random_state: int | None,
) -> dict[str, float]:
    """A user-registered metric on the trivial models' predictions, through its
    own function (slow path: the predictions are built)."""
    m = M.get(metric)
    out: dict[str, float] = {}
    if task == "regression":
        yte = state["yte"]
        for name, const in state["constants"].items():
            out[name] = M.compute(
                metric, yte, np.full(len(yte), const), sample_weight=w_test
            )
        return out
    assert c is not None
    classes, prior, a = state["classes"], state["prior"], state["a"]
    k, n = len(classes), len(c.y)
    y_true = state["yte"]
    drawn = {
        "stratified": trivial.stratified(prior, n, random_state),
        "uniform": trivial.uniform(k, n, random_state),
    }
    preds = {
        "most_frequent": np.full(n, a),
        "prior": np.full(n, a),
        **drawn,
    }
    probas = {
        "most_frequent": np.eye(k)[np.full(n, a)],
        "prior": np.tile(prior, (n, 1)),
        "stratified": np.eye(k)[drawn["stratified"]],
        "uniform": np.full((n, k), 1.0 / k),
    }
    for name in preds:
        if m.needs == "none":
            y_out = None
        elif m.needs == "score" or m.needs == "prediction":
            y_out = probas[name][:, c.pos] if task == "binary" else probas[name]
        elif task == "binary":
            y_out = (preds[name] == c.pos).astype(np.int64)
        else:
            y_out = classes[preds[name]]
        y_eval = (c.y == c.pos).astype(np.int64) if task == "binary" else y_true
        out[name] = M.compute(metric, y_eval, y_out, sample_weight=w_test)
    return out


# -- the check ------------------------------------------------------------------


def _check_random_state(random_state: Any) -> None:
    if random_state is None:
        return
    if not (L.is_int(random_state) and 0 <= random_state < 2**32):
        raise MlnbValueError(
            f"random_state must be None or an int in [0, 2**32) (the seed of the "
            f"stratified and uniform draws, as DummyClassifier's); got {random_state!r}"
        )


def baselines(
    y_train: Any,
    y_test: Any,
    *,
    task: str | None = None,
    metric: str | None = None,
    positive_label: Any = None,
    X_train: Any = None,
    X_test: Any = None,
    sample_weight: Any = None,
    train_weight: Any = None,
    random_state: int | None = 0,
    conditions: Any = None,
    progress: bool = True,
    publish: bool = True,
) -> BaselinesResult:
    """Scores of the trivial models (and, with features, of two simple ones) that
    any real model has to beat.

    Parameters
    ----------
    y_train, y_test:
        Training and test labels (array-like, pandas / polars Series, pyarrow
        array; pandas nullable dtypes included). The trivial models are fitted on
        ``y_train`` and scored on ``y_test``.
    task:
        ``"binary"``, ``"multiclass"`` or ``"regression"``. ``None``: the goal's
        task when a goal is set, else inferred — boolean labels and labels with two
        distinct values are binary; strings and categories with more are
        multiclass (more than 100 distinct values raise: an id?); numbers with a
        fractional part are regression; integers with 3 to
        :data:`MAX_CLASSES_INFERRED` (20) distinct values are multiclass, with more
        regression.
    metric:
        The primary metric (any metric of the registry with a direction that fits
        the task, or ``balanced_accuracy``, ``r2``, multiclass ``log_loss``).
        ``None``: the goal's metric, else ``roc_auc`` (binary), ``accuracy``
        (multiclass) or ``rmse`` (regression). Every baseline is also scored on the
        task's companions (:data:`~mlnb.checks.problem.scoring.COMPANIONS`).
    positive_label:
        The positive class of a binary task (default: the goal's, else 1 / True;
        string labels need it). With more than two classes it scores "this class vs
        the rest" (as DummyClassifier fitted on ``y_train == positive_label``; an
        inferred task becomes binary). An error with a multiclass or regression
        task.
    X_train, X_test:
        Features (any table mlnb reads). When given, a ``one_feature`` model (the
        best single feature, see :mod:`mlnb.checks.problem.models`)
        and a ``linear`` model (LogisticRegression / Ridge after imputing,
        one-hot encoding and scaling) are added.
    sample_weight:
        Weights of the test rows, used in every score.
    train_weight:
        Weights of the training rows, used to fit (DummyClassifier's
        ``fit(..., sample_weight=)``).
    random_state:
        Seed of the ``stratified`` and ``uniform`` draws (equal to
        DummyClassifier's with the same ``random_state``) and of the models;
        ``None`` draws unpredictably.
    conditions:
        :class:`mlnb.Condition` rules replacing the defaults; they read the values
        of :data:`CONDITION_VALUES`.
    progress:
        With features, show a progress bar (tqdm; it appears after one second)
        while the models are fitted. Interrupting (KeyboardInterrupt) stops the
        call and re-raises; nothing is published.
    publish:
        Record the result as this session's newest evidence for step 1.

    Returns
    -------
    BaselinesResult

    Status
    ------
    The worst of the conditions. By default
    (:attr:`BaselinesResult.DEFAULT_CONDITIONS`) it fails when no goal for this
    task is set, and when the goal's target does not beat the best trivial
    baseline on the goal's metric; it passes otherwise.

    Raises
    ------
    DataValidationError
        Empty, missing or infinite labels; a single class; too many classes;
        features that are all missing.
    MlnbValueError
        An unknown task or metric (the valid ones are listed), a metric that does
        not fit the task, string labels without ``positive_label``, lengths that do
        not match.

    Examples
    --------
    >>> import mlnb
    >>> r = mlnb.baselines([0] * 80 + [1] * 20, [0] * 8 + [1] * 2,
    ...                    metric="accuracy", publish=False)
    >>> r.best().name, r.best().score
    ('most_frequent', 0.8)
    """
    for flag, value in (("publish", publish), ("progress", progress)):
        if not isinstance(value, bool):
            raise MlnbValueError(f"{flag} must be True or False; got {value!r}")
    _check_random_state(random_state)
    if task is not None and not (isinstance(task, str) and task in M.TASKS):
        raise MlnbValueError(
            f"task must be one of {', '.join(map(repr, M.TASKS))} or None (inferred); "
            f"got {task!r}"
        )
    ytr = L.read_labels(y_train, "y_train")
    yte = L.read_labels(y_test, "y_test")
    w_test = L.read_weights(sample_weight, len(yte), "sample_weight")
    w_train = L.read_weights(train_weight, len(ytr), "train_weight")
    goal = current_goal()
    notes: list[str] = []
    if task is None and goal is not None:
        task = goal.task
        notes.append(f"task {task!r} from the goal")
    elif task is None:
        task, why = L.infer_task(ytr, yte)
        if task == "multiclass" and positive_label is not None:
            task = "binary"
            why += f"; binary with positive_label={positive_label!r}"
        notes.append(why)
    applies = goal is not None and goal.task == task
    if goal is not None and not applies:
        notes.append(
            f"the session's goal is for a {goal.task} task, not {task}: it is not used"
        )
    if metric is None:
        metric = goal.metric if applies else scoring.DEFAULT_METRIC[task]
        if not applies:
            notes.append(f"primary metric {metric!r}: the usual one for {task}")
    metric = scoring.check_metric(metric, task)
    if positive_label is not None and task != "binary":
        raise MlnbValueError(
            f"positive_label={positive_label!r} applies to a binary task, but the "
            f"task is {task}; drop positive_label, or pass task='binary' to score "
            "that class against the rest"
        )
    if positive_label is None and applies and task == "binary":
        positive_label = goal.positive_label

    c = None
    classes = None
    if task == "regression":
        scores, state = _regression(ytr, yte, w_train, w_test)
        positive = None
    else:
        scores, c, classes, positive, more, state = _classification(
            ytr, yte, task, positive_label, w_train, w_test, random_state
        )
        notes.extend(more)
    names = list(scoring.COMPANIONS[task])
    wanted = [metric] + [n for n in names if n != metric]
    if applies and goal.metric not in wanted:
        wanted.append(goal.metric)
    for extra in wanted:
        if extra not in next(iter(scores.values())):
            per = _registered_scores(extra, task, state, c, w_test, random_state)
            for name in scores:
                scores[name][extra] = per[name]
    kinds = dict.fromkeys(scores, "trivial")
    one_feature = None
    if X_train is not None or X_test is not None:
        from .models import model_baselines

        model_scores, one_feature, more = model_baselines(
            X_train,
            X_test,
            ytr=state.get("ytr", ytr),
            n_train=len(ytr),
            n_test=len(yte),
            task=task,
            metric=metric,
            classes=state.get("classes"),
            c=c,
            yte=state.get("yte"),
            w_train=w_train,
            w_test=w_test,
            higher_is_better=scoring.direction(metric, task),
            random_state=random_state,
            wanted=wanted,
            progress=progress,
        )
        notes.extend(more)
        for name, per in model_scores.items():
            scores[name] = per
            kinds[name] = "model"
    scores = {name: {m: float(per[m]) for m in wanted} for name, per in scores.items()}
    hib = {m: scoring.direction(m, task) for m in wanted}

    # conditions
    result_goal = goal if applies else None
    target = result_goal.target if result_goal is not None else None
    goal_metric = result_goal.metric if result_goal is not None else metric
    trivial_scores = [
        (n, scores[n][goal_metric]) for n in scores if kinds[n] == "trivial"
    ]
    defined = [(n, s) for n, s in trivial_scores if not math.isnan(s)]
    best_name, best_score = (None, math.nan)
    if defined:
        pick = max if hib[goal_metric] else min
        best_score = pick(s for _, s in defined)
        best_name = next(n for n, s in defined if s == best_score)
    model_defined = [
        scores[n][metric]
        for n in scores
        if kinds[n] == "model" and not math.isnan(scores[n][metric])
    ]
    values = {
        "goal_set": int(result_goal is not None),
        "goal_target": target if target is not None else math.nan,
        "best_trivial_score": best_score,
        "target_margin": (
            result_goal.margin(best_score)
            if result_goal is not None and not math.isnan(best_score)
            else math.nan
        ),
        "best_model_score": (
            (max if hib[metric] else min)(model_defined) if model_defined else math.nan
        ),
        "n_train": len(ytr),
        "n_test": len(yte),
    }
    status, outcomes = judge(
        conditions,
        values,
        defaults=BaselinesResult.DEFAULT_CONDITIONS,
        check="baselines",
    )
    summary = _summary(
        result_goal, goal, task, goal_metric, best_name, best_score, values, hib
    )
    models = [n for n in scores if kinds[n] == "model"]
    if models and not math.isnan(values["best_model_score"]):
        pick = max if hib[metric] else min
        top = pick(
            (n for n in models if not math.isnan(scores[n][metric])),
            key=lambda n: scores[n][metric],
        )
        summary += f"; best simple model: {top} {scores[top][metric]:.4g}"
        if result_goal is not None and metric == goal_metric:
            met = result_goal.beats(scores[top][metric])
            summary += " (it already meets the target)" if met else ""
    result = BaselinesResult(
        step="problem",
        status=status,
        summary=summary,
        outcomes=outcomes,
        condition_values=values,
        task=task,
        metric=metric,
        metrics=tuple(wanted),
        scores=scores,
        kinds=kinds,
        higher_is_better=hib,
        n_train=len(ytr),
        n_test=len(yte),
        goal_target=target if metric == goal_metric else None,
        positive_label=positive,
        classes=classes,
        one_feature=one_feature,
        random_state=random_state,
        notes=tuple(notes),
    )
    return result.publish() if publish else result


def _summary(
    g: Goal | None,
    session_goal: Goal | None,
    task: str,
    metric: str,
    best_name: str | None,
    best: float,
    values: dict,
    hib: dict,
) -> str:
    label = scoring.label_of(metric)
    shown = f"{best:.4g}" if not math.isnan(best) else "undefined"
    head = (
        f"best trivial baseline on {label}: {best_name} {shown}"
        if best_name
        else f"no trivial baseline has a defined {label} on these labels"
    )
    if g is None:
        if session_goal is not None:
            return (
                f"{head}; the session's goal is for a {session_goal.task} task, not "
                f"{task}: call mlnb.goal(task={task!r}, metric=..., target=...)"
            )
        return (
            f"{head}; no goal is set: call mlnb.goal(task={task!r}, metric=..., "
            "target=...) to say what the model must reach"
        )
    if math.isnan(values["target_margin"]):
        return f"{head}; the goal's target {g.target:g} cannot be compared with it"
    if values["target_margin"] > 0:
        return f"{head}; the goal's target {g.target:g} beats it"
    worse = "below" if hib[metric] else "above"
    return (
        f"{head}; the goal's target {g.target:g} does not beat it "
        f"({'equal to' if values['target_margin'] == 0 else worse} the baseline): "
        "raise the target, or a constant prediction already meets the goal"
    )
