"""Benchmark: ``mlnb.explain`` against calling shap directly.

1. **TreeSHAP overhead.** A random forest (100 trees, depth 8) on 20 features;
   ``mlnb.explain(model, X, method="tree")`` on 1,000 rows against a 100-row
   background, against ``shap.TreeExplainer(model, data=background,
   feature_perturbation="interventional", model_output="probability")`` on the same
   rows. mlnb adds input checks, the additivity check (one ``predict_proba``) and
   the result; target: overhead ratio ≤ 1.2 (≈ 1), on process CPU time (wall
   time is printed too; on a shared machine it swings by ±30% run to run).
2. **Sampled Shapley at a matched error.** A HistGradientBoosting classifier on 8
   features, 20 rows, a 50-row background. The exact interventional Shapley values
   are computed here by enumerating all 256 coalitions (independent code). Each
   method runs at growing budgets — mlnb's ``n_permutations``, shap's
   ``PermutationExplainer`` ``max_evals``, shap's ``KernelExplainer`` ``nsamples``
   — and the first budget whose RMSE against the exact values is at most
   ``--target`` (probability units) gives that method's time. Ratios are printed
   as peer time / mlnb time (above 1: mlnb is faster at the same error).

Before any time is printed the TreeSHAP values of both sides are compared. The
script always exits 0: a benchmark reports, it does not test.

Usage::

    python benchmarks/bench_explain.py [--rows 1000] [--repeat 3] [--target 0.005]
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import sys
import time
import warnings

import numpy as np
import pandas as pd
from benchkit import load, timed, verdict

TARGET_TREE_RATIO = 1.2
TARGET_ROWS = 1_000


def tree_overhead(rows: int, repeat: int) -> None:
    import shap
    from sklearn.ensemble import RandomForestClassifier

    from mlnb.checks.explainability import explain

    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        rng.normal(size=(rows + 2_000, 20)), columns=[f"f{j:02d}" for j in range(20)]
    )
    y = (X["f00"] + X["f01"] * X["f02"] + rng.normal(size=len(X)) > 0).astype(int)
    model = RandomForestClassifier(100, max_depth=8, random_state=0, n_jobs=1)
    model.fit(X.iloc[rows:], y.iloc[rows:])
    Xe = X.iloc[:rows]
    bg = X.iloc[rows : rows + 100]

    def direct():
        ex = shap.TreeExplainer(
            model,
            data=bg.to_numpy(),
            feature_perturbation="interventional",
            model_output="probability",
        )
        return np.asarray(ex.shap_values(Xe.to_numpy(), check_additivity=False))

    def ours():
        return explain(
            model,
            Xe,
            method="tree",
            background=bg,
            max_rows=rows,
            progress=False,
            publish=False,
        )

    # interleaved, so a busy machine slows both sides alike; CPU time too, which a
    # shared machine disturbs far less than wall time
    times: dict[str, list] = {"shap": [], "mlnb": []}
    for _ in range(max(1, repeat)):
        for side, fn in (("shap", direct), ("mlnb", ours)):
            c0 = time.process_time()
            t, out = timed(fn, 1)
            times[side].append((t, time.process_time() - c0))
            if side == "shap":
                sv = out
            else:
                e = out
    t_shap, c_shap = np.median(np.array(times["shap"]), axis=0)
    t_mlnb, c_mlnb = np.median(np.array(times["mlnb"]), axis=0)
    sv = sv[:, :, 1] if sv.ndim == 3 else sv
    same = np.abs(e.values - sv).max()
    print(f"TreeSHAP, {rows:,} rows x 20 features, 100 trees depth 8, 100 background")
    print(
        f"  max |mlnb - shap| = {same:.2e}; additivity error {e.additivity_error:.2e}"
    )
    print(
        f"  wall: shap direct {t_shap:.2f} s   mlnb.explain {t_mlnb:.2f} s   "
        f"ratio {t_mlnb / t_shap:.2f}"
    )
    ratio = c_mlnb / c_shap
    print(
        f"  CPU:  shap direct {c_shap:.2f} s   mlnb.explain {c_mlnb:.2f} s   "
        f"overhead ratio {ratio:.2f} (target <= {TARGET_TREE_RATIO}) "
        f"{verdict(ratio <= TARGET_TREE_RATIO, rows != TARGET_ROWS)}"
    )


def exact_shapley(f, X: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Interventional Shapley values by enumerating all coalitions, every
    coalition's rows for every explained row in one batched call."""
    n, d = X.shape
    m = len(B)
    coalitions = list(itertools.product([0, 1], repeat=d))
    masks = np.array(coalitions, dtype=bool)  # (2^d, d)
    Z = np.where(masks[None, :, None, :], X[:, None, None, :], B[None, None, :, :])
    v = f(Z.reshape(-1, d)).reshape(n, len(masks), m).mean(axis=2)  # (n, 2^d)
    index = {c: i for i, c in enumerate(coalitions)}
    from math import factorial

    phi = np.zeros((n, d))
    for c, i in index.items():
        size = sum(c)
        for j in range(d):
            if c[j]:
                continue
            w = factorial(size) * factorial(d - size - 1) / factorial(d)
            with_j = list(c)
            with_j[j] = 1
            phi[:, j] += w * (v[:, index[tuple(with_j)]] - v[:, i])
    return phi


def sampled_vs_shap(target: float) -> None:
    import shap
    from sklearn.ensemble import HistGradientBoostingClassifier

    from mlnb.checks.explainability import explain

    rng = np.random.default_rng(1)
    d = 8
    X = rng.normal(size=(3_000, d))
    logit = X[:, 0] - X[:, 1] + X[:, 2] * X[:, 3] + np.sin(2 * X[:, 4])
    y = (logit + rng.normal(size=len(X)) > 0).astype(int)
    model = HistGradientBoostingClassifier(max_iter=100, random_state=0).fit(X, y)

    def f(Z):
        return model.predict_proba(np.asarray(Z, dtype=np.float64))[:, 1]

    Xe, B = X[:20], X[1_000:1_050]
    exact = exact_shapley(f, Xe, B)

    def rmse(v):
        return float(np.sqrt(np.mean((np.asarray(v) - exact) ** 2)))

    frame = pd.DataFrame(Xe)
    bg = pd.DataFrame(B)
    runs = {
        "mlnb sampled Shapley (n_permutations)": (
            [8, 16, 32, 64, 128, 256, 512, 1024],
            lambda k: (
                explain(
                    model,
                    frame,
                    method="sampling",
                    background=bg,
                    n_permutations=k,
                    progress=False,
                    publish=False,
                ).values
            ),
        ),
        "shap PermutationExplainer (max_evals)": (
            [2 * d + 2, 4 * d, 8 * d, 16 * d, 32 * d, 64 * d],
            lambda k: (
                shap.PermutationExplainer(
                    f, shap.maskers.Independent(B, max_samples=len(B)), seed=0
                )(Xe, max_evals=k, silent=True).values
            ),
        ),
        "shap KernelExplainer (nsamples)": (
            [64, 128, 256, 512],
            lambda k: shap.KernelExplainer(f, B, seed=0).shap_values(
                Xe, nsamples=k, silent=True
            ),
        ),
    }
    print(
        f"\nSampled Shapley, 20 rows x {d} features, 50 background rows, "
        f"HistGradientBoosting; exact values by enumeration; target RMSE "
        f"{target}"
    )
    reached = {}
    for name, (budgets, run) in runs.items():
        with warnings.catch_warnings():  # warm up (imports, first-call costs)
            warnings.simplefilter("ignore")
            run(budgets[0])
        for k in budgets:
            t0, c0 = time.perf_counter(), time.process_time()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                values = run(k)
            t, c = time.perf_counter() - t0, time.process_time() - c0
            err = rmse(values)
            print(f"  {name:40s} {k:6d}: RMSE {err:.4f}  {t:7.2f} s ({c:.2f} s CPU)")
            if err <= target:
                reached[name] = (t, c)
                break
            if t > 120:
                break
    ours = reached.get("mlnb sampled Shapley (n_permutations)")
    for name, (t, c) in reached.items():
        if ours and name != "mlnb sampled Shapley (n_permutations)":
            print(
                f"  at RMSE <= {target}: {name} {t:.2f} s ({c:.2f} s CPU) vs mlnb "
                f"{ours[0]:.2f} s ({ours[1]:.2f} s CPU) -> {t / ours[0]:.1f}x wall, "
                f"{c / ours[1]:.1f}x CPU"
            )
    for name in runs:
        if name not in reached:
            print(f"  {name}: did not reach RMSE {target} within its budgets")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=TARGET_ROWS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--target", type=float, default=0.005)
    args = parser.parse_args()
    try:
        import shap
    except ImportError:
        print('shap is not installed (pip install "mlnb[shap]"): nothing to compare')
        return
    print(
        f"python {platform.python_version()}, shap {shap.__version__}, "
        f"{os.cpu_count()} CPUs, load {load()}"
    )
    tree_overhead(args.rows, args.repeat)
    sampled_vs_shap(args.target)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
