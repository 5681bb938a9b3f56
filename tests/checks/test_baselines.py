"""mlnb.baselines: every trivial score equals scikit-learn's DummyClassifier /
DummyRegressor fitted on y_train and scored on y_test with the same random_state;
the simple models equal the same scikit-learn pipelines fitted by hand."""

from __future__ import annotations

import importlib
import math
import runpy
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm
from sklearn.dummy import DummyClassifier, DummyRegressor

from mlnb.checklist import session
from mlnb.checks.problem import BaselinesResult, baselines, current_goal, goal, trivial

goal_module = importlib.import_module("mlnb.checks.problem.goal")

RTOL = 1e-9
CLASSIFIERS = ("most_frequent", "prior", "stratified", "uniform")


@pytest.fixture(autouse=True)
def no_goal():
    goal_module._set_current(None)
    yield
    goal_module._set_current(None)


def sk_classification(ytr, yte, strategy, *, rs=0, pos=None, w=None, wtr=None):
    """The companions of one DummyClassifier strategy, computed by scikit-learn."""
    d = DummyClassifier(strategy=strategy, random_state=rs)
    d.fit(np.zeros((len(ytr), 1)), ytr, sample_weight=wtr)
    X = np.zeros((len(yte), 1))
    pred, proba = d.predict(X), d.predict_proba(X)
    out = {
        "accuracy": skm.accuracy_score(yte, pred, sample_weight=w),
        "balanced_accuracy": skm.balanced_accuracy_score(yte, pred, sample_weight=w),
        "log_loss": skm.log_loss(yte, proba, labels=d.classes_, sample_weight=w),
    }
    if pos is not None:
        j = list(d.classes_).index(pos)
        y = np.asarray(yte) == pos
        out["f1"] = skm.f1_score(y, np.asarray(pred) == pos, sample_weight=w)
        out["roc_auc"] = skm.roc_auc_score(y, proba[:, j], sample_weight=w)
        out["average_precision"] = skm.average_precision_score(
            y, proba[:, j], sample_weight=w
        )
        out["precision"] = skm.precision_score(
            y, np.asarray(pred) == pos, sample_weight=w, zero_division=np.nan
        )
        out["recall"] = skm.recall_score(y, np.asarray(pred) == pos, sample_weight=w)
    else:
        out["macro_f1"] = skm.f1_score(
            yte, pred, average="macro", sample_weight=w, zero_division=0.0
        )
        out["roc_auc_ovr"] = skm.roc_auc_score(
            yte, proba, multi_class="ovr", labels=d.classes_, sample_weight=w
        )
    return out


def assert_same(result: BaselinesResult, name: str, expected: dict) -> None:
    for metric, value in expected.items():
        got = result.score(name, metric)
        if math.isnan(value):
            assert math.isnan(got), (name, metric)
        else:
            assert got == pytest.approx(value, rel=RTOL, abs=1e-12), (name, metric)


@pytest.mark.parametrize("share", [0.02, 0.3, 0.5, 0.7, 0.97])
@pytest.mark.parametrize("seed", [0, 7])
def test_binary_equals_dummy_classifier(share, seed):
    rng = np.random.default_rng(seed)
    ytr = (rng.random(2_000) < share).astype(np.int64)
    yte = (rng.random(700) < share).astype(np.int64)
    ytr[:2] = [0, 1]
    yte[:2] = [0, 1]
    r = baselines(ytr, yte, random_state=seed, publish=False)
    assert r.task == "binary" and r.metric == "roc_auc" and r.positive_label == 1
    for s in CLASSIFIERS:
        assert_same(r, s, sk_classification(ytr, yte, s, rs=seed, pos=1))


def test_binary_string_labels_with_positive_first_in_order():
    rng = np.random.default_rng(3)
    ytr = rng.choice(["no", "yes"], size=900, p=[0.35, 0.65])
    yte = rng.choice(["no", "yes"], size=400, p=[0.35, 0.65])
    r = baselines(ytr, yte, positive_label="no", metric="f1", publish=False)
    assert r.classes == ("no", "yes") and r.metric == "f1"
    for s in CLASSIFIERS:
        assert_same(r, s, sk_classification(ytr, yte, s, pos="no"))


def test_sample_and_train_weights():
    rng = np.random.default_rng(11)
    ytr = (rng.random(800) < 0.4).astype(int)
    yte = (rng.random(500) < 0.4).astype(int)
    wtr = rng.random(800) * 3
    w = rng.random(500) * 2
    r = baselines(
        ytr, yte, sample_weight=w, train_weight=wtr, random_state=5, publish=False
    )
    for s in CLASSIFIERS:
        assert_same(r, s, sk_classification(ytr, yte, s, rs=5, pos=1, w=w, wtr=wtr))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_multiclass_equals_dummy_classifier(seed):
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(4))
    ytr = rng.choice(["a", "b", "c", "d"], size=1_500, p=p)
    yte = rng.choice(["a", "b", "c", "d"], size=600, p=p)
    ytr[:4] = yte[:4] = ["a", "b", "c", "d"]
    r = baselines(ytr, yte, random_state=seed + 3, publish=False)
    assert r.task == "multiclass" and r.metric == "accuracy"
    assert r.metrics == (
        "accuracy",
        "balanced_accuracy",
        "macro_f1",
        "roc_auc_ovr",
        "log_loss",
    )
    for s in CLASSIFIERS:
        assert_same(r, s, sk_classification(ytr, yte, s, rs=seed + 3))


def test_multiclass_weighted_and_micro_f1():
    rng = np.random.default_rng(8)
    ytr = rng.integers(0, 3, 1000)
    yte = rng.integers(0, 3, 300)
    w = rng.random(300)
    r = baselines(ytr, yte, metric="micro_f1", sample_weight=w, publish=False)
    for s in CLASSIFIERS:
        exp = sk_classification(ytr, yte, s, w=w)
        d = DummyClassifier(strategy=s, random_state=0).fit(np.zeros((1000, 1)), ytr)
        exp["micro_f1"] = skm.f1_score(
            yte, d.predict(np.zeros((300, 1))), average="micro", sample_weight=w
        )
        assert_same(r, s, exp)


def test_one_vs_rest_equals_dummy_on_the_folded_label():
    rng = np.random.default_rng(4)
    ytr = rng.choice(["x", "y", "z"], size=600)
    yte = rng.choice(["x", "y", "z"], size=300)
    r = baselines(ytr, yte, task="binary", positive_label="y", publish=False)
    assert r.positive_label is True
    inferred = baselines(ytr, yte, positive_label="y", publish=False)
    assert inferred.task == "binary" and "positive_label='y'" in inferred.notes[0]
    pd.testing.assert_frame_equal(inferred.to_frame(), r.to_frame())
    for s in CLASSIFIERS:
        assert_same(r, s, sk_classification(ytr == "y", yte == "y", s, pos=True))
    assert any("against the rest" in n for n in r.notes)


@pytest.mark.parametrize("weighted", [False, True])
def test_regression_equals_dummy_regressor(weighted):
    rng = np.random.default_rng(2)
    ytr = rng.lognormal(size=1_001)
    yte = rng.lognormal(size=400)
    wtr = rng.random(1_001) if weighted else None
    w = rng.random(400) if weighted else None
    r = baselines(ytr, yte, sample_weight=w, train_weight=wtr, publish=False)
    assert r.task == "regression" and r.metric == "rmse"
    for s in ("mean", "median"):
        d = DummyRegressor(strategy=s).fit(np.zeros((1_001, 1)), ytr, sample_weight=wtr)
        pred = d.predict(np.zeros((400, 1)))
        assert_same(
            r,
            s,
            {
                "mae": skm.mean_absolute_error(yte, pred, sample_weight=w),
                "rmse": skm.root_mean_squared_error(yte, pred, sample_weight=w),
                "r2": skm.r2_score(yte, pred, sample_weight=w),
            },
        )


def test_regression_constant_test_label_r2_as_sklearn():
    r = baselines([1.5, 2.5, 3.5], [2.5, 2.5], publish=False)
    assert r.score("mean", "r2") == skm.r2_score([2.5, 2.5], [2.5, 2.5]) == 1.0
    assert r.score("median", "r2") == 1.0


@settings(max_examples=40)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(2, 5),
    st.integers(1, 300),
    st.floats(0.05, 20.0),
)
def test_draws_equal_dummy_classifier_predictions(seed, k, n, alpha):
    rng = np.random.default_rng(seed % 1000)
    prior = rng.dirichlet(np.full(k, alpha))
    counts = np.maximum(np.round(prior * 1000).astype(int), 1)
    ytr = np.repeat(np.arange(k), counts)
    d = DummyClassifier(strategy="stratified", random_state=seed)
    d.fit(np.zeros((len(ytr), 1)), ytr)
    expected = d.predict(np.zeros((n, 1)))
    got = trivial.stratified(counts / counts.sum(), n, seed)
    assert np.array_equal(got, expected)
    u = DummyClassifier(strategy="uniform", random_state=seed)
    u.fit(np.zeros((len(ytr), 1)), ytr)
    assert np.array_equal(trivial.uniform(k, n, seed), u.predict(np.zeros((n, 1))))


def test_binary_draw_edge_priors():
    for p0 in (0.0, 1.0, 0.5, 1e-12, 1 - 1e-12):
        prior = np.array([p0, 1 - p0])
        rs = np.random.RandomState(9)
        expected = rs.multinomial(1, prior, size=500).argmax(axis=1)
        assert np.array_equal(trivial.stratified(prior, 500, 9), expected), p0


# -- the goal and the status ---------------------------------------------------------


def test_without_a_goal_the_status_fails_and_says_call_goal():
    r = baselines([0, 1, 0, 0], [0, 1], publish=False)
    assert r.status == "fail"
    assert "mlnb.goal(" in r.summary
    assert r.condition_values["goal_set"] == 0
    assert r.goal_target is None


def test_goal_metric_and_target_beat_or_not():
    ytr = np.array([0] * 90 + [1] * 10)
    yte = np.array([0] * 45 + [1] * 5)
    goal(task="binary", metric="accuracy", target=0.85, users="u", decision="d")
    r = baselines(ytr, yte, publish=False)
    assert r.metric == "accuracy" and r.goal_target == 0.85
    assert r.best().name == "most_frequent" and r.best().score == 0.9
    assert r.status == "fail"
    assert "0.85" in r.summary and "0.9" in r.summary
    goal(task="binary", metric="accuracy", target=0.95)
    r = baselines(ytr, yte, publish=False)
    assert r.status == "pass"
    assert r.condition_values["target_margin"] == pytest.approx(0.05)


def test_lower_is_better_goal():
    goal(task="regression", metric="mae", target=0.5)
    r = baselines([1.0, 2.0, 3.0, 10.0], [2.0, 3.0, 4.0], publish=False)
    best = r.best()
    assert best.name == "median" and best.score == pytest.approx(2.5 / 3)
    assert r.status == "pass"
    goal(task="regression", metric="mae", target=1.0)
    assert baselines([1.0, 2.0, 3.0, 10.0], [2.0, 3.0, 4.0], publish=False).status == (
        "fail"
    )


def test_goal_for_another_task_is_not_used():
    goal(task="regression", metric="mae", target=1.0)
    r = baselines([0, 1, 0, 1], [0, 1], task="binary", publish=False)
    assert r.status == "fail" and "regression" in r.summary
    assert r.metric == "roc_auc"


def test_goal_positive_label_is_used():
    goal(task="binary", metric="recall", target=0.6, positive_label="spam")
    r = baselines(["spam", "ham", "ham"], ["ham", "spam"], publish=False)
    assert r.positive_label == "spam" and r.task == "binary"


def test_publish_records_for_step_problem():
    r = baselines([0, 1, 1], [1, 0])
    rec = session.latest("problem")
    assert rec["check"] == "baselines" and rec["status"] == r.status
    assert rec["metrics"]["most_frequent_roc_auc"] == 0.5
    assert current_goal() is None


# -- task inference -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ytr", "task"),
    [
        ([True, False, True], "binary"),
        ([0, 1, 1], "binary"),
        (["a", "b", "c"], "multiclass"),
        ([0, 1, 2, 3], "multiclass"),
        ([0.5, 1.5, 2.0], "regression"),
        (list(range(30)), "regression"),
        ([0.0, 1.0, 2.0], "multiclass"),
    ],
)
def test_task_inference(ytr, task):
    r = baselines(ytr, ytr, publish=False)
    assert r.task == task
    assert r.notes[0].startswith(f"task inferred as {task}")


# -- frame, best, html, plot ----------------------------------------------------------


def test_frame_best_html_plot():
    rng = np.random.default_rng(0)
    ytr = (rng.random(300) < 0.2).astype(int)
    yte = (rng.random(100) < 0.2).astype(int)
    goal(task="binary", metric="average_precision", target=0.4)
    r = baselines(ytr, yte, publish=False)
    f = r.to_frame()
    assert list(f.columns) == [
        "name",
        "kind",
        "metric",
        "score",
        "higher_is_better",
        "primary",
    ]
    assert len(f) == 4 * 8
    assert set(f.loc[f.primary, "metric"]) == {"average_precision"}
    row = f[(f.name == "prior") & (f.metric == "log_loss")].iloc[0]
    assert not row.higher_is_better and row.kind == "trivial"
    assert r.best("log_loss").name == "prior"
    html = r._repr_html_()
    assert "most_frequent" in html and "<script" not in html
    ax = r.plot()
    assert len(ax.patches) == 4
    assert r.to_dict()["metric"] == "average_precision"


def test_registered_user_metric_as_goal():
    from mlnb.core import metrics as M

    M.register_metric(
        "brier_test",
        lambda y, p, sample_weight=None: float(
            np.average((p - y) ** 2, weights=sample_weight)
        ),
        task="binary",
        higher_is_better=False,
        range=(0.0, 1.0),
    )
    try:
        ytr = np.array([0, 0, 0, 1])
        yte = np.array([0, 1, 0, 0])
        r = baselines(ytr, yte, metric="brier_test", publish=False)
        d = DummyClassifier(strategy="prior").fit(np.zeros((4, 1)), ytr)
        p = d.predict_proba(np.zeros((4, 1)))[:, 1]
        assert r.score("prior") == pytest.approx(skm.brier_score_loss(yte, p))
    finally:
        M.unregister_metric("brier_test")


# -- the simple models ----------------------------------------------------------------


def adult_like(n, seed):
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 80, n).astype(float)
    hours = rng.normal(40, 10, n)
    job = rng.choice(["a", "b", "c", "d"], n)
    noise = rng.normal(size=n)
    logit = 0.08 * (age - 45) + 0.8 * (job == "a") + 0.2 * noise
    y = (logit > 0.5).astype(int)
    age[rng.random(n) < 0.05] = np.nan
    return pd.DataFrame({"age": age, "hours": hours, "job": job}), y


def test_models_linear_equals_a_pipeline_by_hand():
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    Xtr, ytr = adult_like(2_000, 0)
    Xte, yte = adult_like(600, 1)
    r = baselines(ytr, yte, X_train=Xtr, X_test=Xte, publish=False)
    assert r.names == (*CLASSIFIERS, "one_feature", "linear")
    assert r.kinds["linear"] == "model"
    pre = ColumnTransformer(
        [
            (
                "num",
                make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
                ["age", "hours"],
            ),
            (
                "cat",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"),
                    OneHotEncoder(
                        handle_unknown="infrequent_if_exist", max_categories=20
                    ),
                ),
                ["job"],
            ),
        ]
    )
    model = make_pipeline(pre, LogisticRegression(max_iter=1000)).fit(Xtr, ytr)
    proba = model.predict_proba(Xte)[:, 1]
    assert r.score("linear") == pytest.approx(skm.roc_auc_score(yte, proba), rel=1e-6)
    assert r.score("linear", "accuracy") == pytest.approx(
        skm.accuracy_score(yte, model.predict(Xte)), rel=1e-6
    )
    assert r.score("linear") > r.best().score


def test_one_feature_picks_the_planted_feature_and_equals_a_tree():
    from sklearn.tree import DecisionTreeClassifier

    rng = np.random.default_rng(3)
    n = 3_000
    X = pd.DataFrame(
        {
            "noise1": rng.normal(size=n),
            ("tuple", 1): rng.normal(size=n),
            7: rng.normal(size=n),
        }
    )
    y = (X[("tuple", 1)] + 0.3 * rng.normal(size=n) > 0).astype(int).to_numpy()
    r = baselines(
        y[:2000], y[2000:], X_train=X.iloc[:2000], X_test=X.iloc[2000:], publish=False
    )
    assert r.one_feature == ("tuple", 1)
    tree = DecisionTreeClassifier(max_depth=3, random_state=0)
    tree.fit(X.iloc[:2000][[("tuple", 1)]].to_numpy(), y[:2000])
    proba = tree.predict_proba(X.iloc[2000:][[("tuple", 1)]].to_numpy())[:, 1]
    assert r.score("one_feature") == pytest.approx(
        skm.roc_auc_score(y[2000:], proba), rel=1e-9
    )


def test_models_for_regression_and_multiclass():
    rng = np.random.default_rng(5)
    n = 1_200
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.choice(["u", "v"], n)})
    y = 3 * X["a"].to_numpy() + (X["b"] == "u") + 0.1 * rng.normal(size=n)
    r = baselines(y[:900], y[900:], X_train=X[:900], X_test=X[900:], publish=False)
    assert r.one_feature == "a"
    assert r.score("linear", "r2") > 0.9 > r.score("mean", "r2")
    yc = np.digitize(y, [-1, 1])
    r = baselines(yc[:900], yc[900:], X_train=X[:900], X_test=X[900:], publish=False)
    assert r.task == "multiclass"
    assert r.score("linear") > r.best().score


# -- benchmark smoke test -------------------------------------------------------------


def test_benchmark_runs_at_a_small_size(capsys):
    path = Path(__file__).parents[2] / "benchmarks" / "bench_baselines.py"
    sys.path.insert(0, str(path.parent))
    try:
        mod = runpy.run_path(str(path), run_name="bench")
        assert mod["main"](["--n", "20000", "--peer-n", "20000", "--repeat", "1"]) == 0
    finally:
        sys.path.remove(str(path.parent))
    out = capsys.readouterr().out
    assert "ratio" in out and "baselines" in out


# -- property: any labels, any weights ------------------------------------------------


@settings(max_examples=60)
@given(
    seed=st.integers(0, 10_000),
    k=st.integers(2, 5),
    n_train=st.integers(2, 120),
    n_test=st.integers(1, 80),
    weighted=st.booleans(),
    strings=st.booleans(),
)
def test_property_equals_dummy_classifier(seed, k, n_train, n_test, weighted, strings):
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.full(k, 0.7))
    ytr = rng.choice(k, n_train, p=p)
    ytr[:2] = [0, 1]  # two training classes at least
    yte = rng.choice(k, n_test, p=p)
    if strings:
        names = np.array([f"c{i}" for i in range(k)], dtype=object)
        ytr, yte = names[ytr], names[yte]
    classes = sorted(set(ytr) | set(yte))
    task = "binary" if len(classes) == 2 else "multiclass"
    wtr = rng.random(n_train) + 0.1 if weighted else None
    w = rng.random(n_test) + 0.1 if weighted else None
    pos = classes[-1] if task == "binary" else None
    r = baselines(
        ytr,
        yte,
        task=task,
        positive_label=pos,
        sample_weight=w,
        train_weight=wtr,
        random_state=seed,
        publish=False,
    )
    unseen = not set(yte) <= set(ytr)
    for s in CLASSIFIERS:
        d = DummyClassifier(strategy=s, random_state=seed)
        d.fit(np.zeros((n_train, 1)), ytr, sample_weight=wtr)
        X = np.zeros((n_test, 1))
        pred, proba = d.predict(X), d.predict_proba(X)
        exp = {"accuracy": skm.accuracy_score(yte, pred, sample_weight=w)}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exp["balanced_accuracy"] = skm.balanced_accuracy_score(
                yte, pred, sample_weight=w
            )
        if task == "binary":
            y = yte == pos
            exp["f1"] = skm.f1_score(
                y, pred == pos, sample_weight=w, zero_division=np.nan
            )
            j = list(d.classes_).index(pos) if pos in d.classes_ else None
            if j is not None and 0 < y.sum() < len(y):
                exp["roc_auc"] = skm.roc_auc_score(y, proba[:, j], sample_weight=w)
            if j is not None and y.sum() > 0:
                exp["average_precision"] = skm.average_precision_score(
                    y, proba[:, j], sample_weight=w
                )
        else:
            exp["macro_f1"] = skm.f1_score(
                yte, pred, average="macro", sample_weight=w, zero_division=0.0
            )
        if unseen:
            assert math.isnan(r.score(s, "log_loss"))
        elif len(set(yte)) > 1:
            exp["log_loss"] = skm.log_loss(
                yte, proba, labels=d.classes_, sample_weight=w
            )
        assert_same(r, s, exp)


def test_explicit_metric_other_than_the_goal_keeps_the_goal_condition():
    goal(task="binary", metric="accuracy", target=0.95)
    ytr = np.array([0] * 90 + [1] * 10)
    yte = np.array([0] * 45 + [1] * 5)
    r = baselines(ytr, yte, metric="recall", publish=False)
    assert r.metric == "recall" and r.metrics[0] == "recall"
    assert "accuracy" in r.metrics
    assert r.goal_target is None  # the target is not on the primary metric
    assert r.condition_values["best_trivial_score"] == 0.9  # judged on accuracy
    assert r.status == "pass"


def test_summary_names_the_best_simple_model_and_whether_it_meets_the_goal():
    Xtr, ytr = adult_like(1_500, 0)
    Xte, yte = adult_like(500, 1)
    goal(task="binary", metric="roc_auc", target=0.6)
    r = baselines(ytr, yte, X_train=Xtr, X_test=Xte, publish=False)
    best = r.best(kind="model")
    assert best.score == max(r.score("linear"), r.score("one_feature"))
    assert f"best simple model: {best.name}" in r.summary
    assert "(it already meets the target)" in r.summary
    assert r.condition_values["best_model_score"] == best.score


def test_progress_bar_and_interrupt(capsys, monkeypatch):
    Xtr, ytr = adult_like(400, 0)
    Xte, yte = adult_like(200, 1)
    baselines(ytr, yte, X_train=Xtr, X_test=Xte, progress=False, publish=False)
    assert "baselines: models" not in capsys.readouterr().err
    models = importlib.import_module("mlnb.checks.problem.models")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(models.modeling, "pipeline", interrupted)
    session.clear()
    with pytest.raises(KeyboardInterrupt):
        baselines(ytr, yte, X_train=Xtr, X_test=Xte, progress=False)
    assert session.latest("problem") is None


def test_models_fit_on_a_random_sample_of_large_training_sets(monkeypatch):
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    models = importlib.import_module("mlnb.checks.problem.models")
    monkeypatch.setattr(models, "MAX_FIT_ROWS", 300)
    monkeypatch.setattr(models, "SELECTION_ROWS", 100)
    rng = np.random.default_rng(9)
    X = pd.DataFrame({"a": rng.normal(size=1_000), "b": rng.normal(size=1_000)})
    y = 2 * X["a"].to_numpy() - X["b"].to_numpy() + rng.normal(size=1_000)
    r = baselines(
        y[:800], y[800:], X_train=X[:800], X_test=X[800:], random_state=4, publish=False
    )
    assert any("random 300 of the 800" in n for n in r.notes)
    rows = np.sort(np.random.RandomState(4).choice(800, 300, replace=False))
    model = make_pipeline(StandardScaler(), Ridge(alpha=1.0))
    model.fit(X.iloc[rows], y[rows])
    pred = model.predict(X[800:])
    assert r.score("linear", "rmse") == pytest.approx(
        skm.root_mean_squared_error(y[800:], pred), rel=1e-9
    )
    assert r.score("mean", "rmse") == pytest.approx(
        skm.root_mean_squared_error(y[800:], np.full(200, y[:800].mean())), rel=1e-9
    )


@settings(max_examples=40)
@given(
    seed=st.integers(0, 10_000),
    n_train=st.integers(1, 60),
    n_test=st.integers(1, 40),
    weighted=st.booleans(),
    ints=st.booleans(),
)
def test_property_equals_dummy_regressor(seed, n_train, n_test, weighted, ints):
    rng = np.random.default_rng(seed)
    ytr = rng.normal(10, 5, n_train)
    yte = rng.normal(10, 5, n_test)
    if ints:
        ytr, yte = np.round(ytr * 10).astype(int), np.round(yte * 10).astype(int)
    wtr = rng.random(n_train) + 0.01 if weighted else None
    w = rng.random(n_test) + 0.01 if weighted else None
    r = baselines(
        ytr,
        yte,
        task="regression",
        sample_weight=w,
        train_weight=wtr,
        publish=False,
    )
    for s in ("mean", "median"):
        d = DummyRegressor(strategy=s).fit(np.zeros((n_train, 1)), ytr, wtr)
        pred = d.predict(np.zeros((n_test, 1)))
        exp = {
            "mae": skm.mean_absolute_error(yte, pred, sample_weight=w),
            "rmse": skm.root_mean_squared_error(yte, pred, sample_weight=w),
        }
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # R² of one row
            exp["r2"] = skm.r2_score(yte, pred, sample_weight=w)
        assert_same(r, s, exp)
