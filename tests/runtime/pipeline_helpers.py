"""Shared data and training functions of the pipeline tests.

The data: label ``y`` follows ``a`` in group ``g == "x"`` (85% of rows) and ``b``
in group ``g == "y"``. :func:`fit_b` (``b`` only) is right on group y and guesses
on group x; :func:`fit_a` (``a`` only) is right on group x and guesses on group y —
better overall, worse on the slice ``g=y``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

N_ROWS = 600
C = 1.0


def make_data(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = N_ROWS
    g = np.where(rng.random(n) < 0.85, "x", "y")
    a = rng.normal(size=n)
    b = rng.normal(size=n)
    y = np.where(g == "x", a > 0, b > 0).astype(int)
    return pd.DataFrame({"a": a, "b": b, "g": g, "y": y})


def fit_a(train_df, label):
    cols = ColumnTransformer([("keep", "passthrough", ["a"])])
    model = make_pipeline(cols, LogisticRegression(C=C))
    return model.fit(train_df.drop(columns=[label]), train_df[label])


def fit_b(train_df, label):
    cols = ColumnTransformer([("keep", "passthrough", ["b"])])
    model = make_pipeline(cols, LogisticRegression(C=C))
    return model.fit(train_df.drop(columns=[label]), train_df[label])
