"""Step 8: never push a bad model — the evaluation gate.

:func:`gate` scores a candidate and (optionally) the current model on the same rows
through :class:`~mlnb.checks.predictor.Predictor`, computes their metrics overall and
per slice with step 6's engine (:func:`mlnb.checks.fairness.sliced.sliced_metrics`,
no second implementation) and judges every threshold overall and on every slice. The
candidate is *blessed* only when every one holds — TFX's Evaluator blessing without
TFX.
"""

from __future__ import annotations

import hashlib
import math
import pickle
import warnings
from typing import Any

import numpy as np

from ...core import frames
from ...core import metrics as M
from ...errors import MlnbError, MlnbValueError, PredictionError
from .result import GateDecision
from .thresholds import OVERALL, ChangeThreshold, as_thresholds, slice_text

__all__ = ["gate", "model_fingerprint", "data_fingerprint"]

_ALL = "__mlnb_gate_all_rows__"


def model_fingerprint(model: Any) -> str:
    """A fingerprint of ``model``: ``sha256:<hex>`` of its pickled bytes, so a later
    promotion can check that a decision is about this very model; for a model that
    cannot be pickled (a lambda, a closure), ``id:<hex>`` of the object with a
    warning (valid only in this session, and only while the object lives)."""
    from ..predictor import Predictor

    m = model.model if isinstance(model, Predictor) else model
    try:
        data = pickle.dumps(m, protocol=4)
    except Exception as exc:  # noqa: BLE001 - any pickling failure
        warnings.warn(
            f"the model cannot be pickled ({type(exc).__name__}: {exc}); its "
            "fingerprint is the object's id, valid only in this session",
            UserWarning,
            stacklevel=3,
        )
        return f"id:{id(m):x}"
    return "sha256:" + hashlib.sha256(data).hexdigest()


def data_fingerprint(frame: Any) -> str | None:
    """A fingerprint of a pandas DataFrame's rows: ``sha256:<hex>`` of its column
    names and :func:`pandas.util.hash_pandas_object` (``index=False``) — cheap and
    deterministic; None when a column holds values pandas cannot hash."""
    import pandas as pd

    try:
        rows = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    except (TypeError, ValueError):
        return None
    h = hashlib.sha256()
    h.update(repr([str(c) for c in frame.columns]).encode())
    h.update(np.ascontiguousarray(rows, dtype="<u8").tobytes())
    return "sha256:" + h.hexdigest()


def gate(
    candidate: Any,
    baseline: Any = None,
    *,
    data: Any,
    label: Any,
    thresholds: Any,
    slices: Any = None,
    threshold: float = 0.5,
    model_type: str | None = None,
    features: Any = None,
    publish: bool = True,
) -> GateDecision:
    """Bless ``candidate`` only if every threshold holds, overall and on every slice.

    Parameters
    ----------
    candidate:
        The model to deploy: a fitted scikit-learn estimator or Pipeline, a Keras
        model, or a function of the feature rows (see
        :class:`~mlnb.checks.predictor.Predictor`).
    baseline:
        The model in service (same kinds), or None. Change thresholds need it.
    data:
        The evaluation rows: a pandas or polars DataFrame, a pyarrow Table or a dict
        of arrays, holding the label, the features and the slice columns.
    label:
        The label column.
    thresholds:
        :class:`~mlnb.checks.deployment.ValueThreshold` /
        :class:`~mlnb.checks.deployment.ChangeThreshold` objects (at least one: a
        gate without thresholds is an error, never a silent pass).
    slices:
        Slice columns, as ``sliced_metrics(slice_by=)``: ``"sex"``, ``["sex",
        "race"]`` (each on its own), ``[("sex", "race")]`` (crossed). Numeric
        columns with many values become quantile bins.
    threshold:
        Decision threshold of binary scores (for threshold metrics: accuracy, F1...).
    model_type:
        ``"classification"`` or ``"regression"`` when a function's output cannot
        tell.
    features:
        The columns given to the models (default: every column but the label).
    publish:
        Record the decision as this session's evidence for step 8.

    Returns
    -------
    GateDecision
        ``.blessed``, ``.to_frame()`` (one row per threshold and slice),
        ``.blocking``, ``.candidate_id``.

    Raises
    ------
    MlnbValueError
        No thresholds; a change threshold without a baseline; a metric that does not
        fit the task; a threshold's ``slice`` that the data does not have; the two
        models disagree on the task or the classes.
    PredictionError
        A model failed to predict (the message names ``candidate`` or ``baseline``).

    Notes
    -----
    A metric that cannot be computed on a slice (ROC AUC on a slice with one class)
    is reported in its row as ``status="not evaluated"`` with ``passed=False``, and
    the candidate is not blessed: an unjudged threshold is never a pass. Restrict
    such a threshold with ``slice=`` or choose a metric defined there.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> from mlnb.checks.deployment import ValueThreshold
    >>> X = pd.DataFrame({"a": np.arange(40.0)})
    >>> df = X.assign(y=(X.a > 19).astype(int))
    >>> m = LogisticRegression().fit(X, df.y)
    >>> d = gate(m, data=df, label="y", thresholds=[ValueThreshold("accuracy",
    ...          lower=0.9)], publish=False)
    >>> d.blessed, d.status
    (True, 'pass')
    """
    from ..fairness.sliced import sliced_metrics
    from ..predictor import Predictor

    ths = as_thresholds(thresholds)
    if baseline is None:
        change = [t for t in ths if isinstance(t, ChangeThreshold)]
        if change:
            raise MlnbValueError(
                f"thresholds: {change[0].describe()} compares with a baseline, but "
                "baseline is None; pass the model in service as baseline=, or use "
                "ValueThreshold only (a change cannot be judged without a baseline)"
            )
    if not frames.is_table(data):
        raise MlnbValueError(
            "data must be a table (pandas or polars DataFrame, pyarrow Table or dict "
            f"of arrays) holding the label, the features and the slices; got "
            f"{type(data).__name__}"
        )
    df = frames.to_pandas(data)
    frames.get_column(df, label, role="label")
    names = frames.column_names(df)
    if features is None:
        feats = [c for c in names if not frames.same_name(c, label)]
    else:
        feats = list(features) if isinstance(features, (list, tuple)) else [features]
        for c in feats:
            frames.get_column(df, c, role="features")
    if not feats:
        raise MlnbValueError(
            "data has no feature columns besides the label; pass the rows the models "
            "predict from"
        )
    if len(df) == 0:
        raise MlnbValueError("data is empty: the gate needs rows to evaluate on")
    X = df.loc[:, feats] if features is not None else df.drop(columns=[label])

    cand = Predictor.of(candidate, model_type=model_type, argument="candidate")
    base = (
        None
        if baseline is None
        else Predictor.of(baseline, model_type=model_type, argument="baseline")
    )
    s_cand = cand.scores(X)
    s_base = None
    if base is not None:
        try:
            s_base = base.scores(X)
        except MlnbError as exc:
            raise PredictionError(
                f"baseline could not predict on data: {exc}. The baseline must accept "
                "the same feature columns as the candidate; retrain it or pass "
                "features= the columns both use"
            ) from exc
        _check_same_kind(cand, base, s_cand, s_base)

    task = _task(cand, s_cand)
    metrics = list(dict.fromkeys(t.metric for t in ths))
    for m in metrics:
        if task not in M.get(m).tasks:
            fits = list(M.goals(task))
            raise MlnbValueError(
                f"thresholds: {m!r} is not a metric of a {task} model; use one of "
                f"{', '.join(fits)}"
            )

    frame = df.copy(deep=False)  # a new column only: no copy of the data
    frame[_ALL] = "all"
    slice_by = slices if slices is not None else [_ALL]

    def run(p: Any, s: np.ndarray):
        kw: dict[str, Any] = {}
        if task == "regression":
            kw["prediction"] = s
        else:
            kw["score"] = s
            kw["threshold"] = threshold
            if task == "multiclass" and p.classes is not None:
                kw["classes"] = list(p.classes)
            if task == "binary" and p.positive_label is not None:
                kw["positive_label"] = p.positive_label
        goal = next((m for m in metrics if M.get(m).higher_is_better is not None), None)
        return sliced_metrics(
            frame,
            label=label,
            slice_by=slice_by,
            metrics=metrics,
            goal_metric=goal,
            task=task,
            publish=False,
            **kw,
        )

    r_cand = run(cand, s_cand)
    r_base = None if base is None else run(base, s_base)
    decision = GateDecision.build(
        thresholds=ths,
        candidate=r_cand,
        baseline=r_base,
        only_overall=slices is None,
        task=task,
        threshold=threshold if task == "binary" else None,
        candidate_id=model_fingerprint(candidate),
        baseline_id=None if baseline is None else model_fingerprint(baseline),
        slice_text=slice_text,
        overall=OVERALL,
        data_id=data_fingerprint(df),
    )
    if publish:
        decision.publish()
    return decision


def _task(p: Any, s: np.ndarray) -> str:
    if p.kind == "regression":
        return "regression"
    return "multiclass" if s.ndim == 2 and s.shape[1] > 2 else "binary"


def _check_same_kind(cand: Any, base: Any, s_cand: np.ndarray, s_base: np.ndarray):
    if cand.kind != base.kind or s_cand.shape[1:] != s_base.shape[1:]:
        raise MlnbValueError(
            f"baseline predicts {base.kind} ({_shape(s_base)}) but candidate predicts "
            f"{cand.kind} ({_shape(s_cand)}); the gate compares two models of the same "
            "task: pass the model in service as baseline"
        )
    if (
        cand.classes is not None
        and base.classes is not None
        and tuple(cand.classes) != tuple(base.classes)
    ):
        raise MlnbValueError(
            f"baseline's classes {list(base.classes)} differ from candidate's "
            f"{list(cand.classes)}; both must be trained on the same labels"
        )


def _shape(s: np.ndarray) -> str:
    return "one value per row" if s.ndim == 1 else f"{s.shape[1]} columns per row"


def _finite(x: Any) -> float:
    try:
        f = float(x)
    except (TypeError, ValueError):
        return math.nan
    return f
