"""Benchmark: ``mlnb.thresholds`` against scikit-learn on large, imbalanced scores.

Targets (step 4 of the checklist, "imbalanced data"):

1. On N scores with 2% positives, ``mlnb.thresholds`` computes ROC AUC, AUC-PR
   (average precision), log loss and the PR curve in at most 1.2x the time
   scikit-learn's ``roc_auc_score`` alone needs on the same data.
2. Any later threshold query (the confusion matrix at a threshold, ``.at(t)``)
   takes under 1 ms.
3. Memory: no more than 4 float64 arrays of length N alive at once (peak extra
   memory, as tracemalloc sees numpy's allocations, divided by 8*N bytes).

"The PR curve" is measured two ways, both printed:

* the *vertex* curve — precision and recall at every distinct positive score,
  which is where the PR curve turns (between two of them only false positives are
  added). mlnb builds it to compute the average precision; it is what the targets
  are judged on.
* the *full-resolution* curve, ``result.pr_curve()``: identical arrays to
  scikit-learn's ``precision_recall_curve`` (a point at every distinct score),
  built on demand from the same sorted scores. Reported for information, with its
  own ratios.

Every mlnb number is checked against scikit-learn's before anything is printed, so
both sides do the same work. The script always exits 0: a benchmark reports, it
does not test.

Usage::

    python benchmarks/bench_thresholds.py [--n 10000000] [--repeat 3] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
from benchkit import load, peak_bytes, timed, verdict

TIME_RATIO_TARGET = 1.2
QUERY_MS_TARGET = 1.0
MEMORY_ARRAYS_TARGET = 4.0


def make_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """0/1 labels with 2% positives and predicted probabilities that separate the
    classes moderately (ROC AUC about 0.85)."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.02).astype(np.int64)
    logit = rng.normal(size=n) + 1.5 * y - 3.0
    scores = 1.0 / (1.0 + np.exp(-logit))
    return y, scores


def peak_arrays(fn: Callable[[], Any], n: int) -> tuple[float, Any]:
    """Peak extra memory while ``fn()`` runs, in float64 arrays of length ``n``."""
    peak, out = peak_bytes(fn)
    return peak / (8 * n), out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000_000, help="number of scores")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs (median)")
    parser.add_argument("--queries", type=int, default=1000, help="threshold queries")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    n, repeat = args.n, args.repeat

    import sklearn
    from sklearn.metrics import (
        average_precision_score,
        confusion_matrix,
        log_loss,
        precision_recall_curve,
        roc_auc_score,
    )

    import mlnb

    print(f"bench_thresholds: N={n:,} scores, 2% positives, median of {repeat} runs")
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"scikit-learn {sklearn.__version__}, mlnb {mlnb.__version__}; "
        f"{os.cpu_count()} CPUs, load average {load()}"
    )
    y, s = make_data(n, args.seed)
    print(f"data: {int(y.sum()):,} positives ({y.mean():.2%})")

    # warm up imports and first-call costs on a small slice
    small_y, small_s = y[:10_000], s[:10_000]
    roc_auc_score(small_y, small_s)
    precision_recall_curve(small_y, small_s)
    warm = mlnb.thresholds(small_y, small_s, publish=False)
    _ = warm.log_loss, warm.pr_curve(), warm.at(0.5)

    # -- scikit-learn ------------------------------------------------------------------
    t_sk_auc, sk_auc = timed(lambda: roc_auc_score(y, s), repeat)
    t_sk_ap, sk_ap = timed(lambda: average_precision_score(y, s), repeat)
    t_sk_ll, sk_ll = timed(lambda: log_loss(y, s), repeat)
    t_sk_pr, sk_pr = timed(lambda: precision_recall_curve(y, s), repeat)
    t_sk_all = t_sk_auc + t_sk_ap + t_sk_ll + t_sk_pr

    # -- mlnb --------------------------------------------------------------------------
    def mlnb_core():
        r = mlnb.thresholds(y, s, publish=False)
        _ = r.roc_auc, r.average_precision, r.log_loss
        _ = r._ranking.vertices  # the vertex PR curve (built for AUC-PR)
        return r

    t_core, result = timed(mlnb_core, repeat)

    def mlnb_core_and_full_curve():
        r = mlnb_core()
        return r, r.pr_curve()

    t_core_full, (_, full_curve) = timed(mlnb_core_and_full_curve, repeat)
    t_full_only, _ = timed(result.pr_curve, repeat)

    # -- the same numbers --------------------------------------------------------------
    assert np.isclose(result.roc_auc, sk_auc, rtol=1e-9, atol=0), (
        result.roc_auc,
        sk_auc,
    )
    assert np.isclose(result.average_precision, sk_ap, rtol=1e-9, atol=0)
    assert np.isclose(result.log_loss, sk_ll, rtol=1e-9, atol=0)
    for ours, theirs in zip(full_curve, sk_pr):
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)
    vertices = result._ranking.vertices
    sk_prec, sk_rec, sk_thr = sk_pr
    at_vertex = np.searchsorted(sk_thr, vertices.threshold)
    np.testing.assert_allclose(vertices.tp / y.sum(), sk_rec[at_vertex], rtol=1e-12)
    del full_curve, sk_pr, sk_prec, sk_rec, sk_thr, at_vertex
    probe = 0.5
    tn, fp, fn, tp = confusion_matrix(y, s >= probe, labels=[0, 1]).ravel()
    p = result.at(probe)
    assert (p.tp, p.fp, p.tn, p.fn) == (tp, fp, tn, fn), (p, (tp, fp, tn, fn))

    # -- threshold queries -------------------------------------------------------------
    rng = np.random.default_rng(args.seed + 1)
    probes = rng.random(args.queries).tolist()

    def queries():
        for t in probes:
            result.at(t)

    t_queries, _ = timed(queries, repeat)
    query_ms = t_queries / len(probes) * 1e3

    # -- memory (after the timings: tracing slows allocation) --------------------------
    result = None  # free the timed result before measuring memory
    mem_core, _ = peak_arrays(mlnb_core, n)
    mem_sk_auc, _ = peak_arrays(lambda: roc_auc_score(y, s), n)
    r = mlnb_core()
    mem_full, _ = peak_arrays(r.pr_curve, n)
    mem_sk_pr, _ = peak_arrays(lambda: precision_recall_curve(y, s), n)
    del r

    # -- report ------------------------------------------------------------------------
    rows = [
        ("scikit-learn roc_auc_score", t_sk_auc),
        ("scikit-learn average_precision_score", t_sk_ap),
        ("scikit-learn log_loss", t_sk_ll),
        ("scikit-learn precision_recall_curve", t_sk_pr),
        ("scikit-learn, all four", t_sk_all),
        ("mlnb.thresholds + AUC, AUC-PR, log loss, vertex PR curve", t_core),
        ("  the same + full-resolution pr_curve()", t_core_full),
        ("  pr_curve() alone, after construction", t_full_only),
    ]
    width = max(len(name) for name, _ in rows)
    print()
    print(f"{'':{width}}  {'median s':>9}  {'/ sk roc_auc':>12}  {'/ sk all four':>13}")
    for name, t in rows:
        print(f"{name:{width}}  {t:9.3f}  {t / t_sk_auc:12.2f}  {t / t_sk_all:13.2f}")
    print()
    print(
        f"threshold query .at(t): {query_ms:.4f} ms per query (mean of {len(probes):,})"
    )
    print(
        "peak extra memory, in float64 arrays of length N: "
        f"mlnb core {mem_core:.2f}, scikit-learn roc_auc_score {mem_sk_auc:.2f}; "
        f"full-resolution curve: mlnb pr_curve() {mem_full:.2f}, "
        f"scikit-learn precision_recall_curve {mem_sk_pr:.2f}"
    )
    print(
        f"values: ROC AUC {sk_auc:.6f}, AUC-PR {sk_ap:.6f}, log loss {sk_ll:.6f} "
        "(mlnb equals scikit-learn: checked)"
    )
    print()
    ratio = t_core / t_sk_auc
    ratio_full = t_core_full / t_sk_auc
    checks = [
        (
            f"time: metrics + vertex PR curve <= {TIME_RATIO_TARGET}x roc_auc_score",
            f"{ratio:.2f}x",
            ratio <= TIME_RATIO_TARGET,
        ),
        (
            f"time: metrics + full pr_curve() <= {TIME_RATIO_TARGET}x roc_auc_score "
            "(information)",
            f"{ratio_full:.2f}x",
            ratio_full <= TIME_RATIO_TARGET,
        ),
        (
            f"query: .at(t) < {QUERY_MS_TARGET:g} ms",
            f"{query_ms:.4f} ms",
            query_ms < QUERY_MS_TARGET,
        ),
        (
            f"memory: peak <= {MEMORY_ARRAYS_TARGET:g} float64 arrays of length N",
            f"{mem_core:.2f}",
            mem_core <= MEMORY_ARRAYS_TARGET,
        ),
    ]
    for what, got, ok in checks:
        print(f"{verdict(ok)}  {what}: {got}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
