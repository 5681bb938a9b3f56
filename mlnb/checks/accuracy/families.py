"""Other models on the same folds: the dummy baseline, a few model families from
:mod:`mlnb.checks.modeling`, and a soft-voting ensemble of those families.

Each family is :func:`mlnb.checks.modeling.pipeline` (its own preprocessing of the
raw columns, then the model), fitted and scored on exactly the folds the user's
model was, so ``cross_validate(pipeline, X, y, cv=folds, scoring=scoring)`` gives the
same numbers. The ensemble averages the families' predicted probabilities (soft
voting; the mean prediction for regression): scikit-learn's ``VotingClassifier`` /
``VotingRegressor`` over the fold's fitted family models, which equals fitting the
voting model on the fold since voting only fits copies of its members.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .engine import Fit

__all__ = [
    "FAMILY_NAMES",
    "dummy",
    "family_estimator",
    "frame_for_families",
    "ensemble",
]

#: Readable names of the families.
FAMILY_NAMES = {
    "linear": "linear (logistic regression / ridge)",
    "boosted": "gradient boosting (histogram)",
    "forest": "random forest",
    "knn": "k nearest neighbours",
    "dummy": "dummy (class prior / mean)",
}


def dummy(task: str) -> Any:
    """The trivial model: the class prior, or the mean for regression."""
    from sklearn.dummy import DummyClassifier, DummyRegressor

    return (
        DummyRegressor() if task == "regression" else DummyClassifier(strategy="prior")
    )


def frame_for_families(X: Any) -> Any:
    """The features as a pandas frame (a numpy array gets integer column names)."""
    import pandas as pd

    if isinstance(X, pd.DataFrame):
        return X
    try:
        from scipy import sparse

        if sparse.issparse(X):
            return pd.DataFrame(X.toarray())
    except ImportError:  # pragma: no cover
        pass
    return pd.DataFrame(np.asarray(X))


def family_estimator(kind: str, X: Any, *, task: str, random_state: Any) -> Any:
    """The family's pipeline (preprocessing chosen for the model) on ``X``'s dtypes."""
    from ..modeling import pipeline

    return pipeline(kind, X, task=task, random_state=random_state)


def ensemble(models: list[tuple[str, Any]], task: str) -> Any:
    """A voting model over already fitted ``models`` (soft voting for classifiers)."""
    from sklearn.ensemble import VotingClassifier, VotingRegressor
    from sklearn.frozen import FrozenEstimator

    members = [(name, FrozenEstimator(m)) for name, m in models]
    if task == "regression":
        return VotingRegressor(members)
    return VotingClassifier(members, voting="soft")


def ensemble_jobs(
    fitted: dict[str, list[Any]], X: Any, y: Any, splits: list, scorer: Any, task: str
) -> list[Fit]:
    """One scoring job per fold for the vote of the fold's fitted families."""
    jobs = []
    names = list(fitted)
    for f, (tr, te) in enumerate(splits):
        members = [(n, fitted[n][f]) for n in names]
        jobs.append(
            Fit(ensemble(members, task), X, y, tr, te, scorer, train_score=True)
        )
    return jobs
