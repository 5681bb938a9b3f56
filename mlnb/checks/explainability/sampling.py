"""Sampled Shapley values for any model, on the user's own columns.

The estimator of Štrumbelj & Kononenko ("Explaining prediction models and
individual predictions with feature contributions", KAIS 2014), with antithetic
permutations (Mitchell et al., "Sampling permutations for Shapley value
estimation", JMLR 2022): each sample is a random order of the columns and one
background row ``b``; walking the order, column after column takes the explained
row's value instead of ``b``'s, and each column is credited with the change of the
model's output when it switched. Each order is paired with its reverse (same ``b``),
which cancels much of the variance. The average over samples is an unbiased
estimate of the interventional Shapley value with the background as the reference
distribution; its standard error comes from the spread of the pair averages.

All evaluations of a round (every explained row × the round's permutations × the
coalitions along them) are one table handed to the model at once — no Python loop
of model calls per row. The same background rows are used for every explained row,
so the attributions of every row add up exactly to ``f(x) − base`` with ``base``
the mean prediction over the sampled background rows (the walk telescopes).

A ``KeyboardInterrupt`` between rounds ends the sampling: the rounds finished are
kept (fewer permutations for every row, a larger standard error) and the result is
marked partial.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["sampled_shapley"]


def _as_2d(y: np.ndarray) -> np.ndarray:
    y = np.asarray(y, dtype=np.float64)
    return y[:, None] if y.ndim == 1 else y


def sampled_shapley(
    predict: Callable[[Any], np.ndarray],
    X: Any,
    background: Any,
    *,
    n_permutations: int,
    rng: np.random.Generator,
    batch_rows: int = 250_000,
    progress: bool = False,
) -> dict[str, Any]:
    """Sampled Shapley values of ``predict`` (a function of a pandas DataFrame
    returning (N,) or (N, K) outputs) for the rows of ``X`` against
    ``background`` (same columns).

    Returns a dict: ``values`` (n, f, K), ``standard_errors`` (n, f, K),
    ``outputs`` (n, K), ``base`` (K,), ``n_permutations`` (used; fewer than asked
    when interrupted), ``partial``, ``evaluated_rows``.
    """
    import pandas as pd
    from tqdm.auto import tqdm

    n, f = X.shape
    m = len(background)
    pairs = max(1, math.ceil(n_permutations / 2))
    X = X.reset_index(drop=True)
    background = background.reset_index(drop=True)
    both = pd.concat([X, background], ignore_index=True)
    columns = list(X.columns)

    fx = _as_2d(predict(X))  # (n, K)
    fb = _as_2d(predict(background))  # (m, K)
    K = fx.shape[1]
    evaluated = n + m

    # background row per pair, shared by every explained row, spread evenly
    order = rng.permutation(m)
    b_of_pair = order[np.arange(pairs) % m]
    if f == 1:  # one column: its attribution is f(x) - f(b), nothing to sample
        vals = fx[:, None, :] - fb[b_of_pair].mean(axis=0)[None, None, :]
        return {
            "values": vals,
            "standard_errors": np.zeros_like(vals),
            "outputs": fx,
            "base": fb[b_of_pair].mean(axis=0),
            "n_permutations": 2 * pairs,
            "partial": False,
            "evaluated_rows": evaluated,
        }

    inner = f - 1  # coalitions strictly between "all background" and "all x"
    per_pair = n * 2 * inner
    pairs_per_round = max(1, batch_rows // max(per_pair, 1))
    sum_ = np.zeros((n, f, K))
    sumsq = np.zeros((n, f, K))
    base_sum = np.zeros(K)
    done = 0
    partial = False
    bar = tqdm(
        total=2 * pairs,
        desc="explain (sampled Shapley)",
        unit="permutation",
        disable=not progress,
        leave=False,
    )
    try:
        while done < pairs:
            p = min(pairs_per_round, pairs - done)
            b_idx = b_of_pair[done : done + p]  # (p,)
            # random orders per row and pair: ranks (n, p, f); reverse is f-1-rank
            ranks = np.argsort(rng.random((n, p, f)), axis=2).argsort(axis=2)
            ranks = np.concatenate([ranks, f - 1 - ranks], axis=1)  # (n, 2p, f)
            b2 = np.concatenate([b_idx, b_idx])  # (2p,)
            t = np.arange(1, f)  # positions 1..f-1
            # mask[i, s, t, j]: column j already switched to x at position t
            mask = ranks[:, :, None, :] < t[None, None, :, None]  # (n, 2p, f-1, f)
            rows_i = np.broadcast_to(np.arange(n)[:, None, None], mask.shape[:3])
            rows_b = np.broadcast_to(n + b2[None, :, None], mask.shape[:3])
            mask = mask.reshape(-1, f)
            ri = rows_i.reshape(-1)
            rb = rows_b.reshape(-1)
            data = {}
            for j in range(f):
                src = np.where(mask[:, j], ri, rb)
                data[j] = both.iloc[:, j].array.take(src)
            frame = pd.DataFrame(data)
            frame.columns = pd.Index(columns, tupleize_cols=False)
            y = _as_2d(predict(frame)).reshape(n, 2 * p, inner, K)
            evaluated += len(frame)
            chain = np.concatenate(
                [
                    np.broadcast_to(fb[b2][None, :, None, :], (n, 2 * p, 1, K)),
                    y,
                    np.broadcast_to(fx[:, None, None, :], (n, 2 * p, 1, K)),
                ],
                axis=2,
            )  # (n, 2p, f+1, K): outputs along the walk
            steps = np.diff(chain, axis=2)  # (n, 2p, f, K) by position
            phi = np.take_along_axis(steps, ranks[..., None], axis=2)  # by column
            pair_mean = 0.5 * (phi[:, :p] + phi[:, p:])  # (n, p, f, K)
            sum_ += pair_mean.sum(axis=1)
            sumsq += (pair_mean**2).sum(axis=1)
            base_sum += fb[b_idx].sum(axis=0)
            done += p
            bar.update(2 * p)
    except KeyboardInterrupt:
        if done == 0:
            raise
        partial = True
    finally:
        bar.close()
    values = sum_ / done
    if done > 1:
        var = np.maximum(sumsq / done - values**2, 0.0) * done / (done - 1)
        se = np.sqrt(var / done)
    else:
        se = np.full_like(values, np.nan)
    return {
        "values": values,
        "standard_errors": se,
        "outputs": fx,
        "base": base_sum / done,
        "n_permutations": 2 * done,
        "partial": partial,
        "evaluated_rows": evaluated,
    }
