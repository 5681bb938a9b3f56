"""The trivial models of scikit-learn's ``DummyClassifier`` / ``DummyRegressor``,
fitted in closed form and drawing exactly the random predictions they draw.

``DummyClassifier(strategy="stratified", random_state=s)`` predicts
``classes_[rs.multinomial(1, class_prior_, size=n).argmax(1)]`` with
``rs = np.random.RandomState(s)`` (its ``predict_proba`` draws the same one-hot
rows from a fresh ``RandomState(s)``); ``"uniform"`` predicts
``classes_[rs.randint(n_classes_, size=n)]``. For two classes a multinomial draw
of one trial is one binomial draw of the first class, which numpy's legacy
generator makes by inversion from one uniform number ``U``: the first class when
``U <= exp(log(1 - p))`` (``p <= 0.5``), or — drawn through ``1 - p`` — when
``U <= exp(log(p))``. :func:`stratified` applies that rule to
``rs.random_sample(n)`` (the same uniform numbers), and falls back to numpy's own
``multinomial`` for several classes and for the vanishingly rare draw where the
inversion would start over.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["STRATEGIES", "class_prior", "stratified", "uniform", "rng"]

#: DummyClassifier's strategies computed here, in display order.
STRATEGIES = {
    "classification": ("most_frequent", "prior", "stratified", "uniform"),
    "regression": ("mean", "median"),
}

_CHUNK = 1 << 20


def rng(random_state: int | None) -> np.random.RandomState:
    """scikit-learn's ``check_random_state`` for an int; a fresh, unseeded
    generator for ``None``."""
    return np.random.RandomState(random_state)


def class_prior(
    counts: np.ndarray, idx: np.ndarray | None, w: np.ndarray | None, k: int
) -> np.ndarray:
    """``class_prior_`` as DummyClassifier computes it (``np.bincount`` of the
    class indices, with the weights when there are some, over its sum)."""
    if w is None:
        return counts / counts.sum()
    assert idx is not None
    p = np.bincount(idx, weights=w, minlength=k)
    return p / p.sum()


def stratified(prior: np.ndarray, n: int, random_state: int | None) -> np.ndarray:
    """Class indices drawn as DummyClassifier's ``stratified`` strategy draws them."""
    rs = rng(random_state)
    if len(prior) == 2:
        out = _binary_draw(float(prior[0]), n, rs)
        if out is not None:
            return out
        rs = rng(random_state)
    pred = np.empty(n, dtype=np.int64)
    for start in range(0, n, _CHUNK):  # the stream continues across calls
        stop = min(n, start + _CHUNK)
        pred[start:stop] = rs.multinomial(1, prior, size=stop - start).argmax(axis=1)
    return pred


def _binary_draw(p0: float, n: int, rs: np.random.RandomState) -> np.ndarray | None:
    """Index 0 with numpy's legacy binomial(1, p0), vectorised; ``None`` when a
    draw would restart the inversion (then the caller replays numpy's own)."""
    if p0 == 0.0:  # numpy returns 0 without drawing: every row is class 1
        return np.ones(n, dtype=np.int64)
    u = rs.random_sample(n)
    p = p0 if p0 <= 0.5 else 1.0 - p0
    q = 1.0 - p
    qn = math.exp(math.log(q)) if q > 0 else 0.0
    hit = u > qn  # binomial(1, p) == 1
    if q > 0 and np.any(hit & ((u - qn) > (p * qn) / q)):
        return None
    first = hit if p0 <= 0.5 else ~hit
    return (~first).astype(np.int64)


def uniform(k: int, n: int, random_state: int | None) -> np.ndarray:
    """Class indices drawn as DummyClassifier's ``uniform`` strategy draws them."""
    return rng(random_state).randint(k, size=n).astype(np.int64, copy=False)
