"""mlnb.drift / skew / drift_over_time / profile on the issue-9 foundation: the
status comes from conditions (defaults reproduce the earlier rule, a user's
condition replaces them, change conditions against an earlier report), every
kind of table gives the same report, and columns named by integers or tuples
work (``0`` and ``"0"`` are different features), in memory and in a saved
profile."""

from __future__ import annotations

import inspect
import json
import math

import numpy as np
import pandas as pd
import pytest

import mlnb
from mlnb import Condition, DataValidationError, MlnbValueError
from mlnb.checks.drift import (
    DRIFT_CONDITIONS,
    DRIFT_OVER_TIME_CONDITIONS,
    DriftReport,
    SkewReport,
)
from mlnb.core.profile import PROFILE_FORMAT, Profile

N = 1_500


def frames(seed: int = 0, *, shift: tuple[str, ...] = ("x1",)):
    """Reference and current data: three numeric features and one categorical;
    the features in ``shift`` move far enough to drift (x by 3 std, c to one
    level)."""
    rng = np.random.default_rng(seed)

    def make(moved):
        data = {
            "x0": rng.normal(0, 1, N),
            "x1": rng.normal(0, 1, N),
            "x2": rng.exponential(1.0, N),
            "c": rng.choice(["a", "b", "c"], N),
        }
        for name in moved:
            if name == "c":
                data["c"] = np.where(rng.random(N) < 0.9, "c", "a")
            else:
                data[name] = data[name] + 3.0
        return pd.DataFrame(data)

    return make(()), make(shift)


def without_created(d: dict) -> dict:
    return {k: v for k, v in d.items() if k != "created"}


def old_rule(report: DriftReport) -> str:
    """The status rule drift() had before conditions, in words: nothing
    compared → fail with a schema problem else info; a schema problem or at
    least half drifted → fail; some drifted, skipped or new columns → warn."""
    frame = report.to_frame()
    compared = frame[frame["skipped_reason"] == ""]
    schema = len(report.schema_problems)
    if len(compared) == 0:
        return "fail" if schema else "info"
    share = compared["drifted"].sum() / len(compared)
    if schema or share >= 0.5:
        return "fail"
    if compared["drifted"].any() or report.skipped or report.new_columns:
        return "warn"
    return "pass"


# -- conditions: the defaults --------------------------------------------------------
CASES = {
    "nothing drifted": ({"shift": ()}, {}, "pass"),
    "one of four drifted": ({"shift": ("x1",)}, {}, "warn"),
    "two of four drifted (half)": ({"shift": ("x1", "c")}, {}, "fail"),
    "a feature missing now": ({"shift": ()}, {"drop": "x2"}, "fail"),
    "a new column": ({"shift": ()}, {"add": "extra"}, "warn"),
    "a feature retyped": ({"shift": ()}, {"retype": "x0"}, "fail"),
    "a date column not compared": ({"shift": ()}, {"date": True}, "warn"),
}


def _case(kwargs, change):
    ref, cur = frames(**kwargs)
    if "drop" in change:
        cur = cur.drop(columns=change["drop"])
    if "add" in change:
        cur = cur.assign(**{change["add"]: 1.0})
    if "retype" in change:
        cur = cur.assign(**{change["retype"]: "text"})
    if change.get("date"):
        when = pd.Timestamp("2024-01-01")
        ref, cur = ref.assign(when=when), cur.assign(when=when)
    return ref, cur


@pytest.mark.parametrize("case", list(CASES))
def test_default_conditions_reproduce_the_earlier_rule(case):
    kwargs, change, expected = CASES[case]
    ref, cur = _case(kwargs, change)
    report = mlnb.drift(ref, cur, publish=False)
    assert report.status == expected == old_rule(report)
    assert len(report.conditions) == len(DRIFT_CONDITIONS)
    if expected != "pass":
        decided = report.conditions.set_index("condition").loc[
            lambda f: f["status"] == expected
        ]
        assert len(decided) >= 1
        assert report.decided_by in set(decided["sentence"])


def test_nothing_compared_is_info():
    ref = pd.DataFrame({"x": np.arange(10.0)})
    report = mlnb.drift(ref, ref, features=[], publish=False)
    assert report.status == "info" and report.summary == "nothing to compare"
    assert math.isnan(report.condition_values["drifted_share"])


def test_values_the_conditions_read_are_hand_computed():
    ref, cur = frames(shift=("x1",))
    report = mlnb.drift(ref, cur.assign(extra=0), publish=False)
    v = report.condition_values
    frame = report.to_frame()
    ratios = frame["distance"] / frame["threshold"]
    assert v["n_features"] == 4 and v["n_drifted"] == 1
    assert v["drifted_share"] == 0.25 and v["dataset_drift"] is False
    assert v["max_ratio"] == pytest.approx(ratios.max())
    assert v["n_skipped"] == 0 and v["n_schema_problems"] == 0
    assert v["n_new_columns"] == 1 and report.new_columns == ("extra",)
    assert report.drifted_share == 0.25


def test_defaults_are_documented_with_their_source():
    for c in (*DRIFT_CONDITIONS, *DRIFT_OVER_TIME_CONDITIONS):
        assert c.why and c.name
    doc = mlnb.drift.__doc__
    for c in DRIFT_CONDITIONS:
        assert c.metric in doc


# -- conditions: a user's ------------------------------------------------------------
def test_a_user_condition_replaces_the_defaults():
    ref, cur = frames(shift=("x1",))
    default = mlnb.drift(ref, cur, publish=False)
    assert default.status == "warn"
    strict = Condition("max_ratio", "<", 0.5, name="far below every threshold")
    report = mlnb.drift(ref, cur, conditions=[strict], publish=False)
    assert report.status == "fail"
    sentence = report.conditions["sentence"].iloc[0]
    assert sentence.startswith("max_ratio ") and sentence.endswith(": fail")
    assert report.record()["decided_by"] == sentence
    assert report.decided_by == sentence
    import html

    assert html.escape(sentence) in report._repr_html_()
    # loose: two drifted features allowed
    loose = mlnb.drift(
        ref, cur, conditions=Condition("n_drifted", "<=", 2), publish=False
    )
    assert loose.status == "pass"
    # the same as judging the finished report again
    assert default.judge([strict]).status == "fail"
    assert default.judge().status == "warn"


def test_an_unknown_value_names_the_values_there_are():
    ref, cur = frames()
    with pytest.raises(MlnbValueError, match="drifted_share"):
        mlnb.drift(ref, cur, conditions=[Condition("roc_auc", ">=", 0.8)])


@pytest.mark.parametrize(
    ("shift_now", "expected"), [(("x1", "c"), "fail"), ((), "pass")]
)
def test_change_condition_against_an_earlier_report(shift_now, expected):
    ref, cur = frames(shift=("x1",))
    earlier = mlnb.drift(ref, cur, publish=False)  # one drifted
    _, now_cur = frames(seed=1, shift=shift_now)
    now = mlnb.drift(ref, now_cur, publish=False)
    rise = Condition("n_drifted", max_rise=0, name="no more drifted features")
    judged = now.judge([rise], baseline=earlier)
    assert judged.status == expected
    o = judged.conditions.iloc[0]
    assert o["baseline"] == 1
    if expected == "fail":
        assert "rose" in o["sentence"] and judged.decided_by == o["sentence"]
    # a skew report is no baseline for a drift report
    skewed = mlnb.skew(ref, cur, publish=False)
    with pytest.raises(MlnbValueError, match=r"an earlier drift\(\) result"):
        now.judge([rise], baseline=skewed)


def test_skew_is_its_own_check_with_the_same_conditions():
    ref, cur = frames(shift=("x1",))
    s = mlnb.skew(ref, cur, conditions=[Condition("n_drifted", "<=", 0)])
    assert isinstance(s, SkewReport) and isinstance(s, DriftReport)
    assert s.status == "fail" and s.record()["check"] == "skew"
    again = s.judge()  # judging keeps the check
    assert again.record()["check"] == "skew" and again.status == "warn"


def test_drift_over_time_conditions():
    rng = np.random.default_rng(3)
    ref, _ = frames()
    cur = pd.concat([frames(seed=4)[0], frames(seed=5, shift=("x1",))[1]])
    cur["ts"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(
        np.repeat([0, 1], N) * 86_400 + rng.uniform(0, 80_000, 2 * N), unit="s"
    )
    over = mlnb.drift_over_time(
        ref, cur, time_column="ts", publish=False, progress=False
    )
    assert over.status == "warn" == over.windows[-1]["status"]
    v = over.condition_values
    assert (v["n_windows"], v["n_judged"], v["n_drifted"], v["n_ever_drifted"]) == (
        2,
        2,
        1,
        1,
    )
    strict = over.judge([Condition("n_ever_drifted", "<=", 0)])
    assert strict.status == "fail" and "n_ever_drifted" in strict.record()["decided_by"]
    # nothing judged: the first default warns
    small = mlnb.drift_over_time(
        ref, cur, time_column="ts", min_rows=10 * N, publish=False, progress=False
    )
    assert small.status == "warn"
    assert small.decided_by.startswith("n_judged 0 < 1")
    first = mlnb.drift_over_time(
        ref, cur.iloc[:N], time_column="ts", publish=False, progress=False
    )
    assert first.status == "pass"
    assert (
        over.judge([Condition("n_drifted", max_rise=0)], baseline=first).status
        == "fail"
    )
    assert first.judge([Condition("n_drifted", max_rise=0)], baseline=over).status == (
        "pass"
    )


# -- one API convention -------------------------------------------------------------
@pytest.mark.parametrize(
    "fn", [mlnb.drift, mlnb.skew, mlnb.drift_over_time, mlnb.profile]
)
def test_signatures_keyword_only_without_private_parameters(fn):
    params = list(inspect.signature(fn).parameters.values())
    assert all(p.kind != p.VAR_KEYWORD for p in params)
    assert not any(p.name.startswith("_") for p in params)
    assert "thresholds" not in {p.name for p in params}
    assert "n_jobs" in {p.name for p in params}
    positional = [p for p in params if p.kind == p.POSITIONAL_OR_KEYWORD]
    assert len(positional) <= 2
    assert all(p.kind == p.KEYWORD_ONLY for p in params[len(positional) :])


def test_n_jobs_gives_the_same_report():
    ref, cur = frames(shift=("x1", "c"))
    one = mlnb.drift(ref, cur, n_jobs=1, publish=False)
    many = mlnb.drift(ref, cur, n_jobs=4, publish=False)
    assert without_created(one.to_dict()) == without_created(many.to_dict())
    with pytest.raises(MlnbValueError, match="n_jobs"):
        mlnb.drift(ref, cur, n_jobs=0)


def test_plot_returns_axes(tmp_path):
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    ref, cur = frames(shift=("x1", "c"))
    report = mlnb.drift(ref, cur, publish=False)
    axes = report.plot()
    assert isinstance(axes, np.ndarray) and len(axes) == 2
    assert [a.get_title() for a in axes] == ["x1 — drift", "c — drift"]
    fig = Figure()
    given = fig.subplots(1, 3)
    axes = report.plot(ax=given, features=["x0", "x2", "c"])
    assert list(axes) == list(given)
    one = fig.add_subplot()
    assert report.plot(ax=one, features=["x0"])[0] is one
    with pytest.raises(MlnbValueError, match="one Axes per feature"):
        report.plot(ax=one, features=["x0", "x2"])
    with pytest.raises(MlnbValueError, match="zz"):
        report.plot(features=["zz"])


# -- the same data, any table -------------------------------------------------------
def _as(kind: str, frame: pd.DataFrame):
    if kind == "pandas":
        return frame
    if kind == "polars":
        pl = pytest.importorskip("polars")
        return pl.from_pandas(frame)
    if kind == "pyarrow":
        pa = pytest.importorskip("pyarrow")
        return pa.Table.from_pandas(frame, preserve_index=False)
    return {c: frame[c].to_numpy() for c in frame.columns}  # numpy + dict


@pytest.mark.parametrize("kind", ["polars", "pyarrow", "dict"])
def test_every_kind_of_table_gives_the_same_report(kind):
    ref, cur = frames(shift=("x1", "c"))
    expected = mlnb.drift(ref, cur, publish=False)
    got = mlnb.drift(_as(kind, ref), _as(kind, cur), publish=False)
    assert without_created(got.to_dict()) == without_created(expected.to_dict())
    assert (
        mlnb.profile(_as(kind, ref)).to_dict()["features"]
        == (mlnb.profile(ref).to_dict()["features"])
    )


@pytest.mark.parametrize("kind", ["polars", "pyarrow", "dict"])
def test_every_kind_of_table_gives_the_same_drift_over_time(kind):
    rng = np.random.default_rng(7)
    ref, cur = frames(shift=("x1",))
    cur["ts"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(
        rng.uniform(0, 2 * 86_400, N), unit="s"
    )
    kw = {"time_column": "ts", "publish": False, "progress": False}
    expected = mlnb.drift_over_time(ref, cur, **kw)
    got = mlnb.drift_over_time(_as(kind, ref), _as(kind, cur), **kw)
    assert without_created(got.to_dict()) == without_created(expected.to_dict())


# -- column names of any hashable type -----------------------------------------------
def test_integer_column_names_from_a_numpy_array():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(800, 3))
    moved = x + [0.0, 3.0, 0.0]
    report = mlnb.drift(pd.DataFrame(x), pd.DataFrame(moved), publish=False)
    assert report.drifted_features == (1,)
    assert list(report.to_frame()["feature"]) == [0, 1, 2]
    assert report.distribution(1)["kind"] == "numeric"
    prof = mlnb.profile(pd.DataFrame(x))
    assert prof.names == [0, 1, 2] and prof[1].n_rows == 800
    # the same numbers as with text names
    named = mlnb.drift(
        pd.DataFrame(x, columns=list("abc")),
        pd.DataFrame(moved, columns=list("abc")),
        publish=False,
    )
    np.testing.assert_array_equal(
        report.to_frame()["distance"], named.to_frame()["distance"]
    )
    with pytest.raises(MlnbValueError, match=r"there is a column 1 of type int"):
        mlnb.drift(pd.DataFrame(x), pd.DataFrame(moved), features=["1"])


def test_zero_and_text_zero_are_different_features_and_tuples_work():
    rng = np.random.default_rng(1)
    ref = pd.DataFrame(
        {
            0: rng.normal(size=900),
            "0": rng.normal(size=900),
            ("a", 1): rng.normal(size=900),
        }
    )
    cur = ref.copy()
    cur["0"] = cur["0"] + 3.0
    report = mlnb.drift(ref, cur, publish=False)
    assert report.drifted_features == ("0",)
    rows = {r["feature"]: r for r in report._rows}
    assert rows[0]["distance"] == 0.0 and rows[("a", 1)]["distance"] == 0.0
    only = mlnb.drift(
        ref,
        cur,
        features=[("a", 1), 0],
        categorical=[0],
        drift_thresholds={0: 0.5},
        publish=False,
    )
    assert list(only.to_frame()["feature"]) == [("a", 1), 0]
    assert only.to_frame()["kind"].tolist() == ["numeric", "categorical"]
    assert only.to_frame()["threshold"].tolist() == [0.3, 0.5]
    json.dumps(report.to_dict(), allow_nan=False)
    ref_t = ref.rename(columns={"0": "t"}).assign(
        ts=pd.Timestamp("2024-01-01")
    )  # drift over time with a tuple-named feature
    over = mlnb.drift_over_time(
        ref_t, ref_t, time_column="ts", publish=False, progress=False
    )
    assert over.features == (0, "t", ("a", 1)) and over.status == "pass"
    assert "<table" in over._repr_html_()


@pytest.mark.parametrize(
    "names",
    [[0, 1, 2], [0, "0", ("a", 1), ("a", "1"), 2.5, True]],
    ids=["ints", "mixed"],
)
def test_profile_save_load_keeps_names_and_their_types(tmp_path, names):
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({n: rng.normal(size=300) for n in names}, columns=None)
    frame.columns = pd.Index(names, dtype=object, tupleize_cols=False)
    prof = mlnb.profile(frame)
    back = Profile.load(prof.save(tmp_path / "p.json"))
    assert back.names == names
    assert [type(n) for n in back.names] == [type(n) for n in names]
    assert back.to_dict() == prof.to_dict()
    saved = json.loads((tmp_path / "p.json").read_text())
    assert saved["version"] == PROFILE_FORMAT == 2
    a = mlnb.drift(prof, frame, publish=False)
    b = mlnb.drift(back, frame, publish=False)
    assert without_created(a.to_dict()) == without_created(b.to_dict())


def test_version_1_profiles_are_still_read(tmp_path):
    ref, cur = frames(shift=())
    d = mlnb.profile(ref).to_dict()
    d["version"] = 1
    for f in d["features"]:
        assert "name_type" not in f  # text names are stored as before
    path = tmp_path / "old.json"
    path.write_text(json.dumps(d))
    old = Profile.load(path)
    assert old.names == ["x0", "x1", "x2", "c"]
    assert mlnb.drift(old, cur, publish=False).status == "pass"


def test_a_name_that_cannot_be_stored_says_how_to_fix_it(tmp_path):
    frame = pd.DataFrame({pd.Timestamp("2024-01-01"): np.arange(10.0)})
    with pytest.raises(MlnbValueError, match="rename the column"):
        mlnb.profile(frame).save(tmp_path / "p.json")


def test_unknown_column_lists_at_most_20_names_and_no_values():
    rng = np.random.default_rng(3)
    secret = 123456.789
    frame = pd.DataFrame(
        {f"col{i}": np.full(50, secret) + rng.normal(size=50) for i in range(30)}
    )
    for call in (
        lambda: mlnb.drift(frame, frame, features=["nope"]),
        lambda: mlnb.profile(frame, features=["nope"]),
        lambda: mlnb.drift(frame, frame, drift_thresholds={"nope": 0.1}),
        lambda: mlnb.drift(frame, frame, method={"nope": "psi"}),
        lambda: mlnb.drift(frame, frame, categorical=["nope"]),
    ):
        with pytest.raises(MlnbValueError) as info:
            call()
        text = str(info.value)
        assert "'nope'" in text
        shown = [f"'col{i}'" for i in range(30) if f"'col{i}'" in text]
        assert 1 <= len(shown) <= 20 and "10 more" in text
        assert "123456" not in text


def test_a_duplicated_column_is_an_error():
    frame = pd.DataFrame(np.zeros((5, 2)), columns=["a", "a"])
    with pytest.raises(DataValidationError, match="appears 2 times"):
        mlnb.profile(frame)
    ok = pd.DataFrame({"a": np.arange(5.0)})
    with pytest.raises(DataValidationError, match="appears 2 times"):
        mlnb.drift(ok, frame)
