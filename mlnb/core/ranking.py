"""Binary-classifier metrics from ONE sort of the scores.

The scores of positives and of negatives are sorted once, separately. Every later
question — ROC AUC, average precision, the confusion matrix at any threshold,
precision at a recall, the cost-optimal threshold — is answered with binary
searches (``np.searchsorted``) into those two arrays, or with the *vertex curve*:
the precision/recall at each distinct positive score, which is where the PR curve
turns (between two of them only false positives are added, so precision falls and
recall stays).

A score counts as a positive prediction when ``score >= threshold``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..errors import DataValidationError, MlnbValueError

__all__ = ["BinaryRanking", "Counts"]

_CHUNK = 1 << 20


@dataclass(frozen=True)
class Counts:
    """Confusion counts (weighted when sample weights were given) at thresholds."""

    threshold: np.ndarray
    tp: np.ndarray
    fp: np.ndarray
    fn: np.ndarray
    tn: np.ndarray


def _tail_sums(weights_sorted: np.ndarray) -> np.ndarray:
    """``out[i]`` = total weight of items ``i..end`` (``out[n] = 0``).

    Summed from the highest score down, the order scikit-learn sums in, so weighted
    counts at a threshold agree with its curves to the last bit.
    """
    n = len(weights_sorted)
    out = np.empty(n + 1, dtype=np.float64)
    out[n] = 0.0
    np.cumsum(weights_sorted[::-1], out=out[n - 1 :: -1] if n else out[:0])
    return out


def _distinct_starts(sorted_values: np.ndarray) -> np.ndarray:
    """Start index of each run of equal values in an ascending array."""
    if len(sorted_values) == 0:
        return np.zeros(0, dtype=np.intp)
    change = np.flatnonzero(sorted_values[1:] != sorted_values[:-1]) + 1
    return np.concatenate(([0], change))


class BinaryRanking:
    """Scores of positives and negatives, each sorted ascending exactly once.

    Parameters
    ----------
    scores:
        float64 scores, one per row (not modified).
    positive:
        boolean mask, True where the row is a positive.
    sample_weight:
        optional non-negative weights; rows of weight 0 are left out, as
        scikit-learn's curve functions do.
    """

    def __init__(
        self,
        scores: np.ndarray,
        positive: np.ndarray,
        sample_weight: np.ndarray | None = None,
        *,
        drop_zero_weights: bool = True,
    ) -> None:
        if (
            drop_zero_weights
            and sample_weight is not None
            and np.any(sample_weight == 0)
        ):
            keep = sample_weight != 0
            scores, positive, sample_weight = (
                scores[keep],
                positive[keep],
                sample_weight[keep],
            )
        self.weighted = sample_weight is not None
        if self.weighted:
            w = sample_weight
            pos_s, pos_w = scores[positive], w[positive]
            order = np.argsort(pos_s, kind="stable")
            self.pos, self._pos_w = pos_s[order], pos_w[order]
            self._pos_ge = _tail_sums(self._pos_w)
            del pos_s, pos_w, order
            negative = ~positive
            neg_s, neg_w = scores[negative], w[negative]
            del negative
            order = np.argsort(neg_s, kind="stable")
            self.neg, self._neg_w = neg_s[order], neg_w[order]
            self._neg_ge = _tail_sums(self._neg_w)
            del neg_s, neg_w, order
            self.w_pos = float(self._pos_ge[0])
            self.w_neg = float(self._neg_ge[0])
        else:
            self.pos = scores[positive]
            self.pos.sort()
            self.neg = scores[~positive]
            self.neg.sort()
            self._pos_w = self._neg_w = self._pos_ge = self._neg_ge = None
            self.w_pos = float(len(self.pos))
            self.w_neg = float(len(self.neg))
        self.n_pos = len(self.pos)
        self.n_neg = len(self.neg)
        self._check_finite()

    @classmethod
    def from_sorted(
        cls,
        pos: np.ndarray,
        neg: np.ndarray,
        pos_w: np.ndarray | None = None,
        neg_w: np.ndarray | None = None,
        *,
        allow_one_class: bool = False,
    ) -> BinaryRanking:
        """Build from scores already sorted ascending (one slice of a grouped sort).

        ``pos_w``/``neg_w`` are the weights in the same order (both or neither).
        With ``allow_one_class`` a class may be empty; metrics that need both
        classes are then NaN.
        """
        self = cls.__new__(cls)
        self.pos, self.neg = pos, neg
        self.weighted = pos_w is not None
        if self.weighted:
            self._pos_w, self._neg_w = pos_w, neg_w
            self._pos_ge, self._neg_ge = _tail_sums(pos_w), _tail_sums(neg_w)
            self.w_pos, self.w_neg = float(self._pos_ge[0]), float(self._neg_ge[0])
        else:
            self._pos_w = self._neg_w = self._pos_ge = self._neg_ge = None
            self.w_pos, self.w_neg = float(len(pos)), float(len(neg))
        self.n_pos, self.n_neg = len(pos), len(neg)
        if not allow_one_class:
            self._check_finite()
        return self

    @property
    def both_classes(self) -> bool:
        return self.w_pos > 0 and self.w_neg > 0

    # -- validation ----------------------------------------------------------------
    def _check_finite(self) -> None:
        n_nan = 0
        for arr in (self.pos, self.neg):
            if len(arr) and np.isnan(arr[-1]):  # NaNs sort to the end
                n_nan += int(np.count_nonzero(np.isnan(arr)))
        if n_nan:
            raise DataValidationError(
                f"y_score has {n_nan:,} NaN values; every row needs a score. Find "
                "them with np.isnan(y_score) and drop those rows (with their labels) "
                "or fix the model input that produced them."
            )
        if self.w_pos <= 0 or self.w_neg <= 0:
            which = "positive" if self.w_pos <= 0 else "negative"
            raise DataValidationError(
                f"the {which} class has total weight 0; both classes need weight"
            )

    @property
    def min_score(self) -> float:
        return float(min(a[0] for a in (self.pos, self.neg) if len(a)))

    @property
    def max_score(self) -> float:
        return float(max(a[-1] for a in (self.pos, self.neg) if len(a)))

    @property
    def prevalence(self) -> float:
        return self.w_pos / (self.w_pos + self.w_neg)

    # -- counting ------------------------------------------------------------------
    @staticmethod
    def _at_or_above(sorted_arr, ge, t):
        """(Weighted) number of items with a score >= t."""
        idx = np.searchsorted(sorted_arr, t, side="left")
        if ge is None:
            return len(sorted_arr) - idx
        return ge[idx]

    def counts(self, thresholds) -> Counts:
        """Confusion counts at each threshold (binary searches, no sorting)."""
        t = np.asarray(thresholds, dtype=np.float64)
        tp = self._at_or_above(self.pos, self._pos_ge, t)
        fp = self._at_or_above(self.neg, self._neg_ge, t)
        return Counts(t, tp, fp, self.w_pos - tp, self.w_neg - fp)

    # -- ranking metrics -------------------------------------------------------------
    @cached_property
    def roc_auc(self) -> float:
        """Area under the ROC curve (ties count one half, as the trapezoid rule)."""
        if not self.both_classes:
            return float("nan")
        left = np.searchsorted(self.neg, self.pos, side="left")
        right = np.searchsorted(self.neg, self.pos, side="right")
        if not self.weighted:
            total = int(left.sum(dtype=np.int64)) + int(right.sum(dtype=np.int64))
            return total / 2.0 / (self.n_pos * self.n_neg)
        ge = self._neg_ge
        below = self.w_neg - (ge[left] + ge[right]) / 2.0
        return float(np.dot(self._pos_w, below) / (self.w_pos * self.w_neg))

    @cached_property
    def vertices(self) -> Counts:
        """Counts at each distinct positive score, highest threshold first."""
        starts = _distinct_starts(self.pos)[::-1]
        thr = self.pos[starts]
        if self._pos_ge is None:
            tp = (self.n_pos - starts).astype(np.float64)
        else:
            tp = self._pos_ge[starts]
        fp = self._at_or_above(self.neg, self._neg_ge, thr)
        fp = np.asarray(fp, dtype=np.float64)
        return Counts(thr, tp, fp, self.w_pos - tp, self.w_neg - fp)

    @cached_property
    def _vertex_precision(self) -> np.ndarray:
        v = self.vertices
        denom = v.tp + v.fp
        return np.divide(v.tp, denom, out=np.zeros_like(v.tp), where=denom != 0)

    @cached_property
    def _vertex_recall(self) -> np.ndarray:
        return self.vertices.tp / self.w_pos

    @cached_property
    def average_precision(self) -> float:
        """Average precision: sum over recall steps of (step size) x precision."""
        if self.w_pos <= 0:
            return float("nan")
        d_recall = np.diff(self._vertex_recall, prepend=0.0)
        return float(np.dot(d_recall, self._vertex_precision))

    def scores_are_probabilities(self) -> bool:
        return self.min_score >= 0.0 and self.max_score <= 1.0

    @cached_property
    def log_loss(self) -> float:
        """Mean negative log-likelihood, probabilities clipped to [eps, 1 - eps].

        The caller must have checked :meth:`scores_are_probabilities`.
        """
        eps = np.finfo(np.float64).eps
        total = 0.0
        for arr, w_all, positive in (
            (self.pos, self._pos_w, True),
            (self.neg, self._neg_w, False),
        ):
            for start in range(0, len(arr), _CHUNK):
                chunk = np.clip(arr[start : start + _CHUNK], eps, 1.0 - eps)
                ll = np.log(chunk) if positive else np.log1p(-chunk)
                if w_all is None:
                    total += float(ll.sum())
                else:
                    total += float(np.dot(w_all[start : start + _CHUNK], ll))
        return -total / (self.w_pos + self.w_neg)

    # -- operating points from the vertex curve --------------------------------------
    def precision_at_recall(self, recall: float) -> tuple[float, float]:
        """Best precision among thresholds whose recall >= ``recall``.

        Returns ``(precision, threshold)``; the threshold is the highest one that
        achieves it.
        """
        ok = self._vertex_recall >= recall - 1e-12
        if not ok.any():
            return 0.0, float("nan")
        prec = np.where(ok, self._vertex_precision, -1.0)
        i = int(np.argmax(prec))
        return float(prec[i]), float(self.vertices.threshold[i])

    def recall_at_precision(self, precision: float) -> tuple[float, float]:
        """Best recall among thresholds whose precision >= ``precision``.

        Returns ``(recall, threshold)``, or ``(0.0, nan)`` when no threshold
        reaches that precision.
        """
        ok = self._vertex_precision >= precision - 1e-12
        if not ok.any():
            return 0.0, float("nan")
        rec = np.where(ok, self._vertex_recall, -1.0)
        i = int(np.argmax(rec))
        return float(rec[i]), float(self.vertices.threshold[i])

    def min_cost(self, cost_fn: float, cost_fp: float) -> tuple[float, float]:
        """The threshold minimising ``cost_fn * FN + cost_fp * FP``.

        Returns ``(threshold, cost)``. Between two distinct positive scores only
        false positives are added, so the optimum is at a positive score or above
        every score (predict nothing positive).
        """
        v = self.vertices
        cost = cost_fn * v.fn + cost_fp * v.fp
        i = int(np.argmin(cost))
        none_cost = cost_fn * self.w_pos
        if none_cost <= cost[i]:
            return float(np.nextafter(self.max_score, np.inf)), float(none_cost)
        return float(v.threshold[i]), float(cost[i])

    # -- full-resolution curves (on demand; scikit-learn's outputs) --------------------
    def _all_thresholds(self) -> np.ndarray:
        """Every distinct score, ascending, merged from the two sorted arrays."""
        uneg = self.neg[_distinct_starts(self.neg)]
        upos = self.pos[_distinct_starts(self.pos)]
        idx = np.searchsorted(uneg, upos)
        present = np.zeros(len(upos), dtype=bool)
        inside = idx < len(uneg)
        present[inside] = uneg[idx[inside]] == upos[inside]
        return np.insert(uneg, idx[~present], upos[~present])

    def curve_counts(self) -> Counts:
        """Counts at every distinct score, highest threshold first (like
        scikit-learn's ``confusion_matrix_at_thresholds``)."""
        return self.counts(self._all_thresholds()[::-1])

    def roc_curve(
        self, *, drop_intermediate: bool = False
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(fpr, tpr, thresholds)`` exactly as :func:`sklearn.metrics.roc_curve`."""
        c = self.curve_counts()
        fps, tps, thr = c.fp, c.tp, c.threshold
        if drop_intermediate and len(fps) > 2:
            keep = np.flatnonzero(
                np.concatenate(
                    ([True], np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), [True])
                )
            )
            fps, tps, thr = fps[keep], tps[keep], thr[keep]
        fps = np.concatenate(([0], fps))
        tps = np.concatenate(([0], tps))
        thr = np.concatenate(([np.inf], thr))
        return fps / self.w_neg, tps / self.w_pos, thr

    def pr_curve(
        self, *, drop_intermediate: bool = False
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(precision, recall, thresholds)`` exactly as
        :func:`sklearn.metrics.precision_recall_curve`."""
        c = self.curve_counts()
        fps, tps, thr = c.fp, c.tp, c.threshold
        if drop_intermediate and len(fps) > 2:
            keep = np.flatnonzero(
                np.concatenate(
                    (
                        [True],
                        np.logical_or(np.diff(tps[:-1]), np.diff(tps[1:])),
                        [True],
                    )
                )
            )
            fps, tps, thr = fps[keep], tps[keep], thr[keep]
        ps = tps + fps
        precision = np.divide(
            tps, ps, out=np.zeros(len(tps), dtype=np.float64), where=ps != 0
        )
        recall = tps / self.w_pos
        return (
            np.concatenate((precision[::-1], [1.0])),
            np.concatenate((recall[::-1], [0.0])),
            thr[::-1],
        )

    def check_probability(self, what: str = "log loss") -> None:
        if not self.scores_are_probabilities():
            raise MlnbValueError(
                f"{what} needs probabilities in [0, 1], but the scores range from "
                f"{self.min_score:.4g} to {self.max_score:.4g}. Pass the model's "
                "predict_proba(X)[:, 1], or calibrate decision values first (for "
                "example with sklearn.calibration.CalibratedClassifierCV)."
            )
