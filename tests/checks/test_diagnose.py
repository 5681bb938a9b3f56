"""Step 5: ``mlnb.diagnose`` against scikit-learn's own functions on the same folds.

Oracles: ``learning_curve`` (shuffle=False), ``permutation_importance``,
``cross_validate`` with the same folds for the dummy model, the families, their
ensemble and the ablated features, and hand computations (``np.polyfit`` for the
more-data slope, Nadeau & Bengio's corrected variance). Never mlnb's own output.
"""

from __future__ import annotations

import json
import math
import sys
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification, make_regression
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import VotingClassifier
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import (
    KFold,
    StratifiedKFold,
    cross_validate,
    learning_curve,
)
from sklearn.tree import DecisionTreeClassifier

import mlnb
from mlnb import Condition
from mlnb.checklist import session
from mlnb.checks.accuracy import Diagnosis, diagnose
from mlnb.checks.accuracy import diagnosis as diagnose_module

modeling = pytest.importorskip("mlnb.checks.modeling")


@pytest.fixture(autouse=True)
def _one_thread():
    """Histogram gradient boosting's OpenMP threads spin for seconds on a shared,
    oversubscribed CI machine; one thread keeps these small fits fast."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


@pytest.fixture(autouse=True)
def no_goal():
    """No step-1 goal left over from another test, before or after."""

    def clear():
        module = sys.modules.get("mlnb.checks.problem.goal")
        if module is not None:
            module._set_current(None)

    clear()
    yield
    clear()


def clf_data(n=300, seed=0, p=6):
    X, y = make_classification(
        n, p, n_informative=3, n_redundant=1, random_state=seed, flip_y=0.05
    )
    return pd.DataFrame(X, columns=[f"f{i}" for i in range(p)]), y


def run(est, X, y, **kw):
    kw.setdefault("publish", False)
    kw.setdefault("progress", False)
    kw.setdefault("families", ())
    kw.setdefault("ablate", ())
    return diagnose(est, X, y, **kw)


# -- learning curve ------


@pytest.mark.parametrize(
    "scoring, cv, train_sizes",
    [
        ("roc_auc", 5, None),
        ("accuracy", 3, [0.2, 0.5, 1.0]),
        ("neg_log_loss", StratifiedKFold(4, shuffle=True, random_state=3), [40, 90]),
    ],
)
def test_learning_curve_equals_sklearn(scoring, cv, train_sizes):
    X, y = clf_data()
    est = LogisticRegression(C=0.5)
    d = run(est, X, y, scoring=scoring, cv=cv, train_sizes=train_sizes)
    kw = {} if train_sizes is None else {"train_sizes": train_sizes}
    sizes, tr, te = learning_curve(
        est, X, y, cv=cv, scoring=scoring, shuffle=False, **kw
    )
    lc = d.learning_curve
    assert list(lc.columns) == [
        "train_size",
        "train_score",
        "valid_score",
        "train_score_std",
        "valid_score_std",
    ]
    np.testing.assert_array_equal(lc["train_size"], sizes)
    np.testing.assert_allclose(lc["train_score"], tr.mean(axis=1), rtol=1e-12)
    np.testing.assert_allclose(lc["valid_score"], te.mean(axis=1), rtol=1e-12)
    np.testing.assert_allclose(lc["train_score_std"], tr.std(axis=1), atol=1e-12)
    np.testing.assert_allclose(lc["valid_score_std"], te.std(axis=1), atol=1e-12)
    assert d.scoring == scoring
    assert d.complete and d.missing == ()
    # the full-size scores: the curve's last point, or a cross-validation of its own
    # when the sizes stop short of a fold's training rows
    full = cross_validate(est, X, y, cv=cv, scoring=scoring, return_train_score=True)
    assert d.valid_score == pytest.approx(full["test_score"].mean(), rel=1e-12)
    assert d.train_score == pytest.approx(full["train_score"].mean(), rel=1e-12)


def test_regression_curve_and_default_scorer():
    X, y = make_regression(160, 4, noise=8.0, random_state=1)
    cv = KFold(4, shuffle=True, random_state=0)
    d = run(Ridge(), X, y, cv=cv, train_sizes=[0.25, 0.5, 0.75, 1.0])
    assert d.task == "regression" and d.scoring == "neg_root_mean_squared_error"
    sizes, tr, te = learning_curve(
        Ridge(),
        X,
        y,
        cv=cv,
        scoring="neg_root_mean_squared_error",
        train_sizes=[0.25, 0.5, 0.75, 1.0],
    )
    np.testing.assert_allclose(d.learning_curve["valid_score"], te.mean(axis=1))
    dummy = cross_validate(
        DummyRegressor(), X, y, cv=cv, scoring="neg_root_mean_squared_error"
    )
    assert d.dummy_score == pytest.approx(dummy["test_score"].mean(), rel=1e-12)


def test_more_data_is_the_slope_per_doubling_over_the_last_points():
    X, y = clf_data(n=400)
    d = run(LogisticRegression(), X, y, cv=5)
    sizes, _, te = learning_curve(
        LogisticRegression(), X, y, cv=5, scoring="roc_auc", shuffle=False
    )
    x = np.log2(sizes[-3:])
    slopes = [np.polyfit(x, te[-3:, f], 1)[0] for f in range(5)]
    assert d.more_data["slope_per_doubling"] == pytest.approx(np.mean(slopes))
    assert d.more_data["gain_at_2x"] == pytest.approx(np.mean(slopes))
    assert d.more_data["gain_se"] == pytest.approx(
        np.std(slopes, ddof=1) / math.sqrt(5)
    )
    assert d.condition_values["more_data_gain"] == pytest.approx(np.mean(slopes))
    assert "upper estimate" in d.more_data["assumption"]


# -- the gap, the dummy and the verdict ------


def corrected_z(a, b, n_train, n_test):
    diff = np.asarray(b) - np.asarray(a)
    se = math.sqrt((1 / len(diff) + n_test / n_train) * diff.var(ddof=1))
    return diff.mean() / se


def test_gap_dummy_and_overfitting_verdict():
    X, y = clf_data(n=300, seed=4)
    tree = DecisionTreeClassifier(random_state=0)
    d = run(tree, X, y, scoring="accuracy")
    cv = cross_validate(tree, X, y, cv=5, scoring="accuracy", return_train_score=True)
    dummy = cross_validate(
        DummyClassifier(strategy="prior"), X, y, cv=5, scoring="accuracy"
    )
    assert d.valid_score == pytest.approx(cv["test_score"].mean())
    assert d.train_score == pytest.approx(cv["train_score"].mean())
    assert d.train_valid_gap == pytest.approx(
        cv["train_score"].mean() - cv["test_score"].mean()
    )
    assert d.dummy_score == pytest.approx(dummy["test_score"].mean())
    room = 1.0 - dummy["test_score"].mean()
    assert d.condition_values["relative_gap"] == pytest.approx(d.train_valid_gap / room)
    z = corrected_z(dummy["test_score"], cv["test_score"], 240, 60)
    assert d.condition_values["dummy_gain_z"] == pytest.approx(z)
    assert d.verdict == "overfitting" and d.status == "warn"
    assert "relative_gap" in d.decided_by
    assert any(d.suggestions["suggestion"].str.startswith("Regularise"))


def test_a_model_that_learns_nothing_fails():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    y = rng.integers(0, 2, 200)
    d = run(LogisticRegression(), X, y)
    assert d.status == "fail"
    assert "dummy_gain_z" in d.decided_by
    assert d.condition_values["dummy_gain_z"] <= 2


def test_underfitting_when_another_family_wins_beyond_noise():
    # XOR of two features: a linear model cannot learn it, a forest can
    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.uniform(-1, 1, size=(300, 2)), columns=["u", "v"])
    y = ((X["u"] > 0) ^ (X["v"] > 0)).astype(int).to_numpy()
    d = run(LogisticRegression(), X, y, families=("linear", "forest"))
    assert d.verdict == "underfitting"
    assert d.best_family in ("forest", "ensemble")
    assert d.condition_values["best_family_z"] > 2
    outcome = d.conditions.set_index("condition").loc[
        "no other model family beats yours"
    ]
    assert outcome["status"] == "warn"
    top = d.suggestions.iloc[0]
    assert top["kind"] in ("family", "ensemble") and top["strength"] > 2


# -- families, ensemble, importance, ablation ------


def test_families_and_ensemble_equal_cross_validate_on_the_same_folds():
    X, y = clf_data(n=240, seed=2)
    cv = StratifiedKFold(4, shuffle=True, random_state=7)
    d = run(LogisticRegression(), X, y, cv=cv, families=("linear", "forest"))
    folds = list(cv.split(X, y))
    models = d.models.set_index("kind")
    pipes = {
        k: modeling.pipeline(k, X, task="binary", random_state=0)
        for k in ("linear", "forest")
    }
    rows = d.models.set_index("model")
    for kind, pipe in pipes.items():
        ref = cross_validate(pipe, X, y, cv=folds, scoring="roc_auc")
        name = diagnose_module.fam.FAMILY_NAMES[kind]
        assert rows.loc[name, "valid_score"] == pytest.approx(
            ref["test_score"].mean(), rel=1e-12
        )
    vote = VotingClassifier(list(pipes.items()), voting="soft")
    ref = cross_validate(vote, X, y, cv=folds, scoring="roc_auc")
    assert models.loc["ensemble", "valid_score"] == pytest.approx(
        ref["test_score"].mean(), rel=1e-12
    )
    yours = cross_validate(LogisticRegression(), X, y, cv=folds, scoring="roc_auc")
    gain = ref["test_score"] - yours["test_score"]
    assert models.loc["ensemble", "gain"] == pytest.approx(gain.mean())
    z = corrected_z(yours["test_score"], ref["test_score"], 180, 60)
    assert models.loc["ensemble", "z"] == pytest.approx(z)


def test_permutation_importance_on_the_first_fold_equals_sklearn():
    X, y = clf_data(n=250, seed=5)
    est = LogisticRegression()
    d = run(est, X, y, n_repeats=4, random_state=11)
    tr, te = next(StratifiedKFold(5).split(X, y))
    model = LogisticRegression().fit(X.iloc[tr], y[tr])
    ref = permutation_importance(
        model, X.iloc[te], y[te], scoring="roc_auc", n_repeats=4, random_state=11
    )
    imp = d.importance.set_index("feature").loc[list(X.columns)]
    np.testing.assert_allclose(imp["importance_mean"], ref.importances_mean)
    np.testing.assert_allclose(imp["importance_std"], ref.importances_std)
    # sorted by importance, largest first
    assert d.importance["importance_mean"].is_monotonic_decreasing


def test_permutation_importance_on_x_valid_equals_sklearn():
    X, y = clf_data(n=300, seed=6)
    Xv, yv = X.iloc[200:], y[200:]
    X, y = X.iloc[:200], y[:200]
    d = run(LogisticRegression(), X, y, X_valid=Xv, y_valid=yv, random_state=3)
    model = LogisticRegression().fit(X, y)
    ref = permutation_importance(
        model, Xv, yv, scoring="roc_auc", n_repeats=5, random_state=3
    )
    imp = d.importance.set_index("feature").loc[list(X.columns)]
    np.testing.assert_allclose(imp["importance_mean"], ref.importances_mean)
    from sklearn.metrics import roc_auc_score

    assert d.holdout_score == pytest.approx(
        roc_auc_score(yv, model.predict_proba(Xv)[:, 1])
    )


def test_ablation_finds_a_feature_that_hurts():
    # 30 pure-noise features hurt a 1-nearest-neighbour model; ablating one of the
    # informative ones lowers the score
    X, y = clf_data(n=240, seed=8, p=4)
    from sklearn.neighbors import KNeighborsClassifier

    rng = np.random.default_rng(0)
    X["noise"] = rng.normal(scale=8.0, size=len(X))
    knn = KNeighborsClassifier(5)
    d = run(knn, X, y, ablate=["noise", "f0"], scoring="accuracy")
    folds = list(StratifiedKFold(5).split(X, y))
    full = cross_validate(knn, X, y, cv=folds, scoring="accuracy")["test_score"]
    Xn = X.copy()
    Xn["noise"] = X["noise"].mode().iloc[0]
    without = cross_validate(knn, Xn, y, cv=folds, scoring="accuracy")["test_score"]
    row = d.importance.set_index("feature").loc["noise"]
    assert row["ablation_gain"] == pytest.approx((without - full).mean())
    assert row["hurts"] and row["ablation_z"] > 2
    assert math.isnan(d.importance.set_index("feature").loc["f1", "ablation_gain"])
    assert d.condition_values["n_hurting_features"] == 1
    drop = d.suggestions[d.suggestions["kind"] == "feature"]
    assert drop["suggestion"].iloc[0] == "Drop feature 'noise'"


def test_default_ablation_takes_the_least_important_features():
    X, y = clf_data(n=200, seed=9, p=8)
    d = run(LogisticRegression(), X, y, ablate=None)
    imp = d.importance
    ablated = imp[imp["ablation_gain"].notna()]["feature"].tolist()
    lowest = imp.sort_values("importance_mean", kind="stable")["feature"][:5].tolist()
    assert sorted(ablated) == sorted(lowest)


# -- suggestions ------


def test_suggestions_follow_the_ranking_rule():
    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.uniform(-1, 1, size=(300, 3)), columns=["u", "v", "w"])
    y = ((X["u"] > 0) ^ (X["v"] > 0)).astype(int).to_numpy()
    d = run(LogisticRegression(), X, y, families=("linear", "forest"), ablate=True)
    s = d.suggestions
    assert list(s.columns) == [
        "rank",
        "suggestion",
        "kind",
        "evidence",
        "expected_gain",
        "strength",
    ]
    assert s["rank"].tolist() == list(range(1, len(s) + 1))
    tier = [
        1 if k == "verdict" else (0 if st > 2 else 2)
        for k, st in zip(s["kind"], s["strength"])
    ]
    assert tier == sorted(tier)
    for t in (0, 2):
        gains = s["expected_gain"][[x == t for x in tier]].tolist()
        assert gains == sorted(gains, reverse=True)
    assert (s["expected_gain"].dropna() > 0).all()
    assert (s["strength"].dropna() >= 1).all()
    assert d.to_frame().equals(s)


# -- conditions, goal, interruption ------


def test_goal_sets_the_scorer_and_the_target(monkeypatch):
    X, y = clf_data(n=200, seed=3)
    goal = SimpleNamespace(task="binary", metric="average_precision", target=0.999)
    monkeypatch.setattr(diagnose_module, "_current_goal", lambda: goal)
    d = run(LogisticRegression(), X, y)
    assert d.scoring == "average_precision"
    assert d.condition_values["goal_margin"] == pytest.approx(d.valid_score - 0.999)
    outcome = d.conditions.set_index("condition").loc["reaches the goal's target"]
    assert outcome["status"] == "warn"
    # a loss: the goal's target is a log loss, the scorer its negative
    goal = SimpleNamespace(task="binary", metric="log_loss", target=5.0)
    monkeypatch.setattr(diagnose_module, "_current_goal", lambda: goal)
    d = run(LogisticRegression(), X, y)
    assert d.scoring == "neg_log_loss"
    assert d.condition_values["goal_margin"] == pytest.approx(5.0 + d.valid_score)


def test_conditions_replace_the_defaults_and_judge_rejudges():
    X, y = clf_data(n=200)
    d = run(LogisticRegression(), X, y, conditions=[Condition("valid_score", ">=", 2)])
    assert d.status == "fail" and len(d.conditions) == 1
    again = d.judge()
    assert len(again.conditions) == len(Diagnosis.DEFAULT_CONDITIONS)
    assert again.valid_score == d.valid_score


class Calls(list):
    """A list shared by every clone (clone() deep-copies parameters)."""

    def __deepcopy__(self, memo):
        return self


class FitCounter(ClassifierMixin, BaseEstimator):
    """Logistic regression that raises KeyboardInterrupt on its ``stop_at``-th fit
    (counted across clones through a shared list)."""

    def __init__(self, stop_at=10**9, calls=None):
        self.stop_at = stop_at
        self.calls = calls

    def fit(self, X, y):
        self.calls.append(1)
        if len(self.calls) >= self.stop_at:
            raise KeyboardInterrupt
        self.model_ = LogisticRegression().fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        return self.model_.predict(X)

    def predict_proba(self, X):
        return self.model_.predict_proba(X)


@pytest.mark.parametrize(
    "stop_at, missing",
    [
        (3, ("learning_curve", "dummy", "cross_validation", "importance", "ablation")),
        (26, ("ablation",)),
    ],
)
def test_keyboard_interrupt_keeps_the_parts_computed(stop_at, missing):
    X, y = clf_data(n=200)
    d = run(FitCounter(stop_at, Calls()), X, y, ablate=["f0"])
    assert not d.complete
    # families and ensemble are empty (families=()), so nothing else is missing
    expected = [p for p in diagnose_module.PARTS if p in missing]
    assert list(d.missing) == [p for p in expected if p not in ("families", "ensemble")]
    assert d.status in ("info", "warn", "fail")
    assert "interrupted" in d.summary
    if "learning_curve" not in missing:
        ref = learning_curve(
            LogisticRegression(), X, y, cv=5, scoring="roc_auc", shuffle=False
        )[2]
        np.testing.assert_allclose(d.learning_curve["valid_score"], ref.mean(axis=1))
        assert d.importance["importance_mean"].notna().all()
        assert d.importance["ablation_gain"].isna().all()
        assert d.status != "info" or d.decided_by.startswith("complete")
    else:
        assert len(d.learning_curve) == 0 and math.isnan(d.valid_score)
        assert d.status == "info"
    json.dumps(d.to_dict())
    assert "Interrupted" in d._repr_html_()


def test_a_fit_error_on_every_fold_is_a_clear_error():
    X = pd.DataFrame({"a": ["x", "y"] * 50, "b": np.arange(100.0)})
    y = np.array([0, 1] * 50)
    with pytest.raises(mlnb.MlnbValueError, match=r"failed to fit.*Pipeline"):
        run(LogisticRegression(), X, y)


# -- the result ------


def test_result_record_html_plot_and_determinism():
    X, y = clf_data(n=200)
    X = X.rename(columns={"f0": "<script>alert(1)</script>"})
    session.clear()
    d = diagnose(
        LogisticRegression(), X, y, families=("linear",), progress=False, ablate=True
    )
    record = session.latest("accuracy")
    assert record["step"] == "accuracy" and record["check"] == "diagnose"
    assert json.loads(json.dumps(d.to_dict()))["learning_curve"]
    html = d._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    axes = d.plot()
    assert isinstance(axes, np.ndarray) and axes.shape == (3,)
    assert axes[0].get_title() == "Learning curve"
    again = diagnose(
        LogisticRegression(),
        X,
        y,
        families=("linear",),
        progress=False,
        ablate=True,
        publish=False,
    )
    for name in ("learning_curve", "models", "importance", "suggestions"):
        a, b = (
            getattr(r, name).drop(columns="fit_time", errors="ignore")
            for r in (d, again)
        )
        pd.testing.assert_frame_equal(a, b)
    with pytest.raises(mlnb.MlnbValueError, match="three matplotlib Axes"):
        d.plot(ax="nope")


def test_progress_bar_counts_every_fit(capsys):
    X, y = clf_data(n=150)
    run(LogisticRegression(), X, y, progress=True, ablate=["f1"])
    err = capsys.readouterr().err
    # 5 folds x 5 sizes + 5 dummy + 1 importance + 5 ablation
    assert "36/36" in err


def test_n_jobs_gives_the_same_numbers():
    X, y = clf_data(n=150)
    a = run(LogisticRegression(), X, y)
    b = run(LogisticRegression(), X, y, n_jobs=2)
    pd.testing.assert_frame_equal(a.learning_curve, b.learning_curve)
    pd.testing.assert_frame_equal(
        a.models.drop(columns="fit_time"), b.models.drop(columns="fit_time")
    )


def test_goal_positive_label_is_the_scorers_positive_class(monkeypatch):
    from sklearn.metrics import average_precision_score, make_scorer

    X, y = clf_data(n=200, seed=3)
    labels = np.where(y == 1, "yes", "no")  # sorted: "no", "yes"
    goal = SimpleNamespace(
        task="binary", metric="average_precision", target=0.5, positive_label="no"
    )
    monkeypatch.setattr(diagnose_module, "_current_goal", lambda: goal)
    d = run(LogisticRegression(), X, labels)
    scorer = make_scorer(
        average_precision_score,
        response_method=("decision_function", "predict_proba"),
        pos_label="no",
    )
    ref = learning_curve(
        LogisticRegression(), X, labels, cv=5, scoring=scorer, shuffle=False
    )[2]
    np.testing.assert_allclose(d.learning_curve["valid_score"], ref.mean(axis=1))
    yes = make_scorer(
        average_precision_score,
        response_method=("decision_function", "predict_proba"),
        pos_label="yes",
    )
    other = learning_curve(
        LogisticRegression(), X, labels, cv=5, scoring=yes, shuffle=False
    )[2]
    assert not np.allclose(ref.mean(axis=1), other.mean(axis=1))
    # string labels without a goal: the last sorted class is positive (scikit-learn's
    # scorer would look for a class 1 and score NaN)
    monkeypatch.setattr(diagnose_module, "_current_goal", lambda: None)
    d = run(LogisticRegression(), X, labels, scoring="average_precision")
    np.testing.assert_allclose(d.learning_curve["valid_score"], other.mean(axis=1))


def test_a_real_goal_sets_the_scorer():
    pytest.importorskip("mlnb.checks.problem")
    X, y = clf_data(n=200, seed=3)
    mlnb.goal(task="binary", metric="average_precision", target=0.99)
    d = run(LogisticRegression(), X, y)
    assert d.scoring == "average_precision"
    assert d.condition_values["goal_margin"] == pytest.approx(d.valid_score - 0.99)


@pytest.mark.parametrize(
    "task, metric, scoring",
    [("multiclass", "macro_f1", "f1_macro"),
     ("multiclass", "roc_auc_ovr", "roc_auc_ovr"),
     ("regression", "rmse", "neg_root_mean_squared_error"),
     ("regression", "mae", "neg_mean_absolute_error")],
)  # fmt: skip
def test_every_goal_metric_becomes_a_scorer(task, metric, scoring):
    pytest.importorskip("mlnb.checks.problem")
    if task == "regression":
        X, y = make_regression(120, 3, noise=5.0, random_state=0)
        est = Ridge()
    else:
        X, y = make_classification(
            150, 4, n_informative=3, n_redundant=0, n_classes=3, random_state=0
        )
        est = LogisticRegression()
    mlnb.goal(task=task, metric=metric, target=0.7)
    d = run(est, X, y, cv=3, train_sizes=[0.5, 1.0])
    assert d.scoring == scoring
    ref = learning_curve(
        est, X, y, cv=3, scoring=scoring, train_sizes=[0.5, 1.0], shuffle=False
    )[2]
    np.testing.assert_allclose(d.learning_curve["valid_score"], ref.mean(axis=1))
    natural = -d.valid_score if scoring.startswith("neg_") else d.valid_score
    higher = metric in ("macro_f1", "roc_auc_ovr")
    margin = natural - 0.7 if higher else 0.7 - natural
    assert d.condition_values["goal_margin"] == pytest.approx(margin)


# -- properties ---------------------------------------------------------------------

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(
    n_max=st.integers(1, 5000),
    fractions=st.lists(
        st.floats(min_value=1e-6, max_value=1.0), min_size=1, max_size=8
    ),
)
def test_train_sizes_translate_as_sklearn(n_max, fractions):
    import warnings

    from sklearn.model_selection._validation import _translate_train_sizes

    from mlnb.checks.accuracy.curves import train_sizes_abs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn warns when sizes collapse
        ref = _translate_train_sizes(np.array(fractions), n_max)
    np.testing.assert_array_equal(train_sizes_abs(fractions, n_max), ref)


@given(
    a=st.lists(st.floats(-1, 1), min_size=2, max_size=10),
    shift=st.floats(-0.5, 0.5),
    ratio=st.floats(0.05, 1.0),
)
def test_paired_gain_is_nadeau_bengio(a, shift, ratio):
    from mlnb.checks.accuracy.noise import paired_gain

    a = np.array(a)
    b = a + shift + np.linspace(-0.01, 0.01, len(a))
    g = paired_gain(a, b, test_to_train=ratio)
    d = b - a
    se = math.sqrt((1 / len(d) + ratio) * np.var(d, ddof=1))
    assert g.mean == pytest.approx(d.mean())
    assert g.se == pytest.approx(se)
    assert g.z == pytest.approx(d.mean() / se)


@pytest.mark.slow
def test_benchmark_runs_at_a_small_size(capsys, monkeypatch):
    from pathlib import Path

    bench = Path(__file__).parents[2] / "benchmarks"
    monkeypatch.syspath_prepend(str(bench))
    import bench_diagnose

    try:
        assert bench_diagnose.main(["--rows", "600", "--repeat", "1"]) == 0
    finally:
        sys.modules.pop("bench_diagnose", None)
    out = capsys.readouterr().out
    assert "same learning curve as scikit-learn: True" in out and "ratio" in out


def test_interrupt_while_building_a_family_keeps_the_earlier_parts(monkeypatch):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(diagnose_module.fam, "family_estimator", interrupt)
    X, y = clf_data(n=150)
    d = run(LogisticRegression(), X, y, families=("linear", "forest"), ablate=["f0"])
    assert d.missing == ("families", "ensemble", "ablation")
    assert len(d.learning_curve) == 5 and d.importance["importance_mean"].notna().all()
    assert d.status != "pass" and "complete" in d.conditions["condition"].iloc[-1]
