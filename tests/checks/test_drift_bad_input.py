"""Bad input for drift, skew, drift_over_time and profile, table-driven (issue
11): each case asserts the error type and that the message names the argument
(or column) and what is allowed; legitimate unusual input gives the same numbers
as its plain equivalent; category values are escaped in the HTML."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import mlnb
from mlnb import DataValidationError, MlnbError, MlnbValueError
from mlnb.core.profile import Profile

N = 600


def _ref(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "x": rng.normal(0, 1, N),
            "n": rng.integers(0, 50, N),
            "c": rng.choice(["a", "b", "c"], N),
        }
    )


REF = _ref(0)
CUR = _ref(1)
TIMED = CUR.assign(ts=pd.date_range("2024-01-01", periods=N, freq="h"))
PROF = mlnb.profile(REF)


def drift(**kw):
    args = {"reference": REF, "current": CUR, **kw}
    return mlnb.drift(args.pop("reference"), args.pop("current"), **args)


def skew(**kw):
    args = {"reference": REF, "current": CUR, **kw}
    return mlnb.skew(args.pop("reference"), args.pop("current"), **args)


def over_time(**kw):
    args = {"reference": REF, "current": TIMED, "time_column": "ts", **kw}
    return mlnb.drift_over_time(args.pop("reference"), args.pop("current"), **args)


def prof(**kw):
    args = {"data": REF, **kw}
    return mlnb.profile(args.pop("data"), **args)


# (id, call, error type, regex naming the argument/column and what is allowed)
CASES = [
    # -- bins ------------------------------------------------------------------------
    *[
        (
            f"{name}-bins-{v!r}",
            lambda fn=fn, v=v: fn(bins=v),
            MlnbValueError,
            r"bins must be a whole number >= 2",
        )
        for name, fn in (
            ("drift", drift),
            ("skew", skew),
            ("over_time", over_time),
            ("profile", prof),
        )
        for v in (0, 1, -3, 2.5, "10", True, None, np.float64(10.0))
    ],
    # -- max_categories ----------------------------------------------------------------
    *[
        (
            f"{name}-max_categories-{v!r}",
            lambda fn=fn, v=v: fn(max_categories=v),
            MlnbValueError,
            r"max_categories must be a whole number >= 1",
        )
        for name, fn in (
            ("drift", drift),
            ("skew", skew),
            ("over_time", over_time),
            ("profile", prof),
        )
        for v in (0, -1, 1.5, "5", False)
    ],
    # -- n_jobs ------------------------------------------------------------------------
    *[
        (
            f"{name}-n_jobs-{v!r}",
            lambda fn=fn, v=v: fn(n_jobs=v),
            MlnbValueError,
            r"n_jobs must be a whole number >= 1",
        )
        for name, fn in (("drift", drift), ("over_time", over_time), ("profile", prof))
        for v in (0, -2, 1.5, "4")
    ],
    # -- drift_thresholds --------------------------------------------------------------
    *[
        (
            f"{name}-threshold-{v!r}",
            lambda fn=fn, v=v: fn(drift_thresholds=v),
            MlnbValueError,
            r"drift_thresholds.* must be a (finite )?number",
        )
        for name, fn in (("drift", drift), ("over_time", over_time))
        for v in (-0.1, float("nan"), float("inf"), "0.3", True, [0.3])
    ],
    *[
        (
            f"drift-threshold-feature-{v!r}",
            lambda v=v: drift(drift_thresholds={"x": v}),
            MlnbValueError,
            r"drift_thresholds for feature 'x' must be",
        )
        for v in (-1, float("nan"), "high", None)
    ],
    (
        "drift-threshold-unknown-feature",
        lambda: drift(drift_thresholds={"zz": 0.2}),
        MlnbValueError,
        r"drift_thresholds \['zz'\] is not in .*columns are",
    ),
    # -- min_rows, freq, time_column ---------------------------------------------------
    *[
        (
            f"over_time-min_rows-{v!r}",
            lambda v=v: over_time(min_rows=v),
            MlnbValueError,
            r"min_rows must be a whole number >= 1",
        )
        for v in (0, -5, 2.5, "100", True)
    ],
    *[
        (
            f"over_time-freq-{v!r}",
            lambda v=v: over_time(freq=v),
            MlnbValueError,
            r"freq (must|is required|.*period-start)",
        )
        for v in ("soon", "-1D", None, 3.5, "ME")
    ],
    (
        "over_time-time_column-unknown",
        lambda: over_time(time_column="when"),
        MlnbValueError,
        r"time column 'when' is not in the current data; its columns",
    ),
    (
        "over_time-time_column-none",
        lambda: over_time(time_column=None),
        MlnbValueError,
        r"time_column must name the column",
    ),
    (
        "over_time-time_column-unparseable",
        lambda: over_time(current=TIMED.assign(ts="not a time")),
        DataValidationError,
        r"'ts'",
    ),
    (
        "over_time-time_column-all-missing",
        lambda: over_time(current=TIMED.assign(ts=pd.NaT)),
        DataValidationError,
        r"every value of the time column 'ts' is missing",
    ),
    (
        "over_time-current-profile",
        lambda: over_time(current=PROF),
        MlnbValueError,
        r"current must be data",
    ),
    # -- features, categorical, columns ------------------------------------------------
    (
        "drift-features-unknown",
        lambda: drift(features=["x", "nope"]),
        MlnbValueError,
        r"features \['nope'\] is not in the reference.*columns are",
    ),
    (
        "drift-features-int-vs-str",
        lambda: drift(
            reference=REF.set_axis([0, 1, 2], axis=1),
            current=CUR.set_axis([0, 1, 2], axis=1),
            features=["0"],
        ),
        MlnbValueError,
        r"there is a column 0 of type int: pass 0, not '0'",
    ),
    (
        "drift-categorical-unknown",
        lambda: drift(categorical=["zz"]),
        MlnbValueError,
        r"categorical \['zz'\] is not in",
    ),
    (
        "profile-features-unknown",
        lambda: prof(features=["q"]),
        MlnbValueError,
        r"features \['q'\] is not in the reference data",
    ),
    (
        "profile-categorical-unknown",
        lambda: prof(categorical=["q"]),
        MlnbValueError,
        r"categorical \['q'\] is not in",
    ),
    (
        "profile-edges_from-not-profile",
        lambda: prof(edges_from={"x": [0, 1]}),
        MlnbValueError,
        r"edges_from must be a Profile",
    ),
    (
        "drift-duplicate-column-current",
        lambda: drift(current=pd.concat([CUR, CUR[["x"]]], axis=1)),
        MlnbError,
        r"'x'",
    ),
    (
        "profile-duplicate-column",
        lambda: prof(data=pd.concat([REF, REF[["x"]]], axis=1)),
        MlnbError,
        r"'x'.*(duplicat|more than once|twice)",
    ),
    (
        "drift-features-from-profile-unknown",
        lambda: drift(reference=PROF, features=["zz"]),
        MlnbValueError,
        r"features \['zz'\] is not in the reference profile",
    ),
    # -- empty and wrong-type data -----------------------------------------------------
    (
        "drift-current-empty",
        lambda: drift(current=CUR.iloc[:0]),
        DataValidationError,
        r"current batch is empty",
    ),
    (
        "drift-reference-empty",
        lambda: drift(reference=REF.iloc[:0]),
        DataValidationError,
        r"reference data is empty",
    ),
    (
        "profile-empty",
        lambda: prof(data=REF.iloc[:0]),
        DataValidationError,
        r"reference data is empty",
    ),
    (
        "over_time-current-empty",
        lambda: over_time(current=TIMED.iloc[:0]),
        MlnbError,
        r"empty|time column",
    ),
    (
        "drift-current-profile",
        lambda: drift(current=PROF),
        MlnbValueError,
        r"current must be data",
    ),
    (
        "drift-current-string",
        lambda: drift(current="serving.csv"),
        MlnbError,
        r"current",
    ),
    ("drift-current-none", lambda: drift(current=None), MlnbError, r"current"),
    (
        "drift-reference-list",
        lambda: drift(reference=[1, 2, 3]),
        MlnbError,
        r"reference",
    ),
    ("profile-data-int", lambda: prof(data=5), MlnbError, r"reference"),
    ("drift-method-unknown", lambda: drift(method="magic"), MlnbValueError, r"method"),
    (
        "drift-evidently-with-profile",
        lambda: drift(reference=PROF, method="evidently"),
        MlnbValueError,
        r"method='evidently' needs the reference data",
    ),
    # -- files -------------------------------------------------------------------------
    (
        "profile_parquet-missing",
        lambda: mlnb.profile_parquet("/nonexistent/dir/x.parquet", progress=False),
        MlnbValueError,
        r"no Parquet file at /nonexistent/dir/x\.parquet.*does not exist",
    ),
    (
        "profile_parquet-directory",
        lambda: mlnb.profile_parquet("/tmp", progress=False),
        MlnbValueError,
        r"/tmp is a directory.*\.parquet",
    ),
    (
        "profile_parquet-bins",
        lambda: mlnb.profile_parquet("/tmp/x.parquet", bins=0, progress=False),
        MlnbValueError,
        r"bins must be a whole number >= 2",
    ),
    (
        "profile_parquet-chunk_rows",
        lambda: mlnb.profile_parquet("/tmp/x.parquet", chunk_rows=0, progress=False),
        MlnbValueError,
        r"chunk_rows must be a whole number >= 1",
    ),
    (
        "load-missing",
        lambda: Profile.load("/nonexistent/p.json"),
        MlnbValueError,
        r"no profile at /nonexistent/p\.json",
    ),
    (
        "load-directory",
        lambda: Profile.load("/tmp"),
        MlnbValueError,
        r"/tmp is a directory",
    ),
    (
        "save-missing-directory",
        lambda: PROF.save("/nonexistent/dir/p.json"),
        MlnbValueError,
        r"directory /nonexistent/dir does not exist",
    ),
    (
        "save-directory",
        lambda: PROF.save("/tmp"),
        MlnbValueError,
        r"/tmp is a directory",
    ),
    ("save-path-int", lambda: PROF.save(5), MlnbValueError, r"path must be a file"),
    ("load-path-none", lambda: Profile.load(None), MlnbValueError, r"path must be"),
    ("load-path-empty", lambda: Profile.load(""), MlnbValueError, r"path is empty"),
    (
        "from_dict-not-profile",
        lambda: Profile.from_dict({"a": 1}),
        DataValidationError,
        r"not an mlnb profile.*mlnb\.profile",
    ),
]


@pytest.mark.parametrize("case, call, error, pattern", CASES, ids=[c[0] for c in CASES])
def test_bad_input(case, call, error, pattern):
    with pytest.raises(error) as err:
        call()
    assert isinstance(err.value, MlnbError)
    assert re.search(pattern, str(err.value), re.S), str(err.value)


def test_case_count():
    assert len(CASES) >= 80


def test_parquet_that_is_not_parquet(tmp_path):
    path = tmp_path / "data.parquet"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(
        DataValidationError, match=r"data\.parquet is not a readable Parquet file"
    ):
        mlnb.profile_parquet(path, progress=False)


def test_parquet_unknown_feature(tmp_path):
    path = tmp_path / "d.parquet"
    REF.to_parquet(path)
    with pytest.raises(
        MlnbValueError, match=r"features \['zz'\] is not in the Parquet file"
    ):
        mlnb.profile_parquet(path, features=["zz"], progress=False)


# -- numpy integers are accepted -------------------------------------------------------
@pytest.mark.parametrize("value", [np.int64(10), np.int32(10), np.uint8(10)])
def test_numpy_integers_are_valid_bins(value):
    got = drift(bins=value, max_categories=np.int64(1000)).to_frame()
    want = drift(bins=10).to_frame()
    pd.testing.assert_frame_equal(got, want)


# -- categories vanish (class 5) -------------------------------------------------------
def test_unseen_values_against_a_capped_reference_are_reported():
    n = 20_000
    ref = pd.DataFrame({"id": np.arange(n).astype(str)})
    cur = pd.DataFrame({"id": (np.arange(100_000) + 10**7).astype(str)})
    report = mlnb.drift(ref, cur)
    row = report.to_frame().set_index("feature").loc["id"]
    assert report.status == "fail" and row["drifted"]
    assert "categories not in the reference" in row["note"]
    assert re.search(r"100,000 rows, 100\.0% of the current data", row["note"])
    dist = report.distribution("id")
    assert dist["current"][dist["labels"].index("(unseen)")] == pytest.approx(1.0)


def test_same_ids_against_a_capped_reference_do_not_drift():
    n = 20_000
    ref = pd.DataFrame({"id": np.arange(n).astype(str)})
    rng = np.random.default_rng(1)
    cur = pd.DataFrame({"id": rng.integers(0, n, 30_000).astype(str)})
    report = mlnb.drift(ref, cur)
    row = report.to_frame().set_index("feature").loc["id"]
    assert not row["drifted"]
    assert "not in the reference" not in row["note"]


def test_unseen_share_is_estimated_when_mixed():
    """Half old ids, half new: the unseen share is estimated near 0.5."""
    n = 50_000
    ref = pd.DataFrame({"id": np.arange(n).astype(str)})
    rng = np.random.default_rng(2)
    old = rng.integers(0, n, 50_000)
    new = np.arange(50_000) + 10**7
    cur = pd.DataFrame({"id": np.concatenate([old, new]).astype(str)})
    report = mlnb.drift(ref, cur, max_categories=100)
    dist = report.distribution("id")
    share = dist["current"][dist["labels"].index("(unseen)")]
    assert share == pytest.approx(0.5, abs=0.05)
    assert report.to_frame().set_index("feature").loc["id", "drifted"]


# -- infinity (class 7) ----------------------------------------------------------------
def test_infinity_counts_as_missing_and_no_distance_is_nan():
    cur = CUR.copy()
    cur.loc[:9, "x"] = np.inf
    cur.loc[10:19, "x"] = -np.inf
    report = drift(current=cur)
    dist = report.distribution("x")
    missing = dist["current"][dist["labels"].index("missing")]
    assert missing == pytest.approx(20 / N)
    frame = report.to_frame()
    assert frame["distance"].notna().all()


def test_all_infinite_feature_is_skipped_with_a_reason():
    report = drift(current=CUR.assign(x=np.inf))
    row = report.to_frame().set_index("feature").loc["x"]
    assert "missing" in row["skipped_reason"]
    assert (
        report.to_frame().set_index("feature").drop(index="x")["distance"].notna().all()
    )


def test_infinity_in_the_reference_is_missing_too():
    ref = REF.copy()
    ref.loc[:4, "x"] = np.inf
    fp = mlnb.profile(ref)["x"]
    assert fp.n_missing == 5 and np.isfinite(fp.edges).all()


# -- legitimate unusual input: the same numbers as plain -------------------------------
UNUSUAL = {
    "Int64": lambda d: d.astype({"n": "Int64"}),
    "Float64": lambda d: d.astype({"x": "Float64"}),
    "category": lambda d: d.astype({"c": "category"}),
    "string[pyarrow]": lambda d: d.astype({"c": "string[pyarrow]"}),
    "string[python]": lambda d: d.astype({"c": "string"}),
    "pyarrow-table": lambda d: __import__("pyarrow").Table.from_pandas(d),
    "dict-of-arrays": lambda d: {k: d[k].to_numpy() for k in d.columns},
}


@pytest.mark.parametrize("kind", list(UNUSUAL))
def test_unusual_types_give_the_same_numbers(kind):
    want = drift().to_frame()
    got = drift(reference=UNUSUAL[kind](REF), current=UNUSUAL[kind](CUR)).to_frame()
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True)[["feature", "kind", "distance", "drifted"]],
        want.reset_index(drop=True)[["feature", "kind", "distance", "drifted"]],
    )


def test_nullable_boolean_is_the_same_as_bool():
    rng = np.random.default_rng(4)
    a = pd.DataFrame({"b": rng.random(N) < 0.3})
    b = pd.DataFrame({"b": rng.random(N) < 0.6})
    want = mlnb.drift(a, b).to_frame()["distance"]
    got = mlnb.drift(a.astype("boolean"), b.astype("boolean")).to_frame()["distance"]
    np.testing.assert_allclose(got, want)


def test_polars_gives_the_same_numbers():
    pl = pytest.importorskip("polars")
    want = drift().to_frame()["distance"]
    got = drift(reference=pl.from_pandas(REF), current=pl.from_pandas(CUR)).to_frame()
    np.testing.assert_allclose(got["distance"], want)


def test_int_and_tuple_names_give_the_same_numbers():
    want = drift().to_frame()["distance"].to_numpy()
    for names in ([0, 1, 2], [("a", 1), ("a", 2), ("b", 0)]):
        got = drift(
            reference=REF.set_axis(names, axis=1), current=CUR.set_axis(names, axis=1)
        ).to_frame()
        np.testing.assert_allclose(got["distance"].to_numpy(), want)


def test_huge_cardinality_is_capped_not_an_error():
    ids = np.arange(200_000).astype(str)
    report = mlnb.drift(pd.DataFrame({"id": ids}), pd.DataFrame({"id": ids[:5_000]}))
    assert report.profile["id"].capped


# -- HTML escaping ---------------------------------------------------------------------
MALICIOUS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "&lt;b&gt;"]


@pytest.mark.parametrize("value", MALICIOUS)
def test_category_values_are_escaped_in_html(value):
    ref = pd.DataFrame({"c": ["a", "b"] * 200})
    cur = pd.DataFrame({"c": [value] * 300 + ["a"] * 100})
    report = mlnb.drift(ref, cur)
    html = report._repr_html_()
    assert value not in html
    assert "<script>alert" not in html and "<img src=x" not in html


def test_feature_names_are_escaped_in_html():
    name = "<b onmouseover=alert(1)>x</b>"
    report = mlnb.drift(
        REF.rename(columns={"x": name}), CUR.rename(columns={"x": name})
    )
    assert name not in report._repr_html_()


@pytest.mark.parametrize("method", ["ks", "wasserstein", "psi", "jensen_shannon"])
@pytest.mark.parametrize("where", ["reference", "current", "both"])
def test_infinity_never_makes_a_distance_nan(method, where):
    """±inf are missing values for every method, on raw values and on bins: the
    distance equals the one with the infinities dropped."""
    ref, cur = REF[["x"]].copy(), CUR[["x"]].copy()
    if where in ("reference", "both"):
        ref.loc[:4, "x"] = -np.inf
    if where in ("current", "both"):
        cur.loc[:4, "x"] = np.inf
    got = mlnb.drift(ref, cur, method={"x": method}).to_frame().iloc[0]
    assert np.isfinite(got["distance"])
    if method in ("ks", "wasserstein"):  # raw values: the same as dropping them
        want = mlnb.drift(
            ref[np.isfinite(ref["x"])], cur[np.isfinite(cur["x"])], method={"x": method}
        ).to_frame()
        assert got["distance"] == pytest.approx(want.iloc[0]["distance"])
