"""``mlnb.explain``: global and per-row feature attributions (step 7)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from ...checklist.result import judge
from ...core import frames
from ...errors import DataValidationError, MlnbValueError
from ..adapters import adapter
from . import models as M
from .linear import linear_attributions
from .result import EXACT_TOLERANCE, METHODS, Explanation
from .sampling import sampled_shapley

__all__ = ["explain"]

_NAMES = {
    "linear": "exact linear attributions",
    "tree": "TreeSHAP (shap, interventional)",
    "sampling": "sampled Shapley values",
    "gradients": "integrated gradients",
}


class _Fallback(Exception):
    """The chosen exact path cannot handle this model; the message says why."""


def _as_frame(data: Any, argument: str):
    import pandas as pd

    if isinstance(data, np.ndarray):
        if data.ndim != 2:
            raise MlnbValueError(
                f"{argument} must be a table (pandas, polars, pyarrow, dict) or a 2-D "
                f"array of feature rows; got an array of shape {data.shape}"
            )
        return pd.DataFrame(data)
    if not frames.is_table(data):
        raise MlnbValueError(
            f"{argument} must be a table of feature rows (pandas, polars, pyarrow, "
            f"dict of columns) or a 2-D numpy array; got {type(data).__name__}"
        )
    return frames.to_pandas(data, role=argument)


def _handles_missing(model: Any) -> bool:
    """Whether the model is given raw rows it may complete itself: a Pipeline (its
    preprocessing imputes), a model that splits on missing values natively, or a
    plain function (the function decides; a failure surfaces as its own error)."""
    name = type(model).__name__
    if name == "Pipeline" or name.startswith("HistGradientBoosting"):
        return True
    return not any(
        callable(getattr(model, m, None))
        for m in ("predict", "predict_proba", "decision_function")
    )


def _check_values(frame: Any, argument: str, *, missing_ok: bool = False) -> None:
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise MlnbValueError(
            f"{argument} is empty ({frame.shape[0]} rows, {frame.shape[1]} columns); "
            "pass the feature rows to explain"
        )
    nulls = frame.isna().any(axis=0).to_numpy()
    if nulls.any() and not missing_ok:
        bad = [frame.columns[j] for j in np.flatnonzero(nulls)]
        raise DataValidationError(
            f"{argument} has missing values (NaN/None) in column(s) "
            f"{frames.describe_names(bad)}; attributions need complete rows — impute "
            "them (e.g. with the model's own imputer), pass a Pipeline that imputes, "
            "or drop those rows first"
        )


def _align_background(background: Any, X: Any, *, missing_ok: bool = False) -> Any:
    bg = _as_frame(background, "background")
    cols = list(X.columns)
    have = list(bg.columns)
    missing = [c for c in cols if not any(frames.same_name(c, h) for h in have)]
    extra = [h for h in have if not any(frames.same_name(c, h) for c in cols)]
    if missing or extra:
        raise MlnbValueError(
            "background must have the columns of X; "
            + (f"missing {frames.describe_names(missing)}; " if missing else "")
            + (f"unexpected {frames.describe_names(extra)}; " if extra else "")
            + f"X has {frames.describe_names(cols)} — pass rows of the same table "
            "(e.g. a sample of the training data)"
        )
    pos = [next(k for k, h in enumerate(have) if frames.same_name(c, h)) for c in cols]
    bg = bg.iloc[:, pos]
    bg.columns = X.columns
    _check_values(bg, "background", missing_ok=missing_ok)
    return bg.reset_index(drop=True)


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value (so ``repr`` reads ``1``, not
    ``np.int64(1)``)."""
    return value.item() if isinstance(value, np.generic) else value


def _pos_label(classes: Any) -> str:
    return f"class {_plain(classes[-1])!r}" if classes else "the positive class"


def _check_method(method: Any) -> str:
    if method == "auto" or (isinstance(method, str) and method in METHODS):
        return method
    raise MlnbValueError(
        f"method must be 'auto' or one of {', '.join(map(repr, METHODS))}; got "
        f"{method!r}"
    )


def _check_int(value: Any, argument: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise MlnbValueError(
            f"{argument} must be an integer ≥ {minimum}; got {value!r}"
        )
    if value < minimum:
        raise MlnbValueError(f"{argument} must be ≥ {minimum}; got {value}")
    return int(value)


# -- the exact paths ---------------------------------------------------------------


def _linear(model: Any, predictor: Any, X: Any, bg: Any) -> dict[str, Any]:
    pre, est = M.split_pipeline(model)
    try:
        out = linear_attributions(pre, est, X, bg)
    except M.NotColumnwise as exc:
        raise _Fallback(str(exc)) from None
    except (ValueError, TypeError) as exc:  # a column the arithmetic cannot read
        raise _Fallback(f"the linear model's inputs could not be read: {exc}") from None
    classes = tuple(getattr(est, "classes_", ())) or None
    K = out["outputs"].shape[1]
    classifier = classes is not None
    # the exact path must reproduce the model's own output
    if K == 1:
        got = np.asarray(predictor.scores(X), dtype=np.float64)
        mine = out["outputs"][:, 0]
        if classifier and M.is_logistic(est):
            mine = 1.0 / (1.0 + np.exp(-mine))
            ok = np.allclose(mine, got, rtol=1e-6, atol=1e-9)
        elif classifier and predictor.probabilistic:
            ok = True  # another link than the logistic one: not checked
        else:  # a regressor's prediction, a classifier's decision function
            ok = np.allclose(mine, got, rtol=1e-6, atol=1e-9)
        if not ok:
            raise _Fallback(
                "the pipeline's linear term does not reproduce the model's output"
            )
    if not classifier:
        output = "the predicted value"
    elif M.is_logistic(est):
        output = (
            f"log-odds of {_pos_label(classes)} (the decision function)"
            if K == 1
            else "log-odds (decision function) of each row's predicted class"
        )
    else:
        output = (
            f"decision function (margin) toward {_pos_label(classes)}"
            if K == 1
            else "decision function of each row's predicted class"
        )
    out.update(output=output, classes=classes, model_rows=len(X))
    return out


def _tree(model: Any, predictor: Any, X: Any, bg: Any) -> dict[str, Any]:
    pre, est = M.split_pipeline(model)
    if pre is not None:
        try:
            groups = M.column_groups(pre, X, bg)
        except M.NotColumnwise as exc:
            raise _Fallback(str(exc)) from None
        if any(len(g) > 1 for g in groups):
            wide = [X.columns[j] for j, g in enumerate(groups) if len(g) > 1]
            raise _Fallback(
                f"the preprocessing spreads {frames.describe_names(wide)} over several "
                "columns (TreeSHAP on them would not sum to Shapley values of the "
                "original columns)"
            )
        Zx, Zb = M.dense(pre.transform(X)), M.dense(pre.transform(bg))
    else:
        groups = [np.array([j]) for j in range(X.shape[1])]
        try:
            Zx, Zb = M.dense(X), M.dense(bg)
        except (ValueError, TypeError) as exc:
            raise _Fallback(f"the columns are not all numeric ({exc})") from None
    classes = tuple(getattr(est, "classes_", ())) or None
    tree_shap = adapter("shap", "tree_shap")
    try:
        res = tree_shap(est, Zx, Zb, classifier=classes is not None)
    except ImportError:
        raise
    except Exception as exc:  # shap cannot read this model
        raise _Fallback(
            f"shap could not read the model ({type(exc).__name__}: {exc})"
        ) from None
    v = res["values"]
    values = np.stack(
        [
            v[:, g, :].sum(axis=1) if len(g) else np.zeros(v[:, 0, :].shape)
            for g in groups
        ],
        axis=1,
    )
    outputs = np.asarray(predictor.scores(X), dtype=np.float64)
    outputs = outputs[:, None] if outputs.ndim == 1 else outputs
    if outputs.shape[1] != values.shape[2]:
        raise _Fallback("shap's outputs do not match the model's")
    if classes is None:
        output = "the predicted value"
    elif values.shape[2] == 1:
        output = f"probability of {_pos_label(classes)}"
    else:
        output = "probability of each row's predicted class"
    return {
        "values": values,
        "outputs": outputs,
        "base": res["base"],
        "output": output,
        "classes": classes,
        "model_rows": len(X),
    }


def _check_tree_adds_up(res: dict[str, Any]) -> None:
    """Raise :class:`_Fallback` when shap's values miss the model's own output
    (shap 0.51's interventional mode misreads some models, e.g. scikit-learn's
    HistGradientBoosting): ``"auto"`` then samples instead of reporting wrong
    numbers."""
    gap = np.abs(res["values"].sum(axis=1) + res["base"][None, :] - res["outputs"])
    scale = max(float(np.max(np.abs(res["outputs"]))), 1e-300)
    if float(gap.max()) > EXACT_TOLERANCE * scale:
        raise _Fallback(
            f"shap's TreeSHAP values miss the model's own output by up to "
            f"{float(gap.max()):.2g} (shap misreads this model)"
        )


def _gradients(model, predictor, X, bg, *, steps, integral, progress):
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    if not all(is_numeric_dtype(t) or is_bool_dtype(t) for t in X.dtypes):
        raise _Fallback("integrated gradients need numeric columns")
    ig = adapter("gradients", "integrated_gradients")
    Xn = X.to_numpy(dtype=np.float64)
    baseline = bg.to_numpy(dtype=np.float64).mean(axis=0)
    probe = ig(model, Xn[:1], baseline, steps=1)
    K = probe["outputs"].shape[1]
    units = [1] if K == 2 else None  # a two-unit softmax: the positive unit
    res = ig(
        model,
        Xn,
        baseline,
        steps=steps,
        rule=integral,
        outputs=units,
        progress=progress,
    )
    if predictor.kind is None:  # a Keras model says its task on its first call
        predictor.scores(X.iloc[: min(len(X), 256)])
    classification = predictor.kind == "classification" or K > 1
    classes = predictor.classes
    if not classification:
        output = "the model's output (the predicted value)"
    elif res["values"].shape[2] == 1:
        output = f"the model's output unit for {_pos_label(classes)} (probability)"
    else:
        output = "the model's output unit of each row's predicted class"
    return {
        "values": res["values"],
        "outputs": res["outputs"],
        "base": res["base"],
        "output": output,
        "classes": classes,
        "model_rows": len(X) * (steps + 1),
    }


# -- the check ---------------------------------------------------------------------


def explain(
    model: Any,
    X: Any,
    *,
    method: str = "auto",
    background: Any = None,
    random_state: int | None = 0,
    n_permutations: int = 64,
    max_rows: int = 1_000,
    max_background: int = 100,
    steps: int = 50,
    integral: str = "trapezoid",
    model_type: str | None = None,
    progress: bool = True,
    conditions: Any = None,
    publish: bool = True,
) -> Explanation:
    """Global importance and per-row feature attributions of a model (step 7).

    The method fits the model (``method="auto"``):

    - a linear model (scikit-learn ``linear_model``, alone or after column-wise
      preprocessing) → **exact** attributions ``coef · (x − mean(background))`` of
      its linear term (log-odds for logistic regression), the indicators of a
      one-hot column summed back onto the column;
    - a tree ensemble (scikit-learn forests and boosting, XGBoost, LightGBM) →
      **TreeSHAP** through ``shap`` (``pip install "mlnb[shap]"``), interventional,
      in probability space for classifiers;
    - a Keras model → **integrated gradients** from the background's mean;
    - anything else (any predict function, a pipeline that mixes columns) →
      **sampled Shapley values** on the original columns.

    When the exact path cannot handle a model (a transformer that mixes columns,
    shap missing or unable to read the model), ``"auto"`` falls back to sampled
    Shapley values and says why in ``method_reason``.

    Parameters
    ----------
    model:
        A fitted scikit-learn estimator or pipeline, a Keras model, or a function
        taking a pandas DataFrame of feature rows and returning scores.
    X:
        The rows to explain (pandas, polars, pyarrow, a dict of columns, or a 2-D
        array), with the model's input columns; any hashable column names.
    method:
        ``"auto"``, ``"linear"``, ``"tree"``, ``"sampling"`` or ``"gradients"``.
    background:
        Reference rows with X's columns (default: up to ``max_background`` rows
        sampled from X). Attributions explain ``f(x)`` against the mean output
        over these rows (integrated gradients: against the output at their mean).
    random_state:
        Seed of the row, background and permutation sampling.
    n_permutations:
        Sampled Shapley: permutations per row (rounded up to an even number: each
        is paired with its reverse).
    max_rows:
        Explain at most this many rows: above it, a random sample (said in the
        summary; ``row_labels`` names them).
    max_background:
        Size of the default background.
    steps, integral:
        Integrated gradients: Riemann intervals and rule (``"trapezoid"``,
        ``"left"``, ``"right"``, ``"midpoint"``).
    model_type:
        ``"classification"`` or ``"regression"`` for a plain function whose
        output cannot tell (values in [0, 1] read as probabilities otherwise).
    progress:
        Show a progress bar (tqdm) for the sampled and gradient methods. An
        interrupt (``KeyboardInterrupt``) during sampling returns the
        permutations finished so far, marked ``partial``.
    conditions:
        Replace the default conditions (:attr:`Explanation.DEFAULT_CONDITIONS`).
    publish:
        Record the result as step 7's newest ``explain`` evidence.

    Returns
    -------
    Explanation

    Raises
    ------
    MlnbValueError
        An unfitted model, an unknown method or one that does not fit the model,
        an empty X, a background with other columns.
    DataValidationError
        Missing values in X or the background.
    MissingDependencyError
        ``method="tree"`` without shap installed.
    PredictionError
        The model's predictions failed or are invalid.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LinearRegression
    >>> X = pd.DataFrame({"a": [0.0, 1, 2, 3], "b": [1.0, 0, 1, 0]})
    >>> model = LinearRegression().fit(X, 2 * X["a"] - X["b"])
    >>> e = explain(model, X, publish=False, progress=False)
    >>> e.method, [round(float(v), 6) for v in e.values[0]]
    ('linear', [-3.0, -0.5])
    """
    from ..predictor import Predictor

    t0 = time.perf_counter()
    method = _check_method(method)
    n_permutations = _check_int(n_permutations, "n_permutations", 2)
    max_rows = _check_int(max_rows, "max_rows", 1)
    max_background = _check_int(max_background, "max_background", 1)
    steps = _check_int(steps, "steps", 1)
    if integral not in ("trapezoid", "left", "right", "midpoint"):
        raise MlnbValueError(
            "integral must be 'trapezoid', 'left', 'right' or 'midpoint'; got "
            f"{integral!r}"
        )
    Xf = _as_frame(X, "X")
    missing_ok = _handles_missing(model)
    _check_values(Xf, "X", missing_ok=missing_ok)
    predictor = Predictor.of(model, model_type=model_type, argument="model")
    rng = np.random.default_rng(random_state)
    n_total = len(Xf)
    if n_total > max_rows:
        picked = np.sort(rng.choice(n_total, max_rows, replace=False))
    else:
        picked = np.arange(n_total)
    row_labels = tuple(Xf.index[picked])
    rows = Xf.iloc[picked].reset_index(drop=True)
    if background is None:
        k = min(max_background, n_total)
        bg = Xf.iloc[np.sort(rng.choice(n_total, k, replace=False))]
        bg = bg.reset_index(drop=True)
    else:
        bg = _align_background(background, Xf, missing_ok=missing_ok)

    pre, est = M.split_pipeline(model)
    kinds = {
        "linear": M.is_linear(est),
        "tree": M.is_tree_ensemble(est),
        "gradients": M.is_keras(model),
    }
    if method == "auto":
        chosen = next((k for k, ok in kinds.items() if ok), "sampling")
        reason = {
            "linear": f"a linear model ({type(est).__name__}): exact attributions",
            "tree": f"a tree ensemble ({type(est).__name__}): TreeSHAP",
            "gradients": "a Keras model: integrated gradients",
            "sampling": f"no exact method for {type(est).__name__}: sampled Shapley",
        }[chosen]
    else:
        if method != "sampling" and not kinds[method]:
            fits = next((k for k, ok in kinds.items() if ok), "sampling")
            raise MlnbValueError(
                f"method={method!r} needs "
                + {
                    "linear": "a scikit-learn linear model",
                    "tree": "a tree ensemble (forest, boosting, tree)",
                    "gradients": "a Keras model",
                }[method]
                + f"; model is a {type(est).__name__} — use method={fits!r} or "
                "method='auto'"
            )
        chosen, reason = method, f"method={method!r} was asked for"
    if chosen == "tree" and method == "auto":
        try:
            adapter("shap", "shap_module")()
        except ImportError:
            chosen = "sampling"
            reason += (
                ' — but shap is not installed (pip install "mlnb[shap]"), so '
                "sampled Shapley"
            )

    result = None
    if chosen in ("linear", "tree", "gradients"):
        try:
            if chosen == "linear":
                result = _linear(model, predictor, rows, bg)
            elif chosen == "tree":
                result = _tree(model, predictor, rows, bg)
                if method == "auto":
                    _check_tree_adds_up(result)
            else:
                result = _gradients(
                    model,
                    predictor,
                    rows,
                    bg,
                    steps=steps,
                    integral=integral,
                    progress=progress,
                )
        except _Fallback as exc:
            if method != "auto":
                raise MlnbValueError(
                    f"method={method!r} cannot explain this model: {exc}; use "
                    "method='sampling' (or 'auto', which falls back to it)"
                ) from None
            reason += f" — but {exc}, so sampled Shapley on the original columns"
            chosen = "sampling"
    standard_errors = None
    partial = False
    n_used = None
    if chosen == "sampling":
        res = sampled_shapley(
            predictor.scores,
            rows,
            bg,
            n_permutations=n_permutations,
            rng=rng,
            progress=progress,
        )
        classes = predictor.classes if predictor.kind == "classification" else None
        K = res["outputs"].shape[1]
        score = "probability" if predictor.probabilistic else "decision function"
        if classes is None:
            output = "the predicted value"
        elif K == 1:
            output = f"{score} of {_pos_label(classes)}"
        else:
            output = f"{score} of each row's predicted class"
        result = {
            **res,
            "output": output,
            "classes": classes,
            "model_rows": res["evaluated_rows"],
        }
        standard_errors = res["standard_errors"]
        partial = res["partial"]
        n_used = res["n_permutations"]

    return _finish(
        result,
        chosen=chosen,
        reason=reason,
        rows=rows,
        row_labels=row_labels,
        n_total=n_total,
        bg=bg,
        standard_errors=standard_errors,
        partial=partial,
        n_permutations=n_used,
        steps=steps if chosen == "gradients" else None,
        conditions=conditions,
        publish=publish,
        seconds=time.perf_counter() - t0,
    )


def _nanmax(a: Any) -> float:
    """The largest non-NaN value (NaN when there is none, e.g. one permutation
    pair gives no standard error)."""
    if a is None:
        return np.nan
    a = np.asarray(a, dtype=np.float64)
    ok = ~np.isnan(a)
    return float(a[ok].max()) if ok.any() else np.nan


def _se_share(se: Any, imp_se: Any, top_imp: float) -> float:
    """The largest importance standard error over the top importance: NaN for exact
    methods, infinite when sampling gave no standard error (one permutation pair),
    0 when every attribution is 0."""
    if se is None:
        return np.nan
    worst = _nanmax(imp_se)
    if np.isnan(worst):
        return np.inf
    return worst / top_imp if top_imp > 0 else 0.0


def _finish(
    res,
    *,
    chosen,
    reason,
    rows,
    row_labels,
    n_total,
    bg,
    standard_errors,
    partial,
    n_permutations,
    steps,
    conditions,
    publish,
    seconds,
):
    v = np.asarray(res["values"], dtype=np.float64)  # (n, f, K)
    out = np.asarray(res["outputs"], dtype=np.float64)  # (n, K)
    base = np.atleast_1d(np.asarray(res["base"], dtype=np.float64))  # (K,)
    n, f, K = v.shape
    classes = res.get("classes")
    if K == 1:
        values = v[:, :, 0]
        outputs = out[:, 0]
        base_values = np.full(n, base[0])
        base_value: Any = float(base[0])
        se = None if standard_errors is None else standard_errors[:, :, 0]
        explained = None
        all_class = None
    else:
        pred = np.argmax(out, axis=1)
        ar = np.arange(n)
        values = v[ar, :, pred]
        outputs = out[ar, pred]
        base_values = base[pred]
        labels = (
            [_plain(c) for c in classes]
            if classes and len(classes) == K
            else list(range(K))
        )
        base_value = {labels[k]: float(base[k]) for k in range(K)}
        se = None if standard_errors is None else standard_errors[ar, :, pred]
        explained = tuple(labels[k] for k in pred)
        all_class = v
        classes = tuple(labels)
    gap = np.abs(values.sum(axis=1) - (outputs - base_values))
    additivity_error = float(gap.max()) if n else 0.0
    scale = max(
        float(np.max(np.abs(outputs - base_values))),
        float(np.max(np.abs(outputs))),
        1e-300,
    )
    exact = chosen in ("linear", "tree")
    importance = np.abs(values).mean(axis=0)
    mean_attr = values.mean(axis=0)
    if se is not None:
        imp_se = np.sqrt((se**2).sum(axis=0)) / n
    else:
        imp_se = np.full(f, np.nan)
    names = list(rows.columns)
    order = sorted(range(f), key=lambda j: (-importance[j], str(names[j]), j))
    importance_rows = tuple(
        {
            "feature": names[j],
            "importance": float(importance[j]),
            "mean_attribution": float(mean_attr[j]),
            "standard_error": float(imp_se[j]),
        }
        for j in order
    )
    top_imp = float(importance.max()) if f else 0.0
    values_for_conditions = {
        "additivity_error": additivity_error,
        "exact_additivity_share": additivity_error / scale if exact else np.nan,
        "completeness_share": (
            additivity_error / max(float(np.max(np.abs(outputs - base_values))), 1e-12)
            if chosen == "gradients"
            else np.nan
        ),
        "max_standard_error": _nanmax(se),
        "importance_standard_error_share": _se_share(se, imp_se, top_imp),
        "interrupted": int(partial),
        "sampled_rows": int(n < n_total),
        "n_rows": n,
        "n_features": f,
    }
    status, outcomes = judge(
        conditions,
        values_for_conditions,
        defaults=Explanation.DEFAULT_CONDITIONS,
        check=Explanation.check,
    )
    top = ", ".join(
        f"{r['feature']} ({r['importance']:.3g})" for r in importance_rows[:3]
    )
    what = (
        f"{n:,} rows"
        if n == n_total
        else (f"a random sample of {n:,} of {n_total:,} rows")
    )
    if chosen == "sampling":
        quality = (
            f"standard error ≤ {values_for_conditions['max_standard_error']:.2g} per "
            f"attribution ({n_permutations} permutations"
            + (", interrupted" if partial else "")
            + ")"
        )
    elif chosen == "gradients":
        quality = (
            f"completeness error {additivity_error:.2g} "
            f"({values_for_conditions['completeness_share']:.1%})"
        )
    else:
        quality = f"attributions add up (max error {additivity_error:.2g})"
    summary = (
        f"{_NAMES[chosen]} of {what}, explaining {res['output']}: top features "
        f"{top}; {quality}"
    )
    result = Explanation(
        step="explainability",
        status=status,
        summary=summary,
        outcomes=outcomes,
        condition_values=values_for_conditions,
        method=chosen,
        method_name=_NAMES[chosen],
        method_reason=reason,
        output=res["output"],
        feature_names=tuple(names),
        base_value=base_value,
        additivity_error=additivity_error,
        guaranteed_additive=chosen != "gradients",
        max_standard_error=values_for_conditions["max_standard_error"],
        n_rows=n,
        n_rows_total=n_total,
        sampled_rows=n < n_total,
        n_background=len(bg),
        n_permutations=n_permutations,
        steps=steps,
        classes=tuple(_plain(c) for c in classes) if classes else None,
        partial=partial,
        importance_rows=importance_rows,
        model_rows=int(res.get("model_rows", n)),
        seconds=seconds,
        values=values,
        base_values=base_values,
        outputs=outputs,
        standard_errors=se,
        all_class_values=all_class,
        explained_classes=explained,
        rows=rows,
        row_labels=row_labels,
    )
    if publish:
        result.publish()
    return result
