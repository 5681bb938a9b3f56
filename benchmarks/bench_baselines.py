"""Benchmark: ``mlnb.baselines`` against scikit-learn's ``DummyClassifier`` plus
its metric functions.

Target (step 1 of the checklist): the baselines of N = 10 million binary labels
(no features) in under 1 second — every trivial model (most_frequent, prior,
stratified, uniform) scored on the companions (accuracy, balanced accuracy,
precision, recall, F1, ROC AUC, average precision, log loss).

The peer does the same work the obvious way: fit ``DummyClassifier`` for each
strategy, ``predict`` / ``predict_proba`` the test rows, and call scikit-learn's
eight metric functions. It runs at ``--peer-n`` labels (1 million by default: at 10
million it needs minutes and gigabytes), and mlnb runs at that size too, so the
printed ratio compares equal work; mlnb's time at N is printed against the target.
Before anything is timed the numbers of both sides are checked to be equal. The
script always exits 0: a benchmark reports, it does not test.

Usage::

    python benchmarks/bench_baselines.py [--n 10000000] [--peer-n 1000000]
        [--repeat 3] [--seed 0]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys

import numpy as np
from benchkit import load, timed, verdict

TIME_TARGET_S = 1.0
TARGET_N = 10_000_000
STRATEGIES = ("most_frequent", "prior", "stratified", "uniform")


def make_labels(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """0/1 labels with 10% positives, split 80% train / 20% test."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.1).astype(np.int64)
    cut = int(n * 0.8)
    return y[:cut], y[cut:]


def run_mlnb(ytr: np.ndarray, yte: np.ndarray):
    import mlnb.checks.problem as P

    return P.baselines(ytr, yte, publish=False)


def run_sklearn(ytr: np.ndarray, yte: np.ndarray) -> dict:
    from sklearn import metrics as skm
    from sklearn.dummy import DummyClassifier

    Xtr = np.zeros((len(ytr), 1))
    Xte = np.zeros((len(yte), 1))
    out = {}
    for s in STRATEGIES:
        d = DummyClassifier(strategy=s, random_state=0).fit(Xtr, ytr)
        pred, proba = d.predict(Xte), d.predict_proba(Xte)
        out[s] = {
            "accuracy": skm.accuracy_score(yte, pred),
            "balanced_accuracy": skm.balanced_accuracy_score(yte, pred),
            "precision": skm.precision_score(yte, pred, zero_division=np.nan),
            "recall": skm.recall_score(yte, pred),
            "f1": skm.f1_score(yte, pred),
            "roc_auc": skm.roc_auc_score(yte, proba[:, 1]),
            "average_precision": skm.average_precision_score(yte, proba[:, 1]),
            "log_loss": skm.log_loss(yte, proba),
        }
    return out


def same_numbers(result, theirs: dict) -> bool:
    for s, per in theirs.items():
        for m, v in per.items():
            got = result.score(s, m)
            if math.isnan(v) and math.isnan(got):
                continue
            if not math.isclose(got, v, rel_tol=1e-9, abs_tol=1e-12):
                print(f"MISMATCH {s} {m}: mlnb {got!r} vs scikit-learn {v!r}")
                return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=TARGET_N, help="labels for mlnb")
    parser.add_argument(
        "--peer-n", type=int, default=1_000_000, help="labels for the comparison"
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs (median)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    import sklearn

    print(
        f"bench_baselines: binary labels, 10% positives, 80/20 split, median of "
        f"{args.repeat} runs"
    )
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"scikit-learn {sklearn.__version__}, {os.cpu_count()} CPUs, load {load()}"
    )

    # 1 equal work, equal numbers, at the size the peer handles
    ytr, yte = make_labels(args.peer_n, args.seed)
    t_sk, theirs = timed(lambda: run_sklearn(ytr, yte), args.repeat)
    t_ml, ours = timed(lambda: run_mlnb(ytr, yte), args.repeat)
    ok_numbers = same_numbers(ours, theirs)
    print(f"{verdict(ok_numbers)}  the same numbers as scikit-learn at {args.peer_n:,}")
    print(
        f"at {args.peer_n:,} labels: mlnb baselines {t_ml:.3f} s, DummyClassifier "
        f"x4 + 8 metrics {t_sk:.3f} s, ratio mlnb / scikit-learn {t_ml / t_sk:.3f}"
    )

    # 2 the target size
    ytr, yte = make_labels(args.n, args.seed)
    t_n, _ = timed(lambda: run_mlnb(ytr, yte), args.repeat)
    print(
        f"{verdict(t_n < TIME_TARGET_S, info=args.n != TARGET_N)}  mlnb baselines "
        f"on {args.n:,} labels: {t_n:.3f} s (target < {TIME_TARGET_S:g} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
