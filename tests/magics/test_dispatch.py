"""The %mlcheck dispatcher: commands with zero, one or several leading expressions,
several commands per step, and the usage errors for each shape."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.core.magic_arguments import argument, magic_arguments

import mlnb.magics as M


@magic_arguments()
@argument("--task", required=True)
def _options_only(magics, args):
    return ("options-only", args.task)


_options_only.positionals = ()


@magic_arguments()
@argument("model", nargs="?")
@argument("X", nargs="?")
@argument("y", nargs="?")
@argument("--cv", type=int, default=5)
def _three(magics, args):
    found = [magics.lookup(text) for text in (args.model, args.X, args.y)]
    return (*found, args.cv)


_three.positionals = ("model", "X", "y")


@pytest.fixture
def shell(monkeypatch):
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "mlnb")
    # step 8 stands for a step whose first command is zzgoal: its own commands go
    for name in [n for n, (step, _) in M.COMMANDS.items() if step == "deployment"]:
        monkeypatch.delitem(M.COMMANDS, name)
    monkeypatch.setitem(M.COMMANDS, "zzgoal", ("deployment", _options_only))
    monkeypatch.setitem(M.COMMANDS, "zzdiag", ("serving", _three))
    # step 3 stands for a step without a command here
    monkeypatch.delitem(M.COMMANDS, "train", raising=False)
    ip.user_ns.update(m="MODEL", X=[1, 2], y=[0, 1], d={"a b": 3})
    return ip


def run(ip, line):
    return ip.run_line_magic("mlcheck", line)


def test_a_command_with_options_only(shell):
    assert run(shell, "zzgoal --task binary") == ("options-only", "binary")


def test_several_leading_expressions_are_looked_up(shell):
    assert run(shell, "zzdiag m X y --cv 3") == ("MODEL", [1, 2], [0, 1], 3)
    # brackets and quotes keep an expression whole
    assert run(shell, "zzdiag m X[:1] [d['a b'], 1]") == ("MODEL", [1], [3, 1], 5)


def test_a_step_name_runs_its_first_command(shell):
    result = run(shell, "deployment --task multiclass")
    assert result == ("options-only", "multiclass")
    assert run(shell, "10 m X y") == ("MODEL", [1, 2], [0, 1], 5)


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("zzdiag m X", ["name Y first", "%mlcheck zzdiag MODEL X Y"]),
        ("zzdiag m X y y", ["4 expressions given where 3 are expected"]),
        ("zzgoal df --task binary", ["takes options only"]),
        ("zzdia m X y", ["unknown step or command", "did you mean 'zzdiag'?"]),
        ("training x", ["no %mlcheck command for step 3"]),
    ],
)
def test_usage_errors(shell, line, words):
    with pytest.raises(UsageError) as info:
        run(shell, line)
    for word in words:
        assert word in str(info.value)


def test_help_lists_every_command_of_a_step(shell):
    text = repr(run(shell, "help deployment"))
    assert "--task TASK" in text


def test_step_1_runs_the_goal_first_and_help_shows_both_commands(shell):
    text = repr(run(shell, "help problem"))
    assert text.index("mlcheck goal") < text.index("mlcheck baselines")
