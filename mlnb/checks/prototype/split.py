"""The holdout split of :func:`mlnb.prototype`, chosen so the holdout score is honest.

Which split, in this order:

1. **by time** when ``time_column`` is given: rows are ordered by time (a stable
   sort, so equal times keep their order) and the last ``test_size`` share becomes
   the test set. Every test row's time is at or after every training row's time.
   Rows whose time equals the time at the cut all go to the **test** side; when that
   would leave no training row they all go to the training side instead (and the
   test set holds only strictly later rows). A model that sees the future in
   training scores better on a random holdout than it ever will in use.
2. **grouped** when ``group_column`` is given, or when a column looks like a
   repeating id (:func:`find_repeating_id`): whole groups are drawn at random
   (``random_state``) until the test set holds at least ``test_size`` of the rows,
   so no group is on both sides — rows of one customer or patient on both sides
   let a model recognise the customer instead of learning the task. A missing
   group value is a group of its own.
3. **stratified** for a classification label (every class keeps its share on both
   sides; scikit-learn's ``train_test_split(stratify=...)``), **shuffled** for
   regression or when a class has a single row.

The rule for a repeating id (used only when neither ``time_column`` nor
``group_column`` is given): a column whose name reads as an id (it
is ``id``, ``key``, ``uuid`` or ``guid``, or ends with one of them after a
separator, or with ``ID`` / ``Id`` in camel case: ``user_id``, ``customerID``,
``account-key`` — but not ``paid`` or ``valid``), holding integers or
strings, with at least :data:`ID_MIN_GROUPS` distinct values, and whose values
repeat: at least :data:`ID_MIN_REPEATED_SHARE` of the rows share their value with
another row. Such a column is not used as a feature unless ``features`` names it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...errors import DataValidationError, MlnbValueError

__all__ = [
    "Split",
    "time_split",
    "group_split",
    "random_split",
    "parse_times",
    "find_repeating_id",
    "ID_MIN_GROUPS",
    "ID_MIN_REPEATED_SHARE",
    "MIN_ROWS",
]

#: A repeating id needs at least this many distinct values to be used for groups.
ID_MIN_GROUPS = 20
#: ... and at least this share of rows must share their id with another row.
ID_MIN_REPEATED_SHARE = 0.1
#: The fewest rows :func:`mlnb.prototype` splits (at least 2 on each side as well).
MIN_ROWS = 10

_ID_NAME = re.compile(r"([a-z0-9](ID|Id)$)|([_\-\s.](id|ID|Id|key|uuid|guid)$)")


@dataclass(frozen=True)
class Split:
    """Which rows train and which test, and why.

    Attributes
    ----------
    kind:
        ``"time"``, ``"group"``, ``"stratified"`` or ``"shuffled"``.
    reason:
        One sentence saying why this split was used.
    train, test:
        Row positions (int64 arrays): sorted for time and grouped splits, in the
        order scikit-learn's ``train_test_split`` draws them otherwise (so a model
        fitted by hand on the same split sees the rows in the same order).
    column:
        The time or group column (``None`` otherwise).
    detail:
        Facts of the split: the time at the cut, group counts, where ties went.
    """

    kind: str
    reason: str
    train: np.ndarray = field(repr=False)
    test: np.ndarray = field(repr=False)
    column: Any = None
    detail: dict = field(default_factory=dict)

    @property
    def n_train(self) -> int:
        return len(self.train)

    @property
    def n_test(self) -> int:
        return len(self.test)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly facts (no row positions)."""
        return {
            "kind": self.kind,
            "reason": self.reason,
            "column": self.column,
            "n_train": self.n_train,
            "n_test": self.n_test,
            **self.detail,
        }


def _n_test(n: int, test_size: float) -> int:
    k = int(np.ceil(test_size * n))
    return min(max(k, 1), n - 1)


def _check_sizes(n_train: int, n_test: int, what: str) -> None:
    if n_train < 2 or n_test < 1:
        raise DataValidationError(
            f"the {what} split leaves {n_train} training and {n_test} test rows; "
            "prototype() needs at least 2 training rows and 1 test row. Pass more "
            "rows or change test_size."
        )


def parse_times(values: Any, *, name: Any) -> np.ndarray:
    """A time column as sortable int64 / float64 values.

    Datetimes (numpy, pandas with a time zone, pyarrow) and numbers are used as
    they are; strings and objects are parsed with :func:`pandas.to_datetime`.

    Raises
    ------
    DataValidationError
        Values that do not parse as times (the message shows the first few), or
        missing times.
    """
    import pandas as pd

    s = pd.Series(values, copy=False)
    if isinstance(s.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(
        s.dtype
    ):
        parsed = s
    elif pd.api.types.is_bool_dtype(s.dtype):
        raise DataValidationError(
            f"time column {name!r} holds booleans, not times; pass a column of "
            "datetimes, numbers (e.g. a Unix time) or date strings"
        )
    elif pd.api.types.is_numeric_dtype(s.dtype):
        arr = s.to_numpy(dtype=np.float64, na_value=np.nan)
        _raise_missing_times(np.isnan(arr), name)
        return arr
    else:
        try:
            parsed = pd.to_datetime(s, format="mixed", utc=True)
        except (ValueError, TypeError, OverflowError) as exc:
            bad = []
            for v in s.dropna().unique()[:200]:
                try:
                    pd.to_datetime(v, utc=True)
                except (ValueError, TypeError, OverflowError):
                    bad.append(v)
                if len(bad) >= 3:
                    break
            shown = ", ".join(repr(v)[:40] for v in bad) or str(exc)[:80]
            raise DataValidationError(
                f"time column {name!r} does not parse as times (e.g. {shown}); pass "
                "datetimes, numbers or date strings such as '2024-01-31', or convert "
                f"it first: df[{name!r}] = pd.to_datetime(df[{name!r}], format=...)"
            ) from None
    missing = parsed.isna().to_numpy()
    _raise_missing_times(missing, name)
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    return parsed.to_numpy().astype("datetime64[ns]").view(np.int64)


def _raise_missing_times(missing: np.ndarray, name: Any) -> None:
    if missing.any():
        raise DataValidationError(
            f"time column {name!r} has {int(missing.sum()):,} missing values (the "
            f"first at row {int(np.flatnonzero(missing)[0]):,}); a row without a "
            "time cannot be placed before or after the cut. Drop those rows or fill "
            "their time."
        )


def time_split(times: np.ndarray, *, test_size: float, column: Any) -> Split:
    """The last ``test_size`` share of rows by time is the test set (see the
    module docstring for ties)."""
    n = len(times)
    order = np.argsort(times, kind="stable")
    cut = n - _n_test(n, test_size)
    t_sorted = times[order]
    cut_time = t_sorted[cut]
    first_tie = int(np.searchsorted(t_sorted, cut_time, side="left"))
    ties = "test"
    boundary = first_tie
    if boundary == 0:  # every row up to the cut shares its time: ties to train
        boundary = int(np.searchsorted(t_sorted, cut_time, side="right"))
        ties = "train"
    if boundary >= n:
        raise DataValidationError(
            f"time column {column!r} has a single time for the rows around the cut "
            f"(all {n:,} rows up to the last share {test_size:.0%} share one time), "
            "so no row is strictly later than the training rows; pass a finer time "
            "column, or use group_column= or no time_column"
        )
    train = np.sort(order[:boundary])
    test = np.sort(order[boundary:])
    _check_sizes(len(train), len(test), "time")
    return Split(
        kind="time",
        reason=(
            f"time_column={column!r} was given: the {len(test):,} latest rows are "
            "the test set, so the model is scored on rows after everything it "
            "trained on"
        ),
        train=train,
        test=test,
        column=column,
        detail={"cut_value": cut_time, "ties_at_cut": ties},
    )


def group_split(
    groups: Any,
    *,
    test_size: float,
    random_state: int | None,
    column: Any,
    detected: bool,
) -> Split:
    """Whole groups drawn at random until the test set holds ``test_size`` of the
    rows."""
    import pandas as pd

    codes, uniques = pd.factorize(pd.Series(groups, copy=False), use_na_sentinel=False)
    k = len(uniques)
    n = len(codes)
    if k < 2:
        raise DataValidationError(
            f"group column {column!r} has a single group; a grouped split needs at "
            "least two (one for training, one for testing). Pass another "
            "group_column, or none."
        )
    sizes = np.bincount(codes, minlength=k)
    rng = np.random.RandomState(random_state)
    perm = rng.permutation(k)
    target = _n_test(n, test_size)
    cum = np.cumsum(sizes[perm])
    n_groups_test = int(np.searchsorted(cum, target, side="left")) + 1
    n_groups_test = min(n_groups_test, k - 1)
    in_test = np.zeros(k, dtype=bool)
    in_test[perm[:n_groups_test]] = True
    mask = in_test[codes]
    test = np.flatnonzero(mask)
    train = np.flatnonzero(~mask)
    _check_sizes(len(train), len(test), "grouped")
    why = (
        f"column {column!r} looks like a repeating id ({k:,} values on {n:,} rows)"
        if detected
        else f"group_column={column!r} was given"
    )
    return Split(
        kind="group",
        reason=(
            f"{why}: whole groups are kept on one side ({n_groups_test:,} groups "
            f"in test, {k - n_groups_test:,} in training), so the model cannot "
            "score by recognising a group it trained on"
        ),
        train=train,
        test=test,
        column=column,
        detail={
            "n_groups": k,
            "n_groups_test": n_groups_test,
            "detected": detected,
        },
    )


def random_split(
    y_codes: np.ndarray | None,
    n: int,
    *,
    test_size: float,
    random_state: int | None,
) -> Split:
    """Stratified by ``y_codes`` (classification) or shuffled (``None``)."""
    from sklearn.model_selection import train_test_split

    idx = np.arange(n)
    n_test = _n_test(n, test_size)
    stratify = None
    kind = "shuffled"
    reason = "regression label, no time or group column: rows are shuffled"
    if y_codes is not None:
        counts = np.bincount(y_codes)
        counts = counts[counts > 0]
        k = len(counts)
        if counts.min() >= 2 and n_test >= k and n - n_test >= k:
            stratify = y_codes
            kind = "stratified"
            reason = (
                "no time or group column: a stratified shuffle keeps each class's "
                "share on both sides"
            )
        else:
            reason = (
                "no time or group column; a class is too small to stratify, so rows "
                "are shuffled"
            )
    _check_sizes(n - n_test, n_test, kind)
    train, test = train_test_split(
        idx, test_size=n_test, random_state=random_state, stratify=stratify
    )
    return Split(
        kind=kind,
        reason=reason,
        train=np.asarray(train, dtype=np.int64),
        test=np.asarray(test, dtype=np.int64),
        detail={},
    )


def _looks_like_id_name(name: Any) -> bool:
    if isinstance(name, tuple):
        name = name[-1] if name else ""
    if not isinstance(name, str):
        return False
    text = name.strip()
    return bool(_ID_NAME.search(text)) or text.lower() in {"id", "key", "uuid", "guid"}


def find_repeating_id(frame: Any, candidates: list[Any]) -> Any:
    """The first column of ``candidates`` that reads as a repeating id (see the
    module docstring), or ``None``. ``frame`` is a pandas DataFrame; candidates
    are positions."""
    import pandas as pd

    n = len(frame)
    for pos in candidates:
        name = frame.columns[pos]
        if not _looks_like_id_name(name):
            continue
        col = frame.iloc[:, pos]
        dtype = col.dtype
        if not (
            pd.api.types.is_integer_dtype(dtype)
            or pd.api.types.is_string_dtype(dtype)
            or pd.api.types.is_object_dtype(dtype)
            or isinstance(dtype, pd.CategoricalDtype)
        ):
            continue
        counts = col.value_counts(dropna=True)
        if len(counts) < ID_MIN_GROUPS:
            continue
        repeated = int(counts[counts > 1].sum())
        if repeated >= ID_MIN_REPEATED_SHARE * n and len(counts) < n:
            return pos
    return None


def check_test_size(test_size: Any) -> float:
    """``test_size`` as a float in (0, 1)."""
    ok = (
        isinstance(test_size, (float, int, np.floating, np.integer))
        and not isinstance(test_size, (bool, np.bool_))
        and 0 < float(test_size) < 1
    )
    if not ok:
        raise MlnbValueError(
            f"test_size must be the share of rows held out, a number strictly "
            f"between 0 and 1 such as 0.2; got {test_size!r}"
        )
    return float(test_size)
