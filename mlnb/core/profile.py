"""Reference profiles: the binned statistics drift checks compare against.

A :class:`Profile` holds, per feature, what is needed to compare new data with the
reference without the reference itself:

- numeric features: bin edges from the reference's quantiles (``bins`` bins from
  its minimum to its maximum; a feature with at most ``bins`` distinct values gets
  one bin per value), the counts per bin plus an underflow bin (below the reference
  minimum), an overflow bin (above its maximum) and a missing-value bin, and
  summary statistics;
- categorical features: counts per category (at most ``max_categories``; rarer
  categories are pooled into one "other" count and the cap is reported), plus
  missing values.

Features are named as the table names its columns — any hashable: the integers of
``pd.DataFrame(numpy_array)``, tuples, strings (``0`` and ``"0"`` are different
features); columns are read through :mod:`mlnb.core.frames`.

Profiles are small JSON documents (:meth:`Profile.save`, :meth:`Profile.load`; a
feature's name is stored with its type, so ``0``, ``"0"`` and ``("a", 1)`` come
back as they were) and they merge (:meth:`Profile.merge`): profiling data in
chunks with the same edges gives the same counts as profiling it whole.
:func:`profile_parquet` streams a Parquet file larger than memory, chunk by chunk.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataValidationError, MlnbValueError
from . import frames
from .factorize import count_values
from .labels import is_number

__all__ = [
    "FeatureProfile",
    "Profile",
    "profile",
    "profile_parquet",
    "PROFILE_FORMAT",
    "DEFAULT_BINS",
    "DEFAULT_MAX_CATEGORIES",
    "column_positions",
    "read_column",
    "check_bins",
    "check_max_categories",
]

#: Version 2 stores each feature name's type (``name_type``); version 1 files
#: (names as text) are still read.
PROFILE_FORMAT = 2
DEFAULT_BINS = 20
DEFAULT_MAX_CATEGORIES = 1000
#: Numeric columns are binned in blocks of this many values (sorted with numpy's
#: vectorised sort, then the edges are located by binary search).
_BLOCK = 1 << 18
#: Up to this many edges, numeric_counts compares blocks of this many values with
#: each edge instead of sorting them (faster for the default 20 bins).
_COMPARE_MAX_EDGES = 40
_COMPARE_BLOCK = 1 << 17
#: Quantiles kept per numeric feature (a sketch of its distribution, for the KS
#: statistic and the Wasserstein distance when only the profile is at hand).
SKETCH_POINTS = 200
#: profile_parquet places numeric edges using a seeded sample of this many rows.
_QUANTILE_SAMPLE = 2_000_000


def check_n_jobs(n_jobs: Any) -> None:
    """``n_jobs`` must be None (one thread per CPU), -1 (the same) or >= 1."""
    if n_jobs is None:
        return
    if (
        isinstance(n_jobs, bool)
        or not isinstance(n_jobs, (int, np.integer))
        or not (n_jobs >= 1 or n_jobs == -1)
    ):
        raise MlnbValueError(
            f"n_jobs must be a whole number >= 1, or None / -1 for one thread per "
            f"CPU; got {n_jobs!r}"
        )


def _whole(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(
        value, (bool, np.bool_)
    )


def check_bins(bins: Any) -> int:
    """``bins``: a whole number >= 2 (numpy integers too); returned as int."""
    if not _whole(bins) or bins < 2:
        raise MlnbValueError(
            f"bins must be a whole number >= 2 (quantile bins per numeric "
            f"feature, default {DEFAULT_BINS}); got {bins!r:.60}"
        )
    return int(bins)


def check_max_categories(max_categories: Any) -> int:
    """``max_categories``: a whole number >= 1; 0 would switch categorical drift
    off silently, so it is an error."""
    if not _whole(max_categories) or max_categories < 1:
        raise MlnbValueError(
            f"max_categories must be a whole number >= 1 (categories kept per "
            f"categorical feature, default {DEFAULT_MAX_CATEGORIES}); got "
            f"{max_categories!r:.60}. To leave a feature out, pass features=[...] "
            "without it"
        )
    return int(max_categories)


def parallel_map(fn, items: list, n_jobs: int | None = None) -> list:
    """``[fn(x) for x in items]`` on a few threads: numpy's sorts and searches
    release the GIL, so features are binned side by side. ``n_jobs``: None or
    -1 for one thread per CPU."""
    import os

    workers = n_jobs if n_jobs is not None and n_jobs > 0 else None
    workers = workers or os.cpu_count() or 1
    if workers <= 1 or len(items) < 2:
        return [fn(x) for x in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as ex:
        return list(ex.map(fn, items))


# ---------------------------------------------------------------------------------
# counting
# ---------------------------------------------------------------------------------
def numeric_counts(values: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, int]:
    """Counts ``[underflow, bin_1..bin_k, overflow]`` and the number of missing
    values (NaN, and ±inf, which are treated as missing as Evidently does).

    Bin i holds ``edges[i] <= x < edges[i+1]``; the last bin also holds
    ``x == edges[-1]``. With few edges (the default 21) each block of values is
    compared with every edge (vectorised, linear in the edges); with many, each
    block is sorted and the edges are located by binary search.
    """
    k = len(edges) - 1
    if len(edges) <= _COMPARE_MAX_EDGES:
        return _counts_by_comparison(values, edges)
    counts = np.zeros(k + 2, dtype=np.int64)
    n_nan = 0
    for start in range(0, len(values), _BLOCK):
        block = _finite_part(np.sort(values[start : start + _BLOCK]))
        n_nan += min(_BLOCK, len(values) - start) - len(block)
        counts += _counts_sorted(block, edges)
    return counts, n_nan


def _counts_by_comparison(
    values: np.ndarray, edges: np.ndarray
) -> tuple[np.ndarray, int]:
    """:func:`numeric_counts` by counting, per block, the values below each edge."""
    k = len(edges) - 1
    below = np.zeros(k + 1, dtype=np.int64)  # x < e_0 … x < e_(k-1), then x <= e_k
    n_finite = 0
    for start in range(0, len(values), _COMPARE_BLOCK):
        block = values[start : start + _COMPARE_BLOCK]
        finite = np.isfinite(block)
        n = int(np.count_nonzero(finite))
        if n < len(block):
            block = block[finite]
        n_finite += n
        for i in range(k):
            below[i] += np.count_nonzero(block < edges[i])
        below[k] += np.count_nonzero(block <= edges[k])
    counts = np.empty(k + 2, dtype=np.int64)
    counts[0] = below[0]
    counts[1 : k + 1] = np.diff(below)
    counts[k + 1] = n_finite - below[k]
    return counts, len(values) - n_finite


def _finite_part(sorted_values: np.ndarray) -> np.ndarray:
    """The finite values of a sorted array (``-inf`` sort first, ``inf`` and NaN
    last)."""
    lo = int(np.searchsorted(sorted_values, -np.inf, side="right"))
    hi = int(np.searchsorted(sorted_values, np.inf, side="left"))
    return sorted_values[lo:hi]


def _quantiles_sorted(s: np.ndarray, qs: np.ndarray) -> np.ndarray:
    """Quantiles of an already sorted array (numpy's default "linear" method)."""
    pos = qs * (len(s) - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, len(s) - 1)
    frac = pos - lo
    return s[lo] + frac * (s[hi] - s[lo])


def _edges_sorted(
    present: np.ndarray, bins: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """Bin edges from a sorted array: quantiles from min to max — or, when there
    are at most ``bins`` distinct values, one bin per value, and those values."""
    lo, hi = float(present[0]), float(present[-1])
    n_distinct = int(np.count_nonzero(present[1:] != present[:-1])) + 1
    if n_distinct == 1:
        return np.array([lo, hi]), np.array([lo])
    if n_distinct <= bins:
        distinct = present[np.concatenate(([True], present[1:] != present[:-1]))]
        mids = (distinct[:-1] + distinct[1:]) / 2.0
        # neighbouring doubles: the midpoint rounds down onto the lower value
        mids = np.where(mids > distinct[:-1], mids, distinct[1:])
        return np.concatenate(([lo], mids, [hi])), distinct.astype(np.float64)
    edges = np.unique(_quantiles_sorted(present, np.linspace(0.0, 1.0, bins + 1)))
    edges[0], edges[-1] = lo, hi
    return np.unique(edges), None


def _counts_sorted(present: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """``[underflow, bins…, overflow]`` of a sorted array without NaNs."""
    k = len(edges) - 1
    pos = np.empty(k + 2, dtype=np.int64)
    pos[0] = np.searchsorted(present, edges[0], side="left")
    pos[1:k] = np.searchsorted(present, edges[1:k], side="left")
    pos[k] = np.searchsorted(present, edges[k], side="right")
    pos[k + 1] = len(present)
    return np.diff(np.concatenate(([0], pos)))


def _category_counts(values: Any) -> tuple[dict[str, int], int]:
    """Counts per category (as str) and the number of missing values. Strings
    of any storage (object, ``string``, Arrow) are counted through integer codes
    (:func:`mlnb.core.factorize.factorize`), so they cost about what a
    ``category`` column costs."""
    import pandas as pd

    s = values if isinstance(values, pd.Series) else pd.Series(values, copy=False)
    if isinstance(s.dtype, pd.CategoricalDtype):
        uniques: Any = s.cat.categories
        shifted = np.add(s.cat.codes.to_numpy(), 1, dtype=np.intp)  # -1: missing
        counts = np.bincount(shifted, minlength=len(uniques) + 1)
        counts, n_missing = counts[1:], int(counts[0])
    else:
        uniques, counts, n_missing = count_values(s)
    out: dict[str, int] = {}
    for k, n in zip(uniques, counts.tolist()):
        if n:
            key = category_key(k)
            out[key] = out.get(key, 0) + n
    return out, n_missing


def category_key(value: Any) -> str:
    """The text a category is compared by: whole numbers print without ".0", so
    codes read the same whether or not a missing value made the column float."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, np.generic):
        value = value.item()
    return str(value)


# ---------------------------------------------------------------------------------
# feature names: any hashable, read by position, stored with their type
# ---------------------------------------------------------------------------------
_MISSING = object()


def column_positions(frame: Any) -> dict[Any, int | None]:
    """``{name: position}`` of a pandas DataFrame's columns (names as they are:
    ``0`` and ``"0"`` are different); a duplicated name maps to None."""
    out: dict[Any, int | None] = {}
    for i, c in enumerate(frame.columns):
        out[c] = None if c in out else i
    return out


def read_column(
    frame: Any, positions: dict[Any, int | None], name: Any, *, role: str
) -> Any:
    """Column ``name`` of ``frame`` (a pandas Series); an unknown or duplicated
    name raises as :func:`mlnb.core.frames.get_column` does."""
    i = positions.get(name, _MISSING) if _hashable(name) else _MISSING
    if i is _MISSING or i is None or not frames.same_name(frame.columns[i], name):
        return frames.get_column(frame, name, role=role)
    return frame.iloc[:, i]


def has_name(positions: dict[Any, int | None], name: Any, frame: Any) -> bool:
    i = positions.get(name, _MISSING) if _hashable(name) else _MISSING
    if i is _MISSING:
        return False
    return i is None or frames.same_name(frame.columns[i], name)


def _hashable(name: Any) -> bool:
    try:
        hash(name)
    except TypeError:
        return False
    return True


def check_names(names: Any, *, available: list, argument: str, role: str) -> list:
    """``names`` (a list, or one name) checked against ``available``; an unknown
    one raises naming at most 20 of the names that exist (never data)."""
    if names is None:
        return []
    one = not isinstance(names, (list, tuple, np.ndarray)) or (
        isinstance(names, tuple) and any(frames.same_name(a, names) for a in available)
    )
    if one:  # one name (a tuple that names a column is one name)
        names = [names]
    out = list(names)
    missing = [n for n in out if not any(frames.same_name(a, n) for a in available)]
    if missing:
        hint = ""
        for m in missing:
            alike = [
                a for a in available if str(a) == str(m) and type(a) is not type(m)
            ]
            if alike:
                hint = (
                    f" (there is a column {alike[0]!r} of type "
                    f"{type(alike[0]).__name__}: pass {alike[0]!r}, not {m!r})"
                )
                break
        raise MlnbValueError(
            f"{argument} {missing[:20]!r} {'is' if len(missing) == 1 else 'are'} not "
            f"in the {role}{hint}; its columns are: {frames.describe_names(available)}"
        )
    return out


_NAME_TYPES = {bool: "bool", int: "int", float: "float", str: "str"}


def encode_name(name: Any) -> tuple[Any, str]:
    """A feature name as JSON and its type: ``(0, "int")``, ``("a", "str")``,
    ``([["str", "a"], ["int", 1]], "tuple")``."""
    if isinstance(name, np.generic):
        name = name.item()
    if isinstance(name, tuple):
        return [list(reversed(encode_name(x))) for x in name], "tuple"
    if name is None:
        return None, "none"
    for t, label in _NAME_TYPES.items():
        if isinstance(name, t):
            if label == "float" and not math.isfinite(name):
                return repr(name), "float"
            return t(name), label
    raise MlnbValueError(
        f"feature name {name!r} ({type(name).__name__}) cannot be stored in a "
        "profile; rename the column to text, a number or a tuple of those (e.g. "
        "df.columns = [str(c) for c in df.columns])"
    )


def decode_name(value: Any, kind: str) -> Any:
    """The name :func:`encode_name` stored."""
    if kind == "str":
        return str(value)
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "bool":
        return bool(value)
    if kind == "none":
        return None
    if kind == "tuple":
        return tuple(decode_name(v, k) for k, v in value)
    raise MlnbValueError(f"unknown feature name type {kind!r} in the profile")


# ---------------------------------------------------------------------------------
# profiles
# ---------------------------------------------------------------------------------
@dataclass
class FeatureProfile:
    """The reference distribution of one feature (see the module docstring)."""

    name: Any  # the column's name, any hashable
    kind: str  # "numeric" | "categorical" | "skipped"
    dtype: str
    n_rows: int
    n_missing: int = 0
    edges: np.ndarray | None = None
    counts: np.ndarray | None = None  # numeric: [under, bins…, over]
    categories: dict[str, int] = field(default_factory=dict)
    other: int = 0  # categorical rows pooled beyond max_categories
    n_distinct: int | None = None
    capped: bool = False
    stats: dict[str, float] = field(default_factory=dict)
    skipped_reason: str = ""
    quantiles: np.ndarray | None = None  # numeric: SKETCH_POINTS + 1 quantiles
    atoms: np.ndarray | None = None  # numeric with one bin per value: the values
    #: categorical, capped: a bottom-k sketch of the pooled categories — the
    #: sorted 64-bit hashes (at most POOLED_SKETCH) of those whose hash is at most
    #: ``pooled_limit``; it tells a category the reference never had from a pooled
    #: rare one (exactly below the limit, estimated from that sample above it)
    pooled_hashes: np.ndarray | None = None
    pooled_limit: int = 2**64 - 1

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """The reference's distribution function at ``x``, interpolated linearly
        between the stored quantiles (numeric features)."""
        q = self.quantiles
        probs = np.linspace(0.0, 1.0, len(q))
        # equal quantiles (a mass point): take the last, so F jumps there
        last = np.concatenate((q[1:] != q[:-1], [True]))
        return np.interp(x, q[last], probs[last], left=0.0, right=1.0)

    # -- distributions aligned for comparison ---------------------------------------
    def reference_vector(self) -> np.ndarray:
        """Counts in comparison order: numeric ``[under, bins…, over, missing]``;
        categorical ``[categories…, other, unseen, missing]`` (unseen is 0 here)."""
        if self.kind == "numeric":
            return np.concatenate([self.counts, [self.n_missing]]).astype(np.float64)
        return np.array(
            [*self.categories.values(), self.other, 0, self.n_missing],
            dtype=np.float64,
        )

    def bin_labels(self) -> list[str]:
        """Readable labels of the comparison bins (computed once per profile)."""
        cached = self.__dict__.get("_labels")
        if cached is None:
            cached = self._make_labels()
            self.__dict__["_labels"] = cached
        return list(cached)

    def _make_labels(self) -> list[str]:
        if self.kind == "numeric":
            from .slices import _edge_labels

            t = _edge_labels(self.edges)
            k = len(self.edges) - 1
            labels = [f"< {t[0]}"]
            labels += [
                f"[{t[i]}, {t[i + 1]}{']' if i == k - 1 else ')'}" for i in range(k)
            ]
            return [*labels, f"> {t[-1]}", "missing"]
        return [*self.categories, "(other)", "(unseen)", "missing"]

    def current_vector(self, values: Any) -> tuple[np.ndarray, dict[str, int]]:
        """Counts of ``values`` in this profile's bins, and the categories of
        ``values`` that the reference never had (for categorical features)."""
        if self.kind == "numeric":
            arr = _as_float(values, self.name)
            counts, n_nan = numeric_counts(arr, self.edges)
            return np.concatenate([counts, [n_nan]]).astype(np.float64), {}
        counts, n_missing = _category_counts(values)
        known = self.categories
        vec = np.zeros(len(known) + 3, dtype=np.float64)
        index = {c: i for i, c in enumerate(known)}
        unseen: dict[str, int] = {}
        outside = {c: n for c, n in counts.items() if c not in index}
        for c, n in counts.items():
            i = index.get(c)
            if i is not None:
                vec[i] += n
        other, new = self._split_outside(outside, unseen)
        vec[len(known)] = other
        vec[len(known) + 1] = new
        vec[-1] = n_missing
        # most rows first, then by text: the same order whatever the column's dtype
        unseen = dict(sorted(unseen.items(), key=lambda kv: (-kv[1], kv[0])))
        return vec, unseen

    def _split_outside(
        self, outside: dict[str, int], unseen: dict[str, int]
    ) -> tuple[float, float]:
        """Rows of categories outside the kept ones, split into ``(pooled rare
        ones, never in the reference)``; the latter are added to ``unseen``.

        Uncapped: every such category is unseen. Capped: a category whose hash is
        at most ``pooled_limit`` is looked up in the sketch (exact); the rows of
        the others are split in the proportion found among those looked up (an
        estimate; all of them are pooled when none could be looked up). A capped
        profile saved without a sketch (mlnb before 0.x) counts them as pooled.
        """
        if not outside:
            return 0.0, 0.0
        if not self.capped:
            unseen.update(outside)
            return 0.0, float(sum(outside.values()))
        if self.pooled_hashes is None:
            return float(sum(outside.values())), 0.0
        cats = list(outside)
        rows = np.array([outside[c] for c in cats], dtype=np.float64)
        h = category_hashes(cats)
        checked = h <= np.uint64(self.pooled_limit)
        pos = np.searchsorted(self.pooled_hashes, h)
        pos = np.minimum(pos, max(len(self.pooled_hashes) - 1, 0))
        found = (
            self.pooled_hashes[pos] == h
            if len(self.pooled_hashes)
            else np.zeros(len(h), dtype=bool)
        )
        new = checked & ~found
        for c, flag in zip(cats, new.tolist()):
            if flag:
                unseen[c] = outside[c]
        rows_checked = float(rows[checked].sum())
        rows_new = float(rows[new].sum())
        rows_unchecked = float(rows[~checked].sum())
        share_new = rows_new / rows_checked if rows_checked else 0.0
        new_rows = rows_new + rows_unchecked * share_new
        return float(rows.sum()) - new_rows, new_rows

    # -- merging and serialisation -------------------------------------------------
    def merge(self, other: FeatureProfile, max_categories: int) -> FeatureProfile:
        if (self.name, self.kind) != (other.name, other.kind):
            raise MlnbValueError(
                f"cannot merge profiles of {self.name!r} ({self.kind}) and "
                f"{other.name!r} ({other.kind})"
            )
        if self.kind == "skipped":
            return FeatureProfile(
                self.name,
                "skipped",
                self.dtype,
                self.n_rows + other.n_rows,
                self.n_missing + other.n_missing,
                skipped_reason=self.skipped_reason,
            )
        merged = FeatureProfile(
            self.name,
            self.kind,
            self.dtype,
            self.n_rows + other.n_rows,
            self.n_missing + other.n_missing,
        )
        if self.kind == "numeric":
            if not np.array_equal(self.edges, other.edges):
                raise MlnbValueError(
                    f"feature {self.name!r} was binned with different edges in the "
                    "two profiles; profile every chunk with the same edges (pass "
                    "edges_from=the first profile)"
                )
            merged.edges = self.edges
            merged.counts = self.counts + other.counts
            merged.atoms = self.atoms
            merged.quantiles = (
                None if self.atoms is not None else _merge_sketches(self, other)
            )
            a, b = self.stats, other.stats
            merged.stats = {
                "min": min(a["min"], b["min"]),
                "max": max(a["max"], b["max"]),
                "sum": a["sum"] + b["sum"],
                "sumsq": a["sumsq"] + b["sumsq"],
                "n": a["n"] + b["n"],
            }
            return merged
        cats = dict(self.categories)
        for c, n in other.categories.items():
            cats[c] = cats.get(c, 0) + n
        merged.categories, pooled, capped, hashes = _cap(cats, max_categories)
        merged.other = self.other + other.other + pooled
        unknown = any(
            f.capped and f.pooled_hashes is None for f in (self, other)
        )  # a profile saved without a sketch: its pooled categories are unknown
        merged.capped = self.capped or other.capped or capped
        if merged.capped and not unknown:
            merged.pooled_hashes, merged.pooled_limit = _merge_pooled(
                [(f.pooled_hashes, f.pooled_limit) for f in (self, other)] + [hashes]
            )
        merged.n_distinct = None if merged.capped else len(merged.categories)
        return merged

    def to_dict(self) -> dict[str, Any]:
        value, kind = encode_name(self.name)
        d: dict[str, Any] = {"name": value}
        if kind != "str":
            d["name_type"] = kind
        d.update(
            {
                "kind": self.kind,
                "dtype": self.dtype,
                "n_rows": self.n_rows,
                "n_missing": self.n_missing,
            }
        )
        if self.kind == "numeric":
            d["edges"] = [float(e) for e in self.edges]
            if self.quantiles is not None:
                d["quantiles"] = [float(v) for v in self.quantiles]
            if self.atoms is not None:
                d["atoms"] = [float(v) for v in self.atoms]
            d["counts"] = [int(c) for c in self.counts]
            d["stats"] = {
                k: (float(v) if math.isfinite(v) else None)
                for k, v in self.stats.items()
            }
        elif self.kind == "categorical":
            d["categories"] = dict(self.categories)
            d["other"] = self.other
            d["n_distinct"] = self.n_distinct
            d["capped"] = self.capped
            if self.pooled_hashes is not None:
                d["pooled_sketch"] = {
                    "limit": int(self.pooled_limit),
                    "hashes": [int(h) for h in self.pooled_hashes],
                }
        else:
            d["skipped_reason"] = self.skipped_reason
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FeatureProfile:
        """A feature profile from its JSON form, validated field by field
        (:func:`_validate_feature`): a damaged or edited profile raises a
        :class:`DataValidationError` naming the feature and the field."""
        return _validate_feature(d)

    @property
    def mean(self) -> float:
        n = self.stats.get("n", 0)
        return self.stats["sum"] / n if n else math.nan

    @property
    def std(self) -> float:
        n = self.stats.get("n", 0)
        if not n:
            return math.nan
        var = self.stats["sumsq"] / n - (self.stats["sum"] / n) ** 2
        return math.sqrt(max(var, 0.0))


def _merge_sketches(a: FeatureProfile, b: FeatureProfile) -> np.ndarray | None:
    """Quantiles of the mixture of two sketched distributions (an approximation:
    each sketch is linear between its quantiles)."""
    na, nb = a.stats.get("n", 0.0), b.stats.get("n", 0.0)
    if a.quantiles is None or nb == 0:
        return a.quantiles if nb == 0 or b.quantiles is None else b.quantiles
    if b.quantiles is None or na == 0:
        return b.quantiles
    grid = np.unique(np.concatenate([a.quantiles, b.quantiles]))
    mix = (na * a.cdf(grid) + nb * b.cdf(grid)) / (na + nb)
    probs = np.linspace(0.0, 1.0, SKETCH_POINTS + 1)
    return np.interp(probs, mix, grid)


def category_hashes(categories: list[str]) -> np.ndarray:
    """Deterministic 64-bit hashes of category texts (pandas' ``hash_array``
    with its fixed key: the same on every machine and run)."""
    import pandas as pd

    return pd.util.hash_array(np.asarray(list(categories), dtype=object))


#: Hashes kept of a capped feature's pooled categories (a bottom-k sketch: about
#: 22 kB of JSON whatever the number of categories).
POOLED_SKETCH = 1024


def _bottom_k(hashes: np.ndarray, limit: int) -> tuple[np.ndarray, int]:
    """The sketch of a set of hashes: those ``<= limit``, at most POOLED_SKETCH
    of them (the smallest; the limit drops to the largest kept)."""
    hashes = np.unique(hashes[hashes <= np.uint64(limit)])
    if len(hashes) > POOLED_SKETCH:
        hashes = hashes[:POOLED_SKETCH]
        limit = int(hashes[-1])
    return hashes, int(limit)


def _merge_pooled(parts: list) -> tuple[np.ndarray, int]:
    """Merge sketches ``(hashes or None, limit)``: everything at most the
    smallest limit, cut back to POOLED_SKETCH."""
    parts = [p for p in parts if p is not None and p[0] is not None]
    if not parts:
        return np.zeros(0, dtype=np.uint64), 2**64 - 1
    limit = min(int(lim) for _, lim in parts)
    return _bottom_k(np.concatenate([h for h, _ in parts]), limit)


def _cap(
    cats: dict[str, int], max_categories: int
) -> tuple[dict[str, int], int, bool, tuple[np.ndarray, int] | None]:
    """The ``max_categories`` most frequent categories, the rows of the rest,
    whether any were pooled and the sketch of the pooled ones."""
    if len(cats) <= max_categories:
        ranked = dict(sorted(cats.items(), key=lambda kv: (-kv[1], kv[0])))
        return ranked, 0, False, None
    ranked = sorted(cats.items(), key=lambda kv: (-kv[1], kv[0]))
    kept = dict(ranked[:max_categories])
    rest = ranked[max_categories:]
    pooled = sum(n for _, n in rest)
    sketch = _bottom_k(category_hashes([c for c, _ in rest]), 2**64 - 1)
    return kept, pooled, True, sketch


# ---------------------------------------------------------------------------------
# validation of a stored profile (every field's type, shape and invariants)
# ---------------------------------------------------------------------------------
_FIX = "re-create the profile with mlnb.profile(...) and save it again"
_KINDS = ("numeric", "categorical", "skipped")
#: Counts above this cannot come from a real data set (and overflow int64 sums).
_MAX_COUNT = 2**53


def _as_path(path: Any) -> Path:
    """``path`` (text or a path object) as a Path; anything else is an error."""
    if isinstance(path, bytes) or not isinstance(path, (str, Path)):
        import os

        if not isinstance(path, os.PathLike):
            raise MlnbValueError(
                f"path must be a file path (text or pathlib.Path); got "
                f"{type(path).__name__} {path!r:.60}"
            )
    if str(path) == "":
        raise MlnbValueError("path is empty; pass a file path such as 'profile.json'")
    return Path(path)


class _Damaged(Exception):
    def __init__(self, field: str, problem: str) -> None:
        super().__init__(field, problem)
        self.field, self.problem = field, problem


def _count(value: Any, fld: str) -> int:
    """A non-negative whole count (JSON int, or a float that is whole)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Damaged(fld, f"must be a whole number >= 0, got {value!r:.60}")
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        raise _Damaged(fld, f"must be a whole number >= 0, got {value!r}")
    if value < 0:
        raise _Damaged(fld, f"must be >= 0, got {value!r} (a count cannot be negative)")
    if value > _MAX_COUNT:
        raise _Damaged(fld, f"is {value:.3g}, larger than any real count")
    return int(value)


def _floats(value: Any, fld: str, *, finite: bool = True) -> np.ndarray:
    if not isinstance(value, list) or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in value
    ):
        raise _Damaged(fld, "must be a list of numbers")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except OverflowError:
        raise _Damaged(fld, "holds a number too large for a float") from None
    if finite and not np.isfinite(arr).all():
        raise _Damaged(fld, "holds a value that is not finite")
    return arr


def _validate_feature(d: Any, position: int = 0) -> FeatureProfile:
    """A :class:`FeatureProfile` from its JSON form, or a DataValidationError
    naming the feature, the field and the fix."""
    label: Any = f"#{position}"
    try:
        if not isinstance(d, dict):
            raise _Damaged("(feature)", f"must be an object, got {type(d).__name__}")
        if "name" not in d:
            raise _Damaged("name", "is missing")
        name_type = d.get("name_type", "str")
        if name_type not in ("str", "int", "float", "bool", "none", "tuple"):
            raise _Damaged("name_type", f"is {name_type!r}, not a known type")
        try:
            name = decode_name(d["name"], name_type)
            hash(name)
        except (TypeError, ValueError, MlnbValueError, OverflowError):
            raise _Damaged("name", f"{d['name']!r:.60} is not a {name_type}") from None
        label = name
        kind = d.get("kind")
        if kind not in _KINDS:
            raise _Damaged(
                "kind", f"is {kind!r:.60}; known kinds are {', '.join(_KINDS)}"
            )
        dtype = d.get("dtype", "")
        if not isinstance(dtype, str):
            raise _Damaged("dtype", f"must be text, got {dtype!r:.60}")
        n_rows = _count(d.get("n_rows"), "n_rows")
        n_missing = _count(d.get("n_missing", 0), "n_missing")
        if n_missing > n_rows:
            raise _Damaged("n_missing", f"{n_missing} is more than n_rows {n_rows}")
        fp = FeatureProfile(name, kind, dtype, n_rows, n_missing)
        if kind == "numeric":
            _validate_numeric(fp, d)
        elif kind == "categorical":
            _validate_categorical(fp, d)
        else:
            reason = d.get("skipped_reason", "")
            if not isinstance(reason, str):
                raise _Damaged("skipped_reason", "must be text")
            fp.skipped_reason = reason
        return fp
    except _Damaged as exc:
        raise DataValidationError(
            f"the profile is damaged: feature {label!r:.80}, field '{exc.field}' "
            f"{exc.problem}; {_FIX}"
        ) from None


def _validate_numeric(fp: FeatureProfile, d: dict) -> None:
    edges = _floats(d.get("edges"), "edges")
    if len(edges) < 2:
        raise _Damaged("edges", f"needs at least 2 bin edges, got {len(edges)}")
    if not (np.diff(edges) > 0).all():
        raise _Damaged("edges", "must be strictly increasing")
    counts = d.get("counts")
    if not isinstance(counts, list):
        raise _Damaged("counts", "must be a list of counts")
    if len(counts) != len(edges) + 1:
        raise _Damaged(
            "counts",
            f"has {len(counts)} counts; {len(edges)} edges need {len(edges) + 1} "
            "(underflow, one per bin, overflow)",
        )
    fp.edges = edges
    fp.counts = np.array(
        [_count(c, f"counts[{i}]") for i, c in enumerate(counts)], dtype=np.int64
    )
    if int(fp.counts.sum()) + fp.n_missing != fp.n_rows:
        raise _Damaged(
            "counts",
            f"sum to {int(fp.counts.sum()):,} + {fp.n_missing:,} missing, not the "
            f"{fp.n_rows:,} rows of n_rows",
        )
    if d.get("quantiles") is not None:
        q = _floats(d["quantiles"], "quantiles")
        if len(q) < 2 or (np.diff(q) < 0).any():
            raise _Damaged("quantiles", "must be at least 2 non-decreasing numbers")
        fp.quantiles = q
    if d.get("atoms") is not None:
        a = _floats(d["atoms"], "atoms")
        if len(a) != len(edges) - 1 or (np.diff(a) <= 0).any():
            raise _Damaged("atoms", "must be one strictly increasing value per bin")
        fp.atoms = a
    stats = d.get("stats")
    if not isinstance(stats, dict):
        raise _Damaged("stats", "must be an object")
    inf = {"min": math.inf, "max": -math.inf}
    out: dict[str, float] = {}
    for k in ("min", "max", "sum", "sumsq", "n"):
        v = stats.get(k)
        if v is None:
            out[k] = inf.get(k, math.nan)
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise _Damaged(f"stats.{k}", f"must be a number, got {v!r:.60}")
        try:
            out[k] = float(v)
        except OverflowError:
            raise _Damaged(f"stats.{k}", "is too large for a float") from None
        if not math.isfinite(out[k]):
            raise _Damaged(f"stats.{k}", "must be finite")
    if out["n"] != out["n"] or out["n"] < 0:
        raise _Damaged("stats.n", "must be a count >= 0")
    fp.stats = out


def _validate_categorical(fp: FeatureProfile, d: dict) -> None:
    cats = d.get("categories")
    if not isinstance(cats, dict):
        raise _Damaged("categories", "must be an object category -> count")
    fp.categories = {
        str(k): _count(v, f"categories[{k!r:.40}]") for k, v in cats.items()
    }
    fp.other = _count(d.get("other", 0), "other")
    capped = d.get("capped", False)
    if not isinstance(capped, bool):
        raise _Damaged("capped", f"must be true or false, got {capped!r:.40}")
    fp.capped = capped
    if fp.other and not capped:
        raise _Damaged("other", "counts pooled categories but capped is false")
    nd = d.get("n_distinct")
    fp.n_distinct = None if nd is None else _count(nd, "n_distinct")
    total = sum(fp.categories.values()) + fp.other + fp.n_missing
    if total != fp.n_rows:
        raise _Damaged(
            "categories",
            f"counts sum to {total:,} with other and missing, not the "
            f"{fp.n_rows:,} rows of n_rows",
        )
    sketch = d.get("pooled_sketch")
    if sketch is not None:

        def u64(h: Any) -> bool:
            return isinstance(h, int) and not isinstance(h, bool) and 0 <= h < 2**64

        if (
            not isinstance(sketch, dict)
            or not u64(sketch.get("limit"))
            or not isinstance(sketch.get("hashes"), list)
            or not all(u64(h) for h in sketch["hashes"])
        ):
            raise _Damaged(
                "pooled_sketch", "must be {limit: hash, hashes: [64-bit hashes]}"
            )
        fp.pooled_hashes = np.unique(np.asarray(sketch["hashes"], dtype=np.uint64))
        fp.pooled_limit = int(sketch["limit"])


@dataclass
class Profile:
    """Binned reference statistics of a data set, feature by feature."""

    features: dict[str, FeatureProfile]
    n_rows: int
    bins: int = DEFAULT_BINS
    max_categories: int = DEFAULT_MAX_CATEGORIES
    created: str = field(
        default_factory=lambda: (
            _dt.datetime.now(_dt.timezone.utc)
            .replace(microsecond=0)
            .isoformat()
            .replace("+00:00", "Z")
        )
    )

    def __getitem__(self, name: Any) -> FeatureProfile:
        if name not in self.features:
            check_names(
                [name], available=self.names, argument="feature", role="profile"
            )
        return self.features[name]

    @property
    def names(self) -> list[Any]:
        return list(self.features)

    def merge(self, other: Profile) -> Profile:
        """The profile of both data sets together (same features, same edges)."""
        if set(self.features) != set(other.features):
            first = [n for n in self.features if n not in other.features]
            second = [n for n in other.features if n not in self.features]
            raise MlnbValueError(
                "profiles to merge must have the same features; only in the first: "
                f"{first[:20]}, only in the second: {second[:20]}"
            )
        return Profile(
            {
                n: fp.merge(other.features[n], self.max_categories)
                for n, fp in self.features.items()
            },
            self.n_rows + other.n_rows,
            self.bins,
            self.max_categories,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": "mlnb-profile",
            "version": PROFILE_FORMAT,
            "created": self.created,
            "n_rows": self.n_rows,
            "bins": self.bins,
            "max_categories": self.max_categories,
            "features": [fp.to_dict() for fp in self.features.values()],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Profile:
        """A profile from its JSON form, validated against the schema: known
        format and version, known feature kinds, strictly increasing finite bin
        edges, non-negative whole counts of the right length whose totals match
        ``n_rows``, categories aligned with their counts. Anything else raises a
        :class:`DataValidationError` naming the feature and the field."""
        if not isinstance(d, dict) or d.get("format") != "mlnb-profile":
            raise DataValidationError(
                f"not an mlnb profile (missing format: mlnb-profile); {_FIX}"
            )
        version = d.get("version", 1)
        if isinstance(version, bool) or not isinstance(version, int):
            raise DataValidationError(
                f"the profile is damaged: field 'version' is {version!r:.60}, not a "
                f"whole number; {_FIX}"
            )
        if version > PROFILE_FORMAT or version < 1:
            raise DataValidationError(
                f"profile format version {version} is not one this mlnb understands "
                f"(1 to {PROFILE_FORMAT}); upgrade mlnb, or {_FIX}"
            )

        def top(fld: str, default: Any = _MISSING, low: int = 0) -> int:
            value = d.get(fld, default)
            if value is _MISSING:
                value = None
            try:
                n = _count(value, fld)
            except _Damaged as exc:
                raise DataValidationError(
                    f"the profile is damaged: field {fld!r} {exc.problem}; {_FIX}"
                ) from None
            if n < low:
                raise DataValidationError(
                    f"the profile is damaged: field {fld!r} is {n}, below {low}; {_FIX}"
                )
            return n

        n_rows = top("n_rows", _MISSING, 1)
        bins = top("bins", DEFAULT_BINS, 2)
        max_categories = top("max_categories", DEFAULT_MAX_CATEGORIES, 1)
        created = d.get("created", "")
        if not isinstance(created, str):
            raise DataValidationError(
                f"the profile is damaged: field 'created' must be text; {_FIX}"
            )
        raw = d.get("features")
        if not isinstance(raw, list):
            raise DataValidationError(
                f"the profile is damaged: field 'features' must be a list; {_FIX}"
            )
        features: dict[Any, FeatureProfile] = {}
        for i, f in enumerate(raw):
            fp = _validate_feature(f, i)
            if fp.name in features:
                raise DataValidationError(
                    f"the profile is damaged: feature {fp.name!r} appears twice; {_FIX}"
                )
            if fp.n_rows != n_rows:
                raise DataValidationError(
                    f"the profile is damaged: feature {fp.name!r}, field 'n_rows' "
                    f"is {fp.n_rows:,} but the profile has {n_rows:,} rows; {_FIX}"
                )
            features[fp.name] = fp
        return cls(features, n_rows, bins, max_categories, created)

    def validate(self) -> Profile:
        """Check this profile against the schema (as :meth:`load` does) and
        return it; a profile edited in memory into something inconsistent raises
        a :class:`DataValidationError` naming the feature and the field."""
        try:
            d = self.to_dict()
        except (TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise DataValidationError(
                f"the profile is damaged ({type(exc).__name__}: {str(exc)[:200]}); "
                f"{_FIX}"
            ) from None
        Profile.from_dict(json.loads(json.dumps(d)))
        return self

    def save(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write the profile as JSON. An existing file is only replaced with
        ``overwrite=True``.

        Raises
        ------
        MlnbValueError
            The file exists (and ``overwrite`` is False), the path is a
            directory, or its directory is missing or not writable.
        """
        path = _as_path(path)
        if path.is_dir():
            raise MlnbValueError(
                f"{path} is a directory; pass a file path such as "
                f"{path / 'profile.json'}"
            )
        if path.exists() and not overwrite:
            raise MlnbValueError(
                f"{path} exists; pass overwrite=True to replace it, or choose "
                "another path"
            )
        if not path.parent.is_dir():
            raise MlnbValueError(
                f"the directory {path.parent} does not exist; create it first "
                f"(Path({str(path.parent)!r}).mkdir(parents=True)) or choose another "
                "path"
            )
        text = json.dumps(self.to_dict(), indent=1)
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise MlnbValueError(
                f"cannot write the profile to {path} ({exc.strerror or exc}); "
                "choose a path you can write to"
            ) from None
        return path

    @classmethod
    def load(cls, path: str | Path) -> Profile:
        """Read a profile that :meth:`save` wrote, validated as
        :meth:`from_dict` does.

        Raises
        ------
        MlnbValueError
            No file at ``path``, a directory, or a file that cannot be read.
        DataValidationError
            The file is not a profile, or the profile is damaged or was edited
            (the message names the file, the feature and the field).
        """
        path = _as_path(path)
        if path.is_dir():
            raise MlnbValueError(
                f"{path} is a directory, not a profile; pass the .json file that "
                "Profile.save wrote"
            )
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise MlnbValueError(
                f"no profile at {path}; check the path, or create one with "
                "mlnb.profile(...).save(path)"
            ) from None
        except OSError as exc:
            raise MlnbValueError(
                f"cannot read the profile {path} ({exc.strerror or exc}); check "
                "its permissions"
            ) from None
        try:
            data = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise DataValidationError(
                f"{path} is not a JSON profile (it is not UTF-8 text); {_FIX}"
            ) from None
        except (json.JSONDecodeError, RecursionError) as exc:
            raise DataValidationError(
                f"{path} is not a JSON profile ({exc}); {_FIX}"
            ) from None
        except ValueError as exc:  # e.g. an integer too long to parse
            raise DataValidationError(
                f"{path} is not a valid JSON profile ({exc}); {_FIX}"
            ) from None
        try:
            return cls.from_dict(data)
        except DataValidationError as exc:
            raise DataValidationError(f"{path}: {exc}") from None

    def __repr__(self) -> str:
        kinds = [f.kind for f in self.features.values()]
        return (
            f"<Profile of {self.n_rows:,} rows: {kinds.count('numeric')} numeric, "
            f"{kinds.count('categorical')} categorical, {kinds.count('skipped')} "
            "skipped features>"
        )


# ---------------------------------------------------------------------------------
# building profiles
# ---------------------------------------------------------------------------------
def to_pandas(data: Any, role: str = "data"):
    """pandas DataFrame from any table (see :func:`mlnb.core.frames.to_pandas`)."""
    from .frames import to_pandas as _to_pandas

    return _to_pandas(data, role=role)


def _as_float(values: Any, name: str) -> np.ndarray:
    import pandas as pd

    if isinstance(values, pd.Series):
        if values.dtype.kind in "iufb" and not isinstance(
            values.dtype, pd.CategoricalDtype
        ):
            return values.to_numpy(dtype=np.float64)
        try:
            return values.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError):
            pass
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        sample = [v for v in list(values[:50]) if not is_number(v)][:3]
        raise DataValidationError(
            f"feature {name!r} is numeric in the reference but holds non-numeric "
            f"values now (such as {sample!r}); the dtype changed between reference "
            "and current data. Fix the pipeline that produces it, or declare it "
            "categorical on both sides."
        ) from None


def feature_kind(series: Any, categorical: bool = False) -> tuple[str, str]:
    """``(kind, reason)``: numeric, categorical, or skipped with the reason;
    ``categorical=True`` when the user declared the column categorical."""
    import pandas as pd

    dtype = series.dtype
    if categorical:
        return "categorical", ""
    if isinstance(dtype, pd.CategoricalDtype) or dtype.kind in "bOSU":
        return "categorical", ""
    if isinstance(dtype, pd.StringDtype) or str(dtype) in ("string", "str"):
        return "categorical", ""
    if dtype.kind in "iuf":
        return "numeric", ""
    if dtype.kind in "mM":
        return "skipped", (
            "date/time column: compare windows of time with drift_over_time("
            "time_column=...) instead"
        )
    return "skipped", f"unsupported dtype {dtype}"


def profile_feature(
    series: Any,
    kind: str,
    *,
    bins: int = DEFAULT_BINS,
    max_categories: int = DEFAULT_MAX_CATEGORIES,
    edges: np.ndarray | None = None,
    skipped_reason: str = "",
    from_reference: bool = False,
    atoms_from: np.ndarray | None = None,
    name: Any = _MISSING,
) -> FeatureProfile:
    name = series.name if name is _MISSING else name
    n = len(series)
    dtype = str(series.dtype)
    if kind == "skipped":
        return FeatureProfile(name, "skipped", dtype, n, skipped_reason=skipped_reason)
    if kind == "numeric":
        arr = np.sort(_as_float(series, name))  # one sort: edges, counts, stats
        present = _finite_part(arr)  # NaN and ±inf count as missing
        n_valid = len(present)
        if n_valid == 0 and edges is not None:  # a chunk with no values
            return FeatureProfile(
                name,
                "numeric",
                dtype,
                n,
                n_missing=n,
                edges=np.asarray(edges, dtype=np.float64),
                counts=np.zeros(len(edges) + 1, dtype=np.int64),
                stats={
                    "min": math.inf,
                    "max": -math.inf,
                    "sum": 0.0,
                    "sumsq": 0.0,
                    "n": 0.0,
                },
            )
        if n_valid == 0:
            return FeatureProfile(
                name,
                "skipped",
                dtype,
                n,
                n_missing=n,
                skipped_reason="every value is missing in the reference",
            )
        atoms = None
        if edges is None:
            edges, atoms = _edges_sorted(present, bins)
        elif atoms_from is not None:
            atoms = atoms_from
        edges = np.asarray(edges, dtype=np.float64)
        return FeatureProfile(
            name,
            "numeric",
            dtype,
            n,
            n_missing=n - n_valid,
            edges=edges,
            counts=_counts_sorted(present, edges),
            atoms=atoms,
            quantiles=None
            if atoms is not None
            else _quantiles_sorted(present, np.linspace(0.0, 1.0, SKETCH_POINTS + 1)),
            stats={
                "min": float(present[0]),
                "max": float(present[-1]),
                "sum": float(present.sum()),
                # einsum, not np.dot: BLAS would start its own threads inside
                # ours (profile() bins features on several threads)
                "sumsq": float(np.einsum("i,i->", present, present)),
                "n": float(n_valid),
            },
        )
    cats, n_missing = _category_counts(series)
    if not cats and not from_reference:
        return FeatureProfile(
            name,
            "skipped",
            dtype,
            n,
            n_missing=n_missing,
            skipped_reason="every value is missing in the reference",
        )
    kept, pooled, capped, hashes = _cap(cats, max_categories)
    return FeatureProfile(
        name,
        "categorical",
        dtype,
        n,
        n_missing=n_missing,
        categories=kept,
        other=pooled,
        n_distinct=len(cats),
        capped=capped,
        pooled_hashes=None if hashes is None else hashes[0],
        pooled_limit=2**64 - 1 if hashes is None else hashes[1],
    )


def profile(
    data: Any,
    *,
    features: list[Any] | None = None,
    categorical: list[Any] | None = None,
    bins: int = DEFAULT_BINS,
    max_categories: int = DEFAULT_MAX_CATEGORIES,
    edges_from: Profile | None = None,
    n_jobs: int | None = None,
) -> Profile:
    """Profile ``data`` (pandas/polars DataFrame, pyarrow Table or a dict of
    arrays) for drift checks.

    Parameters
    ----------
    data:
        The reference data; its columns may be named by any hashable (the
        integers of ``pd.DataFrame(array)``, tuples, text).
    features:
        Columns to profile (default: all), named as the table names them.
    categorical:
        Columns to treat as categorical even if numeric (codes, ids of classes).
    bins:
        Quantile bins per numeric feature.
    max_categories:
        Categories kept per categorical feature; rarer ones are pooled and the
        cap is reported.
    edges_from:
        Re-use the bin edges (and feature kinds) of another profile, so that the
        two profiles can be merged — profile a large data set chunk by chunk.
    n_jobs:
        Threads binning features side by side (default None: one per CPU).

    Raises
    ------
    MlnbValueError
        An unknown feature or categorical column (the message lists at most 20
        of the columns), bad ``bins`` or ``n_jobs``.
    DataValidationError
        The data is empty, or a profiled name is duplicated.
    """
    bins = check_bins(bins)
    max_categories = check_max_categories(max_categories)
    check_n_jobs(n_jobs)
    if edges_from is not None and not isinstance(edges_from, Profile):
        raise MlnbValueError(
            f"edges_from must be a Profile (from mlnb.profile or Profile.load); got "
            f"{type(edges_from).__name__}"
        )
    frame = to_pandas(data, "reference")
    if len(frame) == 0:
        raise DataValidationError("the reference data is empty; nothing to profile")
    names = _select(frame, features, "reference data")
    cat = check_names(
        categorical, available=names, argument="categorical", role="profiled columns"
    )
    positions = column_positions(frame)
    for name in names:  # a duplicated name is an error before any work
        read_column(frame, positions, name, role="feature")

    def one(name: Any) -> FeatureProfile:
        series = read_column(frame, positions, name, role="feature")
        if edges_from is not None and name in edges_from.features:
            ref = edges_from.features[name]
            kind, reason = ref.kind, ref.skipped_reason
            fixed, atoms = ref.edges, ref.atoms
        else:
            declared = any(frames.same_name(c, name) for c in cat)
            kind, reason = feature_kind(series, declared)
            fixed, atoms = None, None
        return profile_feature(
            series,
            kind,
            bins=bins,
            max_categories=max_categories,
            edges=fixed,
            skipped_reason=reason,
            from_reference=edges_from is not None,
            atoms_from=atoms,
            name=name,
        )

    feats = parallel_map(one, names, n_jobs)
    return Profile(dict(zip(names, feats)), len(frame), bins, max_categories)


def _select(frame, features, role) -> list[Any]:
    columns = list(frame.columns)
    if features is None:
        return columns
    return check_names(features, available=columns, argument="features", role=role)


def profile_parquet(
    path: str | Path,
    *,
    features: list[str] | None = None,
    categorical: list[str] | None = None,
    bins: int = DEFAULT_BINS,
    max_categories: int = DEFAULT_MAX_CATEGORIES,
    chunk_rows: int = 1_000_000,
    sample_rows: int = _QUANTILE_SAMPLE,
    random_state: int = 0,
    n_jobs: int | None = None,
    progress: bool = True,
) -> Profile:
    """Profile a Parquet file chunk by chunk, never holding it whole in memory.

    Two passes: the first draws a sample of up to ``sample_rows`` rows (seeded by
    ``random_state``) to place the numeric bin edges, the second counts every row
    with those edges. ``n_jobs``: threads binning features side by side (default
    None: one per CPU).
    """
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError as exc:  # pragma: no cover - pyarrow ships with pandas extras
        from ..errors import MissingDependencyError

        raise MissingDependencyError("pyarrow", "all", "reading Parquet") from exc
    from tqdm.auto import tqdm

    bins = check_bins(bins)
    max_categories = check_max_categories(max_categories)
    check_n_jobs(n_jobs)
    for arg, value in (("chunk_rows", chunk_rows), ("sample_rows", sample_rows)):
        if not _whole(value) or value < 1:
            raise MlnbValueError(
                f"{arg} must be a whole number >= 1; got {value!r:.60}"
            )
    pf = _open_parquet(path)
    n_rows = pf.metadata.num_rows
    if n_rows == 0:
        raise DataValidationError(f"{path} has no rows; nothing to profile")
    columns = (
        None
        if features is None
        else check_names(
            features,
            available=list(pf.schema_arrow.names),
            argument="features",
            role=f"Parquet file {path}",
        )
    )
    rng = np.random.default_rng(random_state)
    keep = min(1.0, sample_rows / n_rows)
    samples = []
    bar = tqdm(total=2 * n_rows, desc="profiling", unit="row", disable=not progress)
    try:
        for batch in pf.iter_batches(batch_size=chunk_rows, columns=columns):
            frame = batch.to_pandas()
            if keep < 1.0:
                frame = frame[rng.random(len(frame)) < keep]
            samples.append(frame)
            bar.update(batch.num_rows)
        import pandas as pd

        sample = pd.concat(samples, ignore_index=True)
        edges = profile(
            sample,
            categorical=categorical,
            bins=bins,
            max_categories=max_categories,
            n_jobs=n_jobs,
        )
        total: Profile | None = None
        for batch in pf.iter_batches(batch_size=chunk_rows, columns=columns):
            part = profile(
                batch.to_pandas(),
                categorical=categorical,
                bins=bins,
                max_categories=max_categories,
                edges_from=edges,
                n_jobs=n_jobs,
            )
            total = part if total is None else total.merge(part)
            bar.update(batch.num_rows)
    finally:
        bar.close()
    return total


def _open_parquet(path: Any):
    """``pyarrow.parquet.ParquetFile(path)``; a missing file, a directory, a file
    that is not Parquet or cannot be read raises an MlnbError naming the path."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if isinstance(path, (str, Path)):
        p = Path(path)
        if p.is_dir():
            raise MlnbValueError(
                f"{p} is a directory; profile_parquet reads one Parquet file — pass "
                "the path of a .parquet file (or profile each file of the folder and "
                "merge the profiles)"
            )
        if not p.exists():
            raise MlnbValueError(
                f"no Parquet file at {p}; check the path (the directory "
                f"{p.parent} {'exists' if p.parent.is_dir() else 'does not exist'})"
            )
    try:
        return pq.ParquetFile(path)
    except PermissionError:
        raise MlnbValueError(
            f"cannot read {path}: permission denied; check its permissions"
        ) from None
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DataValidationError(
            f"{path} is not a readable Parquet file ({type(exc).__name__}: "
            f"{str(exc)[:200]}); write it with DataFrame.to_parquet, or profile the "
            "data in memory with mlnb.profile(...)"
        ) from None
