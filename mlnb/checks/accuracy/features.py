"""Which features matter, and which hurt.

- **Permutation importance** on validation rows (``X_valid`` when given, else the
  held-out rows of the first fold): scikit-learn's
  ``permutation_importance(model, X, y, scoring=..., n_repeats=...,
  random_state=...)``, called as it is.
- **Drop-one-feature ablation** on the same folds as everything else: the model is
  refitted with the feature made uninformative and its per-fold scores compared
  with the full model's. The feature is replaced by a constant (its most frequent
  value) rather than removed, so a pipeline that selects columns by name still
  finds it; a model cannot learn anything from a constant column, which is what
  dropping the feature means. A feature *hurts* when the score without it is
  higher beyond fold noise (:mod:`~mlnb.checks.accuracy.noise`).
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np

from ...core import frames
from ...errors import MlnbValueError
from .engine import Fit

__all__ = ["MAX_ABLATED", "choose_ablated", "neutralised", "ablation_jobs"]

#: With ``ablate=None``, this many features are ablated: those with the lowest
#: permutation importance, the candidates for dropping (``ablate=True``: all).
MAX_ABLATED = 5


def choose_ablated(
    ablate: Any, names: list, importance: np.ndarray | None
) -> list[int]:
    """Positions of the features to ablate."""
    if ablate is False or (isinstance(ablate, (list, tuple)) and len(ablate) == 0):
        return []
    if ablate is True:
        return list(range(len(names)))
    if ablate is None:
        positions = list(range(len(names)))
        if len(positions) > MAX_ABLATED:
            if importance is not None and np.isfinite(importance).any():
                key = np.where(np.isfinite(importance), importance, np.inf)
                positions = sorted(
                    np.argsort(key, kind="stable")[:MAX_ABLATED].tolist()
                )
            else:
                positions = positions[:MAX_ABLATED]
        return positions
    if isinstance(ablate, (str, bytes)) or not hasattr(ablate, "__iter__"):
        ablate = [ablate]
    out = []
    for name in ablate:
        pos = [i for i, c in enumerate(names) if frames.same_name(c, name)]
        if not pos:
            raise MlnbValueError(
                f"ablate names feature {name!r}, which X does not have; its columns "
                f"are: {frames.describe_names(names)}"
            )
        out.append(pos[0])
    return sorted(set(out))


def _constant(values: Any) -> Any:
    import pandas as pd

    s = pd.Series(values) if not isinstance(values, pd.Series) else values
    s = s.dropna()
    if s.empty:
        return None
    counts = s.value_counts(sort=False)
    best = counts.max()
    # the most frequent value; ties go to the first seen
    for v in s:
        if counts[v] == best:
            return v
    return None  # pragma: no cover


def neutralised(X: Any, j: int) -> Any:
    """``X`` with feature ``j`` replaced by its most frequent value (or ``None`` when
    the feature has no value at all: it is already constant)."""
    import pandas as pd

    if isinstance(X, pd.DataFrame):
        col = X.iloc[:, j]
        value = _constant(col)
        if value is None:
            return None
        out = X.copy(deep=False)
        const = pd.Series([value] * len(X), index=X.index)
        with contextlib.suppress(TypeError, ValueError):
            const = const.astype(col.dtype)
        out.isetitem(j, const)
        return out
    try:
        from scipy import sparse

        if sparse.issparse(X):
            arr = X.tolil(copy=True)
            col = X[:, j].toarray().ravel()
            value = _constant(col)
            arr[:, j] = value
            return arr.tocsr()
    except ImportError:  # pragma: no cover
        pass
    arr = np.array(X, copy=True)
    value = _constant(arr[:, j])
    if value is None:
        return None
    arr[:, j] = value
    return arr


def ablation_jobs(inp: Any, positions: list[int]) -> tuple[list[Fit], list[int]]:
    """Jobs for each ablated feature on every fold; also the positions kept (a
    feature without any value is skipped)."""
    jobs, kept = [], []
    for j in positions:
        Xj = neutralised(inp.X, j)
        if Xj is None:
            continue
        kept.append(j)
        for tr, te in inp.splits:
            jobs.append(Fit(inp.estimator, Xj, inp.y, tr, te, inp.scorer))
    return jobs, kept
