"""``%mlcheck diagnose MODEL X y`` in a real IPython InteractiveShell."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import learning_curve

import mlnb
from mlnb import magics
from mlnb.checklist import session
from mlnb.magics import accuracy


@pytest.fixture(autouse=True)
def _one_thread():
    """Histogram gradient boosting's OpenMP threads spin for seconds on a shared,
    oversubscribed CI machine; one thread keeps these small fits fast."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


@pytest.fixture(scope="module")
def shell():
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "mlnb")
    if "diagnose" not in magics.COMMANDS:  # registered by the dispatcher on main
        magics.COMMANDS["diagnose"] = ("accuracy", accuracy.command)
        accuracy.command.parser.prog = "mlcheck diagnose"
    return ip


@pytest.fixture
def data(shell):
    rng = np.random.default_rng(5)
    X = pd.DataFrame(rng.normal(size=(160, 3)), columns=["a", "b", "c d"])
    y = (X["a"] + rng.normal(scale=0.7, size=160) > 0).astype(int).to_numpy()
    shell.user_ns.update(
        {"X": X, "y": y, "model": LogisticRegression(), "Xv": X[:40], "yv": y[:40]}
    )
    session.clear()
    return X, y


def run(shell, line):
    return shell.run_line_magic("mlcheck", line)


def test_diagnose_command_matches_the_function(shell, data):
    X, y = data
    d = run(shell, "diagnose model X y --cv 4 --scoring accuracy --families none")
    ref = mlnb.diagnose(
        LogisticRegression(),
        X,
        y,
        cv=4,
        scoring="accuracy",
        families=(),
        progress=False,
        publish=False,
    )
    assert d.check == "diagnose" and d.step == "accuracy"
    pd.testing.assert_frame_equal(d.learning_curve, ref.learning_curve)
    sizes, _, te = learning_curve(
        LogisticRegression(), X, y, cv=4, scoring="accuracy", shuffle=False
    )
    np.testing.assert_allclose(d.learning_curve["valid_score"], te.mean(axis=1))
    assert session.latest("accuracy")["check"] == "diagnose"


def test_step_name_and_number_run_diagnose(shell, data):
    for head in ("accuracy", "5"):
        d = run(shell, f"{head} model X y --families none --ablate none")
        assert d.check == "diagnose"
        assert d.importance["ablation_gain"].isna().all()


def test_valid_families_ablate_and_expressions(shell, data):
    d = run(
        shell,
        "diagnose model X[['a', 'c d']] y --valid \"Xv[['a', 'c d']]\" yv "
        '--families linear --ablate "c d"',
    )
    assert d.n_features == 2
    assert not np.isnan(d.holdout_score)
    assert list(d.models["kind"]) == ["yours", "dummy", "family"]
    ablated = d.importance.dropna(subset=["ablation_gain"])["feature"].tolist()
    assert ablated == ["c d"]


@pytest.mark.parametrize(
    "line, words",
    [
        ("diagnose model X", ["Y"]),
        ("diagnose nothing X y", ["nothing", "not defined"]),
        ("diagnose model X y --scoring nope", ["nope", "roc_auc"]),
        ("diagnose model X y --cv 1", ["cv"]),
        ("diagnose model X y --families svm", ["svm"]),
        ("diagnose model X y --ablate zzz", ["zzz"]),
        ("diagnose X X y", ["scikit-learn estimator"]),
    ],
)
def test_user_errors_are_usage_errors(shell, data, line, words):
    with pytest.raises(UsageError) as info:
        run(shell, line)
    for word in words:
        assert word in str(info.value)


def test_help_shows_the_usage(shell):
    text = repr(run(shell, "diagnose --help"))
    assert "--scoring" in text and "--valid" in text and "mlcheck diagnose" in text
