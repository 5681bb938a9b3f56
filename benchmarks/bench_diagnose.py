"""Benchmark: ``mlnb.diagnose`` against the same analysis written by hand with
scikit-learn, in the same process on the same data.

The hand-written peer is what a careful user would run for the same answers:
``learning_curve`` (shuffle=False), ``cross_validate`` of a ``DummyClassifier``,
the model refitted on the first fold for ``permutation_importance``,
``cross_validate`` of each model family and of their soft ``VotingClassifier``, and
``cross_validate`` with each ablated feature — all on the same folds.

Target: on an Adult sample of 3,000 rows (a tutorial-sized diagnosis: 5 folds, 5
learning-curve sizes, families linear / boosted / forest, 5 ablated features),
``mlnb.diagnose`` takes at most 1.1x the hand-written time (it reuses the full-size
learning-curve fits and the fitted families for the ensemble, and adds the
bookkeeping, the statistics and the suggestions), and under 20 s. Before any time is
printed the script checks that both give the same validation scores. The script
always exits 0: a benchmark reports, it does not test.

Usage::

    python benchmarks/bench_diagnose.py [--rows 3000] [--repeat 1]
"""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

import numpy as np
from benchkit import load, timed, verdict

TARGET_RATIO = 1.1
TARGET_SECONDS = 20.0
TARGET_ROWS = 3000
FAMILIES = ("linear", "boosted", "forest")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=TARGET_ROWS)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

    import sklearn
    from sklearn.dummy import DummyClassifier
    from sklearn.ensemble import VotingClassifier
    from sklearn.inspection import permutation_importance
    from sklearn.model_selection import (
        StratifiedKFold,
        cross_validate,
        learning_curve,
    )

    import mlnb
    from mlnb.checks import modeling

    adult = mlnb.datasets.load_adult().sample(args.rows, random_state=0)
    X = adult.drop(columns="income").reset_index(drop=True)
    y = adult["income"].to_numpy()
    model = modeling.pipeline("linear", X, task="binary")
    folds = list(StratifiedKFold(5).split(X, y))
    pipes = {k: modeling.pipeline(k, X, task="binary") for k in FAMILIES}

    def by_hand():
        lc = learning_curve(model, X, y, cv=folds, scoring="roc_auc", shuffle=False)
        cross_validate(DummyClassifier(), X, y, cv=folds, scoring="roc_auc")
        tr, te = folds[0]
        fitted = sklearn.base.clone(model).fit(X.iloc[tr], y[tr])
        pi = permutation_importance(
            fitted, X.iloc[te], y[te], scoring="roc_auc", n_repeats=5, random_state=0
        )
        for pipe in pipes.values():
            cross_validate(pipe, X, y, cv=folds, scoring="roc_auc")
        vote = VotingClassifier(list(pipes.items()), voting="soft")
        cross_validate(vote, X, y, cv=folds, scoring="roc_auc")
        for j in np.argsort(pi.importances_mean, kind="stable")[:5]:
            Xj = X.copy()
            Xj.isetitem(int(j), X.iloc[:, int(j)].mode().iloc[0])
            cross_validate(model, Xj, y, cv=folds, scoring="roc_auc")
        return lc[2].mean(axis=1)

    def with_mlnb():
        d = mlnb.diagnose(
            model, X, y, cv=folds, families=FAMILIES, progress=False, publish=False
        )
        return d.learning_curve["valid_score"].to_numpy()

    print(f"python {platform.python_version()}, scikit-learn {sklearn.__version__}")
    print(f"{args.rows:,} rows x {X.shape[1]} features; load {load()}")
    same = np.allclose(by_hand(), with_mlnb())
    print(f"same learning curve as scikit-learn: {same}")
    t_hand, _ = timed(by_hand, args.repeat)
    t_mlnb, _ = timed(with_mlnb, args.repeat)
    ratio = t_mlnb / t_hand
    info = args.rows != TARGET_ROWS
    print(f"by hand     {t_hand:8.2f} s")
    print(
        f"diagnose    {t_mlnb:8.2f} s   ratio {ratio:.2f}x (target <= {TARGET_RATIO}x)"
    )
    print(f"  ratio: {verdict(ratio <= TARGET_RATIO and same, info)}")
    print(
        f"  time:  {verdict(t_mlnb <= TARGET_SECONDS, info)} "
        f"(target < {TARGET_SECONDS:.0f} s at {TARGET_ROWS:,} rows)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
