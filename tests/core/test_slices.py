"""mlnb.core.slices: slice specifications become integer codes with readable labels."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlnb import DataValidationError, MlnbValueError
from mlnb.core.slices import (
    DEFAULT_MAX_SLICES,
    MISSING,
    NUMERIC_AS_CATEGORY_MAX,
    SliceColumn,
    column_values,
    cross,
    encode,
    resolve_slices,
)


def labels_per_row(sc: SliceColumn) -> list[str]:
    """The label each row gets."""
    assert sc.codes.dtype == np.int32
    assert sc.codes.min() >= 0 and sc.codes.max() < sc.n_slices
    return [sc.values[c] for c in sc.codes]


def enc(values, *, bins=4, max_slices=DEFAULT_MAX_SLICES, name="c"):
    return encode(values, name, len(values), bins=bins, max_slices=max_slices)


def parse_bin(label: str) -> tuple[float, float, bool]:
    """``"[1,000, 2.5)"`` -> (1000.0, 2.5, closed on the right?)."""
    assert label[0] == "[" and label[-1] in ")]", label
    lo, hi = label[1:-1].split(", ")
    return float(lo.replace(",", "")), float(hi.replace(",", "")), label[-1] == "]"


# -- categories ------------------------------------------------------------------------


def test_strings_are_sorted_categories():
    sc = enc(np.array(["m", "f", "x", "f"], dtype=object), name="sex")
    assert sc.name == "sex" and sc.columns == ("sex",)
    assert sc.values == ("f", "m", "x")
    assert labels_per_row(sc) == ["m", "f", "x", "f"]
    assert sc.n_slices == 3


def test_small_integers_are_categories_not_bins():
    values = np.array([3, 1, 20, 3, 1])
    sc = enc(values)
    assert sc.values == ("1", "3", "20")
    assert labels_per_row(sc) == ["3", "1", "20", "3", "1"]
    # up to NUMERIC_AS_CATEGORY_MAX distinct numbers stay categories
    many = np.arange(NUMERIC_AS_CATEGORY_MAX).repeat(2)
    assert enc(many).n_slices == NUMERIC_AS_CATEGORY_MAX
    assert enc(np.arange(NUMERIC_AS_CATEGORY_MAX + 1)).n_slices == 4  # bins


def test_integers_with_a_wide_range_and_negatives():
    values = np.array([-5, 10**9, -5, 7])
    sc = enc(values)
    assert sc.values == ("-5", "7", "1000000000")
    assert labels_per_row(sc) == ["-5", "1000000000", "-5", "7"]


def test_few_distinct_floats_are_categories():
    sc = enc(np.array([0.5, 1.5, 0.5, np.nan]))
    assert labels_per_row(sc) == ["0.5", "1.5", "0.5", MISSING]


@pytest.mark.parametrize(
    "values, expected",
    [
        ([True, False, True], ["True", "False", "True"]),
        ([False, False], ["False", "False"]),
    ],
    ids=["both", "all-false"],
)
def test_bool_columns(values, expected):
    assert labels_per_row(enc(np.array(values))) == expected


def test_all_true_bool_column_is_labelled_true():
    assert labels_per_row(enc(np.array([True, True, True]))) == ["True"] * 3


def test_pandas_categorical_keeps_category_order_and_missing():
    s = pd.Series(
        pd.Categorical(["lo", "hi", None, "mid", "hi"], categories=["lo", "mid", "hi"])
    )
    sc = enc(s)
    assert sc.values[:3] == ("lo", "mid", "hi")
    assert labels_per_row(sc) == ["lo", "hi", MISSING, "mid", "hi"]


def test_pandas_nullable_and_string_dtypes():
    strings = pd.Series(["b", None, "a"], dtype="string")
    assert labels_per_row(enc(strings)) == ["b", MISSING, "a"]
    objects = pd.Series(["b", None, "a", np.nan], dtype=object)
    assert labels_per_row(enc(objects)) == ["b", MISSING, "a", MISSING]


def test_nullable_integer_labels_stay_integers():
    sc = enc(pd.Series([1, 2, None, 2], dtype="Int64"))
    assert labels_per_row(sc) == ["1", "2", MISSING, "2"]


def test_mixed_object_values_do_not_crash():
    sc = enc(np.array(["a", 1, 2.5, "a"], dtype=object))
    assert sorted(set(labels_per_row(sc))) == ["1", "2.5", "a"]
    assert labels_per_row(sc)[0] == labels_per_row(sc)[3] == "a"


def test_missing_values_form_a_slice():
    sc = enc(np.array(["a", None, "b", None], dtype=object))
    assert sc.values[-1] == MISSING
    assert labels_per_row(sc) == ["a", MISSING, "b", MISSING]
    only_missing = enc(np.array([None, None], dtype=object))
    assert only_missing.values == (MISSING,)


# -- numeric bins ----------------------------------------------------------------------


def test_quantile_bins_are_readable_and_cover_every_row(rng):
    values = rng.normal(40, 12, 1_000)
    sc = enc(values, bins=4)
    assert sc.n_slices == 4
    bounds = [parse_bin(v) for v in sc.values]
    assert [b[2] for b in bounds] == [False, False, False, True]  # last is closed
    for (_, hi, _), (lo, _, _) in zip(bounds, bounds[1:]):
        assert hi == lo  # contiguous
    counts = np.bincount(sc.codes, minlength=4)
    assert counts.sum() == 1_000 and (np.abs(counts - 250) <= 1).all()
    # every value lies inside its bin (labels are rounded to 4 significant digits)
    edges = np.quantile(values, np.linspace(0, 1, 5))
    for x, code in zip(values, sc.codes):
        assert edges[code] <= x <= edges[code + 1]


def test_integer_edges_are_printed_as_integers_with_separators():
    values = np.arange(0, 200_001, 1_000)
    sc = enc(values, bins=2)
    assert sc.values == ("[0, 100,000)", "[100,000, 200,000]")


@pytest.mark.parametrize("k", [2, 3, 5, 10])
def test_bins_as_an_int(rng, k):
    sc = enc(rng.random(500), bins=k)
    assert sc.n_slices == k
    assert np.bincount(sc.codes).min() >= 500 // k - 1


def test_bins_as_edges_put_a_value_on_an_edge_in_the_upper_bin():
    values = np.array([0, 10, 20, 29.9, 30, 59, 60, 100] + list(range(30, 50)))
    sc = enc(values, bins=[0, 30, 60, 100])
    assert sc.values == ("[0, 30)", "[30, 60)", "[60, 100]")
    rows = labels_per_row(sc)
    assert rows[:8] == [
        "[0, 30)",
        "[0, 30)",
        "[0, 30)",
        "[0, 30)",
        "[30, 60)",
        "[30, 60)",
        "[60, 100]",
        "[60, 100]",
    ]
    # edges are used whatever the number of distinct values, and may be unsorted
    few = enc(np.array([1, 2, 3, 1]), bins=[3, 0, 2])
    assert few.values == ("[0, 2)", "[2, 3]")


def test_edges_that_do_not_cover_the_values_raise():
    with pytest.raises(MlnbValueError, match="widen the first and last edge"):
        enc(np.arange(100.0), bins=[10, 50, 90])


def test_bins_below_two_raise():
    with pytest.raises(MlnbValueError, match="bins must be >= 2"):
        enc(np.arange(100.0), bins=1)


def test_bins_none_keeps_floats_as_categories():
    values = np.round(np.linspace(0, 1, 30), 2)
    assert enc(values, bins=None).n_slices == 30


def test_tied_quantiles_merge_bins(rng):
    values = np.concatenate([np.zeros(700), rng.random(300) + 1])
    sc = enc(values, bins=4)
    # the 0%, 25% and 50% quantiles are all 0: those edges merge (as pandas.qcut
    # with duplicates="drop"), leaving two bins
    assert sc.n_slices == 2
    assert sc.values[0].startswith("[0, ") and sc.values[-1].endswith("]")
    assert (sc.codes[:700] == 0).all()
    assert np.bincount(sc.codes)[0] == 700 + int(
        (values[700:] < np.quantile(values, 0.75)).sum()
    )
    # mostly one value: a single bin holds every row
    assert enc(np.concatenate([np.zeros(900), rng.random(100) + 1])).n_slices == 1


def test_numeric_missing_values_get_their_own_slice(rng):
    values = rng.normal(size=200)
    values[::10] = np.nan
    sc = enc(values)
    assert sc.values[-1] == MISSING and sc.n_slices == 5
    assert (sc.codes[::10] == 4).all()
    assert np.bincount(sc.codes)[:4].sum() == 180


def test_all_missing_numeric_with_edges_raises():
    with pytest.raises(DataValidationError, match="entirely missing"):
        enc(np.full(5, np.nan), bins=[0, 1])


def test_bin_labels_are_distinct_for_close_edges():
    values = 1000 + np.linspace(0.01, 0.09, 50)
    sc = enc(values, bins=4)
    assert len(set(sc.values)) == sc.n_slices, sc.values


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(st.integers(-1000, 1000), st.floats(-1e6, 1e6)),
        min_size=NUMERIC_AS_CATEGORY_MAX + 1,
        max_size=200,
    ),
    st.integers(2, 8),
)
def test_bins_partition_the_rows_in_order(values, k):
    arr = np.array(values, dtype=np.float64)
    if len(np.unique(arr)) <= NUMERIC_AS_CATEGORY_MAX:
        return
    sc = enc(arr, bins=k)
    assert 1 <= sc.n_slices <= k
    assert len(sc.codes) == len(arr)
    # codes are monotone in the value: a larger value never gets a lower bin
    order = np.argsort(arr, kind="stable")
    assert (np.diff(sc.codes[order]) >= 0).all()
    assert set(np.unique(sc.codes)) == set(range(sc.n_slices))  # no empty bins


# -- caps and lengths ------------------------------------------------------------------


def test_too_many_slices_raise_with_the_option_to_allow_them():
    values = np.array([f"id{i}" for i in range(50)], dtype=object)
    with pytest.raises(DataValidationError) as e:
        enc(values, max_slices=10, name="user")
    msg = str(e.value)
    assert "'user' has 50 distinct values" in msg
    assert "at most 10" in msg and "max_slices=50" in msg
    assert enc(values, max_slices=50).n_slices == 50


def test_length_mismatch_and_empty():
    with pytest.raises(MlnbValueError, match="has 3 values but the data has 4 rows"):
        encode(np.array(["a", "b", "c"]), "g", 4, max_slices=10)
    with pytest.raises(DataValidationError, match="empty"):
        encode(np.array([], dtype=object), "g", 0, max_slices=10)


# -- crosses ---------------------------------------------------------------------------


def test_cross_labels_and_codes_match_the_combinations(rng):
    a = rng.choice(["f", "m"], 300)
    b = rng.choice(["p", "q", "r"], 300)
    b[:5] = None
    parts = [enc(a.astype(object), name="sex"), enc(b.astype(object), name="race")]
    sc = cross(parts, max_slices=100)
    assert sc.name == "sex × race" and sc.columns == ("sex", "race")
    expected = [f"{x} × {y if y is not None else MISSING}" for x, y in zip(a, b)]
    assert labels_per_row(sc) == expected
    assert len(set(sc.values)) == sc.n_slices  # only combinations that occur
    assert set(sc.values) == set(expected)


def test_cross_of_three_and_its_cap(rng):
    cols = [rng.choice(list("abcd"), 400).astype(object) for _ in range(3)]
    parts = [enc(c, name=f"c{i}") for i, c in enumerate(cols)]
    sc = cross(parts, max_slices=1000)
    assert sc.name == "c0 × c1 × c2"
    assert labels_per_row(sc) == [" × ".join(t) for t in zip(*cols)]
    with pytest.raises(DataValidationError, match="crossing c0 × c1 × c2 gives"):
        cross(parts, max_slices=10)


# -- resolve_slices over data kinds ----------------------------------------------------


def make_frame(rng, n=60):
    return pd.DataFrame(
        {
            "sex": rng.choice(["f", "m"], n),
            "age": rng.integers(18, 90, n),
            "flag": rng.random(n) < 0.5,
        }
    )


def as_labels(slicings):
    return {s.name: labels_per_row(s) for s in slicings}


SPEC = ["sex", "age", "flag", ("sex", "flag")]


def test_resolve_slices_forms(rng):
    df = make_frame(rng)
    out = resolve_slices(df, SPEC, len(df))
    assert [s.name for s in out] == ["sex", "age", "flag", "sex × flag"]
    assert resolve_slices(df, "sex", len(df))[0].name == "sex"
    assert resolve_slices(df, ("sex", "flag"), len(df))[0].name == "sex × flag"
    # a dict of arrays needs no data
    d = resolve_slices(None, {"sex": df["sex"].to_numpy()}, len(df))
    assert labels_per_row(d[0]) == list(df["sex"])
    # a column used alone and in a cross is the same slicing
    assert labels_per_row(out[3]) == [
        f"{a} × {b}" for a, b in zip(labels_per_row(out[0]), labels_per_row(out[2]))
    ]


def test_resolve_slices_bins_per_column(rng):
    df = make_frame(rng).assign(income=rng.lognormal(10, 1, 60))
    out = resolve_slices(df, ["age", "income"], len(df), bins={"age": [0, 50, 100]})
    assert out[0].values == ("[0, 50)", "[50, 100]")
    assert out[1].n_slices == 4  # the default for columns not in the dict


def test_resolve_slices_errors(rng):
    df = make_frame(rng)
    with pytest.raises(MlnbValueError, match="slice_by is required"):
        resolve_slices(df, None, len(df))
    with pytest.raises(MlnbValueError, match="slice_by is empty"):
        resolve_slices(df, [], len(df))
    with pytest.raises(MlnbValueError, match="no data was given"):
        resolve_slices(None, "sex", len(df))
    with pytest.raises(MlnbValueError, match="'race' is not in the data") as e:
        resolve_slices(df, [("sex", "race")], len(df))
    assert "'sex', 'age', 'flag'" in str(e.value)


def test_column_values_lists_at_most_20_names():
    data = {f"c{i}": [1] for i in range(40)}
    with pytest.raises(MlnbValueError, match="and 20 more"):
        column_values(data, "nope", role="slice")


def test_polars_columns_give_the_same_slices(rng):
    pl = pytest.importorskip("polars")
    df = make_frame(rng)
    df.loc[df.index[:3], "sex"] = None
    ours = as_labels(resolve_slices(df, SPEC, len(df)))
    theirs = as_labels(resolve_slices(pl.from_pandas(df), SPEC, len(df)))
    assert ours == theirs


def test_polars_enum_and_nulls(rng):
    pl = pytest.importorskip("polars")
    data = pl.DataFrame(
        {
            "e": pl.Series(["x", "y", "x", None], dtype=pl.Enum(["y", "x"])),
            "s": ["a", None, "b", "a"],
        }
    )
    out = as_labels(resolve_slices(data, ["e", "s"], 4))
    assert out == {"e": ["x", "y", "x", MISSING], "s": ["a", MISSING, "b", "a"]}


def test_pyarrow_table_columns_give_the_same_slices(rng):
    pa = pytest.importorskip("pyarrow")
    df = make_frame(rng)
    ours = as_labels(resolve_slices(df, SPEC, len(df)))
    assert as_labels(resolve_slices(pa.Table.from_pandas(df), SPEC, len(df))) == ours


def test_pyarrow_arrays_in_a_dict(rng):
    pa = pytest.importorskip("pyarrow")
    df = make_frame(rng)
    df.loc[df.index[:2], "sex"] = None
    arrays = {
        "sex": pa.array(df["sex"]),
        "age": pa.chunked_array([df["age"][:30], df["age"][30:]]),
        "flag": pa.array(df["flag"]),
        "dict": pa.array(df["sex"]).dictionary_encode(),
    }
    out = as_labels(resolve_slices(None, arrays, len(df)))
    ours = as_labels(resolve_slices(df, ["sex", "age", "flag"], len(df)))
    for name in ("sex", "age", "flag"):
        assert out[name] == ours[name], name
    assert out["dict"] == ours["sex"]


def test_every_combination_of_forms_gives_one_code_per_row(rng):
    df = make_frame(rng)
    for r in range(1, 4):
        for combo in itertools.combinations(["sex", "age", "flag"], r):
            spec = combo[0] if r == 1 else combo
            (sc,) = resolve_slices(df, [spec], len(df))
            assert len(sc.codes) == len(df)
            assert np.bincount(sc.codes, minlength=sc.n_slices).min() >= 1


# -- strings of every storage slice the same -------------------------------------------
def _string_frame(storage: str):
    import pyarrow as pa

    rng = np.random.default_rng(5)
    levels = np.array(["b", "a", "c c", None, np.nan], dtype=object)
    city = levels[rng.integers(0, len(levels), 3000)]
    sex = np.array(["f", "m"], dtype=object)[rng.integers(0, 2, 3000)]
    df = pd.DataFrame({"city": city, "sex": sex})
    if storage == "object":
        return df
    if storage == "pyarrow Table":
        return pa.Table.from_pandas(df, preserve_index=False)
    if storage == "arrow":
        return df.astype(pd.ArrowDtype(pa.string()))
    return df.astype(storage)


@pytest.mark.parametrize(
    "storage",
    ["string[python]", "string[pyarrow]", "category", "arrow", "pyarrow Table"],
)
def test_string_storages_give_the_same_slices_as_object(storage):
    want = resolve_slices(_string_frame("object"), ["city", ("city", "sex")], 3000)
    got = resolve_slices(_string_frame(storage), ["city", ("city", "sex")], 3000)
    for g, w in zip(got, want):
        assert (g.name, g.columns, g.values) == (w.name, w.columns, w.values)
        np.testing.assert_array_equal(g.codes, w.codes)
        assert g.codes.dtype == np.int32
    assert want[0].values == ("a", "b", "c c", MISSING)


def test_string_slice_column_of_the_wrong_length():
    values = pd.Series(["a", "b"], dtype="string[pyarrow]")
    with pytest.raises(MlnbValueError, match="has 2 values but the data has 3 rows"):
        encode(values, "city", 3, max_slices=10)


# ---------------------------------------------------------------------------------
# issue 11: labels that cannot collide, infinity in numeric slice columns
# ---------------------------------------------------------------------------------
def test_string_missing_and_real_missing_are_two_slices():
    values = np.array(["missing", None, "a", np.nan, "missing"], dtype=object)
    col = enc(values)
    assert len(set(col.values)) == len(col.values) == 3
    assert "missing" in col.values and "'missing'" in col.values
    by = dict(zip(range(len(values)), [col.values[c] for c in col.codes]))
    assert by[0] == by[4] == "'missing'"
    assert by[1] == by[3] == "missing"


def test_int_one_and_text_one_are_two_slices():
    values = np.array([1, "1", 1, "1", "b"], dtype=object)
    col = enc(values)
    assert sorted(col.values) == sorted(["1", "'1'", "b"])
    assert col.values[col.codes[0]] == "1"
    assert col.values[col.codes[1]] == "'1'"


def test_categories_that_print_alike_stay_distinct():
    s = pd.Series(pd.Categorical([1, "1", "missing", None]))
    col = encode(s, "c", 4, max_slices=10)
    assert len(set(col.values)) == len(col.values) == 4


def test_values_holding_the_cross_separator_do_not_collide_in_a_cross():
    a = np.array(["x × y", "x", "x × y", "x"], dtype=object)
    b = np.array(["z", "y × z", "z", "y × z"], dtype=object)
    crossed = cross([enc(a, name="a"), enc(b, name="b")], max_slices=10)
    assert len(set(crossed.values)) == crossed.n_slices == 2
    assert "'x × y' × z" in crossed.values
    assert "x × 'y × z'" in crossed.values


def test_plain_labels_are_unchanged_when_nothing_collides():
    col = enc(np.array(["a", "b", None], dtype=object))
    assert col.values == ("a", "b", "missing")


def test_infinity_gets_its_own_slices_around_the_finite_bins():
    x = np.linspace(0, 1, 200)
    x[3], x[7], x[9] = np.inf, -np.inf, np.nan
    col = enc(x)
    assert col.values[0] == "-inf" and col.values[-2:] == ("inf", "missing")
    assert all("nan" not in v for v in col.values)
    assert col.values[col.codes[3]] == "inf"
    assert col.values[col.codes[7]] == "-inf"
    assert col.values[col.codes[9]] == "missing"
    # the finite bins are those of the finite values alone
    finite = np.delete(x, [3, 7, 9])
    plain = enc(finite)
    assert col.values[1:-2] == plain.values


def test_infinity_inside_explicit_infinite_edges_is_binned():
    x = np.array([-np.inf, 0.0, 1.0, 5.0, np.inf] * 5)
    col = enc(x, bins=[-np.inf, 0.5, np.inf])
    assert "inf" not in col.values and "-inf" not in col.values
    assert col.n_slices == 2


def test_only_infinite_values_still_slice():
    col = enc(np.array([np.inf, -np.inf, 1.5] + [np.inf] * 30))
    assert set(col.values) >= {"inf", "-inf"}
