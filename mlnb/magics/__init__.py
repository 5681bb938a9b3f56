"""``%load_ext mlnb`` and the ``%mlcheck`` line magic.

``%mlcheck``                 the ten steps, each with the worst status of its checks
                             in this kernel and every check listed under it
``%mlcheck help [STEP]``     what a step is about and the commands for it
``%mlcheck STEP ARGS``       run the step's check (``%mlcheck imbalance df --label y``)
``%mlcheck STEP --help``     the step command's usage

Names in arguments are looked up in the notebook's namespace; an expression such as
``df[df.amount > 0]`` is evaluated there. Option values use shell-like quoting
(``--label "is fraud"``); a column typed as ``0`` finds the int column 0 when the
frame has no column ``"0"``. Errors in what the user typed become a short
``UsageError`` without a traceback.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.utils.text import dedent

from ..checklist import STEP_IDS, STEPS, get_step
from ..checklist.status_table import ChecklistStatus, StepHelp
from ..errors import MlnbError
from . import drift, fairness, imbalance
from .parser import split_expression, split_options, split_top_level

__all__ = [
    "MLCheckMagics",
    "HANDLERS",
    "load_ipython_extension",
    "unload_ipython_extension",
    "split_expression",
    "split_top_level",
]


#: step id -> handler (a function decorated with magic_arguments)
HANDLERS: dict[str, Callable[..., Any]] = {
    "imbalance": imbalance.command,
    "fairness": fairness.command,
    "drift": drift.command,
}
#: command names that are not step ids
ALIASES = {"slices": "fairness"}
for _step_id, _handler in HANDLERS.items():
    _names = [a for a, t in ALIASES.items() if t == _step_id] or [_step_id]
    _handler.parser.prog = f"mlcheck {_names[0]}"


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
        try:
            step = get_step(ALIASES.get(head, head))
        except MlnbError:
            raise UsageError(
                f"unknown step {head!r}; valid steps are: {', '.join(STEP_IDS)} "
                f"(or 1-10), the commands {', '.join(ALIASES)}, or 'help'"
            ) from None
        handler = HANDLERS.get(step.id)
        if handler is None:
            raise UsageError(
                f"mlnb has no %mlcheck command for step {step.number} ({step.id}) "
                f"yet; %mlcheck help {step.id} shows its guiding questions. Commands "
                f"exist for: {', '.join(HANDLERS)} ({', '.join(ALIASES)})"
            )
        if {"-h", "--help"} & set(rest.split()):
            return _Usage(handler.parser.format_help())
        if not rest.strip():
            return StepHelp(step, handler.parser.format_help())
        expr, options = split_expression(rest)
        args = handler.parser.parse_args(split_options(options))
        if expr and args.data:
            raise UsageError(
                f"unexpected argument {args.data!r}: the data comes first "
                f"(%mlcheck {step.id} DATA --label COL); quote option values that "
                'contain spaces (--label "is fraud")'
            )
        args.data = expr or args.data
        if not args.data:
            raise UsageError(
                f"name the data first: %mlcheck {step.id} DATA --label COL "
                f"(see %mlcheck {step.id} --help)"
            )
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
        handler = HANDLERS.get(step.id)
        usage = handler.parser.format_help() if handler is not None else ""
        return StepHelp(step, usage)


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
