"""Shared fixtures and policies for mlnb's tests.

Optional extras
---------------
A test that needs an optional dependency of mlnb (an extra such as ``tfma``) calls
``require("tensorflow_model_analysis", "tfma")`` (the ``require`` fixture) or carries
``@pytest.mark.extra("tfma", module="tensorflow_model_analysis")``. When the module
is missing the test is skipped — unless the environment variable
``MLNB_REQUIRE_EXTRAS=1`` is set (``make test-full``), where every extra is meant to
be installed and the missing module fails the test instead.

Libraries that are not mlnb extras (polars, pyarrow) use ``pytest.importorskip``.

Hypothesis
----------
The profile ``ci`` (no deadline: shared CI machines have noisy timing) is loaded by
default; choose another with ``HYPOTHESIS_PROFILE=...``.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from types import ModuleType

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

# derandomize: every run draws the same examples, so a test fails on every machine
# or on none (a new counter-example is found by raising max_examples locally)
settings.register_profile(
    "ci",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
settings.register_profile("dev", deadline=None, max_examples=20)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REQUIRE_EXTRAS_ENV = "MLNB_REQUIRE_EXTRAS"


def extras_required() -> bool:
    """True when a missing optional extra must fail a test instead of skipping it."""
    return os.environ.get(REQUIRE_EXTRAS_ENV, "").strip().lower() in {
        "1",
        "true",
        "yes",
    }


def require(module_name: str, extra: str) -> ModuleType:
    """Import ``module_name`` (provided by ``mlnb[extra]``) or skip the test.

    Under ``MLNB_REQUIRE_EXTRAS=1`` a missing module fails the test instead.
    """
    try:
        return importlib.import_module(module_name)
    except ImportError as exc:
        msg = (
            f"{module_name} is not installed (optional extra: "
            f'pip install "mlnb[{extra}]"): {exc}'
        )
        if extras_required():
            pytest.fail(f"{REQUIRE_EXTRAS_ENV}=1 but {msg}", pytrace=False)
        pytest.skip(msg)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "extra(name, module=None): the test needs the optional extra mlnb[name] "
        "(module: the module to import, default name); skipped when missing, "
        f"failed when missing under {REQUIRE_EXTRAS_ENV}=1",
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    for mark in item.iter_markers(name="extra"):
        extra = mark.args[0] if mark.args else mark.kwargs["name"]
        require(mark.kwargs.get("module", extra), extra)


@pytest.fixture(name="require")
def require_fixture() -> Callable[[str, str], ModuleType]:
    """The :func:`require` helper, for tests that import an extra inside."""
    return require


@pytest.fixture(autouse=True)
def _clean_session():
    """Every test starts and ends with an empty ``mlnb.session``."""
    from mlnb.checklist import session

    session.clear()
    yield
    session.clear()


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240601)


def make_imbalanced(
    rng: np.random.Generator, n: int = 2_000, positive_share: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    """Binary labels with about ``positive_share`` positives and probability scores
    that separate the classes moderately (positives score higher on average)."""
    y = (rng.random(n) < positive_share).astype(np.int64)
    y[:2] = [0, 1]  # both classes, whatever the seed
    logit = rng.normal(size=n) + 2.0 * y - 2.0
    scores = 1.0 / (1.0 + np.exp(-logit))
    return y, scores


@pytest.fixture
def imbalanced(rng) -> tuple[np.ndarray, np.ndarray]:
    """``(y, scores)``: 2,000 rows, about 5% positives, probability scores."""
    return make_imbalanced(rng)


@pytest.fixture
def imbalanced_frame(rng):
    """A DataFrame with columns ``x1``, ``x2`` (numeric), ``y`` (0/1, about 10%
    positives) and ``p`` (probability scores)."""
    import pandas as pd

    y, p = make_imbalanced(rng, n=500, positive_share=0.1)
    return pd.DataFrame(
        {
            "x1": rng.normal(size=len(y)) + y,
            "x2": rng.normal(size=len(y)),
            "y": y,
            "p": p,
        }
    )


@pytest.fixture(autouse=True)
def _no_goal_left_behind():
    """A goal set by one test (``mlnb.goal``) must not steer another's baselines,
    prototype or diagnosis: the session's goal is cleared after every test."""
    yield
    import sys

    module = sys.modules.get("mlnb.checks.problem.goal")
    if module is not None:
        module._set_current(None)
