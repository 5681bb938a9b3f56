"""Step 9: your model accuracy is drifting downward — feature drift and skew.

``drift(reference, current)`` compares the distribution of every feature in new
data with a reference (the training data, or an earlier period), feature by
feature, and says which features moved, by how much, against which threshold.

Methods, each with its source:

``"vertex"`` (default) — Vertex AI Model Monitoring's distances: Jensen-Shannon
    divergence for numeric features, L-infinity distance for categorical ones,
    alert threshold 0.3 for both (Vertex's default). Numeric features are binned at
    the reference's quantiles (``bins``, default 20), plus bins below the
    reference minimum, above its maximum, and for missing values.
``"evidently"`` — Evidently's ``DataDriftPreset`` defaults, chosen per feature by
    size: up to 1,000 reference rows, the Kolmogorov-Smirnov test for numeric
    features (p < 0.05), χ² for categorical (or a two-proportion z-test for two
    values); above 1,000 rows, the Wasserstein distance normed by the reference's
    standard deviation (≥ 0.1) for numeric features and the Jensen-Shannon
    distance (≥ 0.1) for categorical ones (numeric features with at most five
    values are treated like categories). The data set drifts when at least half of
    the features drift. Needs the reference data, not a profile.
``"psi"`` — the population stability index on the same bins, with the customary
    bands: below 0.1 no change, 0.1-0.25 moderate, 0.25 and above significant
    (flagged).

Per feature, ``method`` may also be a dict ``{feature: "jensen_shannon" |
"l_infinity" | "psi" | "ks" | "wasserstein"}``, and ``drift_thresholds`` a number
or a dict ``{feature: threshold}``.

Categories the reference never had are counted in an ``"(unseen)"`` bin whose
reference share is 0 — they count fully toward the distance — and the note names
them (how many, their rows and share, the most frequent). This holds whatever
``max_categories``: a capped profile keeps a sample of the hashes of its pooled
rare categories (:data:`mlnb.core.profile.POOLED_SKETCH`), so a value never seen
is told apart from a pooled rare one (exactly for the sampled hashes, the rest by
the proportion found among them) instead of vanishing into ``"(other)"``.

Infinite values (``±inf``) of a numeric feature, like NaN, are counted in the
``"missing"`` bin (as Evidently does), on both sides; a shift of the missing
share is drift like any other. Distances are never NaN: a feature whose current
values are all missing is skipped with that reason.

Features are named as the tables name their columns: any hashable (the integers
of ``pd.DataFrame(numpy_array)``, tuples, text; ``0`` and ``"0"`` differ); pandas,
polars, pyarrow and dicts of arrays are read the same way.

The status comes from conditions (:data:`DRIFT_CONDITIONS`) over the report's
aggregate values — see :func:`drift`.
"""

from __future__ import annotations

import contextvars
import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ...checklist.result import CheckResult, internal, judge
from ...core import distances as D
from ...core import frames
from ...core.conditions import Condition
from ...core.distances import METHOD_NAMES, P_VALUE_METHODS, threshold_ratio
from ...core.jsonsafe import jsonable
from ...core.profile import (
    DEFAULT_BINS,
    DEFAULT_MAX_CATEGORIES,
    FeatureProfile,
    Profile,
    check_bins,
    check_max_categories,
    check_n_jobs,
    check_names,
    column_positions,
    feature_kind,
    has_name,
    parallel_map,
    profile,
    read_column,
    to_pandas,
)
from ...errors import DataValidationError, MlnbValueError
from ...render import html as H

__all__ = [
    "drift",
    "skew",
    "DriftReport",
    "SkewReport",
    "PRESETS",
    "DEFAULT_THRESHOLDS",
    "DRIFT_CONDITIONS",
]

PRESETS = ("vertex", "evidently", "psi")
#: Default threshold of each distance (a feature drifts at distance >= threshold).
DEFAULT_THRESHOLDS = {
    "jensen_shannon": 0.3,  # Vertex AI Model Monitoring default
    "l_infinity": 0.3,  # Vertex AI Model Monitoring default
    "psi": 0.25,  # "significant change" band
    "ks": 0.1,  # KS statistic (a distance, for any sample size)
    "wasserstein": 0.1,  # normed by the reference std, as Evidently
    "wasserstein_normed": 0.1,  # Evidently, > 1,000 reference rows
    "jensenshannon_distance": 0.1,  # Evidently, > 1,000 reference rows
    "ks_pvalue": 0.05,  # Evidently, <= 1,000 reference rows (p-value below)
    "chi2_pvalue": 0.05,
    "z_pvalue": 0.05,
}
_P_VALUE_METHODS = P_VALUE_METHODS
#: Evidently: the data set drifts when this share of the features drifts.
DATASET_DRIFT_SHARE = 0.5
#: Why a feature with no values in the current data is not compared.
ALL_MISSING = "every value is missing in the current data"

#: The default conditions of :func:`drift` and :func:`skew`, over the report's
#: ``condition_values`` (listed in :func:`drift`). Together: ``fail`` when a
#: feature is missing or changed type, or at least half the compared features
#: drifted; ``warn`` when some feature drifted, could not be compared, or the
#: current data has columns the reference lacks; ``pass`` otherwise; ``info``
#: when nothing could be compared.
DRIFT_CONDITIONS: tuple[Condition, ...] = (
    Condition(
        "n_schema_problems",
        "<=",
        0,
        name="no feature missing or retyped",
        why="a feature missing, all missing or of another type in the current data "
        "breaks the model's input (a schema anomaly in TFDV and Vertex AI Model "
        "Monitoring)",
    ),
    Condition(
        "drifted_share",
        "<",
        DATASET_DRIFT_SHARE,
        name="less than half of the features drifted",
        why="Evidently's data-set drift: the data set drifts when at least half of "
        "its features drift (DataDriftPreset, drift_share=0.5)",
    ),
    Condition(
        "n_drifted",
        "<=",
        0,
        status="warn",
        name="no feature drifted",
        why="Vertex AI Model Monitoring alerts on each feature whose distance "
        "reaches its threshold (default 0.3)",
    ),
    Condition(
        "n_skipped",
        "<=",
        0,
        status="warn",
        name="every feature compared",
        why="a feature that could not be compared is not known to be stable",
    ),
    Condition(
        "n_new_columns",
        "<=",
        0,
        status="warn",
        name="no column unknown to the reference",
        why="a new column the reference lacks is not monitored",
    ),
)


#: The columns every drift frame has per feature (``DriftReport.to_frame`` and,
#: per window, ``DriftOverTime.to_frame``).
FEATURE_COLUMNS = (
    "feature",
    "kind",
    "method",
    "distance",
    "threshold",
    "drifted",
    "skipped_reason",
)


@dataclass(frozen=True, kw_only=True, repr=False)
class DriftReport(CheckResult):
    """Per feature: method, distance, threshold, drifted or not, and both
    distributions (binned) for charts.

    Attributes
    ----------
    method:
        The preset (``"vertex"``, ``"evidently"``, ``"psi"``) or ``"custom"``.
    n_reference, n_current:
        Rows compared.
    drifted_features:
        Names of the features that drifted, worst first (as the table names
        them: text, integers, tuples).
    skipped:
        ``{feature: reason}`` for features that could not be compared.
    dataset_drift:
        True when at least half of the compared features drifted (Evidently's
        data-set rule).
    drifted_share:
        Share of the compared features that drifted (0 when none was compared).
    schema_problems:
        Features missing, all missing or of another type in the current data.
    new_columns:
        Columns of the current data that the reference lacks.
    """

    check: ClassVar[str] = "drift"
    DEFAULT_CONDITIONS: ClassVar[tuple] = DRIFT_CONDITIONS

    method: str
    n_reference: int
    n_current: int
    drifted_features: tuple
    skipped: dict
    dataset_drift: bool
    drifted_share: float
    schema_problems: tuple = ()
    new_columns: tuple = ()
    _rows: Any = internal()
    _distributions: Any = internal(default=None)
    _reference: Any = internal(default=None)

    def to_frame(self):
        """One row per feature: ``feature``, ``kind``, ``method``, ``distance``,
        ``threshold``, ``drifted``, ``skipped_reason``, plus ``band`` (PSI),
        ``p_value`` and ``note``."""
        import pandas as pd

        cols = [*FEATURE_COLUMNS, "band", "p_value", "note"]
        return pd.DataFrame(self._rows, columns=cols)

    def distribution(self, feature: Any) -> dict[str, Any]:
        """The binned reference and current distributions of ``feature``:
        ``{"labels", "reference", "current"}`` (shares, in the same bins)."""
        dists = self._distributions or {}
        if feature not in dists:
            raise MlnbValueError(
                f"no distribution for {feature!r}; compared features: "
                f"{list(dists)[:20]}"
            )
        return dict(dists[feature])

    @property
    def profile(self) -> Profile | None:
        """The reference profile the comparison used (save it to compare later
        batches without the reference data)."""
        return self._reference

    def to_vertex_monitoring_config(self, **kwargs: Any) -> Any:
        """The equivalent Vertex AI Model Monitoring objective (skew and drift
        thresholds per feature), built with the Vertex AI SDK (``vertex`` extra);
        arguments as for :func:`mlnb.integrations.vertex.monitoring_objective`."""
        from ..adapters import adapter

        monitoring_objective = adapter("vertex", "monitoring_objective")

        return monitoring_objective(self, **kwargs)

    def record_metrics(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "n_features": len(self._rows),
            "n_drifted": len(self.drifted_features),
            "drifted": list(self.drifted_features[:10]),
            "n_skipped": len(self.skipped),
            "dataset_drift": self.dataset_drift,
        }

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["features"] = jsonable(self._rows)
        return out

    def _html_sections(self) -> list[str]:
        rows = sorted(
            self._rows,
            key=lambda r: (
                not r["drifted"],
                bool(r["skipped_reason"]),
                -_sort_ratio(r),
            ),
        )
        body = []
        for r in rows[:25]:
            flag = (
                "DRIFT" if r["drifted"] else ("skipped" if r["skipped_reason"] else "")
            )
            body.append(
                (
                    r["feature"],
                    r["kind"],
                    METHOD_NAMES.get(r["method"], r["method"]),
                    r["distance"],
                    r["threshold"],
                    flag,
                    r["skipped_reason"] or r["note"],
                )
            )
        table = H.table(
            body,
            header=("feature", "kind", "method", "distance", "threshold", "", "note"),
            align_right_from=3,
        )
        out = [table]
        if len(rows) > 25:
            out.append(
                f"<div>… {len(rows) - 25} more features; <code>.to_frame()</code> "
                "has them all.</div>"
            )
        return out

    def plot(
        self,
        *,
        ax: Any = None,
        features: list[Any] | None = None,
        max_features: int = 6,
    ):
        """Reference vs current distributions, one panel per feature: the given
        ``features``, else the drifted ones (worst first), else the first
        compared ones — at most ``max_features``.

        ``ax``: an Axes (for one feature) or a sequence of Axes, one per
        feature; default: a new figure. Returns a numpy array of the Axes drawn
        on (one per feature).
        """
        from ...render.drift import drift_distributions

        if features is not None:
            names = check_names(
                features,
                available=[r["feature"] for r in self._rows],
                argument="features",
                role="report",
            )
        else:
            names = list(self.drifted_features[:max_features])
            if not names:
                names = [r["feature"] for r in self._rows if not r["skipped_reason"]][
                    :max_features
                ]
        return drift_distributions(self, names, ax=ax)


@dataclass(frozen=True, kw_only=True, repr=False)
class SkewReport(DriftReport):
    """:func:`skew`'s report: a :class:`DriftReport` of training against serving
    data, recorded as the ``skew`` check (Vertex AI's name)."""

    check: ClassVar[str] = "skew"


def _sort_ratio(r: dict) -> float:
    value = threshold_ratio(r["distance"], r["threshold"], r["method"])
    return -math.inf if math.isnan(value) else value


# ---------------------------------------------------------------------------------
def _feature_methods(method, kinds: dict) -> tuple[str, dict]:
    if isinstance(method, dict):
        check_names(
            list(method),
            available=list(kinds),
            argument="method",
            role="compared features",
        )
        per = {}
        for f, kind in kinds.items():
            m = method.get(f, "jensen_shannon" if kind == "numeric" else "l_infinity")
            if m not in ("jensen_shannon", "l_infinity", "psi", "ks", "wasserstein"):
                raise MlnbValueError(
                    f"unknown method {m!r} for {f!r}; choose jensen_shannon, "
                    "l_infinity, psi, ks or wasserstein"
                )
            per[f] = m
        return "custom", per
    if method not in PRESETS:
        raise MlnbValueError(
            f"method must be one of {', '.join(PRESETS)} or a dict feature -> "
            f"method; got {method!r}"
        )
    if method == "vertex":
        return method, {
            f: ("jensen_shannon" if k == "numeric" else "l_infinity")
            for f, k in kinds.items()
        }
    if method == "psi":
        return method, dict.fromkeys(kinds, "psi")
    return method, {}  # evidently: chosen per feature from the data


#: A profile the caller has just validated (drift_over_time: once, not per window).
_TRUSTED: contextvars.ContextVar[Any] = contextvars.ContextVar(
    "mlnb_drift_trusted_profile", default=None
)


def _validated(reference: Profile) -> Profile:
    """``reference`` checked against the profile schema (:meth:`Profile.validate`)
    unless the calling check has just checked it."""
    if _TRUSTED.get() is reference:
        return reference
    return reference.validate()


def _check_thresholds(drift_thresholds: Any, names: list) -> None:
    """A finite number >= 0, or ``{feature: such a number}`` over known features;
    text, booleans, NaN, ±inf and negatives are errors naming the feature."""
    if isinstance(drift_thresholds, dict):
        check_names(
            list(drift_thresholds),
            available=names,
            argument="drift_thresholds",
            role="compared features",
        )
        items = [(f" for feature {k!r:.60}", v) for k, v in drift_thresholds.items()]
    elif drift_thresholds is not None:
        items = [("", drift_thresholds)]
    else:
        return
    for where, v in items:
        if isinstance(v, (bool, np.bool_)) or not isinstance(
            v, (int, float, np.integer, np.floating)
        ):
            raise MlnbValueError(
                f"drift_thresholds{where} must be a number (or a dict feature -> "
                f"number); got {v!r:.60} ({type(v).__name__})"
            )
        if not (math.isfinite(float(v)) and float(v) >= 0):
            raise MlnbValueError(
                f"drift_thresholds{where} must be a finite number >= 0 (the distance "
                f"at which a feature drifts, e.g. 0.3); got {v!r}"
            )


def _threshold_for(f: Any, m: str, drift_thresholds: Any) -> float:
    if drift_thresholds is None:
        return DEFAULT_THRESHOLDS[m]
    if isinstance(drift_thresholds, dict):
        return float(drift_thresholds.get(f, DEFAULT_THRESHOLDS[m]))
    return float(drift_thresholds)


def _psi_band(value: float) -> str:
    if math.isnan(value):
        return ""
    return "significant" if value >= 0.25 else "moderate" if value >= 0.1 else "none"


def drift(
    reference: Any,
    current: Any,
    *,
    features: list[Any] | None = None,
    categorical: list[Any] | None = None,
    method: Any = "vertex",
    drift_thresholds: Any = None,
    bins: int = DEFAULT_BINS,
    max_categories: int = DEFAULT_MAX_CATEGORIES,
    n_jobs: int | None = None,
    conditions: Any = None,
    publish: bool = True,
) -> DriftReport:
    """Which features' distributions moved between ``reference`` and ``current``.

    Parameters
    ----------
    reference:
        The baseline: a table (pandas or polars DataFrame, pyarrow Table, dict of
        arrays) or a stored :class:`~mlnb.core.profile.Profile` (then the
        reference data need not be in memory).
    current:
        The new data (same kinds of input, not a profile).
    features:
        Features to compare (default: every column of the reference), named as
        the table names them (any hashable: ``0``, ``("a", 1)``, ``"x"``).
    categorical:
        Numeric columns to treat as categories.
    method:
        ``"vertex"`` (default), ``"evidently"``, ``"psi"``, or a dict
        ``{feature: method}`` (see the module docstring).
    drift_thresholds:
        The distance at which a feature drifts: a number for every feature, or
        ``{feature: threshold}``; defaults per method in
        :data:`DEFAULT_THRESHOLDS` (Vertex AI's 0.3 for ``"vertex"``).
    bins, max_categories:
        Binning of numeric features and cap on categories (see
        :func:`mlnb.profile`). A categorical feature with more categories than
        the cap compares its rarer categories as one pooled "(other)" share; the
        reference's pooled share is biased low (its rarest categories), so raise
        ``max_categories`` when that matters. Categories never in the reference
        are reported whatever the cap. ``bins`` must be a whole number >= 2 and
        ``max_categories`` >= 1 (numpy integers are accepted).
    n_jobs:
        Threads comparing features side by side (default None: one per CPU; 1
        for many small comparisons, such as windows of :func:`drift_over_time`).
    conditions:
        :class:`mlnb.Condition` rules that decide the status, replacing
        :data:`DRIFT_CONDITIONS` (see Status).
    publish:
        Record the result as this session's evidence for step 9.

    Returns
    -------
    DriftReport

    Status
    ------
    The worst of the conditions, which read these values (``condition_values``):
    ``n_features`` (features compared), ``n_drifted``, ``drifted_share``
    (``n_drifted / n_features``; undefined when nothing was compared),
    ``max_ratio`` (largest distance / threshold; threshold / p-value for p-value
    methods), ``dataset_drift`` (0 or 1), ``n_skipped`` (features not compared),
    ``n_schema_problems`` (missing, all missing or retyped in the current data)
    and ``n_new_columns``. The defaults (:data:`DRIFT_CONDITIONS`):

    - ``n_schema_problems <= 0`` else ``fail`` (a broken input);
    - ``drifted_share < 0.5`` else ``fail`` (Evidently's data-set drift);
    - ``n_drifted <= 0`` else ``warn`` (Vertex AI alerts per feature);
    - ``n_skipped <= 0`` else ``warn``;
    - ``n_new_columns <= 0`` else ``warn``.

    So: ``pass`` when no feature drifted; ``warn`` when some did (or a feature
    could not be compared); ``fail`` when at least half drifted or a feature is
    missing or changed type; ``info`` when nothing could be compared.

    Raises
    ------
    MlnbValueError
        A bad argument, or a feature that is not in the data (the message lists
        at most 20 column names, never values).
    DataValidationError
        The current data is empty, or a compared column name is duplicated.

    Examples
    --------
    >>> report = mlnb.drift(
    ...     train, serving, drift_thresholds={"age": 0.2}
    ... )  # doctest: +SKIP
    >>> report.drifted_features  # doctest: +SKIP
    """
    return _compare(
        reference,
        current,
        cls=DriftReport,
        features=features,
        categorical=categorical,
        method=method,
        drift_thresholds=drift_thresholds,
        bins=bins,
        max_categories=max_categories,
        n_jobs=n_jobs,
        conditions=conditions,
        publish=publish,
    )


def skew(
    training: Any,
    serving: Any,
    *,
    features: list[Any] | None = None,
    categorical: list[Any] | None = None,
    method: Any = "vertex",
    drift_thresholds: Any = None,
    bins: int = DEFAULT_BINS,
    max_categories: int = DEFAULT_MAX_CATEGORIES,
    n_jobs: int | None = None,
    conditions: Any = None,
    publish: bool = True,
) -> SkewReport:
    """Training-serving skew: the same comparison as :func:`drift` between the
    training data (or its stored profile) and what the model sees in serving,
    recorded as the ``skew`` check (Vertex AI's name). Every argument, the
    values conditions read and the default conditions are :func:`drift`'s."""
    return _compare(
        training,
        serving,
        cls=SkewReport,
        features=features,
        categorical=categorical,
        method=method,
        drift_thresholds=drift_thresholds,
        bins=bins,
        max_categories=max_categories,
        n_jobs=n_jobs,
        conditions=conditions,
        publish=publish,
    )


def _compare(
    reference: Any,
    current: Any,
    *,
    cls: type,
    features,
    categorical,
    method,
    drift_thresholds,
    bins,
    max_categories,
    n_jobs,
    conditions,
    publish,
) -> DriftReport:
    # 1 read the inputs
    check_n_jobs(n_jobs)
    bins = check_bins(bins)
    max_categories = check_max_categories(max_categories)
    if isinstance(current, Profile):
        raise MlnbValueError(
            "current must be data (a DataFrame), not a profile; the reference may "
            "be a profile"
        )
    cur = to_pandas(current, "current")
    if len(cur) == 0:
        raise DataValidationError(
            "the current batch is empty; there is nothing to compare (did a filter "
            "or a time window select no rows?)"
        )
    raw_ref = None
    if isinstance(reference, Profile):
        ref_profile = _validated(reference)
        if features is not None:
            features = check_names(
                features,
                available=ref_profile.names,
                argument="features",
                role="reference profile",
            )
        reference_columns = ref_profile.names
    else:
        raw_ref = to_pandas(reference, "reference")
        ref_profile = profile(
            raw_ref,
            features=features,
            categorical=categorical,
            bins=bins,
            max_categories=max_categories,
            n_jobs=n_jobs,
        )
        reference_columns = list(raw_ref.columns)
    names = list(features) if features is not None else ref_profile.names
    _check_thresholds(drift_thresholds, names)
    declared = check_names(
        categorical, available=names, argument="categorical", role="compared features"
    )
    cur_positions = column_positions(cur)
    ref_positions = column_positions(raw_ref) if raw_ref is not None else {}
    known = _names_index(reference_columns)
    new_columns = [c for c in cur.columns if not _known(known, c)]

    # 2 compare, feature by feature
    skipped: dict[Any, str] = {}
    schema_problems: list[str] = []
    comparable: dict[Any, FeatureProfile] = {}
    for name in names:
        fp = ref_profile.features[name]
        if fp.kind == "skipped":
            skipped[name] = fp.skipped_reason
            continue
        if not has_name(cur_positions, name, cur):
            skipped[name] = "missing from the current data"
            schema_problems.append(f"{name} is missing from the current data")
            continue
        series = read_column(cur, cur_positions, name, role="feature")
        kind_now, _ = feature_kind(series, any(_same(c, name) for c in declared))
        if fp.kind == "numeric" and kind_now != "numeric":
            reason = (
                f"dtype changed: numeric ({fp.dtype}) in the reference, "
                f"{series.dtype} in the current data"
            )
            skipped[name] = reason
            schema_problems.append(f"{name}: {reason}")
            continue
        comparable[name] = fp

    preset, per_feature = _feature_methods(
        method, {n: f.kind for n, f in comparable.items()}
    )
    if preset == "evidently" and raw_ref is None:
        raise MlnbValueError(
            "method='evidently' needs the reference data (its tests use the raw "
            "values); pass the reference DataFrame instead of a profile, or use "
            "method='vertex' or 'psi'"
        )

    def compare(item):
        name, fp = item
        cur_col = read_column(cur, cur_positions, name, role="feature")
        ref_col = (
            read_column(raw_ref, ref_positions, name, role="feature")
            if raw_ref is not None
            else None
        )
        ref_vec = fp.reference_vector()
        try:
            cur_vec, unseen = fp.current_vector(cur_col)
        except DataValidationError as exc:
            return name, fp, None, (str(exc), f"{name}: dtype changed")
        if not cur_vec[:-1].any():  # the last count is the missing values'
            return name, fp, None, (ALL_MISSING, f"{name}: {ALL_MISSING}")
        if preset == "evidently":
            m, value, p_value = _evidently(ref_col, cur_col, fp)
        else:
            m = per_feature[name]
            value, p_value = _distance(m, fp, ref_vec, cur_vec, ref_col, cur_col, name)
        return name, fp, (ref_vec, cur_vec, unseen, m, value, p_value), None

    rows: list[dict[str, Any]] = []
    dists: dict[Any, dict[str, Any]] = {}
    for name, fp, out, problem in parallel_map(
        compare, list(comparable.items()), n_jobs
    ):
        if out is None:
            skipped[name], schema_problem = problem
            schema_problems.append(schema_problem)
            continue
        ref_vec, cur_vec, unseen, m, value, p_value = out
        dists[name] = {
            "labels": fp.bin_labels(),
            "reference": D.probabilities(ref_vec).tolist(),
            "current": D.probabilities(cur_vec).tolist(),
            "kind": fp.kind,
        }
        threshold = _threshold_for(name, m, drift_thresholds)
        if m in P_VALUE_METHODS:
            drifted = bool(p_value < threshold)
            distance = p_value
        else:
            drifted = bool(value >= threshold)
            distance = value
        rows.append(
            {
                "feature": name,
                "kind": fp.kind,
                "method": m,
                "distance": float(distance),
                "threshold": float(threshold),
                "drifted": drifted,
                "skipped_reason": "",
                "band": _psi_band(value) if m == "psi" else "",
                "p_value": float(p_value) if p_value is not None else math.nan,
                "note": _note(fp, cur_vec, unseen),
            }
        )
    for name, reason in skipped.items():
        fp = ref_profile.features.get(name)
        rows.append(
            {
                "feature": name,
                "kind": fp.kind if fp is not None else "",
                "method": "",
                "distance": math.nan,
                "threshold": math.nan,
                "drifted": False,
                "skipped_reason": reason,
                "band": "",
                "p_value": math.nan,
                "note": "",
            }
        )
    order = {n: i for i, n in enumerate(names)}
    rows.sort(key=lambda r: order.get(r["feature"], len(order)))
    compared = [r for r in rows if not r["skipped_reason"]]
    drifted_rows = sorted(
        (r for r in compared if r["drifted"]), key=lambda r: -_sort_ratio(r)
    )

    # 3 apply the conditions
    values = _drift_values(
        rows, n_schema_problems=len(schema_problems), n_new_columns=len(new_columns)
    )
    status, outcomes = judge(
        conditions, values, defaults=cls.DEFAULT_CONDITIONS, check=cls.check
    )

    # 4 word the summary
    summary = _summary(compared, drifted_rows, skipped, new_columns)
    result = cls(
        step="drift",
        status=status,
        summary=summary,
        outcomes=outcomes,
        condition_values=values,
        method=preset,
        n_reference=ref_profile.n_rows,
        n_current=len(cur),
        drifted_features=tuple(r["feature"] for r in drifted_rows),
        skipped=dict(skipped),
        dataset_drift=bool(values["dataset_drift"]),
        drifted_share=values["drifted_share"] if compared else 0.0,
        schema_problems=tuple(schema_problems),
        new_columns=tuple(new_columns),
        _rows=rows,
        _distributions=dists,
        _reference=ref_profile,
    )
    return result.publish() if publish else result


def _drift_values(
    rows: list[dict], *, n_schema_problems: int, n_new_columns: int
) -> dict[str, Any]:
    """The values drift conditions read, from a report's per-feature rows."""
    compared = [r for r in rows if not r["skipped_reason"]]
    n = len(compared)
    n_drifted = sum(bool(r["drifted"]) for r in compared)
    share = n_drifted / n if n else math.nan
    ratios = [
        threshold_ratio(r["distance"], r["threshold"], r["method"]) for r in compared
    ]
    ratios = [x for x in ratios if not math.isnan(x)]
    return {
        "n_features": n,
        "n_drifted": n_drifted,
        "drifted_share": share,
        "max_ratio": max(ratios) if ratios else math.nan,
        "dataset_drift": bool(n) and share >= DATASET_DRIFT_SHARE,
        "n_skipped": len(rows) - n,
        "n_schema_problems": n_schema_problems,
        "n_new_columns": n_new_columns,
    }


def _names_index(names: list) -> dict:
    """Names by hash, to find a name of the same kind quickly (0 is not "0")."""
    out: dict = {}
    for c in names:
        out.setdefault(c, []).append(c)
    return out


def _known(known: dict, name: Any) -> bool:
    try:
        alike = known.get(name, ())
    except TypeError:
        return False
    return any(_same(a, name) for a in alike)


def _same(a: Any, b: Any) -> bool:
    return frames.same_name(a, b)


def _note(fp: FeatureProfile, cur_vec, unseen: dict) -> str:
    note = []
    if fp.kind == "categorical" and cur_vec[-2] > 0:
        # the "(unseen)" bin: its reference share is 0, so every unseen row counts
        # fully toward the distance, whatever the cap
        rows, total = float(cur_vec[-2]), max(float(cur_vec.sum()), 1.0)
        top = sorted(unseen.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
        shown = ", ".join(f"{k!r} ({v:,})" for k, v in top)
        more = f" and {len(unseen) - 5:,} more" if len(unseen) > 5 else ""
        est = (
            " (estimated: the reference's pooled rare categories are known by a "
            "sample of their hashes)"
            if fp.capped
            else ""
        )
        note.append(
            f"{len(unseen):,} categories not in the reference: {shown}{more} — "
            f"{rows:,.0f} rows, {rows / total:.1%} of the current data{est}"
        )
    if fp.kind == "categorical" and fp.capped and fp.pooled_hashes is None:
        rows = float(cur_vec[len(fp.categories)])
        if rows:
            note.append(
                f"{rows:,.0f} rows ({rows / max(float(cur_vec.sum()), 1.0):.1%}) hold "
                "categories outside the kept ones; this profile keeps no sample of "
                "its pooled categories, so new ones cannot be told apart — "
                "re-create it with mlnb.profile(...)"
            )
    if fp.kind == "categorical" and fp.capped:
        note.append(
            f"{len(fp.categories):,} most frequent categories kept"
            + (f" of {fp.n_distinct:,}" if fp.n_distinct else "")
            + "; the rest pooled as (other)"
        )
    if fp.kind == "numeric":
        over = cur_vec[-2] / max(cur_vec.sum(), 1)
        under = cur_vec[0] / max(cur_vec.sum(), 1)
        if over + under > 0.01:
            note.append(f"{under:.1%} below and {over:.1%} above the reference range")
    return "; ".join(note)


def _summary(compared, drifted, skipped, new_cols) -> str:
    n = len(compared)
    parts = []
    if drifted:
        shown = ", ".join(f"{r['feature']} ({_fmt_distance(r)})" for r in drifted[:3])
        more = f" and {len(drifted) - 3} more" if len(drifted) > 3 else ""
        parts.append(f"{len(drifted)} of {n} features drifted: {shown}{more}")
    elif n:
        parts.append(f"no drift in {n} features")
    if skipped:
        shown = "; ".join(f"{k}: {v}" for k, v in list(skipped.items())[:3])
        parts.append(f"{len(skipped)} not compared ({shown})")
    if new_cols:
        shown = ", ".join(str(c) for c in new_cols[:5]) + (
            " …" if len(new_cols) > 5 else ""
        )
        parts.append(f"{len(new_cols)} new column(s) not in the reference: {shown}")
    return "; ".join(parts) if parts else "nothing to compare"


def _fmt_distance(r) -> str:
    if r["method"] in P_VALUE_METHODS:
        return f"p={r['distance']:.2g}"
    return f"{r['distance']:.3f} ≥ {r['threshold']:g}"


def _distance(m, fp: FeatureProfile, ref_vec, cur_vec, ref_col, cur_col, name):
    if m == "jensen_shannon":
        return D.js_divergence(ref_vec, cur_vec), None
    if m == "l_infinity":
        return D.l_infinity(ref_vec, cur_vec), None
    if m == "psi":
        return D.psi(ref_vec, cur_vec), None
    if fp.kind != "numeric":
        raise MlnbValueError(f"{m} needs a numeric feature; {name!r} is categorical")
    if ref_col is not None:
        r = np.asarray(ref_col, dtype=np.float64)
        c = np.asarray(cur_col, dtype=np.float64)
        if m == "ks":
            return D.ks_exact(r, c)
        finite = r[np.isfinite(r)]  # ±inf are missing values, as NaN
        norm = max(float(np.std(finite)) if len(finite) else 0.0, 0.001)
        return D.wasserstein_exact(r, c) / norm, None
    if fp.atoms is not None:  # a discrete feature: its bins are its values
        positions = np.concatenate(([fp.atoms[0]], fp.atoms, [fp.atoms[-1]]))
        p, q = ref_vec[:-1], cur_vec[:-1]
        if m == "ks":
            return D.ks_binned(p, q), None
        width = np.diff(positions)
        return D.wasserstein_binned(p, q, width) / max(fp.std, 0.001), None
    # only a profile: against its quantile sketch (linear between 201 quantiles)
    c = np.asarray(cur_col, dtype=np.float64)
    if fp.quantiles is None:
        raise MlnbValueError(
            f"{m} against a profile needs its quantile sketch; profile {name!r} again "
            "with this version of mlnb"
        )
    if m == "ks":
        return D.ks_sketch(fp, c), None
    return D.wasserstein_sketch(fp, c) / max(fp.std, 0.001), None


def _evidently(ref, cur, fp: FeatureProfile):
    """Evidently's default test for one feature: ``(method, distance, p_value)``."""
    import pandas as pd

    r = pd.Series(ref).replace([np.inf, -np.inf], np.nan).dropna()
    c = pd.Series(cur).replace([np.inf, -np.inf], np.nan).dropna()
    n_values = pd.concat([r, c]).nunique()
    numeric = fp.kind == "numeric"
    if len(r) <= 1000:
        if numeric and n_values > 5:
            stat, p = D.ks_exact(r.to_numpy(np.float64), c.to_numpy(np.float64))
            return "ks_pvalue", stat, p
        keys = sorted(set(r.unique()) | set(c.unique()), key=str)
        rc = r.value_counts().reindex(keys, fill_value=0).to_numpy()
        cc = c.value_counts().reindex(keys, fill_value=0).to_numpy()
        if n_values > 2:
            stat, p = D.chi2_test(rc, cc)
            return "chi2_pvalue", stat, p
        z, p = D.z_test_proportions(rc, cc)
        return "z_pvalue", z, p
    if numeric and n_values > 5:
        norm = max(float(np.std(r.to_numpy(np.float64))), 0.001)
        w = D.wasserstein_exact(r.to_numpy(np.float64), c.to_numpy(np.float64))
        return "wasserstein_normed", w / norm, None
    # Jensen-Shannon distance (natural log) on value shares, or on Sturges bins
    if numeric and r.nunique() > 20:
        edges = np.histogram_bin_edges(np.concatenate([r, c]), bins="sturges")
        rp = np.histogram(r, edges)[0] / len(r)
        cp = np.histogram(c, edges)[0] / len(c)
    else:
        keys = list(dict.fromkeys([*c.unique().tolist(), *r.unique().tolist()]))
        rp = r.value_counts().reindex(keys, fill_value=0).to_numpy() / len(r)
        cp = c.value_counts().reindex(keys, fill_value=0).to_numpy() / len(c)
    js = math.sqrt(max(D.js_divergence(rp, cp), 0.0) * math.log(2))
    return "jensenshannon_distance", js, None
