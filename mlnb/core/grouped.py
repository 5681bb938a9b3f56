"""Per-slice rankings from one grouped pass over the data.

Rows are grouped by ``(slice code, class)`` with a stable radix sort of a small
integer key (linear time), then each group's scores are sorted in place with
``np.sort`` (vectorised; the groups together cost less than one sort of the whole
column). Each slice then holds its positives' and negatives' scores sorted, which
is all :class:`~mlnb.core.ranking.BinaryRanking` needs for AUC, AUC-PR, log loss and
the confusion matrix at any threshold.
"""

from __future__ import annotations

import numpy as np

from .ranking import BinaryRanking

__all__ = ["grouped_rankings", "group_sums"]


def _key(codes: np.ndarray, positive: np.ndarray, n_groups: int) -> np.ndarray:
    dtype = np.int16 if 2 * n_groups <= np.iinfo(np.int16).max else np.int32
    key = codes.astype(dtype) * dtype(2)
    key += positive
    return key


def grouped_rankings(
    scores: np.ndarray,
    positive: np.ndarray,
    codes: np.ndarray,
    n_groups: int,
    weights: np.ndarray | None = None,
) -> list[BinaryRanking]:
    """One :class:`BinaryRanking` per slice code ``0..n_groups-1``."""
    key = _key(codes, positive, n_groups)
    bounds = np.zeros(2 * n_groups + 1, dtype=np.int64)
    np.cumsum(np.bincount(key, minlength=2 * n_groups), out=bounds[1:])
    order = np.argsort(key, kind="stable")  # radix sort for 16-bit keys
    del key
    sv = scores[order]
    wv = weights[order] if weights is not None else None
    del order
    out = []
    for g in range(n_groups):
        parts = []
        for cls in (1, 0):  # positives, then negatives
            a, b = int(bounds[2 * g + cls]), int(bounds[2 * g + cls + 1])
            seg = sv[a:b]
            if wv is None:
                seg.sort()
                parts.append((seg, None))
            else:
                o = np.argsort(seg, kind="stable")
                seg[:] = seg[o]
                wseg = wv[a:b]
                wseg[:] = wseg[o]
                parts.append((seg, wseg))
        (pos, pos_w), (neg, neg_w) = parts
        out.append(
            BinaryRanking.from_sorted(pos, neg, pos_w, neg_w, allow_one_class=True)
        )
    return out


def group_sums(
    codes: np.ndarray, n_groups: int, values: np.ndarray | None = None
) -> np.ndarray:
    """Sum of ``values`` (or count of rows) per slice code, as float64."""
    return np.bincount(codes, weights=values, minlength=n_groups).astype(np.float64)
