"""``import mlnb`` stays light: fast, and no heavy or UI library loaded."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

import mlnb

#: Libraries that ``import mlnb`` must not load.
HEAVY = (
    "tensorflow",
    "apache_beam",
    "google.cloud",
    "matplotlib",
    "matplotlib.pyplot",
    "sklearn",
    "pandas",
    "ipywidgets",
    "anywidget",
    "IPython",
)
#: Libraries the checks must not load at module top (convention: computation only).
UI_AND_CLOUD = (
    "tensorflow",
    "apache_beam",
    "google.cloud",
    "matplotlib",
    "ipywidgets",
    "anywidget",
    "IPython",
)


def run_fresh(code: str) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON line, returned here."""
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def loaded(modules: list[str], names: tuple[str, ...]) -> list[str]:
    """Which of ``names`` (or their submodules) are among ``modules``."""
    return sorted(m for m in modules for n in names if m == n or m.startswith(n + "."))


# Only what ``import mlnb`` adds counts: some environments load modules at start-up
# (a google-cloud namespace-package ``.pth`` file imports ``google.cloud``).
IMPORT_ONLY = """
    import json, sys, time
    before = set(sys.modules)
    t0 = time.perf_counter()
    import mlnb
    elapsed = time.perf_counter() - t0
    added = sorted(set(sys.modules) - before)
    print(json.dumps({"elapsed": elapsed, "modules": added}))
"""


def test_import_is_fast_and_light():
    runs = [run_fresh(IMPORT_ONLY) for _ in range(3)]
    best = min(r["elapsed"] for r in runs)
    assert best < 0.5, f"import mlnb took {best:.3f} s (best of 3)"
    assert loaded(runs[0]["modules"], HEAVY) == []


def test_lazy_attributes_load_on_first_use():
    out = run_fresh(
        """
        import json, sys
        at_start = set(sys.modules)
        import mlnb
        before = "mlnb.checks.imbalance" in sys.modules
        r = mlnb.imbalance([0] * 9 + [1], publish=False)
        t = mlnb.thresholds([0, 1, 0, 1], [0.1, 0.9, 0.4, 0.6], publish=False)
        print(json.dumps({
            "before": before,
            "after": "mlnb.checks.imbalance" in sys.modules,
            "status": r.status,
            "auc": t.roc_auc,
            "modules": sorted(set(sys.modules) - at_start),
        }))
        """
    )
    assert out["before"] is False and out["after"] is True
    assert out["status"] == "warn" and out["auc"] == 1.0
    # running the checks loads no UI, plotting or cloud library
    assert loaded(out["modules"], UI_AND_CLOUD) == []


def test_lazy_attribute_in_process():
    assert callable(mlnb.imbalance) and callable(mlnb.thresholds)
    assert mlnb.ImbalanceResult.check == "imbalance"
    assert mlnb.ThresholdsResult.check == "thresholds"
    assert "imbalance" in dir(mlnb) and "thresholds" in mlnb.__all__


def test_unknown_attribute_raises_attribute_error():
    with pytest.raises(AttributeError, match="no_such_thing"):
        mlnb.no_such_thing  # noqa: B018
