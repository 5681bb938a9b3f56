"""Benchmark: ``mlnb.gate`` against doing its work by hand with step 6's engine.

Target (issue 15, "the gate's evaluation reuses step 6's sliced-metrics engine"):
on 1,000,000 rows with two slicings (a 5-value and a 20-value column), a binary
label and two fitted logistic regressions, ``gate(candidate, baseline, ...)`` with a
value and a change threshold on ROC AUC and accuracy takes at most 1.2x the time of
the same work by hand: ``predict_proba`` of both models, then ``sliced_metrics`` of
each. For information the script also times scikit-learn's ``roc_auc_score`` and
``accuracy_score`` per slice (the independent peer) and checks the numbers agree.

The script always exits 0: a benchmark reports, it does not test.

Usage::

    python benchmarks/bench_gate.py [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import platform

import numpy as np
import pandas as pd
from benchkit import load, timed, verdict
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score

from mlnb.checks.deployment import ChangeThreshold, ValueThreshold, gate
from mlnb.checks.fairness.sliced import sliced_metrics

TARGET_RATIO = 1.2
TARGET_ROWS = 1_000_000
METRICS = ["roc_auc", "accuracy"]


def make_data(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({f"x{i}": rng.normal(size=n) for i in range(8)})
    df["region"] = rng.choice([f"r{i}" for i in range(5)], n)
    df["shop"] = rng.choice([f"s{i:02d}" for i in range(20)], n)
    z = df.x0 + 0.5 * df.x1 - 0.3 * df.x2 + rng.normal(size=n)
    df["y"] = (z > 0).astype(int)
    return df


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=TARGET_ROWS)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    print(f"{platform.machine()}, {os.cpu_count()} CPUs, load average {load()}")
    df = make_data(args.rows, args.seed)
    feats = [f"x{i}" for i in range(8)]
    fit = df.sample(min(len(df), 50_000), random_state=0)
    cand = LogisticRegression().fit(fit[feats], fit.y)
    base = LogisticRegression().fit(fit[feats[:2]], fit.y)
    slices = ["region", "shop"]
    ths = [
        ValueThreshold("roc_auc", lower=0.6),
        ChangeThreshold("accuracy", absolute=-0.01),
    ]

    def by_hand():
        out = []
        for m, cols in ((cand, feats), (base, feats[:2])):
            s = m.predict_proba(df[cols])[:, 1]
            out.append(
                sliced_metrics(
                    df,
                    label="y",
                    score=s,
                    slice_by=slices,
                    metrics=METRICS,
                    publish=False,
                )
            )
        return out

    def with_gate():
        return gate(
            cand,
            base,
            data=df,
            label="y",
            thresholds=ths,
            slices=slices,
            features=feats,
            publish=False,
        )

    def peer():
        s = cand.predict_proba(df[feats])[:, 1]
        y = df.y.to_numpy()
        out = {}
        for col in slices:
            for v, idx in df.groupby(col).indices.items():
                out[f"{col}={v}"] = (
                    roc_auc_score(y[idx], s[idx]),
                    accuracy_score(y[idx], s[idx] >= 0.5),
                )
        return out

    t_hand, _ = timed(by_hand, args.repeat)
    t_gate, d = timed(with_gate, args.repeat)
    t_peer, ref = timed(peer, 1)
    f = d.to_frame()
    agree = all(
        abs(r.candidate - ref[r.slice][0 if r.metric == "roc_auc" else 1]) < 1e-9
        for r in f.itertuples()
        if r.slice != "overall"
    )
    ratio = t_gate / t_hand
    print(f"rows {args.rows:,}, {d.n_checks} threshold checks, blessed={d.blessed}")
    print(f"by hand (predict + sliced_metrics x2): {t_hand:.3f} s")
    print(f"gate:                                  {t_gate:.3f} s")
    print(f"scikit-learn per slice, one model:     {t_peer:.3f} s (information)")
    print(f"numbers agree with scikit-learn: {agree}")
    print(
        f"gate / by hand = {ratio:.2f} (target <= {TARGET_RATIO}): "
        f"{verdict(ratio <= TARGET_RATIO and agree, info=args.rows != TARGET_ROWS)}"
    )


if __name__ == "__main__":
    main()
