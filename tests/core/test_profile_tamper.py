"""Profiles validated on load (issue 11, class 4): every field of a saved
profile tampered with, one at a time — each raises a DataValidationError naming
the file, the feature and the field and saying how to fix it; none gives
``pass — no drift`` on data with a planted +3 shift."""

from __future__ import annotations

import copy
import json
import os
import re
import sys

import numpy as np
import pandas as pd
import pytest

import mlnb
from mlnb import DataValidationError, MlnbError, MlnbValueError
from mlnb.core.profile import POOLED_SKETCH, Profile

FIX = r"re-create the profile with mlnb\.profile"


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    ref = pd.DataFrame(
        {
            "x": rng.normal(0, 1, 2_000),
            "k": rng.integers(0, 5, 2_000),  # a few values: one bin per value
            "c": rng.choice(["a", "b", "c"], 2_000),
        }
    )
    cur = ref.assign(x=ref["x"] + 3.0)  # a planted +3 shift
    return ref, cur


@pytest.fixture(scope="module")
def saved(data):
    return mlnb.profile(data[0]).to_dict()


def _feature(d, name):
    return next(f for f in d["features"] if f["name"] == name)


def _set(name, key, value):
    def edit(d):
        _feature(d, name)[key] = value

    return edit


def _top(key, value):
    def edit(d):
        d[key] = value

    return edit


def _counts(fn):
    def edit(d):
        f = _feature(d, "x")
        f["counts"] = fn(f["counts"])

    return edit


def _drop(name, key):
    def edit(d):
        del _feature(d, name)[key]

    return edit


def _first_category(value):
    def edit(d):
        cats = _feature(d, "c")["categories"]
        cats[next(iter(cats))] = value

    return edit


# (id, edit, regex the message must match — the feature and the field)
TAMPERS = [
    # the three that once gave "pass — no drift" with a +3 shift
    ("kind-unknown", _set("x", "kind", "numerik"), r"feature 'x', field 'kind'"),
    (
        "counts-negative",
        _counts(lambda c: [-v for v in c]),
        r"'x', field 'counts\[\d+\]'",
    ),
    (
        "edges-reversed",
        lambda d: _feature(d, "x")["edges"].reverse(),
        r"'x', field 'edges'.*increasing",
    ),
    # type, shape and invariants of every other field
    ("kind-number", _set("x", "kind", 3), r"'x', field 'kind'"),
    (
        "kind-skipped-to-categorical",
        _set("x", "kind", "categorical"),
        r"'x', field 'categories'",
    ),
    ("edges-not-list", _set("x", "edges", "0,1,2"), r"'x', field 'edges'"),
    ("edges-text", _set("x", "edges", ["a", "b"]), r"'x', field 'edges'"),
    ("edges-one", _set("x", "edges", [0.0]), r"'x', field 'edges'.*at least 2"),
    (
        "edges-nan",
        lambda d: _feature(d, "x")["edges"].__setitem__(3, float("nan")),
        r"'x', field 'edges'.*finite",
    ),
    (
        "edges-inf",
        lambda d: _feature(d, "x")["edges"].__setitem__(-1, float("inf")),
        r"'x', field 'edges'",
    ),
    (
        "edges-repeated",
        lambda d: _feature(d, "x")["edges"].__setitem__(
            2, _feature(d, "x")["edges"][1]
        ),
        r"'x', field 'edges'",
    ),
    (
        "edges-huge",
        lambda d: _feature(d, "x")["edges"].__setitem__(-1, 10**400),
        r"'x', field 'edges'.*too large",
    ),
    ("counts-short", _counts(lambda c: c[:-3]), r"'x', field 'counts'.*edges need"),
    ("counts-long", _counts(lambda c: c + [0]), r"'x', field 'counts'"),
    ("counts-not-list", _set("x", "counts", 5), r"'x', field 'counts'"),
    (
        "counts-fraction",
        _counts(lambda c: [c[0] + 0.5, *c[1:]]),
        r"'x', field 'counts\[0\]'.*whole",
    ),
    ("counts-text", _counts(lambda c: ["7", *c[1:]]), r"'x', field 'counts\[0\]'"),
    (
        "counts-huge",
        _counts(lambda c: [10**30, *c[1:]]),
        r"'x', field 'counts\[0\]'.*larger than any",
    ),
    ("counts-bool", _counts(lambda c: [True, *c[1:]]), r"'x', field 'counts\[0\]'"),
    (
        "counts-total",
        _counts(lambda c: [c[0] + 1, *c[1:]]),
        r"'x', field 'counts'.*sum to",
    ),
    ("n_rows-negative", _set("x", "n_rows", -1), r"'x', field 'n_rows'"),
    ("n_rows-text", _set("x", "n_rows", "2000"), r"'x', field 'n_rows'"),
    ("n_missing-over-rows", _set("x", "n_missing", 10**6), r"'x', field 'n_missing'"),
    ("n_missing-negative", _set("x", "n_missing", -4), r"'x', field 'n_missing'"),
    (
        "quantiles-unsorted",
        lambda d: _feature(d, "x")["quantiles"].reverse(),
        r"'x', field 'quantiles'",
    ),
    ("quantiles-text", _set("x", "quantiles", "q"), r"'x', field 'quantiles'"),
    (
        "atoms-wrong-length",
        lambda d: _feature(d, "k")["atoms"].append(99.0),
        r"'k', field 'atoms'",
    ),
    ("stats-not-dict", _set("x", "stats", [1, 2]), r"'x', field 'stats'"),
    (
        "stats-text",
        lambda d: _feature(d, "x")["stats"].__setitem__("sum", "big"),
        r"'x', field 'stats\.sum'",
    ),
    (
        "stats-huge",
        lambda d: _feature(d, "x")["stats"].__setitem__("sumsq", 10**400),
        r"'x', field 'stats\.sumsq'",
    ),
    (
        "stats-n-negative",
        lambda d: _feature(d, "x")["stats"].__setitem__("n", -3),
        r"'x', field 'stats\.n'",
    ),
    ("dtype-number", _set("x", "dtype", 64), r"'x', field 'dtype'"),
    ("name-missing", _drop("x", "name"), r"feature '#0', field 'name'"),
    ("name_type-unknown", _set("x", "name_type", "complex"), r"field 'name_type'"),
    (
        "name-not-int",
        lambda d: _feature(d, "x").update(name_type="int"),
        r"field 'name'",
    ),
    (
        "categories-not-dict",
        _set("c", "categories", ["a", "b"]),
        r"'c', field 'categories'",
    ),
    ("categories-negative", _first_category(-5), r"'c', field 'categories\["),
    ("categories-fraction", _first_category(2.5), r"'c', field 'categories\["),
    ("categories-total", _first_category(1), r"'c', field 'categories'.*sum to"),
    ("other-negative", _set("c", "other", -1), r"'c', field 'other'"),
    ("other-not-capped", _set("c", "other", 3), r"'c', field 'other'"),
    ("capped-text", _set("c", "capped", "yes"), r"'c', field 'capped'"),
    ("n_distinct-negative", _set("c", "n_distinct", -2), r"'c', field 'n_distinct'"),
    (
        "sketch-bad",
        _set("c", "pooled_sketch", {"limit": -1, "hashes": []}),
        r"'c', field 'pooled_sketch'",
    ),
    (
        "skipped_reason-number",
        lambda d: _feature(d, "x").update(kind="skipped", skipped_reason=5),
        r"'x', field 'skipped_reason'",
    ),
    (
        "feature-not-object",
        lambda d: d["features"].append([1, 2]),
        r"field '\(feature\)'",
    ),
    (
        "feature-duplicated",
        lambda d: d["features"].append(copy.deepcopy(d["features"][0])),
        r"feature 'x' appears twice",
    ),
    (
        "feature-rows-disagree",
        lambda d: d.update(n_rows=d["n_rows"] + 1),
        r"field 'n_rows'",
    ),
    ("version-text", _top("version", "two"), r"field 'version'.*whole number"),
    ("version-float", _top("version", 2.5), r"field 'version'"),
    ("version-future", _top("version", 99), r"version 99.*upgrade mlnb"),
    ("version-zero", _top("version", 0), r"version 0"),
    ("n_rows-top-huge", _top("n_rows", 10**40), r"field 'n_rows'"),
    ("bins-zero", _top("bins", 0), r"field 'bins'"),
    ("max_categories-zero", _top("max_categories", 0), r"field 'max_categories'"),
    ("features-not-list", _top("features", {"x": 1}), r"field 'features'"),
    ("created-number", _top("created", 5), r"field 'created'"),
    ("format-wrong", _top("format", "other"), r"not an mlnb profile"),
]


@pytest.mark.parametrize("case, edit, pattern", TAMPERS, ids=[t[0] for t in TAMPERS])
def test_every_tampered_field_is_named_on_load(
    tmp_path, saved, data, case, edit, pattern
):
    d = copy.deepcopy(saved)
    edit(d)
    path = tmp_path / "p.json"
    path.write_text(json.dumps(d), encoding="utf-8")
    with pytest.raises(DataValidationError) as err:
        prof = Profile.load(path)
        # never reached: a tampered profile that loaded must not hide the shift
        assert mlnb.drift(prof, data[1]).status != "pass"
    msg = str(err.value)
    assert str(path) in msg
    assert re.search(pattern, msg), msg
    if "version-future" not in case and "format" not in case:
        assert re.search(FIX, msg), msg


def test_there_are_enough_tamper_cases():
    assert len(TAMPERS) >= 50


def test_untampered_round_trip_still_finds_the_shift(tmp_path, data):
    ref, cur = data
    path = mlnb.profile(ref).save(tmp_path / "p.json")
    report = mlnb.drift(Profile.load(path), cur)
    assert report.status != "pass"
    assert report.to_frame().set_index("feature").loc["x", "drifted"]


@pytest.mark.parametrize(
    "content, pattern",
    [
        (b"\xff\xfe\x00garbage", r"not UTF-8"),
        (b"{not json", r"not a JSON profile"),
        (b"", r"not a JSON profile"),
        (b"[1, 2, 3]", r"not an mlnb profile"),
        (b"null", r"not an mlnb profile"),
        (b"PAR1\x00\x00", r"not UTF-8|not a JSON profile"),
        (b"[" * 100_000 + b"]" * 100_000, r"not a JSON profile"),
        (
            b'{"format": "mlnb-profile", "version": 1' + b"9" * 5000 + b"}",
            r"not a valid JSON profile|field 'version'",
        ),
    ],
    ids=[
        "non-utf8",
        "bad-json",
        "empty",
        "list",
        "null",
        "parquet",
        "deep",
        "long-int",
    ],
)
def test_damaged_files(tmp_path, content, pattern):
    path = tmp_path / "damaged.json"
    path.write_bytes(content)
    with pytest.raises(DataValidationError, match=pattern) as err:
        Profile.load(path)
    assert str(path) in str(err.value)


def test_file_errors_name_the_path_and_the_fix(tmp_path, data):
    prof = mlnb.profile(data[0])
    with pytest.raises(MlnbValueError, match=r"no profile at .*mlnb\.profile"):
        Profile.load(tmp_path / "missing.json")
    with pytest.raises(MlnbValueError, match=r"is a directory"):
        Profile.load(tmp_path)
    with pytest.raises(MlnbValueError, match=r"is a directory.*profile\.json"):
        prof.save(tmp_path)
    with pytest.raises(MlnbValueError, match=r"directory .*nowhere does not exist"):
        prof.save(tmp_path / "nowhere" / "p.json")
    path = prof.save(tmp_path / "p.json")
    with pytest.raises(MlnbValueError, match=r"exists; pass overwrite=True"):
        prof.save(path)
    before = path.read_bytes()
    assert path.read_bytes() == before  # nothing overwritten without asking
    prof.save(path, overwrite=True)
    assert Profile.load(path).n_rows == prof.n_rows


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0, reason="root reads every file"
)
def test_permission_errors_are_mlnb_errors(tmp_path, data):
    prof = mlnb.profile(data[0])
    path = prof.save(tmp_path / "p.json")
    path.chmod(0)
    try:
        with pytest.raises(
            MlnbValueError, match=r"cannot read the profile .*permissions"
        ):
            Profile.load(path)
    finally:
        path.chmod(0o600)
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(MlnbValueError, match=r"cannot write the profile"):
            prof.save(ro / "p.json")
    finally:
        ro.chmod(0o700)


def test_errors_are_mlnb_errors_never_raw():
    assert issubclass(DataValidationError, MlnbError)


# -- the pooled-category sketch --------------------------------------------------------
def test_sketch_round_trips_and_stays_small(tmp_path):
    n = 50_000
    ref = pd.DataFrame({"id": np.arange(n).astype(str)})
    prof = mlnb.profile(ref, max_categories=100)
    fp = prof["id"]
    assert fp.capped and len(fp.pooled_hashes) == POOLED_SKETCH
    path = prof.save(tmp_path / "p.json")
    back = Profile.load(path)["id"]
    np.testing.assert_array_equal(back.pooled_hashes, fp.pooled_hashes)
    assert back.pooled_limit == fp.pooled_limit
    assert len(json.dumps(fp.to_dict())) < 30_000


def test_merged_sketch_equals_whole_sketch():
    n = 20_000
    ids = np.arange(n).astype(str)
    whole = mlnb.profile(pd.DataFrame({"id": ids}), max_categories=10)["id"]
    a = mlnb.profile(pd.DataFrame({"id": ids[: n // 2]}), max_categories=10)
    b = mlnb.profile(pd.DataFrame({"id": ids[n // 2 :]}), max_categories=10)
    merged = a.merge(b)["id"]
    # every count is 1: the kept categories are the same, so are the pooled ones
    assert merged.categories == whole.categories
    np.testing.assert_array_equal(merged.pooled_hashes, whole.pooled_hashes)
    assert merged.pooled_limit == whole.pooled_limit


def test_a_profile_edited_in_memory_is_refused(data):
    ref, cur = data
    prof = mlnb.profile(ref)
    prof.features["x"].kind = "numerik"
    with pytest.raises(DataValidationError, match=r"feature 'x', field 'kind'"):
        mlnb.drift(prof, cur)
    prof = mlnb.profile(ref)
    prof.features["x"].counts = -prof.features["x"].counts
    with pytest.raises(DataValidationError, match=r"feature 'x', field 'counts"):
        mlnb.drift_over_time(
            prof,
            cur.assign(ts=pd.date_range("2024-01-01", periods=len(cur), freq="h")),
            time_column="ts",
        )
    prof = mlnb.profile(ref)
    prof.features["x"].edges = None
    with pytest.raises(DataValidationError, match=r"damaged"):
        mlnb.drift(prof, cur)


def test_a_capped_profile_without_a_sketch_says_so(tmp_path):
    """A capped profile saved before the sketch existed: values outside the kept
    categories are counted as pooled, and the note says they cannot be told
    apart (never silently)."""
    n = 5_000
    ref = pd.DataFrame({"id": np.arange(n).astype(str)})
    d = mlnb.profile(ref, max_categories=10).to_dict()
    del d["features"][0]["pooled_sketch"]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(d))
    cur = pd.DataFrame({"id": (np.arange(1000) + 10**7).astype(str)})
    row = mlnb.drift(Profile.load(path), cur).to_frame().iloc[0]
    assert "1,000 rows (100.0%) hold categories outside the kept ones" in row["note"]
    assert "re-create it with mlnb.profile" in row["note"]
