"""The classic prototype discoveries, found cheaply and without fitting a model.

Every finding is a row ``(column, kind, severity, sentence, value)``; severities are
``"high"``, ``"medium"`` and ``"low"``. The kinds and their rules:

``target_leakage``
    Each feature alone predicts the label through a one-feature model fitted on
    the training rows and scored on the test rows: numeric features are cut at up
    to :data:`N_BINS` training quantiles (missing values get their own bin),
    categorical ones keep their categories (a category seen once in training
    joins a "rare" bin), and each bin predicts the training rows' label mean (or
    class counts), smoothed toward the overall rate. Its *skill* on the test rows
    is ``2·AUC − 1`` (binary ROC AUC), the R² (regression, at least 0) or Cohen's
    kappa against always predicting the training majority (multiclass).
    A feature is a **high**-severity leak when its skill is at least
    :data:`LEAK_SKILL` (ROC AUC ≥ 0.95) *and* it is far stronger than every other
    feature: the error it leaves (``1 − skill``) is at most :data:`LEAK_GAP` of the
    error the strongest feature below the bound leaves (several near-perfect
    features that all stand out this way are each high: leaks often come in
    pairs, such as an amount and its date). Near-perfect but not far stronger
    (every feature near-perfect: an easy task) is **medium**; a single feature
    near-perfect is high. With fewer than :data:`LEAK_MIN_TEST_ROWS` test rows a
    leak is at most **medium** (the scores of small holdouts are too noisy to fail
    on: Iris's petal sizes are near-perfect on its 30 test rows).
    A name that suggests the value is known only after the outcome
    (:data:`AFTER_OUTCOME_WORDS`, or the label's own name inside it) is weak
    evidence: **low** on its own, **medium** when that feature is also the
    strongest by the same margin with a skill of at least 0.5.
``duplicate_rows``
    Test rows whose features and label also appear on a training row (rows
    hashed with :func:`pandas.util.hash_pandas_object`): **medium** when more than
    :data:`DUPLICATE_SHARE` of the test rows, else **low**.
``id_like``
    An integer or string column with a distinct value on at least
    :data:`ID_UNIQUE_SHARE` of its rows (**medium**: a model can only memorise it).
``constant``
    A single value on every row (missing counts as a value) (**low**).
``heavy_missing``
    More than :data:`HEAVY_MISSING_SHARE` of the rows missing, ±inf counted as
    missing (**medium**; **high** when every row is missing).
``train_test_mismatch``
    A feature whose training and test distributions differ by more than
    :data:`MISMATCH_DISTANCE` under step 9's distances (:func:`mlnb.drift`, the
    Vertex preset: Jensen-Shannon for numeric, L-infinity for categorical
    features), computed when the test set has at least :data:`MISMATCH_MIN_ROWS`
    rows (smaller samples make the distances noisy), for the features not already
    reported as id-like, constant or entirely missing: **medium**.
``missing_class``
    A class of the label that has rows in training but none in test, or the other
    way round (**medium**: the holdout cannot score it).
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

__all__ = [
    "N_BINS",
    "LEAK_SKILL",
    "LEAK_GAP",
    "LEAK_MIN_TEST_ROWS",
    "DUPLICATE_SHARE",
    "ID_UNIQUE_SHARE",
    "HEAVY_MISSING_SHARE",
    "MISMATCH_DISTANCE",
    "MISMATCH_MIN_ROWS",
    "AFTER_OUTCOME_WORDS",
    "SEVERITIES",
    "KINDS",
    "feature_codes",
    "single_feature_skill",
    "leakage",
    "duplicates",
    "column_findings",
    "mismatch",
    "missing_classes",
    "sort_findings",
]

#: Numeric features are cut at up to this many training quantiles.
N_BINS = 64
#: A single feature with at least this skill (ROC AUC 0.95) is near-perfect.
LEAK_SKILL = 0.9
#: ... and far stronger when it leaves at most this share of the error the
#: strongest feature below :data:`LEAK_SKILL` leaves (a third).
LEAK_GAP = 1 / 3
#: A high-severity leak needs at least this many test rows: on fewer, an easy task's
#: best feature reaches near-perfect scores by chance too often (medium instead).
LEAK_MIN_TEST_ROWS = 200
#: More than this share of test rows duplicated in training is a medium finding.
DUPLICATE_SHARE = 0.01
#: An integer or string column with a distinct value on this share of rows is id-like.
ID_UNIQUE_SHARE = 0.95
#: More than this share of missing values is heavy missingness.
HEAVY_MISSING_SHARE = 0.5
#: Train/test distance (Jensen-Shannon or L-infinity) above which a feature differs.
MISMATCH_DISTANCE = 0.1
#: The train/test comparison needs at least this many test rows.
MISMATCH_MIN_ROWS = 500
#: Words in a column name that suggest a value recorded after the outcome.
AFTER_OUTCOME_WORDS = frozenset(
    {
        "outcome",
        "result",
        "results",
        "refund",
        "refunded",
        "chargeback",
        "chargebacks",
        "approved",
        "approval",
        "denied",
        "settled",
        "settlement",
        "resolved",
        "resolution",
        "closed",
        "cancelled",
        "canceled",
        "cancellation",
        "churned",
        "returned",
        "discharge",
        "discharged",
        "death",
        "died",
        "deceased",
        "diagnosis",
        "diagnosed",
        "converted",
        "conversion",
        "responded",
        "final",
        "future",
        "after",
        "post",
        "target",
        "label",
    }
)
SEVERITIES = ("high", "medium", "low")
KINDS = (
    "target_leakage",
    "duplicate_rows",
    "id_like",
    "constant",
    "heavy_missing",
    "train_test_mismatch",
    "missing_class",
)
_SMOOTHING = 10.0  # rows of the overall rate mixed into each bin's estimate
_QUANTILE_SAMPLE = 50_000  # training rows the quantiles are computed from


def _row(column: Any, kind: str, severity: str, sentence: str, value: float) -> dict:
    return {
        "column": column,
        "kind": kind,
        "severity": severity,
        "sentence": sentence,
        "value": float(value),
    }


# -- one-feature models ----------------------------------------------------------------


def _numeric_codes(values: np.ndarray, train: np.ndarray) -> np.ndarray:
    tr = values[train]
    tr = tr[np.isfinite(tr)]
    if len(tr) > _QUANTILE_SAMPLE:
        tr = tr[np.random.RandomState(0).choice(len(tr), _QUANTILE_SAMPLE, False)]
    if len(tr):
        edges = np.unique(np.quantile(tr, np.linspace(0, 1, N_BINS + 1)[1:-1]))
    else:
        edges = np.empty(0)
    codes = np.searchsorted(edges, values, side="right").astype(np.int64)
    codes[~np.isfinite(values)] = len(edges) + 1  # missing (and ±inf) bin
    return codes


def feature_codes(frame: Any, positions: list[int], train: np.ndarray) -> list:
    """One int64 code array per feature (all rows): bins for numeric features
    (cut on the training rows), categories for the others; codes seen on fewer
    than two training rows share one "rare" code."""
    import pandas as pd

    from ..modeling import _float_column, _is_numeric_dtype

    out = []
    for pos in positions:
        col = frame.iloc[:, pos]
        if _is_numeric_dtype(col.dtype):
            codes = _numeric_codes(_float_column(col), train)
        else:
            codes, _ = pd.factorize(col, use_na_sentinel=False)
            codes = codes.astype(np.int64)
        m = int(codes.max()) + 1 if len(codes) else 1
        seen = np.bincount(codes[train], minlength=m)
        rare = seen < 2
        if rare.any():
            keep = np.flatnonzero(~rare)
            remap = np.full(m, len(keep), dtype=np.int64)
            remap[keep] = np.arange(len(keep))
            codes = remap[codes]
        out.append(codes)
    return out


def _auc(scores: np.ndarray, y: np.ndarray) -> float:
    """ROC AUC of ``scores`` for the 0/1 label ``y`` (ties count one half)."""
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        return math.nan
    _, inv = np.unique(scores, return_inverse=True)
    pos = np.bincount(inv, weights=y, minlength=inv.max() + 1)
    tot = np.bincount(inv, minlength=inv.max() + 1)
    neg = tot - pos
    neg_below = np.cumsum(neg) - neg
    return float((pos * (neg_below + 0.5 * neg)).sum() / (n_pos * n_neg))


def single_feature_skill(
    codes: np.ndarray,
    y: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    *,
    task: str,
    n_classes: int = 2,
) -> float:
    """Skill on the test rows of the one-feature model over ``codes`` fitted on the
    training rows (see the module docstring): ``2·AUC − 1``, R² or kappa, at
    least 0; NaN when undefined (one class in test, constant label)."""
    m = int(codes.max()) + 1 if len(codes) else 1
    ctr, cte = codes[train], codes[test]
    ytr, yte = y[train], y[test]
    counts = np.bincount(ctr, minlength=m).astype(np.float64)
    if task == "multiclass":
        k = n_classes
        table = np.bincount(ctr * k + ytr, minlength=m * k).reshape(m, k)
        prior = np.bincount(ytr, minlength=k) / len(ytr)
        pred = np.argmax(table + _SMOOTHING * prior, axis=1)[cte]
        base = float(np.mean(yte == int(np.argmax(prior))))
        acc = float(np.mean(pred == yte))
        if base >= 1.0:
            return math.nan
        return max(0.0, (acc - base) / (1.0 - base))
    yf = ytr.astype(np.float64)
    prior = float(yf.mean())
    sums = np.bincount(ctr, weights=yf, minlength=m)
    enc = (sums + _SMOOTHING * prior) / (counts + _SMOOTHING)
    pred = enc[cte]
    if task == "binary":
        auc = _auc(pred, yte.astype(np.float64))
        return math.nan if math.isnan(auc) else max(0.0, 2.0 * auc - 1.0)
    yt = yte.astype(np.float64)
    sst = float(((yt - yt.mean()) ** 2).sum())
    if sst <= 0:
        return math.nan
    return max(0.0, 1.0 - float(((yt - pred) ** 2).sum()) / sst)


def _words(name: Any) -> set[str]:
    text = " ".join(map(str, name)) if isinstance(name, tuple) else str(name)
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
    return {w for w in re.split(r"[^A-Za-z]+", text.lower()) if w}


def _name_hint(name: Any, label_name: Any) -> str:
    words = _words(name)
    hit = sorted(words & AFTER_OUTCOME_WORDS)
    if hit:
        return f"its name has {hit[0]!r}"
    label_words = {w for w in _words(label_name) if len(w) >= 3} - {"is", "has"}
    same = sorted(words & label_words)
    if same and label_name is not None:
        return f"its name has the label's word {same[0]!r}"
    return ""


def _skill_words(task: str, skill: float) -> str:
    if task == "binary":
        return f"ROC AUC {(skill + 1) / 2:.3f} on the test rows"
    if task == "regression":
        return f"R² {skill:.3f} on the test rows"
    return f"kappa {skill:.3f} over always predicting the majority on the test rows"


def leakage(
    names: list[Any],
    skills: list[float],
    *,
    task: str,
    label_name: Any,
    n_test: int = LEAK_MIN_TEST_ROWS,
) -> list[dict]:
    """``target_leakage`` findings from the single-feature skills (``n_test``: the
    test rows they were scored on)."""
    enough = n_test >= LEAK_MIN_TEST_ROWS
    s = np.array([(-1.0 if math.isnan(x) else x) for x in skills])
    near = s >= LEAK_SKILL
    below = s[~near & (s >= 0)]
    reference = float(below.max()) if len(below) else math.nan
    out = []
    for i, (name, skill, is_near) in enumerate(zip(names, s, near)):
        if skill < 0:
            continue
        if math.isnan(reference):  # every feature near-perfect: none stands out
            far = len(names) == 1
            reference_text = 1.0
        else:
            far = (1.0 - skill) <= LEAK_GAP * (1.0 - reference)
            reference_text = reference
        others = np.delete(s, i)
        strongest = not len(others) or skill > others.max()
        hint = _name_hint(name, label_name)
        alone = _skill_words(task, float(skill))
        if is_near and far and not enough:
            out.append(
                _row(
                    name,
                    "target_leakage",
                    "medium",
                    f"{name!r} alone predicts the label almost perfectly ({alone}), "
                    f"far better than the other features, but on only {n_test:,} "
                    "test rows: check that its value is known before the outcome",
                    skill,
                )
            )
        elif is_near and far:
            out.append(
                _row(
                    name,
                    "target_leakage",
                    "high",
                    f"{name!r} alone predicts the label almost perfectly ({alone}; "
                    f"the strongest honest-looking feature's skill is "
                    f"{reference_text:.2f}): "
                    "check that its value is known before the outcome; if it is "
                    "recorded later, drop it",
                    skill,
                )
            )
        elif is_near:
            out.append(
                _row(
                    name,
                    "target_leakage",
                    "medium",
                    f"{name!r} alone predicts the label almost perfectly ({alone}), "
                    "as do other features: the task may be easy, or several columns "
                    "leak; check when each is recorded",
                    skill,
                )
            )
        elif hint and skill >= 0.5 and strongest and far:
            out.append(
                _row(
                    name,
                    "target_leakage",
                    "medium",
                    f"{name!r} is by far the strongest feature ({alone}) and {hint}, "
                    "which suggests it is known only after the outcome; check when "
                    "it is recorded",
                    skill,
                )
            )
        elif hint:
            out.append(
                _row(
                    name,
                    "target_leakage",
                    "low",
                    f"{hint}, which may mean it is recorded after the outcome (weak "
                    f"evidence: a name says nothing certain; {alone})",
                    skill,
                )
            )
    return out


# -- rows and columns ------------------------------------------------------------------


def duplicates(frame: Any, train: np.ndarray, test: np.ndarray) -> tuple[int, list]:
    """Test rows whose values (features and label) also appear in training, and
    the finding (if any)."""
    import pandas as pd

    if frame.shape[1] == 0:
        return 0, []
    hashed = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    dup = np.isin(hashed[test], hashed[train])
    k = int(dup.sum())
    if not k:
        return 0, []
    share = k / len(test)
    severity = "medium" if share > DUPLICATE_SHARE else "low"
    return k, [
        _row(
            None,
            "duplicate_rows",
            severity,
            f"{k:,} of {len(test):,} test rows ({share:.1%}) also appear in training "
            "with the same features and label; the holdout score counts them as "
            "seen. Drop duplicates before splitting (df.drop_duplicates()) or split "
            "by the entity they belong to (group_column=)",
            share,
        )
    ]


def _missing(col: Any) -> np.ndarray:
    """Missing values of a column; ±inf counts as missing in numeric columns."""
    from ..modeling import _float_column, _is_numeric_dtype

    if _is_numeric_dtype(col.dtype):
        return np.isnan(_float_column(col))
    return col.isna().to_numpy()


def column_findings(frame: Any, positions: list[int]) -> list[dict]:
    """``constant``, ``heavy_missing`` and ``id_like`` findings of the features."""
    import pandas as pd

    n = len(frame)
    out = []
    for pos in positions:
        name = frame.columns[pos]
        col = frame.iloc[:, pos]
        missing = int(_missing(col).sum())
        if missing == n:
            out.append(
                _row(
                    name,
                    "heavy_missing",
                    "high",
                    f"{name!r} is missing on every row; drop it",
                    1.0,
                )
            )
            continue
        n_unique = int(col.nunique(dropna=False))
        if n_unique <= 1:
            out.append(
                _row(
                    name,
                    "constant",
                    "low",
                    f"{name!r} has one value on every row; it carries no "
                    "information, drop it",
                    1.0,
                )
            )
            continue
        if missing > HEAVY_MISSING_SHARE * n:
            out.append(
                _row(
                    name,
                    "heavy_missing",
                    "medium",
                    f"{name!r} is missing on {missing / n:.0%} of rows; check why "
                    "(is missingness itself informative?), or drop it",
                    missing / n,
                )
            )
        dtype = col.dtype
        if (
            pd.api.types.is_integer_dtype(dtype)
            or pd.api.types.is_string_dtype(dtype)
            or pd.api.types.is_object_dtype(dtype)
        ) and not pd.api.types.is_bool_dtype(dtype):
            share = n_unique / n
            if share >= ID_UNIQUE_SHARE and n >= 20:
                out.append(
                    _row(
                        name,
                        "id_like",
                        "medium",
                        f"{name!r} has a distinct value on {share:.0%} of rows, like "
                        "an id: a model can only memorise it. Drop it, or split by "
                        "it (group_column=) if ids repeat",
                        share,
                    )
                )
    return out


def mismatch(
    frame: Any, positions: list[int], train: np.ndarray, test: np.ndarray
) -> list[dict]:
    """``train_test_mismatch`` findings through :func:`mlnb.drift`."""
    if len(test) < MISMATCH_MIN_ROWS or not positions:
        return []
    from ..drift import drift

    cols = frame.iloc[:, positions]
    report = drift(
        cols.iloc[train],
        cols.iloc[test],
        drift_thresholds=MISMATCH_DISTANCE,
        n_jobs=1,
        publish=False,
    )
    out = []
    table = report.to_frame()
    for row in table.itertuples(index=False):
        if not bool(row.drifted):
            continue
        method = str(row.method).replace("_", "-")
        out.append(
            _row(
                row.feature,
                "train_test_mismatch",
                "medium",
                f"{row.feature!r} is distributed differently in training and test "
                f"({method} distance {row.distance:.3f} > {MISMATCH_DISTANCE}); the "
                "holdout scores the model on data unlike its training data — expected "
                "after a time split when the data moved, a warning sign otherwise",
                float(row.distance),
            )
        )
    return out


def missing_classes(
    classes: list, y: np.ndarray, train: np.ndarray, test: np.ndarray
) -> list[dict]:
    """``missing_class`` findings: a class on one side of the split only."""
    k = len(classes)
    in_train = np.bincount(y[train], minlength=k) > 0
    in_test = np.bincount(y[test], minlength=k) > 0
    out = []
    for j, c in enumerate(classes):
        if in_train[j] and not in_test[j]:
            side = "has no test rows: the holdout cannot score it"
        elif in_test[j] and not in_train[j]:
            side = "has no training rows: no model can predict it"
        else:
            continue
        out.append(
            _row(None, "missing_class", "medium", f"label class {c!r} {side}", 0.0)
        )
    return out


def sort_findings(rows: list[dict], order: list[Any]) -> list[dict]:
    """Most severe first, then by kind (as :data:`KINDS`), then by column order."""

    def where(name: Any) -> int:
        for i, c in enumerate(order):
            if c is name or (type(c) is type(name) and c == name):
                return i
        return -1

    return sorted(
        rows,
        key=lambda r: (
            SEVERITIES.index(r["severity"]),
            KINDS.index(r["kind"]),
            where(r["column"]),
        ),
    )
