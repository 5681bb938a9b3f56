"""Step 2: a quick, honest first model — :func:`prototype`."""

from __future__ import annotations

import math
import sys
import time
from typing import Any

import numpy as np

from ...checklist.result import judge
from ...core import frames
from ...core import metrics as M
from ...core.labels import MAX_CLASSES_INFERRED, infer_task
from ...errors import DataValidationError, MissingDependencyError, MlnbValueError
from . import findings as F
from . import split as S
from .result import PrototypeResult

__all__ = ["prototype", "MODEL_KINDS", "COMPANIONS", "MAX_CLASSES"]

#: The model kinds :func:`prototype` fits (``"keras"`` needs TensorFlow).
MODEL_KINDS = ("linear", "boosted", "forest", "knn", "dummy", "keras")
#: The usual metrics of each task: the first is the primary one when neither a goal
#: nor ``metric=`` chooses; the rest are companions reported alongside.
COMPANIONS = {
    "binary": ("roc_auc", "average_precision", "log_loss", "accuracy", "f1"),
    "multiclass": ("accuracy", "macro_f1", "roc_auc_ovr"),
    "regression": ("rmse", "mae"),
}
#: A numeric label with more distinct values than this (or non-integer values)
#: is a regression target when ``task`` is not given.
MAX_CLASSES = MAX_CLASSES_INFERRED


# -- reading the arguments -------------------------------------------------------------


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _check_options(models, random_state, publish, progress) -> tuple[str, ...]:
    if isinstance(models, str):
        models = (models,)
    if not isinstance(models, (tuple, list)) or not models:
        raise MlnbValueError(
            f"models must be a non-empty tuple of model kinds such as "
            f"('linear', 'boosted'); the kinds are {', '.join(MODEL_KINDS)}; got "
            f"{models!r}"
        )
    for m in models:
        if not (isinstance(m, str) and m in MODEL_KINDS):
            raise MlnbValueError(
                f"unknown model kind {m!r} in models; the kinds are "
                f"{', '.join(map(repr, MODEL_KINDS))}"
            )
    if not (random_state is None or (_is_int(random_state) and random_state >= 0)):
        raise MlnbValueError(
            f"random_state must be None or an int >= 0; got {random_state!r}"
        )
    if not isinstance(publish, (bool, np.bool_)):
        raise MlnbValueError(f"publish must be True or False; got {publish!r}")
    if progress is not None and not isinstance(progress, (bool, np.bool_)):
        raise MlnbValueError(
            f"progress must be None (on in a notebook), True or False; got {progress!r}"
        )
    return tuple(dict.fromkeys(models))


def _position(frame: Any, name: Any, role: str) -> int:
    frames.get_column(frame, name, role=role)  # raises with the column list
    return next(i for i, c in enumerate(frame.columns) if frames.same_name(c, name))


def _feature_positions(
    frame: Any, features: Any, label_pos: int, excluded: list[int]
) -> list[int]:
    names = list(frame.columns)
    if features is None:
        return [i for i in range(len(names)) if i != label_pos and i not in excluded]
    if frames.is_column_name(frame, features) and not isinstance(features, tuple):
        features = [features]
    if isinstance(features, tuple) and features and frames.has_column(frame, features):
        features = [features]
    try:
        items = list(features)
    except TypeError:
        raise MlnbValueError(
            f"features must be a list of column names; got {type(features).__name__}"
        ) from None
    if not items:
        raise MlnbValueError(
            "features is empty; pass at least one column name, or features=None for "
            "every column but the label"
        )
    unknown = [f for f in items if not frames.has_column(frame, f)]
    if unknown:
        shown = ", ".join(repr(u) for u in unknown[:5])
        raise MlnbValueError(
            f"features has columns that are not in the data ({shown}); the columns "
            f"are: {frames.describe_names(names)}"
        )
    out = []
    for f in items:
        pos = _position(frame, f, "feature")
        if pos == label_pos:
            raise MlnbValueError(
                f"the label column {f!r} is in features; a model given its own label "
                "scores perfectly and learns nothing. Remove it from features."
            )
        if pos not in out:
            out.append(pos)
    return sorted(out)


def _check_unique(frame: Any, positions: list[int]) -> None:
    """Every used column's name is unique in the table."""
    names = list(frame.columns)
    for pos in positions:
        same = sum(frames.same_name(c, names[pos]) for c in names)
        if same > 1:
            raise DataValidationError(
                f"column {names[pos]!r} appears {same} times in the data; rename the "
                "duplicates (e.g. df.columns = [...]) so each name is unique"
            )


def _infer_task(values: Any, name: Any) -> str:
    """The task the label implies, by the rule every check uses
    (:func:`mlnb.core.labels.infer_task`); ``values`` hold no missing value."""
    import pandas as pd

    s = pd.Series(values, copy=False)
    dtype = s.dtype
    if pd.api.types.is_bool_dtype(dtype) and hasattr(dtype, "numpy_dtype"):
        arr = s.to_numpy(dtype=bool)
    elif pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        arr = s.to_numpy(dtype=np.float64)
    elif pd.api.types.is_bool_dtype(dtype):
        arr = s.to_numpy()
    else:
        arr = s.to_numpy(dtype=object)
    return infer_task(arr, name=f"label column {name!r} values")[0]


def _read_label(values: Any, name: Any, task: Any, positive_label: Any):
    """``(task, y as int codes or floats, classes, positive_label)``."""
    import pandas as pd

    from ...core.labels import _raise_missing, as_1d, binary_mask, class_counts

    what = f"label column {name!r}"
    s = pd.Series(values, copy=False)
    missing = s.isna().to_numpy()
    if missing.any():
        raise DataValidationError(
            f"{what} has {int(missing.sum()):,} missing values (the first at row "
            f"{int(np.flatnonzero(missing)[0]):,}); a model needs a known label on "
            f"every row. Drop those rows first: df.dropna(subset=[{name!r}])"
        )
    if task is None:
        task = _infer_task(values, name)
        if task == "multiclass" and positive_label is not None:
            task = "binary"
    elif not (isinstance(task, str) and task in M.TASKS):
        raise MlnbValueError(
            f"task must be None (inferred from the label) or one of "
            f"{', '.join(map(repr, M.TASKS))}; got {task!r}"
        )
    if task == "regression":
        if not pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(
            s.dtype
        ):
            raise DataValidationError(
                f"{what} is not numeric (dtype {s.dtype}); a regression label must be "
                "numbers. Pass task='binary' or 'multiclass' for classes."
            )
        y = s.to_numpy(dtype=np.float64, na_value=np.nan)
        if not np.all(np.isfinite(y)):
            raise DataValidationError(
                f"{what} has infinite values; a regression label must be finite"
            )
        if np.unique(y).size < 2:
            raise DataValidationError(
                f"{what} has a single value ({y[0]!r}); there is nothing to predict"
            )
        return task, y, (), None
    arr = as_1d(values, name=what)
    _raise_missing(arr, what)
    if task == "binary":
        cc = class_counts(arr, name=what, max_classes=10**6)
        if len(cc.labels) < 2:
            raise DataValidationError(
                f"{what} has a single class ({cc.labels[0]!r}); a classifier needs at "
                "least two. Check the label column or the sample you took."
            )
        if len(cc.labels) > 2 and positive_label is None:
            raise MlnbValueError(
                f"{what} has {len(cc.labels)} classes but task='binary'; pass "
                f"positive_label=… (one of {cc.labels[:10]!r}) to predict one class "
                "against the rest, or task='multiclass'"
            )
        mask, pos, neg = binary_mask(arr, positive_label=positive_label, name=what)
        return task, mask.astype(np.int64), (neg, pos), pos
    cc = class_counts(arr, name=what)
    classes = list(cc.labels)
    if len(classes) < 2:
        raise DataValidationError(
            f"{what} has a single class ({classes[0]!r}); a classifier needs at least "
            "two. Check the label column or the sample you took."
        )
    if len(classes) == 2:
        raise MlnbValueError(
            f"{what} has 2 classes; pass task='binary' (with positive_label=… for "
            "labels other than 0/1 or booleans) or task=None"
        )
    codes = pd.Categorical(s.to_numpy(), categories=classes).codes.astype(np.int64)
    return task, codes, tuple(classes), None


def _goal_positive_label(goal: Any, labels: Any, task: Any) -> Any:
    """The positive class of ``goal`` (the session's, read once per call), when it
    is a binary goal, ``task`` allows it and the label column holds that value."""
    if goal is None or goal.positive_label is None or goal.task != "binary":
        return None
    if task not in (None, "binary"):
        return None
    try:
        present = bool((labels == goal.positive_label).any())
    except (TypeError, ValueError):
        return None
    return goal.positive_label if present else None


def _metrics(task: str, metric: Any, goal: Any) -> tuple[str, ...]:
    """The primary metric (``metric``, else the metric of ``goal`` when it is for
    ``task``, else the task's usual one) and its companions."""
    if metric is None and goal is not None and goal.task == task:
        metric = goal.metric
    primary = metric
    if primary is None:
        return COMPANIONS[task]
    m = M.get(primary)
    if task not in m.tasks:
        raise MlnbValueError(
            f"metric {primary!r} is for {', '.join(m.tasks)} tasks but this label is "
            f"{task}; pick one of {', '.join(M.goals(task))}"
        )
    if not m.judges:
        raise MlnbValueError(
            f"metric {primary!r} describes data and cannot rank models; pick one of "
            f"{', '.join(M.goals(task))}"
        )
    return tuple(dict.fromkeys((primary, *COMPANIONS[task])))


# -- models ----------------------------------------------------------------------------


def _build(kind: str, X: Any, task: str, random_state: Any) -> Any:
    from .. import modeling

    if kind == "keras":
        from ..adapters import adapter

        return adapter("keras", "dense_pipeline")(
            X, task=task, random_state=random_state
        )
    return modeling.pipeline(kind, X, task=task, random_state=random_state)


def _check_keras(kinds: tuple[str, ...]) -> None:
    if "keras" not in kinds:
        return
    import importlib.util

    if importlib.util.find_spec("tensorflow") is None:
        raise MissingDependencyError(
            "tensorflow", "tensorflow", "the 'keras' prototype model"
        )


def _outputs(pipe: Any, X: Any, task: str, k: int) -> np.ndarray:
    """Probabilities of each class (classification, ``k`` columns in class-code
    order) or predictions (regression)."""
    if task == "regression":
        return np.asarray(pipe.predict(X), dtype=np.float64)
    proba = np.asarray(pipe.predict_proba(X), dtype=np.float64)
    classes = np.asarray(pipe.classes_).astype(np.int64)
    full = np.zeros((proba.shape[0], k))
    full[:, classes] = proba
    return full


def _score_all(
    names: tuple[str, ...], task: str, y: np.ndarray, out: np.ndarray
) -> dict[str, float]:
    scores = {}
    for name in names:
        m = M.get(name)
        if task == "binary":
            value = out[:, 1] if out.ndim == 2 else out
        elif task == "multiclass" and m.needs == "threshold":
            value = np.argmax(out, axis=1) if out.ndim == 2 else out
        else:
            value = out
        scores[name] = M.compute(name, y, value)
    return scores


def _baselines(
    task: str,
    names: tuple[str, ...],
    y_train: np.ndarray,
    y_test: np.ndarray,
    random_state: Any,
) -> list[dict]:
    """The trivial baselines' scores on the test rows, from step 1's
    :func:`mlnb.baselines` (labels as the codes the models were fitted on)."""
    from ..problem import baselines

    result = baselines(
        y_train,
        y_test,
        task=task,
        metric=names[0],
        positive_label=1 if task == "binary" else None,
        random_state=random_state,
        publish=False,
    )
    return [
        {"name": name, "metric": m, "score": float(per[m])}
        for name, per in result.scores.items()
        if result.kinds[name] == "trivial"
        for m in names
    ]


def _best(rows: list[dict], key: str, metric: str, higher: bool):
    best_name, best = None, math.nan
    for r in rows:
        if r["metric"] != metric or math.isnan(r["score"]):
            continue
        if math.isnan(best) or (r["score"] > best if higher else r["score"] < best):
            best_name, best = r[key], r["score"]
    return best_name, best


def _linear_weights(pipe: Any, positions: list[int], numeric, categorical) -> dict:
    """Sum of |coefficients| per original column of a fitted linear pipeline."""
    est = pipe.named_steps["model"]
    coef = np.abs(np.atleast_2d(np.asarray(est.coef_, dtype=np.float64))).mean(axis=0)
    columns = pipe.named_steps["preprocess"].named_steps["columns"]
    widths = [1] * len(numeric)
    if categorical:
        enc = columns.named_transformers_["categorical"].steps[-1][1]
        keys = [f"§{j}§" for j in range(len(categorical))]
        out_names = enc.get_feature_names_out(keys)
        widths += [sum(n.startswith(key + "_") for n in out_names) for key in keys]
    order = list(numeric) + list(categorical)
    weights, start = {}, 0
    for pos, w in zip(order, widths):
        weights[pos] = float(coef[start : start + w].sum())
        start += w
    return weights


def _interactive() -> bool:
    return "ipykernel" in sys.modules or bool(getattr(sys.stderr, "isatty", bool)())


# -- the check -------------------------------------------------------------------------


def prototype(
    data: Any,
    *,
    label: Any,
    features: Any = None,
    time_column: Any = None,
    group_column: Any = None,
    task: str | None = None,
    models: Any = ("linear", "boosted"),
    test_size: float = 0.2,
    positive_label: Any = None,
    metric: str | None = None,
    random_state: int | None = 0,
    conditions: Any = None,
    progress: bool | None = None,
    publish: bool = True,
) -> PrototypeResult:
    """A quick, honest first model: a leakage-aware holdout, two scikit-learn
    pipelines, their scores against trivial baselines, and the classic findings.

    Parameters
    ----------
    data:
        A table: pandas or polars DataFrame, pyarrow Table, dict of arrays.
    label:
        The label column (any hashable name).
    features:
        Feature columns (default: every column but the label, the time and group
        columns and a detected repeating id).
    time_column:
        Split by time: the latest ``test_size`` of rows are the test set (see
        :mod:`mlnb.checks.prototype.split` for ties). Datetimes, numbers or date
        strings.
    group_column:
        Split by group: no group on both sides. Without it (and without
        ``time_column``), a column that reads as a repeating id is used (the rule
        is in :mod:`mlnb.checks.prototype.split`); otherwise the split is
        stratified (classification) or shuffled (regression).
    task:
        ``"binary"``, ``"multiclass"`` or ``"regression"``; inferred when None:
        numbers with more than :data:`MAX_CLASSES` values or fractions are a
        regression target, anything else classes (binary with two classes, or
        with ``positive_label`` given).
    models:
        Model kinds to fit, in order: ``"linear"``, ``"boosted"``, ``"forest"``,
        ``"knn"``, ``"dummy"`` (:mod:`mlnb.checks.modeling`) and ``"keras"`` (a
        small dense network; needs ``pip install "mlnb[tensorflow]"``).
    test_size:
        Share of rows held out (0 < test_size < 1).
    positive_label:
        The positive class of a binary label (needed for labels other than 0/1 or
        booleans); with more classes it predicts this class against the rest.
        Default: the positive class of a binary goal set with :func:`mlnb.goal`,
        when the label column holds it.
    metric:
        The primary metric (a name of :mod:`mlnb.core.metrics` for the task).
        Default: the goal's metric when :func:`mlnb.goal` set one for this task,
        else ROC AUC (binary), accuracy (multiclass) or RMSE (regression), as
        :func:`mlnb.baselines`. Its usual companions are reported too.
    random_state:
        Seed of the split and the models.
    conditions:
        :class:`mlnb.Condition` rules replacing the defaults; they read the values
        of :data:`~mlnb.checks.prototype.result.CONDITION_VALUES`.
    progress:
        Show a progress bar over the models (None: when running in a notebook or
        a terminal).
    publish:
        Record the result as this session's evidence for step 2.

    Returns
    -------
    PrototypeResult
        ``.to_frame()`` (one row per model or baseline and metric),
        ``.findings``, ``.top_features``, ``.split``, ``.models``, ``.plot()``.

    Status
    ------
    The worst of the conditions. The defaults
    (:attr:`PrototypeResult.DEFAULT_CONDITIONS`): ``leakage_findings <= 0``
    (fail: a feature alone predicts the label almost perfectly and far better
    than every other), ``lift_over_baseline > 0`` (warn: the best model does not
    beat the best trivial baseline), ``duplicate_share <= 0.01`` (warn: more than
    1% of test rows also appear in training) and ``interrupted <= 0`` (warn).

    Interrupting
    ------------
    A ``KeyboardInterrupt`` while a model fits keeps the models fitted before it:
    the result is marked ``partial=True`` and the ``interrupted`` condition warns.
    An interruption before the first model finishes is raised again.

    Top features and findings
    -------------------------
    Each feature's strength is measured alone, by a one-feature model fitted on
    the training rows and scored on the test rows (binned target means; no
    permutation of the full data), next to the linear model's coefficients. The
    findings and their bounds are documented in
    :mod:`mlnb.checks.prototype.findings`.

    Raises
    ------
    MlnbValueError
        Unknown columns (the message lists at most 20), the label among the
        features, an unknown model kind, task or metric, a bad ``test_size``.
    DataValidationError
        Missing labels, a label with one class, features that are all missing, a
        time column that does not parse, a group column with one group, too few
        rows for the split.
    MissingDependencyError
        ``"keras"`` asked for without TensorFlow.

    Examples
    --------
    >>> import mlnb
    >>> df = mlnb.datasets.make_transactions(2_000)
    >>> r = mlnb.prototype(df, label="is_fraud", publish=False)  # doctest: +SKIP
    >>> r.to_frame().query("metric == 'roc_auc'")  # doctest: +SKIP
    """
    kinds = _check_options(models, random_state, publish, progress)
    test_size = S.check_test_size(test_size)
    frame = frames.to_pandas(data, role="data")
    label_pos = _position(frame, label, "label")
    label_name = frame.columns[label_pos]
    time_pos = group_pos = None
    if time_column is not None and group_column is not None:
        raise MlnbValueError(
            "pass time_column= or group_column=, not both: a time split already "
            "keeps the future out of training; to also keep groups apart, split "
            "yourself and use mlnb.baselines()"
        )
    if time_column is not None:
        time_pos = _position(frame, time_column, "time_column")
    if group_column is not None:
        group_pos = _position(frame, group_column, "group_column")
    for pos, role in ((time_pos, "time_column"), (group_pos, "group_column")):
        if pos == label_pos:
            raise MlnbValueError(
                f"{role} names the label column {label_name!r}; pass another column"
            )
    excluded = [p for p in (time_pos, group_pos) if p is not None]
    detected = None
    if time_pos is None and group_pos is None:
        candidates = [i for i in range(frame.shape[1]) if i != label_pos]
        detected = S.find_repeating_id(frame, candidates)
        if detected is not None and features is None:
            excluded.append(detected)
    positions = _feature_positions(frame, features, label_pos, excluded)
    if not positions:
        raise MlnbValueError(
            "no feature columns are left besides the label, time and group columns; "
            "pass features=[...]"
        )
    names = [frame.columns[p] for p in positions]
    _check_unique(frame, [*positions, label_pos])
    X = frame.iloc[:, positions]
    if bool(X.isna().all(axis=0).all()):
        raise DataValidationError(
            f"every feature is missing on every row ({frames.describe_names(names)}); "
            "there is nothing to learn from. Check how the data was read."
        )
    from ..problem import current_goal

    goal = current_goal()  # read once: a goal set meanwhile does not mix in
    if positive_label is None:
        positive_label = _goal_positive_label(goal, frame.iloc[:, label_pos], task)
    task, y, classes, positive = _read_label(
        frame.iloc[:, label_pos], label_name, task, positive_label
    )
    metric_names = _metrics(task, metric, goal)
    primary = metric_names[0]
    higher = bool(M.get(primary).higher_is_better)
    _check_keras(kinds)
    n = len(frame)
    if n < S.MIN_ROWS:
        raise DataValidationError(
            f"data has {n} rows; prototype() needs at least {S.MIN_ROWS} to hold "
            f"out a test set of test_size={test_size:g}. Pass more rows."
        )

    # the split
    if time_pos is not None:
        times = S.parse_times(frame.iloc[:, time_pos], name=frame.columns[time_pos])
        split = S.time_split(times, test_size=test_size, column=frame.columns[time_pos])
    elif group_pos is not None or detected is not None:
        gpos = group_pos if group_pos is not None else detected
        split = S.group_split(
            frame.iloc[:, gpos],
            test_size=test_size,
            random_state=random_state,
            column=frame.columns[gpos],
            detected=group_pos is None,
        )
    else:
        split = S.random_split(
            y if task != "regression" else None,
            n,
            test_size=test_size,
            random_state=random_state,
        )
    train, test = split.train, split.test
    k = len(classes)
    if task != "regression" and len(np.unique(y[train])) < 2:
        raise DataValidationError(
            f"the {split.kind} split leaves a single class of label {label_name!r} in "
            "training; a classifier needs two. Use more rows, another test_size, or "
            "another split column."
        )
    X_train, X_test = X.iloc[train], X.iloc[test]
    y_train, y_test = y[train], y[test]

    # the models
    from tqdm.auto import tqdm

    show = _interactive() if progress is None else bool(progress)
    fitted: dict[str, Any] = {}
    fit_seconds: dict[str, float] = {}
    outputs: dict[str, np.ndarray] = {}
    partial = False
    bar = tqdm(kinds, desc="prototype", unit="model", disable=not show, leave=False)
    try:
        for kind in bar:
            bar.set_postfix_str(kind)
            pipe = _build(kind, X, task, random_state)
            t0 = time.perf_counter()
            pipe.fit(X_train, y_train)
            fit_seconds[kind] = time.perf_counter() - t0
            outputs[kind] = _outputs(pipe, X_test, task, k)
            fitted[kind] = pipe
    except KeyboardInterrupt:
        if not fitted:
            raise
        partial = True
    finally:
        bar.close()
    scores = []
    for kind in fitted:
        for name, value in _score_all(
            metric_names, task, y_test, outputs[kind]
        ).items():
            scores.append({"model": kind, "metric": name, "score": value})
    baseline_rows = _baselines(task, metric_names, y_train, y_test, random_state)
    best_model, best_score = _best(scores, "model", primary, higher)
    base_name, base_score = _best(baseline_rows, "name", primary, higher)
    lift = (best_score - base_score) if higher else (base_score - best_score)
    relative = lift / abs(base_score) if base_score else math.nan

    # the findings
    codes = F.feature_codes(frame, positions, train)
    skills = [
        F.single_feature_skill(c, y, train, test, task=task, n_classes=max(k, 2))
        for c in codes
    ]
    rows = F.column_findings(frame, positions)
    rows += F.leakage(names, skills, task=task, label_name=label_name, n_test=len(test))
    n_dup, dup_rows = F.duplicates(frame.iloc[:, [*positions, label_pos]], train, test)
    rows += dup_rows
    odd = {
        r["column"]
        for r in rows
        if r["kind"] in ("id_like", "constant")
        or (r["kind"] == "heavy_missing" and r["severity"] == "high")
    }
    comparable = [p for p, nm in zip(positions, names) if not _in(nm, odd)]
    mism = F.mismatch(frame, comparable, train, test)
    rows += mism
    if task != "regression":
        rows += F.missing_classes(list(classes), y, train, test)
    rows = F.sort_findings(rows, names)

    weights: dict[int, float] = {}
    if "linear" in fitted:
        from .. import modeling

        numeric, categorical = modeling.column_kinds(X)
        local = _linear_weights(fitted["linear"], positions, numeric, categorical)
        weights = {positions[i]: w for i, w in local.items()}
    order = sorted(
        range(len(positions)),
        key=lambda i: (-(skills[i] if not math.isnan(skills[i]) else -1.0), i),
    )
    top = tuple(
        {
            "feature": names[i],
            "skill": skills[i],
            "linear_weight": weights.get(positions[i], math.nan),
        }
        for i in order
    )

    # conditions and summary
    leaks = [
        r for r in rows if r["kind"] == "target_leakage" and r["severity"] == "high"
    ]
    values = {
        "best_score": best_score,
        "best_baseline": base_score,
        "lift_over_baseline": lift,
        "relative_lift": relative,
        "leakage_findings": len(leaks),
        "high_findings": sum(r["severity"] == "high" for r in rows),
        "n_findings": len(rows),
        "duplicate_share": n_dup / len(test),
        "mismatched_features": len(mism),
        "n_train": len(train),
        "n_test": len(test),
        "n_models": len(fitted),
        "interrupted": int(partial),
        "fit_seconds": float(sum(fit_seconds.values())),
    }
    if goal is not None and (goal.task != task or goal.metric != primary):
        goal = None  # compared with the target only on the goal's own metric
    values["goal_target"] = goal.target if goal is not None else math.nan
    values["goal_margin"] = -goal.margin(best_score) if goal is not None else math.nan
    status, outcomes = judge(
        conditions,
        values,
        defaults=PrototypeResult.DEFAULT_CONDITIONS,
        check="prototype",
    )
    summary = _summary(
        best_model,
        best_score,
        base_name,
        base_score,
        lift,
        primary,
        split,
        rows,
        partial,
        len(fitted),
        len(kinds),
    )
    if goal is not None and not math.isnan(best_score):
        verb = "reaches" if goal.beats(best_score) else "does not reach yet"
        summary += f"; {verb} the goal's target {_fmt(goal.target)}"
    split_info = split.to_dict()
    if "cut_value" in split_info:
        split_info["cut_value"] = _cut_value(split_info["cut_value"], frame, time_pos)
    result = PrototypeResult(
        step="prototype",
        status=status,
        summary=summary,
        outcomes=outcomes,
        condition_values=values,
        task=task,
        label_name=label_name,
        features=tuple(names),
        metric=primary,
        metrics=metric_names,
        higher_is_better=higher,
        positive_label=positive,
        classes=tuple(_py(c) for c in classes),
        split=split_info,
        scores=tuple(scores),
        fit_seconds=fit_seconds,
        baseline_scores=tuple(baseline_rows),
        best_model=best_model,
        best_score=best_score,
        best_baseline_name=base_name,
        best_baseline=base_score,
        lift_over_baseline=lift,
        finding_rows=tuple(rows),
        top_feature_rows=top,
        models_requested=kinds,
        partial=partial,
        models=fitted,
        train_rows=train,
        test_rows=test,
    )
    return result.publish() if publish else result


def _in(name: Any, names: set) -> bool:
    return any(frames.same_name(name, n) for n in names)


def _py(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def _cut_value(value: Any, frame: Any, time_pos: Any) -> Any:
    """The time at the cut as the column holds it (a timestamp string for times)."""
    import pandas as pd

    col = frame.iloc[:, time_pos]
    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(
        col.dtype
    ):
        return float(value)
    return pd.Timestamp(int(value)).isoformat()


def _fmt(x: float) -> str:
    return "–" if x is None or math.isnan(x) else f"{x:.3f}"


def _summary(
    best_model,
    best_score,
    base_name,
    base_score,
    lift,
    metric,
    split,
    rows,
    partial,
    n_fitted,
    n_asked,
) -> str:
    label = M.get(metric).label or metric
    head = "" if not partial else f"interrupted after {n_fitted} of {n_asked} models; "
    text = (
        f"{head}{best_model} scores {label} {_fmt(best_score)} on "
        f"{split.n_test:,} held-out rows ({split.kind} split)"
    )
    if not math.isnan(base_score):
        sign = "+" if lift >= 0 else "−"
        text += (
            f", {sign}{abs(lift):.3f} over the best trivial baseline ({base_name} "
            f"{_fmt(base_score)})"
        )
    serious = [r for r in rows if r["severity"] in ("high", "medium")]
    high = [r for r in rows if r["severity"] == "high"]
    if high:
        first = high[0]
        what = (
            f"{first['column']!r} ({first['kind'].replace('_', ' ')})"
            if first["column"] is not None
            else first["kind"].replace("_", " ")
        )
        text += f"; {len(high)} high-severity finding{'s' if len(high) > 1 else ''}: "
        text += what
    elif serious:
        text += f"; {len(serious)} finding{'s' if len(serious) > 1 else ''} to check"
    else:
        text += "; no findings of concern"
    return text
