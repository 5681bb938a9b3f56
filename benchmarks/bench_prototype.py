"""Benchmark: ``mlnb.prototype`` against fitting the same two scikit-learn pipelines
by hand.

Target (step 2 of the checklist, "prototype before investing"): on 100,000 rows x
30 features (20 numeric, 10 categorical strings, some missing values, a binary
label), ``mlnb.prototype(df, label=..., models=("linear", "boosted"))`` — split,
two fits, holdout scores on five metrics, baselines, findings and top features —
takes at most 1.5x the time of doing only the modelling by hand: the same
stratified split, the same two pipelines (:func:`mlnb.checks.modeling.pipeline`,
the ones prototype fits) fitted, then ``predict_proba`` on the test rows and
scikit-learn's ``roc_auc_score``.

Before any time is printed the script checks that both sides got the same ROC AUC
for each model. Each side runs ``--repeat`` times (median); the hand side runs
first. The script always exits 0: a benchmark reports, it does not test.

Usage::

    python benchmarks/bench_prototype.py [--rows 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys

import numpy as np
import pandas as pd
from benchkit import load, timed, verdict

TARGET_RATIO = 1.5
TARGET_ROWS = 100_000
N_NUMERIC = 20
N_CATEGORICAL = 10


def make_data(n: int, seed: int) -> pd.DataFrame:
    """``n`` rows: 20 numeric and 10 string features, a 0/1 label ``y`` that
    depends on six of them."""
    rng = np.random.default_rng(seed)
    cols: dict[str, object] = {}
    for i in range(N_NUMERIC):
        x = rng.normal(size=n) if i % 2 else rng.lognormal(0.0, 0.7, n)
        if i % 5 == 0:
            x[rng.random(n) < 0.05] = np.nan
        cols[f"n{i:02d}"] = x
    for i in range(N_CATEGORICAL):
        k = 3 + 4 * i
        levels = np.array([f"level_{j}" for j in range(k)], dtype=object)
        c = levels[rng.integers(0, k, n)]
        if i % 4 == 0:
            c[rng.random(n) < 0.03] = None
        cols[f"c{i:02d}"] = c
    df = pd.DataFrame(cols)
    logit = (
        0.8 * np.nan_to_num(df["n01"].to_numpy())
        - 0.6 * np.nan_to_num(np.log(df["n02"].to_numpy()))
        + 0.5 * np.sin(3 * df["n03"].to_numpy())
        + np.where(df["c01"].to_numpy() == "level_1", 1.0, 0.0)
        - np.where(df["c02"].to_numpy() == "level_3", 0.8, 0.0)
        + 0.4 * df["n05"].to_numpy() * df["n07"].to_numpy()
        - 1.0
    )
    df["y"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    return df


def by_hand(df: pd.DataFrame, seed: int) -> dict[str, float]:
    """What people write: split, two pipelines, fit, score."""
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    from mlnb.checks import modeling

    X = df.drop(columns="y")
    y = df["y"].to_numpy()
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, random_state=seed, stratify=y
    )
    out = {}
    for kind in ("linear", "boosted"):
        pipe = modeling.pipeline(kind, X, task="binary", random_state=seed)
        pipe.fit(X_train, y_train)
        out[kind] = roc_auc_score(y_test, pipe.predict_proba(X_test)[:, 1])
    return out


def with_mlnb(df: pd.DataFrame, seed: int):
    from mlnb.checks.prototype import prototype  # mlnb.prototype

    return prototype(
        df,
        label="y",
        models=("linear", "boosted"),
        random_state=seed,
        progress=False,
        publish=False,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=TARGET_ROWS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    import sklearn

    print(
        f"bench_prototype: python {sys.version.split()[0]}, scikit-learn "
        f"{sklearn.__version__}, pandas {pd.__version__}"
    )
    print(f"{platform.machine()}, {os.cpu_count()} CPUs, load average {load()}")
    df = make_data(args.rows, args.seed)
    print(f"{len(df):,} rows x {df.shape[1] - 1} features, {df['y'].mean():.1%} y=1")

    # warm both paths (imports, first-call costs) and check the numbers agree
    hand = by_hand(df.head(2_000), args.seed)
    with_mlnb(df.head(2_000), args.seed)

    t_hand, hand = timed(lambda: by_hand(df, args.seed), args.repeat)
    t_mlnb, result = timed(lambda: with_mlnb(df, args.seed), args.repeat)
    ours = {k: result.score(k, "roc_auc") for k in ("linear", "boosted")}
    agree = all(abs(ours[k] - hand[k]) < 1e-9 for k in hand)
    for k in hand:
        print(f"  ROC AUC {k:8s} by hand {hand[k]:.6f}  prototype {ours[k]:.6f}")
    print(f"  same numbers: {'yes' if agree else 'NO'}")
    ratio = t_mlnb / t_hand
    print(f"\n  {'':44s} {'median s':>9s}")
    print(f"  {'two pipelines by hand (split, fit, score)':44s} {t_hand:9.3f}")
    print(f"  {'mlnb.prototype (all of it)':44s} {t_mlnb:9.3f}")
    print(f"  of which fitting: {sum(result.fit_seconds.values()):.3f} s")
    print(
        f"\nratio {ratio:.2f}x (target <= {TARGET_RATIO}x): "
        f"{verdict(ratio <= TARGET_RATIO and agree, info=args.rows != TARGET_ROWS)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
