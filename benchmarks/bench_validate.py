"""validate_data on 1M rows × 30 columns (target: < 2 s), against pandera's own
lazy validate of the equivalent DataFrameSchema on the same frame.

Run: ``python benchmarks/bench_validate.py [n_rows]``.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from mlnb.checks.deployment import schema, validate_data

TARGET_S = 2.0


def make(n: int, seed: int, strings: str = "category") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cols = {}
    for i in range(10):
        cols[f"num{i}"] = rng.normal(size=n)
    for i in range(10):
        cols[f"int{i}"] = rng.integers(0, 1000, size=n)
    cats = np.array([f"cat_{j}" for j in range(20)], dtype=object)
    for i in range(8):
        values = cats[rng.integers(0, 20, size=n)]
        if strings == "category":
            cols[f"cat{i}"] = pd.Categorical(values)
        else:  # plain object strings with 1% missing
            values[rng.random(n) < 0.01] = None
            cols[f"cat{i}"] = values
    cols["flag"] = rng.random(n) < 0.3
    cols["id"] = np.arange(n)
    return pd.DataFrame(cols)


def best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(n: int = 1_000_000, strings: str = "category") -> None:
    train = make(n, 0, strings)
    serving = make(n, 1, strings)
    serving.loc[:99, "num0"] = 50.0  # some anomalies to summarise
    s = schema(train)
    t_schema = best(lambda: schema(train), 1)
    t_ours = best(lambda: validate_data(serving, s, publish=False))
    result = validate_data(serving, s, publish=False)
    pandera_schema = s.to_pandera()

    def peer():
        try:
            pandera_schema.validate(serving, lazy=True)
        except Exception as e:  # SchemaErrors: anomalies found
            _ = getattr(e, "failure_cases", None)

    t_peer = best(peer)
    t_skew = best(lambda: validate_data(serving, s, reference=train, publish=False), 1)
    print(f"rows × columns: {n:,} × {serving.shape[1]} (text as {strings})")
    print(f"anomalies: {len(result.anomalies)} ({', '.join(result.kinds)})")
    print(f"schema():                       {t_schema:.3f} s")
    print(
        f"validate_data():                {t_ours:.3f} s  (target < {TARGET_S} s: "
        f"{'OK' if t_ours < TARGET_S else 'MISSED'}; {t_ours / TARGET_S:.2f}× target)"
    )
    print(f"pandera validate (lazy):        {t_peer:.3f} s")
    print(f"ratio mlnb / pandera:           {t_ours / t_peer:.2f}")
    print(f"validate_data(reference=train): {t_skew:.3f} s (with skew)")


if __name__ == "__main__":
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    main(rows, "category")
    print()
    main(rows, "object")
