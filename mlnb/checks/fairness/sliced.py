"""Step 6: does the model serve all of your users well? Metrics per slice.

``sliced_metrics`` computes a model's metrics overall and per slice of the data
(one column, several columns each on its own, or crossed columns), with confidence
intervals, the difference and ratio to overall, and a flag for slices significantly
worse than the rest of the data.

It is fast because it sorts little: rows are grouped by ``(slice, class)`` with a
linear-time radix sort of a small integer key, and each group's scores are sorted
in place; ranking metrics and the confusion matrix at any threshold then come from
binary searches (see :mod:`mlnb.core.grouped` and :mod:`mlnb.core.ranking`).
Changing the threshold afterwards (:meth:`SlicedMetrics.at_threshold`) re-uses
the sorted state.

Beyond one machine, ``engine="tfma"`` runs the same analysis with TensorFlow Model
Analysis on Apache Beam (the ``tfma`` extra).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np

from ...checklist.result import CheckResult, internal
from ...core import intervals as ci
from ...core.grouped import grouped_rankings
from ...core.jsonsafe import jsonable
from ...core.labels import as_1d, as_scores, binary_mask, class_counts, is_real
from ...core.ranking import BinaryRanking
from ...core.slices import (
    DEFAULT_MAX_SLICES,
    SliceColumn,
    column_or_values,
    column_values,
    missing_mask,
    resolve_slices,
    row_count,
)
from ...errors import DataValidationError, MlnbValueError
from ...render import html as H

__all__ = ["sliced_metrics", "SlicedMetrics", "METRICS", "HIGHER_IS_BETTER"]

BINARY_METRICS = (
    "label_rate",
    "prediction_rate",
    "accuracy",
    "precision",
    "recall",
    "f1",
    "fpr",
    "fnr",
    "roc_auc",
    "average_precision",
    "log_loss",
    "mean_prediction",
    "calibration",
)
MULTICLASS_METRICS = ("accuracy", "macro_f1", "micro_f1", "roc_auc_ovr")
REGRESSION_METRICS = ("mae", "rmse", "mean_error", "label_mean", "prediction_mean")
METRICS = {
    "binary": BINARY_METRICS,
    "multiclass": MULTICLASS_METRICS,
    "regression": REGRESSION_METRICS,
}
#: Direction of each metric that can be a goal (others describe, not judge).
HIGHER_IS_BETTER = {
    "accuracy": True,
    "precision": True,
    "recall": True,
    "f1": True,
    "roc_auc": True,
    "average_precision": True,
    "macro_f1": True,
    "micro_f1": True,
    "roc_auc_ovr": True,
    "fpr": False,
    "fnr": False,
    "log_loss": False,
    "mae": False,
    "rmse": False,
}
#: Metrics not bounded in [0, 1]: their margins are relative to the overall value.
RELATIVE_MARGIN = {"log_loss", "mae", "rmse"}
#: A slice is flagged when significantly worse than the rest by at least this much
#: on the goal metric (absolute for metrics in [0, 1], relative for log loss, MAE,
#: RMSE): 0.05 warns, 0.10 fails — the size of gap fairness reviews commonly act on.
WARN_MARGIN = 0.05
FAIL_MARGIN = 0.10
#: Slices with fewer rows are shown as "too small" and never judged.
MIN_SLICE_SIZE = 30
#: Nor is a slice judged on a metric that rests on fewer examples than this (e.g.
#: recall of a slice with 3 positives): the normal approximation behind the test
#: needs about ten events.
MIN_SUPPORT = 10


@dataclass
class _Table:
    """Metric values, standard errors and intervals for a set of slices."""

    values: dict[str, np.ndarray]
    lo: dict[str, np.ndarray]
    hi: dict[str, np.ndarray]
    se: dict[str, np.ndarray]
    notes: list[str]
    # value and standard error of each metric on the *rest* of the data (the
    # complement of each slice), where it can be computed exactly
    rest: dict[str, np.ndarray] = field(default_factory=dict)
    rest_se: dict[str, np.ndarray] = field(default_factory=dict)
    # (effective) number of examples each metric rests on, e.g. positives for recall
    support: dict[str, np.ndarray] = field(default_factory=dict)


def _div(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b != 0, a / np.where(b != 0, b, 1.0), np.nan)


def _se_from_interval(lo, hi, z):
    return (np.asarray(hi) - np.asarray(lo)) / (2.0 * z)


# ---------------------------------------------------------------------------------
# binary classification
# ---------------------------------------------------------------------------------
class _BinaryState:
    """Threshold-free statistics of each slice, kept to re-threshold cheaply."""

    def __init__(
        self,
        rankings: list[BinaryRanking] | None,
        counts: np.ndarray | None,
        overall: BinaryRanking | None,
        probabilities: bool,
        sums_from: _BinaryState | None = None,
    ) -> None:
        self.rankings = rankings
        self.probabilities = probabilities
        if rankings is None:  # predictions only: (K, 4) weighted [tn, fp, fn, tp]
            self.counts = counts
            k = len(counts)
            self.n = counts[:, 4].astype(np.float64)
            self.w_pos = counts[:, 2] + counts[:, 3]
            self.w_neg = counts[:, 0] + counts[:, 1]
            self.w2 = counts[:, 5]
            self.n_pos = counts[:, 6].astype(np.float64)
            self.n_neg = self.n - self.n_pos
            nan = np.full(k, np.nan)
            self.auc = self.ap = self.ll_sum = self.ll_sum2 = nan
            self.sum_p = self.sum_p2 = self.sum_py = nan
            self.pairs_a = self.pairs_b = nan
            return
        k = len(rankings)
        self.n_pos = np.array([r.n_pos for r in rankings], dtype=np.float64)
        self.n_neg = np.array([r.n_neg for r in rankings], dtype=np.float64)
        self.n = self.n_pos + self.n_neg
        self.w_pos = np.array([r.w_pos for r in rankings])
        self.w_neg = np.array([r.w_neg for r in rankings])
        self.auc = np.array([r.roc_auc for r in rankings])
        self.ap = np.array([r.average_precision for r in rankings])
        self.w2 = np.zeros(k)
        self.sum_p = np.zeros(k)
        self.sum_p2 = np.zeros(k)
        self.sum_py = np.zeros(k)
        self.ll_sum = np.full(k, np.nan)
        self.ll_sum2 = np.full(k, np.nan)
        self.pairs_a = np.full(k, np.nan)
        self.pairs_b = np.full(k, np.nan)
        if sums_from is not None:
            for name in ("w2", "sum_p", "sum_p2", "sum_py", "ll_sum", "ll_sum2"):
                setattr(self, name, np.array([getattr(sums_from, name).sum()]))
            return
        eps = np.finfo(np.float64).eps
        for i, r in enumerate(rankings):
            ll, ll2 = 0.0, 0.0
            for scores, w, is_pos in (
                (r.pos, r._pos_w, True),
                (r.neg, r._neg_w, False),
            ):
                if w is None:
                    s1, s2 = float(scores.sum()), float(np.dot(scores, scores))
                    self.w2[i] += len(scores)
                else:
                    s1, s2 = float(np.dot(w, scores)), float(np.dot(w, scores * scores))
                    self.w2[i] += float(np.dot(w, w))
                self.sum_p[i] += s1
                self.sum_p2[i] += s2
                if is_pos:
                    self.sum_py[i] += s1
                if probabilities and len(scores):
                    c = np.clip(scores, eps, 1.0 - eps)
                    loss = -np.log(c) if is_pos else -np.log1p(-c)
                    if w is None:
                        ll += float(loss.sum())
                        ll2 += float(np.dot(loss, loss))
                    else:
                        ll += float(np.dot(w, loss))
                        ll2 += float(np.dot(w, loss * loss))
            if probabilities:
                self.ll_sum[i], self.ll_sum2[i] = ll, ll2
        # pairs each slice shares with the whole data, for the AUC of the rest
        if overall is not None:
            for i, r in enumerate(rankings):
                self.pairs_a[i] = _pairs_below(r, overall)
                self.pairs_b[i] = _pairs_above(r, overall)

    @property
    def weight(self) -> np.ndarray:
        return self.w_pos + self.w_neg

    def confusion(self, threshold: float) -> tuple[np.ndarray, np.ndarray]:
        """Weighted (tp, fp) per slice at ``threshold``."""
        if self.rankings is None:
            return self.counts[:, 3].copy(), self.counts[:, 1].copy()
        tp = np.empty(len(self.rankings))
        fp = np.empty(len(self.rankings))
        for i, r in enumerate(self.rankings):
            c = r.counts(threshold)
            tp[i], fp[i] = float(c.tp), float(c.fp)
        return tp, fp


def _half_ties_below(sorted_arr, ge, total, x):
    """For each x: (weight of items < x) + ½ (weight of items == x)."""
    left = np.searchsorted(sorted_arr, x, side="left")
    right = np.searchsorted(sorted_arr, x, side="right")
    if ge is None:
        return (left + right) / 2.0
    return total - (ge[left] + ge[right]) / 2.0


def _dot(w, x) -> float:
    return float(x.sum() if w is None else np.dot(w, x))


def _pairs_below(r: BinaryRanking, overall: BinaryRanking) -> float:
    """Σ over the slice's positives of (all negatives below + ½ tied): searches
    whichever side has fewer items."""
    if r.n_pos == 0 or overall.n_neg == 0:
        return 0.0
    if r.n_pos <= overall.n_neg:
        below = _half_ties_below(overall.neg, overall._neg_ge, overall.w_neg, r.pos)
        return _dot(r._pos_w, below)
    # the same pairs counted from the negatives' side: for each negative of the
    # whole data, the slice's positives above it
    above = r.w_pos - _half_ties_below(r.pos, r._pos_ge, r.w_pos, overall.neg)
    return _dot(overall._neg_w, above)


def _pairs_above(r: BinaryRanking, overall: BinaryRanking) -> float:
    """Σ over the slice's negatives of (all positives above + ½ tied)."""
    if r.n_neg == 0 or overall.n_pos == 0:
        return 0.0
    if r.n_neg <= overall.n_pos:
        above = overall.w_pos - _half_ties_below(
            overall.pos, overall._pos_ge, overall.w_pos, r.neg
        )
        return _dot(r._neg_w, above)
    below = _half_ties_below(r.neg, r._neg_ge, r.w_neg, overall.pos)
    return _dot(overall._pos_w, below)


def _binary_table(
    st: _BinaryState, tp, fp, z: float, confidence: float, total: _BinaryState | None
) -> _Table:
    w_pos, w_neg, weight = st.w_pos, st.w_neg, st.weight
    fn, tn = w_pos - tp, w_neg - fp
    # Kish effective sample size per unit weight (1 when unweighted)
    # (0 for a slice without weight: nothing to count)
    kish = np.nan_to_num(_div(ci.effective_n(weight, st.w2), weight))
    v: dict[str, np.ndarray] = {}
    denominators = {
        "label_rate": (w_pos, weight),
        "prediction_rate": (tp + fp, weight),
        "accuracy": (tp + tn, weight),
        "precision": (tp, tp + fp),
        "recall": (tp, w_pos),
        "fpr": (fp, w_neg),
        "fnr": (fn, w_pos),
    }
    lo, hi, se = {}, {}, {}
    for name, (num, den) in denominators.items():
        v[name] = _div(num, den)
        n_eff = den * kish
        lo[name], hi[name] = ci.wilson(v[name], n_eff, z)
        se[name] = ci.proportion_se(v[name], n_eff)
    v["f1"] = _div(2 * tp, 2 * tp + fp + fn)
    f1_counts = [np.round(x * kish).astype(np.int64) for x in (tp, fp, fn, tn)]
    lo["f1"], hi["f1"] = ci.dirichlet_f1(*f1_counts, confidence)
    # the interval always contains the observed value (F1 of exactly 0 or 1)
    lo["f1"] = np.where(np.isnan(v["f1"]), np.nan, np.minimum(lo["f1"], v["f1"]))
    hi["f1"] = np.where(np.isnan(v["f1"]), np.nan, np.maximum(hi["f1"], v["f1"]))
    se["f1"] = _se_from_interval(lo["f1"], hi["f1"], z)
    # ranking metrics
    v["roc_auc"] = st.auc
    se["roc_auc"] = ci.hanley_mcneil_se(st.auc, w_pos * kish, w_neg * kish)
    lo["roc_auc"], hi["roc_auc"] = ci.normal(
        st.auc, se["roc_auc"], z, lo_clip=0, hi_clip=1
    )
    v["average_precision"] = st.ap
    lo["average_precision"], hi["average_precision"] = ci.logit_ap(
        st.ap, w_pos * kish, z
    )
    se["average_precision"] = _se_from_interval(
        lo["average_precision"], hi["average_precision"], z
    )
    n_eff = weight * kish
    v["log_loss"] = _div(st.ll_sum, weight)
    ll_var = np.clip(_div(st.ll_sum2, weight) - v["log_loss"] ** 2, 0, None)
    se["log_loss"] = np.sqrt(_div(ll_var, n_eff))
    lo["log_loss"], hi["log_loss"] = ci.normal(v["log_loss"], se["log_loss"], z)
    mp = _div(st.sum_p, weight)
    v["mean_prediction"] = mp
    var_p = np.clip(_div(st.sum_p2, weight) - mp**2, 0, None)
    se["mean_prediction"] = np.sqrt(_div(var_p, n_eff))
    lo["mean_prediction"], hi["mean_prediction"] = ci.normal(
        mp, se["mean_prediction"], z
    )
    my = v["label_rate"]
    v["calibration"] = _div(mp, my)
    var_y = my * (1 - my)
    cov = _div(st.sum_py, weight) - mp * my
    with np.errstate(divide="ignore", invalid="ignore"):
        var_r = (var_p / my**2 + mp**2 * var_y / my**4 - 2 * mp * cov / my**3) / n_eff
    se["calibration"] = np.sqrt(np.clip(var_r, 0, None))
    lo["calibration"], hi["calibration"] = ci.normal(
        v["calibration"], se["calibration"], z
    )
    notes = _binary_notes(w_pos, w_neg, tp + fp, tp + fp + fn, st)
    table = _Table(v, lo, hi, se, notes)
    support = {name: den * kish for name, (_num, den) in denominators.items()}
    support["f1"] = (tp + fp + fn) * kish
    support["roc_auc"] = np.minimum(w_pos, w_neg) * kish
    support["average_precision"] = w_pos * kish
    support["log_loss"] = n_eff
    table.support = support
    if total is not None:
        _binary_rest(table, st, tp, fp, total, kish)
    return table


def _binary_rest(table: _Table, st: _BinaryState, tp, fp, total: _BinaryState, kish):
    """Value and standard error of each proportion metric, AUC and log loss on the
    rest of the data (every row outside the slice)."""
    t_tp, t_fp = total._tp, total._fp
    r_pos = total.w_pos[0] - st.w_pos
    r_neg = total.w_neg[0] - st.w_neg
    r_w = r_pos + r_neg
    r_tp, r_fp = t_tp - tp, t_fp - fp
    r_fn, r_tn = r_pos - r_tp, r_neg - r_fp
    r_w2 = total.w2[0] - st.w2
    r_kish = _div(ci.effective_n(r_w, r_w2), r_w)
    dens = {
        "label_rate": (r_pos, r_w),
        "prediction_rate": (r_tp + r_fp, r_w),
        "accuracy": (r_tp + r_tn, r_w),
        "precision": (r_tp, r_tp + r_fp),
        "recall": (r_tp, r_pos),
        "fpr": (r_fp, r_neg),
        "fnr": (r_fn, r_pos),
    }
    for name, (num, den) in dens.items():
        table.rest[name] = _div(num, den)
        table.rest_se[name] = ci.proportion_se(table.rest[name], den * r_kish)
    f1 = _div(2 * r_tp, 2 * r_tp + r_fp + r_fn)
    table.rest["f1"] = f1
    # F1 of the rest: delta-method standard error from its counts
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = (2 * r_tp + r_fp + r_fn) * r_kish
        table.rest_se["f1"] = np.sqrt(np.clip(f1 * (1 - f1) / n_eff, 0, None))
    # ROC AUC of the rest: all pairs − pairs touching the slice + pairs inside it
    s_all = total.auc[0] * total.w_pos[0] * total.w_neg[0]
    s_slice = np.where(np.isnan(st.auc), 0.0, st.auc) * st.w_pos * st.w_neg
    rest_auc = _div(s_all - st.pairs_a - st.pairs_b + s_slice, r_pos * r_neg)
    table.rest["roc_auc"] = np.clip(rest_auc, 0.0, 1.0)
    table.rest_se["roc_auc"] = ci.hanley_mcneil_se(
        table.rest["roc_auc"], r_pos * r_kish, r_neg * r_kish
    )
    ll_sum = total.ll_sum[0] - st.ll_sum
    ll_sum2 = total.ll_sum2[0] - st.ll_sum2
    table.rest["log_loss"] = _div(ll_sum, r_w)
    var = np.clip(_div(ll_sum2, r_w) - table.rest["log_loss"] ** 2, 0, None)
    table.rest_se["log_loss"] = np.sqrt(_div(var, r_w * r_kish))


def _binary_notes(w_pos, w_neg, predicted, f1_base, st: _BinaryState) -> list[str]:
    notes = []
    for i in range(len(w_pos)):
        parts = []
        if w_pos[i] + w_neg[i] <= 0:
            notes.append("no rows (or only rows of weight 0): every metric undefined")
            continue
        if w_pos[i] <= 0:
            parts.append(
                "no positives: recall, fnr, roc_auc, average_precision and "
                "calibration are undefined"
            )
        if w_neg[i] <= 0:
            parts.append("no negatives: fpr and roc_auc are undefined")
        if predicted[i] <= 0:
            parts.append("nothing predicted positive: precision is undefined")
        if f1_base[i] <= 0:
            parts.append("no positives, none predicted: f1 is undefined")
        if st.rankings is None:
            parts.append("predictions only: ranking metrics need scores")
        elif not st.probabilities:
            parts.append("scores are not probabilities: log loss is undefined")
        notes.append("; ".join(parts))
    return notes


# ---------------------------------------------------------------------------------
# multi-class classification
# ---------------------------------------------------------------------------------
def _multiclass_table(y, pred, scores, codes, k_slices, n_classes, w, z, confidence):
    wt = np.ones(len(y)) if w is None else w
    flat = (codes.astype(np.int64) * n_classes + y) * n_classes + pred
    cm = np.bincount(flat, weights=wt, minlength=k_slices * n_classes * n_classes)
    cm = cm.reshape(k_slices, n_classes, n_classes)  # [slice, true, predicted]
    n = np.bincount(codes, minlength=k_slices).astype(np.float64)
    weight = cm.sum(axis=(1, 2))
    w2 = np.bincount(codes, weights=wt * wt, minlength=k_slices)
    kish = np.nan_to_num(_div(ci.effective_n(weight, w2), weight))
    correct = np.trace(cm, axis1=1, axis2=2)
    v, lo, hi, se = {}, {}, {}, {}
    v["accuracy"] = _div(correct, weight)
    lo["accuracy"], hi["accuracy"] = ci.wilson(v["accuracy"], weight * kish, z)
    se["accuracy"] = ci.proportion_se(v["accuracy"], weight * kish)
    v["micro_f1"], lo["micro_f1"], hi["micro_f1"], se["micro_f1"] = (
        v["accuracy"],
        lo["accuracy"],
        hi["accuracy"],
        se["accuracy"],
    )
    v["macro_f1"] = _macro_f1(cm)
    lo["macro_f1"], hi["macro_f1"] = _dirichlet_macro_f1(cm, kish, confidence)
    se["macro_f1"] = _se_from_interval(lo["macro_f1"], hi["macro_f1"], z)
    notes = [""] * k_slices
    if scores is not None:
        aucs = np.full((k_slices, n_classes), np.nan)
        ses = np.full((k_slices, n_classes), np.nan)
        for c in range(n_classes):
            rk = grouped_rankings(scores[:, c], y == c, codes, k_slices, w)
            for i, r in enumerate(rk):
                if r.both_classes:
                    aucs[i, c] = r.roc_auc
                    ses[i, c] = ci.hanley_mcneil_se(
                        r.roc_auc, r.w_pos * kish[i], r.w_neg * kish[i]
                    )
        k_used = np.sum(~np.isnan(aucs), axis=1)
        v["roc_auc_ovr"] = _div(np.nansum(aucs, axis=1), k_used)
        se["roc_auc_ovr"] = _div(np.sqrt(np.nansum(ses**2, axis=1)), k_used)
        lo["roc_auc_ovr"], hi["roc_auc_ovr"] = ci.normal(
            v["roc_auc_ovr"], se["roc_auc_ovr"], z, lo_clip=0, hi_clip=1
        )
        for i in range(k_slices):
            missing = n_classes - int(k_used[i])
            if missing:
                notes[i] = (
                    f"roc_auc_ovr averages the {int(k_used[i])} classes with both "
                    f"positives and negatives in this slice ({missing} skipped)"
                )
    else:
        nan = np.full(k_slices, np.nan)
        v["roc_auc_ovr"] = lo["roc_auc_ovr"] = hi["roc_auc_ovr"] = se["roc_auc_ovr"] = (
            nan
        )
        notes = ["predictions only: roc_auc_ovr needs class scores"] * k_slices
    notes = [
        "no rows (or only rows of weight 0): every metric undefined" if w <= 0 else t
        for w, t in zip(weight, notes)
    ]
    table = _Table(v, lo, hi, se, notes)
    table.support = dict.fromkeys(v, weight * kish)
    return table, n, weight


def _macro_f1(cm: np.ndarray) -> np.ndarray:
    tp = np.diagonal(cm, axis1=1, axis2=2)
    fp = cm.sum(axis=1) - tp
    fn = cm.sum(axis=2) - tp
    denom = 2 * tp + fp + fn
    present = denom > 0  # labels in y_true or y_pred of the slice (as sklearn)
    f1 = np.where(present, _div(2 * tp, denom), 0.0)
    return _div(f1.sum(axis=1), present.sum(axis=1))


def _dirichlet_macro_f1(cm, kish, confidence, draws=400, seed=0):
    rng = np.random.default_rng(seed)
    k_slices, k, _ = cm.shape
    lo = np.full(k_slices, np.nan)
    hi = np.full(k_slices, np.nan)
    alpha = (1 - confidence) / 2
    for i in range(k_slices):
        counts = np.round(cm[i] * kish[i]).reshape(-1)
        if counts.sum() <= 0:
            continue
        present = (cm[i].sum(axis=0) + cm[i].sum(axis=1)) > 0
        g = rng.standard_gamma(
            counts + 0.5 * np.repeat(present, k), size=(draws, k * k)
        )
        sims = _macro_f1(g.reshape(draws, k, k))
        lo[i], hi[i] = np.nanquantile(sims, [alpha, 1 - alpha])
    return lo, hi


# ---------------------------------------------------------------------------------
# regression
# ---------------------------------------------------------------------------------
def _regression_sums(y, pred, codes, k, w):
    wt = np.ones(len(y)) if w is None else w
    e = pred - y
    a = np.abs(e)
    e2 = e * e

    def s(x):
        return np.bincount(codes, weights=wt * x, minlength=k)

    return {
        "n": np.bincount(codes, minlength=k).astype(np.float64),
        "w": np.bincount(codes, weights=wt, minlength=k),
        "w2": np.bincount(codes, weights=wt * wt, minlength=k),
        "e": s(e),
        "e2": s(e2),
        "a": s(a),
        "e4": s(e2 * e2),
        "y": s(y),
        "p": s(pred),
    }


def _regression_table(sums, z, total=None) -> _Table:
    w = sums["w"]
    kish = _div(ci.effective_n(w, sums["w2"]), w)
    n_eff = w * kish
    v, lo, hi, se = {}, {}, {}, {}
    mean_e, mse, mae = _div(sums["e"], w), _div(sums["e2"], w), _div(sums["a"], w)
    v["mae"] = mae
    se["mae"] = np.sqrt(_div(np.clip(mse - mae**2, 0, None), n_eff))
    v["mean_error"] = mean_e
    se["mean_error"] = np.sqrt(_div(np.clip(mse - mean_e**2, 0, None), n_eff))
    v["rmse"] = np.sqrt(mse)
    se_mse = np.sqrt(_div(np.clip(_div(sums["e4"], w) - mse**2, 0, None), n_eff))
    # RMSE = 0 (perfect predictions): no spread, a zero-width interval
    se["rmse"] = np.where(v["rmse"] > 0, _div(se_mse, 2 * v["rmse"]), 0.0)
    v["label_mean"] = _div(sums["y"], w)
    v["prediction_mean"] = _div(sums["p"], w)
    se["label_mean"] = se["prediction_mean"] = np.full(len(w), np.nan)
    for name in v:
        lo[name], hi[name] = ci.normal(v[name], se[name], z)
    empty = "no rows (or only rows of weight 0): every metric undefined"
    table = _Table(v, lo, hi, se, [empty if x <= 0 else "" for x in w])
    table.support = dict.fromkeys(v, n_eff)
    if total is not None:
        rest = {k: total[k][0] - sums[k] for k in sums}
        rt = _regression_table(rest, z)
        for name in ("mae", "rmse", "mean_error"):
            table.rest[name] = rt.values[name]
            table.rest_se[name] = rt.se[name]
    return table


# ---------------------------------------------------------------------------------
# the result
# ---------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True, repr=False)
class SlicedMetrics(CheckResult):
    """Metrics overall and per slice, with confidence intervals and flags.

    Attributes
    ----------
    task:
        ``"binary"``, ``"multiclass"`` or ``"regression"``.
    metrics:
        The metric names computed (columns of :meth:`to_frame`).
    goal_metric:
        The metric slices are judged on.
    slice_columns:
        The slicings, by display name (``"sex"``, ``"sex × race"``).
    threshold:
        Decision threshold on the scores (binary with scores).
    n_rows, n_dropped:
        Rows used, and rows left out because of missing values (``nan_policy``).
    engine:
        ``"numpy"`` (in memory) or ``"tfma"``.
    """

    check = "sliced_metrics"

    task: str
    metrics: tuple[str, ...]
    goal_metric: str
    slice_columns: tuple[str, ...]
    threshold: float | None
    confidence: float
    min_slice_size: int
    n_rows: int
    n_dropped: int
    dropped_reason: str
    positive_label: Any
    engine: str
    warn_margin: float
    fail_margin: float
    _frame: Any = internal()
    _support: Any = internal(default=None)
    _state: Any = internal(default=None)

    # -- tables ------------------------------------------------------------------
    def to_frame(self):
        """One row per (slice column, slice value) plus an ``overall`` row.

        Columns: ``slice`` (the column name, or ``"overall"``), ``value``,
        ``count``, ``weighted_count``, ``too_small``, one column per metric with
        ``<metric>_ci_low`` / ``<metric>_ci_high``, then for the goal metric
        ``<goal>_difference`` / ``<goal>_ratio`` (to overall), ``<goal>_rest``,
        ``<goal>_p_value``, ``significantly_worse``, and ``notes``.
        """
        return self._frame.copy()

    @property
    def overall(self) -> dict[str, Any]:
        """The overall row as a dict."""
        return self._frame.iloc[0].to_dict()

    def slices(self, slice_column: str | None = None):
        """The per-slice rows (all slicings, or one of them)."""
        f = self._frame.iloc[1:]
        if slice_column is not None:
            if slice_column not in self.slice_columns:
                raise MlnbValueError(
                    f"no slicing named {slice_column!r}; this result has "
                    f"{list(self.slice_columns)}"
                )
            f = f[f["slice"] == slice_column]
        return f.copy()

    @property
    def flagged(self):
        """Slices significantly worse than the rest on the goal metric."""
        f = self.slices()
        return f[f["significantly_worse"]].copy()

    def worst(self, metric: str | None = None, n: int = 5):
        """The ``n`` slices (not too small) with the worst value of ``metric``."""
        metric = self._metric(metric)
        f = self.slices()
        f = f[~f["too_small"] & f[metric].notna()]
        higher = HIGHER_IS_BETTER.get(metric, True)
        return f.sort_values(metric, ascending=higher, kind="stable").head(n).copy()

    def _metric(self, metric: str | None) -> str:
        metric = metric or self.goal_metric
        if metric not in self.metrics:
            raise MlnbValueError(
                f"unknown metric {metric!r}; this result has {list(self.metrics)}"
            )
        return metric

    def support(self, metric: str | None = None):
        """How many (effective) examples each row's ``metric`` rests on: rows for
        accuracy, positives for recall, predicted positives for precision, the
        smaller class for ROC AUC. A Series aligned with :meth:`to_frame`."""
        metric = self._metric(metric)
        if self._support is None:
            raise MlnbValueError(
                "this result was built from numbers computed elsewhere"
            )
        return self._support[metric].copy()

    def _comparable(self, metric: str, slice_column: str | None, min_support: float):
        f = self.slices(slice_column)
        if self._support is None:  # built from numbers computed elsewhere
            enough = np.ones(len(f), dtype=bool)
        else:
            enough = self._support[metric].loc[f.index].fillna(np.inf) >= min_support
        return f[~f["too_small"] & enough & f[metric].notna()]

    def difference(
        self,
        metric: str | None = None,
        method: str = "to_overall",
        *,
        slice_column: str | None = None,
        min_support: float = 0,
    ):
        """fairlearn's ``difference``: ``"between_groups"`` → max − min over the
        slices (a float); ``"to_overall"`` → each slice minus overall (a Series).

        Slices too small to judge are left out, and so are values resting on fewer
        than ``min_support`` examples (see :meth:`support`); restrict to one slicing
        with ``slice_column``.
        """
        import pandas as pd

        metric = self._metric(metric)
        f = self._comparable(metric, slice_column, min_support)
        if method == "between_groups":
            vals = f[metric]
            return float(vals.max() - vals.min()) if len(vals) else math.nan
        if method != "to_overall":
            raise MlnbValueError("method must be 'between_groups' or 'to_overall'")
        idx = pd.MultiIndex.from_frame(f[["slice", "value"]])
        return pd.Series(
            (f[metric] - self.overall[metric]).to_numpy(), index=idx, name=metric
        )

    def ratio(
        self,
        metric: str | None = None,
        method: str = "to_overall",
        *,
        slice_column: str | None = None,
        min_support: float = 0,
    ):
        """fairlearn's ``ratio``: ``"between_groups"`` → min / max over the slices
        (a float); ``"to_overall"`` → each slice divided by overall (a Series).
        Same filters as :meth:`difference`."""
        import pandas as pd

        metric = self._metric(metric)
        f = self._comparable(metric, slice_column, min_support)
        if method == "between_groups":
            vals = f[metric]
            return (
                float(vals.min() / vals.max()) if len(vals) and vals.max() else math.nan
            )
        if method != "to_overall":
            raise MlnbValueError("method must be 'between_groups' or 'to_overall'")
        idx = pd.MultiIndex.from_frame(f[["slice", "value"]])
        with np.errstate(divide="ignore", invalid="ignore"):
            return pd.Series(
                (f[metric] / self.overall[metric]).to_numpy(), index=idx, name=metric
            )

    @classmethod
    def from_tfma(cls, eval_result: Any, **kwargs: Any) -> SlicedMetrics:
        """The result of a TensorFlow Model Analysis run (a ``tfma.EvalResult`` or
        its output folder) as a :class:`SlicedMetrics`, to read and judge it in
        JupyterLab; keyword arguments as for
        :func:`mlnb.integrations.tfma.from_tfma`."""
        from ..adapters import adapter

        from_tfma = adapter("tfma", "from_tfma")

        return from_tfma(eval_result, **kwargs)

    @property
    def threshold_range(self) -> tuple[float, float] | None:
        """``(low, high)`` the threshold can move over with :meth:`at_threshold` —
        (0, 1) for probabilities, the score range otherwise — or None when this
        result cannot be re-thresholded (predictions only, multi-class,
        regression, numbers computed elsewhere)."""
        if self._state is None or self._state.get("kind") != "binary_scores":
            return None
        total = self._state["total"]
        if total.probabilities:
            return (0.0, 1.0)
        r = total.rankings[0]
        return (r.min_score, r.max_score)

    def at_threshold(self, threshold: float) -> SlicedMetrics:
        """The same analysis at another decision threshold, from the sorted state
        (binary search per slice; nothing is re-sorted). Not published."""
        if self._state is None or self._state.get("kind") != "binary_scores":
            raise MlnbValueError(
                "at_threshold needs a binary analysis computed in memory from scores "
                "(not from predictions only, nor from TFMA results)"
            )
        if not is_real(threshold) or math.isnan(threshold):
            raise MlnbValueError(f"threshold must be a number; got {threshold!r}")
        return _assemble_binary(self._state, float(threshold), publish=False)

    def with_goal(self, goal_metric: str) -> SlicedMetrics:
        """The same numbers judged on another goal metric (not published)."""
        if self._state is None:
            raise MlnbValueError("with_goal needs a result computed in memory")
        state = dict(self._state, goal_metric=_check_goal(goal_metric, self.task))
        if state.get("kind") == "binary_scores":
            return _assemble_binary(state, self.threshold, publish=False)
        return _assemble(state, publish=False)

    # -- rendering ---------------------------------------------------------------
    def record_metrics(self) -> dict[str, Any]:
        f = self.slices()
        flagged = f[f["significantly_worse"]]
        out: dict[str, Any] = {
            "goal_metric": self.goal_metric,
            "overall": self.overall.get(self.goal_metric),
            "n_slices": int(len(f)),
            "n_flagged": int(len(flagged)),
            "n_too_small": int(f["too_small"].sum()),
        }
        if len(flagged):
            gap = flagged[f"{self.goal_metric}_difference"].abs()
            row = flagged.loc[gap.idxmax()]
            out["worst_slice"] = f"{row['slice']}={row['value']}"
            out["worst_value"] = row[self.goal_metric]
        return out

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["rows"] = jsonable(self._frame.to_dict(orient="records"))
        return out

    def _frame_rows(self):  # pragma: no cover - to_frame is overridden
        return self._frame.to_dict(orient="records")

    def _html_sections(self) -> list[str]:
        goal = self.goal_metric
        f = self.slices()
        sized = f[~f["too_small"]]
        order = sized.sort_values(
            goal, ascending=HIGHER_IS_BETTER.get(goal, True), kind="stable"
        )
        shown = order.head(12)
        rows = []
        for _, r in shown.iterrows():
            rows.append(
                (
                    f"{r['slice']} = {r['value']}",
                    int(r["count"]),
                    r[goal],
                    _interval(r, goal),
                    r[f"{goal}_difference"],
                    "worse" if r["significantly_worse"] else "",
                )
            )
        overall = self.overall
        table = H.table(
            [
                (
                    "overall",
                    int(overall["count"]),
                    overall[goal],
                    _interval(overall, goal),
                    0.0,
                    "",
                ),
                *rows,
            ],
            header=(
                "slice",
                "rows",
                goal,
                f"{self.confidence:.0%} CI",
                "vs overall",
                "flag",
            ),
        )
        more = len(sized) - len(shown)
        lines = [table]
        if more > 0:
            lines.append(
                f"<div>… {more} more slices; <code>.to_frame()</code> has them "
                "all.</div>"
            )
        small = int(f["too_small"].sum())
        if small:
            lines.append(
                f"<div>{small} slice(s) have fewer than {self.min_slice_size} rows: "
                "shown in <code>.to_frame()</code> as too small, not judged.</div>"
            )
        if self.n_dropped:
            lines.append(f"<div>{H.esc(self.dropped_reason)}</div>")
        return lines

    def plot(self, metric: str | None = None, slice_column: str | None = None, ax=None):
        """Bar chart of ``metric`` per slice with confidence intervals and the
        overall line; returns the Axes."""
        from ...render.fairness import sliced_bars

        metric = self._metric(metric)
        return sliced_bars(self, metric=metric, slice_column=slice_column, ax=ax)


# ---------------------------------------------------------------------------------
# assembling rows and the verdict
# ---------------------------------------------------------------------------------
def _interval(row, metric: str) -> str:
    lo, hi = row[f"{metric}_ci_low"], row[f"{metric}_ci_high"]
    return f"[{H.fmt(lo, 3)}, {H.fmt(hi, 3)}]"


def _check_goal(goal: str, task: str) -> str:
    allowed = [m for m in METRICS[task] if m in HIGHER_IS_BETTER]
    if goal not in allowed:
        raise MlnbValueError(
            f"goal_metric {goal!r} cannot judge a {task} model; choose one of {allowed}"
        )
    return goal


def _rows_for(name: str, values, counts, weights, table: _Table, metrics) -> list[dict]:
    rows = []
    for i, value in enumerate(values):
        row = {
            "slice": name,
            "value": value,
            "count": int(counts[i]),
            "weighted_count": float(weights[i]),
        }
        for m in metrics:
            row[m] = float(table.values[m][i])
            row[f"{m}_ci_low"] = float(table.lo[m][i])
            row[f"{m}_ci_high"] = float(table.hi[m][i])
        row["_rest"] = {m: float(table.rest[m][i]) for m in table.rest}
        row["_rest_se"] = {m: float(table.rest_se[m][i]) for m in table.rest_se}
        row["_se"] = {m: float(table.se[m][i]) for m in table.se}
        row["_support"] = {m: float(table.support[m][i]) for m in table.support}
        row["notes"] = table.notes[i]
        rows.append(row)
    return rows


def _judge(rows: list[dict], overall: dict, state: dict) -> tuple[Any, str, str, Any]:
    import pandas as pd

    goal = state["goal_metric"]
    z_crit = ci.z_value(state["confidence"])
    higher = HIGHER_IS_BETTER[goal]
    ov = overall[goal]
    min_size = state["min_slice_size"]
    for row in [overall, *rows]:
        row["too_small"] = row is not overall and row["count"] < min_size
        value = row[goal]
        row[f"{goal}_difference"] = value - ov
        row[f"{goal}_ratio"] = value / ov if ov else math.nan
        rest = row.get("_rest", {}).get(goal, math.nan)
        rest_se = row.get("_rest_se", {}).get(goal, math.nan)
        if math.isnan(rest):  # no exact complement: compare with overall
            rest, rest_se = ov, 0.0
        se = row.get("_se", {}).get(goal, math.nan)
        row[f"{goal}_rest"] = rest
        p = math.nan
        worse = False
        if row is not overall and not math.isnan(value) and not math.isnan(rest):
            denom = math.sqrt((se if not math.isnan(se) else 0.0) ** 2 + rest_se**2)
            if denom > 0:
                zs = (value - rest) / denom
                p = 2.0 * (1.0 - NormalDist().cdf(abs(zs)))
                worse = (zs < -z_crit) if higher else (zs > z_crit)
        support = row.get("_support", {}).get(goal, math.inf)
        if row is not overall and support < MIN_SUPPORT and not row["too_small"]:
            worse = False
            note = (
                f"{goal} rests on {support:.0f} examples (fewer than {MIN_SUPPORT}): "
                "not judged"
            )
            row["notes"] = f"{row['notes']}; {note}" if row["notes"] else note
        row[f"{goal}_p_value"] = p
        row["significantly_worse"] = bool(worse and not row["too_small"])
    frame = pd.DataFrame(
        [
            {k: v for k, v in r.items() if not k.startswith("_")}
            for r in [overall, *rows]
        ]
    )
    front = ["slice", "value", "count", "weighted_count", "too_small"]
    metric_cols = [
        c for m in state["metrics"] for c in (m, f"{m}_ci_low", f"{m}_ci_high")
    ]
    goal_cols = [
        f"{goal}_difference",
        f"{goal}_ratio",
        f"{goal}_rest",
        f"{goal}_p_value",
        "significantly_worse",
        "notes",
    ]
    frame = frame[front + metric_cols + goal_cols]
    status, summary = _verdict(frame, state)
    support = pd.DataFrame(
        [
            {m: r.get("_support", {}).get(m, math.nan) for m in state["metrics"]}
            for r in [overall, *rows]
        ],
        index=frame.index,
    )
    return frame, status, summary, support


def _gap(row, goal, overall_value) -> float:
    rest = row[f"{goal}_rest"]
    gap = (rest - row[goal]) if HIGHER_IS_BETTER[goal] else (row[goal] - rest)
    if goal in RELATIVE_MARGIN:
        return gap / abs(overall_value) if overall_value else math.inf
    return gap


def _verdict(frame, state) -> tuple[str, str]:
    goal = state["goal_metric"]
    overall = frame.iloc[0]
    slices = frame.iloc[1:]
    sized = slices[~slices["too_small"] & slices[goal].notna()]
    n_small = int(slices["too_small"].sum())
    small_note = f"; {n_small} slice(s) too small to judge" if n_small else ""
    if len(sized) == 0:
        return "info", (
            f"no slice has at least {state['min_slice_size']} rows with a defined "
            f"{goal}; nothing to judge{small_note}"
        )
    flagged = sized[sized["significantly_worse"]]
    if len(flagged):
        gaps = flagged.apply(lambda r: _gap(r, goal, overall[goal]), axis=1)
        worst = flagged.loc[gaps.idxmax()]
        gap = float(gaps.max())
        status = (
            "fail"
            if gap >= state["fail_margin"]
            else "warn"
            if gap >= state["warn_margin"]
            else "pass"
        )
        rel = " (relative)" if goal in RELATIVE_MARGIN else ""
        summary = (
            f"{worst['slice']}={worst['value']} has {goal} {worst[goal]:.3f} vs "
            f"{worst[f'{goal}_rest']:.3f} for the rest ({int(worst['count']):,} rows, "
            f"gap {gap:.3f}{rel}); {len(flagged)} of {len(sized)} slices "
            f"significantly worse{small_note}"
        )
        if status == "pass":
            summary += f" — all gaps below the {state['warn_margin']} margin"
        return status, summary
    higher = HIGHER_IS_BETTER[goal]
    lowest = sized.sort_values(goal, ascending=higher, kind="stable").iloc[0]
    return "pass", (
        f"no slice significantly worse than the rest on {goal} (overall "
        f"{overall[goal]:.3f}; lowest {lowest['slice']}={lowest['value']} "
        f"{lowest[goal]:.3f}); {len(sized)} slices judged{small_note}"
    )


def _assemble(state: dict, *, publish: bool) -> SlicedMetrics:
    frame, status, summary, support = _judge(state["rows"], state["overall_row"], state)
    return _result(
        state,
        frame,
        status,
        summary,
        support,
        threshold=state.get("threshold"),
        publish=publish,
    )


def _result(
    state, frame, status, summary, support, *, threshold, publish
) -> SlicedMetrics:
    result = SlicedMetrics(
        step="fairness",
        status=status,
        summary=summary,
        task=state["task"],
        metrics=tuple(state["metrics"]),
        goal_metric=state["goal_metric"],
        slice_columns=tuple(state["slice_names"]),
        threshold=threshold,
        confidence=state["confidence"],
        min_slice_size=state["min_slice_size"],
        n_rows=state["n_rows"],
        n_dropped=state["n_dropped"],
        dropped_reason=state["dropped_reason"],
        positive_label=state.get("positive_label"),
        engine=state.get("engine", "numpy"),
        warn_margin=state["warn_margin"],
        fail_margin=state["fail_margin"],
        _frame=frame,
        _support=support,
        _state=state,
    )
    return result.publish() if publish else result


def _assemble_binary(state: dict, threshold: float, *, publish: bool) -> SlicedMetrics:
    z = ci.z_value(state["confidence"])
    total: _BinaryState = state["total"]
    total._tp, total._fp = total.confusion(threshold)
    metrics = state["metrics"]
    overall_table = _binary_table(
        total, total._tp, total._fp, z, state["confidence"], None
    )
    overall_row = _rows_for(
        "overall", ["all"], total.n, total.weight, overall_table, metrics
    )[0]
    rows = []
    for sc, st in zip(state["slicings"], state["slice_states"]):
        tp, fp = st.confusion(threshold)
        table = _binary_table(st, tp, fp, z, state["confidence"], total)
        rows += _rows_for(sc.name, sc.values, st.n, st.weight, table, metrics)
    frame, status, summary, support = _judge(rows, overall_row, state)
    return _result(
        state, frame, status, summary, support, threshold=threshold, publish=publish
    )


# ---------------------------------------------------------------------------------
# input handling
# ---------------------------------------------------------------------------------


def sliced_metrics(
    data: Any = None,
    *,
    label: Any,
    score: Any = None,
    prediction: Any = None,
    slice_by: Any,
    threshold: float = 0.5,
    sample_weight: Any = None,
    min_slice_size: int = MIN_SLICE_SIZE,
    confidence: float = 0.95,
    goal_metric: str | None = None,
    warn_margin: float = WARN_MARGIN,
    fail_margin: float = FAIL_MARGIN,
    positive_label: Any = None,
    task: str | None = None,
    classes: Any = None,
    bins: Any = 4,
    max_slices: int = DEFAULT_MAX_SLICES,
    nan_policy: str = "raise",
    engine: str = "numpy",
    beam_options: Any = None,
    publish: bool = True,
) -> SlicedMetrics:
    """Metrics overall and per slice, with confidence intervals and flags.

    Parameters
    ----------
    data:
        A pandas or polars DataFrame or a pyarrow Table; or None when ``label``,
        ``score`` and ``slice_by`` are given as arrays.
    label:
        Label column name, or the labels.
    score:
        Column of scores (binary: probability or decision value of the positive
        class), or for several classes a list of per-class score columns (or an
        ``(n, n_classes)`` array) in the order of ``classes``.
    prediction:
        Column of predicted labels (binary or multi-class) or predicted values
        (regression). For a binary model with scores, predictions come from
        ``score >= threshold`` unless given.
    slice_by:
        ``"sex"``, ``["sex", "race"]`` (each on its own), ``[("sex", "race")]``
        (crossed), or ``{"sex": array}`` with array inputs. Numeric columns with
        more than 20 distinct values become ``bins`` quantile bins (or pass a list
        of edges, or a dict column → bins).
    threshold:
        Decision threshold for binary scores (``score >= threshold`` is positive).
    sample_weight:
        Column name or array of non-negative weights.
    min_slice_size:
        Slices with fewer rows are reported as too small and not judged.
    confidence:
        Level of the confidence intervals and of the significance test.
    goal_metric:
        The metric slices are judged on. Default: ``roc_auc`` for binary scores,
        ``accuracy`` for binary predictions and multi-class, ``mae`` for
        regression.
    warn_margin, fail_margin:
        A slice significantly worse than the rest (two-sided z-test at
        ``confidence``) by at least this much warns / fails; absolute for metrics
        in [0, 1], relative to overall for log loss, MAE and RMSE.
    positive_label:
        Positive class of a binary label (default 1/True).
    task:
        ``"binary"``, ``"multiclass"`` or ``"regression"``; inferred by default.
    classes:
        Class order of multi-class score columns (default: sorted labels).
    max_slices:
        Most slices per slicing; more raise an error that says how to proceed.
    nan_policy:
        ``"raise"`` (default): missing labels/scores/predictions raise an error that
        counts them; ``"drop"``: those rows are left out and reported in
        ``n_dropped`` / ``dropped_reason``.
    engine:
        ``"numpy"`` (in memory) or ``"tfma"`` (TensorFlow Model Analysis on Apache
        Beam; ``beam_options`` are passed to the pipeline).
    publish:
        Record the result as this session's evidence for step 6.

    Returns
    -------
    SlicedMetrics

    Notes
    -----
    Confidence intervals: see :mod:`mlnb.core.intervals`. "Significantly worse"
    compares each slice with the rest of the data (all rows outside the slice)
    for proportions, ROC AUC, log loss and regression errors; for F1, AUC-PR,
    calibration and multi-class metrics it compares with overall.
    """
    if engine == "tfma":
        from ..adapters import adapter

        sliced_metrics_tfma = adapter("tfma", "sliced_metrics_tfma")

        if task not in (None, "binary"):
            raise MlnbValueError(
                f"engine='tfma' computes binary metrics; task={task!r} needs "
                "engine='numpy'"
            )
        if nan_policy != "raise":
            raise MlnbValueError(
                "engine='tfma' does not drop rows; drop missing values first, or "
                "use engine='numpy' with nan_policy='drop'"
            )

        return sliced_metrics_tfma(
            data,
            label=label,
            score=score,
            prediction=prediction,
            slice_by=slice_by,
            threshold=threshold,
            sample_weight=sample_weight,
            min_slice_size=min_slice_size,
            confidence=confidence,
            goal_metric=goal_metric,
            warn_margin=warn_margin,
            fail_margin=fail_margin,
            positive_label=positive_label,
            bins=bins,
            max_slices=max_slices,
            beam_options=beam_options,
            publish=publish,
        )
    if engine != "numpy":
        raise MlnbValueError(f"engine must be 'numpy' or 'tfma'; got {engine!r}")
    if nan_policy not in ("raise", "drop"):
        raise MlnbValueError(
            f"nan_policy must be 'raise' or 'drop'; got {nan_policy!r}"
        )
    if not (0.5 <= confidence < 1):
        raise MlnbValueError(f"confidence must be in [0.5, 1); got {confidence!r}")
    if not (is_real(min_slice_size) and min_slice_size >= 1):
        raise MlnbValueError(f"min_slice_size must be >= 1; got {min_slice_size!r}")
    if not (is_real(threshold) and not math.isnan(threshold)):
        raise MlnbValueError(f"threshold must be a number; got {threshold!r}")

    y_raw = as_1d(column_or_values(data, label, "label"), name="label")
    n = len(y_raw)
    if n == 0:
        raise DataValidationError("the data is empty; need at least one row")
    n_data = row_count(data)
    score_raw = _score_input(data, score)
    pred_raw = column_or_values(data, prediction, "prediction")
    pred_arr = as_1d(pred_raw, name="prediction") if pred_raw is not None else None
    w_raw = column_or_values(data, sample_weight, "sample_weight")
    for what, arr in (
        ("score", score_raw),
        ("prediction", pred_arr),
        ("sample_weight", w_raw),
    ):
        if arr is not None and len(arr) != n:
            raise MlnbValueError(
                f"label has {n:,} values but {what} has {len(arr):,}; pass one per row"
            )
    if n_data is not None and n_data != n:
        raise MlnbValueError(f"label has {n:,} values but the data has {n_data:,} rows")
    if score_raw is None and pred_arr is None:
        raise MlnbValueError(
            "give the model's output: score= (scores or probabilities) and/or "
            "prediction= (predicted labels or values)"
        )
    slicings = resolve_slices(data, slice_by, n, bins=bins, max_slices=max_slices)

    # missing values: count them; raise (default) or drop and report
    missing = missing_mask(y_raw)
    parts = {"label": int(missing.sum())}
    if score_raw is not None:
        m = missing_mask(score_raw)
        parts["score"] = int(m.sum())
        missing = missing | m
    if pred_arr is not None:
        m = missing_mask(pred_arr)
        parts["prediction"] = int(m.sum())
        missing = missing | m
    n_missing = int(missing.sum())
    dropped_reason = ""
    if n_missing:
        detail = ", ".join(f"{k}: {v:,}" for k, v in parts.items() if v)
        if nan_policy == "raise":
            raise DataValidationError(
                f"{n_missing:,} of {n:,} rows have missing values ({detail}); fill or "
                "drop them first, or pass nan_policy='drop' to leave those rows out "
                "(they are then counted in the result)"
            )
        keep = ~missing
        dropped_reason = f"{n_missing:,} rows left out for missing values ({detail})"
        y_raw = y_raw[keep]
        score_raw = score_raw[keep] if score_raw is not None else None
        pred_arr = pred_arr[keep] if pred_arr is not None else None
        if w_raw is not None:
            w_raw = as_1d(w_raw, name="sample_weight")[keep]
        slicings = [
            SliceColumn(s.name, s.columns, s.codes[keep], s.values) for s in slicings
        ]
        if len(y_raw) == 0:
            raise DataValidationError("every row has a missing value; nothing left")
    weights = _weights(w_raw, len(y_raw))
    task = task or _infer_task(y_raw, score_raw, pred_arr, positive_label)
    if task not in METRICS:
        raise MlnbValueError(f"task must be one of {list(METRICS)}; got {task!r}")
    if goal_metric is None:
        goal_metric = {
            "binary": "roc_auc" if score_raw is not None else "accuracy",
            "multiclass": "accuracy",
            "regression": "mae",
        }[task]
    goal_metric = _check_goal(goal_metric, task)
    state = {
        "task": task,
        "goal_metric": goal_metric,
        "confidence": float(confidence),
        "min_slice_size": int(min_slice_size),
        "warn_margin": float(warn_margin),
        "fail_margin": float(fail_margin),
        "slicings": slicings,
        "slice_names": [s.name for s in slicings],
        "n_rows": int(len(y_raw)),
        "n_dropped": n_missing,
        "dropped_reason": dropped_reason,
        "metrics": list(METRICS[task]),
    }
    z = ci.z_value(confidence)
    if task == "binary":
        return _binary(
            state,
            y_raw,
            score_raw,
            pred_arr,
            weights,
            positive_label,
            float(threshold),
            publish,
        )
    if task == "multiclass":
        return _multiclass(
            state, y_raw, score_raw, pred_arr, weights, classes, z, publish
        )
    return _regression(state, y_raw, pred_arr, weights, z, publish)


def _score_input(data, score):
    if score is None:
        return None
    if (
        isinstance(score, (list, tuple))
        and score
        and all(isinstance(s, str) for s in score)
    ):
        cols = [as_scores(column_values(data, s, role="score"), name=s) for s in score]
        return np.column_stack(cols)
    raw = column_or_values(data, score, "score")
    if hasattr(raw, "ndim") and getattr(raw, "ndim", 1) == 2 and raw.shape[1] > 1:
        arr = np.asarray(raw, dtype=np.float64)
        return arr
    return as_scores(raw, name="score")


def _weights(w_raw, n):
    if w_raw is None:
        return None
    from ...core.labels import as_weights

    return as_weights(w_raw, n)


def _infer_task(y, score, pred, positive_label=None) -> str:
    if score is not None and score.ndim == 2:
        return "multiclass"
    if positive_label is not None:  # "this class against the rest"
        return "binary"
    if y.dtype.kind == "f" and not np.all(np.mod(y, 1) == 0):
        return "regression"
    if (
        y.dtype.kind in "iuf"
        and pred is not None
        and pred.dtype.kind == "f"
        and not (np.all(np.mod(pred, 1) == 0))
    ):
        return "regression"
    k = len(class_counts(y, name="label", max_classes=10**6).labels)
    return "binary" if k <= 2 else "multiclass"


def _binary(state, y_raw, score, pred, weights, positive_label, threshold, publish):
    mask, pos, _neg = binary_mask(y_raw, positive_label=positive_label, name="label")
    state["positive_label"] = pos
    if score is None:
        pmask, _, _ = _pred_mask(pred, pos, y_raw)
        w = np.ones(len(mask)) if weights is None else weights
        total = _BinaryState(
            None,
            _pred_counts(mask, pmask, np.zeros(len(mask), np.int32), 1, w),
            None,
            False,
        )
        state["kind"] = "binary_predictions"
        states = [
            _BinaryState(
                None, _pred_counts(mask, pmask, s.codes, s.n_slices, w), None, False
            )
            for s in state["slicings"]
        ]
        state.update(total=total, slice_states=states, threshold=None)
        return _assemble_binary(state, threshold, publish=publish)
    if pred is not None:
        raise MlnbValueError(
            "give either score= (thresholded at `threshold`) or prediction= for a "
            "binary model, not both"
        )
    probabilities = bool(score.min() >= 0 and score.max() <= 1)
    overall = BinaryRanking(score, mask, weights, drop_zero_weights=False)
    states = [
        _BinaryState(
            grouped_rankings(score, mask, s.codes, s.n_slices, weights),
            None,
            overall,
            probabilities,
        )
        for s in state["slicings"]
    ]
    # sums are additive: the whole data's are those of any slicing, added up
    total = _BinaryState([overall], None, None, probabilities, sums_from=states[0])
    state.update(
        kind="binary_scores", total=total, slice_states=states, threshold=threshold
    )
    return _assemble_binary(state, threshold, publish=publish)


def _pred_mask(pred, pos, y_raw):
    arr = pred
    if arr.dtype.kind == "b" and pos in (True, 1):
        return arr.astype(bool), pos, None
    m = arr == pos
    return np.asarray(m, dtype=bool), pos, None


def _pred_counts(mask, pmask, codes, k, w):
    """(K, 7): weighted tn, fp, fn, tp; rows; Σw²; positives (rows)."""
    cell = codes.astype(np.int64) * 4 + mask.astype(np.int64) * 2 + pmask
    conf = np.bincount(cell, weights=w, minlength=4 * k).reshape(k, 4)
    n = np.bincount(codes, minlength=k)
    w2 = np.bincount(codes, weights=w * w, minlength=k)
    n_pos = np.bincount(codes, weights=mask.astype(np.float64), minlength=k)
    return np.column_stack([conf, n, w2, n_pos]).astype(np.float64)


def _multiclass(state, y_raw, scores, pred, weights, classes, z, publish):
    import pandas as pd

    if classes is None:
        labels = class_counts(y_raw, name="label").labels
        if pred is not None:
            extra = [v for v in pd.unique(pred) if v not in set(labels)]
            labels = sorted([*labels, *extra], key=lambda v: (str(type(v)), v))
        classes = labels
    classes = list(classes)
    if scores is not None and scores.ndim == 2 and scores.shape[1] != len(classes):
        raise MlnbValueError(
            f"score has {scores.shape[1]} columns but there are {len(classes)} "
            f"classes ({classes[:10]!r}); pass classes= in the order of the columns"
        )
    index = {c: i for i, c in enumerate(classes)}
    try:
        y = np.array([index[v] for v in y_raw.tolist()], dtype=np.int64)
    except KeyError as exc:
        raise MlnbValueError(
            f"label value {exc.args[0]!r} is not among classes={classes[:10]!r}"
        ) from None
    if pred is None:
        if scores is None or scores.ndim != 2:
            raise MlnbValueError(
                "a multi-class model needs prediction= (predicted labels) or score= "
                "with one column per class"
            )
        p = np.argmax(scores, axis=1)
    else:
        try:
            p = np.array([index[v] for v in pred.tolist()], dtype=np.int64)
        except KeyError as exc:
            raise MlnbValueError(
                f"predicted label {exc.args[0]!r} is not among classes={classes[:10]!r}"
            ) from None
    if scores is not None and scores.ndim != 2:
        scores = None
    k = len(classes)
    state["classes"] = classes
    zero = np.zeros(len(y), dtype=np.int32)
    conf = state["confidence"]
    t_table, t_n, t_w = _multiclass_table(y, p, scores, zero, 1, k, weights, z, conf)
    overall_row = _rows_for("overall", ["all"], t_n, t_w, t_table, state["metrics"])[0]
    rows = []
    for s in state["slicings"]:
        table, n_s, w_s = _multiclass_table(
            y, p, scores, s.codes, s.n_slices, k, weights, z, conf
        )
        rows += _rows_for(s.name, s.values, n_s, w_s, table, state["metrics"])
    state.update(kind="multiclass", rows=rows, overall_row=overall_row)
    return _assemble(state, publish=publish)


def _regression(state, y_raw, pred, weights, z, publish):
    if pred is None:
        raise MlnbValueError("a regression model needs prediction= (predicted values)")
    y = as_scores(y_raw, name="label")
    p = as_scores(pred, name="prediction")
    zero = np.zeros(len(y), dtype=np.int32)
    total = _regression_sums(y, p, zero, 1, weights)
    t_table = _regression_table(total, z)
    overall_row = _rows_for(
        "overall", ["all"], total["n"], total["w"], t_table, state["metrics"]
    )[0]
    rows = []
    for s in state["slicings"]:
        sums = _regression_sums(y, p, s.codes, s.n_slices, weights)
        table = _regression_table(sums, z, total)
        rows += _rows_for(
            s.name, s.values, sums["n"], sums["w"], table, state["metrics"]
        )
    state.update(kind="regression", rows=rows, overall_row=overall_row)
    return _assemble(state, publish=publish)


def from_rows(
    rows: list[dict],
    overall_row: dict,
    *,
    task: str = "binary",
    slice_names: list[str],
    goal_metric: str | None = None,
    threshold: float | None = None,
    confidence: float = 0.95,
    min_slice_size: int = MIN_SLICE_SIZE,
    warn_margin: float = WARN_MARGIN,
    fail_margin: float = FAIL_MARGIN,
    n_rows: int | None = None,
    positive_label: Any = None,
    engine: str = "external",
    publish: bool = False,
) -> SlicedMetrics:
    """Build a :class:`SlicedMetrics` from metric values computed elsewhere (TFMA).

    Each row is a dict with ``slice``, ``value``, ``count``, ``weighted_count`` and
    any of the task's metrics (missing ones become NaN), optionally
    ``<metric>_ci_low`` / ``<metric>_ci_high`` and ``notes``. Significance is then
    judged against overall using each slice's interval.
    """
    metrics = list(METRICS[task])
    goal = (
        goal_metric
        or {"binary": "roc_auc", "multiclass": "accuracy", "regression": "mae"}[task]
    )
    goal = _check_goal(goal, task)
    z = ci.z_value(confidence)

    def norm(row: dict) -> dict:
        out = {
            "slice": row["slice"],
            "value": str(row["value"]),
            "count": int(row.get("count", 0)),
            "weighted_count": float(row.get("weighted_count", row.get("count", 0))),
            "notes": row.get("notes", ""),
        }
        se = {}
        for m in metrics:
            v = float(row.get(m, math.nan))
            lo = float(row.get(f"{m}_ci_low", math.nan))
            hi = float(row.get(f"{m}_ci_high", math.nan))
            out[m], out[f"{m}_ci_low"], out[f"{m}_ci_high"] = v, lo, hi
            se[m] = (hi - lo) / (2 * z) if not math.isnan(lo + hi) else math.nan
        # exact standard errors, rest-of-data values and support, when given
        se.update({m: float(x) for m, x in row.get("_se", {}).items()})
        out["_se"] = se
        for key in ("_rest", "_rest_se", "_support"):
            out[key] = {m: float(x) for m, x in row.get(key, {}).items()}
        return out

    state = {
        "task": task,
        "goal_metric": goal,
        "confidence": float(confidence),
        "min_slice_size": int(min_slice_size),
        "warn_margin": float(warn_margin),
        "fail_margin": float(fail_margin),
        "slice_names": list(slice_names),
        "n_rows": int(n_rows if n_rows is not None else overall_row.get("count", 0)),
        "n_dropped": 0,
        "dropped_reason": "",
        "metrics": metrics,
        "positive_label": positive_label,
        "engine": engine,
        "threshold": threshold,
        "kind": engine,
        "rows": [norm(r) for r in rows],
        "overall_row": norm(overall_row),
    }
    return _assemble(state, publish=publish)
