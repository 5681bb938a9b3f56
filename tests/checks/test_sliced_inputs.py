"""sliced_metrics on the issue-9 foundation: one input path (pandas, polars,
pyarrow, numpy + dict; integer and tuple column names), the metric registry
(built-in and registered metrics), conditions (defaults, user conditions, change
conditions against a baseline) and the API convention (return types that never
depend on an argument, keyword-only arguments, random_state).

Oracles: scikit-learn per slice, hand computation of the conditions' values.
"""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import brier_score_loss, recall_score, roc_auc_score

import mlnb
from mlnb import MlnbValueError
from mlnb.checks.fairness import DEFAULT_CONDITIONS, from_rows
from mlnb.core import metrics as registry
from mlnb.core.frames import MAX_NAMES_SHOWN


def planted(seed: int = 0, n_per_slice: int = 3_000, weak: str = "d", sep=0.3):
    """Four groups; ``weak``'s scores separate the classes by ``sep`` only."""
    rng = np.random.default_rng(seed)
    parts = []
    for name in "abcd":
        y = rng.integers(0, 2, n_per_slice)
        s = 2.0 if name != weak else sep
        logit = rng.normal(size=n_per_slice) + s * y - 1.0
        parts.append(pd.DataFrame({"g": name, "y": y, "s": 1 / (1 + np.exp(-logit))}))
    df = pd.concat(parts, ignore_index=True)
    df["h"] = np.random.default_rng(seed + 1).choice(["x", "z"], len(df))
    df["w"] = np.random.default_rng(seed + 2).choice([0.5, 1.0, 2.0], len(df))
    return df


@pytest.fixture(scope="module")
def weak_d():
    return planted()


@pytest.fixture(scope="module")
def fair():
    return planted(seed=3, sep=2.0)


KW = {"label": "y", "score": "s", "slice_by": ["g", ("g", "h")], "publish": False}


def strip_created(d: dict) -> dict:
    return {k: v for k, v in d.items() if k != "created"}


# -- the one input path ----------------------------------------------------------------
def _forms(df: pd.DataFrame):
    yield "pandas", df
    pl = pytest.importorskip("polars")
    yield "polars", pl.from_pandas(df)
    pa = pytest.importorskip("pyarrow")
    yield "pyarrow", pa.Table.from_pandas(df, preserve_index=False)
    yield "dict", {c: df[c].to_numpy() for c in df.columns}


def test_every_table_form_gives_the_same_result(weak_d):
    df = weak_d.iloc[:4_000]
    kw = KW | {"sample_weight": "w"}
    base = strip_created(mlnb.sliced_metrics(df, **kw).to_dict())
    for form, data in _forms(df):
        other = strip_created(mlnb.sliced_metrics(data, **kw).to_dict())
        assert other == base, form
    # numpy arrays with a dict of slice columns (no table at all)
    arrays = mlnb.sliced_metrics(
        label=df["y"].to_numpy(),
        score=df["s"].to_numpy(),
        sample_weight=df["w"].to_numpy(),
        slice_by={"g": df["g"].to_numpy()},
        publish=False,
    )
    one = mlnb.sliced_metrics(df, **(kw | {"slice_by": "g"}))
    assert strip_created(arrays.to_dict()) == strip_created(one.to_dict())


def test_integer_column_names(weak_d):
    df = weak_d[["y", "s", "g"]].iloc[:3_000]
    by_number = pd.DataFrame(df.to_numpy(), columns=[0, 1, 2]).astype(
        {0: int, 1: float, 2: str}
    )
    ours = mlnb.sliced_metrics(by_number, label=0, score=1, slice_by=2, publish=False)
    theirs = mlnb.sliced_metrics(df, label="y", score="s", slice_by="g", publish=False)
    a, b = ours.to_frame(), theirs.to_frame()
    pd.testing.assert_frame_equal(a.drop(columns="slice"), b.drop(columns="slice"))
    assert ours.slice_columns == ("2",)
    # 0 is not "0": a string name is not found among integer names
    with pytest.raises(MlnbValueError, match="pass label=0"):
        mlnb.sliced_metrics(by_number, label="0", score=1, slice_by=2)


def test_tuple_column_names(weak_d):
    df = weak_d[["y", "s", "g", "h"]].iloc[:3_000]
    multi = df.copy()
    multi.columns = pd.MultiIndex.from_tuples(
        [("out", "y"), ("out", "s"), ("who", "g"), ("who", "h")]
    )
    ours = mlnb.sliced_metrics(
        multi,
        label=("out", "y"),
        score=("out", "s"),
        slice_by=[("who", "g"), (("who", "g"), ("who", "h"))],
        publish=False,
    )
    theirs = mlnb.sliced_metrics(
        df, label="y", score="s", slice_by=["g", ("g", "h")], publish=False
    )
    cols = [c for c in theirs.to_frame().columns if c != "slice"]
    pd.testing.assert_frame_equal(ours.to_frame()[cols], theirs.to_frame()[cols])
    assert ours.slice_columns == ("('who', 'g')", "('who', 'g') × ('who', 'h')")
    # a single tuple naming a column is that column, not a cross
    one = mlnb.sliced_metrics(
        multi,
        label=("out", "y"),
        score=("out", "s"),
        slice_by=("who", "g"),
        publish=False,
    )
    assert one.slice_columns == ("('who', 'g')",)


def test_unknown_column_names_at_most_20_columns_and_no_values():
    rng = np.random.default_rng(0)
    wide = pd.DataFrame(
        rng.integers(1000, 9999, size=(50, 30)), columns=[f"c{i}" for i in range(30)]
    )
    wide["y"] = rng.integers(0, 2, 50)
    for arg in ("label", "score", "slice_by", "sample_weight"):
        kw = {"label": "y", "score": "c1", "slice_by": "c2"} | {arg: "nope"}
        with pytest.raises(MlnbValueError) as e:
            mlnb.sliced_metrics(wide, **kw, publish=False)
        msg = str(e.value)
        assert "'nope'" in msg and "is not in the data" in msg
        shown = [c for c in wide.columns if f"'{c}'" in msg]
        assert 0 < len(shown) <= MAX_NAMES_SHOWN, arg
        assert "more" in msg
        assert not any(str(v) in msg for v in wide.iloc[:, :30].to_numpy().ravel())


# -- the metric registry ---------------------------------------------------------------
def test_metrics_come_from_the_registry(weak_d):
    r = mlnb.sliced_metrics(weak_d, **KW)
    assert r.metrics == registry.names("binary", defaults_only=True)
    chosen = mlnb.sliced_metrics(weak_d, **KW, metrics=["recall", "precision"])
    # without the default goal among them, the first that can judge is the goal
    assert chosen.metrics == ("recall", "precision")
    assert chosen.goal_metric == "recall"
    # a goal outside metrics= is always reported
    with_goal = mlnb.sliced_metrics(weak_d, **KW, metrics=["recall"], goal_metric="f1")
    assert with_goal.metrics == ("recall", "f1") and with_goal.goal_metric == "f1"
    only_rates = mlnb.sliced_metrics(weak_d, **KW, metrics=["label_rate"])
    assert only_rates.metrics == ("label_rate", "roc_auc")
    f = chosen.to_frame()
    assert "accuracy" not in f.columns and "recall_ci_low" in f.columns
    np.testing.assert_allclose(f["recall"], r.to_frame()["recall"])


@pytest.mark.parametrize(
    "metrics, goal, match",
    [
        (["mae"], None, "'mae' is a regression metric"),
        (["balanced_acc"], None, "unknown metric 'balanced_acc'"),
        ([], None, "metrics is empty"),
        (None, "label_rate", "goal_metric 'label_rate' cannot judge"),
        (None, "mae", "goal_metric 'mae' cannot judge a binary model"),
    ],
)
def test_bad_metrics(weak_d, metrics, goal, match):
    with pytest.raises(MlnbValueError, match=match):
        mlnb.sliced_metrics(weak_d, **KW, metrics=metrics, goal_metric=goal)


@pytest.fixture
def brier():
    def fn(y, p, sample_weight=None):
        return brier_score_loss(y, p, sample_weight=sample_weight)

    registry.register_metric(
        "brier_test", fn, task="binary", higher_is_better=False, range=(0.0, 1.0)
    )
    yield "brier_test"
    registry.unregister_metric("brier_test")


def test_a_registered_metric_is_computed_per_slice(weak_d, brier):
    r = mlnb.sliced_metrics(weak_d, **KW, metrics=["recall", brier], sample_weight="w")
    f = r.to_frame()
    assert r.metrics == ("recall", brier) and r.goal_metric == "recall"
    for _, row in f.iterrows():
        if row["slice"] == "overall":
            part = weak_d
        elif row["slice"] == "g":
            part = weak_d[weak_d["g"] == row["value"]]
        else:
            g, h = row["value"].split(" × ")
            part = weak_d[(weak_d["g"] == g) & (weak_d["h"] == h)]
        expected = brier_score_loss(part["y"], part["s"], sample_weight=part["w"])
        assert row[brier] == pytest.approx(expected, rel=1e-12)
        assert math.isnan(row[f"{brier}_ci_low"])
    # as the goal: computed, never flagged (no interval), and the summary says so
    as_goal = mlnb.sliced_metrics(weak_d, **KW, metrics=[brier], goal_metric=brier)
    assert not as_goal.to_frame()["significantly_worse"].any()
    assert "has no confidence interval" in as_goal.summary
    with pytest.raises(MlnbValueError, match="'roc_auc' was not computed"):
        as_goal.with_goal("roc_auc")
    both = mlnb.sliced_metrics(weak_d, **KW, metrics=[brier, "roc_auc"])
    assert both.goal_metric == "roc_auc" and both.status == "fail"
    assert both.with_goal(brier).status == "pass"


def test_a_registered_threshold_metric_follows_the_threshold(weak_d):
    def fn(y, pred, sample_weight=None):
        return recall_score(y, pred, sample_weight=sample_weight)

    registry.register_metric(
        "my_recall", fn, task="binary", higher_is_better=True, needs="threshold"
    )
    try:
        r = mlnb.sliced_metrics(weak_d, **KW, metrics=["recall", "my_recall"])
        for t in (0.5, 0.3):
            f = r.at_threshold(t).to_frame()
            np.testing.assert_allclose(f["my_recall"], f["recall"], rtol=1e-12)
    finally:
        registry.unregister_metric("my_recall")


def test_tfma_refuses_registered_metrics(weak_d, brier):
    with pytest.raises(MlnbValueError, match="engine='numpy'"):
        mlnb.sliced_metrics(weak_d, **KW, metrics=[brier], engine="tfma")


# -- conditions ------------------------------------------------------------------------
def test_default_conditions_are_documented():
    names = [c.metric for c in DEFAULT_CONDITIONS]
    assert names == ["worst_gap", "worst_gap", "n_judged"]
    assert all(c.why for c in DEFAULT_CONDITIONS)
    assert mlnb.SlicedMetrics.DEFAULT_CONDITIONS == DEFAULT_CONDITIONS
    for word in ("worst_gap", "n_flagged", "n_judged", "goal_value"):
        assert word in mlnb.sliced_metrics.__doc__


def test_condition_values_by_hand(weak_d):
    r = mlnb.sliced_metrics(weak_d, **KW)
    v = r.condition_values
    f = r.slices()
    judged = f[~f["too_small"] & f["roc_auc"].notna()]
    flagged = judged[judged["significantly_worse"]]
    assert v["n_judged"] == len(judged) and v["n_flagged"] == len(flagged) > 0
    assert v["n_slices"] == len(f) and v["n_too_small"] == int(f["too_small"].sum())
    gaps = flagged["roc_auc_rest"] - flagged["roc_auc"]
    assert v["worst_gap"] == pytest.approx(gaps.max())
    assert v["goal_value"] == pytest.approx(roc_auc_score(weak_d["y"], weak_d["s"]))
    assert v["roc_auc"] == v["goal_value"]
    assert r.status == "fail" and r.decided_by.startswith("worst_gap")


def row(value, recall, lo, hi, count=500):
    return {
        "slice": "g",
        "value": value,
        "count": count,
        "recall": recall,
        "recall_ci_low": lo,
        "recall_ci_high": hi,
    }


OVERALL = {"slice": "overall", "value": "all", "count": 2_000, "recall": 0.80}


@pytest.mark.parametrize(
    "worst, status",
    [
        ((0.68, 0.66, 0.70), "fail"),  # significantly worse by 0.12
        ((0.73, 0.71, 0.75), "warn"),  # significantly worse by 0.07
        ((0.77, 0.76, 0.78), "pass"),  # significantly worse by 0.03: within margin
        ((0.60, 0.30, 0.90), "pass"),  # worse by 0.20 but not significantly
    ],
)
def test_default_conditions_table(worst, status):
    rows = [row("a", 0.81, 0.79, 0.83), row("b", *worst)]
    r = from_rows(rows, OVERALL, slice_names=["g"], goal_metric="recall")
    assert r.status == status, r.summary
    flagged = worst[2] < 0.80
    expected_gap = round(0.80 - worst[0], 10) if flagged else 0.0
    assert r.condition_values["worst_gap"] == pytest.approx(expected_gap)


def test_nothing_judged_is_info():
    rows = [row("a", 0.5, 0.1, 0.9, count=5), row("b", 0.6, 0.2, 0.9, count=5)]
    r = from_rows(rows, OVERALL, slice_names=["g"], goal_metric="recall")
    assert r.status == "info" and r.condition_values["n_judged"] == 0
    assert "nothing to judge" in r.summary
    assert r.decided_by == "n_judged 0 < 1: info"


def test_a_user_condition_changes_the_status(fair):
    base = mlnb.sliced_metrics(fair, **KW)
    assert base.status == "pass"
    strict = mlnb.Condition("roc_auc", ">=", 0.99, status="warn", name="excellent")
    r = mlnb.sliced_metrics(fair, **KW, conditions=[*DEFAULT_CONDITIONS, strict])
    assert r.status == "warn"
    sentence = f"roc_auc {r.overall['roc_auc']:.4g} < 0.99: warn"
    assert r.decided_by == sentence
    assert r.record()["decided_by"] == sentence
    assert html.escape(sentence) in r._repr_html_()
    assert r.summary.endswith(sentence) and r.summary.startswith(base.summary)
    cond = r.conditions.set_index("condition")
    assert cond.loc["excellent", "status"] == "warn"
    # judge() re-judges the same numbers without recomputing
    again = base.judge([strict])
    assert (again.status, again.summary) == ("warn", r.summary)
    pd.testing.assert_frame_equal(again.to_frame(), base.to_frame())
    # ...and the new conditions stay with at_threshold / with_goal
    assert again.at_threshold(0.4).status == "warn"
    with pytest.raises(MlnbValueError, match="conditions can use"):
        mlnb.sliced_metrics(fair, **KW, conditions=[mlnb.Condition("gap", "<", 1)])


def test_change_conditions_against_a_baseline(weak_d, fair):
    worse = mlnb.sliced_metrics(weak_d, **KW)
    better = mlnb.sliced_metrics(fair, **KW)
    rule = mlnb.Condition("worst_gap", max_rise=0.02, name="gap did not grow")
    # the gap grew from ~0 (fair) to the weak slice's: fails
    grew = worse.judge([rule], baseline=better)
    assert grew.status == "fail"
    assert "worst_gap rose" in grew.decided_by
    assert grew.record()["decided_by"] == grew.decided_by
    # the other way round it shrank: passes
    shrank = better.judge([rule], baseline=worse)
    assert shrank.status == "pass"
    # a drop in the goal metric, relative
    drop = mlnb.Condition("goal_value", max_drop=0.01, relative=True)
    assert worse.judge([drop], baseline=better).status == "fail"
    assert better.judge([drop], baseline=worse).status == "pass"
    with pytest.raises(MlnbValueError, match="baseline must be"):
        worse.judge([drop], baseline=mlnb.imbalance(weak_d["y"], publish=False))


def test_margins_are_gone():
    with pytest.raises(TypeError):
        mlnb.sliced_metrics(
            label=[0, 1], score=[0.1, 0.9], slice_by={"g": [1, 1]}, warn_margin=0.1
        )


# -- one API convention ----------------------------------------------------------------
def test_difference_and_ratio_have_one_type(weak_d):
    r = mlnb.sliced_metrics(weak_d, **KW)
    for kw in ({}, {"slice_column": "g"}, {"min_support": 10**9}):
        for method in (r.difference, r.ratio):
            out = method("recall", **kw)
            assert isinstance(out, pd.Series) and out.index.names == ["slice", "value"]
        for method in (r.difference_between_groups, r.ratio_between_groups):
            assert isinstance(method("recall", **kw), float)
    g = r.slices("g")
    assert r.difference_between_groups("recall", slice_column="g") == pytest.approx(
        g["recall"].max() - g["recall"].min()
    )


def test_random_state_drives_the_f1_interval(weak_d):
    a = mlnb.sliced_metrics(weak_d, **KW, random_state=1).to_frame()
    b = mlnb.sliced_metrics(weak_d, **KW, random_state=1).to_frame()
    c = mlnb.sliced_metrics(weak_d, **KW, random_state=2).to_frame()
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["f1_ci_low"], c["f1_ci_low"])
    np.testing.assert_array_equal(a["f1"], c["f1"])


def test_everything_after_data_is_keyword_only(weak_d):
    with pytest.raises(TypeError):
        mlnb.sliced_metrics(weak_d, "y", "s", "g")


def test_frame_keeps_each_slice_value_with_its_type():
    """Labels are readable and distinct; ``raw_value`` keeps the value itself, so
    ``1`` and ``"1"``, a real missing value and the string ``"missing"`` stay apart
    and can be selected by value."""
    rng = np.random.default_rng(7)
    n = 1_000
    kinds = np.array([1, "1", None, "missing", "a × b"], dtype=object)
    g = kinds[rng.integers(0, len(kinds), n)]
    y = rng.integers(0, 2, n)
    df = pd.DataFrame(
        {
            "g": g,
            "h": rng.choice(["p", "q"], n),
            "x": np.r_[np.full(4, np.inf), rng.normal(size=n - 4)],
            "y": y,
            "s": np.clip(0.3 * y + 0.7 * rng.random(n), 0, 1),
        }
    )
    r = mlnb.sliced_metrics(
        df, label="y", score="s", slice_by=["g", "x", ("g", "h")], publish=False
    )
    f = r.to_frame()
    g_rows = f[f["slice"] == "g"]
    raw = list(g_rows["raw_value"])
    # every distinct value once, with its type; counts match pandas
    assert sorted(map(repr, raw)) == sorted(
        map(repr, [1, "1", None, "missing", "a × b"])
    )
    assert len(set(g_rows["value"])) == len(g_rows)  # labels never collide
    for v in (1, "1", "missing", "a × b"):
        row = g_rows[[type(x) is type(v) and x == v for x in raw]]
        assert len(row) == 1
        expected = sum(1 for x in g if type(x) is type(v) and x == v)
        assert int(row["count"].iloc[0]) == expected
    missing_row = g_rows[[x is None for x in raw]]
    assert int(missing_row["count"].iloc[0]) == sum(x is None for x in g)
    # numeric bins keep their edges; infinity its own value
    x_raw = list(f.loc[f["slice"] == "x", "raw_value"])
    assert x_raw[-1] == np.inf and all(isinstance(b, tuple) for b in x_raw[:-1])
    # crosses keep a tuple of the parts' values
    cross = list(f.loc[f["slice"] == "g × h", "raw_value"])
    assert (1, "p") in cross and ("1", "p") in cross and (None, "q") in cross
    assert all(isinstance(c, tuple) and len(c) == 2 for c in cross)


def test_builtins_outside_the_default_set_are_computed_per_slice():
    """Balanced accuracy (binary) and R² (regression) are not in the default set
    but can be asked for by name; per slice they equal scikit-learn's."""
    from sklearn.metrics import balanced_accuracy_score, r2_score

    rng = np.random.default_rng(4)
    n = 3000
    g = rng.choice(["a", "b", "c"], n)
    y = rng.integers(0, 2, n)
    s = np.clip(0.3 * y + rng.random(n) * 0.7, 0, 1)
    df = pd.DataFrame({"g": g, "y": y, "s": s})
    r = mlnb.sliced_metrics(
        df,
        label="y",
        score="s",
        slice_by="g",
        metrics=["balanced_accuracy"],
        publish=False,
    )
    got = r.to_frame().set_index("value")["balanced_accuracy"]
    for k in "abc":
        mask = g == k
        assert got[k] == pytest.approx(
            balanced_accuracy_score(y[mask], s[mask] >= 0.5), rel=1e-12
        )
    assert (
        "balanced_accuracy"
        not in mlnb.sliced_metrics(
            df, label="y", score="s", slice_by="g", publish=False
        ).metrics
    )

    t = 2 * s + rng.normal(0, 0.3, n)
    reg = mlnb.sliced_metrics(
        df.assign(t=t),
        label="t",
        prediction="s",
        slice_by="g",
        task="regression",
        metrics=["r2", "mae"],
        publish=False,
    )
    got = reg.to_frame().set_index("value")["r2"]
    for k in "abc":
        mask = g == k
        assert got[k] == pytest.approx(r2_score(t[mask], s[mask]), rel=1e-12)
