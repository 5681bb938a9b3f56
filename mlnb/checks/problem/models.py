"""The two simple models :func:`~mlnb.checks.problem.baselines.baselines` adds when
it is given features.

- ``one_feature``: a depth-3 decision tree on the single best feature. The rule:
  each feature gets a depth-3 tree fitted on (at most :data:`SELECTION_ROWS` of) the
  training rows, scored on those same rows by the primary metric (a depth-3 tree
  has at most 8 leaves, so its training score barely flatters it); the best score
  wins, ties go to the earlier column. The winner is refitted on the training rows
  and scored on the test rows. The test rows never take part in the choice.
- ``linear``: the linear pipeline of :mod:`mlnb.checks.modeling` — the same model
  the prototype (step 2) and the diagnosis (step 5) fit: ``LogisticRegression``
  (classification) or ``Ridge`` (regression) after median imputation and scaling of
  numeric columns and one-hot encoding of the others (a missing value is a level of
  its own; at most :data:`~mlnb.checks.modeling.MAX_ONEHOT_CATEGORIES` levels a
  column, unknown levels ignored).

Both fit on at most :data:`MAX_FIT_ROWS` training rows (a random sample with
``random_state``, said in the notes) so they stay quick.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...core import frames
from ...core import metrics as M
from ...errors import DataValidationError, MlnbValueError
from .. import modeling
from . import scoring

__all__ = ["model_baselines", "SELECTION_ROWS", "MAX_FIT_ROWS"]

#: Training rows used to choose the one feature.
SELECTION_ROWS = 50_000
#: Training rows the two models fit on at most.
MAX_FIT_ROWS = 200_000


def _frame(X: Any, name: str, n: int, y_name: str):
    if X is None:
        other = "X_test" if name == "X_train" else "X_train"
        raise MlnbValueError(
            f"{name} is missing: pass both X_train and X_test (the features of the "
            f"rows of y_train and y_test), or neither; {other} was given"
        )
    if not frames.is_table(X):
        arr = np.asarray(X)
        if arr.ndim != 2:
            raise MlnbValueError(
                f"{name} must be a table or a 2-D array (rows × features); got "
                f"{type(X).__name__} of shape {arr.shape}"
            )
        import pandas as pd

        df = pd.DataFrame(arr)
    else:
        df = frames.to_pandas(X, role=name)
    if len(df) != n:
        raise MlnbValueError(
            f"{name} has {len(df):,} rows but {y_name} has {n:,}; pass the features "
            f"of the same rows as {y_name}, in the same order"
        )
    if df.shape[1] == 0:
        raise MlnbValueError(f"{name} has no columns; pass at least one feature")
    return df


def _prepare(Xtr, Xte):
    """Positional copies with plain dtypes: numeric columns as float64, the rest
    as objects with NaN for missing; the names of the columns kept."""
    import pandas as pd

    names_tr = list(Xtr.columns)
    names_te = list(Xte.columns)
    if len(names_tr) != len(names_te) or any(
        not frames.same_name(a, b) for a, b in zip(names_tr, names_te)
    ):
        only_tr = [
            c for c in names_tr if not any(frames.same_name(c, d) for d in names_te)
        ]
        only_te = [
            c for c in names_te if not any(frames.same_name(c, d) for d in names_tr)
        ]
        raise MlnbValueError(
            "X_train and X_test must have the same columns in the same order; only "
            f"in X_train: {frames.describe_names(only_tr) or 'none'}; only in "
            f"X_test: {frames.describe_names(only_te) or 'none'}"
        )
    numeric: list[bool] = []
    out_tr, out_te = {}, {}
    for i in range(len(names_tr)):
        a, b = Xtr.iloc[:, i], Xte.iloc[:, i]
        is_num = _numeric(a) and _numeric(b)
        numeric.append(is_num)
        if is_num:
            out_tr[f"f{i}"] = _to_float(a)
            out_te[f"f{i}"] = _to_float(b)
        else:
            out_tr[f"f{i}"] = _to_object(a)
            out_te[f"f{i}"] = _to_object(b)
    return (
        pd.DataFrame(out_tr),
        pd.DataFrame(out_te),
        names_tr,
        numeric,
    )


def _numeric(s) -> bool:
    import pandas as pd

    return pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype)


def _to_float(s) -> np.ndarray:
    import pandas as pd

    out = pd.to_numeric(s.astype("float64") if s.dtype == bool else s, errors="coerce")
    if hasattr(out, "to_numpy"):
        out = out.to_numpy(dtype=np.float64, na_value=np.nan)
    arr = np.array(out, dtype=np.float64)  # a writable copy
    arr[np.isinf(arr)] = np.nan
    return arr


def _to_object(s) -> np.ndarray:
    arr = s.astype(object).to_numpy()
    import pandas as pd

    missing = pd.isna(arr)
    arr = np.array([str(v) for v in arr], dtype=object)
    arr[missing] = np.nan
    return arr


def _tree(task: str, is_num: bool, random_state: int | None):
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OrdinalEncoder
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    tree = (
        DecisionTreeRegressor(max_depth=3, random_state=random_state)
        if task == "regression"
        else DecisionTreeClassifier(max_depth=3, random_state=random_state)
    )
    if is_num:
        return make_pipeline(
            SimpleImputer(strategy="median", keep_empty_features=True), tree
        )
    enc = OrdinalEncoder(
        handle_unknown="use_encoded_value",
        unknown_value=-1,
        encoded_missing_value=-2,
    )
    return make_pipeline(enc, tree)


def _outputs(model, X, task: str, k: int):
    """(class index per row, probabilities (n, k)) or (predictions, None)."""
    if task == "regression":
        return np.asarray(model.predict(X), dtype=np.float64), None
    proba = np.asarray(model.predict_proba(X), dtype=np.float64)
    classes = (
        model.classes_ if not hasattr(model, "steps") else model.steps[-1][1].classes_
    )
    full = np.zeros((len(proba), k))
    full[:, np.asarray(classes, dtype=np.int64)] = proba
    return full.argmax(axis=1).astype(np.int64), full


def _scores(
    task: str,
    pred: np.ndarray,
    proba: np.ndarray | None,
    c: scoring.Classes | None,
    yte: np.ndarray,
    w: np.ndarray | None,
    wanted: list[str],
    classes: np.ndarray | None,
) -> dict[str, float]:
    if task == "regression":
        out = scoring.regression_scores(yte, pred, w)
    else:
        assert c is not None
        out = scoring.classification_scores(c, task, pred=pred, proba=proba)
    for metric in wanted:
        if metric in out:
            continue
        m = M.get(metric)  # a user-registered metric
        if task == "regression":
            out[metric] = M.compute(metric, yte, pred, sample_weight=w)
            continue
        y_eval = (c.y == c.pos).astype(np.int64) if task == "binary" else yte
        if m.needs in ("score", "prediction"):
            y_out = proba[:, c.pos] if task == "binary" else proba
        elif m.needs == "none":
            y_out = None
        elif task == "binary":
            y_out = (pred == c.pos).astype(np.int64)
        else:
            y_out = np.asarray(classes)[pred]
        out[metric] = M.compute(metric, y_eval, y_out, sample_weight=w)
    return out


def _selection_score(
    task: str, metric: str, hib: bool, y: np.ndarray, pred, proba, k: int, pos
) -> float:
    if task == "regression":
        s = scoring.regression_scores(y, pred, None)
        key = metric if metric in s else "rmse"
        hib = hib if metric in s else False
    else:
        c = scoring.encode_test(y, k, None, pos)
        s = scoring.classification_scores(c, task, pred=pred, proba=proba)
        key = metric if metric in s else scoring.DEFAULT_METRIC[task]
        hib = hib if metric in s else True
    v = s[key]
    if math.isnan(v):
        return -math.inf
    return v if hib else -v


def model_baselines(
    X_train: Any,
    X_test: Any,
    *,
    ytr: np.ndarray,
    n_train: int,
    n_test: int,
    task: str,
    metric: str,
    classes: np.ndarray | None,
    c: scoring.Classes | None,
    yte: np.ndarray | None,
    w_train: np.ndarray | None,
    w_test: np.ndarray | None,
    higher_is_better: bool,
    random_state: int | None,
    wanted: list[str],
    progress: bool = True,
) -> tuple[dict, Any, list[str]]:
    """Scores of ``one_feature`` and ``linear``, the chosen feature's name and
    notes. ``progress`` shows a bar (tqdm, after one second) over the features
    tried and the two final fits."""
    import warnings

    from tqdm.auto import tqdm

    Xtr = _frame(X_train, "X_train", n_train, "y_train")
    Xte = _frame(X_test, "X_test", n_test, "y_test")
    notes: list[str] = []
    rs = np.random.RandomState(random_state)
    rows = np.arange(n_train)
    if n_train > MAX_FIT_ROWS:  # sample before any copy of the features
        rows = np.sort(rs.choice(n_train, MAX_FIT_ROWS, replace=False))
        Xtr = Xtr.iloc[rows]
        notes.append(
            f"the models were fitted on a random {MAX_FIT_ROWS:,} of the "
            f"{n_train:,} training rows"
        )
    Ptr, Pte, names, numeric = _prepare(Xtr, Xte)
    all_missing = [i for i, col in enumerate(Ptr.columns) if Ptr[col].isna().all()]
    if len(all_missing) == Ptr.shape[1]:
        raise DataValidationError(
            f"every feature of X_train is missing in every row "
            f"({frames.describe_names(names)}); the models need at least one "
            "feature with values. Check how the features were read"
        )
    if all_missing:
        dropped = [names[i] for i in all_missing]
        notes.append(f"features missing in every training row, left out: {dropped!r}")
        keep = [c for i, c in enumerate(Ptr.columns) if i not in set(all_missing)]
        numeric = [nm for i, nm in enumerate(numeric) if i not in set(all_missing)]
        names = [nm for i, nm in enumerate(names) if i not in set(all_missing)]
        Ptr, Pte = Ptr[keep], Pte[keep]
    if task == "regression":
        y_fit = ytr.astype(np.float64)[rows]
        k, pos = 0, None
    else:
        k = len(classes)
        from .labels import index_of

        y_fit = index_of(ytr[rows], classes, k)
        pos = c.pos
    m = len(rows)
    everything = np.arange(m)
    sel = (
        everything
        if m <= SELECTION_ROWS
        else np.sort(rs.choice(m, SELECTION_ROWS, replace=False))
    )
    fit_w = None if w_train is None else w_train[rows]
    cols = list(Ptr.columns)
    bar = tqdm(
        total=len(cols) + 2,
        desc="baselines: models",
        unit="fit",
        delay=1.0,
        disable=not progress,
    )
    with warnings.catch_warnings(), bar:
        warnings.simplefilter("ignore")
        best_i, best_v = 0, -math.inf
        for i, col in enumerate(cols):
            bar.update()
            tree = _tree(task, numeric[i], random_state)
            Xi = Ptr[[col]].iloc[sel]
            tree.fit(Xi, y_fit[sel])
            pred, proba = _outputs(tree, Xi, task, k)
            v = _selection_score(
                task, metric, higher_is_better, y_fit[sel], pred, proba, k, pos
            )
            if v > best_v:
                best_i, best_v = i, v
        col = cols[best_i]
        tree = _tree(task, numeric[best_i], random_state)
        step = tree.steps[-1][0]
        tree.fit(
            Ptr[[col]],
            y_fit,
            **({f"{step}__sample_weight": fit_w} if fit_w is not None else {}),
        )
        bar.update()
        pred, proba = _outputs(tree, Pte[[col]], task, k)
        out = {
            "one_feature": _scores(task, pred, proba, c, yte, w_test, wanted, classes)
        }
        linear = modeling.pipeline("linear", Ptr, task=task, random_state=random_state)
        last = linear.steps[-1][0]
        linear.fit(
            Ptr,
            y_fit,
            **({f"{last}__sample_weight": fit_w} if fit_w is not None else {}),
        )
        bar.update()
        pred, proba = _outputs(linear, Pte, task, k)
        out["linear"] = _scores(task, pred, proba, c, yte, w_test, wanted, classes)
    return out, names[best_i], notes
