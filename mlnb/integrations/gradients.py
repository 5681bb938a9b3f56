"""Integrated gradients for Keras models (``pip install "mlnb[tensorflow]"``).

Sundararajan, Taly & Yan, "Axiomatic Attribution for Deep Networks" (ICML 2017):
the attribution of feature ``j`` is ``(x_j − x'_j)`` times the average gradient
of the output along the straight path from the baseline ``x'`` to ``x``. The
integral is a Riemann sum over ``steps`` intervals (``rule``: ``"trapezoid"``
— the default, exact for a linear model at any ``steps`` — ``"left"``, ``"right"``
or ``"midpoint"``). Completeness says the attributions sum to
``f(x) − f(x')``; the gap is the integration error, reported per row so a caller
can check it (the paper's advice: within 5%, else raise ``steps``).

Paths are evaluated in batches of at most ``batch_rows`` points (rows × steps)
with one gradient tape per batch. ``mlnb.explain`` reaches this module through
``mlnb.checks.adapters.adapter("gradients", "integrated_gradients")``; ``import
mlnb`` never imports TensorFlow.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import MissingDependencyError, MlnbValueError

__all__ = ["integrated_gradients", "RULES"]

#: The Riemann rules: name -> (alphas, weights) for ``steps`` intervals.
RULES = ("trapezoid", "left", "right", "midpoint")


def _tf() -> Any:
    try:
        import tensorflow as tf
    except ImportError as exc:
        raise MissingDependencyError(
            "tensorflow", "tensorflow", "integrated gradients"
        ) from exc
    return tf


def _grid(steps: int, rule: str) -> tuple[np.ndarray, np.ndarray]:
    if rule == "trapezoid":
        alphas = np.linspace(0.0, 1.0, steps + 1)
        weights = np.full(steps + 1, 1.0 / steps)
        weights[[0, -1]] *= 0.5
    elif rule == "left":
        alphas = np.arange(steps) / steps
        weights = np.full(steps, 1.0 / steps)
    elif rule == "right":
        alphas = np.arange(1, steps + 1) / steps
        weights = np.full(steps, 1.0 / steps)
    elif rule == "midpoint":
        alphas = (np.arange(steps) + 0.5) / steps
        weights = np.full(steps, 1.0 / steps)
    else:
        raise MlnbValueError(
            f"rule must be one of {', '.join(map(repr, RULES))}; got {rule!r}"
        )
    return alphas, weights


def integrated_gradients(
    model: Any,
    X: np.ndarray,
    baseline: np.ndarray,
    *,
    steps: int = 50,
    rule: str = "trapezoid",
    outputs: Any = None,
    batch_rows: int = 65_536,
    progress: bool = False,
) -> dict[str, Any]:
    """Integrated gradients of a Keras model's output units.

    Parameters
    ----------
    model:
        A Keras model taking one numeric input of shape (n, f).
    X:
        The rows to explain, (n, f) numbers.
    baseline:
        The path's starting point, (f,).
    steps, rule:
        Riemann intervals and rule (see the module docstring).
    outputs:
        Indices of the output units to explain (default: every unit).
    batch_rows:
        Most path points handed to the model at once.
    progress:
        Show a progress bar over the batches.

    Returns
    -------
    dict
        ``values`` (n, f, K), ``outputs`` (n, K) = f(x), ``base`` (K,) = f(x'),
        ``completeness_error`` (n, K) = |Σ_j values − (f(x) − f(x'))|.
    """
    tf = _tf()
    from tqdm.auto import tqdm

    if not isinstance(steps, int | np.integer) or isinstance(steps, bool) or steps < 1:
        raise MlnbValueError(f"steps must be a positive integer; got {steps!r}")
    alphas, weights = _grid(int(steps), rule)
    X = np.asarray(X, dtype=np.float32)
    x0 = np.asarray(baseline, dtype=np.float32).reshape(1, -1)
    n, f = X.shape

    def call(a: Any) -> Any:
        out = model(a, training=False)
        return tf.reshape(out, (tf.shape(out)[0], -1))

    fx = np.asarray(call(tf.constant(X)), dtype=np.float64)
    fb = np.asarray(call(tf.constant(x0)), dtype=np.float64)[0]
    units = list(range(fx.shape[1])) if outputs is None else [int(k) for k in outputs]
    S = len(alphas)
    chunk = max(1, batch_rows // S)
    values = np.zeros((n, f, len(units)))
    a = tf.constant(alphas.reshape(S, 1, 1), dtype=tf.float32)
    w = tf.constant(weights.reshape(S, 1, 1), dtype=tf.float32)
    bar = tqdm(
        total=n,
        desc="explain (integrated gradients)",
        unit="row",
        disable=not progress,
        leave=False,
    )
    try:
        for start in range(0, n, chunk):
            xb = tf.constant(X[start : start + chunk])  # (c, f)
            c = int(xb.shape[0])
            delta = xb - x0  # (c, f)
            path = tf.reshape(x0 + a * delta[None], (S * c, f))
            for u, k in enumerate(units):
                with tf.GradientTape() as tape:
                    tape.watch(path)
                    y = call(path)[:, k]
                g = tf.reshape(tape.gradient(y, path), (S, c, f))
                avg = tf.reduce_sum(w * g, axis=0)  # (c, f)
                values[start : start + c, :, u] = np.asarray(avg * delta, np.float64)
            bar.update(c)
    finally:
        bar.close()
    fx = fx[:, units]
    fb = fb[units]
    gap = np.abs(values.sum(axis=1) - (fx - fb[None, :]))
    return {"values": values, "outputs": fx, "base": fb, "completeness_error": gap}
