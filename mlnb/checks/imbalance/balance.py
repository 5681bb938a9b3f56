"""Step 4: an imbalanced dataset — the data side.

Class distribution, the accuracy trap, balanced class weights, the initial output
bias, the optimisation objective to choose and the remedies, applied on request
(:meth:`ImbalanceResult.resample`).

The status comes from conditions (:class:`mlnb.Condition`) over the values listed in
:data:`CONDITION_VALUES`; the defaults (:attr:`ImbalanceResult.DEFAULT_CONDITIONS`)
follow Google's degrees of imbalance: a majority:minority ratio above 4 warns, above
99 fails.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ...checklist.result import CheckResult, judge
from ...core import frames
from ...core.conditions import Condition
from ...core.labels import DEFAULT_MAX_CLASSES, as_1d, class_counts
from ...errors import DataValidationError, MissingDependencyError, MlnbValueError
from ...render import html as H

__all__ = ["imbalance", "ImbalanceResult", "DEGREE_RATIOS", "CONDITION_VALUES"]

#: Degrees of imbalance after Google's Machine Learning Crash Course ("Imbalanced
#: datasets"): minority share 20-40% is mild, 1-20% moderate, below 1% extreme.
#: As majority:minority ratios (which also work for several classes): a ratio above
#: the number gives the degree ("balanced" at or below 1.5). The degree describes the
#: data (:attr:`ImbalanceResult.degree`); the status comes from the conditions.
DEGREE_RATIOS = {"mild": 1.5, "moderate": 4.0, "extreme": 99.0}

#: The values conditions on :func:`imbalance` can read, and what they mean.
CONDITION_VALUES = {
    "imbalance_ratio": "rows of the majority class per row of the minority class",
    "minority_share": "share of rows in the smallest class",
    "minority_count": "rows in the smallest class",
    "majority_accuracy": "accuracy of always predicting the majority class",
    "positive_share": "share of positives (undefined without a positive class)",
    "n_samples": "rows counted",
    "n_classes": "classes (2 with positive_label= on several classes)",
}

_GOOGLE = (
    "Google Machine Learning Crash Course, 'Imbalanced datasets': a minority class "
)
#: Below this positive share, AUC-PR is the objective to optimise (AutoML's advice
#: for "the less common class"); above it, AUC-ROC.
AUC_PR_BELOW_SHARE = 0.2

_OBJECTIVES = ("auc_pr", "auc_roc", "log_loss")
_METHODS = ("over", "under", "smote")


def _py(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


@dataclass(frozen=True, kw_only=True, repr=False)
class ImbalanceResult(CheckResult):
    """Class balance of a classification label and what to do about it.

    Attributes
    ----------
    counts:
        label → number of rows.
    shares:
        label → share of rows (sums to 1).
    imbalance_ratio:
        rows of the majority class per row of the minority class.
    majority_label, minority_label:
        The most and least frequent classes.
    majority_accuracy:
        Accuracy of always predicting the majority class (the accuracy trap).
    class_weight:
        Balanced weights ``n_samples / (n_classes * count)``, ready for
        scikit-learn's ``class_weight=`` (and Keras for 0..K-1 integer labels; see
        :meth:`keras_class_weight`).
    initial_bias:
        Output-layer bias that starts a model at the base rate: ``log(pos/neg)`` for
        a binary label (float), ``log(share)`` per class for softmax (dict).
    positive_label:
        The positive class of a binary label (None for several classes).
    recommended_objective:
        ``"auc_pr"``, ``"auc_roc"`` or ``"log_loss"``; ``objective_reason`` says why.
    degree:
        ``"balanced"``, ``"mild"``, ``"moderate"`` or ``"extreme"``.
    remedies:
        What to do, most useful first, with the numbers filled in.
    """

    check: ClassVar[str] = "imbalance"

    #: The documented default conditions (Google's degrees of imbalance, as
    #: majority:minority ratios that also work for several classes).
    DEFAULT_CONDITIONS: ClassVar[tuple] = (
        Condition(
            "imbalance_ratio",
            "<=",
            DEGREE_RATIOS["extreme"],
            name="no extreme imbalance",
            why=_GOOGLE + "below 1% of rows (ratio above 99:1) is an extreme imbalance",
        ),
        Condition(
            "imbalance_ratio",
            "<=",
            DEGREE_RATIOS["moderate"],
            status="warn",
            name="no moderate imbalance",
            why=_GOOGLE + "of 1-20% of rows (ratio above 4:1) is a moderate imbalance",
        ),
    )

    label_name: Any
    n_samples: int
    counts: dict
    shares: dict
    imbalance_ratio: float
    majority_label: Any
    minority_label: Any
    majority_accuracy: float
    class_weight: dict
    initial_bias: Any
    positive_label: Any
    recommended_objective: str
    objective_reason: str
    degree: str
    remedies: tuple[str, ...]
    one_vs_rest: bool = False

    @property
    def n_classes(self) -> int:
        return len(self.counts)

    @property
    def is_binary(self) -> bool:
        return self.positive_label is not None

    @property
    def labels(self) -> list:
        return list(self.counts)

    @property
    def initial_loss(self) -> float:
        """Cross-entropy at the first step when the bias is ``initial_bias``
        (the entropy of the class distribution); compare :attr:`naive_initial_loss`.
        """
        return float(-sum(p * math.log(p) for p in self.shares.values() if p > 0))

    @property
    def naive_initial_loss(self) -> float:
        """Cross-entropy at the first step with a zero bias: ``log(n_classes)``."""
        return math.log(self.n_classes)

    def keras_class_weight(self) -> dict[int, float]:
        """``{class index: weight}`` in sorted-label order, as Keras ``fit`` expects
        for integer-encoded labels 0..K-1 (the order of ``LabelEncoder``)."""
        return {i: float(self.class_weight[k]) for i, k in enumerate(self.counts)}

    def sample_weights(self, y: Any) -> np.ndarray:
        """One weight per row of ``y`` from :attr:`class_weight` (for
        ``fit(..., sample_weight=...)``)."""
        arr = as_1d(y, name="y")
        if self.one_vs_rest:
            other = next(k for k in self.counts if k != self.positive_label)
            return np.where(
                arr == self.positive_label,
                self.class_weight[self.positive_label],
                self.class_weight[other],
            ).astype(np.float64)
        out = np.empty(len(arr), dtype=np.float64)
        seen = np.zeros(len(arr), dtype=bool)
        for label, w in self.class_weight.items():
            m = arr == label
            out[m] = w
            seen |= m
        if not seen.all():
            unknown = list(dict.fromkeys(_py(v) for v in arr[~seen][:5]))
            raise DataValidationError(
                f"y holds labels this check did not see ({unknown!r}); its classes "
                f"are {self.labels!r}. Run mlnb.imbalance() on the same label."
            )
        return out

    def resample(
        self,
        X: Any,
        y: Any,
        *,
        method: str = "over",
        random_state: int | None = None,
        sampling_strategy: Any = "auto",
        **kwargs: Any,
    ) -> tuple[Any, Any]:
        """Rebalance ``X, y`` with imbalanced-learn; returns ``(X_res, y_res)``.

        Resample the training split only — never the data you evaluate on.

        Parameters
        ----------
        method:
            ``"over"`` (RandomOverSampler: repeat minority rows), ``"under"``
            (RandomUnderSampler: drop majority rows) or ``"smote"`` (SMOTE:
            synthesise minority rows between neighbours; numeric features only).
        random_state:
            Seed for a reproducible sample.
        sampling_strategy:
            imbalanced-learn's ``sampling_strategy`` (``"auto"`` balances fully; a
            float is the minority:majority ratio to reach for a binary label).
        **kwargs:
            Passed to the sampler (e.g. ``k_neighbors=3`` for SMOTE).
        """
        if method not in _METHODS:
            raise MlnbValueError(
                f"method must be one of {', '.join(map(repr, _METHODS))}; "
                f"got {method!r}"
            )
        _check_random_state(random_state)
        if method == "smote" and "k_neighbors" in kwargs:
            k = kwargs["k_neighbors"]
            if not (_is_int(k) and k >= 1) and not hasattr(k, "kneighbors"):
                raise MlnbValueError(
                    f"k_neighbors must be an int >= 1 (the neighbours SMOTE "
                    f"interpolates between; 5 by default); got {k!r}"
                )
        y_arr = as_1d(y, name="y")
        n_x = X.shape[0] if hasattr(X, "shape") else len(X)
        if n_x != len(y_arr):
            raise MlnbValueError(
                f"X has {n_x:,} rows but y has {len(y_arr):,}; pass the features "
                "and labels of the same rows"
            )
        try:
            from imblearn.over_sampling import SMOTE, RandomOverSampler
            from imblearn.under_sampling import RandomUnderSampler
        except ImportError as exc:  # pragma: no cover - hard dependency
            raise MissingDependencyError(
                "imbalanced-learn", "all", "resampling"
            ) from exc
        if method == "smote":
            _check_smote_input(X, y_arr, kwargs.get("k_neighbors", 5))
        cls = {"smote": SMOTE, "over": RandomOverSampler}.get(
            method, RandomUnderSampler
        )
        try:
            sampler = cls(
                sampling_strategy=sampling_strategy, random_state=random_state, **kwargs
            )
        except TypeError as exc:
            raise MlnbValueError(
                f"resample(method={method!r}) cannot take {sorted(kwargs)}: {exc}. "
                f"Extra keyword arguments go to imbalanced-learn's {cls.__name__}; "
                "see its documentation for the ones it takes."
            ) from None
        try:
            return sampler.fit_resample(X, y)
        except (ValueError, TypeError) as exc:
            raise MlnbValueError(f"{method} resampling failed: {exc}") from exc

    def plot(self, *, ax: Any = None) -> Any:
        """Bar chart of class shares with the accuracy-trap line; returns the
        matplotlib Axes it drew on (a new figure's unless ``ax`` is given)."""
        from ...render.imbalance import class_distribution

        return class_distribution(self, ax=ax)

    # -- rendering ---------------------------------------------------------------------
    def record_metrics(self) -> dict[str, Any]:
        m: dict[str, Any] = {
            "n_samples": self.n_samples,
            "n_classes": self.n_classes,
            "minority_share": self.shares[self.minority_label],
            "imbalance_ratio": self.imbalance_ratio,
            "majority_accuracy": self.majority_accuracy,
            "recommended_objective": self.recommended_objective,
        }
        if self.is_binary:
            m["positive_share"] = self.shares[self.positive_label]
            m["initial_bias"] = self.initial_bias
        return m

    def _frame_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "label": k,
                "count": self.counts[k],
                "share": self.shares[k],
                "class_weight": self.class_weight[k],
            }
            for k in self.counts
        ]

    def to_frame(self):
        """One row per class: label, count, share, class_weight."""
        import pandas as pd

        return pd.DataFrame(self._frame_rows())

    def _html_sections(self) -> list[str]:
        rows = [
            (k, self.counts[k], f"{self.shares[k]:.2%}", self.class_weight[k])
            for k in self.counts
        ]
        dist = H.table(rows, header=("class", "rows", "share", "balanced weight"))
        facts = [
            ("majority:minority ratio", f"{self.imbalance_ratio:,.1f} : 1"),
            (
                f"accuracy of always predicting {self.majority_label!r}",
                f"{self.majority_accuracy:.2%}",
            ),
            ("recommended objective", _OBJECTIVE_NAMES[self.recommended_objective]),
        ]
        if self.is_binary:
            facts.append(
                ("initial output bias log(pos/neg)", f"{self.initial_bias:.4f}")
            )
        flex = '<div style="display:flex;gap:24px;flex-wrap:wrap">'
        return [
            f"{flex}{dist}{H.table(facts, header=('fact', 'value'))}</div>",
            H.bullet_list(
                [f"Objective: {self.objective_reason}", *self.remedies],
                title="What to do",
            ),
        ]


_OBJECTIVE_NAMES = {
    "auc_pr": "AUC-PR (precision-recall)",
    "auc_roc": "AUC-ROC",
    "log_loss": "log loss",
}


def _check_smote_input(X: Any, y: np.ndarray, k: int) -> None:
    dtypes = getattr(X, "dtypes", None)
    if dtypes is not None and hasattr(dtypes, "items"):  # a DataFrame
        bad = [
            str(c) for c, d in dtypes.items() if getattr(d, "kind", "O") not in "biuf"
        ]
        if bad:
            raise DataValidationError(
                f"SMOTE interpolates numeric features, but {bad[:5]!r} are not "
                "numeric. One-hot encode them first, use imbalanced-learn's SMOTENC, "
                "or use method='over'."
            )
        n_nan = int(X.isna().to_numpy().sum())
    else:
        from scipy import sparse

        values = X.data if sparse.issparse(X) else np.asarray(X)
        if values.dtype.kind not in "biuf":
            raise DataValidationError(
                f"SMOTE needs numeric features; X has dtype {values.dtype}. Encode "
                "the features first or use method='over'."
            )
        n_nan = int(np.isnan(values).sum()) if values.dtype.kind == "f" else 0
    if n_nan:
        raise DataValidationError(
            f"X has {n_nan:,} NaN values; SMOTE cannot use them. Impute them first "
            "(e.g. sklearn.impute.SimpleImputer)."
        )
    cc = class_counts(y, name="y")
    smallest = int(cc.counts.min())
    if smallest <= k:
        raise DataValidationError(
            f"SMOTE needs more than k_neighbors={k} rows in each class to resample; "
            f"the smallest class has {smallest}. Pass "
            f"k_neighbors={max(smallest - 1, 1)} "
            "or use method='over'."
        )


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _check_options(max_classes: Any, calibrated: Any, publish: Any) -> None:
    if not (_is_int(max_classes) and max_classes >= 2):
        raise MlnbValueError(
            f"max_classes must be an int >= 2 (the most distinct labels a "
            f"classification label may have; {DEFAULT_MAX_CLASSES} by default); got "
            f"{max_classes!r}"
        )
    for name, v in (("calibrated_probabilities", calibrated), ("publish", publish)):
        if not isinstance(v, (bool, np.bool_)):
            raise MlnbValueError(f"{name} must be True or False; got {v!r}")


def _check_random_state(random_state: Any) -> None:
    if random_state is None or isinstance(random_state, np.random.RandomState):
        return
    if not (_is_int(random_state) and 0 <= random_state < 2**32):
        raise MlnbValueError(
            f"random_state must be None, an int in [0, 2**32) or a "
            f"numpy RandomState; got {random_state!r}"
        )


def _degree(ratio: float) -> str:
    """``"balanced"``, ``"mild"``, ``"moderate"`` or ``"extreme"`` (a description;
    the status comes from the conditions)."""
    for degree in ("extreme", "moderate", "mild"):
        if ratio > DEGREE_RATIOS[degree]:
            return degree
    return "balanced"


def imbalance(
    y: Any,
    *,
    label: Any = None,
    positive_label: Any = None,
    calibrated_probabilities: bool = False,
    max_classes: int = DEFAULT_MAX_CLASSES,
    conditions: Any = None,
    publish: bool = True,
) -> ImbalanceResult:
    """Check the class balance of a classification label.

    Parameters
    ----------
    y:
        The labels (array-like, pandas / polars Series, pyarrow array), or a table
        (pandas or polars DataFrame, pyarrow Table, dict of arrays) with ``label=``
        naming the label column.
    label:
        Name of the label column when ``y`` is a table (any hashable: ``"y"``, the
        integer ``0`` of ``pd.DataFrame(array)``, a tuple).
    positive_label:
        The positive class. Defaults to 1/True for 0/1 and boolean labels; other
        binary labels need it. With more than two classes it turns the check into
        "this class vs the rest".
    calibrated_probabilities:
        Set when you need well-calibrated probabilities (e.g. to price risk): the
        recommended objective becomes log loss.
    max_classes:
        More distinct values than this raise (an id or a regression target?).
    conditions:
        :class:`mlnb.Condition` rules that decide the status, replacing the
        defaults. They can read the values of :data:`CONDITION_VALUES`:
        ``imbalance_ratio``, ``minority_share``, ``minority_count``,
        ``majority_accuracy``, ``positive_share``, ``n_samples``, ``n_classes``.
    publish:
        Record the result as this session's newest evidence for step 4.

    Returns
    -------
    ImbalanceResult

    Status
    ------
    The worst of the conditions. The defaults
    (:attr:`ImbalanceResult.DEFAULT_CONDITIONS`, after Google's Machine Learning
    Crash Course): ``imbalance_ratio <= 99`` (fail: an extreme imbalance, minority
    below 1% of a binary label) and ``imbalance_ratio <= 4`` (warn: a moderate
    one, minority below 20%).

    Raises
    ------
    DataValidationError
        Missing labels, one class only, empty input, non-integer numbers, too many
        classes.
    MlnbValueError
        Unknown label column, string labels without ``positive_label``, a
        ``positive_label`` that does not occur, a condition over a value this
        check does not have.

    Examples
    --------
    >>> import mlnb
    >>> r = mlnb.imbalance([0] * 98 + [1] * 2, publish=False)
    >>> r.majority_accuracy, r.class_weight[1], r.status
    (0.98, 25.0, 'warn')
    >>> r.decided_by
    'imbalance_ratio 49 > 4: warn'
    >>> strict = mlnb.Condition("minority_share", ">=", 0.05)
    >>> mlnb.imbalance([0] * 98 + [1] * 2, conditions=[strict], publish=False).status
    'fail'
    """
    # 1 read the inputs
    _check_options(max_classes, calibrated_probabilities, publish)
    values, label_name = _read_labels(y, label)
    what = f"label column {label_name!r}" if label_name is not None else "y"
    cc = class_counts(values, name=what, max_classes=max_classes)
    labels = [_py(v) for v in cc.labels]
    if len(labels) < 2:
        raise DataValidationError(
            f"{what} has a single class ({labels[0]!r}, {int(cc.counts[0]):,} "
            "rows); a classifier needs at least two. Check the label column or the "
            "sample you took."
        )
    labels, counts_arr, positive, one_vs_rest = _binary_view(
        labels, cc.counts, positive_label, what
    )

    # 2 compute
    n = int(counts_arr.sum())
    counts = {lab: int(c) for lab, c in zip(labels, counts_arr)}
    shares = {lab: c / n for lab, c in counts.items()}
    k = len(labels)
    class_weight = {lab: n / (k * c) for lab, c in counts.items()}
    majority = max(counts, key=counts.__getitem__)
    minority = min(counts, key=counts.__getitem__)
    ratio = counts[majority] / counts[minority]
    majority_accuracy = counts[majority] / n
    degree = _degree(ratio)
    if positive is not None:
        initial_bias: Any = math.log(counts[positive] / (n - counts[positive]))
    else:
        initial_bias = {lab: math.log(s) for lab, s in shares.items()}
    objective, reason = _objective(positive, shares, k, calibrated_probabilities)

    # 3 apply the conditions
    condition_values = {
        "imbalance_ratio": ratio,
        "minority_share": shares[minority],
        "minority_count": counts[minority],
        "majority_accuracy": majority_accuracy,
        "positive_share": shares[positive] if positive is not None else math.nan,
        "n_samples": n,
        "n_classes": k,
    }
    status, outcomes = judge(
        conditions,
        condition_values,
        defaults=ImbalanceResult.DEFAULT_CONDITIONS,
        check="imbalance",
    )

    # 4 word the summary and the remedies
    remedies = _remedies(
        degree=degree,
        positive=positive,
        minority=minority,
        class_weight=class_weight,
        initial_bias=initial_bias,
        shares=shares,
    )
    summary = _summary(
        positive, minority, majority, shares, ratio, majority_accuracy, n, degree
    )
    result = ImbalanceResult(
        step="imbalance",
        status=status,
        summary=summary,
        outcomes=outcomes,
        condition_values=condition_values,
        label_name=label_name,
        n_samples=n,
        counts=counts,
        shares=shares,
        imbalance_ratio=ratio,
        majority_label=majority,
        minority_label=minority,
        majority_accuracy=majority_accuracy,
        class_weight=class_weight,
        initial_bias=initial_bias,
        positive_label=positive,
        recommended_objective=objective,
        objective_reason=reason,
        degree=degree,
        remedies=tuple(remedies),
        one_vs_rest=one_vs_rest,
    )
    return result.publish() if publish else result


def _read_labels(y: Any, label: Any) -> tuple[Any, Any]:
    """The label values and their name, from values or a table's column."""
    if frames.is_table(y):
        if label is None:
            raise MlnbValueError(
                f"y is a table ({type(y).__name__}); name the label column: "
                "imbalance(df, label='y')"
            )
        return frames.get_column(y, label, role="label"), label
    if label is not None:
        raise MlnbValueError(
            f"label={label!r} names a column, so pass a table (a pandas or polars "
            f"DataFrame, a pyarrow Table or a dict of arrays) as y; got "
            f"{type(y).__name__}. Or pass the label values alone, without label=."
        )
    name = getattr(y, "name", None)
    if name is None or name == "" or not isinstance(name, Hashable):
        return y, None
    return y, name


def _binary_view(
    labels: list, counts: np.ndarray, positive_label: Any, what: str
) -> tuple[list, np.ndarray, Any, bool]:
    """The classes, their counts, the positive class (None for several classes) and
    whether several classes were folded into "positive vs the rest"."""
    if positive_label is not None:
        if positive_label not in labels:
            raise MlnbValueError(
                f"positive_label={positive_label!r} does not occur in {what}; its "
                f"labels are {labels[:20]!r}"
            )
        if len(labels) > 2:
            k = int(counts[labels.index(positive_label)])
            rest = "other" if "other" not in labels else "rest of classes"
            folded = np.array([int(counts.sum()) - k, k], dtype=np.int64)
            return [rest, positive_label], folded, positive_label, True
        return labels, counts, positive_label, False
    if len(labels) == 2:
        if set(labels) <= {0, 1} or set(labels) == {-1, 1}:
            return labels, counts, labels[1], False
        raise MlnbValueError(
            f"{what} has the labels {labels!r}; say which one is the positive "
            f"class, e.g. positive_label={labels[0]!r}"
        )
    return labels, counts, None, False


def _objective(
    positive: Any, shares: dict, k: int, calibrated: bool
) -> tuple[str, str]:
    """The objective to optimise and why."""
    if positive is None:
        return "log_loss", (
            f"with {k} classes, log loss keeps every class's probability accurate; "
            "also watch per-class recall, since accuracy hides small classes"
        )
    pos_share = shares[positive]
    if calibrated:
        return "log_loss", (
            "you need calibrated probabilities, and log loss keeps predicted "
            "probabilities as accurate as possible"
        )
    if pos_share < AUC_PR_BELOW_SHARE:
        return "auc_pr", (
            f"the positive class is rare ({pos_share:.1%} of rows); AUC-PR rewards "
            "finding it, while AUC-ROC and accuracy look good even when the model "
            "misses most positives"
        )
    return "auc_roc", (
        f"positives are {pos_share:.1%} of rows, common enough that AUC-ROC "
        "measures how well the model distinguishes the classes"
    )


def _fmt_weights(class_weight: dict) -> str:
    items = list(class_weight.items())
    shown = ", ".join(f"{k!r}: {w:.3g}" for k, w in items[:6])
    return "{" + shown + (", …" if len(items) > 6 else "") + "}"


def _remedies(*, degree, positive, minority, class_weight, initial_bias, shares):
    out = []
    if degree in ("balanced", "mild"):
        out.append(
            "The classes are balanced enough for plain training; still compare "
            "per-class recall, not accuracy alone."
        )
    out.append(
        f"Weight the classes: class_weight={_fmt_weights(class_weight)} "
        "(scikit-learn class_weight=…, Keras fit(class_weight=result."
        "keras_class_weight())), or per row with result.sample_weights(y)."
    )
    if positive is not None:
        loss0 = -sum(p * math.log(p) for p in shares.values() if p > 0)
        out.append(
            f"Start the output layer at the base rate: bias = log(pos/neg) = "
            f"{initial_bias:.4f} (initial loss {loss0:.3f} instead of "
            f"{math.log(2):.3f})."
        )
    out.append(
        f"Resample the training split only: result.resample(X, y, method='over' | "
        f"'under' | 'smote') to rebalance class {minority!r}."
    )
    if positive is not None:
        out.append(
            "Move the decision threshold instead of 0.5: mlnb.thresholds(y_true, "
            "y_score).best_threshold(cost_fn=…, cost_fp=…) or "
            ".operating_point(recall=…)."
        )
    return out


def _summary(positive, minority, majority, shares, ratio, acc, n, degree):
    if positive is not None:
        pos_share = shares[positive]
        head = f"positives ({positive!r}) are {pos_share:.1%} of {n:,} rows"
    else:
        head = (
            f"smallest class {minority!r} is {shares[minority]:.1%} of {n:,} rows, "
            f"largest {majority!r} {shares[majority]:.1%}"
        )
    return (
        f"{head} ({degree} imbalance, {ratio:,.1f}:1); always predicting "
        f"{majority!r} would score {acc:.1%} accuracy"
    )
