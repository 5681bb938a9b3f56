"""mlnb.drift / mlnb.skew: planted shifts, distances against scipy and hand
computations on the same bins, Evidently's own report, stored profiles, and bad
input that must never pass silently."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

import mlnb
from mlnb import DataValidationError, MlnbError, MlnbValueError
from mlnb.checklist import session
from mlnb.checks.drift import DEFAULT_THRESHOLDS
from mlnb.core.distances import PSI_EPSILON
from mlnb.core.profile import Profile

NUMERIC = [f"n{i}" for i in range(10)]
CATEGORICAL = [f"c{i}" for i in range(5)]
FEATURES = NUMERIC + CATEGORICAL
LEVELS = {
    "c0": ["a", "b"],
    "c1": ["x", "y", "z"],
    "c2": ["p", "q", "r", "s", "t"],
    "c3": ["red", "green", "blue", "grey"],
    "c4": [f"k{i}" for i in range(8)],
}
FRAME_COLUMNS = [
    "feature",
    "kind",
    "method",
    "distance",
    "threshold",
    "drifted",
    "skipped_reason",
]

# -- data ------------------------------------------------------------------------------


def _numeric(rng: np.random.Generator, i: int, n: int) -> np.ndarray:
    kind = i % 5
    if kind == 0:
        return rng.normal(10, 3, n)
    if kind == 1:
        return rng.lognormal(0, 0.5, n)
    if kind == 2:
        return rng.uniform(-1, 1, n)
    if kind == 3:
        return rng.exponential(2.0, n)
    return rng.poisson(30, n).astype(np.float64)


def planted(
    rng: np.random.Generator,
    n: int,
    shifted: set[str],
    *,
    n_current: int | None = None,
    nan_share: float = 0.0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reference and current frames, 10 numeric and 5 categorical features.

    A shifted numeric feature moves by 2.5 reference standard deviations (odd
    columns) or is stretched 6x about its mean (even columns); a shifted
    categorical feature puts 90% of the rows on its last level (L-infinity about
    0.4 or more against the uniform reference). Column ``n9`` gets ``nan_share``
    missing values on both sides.
    """
    n_current = n_current or n
    ref: dict[str, object] = {}
    cur: dict[str, object] = {}
    for i, name in enumerate(NUMERIC):
        r = _numeric(rng, i, n)
        c = _numeric(rng, i, n_current)
        if name in shifted:
            c = c + 2.5 * r.std() if i % 2 else (c - r.mean()) * 6 + r.mean()
        if name == "n9" and nan_share:
            r[rng.random(n) < nan_share] = np.nan
            c[rng.random(n_current) < nan_share] = np.nan
        ref[name], cur[name] = r, c
    for name in CATEGORICAL:
        levels = LEVELS[name]
        k = len(levels)
        p = np.full(k, 1.0 / k)
        q = p
        if name in shifted:
            q = np.full(k, 0.1 / (k - 1))
            q[-1] = 0.9
        ref[name] = pd.Categorical(rng.choice(levels, n, p=p), categories=levels)
        cur[name] = pd.Categorical(
            rng.choice(levels, n_current, p=q), categories=levels
        )
    return pd.DataFrame(ref), pd.DataFrame(cur)


@pytest.fixture(scope="module")
def shifted_pair() -> tuple[pd.DataFrame, pd.DataFrame, set[str]]:
    """3,000 rows a side, four planted shifts, some missing values in n9."""
    shifted = {"n1", "n4", "c2", "c4"}
    ref, cur = planted(np.random.default_rng(11), 3_000, shifted, nan_share=0.05)
    return ref, cur, shifted


def by_feature(report) -> dict[str, dict]:
    return {r["feature"]: r for r in report.to_frame().to_dict("records")}


def current_counts_by_hand(fp, values: pd.Series) -> np.ndarray:
    """The current data's counts in the profile's bins, computed with numpy/pandas:
    numeric ``[under, np.histogram…, over, missing]``; categorical
    ``[categories…, other, unseen, missing]``."""
    if fp.kind == "numeric":
        x = values.to_numpy(dtype=np.float64)
        nan = np.isnan(x)
        present = x[~nan]
        inner = np.histogram(present, bins=fp.edges)[0]
        return np.array(
            [
                np.sum(present < fp.edges[0]),
                *inner,
                np.sum(present > fp.edges[-1]),
                nan.sum(),
            ],
            dtype=np.float64,
        )
    s = values.astype(object)
    vc = s[s.notna()].astype(str).value_counts()
    known = list(fp.categories)
    out = [float(vc.get(c, 0)) for c in known]
    rest = float(vc[~vc.index.isin(known)].sum())
    other, unseen = (rest, 0.0) if fp.capped else (0.0, rest)
    return np.array([*out, other, unseen, float(s.isna().sum())])


def psi_by_hand(p, q) -> float:
    total = 0.0
    for a, b in zip(p, q):
        a, b = max(a, PSI_EPSILON), max(b, PSI_EPSILON)
        total += (b - a) * math.log(b / a)
    return total


# -- planted shifts --------------------------------------------------------------------

PLANTED_CASES = {
    "none": set(),
    "one-numeric": {"n3"},
    "one-categorical": {"c0"},
    "four": {"n0", "n7", "c1", "c3"},
    "seven": {"n2", "n5", "n6", "n9", "c0", "c2", "c4"},
    "ten": {"n0", "n1", "n2", "n3", "n4", "n5", "c1", "c2", "c3", "c4"},
}


@pytest.mark.parametrize("method", ["vertex", "psi"])
@pytest.mark.parametrize("case", list(PLANTED_CASES))
def test_planted_shifts_flag_exactly_the_shifted_features(case, method):
    shifted = PLANTED_CASES[case]
    seed = list(PLANTED_CASES).index(case)
    ref, cur = planted(np.random.default_rng(seed), 2_000, shifted, n_current=1_500)
    report = mlnb.drift(ref, cur, method=method)
    assert set(report.drifted_features) == shifted
    frame = report.to_frame()
    assert list(frame.columns[: len(FRAME_COLUMNS)]) == FRAME_COLUMNS
    assert list(frame["feature"]) == FEATURES  # in the reference's column order
    assert frame["drifted"].dtype == bool
    assert set(frame.loc[frame["drifted"], "feature"]) == shifted
    assert (frame["skipped_reason"] == "").all()
    kinds = dict(zip(frame["feature"], frame["kind"]))
    assert {f for f, k in kinds.items() if k == "numeric"} == set(NUMERIC)
    assert {f for f, k in kinds.items() if k == "categorical"} == set(CATEGORICAL)
    if method == "vertex":
        expected_methods = {
            **dict.fromkeys(NUMERIC, "jensen_shannon"),
            **dict.fromkeys(CATEGORICAL, "l_infinity"),
        }
        assert (frame["threshold"] == 0.3).all()
    else:
        expected_methods = dict.fromkeys(FEATURES, "psi")
        assert (frame["threshold"] == 0.25).all()
        bands = dict(zip(frame["feature"], frame["band"]))
        for f in FEATURES:
            assert bands[f] == ("significant" if f in shifted else "none"), f
    assert dict(zip(frame["feature"], frame["method"])) == expected_methods
    assert report.method == method
    # worst first: the drifted features sorted by distance / threshold
    ratios = [by_feature(report)[f]["distance"] for f in report.drifted_features]
    assert ratios == sorted(ratios, reverse=True)
    # data-set verdict and status
    share = len(shifted) / len(FEATURES)
    assert report.drifted_share == pytest.approx(share)
    assert report.dataset_drift == (share >= 0.5)
    expected_status = "pass" if not shifted else "fail" if share >= 0.5 else "warn"
    assert report.status == expected_status
    if shifted:
        worst = report.drifted_features[0]
        assert worst in report.summary
        assert f"{len(shifted)} of 15 features drifted" in report.summary
    else:
        assert report.summary == "no drift in 15 features"
    assert report.n_reference == 2_000 and report.n_current == 1_500


# -- distances against scipy / hand computations on the same bins ---------------------


def test_vertex_and_psi_distances_equal_scipy_on_the_same_bins(shifted_pair):
    ref, cur, _ = shifted_pair
    vertex = mlnb.drift(ref, cur)
    psi = mlnb.drift(ref, cur, method="psi")
    rows_v, rows_p = by_feature(vertex), by_feature(psi)
    prof = vertex.profile
    assert isinstance(prof, Profile)
    for f in FEATURES:
        fp = prof[f]
        dist = vertex.distribution(f)
        assert dist["labels"] == fp.bin_labels()
        # the reference shares are the profile's counts; the current shares are
        # the current data counted again here in the same bins
        ref_counts = fp.reference_vector()
        cur_counts = current_counts_by_hand(fp, cur[f])
        assert cur_counts.sum() == len(cur)
        np.testing.assert_allclose(dist["reference"], ref_counts / ref_counts.sum())
        np.testing.assert_allclose(dist["current"], cur_counts / cur_counts.sum())
        p, q = np.array(dist["reference"]), np.array(dist["current"])
        if fp.kind == "numeric":
            expected = jensenshannon(p, q, base=2) ** 2
        else:
            expected = float(np.max(np.abs(p - q)))
        assert rows_v[f]["distance"] == pytest.approx(expected, rel=1e-7, abs=1e-12)
        assert rows_p[f]["distance"] == pytest.approx(psi_by_hand(p, q), rel=1e-9)
        assert psi.distribution(f) == dist  # same bins for every method


def test_reference_edges_are_quantiles_with_missing_bin(shifted_pair):
    ref, cur, _ = shifted_pair
    report = mlnb.drift(ref, cur, bins=8)
    fp = report.profile["n9"]  # has missing values
    x = ref["n9"].dropna().to_numpy()
    np.testing.assert_allclose(fp.edges, np.quantile(x, np.linspace(0, 1, 9)))
    dist = report.distribution("n9")
    assert dist["labels"][-1] == "missing"
    assert dist["reference"][-1] == pytest.approx(ref["n9"].isna().mean())
    assert dist["current"][-1] == pytest.approx(cur["n9"].isna().mean())
    # a stretched feature: the current mass outside the reference range is in the
    # underflow and overflow bins, and the note says how much
    n4 = report.distribution("n4")
    below = float(np.mean(cur["n4"] < ref["n4"].min()))
    above = float(np.mean(cur["n4"] > ref["n4"].max()))
    assert below > 0.1 and above > 0.1
    assert n4["current"][0] == pytest.approx(below)
    assert n4["current"][-2] == pytest.approx(above)
    note = by_feature(report)["n4"]["note"]
    assert note == f"{below:.1%} below and {above:.1%} above the reference range"
    with pytest.raises(MlnbValueError, match="no distribution"):
        report.distribution("nope")


def test_per_feature_methods_against_scipy(shifted_pair):
    ref, cur, _ = shifted_pair
    method = {"n0": "ks", "n1": "wasserstein", "n2": "psi", "c0": "psi", "n9": "ks"}
    report = mlnb.drift(ref, cur, method=method)
    assert report.method == "custom"
    rows = by_feature(report)
    for f in FEATURES:
        default = "jensen_shannon" if f in NUMERIC else "l_infinity"
        assert rows[f]["method"] == method.get(f, default), f
        assert rows[f]["threshold"] == DEFAULT_THRESHOLDS[rows[f]["method"]]
    for f in ("n0", "n9"):  # n9 has NaNs: dropped on both sides
        expected = stats.ks_2samp(ref[f].dropna(), cur[f].dropna())
        assert rows[f]["distance"] == pytest.approx(expected.statistic, rel=1e-12)
        assert rows[f]["p_value"] == pytest.approx(expected.pvalue, rel=1e-9)
    w = stats.wasserstein_distance(ref["n1"], cur["n1"]) / np.std(ref["n1"])
    assert rows["n1"]["distance"] == pytest.approx(w, rel=1e-9)
    assert rows["n1"]["drifted"]  # shifted by 2.5 SD: normed distance about 2.5
    assert rows["n1"]["distance"] == pytest.approx(2.5, rel=0.1)
    assert rows["n2"]["band"] in {"none", "moderate", "significant"}


def test_per_feature_method_errors(shifted_pair):
    ref, cur, _ = shifted_pair
    with pytest.raises(MlnbValueError, match="zz"):
        mlnb.drift(ref, cur, method={"zz": "psi"})
    with pytest.raises(MlnbValueError, match="unknown method"):
        mlnb.drift(ref, cur, method={"n0": "hellinger"})
    with pytest.raises(MlnbValueError, match="categorical"):
        mlnb.drift(ref, cur, method={"c0": "ks"})
    with pytest.raises(MlnbValueError, match="vertex"):
        mlnb.drift(ref, cur, method="kl")


def test_ks_with_a_stored_profile_uses_its_quantile_sketch(shifted_pair):
    """With only a profile, KS compares the current sample with the profile's
    quantile sketch (201 quantiles, linear between them): close to the exact
    statistic on the raw reference."""
    ref, cur, _ = shifted_pair
    prof = mlnb.profile(ref)
    report = mlnb.drift(prof, cur, method={"n1": "ks", "n3": "ks"})
    rows = by_feature(report)
    for f in ("n1", "n3"):
        exact = stats.ks_2samp(ref[f].dropna(), cur[f].dropna()).statistic
        assert rows[f]["distance"] == pytest.approx(exact, abs=0.01)
    assert rows["n1"]["drifted"] and not rows["n3"]["drifted"]


def test_binned_wasserstein_with_a_stored_profile(shifted_pair):
    ref, cur, _ = shifted_pair
    report = mlnb.drift(mlnb.profile(ref), cur, method={"n1": "wasserstein"})
    exact = stats.wasserstein_distance(ref["n1"], cur["n1"]) / np.std(ref["n1"])
    assert by_feature(report)["n1"]["distance"] == pytest.approx(exact, rel=0.2)


# -- Evidently -------------------------------------------------------------------------

EVIDENTLY_METHODS = {
    "K-S p_value": "ks_pvalue",
    "chi-square p_value": "chi2_pvalue",
    "Z-test p_value": "z_pvalue",
    "Wasserstein distance (normed)": "wasserstein_normed",
    "Jensen-Shannon distance": "jensenshannon_distance",
}


def evidently_frames(n: int, shifted: set[str], seed: int):
    """The planted frames plus two numeric columns with at most five values
    (Evidently treats them like categories): ``d4`` with four values (shifted
    when ``"d4"`` is in ``shifted``) and ``d2``, a 0/1 column."""
    rng = np.random.default_rng(seed)
    ref, cur = planted(rng, n, shifted, nan_share=0.04)
    ref["d4"] = rng.integers(0, 4, n)
    cur["d4"] = (
        rng.choice(4, n, p=[0.1, 0.1, 0.1, 0.7])
        if "d4" in shifted
        else (rng.integers(0, 4, n))
    )
    ref["d2"] = (rng.random(n) < 0.3).astype(np.int64)
    cur["d2"] = (rng.random(n) < 0.3).astype(np.int64)
    return ref, cur


def run_evidently(ref: pd.DataFrame, cur: pd.DataFrame, numeric, categorical):
    """Evidently's DataDriftPreset: per-column ``(method, value, drifted)`` and the
    data-set drift, read from its own result."""
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    definition = DataDefinition(
        numerical_columns=list(numeric), categorical_columns=list(categorical)
    )
    snapshot = Report([DataDriftPreset()], include_tests=True).run(
        Dataset.from_pandas(cur, data_definition=definition),
        Dataset.from_pandas(ref, data_definition=definition),
    )
    result = snapshot.dict()
    columns = {}
    for metric in result["metrics"]:
        config = metric["config"]
        if config["type"].endswith("ValueDrift"):
            columns[config["column"]] = {
                "method": config["method"],
                "threshold": config["threshold"],
                "value": float(metric["value"]),
            }
    dataset_drift = None
    for test in result["tests"]:
        name = test["name"]
        if name.startswith("Value Drift for column "):
            column = name[len("Value Drift for column ") :]
            columns[column]["drifted"] = test["status"] == "FAIL"
        elif name.startswith("Share of Drifted Columns"):
            dataset_drift = test["status"] == "FAIL"  # "share < 0.5" failed
    assert set(columns) == set(numeric) | set(categorical)
    assert all("drifted" in c for c in columns.values())
    assert dataset_drift is not None
    return columns, dataset_drift


@pytest.mark.parametrize(
    ("n", "shifted", "size_methods"),
    [
        (
            600,
            {"n1", "n6", "c3", "d4"},
            {"ks_pvalue", "chi2_pvalue", "z_pvalue"},
        ),
        (
            2_500,
            {"n0", "n1", "n2", "n3", "n5", "n8", "c0", "c1", "c4", "d4"},
            {"wasserstein_normed", "jensenshannon_distance"},
        ),
    ],
    ids=["small", "large"],
)
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_evidently_preset_flags_what_evidently_flags(require, n, shifted, size_methods):
    require("evidently", "bench")
    ref, cur = evidently_frames(n, shifted, seed=n)
    numeric = [*NUMERIC, "d4", "d2"]
    theirs, their_dataset_drift = run_evidently(ref, cur, numeric, CATEGORICAL)
    report = mlnb.drift(ref, cur, method="evidently")
    ours = by_feature(report)
    assert set(ours) == set(theirs)
    for f, t in theirs.items():
        assert ours[f]["kind"] == ("numeric" if f in numeric else "categorical")
        assert ours[f]["method"] == EVIDENTLY_METHODS[t["method"]], f
        assert ours[f]["threshold"] == pytest.approx(t["threshold"])
        assert ours[f]["distance"] == pytest.approx(t["value"], rel=1e-6, abs=1e-300)
        assert ours[f]["drifted"] == t["drifted"], f
    assert {m["method"] for m in ours.values()} == size_methods
    flagged = {f for f, t in theirs.items() if t["drifted"]}
    assert set(report.drifted_features) == flagged
    assert shifted <= flagged  # the planted shifts at least
    assert report.dataset_drift == their_dataset_drift
    assert report.method == "evidently"


def test_evidently_preset_with_a_new_category_on_small_data():
    rng = np.random.default_rng(5)
    ref = pd.DataFrame({"c": rng.choice(["a", "b", "c"], 400)})
    cur = pd.DataFrame({"c": rng.choice(["a", "b", "c", "new"], 400)})
    report = mlnb.drift(ref, cur, method="evidently")
    assert report.drifted_features == ("c",)


def test_evidently_preset_needs_the_reference_data(shifted_pair):
    ref, cur, _ = shifted_pair
    with pytest.raises(MlnbValueError, match="reference data"):
        mlnb.drift(mlnb.profile(ref), cur, method="evidently")


# -- stored profiles -------------------------------------------------------------------


def _same_report(a, b) -> None:
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    assert a.drifted_features == b.drifted_features
    assert (a.status, a.summary, a.dataset_drift) == (
        b.status,
        b.summary,
        b.dataset_drift,
    )
    for f in a._distributions:
        assert a.distribution(f) == b.distribution(f)


@pytest.mark.parametrize("method", ["vertex", "psi"])
def test_profile_as_reference_gives_the_same_report(shifted_pair, method):
    ref, cur, _ = shifted_pair
    direct = mlnb.drift(ref, cur, method=method)
    via_profile = mlnb.drift(mlnb.profile(ref), cur, method=method)
    _same_report(direct, via_profile)
    assert via_profile.n_reference == len(ref)


@pytest.mark.parametrize("method", ["vertex", "psi"])
def test_save_load_compare_equals_direct(tmp_path, shifted_pair, method):
    ref, cur, _ = shifted_pair
    direct = mlnb.drift(ref, cur, method=method, bins=12)
    path = direct.profile.save(tmp_path / "reference.json")
    loaded = Profile.load(path)
    _same_report(direct, mlnb.drift(loaded, cur, method=method))
    # features= works against a profile too
    sub = mlnb.drift(loaded, cur, features=["n1", "c0"], method=method)
    assert list(sub.to_frame()["feature"]) == ["n1", "c0"]
    with pytest.raises(MlnbValueError, match="zz"):
        mlnb.drift(loaded, cur, features=["n1", "zz"])


def test_chunked_profile_as_reference(shifted_pair):
    ref, cur, _ = shifted_pair
    whole = mlnb.profile(ref)
    merged = mlnb.profile(ref.iloc[:1_000], edges_from=whole).merge(
        mlnb.profile(ref.iloc[1_000:], edges_from=whole)
    )
    a, b = mlnb.drift(whole, cur), mlnb.drift(merged, cur)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())


def test_other_input_libraries(shifted_pair):
    ref, cur, _ = shifted_pair
    expected = mlnb.drift(ref, cur).to_frame()
    pa = pytest.importorskip("pyarrow")
    got = mlnb.drift(pa.Table.from_pandas(ref), pa.Table.from_pandas(cur)).to_frame()
    pd.testing.assert_frame_equal(got, expected)
    pl = pytest.importorskip("polars")
    got = mlnb.drift(pl.from_pandas(ref), pl.from_pandas(cur)).to_frame()
    pd.testing.assert_frame_equal(got, expected)


# -- skew, thresholds, records ---------------------------------------------------------


def test_skew_is_drift_under_vertex_name(shifted_pair):
    ref, cur, _ = shifted_pair
    d = mlnb.drift(ref, cur)
    s = mlnb.skew(ref, cur)
    pd.testing.assert_frame_equal(d.to_frame(), s.to_frame())
    assert s.drifted_features == d.drifted_features
    assert s.record()["check"] == "skew" and s.record()["step"] == "drift"
    assert d.record()["check"] == "drift" and d.record()["step"] == "drift"
    assert session.latest("drift")["check"] == "skew"  # published last
    assert s.to_dict()["check"] == "skew"
    from_profile = mlnb.skew(mlnb.profile(ref), cur)  # a stored training profile
    pd.testing.assert_frame_equal(from_profile.to_frame(), s.to_frame())
    assert from_profile.record()["check"] == "skew"


def test_thresholds_float_and_dict(shifted_pair):
    ref, cur, shifted = shifted_pair
    everything = mlnb.drift(ref, cur, drift_thresholds=0.0)
    assert set(everything.drifted_features) == set(FEATURES)
    assert (everything.to_frame()["threshold"] == 0.0).all()
    nothing = mlnb.drift(ref, cur, drift_thresholds=1.01)
    assert nothing.drifted_features == () and nothing.status == "pass"
    # per feature: n1 and c2 need more than their distance, the rest the default
    report = mlnb.drift(ref, cur, drift_thresholds={"n1": 0.99, "c2": 0.99, "n0": 0.0})
    rows = by_feature(report)
    assert rows["n1"]["threshold"] == 0.99 and rows["c3"]["threshold"] == 0.3
    assert set(report.drifted_features) == (shifted - {"n1", "c2"}) | {"n0"}
    psi = mlnb.drift(ref, cur, method="psi", drift_thresholds={"n4": 1e6})
    assert set(psi.drifted_features) == shifted - {"n4"}
    assert by_feature(psi)["n4"]["band"] == "significant"  # the band stays


def test_record_and_json(shifted_pair):
    ref, cur, shifted = shifted_pair
    ref = ref.assign(gone=1.0, when=pd.Timestamp("2024-01-01"))
    report = mlnb.drift(ref, cur)
    record = report.record()
    assert record["step"] == "drift" and record["check"] == "drift"
    assert record["metrics"]["n_drifted"] == len(shifted)
    assert record["metrics"]["n_skipped"] == 2
    assert session.latest("drift") == record
    text = json.dumps(report.to_dict(), allow_nan=False)
    back = json.loads(text)
    assert {r["feature"] for r in back["features"]} == {*FEATURES, "gone", "when"}
    skipped = {r["feature"]: r for r in back["features"] if r["skipped_reason"]}
    assert set(skipped) == {"gone", "when"}
    assert skipped["gone"]["distance"] is None  # NaN -> null
    json.dumps(record, allow_nan=False)
    quiet = mlnb.drift(ref, cur, publish=False)
    assert quiet.status == report.status
    assert session.latest("drift")["created"] == record["created"]


def test_html_escapes_feature_names_and_categories():
    evil_name = "<script>alert('name')</script>"
    evil_cat = '<img src=x onerror="alert(1)">'
    ref = pd.DataFrame({evil_name: list("aabb") * 50, "x": np.arange(200.0)})
    cur = pd.DataFrame({evil_name: ["a", evil_cat] * 100, "x": np.arange(200.0)})
    report = mlnb.drift(ref, cur)
    assert evil_cat in by_feature(report)[evil_name]["note"]
    html = report._repr_html_()
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&lt;img" in html
    bundle = report._repr_mimebundle_()
    assert "<script" not in bundle["text/html"]


# -- unseen categories, caps -----------------------------------------------------------


def test_unseen_categories_are_reported_not_dropped():
    rng = np.random.default_rng(3)
    ref = pd.DataFrame({"c": rng.choice(["a", "b", "c"], 3_000)})
    cur_values = rng.choice(["a", "b", "c"], 3_000).astype(object)
    cur_values[:600] = "brand-new"
    cur_values[600:660] = "rare-new"
    cur = pd.DataFrame({"c": cur_values})
    report = mlnb.drift(ref, cur)
    row = by_feature(report)["c"]
    assert "2 categories not in the reference" in row["note"]
    assert "'brand-new' (600)" in row["note"] and "'rare-new' (60)" in row["note"]
    dist = report.distribution("c")
    i = dist["labels"].index("(unseen)")
    assert dist["current"][i] == pytest.approx(660 / 3_000)
    assert dist["reference"][i] == 0.0
    # L-infinity over all bins, the unseen bin included, by hand
    p, q = np.array(dist["reference"]), np.array(dist["current"])
    assert row["distance"] == pytest.approx(np.max(np.abs(p - q)))


def test_many_new_categories_are_summarised():
    ref = pd.DataFrame({"c": ["a", "b"] * 500})
    cur = pd.DataFrame({"c": [f"v{i}" for i in range(1_000)]})
    row = by_feature(mlnb.drift(ref, cur))["c"]
    assert "1,000 categories not in the reference" in row["note"]
    assert "1,000 rows, 100.0% of the current data" in row["note"]
    assert "and 995 more" in row["note"]
    assert row["drifted"] and row["distance"] == pytest.approx(1.0)


def test_a_million_distinct_categories_are_capped_with_a_note():
    n = 1_000_000
    names = pd.Index(np.arange(n).astype(str))
    codes = np.arange(n)
    ref = pd.DataFrame({"id": pd.Categorical.from_codes(codes, categories=names)})
    rng = np.random.default_rng(0)
    cur_codes = rng.integers(0, n, 20_000)
    cur = pd.DataFrame({"id": pd.Categorical.from_codes(cur_codes, categories=names)})
    report = mlnb.drift(ref, cur)
    fp = report.profile["id"]
    assert fp.capped and len(fp.categories) == 1_000
    assert fp.n_distinct == n and fp.other == n - 1_000
    row = by_feature(report)["id"]
    assert "1,000 most frequent categories kept of 1,000,000" in row["note"]
    assert "(other)" in row["note"]
    assert row["skipped_reason"] == ""
    # the rows pooled in "(other)" on both sides: a tiny distance, computed by hand
    dist = report.distribution("id")
    kept = set(fp.categories)
    in_kept = np.isin(np.asarray(names[cur_codes]), list(kept))
    q_other = 1 - in_kept.mean()
    assert dist["current"][dist["labels"].index("(other)")] == pytest.approx(q_other)
    assert not row["drifted"]
    # the JSON profile stays small
    assert len(json.dumps(fp.to_dict())) < 50_000


# -- bad input -------------------------------------------------------------------------


def _ref_cur(n: int = 500, seed: int = 0):
    rng = np.random.default_rng(seed)
    ref = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "c": rng.choice(list("xy"), n),
        }
    )
    cur = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "c": rng.choice(list("xy"), n),
        }
    )
    return ref, cur


def test_column_missing_from_current_is_skipped_and_fails():
    ref, cur = _ref_cur()
    report = mlnb.drift(ref, cur.drop(columns="b"))
    rows = by_feature(report)
    assert rows["b"]["skipped_reason"] == "missing from the current data"
    assert not rows["b"]["drifted"] and math.isnan(rows["b"]["distance"])
    assert report.skipped == {"b": "missing from the current data"}
    assert report.status == "fail"
    assert "b: missing from the current data" in report.summary
    # every compared feature still compared
    assert rows["a"]["skipped_reason"] == "" and rows["c"]["skipped_reason"] == ""


def test_features_not_in_the_reference_raise_naming_them():
    ref, cur = _ref_cur()
    with pytest.raises(MlnbValueError, match=r"\['zz'\]"):
        mlnb.drift(ref, cur.assign(zz=1.0), features=["a", "zz"])


def test_column_missing_from_reference_is_named():
    ref, cur = _ref_cur()
    report = mlnb.drift(ref, cur.assign(surprise=1.0))
    assert "new column" in report.summary
    assert "surprise" in report.summary


def test_numeric_column_that_became_strings_is_skipped_and_fails():
    ref, cur = _ref_cur()
    cur["a"] = cur["a"].map(lambda v: f"{v:.2f}")
    report = mlnb.drift(ref, cur)
    reason = by_feature(report)["a"]["skipped_reason"]
    assert reason.startswith("dtype changed: numeric (float64) in the reference")
    assert report.status == "fail"
    assert "a" in report.skipped and "dtype changed" in report.summary


def test_all_missing_feature_in_reference_is_skipped_not_passed():
    ref, cur = _ref_cur()
    ref["b"] = np.nan
    report = mlnb.drift(ref, cur)
    assert report.skipped["b"] == "every value is missing in the reference"
    assert by_feature(report)["b"]["skipped_reason"] == report.skipped["b"]
    assert report.status != "pass"
    assert "1 not compared" in report.summary


def test_all_missing_feature_in_current_is_skipped_and_fails():
    ref, cur = _ref_cur()
    cur["b"] = np.nan
    cur["c"] = None
    report = mlnb.drift(ref, cur)
    for f in ("b", "c"):
        assert report.skipped[f] == "every value is missing in the current data"
    assert report.status == "fail"


def test_all_missing_categorical_dtype_in_current_is_skipped():
    ref, cur = _ref_cur()
    ref["c"] = ref["c"].astype("category")
    cur["c"] = pd.Categorical([None] * len(cur), categories=ref["c"].cat.categories)
    report = mlnb.drift(ref, cur)
    assert report.skipped["c"] == "every value is missing in the current data"
    cur["c"] = pd.Categorical(
        [None] * (len(cur) - 1) + [ref["c"].iloc[0]], categories=ref["c"].cat.categories
    )
    assert "c" not in mlnb.drift(ref, cur).skipped


def test_constant_features_are_compared():
    ref = pd.DataFrame({"k": np.full(300, 4.0), "s": ["only"] * 300})
    same = mlnb.drift(ref, ref.copy())
    assert same.status == "pass"
    assert (same.to_frame()["distance"] == 0.0).all()
    moved = mlnb.drift(ref, pd.DataFrame({"k": np.full(300, 5.0), "s": ["only"] * 300}))
    row = by_feature(moved)["k"]
    assert row["skipped_reason"] == "" and row["drifted"]
    assert row["distance"] == pytest.approx(1.0)  # all mass moved: 1 bit
    assert "100.0% above the reference range" in row["note"]


def test_empty_current_batch_raises():
    ref, cur = _ref_cur()
    with pytest.raises(DataValidationError, match="empty"):
        mlnb.drift(ref, cur.iloc[:0])


def test_bad_arguments_raise_mlnb_errors():
    ref, cur = _ref_cur()
    prof = mlnb.profile(ref)
    with pytest.raises(MlnbValueError, match="not a profile"):
        mlnb.drift(ref, prof)
    with pytest.raises(MlnbError, match="DataFrame"):
        mlnb.drift(ref, [1, 2, 3])
    with pytest.raises(DataValidationError, match="empty"):
        mlnb.drift(ref.iloc[:0], cur)


def test_numeric_codes_declared_categorical():
    rng = np.random.default_rng(2)
    ref = pd.DataFrame({"code": rng.integers(1, 4, 2_000)})
    cur = pd.DataFrame({"code": rng.integers(1, 4, 2_000)})
    report = mlnb.drift(ref, cur, categorical=["code"])
    row = by_feature(report)["code"]
    assert row["kind"] == "categorical" and row["method"] == "l_infinity"
    assert not row["drifted"] and row["note"] == ""


def test_numeric_codes_declared_categorical_with_missing_values_now():
    rng = np.random.default_rng(2)
    ref = pd.DataFrame({"code": rng.integers(1, 4, 2_000)})
    cur = pd.DataFrame({"code": rng.integers(1, 4, 2_000).astype(np.float64)})
    cur.loc[0, "code"] = np.nan
    row = by_feature(mlnb.drift(ref, cur, categorical=["code"]))["code"]
    assert not row["drifted"]
    assert "not in the reference" not in row["note"]


# -- strings of every storage drift the same -------------------------------------------
STRING_STORAGES = ["string[python]", "string[pyarrow]", "category", "arrow", "pyarrow"]


def _string_halves(storage: str):
    """Reference and current frames with two string features (missing values, a
    value new to the current half) and one numeric one, stored as ``storage``."""
    import pyarrow as pa

    rng = np.random.default_rng(11)
    levels = np.array(["a", "b", "c c", None, np.nan], dtype=object)
    n = 3000
    ref = pd.DataFrame(
        {
            "s": levels[rng.integers(0, 5, n)],
            "t": levels[rng.choice(5, n, p=[0.6, 0.2, 0.1, 0.05, 0.05])],
            "x": rng.normal(size=n),
            "when": pd.date_range("2024-01-01", periods=n, freq="min"),
        }
    )
    cur = ref.sample(frac=1.0, random_state=1).reset_index(drop=True)
    cur["when"] = ref["when"]
    cur.loc[:400, "s"] = "new"  # new to the reference
    cur.loc[1500:, "t"] = "b"  # a shift late in time
    if storage == "object":
        return ref, cur
    if storage == "pyarrow":
        return (pa.Table.from_pandas(f, preserve_index=False) for f in (ref, cur))
    dtype = pd.ArrowDtype(pa.string()) if storage == "arrow" else storage
    return (f.astype({"s": dtype, "t": dtype}) for f in (ref, cur))


@pytest.mark.parametrize("storage", STRING_STORAGES)
@pytest.mark.parametrize("method", ["vertex", "psi"])
def test_string_storages_drift_the_same_as_object(storage, method):
    want = mlnb.drift(*_string_halves("object"), method=method, publish=False)
    got = mlnb.drift(*_string_halves(storage), method=method, publish=False)
    pd.testing.assert_frame_equal(got.to_frame(), want.to_frame())
    for name in ("s", "t"):
        assert got.distribution(name) == want.distribution(name)
    row = want.to_frame().set_index("feature").loc["s"]
    assert "'new' (401)" in row["note"]  # the unseen value is named
    assert got.drifted_features == want.drifted_features


@pytest.mark.parametrize("storage", STRING_STORAGES)
def test_string_storages_drift_over_time_the_same_as_object(storage):
    ref, cur = _string_halves("object")
    want = mlnb.drift_over_time(ref, cur, time_column="when", freq="10h", publish=False)
    ref, cur = _string_halves(storage)
    got = mlnb.drift_over_time(ref, cur, time_column="when", freq="10h", publish=False)
    pd.testing.assert_frame_equal(got.to_frame(), want.to_frame())
    assert got.first_drift == want.first_drift
