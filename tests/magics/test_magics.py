"""%load_ext mlnb and %mlcheck, in a real IPython InteractiveShell."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from sklearn.metrics import roc_auc_score

import mlnb
from mlnb.checklist import STEP_IDS, session
from mlnb.checklist.result import MIME_TYPE


@pytest.fixture(scope="module")
def shell():
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "mlnb")
    return ip


@pytest.fixture
def fraud_df(shell):
    rng = np.random.default_rng(3)
    y = (rng.random(2000) < 0.05).astype(int)
    p = np.clip(0.15 + 0.5 * y + rng.normal(0, 0.15, 2000), 0, 1)
    df = pd.DataFrame({"is_fraud": y, "p": p, "w": rng.integers(1, 3, 2000)})
    shell.user_ns["df"] = df
    session.clear()
    return df


def run(shell, line):
    return shell.run_line_magic("mlcheck", line)


def test_no_argument_shows_the_ten_steps(shell, fraud_df):
    table = run(shell, "")
    text = repr(table)
    for step in STEP_IDS:
        assert step in text
    assert "0 of 10 checked" in text
    run(shell, "imbalance df --label is_fraud")
    table = run(shell, "")
    assert "1 of 10 checked" in table.progress
    rows = {r["step"]: r for r in table.rows()}
    assert rows["imbalance"]["status"] == "warn"
    assert rows["drift"]["status"] == "not checked"
    assert "<script" not in table._repr_html_()


def test_table_shows_the_worst_check_of_each_step(shell, fraud_df):
    """imbalance warns (5% positives), thresholds passes: step 4 stays warn with both
    checks listed; a newer imbalance pass turns it pass."""
    data = run(shell, "imbalance df --label is_fraud")
    model = run(shell, "imbalance df --label is_fraud --score p")
    assert (data.check, data.status) == ("imbalance", "warn")
    assert (model.check, model.status) == ("thresholds", "pass")
    table = run(shell, "")
    row = {r["step"]: r for r in table.rows()}["imbalance"]
    assert row["status"] == "warn"
    assert [(c["check"], c["status"]) for c in row["checks"]] == [
        ("imbalance", "warn"),
        ("thresholds", "pass"),
    ]
    assert table.progress == "1 of 10 checked, 1 warning"
    text = repr(table)
    assert data.summary in text and model.summary in text
    html = table._repr_html_()
    assert "<code>imbalance</code>" in html and "<code>thresholds</code>" in html

    shell.user_ns["even"] = pd.DataFrame({"y": [0, 1] * 50})
    assert run(shell, "imbalance even --label y").status == "pass"
    row = {r["step"]: r for r in run(shell, "").rows()}["imbalance"]
    assert row["status"] == "pass"
    assert [(c["check"], c["status"]) for c in row["checks"]] == [
        ("thresholds", "pass"),
        ("imbalance", "pass"),
    ]


def test_imbalance_command_matches_the_function(shell, fraud_df):
    res = run(shell, "imbalance df --label is_fraud")
    assert isinstance(res, mlnb.ImbalanceResult)
    n_pos = int(fraud_df.is_fraud.sum())
    assert res.counts == {0: len(fraud_df) - n_pos, 1: n_pos}
    bundle = res._repr_mimebundle_()
    assert bundle[MIME_TYPE]["step"] == "imbalance"


def test_imbalance_with_scores_returns_model_side(shell, fraud_df):
    res = run(shell, "imbalance df --label is_fraud --score p --threshold 0.4")
    assert isinstance(res, mlnb.ThresholdsResult)
    assert res.roc_auc == pytest.approx(roc_auc_score(fraud_df.is_fraud, fraud_df.p))
    assert res.threshold == 0.4
    weighted = run(shell, "imbalance df --label is_fraud --score p --weight w")
    assert weighted.roc_auc == pytest.approx(
        roc_auc_score(fraud_df.is_fraud, fraud_df.p, sample_weight=fraud_df.w)
    )
    assert session.latest("imbalance")["check"] == "thresholds"


def test_expression_is_evaluated_in_user_namespace(shell, fraud_df):
    res = run(shell, "imbalance df[df.w == 1] --label is_fraud")
    assert res.n_samples == int((fraud_df.w == 1).sum())


def test_string_labels_with_positive_label(shell):
    shell.user_ns["s"] = pd.DataFrame({"y": ["ok"] * 30 + ["fraud"] * 3})
    res = run(shell, "imbalance s --label y --positive-label fraud")
    assert res.positive_label == "fraud"
    assert res.counts["fraud"] == 3


def test_help(shell):
    overview = repr(run(shell, "help"))
    assert "%mlcheck STEP ARGS" in overview
    step_help = repr(run(shell, "help imbalance"))
    assert "accuracy trap" in step_help
    assert "--label" in step_help  # the command's usage is included
    assert "no check for this step yet" in repr(run(shell, "help serving"))
    assert "Step 9" in repr(run(shell, "help 9"))
    usage = repr(run(shell, "imbalance --help"))
    assert "--score" in usage and "usage" not in usage.lower().split()[0:1]


@pytest.mark.parametrize(
    "line, words",
    [
        ("imbalanc df --label y", ["unknown step", "imbalance", "serving"]),
        ("serving a b", ["no %mlcheck command", "help serving"]),
        ("imbalance df --label nope", ["'nope'", "is_fraud"]),
        ("imbalance missing_df --label y", ["not defined"]),
        ("imbalance df", ["--label"]),
        ("imbalance df[df.is_fraud == 1] --label is_fraud", ["single class"]),
        ("imbalance df --label is_fraud --score nope", ["'nope'", "columns"]),
        ("help nonsense", ["unknown step"]),
    ],
)
def test_user_errors_are_usage_errors(shell, fraud_df, line, words):
    with pytest.raises(UsageError) as info:
        run(shell, line)
    for w in words:
        assert w in str(info.value)


def test_usage_error_has_no_traceback_in_a_cell(shell, fraud_df, capsys):
    result = shell.run_cell("%mlcheck imbalance df --label nope")
    assert isinstance(result.error_in_exec, UsageError)
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    assert "is_fraud" in out.out + out.err


def test_step_numbers_work(shell, fraud_df):
    res = run(shell, "4 df --label is_fraud")
    assert isinstance(res, mlnb.ImbalanceResult)


@pytest.fixture
def adult_like(shell):
    rng = np.random.default_rng(5)
    n = 3000
    df = pd.DataFrame(
        {
            "sex": rng.choice(["Female", "Male"], n),
            "race": rng.choice(["A", "B", "C"], n),
            "age": rng.integers(18, 90, n),
        }
    )
    df["y"] = (rng.random(n) < 0.25).astype(int)
    df["s"] = np.clip(0.25 + 0.4 * df.y + rng.normal(0, 0.2, n), 0, 1)
    shell.user_ns["people"] = df
    return df


def test_slices_command_matches_the_function(shell, adult_like):
    from sklearn.metrics import roc_auc_score

    res = run(shell, "slices people --label y --score s --by sex,race,sex*race,age")
    assert isinstance(res, mlnb.SlicedMetrics)
    assert res.slice_columns == ("sex", "race", "sex × race", "age")
    f = res.to_frame()
    women = adult_like[adult_like.sex == "Female"]
    row = f[(f.slice == "sex") & (f.value == "Female")].iloc[0]
    assert row.roc_auc == pytest.approx(roc_auc_score(women.y, women.s))
    assert session.latest("fairness")["check"] == "sliced_metrics"
    # the step id works as the command name too
    again = run(shell, "fairness people --label y --score s --by sex --goal recall")
    assert again.goal_metric == "recall"


def test_slices_without_arguments_shows_help(shell):
    text = repr(run(shell, "slices"))
    assert "--by" in text and "Step 6" in text


def test_slices_user_errors(shell, adult_like):
    with pytest.raises(UsageError, match="'nope'"):
        run(shell, "slices people --label y --score s --by nope")
    with pytest.raises(UsageError, match="--by"):
        run(shell, "slices people --label y --score s")


@pytest.fixture
def drift_frames(shell):
    rng = np.random.default_rng(11)
    ref = pd.DataFrame({"a": rng.normal(size=4000), "b": rng.choice(list("xyz"), 4000)})
    cur = pd.DataFrame(
        {"a": rng.normal(3, 1, size=4000), "b": rng.choice(list("xyz"), 4000)}
    )
    shell.user_ns["ref"], shell.user_ns["cur"] = ref, cur
    return ref, cur


def test_drift_command_matches_the_function(shell, drift_frames, tmp_path):
    ref, cur = drift_frames
    res = run(shell, "drift ref cur")
    direct = mlnb.drift(ref, cur, publish=False)
    assert res.drifted_features == direct.drifted_features == ("a",)
    pd.testing.assert_frame_equal(res.to_frame(), direct.to_frame())
    psi = run(shell, "drift ref cur[cur.a > 0] --method psi --features a")
    assert list(psi.to_frame().feature) == ["a"] and psi.method == "psi"
    # a saved profile stands in for the reference data
    path = mlnb.profile(ref).save(tmp_path / "ref.json")
    from_file = run(shell, f"drift '{path}' cur")
    pd.testing.assert_frame_equal(from_file.to_frame(), direct.to_frame())
    assert session.latest("drift")["check"] == "drift"


def test_drift_command_needs_two_inputs(shell, drift_frames):
    with pytest.raises(UsageError, match="two inputs"):
        run(shell, "drift ref")
    with pytest.raises(UsageError, match="method must be one of"):
        run(shell, "drift ref cur --method nope")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("df --label y", ("df", "--label y")),
        ("df[df.x > 0] --label y", ("df[df.x > 0]", "--label y")),
        ("df.query('a - b > 1') -l y", ("df.query('a - b > 1')", "-l y")),
        ('f("it\\" -x") --by a', ('f("it\\" -x")', "--by a")),
        ("a - b", ("a - b", "")),  # a minus sign is not an option
        ("  df  ", ("df", "")),
    ],
)
def test_split_expression_ends_at_the_first_top_level_option(text, expected):
    from mlnb.magics import split_expression

    assert split_expression(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a b[c d]", ["a", "b[c d]"]),
        ("ref  cur", ["ref", "cur"]),
        ('f(x, y) \'a b\' "c \\" d"', ["f(x, y)", "'a b'", '"c \\" d"']),
        ("", []),
    ],
)
def test_split_top_level_keeps_brackets_and_quotes_whole(text, expected):
    from mlnb.magics import split_top_level

    assert split_top_level(text) == expected


def test_slices_correction_option(shell):
    """--correction reaches sliced_metrics (holm by default, bh, or none)."""
    rng = np.random.default_rng(3)
    n = 4_000
    y = rng.integers(0, 2, n)
    shell.user_ns["sl"] = pd.DataFrame(
        {
            "y": y,
            "p": np.clip(y * 0.3 + rng.random(n) * 0.7, 0, 1),
            "g": rng.choice(list("abcdefgh"), n),
        }
    )
    for option, expected in (
        ("", "holm"),
        ("--correction bh", "bh"),
        ("--correction none", None),
    ):
        r = shell.run_line_magic(
            "mlcheck", f"slices sl --label y --score p --by g {option}"
        )
        assert r.correction == expected
