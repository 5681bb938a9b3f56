"""``%load_ext mlnb`` and the ``%mlcheck`` line magic.

``%mlcheck``                 the ten steps, each with the worst status of its checks
                             in this kernel and every check listed under it
``%mlcheck help [STEP]``     what a step is about and the commands for it
``%mlcheck STEP ARGS``       run the step's check (``%mlcheck imbalance df --label y``)
``%mlcheck COMMAND ARGS``    run one of a step's commands (``%mlcheck goal --task ...``)
``%mlcheck STEP --help``     the step command's usage

Names in arguments are looked up in the notebook's namespace; an expression such as
``df[df.amount > 0]`` is evaluated there. Option values use shell-like quoting
(``--label "is fraud"``); a column typed as ``0`` finds the int column 0 when the
frame has no column ``"0"``. Errors in what the user typed become a short
``UsageError`` without a traceback.
"""

from __future__ import annotations

import difflib
import keyword
from collections.abc import Callable
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.utils.text import dedent

from ..checklist import STEP_IDS, STEPS, get_step
from ..checklist.status_table import ChecklistStatus, StepHelp
from ..errors import MlnbError
from . import (
    accuracy,
    deployment,
    drift,
    explainability,
    fairness,
    imbalance,
    problem,
    prototype,
    train,
    whatif,
)
from .parser import split_expression, split_options, split_top_level

__all__ = [
    "MLCheckMagics",
    "COMMANDS",
    "load_ipython_extension",
    "unload_ipython_extension",
    "split_expression",
    "split_top_level",
]


#: command name -> (step id, handler). A handler is a function decorated with
#: ``magic_arguments``; its ``positionals`` attribute names the expressions that
#: come before the options (default ``("data",)``), which the dispatcher stores as
#: text on ``args`` under those names.
COMMANDS: dict[str, tuple[str, Callable[..., Any]]] = {
    "goal": ("problem", problem.goal_command),
    "baselines": ("problem", problem.baselines_command),
    "prototype": ("prototype", prototype.command),
    "train": ("training", train.command),
    "diagnose": ("accuracy", accuracy.command),
    "imbalance": ("imbalance", imbalance.command),
    "slices": ("fairness", fairness.command),
    "fairness": ("fairness", fairness.command),
    "whatif": ("fairness", whatif.command),
    "explain": ("explainability", explainability.command),
    "schema": ("deployment", deployment.schema_command),
    "validate": ("deployment", deployment.validate_command),
    "gate": ("deployment", deployment.gate_command),
    "promote": ("deployment", deployment.promote_command),
    "rollback": ("deployment", deployment.rollback_command),
    "drift": ("drift", drift.command),
}


def _commands_of(step_id: str) -> list[str]:
    """The command names for a step: the step's own id first when it is one, then
    the order of :data:`COMMANDS`."""
    names = [n for n, (s, _) in COMMANDS.items() if s == step_id]
    return sorted(names, key=lambda n: n != step_id)  # stable: else as registered


def _positionals(handler: Callable[..., Any]) -> tuple[str, ...]:
    return tuple(getattr(handler, "positionals", ("data",)))


def _usage_line(name: str, handler: Callable[..., Any]) -> str:
    return " ".join(["%mlcheck", name, *(p.upper() for p in _positionals(handler))])


def _set_prog() -> None:
    for name, (_, handler) in COMMANDS.items():
        if not getattr(handler.parser, "prog", "").startswith("mlcheck "):
            handler.parser.prog = f"mlcheck {name}"


_set_prog()


@magics_class
class MLCheckMagics(Magics):
    """The ``%mlcheck`` magic."""

    def lookup(self, expr: str) -> Any:
        """A notebook variable by name, or an expression evaluated in the notebook."""
        ns = self.shell.user_ns
        if expr.isidentifier() and not keyword.iskeyword(expr):
            if expr in ns:
                return ns[expr]
            raise UsageError(
                f"name {expr!r} is not defined in this notebook; define it first "
                "(e.g. df = pd.read_csv(...))"
            )
        try:
            return eval(expr, ns)  # noqa: S307 - the user's own kernel and input
        except Exception as exc:
            raise UsageError(f"could not evaluate {expr!r}: {exc}") from None

    def display(self, obj: Any) -> None:
        from IPython.display import display

        display(obj)

    @line_magic
    def mlcheck(self, line: str = "") -> Any:
        """Check your ML project against the ten things that most often go wrong.

        Usage::

          %mlcheck                      the checklist: each step's worst check status
          %mlcheck help [STEP]          what a step is about and its commands
          %mlcheck STEP ARGS            run the check for STEP
          %mlcheck COMMAND ARGS         run a command (a step can have several:
                                        goal and baselines for step 1)
          %mlcheck STEP --help          usage of the command for STEP

        Steps: problem, prototype, training, imbalance, accuracy, fairness,
        explainability, deployment, drift, serving (or their numbers 1-10).
        """
        line = line.strip()
        if not line:
            return ChecklistStatus()
        head, _, rest = line.partition(" ")
        head = head.strip()
        if head in ("help", "-h", "--help", "?"):
            return self._help(rest.strip())
        name = head
        if name not in COMMANDS:
            try:
                step = get_step(head)
            except MlnbError:
                close = difflib.get_close_matches(head, [*COMMANDS, *STEP_IDS], n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                raise UsageError(
                    f"unknown step or command {head!r}; {hint}valid commands are: "
                    f"{', '.join(COMMANDS)}, a step ({', '.join(STEP_IDS)} or 1-10), "
                    "or 'help'"
                ) from None
            names = _commands_of(step.id)
            if not names:
                raise UsageError(
                    f"mlnb has no %mlcheck command for step {step.number} "
                    f"({step.id}) yet; %mlcheck help {step.id} shows its guiding "
                    f"questions. Commands exist for: {', '.join(COMMANDS)}"
                )
            name = names[0]
        step_id, handler = COMMANDS[name]
        step = get_step(step_id)
        if {"-h", "--help"} & set(rest.split()):
            return _Usage(handler.parser.format_help())
        wanted = _positionals(handler)
        if not rest.strip() and wanted:
            return StepHelp(step, _step_usage(step.id))
        expr, options = split_expression(rest)
        given = split_top_level(expr) if expr else []
        args = handler.parser.parse_args(split_options(options))
        usage = _usage_line(name, handler)
        for positional in wanted:
            if getattr(args, positional, None):
                raise UsageError(
                    f"unexpected argument {getattr(args, positional)!r}: "
                    f"{', '.join(p.upper() for p in wanted)} come first ({usage} "
                    "--OPTION ...); quote option values that contain spaces "
                    '(--label "is fraud")'
                )
        if len(wanted) == 1 and given:
            given = [expr]  # one expression may contain spaces
        if len(given) != len(wanted):
            if not wanted:
                raise UsageError(
                    f"%mlcheck {name} takes options only, got {expr!r}; see "
                    f"%mlcheck {name} --help"
                )
            missing = [p.upper() for p in wanted[len(given) :]]
            what = (
                f"name {', '.join(missing)} first"
                if len(given) < len(wanted)
                else f"{len(given)} expressions given where {len(wanted)} are expected"
            )
            raise UsageError(f"{what}: {usage} ... (see %mlcheck {name} --help)")
        for positional, text in zip(wanted, given):
            setattr(args, positional, text)
        try:
            return handler(self, args)
        except MlnbError as exc:
            raise UsageError(str(exc)) from None

    def _help(self, arg: str) -> Any:
        if not arg:
            return _Usage(dedent(self.mlcheck.__doc__ or ""))
        try:
            step = get_step(arg)
        except MlnbError as exc:
            raise UsageError(str(exc)) from None
        return StepHelp(step, _step_usage(step.id))


def _step_usage(step_id: str) -> str:
    """The usage of every command of a step, one after the other."""
    seen: list[Any] = []
    texts = []
    for name in _commands_of(step_id):
        handler = COMMANDS[name][1]
        if handler not in seen:
            seen.append(handler)
            texts.append(handler.parser.format_help())
    return "\n".join(texts)


class _Usage:
    """Help text shown as the cell's result."""

    def __init__(self, text: str) -> None:
        self.text = text.removeprefix("::").strip("\n")

    def __repr__(self) -> str:
        return self.text


def load_ipython_extension(ipython: Any) -> None:
    ipython.register_magics(MLCheckMagics)


def unload_ipython_extension(ipython: Any) -> None:
    magics = ipython.magics_manager.registry.get("MLCheckMagics")
    if magics is not None:
        ipython.magics_manager.magics["line"].pop("mlcheck", None)


assert len(STEPS) == 10
