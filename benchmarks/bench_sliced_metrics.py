"""Benchmark: ``mlnb.sliced_metrics`` against fairlearn's ``MetricFrame``.

Targets (step 6 of the checklist, "fairness"):

1. At 1M rows: at least 50x faster than fairlearn's ``MetricFrame`` with
   scikit-learn metrics, on the same metric set.
2. At 10M rows: at most 2x the time of one ``np.argsort`` of the score column, on
   the same machine in the same run.
3. At 10M rows: peak memory (as ``tracemalloc`` sees numpy's allocations) at most
   3x the bytes of the input columns (label + score + slice column).

Data (seeded): a 0/1 label with 2% positives, predicted probabilities (ROC AUC about
0.85) and a 20-level group column (a pandas categorical), in a pandas DataFrame.

The metric set, per group and overall, is the one fairlearn is given: accuracy,
precision, recall, F1, FPR, FNR, selection rate and count at threshold 0.5, and
ROC AUC, average precision and log loss of the scores. fairlearn gets
scikit-learn's functions (and its own ``count``, ``selection_rate``,
``false_positive_rate``, ``false_negative_rate``); since ``MetricFrame`` passes one
``y_pred`` to every metric, it gets the scores and the threshold metrics threshold
them at 0.5 first. A third column, pandas ``groupby`` with the same scikit-learn
calls, is shown for information (it is what people write by hand).

mlnb's numbers are checked against each peer's (relative tolerance 1e-9) before
any ratio is printed. The script always exits 0: a benchmark reports, it does not
test.

Usage::

    python benchmarks/bench_sliced_metrics.py [--sizes 1000000,10000000]
        [--repeat 3] [--peer-repeat 1] [--skip-fairlearn] [--skip-groupby]
        [--fairlearn-max 1000000] [--seed 0]
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import subprocess
import sys
import warnings
from collections.abc import Callable

import numpy as np
from benchkit import load, peak_bytes, timed, verdict

SPEEDUP_TARGET = 50.0  # x fairlearn's MetricFrame, at 1M rows
SPEEDUP_SIZE = 1_000_000
ARGSORT_TARGET = 2.0  # x one np.argsort of the scores, at 10M rows
MEMORY_TARGET = 3.0  # x the input columns' bytes, at 10M rows
LARGE_SIZE = 10_000_000
THRESHOLD = 0.5
N_GROUPS = 20
#: mlnb's column for each metric compared.
COMPARED = (
    "count",
    "accuracy",
    "precision",
    "recall",
    "f1",
    "fpr",
    "fnr",
    "prediction_rate",
    "roc_auc",
    "average_precision",
    "log_loss",
)


#: The group column is also timed as strings of these dtypes (information).
STRING_DTYPES = ("object", "string[pyarrow]")


def make_data(n: int, seed: int):
    """A DataFrame with ``y`` (int64, 2% positives), ``s`` (probabilities) and
    ``group`` (categorical, 20 levels of uneven size)."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.02).astype(np.int64)
    logit = rng.normal(size=n) + 1.5 * y - 3.0
    s = 1.0 / (1.0 + np.exp(-logit))
    del logit
    share = rng.dirichlet(np.full(N_GROUPS, 5.0))
    codes = rng.choice(N_GROUPS, size=n, p=share).astype(np.int8)
    group = pd.Categorical.from_codes(
        codes, categories=[f"g{i:02d}" for i in range(N_GROUPS)]
    )
    return pd.DataFrame({"y": y, "s": s, "group": group})


def _proc_status(key: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1]) * 1024
    raise KeyError(key)


def rss_child(n: int, seed: int) -> None:
    """In a fresh process: make the data, then print the peak resident memory above
    the start of one mlnb call (Linux's high-water mark, reset first)."""
    df = make_data(n, seed)
    run_mlnb(df.iloc[:1_000])
    gc.collect()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    base = _proc_status("VmRSS:")
    run_mlnb(df)
    print(_proc_status("VmHWM:") - base)


def rss_peak_bytes(n: int, seed: int) -> int | None:
    """Peak resident memory of one mlnb call at ``n`` rows, measured in a fresh
    process (Linux only; None elsewhere). A cross-check of tracemalloc that also
    sees buffers numpy does not report (sort scratch space). glibc's malloc is told
    to map every array of 128 kB or more on its own, so that freed memory is given
    back and the high-water mark counts what the call itself needs."""
    if not os.path.exists("/proc/self/clear_refs"):
        return None
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="131072")
    cmd = [sys.executable, __file__, "--rss-child", str(n), "--seed", str(seed)]
    try:
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
        return int(out.stdout.strip().splitlines()[-1])
    except (OSError, subprocess.CalledProcessError, ValueError, IndexError):
        return None


def sklearn_metrics() -> dict[str, Callable]:
    """The metric set, as functions of (y_true, y_score)."""
    from sklearn.metrics import (
        accuracy_score,
        average_precision_score,
        f1_score,
        log_loss,
        precision_score,
        recall_score,
        roc_auc_score,
    )

    def thresholded(fn):
        def metric(y_true, y_score):
            return fn(y_true, (np.asarray(y_score) >= THRESHOLD).astype(np.int64))

        metric.__name__ = fn.__name__
        return metric

    def fairlearn_fn(name):
        import fairlearn.metrics as fm

        return thresholded(getattr(fm, name))

    out = {
        "accuracy": thresholded(accuracy_score),
        "precision": thresholded(precision_score),
        "recall": thresholded(recall_score),
        "f1": thresholded(f1_score),
        "roc_auc": roc_auc_score,
        "average_precision": average_precision_score,
        "log_loss": log_loss,
    }
    try:  # fairlearn's own count / rates when it is installed
        out |= {
            "count": fairlearn_fn("count"),
            "prediction_rate": fairlearn_fn("selection_rate"),
            "fpr": fairlearn_fn("false_positive_rate"),
            "fnr": fairlearn_fn("false_negative_rate"),
        }
    except ImportError:

        def rate(y_true, y_score, *, of_true):
            y_true, pred = np.asarray(y_true), np.asarray(y_score) >= THRESHOLD
            sel = y_true == of_true
            return float(np.mean(pred[sel] != of_true)) if sel.any() else np.nan

        out |= {
            "count": lambda y, s: len(y),
            "prediction_rate": thresholded(lambda y, p: float(np.mean(p))),
            "fpr": lambda y, s: rate(y, s, of_true=0),
            "fnr": lambda y, s: rate(y, s, of_true=1),
        }
    return out


def run_groupby(df, metrics) -> dict[str, dict[str, float]]:
    """pandas groupby + scikit-learn: {group or "overall": {metric: value}}."""
    out = {}
    y_all, s_all = df["y"].to_numpy(), df["s"].to_numpy()
    out["overall"] = {m: float(fn(y_all, s_all)) for m, fn in metrics.items()}
    for name, part in df.groupby("group", observed=True):
        y, s = part["y"].to_numpy(), part["s"].to_numpy()
        out[str(name)] = {m: float(fn(y, s)) for m, fn in metrics.items()}
    return out


def run_fairlearn(df, metrics) -> dict[str, dict[str, float]]:
    from fairlearn.metrics import MetricFrame

    mf = MetricFrame(
        metrics=metrics,
        y_true=df["y"],
        y_pred=df["s"],
        sensitive_features=df["group"],
    )
    out = {"overall": {m: float(v) for m, v in mf.overall.items()}}
    for name, row in mf.by_group.iterrows():
        out[str(name)] = {m: float(v) for m, v in row.items()}
    return out


def run_mlnb(df):
    import mlnb

    r = mlnb.sliced_metrics(
        df,
        label="y",
        score="s",
        slice_by="group",
        threshold=THRESHOLD,
        publish=False,
    )
    return r.to_frame()


def mlnb_values(frame) -> dict[str, dict[str, float]]:
    out = {}
    for _, row in frame.iterrows():
        key = "overall" if row["slice"] == "overall" else str(row["value"])
        out[key] = {m: float(row[m]) for m in COMPARED}
    return out


def check_same(ours, theirs, who: str) -> None:
    """Every compared metric equal within 1e-9 (relative), group by group."""
    assert set(ours) == set(theirs), (who, sorted(ours), sorted(theirs))
    for key, values in theirs.items():
        for metric, expected in values.items():
            got = ours[key][metric]
            assert np.isclose(got, expected, rtol=1e-9, atol=1e-12), (
                who,
                key,
                metric,
                got,
                expected,
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default=f"{SPEEDUP_SIZE},{LARGE_SIZE}",
        help="comma-separated row counts (default: 1000000,10000000)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs (median)")
    parser.add_argument(
        "--peer-repeat",
        type=int,
        default=1,
        help="timed runs of fairlearn and of pandas groupby (slow; default 1)",
    )
    parser.add_argument(
        "--skip-fairlearn", action="store_true", help="do not run fairlearn"
    )
    parser.add_argument(
        "--skip-groupby",
        action="store_true",
        help="do not run pandas groupby + scikit-learn (information only)",
    )
    parser.add_argument(
        "--fairlearn-max",
        type=int,
        default=SPEEDUP_SIZE,
        help="largest size fairlearn runs at (about 30 s per million rows)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rss-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rss_child:
        rss_child(args.rss_child, args.seed)
        return 0
    sizes = [int(x.replace("_", "")) for x in args.sizes.split(",") if x.strip()]

    import pandas as pd
    import sklearn

    import mlnb

    try:
        import fairlearn

        fairlearn_version = fairlearn.__version__
    except ImportError:
        fairlearn_version = None
    use_fairlearn = fairlearn_version is not None and not args.skip_fairlearn
    metrics = sklearn_metrics()

    print(
        f"bench_sliced_metrics: sizes {', '.join(f'{n:,}' for n in sizes)}; "
        f"{N_GROUPS} groups, 2% positives, {len(COMPARED)} metrics; median of "
        f"{args.repeat} runs (peers: {args.peer_repeat})"
    )
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, pandas "
        f"{pd.__version__}, scikit-learn {sklearn.__version__}, fairlearn "
        f"{fairlearn_version or 'not installed'}, mlnb {mlnb.__version__}"
    )
    print(f"{os.cpu_count()} CPUs; load average at start {load()}")

    # warm up imports and first-call costs (small groups may predict no positive:
    # scikit-learn's warning about it is not news here)
    warm = make_data(20_000, args.seed + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_mlnb(warm)
        if not args.skip_groupby:
            run_groupby(warm, metrics)
        if use_fairlearn:
            run_fairlearn(warm, metrics)
    del warm

    rows = []
    for n in sizes:
        df = make_data(n, args.seed)
        scores = df["s"].to_numpy()
        input_bytes = int(
            df[["y", "s", "group"]].memory_usage(deep=True, index=False).sum()
        )
        t_mlnb, frame = timed(lambda df=df: run_mlnb(df), args.repeat)
        t_sort, _ = timed(lambda s=scores: np.argsort(s), args.repeat)
        ours = mlnb_values(frame)
        t_strings = {}
        for dtype in STRING_DTYPES:  # the same groups as strings (information)
            as_text = df.assign(group=df["group"].astype(object).astype(dtype))
            t_strings[dtype], text_frame = timed(
                lambda d=as_text: run_mlnb(d), args.repeat
            )
            check_same(mlnb_values(text_frame), ours, f"group as {dtype} at {n:,}")
            del as_text, text_frame
        del frame
        t_groupby = None
        if not args.skip_groupby:
            t_groupby, by_hand = timed(
                lambda df=df: run_groupby(df, metrics), args.peer_repeat
            )
            check_same(ours, by_hand, f"pandas groupby + scikit-learn at {n:,}")
            del by_hand
        t_fair = None
        if use_fairlearn and n <= args.fairlearn_max:
            t_fair, theirs = timed(
                lambda df=df: run_fairlearn(df, metrics), args.peer_repeat
            )
            check_same(ours, theirs, f"fairlearn MetricFrame at {n:,}")
            del theirs
        peak, _ = peak_bytes(lambda df=df: run_mlnb(df))
        rss = rss_peak_bytes(n, args.seed)
        rows.append(
            {
                "n": n,
                "positives": int(df["y"].sum()),
                "mlnb": t_mlnb,
                "argsort": t_sort,
                "groupby": t_groupby,
                "strings": t_strings,
                "fairlearn": t_fair,
                "peak": peak,
                "rss": rss,
                "input": input_bytes,
                "auc": ours["overall"]["roc_auc"],
            }
        )
        del df, scores, ours
        gc.collect()

    # -- report ------------------------------------------------------------------------
    print()
    peers = [
        *([] if args.skip_groupby else ["pandas groupby + scikit-learn"]),
        *(["fairlearn's MetricFrame"] if use_fairlearn else []),
    ]
    if peers:
        print(
            f"every compared metric of mlnb equals {' and '.join(peers)} (rtol "
            "1e-9), per group and overall, wherever the peer ran: checked"
        )
    else:
        print("no peer ran: mlnb's numbers were not checked")
    print()
    head = (
        f"{'rows':>12}  {'mlnb s':>8}  {'argsort s':>9}  {'mlnb/argsort':>12}  "
        f"{'groupby+skl s':>13}  {'fairlearn s':>11}  {'fairlearn/mlnb':>14}  "
        f"{'peak MB':>8}  {'input MB':>8}  {'peak/input':>10}"
    )
    print(head)
    for r in rows:
        fair = f"{r['fairlearn']:11.2f}" if r["fairlearn"] is not None else f"{'-':>11}"
        groupby = f"{r['groupby']:13.2f}" if r["groupby"] is not None else f"{'-':>13}"
        speed = (
            f"{r['fairlearn'] / r['mlnb']:13.1f}x"
            if r["fairlearn"] is not None
            else f"{'-':>14}"
        )
        print(
            f"{r['n']:12,}  {r['mlnb']:8.3f}  {r['argsort']:9.3f}  "
            f"{r['mlnb'] / r['argsort']:11.2f}x  {groupby}  {fair}  "
            f"{speed}  {r['peak'] / 1e6:8.1f}  {r['input'] / 1e6:8.1f}  "
            f"{r['peak'] / r['input']:9.2f}x"
        )
    print()
    print(
        "groupby+skl: pandas groupby with the same scikit-learn calls (information). "
        "Input: label int64 + score float64 + categorical group (int8 codes)."
    )
    if all(r["rss"] is not None for r in rows):
        print(
            "cross-check, peak resident memory of one call (fresh process): "
            + "; ".join(
                f"{r['n']:,} rows {r['rss'] / 1e6:.1f} MB "
                f"({r['rss'] / r['input']:.2f}x input)"
                for r in rows
            )
        )
    for r in rows:
        print(
            f"group column as strings at {r['n']:,} rows (information): "
            + "; ".join(
                f"{dtype} {t:.3f} s ({t / r['mlnb']:.1f}x the categorical time)"
                for dtype, t in r["strings"].items()
            )
        )
    print(
        "values: "
        + "; ".join(
            f"{r['n']:,} rows: {r['positives']:,} positives, ROC AUC {r['auc']:.4f}"
            for r in rows
        )
    )
    print(f"load average at end {load()}")
    print()
    checks = []
    for r in rows:
        if r["fairlearn"] is not None:
            speed = r["fairlearn"] / r["mlnb"]
            note = "" if r["n"] == SPEEDUP_SIZE else " (information: target is at 1M)"
            checks.append(
                (
                    f"speed at {r['n']:,} rows: >= {SPEEDUP_TARGET:g}x faster than "
                    f"fairlearn MetricFrame{note}",
                    f"{speed:.1f}x",
                    speed >= SPEEDUP_TARGET,
                )
            )
        note = "" if r["n"] == LARGE_SIZE else " (information: target is at 10M)"
        ratio = r["mlnb"] / r["argsort"]
        checks.append(
            (
                f"time at {r['n']:,} rows: <= {ARGSORT_TARGET:g}x one np.argsort of "
                f"the scores{note}",
                f"{ratio:.2f}x",
                ratio <= ARGSORT_TARGET,
            )
        )
        mem = r["peak"] / r["input"]
        checks.append(
            (
                f"memory at {r['n']:,} rows: peak <= {MEMORY_TARGET:g}x the input "
                f"columns{note}",
                f"{mem:.2f}x",
                mem <= MEMORY_TARGET,
            )
        )
    if SPEEDUP_SIZE in sizes and not any(
        r["fairlearn"] is not None and r["n"] == SPEEDUP_SIZE for r in rows
    ):
        print("(fairlearn not run: the speed target at 1M rows is not judged)")
    for what, got, ok in checks:
        print(f"{verdict(ok)}  {what}: {got}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
