"""Step 8: never push a bad model — validate the data a model is about to see.

``validate_data(df, schema)`` compares a table with a :class:`~.schema.Schema`
inferred from the training data (:func:`~.schema.schema`) and lists every
*anomaly*, each with a severity and a sentence:

=====================  ========  ==============================================
kind                   severity  when
=====================  ========  ==============================================
``missing_column``     error     a schema column is not in the data
``unexpected_column``  warning   a data column the schema lacks
``type_change``        error     a column's type family changed (an ``int``
                                 column read as whole floats is not a change)
``missing_values``     error     a column that may not be missing has missing
                                 values
``missing_rate_jump``  warning   the missing share rose by more than
                                 ``missing_rate_jump`` over the training share
``new_category``       error     a value outside a category column's list
``out_of_range``       warning   a number or date outside the training range
``duplicate_id``       error     a unique-id column has repeated values
``skew``               warning   training/serving skew (``reference`` given):
                                 step 9's distance reaches ``skew_threshold``
=====================  ========  ==============================================

Severities follow TFDV's split (schema anomalies are errors; a range inferred
from a sample is soft) and can be changed with ``severities=``. Range,
category, missing-value and uniqueness checks run through pandera's lazy
validation (the ``validate`` extra) on the columns whose type still matches;
pandera's failure cases are summarised as counts and a few distinct values,
never as row dumps. Type families are checked here, not by pandera, so that
nullable, polars and pyarrow columns of one family read alike. Skew reuses
:func:`mlnb.skew` (Vertex AI's distances and 0.3 threshold).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ...checklist.result import CheckResult, internal, judge
from ...core import frames
from ...core.conditions import Condition
from ...core.jsonsafe import jsonable
from ...errors import DataValidationError, MlnbValueError
from .schema import (
    ColumnSchema,
    Schema,
    _key,
    _pandera,
    check_unique_names,
    column_kind,
    pandera_checks,
)

__all__ = [
    "validate_data",
    "ValidationResult",
    "ANOMALY_KINDS",
    "DEFAULT_SEVERITIES",
    "VALIDATION_CONDITIONS",
    "ANOMALY_COLUMNS",
]

#: Every anomaly kind with its default severity.
DEFAULT_SEVERITIES = {
    "missing_column": "error",
    "unexpected_column": "warning",
    "type_change": "error",
    "missing_values": "error",
    "missing_rate_jump": "warning",
    "new_category": "error",
    "out_of_range": "warning",
    "duplicate_id": "error",
    "skew": "warning",
}
ANOMALY_KINDS = tuple(DEFAULT_SEVERITIES)
SEVERITIES = ("error", "warning")
#: The columns of :attr:`ValidationResult.anomalies`.
ANOMALY_COLUMNS = (
    "column",
    "kind",
    "severity",
    "count",
    "share",
    "expected",
    "found",
    "sentence",
)
#: Vertex AI Model Monitoring's default skew threshold (as :func:`mlnb.skew`).
DEFAULT_SKEW_THRESHOLD = 0.3
#: Distinct failing values quoted per anomaly.
N_EXAMPLES = 5

#: The default conditions of :func:`validate_data`: ``fail`` on any error
#: anomaly, ``warn`` on any warning.
VALIDATION_CONDITIONS: tuple[Condition, ...] = (
    Condition(
        "n_errors",
        "<=",
        0,
        name="no error anomaly",
        why="TFX's ExampleValidator: data with schema anomalies of severity ERROR "
        "must not reach training or serving",
    ),
    Condition(
        "n_warnings",
        "<=",
        0,
        status="warn",
        name="no warning anomaly",
        why="TFDV reports WARNING anomalies (e.g. skew, values outside the "
        "training range) for a person to look at",
    ),
)

_CHECK_KIND = {
    "in_range": "out_of_range",
    "isin": "new_category",
    "not_nullable": "missing_values",
    "field_uniqueness": "duplicate_id",
}


@dataclass(frozen=True, kw_only=True, repr=False)
class ValidationResult(CheckResult):
    """:func:`validate_data`'s result: the anomalies found, with the status from
    :data:`VALIDATION_CONDITIONS` (or the ``conditions=`` given).

    Attributes
    ----------
    n_rows:
        Rows validated.
    n_columns:
        Columns of the data.
    n_errors, n_warnings:
        Anomalies of each severity.
    kinds:
        The anomaly kinds found, most severe first.
    columns_with_anomalies:
        The columns named by an anomaly, in schema order then data order.
    """

    check: ClassVar[str] = "validate_data"
    DEFAULT_CONDITIONS: ClassVar[tuple] = VALIDATION_CONDITIONS

    n_rows: int
    n_columns: int
    n_errors: int
    n_warnings: int
    kinds: tuple = ()
    columns_with_anomalies: tuple = ()
    _rows: Any = internal(default=())
    _skew: Any = internal(default=None)

    @property
    def anomalies(self):
        """One row per anomaly (:data:`ANOMALY_COLUMNS`): ``column``, ``kind``,
        ``severity``, ``count`` (rows concerned), ``share`` (of the rows),
        ``expected``, ``found`` (text), ``sentence``; errors first."""
        import pandas as pd

        frame = pd.DataFrame(list(self._rows), columns=list(ANOMALY_COLUMNS))
        return frame.astype({"count": "Int64", "share": "float64"})

    def to_frame(self):
        """The anomalies (as :attr:`anomalies`)."""
        return self.anomalies

    @property
    def skew_report(self):
        """The :class:`mlnb.SkewReport` behind the ``skew`` anomalies (None
        without ``reference``)."""
        return self._skew

    def record_metrics(self) -> dict[str, Any]:
        return {
            "n_rows": self.n_rows,
            "n_errors": self.n_errors,
            "n_warnings": self.n_warnings,
            "kinds": list(self.kinds),
            "columns": [str(c) for c in self.columns_with_anomalies[:10]],
        }

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["anomalies"] = jsonable([dict(r) for r in self._rows])
        return out

    def _html_sections(self) -> list[str]:
        from ...render.validation import anomalies_sections

        return anomalies_sections(self)

    def plot(self, *, ax: Any = None):
        """A bar per anomaly: the share of rows it concerns (1 for column-level
        anomalies), red for errors, amber for warnings. Returns the Axes."""
        from ...render.validation import plot_anomalies

        return plot_anomalies(self, ax=ax)


def _check_threshold(v: Any, argument: str, example: str) -> float:
    if (
        isinstance(v, bool)
        or not isinstance(v, (int, float, np.number))
        or not math.isfinite(float(v))
        or float(v) < 0
    ):
        raise MlnbValueError(
            f"{argument} must be a number >= 0, e.g. {argument}={example}; got {v!r}"
        )
    return float(v)


def _check_severities(severities: Any) -> dict:
    out = dict(DEFAULT_SEVERITIES)
    if severities is None:
        return out
    if not isinstance(severities, dict):
        raise MlnbValueError(
            f"severities must be a dict {{kind: 'error' | 'warning'}}, e.g. "
            f"severities={{'out_of_range': 'error'}}; got {type(severities).__name__}"
        )
    for k, v in severities.items():
        if k not in DEFAULT_SEVERITIES:
            raise MlnbValueError(
                f"severities: unknown anomaly kind {k!r}; the kinds: "
                f"{', '.join(ANOMALY_KINDS)}"
            )
        if v not in SEVERITIES:
            raise MlnbValueError(
                f"severities[{k!r}] must be 'error' or 'warning'; got {v!r}"
            )
        out[k] = v
    return out


def _fmt_value(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    text = repr(v) if isinstance(v, str) else str(v)
    return text if len(text) <= 40 else text[:39] + "…"


def _compatible(expected: str, found: str, values: Any) -> bool:
    """Whether a column of type family ``found`` fits a schema type."""
    if expected in ("category", "text"):
        return found == "string"
    if expected == "float":
        return found in ("int", "float")
    if expected == "int":
        if found == "int":
            return True
        if found == "float":  # an int column with missing values reads as float
            arr = np.asarray(values, dtype=np.float64)
            arr = arr[np.isfinite(arr)]
            return bool(np.all(arr == np.round(arr)))
        return False
    return expected == found


_FAMILY_NAMES = {"string": "text", "int": "int", "float": "float"}


def validate_data(
    df: Any,
    schema: Schema,
    *,
    reference: Any = None,
    skew_threshold: float = DEFAULT_SKEW_THRESHOLD,
    missing_rate_jump: float = 0.1,
    severities: dict | None = None,
    conditions: Any = None,
    publish: bool = True,
) -> ValidationResult:
    """The anomalies of ``df`` against ``schema``.

    Parameters
    ----------
    df:
        The data to check (pandas or polars DataFrame, pyarrow Table, dict of
        arrays).
    schema:
        A :class:`Schema` (from :func:`mlnb.schema`, possibly edited, or
        :meth:`Schema.load`).
    reference:
        The training data (or its :class:`~mlnb.core.profile.Profile`): when
        given, each schema feature present in both is compared with
        :func:`mlnb.skew` and a feature whose distance reaches
        ``skew_threshold`` is a ``skew`` anomaly.
    skew_threshold:
        Distance at which a feature is skewed (Vertex AI's default 0.3 for its
        Jensen-Shannon and L-infinity distances).
    missing_rate_jump:
        A rise of the missing share above the training share by more than this
        is a ``missing_rate_jump`` anomaly (0.1 = 10 points).
    severities:
        ``{kind: "error" | "warning"}`` replacing :data:`DEFAULT_SEVERITIES`.
    conditions:
        :class:`mlnb.Condition` rules over ``n_errors``, ``n_warnings``,
        ``n_anomalies`` and ``n_rows``, replacing :data:`VALIDATION_CONDITIONS`.
    publish:
        Record the result as this session's evidence for step 8.

    Returns
    -------
    ValidationResult
        Status ``fail`` when any anomaly is an error, ``warn`` when any is a
        warning, ``pass`` otherwise.

    Raises
    ------
    MlnbValueError
        A bad argument (``schema`` not a :class:`Schema`, a negative threshold).
    DataValidationError
        ``df`` has no rows, or a column name of ``df`` appears twice.
    MissingDependencyError
        pandera is not installed (``pip install "mlnb[validate]"``).

    Examples
    --------
    >>> result = mlnb.validate_data(serving, mlnb.schema(train))  # doctest: +SKIP
    >>> result.anomalies  # doctest: +SKIP
    """
    if not isinstance(schema, Schema):
        raise MlnbValueError(
            f"schema must be an mlnb Schema (mlnb.schema(train_df) or "
            f"mlnb.Schema.load(path)); got {type(schema).__name__}"
        )
    skew_threshold = _check_threshold(skew_threshold, "skew_threshold", "0.3")
    missing_rate_jump = _check_threshold(missing_rate_jump, "missing_rate_jump", "0.1")
    sev = _check_severities(severities)
    if conditions is not None:
        from ...core.conditions import as_conditions

        as_conditions(conditions)
    pa = _pandera()
    data = frames.to_pandas(df, role="df")
    names = list(data.columns)
    check_unique_names(names, "df")
    n = len(data)
    if n == 0:
        raise DataValidationError(
            "df has no rows: there is nothing to validate; pass the batch of data "
            "the model is about to train on or serve"
        )
    positions = {_key(c): i for i, c in enumerate(names)}

    rows: list[dict] = []

    def add(col, kind, count, expected, found, sentence):
        share = (count / n) if (count is not None and n) else None
        rows.append(
            {
                "column": col.name if isinstance(col, ColumnSchema) else col,
                "kind": kind,
                "severity": sev[kind],
                "count": count,
                "share": share,
                "expected": expected,
                "found": found,
                "sentence": sentence,
            }
        )

    present: list[tuple[ColumnSchema, int]] = []
    for c in schema.columns:
        if _key(c.name) not in positions:
            add(
                c,
                "missing_column",
                None,
                f"{c.type} column",
                "absent",
                f"column {frames._short_repr(c.name)} ({c.type}) is missing from "
                "the data",
            )
        else:
            present.append((c, positions[_key(c.name)]))
    for name in names:
        if name not in schema:
            add(
                name,
                "unexpected_column",
                None,
                "not in the schema",
                "present",
                f"column {frames._short_repr(name)} is not in the schema (the model "
                "never saw it; add it with an edited schema if it belongs)",
            )

    na_counts = data.isna().sum().to_numpy() if n else np.zeros(len(names), int)
    checked: list[tuple[ColumnSchema, int]] = []
    for c, pos in present:
        s = data.iloc[:, pos]
        found = column_kind(s)
        if n and not _compatible(c.type, found, s if found == "float" else None):
            label = _FAMILY_NAMES.get(found, found)
            add(
                c,
                "type_change",
                None,
                c.type,
                label,
                f"column {frames._short_repr(c.name)} was {c.type} in training and "
                f"is {label} now ({s.dtype})",
            )
            continue
        n_missing = int(na_counts[pos])
        rate = n_missing / n if n else 0.0
        if c.nullable and rate - c.missing_rate > missing_rate_jump + 1e-12:
            add(
                c,
                "missing_rate_jump",
                n_missing,
                f"missing ≈ {c.missing_rate:.1%}",
                f"missing {rate:.1%}",
                f"column {frames._short_repr(c.name)} is missing in {rate:.1%} of "
                f"rows, up from {c.missing_rate:.1%} in training (more than "
                f"{missing_rate_jump:.0%} points)",
            )
        checked.append((c, pos))

    _pandera_anomalies(pa, data, checked, add, n)
    skew_report = None
    if reference is not None and checked:
        skew_report = _skew(reference, data, checked, skew_threshold, add, n)

    order = {"error": 0, "warning": 1}
    kind_order = {k: i for i, k in enumerate(ANOMALY_KINDS)}
    rows.sort(key=lambda r: (order[r["severity"]], kind_order[r["kind"]]))
    n_errors = sum(r["severity"] == "error" for r in rows)
    n_warnings = len(rows) - n_errors
    kinds = tuple(dict.fromkeys(r["kind"] for r in rows))
    cols_seen: dict = {}
    for r in rows:
        cols_seen.setdefault(_key(r["column"]), r["column"])
    values = {
        "n_errors": n_errors,
        "n_warnings": n_warnings,
        "n_anomalies": len(rows),
        "n_rows": n,
    }
    status, outcomes = judge(
        conditions,
        values,
        defaults=VALIDATION_CONDITIONS,
        check=ValidationResult.check,
    )
    result = ValidationResult(
        step="deployment",
        status=status,
        summary=_summary(rows, n, schema, present),
        outcomes=outcomes,
        condition_values=values,
        n_rows=n,
        n_columns=len(names),
        n_errors=n_errors,
        n_warnings=n_warnings,
        kinds=kinds,
        columns_with_anomalies=tuple(cols_seen.values()),
        _rows=tuple(rows),
        _skew=skew_report,
    )
    if publish:
        result.publish()
    return result


def _pandera_anomalies(pa, data, checked, add, n) -> None:
    """Range, category, missing and uniqueness checks through pandera's lazy
    validation; the failure cases become one anomaly per column and check."""
    if not checked or not n:
        return
    import pandas as pd

    cols = {}
    frame = {}
    for i, (c, pos) in enumerate(checked):
        checks = pandera_checks(c, pa)
        if not checks and c.nullable and not c.unique:
            continue
        key = f"c{i}"
        cols[key] = pa.Column(
            None, checks=checks, nullable=c.nullable, unique=c.unique, coerce=False
        )
        frame[key] = data.iloc[:, pos]
    if not cols:
        return
    sub = pd.DataFrame(frame, copy=False)
    try:
        pa.DataFrameSchema(cols).validate(sub, lazy=True, inplace=True)
        return
    except pa.errors.SchemaErrors as e:
        failures = e.failure_cases
    by_key = {f"c{i}": c for i, (c, _) in enumerate(checked)}
    failures = failures[failures["column"].isin(list(by_key))]
    checks = failures["check"].astype(str)
    for (key, check), group in failures.groupby(
        [failures["column"], checks], sort=False
    ):
        c = by_key[key]
        kind = _CHECK_KIND.get(check.split("(")[0])
        if kind is None:
            continue
        s = sub[key]
        name = frames._short_repr(c.name)
        if kind == "missing_values":
            count = int(s.isna().sum())
            add(
                c,
                kind,
                count,
                "no missing value",
                f"{count:,} missing",
                f"column {name} has {count:,} missing values ({count / n:.1%}); "
                "it had none in training",
            )
            continue
        if kind == "duplicate_id":
            dup = s.duplicated(keep=False)
            count = int(dup.sum())
            n_values = int(s[dup].nunique())
            add(
                c,
                kind,
                count,
                "unique values",
                f"{n_values:,} repeated",
                f"id column {name} repeats {n_values:,} value(s) over {count:,} rows",
            )
            continue
        if group["index"].isna().all():
            # the check itself raised (e.g. naive dates against zoned bounds):
            # the values are not of the schema's type
            reason = str(group["failure_case"].iloc[0])[:120]
            add(
                c,
                "type_change",
                None,
                c.type,
                f"{s.dtype}",
                f"column {name} cannot be compared with the schema's {c.type} "
                f"values ({s.dtype}): {reason}",
            )
            continue
        values = group["failure_case"]
        count = int(len(values))
        examples = _examples(values)
        if kind == "new_category":
            distinct = int(values.astype(object).nunique())
            add(
                c,
                kind,
                count,
                f"{len(c.categories):,} known categories",
                f"{distinct:,} new: {examples}",
                f"column {name} has {distinct:,} value(s) never seen in training "
                f"({examples}) in {count:,} rows ({count / n:.1%})",
            )
        else:
            add(
                c,
                kind,
                count,
                f"[{_fmt_value(c.min)}, {_fmt_value(c.max)}]",
                examples,
                f"column {name} has {count:,} value(s) ({count / n:.1%}) outside "
                f"the training range [{_fmt_value(c.min)}, {_fmt_value(c.max)}], "
                f"e.g. {examples}",
            )


def _examples(values) -> str:
    counts = values.astype(object).map(_fmt_value).value_counts(sort=True)
    shown = list(counts.index[:N_EXAMPLES])
    more = len(counts) - len(shown)
    return ", ".join(shown) + (f" (+{more:,} more)" if more > 0 else "")


def _skew(reference, data, checked, threshold, add, n):
    from ..drift.report import skew

    features = [
        c.name
        for c, _ in checked
        if c.type not in ("text", "datetime") and not c.unique
    ]
    if not features:
        return None
    from ...core.profile import Profile

    ref_names = (
        reference.names
        if isinstance(reference, Profile)
        else frames.column_names(reference)
    )
    features = [f for f in features if any(frames.same_name(f, r) for r in ref_names)]
    if not features:
        return None
    report = skew(
        reference,
        data,
        features=features,
        drift_thresholds=threshold,
        publish=False,
        n_jobs=1,
    )
    frame = report.to_frame()
    by_name = {_key(c.name): c for c, _ in checked}
    for r in frame.itertuples(index=False):
        if not r.drifted:
            continue
        c = by_name[_key(r.feature)]
        method = {"jensen_shannon": "Jensen-Shannon divergence"}.get(
            r.method, r.method.replace("_", "-")
        )
        add(
            c,
            "skew",
            None,
            f"{r.method} < {threshold:g}",
            f"{r.method} {r.distance:.3f}",
            f"training/serving skew in {frames._short_repr(c.name)}: {method} "
            f"{r.distance:.3f} reaches the threshold {threshold:g}",
        )
    return report


def _summary(rows, n, schema, present) -> str:
    if not rows:
        return (
            f"{n:,} rows match the schema's {len(schema):,} columns: no anomaly found"
        )
    if len(schema) and not present:
        return (
            f"none of the schema's {len(schema):,} columns is in the data: the schema "
            "seems to come from another data set"
        )
    errors = [r for r in rows if r["severity"] == "error"]
    kinds = list(dict.fromkeys(r["kind"].replace("_", " ") for r in rows))
    head = (
        f"{len(errors)} error(s) and {len(rows) - len(errors)} warning(s)"
        if errors
        else f"{len(rows)} warning(s)"
    )
    return f"{head} in {n:,} rows: {', '.join(kinds[:4])}" + (
        "…" if len(kinds) > 4 else ""
    )
