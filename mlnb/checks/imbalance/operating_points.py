"""Step 4 (imbalance), model side: ranking metrics and operating thresholds.

``thresholds(y_true, y_score)`` sorts the scores once; every later question is a
binary search. See :mod:`mlnb.core.ranking`.

The status comes from conditions (:class:`mlnb.Condition`) over the values listed in
:data:`CONDITION_VALUES`. The defaults (:attr:`ThresholdsResult.DEFAULT_CONDITIONS`)
follow Hosmer & Lemeshow (*Applied Logistic Regression*, 2000): ROC AUC below 0.7 is
poor discrimination (fail), 0.7-0.8 acceptable (warn), 0.8 and above excellent; and
an AUC-PR gain over a no-skill model, ``(AP - prevalence) / (1 - prevalence)``,
below 0.2 warns — the model barely finds the rare class even when ROC AUC looks good.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ...checklist.result import CheckResult, internal, judge
from ...core import frames
from ...core.conditions import Condition, decide
from ...core.jsonsafe import jsonable
from ...core.labels import (
    as_scores,
    as_weights,
    binary_mask,
    check_same_length,
    is_real,
)
from ...core.ranking import BinaryRanking
from ...errors import MlnbValueError
from ...render import html as H

__all__ = ["thresholds", "ThresholdsResult", "OperatingPoint", "CONDITION_VALUES"]

_HOSMER = "Hosmer & Lemeshow, Applied Logistic Regression (2000): ROC AUC "

#: The rates of the operating point at the decision threshold that conditions read.
_POINT_VALUES = (
    "precision",
    "recall",
    "f1",
    "fpr",
    "specificity",
    "accuracy",
    "balanced_accuracy",
    "predicted_positive_rate",
)

#: The values conditions on :func:`thresholds` can read, and what they mean.
CONDITION_VALUES = {
    "roc_auc": "area under the ROC curve",
    "average_precision": "AUC-PR (average precision)",
    "ap_gain": "AUC-PR gain over no skill: (AP - prevalence) / (1 - prevalence)",
    "prevalence": "share (weighted) of positives: the AUC-PR of no skill",
    "log_loss": "log loss (undefined unless the scores are probabilities)",
    "precision": "precision at the decision threshold",
    "recall": "recall at the decision threshold",
    "f1": "F1 at the decision threshold",
    "fpr": "false positive rate at the decision threshold",
    "specificity": "specificity at the decision threshold",
    "accuracy": "accuracy at the decision threshold",
    "balanced_accuracy": "balanced accuracy at the decision threshold",
    "predicted_positive_rate": "share predicted positive at the decision threshold",
}


@dataclass(frozen=True)
class OperatingPoint:
    """The confusion matrix and its rates at one threshold (``score >= threshold``
    is a positive prediction). Counts are weighted when sample weights were given.
    """

    threshold: float
    tp: float
    fp: float
    tn: float
    fn: float

    @property
    def precision(self) -> float:
        """tp / (tp + fp); 0.0 when nothing is predicted positive (as sklearn)."""
        d = self.tp + self.fp
        return self.tp / d if d else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn)

    @property
    def f1(self) -> float:
        d = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / d if d else 0.0

    @property
    def fpr(self) -> float:
        return self.fp / (self.fp + self.tn)

    @property
    def specificity(self) -> float:
        return 1.0 - self.fpr

    @property
    def accuracy(self) -> float:
        return (self.tp + self.tn) / (self.tp + self.fp + self.tn + self.fn)

    @property
    def balanced_accuracy(self) -> float:
        return (self.recall + self.specificity) / 2.0

    @property
    def predicted_positive_rate(self) -> float:
        return (self.tp + self.fp) / (self.tp + self.fp + self.tn + self.fn)

    def confusion_matrix(self) -> np.ndarray:
        """``[[tn, fp], [fn, tp]]`` — scikit-learn's layout (rows: true class)."""
        return np.array([[self.tn, self.fp], [self.fn, self.tp]])

    def to_dict(self) -> dict[str, float]:
        names = [
            "threshold",
            "tp",
            "fp",
            "tn",
            "fn",
            "precision",
            "recall",
            "f1",
            "fpr",
            "specificity",
            "accuracy",
            "balanced_accuracy",
            "predicted_positive_rate",
        ]
        out = {}
        for k in names:
            v = float(getattr(self, k))
            out[k] = v if math.isfinite(v) else None
        return out


def _counts_value(v: Any) -> float:
    return float(v)


@dataclass(frozen=True, kw_only=True, repr=False)
class ThresholdsResult(CheckResult):
    """Ranking metrics and threshold queries for a binary classifier's scores.

    Attributes
    ----------
    roc_auc, average_precision:
        Areas under the ROC and precision-recall curves (AUC-PR is the average
        precision, as scikit-learn computes it).
    prevalence:
        Share (weighted) of positives: the AUC-PR of a model without skill.
    positive_label, negative_label:
        What counts as positive, and the other class.
    n_samples, n_positive, n_negative:
        Row counts (unweighted; rows of weight 0 are left out).
    threshold:
        The decision threshold of the summary, of ``at()`` and of the
        at-threshold condition values.
    """

    check: ClassVar[str] = "thresholds"

    #: The documented default conditions.
    DEFAULT_CONDITIONS: ClassVar[tuple] = (
        Condition(
            "roc_auc",
            ">=",
            0.7,
            name="no poor discrimination",
            why=_HOSMER + "below 0.7 is poor discrimination",
        ),
        Condition(
            "roc_auc",
            ">=",
            0.8,
            status="warn",
            name="excellent discrimination",
            why=_HOSMER + "of 0.7-0.8 is acceptable, 0.8 and above excellent",
        ),
        Condition(
            "ap_gain",
            ">=",
            0.2,
            status="warn",
            name="finds the positive class",
            why="mlnb's rule: an AUC-PR gain over a no-skill model below 0.2 means the "
            "model barely finds the rare class even when ROC AUC looks good (a "
            "no-skill model's AUC-PR is the prevalence: Saito & Rehmsmeier, PLoS ONE "
            "2015)",
        ),
    )

    roc_auc: float
    average_precision: float
    prevalence: float
    positive_label: Any
    negative_label: Any
    n_samples: int
    n_positive: int
    n_negative: int
    threshold: float
    weighted: bool
    scores_are_probabilities: bool
    _ranking: BinaryRanking = internal()

    # -- metrics needing probabilities -------------------------------------------
    @property
    def log_loss(self) -> float:
        """Log loss; raises MlnbValueError unless the scores are probabilities."""
        self._ranking.check_probability("log loss")
        return self._ranking.log_loss

    def _log_loss_or_nan(self) -> float:
        return self._ranking.log_loss if self.scores_are_probabilities else math.nan

    @property
    def ap_gain(self) -> float:
        """(AUC-PR − prevalence) / (1 − prevalence): 0 for no skill, 1 for perfect."""
        return (self.average_precision - self.prevalence) / (1.0 - self.prevalence)

    # -- queries (binary searches, no re-sorting) --------------------------------
    def at(self, threshold: float | None = None) -> OperatingPoint:
        """The confusion matrix and rates at ``threshold`` (default: ``.threshold``)."""
        t = self.threshold if threshold is None else _as_threshold(threshold)
        c = self._ranking.counts(t)
        return OperatingPoint(
            float(t),
            _counts_value(c.tp),
            _counts_value(c.fp),
            _counts_value(c.tn),
            _counts_value(c.fn),
        )

    def precision_at_recall(self, recall: float) -> float:
        """Best precision among thresholds whose recall >= ``recall`` (as
        TensorFlow's ``PrecisionAtRecall``, evaluated at every distinct score)."""
        return self._ranking.precision_at_recall(_as_rate(recall, "recall"))[0]

    def recall_at_precision(self, precision: float) -> float:
        """Best recall among thresholds whose precision >= ``precision`` (as
        TensorFlow's ``RecallAtPrecision``); 0.0 when no threshold reaches it."""
        return self._ranking.recall_at_precision(_as_rate(precision, "precision"))[0]

    def operating_point(
        self, *, recall: float | None = None, precision: float | None = None
    ) -> OperatingPoint:
        """The operating point that meets a target recall (best precision) or a
        target precision (best recall). Give exactly one target."""
        if (recall is None) == (precision is None):
            raise MlnbValueError(
                "give exactly one target: operating_point(recall=0.9) or "
                "operating_point(precision=0.9)"
            )
        if recall is not None:
            _, t = self._ranking.precision_at_recall(_as_rate(recall, "recall"))
        else:
            _, t = self._ranking.recall_at_precision(_as_rate(precision, "precision"))
        if math.isnan(t):
            raise MlnbValueError(
                f"no threshold reaches precision {precision}; the best precision "
                "this model reaches is "
                f"{float(self._ranking._vertex_precision.max()):.4g}"
            )
        return self.at(t)

    def best_threshold(
        self, *, cost_fn: float = 1.0, cost_fp: float = 1.0
    ) -> OperatingPoint:
        """The operating point minimising expected cost ``cost_fn·FN + cost_fp·FP``.

        Parameters
        ----------
        cost_fn, cost_fp:
            Cost of one missed positive and of one false alarm (only their ratio
            matters). A fraud team that loses 50 for a missed fraud and 1 for a
            needless review passes ``cost_fn=50, cost_fp=1``.
        """
        for name, v in (("cost_fn", cost_fn), ("cost_fp", cost_fp)):
            if not (is_real(v) and math.isfinite(v) and v >= 0):
                raise MlnbValueError(f"{name} must be a finite number >= 0; got {v!r}")
        if cost_fn == 0 and cost_fp == 0:
            raise MlnbValueError("cost_fn and cost_fp cannot both be 0")
        t, _ = self._ranking.min_cost(float(cost_fn), float(cost_fp))
        return self.at(t)

    def expected_cost(
        self, threshold: float, *, cost_fn: float, cost_fp: float
    ) -> float:
        p = self.at(threshold)
        return cost_fn * p.fn + cost_fp * p.fp

    # -- curves ------------------------------------------------------------------
    def roc_curve(self, *, drop_intermediate: bool = False):
        """``(fpr, tpr, thresholds)``, identical to scikit-learn's ``roc_curve``."""
        return self._ranking.roc_curve(drop_intermediate=drop_intermediate)

    def pr_curve(self, *, drop_intermediate: bool = False):
        """``(precision, recall, thresholds)``, identical to scikit-learn's
        ``precision_recall_curve``."""
        return self._ranking.pr_curve(drop_intermediate=drop_intermediate)

    def curve_points(self, *, n: int = 101) -> dict[str, list[float]]:
        """About ``n`` operating points spread over the score range (quantiles of
        the scores, plus the extremes): thresholds, precision, recall, fpr, tp, fp.

        Small enough to send to a browser whatever the data size.
        """
        r = self._ranking
        qs = np.linspace(0.0, 1.0, max(int(n), 2))
        both = np.concatenate(
            (np.quantile(r.pos, qs), np.quantile(r.neg, qs), [r.max_score])
        )
        thr = np.unique(both)
        c = r.counts(thr)
        denom = c.tp + c.fp
        precision = np.divide(
            c.tp, denom, out=np.zeros(len(thr)), where=np.asarray(denom) != 0
        )
        return {
            "threshold": thr.tolist(),
            "precision": precision.tolist(),
            "recall": (np.asarray(c.tp) / r.w_pos).tolist(),
            "fpr": (np.asarray(c.fp) / r.w_neg).tolist(),
            "tp": np.asarray(c.tp, dtype=float).tolist(),
            "fp": np.asarray(c.fp, dtype=float).tolist(),
        }

    def score_histogram(self, *, bins: int = 40) -> dict[str, list[float]]:
        """Counts of positive and negative scores per bin (aggregates for charts)."""
        r = self._ranking
        lo, hi = r.min_score, r.max_score
        if self.scores_are_probabilities:
            lo, hi = 0.0, 1.0
        if hi <= lo:
            hi = lo + 1.0
        edges = np.linspace(lo, hi, int(bins) + 1)
        pos, _ = np.histogram(r.pos, bins=edges, weights=r._pos_w)
        neg, _ = np.histogram(r.neg, bins=edges, weights=r._neg_w)
        return {
            "edges": edges.tolist(),
            "positive": pos.tolist(),
            "negative": neg.tolist(),
        }

    def plot(self, *, ax: Any = None, threshold: float | None = None) -> Any:
        """ROC and precision-recall curves with the operating point at
        ``threshold`` (default: the decision threshold).

        ``ax`` is a pair of matplotlib Axes to draw on (default: a new figure's).
        Returns the two Axes it drew on, as a numpy array.
        """
        from ...render.imbalance import threshold_curves

        return threshold_curves(self, ax=ax, threshold=threshold)

    def judge(self, conditions: Any = None, *, baseline: Any = None):
        """This result judged by other ``conditions`` (``None``: the defaults) or
        by change conditions against ``baseline`` (an earlier thresholds result);
        the summary names the condition that now decides. Nothing is recomputed."""
        judged = super().judge(conditions, baseline=baseline)
        summary = _summary(
            self.roc_auc,
            self.average_precision,
            self.prevalence,
            self.at(),
            judged.outcomes,
        )
        return dataclasses.replace(judged, summary=summary)

    # -- rendering ---------------------------------------------------------------
    def record_metrics(self) -> dict[str, Any]:
        p = self.at()
        return {
            "roc_auc": self.roc_auc,
            "average_precision": self.average_precision,
            "prevalence": self.prevalence,
            "log_loss": self._log_loss_or_nan(),
            "threshold": self.threshold,
            "precision": p.precision,
            "recall": p.recall,
        }

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["log_loss"] = jsonable(self._log_loss_or_nan())
        out["at_threshold"] = self.at().to_dict()
        return out

    def _frame_rows(self) -> list[dict[str, Any]]:
        return [
            {"metric": k, "value": v}
            for k, v in {
                "roc_auc": self.roc_auc,
                "average_precision": self.average_precision,
                "prevalence": self.prevalence,
                "log_loss": self._log_loss_or_nan(),
                **{
                    f"{k}@{self.threshold:g}": v
                    for k, v in self.at().to_dict().items()
                    if k != "threshold"
                },
            }.items()
        ]

    def _html_sections(self) -> list[str]:
        p = self.at()
        ll = self._log_loss_or_nan()
        metrics = H.table(
            [
                ("ROC AUC", self.roc_auc),
                ("AUC-PR (average precision)", self.average_precision),
                ("AUC-PR of a no-skill model (prevalence)", self.prevalence),
                ("Log loss", ll if not math.isnan(ll) else "n/a: scores not in [0, 1]"),
            ],
            header=("metric", "value"),
        )
        cm = H.table(
            [
                (f"actual {self.negative_label}", p.tn, p.fp),
                (f"actual {self.positive_label}", p.fn, p.tp),
            ],
            header=(
                f"at threshold {self.threshold:g}",
                f"predicted {self.negative_label}",
                f"predicted {self.positive_label}",
            ),
        )
        rates = H.table(
            [
                ("precision", p.precision),
                ("recall", p.recall),
                ("F1", p.f1),
                ("false positive rate", p.fpr),
            ],
            header=("rate", "value"),
        )
        flex = '<div style="display:flex;gap:24px;flex-wrap:wrap">'
        return [f"{flex}{metrics}{cm}{rates}</div>"]


def _as_threshold(t: Any) -> float:
    if not is_real(t):
        raise MlnbValueError(
            f"threshold must be a number (scores >= it predict the positive "
            f"class), e.g. threshold=0.5; got {type(t).__name__} {t!r}"
        )
    try:
        value = float(t)
    except (TypeError, ValueError):
        raise MlnbValueError(f"threshold must be a number; got {t!r}") from None
    if math.isnan(value):
        raise MlnbValueError("threshold must be a number; got NaN")
    return value


def _as_rate(v: Any, name: str) -> float:
    try:
        value = float(v)
    except (TypeError, ValueError):
        raise MlnbValueError(f"{name} must be a number in [0, 1]; got {v!r}") from None
    if not 0.0 <= value <= 1.0:
        raise MlnbValueError(f"{name} must be in [0, 1]; got {value!r}")
    return value


def thresholds(
    y_true: Any = None,
    y_score: Any = None,
    *,
    data: Any = None,
    label: Any = None,
    score: Any = None,
    positive_label: Any = None,
    sample_weight: Any = None,
    threshold: float = 0.5,
    conditions: Any = None,
    publish: bool = True,
) -> ThresholdsResult:
    """Ranking metrics of a binary classifier and its confusion matrix at any
    threshold, from one sort of the scores.

    Parameters
    ----------
    y_true:
        True labels (0/1, booleans, or two values with ``positive_label``), or a
        table with ``label=`` and ``score=`` naming its columns.
    y_score:
        Scores, higher meaning more likely positive (probabilities or decision
        values).
    data:
        A table (pandas or polars DataFrame, pyarrow Table, dict of arrays) holding
        the columns ``label`` and ``score`` name — instead of ``y_true`` and
        ``y_score``.
    label, score:
        Column names in ``data`` (any hashable: ``"y"``, ``0``, a tuple).
    positive_label:
        Which label is the positive class (defaults to 1/True for 0/1, -1/1 and
        boolean labels).
    sample_weight:
        Optional non-negative weight per row (values, or a column name of
        ``data``).
    threshold:
        The decision threshold (``score >= threshold`` predicts positive) of the
        summary, of ``at()`` and of the at-threshold condition values.
    conditions:
        :class:`mlnb.Condition` rules that decide the status, replacing the
        defaults, e.g. ``[mlnb.Condition("recall", ">=", 0.8)]``. They can read the
        values of :data:`CONDITION_VALUES`: ``roc_auc``, ``average_precision``,
        ``ap_gain``, ``prevalence``, ``log_loss`` (undefined unless the scores are
        probabilities), and at the decision ``threshold``: ``precision``,
        ``recall``, ``f1``, ``fpr``, ``specificity``, ``accuracy``,
        ``balanced_accuracy``, ``predicted_positive_rate``.
    publish:
        Record the result as this session's newest evidence for step 4.

    Returns
    -------
    ThresholdsResult
        ``.roc_auc``, ``.average_precision``, ``.log_loss``, ``.at(t)``,
        ``.precision_at_recall(r)``, ``.recall_at_precision(p)``,
        ``.best_threshold(cost_fn=..., cost_fp=...)``, ``.roc_curve()``,
        ``.pr_curve()``.

    Status
    ------
    The worst of the conditions. The defaults
    (:attr:`ThresholdsResult.DEFAULT_CONDITIONS`): ``roc_auc >= 0.7`` (fail) and
    ``roc_auc >= 0.8`` (warn) after Hosmer & Lemeshow's poor / acceptable /
    excellent discrimination, and ``ap_gain >= 0.2`` (warn): the AUC-PR gain over
    a no-skill model, ``(AP - prevalence) / (1 - prevalence)``.

    Examples
    --------
    >>> import mlnb
    >>> r = mlnb.thresholds([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], publish=False)
    >>> r.roc_auc
    0.75
    >>> r.at(0.35).recall
    1.0
    >>> r.status, r.decided_by
    ('warn', 'roc_auc 0.75 < 0.8: warn')
    """
    # 1 read the inputs
    if not isinstance(publish, (bool, np.bool_)):
        raise MlnbValueError(f"publish must be True or False; got {publish!r}")
    y_true, y_score, sample_weight = _read_inputs(
        y_true, y_score, data, label, score, sample_weight
    )
    scores = as_scores(y_score)
    mask, pos, neg = binary_mask(y_true, positive_label=positive_label)
    n = check_same_length(y_true=mask, y_score=scores)
    weights = as_weights(sample_weight, n)
    thr = _as_threshold(threshold)

    # 2 compute
    ranking = BinaryRanking(scores, mask, weights)
    del scores, mask, weights  # the ranking holds what it needs (memory budget)
    roc_auc = float(ranking.roc_auc)
    ap = float(ranking.average_precision)
    prevalence = ranking.prevalence
    probabilities = ranking.scores_are_probabilities()
    c = ranking.counts(thr)
    point = OperatingPoint(thr, float(c.tp), float(c.fp), float(c.tn), float(c.fn))

    # 3 apply the conditions
    values = {
        "roc_auc": roc_auc,
        "average_precision": ap,
        "ap_gain": (ap - prevalence) / (1.0 - prevalence),
        "prevalence": prevalence,
        "log_loss": float(ranking.log_loss) if probabilities else math.nan,
        **{k: getattr(point, k) for k in _POINT_VALUES},
    }
    status, outcomes = judge(
        conditions,
        values,
        defaults=ThresholdsResult.DEFAULT_CONDITIONS,
        check="thresholds",
    )

    # 4 word the summary
    summary = _summary(roc_auc, ap, prevalence, point, outcomes)
    result = ThresholdsResult(
        step="imbalance",
        status=status,
        summary=summary,
        outcomes=outcomes,
        condition_values=values,
        roc_auc=roc_auc,
        average_precision=ap,
        prevalence=prevalence,
        positive_label=pos,
        negative_label=neg,
        n_samples=ranking.n_pos + ranking.n_neg,
        n_positive=ranking.n_pos,
        n_negative=ranking.n_neg,
        threshold=thr,
        weighted=ranking.weighted,
        scores_are_probabilities=probabilities,
        _ranking=ranking,
    )
    return result.publish() if publish else result


def _read_inputs(
    y_true: Any, y_score: Any, data: Any, label: Any, score: Any, sample_weight: Any
) -> tuple[Any, Any, Any]:
    """Labels, scores and weights as values, from values or a table's columns."""
    if data is None and frames.is_table(y_true):
        data, y_true = y_true, None
    if data is None:
        if label is not None or score is not None:
            raise MlnbValueError(
                "label= and score= name columns, so pass the table too: "
                "thresholds(df, label='y', score='p') or thresholds(data=df, ...); "
                "or pass the values as thresholds(y_true, y_score)"
            )
        if y_true is None:
            raise MlnbValueError(
                "y_true is missing: thresholds(y_true, y_score) or "
                "thresholds(df, label='y', score='p')"
            )
        if y_score is None:
            raise MlnbValueError("y_score is missing: thresholds(y_true, y_score)")
        weights = frames.column_or_values(None, sample_weight, role="sample_weight")
        return y_true, y_score, weights
    if not frames.is_table(data):
        raise MlnbValueError(
            "data must be a table (a pandas or polars DataFrame, a pyarrow Table or "
            f"a dict of arrays); got {type(data).__name__}"
        )
    if y_true is not None or y_score is not None:
        raise MlnbValueError(
            "pass either the values (thresholds(y_true, y_score)) or a table with "
            "column names (thresholds(df, label='y', score='p')), not both"
        )
    if label is None or score is None:
        raise MlnbValueError(
            "with a table, name both columns: thresholds(df, label='y', score='p')"
        )
    return (
        frames.get_column(data, label, role="label"),
        frames.get_column(data, score, role="score"),
        frames.column_or_values(data, sample_weight, role="sample_weight"),
    )


def _summary(
    roc_auc: float, ap: float, prevalence: float, point: OperatingPoint, outcomes
) -> str:
    lift = ap / prevalence if prevalence > 0 else math.inf
    return (
        f"ROC AUC {roc_auc:.3f}, AUC-PR {ap:.3f} vs {prevalence:.3f} for no skill "
        f"({lift:.1f}× lift): {_verdict(outcomes)}; at threshold {point.threshold:g} "
        f"precision {point.precision:.2f}, recall {point.recall:.2f}"
    )


def _verdict(outcomes: tuple) -> str:
    """The summary's words for the condition that decided the status."""
    _, decided = decide(outcomes)
    if decided is None:
        return "no conditions"
    if decided.status == "pass":
        defaults = {c.name for c in ThresholdsResult.DEFAULT_CONDITIONS}
        if {o.name for o in outcomes} == defaults:
            return "the model separates the classes well"
        return "every condition holds"
    for c, words in zip(ThresholdsResult.DEFAULT_CONDITIONS, _DEFAULT_VERDICTS):
        if decided.condition == c:
            return words
    return decided.sentence


#: The summary's words for each default condition, when it decides the status.
_DEFAULT_VERDICTS = (
    "poor discrimination (ROC AUC below 0.7)",
    "only acceptable discrimination (ROC AUC below 0.8)",
    "the model finds the positive class only weakly (AUC-PR gain over no skill "
    "below 0.2)",
)
