"""Benchmark: ``mlnb.sliced_metrics`` in memory against TensorFlow Model Analysis.

Target (step 6 of the checklist, "does the model serve all of your users well?"):
at 100,000 rows with a binary label (2% positives) and 20 slices, mlnb's in-memory
``sliced_metrics`` is at least 500x faster than TFMA's ``analyze_raw_data`` on
Beam's local runner, computing the same metric set.

"The same metric set" is the EvalConfig that ``sliced_metrics(engine="tfma")``
hands to TFMA (:func:`mlnb.integrations.tfma.tfma_inputs`): example counts, the
confusion matrix at the threshold, ROC AUC, the 10,000-bucket confusion-matrix
curve (for AP), mean label, mean prediction, calibration, cross entropy, and the
second moments behind the confidence intervals. mlnb's side computes its whole
result: 13 metrics with intervals per slice, the rest-of-data comparison and the
verdict.

Both run in this process on the same data. TFMA is imported and warmed up on a
small frame first, so neither import nor one-time set-up is timed. Before timing
is reported, TFMA's numbers (read back with ``from_tfma``) are checked against
mlnb's: counts and threshold metrics to 1e-9, ROC AUC to 1e-3, AP exactly against
mlnb on the scores floored to TFMA's 1e-4 buckets. TFMA needs about 1.5 ms per row
for this metric set on one core: two to three minutes at the default size. The
script always exits 0: a benchmark reports, it does not test.

Usage::

    python benchmarks/bench_sliced_tfma.py [--n 100000] [--slices 20] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np
from benchkit import load, timed

RATIO_TARGET = 500.0


def make_data(n: int, n_slices: int, seed: int):
    """2% positives, probabilities that separate the classes moderately, and a
    slice column of ``n_slices`` levels of unequal size."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.02).astype(np.int64)
    sizes = rng.dirichlet(np.full(n_slices, 2.0))
    group = rng.choice(n_slices, n, p=sizes)
    logit = rng.normal(size=n) + 1.5 * y - 3.0 + 0.3 * (group % 3 == 0)
    p = 1.0 / (1.0 + np.exp(-logit))
    return pd.DataFrame({"y": y, "p": p, "group": [f"g{g:02d}" for g in group]})


def check(numpy_result, tfma_result, floored_result) -> list[str]:
    """Agreement of the two engines; returns the failures (empty when all agree)."""
    a, b = numpy_result.to_frame(), tfma_result.to_frame()
    a = a.sort_values(["slice", "value"]).reset_index(drop=True)
    b = b.sort_values(["slice", "value"]).reset_index(drop=True)
    c = floored_result.to_frame().sort_values(["slice", "value"])
    c = c.reset_index(drop=True)
    problems = []
    if list(a["value"]) != list(b["value"]):
        return ["the slices differ"]
    exact = [
        "count",
        "weighted_count",
        "label_rate",
        "prediction_rate",
        "accuracy",
        "precision",
        "recall",
        "f1",
        "fpr",
        "fnr",
        "log_loss",
        "mean_prediction",
        "calibration",
    ]
    for col in exact:
        if not np.allclose(b[col], a[col], rtol=1e-9, atol=1e-12, equal_nan=True):
            problems.append(f"{col} differs")
    if not np.allclose(b["roc_auc"], a["roc_auc"], rtol=0, atol=1e-3, equal_nan=True):
        problems.append("roc_auc differs by more than 1e-3")
    ap_b, ap_c = b["average_precision"], c["average_precision"]
    if not np.allclose(ap_b, ap_c, rtol=1e-9, atol=1e-12, equal_nan=True):
        problems.append("average_precision differs from the bucketed scores'")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="rows")
    parser.add_argument("--slices", type=int, default=20, help="slice levels")
    parser.add_argument("--repeat", type=int, default=5, help="mlnb repeats")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    import pandas as pd

    import mlnb
    from mlnb.integrations import tfma as mt

    print(f"Python {platform.python_version()} on {platform.machine()}")
    print(f"CPUs: {os.cpu_count()}; load average: {load()}")
    start = time.perf_counter()
    try:
        import apache_beam as beam
        import tensorflow_model_analysis as tfma
    except ImportError as exc:
        print(f'TFMA is not installed ({exc}): pip install "mlnb[tfma]"')
        return 0
    import_s = time.perf_counter() - start
    print(
        f"numpy {np.__version__}, pandas {pd.__version__}, "
        f"tensorflow-model-analysis {tfma.__version__}, apache-beam "
        f"{beam.__version__} (imported in {import_s:.1f} s, not timed)"
    )

    df = make_data(args.n, args.slices, args.seed)
    kw = {"label": "y", "score": "p", "slice_by": "group"}
    n_pos = int(df["y"].sum())
    print(
        f"\n{args.n:,} rows, {n_pos:,} positives ({n_pos / args.n:.1%}), "
        f"{df['group'].nunique()} slices + overall"
    )

    # warm up both sides (TFMA: pipeline construction, TensorFlow set-up)
    small = make_data(2_000, args.slices, args.seed + 1)
    mlnb.sliced_metrics(small, publish=False, **kw)
    warm = mt.tfma_inputs(small, **kw)
    tfma.analyze_raw_data(warm.frame, warm.eval_config)

    t_mlnb, numpy_result = timed(
        lambda: mlnb.sliced_metrics(df, publish=False, **kw), args.repeat
    )
    t_prep, inputs = timed(lambda: mt.tfma_inputs(df, **kw), 1)
    print(
        f"\nrunning tfma.analyze_raw_data on {args.n:,} rows (about 1.5 ms per row) …",
        flush=True,
    )
    t_tfma, eval_result = timed(
        lambda: tfma.analyze_raw_data(inputs.frame, inputs.eval_config), 1
    )
    t_read, tfma_result = timed(
        lambda: mt.from_tfma(eval_result, threshold=0.5, publish=False), 1
    )
    floored = df.assign(p=np.floor(df["p"] * mt.NUM_BUCKETS) / mt.NUM_BUCKETS)
    floored_result = mlnb.sliced_metrics(floored, publish=False, **kw)
    problems = check(numpy_result, tfma_result, floored_result)

    ratio = t_tfma / t_mlnb
    rows = [
        (f"mlnb sliced_metrics, in memory (median of {args.repeat})", t_mlnb, 1.0),
        ("TFMA analyze_raw_data, local Beam runner", t_tfma, ratio),
        ("  mlnb: TFMA's input frame and EvalConfig", t_prep, t_prep / t_mlnb),
        ("  mlnb: from_tfma on TFMA's EvalResult", t_read, t_read / t_mlnb),
    ]
    print(f"\n{'':<52}{'seconds':>10}{'× mlnb':>10}")
    for label, secs, r in rows:
        print(f"{label:<52}{secs:>10.4f}{r:>10.1f}")

    o_a, o_b = numpy_result.overall, tfma_result.overall
    print("\noverall       mlnb (memory)        TFMA")
    for m in ("roc_auc", "average_precision", "recall", "precision", "log_loss"):
        print(f"{m:<18}{o_a[m]:>14.6f}{o_b[m]:>12.6f}")
    if problems:
        print("\nCHECK FAILED: " + "; ".join(problems))
    else:
        print(
            "\nchecked: counts, threshold metrics, log loss, mean prediction and "
            "calibration equal (1e-9); ROC AUC within 1e-3; AP equal to mlnb's on "
            "the bucketed scores"
        )
    verdict = "PASS" if ratio >= RATIO_TARGET and not problems else "FAIL"
    print(
        f"\n{verdict}: mlnb is {ratio:,.0f}x faster than TFMA's analyze_raw_data "
        f"(target >= {RATIO_TARGET:.0f}x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
