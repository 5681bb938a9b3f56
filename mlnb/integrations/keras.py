"""A small Keras network with scikit-learn's estimator interface, for
``mlnb.prototype(models=(..., "keras"))`` (``pip install "mlnb[tensorflow]"``).

:class:`DenseNetwork` is two hidden Dense layers (64 and 32 ReLU units) and an
output layer fitted to the task: a sigmoid unit (binary), a softmax (multiclass)
or a linear unit (regression), trained with Adam for at most ``epochs`` epochs
with early stopping on a 10% validation share (patience 3, best weights
restored). The binary output's bias starts at ``log(pos/neg)`` so the first
predictions match the base rate. TensorFlow is imported only when a network is
fitted.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from ..checks import modeling
from ..errors import MissingDependencyError

__all__ = ["DenseNetwork", "dense_pipeline"]


def _tf() -> Any:
    try:
        import tensorflow as tf
    except ImportError as exc:
        raise MissingDependencyError(
            "tensorflow", "tensorflow", "the 'keras' prototype model"
        ) from exc
    return tf


def _dense(X: Any) -> np.ndarray:
    if hasattr(X, "toarray"):
        X = X.toarray()
    return np.asarray(X, dtype=np.float32)


class DenseNetwork(BaseEstimator):
    """A small dense network with ``fit`` / ``predict`` / ``predict_proba``.

    Parameters
    ----------
    task:
        ``"binary"``, ``"multiclass"`` or ``"regression"``.
    hidden:
        Units of the hidden layers.
    epochs, batch_size:
        Training length (early stopping usually ends it sooner) and batch size.
    random_state:
        Seed for the weights and the shuffling (``keras.utils.set_random_seed``).
    """

    def __init__(
        self,
        task: str = "binary",
        hidden: tuple = (64, 32),
        epochs: int = 30,
        batch_size: int = 256,
        random_state: int | None = 0,
    ) -> None:
        self.task = task
        self.hidden = hidden
        self.epochs = epochs
        self.batch_size = batch_size
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> DenseNetwork:
        tf = _tf()
        keras = tf.keras
        if self.random_state is not None:
            keras.utils.set_random_seed(int(self.random_state))
        Xd = _dense(X)
        y = np.asarray(y)
        layers = [keras.Input(shape=(Xd.shape[1],))]
        layers += [keras.layers.Dense(u, activation="relu") for u in self.hidden]
        if self.task == "regression":
            target = y.astype(np.float32)
            self.y_mean_, self.y_scale_ = float(target.mean()), float(target.std() or 1)
            target = (target - self.y_mean_) / self.y_scale_
            out = keras.layers.Dense(1)
            loss = "mse"
        else:
            self.classes_ = np.unique(y)
            codes = np.searchsorted(self.classes_, y)
            if self.task == "binary":
                rate = float(np.clip(codes.mean(), 1e-6, 1 - 1e-6))
                bias = keras.initializers.Constant(math.log(rate / (1 - rate)))
                out = keras.layers.Dense(1, activation="sigmoid", bias_initializer=bias)
                loss = "binary_crossentropy"
                target = codes.astype(np.float32)
            else:
                out = keras.layers.Dense(len(self.classes_), activation="softmax")
                loss = "sparse_categorical_crossentropy"
                target = codes.astype(np.int64)
        net = keras.Sequential([*layers, out])
        net.compile(optimizer=keras.optimizers.Adam(1e-3), loss=loss)
        stop = keras.callbacks.EarlyStopping(patience=3, restore_best_weights=True)
        net.fit(
            Xd,
            target,
            epochs=self.epochs,
            batch_size=self.batch_size,
            validation_split=0.1 if len(Xd) >= 50 else 0.0,
            callbacks=[stop] if len(Xd) >= 50 else [],
            verbose=0,
        )
        self.network_ = net
        self.n_features_in_ = Xd.shape[1]
        return self

    def _raw(self, X: Any) -> np.ndarray:
        return np.asarray(self.network_.predict(_dense(X), verbose=0), np.float64)

    def predict_proba(self, X: Any) -> np.ndarray:
        raw = self._raw(X)
        if self.task == "binary":
            p = raw.reshape(-1)
            return np.column_stack([1 - p, p])
        return raw / raw.sum(axis=1, keepdims=True)

    def predict(self, X: Any) -> np.ndarray:
        if self.task == "regression":
            return self._raw(X).reshape(-1) * self.y_scale_ + self.y_mean_
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def dense_pipeline(X: Any, *, task: str, random_state: int | None = 0) -> Any:
    """:func:`mlnb.checks.modeling.preprocessor` (impute, one-hot, scale) followed
    by a :class:`DenseNetwork` (step ``"model"``)."""
    from sklearn.pipeline import Pipeline

    return Pipeline(
        [
            ("preprocess", modeling.preprocessor(X)),
            ("model", DenseNetwork(task=task, random_state=random_state)),
        ]
    )
