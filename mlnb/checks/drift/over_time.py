"""Step 9 over time: feature drift per window of the current data.

``drift_over_time(reference, current, time_column=..., freq="1D")`` cuts the
current data into windows of time and compares each window with the reference,
feature by feature, with :func:`mlnb.drift` — so every window's numbers are what
``mlnb.drift(reference, window_rows)`` gives. The reference is profiled once
(:func:`mlnb.profile`; or pass a stored :class:`~mlnb.core.profile.Profile`) and
every window is compared with that profile.

Windows
    ``[start, start + freq)``, exactly as pandas bins them with
    ``resample(freq, closed="left", label="left")`` (the same as
    ``groupby(pd.Grouper(key=time_column, freq=freq, closed="left",
    label="left"))``): ``"1D"`` is calendar days from midnight, ``"7D"`` seven days
    from midnight of the first day, ``"W-MON"`` weeks starting on Monday, ``"MS"``
    calendar months. Windows without rows between the first and the last are kept
    (with 0 rows), so the time axis has no holes. Month-, quarter- and year-*end*
    offsets (``"ME"``, ``"QE"``, ``"YE"``) are refused: use ``"MS"``, ``"QS"``,
    ``"YS"``.
Times
    The time column is parsed with :func:`pandas.to_datetime`. A value that cannot
    be parsed is an error that shows examples (no row is dropped silently); a
    numeric column is refused (seconds or milliseconds since the epoch? convert
    it with ``pd.to_datetime(df[col], unit="s")`` first). Rows whose time is
    missing are counted and reported, and belong to no window. The time column
    may also be the index of ``current`` (an index with that name).
Time zones
    Naive times are binned as they are. Time-zone-aware times (a
    ``datetime64[ns, tz]`` column, or strings with one UTC offset) are binned in
    their own zone: ``"1D"`` windows start at local midnight, so a day with a
    daylight-saving change is 23 or 25 hours long. Strings that mix UTC offsets
    are converted to UTC and binned in UTC.
Too-small windows
    A window with fewer than ``min_rows`` rows (default 100) is reported as too
    small and not judged: with a 20-bin histogram or a category share, sampling
    noise alone in a few dozen rows reaches distances near the 0.3 threshold
    (the L-infinity noise of a category share near 50% is about 0.23 at 30 rows
    and 0.12 at 100).
Status
    Conditions (:data:`DRIFT_OVER_TIME_CONDITIONS`) over the *last* window that
    was judged (the current state) and the windows' counts: as for
    :func:`mlnb.drift`, ``pass`` no feature drifted, ``warn`` some did or could
    not be compared, ``fail`` at least half did or a feature is missing; with no
    window large enough to judge, ``warn``. The summary adds since when each
    feature has drifted, windows too small to judge, and rows without a time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ...checklist.result import CheckResult, internal, judge
from ...core.conditions import Condition
from ...core.distances import P_VALUE_METHODS, threshold_ratio
from ...core.factorize import factorize
from ...core.frames import describe_names, same_name
from ...core.jsonsafe import jsonable
from ...core.profile import (
    DEFAULT_BINS,
    DEFAULT_MAX_CATEGORIES,
    Profile,
    check_bins,
    check_max_categories,
    check_n_jobs,
    check_names,
    column_positions,
    has_name,
    profile,
    read_column,
    to_pandas,
)
from ...errors import DataValidationError, MlnbValueError
from ...render import html as H
from ...render.drift import html_heatmap, plot_drift_heatmap, window_label
from .report import (
    _TRUSTED,
    DRIFT_CONDITIONS,
    FEATURE_COLUMNS,
    DriftReport,
    _check_thresholds,
    drift,
)

__all__ = [
    "drift_over_time",
    "DriftOverTime",
    "DEFAULT_MIN_ROWS",
    "MAX_WINDOWS",
    "DRIFT_OVER_TIME_CONDITIONS",
]

#: Windows with fewer rows are reported as too small and not judged.
DEFAULT_MIN_ROWS = 100
#: Most windows one call compares (a longer ``freq`` or a shorter period beyond).
MAX_WINDOWS = 2_000
#: The default conditions of :func:`drift_over_time`: a window must have been
#: judged (else ``warn``), then :func:`mlnb.drift`'s defaults on the last judged
#: window (columns new in the current data are named in the summary only).
DRIFT_OVER_TIME_CONDITIONS: tuple[Condition, ...] = (
    Condition(
        "n_judged",
        ">=",
        1,
        status="warn",
        name="some window judged",
        why="a window with fewer than min_rows rows is sampling noise near the "
        "0.3 threshold, so it is not judged; with none judged, drift is unknown",
    ),
    *(c for c in DRIFT_CONDITIONS if c.metric != "n_new_columns"),
)
#: Methods whose comparison needs the raw reference values (not only a profile).
_RAW_METHODS = {"ks", "wasserstein"}
_END_OFFSETS = {
    "MonthEnd": "MS",
    "BusinessMonthEnd": "MS",
    "SemiMonthEnd": "SMS",
    "QuarterEnd": "QS",
    "BQuarterEnd": "QS",
    "YearEnd": "YS",
    "BYearEnd": "YS",
}


def _ratio(distance: float, threshold: float, method: str) -> float:
    return threshold_ratio(distance, threshold, method)


_fmt_time = window_label


@dataclass(frozen=True, kw_only=True, repr=False)
class DriftOverTime(CheckResult):
    """Per window of time and per feature: distance, threshold, drifted or not.

    Attributes
    ----------
    time_column, freq:
        How the current data was cut into windows.
    method:
        The drift method (a preset name, or ``"custom"`` for a dict).
    min_rows:
        Windows with fewer rows were not judged.
    n_reference, n_current:
        Rows of the reference and of the current data (all windows).
    n_missing_time:
        Current rows without a time (in no window).
    timezone:
        The time zone windows were binned in (``None`` for naive times).
    features:
        The features compared, in the reference's order.
    windows:
        One dict per window, oldest first: ``start``, ``end`` (exclusive),
        ``rows``, ``judged`` (False: fewer than ``min_rows`` rows),
        ``status`` (the window's verdict, None when not judged), ``n_drifted``
        and ``drifted`` (feature names, worst first).
    first_drift:
        ``{feature: start of the first window it drifted in}``, for the features
        that drifted in some window.
    drifted_last:
        Features that drifted in the last judged window, worst first.
    """

    check: ClassVar[str] = "drift_over_time"
    DEFAULT_CONDITIONS: ClassVar[tuple] = DRIFT_OVER_TIME_CONDITIONS

    time_column: Any
    freq: str
    method: str
    min_rows: int
    n_reference: int
    n_current: int
    n_missing_time: int
    timezone: str | None
    features: tuple
    windows: tuple[dict, ...]
    first_drift: dict
    drifted_last: tuple
    _reports: Any = internal()
    _distance: Any = internal()
    _threshold: Any = internal()
    _drifted: Any = internal()
    _methods: Any = internal()
    _kinds: Any = internal()
    _skipped: Any = internal()
    _profile: Any = internal(default=None)

    # -- windows -----------------------------------------------------------------
    @property
    def n_windows(self) -> int:
        return len(self.windows)

    @property
    def last_judged(self) -> int | None:
        """Index of the last window that was judged (None when none was)."""
        judged = [i for i, w in enumerate(self.windows) if w["judged"]]
        return judged[-1] if judged else None

    def window_index(self, window: Any) -> int:
        """The index of ``window``: an int (negative counts from the end), or a
        time (str, datetime, Timestamp) inside the window."""
        import pandas as pd

        n = len(self.windows)
        if isinstance(window, (bool, np.bool_)):
            raise MlnbValueError(f"window must be an index or a time; got {window!r}")
        if isinstance(window, (int, np.integer)):
            i = int(window)
            if not -n <= i < n:
                raise MlnbValueError(
                    f"window {i} does not exist; there are {n} windows "
                    f"(0 to {n - 1}, or -1 for the last)"
                )
            return i % n
        try:
            ts = pd.Timestamp(window)
        except (TypeError, ValueError):
            raise MlnbValueError(
                f"window must be an index or a time; got {window!r}"
            ) from None
        tz = self.windows[0]["start"].tz if n else None
        if ts.tz is None and tz is not None:
            ts = ts.tz_localize(tz)
        elif ts.tz is not None and tz is None:
            raise MlnbValueError(
                f"{window!r} has a time zone but the windows have none; pass a "
                "naive time"
            )
        for i, w in enumerate(self.windows):
            if w["start"] <= ts < w["end"]:
                return i
        first = _fmt_time(self.windows[0]["start"]) if n else "–"
        last = _fmt_time(self.windows[-1]["end"]) if n else "–"
        raise MlnbValueError(
            f"no window contains {window!r}; the windows cover {first} to {last}"
        )

    def report(self, window: Any = -1) -> DriftReport:
        """The :class:`~mlnb.checks.drift.DriftReport` of one window (default: the
        last one): ``window`` is an index or a time inside the window."""
        i = self.window_index(window)
        rep = self._reports[i]
        if rep is None:
            w = self.windows[i]
            raise MlnbValueError(
                f"window {i} ({_fmt_time(w['start'])}) has {w['rows']:,} rows, fewer "
                f"than min_rows={self.min_rows}: it was not judged; pass a smaller "
                "min_rows or a longer freq to compare it"
            )
        return rep

    @property
    def profile(self) -> Profile | None:
        """The reference profile every window was compared with."""
        return self._profile

    # -- tables --------------------------------------------------------------------
    def _ratio_matrix(self) -> np.ndarray:
        out = np.full(self._distance.shape, np.nan)
        for f in range(out.shape[0]):
            for w in range(out.shape[1]):
                out[f, w] = _ratio(
                    self._distance[f, w], self._threshold[f, w], self._methods[f][w]
                )
        return out

    def heatmap(self, values: str = "ratio"):
        """Features × windows as a DataFrame (rows: features; columns: window
        starts). ``values``: ``"ratio"`` (distance / threshold; ≥ 1 means drifted;
        threshold / p-value for p-value methods), ``"distance"`` or ``"drifted"``
        (1.0 / 0.0). NaN where a window was not judged or a feature not compared."""
        import pandas as pd

        if values == "ratio":
            data = self._ratio_matrix()
        elif values == "distance":
            data = self._distance.copy()
        elif values == "drifted":
            data = np.where(np.isnan(self._distance), np.nan, self._drifted * 1.0)
        else:
            raise MlnbValueError(
                f"values must be 'ratio', 'distance' or 'drifted'; got {values!r}"
            )
        columns = pd.DatetimeIndex(
            [w["start"] for w in self.windows], name="window_start"
        )
        return pd.DataFrame(
            data, index=pd.Index(list(self.features), name="feature"), columns=columns
        )

    def to_frame(self):
        """One row per window and feature: ``window`` (index), ``window_start``,
        ``window_end``, ``rows``, ``feature``, ``kind``, ``method``, ``distance``,
        ``threshold``, ``drifted``, ``skipped_reason`` (why a value is missing:
        the window was too small, or the feature could not be compared)."""
        import pandas as pd

        rows = []
        for w_i, w in enumerate(self.windows):
            for f_i, name in enumerate(self.features):
                rows.append(
                    {
                        "window": w_i,
                        "window_start": w["start"],
                        "window_end": w["end"],
                        "rows": w["rows"],
                        "feature": name,
                        "kind": self._kinds[f_i],
                        "method": self._methods[f_i][w_i],
                        "distance": float(self._distance[f_i, w_i]),
                        "threshold": float(self._threshold[f_i, w_i]),
                        "drifted": bool(self._drifted[f_i, w_i]),
                        "skipped_reason": self._skipped.get((f_i, w_i), ""),
                    }
                )
        columns = ["window", "window_start", "window_end", "rows", *FEATURE_COLUMNS]
        return pd.DataFrame(rows, columns=columns)

    def record_metrics(self) -> dict[str, Any]:
        last = self.last_judged
        return {
            "method": self.method,
            "freq": self.freq,
            "n_windows": self.n_windows,
            "n_judged": sum(w["judged"] for w in self.windows),
            "n_too_small": sum(not w["judged"] for w in self.windows),
            "n_missing_time": self.n_missing_time,
            "last_window": None if last is None else self.windows[last]["start"],
            "n_drifted_last": len(self.drifted_last),
            "drifted_last": list(self.drifted_last[:10]),
            "first_drift": dict(list(self.first_drift.items())[:10]),
        }

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["cells"] = jsonable(
            [
                {k: v for k, v in r.items() if k not in ("window_start", "window_end")}
                for r in self.to_frame().to_dict("records")
            ]
        )
        return out

    # -- display -------------------------------------------------------------------
    def _html_sections(self) -> list[str]:
        muted = "color:var(--jp-ui-font-color2, #555)"
        n_rows = sum(w["rows"] for w in self.windows)
        info = (
            f"{self.n_windows:,} windows of {self.freq} on {self.time_column} · "
            f"{n_rows:,} rows · reference {self.n_reference:,} rows · "
            f"min_rows {self.min_rows:,}"
        )
        if self.n_missing_time:
            info += f" · {self.n_missing_time:,} rows without a time"
        out = [f'<div style="{muted};font-size:12px">{H.esc(info)}</div>']
        out.append(html_heatmap(self))
        return out

    def plot(self, *, ax: Any = None, max_features: int = 30, max_windows: int = 60):
        """Heatmap of distance / threshold per feature (rows, the worst
        ``max_features``) and window (columns, the last ``max_windows``), drifted
        cells marked; draws on ``ax`` (default: a new figure) and returns the
        matplotlib Axes."""
        return plot_drift_heatmap(
            self, ax=ax, max_features=max_features, max_windows=max_windows
        )


# ---------------------------------------------------------------------------------
# the computation
# ---------------------------------------------------------------------------------
def _parse_freq(freq: Any):
    from pandas.tseries.frequencies import to_offset

    try:
        offset = to_offset(freq)
    except (TypeError, ValueError):
        raise MlnbValueError(
            f"freq must be a pandas frequency such as '1D', '7D', '12h', 'W-MON' or "
            f"'MS'; got {freq!r}"
        ) from None
    if offset is None:
        raise MlnbValueError("freq is required, e.g. '1D' or '7D'")
    name = type(offset).__name__
    if name in _END_OFFSETS:
        raise MlnbValueError(
            f"freq {freq!r} anchors windows at period ends; windows here are [start, "
            f"start + freq), so use the period-start frequency "
            f"{_END_OFFSETS[name]!r} instead"
        )
    try:
        positive = offset.n > 0
    except AttributeError:  # pragma: no cover - every offset has n
        positive = True
    if not positive:
        raise MlnbValueError(f"freq must be a positive length of time; got {freq!r}")
    return offset


def _parse_times(values: Any, name: str):
    """``(times, n_missing)``: the column as datetime64 (naive or aware) and how
    many values are missing. Unparsable values raise, with examples."""
    import warnings

    import pandas as pd

    s = pd.Series(values, copy=False)
    dtype = s.dtype
    if isinstance(dtype, pd.PeriodDtype):
        s = s.dt.to_timestamp()
        dtype = s.dtype
    if dtype.kind == "M" or isinstance(dtype, pd.DatetimeTZDtype):
        return s.dt.as_unit("ns"), int(s.isna().sum())
    if dtype.kind in "iufb":
        sample = s.dropna().head(3).tolist()
        raise MlnbValueError(
            f"time column {name!r} is numeric ({dtype}, such as {sample}); it is not "
            "clear whether those are seconds, milliseconds or something else. Convert "
            f"it first, e.g. df[{name!r}] = pd.to_datetime(df[{name!r}], unit='s')"
        )
    if dtype.kind == "m":
        raise MlnbValueError(
            f"time column {name!r} holds durations ({dtype}), not points in time; "
            "add them to a start time first"
        )
    missing = s.isna().to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # format inference, mixed time zones
        try:
            parsed = pd.to_datetime(s, errors="coerce")
        except (TypeError, ValueError, OverflowError):
            parsed = None
        if parsed is None or not (
            parsed.dtype.kind == "M" or isinstance(parsed.dtype, pd.DatetimeTZDtype)
        ):
            # mixed UTC offsets (or mixed aware and naive values): compare in UTC
            try:
                parsed = pd.to_datetime(s, errors="coerce", utc=True)
            except (TypeError, ValueError, OverflowError) as exc:
                raise DataValidationError(
                    f"time column {name!r} could not be parsed as dates or times "
                    f"({exc}); parse it yourself with pd.to_datetime(df[{name!r}], "
                    "format=...) and pass the result"
                ) from None
    bad = parsed.isna().to_numpy() & ~missing
    if bad.any():
        examples = list(dict.fromkeys(str(v) for v in s[bad].head(200).tolist()))[:5]
        n_bad = int(bad.sum())
        raise DataValidationError(
            f"time column {name!r} has {n_bad:,} of {len(s):,} values that are not "
            f"dates or times, such as {examples}; expected values that "
            "pandas.to_datetime parses, like '2024-03-01' or '2024-03-01 12:30:00'. "
            "Fix or drop those rows; if the column mixes formats, parse it yourself "
            f"with pd.to_datetime(df[{name!r}], format='mixed') (or format='%d/%m/%Y' "
            "and so on) and pass the result"
        )
    # one resolution whatever pandas parsed strings to (pandas 3 picks seconds
    # or microseconds), so windows and their labels agree across inputs
    return parsed.dt.as_unit("ns"), int(missing.sum())


def _check_features(features, time_column, reference_names):
    """The features to compare: every reference column but the time column, or
    the given ones (checked against the reference; never the time column)."""
    reference_names = list(reference_names)
    if features is None:
        return [n for n in reference_names if not same_name(n, time_column)]
    one = isinstance(features, str) or (
        isinstance(features, tuple) and _is_name_of(features, reference_names)
    )
    features = (
        [features]
        if one or not isinstance(features, (list, tuple))
        else (list(features))
    )
    if any(same_name(f, time_column) for f in features):
        raise MlnbValueError(
            f"features include the time column {time_column!r}; the windows are cut "
            "along it, so leave it out of features"
        )
    return check_names(
        features, available=reference_names, argument="features", role="reference"
    )


def _is_name_of(name, names) -> bool:
    return any(same_name(n, name) for n in names)


def _needs_raw(method: Any) -> bool:
    if isinstance(method, dict):
        return any(m in _RAW_METHODS for m in method.values())
    return method == "evidently"


def drift_over_time(
    reference: Any,
    current: Any,
    *,
    time_column: str,
    freq: str = "1D",
    features: list[str] | None = None,
    categorical: list[str] | None = None,
    method: Any = "vertex",
    drift_thresholds: Any = None,
    bins: int = DEFAULT_BINS,
    max_categories: int = DEFAULT_MAX_CATEGORIES,
    min_rows: int = DEFAULT_MIN_ROWS,
    n_jobs: int | None = None,
    conditions: Any = None,
    publish: bool = True,
    progress: bool = True,
) -> DriftOverTime:
    """Feature drift per window of time: each window of ``current`` compared with
    ``reference`` by :func:`mlnb.drift`.

    Parameters
    ----------
    reference:
        The baseline: a DataFrame (pandas, polars, pyarrow Table) or a stored
        :class:`~mlnb.core.profile.Profile`. It is profiled once; a column named
        ``time_column`` in it is ignored.
    current:
        The data to watch, with a time column (or a time index of that name).
    time_column:
        The column that places each row in time (see the module docstring for
        parsing and time zones).
    freq:
        Window length, a pandas frequency: ``"1D"`` (default), ``"7D"``,
        ``"12h"``, ``"W-MON"``, ``"MS"``.
    features, categorical, method, drift_thresholds, bins, max_categories:
        As for :func:`mlnb.drift` (default features: every column of the
        reference except the time column).
    min_rows:
        Windows with fewer rows are reported as too small and not judged
        (default 100).
    n_jobs:
        Threads profiling the reference's features side by side (default None:
        one per CPU). Windows are compared one feature at a time unless
        ``n_jobs`` is given (many small comparisons: threads cost more than they
        save).
    conditions:
        :class:`mlnb.Condition` rules that decide the status, replacing
        :data:`DRIFT_OVER_TIME_CONDITIONS`. They read the last judged window's
        :func:`mlnb.drift` values (``n_features``, ``n_drifted``,
        ``drifted_share``, ``max_ratio``, ``dataset_drift``, ``n_skipped``,
        ``n_schema_problems``; undefined when no window was judged) and
        ``n_windows``, ``n_judged``, ``n_too_small``, ``n_missing_time``,
        ``n_ever_drifted`` (features that drifted in some judged window) and
        ``n_new_columns``. Each window's own ``status`` stays
        :func:`mlnb.drift`'s default verdict.
    publish:
        Record the result as this session's evidence for step 9.
    progress:
        Show a progress bar (tqdm) while windows are compared; interrupting the
        kernel stops at once (``KeyboardInterrupt``) and publishes nothing.

    Returns
    -------
    DriftOverTime

    Raises
    ------
    DataValidationError
        The current data is empty, its time column cannot be parsed (the message
        shows examples) or has no time at all.
    MlnbValueError
        A bad argument: unknown time column, freq, features; too many windows.

    Examples
    --------
    >>> over = mlnb.drift_over_time(
    ...     train, serving, time_column="ts", freq="7D"
    ... )  # doctest: +SKIP
    >>> over.first_drift  # doctest: +SKIP
    {'x0': Timestamp('2024-03-04 00:00:00')}
    >>> over.report("2024-03-04").distribution("x0")  # doctest: +SKIP
    """
    import pandas as pd
    from tqdm.auto import tqdm

    if isinstance(current, Profile):
        raise MlnbValueError(
            "current must be data (a DataFrame with a time column), not a profile; "
            "the reference may be a profile"
        )
    if time_column is None or time_column == "" or not _hashable(time_column):
        raise MlnbValueError(
            f"time_column must name the column with the times; got {time_column!r}"
        )
    check_n_jobs(n_jobs)
    if (
        isinstance(min_rows, (bool, np.bool_))
        or not isinstance(min_rows, (int, np.integer))
        or min_rows < 1
    ):
        raise MlnbValueError(
            f"min_rows must be a whole number >= 1 (the fewest rows a window needs "
            f"to be judged, default {DEFAULT_MIN_ROWS}); got {min_rows!r:.60}"
        )
    bins = check_bins(bins)
    max_categories = check_max_categories(max_categories)
    offset = _parse_freq(freq)
    freq_text = freq if isinstance(freq, str) else offset.freqstr
    cur = to_pandas(current, "current")
    positions = column_positions(cur)
    if not has_name(positions, time_column, cur) and _index_named(cur, time_column):
        cur = cur.reset_index()
        positions = column_positions(cur)
    if len(cur) == 0:
        raise DataValidationError(
            "the current batch is empty; there is nothing to compare (did a filter "
            "or a query select no rows?)"
        )
    if not has_name(positions, time_column, cur):
        raise MlnbValueError(
            f"time column {time_column!r} is not in the current data; its columns are "
            f"{describe_names(list(cur.columns))}"
        )
    times, n_missing_time = _parse_times(
        read_column(cur, positions, time_column, role="time_column"), time_column
    )
    if n_missing_time == len(cur):
        raise DataValidationError(
            f"every value of the time column {time_column!r} is missing; there is no "
            "row to place in a window"
        )

    # -- the reference: profiled once ---------------------------------------------
    raw_ref = None
    if isinstance(reference, Profile):
        ref_profile = reference.validate()
        names = _check_features(features, time_column, ref_profile.names)
        if _needs_raw(method):
            raise MlnbValueError(
                f"method {method!r} needs the reference data (its tests use the raw "
                "values); pass the reference DataFrame instead of a profile, or use "
                "method='vertex' or 'psi'"
            )
    else:
        raw_ref = to_pandas(reference, "reference")
        names = _check_features(features, time_column, list(raw_ref.columns))
        if not names:
            raise MlnbValueError(
                f"the reference has no column besides the time column {time_column!r}"
            )
        ref_profile = profile(
            raw_ref,
            features=names,
            categorical=categorical,
            bins=bins,
            max_categories=max_categories,
            n_jobs=n_jobs,
        )
    if not names:
        raise MlnbValueError("no feature to compare")
    _check_thresholds(drift_thresholds, names)
    # the raw reference only where a method needs raw values (then drift() profiles
    # it again per window); otherwise every window is compared with the profile
    ref_arg: Any = ref_profile
    if _needs_raw(method):
        ref_arg = _select_columns(raw_ref, column_positions(raw_ref), names)

    # -- windows --------------------------------------------------------------------
    tvals = pd.DatetimeIndex(times)
    present = np.flatnonzero(~tvals.isna())
    ns = tvals.asi8[present]
    order = present[np.argsort(ns, kind="stable")]
    first, last = tvals[order[0]], tvals[order[-1]]
    from pandas.tseries.offsets import Tick

    if isinstance(offset, Tick):
        estimate = (last - first) / pd.Timedelta(offset) + 1
        if estimate > MAX_WINDOWS:
            raise MlnbValueError(
                f"freq {freq_text!r} cuts {_fmt_time(first)} to {_fmt_time(last)} into "
                f"about {int(estimate):,} windows, more than {MAX_WINDOWS:,}; choose a "
                "longer freq or select a shorter period of the current data"
            )
    sorted_times = tvals[order]
    counts = (
        pd.Series(np.ones(len(order), dtype=np.int8), index=sorted_times)
        .resample(offset, closed="left", label="left")
        .size()
    )
    if len(counts) > MAX_WINDOWS:
        raise MlnbValueError(
            f"freq {freq_text!r} gives {len(counts):,} windows, more than "
            f"{MAX_WINDOWS:,}; choose a longer freq or select a shorter period"
        )
    starts = counts.index
    final_end = pd.date_range(starts[-1], periods=2, freq=offset)[-1]
    ends = [*starts[1:], final_end]
    bounds = np.concatenate([[0], np.cumsum(counts.to_numpy())])
    data = _select_columns(cur, positions, names)
    if ref_arg is ref_profile:  # counted against the profile: strings -> codes
        data = _strings_as_categories(data, ref_profile)

    # -- one comparison per window --------------------------------------------------
    n_f, n_w = len(names), len(starts)
    distance = np.full((n_f, n_w), np.nan)
    threshold = np.full((n_f, n_w), np.nan)
    drifted = np.zeros((n_f, n_w), dtype=bool)
    methods = [[""] * n_w for _ in range(n_f)]
    skipped: dict[tuple[int, int], str] = {}
    reports: list[DriftReport | None] = []
    windows: list[dict] = []
    shared: dict[tuple[str, str], list] = {}
    position = {n: i for i, n in enumerate(names)}
    bar = tqdm(total=n_w, desc="drift per window", unit="window", disable=not progress)
    trusted = _TRUSTED.set(ref_profile)  # validated once above, not per window
    try:
        for w in range(n_w):
            rows = int(bounds[w + 1] - bounds[w])
            window = {
                "start": starts[w],
                "end": ends[w],
                "rows": rows,
                "judged": rows >= min_rows,
                "status": None,
                "n_drifted": 0,
                "drifted": [],
            }
            windows.append(window)
            if rows < min_rows:
                reason = (
                    f"window too small: {rows:,} rows, fewer than min_rows={min_rows}"
                    if rows
                    else "window has no rows"
                )
                for f in range(n_f):
                    skipped[(f, w)] = reason
                reports.append(None)
                bar.update(1)
                continue
            rep = drift(
                ref_arg,
                data.iloc[order[bounds[w] : bounds[w + 1]]],
                features=names,
                categorical=categorical,
                method=method,
                drift_thresholds=drift_thresholds,
                bins=bins,
                max_categories=max_categories,
                # many small comparisons: threads cost more than they save
                n_jobs=1 if n_jobs is None else n_jobs,
                publish=False,
            )
            _share_bins(rep, shared)
            for r in rep.to_frame().to_dict("records"):
                f = position.get(r["feature"])
                if f is None:
                    continue
                if r["skipped_reason"]:
                    skipped[(f, w)] = r["skipped_reason"]
                    continue
                distance[f, w] = r["distance"]
                threshold[f, w] = r["threshold"]
                drifted[f, w] = bool(r["drifted"])
                methods[f][w] = r["method"]
            window["status"] = rep.status
            window["drifted"] = list(rep.drifted_features)
            window["n_drifted"] = len(rep.drifted_features)
            reports.append(rep)
            bar.update(1)
    finally:
        _TRUSTED.reset(trusted)
        bar.close()

    kinds = [ref_profile.features[n].kind for n in names]
    first_drift: dict[str, Any] = {}
    for f, name in enumerate(names):
        hit = np.flatnonzero(drifted[f])
        if len(hit):
            first_drift[name] = starts[hit[0]]
    first_drift = dict(sorted(first_drift.items(), key=lambda kv: kv[1]))
    judged = [w for w in range(n_w) if windows[w]["judged"]]
    last = judged[-1] if judged else None
    drifted_last = tuple(windows[last]["drifted"]) if last is not None else ()
    tz = getattr(tvals, "tz", None)
    new_columns = []
    if features is None:
        new_columns = [
            c
            for c in cur.columns
            if not same_name(c, time_column) and c not in ref_profile.features
        ]
    # apply the conditions, then word the summary
    values = _values(
        windows=windows,
        reports=reports,
        drifted=drifted,
        last=last,
        n_missing_time=n_missing_time,
        n_new_columns=len(new_columns),
    )
    status, outcomes = judge(
        conditions,
        values,
        defaults=DriftOverTime.DEFAULT_CONDITIONS,
        check=DriftOverTime.check,
    )
    summary = _summary(
        names=names,
        windows=windows,
        reports=reports,
        drifted=drifted,
        skipped=skipped,
        first_drift=first_drift,
        min_rows=min_rows,
        n_missing_time=n_missing_time,
        n_current=len(cur),
        new_columns=new_columns,
    )
    result = DriftOverTime(
        step="drift",
        status=status,
        summary=summary,
        outcomes=outcomes,
        condition_values=values,
        time_column=time_column,
        freq=freq_text,
        method=reports[last].method if last is not None else _method_name(method),
        min_rows=int(min_rows),
        n_reference=ref_profile.n_rows,
        n_current=len(cur),
        n_missing_time=n_missing_time,
        timezone=None if tz is None else str(tz),
        features=tuple(names),
        windows=tuple(windows),
        first_drift=first_drift,
        drifted_last=drifted_last,
        _reports=reports,
        _distance=distance,
        _threshold=threshold,
        _drifted=drifted,
        _methods=methods,
        _kinds=kinds,
        _skipped=skipped,
        _profile=ref_profile,
    )
    return result.publish() if publish else result


def _method_name(method: Any) -> str:
    return "custom" if isinstance(method, dict) else str(method)


def _share_bins(report: DriftReport, shared: dict) -> None:
    """Windows compared with one profile have the same bin labels and reference
    shares: keep one copy of each list for all windows (memory of long runs)."""
    for name, dist in (report._distributions or {}).items():
        for key in ("labels", "reference"):
            known = shared.get((name, key))
            if known is not None and known == dist[key]:
                dist[key] = known
            else:
                shared[(name, key)] = dist[key]


def _select_columns(frame: Any, positions: dict, names: list) -> Any:
    """The columns ``names`` that ``frame`` has, in that order (a duplicated name
    is an error)."""
    keep = []
    for n in names:
        if has_name(positions, n, frame):
            read_column(frame, positions, n, role="feature")  # raises if duplicated
            keep.append(positions[n])
    return frame.iloc[:, keep]


def _strings_as_categories(frame: Any, ref_profile: Profile) -> Any:
    """``frame`` with its string features (object, ``string``, Arrow strings) that
    the reference profiled as categorical turned into pandas categoricals: the
    strings are hashed once here, not again in every window, and each window's
    counts come from integer codes. Counts are unchanged (a category's text is
    the value's text); a column that cannot be factorized is left as it is."""
    import pandas as pd

    columns = {}
    for i, name in enumerate(frame.columns):
        fp = ref_profile.features.get(name)
        series = frame.iloc[:, i]
        if fp is None or fp.kind != "categorical" or not _is_text(series.dtype):
            continue
        try:
            codes, uniques = factorize(series)
        except (TypeError, ValueError, NotImplementedError):  # e.g. unhashable
            # values: left to drift(), which says what is wrong
            continue
        columns[i] = pd.Categorical.from_codes(
            codes, pd.Index(uniques, dtype=object), validate=False
        )
    if not columns:
        return frame
    out = frame.copy(deep=False)
    for i, values in columns.items():
        out.isetitem(i, values)
    return out


def _is_text(dtype: Any) -> bool:
    import pandas as pd

    if isinstance(dtype, pd.StringDtype) or getattr(dtype, "kind", "") == "O":
        return not isinstance(dtype, pd.CategoricalDtype)
    arrow = getattr(dtype, "pyarrow_dtype", None)  # pandas.ArrowDtype
    return arrow is not None and "string" in str(arrow)


def _hashable(name: Any) -> bool:
    try:
        hash(name)
    except TypeError:
        return False
    return True


def _index_named(frame: Any, name: Any) -> bool:
    return frame.index.name is not None and same_name(frame.index.name, name)


def _values(
    *, windows, reports, drifted, last, n_missing_time, n_new_columns
) -> dict[str, Any]:
    """The values drift-over-time conditions read."""
    judged = [w for w, win in enumerate(windows) if win["judged"]]
    ever = drifted[:, judged].any(axis=1) if judged else np.zeros(0, dtype=bool)
    out: dict[str, Any] = {
        "n_windows": len(windows),
        "n_judged": len(judged),
        "n_too_small": len(windows) - len(judged),
        "n_missing_time": int(n_missing_time),
        "n_ever_drifted": int(ever.sum()),
        "n_new_columns": int(n_new_columns),
    }
    last_values = reports[last].condition_values if last is not None else {}
    for key in (
        "n_features",
        "n_drifted",
        "drifted_share",
        "max_ratio",
        "dataset_drift",
        "n_skipped",
        "n_schema_problems",
    ):
        out[key] = last_values.get(key, math.nan)
    return out


def _summary(
    *,
    names,
    windows,
    reports,
    drifted,
    skipped,
    first_drift,
    min_rows,
    n_missing_time,
    n_current,
    new_columns,
) -> str:
    judged = [w for w, win in enumerate(windows) if win["judged"]]
    n_small = len(windows) - len(judged)
    parts: list[str] = []
    if not judged:
        parts.append(
            f"no window has at least min_rows={min_rows} rows ({len(windows):,} "
            f"windows, at most {max(w['rows'] for w in windows):,} rows each); nothing "
            "was judged — pass a smaller min_rows or a longer freq"
        )
        if n_missing_time:
            parts.append(f"{n_missing_time:,} rows without a time left out")
        return "; ".join(parts)

    last = judged[-1]
    last_win = windows[last]
    last_rep: DriftReport = reports[last]
    # since when: features that drifted in some window
    history = []
    for name, start in first_drift.items():
        f = position_of(names, name)
        since = [w for w in judged if windows[w]["start"] >= start]
        n_hit = int(drifted[f, since].sum())
        if n_hit == len(since) and len(since) > 1:
            history.append(f"{name} drifted from {_fmt_time(start)} on")
        elif n_hit == len(since):
            history.append(f"{name} drifted in the last window")
        elif drifted[f, last]:
            history.append(
                f"{name} drifted in {n_hit} of {len(since)} windows since "
                f"{_fmt_time(start)}"
            )
        else:
            history.append(
                f"{name} drifted in {n_hit} earlier window{'s' * (n_hit > 1)} "
                f"(first {_fmt_time(start)}), not in the last"
            )
    if history:
        shown = history[:3]
        if len(history) > 3:
            shown.append(f"{len(history) - 3} more features drifted in some window")
        parts.append(", ".join(shown))

    compared = last_rep.to_frame().to_dict("records")
    n_compared = sum(1 for r in compared if not r["skipped_reason"])
    when = f"{_fmt_time(last_win['start'])}, {last_win['rows']:,} rows"
    if last_rep.drifted_features:
        rows = {r["feature"]: r for r in compared}
        top = ", ".join(
            f"{n} ({_fmt_distance(rows[n])})" for n in last_rep.drifted_features[:3]
        )
        more = len(last_rep.drifted_features) - 3
        parts.append(
            f"{len(last_rep.drifted_features)} of {n_compared} features drifted in the "
            f"last window ({when}): {top}" + (f" and {more} more" if more > 0 else "")
        )
    elif n_compared and not first_drift:
        parts.append(
            f"no drift in any of {len(judged)} windows across {n_compared} features "
            f"(last window {when})"
        )
    elif n_compared:
        parts.append(
            f"no drift in the last window ({when}) across {n_compared} features"
        )
    if last_rep.skipped:
        shown = "; ".join(f"{k}: {v}" for k, v in list(last_rep.skipped.items())[:3])
        parts.append(
            f"{len(last_rep.skipped)} feature(s) not compared in the last window "
            f"({shown})"
        )
    earlier_at = {
        f for (f, w), _ in skipped.items() if windows[w]["judged"] and w != last
    }
    earlier = sorted(
        (names[f] for f in earlier_at if names[f] not in last_rep.skipped), key=str
    )
    if earlier:
        parts.append(
            f"{len(earlier)} feature(s) not compared in some earlier window: "
            f"{', '.join(str(n) for n in earlier[:5])}"
            f"{' …' if len(earlier) > 5 else ''}"
        )
    after = list(range(last + 1, len(windows)))
    if after:
        parts.append(
            f"the latest {len(after)} window(s) (from "
            f"{_fmt_time(windows[after[0]]['start'])}) had fewer than {min_rows} rows "
            "and were not judged"
        )
    elif n_small:
        parts.append(f"{n_small} window(s) with fewer than {min_rows} rows not judged")
    if n_missing_time:
        parts.append(
            f"{n_missing_time:,} of {n_current:,} rows have no time and are in no "
            "window"
        )
    if new_columns:
        parts.append(f"{len(new_columns)} column(s) not in the reference")
    return "; ".join(parts)


def _fmt_distance(r: dict) -> str:
    if r["method"] in P_VALUE_METHODS:
        return f"p={r['distance']:.2g}"
    return f"{r['distance']:.3f} ≥ {r['threshold']:g}"


def position_of(names: list, name: Any) -> int:
    """The position of ``name`` in ``names`` (0 is not "0")."""
    return next(i for i, n in enumerate(names) if same_name(n, name))
