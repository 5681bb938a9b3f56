"""Benchmark: the launch overhead of a local training trial.

Target (issue 14, "Performance"): a local trial launched with
``mlnb.train.launch(script).wait()`` takes less than 0.5 s beyond the script's own
run, measured as running the same script with ``subprocess.run([sys.executable,
script])`` (same interpreter, same environment, the same metrics file written).

The script imports mlnb's training package and reports one metric, so both sides do
the same work; the launcher side adds the run folder, the scheduler and reader
threads, log streaming, reading the metrics back and the step-3 record. A second
line measures an 8-trial Optuna search (2 at a time) against running the 8 trials
by hand, 2 at a time, to show what the search and its on-disk study cost per trial.

Each side runs ``--repeat`` times (median); the direct side first. The script always
exits 0: a benchmark reports, it does not test.

Usage::

    python benchmarks/bench_train.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchkit import load, timed, verdict

TARGET_OVERHEAD_S = 0.5

SCRIPT = """
import sys
import mlnb.runtime.training as train
p = train.params({"x": 0.5})
train.report(step=0, score=-(p["x"] - 0.3) ** 2)
"""


def direct(script: Path, folder: Path, args: list[str] | None = None) -> float:
    env = dict(os.environ)
    env["MLNB_TRAIN_METRICS"] = str(folder / f"direct-{time.monotonic_ns()}.jsonl")
    env["CUDA_VISIBLE_DEVICES"] = ""
    env["PYTHONUNBUFFERED"] = "1"
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-u", str(script), *(args or [])],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    ns = parser.parse_args()

    from mlnb.runtime import training as train

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.chdir(folder)
        script = folder / "bench_script.py"
        script.write_text(SCRIPT, encoding="utf-8")
        direct(script, folder)  # warm the file cache

        t_direct, _ = timed(lambda: direct(script, folder), ns.repeat)

        def launched() -> object:
            job = train.launch(script, overwrite=True, publish=False).wait()
            assert job.state == "succeeded", job.logs()
            return job

        t_launch, job = timed(launched, ns.repeat)
        assert job.result().metrics["score"] == -((0.5 - 0.3) ** 2)
        overhead = t_launch - t_direct
        print(
            f"python {platform.python_version()}, {os.cpu_count()} CPUs, load {load()}"
        )
        print(
            f"one trial: subprocess.run {t_direct:.3f} s, launch().wait() "
            f"{t_launch:.3f} s, overhead {overhead:.3f} s (target < "
            f"{TARGET_OVERHEAD_S} s): {verdict(overhead < TARGET_OVERHEAD_S)}"
        )

        try:
            import optuna  # noqa: F401
        except ImportError:
            print("8-trial search: skipped (optuna is not installed: mlnb[train])")
            return
        xs = [0.1 * i for i in range(8)]

        def by_hand() -> float:
            t0 = time.perf_counter()
            for i in range(0, 8, 2):
                env = dict(os.environ, CUDA_VISIBLE_DEVICES="")
                procs = [
                    subprocess.Popen(
                        [sys.executable, "-u", str(script), f"--x={x!r}"],
                        env={**env, "MLNB_TRAIN_METRICS": str(folder / f"h{i}{j}")},
                        stdout=subprocess.DEVNULL,
                    )
                    for j, x in enumerate(xs[i : i + 2])
                ]
                for p in procs:
                    p.wait()
            return time.perf_counter() - t0

        def search() -> object:
            job = train.launch(
                script,
                hyperparameters={"x": (0.0, 1.0)},
                metric="score",
                max_trials=8,
                parallel_trials=2,
                overwrite=True,
                publish=False,
            ).wait()
            assert job.state == "succeeded", job.logs()
            return job

        reps = max(1, ns.repeat // 2)
        t_hand, _ = timed(by_hand, reps)
        t_search, job = timed(search, reps)
        per_trial = (t_search - t_hand) / 8
        print(
            f"8-trial search, 2 at a time: by hand {t_hand:.3f} s, launch() with "
            f"Optuna {t_search:.3f} s, overhead {per_trial:.3f} s per trial (target "
            f"< {TARGET_OVERHEAD_S} s): {verdict(per_trial < TARGET_OVERHEAD_S)}; "
            f"best score {job.result().value:.4g}"
        )


if __name__ == "__main__":
    main()
