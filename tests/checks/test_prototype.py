"""mlnb.prototype: the split, the scores against scikit-learn, the result."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn import metrics as skm
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import train_test_split

from mlnb.checks.prototype import PrototypeResult, prototype
from mlnb.checks.prototype import split as S
from mlnb.core.conditions import Condition
from mlnb.errors import DataValidationError, MissingDependencyError


@pytest.fixture(autouse=True)
def _one_thread():
    """Histogram gradient boosting's OpenMP threads spin for seconds on a shared,
    oversubscribed CI machine; one thread keeps these small fits fast."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


def binary_frame(n=600, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "x1": rng.normal(size=n),
            "x2": rng.normal(size=n),
            "city": rng.choice(["a", "b", "c", "d"], n),
        }
    )
    logit = 1.2 * df["x1"] - 0.7 * df["x2"] + (df["city"] == "a") * 0.8
    df["y"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return df


def run(df, **kw):
    kw.setdefault("label", "y")
    kw.setdefault("publish", False)
    kw.setdefault("progress", False)
    return prototype(df, **kw)


# -- the split -------------------------------------------------------------------------


@given(
    times=st.lists(st.integers(0, 30), min_size=12, max_size=80),
    test_size=st.floats(0.05, 0.6),
)
def test_time_split_never_puts_a_later_row_in_train(times, test_size):
    t = np.asarray(times, dtype=np.int64)
    try:
        sp = S.time_split(t, test_size=test_size, column="t")
    except Exception as exc:  # one time around the cut: a clear error
        assert "single time" in str(exc) or "needs at least" in str(exc)
        return
    assert t[sp.train].max() <= t[sp.test].min()
    assert sorted([*sp.train, *sp.test]) == list(range(len(t)))
    cut = t[sp.test].min() if sp.detail["ties_at_cut"] == "test" else None
    if cut is not None:  # ties at the cut all went to the test side
        assert t[sp.train].max() < cut


@given(
    groups=st.lists(st.integers(0, 15), min_size=12, max_size=120),
    test_size=st.floats(0.05, 0.5),
    seed=st.integers(0, 2**31),
)
def test_grouped_split_never_shares_a_group(groups, test_size, seed):
    g = np.asarray(groups)
    if len(np.unique(g)) < 2:
        return
    try:
        sp = S.group_split(
            g, test_size=test_size, random_state=seed, column="g", detected=False
        )
    except DataValidationError as exc:  # a group too big: a clear error
        assert "at least 2 training rows" in str(exc)
        return
    assert not set(g[sp.train]) & set(g[sp.test])
    assert sorted([*sp.train, *sp.test]) == list(range(len(g)))
    assert len(sp.test) >= min(int(np.ceil(test_size * len(g))), len(g) - 1) or (
        sp.detail["n_groups_test"] == sp.detail["n_groups"] - 1
    )


def test_time_split_through_prototype_with_date_strings():
    df = binary_frame(300)
    days = pd.date_range("2024-01-01", periods=300, freq="D")
    df["when"] = np.random.default_rng(1).permutation(days.strftime("%Y-%m-%d"))
    r = run(df, time_column="when", models=("linear",))
    when = pd.to_datetime(df["when"])
    assert r.split["kind"] == "time" and r.split["column"] == "when"
    assert when.iloc[r.train_rows].max() < when.iloc[r.test_rows].min()
    assert "when" not in r.features
    assert r.split["n_test"] == 60
    assert r.split["cut_value"].startswith(str(when.iloc[r.test_rows].min().date()))


def test_time_split_ties_at_the_cut_go_to_test():
    df = binary_frame(100)
    df["t"] = np.repeat(np.arange(10), 10)  # cut at row 80: time 8 → test
    df.loc[75:84, "t"] = 7  # now time 7 straddles the cut: all of it to test
    r = run(df, time_column="t", models=("linear",), test_size=0.2)
    t = df["t"].to_numpy()
    assert set(t[r.test_rows]) == {7, 8, 9}
    assert r.split["ties_at_cut"] == "test"


def test_repeating_id_is_detected_and_grouped():
    df = binary_frame(600)
    df["customer_id"] = np.repeat(np.arange(150), 4)
    r = run(df, models=("linear",))
    assert r.split["kind"] == "group" and r.split["column"] == "customer_id"
    assert "customer_id" in r.split["reason"] and r.split["detected"]
    ids = df["customer_id"].to_numpy()
    assert not set(ids[r.train_rows]) & set(ids[r.test_rows])
    assert "customer_id" not in r.features


def test_stratified_split_equals_train_test_split():
    df = binary_frame(500)
    r = run(df, models=("linear",), random_state=3)
    train, test = train_test_split(
        np.arange(500), test_size=100, random_state=3, stratify=df["y"]
    )
    np.testing.assert_array_equal(r.train_rows, train)
    np.testing.assert_array_equal(r.test_rows, test)
    assert r.split["kind"] == "stratified"


def test_regression_split_is_shuffled():
    df = binary_frame(300)
    df["y"] = df["x1"] * 2 + np.random.default_rng(0).normal(size=300)
    r = run(df, models=("linear",))
    assert r.task == "regression" and r.split["kind"] == "shuffled"


# -- the numbers equal scikit-learn's --------------------------------------------------


def test_binary_scores_equal_sklearn_on_the_same_pipelines_and_split():
    df = binary_frame(800)
    r = run(df, models=("linear", "boosted"))
    X = df.drop(columns="y")
    y = df["y"].to_numpy()
    Xte, yte = X.iloc[r.test_rows], y[r.test_rows]
    for kind in ("linear", "boosted"):
        p = r.models[kind].predict_proba(Xte)[:, 1]
        assert r.score(kind, "roc_auc") == pytest.approx(skm.roc_auc_score(yte, p))
        assert r.score(kind, "average_precision") == pytest.approx(
            skm.average_precision_score(yte, p)
        )
        assert r.score(kind, "log_loss") == pytest.approx(skm.log_loss(yte, p))
        assert r.score(kind, "accuracy") == pytest.approx(
            skm.accuracy_score(yte, p >= 0.5)
        )
        assert r.score(kind, "f1") == pytest.approx(skm.f1_score(yte, p >= 0.5))
    assert r.metric == "roc_auc" and r.metrics[0] == "roc_auc"
    best = max(("linear", "boosted"), key=lambda k: r.score(k))
    assert r.best_model == best


def test_multiclass_scores_equal_sklearn():
    df = binary_frame(900)
    df["y"] = np.where(df["x1"] > 0.5, "hi", np.where(df["x1"] < -0.5, "lo", "mid"))
    r = run(df, models=("linear",))
    assert r.task == "multiclass" and r.classes == ("hi", "lo", "mid")
    X = df.drop(columns="y")
    codes = pd.Categorical(df["y"], categories=["hi", "lo", "mid"]).codes
    yte = codes[r.test_rows]
    proba = r.models["linear"].predict_proba(X.iloc[r.test_rows])
    pred = proba.argmax(axis=1)
    assert r.score("linear", "macro_f1") == pytest.approx(
        skm.f1_score(yte, pred, average="macro")
    )
    assert r.score("linear", "accuracy") == pytest.approx(skm.accuracy_score(yte, pred))
    assert r.score("linear", "roc_auc_ovr") == pytest.approx(
        skm.roc_auc_score(yte, proba, multi_class="ovr", average="macro")
    )


def test_regression_scores_equal_sklearn():
    df = binary_frame(500)
    df["y"] = 3 * df["x1"] - df["x2"] + np.random.default_rng(2).normal(size=500)
    r = run(df, models=("linear", "boosted"))
    X = df.drop(columns="y")
    yte = df["y"].to_numpy()[r.test_rows]
    for kind in ("linear", "boosted"):
        p = r.models[kind].predict(X.iloc[r.test_rows])
        assert r.score(kind, "rmse") == pytest.approx(
            skm.root_mean_squared_error(yte, p)
        )
        assert r.score(kind, "mae") == pytest.approx(skm.mean_absolute_error(yte, p))
    assert r.metric == "rmse" and not r.higher_is_better
    assert r.lift_over_baseline == pytest.approx(r.best_baseline - r.best_score)


def test_baselines_equal_dummy_classifiers_on_the_split():
    df = binary_frame(500)
    r = run(df, models=("linear",))
    y = df["y"].to_numpy()
    dummy = DummyClassifier(strategy="prior").fit(
        np.zeros((len(r.train_rows), 1)), y[r.train_rows]
    )
    p = dummy.predict_proba(np.zeros((len(r.test_rows), 1)))[:, 1]
    yte = y[r.test_rows]
    assert r.score("prior", "log_loss") == pytest.approx(skm.log_loss(yte, p))
    majority = np.bincount(y[r.train_rows]).argmax()
    expected = np.mean(yte == majority)
    assert r.score("most_frequent", "accuracy") == pytest.approx(expected)
    assert r.best_baseline == pytest.approx(0.5)  # ROC AUC of a constant


def test_string_labels_with_positive_label():
    df = binary_frame(400)
    df["y"] = np.where(df["y"] == 1, "yes", "no")
    r = run(df, positive_label="yes", models=("linear",))
    assert r.task == "binary" and r.positive_label == "yes"
    assert r.classes == ("no", "yes")
    X = df.drop(columns="y")
    yte = (df["y"].to_numpy() == "yes")[r.test_rows]
    p = r.models["linear"].predict_proba(X.iloc[r.test_rows])[:, 1]
    assert r.score("linear") == pytest.approx(skm.roc_auc_score(yte, p))


def test_metric_argument_becomes_primary():
    df = binary_frame(400)
    r = run(df, metric="average_precision", models=("linear",))
    assert r.metric == "average_precision"
    assert r.metrics[:2] == ("average_precision", "roc_auc")
    assert r.best_score == r.score("linear", "average_precision")


def test_goal_metric_is_used_when_set():
    import mlnb

    try:
        mlnb.goal(task="binary", metric="log_loss", target=0.4)
        r = run(binary_frame(300), models=("linear",))
        assert r.metric == "log_loss" and not r.higher_is_better
        assert r.lift_over_baseline == pytest.approx(r.best_baseline - r.best_score)
        # a goal for another task is not used
        mlnb.goal(task="regression", metric="mae", target=1.0)
        assert run(binary_frame(300), models=("linear",)).metric == "roc_auc"
    finally:
        from mlnb.checks.problem.goal import _set_current

        _set_current(None)


# -- the result ------------------------------------------------------------------------


def test_result_tables_record_html_and_plot():
    pytest.importorskip("matplotlib")
    df = binary_frame(400)
    df["<b>odd</b>"] = df["x1"] * 0.1
    r = run(df, models=("linear", "boosted"))
    assert isinstance(r, PrototypeResult) and r.check == "prototype"
    frame = r.to_frame()
    assert list(frame.columns) == ["name", "role", "metric", "score", "fit_seconds"]
    assert len(frame) == (2 + 4) * len(r.metrics)
    assert set(frame[frame.role == "model"]["name"]) == {"linear", "boosted"}
    assert (frame[frame.role == "model"]["fit_seconds"] > 0).all()
    assert list(r.findings.columns) == [
        "column",
        "kind",
        "severity",
        "sentence",
        "value",
    ]
    assert list(r.top_features.columns) == ["feature", "skill", "linear_weight"]
    assert r.top_features["feature"].iloc[0] == "x1"
    json.dumps(r.to_dict())
    json.dumps(r.record())
    assert "models" not in r.to_dict()
    html = r._repr_html_()
    assert "<b>odd</b>" not in html and "&lt;b&gt;odd&lt;/b&gt;" in html
    axes = r.plot()
    assert len(axes) == 2
    assert r.next_steps and "beats the best trivial baseline" in r.next_steps[-1]
    assert "What to do next" in html
    assert r.status == "pass", r.decided_by
    assert set(r.condition_values) >= {
        "best_score",
        "best_baseline",
        "lift_over_baseline",
        "leakage_findings",
        "duplicate_share",
    }


def test_no_lift_over_baselines_warns():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=400), "y": rng.integers(0, 2, 400)})
    r = run(df, models=("dummy",))
    assert r.lift_over_baseline <= 0
    assert r.status == "warn"
    assert "lift_over_baseline" in r.decided_by


def test_conditions_replace_the_defaults():
    df = binary_frame(300)
    strict = [Condition("best_score", ">=", 0.999, name="near perfect")]
    r = run(df, models=("linear",), conditions=strict)
    assert r.status == "fail" and len(r.outcomes) == 1
    assert r.judge().status == "pass"


def test_keyboard_interrupt_keeps_fitted_models(monkeypatch):
    from sklearn.ensemble import HistGradientBoostingClassifier

    def stop(self, *a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(HistGradientBoostingClassifier, "fit", stop)
    r = run(binary_frame(300), models=("linear", "boosted"))
    assert r.partial and list(r.models) == ["linear"]
    assert set(r.to_frame().query("role == 'model'")["name"]) == {"linear"}
    assert r.status == "warn" and r.summary.startswith("interrupted after 1 of 2")
    with pytest.raises(KeyboardInterrupt):
        run(binary_frame(300), models=("boosted", "linear"))


def test_keras_without_tensorflow_names_the_extra(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "tensorflow" else real(name, *a),
    )
    with pytest.raises(MissingDependencyError, match=r"mlnb\[tensorflow\]"):
        run(binary_frame(100), models=("linear", "keras"))


@pytest.mark.parametrize("task", ["binary", "regression"])
def test_keras_model_when_tensorflow_is_installed(require, task):
    require("tensorflow", "tensorflow")
    df = binary_frame(300)
    if task == "regression":
        df["y"] = df["x1"] * 2.0 + 0.1
    r = run(df, models=("linear", "keras"))
    assert "keras" in r.models
    X = df.drop(columns="y").iloc[r.test_rows]
    if task == "binary":
        p = r.models["keras"].predict_proba(X)
        assert p.shape == (len(r.test_rows), 2)
        y = df["y"].to_numpy()[r.test_rows]
        assert r.score("keras") == pytest.approx(skm.roc_auc_score(y, p[:, 1]))
    else:
        assert r.score("keras", "rmse") < df["y"].std()


def test_publish_records_the_step():
    from mlnb.checklist import session

    r = prototype(binary_frame(200), label="y", models=("linear",), progress=False)
    assert any(
        rec["check"] == "prototype" and rec["created"] == r.created
        for rec in session.checks("prototype")
    )


# -- the same numbers from any input ---------------------------------------------------


def _same(a, b):
    assert a.split["kind"] == b.split["kind"]
    np.testing.assert_array_equal(a.test_rows, b.test_rows)
    pd.testing.assert_frame_equal(
        a.to_frame(), b.to_frame().assign(fit_seconds=a.to_frame()["fit_seconds"])
    )
    assert [r["kind"] for r in a.finding_rows] == [r["kind"] for r in b.finding_rows]
    json.dumps(b.to_dict())
    b._repr_html_()


@pytest.mark.parametrize("lib", ["polars", "pyarrow", "dict"])
def test_polars_pyarrow_and_dicts_give_the_same_numbers(lib):
    df = binary_frame(400)
    df.loc[::7, "x2"] = np.nan
    plain = run(df, models=("linear", "boosted"))
    if lib == "polars":
        pl = pytest.importorskip("polars")
        other = pl.from_pandas(df)
    elif lib == "pyarrow":
        pa = pytest.importorskip("pyarrow")
        other = pa.Table.from_pandas(df, preserve_index=False)
    else:
        other = {k: df[k].to_numpy() for k in df.columns}
    _same(plain, run(other, models=("linear", "boosted")))


def test_nullable_dtypes_int_and_tuple_names_give_the_same_numbers():
    df = binary_frame(400)
    df["k"] = np.arange(400) % 7
    df.loc[::9, "k"] = -1
    plain_df = df.copy()
    plain_df["k"] = plain_df["k"].astype(float).where(plain_df["k"] >= 0)
    plain = run(plain_df, models=("linear",))
    nullable = df.copy()
    nullable["k"] = pd.array(np.where(df["k"] >= 0, df["k"], 0), dtype="Int64")
    nullable.loc[df["k"] < 0, "k"] = pd.NA
    nullable["y"] = nullable["y"].astype("Int64")
    nullable["city"] = nullable["city"].astype("string")
    _same(plain, run(nullable, models=("linear",)))
    ints = plain_df.copy()
    ints.columns = [0, 1, 2, 3, 4]
    _same(plain, run(ints, label=3, models=("linear",)))
    tuples = plain_df.copy()
    tuples.columns = pd.MultiIndex.from_tuples(
        [("f", "x1"), ("f", "x2"), ("f", "city"), ("t", "y"), ("f", "k")]
    )
    _same(plain, run(tuples, label=("t", "y"), models=("linear",)))


def test_bool_label_is_binary():
    df = binary_frame(300)
    df["y"] = df["y"].astype(bool)
    r = run(df, models=("linear",))
    assert r.task == "binary" and r.positive_label is True


def test_keras_is_not_imported_by_default():
    import subprocess
    import sys

    code = (
        "import sys, pandas as pd, numpy as np\n"
        "from mlnb.checks.prototype import prototype\n"
        "df = pd.DataFrame({'x': np.arange(60.0), 'y': np.arange(60) % 2})\n"
        "prototype(df, label='y', models=('linear',), publish=False, progress=False)\n"
        "print('tensorflow' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True)
    assert out.stdout.decode().strip() == "False"


@pytest.mark.slow
def test_benchmark_runs_at_a_small_size(capsys, monkeypatch):
    import sys
    from pathlib import Path

    bench = Path(__file__).parents[2] / "benchmarks"
    monkeypatch.syspath_prepend(str(bench))
    import bench_prototype

    assert bench_prototype.main(["--rows", "3000", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "same numbers: yes" in out and "ratio" in out
    sys.modules.pop("bench_prototype", None)


def test_public_names():
    import mlnb

    assert mlnb.prototype is prototype
    assert mlnb.PrototypeResult is PrototypeResult


@pytest.mark.parametrize("kind", ["tz", "numeric", "polars"])
def test_time_columns_of_every_kind(kind):
    df = binary_frame(200)
    stamps = pd.date_range("2024-03-01", periods=200, freq="37min", tz="Europe/Paris")
    order = np.random.default_rng(5).permutation(200)
    if kind == "tz":
        df["t"] = stamps[order]
        data = df
    elif kind == "numeric":
        df["t"] = stamps[order].asi8 / 1e9
        data = df
    else:
        pl = pytest.importorskip("polars")
        df["t"] = stamps[order]
        data = pl.from_pandas(df)
    r = run(data, time_column="t", models=("linear",))
    later = order[r.test_rows]
    assert later.min() > order[r.train_rows].max()


def test_the_goals_positive_label_is_used_when_none_is_given():
    import mlnb
    from mlnb.checks.problem.goal import _set_current

    rng = np.random.default_rng(5)
    n = 600
    x = rng.normal(size=n)
    income = np.where(x + rng.normal(0, 1, n) > 0.8, ">50K", "<=50K")
    df = pd.DataFrame({"x": x, "z": rng.normal(size=n), "income": income})
    try:
        mlnb.goal(task="binary", metric="roc_auc", target=0.7, positive_label=">50K")
        with_goal = mlnb.prototype(
            df, label="income", models=("linear",), publish=False
        )
    finally:
        _set_current(None)
    given = mlnb.prototype(
        df, label="income", models=("linear",), positive_label=">50K", publish=False
    )
    assert with_goal.score("linear", "roc_auc") == given.score("linear", "roc_auc")
    with pytest.raises(mlnb.MlnbError, match="positive_label"):
        mlnb.prototype(df, label="income", models=("linear",), publish=False)


def test_the_best_score_is_compared_with_the_goals_target():
    import mlnb
    from mlnb.core.conditions import Condition

    rng = np.random.default_rng(8)
    n = 800
    x = rng.normal(size=n)
    y = (x + rng.normal(0, 1, n) > 0).astype(int)
    df = pd.DataFrame({"x": x, "z": rng.normal(size=n), "y": y})
    plain = mlnb.prototype(df, label="y", models=("linear",), publish=False)
    assert np.isnan(plain.condition_values["goal_target"])
    assert "goal's target" not in plain.summary
    best = plain.best_score
    for target, verb in ((0.99, "does not reach yet"), (0.6, "reaches")):
        mlnb.goal(task="binary", metric="roc_auc", target=target)
        r = mlnb.prototype(df, label="y", models=("linear",), publish=False)
        assert r.best_score == best
        assert f"{verb} the goal's target {target:g}" in r.summary
        assert r.condition_values["goal_margin"] == pytest.approx(best - target)
        must = Condition("goal_margin", ">=", 0, status="warn", name="goal reached")
        judged = r.judge([must])
        assert judged.status == ("pass" if target < best else "warn")
    # a goal on another metric is not compared
    mlnb.goal(task="binary", metric="accuracy", target=0.99)
    r = mlnb.prototype(
        df, label="y", models=("linear",), metric="roc_auc", publish=False
    )
    assert np.isnan(r.condition_values["goal_margin"])
