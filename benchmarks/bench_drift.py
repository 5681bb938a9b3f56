"""Benchmark: ``mlnb.drift`` against Evidently's data drift report and scipy's
per-column tests, on reference and current halves of a synthetic data set.

Targets (step 9 of the checklist, "your model accuracy is drifting downward"):

1. At 1M rows x 15 features (10 numeric, 5 categorical), ``mlnb.drift`` (the
   default ``"vertex"`` preset) is at least 50x faster than Evidently's
   ``DataDriftPreset`` computation (``Report.run``) and at least 5x faster than
   scipy's two-sample KS test (numeric) plus a chi-squared test (categorical), one
   column at a time.
2. At 10M rows, ``mlnb.drift`` takes under 2 s.
3. Comparing against a stored profile does not need the reference data in memory:
   the profile is saved, the reference deleted (checked: no object holds it any
   more), the profile loaded and compared, and the report must equal the direct
   comparison's. The peak memory of that step (tracemalloc) is printed against the
   sizes of the reference it replaces and of the current batch it reads.

"N rows" means N rows in all, split into a reference and a current half (the first
and second halves of the same seeded synthetic data). The current half has four
planted shifts: ``n0`` moves by 2.5 standard deviations, ``n3`` is stretched 6x
about its mean, and ``c1`` and ``c4`` put most of their rows on one level. Before
any time is printed the script checks that mlnb (both presets) and Evidently flag
the same columns, and prints the lists.

Categorical features are pandas ``category`` columns. The same comparison with
the categorical features as object-dtype strings (what ``read_csv`` gives) is
timed against scipy on the same object columns, with the same 5x target; with
``string[python]`` and ``string[pyarrow]`` columns it is timed for information.
The script always exits 0: a benchmark reports, it does not test.

Usage::

    python benchmarks/bench_drift.py [--sizes 1M,10M] [--repeat 5] [--skip-evidently]
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import tempfile
import time
import weakref
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from benchkit import load, peak_bytes, timed, verdict

TARGET_EVIDENTLY = 50.0  # at least this many times faster than Evidently at 1M
TARGET_SCIPY = 5.0  # ... and than scipy's per-column tests at 1M
TARGET_SECONDS_10M = 2.0  # mlnb.drift at 10M rows
TARGET_SIZE = 1_000_000
LARGE_SIZE = 10_000_000

NUMERIC = [f"n{i}" for i in range(10)]
LEVELS = {"c0": 3, "c1": 5, "c2": 8, "c3": 12, "c4": 20}
CATEGORICAL = list(LEVELS)
SHIFTED = ["n0", "n3", "c1", "c4"]

# -- data ------------------------------------------------------------------------------


def _numeric(rng: np.random.Generator, i: int, n: int) -> np.ndarray:
    kind = i % 5
    if kind == 0:
        return rng.normal(10.0, 3.0, n)
    if kind == 1:
        return rng.lognormal(0.0, 0.5, n)
    if kind == 2:
        return rng.uniform(-1.0, 1.0, n)
    if kind == 3:
        return rng.exponential(2.0, n)
    return rng.poisson(30, n).astype(np.float64)


def _levels(rng: np.random.Generator, k: int, n: int, shares: np.ndarray):
    codes = np.searchsorted(np.cumsum(shares), rng.random(n), side="right")
    codes = np.minimum(codes, k - 1).astype(np.int8)
    return pd.Categorical.from_codes(codes, categories=[f"v{j:02d}" for j in range(k)])


def make_data(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reference and current halves of ``n`` rows: 10 numeric and 5 categorical
    (pandas category) features, four of them shifted in the current half."""
    rng = np.random.default_rng(seed)
    n_ref = n // 2
    n_cur = n - n_ref
    ref: dict[str, Any] = {}
    cur: dict[str, Any] = {}
    for i, name in enumerate(NUMERIC):
        r = _numeric(rng, i, n_ref)
        c = _numeric(rng, i, n_cur)
        if name == "n0":
            c += 2.5 * r.std()
        elif name == "n3":
            c = (c - r.mean()) * 6.0 + r.mean()
        ref[name], cur[name] = r, c
    for name, k in LEVELS.items():
        base = rng.dirichlet(np.full(k, 5.0))
        ref[name] = _levels(rng, k, n_ref, base)
        shares = base
        if name in SHIFTED:
            shares = np.full(k, 0.2 / (k - 1))
            shares[int(np.argmin(base))] = 0.8  # the rarest level takes 80%
        cur[name] = _levels(rng, k, n_cur, shares)
    return pd.DataFrame(ref), pd.DataFrame(cur)


def as_object(frame: pd.DataFrame) -> pd.DataFrame:
    """The same frame with the categorical columns as object-dtype strings."""
    return as_strings(frame, object)


def as_strings(frame: pd.DataFrame, dtype: Any) -> pd.DataFrame:
    """The same frame with the categorical columns as strings of ``dtype``
    (``object``, ``"string[python]"``, ``"string[pyarrow]"``)."""
    out = frame.copy()
    for name in CATEGORICAL:
        out[name] = out[name].astype(object).astype(dtype)
    return out


#: String dtypes timed for information, besides object (pandas' ``string``).
STRING_DTYPES = ("string[python]", "string[pyarrow]")


# -- measuring -------------------------------------------------------------------------


# -- the three sides -------------------------------------------------------------------


def run_mlnb(ref, cur, method: str = "vertex"):
    import mlnb

    return mlnb.drift(ref, cur, method=method, publish=False)


def evidently_datasets(ref: pd.DataFrame, cur: pd.DataFrame):
    from evidently import DataDefinition, Dataset

    definition = DataDefinition(
        numerical_columns=NUMERIC, categorical_columns=CATEGORICAL
    )
    return (
        Dataset.from_pandas(ref, data_definition=definition),
        Dataset.from_pandas(cur, data_definition=definition),
    )


def run_evidently(ref_ds, cur_ds):
    """Evidently's DataDriftPreset computation: ``Report.run``."""
    from evidently import Report
    from evidently.presets import DataDriftPreset

    return Report([DataDriftPreset()], include_tests=True).run(cur_ds, ref_ds)


def evidently_flags(snapshot) -> tuple[dict[str, dict], bool]:
    """Per column ``{method, value, drifted}`` and the data-set drift, read from
    Evidently's own result (its metric values and its drift tests)."""
    result = snapshot.dict()
    columns: dict[str, dict] = {}
    for metric in result["metrics"]:
        config = metric["config"]
        if config["type"].endswith("ValueDrift"):
            columns[config["column"]] = {
                "method": config["method"],
                "value": float(metric["value"]),
            }
    dataset_drift = False
    prefix = "Value Drift for column "
    for test in result["tests"]:
        if test["name"].startswith(prefix):
            columns[test["name"][len(prefix) :]]["drifted"] = test["status"] == "FAIL"
        elif test["name"].startswith("Share of Drifted Columns"):
            dataset_drift = test["status"] == "FAIL"
    return columns, dataset_drift


def run_scipy(ref: pd.DataFrame, cur: pd.DataFrame) -> dict[str, float]:
    """What people write by hand: ``ks_2samp`` per numeric column, and counts plus
    ``chi2_contingency`` per categorical column. Returns the p-values."""
    from scipy import stats

    out = {}
    for name in NUMERIC:
        out[name] = stats.ks_2samp(ref[name].to_numpy(), cur[name].to_numpy()).pvalue
    for name in CATEGORICAL:
        rc = ref[name].value_counts()
        cc = cur[name].value_counts().reindex(rc.index, fill_value=0)
        keep = (rc.to_numpy() + cc.to_numpy()) > 0
        table = np.vstack([rc.to_numpy()[keep], cc.to_numpy()[keep]])
        out[name] = stats.chi2_contingency(table).pvalue
    return out


# -- report ----------------------------------------------------------------------------


def versions() -> str:
    import scipy

    import mlnb

    parts = [
        f"Python {platform.python_version()}",
        f"numpy {np.__version__}",
        f"pandas {pd.__version__}",
        f"scipy {scipy.__version__}",
        f"mlnb {getattr(mlnb, '__version__', '?')}",
    ]
    try:
        import evidently

        parts.append(f"evidently {evidently.__version__}")
    except ImportError:
        parts.append("evidently not installed")
    return ", ".join(parts)


def parse_sizes(text: str) -> list[int]:
    sizes = []
    for part in text.split(","):
        part = part.strip().upper().replace("_", "")
        scale = 1
        if part.endswith("M"):
            scale, part = 1_000_000, part[:-1]
        elif part.endswith("K"):
            scale, part = 1_000, part[:-1]
        sizes.append(int(float(part) * scale))
    return sizes


def check_agreement(ref, cur, flags_out: list[str], evidently_ok: bool) -> bool:
    """mlnb's presets and Evidently flag the same columns (and the planted ones)."""
    vertex = run_mlnb(ref, cur)
    preset = run_mlnb(ref, cur, "evidently")
    ok = True
    line = f"  mlnb vertex preset flags:    {sorted(vertex.drifted_features)}"
    flags_out.append(line)
    flags_out.append(
        f"  mlnb evidently preset flags: {sorted(preset.drifted_features)}"
    )
    if set(vertex.drifted_features) != set(SHIFTED):
        flags_out.append("  ! mlnb's vertex preset does not flag exactly the shifts")
        ok = False
    if evidently_ok:
        ref_ds, cur_ds = evidently_datasets(ref, cur)
        theirs, their_dataset = evidently_flags(run_evidently(ref_ds, cur_ds))
        flagged = sorted(c for c, v in theirs.items() if v["drifted"])
        flags_out.append(f"  Evidently DataDriftPreset flags: {flagged}")
        rows = {r["feature"]: r for r in preset.to_frame().to_dict("records")}
        worst = 0.0
        for name, t in theirs.items():
            ours = rows[name]
            if ours["drifted"] != t["drifted"]:
                ok = False
                flags_out.append(f"  ! {name}: mlnb {ours['drifted']}, Evidently")
            denom = max(abs(t["value"]), 1e-300)
            worst = max(worst, abs(ours["distance"] - t["value"]) / denom)
        flags_out.append(
            f"  per-column drift scores, mlnb evidently preset vs Evidently: largest "
            f"relative difference {worst:.1e}; data-set drift {preset.dataset_drift} "
            f"vs {their_dataset}"
        )
        if set(flagged) != set(preset.drifted_features) or worst > 1e-6:
            ok = False
        if preset.dataset_drift != their_dataset:
            ok = False
    if set(preset.drifted_features) != set(SHIFTED):
        flags_out.append("  ! mlnb's evidently preset does not flag exactly the shifts")
        ok = False
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1M,10M", help="rows in all (e.g. 1M,10M)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of mlnb (median)")
    parser.add_argument("--scipy-repeat", type=int, default=3)
    parser.add_argument("--peer-repeat", type=int, default=1, help="Evidently runs")
    parser.add_argument("--evidently-max", type=int, default=1_000_000)
    parser.add_argument("--skip-evidently", action="store_true")
    parser.add_argument("--skip-scipy", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    sizes = parse_sizes(args.sizes)

    print(f"bench_drift: {versions()}")
    print(f"{platform.machine()}, {os.cpu_count()} CPUs, load average {load()}")
    print(
        "data: N rows in all = a reference half and a current half; 10 numeric "
        "features, 5 categorical features as pandas category dtype; planted "
        f"shifts in {SHIFTED}"
    )
    evidently_ok = not args.skip_evidently
    if evidently_ok:
        try:
            import evidently  # noqa: F401
        except ImportError:
            print("evidently is not installed: its comparison is skipped")
            evidently_ok = False

    verdicts: list[str] = []
    for n in sizes:
        ref, cur = make_data(n, args.seed)
        print(f"\n== {n:,} rows: reference {len(ref):,} / current {len(cur):,} ==")
        use_evidently = evidently_ok and n <= args.evidently_max
        flags: list[str] = []
        agree = check_agreement(ref, cur, flags, use_evidently)
        print("\n".join(flags))
        print(f"  agreement: {'yes' if agree else 'NO'}")

        t_mlnb, _ = timed(partial(run_mlnb, ref, cur), args.repeat)
        info_repeat = min(args.repeat, 3)
        t_preset, _ = timed(partial(run_mlnb, ref, cur, "evidently"), info_repeat)
        ref_obj, cur_obj = as_object(ref), as_object(cur)
        t_object, report_obj = timed(partial(run_mlnb, ref_obj, cur_obj), args.repeat)
        same = set(report_obj.drifted_features) == set(SHIFTED)
        t_sc_obj = None
        if not args.skip_scipy:
            t_sc_obj, _ = timed(partial(run_scipy, ref_obj, cur_obj), args.scipy_repeat)
        del ref_obj, cur_obj
        rows = [
            ("mlnb.drift, vertex preset (category dtype)", t_mlnb, ""),
            (
                "mlnb.drift, vertex preset, object-dtype strings",
                t_object,
                f"{t_object / t_mlnb:.1f}x the category time"
                + ("" if same else "; flags differ!"),
            ),
        ]
        for dtype in STRING_DTYPES:
            ref_str, cur_str = as_strings(ref, dtype), as_strings(cur, dtype)
            t_str, report_str = timed(partial(run_mlnb, ref_str, cur_str), info_repeat)
            del ref_str, cur_str
            same_str = set(report_str.drifted_features) == set(SHIFTED)
            rows.append(
                (
                    f"mlnb.drift, vertex preset, {dtype}",
                    t_str,
                    f"information, median of {info_repeat}"
                    + ("" if same_str else "; flags differ!"),
                )
            )
        rows.append(
            (
                "mlnb.drift, evidently preset",
                t_preset,
                f"information, median of {info_repeat}",
            )
        )
        t_ev = t_sc = None
        if use_evidently:
            t0 = time.perf_counter()
            ref_ds, cur_ds = evidently_datasets(ref, cur)
            t_ds = time.perf_counter() - t0
            t_ev, _ = timed(partial(run_evidently, ref_ds, cur_ds), args.peer_repeat)
            del ref_ds, cur_ds
            rows.append(
                (
                    "Evidently DataDriftPreset, Report.run",
                    t_ev,
                    f"{t_ev / t_mlnb:.0f}x mlnb; Dataset.from_pandas took {t_ds:.2f} s"
                    " more",
                )
            )
        if not args.skip_scipy:
            t_sc, pvalues = timed(partial(run_scipy, ref, cur), args.scipy_repeat)
            flagged = sorted(k for k, p in pvalues.items() if p < 0.05)
            rows.append(
                (
                    "scipy ks_2samp + chi2_contingency per column",
                    t_sc,
                    f"{t_sc / t_mlnb:.1f}x mlnb; p < 0.05: {flagged}",
                )
            )
            rows.append(
                (
                    "scipy per column, object-dtype strings",
                    t_sc_obj,
                    f"{t_sc_obj / t_object:.1f}x mlnb on object-dtype strings",
                )
            )
        print(f"  {'':49s} {'median s':>9s}")
        for label, seconds, note in rows:
            print(f"  {label:49s} {seconds:9.3f}  {note}")

        at_target = n == TARGET_SIZE
        if t_ev is not None:
            ratio = t_ev / t_mlnb
            verdicts.append(
                f"{verdict(ratio >= TARGET_EVIDENTLY, not at_target)}: {n:,} rows, "
                f"mlnb {ratio:.0f}x faster than Evidently (target "
                f">= {TARGET_EVIDENTLY:.0f}x)"
            )
        if t_sc is not None:
            ratio = t_sc / t_mlnb
            verdicts.append(
                f"{verdict(ratio >= TARGET_SCIPY, not at_target)}: {n:,} rows, "
                f"mlnb {ratio:.1f}x faster than scipy per column (target "
                f">= {TARGET_SCIPY:.0f}x)"
            )
            ratio = t_sc_obj / t_object
            verdicts.append(
                f"{verdict(ratio >= TARGET_SCIPY, not at_target)}: {n:,} rows, "
                f"object-dtype strings: mlnb {ratio:.1f}x faster than scipy per "
                f"column (target >= {TARGET_SCIPY:.0f}x)"
            )
        if n >= LARGE_SIZE or n == sizes[-1]:
            verdicts.append(
                f"{verdict(t_mlnb < TARGET_SECONDS_10M, n != LARGE_SIZE)}: "
                f"{n:,} rows, mlnb.drift {t_mlnb:.2f} s (target "
                f"< {TARGET_SECONDS_10M:.0f} s at {LARGE_SIZE:,})"
            )
        if not agree:
            verdicts.append(f"FAIL: {n:,} rows, the tools flag different columns")

        if n == sizes[-1]:
            box = {"reference": ref}
            del ref
            verdicts.append(stored_profile_step(box, cur, args.repeat))
        else:
            del ref
        del cur
        gc.collect()

    print("\n" + "\n".join(verdicts))
    print(f"load average at the end: {load()}")
    return 0


def stored_profile_step(box: dict, cur: pd.DataFrame, repeat: int) -> str:
    """Save the reference's profile, delete the reference (``box`` holds the only
    reference to it), load the profile and compare."""
    import mlnb

    ref = box.pop("reference")
    ref_bytes = int(ref.memory_usage(deep=True).sum())
    cur_bytes = int(cur.memory_usage(deep=True).sum())
    direct = run_mlnb(ref, cur)
    t_profile, prof = timed(partial(mlnb.profile, ref), 1)
    with tempfile.TemporaryDirectory() as tmp:
        path = prof.save(Path(tmp) / "reference-profile.json")
        size = path.stat().st_size
        del prof
        alive = weakref.ref(ref)
        del ref
        gc.collect()
        freed = alive() is None

        def compare():
            return run_mlnb(mlnb.Profile.load(path), cur)

        peak, report = peak_bytes(compare)
        t_compare, _ = timed(compare, repeat)
    same = report.to_frame().equals(direct.to_frame())
    print(
        f"\n  stored profile: mlnb.profile of the reference {t_profile:.2f} s; "
        f"JSON file {size / 1024:.1f} KiB; reference data freed before the "
        f"comparison: {'yes' if freed else 'NO'}"
    )
    print(
        f"  reference deleted; Profile.load + mlnb.drift: {t_compare:.3f} s "
        f"(median), peak extra memory {peak / 2**20:.1f} MiB (tracemalloc) vs "
        f"{ref_bytes / 2**20:.0f} MiB for the reference data "
        f"({peak / ref_bytes:.1%}) and {cur_bytes / 2**20:.0f} MiB for the current "
        f"batch; same report as the direct comparison: {'yes' if same else 'NO'}"
    )
    ok = same and freed
    return (
        f"{verdict(ok)}: comparing against a stored profile with the reference "
        f"freed (freed: {freed}; same report: {same}; peak extra memory "
        f"{peak / 2**20:.1f} MiB = {peak / ref_bytes:.1%} of the reference's "
        f"{ref_bytes / 2**20:.0f} MiB, {peak / cur_bytes:.1%} of the current batch's)"
    )


if __name__ == "__main__":
    sys.exit(main())
