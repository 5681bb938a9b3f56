"""%mlcheck whatif and %mlcheck explain, in a real IPython InteractiveShell.

Each handler only parses, looks names up in the notebook and calls the public
function: the tests check what it was called with (a recording stand-in) and that
the real call gives what the function gives when called directly.
"""

from __future__ import annotations

import re
import sys
import types

import numpy as np
import pandas as pd
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from sklearn.linear_model import LogisticRegression

import mlnb.magics as M
from mlnb.checklist import session
from mlnb.magics import explainability, whatif


def _frame(n: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "age": rng.integers(18, 80, n).astype(float),
            "hours per week": rng.normal(40, 10, n).round(1),
            "sex": rng.choice(["Female", "Male"], n),
        }
    )
    df["income"] = (0.05 * (df["age"] - 45) + rng.normal(0, 1, n) > 0).astype(int)
    df[0] = rng.normal(size=n)  # an int column name
    return df


DF = _frame()
NUMERIC = ["age", "hours per week", 0]
MODEL = LogisticRegression().fit(DF[NUMERIC].to_numpy(), DF["income"])


def predict(rows: pd.DataFrame) -> np.ndarray:
    """A plain predict function of the numeric features."""
    return MODEL.predict_proba(rows[NUMERIC].to_numpy())[:, 1]


@pytest.fixture
def shell(monkeypatch):
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "mlnb")
    if "whatif" not in M.COMMANDS:  # registered by the dispatcher's table
        monkeypatch.setitem(M.COMMANDS, "whatif", ("fairness", whatif.command))
    if "explain" not in M.COMMANDS:
        monkeypatch.setitem(
            M.COMMANDS, "explain", ("explainability", explainability.command)
        )
    ip.user_ns.update(
        df=DF,
        model=MODEL,
        predict=predict,
        X=DF[NUMERIC],
        other=MODEL,
        unfitted=LogisticRegression(),
    )
    session.clear()
    return ip


def run(ip, line):
    return ip.run_line_magic("mlcheck", line)


class Calls:
    """A stand-in for a public function or class that records its arguments."""

    def __init__(self):
        self.calls: list[tuple[tuple, dict]] = []

    def __call__(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        return ("called", len(self.calls))


@pytest.fixture
def fake_whatif(monkeypatch):
    import mlnb.widgets.whatif as module

    rec = Calls()
    monkeypatch.setattr(module, "WhatIf", rec)
    return rec


@pytest.fixture
def fake_explain(monkeypatch):
    rec = Calls()
    try:
        import mlnb.checks.explainability as module

        monkeypatch.setattr(module, "explain", rec)
    except ImportError:  # the step-7 package not merged yet: a stand-in module
        module = types.ModuleType("mlnb.checks.explainability")
        module.explain = rec
        monkeypatch.setitem(sys.modules, "mlnb.checks.explainability", module)
    return rec


# -- whatif -------------------------------------------------------------------------
def test_whatif_passes_the_notebook_objects_and_options(shell, fake_whatif):
    run(
        shell,
        "whatif predict df --label income --sensitive sex "
        "--features age,'hours per week' 0 --max-points 50 --compare other "
        "--positive-label 1 --threshold 0.4 --model-type classification "
        "--random-state 3",
    )
    (args, kwargs) = fake_whatif.calls[-1]
    assert args[0] is predict and args[1] is DF
    assert kwargs == {
        "label": "income",
        "sensitive": "sex",
        "features": ["age", "hours per week", 0],
        "compare": MODEL,
        "max_points": 50,
        "positive_label": 1,
        "threshold": 0.4,
        "model_type": "classification",
        "random_state": 3,
    }


def test_whatif_defaults_leave_the_widget_defaults(shell, fake_whatif):
    run(shell, "whatif model df[df.age > 20] --label income")
    (args, kwargs) = fake_whatif.calls[-1]
    assert args[0] is MODEL and len(args[1]) == int((DF.age > 20).sum())
    assert kwargs == {"label": "income", "sensitive": None, "features": None}


def test_whatif_opens_the_real_widget(shell):
    from mlnb.widgets.whatif import WhatIf

    w = run(
        shell,
        "whatif predict df --label income --sensitive sex "
        "--features age,'hours per week',0 --max-points 80",
    )
    assert isinstance(w, WhatIf)
    assert not w.error
    direct = WhatIf(
        predict,
        DF,
        label="income",
        sensitive="sex",
        features=NUMERIC,
        max_points=80,
    )
    np.testing.assert_allclose(w.predictions(), direct.predictions())
    np.testing.assert_allclose(
        w.predictions(), MODEL.predict_proba(DF[NUMERIC].to_numpy())[:, 1]
    )
    assert w.info == direct.info


# -- explain ------------------------------------------------------------------------
def test_explain_passes_the_notebook_objects_and_options(shell, fake_explain):
    run(
        shell,
        "explain model X --method linear --background X.head(50) --max-rows 100 "
        "--random-state 7 --no-progress",
    )
    (args, kwargs) = fake_explain.calls[-1]
    assert args[0] is MODEL and args[1] is DF[NUMERIC] or args[1].equals(DF[NUMERIC])
    assert kwargs["background"].equals(DF[NUMERIC].head(50))
    assert {k: v for k, v in kwargs.items() if k != "background"} == {
        "method": "linear",
        "random_state": 7,
        "max_rows": 100,
        "progress": False,
    }


def test_explain_defaults(shell, fake_explain):
    run(shell, "explain predict df[['age', 'hours per week', 0]]")
    (args, kwargs) = fake_explain.calls[-1]
    assert args[0] is predict
    assert kwargs == {"method": "auto", "random_state": 0}


def test_explain_gives_what_the_function_gives(shell):
    explain_mod = pytest.importorskip("mlnb.checks.explainability")
    named = ["age", "hours per week"]
    shell.user_ns["named"] = LogisticRegression().fit(DF[named], DF["income"])
    r = run(shell, "explain named df[['age', 'hours per week']] --method linear")
    plain = explain_mod.explain(
        shell.user_ns["named"], DF[named], method="linear", publish=False
    )
    np.testing.assert_allclose(r.values, plain.values)
    assert r.status == plain.status


# -- bad input ------------------------------------------------------------------------
BAD = [
    ("whatif one expression", "whatif model --label income", [r"MODEL", r"DF"]),
    ("whatif no arguments", "whatif", None),
    ("whatif undefined model", "whatif nomodel df --label income", [r"nomodel"]),
    ("whatif undefined data", "whatif model nodf --label income", [r"nodf"]),
    (
        "whatif unknown label",
        "whatif predict df --label nope",
        [r"nope", r"'income'"],
    ),
    (
        "whatif bad max points",
        "whatif predict df --label income --max-points many",
        [r"max-points|max_points", r"many"],
    ),
    (
        "whatif zero max points",
        "whatif predict df --label income --max-points 0",
        [r"max_points", r"1"],
    ),
    (
        "whatif empty features",
        "whatif predict df --label income --features ,",
        [r"--features", r"column names"],
    ),
    (
        "whatif unknown option",
        "whatif predict df --label income --colour red",
        [r"colour"],
    ),
    (
        "whatif unbalanced quote",
        "whatif predict df --label 'income",
        [r"quot"],
    ),
    (
        "explain unknown method",
        "explain model X --method magic",
        [r"method", r"magic", r"auto"],
    ),
    (
        "explain undefined background",
        "explain model X --background nothere",
        [r"nothere", r"not defined"],
    ),
    (
        "whatif unfitted model",
        "whatif unfitted df --label income",
        [r"not fitted", r"fit\("],
    ),
    ("explain three expressions", "explain model X df", [r"3 expressions", r"2"]),
    (
        "explain bad max rows",
        "explain model X --max-rows lots",
        [r"max-rows|max_rows", r"lots"],
    ),
]


@pytest.mark.parametrize(
    ("line", "patterns"), [pytest.param(ln, p, id=i) for i, ln, p in BAD]
)
def test_bad_lines_are_usage_errors(shell, fake_explain, line, patterns):
    if patterns is None:  # no arguments: the step's usage, not an error
        shown = run(shell, line)
        assert "mlcheck whatif" in repr(shown) or "whatif" in str(shown)
        return
    with pytest.raises(UsageError) as info:
        run(shell, line)
    msg = str(info.value)
    for pat in patterns:
        assert re.search(pat, msg), (pat, msg)
    assert "Traceback" not in msg


def test_help_shows_the_usage(shell):
    text = repr(run(shell, "whatif --help"))
    assert "mlcheck whatif" in text and "--sensitive" in text
    text = repr(run(shell, "explain --help"))
    assert "mlcheck explain" in text and "--background" in text
