"""Fit and score one model on one fold — the unit of work of a diagnosis.

Every part of :func:`~mlnb.checks.accuracy.diagnose` is a list of :class:`Fit` jobs
run by :func:`run_fits`: one at a time (``n_jobs=None`` or 1) or side by side with
scikit-learn's joblib ``Parallel``, with one progress-bar tick per fit. A job does
what scikit-learn's ``_fit_and_score`` does — ``clone(estimator).fit(X[train],
y[train])``, then ``scorer(model, X[test], y[test])`` (and on the training rows when
asked) — so the numbers equal ``learning_curve`` and ``cross_validate``. A fit that
raises an ``Exception`` scores NaN (scikit-learn's ``error_score=np.nan``) and keeps
its message; a ``KeyboardInterrupt`` stops the run and :func:`run_fits` returns the
jobs finished so far, marked interrupted.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Fit", "Done", "run_fits"]


@dataclass
class Fit:
    """One job: fit ``estimator`` (cloned) on ``train`` and score it on ``test``."""

    estimator: Any
    X: Any
    y: Any
    train: np.ndarray
    test: np.ndarray | None
    scorer: Any
    train_score: bool = False
    keep: bool = False
    X_test: Any = None
    y_test: Any = None
    fitted: Any = None  # an estimator already fitted: score only


@dataclass
class Done:
    """What a job gave: scores (NaN when the fit or the scoring failed)."""

    test_score: float = np.nan
    train_score: float = np.nan
    fit_time: float = 0.0
    error: str = ""
    model: Any = field(default=None, repr=False)


def _rows(data: Any, idx: np.ndarray) -> Any:
    from sklearn.utils import _safe_indexing

    return _safe_indexing(data, idx)


def _one(job: Fit) -> Done:
    from sklearn.base import clone

    out = Done()
    X_train = _rows(job.X, job.train)
    y_train = _rows(job.y, job.train)
    start = time.perf_counter()
    if job.fitted is not None:
        model = job.fitted
    else:
        model = clone(job.estimator)
        try:
            model.fit(X_train, y_train)
        except Exception as exc:  # noqa: BLE001 - scikit-learn's error_score=nan
            out.error = f"{type(exc).__name__}: {str(exc)[:300]}"
            out.fit_time = time.perf_counter() - start
            return out
    out.fit_time = time.perf_counter() - start
    try:
        if job.test is not None:
            out.test_score = float(
                job.scorer(model, _rows(job.X, job.test), _rows(job.y, job.test))
            )
        elif job.X_test is not None:
            out.test_score = float(job.scorer(model, job.X_test, job.y_test))
        if job.train_score:
            out.train_score = float(job.scorer(model, X_train, y_train))
    except Exception as exc:  # noqa: BLE001 - scikit-learn's error_score=nan
        out.error = f"scoring failed: {type(exc).__name__}: {str(exc)[:300]}"
    if job.keep:
        out.model = model
    return out


def run_fits(jobs: list[Fit], *, n_jobs: Any, bar: Any) -> tuple[list[Done], bool]:
    """Run ``jobs`` in order; returns ``(results, interrupted)`` where ``results``
    holds the jobs finished before a ``KeyboardInterrupt`` (all of them when not
    interrupted)."""
    done: list[Done] = []
    try:
        if n_jobs is None or n_jobs == 1 or len(jobs) <= 1:
            for job in jobs:
                done.append(_one(job))
                bar.update(1)
        else:
            from sklearn.utils.parallel import Parallel, delayed

            parallel = Parallel(n_jobs=n_jobs, return_as="generator")
            for result in parallel(delayed(_one)(job) for job in jobs):
                done.append(result)
                bar.update(1)
    except KeyboardInterrupt:
        return done, True
    return done, False
