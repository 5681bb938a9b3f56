"""%mlcheck under bad and unusual input (issue 11): shell-like quoting of option
values, column names that are ints or tuples, and every parse error a short
UsageError (never a raw traceback)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

import mlnb
from mlnb.checklist import session
from mlnb.magics.parser import resolve_column, split_options

RNG = np.random.default_rng(8)
Y = np.array([0] * 150 + [1] * 50)
S = np.clip(0.25 + 0.45 * Y + RNG.normal(0, 0.2, 200), 0, 1)
G = RNG.choice(["a", "b"], 200)


@pytest.fixture(scope="module")
def shell():
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "mlnb")
    ns = ip.user_ns
    ns["spaced"] = pd.DataFrame({"is fraud": Y, "model score": S, "my group": G})
    ns["ints"] = pd.DataFrame({0: Y, 1: S, 2: G})
    ns["both"] = pd.DataFrame({"0": 1 - Y, 0: Y, 1: S})
    ns["tup"] = pd.DataFrame({("t", "y"): Y, ("t", "s"): S})
    ns["quoted"] = pd.DataFrame({'say "hi"': Y, "s": S})
    ns["ref"] = pd.DataFrame({0: RNG.normal(size=300), 1: RNG.normal(size=300)})
    ns["cur"] = pd.DataFrame({0: RNG.normal(size=300) + 3, 1: RNG.normal(size=300)})
    session.clear()
    return ip


def run(shell, line):
    return shell.run_line_magic("mlcheck", line)


# -- legitimate: same numbers as the function call ---------------------------------
def test_quoted_label_with_a_space(shell):
    r = run(shell, 'imbalance spaced --label "is fraud"')
    assert r.imbalance_ratio == mlnb.imbalance(Y, publish=False).imbalance_ratio
    t = run(shell, "imbalance spaced --label 'is fraud' --score 'model score'")
    assert t.roc_auc == pytest.approx(mlnb.thresholds(Y, S, publish=False).roc_auc)


def test_escaped_quote_inside_a_name(shell):
    r = run(shell, r'imbalance quoted --label "say \"hi\""')
    assert r.n_samples == 200


def test_int_column_names(shell):
    r = run(shell, "imbalance ints --label 0")
    assert r.imbalance_ratio == mlnb.imbalance(Y, publish=False).imbalance_ratio
    t = run(shell, "imbalance ints --label 0 --score 1")
    assert t.roc_auc == pytest.approx(mlnb.thresholds(Y, S, publish=False).roc_auc)


def test_string_column_wins_over_int(shell):
    """A frame with both "0" and 0: the typed text names the str column."""
    r = run(shell, "imbalance both --label 0 --score 1")
    assert r.roc_auc == pytest.approx(mlnb.thresholds(1 - Y, S, publish=False).roc_auc)


def test_tuple_column_names(shell):
    t = run(shell, "imbalance tup --label \"('t', 'y')\" --score \"('t', 's')\"")
    assert t.roc_auc == pytest.approx(mlnb.thresholds(Y, S, publish=False).roc_auc)


def test_slices_with_quoted_and_int_names(shell):
    r = run(
        shell, "slices spaced --label 'is fraud' --score 'model score' --by 'my group'"
    )
    plain = mlnb.sliced_metrics(
        shell.user_ns["spaced"],
        label="is fraud",
        score="model score",
        slice_by="my group",
        publish=False,
    )
    assert (r.status, r.summary) == (plain.status, plain.summary)
    r2 = run(shell, "slices ints --label 0 --score 1 --by 2")
    plain2 = mlnb.sliced_metrics(
        shell.user_ns["ints"], label=0, score=1, slice_by=2, publish=False
    )
    assert (r2.status, r2.summary) == (plain2.status, plain2.summary)


def test_drift_with_int_feature_names(shell):
    r = run(shell, "drift ref cur --features 0,1")
    assert r.status in ("warn", "fail")
    frame = r.to_frame()
    assert list(frame["feature"]) == [0, 1]
    assert bool(frame["drifted"].iloc[0]) and not bool(frame["drifted"].iloc[1])


def test_expression_with_spaces_and_brackets(shell):
    r = run(shell, "imbalance spaced[spaced['model score'] > -1] --label \"is fraud\"")
    assert r.n_samples == 200


# -- bad: a short UsageError naming what is wrong ----------------------------------
BAD = [
    (
        "unbalanced double quote",
        'imbalance spaced --label "is fraud',
        [r"quot", r"--label"],
    ),
    ("unbalanced single quote", "imbalance spaced --label 'is fraud", [r"quot"]),
    ("unquoted name with space", "imbalance spaced --label is fraud", [r"fraud"]),
    ("unknown column", "imbalance spaced --label nope", [r"nope", r"is fraud"]),
    ("unknown int column", "imbalance ints --label 7", [r"7"]),
    ("missing --label", "imbalance spaced", [r"--label"]),
    (
        "bad threshold",
        "imbalance spaced --label 'is fraud' --threshold abc",
        [r"threshold", r"abc"],
    ),
    ("unknown option", "imbalance spaced --label 'is fraud' --colour red", [r"colour"]),
    ("undefined name", "imbalance nothere --label y", [r"nothere", r"not defined"]),
    (
        "bad expression",
        "imbalance spaced[ --label y",
        [r"could not evaluate|--label"],
    ),
    ("slices unbalanced quote", "slices spaced --label 'is fraud --by g", [r"quot"]),
    (
        "slices unknown by",
        "slices spaced --label 'is fraud' --score 'model score' --by nope",
        [r"nope"],
    ),
    (
        "slices bad min size",
        "slices spaced --label 'is fraud' --by 'my group' --min-slice-size x",
        [r"min-slice-size|min_slice_size", r"'x'"],
    ),
    ("drift unbalanced quote", 'drift ref cur --features "0,1', [r"quot"]),
    ("drift one input", "drift ref --features 0", [r"two inputs"]),
    ("drift unknown feature", "drift ref cur --features 9", [r"9"]),
    ("unknown step", "imbalanc df --label y", [r"unknown step", r"imbalance"]),
]


@pytest.mark.parametrize(
    ("line", "patterns"), [pytest.param(ln, p, id=i) for i, ln, p in BAD]
)
def test_bad_lines_are_usage_errors(shell, line, patterns):
    with pytest.raises(UsageError) as info:
        run(shell, line)
    msg = str(info.value)
    for pat in patterns:
        assert re.search(pat, msg), (pat, msg)
    assert "Traceback" not in msg


def test_parser_helpers():
    assert split_options('--label "is fraud" --score s') == [
        "--label",
        "is fraud",
        "--score",
        "s",
    ]
    with pytest.raises(UsageError, match="quot"):
        split_options("--label 'x")
    df = pd.DataFrame({0: [1], "a": [2], ("t", 1): [3]})
    assert resolve_column(df, "0") == 0 and isinstance(resolve_column(df, "0"), int)
    assert resolve_column(df, "a") == "a"
    assert resolve_column(df, "('t', 1)") == ("t", 1)
    assert resolve_column(df, "zz") == "zz"
    assert resolve_column(df, "__import__('os')") == "__import__('os')"
    assert resolve_column([1, 2], "0") == "0"
