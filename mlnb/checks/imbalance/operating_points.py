"""Step 4 (imbalance), model side: ranking metrics and operating thresholds.

``thresholds(y_true, y_score)`` sorts the scores once; every later question is a
binary search. See :mod:`mlnb.core.ranking`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...checklist.result import CheckResult, internal
from ...core.jsonsafe import jsonable
from ...core.labels import (
    as_scores,
    as_weights,
    binary_mask,
    check_same_length,
    column,
    is_real,
)
from ...core.ranking import BinaryRanking
from ...errors import MlnbValueError
from ...render import html as H

__all__ = ["thresholds", "ThresholdsResult", "OperatingPoint"]

#: Hosmer & Lemeshow (Applied Logistic Regression, 2000): ROC AUC below 0.7 is poor
#: discrimination, 0.7-0.8 acceptable, 0.8 and above excellent.
FAIL_BELOW_AUC = 0.7
WARN_BELOW_AUC = 0.8
#: AUC-PR gain over a no-skill model, (AP - prevalence) / (1 - prevalence): below
#: this, the model barely finds the rare class even when ROC AUC looks good.
WARN_BELOW_AP_GAIN = 0.2


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
        The default operating threshold used in the summary and by ``at()``.
    """

    check = "thresholds"

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

    def curve_points(self, n: int = 101) -> dict[str, list[float]]:
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

    def score_histogram(self, bins: int = 40) -> dict[str, list[float]]:
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

    def plot(self, axes: Any = None, *, threshold: float | None = None) -> Any:
        """ROC and precision-recall curves with the operating point; returns the
        two Axes."""
        from ...render.imbalance import threshold_curves

        return threshold_curves(self, threshold=threshold, axes=axes)

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


def _status(roc_auc: float, ap_gain: float) -> tuple[str, str]:
    """Status and the reason, by the documented thresholds above."""
    if roc_auc < FAIL_BELOW_AUC:
        return "fail", f"poor discrimination (ROC AUC below {FAIL_BELOW_AUC})"
    if roc_auc < WARN_BELOW_AUC:
        return (
            "warn",
            f"only acceptable discrimination (ROC AUC below {WARN_BELOW_AUC})",
        )
    if ap_gain < WARN_BELOW_AP_GAIN:
        return "warn", (
            "the model finds the positive class only weakly (AUC-PR gain over no "
            f"skill below {WARN_BELOW_AP_GAIN})"
        )
    return "pass", "the model separates the classes well"


def thresholds(
    y_true: Any,
    y_score: Any = None,
    *,
    data: Any = None,
    label: str | None = None,
    score: str | None = None,
    positive_label: Any = None,
    sample_weight: Any = None,
    threshold: float = 0.5,
    publish: bool = True,
) -> ThresholdsResult:
    """Ranking metrics of a binary classifier and its confusion matrix at any
    threshold, from one sort of the scores.

    Parameters
    ----------
    y_true:
        True labels (0/1, booleans, or two values with ``positive_label``), or a
        DataFrame together with ``label=`` and ``score=`` column names.
    y_score:
        Scores, higher meaning more likely positive (probabilities or decision
        values).
    label, score:
        Column names when ``y_true`` is a DataFrame.
    positive_label:
        Which label is the positive class (defaults to 1/True for 0/1, -1/1 and
        boolean labels).
    sample_weight:
        Optional non-negative weight per row.
    threshold:
        Default operating threshold for the summary and ``at()``.
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
    ``fail`` when ROC AUC < 0.7, ``warn`` when ROC AUC < 0.8 or the AUC-PR gain over
    a no-skill model is below 0.2, else ``pass``.

    Examples
    --------
    >>> import mlnb
    >>> r = mlnb.thresholds([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], publish=False)
    >>> r.roc_auc
    0.75
    >>> r.at(0.35).recall
    1.0
    """
    if data is not None or (label is not None and hasattr(y_true, "columns")):
        frame = data if data is not None else y_true
        if label is None or score is None:
            raise MlnbValueError(
                "with a DataFrame, name both columns: thresholds(df, label='y', "
                "score='p')"
            )
        y_true = column(frame, label, role="label")
        y_score = column(frame, score, role="score")
        if isinstance(sample_weight, str):
            sample_weight = column(frame, sample_weight, role="sample_weight")
    if y_score is None:
        raise MlnbValueError("y_score is missing: thresholds(y_true, y_score)")
    scores = as_scores(y_score)
    mask, pos, neg = binary_mask(y_true, positive_label=positive_label)
    n = check_same_length(y_true=mask, y_score=scores)
    weights = as_weights(sample_weight, n)
    thr = _as_threshold(threshold)
    ranking = BinaryRanking(scores, mask, weights)
    roc_auc = float(ranking.roc_auc)
    ap = float(ranking.average_precision)
    prevalence = ranking.prevalence
    gain = (ap - prevalence) / (1.0 - prevalence)
    status, verdict = _status(roc_auc, gain)
    lift = ap / prevalence if prevalence > 0 else math.inf
    counts = ranking.counts(thr)
    tp, fp = float(counts.tp), float(counts.fp)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / ranking.w_pos
    summary = (
        f"ROC AUC {roc_auc:.3f}, AUC-PR {ap:.3f} vs {prevalence:.3f} for no skill "
        f"({lift:.1f}× lift): {verdict}; at threshold {thr:g} precision "
        f"{precision:.2f}, recall {recall:.2f}"
    )
    result = ThresholdsResult(
        step="imbalance",
        status=status,
        summary=summary,
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
        scores_are_probabilities=ranking.scores_are_probabilities(),
        _ranking=ranking,
    )
    return result.publish() if publish else result
