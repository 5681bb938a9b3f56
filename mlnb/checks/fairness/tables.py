"""Per-slice metric tables: values, standard errors, intervals and the rest of the
data, for binary, multi-class and regression models (all vectorised over slices).

These are the kernels :func:`~mlnb.checks.fairness.sliced_metrics` runs, and the
TFMA engine (:mod:`mlnb.integrations.tfma`) feeds TFMA's counts and sums into the
same :func:`binary_table`, so the two engines share every formula. Intervals:
:mod:`mlnb.core.intervals`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...core import intervals as ci
from ...core.grouped import grouped_rankings
from ...core.ranking import BinaryRanking

__all__ = [
    "MetricTable",
    "BinaryState",
    "safe_divide",
    "binary_table",
    "multiclass_table",
    "regression_sums",
    "regression_table",
    "table_rows",
    "EMPTY_NOTE",
]

#: The note of a slice without rows (or only rows of weight 0).
EMPTY_NOTE = "no rows (or only rows of weight 0): every metric undefined"


@dataclass
class MetricTable:
    """Metric values, standard errors and intervals for a set of slices.

    Every dict maps a metric name to one value per slice. ``rest`` / ``rest_se``
    hold the value and standard error on the *rest* of the data (every row outside
    the slice) where it can be computed exactly; ``support`` the (effective)
    number of examples each value rests on (positives for recall, ...).
    """

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
    # effective positives and negatives of each slice ("pos", "neg"): the ROC AUC
    # test's standard error is also evaluated at the rest's AUC (the null)
    auc_n: dict[str, np.ndarray] = field(default_factory=dict)

    def test_se(self) -> dict[str, np.ndarray]:
        """Standard errors of the slice-vs-rest test: ``se``, except ROC AUC's,
        the larger of Hanley-McNeil at the slice's AUC and at the rest's (the
        null hypothesis): near 0 and 1 the former shrinks, so a small slice with
        an extreme AUC by chance would look certain."""
        out = dict(self.se)
        if "roc_auc" in self.rest and "roc_auc" in self.se and self.auc_n:
            se = self.se["roc_auc"]
            null = ci.hanley_mcneil_se(
                self.rest["roc_auc"], self.auc_n["pos"], self.auc_n["neg"]
            )
            out["roc_auc"] = np.where(np.isnan(se), np.nan, np.fmax(se, null))
        return out


def safe_divide(a, b):
    """``a / b`` elementwise as floats; NaN where ``b`` is 0."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b != 0, a / np.where(b != 0, b, 1.0), np.nan)


def _se_from_interval(lo, hi, z):
    return (np.asarray(hi) - np.asarray(lo)) / (2.0 * z)


# ---------------------------------------------------------------------------------
# binary classification
# ---------------------------------------------------------------------------------
class BinaryState:
    """Threshold-free statistics of each slice, kept to re-threshold cheaply.

    ``tp`` / ``fp`` hold the whole data's weighted confusion counts at the current
    threshold once the caller sets them (the rest-of-data formulas read them).
    """

    def __init__(
        self,
        rankings: list[BinaryRanking] | None,
        counts: np.ndarray | None,
        overall: BinaryRanking | None,
        probabilities: bool,
        sums_from: BinaryState | None = None,
    ) -> None:
        self.rankings = rankings
        self.probabilities = probabilities
        self.tp: np.ndarray | None = None
        self.fp: np.ndarray | None = None
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


def binary_table(
    st: BinaryState,
    tp,
    fp,
    z: float,
    confidence: float,
    total: BinaryState | None,
    *,
    random_state: Any = 0,
) -> MetricTable:
    """Every binary metric of each slice of ``st`` at the confusion counts
    ``tp``, ``fp`` (weighted, one per slice), with intervals at ``z`` /
    ``confidence``; with ``total`` (the whole data's state, its ``tp`` / ``fp``
    set) also each metric on the rest of the data. ``random_state`` seeds the
    Bayesian bootstrap of the F1 interval.

    ``st`` may be a :class:`BinaryState` or any object with the same arrays
    (``w_pos``, ``w_neg``, ``weight``, ``w2``, ``auc``, ``ap``, ``sum_p``,
    ``sum_p2``, ``sum_py``, ``ll_sum``, ``ll_sum2``, ``pairs_a``, ``pairs_b``,
    ``rankings``, ``probabilities``) — the TFMA engine passes TFMA's sums.
    """
    w_pos, w_neg, weight = st.w_pos, st.w_neg, st.weight
    fn, tn = w_pos - tp, w_neg - fp
    # Kish effective sample size per unit weight (1 when unweighted)
    # (0 for a slice without weight: nothing to count)
    kish = np.nan_to_num(safe_divide(ci.effective_n(weight, st.w2), weight))
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
        v[name] = safe_divide(num, den)
        n_eff = den * kish
        lo[name], hi[name] = ci.wilson(v[name], n_eff, z)
        se[name] = ci.proportion_se(v[name], n_eff)
    v["f1"] = safe_divide(2 * tp, 2 * tp + fp + fn)
    f1_counts = [np.round(x * kish).astype(np.int64) for x in (tp, fp, fn, tn)]
    lo["f1"], hi["f1"] = ci.dirichlet_f1(*f1_counts, confidence, seed=random_state)
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
    v["log_loss"] = safe_divide(st.ll_sum, weight)
    ll_var = np.clip(safe_divide(st.ll_sum2, weight) - v["log_loss"] ** 2, 0, None)
    se["log_loss"] = np.sqrt(safe_divide(ll_var, n_eff))
    lo["log_loss"], hi["log_loss"] = ci.normal(v["log_loss"], se["log_loss"], z)
    mp = safe_divide(st.sum_p, weight)
    v["mean_prediction"] = mp
    var_p = np.clip(safe_divide(st.sum_p2, weight) - mp**2, 0, None)
    se["mean_prediction"] = np.sqrt(safe_divide(var_p, n_eff))
    lo["mean_prediction"], hi["mean_prediction"] = ci.normal(
        mp, se["mean_prediction"], z
    )
    my = v["label_rate"]
    v["calibration"] = safe_divide(mp, my)
    var_y = my * (1 - my)
    cov = safe_divide(st.sum_py, weight) - mp * my
    with np.errstate(divide="ignore", invalid="ignore"):
        var_r = (var_p / my**2 + mp**2 * var_y / my**4 - 2 * mp * cov / my**3) / n_eff
    se["calibration"] = np.sqrt(np.clip(var_r, 0, None))
    lo["calibration"], hi["calibration"] = ci.normal(
        v["calibration"], se["calibration"], z
    )
    notes = _binary_notes(w_pos, w_neg, tp + fp, tp + fp + fn, st)
    table = MetricTable(v, lo, hi, se, notes)
    support = {name: den * kish for name, (_num, den) in denominators.items()}
    support["f1"] = (tp + fp + fn) * kish
    support["roc_auc"] = np.minimum(w_pos, w_neg) * kish
    support["average_precision"] = w_pos * kish
    support["log_loss"] = n_eff
    table.support = support
    if total is not None:
        _binary_rest(table, st, tp, fp, total, kish)
    return table


def _binary_rest(table: MetricTable, st: BinaryState, tp, fp, total: BinaryState, kish):
    """Value and standard error of each proportion metric, AUC and log loss on the
    rest of the data (every row outside the slice)."""
    t_tp, t_fp = total.tp, total.fp
    r_pos = total.w_pos[0] - st.w_pos
    r_neg = total.w_neg[0] - st.w_neg
    r_w = r_pos + r_neg
    r_tp, r_fp = t_tp - tp, t_fp - fp
    r_fn, r_tn = r_pos - r_tp, r_neg - r_fp
    r_w2 = total.w2[0] - st.w2
    r_kish = safe_divide(ci.effective_n(r_w, r_w2), r_w)
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
        table.rest[name] = safe_divide(num, den)
        table.rest_se[name] = ci.proportion_se(table.rest[name], den * r_kish)
    f1 = safe_divide(2 * r_tp, 2 * r_tp + r_fp + r_fn)
    table.rest["f1"] = f1
    # F1 of the rest: delta-method standard error from its counts
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = (2 * r_tp + r_fp + r_fn) * r_kish
        table.rest_se["f1"] = np.sqrt(np.clip(f1 * (1 - f1) / n_eff, 0, None))
    # ROC AUC of the rest: all pairs − pairs touching the slice + pairs inside it
    s_all = total.auc[0] * total.w_pos[0] * total.w_neg[0]
    s_slice = np.where(np.isnan(st.auc), 0.0, st.auc) * st.w_pos * st.w_neg
    rest_auc = safe_divide(s_all - st.pairs_a - st.pairs_b + s_slice, r_pos * r_neg)
    table.rest["roc_auc"] = np.clip(rest_auc, 0.0, 1.0)
    table.rest_se["roc_auc"] = ci.hanley_mcneil_se(
        table.rest["roc_auc"], r_pos * r_kish, r_neg * r_kish
    )
    table.auc_n = {"pos": st.w_pos * kish, "neg": st.w_neg * kish}
    ll_sum = total.ll_sum[0] - st.ll_sum
    ll_sum2 = total.ll_sum2[0] - st.ll_sum2
    table.rest["log_loss"] = safe_divide(ll_sum, r_w)
    var = np.clip(safe_divide(ll_sum2, r_w) - table.rest["log_loss"] ** 2, 0, None)
    table.rest_se["log_loss"] = np.sqrt(safe_divide(var, r_w * r_kish))


def _binary_notes(w_pos, w_neg, predicted, f1_base, st: BinaryState) -> list[str]:
    notes = []
    for i in range(len(w_pos)):
        parts = []
        if w_pos[i] + w_neg[i] <= 0:
            notes.append(EMPTY_NOTE)
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
def multiclass_table(
    y, pred, scores, codes, k_slices, n_classes, w, z, confidence, *, random_state=0
):
    """Multi-class metrics per slice from class indices ``y`` / ``pred`` (and
    ``(n, n_classes)`` ``scores`` or None), slice ``codes`` and weights ``w``;
    returns ``(table, rows per slice, weight per slice)``."""
    wt = np.ones(len(y)) if w is None else w
    flat = (codes.astype(np.int64) * n_classes + y) * n_classes + pred
    cm = np.bincount(flat, weights=wt, minlength=k_slices * n_classes * n_classes)
    cm = cm.reshape(k_slices, n_classes, n_classes)  # [slice, true, predicted]
    n = np.bincount(codes, minlength=k_slices).astype(np.float64)
    weight = cm.sum(axis=(1, 2))
    w2 = np.bincount(codes, weights=wt * wt, minlength=k_slices)
    kish = np.nan_to_num(safe_divide(ci.effective_n(weight, w2), weight))
    correct = np.trace(cm, axis1=1, axis2=2)
    v, lo, hi, se = {}, {}, {}, {}
    v["accuracy"] = safe_divide(correct, weight)
    lo["accuracy"], hi["accuracy"] = ci.wilson(v["accuracy"], weight * kish, z)
    se["accuracy"] = ci.proportion_se(v["accuracy"], weight * kish)
    v["micro_f1"], lo["micro_f1"], hi["micro_f1"], se["micro_f1"] = (
        v["accuracy"],
        lo["accuracy"],
        hi["accuracy"],
        se["accuracy"],
    )
    v["macro_f1"] = _macro_f1(cm)
    lo["macro_f1"], hi["macro_f1"] = _dirichlet_macro_f1(
        cm, kish, confidence, random_state=random_state
    )
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
        v["roc_auc_ovr"] = safe_divide(np.nansum(aucs, axis=1), k_used)
        se["roc_auc_ovr"] = safe_divide(np.sqrt(np.nansum(ses**2, axis=1)), k_used)
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
    notes = [EMPTY_NOTE if w <= 0 else t for w, t in zip(weight, notes)]
    table = MetricTable(v, lo, hi, se, notes)
    table.support = dict.fromkeys(v, weight * kish)
    return table, n, weight


def _macro_f1(cm: np.ndarray) -> np.ndarray:
    tp = np.diagonal(cm, axis1=1, axis2=2)
    fp = cm.sum(axis=1) - tp
    fn = cm.sum(axis=2) - tp
    denom = 2 * tp + fp + fn
    present = denom > 0  # labels in y_true or y_pred of the slice (as sklearn)
    f1 = np.where(present, safe_divide(2 * tp, denom), 0.0)
    return safe_divide(f1.sum(axis=1), present.sum(axis=1))


def _dirichlet_macro_f1(cm, kish, confidence, *, draws=400, random_state=0):
    rng = np.random.default_rng(random_state)
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
def regression_sums(y, pred, codes, k, w):
    """Additive sums per slice (rows, weight, errors and their powers) that
    :func:`regression_table` turns into metrics."""
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


def regression_table(sums, z, total=None) -> MetricTable:
    """Regression metrics per slice from :func:`regression_sums`; with ``total``
    (the sums of the whole data) also MAE, RMSE and mean error on the rest."""
    w = sums["w"]
    kish = safe_divide(ci.effective_n(w, sums["w2"]), w)
    n_eff = w * kish
    v, lo, hi, se = {}, {}, {}, {}
    mean_e, mse, mae = (
        safe_divide(sums["e"], w),
        safe_divide(sums["e2"], w),
        safe_divide(sums["a"], w),
    )
    v["mae"] = mae
    se["mae"] = np.sqrt(safe_divide(np.clip(mse - mae**2, 0, None), n_eff))
    v["mean_error"] = mean_e
    se["mean_error"] = np.sqrt(safe_divide(np.clip(mse - mean_e**2, 0, None), n_eff))
    v["rmse"] = np.sqrt(mse)
    se_mse = np.sqrt(
        safe_divide(np.clip(safe_divide(sums["e4"], w) - mse**2, 0, None), n_eff)
    )
    # RMSE = 0 (perfect predictions): no spread, a zero-width interval
    se["rmse"] = np.where(v["rmse"] > 0, safe_divide(se_mse, 2 * v["rmse"]), 0.0)
    v["label_mean"] = safe_divide(sums["y"], w)
    v["prediction_mean"] = safe_divide(sums["p"], w)
    se["label_mean"] = se["prediction_mean"] = np.full(len(w), np.nan)
    for name in v:
        lo[name], hi[name] = ci.normal(v[name], se[name], z)
    table = MetricTable(v, lo, hi, se, [EMPTY_NOTE if x <= 0 else "" for x in w])
    table.support = dict.fromkeys(v, n_eff)
    if total is not None:
        rest = {k: total[k][0] - sums[k] for k in sums}
        rt = regression_table(rest, z)
        for name in ("mae", "rmse", "mean_error"):
            table.rest[name] = rt.values[name]
            table.rest_se[name] = rt.se[name]
    return table


# ---------------------------------------------------------------------------------
# rows
# ---------------------------------------------------------------------------------
class _At(Mapping):
    """Row ``i`` of a dict of per-slice arrays, read as a mapping of floats."""

    __slots__ = ("_d", "_i")

    def __init__(self, d: dict, i: int) -> None:
        self._d, self._i = d, i

    def __getitem__(self, key: str) -> float:
        return float(self._d[key][self._i])

    def __iter__(self):
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)


def table_rows(
    name: str, values, counts, weights, table: MetricTable, metrics, raw=None
) -> list[dict]:
    """One dict per slice of ``table``: ``slice`` (the slicing's ``name``),
    ``value`` (the readable label), ``raw_value`` (the value with its type, from
    ``raw``; the label when ``raw`` is not given), ``count``, ``weighted_count``,
    each of ``metrics`` with ``<metric>_ci_low`` / ``_ci_high``, ``notes``, and
    (under keys starting with ``_``) the standard errors, rest-of-data values and
    support the judging reads (:func:`mlnb.checks.fairness.from_rows` takes such
    rows)."""
    rows = []
    se = table.test_se()
    # one key string per column, shared by every row (not one per row)
    keys = [(m, f"{m}_ci_low", f"{m}_ci_high") for m in metrics]
    for i, value in enumerate(values):
        row = {
            "slice": name,
            "value": value,
            "raw_value": raw[i] if raw else value,
            "count": int(counts[i]),
            "weighted_count": float(weights[i]),
        }
        for m, k_lo, k_hi in keys:
            row[m] = float(table.values[m][i])
            row[k_lo] = float(table.lo[m][i])
            row[k_hi] = float(table.hi[m][i])
        # internals as views into the table's arrays: no per-slice dicts of
        # floats (memory stays flat with tens of thousands of slices)
        row["_rest"] = _At(table.rest, i)
        row["_rest_se"] = _At(table.rest_se, i)
        row["_se"] = _At(se, i)
        row["_support"] = _At(table.support, i)
        row["notes"] = table.notes[i]
        rows.append(row)
    return rows
