"""Window bookkeeping for continuous evaluation: which rows belong to which
window, when a window closes, and what it held.

:class:`Windows` keeps the rows of the open windows (scores, labels as they
arrive, timestamps, features) and hands back a :class:`ClosedWindow` for each
window that closes; it computes no metric.

- ``window="1D"`` (any pandas offset): windows by the predictions' timestamps.
  Fixed lengths are aligned to the Unix epoch (midnight UTC for days); calendar
  offsets (``"MS"``, ``"W-MON"``, ``"QS"``) mark window starts. Timestamps are
  compared in UTC: time-zone-aware ones are converted, naive ones are taken as
  UTC. A window closes when a later timestamp reaches its end plus
  ``allowed_lateness``, or on :meth:`Windows.close_all`. Rows for a window
  already closed are *late* (counted, left out); labels whose prediction is
  unknown are *unmatched* (counted).
- ``window=500`` (an int): every 500 labeled rows, in the order their labels
  arrive, form a window; :meth:`Windows.close_all` closes the last, partial one.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.labels import as_1d
from ..errors import DataValidationError, MlnbValueError

__all__ = ["Windows", "ClosedWindow", "span_text"]

_NS_PER_DAY = 86_400 * 10**9


@dataclass(frozen=True)
class ClosedWindow:
    """The rows of one window that closed.

    ``start`` / ``end``: timestamps (time windows) or labeled-row numbers
    ``[start, end)`` (count windows); ``y_true`` / ``y_score``: its labeled rows;
    ``pending``: predictions still without a label when it closed; ``features``:
    the feature frames of its rows (empty when none were given).
    """

    start: Any
    end: Any
    y_true: np.ndarray
    y_score: np.ndarray
    pending: int
    features: list = field(default_factory=list)


@dataclass
class _Chunk:
    """One ingested batch; rows leave (``open`` False) when their window closes."""

    score: np.ndarray
    label: np.ndarray  # NaN while the label is pending
    seq: np.ndarray  # order in which labels arrived; -1 while pending
    ts: np.ndarray | None  # int64 ns since the epoch, UTC
    key: np.ndarray | None  # window start (ns) for time windows
    ids: np.ndarray | None
    features: Any  # DataFrame aligned with the rows, or None
    open: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.open is None:
            self.open = np.ones(len(self.score), dtype=bool)


class Windows:
    """The open windows of one evaluator (fed from one thread).

    Parameters
    ----------
    window:
        A pandas offset (time windows) or an int (labeled rows per window).
    allowed_lateness:
        Time windows: how long after its end a window stays open.
    logger:
        Where late rows (``warning``) and unmatched labels (``info``) are logged.
    """

    def __init__(
        self, window: Any, allowed_lateness: Any, *, logger: logging.Logger
    ) -> None:
        self.logger = logger
        self._set_window(window, allowed_lateness)
        #: Rows that arrived for a window already closed (left out).
        self.late_rows = 0
        #: Labels whose prediction was never seen or whose window had closed.
        self.unmatched_labels = 0
        #: Rows ingested, and labels received.
        self.rows_seen = 0
        self.labels_seen = 0
        self._chunks: list[_Chunk] = []
        self._pending: dict[Any, tuple[_Chunk, int]] = {}
        self._seq = 0
        self._n_labeled_open = 0
        self._n_labeled_closed = 0
        self._watermark: int | None = None
        self._closed_until: int | None = None
        self._open_windows: dict[int, int] = {}  # start ns -> end ns
        self._tz_aware: bool | None = None

    # -- configuration -------------------------------------------------------------
    def _set_window(self, window: Any, allowed_lateness: Any) -> None:
        import pandas as pd

        self._count = None
        self._offset = None
        self._tick_ns = None
        self._lateness_ns = 0
        if _is_int(window):
            if window < 1:
                raise MlnbValueError(
                    f"window as a row count must be >= 1; got {window!r}"
                )
            self._count = int(window)
            #: The window as given: an offset string or a row count.
            self.window = self._count
            if allowed_lateness is not None:
                raise MlnbValueError(
                    "allowed_lateness applies to time windows; count windows close "
                    "when enough labels have arrived — leave it out"
                )
            return
        try:
            offset = pd.tseries.frequencies.to_offset(window)
        except (TypeError, ValueError) as exc:
            raise MlnbValueError(
                f"window must be a pandas offset such as '1D', '6h', 'W-MON', 'MS' "
                f"or an int (rows per window); got {window!r} ({exc})"
            ) from None
        if offset is None:
            raise MlnbValueError("window is None; pass '1D' or a row count")
        if isinstance(offset, pd.offsets.Tick):
            if offset.nanos <= 0:
                raise MlnbValueError(f"window must be positive; got {window!r}")
            self._tick_ns = int(offset.nanos)
        elif offset.n != 1:
            raise MlnbValueError(
                f"calendar windows must have a multiple of 1 ('MS', 'W-MON', 'QS'); "
                f"got {window!r}. For a fixed length use days or hours, e.g. '14D'."
            )
        self._offset = offset
        self.window = offset.freqstr
        if allowed_lateness is not None:
            try:
                lateness = pd.Timedelta(allowed_lateness)
            except (TypeError, ValueError):
                raise MlnbValueError(
                    f"allowed_lateness must be a duration such as '2h' or a "
                    f"Timedelta; got {allowed_lateness!r}"
                ) from None
            if lateness is pd.NaT or lateness < pd.Timedelta(0):
                raise MlnbValueError(
                    f"allowed_lateness must be >= 0; got {allowed_lateness!r}"
                )
            self._lateness_ns = int(lateness.value)

    @property
    def time_windows(self) -> bool:
        """True for windows in time, False for row-count windows."""
        return self._count is None

    @property
    def description(self) -> str:
        """``"1D"`` or ``"500 labeled rows"``."""
        return self.window if self.time_windows else f"{self._count} labeled rows"

    @property
    def pending(self) -> int:
        """Predictions still waiting for their label."""
        return len(self._pending)

    # -- input ---------------------------------------------------------------------
    def timestamps(self, timestamps: Any, n: int) -> np.ndarray | None:
        """``timestamps`` as int64 ns since the epoch (UTC); now when None (time
        windows), None for count windows without timestamps."""
        import pandas as pd

        if timestamps is None:
            if not self.time_windows:
                return None
            if self._tz_aware is None:
                self._tz_aware = False
            return np.full(n, time.time_ns(), dtype=np.int64)
        if isinstance(timestamps, (str, bytes)) or not hasattr(timestamps, "__len__"):
            raise MlnbValueError(
                "timestamps must be one timestamp per row (a list, array or Series "
                f"of datetimes); got {type(timestamps).__name__}"
            )
        aware = _tz_aware(timestamps)
        arr = as_1d(timestamps, name="timestamps")
        if arr.dtype.kind in "iufcb":
            raise MlnbValueError(
                "timestamps are numbers; mlnb does not guess their unit. Convert "
                "them first, e.g. pd.to_datetime(t, unit='s') for Unix seconds."
            )
        try:
            parsed = _parse_times(arr)
        except (TypeError, ValueError, OverflowError) as exc:
            raise MlnbValueError(
                f"could not read timestamps as dates ({exc}); pass datetimes, "
                "pandas Timestamps or ISO 8601 strings such as "
                "'2024-05-01T12:00:00Z'"
            ) from None
        parsed = pd.DatetimeIndex(parsed)
        if parsed.isna().any():
            raise MlnbValueError(
                f"timestamps has {int(parsed.isna().sum()):,} missing values (NaT); "
                "every row needs its time"
            )
        if self._tz_aware is None:
            self._tz_aware = aware
        return parsed.tz_convert("UTC").tz_localize(None).as_unit("ns").asi8.copy()

    def add_labeled(self, y: np.ndarray, s: np.ndarray, ts, feats) -> None:
        """Rows whose label is known."""
        seq = np.arange(self._seq, self._seq + len(y), dtype=np.int64)
        self._seq += len(y)
        chunk = self._chunk(s, y, seq, ts, None, feats)
        if chunk is not None:
            self.labels_seen += len(chunk.score)
            if not self.time_windows:
                self._n_labeled_open += len(chunk.score)

    def add_predictions(self, ids: np.ndarray, s: np.ndarray, ts, feats) -> None:
        """Predictions whose labels come later, keyed by ``ids`` (validated
        unique within the batch)."""
        clash = [i for i in ids if i in self._pending]
        if clash:
            raise DataValidationError(
                f"{len(clash):,} ids already have a prediction waiting for its label "
                f"(e.g. {clash[:5]}); ids must be unique until their label arrives"
            )
        n = len(s)
        chunk = self._chunk(
            s, np.full(n, np.nan), np.full(n, -1, dtype=np.int64), ts, ids, feats
        )
        if chunk is not None:
            for pos, i in enumerate(chunk.ids):
                self._pending[i] = (chunk, pos)

    def add_labels(self, ids: np.ndarray, y: np.ndarray) -> None:
        """Join labels to pending predictions by id."""
        unmatched = 0
        for i, label in zip(ids.tolist(), y.tolist()):
            hit = self._pending.pop(i, None)
            if hit is None:
                unmatched += 1
                continue
            chunk, pos = hit
            chunk.label[pos] = label
            chunk.seq[pos] = self._seq
            self._seq += 1
            self.labels_seen += 1
            if not self.time_windows:
                self._n_labeled_open += 1
        if unmatched:
            self.unmatched_labels += unmatched
            self.logger.info(
                "%d of %d labels matched no open prediction (unknown id, or its "
                "window already closed)",
                unmatched,
                len(ids),
            )

    def _chunk(self, s, y, seq, ts, ids, feats) -> _Chunk | None:
        n = len(s)
        self.rows_seen += n
        key = None
        if self.time_windows:
            key = self._window_starts(ts)
            if self._closed_until is not None:
                late = key < self._closed_until
                n_late = int(late.sum())
                if n_late:
                    self.late_rows += n_late
                    self.logger.warning(
                        "%d rows arrived for windows that already closed (before "
                        "%s) and were left out; raise allowed_lateness to keep "
                        "them",
                        n_late,
                        self.stamp(self._closed_until),
                    )
                    keep = ~late
                    s, y, seq, ts, key = (
                        s[keep],
                        y[keep],
                        seq[keep],
                        ts[keep],
                        key[keep],
                    )
                    if ids is not None:
                        ids = ids[keep]
                    if feats is not None:
                        feats = feats.iloc[np.flatnonzero(keep)].reset_index(drop=True)
            if len(s) == 0:
                return None
            for start in np.unique(key).tolist():
                if start not in self._open_windows:
                    self._open_windows[start] = self._window_end(start)
        elif n == 0:
            return None
        chunk = _Chunk(s, y, seq, ts, key, ids, feats)
        self._chunks.append(chunk)
        return chunk

    # -- closing -------------------------------------------------------------------
    def advance(self, ts: np.ndarray | None) -> list[ClosedWindow]:
        """Close the windows that are due after a batch with timestamps ``ts``
        (time windows: by the newest timestamp seen; count windows: by the
        labeled rows)."""
        closed: list[ClosedWindow] = []
        if self.time_windows:
            if ts is not None and len(ts):
                top = int(ts.max())
                if self._watermark is None or top > self._watermark:
                    self._watermark = top
            if self._watermark is not None:
                due = sorted(
                    start
                    for start, end in self._open_windows.items()
                    if end + self._lateness_ns <= self._watermark
                )
                closed = [self._close_time_window(start) for start in due]
        else:
            while self._n_labeled_open >= self._count:
                closed.append(self._close_count_window(self._count))
        if closed:
            self._prune()
        return closed

    def close_all(self) -> list[ClosedWindow]:
        """Close every open window (time windows) or the last partial window
        (count windows)."""
        closed: list[ClosedWindow] = []
        if self.time_windows:
            closed = [self._close_time_window(s) for s in sorted(self._open_windows)]
        elif self._n_labeled_open:
            closed = [self._close_count_window(self._n_labeled_open)]
        self._prune()
        return closed

    def _prune(self) -> None:
        self._chunks = [c for c in self._chunks if c.open.any()]

    def _window_starts(self, ts: np.ndarray) -> np.ndarray:
        import pandas as pd

        if self._tick_ns is not None:
            return (ts // self._tick_ns) * self._tick_ns
        days = (ts // _NS_PER_DAY) * _NS_PER_DAY
        uniq, inverse = np.unique(days, return_inverse=True)
        starts = np.array(
            [self._offset.rollback(pd.Timestamp(int(d))).value for d in uniq],
            dtype=np.int64,
        )
        return starts[inverse.reshape(-1)]

    def _window_end(self, start: int) -> int:
        import pandas as pd

        if self._tick_ns is not None:
            return start + self._tick_ns
        return int((pd.Timestamp(start) + self._offset).value)

    def _close_time_window(self, start: int) -> ClosedWindow:
        end = self._open_windows.pop(start)
        ys, ss, feats = [], [], []
        n_pending = 0
        for c in self._chunks:
            rows = c.open & (c.key == start)
            if not rows.any():
                continue
            labeled = rows & (c.seq >= 0)
            waiting = rows & (c.seq < 0)
            ys.append(c.label[labeled])
            ss.append(c.score[labeled])
            if waiting.any():
                n_pending += int(waiting.sum())
                for i in c.ids[waiting].tolist():
                    self._pending.pop(i, None)
            if c.features is not None:
                feats.append(c.features.iloc[np.flatnonzero(rows)])
            c.open[rows] = False
        self._closed_until = (
            end if self._closed_until is None else max(self._closed_until, end)
        )
        y = np.concatenate(ys) if ys else np.zeros(0)
        s = np.concatenate(ss) if ss else np.zeros(0)
        return ClosedWindow(self.stamp(start), self.stamp(end), y, s, n_pending, feats)

    def _close_count_window(self, size: int) -> ClosedWindow:
        parts = []
        for k, c in enumerate(self._chunks):
            rows = np.flatnonzero(c.open & (c.seq >= 0))
            if len(rows):
                parts.append((c.seq[rows], np.full(len(rows), k), rows))
        seq = np.concatenate([p[0] for p in parts])
        which = np.concatenate([p[1] for p in parts])
        pos = np.concatenate([p[2] for p in parts])
        take = np.argsort(seq, kind="stable")[:size]
        ys, ss, feats = [], [], []
        for k in np.unique(which[take]).tolist():
            c = self._chunks[k]
            rows = np.sort(pos[take][which[take] == k])
            ys.append(c.label[rows])
            ss.append(c.score[rows])
            if c.features is not None:
                feats.append(c.features.iloc[rows])
            c.open[rows] = False
        n = len(take)
        start = self._n_labeled_closed
        self._n_labeled_closed += n
        self._n_labeled_open -= n
        return ClosedWindow(
            start,
            start + n,
            np.concatenate(ys),
            np.concatenate(ss),
            len(self._pending),
            feats,
        )

    def stamp(self, ns: int) -> Any:
        """A window bound in ns as a Timestamp (UTC-aware when the input was)."""
        import pandas as pd

        return pd.Timestamp(int(ns), tz="UTC" if self._tz_aware else None)


# ---------------------------------------------------------------------------------
def span_text(start: Any, end: Any) -> str:
    """``2024-01-04 – 2024-01-05`` (dates alone when both are midnights) for time
    windows; ``rows 0–99`` for count windows."""
    if isinstance(start, (int, np.integer)):
        return f"rows {start:,}–{end - 1:,}"

    def one(ts: Any) -> str:
        if ts.hour == ts.minute == ts.second == 0 and not ts.microsecond:
            text = ts.strftime("%Y-%m-%d")
        elif ts.second == 0 and not ts.microsecond:
            text = ts.strftime("%Y-%m-%d %H:%M")
        else:
            text = ts.strftime("%Y-%m-%d %H:%M:%S")
        return text + (" UTC" if ts.tzinfo is not None else "")

    return f"{one(start)} – {one(end)}"


def _parse_times(arr: np.ndarray) -> Any:
    """UTC times from datetimes or strings; ISO 8601 strings may differ in form
    from row to row (with and without seconds or offsets)."""
    import warnings

    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "could not infer format"
        try:
            return pd.to_datetime(arr, utc=True)
        except (TypeError, ValueError):
            if arr.dtype.kind not in "OSU":
                raise
            return pd.to_datetime(arr, utc=True, format="ISO8601")


def _tz_aware(values: Any) -> bool:
    tz = getattr(getattr(values, "dt", None), "tz", None) or getattr(values, "tz", None)
    if tz is not None:
        return True
    try:
        first = values[0] if len(values) else None
    except (KeyError, IndexError, TypeError):
        first = None
    return getattr(first, "tzinfo", None) is not None


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
