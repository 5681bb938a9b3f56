"""%mlcheck train, in a real IPython InteractiveShell.

The parse table checks each ``--param`` SPEC form against the space object written
out by hand; the run tests launch a real local subprocess through the magic and
read its reported metrics back from the job; the Vertex tests check that every
option reaches the launch request the Vertex backend gets.
"""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

import mlnb.magics as M
from mlnb.checklist import session
from mlnb.errors import MlnbValueError
from mlnb.magics import train
from mlnb.runtime.training.space import Choice, Float, Int

SCRIPT = """\
import mlnb.train as T

p = T.params({"lr": 0.1, "depth": 3, "kernel": "rbf", "epochs": 2})
for step in range(p["epochs"]):
    T.report(step=step, score=p["lr"] * p["depth"] * (step + 1))
print("done", sorted(p.items()))
"""


@pytest.fixture
def shell(monkeypatch, tmp_path):
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "mlnb")
    if "train" not in M.COMMANDS:  # registered by the dispatcher's table
        monkeypatch.setitem(M.COMMANDS, "train", ("training", train.command))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "train_script.py").write_text(SCRIPT)
    ip.user_ns.pop(train.JOB_VARIABLE, None)
    session.clear()
    yield ip
    job = ip.user_ns.pop(train.JOB_VARIABLE, None)
    if job is not None and not job.done:
        job.cancel()
        job.wait(timeout=30)


def run(ip, line):
    return ip.run_line_magic("mlcheck", line)


# -- the SPEC grammar ------------------------------------------------------------------

PARSE_TABLE = [
    ("lr=1e-4:1e-1:log", "lr", Float(0.0001, 0.1, log=True)),
    ("lr=0.0001:0.1", "lr", Float(0.0001, 0.1)),
    ("dropout=0:0.5", "dropout", Float(0.0, 0.5)),
    ("alpha=1e-3:10:linear", "alpha", Float(0.001, 10.0)),
    ("depth=2:8", "depth", Int(2, 8)),
    ("leaves=8:256:log", "leaves", Int(8, 256, log=True)),
    ("shift=-5:5", "shift", Int(-5, 5)),
    ("depth=2:8:LOG", "depth", Int(2, 8, log=True)),
    ("kernel=rbf,linear", "kernel", Choice(("rbf", "linear"))),
    ("units=16,32,64", "units", Choice((16, 32, 64))),
    ("mixed=1,1.5,auto,true", "mixed", Choice((1, 1.5, "auto", True))),
    ("kernel = rbf , linear", "kernel", Choice(("rbf", "linear"))),
    ("seed=0", "seed", Choice((0,))),
    ("rate=0.5", "rate", Choice((0.5,))),
    ("optimizer=adam", "optimizer", Choice(("adam",))),
    ("data=gs://bucket/train.csv", "data", Choice(("gs://bucket/train.csv",))),
    ("shuffle=false", "shuffle", Choice((False,))),
]


@pytest.mark.parametrize(
    ("text", "name", "expected"), PARSE_TABLE, ids=lambda v: str(v)
)
def test_each_spec_form_gives_its_space_object(text, name, expected):
    got_name, got = train.parse_param(text)
    assert got_name == name
    assert type(got) is type(expected)
    assert got == expected
    if isinstance(expected, Choice):  # 1 == 1.0 == True: compare the types too
        assert [type(v) for v in got.values] == [type(v) for v in expected.values]
    else:
        assert type(got.low) is type(expected.low)


BAD_SPECS = [
    ("lr", ["--param needs NAME=SPEC", "lr=1e-4:1e-1:log"]),
    ("lr=", ["--param lr= has no SPEC", "range", "choice", "fixed"]),
    ("2lr=1:2", ["'2lr'", "identifier"]),
    ("class=1:2", ["'class'", "identifier"]),
    ("my-lr=1:2", ["'my-lr'", "identifier"]),
    ("lr=1e-1:1e-4:log", ["LOW must be below HIGH", "lr=0.0001:0.1:log"]),
    ("depth=8:8", ["LOW must be below HIGH"]),
    ("lr=0:1:log", ["log scale needs LOW > 0", "drop ':log'"]),
    ("lr=1e-4:0.1:lg", ["scale 'lg'", "log, linear"]),
    ("lr=1e-4:high", ["HIGH end 'high' is not a number", "LOW:HIGH[:log]"]),
    ("lr=1:2:log:x", ["LOW:HIGH or LOW:HIGH:log", "4 parts"]),
    ("lr=1:inf", ["finite numbers"]),
    ("kernel=rbf,,linear", ["empty value", "kernel=rbf,linear"]),
    ("kernel=rbf,rbf", ["repeats 'rbf'", "each value once"]),
]


@pytest.mark.parametrize(("text", "words"), BAD_SPECS, ids=lambda v: str(v))
def test_bad_specs_name_the_option_and_the_fix(text, words):
    with pytest.raises(MlnbValueError) as info:
        train.parse_param(text)
    message = str(info.value)
    assert message.startswith("--param"), message
    for word in words:
        assert word in message, message


def test_params_keep_their_order_and_come_repeated_or_together():
    got = train.parse_params([["lr=1e-4:1e-1:log", "depth=2:8"], ["seed=0"]])
    assert list(got) == ["lr", "depth", "seed"]
    with pytest.raises(MlnbValueError, match="--param lr is given twice"):
        train.parse_params([["lr=1:2"], ["lr=0.1"]])


def test_help_documents_the_grammar(shell):
    text = repr(run(shell, "train --help"))
    for form in ("lr=1e-4:1e-1:log", "depth=2:8", "kernel=rbf,linear", "seed=0"):
        assert form in text
    assert "_mlnb_train_job" in text
    assert "--backend" in text and "--accelerator" in text


# -- bad input through the magic ----------------------------------------------------

BAD_LINES = [
    ("train nothing_here.py", ["SCRIPT 'nothing_here.py'", "%%writefile"]),
    ("train number_var", ["SCRIPT 'number_var' is a int", "training function"]),
    ("train train_script.py --backend gpu", ["--backend must be local or vertex"]),
    ("train train_script.py --goal up", ["--goal must be maximize or minimize"]),
    ("train train_script.py --trials 0", ["--trials needs a whole number >= 1"]),
    ("train train_script.py --parallel two", ["--parallel needs a whole number"]),
    ("train train_script.py --count -1", ["--count needs a whole number >= 0"]),
    ("train train_script.py --timeout soon", ["--timeout needs a number of seconds"]),
    (
        "train train_script.py --accelerator NVIDIA_TESLA_K80",
        ["--accelerator 'NVIDIA_TESLA_K80'", "NVIDIA_TESLA_T4", "NVIDIA_L4"],
    ),
    ("train train_script.py --param lr=1:0", ["--param lr=1:0", "LOW must be below"]),
]


@pytest.mark.parametrize(("line", "words"), BAD_LINES, ids=lambda v: str(v))
def test_bad_input_is_a_short_usage_error(shell, line, words):
    shell.user_ns["number_var"] = 3
    with pytest.raises(UsageError) as info:
        run(shell, line)
    for word in words:
        assert word in str(info.value), str(info.value)
    assert train.JOB_VARIABLE not in shell.user_ns  # nothing was launched
