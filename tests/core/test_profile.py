"""mlnb.profile / Profile: bin edges, counts, caps, kinds, JSON files, merging and
Parquet streaming, checked against numpy and pandas."""

from __future__ import annotations

import json
import math
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mlnb
from mlnb import DataValidationError, MlnbError, MlnbValueError
from mlnb.core import profile as P
from mlnb.core.profile import PROFILE_FORMAT, FeatureProfile, Profile, numeric_counts

# -- helpers ---------------------------------------------------------------------------


def counts_by_hand(x: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, int]:
    """``[under, np.histogram bins…, over]`` and the number of NaNs."""
    x = np.asarray(x, dtype=np.float64)
    nan = np.isnan(x)
    present = x[~nan]
    under = int(np.sum(present < edges[0]))
    over = int(np.sum(present > edges[-1]))
    inner = np.histogram(present, bins=edges)[0]
    return np.concatenate([[under], inner, [over]]), int(nan.sum())


def mixed_frame(rng: np.random.Generator, n: int = 3_000) -> pd.DataFrame:
    """Numeric (continuous, discrete, with NaNs), categorical (object, category,
    bool, with missing values) and a datetime column."""
    x = rng.normal(size=n)
    x[rng.random(n) < 0.05] = np.nan
    cat = rng.choice(["a", "b", "c", "d"], size=n, p=[0.4, 0.3, 0.2, 0.1]).astype(
        object
    )
    cat[rng.random(n) < 0.03] = None
    return pd.DataFrame(
        {
            "x": x,
            "u": rng.uniform(-5, 5, size=n),
            "k": rng.integers(0, 4, size=n),
            "cat": cat,
            "cc": pd.Categorical(rng.choice(["lo", "mid", "hi"], size=n)),
            "flag": rng.random(n) < 0.3,
            "when": pd.date_range("2024-01-01", periods=n, freq="min"),
        }
    )


def comparable(fp: FeatureProfile) -> dict:
    """A feature profile's dict without the floating-point sums (chunked sums
    differ from whole sums in the last bits) and without the quantile sketch, which
    merges approximately (checked by ``assert_sketch_close``)."""
    d = fp.to_dict()
    d.pop("stats", None)
    d.pop("quantiles", None)
    return d


def assert_sketch_close(merged: FeatureProfile, whole: FeatureProfile) -> None:
    """A merged quantile sketch describes the same distribution as the sketch of
    the whole data: their distribution functions differ by less than 2%."""
    if whole.quantiles is None:
        return
    grid = np.unique(np.concatenate([merged.quantiles, whole.quantiles]))
    assert np.max(np.abs(merged.cdf(grid) - whole.cdf(grid))) < 0.02


# -- numeric counts --------------------------------------------------------------------

VALUES = st.one_of(
    st.sampled_from([-3.0, -1.0, 0.0, 0.25, 1.0, 2.0, 7.5]),
    st.floats(-100, 100),
    st.just(math.nan),
)


# numeric_counts sorts blocks (many edges) or compares blocks with each edge (few
# edges): both ways are checked, with blocks small enough to need several.
BY_SORTING = {"_COMPARE_MAX_EDGES": 0}
BY_COMPARISON = {"_COMPARE_MAX_EDGES": 1000}


@settings(max_examples=100)
@given(
    st.lists(VALUES, min_size=0, max_size=80),
    st.lists(st.floats(-50, 50), min_size=2, max_size=10, unique=True),
    st.sampled_from([3, 7, 1 << 18]),
    st.sampled_from([BY_SORTING, BY_COMPARISON]),
)
def test_numeric_counts_equal_np_histogram_plus_under_over_missing(
    xs, raw_edges, block, way
):
    x = np.array(xs, dtype=np.float64)
    edges = np.array(sorted(raw_edges), dtype=np.float64)
    with (
        mock.patch.object(P, "_BLOCK", block),
        mock.patch.object(P, "_COMPARE_BLOCK", block),
        mock.patch.multiple(P, **way),
    ):
        counts, n_nan = numeric_counts(x, edges)
    expected, expected_nan = counts_by_hand(x, edges)
    np.testing.assert_array_equal(counts, expected)
    assert n_nan == expected_nan
    assert counts.sum() + n_nan == len(x)


@pytest.mark.parametrize("way", [BY_SORTING, BY_COMPARISON])
def test_numeric_counts_edge_values_and_infinities(way):
    edges = np.array([0.0, 1.0, 2.0])
    x = np.array([-np.inf, -1, 0, 0.5, 1, 1.5, 2, 2.5, np.inf, np.nan])
    with mock.patch.multiple(P, **way):
        counts, n_nan = numeric_counts(x, edges)
    # ±inf are missing values (as Evidently treats them), like NaN:
    # under: -1 | [0, 1): 0, 0.5 | [1, 2]: 1, 1.5, 2 | over: 2.5; missing: ±inf, NaN
    np.testing.assert_array_equal(counts, [1, 2, 3, 1])
    assert n_nan == 3


@pytest.mark.parametrize("way", [BY_SORTING, BY_COMPARISON])
def test_numeric_counts_across_blocks(rng, way):
    x = rng.normal(size=P._BLOCK * 2 + 123)
    x[::97] = np.nan
    x[5::1001] = np.round(x[5::1001], 1)  # ties on the edges below
    edges = np.unique(
        np.round(np.quantile(x[~np.isnan(x)][:1000], np.linspace(0, 1, 11)), 1)
    )
    with mock.patch.multiple(P, **way):
        counts, n_nan = numeric_counts(x, edges)
    expected, expected_nan = counts_by_hand(x, edges)
    np.testing.assert_array_equal(counts, expected)
    assert n_nan == expected_nan


# -- edges -----------------------------------------------------------------------------


@settings(max_examples=100)
@given(
    st.lists(
        # distinct values at least 1e-3 apart (see the adjacent-doubles test)
        st.one_of(
            st.floats(-1e6, 1e6).map(lambda v: round(v, 3)),
            st.sampled_from([0.0, 1.0, 2.5]),
        ),
        min_size=1,
        max_size=200,
    ),
    st.integers(2, 25),
)
def test_edges_are_reference_quantiles_or_one_bin_per_value(xs, bins):
    x = np.array(xs, dtype=np.float64)
    fp = mlnb.profile(pd.DataFrame({"x": x}), bins=bins)["x"]
    assert fp.kind == "numeric"
    edges = fp.edges
    distinct = np.unique(x)
    assert edges[0] == distinct[0] and edges[-1] == distinct[-1]
    assert np.all(np.diff(edges) > 0) or len(distinct) == 1
    if len(distinct) > bins:
        expected = np.unique(np.quantile(x, np.linspace(0.0, 1.0, bins + 1)))
        assert len(edges) == len(expected)
        np.testing.assert_allclose(edges, expected, rtol=1e-12, atol=1e-9)
    elif len(distinct) > 1:
        # one bin per distinct value: each inner bin holds exactly one of them
        assert len(edges) == len(distinct) + 1
        idx = np.searchsorted(edges, distinct, side="right") - 1
        idx[-1] = len(edges) - 2  # the last bin is closed on the right
        np.testing.assert_array_equal(idx, np.arange(len(distinct)))
        values, n = np.unique(x, return_counts=True)
        np.testing.assert_array_equal(fp.counts[1:-1], n)
    else:  # a constant column: one bin [c, c]
        np.testing.assert_array_equal(edges, [distinct[0], distinct[0]])
        np.testing.assert_array_equal(fp.counts, [0, len(x), 0])
    # whatever the edges, the counts are np.histogram's on them
    expected_counts, _ = counts_by_hand(x, edges)
    np.testing.assert_array_equal(fp.counts, expected_counts)


def test_one_bin_per_value_for_adjacent_doubles():
    x = np.array([1.0, np.nextafter(1.0, 2.0), 3.0])
    fp = mlnb.profile(pd.DataFrame({"x": x}))["x"]
    assert np.all(np.diff(fp.edges) > 0)
    np.testing.assert_array_equal(fp.counts, [0, 1, 1, 1, 0])


def test_profile_numeric_counts_stats_and_missing(rng):
    df = mixed_frame(rng)
    prof = mlnb.profile(df, bins=10)
    fp = prof["x"]
    x = df["x"].to_numpy()
    present = x[~np.isnan(x)]
    np.testing.assert_allclose(
        fp.edges, np.quantile(present, np.linspace(0, 1, 11)), rtol=1e-12
    )
    expected, n_nan = counts_by_hand(x, fp.edges)
    np.testing.assert_array_equal(fp.counts, expected)
    assert fp.counts[0] == fp.counts[-1] == 0  # nothing outside the reference range
    assert fp.n_missing == n_nan == int(df["x"].isna().sum())
    assert fp.n_rows == len(df)
    assert fp.stats["min"] == present.min() and fp.stats["max"] == present.max()
    assert fp.stats["n"] == len(present)
    assert fp.mean == pytest.approx(present.mean(), rel=1e-12)
    assert fp.std == pytest.approx(present.std(), rel=1e-9)
    np.testing.assert_array_equal(fp.reference_vector(), [*expected, n_nan])
    labels = fp.bin_labels()
    assert len(labels) == len(fp.reference_vector())
    assert labels[-1] == "missing" and labels[0].startswith("<")
    # discrete integer column: one bin per value
    k = prof["k"]
    assert len(k.edges) == 5
    np.testing.assert_array_equal(
        k.counts[1:-1], df["k"].value_counts().sort_index().to_numpy()
    )


# -- categorical counts, cap -----------------------------------------------------------


@settings(max_examples=100)
@given(st.lists(st.one_of(st.sampled_from(["a", "b", "c", "é", "x y"]), st.none())))
def test_categorical_counts_equal_value_counts(xs):
    s = pd.Series(xs + ["a"], dtype=object)
    fp = mlnb.profile(pd.DataFrame({"c": s}))["c"]
    assert fp.kind == "categorical"
    vc = s.value_counts(dropna=True)
    assert fp.categories == {str(k): int(v) for k, v in vc.items()}
    # most frequent first, ties by name
    order = sorted(fp.categories.items(), key=lambda kv: (-kv[1], kv[0]))
    assert list(fp.categories) == [k for k, _ in order]
    assert fp.n_missing == int(s.isna().sum())
    assert fp.other == 0 and not fp.capped and fp.n_distinct == len(vc)
    np.testing.assert_array_equal(
        fp.reference_vector(),
        [*vc.sort_index().reindex(list(fp.categories)), 0, 0, fp.n_missing],
    )


def test_category_dtype_counts_skip_unused_categories():
    s = pd.Series(pd.Categorical(["a", "b", "a", None], categories=["a", "b", "zz"]))
    fp = mlnb.profile(pd.DataFrame({"c": s}))["c"]
    assert fp.categories == {"a": 2, "b": 1}
    assert fp.n_missing == 1


def test_max_categories_pools_the_rest_as_other(rng):
    s = pd.Series(list("aaaaabbbbcccddeeef"))
    fp = mlnb.profile(pd.DataFrame({"c": s}), max_categories=3)["c"]
    assert fp.categories == {"a": 5, "b": 4, "c": 3}
    assert fp.other == 2 + 3 + 1  # d, e, f pooled
    assert fp.capped is True
    assert fp.n_distinct == 6
    assert fp.bin_labels() == ["a", "b", "c", "(other)", "(unseen)", "missing"]
    # a current batch: pooled categories count as (other); a category the
    # reference never had is unseen and reported, whatever the cap
    vec, unseen = fp.current_vector(pd.Series(["a", "d", "f", "new", None]))
    np.testing.assert_array_equal(vec, [1, 0, 0, 2, 1, 1])
    assert unseen == {"new": 1}
    # uncapped: a new category is unseen and reported
    fp2 = mlnb.profile(pd.DataFrame({"c": s}))["c"]
    vec, unseen = fp2.current_vector(pd.Series(["a", "new", "new"]))
    assert unseen == {"new": 2}
    assert vec[len(fp2.categories) + 1] == 2


# -- kinds -----------------------------------------------------------------------------


def test_feature_kinds(rng):
    n = 50
    df = pd.DataFrame(
        {
            "f": rng.normal(size=n),
            "i": rng.integers(0, 100, size=n),
            "u8": rng.integers(0, 100, size=n).astype(np.uint8),
            "b": rng.random(n) < 0.5,
            "o": rng.choice(["x", "y"], size=n).astype(object),
            "c": pd.Categorical(rng.choice(["x", "y"], size=n)),
            "s": pd.Series(rng.choice(["x", "y"], size=n), dtype="string"),
            "code": rng.integers(0, 3, size=n),
            "t": pd.date_range("2024-01-01", periods=n, freq="D"),
            "dt": pd.to_timedelta(np.arange(n), unit="s"),
        }
    )
    prof = mlnb.profile(df, categorical=["code"])
    kinds = {name: fp.kind for name, fp in prof.features.items()}
    assert kinds == {
        "f": "numeric",
        "i": "numeric",
        "u8": "numeric",
        "b": "categorical",
        "o": "categorical",
        "c": "categorical",
        "s": "categorical",
        "code": "categorical",
        "t": "skipped",
        "dt": "skipped",
    }
    assert "date/time" in prof["t"].skipped_reason
    assert prof["dt"].skipped_reason
    assert set(prof["b"].categories) == {"True", "False"}
    assert "skipped" in repr(prof)


def test_all_missing_reference_feature_is_skipped_with_reason():
    df = pd.DataFrame({"x": [np.nan] * 5, "c": pd.Series([None] * 5, dtype=object)})
    prof = mlnb.profile(df)
    for name in ("x", "c"):
        assert prof[name].kind == "skipped"
        assert "missing" in prof[name].skipped_reason
        assert prof[name].n_missing == 5


def test_profile_argument_errors(rng):
    df = mixed_frame(rng, 50)
    with pytest.raises(DataValidationError, match="empty"):
        mlnb.profile(df.iloc[:0])
    with pytest.raises(MlnbValueError, match="bins"):
        mlnb.profile(df, bins=1)
    with pytest.raises(MlnbValueError, match="nope"):
        mlnb.profile(df, features=["x", "nope"])
    with pytest.raises(MlnbValueError, match="zz"):
        mlnb.profile(df, categorical=["zz"])
    with pytest.raises(MlnbValueError, match="DataFrame"):
        mlnb.profile([1, 2, 3])
    sub = mlnb.profile(df, features=["x", "cat"])
    assert sub.names == ["x", "cat"]


# -- inputs ----------------------------------------------------------------------------


def _without_created(prof: Profile) -> dict:
    d = prof.to_dict()
    d.pop("created")
    return d


def test_dict_polars_and_pyarrow_inputs_give_the_same_profile(rng):
    df = mixed_frame(rng, 500).drop(columns=["when"])
    df["cat"] = df["cat"].fillna("none")  # same missing handling in every library
    expected = _without_created(mlnb.profile(df))
    assert _without_created(mlnb.profile({c: df[c] for c in df})) == expected
    pa = pytest.importorskip("pyarrow")
    assert _without_created(mlnb.profile(pa.Table.from_pandas(df))) == expected
    pl = pytest.importorskip("polars")
    assert _without_created(mlnb.profile(pl.from_pandas(df))) == expected


# -- save / load -----------------------------------------------------------------------


def test_save_load_round_trip(tmp_path, rng):
    prof = mlnb.profile(mixed_frame(rng), max_categories=3)
    path = prof.save(tmp_path / "ref.json")
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["format"] == "mlnb-profile"
    assert raw["version"] == PROFILE_FORMAT
    assert raw["n_rows"] == prof.n_rows
    assert path.stat().st_size < 20_000  # small: binned statistics only
    loaded = Profile.load(path)
    assert loaded.to_dict() == prof.to_dict()
    assert loaded.created == prof.created
    for name, fp in prof.features.items():
        got = loaded[name]
        assert got.kind == fp.kind
        np.testing.assert_array_equal(got.reference_vector(), fp.reference_vector())
        if fp.kind == "numeric":
            np.testing.assert_array_equal(got.edges, fp.edges)  # exact floats
    # mlnb.Profile is the same class
    assert mlnb.Profile is Profile


def test_save_refuses_to_overwrite(tmp_path, rng):
    prof = mlnb.profile(mixed_frame(rng, 100))
    path = tmp_path / "p.json"
    path.write_text("keep me")
    with pytest.raises(MlnbValueError, match="overwrite=True"):
        prof.save(path)
    assert path.read_text() == "keep me"
    prof.save(path, overwrite=True)
    assert Profile.load(path).n_rows == 100


def test_load_bad_files(tmp_path):
    with pytest.raises(MlnbValueError, match="no profile"):
        Profile.load(tmp_path / "absent.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(MlnbValueError, match="not a JSON profile"):
        Profile.load(bad)
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"hello": 1}))
    with pytest.raises(MlnbValueError, match="not an mlnb profile"):
        Profile.load(other)
    newer = tmp_path / "newer.json"
    newer.write_text(
        json.dumps(
            {"format": "mlnb-profile", "version": PROFILE_FORMAT + 1, "features": []}
        )
    )
    with pytest.raises(MlnbValueError, match="upgrade mlnb"):
        Profile.load(newer)


@pytest.mark.parametrize(
    "content",
    [
        "[1, 2, 3]",
        json.dumps({"format": "mlnb-profile", "version": 1}),
        json.dumps(
            {
                "format": "mlnb-profile",
                "version": 1,
                "n_rows": 3,
                "features": [{"name": "x", "kind": "numeric"}],
            }
        ),
    ],
    ids=["json-array", "no-features", "truncated-feature"],
)
def test_load_malformed_profiles_raise_mlnb_errors(tmp_path, content):
    path = tmp_path / "p.json"
    path.write_text(content)
    with pytest.raises(MlnbError, match=str(path.name)):
        Profile.load(path)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_saved_profile_is_strict_json_with_infinite_values(tmp_path, rng):
    x = np.concatenate([rng.normal(size=200), [np.inf, -np.inf]])
    path = mlnb.profile(pd.DataFrame({"x": x})).save(tmp_path / "inf.json")

    def refuse(name):
        raise ValueError(f"not JSON: {name}")

    json.loads(path.read_text(), parse_constant=refuse)


# -- merging ---------------------------------------------------------------------------


@settings(max_examples=25)
@given(st.lists(st.integers(1, 2_999), min_size=1, max_size=4, unique=True))
def test_chunked_profile_equals_whole_profile(cuts):
    rng = np.random.default_rng(7)
    df = mixed_frame(rng).drop(columns=["when"])
    whole = mlnb.profile(df, bins=12)
    bounds = [0, *sorted(cuts), len(df)]
    merged = None
    for a, b in zip(bounds[:-1], bounds[1:]):
        part = mlnb.profile(df.iloc[a:b], bins=12, edges_from=whole)
        merged = part if merged is None else merged.merge(part)
    assert merged.n_rows == whole.n_rows
    for name, fp in whole.features.items():
        got = merged[name]
        assert comparable(got) == comparable(fp), name
        assert_sketch_close(got, fp)
        if fp.kind == "numeric":
            for key in ("min", "max", "n"):
                assert got.stats[key] == fp.stats[key]
            for key in ("sum", "sumsq"):
                assert got.stats[key] == pytest.approx(fp.stats[key], rel=1e-9)


def test_chunk_with_only_missing_values_merges(rng):
    df = pd.DataFrame({"x": rng.normal(size=100)})
    whole = mlnb.profile(df)
    empty = mlnb.profile(pd.DataFrame({"x": [np.nan] * 7}), edges_from=whole)
    merged = whole.merge(empty)
    np.testing.assert_array_equal(merged["x"].counts, whole["x"].counts)
    assert merged["x"].n_missing == 7
    assert merged["x"].stats["min"] == whole["x"].stats["min"]
    # the empty chunk's infinite min/max survive a JSON round trip
    again = FeatureProfile.from_dict(json.loads(json.dumps(empty["x"].to_dict())))
    assert again.stats["min"] == math.inf and again.stats["max"] == -math.inf


def test_merge_counts_rows_of_skipped_features(rng):
    df = mixed_frame(rng, 1_000)[["x", "when"]]
    whole = mlnb.profile(df)
    merged = mlnb.profile(df.iloc[:400], edges_from=whole).merge(
        mlnb.profile(df.iloc[400:], edges_from=whole)
    )
    assert merged["when"].n_rows == whole["when"].n_rows == 1_000


def test_merge_refuses_different_edges_or_features(rng):
    a = mlnb.profile(pd.DataFrame({"x": rng.normal(size=100)}))
    b = mlnb.profile(pd.DataFrame({"x": rng.normal(size=100)}))
    with pytest.raises(MlnbValueError, match="edges_from"):
        a.merge(b)
    c = mlnb.profile(pd.DataFrame({"y": rng.normal(size=100)}))
    with pytest.raises(MlnbValueError, match="same features"):
        a.merge(c)


def test_merge_of_categories_keeps_the_cap():
    a = mlnb.profile(pd.DataFrame({"c": list("aaab")}), max_categories=2)
    b = mlnb.profile(pd.DataFrame({"c": list("ccccd")}), max_categories=2, edges_from=a)
    merged = a.merge(b)["c"]
    assert merged.categories == {"c": 4, "a": 3}
    assert merged.other == 2 and merged.capped


# -- Parquet ---------------------------------------------------------------------------


@pytest.fixture
def parquet_file(tmp_path, rng):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    df = mixed_frame(rng, 5_000).drop(columns=["when"])
    path = tmp_path / "ref.parquet"
    pq.write_table(
        pa.Table.from_pandas(df, preserve_index=False), path, row_group_size=700
    )
    assert pq.ParquetFile(path).num_row_groups > 5
    return path, df


def test_profile_parquet_in_chunks_equals_whole_data(parquet_file):
    path, df = parquet_file
    prof = mlnb.profile_parquet(path, chunk_rows=600, bins=15, progress=False)
    whole = mlnb.profile(df, bins=15)
    # every row fits the sample: the edges and counts equal the in-memory profile
    assert prof.n_rows == len(df)
    for name, fp in whole.features.items():
        assert comparable(prof[name]) == comparable(fp), name
        assert_sketch_close(prof[name], fp)


def test_profile_parquet_with_sample_edges(parquet_file):
    path, df = parquet_file
    prof = mlnb.profile_parquet(
        path, chunk_rows=450, sample_rows=1_000, bins=10, random_state=3, progress=False
    )
    assert prof.n_rows == len(df)
    whole = mlnb.profile(df, bins=10, edges_from=prof)
    for name, fp in prof.features.items():
        if fp.kind == "categorical":
            assert comparable(fp) == comparable(whole[name]), name
            continue
        # numeric: the edges come from the sample, the counts from every row
        x = df[name].to_numpy(dtype=np.float64)
        expected, n_nan = counts_by_hand(x, fp.edges)
        np.testing.assert_array_equal(fp.counts, expected)
        assert fp.counts.sum() + fp.n_missing == len(df)
        assert fp.n_missing == n_nan
        assert fp.stats["min"] == np.nanmin(x) and fp.stats["max"] == np.nanmax(x)
        np.testing.assert_array_equal(whole[name].counts, fp.counts)
    # the sample's edges are not the whole data's extremes (a real sample)
    assert prof["x"].edges[0] >= np.nanmin(df["x"])


def test_profile_parquet_features_and_empty_file(tmp_path, parquet_file):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path, df = parquet_file
    prof = mlnb.profile_parquet(path, features=["x", "cat"], progress=False)
    assert prof.names == ["x", "cat"]
    empty = tmp_path / "empty.parquet"
    pq.write_table(pa.Table.from_pandas(df.iloc[:0], preserve_index=False), empty)
    with pytest.raises(DataValidationError, match="no rows"):
        mlnb.profile_parquet(empty, progress=False)


def test_n_jobs_gives_the_same_profile_and_is_checked():
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(
        {f"x{i}": rng.normal(size=2_000) for i in range(6)}
        | {"c": rng.choice(list("abc"), 2_000)}
    )
    one = mlnb.profile(frame, n_jobs=1).to_dict()
    for n_jobs in (2, -1, None):
        other = mlnb.profile(frame, n_jobs=n_jobs).to_dict()
        assert other["features"] == one["features"]
    for bad in (0, -2, 1.5, True, "2"):
        with pytest.raises(MlnbValueError, match="n_jobs"):
            mlnb.profile(frame, n_jobs=bad)


def test_integer_names_profile_merge_and_lookup():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(400, 2))
    first = mlnb.profile(pd.DataFrame(x[:200]))
    second = mlnb.profile(pd.DataFrame(x[200:]), edges_from=first)
    merged = first.merge(second)
    assert merged.names == [0, 1] and merged[0].n_rows == 400
    with pytest.raises(MlnbValueError, match="there is a column 0 of type int"):
        merged["0"]


# -- strings of every storage count the same -------------------------------------------
def _as_storage(values: np.ndarray, storage: str):
    import pyarrow as pa

    s = pd.Series(values, dtype=object, name="c")
    if storage == "object":
        return s
    if storage == "arrow":
        return s.astype(pd.ArrowDtype(pa.string()))
    return s.astype(storage)


@pytest.mark.parametrize("cap", [3, 50])  # pooled rare categories, or all kept
@pytest.mark.parametrize(
    "storage", ["string[python]", "string[pyarrow]", "category", "arrow"]
)
def test_string_storages_profile_the_same_as_object(storage, cap):
    rng = np.random.default_rng(3)
    levels = np.array(["a", "b", "cc", None, np.nan, "a b"], dtype=object)
    values = levels[rng.integers(0, len(levels), 4000)]
    want = P.profile(pd.DataFrame({"c": values}), max_categories=cap)["c"]
    frame = pd.DataFrame({"c": _as_storage(values, storage)})
    got = P.profile(frame, max_categories=cap)["c"]
    assert got.kind == want.kind == "categorical"
    assert got.categories == want.categories
    assert (got.other, got.n_missing, got.n_distinct, got.capped) == (
        want.other,
        want.n_missing,
        want.n_distinct,
        want.capped,
    )
    current = levels[rng.integers(0, len(levels), 3000)]
    current[:7] = "new"  # a value the reference never had
    want_vec, want_unseen = want.current_vector(_as_storage(current, "object"))
    got_vec, got_unseen = want.current_vector(_as_storage(current, storage))
    np.testing.assert_array_equal(got_vec, want_vec)
    assert got_unseen == want_unseen
    assert list(got_unseen) == list(want_unseen)
    assert "new" in want_unseen  # never in the reference: unseen whatever the cap
