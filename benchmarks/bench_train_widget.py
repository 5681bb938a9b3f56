"""Benchmark: the TrainingLauncher widget while 8 local trials stream logs fast.

Target (issue 14): "the widget stays responsive while 8 trials stream logs (log
tail throttled, no kernel busy-wait)". Measured here as

- pushes to the browser per second: at most 4 (the widget's throttle,
  ``PUSH_INTERVAL`` = 0.25 s), and their size in KB/s;
- the kernel's responsiveness while the trials stream: the latency of a message
  from the view (a comm update that switches the log tail to one trial and back,
  handled as the kernel handles it) — target under 100 ms at the 99th percentile,
  the usual threshold for a reaction that feels instant — and the lateness of a
  10 ms timer on the main thread (what any other cell or handler would wait);
- the CPU the kernel process spends (its own threads: the pipes the backend reads,
  the widget's buffering and pushes), as a share of one core.

Eight trials of a script that prints ``--rate`` lines per second each (default
2,000, so 16,000 lines/s in all) for ``--seconds`` seconds and reports a metric
every 100 lines, run through ``mlnb.train.launch`` (local backend, 8 in
parallel — the backend bounds parallel trials by the CPU cores; these trials
mostly sleep, so the benchmark lets all 8 run at once on a smaller machine, and
the kernel gets the full ``8 × --rate`` lines per second), three times: with no
widget (the peer: what the backend alone costs the kernel), with the widget, and
with the widget unthrottled (``push_interval=0``: a push per event, what a naive
widget would do), after an untimed warm-up launch (the first one imports the
backend and Optuna). Every mode checks that every
line reached the job. The script always exits 0: a benchmark reports, it does not
test.

Usage::

    python benchmarks/bench_train_widget.py [--rate 2000] [--seconds 4]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from benchkit import load, verdict

TARGET_PUSHES = 4.0
TARGET_HANDLER_MS = 100.0
TRIALS = 8

SCRIPT = textwrap.dedent(
    """\
    import sys, time
    from mlnb.runtime.training.report import params, report
    p = params({"k": 0, "rate": 2000, "seconds": 4.0})
    n = int(p["rate"] * p["seconds"])
    burst = max(1, p["rate"] // 100)          # 100 bursts a second
    t0 = time.perf_counter()
    for i in range(0, n, burst):
        sys.stdout.write("".join(
            f"trial {p['k']} line {j} loss={1 / (j + 1):.6f} <b>not markup</b>\\n"
            for j in range(i, min(n, i + burst))))
        sys.stdout.flush()
        if i % 100 < burst:
            report(step=i, acc=i / n)
        wait = t0 + (i + burst) / p["rate"] - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
    report(step=n, acc=1.0)
    """
)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def run(mode: str, script: Path, rate: int, seconds: float, run_dir: Path) -> dict:
    from mlnb.runtime.training.launch import launch
    from mlnb.runtime.training.space import Choice
    from mlnb.widgets.training import TrainingLauncher

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "widgets"))
    from widgetkit import browser_sets  # the view's comm update, as delivered

    sent: list[tuple[float, int]] = []
    cpu0 = time.process_time()
    wall0 = time.perf_counter()
    job = launch(
        str(script),
        hyperparameters={"k": Choice(tuple(range(TRIALS)))},
        args=(f"--rate={rate}", f"--seconds={seconds}"),
        metric="acc",
        max_trials=TRIALS,
        parallel_trials=TRIALS,
        run_dir=str(run_dir / mode),
        publish=False,
    )
    w = None
    if mode not in ("no widget", "warm-up"):
        interval = 0.0 if mode == "unthrottled" else None
        kw = {} if interval is None else {"push_interval": interval}
        w = TrainingLauncher(job=job, **kw)

        def send(msg, buffers=None):
            sent.append((time.perf_counter(), len(json.dumps(msg))))

        w._send = send
    lateness: list[float] = []
    handler: list[float] = []
    streaming = (time.perf_counter(), None)
    i = 0
    while not job.done:
        t0 = time.perf_counter()
        time.sleep(0.01)
        lateness.append((time.perf_counter() - t0 - 0.01) * 1000)
        i += 1
        if w is not None and i % 5 == 0:
            t0 = time.perf_counter()
            browser_sets(w, log_trial=(i // 5) % TRIALS if i % 10 else -1)
            handler.append((time.perf_counter() - t0) * 1000)
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    streaming = (streaming[0], time.perf_counter())
    time.sleep(0.5)
    trials = job.trials()
    lines = sum(len(job.logs(t.number, tail=None).splitlines()) for t in trials)
    states = sorted({t.state for t in trials})
    # the rate the trials reached together, while they ran
    ran = max(t.ended for t in trials) - min(t.started for t in trials)
    span = streaming[1] - streaming[0]
    pushes = [s for s in sent if streaming[0] <= s[0] <= streaming[1]]
    return {
        "mode": mode,
        "wall": wall,
        "states": states,
        "lines_kept": lines,
        "lines_per_s": lines / ran,
        "pushes_per_s": len(pushes) / span if w is not None else float("nan"),
        "kb_per_s": sum(b for _, b in pushes) / span / 1000 if w else float("nan"),
        "push_count": w.push_count if w is not None else 0,
        "late_p50": pct(lateness, 0.5),
        "late_p99": pct(lateness, 0.99),
        "handler_p50": pct(handler, 0.5),
        "handler_p99": pct(handler, 0.99),
        "cpu_share": cpu / wall,
        "shown_lines": len(w.log_lines) if w is not None else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=int, default=2000, help="lines/s per trial")
    parser.add_argument("--seconds", type=float, default=4.0)
    args = parser.parse_args()
    print(
        f"python {platform.python_version()} · {os.cpu_count()} CPUs · load "
        f"{load()} · {TRIALS} trials × {args.rate:,} lines/s for {args.seconds} s"
    )
    try:
        import mlnb.runtime.training.launch  # noqa: F401
    except ImportError as exc:
        print(f"the local training backend is not available here: {exc}")
        return
    real_cpu_count = os.cpu_count
    os.cpu_count = lambda: max(real_cpu_count() or 1, TRIALS)  # all 8 at once
    try:
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "train_stream.py"
            script.write_text(SCRIPT)
            # untimed: the first launch imports the backend and Optuna
            run("warm-up", script, 100, 0.2, Path(tmp))
            rows = [
                run(mode, script, args.rate, args.seconds, Path(tmp))
                for mode in ("no widget", "widget", "unthrottled")
            ]
    finally:
        os.cpu_count = real_cpu_count
    expected = int(args.rate * args.seconds) * TRIALS
    print()
    head = (
        f"{'mode':<12} {'wall s':>7} {'pushes/s':>9} {'KB/s':>8} "
        f"{'handler p50/p99 ms':>19} {'timer late p50/p99 ms':>22} {'CPU':>6}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        print(
            f"{r['mode']:<12} {r['wall']:7.2f} {r['pushes_per_s']:9.2f} "
            f"{r['kb_per_s']:8.1f} "
            f"{r['handler_p50']:9.2f}/{r['handler_p99']:<9.2f} "
            f"{r['late_p50']:11.2f}/{r['late_p99']:<10.2f} {r['cpu_share']:6.0%}"
        )
    print()
    base, widget, naive = rows
    for r in rows:
        ok = r["states"] == ["succeeded"] and r["lines_kept"] == expected
        print(
            f"{r['mode']}: trials {r['states']}, {r['lines_kept']:,} log lines "
            f"reached the job (expected {expected:,}), "
            f"{r['lines_per_s']:,.0f} lines/s in all while the trials ran "
            f"(target {args.rate * TRIALS:,})" + ("" if ok else "  <-- check")
        )
    print()
    rate, p99 = widget["pushes_per_s"], widget["handler_p99"]
    print(
        f"pushes per second with the widget: {rate:.2f} "
        f"(target <= {TARGET_PUSHES:g}): {verdict(rate <= TARGET_PUSHES)}"
    )
    print(
        f"view message latency p99: {p99:.1f} ms (target < {TARGET_HANDLER_MS:g} "
        f"ms; ratio {p99 / TARGET_HANDLER_MS:.2f}): "
        f"{verdict(p99 < TARGET_HANDLER_MS)}"
    )
    print(
        f"timer lateness p99: {widget['late_p99']:.1f} ms with the widget vs "
        f"{base['late_p99']:.1f} ms without; kernel CPU {widget['cpu_share']:.0%} vs "
        f"{base['cpu_share']:.0%} of a core"
    )
    if naive["pushes_per_s"] > 0:
        print(
            f"unthrottled (a push per event): {naive['pushes_per_s']:.0f} pushes/s, "
            f"{naive['kb_per_s']:.0f} KB/s — "
            f"{naive['kb_per_s'] / max(widget['kb_per_s'], 1e-9):.1f}× the bytes of "
            "the throttled widget"
        )


if __name__ == "__main__":
    main()
