"""Exact attributions of a linear model, on the user's own columns.

For a model ``f(x) = w · T(x) + b`` whose preprocessing ``T`` works column by column
(scalers, one-hot, ordinal encoding, imputation: see
:func:`~mlnb.checks.explainability.models.column_groups`), ``f`` is a sum of one
function per input column, and the (interventional) Shapley value of column ``j``
against a background is exactly

    φ_j(x) = Σ_{k from j} w_k · (T_k(x) − mean_background T_k)

— for a bare linear model ``coef_j · (x_j − mean(background_j))``. The attributions
of a one-hot column's indicators sum back to the column. The explained output is
the model's linear term: the prediction of a regressor, the decision function of a
classifier (log-odds for logistic regression).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .models import column_groups, dense

__all__ = ["linear_attributions"]


def linear_attributions(pre: Any, est: Any, X: Any, background: Any) -> dict[str, Any]:
    """Exact attributions ``values`` (n, f, K), the linear term ``outputs`` (n, K)
    and the ``base`` (K,) = the linear term's mean over ``background``.

    Raises
    ------
    NotColumnwise
        The preprocessing mixes columns, or its width does not match ``coef_``.
    """
    from .models import NotColumnwise

    if pre is None:
        Zx = dense(X)
        Zb = dense(background)
        groups = [np.array([j]) for j in range(X.shape[1])]
    else:
        groups = column_groups(pre, X, background)
        Zx = dense(pre.transform(X))
        Zb = dense(pre.transform(background))
    W = np.atleast_2d(np.asarray(est.coef_, dtype=np.float64))  # (K, q)
    b = np.atleast_1d(np.asarray(est.intercept_, dtype=np.float64))
    if W.shape[1] != Zx.shape[1]:
        raise NotColumnwise(
            f"the model has {W.shape[1]} coefficients for {Zx.shape[1]} columns"
        )
    centred = Zx - Zb.mean(axis=0)  # (n, q)
    per_column = centred[:, :, None] * W.T[None, :, :]  # (n, q, K)
    values = np.stack([per_column[:, g, :].sum(axis=1) for g in groups], axis=1)
    outputs = Zx @ W.T + b
    base = Zb.mean(axis=0) @ W.T + b
    return {"values": values, "outputs": outputs, "base": base}
