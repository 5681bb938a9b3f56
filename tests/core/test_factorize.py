"""mlnb.core.factorize: the same codes and values as pandas.factorize, for every
way a column of strings can be stored."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlnb.core.factorize import count_values, factorize, is_arrow_backed

LEVELS = np.array(["b", "a", "c", None, np.nan, "d", "a", pd.NA], dtype=object)


def _oracle(values, sort=False):
    codes, uniques = pd.factorize(
        np.asarray(values, dtype=object), use_na_sentinel=True, sort=sort
    )
    return codes, [str(u) for u in uniques]


def _strings(n, seed=0, shared=True):
    """n strings with missing values; ``shared``: a few objects repeated (as
    read_csv gives them), else one new object per row (as str operations do)."""
    rng = np.random.default_rng(seed)
    out = LEVELS[rng.integers(0, len(LEVELS), n)]
    if not shared:
        out = np.array(
            [v if not isinstance(v, str) else "".join(["", v]) for v in out],
            dtype=object,
        )
        out[: min(n, 3)] = [f"x{i}" for i in range(min(n, 3))]
    return out


def _arrow(values):
    return pa.array(values, type=pa.string(), from_pandas=True)


STORAGES = {
    "object": lambda a: pd.Series(a, dtype=object),
    "string[python]": lambda a: pd.Series(a, dtype=object).astype("string[python]"),
    "string[pyarrow]": lambda a: pd.Series(a, dtype=object).astype("string[pyarrow]"),
    "ArrowDtype": lambda a: pd.Series(a, dtype=object).astype(
        pd.ArrowDtype(pa.string())
    ),
    "category": lambda a: pd.Series(a, dtype=object).astype("category"),
    "pyarrow Array": lambda a: _arrow(a),
    "pyarrow ChunkedArray": lambda a: pa.chunked_array(
        [_arrow(a[:700]), _arrow(a[700:])], type=pa.string()
    ),
    "ndarray": lambda a: a,
}


@pytest.mark.parametrize("storage", list(STORAGES))
@pytest.mark.parametrize("n", [0, 5, 3000])
@pytest.mark.parametrize("shared", [True, False])
@pytest.mark.parametrize("sort", [False, True])
def test_factorize_equals_pandas_for_every_storage(storage, n, shared, sort):
    values = _strings(n, shared=shared)
    codes, uniques = factorize(STORAGES[storage](values), sort=sort)
    want_codes, want_uniques = _oracle(values, sort)
    assert codes.dtype == np.intp
    np.testing.assert_array_equal(codes, want_codes)
    assert [str(u) for u in uniques] == want_uniques


@pytest.mark.parametrize("storage", list(STORAGES))
def test_count_values_equals_value_counts(storage):
    values = _strings(5000, seed=1)
    uniques, counts, n_missing = count_values(STORAGES[storage](values))
    vc = pd.Series(values, dtype=object).value_counts(dropna=True, sort=False)
    assert dict(zip(map(str, uniques), counts.tolist())) == {
        str(k): int(v) for k, v in vc.items()
    }
    assert n_missing == len(values) - int(vc.sum())


def test_equal_strings_in_different_objects_get_one_code():
    # 2000 rows, every other one a new object holding "a": one value, one code
    values = np.array(["a", "b"] * 1000, dtype=object)
    values[::4] = ["".join(["", "a"]) for _ in range(500)]
    codes, uniques = factorize(values)
    assert uniques.tolist() == ["a", "b"]
    np.testing.assert_array_equal(codes, np.tile([0, 1], 1000))


def test_strided_and_mixed_object_arrays():
    table = np.array([["a", 1], ["b", 2.0], [None, 1.0]] * 1000, dtype=object)
    for column in (table[:, 0], table[:, 1], table[::-1, 0]):
        assert not column.flags.c_contiguous
        codes, uniques = factorize(column)
        want_codes, want_uniques = pd.factorize(column, use_na_sentinel=True)
        np.testing.assert_array_equal(codes, want_codes)
        assert uniques.tolist() == list(want_uniques)


def test_numbers_and_other_dtypes_go_to_pandas():
    x = np.array([3.0, np.nan, 1.0, 3.0])
    codes, uniques = factorize(x, sort=True)
    assert codes.tolist() == [1, -1, 0, 1] and uniques.tolist() == [1.0, 3.0]
    codes, uniques = factorize(pd.Series([1, None, 1], dtype="Int64"))
    assert codes.tolist() == [0, -1, 0] and uniques.tolist() == [1]


def test_is_arrow_backed():
    assert is_arrow_backed(pa.array(["a"]))
    assert is_arrow_backed(pd.Series(["a"], dtype="string[pyarrow]"))
    assert not is_arrow_backed(pd.Series(["a"], dtype="string[python]"))
    assert not is_arrow_backed(np.array(["a"], dtype=object))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "b", "ab", "", None, 1, 2.0, "1"]), max_size=40),
    st.integers(0, 60),
    st.booleans(),
)
def test_factorize_property(items, repeat, sort):
    # repeated to pass the size where the address route starts
    values = np.array(items * repeat, dtype=object)
    codes, uniques = factorize(values, sort=sort)
    want_codes, want_uniques = pd.factorize(values, use_na_sentinel=True, sort=sort)
    np.testing.assert_array_equal(codes, want_codes)
    assert uniques.tolist() == list(want_uniques)


def test_arrow_dictionary_arrays_decode():
    values = np.array(["b", "a", None, "b"], dtype=object)
    encoded = pa.array(values, type=pa.string()).dictionary_encode()
    for column in (encoded, pa.chunked_array([encoded])):
        codes, uniques = factorize(column)
        assert codes.tolist() == [0, 1, -1, 0] and uniques.tolist() == ["b", "a"]
        uniques, counts, n_missing = count_values(column)
        assert dict(zip(uniques.tolist(), counts.tolist())) == {"b": 2, "a": 1}
        assert n_missing == 1
